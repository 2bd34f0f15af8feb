//! Quantities written with units in scenario files: durations (`"15s"`),
//! data rates (`"2kbit/s"`) and sizes (`"4KB"`).
//!
//! A bare number is refused on purpose: `refresh_interval = 86400` could be
//! seconds or milliseconds, and a silent factor of 1000 is the worst kind of
//! scenario bug.

use super::SimDuration;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Splits `"12.5ms"` into `("12.5", "ms")`: the number's text without
/// `_` separators, and the unit.
fn split_text(text: &str) -> (String, &str) {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(end);
    (num.replace('_', ""), unit.trim())
}

/// Splits `"12.5ms"` into `(12.5, "ms")`.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let (num, unit) = split_text(text);
    let num: f64 = num.parse().ok()?;
    num.is_finite().then_some((num, unit))
}

/// `num` (digits with at most one `.`) times `scale`, rounded to a whole
/// number: the integer part in exact integer arithmetic, so that every
/// whole number of units converts exactly (a float product is off by a few
/// units beyond 2^53). `None` if not a number or beyond `u64`.
fn scaled_exactly(num: &str, scale: u64) -> Option<u64> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return None;
    }
    let whole = if int.is_empty() {
        0
    } else {
        int.parse::<u64>().ok()?
    };
    let part = if frac.is_empty() {
        0
    } else {
        (format!("0.{frac}").parse::<f64>().ok()? * scale as f64).round() as u64
    };
    whole.checked_mul(scale)?.checked_add(part)
}

pub const DURATION_UNITS: &str = "us, ms, s, min, h, d";

/// Parses a duration such as `"15s"`, `"1.5h"`, `"250ms"` or `"7d"`.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let bad = || {
        format!(
            "invalid duration \"{text}\": expected a number followed by a unit ({DURATION_UNITS}), e.g. \"15s\""
        )
    };
    let (num, unit) = split_text(text);
    let micros_per_unit: u64 = match unit {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" | "sec" => 1_000_000,
        "min" | "m" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => return Err(bad()),
    };
    if !num.bytes().any(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match scaled_exactly(&num, micros_per_unit) {
        Some(us) if us <= u64::MAX / 2 => Ok(SimDuration::from_micros(us)),
        Some(_) => Err(format!("duration \"{text}\" is too large")),
        None if num.matches('.').count() > 1 => Err(bad()),
        None => Err(format!("duration \"{text}\" is too large")),
    }
}

pub const RATE_UNITS: &str = "B/s, kB/s, MB/s, bit/s, kbit/s, Mbit/s";

/// A data rate in bytes per second.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Rate(pub f64);

/// Parses a rate such as `"2kbit/s"`, `"500B/s"` or `"1.5MB/s"` into bytes/s.
/// Prefixes are decimal (k = 1000), as is usual for link speeds.
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    let bad = || {
        format!(
            "invalid rate \"{text}\": expected a number followed by a unit ({RATE_UNITS}), e.g. \"2kbit/s\""
        )
    };
    let (value, unit) = split_number(text).ok_or_else(bad)?;
    let bytes_per_s = match unit {
        "B/s" => 1.0,
        "kB/s" | "KB/s" => 1e3,
        "MB/s" => 1e6,
        "bit/s" | "bps" => 1.0 / 8.0,
        "kbit/s" | "kbps" => 1e3 / 8.0,
        "Mbit/s" | "Mbps" => 1e6 / 8.0,
        _ => return Err(rate_hint(text, value, unit).unwrap_or_else(bad)),
    };
    Ok(Rate(value * bytes_per_s))
}

/// What a rate with a missing, ambiguous or per-nothing unit most likely
/// meant, said in the error.
fn rate_hint(text: &str, value: f64, unit: &str) -> Option<String> {
    let prefix = |u: &str| match u.chars().next() {
        Some('k' | 'K') => "k",
        Some('M' | 'm') => "M",
        _ => "",
    };
    match unit {
        "" => Some(format!(
            "invalid rate \"{text}\": give a unit: \"{value}B/s\" for bytes per second, or \"{value}bit/s\" for bits per second"
        )),
        "b/s" | "kb/s" | "Kb/s" | "mb/s" | "Mb/s" => {
            let p = prefix(unit);
            Some(format!(
                "invalid rate \"{text}\": `{unit}` could mean bits or bytes per second: write \"{value}{p}bit/s\" for bits, or \"{value}{}B/s\" for bytes",
                p
            ))
        }
        "B" | "kB" | "KB" | "MB" | "bit" | "kbit" | "Mbit" => Some(format!(
            "invalid rate \"{text}\": a rate is per second: write \"{value}{unit}/s\""
        )),
        _ => None,
    }
}

pub const SIZE_UNITS: &str = "B, KB, KiB, MB, MiB";

