//! The structures that messages carry (§2.2.3) and the arrays of §2.2.
//! `buffer_len()` is the structure alone; `field_len()` adds the FieldID/Length
//! pair and the padding to the next 4-byte boundary.

use super::{HostIx, IdTable, Writer, field_id, pad4};
use super::{Id, IdIx};

/// FieldID, Length, NumEntries, ArrayLength, ElementFieldType, EntryLength
/// in front of the entries of an array (§2.2.2.2, §2.2.2.8).
const ARRAY_HEADER: usize = 12;
/// PNRP ID (32), versions (2), port (2), flags (1), address count (1).
const ROUTE_ENTRY_FIXED: usize = 38;
/// Length of an IPV6_ENDPOINT (§2.2.3.6): port and address.
pub(super) const ENDPOINT_LEN: usize = 18;

pub(super) fn endpoint_array_len(n: usize) -> usize {
    ARRAY_HEADER + ENDPOINT_LEN * n
}

pub(super) fn id_array_len(n: usize) -> usize {
    ARRAY_HEADER + 32 * n
}

/// An array field of `n` entries of `entry_len` bytes of type `element`.
fn array_header(w: &mut Writer, id: u16, element: u16, entry_len: usize, n: usize) {
    w.field(id, ARRAY_HEADER + entry_len * n);
    w.be16(n as u16);
    w.be16((8 + entry_len * n) as u16);
    w.be16(element);
    w.be16(entry_len as u16);
}

/// IPV6_ENDPOINT_ARRAY of the given hosts' first addresses (a flagged path
/// or an already-flooded list).
pub(super) fn emit_endpoint_array(w: &mut Writer, n: usize, hosts: impl Iterator<Item = HostIx>) {
    array_header(
        w,
        field_id::IPV6_ENDPOINT_ARRAY,
        field_id::IPV6_ENDPOINT,
        ENDPOINT_LEN,
        n,
    );
    for h in hosts {
        w.endpoint(h, 0);
    }
}

pub(super) fn emit_id_array(w: &mut Writer, list: &[IdIx], ids: &IdTable) {
    array_header(
        w,
        field_id::PNRP_ID_ARRAY,
        field_id::PNRP_ID,
        32,
        list.len(),
    );
    for &ix in list {
        w.id(Id::Of(ix), ids);
    }
}

/// ROUTE_ENTRY (§2.2.3.4): a PNRP ID and the owner's PNRP addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteEntry {
    pub id: Id,
    /// 1–4: the addresses of the owner's Local Endpoint List (§3.1.4.1).
    pub addresses: u8,
}

impl RouteEntry {
    pub fn buffer_len(&self) -> usize {
        ROUTE_ENTRY_FIXED + 16 * usize::from(self.addresses)
    }
    pub fn field_len(&self) -> usize {
        pad4(4 + self.buffer_len())
    }
    pub(super) fn emit(&self, w: &mut Writer, ids: &IdTable) {
        w.field(field_id::ROUTING_ENTRY, 4 + self.buffer_len());
        w.id(self.id, ids);
        w.u8(4);
        w.u8(0);
        w.be16(super::PORT);
        w.u8(0);
        w.u8(self.addresses);
        let owner = self.id.owner(ids);
        for n in 0..self.addresses {
            w.bytes(&super::host_address(owner, n));
        }
        w.align();
    }
}

/// Encoded CPA (§2.2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpa {
    pub id: IdIx,
    /// A secure name carries the 20-byte BinaryAuthority (the A flag).
    pub secured: bool,
    /// A Revoke CPA (R flag): zero nonce, no payload (§2.2.3.1).
    pub revoke: bool,
    /// The Service Address List: the owner's PNRP endpoints (§3.2.5.7).
    pub addresses: u8,
    /// IPV6_APP_ENDPOINTs in the one PAYLOAD (0–10, §2.2.3.1.2).
    pub app_endpoints: u8,
    /// Whether the name has an extended payload (the X flag).
    pub extended: bool,
}

