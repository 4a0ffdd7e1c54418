//! One folder, one study (docs/output.md § 1): the lock that lets one command at a time write
//! a results folder, and a new study replacing every file of the previous one, through the
//! binary.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{entente, repo};

const TUTORIAL: &str = "scenarios/tutorial/far-strongest-near-weaker.toml";

/// The lock file of a results folder.
const LOCK: &str = ".entente.lock";

/// What a refused command says.
const BUSY: &str = "another entente command is writing its results here (lock .entente.lock held); wait for it or give another --out";

/// The two studies that race: different seeds, the first with `--per-run` (so that a folder
/// holding the second must not keep the first's runs.csv).
const STUDIES: [(&str, bool); 2] = [("11", true), ("12", false)];

/// Runs per study: enough for the two processes to overlap (about 0.15 s each, against a
/// few milliseconds between their starts), few enough for twenty rounds to take seconds.
const RUNS: &str = "10000";

/// `entente run` of the tutorial with `seed` into `out`, as arguments.
fn run_args(seed: &str, per_run: bool, out: &Path) -> Vec<String> {
    let mut a: Vec<String> = [
        "run",
        &repo(TUTORIAL).display().to_string(),
        "--runs",
        RUNS,
        "--seed",
        seed,
        "--threads",
        "1",
        "--quiet",
        "--out",
        &out.display().to_string(),
    ]
    .map(String::from)
    .to_vec();
    if per_run {
        a.push("--per-run".into());
    }
    a
}

/// Every file of `dir` by name, with `manifest.json` reduced to its seed and files (the
/// rest records when and where the study ran); a folder as its name and `/`, empty.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.expect("directory entry");
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                return (format!("{name}/"), Vec::new());
            }
            let mut bytes = std::fs::read(e.path()).expect("read a result file");
            if name == "manifest.json" {
                let m: serde_json::Value =
                    serde_json::from_slice(&bytes).expect("manifest.json is JSON");
                bytes = format!("seed {} files {}", m["seed"], m["files"]).into_bytes();
            }
            (name, bytes)
        })
        .collect()
}

/// Two `entente run`s into one folder at once, twenty times: each time, one of them may be
/// refused (exit status 2, the lock named) and the other succeeds, and the folder then holds
/// one whole study, file for file that of a reference run of the seed its manifest names,
/// with no file of the other study (such as its runs.csv) and no temporary file.
#[test]
fn two_runs_into_one_folder_leave_one_whole_study() {
    let home = tempfile::tempdir().unwrap();
    let reference: Vec<BTreeMap<String, Vec<u8>>> = STUDIES
        .iter()
        .map(|&(seed, per_run)| {
            let out = home.path().join(format!("reference-{seed}"));
            let args = run_args(seed, per_run, &out);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = entente(home.path(), &args);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            contents(&out)
        })
        .collect();
    assert!(reference[0].contains_key("runs.csv") && !reference[1].contains_key("runs.csv"));
    assert_ne!(reference[0]["summary.csv"], reference[1]["summary.csv"]);

    let out = home.path().join("out");
    let mut refused = 0;
    for round in 0..20 {
        // Alternate which study starts first.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        let children: Vec<_> = order
            .iter()
            .map(|&k| {
                let (seed, per_run) = STUDIES[k];
                let child = Command::new(env!("CARGO_BIN_EXE_entente"))
                    .args(run_args(seed, per_run, &out))
                    .current_dir(home.path())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("start entente");
                (k, child)
            })
            .collect();
        let mut winners = Vec::new();
        for (k, child) in children {
            let o = child.wait_with_output().expect("wait for entente");
            let stderr = String::from_utf8_lossy(&o.stderr);
            match o.status.code() {
                Some(0) => winners.push(k),
                Some(2) => {
                    assert!(
                        stderr.contains(BUSY) && stderr.contains(&out.display().to_string()),
                        "round {round}: refused for another reason:\n{stderr}"
                    );
                    refused += 1;
                }
                code => panic!("round {round}: exit status {code:?}:\n{stderr}"),
            }
        }
        assert!(!winners.is_empty(), "round {round}: both were refused");
        let found = contents(&out);
        let seed = std::str::from_utf8(&found["manifest.json"]).unwrap();
        let k = if winners.len() == 1 {
            winners[0]
        } else {
            // Both ran, one after the other: the folder holds the study of the seed its
            // manifest names.
            STUDIES
                .iter()
                .position(|(s, _)| seed.starts_with(&format!("seed {s} ")))
                .unwrap_or_else(|| panic!("round {round}: manifest {seed}"))
        };
        let mut expected = reference[k].clone();
        expected.insert(LOCK.into(), Vec::new());
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "round {round}: the folder's files are not those of seed {}",
            STUDIES[k].0
        );
        for (name, bytes) in &expected {
            assert!(
                &found[name] == bytes,
                "round {round}: {name} is not that of seed {}",
                STUDIES[k].0
            );
        }
    }
    assert!(
        refused > 0,
        "in twenty rounds the two runs never overlapped: the lock was not exercised"
    );
}

