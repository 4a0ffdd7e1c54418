//! `entente report` on folders written by `entente sweep`, and `entente report --sweep` on a
//! study: small sweep folders written by hand (numbers chosen here, not computed by entente)
//! give one self-contained page per design (line charts for one factor, heat maps for two on a
//! grid, index charts for Morris and Sobol, scatters otherwise) with their readings and
//! numbers; malformed files stop it with the file, line and column and write nothing; a
//! study's report gains "What drives this result"; the pages render in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::{assert_texts, chromium_available, fails, report, screenshot_and_dom, section, texts};

// ------------------------------------------------------------------------------------------
// Folders

const ONE_MANIFEST: &str = r#"{
  "kind": "sweep",
  "entente_version": "9.9.9-test",
  "scenario": "vostok-2018",
  "scenario_file": "<built-in>/vostok-2018.toml",
  "theory": "walt",
  "set": [],
  "design": "grid:7",
  "factors": [{"path": "pair.CHN-RUS.mistrust", "low": 0.2, "high": 0.8}],
  "points": 7,
  "runs": 500,
  "seed": 11,
  "pairs": ["CHN-RUS", "USA-CHN", "USA-RUS"]
}
"#;

const ONE_DESIGN: &str = "\
point,pair.CHN-RUS.mistrust
0,0.2
1,0.3
2,0.4
3,0.5
4,0.6
5,0.7
6,0.8
";

const HEADER: &str = "point,a,b,p_alliance_end,p_alliance_ever,p_rivalry_end,mean_alignment_end,q05_alignment_end,q50_alignment_end,q95_alignment_end\n";

/// Rows of sweep.csv: for each point, `(a, b, the seven outputs)`.
fn sweep_csv(rows: &[(u32, &str, [&str; 7])]) -> String {
    let mut t = HEADER.to_string();
    for (point, pair, values) in rows {
        let (a, b) = pair.split_once('-').unwrap();
        t.push_str(&format!("{point},{a},{b},{}\n", values.join(",")));
    }
    t
}

/// The range factor of most fixtures, as the manifest writes it.
const MISTRUST: &str = r#"{"path": "pair.CHN-RUS.mistrust", "low": 0.2, "high": 0.8}"#;

/// The range of `d0` in the Morris and Sobol fixtures.
const D0: &str = r#"{"path": "d0", "low": 2000, "high": 4000}"#;

/// A manifest.json of a sweep of vostok-2018: `keys` (JSON members, each on its line with
/// its comma) after the scenario, then the design, the factors (JSON objects), and the
/// numbers of points, runs per point and the seed.
fn manifest(keys: &str, design: &str, factors: &[&str], [points, runs, seed]: [u32; 3]) -> String {
    format!(
        "{{\n  \"kind\": \"sweep\",\n  \"scenario\": \"vostok-2018\",\n{keys}  \"design\": \"{design}\",\n  \"factors\": [\n    {}\n  ],\n  \"points\": {points},\n  \"runs\": {runs},\n  \"seed\": {seed}\n}}\n",
        factors.join(",\n    ")
    )
}

/// A sweep.csv of the pair CHN-RUS alone: at point `p`, P(alliance) `p_alliance[p]` and the
/// six other outputs `others`.
fn chn_rus_sweep(p_alliance: &[&str], others: [&str; 6]) -> String {
    let rows: Vec<(u32, &str, [&str; 7])> = p_alliance
        .iter()
        .enumerate()
        .map(|(p, pa)| {
            let [a, b, c, d, e, f] = others;
            (p as u32, "CHN-RUS", [*pa, a, b, c, d, e, f])
        })
        .collect();
    sweep_csv(&rows)
}

fn one_sweep() -> String {
    let chn_rus = [
        [
            "0.994000", "0.998000", "0.000000", "0.752000", "0.621000", "0.760000", "0.880000",
        ],
        [
            "0.951000", "0.990000", "0.000000", "0.701000", "0.540000", "0.710000", "0.850000",
        ],
        [
            "0.803000", "0.950000", "0.010000", "0.603000", "0.310000", "0.640000", "0.800000",
        ],
        [
            "0.452000", "0.800000", "0.050000", "0.451000", "0.100000", "0.500000", "0.720000",
        ],
        [
            "0.120000",
            "0.500000",
            "0.200000",
            "0.202000",
            "-0.200000",
            "0.220000",
            "0.610000",
        ],
        [
            "0.020000",
            "0.300000",
            "0.350000",
            "0.001000",
            "-0.350000",
            "0.000000",
            "0.400000",
        ],
        [
            "0.000000",
            "0.100000",
            "0.450000",
            "-0.150000",
            "-0.500000",
            "-0.150000",
            "0.200000",
        ],
    ];
    let usa_chn = [
        "0.000000",
        "0.000000",
        "0.900000",
        "-0.600000",
        "-0.900000",
        "-0.620000",
        "-0.250000",
    ];
    let usa_rus_alliance = [
        "0.000000", "0.000000", "0.010000", "0.020000", "0.030000", "0.050000", "0.080000",
    ];
    let usa_rus_rivalry = [
        "0.700000", "0.680000", "0.650000", "0.600000", "0.570000", "0.530000", "0.500000",
    ];
    let mut rows = Vec::new();
    for p in 0..7 {
        rows.push((p as u32, "CHN-RUS", chn_rus[p]));
        rows.push((p as u32, "USA-CHN", usa_chn));
        rows.push((
            p as u32,
            "USA-RUS",
            [
                usa_rus_alliance[p],
                "0.100000",
                usa_rus_rivalry[p],
                "-0.300000",
                "-0.700000",
                "-0.300000",
                "0.300000",
            ],
        ));
    }
    sweep_csv(&rows)
}

const GRID_DESIGN: &str = "\
point,pair.CHN-RUS.mistrust,d0
0,0.2,2000
1,0.2,3000
2,0.5,2000
3,0.5,3000
4,0.8,2000
5,0.8,3000
";

fn grid_sweep() -> String {
    let chn_rus = [
        ("0.990000", "0.000000"),
        ("0.970000", "0.000000"),
        ("0.600000", "0.050000"),
        ("0.410000", "0.100000"),
        ("0.050000", "0.300000"),
        ("0.000000", "0.450000"),
    ];
    let mut rows = Vec::new();
    for (p, (pa, pr)) in chn_rus.iter().enumerate() {
        let p = p as u32;
        rows.push((
            p,
            "CHN-RUS",
            [
                *pa, "0.990000", *pr, "0.500000", "0.100000", "0.500000", "0.900000",
            ],
        ));
        let pr_usa = if p.is_multiple_of(2) {
            "0.900000"
        } else {
            "0.850000"
        };
        rows.push((
            p,
            "USA-CHN",
            [
                "0.000000",
                "0.000000",
                pr_usa,
                "-0.600000",
                "-0.900000",
                "-0.600000",
                "-0.300000",
            ],
        ));
        let pa_jpn = if p.is_multiple_of(2) {
            "0.900000"
        } else {
            "0.700000"
        };
        rows.push((
            p,
            "USA-JPN",
            [
                pa_jpn, "0.990000", "0.000000", "0.700000", "0.500000", "0.700000", "0.900000",
            ],
        ));
    }
    sweep_csv(&rows)
}

