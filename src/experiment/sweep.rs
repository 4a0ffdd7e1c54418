//! Sweeps: one study per design point, and the rows of a sweep folder.
//!
//! A point is evaluated by an [`Evaluator`]: one function from a design point to rows of
//! outputs. [`StudyEvaluator`] runs a Monte Carlo study of the scenario with the point's
//! values and reports each recorded pair's statistics at the horizon; other evaluators (a
//! backtest's scores, for calibration) plug in without touching designs or output.
//!
//! Every point runs the same run indices with the same seed, so run `r` of every point
//! draws the same random stream (common random numbers): two points differ only by their
//! values, not by sampling noise.

use std::fmt::Write as _;

use super::design::{Factor, Value};
use super::sensitivity::{self, Index};
use crate::engine::{self, Study};
use crate::history::backtest::{self, Backtest, BacktestOptions, Prepared};
use crate::history::data::HistoryData;
use crate::history::score::{Method as ScoreMethod, Subset, score_table};
use crate::model::world::upper;
use crate::output::num;
use crate::scenario::Scenario;

/// The outputs a study evaluator reports for each pair, in column order: those of
/// `summary.csv`.
pub const OUTPUTS: [&str; 7] = crate::output::PAIR_END_STATS;

/// The outputs whose sensitivity is estimated (indices of [`OUTPUTS`]).
pub const SENSITIVITY_OUTPUTS: [usize; 3] = [0, 2, 3];

/// One row of outputs: its key (for a study, the pair's two ids) and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputRow {
    /// Key fields, one per key column.
    pub key: Vec<String>,
    /// Values, one per output column.
    pub values: Vec<f64>,
}

/// What turns a design point into rows of outputs.
pub trait Evaluator: Sync {
    /// Names of the key columns (`a`, `b`).
    fn key_columns(&self) -> Vec<String>;
    /// Names of the output columns.
    fn output_columns(&self) -> Vec<String>;
    /// The rows of one point, always the same keys in the same order. `progress` is told of
    /// work done (runs).
    fn evaluate(
        &self,
        values: &[Value],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<OutputRow>, String>;
}

/// The scenario of a design point: the base scenario, the theory (a `theory` factor, else
/// `theory`), then the global `--set` assignments, then the point's values in factor order.
pub fn apply_point(
    base: &Scenario,
    theory: Option<&str>,
    set: &[String],
    factors: &[Factor],
    values: &[Value],
) -> Result<Scenario, String> {
    let mut s = base.clone();
    let (point_theory, all) = point_assignments(set, factors, values);
    let theory = point_theory.or_else(|| theory.map(str::to_string));
    s.apply_choices(theory.as_deref(), &all)
        .map_err(|e| e.to_string())?;
    Ok(s)
}

/// A Monte Carlo study per point; one row per recorded pair.
pub struct StudyEvaluator<'a> {
    /// The scenario as read from its file.
    pub base: &'a Scenario,
    /// `--theory`.
    pub theory: Option<String>,
    /// `--set`, applied to every point before its own values.
    pub set: Vec<String>,
    /// The factors, in the design's order.
    pub factors: &'a [Factor],
    /// Runs per point.
    pub runs: u64,
    /// Master seed, the same for every point.
    pub seed: u64,
    /// Worker threads per study.
    pub threads: usize,
    /// Pairs recorded, as `(i, k)` state indices with `i < k`, in the scenario's pair order.
    pub pairs: Vec<(usize, usize)>,
}

/// The index of pair `(i, k)` (`i < k < n`) in `upper(n)` order: the pairs of rows `0..i`,
/// then `k`'s place in row `i`.
pub fn pair_index(n: usize, i: usize, k: usize) -> usize {
    i * n - i * (i + 1) / 2 + (k - i - 1)
}

