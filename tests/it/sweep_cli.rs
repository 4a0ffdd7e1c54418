//! `entente sweep` end to end: the files, common random numbers, threads, shards and merge,
//! resuming an interrupted sweep, experiment files, and every error path.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::{entente, repo};

const TUTORIAL: &str = "scenarios/tutorial/far-strongest-near-weaker.toml";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "stderr:\n{}", stderr(o));
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The manifest without the keys that say how and when a sweep ran.
fn manifest_core(dir: &Path) -> serde_json::Value {
    let mut m: serde_json::Value = serde_json::from_str(&read(dir, "manifest.json")).unwrap();
    for k in [
        "started",
        "finished",
        "wall_seconds",
        "threads",
        "shards",
        "resumed_points",
    ] {
        m.as_object_mut().unwrap().remove(k);
    }
    m
}

#[test]
fn a_grid_sweep_writes_its_design_and_one_row_per_point_and_pair() {
    let home = TempDir::new().unwrap();
    let tutorial = repo(TUTORIAL);
    let o = entente(
        home.path(),
        &[
            "sweep",
            tutorial.to_str().unwrap(),
            "--vary",
            "eta=0.1:0.4",
            "--design",
            "grid:4",
            "--runs",
            "64",
            "--out",
            "sw",
        ],
    );
    ok(&o);
    let dir = home.path().join("sw");
    let design = read(&dir, "design.csv");
    assert_eq!(design, "point,eta\n0,0.1\n1,0.2\n2,0.3\n3,0.4\n");
    let sweep = read(&dir, "sweep.csv");
    let header = sweep.lines().next().unwrap();
    assert_eq!(
        header,
        "point,a,b,p_alliance_end,p_alliance_ever,p_rivalry_end,mean_alignment_end,q05_alignment_end,q50_alignment_end,q95_alignment_end"
    );
    // The tutorial has 3 states: 3 pairs per point.
    assert_eq!(sweep.lines().count(), 1 + 4 * 3);
    assert!(
        !dir.join("sensitivity.csv").exists(),
        "no indices for a grid"
    );
    let m = manifest_core(&dir);
    assert_eq!(m["kind"], "sweep");
    assert_eq!(m["design"], "grid:4");
    assert_eq!(m["points"], 4);
    assert_eq!(m["runs"], 64);
    // No temp, progress or probe file is left.
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.iter().any(|n| n == ".entente.lock"), "{names:?}");
}

#[test]
fn points_with_the_same_values_get_the_same_statistics() {
    // One factor at a time around eta = 0.4 (the tutorial's default): the base point and
    // eta's middle level are the same values, run with the same random numbers.
    let home = TempDir::new().unwrap();
    let tutorial = repo(TUTORIAL);
    let o = entente(
        home.path(),
        &[
            "sweep",
            tutorial.to_str().unwrap(),
            "--vary",
            "eta=0.3:0.5",
            "--design",
            "oat:3",
            "--runs",
            "200",
            "--out",
            "sw",
        ],
    );
    ok(&o);
    let dir = home.path().join("sw");
    assert_eq!(
        read(&dir, "design.csv"),
        "point,eta\n0,0.4\n1,0.3\n2,0.4\n3,0.5\n"
    );
    let sweep = read(&dir, "sweep.csv");
    let rows = |p: &str| -> Vec<String> {
        sweep
            .lines()
            .filter(|l| l.starts_with(&format!("{p},")))
            .map(|l| l.split_once(',').unwrap().1.to_string())
            .collect()
    };
    assert_eq!(rows("0"), rows("2"));
    assert_ne!(rows("0"), rows("1"));
}