const MORRIS_DESIGN: &str = "\
point,pair.CHN-RUS.mistrust,d0,state.USA.aggression
0,0.2,2000,0.2
1,0.6,2000,0.2
2,0.6,3333.3333333333335,0.2
3,0.6,3333.3333333333335,0.6
4,0.8,4000,0.8
5,0.4,4000,0.8
6,0.4,2666.6666666666665,0.8
7,0.4,2666.6666666666665,0.4
";

fn morris_sweep() -> String {
    let chn_rus = [
        "0.990000", "0.300000", "0.450000", "0.440000", "0.000000", "0.700000", "0.620000",
        "0.630000",
    ];
    let usa_jpn = [
        "0.950000", "0.950000", "0.940000", "0.950000", "0.960000", "0.950000", "0.950000",
        "0.930000",
    ];
    let mut rows = Vec::new();
    for p in 0..8 {
        let q = p as u32;
        rows.push((
            q,
            "CHN-RUS",
            [
                chn_rus[p], "0.990000", "0.100000", "0.400000", "0.000000", "0.400000", "0.800000",
            ],
        ));
        rows.push((
            q,
            "USA-JPN",
            [
                usa_jpn[p], "1.000000", "0.000000", "0.800000", "0.700000", "0.800000", "0.900000",
            ],
        ));
        rows.push((
            q,
            "USA-CHN",
            [
                "0.000000",
                "0.000000",
                "0.900000",
                "-0.600000",
                "-0.900000",
                "-0.600000",
                "-0.300000",
            ],
        ));
    }
    sweep_csv(&rows)
}

const SENSITIVITY_HEADER: &str = "output,a,b,factor,method,index,estimate,ci_low,ci_high,note\n";

/// Morris rows: `(output, pair, factor, mu, mu_star, ci_low, ci_high, sigma)`.
/// A Morris row of the fixtures: output, pair, factor, mu, mu_star, its interval, sigma.
type MorrisRow<'a> = (&'a str, &'a str, &'a str, f64, f64, f64, f64, f64);

fn morris_rows(rows: &[MorrisRow<'_>]) -> String {
    let mut t = String::new();
    for (output, pair, factor, mu, mu_star, lo, hi, sigma) in rows {
        let (a, b) = pair.split_once('-').unwrap();
        t.push_str(&format!("{output},{a},{b},{factor},morris,mu,{mu:.6},,,\n"));
        t.push_str(&format!(
            "{output},{a},{b},{factor},morris,mu_star,{mu_star:.6},{lo:.6},{hi:.6},\n"
        ));
        t.push_str(&format!(
            "{output},{a},{b},{factor},morris,sigma,{sigma:.6},,,\n"
        ));
    }
    t
}

/// Rows with a note, as `entente sweep` writes them: one per factor and index, empty values.
fn noted(output: &str, pair: &str, factors: &[&str], method: &str, indices: &[&str]) -> String {
    let (a, b) = pair.split_once('-').unwrap();
    let mut t = String::new();
    for f in factors {
        for i in indices {
            t.push_str(&format!(
                "{output},{a},{b},{f},{method},{i},,,,does not vary over the design\n"
            ));
        }
    }
    t
}

const MORRIS_FACTORS: [&str; 3] = ["pair.CHN-RUS.mistrust", "d0", "state.USA.aggression"];
const MORRIS_INDICES: [&str; 3] = ["mu", "mu_star", "sigma"];

fn morris_sensitivity() -> String {
    let mut t = SENSITIVITY_HEADER.to_string();
    t += &morris_rows(&[
        (
            "p_alliance_end",
            "CHN-RUS",
            "pair.CHN-RUS.mistrust",
            -0.83,
            0.83,
            0.70,
            0.95,
            0.12,
        ),
        (
            "p_alliance_end",
            "CHN-RUS",
            "d0",
            0.15,
            0.41,
            0.20,
            0.60,
            0.35,
        ),
        (
            "p_alliance_end",
            "CHN-RUS",
            "state.USA.aggression",
            -0.03,
            0.06,
            0.01,
            0.11,
            0.04,
        ),
        (
            "p_alliance_end",
            "USA-JPN",
            "pair.CHN-RUS.mistrust",
            0.0,
            0.04,
            0.0,
            0.08,
            0.02,
        ),
        (
            "p_alliance_end",
            "USA-JPN",
            "d0",
            0.0,
            0.02,
            0.0,
            0.04,
            0.01,
        ),
        (
            "p_alliance_end",
            "USA-JPN",
            "state.USA.aggression",
            -0.09,
            0.09,
            0.05,
            0.13,
            0.03,
        ),
    ]);
    t += &noted(
        "p_alliance_end",
        "USA-CHN",
        &MORRIS_FACTORS,
        "morris",
        &MORRIS_INDICES,
    );
    t += &morris_rows(&[
        (
            "p_rivalry_end",
            "CHN-RUS",
            "pair.CHN-RUS.mistrust",
            0.5,
            0.5,
            0.4,
            0.6,
            0.1,
        ),
        (
            "p_rivalry_end",
            "CHN-RUS",
            "d0",
            -0.1,
            0.1,
            0.05,
            0.15,
            0.05,
        ),
        (
            "p_rivalry_end",
            "CHN-RUS",
            "state.USA.aggression",
            0.02,
            0.02,
            0.0,
            0.04,
            0.01,
        ),
    ]);
    t += &noted(
        "p_rivalry_end",
        "USA-JPN",
        &MORRIS_FACTORS,
        "morris",
        &MORRIS_INDICES,
    );
    t += &morris_rows(&[
        (
            "mean_alignment_end",
            "CHN-RUS",
            "pair.CHN-RUS.mistrust",
            -1.2,
            1.2,
            1.0,
            1.4,
            0.3,
        ),
        (
            "mean_alignment_end",
            "CHN-RUS",
            "d0",
            0.3,
            0.3,
            0.2,
            0.4,
            0.2,
        ),
        (
            "mean_alignment_end",
            "CHN-RUS",
            "state.USA.aggression",
            0.1,
            0.1,
            0.0,
            0.2,
            0.1,
        ),
    ]);
    // The older form of an empty row: output and pair only, with the note.
    t += "mean_alignment_end,USA,JPN,,,,,,,does not vary over the design\n";
    t
}

const SOBOL_DESIGN: &str = "\
point,pair.CHN-RUS.mistrust,d0
0,0.25,2100
1,0.7,2100
2,0.25,3900
3,0.7,3900
4,0.55,3000
5,0.35,3000
6,0.55,2500
7,0.35,2500
";

fn sobol_sensitivity() -> String {
    let mut t = SENSITIVITY_HEADER.to_string();
    for (f, s1, s1_ci, st, st_ci) in [
        ("pair.CHN-RUS.mistrust", 0.62, (0.5, 0.74), 0.75, (0.6, 0.9)),
        ("d0", 0.1, (-0.05, 0.25), 0.3, (0.15, 0.45)),
    ] {
        t.push_str(&format!(
            "p_alliance_end,CHN,RUS,{f},sobol,S1,{s1:.6},{:.6},{:.6},\n",
            s1_ci.0, s1_ci.1
        ));
        t.push_str(&format!(
            "p_alliance_end,CHN,RUS,{f},sobol,ST,{st:.6},{:.6},{:.6},\n",
            st_ci.0, st_ci.1
        ));
    }
    t += &noted(
        "p_rivalry_end",
        "CHN-RUS",
        &["pair.CHN-RUS.mistrust", "d0"],
        "sobol",
        &["S1", "ST"],
    );
    t += "mean_alignment_end,CHN,RUS,pair.CHN-RUS.mistrust,sobol,S1,0.810000,0.700000,0.920000,\n";
    t += "mean_alignment_end,CHN,RUS,pair.CHN-RUS.mistrust,sobol,ST,0.880000,0.800000,0.960000,\n";
    t += "mean_alignment_end,CHN,RUS,d0,sobol,S1,-0.020000,-0.080000,0.040000,\n";
    t += "mean_alignment_end,CHN,RUS,d0,sobol,ST,0.050000,0.010000,0.090000,\n";
    t
}

const OAT_DESIGN: &str = "\
point,pair.CHN-RUS.mistrust,theory
0,0.5,walt
1,0.2,walt
2,0.8,walt
3,0.5,waltz
";

/// A folder holding `files` (name, text), in a temporary folder.
fn folder(files: &[(&str, impl AsRef<str>)]) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("sweep");
    write_files(&dir, files);
    (home, dir)
}

