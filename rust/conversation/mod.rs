//! Pure core of the `conversation` concern (no PyO3).

pub mod py;
