//! `entente sweep [SCENARIO | EXPERIMENT.toml]`: one study per design point, and the
//! sensitivity of the outcomes to the factors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::{Context, bail};
use entente::engine::{Shard, ShardSpec};
use entente::experiment::design::{Design, DesignPoints, Factor, Layout, Levels, Value, generate};
use entente::experiment::file::{self, Experiment};
use entente::experiment::sweep::{self, StudyEvaluator, design_csv, pairs_of, sensitivity_csv};
use entente::output::{self, Head, Kind, OutputDir, hex};
use entente::scenario::{self, Scenario};
use entente::study;
use sha2::{Digest, Sha256};

use super::backtest::{Scoring, ScoringArgs};
use super::study::{find_shard, progress_bar, rfc3339, say_replaced, seconds, threads_or_all};
use entente::experiment::sweep::Evaluator as _;
use entente::history::backtest::BacktestOptions;

/// The files of a sweep folder, in the order written.
pub const FILES: [&str; 4] = [
    "design.csv",
    "sweep.csv",
    "sensitivity.csv",
    "manifest.json",
];
/// Where an unfinished sweep keeps its completed points, in the results folder.
pub const PROGRESS: &str = ".sweep-progress.csv";
/// What the unfinished sweep was: a resumed sweep must be the same one.
pub const IDENTITY: &str = ".sweep-identity.json";
/// The first bytes of a sweep part file.
pub const PART_MAGIC: &str = "# entente sweep part ";

/// Run many studies of one scenario, one per point of a design.
#[derive(clap::Args)]
#[command(
    after_help = "Factors: --vary PATH=LOW:HIGH (a range) or PATH=v1,v2,... (a list), with any --set path
(parameters such as d0 or eta, state.X.field, pair.A-B.field, intent.A-B) or `theory`
(theory=walt,waltz,bandwagon,liberal). Or write them in an experiment file (an [experiment]
table and [[factor]] entries; docs/experiments.md, scenarios/experiments/).

Designs (--design):
  grid:K      K levels per range factor (lists: their values), full factorial
  grid        every factor a list: all combinations
  lhs:N       Latin hypercube of N points
  sobol:N     Saltelli's design for Sobol indices: N (k + 2) points; writes S1 and ST
  morris:R    R Morris trajectories of k + 1 points (morris:R:L: L levels, default 4);
              writes mu, mu_star, sigma
  oat         one factor at a time around the scenario's values (oat:K: K levels, default 5)

Every point runs the same --runs runs with the same --seed: run r of every point draws the
same random numbers (common random numbers), so points differ by their values only.

Files written to --out (default results/<scenario>-sweep/):
  design.csv       one row per point: the exact value of every factor
  sweep.csv        one row per point and recorded pair: P(alliance), P(rivalry), alignment
  sensitivity.csv  Morris or Sobol indices with bootstrap intervals, per output and pair
  manifest.json    what produced it (entente report draws the folder)

An interrupted sweep resumes: rerun the same command and the completed points (kept in
--out/.sweep-progress.csv, with the sweep's identity in .sweep-identity.json) are not run
again. --shard K/N runs only shard K of the points and writes --out/sweep-part-K-of-N.csv;
`entente merge` combines the parts into the files of the whole sweep.

Examples:
  entente sweep --vary pair.CHN-RUS.mistrust=0.2:0.8 --design grid:7 --runs 2000 --out results/sweep-mistrust
  entente sweep --vary d0=500:1500 --vary pair.CHN-RUS.mistrust=0.2:0.8 --design morris:10 --runs 500
  entente sweep scenarios/experiments/china-russia.toml
  entente report results/sweep-mistrust"
)]
pub struct Args {
    /// A scenario, or an experiment file (default: the built-in flagship).
    #[arg(value_name = "SCENARIO|EXPERIMENT")]
    pub(crate) file: Option<PathBuf>,
    /// A factor: PATH=LOW:HIGH or PATH=v1,v2,... (repeatable).
    #[arg(long = "vary", value_name = "PATH=LEVELS")]
    pub(crate) vary: Vec<String>,
    /// The design: grid:K, grid, lhs:N, sobol:N, morris:R[:L], oat[:K].
    #[arg(long, value_name = "DESIGN")]
    pub(crate) design: Option<String>,
    /// Runs per point (default: the experiment's, else the scenario's).
    #[arg(long, value_name = "N")]
    pub(crate) runs: Option<u64>,
    /// Master seed of every point's runs and of the design's random draws.
    #[arg(long, value_name = "S")]
    pub(crate) seed: Option<u64>,
    /// Theory preset applied before the factors.
    #[arg(long, value_name = "NAME")]
    pub(crate) theory: Option<String>,
    /// PATH=VALUE applied to every point before its factors (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
    /// Pairs recorded, A-B,C-D (default: all).
    #[arg(long, value_name = "PAIRS", value_delimiter = ',')]
    pub(crate) pairs: Vec<String>,
    /// Results folder (default: results/<scenario>-sweep/).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads per study (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) threads: Option<u32>,
    /// Run only shard K of N of the points and write a part for `entente merge`.
    #[arg(long, value_name = "K/N|auto|auto/N")]
    pub(crate) shard: Option<ShardSpec>,
    /// No progress bar and no summary on stdout.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// What scores each point: `study` (the pairs' outcomes at the scenario's horizon) or
    /// `backtest` (the model's scores against history, as `entente backtest` computes them).
    #[arg(long, value_name = "WHAT", default_value = "study", value_parser = ["study", "backtest"])]
    pub(crate) evaluate: String,
    #[command(flatten)]
    pub(crate) scoring: ScoringArgs,
}

impl Args {
    /// Whether the points are scored by a backtest (--evaluate backtest).
    fn is_backtest(&self) -> bool {
        self.evaluate == "backtest"
    }
}

/// What a sweep of `args` would write, for a folder said to be that sweep to be checked
/// against: a folder made by another sweep differs in a field of `manifest`.
pub struct Planned {
    /// Its manifest.json, without times.
    pub manifest: serde_json::Value,
    /// Its design.csv, byte for byte.
    pub design_csv: String,
    /// The key of every row of a point of sweep.csv (`a,b`; `horizon,subset`), in order.
    pub keys: Vec<String>,
    /// The output columns of sweep.csv, each with the range of its values.
    pub outputs: Vec<(String, (f64, f64))>,
}

/// The sweep `args` would make ([`Planned`]).
pub fn planned(args: &Args) -> anyhow::Result<Planned> {
    let plan = plan(args)?;
    let id = &plan.identity;
    let method = layout_method(&id.layout);
    Ok(Planned {
        manifest: manifest_of(id, &plan.factors, method, &[]),
        design_csv: id.design_csv.clone(),
        keys: id.row_keys(),
        outputs: (id.output_names().into_iter().enumerate())
            .map(|(o, name)| (name, id.bounds(o)))
            .collect(),
    })
}

/// The start years of `sweep --evaluate backtest` without --years: those of `entente backtest`.
pub const BACKTEST_YEARS: &str = "1880:1975:5";

/// Everything that decides a sweep's results: a resumed sweep, and every part of a sharded
/// one, must have the same.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// entente's version.
    pub entente_version: String,
    /// The model version (`params::MODEL_VERSION`).
    #[serde(default)]
    pub model_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from, as given.
    pub scenario_file: String,
    /// Its absolute path, when a file.
    pub scenario_path: Option<String>,
    /// SHA-256 of the scenario with --theory and --set applied.
    pub scenario_sha256: String,
    /// --theory.
    pub theory: Option<String>,
    /// --set.
    pub set: Vec<String>,
    /// The design as written.
    pub design: String,
    /// The factors, as `--vary` would write them.
    pub factors: Vec<String>,
    /// Runs per point.
    pub runs: u64,
    /// Seed.
    pub seed: u64,
    /// Pairs recorded, `A-B`.
    pub pairs: Vec<String>,
    /// Number of points.
    pub points: usize,
    /// SHA-256 of design.csv.
    pub design_sha256: String,
    /// design.csv.
    pub design_csv: String,
    /// The unit-scaled design, for the estimators.
    pub unit: Option<Vec<Vec<f64>>>,
    /// The layout of the design.
    pub layout: String,
    /// What scores each point: `study` or `backtest`.
    #[serde(default = "study_evaluation")]
    pub evaluate: String,
    /// Names of the key columns of sweep.csv (`a`, `b`; `horizon`, `subset`).
    #[serde(default)]
    pub key_columns: Vec<String>,
    /// Names of the output columns of sweep.csv.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// The key of every row of a point, fields joined by commas, in row order.
    #[serde(default)]
    pub keys: Vec<String>,
    /// With `backtest`: its years, horizons, states, data, coding and assumptions.
    #[serde(default)]
    pub backtest: Option<serde_json::Value>,
}

