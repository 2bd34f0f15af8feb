//! [MS-PPGRH] §2.2 messages as bytes on the wire.
//!
//! The same approach as PNRP's wire layer ([`crate::protocol::wire`], after
//! smoltcp's `wire`): each message has a typed representation with
//! `buffer_len()` and `emit()`, so that the bytes the simulator charges are
//! the length of an encoding that exists. Strings (Peer IDs, graph ID,
//! attributes) are synthetic characters of the configured length; GUIDs,
//! hashes and times that the model does not carry are zero or synthetic
//! bytes of the right length. Every fixed part, count and element size is
//! §2.2's. All fields are big-endian (§2.2).

/// TCP port of the grouping infrastructure (the issue; §2.1 leaves the
/// port to the application, Windows Peer Grouping listens on 3587).
pub const PORT: u16 = 3587;
/// PEER_MESSAGE (§2.2.1.2): Message Size (4), Version (1), Type (1),
/// Reserved (2).
pub const PEER_MESSAGE: usize = 8;
/// Default frame size (§2.2): a message is cut into frames of at most this
/// many bytes, each preceded by its 2-byte Frame Size (§2.2.1.1).
pub const MAX_FRAME: usize = 16_379;
/// PEER_IN6_ADDRESS (§2.2.1.3): family (2), port (2), address (16).
pub const IN6_ADDRESS: usize = 20;
/// PEER_ADDRESS (§2.2.1.5): size (4), family (2), port (2), flow info (4),
/// address (16), zero (4).
pub const PEER_ADDRESS: usize = 32;
/// RECORD_ABSTRACT (§2.2.1.6): record ID (16), version (4).
pub const RECORD_ABSTRACT: usize = 20;
/// HASH_INFO_ENTRY (§2.2.1.7): MD5 (16), modification time (8), record ID (16).
pub const HASH_INFO_ENTRY: usize = 40;
/// HASH_ENTRY_BOUNDARY (§2.2.1.8): two (time, record ID) bounds and a count.
pub const HASH_ENTRY_BOUNDARY: usize = 8 + 16 + 8 + 16 + 4;
/// A Record ACK (§2.2.2.14): record ID (16), reserved and U flag (4).
pub const RECORD_ACK: usize = 20;
/// A record type GUID.
pub const GUID: usize = 16;
/// PEER_RECORD without its variable parts (§2.2.1.9): type (16), ID (16),
/// version (4), reserved and flags (4), five length fields (5 × 4), three
/// times (3 × 8), protocol version (2), payload size (4) — 90 bytes, the
/// minimum FLOOD data size of §3.1.7.27.
pub const PEER_RECORD_FIXED: usize = 16 + 16 + 4 + 4 + 5 * 4 + 3 * 8 + 2 + 4;

/// Message Type values (§2.2.1.2).
pub mod msg_type {
    pub const AUTH_INFO: u8 = 0x01;
    pub const CONNECT: u8 = 0x02;
    pub const WELCOME: u8 = 0x03;
    pub const REFUSE: u8 = 0x04;
    pub const DISCONNECT: u8 = 0x05;
    pub const SOLICIT_NEW: u8 = 0x06;
    pub const SOLICIT_TIME: u8 = 0x07;
    pub const SOLICIT_HASH: u8 = 0x08;
    pub const ADVERTISE: u8 = 0x09;
    pub const REQUEST: u8 = 0x0A;
    pub const FLOOD: u8 = 0x0B;
    pub const SYNC_END: u8 = 0x0C;
    pub const PT2PT: u8 = 0x0D;
    pub const ACK: u8 = 0x0E;
}

/// The payload of a PEER_RECORD by record type (§2.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// Graph Info (§2.2.3.1): size, flags, scope, four counted Unicode
    /// strings (graph ID, creator ID, no friendly name, no comment) and
    /// three 4-byte settings.
    GraphInfo {
        graph_id_chars: u32,
        creator_chars: u32,
    },
    /// Signature (§2.2.3.2): one node ID.
    Signature,
    /// Contact (§2.2.3.3): signature, node ID, address count, PEER_ADDRESSes.
    Contact { addresses: u32 },
    /// Presence (§2.2.3.4): node ID, attributes, address count, PEER_ADDRESSes.
    Presence {
        attribute_chars: u32,
        addresses: u32,
    },
    /// An application (or [MS-PPSEC] security) record of opaque bytes.
    Opaque { bytes: u32 },
}

