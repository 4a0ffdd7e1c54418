//! The report's charts, drawn with `plotters` on its SVG backend.
//!
//! Text needs no font files: the SVG backend writes `<text>` elements and the browser
//! renders them with its own sans-serif font (plotters only estimates text widths, for
//! layout). Each chart is one `<svg>` element, ready to be inlined in HTML: the `xmlns`
//! attribute is dropped (inline SVG in HTML needs none, and the report carries no URL at all),
//! and the element gets `role="img"` and an `aria-label`.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::html::esc;

/// A chart could not be drawn (in practice only a bug: the backend writes to a string).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart `{chart}`: {message}")]
pub struct ChartError {
    /// Which chart.
    pub chart: &'static str,
    /// What went wrong.
    pub message: String,
}

/// Okabe–Ito colours, distinguishable with colour-vision deficiencies and in grey print.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];

const BALANCE: RGBColor = RGBColor(0, 114, 178);
const BANDWAGON: RGBColor = RGBColor(213, 94, 0);
const SECURE: RGBColor = RGBColor(200, 200, 200);
const CAMP_A: RGBColor = RGBColor(0, 114, 178);
const CAMP_B: RGBColor = RGBColor(230, 159, 0);
/// The dark end of the threat heat map's colour scale.
const THREAT: RGBColor = RGBColor(165, 15, 21);
/// The light grey of the charts' grid lines.
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);
/// The font family of every chart's text (the browser's own sans-serif: the page loads no
/// font).
pub(crate) const FONT: &str = "sans-serif";

/// The drawing area of an SVG chart.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draw on a `width × height` SVG and return it, ready to inline: without the `xmlns`
/// attribute, with `class="chart"`, `role="img"` and `label` (escaped) as its `aria-label`.
/// `chart` names the chart in a [`ChartError`].
pub(crate) fn svg(
    chart: &'static str,
    label: &str,
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<(), String>,
) -> Result<String, ChartError> {
    let err = |message: String| ChartError { chart, message };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        draw(&root).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(buf
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(
            "<svg ",
            &format!(
                "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" ",
                esc(label)
            ),
            1,
        ))
}

/// A drawing error as the text of a [`ChartError`] (for `map_err` inside [`svg`]'s closure).
pub(crate) fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

/// Black text of `size` pixels in [`FONT`], anchored at `(h, v)`.
pub(crate) fn text_style(size: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font())
        .color(&BLACK)
        .pos(Pos::new(h, v))
}

/// How a legend entry shows its series.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    /// A solid line of this colour and width.
    Line(RGBColor, u32),
    /// A dashed line of this colour and width.
    Dashed(RGBColor, u32),
    /// A filled point.
    Dot(RGBColor),
    /// An open point.
    Ring(RGBColor),
    /// A filled block (a band or a bar).
    Block(RGBColor),
    /// An interval: a black line with a tick at each end.
    Whisker,
}

/// Legend entries (a label and the keys drawn before it) in rows of columns `column` pixels
/// wide, from the top of `root` (above the plots, where they hide no data). Returns the height
/// used, as [`legend_height`] computes it.
pub(crate) fn legend(
    root: &Area<'_>,
    entries: &[(String, Vec<Key>)],
    column: i32,
) -> Result<i32, String> {
    let (width, _) = root.dim_in_pixel();
    let per_row = ((width as i32 - 20) / column).max(1) as usize;
    let row_h = 22;
    for (k, (label, keys)) in entries.iter().enumerate() {
        let x = 20 + column * (k % per_row) as i32;
        let y = 16 + row_h * (k / per_row) as i32;
        for key in keys {
            match *key {
                Key::Line(c, w) => root
                    .draw(&PathElement::new(
                        vec![(x, y), (x + 22, y)],
                        c.stroke_width(w),
                    ))
                    .map_err(e)?,
                Key::Dashed(c, w) => {
                    for (a, b) in [(x, x + 7), (x + 15, x + 22)] {
                        root.draw(&PathElement::new(vec![(a, y), (b, y)], c.stroke_width(w)))
                            .map_err(e)?;
                    }
                }
                Key::Dot(c) => root
                    .draw(&Circle::new((x + 11, y), 4, c.filled()))
                    .map_err(e)?,
                Key::Ring(c) => {
                    root.draw(&Circle::new((x + 11, y), 4, WHITE.filled()))
                        .map_err(e)?;
                    root.draw(&Circle::new((x + 11, y), 4, c.stroke_width(2)))
                        .map_err(e)?;
                }
                Key::Block(c) => root
                    .draw(&Rectangle::new([(x, y - 6), (x + 22, y + 6)], c.filled()))
                    .map_err(e)?,
                Key::Whisker => {
                    root.draw(&PathElement::new(
                        vec![(x, y), (x + 22, y)],
                        BLACK.stroke_width(1),
                    ))
                    .map_err(e)?;
                    for end in [x, x + 22] {
                        root.draw(&PathElement::new(
                            vec![(end, y - 4), (end, y + 4)],
                            BLACK.stroke_width(1),
                        ))
                        .map_err(e)?;
                    }
                }
            }
        }
        root.draw(&Text::new(
            label.clone(),
            (x + 30, y),
            text_style(12.0, HPos::Left, VPos::Center),
        ))
        .map_err(e)?;
    }
    Ok(16 + row_h * entries.len().div_ceil(per_row) as i32)
}

