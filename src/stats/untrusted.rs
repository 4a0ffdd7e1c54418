//! Statistics read from a file that may be damaged or crafted (a shard's partial result):
//! decoded against the shape the study implies and checked for every invariant the
//! accumulators keep, before anything is allocated by a size the file states.
//!
//! [`StudyStats`]'s own `Deserialize` trusts its input's lengths; this is the reader for
//! input that is not trusted. The vectors coded with runs of zeros (`serial::zero_runs`) are
//! decoded only once their decoded length, counted with checked arithmetic, equals the
//! length the study implies; every other vector is parsed by `serde_json` element by element,
//! so that its memory is bounded by the text's length (which the caller bounds).

use serde::Deserialize;

use super::{ALIGNMENT_BINS, FixedSum, StudyStats, Tally, alignment_bin};
use crate::model::camps::Camps;
use crate::model::world::upper;

const H: usize = ALIGNMENT_BINS + 2;

/// What the statistics of a part must be: the empty statistics of its study (shape and
/// thresholds), the runs it holds, and the names to report problems with.
pub struct ExpectedStats<'a> {
    /// Statistics of the study, of any runs ([`StudyStats::new`] of its scenario, or others
    /// merged into them): only their shape and thresholds are read.
    pub template: &'a StudyStats,
    /// The runs the part holds (`end_run − first_run`).
    pub runs: u64,
    /// The states' ids, to name pairs (`USA-CHN`) and states in messages.
    pub state_ids: &'a [String],
}

/// The statistics as written, with the zero-run coded vectors still coded.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    n: u64,
    steps: u64,
    runs: u64,
    alignment_hist: Vec<i64>,
    alignment_sum: Vec<FixedSum>,
    #[serde(with = "super::serial::ranges_bits")]
    alignment_range: Vec<(f64, f64)>,
    alliance: Vec<i64>,
    rivalry: Vec<i64>,
    ever_allied: Vec<u64>,
    first_alliance_step_sum: Vec<u64>,
    power_share: Vec<FixedSum>,
    kappa: Vec<FixedSum>,
    strategy: Vec<[u64; 3]>,
    principal: Vec<i64>,
    #[serde(with = "super::serial::camps_tally")]
    camps: Tally<Camps>,
    event_runs: Vec<u64>,
    event_firings: Vec<u64>,
    #[serde(with = "super::serial::f64_bits")]
    alliance_threshold: f64,
    #[serde(with = "super::serial::f64_bits")]
    rivalry_threshold: f64,
}

/// Decode a zero-run coded vector (`[3, -2, 1]` is `[3, 0, 0, 1]`) that must hold `len`
/// counts: its length is counted first, with checked arithmetic and stopping as soon as it
/// passes `len`, and only then is anything allocated.
fn expand(coded: &[i64], len: usize, what: &str) -> Result<Vec<u64>, String> {
    let too_long = || format!("{what}: more than the {len} counts a part of this study holds");
    let mut total: usize = 0;
    for &x in coded {
        let k = if x < 0 {
            usize::try_from(x.unsigned_abs()).map_err(|_| too_long())?
        } else {
            1
        };
        total = total
            .checked_add(k)
            .filter(|&t| t <= len)
            .ok_or_else(too_long)?;
    }
    if total != len {
        return Err(format!(
            "{what}: {total} counts, a part of this study holds {len}"
        ));
    }
    let mut v = Vec::with_capacity(len);
    for &x in coded {
        if x < 0 {
            // Fits: the total was counted above.
            v.resize(v.len() + x.unsigned_abs() as usize, 0);
        } else {
            v.push(x as u64);
        }
    }
    Ok(v)
}

fn check_len(what: &str, got: usize, want: usize) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: {got} entries, a part of this study holds {want}"
        ))
    }
}

/// The sum of `xs`, or `None` on overflow.
fn checked_sum(xs: impl IntoIterator<Item = u64>) -> Option<u64> {
    xs.into_iter().try_fold(0u64, |a, b| a.checked_add(b))
}

