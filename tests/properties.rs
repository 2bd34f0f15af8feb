//! Property tests (proptest) of the core invariants, and of the input
//! parsers in place of the fuzzer in CI (fuzz/ runs the long version).
//! Each property states what a plausible bug would break; failing inputs
//! are shrunk and printed by proptest.

use pnrpsim::engine::{EventQueue, SimTime, StreamSeed};
use pnrpsim::protocol::cache::{Cache, CacheParams};
use pnrpsim::protocol::id::{HostIx, IdIx, IdTable, U256};
use pnrpsim::protocol::message::{MsgType, Reason};
use pnrpsim::scenario::Scenario;
use pnrpsim::scenario::load::load_str;
use pnrpsim::scenario::model::{DistKind, Latency};
use pnrpsim::scenario::overrides::{parameter_paths, parse_set, set_path};
use pnrpsim::scenario::units::{Duration, Size, parse_duration, parse_rate, parse_size};
use pnrpsim::scenario::validate::validate;
use proptest::prelude::*;
use proptest::test_runner::{FailurePersistence, FileFailurePersistence, PersistedSeed};
use std::collections::BTreeSet;

/// Where proptest keeps failing seeds. The committed ones
/// (`tests/properties.proptest-regressions`) are replayed before any new
/// case; a new failure is written under `target/`, never to that tracked
/// file: a failing run must not leave the checkout modified (nor turn every
/// later run red on that machine). Commit a seed found there by copying
/// its line into the tracked file along with the fix.
#[derive(Clone, Debug, PartialEq)]
struct Seeds;

const COMMITTED: FileFailurePersistence =
    FileFailurePersistence::WithSource("proptest-regressions");
const FOUND: FileFailurePersistence = FileFailurePersistence::Direct(concat!(
    env!("CARGO_TARGET_TMPDIR"),
    "/properties.proptest-regressions"
));

impl FailurePersistence for Seeds {
    fn load_persisted_failures2(&self, source_file: Option<&'static str>) -> Vec<PersistedSeed> {
        let mut seeds = COMMITTED.load_persisted_failures2(source_file);
        seeds.extend(FOUND.load_persisted_failures2(source_file));
        seeds
    }

    fn save_persisted_failure2(
        &mut self,
        source_file: Option<&'static str>,
        seed: PersistedSeed,
        shrunken_value: &dyn std::fmt::Debug,
    ) {
        let mut found = FOUND;
        found.save_persisted_failure2(source_file, seed, shrunken_value);
    }

    fn box_clone(&self) -> Box<dyn FailurePersistence> {
        Box::new(Seeds)
    }

    fn eq(&self, other: &dyn FailurePersistence) -> bool {
        other.as_any().is::<Seeds>()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `cases` cases per property, seeds kept as [`Seeds`] says.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(Seeds)),
        ..ProptestConfig::with_cases(cases)
    }
}

fn u256() -> impl Strategy<Value = U256> {
    any::<[u64; 4]>().prop_map(U256)
}

/// A 256-bit value no larger than 2^255 (half the ring).
fn half_or_less() -> impl Strategy<Value = U256> {
    prop_oneof![
        any::<u64>().prop_map(|x| U256([0, 0, 0, x])),
        (any::<u64>(), any::<[u64; 3]>()).prop_map(|(h, r)| U256([h >> 1, r[0], r[1], r[2]])),
        Just(U256::HALF),
    ]
}

// ---- ring distance -------------------------------------------------------

proptest! {
    #![proptest_config(config(ProptestConfig::default().cases))]

    /// Distance is symmetric, at most half the ring, and zero only to itself.
    #[test]
    fn ring_distance_is_symmetric_and_at_most_half(a in u256(), b in u256()) {
        let d = a.ring_distance(b);
        prop_assert_eq!(d, b.ring_distance(a));
        prop_assert!(d <= U256::HALF);
        prop_assert_eq!(d == U256::ZERO, a == b);
    }

    /// Stepping `d` (≤ half the ring) clockwise from any point, across the
    /// wrap from 2^256 − 1 to 0 or not, is distance `d` either way round.
    #[test]
    fn ring_distance_wraps(a in u256(), d in half_or_less()) {
        let b = a.wrapping_add(d);
        prop_assert_eq!(a.ring_distance(b), d);
        prop_assert_eq!(b.ring_distance(a), d);
        prop_assert_eq!(a.clockwise_to(b), d);
    }

    /// Across the top of the ring: MAX − x and y are x + y + 1 apart.
    #[test]
    fn ring_distance_across_zero(x in 0u64..1 << 62, y in 0u64..1 << 62) {
        let high = U256::MAX.wrapping_sub(U256([0, 0, 0, x]));
        let low = U256([0, 0, 0, y]);
        prop_assert_eq!(high.ring_distance(low), U256([0, 0, 0, x + y + 1]));
    }
}

