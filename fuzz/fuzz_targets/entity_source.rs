//! The entity source reader (JSON Lines or JSON arrays, as watchers read
//! their `source`): never a panic, and every row is either handed over as an
//! object or counted as bad. The first byte chooses how many bytes each read
//! returns, so that rows, strings, escapes and a byte order mark split across
//! reads (as a command's pipe delivers them) are exercised; the result must
//! not depend on where the reads split.
#![no_main]

use std::io::Read;
use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use tend::store::source::{self, At, Report, SourceError};

/// Returns at most `step` bytes per read.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

type Seen = Vec<(String, serde_json::Map<String, serde_json::Value>)>;

fn read(reader: impl Read) -> (Result<Report, SourceError>, Seen) {
    let mut seen = Seen::new();
    let result = source::read_reader(reader, "fuzz", |at: &At, row| {
        seen.push((at.to_string(), row));
        ControlFlow::Continue(())
    });
    (result, seen)
}

fn outcome(result: &Result<Report, SourceError>) -> Result<Report, String> {
    result.as_ref().map(Clone::clone).map_err(ToString::to_string)
}

fuzz_target!(|data: &[u8]| {
    let (step, data) = match data.split_first() {
        Some((s, rest)) => (usize::from(*s % 16) + 1, rest),
        None => (1, data),
    };
    let (whole, seen) = read(data);
    if let Ok(report) = &whole {
        assert_eq!(report.entities, seen.len() as u64);
        assert!(report.bad.first.len() as u64 <= report.bad.count);
    }
    let (split, seen_split) = read(Trickle { data, step });
    assert_eq!(outcome(&whole), outcome(&split), "read {step} bytes at a time");
    assert_eq!(seen, seen_split, "read {step} bytes at a time");
    // Stopping after the first entity must be clean too.
    let mut handed = 0;
    if let Ok(report) = source::read_reader(data, "fuzz", |_, _| {
        handed += 1;
        ControlFlow::Break(())
    }) {
        assert!(handed <= 1);
        assert_eq!(report.stopped, handed == 1);
    }
});
