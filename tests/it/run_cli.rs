//! `entente run` end to end, through the binary: the files it writes, their determinism
//! (whatever the thread count), `--set`, `--theory`, `--per-run`, bad input, and golden files.
//!
//! Every study here is small (tens to a few hundred runs) so the module runs in seconds.
//! Each command runs inside its own temporary folder (also its working directory), so a
//! stray `results/` folder or temporary file would be seen by the checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::{entente, repo};

const TUTORIAL: &str = "scenarios/tutorial/far-strongest-near-weaker.toml";
const SECURITY_DILEMMA: &str = "scenarios/tutorial/security-dilemma.toml";

/// The documented header of each CSV file (docs/output.md).
const HEADERS: [(&str, &str); 4] = [
    (
        "summary.csv",
        "a,b,p_alliance_end,p_alliance_ever,p_rivalry_end,mean_alignment_end,\
         q05_alignment_end,q50_alignment_end,q95_alignment_end,mean_first_alliance_year",
    ),
    (
        "timeseries.csv",
        "year,a,b,mean_alignment,q05_alignment,q50_alignment,q95_alignment,p_alliance,p_rivalry",
    ),
    (
        "states.csv",
        "year,state,mean_power_share,mean_threat,top_principal_threat,p_secure,p_balance,p_bandwagon",
    ),
    ("camps.csv", "rank,runs,frequency,camp_a,camp_b"),
];

/// Manifest keys that record how and when a study ran, not what it computed.
const CIRCUMSTANTIAL: [&str; 4] = ["started", "finished", "wall_seconds", "threads"];

/// A finished study: its temporary home, results folder and stdout.
struct Study {
    _home: TempDir,
    out: PathBuf,
    stdout: String,
}

impl Study {
    /// Every file of the results folder, by name.
    fn files(&self) -> BTreeMap<String, Vec<u8>> {
        files_in(&self.out)
    }

    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.out.join(name))
            .unwrap_or_else(|e| panic!("{}: {e}", self.out.join(name).display()))
    }

    fn manifest(&self) -> serde_json::Value {
        serde_json::from_str(&self.text("manifest.json")).expect("manifest.json is JSON")
    }

    /// The rows of a CSV file, header excluded.
    fn rows(&self, name: &str) -> Vec<csv::StringRecord> {
        let text = self.text(name);
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap_or_else(|e| panic!("{name}: {e}")))
            .collect()
    }

    /// Column `column` of the row of pair `a`-`b` in summary.csv, as a number.
    fn summary_value(&self, a: &str, b: &str, column: usize) -> f64 {
        let rows = self.rows("summary.csv");
        let row = rows
            .iter()
            .find(|r| &r[0] == a && &r[1] == b)
            .unwrap_or_else(|| panic!("no {a}-{b} row in summary.csv"));
        row[column]
            .parse()
            .unwrap_or_else(|e| panic!("{a}-{b} column {column}: {e}"))
    }
}

fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.expect("directory entry");
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(e.path()).expect("read a result file");
            (name, bytes)
        })
        .collect()
}

