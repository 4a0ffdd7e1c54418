//! Reading the files of a results folder with located errors, for the pages of backtest and
//! score folders ([`super::backtest`]) and of sweep folders ([`super::sweep`]): its
//! `manifest.json` as a JSON object, and its CSV files with their header, their columns found
//! by name and typed fields. A malformed field is an error naming the file, the line, the
//! column, what was found and what was expected (`FILE:LINE: column: found X, expected Y`,
//! [`FileError::Field`]).

use std::path::Path;

/// A file that cannot be read, or a malformed line or field of a CSV file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// A file is missing or unreadable.
    #[error("{path}: cannot read: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A line of a CSV file is malformed as a whole (its header, its number of fields, a
    /// repeated row).
    #[error("{path}:{line}: {message}")]
    Line {
        /// The file.
        path: String,
        /// Line number, from 1.
        line: u64,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A field of a CSV file is malformed.
    #[error("{path}:{line}: {column}: found {found}, expected {expected}")]
    Field {
        /// The file.
        path: String,
        /// Line number, from 1.
        line: u64,
        /// The column's name.
        column: String,
        /// What the field holds, quoted (or "an empty field").
        found: String,
        /// What it should hold.
        expected: String,
    },
}

/// `path` (a `manifest.json`) as a JSON object. A file that cannot be read is a
/// [`FileError::Read`]; text that is not JSON, or JSON that is not an object, is `bad` of a
/// message (the object expected: `object`, such as "an object with a `kind` key").
pub(crate) fn json_object<E: From<FileError>>(
    path: &Path,
    bad: impl Fn(String) -> E,
    object: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, E> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| bad(format!("not JSON ({e}), expected a JSON object")))?;
    match value {
        serde_json::Value::Object(map) => Ok(map),
        _ => Err(bad(format!(
            "found a JSON value that is not an object, expected {object}"
        ))),
    }
}

/// The manifest's `kind` in the folder `dir`, when its `manifest.json` is a JSON object whose
/// `kind` is text.
pub(crate) fn manifest_kind(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(v.get("kind")?.as_str()?.to_string())
}

/// A CSV file being read (fields trimmed): its path as errors show it, its header and the
/// records to come.
pub(crate) struct CsvFile {
    /// The path, as errors show it.
    pub path: String,
    /// The header's fields.
    pub header: csv::StringRecord,
    reader: csv::Reader<std::io::BufReader<std::fs::File>>,
}

