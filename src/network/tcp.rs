//! Graph traffic over TCP/IPv6 ([MS-PPGRH] §2.1), counted segment by
//! segment: connection set-up and tear-down, data segments, and the pure
//! acknowledgements of a simple delayed-ACK model. No congestion control:
//! the graphs here move a few kilobytes at a time.
//!
//! **[ours]** choices, each with its reason:
//! - every segment pays 20 bytes of TCP and 40 of IPv6 header, no options
//!   (options change a SYN by 12 bytes at most);
//! - data segments carry at most [`MSS`] = 1,220 bytes, the IPv6 minimum
//!   MTU of 1,280 less both headers, so that no path needs fragmenting;
//! - delayed ACK: the receiver acknowledges every second data segment at
//!   once and a lone one after [`DELAYED_ACK`] = 200 ms unless data it
//!   sends first carries the acknowledgement (RFC 1122 §4.2.3.2);
//! - set-up is SYN, SYN-ACK, ACK; tear-down FIN, ACK, FIN, ACK; a
//!   connection to a host that does not answer sends [`SYN_TRIES`] SYNs
//!   and fails after [`CONNECT_FAIL`] (Windows' two SYN retransmissions,
//!   3 s then 6 s, then 12 s);
//! - a lost data segment is sent again after [`RTO`] = 1 s (RFC 6298's
//!   initial RTO); lost pure ACKs are covered by the next cumulative one.

use crate::engine::{SimDuration, SimTime};

/// TCP header without options.
pub const TCP_HEADER: u32 = 20;
/// Largest data segment payload (see the module notes).
pub const MSS: usize = 1220;
/// Delayed-ACK timer.
pub const DELAYED_ACK: SimDuration = SimDuration::from_millis(200);
/// SYNs sent to a host that never answers.
pub const SYN_TRIES: u32 = 3;
/// When an unanswered connection attempt fails.
pub const CONNECT_FAIL: SimDuration = SimDuration::from_secs(21);
/// Segments of set-up (SYN, SYN-ACK, ACK) and tear-down (FIN, ACK, FIN, ACK).
pub const SETUP_SEGMENTS: u32 = 3;
pub const TEARDOWN_SEGMENTS: u32 = 4;
/// Retransmission timeout of a lost data segment.
pub const RTO: SimDuration = SimDuration::from_secs(1);

/// Header bytes of one TCP segment between two hosts: the network's
/// IPv6/UDP header (with Teredo's encapsulation where it applies) less
/// UDP's 8 bytes, plus TCP's 20.
pub fn segment_header(udp_header: u32) -> u32 {
    udp_header - 8 + TCP_HEADER
}

/// Data segments of a write of `len` bytes.
pub fn data_segments(len: usize) -> u32 {
    len.div_ceil(MSS).max(1) as u32
}

/// What one end has received and not yet acknowledged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pending {
    segments: u32,
    since: Option<SimTime>,
}

/// Pure ACKs owed by each end of a connection (0: the initiator, 1: the
/// responder) under the delayed-ACK model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AckClock {
    ends: [Pending; 2],
}

/// Pure ACKs each end sends, by the event that triggers them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Acks {
    pub by: [u32; 2],
}

impl AckClock {
    /// Lone segments whose 200 ms ran out by `now` are acknowledged.
    pub fn expire(&mut self, now: SimTime) -> Acks {
        let mut acks = Acks::default();
        for (end, p) in self.ends.iter_mut().enumerate() {
            if p.since.is_some_and(|t| t + DELAYED_ACK <= now) {
                acks.by[end] += 1;
                *p = Pending::default();
            }
        }
        acks
    }

    /// End `from` sends `segments` data segments at `now`: its own pending
    /// acknowledgement rides on them; the other end acknowledges every
    /// second segment at once and holds a lone one. Returns the pure ACKs
    /// sent because of it (delayed ones that ran out included).
    pub fn data(&mut self, now: SimTime, from: usize, segments: u32) -> Acks {
        let mut acks = self.expire(now);
        self.ends[from] = Pending::default();
        let to = &mut self.ends[1 - from];
        let total = to.segments + segments;
        acks.by[1 - from] += total / 2;
        to.segments = total % 2;
        to.since = match (to.segments, to.since) {
            (0, _) => None,
            (_, Some(t)) if total < 2 => Some(t),
            _ => Some(now),
        };
        acks
    }

    /// The connection closes: FINs carry whatever was owed.
    pub fn close(&mut self) {
        self.ends = Default::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    #[test]
    fn every_second_segment_is_acknowledged_at_once() {
        let mut c = AckClock::default();
        assert_eq!(c.data(at(0), 0, 3).by, [0, 1], "3 segments: 1 ACK, 1 held");
        assert_eq!(c.data(at(10), 0, 1).by, [0, 1], "the held one pairs up");
        assert_eq!(c.expire(at(1000)).by, [0, 0]);
    }

    #[test]
    fn a_lone_segment_waits_200_ms_unless_an_answer_carries_its_ack() {
        let mut c = AckClock::default();
        assert_eq!(c.data(at(0), 0, 1).by, [0, 0]);
        assert_eq!(c.expire(at(199)).by, [0, 0]);
        assert_eq!(c.expire(at(200)).by, [0, 1], "delayed ACK after 200 ms");
        c.data(at(300), 0, 1);
        // The responder answers within 200 ms: its data carries the ACK,
        // and the initiator now holds the answer's lone segment.
        assert_eq!(c.data(at(350), 1, 1).by, [0, 0]);
        assert_eq!(c.expire(at(600)).by, [1, 0]);
    }

    #[test]
    fn segment_sizes() {
        assert_eq!(data_segments(1), 1);
        assert_eq!(data_segments(MSS), 1);
        assert_eq!(data_segments(MSS + 1), 2);
        // IPv6 (40) + TCP (20) from the network's IPv6 + UDP (48).
        assert_eq!(segment_header(48), 60);
        // Teredo adds its IPv4 + UDP 28 bytes.
        assert_eq!(segment_header(48 + 28), 88);
    }
}