impl Evaluator for StudyEvaluator<'_> {
    fn key_columns(&self) -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    fn output_columns(&self) -> Vec<String> {
        OUTPUTS.iter().map(|s| s.to_string()).collect()
    }

    fn evaluate(
        &self,
        values: &[Value],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<OutputRow>, String> {
        let n = self.base.n();
        if let Some(&(i, k)) = self.pairs.iter().find(|&&(i, k)| !(i < k && k < n)) {
            return Err(format!(
                "pair ({i}, {k}) is not a pair of the scenario's {n} states (expected i < k < {n})"
            ));
        }
        let s = apply_point(
            self.base,
            self.theory.as_deref(),
            &self.set,
            self.factors,
            values,
        )?;
        let stats = engine::run(
            &Study {
                scenario: &s,
                params: s.params.clone(),
                seed: self.seed,
                runs: 0..self.runs,
                threads: self.threads,
            },
            progress,
            None,
        )
        .map_err(|e| e.to_string())?;
        Ok(self
            .pairs
            .iter()
            .map(|&(i, k)| OutputRow {
                key: vec![s.states[i].id.clone(), s.states[k].id.clone()],
                values: crate::output::pair_end_stats(&stats, pair_index(s.n(), i, k)).to_vec(),
            })
            .collect())
    }
}

/// The outputs a backtest evaluator reports for each horizon and subset, in column order: the
/// model's scores of `scores.csv` (all start years pooled).
pub const BACKTEST_OUTPUTS: &[&str] = crate::history::score::SCORES_COLUMNS.split_at(4).1;

/// The point's `--set` assignments: `set`, then the point's values in factor order (a
/// `theory` factor is returned apart).
pub fn point_assignments(
    set: &[String],
    factors: &[Factor],
    values: &[Value],
) -> (Option<String>, Vec<String>) {
    let mut theory = None;
    let mut all: Vec<String> = set.to_vec();
    for (f, v) in factors.iter().zip(values) {
        if f.path == "theory" {
            theory = Some(v.text());
        } else {
            all.push(format!("{}={}", f.path, v.text()));
        }
    }
    (theory, all)
}

/// A backtest per point: the model's scores, all start years pooled, one row per horizon and
/// subset (keys `horizon`, `subset`), the same numbers as `entente backtest` writes in
/// `scores.csv` for the same options and values.
pub struct BacktestEvaluator<'a> {
    /// The history data.
    pub data: &'a HistoryData,
    /// The backtest's options; its `set` is applied to every point before its own values.
    pub options: &'a BacktestOptions,
    /// The start years, built once.
    pub prepared: &'a Prepared,
    /// The factors, in the design's order.
    pub factors: &'a [Factor],
}

impl BacktestEvaluator<'_> {
    /// The backtest of one point.
    pub fn backtest(
        &self,
        values: &[Value],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Backtest, String> {
        let (theory, set) = point_assignments(&self.options.set, self.factors, values);
        let mut o = self.options.clone();
        if theory.is_some() {
            o.theory = theory;
        }
        backtest::simulate(self.data, &o, self.prepared, &set, progress)
    }

    /// The rows of a backtest: the model's pooled scores per horizon and subset.
    pub fn rows(b: &Backtest) -> Vec<OutputRow> {
        score_table(&b.forecasts)
            .into_iter()
            .filter(|r| r.start_year.is_none() && r.method == ScoreMethod::Model)
            .map(|r| {
                let u = |x: Option<f64>| x.unwrap_or(f64::NAN);
                OutputRow {
                    key: vec![r.horizon.to_string(), r.subset.name().to_string()],
                    values: vec![
                        u(r.brier),
                        u(r.log_score),
                        u(r.skill_vs_persistence),
                        u(r.skill_vs_climatology),
                        u(r.accuracy),
                        r.pairs as f64,
                    ],
                }
            })
            .collect()
    }

    /// The keys of every point's rows, `horizon,subset`, in row order.
    pub fn keys(&self) -> Vec<Vec<String>> {
        self.options
            .horizons
            .iter()
            .flat_map(|h| {
                Subset::ALL
                    .iter()
                    .map(move |s| vec![h.to_string(), s.name().to_string()])
            })
            .collect()
    }
}

impl Evaluator for BacktestEvaluator<'_> {
    fn key_columns(&self) -> Vec<String> {
        vec!["horizon".into(), "subset".into()]
    }

    fn output_columns(&self) -> Vec<String> {
        BACKTEST_OUTPUTS.iter().map(|s| s.to_string()).collect()
    }

    fn evaluate(
        &self,
        values: &[Value],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<OutputRow>, String> {
        let rows = Self::rows(&self.backtest(values, progress)?);
        let keys = self.keys();
        if rows.len() != keys.len() || rows.iter().zip(&keys).any(|(r, k)| &r.key != k) {
            return Err(format!(
                "the backtest gave {} score rows where {} (one per horizon and subset) were expected: a horizon without any pair?",
                rows.len(),
                keys.len()
            ));
        }
        Ok(rows)
    }
}