impl Payload {
    pub fn buffer_len(&self) -> usize {
        match *self {
            Payload::GraphInfo {
                graph_id_chars,
                creator_chars,
            } => 4 + 4 + 4 + 4 * 4 + 2 * (graph_id_chars + creator_chars) as usize + 3 * 4,
            Payload::Signature => 8,
            Payload::Contact { addresses } => 8 + 8 + 4 + PEER_ADDRESS * addresses as usize,
            Payload::Presence {
                attribute_chars,
                addresses,
            } => 8 + 4 + 2 * attribute_chars as usize + 4 + PEER_ADDRESS * addresses as usize,
            Payload::Opaque { bytes } => bytes as usize,
        }
    }

    /// The record type GUID (§2.2.1.9): internal types are
    /// {00000X00-0000-…}; any other type is synthetic.
    fn type_guid(&self) -> [u8; 16] {
        let mut g = [0; 16];
        g[2] = match self {
            Payload::GraphInfo { .. } => 1,
            Payload::Signature => 2,
            Payload::Contact { .. } => 3,
            Payload::Presence { .. } => 4,
            Payload::Opaque { .. } => {
                g.fill(0x5A);
                0x5A
            }
        };
        g
    }
}

/// A PEER_RECORD (§2.2.1.9) by the lengths of its variable parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub payload: Payload,
    /// Deleted flag: the payload and attributes are then empty (§3.1.7.9).
    pub deleted: bool,
    /// Characters of the Creator ID, terminating null included.
    pub creator_chars: u32,
    /// Characters of the Last Modified By ID (0: never modified).
    pub modified_by_chars: u32,
    /// Bytes the graph security provider adds ([MS-PPSEC] signature).
    pub security_data: u32,
    /// Characters of the graph ID, terminating null included.
    pub graph_id_chars: u32,
    /// Characters of the record's Attributes XML (0: none).
    pub attribute_chars: u32,
}

impl Record {
    pub fn buffer_len(&self) -> usize {
        let (payload, attributes) = if self.deleted {
            (0, 0)
        } else {
            (self.payload.buffer_len(), 2 * self.attribute_chars as usize)
        };
        PEER_RECORD_FIXED
            + 2 * (self.creator_chars + self.modified_by_chars + self.graph_id_chars) as usize
            + self.security_data as usize
            + payload
            + attributes
    }

    fn emit(&self, w: &mut Writer) {
        let start = w.at();
        w.bytes(&self.payload.type_guid());
        w.synthetic(0x7ec0, 16); // record ID
        w.be32(1); // version
        w.be32(u32::from(self.deleted) << 1); // reserved, flags: D is bit 6 of the last byte
        w.be32(self.creator_chars);
        w.unicode(self.creator_chars);
        w.be32(self.modified_by_chars);
        w.unicode(self.modified_by_chars);
        w.be32(self.security_data);
        w.synthetic(0x5ec, self.security_data as usize);
        w.zeros(3 * 8); // creation, expiration, last modification times
        w.be32(self.graph_id_chars);
        w.unicode(self.graph_id_chars);
        w.be16(0x0100);
        if self.deleted {
            w.be32(0);
            w.be32(0);
        } else {
            let payload = self.payload.buffer_len();
            w.be32(payload as u32);
            w.synthetic(0x9a7, payload);
            w.be32(self.attribute_chars);
            w.unicode(self.attribute_chars);
        }
        debug_assert_eq!(w.at() - start, self.buffer_len());
    }
}

/// One [MS-PPGRH] message (§2.2.2) by the counts that set its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// §2.2.2.1: offsets, then three null-terminated UTF-8 strings; the
    /// destination Peer ID is absent when unknown (0).
    AuthInfo {
        graph_id: u32,
        source_peer_id: u32,
        destination_peer_id: u32,
    },
    /// §2.2.2.2: flags, address count and offsets, node ID, addresses.
    Connect { update: bool, addresses: u8 },
    /// §2.2.2.3: node ID, peer time, referrals, the sender's Peer ID.
    Welcome { referrals: u8, peer_id: u32 },
    /// §2.2.2.4: error code and referrals.
    Refuse { code: u8, referrals: u8 },
    /// §2.2.2.5: reason and referrals.
    Disconnect { reason: u8, referrals: u8 },
    /// §2.2.2.6: record types included or excluded.
    SolicitNew { types: u8 },
    /// §2.2.2.7: SOLICIT_NEW plus a modification time.
    SolicitTime { types: u8 },
    /// §2.2.2.8: one HASH_INFO_ENTRY per range of 10 records.
    SolicitHash { hashes: u32 },
    /// §2.2.2.9: mismatched ranges and the abstracts of their records.
    Advertise { boundaries: u32, abstracts: u32 },
    /// §2.2.2.10: the abstracts of the records asked for.
    Request { abstracts: u32 },
    /// §2.2.2.11: one record.
    Flood { record: Record },
    /// §2.2.2.12: end of a synchronisation phase.
    SyncEnd,
    /// §2.2.4.1: the internal Ping, a PT2PT without payload.
    Ping,
    /// §2.2.2.14: Record ACKs.
    Ack { acks: u16 },
}

