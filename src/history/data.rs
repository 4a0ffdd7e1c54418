//! The historical data sets as typed tables: read from the copy embedded in the binary or from
//! a folder of CSV files in the same format (`--data DIR`).
//!
//! Files from a folder are untrusted: every problem is an error naming the file, the line, the
//! column and what was expected. Extra columns are ignored, so a file with more columns than
//! entente reads still works; the years covered are taken from the files, never assumed, so
//! the same files extended past 1989 work unchanged.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Where the built-in data came from, as named in messages and manifests.
pub const EMBEDDED_NAME: &str = "<built-in>/data/history";

/// The price index file: a folder given with `--data` may leave it out (the data sets
/// proper do not include it), and the built-in one is used.
pub const CPI_FILE: &str = "us_cpi.csv";

/// The files, by name, with their embedded text.
const EMBEDDED: [(&str, &str); 12] = [
    ("states.csv", include_str!("../../data/history/states.csv")),
    (
        "capitals.csv",
        include_str!("../../data/history/capitals.csv"),
    ),
    ("majors.csv", include_str!("../../data/history/majors.csv")),
    ("nmc.csv", include_str!("../../data/history/nmc.csv")),
    ("gdp.csv", include_str!("../../data/history/gdp.csv")),
    (
        "contiguity.csv",
        include_str!("../../data/history/contiguity.csv"),
    ),
    (
        "atop_spells.csv",
        include_str!("../../data/history/atop_spells.csv"),
    ),
    (
        "rivalries.csv",
        include_str!("../../data/history/rivalries.csv"),
    ),
    (
        "mid_dyad_years.csv",
        include_str!("../../data/history/mid_dyad_years.csv"),
    ),
    (
        "trade_dyad_years.csv",
        include_str!("../../data/history/trade_dyad_years.csv"),
    ),
    (
        "war_dyad_years.csv",
        include_str!("../../data/history/war_dyad_years.csv"),
    ),
    ("us_cpi.csv", include_str!("../../data/history/us_cpi.csv")),
];

/// Errors reading the data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A file could not be read.
    #[error("{path}: cannot read the data file: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file was read but a value in it is wrong.
    #[error("{file}:{line}: {field}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The column.
        field: String,
        /// What was found and what was expected.
        message: String,
    },
}

/// A COW country code.
pub type Code = u16;

/// A spell of years, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First year.
    pub first: i32,
    /// Last year.
    pub last: i32,
}

impl Span {
    /// Whether `year` lies in the spell.
    pub fn contains(&self, year: i32) -> bool {
        self.first <= year && year <= self.last
    }
}

/// A state-system membership spell.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// COW code.
    pub code: Code,
    /// COW abbreviation (`UKG`).
    pub abb: String,
    /// Name.
    pub name: String,
    /// Years of membership.
    pub span: Span,
}

/// A capital spell.
#[derive(Debug, Clone, PartialEq)]
pub struct Capital {
    /// COW code.
    pub code: Code,
    /// City.
    pub city: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Years.
    pub span: Span,
}

/// One state-year of the COW National Material Capabilities; `None` where the data set has no
/// value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Capabilities {
    /// Military expenditure, thousands (pounds before 1914, current USD after).
    pub milex: Option<f64>,
    /// Military personnel, thousands.
    pub milper: Option<f64>,
    /// Iron and steel production, thousands of tons.
    pub irst: Option<f64>,
    /// Primary energy consumption, thousands of coal-ton equivalents.
    pub pec: Option<f64>,
    /// Total population, thousands.
    pub tpop: Option<f64>,
    /// Urban population, thousands.
    pub upop: Option<f64>,
    /// Composite index of national capability.
    pub cinc: Option<f64>,
}

/// Names of the six CINC components, in the order of [`Capabilities::components`].
pub const COMPONENTS: [&str; 6] = ["milex", "milper", "irst", "pec", "tpop", "upop"];

