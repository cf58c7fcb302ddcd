//! The `gc.checkpoint_removed` rows of one run, and when they are made
//! durable.
//!
//! Every row is appended before its deletion commits, so a kill -9 (the page
//! cache survives) never leaves a deletion without its row: at worst a row
//! without its deletion, which the next run repeats under the same row id.
//!
//! Power loss is the question of which reaches the disk first. A store whose
//! commit is durable at once (a rollback-journal SQLite database, Postgres,
//! a directory's renames as far as `tend` can tell) gets each row synced
//! before its commit, as before. A WAL SQLite database opened by gc commits
//! without syncing (`synchronous = NORMAL`) and never checkpoints on its own
//! (`wal_autocheckpoint = 0`): its deletions become durable when gc syncs
//! the WAL in a checkpoint, which it does only right after syncing the rows
//! ([`sync_due`]: every [`SYNC_ROWS`] rows or [`SYNC_EVERY`], and at the end
//! of the run). What is not ordered: the kernel writing the WAL back on its
//! own (after ~30 s of dirtiness by default) or another connection syncing
//! the WAL meanwhile (the platform committing with `synchronous = FULL`). So
//! after a power cut every deletion up to the last row sync has its row, and
//! at most the last unsynced batch (≤ [`SYNC_ROWS`] threads, ≤ [`SYNC_EVERY`]
//! old) can have lost its rows while some of its deletions survived — one
//! fsync per batch instead of one per thread.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::audit::{AuditLog, Row};

/// The most rows left unsynced.
pub const SYNC_ROWS: usize = 100;
/// The longest a row stays unsynced.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

/// Whether the unsynced rows must be synced now: `rows` of them, the oldest
/// written `oldest` ago.
pub fn sync_due(rows: usize, oldest: Duration) -> bool {
    rows >= SYNC_ROWS || (rows > 0 && oldest >= SYNC_EVERY)
}

/// The run's rows, appended at once and made durable in batches.
pub struct Journal {
    audit: AuditLog,
    /// Segments holding unsynced rows (two when the run crosses midnight).
    segments: Vec<PathBuf>,
    rows: usize,
    oldest: Option<Instant>,
}

impl Journal {
    pub fn new(audit: AuditLog) -> Journal {
        Journal {
            audit,
            segments: Vec::new(),
            rows: 0,
            oldest: None,
        }
    }

    /// Appends one row (not yet durable).
    pub fn write(&mut self, row: &Row, now: DateTime<Utc>) -> Result<()> {
        let segment = self.audit.append_unsynced(std::slice::from_ref(row), now)?;
        if !self.segments.contains(&segment) {
            self.segments.push(segment);
        }
        self.rows += 1;
        self.oldest.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Whether [`Journal::sync`] is due ([`sync_due`]).
    pub fn due(&self) -> bool {
        sync_due(
            self.rows,
            self.oldest.map_or(Duration::ZERO, |t| t.elapsed()),
        )
    }

    /// Makes every row written so far durable.
    pub fn sync(&mut self) -> Result<()> {
        while let Some(segment) = self.segments.last() {
            self.audit.sync(segment)?;
            self.segments.pop();
        }
        self.rows = 0;
        self.oldest = None;
        Ok(())
    }
}

impl Drop for Journal {
    /// A run that ends early (an error) still syncs its rows, before the
    /// store it deleted from is closed (declare the journal after the store).
    fn drop(&mut self) {
        if self.rows > 0 {
            let _ = self.sync();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Kind;
    use serde_json::json;

    #[test]
    fn sync_is_due_at_the_row_and_time_limits() {
        let ms = Duration::from_millis;
        assert!(!sync_due(0, ms(0)));
        assert!(!sync_due(0, ms(5000)), "nothing to sync");
        assert!(!sync_due(1, ms(0)));
        assert!(!sync_due(SYNC_ROWS - 1, SYNC_EVERY - ms(1)));
        assert!(sync_due(SYNC_ROWS, ms(0)));
        assert!(sync_due(SYNC_ROWS + 1, ms(0)));
        assert!(sync_due(1, SYNC_EVERY));
        assert!(!sync_due(1, SYNC_EVERY - Duration::from_nanos(1)));
    }

    #[test]
    fn rows_are_written_at_once_and_counted_until_synced() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let audit = AuditLog::new(tmp.path().join("audit"));
        let now = crate::clock::parse_ts("2026-05-24T23:59:59.999Z").expect("ts");
        let tomorrow = crate::clock::parse_ts("2026-05-25T00:00:00Z").expect("ts");
        let mut j = Journal::new(audit);
        for (i, at) in [now, tomorrow, tomorrow].into_iter().enumerate() {
            let row = Row::deterministic(
                Kind::GcCheckpointRemoved,
                at,
                &format!("sqlite:T-{i}"),
                json!({"thread_id": format!("T-{i}"), "base_session_id": format!("T-{i}"), "bytes": 1, "store": "sqlite"}),
            );
            j.write(&row, at).expect("write");
        }
        assert_eq!(j.rows, 3);
        assert_eq!(j.segments.len(), 2, "{:?}", j.segments);
        // Written already (a kill now loses nothing), durable after sync.
        let day = |d: &str| {
            std::fs::read_to_string(tmp.path().join(format!("audit/{d}.jsonl")))
                .expect("segment")
                .lines()
                .count()
        };
        assert_eq!((day("2026-05-24"), day("2026-05-25")), (1, 2));
        assert!(!j.due());
        j.sync().expect("sync");
        assert_eq!(j.rows, 0);
        assert!(j.segments.is_empty());
        assert!(!j.due());
    }
}
