//! A scenario file's text through loading and validation: any input must
//! give a scenario or a one-line error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = pnrpsim::scenario::load::load_str(text, "fuzz.toml", &[]) {
        let shown = e.to_string();
        assert!(!shown.contains('\n'), "error spans lines: {shown:?}");
    }
});
