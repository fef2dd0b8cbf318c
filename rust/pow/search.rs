//! The search policy: argument bounds, the SIMD level (the `FASTG4F_SIMD` cap), the deadline and
//! the two-phase search (a short inline phase, then the threaded phase on a helper thread while the
//! caller waits). A [`Host`] (the Python binding) says how to wait: with its lock released, and
//! checking for interruptions.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use super::kernel::{sha3_512_lanes, SimdLevel};
use super::message::Template;
use super::solver::{solve, Outcome, Report, Rule, SearchOptions};
use crate::errors::NativeError;

/// Environment variable that caps the default SIMD level.
pub const SIMD_ENV: &str = "FASTG4F_SIMD";
/// The accepted values of `simd=` and of [`SIMD_ENV`].
pub const SIMD_CHOICES: [&str; 4] = ["auto", "portable", "avx2", "avx512"];
/// What [`default_level_name`] reports when [`SIMD_ENV`] holds an unknown value.
pub const INVALID_LEVEL: &str = "invalid";
/// Largest accepted seed, and largest total of the JSON pieces, in bytes.
pub const MAX_INPUT_BYTES: usize = 1 << 20;
/// Largest total size of the messages of one [`hash_messages`] call, in bytes.
pub const MAX_HASH_BYTES: usize = 64 << 20;
/// Largest accepted nonce limit.
pub const MAX_NONCE: u64 = 1 << 62;
/// Largest accepted thread count.
pub const MAX_THREADS: usize = 1024;
/// Longest compared prefix of rule `"hex"` (hex characters of a SHA3-512 digest).
pub const MAX_HEX_LENGTH: usize = 128;
/// Longest compared prefix of rule `"bytes"` (bytes of a SHA3-512 digest).
pub const MAX_BYTES_LENGTH: usize = 64;
/// Nonces searched on the calling thread before any thread is started (cheap easy solves).
const INLINE_ATTEMPTS: u64 = 2048;
/// How often the waiting caller checks for interruptions.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The default level: the CPU's best, capped by [`SIMD_ENV`]. Read once (at first use): reading
/// the environment while other threads may be changing it is not safe.
///
/// # Errors
/// `InvalidArgument` naming the valid values when [`SIMD_ENV`] holds an unknown value.
pub fn default_level() -> Result<SimdLevel, NativeError> {
    static DEFAULT: OnceLock<Result<SimdLevel, NativeError>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| level_from_env(std::env::var(SIMD_ENV).ok().as_deref()))
        .clone()
}

/// The name of [`default_level`], or [`INVALID_LEVEL`] when the environment variable is invalid
/// (every search without an explicit level then fails with the error).
pub fn default_level_name() -> &'static str {
    default_level().map_or(INVALID_LEVEL, SimdLevel::name)
}

fn level_from_env(value: Option<&str>) -> Result<SimdLevel, NativeError> {
    let detected = SimdLevel::detect();
    match value {
        None => Ok(detected),
        Some(v) if v.trim().is_empty() || v.trim().eq_ignore_ascii_case("auto") => Ok(detected),
        Some(v) => SimdLevel::parse(v)
            .map(|cap| cap.min(detected))
            .ok_or_else(|| {
                NativeError::InvalidArgument(format!(
                    "{SIMD_ENV}={v:?} is not one of {}; fix or unset it",
                    SIMD_CHOICES.join(", ")
                ))
            }),
    }
}

/// The level for a `simd` argument: `None` or `"auto"` is [`default_level`].
///
/// # Errors
/// `InvalidArgument` for an unknown name or a level this CPU does not support.
pub fn resolve_level(simd: Option<&str>) -> Result<SimdLevel, NativeError> {
    match simd {
        None => default_level(),
        Some(name) if name.trim().eq_ignore_ascii_case("auto") => default_level(),
        Some(name) => {
            let level = SimdLevel::parse(name).ok_or_else(|| {
                NativeError::InvalidArgument(format!(
                    "simd={name:?} is not one of {}",
                    SIMD_CHOICES.join(", ")
                ))
            })?;
            if level.is_supported() {
                Ok(level)
            } else {
                Err(NativeError::InvalidArgument(format!(
                    "simd={name:?} is not supported by this CPU; available: {}",
                    available_names().join(", ")
                )))
            }
        }
    }
}

