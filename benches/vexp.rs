//! Benchmarks of the vectorised `exp` (run with `cargo bench --bench vexp`).
//!
//! - `scalar_libm`: `libm::exp` on each value, the scalar code that `vexp::exp` replaces;
//! - `vector`: `vexp::exp` on eight values at once, with each build this CPU can run
//!   (portable, AVX2, AVX-512; the SIMD ones inside a function compiled for the feature).
//!
//! Every iteration takes the same [`BATCH`] vectors of engine-like inputs in `[−2, 2]`
//! (all on the fast path): divide the time by `BATCH` for nanoseconds per eight values.

use std::hint::black_box;

use entente::model::vexp;
use entente::simd::{Kernel, Lanes64 as Lanes, Simd32, Simd64 as Simd, VectorUnits, W64 as W};

fn main() {
    divan::main();
}

/// Vectors per iteration.
const BATCH: usize = 64;

/// `BATCH` vectors of inputs like the engine's, `(g − s²/2)·dt + s·√dt·z`, from a fixed
/// sequence.
fn inputs() -> Vec<Lanes> {
    let mut state = 0x2018_u64;
    let mut uniform = move |lo: f64, hi: f64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        lo + (hi - lo) * ((state >> 11) as f64 / (1u64 << 53) as f64)
    };
    (0..BATCH)
        .map(|_| {
            Lanes(std::array::from_fn(|_| {
                let (g, s, dt, z) = (
                    uniform(-0.05, 0.05),
                    uniform(0.0, 0.5),
                    uniform(0.1, 1.0),
                    uniform(-3.0, 3.0),
                );
                ((g - 0.5 * s * s) * dt + s * dt.sqrt() * z).clamp(-2.0, 2.0)
            }))
        })
        .collect()
}

#[divan::bench]
fn scalar_libm(b: divan::Bencher) {
    let xs = inputs();
    let mut out = vec![Lanes::default(); BATCH];
    b.counter(divan::counter::ItemsCount::new(BATCH * W))
        .bench_local(|| {
            for (x, y) in black_box(&xs).iter().zip(out.iter_mut()) {
                for l in 0..W {
                    y.0[l] = libm::exp(x.0[l]);
                }
            }
            black_box(&mut out);
        });
}

/// `vexp::exp` on each vector of `xs`, into `out`.
struct Batch<'a>(&'a [Lanes], &'a mut [Lanes]);

impl Kernel for Batch<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd + Simd32>(self, s: S) {
        for (x, y) in self.0.iter().zip(self.1.iter_mut()) {
            Simd::store(s, y, vexp::exp(s, Simd::load(s, x)));
        }
    }
}

/// [`Batch`] in the build of `units`.
fn batch(units: VectorUnits, xs: &[Lanes], out: &mut [Lanes]) {
    entente::simd::dispatch(units, Batch(xs, out));
}

#[divan::bench(args = VectorUnits::available_names())]
fn vector(b: divan::Bencher, units: &str) {
    let units = VectorUnits::from_name(units).unwrap_or(VectorUnits::Portable);
    let xs = inputs();
    let mut out = vec![Lanes::default(); BATCH];
    // The outputs are libm's, bit for bit (checked once, outside the timing).
    batch(units, &xs, &mut out);
    for (x, y) in xs.iter().zip(&out) {
        for l in 0..W {
            assert_eq!(y.0[l].to_bits(), libm::exp(x.0[l]).to_bits());
        }
    }
    b.counter(divan::counter::ItemsCount::new(BATCH * W))
        .bench_local(|| {
            batch(units, black_box(&xs), &mut out);
            black_box(&mut out);
        });
}
