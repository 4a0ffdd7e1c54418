//! `entente validate FILE...`

use std::path::PathBuf;
use std::process::ExitCode;

use entente::scenario::{self, ScenarioError};

/// Check scenario files and report every problem found.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when every file is valid, 2 otherwise.\n\nExamples:\n  entente validate scenarios/vostok-2018.toml\n  entente validate scenarios/*.toml scenarios/tutorial/*.toml"
)]
pub struct Args {
    /// Scenario files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut bad = 0;
    for path in &args.files {
        match scenario::load(path) {
            Ok(s) => {
                println!(
                    "{}: ok ({} states, {} events, {} steps of {} years, theory {})",
                    path.display(),
                    s.n(),
                    s.events.len(),
                    s.steps,
                    s.dt,
                    s.theory
                );
                super::study::warn_about_data(&s, &path.display().to_string());
            }
            Err(ScenarioError::Invalid(d)) => {
                bad += 1;
                say!("{d}");
                let k = d.items.len();
                say!(
                    "{}: {k} problem{} found",
                    path.display(),
                    if k == 1 { "" } else { "s" }
                );
            }
            Err(e) => {
                bad += 1;
                say!("{e}");
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_USAGE)
    })
}
