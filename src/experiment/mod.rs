//! Experiments: many studies of one scenario, one per point of a design, and the
//! sensitivity of their outcomes to the factors varied.
//!
//! - [`design`] parses factors (`--vary PATH=LOW:HIGH`, `PATH=v1,v2`) and designs (grid,
//!   Latin hypercube, Saltelli/Sobol, Morris, one at a time) and generates the points;
//! - [`file`](mod@file) reads experiment files (the same, written down);
//! - [`sensitivity`] estimates Morris and Sobol indices with bootstrap intervals;
//! - [`sweep`] evaluates a point (one study, or one backtest) and writes the rows of a sweep
//!   folder;
//! - [`calibrate`] refines the best point of a start design by a bounded Nelder–Mead search.

pub mod calibrate;
pub mod design;
pub mod file;
pub mod sensitivity;
pub mod sweep;