/// The names of the levels this CPU supports, weakest first.
pub fn available_names() -> Vec<&'static str> {
    SimdLevel::available()
        .into_iter()
        .map(SimdLevel::name)
        .collect()
}

/// The total size of `messages` if it is within `MAX_HASH_BYTES`.
///
/// # Errors
/// `InvalidArgument` past the bound.
pub fn check_hash_input(messages: &[Vec<u8>]) -> Result<(), NativeError> {
    if messages.iter().map(Vec::len).sum::<usize>() > MAX_HASH_BYTES {
        return Err(NativeError::InvalidArgument(format!(
            "sha3_512_lanes accepts at most {MAX_HASH_BYTES} bytes of messages per call"
        )));
    }
    Ok(())
}

/// SHA3-512 of each message with the kernel of `level` (see [`resolve_level`]).
///
/// # Errors
/// `InvalidArgument` when the CPU does not support `level`.
pub fn hash_messages(messages: &[Vec<u8>], level: SimdLevel) -> Result<Vec<[u8; 64]>, NativeError> {
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    sha3_512_lanes(&refs, level).ok_or_else(|| {
        NativeError::InvalidArgument(format!(
            "simd={:?} is not supported by this CPU",
            level.name()
        ))
    })
}

/// The arguments of one search, as the caller gave them.
#[derive(Clone, Debug)]
pub struct Params<'a> {
    /// Message prefix (at most [`MAX_INPUT_BYTES`]).
    pub seed: Vec<u8>,
    /// JSON around the nonce slots: 2 or 3 pieces, at most [`MAX_INPUT_BYTES`] in total.
    pub pieces: Vec<Vec<u8>>,
    /// `"hex"` or `"bytes"`.
    pub rule: &'a str,
    /// The difficulty target.
    pub target: Vec<u8>,
    /// Compared prefix length (at most [`MAX_HEX_LENGTH`] or [`MAX_BYTES_LENGTH`]).
    pub length: usize,
    /// First nonce.
    pub start: u64,
    /// One past the last nonce (`start <= limit <= MAX_NONCE`).
    pub limit: u64,
    /// Seconds (finite, `>= 0`); one too far away to represent means no deadline.
    pub timeout: Option<f64>,
    /// Threads (1..=[`MAX_THREADS`]); `None` for every core.
    pub threads: Option<usize>,
    /// Kernel name; `None` or `"auto"` for [`default_level`].
    pub simd: Option<&'a str>,
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// A satisfying nonce was found.
    Found,
    /// No nonce in the range satisfies the rule.
    Exhausted,
    /// The deadline passed first.
    Timeout,
    /// The cancel flag was set.
    Cancelled,
}

impl Status {
    /// The name used in Python.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Status::Found => "found",
            Status::Exhausted => "exhausted",
            Status::Timeout => "timeout",
            Status::Cancelled => "cancelled",
        }
    }
}

/// The result of [`search`].
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// How it ended.
    pub status: Status,
    /// The smallest satisfying nonce, when found.
    pub nonce: Option<u64>,
    /// Base64 of the JSON of `nonce`, when found.
    pub answer: Option<String>,
    /// `nonce - start + 1` when found, `limit - start` when exhausted, else `hashed`.
    pub attempts: u64,
    /// Messages hashed by all threads.
    pub hashed: u64,
    /// Wall time in seconds.
    pub elapsed: f64,
    /// The kernel used.
    pub level: SimdLevel,
    /// Threads used.
    pub threads: usize,
}

