//! `entente landscape INPUT`: the alignment landscape of Axelrod & Bennett (1993), searched
//! exactly (every two-camp configuration) or approximately (steepest descents from random
//! starts): its local minima, their basins and each actor's frustration.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use entente::history::data::HistoryData;
use entente::history::select::Spec;
use entente::landscape::input::{self, InputError};
use entente::landscape::search::{self, Basins, Found, Weights};
use entente::landscape::write::{self as files, FILES, MinimumRow};
use entente::landscape::{BASINS_MAX, EXACT_MAX, Landscape, build};
use entente::output::{Kind, OutputDir};
use sha2::{Digest, Sha256};

use super::study::say_replaced;
use super::table::Table;

/// Find the local minima of an alignment landscape, their basins and frustrations.
#[derive(clap::Args)]
#[command(
    after_help = "Landscape theory (Axelrod & Bennett 1993): actors of sizes s_i with propensities p_ij
(positive: they want to be together) split into two camps; the energy of a configuration X is
E(X) = sum over ordered pairs i != j of s_i s_j p_ij d_ij(X), d_ij = 1 when i and j are in
different camps. A local minimum is a configuration no single actor can leave by switching
camps while strictly lowering E; its basin is the share of all configurations whose steepest
descent ends there. F_i(X) = sum over j != i of s_j p_ij d_ij(X) is actor i's frustration.

Input, one of:
  INPUT                 a landscape file (TOML: [landscape], [[actor]], [[pair]] or [matrix];
                        docs/landscape.md)
  --sizes S.csv --propensities P.csv
                        actor,size and a,b,p (one row per unordered pair), or a matrix CSV whose
                        header is an empty cell then the actor ids, each row an id then values
  --from-scenario FILE  an entente scenario: sizes are the initial powers, propensities the
                        initial alignments (the mapping of the camps of `entente run`)
  --from-history YEAR --states SPEC
                        the historical data of YEAR: sizes CINC, propensities from alliances,
                        rivalries, wars, disputes and borders (--assume NAME=VALUE; with
                        --write-landscape FILE, writes the landscape file and stops)
Every pair needs a propensity unless --default-p gives the missing ones a value.

Search: exact up to 32 actors (2^(n-1) configurations, every one visited), with basins up to
24 actors; --approximate runs steepest descents from --starts random configurations (ChaCha8,
--seed, one stream per start) and estimates basins as shares of the starts.

Writes to --out (default results/landscape-<name>), all together at the end:
  minima.csv       rank,energy,basin,camp_a,camp_b (camp_a holds the first actor)
  frustration.csv  rank,actor,frustration
  manifest.json    inputs and their SHA-256, mode, seed and starts, counts
The same inputs (and seed) give the same bytes whatever --threads.

