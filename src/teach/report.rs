//! `entente report`: one self-contained HTML page of a results folder.
//!
//! The page reads `summary.csv`, `timeseries.csv`, `states.csv`, `camps.csv` and
//! `manifest.json`; the initial threat matrix and the scenario's assumptions come from the
//! scenario itself (re-loaded from the manifest's `scenario_file`, with its `theory` and `set`
//! applied again). Charts are inline SVG ([`super::charts`]); the styles are inline; there is
//! no script, no font, no image and no URL, so the page opens offline and prints as it shows.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::charts::{self, Band, CampRow, FanPanel, Line, ShareRow};
pub(crate) use super::html::esc;
pub use super::results::{CampsRow, ReportError, Results, SeriesRow, StateRow, SummaryRow};
use super::sources::{self, FileDocs};
use crate::model::World;
use crate::output::format_year;
use crate::params::{PARAMS, Theory};
use crate::scenario::{Doc, PowerSpec, Scenario, Trigger};

/// How many key pairs the fan and probability charts show by default.
pub const KEY_PAIRS: usize = 6;
/// How many camp partitions the camps chart shows.
pub const CAMP_ROWS: usize = 8;

/// The scenario file behind a results folder: the manifest's `scenario_path` (the file's
/// absolute path when the study ran), else its `scenario_file` (`None` for the embedded
/// flagship, `<built-in>/vostok-2018.toml`; a relative path is tried from the current folder,
/// then from the results folder and its parents).
fn scenario_file(results: &Results) -> Result<Option<PathBuf>, String> {
    let m = &results.manifest;
    let file = &m.scenario_file;
    if file == crate::scenario::FLAGSHIP_NAME {
        return Ok(None);
    }
    let mut candidates: Vec<PathBuf> = m.scenario_path.iter().map(PathBuf::from).collect();
    candidates.push(PathBuf::from(file));
    if Path::new(file).is_relative() {
        let mut dir = Some(results.dir.as_path());
        while let Some(d) = dir {
            candidates.push(d.join(file));
            dir = d.parent().filter(|p| !p.as_os_str().is_empty());
        }
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .map(Some)
        .ok_or_else(|| format!("{file}: scenario file not found"))
}

/// The scenario behind a results folder: re-loaded from the manifest's `scenario_path`, else
/// its `scenario_file` (as [`scenario_text`] finds it), with the manifest's `theory` and `set`
/// applied. The second value warns when it is not the scenario of the study (its SHA-256
/// differs: the file changed since).
pub fn scenario_of(results: &Results) -> Result<(Scenario, Option<String>), String> {
    let m = &results.manifest;
    let file = &m.scenario_file;
    let path = scenario_file(results)?;
    let s = crate::study::resolve(path.as_deref(), Some(&m.theory), &m.set)
        .map_err(|e| e.to_string())?;
    let warning = (crate::output::scenario_sha256(&s) != m.scenario_sha256).then(|| {
        format!(
            "The scenario file {file} has changed since this study ran (its SHA-256 differs from the manifest's): the threat matrix and the assumptions below are those of the file as it is now."
        )
    });
    Ok((s, warning))
}

/// The text of the scenario file behind a results folder (the embedded flagship's for
/// `<built-in>/vostok-2018.toml`), found as [`scenario_of`] finds it; `None` when it cannot
/// be read.
pub fn scenario_text(results: &Results) -> Option<String> {
    match scenario_file(results).ok()? {
        None => Some(crate::scenario::FLAGSHIP_TOML.to_string()),
        Some(p) => crate::scenario::read(&p).ok().map(|(text, _)| text),
    }
}

/// Options of the report.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Pairs for the fan and probability charts, as `A-B`; empty: [`Results::key_pairs`].
    pub pairs: Vec<String>,
    /// Add the appendix: every value of the scenario with its note and source (states,
    /// pairs, intents, events and their effects, `[power]`, `[params]`). Without it the page
    /// prints in a few pages: a short summary of the assumptions, the parameters and the
    /// source keys.
    pub appendix: bool,
    /// The scenario file's text when the caller holds it (the browser, which has no files):
    /// the notes and sources are read from it instead of from the file the manifest names.
    pub scenario_text: Option<String>,
}

/// The charts a report draws, in order, by the `id` of their section.
pub const CHARTS: [&str; 6] = [
    "fan",
    "alliance",
    "rivalry",
    "camps",
    "threats",
    "strategies",
];

