//! Bytes on the wire of each message the estimate counts, taken from the
//! simulator's own size model ([`Message::payload_bytes`], the network's
//! fragment rule and headers), so the estimate and the simulation can
//! never disagree about what a message costs.

use crate::network::{IPV6_UDP_HEADER, Network, TEREDO_OVERHEAD};
use crate::protocol::U256;
use crate::protocol::id::{HostIx, IdIx};
use crate::protocol::message::{Body, IdList, Message, Reason, SizeModel};
use crate::scenario::Scenario;

/// Wire sizes for one scenario.
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    sizes: SizeModel,
    fragment: u32,
    /// Mean header bytes per datagram: 48, plus 28 when either end is a
    /// Teredo host (probability 1 − (1 − share)²).
    header: f64,
}

fn list(n: usize) -> Box<[HostIx]> {
    vec![HostIx(0); n].into()
}

fn ids(n: usize) -> IdList {
    let mut l = IdList::default();
    for i in 0..n.min(IdList::CAPACITY) {
        l.push(IdIx(i as u32));
    }
    l
}

impl Wire {
    pub fn new(s: &Scenario) -> Wire {
        let teredo = s.hosts.teredo_share;
        Wire {
            sizes: crate::sim::params(s).sizes,
            fragment: s.pnrp.fragment_size.0 as u32,
            header: f64::from(IPV6_UDP_HEADER)
                + f64::from(TEREDO_OVERHEAD) * (1.0 - (1.0 - teredo).powi(2)),
        }
    }

    /// Payload plus one header per fragment.
    fn bytes(&self, body: Body) -> f64 {
        let payload = Message::new(body, Reason::Join, 0).payload_bytes(&self.sizes);
        f64::from(payload) + f64::from(Network::fragments(payload, self.fragment)) * self.header
    }

    /// A LOOKUP whose flagged path lists `path` hosts (fractional: the
    /// size is linear in the path, so a mean path gives the mean size).
    pub fn lookup(&self, carried: bool, path: f64) -> f64 {
        let at = |p: usize| {
            self.bytes(Body::Lookup {
                target: U256::ZERO,
                carried: carried.then_some(IdIx(0)),
                path: list(p),
            })
        };
        let (base, per_entry) = (at(0), at(1) - at(0));
        base + per_entry * path.max(0.0)
    }

    /// AUTHORITY naming a route entry; with the CPA (and the extended
    /// payload of an application resolve) when `cpa`.
    pub fn authority(&self, cpa: bool, extended: bool) -> f64 {
        self.bytes(Body::Authority {
            next: Some(IdIx(0)),
            cpa,
            extended: if extended {
                self.sizes.extended_payload
            } else {
                0
            },
        })
    }

    pub fn inquire(&self) -> f64 {
        self.bytes(Body::Inquire {
            entry: IdIx(0),
            cpa: true,
        })
    }

    /// A FLOOD carrying one route entry and an already-flooded list of
    /// `flooded` hosts (fractional, like [`Wire::lookup`]).
    pub fn flood(&self, flooded: f64) -> f64 {
        let at = |n: usize| {
            self.bytes(Body::Flood {
                entry: IdIx(0),
                ack: true,
                flooded: list(n),
                replaces: None,
            })
        };
        at(0) + (at(1) - at(0)) * flooded.max(0.0)
    }

    /// A revoke FLOOD with an already-flooded list of `flooded` hosts.
    pub fn revoke(&self, flooded: usize) -> f64 {
        self.bytes(Body::FloodRevoke {
            entry: IdIx(0),
            flooded: list(flooded),
        })
    }

    /// Application data of `payload` bytes (not PNRP): fragments of the
    /// fragment size, each with a header; nothing for an empty payload.
    pub fn app_data(&self, payload: u64) -> f64 {
        if payload == 0 {
            return 0.0;
        }
        let fragments = payload.div_ceil(u64::from(self.fragment.max(1)));
        payload as f64 + fragments as f64 * self.header
    }

    pub fn ack(&self) -> f64 {
        self.bytes(Body::Ack)
    }

    pub fn solicit(&self, publishes: bool) -> f64 {
        self.bytes(Body::Solicit { publishes })
    }

    pub fn advertise(&self, n: usize) -> f64 {
        self.bytes(Body::Advertise { ids: ids(n) })
    }

    pub fn request(&self, n: usize) -> f64 {
        self.bytes(Body::Request { ids: ids(n) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_come_from_the_message_model_with_headers() {
        let mut s = Scenario::default();
        let w = Wire::new(&s);
        assert_eq!(w.ack(), 20.0 + 48.0);
        assert_eq!(w.inquire(), 76.0 + 48.0);
        assert_eq!(w.lookup(false, 0.0), 108.0 + 48.0);
        assert_eq!(w.lookup(true, 2.5), 168.0 + 45.0 + 48.0);
        assert_eq!(w.flood(3.0), 128.0 + 54.0 + 48.0);
        assert_eq!(w.authority(true, false), 541.0 + 48.0);
        // Every datagram of a Teredo host pays 28 more bytes.
        s.hosts.teredo_share = 1.0;
        assert_eq!(Wire::new(&s).ack(), 20.0 + 76.0);
        // A 4 000-byte extended payload travels in four fragments.
        s.hosts.teredo_share = 0.0;
        s.pnrp.extended_payload = crate::scenario::units::Size(4000);
        let w = Wire::new(&s);
        assert_eq!(w.authority(true, true), 4541.0 + 4.0 * 48.0);
        assert_eq!(w.authority(true, false), 541.0 + 48.0);
        assert_eq!(w.app_data(0), 0.0);
        assert_eq!(w.app_data(2000), 2000.0 + 2.0 * 48.0);
    }
}
