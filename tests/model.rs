//! Properties the PNRP model must show (issue: simulation core). Each test
//! would fail if the corresponding part of the model were wrong.

use pnrpsim::engine::StreamSeed;
use pnrpsim::metrics::RunResult;
use pnrpsim::protocol::message::{MsgType, Reason};
use pnrpsim::scenario::Scenario;
use pnrpsim::scenario::units::Duration;

/// Every host joins (`hosts.start = "joins"`): these tests watch the
/// procedures that build the cloud, which a steady start skips.
fn scenario(hosts: u32, names: u32, minutes: u64, warmup_minutes: u64) -> Scenario {
    let mut s = Scenario {
        name: "test".into(),
        ..Scenario::default()
    };
    s.hosts.start = pnrpsim::scenario::Start::Joins;
    s.hosts.count = hosts;
    s.hosts.names_per_host = names;
    s.duration = Duration::secs(minutes * 60);
    s.warmup = Duration::secs(warmup_minutes * 60);
    s
}

fn run(s: &Scenario) -> RunResult {
    pnrpsim::sim::run(s, StreamSeed::single(s.seed)).expect("run")
}

#[test]
fn leaf_sets_match_ground_truth_and_resolves_succeed_without_churn_or_loss() {
    let mut s = scenario(1000, 1, 30, 10);
    s.workload.resolves_per_host_per_hour = 6.0;
    let r = run(&s);
    let leaf = r.leaf_sets.share().unwrap();
    assert!(leaf >= 0.99, "leaf-set accuracy {leaf}");
    assert!(
        r.leaf_sets.expected >= 1000 * 10,
        "every host has a full leaf set to check"
    );
    let ok = r.resolves.success_rate().unwrap();
    assert!(
        r.resolves.started > 500,
        "resolves ran: {}",
        r.resolves.started
    );
    assert!(ok >= 0.99, "resolve success {ok}");
}

#[test]
fn resolve_hops_grow_by_about_one_per_tenfold_registrations() {
    let hops = |hosts| {
        let mut s = scenario(hosts, 1, 16, 8);
        s.workload.resolves_per_host_per_hour = 30.0;
        s.metrics.connectivity_every = None;
        run(&s).resolves.mean_hops().unwrap()
    };
    let small = hops(1_000);
    let large = hops(10_000);
    let rise = large - small;
    assert!(
        (0.6..=1.5).contains(&rise),
        "mean hops {small:.2} at 10^3 and {large:.2} at 10^4: rise {rise:.2}"
    );
}

#[test]
fn publication_bytes_per_name_do_not_depend_on_names_per_host() {
    // Everything counts (no warm-up): the cost of building the cloud, per name.
    let per_name = |names| {
        let mut s = scenario(300, names, 5, 0);
        s.workload.resolves_per_host_per_hour = 0.0;
        let r = run(&s);
        let publication =
            r.sent_by_reason(Reason::Registration).bytes + r.sent_by_reason(Reason::Flood).bytes;
        publication as f64 / f64::from(300 * names)
    };
    // Linear in the names: the cost of one more name (the slope) does not
    // depend on how many a host has. (A joining publisher also floods the
    // synchronised entries its empty leaf sets take, §3.2.5.11: a cost per
    // host, so the average per name falls a little as names are added.)
    let total = |m: u32| per_name(m) * f64::from(m);
    let (one, four, sixteen) = (total(1), total(4), total(16));
    let (low, high) = ((four - one) / 3.0, (sixteen - four) / 12.0);
    let ratio = high / low;
    assert!(
        (0.75..=1.25).contains(&ratio),
        "publication bytes per added name: {low:.0} from m=1 to 4, {high:.0} from 4 to 16 (ratio {ratio:.2})"
    );
}

#[test]
fn bytes_add_up_and_fixed_size_messages_have_their_documented_size() {
    for teredo in [0.0, 1.0] {
        let mut s = scenario(200, 2, 10, 0);
        s.hosts.teredo_share = teredo;
        let r = run(&s);
        let header = if teredo == 1.0 { 48 + 28 } else { 48 };
        // Per type, per reason and per host sums agree with the total.
        let total = r.total_sent();
        let by_type: u64 = MsgType::ALL.iter().map(|&t| r.sent_by_type(t).bytes).sum();
        let by_reason: u64 = Reason::ALL.iter().map(|&x| r.sent_by_reason(x).bytes).sum();
        let by_host: u64 = r.hosts.iter().map(|h| h.sent.bytes).sum();
        let by_host_reason: u64 = r.hosts.iter().flat_map(|h| h.sent_bytes_by_reason).sum();
        assert_eq!(by_type, total.bytes);
        assert_eq!(by_reason, total.bytes);
        assert_eq!(by_host, total.bytes);
        assert_eq!(by_host_reason, total.bytes);
        // Fixed-size messages (docs/wire.md): ACK = 12 + 8; an INQUIRE is
        // 12 + 8 + 36 = 56, + a 20-byte NONCE when it asks for the CPA.
        let ack = r.sent_by_type(MsgType::Ack);
        assert!(ack.datagrams > 0, "ACK was sent");
        assert_eq!(ack.bytes, ack.datagrams * (20 + header));
        let inq = r.sent_by_type(MsgType::Inquire);
        let extra = inq.bytes - inq.datagrams * (56 + header);
        assert_eq!(extra % 20, 0, "INQUIRE bytes {inq:?}");
        // Both kinds are sent: leaf-set members ask for the CPA, others
        // only check reachability.
        assert!((1..inq.datagrams).contains(&(extra / 20)), "{inq:?}");
        // ADVERTISE carries at most 5 IDs: 56 + 32·N bytes.
        let adv = r.sent_by_type(MsgType::Advertise);
        assert!(adv.datagrams > 0);
        assert!(adv.bytes <= adv.datagrams * (216 + header));
        assert!(adv.bytes >= adv.datagrams * (56 + 32 + header));
        // SOLICIT with the sender's route entry of two addresses:
        // 12 + pad4(4 + 38 + 2·16) + 24 = 112.
        let sol = r.sent_by_type(MsgType::Solicit);
        assert_eq!(sol.bytes, sol.datagrams * (112 + header));
        // Received never exceeds sent on a lossless network.
        let received: u64 = r.hosts.iter().map(|h| h.received.bytes).sum();
        assert!(received <= total.bytes);
    }
}

