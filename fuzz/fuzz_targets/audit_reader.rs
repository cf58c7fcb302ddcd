//! The audit line reader (design §3) on arbitrary segment bytes: it must never
//! panic, consume only complete lines, report every other line as malformed
//! or torn with an offset inside the segment, and reach the end so that a
//! second scan from the returned position finds nothing more.
#![no_main]

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use tend::audit::{AuditLog, Item, Position, Reader};

const SEGMENT: &str = "2026-05-24.jsonl";

/// The segment file, and the four readers over it, made once: a reader
/// keeps its 1 MiB read buffer, which a reader made per input would
/// allocate and zero four times per input (most of the time of an input
/// under AddressSanitizer).
struct Fixture {
    path: PathBuf,
    readers: Vec<Reader>,
}

fn fixture() -> &'static Mutex<Fixture> {
    static FIXTURE: OnceLock<Mutex<Fixture>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // In memory (tmpfs) when there is one: on a disk, rewriting the
        // segment for each input (truncate, write, close) made ext4 write it
        // out at once, and each input waited for the disk.
        let base = Some(PathBuf::from("/dev/shm"))
            .filter(|d| d.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("tend-fuzz-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz directory");
        let log = AuditLog::new(&dir);
        let mut readers = Vec::new();
        // As today's segment (a torn end waits) and as an earlier day's (a
        // torn end is reported once), for every kind and for one kind.
        for today in ["2026-05-24T12:00:00Z", "2026-05-25T12:00:00Z"] {
            let today = chrono::DateTime::parse_from_rfc3339(today)
                .unwrap()
                .with_timezone(&chrono::Utc);
            for kinds in [vec![], vec!["probe.wake_requested".to_string()]] {
                readers.push(log.reader(&kinds, today));
            }
        }
        Mutex::new(Fixture {
            path: dir.join(SEGMENT),
            readers,
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let mut fixture = fixture().lock().unwrap_or_else(|p| p.into_inner());
    let fixture = &mut *fixture;
    std::fs::write(&fixture.path, data).expect("write the segment");
    {
        for reader in fixture.readers.iter_mut() {
            let mut seen = 0u64;
            let end = reader
                .scan(&Position::default(), |item| {
                    match item {
                        Item::Row(row) => {
                            assert!(row.offset + row.raw.len() as u64 <= data.len() as u64);
                            assert_eq!(data[(row.offset as usize) + row.raw.len()], b'\n');
                            assert!(row.next.offset > row.offset);
                            let _ = row.record();
                        }
                        Item::Malformed { offset, .. } => assert!(offset < data.len() as u64),
                        Item::Torn { offset, len, .. } => {
                            assert_eq!(offset + len, data.len() as u64)
                        }
                    }
                    seen += 1;
                    Ok(ControlFlow::Continue(()))
                })
                .expect("scan");
            assert!(end.offset <= data.len() as u64);
            let mut again = 0;
            let _ = reader.scan(&end, |_| {
                again += 1;
                Ok(ControlFlow::Continue(()))
            });
            assert_eq!(again, 0, "a second scan from the end found more");
            let _ = seen;
        }
    }
});
