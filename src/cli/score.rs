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
use entente::history::score::{Class, FILES, Forecast, LOG_FLOOR, Probs, ScoreRow, write_folder};
use entente::model::formulas::classify;
use entente::model::world::upper;
use entente::output::{Head, Kind, OutputDir, format_year};
use entente::scenario::{Scenario, closest};
use entente::teach::report::{self as report, Results};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::study::say_replaced;
use super::table::Table;

/// The columns an outcomes table must have.
const COLUMNS: [&str; 4] = ["a", "b", "year", "outcome"];
/// How many problems of an outcomes table are listed before the rest are counted.
const MAX_PROBLEMS: usize = 20;
/// Slack when comparing years computed in floating point (a year step is at least days long).
const YEAR_EPS: f64 = 1e-6;

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
    let study = Study::new(&scenario)?;
    let outcomes = parse_outcomes(&bytes, &study)
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

/// What scoring needs from the study's scenario.
struct Study {
    ids: Vec<String>,
    /// Start year, a whole year.
    start: i64,
    start_year: f64,
    horizon: f64,
    dt: f64,
    /// Year of each step as `timeseries.csv` writes it.
    step_years: Vec<String>,
    /// Pair index (row-major upper triangle) of `(i, k)`, `i < k`.
    pair: HashMap<(usize, usize), usize>,
    /// The states `(i, k)` of each pair index.
    pairs: Vec<(usize, usize)>,
    /// Class of each pair's initial alignment.
    initial: Vec<Class>,
}

impl Study {
    fn new(s: &Scenario) -> anyhow::Result<Self> {
        if s.start_year.fract() != 0.0 || !s.start_year.is_finite() {
            bail!(
                "scenario {}: start_year {} is not a whole year; `entente score` scores whole years after the start",
                s.name,
                s.start_year
            );
        }
        let n = s.n();
        let p = &s.params;
        let initial = upper(n)
            .map(|(i, k)| {
                // As the model counts: in single precision (alignments are f32 in a run).
                let class = classify(
                    s.alignment[i * n + k] as f32,
                    p.alliance_threshold as f32,
                    p.alignment_threshold as f32,
                    p.rivalry_threshold as f32,
                );
                match class {
                    entente::model::PairClass::Alliance => Class::Ally,
                    entente::model::PairClass::Rivalry => Class::Rival,
                    _ => Class::Neutral,
                }
            })
            .collect();
        Ok(Self {
            ids: s.states.iter().map(|x| x.id.clone()).collect(),
            start: s.start_year as i64,
            start_year: s.start_year,
            horizon: s.horizon,
            dt: s.dt,
            step_years: (0..=s.steps).map(|k| format_year(s.year(k))).collect(),
            pair: upper(n).enumerate().map(|(q, ik)| (ik, q)).collect(),
            pairs: upper(n).collect(),
            initial,
        })
    }

    fn end_year(&self) -> String {
        format_year(self.start_year + self.horizon)
    }

    fn pair_name(&self, q: usize) -> (String, String) {
        let (i, k) = self.pairs[q];
        (self.ids[i].clone(), self.ids[k].clone())
    }

    fn id_list(&self) -> String {
        self.ids.join(", ")
    }
}

/// One valid row of an outcomes table.
#[derive(Debug, Clone)]
struct Outcome {
    line: u64,
    /// Pair index.
    q: usize,
    /// Time step of the study.
    step: usize,
    /// Whole years after the start.
    horizon: u32,
    class: Class,
}

/// A problem with the outcomes table: line (0 for the whole file), field, message.
type Problem = (u64, String, String);

