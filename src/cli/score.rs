//! `entente score RESULTS OUTCOMES.csv`: a study's forecasts scored against what happened.
//!
//! The study's class probabilities at the years an outcomes table codes (`timeseries.csv`:
//! P(alliance), P(rivalry), and the rest neutral) are scored against the coded classes, next to
//! two baselines: persistence (the class at the start year) and climatology (the base rates of
//! the starting classes). Scores and files are those of `entente backtest`
//! ([`entente::history::score`]).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use entente::history::outcomes::{self, Outcome, Study, problems_text};
use entente::history::score::{FILES, Forecast, LOG_FLOOR, Probs, ScoreRow, write_folder};
use entente::output::{Head, Kind, OutputDir, hex};
use entente::teach::report::{self as report, Results};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::study::say_replaced;
use super::table::Table;

/// Score an existing study against a table of what happened.
#[derive(clap::Args)]
#[command(
    after_help = "RESULTS is a folder written by `entente run` (it needs manifest.json and timeseries.csv;
the scenario is re-read from the file the manifest names, with its theory and --set, as
`entente report` does). OUTCOMES.csv is your coding of what happened, one row per pair and
year:

  a,b,year,outcome
  CHN,RUS,2024,neutral
  RUS,PRK,2024,ally
  USA,CHN,2018,rival

- a, b: two different state ids of the study, in either order;
- year: the study's start year, or a later year that is a whole number of years after it, a
  time step of the study and not past its horizon;
- outcome: ally, neutral or rival (lower case).
The four columns may come in any order; other columns (a note, a source) are ignored, and so
are lines starting with `#` and blank lines; a quoted field cannot span lines. Each (pair,
year) may appear once. Every problem is reported with its file, line and field.

The forecast for a row of year Y is the study's P(alliance) (ally), P(rivalry) (rival) and
the rest (neutral) at Y, scored against the row's outcome at horizon Y - start. Baselines on
the same pairs:
  persistence  the pair's class at the start year: the file's row for the start year where
               there is one, else the scenario's initial alignment classified with the study's
               thresholds (>= alliance_threshold ally, <= rivalry_threshold rival, else neutral);
  climatology  the shares of ally, neutral and rival among those starting classes, over the
               distinct pairs scored.

Writes to --out (default RESULTS/score/), all files together at the end:
  forecasts.csv    one row per scored pair and year (by horizon, then pair in the study's
                   order): p_ally, p_neutral, p_rival, observed, persistence
  scores.csv       per horizon, for all pairs and for the pairs whose class changed: Brier
                   score, log score (probabilities floored at 0.001), Brier skill against
                   persistence and climatology, accuracy of the most likely class
  reliability.csv  the model's probabilities in ten bins against the observed frequency
  manifest.json    what was scored (paths, SHA-256 of the outcomes, thresholds, climatology)
and prints the scores per horizon. The same inputs give the same bytes.

Example (the flagship's 2018 forecast against a sample coding of 2018 and 2024):
  entente run --out results/vostok-2018 && \\
    entente score results/vostok-2018 data/outcomes/vostok-2018-2024.csv"
)]
pub struct Args {
    /// Results folder written by `entente run`.
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// Outcomes table: a,b,year,outcome with outcome ally, neutral or rival.
    #[arg(value_name = "OUTCOMES.csv")]
    outcomes: PathBuf,
    /// Output folder (default: RESULTS/score).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Score the study in `args.results` against `args.outcomes`; write the files, print the scores.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = &args.results;
    for name in ["manifest.json", "timeseries.csv"] {
        if !dir.join(name).is_file() {
            bail!(
                "{}: not a results folder (no {name}); write one first, e.g. `entente run --out {}`",
                dir.display(),
                dir.display()
            );
        }
    }
    // A study's folder: another kind, or a newer format, is refused naming the manifest.
    Head::of_folder(dir, &[Kind::Run])?;
    let outcomes_name = args.outcomes.display().to_string();
    let bytes = std::fs::read(&args.outcomes)
        .with_context(|| format!("{outcomes_name}: cannot read the outcomes table"))?;
    let mut out = OutputDir::prepare(&args.out.clone().unwrap_or_else(|| dir.join("score")))?;

