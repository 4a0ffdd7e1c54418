//! `entente history` and `entente backtest` end to end: scenarios built from the shipped data,
//! outcome coding and baselines on a hand-made data folder whose scores are computed by hand,
//! determinism, a synthetic extension of the data past 1989, and every error path.

use std::fs;
use std::path::Path;
use std::process::Output;

use entente::scenario;
use tempfile::TempDir;

use super::{entente, repo};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Alignment of `a`–`b` in a scenario.
fn alignment(s: &scenario::Scenario, a: &str, b: &str) -> f64 {
    let (i, k) = (s.index(a).unwrap(), s.index(b).unwrap());
    s.alignment[i * s.n() + k]
}

/// Treaty of `a`–`b` in a scenario.
fn treaty(s: &scenario::Scenario, a: &str, b: &str) -> f64 {
    let (i, k) = (s.index(a).unwrap(), s.index(b).unwrap());
    s.treaty[i * s.n() + k]
}

#[test]
fn history_1913_has_the_alliances_and_rivalry_of_the_data_and_validates() {
    let home = TempDir::new().unwrap();
    let o = entente(home.path(), &["history", "1913", "--states", "majors"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let s = scenario::parse(&text, "history-1913.toml").unwrap();
    assert_eq!(s.start_year, 1913.0);
    let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        ids,
        ["USA", "UKG", "FRN", "GMY", "AUH", "ITA", "RUS", "JPN"]
    );
    // ATOP 1913: Franco-Russian and Austro-German defence pacts; Thompson-Dreyer: the
    // Anglo-German rivalry (from 1896). Defaults: ally 0.8, rival -0.5.
    assert_eq!(alignment(&s, "FRN", "RUS"), 0.8);
    assert_eq!(alignment(&s, "GMY", "AUH"), 0.8);
    assert_eq!(alignment(&s, "UKG", "GMY"), -0.5);
    // treaty from ATOP 1913: the Franco-Russian defence pact 1, the Anglo-French consultation
    // pledge 0.5, nothing between Britain and Germany.
    assert_eq!(treaty(&s, "FRN", "RUS"), 1.0);
    assert_eq!(treaty(&s, "GMY", "AUH"), 1.0);
    assert_eq!(treaty(&s, "UKG", "FRN"), 0.5);
    assert_eq!(treaty(&s, "UKG", "GMY"), 0.0);
    assert!(
        text.contains("treaty = 1  # ATOP 5.1, 1913: defence obligation"),
        "{text}"
    );
    // Every pair states its trade, so none is unknown (and nothing is warned about).
    assert_eq!(s.unknown_trade().0, []);
    assert_eq!(text.matches("[[pair]]").count(), 28);
    // Every figure names its data set; every judgement call is marked.
    assert!(text.contains("# COW NMC 1913"), "{text}");
    assert!(text.contains("Assumption: offense 0.8"), "{text}");
    assert!(
        text.contains("COW Direct Contiguity v3.2, 1913: type 1"),
        "{text}"
    );
    // The same text through a file validates with `entente validate`.
    let file = home.path().join("h.toml");
    let o = entente(
        home.path(),
        &["history", "1913", "--states", "majors", "--out", "h.toml"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The same bytes, but for the command line in the header.
    let body = |t: &str| -> String {
        t.lines()
            .filter(|l| !l.starts_with("# Written by"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(body(&fs::read_to_string(&file).unwrap()) == body(&text));
    let o = entente(home.path(), &["validate", "h.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("ok (8 states"), "{}", stdout(&o));
    assert_eq!(stderr(&o), "", "no warning about trade");
}

/// The fuzz target `history` replaces one file of `fuzz/history-base/` at a time: the extract
/// must read and build 1913 as the whole data does (the same states, pacts and rivalry), or
/// the fuzzer would stop at errors before the build.
#[test]
fn the_fuzz_targets_extract_builds_1913_as_the_whole_data_does() {
    let home = TempDir::new().unwrap();
    let base = repo("fuzz/history-base");
    let args = ["history", "1913", "--states", "majors", "--data"];
    let o = entente(
        home.path(),
        &[&args[..], &[base.to_str().unwrap()]].concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = scenario::parse(&stdout(&o), "history-1913.toml").unwrap();
    let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        ids,
        ["USA", "UKG", "FRN", "GMY", "AUH", "ITA", "RUS", "JPN"]
    );
    assert_eq!(alignment(&s, "FRN", "RUS"), 0.8);
    assert_eq!(alignment(&s, "UKG", "GMY"), -0.5);
    assert_eq!(treaty(&s, "UKG", "FRN"), 0.5);
}

#[test]
fn assumptions_and_precedence_change_what_is_written() {
    let home = TempDir::new().unwrap();
    let o = entente(
        home.path(),
        &[
            "history",
            "1913",
            "--states",
            "AUH,ITA,FRN,RUS",
            "--assume",
            "ally_alignment=0.7",
            "--precedence",
            "ally",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = scenario::parse(&stdout(&o), "x.toml").unwrap();
    assert_eq!(alignment(&s, "FRN", "RUS"), 0.7);
    // Austria-Hungary and Italy: Triple Alliance and rivalry; ally first with --precedence ally.
    assert_eq!(alignment(&s, "AUH", "ITA"), 0.7);
    let o = entente(home.path(), &["history", "1913", "--states", "AUH,ITA"]);
    let s = scenario::parse(&stdout(&o), "x.toml").unwrap();
    assert_eq!(alignment(&s, "AUH", "ITA"), -0.5);
}

#[test]
fn history_errors_exit_2_with_the_problem_and_write_nothing() {
    let home = TempDir::new().unwrap();
    let cases: [(&[&str], &str); 9] = [
        (&["history", "1700"], "outside the data"),
        (&["history", "1995"], "1816–1989"),
        (
            &["history", "1913", "--states", "GMX"],
            "did you mean `GMY`?",
        ),
        (
            &["history", "1950", "--states", "GMY,FRN"],
            "GMY was not a member",
        ),
        (&["history", "1913", "--states", "FRN"], "at least 2"),
        (
            &["history", "1913", "--states", "region:moon"],
            "middle-east",
        ),
        (
            &["history", "1913", "--assume", "ally_alignmnt=0.5"],
            "did you mean `ally_alignment`?",
        ),
        (
            &["history", "1913", "--assume", "autonomy=-1"],
            "expected a number in [0, 10]",
        ),
        (
            &["history", "1913", "--data", "no-such-folder"],
            "no-such-folder",
        ),
    ];
    for (args, expected) in cases {
        let mut a = args.to_vec();
        a.extend(["--out", "s.toml"]);
        let o = entente(home.path(), &a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(!home.path().join("s.toml").exists(), "{args:?}");
    }
    assert_eq!(fs::read_dir(home.path()).unwrap().count(), 0);
}

/// A copy of the shipped data in `dir`.
fn copy_data(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    for e in fs::read_dir(repo("data/history")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
}

#[test]
fn a_damaged_data_file_is_named_with_its_line_and_column() {
    let home = TempDir::new().unwrap();
    let data = home.path().join("data");
    copy_data(&data);
    let path = data.join("nmc.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cols: Vec<&str> = lines[4].split(',').collect();
    cols[1] = "abc";
    lines[4] = cols.join(",");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let o = entente(
        home.path(),
        &["history", "1913", "--data", "data", "--out", "s.toml"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("nmc.csv:5: year: found `abc`, expected an integer"),
        "{e}"
    );
    assert!(!home.path().join("s.toml").exists());
    // A missing column.
    fs::write(data.join("majors.csv"), "ccode,first\n2,1898\n").unwrap();
    let o = entente(home.path(), &["history", "1913", "--data", "data"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("majors.csv:1: first_year: missing column"),
        "{}",
        stderr(&o)
    );
}

/// Rewrite the data copy in `dir` as if it went on to 2022: every spell and rivalry that
/// reached 1989 goes on, and the 1989 rows of the yearly series are repeated to 2022.
fn extend_to_2022(dir: &Path) {
    let spells = [
        ("states.csv", 4),
        ("capitals.csv", 5),
        ("majors.csv", 2),
        ("contiguity.csv", 4),
        ("atop_spells.csv", 3),
    ];
    for (file, col) in spells {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).unwrap();
        let out: Vec<String> = text
            .lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split(',').collect();
                if f.get(col) == Some(&"1989") {
                    f[col] = "2022";
                }
                f.join(",")
            })
            .collect();
        fs::write(&path, out.join("\n") + "\n").unwrap();
    }
    for (file, col) in [("nmc.csv", 1), ("gdp.csv", 1), ("trade_dyad_years.csv", 2)] {
        let path = dir.join(file);
        let mut text = fs::read_to_string(&path).unwrap();
        let last: Vec<String> = text
            .lines()
            .filter(|l| l.split(',').nth(col) == Some("1989"))
            .map(String::from)
            .collect();
        assert!(!last.is_empty(), "{file}");
        for y in 1990..=2022 {
            for l in &last {
                let mut f: Vec<&str> = l.split(',').collect();
                let year = y.to_string();
                f[col] = &year;
                text.push_str(&f.join(","));
                text.push('\n');
            }
        }
        fs::write(&path, text).unwrap();
    }
    // COW's code for a missing value, -9: the United States' military expenditure in 2018.
    let nmc = fs::read_to_string(dir.join("nmc.csv")).unwrap();
    let nmc: Vec<String> = nmc
        .lines()
        .map(|l| {
            if l.starts_with("2,2018,") {
                let mut f: Vec<&str> = l.split(',').collect();
                f[2] = "-9";
                f.join(",")
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(dir.join("nmc.csv"), nmc.join("\n") + "\n").unwrap();
    // The data sets proper have no price index: the built-in one is used.
    fs::remove_file(dir.join("us_cpi.csv")).unwrap();
    // A dispute in 2020 between the United States and China: rivals that year.
    let mut mids = fs::read_to_string(dir.join("mid_dyad_years.csv")).unwrap();
    mids.push_str("2,710,2020,1,1,4\n");
    fs::write(dir.join("mid_dyad_years.csv"), mids).unwrap();
}

#[test]
fn extended_data_past_1989_works_unchanged() {
    let home = TempDir::new().unwrap();
    let data = home.path().join("ext");
    copy_data(&data);
    extend_to_2022(&data);
    let o = entente(
        home.path(),
        &["history", "2018", "--data", "ext", "--states", "majors"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = scenario::parse(&stdout(&o), "x.toml").unwrap();
    assert_eq!(s.start_year, 2018.0);
    assert!(s.index("USA").is_some() && s.index("CHN").is_some());
    assert!(
        stdout(&o).contains("Assumption: milex missing in 2018, taken from 2017."),
        "the -9 of COW is a missing value"
    );
    let o = entente(
        home.path(),
        &[
            "backtest",
            "--data",
            "ext",
            "--years",
            "1990:2010:10",
            "--horizon",
            "10",
            "--states",
            "USA,CHN,RUS,UKG",
            "--runs",
            "64",
            "--out",
            "bt",
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let f = fs::read_to_string(home.path().join("bt/forecasts.csv")).unwrap();
    // Three start years, six pairs each; USA-CHN in 2020 is a rival by the added dispute.
    assert_eq!(f.lines().count(), 1 + 3 * 6, "{f}");
    assert!(
        f.lines()
            .any(|l| l.starts_with("2010,10,USA,CHN,") && l.contains(",rival,")),
        "{f}"
    );
    // The built-in data stop in 1989, and say so.
    let o = entente(
        home.path(),
        &[
            "backtest",
            "--years",
            "1990",
            "--horizon",
            "10",
            "--out",
            "bt2",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("outside the data"), "{}", stderr(&o));
    assert!(!home.path().join("bt2").exists());
}

/// A hand-made data folder: five states (AAA … EEE), 1900–1905.
///
/// Classes: AAA-BBB allies throughout; AAA-CCC rivals 1900-1903; BBB-CCC a dispute of
/// hostility 4 in 1904 only; CCC-DDD allies from 1903; EEE leaves the system after 1903.
fn hand_made(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    let files = [
        (
            "states.csv",
            "ccode,abb,name,first_year,last_year\n2,AAA,Aland,1900,1905\n20,BBB,Bland,1900,1905\n200,CCC,Cland,1900,1905\n220,DDD,Dland,1900,1905\n255,EEE,Eland,1900,1903\n",
        ),
        (
            "capitals.csv",
            "ccode,capital,lat,lng,first_year,last_year\n2,A,0,0,1900,1905\n20,B,0,10,1900,1905\n200,C,10,0,1900,1905\n220,D,10,10,1900,1905\n255,E,20,20,1900,1903\n",
        ),
        ("majors.csv", "ccode,first_year,last_year\n2,1900,1905\n"),
        (
            "contiguity.csv",
            "a,b,conttype,first_year,last_year\n2,20,1,1900,1905\n",
        ),
        (
            "atop_spells.csv",
            "a,b,first_year,last_year,defense,offense,neutral,nonagg,consult\n2,20,1900,1905,1,0,0,0,0\n200,220,1903,1905,1,0,0,0,0\n",
        ),
        (
            "rivalries.csv",
            "a,b,name,first_year,last_year,region,type1,type2,type3\n2,200,A-C,1900,1903,x,spatial,,\n",
        ),
        (
            "mid_dyad_years.csv",
            "a,b,year,disputes,onsets,max_hostility\n20,200,1904,1,1,4\n",
        ),
        (
            "trade_dyad_years.csv",
            "a,b,year,imports_a_from_b,imports_b_from_a\n",
        ),
        (
            "war_dyad_years.csv",
            "warnum,a,b,year,onset,side_a,side_b\n",
        ),
        ("us_cpi.csv", "year,cpi\n1900,10\n2011,200\n"),
    ];
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
    }
    let mut nmc = String::from("ccode,year,milex,milper,irst,pec,tpop,upop,cinc\n");
    let mut gdp = String::from("ccode,year,ln_gdp,ln_pop,ln_sdp,ln_gdppc\n");
    for (k, c) in [2, 20, 200, 220, 255].iter().enumerate() {
        for y in 1900..=1905 {
            let v = 100 * (k + 1);
            nmc.push_str(&format!("{c},{y},{v},{v},{v},{v},{v},{v},0.{}\n", k + 1));
            gdp.push_str(&format!("{c},{y},25,15,24,8\n"));
        }
    }
    fs::write(dir.join("nmc.csv"), nmc).unwrap();
    fs::write(dir.join("gdp.csv"), gdp).unwrap();
}

/// The value of `column` in the scores.csv row of (start, horizon, subset, method).
fn score(scores: &str, key: &str, column: &str) -> Option<f64> {
    let mut lines = scores.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = header.iter().position(|h| *h == column).unwrap();
    let row = lines
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key}"));
    let v = row.split(',').nth(c).unwrap();
    if v.is_empty() {
        None
    } else {
        Some(v.parse().unwrap())
    }
}

#[test]
fn hand_made_data_give_the_hand_computed_baselines() {
    let home = TempDir::new().unwrap();
    hand_made(&home.path().join("hand"));
    let o = entente(
        home.path(),
        &[
            "backtest",
            "--data",
            "hand",
            "--years",
            "1902",
            "--horizon",
            "2",
            "--window",
            "1",
            "--states",
            "AAA,BBB,CCC,DDD,EEE",
            "--runs",
            "64",
            "--out",
            "bt",
            "--threads",
            "1",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("4 dropped"), "{}", stdout(&o));
    let forecasts = fs::read_to_string(home.path().join("bt/forecasts.csv")).unwrap();
    let rows: Vec<Vec<&str>> = forecasts
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // Observed in 1904 and at the start, 1902 (EEE has left: its four pairs are dropped).
    let expected = [
        ("AAA", "BBB", "ally", "ally"),
        ("AAA", "CCC", "neutral", "rival"),
        ("AAA", "DDD", "neutral", "neutral"),
        ("BBB", "CCC", "rival", "neutral"),
        ("BBB", "DDD", "neutral", "neutral"),
        ("CCC", "DDD", "ally", "neutral"),
    ];
    assert_eq!(rows.len(), expected.len(), "{forecasts}");
    for (r, e) in rows.iter().zip(expected) {
        assert_eq!((r[2], r[3], r[7], r[8]), e, "{forecasts}");
    }
    let scores = fs::read_to_string(home.path().join("bt/scores.csv")).unwrap();
    let near = |a: Option<f64>, b: f64| {
        assert!((a.unwrap() - b).abs() < 2e-6, "{a:?} vs {b}\n{scores}");
    };
    // Persistence: 3 of 6 pairs changed class, each Brier 2: mean 1; log -ln(0.001) for each
    // miss: 3 x 6.907755 / 6.
    near(score(&scores, "1902,2,all,persistence", "brier"), 1.0);
    near(
        score(&scores, "1902,2,all,persistence", "log_score"),
        3.453878,
    );
    near(score(&scores, "1902,2,all,persistence", "accuracy"), 0.5);
    // Climatology: 1900 and 1901, ten pairs each, one ally and one rival a year: [0.1, 0.8, 0.1].
    // Brier: ally or rival observed 0.81 + 0.64 + 0.01 = 1.46, neutral 0.06; 3 x 1.46 + 3 x 0.06
    // = 4.56, mean 0.76; skill against persistence 1 - 0.76 / 1 = 0.24.
    near(score(&scores, "1902,2,all,climatology", "brier"), 0.76);
    near(
        score(&scores, "1902,2,all,climatology", "skill_vs_persistence"),
        0.24,
    );
    near(
        score(&scores, "1902,2,all,persistence", "skill_vs_climatology"),
        1.0 - 1.0 / 0.76,
    );
    // Log: 3 x -ln 0.1 + 3 x -ln 0.8 = 7.577186, mean 1.262864; accuracy: neutral, 3 of 6.
    near(
        score(&scores, "1902,2,all,climatology", "log_score"),
        1.262864,
    );
    near(score(&scores, "1902,2,all,climatology", "accuracy"), 0.5);
    // The pairs that changed: AAA-CCC (neutral), BBB-CCC (rival), CCC-DDD (ally).
    near(
        score(&scores, "1902,2,changed,climatology", "brier"),
        (0.06 + 1.46 + 1.46) / 3.0,
    );
    near(score(&scores, "1902,2,changed,persistence", "brier"), 2.0);
    assert_eq!(score(&scores, "1902,2,changed,model", "pairs"), Some(3.0));
    // The model's Brier is the mean of its forecasts' Brier scores.
    let mut total = 0.0;
    for r in &rows {
        let p: Vec<f64> = r[4..7].iter().map(|x| x.parse().unwrap()).collect();
        let o = ["ally", "neutral", "rival"]
            .iter()
            .position(|c| *c == r[7])
            .unwrap();
        total += (0..3)
            .map(|c| (p[c] - f64::from(u8::from(c == o))).powi(2))
            .sum::<f64>();
    }
    near(
        score(&scores, "1902,2,all,model", "brier"),
        total / rows.len() as f64,
    );
    // The overall row of a single start year equals it.
    assert_eq!(
        score(&scores, "all,2,all,model", "brier"),
        score(&scores, "1902,2,all,model", "brier")
    );
}

#[test]
fn backtest_bytes_do_not_depend_on_threads() {
    let home = TempDir::new().unwrap();
    let mut outputs = Vec::new();
    for t in ["1", "2"] {
        let out = format!("bt{t}");
        let o = entente(
            home.path(),
            &[
                "backtest",
                "--years",
                "1880:1960:20",
                "--horizon",
                "5,10",
                "--states",
                "majors",
                "--runs",
                "300",
                "--threads",
                t,
                "--out",
                &out,
                "-q",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let files: Vec<Vec<u8>> = ["forecasts.csv", "scores.csv", "reliability.csv"]
            .iter()
            .map(|f| fs::read(home.path().join(&out).join(f)).unwrap())
            .collect();
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1]);
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(home.path().join("bt1/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["kind"], "backtest");
    assert_eq!(
        m["years"],
        serde_json::json!([1880, 1900, 1920, 1940, 1960])
    );
}

#[test]
fn backtest_errors_exit_2_and_write_nothing() {
    let home = TempDir::new().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--years", "1980", "--horizon", "10"],
            "after the data's last year 1989",
        ),
        (&["--years", "1900:1880"], "FROM <= TO"),
        (&["--horizon", "ten"], "expected whole years"),
        (&["--states", "XXX"], "unknown COW abbreviation `XXX`"),
        (&["--runs", "0"], "at least one run"),
        (
            &["--set", "nonsense=1", "--years", "1900"],
            "start year 1900",
        ),
    ];
    for (args, expected) in cases {
        let mut a = vec!["backtest", "--out", "bt", "-q"];
        a.extend(args);
        let o = entente(home.path(), &a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(!home.path().join("bt").exists(), "{args:?}");
    }
}
