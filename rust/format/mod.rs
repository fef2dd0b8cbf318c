//! Pure core of the `format` concern (no PyO3).

pub mod py;
