//! The AVX2 backend: a vector in two 256-bit registers (x86-64 with AVX2, FMA and POPCNT).
//!
//! SAFETY (every `unsafe` block of this file): an [`Avx2`] exists only once `detect` has
//! found AVX2, FMA and POPCNT on this CPU, and every pointer access stays inside the lanes,
//! arrays or slices it is made from (all unaligned loads and stores).

use std::arch::x86_64::*;

use super::{
    Backend, COUNT_SLOTS, Kernel, Lanes32, Lanes64, ONE_BITS, POW2I_MAGIC, Simd32, Simd64, W32,
    W64, ZIGGURAT_TABLE,
};

x86_token! {
    /// Two 256-bit registers (x86-64 with AVX2, FMA and POPCNT).
    Avx2: run_avx2, "avx2,fma,popcnt", ["avx2", "fma", "popcnt"],
    accumulators: 6, many_registers: false
}

impl Avx2 {
    /// Adds to `hist[j]`, for each `j`, how many of the [`COUNT_SLOTS`] × 8 bytes of the
    /// slots `slots[g * stride]` (`g < COUNT_SLOTS`) equal `first + j`. The byte 255 marks
    /// an empty place: it is never counted (`first + hist.len()` must not exceed 255).
    /// Only the keys between the smallest and the largest byte are compared with the bytes,
    /// 32 at a time.
    pub fn count_bytes(self, slots: &[[u8; 8]], stride: usize, hist: &mut [u16], first: usize) {
        // SAFETY: the token exists, so the CPU has AVX2.
        unsafe { count_bytes(slots, stride, hist, first) }
    }
}

/// `[f(x[0], y[0], …), f(x[1], y[1], …)]`: the intrinsic `f` on both registers.
macro_rules! halves {
    ($f:ident $(::<$c:ident>)? ($($x:ident),+)) => {
        unsafe { [$f$(::<$c>)?($($x[0]),+), $f$(::<$c>)?($($x[1]),+)] }
    };
}

/// The operations both precisions have: lanes `$lanes` of elements `$t`, `$half` of them
/// per register `$r`, with the intrinsics of that precision.
macro_rules! avx2_ops {
    (
        $t:ty, $lanes:ident, $r:ty, $half:literal;
        load: $load:ident, store: $store:ident, splat: $splat:ident, zero: $zero:ident,
        add: $add:ident, sub: $sub:ident, mul: $mul:ident, div: $div:ident, fma: $fma:ident,
        max: $max:ident, min: $min:ident, cmp: $cmp:ident, movemask: $movemask:ident,
        blend: $blend:ident
    ) => {
        type V = [$r; 2];
        type M = [$r; 2];
        #[inline(always)]
        fn load(self, x: &$lanes) -> Self::V {
            let p = x.0.as_ptr();
            unsafe { [$load(p), $load(p.add($half))] }
        }
        #[inline(always)]
        fn store(self, x: &mut $lanes, v: Self::V) {
            let p = x.0.as_mut_ptr();
            unsafe {
                $store(p, v[0]);
                $store(p.add($half), v[1]);
            }
        }
        #[inline(always)]
        fn splat(self, x: $t) -> Self::V {
            let v = unsafe { $splat(x) };
            [v, v]
        }
        intrinsic_ops! { halves;
            add(a, b) -> V: $add, sub(a, b) -> V: $sub, mul(a, b) -> V: $mul,
            div(a, b) -> V: $div, fma(a, b, c) -> V: $fma, max(a, b) -> V: $max,
            min(a, b) -> V: $min,
            lt(a, b) -> M: $cmp::<_CMP_LT_OQ>, gt(a, b) -> M: $cmp::<_CMP_GT_OQ>,
            eq(a, b) -> M: $cmp::<_CMP_EQ_OQ>, ge(a, b) -> M: $cmp::<_CMP_GE_OQ>,
            le(a, b) -> M: $cmp::<_CMP_LE_OQ>,
        }
        #[inline(always)]
        fn bits(self, m: Self::M) -> u32 {
            unsafe { ($movemask(m[0]) | ($movemask(m[1]) << $half)) as u32 }
        }
        #[inline(always)]
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            halves!($blend(b, a, m))
        }
        #[inline(always)]
        fn all_zero(self, a: Self::V) -> bool {
            let z = unsafe { [$zero(), $zero()] };
            let [m0, m1] = halves!($cmp::<_CMP_EQ_OQ>(a, z));
            unsafe { ($movemask(m0) & $movemask(m1)) == (1 << $half) - 1 }
        }
    };
}

