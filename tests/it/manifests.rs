//! Manifest kinds and format versions, through the binary: every manifest says what wrote it
//! and in which format; `entente report` and `entente merge` dispatch on them and refuse an
//! unknown kind or a newer format naming the file; manifests written before the keys existed
//! are read as kind `run`, format 1.

use std::path::Path;
use std::process::Output;

use super::{entente, repo};

const TUTORIAL: &str = "scenarios/tutorial/bandwagon.toml";

fn ok(o: Output) -> Output {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The command fails with exit status 2 and a message containing every phrase.
fn refused(o: Output, phrases: &[&str]) -> String {
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
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

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `entente run TUTORIAL --runs 40 --quiet --out DIR [extra]`.
fn study(dir: &Path, extra: &[&str]) {
    let mut args = vec!["run", TUTORIAL, "--runs", "40", "--quiet", "--out", s(dir)];
    args.extend(extra);
    ok(entente(&repo(""), &args));
}

/// `dir/manifest.json` with `edit` applied to its object.
fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) {
    let path = dir.join("manifest.json");
    let mut m = json(&path);
    edit(m.as_object_mut().expect("an object"));
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

#[test]
fn every_manifest_says_its_kind_and_format() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("study");
    study(&dir, &[]);
    let m = json(&dir.join("manifest.json"));
    assert_eq!((&m["kind"], &m["format"]), (&"run".into(), &1.into()));
    // A partial result: `kind` right after the format, which keeps its place first.
    let parts = tmp.path().join("parts");
    study(&parts, &["--shard", "0/2"]);
    let part = std::fs::read_to_string(parts.join("part-0-of-2.entente")).unwrap();
    assert!(
        part.starts_with("{\"format\":\"entente-part/2\",\"kind\":\"part\",\"entente_version\""),
        "{}",
        &part[..80]
    );
    // The merged study is a run, like a single one.
    study(&parts, &["--shard", "1/2"]);
    let merged = tmp.path().join("merged");
    ok(entente(
        &repo(""),
        &["merge", s(&parts), "--out", s(&merged), "--quiet"],
    ));
    let m = json(&merged.join("manifest.json"));
    assert_eq!(
        (&m["kind"], &m["format"], &m["shards"]),
        (&"run".into(), &1.into(), &2.into())
    );
}

/// A results folder of entente 0.1.0 (no `kind`, no `format`) is still a study's: `report`
/// draws it, `score` scores it, `report --sweep` and `merge` say what it is.
#[test]
fn old_manifests_without_kind_are_read_as_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("old");
    study(&dir, &[]);
    edit_manifest(&dir, |m| {
        m.remove("kind");
        m.remove("format");
    });
    let html = tmp.path().join("r.html");
    ok(entente(&repo(""), &["report", s(&dir), "--out", s(&html)]));
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("bandwagon")
    );
    // Another kind's command refuses it, saying what it is.
    refused(
        entente(
            &repo(""),
            &["report", s(&dir), "--sweep", s(&dir), "--out", s(&html)],
        ),
        &["not a folder written by `entente sweep`"],
    );
    let manifest = dir.join("manifest.json");
    refused(
        entente(
            &repo(""),
            &["merge", s(&manifest), "--out", s(&tmp.path().join("m"))],
        ),
        &[
            s(&manifest),
            "kind \"run\" (the results of `entente run`)",
            "expected kind \"part\" or \"sweep-part\"",
        ],
    );
}

