//! Operations on one host's multilevel cache in a cloud of 10^5
//! registrations: submitting an entry (insert, with the evictions and level
//! openings it causes), finding the closest entry to a target, and a
//! leaf-set update (an ID next to a local ID enters the leaf set, pushes the
//! outermost member out, and leaves again). With 1 and with 16 local IDs.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pnrpsim::protocol::cache::{Cache, CacheParams};
use pnrpsim::protocol::id::{HostIx, IdIx, IdTable, U256};
use rand::Rng as _;
use std::hint::black_box;

const P: CacheParams = CacheParams {
    capacity: 20,
    span_ratio: 10,
    leaf_per_side: 5,
};
const CLOUD: u32 = 100_000;

/// A cloud of random IDs, and a cache with `locals` of them as local IDs
/// that has seen every other ID once.
fn setup(locals: u32) -> (IdTable, Cache, pnrpsim::engine::Rng) {
    let mut rng = pnrpsim::engine::StreamSeed::single(7).stream("cache-bench");
    let mut ids = IdTable::default();
    for i in 0..CLOUD {
        ids.insert(U256(rng.random()), HostIx(i));
    }
    let mut cache = Cache::default();
    for l in 0..locals {
        cache.add_local(IdIx(l), &ids, &P);
    }
    for i in locals..CLOUD {
        cache.insert(IdIx(i), &ids, &P);
    }
    (ids, cache, rng)
}

fn cache_ops(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache");
    for locals in [1u32, 16] {
        let (mut ids, mut cache, mut rng) = setup(locals);
        group.bench_with_input(BenchmarkId::new("insert", locals), &locals, |b, _| {
            b.iter(|| {
                let x = IdIx(rng.random_range(locals..CLOUD));
                black_box(cache.insert(x, &ids, &P))
            })
        });
        group.bench_with_input(BenchmarkId::new("closest", locals), &locals, |b, _| {
            b.iter(|| {
                let target = U256(rng.random());
                black_box(cache.closest(target, &ids, |_| false))
            })
        });
        // New IDs right next to a local ID: each enters its leaf set and
        // pushes the outermost member out; removing it lets that back in.
        let local = ids.id(IdIx(0));
        let near: Vec<IdIx> = (1..=1_000u64)
            .map(|k| ids.insert(local.wrapping_add(U256([0, 0, 0, k])), HostIx(CLOUD)))
            .collect();
        let mut k = 0;
        group.bench_with_input(BenchmarkId::new("leaf_update", locals), &locals, |b, _| {
            b.iter(|| {
                let x = near[k % near.len()];
                k += 1;
                black_box(cache.insert(x, &ids, &P));
                black_box(cache.remove(x, &ids, &P))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, cache_ops);
criterion_main!(benches);
