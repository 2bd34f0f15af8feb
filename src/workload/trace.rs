//! Churn replayed from a measured trace (`churn.trace`): each traced host
//! comes online and leaves exactly when the trace says.
//!
//! Two layouts are read, told apart by their header:
//! - **sessions**: `host,up,down`, one row per online session; times are
//!   durations from the start of the run with a unit (`90s`, `1.5h`) or
//!   bare seconds; an empty `down` means online until the end;
//! - **the Failure Trace Archive's event trace** (its `event_trace` table
//!   as exported to text: tab- or comma-separated, with at least the
//!   columns `node_id`, `event_type`, `event_start_time` and
//!   `event_end_time`; other columns are ignored). Rows of `event_type` 1
//!   (available) are sessions, rows of type 0 (unavailable) are gaps and
//!   skipped. Its times are absolute (Unix seconds), so the trace is
//!   shifted to start the run at its earliest `event_start_time`.
//!
//! Trace hosts map to simulated hosts 0, 1, … in order of first appearance
//! in the file; hosts beyond the trace follow `[churn]` (parametric churn
//! when `churn.enabled`, otherwise online throughout). A host's sessions
//! must come in time order and must not overlap.

use crate::engine::units::parse_duration;
use crate::engine::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// One online session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    pub up: SimTime,
    /// `None`: online until the end of the run.
    pub down: Option<SimTime>,
}

/// A trace's sessions, by simulated host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionTrace {
    pub hosts: Vec<Vec<Session>>,
}

/// A trace that cannot be read, at a 1-based line and character column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    pub line: usize,
    pub column: usize,
    /// The column's name first (`down: must be after up …`), or what is
    /// wrong with the file.
    pub message: String,
}

const SESSION_COLUMNS: [&str; 3] = ["host", "up", "down"];
const FTA_COLUMNS: [&str; 4] = [
    "node_id",
    "event_type",
    "event_start_time",
    "event_end_time",
];

/// One field of a line: its text and its 1-based character column.
struct Field<'a> {
    text: &'a str,
    column: usize,
}

/// Splits a line at commas, or at tabs if it has no comma.
fn fields(line: &str) -> Vec<Field<'_>> {
    let sep = if line.contains(',') { ',' } else { '\t' };
    let mut out = Vec::new();
    let mut start = 0;
    for piece in line.split(sep) {
        let lead = piece.len() - piece.trim_start().len();
        out.push(Field {
            text: piece.trim(),
            column: line[..start + lead].chars().count() + 1,
        });
        start += piece.len() + sep.len_utf8();
    }
    out
}