/// The height [`legend`] uses for `entries` entries in columns `column` pixels wide on a chart
/// `width` pixels wide.
pub(crate) fn legend_height(entries: usize, width: u32, column: u32) -> u32 {
    let per_row = ((width - 20) / column).max(1) as usize;
    16 + 22 * entries.div_ceil(per_row) as u32
}

/// Runs of consecutive defined values, for lines that break where a value is undefined.
pub(crate) fn segments<X: Copy>(points: &[(X, Option<f64>)]) -> Vec<Vec<(X, f64)>> {
    let mut out: Vec<Vec<(X, f64)>> = vec![Vec::new()];
    for &(x, y) in points {
        match (y, out.last_mut()) {
            (Some(y), Some(last)) => last.push((x, y)),
            (None, Some(last)) if !last.is_empty() => out.push(Vec::new()),
            _ => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// White to `dark` as `x` goes from 0 to 1 (clamped): the colour scales of heat maps.
pub(crate) fn ramp(dark: RGBColor, x: f64) -> RGBColor {
    let x = x.clamp(0.0, 1.0);
    let mix = |a: u8| (255.0 + (f64::from(a) - 255.0) * x).round() as u8;
    RGBColor(mix(dark.0), mix(dark.1), mix(dark.2))
}

/// A heat map's colour scale: a bar `width` × 12 pixels from `(x, y)` in 40 steps of
/// `colour` from 0 to 1, framed in [`GRID`].
pub(crate) fn colour_bar(
    root: &Area<'_>,
    (x, y): (i32, i32),
    width: i32,
    colour: impl Fn(f64) -> RGBColor,
) -> Result<(), String> {
    let steps = 40;
    for k in 0..steps {
        root.draw(&Rectangle::new(
            [
                (x + width * k / steps, y),
                (x + width * (k + 1) / steps, y + 12),
            ],
            colour(f64::from(k) / f64::from(steps - 1)).filled(),
        ))
        .map_err(e)?;
    }
    root.draw(&Rectangle::new(
        [(x, y), (x + width, y + 12)],
        GRID.stroke_width(1),
    ))
    .map_err(e)?;
    Ok(())
}

/// One year's quantiles of a pair's alignment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Year.
    pub year: f64,
    /// 5 % quantile.
    pub q05: f64,
    /// Median.
    pub q50: f64,
    /// 95 % quantile.
    pub q95: f64,
}

/// One panel of the fan chart.
#[derive(Debug, Clone, PartialEq)]
pub struct FanPanel {
    /// Title (the pair).
    pub label: String,
    /// Quantiles through time.
    pub bands: Vec<Band>,
}

fn year_range<'a>(years: impl Iterator<Item = &'a f64>) -> (f64, f64) {
    let (lo, hi) = years.fold((f64::MAX, f64::MIN), |(lo, hi), &y| (lo.min(y), hi.max(y)));
    if lo < hi { (lo, hi) } else { (lo, lo + 1.0) }
}

/// Alignment fan charts, one panel per pair in a grid of two columns: the median (line) and
/// the 5–95 % band of runs, with dashed lines at the alliance and rivalry thresholds.
pub fn fan_charts(
    panels: &[FanPanel],
    alliance_threshold: f64,
    rivalry_threshold: f64,
) -> Result<String, ChartError> {
    let cols = if panels.len() > 1 { 2 } else { 1 };
    let rows = panels.len().div_ceil(cols).max(1);
    let size = (900, 250 * rows as u32);
    svg(
        "fan",
        "Alignment of key pairs over time: median and 5-95 % band of runs",
        size,
        |root| {
            let areas = root.split_evenly((rows, cols));
            for (panel, area) in panels.iter().zip(areas.iter()) {
                let (x0, x1) = year_range(panel.bands.iter().map(|b| &b.year));
                let mut chart = ChartBuilder::on(area)
                    .caption(&panel.label, (FONT, 16))
                    .margin(8)
                    .margin_right(22)
                    .x_label_area_size(26)
                    .y_label_area_size(40)
                    .build_cartesian_2d(x0..x1, -1.0..1.0)
                    .map_err(e)?;
                chart
                    .configure_mesh()
                    .light_line_style(WHITE)
                    .bold_line_style(GRID)
                    .x_labels(6)
                    .y_labels(5)
                    .x_label_formatter(&|y| format!("{y:.0}"))
                    .y_label_formatter(&|a| format!("{a:+.1}"))
                    .label_style((FONT, 12))
                    .draw()
                    .map_err(e)?;
                let band: Vec<(f64, f64)> = panel
                    .bands
                    .iter()
                    .map(|b| (b.year, b.q95))
                    .chain(panel.bands.iter().rev().map(|b| (b.year, b.q05)))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        band,
                        PALETTE[0].mix(0.25).filled(),
                    )))
                    .map_err(e)?;
                for (y, colour) in [
                    (alliance_threshold, PALETTE[2]),
                    (rivalry_threshold, PALETTE[5]),
                ] {
                    chart
                        .draw_series(DashedLineSeries::new(
                            [(x0, y), (x1, y)],
                            6,
                            4,
                            colour.stroke_width(1),
                        ))
                        .map_err(e)?;
                }
                chart
                    .draw_series(LineSeries::new(
                        panel.bands.iter().map(|b| (b.year, b.q50)),
                        PALETTE[0].stroke_width(2),
                    ))
                    .map_err(e)?;
            }
            Ok(())
        },
    )
}

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend label.
    pub label: String,
    /// (year, value) points.
    pub points: Vec<(f64, f64)>,
}