/// Run `entente run ARGS --out <tmp>/out` in a fresh temporary folder; it must succeed.
/// Relative scenario paths are taken from the repository root.
fn run_ok(args: &[&str]) -> Study {
    let home = tempfile::tempdir().expect("temporary folder");
    let out = home.path().join("out");
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a.starts_with("scenarios/") {
                repo(a).display().to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let mut full: Vec<&str> = vec!["run"];
    full.extend(args.iter().map(String::as_str));
    let out_arg = out.display().to_string();
    full.extend(["--out", &out_arg]);
    let o = entente(home.path(), &full);
    assert_eq!(
        o.status.code(),
        Some(0),
        "entente {full:?} failed\nstderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        1,
        "only the results folder is written"
    );
    Study {
        _home: home,
        out,
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
    }
}

/// The manifest without the keys that may differ between two runs of the same study.
fn manifest_essentials(m: &serde_json::Value) -> serde_json::Value {
    let mut m = m.clone();
    let obj = m.as_object_mut().expect("the manifest is a JSON object");
    for key in CIRCUMSTANTIAL {
        assert!(obj.remove(key).is_some(), "manifest.json lacks `{key}`");
    }
    m
}

/// Two studies wrote the same bytes in every file (manifest: its essentials).
fn assert_same_results(a: &Study, b: &Study, what: &str) {
    let (fa, fb) = (a.files(), b.files());
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "{what}: different files"
    );
    for (name, bytes) in &fa {
        if name == "manifest.json" {
            assert_eq!(
                manifest_essentials(&a.manifest()),
                manifest_essentials(&b.manifest()),
                "{what}: manifest.json differs"
            );
        } else {
            assert!(bytes == &fb[name], "{what}: {name} differs");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The files of a study.

/// One thread runs the step on the process's main thread (8 MiB of stack on Linux); in an
/// unoptimized build the step's frames are megabytes, so this fails if they outgrow it
/// (the Slurm end-to-end check found the main thread overflowing once).
#[test]
fn one_thread_runs_the_flagship_on_the_main_thread() {
    let st = run_ok(&["--runs", "16", "--threads", "1"]);
    assert!(st.text("summary.csv").lines().count() > 100);
}

#[test]
fn the_default_study_writes_every_documented_file() {
    let st = run_ok(&["--runs", "50", "--threads", "2"]);
    let files = st.files();
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".entente.lock",
            "camps.csv",
            "manifest.json",
            "states.csv",
            "summary.csv",
            "timeseries.csv"
        ],
        "runs.csv only with --per-run; no temporary files; the lock file stays"
    );
    for (name, header) in HEADERS {
        let text = st.text(name);
        assert_eq!(text.lines().next(), Some(header), "{name} header");
        assert!(text.ends_with('\n') && !text.contains('\r'), "{name} lines");
    }

    // The flagship: 17 states, 136 pairs, 2018 to 2030 by quarters (49 observations).
    let summary = st.rows("summary.csv");
    assert_eq!(summary.len(), 136, "one summary row per pair");
    let pairs: std::collections::BTreeSet<(String, String)> = summary
        .iter()
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    assert_eq!(pairs.len(), 136, "pairs are distinct");
    assert_eq!((&summary[0][0], &summary[0][1]), ("USA", "CHN"));
    for r in &summary {
        let x = |c: usize| r[c].parse::<f64>().unwrap_or_else(|e| panic!("{r:?}: {e}"));
        for c in [2, 3, 4] {
            assert!((0.0..=1.0).contains(&x(c)), "probability {r:?}");
        }
        assert!(x(2) <= x(3), "allied at the end implies ever allied: {r:?}");
        assert!(
            -1.0 <= x(6) && x(6) <= x(7) && x(7) <= x(8) && x(8) <= 1.0,
            "{r:?}"
        );
        // An empty first-alliance year exactly when the pair never allied.
        assert_eq!(r[9].is_empty(), x(3) == 0.0, "{r:?}");
    }
    assert_eq!(st.rows("timeseries.csv").len(), 49 * 136);
    let states = st.rows("states.csv");
    assert_eq!(states.len(), 49 * 17);
    assert_eq!((&states[0][0], &states[0][1]), ("2018", "USA"));
    assert_eq!(&states[states.len() - 1][0], "2030");
    let camps = st.rows("camps.csv");
    let counted: u64 = camps.iter().map(|r| r[1].parse::<u64>().unwrap()).sum();
    assert_eq!(counted, 50, "camps.csv accounts for every run");
    assert!(camps.iter().all(|r| r[3].split(' ').any(|id| id == "USA")));

    let m = st.manifest();
    assert_eq!(m["scenario"], "vostok-2018");
    assert_eq!(m["scenario_file"], "<built-in>/vostok-2018.toml");
    assert!(m.get("scenario_path").is_none(), "no file, so no path: {m}");
    assert_eq!(m["runs"], 50);
    assert_eq!(m["seed"], 2018, "the scenario's seed by default");
    assert_eq!(m["theory"], "walt");
    assert_eq!(m["threads"], 2);
    assert_eq!(m["set"], serde_json::json!([]));
    assert_eq!(
        m["files"],
        serde_json::json!([
            "summary.csv",
            "timeseries.csv",
            "states.csv",
            "camps.csv",
            "manifest.json"
        ])
    );
    let sha = m["scenario_sha256"].as_str().expect("a hash");
    assert!(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()));
    for key in ["entente_version", "started", "finished"] {
        assert!(m[key].is_string(), "manifest `{key}`");
    }
    assert!(m["wall_seconds"].as_f64().is_some_and(|s| s >= 0.0));
    assert!(m["params"]["eta"].is_number());

    assert!(
        st.stdout
            .starts_with("vostok-2018: 50 runs, seed 2018, theory walt"),
        "the summary names the scenario:\n{}",
        st.stdout
    );
    // The scenario's question first: its key pairs, China–Russia at their head.
    let key = st
        .stdout
        .find("Key pairs in 2030:")
        .expect("key pairs block");
    let first = st.stdout[key..].lines().nth(1).unwrap_or("");
    assert!(
        first.trim_start().starts_with("CHN-RUS   P(alliance)"),
        "{}",
        st.stdout
    );
    assert!(
        st.stdout
            .find("Most likely other alliances")
            .is_some_and(|k| k > key)
    );
    assert!(
        st.stdout.contains("Monte Carlo sampling error of 50 runs"),
        "{}",
        st.stdout
    );
}