#[test]
fn same_seed_gives_byte_identical_tables_and_another_seed_does_not() {
    let s = scenario(300, 2, 12, 2);
    let write = |seed: u64| {
        let dir = tempfile::tempdir().unwrap();
        let r = pnrpsim::sim::run(&s, StreamSeed::single(seed)).unwrap();
        let files = pnrpsim::outputs::write_run_tables(dir.path(), &r).unwrap();
        let contents: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|f| {
                (
                    f.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(f).unwrap(),
                )
            })
            .collect();
        contents
    };
    let a = write(7);
    let b = write(7);
    let c = write(8);
    assert!(!a.is_empty());
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(a, c, "a different seed changes the run");
}

#[test]
fn lossy_network_still_resolves_and_costs_retransmissions() {
    let mut clean = scenario(300, 1, 20, 5);
    clean.workload.resolves_per_host_per_hour = 10.0;
    let mut lossy = clean.clone();
    lossy.network.loss = 0.05;
    let a = run(&clean);
    let b = run(&lossy);
    assert!(b.resolves.success_rate().unwrap() > 0.9);
    // Retransmissions: more LOOKUPs per resolve on the lossy network.
    let per_resolve = |r: &RunResult| {
        r.sent_by_type(MsgType::Lookup).datagrams as f64 / r.resolves.started as f64
    };
    assert!(per_resolve(&b) > per_resolve(&a));
}

#[test]
fn firewalled_hosts_waste_inquires_and_stay_out_of_caches() {
    let mut s = scenario(300, 1, 15, 0);
    s.hosts.firewalled_share = 0.2;
    let r = run(&s);
    assert!(
        r.blocked_inquires > 0,
        "INQUIREs to firewalled hosts are dropped"
    );
    // Their retries are counted: each blocked check is sent 1 + 2 times.
    let leaf = r.leaf_sets.share().unwrap();
    assert!(
        leaf > 0.95,
        "leaf sets still match the reachable cloud: {leaf}"
    );
}

#[test]
fn churn_joins_and_departures_follow_the_session_length() {
    let mut s = scenario(1000, 1, 120, 20);
    s.churn.enabled = true;
    s.churn.session.mean = Duration::secs(7200);
    s.churn.downtime.mean = Duration::secs(3600);
    s.churn.graceful_share = 0.5;
    s.metrics.connectivity_every = None;
    let r = run(&s);
    let measured = r.measured_secs;
    // Two thirds of the hosts are online; each leaves once per 2 h.
    let online: f64 = r
        .windows
        .iter()
        .map(|w| f64::from(w.hosts_online))
        .sum::<f64>()
        / r.windows.len() as f64;
    let expected = online * measured / 7200.0;
    let departures = r.departures as f64;
    assert!(
        (departures / expected - 1.0).abs() < 0.15,
        "departures {departures} vs H·t/T = {expected:.0}"
    );
    assert!(r.sent_by_reason(Reason::Unregistration).datagrams > 0);
    // Backtracking around departed hosts keeps resolves working.
    let ok = r.resolves.success_rate().unwrap();
    assert!(ok > 0.85, "resolve success under churn {ok}");
    assert!(r.sent_by_reason(Reason::Registration).datagrams > 0);
    assert!(r.sent_by_type(MsgType::FloodRevoke).datagrams > 0);
}

/// A peer-group member resolves the group's name to find another member
/// ([MS-PPSEC] §1.3); PNRP never answers with the member's own
/// registration ([MS-PNRP] §3.1.4.4, PickBestMatchFromLocalIds), so a
/// member alone online fails such a resolve at every graph maintenance
/// (30 s alone, [MS-PPGRH] §3.1.6.6). Those are the grouping layer's
/// resolves, not the workload's: they cost resolve traffic but must not
/// drag the application's resolve success (0.19 at k = 2 when they did).
#[test]
fn a_groups_member_resolves_do_not_count_as_the_workloads_resolves() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("same-name-two-ways.toml");
    let load = |method: &str| {
        let sets = [
            format!("hosts.shared_name_method={method}"),
            "hosts.shared_name_hosts=2".to_string(),
        ];
        pnrpsim::scenario::load::load_file(&path, &sets).expect("shipped scenario")
    };
    let identity = run(&load("identity")).resolves;
    let group = run(&load("group")).resolves;
    assert!(identity.started > 100, "resolves ran: {}", identity.started);
    // Same churn and workload streams: the application starts the same
    // resolves under either method.
    assert_eq!(group.started, identity.started);
    let ok = group.success_rate().unwrap();
    assert!(ok >= 0.95, "group design's resolve success {ok}");
}
