//! `entente run [SCENARIO]`: the Monte Carlo study, its files and its summary.

use std::io::{IsTerminal, Seek};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::{Context, bail};
use entente::engine::{self, OrderedSink, Shard, ShardSpec, Study, shard};
use entente::model::world::upper;
use entente::output::{self, Manifest, OutputDir, OutputError, PartManifest, format_year};
use entente::scenario::{self, FLAGSHIP_NAME, FLAGSHIP_TOML, Scenario};
use entente::stats::{StudyStats, wilson95};

/// Run a Monte Carlo study and write its results as CSV files.
#[derive(clap::Args)]
#[command(
    after_help = "Without SCENARIO, runs the built-in flagship scenario (Vostok-2018).

Files written to --out (default results/<scenario name>/):
  summary.csv     one row per pair at the horizon: P(alliance), P(rivalry), alignment quantiles
  timeseries.csv  one row per year step and pair: mean and quantiles of alignment, P(alliance)
  states.csv      one row per year step and state: power share, threat, decisions
  camps.csv       final two-camp partitions and their frequencies
  runs.csv        with --per-run: final alignment of every pair in every run
  manifest.json   version, scenario hash, seed, runs, parameters, times

With --shard K/N, runs only shard K of N (runs R·K/N to R·(K+1)/N) and writes one partial
result, --out/part-K-of-N.entente (default --out: results/<scenario name>/parts/); combine the
shards with `entente merge`. --shard auto takes K and N from the launcher (a Slurm job array,
mpirun, srun); see docs/cluster.md.

--set PATH=VALUE changes a model parameter or a scenario value (repeatable):
  --set eta=0.3  --set state.CHN.aggression=0.6  --set pair.CHN-RUS.mistrust=0.6
  --set intent.USA-CHN=0.9  --set threat_form=sum

Examples:
  entente run
  entente run --runs 100000 --seed 7
  entente run scenarios/latest.toml --theory waltz --out results/latest-waltz
  entente run --set intent.USA-RUS=1.0 --set intent.USA-CHN=1.0 --out results/pressure
  entente run --runs 100000 --shard 3/20 --out parts && entente merge parts"
)]
pub struct Args {
    /// Scenario file (default: the built-in flagship).
    #[arg(value_name = "SCENARIO")]
    scenario: Option<PathBuf>,
    /// Number of Monte Carlo runs (default: the scenario's `runs`).
    #[arg(long, value_name = "N")]
    runs: Option<u64>,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Theory preset: walt, waltz, bandwagon or liberal (default: the scenario's).
    #[arg(long, value_name = "NAME")]
    theory: Option<String>,
    /// Override a parameter or scenario value, PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Results folder (default: results/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
    /// Also write runs.csv with one row per run.
    #[arg(long)]
    per_run: bool,
    /// Run only shard K of N (0 ≤ K < N) and write a partial result for `entente merge`;
    /// `auto`: K and N from the launcher (Slurm array, mpirun, srun); `auto/N`: N shards,
    /// K from the launcher (a Slurm array's index is the shard number).
    #[arg(long, value_name = "K/N|auto|auto/N")]
    shard: Option<ShardSpec>,
    /// No progress bar and no summary on stdout.
    #[arg(long, short)]
    quiet: bool,
    /// Also write report.html (charts, threat matrix, assumptions) after the CSV files; see
    /// `entente report`.
    #[arg(long, conflicts_with = "shard")]
    report: bool,
}

/// Load the scenario and apply `--theory` and `--set`, in that order.
pub fn resolve(
    file: Option<&std::path::Path>,
    theory: Option<&str>,
    set: &[String],
) -> anyhow::Result<Scenario> {
    let (text, name) = scenario_text(file)?;
    resolve_text(&text, &name, theory, set)
}

/// The text of the scenario file, or of the built-in flagship, with its name for messages.
pub fn scenario_text(file: Option<&Path>) -> anyhow::Result<(String, String)> {
    Ok(match file {
        Some(p) => scenario::read(p)?,
        None => (FLAGSHIP_TOML.to_string(), FLAGSHIP_NAME.to_string()),
    })
}

/// Parse scenario text (named `name` in messages) and apply `--theory` and `--set`.
pub fn resolve_text(
    text: &str,
    name: &str,
    theory: Option<&str>,
    set: &[String],
) -> anyhow::Result<Scenario> {
    let mut s = scenario::parse(text, name)?;
    s.apply_choices(theory, set).map_err(anyhow::Error::msg)?;
    Ok(s)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (text, name) = scenario_text(args.scenario.as_deref())?;
    let s = resolve_text(&text, &name, args.theory.as_deref(), &args.set)?;
    let runs = args.runs.unwrap_or(s.runs);
    if runs == 0 {
        bail!("--runs 0: expected at least one run");
    }
    let seed = args.seed.unwrap_or(s.seed);
    let threads = match args.threads {
        Some(t) => t as usize,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    if let Some(spec) = args.shard {
        let shard = find_shard(spec, runs)?;
        return run_shard(&args, &s, text, shard, runs, seed, threads);
    }
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&s.name));
    // Check the destination before any work.
    let mut out = OutputDir::prepare(&out_path)?;

