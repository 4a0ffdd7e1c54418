//! Plain-text tables with aligned columns.

use std::fmt::Write;

/// A table under construction: a header and rows of cells.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned left (text); the others align right (numbers).
    left: Vec<bool>,
}

impl Table {
    /// A table with these column names; columns whose name starts with `<` align left.
    pub fn new(columns: &[&str]) -> Self {
        Self {
            header: columns
                .iter()
                .map(|c| c.trim_start_matches('<').to_string())
                .collect(),
            left: columns.iter().map(|c| c.starts_with('<')).collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Render with two spaces between columns.
    pub fn render(&self) -> String {
        let mut width: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (k, c) in r.iter().enumerate() {
                width[k] = width[k].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let mut s = String::new();
            for (k, c) in cells.iter().enumerate() {
                let pad = width[k] - c.chars().count();
                if k > 0 {
                    s.push_str("  ");
                }
                if self.left[k] {
                    s.push_str(c);
                    s.extend(std::iter::repeat_n(' ', pad));
                } else {
                    s.extend(std::iter::repeat_n(' ', pad));
                    s.push_str(c);
                }
            }
            let _ = writeln!(out, "{}", s.trim_end());
        };
        line(&mut out, &self.header);
        let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
        line(&mut out, &rule);
        for r in &self.rows {
            line(&mut out, r);
        }
        out
    }
}
