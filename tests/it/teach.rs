//! The teaching commands end to end, through the binary: `explain` (golden text, the JSON and
//! Markdown forms carry the same decisions, the run is run K of `entente run`), `compare`
//! (common random numbers; balance of power versus balance of threat on the tutorial), and
//! `report` (self-contained HTML, one SVG per chart, rendered by headless Chromium when it is
//! installed).
//!
//! Studies here are small (a few hundred runs of three-state tutorials): the module runs in
//! a few seconds, plus the browser when there is one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use entente::output::format_year;

use super::{chromium_available, repo};

const TUTORIAL: &str = "scenarios/tutorial/far-strongest-near-weaker.toml";
const BANDWAGON: &str = "scenarios/tutorial/bandwagon.toml";

/// `entente ARGS` run from the repository root (scenario paths are relative to it, so the
/// output is the same on every machine).
fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente"))
        .current_dir(repo(""))
        .args(args)
        .output()
        .expect("run entente")
}

fn ok(args: &[&str]) -> String {
    let o = entente(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "entente {args:?} failed\nstderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("stdout is UTF-8")
}

fn fails(args: &[&str], message: &str) {
    let o = entente(args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "entente {args:?}: {stderr}");
    assert!(
        stderr.contains(message),
        "entente {args:?}: expected `{message}` in stderr:\n{stderr}"
    );
}

// ------------------------------------------------------------------------------------------
// explain

/// Compare `text` with `tests/it/golden/<name>`, or rewrite it with ENTENTE_UPDATE_GOLDEN=1.
fn golden(name: &str, text: &str) {
    let path = repo("tests/it/golden").join(name);
    if std::env::var_os("ENTENTE_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, text).expect("write golden file");
        eprintln!("golden file rewritten: {}", path.display());
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (create it with ENTENTE_UPDATE_GOLDEN=1 cargo test --test it teach)",
            path.display()
        )
    });
    if text != want {
        let line = text
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or(text.lines().count().min(want.lines().count()), |k| k);
        panic!(
            "{} differs from the output, first at line {}:\n  got:  {:?}\n  want: {:?}\nIf the change is intended, rerun with ENTENTE_UPDATE_GOLDEN=1 and review `git diff tests/it/golden`.",
            path.display(),
            line + 1,
            text.lines().nth(line),
            want.lines().nth(line)
        );
    }
}

/// The story of run 3 of the tutorial under both theories, as checked-in text.
///
/// A deliberate change of the model or of the wording changes these files: rerun with
/// `ENTENTE_UPDATE_GOLDEN=1 cargo test --test it teach` and review the diff.
#[test]
fn explain_golden_text() {
    let walt = ok(&[
        "explain", TUTORIAL, "--seed", "42", "--run", "3", "--every", "5",
    ]);
    golden("explain-far-strongest-near-weaker.txt", &walt);
    let waltz = ok(&[
        "explain", TUTORIAL, "--seed", "42", "--run", "3", "--every", "5", "--theory", "waltz",
    ]);
    golden("explain-far-strongest-near-weaker-waltz.txt", &waltz);
    // What the story must show a student, whatever the wording.
    assert!(walt.contains("SMALL balances against NEAR"), "{walt}");
    assert!(walt.contains("biggest source: proximity"), "{walt}");
    assert!(waltz.contains("SMALL balances against GIANT"), "{waltz}");
    assert!(waltz.contains("NEAR-SMALL: rivalry → neutral"), "{waltz}");
    assert!(waltz.contains("(ignored)"), "{waltz}");
}

/// The headline of a JSON decision entry, as the text form writes it.
fn headline(d: &serde_json::Value) -> String {
    let state = d["state"].as_str().expect("state");
    let principal = d["principal"].as_str().expect("principal");
    match d["strategy"].as_str().expect("strategy") {
        "secure" => format!("{state} is secure (its principal threat: {principal})"),
        "bandwagon" => format!("{state} bandwagons with {principal}"),
        "balance" => format!("{state} balances against {principal}"),
        other => panic!("unknown strategy {other}"),
    }
}

