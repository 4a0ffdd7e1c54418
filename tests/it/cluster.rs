//! Beyond one machine: `entente run --shard`, `entente merge` and `entente slurm`, through
//! the binary.
//!
//! The check of this layer: shards merged equal the single run byte for byte (manifest times
//! aside), and every refusal of `merge` exits 2 naming the problem.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::repo;

/// Small and fast, with spread-out results: a tutorial scenario.
const SCENARIO: &str = "scenarios/tutorial/bandwagon.toml";
const RUNS: u64 = 60;

/// Files of a results folder compared byte for byte.
const TABLES: [&str; 4] = ["summary.csv", "timeseries.csv", "states.csv", "camps.csv"];

/// Manifest keys that may differ between a single run and a merge.
const TIME_KEYS: [&str; 5] = ["threads", "started", "finished", "wall_seconds", "shards"];

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente"))
        .args(args)
        .output()
        .expect("run entente")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> Output {
    assert_eq!(o.status.code(), Some(0), "stderr:\n{}", stderr(&o));
    o
}

/// The command fails with exit status 2 and a message containing every phrase.
fn refused(o: Output, phrases: &[&str]) -> String {
    let e = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit status 2\nstderr:\n{e}"
    );
    for p in phrases {
        assert!(e.contains(p), "expected {p:?} in\n{e}");
    }
    e
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `entente run SCENARIO --runs R [extra] --out DIR --quiet`.
fn run(scenario: &str, runs: u64, extra: &[&str], out: &Path) {
    let scenario = repo(scenario);
    let runs = runs.to_string();
    let mut args = vec![
        "run",
        s(&scenario),
        "--runs",
        &runs,
        "--quiet",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    ok(entente(&args));
}

/// Shard `k` of `n` into `parts`.
fn shard(scenario: &str, runs: u64, k: u64, n: u64, extra: &[&str], parts: &Path) -> PathBuf {
    let spec = format!("{k}/{n}");
    let mut args = vec!["--shard", spec.as_str()];
    args.extend_from_slice(extra);
    run(scenario, runs, &args, parts);
    let width = (n - 1).to_string().len();
    let file = parts.join(format!("part-{k:0width$}-of-{n}.entente"));
    assert!(file.is_file(), "{} was not written", file.display());
    file
}

fn merge(parts: &[&Path], out: &Path) -> Output {
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| s(p)));
    args.extend(["--out", s(out), "--quiet"]);
    entente(&args)
}

/// The manifest without the keys that may differ (one top-level key per line).
fn manifest_without_times(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    text.lines()
        .filter(|l| {
            !TIME_KEYS
                .iter()
                .any(|k| l.starts_with(&format!("  \"{k}\":")))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `merged` holds exactly the files of `single`, byte for byte, manifest times aside.
fn assert_same_results(single: &Path, merged: &Path, per_run: bool) {
    let mut names: Vec<&str> = TABLES.to_vec();
    if per_run {
        names.push("runs.csv");
    }
    for name in &names {
        let a = std::fs::read(single.join(name)).expect("single run file");
        let b = std::fs::read(merged.join(name)).expect("merged file");
        assert!(
            a == b,
            "{name} differs between the single run and the merge"
        );
    }
    assert_eq!(
        manifest_without_times(single),
        manifest_without_times(merged),
        "manifest.json differs beyond times"
    );
    let mut listed: Vec<String> = std::fs::read_dir(merged)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.push("manifest.json".into());
    expected.push(".entente.lock".into());
    expected.sort();
    assert_eq!(
        listed, expected,
        "the merge writes exactly the files of a run"
    );
}

fn manifest_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn shards_merged_equal_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    run(SCENARIO, RUNS, &["--per-run"], &single);
    assert!(
        manifest_json(&single).get("shards").is_none(),
        "a single run's manifest has no `shards`"
    );
    for n in [1u64, 2, 3, 7] {
        let parts = tmp.path().join(format!("parts-{n}"));
        for k in 0..n {
            // Threads never matter: vary them across shards.
            let threads = (1 + k % 3).to_string();
            shard(
                SCENARIO,
                RUNS,
                k,
                n,
                &["--per-run", "--threads", &threads],
                &parts,
            );
        }
        let merged = tmp.path().join(format!("merged-{n}"));
        ok(merge(&[&parts], &merged));
        assert_same_results(&single, &merged, true);
        let m = manifest_json(&merged);
        assert_eq!(m["shards"], n, "the merged manifest records N");
        assert_eq!(m["runs"], RUNS);
    }
}

#[test]
fn more_shards_than_runs_and_no_per_run_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    run(SCENARIO, 5, &[], &single);
    let parts = tmp.path().join("parts");
    let files: Vec<PathBuf> = (0..7)
        .map(|k| shard(SCENARIO, 5, k, 7, &[], &parts))
        .collect();
    // Files given one by one, out of order.
    let mut given: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    given.reverse();
    let merged = tmp.path().join("merged");
    ok(merge(&given, &merged));
    assert_same_results(&single, &merged, false);
}

#[test]
fn the_flagship_with_theory_and_set_merges_too() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = ["--theory", "waltz", "--set", "eta=0.3", "--seed", "11"];
    let single = tmp.path().join("single");
    let runs = "24";
    let mut args = vec!["run", "--runs", runs, "--quiet", "--out", s(&single)];
    args.extend_from_slice(&opts);
    ok(entente(&args));
    let parts = tmp.path().join("parts");
    for k in ["0/2", "1/2"] {
        let mut args = vec!["run", "--runs", runs, "--quiet", "--out", s(&parts)];
        args.extend_from_slice(&opts);
        args.extend(["--shard", k]);
        ok(entente(&args));
    }
    let merged = tmp.path().join("merged");
    ok(merge(&[&parts], &merged));
    assert_same_results(&single, &merged, false);
}

