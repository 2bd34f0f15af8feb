//! PHOLD on the event engine: N entities, and every event schedules one new
//! event at a random entity after a random delay. It measures the queue and
//! nothing else, in events per second (criterion reports "elem/s").
//!
//! Delays are exponential with a mean of 20 ms, like PNRP's message
//! latencies; one entity in 50 draws a timer-like delay of 15 s instead, so
//! that the wheel holds events far ahead as it does in a real run.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pnrpsim::engine::{EventQueue, SimDuration, SimTime, StreamSeed};
use rand::Rng as _;
use std::hint::black_box;

/// Events processed per measured iteration.
const BATCH: u64 = 1_000_000;

struct Phold {
    queue: EventQueue<u32>,
    rng: pnrpsim::engine::Rng,
    entities: u32,
    /// Events handled per entity (the "work" of PHOLD).
    handled: Vec<u32>,
}

impl Phold {
    fn new(entities: u32) -> Phold {
        let mut p = Phold {
            queue: EventQueue::new(),
            rng: StreamSeed::single(1).stream("phold"),
            entities,
            handled: vec![0; entities as usize],
        };
        for e in 0..entities {
            let at = SimTime::ZERO + p.delay();
            p.queue.schedule(at, e);
        }
        p
    }

    fn delay(&mut self) -> SimDuration {
        let mean_s = if self.rng.random_range(0..50) == 0 {
            15.0
        } else {
            0.02
        };
        let x: f64 = self.rng.sample(rand_distr::Exp1);
        SimDuration::from_secs_f64(x * mean_s).max(SimDuration(1))
    }

    fn run(&mut self, events: u64) {
        for _ in 0..events {
            let (now, e) = self
                .queue
                .pop_until(SimTime(u64::MAX))
                .expect("PHOLD never runs dry");
            self.handled[e as usize] += 1;
            let to = self.rng.random_range(0..self.entities);
            let at = now + self.delay();
            self.queue.schedule(at, to);
        }
    }
}

fn phold(c: &mut Criterion) {
    let mut group = c.benchmark_group("phold");
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(10);
    for entities in [1_000u32, 100_000, 1_000_000] {
        let mut model = Phold::new(entities);
        // Reach the steady state before measuring.
        model.run(BATCH);
        group.bench_with_input(BenchmarkId::from_parameter(entities), &entities, |b, _| {
            b.iter(|| model.run(black_box(BATCH)))
        });
    }
    group.finish();
}

criterion_group!(benches, phold);
criterion_main!(benches);
