//! Python bindings of the `pow` concern.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::kernel::{sha3_512_lanes as hash_lanes, SimdLevel};
use super::message::Template;
use super::solver::{solve, Outcome, Report, Rule, SearchOptions};
use crate::errors::NativeError;

/// Environment variable that caps the SIMD level (`auto`, `portable`, `avx2`, `avx512`).
const SIMD_ENV: &str = "FASTG4F_SIMD";
/// Largest accepted seed, JSON template or hashed message, in bytes.
const MAX_INPUT: usize = 1 << 20;
/// Largest accepted nonce limit.
const MAX_LIMIT: u64 = 1 << 62;
/// Largest accepted thread count.
const MAX_THREADS: usize = 1024;
/// Nonces searched on the calling thread before any thread is started (cheap easy solves).
const INLINE_ATTEMPTS: u64 = 2048;
/// How often the waiting thread checks for signals (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(20);

/// A flag that stops a running search (set from any thread; never reset).
#[pyclass(module = "fastg4f._native", frozen)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> CancelToken {
        CancelToken {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Asks every search using this token to stop.
    fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether :meth:`cancel` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    fn __repr__(&self) -> String {
        format!("CancelToken(cancelled={})", self.cancelled())
    }
}

/// The outcome of :func:`pow_search`.
#[pyclass(module = "fastg4f._native", frozen, get_all)]
pub struct SearchResult {
    /// `"found"`, `"exhausted"`, `"timeout"` or `"cancelled"`.
    status: String,
    /// The smallest satisfying nonce, when found.
    nonce: Option<u64>,
    /// Base64 of the JSON of `nonce`, when found.
    answer: Option<String>,
    /// Nonces tried in order: `nonce - start + 1` when found, `limit - start` when exhausted,
    /// the number hashed otherwise.
    attempts: u64,
    /// Messages actually hashed by all threads.
    hashed: u64,
    /// Wall time in seconds.
    elapsed: f64,
    /// The SIMD level used.
    simd: String,
    /// Threads used.
    threads: usize,
}

#[pymethods]
impl SearchResult {
    fn __repr__(&self) -> String {
        format!(
            "SearchResult(status={:?}, nonce={:?}, attempts={}, elapsed={:.6}, simd={:?}, threads={})",
            self.status, self.nonce, self.attempts, self.elapsed, self.simd, self.threads
        )
    }
}

/// The default level: the CPU's best, capped by [`SIMD_ENV`]. Read once (at import): reading the
/// environment while Python threads may be changing it is not safe.
static DEFAULT_LEVEL: OnceLock<Result<SimdLevel, NativeError>> = OnceLock::new();

fn env_level() -> Result<SimdLevel, NativeError> {
    DEFAULT_LEVEL.get_or_init(read_env_level).clone()
}

fn read_env_level() -> Result<SimdLevel, NativeError> {
    let detected = SimdLevel::detect();
    match std::env::var(SIMD_ENV) {
        Err(_) => Ok(detected),
        Ok(v) if v.trim().is_empty() || v.trim().eq_ignore_ascii_case("auto") => Ok(detected),
        Ok(v) => SimdLevel::parse(&v)
            .map(|cap| cap.min(detected))
            .ok_or_else(|| {
                NativeError::InvalidArgument(format!(
                    "{SIMD_ENV}={v:?} is not one of auto, portable, avx2, avx512; fix or unset it"
                ))
            }),
    }
}

