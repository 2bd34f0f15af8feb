//! Every message's length with its [MS-PPGRH] §2.2 arithmetic written out,
//! and a check that `emit` writes exactly `buffer_len` bytes with the
//! PEER_MESSAGE header of §2.2.1.2.

use super::*;

/// A Peer ID or graph ID as [MS-PPSEC] makes it: a peer name of 40 hex
/// digits, a dot and a classifier, plus the terminating null.
const NAME: u32 = 49;

fn emitted(m: Message) -> Vec<u8> {
    let mut buf = Vec::new();
    let n = m.emit(&mut buf);
    assert_eq!(n, buf.len(), "{m:?}");
    assert_eq!(n, m.buffer_len(), "{m:?}");
    assert_eq!(u32::from_be_bytes(buf[..4].try_into().unwrap()) as usize, n);
    assert_eq!(buf[4], 0x10, "version 1.0");
    assert_eq!(buf[5], m.msg_type());
    buf
}

#[test]
fn fixed_parts_match_the_minimum_sizes_of_section_3_1_5() {
    // §3.1.5.2.1: CONNECT is at least 0x18 = 24 bytes:
    // header 8 + flags 1 + count 1 + offset 2 + name offset 2 + reserved 2 + node ID 8.
    assert_eq!(
        emitted(Message::Connect {
            update: false,
            addresses: 0
        })
        .len(),
        24
    );
    // §3.1.5.2.2: WELCOME at least 0x20 = 32: 8 + node ID 8 + peer time 8 +
    // count 1 + reserved 1 + three offsets 6, plus the Peer ID string.
    assert_eq!(
        Message::Welcome {
            referrals: 0,
            peer_id: 0
        }
        .buffer_len(),
        32
    );
    // §3.1.5.2.3/4: REFUSE and DISCONNECT at least 0x0C = 12: 8 + code 1 + count 1 + offset 2.
    assert_eq!(
        emitted(Message::Refuse {
            code: 1,
            referrals: 0
        })
        .len(),
        12
    );
    assert_eq!(
        emitted(Message::Disconnect {
            reason: 1,
            referrals: 0
        })
        .len(),
        12
    );
    // §3.1.5.2.5: SOLICIT_NEW at least 0x0C = 12; SOLICIT_TIME 20 (+ time 8).
    assert_eq!(Message::SolicitNew { types: 0 }.buffer_len(), 12);
    assert_eq!(Message::SolicitTime { types: 0 }.buffer_len(), 20);
    // §3.1.5.2.7: SOLICIT_HASH at least 0x14 = 20: 8 + 1 + 1 + 2 + count 4 + offset 2 + reserved 2.
    assert_eq!(Message::SolicitHash { hashes: 0 }.buffer_len(), 20);
    // §3.1.5.2.8: ADVERTISE at least 0x18 = 24: 8 + 4 + 4 + 2 + 2 + 4.
    assert_eq!(
        Message::Advertise {
            boundaries: 0,
            abstracts: 0
        }
        .buffer_len(),
        24
    );
    // §3.1.5.2.11/12: SYNC_END and ACK at least 0x0C = 12.
    assert_eq!(emitted(Message::SyncEnd).len(), 12);
    assert_eq!(Message::Ack { acks: 0 }.buffer_len(), 12);
    // §2.2.4.1: Ping = PT2PT header 8 + offset 2 + reserved 2 + data type 16.
    assert_eq!(emitted(Message::Ping).len(), 28);
    // §3.1.7.27: a PEER_RECORD is at least 90 bytes.
    assert_eq!(PEER_RECORD_FIXED, 90);
    assert_eq!(HASH_ENTRY_BOUNDARY, 52, "§3.1.5.2.8: Count * 52");
}

