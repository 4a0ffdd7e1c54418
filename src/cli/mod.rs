//! Subcommands. Each file holds one command: an args struct and a `run` function.

/// `eprintln!` for every message: user text in it (paths, ids, values, file lines) is made
/// printable first (`entente::text::printable`: terminal control characters shown as
/// `\u{1b}`, not obeyed).
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", entente::text::printable(&format!($($arg)*)))
    };
}

mod backtest;
mod calibrate;
mod compare;
mod explain;
mod history;
mod landscape;
mod merge;
mod report;
mod run;
mod score;
mod serve;
mod show;
mod slurm;
mod study;
mod sweep;
mod table;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use entente::engine::interrupt;

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
scenario (Vostok-2018: does U.S. pressure forge a China-Russia alliance?). The words it prints \
(alignment, threat, balance, bandwagon, camps, the interval) are explained in docs/glossary.md.",
    after_help = "Examples:\n  entente run\n  entente validate scenarios/*.toml\n  entente show\n  entente show scenarios/tutorial/security-dilemma.toml\n  entente history 1913 --states majors\n  entente backtest --years 1880:1975:5 --horizon 10 --states majors --runs 2000\n  entente score results/vostok-2018 data/outcomes/vostok-2018-2024.csv\n  entente sweep --vary pair.CHN-RUS.mistrust=0.2:0.8 --design grid:7 --runs 2000\n  entente calibrate --runs 500\n  entente serve --open   (the browser page, after tools/build-web.sh; docs/web.md)"
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
    Calibrate(calibrate::Args),
    Serve(serve::Args),
    Landscape(landscape::Args),
}