impl SessionTrace {
    /// Reads a trace (see the [module docs](self)).
    pub fn parse(text: &str) -> Result<SessionTrace, TraceError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let Some((header_line, header)) = lines.next() else {
            return Err(TraceError {
                line: 1,
                column: 1,
                message: "the trace is empty: expected a header `host,up,down`".to_owned(),
            });
        };
        let names: Vec<String> = fields(header)
            .iter()
            .map(|f| f.text.to_ascii_lowercase())
            .collect();
        let fta = names.iter().any(|n| n == "node_id" || n == "event_type");
        let wanted: &[&str] = if fta { &FTA_COLUMNS } else { &SESSION_COLUMNS };
        let mut index = Vec::new();
        for want in wanted {
            match names.iter().position(|n| n == want) {
                Some(i) => index.push(i),
                None => {
                    return Err(TraceError {
                        line: header_line,
                        column: 1,
                        message: format!(
                            "missing column `{want}`: the header must name the columns {} \
                             (sessions), or node_id, event_type, event_start_time and \
                             event_end_time (Failure Trace Archive event trace)",
                            SESSION_COLUMNS.join(",")
                        ),
                    });
                }
            }
        }
        let mut rows = Vec::new();
        for (line, text) in lines {
            let f = fields(text);
            let at = |k: usize| -> Result<&Field, TraceError> {
                f.get(index[k]).ok_or_else(|| TraceError {
                    line,
                    column: text.chars().count() + 1,
                    message: format!("missing value for column `{}`", wanted[k]),
                })
            };
            if fta {
                let kind = at(1)?;
                match kind.text {
                    "1" => {}
                    "0" => continue,
                    other => {
                        return Err(TraceError {
                            line,
                            column: kind.column,
                            message: format!(
                                "event_type: must be 1 (available) or 0 (unavailable) (got `{other}`)"
                            ),
                        });
                    }
                }
            }
            let (up, down) = (at(1 + usize::from(fta))?, at(2 + usize::from(fta))?);
            let up_at =
                time(up, line, wanted[1 + usize::from(fta)], fta)?.ok_or_else(|| TraceError {
                    line,
                    column: up.column,
                    message: format!("{}: must not be empty", wanted[1 + usize::from(fta)]),
                })?;
            let down_at = time(down, line, wanted[2 + usize::from(fta)], fta)?;
            if let Some(d) = down_at {
                if d <= up_at {
                    return Err(TraceError {
                        line,
                        column: down.column,
                        message: format!(
                            "{}: must be after the session's start (got {} ≤ {})",
                            wanted[2 + usize::from(fta)],
                            fmt_secs(d),
                            fmt_secs(up_at)
                        ),
                    });
                }
            }
            rows.push((line, at(0)?.text.to_owned(), up.column, up_at, down_at));
        }
        // FTA times are absolute: the run starts at the earliest start.
        let origin = if fta {
            rows.iter().map(|r| r.3).fold(f64::INFINITY, f64::min)
        } else {
            0.0
        };
        let mut host_of: BTreeMap<String, usize> = BTreeMap::new();
        let mut trace = SessionTrace::default();
        for (line, host, column, up, down) in rows {
            let next = trace.hosts.len();
            let h = *host_of.entry(host.clone()).or_insert(next);
            if h == next {
                trace.hosts.push(Vec::new());
            }
            let session = Session {
                up: at_secs(up - origin),
                down: down.map(|d| at_secs(d - origin)),
            };
            if let Some(prev) = trace.hosts[h].last() {
                let problem = if session.up < prev.up {
                    Some(format!(
                        "sessions of host `{host}` are not in time order: this one starts at {}, before the previous one ({})",
                        prev_fmt(session.up),
                        prev_fmt(prev.up)
                    ))
                } else {
                    match prev.down {
                        None => Some(format!(
                            "overlaps the previous session of host `{host}`, which lasts to the end"
                        )),
                        Some(d) if session.up < d => Some(format!(
                            "overlaps the previous session of host `{host}`, which ends at {}",
                            prev_fmt(d)
                        )),
                        _ => None,
                    }
                };
                if let Some(message) = problem {
                    return Err(TraceError {
                        line,
                        column,
                        message,
                    });
                }
            }
            trace.hosts[h].push(session);
        }
        Ok(trace)
    }
}

fn at_secs(secs: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(secs)
}

fn fmt_secs(secs: f64) -> String {
    format!("{secs}s")
}

fn prev_fmt(t: SimTime) -> String {
    format!("{}", t.since(SimTime::ZERO))
}

/// A time field in seconds: bare seconds, or (sessions only) a duration
/// with a unit; `None` if empty.
fn time(f: &Field, line: usize, name: &str, fta: bool) -> Result<Option<f64>, TraceError> {
    if f.text.is_empty() {
        return Ok(None);
    }
    let bad = |message: String| TraceError {
        line,
        column: f.column,
        message: format!("{name}: {message}"),
    };
    let secs = match f.text.parse::<f64>() {
        Ok(v) => v,
        Err(_) if !fta => match f.text.strip_prefix('-') {
            Some(_) => return Err(bad(format!("must not be negative (got {})", f.text))),
            None => parse_duration(f.text).map_err(bad)?.as_secs_f64(),
        },
        Err(_) => return Err(bad(format!("expected seconds (got `{}`)", f.text))),
    };
    if !secs.is_finite() {
        return Err(bad(format!(
            "expected a finite number of seconds (got {})",
            f.text
        )));
    }
    if secs < 0.0 && !fta {
        return Err(bad(format!("must not be negative (got {})", f.text)));
    }
    Ok(Some(secs))
}

/// The trace as the simulation follows it: each traced host's sessions and
/// which one is current.
#[derive(Clone, Debug)]
pub struct TraceChurn {
    hosts: Vec<Vec<Session>>,
    /// Index of each host's current (or next) session.
    next: Vec<usize>,
}

impl TraceChurn {
    pub fn new(trace: SessionTrace) -> TraceChurn {
        TraceChurn {
            next: vec![0; trace.hosts.len()],
            hosts: trace.hosts,
        }
    }

    /// Whether `host` follows the trace.
    pub fn covers(&self, host: usize) -> bool {
        host < self.hosts.len()
    }

    /// When traced `host` first comes online.
    pub fn first_up(&self, host: usize) -> Option<SimTime> {
        self.hosts.get(host)?.first().map(|s| s.up)
    }

