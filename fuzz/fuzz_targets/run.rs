//! Tiny scenarios end to end, under an event budget: a file's text and
//! `--set` arguments (separated by 0xFF bytes) are loaded and, if valid
//! and tiny, simulated; see `targets::scenario_case`.
#![no_main]

// Each target uses its own part of the shared file.
#[allow(dead_code)]
#[path = "../targets.rs"]
mod targets;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xFF);
    let Some(Ok(text)) = parts.next().map(std::str::from_utf8) else {
        return;
    };
    let sets: Vec<String> = parts
        .filter_map(|p| std::str::from_utf8(p).ok())
        .map(str::to_owned)
        .collect();
    targets::scenario_case(text, &sets);
});
