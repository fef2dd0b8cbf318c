//! Multi-lane Keccak-f[1600] for x86-64: 4 lanes with AVX2, 8 lanes with AVX-512F/VL.
//!
//! Both kernels share one round description ([`keccak_rounds!`]) written against five lane
//! operations, so the two instruction sets cannot drift apart. A kernel value can only be built
//! after run-time detection of its CPU features, which is what makes its methods sound.

use std::arch::x86_64::{
    __m256i, __m512i, _mm256_andnot_si256, _mm256_loadu_si256, _mm256_or_si256, _mm256_set1_epi64x,
    _mm256_slli_epi64, _mm256_srli_epi64, _mm256_storeu_si256, _mm256_xor_si256,
    _mm512_loadu_si512, _mm512_rol_epi64, _mm512_set1_epi64, _mm512_storeu_si512,
    _mm512_ternarylogic_epi64, _mm512_xor_si512,
};

use super::kernel::{Kernel, SimdLevel, RATE_WORDS};

/// Keccak round constants (FIPS 202, iota step).
const RC: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// The 24 rounds of Keccak-f[1600] over a `[V; 25]` state `$a` (index `x + 5 * y`).
///
/// `$xor5`, `$xor`, `$rol` (literal rotate count), `$chi` (`a ^ (!b & c)`) and `$splat` are the
/// lane operations of the instruction set. Rho and pi are fused: `b[pi(i)] = rol(a[i] ^ d, rho(i))`.
macro_rules! keccak_rounds {
    ($a:ident, $xor5:ident, $xor:ident, $rol:ident, $chi:ident, $splat:ident) => {{
        for rc in RC {
            let c0 = $xor5!($a[0], $a[5], $a[10], $a[15], $a[20]);
            let c1 = $xor5!($a[1], $a[6], $a[11], $a[16], $a[21]);
            let c2 = $xor5!($a[2], $a[7], $a[12], $a[17], $a[22]);
            let c3 = $xor5!($a[3], $a[8], $a[13], $a[18], $a[23]);
            let c4 = $xor5!($a[4], $a[9], $a[14], $a[19], $a[24]);
            let d0 = $xor!(c4, $rol!(c1, 1));
            let d1 = $xor!(c0, $rol!(c2, 1));
            let d2 = $xor!(c1, $rol!(c3, 1));
            let d3 = $xor!(c2, $rol!(c4, 1));
            let d4 = $xor!(c3, $rol!(c0, 1));
            let b0 = $xor!($a[0], d0);
            let b10 = $rol!($xor!($a[1], d1), 1);
            let b20 = $rol!($xor!($a[2], d2), 62);
            let b5 = $rol!($xor!($a[3], d3), 28);
            let b15 = $rol!($xor!($a[4], d4), 27);
            let b16 = $rol!($xor!($a[5], d0), 36);
            let b1 = $rol!($xor!($a[6], d1), 44);
            let b11 = $rol!($xor!($a[7], d2), 6);
            let b21 = $rol!($xor!($a[8], d3), 55);
            let b6 = $rol!($xor!($a[9], d4), 20);
            let b7 = $rol!($xor!($a[10], d0), 3);
            let b17 = $rol!($xor!($a[11], d1), 10);
            let b2 = $rol!($xor!($a[12], d2), 43);
            let b12 = $rol!($xor!($a[13], d3), 25);
            let b22 = $rol!($xor!($a[14], d4), 39);
            let b23 = $rol!($xor!($a[15], d0), 41);
            let b8 = $rol!($xor!($a[16], d1), 45);
            let b18 = $rol!($xor!($a[17], d2), 15);
            let b3 = $rol!($xor!($a[18], d3), 21);
            let b13 = $rol!($xor!($a[19], d4), 8);
            let b14 = $rol!($xor!($a[20], d0), 18);
            let b24 = $rol!($xor!($a[21], d1), 2);
            let b9 = $rol!($xor!($a[22], d2), 61);
            let b19 = $rol!($xor!($a[23], d3), 56);
            let b4 = $rol!($xor!($a[24], d4), 14);
            $a[0] = $xor!($chi!(b0, b1, b2), $splat!(rc));
            $a[1] = $chi!(b1, b2, b3);
            $a[2] = $chi!(b2, b3, b4);
            $a[3] = $chi!(b3, b4, b0);
            $a[4] = $chi!(b4, b0, b1);
            $a[5] = $chi!(b5, b6, b7);
            $a[6] = $chi!(b6, b7, b8);
            $a[7] = $chi!(b7, b8, b9);
            $a[8] = $chi!(b8, b9, b5);
            $a[9] = $chi!(b9, b5, b6);
            $a[10] = $chi!(b10, b11, b12);
            $a[11] = $chi!(b11, b12, b13);
            $a[12] = $chi!(b12, b13, b14);
            $a[13] = $chi!(b13, b14, b10);
            $a[14] = $chi!(b14, b10, b11);
            $a[15] = $chi!(b15, b16, b17);
            $a[16] = $chi!(b16, b17, b18);
            $a[17] = $chi!(b17, b18, b19);
            $a[18] = $chi!(b18, b19, b15);
            $a[19] = $chi!(b19, b15, b16);
            $a[20] = $chi!(b20, b21, b22);
            $a[21] = $chi!(b21, b22, b23);
            $a[22] = $chi!(b22, b23, b24);
            $a[23] = $chi!(b23, b24, b20);
            $a[24] = $chi!(b24, b20, b21);
        }
    }};
}