    let started = SystemTime::now();
    let clock = Instant::now();
    let bar = progress_bar(args.quiet, runs);
    let progress = |k: u64| {
        if let Some(b) = &bar {
            b.inc(k);
        }
    };
    let study = Study {
        scenario: &s,
        params: s.params.clone(),
        seed,
        runs: 0..runs,
        threads,
    };

    let stats = if args.per_run {
        let mut w = out.create(RUNS_CSV)?;
        use std::io::Write;
        w.write_all(output::runs_header(&s).as_bytes())
            .context("writing runs.csv")?;
        let sink = OrderedSink::new(Box::new(w));
        let fmt = |o: &entente::model::RunOutcome, buf: &mut Vec<u8>| output::runs_row(&s, o, buf);
        let stats = engine::run(&study, &progress, Some((&fmt, &sink)))?;
        sink.finish()
            .with_context(|| format!("{}: cannot write runs.csv", out.path().display()))?;
        stats
    } else {
        engine::run(&study, &progress, None)?
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    write_tables(&mut out, &s, &stats)?;
    let manifest = Manifest {
        entente_version: env!("CARGO_PKG_VERSION").into(),
        scenario: s.name.clone(),
        scenario_file: scenario_file_shown(args.scenario.as_deref()),
        scenario_path: scenario_path_absolute(args.scenario.as_deref()),
        scenario_sha256: output::scenario_sha256(&s),
        seed,
        runs,
        theory: s.theory.name().into(),
        params: Manifest::params_of(&s),
        set: args.set.clone(),
        files: result_files(args.per_run),
        shards: None,
        threads,
        started: rfc3339(started),
        finished: rfc3339(SystemTime::now()),
        wall_seconds: seconds(clock),
    };
    let dir = commit_study(out, &manifest, &s, &stats, clock, args.quiet)?;
    // --report (teaching): report.html from the files just committed.
    if args.report {
        let html = super::report::write_for_study(Path::new(&dir), &s)?;
        if !args.quiet {
            println!("Report: {}", html.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The name of `runs.csv`.
pub const RUNS_CSV: &str = "runs.csv";

/// A progress bar on stderr over `len` runs, unless quiet or stderr is not a terminal.
pub fn progress_bar(quiet: bool, len: u64) -> Option<indicatif::ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} runs [{bar:40}] {percent}% eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b
    })
}

/// A time as RFC 3339 UTC, to the second.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Seconds since `clock`, to the millisecond.
pub fn seconds(clock: Instant) -> f64 {
    (clock.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// How the scenario appears in manifests: the path as given, or the built-in flagship.
pub fn scenario_file_shown(file: Option<&Path>) -> String {
    file.map_or(FLAGSHIP_NAME.to_string(), |p| p.display().to_string())
}

/// The scenario file's absolute path, for manifests (none for the built-in flagship, or when
/// the path cannot be resolved: the manifest then has the path as given only).
pub fn scenario_path_absolute(file: Option<&Path>) -> Option<String> {
    file.and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| p.display().to_string())
}

/// The files of a results folder, as listed in its manifest.
pub fn result_files(per_run: bool) -> Vec<String> {
    let mut files: Vec<String> = ["summary.csv", "timeseries.csv", "states.csv", "camps.csv"]
        .map(String::from)
        .to_vec();
    if per_run {
        files.push(RUNS_CSV.into());
    }
    files.push("manifest.json".into());
    files
}

/// Write the four summary tables of a study.
pub fn write_tables(
    out: &mut OutputDir,
    s: &Scenario,
    stats: &StudyStats,
) -> Result<(), OutputError> {
    out.write("summary.csv", |w| output::summary_csv(s, stats, w))?;
    out.write("timeseries.csv", |w| output::timeseries_csv(s, stats, w))?;
    out.write("states.csv", |w| output::states_csv(s, stats, w))?;
    out.write("camps.csv", |w| output::camps_csv(s, stats, w))
}

/// Write `manifest.json`.
/// Write `manifest.json`, rename every file into place, and print the summary unless
/// `quiet`. Returns the results folder as shown to the user.
pub fn commit_study(
    mut out: OutputDir,
    manifest: &Manifest,
    s: &Scenario,
    stats: &StudyStats,
    clock: Instant,
    quiet: bool,
) -> anyhow::Result<String> {
    write_manifest(&mut out, manifest)?;
    let dir = out.path().display().to_string();
    out.commit()?;
    if !quiet {
        let seconds = clock.elapsed().as_secs_f64();
        print!("{}", summary_text(s, stats, manifest.seed, seconds, &dir));
    }
    Ok(dir)
}

pub fn write_manifest(out: &mut OutputDir, manifest: &Manifest) -> Result<(), OutputError> {
    out.write("manifest.json", |w| {
        serde_json::to_writer_pretty(&mut *w, manifest)?;
        w.write_all(b"\n")
    })
}

/// The shard `--shard` asks for; `auto` says on stderr what it found.
pub fn find_shard(spec: ShardSpec, runs: u64) -> anyhow::Result<Shard> {
    let shard = match spec {
        ShardSpec::Fixed(shard) => shard,
        ShardSpec::Auto { count } => {
            let found = shard::detect(|name| std::env::var(name).ok(), count)?;
            let r = found.shard.runs(runs);
            eprintln!(
                "entente: --shard auto: found {}, {}: shard {} of {}, runs {}..{} of {runs}",
                found.launcher,
                found.variables,
                found.shard.index,
                found.shard.count,
                r.start,
                r.end
            );
            found.shard
        }
    };
    Ok(shard)
}

/// `--shard`: run one shard and write its partial result.
fn run_shard(
    args: &Args,
    s: &Scenario,
    scenario_source: String,
    shard: Shard,
    runs: u64,
    seed: u64,
    threads: usize,
) -> anyhow::Result<ExitCode> {
    let range = shard.runs(runs);
    let out_path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&s.name).join("parts"));
    let mut out = OutputDir::prepare(&out_path)?;
    let name = output::part_file_name(shard);

