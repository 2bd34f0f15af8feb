//! Peer-group graph traffic ([MS-PPGRH] over TCP), counted apart from
//! PNRP's: by message type and reason, and per host.

use super::Traffic;
use crate::protocol::graphing::GraphReason;
use crate::protocol::graphing::message::TYPE_NAMES;

/// Rows of [`GraphTraffic::by_type_reason`]: the §2.2.1.2 message types
/// (code − 1), then the TCP segments that carry no graph data.
pub const ROWS: usize = TYPE_NAMES.len() + 3;
pub const TCP_SETUP: usize = TYPE_NAMES.len();
pub const TCP_TEARDOWN: usize = TYPE_NAMES.len() + 1;
pub const TCP_ACK: usize = TYPE_NAMES.len() + 2;

/// The name of row `i`.
pub fn row_name(i: usize) -> &'static str {
    match i.checked_sub(TYPE_NAMES.len()) {
        None => TYPE_NAMES[i],
        Some(0) => "TCP_SETUP",
        Some(1) => "TCP_TEARDOWN",
        _ => "TCP_ACK",
    }
}

/// One host's graph traffic; zero under the identity method.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphHost {
    pub sent: Traffic,
    pub received: Traffic,
    /// Bytes sent, by [`GraphReason`] index.
    pub sent_bytes_by_reason: [u64; GraphReason::COUNT],
}

/// A run's graph traffic (segments and bytes, headers included), indexed
/// `[row][GraphReason index]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphTraffic {
    pub by_type_reason: Vec<[Traffic; GraphReason::COUNT]>,
}

impl GraphTraffic {
    pub fn new() -> Self {
        GraphTraffic {
            by_type_reason: vec![[Traffic::default(); GraphReason::COUNT]; ROWS],
        }
    }

    pub fn total(&self) -> Traffic {
        let mut t = Traffic::default();
        for row in &self.by_type_reason {
            for c in row {
                t += *c;
            }
        }
        t
    }
}

/// Mean over rated hosts of `bytes(host)` per online second: the per-host
/// upload figures of graph traffic, like `up_B_per_s` for PNRP's.
pub fn mean_rate(
    run: &super::RunResult,
    bytes: impl Fn(&super::HostMetrics) -> u64,
) -> Option<f64> {
    let rates: Vec<f64> = run
        .rated_hosts()
        .map(|h| bytes(h) as f64 / h.online_secs)
        .collect();
    (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
}
