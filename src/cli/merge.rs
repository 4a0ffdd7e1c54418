//! `entente merge PARTS...`: combine the partial results of a study's shards into the files
//! a single `entente run` writes.

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use entente::engine::Shard;
use entente::output::{
    self, Head, Kind, Manifest, OutputDir, PART_EXTENSION, PART_MAGIC, PartError, PartManifest,
    PartReader, StudyId,
};
use entente::scenario::Scenario;
use entente::stats::{ExpectedStats, StudyStats};
use entente::study;

use super::slurm::shell_quote;
use super::study::{RUNS_CSV, commit_study, result_files, write_tables};

/// Longest first line read to tell what a file is (a sweep part's header holds its design).
const MAX_HEADER_BYTES: u64 = 64 << 20;

/// Combine the partial results of a study's shards into its results.
#[derive(clap::Args)]
#[command(
    after_help = "Each PART is a partial result (part-K-of-N.entente, written by `entente run --shard K/N`)
or a folder holding them. The parts must come from one study (same scenario, seed, runs,
entente version and N) and hold every shard 0..N-1 once; missing shards are named, so that
only those are rerun. The result is byte for byte what a single `entente run` writes
(summary.csv, timeseries.csv, states.csv, camps.csv, runs.csv with --per-run, manifest.json),
except the times and thread count in manifest.json, which also says how many shards were merged.

A folder of sweep parts (sweep-part-K-of-N.csv, written by `entente sweep --shard K/N`) merges
into the files of the whole sweep (design.csv, sweep.csv, sensitivity.csv, manifest.json); the
default --out is then the folder above the parts.

Examples:
  entente merge results/vostok-2018/parts
  entente merge parts/part-*.entente --out results/big-study"
)]
pub struct Args {
    /// Partial results, or folders holding them.
    #[arg(value_name = "PARTS", required = true)]
    parts: Vec<PathBuf>,
    /// Results folder (default: results/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// No summary on stdout.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let paths = expand(&args.parts)?;
    // The parts' kind decides the merge: a study's shards, or a sweep's.
    match kind_of_parts(&paths)? {
        Kind::SweepPart => super::sweep::merge(&paths, args.out.as_deref(), args.quiet),
        _ => merge_study(paths, args.out, args.quiet),
    }
}

/// Merge the partial results `paths` of a study into the results folder `out` (default:
/// results/<scenario name>/).
fn merge_study(paths: Vec<PathBuf>, out: Option<PathBuf>, quiet: bool) -> anyhow::Result<ExitCode> {
    let clock = Instant::now();
    // Manifests first, each file's digest checked before anything else is read from it
    // (each file closed again: a study may have a thousand shards).
    let mut parts = Vec::with_capacity(paths.len());
    for p in paths {
        let manifest = PartReader::open(&p)?.verify()?;
        parts.push(Part { path: p, manifest });
    }
    check_agreement(&parts)?;
    let by_shard = check_complete(parts)?;
    let s = scenario_of_parts(&by_shard[0])?;
    let first = &by_shard[0].manifest;
    let (runs, seed, per_run, shards) = (first.runs, first.seed, first.per_run, first.shards);
    let (scenario_file, scenario_path) = (first.scenario_file.clone(), first.scenario_path.clone());
    let set = first.set.clone();
    let out_path = out.unwrap_or_else(|| PathBuf::from("results").join(&s.name));
    let mut out = OutputDir::prepare(&out_path)?;

    let mut rows = if per_run {
        let mut w = out.create(RUNS_CSV)?;
        w.write_all(output::runs_header(&s).as_bytes())
            .context("writing runs.csv")?;
        Some(w)
    } else {
        None
    };
    let (stats, times) = gather(by_shard, &s, rows.as_mut())?;
    if let Some(mut w) = rows {
        w.flush()
            .with_context(|| format!("{}: cannot write runs.csv", out.path().display()))?;
    }

    write_tables(&mut out, &s, &stats)?;
    let manifest = Manifest {
        kind: Kind::Run,
        format: Kind::Run.format(),
        study: StudyId::new(&s, scenario_file, scenario_path, seed, runs, set),
        files: result_files(per_run),
        shards: Some(shards),
        threads: times.threads,
        started: times.started.unwrap_or_default(),
        finished: times.finished.unwrap_or_default(),
        wall_seconds: (times.wall_seconds * 1000.0).round() / 1000.0,
    };
    commit_study(&mut out, &manifest, &s, &stats, clock, quiet)?;
    Ok(ExitCode::SUCCESS)
}

