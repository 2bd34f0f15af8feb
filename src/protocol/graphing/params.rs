//! Graph and group parameters: the values [MS-PPGRH] fixes, and the
//! **[ours]** choices where it leaves them open (each with its reason;
//! docs/model.md lists them).

use crate::engine::SimDuration;

/// Parameters of one group's graph.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphParams {
    /// Minimum, Ideal and Maximum Neighbors (§3.1.1 defaults 2, 3, 7).
    pub min_neighbors: usize,
    pub ideal_neighbors: usize,
    pub max_neighbors: usize,
    /// Referrals in a REFUSE or DISCONNECT (§3.1.5.2.1, §3.1.7.25: 10).
    pub referrals: usize,
    /// Presence Lifetime of the Graph Info Record (§2.2.3.1: 0 means the
    /// default 300 s, else at least 300 s).
    pub presence_lifetime: SimDuration,
    /// Max Presence Records (§2.2.3.1); `u32::MAX` (0xFFFFFFFF) publishes
    /// presence for every node. **[ours]** default: every node, since a
    /// person's few computers all want to see one another.
    pub max_presence_records: u32,
    /// **[ours]** Cmin of contact maintenance (§3.1.7.12): the formula is an
    /// image the published text lacks; one contact suits a graph of at
    /// most a few tens of nodes. Cmax is Cmin + 5 (§3.1.7.12).
    pub contacts_min: usize,
    /// **[ours]** application records each member publishes (default 1: a
    /// status record of the person's computer).
    pub records_per_member: u32,
    /// **[ours]** payload bytes of an application record (default 200).
    pub record_bytes: u32,
    /// **[ours]** how often a member updates its application records; they
    /// live twice as long, so that one lost update does not expire them.
    pub record_refresh: SimDuration,
    /// Characters of a Peer ID and of the graph ID, terminating null
    /// included: [MS-PPSEC] makes both peer names, 40 hex digits of the
    /// authority, a dot and a classifier. **[ours]** default 49 (a 7-letter
    /// classifier).
    pub name_chars: u32,
    /// IPv6 addresses a node listens on (PEER_ADDRESSes of its presence
    /// and contact records, addresses of its CONNECT).
    pub addresses: u8,
    /// [MS-PPSEC] Security Data of every record: **[ours]** 128 bytes, one
    /// 1024-bit RSA signature by the publishing member's key (§1.3.4.2).
    pub security_data: u32,
    /// [MS-PPSEC] membership record payload: **[ours]** 1,200 bytes, a
    /// GMC chain of two certificates (group root and member).
    pub membership_bytes: u32,
    /// [MS-PPSEC] Group Connect over TLS, bytes of the four flights of one
    /// connection's authentication (initiator, responder, initiator,
    /// responder), AUTH_INFO excluded. **[ours]** default 120, 1,400,
    /// 1,700, 60: ClientHello; ServerHello, IDC certificate and request;
    /// certificate, key exchange, verify, Finished and the GMC chain;
    /// Finished and the Group Connect answer. Not derived from [MS-PPSEC]
    /// §2.2, which the model does not encode.
    pub auth_flights: [u32; 4],
}

impl Default for GraphParams {
    fn default() -> Self {
        GraphParams {
            min_neighbors: 2,
            ideal_neighbors: 3,
            max_neighbors: 7,
            referrals: 10,
            presence_lifetime: SimDuration::from_secs(300),
            max_presence_records: u32::MAX,
            contacts_min: 1,
            records_per_member: 1,
            record_bytes: 200,
            record_refresh: SimDuration::from_secs(1800),
            name_chars: 49,
            addresses: 1,
            security_data: 128,
            membership_bytes: 1200,
            auth_flights: [120, 1400, 1700, 60],
        }
    }
}

/// Connect Timer (§3.1.2): 60 s.
pub const CONNECT_TIMEOUT: SimDuration = SimDuration::from_secs(60);
/// Graph Maintenance Timer (§3.1.2, §3.1.6.6): 300 s with neighbours.
pub const MAINTENANCE_CONNECTED: SimDuration = SimDuration::from_secs(300);
/// … and 30 s without.
pub const MAINTENANCE_ALONE: SimDuration = SimDuration::from_secs(30);
/// Contact record lifetime (§3.1.7.5): 900 s.
pub const CONTACT_LIFETIME: SimDuration = SimDuration::from_secs(900);
/// Signature and Graph Info record lifetime (§3.1.7.6, §3.1.7.7): 300 s.
pub const SIGNATURE_LIFETIME: SimDuration = SimDuration::from_secs(300);
/// Autorefresh scans for records expiring within 20 s (§3.1.7.22).
pub const AUTOREFRESH_AHEAD: SimDuration = SimDuration::from_secs(20);
/// The Autorefresh Timer is never set below 4 s (§3.1.7.3).
pub const AUTOREFRESH_MIN: SimDuration = SimDuration::from_secs(4);
/// Record Expiration Timer bounds (§3.1.6.7): 15 s to 24 h.
pub const EXPIRATION_MIN: SimDuration = SimDuration::from_secs(15);
pub const EXPIRATION_MAX: SimDuration = SimDuration::from_secs(24 * 3600);
/// Records per hash range of a Hash-based Sync (§3.1.7.31).
pub const HASH_RANGE: usize = 10;
