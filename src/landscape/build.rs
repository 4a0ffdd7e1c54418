//! Landscapes made from other things: a scenario ([`from_scenario`]) or the historical data of
//! one year ([`history_toml`], written as a landscape file).

use std::fmt::Write as _;

use super::{Actor, Landscape};
use crate::history::data::{Code, HistoryData};
use crate::scenario::Scenario;

/// The landscape of a scenario at its start: sizes are the states' initial powers `P_i`,
/// propensities their initial alignments `a_ij` — the mapping `model::camps` applies to the
/// powers and alignments at the end of every run of `entente run`, whose most frequent camps
/// (`camps.csv`) are thus the landscape of the end state, reached by descent from a
/// deterministic start. Affinity, mistrust, trade and threat move the alignments during a run
/// and do not enter here.
pub fn from_scenario(s: &Scenario) -> Landscape {
    Landscape {
        name: s.name.clone(),
        title: s.title.clone(),
        actors: s
            .states
            .iter()
            .map(|st| Actor {
                id: st.id.clone(),
                name: st.name.clone(),
                size: st.power,
                source: st.doc.source.clone(),
                note: Some("size: the state's initial power P_i in the scenario".into()),
            })
            .collect(),
        p: s.alignment.clone(),
        defaulted: 0,
    }
}

/// The judgement calls of a historical landscape: name, default, lowest, highest, meaning.
/// A pair's propensity is the sum of the terms that apply to it.
pub const ASSUMPTIONS: [(&str, f64, f64, f64, &str); 7] = [
    (
        "alliance_p",
        1.0,
        -10.0,
        10.0,
        "added when the pair has an ATOP defence or offence obligation in force in the year",
    ),
    (
        "pact_p",
        0.5,
        -10.0,
        10.0,
        "added when the pair has only ATOP neutrality, non-aggression or consultation pledges in force",
    ),
    (
        "rivalry_p",
        -1.0,
        -10.0,
        10.0,
        "added when a strategic rivalry of the pair (Thompson & Dreyer) is in force in the year",
    ),
    (
        "war_p",
        -1.0,
        -10.0,
        10.0,
        "added when the pair fought each other in an interstate war (COW) within memory_years before the year",
    ),
    (
        "dispute_p",
        -0.5,
        -10.0,
        10.0,
        "added when the pair had a militarized dispute (MID, any hostility level) within dispute_years before the year, the year included",
    ),
    (
        "border_p",
        -0.25,
        -10.0,
        10.0,
        "added when the pair shares a land or river border (COW contiguity type 1) in the year: neighbours have more to quarrel over",
    ),
    (
        "memory_years",
        25.0,
        0.0,
        200.0,
        "years a past war is remembered (dispute_years is fixed at 10)",
    ),
];

/// Years of disputes counted by `dispute_p`: the year and the nine before.
pub const DISPUTE_YEARS: i32 = 10;

/// Values of [`ASSUMPTIONS`], defaults overridden by `NAME=VALUE` assignments.
pub fn assumptions(assign: &[String]) -> Result<Vec<f64>, String> {
    let mut v: Vec<f64> = ASSUMPTIONS.iter().map(|a| a.1).collect();
    for a in assign {
        let Some((name, value)) = a.split_once('=') else {
            return Err(format!("--assume `{a}`: expected NAME=VALUE"));
        };
        let name = name.trim();
        let Some(k) = ASSUMPTIONS.iter().position(|x| x.0 == name) else {
            let names: Vec<&str> = ASSUMPTIONS.iter().map(|x| x.0).collect();
            return Err(format!(
                "--assume `{a}`: unknown assumption `{name}`{}; expected one of {}",
                crate::scenario::closest(name, names.iter().copied())
                    .map_or(String::new(), |c| format!(" (did you mean `{c}`?)")),
                names.join(", ")
            ));
        };
        let (_, _, lo, hi, _) = ASSUMPTIONS[k];
        match value.trim().parse::<f64>() {
            Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => v[k] = x,
            _ => {
                return Err(format!(
                    "--assume `{a}`: expected a number from {lo} to {hi} for `{name}`"
                ));
            }
        }
    }
    Ok(v)
}