/// CPA Length (2), versions (4), flags (1), reserved (1), Not After (8),
/// Service Location (16), Nonce (16).
const CPA_FIXED: usize = 48;
/// BinaryAuthority or ClassifierHash: a SHA-1 hash.
const HASH: usize = 20;
/// CPA Public Key (§2.2.3.1.4): five length fields (9), the 20-byte OID
/// string of rsaEncryption and a 140-byte 1024-bit RSA key.
const PUBLIC_KEY: usize = 9 + 20 + 140;
/// SIGNATURE (§2.2.3.2): Field Length, Signature Length, ALG_ID, 128 bytes.
pub(super) const SIGNATURE: usize = 8 + 128;
/// The OID of rsaEncryption as the ASCII string §2.2.3.1.4 asks for.
const RSA_OID: &[u8; 20] = b"1.2.840.113549.1.1.1";

impl Cpa {
    /// Number of application endpoints as carried: a Revoke CPA has none.
    fn app_endpoints(&self) -> usize {
        if self.revoke {
            0
        } else {
            usize::from(self.app_endpoints)
        }
    }

    /// NumPayloads and Total Bytes, then a PAYLOAD (Type, DataLength, 20
    /// bytes per IPV6_APP_ENDPOINT) if there are application endpoints.
    fn payloads_len(&self) -> usize {
        match self.app_endpoints() {
            0 => 4,
            k => 4 + 6 + 20 * k,
        }
    }

    pub fn buffer_len(&self) -> usize {
        CPA_FIXED
            + if self.secured { HASH } else { 0 }
            + HASH
            + 4
            + super::field::ENDPOINT_LEN * usize::from(self.addresses)
            + self.payloads_len()
            + PUBLIC_KEY
            + SIGNATURE
    }

    /// The structure after a FieldID/Length pair of type `id`, without
    /// padding (the caller aligns if another field follows).
    pub(super) fn emit(&self, w: &mut Writer, id: u16, ids: &IdTable) {
        let len = self.buffer_len();
        w.field(id, 4 + len);
        let seed = u64::from(self.id.0) << 8;
        w.le16(len as u16);
        w.bytes(&[0x00, 0x02, 0x00, 0x04]);
        let flags = (u8::from(self.extended) << 5)
            | (1 << 3)
            | (u8::from(self.secured) << 2)
            | u8::from(self.revoke);
        w.u8(flags);
        w.u8(0);
        w.synthetic(seed | 1, 8); // Not After
        w.bytes(&ids.id(self.id).low().to_le_bytes()); // Service Location
        if self.revoke {
            w.zeros(16);
        } else {
            w.synthetic(seed | 2, 16); // the INQUIRE's nonce
        }
        if self.secured {
            w.synthetic(seed | 3, HASH); // BinaryAuthority
        }
        w.synthetic(seed | 4, HASH); // ClassifierHash
        w.le16(u16::from(self.addresses));
        w.le16(super::field::ENDPOINT_LEN as u16);
        let owner = ids.owner(self.id);
        for n in 0..self.addresses {
            w.endpoint(owner, n);
        }
        let k = self.app_endpoints();
        w.le16(u16::from(k > 0));
        w.le16(self.payloads_len() as u16);
        if k > 0 {
            w.le32(1); // an array of IPv6 endpoints
            w.le16((20 * k) as u16);
            for n in 0..k {
                w.bytes(&super::host_address(owner, 0x80 | n as u8));
                w.be16(8000 + n as u16);
                w.le16(6); // TCP
            }
        }
        w.le16(PUBLIC_KEY as u16);
        w.le16(RSA_OID.len() as u16);
        w.le16(0);
        w.le16(140);
        w.u8(0);
        w.bytes(RSA_OID);
        w.synthetic(seed | 5, 140);
        emit_signature(w, seed | 6);
    }
}

pub(super) fn emit_signature(w: &mut Writer, seed: u64) {
    w.le16(SIGNATURE as u16);
    w.le16(128);
    w.le32(0x8004);
    w.synthetic(seed, 128);
}

