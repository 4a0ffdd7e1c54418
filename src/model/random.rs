//! Random numbers of a run, reproducible on every machine.
//!
//! The stream of run `r` under master seed `s` is ChaCha8 keyed by `seed_from_u64(s)` with
//! stream number `r` (`set_stream`), so it depends on `(s, r)` only. Uniforms and normals are
//! built from its 64-bit outputs with IEEE arithmetic and the pure-Rust `libm` crate (never
//! the platform's math library, whose `exp`/`log` may differ in the last bit between CPUs and
//! C libraries), so the same seed gives the same bits on any machine.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random generator of one run: ChaCha8 keyed by the master seed, stream = run index.
pub fn run_rng(seed: u64, run_index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(run_index);
    rng
}

/// A uniform number in [0, 1) from the top 53 bits of one 64-bit output.
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal numbers by Marsaglia's polar method, produced in pairs: each call
/// returns the next number of the sequence, drawing a new pair (two uniforms per attempt,
/// `u, v ∈ (−1, 1)`, accepted when `0 < s = u² + v² < 1`) only when the previous pair is used up.
#[derive(Debug, Clone, Default)]
pub struct Normals {
    spare: Option<f64>,
}

impl Normals {
    /// A fresh sequence (no pending number).
    pub fn new() -> Self {
        Self { spare: None }
    }

    /// The next standard normal number.
    #[inline]
    pub fn next<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        loop {
            let u = 2.0 * uniform(rng) - 1.0;
            let v = 2.0 * uniform(rng) - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * libm::log(s) / s).sqrt();
                self.spare = Some(v * f);
                return u * f;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normals_have_mean_zero_and_unit_variance() {
        let mut rng = run_rng(3, 1);
        let mut z = Normals::new();
        let n = 200_000;
        let (mut s1, mut s2, mut tail) = (0.0, 0.0, 0u32);
        for _ in 0..n {
            let x = z.next(&mut rng);
            s1 += x;
            s2 += x * x;
            if x.abs() > 1.959964 {
                tail += 1;
            }
        }
        let mean = s1 / n as f64;
        let var = s2 / n as f64 - mean * mean;
        // Standard errors: mean 1/sqrt(n) = 0.0022; variance sqrt(2/n) = 0.0032; tail share
        // sqrt(.05·.95/n) = 0.00049. Bounds are five standard errors.
        assert!(mean.abs() < 0.011, "{mean}");
        assert!((var - 1.0).abs() < 0.016, "{var}");
        assert!((tail as f64 / n as f64 - 0.05).abs() < 0.0025, "{tail}");
    }

    #[test]
    fn uniforms_lie_in_the_unit_interval() {
        let mut rng = run_rng(0, 0);
        assert!(
            (0..10_000)
                .map(|_| uniform(&mut rng))
                .all(|u| (0.0..1.0).contains(&u))
        );
    }
}