fn study_evaluation() -> String {
    "study".into()
}

impl Identity {
    /// Whether the points are scored by a backtest.
    fn is_backtest(&self) -> bool {
        self.evaluate == "backtest"
    }

    /// The key of every row of a point, `a,b` or `horizon,subset`.
    fn row_keys(&self) -> Vec<String> {
        if self.keys.is_empty() {
            self.pairs.iter().map(|p| p.replacen('-', ",", 1)).collect()
        } else {
            self.keys.clone()
        }
    }

    /// The key columns.
    fn key_names(&self) -> Vec<String> {
        if self.key_columns.is_empty() {
            vec!["a".into(), "b".into()]
        } else {
            self.key_columns.clone()
        }
    }

    /// The output columns.
    fn output_names(&self) -> Vec<String> {
        if self.outputs.is_empty() {
            sweep::OUTPUTS.iter().map(|s| s.to_string()).collect()
        } else {
            self.outputs.clone()
        }
    }

    /// Whether an identity read from a sweep part holds together. A part is a file from a
    /// stranger: its digest shows that it was not damaged, not that entente wrote it, so what
    /// merge writes from the identity is checked: a known evaluation; at least one point;
    /// `design_csv` as its SHA-256 says, a header and one row per point of one field per
    /// factor after the point's number; a layout and a unit-scaled design of that many points
    /// and factors; and no text that would act on a terminal.
    fn check(&self) -> Result<(), String> {
        if !matches!(self.evaluate.as_str(), "study" | "backtest") {
            return Err(format!(
                "evaluate `{}`: expected study or backtest",
                self.evaluate
            ));
        }
        if self.points == 0 {
            return Err("points 0: expected at least one design point".into());
        }
        if hex(&Sha256::digest(self.design_csv.as_bytes())) != self.design_sha256 {
            return Err("design_csv does not have the SHA-256 design_sha256 gives".into());
        }
        let fields = 1 + self.factors.len();
        let mut lines = self.design_csv.lines();
        let header = lines.next().unwrap_or_default();
        if !header.starts_with("point,") || header.split(',').count() != fields {
            return Err(format!(
                "design_csv's header: expected `point` and the {} factors",
                self.factors.len()
            ));
        }
        let mut rows = 0;
        for (p, line) in lines.enumerate() {
            let number = line.split(',').next().and_then(|x| x.parse::<usize>().ok());
            if number != Some(p) || line.split(',').count() != fields {
                return Err(format!(
                    "design_csv's row {}: expected point {p} and a value for each of the {} factors",
                    p + 1,
                    self.factors.len()
                ));
            }
            rows += 1;
        }
        if rows != self.points {
            return Err(format!(
                "design_csv has {rows} points, the identity {}",
                self.points
            ));
        }
        self.check_layout()?;
        let (json, mut text) = (serde_json::to_value(self).unwrap_or_default(), Vec::new());
        strings_of(&json, &mut text);
        for t in text {
            let chars: Vec<char> = t.chars().collect();
            if let Some(at) = chars
                .iter()
                .position(|&c| entente::text::is_hidden_control(c))
            {
                let near: String = chars[at.saturating_sub(20)..(at + 20).min(chars.len())]
                    .iter()
                    .collect();
                return Err(format!(
                    "text with the control character U+{:04X} (in `{}`)",
                    chars[at] as u32,
                    entente::text::printable(&near).replace('\n', "\\n")
                ));
            }
        }
        Ok(())
    }

    /// The layout and the unit-scaled design fit the points and the factors.
    fn check_layout(&self) -> Result<(), String> {
        let k = self.factors.len();
        let method = layout_method(&self.layout);
        let expected = match method {
            Some(sweep::Method::Sobol { n, k: lk }) => (lk == k).then(|| n.checked_mul(k + 2)),
            Some(sweep::Method::Morris { r, k: lk, .. }) => (lk == k).then(|| r.checked_mul(k + 1)),
            None if self.layout == "plain" => Some(Some(self.points)),
            None => None,
        };
        if expected != Some(Some(self.points)) {
            return Err(format!(
                "layout `{}` does not fit {} points of {k} factors",
                self.layout, self.points
            ));
        }
        // Sobol' and Morris designs always carry their unit-scaled points.
        if method.is_some() && self.unit.is_none() {
            return Err(format!(
                "layout `{}` without its unit-scaled design",
                self.layout
            ));
        }
        let unit_ok = self.unit.as_ref().is_none_or(|u| {
            u.len() == self.points
                && u.iter()
                    .all(|row| row.len() == k && row.iter().all(|x| x.is_finite()))
        });
        if !unit_ok {
            return Err(format!(
                "unit: expected {} points of {k} finite values",
                self.points
            ));
        }
        Ok(())
    }

    /// The range of valid values of output `o`.
    fn bounds(&self, o: usize) -> (f64, f64) {
        if self.is_backtest() {
            match self.output_names().get(o).map(String::as_str) {
                Some("brier") => (0.0, 2.0),
                Some("log_score") => (0.0, -entente::history::score::LOG_FLOOR.ln()),
                Some("accuracy") => (0.0, 1.0),
                Some("pairs") => (0.0, f64::MAX),
                _ => (f64::MIN, 1.0),
            }
        } else if o < 3 {
            (0.0, 1.0)
        } else {
            (-1.0, 1.0)
        }
    }
}

/// A factor as `--vary` writes it.
fn factor_text(f: &Factor) -> String {
    match &f.levels {
        Levels::Range { low, high } => format!("{}={low}:{high}", f.path),
        Levels::List(v) => format!(
            "{}={}",
            f.path,
            v.iter().map(Value::text).collect::<Vec<_>>().join(",")
        ),
    }
}

fn layout_text(l: &Layout) -> String {
    match l {
        Layout::Plain => "plain".into(),
        Layout::Saltelli { n, k } => format!("saltelli:{n}:{k}"),
        Layout::Morris { r, k, levels } => format!("morris:{r}:{k}:{levels}"),
    }
}

fn layout_method(l: &str) -> Option<sweep::Method> {
    let parts: Vec<usize> = l
        .split(':')
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    match (l.split(':').next(), parts.as_slice()) {
        (Some("saltelli"), [n, k]) => Some(sweep::Method::Sobol { n: *n, k: *k }),
        (Some("morris"), [r, k, levels]) => Some(sweep::Method::Morris {
            r: *r,
            k: *k,
            levels: *levels,
        }),
        _ => None,
    }
}

/// Every string of `v` (object keys included) into `out`.
fn strings_of<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings_of(x, out)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k);
                strings_of(x, out);
            }
        }
        _ => {}
    }
}

/// The sweep as planned: scenario, evaluator inputs, design, identity.
struct Plan {
    base: Scenario,
    factors: Vec<Factor>,
    design: DesignPoints,
    runs: u64,
    seed: u64,
    theory: Option<String>,
    set: Vec<String>,
    pairs: Vec<(usize, usize)>,
    /// With `--evaluate backtest`: the data and start years the points are scored on.
    scoring: Option<Scoring>,
    identity: Identity,
}

/// The sweep's file as given: an experiment file (its scenario named inside) or a scenario.
struct Input {
    /// The experiment, if the file is one.
    experiment: Option<Experiment>,
    /// The scenario file (none: the built-in flagship).
    scenario_file: Option<PathBuf>,
    /// The name of the file given, for messages.
    name: String,
}

/// What the flags and the experiment file give before a scenario is read.
struct Given {
    /// The experiment, if the file is one.
    experiment: Option<Experiment>,
    /// The scenario file (none: the built-in flagship).
    scenario_file: Option<PathBuf>,
    /// The name of the file given, for messages.
    name: String,
    /// --theory, else the experiment's.
    theory: Option<String>,
    /// The experiment's `set`, then --set.
    set: Vec<String>,
    /// The factors: the experiment's, else --vary's.
    factors: Vec<Factor>,
}

/// The design of a sweep and what each of its points runs.
struct Designed {
    /// The design, as parsed.
    design: Design,
    /// Its points.
    points: DesignPoints,
    /// Runs per point.
    runs: u64,
    /// Seed.
    seed: u64,
    /// The pairs recorded (none with a backtest).
    pairs: Vec<(usize, usize)>,
}