Examples:
  entente landscape data/landscape/europe-1936.toml
  entente landscape data/landscape/textbook-triangle.toml --out results/triangle
  entente landscape --sizes sizes.csv --propensities p.csv --default-p 0
  entente landscape --from-scenario scenarios/vostok-2018.toml
  entente landscape --from-history 1936 --states UKG,FRN,GMY,ITA,RUS --write-landscape five.toml
  entente report results/landscape-europe-1936"
)]
#[command(group(
    clap::ArgGroup::new("input")
        .required(true)
        .args(["file", "sizes", "from_scenario", "from_history"])
))]
pub struct Args {
    /// Landscape file (TOML).
    #[arg(value_name = "INPUT")]
    file: Option<PathBuf>,
    /// Sizes CSV: actor,size (optional name, source, note columns).
    #[arg(long, value_name = "FILE.csv", requires = "propensities")]
    sizes: Option<PathBuf>,
    /// Propensities CSV: a,b,p rows, or a matrix with actor ids as header and first column.
    #[arg(long, value_name = "FILE.csv", requires = "sizes")]
    propensities: Option<PathBuf>,
    /// Build the landscape of a scenario's start (sizes: powers; propensities: alignments).
    #[arg(long, value_name = "SCENARIO")]
    from_scenario: Option<PathBuf>,
    /// Build the landscape of a year from the historical data (needs --states).
    #[arg(long, value_name = "YEAR", requires = "states")]
    from_history: Option<i32>,
    /// The states of --from-history: COW abbreviations (UKG,FRN,GMY), majors, top:N,
    /// region:NAME, joined by `+`.
    #[arg(long, value_name = "SPEC", requires = "from_history")]
    states: Option<String>,
    /// A folder of history data files to read instead of the built-in ones.
    #[arg(long, value_name = "DIR", requires = "from_history")]
    data: Option<PathBuf>,
    /// Change a --from-history assumption (repeatable): NAME=VALUE.
    #[arg(long, value_name = "NAME=VALUE", requires = "from_history")]
    assume: Vec<String>,
    /// Write the --from-history landscape to this file (TOML, its generating command in the
    /// header) and stop.
    #[arg(long, value_name = "FILE", requires = "from_history")]
    write_landscape: Option<PathBuf>,
    /// Propensity of every pair the input does not give (without it, a missing pair is an
    /// error).
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    default_p: Option<f64>,
    /// Steepest descents from random starts instead of the exact enumeration (any size).
    #[arg(long)]
    approximate: bool,
    /// Random starts of --approximate.
    #[arg(long, value_name = "K", default_value_t = 10_000, requires = "approximate",
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    starts: u64,
    /// Seed of --approximate's starts.
    #[arg(long, value_name = "S", default_value_t = 1, requires = "approximate")]
    seed: u64,
    /// Do not compute basins (exact mode; they are computed up to 24 actors otherwise).
    #[arg(long)]
    no_basins: bool,
    /// At most this many minima are listed in the files (the lowest; all are counted).
    #[arg(long, value_name = "K", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_minima: u64,
    /// Minima printed (the lowest).
    #[arg(long, value_name = "K", default_value_t = 10)]
    show: usize,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
    /// Results folder (default: results/landscape-<name>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Where the landscape came from, for the manifest and the text.
struct Origin {
    kind: &'static str,
    inputs: Vec<(String, String)>,
    extra: serde_json::Value,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(p) = args.default_p
        && !(p.is_finite() && p.abs() <= entente::landscape::PROPENSITY_MAX)
    {
        bail!("--default-p {p}: expected a finite number from -1e6 to 1e6");
    }
    let (landscape, origin) = match load(&args) {
        Ok(x) => x,
        Err(Loaded::Input(e @ InputError::Read { .. })) => return Err(e.into()),
        Err(Loaded::Input(e)) => {
            say!("{e}");
            let k = e.count();
            bail!("{k} problem{} found", if k == 1 { "" } else { "s" });
        }
        Err(Loaded::Other(e)) => return Err(e),
        Err(Loaded::Written(code)) => return Ok(code),
    };
    let n = landscape.n();
    if n > EXACT_MAX && !args.approximate {
        bail!(
            "{n} actors: the exact enumeration takes at most {EXACT_MAX} actors (2^{} configurations); use --approximate (steepest descents from --starts random configurations, --seed)",
            EXACT_MAX - 1
        );
    }
    let basins = !args.approximate && !args.no_basins && n <= BASINS_MAX;
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("landscape-{}", landscape.name)));
    let mut out = OutputDir::prepare(&out_path)?;
    let threads = super::study::threads_or_all(args.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    let keep = args.max_minima as usize;
    let weights = Weights::new(&landscape);
    let started = std::time::Instant::now();
    let found = pool
        .install(|| {
            if args.approximate {
                search::approximate(&weights, args.seed, args.starts, keep)
            } else {
                search::exact(&weights, basins, keep)
            }
        })
        .map_err(anyhow::Error::msg)?;
    let took = started.elapsed();
    let rows = files::rows(&landscape, &found);
    let manifest = manifest(&args, &landscape, &origin, &found, &weights, basins);
    files::write_folder(&mut out, &landscape, &rows, &manifest)?;
    let shown = out.path().display().to_string();
    say_replaced(&shown, &out.commit()?, false);
    print!(
        "{}",
        text(&args, &landscape, &origin, &found, &rows, &shown)
    );
    say!(
        "entente landscape: searched in {:.2} s on {threads} thread{}",
        took.as_secs_f64(),
        if threads == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

enum Loaded {
    Input(InputError),
    Other(anyhow::Error),
    Written(ExitCode),
}

impl From<InputError> for Loaded {
    fn from(e: InputError) -> Self {
        Loaded::Input(e)
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn load(args: &Args) -> Result<(Landscape, Origin), Loaded> {
    let other = |e: anyhow::Error| Loaded::Other(e);
    if let Some(path) = &args.file {
        let (text, name) = input::read_text(path)?;
        let l = input::parse_toml(&text, &name, args.default_p)?;
        return Ok((
            l,
            Origin {
                kind: "file",
                inputs: vec![(name, sha256(&text))],
                extra: serde_json::Value::Null,
            },
        ));
    }
    if let (Some(s), Some(p)) = (&args.sizes, &args.propensities) {
        let (st, sn) = input::read_text(s)?;
        let (pt, pn) = input::read_text(p)?;
        let stem = s
            .file_stem()
            .map(|x| x.to_string_lossy().into_owned())
            .filter(|x| entente::landscape::is_valid_name(x))
            .unwrap_or_else(|| "csv".into());
        let l = input::parse_csv((&st, &sn), (&pt, &pn), &stem, args.default_p)?;
        return Ok((
            l,
            Origin {
                kind: "csv",
                inputs: vec![(sn, sha256(&st)), (pn, sha256(&pt))],
                extra: serde_json::Value::Null,
            },
        ));
    }
    if let Some(path) = &args.from_scenario {
        let (text, name) = entente::scenario::read(path).map_err(|e| other(e.into()))?;
        let s = entente::scenario::parse(&text, &name).map_err(|e| other(e.into()))?;
        let l = build::from_scenario(&s);
        return Ok((
            l,
            Origin {
                kind: "scenario",
                inputs: vec![(name, sha256(&text))],
                extra: serde_json::json!({
                    "mapping": "size = the state's initial power; p = the pair's initial alignment (as model::camps at the end of a run)"
                }),
            },
        ));
    }
    let (Some(year), Some(spec)) = (args.from_history, &args.states) else {
        return Err(other(anyhow::anyhow!(
            "expected an input: a landscape file, --sizes with --propensities, --from-scenario or --from-history"
        )));
    };
    let d = HistoryData::load(args.data.as_deref()).map_err(|e| other(e.into()))?;
    let codes = Spec::parse(spec)
        .and_then(|s| s.resolve(&d, year))
        .map_err(|e| other(e.into()))?;
    let values = build::assumptions(&args.assume).map_err(|e| other(anyhow::anyhow!(e)))?;
    let mut command = format!("entente landscape --from-history {year} --states {spec}");
    for a in &args.assume {
        let _ = write!(command, " --assume {a}");
    }
    if let Some(w) = &args.write_landscape {
        let _ = write!(command, " --write-landscape {}", w.display());
    }
    let name = args
        .write_landscape
        .as_ref()
        .and_then(|w| w.file_stem())
        .map(|x| x.to_string_lossy().into_owned())
        .filter(|x| entente::landscape::is_valid_name(x))
        .unwrap_or_else(|| format!("history-{year}"));
    let text = build::history_toml(&d, year, &codes, &values, &name, &command)
        .map_err(|e| other(anyhow::anyhow!(e)))?;
    if let Some(w) = &args.write_landscape {
        write_file(w, &text).map_err(other)?;
        println!(
            "Wrote {} ({} actors, landscape of {year}); analyse it with `entente landscape {}`",
            w.display(),
            codes.len(),
            w.display()
        );
        return Err(Loaded::Written(ExitCode::SUCCESS));
    }
    let l = input::parse_toml(&text, "<generated>", None)?;
    Ok((
        l,
        Origin {
            kind: "history",
            inputs: vec![(d.origin.clone(), sha256(&text))],
            extra: serde_json::json!({ "year": year, "states": spec, "assume": args.assume }),
        },
    ))
}

/// Write `text` to `path` atomically (a temporary file renamed into place).
fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("--write-landscape {}: expected a file name", path.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut out = OutputDir::prepare_shared(parent)?;
    out.write(&name, |w| w.write_all(text.as_bytes()))?;
    out.commit()?;
    Ok(())
}

fn manifest(
    args: &Args,
    l: &Landscape,
    origin: &Origin,
    found: &Found,
    weights: &Weights,
    basins: bool,
) -> serde_json::Value {
    let n = l.n();
    let (mode, basin_kind) = match found.basins {
        Basins::None => ("exact", "none"),
        Basins::Exact { .. } => ("exact", "exact"),
        Basins::Starts { .. } => ("approximate", "estimated"),
    };
    let _ = basins;
    serde_json::json!({
        "kind": Kind::Landscape,
        "format": Kind::Landscape.format(),
        "entente_version": env!("CARGO_PKG_VERSION"),
        "landscape": l.name,
        "title": l.title,
        "input": origin.kind,
        "inputs": origin.inputs.iter().map(|(p, h)| serde_json::json!({"path": p, "sha256": h})).collect::<Vec<_>>(),
        "from": origin.extra,
        "n": n,
        "actors": l.actors.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        "default_p": args.default_p,
        "pairs_defaulted": l.defaulted,
        "mode": mode,
        "configurations": if args.approximate { serde_json::Value::Null } else { serde_json::json!(1u64 << (n - 1)) },
        "seed": if args.approximate { serde_json::json!(args.seed) } else { serde_json::Value::Null },
        "starts": if args.approximate { serde_json::json!(args.starts) } else { serde_json::Value::Null },
        "basins": basin_kind,
        "minima_found": found.total,
        "minima_listed": found.minima.len(),
        "weight_scale_exp": weights.scale_exp,
        "files": FILES,
    })
}

fn text(
    args: &Args,
    l: &Landscape,
    origin: &Origin,
    found: &Found,
    rows: &[MinimumRow],
    dir: &str,
) -> String {
    let n = l.n();
    let mut o = String::new();
    let what = match found.basins {
        Basins::Starts { starts } => format!(
            "approximate: steepest descents from {starts} random configurations (seed {})",
            args.seed
        ),
        Basins::Exact { configurations } => {
            format!("exact: all {configurations} configurations, with basins")
        }
        Basins::None => format!(
            "exact: all {} configurations{}",
            1u64 << (n - 1),
            if n > BASINS_MAX {
                format!(" (basins are computed up to {BASINS_MAX} actors)")
            } else {
                " (basins not computed: --no-basins)".into()
            }
        ),
    };
    let _ = writeln!(o, "Landscape {} ({}): {n} actors; {what}.", l.name, l.title);
    if l.defaulted > 0 {
        let _ = writeln!(
            o,
            "{} pairs took the default propensity {}.",
            l.defaulted,
            args.default_p.unwrap_or(0.0)
        );
    }
    let found_word = if matches!(found.basins, Basins::Starts { .. }) {
        "distinct local minima reached"
    } else {
        "local minima"
    };
    let _ = writeln!(
        o,
        "{} {found_word}{}, lowest energy first:\n",
        found.total,
        if (found.minima.len() as u64) < found.total {
            format!(" ({} listed in minima.csv)", found.minima.len())
        } else {
            String::new()
        }
    );
    let mut t = Table::new(&["rank", "energy", "basin", "<camp A", "<camp B"]);
    for r in rows.iter().take(args.show) {
        t.row(vec![
            r.rank.to_string(),
            format!("{:.6}", r.energy),
            r.basin
                .map_or("-".into(), |b| format!("{:.1} %", 100.0 * b)),
            r.camp(l, false),
            r.camp(l, true),
        ]);
    }
    o.push_str(&t.render());
    if rows.len() > args.show {
        let _ = writeln!(o, "({} more in minima.csv)", rows.len() - args.show);
    }
    let _ = writeln!(
        o,
        "\nFiles: {dir}/ ({}); `entente report {dir}` draws them.",
        FILES.join(", ")
    );
    if origin.kind == "scenario" {
        let _ = writeln!(
            o,
            "To compare with the dynamic model: `entente run {} --out results/{}`, then read its camps.csv (camp_a, camp_b in the same order): the runs' most frequent final camps against these minima of the start.",
            origin.inputs[0].0, l.name
        );
    }
    o
}
