//! `entente slurm [SCENARIO] --runs R --tasks N`: write the `sbatch` scripts that run a study
//! on a Slurm cluster as a job array of shards, then merge them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use entente::output::{OutputDir, PART_EXTENSION};

use super::study::{StudyArgs, TheoryArg, runs_at_least_one};

/// The job array script.
pub const SHARDS_SCRIPT: &str = "shards.sbatch";
/// The merge job script.
pub const MERGE_SCRIPT: &str = "merge.sbatch";
/// The script that submits both.
pub const SUBMIT_SCRIPT: &str = "submit.sh";

/// Slurm's default `MaxArraySize`: array indices go up to 1000.
const DEFAULT_MAX_ARRAY_SIZE: u64 = 1001;

/// Write sbatch scripts that run a study on a Slurm cluster: a job array of shards, then a
/// merge job.
#[derive(clap::Args)]
#[command(
    after_help = "Writes into --out (default results/<scenario name>-slurm/):
  shards.sbatch  a job array of N tasks; task K runs shard K of the study with
                 `entente run ... --shard auto/N --threads $SLURM_CPUS_PER_TASK`
  merge.sbatch   `entente merge` of the shards, run after every task succeeded (afterok)
  submit.sh      submits both: sh submit.sh (all shards) or sh submit.sh 3,17 (only those)
and creates parts/ (partial results), logs/ (Slurm output) and, after the merge, results/.
The scripts use absolute paths to this entente and to the scenario: both must be visible
from the compute nodes (a shared file system). See docs/cluster.md.

A sweep (`entente sweep`, docs/experiments.md) runs the same way, its design points split
among the tasks: give the sweep's arguments after `--`; the jobs run in the folder where
`entente slurm` was run (#SBATCH --chdir), so relative paths in them work.

Examples:
  entente slurm --runs 100000 --tasks 100 --cpus-per-task 4 --time 00:30:00
  entente slurm --tasks 20 --cpus-per-task 4 -- --vary d0=500:1500 --vary pair.CHN-RUS.mistrust=0.2:0.8 --design sobol:512 --runs 1000
  entente slurm scenarios/latest.toml --runs 20000 --tasks 20 --partition short"
)]
pub struct Args {
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub theory: TheoryArg,
    /// Number of Monte Carlo runs of the whole study (a sweep: runs per point, optional).
    #[arg(long, value_name = "R")]
    runs: Option<u64>,
    /// Number of array tasks (shards); each runs about R/N runs.
    #[arg(long, value_name = "N")]
    tasks: u64,
    /// CPUs per task; each task runs that many worker threads.
    #[arg(long, value_name = "C", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    cpus_per_task: u32,
    /// Slurm partition (default: the cluster's default partition).
    #[arg(long, value_name = "P")]
    partition: Option<String>,
    /// Time limit of each task and of the merge, in Slurm's format (e.g. 30, 01:30:00,
    /// 1-00:00:00; default: the partition's).
    #[arg(long, value_name = "T")]
    time: Option<String>,
    /// Folder for the scripts, partial results, logs and results
    /// (default: results/<scenario name>-slurm/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write runs.csv with one row per run.
    #[arg(long)]
    per_run: bool,
    /// A sweep instead of a study: `entente sweep`'s arguments after `--` (the tasks share
    /// its design points).
    #[arg(last = true, value_name = "SWEEP ARGS")]
    sweep: Vec<String>,
}

