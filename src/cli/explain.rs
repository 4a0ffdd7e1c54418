//! `entente explain [SCENARIO]`: the story of one run, year by year, in plain language.

use std::process::ExitCode;

use entente::teach::explain::{self, DEFAULT_EVERY, DEFAULT_SETTLE, ExplainOptions};

use super::study::{StudyArgs, TheoryArg};

/// Output format of `explain`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Format {
    /// Plain text, wrapped at 100 columns.
    Text,
    /// Markdown: a heading per year.
    Md,
    /// JSON: the same content, machine-readable.
    Json,
}

/// Tell the story of one run: threats, decisions and why, partners, alliances, events.
#[derive(clap::Args)]
#[command(
    after_help = "Without SCENARIO, explains a run of the built-in flagship scenario (Vostok-2018).

For each followed state: its principal threat and the four sources of that threat (relative
power, proximity, offensive capability, perceived intentions) with the biggest one named; its
decision (balance, bandwagon or secure) and why; its best partners and what they offer. Also:
pairs that become or stop being alliances, alignments or rivalries, and events as they fire.
Decisions are shown at the start and then only when they change, with a summary every --every
years and the final state. A pair's change of class is told once it has lasted --settle years
(alignment is noisy near a threshold); --settle 0 tells every crossing.

Run K is run K of `entente run` with the same seed: the same random draws, the same outcome.

Examples:
  entente explain scenarios/tutorial/far-strongest-near-weaker.toml
  entente explain scenarios/tutorial/far-strongest-near-weaker.toml --theory waltz
  entente explain scenarios/tutorial/security-dilemma.toml --every 5
  entente explain --focus USA,CHN,RUS --every 2 --run 3
  entente explain scenarios/tutorial/bandwagon.toml --format json > story.json"
)]
pub struct Args {
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub theory: TheoryArg,
    /// Run index (the run's random stream, as in `entente run`).
    #[arg(long, value_name = "K", default_value_t = 0)]
    run: u64,
    /// States to follow, comma-separated (default: every state when there are at most 5,
    /// else the 3 most powerful).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    focus: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Years between summary lines.
    #[arg(long, value_name = "YEARS", default_value_t = DEFAULT_EVERY)]
    every: f64,
    /// Years a pair's new class must last to be told: a crossing reversed sooner is noise
    /// around a threshold and is left out with its reversal (0: tell every crossing).
    #[arg(long, value_name = "YEARS", default_value_t = DEFAULT_SETTLE)]
    settle: f64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let s = args.study.resolve(args.theory.theory.as_deref())?;
    let opts = ExplainOptions {
        run: args.run,
        seed: args.study.seed(&s),
        focus: (!args.focus.is_empty()).then_some(args.focus),
        every: args.every,
        settle: args.settle,
    };
    let story = explain::explain(&s, &opts)?;
    let text = match args.format {
        Format::Text => story.to_text(),
        Format::Md => story.to_markdown(),
        Format::Json => story.to_json(),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