/// How the caller of [`search`] waits.
pub trait Host {
    /// The caller's error type (an interruption, or a mapped [`NativeError`]).
    type Error: From<NativeError>;
    /// Runs `f` without holding up the caller's other threads (Python: with the GIL released).
    fn detach<T: Send, F: FnOnce() -> T + Send>(&self, f: F) -> T;
    /// Checks for an interruption (Python: runs signal handlers, such as Ctrl-C's).
    ///
    /// # Errors
    /// The interruption; the search is then cancelled and the error returned.
    fn poll(&self) -> Result<(), Self::Error>;
}

/// A host that only waits: no lock to release, nothing interrupts it.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlainHost;

impl Host for PlainHost {
    type Error = NativeError;
    fn detach<T: Send, F: FnOnce() -> T + Send>(&self, f: F) -> T {
        f()
    }
    fn poll(&self) -> Result<(), NativeError> {
        Ok(())
    }
}

fn invalid<T>(message: String) -> Result<T, NativeError> {
    Err(NativeError::InvalidArgument(message))
}

/// The instant `timeout` seconds after `t0`.
///
/// # Errors
/// `InvalidArgument` for a negative, infinite or NaN timeout. A finite timeout too large for a
/// `Duration` or an `Instant` gives `None`: a deadline that can never be reached.
pub fn deadline(t0: Instant, timeout: Option<f64>) -> Result<Option<Instant>, NativeError> {
    let Some(t) = timeout else {
        return Ok(None);
    };
    if !(t.is_finite() && t >= 0.0) {
        return invalid(format!(
            "timeout={t}; use a finite number of seconds >= 0 or None"
        ));
    }
    let after = if t <= 0.0 {
        Some(Duration::ZERO)
    } else {
        Duration::try_from_secs_f64(t).ok()
    };
    Ok(after.and_then(|d| t0.checked_add(d)))
}

fn make_rule(rule: &str, target: Vec<u8>, length: usize) -> Result<Rule, NativeError> {
    match rule {
        "hex" if length <= MAX_HEX_LENGTH => Ok(Rule::HexLe {
            len: length,
            target,
        }),
        "bytes" if length <= MAX_BYTES_LENGTH => Ok(Rule::BytesLe {
            len: length,
            target,
        }),
        "hex" | "bytes" => invalid(format!(
            "length={length} is too long for rule {rule:?} (hex: <= {MAX_HEX_LENGTH}, bytes: <= \
             {MAX_BYTES_LENGTH})"
        )),
        _ => invalid(format!("rule={rule:?} is not 'hex' or 'bytes'")),
    }
}

/// A validated search, ready to run.
struct Job {
    template: Template,
    rule: Rule,
    start: u64,
    limit: u64,
    deadline: Option<Instant>,
    threads: usize,
    level: SimdLevel,
}

fn prepare(params: Params<'_>, t0: Instant) -> Result<Job, NativeError> {
    let (seed, start, limit) = (&params.seed, params.start, params.limit);
    let level = resolve_level(params.simd)?;
    let threads = params.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if seed.len() > MAX_INPUT_BYTES {
        return invalid(format!(
            "seed is {} bytes; the limit is {MAX_INPUT_BYTES}",
            seed.len()
        ));
    }
    let total: usize = params.pieces.iter().map(Vec::len).sum();
    if total > MAX_INPUT_BYTES {
        return invalid(format!(
            "config JSON is {total} bytes; the limit is {MAX_INPUT_BYTES}"
        ));
    }
    if limit > MAX_NONCE || start > limit {
        return invalid(format!(
            "nonce range {start}..{limit} is invalid; need start <= limit <= 2**62"
        ));
    }
    if threads == 0 || threads > MAX_THREADS {
        return invalid(format!(
            "threads={threads}; use 1..={MAX_THREADS} or None for all cores"
        ));
    }
    let deadline = deadline(t0, params.timeout)?;
    let rule = make_rule(params.rule, params.target, params.length)?;
    let template = Template::new(seed, params.pieces).map_err(NativeError::InvalidArgument)?;
    Ok(Job {
        template,
        rule,
        start,
        limit,
        deadline,
        threads,
        level,
    })
}