/// The kind of every file in `paths` (all the same): [`Kind::Part`] for partial results of a
/// study, [`Kind::SweepPart`] for a sweep's. A file of another kind, of an unknown kind or a
/// newer format, or not a partial result at all, is refused by name.
fn kind_of_parts(paths: &[PathBuf]) -> anyhow::Result<Kind> {
    let mut first: Option<(Kind, &Path)> = None;
    for p in paths {
        let kind = part_kind(p)?;
        match first {
            None => first = Some((kind, p)),
            Some((k, q)) if k != kind => bail!(
                "{} is {} and {} is {}: merge the parts of one study or one sweep at a time",
                q.display(),
                k.describe(),
                p.display(),
                kind.describe()
            ),
            Some(_) => {}
        }
    }
    first
        .map(|(k, _)| k)
        .ok_or_else(|| anyhow::anyhow!("no partial results given"))
}

/// What kind of file `path` is, from its first line: a partial result of a study (checked
/// when it is read), a sweep's part (its header's kind and format checked now), or a
/// manifest of another kind (refused, saying what it is).
fn part_kind(path: &Path) -> anyhow::Result<Kind> {
    let shown = path.display().to_string();
    let mut line = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            std::io::BufReader::new(f)
                .take(MAX_HEADER_BYTES)
                .read_until(b'\n', &mut line)
        })
        .with_context(|| format!("{shown}: cannot read"))?;
    if line.starts_with(PART_MAGIC) {
        return Ok(Kind::Part);
    }
    if let Some(json) = line.strip_prefix(super::sweep::PART_MAGIC.as_bytes()) {
        let header: serde_json::Value =
            serde_json::from_slice(json).with_context(|| format!("{shown}:1: damaged header"))?;
        if let Some(h) = header.as_object() {
            Head::of_object(h, &shown, Kind::SweepPart, &[Kind::SweepPart])?;
        }
        return Ok(Kind::SweepPart);
    }
    // A manifest given for a part: say what it is. Anything else is not a partial result.
    if line.first() == Some(&b'{') {
        let mut text = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_HEADER_BYTES).read_to_end(&mut text))
            .with_context(|| format!("{shown}: cannot read"))?;
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice(&text)
            && (m.contains_key("kind") || m.contains_key("entente_version"))
        {
            Head::of_object(&m, &shown, Kind::Run, &[Kind::Part, Kind::SweepPart])?;
        }
    }
    Err(PartError::NotAPart { path: shown }.into())
}

/// The scenario the parts hold, resolved as the shards resolved it and checked against its
/// recorded hash, by the entente version that wrote them.
fn scenario_of_parts(part: &Part) -> anyhow::Result<Scenario> {
    let first = &part.manifest;
    let version = env!("CARGO_PKG_VERSION");
    if first.entente_version != version {
        bail!(
            "the parts were written by entente {}, this is entente {version}: merge them with \
             the entente that wrote them (results may differ between versions)",
            first.entente_version
        );
    }
    let s = study::resolve_text(
        &first.scenario_source,
        &first.scenario_file,
        first.theory_option.as_deref(),
        &first.set,
    )
    .with_context(|| format!("{}: the scenario it holds", part.path().display()))?;
    if output::scenario_sha256(&s) != first.scenario_sha256 {
        bail!(
            "{}: the scenario it holds does not resolve to its recorded hash {}; the part is \
             damaged",
            part.path().display(),
            first.scenario_sha256
        );
    }
    Ok(s)
}