/// EXTENDED_PAYLOAD (§2.2.3.3) with a binary payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtendedPayload {
    pub id: IdIx,
    /// Payload bytes, 1–4096.
    pub payload: u16,
}

/// Length, versions, Reserved, Signature Offset (8), Not After (8), PNRP
/// ID (32), Nonce (16), Number of Payloads, Total Payload Bytes, Payload
/// Type, Payload Length (10).
const EXTENDED_FIXED: usize = 8 + 8 + 32 + 16 + 10;

impl ExtendedPayload {
    pub fn buffer_len(&self) -> usize {
        EXTENDED_FIXED + usize::from(self.payload) + SIGNATURE
    }
    pub fn field_len(&self) -> usize {
        pad4(4 + self.buffer_len())
    }
    pub(super) fn emit(&self, w: &mut Writer, ids: &IdTable) {
        let e = usize::from(self.payload);
        w.field(field_id::EXTENDED_PAYLOAD, 4 + self.buffer_len());
        let seed = (u64::from(self.id.0) << 8) | 0x40;
        w.le16(self.buffer_len() as u16);
        w.bytes(&[0x00, 0x02]);
        w.le16(0);
        w.le16((EXTENDED_FIXED + e) as u16);
        w.synthetic(seed | 1, 8);
        let mut id = Id::Of(self.id).bytes(ids);
        id.reverse();
        w.bytes(&id);
        w.synthetic(seed | 2, 16);
        w.le16(1);
        w.le16((10 + e) as u16);
        w.le32(0x8000_0003); // binary data
        w.le16(self.payload);
        w.synthetic(seed | 3, e);
        emit_signature(w, seed | 4);
        w.align();
    }
}

/// CLASSIFIER (§2.2.2.6.1): the classifier of the peer name, UTF-16.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classifier {
    pub chars: u16,
}

impl Classifier {
    pub fn field_len(&self) -> usize {
        pad4(ARRAY_HEADER + 2 * usize::from(self.chars))
    }
    fn emit(&self, w: &mut Writer) {
        let c = usize::from(self.chars);
        array_header(w, field_id::CLASSIFIER, field_id::WCHAR, 2, c);
        for i in 0..c {
            w.le16(u16::from(b'a') + (i % 26) as u16);
        }
        w.align();
    }
}

/// AUTHORITY_BUFFER (§2.2.2.6.1): the logical answer to a LOOKUP or an
/// INQUIRE, split over AUTHORITY messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthorityBuffer {
    /// N flag: the INQUIRE's Validate PNRP ID is not registered here.
    pub not_found: bool,
    pub classifier: Option<Classifier>,
    pub extended: Option<ExtendedPayload>,
    pub route_entry: Option<RouteEntry>,
    /// The CPA comes last, so no padding follows it.
    pub cpa: Option<Cpa>,
}

/// FLAGS_FIELD: FieldID, Length (6), flags, padding.
pub(super) const FLAGS_FIELD_LEN: usize = 8;

impl AuthorityBuffer {
    pub fn buffer_len(&self) -> usize {
        FLAGS_FIELD_LEN
            + self.classifier.map_or(0, |c| c.field_len())
            + self.extended.map_or(0, |e| e.field_len())
            + self.route_entry.map_or(0, |r| r.field_len())
            + self.cpa.map_or(0, |c| 4 + c.buffer_len())
    }
    pub(super) fn emit(&self, w: &mut Writer, ids: &IdTable) {
        w.field(field_id::FLAGS_FIELD, 6);
        w.be16(u16::from(self.not_found));
        w.zeros(2);
        if let Some(c) = self.classifier {
            c.emit(w);
        }
        if let Some(e) = self.extended {
            e.emit(w, ids);
        }
        if let Some(r) = self.route_entry {
            r.emit(w, ids);
        }
        if let Some(c) = self.cpa {
            c.emit(w, field_id::VALIDATE_CPA, ids);
        }
    }
}