/// A checked sum as messages write it: the number, or "more than 2^64" on overflow.
fn sum_text(x: Option<u64>) -> String {
    x.map_or_else(|| "more than 2^64".into(), |x| x.to_string())
}

/// One unit of a fixed-point sum: a value of 1.
const ONE: u128 = 1u128 << 32;

/// The statistics' states, steps and runs, checked against the study and the part.
fn check_header(raw: &Raw, t: &StudyStats, r: u64) -> Result<(), String> {
    if raw.n != t.n as u64 || raw.steps != t.steps as u64 {
        return Err(format!(
            "statistics of {} states and {} steps, the scenario has {} and {}",
            raw.n, raw.steps, t.n, t.steps
        ));
    }
    if raw.runs != r {
        return Err(format!(
            "the statistics count {} runs, the part holds {r}",
            raw.runs
        ));
    }
    Ok(())
}

/// The lengths of the vectors written as they are (not coded with runs of zeros), checked
/// against the study's.
fn check_lengths(raw: &Raw, t: &StudyStats) -> Result<(), String> {
    check_len(
        "alignment sums",
        raw.alignment_sum.len(),
        t.alignment_sum.len(),
    )?;
    check_len(
        "alignment ranges",
        raw.alignment_range.len(),
        t.alignment_range.len(),
    )?;
    check_len(
        "ever-allied counts",
        raw.ever_allied.len(),
        t.ever_allied.len(),
    )?;
    check_len(
        "first-alliance sums",
        raw.first_alliance_step_sum.len(),
        t.first_alliance_step_sum.len(),
    )?;
    check_len("power shares", raw.power_share.len(), t.power_share.len())?;
    check_len("principal-threat sizes", raw.kappa.len(), t.kappa.len())?;
    check_len("strategy counts", raw.strategy.len(), t.strategy.len())?;
    check_len("event runs", raw.event_runs.len(), t.event_runs.len())?;
    check_len(
        "event firings",
        raw.event_firings.len(),
        t.event_firings.len(),
    )
}

/// The study's shape, the part's runs, and the names of its states and pairs: what the
/// checks of the statistics' invariants read.
struct Checker<'a> {
    /// The runs the part holds.
    r: u64,
    /// Number of states.
    n: usize,
    /// Number of steps (observations are `0..=steps`).
    steps: usize,
    /// Number of pairs.
    pairs: usize,
    /// The states' ids.
    ids: &'a [String],
    /// The pairs' names, `USA-CHN`, in pair order.
    pair_names: Vec<String>,
}

impl<'a> Checker<'a> {
    /// The checker of the statistics of `r` runs of the study `t` is the empty statistics of.
    fn new(t: &StudyStats, r: u64, ids: &'a [String]) -> Self {
        let mut c = Self {
            r,
            n: t.n,
            steps: t.steps,
            pairs: t.pairs(),
            ids,
            pair_names: Vec::new(),
        };
        c.pair_names = upper(c.n)
            .map(|(i, k)| format!("{}-{}", c.id(i), c.id(k)))
            .collect();
        c
    }

    /// State `i`'s id (its number when the ids do not name it).
    fn id(&self, i: usize) -> String {
        self.ids.get(i).map_or_else(|| i.to_string(), Clone::clone)
    }

    /// Pair `q`'s name (its number when there is none).
    fn pair(&self, q: usize) -> String {
        self.pair_names
            .get(q)
            .cloned()
            .unwrap_or_else(|| q.to_string())
    }