impl Capabilities {
    /// The six CINC components, in the order of [`COMPONENTS`].
    pub fn components(&self) -> [Option<f64>; 6] {
        [
            self.milex,
            self.milper,
            self.irst,
            self.pec,
            self.tpop,
            self.upop,
        ]
    }
}

/// A contiguity spell between `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contiguity {
    /// First state.
    pub a: Code,
    /// Second state.
    pub b: Code,
    /// 1 land or river border; 2–5 separated by at most 12, 24, 150, 400 miles of water; 0 none.
    pub kind: u8,
    /// Years.
    pub span: Span,
}

/// An ATOP alliance obligation spell between `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obligation {
    /// First state.
    pub a: Code,
    /// Second state.
    pub b: Code,
    /// Years.
    pub span: Span,
    /// Defence pledge.
    pub defense: bool,
    /// Offence pledge.
    pub offense: bool,
    /// Neutrality pledge.
    pub neutral: bool,
    /// Non-aggression pledge.
    pub nonagg: bool,
    /// Consultation pledge.
    pub consult: bool,
}

/// A strategic rivalry (Thompson & Dreyer).
#[derive(Debug, Clone, PartialEq)]
pub struct Rivalry {
    /// First state.
    pub a: Code,
    /// Second state.
    pub b: Code,
    /// Name (`Austria-France`).
    pub name: String,
    /// First year.
    pub first: i32,
    /// Last year; `None` when ongoing at the end of the data.
    pub last: Option<i32>,
}

impl Rivalry {
    /// Whether the rivalry is in force in `year`.
    pub fn in_force(&self, year: i32) -> bool {
        self.first <= year && self.last.is_none_or(|l| year <= l)
    }
}

/// Bilateral trade of a pair in a year, millions of current USD.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trade {
    /// Imports of `a` from `b`.
    pub a_from_b: f64,
    /// Imports of `b` from `a`.
    pub b_from_a: f64,
}

/// The historical data: every table entente reads.
#[derive(Debug, Clone)]
pub struct HistoryData {
    /// Where the data came from (a folder or [`EMBEDDED_NAME`]).
    pub origin: String,
    /// State-system membership spells.
    pub members: Vec<Member>,
    /// Capital spells.
    pub capitals: Vec<Capital>,
    /// Major-power spells, by code.
    pub majors: Vec<(Code, Span)>,
    /// Capabilities by (code, year).
    pub nmc: BTreeMap<(Code, i32), Capabilities>,
    /// Natural log of GDP (2011 USD) by (code, year).
    pub ln_gdp: BTreeMap<(Code, i32), f64>,
    /// Contiguity spells.
    pub contiguity: Vec<Contiguity>,
    /// Alliance obligation spells.
    pub obligations: Vec<Obligation>,
    /// Strategic rivalries.
    pub rivalries: Vec<Rivalry>,
    /// Highest dispute hostility (1–5) by (a, b, year), `a < b`.
    pub disputes: HashMap<(Code, Code, i32), u8>,
    /// Trade by (a, b, year), `a < b`.
    pub trade: HashMap<(Code, Code, i32), Trade>,
    /// Pairs at war, by (a, b, year), `a < b`.
    pub wars: HashMap<(Code, Code), Vec<i32>>,
    /// U.S. consumer price index (annual average, 1982–84 = 100) at the years given.
    pub cpi: Vec<(i32, f64)>,
    /// First year of state-system membership in the data.
    pub first_year: i32,
    /// Last year of state-system membership in the data (1989 in the shipped copy).
    pub last_year: i32,
}

/// A pair key with the smaller code first.
pub fn key(a: Code, b: Code) -> (Code, Code) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Reads rows of one CSV file with located errors.
struct Table<'t> {
    file: String,
    reader: csv::Reader<&'t [u8]>,
    columns: Vec<usize>,
}

/// One row, with the place it came from.
struct Row<'r> {
    file: &'r str,
    line: u64,
    record: csv::StringRecord,
    columns: &'r [usize],
    names: &'r [&'r str],
}