impl CsvFile {
    /// Open `dir/name` and read its header.
    pub fn open(dir: &Path, name: &str) -> Result<Self, FileError> {
        let path = dir.join(name);
        let shown = path.display().to_string();
        let file = std::fs::File::open(&path).map_err(|e| FileError::Read {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(std::io::BufReader::new(file));
        let header = reader.headers().map_err(|e| csv_error(&shown, e))?.clone();
        Ok(Self {
            path: shown,
            header,
            reader,
        })
    }

    /// Open `dir/name` and read it whole: the file and its records with their line numbers
    /// (a malformed line anywhere is found before any field is checked).
    pub fn read_all(
        dir: &Path,
        name: &str,
    ) -> Result<(Self, Vec<(u64, csv::StringRecord)>), FileError> {
        let mut file = Self::open(dir, name)?;
        let records = std::iter::from_fn(|| file.next_record()).collect::<Result<_, _>>()?;
        Ok((file, records))
    }

    /// The next record and its line number; `None` at the end of the file.
    pub fn next_record(&mut self) -> Option<Result<(u64, csv::StringRecord), FileError>> {
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Err(e) => Some(Err(csv_error(&self.path, e))),
            Ok(true) => Some(Ok((record.position().map_or(1, |p| p.line()), record))),
            Ok(false) => None,
        }
    }

    /// The positions of `columns` in the header (other columns are ignored); a header
    /// without one of them is an error on line 1.
    pub fn columns(&self, columns: &[&str]) -> Result<Vec<usize>, FileError> {
        columns
            .iter()
            .map(|c| {
                self.header
                    .iter()
                    .position(|h| h == *c)
                    .ok_or_else(|| self.header_error(columns, ""))
            })
            .collect()
    }

    /// The header is not `expected`: an error on line 1 showing both, then `note`.
    pub fn header_error(&self, expected: &[&str], note: &str) -> FileError {
        self.line_error(
            1,
            format!(
                "header: found `{}`, expected `{}`{note}",
                self.header.iter().collect::<Vec<_>>().join(","),
                expected.join(",")
            ),
        )
    }

    /// Line `line` is malformed as a whole.
    pub fn line_error(&self, line: u64, message: String) -> FileError {
        FileError::Line {
            path: self.path.clone(),
            line,
            message,
        }
    }

    /// The field of `column` on line `line` holds `text`, not what was `expected`.
    pub fn field_error(&self, line: u64, column: &str, text: &str, expected: &str) -> FileError {
        self.error(line, column, found(text), expected)
    }

    /// A field error on line `line` in `column`, with `found` as the message shows it.
    fn error(&self, line: u64, column: &str, found: String, expected: &str) -> FileError {
        FileError::Field {
            path: self.path.clone(),
            line,
            column: column.to_string(),
            found,
            expected: expected.to_string(),
        }
    }
}

/// A CSV reading error as a [`FileError`]: a record with another number of fields than the
/// header, or bytes that are not UTF-8, on its line; anything else as unreadable.
fn csv_error(path: &str, e: csv::Error) -> FileError {
    let line_of = |pos: &Option<csv::Position>| pos.as_ref().map_or(1, |p| p.line());
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => FileError::Line {
            path: path.to_string(),
            line: line_of(pos),
            message: format!("found {len} fields, expected {expected_len} (as in the header)"),
        },
        csv::ErrorKind::Utf8 { pos, err } => FileError::Line {
            path: path.to_string(),
            line: line_of(pos),
            message: format!(
                "field {}: found bytes that are not UTF-8, expected text",
                err.field() + 1
            ),
        },
        _ => FileError::Read {
            path: path.to_string(),
            message: e.to_string(),
        },
    }
}

/// Read `dir/name`, find `columns` in its header (others are ignored) and turn each record
/// into a `T` as it is read (a malformed line is found when it is reached).
pub(crate) fn read_table<T>(
    dir: &Path,
    name: &str,
    columns: &[&str],
    mut parse: impl FnMut(&Row<'_>) -> Result<T, FileError>,
) -> Result<Vec<T>, FileError> {
    let mut file = CsvFile::open(dir, name)?;
    let index = file.columns(columns)?;
    let mut rows = Vec::new();
    while let Some(next) = file.next_record() {
        let (line, record) = next?;
        rows.push(parse(&Row::new(&file, line, &record, columns, &index))?);
    }
    Ok(rows)
}

/// One record of a CSV file, its fields found by column name.
pub(crate) struct Row<'a> {
    file: &'a CsvFile,
    /// Line number, from 1.
    pub line: u64,
    record: &'a csv::StringRecord,
    columns: &'a [&'a str],
    index: &'a [usize],
}

impl<'a> Row<'a> {
    /// The record on line `line` of `file`, whose `columns` are at `index` (as
    /// [`CsvFile::columns`] finds them).
    pub fn new(
        file: &'a CsvFile,
        line: u64,
        record: &'a csv::StringRecord,
        columns: &'a [&'a str],
        index: &'a [usize],
    ) -> Self {
        Self {
            file,
            line,
            record,
            columns,
            index,
        }
    }

    /// The field of `column` (empty when the record has none).
    pub fn text(&self, column: &str) -> &'a str {
        self.columns
            .iter()
            .position(|c| *c == column)
            .and_then(|k| self.index.get(k))
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }

    /// `column` holds `found` (as the message shows it), not what was `expected`.
    pub fn error(&self, column: &str, found: String, expected: &str) -> FileError {
        self.file.error(self.line, column, found, expected)
    }

    /// `column` holds `text`, not what was `expected`.
    pub fn field_error(&self, column: &str, text: &str, expected: &str) -> FileError {
        self.file.field_error(self.line, column, text, expected)
    }

    /// The field of `column` is not what was `expected`.
    pub fn fail(&self, column: &str, expected: &str) -> FileError {
        self.field_error(column, self.text(column), expected)
    }

    /// The field of `column` read by `parse`, or an error saying what was `expected`.
    pub fn get<T>(
        &self,
        column: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, FileError> {
        parse(self.text(column)).ok_or_else(|| self.fail(column, expected))
    }

    /// The line is malformed as a whole.
    pub fn line_error(&self, message: String) -> FileError {
        self.file.line_error(self.line, message)
    }

    /// The record repeats the key `what` of the record on line `first`.
    pub fn duplicate(&self, what: &str, first: u64) -> FileError {
        self.line_error(format!(
            "found a second row for {what}, expected one (the first is line {first})"
        ))
    }
}

