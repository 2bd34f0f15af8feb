//! The grouping layer in the simulation: a member connects to the member
//! its PNRP resolve returned, and learns of no other.

use super::super::{Event, Simulation};
use crate::engine::{SimDuration, SimTime, StreamSeed};
use crate::protocol::graphing::GraphNode;
use crate::protocol::id::HostIx;

/// A small group scenario: 60 hosts, a person's name on 3 of them, no
/// churn.
fn scenario() -> crate::scenario::Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("same-name-two-ways.toml");
    let sets = [
        "hosts.count=60",
        "hosts.shared_name_hosts=3",
        "churn.enabled=false",
        "duration=3h",
        "warmup=10min",
    ]
    .map(String::from);
    crate::scenario::load::load_file(&path, &sets).expect("shipped scenario")
}

/// Steps `sim` to `until` in 100 ms steps; the peers `host` is linked to
/// in `group` after each step.
fn watch(sim: &mut Simulation, until: SimTime, g: usize, host: HostIx) -> Vec<Vec<HostIx>> {
    let mut seen = Vec::new();
    while sim.now() < until {
        let next = sim.now() + SimDuration::from_millis(100);
        sim.run_until(next);
        let grp = &sim.groups.as_ref().unwrap().groups[g];
        let node = &grp.nodes[grp.member(host)];
        seen.push(
            grp.members
                .iter()
                .copied()
                .filter(|&m| node.has_link(m))
                .collect(),
        );
    }
    seen
}

/// [MS-PPSEC] §3.1.4.3 and §3.1.7.4: a member finds another member by
/// resolving the group's name in PNRP and connects to what the resolve
/// returned. Member C listens in the graph but never publishes the name
/// (its registration is withheld), B is offline: the new member A, which
/// knows no one, stays alone however long C listens; once B is back and
/// published, A's first connection goes to B.
#[test]
fn a_member_connects_only_to_the_member_its_resolve_returned() {
    let s = scenario();
    let mut sim = Simulation::new(&s, StreamSeed::single(5)).expect("simulation");
    let (g, a, b, c) = {
        let groups = &sim.groups.as_ref().unwrap().groups;
        let g = groups
            .iter()
            .position(|grp| grp.members.len() == 3)
            .unwrap();
        let m = &groups[g].members;
        (g, m[0], m[1], m[2])
    };
    let t = |mins: u64| SimTime::ZERO + SimDuration::from_secs(60 * mins);
    sim.run_until(t(10));
    // C comes back without publishing the group's name; B leaves.
    sim.depart(c, true);
    sim.queue.schedule(t(11), Event::Online { host: c });
    sim.run_until(t(11));
    let grp = &mut sim.groups.as_mut().unwrap().groups[g];
    let ci = grp.member(c);
    grp.unpublished[ci] = None;
    sim.depart(b, true);
    // A leaves and comes back as a new computer of the group.
    sim.depart(a, true);
    let grp = &mut sim.groups.as_mut().unwrap().groups[g];
    let ai = grp.member(a);
    grp.nodes[ai] = GraphNode::new(a);
    sim.queue.schedule(t(15), Event::Online { host: a });
    let alone = watch(&mut sim, t(25), g, a);
    let grp = &sim.groups.as_ref().unwrap().groups[g];
    assert!(grp.nodes[grp.member(c)].is_listening(), "C listens");
    assert!(grp.finds[ai].started.is_some(), "A resolved the name");
    assert!(
        alone.iter().all(|links| links.is_empty()),
        "A connected without a resolve naming anyone: {:?}",
        alone.iter().find(|l| !l.is_empty())
    );
    // B comes back, listens and publishes; A's next resolve finds it.
    sim.queue.schedule(t(25), Event::Online { host: b });
    let later = watch(&mut sim, t(40), g, a);
    let first = later.iter().find(|l| !l.is_empty()).expect("A connects");
    assert_eq!(first, &vec![b], "A's first connection is to B");
}