/// How the shards ran, summed: threads and seconds added, the earliest start and latest end.
#[derive(Default)]
struct Times {
    threads: usize,
    wall_seconds: f64,
    started: Option<String>,
    finished: Option<String>,
}

/// The statistics of the shards in shard order, merged, with their per-run rows copied to
/// `rows`; and how they ran.
fn gather(
    by_shard: Vec<Part>,
    s: &Scenario,
    mut rows: Option<&mut impl Write>,
) -> anyhow::Result<(StudyStats, Times)> {
    let mut stats = StudyStats::new(s.n(), s.steps, s.events.len(), &s.params);
    let mut times = Times::default();
    let state_ids: Vec<String> = s.states.iter().map(|x| x.id.clone()).collect();
    for part in by_shard {
        let shown = part.path().display().to_string();
        let mut reader = PartReader::open(part.path())?;
        if reader.manifest != part.manifest {
            bail!("{shown}: the file changed during the merge; merge again");
        }
        let m = part.manifest;
        // `stats` has the study's shape and thresholds whatever runs it holds so far. The
        // shard's runs are `first_run..end_run`, checked against its shard by
        // `check_complete`.
        let part_stats = reader.read_stats(&ExpectedStats {
            template: &stats,
            runs: m.end_run - m.first_run,
            state_ids: &state_ids,
        })?;
        stats.merge(&part_stats);
        match &mut rows {
            Some(w) => reader.copy_rows(w)?,
            None => reader.finish()?,
        }
        times.threads += m.threads;
        times.wall_seconds += m.wall_seconds;
        // RFC 3339 UTC times of one format sort as text.
        if times.started.as_ref().is_none_or(|t| m.started < *t) {
            times.started = Some(m.started);
        }
        if times.finished.as_ref().is_none_or(|t| m.finished > *t) {
            times.finished = Some(m.finished);
        }
    }
    Ok((stats, times))
}

/// A partial result's file and manifest.
struct Part {
    path: PathBuf,
    manifest: PartManifest,
}

