//! `entente calibrate`: the parameter values that score best against history.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::{Context, bail};
use entente::engine::ShardSpec;
use entente::experiment::calibrate::{self, Options};
use entente::experiment::design::{Factor, Levels, Value};
use entente::experiment::sweep::{BacktestEvaluator, Evaluator as _, OutputRow};
use entente::history::backtest::BacktestOptions;
use entente::output::{Kind, OutputDir, num};

use super::backtest::{Scoring, ScoringArgs};
use super::history::command_line;
use super::study::{rfc3339, say_replaced, seconds, threads_or_all};
use super::sweep;

/// The training start years of the committed split (docs/validation.md, "The calibration
/// split").
pub const TRAINING_YEARS: &str = "1816:1914,1919:1939";
/// The horizons of the committed split.
pub const TRAINING_HORIZONS: &str = "5,10";
/// The states of the committed split.
pub const TRAINING_STATES: &str = "majors";

/// The free parameters searched by default, with their ranges: the dynamics, the partner value
/// and hostility weights, and reach (docs/validation.md says why these).
pub const DEFAULT_FREE: [&str; 10] = [
    "eta=0.02:1",
    "sigma_d=0.01:0.4",
    "tau=0:1",
    "beta_p=0:3",
    "beta_t=0:2",
    "beta_m=0:3",
    "beta_c=0:2",
    "beta_e=0:2",
    "gamma_e=0:1",
    "omega=0:10",
];

/// The files of a calibration folder, in the order written.
pub const FILES: [&str; 5] = [
    "trace.csv",
    "best.toml",
    "best-set.txt",
    "scores.csv",
    "manifest.json",
];

/// Search the free parameters for the best backtest score.
#[derive(clap::Args)]
#[command(
    after_help = "Two stages. The start: a Latin hypercube of --start points over the free parameters, each
scored by a backtest (a sweep: `entente sweep --evaluate backtest`, written to --out/start/,
resumed if interrupted, shardable). The refinement: a bounded Nelder-Mead search from the best
start point, at most --refine evaluations. Then the best point, rounded to three significant
digits, is scored once more: those values are the result.

The objective is the model's mean Brier score (or log score) over the horizons, all pairs of
all start years pooled, lower is better. Fit on training years only: the defaults are the
training split of docs/validation.md (start years 1816-1914 and 1919-1939, horizons 5 and 10,
the major powers).

Files written to --out (default results/calibration/):
  trace.csv     every evaluation: stage (start, refine, rounded), values, objective, Brier per horizon
  best.toml     a [params] table of the best values (for a scenario file or `backtest --params`)
  best-set.txt  the same as --set flags
  scores.csv    the best values' scores per horizon and group of pairs
  manifest.json what produced it
  start/        the start sweep (design.csv, sweep.csv, manifest.json)

On a cluster: run the start in shards (--shard K/N writes --out/start-parts/), merge them
(`entente merge DIR/start-parts/sweep-part-*.csv --out DIR/start`), then refine with
`entente calibrate --from DIR/start` and the same options.

Examples:
  entente calibrate --runs 500 --start 80 --refine 250
  entente calibrate --free eta=0.05:1 --free sigma_d=0.02:0.3 --years 1816:1914 --horizon 10
  entente backtest --years 1946:1979 --horizon 10 --states majors --params results/calibration/best.toml"
)]
pub struct Args {
    /// A free parameter and its range, NAME=LOW:HIGH (repeatable; default: the ten of
    /// docs/validation.md).
    #[arg(long = "free", value_name = "NAME=LOW:HIGH")]
    free: Vec<String>,
    /// What is minimised: brier (mean Brier score) or log (mean logarithmic score).
    #[arg(long, value_name = "SCORE", default_value = "brier", value_parser = ["brier", "log"])]
    objective: String,
    /// Points of the Latin-hypercube start.
    #[arg(long, value_name = "N", default_value_t = 80)]
    start: usize,
    /// Most evaluations of the Nelder-Mead refinement (0: the best start point is the result).
    #[arg(long, value_name = "N", default_value_t = 250)]
    refine: usize,
    /// Monte Carlo runs per start year and evaluation.
    #[arg(long, value_name = "N", default_value_t = 500)]
    runs: u64,
    /// Master seed of the design and of every evaluation's runs (common random numbers).
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Theory preset applied before the free parameters.
    #[arg(long, value_name = "NAME")]
    theory: Option<String>,
    /// PATH=VALUE applied to every evaluation before the free parameters (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// A start sweep already made (merged shards): refine from its best point.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// Results folder.
    #[arg(long, value_name = "DIR", default_value = "results/calibration")]
    out: PathBuf,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
    /// Run only shard K of N of the start and write a sweep part to --out/start-parts/.
    #[arg(long, value_name = "K/N|auto|auto/N")]
    shard: Option<ShardSpec>,
    /// No progress and no summary on stdout.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    scoring: ScoringArgs,
}

