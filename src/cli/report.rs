//! `entente report [RESULTS_DIR]`: one self-contained HTML page of a results folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use entente::output::{Head, Kind, ManifestError, OutputDir};
use entente::scenario::Scenario;
use entente::teach::backtest::{self, Backtest};
use entente::teach::report::{self, ReportOptions, Results};
use entente::teach::sweep::{self, Study, Sweep, SweepOptions};

/// The report's file name in a results folder.
pub const REPORT_HTML: &str = entente::output::REPORT;

/// Write an HTML report of a results folder: charts, threat matrix, parameters and sources.
#[derive(clap::Args)]
#[command(
    after_help = "RESULTS_DIR is a folder written by `entente run` (default: results/vostok-2018, the
flagship's). The report is one HTML file with everything inside (inline SVG charts and styles,
no script, no font or file from elsewhere): open it in any browser, offline, or print it.

It shows: the most likely alliances and rivalries; alignment over time of key pairs as fan
charts (median and 5-95 % band); the probability of alliance over time; the most frequent final
camps; the threat matrix at the start as a heat map; balancing and bandwagoning by state; a short
summary of the scenario's assumptions; the model parameters (symbol, name, meaning, unit and
value); the sources (each source key the scenario cites, with its full reference); and a
glossary. --appendix adds every value of the scenario with its note and source (a long
print: the page without it fits in a few A4 pages). The scenario is re-read from the file the
manifest names (scenario_path, else scenario_file), with its theory and --set applied again.