/// Run the command line; every error becomes a message on stderr and exit status 2.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            return if e.use_stderr() {
                // The offending argument is echoed: made printable like every message.
                eprint!("{}", entente::text::printable(&e.render().to_string()));
                ExitCode::from(EXIT_USAGE)
            } else {
                let _ = e.print();
                ExitCode::SUCCESS
            };
        }
    };
    catch_interrupts();
    // Ctrl-C is how a server ends: no message about interrupted work.
    let serving = matches!(cli.command, Command::Serve(_));
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
        Command::Calibrate(args) => calibrate::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Landscape(args) => landscape::run(args),
    };
    // A requested stop wins over whatever the interrupted work said about it.
    if let Some(status) = interrupt::requested().filter(|_| !serving) {
        let signal = if status == 143 { "SIGTERM" } else { "SIGINT" };
        if result.is_ok() {
            say!(
                "entente: interrupted ({signal}) after the work was done: its results are complete"
            );
        } else {
            say!(
                "entente: interrupted ({signal}): stopped; the results of this command were not written, its temporary files were removed, and earlier results are as they were"
            );
        }
        return ExitCode::from(status);
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            say!("error: {}", error_text(&e));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// SIGINT (Ctrl-C) and SIGTERM ask the work to stop (`engine::interrupt`): the engine's
/// workers stop between groups of runs, the command unwinds and cleans up, and the process
/// exits 130 or 143. A second signal ends the process at once with that status.
fn catch_interrupts() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::flag;
        for (signal, status) in [(SIGINT, 130usize), (SIGTERM, 143)] {
            // The shutdown first: it acts only once the flag is already set (a second signal).
            let _ = flag::register_conditional_shutdown(signal, status as i32, &interrupt::STOP);
            let _ = flag::register_usize(signal, &interrupt::EXIT_STATUS, status);
            let _ = flag::register(signal, &interrupt::STOP);
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

#[cfg(test)]
mod tests {
    use clap::{Arg, CommandFactory, Parser};

    use super::study::{RunArgs, StudyArgs, TheoryArg};
    use super::{Cli, Command};

    /// The commands that flatten each shared group of flags.
    const STUDY: [&str; 4] = ["run", "compare", "explain", "slurm"];
    const THEORY: [&str; 3] = ["run", "explain", "slurm"];
    const RUN: [&str; 2] = ["run", "compare"];

    /// What makes a flag the same flag: its id, name, value name, value count and parser.
    fn shape(a: &Arg) -> String {
        format!(
            "{} {:?} {:?} {:?} {:?} {:?} {:?}",
            a.get_id(),
            a.get_long(),
            a.get_short(),
            a.get_value_names(),
            a.get_num_args(),
            a.get_action(),
            a.get_value_parser().type_id(),
        )
    }

    /// Every flag of `group` appears in each of `commands` with the same shape; its help too,
    /// except where a command words it for itself (`compare`'s `--runs`, `--set`, `--out`).
    fn shared(group: clap::Command, commands: &[&str]) {
        let cli = Cli::command();
        for flag in group.get_arguments() {
            for name in commands {
                let cmd = cli.find_subcommand(name).expect("a subcommand");
                let found = cmd
                    .get_arguments()
                    .find(|a| a.get_id() == flag.get_id())
                    .unwrap_or_else(|| panic!("`entente {name}` lacks {}", flag.get_id()));
                assert_eq!(shape(found), shape(flag), "`entente {name}`");
                let reworded =
                    *name == "compare" && ["runs", "set", "out"].contains(&flag.get_id().as_str());
                if !reworded {
                    assert_eq!(
                        found.get_help().map(ToString::to_string),
                        flag.get_help().map(ToString::to_string),
                        "`entente {name} --{}`'s help",
                        flag.get_id()
                    );
                }
            }
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn study_commands_share_one_shape_of_flags() {
        use clap::Args as _;
        shared(StudyArgs::augment_args(clap::Command::new("x")), &STUDY);
        shared(TheoryArg::augment_args(clap::Command::new("x")), &THEORY);
        shared(RunArgs::augment_args(clap::Command::new("x")), &RUN);
        // `compare` takes a list of theories, not one.
        let cli = Cli::command();
        let compare = cli.find_subcommand("compare").unwrap();
        assert!(compare.get_arguments().all(|a| a.get_id() != "theory"));
    }

    /// `entente ARGS`, parsed.
    fn parse(args: &[&str]) -> Command {
        let mut all = vec!["entente"];
        all.extend(args);
        Cli::try_parse_from(all)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .command
    }

    #[test]
    fn each_study_command_reads_the_shared_flags_alike() {
        let common = [
            "s.toml", "--seed", "7", "--set", "eta=0.3", "--set", "d0=900",
        ];
        let expected = StudyArgs {
            scenario: Some("s.toml".into()),
            seed: Some(7),
            set: vec!["eta=0.3".into(), "d0=900".into()],
        };
        let with = |cmd: &str, extra: &[&str]| {
            let mut a = vec![cmd];
            a.extend(common);
            a.extend(extra);
            parse(&a)
        };
        let theory = TheoryArg {
            theory: Some("waltz".into()),
        };
        let runs = RunArgs {
            runs: Some(100),
            threads: Some(2),
            out: Some("o".into()),
        };
        let run_flags = ["--runs", "100", "--threads", "2", "--out", "o"];
        match with("run", &[&["--theory", "waltz"][..], &run_flags].concat()) {
            Command::Run(a) => {
                assert_eq!(
                    (a.study, a.theory, a.run),
                    (expected.clone(), theory.clone(), runs.clone())
                )
            }
            _ => panic!("run"),
        }
        match with("compare", &run_flags) {
            Command::Compare(a) => assert_eq!((a.study, a.run), (expected.clone(), runs)),
            _ => panic!("compare"),
        }
        match with("explain", &["--theory", "waltz"]) {
            Command::Explain(a) => {
                assert_eq!((a.study, a.theory), (expected.clone(), theory.clone()))
            }
            _ => panic!("explain"),
        }
        match with(
            "slurm",
            &["--theory", "waltz", "--tasks", "2", "--runs", "10"],
        ) {
            Command::Slurm(a) => assert_eq!((a.study, a.theory), (expected, theory)),
            _ => panic!("slurm"),
        }
        // Without them: the scenario's (None), in every command.
        match parse(&["explain"]) {
            Command::Explain(a) => assert_eq!(a.study, StudyArgs::default()),
            _ => panic!("explain"),
        }
    }

    #[test]
    fn shared_flags_are_refused_alike() {
        for cmd in ["run", "compare"] {
            let e = Cli::try_parse_from(["entente", cmd, "--threads", "0"])
                .err()
                .expect("--threads 0 is refused");
            assert!(e.to_string().contains("0 is not in 1..=4096"), "{cmd}: {e}");
        }
        for cmd in STUDY {
            let e = Cli::try_parse_from(["entente", cmd, "--seed", "x"])
                .err()
                .expect("--seed x is refused");
            assert!(
                e.to_string().contains("invalid value 'x' for '--seed <S>'"),
                "{cmd}: {e}"
            );
        }
    }
}