impl Row<'_> {
    fn err(&self, k: usize, message: String) -> DataError {
        DataError::Invalid {
            file: self.file.to_string(),
            line: self.line,
            field: self.names[k].to_string(),
            message,
        }
    }

    fn text(&self, k: usize) -> &str {
        self.record.get(self.columns[k]).unwrap_or("").trim()
    }

    fn int(&self, k: usize, lo: i64, hi: i64) -> Result<i64, DataError> {
        let t = self.text(k);
        match t.parse::<i64>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ => Err(self.err(
                k,
                format!("found `{t}`, expected an integer in [{lo}, {hi}]"),
            )),
        }
    }

    fn code(&self, k: usize) -> Result<Code, DataError> {
        Ok(self.int(k, 1, 999)? as Code)
    }

    fn year(&self, k: usize) -> Result<i32, DataError> {
        Ok(self.int(k, 1000, 3000)? as i32)
    }

    fn opt_year(&self, k: usize) -> Result<Option<i32>, DataError> {
        if self.text(k).is_empty() {
            Ok(None)
        } else {
            self.year(k).map(Some)
        }
    }

    fn flag(&self, k: usize) -> Result<bool, DataError> {
        Ok(self.int(k, 0, 1)? == 1)
    }

    fn float(&self, k: usize, lo: f64, hi: f64) -> Result<f64, DataError> {
        let t = self.text(k);
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Ok(v),
            _ => Err(self.err(
                k,
                format!(
                    "found `{t}`, expected a number{}",
                    crate::scenario::range_text(lo, hi)
                ),
            )),
        }
    }

    /// A non-negative number, or `None` for an empty field or a negative number (COW data
    /// sets code a missing value as -9).
    fn opt_amount(&self, k: usize) -> Result<Option<f64>, DataError> {
        if self.text(k).is_empty() {
            return Ok(None);
        }
        let v = self.float(k, f64::MIN, 1e15)?;
        Ok((v >= 0.0).then_some(v))
    }

    fn span(&self, k: usize) -> Result<Span, DataError> {
        let first = self.year(k)?;
        let last = self.year(k + 1)?;
        if last < first {
            return Err(self.err(
                k + 1,
                format!("found {last}, expected a last year at or after the first year {first}"),
            ));
        }
        Ok(Span { first, last })
    }

    fn pair(&self, k: usize) -> Result<(Code, Code), DataError> {
        let a = self.code(k)?;
        let b = self.code(k + 1)?;
        if a == b {
            return Err(self.err(
                k + 1,
                format!("found {b} twice, expected two different states"),
            ));
        }
        Ok(key(a, b))
    }
}

impl<'t> Table<'t> {
    fn open(file: &str, text: &'t str, names: &[&str]) -> Result<Self, DataError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| DataError::Invalid {
            file: file.to_string(),
            line: 1,
            field: "header".into(),
            message: format!("cannot read the header: {e}"),
        })?;
        let mut columns = Vec::new();
        for n in names {
            match header.iter().position(|h| h.trim() == *n) {
                Some(c) => columns.push(c),
                None => {
                    return Err(DataError::Invalid {
                        file: file.to_string(),
                        line: 1,
                        field: (*n).to_string(),
                        message: format!(
                            "missing column `{n}` (expected columns: {})",
                            names.join(", ")
                        ),
                    });
                }
            }
        }
        Ok(Self {
            file: file.to_string(),
            reader,
            columns,
        })
    }

    /// Call `f` on every row.
    fn each(
        mut self,
        names: &[&str],
        mut f: impl FnMut(&Row<'_>) -> Result<(), DataError>,
    ) -> Result<(), DataError> {
        let mut record = csv::StringRecord::new();
        loop {
            let line = self.reader.position().line();
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    return Err(DataError::Invalid {
                        file: self.file.clone(),
                        line: e.position().map_or(line, |p| p.line()),
                        field: "row".into(),
                        message: format!("not a valid CSV row: {e}"),
                    });
                }
            }
            let line = record.position().map_or(line, |p| p.line());
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let row = Row {
                file: &self.file,
                line,
                record: record.clone(),
                columns: &self.columns,
                names,
            };
            f(&row)?;
        }
    }
}

