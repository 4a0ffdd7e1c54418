//! `entente score` end to end, through the binary: a small study scored against a table
//! written by hand (baselines checked against numbers worked out by hand, the model's scores
//! against a recomputation from `timeseries.csv`), the same bytes twice, every bad-input path
//! (exit 2, located message, nothing written), and the flagship with the shipped sample coding.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::{entente, repo};

const BANDWAGON: &str = "scenarios/tutorial/bandwagon.toml";
const SAMPLE: &str = "data/outcomes/vostok-2018-2024.csv";
/// `−ln 0.001`: the log score of a probability at or below the floor.
const FLOORED: f64 = 6.907_755_278_982_137;
/// The four files of a score folder, sorted.
const FILES: [&str; 4] = [
    "forecasts.csv",
    "manifest.json",
    "reliability.csv",
    "scores.csv",
];

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output, what: &str) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what} failed\nstderr:\n{}",
        stderr(o)
    );
}

/// A temporary home holding a finished study in `study/`.
struct Home {
    dir: TempDir,
    results: PathBuf,
}

impl Home {
    /// Run `entente run ARGS --runs 200 --threads 1 --quiet --out <tmp>/study`.
    fn study(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let results = dir.path().join("study");
        let out = results.display().to_string();
        let mut full = vec!["run"];
        full.extend(args);
        full.extend(["--runs", "200", "--threads", "1", "--quiet", "--out", &out]);
        ok(&entente(dir.path(), &full), "entente run");
        Self { dir, results }
    }

    /// The bandwagon tutorial (WEAK, BULLY, FAR, TINY; 2000–2020 by quarters) with WEAK-FAR
    /// starting allied (0.7 ≥ 0.6) and FAR-TINY starting as rivals (−0.5 ≤ −0.2).
    fn bandwagon() -> Self {
        let file = repo(BANDWAGON).display().to_string();
        Self::study(&[
            &file,
            "--set",
            "pair.WEAK-FAR.alignment=0.7",
            "--set",
            "pair.FAR-TINY.alignment=-0.5",
        ])
    }

    /// Write `text` to `name` in the home folder.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write a test file");
        path
    }

    /// `entente score <study> OUTCOMES EXTRA…`.
    fn score(&self, outcomes: &Path, extra: &[&str]) -> Output {
        let results = self.results.display().to_string();
        let outcomes = outcomes.display().to_string();
        let mut args = vec!["score", &results, &outcomes];
        args.extend(extra);
        entente(self.dir.path(), &args)
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Header and rows of a CSV file.
fn csv_rows(path: &Path) -> (String, Vec<csv::StringRecord>) {
    let text = read(path);
    let header = text.lines().next().unwrap_or_default().to_string();
    let rows = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect();
    (header, rows)
}

fn number(field: &str) -> Option<f64> {
    (!field.is_empty()).then(|| field.parse().expect("a number"))
}

/// The printed value (6 decimals) equals `want`.
fn close(got: &str, want: f64, what: &str) {
    let g = number(got).unwrap_or_else(|| panic!("{what}: empty, expected {want}"));
    assert!(
        (g - want).abs() <= 5e-7 + 1e-12,
        "{what}: expected {want:.6}, got {got}"
    );
}

/// The row of scores.csv for (start year or `all`, horizon, subset, method).
fn score_row<'r>(
    rows: &'r [csv::StringRecord],
    year: &str,
    horizon: u32,
    subset: &str,
    method: &str,
) -> &'r csv::StringRecord {
    let h = horizon.to_string();
    rows.iter()
        .find(|r| r[0] == *year && r[1] == *h && &r[2] == subset && &r[3] == method)
        .unwrap_or_else(|| panic!("scores.csv: no row {year},{horizon},{subset},{method}"))
}

/// Expected (brier, log, accuracy, pairs) of a scores.csv row.
fn check_row(row: &csv::StringRecord, brier: f64, log: f64, accuracy: f64, pairs: usize) {
    let what = row.iter().collect::<Vec<_>>().join(",");
    close(&row[4], brier, &format!("brier of {what}"));
    close(&row[5], log, &format!("log score of {what}"));
    close(&row[8], accuracy, &format!("accuracy of {what}"));
    assert_eq!(row[9].parse::<usize>().unwrap(), pairs, "pairs of {what}");
}