/// Probabilities through time, one line per series, y from 0 to 1, with a legend.
pub fn probability_chart(lines: &[Line], y_desc: &str) -> Result<String, ChartError> {
    svg("probability", y_desc, (900, 380), |root| {
        let (x0, x1) = year_range(lines.iter().flat_map(|l| l.points.iter().map(|p| &p.0)));
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(36)
            .y_label_area_size(52)
            // A little room beyond 0 and 1, so that a line lying on either is seen.
            .build_cartesian_2d(x0..x1, -0.03..1.03)
            .map_err(e)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(8)
            .y_labels(6)
            .x_desc("year")
            .y_desc(y_desc)
            .x_label_formatter(&|y| format!("{y:.0}"))
            .y_label_formatter(&|p| format!("{p:.1}"))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(e)?;
        for (k, line) in lines.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    line.points.iter().copied(),
                    colour.stroke_width(2),
                ))
                .map_err(e)?
                .label(line.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font((FONT, 12))
            .draw()
            .map_err(e)?;
        Ok(())
    })
}

/// One two-camp partition of [`camps_chart`].
#[derive(Debug, Clone)]
pub struct CampRow {
    /// The row's label (`#1`).
    pub label: String,
    /// The share drawn as the row's bar (of runs, or of configurations), if known.
    pub share: Option<f64>,
    /// `side[i]`: whether state `i` is in the second camp (not the first state's).
    pub side: Vec<bool>,
}

