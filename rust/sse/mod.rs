//! Pure core of the `sse` concern (no PyO3).

pub mod py;
