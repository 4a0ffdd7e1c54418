//! `entente compare [SCENARIO]`: the same runs under several theories, side by side.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use entente::model::Theory;
use entente::model::world::upper;
use entente::output::{Kind, OutputDir, camps_text, format_year};
use entente::scenario::Scenario;
use entente::study;
use entente::teach::compare::{self, Comparison};
use entente::teach::pair_index;

use super::study::{RunArgs, StudyArgs, progress_bar, rfc3339, seconds, warn_about_data};
use super::table::Table;

/// The files a comparison writes, the manifest last.
const FILES: [&str; 3] = ["compare.csv", "compare-states.csv", "manifest.json"];

/// How many pairs the table on stdout shows.
const TABLE_PAIRS: usize = 10;

/// Run the same runs under several theories and compare the outcomes.
#[derive(clap::Args)]
#[command(
    after_help = "Without SCENARIO, compares theories on the built-in flagship scenario (Vostok-2018).

Run r uses the same random numbers under every theory (common random numbers): the theories
face the same shocks, so differences between them come from the theory, not from chance.

Prints a side-by-side table (the pairs whose P(alliance) at the horizon differs most across
theories, balancing and bandwagoning, the most frequent final camps) and writes to --out
(default results/<scenario name>-compare/):
  compare.csv         one row per theory and pair: P(alliance), P(rivalry), mean alignment, ...
  compare-states.csv  one row per theory and state: shares of balance, bandwagon, secure, ...
  manifest.json       kind (compare), versions, scenario and its SHA-256 under each theory,
                      seed, runs, theories, --set, times

Examples:
  entente compare scenarios/tutorial/far-strongest-near-weaker.toml
  entente compare --theories walt,waltz --runs 2000
  entente compare --theories walt,liberal --set pair.CHN-RUS.mistrust=0.6",
    mut_arg("runs", |a| a.help("Runs per theory (default: the scenario's `runs`)")),
    mut_arg("set", |a| a.help(
        "Override a parameter or scenario value under every theory, PATH=VALUE (repeatable)"
    )),
    mut_arg("out", |a| a.help("Results folder (default: results/<scenario name>-compare/)")),
)]
pub struct Args {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Theories to compare, comma-separated.
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        default_value = "walt,waltz,bandwagon,liberal"
    )]
    theories: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Pairs for the table, comma-separated as A-B (default: the 10 pairs whose P(alliance)
    /// differs most across theories). compare.csv always has every pair.
    #[arg(long, value_name = "PAIRS", value_delimiter = ',')]
    pairs: Vec<String>,
    /// No progress bar (the tables are still printed).
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (text, name) = args.study.text()?;
    if args.theories.is_empty() {
        bail!("--theories: expected at least one theory");
    }
    let mut scenarios = Vec::new();
    for t in &args.theories {
        let t = t.trim();
        if Theory::parse(t).is_none() {
            let names = Theory::ALL.map(Theory::name);
            bail!(
                "--theories {t}: unknown theory (expected one of {})",
                names.join(", ")
            );
        }
        scenarios.push((
            t.to_string(),
            study::resolve_text(&text, &name, Some(t), &args.study.set)?,
        ));
    }
    let first = &scenarios[0].1;
    warn_about_data(first, &name);
    let mut chosen = Vec::new();
    for p in &args.pairs {
        let Some((i, k)) = pair_index(first, p.trim()) else {
            bail!("--pairs {p}: no such pair (write pairs as A-B with state ids of the scenario)");
        };
        let q = upper(first.n())
            .position(|x| x == (i, k))
            .context("pair index")?;
        chosen.push(q);
    }
    let runs = args.run.runs(first)?;
    let seed = args.study.seed(first);
    let threads = args.run.threads();
    let out_path = args
        .run
        .out_or(|| PathBuf::from("results").join(format!("{}-compare", first.name)));
    // Check the destination before any work.
    let mut out = OutputDir::prepare(&out_path)?;
    let (started, clock) = (std::time::SystemTime::now(), std::time::Instant::now());
    let identity = serde_json::json!({
        "kind": Kind::Compare,
        "format": Kind::Compare.format(),
        "entente_version": env!("CARGO_PKG_VERSION"),
        "model_version": entente::params::MODEL_VERSION,
        "scenario": first.name,
        "scenario_file": study::scenario_file_shown(args.study.scenario.as_deref()),
        "scenario_path": study::scenario_path_absolute(args.study.scenario.as_deref()),
        "theories": scenarios.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>(),
        "scenario_sha256": scenarios
            .iter()
            .map(|(t, s)| (t.clone(), serde_json::json!(entente::output::scenario_sha256(s))))
            .collect::<serde_json::Map<_, _>>(),
        "seed": seed,
        "runs": runs,
        "set": args.study.set,
        "common_random_numbers": true,
        "files": FILES,
    });
    let bar = progress_bar(args.quiet, runs * scenarios.len() as u64);
    let tick = |k: u64| {
        if let Some(b) = &bar {
            b.inc(k);
        }
    };
    let cmp = compare::compare(scenarios, seed, runs, threads, &tick)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    out.write(FILES[0], |w| cmp.write_csv(w))?;
    out.write(FILES[1], |w| cmp.write_states_csv(w))?;
    let mut manifest = identity;
    manifest["threads"] = threads.into();
    manifest["started"] = rfc3339(started).into();
    manifest["finished"] = rfc3339(std::time::SystemTime::now()).into();
    manifest["wall_seconds"] = seconds(clock).into();
    out.write(FILES[2], |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        std::io::Write::write_all(w, b"\n")
    })?;
    let dir = out.path().display().to_string();
    out.commit()?;
    print!(
        "{}",
        table_text(&cmp, &chosen, clock.elapsed().as_secs_f64(), &dir)
    );
    Ok(ExitCode::SUCCESS)
}

