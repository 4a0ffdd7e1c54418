//! `exp` in every lane, giving exactly the bits of the `libm` crate's [`libm::exp`].
//!
//! The algorithm is fdlibm's `e_exp.c` (Sun Microsystems; via FreeBSD's msun), as ported to
//! Rust in the `libm` crate (`src/math/exp.rs`). Its steps, for one lane:
//!
//! 1. reduction: `x = k·ln2 + r` with `|r| ≤ ln2/2`, where `r` is carried as `hi − lo`,
//!    `hi = x − k·ln2hi` (exact, `ln2hi` has trailing zero bits) and `lo = k·ln2lo`;
//!    `k = trunc(x/ln2 ± 1/2)` when `|x| ≥ 1.5·ln2`, `k = ±1` (the sign of `x`) when
//!    `ln2/2 < |x| < 1.5·ln2`, `k = 0` below; the thresholds are compared on the high 32
//!    bits of `|x|` only, which here becomes a comparison of `|x|` with the smallest
//!    number whose high word passes the test;
//! 2. a degree-5 polynomial in `r²` gives `c`, and `y = 1 + (r·c/(2 − c) − lo + hi)`;
//! 3. the result is `y·2^k` (`scalbn`), or `1 + x` when `|x| ≤ 2^-28` (high word).
//!
//! Here every lane goes through every step with the same constants and the same IEEE
//! operations in the same order (never a fused multiply-add); libm's branches become
//! per-lane selects. `k = 0` needs no special case: its `hi`, `lo` and `r` are `x`, `+0`
//! and `x` as in libm, and multiplying by `2^0` is exact.
//!
//! **Fast path and fallback.** When every lane is a number with `|x| <` [`FAST_LIMIT`]
//! (708), `|k| ≤ 1021` and `y` lies in about `[0.7, 1.42]`, so `y·2^k` is a normal number
//! and `scalbn(y, k)` is the one exact multiplication by `2^k` done here
//! ([`Simd::pow2i`]). A vector with any other lane (NaN, ±∞, `|x| ≥ 708`: results near or
//! past overflow, subnormal or zero, which libm handles with extra branches) is computed
//! as usual and its out-of-range lanes are then replaced by scalar `libm::exp` calls.

use crate::simd::{Lanes64 as Lanes, Simd64 as Simd, W64 as W};

/// `ln2` rounded to 32 significant bits (`0x3fe62e42_fee00000`): `k·LN2HI` is exact.
const LN2HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// `ln2 − LN2HI` (`0x3dea39ef_35793c76`).
const LN2LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// `1/ln2` (`0x3ff71547_652b82fe`).
const INVLN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
/// The coefficients of the polynomial of step 2 (Remez, error below 2^-59).
const P1: f64 = f64::from_bits(0x3fc5_5555_5555_553e);
const P2: f64 = f64::from_bits(0xbf66_c16c_16be_bd93);
const P3: f64 = f64::from_bits(0x3f11_566a_af25_de2c);
const P4: f64 = f64::from_bits(0xbebb_bd41_c5d2_6bf1);
const P5: f64 = f64::from_bits(0x3e66_3769_72be_a4d0);

/// The least `|x|` whose high word exceeds `0x3fd62e42` (libm's `|x| > ln2/2`): `k ≠ 0`
/// from here on.
const NEAR: f64 = f64::from_bits(0x3fd6_2e43_0000_0000);
/// The least `|x|` whose high word is at least `0x3ff0a2b2` (libm's `|x| ≥ 1.5·ln2`): `k`
/// is computed from `x/ln2` from here on.
const FAR: f64 = f64::from_bits(0x3ff0_a2b2_0000_0000);
/// The least `|x|` whose high word exceeds `0x3e300000` (libm's `|x| > 2^-28`): below it
/// the result is `1 + x`.
const TINY: f64 = f64::from_bits(0x3e30_0001_0000_0000);

/// The fast path takes a vector whose lanes all have `|x| < FAST_LIMIT` (NaN never does).
/// It lies below libm's first special case (`|x| ≥ 708.39…`, high word `0x4086232b`), and
/// keeps every result a normal number: `e^±708` is about `10^±307.5`.
pub const FAST_LIMIT: f64 = 708.0;

/// Every lane's bit in a [`Simd::bits`] mask.
const ALL: u32 = (1 << W) - 1;

