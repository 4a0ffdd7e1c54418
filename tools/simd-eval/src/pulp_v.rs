//! (b) pulp: kernels generic over `pulp::Simd`, entered through `WithSimd`.
//!
//! b16: the drop-in for our design — 16-lane tokens `V4` (one zmm), `V3_512b` (two ymm) and
//!      `Scalar512b` (16 scalars), chosen at run time once; the kernel runs inside
//!      `Simd::vectorize` (pulp's `#[target_feature]` wrapper). No SIMD `unsafe` in this file (the one `get_unchecked` per kernel mirrors entente's `product_block`, as in every version).
//! bdisp: the idiomatic `Arch::new().dispatch(op)`: the token's own width (16 lanes on V4,
//!      8 on V3, 1 on Scalar), the 16 runs processed as 16 / F32_LANES chunks.

use crate::by_width;
use crate::common::{blocks, K1In, K2In, L32};
use pulp::bytemuck;
use pulp::{Arch, Scalar512b, Simd, WithSimd};
#[cfg(target_arch = "x86_64")]
use pulp::x86::{V3, V3_512b, V4};

// ------------------------------------------------------------------- b16 kernels

#[inline(always)]
fn ld<S: Simd>(x: &L32) -> S::f32s {
    bytemuck::cast(x.0)
}
#[inline(always)]
fn st<S: Simd>(x: &mut L32, v: S::f32s) {
    x.0 = bytemuck::cast(v);
}

#[inline(always)]
fn k1<S: Simd>(s: S, acc: usize, d: &K1In, out: &mut [L32]) {
    const { assert!(S::F32_LANES == 16) };
    let n = d.n;
    assert!(d.x.len() >= n * n && d.t.len() >= n && out.len() >= n);
    for (j0, width) in blocks(n, acc) {
        by_width!(width, k1_block::<S, @>(s, d, out, j0));
    }
}

#[inline(always)]
fn k1_block<S: Simd, const B: usize>(s: S, d: &K1In, out: &mut [L32], j0: usize) {
    let n = d.n;
    let mut acc = [s.splat_f32s(0.0); B];
    for k in 0..n {
        // SAFETY (as entente's `product_block`): k < n ≤ t.len(), k·n + j0 + B ≤ n·n ≤ x.len().
        let tk = ld::<S>(unsafe { d.t.get_unchecked(k) });
        let xk = unsafe { d.x.get_unchecked(k * n + j0..k * n + j0 + B) };
        for (a, xv) in acc.iter_mut().zip(xk) {
            *a = s.mul_add_f32s(tk, ld::<S>(xv), *a);
        }
    }
    for (o, a) in out[j0..j0 + B].iter_mut().zip(acc) {
        st::<S>(o, a);
    }
}

#[inline(always)]
fn k2<S: Simd>(s: S, d: &K2In, row: &mut [L32], alpha_out: &mut L32) {
    const { assert!(S::F32_LANES == 16) };
    let n = d.n;
    let (shared, inv_kappa, power) = (&d.shared[..n], &d.inv_kappa[..n], &d.power[..n]);
    let (e, f, t, m) = (&d.e[..n], &d.f[..n], &d.t[..n], &d.m[..n]);
    let row = &mut row[..n];
    let (zero, one) = (s.splat_f32s(0.0), s.splat_f32s(1.0));
    let (be, bf) = (s.splat_f32s(d.be), s.splat_f32s(d.bf));
    let (bt, bm) = (s.splat_f32s(d.bt), s.splat_f32s(d.bm));
    let (need_s, need_p) = (ld::<S>(&d.need_s), ld::<S>(&d.need_p));
    let (power_i, autonomy, hv) = (ld::<S>(&d.power_i), ld::<S>(&d.autonomy), ld::<S>(&d.h));
    let mut kv = s.splat_f32s(-1.0);
    let mut alpha = zero;
    for k in 0..n {
        kv = s.add_f32s(kv, one);
        let pk = ld::<S>(&power[k]);
        let inv = s.div_f32s(one, s.add_f32s(power_i, pk));
        let v = s.mul_f32s(s.mul_f32s(need_s, ld::<S>(&shared[k])), ld::<S>(&inv_kappa[k]));
        let v = s.add_f32s(v, s.mul_f32s(s.mul_f32s(need_p, pk), inv));
        let v = s.add_f32s(v, s.mul_f32s(be, ld::<S>(&e[k])));
        let v = s.add_f32s(v, s.mul_f32s(bf, ld::<S>(&f[k])));
        let v = s.add_f32s(v, s.mul_f32s(bt, ld::<S>(&t[k])));
        let v = s.add_f32s(v, s.mul_f32s(bm, ld::<S>(&m[k])));
        let v = s.add_f32s(v, autonomy);
        let v = s.select_f32s(s.equal_f32s(hv, kv), zero, v);
        st::<S>(&mut row[k], v);
        alpha = s.max_f32s(s.max_f32s(zero, alpha), v);
    }
    st::<S>(alpha_out, alpha);
}