/// The side-by-side tables printed after a comparison.
fn table_text(cmp: &Comparison, chosen: &[usize], seconds: f64, dir: &str) -> String {
    use std::fmt::Write;
    let Some(s) = cmp.scenario() else {
        return String::new();
    };
    let mut o = String::new();
    heading(&mut o, cmp, s, seconds);
    pair_tables(&mut o, cmp, s, chosen);
    decisions_table(&mut o, cmp);
    let _ = writeln!(o, "\nMost frequent final camps:");
    for st in &cmp.studies {
        if let Some((camps, f)) = st.top_camps() {
            let share = 100.0 * f;
            let _ = writeln!(
                o,
                "  {:<10} {share:>5.1}%  {}",
                st.label,
                camps_text(s, camps)
            );
        }
    }
    let _ = writeln!(o, "\nResults in {dir}/ ({})", FILES.join(", "));
    o
}

/// A table with a first column `first` (left-aligned) and one column per theory.
fn theory_table(cmp: &Comparison, first: &str) -> Table {
    let mut cols = vec![format!("<{first}")];
    cols.extend(cmp.studies.iter().map(|t| t.label.clone()));
    Table::new(&cols.iter().map(String::as_str).collect::<Vec<_>>())
}

/// What was compared, and each theory in a line.
fn heading(o: &mut String, cmp: &Comparison, s: &Scenario, seconds: f64) {
    use std::fmt::Write;
    let year = format_year(s.year(s.steps));
    let theories = cmp.studies.len();
    let _ = writeln!(
        o,
        "{}: {} {} x {} runs, seed {}, {} to {year} ({seconds:.1} s)",
        s.name,
        theories,
        if theories == 1 { "theory" } else { "theories" },
        cmp.runs,
        cmp.seed,
        format_year(s.start_year)
    );
    let _ = writeln!(
        o,
        "Run r draws the same random numbers under every theory: differences come from the theory."
    );
    for t in &cmp.studies {
        if let Some(th) = Theory::parse(&t.label) {
            let _ = writeln!(o, "  {:<10} {}", th.name(), th.summary());
        }
    }
}

/// P(alliance) with the mean alignment, then P(rivalry), of the pairs `chosen` (default: those
/// that differ most across theories).
fn pair_tables(o: &mut String, cmp: &Comparison, s: &Scenario, chosen: &[usize]) {
    use std::fmt::Write;
    let year = format_year(s.year(s.steps));
    let pairs = if chosen.is_empty() {
        cmp.interesting_pairs(TABLE_PAIRS)
    } else {
        chosen.to_vec()
    };
    let ids: Vec<(usize, usize)> = upper(s.n()).collect();
    let name = |q: usize| format!("{}-{}", s.states[ids[q].0].id, s.states[ids[q].1].id);
    let _ = writeln!(
        o,
        "\nP(alliance) in {year} [mean alignment], {}:",
        if chosen.is_empty() {
            "the pairs that differ most across theories"
        } else {
            "the pairs chosen with --pairs"
        }
    );
    let mut t = theory_table(cmp, "pair");
    for &q in &pairs {
        let mut row = vec![name(q)];
        row.extend(cmp.studies.iter().map(|st| {
            let p = st.pair(q);
            format!("{:.3} [{:+.2}]", p.p_alliance_end, p.mean_alignment_end)
        }));
        t.row(row);
    }
    o.push_str(&t.render());

    let _ = writeln!(o, "\nP(rivalry) in {year}, same pairs:");
    let mut t = theory_table(cmp, "pair");
    for &q in &pairs {
        let mut row = vec![name(q)];
        row.extend(
            cmp.studies
                .iter()
                .map(|st| format!("{:.3}", st.pair(q).p_rivalry_end)),
        );
        t.row(row);
    }
    o.push_str(&t.render());
}

/// Shares of balancing, bandwagoning and securing, and their ratio, per theory.
fn decisions_table(o: &mut String, cmp: &Comparison) {
    use std::fmt::Write;
    let _ = writeln!(o, "\nDecisions (share of state-steps, all states):");
    let mut t = theory_table(cmp, "decision");
    let shares: Vec<_> = cmp.studies.iter().map(|st| st.decision_shares()).collect();
    for (label, f) in [
        (
            "balance",
            (|x: &compare::Shares| x.balance) as fn(&compare::Shares) -> f64,
        ),
        ("bandwagon", |x| x.bandwagon),
        ("secure", |x| x.secure),
    ] {
        let mut row = vec![label.to_string()];
        row.extend(shares.iter().map(|x| format!("{:.3}", f(x))));
        t.row(row);
    }
    let mut row = vec!["balance:bandwagon".to_string()];
    row.extend(shares.iter().map(|x| ratio(x.balance, x.bandwagon)));
    t.row(row);
    o.push_str(&t.render());
}

/// The `balance:bandwagon` cell of one theory ([`compare::balance_ratio`], or words where a
/// share is zero).
fn ratio(balance: f64, bandwagon: f64) -> String {
    match (balance > 0.0, bandwagon > 0.0) {
        (false, false) => "neither".into(),
        (true, false) => "no bandwagoning".into(),
        (false, true) => "no balancing".into(),
        _ => compare::balance_ratio(balance, bandwagon, ":").unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::ratio;

    #[test]
    fn a_zero_share_is_said_in_words() {
        assert_eq!(ratio(0.2, 0.8), "1:4");
        assert_eq!(ratio(1.0, 0.0), "no bandwagoning");
        assert_eq!(ratio(0.0, 1.0), "no balancing");
        assert_eq!(ratio(0.0, 0.0), "neither");
    }
}
