//! What graph messages carry, why they are sent, and their wire form.

use super::params::GraphParams;
use super::record::{Kind, Rec};
use super::wire::Message;
use crate::engine::SimTime;
use crate::protocol::id::HostIx;

/// A record's identity and version as synchronisation compares them
/// (RECORD_ABSTRACT, §2.2.1.6, with the modification time the ranges of
/// §3.1.7.31 sort by).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Abstract {
    pub modified: SimTime,
    pub id: u128,
    pub version: u32,
}

/// Which record types a SOLICIT asks for (§2.2.2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    Only(Kind),
    Except(Vec<Kind>),
}

impl Filter {
    pub fn admits(&self, k: Kind) -> bool {
        match self {
            Filter::Only(only) => *only == k,
            Filter::Except(not) => !not.contains(&k),
        }
    }
    fn types(&self) -> u8 {
        match self {
            Filter::Only(_) => 1,
            Filter::Except(not) => not.len() as u8,
        }
    }
}

/// A graph message as the model carries it. Hash ranges carry their
/// abstracts in place of the MD5 of §3.1.7.31 (a responder compares the
/// lists as it would the hashes); the wire form counts 40 bytes a range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphMsg {
    /// AUTH_INFO (§2.2.2.1) with the [MS-PPSEC] Group Connect flights over
    /// TLS: step 1 (initiator) to 4 (responder).
    Auth {
        step: u8,
    },
    Connect {
        update: bool,
        node_id: u64,
    },
    Welcome {
        node_id: u64,
    },
    Refuse {
        code: u8,
        referrals: Vec<HostIx>,
    },
    Disconnect {
        reason: u8,
        referrals: Vec<HostIx>,
    },
    SolicitNew {
        filter: Filter,
    },
    SolicitTime {
        filter: Filter,
        since: SimTime,
    },
    SolicitHash {
        ranges: Vec<Vec<Abstract>>,
    },
    Advertise {
        ranges: Vec<(Abstract, Abstract)>,
        abstracts: Vec<Abstract>,
    },
    Request {
        ids: Vec<u128>,
    },
    Flood {
        record: Rec,
    },
    SyncEnd,
    Ping,
    Ack {
        useful: bool,
    },
}

/// REFUSE codes (§2.2.2.4).
pub const REFUSE_BUSY: u8 = 0x01;
pub const REFUSE_DUPLICATE: u8 = 0x03;
/// DISCONNECT reasons (§2.2.2.5).
pub const DISCONNECT_LEAVING: u8 = 0x01;
pub const DISCONNECT_LEAST_USEFUL: u8 = 0x02;

/// Why graph traffic is sent: the accounting's reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphReason {
    /// TCP set-up and tear-down, authentication, CONNECT/WELCOME/REFUSE/
    /// DISCONNECT, Ping, and the TCP acknowledgements of all graph data.
    Connection,
    /// Signature, contact and graph info records (graph maintenance).
    Maintenance,
    /// Solicits, ADVERTISE, REQUEST, SYNC_END and the records they bring.
    Sync,
    /// Presence records.
    Presence,
    /// Application and [MS-PPSEC] membership records.
    Records,
}

impl GraphReason {
    pub const COUNT: usize = 5;
    pub const ALL: [GraphReason; Self::COUNT] = [
        GraphReason::Connection,
        GraphReason::Maintenance,
        GraphReason::Sync,
        GraphReason::Presence,
        GraphReason::Records,
    ];
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        match self {
            GraphReason::Connection => "connection",
            GraphReason::Maintenance => "maintenance",
            GraphReason::Sync => "sync",
            GraphReason::Presence => "presence",
            GraphReason::Records => "records",
        }
    }
    /// The reason of flooding a record of kind `k` outside synchronisation.
    pub fn of_record(k: Kind) -> GraphReason {
        match k {
            Kind::GraphInfo | Kind::Signature | Kind::Contact => GraphReason::Maintenance,
            Kind::Presence => GraphReason::Presence,
            Kind::Membership | Kind::Application => GraphReason::Records,
        }
    }
}

