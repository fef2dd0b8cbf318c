//! `fastg4f._native`: the Rust hot paths of fastg4f.
//!
//! Each concern lives in its own module with a pure core (`mod.rs`, no PyO3) and a thin binding
//! (`py.rs`, only with the `python` cargo feature). This file registers the Python module.

pub mod conversation;
pub mod errors;
pub mod format;
pub mod pow;
#[cfg(feature = "python")]
pub(crate) mod pyutil;
pub mod sse;

#[cfg(feature = "python")]
mod module {
    use pyo3::prelude::*;

    use crate::{conversation, format, pow, sse};

    /// The native extension module.
    ///
    /// `gil_used = false`: nothing here relies on the GIL for safety, so a free-threaded Python
    /// need not re-enable it on import. Every class is `frozen` (no `&mut self`, no borrow flag):
    /// `ServerSentEvent` and `SearchResult` are immutable, `CancelToken` is an atomic flag, and
    /// the decoders keep their state behind a `Mutex` that is never held while calling into
    /// Python or while waiting to attach. The globals are `OnceLock`/`PyOnceLock` (the CPU
    /// features, the `FASTG4F_SIMD` level, `json.loads`, interned strings). The format functions
    /// read the caller's lists and dicts through PyO3's strong-reference accessors and `str`
    /// objects, which are immutable.
    #[pymodule(gil_used = false)]
    fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add(
            "build_profile",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        )?;
        format::py::register(m)?;
        pow::py::register(m)?;
        sse::py::register(m)?;
        conversation::py::register(m)?;
        Ok(())
    }
}
