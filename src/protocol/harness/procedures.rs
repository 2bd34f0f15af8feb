//! One test per procedure, each on a small cloud built for it, each citing
//! the [MS-PNRP] section it checks. Where the model knowingly departs from
//! the text, the test asserts today's behaviour and says so in a
//! `// deviation:` comment (issue #19 fixes those).

use super::{Datagram, Fate, Harness, Knowledge, ring_id};
use crate::engine::{SimDuration, SimTime};
use crate::protocol::env::FloodBack;
use crate::protocol::id::{HostIx, IdIx, U256};
use crate::protocol::message::{Body, MsgType, Reason};

/// A cloud of `n` hosts at evenly spread IDs, with maintenance off.
fn spread_cloud(n: u64, knowledge: Knowledge) -> (Harness, Vec<(HostIx, IdIx)>) {
    let mut h = Harness::default().without_maintenance();
    let ids: Vec<U256> = (0..n).map(|i| ring_id(i, n)).collect();
    let cloud = h.cloud(&ids, knowledge);
    (h, cloud)
}

/// [`spread_cloud`] and a newcomer holding an ID half-way between members
/// `k` and `k + 1`.
fn cloud_and_newcomer(
    n: u64,
    k: u64,
    knowledge: Knowledge,
) -> (Harness, Vec<(HostIx, IdIx)>, HostIx, IdIx) {
    let (mut h, cloud) = spread_cloud(n, knowledge);
    let newcomer = h.add_host();
    let x = h.new_id(newcomer, ring_id(2 * k + 1, 2 * n));
    (h, cloud, newcomer, x)
}

/// The route entry a FLOOD carries and its already-flooded list.
fn flood(d: &Datagram) -> Option<(IdIx, &[HostIx])> {
    match &d.msg.body {
        Body::Flood { entry, flooded, .. } => Some((*entry, flooded)),
        _ => None,
    }
}

/// When the first AUTHORITY validating a synchronised entry reached
/// `joiner`.
fn first_validated(h: &Harness, joiner: HostIx) -> SimTime {
    h.sent(MsgType::Authority)
        .filter(|d| d.to == joiner && d.reason() == Reason::Join)
        .find_map(|d| match d.fate {
            Fate::Delivered(t) => Some(t),
            _ => None,
        })
        .expect("a synchronised entry was validated")
}

/// Synchronisation on join: §3.1.4.3 (SOLICIT), §3.2.5.3 (ADVERTISE of up
/// to five cached IDs, and the seed validates the SOLICIT's route entry),
/// §3.1.5.3 (REQUEST of every advertised ID), §3.2.5.4 (ACK, then one
/// FLOOD with the D flag set per ID), §3.1.5.5 and §3.1.5.11 (no ACK for a
/// FLOOD with D set; its route entry is cached only once an INQUIRE to its
/// owner is answered), and §4.1.2 (the cache is synchronised before the
/// node resolves).
#[test]
fn synchronisation_on_join() {
    let (mut h, cloud, joiner, x) = cloud_and_newcomer(16, 5, Knowledge::All);
    let seed = cloud[0].0;
    h.join(joiner, &[x], &[seed]);
    h.run_for(SimDuration::from_secs(5));

    let sync: Vec<&Datagram> = h
        .datagrams()
        .iter()
        .filter(|d| d.reason() == Reason::Join && d.ty() != MsgType::Inquire)
        .filter(|d| d.ty() != MsgType::Authority)
        .collect();
    let shape: Vec<(HostIx, MsgType)> = sync.iter().map(|d| (d.from, d.ty())).collect();
    let mut expected = vec![
        (joiner, MsgType::Solicit),
        (seed, MsgType::Advertise),
        (joiner, MsgType::Request),
        (seed, MsgType::Ack),
    ];
    expected.extend([(seed, MsgType::Flood); 5]);
    assert_eq!(shape, expected);
    assert!(sync.iter().all(|d| d.delivered()));

    // The SOLICIT carries the joiner's route entry: it has a name.
    assert_eq!(sync[0].msg.body, Body::Solicit { carried: Some(x) });
    // SOLICIT per §2.2 (as `wire::tests::solicit_layout`): header 12 +
    // ROUTING_ENTRY pad4(4 + 38 + 16 · 2 addresses)
    // = 76, + HASHED_NONCE 24 = 112 bytes.
    assert_eq!(sync[0].size, 112);
    // §3.2.5.3: the seed validates that route entry with an INQUIRE.
    assert!(
        h.sent(MsgType::Inquire)
            .any(|d| d.from == seed && d.to == joiner && d.reason() == Reason::Join),
        "the seed did not validate the SOLICIT's route entry"
    );
    let Body::Advertise { ids: advertised } = sync[1].msg.body else {
        unreachable!("checked above")
    };
    let advertised = advertised.as_slice().to_vec();
    let mut distinct = advertised.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "five distinct IDs: {advertised:?}");
    assert!(advertised.iter().all(|&a| h.ids.owner(a) != joiner));
    // An empty cache wants all of them, and gets one D-set FLOOD for each.
    let Body::Request { ids: requested } = sync[2].msg.body else {
        unreachable!("checked above")
    };
    assert_eq!(requested.as_slice(), advertised.as_slice());
    let flooded: Vec<IdIx> = sync[4..]
        .iter()
        .map(|d| match d.msg.body {
            Body::Flood { entry, ack, .. } => {
                assert!(!ack, "synchronisation FLOODs have D set");
                entry
            }
            _ => unreachable!("checked above"),
        })
        .collect();
    assert_eq!(flooded, advertised);
    // §3.1.5.5, §3.1.5.11: each entry the joiner caches was validated by
    // an INQUIRE to its owner, answered before it entered the cache.
    for &a in &advertised {
        assert!(h.cache(joiner).contains(a, &h.ids));
        let inquiry = h
            .sent(MsgType::Inquire)
            .find(|d| {
                d.from == joiner && matches!(d.msg.body, Body::Inquire { entry, .. } if entry == a)
            })
            .unwrap_or_else(|| panic!("the joiner cached {a:?} without validating it"));
        assert_eq!(inquiry.to, h.ids.owner(a));
        assert!(h.sent(MsgType::Authority).any(|r| r.to == joiner
            && r.from == inquiry.to
            && r.msg.txn == inquiry.msg.txn
            && r.delivered()));
    }
    // §4.1.2: the registration resolve waits for a synchronised entry, so
    // even with a single seed it sends LOOKUPs, the first once the first
    // validated entry is cached.
    let first_validated = first_validated(&h, joiner);
    let first_lookup = h
        .sent(MsgType::Lookup)
        .next()
        .expect("the registration resolves");
    assert_eq!(first_lookup.from, joiner);
    assert_eq!(first_lookup.sent, first_validated);
}

