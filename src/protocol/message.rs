//! PNRP v4 messages and their sizes on the wire.
//!
//! A message's size on the wire is the length of its encoding
//! ([`Message::wire`], [`super::wire`]); the IPv6/UDP (and Teredo)
//! overhead is added by the network layer.

use super::U256;
use super::id::{HostIx, IdIx};
use super::wire::{
    Authority, AuthorityBuffer, Classifier, Cpa, ExtendedPayload, Id, Repr, RouteEntry,
};

/// The eight message types of PNRP v4. Revoke floods are FLOODs, but are
/// counted apart because their size differs by a factor of four.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MsgType {
    Solicit,
    Advertise,
    Request,
    Flood,
    FloodRevoke,
    Ack,
    Lookup,
    Authority,
    Inquire,
    /// Not PNRP: the application's own query to the host whose name it
    /// resolved (a design that publishes one name per service and asks the
    /// service for its items pays this instead of more names).
    AppData,
}

impl MsgType {
    pub const ALL: [MsgType; 10] = [
        MsgType::Solicit,
        MsgType::Advertise,
        MsgType::Request,
        MsgType::Flood,
        MsgType::FloodRevoke,
        MsgType::Ack,
        MsgType::Lookup,
        MsgType::Authority,
        MsgType::Inquire,
        MsgType::AppData,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            MsgType::Solicit => "SOLICIT",
            MsgType::Advertise => "ADVERTISE",
            MsgType::Request => "REQUEST",
            MsgType::Flood => "FLOOD",
            MsgType::FloodRevoke => "FLOOD_REVOKE",
            MsgType::Ack => "ACK",
            MsgType::Lookup => "LOOKUP",
            MsgType::Authority => "AUTHORITY",
            MsgType::Inquire => "INQUIRE",
            MsgType::AppData => "APP_DATA",
        }
    }
}

/// Why a message was sent: the activity whose cost it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// Cache synchronisation when a host joins (SOLICIT … FLOOD) and the
    /// validation of what it learns.
    Join,
    /// First registration of a name: the ID+1 resolve and its INQUIREs.
    Registration,
    /// Leaf-set flood cascades and flood-backs caused by new IDs.
    Flood,
    /// Periodic re-registration of names (and re-registration after an
    /// address change).
    Refresh,
    /// Application resolves of peer names.
    Resolve,
    /// Cache balancing lookups from the maintenance timer.
    Maintenance,
    /// Split-detection resolves from the maintenance timer.
    SplitDetection,
    /// Revoke floods of names that are unregistered cleanly.
    Unregistration,
    /// The application's query to a resolved host (`workload.app_query_*`).
    AppQuery,
}

impl Reason {
    pub const ALL: [Reason; 9] = [
        Reason::Join,
        Reason::Registration,
        Reason::Flood,
        Reason::Refresh,
        Reason::Resolve,
        Reason::Maintenance,
        Reason::SplitDetection,
        Reason::Unregistration,
        Reason::AppQuery,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Reason::Join => "join",
            Reason::Registration => "registration",
            Reason::Flood => "flood",
            Reason::Refresh => "refresh",
            Reason::Resolve => "resolve",
            Reason::Maintenance => "maintenance",
            Reason::SplitDetection => "split_detection",
            Reason::Unregistration => "unregistration",
            Reason::AppQuery => "app_query",
        }
    }
}

/// Up to five IDs, inline (ADVERTISE and REQUEST lists), so that messages
/// need no heap allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdList {
    len: u8,
    ids: [IdIx; Self::CAPACITY],
}

impl IdList {
    pub const CAPACITY: usize = 5;

