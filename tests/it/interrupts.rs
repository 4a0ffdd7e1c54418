//! SIGINT and SIGTERM sent to a real `entente` process: it stops, removes its temporary files
//! and the folders it created, leaves earlier results as they were, and exits 130 or 143.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::entente;

/// Start `entente run` of the flagship with many runs and per-run rows into `out`.
fn start_long_run(out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_entente"))
        .args([
            "run",
            "--runs",
            "200000000",
            "--per-run",
            "--threads",
            "2",
            "--out",
        ])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start entente")
}

/// Wait until `dir` holds a temporary file of per-run rows (the study is under way).
fn wait_for_temporary(dir: &Path) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let busy = fs::read_dir(dir).is_ok_and(|mut d| {
            d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with(".runs.csv.tmp")))
        });
        if busy {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{}: the study never started writing", dir.display());
}

/// Send `signal` to `child` and wait (at most `limit`) for it: its exit status and stderr
/// (empty where stderr is not piped). Other test modules send their signals with it too.
pub(super) fn signal_and_wait(
    child: &mut Child,
    signal: &str,
    limit: Duration,
) -> (Option<i32>, String) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill {signal}");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            return (status.code(), err);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("entente did not stop within {limit:?} of {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigint_stops_a_study_and_removes_what_it_created() {
    let home = TempDir::new().unwrap();
    let out = home.path().join("new").join("deeper").join("out");
    let mut child = start_long_run(&out);
    wait_for_temporary(&out);
    let (code, err) = signal_and_wait(&mut child, "-INT", Duration::from_secs(30));
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted (SIGINT)"), "{err}");
    assert!(
        !home.path().join("new").exists(),
        "the folders the study created are gone"
    );
}

#[test]
fn sigterm_leaves_the_previous_results_as_they_were() {
    let home = TempDir::new().unwrap();
    let out = home.path().join("out");
    let o = entente(
        home.path(),
        &[
            "run",
            "--runs",
            "200",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    let before: Vec<(String, Vec<u8>)> = listing(&out);
    let mut child = start_long_run(&out);
    wait_for_temporary(&out);
    let (code, err) = signal_and_wait(&mut child, "-TERM", Duration::from_secs(30));
    assert_eq!(code, Some(143), "{err}");
    assert!(err.contains("interrupted (SIGTERM)"), "{err}");
    assert_eq!(
        listing(&out),
        before,
        "the earlier study's files, byte for byte, and nothing else"
    );
}

/// Every file of `dir` (but the lock file, which the second command may have created): name
/// and bytes, sorted.
fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != ".entente.lock")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}
