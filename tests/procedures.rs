//! Single PNRP procedures observed in a small, controlled cloud.

use pnrpsim::engine::{SimDuration, SimTime, StreamSeed};
use pnrpsim::protocol::id::HostIx;
use pnrpsim::protocol::message::{MsgType, Reason};
use pnrpsim::scenario::Scenario;
use pnrpsim::scenario::units::Duration;
use pnrpsim::sim::Simulation;

fn quiet_cloud(hosts: u32) -> Scenario {
    let mut s = Scenario {
        name: "controlled".into(),
        ..Scenario::default()
    };
    s.hosts.count = hosts;
    s.duration = Duration::secs(3600);
    s.warmup = Duration::secs(0);
    s.workload.resolves_per_host_per_hour = 0.0;
    s.metrics.connectivity_every = None;
    s
}

fn sent(sim: &Simulation, ty: MsgType, reason: Reason) -> u64 {
    sim.traffic()[ty.index()][reason.index()].datagrams
}

#[test]
fn clean_unregistration_revokes_the_id_from_every_leaf_set() {
    let s = quiet_cloud(60);
    let mut sim = Simulation::new(&s, StreamSeed::single(3)).unwrap();
    sim.run_until(SimTime(600_000_000));
    let leaving = HostIx(7);
    let x = sim.locals(leaving)[0];
    let before = sim.holders(x);
    let leaf_holders = before.iter().filter(|(_, leaf)| *leaf).count();
    assert_eq!(
        leaf_holders, 10,
        "5 + 5 hosts hold X in a leaf set: {before:?}"
    );
    let revokes_before = sent(&sim, MsgType::FloodRevoke, Reason::Unregistration);
    let floods_before = sent(&sim, MsgType::Flood, Reason::Unregistration);
    sim.depart(leaving, true);
    let t = sim.now();
    sim.run_until(t + SimDuration::from_secs(60));
    // §3.2.5.11 floods back only to hosts that learnt X from a FLOOD, so
    // X may not know a leaf-set member that learnt it otherwise (from its
    // SOLICIT, §3.2.5.3): the revokes of §3.2.4.2 follow X's own leaf set
    // and can miss such a member, which keeps X.
    let after = sim.holders(x);
    let kept = after.iter().filter(|(_, leaf)| *leaf).count();
    assert!(kept <= 1, "leaf sets still holding X: {after:?}");
    let revokes = sent(&sim, MsgType::FloodRevoke, Reason::Unregistration) - revokes_before;
    let floods = sent(&sim, MsgType::Flood, Reason::Unregistration) - floods_before;
    // 2 initial revokes, then each side forwards outward through the other
    // four leaf-set holders and stops at the first host without X.
    assert!((10..=12).contains(&revokes), "revoke FLOODs: {revokes}");
    assert!(floods >= 2, "the two replacement FLOODs: {floods}");
}
