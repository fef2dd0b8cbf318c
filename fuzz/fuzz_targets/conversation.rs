//! ChatGPT conversation decoder (depth bound 64): no panic (deep nesting included), and any
//! chunking gives the same deltas, the same metadata and the same failure. Non-coalesced deltas
//! are one per text-changing event, so the lists must be equal, not only their concatenation.
#![no_main]

use _native::conversation::ConversationDecoder;
use fastg4f_fuzz::{chunks, seed_and_stream};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
struct Outcome {
    deltas: Vec<String>,
    failed: bool,
    conversation_id: Option<String>,
    message_id: Option<String>,
    title: Option<String>,
    finished: bool,
}

fn decode(parts: &[&[u8]], coalesce: bool) -> Outcome {
    let mut decoder = ConversationDecoder::new(4096, 1 << 16, 64, coalesce);
    let mut deltas = Vec::new();
    let mut failed = false;
    for part in parts {
        match decoder.feed(part) {
            Ok(d) => deltas.extend(d.to_vec()),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    if !failed {
        match decoder.flush() {
            Ok(d) => deltas.extend(d.to_vec()),
            Err(_) => failed = true,
        }
    }
    if coalesce {
        deltas = vec![deltas.concat()];
    }
    Outcome {
        deltas,
        failed,
        conversation_id: decoder.conversation_id().map(str::to_owned),
        message_id: decoder.message_id().map(str::to_owned),
        title: decoder.title().map(str::to_owned),
        finished: decoder.finished(),
    }
}

fuzz_target!(|input: &[u8]| {
    let (seed, stream) = seed_and_stream(input);
    let parts = chunks(seed, stream);
    let whole = decode(&[stream], false);
    let split = decode(&parts, false);
    if whole.failed || split.failed {
        // What was emitted before the failing event depends on where the chunks end.
        assert_eq!(
            whole.failed, split.failed,
            "the chunking changed the failure"
        );
        return;
    }
    assert_eq!(whole, split, "the chunking changed the deltas");
    let coalesced = decode(&parts, true);
    assert_eq!(
        coalesced.deltas[0],
        whole.deltas.concat(),
        "coalescing changed the text"
    );
});
