//! Records of the shared database (§1.3.5, §2.2.1.9, §2.2.3) as the node
//! keeps them, their conflict resolution (§3.1.7.32) and their encoding.

use super::params::GraphParams;
use super::wire::{Payload, Record};
use crate::engine::SimTime;
use crate::protocol::id::HostIx;

/// The fixed Record ID of the Signature Record (§2.2.3.2).
pub const SIGNATURE_ID: u128 = 0x4c51_5c94_4252_494f_8440_34cc_7976_9c81;
/// The fixed Record ID of the Graph Info Record (§2.2.3.1).
pub const GRAPH_INFO_ID: u128 = 0x6c79_6768_7732_406b_bc6e_5e9c_0d86_4580;

/// Record types: the four internal ones of §2.2.3, the [MS-PPSEC]
/// membership record, and the application's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    GraphInfo,
    Signature,
    Contact,
    Presence,
    Membership,
    Application,
}

/// One record: what the protocol reads of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rec {
    pub id: u128,
    pub kind: Kind,
    pub version: u32,
    /// Host of the creator (its Peer ID and, for presence and contact
    /// records, its addresses).
    pub creator: HostIx,
    /// Node ID in a presence or contact record; the signature in a
    /// signature record.
    pub node_id: u64,
    /// Graph signature a contact record reports (§2.2.3.3).
    pub signature: u64,
    pub modified: SimTime,
    pub expires: SimTime,
    pub deleted: bool,
    pub autorefresh: bool,
    /// Last Modified By ID is present (the record was updated).
    pub updated: bool,
}

/// How a received record compares with the local copy (§3.1.5.2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    New,
    Present,
    Old,
}

impl Rec {
    /// §3.1.7.32, on what the model carries (versions, update flag,
    /// modification time).
    pub fn classify(&self, local: Option<&Rec>) -> Class {
        let Some(l) = local else { return Class::New };
        let key = |r: &Rec| (r.version, r.updated, r.modified);
        match key(self).cmp(&key(l)) {
            std::cmp::Ordering::Greater => Class::New,
            std::cmp::Ordering::Equal => Class::Present,
            std::cmp::Ordering::Less => Class::Old,
        }
    }

    /// The update of §3.1.7.8: same ID, version + 1, Last Modified By set.
    pub fn updated_at(&self, now: SimTime, expires: SimTime) -> Rec {
        Rec {
            version: self.version + 1,
            updated: true,
            modified: now,
            expires: expires.max(self.expires),
            ..*self
        }
    }

    /// The PEER_RECORD it travels as.
    pub fn wire(&self, p: &GraphParams) -> Record {
        let payload = match self.kind {
            Kind::GraphInfo => Payload::GraphInfo {
                graph_id_chars: p.name_chars,
                creator_chars: p.name_chars,
            },
            Kind::Signature => Payload::Signature,
            Kind::Contact => Payload::Contact {
                addresses: u32::from(p.addresses),
            },
            Kind::Presence => Payload::Presence {
                attribute_chars: 0,
                addresses: u32::from(p.addresses),
            },
            Kind::Membership => Payload::Opaque {
                bytes: p.membership_bytes,
            },
            Kind::Application => Payload::Opaque {
                bytes: p.record_bytes,
            },
        };
        Record {
            payload,
            deleted: self.deleted,
            creator_chars: p.name_chars,
            modified_by_chars: if self.updated { p.name_chars } else { 0 },
            security_data: p.security_data,
            graph_id_chars: p.name_chars,
            attribute_chars: 0,
        }
    }
}
