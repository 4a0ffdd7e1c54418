//! (a) Our approach, minimal: a token type per backend with `#[inline(always)]` methods over
//! `core::arch` intrinsics (16 lanes as two __m256 for AVX2, one __m512 for AVX-512, plain
//! arrays for the portable backend), runtime detection once, and the whole kernel inlined
//! into `#[target_feature]` wrappers.

use crate::by_width;
use crate::common::{blocks, K1In, K2In, L32, W};

pub trait S32: Copy {
    type V: Copy;
    type M: Copy;
    const ACCUMULATORS: usize;
    fn load(self, x: &L32) -> Self::V;
    fn store(self, x: &mut L32, v: Self::V);
    fn splat(self, x: f32) -> Self::V;
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    fn eq(self, a: Self::V, b: Self::V) -> Self::M;
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
}

#[derive(Clone, Copy)]
pub struct Portable;

#[inline(always)]
fn pairwise<T>(a: [f32; W], b: [f32; W], f: impl Fn(f32, f32) -> T) -> [T; W] {
    std::array::from_fn(|l| f(a[l], b[l]))
}

impl S32 for Portable {
    type V = [f32; W];
    type M = [bool; W];
    const ACCUMULATORS: usize = 8;
    #[inline(always)]
    fn load(self, x: &L32) -> Self::V {
        x.0
    }
    #[inline(always)]
    fn store(self, x: &mut L32, v: Self::V) {
        x.0 = v;
    }
    #[inline(always)]
    fn splat(self, x: f32) -> Self::V {
        [x; W]
    }
    #[inline(always)]
    fn add(self, a: Self::V, b: Self::V) -> Self::V {
        pairwise(a, b, |x, y| x + y)
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
        std::array::from_fn(|l| a[l].mul_add(b[l], c[l]))
    }
    #[inline(always)]
    fn max(self, a: Self::V, b: Self::V) -> Self::V {
        pairwise(a, b, f32::max)
    }
    #[inline(always)]
    fn eq(self, a: Self::V, b: Self::V) -> Self::M {
        pairwise(a, b, |x, y| x == y)
    }
    #[inline(always)]
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|l| if m[l] { a[l] } else { b[l] })
    }
}

#[cfg(target_arch = "x86_64")]
pub mod x86 {
    use super::S32;
    use crate::common::L32;
    use std::arch::x86_64::*;

    /// Exists only once AVX2 and FMA were detected.
    #[derive(Clone, Copy)]
    pub struct Avx2(());
    /// Exists only once AVX-512F and FMA were detected.
    #[derive(Clone, Copy)]
    pub struct Avx512(());

    impl Avx2 {
        pub fn detect() -> Option<Self> {
            (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")).then_some(Self(()))
        }
    }
    impl Avx512 {
        pub fn detect() -> Option<Self> {
            (is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma"))
                .then_some(Self(()))
        }
    }