/// `libm::exp` in every lane of `x`, bit for bit.
#[inline(always)]
pub fn exp<S: Simd>(s: S, x: S::V) -> S::V {
    let ax = s.abs(x);
    let y = reduced(s, x, ax);
    let fast = s.bits(s.lt(ax, s.splat(FAST_LIMIT)));
    if fast == ALL {
        y
    } else {
        let (mut xs, mut ys) = (Lanes::default(), Lanes::default());
        s.store(&mut xs, x);
        s.store(&mut ys, y);
        scalar_lanes(&xs, &mut ys, fast);
        s.load(&ys)
    }
}

/// Steps 1–3 in every lane, right where `|x| <` [`FAST_LIMIT`]; `ax` is `|x|`.
#[inline(always)]
fn reduced<S: Simd>(s: S, x: S::V, ax: S::V) -> S::V {
    let (zero, one, two) = (s.splat(0.0), s.splat(1.0), s.splat(2.0));
    // The sign bit of `x` where libm reads it: `x` is not zero there (and never NaN on the
    // fast path), so `x < 0` is the sign bit.
    let neg = s.lt(x, zero);
    let half = s.select(neg, s.splat(-0.5), s.splat(0.5));
    // `(INVLN2 * x + HALF[sign]) as i32`: truncation, and |k| ≤ 1022 fits an i32.
    let k_far = s.trunc(s.add(s.mul(s.splat(INVLN2), x), half));
    let k_near = s.select(neg, s.splat(-1.0), one);
    let k = s.select(
        s.ge(ax, s.splat(FAR)),
        k_far,
        s.select(s.ge(ax, s.splat(NEAR)), k_near, zero),
    );
    let hi = s.sub(x, s.mul(k, s.splat(LN2HI)));
    let lo = s.mul(k, s.splat(LN2LO));
    let r = s.sub(hi, lo);
    let rr = s.mul(r, r);
    let poly = s.add(s.splat(P4), s.mul(rr, s.splat(P5)));
    let poly = s.add(s.splat(P3), s.mul(rr, poly));
    let poly = s.add(s.splat(P2), s.mul(rr, poly));
    let poly = s.add(s.splat(P1), s.mul(rr, poly));
    let c = s.sub(r, s.mul(rr, poly));
    let q = s.div(s.mul(r, c), s.sub(two, c));
    let y = s.add(one, s.add(s.sub(q, lo), hi));
    let scaled = s.mul(y, s.pow2i(k));
    s.select(s.lt(ax, s.splat(TINY)), s.add(one, x), scaled)
}

