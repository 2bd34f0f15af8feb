//! The PNRP protocol model: IDs, messages, the multilevel cache and the
//! per-host state machine. Nothing here does I/O or reads the clock: a host
//! reacts to a message or timer and returns messages and timers.

pub mod id;
pub mod message;
pub mod wire;

pub use id::U256;
pub mod cache;
pub mod node;
mod resolve;
