//! The report of a study reads in class and prints short: without `--appendix` it holds the
//! parameters (symbol, name, meaning, unit) and every source key the scenario cites with its
//! full reference; with it, every `source` and `note` of the scenario file (read here from the
//! file itself, not from a list); the heat map's labels lie inside the chart for any number of
//! states; and, in headless Chromium, the flagship's and each tutorial's report prints in at
//! most 6 A4 pages without the appendix, more with it.

use std::path::{Path, PathBuf};

use entente::params::PARAMS;
use entente::teach::charts;
use entente::teach::html::esc;
use entente::teach::sources;

use super::{chromium, chromium_available, entente, repo, section};

/// The tutorials, each printed by the page test.
const TUTORIALS: [&str; 3] = [
    "scenarios/tutorial/bandwagon.toml",
    "scenarios/tutorial/far-strongest-near-weaker.toml",
    "scenarios/tutorial/security-dilemma.toml",
];

/// A study of `scenario` (the built-in flagship for `None`; 200 runs) in `home/name`, and its
/// report without and with the appendix: (folder, report.html, appendix.html).
fn study(home: &Path, name: &str, scenario: Option<&str>) -> (PathBuf, PathBuf, PathBuf) {
    let out = home.join(name);
    let out_s = out.display().to_string();
    let mut args = vec!["run"];
    args.extend(scenario);
    args.extend(["--runs", "200", "--seed", "1", "--quiet", "--out", &out_s]);
    let o = entente(&repo(""), &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    super::report(&out, &[]);
    let full = out.join("appendix.html");
    let full_s = full.display().to_string();
    let o = entente(
        &repo(""),
        &["report", &out_s, "--appendix", "--out", &full_s],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (out.clone(), out.join("report.html"), full)
}

/// Every string a `source` or `note` key holds anywhere in the scenario file `text`.
fn sources_and_notes(text: &str) -> Vec<String> {
    fn walk(v: &toml::Value, key: &str, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => t.iter().for_each(|(k, x)| walk(x, k, out)),
            toml::Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            toml::Value::String(s) if key == "source" || key == "note" => out.push(s.clone()),
            _ => {}
        }
    }
    let root: toml::Value = toml::from_str(text).expect("a TOML file");
    let mut out = Vec::new();
    walk(&root, "", &mut out);
    out
}

/// Each of `texts` (escaped as HTML) is in `html`; `what` names the page.
fn assert_all_present(what: &str, html: &str, texts: &[String]) {
    let missing: Vec<&String> = texts.iter().filter(|t| !html.contains(&esc(t))).collect();
    assert!(
        missing.is_empty(),
        "{what}: {} of {} sources and notes missing, e.g. {:?}",
        missing.len(),
        texts.len(),
        missing.first()
    );
}

/// The flagship's report: the parameters and the source keys always; every source and note
/// of the file with `--appendix` only.
#[test]
fn the_flagship_report_lists_parameters_and_sources_and_its_appendix_every_note() {
    let home = tempfile::tempdir().unwrap();
    let (_, short, full) = study(home.path(), "flagship", None);
    let (short, full) = (
        std::fs::read_to_string(short).unwrap(),
        std::fs::read_to_string(full).unwrap(),
    );
    let notes = sources_and_notes(entente::scenario::FLAGSHIP_TOML);
    assert!(notes.len() > 300, "the flagship documents its values");
    assert_all_present("the flagship's appendix", &full, &notes);
    assert!(full.contains("<section id=\"appendix\">"));
    assert!(!short.contains("<section id=\"appendix\">"));
    let absent = notes.iter().filter(|t| !short.contains(&esc(t))).count();
    assert!(
        absent > notes.len() / 2,
        "without --appendix the notes are left out ({absent} of {})",
        notes.len()
    );
    assert!(
        short.contains("--appendix"),
        "the short page says how to get them"
    );

    // The parameters: name, meaning, unit and value.
    for page in [&short, &full] {
        let params = section(page, "parameters");
        for spec in PARAMS {
            for text in [spec.label, spec.meaning, spec.unit_words(), spec.symbol] {
                assert!(params.contains(&esc(text)), "{}: `{text}`", spec.name);
            }
            assert!(params.contains(&format!("<code>{}</code>", spec.name)));
        }
        assert!(params.contains("dimensionless") && params.contains("1/year"));
    }

    // The source keys: S1 to S13, each with its full reference (data/SOURCES.md).
    let keys = sources::source_keys();
    for page in [&short, &full] {
        let src = section(page, "sources");
        for n in 1..=13 {
            let key = keys.iter().find(|k| k.number == n).expect("a key");
            assert!(src.contains(&format!("<tr><td>S{n}</td>")), "S{n}");
            let reference = key.place.split('`').next().unwrap();
            assert!(src.contains(&esc(reference)), "S{n}'s reference");
        }
        assert!(
            src.contains("822019c80142c162e4ca4eb1a63699ae36075078"),
            "S1's commit"
        );
    }
}

/// A scenario whose `[power]`, `[params]`, events and effects carry a source and a note:
/// `run --report --appendix` shows every one of them.
#[test]
fn the_appendix_holds_the_notes_of_power_params_and_effects() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("documented.toml");
    std::fs::write(&file, DOCUMENTED).unwrap();
    let out = home.path().join("study");
    let (file_s, out_s) = (file.display().to_string(), out.display().to_string());
    let o = entente(
        &repo(""),
        &[
            "run",
            &file_s,
            "--runs",
            "50",
            "--quiet",
            "--out",
            &out_s,
            "--set",
            "beta_b=1",
            "--report",
            "--appendix",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let notes = sources_and_notes(DOCUMENTED);
    assert_eq!(notes.len(), 17, "{notes:?}");
    let appendix = section(&html, "appendix");
    assert_all_present("the appendix", appendix, &notes);
    // The parameters the scenario and --set changed say so, with the theory's default.
    let params = section(&html, "parameters");
    assert!(
        params.contains("default 0.0216; set by [params]"),
        "{params}"
    );
    assert!(params.contains("default 0.5; set by --set"), "{params}");
    // Without --appendix: none of the entries' notes.
    let short = super::report(&out, &[]);
    // Its keys (S1, S3) are its own, not those of data/SOURCES.md: the sources are listed
    // as it names them, and no reference of entente's is given for them.
    let src = section(&short, "sources");
    assert!(src.contains("[power] source (S1, S3)"), "{src}");
    assert!(
        !src.contains("<tr><td>S1</td>") && !src.contains("World Bank"),
        "{src}"
    );
    assert!(!short.contains("Effect note"));
    assert!(!short.contains("[params] note"));
    // --appendix without --report is refused.
    let o = entente(&repo(""), &["run", &file_s, "--runs", "5", "--appendix"]);
    assert_eq!(o.status.code(), Some(2));
}

/// A small scenario with a source and a note on every kind of entry.
const DOCUMENTED: &str = r#"
[scenario]
name = "documented"
start_year = 2000
horizon = 2
dt = 0.5
source = "Scenario source"
note = "Scenario note"

[power]
weights = { gdp = 0.5, milex = 0.5 }
gdp_component = "gdp"
source = "[power] source (S1, S3)"
note = "[power] note"

[[state]]
id = "AAA"
components = { gdp = 100.0, milex = 2.0 }
offense = 0.5
aggression = 0.4
lat = 10.0
lon = 10.0
source = "AAA source"
note = "AAA note"

[[state]]
id = "BBB"
components = { gdp = 50.0, milex = 3.0 }
offense = 0.6
aggression = 0.5
lat = 12.0
lon = 14.0

[[pair]]
states = ["AAA", "BBB"]
trade = 5.0
source = "Pair source"
note = "Pair note"

[[intent]]
from = "AAA"
to = "BBB"
value = 0.7
source = "Intent source"
note = "Intent note"

[[event]]
name = "shock"
at = 2001
effects = [
  { target = "pair.AAA-BBB.trade", op = "mul", value = 0.5, source = "Effect source", note = "Effect note" },
  { target = "intent.BBB-AAA", op = "add", value = 0.1, note = "Second effect note" },
]
source = "Event source"
note = "Event note"

[params]
eta = 0.1
source = "[params] source"
note = "[params] note"
"#;

/// A text of a chart and its estimated box: x from, x to, y from, y to.
type TextBox = (String, f64, f64, f64, f64);

/// The x and y extent of each `<text>` of an SVG, estimated from its anchor, font size and
/// characters (0.62 of the size a character, wider than the average glyph of a sans-serif
/// font), with the SVG's width and height.
fn text_boxes(svg: &str) -> ((f64, f64), Vec<TextBox>) {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    };
    let num = |tag: &str, name: &str| attr(tag, name).and_then(|v| v.parse::<f64>().ok());
    let head = &svg[svg.find("<svg").unwrap()..];
    let head = &head[..head.find('>').unwrap()];
    let size = (num(head, "width").unwrap(), num(head, "height").unwrap());
    let boxes = svg
        .split("<text")
        .skip(1)
        .map(|t| {
            let tag = &t[..t.find('>').unwrap()];
            let body = t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].trim();
            let body = body.replace("&apos;", "'").replace("&amp;", "&");
            let (x, y) = (num(tag, "x").unwrap(), num(tag, "y").unwrap());
            let font = num(tag, "font-size").unwrap();
            let w = 0.62 * font * body.chars().count() as f64;
            let x0 = match attr(tag, "text-anchor").as_deref() {
                Some("middle") => x - w / 2.0,
                Some("end") => x - w,
                _ => x,
            };
            (body, x0, x0 + w, y - font, y + font)
        })
        .collect();
    (size, boxes)
}

