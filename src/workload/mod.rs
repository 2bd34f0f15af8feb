//! What the hosts do: which names they register, when they come and go,
//! and which names their applications resolve.

pub mod churn;
pub mod names;