/// What the job runs, checked as a task would check it: a name, runs (per point for a
/// sweep), seed and the work.
struct Planned {
    name: String,
    runs: u64,
    seed: u64,
    work: Work,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let tasks = args.tasks;
    if tasks == 0 {
        bail!("--tasks 0: expected at least one task");
    }
    // Check everything a task would check, now rather than on the cluster.
    let Planned {
        name,
        runs,
        seed,
        work,
    } = if args.sweep.is_empty() {
        plan_study(&args)?
    } else {
        plan_sweep(&args)?
    };
    if tasks > DEFAULT_MAX_ARRAY_SIZE {
        say!(
            "warning: --tasks {tasks}: Slurm's default MaxArraySize is {DEFAULT_MAX_ARRAY_SIZE} \
             (indices 0 to 1000) and sites often cap jobs per user; check with `scontrol show \
             config | grep -i MaxArraySize`, or use fewer tasks with more runs each"
        );
    }
    check_limits(&args)?;
    let exe = std::env::current_exe().context("cannot find the path of this entente")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{name}-slurm")));
    let dir = std::path::absolute(&out)
        .with_context(|| format!("{}: cannot make this path absolute", out.display()))?;
    check_script_paths(&exe, &work, &dir)?;
    let (folder, old_parts) = prepare_folder(&dir)?;

    let job = Job {
        name: job_name(&name),
        exe: &exe,
        work: &work,
        dir: &dir,
        runs,
        tasks,
        seed,
        cpus: args.cpus_per_task,
        partition: args.partition.as_deref(),
        time: args.time.as_deref(),
        theory: args.theory.theory.as_deref(),
        set: &args.study.set,
        per_run: args.per_run,
    };
    write_scripts(folder, &job)?;
    print_next_steps(&job, &name, old_parts);
    Ok(ExitCode::SUCCESS)
}

/// A study's job: the scenario and choices checked, `--runs` given and enough for the tasks.
fn plan_study(args: &Args) -> anyhow::Result<Planned> {
    let s = args.study.resolve(args.theory.theory.as_deref())?;
    let Some(runs) = args.runs else {
        bail!("--runs: expected the number of runs of the study (e.g. --runs 100000)");
    };
    let runs = runs_at_least_one(runs)?;
    let tasks = args.tasks;
    if tasks > runs {
        bail!(
            "--tasks {tasks} is more than --runs {runs}: some tasks would have no run; use at \
             most {runs} tasks (and preferably many runs per task)"
        );
    }
    let scenario = match &args.study.scenario {
        Some(p) => Some(
            std::path::absolute(p)
                .with_context(|| format!("{}: cannot make this path absolute", p.display()))?,
        ),
        None => None,
    };
    Ok(Planned {
        name: s.name.clone(),
        runs,
        seed: args.study.seed(&s),
        work: Work::Run { scenario },
    })
}

/// A sweep's job: the sweep's arguments (after `--`) checked, enough points for the tasks.
fn plan_sweep(args: &Args) -> anyhow::Result<Planned> {
    if args.study != StudyArgs::default()
        || args.runs.is_some()
        || args.theory.theory.is_some()
        || args.per_run
    {
        bail!(
            "with a sweep (arguments after --), give the scenario, --runs, --seed, --theory and --set after -- as `entente sweep` takes them"
        );
    }
    let tasks = args.tasks;
    let summary = super::sweep::check_for_slurm(&args.sweep)?;
    if tasks > summary.points as u64 {
        bail!(
            "--tasks {tasks} is more than the sweep's {} points: some tasks would have no point; use at most {} tasks",
            summary.points,
            summary.points
        );
    }
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    Ok(Planned {
        name: format!("{}-sweep", summary.scenario),
        runs: summary.runs,
        seed: summary.seed,
        work: Work::Sweep {
            args: args.sweep.clone(),
            cwd,
            points: summary.points,
        },
    })
}

/// `--time` and `--partition` as Slurm takes them.
fn check_limits(args: &Args) -> anyhow::Result<()> {
    if let Some(t) = &args.time
        && (t.is_empty()
            || !t
                .chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '-'))
    {
        bail!(
            "--time {t:?}: expected a Slurm time limit such as 30 (minutes), 01:30:00 or \
             1-00:00:00"
        );
    }
    if let Some(p) = &args.partition
        && (p.is_empty()
            || !p
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.,".contains(c)))
    {
        bail!("--partition {p:?}: expected a partition name (letters, digits, _ - . ,)");
    }
    if let Some(p) = &args.partition
        && let Some(word) = heterogeneous_word(p)
    {
        bail!(
            "--partition {p:?}: sbatch blanks the word {word:?} out of #SBATCH lines (it marks \
             heterogeneous jobs there); give this partition with sbatch's own --partition"
        );
    }
    Ok(())
}