// ----- AVX2: 4 lanes ---------------------------------------------------------------------------

macro_rules! x4_xor {
    ($a:expr, $b:expr) => {
        _mm256_xor_si256($a, $b)
    };
}
macro_rules! x4_xor5 {
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr) => {
        x4_xor!(x4_xor!(x4_xor!($a, $b), x4_xor!($c, $d)), $e)
    };
}
macro_rules! x4_rol {
    ($a:expr, $n:literal) => {{
        let v = $a;
        _mm256_or_si256(
            _mm256_slli_epi64::<$n>(v),
            _mm256_srli_epi64::<{ 64 - $n }>(v),
        )
    }};
}
macro_rules! x4_chi {
    ($a:expr, $b:expr, $c:expr) => {
        _mm256_xor_si256($a, _mm256_andnot_si256($b, $c))
    };
}
macro_rules! x4_splat {
    ($c:expr) => {
        _mm256_set1_epi64x($c as i64)
    };
}

/// The AVX2 kernel; a value exists only on CPUs with AVX2.
#[derive(Clone, Copy, Debug)]
pub struct Avx2(());

impl Avx2 {
    /// The kernel, if this CPU supports AVX2.
    pub fn new() -> Option<Avx2> {
        std::is_x86_feature_detected!("avx2").then_some(Avx2(()))
    }
}

#[target_feature(enable = "avx2")]
fn x4_load(words: &[u64; 4]) -> __m256i {
    // SAFETY: `words` is 32 readable bytes; the load is unaligned.
    unsafe { _mm256_loadu_si256(words.as_ptr().cast()) }
}

#[target_feature(enable = "avx2")]
fn x4_store(v: __m256i) -> [u64; 4] {
    let mut out = [0u64; 4];
    // SAFETY: `out` is 32 writable bytes; the store is unaligned.
    unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), v) };
    out
}

#[target_feature(enable = "avx2")]
fn x4_absorb_permute(state: &mut [__m256i; 25], block: &[[u64; 4]]) {
    let mut a = *state;
    for (lane, words) in a.iter_mut().zip(&block[..RATE_WORDS]) {
        *lane = _mm256_xor_si256(*lane, x4_load(words));
    }
    keccak_rounds!(a, x4_xor5, x4_xor, x4_rol, x4_chi, x4_splat);
    *state = a;
}

impl Kernel<4> for Avx2 {
    type State = [__m256i; 25];

    fn level(&self) -> SimdLevel {
        SimdLevel::Avx2
    }

    fn broadcast(&self, mid: &[u64; 25]) -> [__m256i; 25] {
        // SAFETY: an `Avx2` value exists only after AVX2 was detected (`Avx2::new`).
        std::array::from_fn(|i| unsafe { x4_splat_word(mid[i]) })
    }

