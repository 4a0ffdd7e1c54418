//! Shards: a study's runs split into `N` contiguous ranges, one per process or cluster task.
//!
//! Shard `K` of `N` of a study of `R` runs covers runs `R·K/N .. R·(K+1)/N` (integer
//! division). The ranges are disjoint, in order and cover `0..R` exactly, for any `R` and
//! `N` (when `N > R` some shards are empty). Since run `i` depends only on `(seed, i)`, the
//! shards merged equal the whole study.
//!
//! [`detect`] finds the shard from a launcher's environment (Slurm job arrays, `mpirun`,
//! PMI launchers, `srun`). It reads the environment through a closure, so it is a pure
//! function of the variables it is given.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// Shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shard {
    /// `K`, in `0..count`.
    pub index: u64,
    /// `N`, at least 1.
    pub count: u64,
}

impl Shard {
    /// Shard `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u64, count: u64) -> Option<Self> {
        (index < count).then_some(Self { index, count })
    }

    /// The runs of this shard in a study of `total` runs: `total·K/N .. total·(K+1)/N`.
    pub fn runs(&self, total: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(total) * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What `--shard` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    /// `K/N`.
    Fixed(Shard),
    /// `auto`: index and count from the launcher; `auto/N`: count `N`, index from the
    /// launcher (for a Slurm array, the array index itself, so that `--array=3,17` reruns
    /// shards 3 and 17).
    Auto {
        /// `N` when given.
        count: Option<u64>,
    },
}

impl FromStr for ShardSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let expected = "expected K/N (shard K of N, 0 ≤ K < N, e.g. 3/20), auto or auto/N";
        let (k, n) = match s.split_once('/') {
            Some((k, n)) => (k.trim(), Some(n.trim())),
            None => (s.trim(), None),
        };
        let count = match n {
            Some(n) => match n.parse::<u64>() {
                Ok(n) if n > 0 => Some(n),
                _ => return Err(format!("`{s}`: N must be a whole number ≥ 1; {expected}")),
            },
            None => None,
        };
        if k == "auto" {
            return Ok(Self::Auto { count });
        }
        let Some(count) = count else {
            return Err(format!("`{s}`: {expected}"));
        };
        let Ok(index) = k.parse::<u64>() else {
            return Err(format!("`{s}`: K must be a whole number; {expected}"));
        };
        Shard::new(index, count).map(Self::Fixed).ok_or_else(|| {
            format!(
                "`{s}`: shard {index} does not exist; shards of {count} are numbered 0 to {}",
                count - 1
            )
        })
    }
}

/// A shard found in a launcher's environment, with what it was found from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The shard.
    pub shard: Shard,
    /// The launcher, in words (e.g. "a Slurm job array").
    pub launcher: &'static str,
    /// The variables read, as `NAME=value` joined by spaces.
    pub variables: String,
}

