//! The nonce search: deterministic (the smallest satisfying nonce), threaded, cancellable.
//!
//! Threads take chunks of [`CHUNK`] nonces in increasing order from a shared counter. A thread
//! that finds a solution publishes it with `fetch_min`; a thread stops a chunk once its position
//! passes the best solution. Every chunk below the final best was completed, so the answer does
//! not depend on the thread count or the kernel. A thread that stops early because of the
//! deadline or the cancel flag records where it stopped, and a solution counts only if it lies
//! below that point.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use super::kernel::{Kernel, Portable, SimdLevel, RATE_WORDS};
use super::message::{Lanes, Template};

/// Nonces handed to a thread at a time.
pub const CHUNK: u64 = 4096;

/// Batches between two deadline checks.
const DEADLINE_EVERY: u32 = 32;

/// When a digest satisfies a difficulty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `hex(digest)[:len] <= target`, compared bytewise (the web client's rule with a lower-case
    /// target; g4f's `generate_proof_token` rule with the raw difficulty). `len <= 128`.
    HexLe {
        /// Hex characters of the digest compared.
        len: usize,
        /// The target bytes.
        target: Vec<u8>,
    },
    /// `digest[:len] <= target`, compared bytewise (g4f `generate_answer`). `len <= 64`.
    BytesLe {
        /// Digest bytes compared.
        len: usize,
        /// The target bytes.
        target: Vec<u8>,
    },
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Rule {
    /// Whether a digest, given as a byte accessor, satisfies the rule.
    #[inline]
    pub fn accepts(&self, byte: impl Fn(usize) -> u8) -> bool {
        match self {
            Rule::HexLe { len, target } => {
                let len = (*len).min(128);
                for k in 0..len {
                    let Some(&t) = target.get(k) else {
                        return false;
                    };
                    let b = byte(k / 2);
                    let c = HEX[usize::from(if k % 2 == 0 { b >> 4 } else { b & 15 })];
                    if c != t {
                        return c < t;
                    }
                }
                true
            }
            Rule::BytesLe { len, target } => {
                let len = (*len).min(64);
                for k in 0..len {
                    let Some(&t) = target.get(k) else {
                        return false;
                    };
                    let c = byte(k);
                    if c != t {
                        return c < t;
                    }
                }
                true
            }
        }
    }

    /// Whether a 64-byte digest satisfies the rule.
    #[must_use]
    pub fn accepts_digest(&self, digest: &[u8; 64]) -> bool {
        self.accepts(|k| digest[k])
    }
}

/// How to search.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// First nonce.
    pub start: u64,
    /// One past the last nonce (`start <= limit <= 2**63`).
    pub limit: u64,
    /// Stop (unsolved) at this instant.
    pub deadline: Option<Instant>,
    /// Worker threads (at least 1; the calling thread is one of them).
    pub threads: usize,
    /// Kernel to use; must be supported by the CPU.
    pub level: SimdLevel,
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The smallest satisfying nonce in `start..limit`.
    Found(u64),
    /// No nonce in `start..limit` satisfies the rule.
    Exhausted,
    /// The deadline passed first.
    TimedOut,
    /// The cancel flag was set.
    Cancelled,
    /// The CPU does not support the requested level.
    Unsupported,
}

/// The result of [`solve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// How it ended.
    pub outcome: Outcome,
    /// Messages hashed by every thread together (a batch counts all its lanes).
    pub hashed: u64,
}

struct Control<'a> {
    next: AtomicU64,
    best: AtomicU64,
    abandoned: AtomicU64,
    hashed: AtomicU64,
    limit: u64,
    deadline: Option<Instant>,
    cancel: &'a AtomicBool,
}

impl Control<'_> {
    fn expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
            && self.best.load(Ordering::Relaxed) == u64::MAX
    }
}