/// A field as an error message shows it: quoted, cut after 40 characters, or "an empty
/// field".
fn found(s: &str) -> String {
    if s.is_empty() {
        return "an empty field".to_string();
    }
    let short: String = s.chars().take(40).collect();
    if short.len() < s.len() {
        format!("`{short}…`")
    } else {
        format!("`{s}`")
    }
}

/// A finite number from `lo` to `hi`.
pub(crate) fn number(s: &str, lo: f64, hi: f64) -> Option<f64> {
    s.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= lo && *x <= hi)
}

/// An optional number from `lo` to `hi`: `Some(None)` for an empty field.
pub(crate) fn maybe(s: &str, lo: f64, hi: f64) -> Option<Option<f64>> {
    if s.is_empty() {
        Some(None)
    } else {
        number(s, lo, hi).map(Some)
    }
}

/// A whole number, written without a `+`.
pub(crate) fn whole<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.starts_with('+') {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder holding `data.csv` with `text`.
    fn folder(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("data.csv"), text).unwrap();
        dir
    }

    /// The column `n`, a whole number, of every row of `data.csv`.
    fn numbers(dir: &Path) -> Result<Vec<u32>, String> {
        read_table(dir, "data.csv", &["n"], |r| {
            r.get("n", "a whole number", whole::<u32>)
        })
        .map_err(|e| e.to_string())
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_column() {
        let dir = folder("id, n\na, 1\nb, +2\n");
        let path = dir.path().join("data.csv").display().to_string();
        assert_eq!(
            numbers(dir.path()).unwrap_err(),
            format!("{path}:3: n: found `+2`, expected a whole number")
        );
        let dir = folder("id,m\na,1\n");
        assert!(
            numbers(dir.path())
                .unwrap_err()
                .ends_with("data.csv:1: header: found `id,m`, expected `n`")
        );
        let dir = folder("n\n1\n2,3\n");
        assert!(
            numbers(dir.path())
                .unwrap_err()
                .ends_with("data.csv:3: found 2 fields, expected 1 (as in the header)")
        );
        assert!(
            numbers(&dir.path().join("nowhere"))
                .unwrap_err()
                .contains("cannot read")
        );
        assert_eq!(numbers(folder("n\n 7 \n").path()), Ok(vec![7]));
    }

    #[test]
    fn read_all_finds_a_malformed_line_before_any_field_is_checked() {
        // Line 2 has a bad field, line 3 the wrong number of fields: read as it goes, the
        // field is found first; read whole, the line.
        let dir = folder("n\nx\n1,2\n");
        assert!(
            numbers(dir.path())
                .unwrap_err()
                .ends_with(":2: n: found `x`, expected a whole number")
        );
        let err = CsvFile::read_all(dir.path(), "data.csv").err().unwrap();
        assert!(
            err.to_string()
                .ends_with(":3: found 2 fields, expected 1 (as in the header)")
        );
    }

    #[test]
    fn fields_are_shown_quoted_and_cut() {
        assert_eq!(found(""), "an empty field");
        assert_eq!(found("abc"), "`abc`");
        assert_eq!(found(&"é".repeat(50)), format!("`{}…`", "é".repeat(40)));
        assert_eq!(maybe("", 0.0, 1.0), Some(None));
        assert_eq!(maybe("1.5", 0.0, 1.0), None);
        assert_eq!(number("inf", f64::MIN, f64::MAX), None);
    }
}
