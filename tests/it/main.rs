//! Integration tests, in one binary (matklad, "How to Test"): one module per layer.
//!
//! - [`malformed`]: `entente validate` on a catalogue of broken scenario files;
//! - [`shipped`]: every scenario under `scenarios/` validates;
//! - [`lanes`]: the engine's SIMD lane simulator reproduces the scalar runs bit for bit;
//! - [`derived`]: values validation derives (power shares, distances, proximity),
//!   checked against numbers computed by hand.

mod backtest_report;
mod cluster;
mod derived;
mod history;
mod lanes;
mod malformed;
mod model;
mod run_cli;
mod score_cli;
mod shipped;
mod stats;
mod teach;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A path relative to the repository root.
fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// `entente ARGS` with working directory `cwd`.
fn entente(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("run entente")
}