/// Read the inputs, check every factor against the scenario, and generate the design.
fn plan(args: &Args) -> anyhow::Result<Plan> {
    let backtest = args.is_backtest();
    let g = given(args)?;
    let (base, scoring) = if backtest {
        let (base, sc) = backtest_base(args, &g)?;
        (base, Some(sc))
    } else {
        let (stext, sname) = study::scenario_text(g.scenario_file.as_deref())?;
        (scenario::parse(&stext, &sname)?, None)
    };
    let mut resolved = base.clone();
    resolved
        .apply_choices(g.theory.as_deref(), &g.set)
        .map_err(anyhow::Error::msg)?;
    if !backtest {
        super::study::warn_about_data(&resolved, &g.name);
    }
    check_factors(
        &base,
        g.theory.as_deref(),
        &g.set,
        &g.factors,
        g.experiment.as_ref(),
        &g.name,
    )?;
    let d = design_of(args, &g, &base, &resolved)?;
    let identity = identity_of(args, &g, &base, &resolved, scoring.as_ref(), &d);
    Ok(Plan {
        base,
        factors: g.factors,
        design: d.points,
        runs: d.runs,
        seed: d.seed,
        theory: g.theory,
        set: g.set,
        pairs: d.pairs,
        scoring,
        identity,
    })
}

/// The file given, the theory, the `set` and the factors, from the flags and the experiment
/// file; backtest options are refused without --evaluate backtest.
fn given(args: &Args) -> anyhow::Result<Given> {
    if !args.is_backtest()
        && let Some(flag) = args.scoring.given().first()
    {
        bail!("{flag} is a backtest option: give it with --evaluate backtest");
    }
    let Input {
        experiment,
        scenario_file,
        name,
    } = read_input(args)?;
    let x = experiment.as_ref();
    let theory = args
        .theory
        .clone()
        .or_else(|| x.and_then(|x| x.theory.clone()));
    let mut set = x.map_or(Vec::new(), |x| x.set.clone());
    set.extend(args.set.iter().cloned());
    let factors = factors_of(args, x)?;
    Ok(Given {
        experiment,
        scenario_file,
        name,
        theory,
        set,
        factors,
    })
}

/// With --evaluate backtest: the scenario of the first start year (named `backtest`, with the
/// sweep's runs and seed) and the backtest that scores the points. A scenario, pairs, and
/// factors other than model parameters and `theory` are refused.
fn backtest_base(args: &Args, g: &Given) -> anyhow::Result<(Scenario, Scoring)> {
    let x = g.experiment.as_ref();
    if g.scenario_file.is_some() {
        bail!(
            "--evaluate backtest builds its scenarios from the history data in every start year: give no scenario (an experiment file without `scenario` is fine)"
        );
    }
    if !args.pairs.is_empty() || x.is_some_and(|x| !x.pairs.is_empty()) {
        bail!(
            "--pairs: with --evaluate backtest every pair of --states is scored; the rows are horizons and groups of pairs"
        );
    }
    for f in &g.factors {
        if f.path != "theory" && entente::params::spec(&f.path).is_none() && f.path != "threat_form"
        {
            bail!(
                "factor `{}`: with --evaluate backtest a factor is a model parameter (eta, sigma_d, beta_p, …; `entente show params`) or `theory`: the states differ from one start year to the next",
                f.path
            );
        }
    }
    let runs = args.runs.or_else(|| x.and_then(|x| x.runs)).unwrap_or(1000);
    let seed = args.seed.or_else(|| x.and_then(|x| x.seed)).unwrap_or(1);
    let sc = args
        .scoring
        .load(BACKTEST_YEARS, runs, seed, g.theory.clone(), g.set.clone())?;
    let mut base = sc.prepared.years[0].built.scenario.clone();
    base.name = "backtest".into();
    base.runs = runs;
    base.seed = seed;
    Ok((base, sc))
}

/// The design (--design, else the experiment's) generated around the factors' values in
/// `resolved` (the scenario with the theory and `set`), the runs and seed of every point, and
/// the pairs recorded.
fn design_of(
    args: &Args,
    g: &Given,
    base: &Scenario,
    resolved: &Scenario,
) -> anyhow::Result<Designed> {
    let x = g.experiment.as_ref();
    let design_text = match (&args.design, x) {
        (Some(d), _) => d.clone(),
        (None, Some(x)) => x.design_text.clone(),
        (None, None) => bail!(
            "no design: give --design (grid:K, grid, lhs:N, sobol:N, morris:R, oat), e.g. --design grid:7"
        ),
    };
    let design = Design::parse(&design_text).map_err(anyhow::Error::msg)?;
    let runs = args
        .runs
        .or_else(|| x.and_then(|x| x.runs))
        .unwrap_or(base.runs);
    if runs == 0 {
        bail!("--runs 0: expected at least one run per point");
    }
    let seed = args
        .seed
        .or_else(|| x.and_then(|x| x.seed))
        .unwrap_or(base.seed);
    let base_values: Vec<Value> = g
        .factors
        .iter()
        .map(|f| {
            let v = resolved.value_at(&f.path).map_err(anyhow::Error::msg)?;
            Ok(v.parse::<f64>().map_or(Value::Text(v), Value::Number))
        })
        .collect::<anyhow::Result<_>>()?;
    let points = generate(&design, &g.factors, &base_values, seed).map_err(anyhow::Error::msg)?;
    let pair_spec: Vec<String> = if args.pairs.is_empty() {
        x.map_or(Vec::new(), |x| x.pairs.clone())
    } else {
        args.pairs.clone()
    };
    let pairs = if args.is_backtest() {
        Vec::new()
    } else {
        pairs_of(base, &pair_spec).map_err(anyhow::Error::msg)?
    };
    Ok(Designed {
        design,
        points,
        runs,
        seed,
        pairs,
    })
}

/// The key columns, the output columns and the key of every row of a point in sweep.csv: a
/// backtest's (horizons and groups of pairs), else the pairs recorded and the study's outputs.
fn row_columns(
    scoring: Option<&Scoring>,
    factors: &[Factor],
    base: &Scenario,
    pairs: &[(usize, usize)],
) -> (Vec<String>, Vec<String>, Vec<String>) {
    match scoring {
        Some(sc) => {
            let e = sweep::BacktestEvaluator {
                data: &sc.data,
                options: &sc.options,
                prepared: &sc.prepared,
                factors,
            };
            (
                e.key_columns(),
                e.output_columns(),
                e.keys().iter().map(|k| k.join(",")).collect(),
            )
        }
        None => (
            vec!["a".to_string(), "b".to_string()],
            sweep::OUTPUTS.iter().map(|s| s.to_string()).collect(),
            pairs
                .iter()
                .map(|&(i, k)| format!("{},{}", base.states[i].id, base.states[k].id))
                .collect(),
        ),
    }
}

/// The identity of the sweep planned: everything that decides its results.
fn identity_of(
    args: &Args,
    g: &Given,
    base: &Scenario,
    resolved: &Scenario,
    scoring: Option<&Scoring>,
    d: &Designed,
) -> Identity {
    let dcsv = design_csv(&g.factors, &d.points.points);
    let (key_columns, outputs, keys) = row_columns(scoring, &g.factors, base, &d.pairs);
    let scenario_file = g.scenario_file.as_deref();
    Identity {
        entente_version: env!("CARGO_PKG_VERSION").into(),
        model_version: entente::params::MODEL_VERSION,
        scenario: base.name.clone(),
        scenario_file: if args.is_backtest() {
            "history".into()
        } else {
            study::scenario_file_shown(scenario_file)
        },
        scenario_path: study::scenario_path_absolute(scenario_file),
        scenario_sha256: match scoring {
            Some(sc) => sc.scenarios_sha256(),
            None => output::scenario_sha256(resolved),
        },
        theory: g.theory.clone(),
        set: g.set.clone(),
        design: d.design.name(),
        factors: g.factors.iter().map(factor_text).collect(),
        runs: d.runs,
        seed: d.seed,
        pairs: d
            .pairs
            .iter()
            .map(|&(i, k)| format!("{}-{}", base.states[i].id, base.states[k].id))
            .collect(),
        points: d.points.points.len(),
        design_sha256: hex(&Sha256::digest(dcsv.as_bytes())),
        design_csv: dcsv,
        unit: d.points.unit.clone(),
        layout: layout_text(&d.points.layout),
        evaluate: args.evaluate.clone(),
        key_columns,
        outputs,
        keys,
        backtest: scoring.map(Scoring::describe),
    }
}

/// The file given: an experiment file, or a scenario (the built-in flagship without one).
fn read_input(args: &Args) -> anyhow::Result<Input> {
    let (text, name) = study::scenario_text(args.file.as_deref())?;
    if args.file.is_some() && file::is_experiment(&text) {
        let dir = args
            .file
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new(""));
        let x = file::parse(&text, &name, dir).map_err(|d| anyhow::anyhow!("{d}"))?;
        if !args.vary.is_empty() {
            bail!(
                "{name}: the factors are in the experiment file; give them there or with --vary, not both"
            );
        }
        return Ok(Input {
            scenario_file: x.scenario.clone(),
            experiment: Some(x),
            name,
        });
    }
    Ok(Input {
        experiment: None,
        scenario_file: args.file.clone(),
        name,
    })
}