/// §3.1.4.2 and note <2>: a node initiates a synchronisation conversation
/// with each previously known host it is given, Windows with up to 10.
#[test]
fn synchronisation_contacts_up_to_ten_previously_known_hosts() {
    let (mut h, cloud, joiner, x) = cloud_and_newcomer(16, 5, Knowledge::All);
    let seeds: Vec<HostIx> = cloud.iter().take(12).map(|&(s, _)| s).collect();
    h.join(joiner, &[x], &seeds);
    h.run_for(SimDuration::from_secs(1));
    let solicited: Vec<HostIx> = h.sent(MsgType::Solicit).map(|d| d.to).collect();
    assert_eq!(solicited, seeds[..10]);
}

/// Registration: §3.2.4.1 (resolve the new ID + 1 with the new route entry
/// as InitialBestMatchRouteEntry, hence in every LOOKUP), §3.2.5.2 and
/// §3.2.5.1 (a LOOKUP recipient validates that route entry with an INQUIRE
/// that asks for the CPA iff the ID falls in one of its leaf sets),
/// §3.2.5.6 (the owner answers with an AUTHORITY, with the CPA if asked),
/// and §4.2 (the registering node fills its own leaf set from the answers,
/// and its neighbours take it into theirs).
#[test]
fn registration_resolves_own_id_plus_one_and_fills_the_leaf_sets() {
    let (mut h, cloud, joiner, x) = cloud_and_newcomer(16, 5, Knowledge::All);
    h.join(joiner, &[x], &[cloud[0].0, cloud[8].0]);
    h.run_for(SimDuration::from_secs(10));

    // §4.1.2: the resolve starts once the cache holds a synchronised (and
    // validated) entry.
    let first_validated = first_validated(&h, joiner);
    let lookups: Vec<&Datagram> = h
        .sent(MsgType::Lookup)
        .filter(|d| d.from == joiner && d.reason() == Reason::Registration)
        .collect();
    assert!(!lookups.is_empty());
    assert_eq!(lookups[0].sent, first_validated);
    for d in &lookups {
        let Body::Lookup {
            target, carried, ..
        } = &d.msg.body
        else {
            unreachable!("filtered")
        };
        assert_eq!(*target, h.ids.id(x).plus_one());
        assert_eq!(*carried, Some(x));
    }
    // Every registration INQUIRE about x comes from a LOOKUP recipient,
    // and asks for the CPA exactly when x falls in the asker's leaf set;
    // the first recipient (which cannot know x yet) is one of them.
    let asked: Vec<HostIx> = lookups.iter().map(|d| d.to).collect();
    let inquiries: Vec<&Datagram> = h
        .sent(MsgType::Inquire)
        .filter(|d| d.reason() == Reason::Registration && d.to == joiner)
        .collect();
    assert!(h.sent(MsgType::Inquire).any(|d| d.from == asked[0]
        && d.to == joiner
        && matches!(d.msg.body, Body::Inquire { entry, .. } if entry == x)));
    let member_id = |host: HostIx| cloud.iter().find(|&&(m, _)| m == host).expect("member").1;
    for d in &inquiries {
        assert!(asked.contains(&d.from), "{:?} was not asked", d.from);
        assert_eq!(d.to, joiner);
        let (below, above) = h.true_leaf_set(member_id(d.from));
        let leaf = below.contains(&x) || above.contains(&x);
        assert_eq!(
            d.msg.body,
            Body::Inquire {
                entry: x,
                cpa: leaf
            }
        );
    }
    // The joiner answers each INQUIRE about x, with the CPA when asked.
    for q in h.sent(MsgType::Inquire).filter(|d| d.to == joiner) {
        let Body::Inquire { entry, cpa } = q.msg.body else {
            unreachable!("filtered")
        };
        assert_eq!(entry, x);
        let answer = h
            .sent(MsgType::Authority)
            .find(|a| a.from == joiner && a.to == q.from && a.msg.txn == q.msg.txn)
            .expect("answered");
        assert!(matches!(answer.msg.body,
            Body::Authority { next: Some(n), cpa: c, .. } if n == x && c == cpa));
    }
    assert_eq!(h.leaf_set(joiner, x), h.true_leaf_set(x));
    for &(m, local) in &cloud {
        let (below, above) = h.true_leaf_set(local);
        let should = below.contains(&x) || above.contains(&x);
        assert_eq!(h.in_leaf_set(m, x), should, "member {m:?}");
    }
}