impl Message {
    pub fn msg_type(&self) -> u8 {
        use msg_type::*;
        match self {
            Message::AuthInfo { .. } => AUTH_INFO,
            Message::Connect { .. } => CONNECT,
            Message::Welcome { .. } => WELCOME,
            Message::Refuse { .. } => REFUSE,
            Message::Disconnect { .. } => DISCONNECT,
            Message::SolicitNew { .. } => SOLICIT_NEW,
            Message::SolicitTime { .. } => SOLICIT_TIME,
            Message::SolicitHash { .. } => SOLICIT_HASH,
            Message::Advertise { .. } => ADVERTISE,
            Message::Request { .. } => REQUEST,
            Message::Flood { .. } => FLOOD,
            Message::SyncEnd => SYNC_END,
            Message::Ping => PT2PT,
            Message::Ack { .. } => ACK,
        }
    }

    /// The message's Message Size.
    pub fn buffer_len(&self) -> usize {
        let body = match *self {
            Message::AuthInfo {
                graph_id,
                source_peer_id,
                destination_peer_id,
            } => 1 + 1 + 2 + 2 + 2 + (graph_id + source_peer_id + destination_peer_id) as usize,
            Message::Connect { addresses, .. } => {
                1 + 1 + 2 + 2 + 2 + 8 + IN6_ADDRESS * usize::from(addresses)
            }
            Message::Welcome { referrals, peer_id } => {
                8 + 8 + 1 + 1 + 2 + 2 + 2 + IN6_ADDRESS * usize::from(referrals) + peer_id as usize
            }
            Message::Refuse { referrals, .. } | Message::Disconnect { referrals, .. } => {
                1 + 1 + 2 + IN6_ADDRESS * usize::from(referrals)
            }
            Message::SolicitNew { types } => 1 + 1 + 2 + GUID * usize::from(types),
            Message::SolicitTime { types } => 1 + 1 + 2 + 8 + GUID * usize::from(types),
            Message::SolicitHash { hashes } => {
                1 + 1 + 2 + 4 + 2 + 2 + HASH_INFO_ENTRY * hashes as usize
            }
            Message::Advertise {
                boundaries,
                abstracts,
            } => {
                4 + 4
                    + 2
                    + 2
                    + 4
                    + HASH_ENTRY_BOUNDARY * boundaries as usize
                    + RECORD_ABSTRACT * abstracts as usize
            }
            Message::Request { abstracts } => 4 + 4 + RECORD_ABSTRACT * abstracts as usize,
            Message::Flood { record } => 2 + 2 + record.buffer_len(),
            Message::SyncEnd => 1 + 1 + 2,
            Message::Ping => 2 + 2 + GUID,
            Message::Ack { acks } => 2 + 2 + RECORD_ACK * usize::from(acks),
        };
        PEER_MESSAGE + body
    }

    /// Bytes on the TCP stream: the message cut into frames of at most
    /// [`MAX_FRAME`] bytes, each with its 2-byte Frame Size (§2.2.1.1).
    pub fn framed_len(len: usize) -> usize {
        len + 2 * len.div_ceil(MAX_FRAME).max(1)
    }