/// Words that sbatch removes from any `#SBATCH` line, wherever they stand and in any case
/// (they separate the components of a heterogeneous job).
const HETEROGENEOUS_WORDS: [&str; 2] = ["hetjob", "packjob"];

/// The first of [`HETEROGENEOUS_WORDS`] that `s` holds, in any case.
fn heterogeneous_word(s: &str) -> Option<&'static str> {
    let lower = s.to_ascii_lowercase();
    HETEROGENEOUS_WORDS.into_iter().find(|w| lower.contains(w))
}

/// Every path the scripts name, as text: valid UTF-8 (the scripts are text), and the folders
/// that go into `#SBATCH` lines (`--out`, and a sweep's working folder) such that sbatch reads
/// them back exactly ([`check_directive_path`]). Checked before anything is written.
fn check_script_paths(exe: &Path, work: &Work, dir: &Path) -> anyhow::Result<()> {
    script_text(exe, "the path of this entente")?;
    match work {
        Work::Run {
            scenario: Some(scenario),
        } => {
            script_text(scenario, "the scenario")?;
        }
        Work::Run { scenario: None } => {}
        Work::Sweep { cwd, .. } => {
            check_directive_path(
                script_text(cwd, "the current folder")?,
                "the current folder",
            )?;
        }
    }
    check_directive_path(script_text(dir, "--out")?, "--out")?;
    Ok(())
}

/// `p` as text, or an error naming `what`.
fn script_text<'a>(p: &'a Path, what: &str) -> anyhow::Result<&'a str> {
    p.to_str().ok_or_else(|| {
        anyhow::anyhow!(
            "{what} {}: this path is not valid UTF-8 and cannot be written into a script",
            p.display()
        )
    })
}

/// A path that goes into an `#SBATCH` line, where no shell reads it: sbatch reads one line per
/// directive, splits it at blanks (outside quotes), takes `#` as the start of a comment and a
/// backslash as an escape, blanks out the words `hetjob` and `packjob`, and reads `%` and `\`
/// in file names as patterns (`%j`, `%a`, ...). Refused: control characters (newline, carriage
/// return, tab, NUL, ...), a backslash, `%`, and those two words in any case; blanks, quotes,
/// `#` and everything else are written in sbatch's quotes ([`directive_value`]).
fn check_directive_path(p: &str, what: &str) -> anyhow::Result<()> {
    let why = if let Some(c) = p.chars().find(|c| c.is_control()) {
        format!("it holds the control character {c:?}, which would end or change the line")
    } else if p.contains('\\') {
        "it holds a backslash, which sbatch reads as an escape (and, in a file name, as \
         \"expand no % pattern\")"
            .to_string()
    } else if p.contains('%') {
        "it holds %, which sbatch reads as the start of a file name pattern (%j, %a, ...)"
            .to_string()
    } else if let Some(word) = heterogeneous_word(p) {
        format!(
            "it holds the word {word:?}, which sbatch blanks out of #SBATCH lines (it marks \
             heterogeneous jobs)"
        )
    } else {
        return Ok(());
    };
    bail!(
        "{what} {p:?}: this path goes into #SBATCH lines, which no shell reads, and {why}; \
         choose a folder without it (docs/cluster.md, \"What the scripts quote\")"
    )
}

