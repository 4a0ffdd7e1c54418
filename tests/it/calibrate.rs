//! `entente calibrate` and `sweep --evaluate backtest`: the optimiser recovers parameters
//! that are known, the sweep's evaluator gives `backtest`'s scores, and the trace does not
//! depend on threads or shards.

use std::fs;
use std::path::Path;
use std::process::Output;

use entente::engine::{self, Study};
use entente::experiment::calibrate::{Options, best, nelder_mead};
use tempfile::TempDir;

use super::{entente, fails, repo};

const TUTORIAL: &str = "scenarios/tutorial/far-strongest-near-weaker.toml";

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "stderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// Class frequencies `[ally, neutral, rival]` of every pair at the steps `at`, from `runs`
/// runs of the tutorial scenario with `eta` and `sigma_d`.
fn class_frequencies(eta: f64, sigma_d: f64, seed: u64, runs: u64, at: &[usize]) -> Vec<[f64; 3]> {
    let text = fs::read_to_string(repo(TUTORIAL)).unwrap();
    let mut s = entente::scenario::parse(&text, TUTORIAL).unwrap();
    s.apply_choices(None, &[format!("eta={eta}"), format!("sigma_d={sigma_d}")])
        .unwrap();
    let stats = engine::run(
        &Study {
            scenario: &s,
            params: s.params.clone(),
            seed,
            runs: 0..runs,
            threads: 2,
        },
        &|_| {},
        None,
    )
    .unwrap();
    let pairs = stats.pairs();
    let mut out = Vec::new();
    for &step in at {
        for q in 0..pairs {
            let a = stats.alliance[step * pairs + q] as f64 / runs as f64;
            let r = stats.rivalry[step * pairs + q] as f64 / runs as f64;
            out.push([a, 1.0 - a - r, r]);
        }
    }
    out
}

/// A synthetic history whose parameters are known: the outcomes are drawn from the model
/// itself with eta = 0.3 and sigma_d = 0.15 (4000 runs, its own seed). Calibrating eta and
/// sigma_d by the expected Brier score against those outcomes (the candidate simulated with
/// another seed: no shared noise) recovers both within a tolerance that the Monte Carlo error
/// of 4000 and 1500 runs allows.
#[test]
fn calibration_recovers_known_parameters_from_a_synthetic_history() {
    let (eta, sigma) = (0.3, 0.15);
    let (eta_range, sigma_range) = ((0.02, 1.0), (0.02, 0.4));
    let at = [8, 20, 40, 60, 80];
    let truth = class_frequencies(eta, sigma, 11, 4000, &at);
    let mut f = |x: &[f64]| -> Result<f64, String> {
        let e = eta_range.0 + x[0] * (eta_range.1 - eta_range.0);
        let s = sigma_range.0 + x[1] * (sigma_range.1 - sigma_range.0);
        let p = class_frequencies(e, s, 12, 1500, &at);
        // Mean expected Brier score of forecast p when the outcome is drawn from q.
        let total: f64 = p
            .iter()
            .zip(&truth)
            .map(|(p, q)| {
                (0..3)
                    .map(|c| p[c] * p[c] - 2.0 * p[c] * q[c] + q[c])
                    .sum::<f64>()
            })
            .sum();
        Ok(total / p.len() as f64)
    };
    // As `entente calibrate` does: a space-filling start (here a 4 x 4 grid), then Nelder–Mead
    // from its best point.
    let mut start: Vec<(f64, [f64; 2])> = Vec::new();
    for i in 0..4 {
        for j in 0..4 {
            let x = [(i as f64 + 0.5) / 4.0, (j as f64 + 0.5) / 4.0];
            start.push((f(&x).unwrap(), x));
        }
    }
    let x0 = start.iter().min_by(|a, b| a.0.total_cmp(&b.0)).unwrap().1;
    let (trace, _) = nelder_mead(
        &mut f,
        &x0,
        &Options {
            max_evals: 80,
            step: 0.15,
            tolerance: 1e-5,
        },
    )
    .unwrap();
    let b = best(&trace).unwrap();
    let e = eta_range.0 + b.x[0] * (eta_range.1 - eta_range.0);
    let s = sigma_range.0 + b.x[1] * (sigma_range.1 - sigma_range.0);
    assert!((e - eta).abs() < 0.06, "eta recovered as {e}, true {eta}");
    assert!(
        (s - sigma).abs() < 0.03,
        "sigma_d recovered as {s}, true {sigma}"
    );
}