/// The factors: the experiment file's, else `--vary`'s.
fn factors_of(args: &Args, experiment: Option<&Experiment>) -> anyhow::Result<Vec<Factor>> {
    Ok(match experiment {
        Some(x) => x.factors.clone(),
        None => {
            if args.vary.is_empty() {
                bail!(
                    "no factor: give at least one --vary PATH=LOW:HIGH (e.g. --vary pair.CHN-RUS.mistrust=0.2:0.8) or an experiment file"
                );
            }
            parse_factors(&args.vary)?
        }
    })
}

/// Every factor's path and levels, checked against the scenario before any work: each
/// factor once, and each of its levels (a range's bounds) applicable to `base` after the
/// theory and `set`. `name`: the experiment file, whose factors' places messages give.
fn check_factors(
    base: &Scenario,
    theory: Option<&str>,
    set: &[String],
    factors: &[Factor],
    experiment: Option<&Experiment>,
    name: &str,
) -> anyhow::Result<()> {
    for (k, f) in factors.iter().enumerate() {
        if factors[..k].iter().any(|g| g.path == f.path) {
            bail!("factor `{}` is given twice", f.path);
        }
        let levels: Vec<Value> = match &f.levels {
            Levels::Range { low, high } => vec![Value::Number(*low), Value::Number(*high)],
            Levels::List(v) => v.clone(),
        };
        for v in &levels {
            if let Err(e) = sweep::apply_point(
                base,
                theory,
                set,
                std::slice::from_ref(f),
                std::slice::from_ref(v),
            ) {
                let place = experiment
                    .and_then(|x| x.factor_places.get(k))
                    .map_or(String::new(), |(l, c)| format!("{name}:{l}:{c}: "));
                bail!("{place}factor {}: {e}", factor_text(f));
            }
        }
    }
    Ok(())
}

/// The factors `specs` (`PATH=LOW:HIGH` or `PATH=V1,V2,…`), as `--vary` gives them.
pub fn parse_factors(specs: &[String]) -> anyhow::Result<Vec<Factor>> {
    specs
        .iter()
        .map(|v| Factor::parse(v))
        .collect::<Result<_, _>>()
        .map_err(anyhow::Error::msg)
}

/// Backtest horizons as messages write them: `5,10`.
pub fn horizons_text(horizons: &[u32]) -> String {
    horizons
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A point's rows as read back from `sweep.csv`-style lines (no header).
struct Scanner {
    /// Keys of the rows of each point, `a,b`, in order.
    keys: Vec<String>,
    /// Fields per line.
    columns: usize,
    /// Key fields per line.
    key_fields: usize,
    /// The range of each output.
    bounds: Vec<(f64, f64)>,
}

/// Where a scan stopped.
struct Scanned {
    /// Complete points read.
    points: usize,
    /// Bytes of those points.
    bytes: u64,
}

impl Scanner {
    fn new(id: &Identity) -> Self {
        let outputs = id.output_names().len();
        let key_fields = id.key_names().len();
        Self {
            keys: id.row_keys(),
            columns: 1 + key_fields + outputs,
            key_fields,
            bounds: (0..outputs).map(|o| id.bounds(o)).collect(),
        }
    }

    /// Read points `first, first + 1, …` (at most `max`) from `r`, each `keys.len()` lines with
    /// the expected point number, keys and field count and numeric values. `strict`: a bad
    /// line is an error naming `name` and the line; else the scan stops at the first bad or
    /// incomplete point (what an interruption leaves) and reports the complete prefix.
    /// `on_point` gets each complete point's lines and values.
    fn scan(
        &self,
        mut r: impl std::io::BufRead,
        first: usize,
        max: usize,
        strict: Option<(&str, usize)>,
        mut on_point: impl FnMut(usize, &str, &[Vec<f64>]) -> anyhow::Result<()>,
    ) -> anyhow::Result<Scanned> {
        let mut buf = Vec::new();
        let mut done = Scanned {
            points: 0,
            bytes: 0,
        };
        let mut line_no = strict.map_or(0, |(_, l)| l);
        'points: while done.points < max {
            let p = first + done.points;
            let mut block = String::new();
            let mut values = Vec::with_capacity(self.keys.len());
            for key in &self.keys {
                line_no += 1;
                let fail = |what: String| -> anyhow::Result<()> {
                    match strict {
                        Some((name, _)) => bail!("{name}:{line_no}: {what}"),
                        None => Ok(()),
                    }
                };
                buf.clear();
                r.read_until(b'\n', &mut buf)?;
                // A line counts only with its newline: an interruption can cut the last one.
                if buf.pop() != Some(b'\n') {
                    fail(format!(
                        "the rows end before point {p} is complete (expected {max} points of {} rows, each line ending with a newline)",
                        self.keys.len()
                    ))?;
                    break 'points;
                }
                let Ok(text) = std::str::from_utf8(&buf) else {
                    fail("not UTF-8 text".into())?;
                    break 'points;
                };
                let f: Vec<&str> = text.split(',').collect();
                let expected_key = format!("{p},{key},");
                // Each output in its range (probabilities in [0, 1], alignments in [-1, 1], …).
                let nums: Option<Vec<f64>> = f
                    .get(1 + self.key_fields..)
                    .map(|v| {
                        v.iter()
                            .enumerate()
                            .map(|(o, x)| {
                                let (lo, hi) = self.bounds.get(o).copied().unwrap_or((0.0, 0.0));
                                number(x).filter(|y| y.is_nan() || (lo..=hi).contains(y))
                            })
                            .collect::<Option<Vec<f64>>>()
                    })
                    .unwrap_or(None);
                let ok = f.len() == self.columns && text.starts_with(&expected_key);
                match (ok, nums) {
                    (true, Some(v)) => {
                        block.push_str(text);
                        block.push('\n');
                        values.push(v);
                    }
                    _ => {
                        fail(format!(
                            "expected a row `{expected_key}…` with {} fields of numbers (each in its range: probabilities in [0, 1], alignments in [-1, 1], Brier scores in [0, 2]; or empty), found `{}`",
                            self.columns,
                            text.chars().take(80).collect::<String>()
                        ))?;
                        break 'points;
                    }
                }
            }
            on_point(p, &block, &values)?;
            done.points += 1;
            done.bytes += block.len() as u64;
        }
        Ok(done)
    }
}