/// Shards `0..n` of the tutorial study into `dir`, with `extra` options.
fn all_shards(dir: &Path, n: u64, extra: &[&str]) -> Vec<PathBuf> {
    (0..n)
        .map(|k| shard(SCENARIO, RUNS, k, n, extra, dir))
        .collect()
}

#[test]
fn merge_refuses_parts_of_different_studies() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let base = all_shards(&t.join("base"), 2, &[]);
    let out = t.join("out");
    let cases: [(&str, &[&str], &str, &[&str]); 5] = [
        (
            "scenarios/tutorial/security-dilemma.toml",
            &[],
            "scenario",
            &["differ in the scenario", "security-dilemma", "bandwagon"],
        ),
        (
            SCENARIO,
            &["--theory", "waltz"],
            "theory",
            &["differ in --theory", "--theory walt", "--theory waltz"],
        ),
        (
            SCENARIO,
            &["--seed", "99"],
            "seed",
            &["differ in the seed", "seed 99"],
        ),
        (
            SCENARIO,
            &["--set", "eta=0.3", "--set", "tau=0.5"],
            "set",
            &[
                "differ in --set eta, tau",
                "has no --set",
                "has --set eta=0.3 --set tau=0.5",
            ],
        ),
        (
            SCENARIO,
            &["--per-run"],
            "per-run",
            &["differ in --per-run"],
        ),
    ];
    for (scenario, extra, label, phrases) in cases {
        let other = shard(scenario, RUNS, 1, 2, extra, &t.join(label));
        let e = refused(merge(&[&base[0], &other], &out), phrases);
        assert!(e.contains(s(&other)), "the message names the file:\n{e}");
    }
    // Runs.
    let other = shard(SCENARIO, RUNS + 1, 1, 2, &[], &t.join("runs"));
    refused(
        merge(&[&base[0], &other], &out),
        &["differ in the number of runs", "60 runs", "61 runs"],
    );
    // N.
    let other = shard(SCENARIO, RUNS, 1, 3, &[], &t.join("n"));
    refused(
        merge(&[&base[0], &other], &out),
        &["differ in the number of shards N", "shard 0/2", "shard 1/3"],
    );
    assert!(!out.exists(), "a refused merge writes nothing");
}

/// A copy of `part` claiming to be written by entente `version`.
fn with_version(part: &Path, version: &str, dir: &Path) -> PathBuf {
    let bytes = std::fs::read(part).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mine = format!("\"entente_version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with("{\"format\":\"entente-part/2\"") && text.contains(&mine));
    std::fs::create_dir_all(dir).unwrap();
    let copy = dir.join(part.file_name().unwrap());
    let changed = text.replacen(&mine, &format!("\"entente_version\":\"{version}\""), 1);
    std::fs::write(&copy, reseal(changed.as_bytes())).unwrap();
    copy
}

/// `part` with its digest made to match its contents again: what a forger (or a test of the
/// checks behind the digest) does.
fn reseal(part: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let nl = part
        .iter()
        .position(|&b| b == b'\n')
        .expect("a manifest line");
    let (first, rest) = (&part[..nl], &part[nl + 1..]);
    let member = b",\"digest\":\"sha256:";
    let at = first
        .windows(member.len())
        .rposition(|w| w == member)
        .expect("a digest");
    let mut without = first[..at].to_vec();
    without.extend_from_slice(b"}\n");
    without.extend_from_slice(rest);
    let hex: String = Sha256::digest(&without)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut out = first[..at].to_vec();
    out.extend_from_slice(member);
    out.extend_from_slice(hex.as_bytes());
    out.extend_from_slice(b"\"}\n");
    out.extend_from_slice(rest);
    out
}