/// The CSV line(s) of one point's rows in `sweep.csv`: `point`, key fields, values with 6
/// decimals (empty when undefined), `\n` line ends.
pub fn point_lines(point: usize, rows: &[OutputRow]) -> String {
    let mut t = String::new();
    for r in rows {
        let _ = write!(t, "{point}");
        for k in &r.key {
            t.push(',');
            t.push_str(&csv_field(k));
        }
        for v in &r.values {
            t.push(',');
            t.push_str(&num(*v));
        }
        t.push('\n');
    }
    t
}

/// A CSV field, quoted when it needs to be.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `design.csv`: `point`, then one column per factor path, the exact values used.
pub fn design_csv(factors: &[Factor], points: &[Vec<Value>]) -> String {
    let mut t = String::from("point");
    for f in factors {
        t.push(',');
        t.push_str(&csv_field(&f.path));
    }
    t.push('\n');
    for (p, values) in points.iter().enumerate() {
        let _ = write!(t, "{p}");
        for v in values {
            t.push(',');
            t.push_str(&csv_field(&v.text()));
        }
        t.push('\n');
    }
    t
}

/// How the sensitivity of the outputs is estimated, from the design's layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Morris elementary effects.
    Morris {
        /// Trajectories.
        r: usize,
        /// Factors.
        k: usize,
        /// Levels.
        levels: usize,
    },
    /// Sobol indices from a Saltelli design.
    Sobol {
        /// Base samples.
        n: usize,
        /// Factors.
        k: usize,
    },
}

/// Bootstrap resamples of the sensitivity intervals.
pub const RESAMPLES: usize = 1000;

/// One key row's outputs over the points of a sweep: what the estimators read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// The row's key (for a study, the pair's two ids).
    pub key: Vec<String>,
    /// Per output column, the value at every point in point order (empty for an output
    /// that was not kept).
    pub values: Vec<Vec<f64>>,
}

/// `sensitivity.csv`: for each sensitivity output and each key row, the indices of every
/// factor; rows of outputs that do not vary are written empty with a note.
pub fn sensitivity_csv(
    method: Method,
    key_columns: &[String],
    factors: &[Factor],
    unit: Option<&[Vec<f64>]>,
    outputs: &[String],
    series: &[Series],
    seed: u64,
) -> String {
    let mut t = format!(
        "output,{},factor,method,index,estimate,ci_low,ci_high,note\n",
        key_columns
            .iter()
            .map(|k| csv_field(k))
            .collect::<Vec<_>>()
            .join(",")
    );
    let (mname, names): (&str, &[&str]) = match method {
        Method::Morris { .. } => ("morris", &["mu", "mu_star", "sigma"]),
        Method::Sobol { .. } => ("sobol", &["S1", "ST"]),
    };
    for &o in &SENSITIVITY_OUTPUTS {
        if o >= outputs.len() {
            continue;
        }
        for key in series {
            let y: &[f64] = key.values.get(o).map_or(&[], Vec::as_slice);
            let result = match (method, unit) {
                (Method::Morris { r, k, levels }, Some(u)) => {
                    sensitivity::morris(u, y, r, k, levels, RESAMPLES, seed)
                }
                (Method::Sobol { n, k }, _) => sensitivity::sobol(y, n, k, RESAMPLES, seed),
                (Method::Morris { .. }, None) => Err(sensitivity::NoIndices(
                    "no unit-scaled design for Morris".into(),
                )),
            };
            let keys: Vec<String> = key.key.iter().map(|k| csv_field(k)).collect();
            let prefix = format!("{},{}", outputs[o], keys.join(","));
            match result {
                Ok(indices) => {
                    for ix in &indices {
                        let Index {
                            factor,
                            method: _,
                            index,
                            estimate,
                            ci_low,
                            ci_high,
                        } = ix;
                        let _ = writeln!(
                            t,
                            "{prefix},{},{mname},{index},{},{},{},",
                            csv_field(&factors[*factor].path),
                            num(*estimate),
                            ci_low.map_or(String::new(), num),
                            ci_high.map_or(String::new(), num),
                        );
                    }
                }
                Err(sensitivity::NoIndices(why)) => {
                    for f in factors {
                        for name in names {
                            let _ = writeln!(
                                t,
                                "{prefix},{},{mname},{name},,,,{}",
                                csv_field(&f.path),
                                csv_field(&why)
                            );
                        }
                    }
                }
            }
        }
    }
    t
}

