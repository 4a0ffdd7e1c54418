//! Fuzz target `experiment`: any text through the experiment-file reader
//! (`entente sweep EXPERIMENT.toml`). It must return an experiment or diagnostics, never
//! panic, and its diagnostics must render.
#![no_main]

use std::path::Path;

use entente::experiment::file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The folder scenario paths are resolved against: the shipped experiments', so that the
    // seeds' `scenario = "../vostok-2018.toml"` exists.
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/experiments"
    ));
    let _ = file::is_experiment(text);
    match file::parse(text, "fuzz.toml", dir) {
        Ok(x) => {
            assert!(!x.factors.is_empty(), "an experiment without factors");
            assert_eq!(x.factors.len(), x.factor_places.len());
        }
        Err(d) => {
            let _ = d.to_string();
        }
    }
});