/// The style sheet of the report, inlined in its `<style>` element: a plain, printable page
/// (A4, no navigation when printed). The pages of backtest, score and sweep folders use it
/// too, with a few rules of their own after it ([`page_start`]).
pub(crate) const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       max-width: 960px; margin: 0 auto; padding: 1.5rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; }
.meta { color: #555; font-size: 0.9rem; }
.warning { background: #fff4e5; border-left: 4px solid #e69f00; padding: 0.5rem 0.8rem; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 0.5rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
nav ol { columns: 2; font-size: 0.9rem; }
figure { margin: 0; }
.side > table { display: inline-table; vertical-align: top; margin-right: 1.5rem; }
td.doc { min-width: 18rem; }
#appendix td:first-child, #parameters td:first-child { white-space: nowrap; }
#parameters td.num .src { white-space: normal; min-width: 7rem; }
#parameters caption, #sources caption { text-align: left; font-size: 1rem; margin-bottom: 0.4rem; }
td.effects code { white-space: nowrap; }
.src { color: #555; font-size: 0.92em; margin-top: 0.15rem; }
figcaption { font-size: 0.85rem; color: #444; }
code { font-size: 0.85em; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; line-height: 1.35; }
  nav { display: none; }
  h1 { font-size: 15pt; margin-top: 0; }
  h2 { break-after: avoid; font-size: 12pt; margin-top: 1.1rem; }
  h3 { break-after: avoid; }
  /* A table's heading and the line that introduces it stay with its first rows. */
  h2 + p, h3 + p { break-after: avoid; }
  p { orphans: 3; widows: 3; }
  #parameters caption, #sources caption { font-size: 9.5pt; }
  /* The parameters and the source keys fit on one page: they are not split. */
  #parameters table, #sources table { break-inside: avoid; }
  figcaption { font-size: 8pt; }
  /* Charts at most this tall on paper (their width follows), so that two share a page. */
  svg.chart { width: auto; height: auto; max-height: 52mm; }
  #fan svg.chart { max-height: 84mm; }
  #threats svg.chart { max-height: 112mm; }
  #strategies svg.chart { max-height: 72mm; }
  #camps table, #outcomes table { font-size: 7.5pt; }
  #glossary dl { columns: 3; column-gap: 1.2rem; font-size: 7.5pt; margin: 0.3rem 0; }
  #parameters td:nth-child(2) { white-space: nowrap; }
  #sources table { font-size: 7pt; }
  #glossary dt { break-after: avoid; }
  #glossary dd { break-inside: avoid; margin: 0 0 0.25rem 0.8rem; }
  figure, .chart, #outcomes table { break-inside: avoid; }
  table, section { break-inside: auto; }
  tr { break-inside: avoid; }
  #appendix { break-before: page; }
  #appendix table, #parameters table, #sources table { font-size: 7.5pt; }
  #appendix td, #appendix th, #parameters td, #parameters th, #sources td, #sources th { padding: 1px 4px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// The start of a page, to its `<h1>`: the document's head (its title, the generator and
/// [`STYLE`] followed by `style`, the page's own rules) and the opening of its `<header>` with
/// the title. `title` is HTML (escaped by the caller).
pub(crate) fn page_start(o: &mut String, title: &str, style: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"entente {}\">\n<title>{title} — entente report</title>\n<style>{STYLE}{style}</style>\n</head>\n<body>\n",
        esc(env!("CARGO_PKG_VERSION"))
    );
    let _ = writeln!(o, "<header>\n<h1>{title}</h1>");
}

/// The end of the page of a backtest, score or sweep folder: the section listing the keys of
/// its `manifest.json` as written, each value as [`manifest_cell`] shows it, and the
/// document's end.
pub(crate) fn manifest_section(
    o: &mut String,
    manifest: &serde_json::Map<String, serde_json::Value>,
) {
    let _ = writeln!(
        o,
        "<section id=\"manifest\">\n<h2>What produced this folder</h2>\n<p>The keys of <code>manifest.json</code>, as written:</p>\n<table><tr><th>key</th><th>value</th></tr>"
    );
    for (k, v) in manifest {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            esc(k),
            esc(&manifest_cell(v))
        );
    }
    let _ = writeln!(o, "</table>\n</section>\n</body>\n</html>");
}

/// A manifest value in a table cell: strings as they are; lists and objects joined by
/// commas (`key: value` for an object's entries), each item a plain value or a list or
/// object of plain values (`[a, b]`, `{k: v}`); anything deeper counted; at most 160
/// characters.
fn manifest_cell(v: &serde_json::Value) -> String {
    use serde_json::Value;
    fn plain(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(_) | Value::Bool(_) | Value::Null => Some(v.to_string()),
            _ => None,
        }
    }
    fn item(v: &Value) -> Option<String> {
        match v {
            Value::Object(map) => map
                .iter()
                .map(|(k, x)| plain(x).map(|t| format!("{k}: {t}")))
                .collect::<Option<Vec<_>>>()
                .map(|p| format!("{{{}}}", p.join(", "))),
            Value::Array(items) => items
                .iter()
                .map(plain)
                .collect::<Option<Vec<_>>>()
                .map(|p| format!("[{}]", p.join(", "))),
            x => plain(x),
        }
    }
    let counted = |n: usize, one: &str, many: &str| {
        format!(
            "{n} {} (see manifest.json)",
            if n == 1 { one } else { many }
        )
    };
    let text = match v {
        Value::Array(items) if items.is_empty() => "(none)".to_string(),
        Value::Object(map) if map.is_empty() => "(none)".to_string(),
        Value::Array(items) => items
            .iter()
            .map(item)
            .collect::<Option<Vec<_>>>()
            .map_or_else(
                || counted(items.len(), "entry", "entries"),
                |x| x.join(", "),
            ),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| item(v).map(|v| format!("{k}: {v}")))
            .collect::<Option<Vec<_>>>()
            .map_or_else(|| counted(map.len(), "key", "keys"), |x| x.join(", ")),
        other => plain(other).unwrap_or_default(),
    };
    let short: String = text.chars().take(160).collect();
    if short.len() < text.len() {
        format!("{short} …")
    } else {
        text
    }
}

/// The report as one HTML document. `scenario` is the study's scenario when known (it gives
/// the threat heat map and the assumptions); `warning` is shown at the top when set.
pub fn html(
    results: &Results,
    scenario: Option<&Scenario>,
    warning: Option<&str>,
    opts: &ReportOptions,
) -> Result<String, ReportError> {
    let page = Page::new(results, scenario, opts)?;
    let mut o = String::new();
    page.header(&mut o, warning);
    page.outcomes(&mut o);
    page.fan(&mut o)?;
    page.alliance(&mut o)?;
    page.rivalry(&mut o)?;
    page.camps(&mut o)?;
    page.threats(&mut o)?;
    page.strategies(&mut o)?;
    page.assumptions(&mut o);
    o.push_str(&glossary_section());
    page.parameters(&mut o);
    page.sources(&mut o);
    page.reproduce(&mut o);
    if opts.appendix {
        page.appendix(&mut o);
    }
    let _ = writeln!(o, "</body>\n</html>");
    Ok(o)
}

