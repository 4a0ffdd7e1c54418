//! entente in the browser: the library compiled to WebAssembly (`wasm32-unknown-unknown`),
//! reached from the page's JavaScript through a small C ABI (no generated bindings).
//!
//! The page sends a request as JSON bytes and reads the answer's bytes back:
//!
//! - `ew_alloc(len)` reserves `len` bytes in the module's memory for the page to fill;
//! - `ew_call(req, req_len, data, data_len)` takes both buffers (the request, and binary
//!   data or nothing), runs the request and returns 0 (done) or 1 (refused: the answer is a
//!   JSON error); the answer is then at `ew_out_ptr()`, `ew_out_len()` bytes, until the
//!   next call;
//! - while it simulates, the module calls the page's `entente.progress(runs)` with the
//!   number of runs just completed.
//!
//! Every request is one of [`Request`]'s operations, and every answer comes from the same
//! code as the command line's: the scenario parser and its located diagnostics, the theory
//! presets and `--set`, `engine::run` on one thread, the exact statistics (merged exactly
//! from the page's workers, as `entente merge` merges shards), the CSV writers and
//! `entente report`'s page. So the page's `summary.csv` is byte for byte the file `entente
//! run` writes for the same scenario, seed, runs and settings.

use std::cell::RefCell;
use std::path::Path;

use entente::engine::{self, Study};
use entente::output::{self, Kind, Manifest, StudyId};
use entente::scenario::{FLAGSHIP_NAME, Scenario, ScenarioError};
use entente::stats::{ExpectedStats, StudyStats};
use entente::study::{self, StudyError};
use entente::teach::explain::{self, DEFAULT_EVERY, DEFAULT_SETTLE, ExplainOptions};
use entente::teach::report::{self, ReportOptions, Results};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A scenario the page offers: the files shipped in `scenarios/`, embedded.
pub struct Shipped {
    /// Short name used in links (`?scenario=latest`).
    pub id: &'static str,
    /// The file as the command line names it (the flagship: its built-in name).
    pub file: &'static str,
    /// The file's text.
    pub text: &'static str,
}

/// Every shipped scenario, the flagship first.
pub const SHIPPED: [Shipped; 7] = [
    Shipped {
        id: "flagship",
        file: FLAGSHIP_NAME,
        text: entente::scenario::FLAGSHIP_TOML,
    },
    Shipped {
        id: "latest",
        file: "scenarios/latest.toml",
        text: include_str!("../../scenarios/latest.toml"),
    },
    Shipped {
        id: "tutorial/far-strongest-near-weaker",
        file: "scenarios/tutorial/far-strongest-near-weaker.toml",
        text: include_str!("../../scenarios/tutorial/far-strongest-near-weaker.toml"),
    },
    Shipped {
        id: "tutorial/security-dilemma",
        file: "scenarios/tutorial/security-dilemma.toml",
        text: include_str!("../../scenarios/tutorial/security-dilemma.toml"),
    },
    Shipped {
        id: "tutorial/bandwagon",
        file: "scenarios/tutorial/bandwagon.toml",
        text: include_str!("../../scenarios/tutorial/bandwagon.toml"),
    },
    Shipped {
        id: "history/europe-1904",
        file: "scenarios/history/europe-1904.toml",
        text: include_str!("../../scenarios/history/europe-1904.toml"),
    },
    Shipped {
        id: "history/east-asia-1965",
        file: "scenarios/history/east-asia-1965.toml",
        text: include_str!("../../scenarios/history/east-asia-1965.toml"),
    },
];

/// What a study is: the scenario's text and name, and the command line's choices.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The scenario file's text.
    pub scenario: String,
    /// Its name as the command line would give it (`scenarios/latest.toml`, the flagship's
    /// built-in name, or the name of a file the user pasted or chose).
    pub file: String,
    /// `--theory`.
    #[serde(default)]
    pub theory: Option<String>,
    /// `--set`, in order.
    #[serde(default)]
    pub set: Vec<String>,
    /// `--runs` (default: the scenario's).
    #[serde(default)]
    pub runs: Option<u64>,
    /// `--seed` (default: the scenario's).
    #[serde(default)]
    pub seed: Option<u64>,
}