fn write_files(dir: &Path, files: &[(&str, impl AsRef<str>)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text.as_ref()).unwrap();
    }
}

fn one_files() -> Vec<(&'static str, String)> {
    vec![
        ("manifest.json", ONE_MANIFEST.to_string()),
        ("design.csv", ONE_DESIGN.to_string()),
        ("sweep.csv", one_sweep()),
        // A grid has no indices: the header alone.
        ("sensitivity.csv", SENSITIVITY_HEADER.to_string()),
    ]
}

fn grid_files() -> Vec<(&'static str, String)> {
    let d0 = r#"{"path": "d0", "values": ["2000", "3000"]}"#;
    vec![
        (
            "manifest.json",
            manifest("", "grid:3", &[MISTRUST, d0], [6, 200, 3]),
        ),
        ("design.csv", GRID_DESIGN.to_string()),
        ("sweep.csv", grid_sweep()),
    ]
}

fn morris_files() -> Vec<(&'static str, String)> {
    let aggression = r#"{"path": "state.USA.aggression", "low": 0.2, "high": 0.8}"#;
    let keys = "  \"theory\": \"walt\",\n  \"sensitivity\": \"morris\",\n";
    vec![
        (
            "manifest.json",
            manifest(keys, "morris:2:4", &[MISTRUST, D0, aggression], [8, 100, 5]),
        ),
        ("design.csv", MORRIS_DESIGN.to_string()),
        ("sweep.csv", morris_sweep()),
        ("sensitivity.csv", morris_sensitivity()),
    ]
}

fn sobol_files() -> Vec<(&'static str, String)> {
    let p_alliance = [
        "0.980000", "0.100000", "0.900000", "0.050000", "0.300000", "0.800000", "0.350000",
        "0.850000",
    ];
    let others = [
        "0.990000", "0.000000", "0.400000", "0.100000", "0.400000", "0.800000",
    ];
    vec![
        (
            "manifest.json",
            manifest("", "sobol:2", &[MISTRUST, D0], [8, 100, 9]),
        ),
        ("design.csv", SOBOL_DESIGN.to_string()),
        ("sweep.csv", chn_rus_sweep(&p_alliance, others)),
        ("sensitivity.csv", sobol_sensitivity()),
    ]
}

fn oat_files() -> Vec<(&'static str, String)> {
    let theory = r#"{"path": "theory", "values": ["walt", "waltz"]}"#;
    let p_alliance = ["0.450000", "0.990000", "0.000000", "0.150000"];
    let others = [
        "0.990000", "0.050000", "0.400000", "0.100000", "0.400000", "0.800000",
    ];
    vec![
        (
            "manifest.json",
            manifest("", "oat:3", &[MISTRUST, theory], [4, 100, 1]),
        ),
        ("design.csv", OAT_DESIGN.to_string()),
        ("sweep.csv", chn_rus_sweep(&p_alliance, others)),
    ]
}

fn entente(args: &[&str]) -> Output {
    super::entente(&super::repo(""), args)
}

/// The charts of a piece of page: each `<svg>` element, to its closing tag.
fn svgs(html: &str) -> Vec<&str> {
    html.match_indices("<svg")
        .map(|(at, _)| {
            let end = html[at..].find("</svg>").expect("the chart's end");
            &html[at..at + end]
        })
        .collect()
}

/// What every page is: one HTML document with no script, no URL, nothing fetched.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(!html.contains("http"), "no URL: the page opens offline");
    for forbidden in ["<script", "<link", "<img", "@import", "url(", "src="] {
        assert!(!html.contains(forbidden), "the page has no `{forbidden}`");
    }
}

// ------------------------------------------------------------------------------------------
// The pages

