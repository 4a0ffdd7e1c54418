//! `entente show [FILE]`: the scenario as readable tables.

use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use entente::model::{World, interdependence, proximity};
use entente::scenario::{self, PowerSpec, Scenario, Trigger};
use entente::teach::effect_text;

use super::table::Table;

/// Print a scenario's states, pairs, intents and events as tables.
#[derive(clap::Args)]
#[command(
    after_help = "Without FILE, shows the built-in flagship scenario (Vostok-2018).\n\nA scenario of up to six states is shown whole. A larger one is shown in overview: its\nstates, its key pairs, and each state's principal threat at the start; --all adds every\npair, the threat matrix and its components, the intents and the events.\n\nExamples:\n  entente show\n  entente show --all\n  entente show scenarios/tutorial/far-strongest-near-weaker.toml"
)]
pub struct Args {
    /// Scenario file (default: the built-in flagship).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// Every table, whatever the number of states.
    #[arg(long)]
    all: bool,
}

/// The most states a scenario may have to be shown whole without --all.
pub const WHOLE_UP_TO: usize = 6;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let s = scenario::load_or_flagship(args.file.as_deref())?;
    super::study::warn_about_data(
        &s,
        &entente::study::scenario_file_shown(args.file.as_deref()),
    );
    if args.all || s.n() <= WHOLE_UP_TO {
        print!("{}", render(&s));
    } else {
        print!("{}", overview(&s));
    }
    Ok(ExitCode::SUCCESS)
}

fn f(x: impl Into<f64>, digits: usize) -> String {
    let x: f64 = x.into();
    format!("{x:.digits$}")
}

/// The whole report as text: the scenario's header, its states, pairs, threats at the start,
/// intents and events.
pub fn render(s: &Scenario) -> String {
    let mut out = String::new();
    header(&mut out, s);
    states_table(&mut out, s);
    pairs_table(&mut out, s);
    out.push_str(&threats(s));
    intents_table(&mut out, s);
    events_list(&mut out, s);
    out
}

/// The overview of a larger scenario: header, states, key pairs, principal threats, and what
/// `--all` adds.
pub fn overview(s: &Scenario) -> String {
    let mut out = String::new();
    header(&mut out, s);
    states_table(&mut out, s);
    let n = s.n();
    let key: Vec<(usize, usize)> = if s.key_pairs.is_empty() {
        // Without key pairs: the ten pairs that start furthest from indifference.
        let mut all: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect();
        all.sort_by(|a, b| {
            s.alignment[b.0 * n + b.1]
                .abs()
                .total_cmp(&s.alignment[a.0 * n + a.1].abs())
                .then(a.cmp(b))
        });
        all.truncate(10);
        all
    } else {
        s.key_pairs
            .iter()
            .map(|&(i, k)| (i.min(k), i.max(k)))
            .collect()
    };
    let title = if s.key_pairs.is_empty() {
        "Pairs furthest from indifference at the start"
    } else {
        "Key pairs (the scenario's key_pairs)"
    };
    pairs_rows(&mut out, s, title, &key);
    out.push_str(&principal_threats(s));
    let _ = writeln!(
        out,
        "\nNot shown: the other {} pairs, the threat matrix and its components, {} listed intents and {} events. `entente show --all` prints them.",
        n * (n - 1) / 2 - key.len(),
        s.intent_docs.len(),
        s.events.len()
    );
    out
}

/// Title, description, time frame, theory, seed and runs, overrides and how power is given.
fn header(out: &mut String, s: &Scenario) {
    let title = if s.title.is_empty() {
        &s.name
    } else {
        &s.title
    };
    let _ = writeln!(out, "{title}  [{}]", s.name);
    if !s.description.is_empty() {
        let _ = writeln!(out, "{}", s.description.trim());
    }
    let _ = writeln!(
        out,
        "start {}, horizon {} years, dt {} ({} steps); theory {} ({}); seed {}, {} runs",
        s.start_year,
        s.horizon,
        s.dt,
        s.steps,
        s.theory,
        s.theory.summary(),
        s.seed,
        s.runs
    );
    if !s.overrides.is_empty() {
        let o: Vec<String> = s
            .overrides
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        let _ = writeln!(out, "parameter overrides: {}", o.join(", "));
    }
    match &s.power_spec {
        PowerSpec::Direct => {
            let _ = writeln!(out, "power: given directly per state");
        }
        PowerSpec::Components {
            weights,
            gdp_component,
        } => {
            let w: Vec<String> = weights.iter().map(|(k, v)| format!("{v} x {k}")).collect();
            let _ = writeln!(
                out,
                "power: weighted shares of {}{}",
                w.join(" + "),
                gdp_component
                    .as_ref()
                    .map_or(String::new(), |g| format!("; GDP from `{g}`"))
            );
        }
    }
}