    let results = Results::read(dir)?;
    let (scenario, warning) = report::scenario_of(&results).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot re-read the study's scenario: {e}",
            dir.display()
        )
    })?;
    if let Some(w) = &warning {
        say!("entente score: warning: {w}");
    }
    let study = Study::new(&scenario).map_err(anyhow::Error::msg)?;
    let outcomes = outcomes::parse(&bytes, &study)
        .map_err(|problems| anyhow::anyhow!(problems_text(&outcomes_name, &problems)))?;
    let series = read_series(&dir.join("timeseries.csv"))?;
    let built = forecasts(&study, &outcomes, &series, &dir.join("timeseries.csv"))?;

    let horizons: BTreeSet<u32> = built.forecasts.iter().map(|f| f.horizon).collect();
    let manifest = serde_json::json!({
        "kind": Kind::Score,
        "format": Kind::Score.format(),
        "entente_version": env!("CARGO_PKG_VERSION"),
        "results": dir.display().to_string(),
        "outcomes": outcomes_name,
        "outcomes_sha256": hex(&Sha256::digest(&bytes)),
        "scenario": results.manifest.scenario,
        "scenario_file": results.manifest.scenario_file,
        "scenario_sha256": results.manifest.scenario_sha256,
        "scenario_warning": warning,
        "theory": results.manifest.theory,
        "set": results.manifest.set,
        "runs": results.manifest.runs,
        "seed": results.manifest.seed,
        "start_year": study.start,
        "horizons": horizons,
        "log_floor": LOG_FLOOR,
        "alliance_threshold": scenario.params.alliance_threshold,
        "rivalry_threshold": scenario.params.rivalry_threshold,
        "climatology": {
            "ally": built.climatology[0],
            "neutral": built.climatology[1],
            "rival": built.climatology[2],
        },
        "pairs_scored": built.pairs,
        "forecasts": built.forecasts.len(),
        "persistence_from_outcomes": built.persistence_from_outcomes,
        "persistence_from_scenario": built.pairs - built.persistence_from_outcomes,
        "files": FILES,
    });
    let rows = write_folder(&mut out, &built.forecasts, &manifest)?;
    let shown = out.path().display().to_string();
    say_replaced(&shown, &out.commit()?, false);
    print!(
        "{}",
        summary_text(&study, &rows, &outcomes_name, &built, &shown)
    );
    Ok(ExitCode::SUCCESS)
}

/// A row of `timeseries.csv`: what scoring reads.
#[derive(Debug, Deserialize)]
struct SeriesRow {
    year: String,
    a: String,
    b: String,
    p_alliance: f64,
    p_rivalry: f64,
}

/// P(alliance) and P(rivalry) keyed by (year as written, a, b).
type Series = HashMap<(String, String, String), (f64, f64)>;

fn read_series(path: &Path) -> anyhow::Result<Series> {
    let shown = path.display().to_string();
    let mut r = csv::Reader::from_path(path).with_context(|| format!("{shown}: cannot read"))?;
    let mut series = Series::new();
    for row in r.deserialize::<SeriesRow>() {
        let row = row.map_err(|e| {
            anyhow::anyhow!(
                "{shown}: not a timeseries.csv written by `entente run` (year,a,b,…,p_alliance,p_rivalry): {e}"
            )
        })?;
        series.insert((row.year, row.a, row.b), (row.p_alliance, row.p_rivalry));
    }
    Ok(series)
}

/// The forecasts of an outcomes table, with the climatology they share.
struct Built {
    forecasts: Vec<Forecast>,
    climatology: Probs,
    /// Distinct pairs scored.
    pairs: usize,
    /// Of those, pairs whose persistence class came from the outcomes table.
    persistence_from_outcomes: usize,
}