// ------------------------------------------------------------------- b16 dispatch

/// 16-lane pulp token, detected once.
#[derive(Clone, Copy)]
pub enum P16 {
    #[cfg(target_arch = "x86_64")]
    V4(V4),
    #[cfg(target_arch = "x86_64")]
    V3(V3),
    Scalar,
}

impl P16 {
    /// At most `max` (0 scalar, 1 V3, 2 V4).
    pub fn detect(max: u8) -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if max >= 2 {
                if let Some(s) = V4::try_new() {
                    return Self::V4(s);
                }
            }
            if max >= 1 {
                if let Some(s) = V3::try_new() {
                    return Self::V3(s);
                }
            }
        }
        let _ = max;
        Self::Scalar
    }
}

/// Runs the kernel with the 16-lane token `s` inside whatever `vectorize` entered.
struct K1Op<'a, T> {
    s: T,
    acc: usize,
    d: &'a K1In,
    out: &'a mut [L32],
}
impl<T: Simd> WithSimd for K1Op<'_, T> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        k1(self.s, self.acc, self.d, self.out)
    }
}
struct K2Op<'a, T> {
    s: T,
    d: &'a K2In,
    row: &'a mut [L32],
    alpha: &'a mut L32,
}
impl<T: Simd> WithSimd for K2Op<'_, T> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        k2(self.s, self.d, self.row, self.alpha)
    }
}

pub fn k1_p16(p: P16, d: &K1In, out: &mut [L32]) {
    match p {
        #[cfg(target_arch = "x86_64")]
        P16::V4(v4) => Simd::vectorize(v4, K1Op { s: v4, acc: 24, d, out }),
        #[cfg(target_arch = "x86_64")]
        P16::V3(v3) => Simd::vectorize(v3, K1Op { s: V3_512b(v3), acc: 6, d, out }),
        P16::Scalar => Simd::vectorize(Scalar512b, K1Op { s: Scalar512b, acc: 8, d, out }),
    }
}

pub fn k2_p16(p: P16, d: &K2In, row: &mut [L32], alpha: &mut L32) {
    match p {
        #[cfg(target_arch = "x86_64")]
        P16::V4(v4) => Simd::vectorize(v4, K2Op { s: v4, d, row, alpha }),
        #[cfg(target_arch = "x86_64")]
        P16::V3(v3) => Simd::vectorize(v3, K2Op { s: V3_512b(v3), d, row, alpha }),
        P16::Scalar => Simd::vectorize(Scalar512b, K2Op { s: Scalar512b, d, row, alpha }),
    }
}

// ------------------------------------------------------------------- bdisp: Arch::dispatch

/// `Arch::new()`, or a lower level forced (0 scalar, 1 V3, 2 best).
pub fn arch(max: u8) -> Arch {
    match max {
        #[cfg(target_arch = "x86_64")]
        1 => V3::try_new().map(Arch::V3).unwrap_or(Arch::Scalar),
        0 => Arch::Scalar,
        _ => Arch::new(),
    }
}