#[test]
fn pairs_chooses_the_key_pairs_and_names_unknown_states() {
    let st = run_ok(&["--runs", "20", "--pairs", "KOR-JPN,USA-CHN"]);
    let key = st
        .stdout
        .find("Key pairs in 2030:")
        .expect("key pairs block");
    let lines: Vec<&str> = st.stdout[key..].lines().skip(1).take(3).collect();
    assert!(
        lines[0].trim_start().starts_with("JPN-KOR"),
        "{}",
        st.stdout
    );
    assert!(
        lines[1].trim_start().starts_with("USA-CHN"),
        "{}",
        st.stdout
    );
    assert_eq!(lines[2], "", "only the pairs asked for:\n{}", st.stdout);
    check_fails(
        &["--pairs", "USA-XYZ"],
        &["--pairs USA-XYZ: unknown state `XYZ`"],
    );
    check_fails(&["--pairs", "USA"], &["expected pairs of state ids as A-B"]);
}

#[test]
fn quiet_prints_nothing() {
    let st = run_ok(&[TUTORIAL, "--runs", "20", "--quiet"]);
    assert_eq!(st.stdout, "");
    assert!(st.out.join("summary.csv").is_file());
}

// ---------------------------------------------------------------------------------------
// Determinism.

#[test]
fn the_thread_count_changes_no_byte() {
    // 300 runs: batches of 18, 9 and 6 runs; with --per-run so that row order is checked too.
    let base = [
        SECURITY_DILEMMA,
        "--runs",
        "300",
        "--seed",
        "5",
        "--per-run",
    ];
    let one = run_ok(&[&base[..], &["--threads", "1"]].concat());
    for threads in ["2", "3"] {
        let other = run_ok(&[&base[..], &["--threads", threads]].concat());
        assert_same_results(&one, &other, &format!("--threads 1 vs {threads}"));
        assert_eq!(other.manifest()["threads"], threads.parse::<u64>().unwrap());
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let args = [TUTORIAL, "--runs", "100", "--seed", "7", "--threads", "2"];
    let a = run_ok(&args);
    let b = run_ok(&args);
    assert_same_results(&a, &b, "the same study twice");
    let c = run_ok(&[TUTORIAL, "--runs", "100", "--seed", "8", "--threads", "2"]);
    assert_ne!(
        a.text("summary.csv"),
        c.text("summary.csv"),
        "seeds 7 and 8 give the same summary"
    );
    assert_eq!(c.manifest()["seed"], 8);
}

#[test]
fn per_run_rows_come_in_run_order_whatever_the_threads() {
    // The flagship (136 pairs, random events); 40 runs on 2 threads are 40 one-run batches,
    // finishing in any order.
    let base = ["--runs", "40", "--seed", "3", "--per-run", "--quiet"];
    let one = run_ok(&[&base[..], &["--threads", "1"]].concat());
    let two = run_ok(&[&base[..], &["--threads", "2"]].concat());
    assert_same_results(&one, &two, "--per-run, --threads 1 vs 2");

    let text = two.text("runs.csv");
    let header = text.lines().next().expect("a header");
    let columns: Vec<&str> = header.split(',').collect();
    assert_eq!(columns.len(), 1 + 136 + 1);
    assert_eq!(
        (columns[0], columns[1], columns[137]),
        ("run", "USA-CHN", "events")
    );
    // The pair columns are the summary's pairs, in the same order.
    let summary_pairs: Vec<String> = two
        .rows("summary.csv")
        .iter()
        .map(|r| format!("{}-{}", &r[0], &r[1]))
        .collect();
    assert_eq!(columns[1..137], summary_pairs[..]);

    let rows = two.rows("runs.csv");
    assert_eq!(rows.len(), 40, "one row per run");
    for (k, r) in rows.iter().enumerate() {
        assert_eq!(r[0].parse::<usize>(), Ok(k), "rows in run order");
        assert_eq!(r.len(), 138);
        for a in r.iter().skip(1).take(136) {
            let a: f64 = a.parse().expect("an alignment");
            assert!((-1.0..=1.0).contains(&a));
        }
    }
    // The scheduled 2018.5 trade war fires in every run, with its year.
    assert!(
        rows.iter().all(|r| r[137].contains("@2018.5")),
        "events column: {:?}",
        rows[0]
    );
    let m = two.manifest();
    assert!(
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "runs.csv")
    );
}

