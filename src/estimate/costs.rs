//! Bytes of one run of each PNRP procedure, whole cloud, from the message
//! counts the procedure implies (model doc §4) and the sizes in [`Wire`].
//!
//! Notation: h = answered LOOKUP hops of a resolve (see [`super::paths`]),
//! ℓ = leaf-set members per side, s = the chance that an entry a hop uses
//! belongs to a departed owner ([`super::population`]).

use super::wire::Wire;

/// Of a registration resolve's LOOKUP recipients, those inside the new
/// ID's leaf-set range: the successor that ends the resolve, and about
/// half of the time the host that named it. They validate X with the CPA
/// and start its flood cascade (§4.4's "first wave").
pub const FIRST_ADDERS: f64 = 1.5;

pub struct Costs {
    pub wire: Wire,
    /// Sends of a request that is never answered (the Retry Count).
    pub sends_unanswered: f64,
    /// ℓ.
    pub leaf: f64,
    pub flood_list_max: f64,
    /// s (hop staleness) and the chance a seed host has left.
    pub stale_hop: f64,
    pub stale_host: f64,
}

impl Costs {
    /// h answered hops. Each hop first meets s/(1 − s) stale entries on
    /// average (geometric), each costing `1 + retries` unanswered LOOKUPs;
    /// every host asked joins the flagged path, so the mean path of the
    /// LOOKUPs is (asked − 1)/2.
    fn walk(&self, hops: f64, carried: bool) -> f64 {
        let s = self.stale_hop.min(0.9);
        let failed = hops * s / (1.0 - s);
        let lookups = hops + failed * self.sends_unanswered;
        let path = (hops + failed - 1.0).max(0.0) / 2.0;
        lookups * self.wire.lookup(carried, path) + hops * self.wire.authority(false, false)
    }

    /// An application resolve: h hops, then INQUIRE → AUTHORITY with the
    /// CPA and extended payload (fragmented above the fragment size).
    pub fn app_resolve(&self, hops: f64) -> f64 {
        self.walk(hops, false) + self.wire.inquire(true) + self.wire.authority(true, true)
    }

    /// The ID + 1 resolve of a new ID X carrying its route entry: every
    /// answered LOOKUP recipient validates X with INQUIRE → AUTHORITY, with
    /// the CPA for the [`FIRST_ADDERS`] inside X's leaf-set range. (Taking
    /// every recipient is an upper bound: a recipient whose cache band is
    /// full and well spread does not ask.)
    pub fn registration(&self, hops: f64) -> f64 {
        let in_range = FIRST_ADDERS.min(hops);
        self.walk(hops, true)
            + (hops - in_range) * (self.wire.inquire(false) + self.wire.authority(false, false))
            + in_range * (self.wire.inquire(true) + self.wire.authority(true, false))
    }

    /// An acknowledged FLOOD of `bytes` to a leaf-set member, which has
    /// left with probability s: then it is sent `1 + retries` times and
    /// never acknowledged.
    fn leaf_flood(&self, bytes: f64) -> f64 {
        let s = self.stale_hop;
        bytes * (1.0 + s * (self.sends_unanswered - 1.0)) + (1.0 - s) * self.wire.ack()
    }

    /// An acknowledged FLOOD to a host known to be online.
    fn live_flood(&self, bytes: f64) -> f64 {
        bytes + self.wire.ack()
    }

