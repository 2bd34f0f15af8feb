//! PNRP v4 messages and their sizes on the wire.
//!
//! Sizes are PNRP payload bytes from the field layouts of [MS-PNRP] §2.2
//! (12-byte header, 4-byte aligned TLVs), as tabulated in the model doc.
//! The IPv6/UDP (and Teredo) overhead is added by the network layer.

use super::U256;
use super::id::{HostIx, IdIx};

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
    /// Cache synchronisation when a host joins (SOLICIT … FLOOD).
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
    /// Asks a peer to advertise some of its cache; `publishes` adds the
    /// sender's route entry.
    Solicit {
        publishes: bool,
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
    Flood {
        entry: IdIx,
        ack: bool,
        flooded: Box<[HostIx]>,
        replaces: Option<IdIx>,
    },
    /// A revoke CPA for `entry`, forwarded outward along the leaf sets.
    FloodRevoke {
        entry: IdIx,
        flooded: Box<[HostIx]>,
    },
    Ack,
    /// One step of an iterative resolve. `carried` is the route entry of a
    /// registering ID; `path` lists the hosts the resolve has visited (the
    /// flagged path), which the recipient must not return.
    Lookup {
        target: U256,
        carried: Option<IdIx>,
        path: Box<[HostIx]>,
    },
    /// The answer to a LOOKUP (a closer route entry, or the responder's own
    /// ID) or to an INQUIRE (`cpa` set when the CPA was asked for).
    Authority {
        next: Option<IdIx>,
        cpa: bool,
        extended: u32,
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

/// Sizes that depend on scenario parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeModel {
    /// CPA bytes: 419 secured, 399 unsecured (+26 per application endpoint).
    pub cpa: u32,
    pub extended_payload: u32,
}

impl SizeModel {
    pub fn new(secured: bool, app_endpoints: u32, extended_payload: u32) -> Self {
        SizeModel {
            cpa: if secured { 419 } else { 399 } + 26 * app_endpoints,
            extended_payload,
        }
    }
}

/// Route entry bytes with one address (§2.2.2.x): ID, address, port, flags.
pub const ROUTE_ENTRY_BYTES: u32 = 60;

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
            Body::Ack => MsgType::Ack,
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
            Body::Advertise { .. } | Body::Ack | Body::Authority { .. }
        ) || matches!(self.body, Body::Flood { ack: false, .. })
    }

    /// PNRP payload bytes, per the model doc's table (§2.2 field layouts).
    pub fn payload_bytes(&self, sizes: &SizeModel) -> u32 {
        let n32 = |n: usize| 32 * n as u32;
        match &self.body {
            Body::Solicit { publishes } => {
                if *publishes {
                    36 + ROUTE_ENTRY_BYTES
                } else {
                    36
                }
            }
            Body::Advertise { ids } => 56 + n32(ids.len()),
            Body::Request { ids } => 44 + n32(ids.len()),
            Body::Flood { flooded, .. } => 128 + 18 * flooded.len() as u32,
            Body::FloodRevoke { flooded, .. } => 480 + 18 * flooded.len() as u32,
            Body::Ack => 20,
            Body::Lookup { carried, path, .. } => {
                let base = if carried.is_some() {
                    108 + ROUTE_ENTRY_BYTES
                } else {
                    108
                };
                base + 18 * path.len() as u32
            }
            Body::Authority {
                next,
                cpa,
                extended,
                ..
            } => {
                let base = if next.is_some() {
                    36 + ROUTE_ENTRY_BYTES
                } else {
                    36
                };
                if *cpa {
                    base + sizes.cpa + extended
                } else {
                    base
                }
            }
            Body::Inquire { .. } => 76,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(body: Body) -> u32 {
        Message::new(body, Reason::Join, 0).payload_bytes(&SizeModel::new(true, 1, 0))
    }

    #[test]
    fn sizes_match_the_model_doc() {
        let mut five = IdList::default();
        for i in 0..5 {
            assert!(five.push(IdIx(i)));
        }
        assert!(!five.push(IdIx(9)));
        assert_eq!(size(Body::Solicit { publishes: false }), 36);
        assert_eq!(size(Body::Solicit { publishes: true }), 96);
        assert_eq!(size(Body::Advertise { ids: five }), 216);
        assert_eq!(size(Body::Request { ids: five }), 44 + 160);
        let flooded: Box<[HostIx]> = vec![HostIx(1); 3].into();
        assert_eq!(
            size(Body::Flood {
                entry: IdIx(0),
                ack: true,
                flooded: flooded.clone(),
                replaces: None,
            }),
            128 + 54
        );
        assert_eq!(
            size(Body::FloodRevoke {
                entry: IdIx(0),
                flooded
            }),
            480 + 54
        );
        assert_eq!(size(Body::Ack), 20);
        let lookup = |carried, path: usize| Body::Lookup {
            target: U256::ZERO,
            carried,
            path: vec![HostIx(0); path].into(),
        };
        assert_eq!(size(lookup(None, 0)), 108);
        assert_eq!(size(lookup(Some(IdIx(1)), 2)), 168 + 36);
        let auth = |next, cpa| Body::Authority {
            next,
            cpa,
            extended: 0,
        };
        assert_eq!(size(auth(None, false)), 36);
        assert_eq!(size(auth(Some(IdIx(1)), false)), 96);
        // 96 + 419 secured CPA + 26 for one endpoint: inside the 550–650 band
        // once the 48 header bytes are added.
        assert_eq!(size(auth(Some(IdIx(1)), true)), 541);
        assert_eq!(
            size(Body::Inquire {
                entry: IdIx(1),
                cpa: true
            }),
            76
        );
    }
}
