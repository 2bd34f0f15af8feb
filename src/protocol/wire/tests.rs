//! Golden layouts of every message type, each with its §2.2 arithmetic,
//! and a property test that every length function tells the truth.

use super::*;
use proptest::prelude::*;

/// Registered IDs 0 (owner host 5) and 1 (owner host 6), with values whose
/// bytes are easy to spot.
fn table() -> IdTable {
    let mut t = IdTable::default();
    t.insert(
        U256([0x1111_1111_1111_1111, 0x2222_2222_2222_2222, 3, 4]),
        HostIx(5),
    );
    t.insert(U256([0xAA; 4]), HostIx(6));
    t
}

fn emit(repr: &Repr, i: usize) -> Vec<u8> {
    let mut buf = vec![0xEE; repr.datagram_len(i)];
    let n = repr.emit(i, &mut buf, &table());
    assert_eq!(n, buf.len(), "{repr:?} datagram {i}");
    buf
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// (FieldID, Length, offset) of every top-level field of a PNRP datagram
/// or AUTHORITY_BUFFER, walking the 4-byte aligned FieldID/Length pairs.
/// The last field must end at the end, or its padding must (a route
/// entry is always padded, §2.2.2.6.1).
fn fields(b: &[u8]) -> Vec<(u16, usize, usize)> {
    let (mut out, mut at) = (Vec::new(), 0);
    while at < b.len() {
        let len = usize::from(be16(b, at + 2));
        assert!(len >= 4, "field at {at} of length {len}");
        out.push((be16(b, at), len, at));
        assert!(at + len <= b.len(), "field at {at} overruns {}", b.len());
        if at + len == b.len() || pad4(at + len) == b.len() {
            return out;
        }
        at = pad4(at + len);
    }
    panic!("no field ends at {}: {out:?}", b.len());
}

fn route(id: Id, addresses: u8) -> RouteEntry {
    RouteEntry { id, addresses }
}

fn cpa(revoke: bool, addresses: u8, app_endpoints: u8) -> Cpa {
    Cpa {
        id: IdIx(0),
        secured: true,
        revoke,
        addresses,
        app_endpoints,
        extended: false,
    }
}

use field_id::*;

#[test]
fn ack_golden_bytes() {
    // 12 header + PNRP_HEADER_ACKED 8 = 20 (§2.2.2.7).
    let b = emit(
        &Repr::Ack {
            message_id: 0x0102_0304,
            acked: 0x0102_0304,
            not_found: false,
        },
        0,
    );
    assert_eq!(
        b,
        [
            0x00, 0x10, 0x00, 0x0C, 0x51, 0x04, 0x00, 0x09, 0x01, 0x02, 0x03, 0x04, // header
            0x00, 0x18, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04, // acked
        ]
    );
    // With the N flag (§3.2.5.5): + FLAGS_FIELD 8 (Length 6, 15 reserved
    // bits, N, 2 bytes padding) = 28.
    let n = emit(
        &Repr::Ack {
            message_id: 0x0102_0304,
            acked: 0x0102_0304,
            not_found: true,
        },
        0,
    );
    assert_eq!(n.len(), 28);
    assert_eq!(n[20..], [0x00, 0x40, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00]);
}

#[test]
fn inquire_golden_bytes() {
    // 12 header + FLAGS 8 (Length 6, 2 bytes padding) + VALIDATE_PNRP_ID
    // 36 = 56; the A and C flags add NONCE 20 = 76 (§2.2.2.5).
    let plain = Repr::Inquire {
        message_id: 7,
        cpa: false,
        extended: false,
        validate: Id::Of(IdIx(0)),
    };
    let b = emit(&plain, 0);
    let mut expected = vec![
        0x00, 0x10, 0x00, 0x0C, 0x51, 0x04, 0x00, 0x07, 0, 0, 0, 7, // header
        0x00, 0x40, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, // flags
        0x00, 0x39, 0x00, 0x24, // VALIDATE_PNRP_ID
    ];
    expected.extend([0x11; 8]);
    expected.extend([0x22; 8]);
    expected.extend([0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4]);
    assert_eq!(b, expected);
    let asking = Repr::Inquire {
        message_id: 7,
        cpa: true,
        extended: true,
        validate: Id::Of(IdIx(0)),
    };
    let b = emit(&asking, 0);
    assert_eq!(b.len(), 76);
    assert_eq!(be16(&b, 16), 0x10 | 0x08 | 0x04, "A, X and C flags");
    assert_eq!(
        fields(&b[12..])
            .iter()
            .map(|f| (f.0, f.1))
            .collect::<Vec<_>>(),
        [(FLAGS_FIELD, 6), (VALIDATE_PNRP_ID, 36), (NONCE, 20)]
    );
}

/// The header, then the fields of `b` as (FieldID, Length, offset).
fn layout(b: &[u8], message_type: u8) -> Vec<(u16, usize, usize)> {
    assert_eq!(
        &b[..8],
        &[0x00, 0x10, 0x00, 0x0C, 0x51, 0x04, 0x00, message_type]
    );
    fields(b)
}

#[test]
fn solicit_layout() {
    // 12 + ROUTING_ENTRY pad4(4 + 38 + 16·2) = 76 + HASHED_NONCE 24 = 112.
    let b = emit(
        &Repr::Solicit {
            message_id: 1,
            route_entry: Some(route(Id::Host(HostIx(3)), 2)),
        },
        0,
    );
    assert_eq!(
        layout(&b, 0x01),
        [
            (PNRP_HEADER, 12, 0),
            (ROUTING_ENTRY, 74, 12),
            (HASHED_NONCE, 24, 88)
        ]
    );
    assert_eq!(b[12 + 4 + 32 + 5], 2, "address count");
}

#[test]
fn advertise_and_request_layout() {
    // ADVERTISE: 12 + ACKED 8 + PNRP_ID_ARRAY 12 + 32n + HASHED_NONCE 24.
    let ids = [IdIx(0), IdIx(1)];
    let b = emit(
        &Repr::Advertise {
            message_id: 2,
            acked: 2,
            ids: &ids,
        },
        0,
    );
    assert_eq!(b.len(), 56 + 64);
    assert_eq!(
        layout(&b, 0x02),
        [
            (PNRP_HEADER, 12, 0),
            (PNRP_HEADER_ACKED, 8, 12),
            (PNRP_ID_ARRAY, 76, 20),
            (HASHED_NONCE, 24, 96)
        ]
    );
    // NumEntries, ArrayLength 8 + 32n, element type, entry length.
    assert_eq!(
        [be16(&b, 24), be16(&b, 26), be16(&b, 28), be16(&b, 30)],
        [2, 72, PNRP_ID, 32]
    );
    // REQUEST: 12 + NONCE 20 + PNRP_ID_ARRAY 12 + 32n.
    let b = emit(
        &Repr::Request {
            message_id: 3,
            ids: &ids,
        },
        0,
    );
    assert_eq!(
        layout(&b, 0x03),
        [
            (PNRP_HEADER, 12, 0),
            (NONCE, 20, 12),
            (PNRP_ID_ARRAY, 76, 32)
        ]
    );
}

#[test]
fn flood_layouts() {
    // 12 + FLOOD_CONTROLS 8 (Length 7) + VALIDATE 36 + ROUTING_ENTRY
    // pad4(4 + 38 + 16) = 60 + IPV6_ENDPOINT_ARRAY 12 + 18f = 128 + 18f.
    let flooded = [HostIx(1), HostIx(2)];
    let flood = Repr::Flood {
        message_id: 4,
        no_ack: true,
        validate: Id::Host(HostIx(9)),
        revoke: None,
        route_entry: Some(route(Id::Of(IdIx(1)), 1)),
        flooded: &flooded,
    };
    let b = emit(&flood, 0);
    assert_eq!(b.len(), 128 + 36);
    assert_eq!(
        layout(&b, 0x04),
        [
            (PNRP_HEADER, 12, 0),
            (FLOOD_CONTROLS, 7, 12),
            (VALIDATE_PNRP_ID, 36, 20),
            (ROUTING_ENTRY, 58, 56),
            (IPV6_ENDPOINT_ARRAY, 48, 116)
        ]
    );
    assert_eq!(be16(&b, 16), 1, "D flag");
    // The route entry lists the owner's (host 6's) address.
    assert_eq!(&b[60 + 38..60 + 54], &host_address(HostIx(6), 0));
    // Revoke: 12 + 8 + 36 + REVOKE_CPA pad4(4 + 419) + 12 + 18f.
    let revoke = Repr::Flood {
        message_id: 4,
        no_ack: false,
        validate: Id::Host(HostIx(9)),
        revoke: Some(cpa(true, 1, 3)),
        route_entry: None,
        flooded: &flooded,
    };
    let b = emit(&revoke, 0);
    assert_eq!(b.len(), 492 + 36);
    assert_eq!(
        layout(&b, 0x04)[3..],
        [(REVOKE_CPA, 423, 56), (IPV6_ENDPOINT_ARRAY, 48, 480)]
    );
    // CPA Length (little-endian) and the R flag; a revoke has no payload
    // even when the name has application endpoints.
    assert_eq!(u16::from_le_bytes([b[60], b[61]]), 419);
    assert_eq!(b[66] & 0x01, 0x01);
}

#[test]
fn lookup_layout() {
    // 12 + LOOKUP_CONTROLS 12 + TARGET 36 + VALIDATE 36 + ROUTING_ENTRY 60
    // + IPV6_ENDPOINT_ARRAY 12 + 18 (1 + p): the resolver comes first.
    let path = [HostIx(1), HostIx(2)];
    let b = emit(
        &Repr::Lookup {
            message_id: 5,
            reason_code: 1,
            target: Id::Value(U256([9; 4])),
            validate: Id::Host(HostIx(1)),
            route_entry: Some(route(Id::Of(IdIx(0)), 1)),
            sender: HostIx(7),
            path: &path,
        },
        0,
    );
    assert_eq!(b.len(), 168 + 54);
    assert_eq!(
        layout(&b, 0x0B),
        [
            (PNRP_HEADER, 12, 0),
            (LOOKUP_CONTROLS, 12, 12),
            (TARGET_PNRP_ID, 36, 24),
            (VALIDATE_PNRP_ID, 36, 60),
            (ROUTING_ENTRY, 58, 96),
            (IPV6_ENDPOINT_ARRAY, 66, 156)
        ]
    );
    assert_eq!(b[21], 1, "REASON_REGISTRATION");
    assert_eq!(be16(&b, 160), 3, "three entries");
    assert_eq!(&b[170..186], &host_address(HostIx(7), 0));
}

#[test]
fn authority_layouts() {
    // 12 + ACKED 8 + SPLIT_CONTROLS 8, then the AUTHORITY_BUFFER: FLAGS 8
    // + CLASSIFIER pad4(12 + 2·16) = 44 + EXTENDED_PAYLOAD pad4(4 + 210 +
    // 100) = 316 + ROUTING_ENTRY 60 + VALIDATE_CPA 4 + (419 + 6 + 20·2).
    let mut a = Authority {
        message_id: 6,
        acked: 6,
        buffer: AuthorityBuffer {
            not_found: false,
            classifier: Some(Classifier { chars: 16 }),
            extended: Some(ExtendedPayload {
                id: IdIx(0),
                payload: 100,
            }),
            route_entry: Some(route(Id::Of(IdIx(0)), 1)),
            cpa: Some(cpa(false, 1, 2)),
        },
        fragment: AUTHORITY_FRAGMENT,
    };
    let buffer = 8 + 44 + 316 + 60 + 4 + 465;
    assert_eq!(a.buffer.buffer_len(), buffer);
    let b = emit(&Repr::Authority(a), 0);
    assert_eq!(b.len(), 28 + buffer);
    assert_eq!(
        layout(&b[..28], 0x08),
        [
            (PNRP_HEADER, 12, 0),
            (PNRP_HEADER_ACKED, 8, 12),
            (SPLIT_CONTROLS, 8, 20)
        ]
    );
    assert_eq!([be16(&b, 24), be16(&b, 26)], [buffer as u16, 0]);
    assert_eq!(
        fields(&b[28..]),
        [
            (FLAGS_FIELD, 6, 0),
            (CLASSIFIER, 44, 8),
            (EXTENDED_PAYLOAD, 314, 52),
            (ROUTING_ENTRY, 58, 368),
            (VALIDATE_CPA, 469, 428)
        ]
    );
    // Fragments of 300 bytes: each repeats the 28-byte header, with the
    // offset of its slice; together they carry the buffer once.
    a.fragment = 300;
    let repr = Repr::Authority(a);
    assert_eq!(repr.datagrams(), buffer.div_ceil(300));
    let mut whole = Vec::new();
    for i in 0..repr.datagrams() {
        let f = emit(&repr, i);
        assert_eq!(&f[..24], &b[..24]);
        assert_eq!(usize::from(be16(&f, 26)), 300 * i);
        whole.extend_from_slice(&f[28..]);
    }
    assert_eq!(whole, b[28..]);
    assert_eq!(repr.buffer_len(), buffer + 28 * repr.datagrams());
}

fn any_route() -> impl Strategy<Value = Option<RouteEntry>> {
    prop::option::of((0u32..2, 1u8..=4).prop_map(|(ix, a)| route(Id::Of(IdIx(ix)), a)))
}

fn any_cpa(revoke: bool) -> impl Strategy<Value = Cpa> {
    (any::<bool>(), 1u8..=4, 0u8..=10, any::<bool>()).prop_map(move |(secured, a, k, x)| Cpa {
        secured,
        extended: x,
        ..cpa(revoke, a, k)
    })
}

fn any_authority() -> impl Strategy<Value = Authority> {
    (
        any::<bool>(),
        prop::option::of(0u16..150),
        prop::option::of(1u16..=4096),
        any_route(),
        prop::option::of(any_cpa(false)),
        100usize..2000,
    )
        .prop_map(|(not_found, c, e, route_entry, cpa, fragment)| Authority {
            message_id: 1,
            acked: 1,
            buffer: AuthorityBuffer {
                not_found,
                classifier: c.map(|chars| Classifier { chars }),
                extended: e.map(|payload| ExtendedPayload {
                    id: IdIx(1),
                    payload,
                }),
                route_entry,
                cpa,
            },
            fragment,
        })
}

/// Every message type and variant, with list lengths from empty to the
/// spec's maximum.
fn any_message(hosts: &[HostIx], ids: &[IdIx]) -> impl Strategy<Value = Repr<'static>> {
    let hosts: &'static [HostIx] = Box::leak(hosts.to_vec().into_boxed_slice());
    let ids: &'static [IdIx] = Box::leak(ids.to_vec().into_boxed_slice());
    let n = ids.len();
    prop_oneof![
        any_route().prop_map(|route_entry| Repr::Solicit {
            message_id: 1,
            route_entry
        }),
        (0..=n).prop_map(move |k| Repr::Advertise {
            message_id: 1,
            acked: 2,
            ids: &ids[..k]
        }),
        (0..=n).prop_map(move |k| Repr::Request {
            message_id: 1,
            ids: &ids[..k]
        }),
        (
            any::<bool>(),
            any_route(),
            prop::option::of(any_cpa(true)),
            0usize..=22
        )
            .prop_map(move |(no_ack, route_entry, revoke, f)| Repr::Flood {
                message_id: 1,
                no_ack,
                validate: Id::Host(HostIx(1)),
                revoke,
                route_entry,
                flooded: &hosts[..f],
            }),
        (any::<bool>(), any::<bool>()).prop_map(|(cpa, extended)| Repr::Inquire {
            message_id: 1,
            cpa,
            extended,
            validate: Id::Of(IdIx(0)),
        }),
        any_authority().prop_map(Repr::Authority),
        any::<bool>().prop_map(|not_found| Repr::Ack {
            message_id: 1,
            acked: 1,
            not_found,
        }),
        (0u8..4, any_route(), 0usize..22).prop_map(move |(reason_code, route_entry, p)| {
            Repr::Lookup {
                message_id: 1,
                reason_code,
                target: Id::Value(U256::MAX),
                validate: Id::Host(HostIx(2)),
                route_entry,
                sender: HostIx(3),
                path: &hosts[..p],
            }
        }),
    ]
}

