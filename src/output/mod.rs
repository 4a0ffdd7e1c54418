//! Writers of study results: pure functions from statistics to bytes (CSV, JSON), and an
//! [`OutputDir`] that checks and locks the destination before work starts and makes every
//! file appear only when complete (written under a temporary name, renamed at the end,
//! `manifest.json` last, the previous study's other files removed). A shard of a
//! study writes a partial result instead ([`PartManifest`], [`write_part`], [`PartReader`]).
//! Every manifest has a [`Kind`] and a format version, which readers check ([`Head`]); a
//! study's manifest and a partial result's share the study's identity ([`StudyId`]).

mod csv_files;
mod dir;
mod manifest;
mod part;

pub use csv_files::{
    PAIR_END_STATS, RUNS_HEADER_PREFIX, camp_members, camps_csv, camps_text, csv_writer,
    format_year, io_err, num, pair_end_stats, runs_header, runs_row, states_csv, summary_csv,
    timeseries_csv,
};
pub use dir::{Committed, LOCK_FILE, OutputDir, OutputError, REPORT};
pub use manifest::{Head, Kind, Manifest, ManifestError, StudyId, scenario_sha256};
pub use part::{
    PART_EXTENSION, PART_FORMAT, PART_MAGIC, PartError, PartManifest, PartReader, hex,
    part_file_name, write_part,
};