/// A field of sweep.csv: a number, or empty (undefined, NaN); anything else is `None`.
fn number(x: &str) -> Option<f64> {
    if x.is_empty() {
        Some(f64::NAN)
    } else {
        x.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

/// What the summary and the estimators keep of the rows: for each pair, the lowest and
/// highest P(alliance), and with an estimator the outputs it reads at every point.
struct Collected {
    series: Vec<sweep::Series>,
    range: Vec<(f64, f64)>,
    /// Per row, the point with the lowest first output (a backtest's Brier score) and it.
    best: Vec<Option<(usize, f64)>>,
    keep: bool,
}

impl Collected {
    fn new(id: &Identity, keep: bool) -> Self {
        let keys = id.row_keys();
        let outputs = id.output_names().len();
        Self {
            series: keys
                .iter()
                .map(|k| sweep::Series {
                    key: k.split(',').map(String::from).collect(),
                    values: vec![Vec::new(); outputs],
                })
                .collect(),
            range: vec![(f64::INFINITY, f64::NEG_INFINITY); keys.len()],
            best: vec![None; keys.len()],
            keep,
        }
    }

    fn add(&mut self, point: usize, values: &[Vec<f64>]) {
        for (q, v) in values.iter().enumerate() {
            let r = &mut self.range[q];
            if v[0].is_finite() {
                *r = (r.0.min(v[0]), r.1.max(v[0]));
                if self.best[q].is_none_or(|(_, b)| v[0] < b) {
                    self.best[q] = Some((point, v[0]));
                }
            }
            if self.keep {
                for &o in &sweep::SENSITIVITY_OUTPUTS {
                    self.series[q].values[o].push(v[o]);
                }
            }
        }
    }
}

/// Resume the points `range` of the plan: when the identity file `id_path` says the progress
/// file `progress_path` is of the same sweep, the complete points at its start are kept.
/// Writes the identity file and opens the progress file to append after the points kept
/// (dropping what an interruption cut short). Returns how many points were kept, and the file.
fn resume(
    plan: &Plan,
    range: &std::ops::Range<usize>,
    id_path: &Path,
    progress_path: &Path,
    quiet: bool,
) -> anyhow::Result<(usize, std::fs::File)> {
    let id_json = serde_json::to_string_pretty(&plan.identity)?;
    let same = std::fs::read_to_string(id_path).is_ok_and(|t| t == id_json);
    let mut resumed = 0;
    let mut keep_bytes = 0;
    if same && let Ok(f) = std::fs::File::open(progress_path) {
        let s = Scanner::new(&plan.identity).scan(
            std::io::BufReader::new(f),
            range.start,
            range.len(),
            None,
            |_, _, _| Ok(()),
        )?;
        resumed = s.points;
        keep_bytes = s.bytes;
    }
    std::fs::write(id_path, &id_json)
        .with_context(|| format!("{}: cannot write", id_path.display()))?;
    // Keep the complete points, drop what an interruption cut short, then append.
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(progress_path)
        .and_then(|mut f| {
            f.set_len(keep_bytes)?;
            std::io::Seek::seek(&mut f, std::io::SeekFrom::End(0))?;
            Ok(f)
        })
        .with_context(|| format!("{}: cannot write", progress_path.display()))?;
    if resumed > 0 && !quiet {
        say!(
            "entente sweep: resuming: {resumed} of {} points already done (kept in {})",
            range.len(),
            progress_path.display()
        );
    }
    Ok((resumed, file))
}

/// The progress bar of the `todo` points left of `total` (`resumed` already done), counting
/// runs; none with `quiet` or without a terminal.
fn points_bar(
    plan: &Plan,
    quiet: bool,
    todo: u64,
    resumed: usize,
    total: usize,
) -> Option<indicatif::ProgressBar> {
    // A backtest point simulates every start year.
    let runs_per_point = plan.runs
        * plan
            .scoring
            .as_ref()
            .map_or(1, |sc| sc.prepared.years.len() as u64);
    let bar = progress_bar(quiet, todo * runs_per_point);
    if let Some(b) = &bar {
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} points {msg} [{bar:40}] {percent}% eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b.set_message(format!("{resumed}/{total}"));
    }
    bar
}

/// Run the points `range` of the plan, resuming from the progress file in `dir` when the
/// identity file there says it is the same sweep. Completed points are appended to the
/// progress file (nothing is kept in memory); returns how many were resumed.
fn run_points(
    plan: &Plan,
    range: std::ops::Range<usize>,
    dir: &Path,
    progress_name: &str,
    identity_name: &str,
    threads: usize,
    quiet: bool,
) -> anyhow::Result<usize> {
    let id_path = dir.join(identity_name);
    let progress_path = dir.join(progress_name);
    let (resumed, mut file) = resume(plan, &range, &id_path, &progress_path, quiet)?;
    let todo = (range.len() - resumed) as u64;
    let total = range.len();
    let bar = points_bar(plan, quiet, todo, resumed, total);
    let tick = |k: u64| {
        if let Some(b) = &bar {
            b.inc(k);
        }
    };
    let first = range.start + resumed;
    let (workers, eval_threads) = sweep::workers_for(range.end - first, threads);
    let study_eval;
    let options;
    let backtest_eval;
    let eval: &dyn sweep::Evaluator = match &plan.scoring {
        Some(sc) => {
            options = BacktestOptions {
                threads: eval_threads,
                ..sc.options.clone()
            };
            backtest_eval = sweep::BacktestEvaluator {
                data: &sc.data,
                options: &options,
                prepared: &sc.prepared,
                factors: &plan.factors,
            };
            &backtest_eval
        }
        None => {
            study_eval = StudyEvaluator {
                base: &plan.base,
                theory: plan.theory.clone(),
                set: plan.set.clone(),
                factors: &plan.factors,
                runs: plan.runs,
                seed: plan.seed,
                threads: eval_threads,
                pairs: plan.pairs.clone(),
            };
            &study_eval
        }
    };
    let mut finished = resumed;
    let mut on_done = |_p: usize, block: String| -> Result<(), String> {
        file.write_all(block.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| format!("{}: cannot write: {e}", progress_path.display()))?;
        finished += 1;
        if let Some(b) = &bar {
            b.set_message(format!("{finished}/{total}"));
        }
        Ok(())
    };
    sweep::evaluate_points(
        eval,
        &plan.design.points,
        first..range.end,
        workers,
        &tick,
        &mut on_done,
    )
    .map_err(anyhow::Error::msg)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    Ok(resumed)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let plan = plan(&args)?;
    let threads = threads_or_all(args.threads);
    let started = SystemTime::now();
    let clock = Instant::now();
    let points = plan.design.points.len();
    if let Some(spec) = args.shard {
        let shard = find_shard(spec, points as u64)?;
        return run_shard(&args, &plan, shard, threads);
    }
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-sweep", plan.base.name)));
    let mut out = OutputDir::prepare(&out_path)?;
    let resumed = run_points(
        &plan,
        0..points,
        &out_path,
        PROGRESS,
        IDENTITY,
        threads,
        args.quiet,
    )?;
    let progress = out_path.join(PROGRESS);
    let source = Source {
        path: progress.clone(),
        skip_lines: 0,
        first: 0,
        points,
    };
    let (manifest, collected) = write_sweep(
        &mut out,
        &plan.identity,
        &[source],
        serde_json::json!({
            "resumed_points": resumed,
            "threads": threads,
            "started": rfc3339(started),
            "finished": rfc3339(SystemTime::now()),
            "wall_seconds": seconds(clock),
        }),
    )?;
    let shown = out.path().display().to_string();
    say_replaced(&shown, &out.commit()?, args.quiet);
    let _ = std::fs::remove_file(&progress);
    let _ = std::fs::remove_file(out_path.join(IDENTITY));
    if !args.quiet {
        print!("{}", summary_text(&plan, &collected, &shown, &manifest));
    }
    Ok(ExitCode::SUCCESS)
}

/// A file of sweep rows: the progress file of a sweep, or a part.
struct Source {
    path: PathBuf,
    /// Header lines to skip.
    skip_lines: usize,
    /// Its first point.
    first: usize,
    /// Its number of points.
    points: usize,
}

/// Write design.csv, sweep.csv, sensitivity.csv and manifest.json of a whole sweep from the
/// rows in `sources` (read line by line, each checked; memory does not grow with the points
/// except for the outputs the estimators need); `extra` goes into the manifest.
fn write_sweep(
    out: &mut OutputDir,
    id: &Identity,
    sources: &[Source],
    extra: serde_json::Value,
) -> anyhow::Result<(serde_json::Value, Collected)> {
    let header = format!(
        "point,{},{}\n",
        id.key_names().join(","),
        id.output_names().join(",")
    );
    let factors = parse_factors(&id.factors)?;
    let outputs = id.output_names();
    let method = layout_method(&id.layout);
    let mut collected = Collected::new(id, method.is_some());
    let scanner = Scanner::new(id);
    let mut files: Vec<&str> = vec![FILES[0], FILES[1]];
    out.write(FILES[0], |w| w.write_all(id.design_csv.as_bytes()))?;
    let mut failure: Option<anyhow::Error> = None;
    out.write(FILES[1], |w| {
        w.write_all(header.as_bytes())?;
        for s in sources {
            let shown = s.path.display().to_string();
            let result = std::fs::File::open(&s.path)
                .with_context(|| format!("{shown}: cannot read"))
                .and_then(|f| {
                    let mut r = std::io::BufReader::new(f);
                    for _ in 0..s.skip_lines {
                        let mut skip = Vec::new();
                        std::io::BufRead::read_until(&mut r, b'\n', &mut skip)?;
                    }
                    let scanned = scanner.scan(
                        &mut r,
                        s.first,
                        s.points,
                        Some((&shown, s.skip_lines)),
                        |p, block, values| {
                            w.write_all(block.as_bytes())?;
                            collected.add(p, values);
                            Ok(())
                        },
                    )?;
                    if scanned.points != s.points {
                        bail!("{shown}: expected {} points", s.points);
                    }
                    let mut more = [0u8; 1];
                    if std::io::Read::read(&mut r, &mut more)? > 0 {
                        bail!(
                            "{shown}: more rows than its {} points of {} rows each",
                            s.points,
                            scanner.keys.len()
                        );
                    }
                    Ok(())
                });
            if let Err(e) = result {
                failure = Some(e);
                return Err(std::io::Error::other("a damaged source"));
            }
        }
        Ok(())
    })
    .map_err(|e| match failure.take() {
        Some(f) => f,
        None => e.into(),
    })?;
    if let Some(m) = method {
        let text = sensitivity_csv(
            m,
            &id.key_names(),
            &factors,
            id.unit.as_deref(),
            &outputs,
            &collected.series,
            id.seed,
        );
        out.write(FILES[2], |w| w.write_all(text.as_bytes()))?;
        files.push(FILES[2]);
    }
    files.push(FILES[3]);
    let mut manifest = manifest_of(id, &factors, method, &files);
    super::study::extend_object(&mut manifest, &extra);
    out.write(FILES[3], |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        w.write_all(b"\n")
    })?;
    Ok((manifest, collected))
}

