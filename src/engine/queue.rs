//! A deterministic priority queue of timed events.
//!
//! Events come out in `(time, scheduling order)` order: every entry carries
//! a sequence number that breaks ties, so that equal times never come out
//! in an arbitrary (and, after unrelated changes, different) order.
//!
//! **Why a timing wheel.** A simulation of 10^6 hosts keeps millions of
//! events pending, and a binary heap of them costs a cache miss per level on
//! every push and pop. Almost every event is due within a minute (message
//! deliveries, retransmission and maintenance timers), so the queue files
//! those into a wheel of [`SLOTS`] slots of [`SLOT_US`] µs each, unsorted,
//! and sorts one slot only when the clock reaches it; a slot holds the
//! events of a few milliseconds, so the sort is small and the wheel is
//! walked in memory order. Events beyond the wheel's horizon (refreshes,
//! sessions, hours away) wait in a binary heap and move into the wheel as
//! the horizon reaches them. A bitmap of occupied slots lets the clock skip
//! empty ones.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Width of a wheel slot in µs (2^12 ≈ 4 ms).
const SLOT_BITS: u32 = 12;
const SLOT_US: u64 = 1 << SLOT_BITS;
/// Number of slots (2^14): the wheel spans about 67 s ahead of the clock,
/// and its slot headers (384 KiB) stay in the CPU's cache.
const SLOTS: usize = 1 << 14;
const HORIZON_US: u64 = SLOT_US * SLOTS as u64;

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    fn key(&self) -> (SimTime, u64) {
        (self.time, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed so that the max-heap pops the earliest `(time, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Future events ordered by `(time, scheduling order)`.
pub struct EventQueue<E> {
    /// Events of the slot the clock is in (times in `[base, base + SLOT_US)`)
    /// that were in the wheel when the clock reached it, sorted latest first
    /// so that the next one is popped off the end.
    current: Vec<Entry<E>>,
    /// Events for the clock's slot (or earlier) filed after it was sorted:
    /// short delays, and far events reached by the horizon. A small heap,
    /// so that a big slot is never re-sorted.
    late: BinaryHeap<Entry<E>>,
    /// Start of the current slot; the wheel holds times in
    /// `[base + SLOT_US, base + HORIZON_US)`.
    base: u64,
    /// Unsorted events by slot, `(time / SLOT_US) % SLOTS`.
    wheel: Vec<Vec<Entry<E>>>,
    /// One bit per slot of `wheel`: non-empty.
    occupied: Vec<u64>,
    /// Events beyond the wheel's horizon.
    far: BinaryHeap<Entry<E>>,
    len: usize,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            current: Vec::new(),
            late: BinaryHeap::new(),
            base: 0,
            wheel: (0..SLOTS).map(|_| Vec::new()).collect(),
            occupied: vec![0; SLOTS / 64],
            far: BinaryHeap::new(),
            len: 0,
            next_seq: 0,
            now: SimTime::ZERO,
            popped: 0,
        }
    }

    /// The time of the event popped last (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of events popped so far.
    pub fn events_processed(&self) -> u64 {
        self.popped
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `event` at `time`. Scheduling in the past is a logic error in
    /// the caller; the event is clamped to `now` so that time never runs
    /// backwards.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let time = time.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.len += 1;
        self.file(Entry { time, seq, event });
    }

    /// Puts an entry where it belongs: the sorted current slot, a wheel
    /// slot, or the far heap.
    fn file(&mut self, entry: Entry<E>) {
        let t = entry.time.0;
        if t < self.base.saturating_add(SLOT_US) {
            self.late.push(entry);
        } else if t - self.base < HORIZON_US {
            let slot = (t >> SLOT_BITS) as usize % SLOTS;
            self.wheel[slot].push(entry);
            self.occupied[slot / 64] |= 1 << (slot % 64);
        } else {
            self.far.push(entry);
        }
    }

    /// Pops the next event if it is due no later than `until`, advancing the
    /// clock to its time.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.current.is_empty() && self.late.is_empty() && !self.advance(until) {
            return None;
        }
        let from_late = match (self.current.last(), self.late.peek()) {
            (Some(c), Some(l)) => l.key() < c.key(),
            (c, _) => c.is_none(),
        };
        let next = if from_late {
            self.late.peek()
        } else {
            self.current.last()
        };
        if next?.time > until {
            return None;
        }
        let entry = if from_late {
            self.late.pop()
        } else {
            self.current.pop()
        }?;
        self.len -= 1;
        self.now = entry.time;
        self.popped += 1;
        Some((entry.time, entry.event))
    }

    /// Moves the clock's slot to the next one holding events, if it starts
    /// no later than `until`, and sorts it into `current` (`current` and
    /// `late` are empty when this is called).
    fn advance(&mut self, until: SimTime) -> bool {
        loop {
            let cur = (self.base >> SLOT_BITS) as usize % SLOTS;
            let in_wheel = self
                .next_occupied(cur)
                .map(|d| self.base + d as u64 * SLOT_US);
            let in_far = self.far.peek().map(|e| e.time.0 & !(SLOT_US - 1));
            let Some(next) = in_wheel.into_iter().chain(in_far).min() else {
                return false;
            };
            if next > until.0 {
                return false;
            }
            self.base = next;
            let end = self.base.saturating_add(HORIZON_US);
            while self.far.peek().is_some_and(|e| e.time.0 < end) {
                let entry = self.far.pop().expect("peeked");
                self.file(entry);
            }
            let slot = (self.base >> SLOT_BITS) as usize % SLOTS;
            if self.occupied[slot / 64] & (1 << (slot % 64)) != 0 {
                self.occupied[slot / 64] &= !(1 << (slot % 64));
                // The slot's buffer moves out, so that a burst does not
                // leave every slot holding its peak capacity.
                self.current = std::mem::take(&mut self.wheel[slot]);
                self.current
                    .sort_unstable_by_key(|e| std::cmp::Reverse(e.key()));
            }
            if !self.current.is_empty() || !self.late.is_empty() {
                return true;
            }
        }
    }

    /// Distance in slots (1..SLOTS) from `cur` to the next occupied slot
    /// (the current slot's own bit is never set).
    fn next_occupied(&self, cur: usize) -> Option<usize> {
        let words = self.occupied.len();
        let first = cur / 64;
        let bit = cur % 64;
        let after = if bit == 63 { 0 } else { !0u64 << (bit + 1) };
        let bits = self.occupied[first] & after;
        if bits != 0 {
            return Some(first * 64 + bits.trailing_zeros() as usize - cur);
        }
        // Whole words after `cur`'s, wrapping round to the bits before it.
        (1..=words).find_map(|step| {
            let w = (first + step) % words;
            let bits = self.occupied[w];
            (bits != 0).then(|| (w * 64 + bits.trailing_zeros() as usize + SLOTS - cur) % SLOTS)
        })
    }

    /// An event due soon: the `k`-th after the next one among those already
    /// sorted (a hint for prefetching; events filed late are not seen).
    pub fn peek_ahead(&self, k: usize) -> Option<&E> {
        let n = self.current.len();
        (k < n).then(|| &self.current[n - 1 - k].event)
    }

    /// Advances the clock to `time` without popping (used at the end of a run).
    pub fn advance_to(&mut self, time: SimTime) {
        self.now = self.now.max(time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng};

    #[test]
    fn ties_pop_in_scheduling_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 'b');
        q.schedule(SimTime(5), 'a');
        q.schedule(SimTime(10), 'c');
        q.schedule(SimTime(10), 'd');
        let out: Vec<_> = std::iter::from_fn(|| q.pop_until(SimTime(100)))
            .map(|(_, e)| e)
            .collect();
        assert_eq!(out, vec!['a', 'b', 'c', 'd']);
        assert_eq!(q.events_processed(), 4);
    }

    #[test]
    fn pop_until_respects_horizon() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 1);
        q.schedule(SimTime(20), 2);
        assert_eq!(q.pop_until(SimTime(15)), Some((SimTime(10), 1)));
        assert_eq!(q.pop_until(SimTime(15)), None);
        assert_eq!(q.now(), SimTime(10));
        assert_eq!(q.len(), 1);
    }

    /// The wheel against a plain binary heap ordered by `(time, seq)`:
    /// delays from zero to days (current slot, wheel, far heap, wrap-round
    /// of the wheel), bursts of ties, and horizons that stop mid-slot.
    #[test]
    fn matches_a_binary_heap_on_random_workloads() {
        for seed in 0..4u64 {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut q = EventQueue::new();
            let mut reference: BinaryHeap<Entry<u32>> = BinaryHeap::new();
            let mut seq = 0u64;
            let mut until = SimTime::ZERO;
            for round in 0..3_000u32 {
                for _ in 0..rng.random_range(0..6) {
                    let delay = match rng.random_range(0..10) {
                        0 => 0,
                        1 => rng.random_range(0..SLOT_US),
                        2..=5 => rng.random_range(0..100_000),
                        6..=7 => rng.random_range(0..2 * HORIZON_US),
                        8 => rng.random_range(0..86_400_000_000),
                        _ => HORIZON_US - SLOT_US + rng.random_range(0..2 * SLOT_US),
                    };
                    let t = SimTime(q.now().0 + delay);
                    q.schedule(t, round);
                    reference.push(Entry {
                        time: t,
                        seq,
                        event: round,
                    });
                    seq += 1;
                }
                until = SimTime(until.0 + rng.random_range(0..3 * SLOT_US));
                if rng.random_range(0..50) == 0 {
                    until = SimTime(until.0 + rng.random_range(0..4 * HORIZON_US));
                }
                loop {
                    let expect = reference
                        .peek()
                        .filter(|e| e.time <= until)
                        .map(|e| (e.time, e.event));
                    let got = q.pop_until(until);
                    assert_eq!(got, expect, "seed {seed}, round {round}");
                    if got.is_none() {
                        break;
                    }
                    reference.pop();
                }
                q.advance_to(until);
                assert_eq!(q.len(), reference.len());
            }
        }
    }
}