// ---------------------------------------------------------------------------------------
// --set and --theory.

#[test]
fn mistrust_between_china_and_russia_keeps_them_apart() {
    // Observed with 1000 runs (model v2): mean CHN-RUS alignment in 2030 +0.17 with mistrust
    // 0, −0.12 with 0.4; the run-to-run spread is about 0.15, so 100 runs give standard
    // errors of 0.015 and a gap of 0.15 leaves several of them.
    let p = |m: &str| {
        let st = run_ok(&[
            "--runs",
            "100",
            "--quiet",
            "--set",
            &format!("pair.CHN-RUS.mistrust={m}"),
            // The tutorials' teaching rate: the move shows within 12 years.
            "--set",
            "eta=0.4",
        ]);
        st.summary_value("CHN", "RUS", 5)
    };
    let (trusting, mistrustful) = (p("0.0"), p("0.6"));
    assert!(
        trusting > mistrustful + 0.15,
        "mean CHN-RUS alignment: mistrust 0 -> {trusting}, mistrust 0.6 -> {mistrustful}"
    );
}

#[test]
fn set_is_recorded_in_the_manifest() {
    let base = run_ok(&[TUTORIAL, "--runs", "50", "--quiet"]);
    let st = run_ok(&[
        TUTORIAL,
        "--runs",
        "50",
        "--quiet",
        "--set",
        "eta=0.3",
        "--set",
        "pair.NEAR-SMALL.mistrust=0.5",
    ]);
    let m = st.manifest();
    assert_eq!(m["params"]["eta"], 0.3);
    assert_eq!(base.manifest()["params"]["eta"], 0.4);
    assert_eq!(
        m["set"],
        serde_json::json!(["eta=0.3", "pair.NEAR-SMALL.mistrust=0.5"])
    );
    assert_ne!(
        m["scenario_sha256"],
        base.manifest()["scenario_sha256"],
        "the hash covers --set"
    );
    assert_ne!(base.text("timeseries.csv"), st.text("timeseries.csv"));
}

#[test]
fn theory_waltz_changes_results_and_manifest() {
    let walt = run_ok(&[TUTORIAL, "--runs", "100", "--quiet"]);
    let waltz = run_ok(&[TUTORIAL, "--runs", "100", "--quiet", "--theory", "waltz"]);
    assert_eq!(walt.manifest()["theory"], "walt");
    assert_eq!(waltz.manifest()["theory"], "waltz");
    assert_ne!(walt.text("summary.csv"), waltz.text("summary.csv"));
    // The tutorial's lesson: under balance of threat SMALL's enemy is its neighbour, under
    // balance of power the giant (mean alignments, model v2: NEAR-SMALL −0.85 vs −0.25,
    // GIANT-SMALL −0.01 vs −0.50 with 500 runs; spread about 0.2).
    let mean = |st: &Study, a: &str, b: &str| st.summary_value(a, b, 5);
    let (near_walt, near_waltz) = (mean(&walt, "NEAR", "SMALL"), mean(&waltz, "NEAR", "SMALL"));
    assert!(
        near_waltz > near_walt + 0.4,
        "NEAR-SMALL: {near_walt} vs {near_waltz}"
    );
    let (giant_walt, giant_waltz) = (
        mean(&walt, "GIANT", "SMALL"),
        mean(&waltz, "GIANT", "SMALL"),
    );
    assert!(
        giant_waltz < giant_walt - 0.3,
        "GIANT-SMALL: {giant_walt} vs {giant_waltz}"
    );
}

