//! The discrete-event engine: virtual time, a deterministic event queue and
//! seeded random streams.
//!
//! Nothing in here knows about PNRP, networks or hosts. The simulation glue
//! (`crate::sim`) decides what an event is; the engine only promises that
//! events come out in `(time, insertion order)` order, which makes every run
//! reproducible from its seed.

pub mod queue;
pub mod rng;
pub mod time;

pub use queue::EventQueue;
pub use rng::{Rng, StreamSeed};
pub use time::{SimDuration, SimTime};