    let started = SystemTime::now();
    let clock = Instant::now();
    let bar = progress_bar(args.quiet, range.end - range.start);
    let progress = |k: u64| {
        if let Some(b) = &bar {
            b.inc(k);
        }
    };
    let study = Study {
        scenario: s,
        params: s.params.clone(),
        seed,
        runs: range.clone(),
        threads,
    };
    // Per-run rows go to a scratch file first: the part file holds them after the
    // statistics, which are known only at the end.
    let (stats, mut rows) = if args.per_run {
        let (file, path) = out.scratch(&format!("{name}.rows"))?;
        let writer = std::io::BufWriter::new(file.try_clone().context("scratch file")?);
        let sink = OrderedSink::new(Box::new(writer));
        let fmt = |o: &entente::model::RunOutcome, buf: &mut Vec<u8>| output::runs_row(s, o, buf);
        let stats = engine::run(&study, &progress, Some((&fmt, &sink)))?;
        sink.finish()
            .with_context(|| format!("{}: cannot write per-run rows", path.display()))?;
        (stats, Some(file))
    } else {
        (engine::run(&study, &progress, None)?, None)
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let runs_csv_bytes = match &mut rows {
        Some(f) => {
            let len = f.seek(std::io::SeekFrom::End(0))?;
            f.rewind()?;
            len
        }
        None => 0,
    };

    let manifest = PartManifest {
        format: output::PART_FORMAT.into(),
        entente_version: env!("CARGO_PKG_VERSION").into(),
        scenario: s.name.clone(),
        scenario_file: scenario_file_shown(args.scenario.as_deref()),
        scenario_path: scenario_path_absolute(args.scenario.as_deref()),
        scenario_sha256: output::scenario_sha256(s),
        seed,
        runs,
        shard: shard.index,
        shards: shard.count,
        first_run: range.start,
        end_run: range.end,
        theory: s.theory.name().into(),
        theory_option: args.theory.clone(),
        params: Manifest::params_of(s),
        set: args.set.clone(),
        per_run: args.per_run,
        runs_csv_bytes,
        threads,
        started: rfc3339(started),
        finished: rfc3339(SystemTime::now()),
        wall_seconds: seconds(clock),
        scenario_source,
    };
    out.write(&name, |w| {
        output::write_part(
            w,
            &manifest,
            &stats,
            rows.as_mut().map(|f| f as &mut dyn std::io::Read),
        )
    })?;
    let path = out.path().join(&name);
    out.commit()?;
    if !args.quiet {
        println!(
            "{}: shard {} of {}, runs {}..{} of {runs}, seed {seed} ({:.1} s): {}",
            s.name,
            shard.index,
            shard.count,
            range.start,
            range.end,
            clock.elapsed().as_secs_f64(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

use std::io::Write as _;

/// The short summary printed after a study.
pub fn summary_text(s: &Scenario, st: &StudyStats, seed: u64, seconds: f64, dir: &str) -> String {
    use std::fmt::Write;
    let n = s.n();
    let pairs = st.pairs();
    let end = st.steps;
    let year = format_year(s.year(end));
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} runs, seed {seed}, theory {}, {} to {year} ({seconds:.1} s)",
        s.name,
        st.runs,
        s.theory,
        format_year(s.start_year)
    );
    let ids = |q: usize| {
        let (i, k) = upper(n).nth(q).unwrap_or((0, 0));
        format!("{}-{}", s.states[i].id, s.states[k].id)
    };
    let mut rows: Vec<(usize, u64, u64)> = (0..pairs)
        .map(|q| (q, st.alliance[end * pairs + q], st.rivalry[end * pairs + q]))
        .collect();
    let line = |o: &mut String, q: usize, k: u64| {
        let (lo, hi) = wilson95(k, st.runs);
        let _ = writeln!(
            o,
            "  {:<9} {:>6.3}  [{:.3}, {:.3}]  mean alignment {:+.2}",
            ids(q),
            k as f64 / st.runs as f64,
            lo,
            hi,
            st.alignment_sum[end * pairs + q].mean()
        );
    };
    let _ = writeln!(o, "\nMost likely alliances in {year} (P, 95% interval):");
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for &(q, k, _) in rows.iter().take(8).filter(|r| r.1 > 0) {
        line(&mut o, q, k);
    }
    let _ = writeln!(o, "\nMost likely rivalries in {year} (P, 95% interval):");
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    for &(q, _, k) in rows.iter().take(5).filter(|r| r.2 > 0) {
        line(&mut o, q, k);
    }
    let _ = writeln!(o, "\nMost frequent final camps:");
    for (camps, count) in st.camps.most_frequent().into_iter().take(3) {
        let share = 100.0 * count as f64 / st.runs as f64;
        let _ = writeln!(o, "  {share:>5.1}%  {}", output::camps_text(s, camps));
    }
    let [secure, balance, bandwagon] = st.decision_totals();
    let _ = writeln!(
        o,
        "\nDecisions (state-steps): {balance} balance, {bandwagon} bandwagon, {secure} secure{}",
        if bandwagon > 0 {
            format!(
                " (balance : bandwagon = {:.0} : 1)",
                balance as f64 / bandwagon as f64
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        o,
        "\nResults in {dir}/ (summary.csv, timeseries.csv, states.csv, camps.csv, manifest.json)"
    );
    o
}