#[test]
fn merge_refuses_other_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let parts = all_shards(&t.join("parts"), 2, &[]);
    let out = t.join("out");
    let old = with_version(&parts[1], "0.0.1", &t.join("old"));
    refused(
        merge(&[&parts[0], &old], &out),
        &["differ in the entente version", "entente 0.0.1"],
    );
    // All parts from another version: refused too, since this entente writes the results.
    let old0 = with_version(&parts[0], "0.0.1", &t.join("old"));
    refused(
        merge(&[&old0, &old], &out),
        &[
            "written by entente 0.0.1",
            "merge them with the entente that wrote them",
        ],
    );
    assert!(!out.exists());
}

#[test]
fn merge_refuses_duplicates_and_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let parts = all_shards(&t.join("parts"), 3, &[]);
    let out = t.join("out");
    // The same shard twice: once in the folder, once by name.
    refused(
        merge(&[&t.join("parts"), &parts[1]], &out),
        &["duplicate shard 1 of 3", "given twice"],
    );
    // The same shard from two folders.
    let again = shard(SCENARIO, RUNS, 1, 3, &[], &t.join("again"));
    refused(
        merge(&[&t.join("parts"), &again], &out),
        &["duplicate shard 1 of 3", "both hold it"],
    );
    // Not a partial result, an empty folder, a missing path.
    let csv = t.join("x.csv");
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    refused(merge(&[&csv], &out), &["not a partial result"]);
    std::fs::create_dir(t.join("empty")).unwrap();
    refused(merge(&[&t.join("empty")], &out), &["no partial results"]);
    refused(
        merge(&[&t.join("nowhere")], &out),
        &["no such file or folder"],
    );
    assert!(!out.exists());
}

/// The parts of a small study with per-run rows, and what merging them writes.
fn per_run_parts(t: &Path) -> (Vec<PathBuf>, PathBuf) {
    let parts = all_shards(&t.join("parts"), 2, &["--per-run"]);
    let reference = t.join("reference");
    ok(merge(&[&t.join("parts")], &reference));
    (parts, reference)
}

/// The three parts of a part file: manifest line, statistics line (without their newlines),
/// rows.
fn split_part(bytes: &[u8]) -> (String, serde_json::Value, String) {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    let (stats, rows) = rest.split_once('\n').unwrap();
    (
        first.to_string(),
        serde_json::from_str(stats).unwrap(),
        rows.to_string(),
    )
}

fn join_part(first: &str, stats: &serde_json::Value, rows: &str) -> Vec<u8> {
    format!("{first}\n{stats}\n{rows}").into_bytes()
}

/// Merging `part` (in place of shard `k` of `parts`) is refused naming it and every phrase,
/// within `limit`, and writes nothing.
fn refused_with(parts: &[PathBuf], k: usize, bytes: &[u8], out: &Path, phrases: &[&str]) -> String {
    let dir = out.with_extension("part");
    std::fs::create_dir_all(&dir).unwrap();
    let part = dir.join(parts[k].file_name().unwrap());
    std::fs::write(&part, bytes).unwrap();
    let mut given: Vec<&Path> = parts.iter().map(|p| p.as_path()).collect();
    given[k] = &part;
    let clock = std::time::Instant::now();
    let e = refused(merge(&given, out), phrases);
    assert!(
        clock.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        clock.elapsed()
    );
    assert!(e.contains(s(&part)), "the message names the file:\n{e}");
    assert!(!out.exists(), "a refused merge writes nothing:\n{e}");
    e
}

#[test]
fn merge_refuses_every_flipped_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (parts, reference) = per_run_parts(t);
    let originals: Vec<Vec<u8>> = parts.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let total: usize = originals.iter().map(Vec::len).sum();
    // Deterministic positions spread over both files (manifest, statistics, rows), each
    // flipping one bit, a different one from position to position.
    const FLIPS: usize = 300;
    let flip_dir = t.join("flip");
    std::fs::create_dir(&flip_dir).unwrap();
    let mut refusals = 0;
    for i in 0..FLIPS {
        let at = (i * total / FLIPS + i % 7).min(total - 1);
        let (k, offset) = if at < originals[0].len() {
            (0, at)
        } else {
            (1, at - originals[0].len())
        };
        let bit = (i * 3) % 8;
        let mut bytes = originals[k].clone();
        bytes[offset] ^= 1 << bit;
        let flipped = flip_dir.join(parts[k].file_name().unwrap());
        std::fs::write(&flipped, &bytes).unwrap();
        let out = t.join(format!("out-{i}"));
        let o = if k == 0 {
            merge(&[&flipped, &parts[1]], &out)
        } else {
            merge(&[&parts[0], &flipped], &out)
        };
        let what = format!("flip {i}: part {k}, byte {offset}, bit {bit}");
        match o.status.code() {
            Some(2) => {
                let e = stderr(&o);
                assert!(
                    e.contains(s(&flipped)),
                    "{what}: the message names the file:\n{e}"
                );
                assert!(!out.exists(), "{what}: a refused merge writes nothing");
                refusals += 1;
            }
            Some(0) => {
                for name in TABLES.iter().chain(&["runs.csv"]) {
                    assert!(
                        std::fs::read(out.join(name)).unwrap()
                            == std::fs::read(reference.join(name)).unwrap(),
                        "{what}: merged silently into a different {name}"
                    );
                }
                std::fs::remove_dir_all(&out).unwrap();
            }
            code => panic!("{what}: exit status {code:?}\n{}", stderr(&o)),
        }
    }
    // With the digest, no flip gets through.
    assert_eq!(refusals, FLIPS);
}