fn forecasts(
    study: &Study,
    outcomes: &[Outcome],
    series: &Series,
    series_path: &Path,
) -> anyhow::Result<Built> {
    let mut persistence = study.initial.clone();
    let mut from_outcomes = vec![false; persistence.len()];
    for o in outcomes.iter().filter(|o| o.horizon == 0) {
        persistence[o.q] = o.class;
        from_outcomes[o.q] = true;
    }
    let mut scored: Vec<&Outcome> = outcomes.iter().filter(|o| o.horizon > 0).collect();
    scored.sort_by_key(|o| (o.horizon, o.q));
    let pairs: BTreeSet<usize> = scored.iter().map(|o| o.q).collect();
    let mut counts = [0usize; 3];
    for &q in &pairs {
        counts[persistence[q].index()] += 1;
    }
    let climatology = counts.map(|c| c as f64 / pairs.len() as f64);
    let mut forecasts = Vec::with_capacity(scored.len());
    for o in scored {
        let (a, b) = study.pair_name(o.q);
        let year = &study.step_years[o.step];
        let key = (year.clone(), a.clone(), b.clone());
        let Some(&(p_ally, p_rival)) = series.get(&key) else {
            bail!(
                "{}: no row for {a}-{b} in {year} (needed by the outcomes row on line {}); the results folder does not match its scenario",
                series_path.display(),
                o.line
            );
        };
        // Each is printed to 6 decimals, so their sum may pass 1 by up to 1e-6.
        let ok = |p: f64| (0.0..=1.0).contains(&p);
        if !ok(p_ally) || !ok(p_rival) || p_ally + p_rival > 1.0 + 2e-6 {
            bail!(
                "{}: {a}-{b} in {year}: p_alliance {p_ally} and p_rivalry {p_rival} are not probabilities of exclusive classes",
                series_path.display()
            );
        }
        forecasts.push(Forecast {
            start_year: study.start,
            horizon: o.horizon,
            a,
            b,
            model: [p_ally, (1.0 - p_ally - p_rival).max(0.0), p_rival],
            climatology,
            observed: o.class,
            persistence: persistence[o.q],
        });
    }
    Ok(Built {
        forecasts,
        climatology,
        pairs: pairs.len(),
        persistence_from_outcomes: pairs.iter().filter(|&&q| from_outcomes[q]).count(),
    })
}

fn summary_text(
    study: &Study,
    rows: &[ScoreRow],
    outcomes: &str,
    built: &Built,
    dir: &str,
) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Forecasts from {} scored against {outcomes}: {} forecasts of {} pairs (persistence from the outcomes table for {}, from the scenario for {}).",
        study.start,
        built.forecasts.len(),
        built.pairs,
        built.persistence_from_outcomes,
        built.pairs - built.persistence_from_outcomes,
    );
    let _ = writeln!(
        text,
        "Climatology: ally {:.3}, neutral {:.3}, rival {:.3}. Brier: 0 perfect, 2 worst; log score floored at p = {LOG_FLOOR}; skill > 0 beats persistence.\n",
        built.climatology[0], built.climatology[1], built.climatology[2]
    );
    let mut t = Table::new(&[
        "horizon",
        "<pairs",
        "<method",
        "brier",
        "log score",
        "skill vs persistence",
        "accuracy",
        "n",
    ]);
    let cell = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    for r in rows.iter().filter(|r| r.start_year.is_none()) {
        t.row(vec![
            r.horizon.to_string(),
            r.subset.words().to_string(),
            r.method.name().to_string(),
            cell(r.brier),
            cell(r.log_score),
            cell(r.skill_vs_persistence),
            cell(r.accuracy),
            r.pairs.to_string(),
        ]);
    }
    text.push_str(&t.render());
    let _ = writeln!(text, "\nFiles: {dir}/ ({})", FILES.join(", "));
    text
}
