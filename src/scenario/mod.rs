//! Scenario files: schema, units, loading with located errors, validation.

pub mod expect;
pub mod group;
pub mod load;
pub mod model;
pub mod overrides;
pub mod provenance;
pub mod sweep;
pub mod trace_file;
pub mod validate;
pub mod warmup;

/// The quantities scenario files are written in; they live in the engine so
/// that the network and workload configurations below the scenario can use
/// them too.
pub use crate::engine::units;

pub use model::*;