/// The words of a report, for students: a short glossary (docs/glossary.md has the full one).
pub const GLOSSARY: [(&str, &str); 9] = [
    (
        "alignment",
        "how close two states are, from −1 (open hostility) to +1 (the closest alliance); it moves toward what both states want of each other, with noise",
    ),
    (
        "alliance, rivalry",
        "a pair whose alignment is at or above the alliance threshold, or at or below the rivalry threshold (the thresholds are in the parameters)",
    ),
    (
        "threat",
        "how dangerous one state is to another: its power, its proximity, its offensive capability and its perceived intentions (Walt's four sources)",
    ),
    (
        "balance",
        "ally with others against the principal threat, or arm alone when no partner is available",
    ),
    (
        "bandwagon",
        "align with the principal threat instead of resisting it",
    ),
    (
        "secure",
        "a state whose threats are all small seeks no partner",
    ),
    (
        "camps",
        "the two groups of states that least frustrate each run's final alignments (Axelrod and Bennett's landscape theory)",
    ),
    (
        "P(alliance), P(rivalry)",
        "the share of the Monte Carlo runs in which a pair is allied (or rivals) at that time",
    ),
    (
        "interval",
        "the 95 % interval beside a probability is the Monte Carlo sampling error of that share, not the uncertainty of the answer: that comes from the assumptions, which `entente sweep` varies",
    ),
];

/// The report's "Words used here" section.
fn glossary_section() -> String {
    let mut o = String::from("<section id=\"glossary\">\n<h2>Words used here</h2>\n<dl>");
    for (term, meaning) in GLOSSARY {
        let _ = write!(o, "<dt>{}</dt><dd>{}</dd>", esc(term), esc(meaning));
    }
    o.push_str("</dl>\n<p class=\"meta\">The full glossary, with the formulas: <code>docs/glossary.md</code> in the entente repository.</p>\n</section>\n");
    o
}

/// What the sections of a report share.
struct Page<'a> {
    results: &'a Results,
    scenario: Option<&'a Scenario>,
    /// The documentation the scenario file has beyond the validated scenario's.
    docs: FileDocs,
    /// Whether the appendix is drawn.
    appendix: bool,
    /// The key pairs of the time charts (indices into `summary`).
    pairs: Vec<usize>,
    /// Whether `--pairs` chose them.
    chosen: bool,
    /// Whether they are the scenario's own key pairs.
    named: bool,
    /// First and last year of `timeseries.csv`.
    start_year: f64,
    end_year: f64,
    alliance_t: f64,
    rivalry_t: f64,
}

impl<'a> Page<'a> {
    fn new(
        results: &'a Results,
        scenario: Option<&'a Scenario>,
        opts: &ReportOptions,
    ) -> Result<Self, ReportError> {
        let named = scenario.map_or(Vec::new(), |sc| results.scenario_key_pairs(sc, KEY_PAIRS));
        let pairs: Vec<usize> = if !opts.pairs.is_empty() {
            opts.pairs
                .iter()
                .map(|p| {
                    results
                        .find_pair(p.trim())
                        .ok_or_else(|| ReportError::UnknownPair(p.clone()))
                })
                .collect::<Result<_, _>>()?
        } else if !named.is_empty() {
            named.clone()
        } else {
            results.key_pairs(KEY_PAIRS)
        };
        let end_year = results
            .timeseries
            .iter()
            .map(|r| r.year)
            .fold(f64::MIN, f64::max);
        let start_year = results
            .timeseries
            .iter()
            .map(|r| r.year)
            .fold(f64::MAX, f64::min);
        let m = &results.manifest;
        let docs = scenario
            .and_then(|_| {
                opts.scenario_text
                    .clone()
                    .or_else(|| scenario_text(results))
            })
            .map(|t| FileDocs::of(&t))
            .unwrap_or_default();
        Ok(Self {
            results,
            scenario,
            docs,
            appendix: opts.appendix,
            pairs,
            chosen: !opts.pairs.is_empty(),
            named: opts.pairs.is_empty() && !named.is_empty(),
            start_year,
            end_year,
            alliance_t: m.param("alliance_threshold", 0.6),
            rivalry_t: m.param("rivalry_threshold", -0.2),
        })
    }

    fn pair_name(&self, q: usize) -> String {
        format!(
            "{}-{}",
            self.results.summary[q].a, self.results.summary[q].b
        )
    }

    /// The page's start, its header (title, the study in one line, the scenario's
    /// description, the warning) and its navigation.
    fn header(&self, o: &mut String, warning: Option<&str>) {
        let m = &self.results.manifest;
        let title = self
            .scenario
            .map(|s| {
                if s.title.is_empty() {
                    s.name.clone()
                } else {
                    s.title.clone()
                }
            })
            .unwrap_or_else(|| m.scenario.clone());
        page_start(o, &esc(&title), "");
        let _ = writeln!(
            o,
            "<p class=\"meta\">Scenario <code>{}</code> ({}) · theory <b>{}</b>{} · {} runs, seed {} · {} to {} · entente {}{}</p>",
            esc(&m.scenario),
            esc(&m.scenario_file),
            esc(&m.theory),
            if m.set.is_empty() {
                String::new()
            } else {
                format!(
                    " · <code>{}</code>",
                    esc(&m
                        .set
                        .iter()
                        .map(|x| format!("--set {x}"))
                        .collect::<Vec<_>>()
                        .join(" "))
                )
            },
            m.runs,
            m.seed,
            format_year(self.start_year),
            format_year(self.end_year),
            esc(&m.entente_version),
            if m.finished.is_empty() {
                String::new()
            } else {
                format!(" · finished {}", esc(&m.finished))
            }
        );
        if let Some(s) = self.scenario
            && !s.description.is_empty()
        {
            let _ = writeln!(o, "<p>{}</p>", esc(s.description.trim()));
        }
        if let Some(w) = warning {
            let _ = writeln!(o, "<p class=\"warning\">{}</p>", esc(w));
        }
        let _ = writeln!(o, "</header>");
        let _ = writeln!(
            o,
            "<nav><ol><li><a href=\"#outcomes\">Outcomes at the horizon</a></li><li><a href=\"#fan\">Alignment over time</a></li><li><a href=\"#alliance\">Probability of alliance</a></li><li><a href=\"#rivalry\">Probability of rivalry</a></li><li><a href=\"#camps\">Final camps</a></li><li><a href=\"#threats\">Threat at the start</a></li><li><a href=\"#strategies\">Balancing and bandwagoning</a></li><li><a href=\"#assumptions\">Assumptions</a></li><li><a href=\"#glossary\">Words used here</a></li><li><a href=\"#parameters\">Model parameters</a></li><li><a href=\"#sources\">Sources</a></li><li><a href=\"#reproduce\">Reproduce</a></li>{}</ol></nav>",
            if self.appendix {
                "<li><a href=\"#appendix\">Appendix: every value, its note and source</a></li>"
            } else {
                ""
            }
        );
    }