/// The flood cascade under either reading of `pnrp.flood_back`:
/// §3.2.5.11 (a node that adds a route entry to a leaf set FLOODs it to a
/// neighbour on each side, skipping the hosts on the Already Flooded List,
/// which it extends with both targets and passes on) and §4.4 (waves of
/// FLOODs go out until the entry falls outside the recipients' leaf sets).
/// Returns the harness, the joiner and its ID, the members whose leaf set
/// takes x, those that learnt x from the joiner's LOOKUPs, and the
/// flood-backs: (sender, recipient) of each FLOOD of a member's own entry.
#[allow(clippy::type_complexity)]
fn flood_cascade(
    reading: FloodBack,
) -> (
    Harness,
    HostIx,
    Vec<HostIx>,
    Vec<HostIx>,
    Vec<(HostIx, HostIx)>,
) {
    let n = 24;
    let (mut h, cloud, joiner, x) = cloud_and_newcomer(n, 3, Knowledge::LeafSets);
    h.params.flood_back = reading;
    // Seeded from the far side of the ring: its cache says nothing of x's
    // neighbourhood, so the registration has to travel.
    let far = |k: u64| cloud[((n / 2 + k) % n) as usize].0;
    h.join(joiner, &[x], &[far(2), far(4)]);
    h.run_for(SimDuration::from_secs(30));

    let should: Vec<HostIx> = cloud
        .iter()
        .filter(|&&(_, l)| {
            let (below, above) = h.true_leaf_set(l);
            below.contains(&x) || above.contains(&x)
        })
        .map(|&(m, _)| m)
        .collect();
    assert_eq!(should.len(), 2 * h.params.cache.leaf_per_side);
    for &(m, _) in &cloud {
        assert_eq!(h.in_leaf_set(m, x), should.contains(&m), "member {m:?}");
    }
    let floods_of_x: Vec<(&Datagram, &[HostIx])> = h
        .sent(MsgType::Flood)
        .filter(|d| d.from != joiner) // its flood-backs carry x too
        .filter_map(|d| flood(d).filter(|&(e, _)| e == x).map(|(_, l)| (d, l)))
        .collect();
    // Some leaf-set members never saw the registration's LOOKUPs: only
    // the cascade told them.
    let looked_up: Vec<HostIx> = h
        .sent(MsgType::Lookup)
        .filter(|d| d.from == joiner)
        .map(|d| d.to)
        .collect();
    assert!(
        should.iter().any(|m| !looked_up.contains(m)),
        "every member was on the lookup path: nothing left to cascade"
    );
    let mut forwarded = 0;
    for (d, list) in &floods_of_x {
        assert_eq!(d.reason(), Reason::Flood);
        assert!(list.contains(&d.from) && list.contains(&d.to), "{list:?}");
        if looked_up.contains(&d.from) {
            continue; // took x from a LOOKUP: no list to honour
        }
        // A host that took x from a FLOOD forwards the list that FLOOD
        // brought, and to no host on it.
        let (_, first) = floods_of_x
            .iter()
            .filter_map(|(e, l)| match e.fate {
                Fate::Delivered(t) if e.to == d.from => Some((t, l)),
                _ => None,
            })
            .min_by_key(|&(t, _)| t)
            .expect("it learnt x from a FLOOD");
        assert!(
            first.iter().all(|f| list.contains(f)),
            "{first:?} ⊄ {list:?}"
        );
        assert!(!first.contains(&d.to), "{:?} was already flooded", d.to);
        forwarded += 1;
    }
    assert!(forwarded > 0, "no FLOOD was forwarded");
    let flood_backs: Vec<(HostIx, HostIx)> = h
        .sent(MsgType::Flood)
        .filter(|d| d.from != joiner && flood(d).is_some_and(|(e, _)| h.ids.owner(e) == d.from))
        .map(|d| (d.from, d.to))
        .collect();
    (h, joiner, should, looked_up, flood_backs)
}