/// Replaces `y` by scalar `libm::exp(x)` in the lanes whose bit of `fast` is clear.
#[cold]
#[inline(never)]
fn scalar_lanes(x: &Lanes, y: &mut Lanes, fast: u32) {
    for l in 0..W {
        if (fast >> l) & 1 == 0 {
            y.0[l] = libm::exp(x.0[l]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::{Kernel, Simd32, VectorUnits, dispatch};
    use proptest::prelude::*;

    /// `exp` with the given units; the SIMD ones are called through a function compiled
    /// for their feature, as the engine does.
    fn vexp(units: VectorUnits, x: &Lanes) -> Lanes {
        struct Exp<'a>(&'a Lanes);
        impl Kernel for Exp<'_> {
            type Output = Lanes;
            #[inline(always)]
            fn run<S: Simd + Simd32>(self, s: S) -> Lanes {
                let mut out = Lanes::default();
                Simd::store(s, &mut out, exp(s, Simd::load(s, self.0)));
                out
            }
        }
        dispatch(units, Exp(x))
    }

    /// Compares every available backend with `libm::exp` on `xs`, eight at a time (the last
    /// vector padded with its own values rotated); returns the first mismatch.
    fn mismatch(xs: &[f64]) -> Option<String> {
        if xs.is_empty() {
            return None;
        }
        for units in VectorUnits::available() {
            for (i, chunk) in xs.chunks(W).enumerate() {
                let x = Lanes(std::array::from_fn(|l| chunk[(l + i) % chunk.len()]));
                let got = vexp(units, &x);
                for l in 0..W {
                    let want = libm::exp(x.0[l]);
                    if got.0[l].to_bits() != want.to_bits() {
                        return Some(format!(
                            "{units:?} lane {l}: exp({:e} = {:#018x}) = {:e}, libm {:e}",
                            x.0[l],
                            x.0[l].to_bits(),
                            got.0[l],
                            want
                        ));
                    }
                }
            }
        }
        None
    }

    fn assert_same(xs: &[f64]) {
        if let Some(m) = mismatch(xs) {
            panic!("{m}");
        }
    }

    /// `x` and its neighbours by up to `n` ulps on either side, with both signs.
    fn around(x: f64, n: u64, out: &mut Vec<f64>) {
        for s in [x.abs(), -x.abs()] {
            let b = s.to_bits();
            for d in 0..=n {
                out.push(f64::from_bits(b + d));
                if b >= d {
                    out.push(f64::from_bits(b - d));
                }
            }
        }
    }

    /// A splitmix64 generator: a fixed sequence on every machine.
    struct Mix(u64);

    impl Mix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        /// Uniform in `[lo, hi)`.
        fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
        }
    }

    // The literals are written as in libm's source, digits beyond f64's precision included.
    #[allow(clippy::excessive_precision, clippy::approx_constant)]
    #[test]
    fn constants_are_libms() {
        // The decimal values of libm's source, read back as doubles.
        assert_eq!(LN2HI, 6.93147180369123816490e-01);
        assert_eq!(LN2LO, 1.90821492927058770002e-10);
        assert_eq!(INVLN2, 1.44269504088896338700e+00);
        assert_eq!(P1, 1.66666666666666019037e-01);
        assert_eq!(P2, -2.77777777770155933842e-03);
        assert_eq!(P3, 6.61375632143793436117e-05);
        assert_eq!(P4, -1.65339022054652515390e-06);
        assert_eq!(P5, 4.13813679705723846039e-08);
        assert!(FAST_LIMIT < f64::from_bits(0x4086_232b_0000_0000));
    }

    // libm's thresholds are written as in its source, with more digits than f64 holds.
    #[allow(clippy::excessive_precision)]
    #[test]
    fn branch_boundaries() {
        let mut xs = Vec::new();
        // libm's thresholds as values and as high words, and where its branches really
        // switch (the least |x| with a larger high word), each ± a few ulps.
        for t in [
            0.5 * std::f64::consts::LN_2,
            1.5 * std::f64::consts::LN_2,
            NEAR,
            f64::from_bits(0x3fd6_2e42_ffff_ffff),
            FAR,
            f64::from_bits(0x3ff0_a2b1_ffff_ffff),
            TINY,
            f64::from_bits(0x3e30_0000_ffff_ffff),
            2f64.powi(-28),
            FAST_LIMIT,
            f64::from_bits(0x4086_232b_0000_0000),
            708.39641853226410622,
            709.782712893383973096,
            745.13321910194110842,
            -(2f64.powi(-1022)).ln(),
            1074.0 * std::f64::consts::LN_2,
            f64::MIN_POSITIVE,
            f64::MAX,
        ] {
            around(t, 4, &mut xs);
        }
        // Where k = trunc(x/ln2 ± 1/2) changes: x ≈ (j + 1/2)·ln2, every j of the fast path.
        for j in 0..1022 {
            around((j as f64 + 0.5) * std::f64::consts::LN_2, 2, &mut xs);
            // And the exact cases: x = j·ln2 (r = 0 in real numbers).
            around(j as f64 * std::f64::consts::LN_2, 1, &mut xs);
        }
        // libm compares high words, so its branches switch a little away from ln2/2,
        // 1.5·ln2 and 2^-28: many values from each gap, with both signs.
        let mut m = Mix(1);
        for (lo, hi) in [
            (0x3fd6_2e42_fe00_0000_u64, 0x3fd6_2e43_0100_0000_u64),
            (0x3ff0_a2b1_ff00_0000, 0x3ff0_a2b2_4000_0000),
            (0x3e2f_ffff_ff00_0000, 0x3e30_0001_0100_0000),
        ] {
            for _ in 0..20_000 {
                let x = f64::from_bits(lo + m.next() % (hi - lo));
                xs.extend([x, -x]);
            }
        }
        assert_same(&xs);
    }

    #[test]
    fn constant_witnesses() {
        // Inputs where making one of libm's constants one ulp larger or smaller changes
        // libm's result (found by searching with a scalar port of its algorithm): LN2HI,
        // P1, P2, P3. (A one-ulp change of LN2LO, P4 or P5 changed no result in 3·10^8
        // tries; `constants_are_libms` checks those constants' bits.)
        let xs = [
            0xbff8_fcaa_03bc_ddb0,
            0xc074_875e_8f20_7a5a,
            0x3ff8_ae10_4144_19a2,
            0x407d_6084_9a21_1c60,
            0x3ff0_af89_3fb1_13a4,
            0x3fd5_a1b8_da80_e8a8,
            0x3ffb_5c52_dabb_2488,
            0x3ffb_614b_d04c_275c,
            0x4076_a225_22f8_82e4,
            0x4085_320a_4ad2_0314,
            0xbfd4_4942_60bb_8098,
            0xc084_0614_4504_5f74,
            0x407c_913e_3339_3f81,
            0x407a_cbab_aa21_b905,
            0xc07b_a803_cab3_ecb4,
            0xc081_039c_8759_102c,
        ];
        assert_same(&xs.map(f64::from_bits));
    }

    #[test]
    fn special_values() {
        let xs = [
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7ff0_0000_0000_0001),
            f64::from_bits(0x7ff8_dead_beef_0001),
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
            -5e-324,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 3.0,
            -f64::MIN_POSITIVE / 7.0,
            f64::MAX,
            f64::MIN,
            1e-300,
            -1e-20,
            1.0,
            -1.0,
        ];
        assert_same(&xs);
        // Each special value alone among fast lanes, in every position.
        for &odd in &xs {
            for l in 0..W {
                let mut x = Lanes(std::array::from_fn(|i| 0.1 * i as f64 - 0.35));
                x.0[l] = odd;
                assert_same(&x.0);
            }
        }
    }

    #[test]
    fn mixed_fast_and_fallback_lanes() {
        let mut m = Mix(7);
        for _ in 0..20_000 {
            // Each lane is engine-like, or huge, or overflowing, or not a number.
            let x: [f64; W] = std::array::from_fn(|_| match m.next() % 6 {
                0 => m.uniform(-800.0, 800.0),
                1 => m.uniform(-760.0, -700.0),
                2 => m.uniform(700.0, 720.0),
                3 => [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0][(m.next() % 4) as usize],
                _ => m.uniform(-2.0, 2.0),
            });
            assert_same(&x);
        }
    }

    #[test]
    fn fixed_seed_sweep() {
        let mut m = Mix(2018);
        let mut xs = Vec::with_capacity(1 << 20);
        for i in 0..(1 << 20) {
            xs.push(match i % 4 {
                0 => m.uniform(-750.0, 750.0),
                1 => m.uniform(-20.0, 20.0),
                2 => m.uniform(-0.5, 0.5),
                _ => m.uniform(-2.0, 2.0),
            });
        }
        // Engine-like inputs: (g − s²/2)·dt + s·√dt·z.
        for _ in 0..(1 << 18) {
            let (g, s, dt) = (
                m.uniform(-0.1, 0.1),
                m.uniform(0.0, 0.5),
                m.uniform(0.01, 1.0),
            );
            let z = m.uniform(-6.0, 6.0);
            xs.push((g - 0.5 * s * s) * dt + s * dt.sqrt() * z);
        }
        // Tiny and small magnitudes, spread over their exponents.
        for e in -80..2 {
            for _ in 0..64 {
                let x = m.uniform(1.0, 2.0) * 2f64.powi(e);
                xs.push(if m.next() & 1 == 0 { x } else { -x });
            }
        }
        assert_same(&xs);
    }

    proptest! {
        #[test]
        fn random_bits(x in prop::array::uniform8(any::<u64>())) {
            let x = x.map(f64::from_bits);
            prop_assert!(mismatch(&x).is_none(), "{:?}", mismatch(&x));
        }

        #[test]
        fn random_values(x in prop::array::uniform8(any::<f64>())) {
            prop_assert!(mismatch(&x).is_none(), "{:?}", mismatch(&x));
        }

        #[test]
        fn random_in_range(x in prop::array::uniform8(-750.0..750.0f64)) {
            prop_assert!(mismatch(&x).is_none(), "{:?}", mismatch(&x));
        }

        #[test]
        fn random_engine_like(x in prop::array::uniform8(-2.0..2.0f64)) {
            prop_assert!(mismatch(&x).is_none(), "{:?}", mismatch(&x));
        }
    }
}
