//! `entente backtest`: the model's forecasts from many start years, scored against history.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::bail;
use entente::history::backtest::{self, BacktestOptions, parse_horizons, parse_years};
use entente::history::data::HistoryData;
use entente::history::score::{FILES, LOG_FLOOR, Method, ScoreRow, Subset, write_folder};
use entente::history::select::{DEFAULT_SPEC, Spec};
use entente::output::{Kind, OutputDir};

use super::history::{CodingArgs, assumptions, check_year, command_line};
use super::study::{progress_bar, rfc3339, seconds, threads_or_all};

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
                   per start year and overall (`all`), for all pairs and those that changed class
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
        set: args.set.clone(),
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
        "set": args.set,
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
    out.commit()?;
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
        println!("files in {shown}/: {}", FILES.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// Every start year in the data, with what happened by its last horizon known; and --states
/// giving at least two states in each, checked before any simulation.
fn check_start_years(
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
