//! PNRP v4 messages as bytes on the wire ([MS-PNRP] §2.2).
//!
//! Each message and each field it uses has a typed representation with
//! `buffer_len()` and `emit()`, in the style of smoltcp's `wire` module, so
//! that the bytes the simulator charges are the length of an encoding that
//! exists, not a hand-kept table. The simulator only calls the length
//! functions (closed forms over counts, no allocation); bytes are emitted
//! for packet captures and tests.
//!
//! Every field ID, length, count, flag and the 4-byte alignment of every
//! field (§2.2: "the FieldID fields … always start on a 4-byte boundary")
//! are real. What the model does not know — PNRP ID values of other
//! hosts' caches, nonces, keys, signatures, addresses — is synthetic but
//! deterministic bytes of the right length ([`synthetic`]).

mod field;
mod message;

pub use field::{AuthorityBuffer, Classifier, Cpa, ExtendedPayload, RouteEntry};
pub use message::{Authority, Repr};

use super::U256;
use super::id::{HostIx, IdIx, IdTable};

/// UDP port of PNRP (§1.9).
pub const PORT: u16 = 3540;
/// The PNRP header (§2.2.1): FieldID, Length, Identifier, versions, type,
/// Message ID.
pub const HEADER_LEN: usize = 12;
/// The most AUTHORITY_BUFFER bytes one AUTHORITY message carries
/// (§3.2.5.10); the Offset of every fragment is a multiple of it.
pub const AUTHORITY_FRAGMENT: usize = 1188;

/// FieldIDs of §2.2.
pub mod field_id {
    pub const PNRP_HEADER: u16 = 0x0010;
    pub const PNRP_HEADER_ACKED: u16 = 0x0018;
    pub const PNRP_ID: u16 = 0x0030;
    pub const TARGET_PNRP_ID: u16 = 0x0038;
    pub const VALIDATE_PNRP_ID: u16 = 0x0039;
    pub const FLAGS_FIELD: u16 = 0x0040;
    pub const FLOOD_CONTROLS: u16 = 0x0043;
    pub const LOOKUP_CONTROLS: u16 = 0x0045;
    pub const EXTENDED_PAYLOAD: u16 = 0x005A;
    pub const PNRP_ID_ARRAY: u16 = 0x0060;
    pub const WCHAR: u16 = 0x0084;
    pub const CLASSIFIER: u16 = 0x0085;
    pub const HASHED_NONCE: u16 = 0x0092;
    pub const NONCE: u16 = 0x0093;
    pub const SPLIT_CONTROLS: u16 = 0x0098;
    pub const ROUTING_ENTRY: u16 = 0x009A;
    pub const VALIDATE_CPA: u16 = 0x009B;
    pub const REVOKE_CPA: u16 = 0x009C;
    pub const IPV6_ENDPOINT: u16 = 0x009D;
    pub const IPV6_ENDPOINT_ARRAY: u16 = 0x009E;
}

/// Rounds a length up to the next multiple of 4 (the padding after every
/// field that is followed by another).
pub const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// A PNRP ID as the encoder writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// A registered ID, looked up in the [`IdTable`] when emitted.
    Of(IdIx),
    /// A known value (the target of a LOOKUP).
    Value(U256),
    /// An ID of a host that the model does not single out (the Validate
    /// PNRP ID of a FLOOD or LOOKUP names one of the recipient's IDs):
    /// synthetic bytes derived from the host.
    Host(HostIx),
}

impl Id {
    /// The host whose addresses a route entry of this ID lists.
    fn owner(self, ids: &IdTable) -> HostIx {
        match self {
            Id::Of(ix) => ids.owner(ix),
            Id::Host(h) => h,
            Id::Value(_) => HostIx(0),
        }
    }

    fn bytes(self, ids: &IdTable) -> [u8; 32] {
        match self {
            Id::Of(ix) => u256_bytes(ids.id(ix)),
            Id::Value(v) => u256_bytes(v),
            Id::Host(h) => {
                let mut b = [0; 32];
                synthetic(0x1d00_0000 ^ u64::from(h.0), &mut b);
                b
            }
        }
    }
}

fn u256_bytes(v: U256) -> [u8; 32] {
    let mut b = [0; 32];
    for (chunk, word) in b.chunks_exact_mut(8).zip(v.0) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    b
}

/// The `n`-th IPv6 address of a host (documentation prefix 2001:db8::/32,
/// the host index in the last 32 bits, the address number before it).
pub fn host_address(host: HostIx, n: u8) -> [u8; 16] {
    let mut a = [0; 16];
    a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    a[11] = n;
    a[12..].copy_from_slice(&host.0.to_be_bytes());
    a
}

/// Deterministic filler for values the model does not carry (nonces,
/// keys, signatures): a xorshift stream from `seed`.
pub fn synthetic(seed: u64, out: &mut [u8]) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for b in out {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = (x >> 24) as u8;
    }
}

/// Writes fields front to back into a buffer that is long enough (the
/// callers size it with `buffer_len()`).
struct Writer<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl<'a> Writer<'a> {
    fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, at: 0 }
    }
    fn bytes(&mut self, b: &[u8]) {
        self.buf[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
    }
    fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }
    fn be16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }
    fn le16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }
    fn be32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
    fn le32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    fn zeros(&mut self, n: usize) {
        self.buf[self.at..self.at + n].fill(0);
        self.at += n;
    }
    fn synthetic(&mut self, seed: u64, n: usize) {
        synthetic(seed, &mut self.buf[self.at..self.at + n]);
        self.at += n;
    }
    /// FieldID and Length of a field of `len` bytes (both included).
    fn field(&mut self, id: u16, len: usize) {
        self.be16(id);
        self.be16(u16::try_from(len).expect("a PNRP field is shorter than 64 KiB"));
    }
    /// Zero padding up to the next 4-byte boundary of the message.
    fn align(&mut self) {
        let n = pad4(self.at) - self.at;
        self.zeros(n);
    }
    fn id(&mut self, id: Id, ids: &IdTable) {
        self.bytes(&id.bytes(ids));
    }
    /// An IPV6_ENDPOINT (§2.2.3.6): port, then address.
    fn endpoint(&mut self, host: HostIx, n: u8) {
        self.be16(PORT);
        self.bytes(&host_address(host, n));
    }
}

#[cfg(test)]
mod tests;