fn problems_text(file: &str, problems: &[Problem]) -> String {
    let mut text = String::new();
    if problems.len() > 1 {
        let _ = writeln!(
            text,
            "{} problems in the outcomes table {file}:",
            problems.len()
        );
    }
    for (k, (line, field, msg)) in problems.iter().take(MAX_PROBLEMS).enumerate() {
        if k > 0 {
            text.push('\n');
        }
        if *line == 0 {
            let _ = write!(text, "{file}: {field}: {msg}");
        } else {
            let _ = write!(text, "{file}:{line}: {field}: {msg}");
        }
    }
    if problems.len() > MAX_PROBLEMS {
        let _ = write!(text, "\n… and {} more", problems.len() - MAX_PROBLEMS);
    }
    text
}

/// Parse and check an outcomes table against the study. Every problem is returned, located.
fn parse_outcomes(bytes: &[u8], study: &Study) -> Result<Vec<Outcome>, Vec<Problem>> {
    let mut lines = table_lines(bytes);
    let (header, column) = read_header(&mut lines)?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<(usize, usize), u64> = HashMap::new();
    for (line, record) in lines {
        let record = match record {
            Ok(r) => r,
            Err(msg) => {
                problems.push((line, "row".into(), msg));
                continue;
            }
        };
        if record.len() != header.len() {
            problems.push((
                line,
                "row".into(),
                format!(
                    "{} fields, expected {} as in the header ({})",
                    record.len(),
                    header.len(),
                    header.join(",")
                ),
            ));
            continue;
        }
        let fields = column.map(|c| record[c].as_str());
        let Some(row) = parse_row(line, fields, study, &mut problems) else {
            continue;
        };
        if let Some(first) = seen.insert((row.q, row.step), line) {
            let (x, y) = study.pair_name(row.q);
            problems.push((
                line,
                "a,b,year".into(),
                format!(
                    "{x}-{y} in {} is already coded on line {first}; give each pair and year once",
                    study.step_years[row.step]
                ),
            ));
            continue;
        }
        rows.push(row);
    }
    if problems.is_empty() && !rows.iter().any(|r| r.horizon > 0) {
        problems.push((
            0,
            "year".into(),
            format!(
                "no row after the study's start year {}: nothing to score; code pairs in whole years {}..={}",
                study.start,
                study.start + 1,
                study.end_year()
            ),
        ));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The header's fields and where each of [`COLUMNS`] is among them.
fn read_header(
    lines: &mut impl Iterator<Item = (u64, Result<Vec<String>, String>)>,
) -> Result<(Vec<String>, [usize; 4]), Vec<Problem>> {
    let expected_header = "expected a header line with the columns a,b,year,outcome";
    let Some((header_line, header)) = lines.next() else {
        return Err(vec![(
            0,
            "header".into(),
            format!(
                "the file is empty (no line but blank lines and # comments); {expected_header}"
            ),
        )]);
    };
    let header = header.map_err(|msg| vec![(header_line, "header".to_string(), msg)])?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut column = [usize::MAX; 4];
    for (c, name) in COLUMNS.iter().enumerate() {
        let at: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| h == name)
            .map(|(k, _)| k)
            .collect();
        match at.as_slice() {
            [k] => column[c] = *k,
            [] => problems.push((
                header_line,
                "header".into(),
                format!(
                    "no column `{name}` (found: {}); {expected_header} (any order; other columns are ignored)",
                    header.join(",")
                ),
            )),
            _ => problems.push((
                header_line,
                "header".into(),
                format!("column `{name}` appears {} times; give it once", at.len()),
            )),
        }
    }
    if problems.is_empty() {
        Ok((header, column))
    } else {
        Err(problems)
    }
}

/// One row's fields `[a, b, year, outcome]` checked against the study: the outcome, or
/// `None` with every problem of the row added to `problems`.
fn parse_row(
    line: u64,
    [a, b, year, outcome]: [&str; 4],
    study: &Study,
    problems: &mut Vec<Problem>,
) -> Option<Outcome> {
    let a = state_of(line, "a", a, study, problems);
    let b = state_of(line, "b", b, study, problems);
    let mut q = None;
    if let (Some(i), Some(k)) = (a, b) {
        if i == k {
            problems.push((
                line,
                "b".into(),
                format!(
                    "same state as a (`{}`); a pair needs two different states",
                    study.ids[i]
                ),
            ));
        } else {
            q = Some(study.pair[&(i.min(k), i.max(k))]);
        }
    }
    let step = parse_year(year, study).map_err(|msg| {
        problems.push((line, "year".into(), msg));
    });
    let class = Class::parse(outcome);
    if class.is_none() {
        let hint = closest(outcome, Class::ALL.map(Class::name))
            .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
        problems.push((
            line,
            "outcome".into(),
            format!("found `{outcome}`{hint}; expected ally, neutral or rival (lower case)"),
        ));
    }
    let (Some(q), Ok((step, horizon)), Some(class)) = (q, step, class) else {
        return None;
    };
    Some(Outcome {
        line,
        q,
        step,
        horizon,
        class,
    })
}

/// The index of the state `value` of the field `name`, or `None` with a problem added.
fn state_of(
    line: u64,
    name: &str,
    value: &str,
    study: &Study,
    problems: &mut Vec<Problem>,
) -> Option<usize> {
    let found = study.ids.iter().position(|id| id == value);
    if found.is_none() {
        let hint = closest(value, study.ids.iter().map(String::as_str))
            .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
        let what = if value.is_empty() {
            "empty".to_string()
        } else {
            format!("unknown state `{value}`{hint}")
        };
        problems.push((
            line,
            name.into(),
            format!(
                "{what}; expected a state id of the study: {}",
                study.id_list()
            ),
        ));
    }
    found
}

/// The step and whole-year horizon of a year field, or why it is not a scorable year.
fn parse_year(v: &str, study: &Study) -> Result<(usize, u32), String> {
    let range = format!("{}..={}", study.start, study.end_year());
    let year: f64 = match v.parse::<f64>() {
        Ok(y) if y.is_finite() => y,
        _ => {
            return Err(format!(
                "found `{v}`; expected a year (a number) in the study's years {range}"
            ));
        }
    };
    let h = year - study.start_year;
    if h < -YEAR_EPS || h > study.horizon + YEAR_EPS {
        return Err(format!(
            "{v} is outside the study's years {range} (start year to horizon)"
        ));
    }
    if (h - h.round()).abs() > YEAR_EPS {
        return Err(format!(
            "{v} is not a whole number of years after the start year {}; expected a whole year in {range}",
            study.start
        ));
    }
    let steps = h / study.dt;
    if (steps - steps.round()).abs() > YEAR_EPS * steps.max(1.0) {
        return Err(format!(
            "{v} is not a time step of the study (it observes every {} years from {}); expected a year in {range} on a step",
            format_year(study.dt),
            study.start
        ));
    }
    Ok((steps.round() as usize, h.round() as u32))
}

/// The lines of a CSV table that hold data, with their 1-based line numbers and their fields
/// (trimmed), or why a line cannot be read. Blank lines and lines starting with `#` are
/// skipped; a UTF-8 byte-order mark and `\r\n` line ends are accepted. Each line is one
/// record (a quoted field cannot span lines), so every problem has its exact line.
fn table_lines(bytes: &[u8]) -> impl Iterator<Item = (u64, Result<Vec<String>, String>)> + '_ {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(k, raw)| {
            let line = k as u64 + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let Ok(text) = std::str::from_utf8(raw) else {
                return Some((line, Err("not valid UTF-8 text".to_string())));
            };
            let t = text.trim();
            if t.is_empty() || t.starts_with('#') {
                return None;
            }
            if t.matches('"').count() % 2 == 1 {
                let msg = "a quoted field is not closed on this line (a field cannot span lines)";
                return Some((line, Err(msg.to_string())));
            }
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let mut record = csv::StringRecord::new();
            let fields = match reader.read_record(&mut record) {
                Ok(true) => Ok(record.iter().map(str::to_string).collect()),
                Ok(false) => Ok(Vec::new()),
                Err(e) => Err(format!("not valid CSV: {e}")),
            };
            Some((line, fields))
        })
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