/// A free parameter: its name and range.
struct Free {
    name: String,
    low: f64,
    high: f64,
}

impl Free {
    fn value(&self, x: f64) -> f64 {
        self.low + x * (self.high - self.low)
    }

    fn unit(&self, v: f64) -> f64 {
        ((v - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
    }
}

/// The free parameters of `--free` (or the defaults), checked: model parameters, ranges
/// inside their allowed ranges, each once.
fn free_of(args: &Args) -> anyhow::Result<Vec<Free>> {
    let texts: Vec<String> = if args.free.is_empty() {
        DEFAULT_FREE.iter().map(|s| s.to_string()).collect()
    } else {
        args.free.clone()
    };
    let mut out: Vec<Free> = Vec::new();
    for t in &texts {
        let f = Factor::parse(t).map_err(|e| anyhow::anyhow!("--free {e}"))?;
        let Levels::Range { low, high } = f.levels else {
            bail!("--free `{t}`: expected NAME=LOW:HIGH, a range (e.g. eta=0.05:1)");
        };
        let Some(spec) = entente::params::spec(&f.path) else {
            bail!(
                "--free `{t}`: `{}` is not a model parameter (`entente show params` lists them)",
                f.path
            );
        };
        if low >= high || low < spec.min || high > spec.max {
            bail!(
                "--free `{t}`: expected LOW < HIGH within {}'s allowed range [{}, {}]",
                f.path,
                spec.min,
                spec.max
            );
        }
        if out.iter().any(|g| g.name == f.path) {
            bail!("--free `{t}`: `{}` is given twice", f.path);
        }
        out.push(Free {
            name: f.path,
            low,
            high,
        });
    }
    Ok(out)
}

/// The backtest flags with the training split's defaults filled in.
fn scoring_args(args: &Args) -> ScoringArgs {
    let mut s = args.scoring.clone();
    s.years.get_or_insert_with(|| TRAINING_YEARS.into());
    s.horizon.get_or_insert_with(|| TRAINING_HORIZONS.into());
    s.states.get_or_insert_with(|| TRAINING_STATES.into());
    s
}

/// Three significant digits, for values people read and type.
fn round3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 2 - x.abs().log10().floor() as i32;
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

/// The objective of a point's rows: the mean over horizons of the model's Brier (or log)
/// score of all pairs, and the Brier score per horizon.
fn objective_of(rows: &[OutputRow], log: bool) -> (f64, Vec<f64>) {
    let all: Vec<&OutputRow> = rows
        .iter()
        .filter(|r| r.key.get(1).map(String::as_str) == Some("all"))
        .collect();
    let column = usize::from(log);
    let f = all.iter().map(|r| r.values[column]).sum::<f64>() / all.len().max(1) as f64;
    (f, all.iter().map(|r| r.values[0]).collect())
}

/// The index of the row with the lowest objective, the earliest among equals.
fn lowest(rows: &[TraceRow]) -> Option<usize> {
    (0..rows.len()).fold(None, |b, i| match b {
        Some(j) if rows[j].objective <= rows[i].objective => Some(j),
        _ => Some(i),
    })
}

/// One line of the trace.
struct TraceRow {
    stage: &'static str,
    values: Vec<f64>,
    objective: f64,
    brier: Vec<f64>,
}

/// The free parameters, and the other arguments checked: at least one start point and one
/// run, and not both --from and --shard.
fn check_args(args: &Args) -> anyhow::Result<Vec<Free>> {
    let free = free_of(args)?;
    if args.start == 0 {
        bail!("--start 0: expected at least one start point");
    }
    if args.runs == 0 {
        bail!("--runs 0: expected at least one run");
    }
    if args.from.is_some() && args.shard.is_some() {
        bail!(
            "--from and --shard: --shard runs a part of the start, --from refines a start already made; give one"
        );
    }
    Ok(free)
}

/// A calibration's arguments, checked, and what its stages share.
struct Calibration<'a> {
    /// The arguments as given.
    args: &'a Args,
    /// The free parameters.
    free: Vec<Free>,
    /// The backtest flags with the training split's defaults.
    scoring_args: ScoringArgs,
    /// The free parameters as `--vary` flags of the start sweep.
    vary: Vec<String>,
    /// The start sweep's folder: --from, else --out/start.
    start_dir: PathBuf,
    /// Whether the objective is the log score (else the Brier score).
    log: bool,
}

/// The backtest that scores the refinement's points.
struct Scorer<'a> {
    /// The backtest of a point's values.
    eval: BacktestEvaluator<'a>,
    /// The objective is the log score (else the Brier score).
    log: bool,
}

