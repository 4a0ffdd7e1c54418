//! entente: a scenario-simulation engine for international alignments under
//! balance-of-power and balance-of-threat theory.
//!
//! The data flows one way: a scenario file is parsed and validated into a
//! [`scenario::Scenario`], the [`model`] simulates runs of it, and writers
//! turn results into files.
#![warn(missing_docs)]

pub mod engine;
pub mod experiment;
pub mod history;
pub mod landscape;
pub mod model;
pub mod output;
pub mod params;
pub mod scenario;
pub mod simd;
pub mod stats;
pub mod study;
pub mod teach;
pub mod text;
