//! The one step is the same computation in every lane: every run simulated in a group of
//! sixteen must give exactly the outcome of `Simulator::run`, the same run alone in one
//! active lane, whatever its lane, the number of active lanes, and the vector units
//! (portable, AVX2, AVX-512: every build this CPU can run is checked).

use entente::model::lanes::{LaneObserver, LaneWorld, W};
use entente::model::{LaneSimulator, NoObserver, Params, Simulator, Theory, VectorUnits};
use entente::params::ThreatForm;
use entente::scenario::{self, Scenario};
use proptest::prelude::*;

use super::model::arb_scenario;
use super::repo;

/// Observes nothing, but checks that observations come in order.
struct Steps(usize);

impl LaneObserver for Steps {
    fn observe(&mut self, _: VectorUnits, step: usize, w: &LaneWorld, active: usize) {
        assert_eq!(step, self.0, "steps observed in order");
        assert!((1..=W).contains(&active));
        assert_eq!(w.alignment.len(), w.n * w.n);
        self.0 += 1;
    }
}

/// Runs `first..first + active` in lanes and one by one; the outcomes must be equal.
fn check(s: &Scenario, p: &Params, seed: u64, first: u64, active: usize, what: &str) {
    let mut reference = Simulator::new(s, p);
    for units in VectorUnits::available() {
        let mut lanes = LaneSimulator::with_units(s, p, units);
        assert_eq!(lanes.units(), units);
        let mut steps = Steps(0);
        let outs = lanes.run(first, active, seed, &mut steps);
        assert_eq!(steps.0, s.steps + 1, "{what}: every step observed");
        assert_eq!(outs.len(), active);
        for (l, out) in outs.iter().enumerate() {
            let r = first + l as u64;
            let want = reference.run(r, seed, &mut NoObserver);
            assert!(
                *out == want,
                "{what}, {units:?}, run {r} (lane {l} of {active}) differs from the scalar run"
            );
        }
    }
}

fn shipped() -> Vec<Scenario> {
    let mut all =
        vec![scenario::parse(scenario::FLAGSHIP_TOML, scenario::FLAGSHIP_NAME).expect("flagship")];
    for rel in [
        "scenarios/latest.toml",
        "scenarios/tutorial/far-strongest-near-weaker.toml",
        "scenarios/tutorial/bandwagon.toml",
        "scenarios/tutorial/security-dilemma.toml",
    ] {
        all.push(scenario::load(&repo(rel)).unwrap_or_else(|e| panic!("{e}")));
    }
    all
}

#[test]
fn lanes_reproduce_the_scalar_runs_of_every_shipped_scenario_and_theory() {
    for s in shipped() {
        for theory in Theory::ALL {
            let mut s = s.clone();
            s.set_theory(theory);
            let what = format!("{} under {theory:?}", s.name);
            check(&s, &s.params, 2018, 0, W, &what);
            check(&s, &s.params, 7, 1_000_003, 3, &what);
            // More than one random-number group of eight, fewer than sixteen runs.
            check(&s, &s.params, 11, 77, 11, &what);
        }
    }
}

#[test]
fn lanes_reproduce_the_sum_form_and_fractional_weights() {
    let s = scenario::parse(scenario::FLAGSHIP_TOML, scenario::FLAGSHIP_NAME).expect("flagship");
    let mut p = s.params.clone();
    p.w_p = 1.5;
    p.w_d = 0.7;
    p.w_o = 2.0;
    p.w_i = 0.5;
    p.lambda = 0.3;
    check(&s, &p, 11, 40, W, "fractional weights");
    p.threat_form = ThreatForm::Sum;
    check(&s, &p, 12, 80, 5, "sum form");
}

#[test]
fn vector_units_are_named_and_found_by_name() {
    for (units, name) in [
        (VectorUnits::Portable, "portable"),
        (VectorUnits::Avx2, "avx2"),
        (VectorUnits::Avx512, "avx512"),
    ] {
        assert_eq!(units.name(), name);
        assert_eq!(VectorUnits::from_name(name), Some(units));
    }
    assert_eq!(VectorUnits::from_name("sse2"), None);
    let names = VectorUnits::available_names();
    assert_eq!(names[0], "portable");
    for name in names {
        let units = VectorUnits::from_name(name).expect("a known name");
        assert!(VectorUnits::available().contains(&units), "{name}");
    }
}

#[test]
fn the_engine_uses_the_widest_units_available() {
    let s = scenario::parse(scenario::FLAGSHIP_TOML, scenario::FLAGSHIP_NAME).expect("flagship");
    let units = LaneSimulator::new(&s, &s.params).units();
    assert_eq!(units, VectorUnits::best());
    assert_eq!(VectorUnits::available().last(), Some(&units));
    assert_eq!(VectorUnits::available()[0], VectorUnits::Portable);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random scenarios (events, borders, trade, intents…), random run indices and lanes.
    #[test]
    fn lanes_reproduce_the_scalar_runs_of_random_scenarios(
        text in arb_scenario(),
        seed in 0u64..1000,
        first in 0u64..1000,
        active in 1usize..=W,
    ) {
        let s = scenario::parse(&text, "prop.toml")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        check(&s, &s.params, seed, first, active, &text);
    }
}
