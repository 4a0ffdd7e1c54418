//! `entente backtest`: the model's forecasts from many start years, scored against history.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::{Context, bail};
use entente::history::backtest::{self, BacktestOptions, parse_horizons, parse_years};
use entente::history::data::HistoryData;
use entente::history::score::{FILES, LOG_FLOOR, Method, ScoreRow, Subset, write_folder};
use entente::history::select::{DEFAULT_SPEC, Spec};
use entente::output::{Kind, OutputDir};

use super::history::{CodingArgs, assumptions, check_year, command_line};
use super::study::{progress_bar, rfc3339, say_replaced, seconds, threads_or_all};

/// Score the model's forecasts from many start years against what happened.
#[derive(clap::Args)]
#[command(
    after_help = "For each start year, the states of --states are resolved again, a scenario is built
from the data as `entente history` builds it, the study is simulated, and every pair's
probabilities of alliance, neutrality and rivalry at start + horizon (the model's own
thresholds) are set beside what happened that year. The observed class: ally (an ATOP
defence or offence obligation in force), rival (a strategic rivalry in force, or a dispute of
hostility >= --hostility in that year or the --window - 1 before), else neutral; when both
hold, --precedence decides (default rival). Baselines on the same pairs: persistence (the
class at the start year) and climatology (class frequencies over the pairs of --states in
all years before the start year). A pair one of whose states has left the state system by
then is dropped and counted.

Files written to --out (default results/backtest/):
  forecasts.csv    one row per start year, horizon and pair: probabilities, observed, persistence
  scores.csv       Brier, log score, skill against persistence and climatology, accuracy:
                   per start year and overall (`all`), for all pairs, those that changed class,
                   and those allied, neutral or rivals at the start
  reliability.csv  forecast probability in ten bins against the observed frequency
  manifest.json    what produced it (entente report draws the folder)

