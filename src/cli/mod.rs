//! Subcommands. Each file holds one command: an args struct and a `run` function.

mod run;
mod show;
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
    after_help = "Examples:\n  entente run\n  entente validate scenarios/*.toml\n  entente show\n  entente show scenarios/tutorial/security-dilemma.toml"
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
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
