//! Forecast scores: how well class probabilities for pairs of states matched what happened.
//!
//! A [`Forecast`] is one pair at one start year and horizon: the model's probabilities of the
//! three classes ([`Class::Ally`], [`Class::Neutral`], [`Class::Rival`]), the class observed at
//! start + horizon, the class at the start (the *persistence* forecast: nothing changes) and the
//! *climatology* forecast (base rates of the classes). [`score_table`] gives, per start year and
//! horizon and pooled over start years, for all pairs and for the pairs whose class changed:
//!
//! - the multi-class **Brier score** `Σ_c (p_c − o_c)²` ([`brier`]; 0 is perfect, 2 is a sure
//!   forecast of the wrong class), averaged over pairs;
//! - the **logarithmic score** `−ln max(p_o, ε)` ([`log_score`], ε = [`LOG_FLOOR`]; 0 is
//!   perfect, lower is better), averaged over pairs;
//! - the **Brier skill** against persistence and against climatology, `1 − B / B_ref` on the
//!   same pairs (1 perfect, 0 no better than the reference, negative worse);
//! - the **accuracy** of the most likely class ([`most_likely`]).
//!
//! [`reliability_table`] bins the model's probabilities in ten bins and gives the observed
//! frequency in each (a reliability diagram). Everything is pure and deterministic: sums run
//! in input order on one thread, so the same forecasts give the same bytes.

use std::collections::BTreeSet;
use std::io::{self, Write};

use crate::output::{OutputDir, OutputError, csv_writer, io_err, num};

/// Alignment class of a pair. Index order: ally 0, neutral 1, rival 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// A defence or offence obligation in force (the model: alignment ≥ alliance threshold).
    Ally,
    /// Neither ally nor rival.
    Neutral,
    /// A strategic rivalry or open hostility (the model: alignment ≤ rivalry threshold).
    Rival,
}

impl Class {
    /// The three classes in index order.
    pub const ALL: [Class; 3] = [Class::Ally, Class::Neutral, Class::Rival];

    /// Index into [`Probs`]: ally 0, neutral 1, rival 2.
    pub fn index(self) -> usize {
        match self {
            Class::Ally => 0,
            Class::Neutral => 1,
            Class::Rival => 2,
        }
    }

    /// Lower-case name as written in files: `ally`, `neutral`, `rival`.
    pub fn name(self) -> &'static str {
        match self {
            Class::Ally => "ally",
            Class::Neutral => "neutral",
            Class::Rival => "rival",
        }
    }

    /// The class of a name written by [`Class::name`] (exact, lower case).
    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == s)
    }

    /// The sure forecast of this class: probability 1 for it, 0 for the others.
    pub fn one_hot(self) -> Probs {
        let mut p = [0.0; 3];
        p[self.index()] = 1.0;
        p
    }
}

/// Probabilities of [ally, neutral, rival].
pub type Probs = [f64; 3];

/// One scored pair forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Year the forecast starts from.
    pub start_year: i64,
    /// Years ahead: the forecast is for `start_year + horizon`.
    pub horizon: u32,
    /// First state of the pair.
    pub a: String,
    /// Second state of the pair.
    pub b: String,
    /// The model's class probabilities.
    pub model: Probs,
    /// The climatology forecast: base rates of the classes.
    pub climatology: Probs,
    /// Class observed at `start_year + horizon`.
    pub observed: Class,
    /// Class at the start year (the persistence forecast).
    pub persistence: Class,
}

/// Floor of the probability in the logarithmic score: a forecast that gave the observed class
/// probability 0 scores `−ln 0.001 ≈ 6.91` instead of infinity.
pub const LOG_FLOOR: f64 = 0.001;

/// Multi-class Brier score `Σ_c (p_c − o_c)²` of probabilities `p` when `o` happened, in
/// `[0, 2]` for probabilities that sum to 1; lower is better.
pub fn brier(p: &Probs, o: Class) -> f64 {
    let o = o.one_hot();
    p.iter().zip(o).map(|(p, o)| (p - o) * (p - o)).sum()
}

/// Logarithmic score `−ln max(p_o, LOG_FLOOR)` of probabilities `p` when `o` happened; lower
/// is better (0 for a sure and right forecast, at most `−ln LOG_FLOOR`).
pub fn log_score(p: &Probs, o: Class) -> f64 {
    -p[o.index()].max(LOG_FLOOR).ln()
}

/// The most likely class of `p`. Ties are broken toward neutral, then ally, then rival: with
/// equal probabilities, the forecast that claims least (no change toward either extreme) wins,
/// and an alliance is preferred to a rivalry.
pub fn most_likely(p: &Probs) -> Class {
    let mut best = Class::Neutral;
    for c in [Class::Ally, Class::Rival] {
        if p[c.index()] > p[best.index()] {
            best = c;
        }
    }
    best
}