Examples:
  entente backtest --years 1880:1975:5 --horizon 10 --states majors --runs 2000 --out results/backtest
  entente backtest --years 1900:1960:10 --horizon 5,10 --theory waltz --out results/bt-waltz
  entente report results/backtest"
)]
pub struct Args {
    /// Start years: FROM:TO:STEP, FROM:TO or a list (1904,1913).
    #[arg(long, value_name = "YEARS", default_value = "1880:1975:5")]
    years: String,
    /// Years ahead, one or several (5,10).
    #[arg(long, value_name = "YEARS", default_value = "10")]
    horizon: String,
    /// Which states, resolved again in each start year (see `entente history --help`).
    #[arg(long, value_name = "SPEC", default_value = DEFAULT_SPEC)]
    states: String,
    /// Monte Carlo runs per start year.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    runs: u64,
    /// Master seed (the same for every start year).
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Theory preset: walt, waltz, bandwagon or liberal.
    #[arg(long, value_name = "NAME")]
    theory: Option<String>,
    /// Override a parameter or scenario value, PATH=VALUE (repeatable), in every start year.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Override a judgement call of the built scenarios, NAME=VALUE (see docs/history.md).
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    assume: Vec<String>,
    /// A parameter file (a `[params]` table, as `entente calibrate` writes in best.toml),
    /// applied before --set.
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
    /// Folder of history CSV files in the format of data/history (default: the built-in copy).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Results folder.
    #[arg(long, value_name = "DIR", default_value = "results/backtest")]
    out: PathBuf,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
    /// No progress bar and no summary on stdout.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    coding: CodingArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let years = parse_years(&args.years).map_err(anyhow::Error::msg)?;
    let horizons = parse_horizons(&args.horizon).map_err(anyhow::Error::msg)?;
    let spec = Spec::parse(&args.states)?;
    let assumptions = assumptions(&args.assume)?;
    if args.runs == 0 {
        bail!("--runs 0: expected at least one run");
    }
    let mut set = match &args.params {
        Some(p) => params_file(p)?,
        None => Vec::new(),
    };
    set.extend(args.set.iter().cloned());
    let d = HistoryData::load(args.data.as_deref())?;
    check_start_years(&d, &years, &horizons, &spec)?;
    let threads = threads_or_all(args.threads);
    let mut out = OutputDir::prepare(&args.out)?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let bar = progress_bar(args.quiet, args.runs * years.len() as u64);
    let progress = |k: u64| {
        if let Some(b) = &bar {
            b.inc(k);
        }
    };
    let options = BacktestOptions {
        years: years.clone(),
        horizons: horizons.clone(),
        spec: spec.clone(),
        runs: args.runs,
        seed: args.seed,
        theory: args.theory.clone(),
        set: set.clone(),
        coding: args.coding.coding(),
        assumptions: assumptions.clone(),
        threads,
    };
    let result = backtest::run(&d, &options, &progress).map_err(anyhow::Error::msg)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let starts = start_years_json(&result, &horizons);
    let assumed: serde_json::Map<String, serde_json::Value> = assumptions
        .list()
        .map(|(k, v, _)| (k.to_string(), serde_json::json!(v)))
        .collect();
    let dropped: usize = result.starts.iter().flat_map(|s| &s.dropped).sum();
    let manifest = serde_json::json!({
        "kind": Kind::Backtest,
        "format": Kind::Backtest.format(),
        "entente_version": env!("CARGO_PKG_VERSION"),
        "model_version": entente::params::MODEL_VERSION,
        "command": command_line(),
        "data": d.origin,
        "data_years": [d.first_year, d.last_year],
        "years": years,
        "horizons": horizons,
        "states": spec.text,
        "runs": args.runs,
        "seed": args.seed,
        "theory": args.theory.clone().unwrap_or_else(|| "walt".into()),
        "set": set,
        "params_file": args.params.as_ref().map(|p| p.display().to_string()),
        "assumptions": assumed,
        "coding": {
            "window": options.coding.window,
            "min_hostility": options.coding.min_hostility,
            "precedence": options.coding.precedence.name(),
        },
        "log_floor": LOG_FLOOR,
        "forecasts": result.forecasts.len(),
        "dropped_pairs": dropped,
        "start_years": starts,
        "files": FILES,
        "threads": threads,
        "started": rfc3339(started),
        "finished": rfc3339(SystemTime::now()),
        "wall_seconds": seconds(clock),
    });
    let rows = write_folder(&mut out, &result.forecasts, &manifest)?;
    let shown = out.path().display().to_string();
    say_replaced(&shown, &out.commit()?, args.quiet);
    if !args.quiet {
        println!(
            "backtest: {} start years ({}), horizon {}, states {}, {} runs each, {} pair forecasts ({} dropped: a state left the system)",
            years.len(),
            args.years,
            args.horizon,
            spec,
            args.runs,
            result.forecasts.len(),
            dropped
        );
        print!("{}", overall_text(&rows));
        print!("{}", calibration_text(&result.forecasts));
        println!("files in {shown}/: {}", FILES.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// The `--set` assignments of a parameter file: its `[params]` table (numbers, and
/// `threat_form` as a string), in the file's order of keys sorted by name.
pub fn params_file(path: &Path) -> anyhow::Result<Vec<String>> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("{shown}: cannot read"))?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        bail!("{shown}: expected a parameter file (a TOML `[params]` table of at most 1 MiB)");
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("{shown}: cannot read"))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{shown}: not TOML: {e}"))?;
    let mut out = Vec::new();
    for (key, value) in &table {
        if key != "params" {
            bail!(
                "{shown}: unexpected table or key `{key}`: a parameter file holds one `[params]` table"
            );
        }
        let Some(params) = value.as_table() else {
            bail!("{shown}: `params` must be a table ([params])");
        };
        for (name, v) in params {
            if !entente::params::names().any(|n| n == name) {
                bail!(
                    "{shown}: [params] `{name}` is not a model parameter (`entente show params` lists them)"
                );
            }
            let text = match v {
                toml::Value::Float(x) => format!("{x}"),
                toml::Value::Integer(x) => format!("{x}"),
                toml::Value::String(s) if name == "threat_form" => s.clone(),
                other => bail!("{shown}: [params] `{name}` = {other}: expected a number"),
            };
            out.push(format!("{name}={text}"));
        }
    }
    Ok(out)
}