/// One request of the page.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// The shipped scenarios: id, file, title and text.
    Scenarios,
    /// Resolve the settings: the scenario's states, key pairs, defaults and the current
    /// values of the `probe` paths (`eta`, `intent.USA-CHN`, `pair.CHN-RUS.mistrust`).
    Check {
        #[serde(flatten)]
        settings: Settings,
        #[serde(default)]
        probe: Vec<String>,
    },
    /// Simulate runs `first..end` on this thread; the answer is the statistics as JSON (a
    /// shard's statistics, as in a part file).
    Simulate {
        #[serde(flatten)]
        settings: Settings,
        first: u64,
        end: u64,
    },
    /// Start merging the workers' statistics into the whole study's.
    FinishBegin {
        #[serde(flatten)]
        settings: Settings,
    },
    /// Merge one worker's statistics (the request's data) of runs `first..end`.
    FinishPart { first: u64, end: u64 },
    /// Write the study's files from the merged statistics (its report: [`Request::Report`]).
    FinishEnd {
        /// Workers used (the manifest's `threads`).
        threads: usize,
        /// When the study started and finished (RFC 3339, from the page's clock).
        started: String,
        finished: String,
        wall_seconds: f64,
    },
    /// The report of the study just finished (`entente report`'s page).
    Report {
        /// Pairs the report draws (`--pairs` of `entente report`).
        #[serde(default)]
        pairs: Vec<String>,
    },
    /// The story of one run (`entente explain`).
    Explain {
        #[serde(flatten)]
        settings: Settings,
        run: u64,
        #[serde(default)]
        focus: Vec<String>,
        #[serde(default)]
        every: Option<f64>,
        /// Years a change of class must last to be told (`--settle`).
        #[serde(default)]
        settle: Option<f64>,
    },
}

/// A refused request: a message, and the scenario's located problems when that is why.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// Every problem, as the command line prints it.
    pub error: String,
    /// The scenario file's problems, each at its line (empty for other errors).
    pub diagnostics: Vec<Located>,
}

/// One problem of a scenario file, at its place.
#[derive(Debug, Serialize)]
pub struct Located {
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub message: String,
}

impl Failure {
    fn new(error: impl std::fmt::Display) -> Self {
        Self {
            error: error.to_string(),
            diagnostics: Vec::new(),
        }
    }
}