#[test]
fn one_factor_page_draws_lines_with_bands_and_reads_the_factor() {
    let files = one_files();
    let (_home, dir) = folder(&files);
    let html = report(&dir, &[]);
    assert_self_contained(&html);
    assert!(html.contains("<h1>Sweep of vostok-2018</h1>"));
    assert_eq!(html.matches("<svg").count(), 1, "one chart: {html}");

    // The design.
    let design = section(&html, "design");
    for text in [
        "<code>grid:7</code>",
        "<tr><th>runs per point</th><td class=\"num\">500</td></tr>",
        "<tr><th>seed</th><td class=\"num\">11</td></tr>",
        "<td><code>pair.CHN-RUS.mistrust</code></td><td>0.2 to 0.8</td><td class=\"num\">7</td>",
    ] {
        assert!(
            design.contains(text),
            "the design shows `{text}`:\n{design}"
        );
    }

    // The chosen pairs: those whose P(alliance) varies, most first; USA-CHN never does.
    let reading = section(&html, "reading");
    assert!(
        reading.contains("Pairs shown: CHN-RUS, USA-RUS (those whose P(alliance) varies most"),
        "{reading}"
    );
    assert!(reading.contains(
        "<code>pair.CHN-RUS.mistrust</code> from 0.2 to 0.8 takes P(CHN–RUS alliance) from 0.99 to 0.00 and P(CHN–RUS rivalry) from 0.00 to 0.45. P(alliance) crosses one half between 0.4 and 0.5."
    ), "{reading}");
    assert!(reading.contains("takes P(USA–RUS alliance) from 0.00 to 0.08"));
    assert!(
        !reading.contains("USA-CHN") && !section(&html, "lines").contains("USA-CHN"),
        "a pair that does not vary is not drawn"
    );

    // The chart: a row per pair, probabilities and alignment with its band, x = the factor.
    let lines = section(&html, "lines");
    let svg = svgs(lines)[0];
    assert_texts(
        "line chart",
        svg,
        &[
            "CHN-RUS: probabilities",
            "CHN-RUS: alignment at the horizon",
            "USA-RUS: probabilities",
            "pair.CHN-RUS.mistrust",
            "0.2",
            "0.8",
            "P(alliance)",
            "P(rivalry)",
            "5–95 % of runs",
        ],
    );
    assert!(svg.contains("<polygon"), "the 5–95 % band");
    assert!(
        svg.matches("<circle").count() >= 4 * 7,
        "a point per value and line"
    );
    assert!(
        svg.contains("<polyline"),
        "lines join the points of a numeric factor"
    );
    assert!(lines.contains("How to read these charts"));
    // The numbers behind it.
    for text in [
        "<tr><td class=\"num\">0.5</td><td>CHN-RUS</td><td class=\"num\">0.452</td><td class=\"num\">0.800</td><td class=\"num\">0.050</td><td class=\"num\">0.451</td><td class=\"num\">0.100</td><td class=\"num\">0.500</td><td class=\"num\">0.720</td></tr>",
        "<tr><td class=\"num\">0.8</td><td>USA-RUS</td><td class=\"num\">0.080</td>",
    ] {
        assert!(lines.contains(text), "the table shows `{text}`");
    }
    // The manifest's keys.
    let manifest = section(&html, "manifest");
    for text in [
        "9.9.9-test",
        "<code>pairs</code>",
        "CHN-RUS, USA-CHN, USA-RUS",
    ] {
        assert!(manifest.contains(text), "the manifest table shows `{text}`");
    }
}

#[test]
fn two_factor_grid_page_draws_heat_maps_with_values_and_a_scale() {
    let (_home, dir) = folder(&grid_files());
    let html = report(&dir, &[]);
    assert_self_contained(&html);
    assert_eq!(html.matches("<svg").count(), 2, "a heat map per output");
    let design = section(&html, "design");
    assert!(design.contains("<td><code>d0</code></td><td>2000, 3000</td><td class=\"num\">2</td>"));

    let alliance = section(&html, "heat-alliance");
    let labels = assert_texts(
        "P(alliance) heat map",
        svgs(alliance)[0],
        &[
            "CHN-RUS",
            "USA-JPN",
            "0.99",
            "0.97",
            "0.41",
            "0.05",
            "0.70",
            "P(alliance):",
            "0",
            "1",
            "undefined",
            "pair.CHN-RUS.mistrust",
            "d0",
            "2000",
            "3000",
            "0.5",
        ],
    );
    assert!(
        !labels.iter().any(|t| t == "USA-CHN"),
        "USA-CHN does not vary"
    );
    assert_eq!(
        labels
            .iter()
            .filter(|t| t.len() == 4 && t.starts_with("0."))
            .count(),
        12 + 2,
        "a value in each of the 2 × 6 cells, and 0.25 and 0.75 on the scale: {labels:?}"
    );
    assert!(svgs(alliance)[0].contains("<rect"));
    let rivalry = section(&html, "heat-rivalry");
    assert_texts(
        "P(rivalry) heat map",
        svgs(rivalry)[0],
        &["0.45", "0.30", "P(rivalry):"],
    );

    let reading = section(&html, "reading");
    assert!(reading.contains(
        "P(CHN–RUS alliance) ranges from 0.00 (<code>pair.CHN-RUS.mistrust</code> = 0.8, <code>d0</code> = 3000) to 0.99 (<code>pair.CHN-RUS.mistrust</code> = 0.2, <code>d0</code> = 2000)."
    ), "{reading}");
    assert!(
        reading
            .contains("<code>d0</code> by 0.09: <code>pair.CHN-RUS.mistrust</code> matters more.")
    );
    assert!(
        reading.contains("<code>d0</code> by 0.20: <code>d0</code> matters more."),
        "USA-JPN"
    );
    let numbers = section(&html, "grid-numbers");
    assert!(numbers.contains("How to read the heat maps"));
    assert!(numbers.contains(
        "<tr><td class=\"num\">0.5</td><td class=\"num\">3000</td><td class=\"num\">0.410</td><td class=\"num\">0.100</td><td class=\"num\">0.700</td><td class=\"num\">0.000</td></tr>"
    ), "{numbers}");
}

