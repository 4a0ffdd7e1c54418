//! The CSV files of a study (columns documented in `docs/output.md`).
//!
//! Numbers are printed with fixed precision from exact integer statistics, so the bytes
//! depend only on the study, never on threads or on how runs were split. An empty field
//! means "undefined" (e.g. the mean first-alliance year of a pair that never allied);
//! pandas and R read it as NaN / NA.

use std::io::{self, Write};

use crate::model::RunOutcome;
use crate::model::camps::Camps;
use crate::model::world::upper;
use crate::scenario::Scenario;
use crate::stats::StudyStats;

/// A CSV writer with `\n` line ends (the same bytes on every platform).
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

/// A CSV error as an I/O error.
pub fn io_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A number with 6 decimals; empty when undefined.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        String::new()
    }
}

/// A year without float noise: at most 6 decimals, trailing zeros removed.
pub fn format_year(y: f64) -> String {
    let s = format!("{y:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn ratio(k: u64, n: u64) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        k as f64 / n as f64
    }
}

/// The statistics of a pair at the horizon, in the column order of `summary.csv` (and of a
/// sweep's `sweep.csv`).
pub const PAIR_END_STATS: [&str; 7] = [
    "p_alliance_end",
    "p_alliance_ever",
    "p_rivalry_end",
    "mean_alignment_end",
    "q05_alignment_end",
    "q50_alignment_end",
    "q95_alignment_end",
];

/// The [`PAIR_END_STATS`] of pair `q` (its index in `upper(n)` order); NaN where undefined.
pub fn pair_end_stats(st: &StudyStats, q: usize) -> [f64; 7] {
    let end = st.steps;
    let idx = end * st.pairs() + q;
    [
        ratio(st.alliance[idx], st.runs),
        ratio(st.ever_allied[q], st.runs),
        ratio(st.rivalry[idx], st.runs),
        st.alignment_sum[idx].mean(),
        st.alignment_quantile(end, q, 0.05),
        st.alignment_quantile(end, q, 0.50),
        st.alignment_quantile(end, q, 0.95),
    ]
}

/// `summary.csv`: one row per pair, at the horizon.
pub fn summary_csv(s: &Scenario, st: &StudyStats, w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(
        ["a", "b"]
            .into_iter()
            .chain(PAIR_END_STATS)
            .chain(["mean_first_alliance_year"]),
    )
    .map_err(io_err)?;
    for (q, (i, k)) in upper(s.n()).enumerate() {
        let first = if st.ever_allied[q] == 0 {
            f64::NAN
        } else {
            s.start_year + s.dt * st.first_alliance_step_sum[q] as f64 / st.ever_allied[q] as f64
        };
        c.write_record(
            [s.states[i].id.clone(), s.states[k].id.clone()]
                .into_iter()
                .chain(pair_end_stats(st, q).map(num))
                .chain([num(first)]),
        )
        .map_err(io_err)?;
    }
    c.flush()
}

/// `timeseries.csv`: one row per observation step and pair.
pub fn timeseries_csv(s: &Scenario, st: &StudyStats, w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record([
        "year",
        "a",
        "b",
        "mean_alignment",
        "q05_alignment",
        "q50_alignment",
        "q95_alignment",
        "p_alliance",
        "p_rivalry",
    ])
    .map_err(io_err)?;
    let pairs = st.pairs();
    for step in 0..=st.steps {
        let year = format_year(s.year(step));
        for (q, (i, k)) in upper(s.n()).enumerate() {
            let idx = step * pairs + q;
            c.write_record([
                year.clone(),
                s.states[i].id.clone(),
                s.states[k].id.clone(),
                num(st.alignment_sum[idx].mean()),
                num(st.alignment_quantile(step, q, 0.05)),
                num(st.alignment_quantile(step, q, 0.50)),
                num(st.alignment_quantile(step, q, 0.95)),
                num(ratio(st.alliance[idx], st.runs)),
                num(ratio(st.rivalry[idx], st.runs)),
            ])
            .map_err(io_err)?;
        }
    }
    c.flush()
}

