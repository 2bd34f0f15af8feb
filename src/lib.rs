//! pnrpsim: a discrete-event simulator of the bandwidth that PNRP name
//! publication costs, as a function of the names each host registers.
//!
//! Layers, from the bottom up:
//! - [`engine`]: virtual time, event queue, random streams; no protocol.
//! - [`protocol`]: the PNRP state machine of one host, free of I/O.
//! - [`network`]: latency, loss and per-datagram byte accounting.
//! - [`scenario`]: the TOML scenario schema, units and validation.
//! - [`workload`]: names, churn and application resolves.
//! - [`sim`]: the glue that runs hosts on the engine over the network.
//! - [`metrics`] and [`report`]: what a run measured, and how it is written.
//! - [`sweep`] and [`plot`]: parallel sweeps with confidence intervals,
//!   and the charts drawn from their CSV files.
//! - [`estimate`]: a closed-form estimate of the same figures, printed
//!   and drawn beside the simulated ones as a sanity check.
//! - [`page`]: the one-page Markdown report of `--report`.
//! - [`check`]: scenario files as regression tests (`[[expect]]`,
//!   fingerprints, JUnit reports).
//! - [`guard`]: the wall-clock limit of `--max-wall`.
//! - [`cli`]: the `pnrpsim` command.

pub mod check;
pub mod cli;
pub mod design;
pub mod engine;
pub mod estimate;
pub mod guard;
pub mod metrics;
pub mod network;
pub mod page;
pub mod plot;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod size;
pub mod sweep;
pub mod workload;
