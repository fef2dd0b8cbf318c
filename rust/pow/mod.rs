//! Pure core of the `pow` concern (no PyO3).

pub mod py;