impl Simd64 for Avx2 {
    avx2_ops! {
        f64, Lanes64, __m256d, 4;
        load: _mm256_loadu_pd, store: _mm256_storeu_pd, splat: _mm256_set1_pd,
        zero: _mm256_setzero_pd, add: _mm256_add_pd, sub: _mm256_sub_pd, mul: _mm256_mul_pd,
        div: _mm256_div_pd, fma: _mm256_fmadd_pd, max: _mm256_max_pd, min: _mm256_min_pd,
        cmp: _mm256_cmp_pd, movemask: _mm256_movemask_pd, blend: _mm256_blendv_pd
    }

    #[inline(always)]
    fn to_u8s(self, a: Self::V) -> [u8; W64] {
        unsafe {
            let (lo, hi) = (_mm256_cvttpd_epi32(a[0]), _mm256_cvttpd_epi32(a[1]));
            let words = _mm_packus_epi32(lo, hi);
            (_mm_cvtsi128_si64(_mm_packus_epi16(words, words)) as u64).to_le_bytes()
        }
    }
    #[inline(always)]
    fn trunc(self, a: Self::V) -> Self::V {
        const Z: i32 = _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC;
        halves!(_mm256_round_pd::<Z>(a))
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
        unsafe {
            let sum = _mm256_add_pd(_mm256_loadu_pd(p), _mm256_add_pd(a[0], a[1]));
            _mm256_storeu_pd(p, sum);
        }
    }
    #[inline(always)]
    fn abs(self, a: Self::V) -> Self::V {
        let sign = Simd64::splat(self, -0.0);
        halves!(_mm256_andnot_pd(sign, a))
    }
    #[inline(always)]
    fn pow2i(self, k: Self::V) -> Self::V {
        let t = Simd64::add(self, k, Simd64::splat(self, POW2I_MAGIC));
        macro_rules! shift {
            ($t:expr) => {
                _mm256_castsi256_pd(_mm256_slli_epi64::<52>(_mm256_castpd_si256($t)))
            };
        }
        unsafe { [shift!(t[0]), shift!(t[1])] }
    }
    #[inline(always)]
    fn load_f32(self, x: &[f32; W64]) -> Self::V {
        let p = x.as_ptr();
        unsafe {
            [
                _mm256_cvtps_pd(_mm_loadu_ps(p)),
                _mm256_cvtps_pd(_mm_loadu_ps(p.add(4))),
            ]
        }
    }
    #[inline(always)]
    fn ziggurat_common(
        self,
        x: &[f64; ZIGGURAT_TABLE],
        bits: &[u64; W64],
        out: &mut Lanes64,
    ) -> u32 {
        let mut miss = 0;
        for h in 0..2 {
            // Lanes 4h..4h+4; every index is `b & 0xff` ≤ 255, so `x[i]` and `x[i + 1]` lie
            // within the table.
            unsafe {
                let b = _mm256_loadu_si256(bits.as_ptr().add(4 * h).cast());
                let i = _mm256_and_si256(b, _mm256_set1_epi64x(0xff));
                let xi = _mm256_i64gather_pd::<8>(x.as_ptr(), i);
                let next = _mm256_i64gather_pd::<8>(x.as_ptr().add(1), i);
                let one = _mm256_set1_epi64x(ONE_BITS as i64);
                let u = _mm256_or_si256(_mm256_srli_epi64::<12>(b), one);
                let u = _mm256_sub_pd(_mm256_castsi256_pd(u), _mm256_set1_pd(1.0));
                let v = _mm256_mul_pd(u, xi);
                let inside = _mm256_cmp_pd::<_CMP_LT_OQ>(v, next);
                let sign = _mm256_slli_epi64::<55>(_mm256_and_si256(b, _mm256_set1_epi64x(0x100)));
                let z = _mm256_xor_si256(_mm256_castpd_si256(v), sign);
                _mm256_storeu_pd(out.0.as_mut_ptr().add(4 * h), _mm256_castsi256_pd(z));
                miss |= (!_mm256_movemask_pd(inside) as u32 & 0xf) << (4 * h);
            }
        }
        miss
    }
}