impl From<StudyError> for Failure {
    fn from(e: StudyError) -> Self {
        let diagnostics = match &e {
            StudyError::Scenario(ScenarioError::Invalid(d)) => d
                .items
                .iter()
                .map(|x| Located {
                    line: x.line,
                    column: x.column,
                    field: x.field.clone(),
                    message: x.message.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        Self {
            error: e.to_string(),
            diagnostics,
        }
    }
}

/// The resolved study of `settings`: the scenario (after `--theory` and `--set`), runs and
/// seed, as `entente run` resolves them.
pub fn resolve(settings: &Settings) -> Result<(Scenario, u64, u64), Failure> {
    let s = study::resolve_text(
        &settings.scenario,
        &settings.file,
        settings.theory.as_deref(),
        &settings.set,
    )?;
    let runs = settings.runs.unwrap_or(s.runs);
    if runs == 0 {
        return Err(Failure::new("runs: expected at least 1 run"));
    }
    let seed = settings.seed.unwrap_or(s.seed);
    Ok((s, runs, seed))
}

/// The current value of a `--set` path in `s`, with its range: a model parameter, an
/// intent (`intent.A-B`) or a pair's mistrust, affinity or alignment; `None` when the
/// scenario has no such value (a state it does not hold).
pub fn probe(s: &Scenario, path: &str) -> Option<(f64, f64, f64)> {
    if let Some(spec) = entente::params::spec(path) {
        return Some((s.params.get(path)?, spec.min, spec.max));
    }
    let n = s.n();
    let pair = |ab: &str| {
        let (a, b) = ab.split_once('-')?;
        let (i, k) = (s.index(a)?, s.index(b)?);
        (i != k).then_some((i, k))
    };
    if let Some(ab) = path.strip_prefix("intent.") {
        let (j, i) = pair(ab)?;
        return Some((s.intent[j * n + i], 0.0, 1.0));
    }
    let rest = path.strip_prefix("pair.")?;
    let (ab, field) = rest.rsplit_once('.')?;
    let (i, k) = pair(ab)?;
    let (values, lo) = match field {
        "mistrust" => (&s.mistrust, 0.0),
        "affinity" => (&s.affinity, -1.0),
        "alignment" => (&s.alignment, -1.0),
        _ => return None,
    };
    Some((values[i * n + k], lo, 1.0))
}

fn check(settings: &Settings, probes: &[String]) -> Result<Value, Failure> {
    let (s, runs, seed) = resolve(settings)?;
    let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
    let pair = |&(i, k): &(usize, usize)| format!("{}-{}", ids[i], ids[k]);
    let mut values = serde_json::Map::new();
    for path in probes {
        if let Some((v, lo, hi)) = probe(&s, path) {
            values.insert(path.clone(), json!({"value": v, "min": lo, "max": hi}));
        }
    }
    Ok(json!({
        "name": s.name,
        "title": s.title,
        "states": ids,
        "state_names": s.states.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
        "key_pairs": s.key_pairs.iter().map(pair).collect::<Vec<_>>(),
        "runs": runs,
        "seed": seed,
        "theory": s.theory.name(),
        "start_year": s.start_year,
        "end_year": s.year(s.steps),
        "probes": values,
    }))
}

/// Runs `first..end` of the study on this thread, reporting progress to `progress`; the
/// statistics as JSON.
pub fn simulate(
    settings: &Settings,
    first: u64,
    end: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<u8>, Failure> {
    let (s, runs, seed) = resolve(settings)?;
    if first > end || end > runs {
        return Err(Failure::new(format!(
            "runs {first}..{end}: expected a range within the study's {runs} runs"
        )));
    }
    let study = Study {
        scenario: &s,
        params: s.params.clone(),
        seed,
        runs: first..end,
        threads: 1,
    };
    let stats = engine::run(&study, progress, None).map_err(Failure::new)?;
    serde_json::to_vec(&stats).map_err(Failure::new)
}

/// A study being merged from its workers' statistics.
pub struct Finish {
    settings: Settings,
    scenario: Scenario,
    runs: u64,
    seed: u64,
    stats: StudyStats,
    /// The runs merged so far, as ranges.
    merged: Vec<(u64, u64)>,
    /// The files written by [`Finish::end`].
    files: Option<serde_json::Map<String, Value>>,
}

impl Finish {
    /// Start merging the study of `settings`.
    pub fn begin(settings: Settings) -> Result<Self, Failure> {
        let (scenario, runs, seed) = resolve(&settings)?;
        let stats = StudyStats::new(
            scenario.n(),
            scenario.steps,
            scenario.events.len(),
            &scenario.params,
        );
        Ok(Self {
            settings,
            scenario,
            runs,
            seed,
            stats,
            merged: Vec::new(),
            files: None,
        })
    }

    /// Merge the statistics (`json`, as [`simulate`] wrote them) of runs `first..end`,
    /// checked as an untrusted part is.
    pub fn part(&mut self, first: u64, end: u64, json: &[u8]) -> Result<(), Failure> {
        if first >= end || end > self.runs || self.merged.iter().any(|&(a, b)| first < b && a < end)
        {
            return Err(Failure::new(format!(
                "runs {first}..{end}: not a new range of the study's {} runs",
                self.runs
            )));
        }
        let ids: Vec<String> = self.scenario.states.iter().map(|x| x.id.clone()).collect();
        let expected = ExpectedStats {
            template: &self.stats,
            runs: end - first,
            state_ids: &ids,
        };
        let part = StudyStats::from_untrusted_json(json, &expected).map_err(Failure::new)?;
        self.stats.merge(&part);
        self.merged.push((first, end));
        Ok(())
    }

    /// The study's files (`summary.csv`, `timeseries.csv`, `states.csv`, `camps.csv`,
    /// `manifest.json`), once every run is merged; kept for [`Finish::report`].
    pub fn end(&mut self, meta: &FinishMeta) -> Result<Value, Failure> {
        let done: u64 = self.merged.iter().map(|&(a, b)| b - a).sum();
        if done != self.runs {
            return Err(Failure::new(format!(
                "{done} of the study's {} runs merged",
                self.runs
            )));
        }
        let (s, st) = (&self.scenario, &self.stats);
        let csv = |write: fn(&Scenario, &StudyStats, &mut Vec<u8>) -> std::io::Result<()>| {
            let mut buf = Vec::new();
            write(s, st, &mut buf).map_err(Failure::new)?;
            String::from_utf8(buf).map_err(Failure::new)
        };
        let files = [
            (
                "summary.csv",
                csv(|s, st, w| output::summary_csv(s, st, w))?,
            ),
            (
                "timeseries.csv",
                csv(|s, st, w| output::timeseries_csv(s, st, w))?,
            ),
            ("states.csv", csv(|s, st, w| output::states_csv(s, st, w))?),
            ("camps.csv", csv(|s, st, w| output::camps_csv(s, st, w))?),
        ];
        let mut listed: Vec<String> = files.iter().map(|(name, _)| name.to_string()).collect();
        listed.push("manifest.json".into());
        let manifest = Manifest {
            kind: Kind::Run,
            format: Kind::Run.format(),
            study: StudyId::new(
                s,
                self.settings.file.clone(),
                None,
                self.seed,
                self.runs,
                self.settings.set.clone(),
            ),
            files: listed,
            shards: None,
            threads: meta.threads,
            started: meta.started.clone(),
            finished: meta.finished.clone(),
            wall_seconds: meta.wall_seconds,
        };
        let mut manifest_json = serde_json::to_string_pretty(&manifest).map_err(Failure::new)?;
        manifest_json.push('\n');
        let mut out = serde_json::Map::new();
        for (name, text) in files {
            out.insert(name.into(), text.into());
        }
        out.insert("manifest.json".into(), manifest_json.into());
        self.files = Some(out.clone());
        Ok(Value::Object(out))
    }

    /// The report of the finished study, drawing `pairs` (default: the scenario's key pairs).
    pub fn report(&self, pairs: Vec<String>) -> Result<String, Failure> {
        let Some(files) = &self.files else {
            return Err(Failure::new("report before finish_end"));
        };
        let file = |name: &str| -> Result<Vec<u8>, report::ReportError> {
            Ok(files
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .as_bytes()
                .to_vec())
        };
        let results = Results::from_files(Path::new("browser"), file).map_err(Failure::new)?;
        let opts = ReportOptions {
            pairs,
            scenario_text: Some(self.settings.scenario.clone()),
            ..ReportOptions::default()
        };
        report::html(&results, Some(&self.scenario), None, &opts).map_err(Failure::new)
    }
}

/// What the page knows of a study's execution, for its manifest and report.
pub struct FinishMeta {
    pub threads: usize,
    pub started: String,
    pub finished: String,
    pub wall_seconds: f64,
}

/// The story of run `run` of the settings' study (`entente explain`), as text: `focus`,
/// `every` and `settle` as its options of those names (absent: their defaults).
fn explain_text(
    settings: &Settings,
    run: u64,
    focus: Vec<String>,
    every: Option<f64>,
    settle: Option<f64>,
) -> Result<Value, Failure> {
    let (s, runs, seed) = resolve(settings)?;
    if run >= runs {
        return Err(Failure::new(format!(
            "run {run}: expected a run index below the study's {runs} runs"
        )));
    }
    let opts = ExplainOptions {
        run,
        seed,
        focus: (!focus.is_empty()).then_some(focus),
        every: every.unwrap_or(DEFAULT_EVERY),
        settle: settle.unwrap_or(DEFAULT_SETTLE),
    };
    let story = explain::explain(&s, &opts).map_err(Failure::new)?;
    Ok(json!({ "text": story.to_text() }))
}

thread_local! {
    /// The study being merged ([`Request::FinishBegin`] to [`Request::FinishEnd`]).
    static FINISH: RefCell<Option<Finish>> = const { RefCell::new(None) };
}

/// Answer one request (`data`: the binary data it comes with). `Ok` holds the answer's
/// bytes: JSON, or the statistics for [`Request::Simulate`].
pub fn handle(
    request: &[u8],
    data: &[u8],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<u8>, Failure> {
    let request: Request = serde_json::from_slice(request)
        .map_err(|e| Failure::new(format!("a request the module does not know: {e}")))?;
    let answer = match request {
        Request::Scenarios => {
            let list: Vec<Value> = SHIPPED
                .iter()
                .map(|x| {
                    let title = entente::scenario::parse(x.text, x.file)
                        .map(|s| s.title)
                        .unwrap_or_default();
                    json!({"id": x.id, "file": x.file, "title": title, "text": x.text})
                })
                .collect();
            json!(list)
        }
        Request::Check { settings, probe } => check(&settings, &probe)?,
        Request::Simulate {
            settings,
            first,
            end,
        } => return simulate(&settings, first, end, progress),
        Request::FinishBegin { settings } => {
            let f = Finish::begin(settings)?;
            FINISH.with(|x| *x.borrow_mut() = Some(f));
            json!({})
        }
        Request::FinishPart { first, end } => FINISH.with(|x| match x.borrow_mut().as_mut() {
            Some(f) => f.part(first, end, data).map(|()| json!({})),
            None => Err(Failure::new("finish_part before finish_begin")),
        })?,
        Request::FinishEnd {
            threads,
            started,
            finished,
            wall_seconds,
        } => {
            let meta = FinishMeta {
                threads,
                started,
                finished,
                wall_seconds,
            };
            FINISH.with(|x| match x.borrow_mut().as_mut() {
                Some(f) => f.end(&meta),
                None => Err(Failure::new("finish_end before finish_begin")),
            })?
        }
        Request::Report { pairs } => FINISH.with(|x| match x.borrow().as_ref() {
            Some(f) => f.report(pairs).map(|html| json!({ "report.html": html })),
            None => Err(Failure::new("report before finish_begin")),
        })?,
        Request::Explain {
            settings,
            run,
            focus,
            every,
            settle,
        } => explain_text(&settings, run, focus, every, settle)?,
    };
    serde_json::to_vec(&answer).map_err(Failure::new)
}

// ---- The C ABI of the WebAssembly module. ----

thread_local! {
    /// The last answer, read by the page through `ew_out_ptr` and `ew_out_len`.
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

#[cfg(target_family = "wasm")]
#[link(wasm_import_module = "entente")]
unsafe extern "C" {
    /// The page's progress callback: `runs` more runs are done.
    #[link_name = "progress"]
    fn page_progress(runs: f64);
}

fn report_progress(runs: u64) {
    #[cfg(target_family = "wasm")]
    // SAFETY: an imported JavaScript function taking a number; it touches no Rust memory.
    unsafe {
        page_progress(runs as f64)
    };
    #[cfg(not(target_family = "wasm"))]
    let _ = runs;
}

/// Reserve `len` bytes for the page to write a request into; [`ew_call`] takes them back.
#[unsafe(no_mangle)]
pub extern "C" fn ew_alloc(len: usize) -> *mut u8 {
    let mut buf = std::mem::ManuallyDrop::new(Vec::<u8>::with_capacity(len));
    buf.as_mut_ptr()
}

/// Take back a buffer of [`ew_alloc`] (`len` as given there).
///
/// # Safety
/// `ptr` and `len` must come from one call of [`ew_alloc`], not yet taken back.
unsafe fn take(ptr: *mut u8, len: usize) -> Vec<u8> {
    // SAFETY: the caller passes a buffer of `ew_alloc(len)`, which has capacity `len` and
    // which the page filled with `len` bytes.
    unsafe { Vec::from_raw_parts(ptr, len, len) }
}

/// Answer the request in `req` (JSON) with `data` (binary, may be empty); both buffers come
/// from [`ew_alloc`] and are taken back. Returns 0 when answered, 1 when refused (the answer
/// is then a [`Failure`] as JSON).
///
/// # Safety
/// Each pointer and length must come from one call of [`ew_alloc`] whose bytes the caller
/// wrote, not yet passed to `ew_call`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ew_call(
    req: *mut u8,
    req_len: usize,
    data: *mut u8,
    data_len: usize,
) -> u32 {
    // SAFETY: as this function's contract says.
    let (req, data) = unsafe { (take(req, req_len), take(data, data_len)) };
    let (status, answer) = match handle(&req, &data, &report_progress) {
        Ok(bytes) => (0, bytes),
        Err(f) => (1, serde_json::to_vec(&f).unwrap_or_default()),
    };
    OUT.with(|o| *o.borrow_mut() = answer);
    status
}

/// Where the last answer starts.
#[unsafe(no_mangle)]
pub extern "C" fn ew_out_ptr() -> *const u8 {
    OUT.with(|o| o.borrow().as_ptr())
}

/// The last answer's length in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn ew_out_len() -> usize {
    OUT.with(|o| o.borrow().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str, file: &str, runs: u64) -> Settings {
        Settings {
            scenario: text.into(),
            file: file.into(),
            theory: None,
            set: vec!["eta=0.3".into()],
            runs: Some(runs),
            seed: Some(11),
        }
    }

    fn ask(request: Value, data: &[u8]) -> Result<Value, Failure> {
        let bytes = handle(&serde_json::to_vec(&request).unwrap(), data, &|_| {})?;
        Ok(serde_json::from_slice(&bytes).unwrap())
    }

    /// Every scenario shipped in `scenarios/` (experiment files aside) is offered, with the
    /// name the command line gives it.
    #[test]
    fn every_shipped_scenario_is_offered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["scenarios", "scenarios/tutorial", "scenarios/history"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "toml") {
                    files.push(format!(
                        "{dir}/{}",
                        p.file_name().unwrap().to_str().unwrap()
                    ));
                }
            }
        }
        for f in &files {
            let offered = SHIPPED.iter().any(|s| {
                s.file == f || (s.file == FLAGSHIP_NAME && f == "scenarios/vostok-2018.toml")
            });
            assert!(
                offered,
                "{f} is not offered by the page (web/src/lib.rs SHIPPED)"
            );
        }
        assert_eq!(SHIPPED.len(), files.len());
        for s in &SHIPPED {
            let text = std::fs::read_to_string(root.join(if s.file == FLAGSHIP_NAME {
                "scenarios/vostok-2018.toml"
            } else {
                s.file
            }))
            .unwrap();
            assert_eq!(s.text, text, "{}", s.file);
        }
    }

    /// A broken scenario is refused with each problem at its line.
    #[test]
    fn problems_come_back_at_their_lines() {
        let text = SHIPPED[2]
            .text
            .replacen("horizon = ", "horizon = \"soon\" #", 1);
        let line = text.lines().position(|l| l.starts_with("horizon")).unwrap() + 1;
        let req = json!({"op": "check", "scenario": text, "file": "mine.toml"});
        let f = ask(req, &[]).expect_err("refused");
        assert_eq!(f.diagnostics.len(), 1, "{}", f.error);
        assert_eq!(f.diagnostics[0].line, line);
        assert_eq!(f.diagnostics[0].field, "scenario.horizon");
        assert!(
            f.error.starts_with(&format!("mine.toml:{line}:")),
            "{}",
            f.error
        );
        let f = ask(json!({"op": "nonsense"}), &[]).err().unwrap();
        assert!(f.error.contains("does not know"), "{}", f.error);
    }

    /// Statistics simulated in parts and merged give the files of one whole study, and the
    /// merge refuses overlapping, foreign or missing runs.
    #[test]
    fn parts_merged_are_the_whole_study() {
        let sc = &SHIPPED[3];
        let s = settings(sc.text, sc.file, 100);
        let whole = {
            let (scenario, runs, seed) = resolve(&s).unwrap();
            let study = Study {
                scenario: &scenario,
                params: scenario.params.clone(),
                seed,
                runs: 0..runs,
                threads: 1,
            };
            let st = engine::run(&study, &|_| {}, None).unwrap();
            let mut buf = Vec::new();
            output::summary_csv(&scenario, &st, &mut buf).unwrap();
            String::from_utf8(buf).unwrap()
        };
        let a = simulate(&s, 0, 37, &|_| {}).unwrap();
        let b = simulate(&s, 37, 100, &|_| {}).unwrap();
        let mut f = Finish::begin(s.clone()).unwrap();
        f.part(37, 100, &b).unwrap();
        let meta = FinishMeta {
            threads: 2,
            started: "2026-12-06T00:00:00Z".into(),
            finished: "2026-12-06T00:00:01Z".into(),
            wall_seconds: 1.0,
        };
        assert!(f.end(&meta).is_err(), "37 runs missing");
        assert!(f.part(50, 60, &b).is_err(), "overlaps 37..100");
        assert!(f.part(0, 37, &b).is_err(), "statistics of 63 runs, not 37");
        f.part(0, 37, &a).unwrap();
        let files = f.end(&meta).unwrap();
        assert_eq!(files["summary.csv"], json!(whole));
        let m: Value = serde_json::from_str(files["manifest.json"].as_str().unwrap()).unwrap();
        assert_eq!(m["scenario_file"], json!(sc.file));
        assert_eq!(m["runs"], json!(100));
        assert_eq!(m["seed"], json!(11));
        assert_eq!(m["set"], json!(["eta=0.3"]));
        assert!(f.report(vec![]).unwrap().contains("<svg"));
        assert!(simulate(&s, 90, 101, &|_| {}).is_err(), "beyond the study");
    }

    /// The probes read the values the sliders start from, and only where they exist.
    #[test]
    fn probes_read_the_scenario() {
        let (s, _, _) = resolve(&Settings {
            scenario: SHIPPED[0].text.into(),
            file: SHIPPED[0].file.into(),
            theory: None,
            set: vec![
                "intent.USA-CHN=0.85".into(),
                "pair.CHN-RUS.mistrust=0.4".into(),
            ],
            runs: None,
            seed: None,
        })
        .unwrap();
        assert_eq!(probe(&s, "intent.USA-CHN"), Some((0.85, 0.0, 1.0)));
        assert_eq!(probe(&s, "pair.CHN-RUS.mistrust"), Some((0.4, 0.0, 1.0)));
        assert_eq!(probe(&s, "pair.RUS-CHN.mistrust"), Some((0.4, 0.0, 1.0)));
        assert_eq!(probe(&s, "eta").map(|x| x.0), Some(s.params.eta));
        assert_eq!(probe(&s, "intent.USA-XXX"), None);
        assert_eq!(probe(&s, "pair.CHN-CHN.mistrust"), None);
        assert_eq!(probe(&s, "nonsense"), None);
    }
}