/// Decision headlines of the text form, as `(year, headline)`.
fn text_decisions(text: &str, focus: &[String]) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let (year, rest) = line.split_once(' ')?;
            if year.parse::<f64>().is_err() {
                return None;
            }
            let rest = rest.trim_start();
            let is_decision = focus.iter().any(|s| {
                rest.strip_prefix(s.as_str()).is_some_and(|r| {
                    r.starts_with(" balances against ")
                        || r.starts_with(" is secure ")
                        || r.starts_with(" bandwagons with ")
                })
            });
            if !is_decision {
                return None;
            }
            let end = rest.find(" (was").or_else(|| rest.find(" (new principal"));
            let head = match end {
                Some(k) => &rest[..k],
                None => rest.trim_end_matches('.'),
            };
            Some((year.to_string(), head.trim_end_matches('.').to_string()))
        })
        .collect()
}

#[test]
fn explain_json_and_markdown_carry_the_decisions_of_the_text() {
    // The flagship with d0 = 600 km: China and Russia change their principal threats, so
    // decisions are reported for changes too, not only at the start.
    let flagship = ["--focus", "CHN,RUS", "--set", "d0=600"];
    let mut changes = 0;
    for (scenario, theory, extra) in [
        (TUTORIAL, "walt", &[][..]),
        (TUTORIAL, "waltz", &[][..]),
        (BANDWAGON, "walt", &[][..]),
        ("", "walt", &flagship[..]),
    ] {
        let mut args = vec!["explain"];
        if !scenario.is_empty() {
            args.push(scenario);
        }
        args.extend(["--seed", "5", "--run", "1", "--theory", theory]);
        args.extend(extra);
        let text = ok(&args);
        let json = ok(&[args.as_slice(), &["--format", "json"]].concat());
        let md = ok(&[args.as_slice(), &["--format", "md"]].concat());
        let story: serde_json::Value = serde_json::from_str(&json).expect("explain json parses");
        assert_eq!(story["theory"], theory);
        assert_eq!(story["seed"], 5);
        assert_eq!(story["run"], 1);
        let focus: Vec<String> = story["focus"]
            .as_array()
            .expect("focus")
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let entries = story["entries"].as_array().expect("entries");
        let decisions: Vec<(String, String)> = entries
            .iter()
            .filter(|e| e["kind"] == "decision")
            .map(|d| (format_year(d["year"].as_f64().unwrap()), headline(d)))
            .collect();
        assert!(
            decisions.len() >= focus.len(),
            "every followed state's decision at the start"
        );
        assert_eq!(
            decisions,
            text_decisions(&text, &focus),
            "{scenario} {theory}: the JSON and the text report the same decisions"
        );
        changes += entries
            .iter()
            .filter(|e| e["kind"] == "decision" && e["reported"] != "start")
            .count();
        for (_, h) in &decisions {
            assert!(md.contains(&format!("**{h}**")), "markdown lacks {h}");
        }
        for d in entries.iter().filter(|e| e["kind"] == "decision") {
            assert!(
                ["power", "proximity", "offense", "intent"]
                    .contains(&d["biggest_source"].as_str().unwrap()),
                "{d}"
            );
            assert!(!d["why"].as_str().unwrap().is_empty());
            for k in ["power", "proximity", "offense", "intent"] {
                assert!(d["sources"][k].is_number() && d["factors"][k].is_number());
            }
        }
        let last = entries.last().expect("entries");
        assert_eq!(last["kind"], "final", "the story ends with the final state");
        assert_eq!(last["year"].as_f64(), story["end_year"].as_f64());
    }
    assert!(changes > 0, "some decisions are reported for a change");
}

