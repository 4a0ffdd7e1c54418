//! Mergeable, exact accumulators.
//!
//! Every accumulator here holds integers only (counts, fixed-bin histograms, fixed-point
//! sums), so `merge` is associative and commutative *exactly*: any split of the runs,
//! merged in any order, gives bit-identical statistics. Memory depends on the scenario
//! (steps × pairs × bins), never on the number of runs.

use std::collections::BTreeMap;

mod lanes;
mod serial;
pub mod study;
mod untrusted;
pub use lanes::{LaneRecorder, RUNS_PER_TRANSFER};
pub use study::{PENDING_SLOTS, Recorder, StudyStats};
pub use untrusted::ExpectedStats;

/// Fixed-point scale of [`FixedSum`]: values are stored as `round(x · 2^32)`.
pub const FIXED_SCALE: f64 = 4_294_967_296.0;

/// An exact sum of real numbers in fixed point (resolution 2^-32 ≈ 2.3e-10 per value).
///
/// Serialized as the pair `[sum, count]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "(i128, u64)", from = "(i128, u64)")]
pub struct FixedSum {
    /// Sum of `round(x · 2^32)`.
    pub sum: i128,
    /// Number of values.
    pub count: u64,
}

impl FixedSum {
    /// Add one value (non-finite values are a bug upstream; they count as 0).
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.sum += i128::from(Self::fixed(x));
        self.count += 1;
    }

    /// Add `count` values whose fixed-point forms ([`FixedSum::fixed`]) sum to `fixed`.
    #[inline]
    pub fn add_fixed(&mut self, fixed: i128, count: usize) {
        self.sum += fixed;
        self.count += count as u64;
    }

    /// `round(x · 2^32)`, half away from zero, via i64 (a single instruction, unlike
    /// f64 -> i128); |x| < 2^31 for every statistic recorded here. Non-finite: 0.
    #[inline]
    pub fn fixed(x: f64) -> i64 {
        let y = x * FIXED_SCALE;
        if y.is_finite() {
            (if y >= 0.0 { y + 0.5 } else { y - 0.5 }) as i64
        } else {
            0
        }
    }

    /// Combine with another sum.
    #[inline]
    pub fn merge(&mut self, other: &Self) {
        self.sum += other.sum;
        self.count += other.count;
    }

    /// The mean, or NaN when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.sum as f64 / FIXED_SCALE / self.count as f64
        }
    }
}

impl From<FixedSum> for (i128, u64) {
    fn from(f: FixedSum) -> Self {
        (f.sum, f.count)
    }
}

impl From<(i128, u64)> for FixedSum {
    fn from((sum, count): (i128, u64)) -> Self {
        Self { sum, count }
    }
}

/// Number of regular bins over (−1, 1) in an alignment histogram (width 0.01).
pub const ALIGNMENT_BINS: usize = 200;

/// Bin index of an alignment value: 0 holds exactly −1, `ALIGNMENT_BINS + 1` exactly +1,
/// `1..=ALIGNMENT_BINS` the regular bins of width `2 / ALIGNMENT_BINS` over (−1, 1).
#[inline]
pub fn alignment_bin(a: f64) -> usize {
    if a <= -1.0 {
        0
    } else if a >= 1.0 {
        ALIGNMENT_BINS + 1
    } else {
        let b = ((a + 1.0) * 0.5 * ALIGNMENT_BINS as f64) as usize;
        1 + b.min(ALIGNMENT_BINS - 1)
    }
}

/// Quantile `q` of a histogram laid out as by [`alignment_bin`], interpolated linearly inside
/// the bin that holds it (exact at the two end points). NaN when empty.
///
/// The `q`-quantile is the smallest value `x` such that at least `ceil(q · N)` of the `N`
/// values are `≤ x` (at least one); inside a regular bin the values are taken as spread
/// evenly over the bin.
pub fn histogram_quantile(counts: &[u64], q: f64) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return f64::NAN;
    }
    let target = ((q * total as f64).ceil() as u64).clamp(1, total);
    let width = 2.0 / ALIGNMENT_BINS as f64;
    let mut cum = 0u64;
    for (b, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        if cum + c >= target {
            return if b == 0 {
                -1.0
            } else if b == ALIGNMENT_BINS + 1 {
                1.0
            } else {
                let lo = -1.0 + (b - 1) as f64 * width;
                lo + width * (target - cum) as f64 / c as f64
            };
        }
        cum += c;
    }
    1.0
}