/// The heat map's labels (ids, values, the colour scale's title and labels, the key of the
/// frames) lie inside the chart for 2, 3, 17 and 60 states, and the scale has its title and
/// its largest value.
#[test]
fn the_heat_maps_labels_lie_inside_it_for_any_number_of_states() {
    for n in [2usize, 3, 17, 60] {
        let ids: Vec<String> = (0..n).map(|i| format!("S{i:02}")).collect();
        let threat: Vec<f64> = (0..n * n)
            .map(|k| {
                if k / n == k % n {
                    0.0
                } else {
                    (k % 7) as f64 * 0.3
                }
            })
            .collect();
        let principal: Vec<usize> = (0..n).map(|i| (i + 1) % n).collect();
        let svg = charts::heat_map(&ids, &threat, &principal).unwrap();
        let ((w, h), boxes) = text_boxes(&svg);
        for (text, x0, x1, y0, y1) in &boxes {
            assert!(
                *x0 >= 0.0 && *x1 <= w && *y0 >= 0.0 && *y1 <= h,
                "{n} states: `{text}` at x {x0:.0}..{x1:.0}, y {y0:.0}..{y1:.0} lies outside {w} × {h}"
            );
        }
        let labels: Vec<&str> = boxes.iter().map(|b| b.0.as_str()).collect();
        assert!(
            labels.iter().any(|t| t.starts_with("colour: threat")),
            "{labels:?}"
        );
        let max = threat.iter().copied().fold(0.0, f64::max);
        assert!(
            labels.contains(&format!("{max:.2}").as_str()),
            "the largest threat labels the scale: {labels:?}"
        );
        assert!(labels.iter().any(|t| t.contains("principal threat")));
    }
}