/// Run K of `explain` is run K of `entente run` with the same seed: the story's final
/// alignments are the study's `runs.csv` row K.
#[test]
fn explain_tells_run_k_of_the_study() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let out_s = out.display().to_string();
    ok(&[
        "run",
        TUTORIAL,
        "--seed",
        "9",
        "--runs",
        "6",
        "--per-run",
        "--quiet",
        "--out",
        &out_s,
    ]);
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.nth(4).unwrap().split(',').collect();
    assert_eq!(row[0], "4");
    let json = ok(&[
        "explain", TUTORIAL, "--seed", "9", "--run", "4", "--format", "json",
    ]);
    let story: serde_json::Value = serde_json::from_str(&json).unwrap();
    let last = story["entries"].as_array().unwrap().last().unwrap().clone();
    let pairs = last["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    for p in pairs {
        let name = format!("{}-{}", p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
        let col = header.iter().position(|h| *h == name).expect("pair column");
        assert_eq!(
            format!("{:.6}", p["alignment"].as_f64().unwrap()),
            row[col],
            "{name}"
        );
    }
}

#[test]
fn explain_focus_every_and_errors() {
    let text = ok(&["explain", BANDWAGON, "--focus", "WEAK", "--every", "10"]);
    assert!(text.contains("WEAK bandwagons with BULLY"), "{text}");
    assert!(
        text.contains("bandwagoning with BULLY is worth B = 0.38"),
        "{text}"
    );
    assert!(
        !text.contains("FAR balances"),
        "only the focused state's decisions"
    );
    // Default focus on a 17-state scenario: the 3 most powerful states.
    let flagship = ok(&["explain", "--every", "4", "--format", "json"]);
    let story: serde_json::Value = serde_json::from_str(&flagship).unwrap();
    assert_eq!(story["focus"].as_array().unwrap().len(), 3);
    assert_eq!(story["focus"][0], "USA");
    fails(
        &["explain", BANDWAGON, "--focus", "WEEK"],
        "did you mean `WEAK`?",
    );
    // Ids are capitals: a lower-case id names the same state.
    let lower = ok(&["explain", BANDWAGON, "--focus", "weak", "--every", "10"]);
    assert!(lower.contains("WEAK bandwagons with BULLY"), "{lower}");
    fails(&["explain", BANDWAGON, "--every", "0"], "--every 0");
    fails(&["explain", BANDWAGON, "--settle=-1"], "--settle -1");
    // Crossings reversed within a year are left out (with their reversals); --settle 0 tells
    // every one. Either way, each followed pair's changes chain from its class at the start.
    let crossings = |settle: &str| {
        let json = ok(&[
            "explain", "--run", "5", "--settle", settle, "--format", "json",
        ]);
        let story: serde_json::Value = serde_json::from_str(&json).unwrap();
        let changes: Vec<serde_json::Value> = story["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "alignment")
            .cloned()
            .collect();
        let mut last = std::collections::BTreeMap::new();
        for c in &changes {
            let pair = format!("{}-{}", c["a"], c["b"]);
            if let Some(to) = last.insert(pair.clone(), c["to"].clone()) {
                assert_eq!(to, c["from"], "{pair} at {}", c["year"]);
            }
        }
        (changes.len(), story["brief_crossings"].as_u64().unwrap())
    };
    let (all, none) = crossings("0");
    let (told, left_out) = crossings("1");
    assert_eq!(none, 0);
    assert!(left_out > 0 && left_out % 2 == 0, "{left_out}");
    assert_eq!(told + left_out as usize, all);
    // The text says so (its words joined across the wrapped lines).
    let text = ok(&["explain", "--run", "5", "--every", "4"]);
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let said = format!("({left_out} crossings of the followed pairs reversed sooner are left out)");
    assert!(words.contains(&said), "{text}");
    fails(
        &["explain", BANDWAGON, "--theory", "realism"],
        "unknown theory",
    );
}

// ------------------------------------------------------------------------------------------
// compare

fn compare(args: &[&str]) -> (tempfile::TempDir, PathBuf, String) {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("cmp");
    let out_s = out.display().to_string();
    let stdout = ok(&[&["compare"], args, &["--out", &out_s]].concat());
    (home, out, stdout)
}

type Rows = Vec<csv::StringRecord>;

fn csv_rows(path: &Path) -> (csv::StringRecord, Rows) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().clone();
    let rows = r.records().map(|x| x.unwrap()).collect();
    (header, rows)
}