    /// Every pair at every step: its histogram sums to the runs, its alignment sum is one of
    /// that many values in [−1, 1], its exact range fits its histogram, and its alliance
    /// and rivalry counts add to at most the runs.
    fn check_pair_steps(
        &self,
        raw: &Raw,
        alignment_hist: &[u64],
        alliance: &[u64],
        rivalry: &[u64],
    ) -> Result<(), String> {
        let r = self.r;
        for step in 0..self.steps + 1 {
            for q in 0..self.pairs {
                let idx = step * self.pairs + q;
                let at = || format!("pair {} at step {step}", self.pair(q));
                let h = &alignment_hist[idx * H..(idx + 1) * H];
                let total = checked_sum(h.iter().copied());
                if total != Some(r) {
                    return Err(format!(
                        "histogram of {} sums to {} runs, the part holds {r}",
                        at(),
                        sum_text(total)
                    ));
                }
                let sum = raw.alignment_sum[idx];
                if sum.count != r || sum.sum.unsigned_abs() > u128::from(r) * ONE {
                    return Err(format!(
                        "alignment sum of {} is not one of {r} values in [-1, 1]",
                        at()
                    ));
                }
                let (lo, hi) = raw.alignment_range[idx];
                if !range_fits(r, lo, hi, h) {
                    return Err(format!(
                        "alignment range of {} ({lo}, {hi}) does not fit its histogram",
                        at()
                    ));
                }
                if alliance[idx]
                    .checked_add(rivalry[idx])
                    .is_none_or(|x| x > r)
                {
                    return Err(format!(
                        "{} counts {} alliances and {} rivalries, more than the {r} runs the \
                         part holds",
                        at(),
                        alliance[idx],
                        rivalry[idx]
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every pair's runs ever allied are at most the runs, and the sum of their first
    /// alliance steps at most that many times the steps.
    fn check_first_alliances(&self, raw: &Raw) -> Result<(), String> {
        let (r, steps) = (self.r, self.steps);
        for q in 0..self.pairs {
            let (ever, sum) = (raw.ever_allied[q], raw.first_alliance_step_sum[q]);
            if ever > r || u128::from(sum) > u128::from(ever) * steps as u128 {
                return Err(format!(
                    "pair {}: allied in {ever} runs (first steps summing to {sum}), of {r} runs \
                     and {steps} steps",
                    self.pair(q)
                ));
            }
        }
        Ok(())
    }

    /// Every state at every step: its power share sum is one of the runs' shares in [0, 1],
    /// its principal-threat size sum one of the runs' values, and its strategy counts and
    /// principal-threat counts each sum to the runs.
    fn check_state_steps(&self, raw: &Raw, principal: &[u64]) -> Result<(), String> {
        let (r, n) = (self.r, self.n);
        // Every value recorded is below 2^31 in magnitude (`FixedSum::fixed`), so that sums
        // of any number of parts stay inside an i128; power shares lie in [0, 1].
        for step in 0..self.steps + 1 {
            for i in 0..n {
                let idx = step * n + i;
                let at = || format!("state {} at step {step}", self.id(i));
                let share = raw.power_share[idx];
                if share.count != r
                    || share.sum < 0
                    || share.sum.unsigned_abs() > u128::from(r) * ONE
                {
                    return Err(format!(
                        "power share sum of {} is not one of {r} shares in [0, 1]",
                        at()
                    ));
                }
                let kappa = raw.kappa[idx];
                if kappa.count != r || kappa.sum.unsigned_abs() > u128::from(r) << 63 {
                    return Err(format!(
                        "principal-threat size sum of {} is not one of {r} values",
                        at()
                    ));
                }
                let s = checked_sum(raw.strategy[idx]);
                if s != Some(r) {
                    return Err(format!(
                        "strategy counts of {} sum to {}, the part holds {r} runs",
                        at(),
                        sum_text(s)
                    ));
                }
                let p = checked_sum(principal[idx * n..(idx + 1) * n].iter().copied());
                if p != Some(r) {
                    return Err(format!(
                        "principal-threat counts of {} sum to {}, the part holds {r} runs",
                        at(),
                        sum_text(p)
                    ));
                }
            }
        }
        Ok(())
    }

    /// The camp partitions are of the study's states and count the runs; every event fired
    /// in at most the runs, at least once in each run it fired in.
    fn check_camps_and_events(&self, raw: &Raw) -> Result<(), String> {
        let (r, n) = (self.r, self.n);
        if let Some(c) = raw.camps.counts.keys().find(|c| c.side.len() != n) {
            return Err(format!(
                "a camp partition of {} states, the scenario has {n}",
                c.side.len()
            ));
        }
        let camps_total = checked_sum(raw.camps.counts.values().copied());
        if camps_total != Some(r) {
            return Err(format!(
                "camp partitions count {} runs, the part holds {r}",
                sum_text(camps_total)
            ));
        }
        for (e, (&runs, &firings)) in raw.event_runs.iter().zip(&raw.event_firings).enumerate() {
            if runs > r || firings < runs || (runs == 0 && firings > 0) {
                return Err(format!(
                    "event {e}: fired {firings} times in {runs} runs, of {r} runs"
                ));
            }
        }
        Ok(())
    }
}

/// Whether the exact range `(lo, hi)` of `r` alignments fits their histogram `h`: empty
/// with no runs, else inside [−1, 1], in order, and in its first and last nonempty bins.
fn range_fits(r: u64, lo: f64, hi: f64, h: &[u64]) -> bool {
    if r == 0 {
        lo == f64::INFINITY && hi == f64::NEG_INFINITY
    } else {
        let first = h.iter().position(|&c| c > 0);
        let last = h.iter().rposition(|&c| c > 0);
        (-1.0..=1.0).contains(&lo)
            && (-1.0..=1.0).contains(&hi)
            && lo <= hi
            && first == Some(alignment_bin(lo))
            && last == Some(alignment_bin(hi))
    }
}

/// The part's `r` runs merge into the statistics read so far (`t`) without overflow.
fn check_merge(raw: &Raw, t: &StudyStats, r: u64) -> Result<(), String> {
    // Merged into the statistics read so far (`template`): every count of runs is at most
    // the runs, so it fits once the runs do; the two counts that can exceed the runs (the
    // sum of first-alliance steps, an event's firings) are checked one by one.
    let fits = |acc: &[u64], part: &[u64]| {
        acc.iter()
            .zip(part)
            .all(|(a, b)| a.checked_add(*b).is_some())
    };
    if t.runs.checked_add(r).is_none()
        || !fits(&t.first_alliance_step_sum, &raw.first_alliance_step_sum)
        || !fits(&t.event_firings, &raw.event_firings)
    {
        return Err(format!(
            "its {r} runs do not add to the {} runs merged so far: their counts would pass \
             2^64",
            t.runs
        ));
    }
    Ok(())
}

/// The alliance and rivalry thresholds are the study's, bit for bit.
fn check_thresholds(raw: &Raw, t: &StudyStats) -> Result<(), String> {
    if raw.alliance_threshold.to_bits() != t.alliance_threshold.to_bits()
        || raw.rivalry_threshold.to_bits() != t.rivalry_threshold.to_bits()
    {
        return Err("thresholds differ from the scenario's".into());
    }
    Ok(())
}

impl StudyStats {
    /// Read the statistics of a partial result from its JSON text, checking them against
    /// `expected`: the shape (states, steps, events, every vector's length), the runs, and
    /// the invariants of the accumulators (every histogram and count of a step sums to the
    /// runs; no count exceeds them; sums within what their values allow; exact ranges inside
    /// [−1, 1] and in the histogram's first and last bins; the thresholds of the study).
    /// The message says what is wrong, naming pairs and states by their ids.
    ///
    /// Statistics that pass merge into `expected.template` (the statistics of the study merged
    /// so far) without overflow.
    pub fn from_untrusted_json(json: &[u8], expected: &ExpectedStats<'_>) -> Result<Self, String> {
        let t = expected.template;
        let r = expected.runs;
        let raw: Raw = serde_json::from_slice(json).map_err(|e| e.to_string())?;
        check_header(&raw, t, r)?;
        let check = Checker::new(t, r, expected.state_ids);

        let alignment_hist = expand(
            &raw.alignment_hist,
            t.alignment_hist.len(),
            "alignment histograms",
        )?;
        let alliance = expand(&raw.alliance, t.alliance.len(), "alliance counts")?;
        let rivalry = expand(&raw.rivalry, t.rivalry.len(), "rivalry counts")?;
        let principal = expand(&raw.principal, t.principal.len(), "principal-threat counts")?;
        check_lengths(&raw, t)?;

        check.check_pair_steps(&raw, &alignment_hist, &alliance, &rivalry)?;
        check.check_first_alliances(&raw)?;
        check.check_state_steps(&raw, &principal)?;
        check.check_camps_and_events(&raw)?;
        check_merge(&raw, t, r)?;
        check_thresholds(&raw, t)?;
        Ok(Self {
            n: t.n,
            steps: t.steps,
            runs: r,
            alignment_hist,
            alignment_sum: raw.alignment_sum,
            alignment_range: raw.alignment_range,
            alliance,
            rivalry,
            ever_allied: raw.ever_allied,
            first_alliance_step_sum: raw.first_alliance_step_sum,
            power_share: raw.power_share,
            kappa: raw.kappa,
            strategy: raw.strategy,
            principal,
            camps: raw.camps,
            event_runs: raw.event_runs,
            event_firings: raw.event_firings,
            alliance_threshold: raw.alliance_threshold,
            rivalry_threshold: raw.rivalry_threshold,
        })
    }

    /// An upper bound on the length in bytes of the JSON text of the statistics of `runs`
    /// runs of the study `template` is the empty statistics of, as this version writes them
    /// (every number at most 41 characters with its separator; every camp partition its
    /// states plus 44): the most a reader of a part needs to read for its statistics.
    pub fn json_bytes_bound(template: &Self, runs: u64) -> u64 {
        let t = template;
        let values = (t.alignment_hist.len()
            + 3 * t.alignment_sum.len()
            + 3 * t.alignment_range.len()
            + t.alliance.len()
            + t.rivalry.len()
            + t.ever_allied.len()
            + t.first_alliance_step_sum.len()
            + 3 * t.power_share.len()
            + 3 * t.kappa.len()
            + 4 * t.strategy.len()
            + t.principal.len()
            + t.event_runs.len()
            + t.event_firings.len()
            + 16) as u128;
        let partitions = if t.n >= 64 {
            u128::from(runs)
        } else {
            u128::from(runs).min(1u128 << t.n)
        };
        let bytes = values * 41 + partitions * (t.n as u128 + 44) + 4096;
        u64::try_from(bytes).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study() -> (crate::scenario::Scenario, StudyStats) {
        let s = crate::scenario::load_or_flagship(None).unwrap();
        let st = crate::engine::run(
            &crate::engine::Study {
                scenario: &s,
                params: s.params.clone(),
                seed: 3,
                runs: 5..25,
                threads: 1,
            },
            &|_| {},
            None,
        )
        .unwrap();
        (s, st)
    }

    fn read(json: &str, s: &crate::scenario::Scenario, runs: u64) -> Result<StudyStats, String> {
        let template = StudyStats::new(s.n(), s.steps, s.events.len(), &s.params);
        let ids: Vec<String> = s.states.iter().map(|x| x.id.clone()).collect();
        StudyStats::from_untrusted_json(
            json.as_bytes(),
            &ExpectedStats {
                template: &template,
                runs,
                state_ids: &ids,
            },
        )
    }

    #[test]
    fn real_statistics_pass_and_round_trip() {
        let (s, st) = study();
        let json = serde_json::to_string(&st).unwrap();
        assert_eq!(read(&json, &s, 20).unwrap(), st);
        let template = StudyStats::new(s.n(), s.steps, s.events.len(), &s.params);
        assert!((json.len() as u64) < StudyStats::json_bytes_bound(&template, 20));
        // Empty statistics too.
        let json = serde_json::to_string(&template).unwrap();
        assert_eq!(read(&json, &s, 0).unwrap(), template);
        // The runs must be the part's.
        let e = read(&serde_json::to_string(&st).unwrap(), &s, 21).unwrap_err();
        assert!(e.contains("count 20 runs, the part holds 21"), "{e}");
    }

    #[test]
    fn crafted_lengths_are_refused_before_allocating() {
        let (s, st) = study();
        let json = serde_json::to_string(&st).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        for coded in [
            "[-9223372036854775808]",
            "[-4294967296]",
            "[-9223372036854775807,-9223372036854775807,-9223372036854775807]",
            "[1,-1]",
            "[]",
        ] {
            let mut w = v.clone();
            w["alignment_hist"] = serde_json::from_str(coded).unwrap();
            let e = read(&w.to_string(), &s, 20).unwrap_err();
            assert!(e.contains("alignment histograms"), "{coded}: {e}");
        }
    }

    /// Found by the fuzz target `part` (fuzz/): an event's firings have no upper bound in a
    /// part, so two parts each with firings near 2^64 passed, one at a time, and their merge
    /// overflowed (a panic with overflow checks, a wrapped count without). The part is now read
    /// against the statistics merged so far, and refused when a count would not fit.
    #[test]
    fn counts_that_would_overflow_the_merge_are_refused() {
        let (s, st) = study();
        let ids: Vec<String> = s.states.iter().map(|x| x.id.clone()).collect();
        let mut crafted = st.clone();
        let e = (0..crafted.event_runs.len())
            .find(|&e| crafted.event_runs[e] > 0)
            .expect("an event fired");
        crafted.event_firings[e] = u64::MAX - 1;
        let json = serde_json::to_string(&crafted).unwrap();
        let mut merged = StudyStats::new(s.n(), s.steps, s.events.len(), &s.params);
        let read_into = |merged: &StudyStats| {
            StudyStats::from_untrusted_json(
                json.as_bytes(),
                &ExpectedStats {
                    template: merged,
                    runs: 20,
                    state_ids: &ids,
                },
            )
        };
        // One such part merges.
        let first = read_into(&merged).unwrap();
        merged.merge(&first);
        assert_eq!(merged.event_firings[e], u64::MAX - 1);
        // A second one is refused before the merge.
        let err = read_into(&merged).unwrap_err();
        assert!(
            err.contains("do not add to the 20 runs merged so far"),
            "{err}"
        );
        // So is a part whose first-alliance steps would overflow those merged so far.
        let mut crafted = st.clone();
        let q = (0..crafted.ever_allied.len())
            .find(|&q| crafted.ever_allied[q] > 0)
            .expect("a pair allied");
        crafted.first_alliance_step_sum[q] = 1;
        let mut full = merged.clone();
        full.first_alliance_step_sum[q] = u64::MAX;
        let err = StudyStats::from_untrusted_json(
            serde_json::to_string(&crafted).unwrap().as_bytes(),
            &ExpectedStats {
                template: &full,
                runs: 20,
                state_ids: &ids,
            },
        )
        .unwrap_err();
        assert!(err.contains("would pass 2^64"), "{err}");
        // And the runs themselves.
        let mut many = merged;
        many.runs = u64::MAX - 5;
        let err = StudyStats::from_untrusted_json(
            serde_json::to_string(&st).unwrap().as_bytes(),
            &ExpectedStats {
                template: &many,
                runs: 20,
                state_ids: &ids,
            },
        )
        .unwrap_err();
        assert!(err.contains("would pass 2^64"), "{err}");
    }

    #[test]
    fn an_edited_count_is_refused_naming_the_pair() {
        let (s, st) = study();
        let mut bad = st.clone();
        // One run moved from one bin to another of step 3, pair 0: the sum still fits, the
        // range perhaps not; add a run instead, which the sum catches.
        let k = (3 * st.pairs()) * H;
        let b = (0..H).find(|&b| bad.alignment_hist[k + b] > 0).unwrap();
        bad.alignment_hist[k + b] += 79;
        let e = read(&serde_json::to_string(&bad).unwrap(), &s, 20).unwrap_err();
        let name = format!("{}-{}", s.states[0].id, s.states[1].id);
        assert!(
            e.contains(&format!(
                "histogram of pair {name} at step 3 sums to 99 runs, the part holds 20"
            )),
            "{e}"
        );
        let mut bad = st.clone();
        bad.rivalry[7] = 99;
        let e = read(&serde_json::to_string(&bad).unwrap(), &s, 20).unwrap_err();
        assert!(e.contains("more than the 20 runs"), "{e}");
        let mut bad = st;
        bad.kappa[0].sum = i128::MAX;
        let e = read(&serde_json::to_string(&bad).unwrap(), &s, 20).unwrap_err();
        assert!(e.contains("principal-threat size sum"), "{e}");
    }
}
