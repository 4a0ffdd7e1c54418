//! The files of a landscape folder: `minima.csv`, `frustration.csv` and `manifest.json`,
//! written through an [`OutputDir`] (temporary names, renamed at the end, manifest last).

use std::io::{self, Write};

use super::Landscape;
use super::search::{Basins, Found};
use crate::output::{OutputDir, OutputError, csv_writer, io_err};

/// The files a landscape folder holds, `manifest.json` last.
pub const FILES: [&str; 3] = ["minima.csv", "frustration.csv", "manifest.json"];

/// One local minimum as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct MinimumRow {
    /// 1 for the lowest energy.
    pub rank: usize,
    /// `E(X)` by the direct double sum.
    pub energy: f64,
    /// The share of configurations (exact) or of random starts (approximate) whose steepest
    /// descent ends here; `None` when not computed.
    pub basin: Option<f64>,
    /// `side[i]`: actor `i` in camp B (actor 0 is in camp A).
    pub side: Vec<bool>,
    /// `F_i(X)` of every actor.
    pub frustration: Vec<f64>,
}

impl MinimumRow {
    /// The ids of camp A (`false`) or B (`true`), separated by spaces.
    pub fn camp(&self, l: &Landscape, b: bool) -> String {
        self.side
            .iter()
            .zip(&l.actors)
            .filter(|(s, _)| **s == b)
            .map(|(_, a)| a.id.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The reported rows of a search: energies and frustrations by the direct sums, basins as
/// shares (counts divided only here).
pub fn rows(l: &Landscape, found: &Found) -> Vec<MinimumRow> {
    let n = l.n();
    found
        .minima
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let side = m.side(n);
            MinimumRow {
                rank: k + 1,
                energy: l.energy(&side),
                basin: match found.basins {
                    Basins::None => None,
                    Basins::Exact { configurations } => {
                        Some(m.count as f64 / configurations as f64)
                    }
                    Basins::Starts { starts } => Some(m.count as f64 / starts.max(1) as f64),
                },
                frustration: l.frustrations(&side),
                side,
            }
        })
        .collect()
}

/// A number as written: the shortest text that reads back as the same `f64` (`-0` as `0`).
pub fn number(x: f64) -> String {
    if x == 0.0 { "0".into() } else { format!("{x}") }
}

/// `minima.csv`: `rank,energy,basin,camp_a,camp_b`.
pub fn minima_csv(l: &Landscape, rows: &[MinimumRow], w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(["rank", "energy", "basin", "camp_a", "camp_b"])
        .map_err(io_err)?;
    for r in rows {
        c.write_record([
            r.rank.to_string(),
            number(r.energy),
            r.basin.map_or(String::new(), number),
            r.camp(l, false),
            r.camp(l, true),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

/// `frustration.csv`: `rank,actor,frustration`, actors in input order.
pub fn frustration_csv(l: &Landscape, rows: &[MinimumRow], w: impl Write) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(["rank", "actor", "frustration"])
        .map_err(io_err)?;
    for r in rows {
        for (a, f) in l.actors.iter().zip(&r.frustration) {
            c.write_record([r.rank.to_string(), a.id.clone(), number(*f)])
                .map_err(io_err)?;
        }
    }
    c.flush()
}

/// Write the three files into `out` (not committed).
pub fn write_folder(
    out: &mut OutputDir,
    l: &Landscape,
    rows: &[MinimumRow],
    manifest: &serde_json::Value,
) -> Result<(), OutputError> {
    out.write(FILES[0], |w| minima_csv(l, rows, w))?;
    out.write(FILES[1], |w| frustration_csv(l, rows, w))?;
    out.write(FILES[2], |w| {
        serde_json::to_writer_pretty(&mut *w, manifest)?;
        w.write_all(b"\n")
    })
}
