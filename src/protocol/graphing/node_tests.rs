//! Procedure tests of the graph node on the harness, each citing the
//! [MS-PPGRH] section it checks.

use super::super::harness::Harness;
use super::super::message::{Abstract, GraphMsg};
use super::*;

fn pair() -> Harness {
    let mut h = Harness::new(2, GraphParams::default());
    h.open(0, true, None);
    h.run_until(1);
    h.open(1, false, Some(0));
    h.run_until(60);
    h
}

fn steps(h: &Harness) -> Vec<String> {
    h.log
        .iter()
        .map(|(_, f, t, m)| {
            let name = super::super::message::TYPE_NAMES[usize::from(m.type_code(&h.params)) - 1];
            format!("{}->{} {name}", f.0, t.0)
        })
        .collect()
}

/// §4.1 and §3.1.5.1.2–§3.1.5.2.2: AUTH_INFO (with the [MS-PPSEC]
/// flights), CONNECT, WELCOME, then Ping and the Sync All.
#[test]
fn connect_authenticates_then_welcomes() {
    let h = pair();
    let s = steps(&h);
    let from_join: Vec<&String> = s
        .iter()
        .skip_while(|l| !l.starts_with("1->0 AUTH_INFO"))
        .collect();
    let expected = [
        "1->0 AUTH_INFO", // step 1: AUTH_INFO and ClientHello
        "0->1 AUTH_INFO", // [MS-PPSEC] flights 2–4 travel as authentication data
        "1->0 AUTH_INFO",
        "0->1 AUTH_INFO",
        "1->0 CONNECT",
        "0->1 WELCOME",
        "1->0 PT2PT", // §3.1.5.2.2: Ping each connected neighbour
        "1->0 SOLICIT_NEW",
    ];
    for (got, want) in from_join.iter().zip(expected) {
        assert_eq!(got.as_str(), want, "{s:#?}");
    }
    assert_eq!(h.nodes[0].neighbours(), vec![HostIx(1)]);
    assert_eq!(h.nodes[1].neighbours(), vec![HostIx(0)]);
    assert!(
        h.nodes[1].is_listening(),
        "§1.3.2: listens after synchronising"
    );
}

/// §3.1.7.29, §3.1.5.2.5, §3.1.5.2.11 and §4.2: the new node solicits
/// Graph Info, then Presence, then everything else; each SOLICIT_NEW is
/// answered by FLOODs and a SYNC_END; afterwards both databases agree.
#[test]
fn sync_all_brings_the_whole_database() {
    let h = pair();
    let solicits = h.sent("SOLICIT_NEW");
    assert_eq!(solicits.len(), 3);
    assert_eq!(h.sent("SYNC_END").len(), 3);
    let filters: Vec<String> = solicits.iter().map(|(_, _, m)| format!("{m:?}")).collect();
    assert!(filters[0].contains("Only(GraphInfo)"), "{filters:?}");
    assert!(filters[1].contains("Only(Presence)"), "{filters:?}");
    assert!(
        filters[2].contains("Except([GraphInfo, Presence])"),
        "{filters:?}"
    );
    let now = h.now();
    assert_eq!(h.nodes[0].live_records(now), h.nodes[1].live_records(now));
    // Graph info, signature, contact, two presence, two membership and two
    // application records.
    assert!(h.nodes[1].live_records(now).len() >= 8);
}

/// §3.1.5.2.10 and §4.4: a new record floods to every node; each FLOOD is
/// acknowledged, useful where the record was new, not useful for the
/// duplicate a triangle brings.
#[test]
fn flood_reaches_everyone_and_each_flood_is_acked() {
    let mut h = Harness::new(3, GraphParams::default());
    h.open(0, true, None);
    h.run_until(1);
    h.open(1, false, Some(0));
    h.run_until(30);
    h.open(2, false, Some(0));
    h.run_until(1000);
    for n in &h.nodes {
        assert_eq!(n.neighbours().len(), 2, "a triangle (ideal 3, §3.1.7.14)");
    }
    let mark = h.log.len();
    h.react(HostIx(0), |n, env, out| {
        let r = n.record(
            Kind::Application,
            0x1234,
            env.now,
            SimDuration::from_secs(600),
        );
        n.publish(r, env, out);
    });
    h.run_until(1001);
    let ours = |m: &GraphMsg| matches!(m, GraphMsg::Flood { record } if record.id == 0x1234);
    let floods: Vec<_> = h.log[mark..].iter().filter(|e| ours(&e.3)).collect();
    // 0 floods to 1 and 2; each forwards to its other neighbour (§3.1.5.2.10).
    assert_eq!(floods.len(), 4, "{floods:#?}");
    let acks: Vec<bool> = h.log[mark..]
        .iter()
        .filter_map(|e| match e.3 {
            GraphMsg::Ack { useful } => Some(useful),
            _ => None,
        })
        .collect();
    assert_eq!(acks.len(), 4, "one ACK per FLOOD");
    assert_eq!(
        acks.iter().filter(|&&u| u).count(),
        2,
        "new at 1 and 2 only"
    );
    assert!(h.nodes.iter().all(|n| n.db.contains_key(&0x1234)));
}

