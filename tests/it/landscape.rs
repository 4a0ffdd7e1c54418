//! `entente landscape` end to end, through the binary: the files it writes for a landscape
//! computed by hand, their determinism whatever the thread count, the CSV and scenario
//! inputs, the historical case's reproducibility, bad inputs (exit 2, located, nothing
//! written) and the report of a landscape folder.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::{entente, repo};

/// The issue's worked example: sizes a = 1, b = 2, c = 3; p_ab = 1, p_ac = p_bc = −1.
const ABC: &str = r#"[landscape]
name = "abc"
title = "Worked <example> & test"

[[actor]]
id = "a"
size = 1

[[actor]]
id = "b"
size = 2

[[actor]]
id = "c"
size = 3

[[pair]]
actors = ["a", "b"]
p = 1

[[pair]]
actors = ["a", "c"]
p = -1

[[pair]]
actors = ["b", "c"]
p = -1
"#;

/// `entente ARGS` in `dir`: its exit status, stdout and stderr.
fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let o = entente(dir, args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok_in(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = run_in(dir, args);
    assert_eq!(code, Some(0), "{args:?}\nstderr:\n{err}");
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn the_worked_example_gives_the_hand_computed_files() {
    let home = TempDir::new().unwrap();
    std::fs::write(home.path().join("abc.toml"), ABC).unwrap();
    let out = ok_in(home.path(), &["landscape", "abc.toml"]);
    assert!(out.contains("1 local minima"), "{out}");
    let dir = home.path().join("results/landscape-abc");
    assert_eq!(
        read(&dir.join("minima.csv")),
        "rank,energy,basin,camp_a,camp_b\n1,-18,1,a b,c\n"
    );
    assert_eq!(
        read(&dir.join("frustration.csv")),
        "rank,actor,frustration\n1,a,-3\n1,b,-3\n1,c,-3\n"
    );
    let m: serde_json::Value = serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    assert_eq!(m["kind"], "landscape");
    assert_eq!(m["format"], 1);
    assert_eq!(m["mode"], "exact");
    assert_eq!(m["basins"], "exact");
    assert_eq!(m["n"], 3);
    assert_eq!(m["configurations"], 4);
    assert_eq!(m["inputs"][0]["path"], "abc.toml");
    assert_eq!(m["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["entente_version"], env!("CARGO_PKG_VERSION"));
    // The report draws the minimum, its basin and each frustration; the title is escaped.
    let html = super::report(&dir, &[]);
    assert!(html.contains("Worked &lt;example&gt; &amp; test"));
    assert!(!html.contains("<example>"));
    let minima = super::section(&html, "minima");
    super::assert_texts("minima chart", minima, &["a", "b", "c", "#1", "100.0 %"]);
    let frustration = super::section(&html, "frustration");
    super::assert_texts("frustration chart", frustration, &["-3.0000"]);
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
}

/// A random landscape of `n` actors as two CSV files (sizes, propensities as pairs).
fn random_csv(dir: &Path, n: usize, seed: u64) -> (PathBuf, PathBuf) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut sizes = "actor,size\n".to_string();
    for i in 0..n {
        sizes.push_str(&format!("s{i},{:.4}\n", 0.1 + next()));
    }
    let mut pairs = "a,b,p\n".to_string();
    for i in 0..n {
        for j in i + 1..n {
            pairs.push_str(&format!("s{i},s{j},{:.3}\n", 2.0 * next() - 1.0));
        }
    }
    let (s, p) = (dir.join("sizes.csv"), dir.join("p.csv"));
    std::fs::write(&s, sizes).unwrap();
    std::fs::write(&p, pairs).unwrap();
    (s, p)
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["minima.csv", "frustration.csv", "manifest.json"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
        .collect()
}

#[test]
fn the_files_do_not_depend_on_the_thread_count() {
    let home = TempDir::new().unwrap();
    random_csv(home.path(), 18, 4);
    let csv = ["--sizes", "sizes.csv", "--propensities", "p.csv"];
    for extra in [
        &[][..],
        &["--approximate", "--starts", "3000", "--seed", "9"][..],
    ] {
        let mut outs = Vec::new();
        for threads in ["1", "2"] {
            let out = format!("out-{threads}");
            let mut args = vec!["landscape"];
            args.extend(csv);
            args.extend(extra);
            args.extend(["--threads", threads, "--out", &out]);
            ok_in(home.path(), &args);
            outs.push(files(&home.path().join(&out)));
        }
        assert_eq!(outs[0], outs[1], "{extra:?}");
        let minima = String::from_utf8(outs[0][0].1.clone()).unwrap();
        assert!(minima.lines().count() >= 2, "{minima}");
        if extra.is_empty() {
            // Exact basins add up to every configuration.
            let sum: f64 = minima
                .lines()
                .skip(1)
                .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap())
                .sum();
            assert_eq!(sum, 1.0, "{minima}");
        }
    }
}

#[test]
fn a_matrix_csv_gives_the_same_landscape_as_pairs() {
    let home = TempDir::new().unwrap();
    std::fs::write(home.path().join("s.csv"), "actor,size\na,1\nb,2\nc,3\n").unwrap();
    std::fs::write(
        home.path().join("m.csv"),
        "actor,a,b,c\na,0,1,-1\nb,1,0,-1\nc,-1,-1,0\n",
    )
    .unwrap();
    ok_in(
        home.path(),
        &[
            "landscape",
            "--sizes",
            "s.csv",
            "--propensities",
            "m.csv",
            "--out",
            "o",
        ],
    );
    assert_eq!(
        read(&home.path().join("o/minima.csv")),
        "rank,energy,basin,camp_a,camp_b\n1,-18,1,a b,c\n"
    );
}

#[test]
fn a_scenario_gives_its_starting_landscape() {
    let home = TempDir::new().unwrap();
    let scenario = repo("scenarios/tutorial/security-dilemma.toml");
    let out = ok_in(
        home.path(),
        &[
            "landscape",
            "--from-scenario",
            scenario.to_str().unwrap(),
            "--out",
            "o",
        ],
    );
    assert!(
        out.contains("camps.csv"),
        "the text says how to compare: {out}"
    );
    let m: serde_json::Value =
        serde_json::from_str(&read(&home.path().join("o/manifest.json"))).unwrap();
    assert_eq!(m["input"], "scenario");
    let s = entente::scenario::load(&scenario).unwrap();
    assert_eq!(m["n"], s.n());
}

/// The shipped historical case is what its recorded command generates, byte for byte.
#[test]
fn the_shipped_europe_1936_is_reproducible() {
    let shipped = read(&repo("data/landscape/europe-1936.toml"));
    let command = shipped
        .lines()
        .skip_while(|l| !l.starts_with("# Generated by:"))
        .nth(1)
        .expect("the generating command in the header")
        .trim_start_matches('#')
        .trim()
        .to_string();
    let home = TempDir::new().unwrap();
    let mut args: Vec<String> = command
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    let w = args
        .iter()
        .position(|a| a == "--write-landscape")
        .expect("--write-landscape");
    std::fs::create_dir_all(home.path().join("data/landscape")).unwrap();
    args[w + 1] = "data/landscape/europe-1936.toml".into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok_in(home.path(), &args);
    let generated = read(&home.path().join("data/landscape/europe-1936.toml"));
    // Not assert_eq: the files are long; the first differing line says enough.
    let diff = generated
        .lines()
        .zip(shipped.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b);
    assert!(
        generated == shipped,
        "data/landscape/europe-1936.toml differs from what its command writes; first difference: {diff:?}"
    );
    for f in [
        "data/landscape/europe-1936.toml",
        "data/landscape/teaching-swing-state.toml",
    ] {
        ok_in(
            home.path(),
            &["landscape", repo(f).to_str().unwrap(), "--out", "o"],
        );
    }
}

/// Bad input: exit 2, the problem located, and no results folder.
#[test]
fn malformed_landscapes_are_refused_with_their_place() {
    let home = TempDir::new().unwrap();
    let cases: [(&str, String, &str); 7] = [
        (
            "missing pair",
            ABC.replace("[[pair]]\nactors = [\"b\", \"c\"]\np = -1\n", ""),
            "bad.toml:14:6: pair.b-c: missing: no propensity for b and c",
        ),
        (
            "duplicate pair",
            ABC.replace("actors = [\"b\", \"c\"]", "actors = [\"b\", \"a\"]"),
            "bad.toml:26:10: pair.b-a.actors: duplicate pair a-b (first given on line 18)",
        ),
        (
            "unknown actor",
            ABC.replace("actors = [\"b\", \"c\"]", "actors = [\"b\", \"d\"]"),
            "bad.toml:26:16: pair.b-d.actors: unknown actor `d`",
        ),
        (
            "NaN",
            ABC.replace("p = 1\n", "p = nan\n"),
            "bad.toml:19:5: pair.a-b.p: expected a finite number",
        ),
        (
            "size 0",
            ABC.replace("size = 2", "size = 0"),
            "bad.toml:11:8: actor.b.size: expected a finite number > 0",
        ),
        (
            "asymmetric matrix",
            ABC.split("[[pair]]").next().unwrap().to_string()
                + "[matrix]\nrows = [\n  [0, 1, -1],\n  [1, 0, -1],\n  [-1, -0.5, 0],\n]\n",
            "bad.toml:21:8: matrix.c.b: asymmetric matrix: found -0.5 for (c, b) but -1 for (b, c)",
        ),
        (
            "control character",
            ABC.replace("title = \"Worked", "title = \"\\u001b[2JWorked"),
            "landscape.title: text with the control character U+001B",
        ),
    ];
    for (what, text, message) in cases {
        std::fs::write(home.path().join("bad.toml"), &text).unwrap();
        let (code, _, err) = run_in(home.path(), &["landscape", "bad.toml", "--out", "o"]);
        assert_eq!(code, Some(2), "{what}: {err}");
        assert!(
            err.contains(message),
            "{what}: expected `{message}` in:\n{err}"
        );
        assert!(!home.path().join("o").exists(), "{what}: nothing written");
        assert!(!err.contains("panicked"), "{what}");
    }
    // Too many actors for the exact search, without --approximate.
    let (s, p) = random_csv(home.path(), 33, 1);
    let _ = std::fs::write(&p, "a,b,p\n");
    let args = [
        "landscape",
        "--sizes",
        s.to_str().unwrap(),
        "--propensities",
        p.to_str().unwrap(),
        "--default-p",
        "0",
        "--out",
        "o",
    ];
    let (code, _, err) = run_in(home.path(), &args);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("33 actors: the exact enumeration takes at most 32 actors")
            && err.contains("--approximate"),
        "{err}"
    );
    assert!(!home.path().join("o").exists());
    // The same with --approximate runs.
    let mut approx = args.to_vec();
    approx.extend(["--approximate", "--starts", "50"]);
    ok_in(home.path(), &approx);
    // A CSV with NaN is located too.
    std::fs::write(home.path().join("s.csv"), "actor,size\na,1\nb,NaN\n").unwrap();
    std::fs::write(home.path().join("p.csv"), "a,b,p\na,b,1\n").unwrap();
    let (code, _, err) = run_in(
        home.path(),
        &[
            "landscape",
            "--sizes",
            "s.csv",
            "--propensities",
            "p.csv",
            "--out",
            "x",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("s.csv:3:3: size: expected a finite number > 0"),
        "{err}"
    );
    assert!(!home.path().join("x").exists());
}

/// The teaching case: two minima, their energies and exact basins as docs/landscape.md and
/// docs/teaching.md quote them.
#[test]
fn the_teaching_case_has_the_documented_minima() {
    let home = TempDir::new().unwrap();
    let file = repo("data/landscape/teaching-swing-state.toml");
    ok_in(
        home.path(),
        &["landscape", file.to_str().unwrap(), "--out", "o"],
    );
    assert_eq!(
        read(&home.path().join("o/minima.csv")),
        "rank,energy,basin,camp_a,camp_b\n\
         1,-13,0.75,North NAlly,South SAlly Swing\n\
         2,-12,0.25,North NAlly SAlly Swing,South\n"
    );
    let docs = read(&repo("docs/landscape.md"));
    assert!(docs.contains("| 1 | −13 | 75 % | North NAlly | South SAlly Swing |"));
    assert!(docs.contains("| 2 | −12 | 25 % | North NAlly SAlly Swing | South |"));
}

/// SIGINT during an exact search of 31 actors (2^30 configurations): the command stops
/// between chunks, exits 130, and leaves no results folder.
#[test]
fn sigint_stops_a_search_and_writes_nothing() {
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let home = TempDir::new().unwrap();
    random_csv(home.path(), 31, 8);
    let mut child = Command::new(env!("CARGO_BIN_EXE_entente"))
        .current_dir(home.path())
        .args([
            "landscape",
            "--sizes",
            "sizes.csv",
            "--propensities",
            "p.csv",
            "--threads",
            "2",
            "--out",
            "new/out",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start entente landscape");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the search of 31 actors ended within 1.5 s: the test needs a longer one"
    );
    let (code, err) =
        super::interrupts::signal_and_wait(&mut child, "-INT", Duration::from_secs(30));
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted (SIGINT)"), "{err}");
    assert!(
        !home.path().join("new").exists(),
        "the folders the command created are gone"
    );
}