    // SAFETY (every unsafe block below): the token proves the features; pointer accesses
    // stay inside one `L32`.
    impl S32 for Avx2 {
        type V = [__m256; 2];
        type M = [__m256; 2];
        const ACCUMULATORS: usize = 6;
        #[inline(always)]
        fn load(self, x: &L32) -> Self::V {
            let p = x.0.as_ptr();
            unsafe { [_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8))] }
        }
        #[inline(always)]
        fn store(self, x: &mut L32, v: Self::V) {
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
        fn mul(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_mul_ps(a[0], b[0]), _mm256_mul_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn div(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_div_ps(a[0], b[0]), _mm256_div_ps(a[1], b[1])] }
        }
        #[inline(always)]
        fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
            unsafe { [_mm256_fmadd_ps(a[0], b[0], c[0]), _mm256_fmadd_ps(a[1], b[1], c[1])] }
        }
        #[inline(always)]
        fn max(self, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_max_ps(a[0], b[0]), _mm256_max_ps(a[1], b[1])] }
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
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            unsafe { [_mm256_blendv_ps(b[0], a[0], m[0]), _mm256_blendv_ps(b[1], a[1], m[1])] }
        }
    }

    impl S32 for Avx512 {
        type V = __m512;
        type M = __mmask16;
        const ACCUMULATORS: usize = 24;
        #[inline(always)]
        fn load(self, x: &L32) -> Self::V {
            unsafe { _mm512_loadu_ps(x.0.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, x: &mut L32, v: Self::V) {
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
        fn eq(self, a: Self::V, b: Self::V) -> Self::M {
            unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V {
            unsafe { _mm512_mask_blend_ps(m, b, a) }
        }
    }
}

// ---------------------------------------------------------------- kernels (generic)

#[inline(always)]
fn k1<S: S32>(s: S, d: &K1In, out: &mut [L32]) {
    let n = d.n;
    assert!(d.x.len() >= n * n && d.t.len() >= n && out.len() >= n);
    for (j0, width) in blocks(n, S::ACCUMULATORS) {
        by_width!(width, k1_block::<S, @>(s, d, out, j0));
    }
}

#[inline(always)]
fn k1_block<S: S32, const B: usize>(s: S, d: &K1In, out: &mut [L32], j0: usize) {
    let n = d.n;
    let mut acc = [s.splat(0.0); B];
    for k in 0..n {
        // SAFETY: k < n ≤ t.len(), k·n + j0 + B ≤ n·n ≤ x.len() (asserted in `k1`).
        let tk = s.load(unsafe { d.t.get_unchecked(k) });
        let xk = unsafe { d.x.get_unchecked(k * n + j0..k * n + j0 + B) };
        for (a, xv) in acc.iter_mut().zip(xk) {
            *a = s.fma(tk, s.load(xv), *a);
        }
    }
    for (o, a) in out[j0..j0 + B].iter_mut().zip(acc) {
        s.store(o, a);
    }
}

#[inline(always)]
fn k2<S: S32>(s: S, d: &K2In, row: &mut [L32], alpha_out: &mut L32) {
    let n = d.n;
    let (shared, inv_kappa, power) = (&d.shared[..n], &d.inv_kappa[..n], &d.power[..n]);
    let (e, f, t, m) = (&d.e[..n], &d.f[..n], &d.t[..n], &d.m[..n]);
    let row = &mut row[..n];
    let (zero, one) = (s.splat(0.0), s.splat(1.0));
    let (be, bf, bt, bm) = (s.splat(d.be), s.splat(d.bf), s.splat(d.bt), s.splat(d.bm));
    let (need_s, need_p) = (s.load(&d.need_s), s.load(&d.need_p));
    let (power_i, autonomy, hv) = (s.load(&d.power_i), s.load(&d.autonomy), s.load(&d.h));
    let mut kv = s.splat(-1.0);
    let mut alpha = zero;
    for k in 0..n {
        kv = s.add(kv, one);
        let pk = s.load(&power[k]);
        let inv = s.div(one, s.add(power_i, pk));
        let v = s.mul(s.mul(need_s, s.load(&shared[k])), s.load(&inv_kappa[k]));
        let v = s.add(v, s.mul(s.mul(need_p, pk), inv));
        let v = s.add(v, s.mul(be, s.load(&e[k])));
        let v = s.add(v, s.mul(bf, s.load(&f[k])));
        let v = s.add(v, s.mul(bt, s.load(&t[k])));
        let v = s.add(v, s.mul(bm, s.load(&m[k])));
        let v = s.add(v, autonomy);
        let v = s.select(s.eq(hv, kv), zero, v);
        s.store(&mut row[k], v);
        alpha = s.max(s.max(zero, alpha), v);
    }
    s.store(alpha_out, alpha);
}

// ---------------------------------------------------------------- dispatch

/// The backend chosen at run time; holding an `Avx2`/`Avx512` token proves the features.
#[derive(Clone, Copy)]
pub enum Ours {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2(x86::Avx2),
    #[cfg(target_arch = "x86_64")]
    Avx512(x86::Avx512),
}

impl Ours {
    /// The best backend this CPU has, at most `max` (0 portable, 1 AVX2, 2 AVX-512).
    pub fn detect(max: u8) -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if max >= 2 {
                if let Some(s) = x86::Avx512::detect() {
                    return Self::Avx512(s);
                }
            }
            if max >= 1 {
                if let Some(s) = x86::Avx2::detect() {
                    return Self::Avx2(s);
                }
            }
        }
        let _ = max;
        Self::Portable
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Self::Avx2(_) => "avx2",
            #[cfg(target_arch = "x86_64")]
            Self::Avx512(_) => "avx512",
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn k1_avx2(s: x86::Avx2, d: &K1In, out: &mut [L32]) {
    k1(s, d, out)
}
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn k1_avx512(s: x86::Avx512, d: &K1In, out: &mut [L32]) {
    k1(s, d, out)
}
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn k2_avx2(s: x86::Avx2, d: &K2In, row: &mut [L32], a: &mut L32) {
    k2(s, d, row, a)
}
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn k2_avx512(s: x86::Avx512, d: &K2In, row: &mut [L32], a: &mut L32) {
    k2(s, d, row, a)
}

pub fn k1_dispatch(o: Ours, d: &K1In, out: &mut [L32]) {
    match o {
        // SAFETY: the token proves the wrapper's features.
        #[cfg(target_arch = "x86_64")]
        Ours::Avx512(s) => unsafe { k1_avx512(s, d, out) },
        #[cfg(target_arch = "x86_64")]
        Ours::Avx2(s) => unsafe { k1_avx2(s, d, out) },
        Ours::Portable => k1(Portable, d, out),
    }
}

pub fn k2_dispatch(o: Ours, d: &K2In, row: &mut [L32], a: &mut L32) {
    match o {
        // SAFETY: the token proves the wrapper's features.
        #[cfg(target_arch = "x86_64")]
        Ours::Avx512(s) => unsafe { k2_avx512(s, d, row, a) },
        #[cfg(target_arch = "x86_64")]
        Ours::Avx2(s) => unsafe { k2_avx2(s, d, row, a) },
        Ours::Portable => k2(Portable, d, row, a),
    }
}

// ---------------------------------------------------------------- for multiversion (c1)

/// The portable backend with a chosen accumulator count: plain arrays, no unsafe, used by
/// the multiversion version (each clone compiles it with its own target features).
#[derive(Clone, Copy)]
pub struct Arrays<const ACC: usize>;

impl<const ACC: usize> S32 for Arrays<ACC> {
    type V = [f32; W];
    type M = [bool; W];
    const ACCUMULATORS: usize = ACC;
    #[inline(always)]
    fn load(self, x: &L32) -> Self::V { Portable.load(x) }
    #[inline(always)]
    fn store(self, x: &mut L32, v: Self::V) { Portable.store(x, v) }
    #[inline(always)]
    fn splat(self, x: f32) -> Self::V { Portable.splat(x) }
    #[inline(always)]
    fn add(self, a: Self::V, b: Self::V) -> Self::V { Portable.add(a, b) }
    #[inline(always)]
    fn mul(self, a: Self::V, b: Self::V) -> Self::V { Portable.mul(a, b) }
    #[inline(always)]
    fn div(self, a: Self::V, b: Self::V) -> Self::V { Portable.div(a, b) }
    #[inline(always)]
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V { Portable.fma(a, b, c) }
    #[inline(always)]
    fn max(self, a: Self::V, b: Self::V) -> Self::V { Portable.max(a, b) }
    #[inline(always)]
    fn eq(self, a: Self::V, b: Self::V) -> Self::M { Portable.eq(a, b) }
    #[inline(always)]
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V { Portable.select(m, a, b) }
}

#[inline(always)]
pub fn k1_arrays<const ACC: usize>(d: &K1In, out: &mut [L32]) {
    k1(Arrays::<ACC>, d, out)
}
#[inline(always)]
pub fn k2_arrays(d: &K2In, row: &mut [L32], a: &mut L32) {
    k2(Arrays::<8>, d, row, a)
}
