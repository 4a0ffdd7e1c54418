//! Fuzz target `part`: a shard's partial result (`part-K-of-N.entente`, format
//! `entente-part/2`) read as `entente merge` reads it: open and verify the digest, check the
//! shard's runs, open again, read the statistics against the study's (empty or accumulated)
//! statistics, merge them, then copy the per-run rows or finish.
//!
//! The first input byte chooses the mode; the rest is the file.
//! - Mode bit 0 clear: the file as given (its digest is almost never right: this fuzzes the
//!   manifest line and the digest check).
//! - Mode bit 0 set: the correct digest is computed and written into the manifest line
//!   first, as a crafted file would have it (this fuzzes past the digest: the manifest,
//!   the statistics and their invariants, the rows).
//!
//! A part whose statistics pass is read a second time as another shard of the same study
//! (when two shards of its runs fit in a study), against the statistics merged so far, as
//! `entente merge` reads its second shard: statistics that pass must merge without overflow.
//! Statistics that pass must also read back the same from their own JSON.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use entente::output::PartReader;
use entente::scenario::{self, Scenario};
use entente::stats::{ExpectedStats, StudyStats};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

/// The digest member that ends the manifest line, before its 64 hexadecimal digits.
const DIGEST_MEMBER: &[u8] = b",\"digest\":\"sha256:";
const DIGEST_HEX: usize = 64;

/// The studies the seeds belong to: a part's statistics are read against the one its
/// manifest names (the first when none matches), as merge reads them against the scenario
/// the part holds.
static STUDIES: LazyLock<Vec<(Scenario, Vec<String>)>> = LazyLock::new(|| {
    [
        (
            include_str!("../../scenarios/tutorial/security-dilemma.toml"),
            "security-dilemma.toml",
        ),
        (
            include_str!("../scenarios/duel-events.toml"),
            "duel-events.toml",
        ),
    ]
    .into_iter()
    .map(|(text, name)| {
        let s = scenario::parse(text, name).expect("a seed scenario is valid");
        let ids = s.states.iter().map(|x| x.id.clone()).collect();
        (s, ids)
    })
    .collect()
});

/// The name the part is read under (in memory, as `PartReader::open` reads a file).
const PATH: &str = "part-0-of-2.entente";

/// A reader of `bytes`, as `PartReader::open` reads a file of them.
fn open(bytes: &[u8]) -> Result<PartReader, entente::output::PartError> {
    PartReader::from_reader(Path::new(PATH), Box::new(std::io::Cursor::new(bytes.to_vec())))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, file)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 1 {
        with_digest(file)
    } else {
        file.to_vec()
    };
    // `merge_study`: the manifest, the digest checked before anything else is read.
    let manifest = match open(&bytes).and_then(PartReader::verify) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    // `check_complete`: the shard and its runs.
    let Some(shard) = manifest.shard() else {
        return;
    };
    if shard.runs(manifest.runs) != (manifest.first_run..manifest.end_run) {
        return;
    }
    let runs = manifest.end_run - manifest.first_run;
    let (s, ids) = STUDIES
        .iter()
        .find(|(s, _)| s.name == manifest.scenario)
        .unwrap_or(&STUDIES[0]);

    // `gather`: each shard opened again, its statistics read against those merged so far.
    let mut merged = StudyStats::new(s.n(), s.steps, s.events.len(), &s.params);
    let shards = if runs <= u64::MAX / 2 { 2 } else { 1 };
    for _ in 0..shards {
        let mut reader = open(&bytes).expect("the bytes opened a moment ago open");
        assert!(
            reader.manifest == manifest,
            "the same file, another manifest"
        );
        let expected = ExpectedStats {
            template: &merged,
            runs,
            state_ids: ids,
        };
        let stats = match reader.read_stats(&expected) {
            Ok(st) => st,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        };
        assert_eq!(stats.runs, runs);
        let json = serde_json::to_vec(&stats).expect("statistics serialise");
        let again = StudyStats::from_untrusted_json(&json, &expected)
            .unwrap_or_else(|e| panic!("statistics that passed do not read back: {e}"));
        assert!(again == stats, "statistics read back differently");
        merged.merge(&stats);
        let end = if manifest.per_run {
            let mut rows = Vec::new();
            let r = reader.copy_rows(&mut rows);
            if r.is_ok() {
                assert_eq!(rows.len() as u64, manifest.runs_csv_bytes);
            }
            r
        } else {
            reader.finish()
        };
        if let Err(e) = end {
            let _ = e.to_string();
            return;
        }
    }
});

/// `file` with the digest its manifest line should record written into that line: the
/// SHA-256 of the manifest without its digest member, a newline, and the rest of the file
/// (`output::part`'s module documentation). A first line that ends neither with a digest
/// member nor with `}` is left as it is.
fn with_digest(file: &[u8]) -> Vec<u8> {
    let (line, rest) = match file.iter().position(|&b| b == b'\n') {
        Some(k) => (&file[..k], &file[k + 1..]),
        None => (file, &[][..]),
    };
    let member = DIGEST_MEMBER.len() + DIGEST_HEX + 2;
    let body = match line.len().checked_sub(member) {
        Some(at) if line.ends_with(b"\"}") && line[at..].starts_with(DIGEST_MEMBER) => &line[..at],
        _ => match line.strip_suffix(b"}") {
            Some(body) => body,
            None => return file.to_vec(),
        },
    };
    let mut hasher = Sha256::new();
    hasher.update(body);
    hasher.update(b"}\n");
    hasher.update(rest);
    let digest = hasher.finalize();
    let mut out = Vec::with_capacity(file.len() + member + 1);
    out.extend_from_slice(body);
    out.extend_from_slice(DIGEST_MEMBER);
    for b in digest.iter() {
        out.extend_from_slice(format!("{b:02x}").as_bytes());
    }
    out.extend_from_slice(b"\"}\n");
    out.extend_from_slice(rest);
    out
}
