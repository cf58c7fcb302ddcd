//! The windowed scan's one-pass line reader (`audit/fast.rs`) against
//! `serde_json` on arbitrary lines: wherever the fast path answers, its answer
//! (selected details, outside the window, another kind, a bad time) must be
//! the one `serde_json` gives; elsewhere it must hand the line back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A line never holds its newline.
    for line in data.split(|&b| b == b'\n') {
        if let Err(disagreement) = tend::audit::window::fast_path_agrees(line) {
            panic!("{disagreement}");
        }
    }
});
