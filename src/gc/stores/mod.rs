//! The checkpoint stores of design §9: a directory of threads, a LangGraph
//! SQLite database, a LangGraph Postgres database. Each lists its threads with
//! the time each was last touched, and deletes one thread whole (every
//! namespace, every table, one transaction) or not at all.

pub mod dir;
pub mod postgres;
pub mod sqlite;

use std::fmt;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::rule::Thread;

/// Which kind of store (the `store` field of `gc.checkpoint_removed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Dir,
    Sqlite,
    Postgres,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Dir => "dir",
            StoreKind::Sqlite => "sqlite",
            StoreKind::Postgres => "postgres",
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct Scan {
    pub threads: Vec<Thread>,
    /// Entries that are not threads and were left alone, with why (a symbolic
    /// link, a name that is not UTF-8).
    pub skipped: Vec<String>,
}

/// What became of one thread the rule chose to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// Deleted whole; the sizes of its checkpoints, metadata and writes (or
    /// its files).
    Removed { bytes: u64 },
    /// Written to since the scan (now at this time): kept for a later run.
    Touched { at: Option<DateTime<Utc>> },
    /// Already gone when its turn came (another run, or the platform).
    Gone,
    /// Locked by a writer beyond the bounded wait: left for the next run.
    /// `stop` when the whole store is locked (SQLite), so trying the next
    /// thread would only wait again.
    Busy { message: String, stop: bool },
}

/// Space reclaimed by `--vacuum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vacuumed {
    /// Size before and after, where the store can tell.
    pub before: Option<u64>,
    pub after: Option<u64>,
}

/// When a scanned thread was last touched, as its store found it: worked out
/// into a time only for the threads the rule needs one for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastTouched<'a> {
    At(DateTime<Utc>),
    /// The thread's greatest `checkpoint_id` (a UUIDv6 holding the time).
    CheckpointId(&'a [u8]),
    /// Why the store cannot tell.
    Unknown(String),
}

impl LastTouched<'_> {
    pub fn resolve(self) -> Result<DateTime<Utc>, String> {
        match self {
            LastTouched::At(at) => Ok(at),
            LastTouched::CheckpointId(id) => match std::str::from_utf8(id) {
                Ok(id) => checkpoint_time(id),
                Err(_) => Err("its newest checkpoint_id is not UTF-8 text".to_string()),
            },
            LastTouched::Unknown(why) => Err(why),
        }
    }
}

/// Called with each thread a scan finds.
pub type Found<'a> = &'a mut dyn FnMut(&str, LastTouched<'_>);

/// Writes the record of a deletion about to happen (its bytes).
pub type Record<'a> = &'a mut dyn FnMut(u64) -> Result<()>;

/// A checkpoint store.
pub trait CheckpointStore {
    fn kind(&self) -> StoreKind;
    /// Hands every thread to `found`, one at a time, with when it was last
    /// touched; returns the entries that are not threads and were left alone.
    fn scan_each(&mut self, found: Found<'_>) -> Result<Vec<String>>;
    /// Every thread with the time it was last touched, collected.
    fn scan(&mut self) -> Result<Scan> {
        let mut threads = Vec::new();
        let skipped = self.scan_each(&mut |thread_id, touched| {
            threads.push(Thread {
                thread_id: thread_id.to_string(),
                last_touched: touched.resolve(),
            });
        })?;
        Ok(Scan { threads, skipped })
    }
    /// Deletes `thread` whole, unless it was touched after `thread.last_touched`.
    /// `record` is called with the thread's bytes just before the deletion
    /// becomes final (the commit, the rename), so a kill in between leaves a
    /// record of a deletion the next run repeats, never a deletion without
    /// its record; when `record` fails nothing is deleted. An `Err` is a
    /// failure that may affect other threads too (the run stops).
    fn delete(&mut self, thread: &Thread, record: Record<'_>) -> Result<Removal>;
    /// Whether a deletion is durable as soon as it commits, so that its row
    /// must be durable before (see [`crate::gc::journal`]); otherwise it
    /// becomes durable only at [`CheckpointStore::settle`].
    fn commits_are_durable(&self) -> bool {
        true
    }
    /// Makes the deletions committed so far durable; called only once their
    /// rows are.
    fn settle(&mut self) -> Result<()> {
        Ok(())
    }
    /// Reclaims the space of deleted threads.
    fn vacuum(&mut self) -> Result<Vacuumed>;
}

/// The time inside a LangGraph `checkpoint_id`, a UUIDv6 (its 60-bit
/// timestamp counts 100 ns since 1582-10-15).
pub fn checkpoint_time(checkpoint_id: &str) -> Result<DateTime<Utc>, String> {
    let uuid = uuid::Uuid::try_parse(checkpoint_id)
        .map_err(|_| format!("checkpoint_id {checkpoint_id:?} is not a UUID"))?;
    if uuid.get_version_num() != 6 {
        return Err(format!(
            "checkpoint_id {checkpoint_id} is a UUIDv{}, not the UUIDv6 LangGraph writes",
            uuid.get_version_num()
        ));
    }
    let b = uuid.as_u128();
    let time_high_mid = (b >> 80) as u64 & 0xFFFF_FFFF_FFFF;
    let time_low = (b >> 64) as u64 & 0x0FFF;
    let ticks = (time_high_mid << 12) | time_low;
    // 100-ns intervals between 1582-10-15 and 1970-01-01.
    const GREGORIAN_TO_UNIX: i128 = 0x01B2_1DD2_1381_4000;
    let since_unix_100ns = ticks as i128 - GREGORIAN_TO_UNIX;
    let nanos = since_unix_100ns * 100;
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    let sub = nanos.rem_euclid(1_000_000_000) as u32;
    DateTime::from_timestamp(secs, sub)
        .ok_or_else(|| format!("checkpoint_id {checkpoint_id} holds a time out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid6_times() {
        // Written by langgraph.checkpoint.base.id.uuid6 with time.time_ns()
        // fixed at 2026-05-24T08:00:00.123456700Z.
        assert_eq!(
            checkpoint_time("1f157469-00c1-6687-8000-000000000000"),
            crate::clock::parse_ts("2026-05-24T08:00:00.1234567Z")
        );
        assert!(checkpoint_time("not-a-uuid").is_err());
        // A v4 id is not a time.
        assert!(
            checkpoint_time("9b2d4c1e-1d0b-4a8e-9f4c-0a1b2c3d4e5f")
                .unwrap_err()
                .contains("UUIDv4")
        );
    }
}
