//! (d) wide alone: `wide::f32x16`, whose implementation (AVX-512 / 2×AVX / 4×SSE / arrays,
//! fused or not) is chosen by the crate's *compile-time* `target_feature`s. No SIMD `unsafe` here (only the `get_unchecked` that every version shares).

use crate::by_width;
use crate::common::{blocks, K1In, K2In, L32};
use wide::f32x16;

/// Accumulators that fit the registers of the compile-time implementation.
pub const ACC: usize = if cfg!(target_feature = "avx512f") {
    24
} else if cfg!(target_feature = "avx") {
    6
} else {
    3
};

#[inline(always)]
fn ld(x: &L32) -> f32x16 {
    f32x16::new(x.0)
}

pub fn k1(d: &K1In, out: &mut [L32]) {
    k1_acc::<ACC>(d, out)
}

#[inline(always)]
pub fn k1_acc<const A: usize>(d: &K1In, out: &mut [L32]) {
    let n = d.n;
    assert!(d.x.len() >= n * n && d.t.len() >= n && out.len() >= n);
    for (j0, width) in blocks(n, A) {
        by_width!(width, k1_block::<@>(d, out, j0));
    }
}

#[inline(always)]
fn k1_block<const B: usize>(d: &K1In, out: &mut [L32], j0: usize) {
    let n = d.n;
    let mut acc = [f32x16::ZERO; B];
    for k in 0..n {
        // SAFETY (as entente's `product_block`): k < n ≤ t.len(), k·n + j0 + B ≤ n·n ≤ x.len().
        let tk = ld(unsafe { d.t.get_unchecked(k) });
        let xk = unsafe { d.x.get_unchecked(k * n + j0..k * n + j0 + B) };
        for (a, xv) in acc.iter_mut().zip(xk) {
            // wide: `self * a + b`, fused only where the crate was compiled with FMA.
            *a = tk.mul_add(ld(xv), *a);
        }
    }
    for (o, a) in out[j0..j0 + B].iter_mut().zip(acc) {
        o.0 = a.to_array();
    }
}

pub fn k2(d: &K2In, row: &mut [L32], alpha: &mut L32) {
    k2_inl(d, row, alpha)
}

#[inline(always)]
pub fn k2_inl(d: &K2In, row: &mut [L32], alpha_out: &mut L32) {
    let n = d.n;
    let (shared, inv_kappa, power) = (&d.shared[..n], &d.inv_kappa[..n], &d.power[..n]);
    let (e, f, t, m) = (&d.e[..n], &d.f[..n], &d.t[..n], &d.m[..n]);
    let row = &mut row[..n];
    let (zero, one) = (f32x16::ZERO, f32x16::ONE);
    let (be, bf) = (f32x16::splat(d.be), f32x16::splat(d.bf));
    let (bt, bm) = (f32x16::splat(d.bt), f32x16::splat(d.bm));
    let (need_s, need_p) = (ld(&d.need_s), ld(&d.need_p));
    let (power_i, autonomy, hv) = (ld(&d.power_i), ld(&d.autonomy), ld(&d.h));
    let mut kv = f32x16::splat(-1.0);
    let mut alpha = zero;
    for k in 0..n {
        kv = kv + one;
        let pk = ld(&power[k]);
        let inv = one / (power_i + pk);
        let v = need_s * ld(&shared[k]) * ld(&inv_kappa[k]);
        let v = v + need_p * pk * inv;
        let v = v + be * ld(&e[k]);
        let v = v + bf * ld(&f[k]);
        let v = v + bt * ld(&t[k]);
        let v = v + bm * ld(&m[k]);
        let v = v + autonomy;
        let v = hv.simd_eq(kv).select(zero, v);
        row[k].0 = v.to_array();
        // `fast_max` is MAXPS (the second operand where either is NaN); `max` adds a NaN
        // test (IEEE maxNum-like), one compare and blend more.
        alpha = zero.fast_max(alpha).fast_max(v);
    }
    alpha_out.0 = alpha.to_array();
}
