//! `entente report` on folders written by `entente backtest` and `entente score`: a small
//! folder written by hand (numbers chosen here, not computed by entente) gives one
//! self-contained page with the overall scores and their reading, the reliability diagram,
//! skill by start year and the pairs that changed class; malformed files stop it with the
//! file, line and field and write nothing; the page renders in headless Chromium when it is
//! installed.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::{assert_texts, chromium_available, fails, report, screenshot_and_dom, section};

const MANIFEST: &str = r#"{
  "kind": "backtest",
  "entente_version": "9.9.9-test",
  "runs": 200,
  "seed": 7,
  "theory": "walt",
  "years": [1900, 1905],
  "horizons": [5, 10],
  "states": "majors",
  "log_floor": 0.001
}
"#;

const SCORES: &str = "\
start_year,horizon,subset,method,brier,log_score,skill_vs_persistence,skill_vs_climatology,accuracy,pairs
all,10,all,model,0.612345,1.234567,-0.853210,0.123456,0.583333,24
all,10,all,persistence,0.330500,3.100000,0.000000,0.527000,0.833333,24
all,10,all,climatology,0.698500,1.050000,-1.113464,0.000000,0.500000,24
all,10,changed,model,1.204000,2.001000,0.398000,-0.051000,0.250000,4
all,10,changed,persistence,2.000000,9.210340,0.000000,-0.701000,0.000000,4
all,10,changed,climatology,1.175000,1.900000,0.412500,0.000000,0.250000,4
all,5,all,model,0.441000,0.901000,-0.264000,0.300000,0.700000,20
all,5,all,persistence,0.349000,2.700000,0.000000,0.446000,0.850000,20
all,5,all,climatology,0.630000,1.010000,-0.805000,0.000000,0.450000,20
1900,10,all,model,0.700000,1.300000,-1.250000,0.050000,0.500000,12
1900,10,all,persistence,0.311111,3.000000,0.000000,0.555556,0.833333,12
1900,10,all,climatology,0.736842,1.100000,-1.368421,0.000000,0.500000,12
1905,10,all,model,0.524690,1.169134,-0.468000,,0.666667,12
1905,10,all,persistence,0.357500,3.200000,0.000000,,0.833333,12
1905,10,all,climatology,0.000000,0.000000,,,1.000000,12
1900,5,all,model,0.400000,0.850000,-0.100000,0.333000,0.700000,10
1905,5,all,model,0.482000,0.952000,-0.428000,0.267000,0.700000,10
";

const RELIABILITY: &str = "\
horizon,class,bin,p_lo,p_hi,forecasts,mean_forecast,observed_frequency
10,all,0,0.0,0.1,37,0.041000,0.054054
10,all,1,0.1,0.2,0,,
10,all,2,0.2,0.3,11,0.254000,0.181818
10,all,5,0.5,0.6,14,0.553000,0.357143
10,all,9,0.9,1.0,10,0.962000,0.700000
10,ally,0,0.0,0.1,15,0.030000,0.066667
10,ally,9,0.9,1.0,4,0.955000,0.750000
10,neutral,5,0.5,0.6,9,0.560000,0.444444
10,rival,2,0.2,0.3,6,0.240000,0.166667
5,all,0,0.0,0.1,30,0.050000,0.033333
5,all,8,0.8,0.9,13,0.851000,0.769231
";

const FORECASTS: &str = "\
start_year,horizon,a,b,p_ally,p_neutral,p_rival,observed,persistence
1905,10,FRN,GMY,0.050000,0.550000,0.400000,rival,neutral
1900,10,GMY,UKG,0.100000,0.500000,0.400000,rival,neutral
1900,10,FRN,UKG,0.300000,0.650000,0.050000,ally,neutral
1900,10,AUH,GMY,0.950000,0.050000,0.000000,ally,ally
1900,5,ITA,RUS,0.200000,0.700000,0.100000,neutral,neutral
";

/// A backtest folder with the four files above, in a temporary folder.
fn folder() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("backtest");
    write_folder(&dir, MANIFEST, SCORES, RELIABILITY, FORECASTS);
    (home, dir)
}

