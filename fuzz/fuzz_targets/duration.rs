//! The duration parser (`500ms`, `1h30m`, …): never a panic or an overflow,
//! and what it accepts prints back as a spelling that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tend::config::Duration;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = text.parse::<Duration>() {
        let printed = d.to_string();
        assert_eq!(printed.parse::<Duration>(), Ok(d), "{printed}");
        let _ = d.to_std();
        let _ = d.to_chrono();
    }
});