/// The members that received a FLOOD of the joiner's entry from a host
/// other than the joiner, with the first such sender.
fn flooded_by_others(h: &Harness, joiner: HostIx) -> Vec<(HostIx, HostIx)> {
    let mut first: Vec<(HostIx, HostIx)> = Vec::new();
    for d in h.sent(MsgType::Flood) {
        let carries_joiner = flood(d).is_some_and(|(e, _)| h.ids.owner(e) == joiner);
        if carries_joiner && d.from != joiner && !first.iter().any(|&(m, _)| m == d.to) {
            first.push((d.to, d.from));
        }
    }
    first
}

/// Flood-back as §3.2.5.11 says it (`pnrp.flood_back = "sender"`): only a
/// host that took X from a FLOOD whose sender is not X's owner floods its
/// own entry back, to that sender; hosts that learnt X from the joiner's
/// LOOKUPs flood nothing back, and nothing goes back to X.
#[test]
fn flood_back_goes_to_the_flood_sender_per_3_2_5_11() {
    let (h, joiner, should, looked_up, flood_backs) = flood_cascade(FloodBack::Sender);
    let by_others = flooded_by_others(&h, joiner);
    assert!(!flood_backs.is_empty(), "no flood-back at all");
    for &(from, to) in &flood_backs {
        assert_ne!(to, joiner, "{from:?} flooded back to X");
        assert!(
            by_others.contains(&(from, to)),
            "{from:?} flooded back to {to:?}, which did not flood X to it first"
        );
    }
    // Members that learnt X from a LOOKUP (before any FLOOD of it reached
    // them) flood nothing back.
    let first_delivery = |m: HostIx, ty: MsgType| {
        h.sent(ty)
            .filter(|d| d.to == m && d.from != m)
            .filter_map(|d| match d.fate {
                Fate::Delivered(t) => Some(t),
                _ => None,
            })
            .min()
    };
    let learnt_by_lookup: Vec<HostIx> = should
        .iter()
        .copied()
        .filter(|&m| looked_up.contains(&m))
        .filter(|&m| {
            match (
                first_delivery(m, MsgType::Lookup),
                first_delivery(m, MsgType::Flood),
            ) {
                (Some(l), Some(f)) => l < f,
                (l, _) => l.is_some(),
            }
        })
        .collect();
    assert!(!learnt_by_lookup.is_empty());
    assert!(
        flood_backs
            .iter()
            .all(|(from, _)| !learnt_by_lookup.contains(from))
    );
}

/// The other reading (`pnrp.flood_back = "owner"`, the §4.4 example): the
/// flood-back goes to X itself, still only from hosts that took X from a
/// FLOOD sent by a host other than X (§3.2.5.11's condition), one each.
#[test]
fn flood_back_goes_to_the_new_entry_per_4_4() {
    let (h, joiner, should, _, flood_backs) = flood_cascade(FloodBack::Owner);
    let by_others: Vec<HostIx> = flooded_by_others(&h, joiner)
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    let mut senders: Vec<HostIx> = flood_backs.iter().map(|&(from, _)| from).collect();
    assert!(flood_backs.iter().all(|&(_, to)| to == joiner));
    let n = senders.len();
    senders.sort_unstable();
    senders.dedup();
    assert_eq!(senders.len(), n, "one flood-back each");
    assert!(!senders.is_empty());
    assert!(senders.iter().all(|m| by_others.contains(m)));
    // Not every leaf-set member: those that learnt X from a LOOKUP do not.
    assert!(senders.len() < should.len(), "{senders:?}");
}

/// Revoke on a clean unregistration: §3.2.4.2 (a Revoke CPA FLOOD to the
/// nearest leaf-set member on each side, and a FLOOD of the neighbour on
/// one side to the fifth leaf-set member on the other), §3.1.5.5 (a
/// recipient removes the revoked ID) and §4.3 (the revoke travels outward
/// while recipients hold the ID, and the outermost members repair their
/// leaf sets with the replacement).
#[test]
fn revoke_on_clean_unregistration() {
    let n = 24;
    let (mut h, cloud) = spread_cloud(n, Knowledge::LeafSets);
    let (leaver, gone) = cloud[12];
    let member = |k: usize| cloud[k].0;
    h.leave(leaver);
    h.run_for(SimDuration::from_secs(10));

    let own: Vec<&Datagram> = h.datagrams().iter().filter(|d| d.from == leaver).collect();
    let shape: Vec<(MsgType, HostIx)> = own.iter().map(|d| (d.ty(), d.to)).collect();
    assert_eq!(
        shape,
        [
            (MsgType::FloodRevoke, member(11)),
            (MsgType::FloodRevoke, member(13)),
            (MsgType::Flood, member(7)),
            (MsgType::Flood, member(17)),
        ]
    );
    let replacement = |d: &Datagram| match d.msg.body {
        Body::Flood {
            entry,
            replaces: Some(r),
            ..
        } if r == gone => entry,
        _ => panic!("{:?}", d.msg.body),
    };
    assert_eq!(replacement(own[2]), cloud[13].1);
    assert_eq!(replacement(own[3]), cloud[11].1);
    // deviation: §3.2.4.2 says every FLOOD with D clear goes in the
    // Pending List with Retry Count 2; the leaver's four are sent once,
    // without a transaction to acknowledge.
    assert!(
        own.iter()
            .all(|d| d.msg.txn == 0 && d.reason() == Reason::Unregistration)
    );
    // Forwarded revokes go outward, away from the leaver's ID.
    let gone_id = h.ids.id(gone);
    let distance = |host: HostIx| {
        let at = cloud.iter().find(|&&(m, _)| m == host).expect("member").1;
        gone_id.ring_distance(h.ids.id(at))
    };
    let forwarded: Vec<&Datagram> = h
        .sent(MsgType::FloodRevoke)
        .filter(|d| d.from != leaver)
        .collect();
    assert!(!forwarded.is_empty());
    for d in &forwarded {
        assert!(
            distance(d.to) > distance(d.from),
            "{:?} → {:?}",
            d.from,
            d.to
        );
    }
    for &(m, _) in &cloud {
        assert!(!h.cache(m).contains(gone, &h.ids), "{m:?} still holds it");
    }
    assert!(h.in_leaf_set(member(7), cloud[13].1));
    assert!(h.in_leaf_set(member(17), cloud[11].1));
}