/// The rows `horizon,subset,…` of the model in a backtest's scores.csv (all start years).
fn backtest_model_rows(dir: &Path) -> Vec<String> {
    read(dir, "scores.csv")
        .lines()
        .filter(|l| l.starts_with("all,") && l.contains(",model,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            // start_year,horizon,subset,method,brier,log,skill_p,skill_c,accuracy,pairs
            let mut v = vec![f[1], f[2]];
            v.extend_from_slice(&f[4..9]);
            format!("{},{}", v.join(","), f[9])
        })
        .collect()
}

#[test]
fn the_sweep_scores_each_point_as_backtest_does() {
    let home = TempDir::new().unwrap();
    let common = [
        "--years",
        "1890:1910:10",
        "--horizon",
        "5,10",
        "--states",
        "majors",
        "--runs",
        "40",
        "--seed",
        "3",
        "--quiet",
    ];
    let mut sweep = vec![
        "sweep",
        "--evaluate",
        "backtest",
        "--vary",
        "eta=0.1,0.5",
        "--design",
        "grid",
        "--set",
        "sigma_d=0.2",
        "--out",
        "sw",
    ];
    sweep.extend_from_slice(&common);
    ok(&entente(home.path(), &sweep));
    let rows = read(&home.path().join("sw"), "sweep.csv");
    assert!(rows.starts_with(
        "point,horizon,subset,brier,log_score,skill_vs_persistence,skill_vs_climatology,accuracy,pairs\n"
    ));
    for (point, eta) in [(0, "0.1"), (1, "0.5")] {
        let out = format!("bt{point}");
        let set = format!("eta={eta}");
        let mut bt = vec![
            "backtest",
            "--set",
            "sigma_d=0.2",
            "--set",
            &set,
            "--out",
            &out,
        ];
        bt.extend_from_slice(&common);
        ok(&entente(home.path(), &bt));
        let expected: Vec<String> = backtest_model_rows(&home.path().join(&out))
            .into_iter()
            .map(|r| {
                // sweep.csv writes the pair count as a number with decimals.
                let (head, pairs) = r.rsplit_once(',').unwrap();
                format!("{point},{head},{pairs}.000000")
            })
            .collect();
        let found: Vec<&str> = rows
            .lines()
            .filter(|l| l.starts_with(&format!("{point},")))
            .collect();
        assert_eq!(found.len(), 10, "2 horizons x 5 groups of pairs");
        assert_eq!(found, expected, "point {point}");
    }
    let m: serde_json::Value =
        serde_json::from_str(&read(&home.path().join("sw"), "manifest.json")).unwrap();
    assert_eq!(m["evaluate"], "backtest");
    assert_eq!(m["backtest"]["states"], "majors");
    assert_eq!(m["backtest"]["horizons"], serde_json::json!([5, 10]));
}

