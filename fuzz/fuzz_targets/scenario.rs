//! Fuzz target `scenario`: any text through the scenario reader (TOML parse, then
//! validation). It must return a scenario or diagnostics, never panic; a scenario it accepts
//! must hold what validation promises downstream code (finite values in range, square
//! symmetric matrices), and its diagnostics must render.
#![no_main]

use entente::scenario::{self, ScenarioError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match scenario::parse(text, "fuzz.toml") {
        Ok(s) => check(&s),
        Err(e @ ScenarioError::Invalid(_)) => {
            // Rendering the messages (with their source lines) must not panic either.
            let _ = e.to_string();
        }
        Err(e) => panic!("parse gave an I/O error: {e}"),
    }
});

/// What a validated scenario promises the model.
fn check(s: &scenario::Scenario) {
    let n = s.n();
    assert!(n >= 2, "a scenario of {n} states");
    assert!(s.dt > 0.0 && s.horizon > 0.0 && s.steps > 0);
    for m in [
        &s.distance,
        &s.trade,
        &s.mistrust,
        &s.affinity,
        &s.alignment,
        &s.treaty,
        &s.intent,
    ] {
        assert_eq!(m.len(), n * n);
        assert!(m.iter().all(|x| x.is_finite()));
    }
    for i in 0..n {
        for k in 0..n {
            let (a, b) = (i * n + k, k * n + i);
            assert_eq!(s.distance[a], s.distance[b]);
            assert_eq!(s.alignment[a], s.alignment[b]);
            assert_eq!(s.treaty[a], s.treaty[b]);
            assert_eq!(s.border[a], s.border[b]);
        }
    }
    for st in &s.states {
        assert!(st.power > 0.0 && st.power.is_finite());
        assert!(st.offense > 0.0 && st.offense <= 1.0);
        assert!((0.0..=1.0).contains(&st.aggression));
    }
    assert!(s.params.threshold_problem().is_none());
}