/// The value of `column` in the row of `theory` and `key` (the pair `a,b` or the state).
fn value(header: &csv::StringRecord, rows: &Rows, theory: &str, key: &[&str], column: &str) -> f64 {
    let c = header.iter().position(|h| h == column).expect("column");
    let row = rows
        .iter()
        .find(|r| &r[0] == theory && key.iter().enumerate().all(|(k, v)| &r[k + 1] == *v))
        .unwrap_or_else(|| panic!("no row {theory} {key:?}"));
    row[c].parse().unwrap()
}

#[test]
fn compare_identical_theories_give_identical_results() {
    let (_home, out, stdout) = compare(&[
        TUTORIAL,
        "--theories",
        "walt,walt",
        "--runs",
        "200",
        "--seed",
        "3",
    ]);
    for file in ["compare.csv", "compare-states.csv"] {
        let (_, rows) = csv_rows(&out.join(file));
        let half = rows.len() / 2;
        assert!(half > 0);
        for (a, b) in rows[..half].iter().zip(&rows[half..]) {
            assert_eq!(&a[0], "walt");
            assert_eq!(
                a.iter().skip(1).collect::<Vec<_>>(),
                b.iter().skip(1).collect::<Vec<_>>(),
                "{file}: common random numbers make equal theories equal"
            );
        }
    }
    assert!(stdout.contains("P(alliance) in 2020"), "{stdout}");
    // The manifest says what made the folder: kind, versions, theories, seed, runs, files,
    // and each theory's resolved scenario (the hash `entente run` records for it).
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["kind"], "compare");
    assert_eq!(m["theories"], serde_json::json!(["walt", "walt"]));
    assert_eq!(
        (m["seed"].as_u64(), m["runs"].as_u64()),
        (Some(3), Some(200))
    );
    assert_eq!(
        m["files"],
        serde_json::json!(["compare.csv", "compare-states.csv", "manifest.json"])
    );
    assert!(
        stdout.contains("(compare.csv, compare-states.csv, manifest.json)"),
        "{stdout}"
    );
    // The same runs as `entente run`: compare.csv's numbers are summary.csv's.
    let home = tempfile::tempdir().unwrap();
    let run_out = home.path().join("run");
    let run_s = run_out.display().to_string();
    ok(&[
        "run", TUTORIAL, "--runs", "200", "--seed", "3", "--quiet", "--out", &run_s,
    ]);
    let run_manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_out.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        m["scenario_sha256"]["walt"],
        run_manifest["scenario_sha256"]
    );
    // A comparison is not a study: `report` says what the folder is.
    let o = entente(&["report", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("kind \"compare\" (the results of `entente compare`)"),
        "{e}"
    );
    let (sh, srows) = csv_rows(&run_out.join("summary.csv"));
    let (ch, crows) = csv_rows(&out.join("compare.csv"));
    for r in &srows {
        for col in ["p_alliance_end", "p_rivalry_end", "mean_alignment_end"] {
            let c = sh.iter().position(|h| h == col).unwrap();
            let want: f64 = r[c].parse().unwrap();
            assert_eq!(value(&ch, &crows, "walt", &[&r[0], &r[1]], col), want);
        }
    }
    assert_eq!(
        ch.iter().collect::<Vec<_>>(),
        [
            "theory",
            "a",
            "b",
            "p_alliance_end",
            "p_alliance_ever",
            "p_rivalry_end",
            "mean_alignment_end",
            "q05_alignment_end",
            "q50_alignment_end",
            "q95_alignment_end",
            "seed",
            "runs"
        ],
        "the documented header (docs/output.md)"
    );
    // One column order for both files: the statistics come in summary.csv's order.
    let stats = |h: &csv::StringRecord| -> Vec<String> {
        h.iter()
            .filter(|c| c.starts_with("p_") || c.contains("alignment_end"))
            .map(String::from)
            .collect()
    };
    assert_eq!(stats(&ch), stats(&sh), "compare.csv and summary.csv");
}

