//! Fuzz target `history`: the history data readers (`--data DIR`), with one file replaced by
//! the input, then the great powers' scenario of 1913 built from what was read (`entente
//! history 1913 --states majors --data DIR`).
//!
//! The other files are a small consistent extract of `data/history/` (`fuzz/history-base/`:
//! the great powers of 1905–1915), so that the build has something to work on and each run is
//! quick. The first input byte chooses the file replaced (its index in
//! `HistoryData::file_names`, modulo their number); the rest is its content. Reading must
//! give the data or an error that names a file, never panic; a build must give a scenario
//! or an error, never panic.
#![no_main]

use entente::history::build::{self, BuildOptions};
use entente::history::data::HistoryData;
use entente::history::select::Spec;
use libfuzzer_sys::fuzz_target;

/// The base files, in the order of `HistoryData::file_names`.
const BASE: [&str; 12] = [
    include_str!("../history-base/states.csv"),
    include_str!("../history-base/capitals.csv"),
    include_str!("../history-base/majors.csv"),
    include_str!("../history-base/nmc.csv"),
    include_str!("../history-base/gdp.csv"),
    include_str!("../history-base/contiguity.csv"),
    include_str!("../history-base/atop_spells.csv"),
    include_str!("../history-base/rivalries.csv"),
    include_str!("../history-base/mid_dyad_years.csv"),
    include_str!("../history-base/trade_dyad_years.csv"),
    include_str!("../history-base/war_dyad_years.csv"),
    include_str!("../history-base/us_cpi.csv"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let names = HistoryData::file_names();
    let replaced = usize::from(pick) % names.len();
    let files = names
        .iter()
        .zip(BASE)
        .enumerate()
        .map(|(k, (name, base))| {
            let bytes = if k == replaced {
                content.to_vec()
            } else {
                base.as_bytes().to_vec()
            };
            (name.to_string(), bytes)
        })
        .collect();
    let d = match HistoryData::from_memory(files) {
        Ok(d) => d,
        Err(e) => {
            // It names a file: the one replaced, or one whose rows no longer agree with it.
            let message = e.to_string();
            assert!(names.iter().any(|n| message.contains(n)), "{message}");
            return;
        }
    };
    let year = 1913;
    let Ok(spec) = Spec::parse("majors") else {
        unreachable!("a valid spec");
    };
    let Ok(codes) = spec.resolve_lenient(&d, year) else {
        return;
    };
    let opts = BuildOptions {
        year,
        horizon: 10.0,
        name: None,
        spec: spec.text.clone(),
        coding: Default::default(),
        assumptions: Default::default(),
        command: "fuzz".into(),
    };
    if let Ok(built) = build::build(&d, &codes, &opts) {
        assert_eq!(built.scenario.n(), built.codes.len());
    }
});