/// The P2P ID the backtracking and retransmission tests resolve.
const NAME: u128 = 1 << 127;

/// A resolver that knows only `a`, `a` knowing the hosts at `b` and `b2`,
/// `b` knowing nothing closer to NAME than itself, `b2` knowing the
/// owner of NAME: the topology of example §4.1.3.
fn backtracking_topology() -> (Harness, [HostIx; 5], [IdIx; 5]) {
    let mut h = Harness::default().without_maintenance();
    let at = |share: f64| U256::from_parts((share * u128::MAX as f64) as u128, 0);
    let ids = [
        at(0.0),
        at(0.3),
        at(0.499),
        at(0.49),
        U256::from_parts(NAME, 7),
    ];
    let hosts = ids.map(|_| h.add_host());
    let ix: Vec<IdIx> = (0..5).map(|i| h.new_id(hosts[i], ids[i])).collect();
    let [r, a, b, b2, c] = [ix[0], ix[1], ix[2], ix[3], ix[4]];
    h.settle(hosts[0], &[r], &[a]);
    h.settle(hosts[1], &[a], &[r, b, b2]);
    h.settle(hosts[2], &[b], &[a]);
    h.settle(hosts[3], &[b2], &[a, c]);
    h.settle(hosts[4], &[c], &[b2]);
    (h, hosts, [r, a, b, b2, c])
}

fn lookups_to(h: &Harness, to: HostIx) -> Vec<&Datagram> {
    h.sent(MsgType::Lookup).filter(|d| d.to == to).collect()
}

/// The route entries `host`'s AUTHORITY replies to LOOKUPs named, in
/// order.
fn answers_from(h: &Harness, host: HostIx) -> Vec<Option<IdIx>> {
    let lookups: Vec<(HostIx, u32)> = lookups_to(h, host)
        .iter()
        .map(|d| (d.from, d.msg.txn))
        .collect();
    h.sent(MsgType::Authority)
        .filter(|d| d.from == host && lookups.contains(&(d.to, d.msg.txn)))
        .map(|d| match d.msg.body {
            Body::Authority { next, .. } => next,
            _ => unreachable!("filtered"),
        })
        .collect()
}

/// Backtracking (§3.1.4.4.2, §3.1.5.6.1, example §4.1.3): when a hop does
/// not answer, the resolver asks the previous hop again with the failed
/// one on the flagged path, which then offers its next-best entry.
#[test]
fn backtracking_after_a_hop_fails() {
    let (mut h, [resolver, a, b, _, owner], [_, _, b_id, b2_id, _]) = backtracking_topology();
    h.crash(b);
    h.resolve_name(resolver, NAME);
    h.run_for(SimDuration::from_secs(10));

    let to_a = lookups_to(&h, a);
    assert_eq!(to_a.len(), 2, "asked again after the failure");
    let path = |d: &Datagram| match &d.msg.body {
        Body::Lookup { path, .. } => path.to_vec(),
        _ => unreachable!("a LOOKUP"),
    };
    assert_eq!(path(to_a[0]), [] as [HostIx; 0]);
    assert_eq!(path(to_a[1]), [a, b]);
    assert_eq!(answers_from(&h, a), [Some(b_id), Some(b2_id)]);
    let outcomes = h.resolved();
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].1.success);
    assert_eq!(outcomes[0].1.peer, Some(owner));
}

/// Example §4.1.3: a hop that knows nothing closer to the target answers
/// with no closer entry, and the resolver backtracks to the previous hop.
#[test]
fn backtracking_when_a_hop_has_no_closer_entry() {
    let (mut h, [resolver, a, b, ..], [_, _, b_id, ..]) = backtracking_topology();
    h.resolve_name(resolver, NAME);
    h.run_for(SimDuration::from_secs(10));

    // b answers with its own ID: nothing it knows is closer.
    assert_eq!(answers_from(&h, b), [Some(b_id)]);
    // deviation: §4.1.3 (and the NextHopStack of §3.1.5.6.1) has the
    // resolver backtrack to Node 1 with Node 2 on the flagged path, where
    // Node 1 offers Node 2a; the model backtracks only after a hop fails,
    // so a dead end ends the resolve unresolved.
    assert_eq!(lookups_to(&h, a).len(), 1);
    assert_eq!(h.sent(MsgType::Lookup).count(), 2);
    let outcomes = h.resolved();
    assert_eq!(outcomes.len(), 1);
    assert!(!outcomes[0].1.success);
}