/// Parses a size such as `"4KB"` or `"1188B"` into bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "invalid size \"{text}\": expected a whole number followed by a unit ({SIZE_UNITS}), e.g. \"4KB\""
        )
    };
    let (value, unit) = split_number(text).ok_or_else(bad)?;
    let scale = match unit {
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "KiB" => 1024.0,
        "MB" => 1e6,
        "MiB" => 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = value * scale;
    if bytes.fract() != 0.0 || bytes > u32::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// Implements `Deserialize` (from a unit string) and `Serialize` (to the
/// canonical string) for a newtype around a parsed quantity.
macro_rules! unit_serde {
    ($ty:ty, $parse:path, $expect:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expect)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$ty, E> {
                        $parse(s).map(Into::into).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

/// A duration field of a scenario (`"15s"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub SimDuration);

impl From<SimDuration> for Duration {
    fn from(d: SimDuration) -> Self {
        Duration(d)
    }
}
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
impl Duration {
    pub const fn secs(s: u64) -> Self {
        Duration(SimDuration::from_secs(s))
    }
    pub const fn millis(ms: u64) -> Self {
        Duration(SimDuration::from_millis(ms))
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0.as_secs_f64()
    }
}
unit_serde!(
    Duration,
    parse_duration,
    "a duration with a unit, e.g. \"15s\""
);

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}B/s", self.0)
    }
}
unit_serde!(Rate, parse_rate, "a rate with a unit, e.g. \"2kbit/s\"");

/// A size field of a scenario (`"4KB"`), in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

impl From<u64> for Size {
    fn from(b: u64) -> Self {
        Size(b)
    }
}
impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}B", self.0)
    }
}
unit_serde!(Size, parse_size, "a size with a unit, e.g. \"4KB\"");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15s").unwrap(), SimDuration::from_secs(15));
        assert_eq!(
            parse_duration("1.5h").unwrap(),
            SimDuration::from_secs(5400)
        );
        assert_eq!(
            parse_duration("250ms").unwrap(),
            SimDuration::from_millis(250)
        );
        assert_eq!(
            parse_duration("7d").unwrap(),
            SimDuration::from_secs(7 * 86_400)
        );
        assert_eq!(parse_duration("2min").unwrap(), SimDuration::from_secs(120));
        for bad in ["15", "s", "", "1.2.3s", "15 parsecs", "-3s", "nan s"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("invalid duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("2kbit/s").unwrap(), Rate(250.0));
        assert_eq!(parse_rate("500B/s").unwrap(), Rate(500.0));
        assert_eq!(parse_rate("1MB/s").unwrap(), Rate(1e6));
        assert!(
            parse_rate("2 fortnights/s")
                .unwrap_err()
                .contains("expected a number followed by a unit")
        );
        // Which unit is meant, when the unit is missing or ambiguous.
        assert_eq!(
            parse_rate("2000").unwrap_err(),
            "invalid rate \"2000\": give a unit: \"2000B/s\" for bytes per second, or \"2000bit/s\" for bits per second"
        );
        assert!(
            parse_rate("2kb/s")
                .unwrap_err()
                .contains("could mean bits or bytes")
        );
        assert!(
            parse_rate("2KB")
                .unwrap_err()
                .contains("a rate is per second: write \"2KB/s\"")
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4KB").unwrap(), 4000);
        assert_eq!(parse_size("4KiB").unwrap(), 4096);
        assert_eq!(parse_size("0B").unwrap(), 0);
        assert!(parse_size("1.5B").is_err());
        assert!(parse_size("12").is_err());
    }

    /// Found by fuzzing (fuzz/, target `units`): a duration of more than
    /// 2^53 µs, converted through floats, was written back as a different
    /// number of microseconds, so a sweep point (built from the scenario
    /// written back as TOML) ran with another duration than the file's.
    #[test]
    fn huge_durations_round_trip_exactly() {
        let d = parse_duration("8310875.8310751h").unwrap();
        let shown = Duration(d).to_string();
        // 8310875 h exactly, plus 0.8310751 h rounded to the microsecond.
        assert_eq!(shown, "29919152991870360us");
        assert_eq!(parse_duration(&shown), Ok(d));
        assert_eq!(
            parse_duration("9223372036854775807us"),
            Ok(SimDuration::from_micros(u64::MAX / 2))
        );
        for too_large in ["9223372036854775808us", "99999999999999999999999d"] {
            let err = parse_duration(too_large).unwrap_err();
            assert_eq!(err, format!("duration \"{too_large}\" is too large"));
        }
    }

    #[test]
    fn duration_display_round_trips() {
        for s in ["15s", "1d", "250ms", "90min"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&d.to_string()).unwrap(), d);
        }
    }
}