/// Every single-bit flip of a small part, and every truncation of it, is refused by the
/// reader `entente merge` uses (`PartReader::open`, then `verify`): 100 %, not a sample.
#[test]
fn every_flipped_bit_and_every_truncation_of_a_part_is_refused() {
    use entente::output::PartReader;
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let part = shard(
        "scenarios/tutorial/security-dilemma.toml",
        6,
        1,
        2,
        &["--per-run"],
        &t.join("parts"),
    );
    let original = std::fs::read(&part).unwrap();
    // In memory: the same reader as `PartReader::open`'s, without a file per case.
    let check = |bytes: &[u8]| -> bool {
        PartReader::from_reader(&part, Box::new(std::io::Cursor::new(bytes.to_vec())))
            .and_then(PartReader::verify)
            .is_err()
    };
    assert!(!check(&original), "the whole part is read");
    let (mut flips, mut cuts) = (0usize, 0usize);
    for at in 0..original.len() {
        for bit in 0..8 {
            let mut bytes = original.clone();
            bytes[at] ^= 1 << bit;
            assert!(
                check(&bytes),
                "byte {at}, bit {bit}: a flipped bit read as whole"
            );
            flips += 1;
        }
    }
    for len in 0..original.len() {
        assert!(check(&original[..len]), "cut at {len} bytes: read as whole");
        cuts += 1;
    }
    assert_eq!(flips, 8 * original.len());
    assert_eq!(cuts, original.len());
    // The part holds a manifest, the statistics and the rows.
    assert!(original.len() > 1000, "{} bytes", original.len());
}

#[test]
fn merge_refuses_edited_counts_digest_or_not() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (parts, _) = per_run_parts(t);
    let bytes = std::fs::read(&parts[1]).unwrap();
    let (first, stats, rows) = split_part(&bytes);
    // Shard 1 of 2 of 60 runs holds 30. One count of a histogram raised by 69: its runs
    // now sum to 99.
    let mut edited = stats.clone();
    let h = edited["alignment_hist"].as_array_mut().unwrap();
    let i = h.iter().position(|x| x.as_i64().unwrap() > 0).unwrap();
    h[i] = (h[i].as_i64().unwrap() + 69).into();
    let changed = join_part(&first, &edited, &rows);
    refused_with(
        &parts,
        1,
        &changed,
        &t.join("out-a"),
        &["digest mismatch: the file was changed after it was written"],
    );
    refused_with(
        &parts,
        1,
        &reseal(&changed),
        &t.join("out-b"),
        &["histogram of pair ", "sums to 99 runs, the part holds 30"],
    );
    // A rivalry count beyond the runs (`p_rivalry_end` above 1).
    let mut edited = stats.clone();
    let r = edited["rivalry"].as_array_mut().unwrap();
    let i = r.iter().rposition(|x| x.as_i64().unwrap() > 0).unwrap();
    r[i] = 99.into();
    refused_with(
        &parts,
        1,
        &reseal(&join_part(&first, &edited, &rows)),
        &t.join("out-c"),
        &["more than the 30 runs the part holds"],
    );
    // The statistics' run count with the shard's.
    let mut edited = stats.clone();
    edited["runs"] = 31.into();
    refused_with(
        &parts,
        1,
        &reseal(&join_part(&first, &edited, &rows)),
        &t.join("out-d"),
        &["the statistics count 31 runs, the part holds 30"],
    );
    // A per-run row of a run outside the shard.
    let rows31 = rows.replacen("30,", "31,", 1);
    assert_ne!(rows31, rows);
    refused_with(
        &parts,
        1,
        &reseal(&join_part(&first, &stats, &rows31)),
        &t.join("out-e"),
        &["per-run row 1 holds run 31, expected run 30"],
    );
}