// ---- cache: capacity and leaf sets ---------------------------------------

#[derive(Clone, Debug)]
enum CacheOp {
    Insert(usize),
    Remove(usize),
    AddLocal(usize),
    RemoveLocal(usize),
}

fn cache_op(ids: usize) -> impl Strategy<Value = CacheOp> {
    prop_oneof![
        12 => (0..ids).prop_map(CacheOp::Insert),
        2 => (0..ids).prop_map(CacheOp::Remove),
        1 => (0..ids).prop_map(CacheOp::AddLocal),
        1 => (0..ids).prop_map(CacheOp::RemoveLocal),
    ]
}

/// The `k` nearest of `known` on each side of `id`, nearest first: what a
/// leaf set must be.
fn true_leaf_set(id: U256, known: &[U256], k: usize) -> (Vec<U256>, Vec<U256>) {
    let mut below = known.to_vec();
    below.sort_by_key(|&x| x.clockwise_to(id));
    let mut above = known.to_vec();
    above.sort_by_key(|&x| id.clockwise_to(x));
    below.truncate(k);
    above.truncate(k);
    (below, above)
}

const IDS: usize = 160;

proptest! {
    #![proptest_config(config(64))]

    /// Under any mix of inserts, removals and local-ID changes: no band of
    /// any level holds more than its capacity, and each local ID's leaf set
    /// is exactly the nearest IDs the host knows on each side.
    ///
    /// What the host knows: the cache's content after a removal or a local
    /// ID change (which may legitimately drop entries), plus every ID
    /// submitted since. An insert must never push out an ID that belongs
    /// in a leaf set.
    #[test]
    fn cache_levels_stay_within_capacity_and_leaf_sets_are_true(
        raw in proptest::collection::vec(any::<[u64; 4]>(), IDS),
        capacity in 1usize..=8,
        span_ratio in 2u32..=10,
        leaf_per_side in 1usize..=5,
        first_local in 0..IDS,
        ops in proptest::collection::vec(cache_op(IDS), 1..160),
    ) {
        let p = CacheParams { capacity, span_ratio, leaf_per_side };
        let mut ids = IdTable::default();
        for (i, r) in raw.iter().enumerate() {
            ids.insert(U256(*r), HostIx(i as u32));
        }
        let mut cache = Cache::default();
        cache.add_local(IdIx(first_local as u32), &ids, &p);
        let mut known: BTreeSet<IdIx> = BTreeSet::new();
        for op in ops {
            let is_local = |c: &Cache, i: usize| c.locals().contains(&IdIx(i as u32));
            match op {
                CacheOp::Insert(i) => {
                    cache.insert(IdIx(i as u32), &ids, &p);
                    if !is_local(&cache, i) {
                        known.insert(IdIx(i as u32));
                    }
                }
                CacheOp::Remove(i) => {
                    cache.remove(IdIx(i as u32), &ids, &p);
                    known = cache.entries().collect();
                }
                CacheOp::AddLocal(i) if !is_local(&cache, i) => {
                    cache.add_local(IdIx(i as u32), &ids, &p);
                    known = cache.entries().collect();
                }
                CacheOp::RemoveLocal(i) if is_local(&cache, i) && cache.locals().len() > 1 => {
                    cache.remove_local(IdIx(i as u32), &ids, &p);
                    known = cache.entries().collect();
                }
                CacheOp::AddLocal(_) | CacheOp::RemoveLocal(_) => {}
            }
            let fill = cache.max_level_fill();
            prop_assert!(fill as usize <= capacity, "a band holds {} > {}", fill, capacity);
            let known_ids: Vec<U256> = known.iter().map(|&x| ids.id(x)).collect();
            for &local in cache.locals() {
                let (below, above) = cache.leaf_set(local, &ids, &p);
                let as_ids = |v: Vec<IdIx>| v.into_iter().map(|x| ids.id(x)).collect::<Vec<_>>();
                let (want_below, want_above) = true_leaf_set(ids.id(local), &known_ids, leaf_per_side);
                prop_assert_eq!(as_ids(below), want_below);
                prop_assert_eq!(as_ids(above), want_above);
            }
        }
    }
}

