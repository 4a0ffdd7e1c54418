//! Sixteen `f32` lanes: the single-precision counterpart of [`super::simd`], for the same
//! three backends (the tokens [`Portable`], `Avx2` and `Avx512` of that module, which this
//! one borrows rather than redefines). A 512-bit register holds sixteen single-precision
//! numbers where it held eight doubles, so AVX-512 uses one register, AVX2 two 256-bit
//! registers, and the portable backend plain arrays.
//!
//! The rules are those of [`super::simd`], restated for single precision: every operation
//! is the IEEE `f32` operation applied lane by lane, so every backend returns the bits the
//! scalar `f32` code would. Fused multiply-add rounds once ([`fused32`]), the instruction
//! and the software routine agreeing to the bit because IEEE 754 fixes the correctly
//! rounded result. `min` and `max` only ever see numbers (never NaN) and then agree with
//! `f32::min`/`f32::max` except, perhaps, on the sign of a zero result. Compares are
//! ordered and quiet: false wherever a lane holds NaN, and no exception is signalled.
//!
//! [`Simd32::narrow`] links the two widths: it rounds sixteen doubles (two [`Lanes`]) to the
//! nearest single (ties to even, what `as f32` does). The other way, exact, is
//! [`super::simd::Simd::load_f32`].
//!
//! The SIMD tokens come only from `detect`, after the CPU has been checked; holding one is
//! the proof that makes the safe methods below sound.

use super::simd::{Lanes, Portable};

/// `a · b + c` for `f32`, rounded once (IEEE 754 fused multiply-add). The FMA instruction
/// where the build enables it, otherwise the correctly rounded routine of the `libm` crate:
/// the same bits either way (the single-precision twin of [`super::simd::fused`]).
#[inline(always)]
pub fn fused32(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(any(target_feature = "fma", target_arch = "aarch64"))]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(any(target_feature = "fma", target_arch = "aarch64")))]
    {
        libm::fmaf(a, b, c)
    }
}

/// Lanes per single-precision vector: runs simulated together.
pub const W32: usize = 16;

/// Sixteen f32 lanes in memory, aligned to a cache line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C, align(64))]
pub struct Lanes32(pub [f32; W32]);

impl Lanes32 {
    /// `x` in all sixteen lanes.
    pub const fn splat(x: f32) -> Self {
        Self([x; W32])
    }
}