struct K1Chunks<'a> {
    d: &'a K1In,
    out: &'a mut [L32],
}
impl WithSimd for K1Chunks<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let (d, out) = (self.d, self.out);
        let n = d.n;
        assert!(d.x.len() >= n * n && d.t.len() >= n && out.len() >= n);
        let acc = (S::REGISTER_COUNT * 3 / 4).max(4);
        for c in 0..16 / S::F32_LANES {
            for (j0, width) in blocks(n, acc) {
                by_width!(width, k1_chunk_block::<S, @>(s, d, out, j0, c));
            }
        }
    }
}

#[inline(always)]
fn k1_chunk_block<S: Simd, const B: usize>(s: S, d: &K1In, out: &mut [L32], j0: usize, c: usize) {
    let n = d.n;
    let ld = |x: &L32| S::as_simd_f32s(&x.0).0[c];
    let mut acc = [s.splat_f32s(0.0); B];
    for k in 0..n {
        // SAFETY (as entente's `product_block`): k < n ≤ t.len(), k·n + j0 + B ≤ n·n ≤ x.len().
        let tk = ld(unsafe { d.t.get_unchecked(k) });
        let xk = unsafe { d.x.get_unchecked(k * n + j0..k * n + j0 + B) };
        for (a, xv) in acc.iter_mut().zip(xk) {
            *a = s.mul_add_f32s(tk, ld(xv), *a);
        }
    }
    for (o, a) in out[j0..j0 + B].iter_mut().zip(acc) {
        S::as_mut_simd_f32s(&mut o.0).0[c] = a;
    }
}

struct K2Chunks<'a> {
    d: &'a K2In,
    row: &'a mut [L32],
    alpha: &'a mut L32,
}
impl WithSimd for K2Chunks<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let (d, row, alpha_out) = (self.d, self.row, self.alpha);
        let n = d.n;
        let (shared, inv_kappa, power) = (&d.shared[..n], &d.inv_kappa[..n], &d.power[..n]);
        let (e, f, t, m) = (&d.e[..n], &d.f[..n], &d.t[..n], &d.m[..n]);
        let row = &mut row[..n];
        let (zero, one) = (s.splat_f32s(0.0), s.splat_f32s(1.0));
        let (be, bf) = (s.splat_f32s(d.be), s.splat_f32s(d.bf));
        let (bt, bm) = (s.splat_f32s(d.bt), s.splat_f32s(d.bm));
        for c in 0..16 / S::F32_LANES {
            let ld = |x: &L32| S::as_simd_f32s(&x.0).0[c];
            let (need_s, need_p) = (ld(&d.need_s), ld(&d.need_p));
            let (power_i, autonomy, hv) = (ld(&d.power_i), ld(&d.autonomy), ld(&d.h));
            let mut kv = s.splat_f32s(-1.0);
            let mut alpha = zero;
            for k in 0..n {
                kv = s.add_f32s(kv, one);
                let pk = ld(&power[k]);
                let inv = s.div_f32s(one, s.add_f32s(power_i, pk));
                let v = s.mul_f32s(s.mul_f32s(need_s, ld(&shared[k])), ld(&inv_kappa[k]));
                let v = s.add_f32s(v, s.mul_f32s(s.mul_f32s(need_p, pk), inv));
                let v = s.add_f32s(v, s.mul_f32s(be, ld(&e[k])));
                let v = s.add_f32s(v, s.mul_f32s(bf, ld(&f[k])));
                let v = s.add_f32s(v, s.mul_f32s(bt, ld(&t[k])));
                let v = s.add_f32s(v, s.mul_f32s(bm, ld(&m[k])));
                let v = s.add_f32s(v, autonomy);
                let v = s.select_f32s(s.equal_f32s(hv, kv), zero, v);
                S::as_mut_simd_f32s(&mut row[k].0).0[c] = v;
                alpha = s.max_f32s(s.max_f32s(zero, alpha), v);
            }
            S::as_mut_simd_f32s(&mut alpha_out.0).0[c] = alpha;
        }
    }
}

pub fn k1_arch(a: Arch, d: &K1In, out: &mut [L32]) {
    a.dispatch(K1Chunks { d, out })
}
pub fn k2_arch(a: Arch, d: &K2In, row: &mut [L32], alpha: &mut L32) {
    a.dispatch(K2Chunks { d, row, alpha })
}
