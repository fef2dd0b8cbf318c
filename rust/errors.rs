//! One error type for the native code, mapped once to the Python exceptions of `fastg4f.errors`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::PyErr;

pyo3::import_exception!(fastg4f.errors, ProofOfWorkError);
pyo3::import_exception!(fastg4f.errors, StreamDecodeError);
pyo3::import_exception!(fastg4f.errors, TurnstileError);

/// Every error the native code can report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeError {
    /// A caller passed an argument of the right type but an invalid value.
    InvalidArgument(String),
    /// A caller passed an argument of the wrong type.
    WrongType(String),
    /// A proof-of-work challenge could not be solved or was malformed.
    ProofOfWork(String),
    /// A stream exceeded a limit or could not be decoded.
    StreamDecode(String),
    /// A turnstile program was malformed or exceeded a limit.
    Turnstile(String),
}

impl std::fmt::Display for NativeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidArgument(m)
            | Self::WrongType(m)
            | Self::ProofOfWork(m)
            | Self::StreamDecode(m)
            | Self::Turnstile(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for NativeError {}

impl From<NativeError> for PyErr {
    fn from(err: NativeError) -> PyErr {
        match err {
            NativeError::InvalidArgument(m) => PyValueError::new_err(m),
            NativeError::WrongType(m) => PyTypeError::new_err(m),
            NativeError::ProofOfWork(m) => ProofOfWorkError::new_err(m),
            NativeError::StreamDecode(m) => StreamDecodeError::new_err(m),
            NativeError::Turnstile(m) => TurnstileError::new_err(m),
        }
    }
}
