//! Benchmarks of the random streams (run with `cargo bench --bench random`).
//!
//! Every benchmark produces 1024 lane vectors (`U64Lanes`, one 64-bit output of each of
//! eight runs' streams); divan's throughput column is lane vectors per second, and the time
//! divided by 1024 is the cost of one lane vector.
//!
//! - `rand_chacha_x8`: eight `ChaCha8Rng`s (`run_rng`), `next_u64` on each, per vector;
//! - `lanes_fill`: `ChaChaLanes::fill` of the 1024 vectors at once;
//! - `lanes_next`: `ChaChaLanes::next_u64s` called 1024 times;
//!
//! the last two in each build of the vector units this CPU can run (through
//! `entente::simd::dispatch`, as the engine's step is run).

use divan::counter::ItemsCount;
use entente::model::chacha_lanes::{ChaChaLanes, U64Lanes};
use entente::model::random::run_rng;
use entente::simd::{Kernel, Simd32, Simd64, VectorUnits, W64 as W};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

fn main() {
    divan::main();
}

/// Lane vectors per benchmark iteration.
const N: usize = 1024;

const SEED: u64 = 2018;
const STREAMS: [u64; W] = [0, 1, 2, 3, 4, 5, 6, 7];

#[divan::bench]
fn rand_chacha_x8(b: divan::Bencher) {
    let mut rngs: Vec<ChaCha8Rng> = STREAMS.iter().map(|&s| run_rng(SEED, s)).collect();
    let mut out = vec![U64Lanes::default(); N];
    b.counter(ItemsCount::new(N)).bench_local(|| {
        for v in out.iter_mut() {
            for (x, r) in v.0.iter_mut().zip(rngs.iter_mut()) {
                *x = r.next_u64();
            }
        }
        divan::black_box(&mut out);
    });
}

/// `fill` of all of `out` (`NEXT`: `next_u64s` for each of `out`).
struct Draw<'a, const NEXT: bool>(&'a mut ChaChaLanes, &'a mut [U64Lanes]);

impl<const NEXT: bool> Kernel for Draw<'_, NEXT> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd64 + Simd32>(self, _: S) {
        let Self(g, out) = self;
        if NEXT {
            for v in out.iter_mut() {
                *v = g.next_u64s();
            }
        } else {
            g.fill(out);
        }
    }
}

/// `fill` of all of `out` in the build `units`.
fn fill_in(units: &str, g: &mut ChaChaLanes, out: &mut [U64Lanes]) {
    let units = VectorUnits::from_name(units).unwrap_or(VectorUnits::Portable);
    entente::simd::dispatch(units, Draw::<false>(g, out));
}

/// `next_u64s` for each of `out` in the build `units`.
fn next_in(units: &str, g: &mut ChaChaLanes, out: &mut [U64Lanes]) {
    let units = VectorUnits::from_name(units).unwrap_or(VectorUnits::Portable);
    entente::simd::dispatch(units, Draw::<true>(g, out));
}

#[divan::bench(args = VectorUnits::available_names())]
fn lanes_fill(b: divan::Bencher, units: &str) {
    let mut g = ChaChaLanes::new(SEED, STREAMS);
    let mut out = vec![U64Lanes::default(); N];
    b.counter(ItemsCount::new(N)).bench_local(|| {
        fill_in(units, &mut g, &mut out);
        divan::black_box(&mut out);
    });
}

#[divan::bench(args = VectorUnits::available_names())]
fn lanes_next(b: divan::Bencher, units: &str) {
    let mut g = ChaChaLanes::new(SEED, STREAMS);
    let mut out = vec![U64Lanes::default(); N];
    b.counter(ItemsCount::new(N)).bench_local(|| {
        next_in(units, &mut g, &mut out);
        divan::black_box(&mut out);
    });
}