    pub fn push(&mut self, ix: IdIx) -> bool {
        if (self.len as usize) < Self::CAPACITY {
            self.ids[self.len as usize] = ix;
            self.len += 1;
            true
        } else {
            false
        }
    }
    pub fn as_slice(&self) -> &[IdIx] {
        &self.ids[..self.len as usize]
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for IdIx {
    fn default() -> Self {
        IdIx(u32::MAX)
    }
}

/// The body of a PNRP message. IDs travel as [`IdIx`] handles; the wire size
/// is computed from what the real message would carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// Asks a peer to advertise some of its cache; `carried` is the
    /// sender's route entry (one of its local IDs), which the recipient
    /// validates (§3.2.5.3).
    Solicit {
        carried: Option<IdIx>,
    },
    Advertise {
        ids: IdList,
    },
    Request {
        ids: IdList,
    },
    /// Carries a route entry. `ack` is the inverse of the D flag: floods that
    /// answer a REQUEST are sent with D set and are not acknowledged.
    /// `flooded` is the "already flooded" address list of a cascade.
    /// `replaces` is set on the two floods of a departing host that tell the
    /// outermost leaf-set members which ID takes the departing one's place
    /// (§4.3: "where the Node 6 PNRP ID used to reside").
    /// `validate` is the recipient's ID the sender knows it by (the
    /// Validate PNRP ID; `None` sends zero): the recipient answers with the
    /// N flag when it is not one of its own (§3.2.5.5).
    Flood {
        entry: IdIx,
        ack: bool,
        flooded: Box<[HostIx]>,
        replaces: Option<IdIx>,
        validate: Option<IdIx>,
    },
    /// A revoke CPA for `entry`, forwarded outward along the leaf sets.
    FloodRevoke {
        entry: IdIx,
        flooded: Box<[HostIx]>,
        validate: Option<IdIx>,
    },
    /// Acknowledges a REQUEST or FLOOD; `not_found` is the N flag (the
    /// FLOOD's Validate PNRP ID is not registered here, §3.2.5.5).
    Ack {
        not_found: bool,
    },
    /// One step of an iterative resolve. `carried` is the route entry of a
    /// registering ID; `validate` the recipient's ID the resolver reached it
    /// by (`None` for a seed server); `path` lists the hosts the resolve
    /// has visited (the flagged path), which the recipient must not return.
    Lookup {
        target: U256,
        carried: Option<IdIx>,
        validate: Option<IdIx>,
        path: Box<[HostIx]>,
    },
    /// The answer to a LOOKUP (a closer route entry, or the responder's own
    /// ID) or to an INQUIRE (`cpa` set when the CPA was asked for).
    /// `not_found` is the N flag: the Validate PNRP ID of the request is not
    /// registered on the responder (§3.2.5.2, §3.2.5.6).
    Authority {
        next: Option<IdIx>,
        cpa: bool,
        extended: u32,
        not_found: bool,
    },
    /// Return-routability check of `entry`; `cpa` asks for the CPA too.
    Inquire {
        entry: IdIx,
        cpa: bool,
    },
}

/// A message with its accounting tag and transaction number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub body: Body,
    pub reason: Reason,
    /// Matches a reply to the sender's pending request (0 = none expected).
    pub txn: u32,
}

/// What the encoding of a message depends on besides the message itself:
/// scenario parameters that size route entries, CPAs and AUTHORITY
/// fragments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireSizes {
    /// IPv6 addresses in every route entry and CPA (`hosts.addresses`).
    pub addresses: u8,
    /// Secure names carry the BinaryAuthority in their CPA.
    pub secured: bool,
    /// IPV6_APP_ENDPOINTs in every CPA (0–10).
    pub app_endpoints: u8,
    /// Extended payload bytes of every name (0 = none, at most 4096).
    pub extended_payload: u32,
    /// AUTHORITY_BUFFER bytes per AUTHORITY message.
    pub fragment: usize,
}

/// UTF-16 characters of the classifier an AUTHORITY carries when it
/// answers an application resolve: the classifier part of a peer name
/// ("0.photos-of-alice") — **[ours]**, a short descriptive name; the
/// scenario has no peer names, only their hashes.
pub const CLASSIFIER_CHARS: u16 = 16;

impl Message {
    pub fn new(body: Body, reason: Reason, txn: u32) -> Self {
        Message { body, reason, txn }
    }

    pub fn msg_type(&self) -> MsgType {
        match self.body {
            Body::Solicit { .. } => MsgType::Solicit,
            Body::Advertise { .. } => MsgType::Advertise,
            Body::Request { .. } => MsgType::Request,
            Body::Flood { .. } => MsgType::Flood,
            Body::FloodRevoke { .. } => MsgType::FloodRevoke,
            Body::Ack { .. } => MsgType::Ack,
            Body::Lookup { .. } => MsgType::Lookup,
            Body::Authority { .. } => MsgType::Authority,
            Body::Inquire { .. } => MsgType::Inquire,
        }
    }

