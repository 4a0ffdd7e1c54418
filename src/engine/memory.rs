//! How much memory this process may still take: the least of what the machine has available
//! (`MemAvailable`), what its control group allows (cgroup v2 `memory.max` less
//! `memory.current`, or cgroup v1 `memory.limit_in_bytes` less `memory.usage_in_bytes`), and
//! what its address-space limit leaves (`ulimit -v`: `Max address space` less `VmSize`).
//! Read from `/proc` and `/sys/fs/cgroup` on Linux; unknown (`None`) elsewhere, or where
//! nothing can be read. Only the study size guard uses it: it decides whether a study is
//! refused, never what a study computes.

/// The memory available to this process, bytes, and what limits it (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Available {
    /// Bytes.
    pub bytes: u64,
    /// What sets the limit: `MemAvailable`, `the control group's memory.max`, `ulimit -v`.
    pub by: &'static str,
}

/// The memory available to this process now, if it can be read.
pub fn available() -> Option<Available> {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    least([
        read("/proc/meminfo")
            .and_then(|t| meminfo_available(&t))
            .map(|b| (b, "the machine's available memory (MemAvailable)")),
        cgroup_left(&read).map(|b| (b, "the control group's memory limit")),
        match (read("/proc/self/limits"), read("/proc/self/status")) {
            (Some(l), Some(s)) => address_space_left(&l, &s).map(|b| (b, "ulimit -v")),
            _ => None,
        },
    ])
}

