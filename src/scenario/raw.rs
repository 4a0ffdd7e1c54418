//! Raw serde types: the scenario file exactly as written, with source spans.
//!
//! Nothing here is trusted. `validate` turns a [`RawScenario`] into a
//! [`Scenario`](super::Scenario) or a list of diagnostics. Every leaf that a
//! diagnostic may need to point at is wrapped in [`Spanned`].

// Fields mirror docs/scenario-format.md one to one; documented there.
#![allow(missing_docs)]

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A spanned value (byte range into the file).
pub type S<T> = Spanned<T>;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// `[scenario]`: metadata.
    pub scenario: Option<S<RawMeta>>,
    /// `[power]`: how aggregate power is computed.
    pub power: Option<S<RawPower>>,
    /// `[[state]]` entries.
    #[serde(default)]
    pub state: Vec<S<RawState>>,
    /// `[[pair]]` entries.
    #[serde(default)]
    pub pair: Vec<S<RawPair>>,
    /// `[[intent]]` entries.
    #[serde(default)]
    pub intent: Vec<S<RawIntent>>,
    /// `[[event]]` entries.
    #[serde(default)]
    pub event: Vec<S<RawEvent>>,
    /// `[params]`: model parameter overrides (name = value), plus `source`/`note`.
    pub params: Option<S<BTreeMap<String, S<toml::Value>>>>,
}

/// `[scenario]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: S<String>,
    pub title: Option<S<String>>,
    pub description: Option<S<String>>,
    pub start_year: S<f64>,
    pub horizon: Option<S<f64>>,
    pub dt: Option<S<f64>>,
    pub seed: Option<S<i64>>,
    pub runs: Option<S<i64>>,
    pub theory: Option<S<String>>,
    /// The pairs the scenario's question is about, `"A-B"`, printed first.
    pub key_pairs: Option<S<Vec<S<String>>>>,
    pub source: Option<S<String>>,
    pub note: Option<S<String>>,
}

/// `[power]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPower {
    /// Component name -> weight.
    pub weights: S<BTreeMap<String, S<f64>>>,
    /// Which component is GDP in USD bn (used for interdependence).
    pub gdp_component: Option<S<String>>,
    pub source: Option<S<String>>,
    pub note: Option<S<String>>,
}

/// `[[state]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    pub id: S<String>,
    pub name: Option<S<String>>,
    pub power: Option<S<f64>>,
    pub gdp: Option<S<f64>>,
    pub components: Option<S<BTreeMap<String, S<f64>>>>,
    pub offense: S<f64>,
    pub growth: Option<S<f64>>,
    pub volatility: Option<S<f64>>,
    pub lat: S<f64>,
    pub lon: S<f64>,
    pub aggression: S<f64>,
    pub autonomy: Option<S<f64>>,
    pub source: Option<S<String>>,
    pub note: Option<S<String>>,
}

/// `[[pair]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPair {
    /// The two state ids, e.g. `["CHN", "RUS"]`.
    pub states: S<Vec<S<String>>>,
    pub border: Option<S<bool>>,
    pub distance_km: Option<S<f64>>,
    pub trade: Option<S<f64>>,
    pub mistrust: Option<S<f64>>,
    pub affinity: Option<S<f64>>,
    pub alignment: Option<S<f64>>,
    pub treaty: Option<S<f64>>,
    pub source: Option<S<String>>,
    pub note: Option<S<String>>,
}

/// `[[intent]]`: how aggressive `from` looks to `to`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntent {
    pub from: S<String>,
    pub to: S<String>,
    pub value: S<f64>,
    pub source: Option<S<String>>,
    pub note: Option<S<String>>,
}

/// `[[event]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub name: S<String>,
    pub at: Option<S<f64>>,
    pub hazard: Option<S<f64>>,
    pub once: Option<S<bool>>,
    pub effects: S<Vec<S<RawEffect>>>,
    pub source: Option<S<String>>,
    pub note: Option<S<String>>,
}

/// One effect of an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    /// A path such as `pair.USA-CHN.trade` or `intent.USA-RUS`.
    pub target: S<String>,
    /// `set`, `add` or `mul`.
    pub op: S<String>,
    pub value: S<f64>,
    pub source: Option<S<String>>,
    pub note: Option<S<String>>,
}
