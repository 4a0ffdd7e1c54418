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
mod sweep_cli;
mod sweep_report;
mod teach;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// Debian's Chromium, for the tests that render pages in a real browser.
const CHROMIUM: &str = "/usr/bin/chromium";

/// Whether Chromium is installed for the browser test `test`. Where it is not, the test is
/// skipped with a message on a developer's machine, and fails in CI (`CI` set), which
/// installs it: a browser test never passes there without running.
fn chromium_available(test: &str) -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {CHROMIUM} not found, and CI must run the browser tests (.ci/run installs chromium)"
    );
    eprintln!("SKIPPED {test}: {CHROMIUM} not found (apt-get install chromium to run it)");
    false
}

/// What a browser run printed.
struct Printed {
    stdout: String,
    stderr: String,
}

/// Run headless Chromium on `page` with `extra` flags, at most 90 s. Its output goes to files
/// (a pipe that nobody reads while it runs could fill up and block it).
fn chromium(dir: &Path, name: &str, extra: &[&str], page: &Path) -> Printed {
    let out = dir.join(format!("{name}.stdout"));
    let err = dir.join(format!("{name}.stderr"));
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.join(format!("{name}-profile")).display()
        ))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() < Duration::from_secs(90) => {
                std::thread::sleep(Duration::from_millis(100))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "chromium {name} did not finish within 90 s; stderr:\n{}",
                    std::fs::read_to_string(&err).unwrap_or_default()
                );
            }
        }
    }
    Printed {
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
    }
}
