//! Proof-of-work templates and rules from arbitrary challenge bytes: no panic, and the search
//! (incremental base64, midstate, every SIMD kernel, one or two threads) finds exactly the nonce
//! a plain loop over whole messages hashed by the `sha3` crate finds.
#![no_main]

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use _native::pow::search::{search, Params, PlainHost, Status};
use _native::pow::{solve, Outcome, Rule, SearchOptions, SimdLevel, Template};
use libfuzzer_sys::fuzz_target;
use sha3::Digest;

/// Nonces searched per input.
const RANGE: u64 = 300;

/// Splits the input at `0xff` bytes: seed, target, then 2 or 3 JSON pieces.
fn fields(input: &[u8]) -> Option<(u8, &[u8], &[u8], Vec<Vec<u8>>)> {
    let (&control, rest) = input.split_first()?;
    let mut parts = rest.split(|&b| b == 0xff);
    let seed = parts.next()?;
    let target = parts.next()?;
    let pieces: Vec<Vec<u8>> = parts.map(<[u8]>::to_vec).collect();
    Some((control, seed, target, pieces))
}

fuzz_target!(|input: &[u8]| {
    let Some((control, seed, target, pieces)) = fields(input) else {
        return;
    };
    let hex = control & 1 == 0;
    let length = usize::from(control >> 1) % 8;
    let start = u64::from(control) * 37;
    // The policy layer: bounds and errors, never a panic.
    let outcome = search(
        &PlainHost,
        Params {
            seed: seed.to_vec(),
            pieces: pieces.clone(),
            rule: if hex { "hex" } else { "bytes" },
            target: target.to_vec(),
            length,
            start,
            limit: start + RANGE,
            // Far too large for an `Instant`: no deadline, never a panic.
            timeout: (control & 2 == 0).then_some(1e300 * f64::from(control | 1)),
            threads: Some(1 + usize::from(control & 1)),
            simd: None,
        },
        &Arc::new(AtomicBool::new(false)),
    );
    let Ok(template) = Template::new(seed, pieces) else {
        assert!(outcome.is_err(), "a template error must be reported");
        return;
    };
    let summary = outcome.expect("valid arguments");
    let rule = if hex {
        Rule::HexLe {
            len: length,
            target: target.to_vec(),
        }
    } else {
        Rule::BytesLe {
            len: length,
            target: target.to_vec(),
        }
    };
    let want = (start..start + RANGE).find(|&n| {
        let digest: [u8; 64] = sha3::Sha3_512::digest(template.message(n)).into();
        rule.accepts_digest(&digest)
    });
    assert_eq!(
        summary.nonce, want,
        "the policy layer disagrees with the reference"
    );
    assert_eq!(summary.status == Status::Found, want.is_some());
    for level in SimdLevel::available() {
        for threads in [1, 2] {
            let options = SearchOptions {
                start,
                limit: start + RANGE,
                deadline: None,
                threads,
                level,
            };
            let report = solve(&template, &rule, &options, &AtomicBool::new(false));
            let expected = want.map_or(Outcome::Exhausted, Outcome::Found);
            assert_eq!(report.outcome, expected, "{level:?} with {threads} threads");
        }
    }
});