#[test]
fn merge_refuses_crafted_sizes_without_panic_or_huge_allocation() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (parts, _) = per_run_parts(t);
    let bytes = std::fs::read(&parts[0]).unwrap();
    let (first, stats, rows) = split_part(&bytes);
    for (i, coded) in [
        // Wrapped the size guard and panicked (`capacity overflow`).
        "[-9223372036854775808]",
        // Passed the size guard and asked for 32 GiB.
        "[-4294967296]",
        "[-9223372036854775807,-9223372036854775807,-9223372036854775807]",
        "[5,-1]",
        "[]",
    ]
    .into_iter()
    .enumerate()
    {
        for field in ["alignment_hist", "alliance", "principal"] {
            let mut edited = stats.clone();
            edited[field] = serde_json::from_str(coded).unwrap();
            refused_with(
                &parts,
                0,
                &reseal(&join_part(&first, &edited, &rows)),
                &t.join(format!("out-{field}-{i}")),
                &["damaged partial result", "counts"],
            );
        }
    }
    // Huge counts in other vectors and sums.
    let mut edited = stats.clone();
    edited["alignment_sum"][0] = "SUM".into();
    let text = edited
        .to_string()
        .replacen("\"SUM\"", &format!("[{},{}]", i128::MAX, u64::MAX), 1);
    refused_with(
        &parts,
        0,
        &reseal(format!("{first}\n{text}\n{rows}").as_bytes()),
        &t.join("out-sum"),
        &["alignment sum of pair "],
    );
    let mut edited = stats.clone();
    edited["event_firings"] = serde_json::Value::from(vec![u64::MAX; 3]);
    refused_with(
        &parts,
        0,
        &reseal(&join_part(&first, &edited, &rows)),
        &t.join("out-events"),
        &["damaged partial result"],
    );
    // A manifest claiming more per-run bytes than the file holds.
    let claimed = first.replacen(
        &format!("\"runs_csv_bytes\":{}", rows.len()),
        "\"runs_csv_bytes\":18446744073709551615",
        1,
    );
    assert_ne!(claimed, first);
    refused_with(
        &parts,
        0,
        &reseal(&join_part(&claimed, &stats, &rows)),
        &t.join("out-rows"),
        &["per-run rows are not the 18446744073709551615 bytes"],
    );
}

#[test]
fn resume_reruns_only_the_missing_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let single = t.join("single");
    run(SCENARIO, RUNS, &[], &single);
    let parts = t.join("parts");
    let n = 7;
    // Shards 2, 3, 4 and 6 "failed".
    for k in [0, 1, 5] {
        shard(SCENARIO, RUNS, k, n, &[], &parts);
    }
    let times = |ks: &[u64]| -> Vec<std::time::SystemTime> {
        ks.iter()
            .map(|k| {
                std::fs::metadata(parts.join(format!("part-{k}-of-7.entente")))
                    .unwrap()
                    .modified()
                    .unwrap()
            })
            .collect()
    };
    let before = times(&[0, 1, 5]);
    let merged = t.join("merged");
    let e = refused(
        merge(&[&parts], &merged),
        &["missing shards 2-4, 6 of 7", "--shard 2/7", "--array=2-4,6"],
    );
    assert!(!merged.exists(), "{e}");
    // Rerun exactly what the message names, then merge again.
    for k in [2, 3, 4, 6] {
        shard(SCENARIO, RUNS, k, n, &[], &parts);
    }
    assert_eq!(
        times(&[0, 1, 5]),
        before,
        "finished shards are not rewritten"
    );
    ok(merge(&[&parts], &merged));
    assert_same_results(&single, &merged, false);
}

#[test]
fn a_single_missing_shard_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    for k in [0, 2] {
        shard(SCENARIO, RUNS, k, 3, &[], &parts);
    }
    refused(
        merge(&[&parts], &tmp.path().join("out")),
        &["missing shard 1 of 3", "--shard 1/3", "--array=1"],
    );
}

/// `entente run` with only the given environment variables.
fn run_with_env(vars: &[(&str, &str)], out: &Path, shard_spec: &str) -> Output {
    let scenario = repo(SCENARIO);
    Command::new(env!("CARGO_BIN_EXE_entente"))
        .args([
            "run",
            s(&scenario),
            "--runs",
            "60",
            "--quiet",
            "--out",
            s(out),
        ])
        .args(["--shard", shard_spec])
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .expect("run entente")
}