    /// "Outcomes at the horizon": the most likely alliances and rivalries.
    fn outcomes(&self, o: &mut String) {
        let summary = &self.results.summary;
        let _ = writeln!(
            o,
            "<section id=\"outcomes\">\n<h2>Outcomes in {}</h2>",
            format_year(self.end_year)
        );
        let mut by_alliance: Vec<usize> = (0..summary.len()).collect();
        by_alliance.sort_by(|&a, &b| {
            summary[b]
                .p_alliance_end
                .total_cmp(&summary[a].p_alliance_end)
                .then(a.cmp(&b))
        });
        let mut by_rivalry: Vec<usize> = (0..summary.len()).collect();
        by_rivalry.sort_by(|&a, &b| {
            summary[b]
                .p_rivalry_end
                .total_cmp(&summary[a].p_rivalry_end)
                .then(a.cmp(&b))
        });
        let _ = writeln!(o, "<div class=\"side\">");
        self.outcome_table(
            o,
            "Most likely alliances",
            &by_alliance[..by_alliance.len().min(10)],
            false,
        );
        self.outcome_table(
            o,
            "Most likely rivalries",
            &by_rivalry[..by_rivalry.len().min(6)],
            true,
        );
        let _ = writeln!(o, "</div>");
        let m = &self.results.manifest;
        let _ = writeln!(
            o,
            "<p>Probabilities are shares of the {} runs (standard error at most {:.3}). An alliance is an alignment of at least {}, a rivalry at most {}. P(alliance) is a threshold statistic and moves steeply: read it with the mean alignment (<q>mean</q>) and the range of the middle 90 % of the runs' alignments (<q>5–95 %</q>).</p>\n</section>",
            m.runs,
            0.5 / (m.runs.max(1) as f64).sqrt(),
            self.alliance_t,
            self.rivalry_t
        );
    }