/// The manifest of a sweep folder (kind `sweep`), without the times.
fn manifest_of(
    id: &Identity,
    factors: &[Factor],
    method: Option<sweep::Method>,
    files: &[&str],
) -> serde_json::Value {
    serde_json::json!({
        "kind": Kind::Sweep,
        "format": Kind::Sweep.format(),
        "entente_version": id.entente_version,
        "model_version": id.model_version,
        "scenario": id.scenario,
        "scenario_file": id.scenario_file,
        "scenario_path": id.scenario_path,
        "scenario_sha256": id.scenario_sha256,
        "theory": id.theory,
        "set": id.set,
        "design": id.design,
        "factors": factors.iter().map(|f| match &f.levels {
            Levels::Range { low, high } => serde_json::json!({"path": f.path, "low": low, "high": high}),
            Levels::List(v) => serde_json::json!({"path": f.path, "values": v.iter().map(Value::text).collect::<Vec<_>>()}),
        }).collect::<Vec<_>>(),
        "points": id.points,
        "runs": id.runs,
        "seed": id.seed,
        "pairs": id.pairs,
        "common_random_numbers": true,
        "sensitivity": method.map(|m| match m {
            sweep::Method::Morris { .. } => "morris",
            sweep::Method::Sobol { .. } => "sobol",
        }),
        "bootstrap_resamples": sweep::RESAMPLES,
        "evaluate": id.evaluate,
        "key_columns": id.key_names(),
        "outputs": id.output_names(),
        "backtest": id.backtest,
        "files": files,
    })
}

