//! Bytes on the wire of each message the estimate counts, taken from the
//! simulator's own encoding ([`Message::wire_size`] and the network's
//! headers), so the estimate and the simulation can never disagree about
//! what a message costs.

use crate::network::{IPV6_UDP_HEADER, TEREDO_OVERHEAD};
use crate::protocol::U256;
use crate::protocol::id::{HostIx, IdIx};
use crate::protocol::message::{Body, IdList, Message, Reason, WireSizes};
use crate::scenario::Scenario;

/// Wire sizes for one scenario.
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    sizes: WireSizes,
    /// Datagram size of application data (not PNRP).
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
            sizes: s.protocol_params().sizes,
            fragment: s.pnrp.fragment_size.0 as u32,
            header: f64::from(IPV6_UDP_HEADER)
                + f64::from(TEREDO_OVERHEAD) * (1.0 - (1.0 - teredo).powi(2)),
        }
    }

    /// Encoded length plus one header per datagram, for a message sent
    /// for `reason` (an AUTHORITY answering an application resolve carries
    /// the classifier).
    fn bytes_for(&self, body: Body, reason: Reason) -> f64 {
        let (datagrams, payload) =
            Message::new(body, reason, 0).wire_size(HostIx(0), HostIx(1), &self.sizes);
        f64::from(payload) + f64::from(datagrams) * self.header
    }

    fn bytes(&self, body: Body) -> f64 {
        self.bytes_for(body, Reason::Join)
    }

    /// A LOOKUP whose flagged path lists `path` hosts (fractional: the
    /// size is linear in the path, so a mean path gives the mean size).
    pub fn lookup(&self, carried: bool, path: f64) -> f64 {
        let at = |p: usize| {
            self.bytes(Body::Lookup {
                target: U256::ZERO,
                carried: carried.then_some(IdIx(0)),
                validate: None,
                path: list(p),
            })
        };
        let (base, per_entry) = (at(0), at(1) - at(0));
        base + per_entry * path.max(0.0)
    }

    /// AUTHORITY naming a route entry; with the CPA when `cpa`; answering
    /// an application resolve (`app`: with the classifier and the extended
    /// payload, fragmented above the fragment size) or not.
    pub fn authority(&self, cpa: bool, app: bool) -> f64 {
        let body = Body::Authority {
            next: Some(IdIx(0)),
            cpa,
            extended: if app { self.sizes.extended_payload } else { 0 },
            not_found: false,
        };
        self.bytes_for(body, if app { Reason::Resolve } else { Reason::Join })
    }

    /// INQUIRE, with the nonce when it asks for the CPA.
    pub fn inquire(&self, cpa: bool) -> f64 {
        self.bytes(Body::Inquire {
            entry: IdIx(0),
            cpa,
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
                validate: None,
            })
        };
        at(0) + (at(1) - at(0)) * flooded.max(0.0)
    }

    /// A revoke FLOOD with an already-flooded list of `flooded` hosts.
    pub fn revoke(&self, flooded: usize) -> f64 {
        self.bytes(Body::FloodRevoke {
            entry: IdIx(0),
            flooded: list(flooded),
            validate: None,
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
        self.bytes(Body::Ack { not_found: false })
    }

    pub fn solicit(&self, publishes: bool) -> f64 {
        self.bytes(Body::Solicit {
            carried: publishes.then_some(IdIx(0)),
        })
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

    /// The default scenario: two addresses per host, so a route entry is
    /// pad4(4 + 38 + 32) = 76 bytes and the CPA 419 + 18 + 26 = 463.
    #[test]
    fn sizes_come_from_the_encoding_with_headers() {
        let mut s = Scenario::default();
        let w = Wire::new(&s);
        assert_eq!(w.ack(), 20.0 + 48.0);
        assert_eq!(w.inquire(true), 76.0 + 48.0);
        assert_eq!(w.inquire(false), 56.0 + 48.0);
        // The flagged path holds the resolver too: 108 + 18 (1 + p).
        assert_eq!(w.lookup(false, 0.0), 126.0 + 48.0);
        assert_eq!(w.lookup(true, 2.5), 108.0 + 76.0 + 63.0 + 48.0);
        assert_eq!(w.flood(3.0), 56.0 + 76.0 + 12.0 + 54.0 + 48.0);
        assert_eq!(
            w.authority(true, false),
            28.0 + 8.0 + 76.0 + 4.0 + 463.0 + 48.0
        );
        // Every datagram of a Teredo host pays 28 more bytes.
        s.hosts.teredo_share = 1.0;
        assert_eq!(Wire::new(&s).ack(), 20.0 + 76.0);
        // A 4 000-byte extended payload: a 4 811-byte AUTHORITY_BUFFER
        // (8 + classifier 44 + 4 216 + 76 + 4 + 463) in five fragments.
        s.hosts.teredo_share = 0.0;
        s.pnrp.extended_payload = crate::scenario::units::Size(4000);
        let w = Wire::new(&s);
        assert_eq!(w.authority(true, true), 4811.0 + 5.0 * (28.0 + 48.0));
        assert_eq!(w.authority(true, false), 579.0 + 48.0);
        assert_eq!(w.app_data(0), 0.0);
        assert_eq!(w.app_data(2000), 2000.0 + 2.0 * 48.0);
    }
}