/// Retransmission and give-up (§3.1.6.3 with the Retry Count of 2 that
/// §3.1.4.4.2 sets for a LOOKUP): a request is resent every retransmission
/// period while retries remain, then reported failed, and the resolve
/// moves on to its next candidate.
#[test]
fn retransmit_gives_up_after_the_retries() {
    let mut h = Harness::default().without_maintenance();
    let at = |share: f64| U256::from_parts((share * u128::MAX as f64) as u128, 0);
    let [r, near, far] = [0, 1, 2].map(|_| h.add_host());
    let near_id = h.new_id(near, at(0.45));
    let far_id = h.new_id(far, at(0.2));
    h.settle(r, &[], &[near_id, far_id]);
    h.settle(near, &[near_id], &[]);
    h.settle(far, &[far_id], &[]);
    h.deafen(near, true);
    let t0 = h.now();
    h.resolve_name(r, NAME);
    h.run_for(SimDuration::from_secs(10));

    let period = h.params.retransmit_timeout;
    let times =
        |to: HostIx| -> Vec<SimTime> { lookups_to(&h, to).iter().map(|d| d.sent).collect() };
    // §3.1.6.3: each expiry decrements the Retry Count of 2, and the
    // request is resent only while it is non-zero: two sends in all, and
    // the failure is reported after 2 s.
    assert_eq!(
        times(near),
        [t0, t0 + period],
        "sent at once, then once after a period"
    );
    assert_eq!(times(far), [t0 + period + period]);
    // §3.1.6.3 removes no route entry when a LOOKUP times out (entries go
    // after a FLOOD times out, §3.2.6.3, or on an N flag).
    assert!(h.cache(r).contains(near_id, &h.ids));
    assert!(h.cache(r).contains(far_id, &h.ids));
}

/// A host that crashed and came back runs a new session with new IDs
/// (§3.2.4.1: a new random service location suffix): it answers a LOOKUP
/// meant for its old ID with the N flag (§3.2.5.2), and the resolver
/// removes that entry from its cache (§3.1.5.6.1).
#[test]
fn a_new_session_does_not_answer_for_its_old_ids() {
    let mut h = Harness::default().without_maintenance();
    let at = |share: f64| U256::from_parts((share * u128::MAX as f64) as u128, 0);
    let [r, back] = [0, 1].map(|_| h.add_host());
    let old_id = h.new_id(back, at(0.45));
    h.settle(r, &[], &[old_id]);
    h.settle(back, &[old_id], &[]);
    h.crash(back);
    let new_id = h.new_id(back, at(0.7));
    h.join(back, &[new_id], &[]);
    h.resolve_name(r, NAME);
    h.run_for(SimDuration::from_secs(10));

    let lookup = h
        .sent(MsgType::Lookup)
        .next()
        .expect("a LOOKUP to the old ID");
    assert!(matches!(lookup.msg.body, Body::Lookup { validate: Some(v), .. } if v == old_id));
    let answer = h
        .sent(MsgType::Authority)
        .find(|d| d.from == back && d.msg.txn == lookup.msg.txn)
        .expect("answered");
    assert!(matches!(
        answer.msg.body,
        Body::Authority {
            not_found: true,
            ..
        }
    ));
    assert!(!h.cache(r).contains(old_id, &h.ids));
    assert!(!h.resolved()[0].1.success);
}

/// The N flag of ACK (§3.2.5.5, §3.1.5.4): a host acknowledges a FLOOD
/// whose Validate PNRP ID is not one of its own with the N flag, and the
/// sender removes that ID from its cache.
#[test]
fn ack_with_the_n_flag_removes_the_flooded_id() {
    let n = 12;
    let (mut h, cloud) = spread_cloud(n, Knowledge::LeafSets);
    // Member 7 crashes and comes back under a new ID far away; member 5
    // (whose leaf set holds member 7's old ID) then leaves cleanly, so
    // its departure FLOODs go to the old ID.
    let (back, old_id) = cloud[7];
    h.crash(back);
    let new_id = h.new_id(back, ring_id(1, 2 * n));
    h.join(back, &[new_id], &[]);
    let (leaver, _) = cloud[5];
    h.leave(leaver);
    h.run_for(SimDuration::from_secs(10));

    let acks_n: Vec<&Datagram> = h
        .sent(MsgType::Ack)
        .filter(|d| d.from == back && d.msg.body == Body::Ack { not_found: true })
        .collect();
    assert!(!acks_n.is_empty(), "no ACK with the N flag");
    // Member 6 forwarded the revoke outward to the old ID.
    assert!(acks_n.iter().any(|d| d.to == cloud[6].0));
    for d in &acks_n {
        assert!(
            !h.cache(d.to).contains(old_id, &h.ids),
            "{:?} kept it",
            d.to
        );
    }
    // Member 8 sent it nothing, so nothing told it: it keeps the entry.
    assert!(h.cache(cloud[8].0).contains(old_id, &h.ids));
}