/// A small calibration's arguments, written to `out`.
fn small_calibration(out: &str) -> Vec<String> {
    [
        "calibrate",
        "--free",
        "eta=0.05:0.8",
        "--free",
        "sigma_d=0.02:0.3",
        "--years",
        "1880:1910:10",
        "--horizon",
        "10",
        "--runs",
        "30",
        "--start",
        "6",
        "--refine",
        "8",
        "--quiet",
        "--out",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run_args(home: &Path, args: &[String], extra: &[&str]) -> Output {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend_from_slice(extra);
    entente(home, &all)
}

#[test]
fn a_calibration_writes_its_trace_and_best_point_the_same_on_any_threads_and_shards() {
    let home = TempDir::new().unwrap();
    let h = home.path();
    ok(&run_args(h, &small_calibration("one"), &["--threads", "1"]));
    ok(&run_args(h, &small_calibration("two"), &["--threads", "2"]));
    let one = h.join("one");
    let trace = read(&one, "trace.csv");
    assert_eq!(trace, read(&h.join("two"), "trace.csv"), "threads");
    let lines: Vec<&str> = trace.lines().collect();
    assert_eq!(lines[0], "evaluation,stage,eta,sigma_d,objective,brier_h10");
    assert_eq!(lines.iter().filter(|l| l.contains(",start,")).count(), 6);
    assert_eq!(lines.iter().filter(|l| l.contains(",refine,")).count(), 8);
    assert!(lines.last().unwrap().contains(",rounded,"));
    // The rounded best is the lowest objective of the start and refine rows, rounded.
    let best = read(&one, "best.toml");
    assert!(best.contains("[params]\neta = "), "{best}");
    let set = read(&one, "best-set.txt");
    assert!(
        set.starts_with("--set eta=") && set.contains(" --set sigma_d="),
        "{set}"
    );
    // The best values reproduce the recorded scores with `backtest --params`.
    ok(&entente(
        h,
        &[
            "backtest",
            "--years",
            "1880:1910:10",
            "--horizon",
            "10",
            "--states",
            "majors",
            "--runs",
            "30",
            "--params",
            "one/best.toml",
            "--out",
            "check",
            "--quiet",
        ],
    ));
    let scores = read(&one, "scores.csv");
    let all = scores.lines().find(|l| l.starts_with("10,all,")).unwrap();
    let brier = all.split(',').nth(2).unwrap();
    let bt = backtest_model_rows(&h.join("check"));
    assert!(
        bt[0].starts_with(&format!("10,all,{brier},")),
        "{bt:?} vs {all}"
    );
    // Shards of the start, merged, then refined: the same trace.
    for k in ["0/2", "1/2"] {
        ok(&run_args(h, &small_calibration("sh"), &["--shard", k]));
    }
    let parts: Vec<String> = ["0", "1"]
        .iter()
        .map(|k| format!("sh/start-parts/sweep-part-{k}-of-2.csv"))
        .collect();
    ok(&entente(
        h,
        &[
            "merge", &parts[0], &parts[1], "--out", "sh/start", "--quiet",
        ],
    ));
    ok(&run_args(
        h,
        &small_calibration("sh"),
        &["--from", "sh/start"],
    ));
    assert_eq!(trace, read(&h.join("sh"), "trace.csv"), "shards");
    // A start made with other options is refused.
    let mut other = small_calibration("x");
    other[10] = "31".into(); // --runs
    let o = run_args(h, &other, &["--from", "one/start"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("one/start/manifest.json: `runs` is 30"), "{e}");
    // A start of the right manifest whose design or scores were changed is refused: a
    // point moved, a Brier score out of its range, a row given twice, rows missing.
    let start = h.join("one/start");
    let (design, sweep) = (read(&start, "design.csv"), read(&start, "sweep.csv"));
    let second = |text: &str| text.lines().nth(1).unwrap().to_string();
    let brier_neg = {
        let row = second(&sweep);
        let mut f: Vec<&str> = row.split(',').collect();
        f[3] = "-100";
        sweep.replacen(&row, &f.join(","), 1)
    };
    let header_only = format!("{}\n", sweep.lines().next().unwrap());
    for (k, (file, text, expected)) in [
        (
            "design.csv",
            design.replacen(",0.", ",0.0", 1),
            "design.csv: not the design of this calibration's start",
        ),
        (
            "sweep.csv",
            brier_neg,
            "sweep.csv:2: brier: found `-100`, expected a number from 0 to 2",
        ),
        (
            "sweep.csv",
            format!("{sweep}{}\n", second(&sweep)),
            "expected the row (none: the point is complete)",
        ),
        ("sweep.csv", header_only, "point 0 has 0 of its"),
    ]
    .into_iter()
    .enumerate()
    {
        let damaged = h.join(format!("damaged{k}"));
        std::fs::create_dir(&damaged).unwrap();
        for f in ["manifest.json", "design.csv", "sweep.csv"] {
            std::fs::copy(start.join(f), damaged.join(f)).unwrap();
        }
        std::fs::write(damaged.join(file), text).unwrap();
        let from = damaged.display().to_string();
        let o = run_args(h, &small_calibration("y"), &["--from", &from]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{expected}: {e}");
        assert!(e.contains(expected), "{expected}: {e}");
        assert!(!h.join("y").exists(), "{expected}");
    }
}

#[test]
fn calibrate_and_backtest_sweeps_refuse_bad_input() {
    fails(
        "unknown parameter",
        &["calibrate", "--free", "zeta_x=0:1"],
        "`zeta_x` is not a model parameter",
    );
    fails(
        "outside the allowed range",
        &["calibrate", "--free", "tau=0:2"],
        "within tau's allowed range [0, 1]",
    );
    fails(
        "a list, not a range",
        &["calibrate", "--free", "eta=0.1,0.2"],
        "expected NAME=LOW:HIGH",
    );
    fails(
        "twice",
        &[
            "calibrate",
            "--free",
            "eta=0.1:0.2",
            "--free",
            "eta=0.1:0.3",
        ],
        "given twice",
    );
    fails(
        "a start that is not there",
        &[
            "calibrate",
            "--from",
            "no/such/start",
            "--free",
            "eta=0.1:0.2",
        ],
        "no/such/start/manifest.json: cannot read",
    );
    fails(
        "a backtest flag without --evaluate backtest",
        &[
            "sweep",
            "--vary",
            "eta=0.1:0.3",
            "--design",
            "grid:2",
            "--years",
            "1900",
        ],
        "--years is a backtest option",
    );
    fails(
        "a state path in a backtest sweep",
        &[
            "sweep",
            "--evaluate",
            "backtest",
            "--vary",
            "state.USA.power=1:2",
            "--design",
            "grid:2",
        ],
        "a factor is a model parameter",
    );
    fails(
        "a scenario in a backtest sweep",
        &[
            "sweep",
            TUTORIAL,
            "--evaluate",
            "backtest",
            "--vary",
            "eta=0.1:0.3",
            "--design",
            "grid:2",
        ],
        "give no scenario",
    );
    fails(
        "start years after the data",
        &[
            "sweep",
            "--evaluate",
            "backtest",
            "--vary",
            "eta=0.1:0.3",
            "--design",
            "grid:2",
            "--years",
            "1985",
            "--horizon",
            "10",
        ],
        "after the data's last year",
    );
    let home = TempDir::new().unwrap();
    let bad = home.path().join("bad.toml");
    fs::write(&bad, "[params]\neta = \"fast\"\n").unwrap();
    fails(
        "a parameter file with a word for a number",
        &[
            "backtest",
            "--params",
            bad.to_str().unwrap(),
            "--years",
            "1900",
        ],
        "[params] `eta` = \"fast\": expected a number",
    );
    fs::write(&bad, "[params]\nrho = 0.1\n").unwrap();
    fails(
        "a parameter file with a removed parameter",
        &[
            "backtest",
            "--params",
            bad.to_str().unwrap(),
            "--years",
            "1900",
        ],
        "`rho` is not a model parameter",
    );
}

#[test]
fn the_report_of_a_backtest_sweep_says_where_its_scores_are() {
    let home = TempDir::new().unwrap();
    ok(&entente(
        home.path(),
        &[
            "sweep",
            "--evaluate",
            "backtest",
            "--vary",
            "eta=0.1:0.3",
            "--design",
            "grid:2",
            "--years",
            "1900",
            "--runs",
            "10",
            "--out",
            "sw",
            "--quiet",
        ],
    ));
    let dir = home.path().join("sw");
    fails(
        "report of a backtest sweep",
        &["report", dir.to_str().unwrap()],
        "its scores are in sweep.csv",
    );
}