/// Class probabilities [ally, neutral, rival] from timeseries.csv, by (year, a, b).
fn model_probs(results: &Path) -> HashMap<(String, String, String), [f64; 3]> {
    let (header, rows) = csv_rows(&results.join("timeseries.csv"));
    let cols: Vec<&str> = header.split(',').collect();
    let at = |name: &str| cols.iter().position(|c| *c == name).unwrap();
    let (pa, pr) = (at("p_alliance"), at("p_rivalry"));
    rows.iter()
        .map(|r| {
            let (a, r_) = (number(&r[pa]).unwrap(), number(&r[pr]).unwrap());
            let key = (r[0].to_string(), r[1].to_string(), r[2].to_string());
            (key, [a, (1.0 - a - r_).max(0.0), r_])
        })
        .collect()
}

/// The Brier score, log score (floored at 0.001) and hit (most likely class, ties to
/// neutral, then ally) of probabilities `p` when class `o` (0 ally, 1 neutral, 2 rival)
/// happened: written again here, independently of the library.
fn scores_of(p: [f64; 3], o: usize) -> (f64, f64, bool) {
    let brier = (0..3)
        .map(|c| (p[c] - if c == o { 1.0 } else { 0.0 }).powi(2))
        .sum();
    let log = -p[o].max(0.001).ln();
    let mut best = 1;
    for c in [0, 2] {
        if p[c] > p[best] {
            best = c;
        }
    }
    (brier, log, best == o)
}

// ---------------------------------------------------------------------------------------
// A study scored against a table written by hand.

/// A scored pair: a, b, observed class (0 ally, 1 neutral, 2 rival), whether it changed.
type Scored<'s> = (&'s str, &'s str, usize, bool);

/// Columns in another order, an extra column, a comment, a blank line, pairs in both
/// orders. The start-year row makes WEAK-BULLY's persistence class rival (the scenario
/// starts it at 0, neutral); WEAK-FAR (0.7) and FAR-TINY (−0.5) take theirs from the
/// scenario: ally and rival; BULLY-FAR and BULLY-TINY start at 0: neutral.
const OUTCOMES: &str = "# coded by hand for the test
year,outcome,b,a,note
2000,rival,BULLY,WEAK,start year: persistence from the table

2003,rival,FAR,BULLY,
2003,neutral,TINY,BULLY,
2010,ally,WEAK,BULLY,\"a note, with a comma\"
2010,ally,FAR,WEAK,
2010,rival,TINY,FAR,
2020,neutral,WEAK,BULLY,
";