#[test]
fn shard_auto_under_launchers() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let single = t.join("single");
    run(SCENARIO, RUNS, &[], &single);
    // mpirun -np 3 as a plain launcher.
    let parts = t.join("mpirun");
    for rank in ["0", "1", "2"] {
        let o = ok(run_with_env(
            &[
                ("OMPI_COMM_WORLD_RANK", rank),
                ("OMPI_COMM_WORLD_SIZE", "3"),
            ],
            &parts,
            "auto",
        ));
        let e = stderr(&o);
        assert!(
            e.contains("found Open MPI's mpirun") && e.contains(&format!("shard {rank} of 3")),
            "auto says what it found:\n{e}"
        );
    }
    let merged = t.join("merged-mpirun");
    ok(merge(&[&parts], &merged));
    assert_same_results(&single, &merged, false);

    // A Slurm array numbered from 1 (--array=1-4).
    let parts = t.join("slurm");
    for id in 1..=4 {
        let id = id.to_string();
        ok(run_with_env(
            &[
                ("SLURM_ARRAY_TASK_ID", &id),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_MAX", "4"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
            &parts,
            "auto",
        ));
    }
    let merged = t.join("merged-slurm");
    ok(merge(&[&parts], &merged));
    assert_same_results(&single, &merged, false);

    // No launcher; a stepped array.
    refused(
        run_with_env(&[], &t.join("none"), "auto"),
        &["no launcher found", "--shard K/N"],
    );
    refused(
        run_with_env(
            &[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "6"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
            &t.join("stepped"),
            "auto",
        ),
        &["not one contiguous range"],
    );
    assert!(!t.join("none").exists() && !t.join("stepped").exists());
}

#[cfg(unix)]
#[test]
fn the_slurm_scripts_run_the_study() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let study = t.join("study");
    let scenario = repo(SCENARIO);
    let o = ok(entente(&[
        "slurm",
        s(&scenario),
        "--runs",
        "60",
        "--tasks",
        "4",
        "--cpus-per-task",
        "2",
        "--time",
        "00:05:00",
        "--out",
        s(&study),
    ]));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("submit.sh"), "{stdout}");
    let script = std::fs::read_to_string(study.join("shards.sbatch")).unwrap();
    for phrase in [
        "#SBATCH --array=0-3",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=00:05:00",
        "--shard auto/4",
        env!("CARGO_BIN_EXE_entente"),
    ] {
        assert!(script.contains(phrase), "{phrase:?} not in\n{script}");
    }
    assert!(study.join("logs").is_dir() && study.join("parts").is_dir());
    // What Slurm would do: each array task, then the merge (no Slurm needed). Task 2 is
    // submitted again alone (sbatch --array=2), as when resuming.
    for (id, min, max, count) in [(0, 0, 3, 4), (1, 0, 3, 4), (3, 0, 3, 4), (2, 2, 2, 1)] {
        let vars = [
            ("SLURM_ARRAY_TASK_ID", id),
            ("SLURM_ARRAY_TASK_MIN", min),
            ("SLURM_ARRAY_TASK_MAX", max),
            ("SLURM_ARRAY_TASK_COUNT", count),
            ("SLURM_CPUS_PER_TASK", 2),
        ];
        let o = Command::new("bash")
            .arg(study.join("shards.sbatch"))
            .env_clear()
            .envs(vars.iter().map(|(k, v)| (k, v.to_string())))
            .output()
            .expect("bash");
        ok(o);
    }
    ok(Command::new("bash")
        .arg(study.join("merge.sbatch"))
        .output()
        .expect("bash"));
    let single = t.join("single");
    run(SCENARIO, 60, &[], &single);
    assert_same_results(&single, &study.join("results"), false);
}

#[test]
fn slurm_refuses_impossible_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let o = |extra: &[&str]| {
        let mut args = vec!["slurm", "--out", s(&out)];
        args.extend_from_slice(extra);
        entente(&args)
    };
    refused(
        o(&["--runs", "3", "--tasks", "4"]),
        &["--tasks 4 is more than --runs 3"],
    );
    refused(o(&["--runs", "0", "--tasks", "1"]), &["--runs 0"]);
    refused(
        o(&["--runs", "10", "--tasks", "2", "--time", "1 hour"]),
        &["--time"],
    );
    refused(
        o(&["--runs", "10", "--tasks", "2", "--set", "nonsense=1"]),
        &["nonsense"],
    );
    assert!(!out.exists());
}

/// Folder names that a shell would read as code or split if a script did not quote them.
const HOSTILE_NAMES: [&str; 8] = [
    "with spaces",
    "it's",
    "say \"hi\"",
    "x$(touch PWNED)",
    "`touch PWNED`",
    "a;touch PWNED;b",
    "Überstudie ✓ #1",
    "all of $(touch PWNED) `touch PWNED` 'q' \"d\" ;|&<>*?[ ]~{}",
];