/// Balance of power versus balance of threat on the tutorial: under waltz SMALL fears the
/// far giant and allies with its neighbour; under walt it fears the neighbour.
#[test]
fn compare_walt_and_waltz_differ_as_the_theories_predict() {
    let (_home, out, stdout) = compare(&[
        TUTORIAL,
        "--theories",
        "walt,waltz",
        "--runs",
        "200",
        "--threads",
        "2",
    ]);
    let (h, rows) = csv_rows(&out.join("compare.csv"));
    let p = |t: &str, a: &str, b: &str, c: &str| value(&h, &rows, t, &[a, b], c);
    let (walt, waltz) = (
        p("walt", "NEAR", "SMALL", "mean_alignment_end"),
        p("waltz", "NEAR", "SMALL", "mean_alignment_end"),
    );
    assert!(
        waltz >= walt + 0.4,
        "mean NEAR-SMALL alignment: waltz {waltz} should exceed walt {walt}"
    );
    assert!(p("walt", "NEAR", "SMALL", "p_rivalry_end") > 0.5);
    assert!(p("waltz", "GIANT", "SMALL", "p_rivalry_end") > 0.5);
    let (h, rows) = csv_rows(&out.join("compare-states.csv"));
    let principal = |t: &str| {
        let c = h
            .iter()
            .position(|x| x == "top_principal_threat_end")
            .unwrap();
        rows.iter()
            .find(|r| &r[0] == t && &r[1] == "SMALL")
            .unwrap()[c]
            .to_string()
    };
    assert_eq!(principal("walt"), "NEAR");
    assert_eq!(principal("waltz"), "GIANT");
    assert!(stdout.contains("NEAR-SMALL"), "{stdout}");
    fails(
        &["compare", TUTORIAL, "--theories", "walt,realism"],
        "unknown theory",
    );
    fails(
        &["compare", TUTORIAL, "--pairs", "NEAR-MARS", "--runs", "1"],
        "--pairs NEAR-MARS",
    );
}

// ------------------------------------------------------------------------------------------
// report

/// A study of the tutorial with `--report`, in a temporary folder.
fn study_with_report(scenario: &Path, runs: &str) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("study");
    let out_s = out.display().to_string();
    let scenario_s = scenario.display().to_string();
    let stdout = ok(&[
        "run",
        &scenario_s,
        "--runs",
        runs,
        "--seed",
        "1",
        "--out",
        &out_s,
        "--report",
    ]);
    assert!(stdout.contains("Report: "), "{stdout}");
    (home, out)
}

