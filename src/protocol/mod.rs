//! The PNRP protocol model: IDs, messages, the multilevel cache and the
//! per-host state machine. Nothing here does I/O or reads the clock: a host
//! reacts to a message or timer and returns messages and timers.
//!
//! Dependencies inside point one way: `id` → `message` → `cache` → `env`,
//! `outbox` → `requests` → `resolve` → `node`. The node drives resolution;
//! resolution knows nothing of the node beyond the parts it is lent.

pub mod id;
pub mod message;

pub use id::U256;
pub mod cache;
pub mod env;
#[cfg(test)]
pub(crate) mod harness;
pub mod node;
pub mod outbox;
mod requests;
mod resolve;