/// One row per state.
fn states_table(out: &mut String, s: &Scenario) {
    let _ = writeln!(out, "\nStates ({})", s.n());
    let mut t = Table::new(&[
        "<id",
        "<name",
        "power",
        "share",
        "gdp_bn",
        "offense",
        "aggression",
        "autonomy",
        "growth",
        "volatility",
        "lat",
        "lon",
    ]);
    let shares = s.power_shares();
    for (k, st) in s.states.iter().enumerate() {
        t.row(vec![
            st.id.clone(),
            st.name.clone(),
            f(st.power, 4),
            format!("{:.1}%", 100.0 * shares[k]),
            st.gdp.map_or("-".into(), |g| f(g, 1)),
            f(st.offense, 2),
            f(st.aggression, 2),
            f(st.autonomy, 2),
            f(st.growth, 3),
            f(st.volatility, 3),
            f(st.lat, 2),
            f(st.lon, 2),
        ]);
    }
    out.push_str(&t.render());
}

/// One row per pair: distance, border, proximity, trade (`-` when the scenario gives no
/// figure), interdependence, mistrust, affinity, alignment and treaty; and how many pairs whose
/// trade matters have no trade figure.
fn pairs_table(out: &mut String, s: &Scenario) {
    let n = s.n();
    let p = &s.params;
    let _ = writeln!(
        out,
        "\nPairs ({}; distance* = from capital coordinates; proximity with d0 = {} km)",
        n * (n - 1) / 2,
        p.d0
    );
    let (unknown, matter) = s.unknown_trade();
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "trade: {} of the {matter} pairs with GDP on both sides have no trade figure (trade_bn -): taken as 0",
            unknown.len()
        );
    }
    let every: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    pair_table_rows(out, s, &every);
}

/// `title` and the pair table of the pairs `which`.
fn pairs_rows(out: &mut String, s: &Scenario, title: &str, which: &[(usize, usize)]) {
    let _ = writeln!(
        out,
        "\n{title} (distance* = from capital coordinates; proximity with d0 = {} km)",
        s.params.d0
    );
    pair_table_rows(out, s, which);
}

/// The pair table of the pairs `which`, `(i, j)` with `i < j`.
fn pair_table_rows(out: &mut String, s: &Scenario, which: &[(usize, usize)]) {
    let n = s.n();
    let p = &s.params;
    let mut t = Table::new(&[
        "<a",
        "<b",
        "distance_km",
        "border",
        "proximity",
        "trade_bn",
        "dep_a_on_b",
        "dep_b_on_a",
        "mistrust",
        "affinity",
        "alignment",
        "treaty",
    ]);
    {
        for &(i, j) in which {
            let k = i * n + j;
            let (a, b) = (&s.states[i], &s.states[j]);
            t.row(vec![
                a.id.clone(),
                b.id.clone(),
                format!(
                    "{:.0}{}",
                    s.distance[k],
                    if s.distance_derived[k] { "*" } else { "" }
                ),
                if s.border[k] {
                    "yes".into()
                } else {
                    "no".into()
                },
                f(
                    proximity(s.border[k], s.distance[k], p.d0, p.border_factor),
                    3,
                ),
                if s.trade_known[k] {
                    f(s.trade[k], 1)
                } else {
                    "-".into()
                },
                f(interdependence(s.trade[k], a.gdp, p.e0), 3),
                f(interdependence(s.trade[k], b.gdp, p.e0), 3),
                f(s.mistrust[k], 2),
                f(s.affinity[k], 2),
                f(s.alignment[k], 2),
                f(s.treaty[k], 1),
            ]);
        }
    }
    out.push_str(&t.render());
}

