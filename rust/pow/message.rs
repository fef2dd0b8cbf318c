//! The attempt message `seed + base64(json)` where the JSON has decimal nonce slots, built
//! incrementally per lane.
//!
//! The JSON of nonce `i` is `pieces[0] + dec(i) + pieces[1] (+ dec(i >> 1) + pieces[2])`. Its
//! base64 is constant up to the group holding the first nonce digit, so every block of
//! `seed + base64` before that point is hashed once (the *midstate*). Per attempt only the base64
//! groups that hold nonce digits are re-encoded, as long as the digit counts stay the same.

use super::kernel::{absorb_blocks, padded_blocks, put_byte, put_padding, RATE, RATE_WORDS};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Largest number of decimal digits of a `u64`.
const MAX_DIGITS: usize = 20;

/// Writes `value` in decimal into `buf`; returns the digits.
#[inline]
pub fn decimal(value: u64, buf: &mut [u8; MAX_DIGITS]) -> &[u8] {
    let mut pos = MAX_DIGITS;
    let mut v = value;
    loop {
        pos -= 1;
        buf[pos] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[pos..]
}

/// Base64 (standard alphabet, `=` padding) of the 3-byte group `group` of `data`.
#[inline]
fn encode_group(data: &[u8], group: usize) -> [u8; 4] {
    let at = group * 3;
    let n = (data.len() - at).min(3);
    let b0 = data[at];
    let b1 = if n > 1 { data[at + 1] } else { 0 };
    let b2 = if n > 2 { data[at + 2] } else { 0 };
    let v = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
    [
        B64[(v >> 18) as usize & 63],
        B64[(v >> 12) as usize & 63],
        if n > 1 {
            B64[(v >> 6) as usize & 63]
        } else {
            b'='
        },
        if n > 2 { B64[v as usize & 63] } else { b'=' },
    ]
}

/// Base64 (standard alphabet, padded) of `data`.
#[must_use]
pub fn base64(data: &[u8]) -> Vec<u8> {
    (0..data.len().div_ceil(3))
        .flat_map(|g| encode_group(data, g))
        .collect()
}

/// The constant parts of an attempt message and the midstate of its leading blocks.
#[derive(Clone, Debug)]
pub struct Template {
    seed: Vec<u8>,
    pieces: Vec<Vec<u8>>,
    /// First JSON byte whose base64 group can change (a multiple of 3).
    jstart: usize,
    /// Length of the constant message prefix `seed + base64(json[..jstart])`.
    const_len: usize,
    /// Bytes of the message absorbed into `midstate` (a multiple of the rate).
    mid_len: usize,
    midstate: [u64; 25],
    /// The constant message bytes after the midstate (`prefix[mid_len..const_len]`).
    head: Vec<u8>,
}

impl Template {
    /// Builds the template for `seed` and JSON `pieces` (two pieces: one slot holding the nonce;
    /// three pieces: a second slot holding `nonce >> 1`).
    ///
    /// # Errors
    /// A message when `pieces` does not have two or three elements.
    pub fn new(seed: &[u8], pieces: Vec<Vec<u8>>) -> Result<Template, String> {
        if !(2..=3).contains(&pieces.len()) {
            return Err(format!(
                "a proof-of-work template needs 2 or 3 JSON pieces around the nonce slots, got {}",
                pieces.len()
            ));
        }
        let jstart = pieces[0].len() / 3 * 3;
        let mut prefix = seed.to_vec();
        prefix.extend_from_slice(&base64(&pieces[0][..jstart]));
        let const_len = prefix.len();
        let mid_len = const_len / RATE * RATE;
        let mut midstate = [0u64; 25];
        absorb_blocks(&mut midstate, &prefix[..mid_len]);
        Ok(Template {
            seed: seed.to_vec(),
            pieces,
            jstart,
            const_len,
            mid_len,
            midstate,
            head: prefix.split_off(mid_len),
        })
    }

    /// The state after the constant leading blocks.
    #[must_use]
    pub fn midstate(&self) -> &[u64; 25] {
        &self.midstate
    }

    /// Number of nonce slots (1 or 2).
    #[must_use]
    pub fn slots(&self) -> usize {
        self.pieces.len() - 1
    }

    /// The JSON bytes of `nonce`.
    #[must_use]
    pub fn json(&self, nonce: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; MAX_DIGITS];
        for (k, piece) in self.pieces.iter().enumerate() {
            out.extend_from_slice(piece);
            if k < self.slots() {
                out.extend_from_slice(decimal(nonce >> k, &mut buf));
            }
        }
        out
    }

    /// The answer of `nonce`: base64 of its JSON.
    #[must_use]
    pub fn answer(&self, nonce: u64) -> String {
        String::from_utf8(base64(&self.json(nonce))).unwrap_or_default()
    }

    /// The whole hashed message of `nonce` (`seed + answer`).
    #[must_use]
    pub fn message(&self, nonce: u64) -> Vec<u8> {
        let mut out = self.seed.clone();
        out.extend_from_slice(&base64(&self.json(nonce)));
        out
    }

    /// Longest message tail (after the midstate), padded, in words.
    fn max_tail_words(&self) -> usize {
        let jtail = self.pieces.iter().map(Vec::len).sum::<usize>() - self.jstart
            + MAX_DIGITS * self.slots();
        let tail = self.const_len - self.mid_len + jtail.div_ceil(3) * 4;
        padded_blocks(tail) * RATE_WORDS
    }
}

