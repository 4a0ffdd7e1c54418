//! A scenario for any year, built from the historical data: `entente history YEAR`.
//!
//! Every figure written carries a comment with its data set and year; every judgement call
//! (how a treaty type maps to an alignment, a default where data are missing) is an
//! [`Assumptions`] value with a documented default that `--assume NAME=VALUE` overrides, and
//! is marked `Assumption:` in the entry's note. The text is validated by the scenario parser
//! before anyone sees it.

use std::fmt::Write as _;

use super::coding::Coding;
use super::data::{COMPONENTS, Code, HistoryData, Obligation, Rivalry};
use super::score::Class;
use crate::scenario::{self, Scenario};

/// The judgement calls of a historical scenario, each a named, overridable default.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumptions {
    values: Vec<f64>,
}

/// Name, default, lowest, highest value and meaning of every assumption.
pub const ASSUMPTIONS: [(&str, f64, f64, f64, &str); 17] = [
    (
        "ally_alignment",
        0.8,
        -1.0,
        1.0,
        "initial alignment of a pair coded ally (ATOP defence or offence obligation), as in the flagship",
    ),
    (
        "pact_alignment",
        0.3,
        -1.0,
        1.0,
        "initial alignment of a pair with only neutrality, non-aggression or consultation pledges",
    ),
    (
        "rival_alignment",
        -0.5,
        -1.0,
        1.0,
        "initial alignment of a pair coded rival (strategic rivalry or recent dispute)",
    ),
    (
        "rivalry_mistrust",
        0.4,
        0.0,
        1.0,
        "mistrust of a pair whose strategic rivalry is in force",
    ),
    (
        "past_mistrust",
        0.2,
        0.0,
        1.0,
        "mistrust of a pair whose rivalry ended, or who fought a war, within memory_years",
    ),
    (
        "memory_years",
        30.0,
        0.0,
        500.0,
        "years a past rivalry or war is remembered as mistrust",
    ),
    (
        "major_offense",
        0.8,
        0.001,
        1.0,
        "offensive capability of a major power (COW major-power list)",
    ),
    (
        "minor_offense",
        0.4,
        0.001,
        1.0,
        "offensive capability of any other state",
    ),
    (
        "aggression_base",
        0.3,
        0.0,
        1.0,
        "perceived aggression of a state with no recent dispute",
    ),
    (
        "aggression_per_dispute",
        0.05,
        0.0,
        1.0,
        "added aggression per dispute pair-year of the coding's hostility in the last aggression_years",
    ),
    (
        "aggression_max",
        0.9,
        0.0,
        1.0,
        "highest perceived aggression from disputes",
    ),
    (
        "aggression_years",
        10.0,
        1.0,
        200.0,
        "years of disputes counted for aggression (the year and the ones before)",
    ),
    (
        "growth_years",
        10.0,
        1.0,
        200.0,
        "years over which growth and volatility of CINC are measured",
    ),
    (
        "growth_max",
        0.1,
        0.0,
        1.0,
        "largest annual log-growth (either sign) taken from the CINC trend",
    ),
    (
        "volatility_max",
        0.3,
        0.0,
        2.0,
        "largest annual volatility taken from CINC changes",
    ),
    (
        "autonomy",
        0.2,
        0.0,
        10.0,
        "autonomy cost of every state (no data; the flagship uses 0.15 to 0.3)",
    ),
    (
        "border_max_type",
        2.0,
        1.0,
        5.0,
        "highest COW contiguity type counted as a border: 1 land or river, 2 at most 12 miles of water, 3 at most 24",
    ),
];

/// Years a missing capability, GDP or trade figure may be taken from, either side of the year.
pub const FILL_YEARS: i32 = 10;

impl Default for Assumptions {
    fn default() -> Self {
        Self {
            values: ASSUMPTIONS.iter().map(|a| a.1).collect(),
        }
    }
}

impl Assumptions {
    /// The value of an assumption by name (a name from [`ASSUMPTIONS`]).
    pub fn get(&self, name: &str) -> f64 {
        let i = ASSUMPTIONS
            .iter()
            .position(|a| a.0 == name)
            .unwrap_or_else(|| panic!("no assumption named {name}"));
        self.values[i]
    }