/// A folder whose lock another process holds is refused at once, before any work, leaving
/// the folder as it was; the partial results of shards, written into a shared folder, take
/// no lock (docs/cluster.md § 1).
#[test]
fn a_folder_being_written_is_refused_and_shards_share_theirs() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let lock = File::create(out.join(LOCK)).unwrap();
    lock.try_lock().expect("take the folder's lock");
    let out_s = out.display().to_string();
    let tutorial = repo(TUTORIAL).display().to_string();
    let started = std::time::Instant::now();
    let o = entente(
        home.path(),
        &["run", &tutorial, "--runs", "100000", "--out", &out_s],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{out_s}: {BUSY}")),
        "expected `{out_s}: {BUSY}` in:\n{stderr}"
    );
    assert!(
        started.elapsed().as_secs() < 5,
        "refused at once, not after 100000 runs"
    );
    assert_eq!(
        contents(&out).keys().collect::<Vec<_>>(),
        [LOCK, "notes.txt"],
        "nothing written"
    );
    // Shards write their parts into one folder together, lock or no lock.
    for k in ["0/2", "1/2"] {
        let o = entente(
            home.path(),
            &[
                "run", &tutorial, "--runs", "40", "--shard", k, "--quiet", "--out", &out_s,
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(out.join("part-0-of-2.entente").is_file());
    assert!(out.join("part-1-of-2.entente").is_file());
    drop(lock);
    // The lock died with its holder: the folder can be written again.
    let o = entente(
        home.path(),
        &["run", &tutorial, "--runs", "20", "--quiet", "--out", &out_s],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A new study in a folder removes the files of the previous study that it does not write
/// (listed in the previous manifest.json), says so on stderr, and keeps every other file.
#[test]
fn a_new_study_removes_the_previous_studys_other_files() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let out_s = out.display().to_string();
    let tutorial = repo(TUTORIAL).display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", &tutorial, "--runs", "20", "--out", &out_s];
        args.extend(extra);
        let o = entente(home.path(), &args);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(0), "{stderr}");
        stderr
    };
    let first = run(&["--per-run", "--seed", "1"]);
    assert!(!first.contains("replaced"), "{first}");
    assert!(out.join("runs.csv").is_file());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(out.join("parts")).unwrap();
    std::fs::write(out.join("parts").join("part-0-of-2.entente"), "part").unwrap();

    let second = run(&["--seed", "2"]);
    assert!(
        second.contains(&format!(
            "entente: replaced the previous results in {out_s} (removed runs.csv)"
        )),
        "{second}"
    );
    let names: Vec<String> = contents(&out).into_keys().collect();
    assert_eq!(
        names,
        [
            LOCK,
            "camps.csv",
            "manifest.json",
            "notes.txt",
            "parts/",
            "states.csv",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    // The same files again: nothing removed, nothing said.
    let third = run(&["--seed", "3"]);
    assert!(!third.contains("replaced"), "{third}");
}

/// A report entente drew from the previous results goes with them when a new study is
/// committed into the folder (and the run says so); a user's own `report.html` stays.
#[test]
fn a_stale_report_is_removed_with_the_study_it_showed() {
    let home = tempfile::tempdir().unwrap();
    let t = home.path();
    let tutorial = repo(TUTORIAL);
    let run = |seed: &str, extra: &[&str]| {
        let mut a = vec![
            "run",
            tutorial.to_str().unwrap(),
            "--runs",
            "64",
            "--seed",
            seed,
            "--out",
            "out",
        ];
        a.extend(extra);
        let o = entente(t, &a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let report = t.join("out/report.html");
    run("1", &["--report"]);
    let first = std::fs::read_to_string(&report).unwrap();
    assert!(first.contains("<meta name=\"generator\" content=\"entente "));
    let e = run("2", &[]);
    assert!(
        !report.exists(),
        "the stale report was left beside seed 2's results"
    );
    assert!(e.contains("removed report.html"), "{e}");
    // `run --report` writes the new one under the same lock, after the commit.
    run("3", &["--report"]);
    assert!(report.is_file());
    // A file of that name entente did not write is the user's.
    std::fs::write(&report, "<html>my notes</html>").unwrap();
    let e = run("4", &[]);
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "<html>my notes</html>"
    );
    assert!(!e.contains("report.html"), "{e}");
}