// ---------------------------------------------------------------------------------------
// Bad input: exit status 2, a message on stderr, nothing written.

/// Every path under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            found.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                todo.push(p);
            }
        }
    }
    found.sort();
    found
}

/// `entente run ARGS` in `home` must fail with status 2, say each of `phrases` on stderr,
/// print nothing on stdout and leave `home` as it was.
fn check_fails_in(home: &Path, args: &[&str], phrases: &[&str]) {
    let before = tree(home);
    let mut full = vec!["run"];
    full.extend(args);
    let o = entente(home, &full);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "entente {full:?}: expected exit status 2\nstderr:\n{stderr}"
    );
    assert!(
        stderr.starts_with("error: "),
        "entente {full:?}: stderr:\n{stderr}"
    );
    for phrase in phrases {
        assert!(
            stderr.contains(phrase),
            "entente {full:?}: stderr lacks {phrase:?}:\n{stderr}"
        );
    }
    assert!(o.stdout.is_empty(), "entente {full:?}: stdout not empty");
    assert_eq!(
        tree(home),
        before,
        "entente {full:?} left files behind in {}",
        home.display()
    );
}

/// As [`check_fails_in`], in a fresh folder and with `--out` inside it.
fn check_fails(args: &[&str], phrases: &[&str]) {
    let home = tempfile::tempdir().expect("temporary folder");
    let out = home.path().join("out").display().to_string();
    let mut full = args.to_vec();
    full.extend(["--out", &out, "--runs", "10"]);
    check_fails_in(home.path(), &full, phrases);
}

#[test]
fn bad_flags_are_usage_errors() {
    check_fails(&["--frobnicate"], &["unexpected argument '--frobnicate'"]);
    check_fails(&["--seed", "soon"], &["invalid value 'soon'", "--seed"]);
    check_fails(&["--threads", "0"], &["--threads", "0"]);
    check_fails(&["--theory", "realism"], &["--theory realism", "walt"]);
    // --runs given twice is refused by clap; give the bad value alone.
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out").display().to_string();
    check_fails_in(
        home.path(),
        &["--runs", "abc", "--out", &out],
        &["invalid value 'abc'", "--runs"],
    );
    check_fails_in(
        home.path(),
        &["--runs", "0", "--out", &out],
        &["--runs 0", "at least one run"],
    );
}

#[test]
fn bad_set_assignments_say_what_was_expected() {
    check_fails(
        &["--set", "pair.CHN.mistrust=1"],
        &["--set pair.CHN.mistrust=1", "expected a path"],
    );
    check_fails(&["--set", "eta=-1"], &["--set eta=-1", "in [0, 100]"]);
    check_fails(&["--set", "eta"], &["PATH=VALUE"]);
    check_fails(
        &["--set", "state.CHM.offense=0.5"],
        &["unknown state `CHM`", "did you mean `CHN`"],
    );
    check_fails(
        &[
            TUTORIAL_ABS.as_str(),
            "--set",
            "pair.NEAR-SMALL.mistrust=1.5",
        ],
        &["in [0, 1]"],
    );
}

/// The tutorial by absolute path (for commands run outside the repository).
static TUTORIAL_ABS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| repo(TUTORIAL).display().to_string());

#[test]
fn bad_scenario_files_are_reported_with_their_place() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("no-such-scenario.toml");
    let missing_s = missing.display().to_string();
    check_fails(
        &[&missing_s],
        &[&missing_s, "cannot read the scenario file"],
    );
    let typo = repo("tests/it/malformed/state-field-typo.toml")
        .display()
        .to_string();
    check_fails(
        &[&typo],
        &[&format!("{typo}:14:1:"), "did you mean `aggression`"],
    );
}

