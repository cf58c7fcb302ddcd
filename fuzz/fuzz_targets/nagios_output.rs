//! A Nagios plugin's standard output (summary, `| perfdata`, long output)
//! and its exit code, read as `probe run` reads an exec probe: never a
//! panic, and every result is one of the four states with a one-line summary.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tend::probe::nagios;
use tend::probe::result::{End, Finished, interpret};

fuzz_target!(|data: &[u8]| {
    let (code, output) = match data.split_first() {
        Some((c, rest)) => (i32::from(*c) - 1, rest),
        None => (0, data),
    };
    let text = String::from_utf8_lossy(output);
    let parsed = nagios::parse_text(&text);
    assert!(!parsed.summary.contains('\n'));
    let mut perf = Vec::new();
    let mut errors = Vec::new();
    nagios::parse_perfdata(&text, &mut perf, &mut errors);
    for end in [End::Exited(code), End::Signaled(9), End::TimedOut(Duration::from_secs(1))] {
        let result = interpret(
            &Finished {
                end,
                stdout: output.to_vec(),
                stdout_cut: code == 2,
                stderr: output.iter().rev().copied().collect(),
                duration: Duration::from_millis(5),
            },
            80 + output.len() % 400,
        );
        let _ = format!("{result:?}");
    }
});
