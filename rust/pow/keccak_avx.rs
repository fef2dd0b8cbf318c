//! Multi-lane Keccak-f[1600] for x86-64: 4 lanes with AVX2, 8 lanes with AVX-512F/VL.
//!
//! Both kernels use the shared round description (`keccak_rounds!` in `rounds.rs`), so the
//! instruction sets cannot drift apart. A kernel value can only be built
//! after run-time detection of its CPU features (`kernel::cpu`, detected once), which is what makes its methods sound.

use std::arch::x86_64::{
    __m256i, __m512i, _mm256_andnot_si256, _mm256_loadu_si256, _mm256_or_si256, _mm256_set1_epi64x,
    _mm256_slli_epi64, _mm256_srli_epi64, _mm256_storeu_si256, _mm256_xor_si256,
    _mm512_loadu_si512, _mm512_rol_epi64, _mm512_set1_epi64, _mm512_storeu_si512,
    _mm512_ternarylogic_epi64, _mm512_xor_si512,
};

use super::kernel::{cpu, Kernel, RATE_WORDS};
use super::rounds::keccak_rounds;

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
        _mm256_set1_epi64x(($c).cast_signed())
    };
}

/// The AVX2 kernel; a value exists only on CPUs with AVX2.
#[derive(Clone, Copy, Debug)]
pub struct Avx2(());

impl Avx2 {
    /// The kernel, if this CPU supports AVX2.
    pub fn new() -> Option<Avx2> {
        cpu().avx2.then_some(Avx2(()))
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
        _mm512_set1_epi64(($c).cast_signed())
    };
}

/// The AVX-512 kernel; a value exists only on CPUs with AVX-512F and AVX-512VL.
#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

impl Avx512 {
    /// The kernel, if this CPU supports AVX-512F and AVX-512VL.
    pub fn new() -> Option<Avx512> {
        cpu().avx512.then_some(Avx512(()))
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