/// Which pairs of a group are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subset {
    /// Every pair.
    All,
    /// The pairs whose observed class differs from their class at the start.
    Changed,
    /// The pairs allied at the start.
    FromAlly,
    /// The pairs neutral at the start.
    FromNeutral,
    /// The pairs rivals at the start.
    FromRival,
}

impl Subset {
    /// Every subset, in table order.
    pub const ALL: [Subset; 5] = [
        Subset::All,
        Subset::Changed,
        Subset::FromAlly,
        Subset::FromNeutral,
        Subset::FromRival,
    ];

    /// Name as written in `scores.csv`: `all`, `changed`, `from_ally`, `from_neutral`,
    /// `from_rival`.
    pub fn name(self) -> &'static str {
        match self {
            Subset::All => "all",
            Subset::Changed => "changed",
            Subset::FromAlly => "from_ally",
            Subset::FromNeutral => "from_neutral",
            Subset::FromRival => "from_rival",
        }
    }

    /// Words for tables: `all pairs`, `pairs whose class changed`, `pairs allied at the
    /// start`, …
    pub fn words(self) -> &'static str {
        match self {
            Subset::All => "all pairs",
            Subset::Changed => "pairs whose class changed",
            Subset::FromAlly => "pairs allied at the start",
            Subset::FromNeutral => "pairs neutral at the start",
            Subset::FromRival => "pairs rivals at the start",
        }
    }

    /// Whether the subset holds forecast `f`.
    pub fn holds(self, f: &Forecast) -> bool {
        match self {
            Subset::All => true,
            Subset::Changed => f.observed != f.persistence,
            Subset::FromAlly => f.persistence == Class::Ally,
            Subset::FromNeutral => f.persistence == Class::Neutral,
            Subset::FromRival => f.persistence == Class::Rival,
        }
    }
}

/// Who made the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// The model's probabilities.
    Model,
    /// The class at the start, with certainty.
    Persistence,
    /// The base rates of the classes.
    Climatology,
}

impl Method {
    /// The three methods, in table order.
    pub const ALL: [Method; 3] = [Method::Model, Method::Persistence, Method::Climatology];

    /// Name as written in `scores.csv`: `model`, `persistence`, `climatology`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Model => "model",
            Method::Persistence => "persistence",
            Method::Climatology => "climatology",
        }
    }

    /// This method's probabilities for forecast `f`.
    pub fn probs(self, f: &Forecast) -> Probs {
        match self {
            Method::Model => f.model,
            Method::Persistence => f.persistence.one_hot(),
            Method::Climatology => f.climatology,
        }
    }
}

/// One row of `scores.csv`: the scores of one method on one group of pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// Start year; `None` for all start years pooled (`all` in the file).
    pub start_year: Option<i64>,
    /// Years ahead.
    pub horizon: u32,
    /// Which pairs.
    pub subset: Subset,
    /// Who forecast.
    pub method: Method,
    /// Mean Brier score; `None` without pairs.
    pub brier: Option<f64>,
    /// Mean logarithmic score; `None` without pairs.
    pub log_score: Option<f64>,
    /// `1 − brier / brier(persistence)` on the same pairs; `None` without pairs or when
    /// persistence scored 0.
    pub skill_vs_persistence: Option<f64>,
    /// `1 − brier / brier(climatology)` on the same pairs; `None` without pairs or when
    /// climatology scored 0.
    pub skill_vs_climatology: Option<f64>,
    /// Share of pairs whose most likely class was observed; `None` without pairs.
    pub accuracy: Option<f64>,
    /// Number of pairs.
    pub pairs: usize,
}

/// Sums of one method's scores over a group of pairs.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    brier: f64,
    log: f64,
    hits: usize,
}

/// The score table: for each (start year, horizon) in ascending order, then for each horizon
/// with all start years pooled (`start_year = None`); within each group the subsets
/// [`Subset::ALL`], within each subset the methods [`Method::ALL`]. A group without pairs
/// (e.g. no pair changed class) keeps its rows, with `pairs = 0` and no scores.
pub fn score_table(forecasts: &[Forecast]) -> Vec<ScoreRow> {
    let keys: BTreeSet<(i64, u32)> = forecasts
        .iter()
        .map(|f| (f.start_year, f.horizon))
        .collect();
    let horizons: BTreeSet<u32> = forecasts.iter().map(|f| f.horizon).collect();
    let groups = keys
        .iter()
        .map(|&(y, h)| (Some(y), h))
        .chain(horizons.iter().map(|&h| (None, h)));
    let mut rows = Vec::new();
    for (year, horizon) in groups {
        for subset in Subset::ALL {
            let members = forecasts.iter().filter(|f| {
                f.horizon == horizon && year.is_none_or(|y| f.start_year == y) && subset.holds(f)
            });
            let mut sums = [Sums::default(); 3];
            let mut pairs = 0;
            for f in members {
                pairs += 1;
                for (m, s) in Method::ALL.into_iter().zip(sums.iter_mut()) {
                    let p = m.probs(f);
                    s.brier += brier(&p, f.observed);
                    s.log += log_score(&p, f.observed);
                    s.hits += usize::from(most_likely(&p) == f.observed);
                }
            }
            let n = pairs as f64;
            let mean = |x: f64| (pairs > 0).then(|| x / n);
            let skill = |b: f64, reference: f64| {
                (pairs > 0 && reference != 0.0).then(|| 1.0 - (b / n) / (reference / n))
            };
            let reference_p = sums[Method::Persistence as usize].brier;
            let reference_c = sums[Method::Climatology as usize].brier;
            for (m, s) in Method::ALL.into_iter().zip(sums) {
                rows.push(ScoreRow {
                    start_year: year,
                    horizon,
                    subset,
                    method: m,
                    brier: mean(s.brier),
                    log_score: mean(s.log),
                    skill_vs_persistence: skill(s.brier, reference_p),
                    skill_vs_climatology: skill(s.brier, reference_c),
                    accuracy: mean(s.hits as f64),
                    pairs,
                });
            }
        }
    }
    rows
}