fn rows(
    files: &Files,
    name: &str,
    names: &[&str],
    f: impl FnMut(&Row<'_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let (shown, text) = files.get(name)?;
    Table::open(&shown, &text, names)?.each(names, f)
}

/// The source of the files: embedded, or a folder.
enum Files {
    Embedded,
    Dir(PathBuf),
    /// Files held in memory, by name (a missing one is not found, as in a folder).
    Memory(Vec<(String, Vec<u8>)>),
}

/// `bytes` of the file shown as `shown`, as text.
fn utf8(shown: &str, bytes: Vec<u8>) -> Result<String, DataError> {
    String::from_utf8(bytes).map_err(|e| DataError::Io {
        path: shown.to_string(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text: {e}"),
        ),
    })
}

impl Files {
    fn get(&self, name: &str) -> Result<(String, String), DataError> {
        match self {
            Files::Embedded => {
                let text = EMBEDDED
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, t)| *t)
                    .unwrap_or("");
                Ok((format!("{EMBEDDED_NAME}/{name}"), text.to_string()))
            }
            Files::Dir(dir) => {
                let path = dir.join(name);
                if name == CPI_FILE && !path.exists() {
                    // Not one of the data sets: a folder without it uses the built-in index.
                    return Files::Embedded.get(name);
                }
                let shown = path.display().to_string();
                let bytes = std::fs::read(&path).map_err(|source| DataError::Io {
                    path: shown.clone(),
                    source,
                })?;
                let text = utf8(&shown, bytes)?;
                Ok((shown, text))
            }
            Files::Memory(files) => match files.iter().find(|(n, _)| n == name) {
                Some((_, bytes)) => Ok((name.to_string(), utf8(name, bytes.clone())?)),
                None if name == CPI_FILE => Files::Embedded.get(name),
                None => Err(DataError::Io {
                    path: name.to_string(),
                    source: std::io::ErrorKind::NotFound.into(),
                }),
            },
        }
    }
}

/// `states.csv`: the membership spells, at least one.
fn read_members(files: &Files) -> Result<Vec<Member>, DataError> {
    let mut members = Vec::new();
    let names = ["ccode", "abb", "name", "first_year", "last_year"];
    rows(files, "states.csv", &names, |r| {
        let abb = r.text(1).to_string();
        let ok = (2..=8).contains(&abb.len())
            && abb.starts_with(|c: char| c.is_ascii_uppercase())
            && abb
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(r.err(
                1,
                format!(
                    "found `{abb}`, expected 2 to 8 capital letters, digits or `_`, starting with a letter"
                ),
            ));
        }
        members.push(Member {
            code: r.code(0)?,
            abb,
            name: r.text(2).to_string(),
            span: r.span(3)?,
        });
        Ok(())
    })?;
    if members.is_empty() {
        let (shown, _) = files.get("states.csv")?;
        return Err(DataError::Invalid {
            file: shown,
            line: 1,
            field: "row".into(),
            message: "no state: expected at least one row".into(),
        });
    }
    Ok(members)
}

/// `capitals.csv`: the capitals and their coordinates.
fn read_capitals(files: &Files) -> Result<Vec<Capital>, DataError> {
    let mut capitals = Vec::new();
    let names = ["ccode", "capital", "lat", "lng", "first_year", "last_year"];
    rows(files, "capitals.csv", &names, |r| {
        capitals.push(Capital {
            code: r.code(0)?,
            city: r.text(1).to_string(),
            lat: r.float(2, -90.0, 90.0)?,
            lon: r.float(3, -180.0, 180.0)?,
            span: r.span(4)?,
        });
        Ok(())
    })?;
    Ok(capitals)
}

/// `majors.csv`: the major powers' spells.
fn read_majors(files: &Files) -> Result<Vec<(Code, Span)>, DataError> {
    let mut majors = Vec::new();
    let names = ["ccode", "first_year", "last_year"];
    rows(files, "majors.csv", &names, |r| {
        majors.push((r.code(0)?, r.span(1)?));
        Ok(())
    })?;
    Ok(majors)
}