#[test]
fn variable_parts_add_their_elements() {
    // AUTH_INFO (§2.2.2.1): 16 fixed + graph ID 49 + source 49 + destination 49.
    let auth = Message::AuthInfo {
        graph_id: NAME,
        source_peer_id: NAME,
        destination_peer_id: NAME,
    };
    assert_eq!(emitted(auth).len(), 16 + 3 * 49);
    // CONNECT with 1 listening address: 24 + 20.
    assert_eq!(
        emitted(Message::Connect {
            update: true,
            addresses: 1
        })
        .len(),
        44
    );
    // WELCOME with 10 referrals and a Peer ID: 32 + 10 × 20 + 49 = 281.
    assert_eq!(
        emitted(Message::Welcome {
            referrals: 10,
            peer_id: NAME
        })
        .len(),
        281
    );
    // REFUSE busy with 10 referrals (§3.1.5.2.1 default): 12 + 200.
    assert_eq!(
        emitted(Message::Refuse {
            code: 1,
            referrals: 10
        })
        .len(),
        212
    );
    // SOLICIT_NEW for one type: 12 + 16; excluding two: 12 + 32.
    assert_eq!(emitted(Message::SolicitNew { types: 1 }).len(), 28);
    assert_eq!(emitted(Message::SolicitTime { types: 2 }).len(), 52);
    // SOLICIT_HASH of 25 records = 3 ranges of 10 (§3.1.7.31): 20 + 3 × 40.
    assert_eq!(emitted(Message::SolicitHash { hashes: 3 }).len(), 140);
    // ADVERTISE of 1 range of 10 records: 24 + 52 + 10 × 20.
    assert_eq!(
        emitted(Message::Advertise {
            boundaries: 1,
            abstracts: 10
        })
        .len(),
        276
    );
    // REQUEST for 2 records: 16 + 2 × 20.
    assert_eq!(emitted(Message::Request { abstracts: 2 }).len(), 56);
    // ACK of 1 record: 12 + 20.
    assert_eq!(emitted(Message::Ack { acks: 1 }).len(), 32);
}

fn record(payload: Payload) -> Record {
    Record {
        payload,
        deleted: false,
        creator_chars: NAME,
        modified_by_chars: 0,
        security_data: 0,
        graph_id_chars: NAME,
        attribute_chars: 0,
    }
}

#[test]
fn records_of_section_2_2_3_and_their_floods() {
    // PEER_RECORD: 90 + creator 2 × 49 + graph ID 2 × 49 = 286 before the payload.
    let base = 90 + 2 * 49 + 2 * 49;
    // Signature (§2.2.3.2): 8 bytes.
    assert_eq!(record(Payload::Signature).buffer_len(), base + 8);
    // Presence (§2.2.3.4), no attributes, one PEER_ADDRESS: 8 + 4 + 4 + 32.
    let presence = record(Payload::Presence {
        attribute_chars: 0,
        addresses: 1,
    });
    assert_eq!(presence.buffer_len(), base + 48);
    // Contact (§2.2.3.3), one address: 8 + 8 + 4 + 32.
    assert_eq!(
        record(Payload::Contact { addresses: 1 }).buffer_len(),
        base + 52
    );
    // Graph Info (§2.2.3.1): 4 + 4 + 4 + 4 × 4 lengths + 2 × (49 + 49) + 3 × 4.
    let info = record(Payload::GraphInfo {
        graph_id_chars: NAME,
        creator_chars: NAME,
    });
    assert_eq!(info.buffer_len(), base + 236);
    // A deleted record carries neither payload nor attributes (§3.1.7.9).
    let deleted = Record {
        deleted: true,
        attribute_chars: 20,
        ..presence
    };
    assert_eq!(deleted.buffer_len(), base);
    // A signed application record: + security data + payload + 2 × attributes.
    let signed = Record {
        security_data: 128,
        attribute_chars: 10,
        modified_by_chars: NAME,
        ..record(Payload::Opaque { bytes: 200 })
    };
    assert_eq!(signed.buffer_len(), base + 2 * 49 + 128 + 200 + 20);
    // FLOOD (§2.2.2.11): 8 + record offset 2 + reserved 2 + record.
    let flood = emitted(Message::Flood { record: presence });
    assert_eq!(flood.len(), 12 + base + 48);
    assert_eq!(&flood[12 + 2..12 + 3], &[4], "presence type {{00000400-…}}");
    let gone = emitted(Message::Flood { record: deleted });
    assert_eq!(gone[12 + 16 + 16 + 4 + 3], 0x02, "the D flag");
}

#[test]
fn framing_adds_two_bytes_per_frame() {
    // §2.2.1.1: one 2-byte Frame Size per frame of at most 16,379 bytes.
    assert_eq!(Message::framed_len(12), 14);
    assert_eq!(Message::framed_len(MAX_FRAME), MAX_FRAME + 2);
    assert_eq!(Message::framed_len(MAX_FRAME + 1), MAX_FRAME + 1 + 4);
}