    /// The leaf-set flood cascade of a new ID X (§4.4) and its flood-backs.
    ///
    /// - Adders: the A = 2ℓ·(1 − s) live hosts that take X into a leaf set
    ///   (dead entries take the other places).
    ///   The [`FIRST_ADDERS`] learnt it from the registration LOOKUP; the
    ///   other A − 1.5 validate it now (INQUIRE → AUTHORITY with CPA).
    /// - Cascade FLOODs of X: every adder floods outward once; a first
    ///   adder also floods inward, and the two hosts it reaches flood once
    ///   more, across X (its inward neighbours are on the already-flooded
    ///   list of every later adder): A + 3 × 1.5, as in §4.4, where one
    ///   first adder gives 2, 4, 2, 2, 2, 1 FLOODs in its six waves. Their
    ///   list grows by two hosts per wave over ℓ + 1 waves: ℓ + 3 entries
    ///   on average.
    /// - Each adder that learnt X from a FLOOD (not the 1.5 first adders,
    ///   which learnt it from a LOOKUP) floods its own entry back to X's
    ///   owner (list of 1, §3.2.5.11 with `pnrp.flood_back = "owner"`).
    ///   The owner already knows the 1.5 + 2 entries its resolve met near
    ///   X (the first adders, the successor, and the entry the hop before
    ///   named: it validates every answering hop and every entry an answer
    ///   names, §3.1.5.6.1); it validates the other A − 3.5 (INQUIRE →
    ///   AUTHORITY with CPA)
    ///   and, having added a leaf-set member, floods it on to its two
    ///   nearest neighbours (list of 4); a flood-back comes from its
    ///   owner, so it floods nothing back.
    /// - Every FLOOD is acknowledged; those to leaf-set members may meet a
    ///   departed host ([`Costs::leaf_flood`]).
    pub fn flood_cascade(&self) -> f64 {
        let w = &self.wire;
        let adders = 2.0 * self.leaf * (1.0 - self.stale_hop);
        let cascade = adders + 3.0 * FIRST_ADDERS;
        let list = (self.leaf + 3.0).min(self.flood_list_max);
        let unknown = (adders - FIRST_ADDERS - 2.0).max(0.0);
        let checks = (adders - FIRST_ADDERS).max(0.0) + unknown;
        cascade * self.leaf_flood(w.flood(list))
            + (adders - FIRST_ADDERS).max(0.0) * self.live_flood(w.flood(1.0))
            + unknown * 2.0 * self.leaf_flood(w.flood(4.0))
            + checks * (w.inquire(true) + w.authority(true, false))
    }

    /// A refresh: the owner's own leaf set holds X's successor, which ends
    /// the resolve in one hop; the recipients already hold X.
    pub fn refresh(&self) -> f64 {
        self.walk(1.0, true)
    }

    /// Split detection: a LOOKUP to a seed host (gone with probability
    /// `stale_host`, then sent `retries` times unanswered), then one to
    /// the resolver's own successor, which answers with itself; then the
    /// closing INQUIRE to it, answered with the CPA (§3.1.4.4.2,
    /// §3.2.5.11.1).
    pub fn split_detection(&self) -> f64 {
        let w = &self.wire;
        let (first, second) = (w.lookup(false, 0.0), w.lookup(false, 1.0));
        let answer = w.authority(false, false);
        let s = self.stale_hop.min(0.9);
        let seed = (1.0 - self.stale_host) * (first + answer)
            + self.stale_host * self.sends_unanswered * first;
        let own = second + answer + s / (1.0 - s) * self.sends_unanswered * second;
        seed + own + w.inquire(true) + w.authority(true, false)
    }

    /// A cache-balancing resolve of a hole's midpoint, without the final
    /// CPA fetch: h hops bring it, like an application resolve, to the
    /// hosts around the hole; as no ID matches the midpoint it goes on
    /// until no answer improves on its best, one more answered hop (the
    /// host on the hole's other side). Every answer but that last one
    /// points to an entry closer to the midpoint, inside the hole, which the
    /// resolver does not hold and validates before caching it (INQUIRE →
    /// AUTHORITY, §3.1.5.6.1, §3.1.5.11; gone with probability s, then sent
    /// `retries` times unanswered).
    pub fn balancing(&self, hops: f64) -> f64 {
        let w = &self.wire;
        let s = self.stale_hop.min(0.9);
        let check = (1.0 - s) * (w.inquire(false) + w.authority(false, false))
            + s * self.sends_unanswered * w.inquire(false);
        self.walk(hops + 1.0, false) + hops * check
    }

