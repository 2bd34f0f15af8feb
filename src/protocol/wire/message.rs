//! The eight PNRP messages (§2.2.2). A [`Repr`] is one message as sent;
//! only AUTHORITY can take more than one datagram (§3.2.5.10).

use super::field::{
    AuthorityBuffer, Cpa, FLAGS_FIELD_LEN, RouteEntry, emit_endpoint_array, emit_id_array,
    endpoint_array_len, id_array_len,
};
use super::{HEADER_LEN, HostIx, Id, IdIx, IdTable, Writer, field_id, pad4};

/// PNRP_HEADER_ACKED: FieldID, Length (8), Acked Message ID.
const ACKED_LEN: usize = 8;
/// HASHED_NONCE: FieldID, Length (0x18), a 20-byte SHA-1 hash.
const HASHED_NONCE_LEN: usize = 24;
/// NONCE: FieldID, Length (0x14), 16 bytes.
const NONCE_LEN: usize = 20;
/// TARGET_PNRP_ID or VALIDATE_PNRP_ID: FieldID, Length (0x24), 32 bytes.
const ID_FIELD_LEN: usize = 36;
/// FLOOD_CONTROLS: FieldID, Length (7), flags, reserved, padding.
const FLOOD_CONTROLS_LEN: usize = 8;
/// LOOKUP_CONTROLS: FieldID, Length (0x0C), flags, precision, criteria,
/// reason, reserved.
const LOOKUP_CONTROLS_LEN: usize = 12;
/// PNRP_HEADER_ACKED and SPLIT_CONTROLS in front of every AUTHORITY
/// fragment, after the PNRP header.
const AUTHORITY_FIXED: usize = ACKED_LEN + 8;

/// One PNRP message. `message_id` is the header's Message ID; `acked` the
/// Message ID of the request a reply answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repr<'a> {
    /// §2.2.2.1, without the optional SOLICIT_CONTROLS.
    Solicit {
        message_id: u32,
        route_entry: Option<RouteEntry>,
    },
    /// §2.2.2.2.
    Advertise {
        message_id: u32,
        acked: u32,
        ids: &'a [IdIx],
    },
    /// §2.2.2.3.
    Request { message_id: u32, ids: &'a [IdIx] },
    /// §2.2.2.4: a route entry, or a Revoke CPA, and the Already Flooded
    /// List. `no_ack` is the D flag.
    Flood {
        message_id: u32,
        no_ack: bool,
        validate: Id,
        revoke: Option<Cpa>,
        route_entry: Option<RouteEntry>,
        flooded: &'a [HostIx],
    },
    /// §2.2.2.5. `cpa` sets the A and C flags and sends the nonce the CPA
    /// is to be signed with; `extended` sets the X flag.
    Inquire {
        message_id: u32,
        cpa: bool,
        extended: bool,
        validate: Id,
    },
    /// §2.2.2.6.
    Authority(Authority),
    /// §2.2.2.7; `not_found` adds the optional FLAGS field with N set.
    Ack {
        message_id: u32,
        acked: u32,
        not_found: bool,
    },
    /// §2.2.2.8. The Flagged Path is the sender's own endpoint followed by
    /// the endpoints of `path`, the hosts the resolve has asked so far.
    Lookup {
        message_id: u32,
        reason_code: u8,
        target: Id,
        validate: Id,
        route_entry: Option<RouteEntry>,
        sender: HostIx,
        path: &'a [HostIx],
    },
}

/// AUTHORITY messages carrying one AUTHORITY_BUFFER in fragments of at
/// most `fragment` bytes, each after the 28-byte AUTHORITY header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Authority {
    pub message_id: u32,
    pub acked: u32,
    pub buffer: AuthorityBuffer,
    pub fragment: usize,
}

impl Authority {
    pub fn fragments(&self) -> usize {
        self.buffer
            .buffer_len()
            .div_ceil(self.fragment.max(1))
            .max(1)
    }
    fn chunk(&self, i: usize) -> std::ops::Range<usize> {
        let len = self.buffer.buffer_len();
        let start = (i * self.fragment).min(len);
        start..((i + 1) * self.fragment).min(len)
    }
}