/// Per-lane digit counts and positions of the current layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Layout {
    lens: [usize; 2],
    /// Positions of the slots in the JSON tail.
    at: [usize; 2],
    blocks: usize,
}

/// `L` attempt messages (the part after the midstate), word-major and SHA3-padded.
pub struct Lanes<const L: usize> {
    /// `words[word][lane]`: message tail words.
    pub words: Vec<[u64; L]>,
    layout: [Option<Layout>; L],
    jtail: Vec<Vec<u8>>,
}

impl<const L: usize> Lanes<L> {
    /// Empty buffers sized for any nonce of `tpl`.
    #[must_use]
    pub fn new(tpl: &Template) -> Lanes<L> {
        Lanes {
            words: vec![[0u64; L]; tpl.max_tail_words()],
            layout: [None; L],
            jtail: vec![Vec::new(); L],
        }
    }

    /// Rate blocks of lane `lane`'s current message tail.
    #[inline]
    #[must_use]
    pub fn blocks(&self, lane: usize) -> usize {
        self.layout[lane].map_or(0, |l| l.blocks)
    }

    /// Makes lane `lane` hold the message tail of `nonce`.
    #[inline]
    pub fn set(&mut self, tpl: &Template, lane: usize, nonce: u64) {
        let mut bufs = [[0u8; MAX_DIGITS]; 2];
        let [b0, b1] = &mut bufs;
        let d0 = decimal(nonce, b0);
        let d1 = decimal(nonce >> 1, b1);
        let digits: [&[u8]; 2] = [d0, if tpl.slots() > 1 { d1 } else { &[] }];
        match self.layout[lane] {
            Some(layout) if layout.lens == [digits[0].len(), digits[1].len()] => {
                self.update(tpl, lane, &layout, &digits);
            }
            _ => self.rebuild(tpl, lane, &digits),
        }
    }

    fn update(&mut self, tpl: &Template, lane: usize, layout: &Layout, digits: &[&[u8]; 2]) {
        let jtail = &mut self.jtail[lane];
        let b64_at = tpl.const_len - tpl.mid_len;
        for (slot, d) in digits.iter().enumerate().take(tpl.slots()) {
            let at = layout.at[slot];
            jtail[at..at + d.len()].copy_from_slice(d);
            for g in at / 3..(at + d.len()).div_ceil(3) {
                let chars = encode_group(jtail, g);
                for (k, &c) in chars.iter().enumerate() {
                    put_byte(&mut self.words, lane, b64_at + 4 * g + k, c);
                }
            }
        }
    }