    /// A table of the pairs of `rows` with their P(rivalry) (`rival`) or P(alliance), those
    /// at 0 left out.
    fn outcome_table(&self, o: &mut String, caption: &str, rows: &[usize], rival: bool) {
        let _ = writeln!(
            o,
            "<table><caption>{}</caption><tr><th>pair</th><th>{}</th><th>mean</th><th>5–95 %</th></tr>",
            esc(caption),
            if rival { "P(rivalry)" } else { "P(alliance)" }
        );
        let mut shown = 0;
        for &q in rows {
            let r = &self.results.summary[q];
            let p = if rival {
                r.p_rivalry_end
            } else {
                r.p_alliance_end
            };
            if p <= 0.0 {
                continue;
            }
            shown += 1;
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"num\">{p:.3}</td><td class=\"num\">{:+.2}</td><td class=\"num\">{:+.2} … {:+.2}</td></tr>",
                esc(&self.pair_name(q)),
                r.mean_alignment_end,
                r.q05_alignment_end,
                r.q95_alignment_end
            );
        }
        if shown == 0 {
            let _ = writeln!(o, "<tr><td colspan=\"4\">none, in any run</td></tr>");
        }
        let _ = writeln!(o, "</table>");
    }

    /// "Alignment over time": the fan charts of the key pairs.
    fn fan(&self, o: &mut String) -> Result<(), ReportError> {
        let panels: Vec<FanPanel> = self
            .pairs
            .iter()
            .map(|&q| FanPanel {
                label: self.pair_name(q),
                bands: self
                    .results
                    .series(q)
                    .map(|r| Band {
                        year: r.year,
                        q05: r.q05_alignment,
                        q50: r.q50_alignment,
                        q95: r.q95_alignment,
                    })
                    .collect(),
            })
            .collect();
        let (alliance_t, rivalry_t) = (self.alliance_t, self.rivalry_t);
        let _ = writeln!(
            o,
            "<section id=\"fan\">\n<h2>Alignment over time</h2>\n<figure>{}<figcaption>Alignment of the key pairs (−1 open hostility, +1 the closest alliance): the line is the median of the runs, the band holds 90 % of them (5 % to 95 %). Dashed: the alliance threshold ({alliance_t}, green) and the rivalry threshold ({rivalry_t}, red). Pairs shown: {}.</figcaption></figure>\n</section>",
            charts::fan_charts(&panels, alliance_t, rivalry_t)?,
            if self.chosen {
                "chosen with --pairs"
            } else if self.named {
                "the scenario's key pairs, the pairs its question is about (choose others with --pairs)"
            } else {
                "those whose outcome is most uncertain across runs (choose others with --pairs)"
            }
        );
        Ok(())
    }

    /// "Probability of alliance over time" of the key pairs.
    fn alliance(&self, o: &mut String) -> Result<(), ReportError> {
        self.probability_section(
            o,
            ("alliance", "an alliance", "≥", self.alliance_t),
            |r| r.p_alliance,
        )
    }

    /// "Probability of rivalry over time" of the key pairs.
    fn rivalry(&self, o: &mut String) -> Result<(), ReportError> {
        self.probability_section(o, ("rivalry", "a rivalry", "≤", self.rivalry_t), |r| {
            r.p_rivalry
        })
    }

    /// A section of the key pairs' probability of a class over time: `(class, "a class",
    /// comparison, threshold)` and the probability of a row of `timeseries.csv`.
    fn probability_section(
        &self,
        o: &mut String,
        (class, a_class, cmp, threshold): (&str, &str, &str, f64),
        p: impl Fn(&SeriesRow) -> f64,
    ) -> Result<(), ReportError> {
        let lines: Vec<Line> = self
            .pairs
            .iter()
            .map(|&q| Line {
                label: self.pair_name(q),
                points: self.results.series(q).map(|r| (r.year, p(r))).collect(),
            })
            .collect();
        let _ = writeln!(
            o,
            "<section id=\"{class}\">\n<h2>Probability of {class} over time</h2>\n<figure>{}<figcaption>Share of runs in which each key pair is {a_class} (alignment {cmp} {threshold}) at each time.</figcaption></figure>\n</section>",
            charts::probability_chart(&lines, &format!("P({class})"))?,
        );
        Ok(())
    }

    /// "Final camps": the chart and the table of the most frequent partitions.
    fn camps(&self, o: &mut String) -> Result<(), ReportError> {
        let results = self.results;
        let ids = results.state_ids();
        let camp_rows: Vec<CampRow> = results
            .camps
            .iter()
            .take(CAMP_ROWS)
            .enumerate()
            .map(|(k, r)| {
                let b: Vec<&str> = r.camp_b.split_whitespace().collect();
                CampRow {
                    label: format!("#{}", k + 1),
                    share: Some(r.frequency),
                    side: ids.iter().map(|id| b.contains(&id.as_str())).collect(),
                }
            })
            .collect();
        let first = ids.first().map_or("", String::as_str);
        let key = format!(
            "A = the camp of {first}, B = the other camp; bars: share of runs ending in the partition"
        );
        let title = "Final camps: the most frequent two-camp partitions";
        let _ = writeln!(
            o,
            "<section id=\"camps\">\n<h2>Final camps</h2>\n<figure>{}<figcaption>Each run's final world split into the two camps of least frustration (Axelrod and Bennett's landscape theory: states weighted by power, pairs by alignment). Rows: the {} most frequent partitions of {} distinct ones, with the share of runs that ended in each.</figcaption></figure>",
            charts::camps_chart(("camps", title), &ids, &camp_rows, Some(&key))?,
            camp_rows.len(),
            results.camps.len()
        );
        let _ = writeln!(
            o,
            "<table><tr><th>#</th><th>runs</th><th>camp A</th><th>camp B</th></tr>"
        );
        for (k, r) in results.camps.iter().take(CAMP_ROWS).enumerate() {
            let _ = writeln!(
                o,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{} ({:.1} %)</td><td>{}</td><td>{}</td></tr>",
                k + 1,
                r.runs,
                100.0 * r.frequency,
                esc(&r.camp_a),
                if r.camp_b.is_empty() {
                    "(none)".to_string()
                } else {
                    esc(&r.camp_b)
                }
            );
        }
        let _ = writeln!(o, "</table>\n</section>");
        Ok(())
    }

    /// "Threat at the start": the heat map of the scenario's initial threats.
    fn threats(&self, o: &mut String) -> Result<(), ReportError> {
        let _ = writeln!(o, "<section id=\"threats\">\n<h2>Threat at the start</h2>");
        match self.scenario {
            Some(s) => {
                let p = &s.params;
                let p32 = crate::params::Params32::from(p);
                let w = World::start(s, &p32);
                let sids: Vec<String> = s.states.iter().map(|x| x.id.clone()).collect();
                let _ = writeln!(
                    o,
                    "<figure>{}<figcaption>T<sub>ij</sub>, the threat state i (row) perceives from state j (column) in {} under theory {}: relative power × proximity × offensive capability × perceived intent, scaled so that 1 is the strongest state {} km away with middling offence and intent. Framed: each state's principal threat (the largest camp threat, which also counts the allies of the source).</figcaption></figure>",
                    charts::heat_map(&sids, &crate::model::world::widen(&w.threat), &w.principal)?,
                    format_year(s.start_year),
                    esc(s.theory.name()),
                    p.d0
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "<p class=\"warning\">The scenario file could not be loaded, so the threat matrix is not shown.</p>"
                );
            }
        }
        let _ = writeln!(o, "</section>");
        Ok(())
    }

    /// "Balancing and bandwagoning": each state's shares of its decisions.
    fn strategies(&self, o: &mut String) -> Result<(), ReportError> {
        let results = self.results;
        let last = results
            .states
            .iter()
            .map(|r| r.year)
            .fold(f64::MIN, f64::max);
        let share_rows: Vec<ShareRow> = results
            .state_ids()
            .iter()
            .map(|id| {
                let rows: Vec<&StateRow> = results
                    .states
                    .iter()
                    .filter(|r| &r.state == id && (r.year < last || self.start_year == last))
                    .collect();
                let k = rows.len().max(1) as f64;
                ShareRow {
                    state: id.clone(),
                    balance: rows.iter().map(|r| r.p_balance).sum::<f64>() / k,
                    bandwagon: rows.iter().map(|r| r.p_bandwagon).sum::<f64>() / k,
                    secure: rows.iter().map(|r| r.p_secure).sum::<f64>() / k,
                }
            })
            .collect();
        let (bal, band): (f64, f64) = share_rows
            .iter()
            .fold((0.0, 0.0), |(a, b), r| (a + r.balance, b + r.bandwagon));
        let _ = writeln!(
            o,
            "<section id=\"strategies\">\n<h2>Balancing and bandwagoning</h2>\n<figure>{}<figcaption>How often each state balances (allies against its principal threat, or arms alone), bandwagons (aligns with it) or feels secure, as a share of all its decisions over the runs and the years. Walt's first hypothesis: balancing is far more common than bandwagoning; here {}.</figcaption></figure>\n</section>",
            charts::shares_chart(&share_rows)?,
            match super::compare::balance_ratio(bal, band, " : ") {
                Some(r) => format!("balance : bandwagon = {r}"),
                None if band > 0.0 => "no state ever balances".to_string(),
                None => "no state ever bandwagons".to_string(),
            }
        );
        Ok(())
    }

    /// "Assumptions": a short summary of the scenario's assumptions; every value with its note
    /// and source is in the appendix.
    fn assumptions(&self, o: &mut String) {
        let _ = writeln!(o, "<section id=\"assumptions\">\n<h2>Assumptions</h2>");
        let Some(s) = self.scenario else {
            let _ = writeln!(
                o,
                "<p>The scenario file could not be loaded.</p>\n</section>"
            );
            return;
        };
        if let Some(note) = &s.doc.note {
            let _ = writeln!(o, "<p>{}</p>", esc(note));
        }
        let marked = self
            .docs
            .all
            .iter()
            .filter(|e| {
                e.doc
                    .note
                    .as_deref()
                    .is_some_and(|n| n.contains("Assumption"))
            })
            .count();
        let power = match &s.power_spec {
            PowerSpec::Direct => "as each state gives it".to_string(),
            PowerSpec::Components { weights, .. } => format!(
                "a weighted sum of each state's shares of {}",
                weights
                    .iter()
                    .filter(|(_, w)| *w > 0.0)
                    .map(|(c, w)| format!("{} ({w})", esc(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let _ = writeln!(
            o,
            "<p>{} states, {} pairs described one by one (the others take the defaults), {} perceived intents set by hand and {} events. Power is {power}. {} of the scenario's notes mark a judgement call (<q>Assumption:</q>, with its reason). {}</p>",
            s.n(),
            s.pair_docs.len(),
            s.intent_docs.len(),
            s.events.len(),
            marked,
            if self.appendix {
                "The appendix lists every value with its note and source."
            } else {
                "Every value with its note and source is in the appendix: <code>entente report RESULTS_DIR --appendix</code>."
            }
        );
        if !s.events.is_empty() {
            let _ = writeln!(o, "<p>Events:</p>\n<ul>");
            for ev in &s.events {
                let _ = writeln!(
                    o,
                    "<li><b>{}</b>, {}: {} effect{}</li>",
                    esc(&ev.name),
                    esc(&event_when(ev)),
                    ev.effects.len(),
                    if ev.effects.len() == 1 { "" } else { "s" }
                );
            }
            let _ = writeln!(o, "</ul>");
        }
        let _ = writeln!(o, "</section>");
    }

    /// "Model parameters": each parameter with its symbol, name, meaning, unit and value, and
    /// where the value departs from the theory's default, what changed it.
    fn parameters(&self, o: &mut String) {
        let m = &self.results.manifest;
        let theory = Theory::parse(&m.theory);
        let preset = theory.map(Theory::params);
        let walt = crate::params::Params::walt();
        let overridden = |name: &str| {
            self.scenario
                .is_some_and(|s| s.overrides.iter().any(|(k, _)| k == name))
        };
        let set = |name: &str| {
            m.set
                .iter()
                .any(|x| x.split_once('=').is_some_and(|(k, _)| k.trim() == name))
        };
        let _ = writeln!(
            o,
            "<section id=\"parameters\">\n<h2>Model parameters</h2>\n<table><caption>The values this study ran with: those of theory <b>{}</b>, changed where the last column says. <code>docs/model.md</code> gives each formula.</caption><tr><th>symbol</th><th>parameter</th><th>meaning</th><th>unit</th><th class=\"num\">value</th></tr>",
            esc(&m.theory)
        );
        for spec in PARAMS {
            let Some(v) = m.params.get(spec.name).and_then(serde_json::Value::as_f64) else {
                continue;
            };
            let default = preset.as_ref().and_then(|p| p.get(spec.name));
            let changed = match default {
                Some(d) if d != v => {
                    let by = if set(spec.name) {
                        "--set"
                    } else if overridden(spec.name) {
                        "[params]"
                    } else {
                        "the study"
                    };
                    format!("<div class=\"src\">default {d}; set by {by}</div>")
                }
                _ if walt.get(spec.name) != Some(v) => format!(
                    "<div class=\"src\">theory {}; walt has {}</div>",
                    esc(&m.theory),
                    walt.get(spec.name).unwrap_or(f64::NAN)
                ),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{v}{changed}</td></tr>",
                esc(spec.symbol),
                esc(spec.label),
                esc(spec.name),
                esc(spec.meaning),
                esc(spec.unit_words()),
            );
        }
        if let Some(form) = m
            .params
            .get("threat_form")
            .and_then(serde_json::Value::as_str)
        {
            let _ = writeln!(
                o,
                "<tr><td></td><td>{} <code>threat_form</code></td><td>{}</td><td>a choice</td><td class=\"num\">{}</td></tr>",
                esc(crate::params::THREAT_FORM_LABEL),
                esc(crate::params::THREAT_FORM_MEANING),
                esc(form)
            );
        }
        let _ = writeln!(o, "</table>\n</section>");
    }

    /// "Sources": the scenario's own source, and every source key its entries cite with its
    /// full reference (from `data/SOURCES.md`); the sources themselves when they cite no key.
    fn sources(&self, o: &mut String) {
        let _ = writeln!(o, "<section id=\"sources\">\n<h2>Sources</h2>");
        let Some(s) = self.scenario else {
            let _ = writeln!(
                o,
                "<p>The scenario file could not be loaded.</p>\n</section>"
            );
            return;
        };
        let whole = s.doc.source.as_ref().map_or(String::new(), |src| {
            format!(
                "The scenario as a whole: {}. ",
                esc(src.trim_end_matches('.'))
            )
        });
        // The keys are entente's (`data/SOURCES.md`) only where the scenario says so in its
        // own source, as the shipped scenarios do; another file's `S1` is its own.
        let ours = s.doc.source.as_deref().is_some_and(cites_sources_md);
        let cited = if !ours {
            Vec::new()
        } else if self.docs.all.is_empty() {
            sources::cited_keys(scenario_docs(s).flat_map(|d| {
                [d.source.as_deref(), d.note.as_deref()]
                    .into_iter()
                    .flatten()
            }))
        } else {
            self.docs.cited_keys()
        };
        if cited.is_empty() {
            if !whole.is_empty() {
                let _ = writeln!(o, "<p>{}</p>", whole.trim_end());
            }
            let mut texts: Vec<&str> = self
                .docs
                .all
                .iter()
                .filter_map(|e| e.doc.source.as_deref())
                .collect();
            texts.sort_unstable();
            texts.dedup();
            if texts.is_empty() {
                let _ = writeln!(
                    o,
                    "<p>The scenario names no source for its values: they are assumptions, explained in its notes.</p>"
                );
            } else {
                let _ = writeln!(o, "<p>The sources its entries name:</p>\n<ul>");
                for t in texts {
                    let _ = writeln!(o, "<li>{}</li>", esc(t));
                }
                let _ = writeln!(o, "</ul>");
            }
            let _ = writeln!(o, "</section>");
            return;
        }
        let keys = sources::source_keys();
        let _ = writeln!(
            o,
            "<table><caption>{whole}The sources of its entries cite these keys. Their full references are those of <code>data/SOURCES.md</code> in the entente repository, which also gives the coverage and caveats of each; the appendix gives each entry's own source.</caption><tr><th>key</th><th>what</th><th>where it was read</th></tr>"
        );
        for n in cited {
            match keys.iter().find(|k| k.number == n) {
                Some(k) => {
                    let _ = writeln!(
                        o,
                        "<tr><td>S{n}</td><td>{}</td><td>{}</td></tr>",
                        md_code(&k.what),
                        md_code(&k.place)
                    );
                }
                None => {
                    let _ = writeln!(
                        o,
                        "<tr><td>S{n}</td><td colspan=\"2\">not a key of data/SOURCES.md: see the scenario file's header</td></tr>"
                    );
                }
            }
        }
        let _ = writeln!(o, "</table>\n</section>");
    }

    /// "Appendix": every value of the scenario with its note and source.
    fn appendix(&self, o: &mut String) {
        let _ = writeln!(
            o,
            "<section id=\"appendix\">\n<h2>Appendix: every value, its note and source</h2>"
        );
        match self.scenario {
            Some(s) => appendix(o, s, &self.docs),
            None => {
                let _ = writeln!(o, "<p>The scenario file could not be loaded.</p>");
            }
        }
        let _ = writeln!(o, "</section>");
    }

    /// "Reproduce": the command that gives the same numbers.
    fn reproduce(&self, o: &mut String) {
        let m = &self.results.manifest;
        let file_arg = if m.scenario_file == crate::scenario::FLAGSHIP_NAME {
            String::new()
        } else {
            format!(" {}", m.scenario_file)
        };
        let sets: String = m.set.iter().map(|x| format!(" --set {x}")).collect();
        let _ = writeln!(
            o,
            "<section id=\"reproduce\">\n<h2>Reproduce</h2>\n<p>The same command gives the same numbers, byte for byte, on any machine and with any number of threads:</p>\n<pre><code>entente run{} --theory {} --runs {} --seed {}{} --report</code></pre>\n<p class=\"meta\">Scenario SHA-256 <code>{}</code>{}.</p>\n</section>",
            esc(&file_arg),
            esc(&m.theory),
            m.runs,
            m.seed,
            esc(&sets),
            esc(&m.scenario_sha256),
            m.shards
                .map_or(String::new(), |k| format!("; merged from {k} shards"))
        );
    }
}

/// An entry's note, then its source, as HTML.
fn doc_text(d: &Doc) -> String {
    let note = d.note.as_deref().map_or(String::new(), esc);
    let source = d.source.as_deref().map_or(String::new(), |x| {
        format!("<div class=\"src\">Source: {}</div>", esc(x))
    });
    format!("{note}{source}")
}

/// One cell with an entry's note, then its source.
fn doc_cells(d: &Doc) -> String {
    format!("<td class=\"doc\">{}</td>", doc_text(d))
}

/// Every `source` and `note` the validated scenario keeps: `[scenario]`, states, pairs,
/// intents, events.
fn scenario_docs(s: &Scenario) -> impl Iterator<Item = &Doc> {
    std::iter::once(&s.doc)
        .chain(s.states.iter().map(|x| &x.doc))
        .chain(s.pair_docs.iter().map(|x| &x.doc))
        .chain(s.intent_docs.iter().map(|x| &x.2))
        .chain(s.events.iter().map(|x| &x.doc))
}

/// Whether a scenario's own source says that the source keys of its entries are those of
/// entente's `data/SOURCES.md`.
fn cites_sources_md(source: &str) -> bool {
    source.contains("SOURCES.md")
}

/// Markdown text (of `data/SOURCES.md`) as HTML: escaped, with `code` spans.
fn md_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(k, part)| {
            if k % 2 == 1 {
                format!("<code>{}</code>", esc(part))
            } else {
                esc(part)
            }
        })
        .collect()
}

/// When an event fires, in words.
fn event_when(ev: &crate::scenario::Event) -> String {
    match ev.trigger {
        Trigger::At(y) => format!("in {}", format_year(y)),
        Trigger::Hazard(h) => format!(
            "at random, {h} per year{}",
            if ev.once { ", once" } else { ", repeatable" }
        ),
    }
}

/// The appendix: the scenario's note, then tables of its power, states, pairs, intents,
/// events (each effect with its own note and source) and parameter overrides.
fn appendix(o: &mut String, s: &Scenario, docs: &FileDocs) {
    if s.doc.note.is_some() || s.doc.source.is_some() {
        let _ = writeln!(
            o,
            "<table><tr><th>scenario</th><th>note and source</th></tr><tr><td>{}</td>{}</tr></table>",
            esc(&s.name),
            doc_cells(&s.doc)
        );
    }
    power_table(o, s, &docs.power);
    states_table(o, s);
    if !s.pair_docs.is_empty() {
        pairs_table(o, s);
    }
    if !s.intent_docs.is_empty() {
        intents_table(o, s);
    }
    if !s.events.is_empty() {
        events_table(o, s, docs);
    }
    params_table(o, s, &docs.params);
}

/// `[power]`: the weights of the power components, with the table's note and source.
fn power_table(o: &mut String, s: &Scenario, doc: &Doc) {
    let PowerSpec::Components {
        weights,
        gdp_component,
    } = &s.power_spec
    else {
        return;
    };
    let _ = writeln!(
        o,
        "<h3>Power ([power])</h3>\n<table><tr><th>component</th><th>weight</th><th>note and source</th></tr>"
    );
    for (k, (c, w)) in weights.iter().enumerate() {
        let gdp = if gdp_component.as_deref() == Some(c) {
            " (GDP, for trade dependence)"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "<tr><td>{}{gdp}</td><td class=\"num\">{w}</td>{}</tr>",
            esc(c),
            if k == 0 {
                doc_cells(doc).replacen("<td", &format!("<td rowspan=\"{}\"", weights.len()), 1)
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(o, "</table>");
}

/// `[params]`: the scenario's parameter overrides, with the table's note and source.
fn params_table(o: &mut String, s: &Scenario, doc: &Doc) {
    if s.overrides.is_empty() && doc.source.is_none() && doc.note.is_none() {
        return;
    }
    let _ = writeln!(
        o,
        "<h3>Parameters set by the scenario ([params])</h3>\n<table><tr><th>parameter</th><th>value</th><th>note and source</th></tr>"
    );
    let rows = s.overrides.len().max(1);
    let cells = doc_cells(doc).replacen("<td", &format!("<td rowspan=\"{rows}\""), 1);
    if s.overrides.is_empty() {
        let _ = writeln!(o, "<tr><td colspan=\"2\">(none)</td>{cells}</tr>");
    }
    for (k, (name, value)) in s.overrides.iter().enumerate() {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td>{}</tr>",
            esc(name),
            esc(value),
            if k == 0 { cells.as_str() } else { "" }
        );
    }
    let _ = writeln!(o, "</table>");
}

/// The scenario's states: power share, offence, aggression, autonomy.
fn states_table(o: &mut String, s: &Scenario) {
    let shares = s.power_shares();
    let _ = writeln!(
        o,
        "<h3>States</h3>\n<table><tr><th>state</th><th>power share</th><th>offence</th><th>aggression</th><th>autonomy</th><th>note and source</th></tr>"
    );
    for (i, st) in s.states.iter().enumerate() {
        let _ = writeln!(
            o,
            "<tr><td>{} ({})</td><td class=\"num\">{:.1} %</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td>{}</tr>",
            esc(&st.id),
            esc(&st.name),
            100.0 * shares[i],
            st.offense,
            st.aggression,
            st.autonomy,
            doc_cells(&st.doc)
        );
    }
    let _ = writeln!(o, "</table>");
}

/// The pairs the scenario documents.
fn pairs_table(o: &mut String, s: &Scenario) {
    let n = s.n();
    let id = |i: usize| esc(&s.states[i].id);
    let _ = writeln!(
        o,
        "<h3>Pairs</h3>\n<table><tr><th>pair</th><th>border</th><th>distance</th><th>trade</th><th>mistrust</th><th>affinity</th><th>alignment</th><th>note and source</th></tr>"
    );
    for pd in &s.pair_docs {
        let k = pd.i * n + pd.j;
        let _ = writeln!(
            o,
            "<tr><td>{}-{}</td><td>{}</td><td class=\"num\">{:.0} km</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:+.2}</td><td class=\"num\">{:+.2}</td>{}</tr>",
            id(pd.i),
            id(pd.j),
            if s.border[k] { "yes" } else { "no" },
            s.distance[k],
            s.trade[k],
            s.mistrust[k],
            s.affinity[k],
            s.alignment[k],
            doc_cells(&pd.doc)
        );
    }
    let _ = writeln!(o, "</table>");
}

/// The intents the scenario lists.
fn intents_table(o: &mut String, s: &Scenario) {
    let n = s.n();
    let id = |i: usize| esc(&s.states[i].id);
    let _ = writeln!(
        o,
        "<h3>Perceived intents</h3>\n<table><tr><th>how aggressive</th><th>looks to</th><th>intent</th><th>note and source</th></tr>"
    );
    for (j, i, d) in &s.intent_docs {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td>{}</tr>",
            id(*j),
            id(*i),
            s.intent[j * n + i],
            doc_cells(d)
        );
    }
    let _ = writeln!(o, "</table>");
}

/// The scenario's events: when, and what they do, each effect with its note and source.
fn events_table(o: &mut String, s: &Scenario, docs: &FileDocs) {
    let _ = writeln!(
        o,
        "<h3>Events</h3>\n<table><tr><th>event</th><th>when</th><th>effects</th><th>note and source</th></tr>"
    );
    for ev in &s.events {
        let mut effects = String::new();
        for (k, x) in ev.effects.iter().enumerate() {
            let _ = write!(
                effects,
                "<div><code>{}</code>",
                esc(&super::effect_text(s, x))
            );
            if let Some(d) = docs.effects.get(&(ev.name.clone(), k)) {
                let _ = write!(effects, "<div class=\"src\">{}</div>", doc_text(d));
            }
            effects.push_str("</div>");
        }
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"effects\">{effects}</td>{}</tr>",
            esc(&ev.name),
            esc(&event_when(ev)),
            doc_cells(&ev.doc)
        );
    }
    let _ = writeln!(o, "</table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_cells_are_short_and_plain() {
        assert_eq!(manifest_cell(&serde_json::json!([5, 10])), "5, 10");
        assert_eq!(manifest_cell(&serde_json::json!("walt")), "walt");
        assert_eq!(manifest_cell(&serde_json::json!([])), "(none)");
        assert_eq!(
            manifest_cell(&serde_json::json!({"window": 3, "precedence": "rival"})),
            "precedence: rival, window: 3"
        );
        assert_eq!(
            manifest_cell(&serde_json::json!([{"a": 1}, {"a": 2}])),
            "{a: 1}, {a: 2}"
        );
        let long = manifest_cell(&serde_json::json!("x".repeat(500)));
        assert!(long.ends_with(" …") && long.chars().count() == 162);
        assert_eq!(
            manifest_cell(&serde_json::json!({"years": [1880, 1885], "h": {"x": 1}})),
            "h: {x: 1}, years: [1880, 1885]"
        );
        assert_eq!(
            manifest_cell(&serde_json::json!([[[1]]])),
            "1 entry (see manifest.json)"
        );
    }
}