/// Every start year in the data, with what happened by its last horizon known; and --states
/// giving at least two states in each, checked before any simulation.
pub fn check_start_years(
    d: &HistoryData,
    years: &[i32],
    horizons: &[u32],
    spec: &Spec,
) -> anyhow::Result<()> {
    let hmax = *horizons.iter().max().unwrap_or(&1);
    for &y in years {
        check_year(d, y, "start year")?;
        if y + hmax as i32 > d.last_year {
            bail!(
                "start year {y} + horizon {hmax} = {} is after the data's last year {} ({}): what happened is not known; use start years up to {}, or --data DIR with longer files",
                y + hmax as i32,
                d.last_year,
                d.origin,
                d.last_year - hmax as i32
            );
        }
    }
    for &y in years {
        let codes = spec.resolve_lenient(d, y)?;
        if codes.len() < 2 {
            bail!(
                "--states `{spec}` gives {} state(s) in start year {y}: a backtest needs at least 2",
                codes.len()
            );
        }
    }
    Ok(())
}

/// The backtest flags of `sweep --evaluate backtest` and `calibrate`: what `entente backtest`
/// takes, each optional so that a command can tell whether it was given.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ScoringArgs {
    /// Backtest start years: FROM:TO:STEP, FROM:TO or a list, ranges joined by commas
    /// (default: 1880:1975:5 for sweep, 1816:1914,1919:1939 for calibrate).
    #[arg(long, value_name = "YEARS")]
    pub years: Option<String>,
    /// Backtest horizons in years, one or several (default: 10 for sweep, 5,10 for calibrate).
    #[arg(long, value_name = "YEARS")]
    pub horizon: Option<String>,
    /// Which states, resolved again in each start year (default: `majors+top:12` for sweep, as
    /// `entente backtest`; `majors` for calibrate, the training split; see `entente history
    /// --help`).
    #[arg(long, value_name = "SPEC")]
    pub states: Option<String>,
    /// Folder of history CSV files in the format of data/history (default: the built-in copy).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Override a judgement call of the built scenarios, NAME=VALUE (see docs/history.md).
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    pub assume: Vec<String>,
    /// Years of disputes that code a pair as rivals (default 3).
    #[arg(long, value_name = "YEARS", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub window: Option<u32>,
    /// Lowest dispute hostility that codes rivals (default 4).
    #[arg(long, value_name = "LEVEL", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub hostility: Option<u8>,
    /// Which class a pair both allied and rivals gets: rival (default) or ally.
    #[arg(long, value_name = "CLASS")]
    pub precedence: Option<entente::history::coding::Precedence>,
}

/// A backtest ready to score parameter sets: the data, the options and the start years built.
pub struct Scoring {
    /// The history data.
    pub data: HistoryData,
    /// The options (`set`, `theory`, `runs`, `seed`, `threads` as given to [`ScoringArgs::load`]).
    pub options: BacktestOptions,
    /// The start years, built.
    pub prepared: backtest::Prepared,
}

impl ScoringArgs {
    /// The flags given, by name, for a message refusing them.
    pub fn given(&self) -> Vec<&'static str> {
        let mut g = Vec::new();
        for (name, on) in [
            ("--years", self.years.is_some()),
            ("--horizon", self.horizon.is_some()),
            ("--states", self.states.is_some()),
            ("--data", self.data.is_some()),
            ("--assume", !self.assume.is_empty()),
            ("--window", self.window.is_some()),
            ("--hostility", self.hostility.is_some()),
            ("--precedence", self.precedence.is_some()),
        ] {
            if on {
                g.push(name);
            }
        }
        g
    }

    /// Read the data, check the start years and build every start year's scenario.
    /// `default_years`: the start years when --years is not given.
    pub fn load(
        &self,
        default_years: &str,
        runs: u64,
        seed: u64,
        theory: Option<String>,
        set: Vec<String>,
    ) -> anyhow::Result<Scoring> {
        let years_text = self.years.as_deref().unwrap_or(default_years);
        let years = parse_years(years_text).map_err(anyhow::Error::msg)?;
        let horizons =
            parse_horizons(self.horizon.as_deref().unwrap_or("10")).map_err(anyhow::Error::msg)?;
        let spec = Spec::parse(self.states.as_deref().unwrap_or(DEFAULT_SPEC))?;
        let assumptions = assumptions(&self.assume)?;
        let d = HistoryData::load(self.data.as_deref())?;
        check_start_years(&d, &years, &horizons, &spec)?;
        let defaults = entente::history::coding::Coding::default();
        let coding = entente::history::coding::Coding {
            window: self.window.unwrap_or(defaults.window),
            min_hostility: self.hostility.unwrap_or(defaults.min_hostility),
            precedence: self.precedence.unwrap_or(defaults.precedence),
        };
        let options = BacktestOptions {
            years,
            horizons,
            spec,
            runs,
            seed,
            theory,
            set,
            coding,
            assumptions,
            threads: 1,
        };
        let prepared = backtest::prepare(&d, &options).map_err(anyhow::Error::msg)?;
        Ok(Scoring {
            data: d,
            options,
            prepared,
        })
    }
}