/// Number of probability bins of the reliability table.
pub const BINS: usize = 10;

/// The reliability bin of probability `p`: `[k/10, (k+1)/10)`, with 1.0 in the last bin
/// (values outside `[0, 1]` go to the nearest end bin).
pub fn bin_of(p: f64) -> usize {
    ((p * BINS as f64).floor().max(0.0) as usize).min(BINS - 1)
}

/// One row of `reliability.csv`: the model's forecasts of one horizon and class that fell in
/// one probability bin.
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityRow {
    /// Years ahead.
    pub horizon: u32,
    /// The class; `None` for the three classes pooled (`all` in the file).
    pub class: Option<Class>,
    /// Bin index, 0 to 9.
    pub bin: usize,
    /// Lower edge of the bin (included).
    pub p_lo: f64,
    /// Upper edge of the bin (excluded, except 1.0 for the last bin).
    pub p_hi: f64,
    /// Number of forecast probabilities in the bin.
    pub forecasts: u64,
    /// Mean forecast probability in the bin; `None` when empty.
    pub mean_forecast: Option<f64>,
    /// Share of those forecasts whose class was observed; `None` when empty.
    pub observed_frequency: Option<f64>,
}

/// The reliability table of the model's forecasts: for each horizon (ascending) and for the
/// classes pooled (`None`) then ally, neutral and rival, ten equal bins `[0, 0.1)`, …,
/// `[0.9, 1.0]`. Pooled, each forecast contributes its three (probability, happened) pairs;
/// for one class, one pair. Empty bins keep their row, with `forecasts = 0`.
pub fn reliability_table(forecasts: &[Forecast]) -> Vec<ReliabilityRow> {
    let horizons: BTreeSet<u32> = forecasts.iter().map(|f| f.horizon).collect();
    let classes = [
        None,
        Some(Class::Ally),
        Some(Class::Neutral),
        Some(Class::Rival),
    ];
    let mut rows = Vec::new();
    for &horizon in &horizons {
        for class in classes {
            let mut count = [0u64; BINS];
            let mut sum_p = [0.0f64; BINS];
            let mut hits = [0u64; BINS];
            for f in forecasts.iter().filter(|f| f.horizon == horizon) {
                for c in Class::ALL {
                    if class.is_some_and(|k| k != c) {
                        continue;
                    }
                    let p = f.model[c.index()];
                    let k = bin_of(p);
                    count[k] += 1;
                    sum_p[k] += p;
                    hits[k] += u64::from(f.observed == c);
                }
            }
            for k in 0..BINS {
                let n = count[k];
                let share = |x: f64| (n > 0).then(|| x / n as f64);
                rows.push(ReliabilityRow {
                    horizon,
                    class,
                    bin: k,
                    p_lo: k as f64 / BINS as f64,
                    p_hi: (k + 1) as f64 / BINS as f64,
                    forecasts: n,
                    mean_forecast: share(sum_p[k]),
                    observed_frequency: share(hits[k] as f64),
                });
            }
        }
    }
    rows
}

/// Expected calibration error of one class's reliability rows (one horizon, one class, ten
/// bins): `Σ_b (n_b / N) |mean forecast_b − observed frequency_b|`; `None` without forecasts.
pub fn expected_calibration_error(rows: &[ReliabilityRow]) -> Option<f64> {
    let n: u64 = rows.iter().map(|r| r.forecasts).sum();
    (n > 0).then(|| {
        rows.iter()
            .filter_map(|r| {
                let (p, o) = (r.mean_forecast?, r.observed_frequency?);
                Some(r.forecasts as f64 / n as f64 * (p - o).abs())
            })
            .sum()
    })
}