/// Why no shard could be found in the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    /// None of the known launchers' variables is set.
    #[error(
        "--shard auto: no launcher found (none of SLURM_ARRAY_TASK_ID, OMPI_COMM_WORLD_RANK, \
         PMI_RANK, SLURM_PROCID is set); run under a Slurm job array, srun or mpirun, or give \
         the shard explicitly as --shard K/N"
    )]
    NoLauncher,
    /// A variable is missing or malformed.
    #[error("--shard auto: {launcher}: {message}")]
    Bad {
        /// The launcher.
        launcher: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Find the shard from a launcher's environment; `lookup(name)` reads one variable.
///
/// Launchers are tried in this order, the first whose index variable is set wins:
///
/// 1. a Slurm job array: `SLURM_ARRAY_TASK_ID`. With `count` unset (`--shard auto`),
///    `K = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN` and `N = SLURM_ARRAY_TASK_COUNT`;
///    arrays with a step or gaps (`MAX − MIN + 1 ≠ COUNT`) are rejected. With `count` set
///    (`--shard auto/N`), `K = SLURM_ARRAY_TASK_ID` and any list of indices below `N` works;
/// 2. `mpirun` (Open MPI) as a plain launcher: `OMPI_COMM_WORLD_RANK` / `OMPI_COMM_WORLD_SIZE`;
/// 3. PMI launchers (MPICH, Intel MPI, `srun --mpi=pmi2`): `PMI_RANK` / `PMI_SIZE`;
/// 4. `srun`: `SLURM_PROCID` / `SLURM_NTASKS`.
///
/// For launchers 2 to 4 with `count` set, the size must equal `count`.
pub fn detect(
    lookup: impl Fn(&str) -> Option<String>,
    count: Option<u64>,
) -> Result<Detected, DetectError> {
    let present = |name: &str| lookup(name).is_some_and(|v| !v.trim().is_empty());
    if present("SLURM_ARRAY_TASK_ID") {
        return slurm_array(&lookup, count);
    }
    let ranked: [(&'static str, &str, &str); 3] = [
        (
            "Open MPI's mpirun",
            "OMPI_COMM_WORLD_RANK",
            "OMPI_COMM_WORLD_SIZE",
        ),
        ("a PMI launcher", "PMI_RANK", "PMI_SIZE"),
        ("Slurm's srun", "SLURM_PROCID", "SLURM_NTASKS"),
    ];
    for (launcher, rank_var, size_var) in ranked {
        if present(rank_var) {
            return ranked_launcher(&lookup, launcher, rank_var, size_var, count);
        }
    }
    Err(DetectError::NoLauncher)
}

/// Read a variable as a whole number; the error names it and its value.
fn number(
    lookup: &impl Fn(&str) -> Option<String>,
    launcher: &'static str,
    name: &str,
    seen: &mut Vec<String>,
) -> Result<u64, DetectError> {
    let bad = |message: String| DetectError::Bad { launcher, message };
    let Some(raw) = lookup(name) else {
        return Err(bad(format!("{name} is not set")));
    };
    seen.push(format!("{name}={raw}"));
    raw.trim()
        .parse::<u64>()
        .map_err(|_| bad(format!("{name}={raw:?} is not a whole number")))
}

fn slurm_array(
    lookup: &impl Fn(&str) -> Option<String>,
    count: Option<u64>,
) -> Result<Detected, DetectError> {
    const L: &str = "a Slurm job array";
    let bad = |message: String| DetectError::Bad {
        launcher: L,
        message,
    };
    let mut seen = Vec::new();
    let id = number(lookup, L, "SLURM_ARRAY_TASK_ID", &mut seen)?;
    let shard = if let Some(n) = count {
        Shard::new(id, n).ok_or_else(|| {
            bad(format!(
                "array index {id} is not a shard of {n}: with --shard auto/{n} the array \
                 indices are the shard numbers, 0 to {} (e.g. #SBATCH --array=0-{})",
                n - 1,
                n - 1
            ))
        })?
    } else {
        let min = number(lookup, L, "SLURM_ARRAY_TASK_MIN", &mut seen)?;
        let max = number(lookup, L, "SLURM_ARRAY_TASK_MAX", &mut seen)?;
        let n = number(lookup, L, "SLURM_ARRAY_TASK_COUNT", &mut seen)?;
        if n == 0 || max < min || max - min + 1 != n || !(min..=max).contains(&id) {
            return Err(bad(format!(
                "{}: the array is not one contiguous range of indices (a step or a list: \
                 MAX − MIN + 1 ≠ COUNT), so shards cannot be numbered from it; use \
                 --array=MIN-MAX without a step, or --shard auto/N, where the array \
                 indices are the shard numbers (e.g. --array=3,17 reruns shards 3 and 17)",
                seen.join(" ")
            )));
        }
        Shard {
            index: id - min,
            count: n,
        }
    };
    Ok(Detected {
        shard,
        launcher: L,
        variables: seen.join(" "),
    })
}

fn ranked_launcher(
    lookup: &impl Fn(&str) -> Option<String>,
    launcher: &'static str,
    rank_var: &str,
    size_var: &str,
    count: Option<u64>,
) -> Result<Detected, DetectError> {
    let bad = |message: String| DetectError::Bad { launcher, message };
    let mut seen = Vec::new();
    let rank = number(lookup, launcher, rank_var, &mut seen)?;
    let size = number(lookup, launcher, size_var, &mut seen)?;
    let Some(shard) = Shard::new(rank, size) else {
        return Err(bad(format!(
            "{}: the rank must be below the size",
            seen.join(" ")
        )));
    };
    if let Some(n) = count
        && n != size
    {
        return Err(bad(format!(
            "{}: --shard auto/{n} asks for {n} shards but the launcher started {size} \
             processes; start {n}, or use --shard auto",
            seen.join(" ")
        )));
    }
    Ok(Detected {
        shard,
        launcher,
        variables: seen.join(" "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn shard(index: u64, count: u64) -> Shard {
        Shard { index, count }
    }

    proptest! {
        #[test]
        fn shards_cover_every_run_exactly_once(total in 0u64..5000, count in 1u64..300) {
            let mut next = 0;
            for k in 0..count {
                let r = shard(k, count).runs(total);
                prop_assert_eq!(r.start, next, "shard {} of {} starts after a gap or overlap", k, count);
                prop_assert!(r.end >= r.start);
                // Balanced: sizes differ by at most one.
                let size = r.end - r.start;
                prop_assert!(size == total / count || size == total / count + 1);
                next = r.end;
            }
            prop_assert_eq!(next, total);
        }

        #[test]
        fn huge_studies_do_not_overflow(total in (u64::MAX / 2)..u64::MAX, count in 1u64..10_000, k in 0u64..10_000) {
            let k = k % count;
            let r = shard(k, count).runs(total);
            prop_assert!(r.start <= r.end && r.end <= total);
            if k + 1 == count {
                prop_assert_eq!(r.end, total);
            }
        }
    }

    #[test]
    fn ranges_by_hand() {
        assert_eq!(shard(0, 3).runs(10), 0..3);
        assert_eq!(shard(1, 3).runs(10), 3..6);
        assert_eq!(shard(2, 3).runs(10), 6..10);
        // More shards than runs: some are empty, all runs are covered once.
        let ranges: Vec<_> = (0..5).map(|k| shard(k, 5).runs(2)).collect();
        assert_eq!(ranges, [0..0, 0..0, 0..1, 1..1, 1..2]);
    }

    #[test]
    fn spec_parsing() {
        assert_eq!("3/20".parse(), Ok(ShardSpec::Fixed(shard(3, 20))));
        assert_eq!("0/1".parse(), Ok(ShardSpec::Fixed(shard(0, 1))));
        assert_eq!("auto".parse(), Ok(ShardSpec::Auto { count: None }));
        assert_eq!("auto/8".parse(), Ok(ShardSpec::Auto { count: Some(8) }));
        for bad in ["20/20", "3", "3/0", "-1/4", "a/4", "auto/0", "3/x", ""] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad:?} accepted");
        }
        let e = "20/20".parse::<ShardSpec>().unwrap_err();
        assert!(e.contains("numbered 0 to 19"), "{e}");
    }

    #[test]
    fn no_launcher_is_a_clear_error() {
        assert_eq!(detect(env(&[]), None), Err(DetectError::NoLauncher));
        // Empty values count as unset.
        assert_eq!(
            detect(env(&[("OMPI_COMM_WORLD_RANK", "")]), None),
            Err(DetectError::NoLauncher)
        );
        assert!(DetectError::NoLauncher.to_string().contains("--shard K/N"));
    }

    #[test]
    fn slurm_array_from_zero() {
        let d = detect(
            env(&[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "3"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
                // Also set inside a batch job; the array wins.
                ("SLURM_PROCID", "0"),
                ("SLURM_NTASKS", "1"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(d.shard, shard(2, 4));
        assert_eq!(d.launcher, "a Slurm job array");
        assert!(
            d.variables.contains("SLURM_ARRAY_TASK_ID=2"),
            "{}",
            d.variables
        );
    }

    #[test]
    fn slurm_array_starting_above_zero() {
        let d = detect(
            env(&[
                ("SLURM_ARRAY_TASK_ID", "5"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_MAX", "8"),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(d.shard, shard(4, 8));
    }

    #[test]
    fn stepped_and_listed_slurm_arrays_are_rejected() {
        // --array=0-9:3 -> 0, 3, 6, 9
        let e = detect(
            env(&[
                ("SLURM_ARRAY_TASK_ID", "3"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "9"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ]),
            None,
        )
        .unwrap_err();
        let m = e.to_string();
        assert!(m.contains("not one contiguous range"), "{m}");
        assert!(m.contains("SLURM_ARRAY_TASK_COUNT=4"), "{m}");
        // --array=3,17 without auto/N
        assert!(
            detect(
                env(&[
                    ("SLURM_ARRAY_TASK_ID", "17"),
                    ("SLURM_ARRAY_TASK_MIN", "3"),
                    ("SLURM_ARRAY_TASK_MAX", "17"),
                    ("SLURM_ARRAY_TASK_COUNT", "2"),
                ]),
                None
            )
            .is_err()
        );
    }

    #[test]
    fn slurm_array_with_a_given_count_uses_the_array_index() {
        // sbatch --array=3,17 to rerun two missing shards of 20.
        let vars = env(&[
            ("SLURM_ARRAY_TASK_ID", "17"),
            ("SLURM_ARRAY_TASK_MIN", "3"),
            ("SLURM_ARRAY_TASK_MAX", "17"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
        ]);
        assert_eq!(detect(&vars, Some(20)).unwrap().shard, shard(17, 20));
        let e = detect(&vars, Some(10)).unwrap_err().to_string();
        assert!(
            e.contains("array index 17 is not a shard of 10") && e.contains("--array=0-9"),
            "{e}"
        );
    }

    #[test]
    fn missing_or_malformed_slurm_variables_are_named() {
        let e = detect(env(&[("SLURM_ARRAY_TASK_ID", "1")]), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("SLURM_ARRAY_TASK_MIN is not set"), "{e}");
        let e = detect(env(&[("SLURM_ARRAY_TASK_ID", "x1")]), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("SLURM_ARRAY_TASK_ID=\"x1\" is not a whole number"),
            "{e}"
        );
    }

    #[test]
    fn mpirun_pmi_and_srun() {
        let cases: [(&[(&str, &str)], &str); 3] = [
            (
                &[("OMPI_COMM_WORLD_RANK", "1"), ("OMPI_COMM_WORLD_SIZE", "3")],
                "Open MPI's mpirun",
            ),
            (&[("PMI_RANK", "1"), ("PMI_SIZE", "3")], "a PMI launcher"),
            (
                &[("SLURM_PROCID", "1"), ("SLURM_NTASKS", "3")],
                "Slurm's srun",
            ),
        ];
        for (vars, launcher) in cases {
            let d = detect(env(vars), None).unwrap();
            assert_eq!((d.shard, d.launcher), (shard(1, 3), launcher));
            assert_eq!(detect(env(vars), Some(3)).unwrap().shard, shard(1, 3));
            let e = detect(env(vars), Some(4)).unwrap_err().to_string();
            assert!(e.contains("started 3 processes"), "{e}");
        }
    }

    #[test]
    fn launchers_take_precedence_in_order() {
        // mpirun started under an srun allocation: mpirun's rank wins over SLURM_PROCID.
        let d = detect(
            env(&[
                ("SLURM_PROCID", "0"),
                ("SLURM_NTASKS", "1"),
                ("OMPI_COMM_WORLD_RANK", "2"),
                ("OMPI_COMM_WORLD_SIZE", "4"),
                ("PMI_RANK", "3"),
                ("PMI_SIZE", "5"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(d.shard, shard(2, 4));
        let d = detect(
            env(&[
                ("SLURM_PROCID", "0"),
                ("SLURM_NTASKS", "1"),
                ("PMI_RANK", "3"),
                ("PMI_SIZE", "5"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(d.shard, shard(3, 5));
    }

    #[test]
    fn bad_ranks_are_rejected() {
        let e = detect(env(&[("PMI_RANK", "3"), ("PMI_SIZE", "3")]), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rank must be below the size"), "{e}");
        let e = detect(env(&[("PMI_RANK", "0")]), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("PMI_SIZE is not set"), "{e}");
    }
}