#[test]
fn threads_shards_and_merge_give_the_same_bytes() {
    let home = TempDir::new().unwrap();
    let tutorial = repo(TUTORIAL);
    let t = tutorial.to_str().unwrap();
    let common = [
        "sweep",
        t,
        "--vary",
        "eta=0.1:0.4",
        "--vary",
        "tau=0.5:1",
        "--design",
        "morris:4",
        "--runs",
        "64",
        "-q",
    ];
    let run = |extra: &[&str]| {
        let mut a = common.to_vec();
        a.extend(extra);
        let o = entente(home.path(), &a);
        ok(&o);
    };
    run(&["--threads", "1", "--out", "one"]);
    run(&["--threads", "2", "--out", "two"]);
    for k in 0..3 {
        run(&["--shard", &format!("{k}/3"), "--out", "parts"]);
    }
    let o = entente(home.path(), &["merge", "parts", "--out", "merged"]);
    ok(&o);
    let (one, two, merged) = (
        home.path().join("one"),
        home.path().join("two"),
        home.path().join("merged"),
    );
    for f in ["design.csv", "sweep.csv", "sensitivity.csv"] {
        assert_eq!(read(&one, f), read(&two, f), "{f}: threads");
        assert_eq!(read(&one, f), read(&merged, f), "{f}: merge");
    }
    assert_eq!(manifest_core(&one), manifest_core(&merged));
    let sens = read(&one, "sensitivity.csv");
    assert!(sens.starts_with("output,a,b,factor,method,index,estimate,ci_low,ci_high,note\n"));
    assert!(sens.contains(",morris,mu_star,"), "{sens}");
    // A missing shard is named.
    fs::remove_file(home.path().join("parts/sweep-part-1-of-3.csv")).unwrap();
    let o = entente(home.path(), &["merge", "parts", "--out", "merged2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("missing sweep shards 1 of 3"),
        "{}",
        stderr(&o)
    );
    // Damaged parts are refused: a probability out of range, a row cut short, a row too many.
    run(&["--shard", "1/3", "--out", "parts"]);
    let p0 = home.path().join("parts/sweep-part-0-of-3.csv");
    let good = fs::read_to_string(&p0).unwrap();
    let (head, rows) = good.split_once('\n').unwrap();
    let last = rows.lines().last().unwrap().to_string();
    // The rows of one point: part 0 starts at point 0.
    let per_point = rows.lines().filter(|l| l.starts_with("0,")).count();
    let too_many = format!("points of {per_point} rows each");
    // Resealed (a digest that matches the edit): the rows' own checks refuse them.
    for (bad, expected) in [
        (
            format!("{head}\n{}", rows.replacen(",0.", ",1.", 1)),
            "digest mismatch",
        ),
        (
            reseal_sweep_part(head, &rows.replacen(",0.", ",9.", 1)),
            ":2: expected a row",
        ),
        (
            reseal_sweep_part(head, &rows[..rows.len() - 3]),
            "before point",
        ),
        (
            reseal_sweep_part(head, &format!("{rows}{last}\n")),
            too_many.as_str(),
        ),
    ] {
        fs::write(&p0, bad).unwrap();
        let o = entente(home.path(), &["merge", "parts", "--out", "merged3"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{expected}: {}", stderr(&o));
        assert!(!home.path().join("merged3").exists());
    }
}

#[test]
fn merge_names_what_differs_between_sweep_parts() {
    let home = TempDir::new().unwrap();
    let tutorial = repo(TUTORIAL);
    let shard = |k: u32, out: &str, extra: &[&str]| {
        let mut a = vec![
            "sweep",
            tutorial.to_str().unwrap(),
            "--vary",
            "eta=0.1:0.4",
            "--design",
            "grid:2",
            "--runs",
            "16",
            "-q",
        ];
        let spec = format!("{k}/2");
        a.extend(["--shard", &spec, "--out", out]);
        a.extend(extra);
        ok(&entente(home.path(), &a));
    };
    for (label, extra, phrase) in [
        (
            "seed",
            &["--seed", "5"][..],
            "they differ in --seed: 11 vs 5",
        ),
        (
            "theory",
            &["--theory", "waltz"][..],
            "they differ in --theory: null vs \"waltz\"",
        ),
        (
            "set",
            &["--set", "tau=0.5"][..],
            "they differ in --set: [] vs [\"tau=0.5\"]",
        ),
    ] {
        let dir = format!("parts-{label}");
        shard(0, &dir, &[]);
        shard(1, &dir, extra);
        let o = entente(home.path(), &["merge", &dir, "--out", "merged"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(phrase) && stderr(&o).contains("sweep-part-1-of-2.csv"),
            "{label}: {}",
            stderr(&o)
        );
        assert!(!home.path().join("merged").exists());
    }
}

/// `part` (a sweep part's text) with its header's JSON changed by `edit` and a digest that
/// matches: what a forger would write.
fn forge(part: &str, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> String {
    let (head, rows) = part.split_once('\n').unwrap();
    let at = head.find('{').unwrap();
    let mut h: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&head[at..]).unwrap();
    h.remove("digest");
    edit(&mut h);
    let json = serde_json::to_string(&h).unwrap();
    let head = format!(
        "{}{},\"digest\":\"sha256:0\"}}",
        &head[..at],
        &json[..json.len() - 1]
    );
    reseal_sweep_part(&head, rows)
}

#[test]
fn merge_refuses_forged_identities() {
    let home = TempDir::new().unwrap();
    let tutorial = repo(TUTORIAL);
    for k in 0..2 {
        let spec = format!("{k}/2");
        ok(&entente(
            home.path(),
            &[
                "sweep",
                tutorial.to_str().unwrap(),
                "--vary",
                "eta=0.1:0.4",
                "--vary",
                "tau=0.5:1",
                "--design",
                "morris:2",
                "--runs",
                "16",
                "-q",
                "--shard",
                &spec,
                "--out",
                "parts",
            ],
        ));
    }
    // A one-at-a-time design around a base outside a factor's range (the flagship's eta,
    // 0.0216, below 0.1): its unit coordinates leave [0, 1], and its parts merge.
    for k in 0..2 {
        let spec = format!("{k}/2");
        ok(&entente(
            home.path(),
            &[
                "sweep",
                "--vary",
                "eta=0.1:0.4",
                "--design",
                "oat:3",
                "--runs",
                "4",
                "--pairs",
                "CHN-RUS",
                "-q",
                "--shard",
                &spec,
                "--out",
                "oat",
            ],
        ));
    }
    ok(&entente(
        home.path(),
        &["merge", "oat", "--out", "oat-merged", "-q"],
    ));
    let p0 = home.path().join("parts/sweep-part-0-of-2.csv");
    let good = fs::read_to_string(&p0).unwrap();
    // The resealed part itself merges: only the edits make it fail.
    fs::write(&p0, forge(&good, |_| {})).unwrap();
    ok(&entente(
        home.path(),
        &["merge", "parts", "--out", "merged"],
    ));
    let set = |key: &'static str, v: serde_json::Value| {
        move |h: &mut serde_json::Map<String, serde_json::Value>| {
            h["identity"][key] = v;
        }
    };
    let design = |h: &serde_json::Map<String, serde_json::Value>, from: &str, to: &str| {
        let csv = h["identity"]["design_csv"]
            .as_str()
            .unwrap()
            .replacen(from, to, 1);
        use sha2::{Digest, Sha256};
        let sha: String = Sha256::digest(csv.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        (csv, sha)
    };
    type Edit = Box<dyn FnOnce(&mut serde_json::Map<String, serde_json::Value>)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(set("layout", "morris:5:2:4".into())),
            "layout `morris:5:2:4` does not fit 6 points of 2 factors",
        ),
        (
            Box::new(set("unit", serde_json::json!([[0.5, 0.5]]))),
            "unit: expected 6 points of 2 finite values",
        ),
        (
            Box::new(set("points", 7.into())),
            "design_csv has 6 points, the identity 7",
        ),
        (
            Box::new(set("evaluate", "vote".into())),
            "evaluate `vote`: expected study or backtest",
        ),
        (
            Box::new(set("design_csv", "point,eta,tau\n".into())),
            "design_csv does not have the SHA-256 design_sha256 gives",
        ),
        (
            Box::new(move |h| {
                let (csv, sha) = design(h, "\n0,", "\n0,\u{1b}[2J");
                h["identity"]["design_csv"] = csv.into();
                h["identity"]["design_sha256"] = sha.into();
            }),
            "text with the control character U+001B",
        ),
        (
            Box::new(set("theory", "walt\u{202e}".into())),
            "text with the control character U+202E",
        ),
        (
            Box::new(|h| {
                h.insert("shards".into(), 0.into());
            }),
            "shard 0 of 0: expected a shard K of N with K < N",
        ),
    ];
    for (edit, expected) in cases {
        fs::write(&p0, forge(&good, edit)).unwrap();
        let o = entente(home.path(), &["merge", "parts", "--out", "merged2"]);
        assert_eq!(o.status.code(), Some(2), "{expected}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("sweep-part-0-of-2.csv:1: "), "{e}");
        assert!(e.contains(expected), "{expected}: {e}");
        assert!(!e.contains('\u{1b}') && !e.contains('\u{202e}'), "{e}");
        assert!(!home.path().join("merged2").exists());
    }
}

/// A sweep part of header line `head` (its digest replaced) and `rows`, with the digest
/// these rows give: what a forger would write.
fn reseal_sweep_part(head: &str, rows: &str) -> String {
    use sha2::{Digest, Sha256};
    let at = head
        .rfind(",\"digest\":\"sha256:")
        .expect("a digest member");
    let magic_end = head.find('{').unwrap();
    let json = format!("{}}}", &head[magic_end..at]);
    let digest: String = Sha256::digest(format!("{json}\n{rows}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}{},\"digest\":\"sha256:{digest}\"}}\n{rows}",
        &head[..magic_end],
        &json[..json.len() - 1]
    )
}

/// Wait until `path` holds at least `lines` lines, at most 60 s.
fn wait_for_lines(path: &Path, lines: usize) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if fs::read_to_string(path).is_ok_and(|t| t.lines().count() >= lines) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn an_interrupted_sweep_resumes_where_it_stopped() {
    let home = TempDir::new().unwrap();
    let args = [
        "sweep",
        "--vary",
        "d0=800:1200",
        "--design",
        "grid:24",
        "--runs",
        "1000",
        "--pairs",
        "CHN-RUS,USA-CHN",
        "--threads",
        "1",
        "-q",
    ];
    let full = {
        let mut a = args.to_vec();
        a.extend(["--out", "full"]);
        ok(&entente(home.path(), &a));
        home.path().join("full")
    };
    // Start the same sweep, kill it once a few points are done, and run it again.
    let mut a = args.to_vec();
    a.extend(["--out", "cut"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_entente"))
        .current_dir(home.path())
        .args(&a)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let progress = home.path().join("cut/.sweep-progress.csv");
    assert!(wait_for_lines(&progress, 6), "no progress written");
    child.kill().unwrap();
    child.wait().unwrap();
    // Killed before the end (the sweep takes seconds): its completed points are kept.
    let interrupted = progress.exists();
    let loud: Vec<&str> = a.iter().copied().filter(|x| *x != "-q").collect();
    let o = entente(home.path(), &loud);
    ok(&o);
    let cut = home.path().join("cut");
    if interrupted {
        assert!(stderr(&o).contains("resuming: "), "stderr: {}", stderr(&o));
    }
    for f in ["design.csv", "sweep.csv"] {
        assert_eq!(read(&full, f), read(&cut, f), "{f}");
    }
    assert!(!progress.exists(), "the progress file is removed when done");
}

#[test]
fn sobol_writes_first_and_total_indices_and_notes_outputs_that_do_not_vary() {
    let home = TempDir::new().unwrap();
    let tutorial = repo(TUTORIAL);
    let o = entente(
        home.path(),
        &[
            "sweep",
            tutorial.to_str().unwrap(),
            "--vary",
            "eta=0.1:0.4",
            "--vary",
            "sigma_d=0.05:0.3",
            "--design",
            "sobol:16",
            "--runs",
            "32",
            "--out",
            "sw",
            "-q",
        ],
    );
    ok(&o);
    let dir = home.path().join("sw");
    assert_eq!(read(&dir, "design.csv").lines().count(), 1 + 16 * 4);
    let sens = read(&dir, "sensitivity.csv");
    assert!(
        sens.contains(",sobol,S1,") && sens.contains(",sobol,ST,"),
        "{sens}"
    );
    for line in sens.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 10, "{line}");
        // Either an estimate or a note, never NaN.
        assert!(!line.contains("NaN") && !line.contains("inf"), "{line}");
        assert!(f[6].is_empty() != f[9].is_empty(), "{line}");
    }
}

#[test]
fn the_shipped_experiment_file_runs() {
    let home = TempDir::new().unwrap();
    let file = repo("scenarios/experiments/china-russia.toml");
    let o = entente(
        home.path(),
        &[
            "sweep",
            file.to_str().unwrap(),
            "--runs",
            "16",
            "--design",
            "morris:2",
            "--out",
            "x",
            "-q",
        ],
    );
    ok(&o);
    let m = manifest_core(&home.path().join("x"));
    assert_eq!(m["scenario"], "vostok-2018");
    assert_eq!(m["factors"].as_array().unwrap().len(), 5);
    assert_eq!(m["points"], 12);
}

#[test]
fn bad_sweeps_exit_2_and_write_nothing() {
    let home = TempDir::new().unwrap();
    let t = repo(TUTORIAL);
    let t = t.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--vary", "eta=0.4:0.1", "--design", "grid:3"],
            "LOW < HIGH",
        ),
        (vec!["--vary", "etta=0.1:0.4", "--design", "grid:3"], "etta"),
        (
            vec!["--vary", "pair.AAA-BBB.mistrust=0:1", "--design", "grid:3"],
            "AAA",
        ),
        (
            vec![
                "--vary",
                "pair.NEAR-SMALL.mistrust=0.2:1.5",
                "--design",
                "grid:3",
            ],
            "[0, 1]",
        ),
        (
            vec!["--vary", "eta=0.1:0.4", "--design", "sobol:1"],
            "sobol",
        ),
        (
            vec!["--vary", "eta=0.1:0.4", "--design", "morris:1"],
            "morris",
        ),
        (
            vec!["--vary", "theory=walt,waltz", "--design", "lhs:5"],
            "theory",
        ),
        (vec!["--vary", "eta=0.1:0.4", "--design", "cube:3"], "cube"),
        (vec!["--vary", "eta=0.1:0.4"], "no design"),
        (vec!["--design", "grid:3"], "no factor"),
        (
            vec![
                "--vary",
                "eta=0.1:0.4",
                "--design",
                "grid:3",
                "--pairs",
                "A-Q",
            ],
            "Q",
        ),
    ];
    for (args, expected) in cases {
        let mut a = vec!["sweep", t, "--out", "sw", "--runs", "16", "-q"];
        a.extend(args.iter().copied());
        let o = entente(home.path(), &a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(!home.path().join("sw").exists(), "{args:?}");
    }
}

#[test]
fn experiment_file_errors_are_located() {
    let home = TempDir::new().unwrap();
    let write = |text: &str| fs::write(home.path().join("x.toml"), text).unwrap();
    let run = || entente(home.path(), &["sweep", "x.toml", "--out", "sw", "-q"]);
    write(
        "[experiment]\ndesign = \"grid:3\"\nruns = 0\n\n[[factor]]\npath = \"eta\"\nlow = 0.4\nhigh = 0.1\n",
    );
    let o = run();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("x.toml:3:8: experiment.runs: expected an integer >= 1"),
        "{e}"
    );
    assert!(e.contains("x.toml:7:7: factor[0].low"), "{e}");
    write("[experiment]\ndesign = \"grid:3\"\nrunz = 5\n");
    let o = run();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("x.toml:3:1"), "{}", stderr(&o));
    write(
        "[experiment]\ndesign = \"grid:3\"\nscenario = \"nope.toml\"\n\n[[factor]]\npath = \"eta\"\nvalues = [0.1, 0.2]\n",
    );
    let o = run();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no scenario file `nope.toml`"),
        "{}",
        stderr(&o)
    );
    // Text that would act on a terminal is refused wherever it is, a note included (TOML
    // refuses a raw escape character; its `\u001b` escape reaches the parsed text).
    write(
        "[experiment]\ndesign = \"grid\"\nnote = \"ok\\u001b[2J\"\n\n[[factor]]\npath = \"eta\"\nvalues = [0.1, 0.2]\nsource = \"\u{202e}x\"\n",
    );
    let o = run();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("x.toml:3:8: experiment.note: text with the control character U+001B"),
        "{e}"
    );
    assert!(
        e.contains("factor[0].source: text with the control character U+202E"),
        "{e}"
    );
    assert!(!e.contains('\u{1b}'), "{e}");
    // Factors in the file and on the command line.
    write("[experiment]\ndesign = \"grid\"\n\n[[factor]]\npath = \"eta\"\nvalues = [0.1, 0.2]\n");
    let o = entente(
        home.path(),
        &["sweep", "x.toml", "--vary", "tau=0:1", "--out", "sw"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not both"), "{}", stderr(&o));
    assert!(!home.path().join("sw").exists());
}