/// For each horizon (ascending), the expected calibration error of each class one-vs-rest,
/// `[ally, neutral, rival]`, from the reliability table.
pub fn calibration_errors(rows: &[ReliabilityRow]) -> Vec<(u32, [Option<f64>; 3])> {
    let horizons: BTreeSet<u32> = rows.iter().map(|r| r.horizon).collect();
    horizons
        .into_iter()
        .map(|h| {
            let e = Class::ALL.map(|c| {
                let of: Vec<ReliabilityRow> = rows
                    .iter()
                    .filter(|r| r.horizon == h && r.class == Some(c))
                    .cloned()
                    .collect();
                expected_calibration_error(&of)
            });
            (h, e)
        })
        .collect()
}

/// An optional number as a CSV field: 6 decimals, empty when `None` or not finite.
fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// The columns of `scores.csv`.
pub const SCORES_COLUMNS: [&str; 10] = [
    "start_year",
    "horizon",
    "subset",
    "method",
    "brier",
    "log_score",
    "skill_vs_persistence",
    "skill_vs_climatology",
    "accuracy",
    "pairs",
];

/// The columns of `reliability.csv`.
pub const RELIABILITY_COLUMNS: [&str; 8] = [
    "horizon",
    "class",
    "bin",
    "p_lo",
    "p_hi",
    "forecasts",
    "mean_forecast",
    "observed_frequency",
];

/// The columns of `forecasts.csv`.
pub const FORECASTS_COLUMNS: [&str; 9] = [
    "start_year",
    "horizon",
    "a",
    "b",
    "p_ally",
    "p_neutral",
    "p_rival",
    "observed",
    "persistence",
];

