//! Exact serialization of [`StudyStats`](super::StudyStats) (partial results of shards).
//!
//! Integers are written as they are, except that runs of zeros in count vectors are written
//! as one negative number (`-k` for `k` zeros): histograms are mostly empty, and this keeps a
//! shard's file small. Floating-point values are written as their IEEE-754 bit patterns
//! (`u64`): JSON cannot hold the infinities an empty range starts from, and decimal text does
//! not round-trip every `f64` exactly with every parser.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Tally;
use crate::model::camps::Camps;

/// One `f64` as its bit pattern.
pub mod f64_bits {
    use super::*;

    /// Serialize.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        x.to_bits().serialize(s)
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        u64::deserialize(d).map(f64::from_bits)
    }
}

/// Counts with runs of zeros as negative numbers: `[3, 0, 0, 0, 1]` is `[3, -3, 1]`.
pub mod zero_runs {
    use super::*;

    /// Longest vector read (a guard against damaged files).
    const MAX_LEN: u64 = 1 << 32;

    /// Serialize.
    pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        let mut out: Vec<i64> = Vec::new();
        let mut zeros: i64 = 0;
        for &x in v {
            if x == 0 {
                zeros += 1;
                continue;
            }
            if zeros > 0 {
                out.push(-zeros);
                zeros = 0;
            }
            out.push(
                i64::try_from(x).map_err(|_| {
                    serde::ser::Error::custom(format!("count {x} too large to write"))
                })?,
            );
        }
        if zeros > 0 {
            out.push(-zeros);
        }
        out.serialize(s)
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        let coded = Vec::<i64>::deserialize(d)?;
        // Counted with checked arithmetic: a crafted `-2^63` must not wrap the guard.
        let mut len: u64 = 0;
        for &x in &coded {
            len = len
                .checked_add(if x < 0 { x.unsigned_abs() } else { 1 })
                .filter(|&l| l <= MAX_LEN)
                .ok_or_else(|| D::Error::custom("count vector too long"))?;
        }
        let mut v = Vec::with_capacity(len as usize);
        for x in coded {
            if x < 0 {
                v.resize(v.len() + x.unsigned_abs() as usize, 0);
            } else {
                v.push(x as u64);
            }
        }
        Ok(v)
    }
}

/// `(min, max)` pairs as pairs of bit patterns.
pub mod ranges_bits {
    use super::*;

    /// Serialize.
    pub fn serialize<S: Serializer>(v: &[(f64, f64)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|(a, b)| (a.to_bits(), b.to_bits())))
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(f64, f64)>, D::Error> {
        let bits = Vec::<(u64, u64)>::deserialize(d)?;
        Ok(bits
            .into_iter()
            .map(|(a, b)| (f64::from_bits(a), f64::from_bits(b)))
            .collect())
    }
}

/// A tally of camp partitions as `[["0110", count], ...]` in key order: one character per
/// state, `0` for the camp of state 0 and `1` for the other.
pub mod camps_tally {
    use super::*;

    /// Serialize.
    pub fn serialize<S: Serializer>(t: &Tally<Camps>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(t.counts.iter().map(|(camps, count)| {
            let key: String = camps
                .side
                .iter()
                .map(|&x| if x { '1' } else { '0' })
                .collect();
            (key, *count)
        }))
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tally<Camps>, D::Error> {
        let rows = Vec::<(String, u64)>::deserialize(d)?;
        let mut t = Tally::default();
        for (key, count) in rows {
            let side = key
                .chars()
                .map(|c| match c {
                    '0' => Ok(false),
                    '1' => Ok(true),
                    _ => Err(D::Error::custom(format!(
                        "camp partition {key:?}: expected only 0 and 1"
                    ))),
                })
                .collect::<Result<Vec<bool>, _>>()?;
            if t.counts.insert(Camps { side }, count).is_some() {
                return Err(D::Error::custom(format!(
                    "camp partition {key:?} listed twice"
                )));
            }
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Counts(#[serde(with = "super::zero_runs")] Vec<u64>);

    #[test]
    fn zero_runs_by_hand() {
        let json = serde_json::to_string(&Counts(vec![3, 0, 0, 0, 1, 0])).unwrap();
        assert_eq!(json, "[3,-3,1,-1]");
        assert_eq!(serde_json::to_string(&Counts(vec![])).unwrap(), "[]");
    }

    #[test]
    fn fixed_sums_round_trip_at_the_extremes() {
        for f in [
            crate::stats::FixedSum {
                sum: i128::MIN,
                count: u64::MAX,
            },
            crate::stats::FixedSum {
                sum: i128::MAX,
                count: 0,
            },
            crate::stats::FixedSum { sum: -5, count: 3 },
        ] {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(
                serde_json::from_str::<crate::stats::FixedSum>(&json).unwrap(),
                f
            );
        }
    }

    proptest! {
        #[test]
        fn zero_runs_round_trip(v in proptest::collection::vec(prop_oneof![Just(0u64), 0u64..5, 0..(i64::MAX as u64)], 0..200)) {
            let json = serde_json::to_string(&Counts(v.clone())).unwrap();
            prop_assert_eq!(serde_json::from_str::<Counts>(&json).unwrap(), Counts(v));
        }
    }
}