/// A FLOOD that is never acknowledged (§3.2.6.3): once its retries are
/// spent, the sender removes the silent recipient's route entry.
#[test]
fn unacknowledged_flood_drops_the_silent_neighbour() {
    let n = 24;
    let (mut h, cloud, joiner, x) = cloud_and_newcomer(n, 3, Knowledge::LeafSets);
    // Member 2 sits in x's leaf set, so the cascade floods x to it; it
    // hears nothing any more.
    let (silent, silent_id) = cloud[2];
    h.deafen(silent, true);
    let far = |k: u64| cloud[((n / 2 + k) % n) as usize].0;
    h.join(joiner, &[x], &[far(2), far(4)]);
    h.run_for(SimDuration::from_secs(30));

    let floods_to_silent: Vec<&Datagram> = h
        .sent(MsgType::Flood)
        .filter(|d| d.to == silent && flood(d).is_some_and(|(e, _)| e == x))
        .collect();
    let sender = floods_to_silent
        .first()
        .expect("x is flooded to member 2")
        .from;
    let from_sender: Vec<&Datagram> = floods_to_silent
        .iter()
        .copied()
        .filter(|d| d.from == sender)
        .collect();
    // Sent `retries` times in all (§3.1.6.3).
    assert_eq!(from_sender.len(), h.params.retries as usize);
    assert!(from_sender.iter().all(|d| d.fate == Fate::Dropped));
    assert!(!h.cache(sender).contains(silent_id, &h.ids));
    // Hosts that never flooded it keep it.
    let flooders: Vec<HostIx> = floods_to_silent.iter().map(|d| d.from).collect();
    assert!(cloud.iter().any(|&(m, _)| m != silent
        && !flooders.contains(&m)
        && h.cache(m).contains(silent_id, &h.ids)));
}

/// Address change (§3.2.7.2, §3.1.7.1): a publisher advertises every
/// locally registered PNRP ID — the same IDs — with its new address list,
/// by the registration resolve of §3.2.4.1 (ID + 1, the route entry in
/// every LOOKUP). It registers no new ID.
#[test]
fn address_change_readvertises_the_same_ids() {
    let n = 12;
    let (mut h, cloud) = spread_cloud(n, Knowledge::All);
    let (host, first) = cloud[3];
    let second = h.new_id(host, ring_id(15, 2 * n));
    h.register(host, second);
    h.run_for(SimDuration::from_secs(10));
    let before = h.datagrams().len();
    let ids_before = h.ids.len();
    h.change_address(host);
    h.run_for(SimDuration::from_secs(10));

    assert_eq!(h.ids.len(), ids_before, "no new PNRP ID");
    let mut locals = h.cache(host).locals().to_vec();
    locals.sort_unstable();
    assert_eq!(locals, [first, second]);
    let readvertised: Vec<(U256, Option<IdIx>)> = h.datagrams()[before..]
        .iter()
        .filter(|d| d.from == host && d.ty() == MsgType::Lookup)
        .map(|d| {
            assert_eq!(d.reason(), Reason::Refresh);
            match &d.msg.body {
                Body::Lookup {
                    target, carried, ..
                } => (*target, *carried),
                _ => unreachable!("a LOOKUP"),
            }
        })
        .collect();
    for x in [first, second] {
        assert!(
            readvertised.contains(&(h.ids.id(x).plus_one(), Some(x))),
            "{x:?} not re-advertised"
        );
    }
}

/// Split detection (§3.2.6.2.1, §3.1.4.4.2, §3.2.5.11.1): a resolve of a
/// local ID + 1 whose first LOOKUP goes to a seed host, ending with an
/// INQUIRE to its best match (with the CPA), whose answer is the split
/// test.
#[test]
fn split_detection_ends_with_its_closing_inquire() {
    // Every maintenance timer runs one, and no cache balancing.
    let params = crate::protocol::env::Params {
        split_detection_interval_secs: 1e-9,
        balance_gap_fraction: 1.0,
        ..Default::default()
    };
    let mut h = Harness::with_params(params);
    let n = 12;
    let ids: Vec<U256> = (0..n).map(|i| ring_id(i, n)).collect();
    let cloud = h.cloud(&ids, Knowledge::LeafSets);
    let (prober, local) = cloud[4];
    let seed = cloud[9].0;
    // Settled hosts have no seeds: give the prober one by a join.
    h.join(prober, &[local], &[seed]);
    h.run_for(SimDuration::from_secs(16));

    let split: Vec<&Datagram> = h
        .datagrams()
        .iter()
        .filter(|d| d.reason() == Reason::SplitDetection && d.from == prober)
        .collect();
    let first = split.first().expect("a split detection");
    assert_eq!((first.ty(), first.to), (MsgType::Lookup, seed));
    let inquiry = split
        .iter()
        .find(|d| d.ty() == MsgType::Inquire)
        .expect("the closing INQUIRE");
    // Its best match: the successor of its own ID, the next member.
    let successor = cloud[5];
    assert_eq!(inquiry.to, successor.0);
    assert_eq!(
        inquiry.msg.body,
        Body::Inquire {
            entry: successor.1,
            cpa: true
        }
    );
    assert!(h.sent(MsgType::Authority).any(|a| a.from == successor.0
        && a.to == prober
        && a.msg.txn == inquiry.msg.txn
        && a.delivered()));
}