/// `--set eta 0.3` (a space for `=`) is named as such, not as a missing scenario `0.3`; a
/// missing scenario file gets the list of shipped scenarios.
#[test]
fn a_set_without_equals_and_a_missing_scenario_are_explained() {
    check_fails(
        &["--set", "eta", "0.3"],
        &["--set eta: expected PATH=VALUE", "write --set eta=0.3"],
    );
    check_fails(&["--set", "eta"], &["--set eta: expected PATH=VALUE"]);
    let home = tempfile::tempdir().unwrap();
    let o = entente(
        &repo(""),
        &[
            "run",
            "nope.toml",
            "--out",
            &home.path().join("o").display().to_string(),
        ],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("scenarios/vostok-2018.toml"), "{stderr}");
    assert!(stderr.contains("the built-in flagship"), "{stderr}");
    // A typo of a shipped scenario gets "did you mean", by path or by name alone.
    for typo in ["scenarios/tutorial/bandwagn.toml", "bandwagn.toml"] {
        let out = home.path().join("o2").display().to_string();
        let o = entente(&repo(""), &["run", typo, "--out", &out]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("did you mean scenarios/tutorial/bandwagon.toml?"),
            "{typo}: {stderr}"
        );
    }
}

/// The cause of an I/O failure appears once in the message.
#[test]
fn the_cause_of_an_io_error_is_said_once() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("no-such-scenario.toml");
    let cause = std::fs::read(&missing).unwrap_err().to_string();
    let out = home.path().join("out").display().to_string();
    let o = entente(
        home.path(),
        &["run", &missing.display().to_string(), "--out", &out],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr.matches(&cause).count(), 1, "{stderr}");
}

/// `--set` holds parameters to the same rules as `[params]` in a scenario file, including
/// `rivalry_threshold < alignment_threshold <= alliance_threshold`.
#[test]
fn set_cannot_break_the_threshold_order() {
    check_fails(
        &[TUTORIAL_ABS.as_str(), "--set", "alliance_threshold=-0.5"],
        &["rivalry_threshold < alignment_threshold <= alliance_threshold"],
    );
}

#[test]
fn an_unwritable_results_folder_is_refused_before_any_work() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let file_s = file.display().to_string();
    // --out is an existing file.
    check_fails_in(
        home.path(),
        &[TUTORIAL_ABS.as_str(), "--out", &file_s],
        &[&file_s, "not a folder"],
    );
    // --out lies inside a regular file.
    let inside = file.join("results").display().to_string();
    check_fails_in(
        home.path(),
        &[TUTORIAL_ABS.as_str(), "--out", &inside],
        &[&inside, "cannot write results here"],
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}

#[cfg(unix)]
#[test]
fn a_read_only_results_folder_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let locked = home.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    let locked_s = locked.display().to_string();
    let below = locked.join("results").display().to_string();
    // Root (CI, containers) writes through permissions: then entente runs as `nobody`
    // (setpriv drops the privileges), so that the test checks the same refusal there.
    let probe = locked.join("probe");
    if std::fs::write(&probe, "x").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        for out in [&locked_s, &below] {
            let o = std::process::Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(env!("CARGO_BIN_EXE_entente"))
                .args(["run", TUTORIAL_ABS.as_str(), "--runs", "10", "--out", out])
                .current_dir(home.path())
                .output()
                .expect("setpriv (util-linux) runs entente as nobody");
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(
                o.status.code(),
                Some(2),
                "as nobody, --out {out}:\n{stderr}"
            );
            assert!(stderr.contains("cannot write results here"), "{stderr}");
            assert!(stderr.contains(out.as_str()), "{stderr}");
        }
        assert_eq!(
            std::fs::read_dir(&locked).unwrap().count(),
            0,
            "nothing written"
        );
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        return;
    }
    // An existing read-only folder, and a folder to be created inside one.
    check_fails_in(
        home.path(),
        &[TUTORIAL_ABS.as_str(), "--out", &locked_s],
        &[&locked_s, "cannot write results here"],
    );
    check_fails_in(
        home.path(),
        &[TUTORIAL_ABS.as_str(), "--out", &below],
        &[&below, "cannot write results here"],
    );
    // Let the temporary folder be removed.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------------------------------
// Golden files.

/// The golden copy of a manifest: the values of the time keys and of `scenario_path` (where
/// the repository is on this machine) replaced by a placeholder, every other byte kept (key
/// order and formatting included).
fn redact_machine_keys(manifest: &str) -> String {
    manifest
        .lines()
        .map(|line| {
            for key in ["scenario_path", "started", "finished", "wall_seconds"] {
                let prefix = format!("  \"{key}\": ");
                if line.starts_with(&prefix) {
                    let comma = if line.ends_with(',') { "," } else { "" };
                    return format!("{prefix}\"<{key}>\"{comma}\n");
                }
            }
            format!("{line}\n")
        })
        .collect()
}