/// `nmc.csv`: the capabilities by state and year.
fn read_nmc(files: &Files) -> Result<BTreeMap<(Code, i32), Capabilities>, DataError> {
    let mut nmc = BTreeMap::new();
    let names = [
        "ccode", "year", "milex", "milper", "irst", "pec", "tpop", "upop", "cinc",
    ];
    rows(files, "nmc.csv", &names, |r| {
        let c = Capabilities {
            milex: r.opt_amount(2)?,
            milper: r.opt_amount(3)?,
            irst: r.opt_amount(4)?,
            pec: r.opt_amount(5)?,
            tpop: r.opt_amount(6)?,
            upop: r.opt_amount(7)?,
            cinc: if r.text(8).is_empty() {
                None
            } else {
                Some(r.float(8, 0.0, 1.0)?)
            },
        };
        nmc.insert((r.code(0)?, r.year(1)?), c);
        Ok(())
    })?;
    Ok(nmc)
}

/// `gdp.csv`: the log of GDP by state and year, where estimated.
fn read_ln_gdp(files: &Files) -> Result<BTreeMap<(Code, i32), f64>, DataError> {
    let mut ln_gdp = BTreeMap::new();
    let names = ["ccode", "year", "ln_gdp"];
    rows(files, "gdp.csv", &names, |r| {
        if !r.text(2).is_empty() {
            ln_gdp.insert((r.code(0)?, r.year(1)?), r.float(2, 0.0, 60.0)?);
        }
        Ok(())
    })?;
    Ok(ln_gdp)
}

/// `contiguity.csv`: the contiguity spells.
fn read_contiguity(files: &Files) -> Result<Vec<Contiguity>, DataError> {
    let mut contiguity = Vec::new();
    let names = ["a", "b", "conttype", "first_year", "last_year"];
    rows(files, "contiguity.csv", &names, |r| {
        let (a, b) = r.pair(0)?;
        contiguity.push(Contiguity {
            a,
            b,
            kind: r.int(2, 0, 5)? as u8,
            span: r.span(3)?,
        });
        Ok(())
    })?;
    Ok(contiguity)
}

/// `atop_spells.csv`: the alliance obligations' spells.
fn read_obligations(files: &Files) -> Result<Vec<Obligation>, DataError> {
    let mut obligations = Vec::new();
    let names = [
        "a",
        "b",
        "first_year",
        "last_year",
        "defense",
        "offense",
        "neutral",
        "nonagg",
        "consult",
    ];
    rows(files, "atop_spells.csv", &names, |r| {
        let (a, b) = r.pair(0)?;
        obligations.push(Obligation {
            a,
            b,
            span: r.span(2)?,
            defense: r.flag(4)?,
            offense: r.flag(5)?,
            neutral: r.flag(6)?,
            nonagg: r.flag(7)?,
            consult: r.flag(8)?,
        });
        Ok(())
    })?;
    Ok(obligations)
}

/// `rivalries.csv`: the strategic rivalries.
fn read_rivalries(files: &Files) -> Result<Vec<Rivalry>, DataError> {
    let mut rivalries = Vec::new();
    let names = ["a", "b", "name", "first_year", "last_year"];
    rows(files, "rivalries.csv", &names, |r| {
        let (a, b) = r.pair(0)?;
        let first = r.year(3)?;
        let last = r.opt_year(4)?;
        if let Some(l) = last
            && l < first
        {
            return Err(r.err(
                4,
                format!("found {l}, expected a last year at or after the first year {first}"),
            ));
        }
        rivalries.push(Rivalry {
            a,
            b,
            name: r.text(2).to_string(),
            first,
            last,
        });
        Ok(())
    })?;
    Ok(rivalries)
}