/// §3.1.7.13 and §3.1.6.5: a node that holds a contact record whose
/// signature differs from its graph's signature sets the Partition
/// Detection Timer and, when it fires, connects to that contact; the
/// Hash-based Sync (§3.1.7.31) then merges the two databases and the
/// signature converges on the lowest node ID (§3.1.7.11).
#[test]
fn partition_detection_repairs_a_partition() {
    let params = GraphParams {
        min_neighbors: 1,
        ideal_neighbors: 1,
        ..GraphParams::default()
    };
    let mut h = Harness::new(4, params);
    h.open(0, true, None);
    h.open(2, true, None);
    h.run_until(1);
    h.open(1, false, Some(0));
    h.open(3, false, Some(2));
    h.run_until(600);
    let contact = h.nodes[..2]
        .iter()
        .flat_map(|n| n.db.values())
        .find(|r| r.kind == Kind::Contact && !r.deleted)
        .copied()
        .expect("side A has a contact (§3.1.7.12)");
    assert_ne!(h.nodes[3].signature(), Some(contact.signature));
    // The contact record reached node 3 before the partition.
    let now = h.now();
    h.nodes[3].db.insert(
        contact.id,
        Rec {
            expires: now + CONTACT_LIFETIME,
            ..contact
        },
    );
    let mut t = 600;
    let fired_at = loop {
        t += 10;
        h.run_until(t);
        let hit = h
            .fired
            .iter()
            .find(|(_, host, tm)| host.0 == 3 && matches!(tm, GraphTimer::Partition(_)));
        if let Some((at, _, _)) = hit {
            break *at;
        }
        assert!(t < 1500, "no partition detected");
    };
    assert!(
        h.opened.contains(&(HostIx(3), contact.creator)),
        "{:?}",
        h.opened
    );
    let _ = fired_at;
    h.run_until(t + 60);
    let lowest = h.nodes.iter().map(|n| n.node_id).min();
    for n in &h.nodes {
        assert_eq!(n.signature(), lowest, "one graph, one signature");
    }
    let side_a_presence = h.nodes[0].mine(Kind::Presence, h.now()).unwrap().id;
    assert!(
        h.nodes[3].db.contains_key(&side_a_presence)
            || h.nodes[2].db.contains_key(&side_a_presence)
    );
}

/// §3.1.7.22 and §3.1.2: presence is refreshed before it expires, so a
/// quiet graph keeps every presence record alive.
#[test]
fn presence_refreshes_before_it_expires() {
    let mut h = pair();
    h.run_until(3600);
    let now = h.now();
    for n in &h.nodes {
        assert_eq!(n.count(Kind::Presence, now), 2);
    }
    let presence_floods = h
        .log
        .iter()
        .filter(|e| matches!(&e.3, GraphMsg::Flood { record } if record.kind == Kind::Presence))
        .count();
    // Two nodes refreshing every 280 s for an hour, each flood to one neighbour.
    assert!((20..40).contains(&presence_floods), "{presence_floods}");
}

#[test]
fn abstract_order_is_time_then_id() {
    let a = Abstract {
        modified: SimTime(1),
        id: 9,
        version: 1,
    };
    let b = Abstract {
        modified: SimTime(2),
        id: 1,
        version: 1,
    };
    assert!(a < b, "§3.1.7.31: primary sort by modification time");
}

/// §3.1.7.25 and §3.1.6.6: a failed connection attempt is no lost
/// neighbour. A new node whose application keeps answering with a member
/// that does not listen (its SYN is reset: §3.1.4.8, only a listening node
/// accepts connections) tries again at each Graph Maintenance Timer — 30 s
/// while it has no neighbour — and not at once, which would redial that
/// member in a loop (one attempt per round trip).
#[test]
fn a_refused_connection_is_retried_at_graph_maintenance_not_at_once() {
    let mut h = Harness::new(3, GraphParams::default());
    h.open(0, true, None);
    // Node 1 opens but finds no one: it never synchronises, never listens.
    h.open(1, false, None);
    h.run_until(1);
    assert!(!h.nodes[1].is_listening());
    h.resolve_answer = Some(HostIx(1));
    h.open(2, false, None);
    h.run_until(301);
    let tries = h
        .opened
        .iter()
        .filter(|&&(a, b)| a == HostIx(2) && b == HostIx(1))
        .count();
    // At the open, then at each maintenance 30 s apart: 10 or 11 in 300 s.
    assert!((10..=11).contains(&tries), "{tries} attempts in 300 s");
    assert!(h.nodes[2].neighbours().is_empty());
}
