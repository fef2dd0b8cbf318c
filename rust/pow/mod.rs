//! Pure core of the `pow` concern (no PyO3): SHA3-512 kernels, the nonce message template, the
//! difficulty rules and the threaded, deterministic nonce search.

#[cfg(target_arch = "x86_64")]
mod keccak_avx;
mod rounds;

pub mod kernel;
pub mod message;
pub mod py;
pub mod solver;

pub use kernel::{sha3_512_lanes, SimdLevel};
pub use message::Template;
pub use solver::{solve, Outcome, Report, Rule, SearchOptions};