/// The cloud-size estimate in hosts (§3.2.6.2.1.1) is the estimate in PNRP
/// IDs divided by the host's own number of local IDs (not by a cloud-wide
/// names-per-host figure the host cannot know).
#[test]
fn cloud_size_in_hosts_divides_by_the_hosts_own_ids() {
    let n = 64;
    let (mut h, cloud) = spread_cloud(n, Knowledge::LeafSets);
    let (one, _) = cloud[0];
    let host = h.add_host();
    let mine: Vec<IdIx> = [9, 41, 73]
        .map(|k| h.new_id(host, ring_id(k, 2 * n)))
        .to_vec();
    let known: Vec<IdIx> = cloud.iter().map(|&(_, ix)| ix).collect();
    h.settle(host, &mine, &known);
    // Each of its IDs sits half-way between two members: B − A is one
    // member spacing, so the estimate is 2n IDs for every local ID.
    let regs = h
        .cache(host)
        .estimated_registrations(&h.ids)
        .expect("neighbours");
    assert!((regs / (2.0 * n as f64) - 1.0).abs() < 1e-9, "{regs}");
    let hosts = h.node(host).estimated_hosts(&h.ids).expect("an estimate");
    assert!((hosts - regs / 3.0).abs() < 1e-9, "{hosts}");
    let single = h.node(one).estimated_hosts(&h.ids).expect("an estimate");
    let single_regs = h.cache(one).estimated_registrations(&h.ids).expect("one");
    assert_eq!(single, single_regs);
}

/// The route entry of a LOOKUP (§2.2.2.8, "the best match so far"): only
/// a resolve given an InitialBestMatchRouteEntry carries one — a
/// registration (§3.2.4.1: it "is in each LOOKUP message sent"); an
/// application resolve (§3.1.4.4: InitialBestMatchRouteEntry empty) sends
/// none, as §3.1.4.4.2 builds a LOOKUP from its Validate PNRP ID and
/// Flagged Path only. (The model did this before #19; the test pins the
/// decision.)
#[test]
fn only_registration_lookups_carry_a_route_entry() {
    let (mut h, cloud, joiner, x) = cloud_and_newcomer(16, 5, Knowledge::All);
    h.join(joiner, &[x], &[cloud[0].0, cloud[8].0]);
    h.run_for(SimDuration::from_secs(10));
    h.resolve_name(cloud[2].0, ring_id(11, 16).high());
    h.run_for(SimDuration::from_secs(10));

    let carried = |reason: Reason| -> Vec<Option<IdIx>> {
        h.sent(MsgType::Lookup)
            .filter(|d| d.reason() == reason)
            .map(|d| match &d.msg.body {
                Body::Lookup { carried, .. } => *carried,
                _ => unreachable!("a LOOKUP"),
            })
            .collect()
    };
    let registration = carried(Reason::Registration);
    assert!(!registration.is_empty());
    assert!(registration.iter().all(|&c| c == Some(x)));
    let resolve = carried(Reason::Resolve);
    assert!(!resolve.is_empty());
    assert!(resolve.iter().all(Option::is_none));
}

/// §3.1.4.4: a resolve considers the node's locally registered PNRP IDs
/// only when its caller asks (PickBestMatchFromLocalIds); the model never
/// does. A group member resolving the group's name, which it registers
/// itself ([MS-PPSEC] §1.3), needs another member's address, not its own:
/// the answer is another registrant of the name even when the resolver's
/// own ID is the closest to the target, and with no other registrant left
/// the resolve fails rather than return the resolver.
#[test]
fn a_resolve_of_a_name_the_resolver_registers_finds_another_registrant() {
    let mut h = Harness::default().without_maintenance();
    let [r, other, relay] = [0, 1, 2].map(|_| h.add_host());
    // The target's suffix is 0x8000… (§3.1.4.4): r's own ID is exact.
    let mine = h.new_id(r, U256::from_parts(NAME, 1u128 << 127));
    let theirs = h.new_id(other, U256::from_parts(NAME, 1u128 << 100));
    let relay_id = h.new_id(relay, U256::from_parts(NAME ^ (1 << 120), 0));
    h.settle(r, &[mine], &[relay_id]);
    h.settle(relay, &[relay_id], &[mine, theirs]);
    h.settle(other, &[theirs], &[relay_id]);

    h.resolve_name(r, NAME);
    h.run_for(SimDuration::from_secs(10));
    // The relay, asked by r, never offers r's own ID (the asker's, §4.1.3).
    assert_eq!(answers_from(&h, relay), [Some(theirs)]);
    let outcomes = h.resolved();
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].1.success);
    assert_eq!(outcomes[0].1.peer, Some(other));

    h.crash(other);
    h.resolve_name(r, NAME);
    h.run_for(SimDuration::from_secs(30));
    let outcomes = h.resolved();
    assert_eq!(outcomes.len(), 2);
    assert!(!outcomes[1].1.success, "r alone: no answer, never itself");
}
