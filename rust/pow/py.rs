//! Python bindings of the `pow` concern: argument conversion and the GIL; the policy is in
//! `search.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use super::search::{self, Host, Params, Summary};

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
    status: &'static str,
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
    simd: &'static str,
    /// Threads used.
    threads: usize,
}

impl From<Summary> for SearchResult {
    fn from(s: Summary) -> Self {
        SearchResult {
            status: s.status.name(),
            nonce: s.nonce,
            answer: s.answer,
            attempts: s.attempts,
            hashed: s.hashed,
            elapsed: s.elapsed,
            simd: s.level.name(),
            threads: s.threads,
        }
    }
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

/// Python as a search host: waits with the GIL released, runs signal handlers (Ctrl-C) between.
struct PyHost<'py>(Python<'py>);

impl Host for PyHost<'_> {
    type Error = PyErr;
    fn detach<T: Send, F: FnOnce() -> T + Send>(&self, f: F) -> T {
        self.0.detach(f)
    }
    fn poll(&self) -> PyResult<()> {
        self.0.check_signals()
    }
}

/// The SIMD levels this CPU supports, weakest first (always starts with ``"portable"``).
#[must_use]
#[pyfunction]
pub fn available_simd_levels() -> Vec<&'static str> {
    search::available_names()
}

/// SHA3-512 of each message, hashed several at a time by the kernel of `simd`.
///
/// # Errors
/// `ValueError` for an unknown or unsupported level, or more than the size bound.
#[pyfunction]
#[pyo3(signature = (messages, simd))]
#[allow(clippy::needless_pass_by_value)] // owned: PyO3 extracts a list into a `Vec`
pub fn sha3_512_lanes<'py>(
    py: Python<'py>,
    messages: Vec<Vec<u8>>,
    simd: &str,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let level = search::resolve_level(Some(simd))?;
    search::check_hash_input(&messages)?;
    let digests = py.detach(|| search::hash_messages(&messages, level))?;
    Ok(digests.iter().map(|d| PyBytes::new(py, d)).collect())
}

/// Searches nonces `start..limit` for the smallest whose message satisfies the rule.
///
/// # Errors
/// As [`search::search`]; Ctrl-C raises `KeyboardInterrupt`.
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
    let params = Params {
        seed,
        pieces,
        rule,
        target,
        length,
        start,
        limit,
        timeout,
        threads,
        simd,
    };
    let flag = cancel.map_or_else(|| Arc::new(AtomicBool::new(false)), |c| Arc::clone(&c.flag));
    Ok(search::search(&PyHost(py), params, &flag)?.into())
}

/// Adds this concern's functions, classes and bounds to the native module.
///
/// # Errors
/// When the module refuses an attribute.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("simd_level", search::default_level_name())?;
    m.add("SIMD_CHOICES", PyTuple::new(m.py(), search::SIMD_CHOICES)?)?;
    m.add("POW_MAX_INPUT_BYTES", search::MAX_INPUT_BYTES)?;
    m.add("POW_MAX_HASH_BYTES", search::MAX_HASH_BYTES)?;
    m.add("POW_MAX_NONCE", search::MAX_NONCE)?;
    m.add("POW_MAX_THREADS", search::MAX_THREADS)?;
    m.add("POW_MAX_HEX_LENGTH", search::MAX_HEX_LENGTH)?;
    m.add("POW_MAX_BYTES_LENGTH", search::MAX_BYTES_LENGTH)?;
    m.add_class::<CancelToken>()?;
    m.add_class::<SearchResult>()?;
    m.add_function(wrap_pyfunction!(available_simd_levels, m)?)?;
    m.add_function(wrap_pyfunction!(sha3_512_lanes, m)?)?;
    m.add_function(wrap_pyfunction!(pow_search, m)?)?;
    Ok(())
}
