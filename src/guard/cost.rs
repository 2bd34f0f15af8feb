//! How much CPU time a run takes, before it starts: the cost model behind
//! the plan every long command prints, `validate`'s estimate and the
//! progress bar's weights (a 64-name run counts for much more than a
//! 1-name one).
//!
//! Fitted to the settled-start runs of `cargo bench --bench scenarios`
//! (docs/performance.md): CPU seconds grow with host-hours, with names per
//! host to the power 1.35 (deeper caches, more registrations, more
//! cascades), and up to five times slower per host once a cloud no longer fits
//! the CPU caches (10⁵ hosts and above). It is a rough guide: within a
//! factor of 2.5 of every measured run (the test below), and machines
//! differ.

use crate::scenario::Scenario;

/// CPU seconds per host-hour of a 1-name run of a small cloud (10³–10⁴
/// hosts: 0.06–0.94 s for 10³ and 10⁴ host-hours).
const PER_HOST_HOUR: f64 = 8e-5;
/// Growth with names per host: 16 and 64 names cost 2.7 and 25.7 × 10⁻³
/// CPU s per host-hour measured; names^1.35 × [`PER_HOST_HOUR`] gives 3.4
/// and 22.
const NAMES_EXPONENT: f64 = 1.35;
/// Per-host slowdown of a cloud too big for the CPU caches, reached at
/// 10⁶ hosts (2.7 × 10⁻⁴ CPU s per host-hour; 10⁵: 2.4 × 10⁻⁴, much of
/// it installing the settled state). 5 before the connectivity samples
/// stopped searching the host list per cache entry (4.1 × 10⁻⁴ at 10⁶).
const BIG_CLOUD_FACTOR: f64 = 4.0;

/// Estimated CPU seconds of one run of `s`.
pub fn cpu_seconds(s: &Scenario) -> f64 {
    cpu_seconds_of(
        f64::from(s.hosts.count),
        f64::from(s.hosts.names_per_host),
        s.duration.0.as_secs_f64() / 3600.0,
    )
}

fn cpu_seconds_of(hosts: f64, names: f64, hours: f64) -> f64 {
    // From 1 below 10⁴ hosts to BIG_CLOUD_FACTOR at 10⁶ and above,
    // linear in the decades between.
    let decades = ((hosts.max(1.0).log10() - 4.0) / 2.0).clamp(0.0, 1.0);
    let big = decades * (BIG_CLOUD_FACTOR - 1.0) + 1.0;
    hosts * hours * PER_HOST_HOUR * names.max(1.0).powf(NAMES_EXPONENT) * big
}

/// A CPU or wall time for a reader: "0.4 s", "12 s", "3.5 min", "2.1 h".
pub fn human(secs: f64) -> String {
    if secs < 0.1 {
        "under 0.1 s".to_owned()
    } else if secs < 10.0 {
        format!("{secs:.1} s")
    } else if secs < 120.0 {
        format!("{secs:.0} s")
    } else if secs < 7200.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

/// "about 12 CPU-s" followed by the wall time on `threads` cores when
/// more than one can work at once.
pub fn describe(cpu: f64, runs: u64, threads: usize) -> String {
    let about = |secs: f64| match human(secs) {
        under if secs < 0.1 => under,
        t => format!("about {t}"),
    };
    let parallel = (threads as u64).min(runs).max(1);
    if parallel > 1 {
        format!(
            "{} of CPU time, {} on {parallel} threads",
            about(cpu),
            about(cpu / parallel as f64)
        )
    } else {
        format!("{} of CPU time", about(cpu))
    }
}

/// "1 run", "35 runs": a count with its noun in the right number.
pub fn count(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Worker threads `threads` (0 = one per core) stands for.
pub fn threads_of(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every settled-start run measured in docs/performance.md: (hosts,
    /// names, hours, CPU seconds).
    const MEASURED: [(f64, f64, f64, f64); 6] = [
        (1e3, 1.0, 1.0, 0.06),
        (1e4, 1.0, 1.0, 0.94),
        (1e5, 1.0, 1.0 / 3.0, 8.0),
        (1e6, 1.0, 1.0, 267.0),
        (1e3, 16.0, 2.0 / 3.0, 1.82),
        (1e3, 64.0, 2.0 / 3.0, 17.15),
    ];

    #[test]
    fn the_model_is_within_a_factor_of_two_and_a_half_of_every_measured_run() {
        for (hosts, names, hours, cpu) in MEASURED {
            let model = cpu_seconds_of(hosts, names, hours);
            let ratio = model / cpu;
            assert!(
                (1.0 / 2.5..=2.5).contains(&ratio),
                "{hosts} hosts × {names} names × {hours} h: model {model:.2} s, measured {cpu} s"
            );
        }
    }

    #[test]
    fn times_read_in_units_a_person_uses() {
        assert_eq!(human(0.42), "0.4 s");
        assert_eq!(human(0.01), "under 0.1 s");
        assert_eq!(human(42.0), "42 s");
        assert_eq!(human(600.0), "10.0 min");
        assert_eq!(human(9000.0), "2.5 h");
        assert_eq!(
            describe(60.0, 10, 2),
            "about 60 s of CPU time, about 30 s on 2 threads"
        );
        assert_eq!(describe(60.0, 1, 2), "about 60 s of CPU time");
        assert_eq!(describe(0.01, 1, 1), "under 0.1 s of CPU time");
    }
}