fn resolve_level(simd: Option<&str>) -> Result<SimdLevel, NativeError> {
    match simd {
        None => env_level(),
        Some(name) if name.trim().eq_ignore_ascii_case("auto") => env_level(),
        Some(name) => {
            let level = SimdLevel::parse(name).ok_or_else(|| {
                NativeError::InvalidArgument(format!(
                    "simd={name:?} is not one of 'auto', 'portable', 'avx2', 'avx512'"
                ))
            })?;
            if level.is_supported() {
                Ok(level)
            } else {
                Err(NativeError::InvalidArgument(format!(
                    "simd={name:?} is not supported by this CPU; available: {}",
                    available_simd_levels().join(", ")
                )))
            }
        }
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The SIMD levels this CPU supports, weakest first (always starts with ``"portable"``).
#[pyfunction]
pub fn available_simd_levels() -> Vec<&'static str> {
    SimdLevel::available()
        .into_iter()
        .map(SimdLevel::name)
        .collect()
}

/// SHA3-512 of each message, hashed several at a time by the kernel of `simd`.
#[pyfunction]
#[pyo3(signature = (messages, simd))]
pub fn sha3_512_lanes<'py>(
    py: Python<'py>,
    messages: Vec<Vec<u8>>,
    simd: &str,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let level = resolve_level(Some(simd))?;
    if messages.iter().map(Vec::len).sum::<usize>() > 64 * MAX_INPUT {
        return Err(NativeError::InvalidArgument(
            "sha3_512_lanes accepts at most 64 MiB of messages per call".into(),
        )
        .into());
    }
    let digests = py.detach(|| {
        let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        hash_lanes(&refs, level)
    });
    let digests = digests.ok_or_else(|| {
        NativeError::InvalidArgument(format!("simd={simd:?} is not supported by this CPU"))
    })?;
    Ok(digests.iter().map(|d| PyBytes::new(py, d)).collect())
}

fn check_inputs(
    seed: &[u8],
    pieces: &[Vec<u8>],
    start: u64,
    limit: u64,
    threads: usize,
    timeout: Option<f64>,
) -> Result<(), NativeError> {
    let bad = |m: String| Err(NativeError::InvalidArgument(m));
    if seed.len() > MAX_INPUT {
        return bad(format!(
            "seed is {} bytes; the limit is {MAX_INPUT}",
            seed.len()
        ));
    }
    let total: usize = pieces.iter().map(Vec::len).sum();
    if total > MAX_INPUT {
        return bad(format!(
            "config JSON is {total} bytes; the limit is {MAX_INPUT}"
        ));
    }
    if limit > MAX_LIMIT || start > limit {
        return bad(format!(
            "nonce range {start}..{limit} is invalid; need start <= limit <= 2**62"
        ));
    }
    if threads == 0 || threads > MAX_THREADS {
        return bad(format!(
            "threads={threads}; use 1..={MAX_THREADS} or None for all cores"
        ));
    }
    if let Some(t) = timeout {
        if !(t.is_finite() && t >= 0.0) {
            return bad(format!(
                "timeout={t}; use a finite number of seconds >= 0 or None"
            ));
        }
    }
    Ok(())
}

fn make_rule(rule: &str, target: Vec<u8>, length: usize) -> Result<Rule, NativeError> {
    match rule {
        "hex" if length <= 128 => Ok(Rule::HexLe {
            len: length,
            target,
        }),
        "bytes" if length <= 64 => Ok(Rule::BytesLe {
            len: length,
            target,
        }),
        "hex" | "bytes" => Err(NativeError::InvalidArgument(format!(
            "length={length} is too long for rule {rule:?} (hex: <= 128, bytes: <= 64)"
        ))),
        _ => Err(NativeError::InvalidArgument(format!(
            "rule={rule:?} is not 'hex' or 'bytes'"
        ))),
    }
}

