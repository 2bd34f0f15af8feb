//! The unit parsers on any text: no panic, and a parsed duration or size
//! written back in its canonical form (as scenarios are re-serialized for
//! sweep points) parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pnrpsim::scenario::units::{Duration, Size, parse_duration, parse_rate, parse_size};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = parse_duration(text) {
        let shown = Duration(d).to_string();
        assert_eq!(parse_duration(&shown), Ok(d), "{text:?} shown as {shown:?}");
    }
    if let Ok(b) = parse_size(text) {
        let shown = Size(b).to_string();
        assert_eq!(parse_size(&shown), Ok(b), "{text:?} shown as {shown:?}");
    }
    if let Ok(r) = parse_rate(text) {
        assert!(r.0.is_finite() && r.0 >= 0.0, "{text:?} gave {r:?}");
    }
});