fn worker<K: Kernel<L>, const L: usize>(kernel: K, tpl: &Template, rule: &Rule, ctl: &Control) {
    let mut lanes = Lanes::<L>::new(tpl);
    let base = kernel.broadcast(tpl.midstate());
    let mut hashed = 0u64;
    'chunks: loop {
        let start = ctl.next.fetch_add(CHUNK, Ordering::Relaxed);
        if start >= ctl.limit || start >= ctl.best.load(Ordering::Relaxed) {
            break;
        }
        let end = (start + CHUNK).min(ctl.limit);
        let mut nonce = start;
        let mut batches = 0u32;
        while nonce < end {
            if ctl.cancel.load(Ordering::Relaxed)
                || (batches.is_multiple_of(DEADLINE_EVERY) && ctl.expired())
            {
                ctl.abandoned.fetch_min(nonce, Ordering::Relaxed);
                break 'chunks;
            }
            if ctl.best.load(Ordering::Relaxed) < nonce {
                break;
            }
            batches = batches.wrapping_add(1);
            for lane in 0..L {
                lanes.set(tpl, lane, nonce + lane as u64);
            }
            let max_blocks = (0..L).map(|l| lanes.blocks(l)).max().unwrap_or(0);
            let mut state = base.clone();
            let mut found = None;
            for block in 0..max_blocks {
                kernel.absorb_permute(
                    &mut state,
                    &lanes.words[block * RATE_WORDS..(block + 1) * RATE_WORDS],
                );
                if (0..L).all(|l| lanes.blocks(l) != block + 1) {
                    continue;
                }
                let digest = kernel.digest_words(&state);
                let hit = (0..L).find(|&lane| {
                    lanes.blocks(lane) == block + 1
                        && nonce + (lane as u64) < end
                        && rule.accepts(|k| digest[k / 8][lane].to_le_bytes()[k % 8])
                });
                if let Some(lane) = hit {
                    found = Some(found.map_or(lane, |f: usize| f.min(lane)));
                }
            }
            hashed += L as u64;
            if let Some(lane) = found {
                ctl.best.fetch_min(nonce + lane as u64, Ordering::Relaxed);
                break;
            }
            nonce += L as u64;
        }
    }
    ctl.hashed.fetch_add(hashed, Ordering::Relaxed);
}

fn run<K: Kernel<L>, const L: usize>(
    kernel: K,
    tpl: &Template,
    rule: &Rule,
    opts: &SearchOptions,
    cancel: &AtomicBool,
) -> Report {
    let ctl = Control {
        next: AtomicU64::new(opts.start),
        best: AtomicU64::new(u64::MAX),
        abandoned: AtomicU64::new(u64::MAX),
        hashed: AtomicU64::new(0),
        limit: opts.limit,
        deadline: opts.deadline,
        cancel,
    };
    let threads = opts.threads.max(1);
    if threads == 1 {
        worker(kernel, tpl, rule, &ctl);
    } else {
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(|| worker(kernel, tpl, rule, &ctl));
            }
            worker(kernel, tpl, rule, &ctl);
        });
    }
    let best = ctl.best.load(Ordering::SeqCst);
    let abandoned = ctl.abandoned.load(Ordering::SeqCst);
    let outcome = if best != u64::MAX && best < abandoned {
        Outcome::Found(best)
    } else if abandoned != u64::MAX {
        if cancel.load(Ordering::SeqCst) {
            Outcome::Cancelled
        } else {
            Outcome::TimedOut
        }
    } else {
        Outcome::Exhausted
    };
    Report {
        outcome,
        hashed: ctl.hashed.load(Ordering::SeqCst),
    }
}