fn write_folder(dir: &Path, manifest: &str, scores: &str, reliability: &str, forecasts: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in [
        ("manifest.json", manifest),
        ("scores.csv", scores),
        ("reliability.csv", reliability),
        ("forecasts.csv", forecasts),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn entente(args: &[&str]) -> Output {
    super::entente(&super::repo(""), args)
}

/// The chart of a section: its first `<svg>` element, to its closing tag.
fn svg_of(section: &str) -> &str {
    let at = section.find("<svg").expect("a chart");
    let end = section[at..].find("</svg>").expect("the chart's end");
    &section[at..at + end]
}

#[test]
fn backtest_page_is_self_contained_with_its_charts_and_numbers() {
    let (_home, dir) = folder();
    let html = report(&dir, &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("http"), "no URL: the page opens offline");
    for forbidden in ["<script", "<link", "<img", "@import", "url(", "src="] {
        assert!(!html.contains(forbidden), "the page has no `{forbidden}`");
    }
    let charts = entente::teach::backtest::CHARTS;
    assert_eq!(
        html.matches("<svg").count(),
        charts.len(),
        "one <svg> per chart"
    );
    for id in charts {
        assert!(section(&html, id).contains("<svg"), "chart inside {id}");
    }

    // What the folder is, and the manifest's keys.
    assert!(html.contains("Backtest: the model's forecasts against what happened"));
    assert!(html.contains("2 start years, 1900 to 1905"));
    let manifest = section(&html, "manifest");
    for text in ["9.9.9-test", "<code>seed</code>", "1900, 1905", "majors"] {
        assert!(manifest.contains(text), "the manifest table shows `{text}`");
    }

    // Headline numbers, as written (3 decimals, true minus) and read in words.
    let head = section(&html, "headline");
    for text in [
        "<td class=\"num\">0.612</td>",
        "<td class=\"num\">\u{2212}0.853</td>",
        "<td class=\"num\">0.123</td>",
        "<td class=\"num\">58.3 %</td>",
        "<td class=\"num\">0.441</td>",
        "The model's Brier skill against persistence is \u{2212}0.85: worse than assuming nothing changes",
        "against climatology it is 0.12: better than forecasting every pair with how often each class occurred before the start year",
        "the 4 pairs whose class changed",
        "persistence is 0.40: better than assuming nothing changes",
        "against climatology it is \u{2212}0.05: worse than",
    ] {
        assert!(head.contains(text), "the headline shows `{text}`");
    }
    assert!(head.contains("(probabilities below 0.001 count as 0.001)"));
    // Ordered by horizon: 5 years first.
    assert!(head.find("<td>5 years</td>").unwrap() < head.find("<td>10 years</td>").unwrap());

    // Reliability diagram: a panel per horizon, the pooled counts labelled, empty bin left out.
    let rel = section(&html, "reliability");
    let svg = svg_of(rel);
    let labels = assert_texts(
        "reliability diagram",
        svg,
        &[
            "horizon 10 years",
            "horizon 5 years",
            "37",
            "14",
            "13",
            "perfect reliability",
            "rival",
        ],
    );
    assert!(
        !labels.iter().any(|t| t == "0"),
        "the empty bin is left out: {labels:?}"
    );
    assert!(
        svg.matches("<circle").count() >= 11,
        "a point per non-empty bin"
    );
    assert!(rel.contains("How to read a reliability diagram"));
    assert!(rel.contains("overconfident"));
    assert!(
        rel.contains("<td class=\"num\">1</td><td class=\"num\">0.1–0.2</td><td class=\"num\">0</td><td class=\"num\">—</td><td class=\"num\">—</td>"),
        "the table shows the empty bin 1 as empty"
    );
    assert!(rel.contains("<td class=\"num\">0.553</td><td class=\"num\">0.357</td><td class=\"num\">\u{2212}0.196</td>"));

    // Skill by start year: the chart with its legend and years, the table with a gap.
    let skill = section(&html, "skill");
    let svg = svg_of(skill);
    assert_texts(
        "skill chart",
        svg,
        &[
            "10 years: against persistence",
            "5 years: against climatology",
            "1900",
            "1905",
            "start year",
        ],
    );
    assert!(svg.contains("<circle"));
    for text in [
        "<td class=\"num\">1900</td><td>10 years</td><td class=\"num\">12</td><td class=\"num\">0.700</td><td class=\"num\">0.311</td><td class=\"num\">0.737</td><td class=\"num\">\u{2212}1.250</td><td class=\"num\">0.050</td>",
        "<td class=\"num\">\u{2212}0.468</td><td class=\"num\">—</td>",
    ] {
        assert!(skill.contains(text), "the skill table shows `{text}`");
    }

    // Pairs that changed class, by start year, with P(what happened).
    let changed = section(&html, "changed");
    assert!(changed.contains("3 of 5 forecasts (60.0 %)"), "{changed}");
    assert!(
        changed.contains("0.367 on average"),
        "(0.4 + 0.4 + 0.3) / 3"
    );
    assert!(changed.contains("its most likely class 0 times"));
    let rows = [
        "<td>GMY-UKG</td><td>neutral</td><td>rival in 1910</td><td class=\"num\">0.400</td><td class=\"num\">0.500</td>",
        "<td>FRN-UKG</td><td>neutral</td><td>ally in 1910</td><td class=\"num\">0.300</td><td class=\"num\">0.650</td>",
        "<td>FRN-GMY</td><td>neutral</td><td>rival in 1915</td><td class=\"num\">0.400</td><td class=\"num\">0.550</td>",
    ];
    let at: Vec<usize> = rows
        .iter()
        .map(|r| changed.find(r).unwrap_or_else(|| panic!("row {r}")))
        .collect();
    assert!(
        at[0] < at[1] && at[1] < at[2],
        "ordered by start year, in file order within it"
    );
    assert!(
        !changed.contains("AUH-GMY"),
        "an unchanged pair is not listed"
    );
}

#[test]
fn backtest_page_bytes_depend_only_on_the_files() {
    let (home, dir) = folder();
    let first = report(&dir, &[]);
    // Stdout gives the same page; a copy of the folder elsewhere too.
    let o = entente(&["report", &dir.display().to_string(), "--out", "-"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), first);
    let copy = home.path().join("elsewhere").join("copy");
    write_folder(&copy, MANIFEST, SCORES, RELIABILITY, FORECASTS);
    assert_eq!(report(&copy, &[]), first);
    // --out FILE writes there, not in the folder.
    let out = home.path().join("page.html");
    let o = entente(&[
        "report",
        &copy.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first);
}

#[test]
fn score_page_with_one_start_year_still_draws_the_skill_point() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("score");
    let scores = "\
start_year,horizon,subset,method,brier,log_score,skill_vs_persistence,skill_vs_climatology,accuracy,pairs
2018,6,all,model,0.480000,1.100000,-1.666667,0.200000,0.600000,10
2018,6,all,persistence,0.180000,2.000000,0.000000,0.700000,0.900000,10
2018,6,all,climatology,0.600000,1.000000,-2.333333,0.000000,0.500000,10
all,6,all,model,0.480000,1.100000,-1.666667,0.200000,0.600000,10
all,6,all,persistence,0.180000,2.000000,0.000000,0.700000,0.900000,10
all,6,all,climatology,0.600000,1.000000,-2.333333,0.000000,0.500000,10
";
    let reliability = "\
horizon,class,bin,p_lo,p_hi,forecasts,mean_forecast,observed_frequency
6,all,3,0.3,0.4,30,0.350000,0.200000
";
    let forecasts = "\
start_year,horizon,a,b,p_ally,p_neutral,p_rival,observed,persistence
2018,6,CHN,RUS,0.350000,0.600000,0.050000,ally,neutral
";
    write_folder(
        &dir,
        r#"{"kind": "score", "study": "results/vostok-2018"}"#,
        scores,
        reliability,
        forecasts,
    );
    let html = report(&dir, &[]);
    assert!(html.contains("Score: a study's forecasts against what happened"));
    assert!(html.contains("start year 2018"));
    assert!(html.contains(
        "The model's Brier skill against persistence is \u{2212}1.67: worse than assuming nothing changes"
    ));
    assert!(html.contains("with the frequencies of the starting classes"));
    let skill = section(&html, "skill");
    let svg = svg_of(skill);
    assert_texts("skill chart", svg, &["2018"]);
    assert!(
        svg.matches("<circle").count() >= 2,
        "one point against each baseline"
    );
    assert!(skill.contains("a single start year"));
    assert!(section(&html, "changed").contains("<td>CHN-RUS</td>"));
}

/// Each malformed folder: (what to change, text expected on stderr).
#[test]
fn malformed_backtest_files_exit_2_naming_file_line_and_field() {
    let bad_number = SCORES.replacen("0.612345", "0.61x", 1);
    let unknown_method = SCORES.replacen("all,10,all,persistence", "all,10,all,persistance", 1);
    let not_finite = SCORES.replacen("0.330500", "NaN", 1);
    let far_year = SCORES.replacen("1900,10,all,model", "19000,10,all,model", 1);
    let huge_skill = SCORES.replacen("-1.250000", "-1e300", 1);
    let duplicate = format!("{SCORES}all,5,all,model,0.4,0.9,0.1,0.1,0.5,20\n");
    let missing_column = SCORES.replacen(",accuracy,", ",acuracy,", 1);
    let short_row = RELIABILITY.replacen(
        "10,all,2,0.2,0.3,11,0.254000,0.181818",
        "10,all,2,0.2,11",
        1,
    );
    let empty_bin = RELIABILITY.replacen("11,0.254000,0.181818", "11,,0.181818", 1);
    let bad_class = FORECASTS.replacen("rival,neutral", "rivals,neutral", 1);
    let bad_sum = FORECASTS.replacen("0.050000,0.550000", "0.150000,0.550000", 1);
    let cases: Vec<(&str, String, String, String, &str)> = vec![
        (
            "bad number",
            bad_number,
            RELIABILITY.into(),
            FORECASTS.into(),
            "scores.csv:2: brier: found `0.61x`, expected a number from 0 to 2",
        ),
        (
            "unknown method",
            unknown_method,
            RELIABILITY.into(),
            FORECASTS.into(),
            "scores.csv:3: method: found `persistance`, expected `model`, `persistence` or `climatology`",
        ),
        (
            "not finite",
            not_finite,
            RELIABILITY.into(),
            FORECASTS.into(),
            "scores.csv:3: brier: found `NaN`",
        ),
        (
            "year out of range",
            far_year,
            RELIABILITY.into(),
            FORECASTS.into(),
            "scores.csv:11: start_year: found `19000`, expected a whole year from \u{2212}9999 to 9999, or `all`",
        ),
        (
            "skill out of range",
            huge_skill,
            RELIABILITY.into(),
            FORECASTS.into(),
            "scores.csv:11: skill_vs_persistence: found `-1e300`, expected a number from \u{2212}1e7 to 1",
        ),
        (
            "duplicate",
            duplicate,
            RELIABILITY.into(),
            FORECASTS.into(),
            "scores.csv:19: found a second row for start_year all, horizon 5, subset all, method model, expected one (the first is line 8)",
        ),
        (
            "missing column",
            missing_column,
            RELIABILITY.into(),
            FORECASTS.into(),
            "scores.csv:1: header: found `start_year,horizon,subset,method,brier,log_score,skill_vs_persistence,skill_vs_climatology,acuracy,pairs`",
        ),
        (
            "short row",
            SCORES.into(),
            short_row,
            FORECASTS.into(),
            "reliability.csv:4: found 5 fields, expected 8",
        ),
        (
            "empty bin value",
            SCORES.into(),
            empty_bin,
            FORECASTS.into(),
            "reliability.csv:4: mean_forecast: found an empty field, expected a number from 0 to 1 (the bin has 11 forecasts)",
        ),
        (
            "bad class",
            SCORES.into(),
            RELIABILITY.into(),
            bad_class,
            "forecasts.csv:2: observed: found `rivals`, expected `ally`, `neutral` or `rival`",
        ),
        (
            "bad sum",
            SCORES.into(),
            RELIABILITY.into(),
            bad_sum,
            "forecasts.csv:2: p_ally+p_neutral+p_rival: found a sum of 1.100000, expected 1",
        ),
    ];
    for (what, scores, reliability, forecasts, message) in cases {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("backtest");
        write_folder(&dir, MANIFEST, &scores, &reliability, &forecasts);
        let o = fails(what, &["report", &dir.display().to_string()], message);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&dir.display().to_string()),
            "{what}: the path of the file: {stderr}"
        );
        assert!(
            !dir.join("report.html").exists(),
            "{what}: no report written"
        );
        assert!(o.stdout.is_empty(), "{what}: nothing on stdout");
    }

    // A missing file, and --pairs (which belongs to run folders).
    let (_home, dir) = folder();
    let dir_s = dir.display().to_string();
    fails(
        "--pairs",
        &["report", &dir_s, "--pairs", "GMY-UKG"],
        "--pairs: applies to the results of `entente run`",
    );
    std::fs::remove_file(dir.join("forecasts.csv")).unwrap();
    fails(
        "missing file",
        &["report", &dir_s],
        "forecasts.csv: cannot read",
    );
    assert!(!dir.join("report.html").exists());
}

/// The page renders in a real browser: a screenshot well above a blank page's size, and a DOM
/// with both charts and their text. Skipped, with a message, where Chromium is not installed.
#[test]
fn backtest_page_renders_in_headless_chromium() {
    if !chromium_available("backtest_page_renders_in_headless_chromium") {
        return;
    }
    let (home, dir) = folder();
    report(&dir, &[]);
    let (_, dom) = screenshot_and_dom(
        "backtest",
        home.path(),
        &dir.join("report.html"),
        (1200, 2000),
    );
    assert_eq!(
        dom.matches("<svg").count(),
        entente::teach::backtest::CHARTS.len(),
        "the browser parsed every chart"
    );
    assert!(dom.contains("<circle") && dom.contains("<text"));
    assert!(dom.contains("How to read a reliability diagram"));
}