#[test]
fn morris_page_draws_indices_by_importance_with_intervals_and_lists_the_rest() {
    let files = morris_files();
    let (_home, dir) = folder(&files);
    let html = report(&dir, &[]);
    assert_self_contained(&html);
    let indices = section(&html, "indices");
    let charts = svgs(indices);
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "P(alliance), P(rivalry), mean alignment"
    );
    assert_eq!(charts.len(), 3);
    // P(alliance) first; both pairs; factors sorted by mu_star, values at the bars' ends.
    let labels = assert_texts(
        "P(alliance) indices",
        charts[0],
        &[
            "CHN-RUS: P(alliance)",
            "USA-JPN: P(alliance)",
            "0.83",
            "0.41",
            "0.12",
            "μ* (mean absolute effect)",
            "95 % interval (bootstrap)",
            "change in the output as a factor moves across its whole range (elementary effect)",
        ],
    );
    let order: Vec<&String> = labels
        .iter()
        .filter(|t| MORRIS_FACTORS.contains(&t.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            "pair.CHN-RUS.mistrust",
            "d0",
            "state.USA.aggression",
            "state.USA.aggression",
            "pair.CHN-RUS.mistrust",
            "d0"
        ],
        "by mu_star, per pair"
    );
    assert!(
        charts[0].matches("<rect").count() >= 12,
        "μ* and σ of 3 factors × 2 pairs"
    );
    // P(rivalry): only CHN-RUS has indices; USA-JPN does not vary and is listed, not drawn.
    let labels = assert_texts("P(rivalry) indices", charts[1], &["CHN-RUS: P(rivalry)"]);
    assert!(
        !labels.iter().any(|t| t.starts_with("USA-JPN")),
        "{labels:?}"
    );
    assert_texts(
        "alignment indices",
        charts[2],
        &["CHN-RUS: mean alignment", "1.20"],
    );
    assert!(indices.contains("<li>P(USA–JPN rivalry): does not vary over the design</li>"));
    assert!(indices.contains("<li>the mean USA–JPN alignment: does not vary over the design</li>"));

    let reading = section(&html, "reading");
    assert!(reading.contains(
        "For P(CHN–RUS alliance), <code>pair.CHN-RUS.mistrust</code> has the largest effect (μ* = 0.83, interval 0.70 to 0.95; raising it lowers the output); then <code>d0</code> (μ* = 0.41), <code>state.USA.aggression</code> (μ* = 0.06)."
    ), "{reading}");
    assert!(reading.contains(
        "For P(USA–JPN alliance), <code>state.USA.aggression</code> has the largest effect"
    ));
    assert!(indices.contains("How to read these charts"));
    // The numbers: every index, and the intervals the file gives (of mu_star only).
    assert!(indices.contains(
        "<tr><th>pair</th><th>factor</th><th>mu</th><th>mu_star</th><th>interval</th><th>sigma</th></tr>"
    ));
    assert!(indices.contains(
        "<tr><td>CHN-RUS</td><td><code>d0</code></td><td class=\"num\">0.150</td><td class=\"num\">0.410</td><td class=\"num\">0.200 … 0.600</td><td class=\"num\">0.350</td></tr>"
    ), "{indices}");
}

#[test]
fn sobol_page_lists_an_output_that_does_not_vary_and_draws_the_others() {
    let (_home, dir) = folder(&sobol_files());
    let html = report(&dir, &[]);
    assert_self_contained(&html);
    let indices = section(&html, "indices");
    assert!(indices.contains("<h2>Sobol sensitivity indices</h2>"));
    let charts = svgs(indices);
    assert_eq!(
        charts.len(),
        2,
        "P(alliance) and mean alignment; P(rivalry) does not vary"
    );
    assert_texts(
        "Sobol P(alliance)",
        charts[0],
        &[
            "CHN-RUS: P(alliance)",
            "S1 (first order)",
            "ST (total)",
            "0.62",
            "0.75",
            "0.30",
        ],
    );
    let labels = assert_texts("Sobol alignment", charts[1], &["−0.02", "0.88"]);
    assert!(!labels.iter().any(|t| t.contains("P(rivalry)")));
    assert!(indices.contains("<li>P(CHN–RUS rivalry): does not vary over the design</li>"));
    assert!(section(&html, "reading").contains(
        "<code>pair.CHN-RUS.mistrust</code> accounts for about 62 % of the variance of P(CHN–RUS alliance) on its own (S1 = 0.62) and 75 % with its interactions (ST = 0.75, interval 0.60 to 0.90); then <code>d0</code> (ST = 0.30)."
    ));
    assert!(
        indices.contains("<td class=\"num\">\u{2212}0.050 … 0.250</td>"),
        "S1 of d0's interval"
    );
    assert!(!charts[0].contains("<polygon"), "no interval is cut");

    // An interval far wider than the scale is cut at the chart's edge (an arrowhead), and the
    // reading says the indices are too uncertain to read.
    let wide = sobol_sensitivity().replacen(
        "ST,0.750000,0.600000,0.900000",
        "ST,1.210000,-30.160000,32.580000",
        1,
    );
    std::fs::write(dir.join("sensitivity.csv"), wide).unwrap();
    let html = report(&dir, &[]);
    let chart = svgs(section(&html, "indices"))[0];
    assert_eq!(
        chart.matches("<polygon").count(),
        2,
        "an arrowhead at each end"
    );
    let labels = texts(chart);
    assert!(
        !labels
            .iter()
            .any(|t| t == "30" || t == "20" || t == "\u{2212}20"),
        "the axis stays near the estimates: {labels:?}"
    );
    assert!(section(&html, "reading").contains(
        "The Sobol indices of P(CHN–RUS alliance) are too uncertain to read: <code>pair.CHN-RUS.mistrust</code> has the largest, ST = 1.21, interval \u{2212}30.16 to 32.58, on a scale from 0 to 1."
    ));
}

#[test]
fn other_designs_get_a_range_table_and_a_scatter_per_factor() {
    let (_home, dir) = folder(&oat_files());
    let html = report(&dir, &[]);
    assert_self_contained(&html);
    let scatter = section(&html, "scatter");
    assert_eq!(svgs(&html).len(), 1);
    let svg = svgs(scatter)[0];
    assert_texts(
        "scatter",
        svg,
        &[
            "pair.CHN-RUS.mistrust",
            "theory",
            "walt",
            "waltz",
            "CHN-RUS",
        ],
    );
    assert_eq!(
        svg.matches("<circle").count(),
        2 * 4 + 1,
        "each point in each panel, and the legend"
    );
    assert!(scatter.contains(
        "<tr><td><code>theory</code></td><td>walt, waltz</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">2</td></tr>"
    ));
    assert!(scatter.contains(
        "<tr><td><code>pair.CHN-RUS.mistrust</code></td><td>0.2 to 0.8</td><td class=\"num\">0.2</td><td class=\"num\">0.8</td><td class=\"num\">3</td></tr>"
    ));
    assert!(section(&html, "reading").contains(
        "Over the 4 points, P(CHN–RUS alliance) ranges from 0.00 to 0.99; it moves most with <code>pair.CHN-RUS.mistrust</code> (correlation \u{2212}"
    ));
    assert!(scatter.contains("<td class=\"num\">3</td><td class=\"num\">0.5</td><td class=\"num\">waltz</td><td class=\"num\">0.150</td>"));
}