impl Scorer<'_> {
    /// The objective at `values` (one per free parameter), the Brier score per horizon, and
    /// the backtest's rows.
    fn score(&self, values: &[f64]) -> Result<(f64, Vec<f64>, Vec<OutputRow>), String> {
        let v: Vec<Value> = values.iter().map(|&x| Value::Number(x)).collect();
        let rows = self.eval.evaluate(&v, &|_| {})?;
        let (f, brier) = objective_of(&rows, self.log);
        Ok((f, brier, rows))
    }
}

/// The result: the best evaluation's values rounded, scored once more (the last row of the
/// trace holds the values).
struct Best {
    /// The objective of the values rounded to three significant digits.
    objective: f64,
    /// The objective of the best evaluation before rounding.
    unrounded: f64,
    /// The rounded values' Brier score per horizon.
    brier: Vec<f64>,
    /// The rounded values' backtest rows (scores.csv).
    rows: Vec<OutputRow>,
    /// The rounded values as --set flags.
    set_line: Vec<String>,
}

impl<'a> Calibration<'a> {
    /// The calibration of `args`, with its free parameters `free`.
    fn new(args: &'a Args, free: Vec<Free>) -> Self {
        let vary: Vec<String> = free
            .iter()
            .map(|f| format!("{}={}:{}", f.name, f.low, f.high))
            .collect();
        Self {
            args,
            free,
            scoring_args: scoring_args(args),
            vary,
            start_dir: args.from.clone().unwrap_or_else(|| args.out.join("start")),
            log: args.objective == "log",
        }
    }

    /// The arguments of the start sweep (or its shard `shard`), written to `out`.
    fn sweep_args(&self, out: PathBuf, shard: Option<ShardSpec>) -> sweep::Args {
        let args = self.args;
        sweep::Args {
            file: None,
            vary: self.vary.clone(),
            design: Some(format!("lhs:{}", args.start)),
            runs: Some(args.runs),
            seed: Some(args.seed),
            theory: args.theory.clone(),
            set: args.set.clone(),
            pairs: Vec::new(),
            out: Some(out),
            threads: args.threads,
            shard,
            quiet: args.quiet,
            evaluate: "backtest".into(),
            scoring: self.scoring_args.clone(),
        }
    }

    /// Run shard `spec` of the start, into --out/start-parts/, and say what comes next.
    fn run_shard(&self, spec: ShardSpec) -> anyhow::Result<ExitCode> {
        let parts = self.args.out.join("start-parts");
        let code = sweep::run(self.sweep_args(parts.clone(), Some(spec)))?;
        if !self.args.quiet {
            println!(
                "when every shard is done: entente merge {}/sweep-part-*.csv --out {}; then the same entente calibrate command with --from {} instead of --shard",
                parts.display(),
                self.start_dir.display(),
                self.start_dir.display()
            );
        }
        Ok(code)
    }