// ---- event queue ----------------------------------------------------------

#[derive(Clone, Debug)]
enum QueueOp {
    /// Schedule at now + delay (small delays make ties common).
    Schedule(u64),
    /// Pop everything due up to now + horizon.
    PopUntil(u64),
}

proptest! {
    #![proptest_config(config(ProptestConfig::default().cases))]

    /// Events come out in (time, scheduling order) order, never past the
    /// horizon, never before the clock, and none is lost.
    #[test]
    fn events_come_out_in_time_then_tie_break_order(
        ops in proptest::collection::vec(
            prop_oneof![
                3 => (0u64..5).prop_map(QueueOp::Schedule),
                1 => (0u64..8).prop_map(QueueOp::PopUntil),
            ],
            1..300,
        )
    ) {
        let mut q = EventQueue::new();
        // The model: pending (time, sequence) pairs, popped smallest first.
        let mut pending: BTreeSet<(u64, u64)> = BTreeSet::new();
        let mut seq = 0;
        let mut last = (0, 0);
        for op in ops.into_iter().chain([QueueOp::PopUntil(u64::MAX / 2)]) {
            let now = q.now().0;
            match op {
                QueueOp::Schedule(delay) => {
                    q.schedule(SimTime(now + delay), seq);
                    pending.insert((now + delay, seq));
                    seq += 1;
                }
                QueueOp::PopUntil(horizon) => {
                    while let Some((t, event)) = q.pop_until(SimTime(now + horizon)) {
                        let expected = pending.pop_first().expect("model has an event");
                        prop_assert_eq!((t.0, event), expected);
                        prop_assert!((t.0, event) > last || last == (0, 0));
                        prop_assert!(t.0 <= now + horizon);
                        prop_assert_eq!(q.now(), t);
                        last = (t.0, event);
                    }
                    prop_assert!(pending.first().is_none_or(|&(t, _)| t > now + horizon));
                }
            }
        }
        prop_assert!(pending.is_empty() && q.is_empty());
        prop_assert_eq!(q.events_processed(), seq);
    }
}

// ---- small simulations: accounting and determinism ------------------------

/// A small random scenario covering churn, loss, firewalls, Teredo and
/// every latency model; a fraction of a second to run.
fn small_scenario() -> impl Strategy<Value = Scenario> {
    (
        (10u32..60, 1u32..=3, 0.0..0.2f64, 0.0..0.3f64, 0.0..0.3f64),
        (any::<bool>(), 0usize..4, 0usize..3, 4u64..9, any::<u64>()),
    )
        .prop_map(
            |((hosts, names, loss, firewalled, teredo), (churn, latency, dist, minutes, seed))| {
                let mut s = Scenario {
                    name: "prop".into(),
                    seed,
                    duration: Duration::secs(minutes * 60),
                    warmup: Duration::secs(60),
                    ..Scenario::default()
                };
                s.hosts.count = hosts;
                s.hosts.names_per_host = names;
                s.hosts.firewalled_share = firewalled;
                s.hosts.teredo_share = teredo;
                s.network.loss = loss;
                s.network.latency = match latency {
                    0 => Latency::Constant {
                        delay: Duration::millis(30),
                    },
                    1 => Latency::Uniform {
                        min: Duration::millis(5),
                        max: Duration::millis(90),
                    },
                    2 => Latency::default(),
                    _ => Latency::Topology {
                        routers: 30,
                        links_per_router: 2,
                        link_delay_min: Duration::millis(1),
                        link_delay_max: Duration::millis(10),
                        access_delay_min: Duration::millis(1),
                        access_delay_max: Duration::millis(5),
                    },
                };
                s.churn.enabled = churn;
                s.churn.session.mean = Duration::secs(180);
                s.churn.session.dist =
                    [DistKind::Exponential, DistKind::Weibull, DistKind::Pareto][dist];
                s.churn.session.shape = 1.5;
                s.metrics.min_online = Duration::secs(60);
                s.workload.resolves_per_host_per_hour = 20.0;
                // Joins send something in every scenario, so that the sums
                // below are never trivially zero.
                s.hosts.start = pnrpsim::scenario::Start::Joins;
                s
            },
        )
}