    fn rebuild(&mut self, tpl: &Template, lane: usize, digits: &[&[u8]; 2]) {
        for word in &mut self.words {
            word[lane] = 0;
        }
        let jtail = &mut self.jtail[lane];
        jtail.clear();
        jtail.extend_from_slice(&tpl.pieces[0][tpl.jstart..]);
        let mut at = [0usize; 2];
        for slot in 0..tpl.slots() {
            at[slot] = jtail.len();
            jtail.extend_from_slice(digits[slot]);
            jtail.extend_from_slice(&tpl.pieces[slot + 1]);
        }
        let mut pos = 0;
        for &b in &tpl.head {
            put_byte(&mut self.words, lane, pos, b);
            pos += 1;
        }
        for g in 0..jtail.len().div_ceil(3) {
            for c in encode_group(jtail, g) {
                put_byte(&mut self.words, lane, pos, c);
                pos += 1;
            }
        }
        put_padding(&mut self.words, lane, pos);
        self.layout[lane] = Some(Layout {
            lens: [digits[0].len(), digits[1].len()],
            at,
            blocks: padded_blocks(pos),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pow::kernel::{Kernel, Portable};
    use sha3::Digest;

    fn lane_digest(tpl: &Template, lanes: &Lanes<1>) -> [u8; 64] {
        let k = Portable::new();
        let mut st = k.broadcast(tpl.midstate());
        for b in 0..lanes.blocks(0) {
            k.absorb_permute(&mut st, &lanes.words[b * RATE_WORDS..(b + 1) * RATE_WORDS]);
        }
        let mut out = [0u8; 64];
        for (w, chunk) in out.chunks_exact_mut(8).enumerate() {
            chunk.copy_from_slice(&k.digest_words(&st)[w][0].to_le_bytes());
        }
        out
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b""), b"");
        assert_eq!(base64(b"f"), b"Zg==");
        assert_eq!(base64(b"fo"), b"Zm8=");
        assert_eq!(base64(b"foo"), b"Zm9v");
        assert_eq!(base64(b"foobar"), b"Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe]), b"//4=");
    }

    #[test]
    fn decimal_writes_digits() {
        let mut buf = [0u8; MAX_DIGITS];
        assert_eq!(decimal(0, &mut buf), b"0");
        assert_eq!(decimal(1_234_567, &mut buf), b"1234567");
        assert_eq!(decimal(u64::MAX, &mut buf), b"18446744073709551615");
    }

    #[test]
    fn template_rejects_wrong_piece_counts() {
        assert!(Template::new(b"s", vec![b"[".to_vec()]).is_err());
        assert!(Template::new(b"s", vec![Vec::new(); 4]).is_err());
    }

    #[test]
    fn incremental_lanes_hash_like_the_whole_message() {
        // Every prefix-length alignment, one and two slots, across digit-count changes.
        for seed_len in [0usize, 5, 70, 71, 72, 150] {
            for pre in 0..7 {
                for slots in [1usize, 2] {
                    let seed = vec![b's'; seed_len];
                    let mut pieces = vec![vec![b'['; 40 + pre], b",\"mid\",".to_vec()];
                    if slots == 2 {
                        pieces.push(",\"x\u{2212}y\"]".as_bytes().to_vec());
                    }
                    let tpl = Template::new(&seed, pieces).unwrap();
                    let mut lanes = Lanes::<1>::new(&tpl);
                    for nonce in (0..25).chain(95..105).chain([999, 1000, 1001, 123_456_789]) {
                        lanes.set(&tpl, 0, nonce);
                        let want = sha3::Sha3_512::digest(tpl.message(nonce));
                        assert_eq!(lane_digest(&tpl, &lanes)[..], want[..], "nonce {nonce}");
                    }
                }
            }
        }
    }
}