/// A value as sbatch reads it back from an `#SBATCH` line: unchanged when it holds no blank,
/// quote or `#`, else in double quotes with `"`, `'` and `#` escaped by a backslash (sbatch's
/// own quoting, read the same by its older parser, which knows only double quotes and takes
/// `#` as a comment even inside them). The value is first checked by [`check_directive_path`].
fn directive_value(v: &str) -> String {
    if v.chars().any(|c| c.is_whitespace() || "\"'#".contains(c)) {
        let mut q = String::from("\"");
        for c in v.chars() {
            if "\"'#".contains(c) {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        q
    } else {
        v.to_string()
    }
}

/// The job's folder, checked, with `parts/` and `logs/` created; and how many partial
/// results `parts/` already holds.
fn prepare_folder(dir: &Path) -> anyhow::Result<(OutputDir, usize)> {
    let folder = OutputDir::prepare(dir)?;
    for sub in ["parts", "logs"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("{}: cannot create this folder", dir.join(sub).display()))?;
    }
    let old_parts = std::fs::read_dir(dir.join("parts"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == PART_EXTENSION))
                .count()
        })
        .unwrap_or(0);
    Ok((folder, old_parts))
}

/// Write the three scripts, executable.
fn write_scripts(mut folder: OutputDir, job: &Job) -> anyhow::Result<()> {
    folder.write(SHARDS_SCRIPT, |w| {
        w.write_all(job.shards_script().as_bytes())
    })?;
    folder.write(MERGE_SCRIPT, |w| w.write_all(job.merge_script().as_bytes()))?;
    folder.write(SUBMIT_SCRIPT, |w| {
        w.write_all(job.submit_script().as_bytes())
    })?;
    for f in folder.commit()?.files {
        make_executable(&f)?;
    }
    Ok(())
}

/// What was written and how to submit it.
fn print_next_steps(job: &Job, name: &str, old_parts: usize) {
    let (dir, runs, tasks, seed) = (job.dir, job.runs, job.tasks, job.seed);
    let q = |p: &Path| shell_quote(&p.display().to_string());
    let cpus = format!(
        "{} CPU{} per task",
        job.cpus,
        if job.cpus == 1 { "" } else { "s" }
    );
    match job.work {
        Work::Run { .. } => println!(
            "Wrote a Slurm job for {name}: {runs} runs in {tasks} array tasks (at most {} runs \
             each), {cpus}, seed {seed}:",
            runs.div_ceil(tasks)
        ),
        Work::Sweep { points, .. } => println!(
            "Wrote a Slurm job for {name}: {points} design points of {runs} runs in {tasks} array \
             tasks (at most {} points each), {cpus}, seed {seed}:",
            (*points as u64).div_ceil(tasks)
        ),
    }
    println!(
        "  {}  the job array, one shard per task",
        q(&dir.join(SHARDS_SCRIPT))
    );
    println!(
        "  {}   the merge, after every task succeeded",
        q(&dir.join(MERGE_SCRIPT))
    );
    println!("  {}       submits both", q(&dir.join(SUBMIT_SCRIPT)));
    println!("\nSubmit with:\n  sh {}", q(&dir.join(SUBMIT_SCRIPT)));
    println!(
        "or by hand:\n  jid=$(sbatch --parsable {}) && sbatch --dependency=afterok:${{jid%%;*}} {}",
        q(&dir.join(SHARDS_SCRIPT)),
        q(&dir.join(MERGE_SCRIPT))
    );
    println!(
        "\nResults: {}/ (partial results in parts/, Slurm logs in logs/).",
        dir.join("results").display()
    );
    println!(
        "If tasks fail, the merge names the missing shards; rerun only those (and the merge) \
         with\n  sh {} 3,17",
        q(&dir.join(SUBMIT_SCRIPT))
    );
    if old_parts > 0 {
        say!(
            "note: {} already holds {old_parts} partial result{}; remove them if they belong \
             to another study, or the merge will refuse the mix",
            dir.join("parts").display(),
            if old_parts == 1 { "" } else { "s" }
        );
    }
}

use std::io::Write as _;

