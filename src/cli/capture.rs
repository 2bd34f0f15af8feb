//! `pnrpsim run --pcap`: the datagrams of a few hosts as a libpcap file
//! ([`crate::outputs::pcap`]).

use super::Failure;
use crate::engine::{SimDuration, SimTime};
use crate::outputs::pcap::Pcap;
use crate::protocol::id::HostIx;
use crate::protocol::message::Message;
use crate::scenario::Scenario;
use crate::sim::Simulation;
use clap::Args;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// A capture larger than this (estimated) is refused unless `--force`: the
/// frames are held in memory until the file is written.
pub const CAP_BYTES: u64 = 256 << 20;

#[derive(Args, Debug)]
pub struct PcapArgs {
    /// Write the datagrams of sampled hosts to this libpcap file (IPv6/UDP
    /// 3540, Teredo hosts inside IPv4/UDP 3544), timestamped in simulated
    /// time; open it in Wireshark and filter on `pnrp`.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Capture every datagram sent or received by hosts 0 … N−1 (host
    /// indices are independent of the hosts' IDs, so these are a random
    /// sample).
    #[arg(long, value_name = "N", default_value_t = 10, requires = "pcap")]
    pub pcap_hosts: u32,
    /// Capture only datagrams sent in this window of simulated time, e.g.
    /// `10min..20min` [default: the whole run].
    #[arg(long, value_name = "START..END", requires = "pcap")]
    pub pcap_window: Option<String>,
}

/// A capture checked against the scenario, before anything is simulated.
pub struct Plan {
    path: PathBuf,
    hosts: u32,
    window: (SimTime, SimTime),
}

/// Checks the options (exit 2 on bad input): the file can be created, N is
/// between 1 and the host count, the window lies inside the run, and the
/// estimated file size is under [`CAP_BYTES`] unless `force`.
pub fn plan(args: &PcapArgs, s: &Scenario, force: bool) -> Result<Option<Plan>, Failure> {
    let Some(path) = &args.pcap else {
        return Ok(None);
    };
    let bad = |option: &str, msg: String| Failure::Input(format!("--{option}: {msg}"));
    if !(1..=s.hosts.count).contains(&args.pcap_hosts) {
        return Err(bad(
            "pcap-hosts",
            format!(
                "must be between 1 and hosts.count ({}) (got {})",
                s.hosts.count, args.pcap_hosts
            ),
        ));
    }
    let end = SimTime::ZERO + s.duration.0;
    let window = match &args.pcap_window {
        None => (SimTime::ZERO, end),
        Some(text) => parse_window(text, end).map_err(|e| bad("pcap-window", e))?,
    };
    let estimate = estimated_bytes(s, args.pcap_hosts, window);
    crate::outputs::outdir::check_output_file(path, estimate.min(CAP_BYTES))
        .map_err(|e| bad("pcap", e))?;
    if estimate > CAP_BYTES && !force {
        return Err(bad(
            "pcap",
            format!(
                "the capture would be about {} MiB, over the {} MiB cap; capture fewer hosts (--pcap-hosts), a shorter --pcap-window, or use --force",
                estimate >> 20,
                CAP_BYTES >> 20
            ),
        ));
    }
    Ok(Some(Plan {
        path: path.clone(),
        hosts: args.pcap_hosts,
        window,
    }))
}

/// `START..END`, two durations since the start of the run, inside it.
fn parse_window(text: &str, end: SimTime) -> Result<(SimTime, SimTime), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("expected START..END, e.g. 10min..20min (got \"{text}\")"))?;
    let at = |t: &str| crate::scenario::units::parse_duration(t.trim()).map(|d| SimTime::ZERO + d);
    let (start, stop) = (at(a)?, at(b)?);
    if start >= stop || stop > end {
        return Err(format!(
            "must be a non-empty window inside the run (0s..{}) (got \"{text}\")",
            SimDuration(end.0)
        ));
    }
    Ok((start, stop))
}

/// Sent and received bytes of `hosts` hosts over the window, from the
/// estimate's per-host upload (its download is about the same), plus the
/// 16-byte record header of each ~100-byte datagram.
fn estimated_bytes(s: &Scenario, hosts: u32, (start, stop): (SimTime, SimTime)) -> u64 {
    let per_host = crate::estimate::AnalyticEstimate::of(s).map_or(0.0, |e| e.per_host_total());
    let secs = SimDuration(stop.0 - start.0).as_secs_f64();
    (2.0 * per_host * f64::from(hosts) * secs * 1.16) as u64
}

/// The frames of one run, collected while it runs and encoded at its end
/// (the encoding reads PNRP IDs from the run's ID table).
pub struct Recorder<'p> {
    plan: &'p Plan,
    sent: RefCell<Vec<(SimTime, HostIx, HostIx, Message)>>,
    pcap: RefCell<Pcap>,
}

impl<'p> Recorder<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Recorder {
            plan,
            sent: RefCell::new(Vec::new()),
            pcap: RefCell::new(Pcap::default()),
        }
    }

    /// Sets the simulation's observer to keep the sampled hosts' messages.
    pub fn start<'s>(&'s self, sim: &mut Simulation<'s>) {
        let (start, stop) = self.plan.window;
        let sampled = |h: HostIx| h.0 < self.plan.hosts;
        sim.observe(move |now, from, to, msg| {
            if now >= start && now < stop && (sampled(from) || sampled(to)) {
                self.sent.borrow_mut().push((now, from, to, msg.clone()));
            }
        });
    }

    /// Encodes the kept messages, once the run is over.
    pub fn end(&self, sim: &Simulation, s: &Scenario) {
        let sizes = s.protocol_params().sizes;
        let mut pcap = self.pcap.borrow_mut();
        for (now, from, to, msg) in self.sent.take() {
            let teredo = sim.is_teredo(from) || sim.is_teredo(to);
            pcap.message(now, (from, to), teredo, &msg, &sizes, sim.ids());
        }
    }

    /// Writes the file atomically; returns the number of frames.
    pub fn write(self) -> Result<u64, Failure> {
        let pcap = self.pcap.into_inner();
        crate::outputs::atomic::write_atomic(&self.plan.path, |w| w.write_all(pcap.bytes()))
            .map_err(|e| {
                Failure::Run(anyhow::anyhow!("writing {}: {e}", self.plan.path.display()))
            })?;
        Ok(pcap.frames())
    }

    pub fn path(&self) -> &Path {
        &self.plan.path
    }
}