/// `--shard`: run shard K of the points and write `sweep-part-K-of-N.csv`.
fn run_shard(args: &Args, plan: &Plan, shard: Shard, threads: usize) -> anyhow::Result<ExitCode> {
    let points = plan.design.points.len();
    let r = shard.runs(points as u64);
    let range = r.start as usize..r.end as usize;
    let out_path = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results")
            .join(format!("{}-sweep", plan.base.name))
            .join("parts")
    });
    // Many shards write into one folder at once, each its own part and progress files.
    let mut out = OutputDir::prepare_shared(&out_path)?;
    let tag = format!("{}-of-{}", shard.index, shard.count);
    run_points(
        plan,
        range.clone(),
        &out_path,
        &format!(".sweep-progress-{tag}.csv"),
        &format!(".sweep-identity-{tag}.json"),
        threads,
        args.quiet,
    )?;
    let name = format!("sweep-part-{tag}.csv");
    let header = serde_json::json!({
        "kind": Kind::SweepPart,
        "format": Kind::SweepPart.format(),
        "shard": shard.index,
        "shards": shard.count,
        "first_point": range.start,
        "end_point": range.end,
        "identity": plan.identity,
    });
    let progress = out_path.join(format!(".sweep-progress-{tag}.csv"));
    out.write(&name, |w| write_part(w, &header, &progress))?;
    out.commit()?;
    let _ = std::fs::remove_file(out_path.join(format!(".sweep-progress-{tag}.csv")));
    let _ = std::fs::remove_file(out_path.join(format!(".sweep-identity-{tag}.json")));
    if !args.quiet {
        println!(
            "sweep shard {} of {}: points {}..{} of {points}; part {}",
            shard.index,
            shard.count,
            range.start,
            range.end,
            out_path.join(&name).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How the digest member, always the last of a sweep part's header, begins.
const PART_DIGEST: &str = ",\"digest\":\"sha256:";

/// Write a sweep part: its header line (`# entente sweep part {…}`, the JSON `header` with
/// the digest as its last member), then the rows of the file `rows`. The digest is the
/// SHA-256 of the header's JSON without the digest member, a newline, and the rows: it tells a
/// damaged part (a flipped bit, an edited value, a truncation) from a whole one.
fn write_part(w: &mut dyn Write, header: &serde_json::Value, rows: &Path) -> std::io::Result<()> {
    let json = serde_json::to_string(header)?;
    let mut hasher = Sha256::new();
    hasher.update(json.as_bytes());
    hasher.update(b"\n");
    hash_all(&mut std::fs::File::open(rows)?, &mut hasher)?;
    let digest = hex(&hasher.finalize());
    // The JSON object ends with `}`: the digest goes in before it.
    let body = &json[..json.len() - 1];
    writeln!(w, "{PART_MAGIC}{body}{PART_DIGEST}{digest}\"}}")?;
    std::io::copy(&mut std::fs::File::open(rows)?, w)?;
    Ok(())
}

/// Feed everything `r` holds to `hasher`.
fn hash_all(r: &mut impl std::io::Read, hasher: &mut Sha256) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(k) => hasher.update(&buf[..k]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Check the digest of the sweep part `shown` whose header line, after [`PART_MAGIC`] and
/// without its `\n`, is `line`, the rest of the part read from `rest`.
fn check_digest(line: &str, rest: &mut impl std::io::Read, shown: &str) -> anyhow::Result<()> {
    let damaged = |what: &str| anyhow::anyhow!("{shown}:1: damaged sweep part: {what}");
    // `{…,"digest":"sha256:HEX"}`: the JSON is `{…}`, the digest HEX.
    let Some((json, digest)) = line.rsplit_once(PART_DIGEST) else {
        return Err(damaged(
            "its header has no digest (\"digest\":\"sha256:…\")",
        ));
    };
    let Some(digest) = digest.strip_suffix("\"}") else {
        return Err(damaged("its header does not end with its digest"));
    };
    if digest.len() != 64
        || !digest
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(damaged("its digest is not 64 hexadecimal digits"));
    }
    let mut hasher = Sha256::new();
    hasher.update(json.as_bytes());
    hasher.update(b"}\n");
    hash_all(rest, &mut hasher).with_context(|| format!("{shown}: cannot read the part"))?;
    if hex(&hasher.finalize()) != digest {
        bail!(
            "{shown}: damaged sweep part: digest mismatch (the file was changed after it was written)"
        );
    }
    Ok(())
}

/// The header of a sweep part as JSON, its kind and format checked (a newer format says so,
/// format 1 has no digest), then its digest (see [`check_digest`]): `first` is its first
/// line without the `\n`, `rest` the rest of the part.
fn verified_header(
    first: &str,
    rest: &mut impl std::io::Read,
    shown: &str,
) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    let Some(line) = first.strip_prefix(PART_MAGIC) else {
        bail!("{shown}:1: not a sweep part (expected a line starting `{PART_MAGIC}`)");
    };
    let h: serde_json::Value =
        serde_json::from_str(line).with_context(|| format!("{shown}:1: damaged header"))?;
    let serde_json::Value::Object(m) = h else {
        bail!("{shown}:1: damaged header (a JSON object expected)");
    };
    let head = Head::of_object(&m, shown, Kind::SweepPart, &[Kind::SweepPart])?;
    if head.format < Kind::SweepPart.format() {
        bail!(
            "{shown}:1: a sweep part of format {}, which has no digest to check it by; this \
             entente reads format {}: rerun the shard with this entente, or merge it with the \
             entente that wrote it",
            head.format,
            Kind::SweepPart.format()
        );
    }
    check_digest(line, rest, shown)?;
    Ok(m)
}

/// Whether `name` is a sweep part's file name, `sweep-part-K-of-N.csv`.
pub fn is_part_name(name: &str) -> bool {
    name.starts_with("sweep-part-") && name.ends_with(".csv")
}

/// What differs between the sweeps of two parts (`a` of `na` shards, `b` of `nb`), the
/// first difference found, as a message names it: `--theory walt vs waltz`.
fn identity_difference(a: &Identity, na: u64, b: &Identity, nb: u64) -> String {
    let fields: [(&str, String, String); 14] = [
        (
            "the entente version",
            a.entente_version.clone(),
            b.entente_version.clone(),
        ),
        (
            "the model version",
            a.model_version.to_string(),
            b.model_version.to_string(),
        ),
        (
            "the scenario",
            format!("{} ({})", a.scenario, a.scenario_file),
            format!("{} ({})", b.scenario, b.scenario_file),
        ),
        ("--theory", json(&a.theory), json(&b.theory)),
        ("--set", json(&a.set), json(&b.set)),
        ("--design", a.design.clone(), b.design.clone()),
        ("the factors (--vary)", json(&a.factors), json(&b.factors)),
        ("--runs", a.runs.to_string(), b.runs.to_string()),
        ("--seed", a.seed.to_string(), b.seed.to_string()),
        ("--pairs", json(&a.pairs), json(&b.pairs)),
        ("--evaluate", a.evaluate.clone(), b.evaluate.clone()),
        ("the backtest options", json(&a.backtest), json(&b.backtest)),
        ("the number of shards N", na.to_string(), nb.to_string()),
        (
            "the scenario's resolved values (sha256)",
            a.scenario_sha256.clone(),
            b.scenario_sha256.clone(),
        ),
    ];
    for (what, x, y) in fields {
        if x != y {
            return format!("{what}: {x} vs {y}");
        }
    }
    "the design points (design.csv)".to_string()
}

/// A value as compact JSON, for messages.
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A sweep part's header: its shard, its points and the sweep's identity.
struct PartHeader {
    shard: u64,
    shards: u64,
    first_point: usize,
    end_point: usize,
    identity: Identity,
    path: PathBuf,
}

/// `entente merge PARTS [--out DIR]` for a sweep: the files of the whole sweep, byte for byte,
/// from its parts `paths` (in name order). The default `out` is the folder above the parts'.
pub fn merge(paths: &[PathBuf], out: Option<&Path>, quiet: bool) -> anyhow::Result<ExitCode> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let parts_dir = paths
        .first()
        .and_then(|p| p.parent())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let out_path = out.map_or_else(
        || {
            parts_dir
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("sweep"), Path::to_path_buf)
        },
        Path::to_path_buf,
    );
    let parts = paths
        .iter()
        .map(|p| read_part_header(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let Some(first) = parts.first() else {
        bail!(
            "{}: no sweep parts (sweep-part-K-of-N.csv) found",
            parts_dir.display()
        );
    };
    let (count, id) = (first.shards, first.identity.clone());
    let sources = sources_of(&parts, parts_dir)?;
    let mut out = OutputDir::prepare(&out_path)?;
    let (manifest, _) = write_sweep(
        &mut out,
        &id,
        &sources,
        serde_json::json!({
            "shards": count,
            "resumed_points": 0,
            "threads": 0,
            "started": rfc3339(started),
            "finished": rfc3339(SystemTime::now()),
            "wall_seconds": seconds(clock),
        }),
    )?;
    let shown = out.path().display().to_string();
    say_replaced(&shown, &out.commit()?, quiet);
    if !quiet {
        println!(
            "merged {count} sweep shards: {} points into {shown}/ ({})",
            id.points,
            manifest["files"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The header line of the sweep part `path`, checked: its kind and format, its shard and
/// points, the sweep's identity.
fn read_part_header(path: &Path) -> anyhow::Result<PartHeader> {
    let shown = path.display().to_string();
    let f = std::fs::File::open(path).with_context(|| format!("{shown}: cannot read the part"))?;
    let mut r = std::io::BufReader::new(f);
    let mut first = Vec::new();
    // The header line only (an identity holds the design: allow a few MiB).
    std::io::BufRead::read_until(
        &mut std::io::Read::take(&mut r, 64 << 20),
        b'\n',
        &mut first,
    )
    .with_context(|| format!("{shown}:1: cannot read the header"))?;
    let Some(first) = first.strip_suffix(b"\n") else {
        bail!("{shown}:1: not a sweep part (no header line)");
    };
    let Ok(first) = std::str::from_utf8(first) else {
        bail!("{shown}:1: not a sweep part (its header is not UTF-8 text)");
    };
    let h = verified_header(first, &mut r, &shown)?;
    let get = |k: &str| h.get(k).and_then(serde_json::Value::as_u64);
    let (Some(k), Some(n), Some(lo), Some(hi)) = (
        get("shard"),
        get("shards"),
        get("first_point"),
        get("end_point"),
    ) else {
        bail!("{shown}:1: damaged header (shard, shards, first_point, end_point expected)");
    };
    let identity: Identity = serde_json::from_value(h.get("identity").cloned().unwrap_or_default())
        .with_context(|| format!("{shown}:1: damaged header (identity)"))?;
    if n == 0 || k >= n {
        bail!("{shown}:1: shard {k} of {n}: expected a shard K of N with K < N");
    }
    if let Err(why) = identity.check() {
        bail!("{shown}:1: not a sweep entente wrote: {why}");
    }
    Ok(PartHeader {
        shard: k,
        shards: n,
        first_point: lo as usize,
        end_point: hi as usize,
        identity,
        path: path.to_path_buf(),
    })
}

/// The parts as sources of rows, in shard order: all of one sweep, every shard once, each
/// holding the points it should. `parts_dir` is named when shards are missing.
fn sources_of(parts: &[PartHeader], parts_dir: &Path) -> anyhow::Result<Vec<Source>> {
    let Some(first) = parts.first() else {
        return Ok(Vec::new());
    };
    let (count, id) = (first.shards, &first.identity);
    for p in parts {
        if p.identity != *id || p.shards != count {
            bail!(
                "{}: this part is of another sweep than {}: they differ in {}",
                p.path.display(),
                first.path.display(),
                identity_difference(id, count, &p.identity, p.shards)
            );
        }
    }
    let mut sources = Vec::new();
    for k in 0..count {
        let Some(p) = parts.iter().find(|p| p.shard == k) else {
            let missing: Vec<String> = (0..count)
                .filter(|k| !parts.iter().any(|p| p.shard == *k))
                .map(|k| k.to_string())
                .collect();
            bail!(
                "{}: missing sweep shards {} of {count}: rerun them with --shard K/{count}",
                parts_dir.display(),
                missing.join(", ")
            );
        };
        let Some(shard) = Shard::new(k, count) else {
            bail!("{}: shard {k} of {count} is not a shard", p.path.display());
        };
        let r = shard.runs(id.points as u64);
        if (p.first_point, p.end_point) != (r.start as usize, r.end as usize) {
            bail!(
                "{}: points {}..{}, expected {}..{} for shard {k} of {count}",
                p.path.display(),
                p.first_point,
                p.end_point,
                r.start,
                r.end
            );
        }
        sources.push(Source {
            path: p.path.clone(),
            skip_lines: 1,
            first: p.first_point,
            points: p.end_point - p.first_point,
        });
    }
    Ok(sources)
}

/// What a finished sweep prints.
fn summary_text(
    plan: &Plan,
    collected: &Collected,
    dir: &str,
    manifest: &serde_json::Value,
) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    if let Some(sc) = &plan.scoring {
        let o = &sc.options;
        let _ = writeln!(
            t,
            "sweep scored by backtest: design {}, {} points x {} start years ({}–{}) x {} runs (seed {}, common random numbers), states {}, horizons {}",
            plan.identity.design,
            plan.design.points.len(),
            o.years.len(),
            o.years.first().copied().unwrap_or_default(),
            o.years.last().copied().unwrap_or_default(),
            plan.runs,
            plan.seed,
            o.spec,
            horizons_text(&o.horizons)
        );
        let _ = writeln!(
            t,
            "\nBrier score of all pairs (lower is better), lowest and highest over the points:"
        );
        for (q, s) in collected.series.iter().enumerate() {
            if s.key.get(1).map(String::as_str) != Some("all") {
                continue;
            }
            let (lo, hi) = collected.range[q];
            if let Some((p, b)) = collected.best[q] {
                let values: Vec<String> = plan
                    .factors
                    .iter()
                    .zip(&plan.design.points[p])
                    .map(|(f, v)| format!("{}={}", f.path, v.text()))
                    .collect();
                let _ = writeln!(
                    t,
                    "  horizon {:>3}: {lo:.4} to {hi:.4}; best at point {p} ({b:.4}): {}",
                    s.key[0],
                    values.join(" ")
                );
            }
        }
    } else {
        let _ = writeln!(
            t,
            "sweep of {}: design {}, {} points x {} runs (seed {}, common random numbers), {} pairs recorded",
            plan.base.name,
            plan.identity.design,
            plan.design.points.len(),
            plan.runs,
            plan.seed,
            plan.pairs.len()
        );
        // The pairs whose P(alliance) moves most across the points.
        let mut spread: Vec<(f64, f64, f64, String)> = collected
            .range
            .iter()
            .zip(&collected.series)
            .filter(|((lo, hi), _)| lo <= hi)
            .map(|(&(lo, hi), s)| (hi - lo, lo, hi, s.key.join("-")))
            .collect();
        spread.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.3.cmp(&b.3)));
        if !spread.is_empty() {
            let _ = writeln!(
                t,
                "\nP(alliance) at the horizon, lowest and highest over the points:"
            );
            for (d, lo, hi, pair) in spread.iter().take(8) {
                let _ = writeln!(t, "  {pair:<10} {lo:.3} to {hi:.3}  (range {d:.3})");
            }
        }
    }
    let files = manifest["files"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let _ = writeln!(t, "\nResults in {dir}/ ({files})");
    t
}

/// `entente sweep`'s arguments as `entente slurm` takes them after `--`.
#[derive(clap::Parser)]
#[command(name = "entente sweep", no_binary_name = true)]
struct SweepLine {
    #[command(flatten)]
    args: Args,
}

/// What `entente slurm` needs to know of a sweep.
pub struct SweepSummary {
    /// Scenario name.
    pub scenario: String,
    /// Runs per point.
    pub runs: u64,
    /// Seed.
    pub seed: u64,
    /// Design points.
    pub points: usize,
}

/// Check a sweep's arguments (given to `entente slurm` after `--`) as the tasks will see
/// them: the factors, the design and the scenario, now rather than on the cluster.
pub fn check_for_slurm(raw: &[String]) -> anyhow::Result<SweepSummary> {
    use clap::Parser as _;
    let line = SweepLine::try_parse_from(raw)
        .map_err(|e| anyhow::anyhow!("the sweep's arguments (after --): {e}"))?;
    let a = &line.args;
    if a.shard.is_some() || a.out.is_some() || a.threads.is_some() {
        bail!(
            "the sweep's arguments (after --): leave out --shard, --out and --threads: entente slurm sets them"
        );
    }
    let plan = plan(a)?;
    Ok(SweepSummary {
        scenario: plan.base.name.clone(),
        runs: plan.runs,
        seed: plan.seed,
        points: plan.design.points.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sweep part's bytes, written by [`write_part`] from `header` and `rows`.
    fn part(header: &serde_json::Value, rows: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        std::fs::write(&path, rows).unwrap();
        let mut out = Vec::new();
        write_part(&mut out, header, &path).unwrap();
        out
    }

    /// The header's JSON if `bytes` read as a whole sweep part.
    fn check(bytes: &[u8]) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
        let Some(nl) = bytes.iter().position(|&b| b == b'\n') else {
            bail!("no header line");
        };
        let first = std::str::from_utf8(&bytes[..nl])?;
        verified_header(first, &mut &bytes[nl + 1..], "p.csv")
    }

    #[test]
    fn every_flipped_bit_and_every_truncation_of_a_sweep_part_is_refused() {
        let header = serde_json::json!({
            "kind": "sweep-part", "format": 2, "shard": 1, "shards": 2,
            "first_point": 3, "end_point": 5, "identity": {"seed": 7, "runs": 64},
        });
        let rows = "3,CHN,RUS,0.25,0.125,0.5\n4,CHN,RUS,0.375,0,0.75\n";
        let whole = part(&header, rows);
        let mut h = check(&whole).unwrap();
        assert!(
            h.remove("digest")
                .is_some_and(|d| d.as_str().unwrap().len() == 71)
        );
        assert_eq!(serde_json::Value::Object(h), header);
        assert!(whole.ends_with(rows.as_bytes()));
        for at in 0..whole.len() {
            for bit in 0..8 {
                let mut bytes = whole.clone();
                bytes[at] ^= 1 << bit;
                assert!(check(&bytes).is_err(), "byte {at}, bit {bit} read as whole");
            }
        }
        for len in 0..whole.len() {
            assert!(check(&whole[..len]).is_err(), "cut at {len} read as whole");
        }
        // A row edited and the part resealed passes the digest (it is no signature):
        // the rows' own checks (`Scanner`) stand behind it.
        let edited = part(&header, &rows.replace("0.25", "0.75"));
        assert!(check(&edited).is_ok());
    }

    #[test]
    fn parts_without_a_digest_are_refused_by_format() {
        let old = format!(
            "{PART_MAGIC}{}\n3,CHN,RUS,0.25,0.125,0.5\n",
            serde_json::json!({"kind": "sweep-part", "format": 1, "shard": 0, "shards": 1})
        );
        let e = check(old.as_bytes()).unwrap_err().to_string();
        assert!(
            e.contains("a sweep part of format 1, which has no digest"),
            "{e}"
        );
        let e = check(b"# something else\n").unwrap_err().to_string();
        assert!(e.contains("not a sweep part"), "{e}");
    }

    /// Every pointer to a value of `v` (its leaves, arrays and objects included).
    fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    pointers(x, format!("{at}/{k}"), out);
                }
            }
            serde_json::Value::Array(a) => {
                for (k, x) in a.iter().enumerate() {
                    pointers(x, format!("{at}/{k}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }

    /// Parts a forger could write: a real sweep's parts with a value of the header (its
    /// identity included) replaced by a hostile one, or a row edited, cut or repeated, each
    /// resealed with a matching digest. Merging them never panics, and refuses most.
    #[test]
    fn forged_sweep_parts_never_panic_the_merge() {
        use rand::{RngExt, SeedableRng};
        let home = tempfile::tempdir().unwrap();
        let parts = home.path().join("parts");
        for k in 0..2 {
            let args = Args {
                file: None,
                vary: vec!["eta=0.01:0.05".into(), "tau=0.1:0.5".into()],
                design: Some("morris:2".into()),
                runs: Some(8),
                seed: Some(3),
                theory: None,
                set: Vec::new(),
                pairs: vec!["CHN-RUS".into(), "USA-CHN".into()],
                out: Some(parts.clone()),
                threads: Some(1),
                shard: Some(format!("{k}/2").parse().unwrap()),
                quiet: true,
                evaluate: "study".into(),
                scoring: ScoringArgs::default(),
            };
            assert_eq!(run(args).unwrap(), ExitCode::SUCCESS);
        }
        let paths = [0, 1].map(|k| parts.join(format!("sweep-part-{k}-of-2.csv")));
        let whole = paths.clone().map(|p| std::fs::read_to_string(p).unwrap());
        let hostile = [
            serde_json::json!(0),
            serde_json::json!(1),
            serde_json::json!(-1),
            serde_json::json!(7),
            serde_json::json!(u64::MAX),
            serde_json::json!(1e300),
            serde_json::json!(0.5),
            serde_json::json!(""),
            serde_json::json!("plain"),
            serde_json::json!("morris:2:2:4"),
            serde_json::json!("saltelli:1:2"),
            serde_json::json!("backtest"),
            serde_json::json!("a\u{1b}b"),
            serde_json::json!([]),
            serde_json::json!([[0.5, 0.5]]),
            serde_json::json!(null),
            serde_json::json!({}),
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2018);
        let (mut merged, mut refused) = (0, 0);
        for round in 0..300 {
            let k = rng.random_range(0..2);
            let (head, rows) = whole[k].split_once('\n').unwrap();
            let mut h: serde_json::Value = serde_json::from_str(&head[PART_MAGIC.len()..]).unwrap();
            h.as_object_mut().unwrap().remove("digest");
            let mut rows = rows.to_string();
            if rng.random_bool(0.6) {
                let mut all = Vec::new();
                pointers(&h, String::new(), &mut all);
                let at = &all[rng.random_range(0..all.len())];
                let value = hostile[rng.random_range(0..hostile.len())].clone();
                match h.pointer_mut(at) {
                    Some(x) if !at.is_empty() => *x = value,
                    _ => {}
                }
            } else {
                let at = rng.random_range(0..rows.len());
                let at = (0..=at)
                    .rev()
                    .find(|&i| rows.is_char_boundary(i))
                    .unwrap_or(0);
                match rng.random_range(0..3) {
                    0 => {
                        let c = [b'0', b'9', b',', b'\n', b'-', b'.', b'e', b'x']
                            [rng.random_range(0..8)];
                        rows.replace_range(at..at + 1, &(c as char).to_string());
                    }
                    1 => rows.truncate(at),
                    _ => {
                        let line = rows[at..].lines().next().unwrap_or("").to_string();
                        rows.insert_str(at, &format!("{line}\n"));
                    }
                }
            }
            let dir = home.path().join(format!("forged{round}"));
            std::fs::create_dir(&dir).unwrap();
            let header = h.as_object().unwrap().clone();
            let forged = part(&serde_json::Value::Object(header), &rows);
            let mine = dir.join(format!("sweep-part-{k}-of-2.csv"));
            std::fs::write(&mine, forged).unwrap();
            let other = dir.join(format!("sweep-part-{}-of-2.csv", 1 - k));
            std::fs::copy(&paths[1 - k], &other).unwrap();
            let mut both = [mine, other];
            both.sort();
            let out = dir.join("out");
            let outcome = std::panic::catch_unwind(|| merge(&both, Some(&out), true));
            match outcome {
                Ok(Ok(_)) => merged += 1,
                Ok(Err(_)) => refused += 1,
                Err(_) => panic!("round {round}: the merge panicked"),
            }
        }
        eprintln!("forged sweep parts: {merged} merged, {refused} refused");
        assert!(
            refused > 150 && merged > 0,
            "{merged} merged, {refused} refused"
        );
    }
}
