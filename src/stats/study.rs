//! The statistics of a Monte Carlo study: everything the output files report, accumulated
//! run by run in exact integer form (see the module docs of [`crate::stats`]).

use serde::{Deserialize, Serialize};

use super::{ALIGNMENT_BINS, FixedSum, Tally, add_counts, alignment_bin, histogram_quantile};
use crate::model::camps::Camps;
use crate::model::world::upper;
use crate::model::{Observer, Params, RunOutcome, World};

/// Runs whose pair observations the engine's recorder ([`super::LaneRecorder`]) holds before
/// adding them to the statistics.
pub const PENDING_SLOTS: usize = 256;

const H: usize = ALIGNMENT_BINS + 2;

/// Accumulated statistics of any number of runs of one scenario.
///
/// Serializes exactly (floats as bit patterns, see `stats/serial.rs`), so that a shard's
/// statistics written to a file and read back merge into bit-identical results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyStats {
    /// Number of states.
    pub n: usize,
    /// Number of steps (observations are `0..=steps`).
    pub steps: usize,
    /// Number of runs recorded.
    pub runs: u64,
    /// Alignment histograms, `[(step * pairs + pair) * H + bin]`.
    #[serde(with = "super::serial::zero_runs")]
    pub alignment_hist: Vec<u64>,
    /// Alignment sums per `(step, pair)`.
    pub alignment_sum: Vec<FixedSum>,
    /// Smallest and largest alignment seen per `(step, pair)` (exact; they bound quantiles).
    #[serde(with = "super::serial::ranges_bits")]
    pub alignment_range: Vec<(f64, f64)>,
    /// Runs allied at `(step, pair)`.
    #[serde(with = "super::serial::zero_runs")]
    pub alliance: Vec<u64>,
    /// Runs in rivalry at `(step, pair)`.
    #[serde(with = "super::serial::zero_runs")]
    pub rivalry: Vec<u64>,
    /// Runs in which each pair was ever an alliance.
    pub ever_allied: Vec<u64>,
    /// Sum over those runs of the first step at which the pair was an alliance.
    pub first_alliance_step_sum: Vec<u64>,
    /// Power share sums per `(step, state)`.
    pub power_share: Vec<FixedSum>,
    /// Principal-threat size `κ` sums per `(step, state)`.
    pub kappa: Vec<FixedSum>,
    /// Strategy counts per `(step, state)`: `[secure, balance, bandwagon]`.
    pub strategy: Vec<[u64; 3]>,
    /// Principal-threat counts, `[(step * n + state) * n + target]`.
    #[serde(with = "super::serial::zero_runs")]
    pub principal: Vec<u64>,
    /// Final camp partitions.
    #[serde(with = "super::serial::camps_tally")]
    pub camps: Tally<Camps>,
    /// Runs in which each event fired at least once.
    pub event_runs: Vec<u64>,
    /// Total firings of each event.
    pub event_firings: Vec<u64>,
    #[serde(with = "super::serial::f64_bits")]
    pub(super) alliance_threshold: f64,
    #[serde(with = "super::serial::f64_bits")]
    pub(super) rivalry_threshold: f64,
}

impl StudyStats {
    /// Empty statistics for `n` states, `steps` steps and `events` events.
    pub fn new(n: usize, steps: usize, events: usize, p: &Params) -> Self {
        let pairs = n * (n - 1) / 2;
        let obs = steps + 1;
        Self {
            n,
            steps,
            runs: 0,
            alignment_hist: vec![0; obs * pairs * H],
            alignment_sum: vec![FixedSum::default(); obs * pairs],
            alignment_range: vec![(f64::INFINITY, f64::NEG_INFINITY); obs * pairs],
            alliance: vec![0; obs * pairs],
            rivalry: vec![0; obs * pairs],
            ever_allied: vec![0; pairs],
            first_alliance_step_sum: vec![0; pairs],
            power_share: vec![FixedSum::default(); obs * n],
            kappa: vec![FixedSum::default(); obs * n],
            strategy: vec![[0; 3]; obs * n],
            principal: vec![0; obs * n * n],
            camps: Tally::default(),
            event_runs: vec![0; events],
            event_firings: vec![0; events],
            // As the step compares (in single precision; widening is exact).
            alliance_threshold: f64::from(p.alliance_threshold as f32),
            rivalry_threshold: f64::from(p.rivalry_threshold as f32),
        }
    }

    /// Approximate bytes of the statistics of a study of `n` states and `steps` steps
    /// (what [`StudyStats::new`] allocates; camps and events are small and not counted).
    pub fn memory_bytes(n: usize, steps: usize) -> u128 {
        let (n, obs) = (n as u128, steps as u128 + 1);
        let pairs = n * n.saturating_sub(1) / 2;
        let per_pair = H as u128 * 8 // histogram
            + std::mem::size_of::<FixedSum>() as u128
            + 16 // exact min and max
            + 16 // alliance and rivalry counts
            + PENDING_SLOTS as u128 + 64 // the recorder's pending bins and accumulator
            + H as u128 * 2; // and its 16-bit histogram counts
        let per_state = 2 * std::mem::size_of::<FixedSum>() as u128 + 24 + 8 * n;
        obs * (pairs * per_pair + n * per_state)
    }

    /// Number of unordered pairs.
    pub fn pairs(&self) -> usize {
        self.n * (self.n - 1) / 2
    }

    /// The histogram of alignment of `pair` at `step`.
    pub fn histogram(&self, step: usize, pair: usize) -> &[u64] {
        let k = (step * self.pairs() + pair) * H;
        &self.alignment_hist[k..k + H]
    }