/// The intents the scenario lists, with their notes.
fn intents_table(out: &mut String, s: &Scenario) {
    let n = s.n();
    let _ = writeln!(
        out,
        "\nIntents (how aggressive FROM looks to TO; unlisted pairs use FROM's aggression)"
    );
    if s.intent_docs.is_empty() {
        let _ = writeln!(out, "(none listed)");
    } else {
        let mut t = Table::new(&["<from", "<to", "intent", "<note"]);
        for (j, i, d) in &s.intent_docs {
            t.row(vec![
                s.states[*j].id.clone(),
                s.states[*i].id.clone(),
                f(s.intent[j * n + i], 2),
                d.note.clone().or(d.source.clone()).unwrap_or_default(),
            ]);
        }
        out.push_str(&t.render());
    }
}

/// The events: when each fires and its effects.
fn events_list(out: &mut String, s: &Scenario) {
    let _ = writeln!(out, "\nEvents ({})", s.events.len());
    if s.events.is_empty() {
        let _ = writeln!(out, "(none)");
    }
    for e in &s.events {
        let when = match e.trigger {
            Trigger::At(y) => format!("at {y}"),
            Trigger::Hazard(h) => format!(
                "hazard {h}/year{}",
                if e.once { ", once" } else { ", repeatable" }
            ),
        };
        let _ = writeln!(out, "- {} ({when})", e.name);
        for eff in &e.effects {
            let _ = writeln!(out, "    {}", effect_text(s, eff));
        }
    }
}

/// The threat matrix at the start, its components, and each state's principal threat.
fn threats(s: &Scenario) -> String {
    let p = &entente::params::Params32::from(&s.params);
    let n = s.n();
    let w = World::start(s, p);
    let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nThreat at the start (theory {}; row = perceiving state i, column = source j; T_ij, 1 = the strongest state d0 away with middling offence and intent)",
        s.theory
    );
    let mut cols = vec!["<i".to_string()];
    cols.extend(ids.iter().map(|c| c.to_string()));
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = Table::new(&cols);
    for (i, id) in ids.iter().enumerate() {
        let mut row = vec![id.to_string()];
        row.extend((0..n).map(|j| {
            if i == j {
                "-".into()
            } else {
                f(w.threat[i * n + j], 2)
            }
        }));
        t.row(row);
    }
    out.push_str(&t.render());

    out.push_str(&principal_threats(s));
    components(&mut out, s, &w);
    out
}

/// Each state's principal threat at the start, with the components of that threat.
fn principal_threats(s: &Scenario) -> String {
    let p = &entente::params::Params32::from(&s.params);
    let n = s.n();
    let w = World::start(s, p);
    let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nPrincipal threats at the start (h = argmax of camp threat K; components of T_ih: Phat = relative power, prox = proximity, O = offence, I = perceived intent)"
    );
    let mut t = Table::new(&[
        "<state",
        "<principal",
        "camp_K",
        "T_ih",
        "Phat",
        "prox",
        "O",
        "I",
        "<strategy",
        "<best_partner",
    ]);
    for i in 0..n {
        let d = w.decision(i, p);
        t.row(vec![
            ids[i].to_string(),
            ids[d.principal].to_string(),
            f(d.kappa, 3),
            f(d.threat, 3),
            f(d.sources.power, 3),
            f(d.sources.proximity, 3),
            f(d.sources.offense, 2),
            f(d.sources.intent, 2),
            d.strategy.name().to_string(),
            d.partners
                .first()
                .map_or("-".into(), |q| format!("{} ({:.2})", ids[q.k], q.value)),
        ]);
    }
    out.push_str(&t.render());
    out
}

/// Every ordered pair's threat and its components.
fn components(out: &mut String, s: &Scenario, w: &World) {
    let n = s.n();
    let ids: Vec<&str> = s.states.iter().map(|x| x.id.as_str()).collect();
    let _ = writeln!(
        out,
        "\nThreat components, every ordered pair (T_ij = threat i perceives from j)"
    );
    let mut t = Table::new(&[
        "<i", "<j", "Phat_j", "prox_ij", "O_j", "I_ji", "interdep", "T_ij", "K_ij",
    ]);
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let src = w.threat_sources(i, j);
            t.row(vec![
                ids[i].to_string(),
                ids[j].to_string(),
                f(src.power, 3),
                f(src.proximity, 3),
                f(src.offense, 2),
                f(src.intent, 2),
                f(w.interdependence[i * n + j], 3),
                f(w.threat[i * n + j], 3),
                f(w.camp_threat[i * n + j], 3),
            ]);
        }
    }
    out.push_str(&t.render());
}