/// Runs the threaded search on a helper thread while the calling thread waits without the GIL
/// and checks for signals, so Ctrl-C stops the search within [`SIGNAL_POLL`] plus one batch.
fn search_threaded(
    py: Python<'_>,
    job: Arc<(Template, Rule)>,
    opts: SearchOptions,
    flag: Arc<AtomicBool>,
) -> PyResult<Report> {
    let (tx, rx) = mpsc::channel();
    let worker_flag = Arc::clone(&flag);
    let handle = std::thread::Builder::new()
        .name("fastg4f-pow".into())
        .spawn(move || {
            let report = solve(&job.0, &job.1, &opts, &worker_flag);
            // The receiver only disappears if the caller is gone; nothing to report then.
            let _ = tx.send(report);
        })
        .map_err(|e| NativeError::ProofOfWork(format!("cannot start a solver thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver is moved in and out: it is `Send` but not `Sync`.
        let (received, back) = py.detach(move || (rx.recv_timeout(SIGNAL_POLL), rx));
        rx = back;
        match received {
            Ok(report) => {
                let _ = py.detach(move || handle.join());
                return Ok(report);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(err) = py.check_signals() {
                    flag.store(true, Ordering::SeqCst);
                    let _ = py.detach(move || handle.join());
                    return Err(err);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = py.detach(move || handle.join());
                return Err(NativeError::ProofOfWork(
                    "the proof-of-work solver thread failed unexpectedly".into(),
                )
                .into());
            }
        }
    }
}

/// Searches nonces `start..limit` for the smallest whose message satisfies the rule.
#[pyfunction]
#[pyo3(signature = (
    seed, pieces, rule, target, length, *, start=0, limit, timeout=None, threads=None, simd=None,
    cancel=None
))]
#[allow(clippy::too_many_arguments)]
pub fn pow_search(
    py: Python<'_>,
    seed: Vec<u8>,
    pieces: Vec<Vec<u8>>,
    rule: &str,
    target: Vec<u8>,
    length: usize,
    start: u64,
    limit: u64,
    timeout: Option<f64>,
    threads: Option<usize>,
    simd: Option<&str>,
    cancel: Option<&CancelToken>,
) -> PyResult<SearchResult> {
    let t0 = Instant::now();
    let level = resolve_level(simd)?;
    let threads = threads.unwrap_or_else(default_threads);
    check_inputs(&seed, &pieces, start, limit, threads, timeout)?;
    let rule = make_rule(rule, target, length)?;
    let tpl = Template::new(&seed, pieces).map_err(NativeError::InvalidArgument)?;
    let deadline = timeout.map(|t| t0 + Duration::from_secs_f64(t));
    let flag = cancel.map_or_else(|| Arc::new(AtomicBool::new(false)), |c| Arc::clone(&c.flag));

    let inline_end = limit.min(start.saturating_add(INLINE_ATTEMPTS));
    let inline_opts = SearchOptions {
        start,
        limit: inline_end,
        deadline,
        threads: 1,
        level,
    };
    let job = Arc::new((tpl, rule));
    let first = py.detach(|| solve(&job.0, &job.1, &inline_opts, &flag));
    let mut hashed = first.hashed;
    let mut outcome = first.outcome;
    if outcome == Outcome::Exhausted && inline_end < limit {
        let opts = SearchOptions {
            start: inline_end,
            limit,
            deadline,
            threads,
            level,
        };
        let rest = search_threaded(py, Arc::clone(&job), opts, flag)?;
        hashed += rest.hashed;
        outcome = rest.outcome;
    }
    finish(outcome, &job.0, start, limit, hashed, t0, level, threads)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    outcome: Outcome,
    tpl: &Template,
    start: u64,
    limit: u64,
    hashed: u64,
    t0: Instant,
    level: SimdLevel,
    threads: usize,
) -> PyResult<SearchResult> {
    let (status, nonce, attempts) = match outcome {
        Outcome::Found(n) => ("found", Some(n), n - start + 1),
        Outcome::Exhausted => ("exhausted", None, limit - start),
        Outcome::TimedOut => ("timeout", None, hashed),
        Outcome::Cancelled => ("cancelled", None, hashed),
        Outcome::Unsupported => {
            return Err(NativeError::InvalidArgument(format!(
                "simd level {:?} is not supported by this CPU",
                level.name()
            ))
            .into())
        }
    };
    Ok(SearchResult {
        status: status.into(),
        nonce,
        answer: nonce.map(|n| tpl.answer(n)),
        attempts,
        hashed,
        elapsed: t0.elapsed().as_secs_f64(),
        simd: level.name().into(),
        threads,
    })
}

/// Adds this concern's functions and classes to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "simd_level",
        env_level().unwrap_or_else(|_| SimdLevel::detect()).name(),
    )?;
    m.add_class::<CancelToken>()?;
    m.add_class::<SearchResult>()?;
    m.add_function(wrap_pyfunction!(available_simd_levels, m)?)?;
    m.add_function(wrap_pyfunction!(sha3_512_lanes, m)?)?;
    m.add_function(wrap_pyfunction!(pow_search, m)?)?;
    Ok(())
}
