//! Fuzz target `outcomes`: an outcomes table (`a,b,year,outcome`, read by `entente score`)
//! checked against a study.
//!
//! The first input byte chooses the study (bit 0: the built-in flagship, start 2018, yearly
//! steps; or the tutorial's security dilemma, start 2000, quarter-year steps); the rest is the
//! table. Reading must give rows or located problems, never panic; rows that pass must name a
//! pair and a time step of the study once each, on whole years within its horizon, at least
//! one after the start.
#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use entente::history::outcomes::{self, Study};
use entente::scenario;
use libfuzzer_sys::fuzz_target;

static STUDIES: LazyLock<[Study; 2]> = LazyLock::new(|| {
    let study = |s: scenario::Scenario| Study::new(&s).expect("a whole start year");
    [
        study(scenario::load_or_flagship(None).expect("the flagship is valid")),
        study(
            scenario::parse(
                include_str!("../../scenarios/tutorial/security-dilemma.toml"),
                "security-dilemma.toml",
            )
            .expect("the tutorial scenario is valid"),
        ),
    ]
});

fuzz_target!(|data: &[u8]| {
    let Some((&mode, table)) = data.split_first() else {
        return;
    };
    let study = &STUDIES[usize::from(mode & 1)];
    match outcomes::parse(table, study) {
        Ok(rows) => {
            assert!(rows.iter().any(|r| r.horizon > 0), "no row after the start");
            let mut seen = HashSet::new();
            for r in &rows {
                assert!(r.q < study.pairs.len());
                assert!(r.step < study.step_years.len());
                assert!(f64::from(r.horizon) <= study.horizon + 1e-6);
                assert!(seen.insert((r.q, r.step)), "a pair and year twice");
                let year: f64 = study.step_years[r.step].parse().expect("a year");
                assert!((year - (study.start as f64 + f64::from(r.horizon))).abs() < 1e-6);
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "an error without problems");
            let _ = outcomes::problems_text("fuzz.csv", &problems);
        }
    }
});
