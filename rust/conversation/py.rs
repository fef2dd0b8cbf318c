//! Python bindings of the `conversation` concern.

use pyo3::prelude::*;

/// Adds this concern's functions and classes to the native module.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
