//! Packet captures of a run (`pnrpsim run --pcap`): the datagrams of some
//! hosts as a libpcap file that Wireshark opens and dissects as PNRP.
//!
//! Each datagram is an IPv6 packet (LINKTYPE_RAW) from UDP port 3540 to
//! 3540 carrying the encoded PNRP message ([`crate::protocol::wire`]);
//! when either end is a Teredo host, that packet travels inside IPv4/UDP
//! port 3544 (RFC 4380), which is where its 28 extra bytes come from. A
//! frame is therefore exactly as long as the bytes the simulator charges
//! for it. Timestamps are simulated time since the start of the run.

use crate::engine::SimTime;
use crate::protocol::id::{HostIx, IdTable};
use crate::protocol::message::{Message, WireSizes};
use crate::protocol::wire::{self, PORT};

/// UDP port of Teredo (RFC 4380).
pub const TEREDO_PORT: u16 = 3544;
/// libpcap file header: magic, version 2.4, zone, accuracy, snap length,
/// link type.
pub const FILE_HEADER_LEN: usize = 24;
/// libpcap record header: seconds, microseconds, captured and original
/// length.
pub const RECORD_HEADER_LEN: usize = 16;
/// LINKTYPE_RAW: each frame starts with its IPv4 or IPv6 header.
const LINKTYPE_RAW: u32 = 101;

/// A libpcap file being filled in memory (written atomically at the end).
pub struct Pcap {
    bytes: Vec<u8>,
    frames: u64,
}

impl Default for Pcap {
    fn default() -> Self {
        let mut bytes = Vec::with_capacity(FILE_HEADER_LEN);
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&65_535u32.to_le_bytes());
        bytes.extend_from_slice(&LINKTYPE_RAW.to_le_bytes());
        Pcap { bytes, frames: 0 }
    }
}

impl Pcap {
    /// Appends every datagram of `msg` from `from` to `to`, sent at `now`;
    /// `teredo` says whether either end is a Teredo host.
    pub fn message(
        &mut self,
        now: SimTime,
        (from, to): (HostIx, HostIx),
        teredo: bool,
        msg: &Message,
        sizes: &WireSizes,
        ids: &IdTable,
    ) {
        let repr = msg.wire(from, to, sizes);
        for i in 0..repr.datagrams() {
            let mut pnrp = vec![0; repr.datagram_len(i)];
            repr.emit(i, &mut pnrp, ids);
            let src = wire::host_address(from, 0);
            let dst = wire::host_address(to, 0);
            let packet = ipv6_udp(src, dst, PORT, &pnrp);
            let frame = if teredo {
                ipv4_udp(ipv4_address(from), ipv4_address(to), TEREDO_PORT, &packet)
            } else {
                packet
            };
            self.record(now, &frame);
        }
    }

    fn record(&mut self, now: SimTime, frame: &[u8]) {
        let micros = now.0;
        let len = frame.len() as u32;
        for v in [
            (micros / 1_000_000) as u32,
            (micros % 1_000_000) as u32,
            len,
            len,
        ] {
            self.bytes.extend_from_slice(&v.to_le_bytes());
        }
        self.bytes.extend_from_slice(frame);
        self.frames += 1;
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A host's IPv4 address behind Teredo: 10.0.0.0/8 from the host index.
fn ipv4_address(host: HostIx) -> [u8; 4] {
    let [_, a, b, c] = host.0.to_be_bytes();
    [10, a, b, c]
}

/// One's-complement sum of 16-bit words (RFC 1071), not yet inverted.
fn sum16(mut acc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

fn udp_header(port: u16, len: usize) -> [u8; 8] {
    let mut h = [0; 8];
    h[0..2].copy_from_slice(&port.to_be_bytes());
    h[2..4].copy_from_slice(&port.to_be_bytes());
    h[4..6].copy_from_slice(&(len as u16).to_be_bytes());
    h
}

/// IPv6 + UDP around `payload`, with the UDP checksum IPv6 requires.
fn ipv6_udp(src: [u8; 16], dst: [u8; 16], port: u16, payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len();
    let mut p = Vec::with_capacity(40 + udp_len);
    p.extend_from_slice(&[0x60, 0, 0, 0]);
    p.extend_from_slice(&(udp_len as u16).to_be_bytes());
    p.extend_from_slice(&[17, 64]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    let mut udp = udp_header(port, udp_len);
    let pseudo = sum16(sum16(sum16(0, &src), &dst), &(udp_len as u32).to_be_bytes()) + 17;
    let sum = match fold(sum16(sum16(pseudo, &udp), payload)) {
        0 => 0xffff,
        s => s,
    };
    udp[6..8].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(&udp);
    p.extend_from_slice(payload);
    p
}

/// IPv4 + UDP around `payload` (UDP checksum 0: optional over IPv4).
fn ipv4_udp(src: [u8; 4], dst: [u8; 4], port: u16, payload: &[u8]) -> Vec<u8> {
    let total = 20 + 8 + payload.len();
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    h[6] = 0x40; // don't fragment
    h[8] = 64;
    h[9] = 17;
    h[12..16].copy_from_slice(&src);
    h[16..20].copy_from_slice(&dst);
    let sum = fold(sum16(0, &h));
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut p = Vec::with_capacity(total);
    p.extend_from_slice(&h);
    p.extend_from_slice(&udp_header(port, 8 + payload.len()));
    p.extend_from_slice(payload);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_verify() {
        // A received packet sums to 0xffff over header (or pseudo-header
        // and UDP) when its checksum is right.
        let v4 = ipv4_udp([10, 0, 0, 1], [10, 0, 0, 2], TEREDO_PORT, &[1, 2, 3]);
        assert_eq!(fold(sum16(0, &v4[..20])), 0);
        let (src, dst) = ([0x20; 16], [0x30; 16]);
        let v6 = ipv6_udp(src, dst, PORT, &[9, 8, 7]);
        let udp = &v6[40..];
        let pseudo = sum16(
            sum16(sum16(0, &src), &dst),
            &(udp.len() as u32).to_be_bytes(),
        ) + 17;
        assert_eq!(fold(sum16(pseudo, udp)), 0);
        assert_eq!(v6.len(), 48 + 3);
        assert_eq!(v4.len(), 28 + 3);
    }
}
