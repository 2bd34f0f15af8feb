//! The discrete-event engine: virtual time, a deterministic event queue,
//! seeded random streams, and the units (`"15s"`, `"4KB"`) quantities are
//! written in.
//!
//! Nothing in here knows about PNRP, networks or hosts. The simulation glue
//! (`crate::sim`) decides what an event is; the engine only promises that
//! events come out in `(time, insertion order)` order, which makes every run
//! reproducible from its seed.

pub mod queue;
pub mod rng;
pub mod time;
pub mod units;

pub use queue::EventQueue;
pub use rng::{Rng, StreamSeed};
pub use time::{SimDuration, SimTime};

/// Hints the CPU to start loading the cache line holding `p`. A simulation
/// of a large cloud spends most of its time waiting for host state that is
/// not in the cache; the next events are known in advance, so their state
/// can be on its way while the current event is handled.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never dereferences the pointer
    // and cannot fault, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