/// The landscape file of `codes` in `year`, from the historical data: sizes are CINC scores
/// (COW National Material Capabilities), propensities the sum of the [`ASSUMPTIONS`] terms
/// that apply to each pair. `name` is the landscape's name; `command` is the command line
/// that generates it, recorded in the file's header. Every number written carries its source in the file.
pub fn history_toml(
    d: &HistoryData,
    year: i32,
    codes: &[Code],
    values: &[f64],
    name: &str,
    command: &str,
) -> Result<String, String> {
    let get = |name: &str| {
        ASSUMPTIONS
            .iter()
            .position(|a| a.0 == name)
            .map_or(0.0, |k| values[k])
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Landscape of {year} built from entente's historical data (data/history/README.md).\n# Generated by:\n#   {command}\n# Do not edit by hand: change the command (its --assume values) and run it again.\n#\n# Sizes: CINC scores of {year} (COW National Material Capabilities v6, nmc.csv).\n# Propensities: the sum of these terms (docs/landscape.md, section \"A historical case\"):"
    );
    for (k, (name, _, _, _, meaning)) in ASSUMPTIONS.iter().enumerate() {
        let _ = writeln!(o, "#   {name} = {}: {meaning}", values[k]);
    }
    let _ = writeln!(o, "#   (dispute_years = {DISPUTE_YEARS})");
    let names: Vec<String> = codes
        .iter()
        .map(|&c| {
            d.member(c, year)
                .map_or_else(|| c.to_string(), |m| m.abb.clone())
        })
        .collect();
    let _ = writeln!(
        o,
        "\n[landscape]\nname = \"{name}\"\ntitle = \"Landscape of {year}: {} states\"\nsource = \"COW NMC v6 (CINC); ATOP 5.1; Thompson & Dreyer (2012) rivalries; COW Inter-State War v4; COW MID 5; COW Direct Contiguity v3.2 (data/history/README.md)\"\nnote = \"Propensities are a documented judgement (docs/landscape.md), not Axelrod and Bennett's own.\"",
        codes.len()
    );
    for (k, &c) in codes.iter().enumerate() {
        let m = d
            .member(c, year)
            .ok_or_else(|| format!("state {c} is not a state-system member in {year}"))?;
        let cinc = d
            .nmc
            .get(&(c, year))
            .and_then(|x| x.cinc)
            .filter(|x| *x > 0.0)
            .ok_or_else(|| format!("{}: no CINC score in {year} (nmc.csv)", names[k]))?;
        let _ = writeln!(
            o,
            "\n[[actor]]\nid = \"{}\"\nname = \"{}\"\nsize = {cinc}\nsource = \"nmc.csv: CINC of COW code {c} in {year}\"",
            m.abb,
            m.name.replace('"', "'")
        );
    }
    for i in 0..codes.len() {
        for j in i + 1..codes.len() {
            let (a, b) = (codes[i], codes[j]);
            let mut p = 0.0;
            let mut why: Vec<String> = Vec::new();
            if let Some(ob) = d.obligations(a, b, year) {
                if ob.defense || ob.offense {
                    p += get("alliance_p");
                    why.push("ATOP defence/offence obligation (alliance_p)".into());
                } else if ob.neutral || ob.nonagg || ob.consult {
                    p += get("pact_p");
                    why.push("ATOP neutrality/non-aggression/consultation pledge (pact_p)".into());
                }
                // A spell with none of the five obligations coded adds nothing.
            }
            if let Some(r) = d.rivalry(a, b, year) {
                p += get("rivalry_p");
                why.push(format!(
                    "strategic rivalry `{}` from {} (rivalry_p)",
                    r.name.replace('"', "'"),
                    r.first
                ));
            }
            let memory = get("memory_years") as i32;
            let key = crate::history::data::key(a, b);
            if let Some(y) = d.wars.get(&key).and_then(|ys| {
                ys.iter()
                    .copied()
                    .filter(|&y| y < year && y >= year - memory)
                    .max()
            }) {
                p += get("war_p");
                why.push(format!("at war with each other in {y} (war_p)"));
            }
            if let Some(h) = d.max_hostility(a, b, year - DISPUTE_YEARS + 1, year) {
                p += get("dispute_p");
                why.push(format!(
                    "militarized dispute in {}-{year}, highest hostility {h} (dispute_p)",
                    year - DISPUTE_YEARS + 1
                ));
            }
            if d.contiguity(a, b, year) == Some(1) {
                p += get("border_p");
                why.push("land or river border (border_p)".into());
            }
            let p = (p * 1e9_f64).round() / 1e9;
            let source = if why.is_empty() {
                "no alliance, rivalry, war, dispute or border in the data: 0".to_string()
            } else {
                why.join("; ")
            };
            let _ = writeln!(
                o,
                "\n[[pair]]\nactors = [\"{}\", \"{}\"]\np = {p:?}\nsource = \"{source}\"",
                names[i], names[j]
            );
        }
    }
    // The text must read back as a valid landscape before anyone sees it.
    super::input::parse_toml(&o, "<generated>", None).map_err(|e| e.to_string())?;
    Ok(o)
}
