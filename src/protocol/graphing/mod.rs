//! The [MS-PPGRH] Peer-to-Peer Graphing model with the [MS-PPSEC] group
//! security provider, as far as it moves bytes: a second sans-I/O state
//! machine beside PNRP's. A group of one person's computers is a graph;
//! each computer runs a [`GraphNode`] that reacts to messages, timers and
//! connection events and returns messages, timers and connection requests.
//!
//! Inside, dependencies point one way: `wire` (§2.2 byte layouts) and
//! `params` at the bottom, `message` (what a message carries and what it
//! costs), `record` (the shared database's records), and `node` on top.
//! `harness` (tests only) runs real nodes over a FIFO network.

pub mod message;
pub mod node;
pub mod params;
pub mod record;
pub mod wire;

#[cfg(test)]
mod harness;

pub use message::{GraphMsg, GraphReason};
pub use node::{GraphEnv, GraphNode, GraphOutbox, GraphTimer};
pub use params::GraphParams;
