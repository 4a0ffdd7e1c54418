//! History: public data sets 1816– (capabilities, alliances, rivalries, disputes, trade,
//! borders, capitals), scenarios built from them for any year, the observed alignment class of
//! a pair in a year, and forecast scores against what happened.
//!
//! - [`data`] reads the data sets (embedded in the binary, or a folder in the same format);
//! - [`select`] resolves `--states` specs (`majors+top:12`) for a year;
//! - [`build`] writes a validated scenario for a year, every judgement call a named default;
//! - [`coding`] says what happened: the observed class (ally, neutral, rival) of a pair;
//! - [`backtest`] runs the model from many start years and sets its forecasts beside what
//!   happened, persistence and climatology;
//! - [`outcomes`] reads an outcomes table, what happened to a study's pairs coded by hand
//!   (`entente score`);
//! - [`score`] scores probability forecasts of those classes (Brier, log, skill, reliability).

pub mod backtest;
pub mod build;
pub mod coding;
pub mod data;
pub mod outcomes;
pub mod score;
pub mod select;