/// The tutorial scenario with a fixed seed, every file compared byte for byte with
/// `tests/it/golden/far-strongest-near-weaker/` (manifest.json with its times redacted).
///
/// A deliberate change of the model or of the output formats changes these files: rerun
/// with `ENTENTE_UPDATE_GOLDEN=1 cargo test --test it golden` to rewrite them, then review
/// the diff (`git diff tests/it/golden`) before committing it.
#[test]
fn golden_far_strongest_near_weaker() {
    let golden = repo("tests/it/golden/far-strongest-near-weaker");
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let out_s = out.display().to_string();
    // Run from the repository root with a relative path, so that `scenario_file` in the
    // manifest is the same on every machine.
    let o = entente(
        &repo(""),
        &[
            "run",
            TUTORIAL,
            "--seed",
            "42",
            "--runs",
            "200",
            "--threads",
            "2",
            "--per-run",
            "--quiet",
            "--out",
            &out_s,
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut produced = files_in(&out);
    assert_eq!(
        produced.remove(".entente.lock"),
        Some(Vec::new()),
        "the folder's lock file, empty, stays"
    );
    let manifest = String::from_utf8(produced["manifest.json"].clone()).unwrap();
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    for key in ["started", "finished"] {
        assert!(m[key].is_string(), "{key}");
    }
    produced.insert(
        "manifest.json".into(),
        redact_machine_keys(&manifest).into_bytes(),
    );

    if std::env::var_os("ENTENTE_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        let _ = std::fs::remove_dir_all(&golden);
        std::fs::create_dir_all(&golden).unwrap();
        for (name, bytes) in &produced {
            std::fs::write(golden.join(name), bytes).unwrap();
        }
        eprintln!("golden files rewritten in {}", golden.display());
        return;
    }

    let expected = files_in(&golden);
    assert_eq!(
        produced.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the study writes other files than {}",
        golden.display()
    );
    for (name, bytes) in &produced {
        let want = &expected[name];
        if bytes != want {
            let (have, want) = (
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(want),
            );
            let line = have
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(have.lines().count().min(want.lines().count()));
            panic!(
                "{name} differs from its golden copy at line {}:\n  golden:   {:?}\n  produced: {:?}\n\
                 (if the change is intended: ENTENTE_UPDATE_GOLDEN=1 cargo test --test it golden)",
                line + 1,
                want.lines().nth(line).unwrap_or("<end of file>"),
                have.lines().nth(line).unwrap_or("<end of file>"),
            );
        }
    }
}

/// `DIR/NAME.toml`: 20 states (190 pairs) over `horizon` years in steps of 0.01.
fn twenty_states(dir: &Path, name: &str, horizon: u32) -> std::path::PathBuf {
    let mut text =
        format!("[scenario]\nname = \"{name}\"\nstart_year = 0\nhorizon = {horizon}\ndt = 0.01\n");
    for i in 0..20 {
        text += &format!(
            "[[state]]\nid = \"S{i:02}\"\npower = 1\noffense = 0.5\naggression = 0.5\nlat = 0\nlon = {i}\n"
        );
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write the scenario");
    path
}

#[test]
fn a_study_too_large_for_memory_is_refused_before_any_work() {
    // 20 states (190 pairs) over 100 000 steps: the alignment histograms alone would take
    // about 30 GiB per accumulator. The engine refuses with a clear message instead of
    // failing to allocate.
    let files = tempfile::tempdir().expect("temporary folder");
    let path = twenty_states(files.path(), "huge", 1000);
    let home = tempfile::tempdir().expect("temporary folder");
    let out = home.path().join("out").display().to_string();
    let path = path.display().to_string();
    check_fails_in(
        home.path(),
        &[&path, "--out", &out, "--runs", "10", "--threads", "1"],
        &["GiB", "reduce the number of steps"],
    );
}

/// A study that fits entente's 16 GiB but not the memory this process may take
/// (`ulimit -v` of about 3 GB here) is refused before any work, naming the limit and the
/// threads that would fit, rather than aborting when an allocation fails.
#[cfg(target_os = "linux")]
#[test]
fn a_study_too_large_for_the_memory_left_is_refused_naming_the_limit() {
    // 20 states over 2 001 observations: about 0.9 GiB per accumulator; 4 with --threads 3.
    let files = tempfile::tempdir().expect("temporary folder");
    let path = twenty_states(files.path(), "big", 20);
    let home = tempfile::tempdir().expect("temporary folder");
    let o = std::process::Command::new("sh")
        .current_dir(home.path())
        .args([
            "-c",
            "ulimit -v 3000000 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_entente"),
            "run",
        ])
        .arg(&path)
        .args(["--runs", "1000", "--threads", "3", "--out", "out"])
        .output()
        .expect("run sh");
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    for phrase in [
        "GiB this process may use",
        "ulimit -v",
        "(--threads 1 would fit)",
    ] {
        assert!(e.contains(phrase), "lacks {phrase:?}:\n{e}");
    }
    assert!(!home.path().join("out").exists());
}

/// Three states with a GDP each (so interdependence is computed); `AAA`–`BBB` gives its trade,
/// `AAA`–`CCC` says `trade = 0`, and `BBB`–`CCC` has no entry: its trade is unknown.
const UNKNOWN_TRADE: &str = r#"
[scenario]
name = "unknown-trade"
start_year = 2000
horizon = 2
dt = 0.5

[[state]]
id = "AAA"
power = 2
gdp = 100
offense = 0.5
lat = 0
lon = 0
aggression = 0.3

[[state]]
id = "BBB"
power = 1
gdp = 50
offense = 0.5
lat = 0
lon = 10
aggression = 0.3

[[state]]
id = "CCC"
power = 1
gdp = 20
offense = 0.5
lat = 10
lon = 0
aggression = 0.3

[[pair]]
states = ["AAA", "BBB"]
trade = 3.5
treaty = 1

[[pair]]
states = ["AAA", "CCC"]
trade = 0
"#;

/// A pair whose trade matters but has no figure is warned about once on stderr by the
/// commands that load the scenario, which still succeed; `trade = 0` silences the warning.
#[test]
fn a_pair_without_a_trade_figure_is_warned_about_once() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("x.toml");
    std::fs::write(&file, UNKNOWN_TRADE).unwrap();
    let warning = "warning: x.toml: 1 of 3 pairs has no trade figure (pair.BBB-CCC): \
                   their trade is taken as 0; give trade = 0 to state it";
    for args in [
        vec!["validate", "x.toml"],
        vec!["show", "x.toml"],
        vec!["run", "x.toml", "--runs", "16", "--quiet", "--out", "out"],
        vec!["explain", "x.toml"],
        vec!["compare", "x.toml", "--runs", "16", "--out", "cmp"],
    ] {
        let o = entente(home.path(), &args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr.matches(warning).count(), 1, "{args:?}: {stderr}");
        assert_eq!(stderr.matches("warning:").count(), 1, "{args:?}: {stderr}");
        if args[0] == "show" {
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(
                stdout.contains(
                    "trade: 1 of the 3 pairs with GDP on both sides have no trade figure"
                ),
                "{stdout}"
            );
            assert!(stdout.contains("treaty"), "{stdout}");
        }
    }
    // --set gives the pair a figure: no warning.
    let o = entente(
        home.path(),
        &[
            "run",
            "x.toml",
            "--runs",
            "16",
            "--quiet",
            "--out",
            "out2",
            "--set",
            "pair.CCC-BBB.trade=0",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    // An explicit trade = 0 states it: no warning.
    std::fs::write(
        &file,
        format!("{UNKNOWN_TRADE}\n[[pair]]\nstates = [\"BBB\", \"CCC\"]\ntrade = 0\n"),
    )
    .unwrap();
    for args in [
        vec!["validate", "x.toml"],
        vec!["run", "x.toml", "--runs", "16", "--quiet", "--out", "out3"],
    ] {
        let o = entente(home.path(), &args);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&o.stderr), "", "{args:?}");
    }
}

/// The shipped scenarios give every pair whose trade matters a trade figure.
#[test]
fn the_shipped_scenarios_warn_about_no_data() {
    for file in [
        "scenarios/vostok-2018.toml",
        "scenarios/latest.toml",
        "scenarios/history/europe-1904.toml",
        "scenarios/history/east-asia-1965.toml",
    ] {
        let o = entente(&repo(""), &["validate", file]);
        assert_eq!(o.status.code(), Some(0), "{file}");
        assert_eq!(String::from_utf8_lossy(&o.stderr), "", "{file}");
    }
}
