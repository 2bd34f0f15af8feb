//! Validation of the model against the protocol's published expectations
//! (model doc §7) and of the analytic estimate against the simulation.
//! Each test prints its measured figures beside the expectation
//! (`cargo test --release --test validation -- --nocapture`);
//! `docs/validation.md` records them with their charts.

#[path = "validation/studies.rs"]
mod studies;

use pnrpsim::protocol::message::{MsgType, Reason};
use studies::*;

/// Relative difference of `a` from `b`.
fn off(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

/// Static clouds of the given sizes: prints hops and levels, checks that
/// no level band ever holds more than 20 entries and that the estimate of
/// the hops is within 30 %; returns the points.
fn levels_at(sizes: &[u32]) -> Vec<Levels> {
    let points: Vec<Levels> = sizes.iter().map(|&n| levels(n)).collect();
    for p in &points {
        println!(
            "{:>6.0} registrations: hops {:.2} (estimate {:.2}), levels {:.2} (estimate {:.2}), max fill {}",
            p.registrations, p.hops, p.estimate_hops, p.levels, p.estimate_levels, p.max_fill
        );
        assert!(
            p.max_fill <= 20,
            "a level band holds {} entries",
            p.max_fill
        );
        assert!(
            off(p.estimate_hops, p.hops) <= 0.3,
            "estimated hops {:.2} vs {:.2}",
            p.estimate_hops,
            p.hops
        );
    }
    points
}

/// Rise per decade of registrations of `f`, which must be about one.
fn assert_one_per_decade(points: &[Levels], what: &str, f: fn(&Levels) -> f64) {
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.registrations, f(p))).collect();
    let slope = slope_per_decade(&xy);
    println!("{what} per decade {slope:.2} (expected about 1)");
    assert!((0.7..=1.3).contains(&slope), "{what} per decade {slope:.2}");
}

/// 10^3, 10^4 and 10^5 registrations (about 40 s of CPU): one more hop and
/// one more cache level per decade, and no level band over 20 entries.
#[test]
fn hops_and_levels_grow_one_per_decade_up_to_1e5_registrations() {
    let points = levels_at(&[1_000, 10_000, 100_000]);
    assert_one_per_decade(&points, "hops", |p| p.hops);
    assert_one_per_decade(&points, "cache levels", |p| p.levels);
}

#[test]
fn churn_joins_and_departures_are_two_h_over_t() {
    let c = churn(10);
    println!(
        "H = {:.1} online, T = {:.0} s: {} joins + {} departures = {:.4}/s; 2·H/T = {:.4}/s ({:+.2} %); estimate {:.4}/s",
        c.hosts_online,
        c.session_s,
        c.joins,
        c.departures,
        c.measured_per_s,
        c.expected_per_s,
        100.0 * (c.measured_per_s / c.expected_per_s - 1.0),
        c.estimate_per_s
    );
    assert!(c.joins + c.departures > 10_000, "enough events for 3 %");
    assert!(off(c.measured_per_s, c.expected_per_s) <= 0.03);
    assert!(off(c.estimate_per_s, c.measured_per_s) <= 0.03);
    // In equilibrium joins balance departures.
    assert!(off(c.joins as f64, c.departures as f64) <= 0.03);
}

#[test]
fn publication_traffic_per_name_does_not_depend_on_names_per_host() {
    let points: Vec<Publication> = [1, 4, 16].into_iter().map(publication).collect();
    for p in &points {
        println!(
            "m = {:>2}: {:.0} names registered, {:.0} B per name (estimate {:.0}), {:.2} B/s per host (estimate {:.2})",
            p.names_per_host,
            p.names_registered,
            p.bytes_per_name,
            p.estimate_per_name,
            p.per_host,
            p.estimate_per_host
        );
        assert!(off(p.estimate_per_name, p.bytes_per_name) <= 0.3);
    }
    // Linear in the names: the cost of one more name does not depend on how
    // many a host has (a joining publisher's flooding of the synchronised
    // entries its empty leaf sets take is a cost per host, §3.2.5.11).
    // Bytes per joining host.
    let total = |p: &Publication| p.bytes_per_name * f64::from(p.names_per_host);
    let (one, four, sixteen) = (total(&points[0]), total(&points[1]), total(&points[2]));
    let ratio = ((sixteen - four) / 12.0) / ((four - one) / 3.0);
    println!("cost of one more name, m = 4…16 / m = 1…4: {ratio:.3} (expected 1 ± 0.2)");
    assert!((0.8..=1.2).contains(&ratio));
}

#[test]
fn refresh_traffic_scales_as_one_over_the_interval() {
    let points: Vec<Refresh> = [10, 20, 40].into_iter().map(refresh).collect();
    for p in &points {
        println!(
            "refresh every {:>4.0} s: {:.1} B/s cloud (estimate {:.1})",
            p.interval_s, p.cloud_per_s, p.estimate_per_s
        );
        assert!(off(p.estimate_per_s, p.cloud_per_s) <= 0.3);
    }
    for w in points.windows(2) {
        let ratio = w[0].cloud_per_s / w[1].cloud_per_s;
        println!(
            "{:.0} s / {:.0} s: {ratio:.3} (expected 2 ± 0.2)",
            w[0].interval_s, w[1].interval_s
        );
        assert!((1.8..=2.2).contains(&ratio));
    }
}