A folder written by `entente backtest` or `entente score` (its manifest.json has \"kind\":
\"backtest\" or \"score\") gives another page: the overall scores of the model, persistence and
climatology with a plain reading, the reliability diagram per horizon, the model's skill by
start year, and the pairs that changed class with the model's probability for what happened.
Its files are checked as they are read: a malformed row stops the report with the file, line
and field (--pairs applies to run folders only).

A folder written by `entente landscape` (\"kind\": \"landscape\") gives a page of its local
minima (each actor's camp, the basins) and each actor's frustration in the lowest minima.

A folder written by `entente sweep` (\"kind\": \"sweep\") gives a page of how the outcomes
move with the factors: line charts against the factor for one factor, heat maps for two on a
grid, bar charts of the Morris or Sobol indices with their intervals, or scatters against each
factor otherwise; each with a plain reading and the numbers behind it. --pairs chooses its
pairs (default: the 6 whose P(alliance) varies most across the points).

--sweep SWEEP_DIR adds a section \"What drives this result\" to the report of a study: the
sweep's charts for the report's pairs and the factor that matters most. The sweep must be of
the study's scenario.

Examples:
  entente run scenarios/tutorial/far-strongest-near-weaker.toml --runs 1000
  entente report results/far-strongest-near-weaker
  entente report results/vostok-2018 --pairs CHN-RUS,USA-CHN,USA-RUS,USA-JPN --out chn-rus.html
  entente run --report          (writes results/vostok-2018/report.html after the study)
  entente report results/vostok-2018 --appendix --out full.html   (with every note and source)
  entente report results/backtest     (a folder written by `entente backtest`)
  entente report results/sweep-mistrust     (a folder written by `entente sweep`)
  entente report results/vostok-2018 --sweep results/sweep-morris"
)]
pub struct Args {
    /// Results folder written by `entente run`, `entente backtest`, `entente score` or
    /// `entente sweep`.
    #[arg(value_name = "RESULTS_DIR", default_value = "results/vostok-2018")]
    dir: PathBuf,
    /// Output file (default: RESULTS_DIR/report.html; `-` for stdout).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Pairs for the time charts, comma-separated as A-B (default: the 6 pairs whose outcome
    /// is most uncertain across runs).
    #[arg(long, value_name = "PAIRS", value_delimiter = ',')]
    pairs: Vec<String>,
    /// A folder written by `entente sweep` of the same scenario: adds "What drives this
    /// result" to the report of a study.
    #[arg(long, value_name = "SWEEP_DIR")]
    sweep: Option<PathBuf>,
    /// Add the appendix to the report of a study: every value of the scenario (states, pairs,
    /// intents, events and each effect, [power], [params]) with its note and source. Without
    /// it the report prints in a few A4 pages.
    #[arg(long)]
    appendix: bool,
}

/// The kinds of folder `entente report` draws.
const REPORTED: [Kind; 5] = [
    Kind::Run,
    Kind::Sweep,
    Kind::Backtest,
    Kind::Score,
    Kind::Landscape,
];

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // The manifest's kind chooses the page. A folder whose manifest.json is missing or not a
    // JSON object is taken for a study's, whose reader says what is wrong.
    let kind = Head::of_folder(&args.dir, &REPORTED)?.map_or(Kind::Run, |h| h.kind);
    if args.sweep.is_some() && kind != Kind::Run {
        anyhow::bail!(
            "--sweep: applies to the results of `entente run`; {} is not such a folder",
            args.dir.display()
        );
    }
    if args.appendix
        && matches!(
            kind,
            Kind::Sweep | Kind::Backtest | Kind::Score | Kind::Landscape
        )
    {
        anyhow::bail!(
            "--appendix: applies to the results of `entente run`; {} was written by `entente {}`",
            args.dir.display(),
            kind.name()
        );
    }
    match kind {
        Kind::Sweep => {
            let page = sweep::html(
                &Sweep::read(&args.dir)?,
                &SweepOptions { pairs: args.pairs },
            )?;
            emit(&args.dir, args.out, &page)
        }
        Kind::Landscape => {
            if !args.pairs.is_empty() {
                anyhow::bail!(
                    "--pairs: applies to the results of `entente run`; {} was written by `entente landscape`",
                    args.dir.display()
                );
            }
            let page = entente::teach::landscape::html(&entente::teach::landscape::Folder::read(
                &args.dir,
            )?)?;
            emit(&args.dir, args.out, &page)
        }
        Kind::Backtest | Kind::Score => {
            if !args.pairs.is_empty() {
                anyhow::bail!(
                    "--pairs: applies to the results of `entente run`; {} was written by `entente {}`",
                    args.dir.display(),
                    kind.name()
                );
            }
            let html = backtest::html(&Backtest::read(&args.dir)?)?;
            emit(&args.dir, args.out, &html)
        }
        _ => study_page(args),
    }
}

/// The report of a study's results folder (`entente run`, `entente merge`), with "What drives
/// this result" from `--sweep`.
fn study_page(args: Args) -> anyhow::Result<ExitCode> {
    if !args.dir.join("manifest.json").is_file() {
        anyhow::bail!(
            "{}: not a results folder (no manifest.json); write one first, e.g. `entente run --out {}`",
            args.dir.display(),
            args.dir.display()
        );
    }
    let results = Results::read(&args.dir)?;
    let (scenario, warning) = match report::scenario_of(&results) {
        Ok((s, w)) => (Some(s), w),
        Err(e) => (
            None,
            Some(format!(
                "The scenario could not be loaded ({e}): the threat matrix and the assumptions are missing."
            )),
        ),
    };
    if let Some(w) = &warning {
        say!("entente report: warning: {w}");
    }
    // Read and check the sweep before drawing anything.
    let drivers = match &args.sweep {
        Some(dir) => {
            match Head::of_folder(dir, &Kind::ALL) {
                Ok(Some(h)) if h.kind == Kind::Sweep => {}
                Err(e @ ManifestError::NewerFormat { .. }) => return Err(e.into()),
                _ => anyhow::bail!(
                    "--sweep {}: not a folder written by `entente sweep` (its manifest.json has no \"kind\": \"sweep\")",
                    dir.display()
                ),
            }
            let s = Sweep::read(dir)?;
            let m = &results.manifest;
            s.check_scenario(dir, &m.scenario, &m.scenario_file)?;
            let pairs: Vec<String> = if args.pairs.is_empty() {
                let named = scenario.as_ref().map_or(Vec::new(), |sc| {
                    results.scenario_key_pairs(sc, report::KEY_PAIRS)
                });
                if named.is_empty() {
                    results.key_pairs(report::KEY_PAIRS)
                } else {
                    named
                }
                .into_iter()
                .map(|q| format!("{}-{}", results.summary[q].a, results.summary[q].b))
                .collect()
            } else {
                args.pairs.clone()
            };
            let study = Study {
                pairs,
                theory: m.theory.clone(),
                set: m.set.clone(),
            };
            Some(sweep::drivers(&s, &study)?)
        }
        None => None,
    };
    let opts = ReportOptions {
        pairs: args.pairs,
        appendix: args.appendix,
        ..ReportOptions::default()
    };
    let mut html = report::html(&results, scenario.as_ref(), warning.as_deref(), &opts)?;
    if let Some(section) = drivers {
        html = sweep::insert_drivers(&html, &section);
    }
    emit(&args.dir, args.out, &html)
}

/// Write the report to `out` (default: DIR/report.html; `-`: stdout).
fn emit(dir: &Path, out: Option<PathBuf>, html: &str) -> anyhow::Result<ExitCode> {
    let out = out.unwrap_or_else(|| dir.join(REPORT_HTML));
    if out == Path::new("-") {
        std::io::stdout()
            .write_all(html.as_bytes())
            .context("writing the report to stdout")?;
        return Ok(ExitCode::SUCCESS);
    }
    let path = write_html(&out, dir, html)?;
    println!("Report: {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// `run --report`: the report of the study just committed to `out` (whose lock it still
/// holds), whose scenario is `s`; `appendix`: with every source and note.
pub fn write_for_study(
    out: &mut OutputDir,
    s: &Scenario,
    appendix: bool,
) -> anyhow::Result<PathBuf> {
    let results = Results::read(out.path())?;
    let opts = ReportOptions {
        appendix,
        ..ReportOptions::default()
    };
    let html = report::html(&results, Some(s), None, &opts)?;
    out.write(REPORT_HTML, |w| w.write_all(html.as_bytes()))?;
    out.commit_and_hold()?;
    Ok(out.path().join(REPORT_HTML))
}

/// Write `html` to `path` atomically (a temporary file renamed into place). Into the
/// results folder `dir`, under its lock (refused while a study is being written there);
/// into another folder, without taking a lock there.
fn write_html(path: &Path, dir: &Path, html: &str) -> anyhow::Result<PathBuf> {
    let name = path
        .file_name()
        .with_context(|| format!("--out {}: expected a file name", path.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    let mut out = if same(parent, dir) {
        OutputDir::prepare(parent)?
    } else {
        OutputDir::prepare_shared(parent)?
    };
    out.write(&name, |w| w.write_all(html.as_bytes()))?;
    out.commit()?;
    Ok(path.to_path_buf())
}
