//! Diagnostics: where a problem is (file, line, column, field) and what was expected.

use std::fmt;
use std::ops::Range;

/// One problem found in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Dotted path of the field, e.g. `state.USA.aggression` (same syntax as `--set`).
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

/// All problems found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file name as the user gave it.
    pub file: String,
    /// The problems, in file order.
    pub items: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, d) in self.items.iter().enumerate() {
            if k > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}:{}: {}: {}",
                self.file, d.line, d.column, d.field, d.message
            )?;
        }
        Ok(())
    }
}

/// Maps byte offsets of a source text to line and column.
#[derive(Debug, Clone)]
pub struct SourceMap<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> SourceMap<'a> {
    /// Index the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, line_starts }
    }

    /// 1-based line and column of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &'a str {
        let start = self
            .line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(0);
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&e| e.saturating_sub(1));
        self.text.get(start..end.max(start)).unwrap_or("")
    }

    /// The header (`[x]` or `[[x]]`) governing a byte offset, if any.
    pub fn header_before(&self, offset: usize) -> Option<&'a str> {
        let (line, _) = self.position(offset);
        (1..=line)
            .rev()
            .map(|l| self.line_text(l).trim())
            .find(|t| {
                t.starts_with('[')
                    && !t.starts_with("[ ")
                    && t.trim_end_matches(|c| c != ']').ends_with(']')
            })
    }
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub struct Collector<'a> {
    /// The source being checked.
    pub map: SourceMap<'a>,
    items: Vec<Diagnostic>,
}

impl<'a> Collector<'a> {
    /// A collector for `text`.
    pub fn new(text: &'a str) -> Self {
        Self {
            map: SourceMap::new(text),
            items: Vec::new(),
        }
    }

    /// Record a problem at a byte span.
    pub fn error(
        &mut self,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        let (line, column) = self.map.position(span.start);
        self.items.push(Diagnostic {
            line,
            column,
            field: field.into(),
            message: message.into(),
        });
    }

    /// Whether any problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The problems, sorted by position (stable for equal positions).
    pub fn finish(mut self, file: &str) -> Diagnostics {
        self.items.sort_by_key(|d| (d.line, d.column));
        Diagnostics {
            file: file.to_string(),
            items: self.items,
        }
    }
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|&(d, c)| d <= (c.chars().count().max(word.chars().count()) / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` or nothing.
pub fn suggestion<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    did_you_mean(closest(word, candidates))
}

/// `; did you mean `x`?` for a candidate found by [`closest`], or nothing.
pub fn did_you_mean(candidate: Option<&str>) -> String {
    candidate.map_or(String::new(), |c| format!("; did you mean `{c}`?"))
}

/// Format a number for messages without noise (`0.5`, `1e12`, `nan`).
pub fn show(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else if x != 0.0 && !(1e-4..1e7).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// ` in [lo, hi]`, ` >= lo`, ` <= hi` or nothing; bounds at or beyond `f64::MAX` count as none,
/// and a lower bound of `f64::MIN_POSITIVE` (a field that must be positive) reads `> 0`.
pub fn range_text(lo: f64, hi: f64) -> String {
    if lo == f64::MIN_POSITIVE {
        return if hi < f64::MAX {
            format!(" in (0, {}]", show(hi))
        } else {
            " > 0".into()
        };
    }
    match (lo > f64::MIN, hi < f64::MAX) {
        (true, true) => format!(" in [{}, {}]", show(lo), show(hi)),
        (true, false) => format!(" >= {}", show(lo)),
        (false, true) => format!(" <= {}", show(hi)),
        (false, false) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let m = SourceMap::new("ab\ncdé\n\nx");
        assert_eq!(m.position(0), (1, 1));
        assert_eq!(m.position(1), (1, 2));
        assert_eq!(m.position(3), (2, 1));
        assert_eq!(m.position(7), (2, 4)); // after the two-byte é
        // Bytes: a b \n c d é(2) \n \n x: offset 8 is the empty line 3, 9 is `x`, 10 the end.
        assert_eq!(m.position(8), (3, 1));
        assert_eq!(m.position(9), (4, 1));
        assert_eq!(m.position(10), (4, 2));
        assert_eq!(m.position(99), (4, 2)); // clamped to the end
        assert_eq!(m.line_text(2), "cdé");
        assert_eq!(m.line_text(4), "x");
    }

    #[test]
    fn closest_finds_typos_and_rejects_unrelated_words() {
        let c = ["aggression", "autonomy", "offense"];
        assert_eq!(closest("agression", c), Some("aggression"));
        assert_eq!(closest("offence", c), Some("offense"));
        assert_eq!(closest("zzz", c), None);
    }

    #[test]
    fn numbers_and_ranges_read_without_noise() {
        assert_eq!(show(0.5), "0.5");
        assert_eq!(show(1e12), "1e12");
        assert_eq!(show(f64::MIN_POSITIVE), "2.2250738585072014e-308");
        assert_eq!(show(f64::NEG_INFINITY), "-inf");
        assert_eq!(range_text(0.0, 100.0), " in [0, 100]");
        assert_eq!(range_text(0.0, f64::MAX), " >= 0");
        assert_eq!(range_text(f64::MIN, 1e15), " <= 1e15");
        assert_eq!(range_text(f64::MIN, f64::MAX), "");
        assert_eq!(range_text(f64::MIN_POSITIVE, 1e12), " in (0, 1e12]");
        assert_eq!(range_text(f64::MIN_POSITIVE, f64::INFINITY), " > 0");
    }
}
