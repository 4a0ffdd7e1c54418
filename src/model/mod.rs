//! The balance-of-threat model (MODEL.md): pure functions, no I/O.
//!
//! - [`formulas`]: one function per formula of the spec, scalar and checkable by hand;
//! - [`world`]: the state of one run in flat arrays, the step, and [`simulate`];
//! - [`lanes`]: the same step for several runs at once, one per SIMD lane (the engine's);
//! - [`camps`]: the final two-camp partition (Axelrod & Bennett 1993);
//! - [`params`]: parameters, defaults, ranges and theory presets.
//!
//! Nothing here reads files, prints, or keeps global state; a run depends only on the
//! scenario, the parameters, the master seed and the run index.

pub mod camps;
pub mod chacha_lanes;
pub mod formulas;
pub mod lanes;

pub mod random;
pub mod run;
pub mod vexp;
pub mod world;

pub use crate::params::{self, Params, Theory};
pub use formulas::{PairClass, Strategy, interdependence, proximity, relative_power, threat};
pub use lanes::{LaneObserver, LaneSimulator, LaneWorld, VectorUnits};
pub use run::{Simulator, simulate};
pub use world::{Decision, NoObserver, Observer, RunOutcome, World};