/// A fake `sbatch` first on PATH: records each call's arguments (NUL-separated, one call a
/// line) in `$FAKE_SBATCH_LOG` and answers as sbatch does (`--parsable`: `ID;cluster`).
#[cfg(unix)]
fn fake_sbatch(bin: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(bin).unwrap();
    let script = bin.join("sbatch");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         { printf 'CALL'; for a in \"$@\"; do printf '\\0%s' \"$a\"; done; printf '\\0\\n'; } \
         >> \"$FAKE_SBATCH_LOG\"\n\
         case \" $* \" in *' --parsable '*) echo '1;cluster' ;; *) echo 'Submitted batch job 1' ;; esac\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The calls the fake sbatch recorded, each its arguments.
fn sbatch_calls(log: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.split_terminator("\0\n")
        .map(|call| {
            let mut args: Vec<String> = call.split('\0').map(str::to_string).collect();
            assert_eq!(args.remove(0), "CALL", "{text:?}");
            args
        })
        .collect()
}

/// The arguments sbatch reads from one `#SBATCH` line (its `_get_argument`: blanks split,
/// `"` and `'` quote, a backslash escapes, an unquoted `#` starts a comment), and, with
/// `old`, as Slurm before 18.08 reads them (only `"` quotes, `#` a comment even inside).
fn sbatch_words(line: &str, old: bool) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return words;
        }
        let (mut w, mut quote, mut comment) = (String::new(), None::<char>, false);
        while let Some(&c) = chars.peek() {
            if quote.is_none() && c.is_ascii_whitespace() {
                break;
            }
            chars.next();
            match c {
                '\\' => w.extend(chars.next()),
                '#' if quote.is_none() || old => {
                    comment = true;
                    break;
                }
                q if Some(q) == quote => quote = None,
                '"' | '\'' if quote.is_none() && (c == '"' || !old) => quote = Some(c),
                _ => w.push(c),
            }
        }
        assert!(quote.is_none(), "unmatched quote in {line:?}");
        if !w.is_empty() {
            words.push(w);
        }
        if comment {
            return words;
        }
    }
}

/// The values of `#SBATCH --key=` in a script, as sbatch (new and old) reads them.
fn directive(script: &str, key: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in script.lines() {
        let Some(rest) = line.strip_prefix("#SBATCH") else {
            continue;
        };
        let words = sbatch_words(rest, false);
        assert_eq!(
            words,
            sbatch_words(rest, true),
            "old and new sbatch: {line:?}"
        );
        for w in words {
            if let Some(v) = w.strip_prefix(&format!("--{key}=")) {
                found.push(v.to_string());
            }
        }
    }
    found
}

/// No file named PWNED anywhere under `dir`.
fn assert_no_pwned(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        assert_ne!(
            e.file_name(),
            "PWNED",
            "a script ran code from a name: {:?}",
            e.path()
        );
        if e.file_type().unwrap().is_dir() {
            assert_no_pwned(&e.path());
        }
    }
}

/// Every script parses for sh and bash.
fn assert_scripts_parse(dir: &Path) {
    for (shell, script) in [
        ("sh", "submit.sh"),
        ("bash", "submit.sh"),
        ("bash", "shards.sbatch"),
        ("bash", "merge.sbatch"),
        ("sh", "shards.sbatch"),
    ] {
        let o = Command::new(shell)
            .arg("-n")
            .arg(dir.join(script))
            .output()
            .expect("shell");
        assert!(o.status.success(), "{shell} -n {script}: {}", stderr(&o));
    }
}

/// `sh submit.sh [ARG]` in `cwd` with the fake sbatch; its stdout.
#[cfg(unix)]
fn submit(dir: &Path, cwd: &Path, bin: &Path, log: &Path, arg: Option<&str>) -> String {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new("sh");
    c.arg(dir.join("submit.sh"))
        .args(arg)
        .current_dir(cwd)
        .env("PATH", path)
        .env("FAKE_SBATCH_LOG", log);
    let o = ok(c.output().expect("sh"));
    String::from_utf8(o.stdout).unwrap()
}

#[cfg(unix)]
#[test]
fn slurm_scripts_quote_hostile_folder_names() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let bin = t.join("bin");
    fake_sbatch(&bin);
    for (k, name) in HOSTILE_NAMES.iter().enumerate() {
        let case = t.join(format!("case{k}"));
        std::fs::create_dir_all(&case).unwrap();
        // The scenario and the output folder both carry the name.
        let scenario = case.join(format!("{name}.toml"));
        std::fs::copy(repo(SCENARIO), &scenario).unwrap();
        let dir = case.join(name);
        let o = Command::new(env!("CARGO_BIN_EXE_entente"))
            .current_dir(&case)
            .args([
                "slurm",
                s(&scenario),
                "--runs",
                "4",
                "--tasks",
                "2",
                "--out",
                name,
            ])
            .output()
            .expect("entente");
        ok(o);
        assert_scripts_parse(&dir);
        let shards = std::fs::read_to_string(dir.join("shards.sbatch")).unwrap();
        let merge = std::fs::read_to_string(dir.join("merge.sbatch")).unwrap();
        assert_eq!(
            directive(&shards, "output"),
            [format!("{}/logs/shard-%a-job%A.out", s(&dir))],
            "{shards}"
        );
        assert_eq!(
            directive(&merge, "output"),
            [format!("{}/logs/merge-job%j.out", s(&dir))],
            "{merge}"
        );
        // Submitting passes the exact paths to sbatch, and runs nothing from the name.
        let log = case.join("sbatch.log");
        let out = submit(&dir, &case, &bin, &log, None);
        let calls = sbatch_calls(&log);
        assert_eq!(
            calls,
            [
                vec![
                    "--parsable".to_string(),
                    "--array=0-1".into(),
                    s(&dir.join("shards.sbatch")).into(),
                ],
                vec![
                    "--parsable".to_string(),
                    "--dependency=afterok:1".into(),
                    s(&dir.join("merge.sbatch")).into(),
                ],
            ],
            "{name}"
        );
        assert!(
            out.contains(&format!("results: {}/results\n", s(&dir))),
            "{name}: {out}"
        );
        submit(&dir, &case, &bin, &log, Some("1"));
        assert_eq!(sbatch_calls(&log)[2][1], "--array=1");
        // The jobs themselves run the study from there and merge it.
        run_array_then_merge(&dir, &case);
        assert!(dir.join("results/summary.csv").is_file(), "{name}");
    }
    assert_no_pwned(t);
}