/// `mid_dyad_years.csv`: the highest hostility of each pair's disputes by year.
fn read_disputes(files: &Files) -> Result<HashMap<(Code, Code, i32), u8>, DataError> {
    let mut disputes = HashMap::new();
    let names = ["a", "b", "year", "max_hostility"];
    rows(files, "mid_dyad_years.csv", &names, |r| {
        let (a, b) = r.pair(0)?;
        let h = r.int(3, 1, 5)? as u8;
        let e = disputes.entry((a, b, r.year(2)?)).or_insert(h);
        *e = (*e).max(h);
        Ok(())
    })?;
    Ok(disputes)
}

/// `trade_dyad_years.csv`: the trade of each pair by year.
fn read_trade(files: &Files) -> Result<HashMap<(Code, Code, i32), Trade>, DataError> {
    let mut trade = HashMap::new();
    let names = ["a", "b", "year", "imports_a_from_b", "imports_b_from_a"];
    rows(files, "trade_dyad_years.csv", &names, |r| {
        let a = r.code(0)?;
        let b = r.code(1)?;
        if a == b {
            return Err(r.err(1, format!("found {b} twice, expected two different states")));
        }
        let x = r.opt_amount(3)?.unwrap_or(0.0);
        let y = r.opt_amount(4)?.unwrap_or(0.0);
        let t = if a < b {
            Trade {
                a_from_b: x,
                b_from_a: y,
            }
        } else {
            Trade {
                a_from_b: y,
                b_from_a: x,
            }
        };
        trade.insert((a.min(b), a.max(b), r.year(2)?), t);
        Ok(())
    })?;
    Ok(trade)
}

/// `war_dyad_years.csv`: the years each pair was at war, ascending, each once.
fn read_wars(files: &Files) -> Result<HashMap<(Code, Code), Vec<i32>>, DataError> {
    let mut wars: HashMap<(Code, Code), Vec<i32>> = HashMap::new();
    let names = ["a", "b", "year"];
    rows(files, "war_dyad_years.csv", &names, |r| {
        let k = r.pair(0)?;
        wars.entry(k).or_default().push(r.year(2)?);
        Ok(())
    })?;
    for v in wars.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    Ok(wars)
}

/// `us_cpi.csv`: the U.S. price index by year, ascending, at least one year.
fn read_cpi(files: &Files) -> Result<Vec<(i32, f64)>, DataError> {
    let mut cpi = Vec::new();
    let names = ["year", "cpi"];
    rows(files, "us_cpi.csv", &names, |r| {
        cpi.push((r.year(0)?, r.float(1, 1e-3, 1e6)?));
        Ok(())
    })?;
    cpi.sort_by_key(|&(y, _)| y);
    if cpi.is_empty() {
        let (shown, _) = files.get("us_cpi.csv")?;
        return Err(DataError::Invalid {
            file: shown,
            line: 1,
            field: "row".into(),
            message: "no price index: expected at least one row".into(),
        });
    }
    Ok(cpi)
}

impl HistoryData {
    /// The copy embedded in the binary.
    pub fn embedded() -> Result<Self, DataError> {
        Self::read(Files::Embedded, EMBEDDED_NAME.to_string())
    }