/// Message type names, by §2.2.1.2 code − 1 (AUTH_INFO … ACK).
pub const TYPE_NAMES: [&str; 14] = [
    "AUTH_INFO",
    "CONNECT",
    "WELCOME",
    "REFUSE",
    "DISCONNECT",
    "SOLICIT_NEW",
    "SOLICIT_TIME",
    "SOLICIT_HASH",
    "ADVERTISE",
    "REQUEST",
    "FLOOD",
    "SYNC_END",
    "PT2PT",
    "ACK",
];

impl GraphMsg {
    /// The §2.2 message it is on the wire.
    pub fn wire(&self, p: &GraphParams) -> Message {
        let n = |v: &Vec<HostIx>| v.len().min(p.referrals) as u8;
        match self {
            GraphMsg::Auth { .. } => Message::AuthInfo {
                graph_id: p.name_chars,
                source_peer_id: p.name_chars,
                destination_peer_id: 0,
            },
            GraphMsg::Connect { update, .. } => Message::Connect {
                update: *update,
                addresses: if *update { p.addresses } else { 0 },
            },
            GraphMsg::Welcome { .. } => Message::Welcome {
                referrals: 0,
                peer_id: p.name_chars,
            },
            GraphMsg::Refuse { code, referrals } => Message::Refuse {
                code: *code,
                referrals: n(referrals),
            },
            GraphMsg::Disconnect { reason, referrals } => Message::Disconnect {
                reason: *reason,
                referrals: n(referrals),
            },
            GraphMsg::SolicitNew { filter } => Message::SolicitNew {
                types: filter.types(),
            },
            GraphMsg::SolicitTime { filter, .. } => Message::SolicitTime {
                types: filter.types(),
            },
            GraphMsg::SolicitHash { ranges } => Message::SolicitHash {
                hashes: ranges.len() as u32,
            },
            GraphMsg::Advertise { ranges, abstracts } => Message::Advertise {
                boundaries: ranges.len() as u32,
                abstracts: abstracts.len() as u32,
            },
            GraphMsg::Request { ids } => Message::Request {
                abstracts: ids.len() as u32,
            },
            GraphMsg::Flood { record } => Message::Flood {
                record: record.wire(p),
            },
            GraphMsg::SyncEnd => Message::SyncEnd,
            GraphMsg::Ping => Message::Ping,
            GraphMsg::Ack { .. } => Message::Ack { acks: 1 },
        }
    }

    /// Bytes on the TCP stream. After authentication [MS-PPSEC] encrypts
    /// every message (§3.1.7.1) into one TLS record, which graphing then
    /// frames (§2.2.1.1). Authentication steps are the TLS handshake
    /// flights, step 1 also carrying AUTH_INFO in the clear (§2.2.2.1).
    pub fn stream_len(&self, p: &GraphParams) -> usize {
        match self {
            GraphMsg::Auth { step } => {
                let flight = p.auth_flights[usize::from(*step.clamp(&1, &4) - 1)] as usize;
                let clear = Message::framed_len(self.wire(p).buffer_len());
                flight + if *step == 1 { clear } else { 0 }
            }
            _ => Message::framed_len(tls_record_len(self.wire(p).buffer_len())),
        }
    }

    /// The §2.2.1.2 type code.
    pub fn type_code(&self, p: &GraphParams) -> u8 {
        self.wire(p).msg_type()
    }
}

/// A TLS 1.1 record of `plain` bytes under **[ours]** cipher suite
/// TLS_RSA_WITH_AES_128_CBC_SHA (RFC 4346): header 5, explicit IV 16, the
/// data with its 20-byte HMAC-SHA1 and at least one padding byte, padded
/// to the 16-byte block.
pub fn tls_record_len(plain: usize) -> usize {
    5 + 16 + (plain + 20 + 1).div_ceil(16) * 16
}
