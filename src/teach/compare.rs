//! `entente compare`: the same runs under several theories.
//!
//! Run `r` of every theory uses the same random stream (`(seed, r)`, as in every study), so
//! the theories face the same shocks: common random numbers. What differs between their
//! results comes from the theory, not from the noise; with identical theories the results are
//! identical to the last bit.

use std::io::{self, Write};

use crate::engine::{self, EngineError, Study};
use crate::model::camps::Camps;
use crate::model::world::upper;
use crate::output::{csv_writer, io_err, num};
use crate::scenario::Scenario;
use crate::stats::StudyStats;

/// One theory's study.
#[derive(Debug, Clone)]
pub struct TheoryStudy {
    /// The theory's name (as given; the same theory may appear twice).
    pub label: String,
    /// The scenario under this theory (after `--set`).
    pub scenario: Scenario,
    /// Its statistics.
    pub stats: StudyStats,
}

/// The studies of a comparison, all with the same seed and runs.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Master seed.
    pub seed: u64,
    /// Runs per theory.
    pub runs: u64,
    /// One study per theory, in the order given.
    pub studies: Vec<TheoryStudy>,
}

/// Run `runs` runs with `seed` of each scenario (one per theory, each with its own
/// parameters); `progress` is called with runs completed, across all theories.
pub fn compare(
    scenarios: Vec<(String, Scenario)>,
    seed: u64,
    runs: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, EngineError> {
    let mut studies = Vec::with_capacity(scenarios.len());
    for (label, scenario) in scenarios {
        let study = Study {
            scenario: &scenario,
            params: scenario.params.clone(),
            seed,
            runs: 0..runs,
            threads,
        };
        let stats = engine::run(&study, progress, None)?;
        studies.push(TheoryStudy {
            label,
            scenario,
            stats,
        });
    }
    Ok(Comparison {
        seed,
        runs,
        studies,
    })
}

/// Outcomes of one pair at the horizon under one theory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairOutcome {
    /// P(alliance) at the horizon.
    pub p_alliance_end: f64,
    /// P(ever an alliance).
    pub p_alliance_ever: f64,
    /// P(rivalry) at the horizon.
    pub p_rivalry_end: f64,
    /// Mean alignment at the horizon.
    pub mean_alignment_end: f64,
    /// 5 % quantile.
    pub q05_alignment_end: f64,
    /// Median.
    pub q50_alignment_end: f64,
    /// 95 % quantile.
    pub q95_alignment_end: f64,
}

/// Decisions of one state (or all) under one theory, as shares of state-steps acted on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    /// Secure.
    pub secure: f64,
    /// Balance.
    pub balance: f64,
    /// Bandwagon.
    pub bandwagon: f64,
}

/// Ratios past this are written as "over" it: a share that small beside the other is noise.
const RATIO_CAP: f64 = 1000.0;

/// The ratio of balancing to bandwagoning as people read it, the two sides joined by `sep`:
/// `18:1` where balancing dominates, `1:4` where bandwagoning does, `over 1000:1` (or
/// `1:over 1000`) past a thousand; `None` where either share is zero (callers say so in words).
pub fn balance_ratio(balance: f64, bandwagon: f64, sep: &str) -> Option<String> {
    if !(balance > 0.0 && bandwagon > 0.0) {
        return None;
    }
    let side = |r: f64| {
        if r.round() > RATIO_CAP {
            format!("over {RATIO_CAP:.0}")
        } else {
            format!("{r:.0}")
        }
    };
    Some(if balance >= bandwagon {
        format!("{}{sep}1", side(balance / bandwagon))
    } else {
        format!("1{sep}{}", side(bandwagon / balance))
    })
}

fn shares(c: [u64; 3]) -> Shares {
    let total = (c[0] + c[1] + c[2]).max(1) as f64;
    Shares {
        secure: c[0] as f64 / total,
        balance: c[1] as f64 / total,
        bandwagon: c[2] as f64 / total,
    }
}

impl TheoryStudy {
    /// Outcomes of pair `q` (upper-triangle order) at the horizon.
    pub fn pair(&self, q: usize) -> PairOutcome {
        let st = &self.stats;
        let pairs = st.pairs();
        let end = st.steps;
        let idx = end * pairs + q;
        let r = st.runs.max(1) as f64;
        PairOutcome {
            p_alliance_end: st.alliance[idx] as f64 / r,
            p_alliance_ever: st.ever_allied[q] as f64 / r,
            p_rivalry_end: st.rivalry[idx] as f64 / r,
            mean_alignment_end: st.alignment_sum[idx].mean(),
            q05_alignment_end: st.alignment_quantile(end, q, 0.05),
            q50_alignment_end: st.alignment_quantile(end, q, 0.5),
            q95_alignment_end: st.alignment_quantile(end, q, 0.95),
        }
    }

    /// Decision shares of all states over the steps acted on.
    pub fn decision_shares(&self) -> Shares {
        shares(self.stats.decision_totals())
    }

    /// Decision shares of state `i` over the steps acted on.
    pub fn state_shares(&self, i: usize) -> Shares {
        let st = &self.stats;
        let mut c = [0u64; 3];
        for step in 0..st.steps {
            let x = st.strategy[step * st.n + i];
            for k in 0..3 {
                c[k] += x[k];
            }
        }
        shares(c)
    }

    /// The principal threat state `i` has in the most runs at the horizon (ties: first).
    pub fn top_principal_end(&self, i: usize) -> usize {
        let st = &self.stats;
        let n = st.n;
        let base = (st.steps * n + i) * n;
        let counts = &st.principal[base..base + n];
        let mut best = 0;
        for (j, &c) in counts.iter().enumerate() {
            if c > counts[best] {
                best = j;
            }
        }
        best
    }

