//! The fuzz targets that go beyond the parsers (issue #16), as plain
//! functions of their input, so that the same code runs under libFuzzer
//! (`fuzz_targets/run.rs`, `fuzz_targets/journal.rs`, nightly) and under
//! the stable loop driver `examples/fuzz_loop.rs`, which includes this file.

use pnrpsim::engine::{SimDuration, SimTime, StreamSeed};
use pnrpsim::sweep::journal::{self, Identity};
use pnrpsim::sweep::tables::RunRecord;

/// Most events one case may process: a tiny scenario runs to its end well
/// within it, and a scenario that would not is cut there, so a case never
/// hangs on an input that asks for a long run.
pub const EVENT_BUDGET: u64 = 200_000;

/// A scenario (file text and `--set` arguments) end to end: loading either
/// fails with a one-line error, or gives a scenario that, if tiny (at most
/// 64 hosts, 8 names each, 64 routers), must build and run within
/// [`EVENT_BUDGET`] events and give its metrics without a panic. A
/// scenario that validates and then fails to build is a bug: `validate`
/// passed what `run` refuses. Returns whether the case ran.
pub fn scenario_case(text: &str, sets: &[String]) -> bool {
    let s = match pnrpsim::scenario::load::load_str(text, "fuzz.toml", sets) {
        Ok(s) => s,
        Err(e) => {
            let shown = e.to_string();
            assert!(!shown.contains('\n'), "error spans lines: {shown:?}");
            return false;
        }
    };
    let routers = match &s.network.latency {
        pnrpsim::network::Latency::Topology { routers, .. } => *routers,
        _ => 0,
    };
    if s.hosts.count > 64 || s.hosts.names_per_host > 8 || routers > 64 {
        return false;
    }
    let seed = StreamSeed::single(s.seed);
    let mut sim = match pnrpsim::sim::Simulation::new(&s, seed) {
        Ok(sim) => sim,
        Err(e) => panic!("validated, then refused by the simulation: {e:#}\n{text}\n{sets:?}"),
    };
    let end = SimTime::ZERO + s.duration.0;
    while sim.now() < end && sim.work().events < EVENT_BUDGET {
        sim.run_at_most(sim.now() + SimDuration::from_secs(1), 256);
    }
    let result = sim.finish(seed);
    assert!(result.hosts.len() <= s.hosts.count as usize);
    true
}

/// A tiny deterministic generator (SplitMix64), so that a case is a pure
/// function of its bytes.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A journal damaged at random: `data` seeds a journal of up to 12 runs
/// (some with host rates and series) and a list of damages (truncation,
/// flipped, inserted and deleted bytes, duplicated, swapped and dropped
/// lines). Recovery must not panic, must keep every `done` line that
/// survived whole on a line of its own after an intact header, and must
/// invent nothing. Returns the number of records recovered.
pub fn journal_case(data: &[u8]) -> usize {
    let mut seed = [0u8; 8];
    for (i, b) in data.iter().take(8).enumerate() {
        seed[i] = *b;
    }
    let mut g = Mix(u64::from_le_bytes(seed));
    let metrics = pnrpsim::metrics::catalog::per_run_names().len();
    let id = Identity {
        version: "0.1.0".into(),
        scenario_hash: g.next(),
    };
    let runs = g.below(13) as usize;
    let records: Vec<RunRecord> = (0..runs)
        .map(|i| RunRecord {
            point: i / 3,
            replication: (i % 3) as u32,
            run_seed: g.next(),
            values: (0..metrics)
                .map(|_| match g.below(4) {
                    0 => None,
                    1 => Some(g.below(1000) as f64),
                    _ => Some(f64::from_bits(g.next() >> 2) * 1e-300),
                })
                .collect(),
            host_up: (g.below(3) == 0).then(|| {
                (0..g.below(5))
                    .map(|_| g.below(10_000) as f64 / 7.0)
                    .collect()
            }),
            cloud_series: (g.below(3) == 0).then(|| {
                (0..g.below(4))
                    .map(|k| (k as f64 * 60.0, g.below(1_000_000) as f64 / 3.0))
                    .collect()
            }),
        })
        .collect();
    let text = journal::to_text(&id, &records, g.below(2) == 0);
    let original: Vec<&str> = text.split_inclusive('\n').collect();
    let mut bytes = text.clone().into_bytes();

    for op in data.get(8..).unwrap_or(&[]).chunks(4) {
        let [kind, a, b, v] = [0, 1, 2, 3].map(|i| op.get(i).copied().unwrap_or(0));
        let at = (usize::from(a) << 8 | usize::from(b)) % (bytes.len() + 1);
        match kind % 7 {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => bytes[at] ^= v.max(1),
            2 => bytes.insert(at, v),
            3 if at < bytes.len() => {
                bytes.remove(at);
            }
            k @ 4..=6 => {
                let mut lines: Vec<Vec<u8>> = bytes
                    .split_inclusive(|&c| c == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect();
                if lines.is_empty() {
                    continue;
                }
                let i = at % lines.len();
                let j = usize::from(v) % lines.len();
                match k {
                    4 => {
                        let copy = lines[i].clone();
                        lines.insert(j, copy);
                    }
                    5 => lines.swap(i, j),
                    _ => {
                        lines.remove(i);
                    }
                }
                bytes = lines.concat();
            }
            _ => {}
        }
    }

    let header_intact = bytes.starts_with(original[0].as_bytes());
    let recovered = match journal::recover(&bytes) {
        Ok(r) => r,
        Err(e) => {
            assert!(!header_intact, "an intact header was refused: {e}");
            return 0;
        }
    };
    let journal::Recovered {
        identity: found,
        done,
        dropped,
    } = recovered;
    if !header_intact {
        return done.len();
    }
    assert_eq!(found.as_ref(), Some(&id));
    // Invent nothing: every recovered record is one that was written.
    for r in &done {
        assert!(
            records.contains(r),
            "recovered a record never written: {r:?}"
        );
    }
    // Keep everything valid: each original done line still whole, on a
    // line of its own, before the first torn (unterminated) line, is
    // recovered.
    let whole: Vec<&[u8]> = bytes
        .split_inclusive(|&c| c == b'\n')
        .filter(|l| l.ends_with(b"\n"))
        .collect();
    for (line, r) in original[1..].iter().zip(&records) {
        if whole.contains(&line.as_bytes()) {
            assert!(
                done.iter()
                    .any(|d| d.point == r.point && d.replication == r.replication),
                "lost a valid record (point {} replication {}); dropped: {dropped:?}",
                r.point,
                r.replication
            );
        }
    }
    done.len()
}