impl Simd32 for Avx2 {
    avx2_ops! {
        f32, Lanes32, __m256, 8;
        load: _mm256_loadu_ps, store: _mm256_storeu_ps, splat: _mm256_set1_ps,
        zero: _mm256_setzero_ps, add: _mm256_add_ps, sub: _mm256_sub_ps, mul: _mm256_mul_ps,
        div: _mm256_div_ps, fma: _mm256_fmadd_ps, max: _mm256_max_ps, min: _mm256_min_ps,
        cmp: _mm256_cmp_ps, movemask: _mm256_movemask_ps, blend: _mm256_blendv_ps
    }

    #[inline(always)]
    fn to_u8s(self, a: Self::V) -> [u8; W32] {
        let mut out = [0u8; W32];
        unsafe {
            // Truncate to 32-bit integers, then halve the width twice with unsigned
            // saturation (exact on 0..=255); the 128-bit packs keep the lanes in order.
            let (i0, i1) = (_mm256_cvttps_epi32(a[0]), _mm256_cvttps_epi32(a[1]));
            macro_rules! words {
                ($i:expr) => {
                    _mm_packus_epi32(
                        _mm256_castsi256_si128($i),
                        _mm256_extracti128_si256::<1>($i),
                    )
                };
            }
            let bytes = _mm_packus_epi16(words!(i0), words!(i1));
            _mm_storeu_si128(out.as_mut_ptr().cast(), bytes);
        }
        out
    }
    #[inline(always)]
    fn narrow(self, lo: &Lanes64, hi: &Lanes64) -> Self::V {
        // Each conversion rounds four doubles (see the module docs of `simd` on MXCSR).
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

/// [`Avx2::count_bytes`].
#[target_feature(enable = "avx2")]
fn count_bytes(slots: &[[u8; 8]], stride: usize, hist: &mut [u16], first: usize) {
    let slot = |g: usize| i64::from_le_bytes(slots[g * stride]);
    // Four slots (32 bytes) per register.
    let v: [__m256i; COUNT_SLOTS / 4] = std::array::from_fn(|c| {
        _mm256_set_epi64x(
            slot(4 * c + 3),
            slot(4 * c + 2),
            slot(4 * c + 1),
            slot(4 * c),
        )
    });
    // The smallest and largest key among the bytes, to count only between them (`hist`
    // may cover a much wider range): 255, the largest byte, is left out of the maximum by
    // adding 1, which wraps it to 0.
    let one = _mm256_set1_epi8(1);
    let (mut lo, mut hi) = (v[0], _mm256_add_epi8(v[0], one));
    for &v in &v[1..] {
        lo = _mm256_min_epu8(lo, v);
        hi = _mm256_max_epu8(hi, _mm256_add_epi8(v, one));
    }
    let lo = usize::from(extreme_u8::<false>(lo));
    let hi = usize::from(extreme_u8::<true>(hi).wrapping_sub(1));
    let start = lo.saturating_sub(first).min(hist.len());
    let end = (hi + 1).saturating_sub(first).min(hist.len());
    let zero = _mm256_setzero_si256();
    for (j, h) in hist.iter_mut().enumerate().take(end).skip(start) {
        let key = _mm256_set1_epi8((first + j) as u8 as i8);
        // Equal bytes are −1: subtracted, each byte counts its equals (at most 8).
        let mut n = zero;
        for v in v {
            n = _mm256_sub_epi8(n, _mm256_cmpeq_epi8(v, key));
        }
        // Sums of eight bytes each, then of the four.
        let sums = _mm256_sad_epu8(n, zero);
        let sums = _mm_add_epi64(
            _mm256_castsi256_si128(sums),
            _mm256_extracti128_si256::<1>(sums),
        );
        *h += (_mm_cvtsi128_si64(sums) + _mm_extract_epi64::<1>(sums)) as u16;
    }
}

/// The largest (`MAX`) or smallest of the 32 bytes of `v`.
#[target_feature(enable = "avx2")]
fn extreme_u8<const MAX: bool>(v: __m256i) -> u8 {
    macro_rules! pick {
        ($a:expr, $b:expr) => {
            if MAX {
                _mm_max_epu8($a, $b)
            } else {
                _mm_min_epu8($a, $b)
            }
        };
    }
    let m = pick!(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
    let m = pick!(m, _mm_srli_si128::<8>(m));
    let m = pick!(m, _mm_srli_si128::<4>(m));
    let m = pick!(m, _mm_srli_si128::<2>(m));
    let m = pick!(m, _mm_srli_si128::<1>(m));
    _mm_cvtsi128_si32(m) as u8
}
