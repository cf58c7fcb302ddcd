//! A JSON probe's answer (`{"status":…,"category":…,"observations":…}`):
//! the JSON reader never panics, and a JSON answer decides the state whatever
//! its size (design §4: parsed whole, then cut).
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tend::probe::nagios;
use tend::probe::result::{End, Finished, interpret};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let answer = nagios::parse_json(&text);
    // A limit from the smallest allowed up, often below the answer's size.
    let output_limit = 80 + data.len() % 400;
    let result = interpret(
        &Finished {
            end: End::Exited(0),
            stdout: data.to_vec(),
            stdout_cut: false,
            stderr: Vec::new(),
            duration: Duration::from_millis(5),
        },
        output_limit,
    );
    if let Some(Ok(answer)) = answer {
        assert_eq!(result.status, answer.status, "the JSON answer decides");
        let kept = result.summary.len()
            + serde_json::to_string(&result.observations).map_or(0, |s| s.len());
        assert!(
            kept <= output_limit + 2,
            "kept {kept} bytes with output_limit {output_limit}"
        );
    }
    let _ = format!("{result:?}");
});