/// The pairs a spec names (`A-B,C-D`), as `(i, k)` with `i < k` in the scenario's pair
/// order; all pairs when `spec` is empty.
pub fn pairs_of(s: &Scenario, spec: &[String]) -> Result<Vec<(usize, usize)>, String> {
    if spec.is_empty() {
        return Ok(upper(s.n()).collect());
    }
    let mut out = Vec::new();
    for p in spec {
        let Some((a, b)) = p.split_once('-') else {
            return Err(format!(
                "--pairs `{p}`: expected two state ids joined by `-` (CHN-RUS)"
            ));
        };
        let find = |id: &str| {
            s.index(id.trim()).ok_or_else(|| {
                let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
                format!(
                    "--pairs `{p}`: unknown state `{}` (states: {})",
                    id.trim(),
                    ids.join(", ")
                )
            })
        };
        let (i, k) = (find(a)?, find(b)?);
        if i == k {
            return Err(format!("--pairs `{p}`: expected two different states"));
        }
        out.push((i.min(k), i.max(k)));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// How to spread `points` points over `threads` threads: `(workers, threads per point)`.
/// With at least as many points as threads, each worker runs whole points on one thread (no
/// per-point thread pool, no merge of accumulators); otherwise the points run one after the
/// other, each on every thread. The results are the same bytes either way.
pub fn workers_for(points: usize, threads: usize) -> (usize, usize) {
    let threads = threads.max(1);
    if points >= threads && threads > 1 {
        (threads, 1)
    } else {
        (1, threads)
    }
}

/// Evaluate the points `range` of `points` with `workers` threads, each evaluating whole
/// points, and hand each point's `sweep.csv` lines to `on_done` in point order (whatever order
/// the points finish in). The first error stops the work and is returned.
pub fn evaluate_points<E: Evaluator + ?Sized>(
    eval: &E,
    points: &[Vec<Value>],
    range: std::ops::Range<usize>,
    workers: usize,
    tick: &(dyn Fn(u64) + Sync),
    on_done: &mut (dyn FnMut(usize, String) -> Result<(), String> + Send),
) -> Result<(), String> {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Shared<'f> {
        pending: BTreeMap<usize, String>,
        next: usize,
        error: Option<String>,
        on_done: &'f mut (dyn FnMut(usize, String) -> Result<(), String> + Send),
    }
    if range.end > points.len() {
        return Err(format!(
            "points {}..{} asked of a design of {} points",
            range.start,
            range.end,
            points.len()
        ));
    }
    let shared = Mutex::new(Shared {
        pending: BTreeMap::new(),
        next: range.start,
        error: None,
        on_done,
    });
    let claim = AtomicUsize::new(range.start);
    let work = || {
        loop {
            let p = claim.fetch_add(1, Ordering::Relaxed);
            if p >= range.end {
                break;
            }
            if shared.lock().map_or(true, |s| s.error.is_some()) {
                break;
            }
            let result = eval.evaluate(&points[p], tick);
            let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
            match result {
                Err(e) => {
                    s.error.get_or_insert(format!("point {p}: {e}"));
                    break;
                }
                Ok(rows) => {
                    s.pending.insert(p, point_lines(p, &rows));
                }
            }
            loop {
                let next = s.next;
                let Some(block) = s.pending.remove(&next) else {
                    break;
                };
                if let Err(e) = (s.on_done)(next, block) {
                    s.error.get_or_insert(e);
                }
                s.next += 1;
            }
        }
    };
    if workers > 1 {
        std::thread::scope(|scope| {
            for _ in 0..workers {
                // The engine's single-thread path runs on this thread: give it the stack the
                // engine gives its workers (an unoptimized build needs more than 2 MiB).
                let started = std::thread::Builder::new()
                    .stack_size(32 << 20)
                    .spawn_scoped(scope, work);
                if let Err(e) = started {
                    let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
                    s.error
                        .get_or_insert(format!("cannot start a sweep worker thread: {e}"));
                }
            }
        });
    } else {
        work();
    }
    let s = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    match s.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_index_is_the_position_in_upper_order() {
        for n in 2..9 {
            for (q, (i, k)) in upper(n).enumerate() {
                assert_eq!(pair_index(n, i, k), q, "n {n}, pair ({i}, {k})");
            }
        }
    }
}
