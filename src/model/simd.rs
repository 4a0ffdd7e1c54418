//! Eight `f64` lanes and the few vector operations the lane step needs, with three
//! implementations chosen at run time: AVX-512 (one 512-bit register), AVX2 (two 256-bit
//! registers) and portable Rust (plain arrays).
//!
//! Every operation is an IEEE operation applied lane by lane (add, subtract, multiply,
//! divide, fused multiply-add, compare, select), so all three give the same bits as the
//! scalar code they replace. Fused multiply-add rounds once where a multiplication and an
//! addition round twice, so it is used only where the scalar reference fuses too
//! (explicitly, through [`fused`]); since IEEE 754 defines it as correctly rounded, the
//! instruction and the software routine agree to the bit. `min` and `max` are only applied to numbers (never NaN) and agree with
//! `f64::min`/`f64::max` on them up to the sign of a zero result, which no output can see
//! (a signed zero only ever meets multiplications and additions of non-zero numbers).
//!
//! A backend is a zero-sized token; the SIMD ones can only be obtained from `detect`, after
//! the CPU has been checked, which is what makes their safe methods sound.

/// `a · b + c` rounded once: IEEE 754 fused multiply-add. The FMA instruction where the
/// build has it, else the correctly rounded software routine of the `libm` crate (the same
/// bits either way, and never the platform's `fma`, whose quality we cannot vouch for).
#[inline(always)]
pub fn fused(a: f64, b: f64, c: f64) -> f64 {
    #[cfg(any(target_feature = "fma", target_arch = "aarch64"))]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(any(target_feature = "fma", target_arch = "aarch64")))]
    {
        libm::fma(a, b, c)
    }
}

/// Lanes per vector: runs simulated together.
pub const W: usize = 8;

/// Eight lanes in memory, aligned to a cache line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C, align(64))]
pub struct Lanes(pub [f64; W]);

impl Lanes {
    /// The same value in every lane.
    pub const fn splat(x: f64) -> Self {
        Self([x; W])
    }
}

/// `2^52 + 1023`: added to an integer `k` with `|k| < 2^51`, gives a number whose low
/// mantissa bits are `k + 1023`, the biased exponent of `2^k` ([`Simd::pow2i`]).
const POW2I_MAGIC: f64 = 4_503_599_627_371_519.0;

/// [`Simd::pow2i`] for one lane: every backend computes exactly this.
#[inline(always)]
pub fn pow2i_bits(k: f64) -> f64 {
    f64::from_bits((k + POW2I_MAGIC).to_bits() << 52)
}

