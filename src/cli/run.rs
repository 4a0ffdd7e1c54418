//! `entente run [SCENARIO]`: the Monte Carlo study, its files and its summary.

use std::io::Seek;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::Context;
use entente::engine::{self, OrderedSink, Shard, ShardSpec, Study};
use entente::output::{self, Kind, Manifest, OutputDir, PartManifest};
use entente::scenario::Scenario;
use entente::study;

use super::study::{
    RUNS_CSV, RunArgs, StudyArgs, TheoryArg, commit_study, find_shard, progress_bar, result_files,
    rfc3339, seconds, warn_about_data, write_tables,
};

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
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub theory: TheoryArg,
    #[command(flatten)]
    pub run: RunArgs,
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
    /// Pairs the summary prints first, comma-separated (`CHN-RUS,USA-CHN`; default: the
    /// scenario's `key_pairs`). Changes only what is printed.
    #[arg(long, value_name = "A-B,...", value_delimiter = ',')]
    pairs: Vec<String>,
    /// Also write report.html (charts, threat matrix, assumptions) after the CSV files; see
    /// `entente report`.
    #[arg(long, conflicts_with = "shard")]
    report: bool,
    /// With --report: add the appendix of every value with its note and source (see
    /// `entente report --appendix`).
    #[arg(long, requires = "report")]
    appendix: bool,
}

/// `s` with the key pairs `--pairs` names (`s` itself without `--pairs`), for the summary.
fn with_pairs(s: &Scenario, pairs: &[String]) -> anyhow::Result<Scenario> {
    let mut shown = s.clone();
    if pairs.is_empty() {
        return Ok(shown);
    }
    let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
    shown.key_pairs.clear();
    for text in pairs {
        let state = |id: &str| {
            s.index(id).ok_or_else(|| {
                anyhow::anyhow!(
                    "--pairs {text}: unknown state `{id}`; the states are {}",
                    ids.join(" ")
                )
            })
        };
        let Some((a, b)) = text.split_once('-') else {
            anyhow::bail!(
                "--pairs {text}: expected pairs of state ids as A-B, e.g. --pairs CHN-RUS,USA-CHN"
            );
        };
        let (i, k) = (state(a)?, state(b)?);
        if i == k {
            anyhow::bail!("--pairs {text}: expected two different states");
        }
        let pair = (i.min(k), i.max(k));
        if !shown.key_pairs.contains(&pair) {
            shown.key_pairs.push(pair);
        }
    }
    Ok(shown)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (text, name) = args.study.text()?;
    let s = study::resolve_text(&text, &name, args.theory.theory.as_deref(), &args.study.set)?;
    warn_about_data(&s, &name);
    let shown = with_pairs(&s, &args.pairs)?;
    let runs = args.run.runs(&s)?;
    let seed = args.study.seed(&s);
    let threads = args.run.threads();
    if let Some(spec) = args.shard {
        let shard = find_shard(spec, runs)?;
        return run_shard(&args, &s, text, shard, runs, seed, threads);
    }
    let out_path = args.run.out_or(|| PathBuf::from("results").join(&s.name));
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
        kind: Kind::Run,
        format: Kind::Run.format(),
        study: args.study.identity(&s, seed, runs),
        files: result_files(args.per_run),
        shards: None,
        threads,
        started: rfc3339(started),
        finished: rfc3339(SystemTime::now()),
        wall_seconds: seconds(clock),
    };
    commit_study(&mut out, &manifest, &shown, &stats, clock, args.quiet)?;
    // --report (teaching): report.html from the files just committed, under the same lock.
    if args.report {
        let html = super::report::write_for_study(&mut out, &s, args.appendix)?;
        if !args.quiet {
            println!("Report: {}", html.display());
        }
    }
    Ok(ExitCode::SUCCESS)
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
        .run
        .out_or(|| PathBuf::from("results").join(&s.name).join("parts"));
    // Many shards write their parts into one folder at once, each under its own name.
    let mut out = OutputDir::prepare_shared(&out_path)?;
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
        kind: Kind::Part,
        study: args.study.identity(s, seed, runs),
        shard: shard.index,
        shards: shard.count,
        first_run: range.start,
        end_run: range.end,
        theory_option: args.theory.theory.clone(),
        per_run: args.per_run,
        runs_csv_bytes,
        threads,
        started: rfc3339(started),
        finished: rfc3339(SystemTime::now()),
        wall_seconds: seconds(clock),
        scenario_source,
    };
    out.write(&name, |w| {
        output::write_part(w, &manifest, &stats, rows.as_mut())
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
