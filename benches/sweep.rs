//! Benchmarks of sweeps (run with `cargo bench --bench sweep`).
//!
//! - `study_10k`: one flagship study of 10,000 runs through the engine (the baseline);
//! - `sweep_10x1k`: a sweep of 10 design points × 1,000 runs of the flagship (10,000 runs in
//!   all), evaluated as `entente sweep` does: whole points per worker thread, common random
//!   numbers, each point's rows formatted;
//!
//! both on 1 and 2 threads. Their ratio is what a sweep costs per run beyond `entente run`
//! (the target: within 10 % at 1,000 runs per point). `docs/performance.md` ("Sweeps").

use entente::engine::{self, Study};
use entente::experiment::design::{Design, Factor, generate};
use entente::experiment::sweep::{StudyEvaluator, evaluate_points, pairs_of, workers_for};
use entente::scenario::{self, FLAGSHIP_NAME, FLAGSHIP_TOML, Scenario};

fn main() {
    divan::main();
}

fn flagship() -> Scenario {
    scenario::parse(FLAGSHIP_TOML, FLAGSHIP_NAME).expect("the flagship is valid")
}

#[divan::bench(args = [1, 2], sample_count = 10)]
fn study_10k(bencher: divan::Bencher, threads: usize) {
    let s = flagship();
    bencher.bench(|| {
        let study = Study {
            scenario: &s,
            params: s.params.clone(),
            seed: 1,
            runs: 0..10_000,
            threads,
        };
        divan::black_box(engine::run(&study, &|_| {}, None).expect("runs"))
    });
}

#[divan::bench(args = [1, 2], sample_count = 10)]
fn sweep_10x1k(bencher: divan::Bencher, threads: usize) {
    let s = flagship();
    let factors = vec![Factor::parse("d0=900:1100").expect("a factor")];
    let design = Design::parse("grid:10").expect("a design");
    let points = generate(&design, &factors, &[], 1).expect("points");
    let pairs = pairs_of(&s, &[]).expect("all pairs");
    let (workers, per_point) = workers_for(points.points.len(), threads);
    bencher.bench(|| {
        let eval = StudyEvaluator {
            base: &s,
            theory: None,
            set: Vec::new(),
            factors: &factors,
            runs: 1000,
            seed: 1,
            threads: per_point,
            pairs: pairs.clone(),
        };
        let mut bytes = 0;
        let mut sink = |_p: usize, block: String| {
            bytes += block.len();
            Ok(())
        };
        evaluate_points(
            &eval,
            &points.points,
            0..points.points.len(),
            workers,
            &|_| {},
            &mut sink,
        )
        .expect("the sweep runs");
        bytes
    });
}
