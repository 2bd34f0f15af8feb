//! Scenario files: schema, units, loading with located errors, validation.

pub mod load;
pub mod model;
pub mod provenance;
pub mod units;
pub mod validate;

pub use model::*;