    /// Quantile `q` of the alignment of `pair` at `step`: interpolated in its histogram bin
    /// (resolution 0.01), then clamped to the exact range of the values seen.
    pub fn alignment_quantile(&self, step: usize, pair: usize, q: f64) -> f64 {
        let (lo, hi) = self.alignment_range[step * self.pairs() + pair];
        histogram_quantile(self.histogram(step, pair), q).clamp(lo.min(hi), hi.max(lo))
    }

    /// Record the world at one observation step (called by [`Recorder`]).
    pub fn observe(&mut self, step: usize, w: &World) {
        let n = self.n;
        let pairs = self.pairs();
        for (q, (i, k)) in upper(n).enumerate() {
            let a = f64::from(w.alignment[i * n + k]);
            let idx = step * pairs + q;
            self.alignment_hist[idx * H + alignment_bin(a)] += 1;
            self.alignment_sum[idx].add(a);
            let r = &mut self.alignment_range[idx];
            *r = (r.0.min(a), r.1.max(a));
            if a >= self.alliance_threshold {
                self.alliance[idx] += 1;
            } else if a <= self.rivalry_threshold {
                self.rivalry[idx] += 1;
            }
        }
        let total: f64 = w.power.iter().map(|&x| f64::from(x)).sum();
        for i in 0..n {
            let idx = step * n + i;
            self.power_share[idx].add(f64::from(w.power[i]) / total);
            self.kappa[idx].add(f64::from(w.kappa[i]));
            self.strategy[idx][w.strategy[i] as usize] += 1;
            self.principal[idx * n + w.principal[i]] += 1;
        }
    }

    /// Record what only the whole run knows.
    pub fn finish_run(&mut self, out: &RunOutcome) {
        self.runs += 1;
        for (q, first) in out.first_alliance.iter().enumerate() {
            if let Some(s) = first {
                self.ever_allied[q] += 1;
                self.first_alliance_step_sum[q] += u64::from(*s);
            }
        }
        self.camps.add(&out.camps);
        let mut seen = vec![false; self.event_runs.len()];
        for e in &out.events {
            self.event_firings[e.event] += 1;
            if !seen[e.event] {
                seen[e.event] = true;
                self.event_runs[e.event] += 1;
            }
        }
    }

    /// Combine with statistics of other runs of the same study.
    pub fn merge(&mut self, o: &Self) {
        assert_eq!(
            (self.n, self.steps),
            (o.n, o.steps),
            "merging statistics of different studies"
        );
        self.runs += o.runs;
        add_counts(&mut self.alignment_hist, &o.alignment_hist);
        self.alignment_sum
            .iter_mut()
            .zip(&o.alignment_sum)
            .for_each(|(a, b)| a.merge(b));
        for (a, b) in self.alignment_range.iter_mut().zip(&o.alignment_range) {
            *a = (a.0.min(b.0), a.1.max(b.1));
        }
        add_counts(&mut self.alliance, &o.alliance);
        add_counts(&mut self.rivalry, &o.rivalry);
        add_counts(&mut self.ever_allied, &o.ever_allied);
        add_counts(
            &mut self.first_alliance_step_sum,
            &o.first_alliance_step_sum,
        );
        self.power_share
            .iter_mut()
            .zip(&o.power_share)
            .for_each(|(a, b)| a.merge(b));
        self.kappa
            .iter_mut()
            .zip(&o.kappa)
            .for_each(|(a, b)| a.merge(b));
        for (a, b) in self.strategy.iter_mut().zip(&o.strategy) {
            add_counts(a, b);
        }
        add_counts(&mut self.principal, &o.principal);
        self.camps.merge(&o.camps);
        add_counts(&mut self.event_runs, &o.event_runs);
        add_counts(&mut self.event_firings, &o.event_firings);
    }

    /// Whether `other` has the layout of `self` (same states, steps, events and vector
    /// lengths, camp partitions of `n` states): the check to make before merging statistics
    /// read from a file, where [`merge`](Self::merge) would otherwise misalign silently.
    pub fn same_shape(&self, other: &Self) -> bool {
        self.n == other.n
            && self.steps == other.steps
            && self.alignment_hist.len() == other.alignment_hist.len()
            && self.alignment_sum.len() == other.alignment_sum.len()
            && self.alignment_range.len() == other.alignment_range.len()
            && self.alliance.len() == other.alliance.len()
            && self.rivalry.len() == other.rivalry.len()
            && self.ever_allied.len() == other.ever_allied.len()
            && self.first_alliance_step_sum.len() == other.first_alliance_step_sum.len()
            && self.power_share.len() == other.power_share.len()
            && self.kappa.len() == other.kappa.len()
            && self.strategy.len() == other.strategy.len()
            && self.principal.len() == other.principal.len()
            && self.event_runs.len() == other.event_runs.len()
            && self.event_firings.len() == other.event_firings.len()
            && other.camps.counts.keys().all(|c| c.side.len() == self.n)
    }

    /// Total decisions per strategy over the steps acted on (`0..steps`), all states.
    pub fn decision_totals(&self) -> [u64; 3] {
        let mut t = [0; 3];
        for c in &self.strategy[..self.steps * self.n] {
            add_counts(&mut t, c);
        }
        t
    }
}

/// The observer that feeds a run's observations into [`StudyStats`].
pub struct Recorder<'a>(pub &'a mut StudyStats);

impl Observer for Recorder<'_> {
    #[inline]
    fn observe(&mut self, step: usize, _year: f64, w: &World) {
        self.0.observe(step, w);
    }
}
