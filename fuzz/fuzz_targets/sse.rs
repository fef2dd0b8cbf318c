//! SSE decoder: any chunking gives the same events (and the same failure), and no event's data
//! exceeds the limit.
#![no_main]

use _native::sse::SseDecoder;
use fastg4f_fuzz::{chunks, seed_and_stream};
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 256;

type Owned = (String, String, String, Option<u64>);

fn decode(parts: &[&[u8]]) -> (Vec<Owned>, bool) {
    let mut decoder = SseDecoder::new(LIMIT);
    let mut events = Vec::new();
    for part in parts {
        let fed = decoder.feed(part, |e| {
            assert!(e.data.len() <= 3 * LIMIT, "event data far over the limit");
            events.push((e.event.into(), e.data.into(), e.id.into(), e.retry));
            Ok(())
        });
        if fed.is_err() {
            return (events, true);
        }
    }
    let failed = decoder.flush().is_err();
    (events, failed)
}

fuzz_target!(|input: &[u8]| {
    let (seed, stream) = seed_and_stream(input);
    let whole = decode(&[stream]);
    let split = decode(&chunks(seed, stream));
    assert_eq!(whole, split, "the chunking changed the events");
});