#[test]
fn report_is_self_contained_with_one_svg_per_chart() {
    let (_home, out) = study_with_report(&repo(TUTORIAL), "200");
    let html =
        std::fs::read_to_string(out.join("report.html")).expect("run --report writes report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("http"),
        "no URL: the report must open offline"
    );
    for forbidden in ["<script", "<link", "<img", "@import", "url(", "src="] {
        assert!(!html.contains(forbidden), "the report has no `{forbidden}`");
    }
    let charts = entente::teach::report::CHARTS;
    assert_eq!(
        html.matches("<svg").count(),
        charts.len(),
        "one <svg> per chart"
    );
    for id in charts {
        let at = html
            .find(&format!("<section id=\"{id}\">"))
            .unwrap_or_else(|| panic!("section {id}"));
        let svg = html[at..].find("<svg").unwrap();
        let end = html[at..].find("</section>").unwrap();
        assert!(svg < end, "the chart of section {id} is inside it");
    }
    // P(rivalry) beside P(alliance), and the words a student needs.
    let rivalry = super::section(&html, "rivalry");
    assert!(rivalry.contains("<h2>Probability of rivalry over time</h2>"));
    super::assert_texts(
        "P(rivalry) chart",
        rivalry,
        &["P(rivalry)", "year", "NEAR-SMALL"],
    );
    let glossary = super::section(&html, "glossary");
    for (term, _) in entente::teach::report::GLOSSARY {
        assert!(
            glossary.contains(&format!("<dt>{term}</dt>")),
            "the glossary defines {term}"
        );
    }
    assert!(glossary.contains("Monte Carlo sampling error"));
    assert!(html.contains("<li><a href=\"#rivalry\">Probability of rivalry</a></li>"));
    for text in [
        "@media print",
        "Far strongest, near weaker",
        "NEAR-SMALL",
        "<h2>Assumptions</h2>",
        "<h2>Model parameters</h2>",
        "<h2>Sources</h2>",
        "Fictional states; every value is a teaching assumption.",
    ] {
        assert!(html.contains(text), "the report shows `{text}`");
    }
    // A pair's note is in the appendix only.
    assert!(!html.contains("Assumption: a land border and an old border quarrel."));
    assert!(!html.contains("<section id=\"appendix\">"));

    // `entente report` re-loads the scenario from the manifest: the same page.
    let again = out.join("again.html");
    let again_s = again.display().to_string();
    let out_s = out.display().to_string();
    let stdout = ok(&["report", &out_s, "--out", &again_s]);
    assert!(stdout.contains("again.html"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&again).unwrap(), html);

    let chosen = ok(&["report", &out_s, "--pairs", "SMALL-GIANT", "--out", "-"]);
    assert!(chosen.contains("chosen with --pairs"));
    assert!(chosen.contains("GIANT-SMALL"));
    fails(
        &["report", &out_s, "--pairs", "SMALL-MARS"],
        "--pairs SMALL-MARS",
    );
    let missing = out.join("missing").display().to_string();
    fails(
        &["report", &missing],
        "not a results folder (no manifest.json)",
    );
}

/// A study of a scenario given by a relative path, reported from another folder: the report
/// finds the file by the absolute path the manifest recorded, and shows its threat matrix and
/// assumptions without a warning.
#[test]
fn report_finds_a_relative_scenario_from_another_folder() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("study");
    let out_s = out.display().to_string();
    ok(&["run", TUTORIAL, "--runs", "20", "--quiet", "--out", &out_s]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["scenario_file"], TUTORIAL, "the path as given");
    let absolute = std::fs::canonicalize(repo(TUTORIAL)).unwrap();
    assert_eq!(m["scenario_path"], absolute.display().to_string());

    // From the study's own parent folder, where the relative path leads nowhere.
    let o = Command::new(env!("CARGO_BIN_EXE_entente"))
        .current_dir(home.path())
        .args(["report", "study"])
        .output()
        .expect("run entente");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("class=\"warning\""));
    for text in [
        "<h2>Assumptions</h2>",
        "NEAR-SMALL",
        "<section id=\"threats\">",
    ] {
        assert!(html.contains(text), "the report shows `{text}`");
    }
}

#[test]
fn report_warns_when_the_scenario_changed_since_the_study() {
    let home = tempfile::tempdir().unwrap();
    let scenario = home.path().join("tutorial.toml");
    std::fs::copy(repo(TUTORIAL), &scenario).unwrap();
    let (_study_home, out) = study_with_report(&scenario, "20");
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(&scenario, text.replace("mistrust = 0.3", "mistrust = 0.5")).unwrap();
    let out_s = out.display().to_string();
    let o = entente(&["report", &out_s]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has changed since this study ran"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("class=\"warning\""));
}

