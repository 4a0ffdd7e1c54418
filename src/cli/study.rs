//! What the study commands share: one definition of each common flag ([`StudyArgs`],
//! [`TheoryArg`], [`RunArgs`], flattened into each command's `Args`), and the steps of running
//! a study and writing its results ([`write_tables`], [`commit_study`], ...).
//!
//! | command   | [`StudyArgs`] | [`TheoryArg`] | [`RunArgs`] |
//! |-----------|:---:|:---:|:---:|
//! | `run`     | ✓ | ✓ | ✓ |
//! | `compare` | ✓ | (`--theories`) | ✓ |
//! | `explain` | ✓ | ✓ | (one run: `--run K`) |
//! | `slurm`   | ✓ | ✓ | (its own `--runs`; `--out` is the job's folder) |
//!
//! `sweep` and `backtest` take flags of the same names with other meanings (an experiment
//! file's defaults, runs per point or per start year, a fixed default seed) and keep their
//! own.

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use anyhow::bail;
use entente::engine::{Shard, ShardSpec, shard};
use entente::model::world::upper;
use entente::output::{self, Committed, Manifest, OutputDir, OutputError, StudyId, format_year};
use entente::scenario::Scenario;
use entente::stats::{StudyStats, wilson95};
use entente::study;

/// Say on stderr, once per command, what data the scenario `s` (named `name`) lacks: pairs
/// whose trade matters but has no figure ([`Scenario::trade_warning`]); and powers the model
/// cannot tell apart ([`Scenario::precision_warning`]). Warnings, not errors: the command
/// goes on.
pub fn warn_about_data(s: &Scenario, name: &str) {
    for w in [s.trade_warning(name), s.precision_warning(name)]
        .into_iter()
        .flatten()
    {
        say!("warning: {w}");
    }
}

/// The scenario of a study and the values that choose it: `SCENARIO`, `--seed`, `--set`.
#[derive(clap::Args, Debug, Clone, Default, PartialEq)]
pub struct StudyArgs {
    /// Scenario file (default: the built-in flagship).
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Override a parameter or scenario value, PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

impl StudyArgs {
    /// The scenario file's text and its name for messages (the built-in flagship without
    /// `SCENARIO`).
    pub fn text(&self) -> anyhow::Result<(String, String)> {
        self.check_sets()?;
        study::scenario_text(self.scenario.as_deref()).map_err(|e| self.explain_missing(e))
    }

    /// Every `--set` has the shape `PATH=VALUE`: checked before the scenario is read, so that
    /// `--set eta 0.3` (a space for `=`) is named as such, not as a scenario file `0.3`.
    fn check_sets(&self) -> anyhow::Result<()> {
        let Some(a) = self.set.iter().find(|a| !a.contains('=')) else {
            return Ok(());
        };
        match self.scenario.as_deref().and_then(|p| p.to_str()) {
            Some(v) if !std::path::Path::new(v).exists() => bail!(
                "--set {a}: expected PATH=VALUE; `{v}` was read as the scenario file: write --set {a}={v}"
            ),
            _ => bail!("--set {a}: expected PATH=VALUE, e.g. --set {a}=0.3"),
        }
    }