#[cfg(unix)]
#[test]
fn slurm_sweep_scripts_quote_the_folder_they_run_in() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let bin = t.join("bin");
    fake_sbatch(&bin);
    let cwd = t.join(HOSTILE_NAMES[7]);
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::copy(repo(SCENARIO), cwd.join("my 'exp' $(touch PWNED).toml")).unwrap();
    let dir = cwd.join("sweep `touch PWNED`");
    ok(Command::new(env!("CARGO_BIN_EXE_entente"))
        .current_dir(&cwd)
        .args([
            "slurm",
            "--tasks",
            "2",
            "--out",
            s(&dir),
            "--",
            "my 'exp' $(touch PWNED).toml",
            "--vary",
            "eta=0.2:0.4",
            "--design",
            "grid:2",
            "--runs",
            "2",
        ])
        .output()
        .expect("entente"));
    assert_scripts_parse(&dir);
    let shards = std::fs::read_to_string(dir.join("shards.sbatch")).unwrap();
    assert_eq!(
        directive(&shards, "chdir"),
        [s(&cwd).to_string()],
        "{shards}"
    );
    let merge = std::fs::read_to_string(dir.join("merge.sbatch")).unwrap();
    assert_eq!(directive(&merge, "chdir"), [s(&cwd).to_string()], "{merge}");
    let log = t.join("sbatch.log");
    submit(&dir, t, &bin, &log, None);
    let calls = sbatch_calls(&log);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0][2], s(&dir.join("shards.sbatch")));
    assert_eq!(calls[1][2], s(&dir.join("merge.sbatch")));
    // The array task runs the sweep where slurm was run (sbatch's --chdir), quoted.
    run_array_then_merge(&dir, &cwd);
    assert_no_pwned(t);
}

#[test]
fn slurm_refuses_folders_that_sbatch_would_misread() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for (name, phrase) in [
        ("new\nline", "control character '\\n'"),
        ("carriage\rreturn", "control character '\\r'"),
        ("tab\there", "control character '\\t'"),
        ("back\\slash", "backslash"),
        ("100%j", "holds %"),
        ("my-HetJob", "\"hetjob\""),
        ("packjob", "\"packjob\""),
    ] {
        let out = t.join(name);
        refused(
            entente(&["slurm", "--runs", "4", "--tasks", "2", "--out", s(&out)]),
            &["--out", "#SBATCH", phrase],
        );
        assert!(!out.exists(), "{name:?} was created");
    }
    refused(
        entente(&[
            "slurm",
            "--runs",
            "4",
            "--tasks",
            "2",
            "--partition",
            "hetjob",
            "--out",
            s(&t.join("p")),
        ]),
        &["--partition", "hetjob"],
    );
    assert_eq!(std::fs::read_dir(t).unwrap().count(), 0, "nothing written");
}

/// Run the two tasks of `dir`'s job array (`shards.sbatch`, with the variables Slurm sets),
/// then `merge.sbatch`, in `cwd`, as Slurm would.
#[cfg(unix)]
fn run_array_then_merge(dir: &Path, cwd: &Path) {
    for id in 0..2 {
        let vars = [
            ("SLURM_ARRAY_TASK_ID", id),
            ("SLURM_ARRAY_TASK_MIN", 0),
            ("SLURM_ARRAY_TASK_MAX", 1),
            ("SLURM_ARRAY_TASK_COUNT", 2),
        ];
        ok(Command::new("bash")
            .arg(dir.join("shards.sbatch"))
            .current_dir(cwd)
            .env_clear()
            .envs(vars.iter().map(|(k, v)| (k, v.to_string())))
            .output()
            .expect("bash"));
    }
    ok(Command::new("bash")
        .arg(dir.join("merge.sbatch"))
        .current_dir(cwd)
        .output()
        .expect("bash"));
}
