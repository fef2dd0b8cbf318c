//! Helpers shared by the fuzz targets.

/// Cuts `data` into chunks whose lengths come from `seed` (0 to 15 bytes each, empty chunks
/// included), so one input also chooses how a stream arrives.
#[must_use]
pub fn chunks(seed: u8, data: &[u8]) -> Vec<&[u8]> {
    let mut state = u32::from(seed) | 1;
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let len = ((state >> 16) % 16) as usize;
        let (head, tail) = rest.split_at(len.min(rest.len()));
        out.push(head);
        rest = tail;
    }
    out
}

/// The input split into its first byte (the chunking seed) and the stream.
#[must_use]
pub fn seed_and_stream(input: &[u8]) -> (u8, &[u8]) {
    match input.split_first() {
        Some((&seed, rest)) => (seed, rest),
        None => (0, input),
    }
}
