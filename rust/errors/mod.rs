//! One error type for the native code (pure Rust; the cores return it).
//!
//! The binding layer maps each variant once to a Python exception (`py.rs`).

#[cfg(feature = "python")]
pub mod py;

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
    /// The operating system failed (for example its random source).
    Os(String),
}

impl std::fmt::Display for NativeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidArgument(m)
            | Self::WrongType(m)
            | Self::ProofOfWork(m)
            | Self::StreamDecode(m)
            | Self::Os(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for NativeError {}