/// Searches `params.start..params.limit` for the smallest nonce whose message satisfies the rule.
///
/// The first [`INLINE_ATTEMPTS`] nonces are searched on the calling thread (inside
/// [`Host::detach`]); the rest by `threads` threads on a helper thread while the caller waits in
/// [`Host::detach`] slices of [`POLL_INTERVAL`], calling [`Host::poll`] between them. Setting
/// `cancel` (from any thread) stops the search within one batch.
///
/// # Errors
/// `InvalidArgument` for an argument out of its bounds, `ProofOfWork` when the helper thread
/// cannot start or fails, or the host's interruption.
pub fn search<H: Host>(
    host: &H,
    params: Params<'_>,
    cancel: &Arc<AtomicBool>,
) -> Result<Summary, H::Error> {
    let t0 = Instant::now();
    let job = Arc::new(prepare(params, t0)?);
    let inline_end = job.limit.min(job.start.saturating_add(INLINE_ATTEMPTS));
    let inline = SearchOptions {
        start: job.start,
        limit: inline_end,
        deadline: job.deadline,
        threads: 1,
        level: job.level,
    };
    let first = host.detach(|| solve(&job.template, &job.rule, &inline, cancel));
    let mut hashed = first.hashed;
    let mut outcome = first.outcome;
    if outcome == Outcome::Exhausted && inline_end < job.limit {
        let rest = search_threaded(host, &job, inline_end, cancel)?;
        hashed += rest.hashed;
        outcome = rest.outcome;
    }
    Ok(summarize(&job, outcome, hashed, t0)?)
}