#[test]
fn pairs_option_chooses_the_pairs_and_the_bytes_depend_only_on_the_files() {
    let files = one_files();
    let (home, dir) = folder(&files);
    let html = report(&dir, &["--pairs", "RUS-USA,USA-CHN"]);
    let reading = section(&html, "reading");
    assert!(
        reading.contains("Pairs shown: USA-RUS, USA-CHN (chosen with --pairs)"),
        "{reading}"
    );
    assert!(
        reading.contains(
            "<li><code>pair.CHN-RUS.mistrust</code> from 0.2 to 0.8 takes P(USA–CHN alliance) from 0.00 to 0.00.</li>"
        ),
        "a P(rivalry) that does not move is not read out: {reading}"
    );
    assert!(reading.contains("Of the 3 pairs recorded, 2 have a P(alliance) that varies"));
    let lines = section(&html, "lines");
    assert!(lines.contains("USA-CHN: probabilities") && !lines.contains("CHN-RUS:"));

    let first = report(&dir, &[]);
    let o = entente(&["report", &dir.display().to_string(), "--out", "-"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        first,
        "stdout gives the same page"
    );
    let copy = home.path().join("elsewhere").join("copy");
    write_files(&copy, &files);
    assert_eq!(
        report(&copy, &[]),
        first,
        "a copy elsewhere gives the same bytes"
    );

    fails(
        "unknown pair",
        &["report", &dir.display().to_string(), "--pairs", "CHN-JPN"],
        "--pairs CHN-JPN: no such pair in sweep.csv",
    );
}

/// Each malformed folder: (what, file to change, its new text, text expected on stderr).
#[test]
fn malformed_sweep_files_exit_2_naming_file_line_and_column() {
    let one = one_sweep();
    let morris = morris_sensitivity();
    let cases: Vec<(&str, &str, String, &str, bool)> = vec![
        (
            "probability out of range",
            "sweep.csv",
            one.replacen("0,CHN,RUS,0.994000", "0,CHN,RUS,1.2", 1),
            "sweep.csv:2: p_alliance_end: found `1.2`, expected a probability from 0 to 1, or an empty field when undefined",
            false,
        ),
        (
            "alignment not a number",
            "sweep.csv",
            one.replacen("0.752000", "high", 1),
            "sweep.csv:2: mean_alignment_end: found `high`, expected an alignment from \u{2212}1 to 1",
            false,
        ),
        (
            "unknown point",
            "sweep.csv",
            one.replacen("\n6,CHN,RUS", "\n9,CHN,RUS", 1),
            "sweep.csv:20: point: found `9`, expected a point number of design.csv",
            false,
        ),
        (
            "duplicate row",
            "sweep.csv",
            format!("{one}0,CHN,RUS,0.5,0.5,0.5,0.1,0.0,0.1,0.2\n"),
            "sweep.csv:23: found a second row for point 0, pair CHN-RUS, expected one (the first is line 2)",
            false,
        ),
        (
            "pair not of the manifest",
            "sweep.csv",
            one.replacen("0,CHN,RUS,", "0,CHN,JPN,", 1),
            "sweep.csv:2: b: found `JPN`, expected a pair of the manifest's `pairs`",
            false,
        ),
        (
            "control character in a state id",
            "sweep.csv",
            one.replacen("0,CHN,RUS,", "0,C\u{1b}[2JN,RUS,", 1),
            "sweep.csv:2: a: found `C\\u{1b}[2JN`, expected a state id (no spaces or control characters)",
            false,
        ),
        (
            "short row",
            "sweep.csv",
            one.replacen("0,USA,CHN,0.000000,0.000000,", "0,USA,CHN,", 1),
            "sweep.csv:3: found 8 fields, expected 10 (as in the header)",
            false,
        ),
        (
            "missing column",
            "sweep.csv",
            one.replacen("p_rivalry_end", "p_rival_end", 1),
            "sweep.csv:1: header: found `point,a,b,p_alliance_end,p_alliance_ever,p_rival_end,",
            false,
        ),
        (
            "value out of bounds",
            "design.csv",
            ONE_DESIGN.replacen("6,0.8", "6,0.9", 1),
            "design.csv:8: pair.CHN-RUS.mistrust: found `0.9`, expected a number from 0.2 to 0.8 (the factor's bounds in manifest.json)",
            false,
        ),
        (
            "points not ascending",
            "design.csv",
            ONE_DESIGN.replacen("1,0.3", "0,0.3", 1),
            "design.csv:3: point: found `0`, expected a point number above the previous one (0)",
            false,
        ),
        (
            "design header",
            "design.csv",
            ONE_DESIGN.replacen("pair.CHN-RUS.mistrust", "mistrust", 1),
            "design.csv:1: header: found `point,mistrust`, expected `point,pair.CHN-RUS.mistrust`",
            false,
        ),
        (
            "unknown design",
            "manifest.json",
            ONE_MANIFEST.replacen("grid:7", "factorial:7", 1),
            "manifest.json: design: found \"factorial:7\", expected grid, lhs, sobol, morris or oat",
            false,
        ),
        (
            "no factors",
            "manifest.json",
            ONE_MANIFEST.replacen("\"factors\"", "\"factor\"", 1),
            "manifest.json: factors: found no such key",
            false,
        ),
        (
            "reversed bounds",
            "manifest.json",
            ONE_MANIFEST.replacen(
                "\"low\": 0.2, \"high\": 0.8",
                "\"low\": 0.8, \"high\": 0.2",
                1,
            ),
            "manifest.json: factors[0] (pair.CHN-RUS.mistrust): found low 0.8 above high 0.2",
            false,
        ),
        (
            "points differ",
            "manifest.json",
            ONE_MANIFEST.replacen("\"points\": 7", "\"points\": 8", 1),
            "manifest.json: points: found 8, expected 7 (the rows of design.csv)",
            false,
        ),
        (
            "unknown index",
            "sensitivity.csv",
            morris.replacen("morris,mu_star,0.830000", "morris,mu_starr,0.830000", 1),
            "sensitivity.csv:3: index: found `mu_starr`, expected `mu`, `mu_star` or `sigma` (Morris) (empty only with a note)",
            true,
        ),
        (
            "empty estimate without a note",
            "sensitivity.csv",
            morris.replacen("morris,mu,-0.830000", "morris,mu,", 1),
            "sensitivity.csv:2: estimate: found an empty field, expected a number between \u{2212}1e7 and 1e7, or an empty field with a note saying why",
            true,
        ),
        (
            "estimate not finite",
            "sensitivity.csv",
            morris.replacen("morris,sigma,0.120000", "morris,sigma,inf", 1),
            "sensitivity.csv:4: estimate: found `inf`",
            true,
        ),
        (
            "interval reversed",
            "sensitivity.csv",
            morris.replacen(
                "0.830000,0.700000,0.950000",
                "0.830000,0.700000,0.600000",
                1,
            ),
            "sensitivity.csv:3: ci_high: found `0.600000`, expected a number at least ci_low (0.7)",
            true,
        ),
        (
            "unknown factor",
            "sensitivity.csv",
            morris.replacen("CHN,RUS,d0,morris,mu,", "CHN,RUS,d1,morris,mu,", 1),
            "sensitivity.csv:5: factor: found `d1`, expected a factor of manifest.json and design.csv (empty only with a note)",
            true,
        ),
        (
            "unknown pair",
            "sensitivity.csv",
            morris.replacen("p_alliance_end,CHN,RUS", "p_alliance_end,CHN,JPN", 1),
            "sensitivity.csv:2: a,b: found `CHN,JPN`, expected a pair of sweep.csv (its a and b)",
            true,
        ),
        (
            "unknown output",
            "sensitivity.csv",
            morris.replacen("p_rivalry_end,CHN,RUS", "p_war_end,CHN,RUS", 1),
            "sensitivity.csv:29: output: found `p_war_end`, expected an output of sweep.csv",
            true,
        ),
    ];
    for (what, file, text, message, is_morris) in cases {
        let mut files = if is_morris {
            morris_files()
        } else {
            one_files()
        };
        for f in files.iter_mut() {
            if f.0 == file {
                f.1 = text.clone();
            }
        }
        let (_home, dir) = folder(&files);
        let o = fails(what, &["report", &dir.display().to_string()], message);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&dir.join(file).display().to_string()),
            "{what}: the path of the file: {stderr}"
        );
        assert!(
            !dir.join("report.html").exists(),
            "{what}: no report written"
        );
        assert!(o.stdout.is_empty(), "{what}: nothing on stdout");
    }

    // A missing file.
    let files = one_files();
    let (_home, dir) = folder(&files);
    std::fs::remove_file(dir.join("sweep.csv")).unwrap();
    fails(
        "missing file",
        &["report", &dir.display().to_string()],
        "sweep.csv: cannot read",
    );
    assert!(!dir.join("report.html").exists());
}

