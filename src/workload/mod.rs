//! What the hosts do: which names they register, when they come and go,
//! which names their applications resolve, and whom they ask to join.
//!
//! Each model is a type that, given the clock's needs and the workload's
//! random stream, says what happens next; the simulation only schedules
//! what they return, so a new churn or workload model edits this module,
//! not the event loop.

pub mod bootstrap;
pub mod churn;
pub mod names;
pub mod resolves;
pub mod steady;
pub mod timeline;
pub mod trace;

/// A workload model that cannot be built from its parameters. Validation
/// refuses such parameters before a run starts, so this is reported rather
/// than trusted.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WorkloadError {
    /// A session or downtime distribution, with the sampler's reason.
    #[error("invalid {kind:?} distribution: {reason}")]
    Distribution {
        kind: churn::DistKind,
        reason: String,
    },
    /// The Zipf popularity of names, with the sampler's reason.
    #[error("zipf popularity: {0}")]
    Popularity(String),
}