/// What the array tasks run.
enum Work {
    /// Shards of a study's runs.
    Run {
        /// The scenario's absolute path (none: the built-in flagship).
        scenario: Option<PathBuf>,
    },
    /// Shards of a sweep's design points.
    Sweep {
        /// `entente sweep`'s arguments, as given.
        args: Vec<String>,
        /// Where the jobs run (relative paths in the arguments are from there).
        cwd: PathBuf,
        /// Design points.
        points: usize,
    },
}

/// What the scripts run.
struct Job<'a> {
    name: String,
    exe: &'a Path,
    work: &'a Work,
    dir: &'a Path,
    runs: u64,
    tasks: u64,
    seed: u64,
    cpus: u32,
    partition: Option<&'a str>,
    time: Option<&'a str>,
    theory: Option<&'a str>,
    set: &'a [String],
    per_run: bool,
}

impl Job<'_> {
    fn path(&self, p: &Path) -> String {
        shell_quote(&p.display().to_string())
    }

    /// `#SBATCH` lines shared by both jobs.
    fn common(&self, out: &mut String) {
        if let Work::Sweep { cwd, .. } = self.work {
            out.push_str(&format!(
                "#SBATCH --chdir={}\n",
                directive_value(&cwd.display().to_string())
            ));
        }
        if let Some(p) = self.partition {
            out.push_str(&format!("#SBATCH --partition={p}\n"));
        }
        if let Some(t) = self.time {
            out.push_str(&format!("#SBATCH --time={t}\n"));
        }
    }

    fn shards_script(&self) -> String {
        let last = self.tasks - 1;
        let mut o = String::from("#!/bin/bash\n");
        o.push_str(&format!("#SBATCH --job-name={}\n", self.name));
        o.push_str(&format!("#SBATCH --array=0-{last}\n"));
        o.push_str("#SBATCH --ntasks=1\n");
        o.push_str(&format!("#SBATCH --cpus-per-task={}\n", self.cpus));
        self.common(&mut o);
        // Slurm expands %a (array index) and %A (array job id) in file names only.
        o.push_str(&format!(
            "#SBATCH --output={}\n",
            directive_value(&format!("{}/logs/shard-%a-job%A.out", self.dir.display()))
        ));
        o.push_str(&format!(
            "#\n# Written by `entente slurm` (entente {}): {} runs{} of {} in {} shards.\n",
            env!("CARGO_PKG_VERSION"),
            self.runs,
            if matches!(self.work, Work::Sweep { .. }) {
                " per design point"
            } else {
                ""
            },
            self.name.trim_start_matches("entente-"),
            self.tasks
        ));
        o.push_str(&format!(
            "# Array task K runs shard K of {n} (--shard auto/{n}: the array index is the shard\n\
             # number), so rerunning chosen shards is: sbatch --array=3,17 {script}\n\
             set -euo pipefail\n",
            n = self.tasks,
            script = self.path(&self.dir.join(SHARDS_SCRIPT))
        ));
        let mut cmd = vec![self.path(self.exe)];
        match self.work {
            Work::Run { scenario } => {
                cmd.push("run".into());
                if let Some(s) = scenario {
                    cmd.push(self.path(s));
                }
                cmd.extend([
                    "--runs".into(),
                    self.runs.to_string(),
                    "--seed".into(),
                    self.seed.to_string(),
                ]);
                if let Some(t) = self.theory {
                    cmd.extend(["--theory".into(), shell_quote(t)]);
                }
                for a in self.set {
                    cmd.extend(["--set".into(), shell_quote(a)]);
                }
                if self.per_run {
                    cmd.push("--per-run".into());
                }
            }
            Work::Sweep { args, .. } => {
                cmd.push("sweep".into());
                cmd.extend(args.iter().map(|a| shell_quote(a)));
                cmd.push("--quiet".into());
            }
        }
        cmd.extend([
            "--shard".into(),
            format!("auto/{}", self.tasks),
            "--threads".into(),
            format!("\"${{SLURM_CPUS_PER_TASK:-{}}}\"", self.cpus),
            "--out".into(),
            self.path(&self.dir.join("parts")),
        ]);
        o.push_str(&format!("exec {}\n", cmd.join(" ")));
        o
    }

    fn merge_script(&self) -> String {
        let mut o = String::from("#!/bin/bash\n");
        o.push_str(&format!("#SBATCH --job-name={}-merge\n", self.name));
        o.push_str("#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
        self.common(&mut o);
        // Without this, a merge whose shards failed would wait forever.
        o.push_str("#SBATCH --kill-on-invalid-dep=yes\n");
        o.push_str(&format!(
            "#SBATCH --output={}\n",
            directive_value(&format!("{}/logs/merge-job%j.out", self.dir.display()))
        ));
        o.push_str(&format!(
            "#\n# Written by `entente slurm` (entente {}): merges the shards of {} once they all\n\
             # succeeded (submit with --dependency=afterok:<array job id>, as {} does).\n\
             set -euo pipefail\n",
            env!("CARGO_PKG_VERSION"),
            self.name.trim_start_matches("entente-"),
            SUBMIT_SCRIPT
        ));
        o.push_str(&format!(
            "exec {} merge {} --out {}\n",
            self.path(self.exe),
            self.path(&self.dir.join("parts")),
            self.path(&self.dir.join("results"))
        ));
        o
    }

    fn submit_script(&self) -> String {
        format!(
            r#"#!/bin/sh
# Written by `entente slurm` (entente {version}): submits the shards of {name} as a job array,
# then the merge, which runs once every shard succeeded.
#   sh {submit}          all {tasks} shards
#   sh {submit} 3,17     only shards 3 and 17 (to complete a study after failures)
set -eu
array=${{1:-0-{last}}}
jid=$(sbatch --parsable --array="$array" {shards})
jid=${{jid%%;*}}
mid=$(sbatch --parsable --dependency=afterok:"$jid" {merge})
mid=${{mid%%;*}}
printf 'shards: job array %s (tasks %s); merge: job %s, after they all succeed\n' "$jid" "$array" "$mid"
printf 'watch with: squeue -j %s,%s    results: %s\n' "$jid" "$mid" {results}
"#,
            version = env!("CARGO_PKG_VERSION"),
            name = self.name.trim_start_matches("entente-"),
            submit = self.path(&self.dir.join(SUBMIT_SCRIPT)),
            tasks = self.tasks,
            last = self.tasks - 1,
            shards = self.path(&self.dir.join(SHARDS_SCRIPT)),
            merge = self.path(&self.dir.join(MERGE_SCRIPT)),
            results = self.path(&self.dir.join("results")),
        )
    }
}