proptest! {
    #![proptest_config(config(12))]

    /// Bytes are counted twice independently: per message type and reason
    /// for the cloud, and per host (and per window). The two must agree,
    /// and each host's bytes by reason must add up to its bytes sent.
    #[test]
    fn bytes_per_message_type_sum_to_the_totals(s in small_scenario()) {
        prop_assert_eq!(validate(&s), Ok(()));
        let r = pnrpsim::sim::run(&s, StreamSeed::single(s.seed)).unwrap();
        let total = r.total_sent();
        prop_assert!(total.bytes > 0);
        let by_type = MsgType::ALL.iter().map(|&t| r.sent_by_type(t));
        let by_reason = Reason::ALL.iter().map(|&x| r.sent_by_reason(x));
        for sums in [by_type.collect::<Vec<_>>(), by_reason.collect()] {
            prop_assert_eq!(sums.iter().map(|t| t.bytes).sum::<u64>(), total.bytes);
            prop_assert_eq!(sums.iter().map(|t| t.datagrams).sum::<u64>(), total.datagrams);
        }
        prop_assert_eq!(r.hosts.iter().map(|h| h.sent.bytes).sum::<u64>(), total.bytes);
        prop_assert_eq!(r.hosts.iter().map(|h| h.sent.datagrams).sum::<u64>(), total.datagrams);
        for h in &r.hosts {
            prop_assert_eq!(h.sent_bytes_by_reason.iter().sum::<u64>(), h.sent.bytes);
        }
        for reason in Reason::ALL {
            let hosts: u64 = r.hosts.iter().map(|h| h.sent_bytes_by_reason[reason.index()]).sum();
            prop_assert_eq!(hosts, r.sent_by_reason(reason).bytes, "{:?}", reason);
        }
        prop_assert_eq!(r.windows.iter().map(|w| w.sent.bytes).sum::<u64>(), total.bytes);
        let received: u64 = r.hosts.iter().map(|h| h.received.bytes).sum();
        prop_assert!(received <= total.bytes, "received {} > sent {}", received, total.bytes);
        if s.network.loss == 0.0 && s.hosts.firewalled_share == 0.0 && !s.churn.enabled {
            // Only datagrams in flight at the end are not received.
            prop_assert!(received as f64 >= 0.99 * total.bytes as f64);
        }
    }

    /// The same scenario and seed give byte-identical CSV files.
    #[test]
    fn the_same_seed_gives_byte_identical_outputs(s in small_scenario()) {
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let mut written = Vec::new();
        for d in &dirs {
            let r = pnrpsim::sim::run(&s, StreamSeed::single(s.seed)).unwrap();
            written.push(pnrpsim::outputs::write_run_tables(d.path(), &r).unwrap());
        }
        prop_assert_eq!(written[0].len(), 8);
        for (a, b) in written[0].iter().zip(&written[1]) {
            let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
            prop_assert!(!x.is_empty(), "{} is empty", a.display());
            prop_assert!(x == y, "{} differs between two runs", a.display());
        }
    }
}

// ---- input parsers (the fuzz targets' entry points) -----------------------