    /// Writes the message; returns its length ([`Message::buffer_len`]).
    pub fn emit(&self, buf: &mut Vec<u8>) -> usize {
        let len = self.buffer_len();
        let mut w = Writer { buf, start: 0 };
        w.start = w.buf.len();
        w.be32(len as u32);
        w.u8(0x10);
        w.u8(self.msg_type());
        w.be16(0);
        match *self {
            Message::AuthInfo {
                graph_id,
                source_peer_id,
                destination_peer_id,
            } => {
                w.u8(1); // neighbour connection
                w.u8(0);
                let g = 16u32;
                w.be16(g as u16);
                w.be16((g + graph_id) as u16);
                w.be16((g + graph_id + source_peer_id) as u16);
                w.utf8(graph_id);
                w.utf8(source_peer_id);
                w.utf8(destination_peer_id);
            }
            Message::Connect { update, addresses } => {
                w.u8(if update { 0x08 } else { 0x01 }); // U, or N (neighbour list)
                w.u8(addresses);
                let at = 24 + IN6_ADDRESS * usize::from(addresses);
                w.be16(if addresses > 0 { 24 } else { 0 });
                w.be16(at as u16); // friendly name offset = size: no name
                w.be16(0);
                w.synthetic(0x1d, 8);
                w.addresses(addresses);
            }
            Message::Welcome { referrals, peer_id } => {
                w.synthetic(0x1d, 8);
                w.zeros(8); // peer time
                w.u8(referrals);
                w.u8(0);
                let peer_at = 32 + IN6_ADDRESS * usize::from(referrals);
                w.be16(if referrals > 0 { 32 } else { 0 });
                w.be16(peer_at as u16);
                w.be16(len as u16);
                w.addresses(referrals);
                w.utf8(peer_id);
            }
            Message::Refuse { code: c, referrals }
            | Message::Disconnect {
                reason: c,
                referrals,
            } => {
                w.u8(c);
                w.u8(referrals);
                w.be16(if referrals > 0 { 12 } else { len as u16 });
                w.addresses(referrals);
            }
            Message::SolicitNew { types } | Message::SolicitTime { types } => {
                w.u8(types);
                w.u8(0);
                let time = matches!(self, Message::SolicitTime { .. });
                w.be16(if time { 20 } else { 12 });
                if time {
                    w.zeros(8);
                }
                w.synthetic(0x7e, GUID * usize::from(types));
            }
            Message::SolicitHash { hashes } => {
                w.zeros(2);
                w.be16(20);
                w.be32(hashes);
                w.be16(20);
                w.be16(0);
                w.synthetic(0x4a5, HASH_INFO_ENTRY * hashes as usize);
            }
            Message::Advertise {
                boundaries,
                abstracts,
            } => {
                w.be32(boundaries);
                w.be32(abstracts);
                w.be16(24);
                w.be16(0);
                w.be32(24 + (HASH_ENTRY_BOUNDARY * boundaries as usize) as u32);
                w.synthetic(0xb0, HASH_ENTRY_BOUNDARY * boundaries as usize);
                w.synthetic(0xab, RECORD_ABSTRACT * abstracts as usize);
            }
            Message::Request { abstracts } => {
                w.be32(abstracts);
                w.be32(16);
                w.synthetic(0xab, RECORD_ABSTRACT * abstracts as usize);
            }
            Message::Flood { record } => {
                w.be16(12);
                w.be16(0);
                record.emit(&mut w);
            }
            Message::SyncEnd => {
                w.u8(0x01); // F
                w.u8(0);
                w.be16(0);
            }
            Message::Ping => {
                w.be16(28);
                w.be16(0);
                w.bytes(&PING_GUID);
            }
            Message::Ack { acks } => {
                w.be16(acks);
                w.be16(12);
                for _ in 0..acks {
                    w.synthetic(0x7ec0, 16);
                    w.be32(1); // U: useful
                }
            }
        }
        debug_assert_eq!(w.at(), len, "{self:?}");
        len
    }
}

/// {0ccbb0d2-be41-4bd6-914b-058ec5dcce64}, the Ping data type (§2.2.4.1).
const PING_GUID: [u8; 16] = [
    0x0c, 0xcb, 0xb0, 0xd2, 0xbe, 0x41, 0x4b, 0xd6, 0x91, 0x4b, 0x05, 0x8e, 0xc5, 0xdc, 0xce, 0x64,
];

/// Appends big-endian fields to a buffer.
struct Writer<'a> {
    buf: &'a mut Vec<u8>,
    start: usize,
}

impl Writer<'_> {
    fn at(&self) -> usize {
        self.buf.len() - self.start
    }
    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    fn be16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }
    fn be32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
    fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }
    fn synthetic(&mut self, seed: u64, n: usize) {
        let at = self.buf.len();
        self.zeros(n);
        crate::protocol::wire::synthetic(seed, &mut self.buf[at..]);
    }
    /// A null-terminated UTF-8 string of `n` bytes (terminator included).
    fn utf8(&mut self, n: u32) {
        for _ in 1..n {
            self.u8(b'a');
        }
        if n > 0 {
            self.u8(0);
        }
    }
    /// A null-terminated UTF-16 string of `n` characters (terminator
    /// included).
    fn unicode(&mut self, n: u32) {
        for _ in 1..n {
            self.be16(u16::from(b'a'));
        }
        if n > 0 {
            self.be16(0);
        }
    }
    /// `n` PEER_IN6_ADDRESSes (§2.2.1.3) on port [`PORT`].
    fn addresses(&mut self, n: u8) {
        for i in 0..n {
            self.be16(0x0017);
            self.be16(PORT);
            self.bytes(&crate::protocol::wire::host_address(
                crate::protocol::id::HostIx(u32::from(i)),
                0,
            ));
        }
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