/// The message type of the PNRP header (§2.2.1).
pub mod message_type {
    pub const SOLICIT: u8 = 0x01;
    pub const ADVERTISE: u8 = 0x02;
    pub const REQUEST: u8 = 0x03;
    pub const FLOOD: u8 = 0x04;
    pub const INQUIRE: u8 = 0x07;
    pub const AUTHORITY: u8 = 0x08;
    pub const ACK: u8 = 0x09;
    pub const LOOKUP: u8 = 0x0B;
}

impl Repr<'_> {
    pub fn message_type(&self) -> u8 {
        use message_type::*;
        match self {
            Repr::Solicit { .. } => SOLICIT,
            Repr::Advertise { .. } => ADVERTISE,
            Repr::Request { .. } => REQUEST,
            Repr::Flood { .. } => FLOOD,
            Repr::Inquire { .. } => INQUIRE,
            Repr::Authority(_) => AUTHORITY,
            Repr::Ack { .. } => ACK,
            Repr::Lookup { .. } => LOOKUP,
        }
    }

    fn message_id(&self) -> u32 {
        match *self {
            Repr::Solicit { message_id, .. }
            | Repr::Advertise { message_id, .. }
            | Repr::Request { message_id, .. }
            | Repr::Flood { message_id, .. }
            | Repr::Inquire { message_id, .. }
            | Repr::Ack { message_id, .. }
            | Repr::Lookup { message_id, .. } => message_id,
            Repr::Authority(a) => a.message_id,
        }
    }

    /// Datagrams the message takes: one, or one per AUTHORITY fragment.
    pub fn datagrams(&self) -> usize {
        match self {
            Repr::Authority(a) => a.fragments(),
            _ => 1,
        }
    }

    /// PNRP bytes of datagram `i` (< [`Repr::datagrams`]).
    pub fn datagram_len(&self, i: usize) -> usize {
        match self {
            Repr::Authority(a) => HEADER_LEN + AUTHORITY_FIXED + a.chunk(i).len(),
            _ => self.buffer_len(),
        }
    }

    /// PNRP bytes of the whole message, over all its datagrams.
    pub fn buffer_len(&self) -> usize {
        let route = |r: &Option<RouteEntry>| r.map_or(0, |r| r.field_len());
        HEADER_LEN
            + match self {
                Repr::Solicit { route_entry, .. } => route(route_entry) + HASHED_NONCE_LEN,
                Repr::Advertise { ids, .. } => {
                    ACKED_LEN + id_array_len(ids.len()) + HASHED_NONCE_LEN
                }
                Repr::Request { ids, .. } => NONCE_LEN + id_array_len(ids.len()),
                Repr::Flood {
                    revoke,
                    route_entry,
                    flooded,
                    ..
                } => {
                    FLOOD_CONTROLS_LEN
                        + ID_FIELD_LEN
                        + revoke.map_or(0, |c| pad4(4 + c.buffer_len()))
                        + route(route_entry)
                        + endpoint_array_len(flooded.len())
                }
                Repr::Inquire { cpa, .. } => {
                    FLAGS_FIELD_LEN + ID_FIELD_LEN + if *cpa { NONCE_LEN } else { 0 }
                }
                Repr::Authority(a) => {
                    a.fragments() * (HEADER_LEN + AUTHORITY_FIXED) - HEADER_LEN
                        + a.buffer.buffer_len()
                }
                Repr::Ack { not_found, .. } => {
                    ACKED_LEN + if *not_found { FLAGS_FIELD_LEN } else { 0 }
                }
                Repr::Lookup {
                    route_entry, path, ..
                } => {
                    LOOKUP_CONTROLS_LEN
                        + 2 * ID_FIELD_LEN
                        + route(route_entry)
                        + endpoint_array_len(1 + path.len())
                }
            }
    }

    /// Writes datagram `i` into `buf`, which must hold at least
    /// [`Repr::datagram_len`]`(i)` bytes; returns that length.
    pub fn emit(&self, i: usize, buf: &mut [u8], ids: &IdTable) -> usize {
        let mut w = Writer::new(buf);
        w.field(field_id::PNRP_HEADER, HEADER_LEN);
        w.bytes(&[0x51, 4, 0, self.message_type()]);
        w.be32(self.message_id());
        let acked = |w: &mut Writer, id: u32| {
            w.field(field_id::PNRP_HEADER_ACKED, ACKED_LEN);
            w.be32(id);
        };
        let id_field = |w: &mut Writer, field: u16, id: Id| {
            w.field(field, ID_FIELD_LEN);
            w.id(id, ids);
        };
        let seed = u64::from(self.message_id()) << 16;
        match *self {
            Repr::Solicit { route_entry, .. } => {
                if let Some(r) = route_entry {
                    r.emit(&mut w, ids);
                }
                w.field(field_id::HASHED_NONCE, HASHED_NONCE_LEN);
                w.synthetic(seed | 1, 20);
            }
            Repr::Advertise {
                acked: a,
                ids: list,
                ..
            } => {
                acked(&mut w, a);
                emit_id_array(&mut w, list, ids);
                w.field(field_id::HASHED_NONCE, HASHED_NONCE_LEN);
                w.synthetic(u64::from(a) << 16 | 1, 20);
            }
            Repr::Request { ids: list, .. } => {
                w.field(field_id::NONCE, NONCE_LEN);
                w.synthetic(seed | 2, 16);
                emit_id_array(&mut w, list, ids);
            }
            Repr::Flood {
                no_ack,
                validate,
                revoke,
                route_entry,
                flooded,
                ..
            } => {
                w.field(field_id::FLOOD_CONTROLS, 7);
                w.be16(u16::from(no_ack));
                w.zeros(2);
                id_field(&mut w, field_id::VALIDATE_PNRP_ID, validate);
                if let Some(c) = revoke {
                    c.emit(&mut w, field_id::REVOKE_CPA, ids);
                    w.align();
                }
                if let Some(r) = route_entry {
                    r.emit(&mut w, ids);
                }
                emit_endpoint_array(&mut w, flooded.len(), flooded.iter().copied());
            }
            Repr::Inquire {
                cpa,
                extended,
                validate,
                ..
            } => {
                w.field(field_id::FLAGS_FIELD, 6);
                let flags = if cpa { 0x10 | 0x04 } else { 0 } | if extended { 0x08 } else { 0 };
                w.be16(flags);
                w.zeros(2);
                id_field(&mut w, field_id::VALIDATE_PNRP_ID, validate);
                if cpa {
                    w.field(field_id::NONCE, NONCE_LEN);
                    w.synthetic(seed | 2, 16);
                }
            }
            Repr::Authority(a) => {
                acked(&mut w, a.acked);
                let len = a.buffer.buffer_len();
                let chunk = a.chunk(i);
                w.field(field_id::SPLIT_CONTROLS, 8);
                w.be16(len as u16);
                w.be16(chunk.start as u16);
                let mut whole = vec![0; len];
                a.buffer.emit(&mut Writer::new(&mut whole), ids);
                w.bytes(&whole[chunk]);
            }
            Repr::Ack {
                acked: a,
                not_found,
                ..
            } => {
                acked(&mut w, a);
                if not_found {
                    w.field(field_id::FLAGS_FIELD, 6);
                    w.be16(1); // Reserved (15 bits), then N
                    w.zeros(2);
                }
            }
            Repr::Lookup {
                reason_code,
                target,
                validate,
                route_entry,
                sender,
                path,
                ..
            } => {
                w.field(field_id::LOOKUP_CONTROLS, LOOKUP_CONTROLS_LEN);
                w.be16(0); // flags: A clear, closer answers only
                w.be16(0); // precision, ignored for SEARCH_OPCODE_NONE
                w.u8(0); // SEARCH_OPCODE_NONE
                w.u8(reason_code);
                w.be16(0);
                id_field(&mut w, field_id::TARGET_PNRP_ID, target);
                id_field(&mut w, field_id::VALIDATE_PNRP_ID, validate);
                if let Some(r) = route_entry {
                    r.emit(&mut w, ids);
                }
                let hosts = std::iter::once(sender).chain(path.iter().copied());
                emit_endpoint_array(&mut w, 1 + path.len(), hosts);
            }
        }
        w.at
    }
}
