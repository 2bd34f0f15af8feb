//! `--set path=value` arguments, one per input line, parsed and applied to
//! the quickstart scenario: first each on its own (`parse_set`, `set_path`),
//! then all together through `load_str`, as the command line does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pnrpsim::scenario::load::load_str;
use pnrpsim::scenario::overrides::{parse_set, set_path};

const BASE: &str = include_str!("../../scenarios/quickstart.toml");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sets: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut table: toml::Table = BASE.parse().expect("quickstart parses");
    for arg in &sets {
        if let Ok((path, value)) = parse_set(arg) {
            let _ = set_path(&mut table, &path, value);
        }
    }
    if let Err(e) = load_str(BASE, "quickstart.toml", &sets) {
        let shown = e.to_string();
        assert!(!shown.contains('\n'), "error spans lines: {shown:?}");
    }
});