impl Part {
    fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether `p` is a file a folder of parts is searched for: `*.entente` (a study's shards)
/// or `sweep-part-*.csv` (a sweep's), not hidden.
fn is_part_file(p: &Path) -> bool {
    let Some(name) = p.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return false;
    };
    p.is_file()
        && !name.starts_with('.')
        && (p.extension().is_some_and(|x| x == PART_EXTENSION) || super::sweep::is_part_name(&name))
}

/// The part files named by the arguments: files as given, folders replaced by the part files
/// they hold (in name order).
fn expand(args: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for a in args {
        if a.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(a)
                .with_context(|| format!("{}: cannot read this folder", a.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_part_file(p))
                .collect();
            if found.is_empty() {
                bail!(
                    "{}: no partial results (part-K-of-N.{PART_EXTENSION}, or \
                     sweep-part-K-of-N.csv of a sweep) in this folder",
                    a.display()
                );
            }
            found.sort();
            paths.extend(found);
        } else if a.exists() {
            paths.push(a.clone());
        } else {
            bail!("{}: no such file or folder", a.display());
        }
    }
    Ok(paths)
}

/// How a message shows a part's value of what differs.
type Shown = fn(&PartManifest) -> String;

/// Every part must belong to the study of the first one.
fn check_agreement(parts: &[Part]) -> anyhow::Result<()> {
    let Some(first) = parts.first() else {
        bail!("no partial results given");
    };
    let a = &first.manifest;
    for part in &parts[1..] {
        let b = &part.manifest;
        let differ = |what: &str, x: String, y: String| {
            anyhow::anyhow!(
                "the parts come from different studies: they differ in {what}: {} has {x}, {} \
                 has {y}; merge only the parts of one study",
                first.path().display(),
                part.path().display()
            )
        };
        let set = |m: &PartManifest| {
            if m.set.is_empty() {
                "no --set".to_string()
            } else {
                m.set
                    .iter()
                    .map(|s| format!("--set {s}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        let scenario = |m: &PartManifest| {
            format!(
                "scenario {} ({}, sha256 {}…)",
                m.scenario,
                m.scenario_file,
                &m.scenario_sha256[..m.scenario_sha256.len().min(12)]
            )
        };
        let rows = |m: &PartManifest| {
            if m.per_run {
                "per-run rows (--per-run)".to_string()
            } else {
                "no per-run rows".to_string()
            }
        };
        // In this order: the options before the scenario, since they change the resolved
        // scenario too and are what differs when the scenario files are the same.
        let checks: [(bool, String, Shown); 8] = [
            (
                a.entente_version != b.entente_version,
                "the entente version".into(),
                |m| format!("entente {}", m.entente_version),
            ),
            (a.theory != b.theory, "--theory".into(), |m| {
                format!("--theory {}", m.theory)
            }),
            (
                a.set != b.set,
                format!("--set {}", set_paths_differing(&a.set, &b.set).join(", ")),
                set,
            ),
            (
                a.scenario_sha256 != b.scenario_sha256,
                "the scenario".into(),
                scenario,
            ),
            (a.seed != b.seed, "the seed".into(), |m| {
                format!("seed {}", m.seed)
            }),
            (a.runs != b.runs, "the number of runs".into(), |m| {
                format!("{} runs", m.runs)
            }),
            (a.shards != b.shards, "the number of shards N".into(), |m| {
                format!("shard {}/{}", m.shard, m.shards)
            }),
            (a.per_run != b.per_run, "--per-run".into(), rows),
        ];
        if let Some((_, what, show)) = checks.into_iter().find(|(differs, ..)| *differs) {
            return Err(differ(&what, show(a), show(b)));
        }
    }
    Ok(())
}

/// The paths (`eta`, `state.USA.power`) whose `--set` assignments differ between `a` and `b`
/// (the last assignment of a path wins, as on the command line), in first-seen order; all
/// of them when the lists differ only in order.
fn set_paths_differing(a: &[String], b: &[String]) -> Vec<String> {
    let last = |set: &[String]| -> BTreeMap<String, String> {
        set.iter()
            .map(|s| match s.split_once('=') {
                Some((p, v)) => (p.trim().to_string(), v.trim().to_string()),
                None => (s.clone(), String::new()),
            })
            .collect()
    };
    let (la, lb) = (last(a), last(b));
    let mut paths: Vec<String> = Vec::new();
    for s in a.iter().chain(b) {
        let p = s.split_once('=').map_or(s.as_str(), |(p, _)| p.trim());
        if la.get(p) != lb.get(p) && !paths.iter().any(|q| q == p) {
            paths.push(p.to_string());
        }
    }
    if paths.is_empty() {
        // The same values, in another order.
        paths = la.into_keys().collect();
    }
    paths
}

/// Every shard `0..N` exactly once, each covering the runs it should; the parts in shard
/// order.
fn check_complete(parts: Vec<Part>) -> anyhow::Result<Vec<Part>> {
    let n = parts[0].manifest.shards;
    let runs = parts[0].manifest.runs;
    let mut by_shard: BTreeMap<u64, Part> = BTreeMap::new();
    for part in parts {
        let m = &part.manifest;
        let Some(shard) = m.shard() else {
            bail!(
                "{}: damaged partial result (shard {} of {})",
                part.path().display(),
                m.shard,
                m.shards
            );
        };
        if shard.runs(runs) != (m.first_run..m.end_run) {
            bail!(
                "{}: damaged partial result (shard {shard} of {runs} runs should hold runs \
                 {:?}, it holds {}..{})",
                part.path().display(),
                shard.runs(runs),
                m.first_run,
                m.end_run
            );
        }
        if let Some(other) = by_shard.get(&shard.index) {
            if other.path() == part.path() {
                bail!(
                    "duplicate shard {} of {n}: {} is given twice; give each shard once",
                    shard.index,
                    part.path().display()
                );
            }
            bail!(
                "duplicate shard {} of {n}: {} and {} both hold it; give each shard once",
                shard.index,
                other.path().display(),
                part.path().display()
            );
        }
        by_shard.insert(shard.index, part);
    }
    let missing: Vec<u64> = (0..n).filter(|k| !by_shard.contains_key(k)).collect();
    if let (Some(_), Some(any)) = (missing.first(), by_shard.values().next()) {
        bail!("{}", missing_message(&missing, n, any));
    }
    Ok(by_shard.into_values().collect())
}

/// Shard numbers as ranges: `3-5, 17` (with `sep` between ranges).
fn ranges(ks: &[u64], sep: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ks.len() {
        let mut j = i;
        while j + 1 < ks.len() && ks[j + 1] == ks[j] + 1 {
            j += 1;
        }
        out.push(match j - i {
            0 => ks[i].to_string(),
            1 => format!("{}{sep}{}", ks[i], ks[j]),
            _ => format!("{}-{}", ks[i], ks[j]),
        });
        i = j + 1;
    }
    out.join(sep)
}

/// The message for missing shards: which, and how to rerun only those.
fn missing_message(missing: &[u64], n: u64, part: &Part) -> String {
    let m = &part.manifest;
    let dir = part
        .path()
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let array = ranges(missing, ",");
    // A study set up by `entente slurm` has its scripts next to the parts folder.
    let submit = dir.parent().map(|d| d.join(super::slurm::SUBMIT_SCRIPT));
    let them = if missing.len() == 1 { "it" } else { "them" };
    let slurm_hint = match submit.filter(|p| p.is_file()) {
        Some(p) => format!(
            "on Slurm: sh {} {array}, which resubmits {them} and the merge",
            shell_quote(&p.display().to_string())
        ),
        None => {
            format!("on Slurm: sbatch --array={array} with the shards script of `entente slurm`")
        }
    };
    let have = n - missing.len() as u64;
    let shards_word = if missing.len() == 1 {
        "shard"
    } else {
        "shards"
    };
    let example = Shard {
        index: missing[0],
        count: n,
    };
    let mut command = String::from("entente run");
    if !m.scenario_file.starts_with("<built-in>") {
        command.push(' ');
        command.push_str(&shell_quote(&m.scenario_file));
    }
    command.push_str(&format!(" --runs {} --seed {}", m.runs, m.seed));
    if let Some(t) = &m.theory_option {
        command.push_str(&format!(" --theory {}", shell_quote(t)));
    }
    for a in &m.set {
        command.push_str(&format!(" --set {}", shell_quote(a)));
    }
    if m.per_run {
        command.push_str(" --per-run");
    }
    format!(
        "missing {shards_word} {} of {n} (found {have} of {n}): rerun only {} with \
         `{command} --shard {example} --out {}`{} ({}), then merge again",
        ranges(missing, ", "),
        them,
        shell_quote(&dir.display().to_string()),
        if missing.len() > 1 {
            format!(" and likewise --shard K/{n} for each K above")
        } else {
            String::new()
        },
        slurm_hint
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_lists_are_compact() {
        assert_eq!(ranges(&[3, 17], ", "), "3, 17");
        assert_eq!(ranges(&[3, 4, 5, 17], ","), "3-5,17");
        assert_eq!(ranges(&[0, 1, 9], ","), "0,1,9");
        assert_eq!(ranges(&[2], ","), "2");
    }

    #[test]
    fn the_set_paths_that_differ_are_named() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            set_paths_differing(&v(&["eta=0.3", "tau=0.5"]), &v(&["eta=0.3", "tau=0.6"])),
            ["tau"]
        );
        assert_eq!(set_paths_differing(&v(&[]), &v(&["eta=0.3"])), ["eta"]);
        // The last assignment of a path is the one that counts.
        assert_eq!(
            set_paths_differing(
                &v(&["eta=0.1", "eta=0.3", "d0=9"]),
                &v(&["eta=0.3", "d0=8"])
            ),
            ["d0"]
        );
        // Same values, another order: every path.
        assert_eq!(
            set_paths_differing(&v(&["eta=0.3", "tau=0.5"]), &v(&["tau=0.5", "eta=0.3"])),
            ["eta", "tau"]
        );
    }
}