#[test]
fn a_study_is_scored_against_a_table_written_by_hand() {
    let home = Home::bandwagon();
    let outcomes = home.file("outcomes.csv", OUTCOMES);
    let o = home.score(&outcomes, &[]);
    ok(&o, "entente score");
    let out = home.results.join("score");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected = vec![".entente.lock"];
    expected.extend(FILES);
    assert_eq!(
        names, expected,
        "the four files, the lock file and no temporary file"
    );

    // forecasts.csv: sorted by horizon, then pair in the scenario's order, a before b.
    let (header, rows) = csv_rows(&out.join("forecasts.csv"));
    assert_eq!(
        header,
        "start_year,horizon,a,b,p_ally,p_neutral,p_rival,observed,persistence"
    );
    let got: Vec<String> = rows
        .iter()
        .map(|r| [&r[0], &r[1], &r[2], &r[3], &r[7], &r[8]].join(" "))
        .collect();
    assert_eq!(
        got,
        [
            "2000 3 BULLY FAR rival neutral",
            "2000 3 BULLY TINY neutral neutral",
            "2000 10 WEAK BULLY ally rival",
            "2000 10 WEAK FAR ally ally",
            "2000 10 FAR TINY rival rival",
            "2000 20 WEAK BULLY neutral rival",
        ]
    );
    // The probabilities are the study's, at start + horizon.
    let probs = model_probs(&home.results);
    let mut fractional = false;
    for r in &rows {
        let year = (2000 + r[1].parse::<i64>().unwrap()).to_string();
        let p = probs[&(year, r[2].to_string(), r[3].to_string())];
        for c in 0..3 {
            close(
                &r[4 + c],
                p[c],
                &format!("{} {}-{} p[{c}]", &r[1], &r[2], &r[3]),
            );
            fractional |= p[c] > 0.0 && p[c] < 1.0;
        }
    }
    assert!(
        fractional,
        "some forecast is uncertain (BULLY-FAR in 2003), so the check above means something"
    );

    // scores.csv: persistence and climatology worked out by hand. Climatology = starting
    // classes of the 5 distinct pairs scored: ally 1 (WEAK-FAR), neutral 2 (BULLY-FAR,
    // BULLY-TINY), rival 2 (WEAK-BULLY, FAR-TINY) → [0.2, 0.4, 0.4]. Its Brier: ally observed
    // 0.8² + 0.4² + 0.4² = 0.96; neutral 0.2² + 0.6² + 0.4² = 0.56; rival 0.56. Its most
    // likely class is neutral (the 0.4–0.4 tie goes to neutral). Persistence: 0 if right,
    // 2 and a log score of −ln 0.001 if wrong.
    let (header, rows) = csv_rows(&out.join("scores.csv"));
    assert_eq!(
        header,
        "start_year,horizon,subset,method,brier,log_score,skill_vs_persistence,skill_vs_climatology,accuracy,pairs"
    );
    // 3 horizons × (2000, all) × 5 subsets × 3 methods.
    assert_eq!(rows.len(), 90);
    let ln = |x: f64| -x.ln();
    for year in ["2000", "all"] {
        // Horizon 3: BULLY-FAR (rival; was neutral), BULLY-TINY (neutral; was neutral).
        let p = score_row(&rows, year, 3, "all", "persistence");
        check_row(p, (2.0 + 0.0) / 2.0, (FLOORED + 0.0) / 2.0, 0.5, 2);
        close(&p[6], 0.0, "persistence against itself");
        // Both pairs were neutral at the start: the from_neutral group is the whole horizon,
        // and no pair starts allied or rival.
        let n = score_row(&rows, year, 3, "from_neutral", "persistence");
        check_row(n, (2.0 + 0.0) / 2.0, (FLOORED + 0.0) / 2.0, 0.5, 2);
        assert_eq!(&score_row(&rows, year, 3, "from_rival", "model")[9], "0");
        assert_eq!(&score_row(&rows, year, 3, "from_ally", "model")[9], "0");
        close(&p[7], 1.0 - 1.0 / 0.56, "persistence against climatology"); // −0.785714
        let c = score_row(&rows, year, 3, "all", "climatology");
        check_row(c, (0.56 + 0.56) / 2.0, ln(0.4), 0.5, 2);
        close(&c[6], 1.0 - 0.56 / 1.0, "climatology against persistence"); // 0.44
        close(&c[7], 0.0, "climatology against itself");
        // Horizon 10: WEAK-BULLY (ally; was rival), WEAK-FAR (ally; ally), FAR-TINY (rival;
        // rival).
        let p = score_row(&rows, year, 10, "all", "persistence");
        check_row(p, 2.0 / 3.0, FLOORED / 3.0, 2.0 / 3.0, 3);
        let c = score_row(&rows, year, 10, "all", "climatology");
        // (0.96 + 0.96 + 0.56) / 3; (−ln 0.2 − ln 0.2 − ln 0.4) / 3; neutral never observed
        check_row(c, 2.48 / 3.0, (2.0 * ln(0.2) + ln(0.4)) / 3.0, 0.0, 3);
        close(
            &c[6],
            1.0 - (2.48 / 3.0) / (2.0 / 3.0),
            "h10 climatology skill",
        ); // −0.24
        // Horizon 20: WEAK-BULLY (neutral; was rival).
        let p = score_row(&rows, year, 20, "all", "persistence");
        check_row(p, 2.0, FLOORED, 0.0, 1);
        let c = score_row(&rows, year, 20, "all", "climatology");
        check_row(c, 0.56, ln(0.4), 1.0, 1);
        close(&c[6], 1.0 - 0.56 / 2.0, "h20 climatology skill"); // 0.72
        // Changed pairs: BULLY-FAR at 3, WEAK-BULLY at 10 and 20; persistence always wrong.
        for (h, clim) in [(3, 0.56), (10, 0.96), (20, 0.56)] {
            let p = score_row(&rows, year, h, "changed", "persistence");
            check_row(p, 2.0, FLOORED, 0.0, 1);
            let c = score_row(&rows, year, h, "changed", "climatology");
            close(&c[4], clim, &format!("changed climatology brier at {h}"));
        }
    }

    // The model's rows: recomputed from timeseries.csv and the table, pair by pair.
    // (pair at the horizon's year, observed class, changed?) per horizon.
    let cases: [(u32, &[Scored]); 3] = [
        (3, &[("BULLY", "FAR", 2, true), ("BULLY", "TINY", 1, false)]),
        (
            10,
            &[
                ("WEAK", "BULLY", 0, true),
                ("WEAK", "FAR", 0, false),
                ("FAR", "TINY", 2, false),
            ],
        ),
        (20, &[("WEAK", "BULLY", 1, true)]),
    ];
    let persistence_brier = [(3, 1.0, 2.0), (10, 2.0 / 3.0, 2.0), (20, 2.0, 2.0)];
    for ((h, pairs), (_, pers_all, pers_changed)) in cases.iter().zip(persistence_brier) {
        for (subset, pers) in [("all", pers_all), ("changed", pers_changed)] {
            let chosen: Vec<_> = pairs.iter().filter(|x| subset == "all" || x.3).collect();
            let n = chosen.len() as f64;
            let (mut b, mut l, mut hits) = (0.0, 0.0, 0.0);
            for (a, bb, o, _) in &chosen {
                let year = (2000 + h).to_string();
                let p = probs[&(year, a.to_string(), bb.to_string())];
                let (x, y, hit) = scores_of(p, *o);
                b += x;
                l += y;
                hits += f64::from(u8::from(hit));
            }
            let m = score_row(&rows, "all", *h, subset, "model");
            check_row(m, b / n, l / n, hits / n, chosen.len());
            close(
                &m[6],
                1.0 - (b / n) / pers,
                &format!("model skill at {h} {subset}"),
            );
            assert_eq!(
                &score_row(&rows, "2000", *h, subset, "model")
                    .iter()
                    .collect::<Vec<_>>()[1..],
                &m.iter().collect::<Vec<_>>()[1..],
                "one start year: its rows equal the pooled rows"
            );
        }
    }

    // reliability.csv: 3 horizons × (all, ally, neutral, rival) × 10 bins; pooled, each
    // forecast counts three times.
    let (header, rows) = csv_rows(&out.join("reliability.csv"));
    assert_eq!(
        header,
        "horizon,class,bin,p_lo,p_hi,forecasts,mean_forecast,observed_frequency"
    );
    assert_eq!(rows.len(), 3 * 4 * 10);
    for (h, n) in [("3", 2), ("10", 3), ("20", 1)] {
        let pooled: u64 = rows
            .iter()
            .filter(|r| &r[0] == h && &r[1] == "all")
            .map(|r| r[5].parse::<u64>().unwrap())
            .sum();
        assert_eq!(pooled, 3 * n, "horizon {h}");
    }

    // manifest.json.
    let m: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(m["kind"], "score");
    assert_eq!(m["scenario"], "bandwagon");
    assert_eq!(m["start_year"], 2000);
    assert_eq!(m["horizons"], serde_json::json!([3, 10, 20]));
    assert_eq!(m["log_floor"], 0.001);
    assert_eq!(m["results"], home.results.display().to_string());
    assert_eq!(m["outcomes"], outcomes.display().to_string());
    let digest: String = Sha256::digest(OUTCOMES.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(m["outcomes_sha256"], digest);
    assert_eq!(
        m["climatology"],
        serde_json::json!({"ally": 0.2, "neutral": 0.4, "rival": 0.4})
    );
    assert_eq!(m["persistence_from_outcomes"], 1);
    assert_eq!(m["persistence_from_scenario"], 4);
    assert_eq!(
        m["files"],
        serde_json::json!([
            "forecasts.csv",
            "scores.csv",
            "reliability.csv",
            "manifest.json"
        ])
    );
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    for word in ["model", "persistence", "climatology", "whose class changed"] {
        assert!(stdout.contains(word), "stdout lacks {word}:\n{stdout}");
    }

    // Scoring again gives the same bytes, on stdout too.
    let before: Vec<Vec<u8>> = FILES
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    let again = home.score(&outcomes, &[]);
    ok(&again, "second entente score");
    assert_eq!(again.stdout, o.stdout);
    for (f, bytes) in FILES.iter().zip(before) {
        assert!(std::fs::read(out.join(f)).unwrap() == bytes, "{f} differs");
    }
}

#[test]
fn out_chooses_the_folder_and_the_file_can_code_only_later_years() {
    let home = Home::bandwagon();
    // No start-year row: every persistence class comes from the scenario.
    let outcomes = home.file(
        "o.csv",
        "a,b,year,outcome\nFAR,WEAK,2005,neutral\nWEAK,BULLY,2005,neutral\n",
    );
    let out = home.dir.path().join("elsewhere");
    let o = home.score(&outcomes, &["--out", &out.display().to_string()]);
    ok(&o, "entente score --out");
    assert!(!home.results.join("score").exists());
    let (_, rows) = csv_rows(&out.join("forecasts.csv"));
    let got: Vec<String> = rows
        .iter()
        .map(|r| [&r[2], &r[3], &r[7], &r[8]].join(" "))
        .collect();
    // WEAK-FAR starts at 0.7 ≥ 0.6: ally; WEAK-BULLY at 0: neutral.
    assert_eq!(got, ["WEAK BULLY neutral neutral", "WEAK FAR neutral ally"]);
    let (_, rows) = csv_rows(&out.join("scores.csv"));
    // Climatology [0.5, 0.5, 0]: Brier with neutral observed 0.5² + 0.5² = 0.5; its most
    // likely class is neutral (the ally–neutral tie goes to neutral): 2 hits of 2.
    // Persistence: (0 + 2) / 2 = 1.
    let c = score_row(&rows, "all", 5, "all", "climatology");
    check_row(c, 0.5, -(0.5f64.ln()), 1.0, 2);
    let p = score_row(&rows, "all", 5, "all", "persistence");
    check_row(p, 1.0, FLOORED / 2.0, 0.5, 2);
}

// ---------------------------------------------------------------------------------------
// Bad input: exit 2, a located message, nothing written.

/// `entente score` on a table with `text` fails with every phrase in its message and
/// leaves no score folder.
fn check_fails(home: &Home, text: &str, phrases: &[&str]) {
    let outcomes = home.file("o.csv", text);
    let out = home.dir.path().join("out");
    let o = home.score(&outcomes, &["--out", &out.display().to_string()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{text:?} must fail: {err}");
    assert!(err.starts_with("error: "), "{err}");
    for p in phrases {
        let p = p.replace("FILE", &outcomes.display().to_string());
        assert!(err.contains(&p), "{text:?}: message lacks {p:?}:\n{err}");
    }
    assert!(
        !out.join("forecasts.csv").exists(),
        "{text:?} wrote forecasts.csv"
    );
    assert!(!out.exists(), "{text:?}: the folder it created is removed");
    assert!(!home.results.join("score").exists());
}

#[test]
fn bad_outcome_tables_exit_2_naming_file_line_and_field() {
    let home = Home::bandwagon();
    let head = "a,b,year,outcome\n";
    let cases: &[(String, &[&str])] = &[
        (
            format!("{head}WEAK,BULY,2010,ally\n"),
            &[
                "FILE:2: b: unknown state `BULY` (did you mean `BULLY`?)",
                "expected a state id of the study: WEAK, BULLY, FAR, TINY",
            ],
        ),
        (
            format!("{head}WEAK,BULLY,2010,alliance\n"),
            &["FILE:2: outcome: found `alliance`; expected ally, neutral or rival"],
        ),
        (
            format!("{head}WEAK,BULLY,2010,ally\nBULLY,WEAK,2010,rival\n"),
            &["FILE:3: a,b,year: WEAK-BULLY in 2010 is already coded on line 2"],
        ),
        (
            format!("{head}WEAK,WEAK,2010,ally\n"),
            &["FILE:2: b: same state as a (`WEAK`)"],
        ),
        (
            format!("{head}WEAK,BULLY,2010.5,ally\n"),
            &["FILE:2: year: 2010.5 is not a whole number of years after the start year 2000"],
        ),
        (
            format!("{head}WEAK,BULLY,2021,ally\n"),
            &["FILE:2: year: 2021 is outside the study's years 2000..=2020"],
        ),
        (
            format!("{head}WEAK,BULLY,1999,ally\n"),
            &["FILE:2: year: 1999 is outside the study's years 2000..=2020"],
        ),
        (
            format!("{head}WEAK,BULLY,20x0,ally\n"),
            &["FILE:2: year: found `20x0`; expected a year"],
        ),
        (
            format!("{head}WEAK,BULLY,2010\n"),
            &["FILE:2: row: 3 fields, expected 4"],
        ),
        (
            format!("{head}WEAK,\"BULLY,2010,ally\n"),
            &["FILE:2: row: a quoted field is not closed"],
        ),
        (String::new(), &["FILE: header: the file is empty"]),
        (
            "# only a comment\n\n".to_string(),
            &["FILE: header: the file is empty"],
        ),
        (
            "a,b,year,result\nWEAK,BULLY,2010,ally\n".to_string(),
            &["FILE:1: header: no column `outcome` (found: a,b,year,result)"],
        ),
        (
            "a,b,a,year,outcome\nWEAK,BULLY,FAR,2010,ally\n".to_string(),
            &["FILE:1: header: column `a` appears 2 times"],
        ),
        (
            format!("{head}WEAK,BULLY,2000,ally\n"),
            &["FILE: year: no row after the study's start year 2000"],
        ),
        (
            format!("{head}WEAK,BULLY,2010,ally\nWEAK,BULLY,2010\u{e9},ally\n"),
            &["FILE:3: year: found `2010\u{e9}`"],
        ),
        // Comments and blank lines keep the line numbers.
        (
            "# note\n\na,b,year,outcome\n# x\nWEAK,FAR,2010,ally\n\nWEAK,XX,2010,ally\n"
                .to_string(),
            &["FILE:7: b: unknown state `XX`"],
        ),
        // Every problem is listed.
        (
            format!("{head}WEAK,BULLY,2010,allied\nTINY,ZZZ,2010,ally\n"),
            &[
                "2 problems in the outcomes table FILE",
                "FILE:2: outcome",
                "FILE:3: b",
            ],
        ),
    ];
    for (text, phrases) in cases {
        check_fails(&home, text, phrases);
    }
    // Bytes that are not UTF-8.
    let outcomes = home.dir.path().join("latin1.csv");
    std::fs::write(
        &outcomes,
        b"a,b,year,outcome\nWEAK,BULLY,2010,ally\nW\xc9AK,FAR,2010,ally\n",
    )
    .unwrap();
    let o = home.score(&outcomes, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("{}:3: row: not valid UTF-8", outcomes.display())),
        "{}",
        stderr(&o)
    );
    assert!(!home.results.join("score").exists());
}

#[test]
fn a_year_between_time_steps_is_refused() {
    // The bandwagon tutorial observed every 2 years: 2011 is a whole year but not a step.
    let text = read(&repo(BANDWAGON));
    assert!(text.contains("\ndt = 0.25\n"), "the tutorial's time step");
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("every-2-years.toml");
    std::fs::write(&scenario, text.replace("\ndt = 0.25\n", "\ndt = 2\n")).unwrap();
    let home = Home::study(&[&scenario.display().to_string()]);
    check_fails(
        &home,
        "a,b,year,outcome\nWEAK,BULLY,2012,ally\nWEAK,BULLY,2011,ally\n",
        &[
            "FILE:3: year: 2011 is not a time step of the study (it observes every 2 years from 2000)",
        ],
    );
    let outcomes = home.file("even.csv", "a,b,year,outcome\nWEAK,BULLY,2012,ally\n");
    ok(&home.score(&outcomes, &[]), "a year on a step");
}

#[test]
fn missing_results_or_outcomes_exit_2_and_write_nothing() {
    let home = Home::bandwagon();
    let outcomes = home.file("o.csv", "a,b,year,outcome\nWEAK,BULLY,2010,ally\n");
    let outcomes_s = outcomes.display().to_string();
    // No results folder.
    let nowhere = home.dir.path().join("nowhere");
    let o = entente(
        home.dir.path(),
        &["score", &nowhere.display().to_string(), &outcomes_s],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!(
            "{}: not a results folder (no manifest.json)",
            nowhere.display()
        )),
        "{}",
        stderr(&o)
    );
    assert!(!nowhere.exists(), "nothing created");
    // A folder without timeseries.csv.
    let partial = home.dir.path().join("partial");
    std::fs::create_dir(&partial).unwrap();
    std::fs::copy(
        home.results.join("manifest.json"),
        partial.join("manifest.json"),
    )
    .unwrap();
    let o = entente(
        home.dir.path(),
        &["score", &partial.display().to_string(), &outcomes_s],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a results folder (no timeseries.csv)"));
    assert!(!partial.join("score").exists());
    // No outcomes file.
    let missing = home.dir.path().join("missing.csv");
    let o = home.score(&missing, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!(
            "{}: cannot read the outcomes table",
            missing.display()
        )),
        "{}",
        stderr(&o)
    );
    assert!(!home.results.join("score").exists());
}

// ---------------------------------------------------------------------------------------
// The flagship and the shipped sample coding.

#[test]
fn the_flagship_scores_against_the_sample_coding() {
    let home = Home::study(&[]);
    let o = home.score(&repo(SAMPLE), &[]);
    ok(&o, "entente score on the flagship");
    let out = home.results.join("score");
    let (_, rows) = csv_rows(&out.join("forecasts.csv"));
    assert_eq!(rows.len(), 136, "every pair of 17 states, once");
    assert!(rows.iter().all(|r| &r[0] == "2018" && &r[1] == "6"));
    // The sample (data/outcomes/README.md): 2018 ally 16, neutral 109, rival 11; 2024 ally
    // 17, neutral 104, rival 15; five pairs change class.
    let changed = rows.iter().filter(|r| r[7] != r[8]).count();
    assert_eq!(changed, 5);
    let count = |col: usize, class: &str| rows.iter().filter(|r| &r[col] == class).count();
    assert_eq!(
        [count(8, "ally"), count(8, "neutral"), count(8, "rival")],
        [16, 109, 11]
    );
    assert_eq!(
        [count(7, "ally"), count(7, "neutral"), count(7, "rival")],
        [17, 104, 15]
    );
    let (_, scores) = csv_rows(&out.join("scores.csv"));
    assert_eq!(score_row(&scores, "all", 6, "all", "model")[9], *"136");
    // Persistence: 5 pairs wrong (Brier 2, log −ln 0.001), 131 right.
    let p = score_row(&scores, "all", 6, "all", "persistence");
    check_row(
        p,
        5.0 * 2.0 / 136.0,
        5.0 * FLOORED / 136.0,
        131.0 / 136.0,
        136,
    );
    // Climatology [16, 109, 11] / 136 against the 2024 classes [17, 104, 15]: Brier
    // Σ_o n_o (Σ_c (q_c − [c = o])²) / 136; it always says neutral: 104 hits.
    let q: [f64; 3] = [16.0 / 136.0, 109.0 / 136.0, 11.0 / 136.0];
    let brier_if = |o: usize| -> f64 {
        (0..3)
            .map(|c| (q[c] - if c == o { 1.0 } else { 0.0 }).powi(2))
            .sum()
    };
    let clim = (17.0 * brier_if(0) + 104.0 * brier_if(1) + 15.0 * brier_if(2)) / 136.0;
    let clim_log = -(17.0 * q[0].ln() + 104.0 * q[1].ln() + 15.0 * q[2].ln()) / 136.0;
    let c = score_row(&scores, "all", 6, "all", "climatology");
    check_row(c, clim, clim_log, 104.0 / 136.0, 136);
    assert_eq!(score_row(&scores, "all", 6, "changed", "model")[9], *"5");
    let m: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(m["persistence_from_outcomes"], 136);
    assert_eq!(m["start_year"], 2018);
    assert_eq!(m["horizons"], serde_json::json!([6]));
}
