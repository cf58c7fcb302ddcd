//! The entity source reader (JSON Lines or JSON arrays, as watchers read
//! their `source`): never a panic, and every row is either handed over as an
//! object or counted as bad.
#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use tend::store::source;

fuzz_target!(|data: &[u8]| {
    let mut handed = 0u64;
    if let Ok(report) = source::read_reader(data, "fuzz", |_, _| {
        handed += 1;
        ControlFlow::Continue(())
    }) {
        assert_eq!(report.entities, handed);
    }
    // Stopping after the first entity must be clean too.
    let _ = source::read_reader(data, "fuzz", |_, _| ControlFlow::Break(()));
});
