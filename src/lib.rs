//! pnrpsim: a discrete-event simulator of the bandwidth that PNRP name
//! publication costs, as a function of the names each host registers.
//!
//! Layers, from the bottom up. A module uses only modules of the lines above
//! its own, never a peer on its line nor a line below; `tests/layering.rs`
//! holds the same table and fails on any `crate::` path that breaks it.
//! - [`engine`]: virtual time, event queue, random streams, units.
//! - [`protocol`]: the PNRP state machine of one host, free of I/O.
//! - [`network`], [`workload`]: latency, loss and datagram bytes; the
//!   workload schedulers — names, churn, application resolves and the seed
//!   server a joining host asks (each with its own config types).
//! - [`metrics`]: what a run measured.
//! - [`scenario`]: the TOML scenario schema (and its mapping to the
//!   protocol's parameters), `--set` overrides, the sweep spec, `[[expect]]`
//!   addressing and validation.
//! - [`sim`]: the event loop that runs hosts on the engine over the network,
//!   as the workload schedules them.
//! - [`guard`]: the wall-clock limit of `--max-wall`.
//! - [`estimate`]: a closed-form estimate of the same figures, and the
//!   memory footprint of a run.
//! - [`outputs`]: the CSV and text writers of one run.
//! - [`sweep`]: parallel sweeps with confidence intervals, as CSV tables.
//! - [`plot`]: the charts drawn from a sweep's CSV files.
//! - [`design`], [`size`], [`check`]: studies: comparing designs, the sizing
//!   search, scenario files as regression tests.
//! - [`page`]: the one-page Markdown report of `--report`.
//! - [`cli`]: the `pnrpsim` command.

pub mod check;
pub mod cli;
pub mod design;
pub mod engine;
pub mod estimate;
pub mod guard;
pub mod metrics;
pub mod network;
pub mod outputs;
pub mod page;
pub mod plot;
pub mod protocol;
pub mod scenario;
pub mod sim;
pub mod size;
pub mod sweep;
pub mod workload;
