//! (c) multiversion: the kernels written once over plain arrays (our trait's portable
//! backend, `ours::Arrays`) or over `wide::f32x16`, cloned per target by
//! `#[multiversion]` and dispatched at run time. No `unsafe` here.
//!
//! `*_mv` lists both targets (the real use); `*_mv_avx2` lists only AVX2+FMA, to measure the
//! AVX2 clone on this AVX-512 machine.

use crate::common::{K1In, K2In, L32};
use crate::ours::{k1_arrays, k2_arrays};
use crate::wide_v;
use multiversion::multiversion;
use multiversion::target::target_cfg_f;

#[multiversion(targets("x86_64+avx512f+fma", "x86_64+avx2+fma"))]
pub fn k1_mv(d: &K1In, out: &mut [L32]) {
    if target_cfg_f!(target_feature = "avx512f") {
        k1_arrays::<24>(d, out)
    } else if target_cfg_f!(target_feature = "avx2") {
        k1_arrays::<6>(d, out)
    } else {
        k1_arrays::<8>(d, out)
    }
}

#[multiversion(targets("x86_64+avx2+fma"))]
pub fn k1_mv_avx2(d: &K1In, out: &mut [L32]) {
    if target_cfg_f!(target_feature = "avx2") {
        k1_arrays::<6>(d, out)
    } else {
        k1_arrays::<8>(d, out)
    }
}

#[multiversion(targets("x86_64+avx512f+fma", "x86_64+avx2+fma"))]
pub fn k2_mv(d: &K2In, row: &mut [L32], alpha: &mut L32) {
    k2_arrays(d, row, alpha)
}

#[multiversion(targets("x86_64+avx2+fma"))]
pub fn k2_mv_avx2(d: &K2In, row: &mut [L32], alpha: &mut L32) {
    k2_arrays(d, row, alpha)
}

// -------------------------------------------------- multiversion over `wide` types

#[multiversion(targets("x86_64+avx512f+fma", "x86_64+avx2+fma"))]
pub fn k1_mv_wide(d: &K1In, out: &mut [L32]) {
    if target_cfg_f!(target_feature = "avx512f") {
        wide_v::k1_acc::<24>(d, out)
    } else {
        wide_v::k1_acc::<6>(d, out)
    }
}

#[multiversion(targets("x86_64+avx2+fma"))]
pub fn k1_mv_wide_avx2(d: &K1In, out: &mut [L32]) {
    wide_v::k1_acc::<6>(d, out)
}

#[multiversion(targets("x86_64+avx512f+fma", "x86_64+avx2+fma"))]
pub fn k2_mv_wide(d: &K2In, row: &mut [L32], alpha: &mut L32) {
    wide_v::k2_inl(d, row, alpha)
}

#[multiversion(targets("x86_64+avx2+fma"))]
pub fn k2_mv_wide_avx2(d: &K2In, row: &mut [L32], alpha: &mut L32) {
    wide_v::k2_inl(d, row, alpha)
}

/// Exploration: the AVX-512 clone over arrays with a chosen accumulator count.
#[multiversion(targets("x86_64+avx512f+fma"))]
pub fn k1_mv_acc(acc: usize, d: &K1In, out: &mut [L32]) {
    match acc {
        4 => k1_arrays::<4>(d, out),
        6 => k1_arrays::<6>(d, out),
        8 => k1_arrays::<8>(d, out),
        12 => k1_arrays::<12>(d, out),
        _ => k1_arrays::<24>(d, out),
    }
}