/// `states.csv`: one row per observation step and state.
pub fn states_csv(s: &Scenario, st: &StudyStats, w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record([
        "year",
        "state",
        "mean_power_share",
        "mean_threat",
        "top_principal_threat",
        "p_secure",
        "p_balance",
        "p_bandwagon",
    ])
    .map_err(io_err)?;
    let n = s.n();
    for step in 0..=st.steps {
        let year = format_year(s.year(step));
        for i in 0..n {
            let idx = step * n + i;
            let row = &st.principal[idx * n..(idx + 1) * n];
            // Most frequent principal threat; ties go to the lower index.
            let top = (0..n).fold(None::<usize>, |b, j| match b {
                Some(b) if row[b] >= row[j] => Some(b),
                _ if row[j] > 0 => Some(j),
                b => b,
            });
            let counts = st.strategy[idx];
            let total: u64 = counts.iter().sum();
            c.write_record([
                year.clone(),
                s.states[i].id.clone(),
                num(st.power_share[idx].mean()),
                num(st.kappa[idx].mean()),
                top.map_or(String::new(), |j| s.states[j].id.clone()),
                num(ratio(counts[0], total)),
                num(ratio(counts[1], total)),
                num(ratio(counts[2], total)),
            ])
            .map_err(io_err)?;
        }
    }
    c.flush()
}

/// The ids of the states on `side` of a partition, separated by spaces.
pub fn camp_members(s: &Scenario, camps: &Camps, side: bool) -> String {
    let ids: Vec<&str> = camps
        .members(side)
        .map(|i| s.states[i].id.as_str())
        .collect();
    ids.join(" ")
}

/// A partition as `{A B} vs {C D}` (the camp of the scenario's first state first).
pub fn camps_text(s: &Scenario, camps: &Camps) -> String {
    format!(
        "{{{}}} vs {{{}}}",
        camp_members(s, camps, false),
        camp_members(s, camps, true)
    )
}

/// `camps.csv`: the final two-camp partitions, most frequent first.
pub fn camps_csv(s: &Scenario, st: &StudyStats, w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(["rank", "runs", "frequency", "camp_a", "camp_b"])
        .map_err(io_err)?;
    for (rank, (camps, count)) in st.camps.most_frequent().into_iter().enumerate() {
        let members = |side: bool| camp_members(s, camps, side);
        c.write_record([
            (rank + 1).to_string(),
            count.to_string(),
            num(ratio(count, st.runs)),
            members(false),
            members(true),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

/// First columns of `runs.csv`.
pub const RUNS_HEADER_PREFIX: &str = "run";

/// Header of `runs.csv`: `run`, one `A-B` column per pair (final alignment), `events`.
pub fn runs_header(s: &Scenario) -> String {
    let mut h = String::from(RUNS_HEADER_PREFIX);
    for (i, k) in upper(s.n()) {
        h.push(',');
        h.push_str(&s.states[i].id);
        h.push('-');
        h.push_str(&s.states[k].id);
    }
    h.push_str(",events\n");
    h
}

/// One row of `runs.csv`. Events are `name@year` joined by `;` (quoted when needed).
pub fn runs_row(s: &Scenario, out: &RunOutcome, buf: &mut Vec<u8>) {
    let n = s.n();
    let mut c = csv_writer(Vec::new());
    let mut rec: Vec<String> = Vec::with_capacity(n * (n - 1) / 2 + 2);
    rec.push(out.run_index.to_string());
    rec.extend(upper(n).map(|(i, k)| num(out.alignment[i * n + k])));
    let events: Vec<String> = out
        .events
        .iter()
        .map(|e| format!("{}@{}", s.events[e.event].name, format_year(s.year(e.step))))
        .collect();
    rec.push(events.join(";"));
    // Writing to a Vec cannot fail.
    let _ = c.write_record(&rec);
    if let Ok(bytes) = c.into_inner() {
        buf.extend_from_slice(&bytes);
    }
}
