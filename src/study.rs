//! A study's scenario, resolved once for every command: read from a file (or the built-in
//! flagship), then a theory preset and `--set` values applied, in that order.
//!
//! `entente run`, `compare`, `explain`, `slurm` and `merge` resolve their scenario here, and so
//! does `entente report` when it re-reads the scenario a manifest names
//! ([`crate::teach::report::scenario_of`]): the same inputs give the same scenario, hence the
//! same [`crate::output::scenario_sha256`], whichever command resolved it.

use std::path::Path;

use crate::scenario::{self, FLAGSHIP_NAME, FLAGSHIP_TOML, Scenario, ScenarioError};

/// Why a study's scenario could not be resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// The scenario file cannot be read or is not a valid scenario.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The theory preset or a `--set` value does not apply to the scenario.
    #[error(transparent)]
    Choice(#[from] crate::scenario::SetError),
}

/// The text of the scenario file `file`, or of the built-in flagship when `None`, with the
/// name messages use for it (the path as given, or [`FLAGSHIP_NAME`]).
pub fn scenario_text(file: Option<&Path>) -> Result<(String, String), ScenarioError> {
    Ok(match file {
        Some(p) => scenario::read(p)?,
        None => (FLAGSHIP_TOML.to_string(), FLAGSHIP_NAME.to_string()),
    })
}

/// Parse and validate scenario text (named `name` in messages), then apply the theory preset
/// and the `--set` assignments, in that order.
pub fn resolve_text(
    text: &str,
    name: &str,
    theory: Option<&str>,
    set: &[String],
) -> Result<Scenario, StudyError> {
    let mut s = scenario::parse(text, name)?;
    s.apply_choices(theory, set)?;
    Ok(s)
}

/// Load the scenario file `file` (the built-in flagship when `None`) and apply the theory
/// preset and the `--set` assignments, in that order.
pub fn resolve(
    file: Option<&Path>,
    theory: Option<&str>,
    set: &[String],
) -> Result<Scenario, StudyError> {
    let (text, name) = scenario_text(file)?;
    resolve_text(&text, &name, theory, set)
}

/// How the scenario appears in manifests (`scenario_file`): the path as given, or the
/// built-in flagship's name.
pub fn scenario_file_shown(file: Option<&Path>) -> String {
    file.map_or(FLAGSHIP_NAME.to_string(), |p| p.display().to_string())
}

/// The scenario file's absolute path, for manifests (`scenario_path`): none for the built-in
/// flagship, or when the path cannot be resolved (the manifest then has the path as given
/// only).
pub fn scenario_path_absolute(file: Option<&Path>) -> Option<String> {
    file.and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flagship_resolves_with_choices_in_order() {
        let s = resolve(None, Some("waltz"), &["eta=0.3".into()]).unwrap();
        assert_eq!(s.name, "vostok-2018");
        assert_eq!(s.theory.name(), "waltz");
        assert_eq!(s.params.get("eta"), Some(0.3));
        // The same inputs, the same scenario, through the text.
        let t = resolve_text(
            FLAGSHIP_TOML,
            FLAGSHIP_NAME,
            Some("waltz"),
            &["eta=0.3".into()],
        );
        assert_eq!(
            crate::output::scenario_sha256(&s),
            crate::output::scenario_sha256(&t.unwrap())
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = resolve(Some(Path::new("no/such/file.toml")), None, &[]).unwrap_err();
        assert!(
            e.to_string().starts_with("no/such/file.toml: cannot read"),
            "{e}"
        );
        let e = resolve(None, Some("realism"), &[]).unwrap_err();
        assert!(matches!(e, StudyError::Choice(_)), "{e}");
        assert_eq!(scenario_file_shown(None), FLAGSHIP_NAME);
        assert_eq!(scenario_path_absolute(None), None);
    }
}
