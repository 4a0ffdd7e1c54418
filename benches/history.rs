//! Benchmarks of history and backtests (run with `cargo bench --bench history`).
//!
//! - `load_data`: reading the embedded data sets (4 MB of CSV) into typed tables;
//! - `backtest_majors`: the backtest of the target, 20 start years (1880–1975 every
//!   5) × the major powers (5 to 8 states) × 2,000 runs, horizon 10, on 1 and 2 threads:
//!   data, scenario building, simulation, coding and scoring;
//! - `simulate_only`: the same 20 studies, scenarios built beforehand: the baseline that
//!   shows what the backtest adds to the simulation itself.
//!
//! `docs/performance.md` ("Backtests") reports the figures as ratios.

use entente::engine::{self, Study};
use entente::history::backtest::{self, BacktestOptions, parse_years};
use entente::history::build::{self, Assumptions, BuildOptions};
use entente::history::coding::Coding;
use entente::history::data::HistoryData;
use entente::history::score::score_table;
use entente::history::select::Spec;
use entente::scenario::Scenario;

fn main() {
    divan::main();
}

const RUNS: u64 = 2000;

fn options(threads: usize) -> BacktestOptions {
    BacktestOptions {
        years: parse_years("1880:1975:5").expect("valid years"),
        horizons: vec![10],
        spec: Spec::parse("majors").expect("valid spec"),
        runs: RUNS,
        seed: 1,
        theory: None,
        set: Vec::new(),
        coding: Coding::default(),
        assumptions: Assumptions::default(),
        threads,
    }
}

#[divan::bench(sample_count = 10)]
fn load_data() -> HistoryData {
    HistoryData::embedded().expect("the embedded data read")
}

#[divan::bench(args = [1, 2], sample_count = 5)]
fn backtest_majors(bencher: divan::Bencher, threads: usize) {
    let o = options(threads);
    bencher.bench(|| {
        let d = HistoryData::embedded().expect("the embedded data read");
        let b = backtest::run(&d, &o, &|_| {}).expect("the backtest runs");
        score_table(&b.forecasts)
    });
}

#[divan::bench(args = [1, 2], sample_count = 5)]
fn simulate_only(bencher: divan::Bencher, threads: usize) {
    let d = HistoryData::embedded().expect("the embedded data read");
    let o = options(threads);
    let scenarios: Vec<Scenario> = o
        .years
        .iter()
        .map(|&year| {
            let codes = o.spec.resolve(&d, year).expect("majors resolve");
            let opts = BuildOptions {
                year,
                horizon: 10.0,
                name: None,
                spec: o.spec.text.clone(),
                coding: o.coding,
                assumptions: Assumptions::default(),
                command: String::new(),
            };
            build::build(&d, &codes, &opts).expect("builds").scenario
        })
        .collect();
    bencher.bench(|| {
        for s in &scenarios {
            let study = Study {
                scenario: s,
                params: s.params.clone(),
                seed: 1,
                runs: 0..RUNS,
                threads,
            };
            divan::black_box(engine::run(&study, &|_| {}, None).expect("runs"));
        }
    });
}