    /// Traced `host` came online: when its session ends (`None`: at the end).
    pub fn session_end(&self, host: usize) -> Option<SimTime> {
        self.hosts.get(host)?.get(self.next[host])?.down
    }

    /// Traced `host` went offline at `now` (at its session's end, or early,
    /// in a timeline event): when its next session starts, if it has one.
    pub fn next_up(&mut self, host: usize, now: SimTime) -> Option<SimTime> {
        let sessions = self.hosts.get(host)?;
        self.next[host] += 1;
        sessions.get(self.next[host]).map(|s| s.up.max(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    fn error(text: &str) -> (usize, usize, String) {
        let e = SessionTrace::parse(text).unwrap_err();
        (e.line, e.column, e.message)
    }

    #[test]
    fn sessions_with_units_or_seconds_map_hosts_in_order_of_appearance() {
        let t = SessionTrace::parse("host,up,down\nb,0,90s\na,1min,2min\nb,2min,\n").unwrap();
        assert_eq!(
            t.hosts,
            [
                vec![
                    Session {
                        up: secs(0),
                        down: Some(secs(90))
                    },
                    Session {
                        up: secs(120),
                        down: None
                    }
                ],
                vec![Session {
                    up: secs(60),
                    down: Some(secs(120))
                }],
            ]
        );
    }

    #[test]
    fn bad_sessions_are_located() {
        let (l, c, m) = error("host,up\na,0\n");
        assert_eq!((l, c), (1, 1));
        assert!(m.starts_with("missing column `down`"), "{m}");
        let (l, c, m) = error("host,up,down\na,60,30\n");
        assert_eq!((l, c), (2, 6));
        assert_eq!(m, "down: must be after the session's start (got 30s ≤ 60s)");
        let (l, c, m) = error("host,up,down\na,-5,30\n");
        assert_eq!((l, c), (2, 3));
        assert_eq!(m, "up: must not be negative (got -5)");
        let (l, c, m) = error("host,up,down\na,100,200\na,50,60\n");
        assert_eq!((l, c), (3, 3));
        assert!(m.contains("not in time order"), "{m}");
        let (l, _, m) = error("host,up,down\na,100,200\na,150,260\n");
        assert_eq!(l, 3);
        assert!(
            m.contains("overlaps the previous session of host `a`, which ends at 200s"),
            "{m}"
        );
        let (l, c, m) = error("host,up,down\na,1x,2\n");
        assert_eq!((l, c), (2, 3));
        assert!(m.starts_with("up: invalid duration"), "{m}");
        let (l, _, m) = error("host,up,down\na,1\n");
        assert_eq!(l, 2);
        assert_eq!(m, "missing value for column `down`");
    }

    #[test]
    fn the_failure_trace_archive_layout_keeps_available_periods() {
        let text = "event_id\tcomponent_id\tnode_id\tplatform_id\tnode_name\tevent_type\tevent_start_time\tevent_end_time\tevent_end_reason\n\
                    1\t0\t7\t1\tn7\t1\t1000000100\t1000000400\t\n\
                    2\t0\t7\t1\tn7\t0\t1000000400\t1000000500\t\n\
                    3\t0\t3\t1\tn3\t1\t1000000000\t1000000900\t\n\
                    4\t0\t7\t1\tn7\t1\t1000000500\t1000000800\t\n";
        let t = SessionTrace::parse(text).unwrap();
        let s = |up, down| Session {
            up: secs(up),
            down: Some(secs(down)),
        };
        assert_eq!(t.hosts, [vec![s(100, 400), s(500, 800)], vec![s(0, 900)]]);
        let (l, c, m) = error("node_id,event_type,event_start_time,event_end_time\n7,2,0,5\n");
        assert_eq!((l, c), (2, 3));
        assert!(
            m.starts_with("event_type: must be 1 (available) or 0"),
            "{m}"
        );
    }

    #[test]
    fn a_crash_mid_session_skips_to_the_next_session() {
        let t = SessionTrace::parse("host,up,down\na,10,20\na,30,40\n").unwrap();
        let mut c = TraceChurn::new(t);
        assert!(c.covers(0) && !c.covers(1));
        assert_eq!(c.first_up(0), Some(secs(10)));
        assert_eq!(c.session_end(0), Some(secs(20)));
        assert_eq!(c.next_up(0, secs(15)), Some(secs(30)));
        assert_eq!(c.session_end(0), Some(secs(40)));
        assert_eq!(c.next_up(0, secs(40)), None);
    }
}