    #[inline]
    fn absorb_permute(&self, state: &mut [__m256i; 25], block: &[[u64; 4]]) {
        // SAFETY: an `Avx2` value exists only after AVX2 was detected (`Avx2::new`).
        unsafe { x4_absorb_permute(state, block) }
    }

    fn digest_words(&self, state: &[__m256i; 25]) -> [[u64; 4]; 8] {
        // SAFETY: an `Avx2` value exists only after AVX2 was detected (`Avx2::new`).
        std::array::from_fn(|w| unsafe { x4_store(state[w]) })
    }
}

#[target_feature(enable = "avx2")]
fn x4_splat_word(word: u64) -> __m256i {
    x4_splat!(word)
}

// ----- AVX-512F/VL: 8 lanes --------------------------------------------------------------------

macro_rules! x8_xor {
    ($a:expr, $b:expr) => {
        _mm512_xor_si512($a, $b)
    };
}
macro_rules! x8_xor5 {
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr) => {
        _mm512_ternarylogic_epi64::<0x96>(_mm512_ternarylogic_epi64::<0x96>($a, $b, $c), $d, $e)
    };
}
macro_rules! x8_rol {
    ($a:expr, $n:literal) => {
        _mm512_rol_epi64::<$n>($a)
    };
}
// 0xD2 is the truth table of a ^ (!b & c) with inputs ordered (a, b, c).
macro_rules! x8_chi {
    ($a:expr, $b:expr, $c:expr) => {
        _mm512_ternarylogic_epi64::<0xD2>($a, $b, $c)
    };
}
macro_rules! x8_splat {
    ($c:expr) => {
        _mm512_set1_epi64($c as i64)
    };
}

/// The AVX-512 kernel; a value exists only on CPUs with AVX-512F and AVX-512VL.
#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

impl Avx512 {
    /// The kernel, if this CPU supports AVX-512F and AVX-512VL.
    pub fn new() -> Option<Avx512> {
        (std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl"))
            .then_some(Avx512(()))
    }
}

#[target_feature(enable = "avx512f,avx512vl")]
fn x8_load(words: &[u64; 8]) -> __m512i {
    // SAFETY: `words` is 64 readable bytes; the load is unaligned.
    unsafe { _mm512_loadu_si512(words.as_ptr().cast()) }
}

#[target_feature(enable = "avx512f,avx512vl")]
fn x8_store(v: __m512i) -> [u64; 8] {
    let mut out = [0u64; 8];
    // SAFETY: `out` is 64 writable bytes; the store is unaligned.
    unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), v) };
    out
}

#[target_feature(enable = "avx512f,avx512vl")]
fn x8_splat_word(word: u64) -> __m512i {
    x8_splat!(word)
}

#[target_feature(enable = "avx512f,avx512vl")]
fn x8_absorb_permute(state: &mut [__m512i; 25], block: &[[u64; 8]]) {
    let mut a = *state;
    for (lane, words) in a.iter_mut().zip(&block[..RATE_WORDS]) {
        *lane = _mm512_xor_si512(*lane, x8_load(words));
    }
    keccak_rounds!(a, x8_xor5, x8_xor, x8_rol, x8_chi, x8_splat);
    *state = a;
}

impl Kernel<8> for Avx512 {
    type State = [__m512i; 25];

    fn level(&self) -> SimdLevel {
        SimdLevel::Avx512
    }

    fn broadcast(&self, mid: &[u64; 25]) -> [__m512i; 25] {
        // SAFETY: an `Avx512` value exists only after AVX-512F/VL were detected (`Avx512::new`).
        std::array::from_fn(|i| unsafe { x8_splat_word(mid[i]) })
    }

    #[inline]
    fn absorb_permute(&self, state: &mut [__m512i; 25], block: &[[u64; 8]]) {
        // SAFETY: an `Avx512` value exists only after AVX-512F/VL were detected (`Avx512::new`).
        unsafe { x8_absorb_permute(state, block) }
    }

    fn digest_words(&self, state: &[__m512i; 25]) -> [[u64; 8]; 8] {
        // SAFETY: an `Avx512` value exists only after AVX-512F/VL were detected (`Avx512::new`).
        std::array::from_fn(|w| unsafe { x8_store(state[w]) })
    }
}
