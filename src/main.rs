//! The `entente` command: parse the command line, call the library, map errors to exit codes.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