/// Runs the threaded phase on a helper thread while the caller waits in `host`.
fn search_threaded<H: Host>(
    host: &H,
    job: &Arc<Job>,
    from: u64,
    cancel: &Arc<AtomicBool>,
) -> Result<Report, H::Error> {
    let (tx, rx) = mpsc::channel();
    let worker_job = Arc::clone(job);
    let worker_flag = Arc::clone(cancel);
    let handle = std::thread::Builder::new()
        .name("fastg4f-pow".into())
        .spawn(move || {
            let opts = SearchOptions {
                start: from,
                limit: worker_job.limit,
                deadline: worker_job.deadline,
                threads: worker_job.threads,
                level: worker_job.level,
            };
            let report = solve(&worker_job.template, &worker_job.rule, &opts, &worker_flag);
            // The receiver only disappears if the caller is gone; nothing to report then.
            let _ = tx.send(report);
        })
        .map_err(|e| NativeError::ProofOfWork(format!("cannot start a solver thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver is moved in and out: it is `Send` but not `Sync`.
        let (received, back) = host.detach(move || (rx.recv_timeout(POLL_INTERVAL), rx));
        rx = back;
        match received {
            Ok(report) => {
                let _ = host.detach(move || handle.join());
                return Ok(report);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(err) = host.poll() {
                    cancel.store(true, Ordering::SeqCst);
                    let _ = host.detach(move || handle.join());
                    return Err(err);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = host.detach(move || handle.join());
                return Err(NativeError::ProofOfWork(
                    "the proof-of-work solver thread failed unexpectedly".into(),
                )
                .into());
            }
        }
    }
}

fn summarize(
    job: &Job,
    outcome: Outcome,
    hashed: u64,
    t0: Instant,
) -> Result<Summary, NativeError> {
    let (status, nonce, attempts) = match outcome {
        Outcome::Found(n) => (Status::Found, Some(n), n - job.start + 1),
        Outcome::Exhausted => (Status::Exhausted, None, job.limit - job.start),
        Outcome::TimedOut => (Status::Timeout, None, hashed),
        Outcome::Cancelled => (Status::Cancelled, None, hashed),
        Outcome::Unsupported => {
            return invalid(format!(
                "simd level {:?} is not supported by this CPU",
                job.level.name()
            ))
        }
    };
    Ok(Summary {
        status,
        nonce,
        answer: nonce.map(|n| job.template.answer(n)),
        attempts,
        hashed,
        elapsed: t0.elapsed().as_secs_f64(),
        level: job.level,
        threads: job.threads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(timeout: Option<f64>) -> Params<'static> {
        Params {
            seed: b"seed".to_vec(),
            pieces: vec![b"[1,".to_vec(), b"]".to_vec()],
            rule: "hex",
            target: b"0f".to_vec(),
            length: 2,
            start: 0,
            limit: 100_000,
            timeout,
            threads: Some(2),
            simd: None,
        }
    }

    fn run(p: Params<'_>) -> Result<Summary, NativeError> {
        search(&PlainHost, p, &Arc::new(AtomicBool::new(false)))
    }

    #[test]
    fn huge_timeouts_mean_no_deadline() {
        let t0 = Instant::now();
        for t in [1e300, f64::MAX, 1.8e19, 2f64.powi(64), 9.3e18, 1e10] {
            let d = deadline(t0, Some(t)).expect("a finite timeout is valid");
            assert!(d.is_none_or(|d| d > t0), "{t}");
            assert_eq!(run(params(Some(t))).unwrap().status, Status::Found, "{t}");
        }
        assert_eq!(deadline(t0, Some(-0.0)).unwrap(), Some(t0));
        assert_eq!(deadline(t0, Some(5e-324)).unwrap(), Some(t0));
        for t in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, -5e-324] {
            assert!(deadline(t0, Some(t)).is_err(), "{t}");
        }
    }

    #[test]
    fn two_phases_find_the_same_nonce_as_one_thread() {
        let mut hard = params(None);
        hard.target = b"000f".to_vec();
        hard.length = 4;
        hard.limit = 1 << 20;
        let threaded = run(hard.clone()).unwrap();
        hard.threads = Some(1);
        hard.simd = Some("portable");
        let single = run(hard).unwrap();
        assert_eq!(threaded.status, Status::Found);
        assert_eq!(threaded.nonce, single.nonce);
        assert_eq!(threaded.answer, single.answer);
    }

    #[test]
    fn bounds_are_checked() {
        let cases: [fn(&mut Params<'static>); 8] = [
            |p| p.seed = vec![0; MAX_INPUT_BYTES + 1],
            |p| p.pieces = vec![vec![0; MAX_INPUT_BYTES], vec![0]],
            |p| p.limit = MAX_NONCE + 1,
            |p| p.start = p.limit + 1,
            |p| p.threads = Some(MAX_THREADS + 1),
            |p| p.length = MAX_HEX_LENGTH + 1,
            |p| p.rule = "HEX",
            |p| p.simd = Some("mmx"),
        ];
        for case in cases {
            let mut p = params(None);
            case(&mut p);
            assert!(matches!(run(p), Err(NativeError::InvalidArgument(_))));
        }
    }

    #[test]
    fn env_values() {
        let detected = SimdLevel::detect();
        assert_eq!(level_from_env(None), Ok(detected));
        assert_eq!(level_from_env(Some(" AUTO ")), Ok(detected));
        assert_eq!(level_from_env(Some("portable")), Ok(SimdLevel::Portable));
        assert_eq!(level_from_env(Some("avx512")), Ok(detected));
        let Err(NativeError::InvalidArgument(message)) = level_from_env(Some("mmx")) else {
            panic!("an unknown value is an error");
        };
        assert!(
            message.contains("auto, portable, avx2, avx512"),
            "{message}"
        );
    }

    #[test]
    fn cancel_and_exhaustion() {
        let mut p = params(None);
        p.target = b"00000000".to_vec();
        p.length = 8;
        p.limit = 5000;
        let s = run(p.clone()).unwrap();
        assert_eq!((s.status, s.attempts), (Status::Exhausted, 5000));
        p.limit = MAX_NONCE;
        let s = search(&PlainHost, p, &Arc::new(AtomicBool::new(true))).unwrap();
        assert_eq!(s.status, Status::Cancelled);
    }
}
