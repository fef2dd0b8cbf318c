//! SHA3-512 kernels: the portable scalar path and the multi-lane x86 paths, chosen at run time.
//!
//! A kernel hashes `L` independent messages at once. Its state is kept lane-major in registers;
//! message blocks are passed word-major (`block[word][lane]`) so a SIMD kernel loads one word of
//! every lane with a single vector load.

use std::sync::OnceLock;

use super::rounds::keccak_rounds;

/// SHA3-512 rate in bytes (1600 - 2 * 512 bits).
pub const RATE: usize = 72;
/// SHA3-512 rate in 64-bit words.
pub const RATE_WORDS: usize = RATE / 8;

/// A Keccak-f[1600] implementation level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    /// One lane of scalar `u64` code; runs everywhere.
    Portable,
    /// Four lanes in 256-bit AVX2 registers.
    Avx2,
    /// Eight lanes in 512-bit AVX-512F/VL registers (native rotates and ternary logic).
    Avx512,
}

impl SimdLevel {
    /// Every level, weakest first.
    pub const ALL: [SimdLevel; 3] = [SimdLevel::Portable, SimdLevel::Avx2, SimdLevel::Avx512];

    /// The name used in Python (`"portable"`, `"avx2"`, `"avx512"`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Portable => "portable",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }

    /// Parses a level name (case-insensitive); `None` for anything else.
    #[must_use]
    pub fn parse(name: &str) -> Option<SimdLevel> {
        let name = name.trim();
        SimdLevel::ALL
            .into_iter()
            .find(|level| level.name().eq_ignore_ascii_case(name))
    }

    /// Number of messages hashed per kernel call.
    #[must_use]
    pub fn lanes(self) -> usize {
        match self {
            SimdLevel::Portable => 1,
            SimdLevel::Avx2 => 4,
            SimdLevel::Avx512 => 8,
        }
    }

    /// Whether this CPU can run the level.
    #[must_use]
    pub fn is_supported(self) -> bool {
        let cpu = cpu();
        match self {
            SimdLevel::Portable => true,
            SimdLevel::Avx2 => cpu.avx2,
            SimdLevel::Avx512 => cpu.avx512,
        }
    }

    /// The best level this CPU supports.
    #[must_use]
    pub fn detect() -> SimdLevel {
        SimdLevel::ALL
            .into_iter()
            .rev()
            .find(|level| level.is_supported())
            .unwrap_or(SimdLevel::Portable)
    }

    /// Every level this CPU supports, weakest first.
    #[must_use]
    pub fn available() -> Vec<SimdLevel> {
        SimdLevel::ALL
            .into_iter()
            .filter(|level| level.is_supported())
            .collect()
    }
}

/// The CPU features the kernels use: detected once, the one place that decides which kernel may
/// run (the kernel constructors and the scalar permutation read it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// AVX2 (the 4-lane kernel).
    pub avx2: bool,
    /// AVX-512F and AVX-512VL (the 8-lane kernel).
    pub avx512: bool,
    /// BMI1 and BMI2 (`andn`, `rorx` in the scalar permutation).
    pub bmi: bool,
}

/// The features of this CPU (detected on first use).
pub fn cpu() -> Cpu {
    static CPU: OnceLock<Cpu> = OnceLock::new();
    *CPU.get_or_init(detect_cpu)
}