/// The single-precision vector operations of a backend. Every method is
/// `#[inline(always)]`, because the instructions only become fast once inlined into a
/// function compiled with the backend's target features.
pub trait Simd32: Copy {
    /// Sixteen lanes in registers.
    type V: Copy;
    /// A per-lane truth value.
    type M: Copy;
    /// How many vectors a loop can keep in registers as running sums, operands aside (the
    /// meaning of [`super::simd::Simd::ACCUMULATORS`]): 24 of AVX-512's 32 registers, 6 of
    /// AVX2's 16 (each vector takes two).
    const ACCUMULATORS: usize;
    /// Whether there are registers enough (AVX-512's 32) for a loop to carry a second set
    /// of running values without spilling (as [`super::simd::Simd::MANY_REGISTERS`]).
    const MANY_REGISTERS: bool;
    /// Sixteen lanes from memory.
    fn load(self, x: &Lanes32) -> Self::V;
    /// Sixteen lanes to memory.
    fn store(self, x: &mut Lanes32, v: Self::V);
    /// `x` in every lane.
    fn splat(self, x: f32) -> Self::V;
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a − b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a / b`.
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a · b + c` with a single rounding ([`fused32`] lane by lane).
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// The larger of `a` and `b` (numbers only).
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    /// The smaller of `a` and `b` (numbers only).
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a < b` (false where either is NaN).
    fn lt(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a > b` (false where either is NaN).
    fn gt(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a == b` (false where either is NaN; `+0 == −0`).
    fn eq(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a ≥ b` (false where either is NaN).
    fn ge(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a ≤ b` (false where either is NaN).
    fn le(self, a: Self::V, b: Self::V) -> Self::M;
    /// A 16-bit mask: bit `l` is set where lane `l` of `m` is true.
    fn bits(self, m: Self::M) -> u32;
    /// The lanes as bytes; every lane must hold an integer in `0..=255`.
    fn to_u8s(self, a: Self::V) -> [u8; W32];
    /// Lane by lane, `a` where `m` is true, else `b`.
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// Whether every lane is a zero (`+0` or `−0`).
    fn all_zero(self, a: Self::V) -> bool;
    /// Lanes 0..8 are `lo.0[l] as f32`, lanes 8..16 `hi.0[l - 8] as f32` (IEEE round to
    /// nearest even, exactly Rust's `as f32`: overflow gives an infinity, underflow a
    /// subnormal or a signed zero).
    fn narrow(self, lo: &Lanes, hi: &Lanes) -> Self::V;

    /// `−a`, exactly (`−0 − a`).
    #[inline(always)]
    fn neg(self, a: Self::V) -> Self::V {
        self.sub(self.splat(-0.0), a)
    }

    /// `f32::clamp`: `lo` where `x < lo`, `hi` where `x > hi`, else `x`.
    #[inline(always)]
    fn clamp(self, x: Self::V, lo: f32, hi: f32) -> Self::V {
        let (lo, hi) = (self.splat(lo), self.splat(hi));
        let x = self.select(self.lt(x, lo), lo, x);
        self.select(self.gt(x, hi), hi, x)
    }
}

/// `f(a[l], b[l])` for every lane `l`: the portable backend's binary operations.
#[inline(always)]
fn pairwise<T>(a: [f32; W32], b: [f32; W32], f: impl Fn(f32, f32) -> T) -> [T; W32] {
    std::array::from_fn(|l| f(a[l], b[l]))
}

impl Simd32 for Portable {
    type V = [f32; W32];
    type M = [bool; W32];
    const ACCUMULATORS: usize = 8;
    const MANY_REGISTERS: bool = false;
    #[inline(always)]
    fn load(self, x: &Lanes32) -> Self::V {
        x.0
    }
    #[inline(always)]
    fn store(self, x: &mut Lanes32, v: Self::V) {
        x.0 = v;
    }
    #[inline(always)]
    fn splat(self, x: f32) -> Self::V {
        [x; W32]
    }
    #[inline(always)]
    fn add(self, a: Self::V, b: Self::V) -> Self::V {
        pairwise(a, b, |x, y| x + y)
    }
    #[inline(always)]
    fn sub(self, a: Self::V, b: Self::V) -> Self::V {
        pairwise(a, b, |x, y| x - y)
    }
    #[inline(always)]
    fn mul(self, a: Self::V, b: Self::V) -> Self::V {
        pairwise(a, b, |x, y| x * y)
    }
    #[inline(always)]
    fn div(self, a: Self::V, b: Self::V) -> Self::V {
        pairwise(a, b, |x, y| x / y)
    }
    #[inline(always)]
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        std::array::from_fn(|l| fused32(a[l], b[l], c[l]))
    }
    #[inline(always)]
    fn max(self, a: Self::V, b: Self::V) -> Self::V {
        pairwise(a, b, f32::max)
    }
    #[inline(always)]
    fn min(self, a: Self::V, b: Self::V) -> Self::V {
        pairwise(a, b, f32::min)
    }
    #[inline(always)]
    fn lt(self, a: Self::V, b: Self::V) -> Self::M {
        pairwise(a, b, |x, y| x < y)
    }
    #[inline(always)]
    fn gt(self, a: Self::V, b: Self::V) -> Self::M {
        pairwise(a, b, |x, y| x > y)
    }
    #[inline(always)]
    fn eq(self, a: Self::V, b: Self::V) -> Self::M {
        pairwise(a, b, |x, y| x == y)
    }
    #[inline(always)]
    fn ge(self, a: Self::V, b: Self::V) -> Self::M {
        pairwise(a, b, |x, y| x >= y)
    }
    #[inline(always)]
    fn le(self, a: Self::V, b: Self::V) -> Self::M {
        pairwise(a, b, |x, y| x <= y)
    }
    #[inline(always)]
    fn bits(self, m: Self::M) -> u32 {
        m.iter().rev().fold(0, |acc, &b| (acc << 1) | u32::from(b))
    }
    #[inline(always)]
    fn to_u8s(self, a: Self::V) -> [u8; W32] {
        a.map(|x| x as u8)
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
    fn narrow(self, lo: &Lanes, hi: &Lanes) -> Self::V {
        std::array::from_fn(|l| {
            let x = if l < 8 { lo.0[l] } else { hi.0[l - 8] };
            x as f32
        })
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Lanes32, Simd32, W32};
    use crate::model::simd::{Avx2, Avx512, Lanes, W};

    // The conversions split sixteen single lanes into two groups of eight doubles.
    const _: () = assert!(W32 == 16 && W == 8);

    // SAFETY (all `unsafe` blocks of this impl): an `Avx2` token exists only once `detect`
    // has found AVX2, FMA and POPCNT on this CPU, and every pointer access stays inside a
    // `Lanes32` (sixteen f32), a `Lanes` (eight f64) or a sixteen-byte array, all unaligned
    // loads and stores.
    impl Simd32 for Avx2 {
        type V = [__m256; 2];
        type M = [__m256; 2];
        const ACCUMULATORS: usize = 6;
        const MANY_REGISTERS: bool = false;
        #[inline(always)]
        fn load(self, x: &Lanes32) -> Self::V {
            let p = x.0.as_ptr();
            unsafe { [_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8))] }
        }
        #[inline(always)]
        fn store(self, x: &mut Lanes32, v: Self::V) {
            let p = x.0.as_mut_ptr();
            unsafe {
                _mm256_storeu_ps(p, v[0]);
                _mm256_storeu_ps(p.add(8), v[1]);
            }
        }
        #[inline(always)]
        fn splat(self, x: f32) -> Self::V {
            let v = unsafe { _mm256_set1_ps(x) };
            [v, v]
        }
        #[inline(always)]
        fn add(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_add_ps(a[0], b[0]), _mm256_add_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn sub(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_sub_ps(a[0], b[0]), _mm256_sub_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn mul(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_mul_ps(a[0], b[0]), _mm256_mul_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn div(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_div_ps(a[0], b[0]), _mm256_div_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
            unsafe {
                [
                    _mm256_fmadd_ps(a[0], b[0], c[0]),
                    _mm256_fmadd_ps(a[1], b[1], c[1]),
                ]
            }
        }
        #[inline(always)]
        fn max(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_max_ps(a[0], b[0]), _mm256_max_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn min(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_min_ps(a[0], b[0]), _mm256_min_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn lt(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_ps::<_CMP_LT_OQ>(a[0], b[0]),
                    _mm256_cmp_ps::<_CMP_LT_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn gt(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_ps::<_CMP_GT_OQ>(a[0], b[0]),
                    _mm256_cmp_ps::<_CMP_GT_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn eq(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_ps::<_CMP_EQ_OQ>(a[0], b[0]),
                    _mm256_cmp_ps::<_CMP_EQ_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn ge(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_ps::<_CMP_GE_OQ>(a[0], b[0]),
                    _mm256_cmp_ps::<_CMP_GE_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn le(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe {
                [
                    _mm256_cmp_ps::<_CMP_LE_OQ>(a[0], b[0]),
                    _mm256_cmp_ps::<_CMP_LE_OQ>(a[1], b[1]),
                ]
            }
        }
        #[inline(always)]
        fn bits(self, m: Self::M) -> u32 {
            unsafe { (_mm256_movemask_ps(m[0]) | (_mm256_movemask_ps(m[1]) << 8)) as u32 }
        }
        #[inline(always)]
        fn to_u8s(self, a: Self::V) -> [u8; W32] {
            let mut out = [0u8; W32];
            unsafe {
                // Truncate to 32-bit integers, then halve the width twice with unsigned
                // saturation (exact on 0..=255); the 128-bit packs keep the lanes in order.
                // (A macro, not a closure: vector values never pass through closures, which
                // the compiler may leave out of line, compiled without AVX2; ARCHITECTURE.md.)
                let (i0, i1) = (_mm256_cvttps_epi32(a[0]), _mm256_cvttps_epi32(a[1]));
                macro_rules! halves {
                    ($i:expr) => {
                        _mm_packus_epi32(
                            _mm256_castsi256_si128($i),
                            _mm256_extracti128_si256::<1>($i),
                        )
                    };
                }
                let bytes = _mm_packus_epi16(halves!(i0), halves!(i1));
                _mm_storeu_si128(out.as_mut_ptr().cast(), bytes);
            }
            out
        }
        #[inline(always)]
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            unsafe {
                [
                    _mm256_blendv_ps(b[0], a[0], m[0]),
                    _mm256_blendv_ps(b[1], a[1], m[1]),
                ]
            }
        }
        #[inline(always)]
        fn all_zero(self, a: Self::V) -> bool {
            unsafe {
                let z = _mm256_setzero_ps();
                let m0 = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_EQ_OQ>(a[0], z));
                let m1 = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_EQ_OQ>(a[1], z));
                (m0 & m1) == 0xff
            }
        }
        #[inline(always)]
        fn narrow(self, lo: &Lanes, hi: &Lanes) -> Self::V {
            // Each conversion rounds four doubles under the MXCSR rounding mode, which Rust
            // code never changes from its default, round to nearest even (as `as f32`).
            // (A macro, not a closure: see `to_u8s`.)
            macro_rules! four {
                ($p:expr) => {
                    _mm256_cvtpd_ps(_mm256_loadu_pd($p))
                };
            }
            let (l, h) = (lo.0.as_ptr(), hi.0.as_ptr());
            unsafe {
                [
                    _mm256_set_m128(four!(l.add(4)), four!(l)),
                    _mm256_set_m128(four!(h.add(4)), four!(h)),
                ]
            }
        }
    }

    // SAFETY (all `unsafe` blocks of this impl): an `Avx512` token exists only once
    // `detect` has found AVX-512F, FMA and POPCNT on this CPU, and only AVX-512F
    // instructions (with AVX and SSE ones, which every AVX-512F CPU has) are used here; every
    // pointer access stays inside a `Lanes32` (sixteen f32), a `Lanes` (eight f64) or a
    // sixteen-byte array, all unaligned loads and stores.
    impl Simd32 for Avx512 {
        type V = __m512;
        type M = __mmask16;
        const ACCUMULATORS: usize = 24;
        const MANY_REGISTERS: bool = true;
        #[inline(always)]
        fn load(self, x: &Lanes32) -> Self::V {
            unsafe { _mm512_loadu_ps(x.0.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, x: &mut Lanes32, v: Self::V) {
            unsafe { _mm512_storeu_ps(x.0.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn splat(self, x: f32) -> Self::V {
            unsafe { _mm512_set1_ps(x) }
        }
        #[inline(always)]
        fn add(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_add_ps(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_sub_ps(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_mul_ps(a, b) }
        }
        #[inline(always)]
        fn div(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_div_ps(a, b) }
        }
        #[inline(always)]
        fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
            unsafe { _mm512_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn max(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_max_ps(a, b) }
        }
        #[inline(always)]
        fn min(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_min_ps(a, b) }
        }
        #[inline(always)]
        fn lt(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b) }
        }
        #[inline(always)]
        fn gt(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, b) }
        }
        #[inline(always)]
        fn eq(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn ge(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_ps_mask::<_CMP_GE_OQ>(a, b) }
        }
        #[inline(always)]
        fn le(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_ps_mask::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn bits(self, m: Self::M) -> u32 {
            u32::from(m)
        }
        #[inline(always)]
        fn to_u8s(self, a: Self::V) -> [u8; W32] {
            let mut out = [0u8; W32];
            unsafe {
                // Truncate to 32-bit integers, then keep the low byte of each (VPMOVDB):
                // exact, since every lane holds an integer in 0..=255.
                let bytes = _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(a));
                _mm_storeu_si128(out.as_mut_ptr().cast(), bytes);
            }
            out
        }
        #[inline(always)]
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            // Lanes whose mask bit is set take the second operand.
            unsafe { _mm512_mask_blend_ps(m, b, a) }
        }
        #[inline(always)]
        fn all_zero(self, a: Self::V) -> bool {
            unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, _mm512_setzero_ps()) == 0xffff }
        }
        #[inline(always)]
        fn narrow(self, lo: &Lanes, hi: &Lanes) -> Self::V {
            // Each conversion rounds eight doubles under the MXCSR rounding mode, which Rust
            // code never changes from its default, round to nearest even (as `as f32`). The
            // two halves are joined with the 64x4 insert (AVX-512F), reinterpreting the
            // bits: `_mm512_insertf32x8` would need AVX-512DQ, which `detect` does not check.
            unsafe {
                let l = _mm512_cvtpd_ps(_mm512_loadu_pd(lo.0.as_ptr()));
                let h = _mm512_cvtpd_ps(_mm512_loadu_pd(hi.0.as_ptr()));
                let joined = _mm512_insertf64x4::<1>(
                    _mm512_castpd256_pd512(_mm256_castps_pd(l)),
                    _mm256_castps_pd(h),
                );
                _mm512_castpd_ps(joined)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "x86_64")]
    use crate::model::simd::{Avx2, Avx512};

    /// Values that exercise rounding, signs, ordering, subnormals (1e-40, 5e-39 and the
    /// smallest, 1e-45), the largest magnitudes (3e38, whose products overflow) and zeros of
    /// both signs, with equal lanes across samples so that `eq` is sometimes true.
    fn samples() -> [Lanes32; 4] {
        [
            Lanes32([
                0.1,
                -0.3,
                1.0 / 3.0,
                1e-40,
                -7.0,
                0.0,
                3e38,
                0.6,
                -2.5,
                1e-45,
                100.0,
                -3e38,
                0.75,
                5e-39,
                2.0,
                -0.0,
            ]),
            Lanes32([
                0.7,
                -0.3,
                3.0,
                1e10,
                2.0,
                -1.0,
                1e-38,
                0.600_000_1, // the successor of 0.6
                3e38,
                -1e-40,
                100.0,
                0.5,
                -0.0,
                1e-40,
                1.5,
                0.0,
            ]),
            Lanes32([
                -1.5, 0.2, 0.9, -0.0, 0.5, 1.5, -2.0, 1.0, 1e-40, 4.0, -3e38, 1e20, 0.3, -0.25,
                255.0, 7.0,
            ]),
            Lanes32([1.0; W32]),
        ]
    }

    type Op = fn(f32, f32) -> f32;
    type Cmp = fn(f32, f32) -> bool;

    /// Whether `got` is `want` bit for bit, or both are NaN: Rust, like IEEE 754, leaves
    /// the sign and payload of a NaN produced by arithmetic unspecified, and the scalar
    /// reference may be folded at compile time.
    fn same_or_nan(got: f32, want: f32) -> bool {
        got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan())
    }

    /// Every operation of a backend against the scalar `f32` operation, bit for bit.
    fn check<S: Simd32>(s: S) {
        let xs = samples();
        let mut out = Lanes32::default();
        for a in &xs {
            for b in &xs {
                let (va, vb) = (s.load(a), s.load(b));
                let ops: [(&str, S::V, Op); 7] = [
                    ("add", s.add(va, vb), |x, y| x + y),
                    ("sub", s.sub(va, vb), |x, y| x - y),
                    ("mul", s.mul(va, vb), |x, y| x * y),
                    ("div", s.div(va, vb), |x, y| x / y),
                    ("max", s.max(va, vb), f32::max),
                    ("min", s.min(va, vb), f32::min),
                    ("select lt", s.select(s.lt(va, vb), va, vb), |x, y| {
                        if x < y { x } else { y }
                    }),
                ];
                for (name, v, f) in ops {
                    s.store(&mut out, v);
                    for l in 0..W32 {
                        let e = f(a.0[l], b.0[l]);
                        // max/min may differ on the sign of a zero (see the module docs);
                        // only `div` can make a NaN here (0 / 0).
                        let same = same_or_nan(out.0[l], e)
                            || (out.0[l] == 0.0 && e == 0.0 && name.starts_with('m'));
                        assert!(same, "{name} lane {l}: {} vs {e}", out.0[l]);
                    }
                }
                // Fused multiply-add: one rounding, as the correctly rounded reference.
                for (c, vc) in [(b, vb), (a, va)] {
                    s.store(&mut out, s.fma(va, vb, vc));
                    for l in 0..W32 {
                        let e = libm::fmaf(a.0[l], b.0[l], c.0[l]);
                        assert!(
                            same_or_nan(out.0[l], e),
                            "fma lane {l}: {} vs {e}",
                            out.0[l]
                        );
                        assert!(same_or_nan(fused32(a.0[l], b.0[l], c.0[l]), e));
                    }
                }
                let masks: [(&str, S::M, Cmp); 5] = [
                    ("lt", s.lt(va, vb), |x, y| x < y),
                    ("gt", s.gt(va, vb), |x, y| x > y),
                    ("eq", s.eq(va, vb), |x, y| x == y),
                    ("ge", s.ge(va, vb), |x, y| x >= y),
                    ("le", s.le(va, vb), |x, y| x <= y),
                ];
                for (name, m, f) in masks {
                    let bits = s.bits(m);
                    assert!(bits < 1 << W32, "{name}: stray bits {bits:#x}");
                    s.store(&mut out, s.select(m, s.splat(1.0), s.splat(0.0)));
                    for l in 0..W32 {
                        let e = f(a.0[l], b.0[l]);
                        assert_eq!(out.0[l] == 1.0, e, "{name} select lane {l}");
                        assert_eq!(bits >> l & 1 == 1, e, "{name} bits lane {l}");
                    }
                }
            }
            let va = s.load(a);
            s.store(&mut out, s.neg(va));
            for l in 0..W32 {
                assert_eq!(out.0[l].to_bits(), (-a.0[l]).to_bits(), "neg lane {l}");
            }
            s.store(&mut out, s.clamp(va, -1.0, 1.0));
            for l in 0..W32 {
                let e = a.0[l].clamp(-1.0, 1.0);
                assert_eq!(out.0[l].to_bits(), e.to_bits(), "clamp lane {l}");
            }
            assert!(!s.all_zero(va));
            let bytes = Lanes32(a.0.map(|x| (x.abs() * 10.0).trunc().min(255.0)));
            let want = bytes.0.map(|x| x as u8);
            assert_eq!(s.to_u8s(s.load(&bytes)), want);
        }
        // Every byte value, in every lane position (256 values, sixteen at a time).
        for k in 0..W32 {
            let lanes = Lanes32(std::array::from_fn(|l| (k * W32 + l) as f32));
            let want: [u8; W32] = std::array::from_fn(|l| (k * W32 + l) as u8);
            assert_eq!(s.to_u8s(s.load(&lanes)), want, "to_u8s {k}");
        }
        let mut zeros = Lanes32::splat(0.0);
        zeros.0[7] = -0.0;
        zeros.0[12] = -0.0;
        assert!(s.all_zero(s.load(&zeros)));
        for l in 0..W32 {
            let mut one = zeros;
            one.0[l] = 1e-45;
            assert!(!s.all_zero(s.load(&one)), "all_zero with lane {l} set");
        }
        // Ordered, quiet compares: false wherever a NaN meets anything.
        let nan = s.splat(f32::NAN);
        for v in [nan, s.splat(1.0), s.load(&xs[0])] {
            for m in [
                s.lt(nan, v),
                s.gt(nan, v),
                s.eq(nan, v),
                s.ge(nan, v),
                s.le(v, nan),
                s.lt(v, nan),
                s.ge(v, nan),
            ] {
                assert_eq!(s.bits(m), 0);
            }
        }
    }

    /// Doubles that the narrowing must round: inexact ones, ties (to even, both ways),
    /// values that overflow to infinity or underflow to a subnormal or to zero, and a few
    /// exact ones.
    fn doubles() -> Vec<f64> {
        let p = |k: i32| 2f64.powi(k);
        vec![
            0.1,
            -0.1,
            1.0 + p(-30),
            1.0 + p(-24),       // halfway between 1 and its successor: to 1 (even)
            1.0 + 3.0 * p(-24), // halfway the other way: up to 1 + 2⁻²² (even)
            -(1.0 + p(-24)),
            1.0 + p(-24) + p(-50), // just above halfway: up
            1.0 / 3.0,
            1e-50, // below the smallest subnormal: +0
            -1e-50,
            1e300, // beyond f32::MAX: +∞
            -1e300,
            f64::from(f32::MAX),
            f64::from(f32::MAX) + p(103), // halfway to 2¹²⁸, ties to even: ∞
            f64::from(f32::MAX) + p(102), // below halfway: MAX
            1e-40,                        // a subnormal single
            p(-149),                      // the smallest subnormal single
            p(-150),                      // half of it: ties to even, +0
            p(-150) * (1.0 + p(-40)),     // just above half: the smallest subnormal
            -1.5 * p(-149),               // halfway between two subnormals: to even
            f64::from(f32::MIN_POSITIVE),
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            255.0,
            -7.0,
            3e38,
            1e39,
            0.6,
            16_777_217.0, // 2²⁴ + 1: halfway, to 2²⁴
        ]
    }

    /// Singles that must survive a round trip through a double: every kind of `f32`.
    fn singles() -> Vec<f32> {
        let mut v: Vec<f32> = samples().iter().flat_map(|l| l.0).collect();
        v.extend([
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            f32::EPSILON,
            1e-45,
            -1e-45,
            f32::from_bits(0x007f_ffff), // the largest subnormal
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            1.0 + f32::EPSILON,
            16_777_216.0,
            -0.1,
            0.2,
            9.9e37,
            -1.0,
        ]);
        v
    }

    /// `narrow` against `as f32`, every value in every lane of both halves, and on doubles
    /// widened from singles (which it must give back).
    fn check_conversions<S: Simd32>(s: S) {
        let ds = doubles();
        let mut out = Lanes32::default();
        for shift in 0..ds.len() {
            let d = |l: usize| ds[(l + shift) % ds.len()];
            let lo = Lanes(std::array::from_fn(d));
            let hi = Lanes(std::array::from_fn(|l| d(l + 8)));
            s.store(&mut out, s.narrow(&lo, &hi));
            for l in 0..W32 {
                let e = d(l) as f32;
                assert!(
                    same_or_nan(out.0[l], e),
                    "narrow({:e}) lane {l}: {:e} vs {e:e}",
                    d(l),
                    out.0[l]
                );
            }
        }
        let fs = singles();
        for shift in 0..fs.len() {
            let f = |l: usize| fs[(l + shift) % fs.len()];
            let x = Lanes32(std::array::from_fn(f));
            let lo = Lanes(std::array::from_fn(|l| f64::from(f(l))));
            let hi = Lanes(std::array::from_fn(|l| f64::from(f(l + 8))));
            // Every single survives the round trip through a double.
            s.store(&mut out, s.narrow(&lo, &hi));
            for l in 0..W32 {
                assert!(same_or_nan(out.0[l], x.0[l]), "round trip lane {l}");
            }
        }
    }

    /// The rounding cases of [`doubles`], worked out by hand, so that the scalar reference
    /// itself is checked.
    #[test]
    fn narrowing_rounds_to_nearest_even() {
        let p = |k: i32| 2f64.powi(k);
        assert_eq!((1.0 + p(-24)) as f32, 1.0);
        assert_eq!((1.0 + 3.0 * p(-24)) as f32, 1.0 + 2f32.powi(-22));
        assert_eq!((1.0 + p(-24) + p(-50)) as f32, 1.0 + f32::EPSILON);
        assert_eq!((f64::from(f32::MAX) + p(103)) as f32, f32::INFINITY);
        assert_eq!((f64::from(f32::MAX) + p(102)) as f32, f32::MAX);
        assert_eq!((p(-150) as f32).to_bits(), 0);
        assert_eq!((p(-150) * (1.0 + p(-40))) as f32, f32::from_bits(1));
        assert_eq!((-1.5 * p(-149)) as f32, -f32::from_bits(2));
        assert_eq!((-1e-50f64 as f32).to_bits(), (-0.0f32).to_bits());
        assert_eq!(16_777_217.0f64 as f32, 16_777_216.0);
    }

    /// `fused32` rounds once: `(1 + 2⁻¹³)(1 − 2⁻¹³) − 1` is `−2⁻²⁶` exactly, where a
    /// multiplication rounds the product to 1 and the subtraction then gives 0.
    #[test]
    fn fused32_rounds_once() {
        let e = 2f32.powi(-13);
        let (a, b) = (std::hint::black_box(1.0 + e), std::hint::black_box(1.0 - e));
        assert_eq!(fused32(a, b, -1.0), -(e * e));
        assert_eq!(a * b - 1.0, 0.0);
        assert_eq!(libm::fmaf(a, b, -1.0), -(e * e));
    }

    #[test]
    fn portable_operations_are_the_scalar_ones() {
        check(Portable);
    }

    #[test]
    fn portable_conversions_are_the_scalar_ones() {
        check_conversions(Portable);
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
    fn avx2_conversions_are_the_scalar_ones() {
        match Avx2::detect() {
            Some(s) => check_conversions(s),
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

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_conversions_are_the_scalar_ones() {
        match Avx512::detect() {
            Some(s) => check_conversions(s),
            None => eprintln!("no AVX-512 on this CPU: skipped"),
        }
    }
}
