//! Scenario files: schema, units, loading with located errors, validation.

pub mod model;
pub mod units;

pub use model::*;