#[test]
fn report_refuses_an_unknown_kind_or_a_newer_format_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("study");
    study(&dir, &[]);
    let manifest = dir.join("manifest.json");
    let out = tmp.path().join("r.html");
    let report = || entente(&repo(""), &["report", s(&dir), "--out", s(&out)]);

    edit_manifest(&dir, |m| {
        m.insert("kind".into(), "constellation".into());
    });
    refused(
        report(),
        &[
            &format!("{}: unknown kind \"constellation\"", manifest.display()),
            "expected kind \"run\", \"sweep\", \"backtest\", \"score\" or \"landscape\"",
        ],
    );
    edit_manifest(&dir, |m| {
        m.insert("kind".into(), "run".into());
        m.insert("format".into(), 2.into());
    });
    refused(
        report(),
        &[
            &format!("{}: format 2 of kind \"run\"", manifest.display()),
            "reads format 1 at most",
        ],
    );
    // A sweep folder of a newer format, too.
    edit_manifest(&dir, |m| {
        m.insert("kind".into(), "sweep".into());
    });
    refused(report(), &[s(&manifest), "format 2 of kind \"sweep\""]);
    // A partial result's kind is not a folder's.
    edit_manifest(&dir, |m| {
        m.insert("kind".into(), "part".into());
        m.insert("format".into(), 1.into());
    });
    refused(report(), &[s(&manifest), "kind \"part\" (a partial result"]);
    // `entente score` takes a study's folder only.
    let outcomes = repo("data/outcomes/vostok-2018-2024.csv");
    edit_manifest(&dir, |m| {
        m.insert("kind".into(), "sweep".into());
    });
    refused(
        entente(&repo(""), &["score", s(&dir), s(&outcomes)]),
        &[
            s(&manifest),
            "kind \"sweep\" (the results of `entente sweep`), expected kind \"run\"",
        ],
    );
    assert!(!out.exists(), "a refused report writes nothing");
}

#[test]
fn merge_refuses_parts_of_an_unknown_kind_or_a_newer_format_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    study(&parts, &["--shard", "0/2"]);
    study(&parts, &["--shard", "1/2"]);
    let out = tmp.path().join("out");
    let merge = || {
        entente(
            &repo(""),
            &["merge", s(&parts), "--out", s(&out), "--quiet"],
        )
    };
    let part = parts.join("part-1-of-2.entente");
    let text = std::fs::read_to_string(&part).unwrap();

    std::fs::write(
        &part,
        text.replacen("\"kind\":\"part\"", "\"kind\":\"landscape-part\"", 1),
    )
    .unwrap();
    refused(
        merge(),
        &[
            &format!("{}: unknown kind \"landscape-part\"", part.display()),
            "expected kind \"part\"",
        ],
    );
    std::fs::write(&part, text.replacen("entente-part/2", "entente-part/3", 1)).unwrap();
    refused(merge(), &[s(&part), "format entente-part/3"]);
    // A part of entente 0.1 (format 1, perhaps without `kind`) has no digest: refused, naming
    // its format.
    for old in [
        text.replacen("entente-part/2", "entente-part/1", 1),
        text.replacen("entente-part/2", "entente-part/1", 1)
            .replacen("\"kind\":\"part\",", "", 1),
    ] {
        std::fs::write(&part, old).unwrap();
        refused(
            merge(),
            &[
                s(&part),
                "format entente-part/1 (entente 0.1), which has no digest",
                "rerun the shard",
            ],
        );
    }
    assert!(!out.exists());
    std::fs::write(&part, text).unwrap();
    ok(merge());
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn merge_refuses_a_sweep_part_of_a_newer_format_and_a_mix_of_kinds() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let sweep = |k: u32| {
        ok(entente(
            home,
            &[
                "sweep",
                s(&repo(TUTORIAL)),
                "--vary",
                "eta=0.1:0.3",
                "--design",
                "grid:2",
                "--runs",
                "20",
                "--quiet",
                "--shard",
                &format!("{k}/2"),
                "--out",
                "parts",
            ],
        ))
    };
    sweep(0);
    sweep(1);
    let part = home.join("parts/sweep-part-0-of-2.csv");
    let text = std::fs::read_to_string(&part).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.contains("\"kind\":\"sweep-part\"") && header.contains("\"format\":2"));
    std::fs::write(&part, text.replacen("\"format\":2", "\"format\":7", 1)).unwrap();
    refused(
        entente(home, &["merge", "parts", "--out", "merged"]),
        &[
            "parts/sweep-part-0-of-2.csv: format 7 of kind \"sweep-part\"",
            "reads format 2 at most",
        ],
    );
    std::fs::write(&part, &text).unwrap();
    // A study's part among a sweep's: one kind at a time.
    study(&home.join("parts"), &["--shard", "0/1"]);
    refused(
        entente(home, &["merge", "parts", "--out", "merged"]),
        &["merge the parts of one study or one sweep at a time"],
    );
    std::fs::remove_file(home.join("parts/part-0-of-1.entente")).unwrap();
    ok(entente(
        home,
        &["merge", "parts", "--out", "merged", "--quiet"],
    ));
    let m = json(&home.join("merged/manifest.json"));
    assert_eq!((&m["kind"], &m["format"]), (&"sweep".into(), &1.into()));
}