/// Two-camp partitions, one row each: the states coloured by camp (A: the first state's, B:
/// the other), a bar for the row's share, and `key` under the rows, if given. `name` and
/// `title` as [`svg`]'s.
pub fn camps_chart(
    (name, title): (&'static str, &str),
    ids: &[String],
    rows: &[CampRow],
    key: Option<&str>,
) -> Result<String, ChartError> {
    let n = ids.len();
    let longest = ids.iter().map(|s| s.chars().count()).max().unwrap_or(1);
    let cw = (longest as i32 * 8 + 8).max(30);
    let (label_w, head_h, row_h, bar_w) = (46, 34, 26, 220);
    // The key, at 12 px (about 7 px a character), is never cut: a few states and a long key
    // widen the chart.
    let key_w = key.map_or(0, |k| label_w + 7 * k.chars().count() as i32 + 10);
    let width = (label_w + cw * n as i32 + 20 + bar_w + 60).max(key_w);
    let height = head_h + row_h * rows.len() as i32 + if key.is_some() { 44 } else { 16 };
    svg(name, title, (width as u32, height as u32), |root| {
        for (i, id) in ids.iter().enumerate() {
            let x = label_w + cw * i as i32 + cw / 2;
            root.draw(&Text::new(
                id.clone(),
                (x, head_h - 8),
                text_style(12.0, HPos::Center, VPos::Bottom),
            ))
            .map_err(e)?;
        }
        let bar_x = label_w + cw * n as i32 + 20;
        for (r, row) in rows.iter().enumerate() {
            let y = head_h + row_h * r as i32;
            root.draw(&Text::new(
                row.label.clone(),
                (label_w - 8, y + row_h / 2),
                text_style(12.0, HPos::Right, VPos::Center),
            ))
            .map_err(e)?;
            for (i, &second) in row.side.iter().enumerate() {
                let x = label_w + cw * i as i32;
                let colour = if second { CAMP_B } else { CAMP_A };
                root.draw(&Rectangle::new(
                    [(x + 1, y + 2), (x + cw - 1, y + row_h - 2)],
                    colour.filled(),
                ))
                .map_err(e)?;
                root.draw(&Text::new(
                    if second { "B" } else { "A" },
                    (x + cw / 2, y + row_h / 2),
                    text_style(11.0, HPos::Center, VPos::Center).color(&WHITE),
                ))
                .map_err(e)?;
            }
            let Some(share) = row.share else { continue };
            let w = (share.clamp(0.0, 1.0) * bar_w as f64).round() as i32;
            root.draw(&Rectangle::new(
                [(bar_x, y + 5), (bar_x + w.max(1), y + row_h - 5)],
                PALETTE[6].filled(),
            ))
            .map_err(e)?;
            root.draw(&Text::new(
                format!("{:.1} %", 100.0 * share),
                (bar_x + w + 6, y + row_h / 2),
                text_style(12.0, HPos::Left, VPos::Center),
            ))
            .map_err(e)?;
        }
        if let Some(key) = key {
            let y = head_h + row_h * rows.len() as i32 + 22;
            root.draw(&Text::new(
                key.to_string(),
                (label_w, y),
                text_style(12.0, HPos::Left, VPos::Center),
            ))
            .map_err(e)?;
        }
        Ok(())
    })
}

/// The threat matrix as a heat map: row `i` (the perceiving state), column `j` (the source),
/// colour and value `T_ij`; the principal threat of each row is framed. Under the grid, the
/// colour scale (titled, labelled at 0, half and the largest threat) and the key of the
/// frames; the chart is wide enough for them whatever the number of states (2 or 200).
pub fn heat_map(ids: &[String], threat: &[f64], principal: &[usize]) -> Result<String, ChartError> {
    let n = ids.len();
    let cell = ((640 / n.max(1)) as i32).clamp(34, 64);
    let longest = ids.iter().map(|x| x.chars().count()).max().unwrap_or(0) as i32;
    // Room for the row labels (about 7 px a character at 11 px) and the column title.
    let (left, top) = ((14 + 7 * longest).max(64), 56);
    let grid = cell * n as i32;
    // The colour scale under the grid: its title, the bar and its labels, then the key of the
    // frames. The page is at least as wide as they are, however few the states.
    let bar = 200;
    let scale_y = top + grid + 16;
    let bar_y = scale_y + 18;
    let key_y = bar_y + 40;
    let width = (left + grid + 24).max(left + KEY_WIDTH);
    let height = key_y + 22;
    let max = threat.iter().copied().fold(0.0, f64::max).max(1e-12);
    let size = (cell as f64 * 0.3).clamp(9.0, 13.0);
    svg(
        "heat-map",
        "Threat at the start: row = perceiving state, column = source of the threat",
        (width as u32, height as u32),
        |root| {
            root.draw(&Text::new(
                "threat from (column)",
                (left + grid / 2, 14),
                text_style(13.0, HPos::Center, VPos::Center),
            ))
            .map_err(e)?;
            for (j, id) in ids.iter().enumerate() {
                root.draw(&Text::new(
                    id.clone(),
                    (left + cell * j as i32 + cell / 2, top - 8),
                    text_style(size.max(11.0), HPos::Center, VPos::Bottom),
                ))
                .map_err(e)?;
            }
            for (i, id) in ids.iter().enumerate() {
                let y = top + cell * i as i32;
                root.draw(&Text::new(
                    id.clone(),
                    (left - 6, y + cell / 2),
                    text_style(size.max(11.0), HPos::Right, VPos::Center),
                ))
                .map_err(e)?;
                for j in 0..n {
                    let x = left + cell * j as i32;
                    let corners = [(x, y), (x + cell, y + cell)];
                    if i == j {
                        root.draw(&Rectangle::new(corners, RGBColor(240, 240, 240).filled()))
                            .map_err(e)?;
                        continue;
                    }
                    let t = threat[i * n + j];
                    let x01 = t / max;
                    root.draw(&Rectangle::new(corners, ramp(THREAT, x01).filled()))
                        .map_err(e)?;
                    let ink = if x01 > 0.55 { WHITE } else { BLACK };
                    root.draw(&Text::new(
                        format!("{t:.2}"),
                        (x + cell / 2, y + cell / 2),
                        text_style(size, HPos::Center, VPos::Center).color(&ink),
                    ))
                    .map_err(e)?;
                }
                if let Some(&h) = principal.get(i) {
                    let x = left + cell * h as i32;
                    root.draw(&Rectangle::new(
                        [(x + 1, y + 1), (x + cell - 1, y + cell - 1)],
                        BLACK.stroke_width(2),
                    ))
                    .map_err(e)?;
                }
            }
            heat_map_lines(root, (left, top), cell, n)?;
            heat_map_legend(root, left, (scale_y, bar_y, key_y), bar, max)?;
            Ok(())
        },
    )
}

/// The white lines between the `n × n` cells of the heat map whose grid starts at `(left, top)`.
fn heat_map_lines(
    root: &Area<'_>,
    (left, top): (i32, i32),
    cell: i32,
    n: usize,
) -> Result<(), String> {
    for k in 0..=n as i32 {
        let end = cell * n as i32;
        root.draw(&PathElement::new(
            vec![(left + cell * k, top), (left + cell * k, top + end)],
            WHITE.stroke_width(1),
        ))
        .map_err(e)?;
        root.draw(&PathElement::new(
            vec![(left, top + cell * k), (left + end, top + cell * k)],
            WHITE.stroke_width(1),
        ))
        .map_err(e)?;
    }
    Ok(())
}

/// Under the heat map: the colour scale (title at `scale_y`, a bar `bar` wide at `bar_y`,
/// labels at 0, half and the largest threat `max`) and the key of the frames at `key_y`.
fn heat_map_legend(
    root: &Area<'_>,
    left: i32,
    (scale_y, bar_y, key_y): (i32, i32, i32),
    bar: i32,
    max: f64,
) -> Result<(), String> {
    // Colour scale: title, bar, labels at 0, half and the largest threat.
    root.draw(&Text::new(
        "colour: threat T (row from column), 0 to the largest",
        (left, scale_y),
        text_style(11.0, HPos::Left, VPos::Top),
    ))
    .map_err(e)?;
    colour_bar(root, (left, bar_y), bar, |x| ramp(THREAT, x))?;
    for (k, v) in [(0, 0.0), (1, max / 2.0), (2, max)] {
        root.draw(&Text::new(
            if k == 0 {
                "0".to_string()
            } else {
                format!("{v:.2}")
            },
            (left + bar * k / 2, bar_y + 16),
            text_style(11.0, HPos::Center, VPos::Top),
        ))
        .map_err(e)?;
    }
    // Key of the frames.
    root.draw(&Rectangle::new(
        [(left + 1, key_y), (left + 13, key_y + 12)],
        BLACK.stroke_width(2),
    ))
    .map_err(e)?;
    root.draw(&Text::new(
        "each row's principal threat (largest camp threat)",
        (left + 20, key_y + 6),
        text_style(11.0, HPos::Left, VPos::Center),
    ))
    .map_err(e)?;
    Ok(())
}

/// The width the heat map's scale and key need right of the grid's left edge: the key's text
/// (about 50 characters at 11 px) after its frame, with a margin.
const KEY_WIDTH: i32 = 360;

/// A state's decision shares.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareRow {
    /// State id.
    pub state: String,
    /// Share of steps balancing.
    pub balance: f64,
    /// Share of steps bandwagoning.
    pub bandwagon: f64,
    /// Share of steps secure.
    pub secure: f64,
}

