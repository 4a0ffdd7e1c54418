//! Subcommands. Each file holds one command: an args struct and a `run` function.

mod backtest;
mod compare;
mod explain;
mod history;
mod merge;
mod report;
mod run;
mod score;
mod show;
mod slurm;
mod study;
mod sweep;
mod table;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status for a problem in the user's input (scenario, flags, paths).
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "entente",
    version,
    about = "Simulate how states' alignments evolve under balance-of-power and balance-of-threat theory",
    long_about = "entente simulates how states ally, bandwagon and drift apart under Stephen Walt's \
balance-of-threat theory (and, for comparison, Waltz's balance of power, bandwagoning and liberal \
interdependence). Scenarios are TOML files; with no file, commands use the built-in flagship \
scenario (Vostok-2018: does U.S. pressure forge a China-Russia alliance?).",
    after_help = "Examples:\n  entente run\n  entente validate scenarios/*.toml\n  entente show\n  entente show scenarios/tutorial/security-dilemma.toml\n  entente history 1913 --states majors\n  entente backtest --years 1880:1975:5 --horizon 10 --states majors --runs 2000\n  entente score results/vostok-2018 data/outcomes/vostok-2018-2024.csv\n  entente sweep --vary pair.CHN-RUS.mistrust=0.2:0.8 --design grid:7 --runs 2000"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(run::Args),
    Validate(validate::Args),
    Show(show::Args),
    Merge(merge::Args),
    Slurm(slurm::Args),
    Explain(explain::Args),
    Compare(compare::Args),
    Report(report::Args),
    History(history::Args),
    Backtest(backtest::Args),
    Score(score::Args),
    Sweep(sweep::Args),
}

/// Run the command line; every error becomes a message on stderr and exit status 2.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Show(args) => show::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Slurm(args) => slurm::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Report(args) => report::run(args),
        Command::History(args) => history::run(args),
        Command::Backtest(args) => backtest::run(args),
        Command::Score(args) => score::run(args),
        Command::Sweep(args) => sweep::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The error and its causes, each cause added only when the message does not already say it
/// (library errors embed their I/O cause in their own message).
fn error_text(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}
