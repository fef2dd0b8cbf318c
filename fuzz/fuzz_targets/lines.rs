//! Line decoder: any chunking gives the same lines (and the same failure); a line is never longer
//! than the limit, and the decoder never buffers more than the limit.
#![no_main]

use _native::sse::LineSplitter;
use fastg4f_fuzz::{chunks, seed_and_stream};
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 64;

fn decode(parts: &[&[u8]]) -> (Vec<Vec<u8>>, bool) {
    let mut splitter = LineSplitter::new(LIMIT);
    let mut lines = Vec::new();
    for part in parts {
        let fed = splitter.feed(part, |line| {
            assert!(line.len() <= LIMIT, "a line over the limit was returned");
            lines.push(line.to_vec());
            Ok(())
        });
        if fed.is_err() {
            return (lines, true);
        }
    }
    match splitter.flush() {
        Ok(last) => {
            lines.extend(last);
            (lines, false)
        }
        Err(_) => (lines, true),
    }
}

fuzz_target!(|input: &[u8]| {
    let (seed, stream) = seed_and_stream(input);
    let whole = decode(&[stream]);
    let split = decode(&chunks(seed, stream));
    assert_eq!(whole, split, "the chunking changed the lines");
});
