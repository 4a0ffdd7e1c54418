//! Integration tests, in one binary (matklad, "How to Test"): one module per layer.
//!
//! - [`malformed`]: `entente validate` on a catalogue of broken scenario files;
//! - [`shipped`]: every scenario under `scenarios/` validates;
//! - [`lanes`]: the engine's SIMD lane simulator reproduces the scalar runs bit for bit;
//! - [`derived`]: values validation derives (power shares, distances, proximity),
//!   checked against numbers computed by hand;
//! - [`manifests`]: manifest kinds and format versions, and how `report` and `merge`
//!   dispatch on them;
//! - [`one_study`]: one command at a time writes a results folder, and a new study replaces
//!   every file of the previous one.

mod architecture;
mod backtest_report;
mod calibrate;
mod cluster;
mod derived;
mod history;
#[cfg(unix)]
mod interrupts;
mod landscape;
mod lanes;
mod malformed;
mod manifests;
mod model;
mod one_study;
mod ranges;
mod report_pages;
mod run_cli;
mod score_cli;
mod shipped;
mod stats;
mod sweep_cli;
mod sweep_report;
mod teach;
#[cfg(unix)]
mod web;

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

/// `entente report DIR ARGS` succeeds and writes DIR/report.html; its text.
fn report(dir: &Path, args: &[&str]) -> String {
    let d = dir.display().to_string();
    let mut all = vec!["report", d.as_str()];
    all.extend_from_slice(args);
    let o = entente(&repo(""), &all);
    assert_eq!(
        o.status.code(),
        Some(0),
        "entente report failed\nstderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("Report: "));
    std::fs::read_to_string(dir.join("report.html")).expect("report.html written")
}

/// `entente ARGS` (in the repository root) fails with exit status 2 and `message` on stderr;
/// its output. `what` names the case in failures.
fn fails(what: &str, args: &[&str], message: &str) -> Output {
    let o = entente(&repo(""), args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{what}: {stderr}");
    assert!(
        stderr.contains(message),
        "{what}: expected `{message}` in stderr:\n{stderr}"
    );
    o
}

/// The text of the section `id` (from its opening tag to its end).
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("section {id}"));
    let end = html[at..].find("</section>").expect("section end");
    &html[at..at + end]
}

/// The texts of an SVG's `<text>` elements, trimmed.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// The texts of `svg`, after checking that each of `expected` is one of them.
fn assert_texts(chart: &str, svg: &str, expected: &[&str]) -> Vec<String> {
    let labels = texts(svg);
    for text in expected {
        assert!(
            labels.iter().any(|t| t == text),
            "the {chart} shows `{text}`: {labels:?}"
        );
    }
    labels
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

/// Render `page` in headless Chromium at `width × height` pixels: its screenshot (a PNG of
/// that size, checked to hold more than a blank page: charts and text) and its DOM as the
/// browser parsed it. Chromium's files go to `home`; `what` names the page in failures.
fn screenshot_and_dom(
    what: &str,
    home: &Path,
    page: &Path,
    (width, height): (u32, u32),
) -> (Vec<u8>, String) {
    let shot = home.join("shot.png");
    let stderr = chromium(
        home,
        "screenshot",
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={width},{height}"),
            "--hide-scrollbars",
        ],
        page,
    )
    .stderr;
    let png = std::fs::read(&shot)
        .unwrap_or_else(|e| panic!("{what}: no screenshot ({e}); chromium stderr:\n{stderr}"));
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{what}: a PNG file");
    // Width and height from the IHDR chunk.
    let dim = |k: usize| u32::from_be_bytes([png[k], png[k + 1], png[k + 2], png[k + 3]]);
    assert_eq!(
        (dim(16), dim(20)),
        (width, height),
        "{what}: the window's size"
    );
    assert!(
        png.len() > 60_000,
        "{what}: the screenshot holds charts and text, not a blank page ({} bytes)",
        png.len()
    );
    let dom = chromium(home, "dom", &["--dump-dom"], page).stdout;
    (png, dom)
}