/// Searches `opts.start..opts.limit` for the smallest nonce whose message satisfies `rule`.
///
/// Runs on the calling thread plus `opts.threads - 1` scoped threads; returns when all joined.
pub fn solve(tpl: &Template, rule: &Rule, opts: &SearchOptions, cancel: &AtomicBool) -> Report {
    let unsupported = Report {
        outcome: Outcome::Unsupported,
        hashed: 0,
    };
    match opts.level {
        SimdLevel::Portable => run(Portable::new(), tpl, rule, opts, cancel),
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => {
            super::keccak_avx::Avx2::new().map_or(unsupported, |k| run(k, tpl, rule, opts, cancel))
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => super::keccak_avx::Avx512::new()
            .map_or(unsupported, |k| run(k, tpl, rule, opts, cancel)),
        #[cfg(not(target_arch = "x86_64"))]
        _ => unsupported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha3::Digest;

    fn digest(msg: &[u8]) -> [u8; 64] {
        sha3::Sha3_512::digest(msg).into()
    }

    fn sample() -> Template {
        let pieces = vec![
            b"[4016,\"Sat Nov 21 2026 16:00:00 GMT+0200 (Central European Summer Time)\",null,"
                .to_vec(),
            b",\"Mozilla/5.0\",null,\"prod-abc\",\"en-US\",\"en-US,es-US,en,es\",".to_vec(),
            ",\"webdriver\u{2212}false\",\"location\",\"ontoggle\",1234.5,\"uuid\",\"\",8,1700000000]"
                .as_bytes()
                .to_vec(),
        ];
        Template::new(b"0.4242", pieces).unwrap()
    }

    fn reference(tpl: &Template, rule: &Rule, limit: u64) -> Option<u64> {
        (0..limit).find(|&n| rule.accepts_digest(&digest(&tpl.message(n))))
    }

    fn opts(level: SimdLevel, threads: usize, limit: u64) -> SearchOptions {
        SearchOptions {
            start: 0,
            limit,
            deadline: None,
            threads,
            level,
        }
    }

    #[test]
    fn hex_rule_compares_like_python_strings() {
        let d = {
            let mut d = [0u8; 64];
            d[0] = 0x0a;
            d[1] = 0x3f;
            d
        };
        let hex = |s: &str| Rule::HexLe {
            len: s.chars().count(),
            target: s.as_bytes().to_vec(),
        };
        assert!(hex("0a3f").accepts_digest(&d));
        assert!(hex("0b").accepts_digest(&d));
        assert!(!hex("0a3e").accepts_digest(&d));
        assert!(hex("").accepts_digest(&d));
        assert!(!hex("0A3F").accepts_digest(&d)); // raw string rule: 'a' > 'A'
        assert!(hex("0\u{e9}").accepts_digest(&d)); // non-ASCII sorts after every hex digit
    }

    #[test]
    fn bytes_rule_is_strict_on_equal_prefix() {
        let mut d = [0u8; 64];
        d[0] = 0x0f;
        d[1] = 0xff;
        d[2] = 0xff;
        let rule = |len: usize, target: &[u8]| Rule::BytesLe {
            len,
            target: target.to_vec(),
        };
        assert!(!rule(6, &[0x0f, 0xff, 0xff]).accepts_digest(&d));
        assert!(rule(6, &[0x10, 0, 0]).accepts_digest(&d));
        assert!(rule(3, &[0x0f, 0xff, 0xff]).accepts_digest(&d));
        assert!(rule(0, &[]).accepts_digest(&d));
    }

    #[test]
    fn every_level_and_thread_count_finds_the_reference_nonce() {
        let tpl = sample();
        for (rule, limit) in [
            (
                Rule::HexLe {
                    len: 3,
                    target: b"00f".to_vec(),
                },
                20_000,
            ),
            (
                Rule::BytesLe {
                    len: 2,
                    target: vec![0x01],
                },
                3_000,
            ),
        ] {
            let want = reference(&tpl, &rule, limit);
            assert!(want.is_some());
            for level in SimdLevel::available() {
                for threads in [1, 2, 3] {
                    let report = solve(
                        &tpl,
                        &rule,
                        &opts(level, threads, limit),
                        &AtomicBool::new(false),
                    );
                    assert_eq!(report.outcome, Outcome::Found(want.unwrap()), "{level:?}");
                }
            }
        }
    }

    #[test]
    fn budgets_and_cancel_end_the_search() {
        let tpl = sample();
        let never = Rule::HexLe {
            len: 32,
            target: vec![b'0'; 32],
        };
        for level in SimdLevel::available() {
            let r = solve(&tpl, &never, &opts(level, 2, 1000), &AtomicBool::new(false));
            assert_eq!(r.outcome, Outcome::Exhausted);
            assert!(r.hashed >= 1000);
            let r = solve(
                &tpl,
                &never,
                &opts(level, 2, 1 << 40),
                &AtomicBool::new(true),
            );
            assert_eq!(r.outcome, Outcome::Cancelled);
            let mut o = opts(level, 2, 1 << 40);
            o.deadline = Some(Instant::now());
            let r = solve(&tpl, &never, &o, &AtomicBool::new(false));
            assert_eq!(r.outcome, Outcome::TimedOut);
        }
    }

    #[test]
    fn start_offset_is_respected() {
        let tpl = sample();
        let rule = Rule::HexLe {
            len: 1,
            target: b"0".to_vec(),
        };
        let first = reference(&tpl, &rule, 1000).unwrap();
        let mut o = opts(SimdLevel::detect(), 2, 1000);
        o.start = first + 1;
        let r = solve(&tpl, &rule, &o, &AtomicBool::new(false));
        let Outcome::Found(n) = r.outcome else {
            panic!("{r:?}")
        };
        assert!(n > first);
        assert!(rule.accepts_digest(&digest(&tpl.message(n))));
    }
}