#[cfg(target_arch = "x86_64")]
fn detect_cpu() -> Cpu {
    Cpu {
        avx2: std::is_x86_feature_detected!("avx2"),
        avx512: std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl"),
        bmi: std::is_x86_feature_detected!("bmi1") && std::is_x86_feature_detected!("bmi2"),
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect_cpu() -> Cpu {
    Cpu {
        avx2: false,
        avx512: false,
        bmi: false,
    }
}

/// A Keccak-f[1600] engine over `L` lanes with SHA3-512's rate.
pub trait Kernel<const L: usize>: Copy + Send + Sync {
    /// The permutation state of all lanes.
    type State: Clone;

    /// A state with every lane equal to `mid`.
    fn broadcast(&self, mid: &[u64; 25]) -> Self::State;

    /// XORs one rate block per lane (`block[word][lane]`, [`RATE_WORDS`] words) into the state and
    /// applies Keccak-f[1600] to every lane.
    fn absorb_permute(&self, state: &mut Self::State, block: &[[u64; L]]);

    /// The first eight state words (the SHA3-512 digest, little-endian) as `out[word][lane]`.
    fn digest_words(&self, state: &Self::State) -> [[u64; L]; 8];
}

/// The portable single-lane kernel: the scalar permutation chosen once by [`permutation`].
#[derive(Clone, Copy, Debug)]
pub struct Portable {
    permute: fn(&mut [u64; 25]),
}

impl Portable {
    /// The kernel with the best scalar permutation for this CPU.
    #[must_use]
    pub fn new() -> Portable {
        Portable {
            permute: permutation(),
        }
    }
}

impl Default for Portable {
    fn default() -> Self {
        Portable::new()
    }
}

impl Kernel<1> for Portable {
    type State = [u64; 25];

    #[inline]
    fn broadcast(&self, mid: &[u64; 25]) -> [u64; 25] {
        *mid
    }

    #[inline]
    fn absorb_permute(&self, state: &mut [u64; 25], block: &[[u64; 1]]) {
        for (word, lane) in state.iter_mut().zip(&block[..RATE_WORDS]) {
            *word ^= lane[0];
        }
        (self.permute)(state);
    }

    #[inline]
    fn digest_words(&self, state: &[u64; 25]) -> [[u64; 1]; 8] {
        std::array::from_fn(|w| [state[w]])
    }
}

macro_rules! s_xor {
    ($a:expr, $b:expr) => {
        $a ^ $b
    };
}
macro_rules! s_xor5 {
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr) => {
        $a ^ $b ^ $c ^ $d ^ $e
    };
}
macro_rules! s_rol {
    ($a:expr, $n:literal) => {
        ($a).rotate_left($n)
    };
}
macro_rules! s_chi {
    ($a:expr, $b:expr, $c:expr) => {
        $a ^ (!$b & $c)
    };
}
macro_rules! s_splat {
    ($c:expr) => {
        $c
    };
}

/// Scalar Keccak-f[1600]: the shared round description over `u64` lanes, fully unrolled within a
/// round with rho and pi fused (about 15% faster here than `keccak::f1600`, which the tests use
/// as the oracle).
#[inline(always)]
#[allow(clippy::inline_always)] // inlined into the BMI copy, which must compile its own body
fn f1600_scalar(state: &mut [u64; 25]) {
    let mut a = *state;
    keccak_rounds!(a, s_xor5, s_xor, s_rol, s_chi, s_splat);
    *state = a;
}

/// The scalar Keccak-f[1600] for this CPU: [`f1600_scalar`] compiled a second time with BMI1/BMI2
/// (`andn`, `rorx`) when the CPU has them. Callers keep the returned pointer, so the CPU is not
/// asked again per permutation.
#[must_use]
pub fn permutation() -> fn(&mut [u64; 25]) {
    #[cfg(target_arch = "x86_64")]
    {
        if cpu().bmi {
            return f1600_bmi_checked;
        }
    }
    f1600_scalar
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi1,bmi2")]
fn f1600_bmi(state: &mut [u64; 25]) {
    f1600_scalar(state);
}

/// [`f1600_bmi`] behind a safe signature; only [`permutation`] hands it out, after the check.
#[cfg(target_arch = "x86_64")]
fn f1600_bmi_checked(state: &mut [u64; 25]) {
    // SAFETY: `permutation` returns this function only when `cpu().bmi` (BMI1 and BMI2 detected).
    unsafe { f1600_bmi(state) }
}

/// Absorbs whole blocks of `data` (its length must be a multiple of [`RATE`]) into a scalar state.
pub fn absorb_blocks(state: &mut [u64; 25], data: &[u8]) {
    debug_assert_eq!(data.len() % RATE, 0);
    let f1600 = permutation();
    for block in data.chunks_exact(RATE) {
        for (word, bytes) in state.iter_mut().zip(block.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(bytes);
            *word ^= u64::from_le_bytes(le);
        }
        f1600(state);
    }
}

/// The number of rate blocks a message of `len` bytes occupies once SHA3-padded.
#[must_use]
pub fn padded_blocks(len: usize) -> usize {
    len / RATE + 1
}

/// Sets byte `pos` of lane `lane` in a word-major buffer.
#[inline(always)]
#[allow(clippy::inline_always)] // per byte of every lane in the search loop (measured)
pub fn put_byte<const L: usize>(words: &mut [[u64; L]], lane: usize, pos: usize, byte: u8) {
    let shift = (pos % 8) * 8;
    let word = &mut words[pos / 8][lane];
    *word = (*word & !(0xff_u64 << shift)) | (u64::from(byte) << shift);
}

/// Writes SHA3 padding for a message of `len` bytes of lane `lane` (the bytes after it up to the
/// block end must already be zero).
#[inline]
pub fn put_padding<const L: usize>(words: &mut [[u64; L]], lane: usize, len: usize) {
    let end = padded_blocks(len) * RATE;
    put_byte(words, lane, len, 0x06);
    let last = end - 1;
    let shift = (last % 8) * 8;
    words[last / 8][lane] |= 0x80_u64 << shift;
}

/// Hashes up to `L` messages with kernel `K`; lanes past `msgs.len()` hash the empty message.
fn hash_batch<K: Kernel<L>, const L: usize>(kernel: &K, msgs: &[&[u8]]) -> Vec<[u8; 64]> {
    let blocks: Vec<usize> = (0..L)
        .map(|lane| padded_blocks(msgs.get(lane).map_or(0, |m| m.len())))
        .collect();
    let max_blocks = blocks.iter().copied().max().unwrap_or(1);
    let mut words = vec![[0u64; L]; max_blocks * RATE_WORDS];
    for lane in 0..L {
        let msg: &[u8] = msgs.get(lane).copied().unwrap_or(&[]);
        for (pos, &byte) in msg.iter().enumerate() {
            put_byte(&mut words, lane, pos, byte);
        }
        put_padding(&mut words, lane, msg.len());
    }
    let mut state = kernel.broadcast(&[0u64; 25]);
    let mut out = vec![[0u8; 64]; msgs.len()];
    for block in 0..max_blocks {
        kernel.absorb_permute(
            &mut state,
            &words[block * RATE_WORDS..(block + 1) * RATE_WORDS],
        );
        let digest = kernel.digest_words(&state);
        for (lane, dst) in out.iter_mut().enumerate() {
            if blocks[lane] == block + 1 {
                for (w, chunk) in dst.chunks_exact_mut(8).enumerate() {
                    chunk.copy_from_slice(&digest[w][lane].to_le_bytes());
                }
            }
        }
    }
    out
}

fn hash_all<K: Kernel<L>, const L: usize>(kernel: &K, msgs: &[&[u8]]) -> Vec<[u8; 64]> {
    msgs.chunks(L)
        .flat_map(|batch| hash_batch(kernel, batch))
        .collect()
}

/// SHA3-512 of every message, computed `level.lanes()` at a time by the kernel of `level`.
///
/// Returns `None` when the CPU does not support `level`.
#[must_use]
pub fn sha3_512_lanes(msgs: &[&[u8]], level: SimdLevel) -> Option<Vec<[u8; 64]>> {
    match level {
        SimdLevel::Portable => Some(hash_all(&Portable::new(), msgs)),
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => super::keccak_avx::Avx2::new().map(|k| hash_all(&k, msgs)),
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => super::keccak_avx::Avx512::new().map(|k| hash_all(&k, msgs)),
        #[cfg(not(target_arch = "x86_64"))]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha3::Digest;

    fn hex(bytes: &[u8]) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        bytes
            .iter()
            .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
            .map(char::from)
            .collect()
    }

    // FIPS 202 / NIST CAVP example values for SHA3-512.
    const VECTORS: [(&[u8], &str); 3] = [
        (
            b"",
            "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6\
             15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
        ),
        (
            b"abc",
            "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e\
             10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
        ),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "04a371e84ecfb5b8b77cb48610fca8182dd457ce6f326a0fd3d7ec2f1e91636d\
             ee691fbe0c985302ba1b0d8dc78c086346b533b49c030d99a27daf1139d6e75e",
        ),
    ];

    #[test]
    fn every_supported_level_matches_nist_vectors() {
        let msgs: Vec<&[u8]> = VECTORS.iter().map(|(m, _)| *m).collect();
        for level in SimdLevel::available() {
            let got = sha3_512_lanes(&msgs, level).expect("supported level");
            for ((_, want), digest) in VECTORS.iter().zip(&got) {
                assert_eq!(hex(digest), *want, "level {level:?}");
            }
        }
    }

    #[test]
    fn every_supported_level_matches_sha3_crate_on_mixed_lengths() {
        let data: Vec<u8> = (0..2000u32).map(|i| (i * 31 % 251) as u8).collect();
        let msgs: Vec<&[u8]> = (0..41).map(|n| &data[..n * 37 % 700]).collect();
        for level in SimdLevel::available() {
            let got = sha3_512_lanes(&msgs, level).expect("supported level");
            for (msg, digest) in msgs.iter().zip(&got) {
                assert_eq!(
                    digest[..],
                    sha3::Sha3_512::digest(msg)[..],
                    "level {level:?}"
                );
            }
        }
    }

    #[test]
    fn scalar_permutation_matches_rustcrypto_keccak() {
        let mut ours = [0u64; 25];
        let mut oracle = [0u64; 25];
        for round in 0..200u64 {
            for (i, (a, b)) in ours.iter_mut().zip(oracle.iter_mut()).enumerate() {
                let v = round.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i as u64).rotate_left(17);
                *a ^= v;
                *b ^= v;
            }
            let mut plain = ours;
            permutation()(&mut ours);
            f1600_scalar(&mut plain);
            keccak::f1600(&mut oracle);
            assert_eq!(ours, oracle);
            assert_eq!(plain, oracle);
        }
    }

    #[test]
    fn level_names_round_trip() {
        for level in SimdLevel::ALL {
            assert_eq!(SimdLevel::parse(level.name()), Some(level));
        }
        assert_eq!(SimdLevel::parse("AVX512"), Some(SimdLevel::Avx512));
        assert_eq!(SimdLevel::parse("sse2"), None);
        assert!(SimdLevel::detect().is_supported());
    }
}
