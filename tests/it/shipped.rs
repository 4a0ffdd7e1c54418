//! Every scenario shipped under `scenarios/` validates, through the library and the command.

use std::path::PathBuf;
use std::process::Command;

use super::repo;

/// The `.toml` files of `scenarios/`, `scenarios/tutorial/` and `scenarios/history/`, sorted.
fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/tutorial", "scenarios/history"] {
        for entry in std::fs::read_dir(repo(dir)).expect("read a scenarios folder") {
            let path = entry.expect("scenario entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_flagship_and_the_tutorial_are_shipped() {
    let files = shipped_scenarios();
    for name in ["vostok-2018.toml", "security-dilemma.toml"] {
        assert!(
            files.iter().any(|f| f.ends_with(name)),
            "{name} missing from {files:?}"
        );
    }
}

#[test]
fn every_shipped_scenario_loads() {
    for path in shipped_scenarios() {
        if let Err(e) = entente::scenario::load(&path) {
            panic!("{} does not validate:\n{e}", path.display());
        }
    }
}

#[test]
fn the_embedded_flagship_loads() {
    if let Err(e) = entente::scenario::load_or_flagship(None) {
        panic!("the built-in flagship does not validate:\n{e}");
    }
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let files = shipped_scenarios();
    let out = Command::new(env!("CARGO_BIN_EXE_entente"))
        .arg("validate")
        .args(&files)
        .output()
        .expect("run entente");
    assert_eq!(
        out.status.code(),
        Some(0),
        "entente validate {files:?}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches(": ok (").count(), files.len(), "{stdout}");
}
