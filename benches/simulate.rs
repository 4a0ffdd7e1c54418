//! Benchmarks of the model and the Monte Carlo engine (run with `cargo bench`).
//!
//! - `flagship_run`: one run of the flagship scenario (17 states, 48 steps) alone, as
//!   `explain` simulates it (the engine's step with one active lane of sixteen);
//! - `flagship_lanes`: sixteen flagship runs at once by the engine's lane simulator, with each
//!   build of the step this CPU can run (portable, AVX2, AVX-512): divide by 16 for the cost
//!   of a run in a study;
//! - `flagship_recorded`: 256 flagship runs as an engine worker simulates and records them
//!   (lane simulator, recorder with one flush, end-of-run statistics): against
//!   `flagship_lanes` (× 16), what recording costs;
//! - `flagship_study`: 10^4 flagship runs through the engine, 1 and 2 threads;
//! - `synthetic_run` / `synthetic_lanes`: one run alone / sixteen runs (widest units) of a
//!   synthetic scenario of n = 10, 20, 40, 80 states, to show how cost grows with n (the
//!   camp-threat and intent sums are O(n³) per step).
//!
//! `docs/performance.md` explains how to read the figures as ratios.

use entente::engine::{self, Study};
use entente::model::lanes::{LaneObserver, LaneWorld, W};
use entente::model::{LaneSimulator, NoObserver, Simulator, VectorUnits};
use entente::scenario::{self, FLAGSHIP_NAME, FLAGSHIP_TOML, Scenario};
use entente::stats::{LaneRecorder, PENDING_SLOTS, StudyStats};

fn main() {
    divan::main();
}

fn flagship() -> Scenario {
    scenario::parse(FLAGSHIP_TOML, FLAGSHIP_NAME).expect("the flagship is valid")
}

/// A valid scenario of `n` states on a ring of capitals, with a few alliances and rivalries,
/// deterministic (no randomness), 12 years at dt = 0.25 like the flagship.
pub fn synthetic(n: usize) -> Scenario {
    let mut t = String::from(
        "[scenario]\nname = \"synthetic\"\nstart_year = 2000\nhorizon = 12\ndt = 0.25\n",
    );
    for i in 0..n {
        let power = 1.0 + (i * 7 % 11) as f64;
        let lon = -180.0 + 360.0 * i as f64 / n as f64;
        let lat = 40.0 * ((i * 13 % 17) as f64 / 17.0 - 0.5);
        let offense = 0.2 + 0.6 * ((i * 5 % 7) as f64 / 7.0);
        let aggression = 0.1 + 0.8 * ((i * 3 % 10) as f64 / 10.0);
        t += &format!(
            "[[state]]\nid = \"S{i:03}\"\npower = {power}\ngdp = {power}\noffense = {offense}\naggression = {aggression}\n\
             lat = {lat}\nlon = {lon}\ngrowth = 0.02\nvolatility = 0.03\nautonomy = 0.2\n"
        );
    }
    for i in 0..n {
        for k in (i + 1..n).filter(|k| (i + k) % 5 == 0) {
            let alignment = if (i * k) % 3 == 0 { 0.7 } else { -0.4 };
            t += &format!(
                "[[pair]]\nstates = [\"S{i:03}\", \"S{k:03}\"]\ntrade = {}\nmistrust = 0.2\nalignment = {alignment}\n",
                (i + k) % 9
            );
        }
    }
    scenario::parse(&t, "synthetic.toml").expect("the synthetic scenario is valid")
}

#[divan::bench]
fn flagship_run(b: divan::Bencher) {
    let s = flagship();
    let mut sim = Simulator::new(&s, &s.params);
    let mut r = 0;
    b.bench_local(|| {
        r += 1;
        sim.run(r, 2018, &mut NoObserver)
    });
}

/// Observes nothing (the lane simulator's counterpart of `NoObserver`).
struct Quiet;

impl LaneObserver for Quiet {
    fn observe(&mut self, _: VectorUnits, _: usize, _: &LaneWorld, _: usize) {}
}

#[divan::bench(args = VectorUnits::available_names())]
fn flagship_lanes(b: divan::Bencher, units: &str) {
    let s = flagship();
    let units = VectorUnits::from_name(units).unwrap_or(VectorUnits::Portable);
    let mut sim = LaneSimulator::with_units(&s, &s.params, units);
    let mut r = 0;
    b.bench_local(|| {
        r += W as u64;
        sim.run(r, W, 2018, &mut Quiet)
    });
}

/// What one engine worker does for 256 flagship runs (16 groups of sixteen): the lane
/// simulator (widest units) with the engine's recorder, one flush of its pending histogram
/// bins, and each run's end-of-run statistics. Many short samples, so the fastest is a
/// steady figure; against `flagship_lanes` it shows what recording costs.
#[divan::bench(sample_count = 60, sample_size = 1)]
fn flagship_recorded(b: divan::Bencher) {
    let s = flagship();
    let mut sim = LaneSimulator::new(&s, &s.params);
    let mut stats = StudyStats::new(s.n(), s.steps, s.events.len(), &s.params);
    let mut rec = LaneRecorder::new(&mut stats);
    let mut r = 0;
    b.bench_local(|| {
        for _ in 0..PENDING_SLOTS / W {
            for out in sim.run(r, W, 2018, &mut rec) {
                rec.stats().finish_run(&out);
            }
            r += W as u64;
        }
    });
}

#[divan::bench(args = [1, 2], sample_count = 3, sample_size = 1)]
fn flagship_study(b: divan::Bencher, threads: usize) {
    let s = flagship();
    let study = Study {
        scenario: &s,
        params: s.params.clone(),
        seed: 2018,
        runs: 0..10_000,
        threads,
    };
    b.bench(|| engine::run(&study, &|_| {}, None).expect("runs"));
}

#[divan::bench(args = [10, 20, 40, 80])]
fn synthetic_run(b: divan::Bencher, n: usize) {
    let s = synthetic(n);
    let mut sim = Simulator::new(&s, &s.params);
    let mut r = 0;
    b.bench_local(|| {
        r += 1;
        sim.run(r, 1, &mut NoObserver)
    });
}

#[divan::bench(args = [10, 20, 40, 80])]
fn synthetic_lanes(b: divan::Bencher, n: usize) {
    let s = synthetic(n);
    let mut sim = LaneSimulator::new(&s, &s.params);
    let mut r = 0;
    b.bench_local(|| {
        r += W as u64;
        sim.run(r, W, 1, &mut Quiet)
    });
}