/// The report renders in a real browser: headless Chromium takes a screenshot (a PNG well
/// above the size of a blank page) and its DOM holds every chart with its text. Skipped, with
/// a message, where Chromium is not installed (CI installs Debian's `chromium`).
#[test]
fn report_renders_in_headless_chromium() {
    if !chromium_available("report_renders_in_headless_chromium") {
        return;
    }
    let (home, out) = study_with_report(&repo(TUTORIAL), "200");
    let page = out.join("report.html");
    let (_, dom) = super::screenshot_and_dom("report", home.path(), &page, (1200, 2000));
    assert_eq!(
        dom.matches("<svg").count(),
        entente::teach::report::CHARTS.len(),
        "the browser parsed every chart"
    );
    assert!(
        dom.contains("<text") && dom.contains("<polygon"),
        "charts with text and bands"
    );
    assert!(dom.contains("Alignment over time"));
}

/// The glossary students are sent to exists, defines every word of the report's short list,
/// and `--help` names it.
#[test]
fn the_glossary_is_shipped_and_named_by_help() {
    let text = std::fs::read_to_string(repo("docs/glossary.md")).expect("docs/glossary.md");
    for (term, _) in entente::teach::report::GLOSSARY {
        let first = term.split(',').next().unwrap().trim();
        assert!(
            text.to_lowercase()
                .contains(&format!("**{}", first.to_lowercase())),
            "docs/glossary.md defines {first}"
        );
    }
    let help = ok(&["--help"]);
    assert!(help.contains("docs/glossary.md"), "{help}");
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    assert!(readme.contains("(docs/glossary.md)"));
}

/// `show` gives an overview of a large scenario (its key pairs and principal threats, what
/// `--all` adds) and every table with `--all` or for a small one.
#[test]
fn show_gives_an_overview_first_and_every_table_on_request() {
    let short = ok(&["show"]);
    let all = ok(&["show", "--all"]);
    assert!(short.lines().count() < 80, "{}", short.lines().count());
    assert!(all.lines().count() > 400);
    assert!(short.contains("Key pairs (the scenario's key_pairs)"));
    let key = short
        .lines()
        .skip_while(|l| !l.starts_with("Key pairs"))
        .nth(3)
        .unwrap();
    assert!(key.starts_with("CHN  RUS "), "China-Russia first: {key}");
    assert!(short.contains("Principal threats at the start"));
    assert!(short.contains("Not shown: the other 129 pairs"));
    assert!(!short.contains("Threat components, every ordered pair"));
    assert!(all.contains("Threat components, every ordered pair"));
    assert!(all.starts_with(&short[..short.find("Key pairs").unwrap()]));
    // A tutorial of three states is shown whole.
    let tutorial = ok(&["show", TUTORIAL]);
    assert_eq!(tutorial, ok(&["show", TUTORIAL, "--all"]));
    assert!(tutorial.contains("Threat at the start"));
}

/// The report of a scenario that names its key pairs draws those, its question first: the
/// flagship's report opens its charts with China–Russia.
#[test]
fn the_report_draws_the_scenarios_key_pairs() {
    let (_home, out) = study_with_report(&repo("scenarios/vostok-2018.toml"), "100");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let fan = super::section(&html, "fan");
    assert!(fan.contains("the scenario's key pairs"), "{fan}");
    let labels = super::texts(fan);
    let first = labels
        .iter()
        .position(|t| t.contains("CHN-RUS"))
        .expect("CHN-RUS drawn");
    for other in ["USA-CHN", "USA-RUS"] {
        let at = labels.iter().position(|t| t.contains(other)).expect(other);
        assert!(first < at, "CHN-RUS before {other}: {labels:?}");
    }
}