/// The number of pages of a PDF file: its page objects (`/Type /Page`, not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}

/// Print `page` to an A4 PDF in headless Chromium; its number of pages.
fn printed_pages(home: &Path, name: &str, page: &Path) -> usize {
    let pdf = home.join(format!("{name}.pdf"));
    let printed = chromium(
        home,
        name,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
        page,
    );
    let bytes = std::fs::read(&pdf)
        .unwrap_or_else(|e| panic!("{name}: no PDF ({e}); chromium:\n{}", printed.stderr));
    assert!(bytes.starts_with(b"%PDF"), "{name}: a PDF file");
    // A4 portrait: 595 × 842 points.
    assert!(
        String::from_utf8_lossy(&bytes).contains("/MediaBox [0 0 594.95996 841.91998]"),
        "{name}: A4 pages"
    );
    pdf_pages(&bytes)
}

/// The report of the flagship and of each tutorial prints in at most 6 A4 pages without the
/// appendix, and in more with it (headless Chromium; skipped with a message where it is not
/// installed, and required in CI).
#[test]
fn reports_print_in_at_most_six_a4_pages_without_the_appendix() {
    if !chromium_available("reports_print_in_at_most_six_a4_pages_without_the_appendix") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    for (k, scenario) in std::iter::once(None)
        .chain(TUTORIALS.iter().map(|t| Some(*t)))
        .enumerate()
    {
        let name = format!("s{k}");
        let (_, short, full) = study(home.path(), &name, scenario);
        let pages = printed_pages(home.path(), &format!("{name}-short"), &short);
        let with = printed_pages(home.path(), &format!("{name}-full"), &full);
        counts.push((scenario.unwrap_or("flagship"), pages, with));
    }
    eprintln!("pages (without, with --appendix): {counts:?}");
    for (scenario, pages, with) in counts {
        assert!(
            (1..=6).contains(&pages),
            "{scenario}: the report prints in {pages} A4 pages, at most 6 expected"
        );
        assert!(with > pages, "{scenario}: the appendix adds pages ({with})");
    }
}