fn least(candidates: [Option<(u64, &'static str)>; 3]) -> Option<Available> {
    candidates
        .into_iter()
        .flatten()
        .min_by_key(|(b, _)| *b)
        .map(|(bytes, by)| Available { bytes, by })
}

/// `MemAvailable` of `/proc/meminfo`, bytes.
fn meminfo_available(meminfo: &str) -> Option<u64> {
    kib_field(meminfo, "MemAvailable:")
}

/// A `Name:   1234 kB` line's value in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    kib.checked_mul(1024)
}

/// What the control group of this process still allows, bytes.
fn cgroup_left(read: &dyn Fn(&str) -> Option<String>) -> Option<u64> {
    let groups = read("/proc/self/cgroup")?;
    for line in groups.lines() {
        let mut f = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let path = path.trim_end_matches('/');
        // cgroup v2 (`0::/path`): memory.max; v1 (`N:memory,…:/path`): memory.limit_in_bytes.
        let (root, limit, usage) = if controllers.is_empty() {
            ("/sys/fs/cgroup", "memory.max", "memory.current")
        } else if controllers.split(',').any(|c| c == "memory") {
            (
                "/sys/fs/cgroup/memory",
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
            )
        } else {
            continue;
        };
        for dir in [format!("{root}{path}"), root.to_string()] {
            if let Some(left) = limit_left(
                read(&format!("{dir}/{limit}")),
                read(&format!("{dir}/{usage}")),
            ) {
                return Some(left);
            }
        }
    }
    None
}

/// A limit less a use, from their files' texts; `None` without a limit (`max`, or v1's
/// huge "no limit" value) or when unreadable.
fn limit_left(limit: Option<String>, used: Option<String>) -> Option<u64> {
    let limit: u64 = limit?.trim().parse().ok()?;
    if limit >= 1 << 60 {
        return None;
    }
    let used: u64 = used.and_then(|u| u.trim().parse().ok()).unwrap_or(0);
    Some(limit.saturating_sub(used))
}

/// The address-space limit (`Max address space`, soft) of `/proc/self/limits` less the
/// process's `VmSize` of `/proc/self/status`, bytes; `None` when unlimited.
fn address_space_left(limits: &str, status: &str) -> Option<u64> {
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft = line["Max address space".len()..]
        .split_whitespace()
        .next()?;
    let limit: u64 = soft.parse().ok()?; // "unlimited" does not parse
    let used = kib_field(status, "VmSize:").unwrap_or(0);
    Some(limit.saturating_sub(used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_is_read_from_its_text() {
        let meminfo =
            "MemTotal:       24000000 kB\nMemFree:   100 kB\nMemAvailable:   2000000 kB\n";
        assert_eq!(meminfo_available(meminfo), Some(2_048_000_000));
        assert_eq!(meminfo_available("MemTotal: 5 kB\n"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max address space         4096000000           unlimited            bytes\n";
        let status = "Name:\tentente\nVmSize:\t  100000 kB\n";
        assert_eq!(
            address_space_left(limits, status),
            Some(4_096_000_000 - 102_400_000)
        );
        let unlimited =
            "Max address space         unlimited            unlimited            bytes\n";
        assert_eq!(address_space_left(unlimited, status), None);
        assert_eq!(limit_left(Some("max\n".into()), Some("5".into())), None);
        assert_eq!(
            limit_left(Some("4294967296\n".into()), Some("1073741824\n".into())),
            Some(3 << 30)
        );
        // cgroup v1's "no limit".
        assert_eq!(limit_left(Some("9223372036854771712".into()), None), None);
        let files = |p: &str| -> Option<String> {
            match p {
                "/proc/self/cgroup" => Some("0::/user.slice/job\n".into()),
                "/sys/fs/cgroup/user.slice/job/memory.max" => Some("2147483648\n".into()),
                "/sys/fs/cgroup/user.slice/job/memory.current" => Some("147483648\n".into()),
                _ => None,
            }
        };
        assert_eq!(cgroup_left(&files), Some(2_000_000_000));
        let v1 = |p: &str| -> Option<String> {
            match p {
                "/proc/self/cgroup" => Some("4:memory:/slurm/job_7\n2:cpu:/x\n".into()),
                "/sys/fs/cgroup/memory/slurm/job_7/memory.limit_in_bytes" => Some("1000".into()),
                "/sys/fs/cgroup/memory/slurm/job_7/memory.usage_in_bytes" => Some("400".into()),
                _ => None,
            }
        };
        assert_eq!(cgroup_left(&v1), Some(600));
        assert_eq!(
            least([Some((5, "a")), None, Some((3, "c"))]),
            Some(Available { bytes: 3, by: "c" })
        );
        assert_eq!(least([None, None, None]), None);
    }

    #[test]
    fn the_guard_takes_the_least_limit_and_says_which() {
        use crate::engine::{EngineError, check_memory};
        let gib = 1u64 << 30;
        // 1 GiB per accumulator, 4 threads: 5 GiB.
        assert!(check_memory(1.0, 4, None).is_ok());
        assert!(
            check_memory(
                1.0,
                4,
                Some(Available {
                    bytes: 100 * gib,
                    by: "x"
                })
            )
            .is_ok()
        );
        let e = check_memory(
            1.0,
            4,
            Some(Available {
                bytes: 4 * gib,
                by: "ulimit -v",
            }),
        )
        .unwrap_err();
        let EngineError::TooLarge {
            limit,
            threads_hint,
            ..
        } = &e
        else {
            panic!("{e}");
        };
        // 80 % of 4 GiB: 3.2 GiB, 3 accumulators, so 2 threads.
        assert!(
            limit.contains("3.2 GiB") && limit.contains("ulimit -v"),
            "{limit}"
        );
        assert_eq!(threads_hint, " (--threads 2 would fit)");
        // Over entente's own 16 GiB: no hint when even one thread does not fit.
        let e = check_memory(10.0, 1, None).unwrap_err().to_string();
        assert!(
            e.contains("the 16 GiB entente allows") && !e.contains("would fit"),
            "{e}"
        );
    }

    #[test]
    fn this_machine_reports_some_memory_on_linux() {
        if cfg!(target_os = "linux") {
            let a = available().expect("/proc/meminfo is readable on Linux");
            assert!(a.bytes > 0, "{a:?}");
        }
    }
}