    /// Synchronisation with `peers` hosts: SOLICIT → ADVERTISE (n IDs) →
    /// REQUEST (n IDs) → ACK, then n FLOODs with the D flag (no ACK). Every
    /// route entry learnt is validated, INQUIRE → AUTHORITY (§3.1.5.5,
    /// §3.1.5.11):
    /// - the SOLICIT's by each peer (§3.2.5.3) when the host publishes,
    ///   without the CPA (an upper bound: a peer whose band is full does
    ///   not ask);
    /// - each FLOOD's by the host. A publisher asks for the CPA of every
    ///   one of them: the FLOODs of all peers arrive within a round trip,
    ///   before the first validation is answered, so each is checked
    ///   against leaf sets that are still empty and falls in their range
    ///   (§3.2.5.11); [`Costs::join_leaf_additions`] counts which of them
    ///   stay there. The advertised IDs come from the peers' upper cache
    ///   levels, which only a failed request cleans (revokes reach leaf
    ///   sets only), so each is gone with the chance `stale_host` that a
    ///   host known since the holder joined has left; its INQUIRE is then
    ///   sent `retries` times, unanswered.
    pub fn join(&self, peers: f64, n: usize, publishes: bool) -> f64 {
        let w = &self.wire;
        let check = w.inquire(false) + w.authority(false, false);
        let solicit_check = if publishes { check } else { 0.0 };
        let gone = self.stale_host.min(1.0);
        let learnt = (1.0 - gone) * (w.inquire(publishes) + w.authority(publishes, false))
            + gone * self.sends_unanswered * w.inquire(publishes);
        peers
            * (w.solicit(publishes)
                + w.advertise(n)
                + w.request(n)
                + w.ack()
                + n as f64 * w.flood(0.0)
                + solicit_check
                + n as f64 * learnt)
    }

    /// The leaf-set FLOODs a joining publisher's synchronisation starts
    /// (counted as flood). Its cache starts empty, so many of the E =
    /// peers·n entries it learns enter its leaf sets as their validations
    /// are answered: in random order, the i-th is among the 2ℓ nearest so
    /// far with probability min(1, 2ℓ/i), about 2ℓ(1 + ln(E/2ℓ)) additions
    /// in all. Each addition is flooded on to two neighbours (list of 2)
    /// and, since the entry came in a FLOOD from a peer, not from its
    /// owner, the host's own entry is flooded back (§3.2.5.11, list of 1)
    /// to a host just validated, which acknowledges it. (The CPA of these
    /// validations is counted in [`Costs::join`].)
    pub fn join_leaf_additions(&self, peers: f64, n: usize, publishes: bool) -> f64 {
        let w = &self.wire;
        let places = 2.0 * self.leaf;
        let learnt = peers * n as f64;
        let additions = if !publishes || learnt <= 0.0 {
            0.0
        } else if learnt <= places {
            learnt
        } else {
            places * (1.0 + (learnt / places).ln())
        };
        additions * (2.0 * self.leaf_flood(w.flood(2.0)) + self.live_flood(w.flood(1.0)))
    }

    /// A clean unregistration of one ID X (§4.3):
    /// - 2 revoke FLOODs to X's nearest neighbours, which forward it outward
    ///   through their leaf sets; the outermost (ℓ-th) member has already
    ///   dropped X on the replacement FLOOD below, so each side forwards
    ///   ℓ − 1 times, the list growing from 3 to ℓ + 1 entries (a member
    ///   that has left, probability s, ends its side early);
    /// - 2 replacement FLOODs telling the ℓ-th member on each side which ID
    ///   takes X's place; each such member validates the replacement
    ///   (INQUIRE → AUTHORITY with CPA; an upper bound, as it may already
    ///   hold it) and floods it on (two FLOODs, list of 4) and back (list
    ///   of 1);
    /// - an ACK for every FLOOD that reaches an online host. The leaving
    ///   host sends its four FLOODs once, without waiting for ACKs.
    pub fn unregistration(&self) -> f64 {
        let w = &self.wire;
        let live = 1.0 - self.stale_hop;
        let once = |bytes: f64| bytes + live * w.ack();
        let forwards: f64 = (1..self.leaf as usize)
            .map(|i| live.powi(i as i32) * self.leaf_flood(w.revoke(i + 2)))
            .sum();
        let learn = w.inquire(true)
            + w.authority(true, false)
            + 2.0 * self.leaf_flood(w.flood(4.0))
            + self.live_flood(w.flood(1.0));
        2.0 * (once(w.revoke(1)) + forwards + once(w.flood(1.0)) + live * learn)
    }
}
