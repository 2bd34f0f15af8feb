//! Journals truncated and corrupted at random: recovery keeps every valid
//! record and invents none; see `targets::journal_case`.
#![no_main]

// Each target uses its own part of the shared file.
#[allow(dead_code)]
#[path = "../targets.rs"]
mod targets;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    targets::journal_case(data);
});
