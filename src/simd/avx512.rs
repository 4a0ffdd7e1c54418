//! The AVX-512 backend: a vector in one 512-bit register (x86-64 with AVX-512F, FMA and
//! POPCNT).
//!
//! SAFETY (every `unsafe` block of this file): an [`Avx512`] exists only once `detect` has
//! found AVX-512F, FMA and POPCNT on this CPU (every AVX-512 CPU has the last two; `detect`
//! checks), only AVX-512F instructions are used (with the AVX and SSE ones that every
//! AVX-512F CPU has), and every pointer access stays inside the lanes or arrays it is made
//! from (unaligned loads and stores, except where the type is aligned to 64 bytes).

use std::arch::x86_64::*;

use super::{
    Backend, Kernel, Lanes32, Lanes64, ONE_BITS, POW2I_MAGIC, Simd32, Simd64, W32, W64,
    ZIGGURAT_TABLE,
};

x86_token! {
    /// One 512-bit register (x86-64 with AVX-512F, FMA and POPCNT; every AVX-512 CPU has the
    /// last two, `detect` checks).
    Avx512: run_avx512, "avx512f,fma,popcnt", ["avx512f", "fma", "popcnt"],
    accumulators: 24, many_registers: true
}

/// `f(x, y, …)`: the intrinsic `f` on the register of each operand.
macro_rules! whole {
    ($f:ident $(::<$c:ident>)? ($($x:ident),+)) => {
        unsafe { $f$(::<$c>)?($($x),+) }
    };
}