// ------------------------------------------------------------------------------------------
// A study's report with --sweep

const TUTORIAL: &str = "scenarios/tutorial/far-strongest-near-weaker.toml";

/// A real small study of the tutorial scenario.
fn tutorial_run(home: &Path) -> PathBuf {
    let run = home.join("run");
    let o = entente(&[
        "run",
        TUTORIAL,
        "--runs",
        "100",
        "--out",
        &run.display().to_string(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "entente run: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    run
}

fn tutorial_morris() -> Vec<(&'static str, String)> {
    let manifest = r#"{
  "kind": "sweep",
  "scenario": "far-strongest-near-weaker",
  "theory": "walt",
  "set": [],
  "design": "morris:2:4",
  "factors": [
    {"path": "state.GIANT.aggression", "low": 0.1, "high": 0.5},
    {"path": "pair.NEAR-SMALL.mistrust", "low": 0, "high": 0.6}
  ],
  "points": 6,
  "runs": 100,
  "seed": 11
}
"#;
    let design = "\
point,state.GIANT.aggression,pair.NEAR-SMALL.mistrust
0,0.1,0
1,0.3666666666666667,0
2,0.3666666666666667,0.4
3,0.5,0.6
4,0.2333333333333333,0.6
5,0.2333333333333333,0.2
";
    let mut rows = Vec::new();
    for p in 0..6u32 {
        let pa = [
            "0.100000", "0.400000", "0.420000", "0.500000", "0.200000", "0.190000",
        ][p as usize];
        rows.push((
            p,
            "GIANT-NEAR",
            [
                pa, "0.500000", "0.000000", "0.100000", "0.000000", "0.100000", "0.300000",
            ],
        ));
        rows.push((
            p,
            "GIANT-SMALL",
            [
                "0.000000",
                "0.000000",
                "0.000000",
                "0.020000",
                "-0.040000",
                "0.010000",
                "0.100000",
            ],
        ));
        let pr = [
            "0.200000", "0.200000", "0.800000", "1.000000", "1.000000", "0.500000",
        ][p as usize];
        rows.push((
            p,
            "NEAR-SMALL",
            [
                "0.000000",
                "0.000000",
                pr,
                "-0.800000",
                "-1.000000",
                "-0.900000",
                "-0.200000",
            ],
        ));
    }
    let mut sensitivity = SENSITIVITY_HEADER.to_string();
    sensitivity += &morris_rows(&[
        (
            "p_alliance_end",
            "GIANT-NEAR",
            "state.GIANT.aggression",
            0.2,
            0.2,
            0.1,
            0.3,
            0.05,
        ),
        (
            "p_alliance_end",
            "GIANT-NEAR",
            "pair.NEAR-SMALL.mistrust",
            0.03,
            0.05,
            0.0,
            0.1,
            0.04,
        ),
    ]);
    let both = ["state.GIANT.aggression", "pair.NEAR-SMALL.mistrust"];
    sensitivity += &noted(
        "p_alliance_end",
        "GIANT-SMALL",
        &both,
        "morris",
        &MORRIS_INDICES,
    );
    sensitivity += &noted(
        "p_alliance_end",
        "NEAR-SMALL",
        &both,
        "morris",
        &MORRIS_INDICES,
    );
    sensitivity += &morris_rows(&[
        (
            "p_rivalry_end",
            "NEAR-SMALL",
            "pair.NEAR-SMALL.mistrust",
            0.7,
            0.7,
            0.5,
            0.9,
            0.2,
        ),
        (
            "p_rivalry_end",
            "NEAR-SMALL",
            "state.GIANT.aggression",
            0.1,
            0.1,
            0.0,
            0.2,
            0.1,
        ),
    ]);
    vec![
        ("manifest.json", manifest.to_string()),
        ("design.csv", design.to_string()),
        ("sweep.csv", sweep_csv(&rows)),
        ("sensitivity.csv", sensitivity),
    ]
}

#[test]
fn study_report_gains_what_drives_this_result_from_a_sweep_of_its_scenario() {
    let home = tempfile::tempdir().unwrap();
    let run = tutorial_run(home.path());
    let run_s = run.display().to_string();
    let plain = report(&run, &[]);
    assert!(
        !plain.contains("What drives this result"),
        "only with --sweep"
    );

    // A Morris sweep: index charts of the report's pairs and the factor that matters most.
    let sweep = home.path().join("morris");
    write_files(&sweep, &tutorial_morris());
    let sweep_s = sweep.display().to_string();
    let html = report(&run, &["--sweep", &sweep_s]);
    assert_self_contained(&html);
    let drivers = section(&html, "drivers");
    assert!(drivers.contains("<h2>What drives this result</h2>"));
    assert!(drivers.contains(
        "Of the 2 factors, <code>state.GIANT.aggression</code> has the largest index: μ* = 0.20 for P(GIANT–NEAR alliance)."
    ), "{drivers}");
    assert!(drivers.contains("design <code>morris:2:4</code>, 6 points × 100 runs"));
    let charts = svgs(drivers);
    assert_eq!(
        charts.len(),
        3,
        "P(alliance) and P(rivalry) indices, the distribution"
    );
    // The distribution of the answer over the points, in words and as a histogram.
    assert!(
        drivers.contains("<h3>The answer across the sweep</h3>\n<p>Over the sweep's 6 points"),
        "{drivers}"
    );
    let d = assert_texts(
        "drivers' distribution",
        charts[2],
        &[
            "0.0",
            "0.5",
            "1.0",
            "P(alliance) at the horizon (share of points per bar)",
        ],
    );
    assert!(d.iter().any(|t| t.starts_with("median ")), "{d:?}");
    assert_texts(
        "drivers' P(alliance)",
        charts[0],
        &["GIANT-NEAR: P(alliance)", "0.20"],
    );
    assert_texts(
        "drivers' P(rivalry)",
        charts[1],
        &["NEAR-SMALL: P(rivalry)", "0.70"],
    );
    assert!(drivers.contains("<li>P(GIANT–SMALL alliance): does not vary over the design</li>"));
    // Placed after the P(alliance) chart, before the camps, and in the navigation.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(at("<section id=\"alliance\">") < at("<section id=\"drivers\">"));
    assert!(at("<section id=\"drivers\">") < at("<section id=\"camps\">"));
    assert!(html.contains("<li><a href=\"#drivers\">What drives this result</a></li>"));
    // The rest of the report is the report without --sweep.
    assert_eq!(
        html.matches("<svg").count(),
        plain.matches("<svg").count() + 3
    );
    let removed = html
        .replacen(
            &html[at("<section id=\"drivers\">")..at("<section id=\"camps\">")],
            "",
            1,
        )
        .replacen(
            "<li><a href=\"#drivers\">What drives this result</a></li>",
            "",
            1,
        );
    assert_eq!(removed, plain);

    // A one-factor sweep: line charts and the factor's reach.
    let one = home.path().join("one");
    let manifest = ONE_MANIFEST
        .replace("vostok-2018", "far-strongest-near-weaker")
        .replace("pair.CHN-RUS.mistrust", "pair.NEAR-SMALL.mistrust")
        .replace(
            r#"["CHN-RUS", "USA-CHN", "USA-RUS"]"#,
            r#"["NEAR-SMALL", "GIANT-NEAR", "GIANT-SMALL"]"#,
        );
    let design = ONE_DESIGN.replace("pair.CHN-RUS.mistrust", "pair.NEAR-SMALL.mistrust");
    let rows = one_sweep()
        .replace("CHN,RUS", "NEAR,SMALL")
        .replace("USA,CHN", "GIANT,NEAR")
        .replace("USA,RUS", "GIANT,SMALL");
    write_files(
        &one,
        &[
            ("manifest.json", &manifest),
            ("design.csv", &design),
            ("sweep.csv", &rows),
        ],
    );
    let html = report(
        &run,
        &[
            "--sweep",
            &one.display().to_string(),
            "--pairs",
            "NEAR-SMALL",
        ],
    );
    let drivers = section(&html, "drivers");
    assert!(drivers.contains(
        "The sweep varies one factor, <code>pair.NEAR-SMALL.mistrust</code>: over its range it moves P(NEAR–SMALL alliance) by up to 0.99."
    ), "{drivers}");
    assert_eq!(svgs(drivers).len(), 2, "lines and the distribution");
    assert_texts(
        "drivers' lines",
        svgs(drivers)[0],
        &["NEAR-SMALL: probabilities"],
    );
    assert!(
        !drivers.contains("GIANT-SMALL: probabilities"),
        "only the report's pairs"
    );

    // A sweep of another scenario, a sweep under another theory, a folder that is no sweep.
    let other = home.path().join("other");
    write_files(&other, &morris_files());
    let other_s = other.display().to_string();
    let o = fails(
        "another scenario",
        &["report", &run_s, "--sweep", &other_s],
        &format!(
            "--sweep {other_s}: the sweep is of scenario `vostok-2018` (its manifest.json), the study of `far-strongest-near-weaker`"
        ),
    );
    assert!(o.stdout.is_empty());
    let waltz = home.path().join("waltz");
    let mut files = tutorial_morris();
    files[0].1 = files[0].1.replace("\"walt\"", "\"waltz\"");
    write_files(&waltz, &files);
    let html = report(&run, &["--sweep", &waltz.display().to_string()]);
    assert!(section(&html, "drivers").contains(
        "The sweep ran under theory waltz, this study under walt: the sweep describes a neighbouring model"
    ));
    fails(
        "no sweep",
        &["report", &run_s, "--sweep", &run_s],
        "not a folder written by `entente sweep`",
    );
    fails(
        "--sweep on a sweep",
        &["report", &sweep_s, "--sweep", &sweep_s],
        "--sweep: applies to the results of `entente run`",
    );
    // A malformed sweep stops the report and writes nothing.
    std::fs::remove_file(run.join("report.html")).unwrap();
    std::fs::write(sweep.join("design.csv"), "point,x\n0,1\n").unwrap();
    fails(
        "malformed sweep",
        &["report", &run_s, "--sweep", &sweep_s],
        "design.csv:1: header: found `point,x`",
    );
    assert!(!run.join("report.html").exists());
}

// ------------------------------------------------------------------------------------------
// In a browser

/// The pages render in a real browser: a screenshot well above a blank page's size, and a DOM
/// with every chart. Skipped, with a message, where Chromium is not installed (fails in CI).
#[test]
fn sweep_pages_render_in_headless_chromium() {
    if !chromium_available("sweep_pages_render_in_headless_chromium") {
        return;
    }
    for (name, files) in [
        ("one", one_files()),
        ("morris", morris_files()),
        ("grid", grid_files()),
    ] {
        let (home, dir) = folder(&files);
        let html = report(&dir, &[]);
        let (_, dom) =
            screenshot_and_dom(name, home.path(), &dir.join("report.html"), (1200, 2400));
        let charts = html.matches("<svg").count();
        assert!(charts >= 1);
        assert_eq!(
            dom.matches("<svg").count(),
            charts,
            "{name}: the browser parsed every chart"
        );
        assert!(dom.contains("<text") && dom.contains("<rect"));
        assert!(dom.contains("How to read"), "{name}");
    }
}