#[test]
fn split_detection_traffic_is_constant_as_the_cloud_grows_tenfold() {
    let small = split_detection(1_000);
    let large = split_detection(10_000);
    for p in [&small, &large] {
        println!(
            "{:>5} hosts: {:.1} B/s cloud, {:.4} resolves/s (estimate {:.1} B/s)",
            p.hosts, p.cloud_per_s, p.resolves_per_s, p.estimate_per_s
        );
        assert!(off(p.estimate_per_s, p.cloud_per_s) <= 0.3);
    }
    let ratio = large.cloud_per_s / small.cloud_per_s;
    println!("cloud-wide split detection, 10^4 / 10^3 hosts: {ratio:.3} (expected 1 ± 0.2)");
    assert!((0.8..=1.2).contains(&ratio));
    // One split detection per `split_detection_interval` (10 s) in the cloud.
    for p in [&small, &large] {
        assert!(
            off(p.resolves_per_s, 0.1) <= 0.2,
            "{:.4}/s",
            p.resolves_per_s
        );
    }
}

#[test]
fn clean_unregistration_costs_four_floods_then_the_outward_revoke_cascade() {
    for u in unregistrations(8) {
        let leaf = u.leaf;
        println!(
            "initial {:?}; {} revokes; leaf holders {} → {}; messages {:?}",
            u.initial, u.revokes, u.leaf_holders_before, u.leaf_holders_after, u.messages
        );
        // Four FLOODs from the leaving host: a revoke to its nearest
        // neighbour on each side, and a replacement FLOOD to the farthest
        // leaf-set member on each side (§4.3).
        let mut initial = u.initial.clone();
        initial.sort();
        let mut expected = vec![
            (MsgType::Flood, u.below[leaf - 1]),
            (MsgType::Flood, u.above[leaf - 1]),
            (MsgType::FloodRevoke, u.below[0]),
            (MsgType::FloodRevoke, u.above[0]),
        ];
        expected.sort();
        assert_eq!(initial, expected);
        // The revoke then travels outward: every leaf-set member on each
        // side receives it exactly once, and nobody else; the farthest
        // member has dropped X on the replacement FLOOD and stops it.
        let mut reached: Vec<u32> = u.below[..leaf]
            .iter()
            .chain(&u.above[..leaf])
            .map(|h| h.0)
            .collect();
        reached.sort();
        assert_eq!(u.revokes_to.keys().copied().collect::<Vec<_>>(), reached);
        assert!(u.revokes_to.values().all(|&n| n == 1));
        assert_eq!(u.revokes, 2 * leaf as u64);
        // Every true neighbour holds X in a leaf set, and drops it. A host
        // farther out may hold X too, when its own leaf set lacks the hosts
        // between (§3.2.5.11 floods back only to hosts that learnt X from a
        // FLOOD, so leaf sets fill less completely): the revoke, which goes
        // through the true neighbours, does not reach it.
        let beyond = u.leaf_holders_before - 2 * leaf;
        assert!(u.leaf_holders_before >= 2 * leaf);
        assert!(u.leaf_holders_after <= beyond, "a true neighbour keeps X");
    }
}

#[test]
fn leaf_set_flood_cascade_runs_six_waves() {
    let runs = cascades(30);
    let mut by_waves = std::collections::BTreeMap::new();
    for c in &runs {
        println!(
            "waves {} {:?}, first adders {}, leaf holders {} ({} of the true 10, missing {:?})",
            c.waves,
            c.floods_per_wave,
            c.first_adders,
            c.leaf_holders,
            c.true_neighbours_holding,
            c.missing
        );
        *by_waves.entry(c.waves).or_insert(0) += 1;
        assert!(c.messages[&(MsgType::Flood, Reason::Flood)] > 0);
        // The cascade follows the neighbours' own leaf sets, so a member
        // that its inner neighbour does not know is skipped: allow one.
        assert!(c.true_neighbours_holding >= 9, "{c:?}");
    }
    let mut per_name = std::collections::BTreeMap::new();
    for c in &runs {
        for (&(ty, reason), &n) in &c.messages {
            *per_name.entry((reason.name(), ty.name())).or_insert(0.0) +=
                n as f64 / runs.len() as f64;
        }
    }
    println!("messages per new name (with the cloud's background): {per_name:.1?}");
    let complete = runs
        .iter()
        .filter(|c| c.true_neighbours_holding == 10)
        .count();
    println!(
        "cascades reaching all 10 true neighbours: {complete} of {}",
        runs.len()
    );
    assert!(
        complete * 10 >= runs.len() * 9,
        "{complete} of {}",
        runs.len()
    );
    let mean = runs.iter().map(|c| c.waves as f64).sum::<f64>() / runs.len() as f64;
    let (&mode, _) = by_waves.iter().max_by_key(|(_, n)| **n).unwrap();
    println!("waves per cascade: {by_waves:?}, mean {mean:.2} (§4.4 example: 6)");
    // §4.4: starting next to X, the cascade reaches the ℓ = 5th member on
    // the far side in 5 waves and hands X to one host beyond in a sixth.
    assert_eq!(mode, 6);
    assert!((5.5..=6.5).contains(&mean), "mean waves {mean:.2}");
}

#[test]
fn estimate_agrees_with_the_quickstart_for_every_reason_above_5_percent() {
    // The settled start (the default) and the join-based one.
    for f in ["steady", "joins"].into_iter().flat_map(quickstart) {
        println!(
            "{:<16} {:>5.1} % of bytes: simulated {:.2} B/s, estimate {:.2} B/s (× {:.2})",
            f.reason.name(),
            100.0 * f.share,
            f.simulated,
            f.estimate,
            f.estimate / f.simulated
        );
        if f.share > 0.05 {
            assert!(
                off(f.estimate, f.simulated) <= 0.3,
                "{}: estimate {:.2} vs simulated {:.2}",
                f.reason.name(),
                f.estimate,
                f.simulated
            );
        }
    }
}