    /// Apply `NAME=VALUE`.
    pub fn set(&mut self, assignment: &str) -> Result<(), String> {
        let names = || {
            ASSUMPTIONS
                .iter()
                .map(|a| a.0)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(format!(
                "--assume `{assignment}`: expected NAME=VALUE with NAME one of {}",
                names()
            ));
        };
        let name = name.trim();
        let Some(i) = ASSUMPTIONS.iter().position(|a| a.0 == name) else {
            let hint = scenario::closest(name, ASSUMPTIONS.iter().map(|a| a.0))
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            return Err(format!(
                "--assume `{assignment}`: unknown assumption `{name}`; {hint}expected one of {}",
                names()
            ));
        };
        let (_, _, lo, hi, _) = ASSUMPTIONS[i];
        match value.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => {
                self.values[i] = v;
                Ok(())
            }
            _ => Err(format!(
                "--assume `{assignment}`: found `{}`, expected a number{}",
                value.trim(),
                crate::scenario::range_text(lo, hi)
            )),
        }
    }

    /// Every (name, value, meaning).
    pub fn list(&self) -> impl Iterator<Item = (&'static str, f64, &'static str)> + '_ {
        ASSUMPTIONS
            .iter()
            .zip(&self.values)
            .map(|(a, &v)| (a.0, v, a.4))
    }
}

/// What `history` needs besides the data and the states.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Start year.
    pub year: i32,
    /// Simulated years.
    pub horizon: f64,
    /// Scenario name (default `history-YEAR`).
    pub name: Option<String>,
    /// The `--states` spec as written, for the file's header.
    pub spec: String,
    /// Outcome coding (for the initial classes and dispute counts).
    pub coding: Coding,
    /// Judgement calls.
    pub assumptions: Assumptions,
    /// The command that produced the file, for its header.
    pub command: String,
}

/// A built scenario: its TOML text, the validated scenario, and the COW codes of its states
/// in scenario order.
#[derive(Debug, Clone)]
pub struct Built {
    /// The TOML text.
    pub text: String,
    /// The same, parsed and validated.
    pub scenario: Scenario,
    /// COW codes, in the order of the scenario's states.
    pub codes: Vec<Code>,
    /// The observed class of every pair at the start year, in `upper(n)` order.
    pub start_classes: Vec<Class>,
}