/// Decision shares by state as stacked horizontal bars: balance, bandwagon, secure.
pub fn shares_chart(rows: &[ShareRow]) -> Result<String, ChartError> {
    let (left, top, row_h, bar_w) = (70, 40, 24, 640);
    let width = left + bar_w + 30;
    let height = top + row_h * rows.len() as i32 + 36;
    svg(
        "shares",
        "Balancing, bandwagoning and security by state (share of state-steps)",
        (width as u32, height as u32),
        |root| {
            let mut x = left;
            for (name, colour) in [
                ("balance", BALANCE),
                ("bandwagon", BANDWAGON),
                ("secure", SECURE),
            ] {
                root.draw(&Rectangle::new([(x, 12), (x + 14, 26)], colour.filled()))
                    .map_err(e)?;
                root.draw(&Text::new(
                    name,
                    (x + 20, 19),
                    text_style(12.0, HPos::Left, VPos::Center),
                ))
                .map_err(e)?;
                x += 110;
            }
            for (r, row) in rows.iter().enumerate() {
                let y = top + row_h * r as i32;
                root.draw(&Text::new(
                    row.state.clone(),
                    (left - 8, y + row_h / 2),
                    text_style(12.0, HPos::Right, VPos::Center),
                ))
                .map_err(e)?;
                let mut x0 = 0.0;
                for (share, colour, ink) in [
                    (row.balance, BALANCE, WHITE),
                    (row.bandwagon, BANDWAGON, WHITE),
                    (row.secure, SECURE, BLACK),
                ] {
                    let x1 = (x0 + share.max(0.0)).min(1.0);
                    let (a, b) = (
                        left + (x0 * bar_w as f64).round() as i32,
                        left + (x1 * bar_w as f64).round() as i32,
                    );
                    if b > a {
                        root.draw(&Rectangle::new(
                            [(a, y + 3), (b, y + row_h - 3)],
                            colour.filled(),
                        ))
                        .map_err(e)?;
                    }
                    if b - a >= 40 {
                        root.draw(&Text::new(
                            format!("{:.0} %", 100.0 * share),
                            ((a + b) / 2, y + row_h / 2),
                            text_style(11.0, HPos::Center, VPos::Center).color(&ink),
                        ))
                        .map_err(e)?;
                    }
                    x0 = x1;
                }
            }
            let y = top + row_h * rows.len() as i32 + 4;
            for k in 0..=4 {
                let x = left + bar_w * k / 4;
                root.draw(&PathElement::new(
                    vec![(x, y), (x, y + 5)],
                    BLACK.stroke_width(1),
                ))
                .map_err(e)?;
                root.draw(&Text::new(
                    format!("{} %", 25 * k),
                    (x, y + 8),
                    text_style(11.0, HPos::Center, VPos::Top),
                ))
                .map_err(e)?;
            }
            Ok(())
        },
    )
}