    /// A folder holding the same files (`--data DIR`).
    pub fn from_dir(dir: &Path) -> Result<Self, DataError> {
        if !dir.is_dir() {
            return Err(DataError::Io {
                path: dir.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not a folder (expected a folder of the history CSV files, like data/history/)",
                ),
            });
        }
        Self::read(Files::Dir(dir.to_path_buf()), dir.display().to_string())
    }

    /// Files held in memory, `(name, bytes)`, read as a `--data` folder holding them would be
    /// (the file names of [`HistoryData::file_names`]; messages name the files by name alone).
    pub fn from_memory(files: Vec<(String, Vec<u8>)>) -> Result<Self, DataError> {
        Self::read(Files::Memory(files), "<memory>".to_string())
    }

    /// The names of the data's files, in the order they are read.
    pub fn file_names() -> [&'static str; 12] {
        EMBEDDED.map(|(name, _)| name)
    }

    /// The embedded copy, or the folder when given.
    pub fn load(dir: Option<&Path>) -> Result<Self, DataError> {
        match dir {
            Some(d) => Self::from_dir(d),
            None => Self::embedded(),
        }
    }

    fn read(files: Files, origin: String) -> Result<Self, DataError> {
        let members = read_members(&files)?;
        let first_year = members.iter().map(|m| m.span.first).min().unwrap_or(0);
        let last_year = members.iter().map(|m| m.span.last).max().unwrap_or(0);
        let capitals = read_capitals(&files)?;
        let majors = read_majors(&files)?;
        let nmc = read_nmc(&files)?;
        let ln_gdp = read_ln_gdp(&files)?;
        let contiguity = read_contiguity(&files)?;
        let obligations = read_obligations(&files)?;
        let rivalries = read_rivalries(&files)?;
        let disputes = read_disputes(&files)?;
        let trade = read_trade(&files)?;
        let wars = read_wars(&files)?;
        let cpi = read_cpi(&files)?;
        Ok(Self {
            origin,
            members,
            capitals,
            majors,
            nmc,
            ln_gdp,
            contiguity,
            obligations,
            rivalries,
            disputes,
            trade,
            wars,
            cpi,
            first_year,
            last_year,
        })
    }

    /// The membership spell of `code` in force in `year`.
    pub fn member(&self, code: Code, year: i32) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.code == code && m.span.contains(year))
    }

    /// The code of an abbreviation: the state that bears it in `year`, else any state that
    /// ever bore it (COW abbreviations are unique per code, but a data set may reuse one).
    pub fn code_of(&self, abb: &str, year: i32) -> Option<Code> {
        let mut named = self.members.iter().filter(|m| m.abb == abb);
        named
            .clone()
            .find(|m| m.span.contains(year))
            .or_else(|| named.next())
            .map(|m| m.code)
    }

    /// Every spell of `code`.
    pub fn spells(&self, code: Code) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(move |m| m.code == code)
    }

    /// The codes of states that are members in `year`, ascending.
    pub fn members_in(&self, year: i32) -> Vec<Code> {
        let mut v: Vec<Code> = self
            .members
            .iter()
            .filter(|m| m.span.contains(year))
            .map(|m| m.code)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether `code` is a major power in `year`.
    pub fn is_major(&self, code: Code, year: i32) -> bool {
        self.majors
            .iter()
            .any(|&(c, s)| c == code && s.contains(year))
    }

    /// The capital in force in `year`: the spell containing it, else the nearest spell.
    pub fn capital(&self, code: Code, year: i32) -> Option<&Capital> {
        let spells = self.capitals.iter().filter(|c| c.code == code);
        spells
            .clone()
            .filter(|c| c.span.contains(year))
            .max_by_key(|c| c.span.first)
            .or_else(|| {
                spells.min_by_key(|c| (c.span.first - year).abs().min((c.span.last - year).abs()))
            })
    }

    /// The closest contiguity type in force in `year` (1 land … 5 400 miles of water), if any.
    pub fn contiguity(&self, a: Code, b: Code, year: i32) -> Option<u8> {
        let (a, b) = key(a, b);
        self.contiguity
            .iter()
            .filter(|c| c.a == a && c.b == b && c.kind > 0 && c.span.contains(year))
            .map(|c| c.kind)
            .min()
    }

    /// The alliance obligations of a pair in force in `year`, merged.
    pub fn obligations(&self, a: Code, b: Code, year: i32) -> Option<Obligation> {
        let (a, b) = key(a, b);
        let mut out: Option<Obligation> = None;
        for o in self
            .obligations
            .iter()
            .filter(|o| o.a == a && o.b == b && o.span.contains(year))
        {
            let m = out.get_or_insert(Obligation {
                defense: false,
                offense: false,
                neutral: false,
                nonagg: false,
                consult: false,
                ..*o
            });
            m.defense |= o.defense;
            m.offense |= o.offense;
            m.neutral |= o.neutral;
            m.nonagg |= o.nonagg;
            m.consult |= o.consult;
        }
        out
    }

    /// The strategic rivalry of a pair in force in `year`, if any.
    pub fn rivalry(&self, a: Code, b: Code, year: i32) -> Option<&Rivalry> {
        let (a, b) = key(a, b);
        self.rivalries
            .iter()
            .find(|r| r.a == a && r.b == b && r.in_force(year))
    }

    /// The highest dispute hostility of a pair in the years `from..=to`, if any dispute.
    pub fn max_hostility(&self, a: Code, b: Code, from: i32, to: i32) -> Option<u8> {
        let (a, b) = key(a, b);
        (from..=to)
            .filter_map(|y| self.disputes.get(&(a, b, y)).copied())
            .max()
    }

    /// Trade of a pair in `year`, millions of current USD (imports both ways).
    pub fn trade_total(&self, a: Code, b: Code, year: i32) -> Option<f64> {
        let (a, b) = key(a, b);
        self.trade
            .get(&(a, b, year))
            .map(|t| t.a_from_b + t.b_from_a)
    }

    /// The U.S. consumer price index in `year`, linear between the years given, the nearest
    /// value outside them.
    pub fn cpi(&self, year: i32) -> f64 {
        let c = &self.cpi;
        if year <= c[0].0 {
            return c[0].1;
        }
        for w in c.windows(2) {
            let ((y0, p0), (y1, p1)) = (w[0], w[1]);
            if year <= y1 {
                if y1 == y0 {
                    return p1;
                }
                let t = f64::from(year - y0) / f64::from(y1 - y0);
                return p0 + t * (p1 - p0);
            }
        }
        c[c.len() - 1].1
    }

    /// GDP in USD bn (2011 prices) of `code` in `year`, if the estimates have it.
    pub fn gdp_bn(&self, code: Code, year: i32) -> Option<f64> {
        self.ln_gdp.get(&(code, year)).map(|l| l.exp() / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_reads_and_covers_1816_to_1989() {
        let d = HistoryData::embedded().unwrap();
        assert_eq!((d.first_year, d.last_year), (1816, 1989));
        assert_eq!(d.code_of("UKG", 1913), Some(200));
        assert!(d.is_major(255, 1913) && !d.is_major(255, 1920));
        assert_eq!(d.capital(365, 1913).unwrap().city, "Saint Petersburg");
        assert_eq!(d.capital(365, 1950).unwrap().city, "Moscow");
        // France and Germany share a land border in 1913; Britain and France the Channel.
        assert_eq!(d.contiguity(220, 255, 1913), Some(1));
        assert_eq!(d.contiguity(200, 220, 1913), Some(3));
    }

    #[test]
    fn files_in_memory_read_as_a_folder_of_them() {
        let all: Vec<(String, Vec<u8>)> = EMBEDDED
            .iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect();
        let d = HistoryData::from_memory(all.clone()).unwrap();
        assert_eq!((d.first_year, d.last_year), (1816, 1989));
        assert_eq!(d.code_of("UKG", 1913), Some(200));
        assert_eq!(HistoryData::file_names()[0], "states.csv");
        // The price index may be left out; any other file may not.
        let without = |name: &str| all.iter().filter(|f| f.0 != name).cloned().collect();
        assert!(HistoryData::from_memory(without(CPI_FILE)).is_ok());
        let e = HistoryData::from_memory(without("nmc.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nmc.csv"), "{e}");
        // Bytes that are not UTF-8 are refused, naming the file.
        let mut bad = all.clone();
        bad[3].1 = vec![b'c', 0xff, b'\n'];
        let e = HistoryData::from_memory(bad).unwrap_err().to_string();
        assert!(e.contains("nmc.csv") && e.contains("UTF-8"), "{e}");
    }

    #[test]
    fn cpi_interpolates_linearly_and_clamps() {
        let mut d = HistoryData::embedded().unwrap();
        d.cpi = vec![(1900, 10.0), (1910, 20.0)];
        assert_eq!(d.cpi(1850), 10.0);
        assert_eq!(d.cpi(1905), 15.0);
        assert_eq!(d.cpi(1950), 20.0);
    }
}