    /// Whether this message answers a request of the recipient. A stateful
    /// firewall lets replies in and drops everything else.
    pub fn is_reply(&self) -> bool {
        matches!(
            self.body,
            Body::Advertise { .. } | Body::Ack { .. } | Body::Authority { .. }
        ) || matches!(self.body, Body::Flood { ack: false, .. })
    }

    /// The message as it goes on the wire from `from` to `to`. The
    /// simulator charges its length; captures emit its bytes.
    pub fn wire(&self, from: HostIx, to: HostIx, sizes: &WireSizes) -> Repr<'_> {
        let route_entry = |ix: IdIx| RouteEntry {
            id: Id::Of(ix),
            addresses: sizes.addresses,
        };
        let cpa = |id: IdIx, revoke: bool| Cpa {
            id,
            secured: sizes.secured,
            revoke,
            addresses: sizes.addresses,
            app_endpoints: sizes.app_endpoints,
            extended: !revoke && sizes.extended_payload > 0,
        };
        let message_id = self.txn;
        let app = self.reason == Reason::Resolve;
        match &self.body {
            Body::Solicit { carried } => Repr::Solicit {
                message_id,
                route_entry: carried.map(route_entry),
            },
            Body::Advertise { ids } => Repr::Advertise {
                message_id,
                acked: message_id,
                ids: ids.as_slice(),
            },
            Body::Request { ids } => Repr::Request {
                message_id,
                ids: ids.as_slice(),
            },
            Body::Flood {
                entry,
                ack,
                flooded,
                ..
            } => Repr::Flood {
                message_id,
                no_ack: !ack,
                validate: Id::Host(to),
                revoke: None,
                route_entry: Some(route_entry(*entry)),
                flooded,
            },
            Body::FloodRevoke { entry, flooded, .. } => Repr::Flood {
                message_id,
                no_ack: false,
                validate: Id::Host(to),
                revoke: Some(cpa(*entry, true)),
                route_entry: None,
                flooded,
            },
            Body::Ack { not_found } => Repr::Ack {
                message_id,
                acked: message_id,
                not_found: *not_found,
            },
            Body::Lookup {
                target,
                carried,
                path,
                ..
            } => Repr::Lookup {
                message_id,
                reason_code: match self.reason {
                    Reason::Registration | Reason::Refresh => 1,
                    Reason::Maintenance => 2,
                    Reason::SplitDetection => 3,
                    _ => 0,
                },
                target: Id::Value(*target),
                validate: Id::Host(to),
                route_entry: carried.map(route_entry),
                sender: from,
                path,
            },
            Body::Authority {
                next,
                cpa: with_cpa,
                extended,
                not_found,
            } => {
                let owned = next.filter(|_| *with_cpa);
                Repr::Authority(Authority {
                    message_id,
                    acked: message_id,
                    buffer: AuthorityBuffer {
                        not_found: *not_found,
                        classifier: (app && owned.is_some()).then_some(Classifier {
                            chars: CLASSIFIER_CHARS,
                        }),
                        extended: owned.filter(|_| *extended > 0).map(|id| ExtendedPayload {
                            id,
                            payload: *extended as u16,
                        }),
                        route_entry: next.map(route_entry),
                        cpa: owned.map(|id| cpa(id, false)),
                    },
                    fragment: sizes.fragment,
                })
            }
            Body::Inquire { entry, cpa } => Repr::Inquire {
                message_id,
                cpa: *cpa,
                extended: *cpa && app && sizes.extended_payload > 0,
                validate: Id::Of(*entry),
            },
        }
    }

    /// Datagrams and PNRP bytes of the message on the wire.
    pub fn wire_size(&self, from: HostIx, to: HostIx, sizes: &WireSizes) -> (u32, u32) {
        let repr = self.wire(from, to, sizes);
        (repr.datagrams() as u32, repr.buffer_len() as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZES: WireSizes = WireSizes {
        addresses: 1,
        secured: true,
        app_endpoints: 1,
        extended_payload: 0,
        fragment: 1188,
    };

    fn size(body: Body, reason: Reason, sizes: &WireSizes) -> (u32, u32) {
        Message::new(body, reason, 7).wire_size(HostIx(1), HostIx(2), sizes)
    }

    fn one(body: Body) -> u32 {
        let (datagrams, bytes) = size(body, Reason::Join, &SIZES);
        assert_eq!(datagrams, 1);
        bytes
    }

    fn list(n: usize) -> Box<[HostIx]> {
        vec![HostIx(3); n].into()
    }

    /// The deviations of the old size table that issue #13 lists, each
    /// with the §2.2 arithmetic that settles it.
    #[test]
    fn messages_are_charged_what_section_2_2_encodes() {
        let lookup = |carried, path: usize| Body::Lookup {
            target: U256::ZERO,
            carried,
            validate: None,
            path: list(path),
        };
        // Header 12 + LOOKUP_CONTROLS 12 + TARGET 36 + VALIDATE 36 +
        // IPV6_ENDPOINT_ARRAY 12 + 18 per entry, the resolver's own first.
        assert_eq!(one(lookup(None, 0)), 108 + 18);
        assert_eq!(one(lookup(None, 2)), 108 + 18 * 3);
        // + ROUTING_ENTRY pad4(4 + 38 + 16) = 60.
        assert_eq!(one(lookup(Some(IdIx(1)), 2)), 168 + 18 * 3);
        // INQUIRE: 12 + FLAGS 8 + VALIDATE 36, + NONCE 20 with the A flag.
        let inquire = |cpa| Body::Inquire {
            entry: IdIx(1),
            cpa,
        };
        assert_eq!(one(inquire(false)), 56);
        assert_eq!(one(inquire(true)), 76);
        // Revoke FLOOD: 12 + FLOOD_CONTROLS 8 + VALIDATE 36 + REVOKE_CPA
        // pad4(4 + 419) + 12 + 18f. The revoke CPA has no payload.
        let revoke = Body::FloodRevoke {
            entry: IdIx(0),
            flooded: list(3),
            validate: None,
        };
        assert_eq!(one(revoke), 492 + 54);
        // FLOOD: 12 + 8 + 36 + ROUTING_ENTRY 60 + 12 + 18f.
        let flood = Body::Flood {
            entry: IdIx(0),
            ack: true,
            flooded: list(3),
            replaces: None,
            validate: None,
        };
        assert_eq!(one(flood), 128 + 54);
        // AUTHORITY: header 12 + ACKED 8 + SPLIT_CONTROLS 8, then the
        // buffer: FLAGS 8 + ROUTING_ENTRY 60 + VALIDATE_CPA 4 + CPA (419 +
        // 26 for one application endpoint), + CLASSIFIER 12 + 2c when it
        // answers an application resolve.
        let auth = |cpa| Body::Authority {
            next: Some(IdIx(1)),
            cpa,
            extended: 0,
            not_found: false,
        };
        assert_eq!(one(auth(false)), 28 + 8 + 60);
        assert_eq!(one(auth(true)), 28 + 8 + 60 + 4 + 445);
        assert_eq!(
            size(auth(true), Reason::Resolve, &SIZES),
            (1, 28 + 8 + 44 + 60 + 4 + 445)
        );
        // Each further address: +16 in a route entry, +18 in a CPA; each
        // further application endpoint +20.
        let wide = WireSizes {
            addresses: 4,
            app_endpoints: 3,
            ..SIZES
        };
        assert_eq!(
            size(auth(true), Reason::Join, &wide),
            (1, 28 + 8 + 60 + 48 + 4 + 445 + 54 + 40)
        );
        // An extended payload: EXTENDED_PAYLOAD pad4(4 + 210 + e); a
        // buffer over 1188 bytes is split, each fragment after its own
        // 28-byte AUTHORITY header.
        let ext = WireSizes {
            extended_payload: 4000,
            ..SIZES
        };
        let body = Body::Authority {
            next: Some(IdIx(1)),
            cpa: true,
            extended: 4000,
            not_found: false,
        };
        // 4 777 bytes: four full fragments and one of 25.
        let buffer = 8 + 44 + 4216 + 60 + 4 + 445;
        assert_eq!(buffer, 4 * 1188 + 25);
        assert_eq!(size(body, Reason::Resolve, &ext), (5, 5 * 28 + buffer));
        // ACK: 12 + ACKED 8, + FLAGS 8 when it carries the N flag (§2.2.2.7).
        assert_eq!(one(Body::Ack { not_found: false }), 20);
        assert_eq!(one(Body::Ack { not_found: true }), 28);
    }
}