/// The vector operations of a backend. All methods are `#[inline(always)]`: they only
/// become fast instructions inside a function compiled for the backend's features.
pub trait Simd: Copy {
    /// Eight lanes in registers.
    type V: Copy;
    /// A per-lane truth value.
    type M: Copy;
    /// How many vectors a loop can keep as running sums in registers (with room for its
    /// operands): 24 of AVX-512's 32 registers, 6 of AVX2's 16 (two registers each).
    const ACCUMULATORS: usize;
    /// Whether the registers are many enough (AVX-512's 32) for loops to keep a second set
    /// of running values: two rows of a matrix product, two chains of maxima. With AVX2's 16
    /// (two per vector) they would spill to memory.
    const MANY_REGISTERS: bool;
    /// Load eight lanes.
    fn load(self, x: &Lanes) -> Self::V;
    /// Store eight lanes.
    fn store(self, x: &mut Lanes, v: Self::V);
    /// The same value in every lane.
    fn splat(self, x: f64) -> Self::V;
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a − b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b + c`, rounded once ([`fused`] in every lane).
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a / b`.
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// The larger of `a` and `b` (numbers only).
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    /// The smaller of `a` and `b` (numbers only).
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a < b`.
    fn lt(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a > b`.
    fn gt(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a == b`.
    fn eq(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a ≥ b`.
    fn ge(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a ≤ b`.
    fn le(self, a: Self::V, b: Self::V) -> Self::M;
    /// Rounded toward zero to an integer value (`f64::trunc`).
    fn trunc(self, a: Self::V) -> Self::V;
    /// Bit `l` set where lane `l` of `m` is true.
    fn bits(self, m: Self::M) -> u32;
    /// The lanes as bytes; every lane must hold an integer in `0..=255`.
    fn to_u8s(self, a: Self::V) -> [u8; W];
    /// The smallest lane (numbers only).
    fn hmin(self, a: Self::V) -> f64;
    /// The largest lane (numbers only).
    fn hmax(self, a: Self::V) -> f64;
    /// The sum of the lanes, in an unspecified order: use it only where every order gives
    /// the same result (integers below 2^53, say).
    fn hsum(self, a: Self::V) -> f64;
    /// `acc[l] += a[l] + a[l + 4]` for `l < 4`: the lanes folded to four and added to `acc`
    /// (the recorder's running sums of integers below 2^53, where the order does not matter).
    fn add_halves(self, acc: &mut [f64; 4], a: Self::V);
    /// `a` where `m`, else `b`.
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// Whether every lane is zero (`+0` or `−0`).
    fn all_zero(self, a: Self::V) -> bool;
    /// `|a|` (`f64::abs`: the sign bit cleared, NaN included).
    fn abs(self, a: Self::V) -> Self::V;
    /// `2^k` for lanes holding an integer `k` in `−1022..=1023`, made from bits rather than
    /// arithmetic: `k + (2^52 + 1023)` is exact and leaves `k + 1023` in the low mantissa
    /// bits, which a 52-bit left shift moves into the exponent field (see [`pow2i_bits`]).
    /// Any other lane gets a meaningless value (and nothing panics); for a number that is
    /// not NaN it is the bits of [`pow2i_bits`], in every backend.
    fn pow2i(self, k: Self::V) -> Self::V;
    /// Eight single-precision numbers, widened (exactly) to eight lanes: how the recorder
    /// and the power update read the single-precision state, in registers.
    fn load_f32(self, x: &[f32; W]) -> Self::V;

    /// `−a`, exactly (`−0 − a`).
    #[inline(always)]
    fn neg(self, a: Self::V) -> Self::V {
        self.sub(self.splat(-0.0), a)
    }

    /// `f64::clamp`: `lo` where `x < lo`, `hi` where `x > hi`, else `x`.
    #[inline(always)]
    fn clamp(self, x: Self::V, lo: f64, hi: f64) -> Self::V {
        let (lo, hi) = (self.splat(lo), self.splat(hi));
        let x = self.select(self.lt(x, lo), lo, x);
        self.select(self.gt(x, hi), hi, x)
    }
}

/// Plain Rust arrays: any CPU.
#[derive(Debug, Clone, Copy)]
pub struct Portable;

macro_rules! lanewise {
    ($a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
        let (a, b) = ($a, $b);
        std::array::from_fn(|l| {
            let ($x, $y) = (a[l], b[l]);
            $e
        })
    }};
}

impl Simd for Portable {
    type V = [f64; W];
    type M = [bool; W];
    const ACCUMULATORS: usize = 8;
    const MANY_REGISTERS: bool = false;
    #[inline(always)]
    fn load(self, x: &Lanes) -> Self::V {
        x.0
    }
    #[inline(always)]
    fn store(self, x: &mut Lanes, v: Self::V) {
        x.0 = v;
    }
    #[inline(always)]
    fn splat(self, x: f64) -> Self::V {
        [x; W]
    }
    #[inline(always)]
    fn add(self, a: Self::V, b: Self::V) -> Self::V {
        lanewise!(a, b, |x, y| x + y)
    }
    #[inline(always)]
    fn sub(self, a: Self::V, b: Self::V) -> Self::V {
        lanewise!(a, b, |x, y| x - y)
    }
    #[inline(always)]
    fn mul(self, a: Self::V, b: Self::V) -> Self::V {
        lanewise!(a, b, |x, y| x * y)
    }
    #[inline(always)]
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        std::array::from_fn(|l| fused(a[l], b[l], c[l]))
    }
    #[inline(always)]
    fn div(self, a: Self::V, b: Self::V) -> Self::V {
        lanewise!(a, b, |x, y| x / y)
    }
    #[inline(always)]
    fn max(self, a: Self::V, b: Self::V) -> Self::V {
        lanewise!(a, b, |x, y| x.max(y))
    }
    #[inline(always)]
    fn min(self, a: Self::V, b: Self::V) -> Self::V {
        lanewise!(a, b, |x, y| x.min(y))
    }
    #[inline(always)]
    fn lt(self, a: Self::V, b: Self::V) -> Self::M {
        lanewise!(a, b, |x, y| x < y)
    }
    #[inline(always)]
    fn gt(self, a: Self::V, b: Self::V) -> Self::M {
        lanewise!(a, b, |x, y| x > y)
    }
    #[inline(always)]
    fn eq(self, a: Self::V, b: Self::V) -> Self::M {
        lanewise!(a, b, |x, y| x == y)
    }
    #[inline(always)]
    fn ge(self, a: Self::V, b: Self::V) -> Self::M {
        lanewise!(a, b, |x, y| x >= y)
    }
    #[inline(always)]
    fn le(self, a: Self::V, b: Self::V) -> Self::M {
        lanewise!(a, b, |x, y| x <= y)
    }
    #[inline(always)]
    fn trunc(self, a: Self::V) -> Self::V {
        a.map(f64::trunc)
    }
    #[inline(always)]
    fn bits(self, m: Self::M) -> u32 {
        m.iter().rev().fold(0, |acc, &b| (acc << 1) | u32::from(b))
    }
    #[inline(always)]
    fn to_u8s(self, a: Self::V) -> [u8; W] {
        a.map(|x| x as u8)
    }
    #[inline(always)]
    fn hmin(self, a: Self::V) -> f64 {
        a.into_iter().fold(f64::INFINITY, f64::min)
    }
    #[inline(always)]
    fn hmax(self, a: Self::V) -> f64 {
        a.into_iter().fold(f64::NEG_INFINITY, f64::max)
    }
    #[inline(always)]
    fn hsum(self, a: Self::V) -> f64 {
        a.into_iter().sum()
    }
    #[inline(always)]
    fn add_halves(self, acc: &mut [f64; 4], a: Self::V) {
        for (l, x) in acc.iter_mut().enumerate() {
            *x += a[l] + a[l + 4];
        }
    }
    #[inline(always)]
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|l| if m[l] { a[l] } else { b[l] })
    }
    #[inline(always)]
    fn all_zero(self, a: Self::V) -> bool {
        a.iter().all(|&x| x == 0.0)
    }
    #[inline(always)]
    fn abs(self, a: Self::V) -> Self::V {
        a.map(f64::abs)
    }
    #[inline(always)]
    fn pow2i(self, k: Self::V) -> Self::V {
        k.map(pow2i_bits)
    }
    #[inline(always)]
    fn load_f32(self, x: &[f32; W]) -> Self::V {
        x.map(f64::from)
    }
}

#[cfg(target_arch = "x86_64")]
pub use x86::{Avx2, Avx512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Lanes, POW2I_MAGIC, Simd, W};

    /// Two 256-bit registers (x86-64 with AVX2).
    #[derive(Debug, Clone, Copy)]
    pub struct Avx2(());

    impl Avx2 {
        /// The token, if this CPU has AVX2.
        pub fn detect() -> Option<Self> {
            (is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("popcnt"))
            .then_some(Self(()))
        }
    }

    // SAFETY (all `unsafe` blocks of this impl): an `Avx2` exists only if `detect` found
    // AVX2, FMA and POPCNT, and every pointer access stays inside a `Lanes` (eight f64).
    impl Simd for Avx2 {
        type V = [__m256d; 2];
        type M = [__m256d; 2];
        const ACCUMULATORS: usize = 6;
        const MANY_REGISTERS: bool = false;
        #[inline(always)]
        fn load(self, x: &Lanes) -> Self::V {
            let p = x.0.as_ptr();
            unsafe { [_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4))] }
        }
        #[inline(always)]
        fn store(self, x: &mut Lanes, v: Self::V) {
            let p = x.0.as_mut_ptr();
            unsafe {
                _mm256_storeu_pd(p, v[0]);
                _mm256_storeu_pd(p.add(4), v[1]);
            }
        }
        #[inline(always)]
        fn splat(self, x: f64) -> Self::V {
            let v = unsafe { _mm256_set1_pd(x) };
            [v, v]
        }
        #[inline(always)]
        fn add(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_add_pd(a[0], b[0]), _mm256_add_pd(a[1], b[1])] }
        }
        #[inline(always)]
        fn sub(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_sub_pd(a[0], b[0]), _mm256_sub_pd(a[1], b[1])] }
        }
        #[inline(always)]
        fn mul(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_mul_pd(a[0], b[0]), _mm256_mul_pd(a[1], b[1])] }
        }
        #[inline(always)]
        fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
            unsafe {
                [
                    _mm256_fmadd_pd(a[0], b[0], c[0]),
                    _mm256_fmadd_pd(a[1], b[1], c[1]),
                ]
            }
        }
        #[inline(always)]
        fn div(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_div_pd(a[0], b[0]), _mm256_div_pd(a[1], b[1])] }
        }
        #[inline(always)]
        fn max(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_max_pd(a[0], b[0]), _mm256_max_pd(a[1], b[1])] }
        }
        #[inline(always)]
        fn min(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_min_pd(a[0], b[0]), _mm256_min_pd(a[1], b[1])] }
        }
        #[inline(always)]
        fn lt(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_pd::<_CMP_LT_OQ>(a[0], b[0]),
                    _mm256_cmp_pd::<_CMP_LT_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn gt(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_pd::<_CMP_GT_OQ>(a[0], b[0]),
                    _mm256_cmp_pd::<_CMP_GT_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn eq(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_pd::<_CMP_EQ_OQ>(a[0], b[0]),
                    _mm256_cmp_pd::<_CMP_EQ_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn ge(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_pd::<_CMP_GE_OQ>(a[0], b[0]),
                    _mm256_cmp_pd::<_CMP_GE_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn le(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_pd::<_CMP_LE_OQ>(a[0], b[0]),
                    _mm256_cmp_pd::<_CMP_LE_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn trunc(self, a: Self::V) -> Self::V {
            const Z: i32 = _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC;
            unsafe { [_mm256_round_pd::<Z>(a[0]), _mm256_round_pd::<Z>(a[1])] }
        }
        #[inline(always)]
        fn bits(self, m: Self::M) -> u32 {
            unsafe { (_mm256_movemask_pd(m[0]) | (_mm256_movemask_pd(m[1]) << 4)) as u32 }
        }
        #[inline(always)]
        fn to_u8s(self, a: Self::V) -> [u8; W] {
            unsafe {
                let (lo, hi) = (_mm256_cvttpd_epi32(a[0]), _mm256_cvttpd_epi32(a[1]));
                let words = _mm_packus_epi32(lo, hi);
                (_mm_cvtsi128_si64(_mm_packus_epi16(words, words)) as u64).to_le_bytes()
            }
        }
        #[inline(always)]
        fn hmin(self, a: Self::V) -> f64 {
            unsafe {
                let v = _mm256_min_pd(a[0], a[1]);
                let v = _mm_min_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
                _mm_cvtsd_f64(_mm_min_sd(v, _mm_unpackhi_pd(v, v)))
            }
        }
        #[inline(always)]
        fn hmax(self, a: Self::V) -> f64 {
            unsafe {
                let v = _mm256_max_pd(a[0], a[1]);
                let v = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
                _mm_cvtsd_f64(_mm_max_sd(v, _mm_unpackhi_pd(v, v)))
            }
        }
        #[inline(always)]
        fn hsum(self, a: Self::V) -> f64 {
            unsafe {
                let v = _mm256_add_pd(a[0], a[1]);
                let v = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
                _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)))
            }
        }
        #[inline(always)]
        fn add_halves(self, acc: &mut [f64; 4], a: Self::V) {
            let p = acc.as_mut_ptr();
            // SAFETY: `acc` is four f64 (unaligned access); the CPU has AVX2 (the token).
            unsafe {
                _mm256_storeu_pd(
                    p,
                    _mm256_add_pd(_mm256_loadu_pd(p), _mm256_add_pd(a[0], a[1])),
                )
            }
        }
        #[inline(always)]
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            unsafe {
                [
                    _mm256_blendv_pd(b[0], a[0], m[0]),
                    _mm256_blendv_pd(b[1], a[1], m[1]),
                ]
            }
        }
        #[inline(always)]
        fn all_zero(self, a: Self::V) -> bool {
            unsafe {
                let z = _mm256_setzero_pd();
                let m0 = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_EQ_OQ>(a[0], z));
                let m1 = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_EQ_OQ>(a[1], z));
                (m0 & m1) == 0b1111
            }
        }
        #[inline(always)]
        fn abs(self, a: Self::V) -> Self::V {
            unsafe {
                let sign = _mm256_set1_pd(-0.0);
                [_mm256_andnot_pd(sign, a[0]), _mm256_andnot_pd(sign, a[1])]
            }
        }
        #[inline(always)]
        fn pow2i(self, k: Self::V) -> Self::V {
            unsafe {
                let magic = _mm256_set1_pd(POW2I_MAGIC);
                let one = |k| {
                    let t = _mm256_castpd_si256(_mm256_add_pd(k, magic));
                    _mm256_castsi256_pd(_mm256_slli_epi64::<52>(t))
                };
                [one(k[0]), one(k[1])]
            }
        }
        #[inline(always)]
        fn load_f32(self, x: &[f32; W]) -> Self::V {
            // SAFETY: two loads of four f32 inside `x` (eight f32, unaligned access).
            unsafe {
                let p = x.as_ptr();
                [
                    _mm256_cvtps_pd(_mm_loadu_ps(p)),
                    _mm256_cvtps_pd(_mm_loadu_ps(p.add(4))),
                ]
            }
        }
    }

    /// One 512-bit register (x86-64 with AVX-512F).
    #[derive(Debug, Clone, Copy)]
    pub struct Avx512(());

    impl Avx512 {
        /// The token, if this CPU has AVX-512F.
        pub fn detect() -> Option<Self> {
            (is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("popcnt"))
            .then_some(Self(()))
        }
    }

    const _: () = assert!(W == 8);

    // SAFETY (all `unsafe` blocks of this impl): an `Avx512` exists only if `detect` found
    // AVX-512F, FMA and POPCNT (every AVX-512 CPU has the last two; `detect` checks), and every pointer access stays inside a `Lanes` (eight f64).
    impl Simd for Avx512 {
        type V = __m512d;
        type M = __mmask8;
        const ACCUMULATORS: usize = 24;
        const MANY_REGISTERS: bool = true;
        #[inline(always)]
        fn load(self, x: &Lanes) -> Self::V {
            unsafe { _mm512_loadu_pd(x.0.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, x: &mut Lanes, v: Self::V) {
            unsafe { _mm512_storeu_pd(x.0.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn splat(self, x: f64) -> Self::V {
            unsafe { _mm512_set1_pd(x) }
        }
        #[inline(always)]
        fn add(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_add_pd(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_sub_pd(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_mul_pd(a, b) }
        }
        #[inline(always)]
        fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
            unsafe { _mm512_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        fn div(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_div_pd(a, b) }
        }
        #[inline(always)]
        fn max(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_max_pd(a, b) }
        }
        #[inline(always)]
        fn min(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_min_pd(a, b) }
        }
        #[inline(always)]
        fn lt(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, b) }
        }
        #[inline(always)]
        fn gt(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_pd_mask::<_CMP_GT_OQ>(a, b) }
        }
        #[inline(always)]
        fn eq(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn ge(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_pd_mask::<_CMP_GE_OQ>(a, b) }
        }
        #[inline(always)]
        fn le(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_pd_mask::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn trunc(self, a: Self::V) -> Self::V {
            const Z: i32 = _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC;
            unsafe { _mm512_roundscale_pd::<Z>(a) }
        }
        #[inline(always)]
        fn bits(self, m: Self::M) -> u32 {
            u32::from(m)
        }
        #[inline(always)]
        fn to_u8s(self, a: Self::V) -> [u8; W] {
            unsafe {
                // The upper half of the widened vector is undefined; its bytes are dropped.
                let ints = _mm512_castsi256_si512(_mm512_cvttpd_epi32(a));
                (_mm_cvtsi128_si64(_mm512_cvtepi32_epi8(ints)) as u64).to_le_bytes()
            }
        }
        #[inline(always)]
        fn hmin(self, a: Self::V) -> f64 {
            unsafe { _mm512_reduce_min_pd(a) }
        }
        #[inline(always)]
        fn hmax(self, a: Self::V) -> f64 {
            unsafe { _mm512_reduce_max_pd(a) }
        }
        #[inline(always)]
        fn hsum(self, a: Self::V) -> f64 {
            unsafe { _mm512_reduce_add_pd(a) }
        }
        #[inline(always)]
        fn add_halves(self, acc: &mut [f64; 4], a: Self::V) {
            let p = acc.as_mut_ptr();
            // SAFETY: `acc` is four f64 (unaligned access); the CPU has AVX-512F (the token).
            unsafe {
                let halves =
                    _mm256_add_pd(_mm512_castpd512_pd256(a), _mm512_extractf64x4_pd::<1>(a));
                _mm256_storeu_pd(p, _mm256_add_pd(_mm256_loadu_pd(p), halves));
            }
        }
        #[inline(always)]
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            // Lanes whose mask bit is set take the second operand.
            unsafe { _mm512_mask_blend_pd(m, b, a) }
        }
        #[inline(always)]
        fn all_zero(self, a: Self::V) -> bool {
            unsafe { _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a, _mm512_setzero_pd()) == 0xff }
        }
        #[inline(always)]
        fn abs(self, a: Self::V) -> Self::V {
            unsafe { _mm512_abs_pd(a) }
        }
        #[inline(always)]
        fn pow2i(self, k: Self::V) -> Self::V {
            unsafe {
                let t = _mm512_castpd_si512(_mm512_add_pd(k, _mm512_set1_pd(POW2I_MAGIC)));
                _mm512_castsi512_pd(_mm512_slli_epi64::<52>(t))
            }
        }
        #[inline(always)]
        fn load_f32(self, x: &[f32; W]) -> Self::V {
            // SAFETY: one load of eight f32, `x` itself (unaligned access).
            unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(x.as_ptr())) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values that exercise rounding, signs and ordering.
    fn samples() -> [Lanes; 4] {
        [
            Lanes([0.1, -0.3, 1.0 / 3.0, 2.5e-300, -7.0, 0.0, 1e300, 0.6]),
            Lanes([0.7, -0.3, 3.0, 1e10, 2.0, -1.0, 1e-300, 0.6000000000000001]),
            Lanes([-1.5, 0.2, 0.9, -0.0, 0.5, 1.5, -2.0, 1.0]),
            Lanes([1.0; W]),
        ]
    }

    type Op = fn(f64, f64) -> f64;
    type Cmp = fn(f64, f64) -> bool;

    /// Every operation of a backend against the scalar operation, bit for bit.
    fn check<S: Simd>(s: S) {
        let xs = samples();
        let mut out = Lanes::default();
        for a in &xs {
            for b in &xs {
                let (va, vb) = (s.load(a), s.load(b));
                let ops: [(&str, S::V, Op); 7] = [
                    ("add", s.add(va, vb), |x, y| x + y),
                    ("sub", s.sub(va, vb), |x, y| x - y),
                    ("mul", s.mul(va, vb), |x, y| x * y),
                    ("div", s.div(va, vb), |x, y| x / y),
                    ("max", s.max(va, vb), f64::max),
                    ("min", s.min(va, vb), f64::min),
                    ("select lt", s.select(s.lt(va, vb), va, vb), |x, y| {
                        if x < y { x } else { y }
                    }),
                ];
                for (name, v, f) in ops {
                    s.store(&mut out, v);
                    for l in 0..W {
                        let e = f(a.0[l], b.0[l]);
                        // max/min may differ on the sign of a zero (see the module docs).
                        let same = out.0[l].to_bits() == e.to_bits()
                            || (out.0[l] == 0.0 && e == 0.0 && name.starts_with('m'));
                        assert!(same, "{name} lane {l}: {} vs {e}", out.0[l]);
                    }
                }
                // Fused multiply-add: one rounding, as the correctly rounded reference.
                s.store(&mut out, s.fma(va, vb, vb));
                for l in 0..W {
                    let e = libm::fma(a.0[l], b.0[l], b.0[l]);
                    let same =
                        out.0[l].to_bits() == e.to_bits() || (out.0[l].is_nan() && e.is_nan());
                    assert!(same, "fma lane {l}: {} vs {e}", out.0[l]);
                }
                let masks: [(S::M, Cmp); 5] = [
                    (s.lt(va, vb), |x, y| x < y),
                    (s.gt(va, vb), |x, y| x > y),
                    (s.eq(va, vb), |x, y| x == y),
                    (s.ge(va, vb), |x, y| x >= y),
                    (s.le(va, vb), |x, y| x <= y),
                ];
                for (m, f) in masks {
                    let bits = s.bits(m);
                    s.store(&mut out, s.select(m, s.splat(1.0), s.splat(0.0)));
                    for l in 0..W {
                        let e = f(a.0[l], b.0[l]);
                        assert_eq!(out.0[l] == 1.0, e);
                        assert_eq!(bits >> l & 1 == 1, e);
                    }
                }
            }
            s.store(&mut out, s.neg(s.load(a)));
            for l in 0..W {
                assert_eq!(out.0[l].to_bits(), (-a.0[l]).to_bits());
            }
            let scaled = s.mul(s.load(a), s.splat(1e3));
            s.store(&mut out, s.trunc(scaled));
            for l in 0..W {
                assert_eq!(out.0[l].to_bits(), (a.0[l] * 1e3).trunc().to_bits());
            }
            s.store(&mut out, s.clamp(s.load(a), -1.0, 1.0));
            for l in 0..W {
                assert_eq!(out.0[l].to_bits(), a.0[l].clamp(-1.0, 1.0).to_bits());
            }
            assert!(!s.all_zero(s.load(a)));
            let va = s.load(a);
            let bytes = Lanes(a.0.map(|x| (x.abs() * 10.0).trunc().min(255.0)));
            let want = bytes.0.map(|x| x as u8);
            assert_eq!(s.to_u8s(s.load(&bytes)), want);
            assert_eq!(
                s.hmin(va),
                a.0.iter().copied().fold(f64::INFINITY, f64::min)
            );
            assert_eq!(
                s.hmax(va),
                a.0.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            );
            let ints = s.trunc(s.mul(va, s.splat(1e6)));
            let mut t = Lanes::default();
            s.store(&mut t, ints);
            let exact: f64 = t.0.iter().filter(|x| x.abs() < 1e12).sum();
            let small = s.select(s.lt(s.neg(s.splat(1e12)), ints), ints, s.splat(0.0));
            let small = s.select(s.lt(small, s.splat(1e12)), small, s.splat(0.0));
            assert_eq!(s.hsum(small), exact);
            let mut acc = [0.5, -2.0, 1e15, 3.0];
            s.add_halves(&mut acc, small);
            let mut sm = Lanes::default();
            s.store(&mut sm, small);
            let want: [f64; 4] =
                std::array::from_fn(|l| [0.5, -2.0, 1e15, 3.0][l] + (sm.0[l] + sm.0[l + 4]));
            assert_eq!(acc.map(f64::to_bits), want.map(f64::to_bits));
        }
        assert!(s.all_zero(s.load(&Lanes([0.0, -0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]))));
        assert!(!s.all_zero(s.load(&Lanes([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1e-300]))));
    }

    /// `abs` and `pow2i` against their scalar definitions, bit for bit.
    fn check_exponent_ops<S: Simd>(s: S) {
        let mut out = Lanes::default();
        let odd = [
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
        ];
        let mut xs: Vec<f64> = samples().iter().flat_map(|l| l.0).collect();
        xs.extend(odd);
        xs.extend([
            f64::MIN_POSITIVE / 4.0,
            -5e-324,
            f64::MAX,
            -f64::MAX,
            0.5,
            -1e-308,
        ]);
        for a in xs.chunks(W).filter(|c| c.len() == W) {
            let a = Lanes(std::array::from_fn(|l| a[l]));
            s.store(&mut out, s.abs(s.load(&a)));
            for l in 0..W {
                assert_eq!(out.0[l].to_bits(), a.0[l].abs().to_bits(), "abs lane {l}");
            }
        }
        // Every valid exponent, in every lane position, against the exact power of two.
        let ks: Vec<i32> = (-1022..=1023).collect();
        for (i, c) in ks.chunks(W).enumerate() {
            let k = Lanes(std::array::from_fn(|l| f64::from(c[(l + i) % c.len()])));
            s.store(&mut out, s.pow2i(s.load(&k)));
            for l in 0..W {
                let e = f64::from_bits(((k.0[l] as i64 + 1023) as u64) << 52);
                assert_eq!(
                    out.0[l].to_bits(),
                    e.to_bits(),
                    "pow2i({}) lane {l}",
                    k.0[l]
                );
                assert_eq!(out.0[l].to_bits(), pow2i_bits(k.0[l]).to_bits());
            }
        }
        // Outside the valid range: no panic, and the scalar definition's bits (NaN aside).
        let wild = Lanes([
            f64::NAN,
            f64::INFINITY,
            -1e300,
            1e300,
            0.5,
            -1023.0,
            1024.0,
            -0.0,
        ]);
        s.store(&mut out, s.pow2i(s.load(&wild)));
        for l in 1..W {
            assert_eq!(
                out.0[l].to_bits(),
                pow2i_bits(wild.0[l]).to_bits(),
                "lane {l}"
            );
        }
        assert_eq!(pow2i_bits(-0.0), 1.0);
        // Widening single precision: exact, every lane in place (NaN aside).
        let narrow: [f32; W] = [
            0.1,
            -0.3,
            1e-40,
            -0.0,
            f32::MAX,
            f32::INFINITY,
            3.0,
            f32::NAN,
        ];
        s.store(&mut out, s.load_f32(&narrow));
        for (l, (&got, &x)) in out.0.iter().zip(&narrow).enumerate() {
            let want = f64::from(x);
            let same = got.to_bits() == want.to_bits() || (want.is_nan() && got.is_nan());
            assert!(same, "load_f32 lane {l}: {got} vs {want}");
        }
    }

    #[test]
    fn portable_exponent_operations() {
        check_exponent_ops(Portable);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_exponent_operations() {
        match Avx2::detect() {
            Some(s) => check_exponent_ops(s),
            None => eprintln!("no AVX2 on this CPU: skipped"),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_exponent_operations() {
        match Avx512::detect() {
            Some(s) => check_exponent_ops(s),
            None => eprintln!("no AVX-512 on this CPU: skipped"),
        }
    }

    /// `fused` rounds once: `(1 + 2⁻³⁰)(1 − 2⁻³⁰) − 1` is `−2⁻⁶⁰` exactly, where a
    /// multiplication then an addition give 0.
    #[test]
    fn fused_rounds_once() {
        let e = 2f64.powi(-30);
        let (a, b) = (std::hint::black_box(1.0 + e), std::hint::black_box(1.0 - e));
        assert_eq!(fused(a, b, -1.0), -(e * e));
        assert_eq!(a * b - 1.0, 0.0);
        assert_eq!(libm::fma(a, b, -1.0), -(e * e));
    }

    #[test]
    fn portable_operations_are_the_scalar_ones() {
        check(Portable);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_operations_are_the_scalar_ones() {
        match Avx2::detect() {
            Some(s) => check(s),
            None => eprintln!("no AVX2 on this CPU: skipped"),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_operations_are_the_scalar_ones() {
        match Avx512::detect() {
            Some(s) => check(s),
            None => eprintln!("no AVX-512 on this CPU: skipped"),
        }
    }
}