    /// The start: the sweep made (unless --from gives it), checked to be this calibration's,
    /// and its points read as trace rows.
    fn start(&self) -> anyhow::Result<Vec<TraceRow>> {
        let args = self.args;
        let expected = sweep::planned(&self.sweep_args(self.start_dir.clone(), None))?;
        if args.from.is_none() {
            if !args.quiet {
                say!(
                    "entente calibrate: start: {} points of a Latin hypercube over {} free parameters",
                    args.start,
                    self.free.len()
                );
            }
            sweep::run(self.sweep_args(self.start_dir.clone(), None))?;
        }
        check_start(&self.start_dir, &expected.manifest)?;
        read_start(&self.start_dir, &self.free, self.log, &expected)
    }

    /// The refinement: a Nelder-Mead search from the best point of `trace` (the start), its
    /// evaluations added to `trace`, with a progress bar unless --quiet. Returns why it
    /// stopped.
    fn refine(
        &self,
        scorer: &Scorer<'_>,
        trace: &mut Vec<TraceRow>,
    ) -> anyhow::Result<calibrate::Stop> {
        let free = &self.free;
        let start_best = lowest(trace).context("the start sweep has no points")?;
        let x0: Vec<f64> = free
            .iter()
            .zip(&trace[start_best].values)
            .map(|(f, &v)| f.unit(v))
            .collect();
        let bar = refine_bar(self.args.quiet, self.args.refine);
        let mut refined: Vec<TraceRow> = Vec::new();
        let mut best_so_far = trace[start_best].objective;
        let mut objective = |x: &[f64]| -> Result<f64, String> {
            let values: Vec<f64> = free.iter().zip(x).map(|(f, &u)| f.value(u)).collect();
            let (f, brier, _) = scorer.score(&values)?;
            best_so_far = best_so_far.min(f);
            if let Some(b) = &bar {
                b.inc(1);
                b.set_message(format!("best {best_so_far:.5}"));
            }
            refined.push(TraceRow {
                stage: "refine",
                values,
                objective: f,
                brier,
            });
            Ok(f)
        };
        let (_, stop) = calibrate::nelder_mead(
            &mut objective,
            &x0,
            &Options {
                max_evals: self.args.refine,
                ..Options::default()
            },
        )
        .map_err(anyhow::Error::msg)?;
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        trace.extend(refined);
        Ok(stop)
    }

    /// The best of every evaluation in `trace`, rounded, scored once more: its row is added
    /// to `trace`.
    fn score_rounded(
        &self,
        scorer: &Scorer<'_>,
        trace: &mut Vec<TraceRow>,
    ) -> anyhow::Result<Best> {
        let best_row = &trace[lowest(trace).context("no evaluation")?];
        let rounded: Vec<f64> = self
            .free
            .iter()
            .zip(&best_row.values)
            .map(|(f, &v)| round3(v).clamp(f.low, f.high))
            .collect();
        let unrounded = best_row.objective;
        let (f, brier, rows) = scorer.score(&rounded).map_err(anyhow::Error::msg)?;
        let set_line: Vec<String> = self
            .free
            .iter()
            .zip(&rounded)
            .map(|(p, v)| format!("--set {}={v}", p.name))
            .collect();
        trace.push(TraceRow {
            stage: "rounded",
            values: rounded,
            objective: f,
            brier: brier.clone(),
        });
        Ok(Best {
            objective: f,
            unrounded,
            brier,
            rows,
            set_line,
        })
    }