/// `forecasts.csv`: one row per forecast, in input order.
pub fn forecasts_csv(forecasts: &[Forecast], w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(FORECASTS_COLUMNS).map_err(io_err)?;
    for f in forecasts {
        c.write_record([
            f.start_year.to_string(),
            f.horizon.to_string(),
            f.a.clone(),
            f.b.clone(),
            num(f.model[0]),
            num(f.model[1]),
            num(f.model[2]),
            f.observed.name().to_string(),
            f.persistence.name().to_string(),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

/// `scores.csv`: one row per [`ScoreRow`], `all` for pooled start years, empty fields for
/// undefined scores.
pub fn scores_csv(rows: &[ScoreRow], w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(SCORES_COLUMNS).map_err(io_err)?;
    for r in rows {
        c.write_record([
            r.start_year
                .map_or_else(|| "all".to_string(), |y| y.to_string()),
            r.horizon.to_string(),
            r.subset.name().to_string(),
            r.method.name().to_string(),
            opt(r.brier),
            opt(r.log_score),
            opt(r.skill_vs_persistence),
            opt(r.skill_vs_climatology),
            opt(r.accuracy),
            r.pairs.to_string(),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

/// `reliability.csv`: one row per [`ReliabilityRow`], `all` for the pooled classes, empty
/// fields for empty bins.
pub fn reliability_csv(rows: &[ReliabilityRow], w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(RELIABILITY_COLUMNS).map_err(io_err)?;
    for r in rows {
        c.write_record([
            r.horizon.to_string(),
            r.class.map_or("all", Class::name).to_string(),
            r.bin.to_string(),
            num(r.p_lo),
            num(r.p_hi),
            r.forecasts.to_string(),
            opt(r.mean_forecast),
            opt(r.observed_frequency),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

/// The files of a backtest or score folder, in the order they are written.
pub const FILES: [&str; 4] = [
    "forecasts.csv",
    "scores.csv",
    "reliability.csv",
    "manifest.json",
];

/// Write the four files of a scored folder into `out` (renamed into place only by
/// [`OutputDir::commit`]): the forecasts, their scores and reliability table, and `manifest`.
/// Returns the score rows, for a summary.
pub fn write_folder(
    out: &mut OutputDir,
    forecasts: &[Forecast],
    manifest: &serde_json::Value,
) -> Result<Vec<ScoreRow>, OutputError> {
    let rows = score_table(forecasts);
    let reliability = reliability_table(forecasts);
    out.write(FILES[0], |w| forecasts_csv(forecasts, w))?;
    out.write(FILES[1], |w| scores_csv(&rows, w))?;
    out.write(FILES[2], |w| reliability_csv(&reliability, w))?;
    out.write(FILES[3], |w| {
        serde_json::to_writer_pretty(&mut *w, manifest)?;
        w.write_all(b"\n")
    })?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Climatology of the fixture: ally 0.5, neutral 0.25, rival 0.25.
    const CLIM: Probs = [0.5, 0.25, 0.25];
    /// `−ln LOG_FLOOR = 3 ln 10`.
    const FLOORED: f64 = 6.907_755_278_982_137;

    fn f(start: i64, h: u32, ab: (&str, &str), model: Probs, obs: Class, pers: Class) -> Forecast {
        Forecast {
            start_year: start,
            horizon: h,
            a: ab.0.to_string(),
            b: ab.1.to_string(),
            model,
            climatology: CLIM,
            observed: obs,
            persistence: pers,
        }
    }

    /// Five forecasts. Brier of (model, persistence, climatology), worked by hand:
    ///
    /// - F1 2000+5 A-B [0.7, 0.2, 0.1], ally, was ally: model 0.3² + 0.2² + 0.1² = 0.14;
    ///   persistence 0; climatology 0.5² + 0.25² + 0.25² = 0.375.
    /// - F2 2000+5 A-C [0.2, 0.5, 0.3], rival, was neutral: 0.2² + 0.5² + 0.7² = 0.78; 2;
    ///   0.5² + 0.25² + 0.75² = 0.875.
    /// - F3 2000+5 B-C [0, 0, 1], neutral, was neutral: 0 + 1 + 1 = 2; 0;
    ///   0.5² + 0.75² + 0.25² = 0.875.
    /// - F4 2010+5 A-B [0.4, 0.4, 0.2], neutral, was ally: 0.4² + 0.6² + 0.2² = 0.56; 2; 0.875.
    /// - F5 2000+10 A-B [0.3, 0.3, 0.4], rival, was rival: 0.3² + 0.3² + 0.6² = 0.54; 0; 0.875.
    fn fixture() -> Vec<Forecast> {
        use Class::*;
        vec![
            f(2000, 5, ("A", "B"), [0.7, 0.2, 0.1], Ally, Ally),
            f(2000, 5, ("A", "C"), [0.2, 0.5, 0.3], Rival, Neutral),
            f(2000, 5, ("B", "C"), [0.0, 0.0, 1.0], Neutral, Neutral),
            f(2010, 5, ("A", "B"), [0.4, 0.4, 0.2], Neutral, Ally),
            f(2000, 10, ("A", "B"), [0.3, 0.3, 0.4], Rival, Rival),
        ]
    }

    fn close(got: Option<f64>, want: f64, what: &str) {
        let g = got.unwrap_or_else(|| panic!("{what}: expected {want}, got None"));
        assert!((g - want).abs() < 1e-9, "{what}: expected {want}, got {g}");
    }

    fn row(
        rows: &[ScoreRow],
        year: Option<i64>,
        h: u32,
        subset: Subset,
        method: Method,
    ) -> &ScoreRow {
        rows.iter()
            .find(|r| {
                r.start_year == year && r.horizon == h && r.subset == subset && r.method == method
            })
            .unwrap_or_else(|| panic!("no row {year:?} {h} {subset:?} {method:?}"))
    }

    #[test]
    fn classes_round_trip_and_index_in_order() {
        for (k, c) in Class::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), k);
            assert_eq!(Class::parse(c.name()), Some(c));
            let mut want = [0.0; 3];
            want[k] = 1.0;
            assert_eq!(c.one_hot(), want);
        }
        assert_eq!(Class::parse("Ally"), None);
        assert_eq!(Class::parse("alliance"), None);
        assert_eq!(Class::parse(""), None);
    }

    #[test]
    fn brier_and_log_scores_by_hand() {
        let p = [0.7, 0.2, 0.1];
        // (0.7 − 1)² + 0.2² + 0.1² = 0.09 + 0.04 + 0.01
        assert!((brier(&p, Class::Ally) - 0.14).abs() < 1e-12);
        // 0.7² + 0.2² + (0.1 − 1)² = 0.49 + 0.04 + 0.81
        assert!((brier(&p, Class::Rival) - 1.34).abs() < 1e-12);
        assert_eq!(brier(&Class::Rival.one_hot(), Class::Ally), 2.0);
        assert_eq!(brier(&Class::Neutral.one_hot(), Class::Neutral), 0.0);
        // −ln 0.7 = 0.356675
        assert!((log_score(&p, Class::Ally) - 0.356_674_943_938_732_4).abs() < 1e-12);
        // p = 0 and p = 0.0005 are floored at 0.001: −ln 0.001 = 6.907755
        assert!((log_score(&[1.0, 0.0, 0.0], Class::Neutral) - FLOORED).abs() < 1e-12);
        assert!((log_score(&[0.9995, 0.0005, 0.0], Class::Neutral) - FLOORED).abs() < 1e-12);
        assert_eq!(log_score(&[0.0, 1.0, 0.0], Class::Neutral), 0.0);
    }

    #[test]
    fn ties_go_to_neutral_then_ally_then_rival() {
        assert_eq!(most_likely(&[0.4, 0.4, 0.2]), Class::Neutral);
        assert_eq!(most_likely(&[0.2, 0.4, 0.4]), Class::Neutral);
        assert_eq!(most_likely(&[0.4, 0.2, 0.4]), Class::Ally);
        assert_eq!(
            most_likely(&[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]),
            Class::Neutral
        );
        assert_eq!(most_likely(&[0.5, 0.2, 0.3]), Class::Ally);
        assert_eq!(most_likely(&[0.3, 0.2, 0.5]), Class::Rival);
        assert_eq!(most_likely(&[0.0, 0.0, 0.0]), Class::Neutral);
    }

    #[test]
    fn score_rows_come_in_the_documented_order() {
        let rows = score_table(&fixture());
        // Groups (2000,5), (2000,10), (2010,5), then (all,5), (all,10); 5 subsets × 3 methods.
        assert_eq!(rows.len(), 5 * 5 * 3);
        let keys: Vec<(Option<i64>, u32)> = rows
            .iter()
            .step_by(15)
            .map(|r| (r.start_year, r.horizon))
            .collect();
        assert_eq!(
            keys,
            [
                (Some(2000), 5),
                (Some(2000), 10),
                (Some(2010), 5),
                (None, 5),
                (None, 10)
            ]
        );
        let order: Vec<(&str, &str)> = rows[..15]
            .iter()
            .step_by(3)
            .chain(&rows[..3])
            .map(|r| (r.subset.name(), r.method.name()))
            .collect();
        assert_eq!(
            order,
            [
                ("all", "model"),
                ("changed", "model"),
                ("from_ally", "model"),
                ("from_neutral", "model"),
                ("from_rival", "model"),
                ("all", "model"),
                ("all", "persistence"),
                ("all", "climatology"),
            ]
        );
        // The three starting classes split every group's pairs.
        for g in rows.chunks(15) {
            let by_start: usize = g[6..].iter().step_by(3).map(|r| r.pairs).sum();
            assert_eq!(by_start, g[0].pairs, "{:?}", g[0]);
        }
    }

    #[test]
    fn scores_of_one_start_year_by_hand() {
        use Method::*;
        use Subset::All;
        let rows = score_table(&fixture());
        // 2000+5: F1, F2, F3.
        let m = row(&rows, Some(2000), 5, All, Model);
        assert_eq!(m.pairs, 3);
        close(m.brier, (0.14 + 0.78 + 2.0) / 3.0, "model brier"); // 0.973333
        // (−ln 0.7 − ln 0.3 − ln 0.001) / 3 = (0.356675 + 1.203973 + 6.907755) / 3
        close(
            m.log_score,
            (0.356_674_943_938_732_4 + 1.203_972_804_325_936 + FLOORED) / 3.0,
            "model log",
        );
        close(
            m.skill_vs_persistence,
            1.0 - 2.92 / 2.0,
            "model vs persistence",
        ); // −0.46
        close(
            m.skill_vs_climatology,
            1.0 - 2.92 / 2.125,
            "model vs climatology",
        ); // −0.374118
        // most likely: F1 ally (hit), F2 neutral (miss), F3 rival (miss)
        close(m.accuracy, 1.0 / 3.0, "model accuracy");

        let p = row(&rows, Some(2000), 5, All, Persistence);
        close(p.brier, 2.0 / 3.0, "persistence brier"); // (0 + 2 + 0) / 3
        close(p.log_score, FLOORED / 3.0, "persistence log"); // (0 + 6.907755 + 0) / 3 = ln 10
        close(p.skill_vs_persistence, 0.0, "persistence vs itself");
        close(
            p.skill_vs_climatology,
            1.0 - 2.0 / 2.125,
            "persistence vs climatology",
        ); // 1/17
        close(p.accuracy, 2.0 / 3.0, "persistence accuracy"); // F1, F3

        let c = row(&rows, Some(2000), 5, All, Climatology);
        close(c.brier, 2.125 / 3.0, "climatology brier"); // (0.375 + 0.875 + 0.875) / 3
        // (−ln 0.5 − ln 0.25 − ln 0.25) / 3 = 5 ln 2 / 3
        close(
            c.log_score,
            5.0 * std::f64::consts::LN_2 / 3.0,
            "climatology log",
        );
        close(
            c.skill_vs_persistence,
            1.0 - 2.125 / 2.0,
            "climatology vs persistence",
        ); // −0.0625
        close(c.skill_vs_climatology, 0.0, "climatology vs itself");
        close(c.accuracy, 1.0 / 3.0, "climatology accuracy"); // always says ally: F1 only
    }

    #[test]
    fn changed_subset_holds_only_pairs_that_changed_class() {
        use Method::*;
        use Subset::Changed;
        let rows = score_table(&fixture());
        // 2000+5: only F2 (neutral → rival) changed.
        let m = row(&rows, Some(2000), 5, Changed, Model);
        assert_eq!(m.pairs, 1);
        close(m.brier, 0.78, "changed model brier");
        close(m.log_score, 1.203_972_804_325_936, "changed model log"); // −ln 0.3
        close(
            m.skill_vs_persistence,
            1.0 - 0.78 / 2.0,
            "changed vs persistence",
        ); // 0.61
        close(
            m.skill_vs_climatology,
            1.0 - 0.78 / 0.875,
            "changed vs climatology",
        ); // 0.108571
        close(m.accuracy, 0.0, "changed model accuracy");
        let p = row(&rows, Some(2000), 5, Changed, Persistence);
        close(p.brier, 2.0, "persistence on changed pairs is always wrong");
        close(p.log_score, FLOORED, "persistence log on changed pairs");
        close(p.accuracy, 0.0, "persistence accuracy on changed pairs");
        // Pooled horizon 5: F2 and F4 changed.
        let m = row(&rows, None, 5, Changed, Model);
        assert_eq!(m.pairs, 2);
        close(m.brier, (0.78 + 0.56) / 2.0, "pooled changed brier"); // 0.67
        close(
            m.skill_vs_persistence,
            1.0 - 0.67 / 2.0,
            "pooled changed skill",
        ); // 0.665
        close(m.accuracy, 0.5, "pooled changed accuracy"); // F4's tie goes to neutral: a hit
    }

    #[test]
    fn pooled_start_years_by_hand() {
        use Method::*;
        use Subset::All;
        let rows = score_table(&fixture());
        // Horizon 5 pooled: F1–F4.
        let m = row(&rows, None, 5, All, Model);
        assert_eq!(m.pairs, 4);
        close(m.brier, 0.87, "pooled brier"); // (2.92 + 0.56) / 4
        close(m.skill_vs_persistence, 0.13, "pooled vs persistence"); // 1 − 0.87 / 1
        close(
            m.skill_vs_climatology,
            1.0 - 0.87 / 0.75,
            "pooled vs climatology",
        ); // −0.16
        close(m.accuracy, 0.5, "pooled accuracy"); // F1 and F4
        close(
            row(&rows, None, 5, All, Persistence).brier,
            1.0,
            "pooled persistence",
        ); // 4 / 4
        close(
            row(&rows, None, 5, All, Climatology).brier,
            0.75,
            "pooled climatology",
        ); // 3 / 4
        close(
            row(&rows, None, 5, All, Climatology).accuracy,
            0.25,
            "climatology acc",
        );
        // 2010+5: F4 alone.
        close(
            row(&rows, Some(2010), 5, All, Model).brier,
            0.56,
            "2010 model brier",
        );
        close(
            row(&rows, Some(2010), 5, All, Model).log_score,
            0.916_290_731_874_155,
            "2010 model log", // −ln 0.4
        );
    }

    #[test]
    fn undefined_scores_are_none() {
        use Method::*;
        let rows = score_table(&fixture());
        // 2000+10: F5 only; persistence was right (Brier 0), so no skill against it.
        let m = row(&rows, Some(2000), 10, Subset::All, Model);
        assert_eq!(m.pairs, 1);
        close(m.brier, 0.54, "F5 brier");
        assert_eq!(m.skill_vs_persistence, None);
        close(
            m.skill_vs_climatology,
            1.0 - 0.54 / 0.875,
            "F5 vs climatology",
        );
        close(m.accuracy, 1.0, "F5 accuracy");
        // No pair changed at horizon 10: rows kept, empty.
        for method in Method::ALL {
            let r = row(&rows, Some(2000), 10, Subset::Changed, method);
            assert_eq!(r.pairs, 0);
            assert_eq!(
                (r.brier, r.log_score, r.accuracy),
                (None, None, None),
                "{method:?}"
            );
            assert_eq!(
                (r.skill_vs_persistence, r.skill_vs_climatology),
                (None, None)
            );
        }
        assert!(score_table(&[]).is_empty());
    }

    #[test]
    fn reliability_bins_by_hand() {
        let rows = reliability_table(&fixture());
        // Horizons 5 and 10 × (all, ally, neutral, rival) × 10 bins.
        assert_eq!(rows.len(), 2 * 4 * BINS);
        let at = |h: u32, class: Option<Class>, bin: usize| {
            rows.iter()
                .find(|r| r.horizon == h && r.class == class && r.bin == bin)
                .unwrap_or_else(|| panic!("no bin {h} {class:?} {bin}"))
        };
        // Horizon 5, rival: F1 0.1 (no), F2 0.3 (yes), F3 1.0 (no, last bin), F4 0.2 (no).
        let r = at(5, Some(Class::Rival), 9);
        assert_eq!((r.forecasts, r.p_lo, r.p_hi), (1, 0.9, 1.0));
        close(r.mean_forecast, 1.0, "p = 1.0 goes in bin 9");
        close(r.observed_frequency, 0.0, "F3 was not a rivalry");
        assert_eq!(at(5, Some(Class::Rival), 1).forecasts, 1);
        close(at(5, Some(Class::Rival), 3).observed_frequency, 1.0, "F2");
        assert_eq!(at(5, Some(Class::Rival), 5).forecasts, 0);
        // Pooled classes at horizon 5: 4 forecasts × 3 classes = 12 probabilities.
        // bin 0: ally F3 0.0 (no), neutral F3 0.0 (yes) → 2, mean 0, frequency 1/2
        // bin 2: ally F2, neutral F1, rival F4, all 0.2 and none happened → 3, mean 0.2, 0
        // bin 4: ally F4 0.4 (no), neutral F4 0.4 (yes) → 2, mean 0.4, 1/2
        // bins 6 and 8: empty.
        let counts: Vec<u64> = (0..BINS).map(|k| at(5, None, k).forecasts).collect();
        assert_eq!(counts, [2, 1, 3, 1, 2, 1, 0, 1, 0, 1]);
        close(at(5, None, 0).mean_forecast, 0.0, "bin 0 mean");
        close(at(5, None, 0).observed_frequency, 0.5, "bin 0 frequency");
        close(at(5, None, 2).mean_forecast, 0.2, "bin 2 mean");
        close(at(5, None, 2).observed_frequency, 0.0, "bin 2 frequency");
        close(at(5, None, 4).observed_frequency, 0.5, "bin 4 frequency");
        close(
            at(5, None, 7).observed_frequency,
            1.0,
            "bin 7: F1 ally 0.7 happened",
        );
        let empty = at(5, None, 6);
        assert_eq!(
            (
                empty.forecasts,
                empty.mean_forecast,
                empty.observed_frequency
            ),
            (0, None, None)
        );
        // Horizon 10 holds only F5: neutral 0.3 → bin 3, did not happen.
        assert_eq!(at(10, Some(Class::Neutral), 3).forecasts, 1);
        close(
            at(10, Some(Class::Neutral), 3).observed_frequency,
            0.0,
            "F5",
        );
        assert_eq!(bin_of(0.0), 0);
        assert_eq!(bin_of(0.1), 1);
        assert_eq!(bin_of(0.6), 6);
        assert_eq!(bin_of(0.999_999), 9);
        assert_eq!(bin_of(1.0), 9);
    }

    #[test]
    fn csv_files_have_the_documented_columns_and_empty_undefined_fields() {
        let fx = fixture();
        let mut out = Vec::new();
        forecasts_csv(&fx[..2], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "start_year,horizon,a,b,p_ally,p_neutral,p_rival,observed,persistence\n\
             2000,5,A,B,0.700000,0.200000,0.100000,ally,ally\n\
             2000,5,A,C,0.200000,0.500000,0.300000,rival,neutral\n"
        );
        let rows = score_table(&fx);
        let mut out = Vec::new();
        scores_csv(&rows, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 75);
        assert_eq!(
            lines[0],
            "start_year,horizon,subset,method,brier,log_score,skill_vs_persistence,\
             skill_vs_climatology,accuracy,pairs"
        );
        // (2000,5,all,persistence): 2/3, ln 10, 0, 1/17, 2/3, 3 pairs.
        assert_eq!(
            lines[2],
            "2000,5,all,persistence,0.666667,2.302585,0.000000,0.058824,0.666667,3"
        );
        // (2000,10,all,model): no skill against a perfect persistence.
        assert_eq!(
            lines[16],
            "2000,10,all,model,0.540000,0.916291,,0.382857,1.000000,1"
        );
        assert_eq!(lines[19], "2000,10,changed,model,,,,,,0");
        assert!(
            lines[46].starts_with("all,5,all,model,0.870000,"),
            "{}",
            lines[46]
        );
        let mut out = Vec::new();
        reliability_csv(&reliability_table(&fx), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "horizon,class,bin,p_lo,p_hi,forecasts,mean_forecast,observed_frequency"
        );
        assert_eq!(lines[1], "5,all,0,0.000000,0.100000,2,0.000000,0.500000");
        assert_eq!(lines[7], "5,all,6,0.600000,0.700000,0,,");
        assert_eq!(lines[31], "5,rival,0,0.000000,0.100000,0,,");
        assert_eq!(lines[40], "5,rival,9,0.900000,1.000000,1,1.000000,0.000000");
    }

    #[test]
    fn expected_calibration_error_weights_each_bin_by_its_forecasts() {
        // Ally probabilities 0.05 (twice, never allied), 0.85 (three times, allied twice) and
        // 0.45 (once, allied): bins 0, 8 and 4 hold 2, 3 and 1 forecasts.
        let mk =
            |p: f64, obs: Class| f(1900, 5, ("A", "B"), [p, 1.0 - p, 0.0], obs, Class::Neutral);
        let fs = vec![
            mk(0.05, Class::Neutral),
            mk(0.05, Class::Neutral),
            mk(0.85, Class::Ally),
            mk(0.85, Class::Ally),
            mk(0.85, Class::Neutral),
            mk(0.45, Class::Ally),
        ];
        let table = reliability_table(&fs);
        let e = calibration_errors(&table);
        assert_eq!(e.len(), 1);
        // (2 |0.05 - 0| + 3 |0.85 - 2/3| + 1 |0.45 - 1|) / 6
        let expected = (2.0 * 0.05 + 3.0 * (0.85 - 2.0 / 3.0) + 0.55) / 6.0;
        assert!((e[0].1[0].unwrap() - expected).abs() < 1e-12, "{:?}", e[0]);
        // Rival: every forecast 0 and never observed: perfectly calibrated.
        assert_eq!(e[0].1[2], Some(0.0));
        assert_eq!(expected_calibration_error(&[]), None);
    }
}