/// The operations both precisions have: lanes `$lanes` of elements `$t` in a register `$r`,
/// with a mask `$m` per comparison, and the intrinsics of that precision.
macro_rules! avx512_ops {
    (
        $t:ty, $lanes:ident, $r:ty, $m:ty;
        load: $load:ident, store: $store:ident, splat: $splat:ident, zero: $zero:ident,
        add: $add:ident, sub: $sub:ident, mul: $mul:ident, div: $div:ident, fma: $fma:ident,
        max: $max:ident, min: $min:ident, cmp: $cmp:ident, blend: $blend:ident
    ) => {
        type V = $r;
        type M = $m;
        #[inline(always)]
        fn load(self, x: &$lanes) -> Self::V {
            unsafe { $load(x.0.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, x: &mut $lanes, v: Self::V) {
            unsafe { $store(x.0.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn splat(self, x: $t) -> Self::V {
            unsafe { $splat(x) }
        }
        intrinsic_ops! { whole;
            add(a, b) -> V: $add, sub(a, b) -> V: $sub, mul(a, b) -> V: $mul,
            div(a, b) -> V: $div, fma(a, b, c) -> V: $fma, max(a, b) -> V: $max,
            min(a, b) -> V: $min,
            lt(a, b) -> M: $cmp::<_CMP_LT_OQ>, gt(a, b) -> M: $cmp::<_CMP_GT_OQ>,
            eq(a, b) -> M: $cmp::<_CMP_EQ_OQ>, ge(a, b) -> M: $cmp::<_CMP_GE_OQ>,
            le(a, b) -> M: $cmp::<_CMP_LE_OQ>,
        }
        #[inline(always)]
        fn bits(self, m: Self::M) -> u32 {
            u32::from(m)
        }
        #[inline(always)]
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            // Lanes whose mask bit is set take the second operand.
            unsafe { $blend(m, b, a) }
        }
        #[inline(always)]
        fn all_zero(self, a: Self::V) -> bool {
            unsafe { $cmp::<_CMP_EQ_OQ>(a, $zero()) == <$m>::MAX }
        }
    };
}

impl Simd64 for Avx512 {
    avx512_ops! {
        f64, Lanes64, __m512d, __mmask8;
        load: _mm512_loadu_pd, store: _mm512_storeu_pd, splat: _mm512_set1_pd,
        zero: _mm512_setzero_pd, add: _mm512_add_pd, sub: _mm512_sub_pd, mul: _mm512_mul_pd,
        div: _mm512_div_pd, fma: _mm512_fmadd_pd, max: _mm512_max_pd, min: _mm512_min_pd,
        cmp: _mm512_cmp_pd_mask, blend: _mm512_mask_blend_pd
    }

    #[inline(always)]
    fn to_u8s(self, a: Self::V) -> [u8; W64] {
        unsafe {
            // The upper half of the widened vector is undefined; its bytes are dropped.
            let ints = _mm512_castsi256_si512(_mm512_cvttpd_epi32(a));
            (_mm_cvtsi128_si64(_mm512_cvtepi32_epi8(ints)) as u64).to_le_bytes()
        }
    }
    #[inline(always)]
    fn trunc(self, a: Self::V) -> Self::V {
        const Z: i32 = _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC;
        unsafe { _mm512_roundscale_pd::<Z>(a) }
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
        unsafe {
            let halves = _mm256_add_pd(_mm512_castpd512_pd256(a), _mm512_extractf64x4_pd::<1>(a));
            _mm256_storeu_pd(p, _mm256_add_pd(_mm256_loadu_pd(p), halves));
        }
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
    fn load_f32(self, x: &[f32; W64]) -> Self::V {
        unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(x.as_ptr())) }
    }
    #[inline(always)]
    fn ziggurat_common(
        self,
        x: &[f64; ZIGGURAT_TABLE],
        bits: &[u64; W64],
        out: &mut Lanes64,
    ) -> u32 {
        // Every index is `b & 0xff` ≤ 255, so `x[i]` and `x[i + 1]` lie within the table;
        // `out` is aligned to 64 bytes.
        unsafe {
            let b = _mm512_loadu_si512(bits.as_ptr().cast());
            let i = _mm512_and_si512(b, _mm512_set1_epi64(0xff));
            let xi = _mm512_i64gather_pd::<8>(i, x.as_ptr());
            let next = _mm512_i64gather_pd::<8>(i, x.as_ptr().add(1));
            let one = _mm512_set1_epi64(ONE_BITS as i64);
            let u = _mm512_or_si512(_mm512_srli_epi64::<12>(b), one);
            let u = _mm512_sub_pd(_mm512_castsi512_pd(u), _mm512_set1_pd(1.0));
            let v = _mm512_mul_pd(u, xi);
            let inside = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(v, next);
            let sign = _mm512_slli_epi64::<55>(_mm512_and_si512(b, _mm512_set1_epi64(0x100)));
            let z = _mm512_xor_si512(_mm512_castpd_si512(v), sign);
            _mm512_store_pd(out.0.as_mut_ptr(), _mm512_castsi512_pd(z));
            u32::from(!inside)
        }
    }
}

impl Simd32 for Avx512 {
    avx512_ops! {
        f32, Lanes32, __m512, __mmask16;
        load: _mm512_loadu_ps, store: _mm512_storeu_ps, splat: _mm512_set1_ps,
        zero: _mm512_setzero_ps, add: _mm512_add_ps, sub: _mm512_sub_ps, mul: _mm512_mul_ps,
        div: _mm512_div_ps, fma: _mm512_fmadd_ps, max: _mm512_max_ps, min: _mm512_min_ps,
        cmp: _mm512_cmp_ps_mask, blend: _mm512_mask_blend_ps
    }

    #[inline(always)]
    fn to_u8s(self, a: Self::V) -> [u8; W32] {
        let mut out = [0u8; W32];
        unsafe {
            // Truncate to 32-bit integers, then keep the low byte of each (VPMOVDB): exact,
            // since every lane holds an integer in 0..=255.
            let bytes = _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(a));
            _mm_storeu_si128(out.as_mut_ptr().cast(), bytes);
        }
        out
    }
    #[inline(always)]
    fn narrow(self, lo: &Lanes64, hi: &Lanes64) -> Self::V {
        // Each conversion rounds eight doubles (see the module docs of `simd` on MXCSR). The
        // two halves are joined with the 64x4 insert (AVX-512F), reinterpreting the bits:
        // `_mm512_insertf32x8` would need AVX-512DQ, which `detect` does not check.
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