    /// Mean camp threat `κ` of state `i` at the horizon.
    pub fn mean_threat_end(&self, i: usize) -> f64 {
        let st = &self.stats;
        st.kappa[st.steps * st.n + i].mean()
    }

    /// The most frequent final camps and their share of runs.
    pub fn top_camps(&self) -> Option<(&Camps, f64)> {
        self.stats
            .camps
            .most_frequent()
            .into_iter()
            .next()
            .map(|(c, k)| (c, k as f64 / self.stats.runs.max(1) as f64))
    }
}

impl Comparison {
    /// The scenario (states and pairs are the same under every theory).
    pub fn scenario(&self) -> Option<&Scenario> {
        self.studies.first().map(|t| &t.scenario)
    }

    /// Up to `max` pairs (upper-triangle indices) whose horizon results differ most across
    /// theories: largest spread of P(alliance), then of mean alignment; with no difference
    /// at all, the pairs most often allied. Ties in pair order.
    pub fn interesting_pairs(&self, max: usize) -> Vec<usize> {
        let Some(s) = self.scenario() else {
            return Vec::new();
        };
        let pairs = s.n() * (s.n() - 1) / 2;
        let mut scored: Vec<(usize, f64, f64, f64)> = (0..pairs)
            .map(|q| {
                let o: Vec<PairOutcome> = self.studies.iter().map(|t| t.pair(q)).collect();
                let spread = |f: fn(&PairOutcome) -> f64| {
                    let v = o.iter().map(f);
                    v.clone().fold(f64::MIN, f64::max) - v.fold(f64::MAX, f64::min)
                };
                let top = o
                    .iter()
                    .map(|x| x.p_alliance_end.max(x.p_rivalry_end))
                    .fold(0.0, f64::max);
                (
                    q,
                    spread(|x| x.p_alliance_end),
                    spread(|x| x.mean_alignment_end),
                    top,
                )
            })
            .collect();
        scored.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(b.2.total_cmp(&a.2))
                .then(b.3.total_cmp(&a.3))
                .then(a.0.cmp(&b.0))
        });
        scored.into_iter().take(max).map(|x| x.0).collect()
    }

    /// `compare.csv`: one row per theory and pair (columns in `docs/output.md`).
    pub fn write_csv(&self, w: impl Write) -> io::Result<()> {
        let mut c = csv_writer(w);
        // The statistics in summary.csv's column order (output::PAIR_END_STATS).
        let mut header = vec!["theory", "a", "b"];
        header.extend(crate::output::PAIR_END_STATS);
        header.extend(["seed", "runs"]);
        c.write_record(&header).map_err(io_err)?;
        for t in &self.studies {
            let s = &t.scenario;
            for (q, (i, k)) in upper(s.n()).enumerate() {
                let o = t.pair(q);
                c.write_record([
                    t.label.clone(),
                    s.states[i].id.clone(),
                    s.states[k].id.clone(),
                    num(o.p_alliance_end),
                    num(o.p_alliance_ever),
                    num(o.p_rivalry_end),
                    num(o.mean_alignment_end),
                    num(o.q05_alignment_end),
                    num(o.q50_alignment_end),
                    num(o.q95_alignment_end),
                    self.seed.to_string(),
                    self.runs.to_string(),
                ])
                .map_err(io_err)?;
            }
        }
        c.flush()
    }

    /// `compare-states.csv`: one row per theory and state (columns in `docs/output.md`).
    pub fn write_states_csv(&self, w: impl Write) -> io::Result<()> {
        let mut c = csv_writer(w);
        c.write_record([
            "theory",
            "state",
            "share_balance",
            "share_bandwagon",
            "share_secure",
            "top_principal_threat_end",
            "mean_threat_end",
        ])
        .map_err(io_err)?;
        for t in &self.studies {
            let s = &t.scenario;
            for i in 0..s.n() {
                let sh = t.state_shares(i);
                c.write_record([
                    t.label.clone(),
                    s.states[i].id.clone(),
                    num(sh.balance),
                    num(sh.bandwagon),
                    num(sh.secure),
                    s.states[t.top_principal_end(i)].id.clone(),
                    num(t.mean_threat_end(i)),
                ])
                .map_err(io_err)?;
            }
        }
        c.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::balance_ratio;

    #[test]
    fn ratios_read_either_way_and_stop_at_the_cap() {
        let r = |a, b| balance_ratio(a, b, ":");
        assert_eq!(r(0.946, 0.054).as_deref(), Some("18:1"));
        assert_eq!(r(0.758, 0.242).as_deref(), Some("3:1"));
        assert_eq!(r(0.5, 0.5).as_deref(), Some("1:1"));
        // Bandwagoning dominant: not "0:1".
        assert_eq!(r(0.2, 0.8).as_deref(), Some("1:4"));
        assert_eq!(r(0.999, 0.001).as_deref(), Some("999:1"));
        assert_eq!(r(0.999_999, 0.000_001_2).as_deref(), Some("over 1000:1"));
        assert_eq!(r(0.000_001_2, 0.999_999).as_deref(), Some("1:over 1000"));
        assert_eq!(
            balance_ratio(464_885.0, 95_115.0, " : ").as_deref(),
            Some("5 : 1")
        );
        assert_eq!(r(1.0, 0.0), None);
        assert_eq!(r(0.0, 1.0), None);
        assert_eq!(r(0.0, 0.0), None);
    }
}