/// `buffer_len()` is what the simulator charges: it must equal the bytes
/// emitted over all datagrams, each datagram must be as long as
/// `datagram_len` says, and its fields (and an AUTHORITY's reassembled
/// buffer) must tile it exactly, every FieldID 4-byte aligned.
fn lengths_tile(repr: &Repr) -> Result<(), TestCaseError> {
    let mut total = 0;
    let mut buffer = Vec::new();
    for i in 0..repr.datagrams() {
        let b = emit(repr, i);
        total += b.len();
        match repr {
            Repr::Authority(a) => {
                prop_assert!(b.len() <= 28 + a.fragment);
                prop_assert_eq!(fields(&b[..28]).len(), 3);
                buffer.extend_from_slice(&b[28..]);
            }
            _ => {
                fields(&b);
            }
        }
    }
    prop_assert_eq!(total, repr.buffer_len());
    if let Repr::Authority(a) = repr {
        prop_assert_eq!(buffer.len(), a.buffer.buffer_len());
        fields(&buffer);
    }
    Ok(())
}

/// The case proptest once shrank a failure to: an AUTHORITY with an empty
/// buffer cut into small fragments. Kept as a test rather than a seed file,
/// so that no test run writes into the checkout.
#[test]
fn an_empty_authority_in_small_fragments_tiles_its_datagrams() {
    let repr = Repr::Authority(Authority {
        message_id: 1,
        acked: 1,
        buffer: AuthorityBuffer {
            not_found: false,
            classifier: None,
            extended: None,
            route_entry: None,
            cpa: None,
        },
        fragment: 100,
    });
    lengths_tile(&repr).unwrap();
}

proptest! {
    // New failures are printed, never saved beside the sources: a test run
    // must leave the checkout as it was. Copy a shrunk case into a test
    // like the one above.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn lengths_equal_the_emitted_bytes(
        repr in any_message(&[HostIx(1); 22], &[IdIx(0), IdIx(1), IdIx(0), IdIx(1), IdIx(0)])
    ) {
        lengths_tile(&repr)?;
    }
}
