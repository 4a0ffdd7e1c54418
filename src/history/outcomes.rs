//! Outcomes tables: what happened to pairs of a study, coded by hand (`a,b,year,outcome`),
//! read by `entente score`.
//!
//! The table is untrusted text: every problem is returned, located by line and field, and
//! nothing in it can make the reader panic (it is fuzzed: `fuzz/`, target `outcomes`). The
//! format is described in `entente score --help`:
//!
//! ```text
//! a,b,year,outcome
//! CHN,RUS,2024,neutral
//! USA,CHN,2018,rival
//! ```
//!
//! - `a`, `b`: two different state ids of the study, in either order;
//! - `year`: the study's start year, or a later year that is a whole number of years after
//!   it, a time step of the study and not past its horizon;
//! - `outcome`: `ally`, `neutral` or `rival` (lower case).
//!
//! The four columns may come in any order; other columns are ignored, and so are blank lines
//! and lines starting with `#`; a quoted field cannot span lines. Each (pair, year) may appear
//! once.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::score::Class;
use crate::model::PairClass;
use crate::model::formulas::classify;
use crate::model::world::upper;
use crate::output::format_year;
use crate::scenario::{Scenario, closest};

/// The columns an outcomes table must have.
pub const COLUMNS: [&str; 4] = ["a", "b", "year", "outcome"];
/// How many problems of an outcomes table [`problems_text`] lists before the rest are counted.
pub const MAX_PROBLEMS: usize = 20;
/// Slack when comparing years computed in floating point (a year step is at least days long).
const YEAR_EPS: f64 = 1e-6;

/// What reading and scoring an outcomes table needs from the study's scenario.
#[derive(Debug, Clone)]
pub struct Study {
    /// The states' ids, in the scenario's order.
    pub ids: Vec<String>,
    /// Start year, a whole year.
    pub start: i64,
    /// Start year as the scenario gives it.
    pub start_year: f64,
    /// Simulated years.
    pub horizon: f64,
    /// Years per step.
    pub dt: f64,
    /// Year of each step as `timeseries.csv` writes it.
    pub step_years: Vec<String>,
    /// Pair index (row-major upper triangle) of `(i, k)`, `i < k`.
    pub pair: HashMap<(usize, usize), usize>,
    /// The states `(i, k)` of each pair index.
    pub pairs: Vec<(usize, usize)>,
    /// Class of each pair's initial alignment.
    pub initial: Vec<Class>,
}

impl Study {
    /// The study of scenario `s`; an error (the message) when its start year is not a whole
    /// year.
    pub fn new(s: &Scenario) -> Result<Self, String> {
        if s.start_year.fract() != 0.0 || !s.start_year.is_finite() {
            return Err(format!(
                "scenario {}: start_year {} is not a whole year; `entente score` scores whole years after the start",
                s.name, s.start_year
            ));
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
                    PairClass::Alliance => Class::Ally,
                    PairClass::Rivalry => Class::Rival,
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

    /// The last year of the study, as `timeseries.csv` writes it.
    pub fn end_year(&self) -> String {
        format_year(self.start_year + self.horizon)
    }

    /// The state ids `(a, b)` of pair index `q`.
    pub fn pair_name(&self, q: usize) -> (String, String) {
        let (i, k) = self.pairs[q];
        (self.ids[i].clone(), self.ids[k].clone())
    }

    fn id_list(&self) -> String {
        self.ids.join(", ")
    }
}

/// One valid row of an outcomes table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// 1-based line in the file.
    pub line: u64,
    /// Pair index (into [`Study::pairs`]).
    pub q: usize,
    /// Time step of the study (into [`Study::step_years`]).
    pub step: usize,
    /// Whole years after the start.
    pub horizon: u32,
    /// What happened.
    pub class: Class,
}

/// A problem with the outcomes table: line (0 for the whole file), field, message.
pub type Problem = (u64, String, String);

/// The problems of the outcomes table `file` as one message: each on its line, located
/// (`FILE:LINE: FIELD: MESSAGE`), at most [`MAX_PROBLEMS`] of them, then how many more.
pub fn problems_text(file: &str, problems: &[Problem]) -> String {
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

/// Parse and check an outcomes table against the study: its rows in file order, or every
/// problem found, located. At least one row must be after the start year.
pub fn parse(bytes: &[u8], study: &Study) -> Result<Vec<Outcome>, Vec<Problem>> {
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
