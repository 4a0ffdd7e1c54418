//! `entente history YEAR`: a validated scenario for a year, built from the historical data.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use entente::history::build::{self, Assumptions, BuildOptions};
use entente::history::coding::{Coding, Precedence};
use entente::history::data::HistoryData;
use entente::history::select::{DEFAULT_SPEC, Spec};
use entente::output::OutputDir;

/// Write a scenario for a year from the historical data sets.
#[derive(clap::Args)]
#[command(
    after_help = "The scenario holds the states of --states as they stood in YEAR: power from the six COW
capability components (CINC computed among these states), GDP and trade (interdependence),
capitals (distances), contiguity (borders), ATOP alliance obligations, strategic rivalries and
recent militarized disputes (initial alignments and mistrust). Every figure carries a comment
naming its data set and year; every judgement call is marked `Assumption:` and comes from a
named default that --assume overrides (the list: docs/history.md, and the file's header).

--states SPEC: parts joined by `+`, each one of
  UKG,FRN,GMY    COW abbreviations (data/history/states.csv)
  majors         the major powers that year
  top:N          the N largest states by CINC that year
  region:NAME    americas, europe, africa, middle-east or asia (COW code ranges)

Examples:
  entente history 1913 --states majors
  entente history 1904 --states majors+region:europe --out europe-1904.toml
  entente history 1965 --states CHN,JPN,USA,RUS,ROK,PRK,TAW --horizon 10
  entente history 1913 --assume ally_alignment=0.7 --precedence ally
  entente history 1913 --states majors --out s.toml && entente run s.toml"
)]
pub struct Args {
    /// Start year of the scenario (within the data: 1816–1989 for the built-in copy).
    #[arg(value_name = "YEAR", allow_hyphen_values = true)]
    year: i32,
    /// Which states: abbreviations, majors, top:N, region:NAME, joined by `+`.
    #[arg(long, value_name = "SPEC", default_value = DEFAULT_SPEC)]
    states: String,
    /// Simulated years.
    #[arg(long, value_name = "YEARS", default_value_t = 10.0)]
    horizon: f64,
    /// Output file (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Folder of history CSV files in the format of data/history (default: the built-in copy).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Scenario name (default: history-YEAR).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Override a judgement call, NAME=VALUE (repeatable; see docs/history.md).
    #[arg(long = "assume", value_name = "NAME=VALUE")]
    assume: Vec<String>,
    #[command(flatten)]
    coding: CodingArgs,
}

/// The outcome coding flags, shared by `history` and `backtest`.
#[derive(clap::Args, Debug, Clone)]
pub struct CodingArgs {
    /// Years of disputes that code a pair as rivals: the year and the ones before.
    #[arg(long, value_name = "YEARS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub window: u32,
    /// Lowest dispute hostility that codes rivals (1 none … 4 use of force, 5 war).
    #[arg(long, value_name = "LEVEL", default_value_t = 4,
          value_parser = clap::value_parser!(u8).range(1..=5))]
    pub hostility: u8,
    /// Which class a pair gets when it is both allied and rivals: rival or ally.
    #[arg(long, value_name = "CLASS", default_value = "rival")]
    pub precedence: Precedence,
}

impl CodingArgs {
    /// The coding these flags describe.
    pub fn coding(&self) -> Coding {
        Coding {
            window: self.window,
            min_hostility: self.hostility,
            precedence: self.precedence,
        }
    }
}

/// Parse `--assume` assignments.
pub fn assumptions(assume: &[String]) -> anyhow::Result<Assumptions> {
    let mut a = Assumptions::default();
    for s in assume {
        a.set(s).map_err(anyhow::Error::msg)?;
    }
    Ok(a)
}

/// Check that `year` lies in the data, with a message that says what is valid.
pub fn check_year(d: &HistoryData, year: i32, what: &str) -> anyhow::Result<()> {
    if year < d.first_year || year > d.last_year {
        bail!(
            "{what} {year} is outside the data ({}: {}–{}); give a year in that range, or --data DIR with files that cover it",
            d.origin,
            d.first_year,
            d.last_year
        );
    }
    Ok(())
}

/// The command line as typed, for headers.
pub fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    format!("entente {}", args.join(" "))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(args.horizon > 0.0 && args.horizon <= 1000.0) {
        bail!(
            "--horizon {}: expected a number of years in (0, 1000]",
            args.horizon
        );
    }
    let spec = Spec::parse(&args.states)?;
    let assumptions = assumptions(&args.assume)?;
    let d = HistoryData::load(args.data.as_deref())?;
    check_year(&d, args.year, "year")?;
    let codes = spec.resolve(&d, args.year)?;
    let built = build::build(
        &d,
        &codes,
        &BuildOptions {
            year: args.year,
            horizon: args.horizon,
            name: args.name.clone(),
            spec: spec.text.clone(),
            coding: args.coding.coding(),
            assumptions,
            command: command_line(),
        },
    )
    .map_err(anyhow::Error::msg)?;
    match &args.out {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(built.text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => write_atomically(path, built.text.as_bytes())?,
    }
    if args.out.is_some() {
        say!(
            "wrote {} ({} states, {} in {}; validates)",
            args.out
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string()),
            built.scenario.n(),
            spec,
            args.year
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Write a file under a temporary name and rename it into place: never half-written.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let shown = path.display().to_string();
    if path.is_dir() {
        bail!("{shown}: is a folder; expected a file name for the scenario");
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        bail!(
            "{shown}: the folder {} does not exist; create it first",
            dir.display()
        );
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "scenario.toml".into());
    // One file into any folder: no lock taken, nothing else touched.
    let mut out = OutputDir::prepare_shared(&dir)?;
    out.write(&name, |w| w.write_all(bytes))?;
    out.commit()?;
    Ok(())
}
