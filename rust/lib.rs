//! `fastg4f._native`: the Rust hot paths of fastg4f.
//!
//! This file only registers the module. Each concern lives in its own module with a pure core
//! (`mod.rs`, no PyO3) and a thin binding (`py.rs`).

pub mod conversation;
pub mod errors;
pub mod format;
pub mod pow;
pub(crate) mod pyutil;
pub mod sse;

use pyo3::prelude::*;

/// The native extension module.
#[pymodule]
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
