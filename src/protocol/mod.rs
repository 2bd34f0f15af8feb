//! The PNRP protocol model: IDs, messages, the multilevel cache and the
//! per-host state machine. Nothing here does I/O or reads the clock: a host
//! reacts to a message or timer and returns messages and timers.
//!
//! Dependencies inside point one way: `id`, `message` and `cache` at the
//! bottom; `env` (what a reaction reads) and `outbox` (what it asks for);
//! `requests` (pending requests and their retransmission); `resolve`; and
//! `node` on top. The node drives resolution, and resolution knows nothing
//! of the node beyond the parts it is lent. `graphing` is the second state
//! machine, [MS-PPGRH] with [MS-PPSEC], for peer groups; it uses only `id`
//! and the engine. `harness` (tests only) drives
//! real nodes over a FIFO network without the simulation.

pub mod id;
pub mod message;
pub mod wire;

pub use id::U256;

/// Hosts a joining host is told about: Windows synchronises with the 10
/// most recently used of its previously known hosts (§3.1.4.2, §6 note 2);
/// the simulation's seed server hands out as many.
pub const SEEDS_PER_JOIN: usize = 10;

pub mod cache;
pub mod env;
pub mod graphing;
#[cfg(test)]
pub(crate) mod harness;
pub mod node;
pub mod outbox;
mod requests;
mod resolve;