/// Bins of a [`distribution_chart`] over `[0, 1]`.
pub const DISTRIBUTION_BINS: usize = 20;

/// Shares of `values` (probabilities) in [`DISTRIBUTION_BINS`] equal bins of `[0, 1]` (1.0 in
/// the last bin; values outside go to the nearest end).
pub fn distribution_shares(values: &[f64]) -> [f64; DISTRIBUTION_BINS] {
    let mut count = [0usize; DISTRIBUTION_BINS];
    for &v in values {
        let k =
            ((v * DISTRIBUTION_BINS as f64).floor().max(0.0) as usize).min(DISTRIBUTION_BINS - 1);
        count[k] += 1;
    }
    let n = values.len().max(1) as f64;
    count.map(|c| c as f64 / n)
}

/// Histograms of a probability over the points of a sweep, one panel per series (a pair's
/// P(alliance)): the share of points in each twentieth of `[0, 1]`, with the median marked.
pub fn distribution_chart(series: &[(String, Vec<f64>)], what: &str) -> Result<String, ChartError> {
    let (left, right, panel_h, gap, top) = (60, 30, 110, 46, 16);
    let plot_w = 600;
    let width = left + plot_w + right;
    let height = top + (panel_h + gap) * series.len().max(1) as i32;
    svg(
        "distribution",
        &format!("Distribution of {what} over the sweep's points"),
        (width as u32, height as u32),
        |root| {
            for (k, (name, values)) in series.iter().enumerate() {
                let y0 = top + (panel_h + gap) * k as i32;
                let base = y0 + panel_h;
                let shares = distribution_shares(values);
                let peak = shares.iter().copied().fold(0.0, f64::max).max(1e-9);
                root.draw(&Text::new(
                    name.clone(),
                    (left, y0),
                    text_style(13.0, HPos::Left, VPos::Top),
                ))
                .map_err(e)?;
                let bar_w = plot_w / DISTRIBUTION_BINS as i32;
                for (b, &sh) in shares.iter().enumerate() {
                    let h = ((panel_h - 22) as f64 * sh / peak).round() as i32;
                    if h > 0 {
                        let x = left + bar_w * b as i32;
                        root.draw(&Rectangle::new(
                            [(x + 1, base - h), (x + bar_w - 1, base)],
                            PALETTE[0].filled(),
                        ))
                        .map_err(e)?;
                    }
                }
                root.draw(&PathElement::new(
                    vec![(left, base), (left + plot_w, base)],
                    BLACK.stroke_width(1),
                ))
                .map_err(e)?;
                for t in 0..=10 {
                    let x = left + plot_w * t / 10;
                    root.draw(&PathElement::new(
                        vec![(x, base), (x, base + 4)],
                        BLACK.stroke_width(1),
                    ))
                    .map_err(e)?;
                    root.draw(&Text::new(
                        format!("{:.1}", t as f64 / 10.0),
                        (x, base + 6),
                        text_style(11.0, HPos::Center, VPos::Top),
                    ))
                    .map_err(e)?;
                }
                root.draw(&Text::new(
                    format!("{what} (share of points per bar)"),
                    (left + plot_w / 2, base + 22),
                    text_style(11.0, HPos::Center, VPos::Top),
                ))
                .map_err(e)?;
                let mut sorted: Vec<f64> =
                    values.iter().copied().filter(|v| v.is_finite()).collect();
                sorted.sort_by(f64::total_cmp);
                if let Some(&m) = sorted.get(sorted.len() / 2) {
                    let x = left + (m.clamp(0.0, 1.0) * plot_w as f64).round() as i32;
                    root.draw(&PathElement::new(
                        vec![(x, y0 + 18), (x, base)],
                        THREAT.stroke_width(2),
                    ))
                    .map_err(e)?;
                    root.draw(&Text::new(
                        format!("median {m:.2}"),
                        (x + 4, y0 + 18),
                        text_style(11.0, HPos::Left, VPos::Top).color(&THREAT),
                    ))
                    .map_err(e)?;
                }
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_shares_by_hand() {
        // Twentieths: 0.0 and 0.04 in bin 0, 0.05 in bin 1, 0.5 in bin 10, 1.0 (and 1.2)
        // in bin 19, -0.1 in bin 0.
        let sh = distribution_shares(&[0.0, 0.04, 0.05, 0.5, 1.0, 1.2, -0.1, 0.5]);
        assert_eq!(sh[0], 3.0 / 8.0);
        assert_eq!(sh[1], 1.0 / 8.0);
        assert_eq!(sh[10], 2.0 / 8.0);
        assert_eq!(sh[19], 2.0 / 8.0);
        assert!((sh.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(distribution_shares(&[]), [0.0; DISTRIBUTION_BINS]);
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn check(svg: &str, texts: &[&str]) {
        assert!(
            svg.starts_with("<svg class=\"chart\" role=\"img\""),
            "{svg:.80}"
        );
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("http"), "no URL in an inline chart");
        for t in texts {
            assert!(svg.contains(t), "the chart shows `{t}`");
        }
    }

    #[test]
    fn every_chart_is_one_inline_svg_with_its_labels() {
        let bands: Vec<Band> = (0..5)
            .map(|k| Band {
                year: 2000.0 + k as f64,
                q05: -0.5,
                q50: 0.1 * k as f64,
                q95: 0.5,
            })
            .collect();
        let panel = FanPanel {
            label: "A-B".into(),
            bands,
        };
        check(
            &fan_charts(&[panel.clone(), panel], 0.6, -0.2).unwrap(),
            &["A-B", "2002"],
        );
        let line = Line {
            label: "A-B <&>".into(),
            points: vec![(2000.0, 0.0), (2001.0, 0.5)],
        };
        check(
            &probability_chart(&[line], "P(alliance)").unwrap(),
            &["A-B &lt;&amp;&gt;"],
        );
        let rows = [
            CampRow {
                label: "#1".into(),
                share: Some(0.625),
                side: vec![false, true, false],
            },
            CampRow {
                label: "#7".into(),
                share: None,
                side: vec![false, false, true],
            },
        ];
        let chart = camps_chart(("camps", "t"), &ids(&["A", "B", "C"]), &rows, Some("k <1>"));
        check(&chart.unwrap(), &["62.5 %", "#1", "#7", "k &lt;1&gt;"]);
        // Three states and a key of 100 characters: the chart is as wide as the key needs.
        let long = "k".repeat(100);
        let chart = camps_chart(("camps", "t"), &ids(&["A", "B", "C"]), &rows, Some(&long));
        assert!(
            chart.unwrap().contains("width=\"756\""),
            "46 + 7 · 100 + 10"
        );
        let chart = camps_chart(("camps", "t"), &ids(&["A", "B", "C"]), &rows[1..], None);
        let chart = chart.unwrap();
        check(&chart, &["#7"]);
        assert!(!chart.contains('%'), "no share, no bar");
        let t = [0.0, 1.0, 0.5, 2.0, 0.0, 0.25, 1.0, 0.25, 0.0];
        check(
            &heat_map(&ids(&["A", "B", "C"]), &t, &[1, 0, 0]).unwrap(),
            &["2.00", "0.25"],
        );
        let rows = [ShareRow {
            state: "A".into(),
            balance: 0.7,
            bandwagon: 0.1,
            secure: 0.2,
        }];
        check(&shares_chart(&rows).unwrap(), &["70 %", "bandwagon"]);
    }

    #[test]
    fn ramp_runs_from_white_to_the_dark_end() {
        assert_eq!(ramp(THREAT, 0.0), RGBColor(255, 255, 255));
        assert_eq!(ramp(THREAT, 1.0), RGBColor(165, 15, 21));
        assert_eq!(ramp(THREAT, 7.0), ramp(THREAT, 1.0));
        assert_eq!(ramp(PALETTE[0], -1.0), WHITE);
    }

    #[test]
    fn segments_break_at_undefined_values() {
        let s = segments(&[
            (0.0, Some(1.0)),
            (1.0, None),
            (2.0, Some(0.5)),
            (3.0, Some(0.4)),
        ]);
        assert_eq!(s, vec![vec![(0.0, 1.0)], vec![(2.0, 0.5), (3.0, 0.4)]]);
        let s = segments(&[
            (1, Some(0.1)),
            (2, None),
            (3, Some(0.3)),
            (4, Some(0.4)),
            (5, None),
        ]);
        assert_eq!(s, vec![vec![(1, 0.1)], vec![(3, 0.3), (4, 0.4)]]);
        assert!(segments(&[(1, None)]).is_empty());
    }
}