impl Scoring {
    /// What decides the scores besides the parameters, for identities and manifests.
    pub fn describe(&self) -> serde_json::Value {
        let o = &self.options;
        let assumed: serde_json::Map<String, serde_json::Value> = o
            .assumptions
            .list()
            .map(|(k, v, _)| (k.to_string(), serde_json::json!(v)))
            .collect();
        serde_json::json!({
            "years": o.years,
            "horizons": o.horizons,
            "states": o.spec.text,
            "data": self.data.origin,
            "data_years": [self.data.first_year, self.data.last_year],
            "coding": {
                "window": o.coding.window,
                "min_hostility": o.coding.min_hostility,
                "precedence": o.coding.precedence.name(),
            },
            "assumptions": assumed,
        })
    }

    /// SHA-256 of every start year's built scenario text, in order: the data as used.
    pub fn scenarios_sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for y in &self.prepared.years {
            h.update(y.built.text.as_bytes());
            h.update([0u8]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The manifest's `start_years`: each start year's states, dropped pairs per horizon and
/// climatology.
fn start_years_json(result: &backtest::Backtest, horizons: &[u32]) -> Vec<serde_json::Value> {
    result
        .starts
        .iter()
        .map(|s| {
            serde_json::json!({
                "year": s.year,
                "states": s.states,
                "dropped_pairs": horizons.iter().zip(&s.dropped)
                    .map(|(h, k)| (h.to_string(), serde_json::json!(k)))
                    .collect::<serde_json::Map<_, _>>(),
                "climatology": { "ally": s.climatology[0], "neutral": s.climatology[1], "rival": s.climatology[2] },
                "climatology_pair_years": s.climatology_pairs,
            })
        })
        .collect()
}

/// The expected calibration error of each class, one-vs-rest, per horizon, as text.
pub fn calibration_text(forecasts: &[entente::history::score::Forecast]) -> String {
    use entente::history::score::{calibration_errors, reliability_table};
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
    calibration_errors(&reliability_table(forecasts))
        .into_iter()
        .map(|(h, e)| {
            format!(
                "\nhorizon {h} years: expected calibration error (ten bins, one class against the rest): ally {}, neutral {}, rival {}\n",
                f(e[0]),
                f(e[1]),
                f(e[2])
            )
        })
        .collect()
}

/// The overall scores (all start years) as a text table, per horizon and subset.
pub fn overall_text(rows: &[ScoreRow]) -> String {
    use std::fmt::Write as _;
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
    let mut t = String::new();
    for subset in [Subset::All, Subset::Changed] {
        for r in rows
            .iter()
            .filter(|r| r.start_year.is_none() && r.subset == subset && r.method == Method::Model)
        {
            let _ = writeln!(
                t,
                "\nhorizon {} years, {} pairs ({}):",
                r.horizon,
                subset.name(),
                r.pairs
            );
            let _ = writeln!(
                t,
                "  {:<12} {:>7} {:>7} {:>14} {:>14} {:>9}",
                "method", "Brier", "log", "skill vs pers.", "skill vs clim.", "accuracy"
            );
            for m in [Method::Model, Method::Persistence, Method::Climatology] {
                if let Some(x) = rows.iter().find(|x| {
                    x.start_year.is_none()
                        && x.horizon == r.horizon
                        && x.subset == subset
                        && x.method == m
                }) {
                    let _ = writeln!(
                        t,
                        "  {:<12} {:>7} {:>7} {:>14} {:>14} {:>9}",
                        m.name(),
                        f(x.brier),
                        f(x.log_score),
                        f(x.skill_vs_persistence),
                        f(x.skill_vs_climatology),
                        f(x.accuracy)
                    );
                }
            }
        }
    }
    t.push_str(
        "\nBrier: 0 perfect, 2 worst; log: lower is better; skill > 0 beats the baseline.\n",
    );
    t
}