#[test]
fn pages_are_counted_without_the_page_tree() {
    let pdf = b"1 0 obj << /Type /Pages /Count 2 >> 2 0 obj << /Type /Page /Parent 1 0 R >> 3 0 obj <</Type /Page>>";
    assert_eq!(pdf_pages(pdf), 2);
}

/// A results folder is a file from a stranger: a value out of its range, a pair or state that
/// the other files do not know, a row given twice, or a parameter out of its range in the
/// manifest is refused naming the file, the line and the column, exit status 2, no report
/// written.
#[test]
fn a_damaged_results_folder_is_refused_naming_file_line_and_column() {
    let home = tempfile::TempDir::new().unwrap();
    let good = home.path().join("good");
    let o = entente(
        &repo(""),
        &[
            "run",
            TUTORIALS[1],
            "--runs",
            "50",
            "--quiet",
            "--out",
            &good.display().to_string(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(good.join(name)).unwrap();
    // The second line of a CSV file with its fields `k` replaced by `to`.
    let fields = |name: &str, edits: &[(usize, &str)]| {
        let text = read(name);
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let mut fields: Vec<&str> = lines[1].split(',').collect();
        for &(k, to) in edits {
            fields[k] = to;
        }
        lines[1] = fields.join(",");
        (name.to_string(), lines.join("\n") + "\n")
    };
    let field = |name: &str, k: usize, to: &str| fields(name, &[(k, to)]);
    let again = |name: &str| {
        let text = read(name);
        let second = text.lines().nth(1).unwrap().to_string();
        (name.to_string(), format!("{text}{second}\n"))
    };
    let cases = [
        (
            field("summary.csv", 4, "-5"),
            "summary.csv:2: ",
            "p_rivalry_end: found -5, expected a probability in [0, 1]",
        ),
        (
            field("summary.csv", 2, "NaN"),
            "summary.csv:2: ",
            "p_alliance_end: found NaN",
        ),
        (
            field("timeseries.csv", 3, "1.5"),
            "timeseries.csv:2: ",
            "mean_alignment: found 1.5, expected an alignment in [-1, 1]",
        ),
        (
            field("timeseries.csv", 0, "inf"),
            "timeseries.csv:2: ",
            "year: found inf",
        ),
        (
            fields("timeseries.csv", &[(7, "0.5"), (8, "0.6")]),
            "timeseries.csv:2: ",
            "p_rivalry: found 0.6, expected at most 1 with the P(alliance)",
        ),
        (
            field("states.csv", 5, "2"),
            "states.csv:2: ",
            "p_secure: found 2",
        ),
        (
            field("camps.csv", 2, "7"),
            "camps.csv:2: ",
            "frequency: found 7",
        ),
        (
            field("summary.csv", 0, "XYZ"),
            "summary.csv:2: ",
            "expected two different states of states.csv",
        ),
        (
            field("camps.csv", 1, "999999"),
            "camps.csv:2: ",
            "runs: found 999999, expected at most the study's 50 runs",
        ),
        (
            field("states.csv", 1, "A B"),
            "states.csv:2: ",
            "expected a state id (no spaces or control characters)",
        ),
        (
            again("summary.csv"),
            "summary.csv:",
            "is on an earlier line too",
        ),
        (
            again("timeseries.csv"),
            "timeseries.csv:",
            "is on an earlier line too",
        ),
        (
            ("manifest.json".to_string(), {
                let mut m: serde_json::Value =
                    serde_json::from_str(&read("manifest.json")).unwrap();
                m["params"]["eta"] = (-3.0).into();
                m.to_string()
            }),
            "manifest.json: ",
            "params.eta: found -3.0, expected a number in [0, 100]",
        ),
    ];
    for (k, ((name, text), at, expected)) in cases.into_iter().enumerate() {
        let dir = home.path().join(format!("bad{k}"));
        std::fs::create_dir(&dir).unwrap();
        for f in [
            "manifest.json",
            "summary.csv",
            "timeseries.csv",
            "states.csv",
            "camps.csv",
        ] {
            std::fs::copy(good.join(f), dir.join(f)).unwrap();
        }
        std::fs::write(dir.join(&name), text).unwrap();
        let o = entente(&repo(""), &["report", &dir.display().to_string()]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{expected}: {e}");
        assert!(e.contains(at) && e.contains(expected), "{expected}: {e}");
        assert!(!dir.join("report.html").exists(), "{expected}");
    }
}