    /// A scenario file that does not exist: the error, with where the shipped scenarios are.
    fn explain_missing(&self, e: entente::scenario::ScenarioError) -> anyhow::Error {
        let missing = self.scenario.as_deref().is_some_and(|p| !p.exists());
        if !missing {
            return e.into();
        }
        let shipped: Vec<String> = ["scenarios", "scenarios/tutorial", "scenarios/history"]
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(|f| f.ok().map(|f| f.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.display().to_string())
            .collect();
        let mut shipped = shipped;
        shipped.sort();
        let hint = if shipped.is_empty() {
            "the shipped scenarios are in the repository's scenarios/ folder".to_string()
        } else {
            format!("scenarios here: {}", shipped.join(", "))
        };
        let given = self
            .scenario
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        // The whole path, else the file name alone (`bandwagn` for the tutorial's).
        let name_of = |p: &str| {
            std::path::Path::new(p)
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let did_you_mean = entente::scenario::closest(&given, shipped.iter().map(String::as_str))
            .map(str::to_string)
            .or_else(|| {
                let names: Vec<String> = shipped.iter().map(|p| name_of(p)).collect();
                entente::scenario::closest(&name_of(&given), names.iter().map(String::as_str))
                    .and_then(|n| shipped.iter().find(|p| name_of(p) == n).cloned())
            })
            .map(|c| format!("; did you mean {c}?"))
            .unwrap_or_default();
        anyhow::anyhow!("{e}{did_you_mean} ({hint}; without a file, the built-in flagship)")
    }

    /// The scenario with `theory` and `--set` applied, in that order; its data warnings
    /// ([`warn_about_data`]) on stderr.
    pub fn resolve(&self, theory: Option<&str>) -> anyhow::Result<Scenario> {
        let (text, name) = self.text()?;
        let s = study::resolve_text(&text, &name, theory, &self.set)?;
        warn_about_data(&s, &study::scenario_file_shown(self.scenario.as_deref()));
        Ok(s)
    }

    /// `--seed`, else the scenario's.
    pub fn seed(&self, s: &Scenario) -> u64 {
        self.seed.unwrap_or(s.seed)
    }

    /// The identity of a study of `runs` runs of the resolved scenario `s`, as its manifest
    /// records it.
    pub fn identity(&self, s: &Scenario, seed: u64, runs: u64) -> StudyId {
        let file = self.scenario.as_deref();
        StudyId::new(
            s,
            study::scenario_file_shown(file),
            study::scenario_path_absolute(file),
            seed,
            runs,
            self.set.clone(),
        )
    }
}

/// The theory preset: `--theory` (`compare` takes a list instead, `--theories`).
#[derive(clap::Args, Debug, Clone, Default, PartialEq)]
pub struct TheoryArg {
    /// Theory preset: walt, waltz, bandwagon or liberal (default: the scenario's).
    #[arg(long, value_name = "NAME")]
    pub theory: Option<String>,
}

/// How many runs, on how many threads, written where: `--runs`, `--threads`, `--out`.
#[derive(clap::Args, Debug, Clone, Default, PartialEq)]
pub struct RunArgs {
    /// Number of Monte Carlo runs (default: the scenario's `runs`).
    #[arg(long, value_name = "N")]
    pub runs: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub threads: Option<u32>,
    /// Results folder (default: results/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl RunArgs {
    /// `--runs`, else the scenario's; at least one.
    pub fn runs(&self, s: &Scenario) -> anyhow::Result<u64> {
        runs_at_least_one(self.runs.unwrap_or(s.runs))
    }

    /// `--threads`, else every core.
    pub fn threads(&self) -> usize {
        threads_or_all(self.threads)
    }

    /// `--out`, else `default`.
    pub fn out_or(&self, default: impl FnOnce() -> PathBuf) -> PathBuf {
        self.out.clone().unwrap_or_else(default)
    }
}

/// `runs`, unless it is 0.
pub fn runs_at_least_one(runs: u64) -> anyhow::Result<u64> {
    if runs == 0 {
        bail!("--runs 0: expected at least one run");
    }
    Ok(runs)
}

/// Worker threads: `threads` (a `--threads` value), else every core.
pub fn threads_or_all(threads: Option<u32>) -> usize {
    match threads {
        Some(t) => t as usize,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
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

/// Add the keys of the JSON object `extra` to the JSON object `manifest` (replacing equal keys).
pub fn extend_object(manifest: &mut serde_json::Value, extra: &serde_json::Value) {
    if let (Some(m), Some(e)) = (manifest.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
}

/// A time as RFC 3339 UTC, to the second.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Seconds since `clock`, to the millisecond.
pub fn seconds(clock: Instant) -> f64 {
    (clock.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
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

/// Write `manifest.json`, rename every file into place, and print the summary unless
/// `quiet`. Returns the results folder as shown to the user.
pub fn commit_study(
    out: &mut OutputDir,
    manifest: &Manifest,
    s: &Scenario,
    stats: &StudyStats,
    clock: Instant,
    quiet: bool,
) -> anyhow::Result<String> {
    write_manifest(out, manifest)?;
    let dir = out.path().display().to_string();
    say_replaced(&dir, &out.commit_and_hold()?, quiet);
    if !quiet {
        let seconds = clock.elapsed().as_secs_f64();
        print!("{}", summary_text(s, stats, manifest.seed, seconds, &dir));
    }
    Ok(dir)
}

/// Say on stderr, unless `quiet`, which files of the previous study in `dir` a commit
/// removed (nothing when it removed none).
pub fn say_replaced(dir: &str, committed: &Committed, quiet: bool) {
    if quiet || committed.removed.is_empty() {
        return;
    }
    let names: Vec<String> = committed
        .removed
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    say!(
        "entente: replaced the previous results in {dir} (removed {})",
        names.join(", ")
    );
}

/// Write `manifest.json` (pretty-printed, one key per line).
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
            say!(
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

/// The pairs of a study at its last step, as the summary reads them.
struct End<'a> {
    s: &'a Scenario,
    st: &'a StudyStats,
    all: Vec<(usize, usize)>,
    /// Index of the last step's first pair in the per-(step, pair) statistics.
    at: usize,
}

impl End<'_> {
    /// `AAA-BBB`.
    fn ids(&self, q: usize) -> String {
        let (i, k) = self.all.get(q).copied().unwrap_or((0, 0));
        format!("{}-{}", self.s.states[i].id, self.s.states[k].id)
    }
    fn p(&self, k: u64) -> f64 {
        k as f64 / self.st.runs as f64
    }
    fn alliance(&self, q: usize) -> u64 {
        self.st.alliance[self.at + q]
    }
    fn rivalry(&self, q: usize) -> u64 {
        self.st.rivalry[self.at + q]
    }
    fn mean(&self, q: usize) -> f64 {
        self.st.alignment_sum[self.at + q].mean()
    }
    /// `P [lo, hi]`: a share of runs and its 95 % Wilson interval.
    fn interval(&self, k: u64) -> String {
        let (lo, hi) = wilson95(k, self.st.runs);
        format!("{:.3} [{lo:.3}, {hi:.3}]", self.p(k))
    }
    /// Outcomes (nearly) every run agrees on: listed once, compactly, not as findings.
    fn agreed(&self, k: u64) -> bool {
        self.p(k) >= 0.99
    }

    /// The six likeliest pairs of `rows` by `count` that the runs disagree on, under `title`.
    fn likeliest(
        &self,
        o: &mut String,
        title: &str,
        rows: &mut [usize],
        count: fn(&Self, usize) -> u64,
    ) {
        use std::fmt::Write;
        let _ = writeln!(o, "\n{title}");
        rows.sort_by(|&a, &b| count(self, b).cmp(&count(self, a)).then(a.cmp(&b)));
        let shown: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&q| count(self, q) > 0 && !self.agreed(count(self, q)))
            .take(6)
            .collect();
        if shown.is_empty() {
            let _ = writeln!(o, "  (none that the runs disagree on)");
        }
        for q in shown {
            let (ids, k) = (self.ids(q), count(self, q));
            let _ = writeln!(
                o,
                "  {ids:<9} {}  mean alignment {:+.2}",
                self.interval(k),
                self.mean(q)
            );
        }
    }

    /// The pairs whose `count` nearly every run reaches, or `none`.
    fn agreed_list(&self, count: fn(&Self, usize) -> u64) -> String {
        let v: Vec<String> = (0..self.all.len())
            .filter(|&q| self.agreed(count(self, q)))
            .map(|q| self.ids(q))
            .collect();
        if v.is_empty() {
            "none".into()
        } else {
            v.join(" ")
        }
    }
}

/// The short summary printed after a study: the scenario's key pairs first, then the likeliest
/// alliances and rivalries that the runs disagree on, the outcomes (nearly) every run agrees
/// on in one block, the camps and the decisions as shares.
pub fn summary_text(s: &Scenario, st: &StudyStats, seed: u64, seconds: f64, dir: &str) -> String {
    use std::fmt::Write;
    let year = format_year(s.year(st.steps));
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} runs, seed {seed}, theory {}, {} to {year} ({seconds:.1} s)",
        s.name,
        st.runs,
        s.theory,
        format_year(s.start_year)
    );
    let end = End {
        s,
        st,
        all: upper(s.n()).collect(),
        at: st.steps * st.pairs(),
    };
    let key: Vec<usize> = s
        .key_pairs
        .iter()
        .filter_map(|pair| end.all.iter().position(|x| x == pair))
        .collect();
    if !key.is_empty() {
        let _ = writeln!(o, "\nKey pairs in {year}:");
        for &q in &key {
            let _ = writeln!(
                o,
                "  {:<9} P(alliance) {}  P(rivalry) {}  mean alignment {:+.2}",
                end.ids(q),
                end.interval(end.alliance(q)),
                end.interval(end.rivalry(q)),
                end.mean(q)
            );
        }
    }
    let mut rows: Vec<usize> = (0..st.pairs()).filter(|q| !key.contains(q)).collect();
    let title = format!("Most likely other alliances in {year} (P, 95% interval):");
    end.likeliest(&mut o, &title, &mut rows, End::alliance);
    let title = format!("Most likely other rivalries in {year} (P, 95% interval):");
    end.likeliest(&mut o, &title, &mut rows, End::rivalry);
    let _ = writeln!(
        o,
        "\nIn 99% of runs or more: alliances {}; rivalries {}",
        end.agreed_list(End::alliance),
        end.agreed_list(End::rivalry)
    );
    camps_and_decisions(&mut o, s, st);
    let _ = writeln!(
        o,
        "\nIntervals are the Monte Carlo sampling error of {} runs, not the uncertainty of the\nanswer: `entente sweep` and `--set` show how it moves with the assumptions.",
        st.runs
    );
    let _ = writeln!(
        o,
        "\nResults in {dir}/ (summary.csv, timeseries.csv, states.csv, camps.csv, manifest.json)"
    );
    o
}

/// The summary's most frequent final camps (when any splits the states) and its decisions.
fn camps_and_decisions(o: &mut String, s: &Scenario, st: &StudyStats) {
    use std::fmt::Write;
    let camps: Vec<_> = st.camps.most_frequent().into_iter().take(3).collect();
    if camps
        .iter()
        .any(|(c, _)| c.side.iter().any(|&x| x) && c.side.iter().any(|&x| !x))
    {
        let _ = writeln!(o, "\nMost frequent final camps:");
        for (camps, count) in camps {
            let share = 100.0 * count as f64 / st.runs as f64;
            let _ = writeln!(o, "  {share:>5.1}%  {}", output::camps_text(s, camps));
        }
    }
    let [secure, balance, bandwagon] = st.decision_totals();
    let total = (secure + balance + bandwagon).max(1) as f64;
    let pct = |k: u64| 100.0 * k as f64 / total;
    let _ = writeln!(
        o,
        "\nDecisions (state-steps): {:.1}% balance, {:.1}% bandwagon, {:.1}% secure ({balance}, {bandwagon}, {secure}){}",
        pct(balance),
        pct(bandwagon),
        pct(secure),
        entente::teach::compare::balance_ratio(balance as f64, bandwagon as f64, " : ")
            .map_or(String::new(), |r| format!("; balance : bandwagon = {r}"))
    );
}
