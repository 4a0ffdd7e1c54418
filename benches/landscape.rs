//! Benchmarks of landscape search (run with `cargo bench --bench landscape`).
//!
//! - `exact_basins`: every configuration of a random landscape of 16 / 20 / 24 actors, with
//!   the steepest-descent basins, on 1 and 2 threads;
//! - `exact_minima`: the local minima alone, 20 / 24 / 28 actors, on 1 and 2 threads (30
//!   actors takes about a few seconds a sample: measured with the command in
//!   `docs/performance.md` instead);
//! - `approximate`: 10,000 steepest descents from random starts, 30 / 100 actors.
//!
//! `docs/performance.md` ("Landscapes") reports the figures.

use entente::landscape::search::{self, Weights};
use entente::landscape::{Actor, Landscape};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    divan::main();
}

/// A landscape of `n` actors, sizes in (0.05, 1.05), propensities uniform in (−1, 1).
fn random(n: usize) -> Landscape {
    let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
    let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let actors = (0..n)
        .map(|i| Actor {
            id: format!("a{i}"),
            name: format!("a{i}"),
            size: 0.05 + u(),
            source: None,
            note: None,
        })
        .collect();
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let v = 2.0 * u() - 1.0;
            p[i * n + j] = v;
            p[j * n + i] = v;
        }
    }
    Landscape {
        name: "bench".into(),
        title: String::new(),
        actors,
        p,
        defaulted: 0,
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

#[divan::bench(args = [16, 20, 24], consts = [1, 2], sample_count = 3, sample_size = 1)]
fn exact_basins<const THREADS: usize>(bencher: divan::Bencher, n: usize) {
    let wt = Weights::new(&random(n));
    let pool = pool(THREADS);
    bencher.bench(|| pool.install(|| search::exact(&wt, true, 1000).expect("exact")));
}

#[divan::bench(args = [20, 24, 28], consts = [1, 2], sample_count = 3, sample_size = 1)]
fn exact_minima<const THREADS: usize>(bencher: divan::Bencher, n: usize) {
    let wt = Weights::new(&random(n));
    let pool = pool(THREADS);
    bencher.bench(|| pool.install(|| search::exact(&wt, false, 1000).expect("exact")));
}

#[divan::bench(args = [30, 100], sample_count = 3, sample_size = 1)]
fn approximate(bencher: divan::Bencher, n: usize) {
    let wt = Weights::new(&random(n));
    let pool = pool(2);
    bencher.bench(|| pool.install(|| search::approximate(&wt, 1, 10_000, 1000).expect("approx")));
}