    /// The summary on stdout: the split, the evaluations, the best values and the files.
    fn print_summary(
        &self,
        scoring: &Scoring,
        trace: &[TraceRow],
        stop: calibrate::Stop,
        best: &Best,
    ) {
        let args = self.args;
        let o = &scoring.options;
        println!(
            "calibration on {} start years ({}–{}), horizons {}, states {}: {} evaluations ({} start, {} refine: {})",
            o.years.len(),
            o.years.first().copied().unwrap_or_default(),
            o.years.last().copied().unwrap_or_default(),
            sweep::horizons_text(&o.horizons),
            o.spec,
            trace.len(),
            args.start,
            trace.iter().filter(|r| r.stage == "refine").count(),
            stop.name()
        );
        println!(
            "best {} {:.5} (before rounding {:.5}); Brier per horizon: {}",
            args.objective,
            best.objective,
            best.unrounded,
            o.horizons
                .iter()
                .zip(&best.brier)
                .map(|(h, b)| format!("{h}y {b:.4}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("{}", best.set_line.join(" "));
        println!("files in {}/: {}", args.out.display(), FILES.join(", "));
    }
}

/// The progress bar of the refinement's `refine` evaluations (none with --quiet).
fn refine_bar(quiet: bool, refine: usize) -> Option<indicatif::ProgressBar> {
    if quiet {
        None
    } else {
        let b = indicatif::ProgressBar::new(refine as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} refine [{bar:40}] {pos}/{len} evaluations, {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Some(b)
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let free = check_args(&args)?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let c = Calibration::new(&args, free);
    if let Some(spec) = args.shard {
        return c.run_shard(spec);
    }
    let mut trace = c.start()?;

    // The refinement, from the best start point.
    let scoring: Scoring = c.scoring_args.load(
        "",
        args.runs,
        args.seed,
        args.theory.clone(),
        args.set.clone(),
    )?;
    let factors = sweep::parse_factors(&c.vary)?;
    let options = BacktestOptions {
        threads: threads_or_all(args.threads),
        ..scoring.options.clone()
    };
    let scorer = Scorer {
        eval: BacktestEvaluator {
            data: &scoring.data,
            options: &options,
            prepared: &scoring.prepared,
            factors: &factors,
        },
        log: c.log,
    };
    let stop = c.refine(&scorer, &mut trace)?;
    // The best of every evaluation, rounded, scored once more.
    let best = c.score_rounded(&scorer, &mut trace)?;
    write_folder(
        &c,
        &scoring,
        &trace,
        &best,
        serde_json::json!({
            "objective": args.objective,
            "objective_value": best.objective,
            "objective_unrounded": best.unrounded,
            "start_points": args.start,
            "refine_evaluations": trace.iter().filter(|r| r.stage == "refine").count(),
            "refine_stop": stop.name(),
            "start": c.start_dir.display().to_string(),
            "started": rfc3339(started),
            "finished": rfc3339(SystemTime::now()),
            "wall_seconds": seconds(clock),
        }),
    )?;
    if !args.quiet {
        c.print_summary(&scoring, &trace, stop, &best);
    }
    Ok(ExitCode::SUCCESS)
}

/// The start folder must be the sweep this calibration would make.
fn check_start(dir: &Path, expected: &serde_json::Value) -> anyhow::Result<()> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read the start sweep's manifest", path.display()))?;
    let found: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    for key in [
        "kind",
        "model_version",
        "evaluate",
        "scenario_sha256",
        "design",
        "factors",
        "runs",
        "seed",
        "theory",
        "set",
        "backtest",
    ] {
        if found.get(key) != expected.get(key) {
            bail!(
                "{}: `{key}` is {}, this calibration's start has {}: the folder is another sweep; make the start again (without --from) or give the options it was made with",
                path.display(),
                found.get(key).map_or("missing".into(), ToString::to_string),
                expected
                    .get(key)
                    .map_or("nothing".into(), ToString::to_string)
            );
        }
    }
    Ok(())
}

/// The start sweep's points as trace rows, in point order. The folder is checked against
/// the sweep this calibration plans (`planned`): its design.csv byte for byte, and in its
/// sweep.csv every point's rows, each once and in order, with every value in its range.
fn read_start(
    dir: &Path,
    free: &[Free],
    log: bool,
    planned: &sweep::Planned,
) -> anyhow::Result<Vec<TraceRow>> {
    let design_path = dir.join("design.csv");
    let design = std::fs::read_to_string(&design_path)
        .with_context(|| format!("{}: cannot read", design_path.display()))?;
    if design != planned.design_csv {
        bail!(
            "{}: not the design of this calibration's start (its points differ from those its options give): make the start again (without --from) or give the options it was made with",
            design_path.display()
        );
    }
    let mut rows: Vec<TraceRow> = Vec::new();
    for line in planned.design_csv.lines().skip(1) {
        let values: Vec<f64> = line
            .split(',')
            .skip(1)
            .take(free.len())
            .map(|x| x.parse::<f64>().unwrap_or(f64::NAN))
            .collect();
        rows.push(TraceRow {
            stage: "start",
            values,
            objective: f64::NAN,
            brier: Vec::new(),
        });
    }
    let per_point = read_start_rows(dir, rows.len(), planned)?;
    for (r, p) in rows.iter_mut().zip(&per_point) {
        let (f, brier) = objective_of(p, log);
        r.objective = if f.is_nan() { f64::INFINITY } else { f };
        r.brier = brier;
    }
    Ok(rows)
}

/// The rows of the start's sweep.csv, per point: each of its `points` with one row per key
/// of `planned`, in order, every value a number in its output's range or empty.
fn read_start_rows(
    dir: &Path,
    points: usize,
    planned: &sweep::Planned,
) -> anyhow::Result<Vec<Vec<OutputRow>>> {
    let sweep_path = dir.join("sweep.csv");
    let mut sweep = csv::Reader::from_path(&sweep_path)
        .with_context(|| format!("{}: cannot read", sweep_path.display()))?;
    let mut per_point: Vec<Vec<OutputRow>> = (0..points).map(|_| Vec::new()).collect();
    let keys = &planned.keys;
    for (i, rec) in sweep.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{}:{line}", sweep_path.display()))?;
        let at = format!("{}:{line}", sweep_path.display());
        let p: Option<usize> = rec.get(0).and_then(|s| s.parse().ok());
        let Some(rows) = p.and_then(|p| per_point.get_mut(p)) else {
            bail!("{at}: point: expected a point number below {points}");
        };
        let key = format!(
            "{},{}",
            rec.get(1).unwrap_or_default(),
            rec.get(2).unwrap_or_default()
        );
        if keys.get(rows.len()) != Some(&key) {
            bail!(
                "{at}: expected the row {} of point {}, found `{key}` (each point has the rows {} once, in that order)",
                keys.get(rows.len())
                    .map_or("(none: the point is complete)", String::as_str),
                p.unwrap_or_default(),
                keys.join("; ")
            );
        }
        let outputs = &planned.outputs;
        if rec.len() != 3 + outputs.len() {
            bail!("{at}: {} fields, expected {}", rec.len(), 3 + outputs.len());
        }
        let mut values = Vec::with_capacity(outputs.len());
        for (x, (name, (lo, hi))) in rec.iter().skip(3).zip(outputs) {
            let (lo, hi) = (*lo, *hi);
            let v = if x.is_empty() {
                f64::NAN
            } else {
                x.parse::<f64>()
                    .ok()
                    .filter(|v| (lo..=hi).contains(v))
                    .with_context(|| {
                        format!(
                            "{at}: {name}: found `{x}`, expected a number from {lo} to {hi} or an empty field"
                        )
                    })?
            };
            values.push(v);
        }
        let key = key.split(',').map(String::from).collect();
        rows.push(OutputRow { key, values });
    }
    if let Some(p) = per_point.iter().position(|r| r.len() != keys.len()) {
        bail!(
            "{}: point {p} has {} of its {} rows: the start sweep is incomplete; make it again (without --from)",
            sweep_path.display(),
            per_point[p].len(),
            keys.len()
        );
    }
    Ok(per_point)
}

/// Write the calibration folder.
fn write_folder(
    c: &Calibration<'_>,
    scoring: &Scoring,
    trace: &[TraceRow],
    best: &Best,
    extra: serde_json::Value,
) -> anyhow::Result<()> {
    use std::io::Write as _;
    let (args, free) = (c.args, &c.free);
    let last = trace.last().context("no evaluation")?;
    let rounded = &last.values;
    let mut out = OutputDir::prepare(&args.out)?;
    out.write(FILES[0], |w| {
        write_trace(w, free, &scoring.options.horizons, trace)
    })?;
    out.write(FILES[1], |w| write_best_toml(w, c, scoring, last))?;
    out.write(FILES[2], |w| writeln!(w, "{}", best.set_line.join(" ")))?;
    out.write(FILES[3], |w| {
        writeln!(
            w,
            "horizon,subset,{}",
            entente::experiment::sweep::BACKTEST_OUTPUTS.join(",")
        )?;
        for r in &best.rows {
            write!(w, "{}", r.key.join(","))?;
            for v in &r.values {
                write!(w, ",{}", num(*v))?;
            }
            writeln!(w)?;
        }
        Ok(())
    })?;
    let years = scoring
        .options
        .years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut manifest = serde_json::json!({
        "kind": Kind::Calibration,
        "format": Kind::Calibration.format(),
        "entente_version": env!("CARGO_PKG_VERSION"),
        "model_version": entente::params::MODEL_VERSION,
        "command": command_line(),
        "free": free.iter().map(|f| serde_json::json!({"name": f.name, "low": f.low, "high": f.high})).collect::<Vec<_>>(),
        "best": free.iter().zip(rounded).map(|(f, v)| (f.name.clone(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
        "set": best.set_line.join(" "),
        "runs": args.runs,
        "seed": args.seed,
        "theory": args.theory,
        "fixed_set": args.set,
        "backtest": scoring.describe(),
        "start_years_text": years,
        "threads": threads_or_all(args.threads),
        "files": FILES,
    });
    super::study::extend_object(&mut manifest, &extra);
    out.write(FILES[4], |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        w.write_all(b"\n")
    })?;
    let shown = out.path().display().to_string();
    say_replaced(&shown, &out.commit()?, args.quiet);
    Ok(())
}

/// trace.csv: a header (the free parameters, the objective, the Brier score per horizon),
/// then every evaluation.
fn write_trace(
    w: &mut impl std::io::Write,
    free: &[Free],
    horizons: &[u32],
    trace: &[TraceRow],
) -> std::io::Result<()> {
    write!(w, "evaluation,stage")?;
    for f in free {
        write!(w, ",{}", f.name)?;
    }
    write!(w, ",objective")?;
    for h in horizons {
        write!(w, ",brier_h{h}")?;
    }
    writeln!(w)?;
    for (i, r) in trace.iter().enumerate() {
        write!(w, "{i},{}", r.stage)?;
        for v in &r.values {
            write!(w, ",{v}")?;
        }
        write!(w, ",{}", num(r.objective))?;
        for b in &r.brier {
            write!(w, ",{}", num(*b))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// best.toml: comments saying what produced it and how it scored, then a [params] table of
/// the rounded values (`last`, the trace's last row).
fn write_best_toml(
    w: &mut impl std::io::Write,
    c: &Calibration<'_>,
    scoring: &Scoring,
    last: &TraceRow,
) -> std::io::Result<()> {
    let o = &scoring.options;
    writeln!(
        w,
        "# Parameters found by `entente calibrate` (model version {}).",
        entente::params::MODEL_VERSION
    )?;
    writeln!(w, "# Command: {}", command_line())?;
    writeln!(
        w,
        "# Fitted on start years {}–{} ({} years), horizons {}, states {}: mean {} score {}.",
        o.years.first().copied().unwrap_or_default(),
        o.years.last().copied().unwrap_or_default(),
        o.years.len(),
        sweep::horizons_text(&o.horizons),
        o.spec,
        c.args.objective,
        num(last.objective)
    )?;
    writeln!(
        w,
        "# Use: copy the table into a scenario file, or `entente backtest --params best.toml`."
    )?;
    writeln!(w, "[params]")?;
    for (f, v) in c.free.iter().zip(&last.values) {
        writeln!(w, "{} = {v}", f.name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits() {
        assert_eq!(round3(0.123456), 0.123);
        assert_eq!(round3(12.345), 12.3);
        assert_eq!(round3(0.0004567), 0.000457);
        assert_eq!(round3(0.0), 0.0);
        assert_eq!(round3(1.0), 1.0);
    }
}