/// A string as a TOML basic string.
fn quote(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(o, "\\u{:04X}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A number in TOML, short and exact enough: at most `digits` decimals, trailing zeros cut.
fn num(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A value from a yearly series: the year itself, else the nearest year within
/// [`FILL_YEARS`] (earlier first on ties). Returns (value, year it came from).
fn nearest(year: i32, mut at: impl FnMut(i32) -> Option<f64>) -> Option<(f64, i32)> {
    if let Some(v) = at(year) {
        return Some((v, year));
    }
    for k in 1..=FILL_YEARS {
        for y in [year - k, year + k] {
            if let Some(v) = at(y) {
                return Some((v, y));
            }
        }
    }
    None
}

/// Build the scenario of `codes` (COW codes, any order) in `opts.year`.
pub fn build(d: &HistoryData, codes: &[Code], opts: &BuildOptions) -> Result<Built, String> {
    let year = opts.year;
    let mut codes = codes.to_vec();
    codes.sort_unstable();
    codes.dedup();
    if codes.len() < 2 {
        return Err(format!(
            "--states `{}` gives {} state(s) in {year}: a scenario needs at least 2",
            opts.spec,
            codes.len()
        ));
    }
    let abbs: Vec<String> = codes
        .iter()
        .map(|&c| d.member(c, year).map_or(format!("C{c}"), |m| m.abb.clone()))
        .collect();
    let mut t = String::new();
    write_header(&mut t, d, &abbs, opts);
    write_scenario_tables(&mut t, &abbs, opts);
    for &c in &codes {
        write_state(&mut t, d, c, opts)?;
    }
    let mut start_classes = Vec::new();
    for i in 0..codes.len() {
        for k in i + 1..codes.len() {
            let pair = pair_entry(d, (codes[i], codes[k]), opts);
            start_classes.push(pair.class);
            pair.write(&mut t, (&abbs[i], &abbs[k]), year);
        }
    }

    let file = format!("<history {year}>");
    let scenario = scenario::parse(&t, &file).map_err(|e| {
        format!("the scenario built for {year} does not validate (a bug or a data problem): {e}")
    })?;
    Ok(Built {
        text: t,
        scenario,
        codes,
        start_classes,
    })
}

/// The file's opening comment: what wrote it, from which data, with which assumptions and
/// which outcome coding.
fn write_header(w: &mut String, d: &HistoryData, abbs: &[String], opts: &BuildOptions) {
    let year = opts.year;
    let _ = writeln!(
        w,
        "# {year}: {} (built from historical data)",
        abbs.join(", ")
    );
    let _ = writeln!(w, "#");
    let _ = writeln!(w, "# Written by `{}`", opts.command);
    let _ = writeln!(
        w,
        "# (entente {}) from the data in {}; the data sets and their citations are listed in",
        env!("CARGO_PKG_VERSION"),
        d.origin
    );
    let _ = writeln!(
        w,
        "# data/history/README.md. Every figure's comment names its data set and year; every judgement"
    );
    let _ = writeln!(
        w,
        "# call is marked `Assumption:` and comes from a named default (docs/history.md), overridable"
    );
    let _ = writeln!(w, "# with `entente history --assume NAME=VALUE`:");
    for (k, v, meaning) in opts.assumptions.list() {
        let _ = writeln!(w, "#   {k} = {} ({meaning})", num(v, 6));
    }
    let _ = writeln!(
        w,
        "# Outcome coding of the initial alignments: ally = ATOP defence/offence obligation; rival ="
    );
    let _ = writeln!(
        w,
        "# strategic rivalry or a dispute of hostility >= {} in {}-{}; precedence when both: {}.",
        opts.coding.min_hostility,
        year - opts.coding.window.max(1) as i32 + 1,
        year,
        opts.coding.precedence.name()
    );
    let _ = writeln!(
        w,
        "# treaty = 1 for an ATOP defence obligation in {year}, 0.5 for an offence, neutrality or consultation"
    );
    let _ = writeln!(
        w,
        "# pledge without one, 0 otherwise (non-aggression alone). Every pair is listed: a pair with no"
    );
    let _ = writeln!(
        w,
        "# trade figure within {FILL_YEARS} years says `trade = 0` with an Assumption: note."
    );
}

/// The `[scenario]` and `[power]` tables.
fn write_scenario_tables(w: &mut String, abbs: &[String], opts: &BuildOptions) {
    let year = opts.year;
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| format!("history-{year}"));
    let _ = writeln!(w);
    let _ = writeln!(w, "[scenario]");
    let _ = writeln!(w, "name = {}", quote(&name));
    let _ = writeln!(
        w,
        "title = {}",
        quote(&format!(
            "{year}: {} states from historical data ({})",
            abbs.len(),
            opts.spec
        ))
    );
    let _ = writeln!(
        w,
        "description = {}",
        quote(&format!(
            "The states {} as they stood in {year}: capabilities, GDP, trade, borders, capitals, alliances, rivalries and disputes from public data sets. Built by entente history; edit the Assumption: values to try other readings.",
            abbs.join(", ")
        ))
    );
    let _ = writeln!(w, "start_year = {year}");
    let _ = writeln!(w, "horizon = {}", num(opts.horizon, 6));
    let _ = writeln!(w, "dt = 0.25");
    let _ = writeln!(w, "seed = 1");
    let _ = writeln!(w, "runs = 1000");
    let _ = writeln!(w, "theory = \"walt\"");
    let _ = writeln!(
        w,
        "source = \"data/history (COW, ATOP, Thompson-Dreyer, MID, Anders-Fariss-Markowitz GDP, COW trade): see data/history/README.md\""
    );
    let _ = writeln!(
        w,
        "note = \"Assumption: no affinity data before UN voting records (affinity 0 for every pair); no events.\""
    );
    let _ = writeln!(w);
    let _ = writeln!(w, "[power]");
    let _ = writeln!(
        w,
        "weights = {{ milex = 1, milper = 1, irst = 1, pec = 1, tpop = 1, upop = 1 }}"
    );
    let _ = writeln!(w, "gdp_component = \"gdp\"");
    let _ = writeln!(
        w,
        "source = \"COW National Material Capabilities (nmc.csv), {year}: the six components of CINC\""
    );
    let _ = writeln!(
        w,
        "note = \"Power = the mean of the six capability shares among these states (CINC computed within the scenario). gdp is in USD bn of 2011 (Anders, Fariss and Markowitz 2020), used only for trade interdependence.\""
    );
}

/// A state's capability components and GDP as written in its `components` (`name = value`),
/// the components taken from another year (`name year`), and its CINC in the year.
struct Components {
    written: Vec<String>,
    filled: Vec<String>,
    cinc: Option<f64>,
}

/// The components of state `c` in `year`, each from the nearest year with a figure; a note
/// for each figure missing in the year pushed to `notes`.
fn components(d: &HistoryData, c: Code, year: i32, notes: &mut Vec<String>) -> Components {
    let mut written: Vec<String> = Vec::new();
    let mut filled: Vec<String> = Vec::new();
    for (k, comp) in COMPONENTS.iter().enumerate() {
        match nearest(year, |y| d.nmc.get(&(c, y)).and_then(|x| x.components()[k])) {
            Some((v, y)) => {
                written.push(format!("{comp} = {}", num(v, 3)));
                if y != year {
                    filled.push(format!("{comp} {y}"));
                    notes.push(format!(
                        "Assumption: {comp} missing in {year}, taken from {y}."
                    ));
                }
            }
            None => {
                written.push(format!("{comp} = 0"));
                notes.push(format!(
                    "Assumption: {comp} 0, no figure within {FILL_YEARS} years of {year}."
                ));
            }
        }
    }
    let cinc = d.nmc.get(&(c, year)).and_then(|x| x.cinc);
    if let Some(x) = cinc {
        written.push(format!("cinc = {}", num(x, 6)));
    }
    match nearest(year, |y| d.gdp_bn(c, y)) {
        Some((g, y)) => {
            written.push(format!("gdp = {}", num(g, 1)));
            if y != year {
                notes.push(format!(
                    "Assumption: GDP missing in {year}, taken from {y}."
                ));
            }
        }
        None => {
            written.push("gdp = 0".into());
            notes.push(format!(
                "Assumption: GDP 0 (no estimate within {FILL_YEARS} years): no trade interdependence."
            ));
        }
    }
    Components {
        written,
        filled,
        cinc,
    }
}

/// Offensive capability and perceived aggression of state `c` in `year`, with their notes
/// pushed to `notes`.
fn offense_and_aggression(
    d: &HistoryData,
    c: Code,
    opts: &BuildOptions,
    notes: &mut Vec<String>,
) -> (f64, f64) {
    let (year, a) = (opts.year, &opts.assumptions);
    let major = d.is_major(c, year);
    let offense = if major {
        a.get("major_offense")
    } else {
        a.get("minor_offense")
    };
    notes.push(format!(
        "Assumption: offense {}, {} (major_offense/minor_offense).",
        num(offense, 3),
        if major {
            "a major power that year"
        } else {
            "not a major power that year"
        }
    ));
    let ay = a.get("aggression_years") as i32;
    let disputes = dispute_years(d, c, year - ay + 1, year, opts.coding.min_hostility);
    let aggression = (a.get("aggression_base") + a.get("aggression_per_dispute") * disputes as f64)
        .min(a.get("aggression_max").max(a.get("aggression_base")))
        .clamp(0.0, 1.0);
    notes.push(format!(
        "Assumption: aggression {} = aggression_base + aggression_per_dispute x {disputes} dispute pair-years of hostility >= {} in {}-{year} (MID).",
        num(aggression, 3),
        opts.coding.min_hostility,
        year - ay + 1
    ));
    (offense, aggression)
}

/// The `[[state]]` entry of state `c`.
fn write_state(
    w: &mut String,
    d: &HistoryData,
    c: Code,
    opts: &BuildOptions,
) -> Result<(), String> {
    let (year, a) = (opts.year, &opts.assumptions);
    let m = d
        .member(c, year)
        .ok_or_else(|| format!("state {c} is not a member in {year}"))?;
    let mut notes: Vec<String> = Vec::new();
    let comps = components(d, c, year, &mut notes);
    let (offense, aggression) = offense_and_aggression(d, c, opts, &mut notes);
    let (growth, volatility, gnote) = trend(d, c, year, a);
    notes.push(gnote);
    notes.push(format!(
        "Assumption: autonomy {} (no data).",
        num(a.get("autonomy"), 3)
    ));
    let Some(k) = d.capital(c, year) else {
        return Err(format!(
            "{} ({c}) has no capital in {}/capitals.csv: expected a row to place it",
            m.abb, d.origin
        ));
    };
    if !k.span.contains(year) {
        notes.push(format!(
            "Assumption: no capital listed for {year}; {} ({}-{}) used.",
            k.city, k.span.first, k.span.last
        ));
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "[[state]]");
    let _ = writeln!(w, "id = {}", quote(&m.abb));
    let _ = writeln!(w, "name = {}", quote(&m.name));
    let filled = if comps.filled.is_empty() {
        String::new()
    } else {
        format!(" (filled: {})", comps.filled.join(", "))
    };
    let _ = writeln!(
        w,
        "components = {{ {} }}  # COW NMC {year}{filled}: milex thousands ({}), milper thousands, irst thousand tons, pec thousand coal-ton eq., tpop/upop thousands; gdp: AFM 2020, USD bn 2011",
        comps.written.join(", "),
        if year < 1914 { "pounds" } else { "current USD" }
    );
    let _ = writeln!(w, "offense = {}", num(offense, 3));
    let _ = writeln!(
        w,
        "aggression = {}  # from MID dyad-years {}-{year}",
        num(aggression, 3),
        year - a.get("aggression_years") as i32 + 1
    );
    let growth_from = year - a.get("growth_years") as i32;
    let _ = writeln!(
        w,
        "growth = {}  # trend of CINC (COW NMC) {growth_from}-{year}",
        num(growth, 4)
    );
    let _ = writeln!(
        w,
        "volatility = {}  # spread of annual CINC changes (COW NMC) {growth_from}-{year}",
        num(volatility, 4)
    );
    let _ = writeln!(w, "autonomy = {}", num(a.get("autonomy"), 3));
    let _ = writeln!(
        w,
        "lat = {}  # capital: {} (capitals.csv, {year})",
        num(k.lat, 4),
        k.city
    );
    let _ = writeln!(w, "lon = {}", num(k.lon, 4));
    let _ = writeln!(
        w,
        "source = {}",
        quote(&format!(
            "COW NMC {year}; GDP: Anders, Fariss and Markowitz (2020); capital: capitals.csv; majors: COW State System{}",
            comps
                .cinc
                .map_or(String::new(), |x| format!("; CINC {year} = {}", num(x, 6)))
        ))
    );
    let _ = writeln!(w, "note = {}", quote(&notes.join(" ")));
    Ok(())
}

/// One pair's entry: its observed class at the start and the values written (0: not
/// written; an entry with nothing to write is left out).
struct PairEntry {
    class: Class,
    /// COW contiguity type, if any.
    contiguity: Option<u8>,
    border: bool,
    /// Trade in USD bn of 2011, the figure as reported, and its year.
    trade: Option<(f64, f64, i32)>,
    mistrust: f64,
    alignment: f64,
    /// Formal treaty strength: 1 for a defence obligation, 0.5 for an offence, neutrality or
    /// consultation pledge without one, 0 otherwise (non-aggression alone counts 0).
    treaty: f64,
    /// The evidence behind the class.
    why: Vec<String>,
    sources: Vec<String>,
    notes: Vec<String>,
}

/// The entry of the pair `(ci, ck)` in `opts.year`.
fn pair_entry(d: &HistoryData, (ci, ck): (Code, Code), opts: &BuildOptions) -> PairEntry {
    let (year, a) = (opts.year, &opts.assumptions);
    let ev = opts.coding.evidence(d, ci, ck, year);
    let class = ev.class(opts.coding.precedence);
    let ob = d.obligations(ci, ck, year);
    let mut notes: Vec<String> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let alignment = match class {
        Class::Ally => a.get("ally_alignment"),
        Class::Rival => a.get("rival_alignment"),
        Class::Neutral => {
            if ob.is_some_and(|o| o.neutral || o.nonagg || o.consult) {
                a.get("pact_alignment")
            } else {
                0.0
            }
        }
    };
    let treaty = ob.map_or(0.0, |o| {
        if o.defense {
            1.0
        } else if o.offense || o.neutral || o.consult {
            0.5
        } else {
            0.0
        }
    });
    let riv = d.rivalry(ci, ck, year);
    let why = class_evidence(d, (ci, ck), opts, ob.as_ref(), riv, ev.dispute);
    if alignment != 0.0 {
        let key = match class {
            Class::Ally => "ally_alignment",
            Class::Rival => "rival_alignment",
            Class::Neutral => "pact_alignment",
        };
        notes.push(format!(
            "Assumption: alignment {} ({key}), coded {}: {}.",
            num(alignment, 3),
            class.name(),
            why.join("; ")
        ));
        if ev.ally() && ev.rival() {
            notes.push(format!(
                "Both allied and rivals: coded {} (precedence {}).",
                class.name(),
                opts.coding.precedence.name()
            ));
        }
    }
    let mistrust = mistrust(d, (ci, ck), opts, riv.is_some(), &mut notes);
    let contiguity = d.contiguity(ci, ck, year);
    let border = contiguity.is_some_and(|t| t <= a.get("border_max_type") as u8);
    if let Some(tp) = contiguity {
        sources.push(format!("contiguity: COW type {tp} in {year}"));
    }
    let trade = nearest(year, |y| d.trade_total(ci, ck, y))
        .map(|(v, y)| (v * d.cpi(2011) / d.cpi(y) / 1000.0, v, y));
    if let Some((_, _, y)) = trade {
        sources.push(format!(
            "trade: COW Dyadic Trade v4 {y}, millions of current USD, in USD bn of 2011 by the U.S. CPI (us_cpi.csv)"
        ));
        if y != year {
            notes.push(format!(
                "Assumption: trade missing in {year}, taken from {y}."
            ));
        }
    } else {
        notes.push(format!(
            "Assumption: trade 0: no COW Dyadic Trade figure within {FILL_YEARS} years of {year}."
        ));
    }
    PairEntry {
        class,
        contiguity,
        border,
        trade,
        mistrust,
        alignment,
        treaty,
        why,
        sources,
        notes,
    }
}

/// The evidence for a pair's class, in words: ATOP obligations, a strategic rivalry, a
/// recent dispute.
fn class_evidence(
    d: &HistoryData,
    (ci, ck): (Code, Code),
    opts: &BuildOptions,
    ob: Option<&Obligation>,
    riv: Option<&Rivalry>,
    dispute: bool,
) -> Vec<String> {
    let year = opts.year;
    let mut why: Vec<String> = Vec::new();
    if let Some(o) = ob {
        let kinds: Vec<&str> = [
            (o.defense, "defence"),
            (o.offense, "offence"),
            (o.neutral, "neutrality"),
            (o.nonagg, "non-aggression"),
            (o.consult, "consultation"),
        ]
        .iter()
        .filter(|x| x.0)
        .map(|x| x.1)
        .collect();
        if !kinds.is_empty() {
            why.push(format!("ATOP {year}: {}", kinds.join(", ")));
        }
    }
    if let Some(r) = riv {
        why.push(format!(
            "strategic rivalry {} since {} (Thompson-Dreyer)",
            r.name, r.first
        ));
    }
    if dispute {
        let from = year - opts.coding.window.max(1) as i32 + 1;
        why.push(format!(
            "militarized dispute of hostility {} in {from}-{year} (MID)",
            d.max_hostility(ci, ck, from, year).unwrap_or(0)
        ));
    }
    why
}

/// A pair's mistrust: `rivalry_mistrust` for a rivalry in force, `past_mistrust` for a
/// rivalry ended or a war within `memory_years`, else 0; the note pushed to `notes`.
fn mistrust(
    d: &HistoryData,
    (ci, ck): (Code, Code),
    opts: &BuildOptions,
    rivalry: bool,
    notes: &mut Vec<String>,
) -> f64 {
    let (year, a) = (opts.year, &opts.assumptions);
    if rivalry {
        notes.push(format!(
            "Assumption: mistrust {} (rivalry_mistrust): rivalry in force.",
            num(a.get("rivalry_mistrust"), 3)
        ));
        return a.get("rivalry_mistrust");
    }
    let memory = a.get("memory_years") as i32;
    let (x, y) = super::data::key(ci, ck);
    let past = d
        .rivalries
        .iter()
        .filter(|r| r.a == x && r.b == y)
        .filter_map(|r| r.last)
        .filter(|&l| l < year && l >= year - memory)
        .max();
    let war = d.wars.get(&(x, y)).and_then(|v| {
        v.iter()
            .copied()
            .filter(|&wy| wy <= year && wy >= year - memory)
            .max()
    });
    if past.is_none() && war.is_none() {
        return 0.0;
    }
    let mut r = Vec::new();
    if let Some(p) = past {
        r.push(format!("a rivalry ended in {p}"));
    }
    if let Some(wy) = war {
        r.push(format!("at war in {wy} (COW wars)"));
    }
    notes.push(format!(
        "Assumption: mistrust {} (past_mistrust): {}.",
        num(a.get("past_mistrust"), 3),
        r.join(", ")
    ));
    a.get("past_mistrust")
}

impl PairEntry {
    /// The `[[pair]]` entry of the states `(a, b)` (abbreviations). Every pair has one: its
    /// trade is always stated (0 where the data have no figure), so that no pair's trade is
    /// unknown to the scenario.
    fn write(mut self, w: &mut String, (a, b): (&str, &str), year: i32) {
        if !self.why.is_empty() {
            self.sources.push(self.why.join("; "));
        }
        let _ = writeln!(w);
        let _ = writeln!(w, "[[pair]]");
        let _ = writeln!(w, "states = [{}, {}]", quote(a), quote(b));
        if self.border {
            let _ = writeln!(
                w,
                "border = true  # COW Direct Contiguity v3.2, {year}: type {}",
                self.contiguity.unwrap_or(0)
            );
        }
        match self.trade {
            Some((trade, raw, y)) => {
                let _ = writeln!(
                    w,
                    "trade = {}  # COW Dyadic Trade v4, {y}: {} million current USD x CPI 2011/{y}",
                    num(trade, 4),
                    num(raw, 2)
                );
            }
            None => {
                let _ = writeln!(
                    w,
                    "trade = 0  # no COW Dyadic Trade figure within {FILL_YEARS} years of {year}"
                );
            }
        }
        if self.mistrust != 0.0 {
            let _ = writeln!(w, "mistrust = {}", num(self.mistrust, 3));
        }
        if self.alignment != 0.0 {
            let _ = writeln!(
                w,
                "alignment = {}  # {year}: {}",
                num(self.alignment, 3),
                self.why.join("; ")
            );
        }
        if self.treaty != 0.0 {
            let _ = writeln!(
                w,
                "treaty = {}  # ATOP 5.1, {year}: {}",
                num(self.treaty, 1),
                if self.treaty == 1.0 {
                    "defence obligation"
                } else {
                    "offence, neutrality or consultation pledge, no defence"
                }
            );
        }
        if !self.sources.is_empty() {
            let _ = writeln!(w, "source = {}", quote(&self.sources.join("; ")));
        }
        if !self.notes.is_empty() {
            let _ = writeln!(w, "note = {}", quote(&self.notes.join(" ")));
        }
    }
}

/// Number of dispute pair-years of `code` with hostility at least `min` in `from..=to`.
fn dispute_years(d: &HistoryData, code: Code, from: i32, to: i32, min: u8) -> usize {
    d.disputes
        .iter()
        .filter(|&(&(x, y, yr), &h)| {
            (x == code || y == code) && (from..=to).contains(&yr) && h >= min
        })
        .count()
}

/// Growth and volatility of a state's CINC over the `growth_years` before `year`, with the
/// note that explains them.
fn trend(d: &HistoryData, c: Code, year: i32, a: &Assumptions) -> (f64, f64, String) {
    let span = a.get("growth_years") as i32;
    let cinc = |y: i32| d.nmc.get(&(c, y)).and_then(|x| x.cinc).filter(|&x| x > 0.0);
    let gmax = a.get("growth_max");
    let vmax = a.get("volatility_max");
    let (growth, gtext) = match (cinc(year - span), cinc(year)) {
        (Some(p), Some(q)) => {
            let g = ((q / p).ln() / f64::from(span)).clamp(-gmax, gmax);
            (
                g,
                format!(
                    "growth {} = ln(CINC {year} / CINC {}) / {span}, within +-growth_max",
                    num(g, 4),
                    year - span
                ),
            )
        }
        _ => (
            0.0,
            format!("growth 0: no CINC for {} or {year}", year - span),
        ),
    };
    let changes: Vec<f64> = (year - span + 1..=year)
        .filter_map(|y| Some((cinc(y)? / cinc(y - 1)?).ln()))
        .collect();
    let (vol, vtext) = if changes.len() >= 3 {
        let m = changes.iter().sum::<f64>() / changes.len() as f64;
        let var =
            changes.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (changes.len() - 1) as f64;
        let v = var.sqrt().min(vmax);
        (
            v,
            format!(
                "volatility {} = standard deviation of {} annual log-changes of CINC, at most volatility_max",
                num(v, 4),
                changes.len()
            ),
        )
    } else {
        (0.0, "volatility 0: fewer than 3 annual CINC changes".into())
    };
    (
        growth,
        vol,
        format!("Assumption: power follows the CINC trend: {gtext}; {vtext}."),
    )
}
