//! Pure core of the `pow` concern (no PyO3): SHA3-512 kernels, the nonce message template, the
//! difficulty rules, the threaded deterministic nonce search and the search policy (bounds, SIMD
//! level, deadline, two phases).

#[cfg(target_arch = "x86_64")]
mod keccak_avx;
mod rounds;

pub mod kernel;
pub mod message;
#[cfg(feature = "python")]
pub mod py;
pub mod search;
pub mod solver;

pub use kernel::{sha3_512_lanes, SimdLevel};
pub use message::Template;
pub use search::{search, Host, Params, Status, Summary};
pub use solver::{solve, Outcome, Report, Rule, SearchOptions};