/// Scenario texts: the repository's scenarios with random edits (a span
/// cut out, a TOML fragment inserted), and arbitrary TOML-like text.
fn scenario_text() -> impl Strategy<Value = String> {
    const SEEDS: [&str; 2] = [
        include_str!("../scenarios/quickstart.toml"),
        include_str!("../scenarios/names-per-host.toml"),
    ];
    const FRAGMENTS: [&str; 16] = [
        "=",
        "[",
        "]",
        "\"",
        "\n",
        "[hosts]\n",
        "count = -1\n",
        "= \"1e400s\"",
        "{",
        "}",
        "[[sweep]]\n",
        "latency = { model = \"topology\" }\n",
        "0.0",
        "\"µs\"",
        "nan",
        "'''",
    ];
    let edited = (
        0..SEEDS.len(),
        any::<prop::sample::Index>(),
        0usize..80,
        proptest::collection::vec((any::<prop::sample::Index>(), 0..FRAGMENTS.len()), 0..4),
    )
        .prop_map(|(seed, at, cut, inserts)| {
            let mut text = SEEDS[seed].to_owned();
            let mut cut_at = at.index(text.len());
            while !text.is_char_boundary(cut_at) {
                cut_at -= 1;
            }
            let mut end = (cut_at + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(cut_at..end, "");
            for (pos, f) in inserts {
                let mut p = pos.index(text.len() + 1);
                while !text.is_char_boundary(p) {
                    p -= 1;
                }
                text.insert_str(p, FRAGMENTS[f]);
            }
            text
        });
    prop_oneof![edited, "[a-z_.=\\[\\]{}\"0-9 \n,µ-]{0,200}"]
}

proptest! {
    #![proptest_config(config(1500))]

    /// Any text loads to a valid scenario or fails with a one-line error
    /// that names the file.
    #[test]
    fn any_scenario_text_loads_or_fails_in_one_line(text in scenario_text()) {
        match load_str(&text, "fuzz.toml", &[]) {
            Ok(s) => prop_assert_eq!(validate(&s), Ok(())),
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(!shown.contains('\n'), "{:?}", shown);
                prop_assert!(shown.starts_with("fuzz.toml"), "{:?}", shown);
            }
        }
    }

    /// Any `--set` argument (real paths with random values, or junk) is
    /// applied or refused in one line, never a panic.
    #[test]
    fn any_set_argument_applies_or_fails_in_one_line(
        path in prop_oneof![
            prop::sample::select(parameter_paths()),
            "[a-z_.]{0,30}",
        ],
        sep in prop_oneof![Just("="), Just(""), Just("=="), Just(" = ")],
        value in prop_oneof![
            "[a-zA-Z0-9_.\"{}\\[\\],= -]{0,30}",
            prop::sample::select(vec!["1", "0", "-1", "1e999", "\"15s\"", "15s", "{model=\"constant\",delay=\"1ms\"}", "[1,2]", "true", "4KB", "\"\""]).prop_map(String::from),
        ],
    ) {
        let arg = format!("{path}{sep}{value}");
        let base = include_str!("../scenarios/quickstart.toml");
        let mut table: toml::Table = base.parse().unwrap();
        if let Ok((p, v)) = parse_set(&arg) {
            let _ = set_path(&mut table, &p, v);
        }
        if let Err(e) = load_str(base, "quickstart.toml", &[arg]) {
            let shown = e.to_string();
            prop_assert!(!shown.contains('\n'), "{:?}", shown);
        }
    }

    /// A valid `--set` takes effect.
    #[test]
    // From 200 min: the quickstart's settled warm-up is 3 h, and a
    // `duration` within it is refused.
    fn a_valid_set_takes_effect(count in 1u32..1_000_000, minutes in 200u64..10_000) {
        let base = include_str!("../scenarios/quickstart.toml");
        let sets = [format!("hosts.count={count}"), format!("duration={minutes}min")];
        let s = load_str(base, "quickstart.toml", &sets).unwrap();
        prop_assert_eq!(s.hosts.count, count);
        prop_assert_eq!(s.duration, Duration::secs(minutes * 60));
    }
}

proptest! {
    #![proptest_config(config(4000))]

    /// The unit parsers never panic, and what they parse is written back
    /// (as sweeps do when they rebuild a scenario) to the same value.
    #[test]
    fn unit_parsers_never_panic_and_round_trip(
        text in prop_oneof![
            "[0-9._]{0,25}(us|µs|ms|s|sec|min|m|h|d|B|KB|kB|KiB|MB|MiB|B/s|kbit/s|Mbps|x)?",
            ".{0,12}",
        ]
    ) {
        if let Ok(d) = parse_duration(&text) {
            let shown = Duration(d).to_string();
            prop_assert_eq!(parse_duration(&shown), Ok(d), "{:?} shown as {:?}", text, shown);
        }
        if let Ok(b) = parse_size(&text) {
            let shown = Size(b).to_string();
            prop_assert_eq!(parse_size(&shown), Ok(b), "{:?} shown as {:?}", text, shown);
        }
        if let Ok(r) = parse_rate(&text) {
            prop_assert!(r.0.is_finite() && r.0 >= 0.0);
        }
    }

    /// A whole number of units converts exactly, up to the largest duration.
    #[test]
    fn whole_durations_convert_exactly(n in any::<u64>(), unit in 0usize..6) {
        let (name, micros) = [("us", 1u64), ("ms", 1_000), ("s", 1_000_000), ("min", 60_000_000), ("h", 3_600_000_000), ("d", 86_400_000_000)][unit];
        let parsed = parse_duration(&format!("{n}{name}"));
        match n.checked_mul(micros).filter(|&us| us <= u64::MAX / 2) {
            Some(us) => prop_assert_eq!(parsed.map(|d| d.as_micros()), Ok(us)),
            None => prop_assert!(parsed.unwrap_err().ends_with("is too large")),
        }
    }
}
