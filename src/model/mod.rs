//! The balance-of-threat model (MODEL.md): pure functions, no I/O.

pub mod formulas;
pub mod params;

pub use formulas::{interdependence, proximity, relative_power, threat};
pub use params::{Params, Theory};