/// Add `other` into `acc` element by element.
#[inline]
pub fn add_counts(acc: &mut [u64], other: &[u64]) {
    for (a, b) in acc.iter_mut().zip(other) {
        *a += b;
    }
}

/// Counts of distinct keys (e.g. camp partitions), merged exactly, iterated in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally<K: Ord> {
    /// Count per key.
    pub counts: BTreeMap<K, u64>,
}

impl<K: Ord> Default for Tally<K> {
    fn default() -> Self {
        Self {
            counts: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone> Tally<K> {
    /// Count one occurrence.
    pub fn add(&mut self, key: &K) {
        match self.counts.get_mut(key) {
            Some(c) => *c += 1,
            None => {
                self.counts.insert(key.clone(), 1);
            }
        }
    }

    /// Combine with another tally.
    pub fn merge(&mut self, other: &Self) {
        for (k, c) in &other.counts {
            *self.counts.entry(k.clone()).or_insert(0) += c;
        }
    }

    /// Keys with their counts, most frequent first (ties in key order).
    pub fn most_frequent(&self) -> Vec<(&K, u64)> {
        let mut v: Vec<(&K, u64)> = self.counts.iter().map(|(k, c)| (k, *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }
}

/// Wilson score interval for a binomial proportion `k / n` at 95 % (z = 1.959964).
pub fn wilson95(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054_f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * ((p * (1.0 - p) / n) + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_the_range_with_exact_ends() {
        assert_eq!(alignment_bin(-1.0), 0);
        assert_eq!(alignment_bin(1.0), ALIGNMENT_BINS + 1);
        assert_eq!(alignment_bin(-0.999), 1);
        assert_eq!(alignment_bin(0.0), 1 + ALIGNMENT_BINS / 2);
        assert_eq!(alignment_bin(0.9999999), ALIGNMENT_BINS);
    }

    #[test]
    fn quantiles_of_a_known_sample() {
        // Values 0.005 (bin [0, 0.01)) ×3 and exactly 1.0 ×1.
        let mut h = vec![0u64; ALIGNMENT_BINS + 2];
        for x in [0.005, 0.005, 0.005, 1.0] {
            h[alignment_bin(x)] += 1;
        }
        // q = 0.5: target ceil(2) = 2nd of 3 in the bin [0, 0.01): 0 + 0.01 · 2/3.
        assert!((histogram_quantile(&h, 0.5) - 0.01 * 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(histogram_quantile(&h, 0.95), 1.0);
        assert!(histogram_quantile(&[0; ALIGNMENT_BINS + 2], 0.5).is_nan());
    }

    #[test]
    fn wilson_interval_by_hand() {
        // k = 5, n = 10: centre 0.5, half-width z·sqrt(.025 + z²/400)/(1 + z²/10) = 0.2634...
        let (lo, hi) = wilson95(5, 10);
        assert!(
            (lo - 0.236_593).abs() < 1e-5 && (hi - 0.763_407).abs() < 1e-5,
            "{lo} {hi}"
        );
        assert_eq!(wilson95(0, 10).0, 0.0);
    }

    #[test]
    fn fixed_sums_are_exact_and_mergeable() {
        let xs = [0.1, -0.7, 0.333, 1.0, -1.0];
        let mut all = FixedSum::default();
        xs.iter().for_each(|&x| all.add(x));
        let (mut a, mut b) = (FixedSum::default(), FixedSum::default());
        xs[..2].iter().for_each(|&x| a.add(x));
        xs[2..].iter().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(all, b);
        assert!((all.mean() - (-0.267 / 5.0)).abs() < 1e-9);
    }
}
