//! The page of a landscape folder (`entente landscape`): the local minima with their camps
//! and basins, and each actor's frustration in them, as one self-contained HTML page.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::charts::{CampRow, ChartError, PALETTE, camps_chart, e, svg, text_style};
use super::csvread::{FileError, json_object, read_table};
use super::html::esc;
use super::report::{manifest_section, page_start};

/// Why a landscape folder cannot be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LandscapeError {
    /// A file is missing or unreadable, or a line or field of a CSV file is malformed.
    #[error(transparent)]
    File(#[from] FileError),
    /// `manifest.json` is not what `entente landscape` writes.
    #[error("{path}: {message}")]
    Manifest {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// One row of `minima.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct MinimumRow {
    /// Rank, from 1.
    pub rank: u64,
    /// Energy.
    pub energy: f64,
    /// Basin share, when computed.
    pub basin: Option<f64>,
    /// Camp A's actor ids.
    pub camp_a: Vec<String>,
    /// Camp B's actor ids.
    pub camp_b: Vec<String>,
}

/// A landscape folder, read and checked.
#[derive(Debug, Clone)]
pub struct Folder {
    /// `manifest.json`.
    pub manifest: serde_json::Map<String, serde_json::Value>,
    /// The actors, in input order (from the manifest).
    pub actors: Vec<String>,
    /// `minima.csv`.
    pub minima: Vec<MinimumRow>,
    /// `frustration.csv`: (rank, actor, frustration).
    pub frustration: Vec<(u64, String, f64)>,
}

impl Folder {
    /// Read `dir`'s manifest, `minima.csv` and `frustration.csv`, every field checked.
    pub fn read(dir: &Path) -> Result<Self, LandscapeError> {
        let path = dir.join("manifest.json");
        let shown = path.display().to_string();
        let bad = |message: String| LandscapeError::Manifest {
            path: shown.clone(),
            message,
        };
        let manifest = json_object(&path, bad, "the manifest of `entente landscape`")?;
        let actors: Vec<String> = manifest
            .get("actors")
            .and_then(|v| v.as_array())
            .and_then(|a| {
                a.iter()
                    .map(|x| x.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
            })
            .filter(|a| a.len() >= 2)
            .ok_or_else(|| LandscapeError::Manifest {
                path: shown.clone(),
                message: "`actors`: expected a list of at least two actor ids".into(),
            })?;
        let known = |s: &str| actors.iter().any(|a| a == s);
        let ids = |text: &str| -> Option<Vec<String>> {
            let v: Vec<String> = text.split_whitespace().map(str::to_string).collect();
            v.iter().all(|x| known(x)).then_some(v)
        };
        let minima = read_table(
            dir,
            "minima.csv",
            &["rank", "energy", "basin", "camp_a", "camp_b"],
            |r| {
                let camp_a = r.get(
                    "camp_a",
                    "actor ids of the manifest, separated by spaces",
                    ids,
                )?;
                let camp_b = r.get(
                    "camp_b",
                    "actor ids of the manifest, separated by spaces",
                    ids,
                )?;
                if camp_a.len() + camp_b.len() != actors.len() {
                    return Err(r.line_error(format!(
                        "camp_a and camp_b hold {} actors, expected the {} of the manifest",
                        camp_a.len() + camp_b.len(),
                        actors.len()
                    )));
                }
                Ok(MinimumRow {
                    rank: r.get("rank", "a whole number from 1", |s| {
                        s.parse::<u64>().ok().filter(|&k| k >= 1)
                    })?,
                    energy: r.get("energy", "a finite number", |s| {
                        s.parse::<f64>().ok().filter(|x| x.is_finite())
                    })?,
                    basin: r.get("basin", "a share from 0 to 1, or empty", |s| {
                        if s.is_empty() {
                            Some(None)
                        } else {
                            s.parse::<f64>()
                                .ok()
                                .filter(|x| (0.0..=1.0).contains(x))
                                .map(Some)
                        }
                    })?,
                    camp_a,
                    camp_b,
                })
            },
        )?;
        let frustration = read_table(
            dir,
            "frustration.csv",
            &["rank", "actor", "frustration"],
            |r| {
                Ok((
                    r.get("rank", "a whole number from 1", |s| {
                        s.parse::<u64>().ok().filter(|&k| k >= 1)
                    })?,
                    r.get("actor", "an actor id of the manifest", |s| {
                        known(s).then(|| s.to_string())
                    })?,
                    r.get("frustration", "a finite number", |s| {
                        s.parse::<f64>().ok().filter(|x| x.is_finite())
                    })?,
                ))
            },
        )?;
        Ok(Self {
            manifest,
            actors,
            minima,
            frustration,
        })
    }
}

/// The most minima drawn.
const DRAWN: usize = 12;

/// The page of a landscape folder.
pub fn html(f: &Folder) -> Result<String, LandscapeError> {
    let mut o = String::new();
    let name = f
        .manifest
        .get("title")
        .and_then(|v| v.as_str())
        .unwrap_or("landscape");
    page_start(
        &mut o,
        &format!("Landscape: {}", esc(name)),
        "caption { text-align: left; font-weight: 600; }\n#manifest td:last-child { word-break: break-word; }\n",
    );
    let s = |k: &str| {
        f.manifest
            .get(k)
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    let _ = writeln!(
        o,
        "<p class=\"meta\">Written by <code>entente landscape</code> · {} actors · {} search · {} local minima found · basins: {} · entente {}</p>",
        f.actors.len(),
        esc(&s("mode")),
        esc(&s("minima_found")),
        esc(&s("basins")),
        esc(&s("entente_version"))
    );
    let _ = writeln!(
        o,
        "<p>Landscape theory (Axelrod &amp; Bennett 1993) splits the actors into two camps. The <b>energy</b> of a configuration adds, over every ordered pair of actors in different camps, size × size × propensity: pairs that like each other (positive propensity) raise it when apart, pairs that dislike each other lower it. A <b>local minimum</b> is a configuration that no single actor can leave, by switching camps, while lowering the energy: a stable alignment. Its <b>basin</b> is the share of all configurations whose steepest descent (each step the switch that lowers the energy most) ends in it. An actor's <b>frustration</b> adds size × propensity over the actors in the other camp: negative is comfortable (enemies across), positive frustrated (friends across).</p>\n</header>"
    );
    let _ = writeln!(
        o,
        "<nav><ol><li><a href=\"#minima\">Local minima</a></li><li><a href=\"#frustration\">Frustration</a></li><li><a href=\"#manifest\">What produced this folder</a></li></ol></nav>"
    );
    // Minima.
    let _ = writeln!(
        o,
        "<section id=\"minima\">\n<h2>Local minima</h2>\n<p>Lowest energy first. A = the camp of {}, the first actor; B = the other camp.{}</p>",
        esc(&f.actors[0]),
        match s("basins").as_str() {
            "exact" => " Bars: the share of all configurations in the basin (exact).",
            "estimated" =>
                " Bars: the share of the random starts whose descent ended in the minimum (an estimate of the basin).",
            _ => " Basins were not computed.",
        }
    );
    let drawn: Vec<&MinimumRow> = f.minima.iter().take(DRAWN).collect();
    o.push_str(&minima_chart(&f.actors, &drawn)?);
    let _ = writeln!(
        o,
        "\n<table><caption>The minima{}</caption><tr><th>rank</th><th>energy</th><th>basin</th><th>camp A</th><th>camp B</th></tr>",
        if f.minima.len() > 50 {
            " (the lowest 50)"
        } else {
            ""
        }
    );
    for m in f.minima.iter().take(50) {
        let _ = writeln!(
            o,
            "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            m.rank,
            esc(&format!("{:.6}", m.energy)),
            m.basin
                .map_or("–".into(), |b| format!("{:.2} %", 100.0 * b)),
            esc(&m.camp_a.join(" ")),
            esc(&m.camp_b.join(" "))
        );
    }
    let _ = writeln!(o, "</table>\n</section>");
    // Frustration.
    let _ = writeln!(
        o,
        "<section id=\"frustration\">\n<h2>Frustration</h2>\n<p>Each actor's frustration F<sub>i</sub> in the lowest minima: Σ over the actors j in the other camp of s<sub>j</sub> · p<sub>ij</sub>. Bars to the left (negative) are actors at ease with their camp; bars to the right would rather be elsewhere, but no single switch of theirs lowers the energy.</p>"
    );
    for m in f.minima.iter().take(3) {
        let values: Vec<(String, f64)> = f
            .frustration
            .iter()
            .filter(|(r, _, _)| *r == m.rank)
            .map(|(_, a, x)| (a.clone(), *x))
            .collect();
        let _ = writeln!(o, "<h3>Minimum #{}</h3>", m.rank);
        o.push_str(&frustration_chart(m.rank, &values)?);
    }
    let _ = writeln!(o, "</section>");
    manifest_section(&mut o, &f.manifest);
    Ok(o)
}

/// The minima as rows of actors coloured by camp, with a bar for the basin.
fn minima_chart(ids: &[String], rows: &[&MinimumRow]) -> Result<String, ChartError> {
    let rows: Vec<CampRow> = rows
        .iter()
        .map(|row| CampRow {
            label: format!("#{}", row.rank),
            share: row.basin,
            side: ids.iter().map(|id| row.camp_b.contains(id)).collect(),
        })
        .collect();
    let title = "Local minima of the landscape: each actor's camp and the basin";
    let first = ids.first().map_or("", String::as_str);
    let key = rows.iter().any(|r| r.share.is_some()).then(|| {
        format!("A = the camp of {first}, B = the other camp; bars: the basin, the share of configurations (or of random starts) whose descent ends there")
    });
    camps_chart(("minima", title), ids, &rows, key.as_deref())
}

/// Frustration of each actor as bars either side of zero.
fn frustration_chart(rank: u64, values: &[(String, f64)]) -> Result<String, ChartError> {
    let (label_w, top, row_h, half) = (90, 10, 22, 260);
    let width = label_w + 2 * half + 110;
    let height = top + row_h * values.len() as i32 + 16;
    let max = values
        .iter()
        .fold(0.0f64, |m, (_, x)| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    let zero = label_w + half;
    svg(
        "frustration",
        &format!("Frustration of each actor in minimum #{rank}"),
        (width as u32, height as u32),
        |root| {
            for (r, (id, x)) in values.iter().enumerate() {
                let y = top + row_h * r as i32;
                root.draw(&Text::new(
                    id.clone(),
                    (label_w - 8, y + row_h / 2),
                    text_style(12.0, HPos::Right, VPos::Center),
                ))
                .map_err(e)?;
                let w = ((x / max) * half as f64).round() as i32;
                let (a, b) = if w < 0 {
                    (zero + w, zero)
                } else {
                    (zero, zero + w)
                };
                root.draw(&Rectangle::new(
                    [(a, y + 4), (b.max(a + 1), y + row_h - 4)],
                    if *x < 0.0 { PALETTE[0] } else { PALETTE[5] }.filled(),
                ))
                .map_err(e)?;
                root.draw(&Text::new(
                    format!("{x:.4}"),
                    (label_w + 2 * half + 8, y + row_h / 2),
                    text_style(11.0, HPos::Left, VPos::Center),
                ))
                .map_err(e)?;
            }
            root.draw(&PathElement::new(
                vec![(zero, top), (zero, top + row_h * values.len() as i32)],
                BLACK.stroke_width(1),
            ))
            .map_err(e)?;
            Ok(())
        },
    )
}