/// A Slurm job name from a scenario name: `entente-<name>`, unusual characters as `_`, and
/// the words sbatch blanks out of `#SBATCH` lines ([`HETEROGENEOUS_WORDS`]) split by a `_`.
fn job_name(scenario: &str) -> String {
    let mut clean: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // ASCII only now, so byte positions in the lower-case copy are those of `clean`.
    while let Some(word) = heterogeneous_word(&clean) {
        let at = clean.to_ascii_lowercase().find(word).unwrap_or(0);
        clean.insert(at + 3, '_');
    }
    format!("entente-{clean}")
}

#[cfg(unix)]
fn make_executable(p: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("{}: cannot make it executable", p.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// `s` as one word for a POSIX shell: unchanged when it holds only safe characters, else in
/// single quotes.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/a/b-c.toml"), "/a/b-c.toml");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn job_names_are_safe() {
        assert_eq!(job_name("vostok-2018"), "entente-vostok-2018");
        assert_eq!(job_name("a b/c"), "entente-a_b_c");
        assert_eq!(job_name("my HetJob packjob"), "entente-my_Het_Job_pac_kjob");
    }

    #[test]
    fn directive_values_read_back_as_written() {
        assert_eq!(directive_value("/w/study/x.out"), "/w/study/x.out");
        assert_eq!(directive_value("/w/a b/x"), "\"/w/a b/x\"");
        assert_eq!(
            directive_value(r#"/w/it's "q" #1"#),
            r#""/w/it\'s \"q\" \#1""#
        );
        for bad in [
            "/a\nb",
            "/a\rb",
            "/a\0b",
            "/a\tb",
            r"/a\b",
            "/a%j",
            "/x/HETJOB",
            "/packjob",
        ] {
            assert!(check_directive_path(bad, "--out").is_err(), "{bad:?}");
        }
        for good in ["/a b/c", "/x$(touch y)", "/`id`;'\"#", "/Überstudie ✓"] {
            assert!(check_directive_path(good, "--out").is_ok(), "{good:?}");
        }
    }

    fn job<'a>(dir: &'a Path, set: &'a [String], work: &'a Work) -> Job<'a> {
        Job {
            name: "entente-x".into(),
            exe: Path::new("/opt/entente"),
            work,
            dir,
            runs: 400,
            tasks: 4,
            seed: 7,
            cpus: 2,
            partition: Some("short"),
            time: Some("00:10:00"),
            theory: None,
            set,
            per_run: false,
        }
    }

    #[test]
    fn the_array_runs_one_shard_per_task() {
        let set = ["eta=0.3".to_string()];
        let work = Work::Run {
            scenario: Some(PathBuf::from("/s/x y.toml")),
        };
        let j = job(Path::new("/w/study"), &set, &work);
        let s = j.shards_script();
        for line in [
            "#SBATCH --array=0-3\n",
            "#SBATCH --cpus-per-task=2\n",
            "#SBATCH --partition=short\n",
            "#SBATCH --time=00:10:00\n",
            "#SBATCH --output=/w/study/logs/shard-%a-job%A.out\n",
            "exec /opt/entente run '/s/x y.toml' --runs 400 --seed 7 --set eta=0.3 \
             --shard auto/4 --threads \"${SLURM_CPUS_PER_TASK:-2}\" --out /w/study/parts\n",
        ] {
            assert!(s.contains(line), "{line:?} not in\n{s}");
        }
        let m = j.merge_script();
        assert!(m.contains("#SBATCH --kill-on-invalid-dep=yes\n"), "{m}");
        assert!(
            m.contains("exec /opt/entente merge /w/study/parts --out /w/study/results\n"),
            "{m}"
        );
        let sub = j.submit_script();
        assert!(sub.contains("array=${1:-0-3}\n"), "{sub}");
        assert!(sub.contains("--dependency=afterok:\"$jid\""), "{sub}");
    }

    #[test]
    fn a_sweep_array_runs_the_sweep_from_where_slurm_was_run() {
        let work = Work::Sweep {
            args: vec![
                "--vary".into(),
                "pair.CHN-RUS.mistrust=0.2:0.8".into(),
                "--design".into(),
                "grid:7".into(),
                "my experiment.toml".into(),
            ],
            cwd: PathBuf::from("/home/me/project"),
            points: 7,
        };
        let j = job(Path::new("/w/sw"), &[], &work);
        let s = j.shards_script();
        for line in [
            "#SBATCH --chdir=/home/me/project\n",
            "exec /opt/entente sweep --vary pair.CHN-RUS.mistrust=0.2:0.8 --design grid:7 \
             'my experiment.toml' --quiet --shard auto/4 --threads \"${SLURM_CPUS_PER_TASK:-2}\" \
             --out /w/sw/parts\n",
        ] {
            assert!(s.contains(line), "{line:?} not in\n{s}");
        }
        assert!(
            j.merge_script()
                .contains("merge /w/sw/parts --out /w/sw/results\n")
        );
    }
}
