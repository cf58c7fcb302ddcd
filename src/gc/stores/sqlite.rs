//! A LangGraph SQLite checkpoint database, as `langgraph-checkpoint-sqlite`'s
//! `SqliteSaver` and `AsyncSqliteSaver` write it: tables `checkpoints` and
//! `writes`, both keyed by (`thread_id`, `checkpoint_ns`, `checkpoint_id`, …),
//! in WAL mode.
//!
//! - The database is opened read-write without create, and no table is ever
//!   created: a missing file or table is an error.
//! - A WAL database is opened only by its owner: opening it creates `-wal` and
//!   `-shm` files beside it, owned by whoever opened it, which the platform
//!   (the owner) may then be unable to open.
//! - A thread is deleted in one `BEGIN IMMEDIATE` transaction over both tables
//!   and every namespace. A writer holding the database beyond the bounded
//!   busy wait leaves the thread (and the rest of the run) for the next run.

use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};

use super::{
    CheckpointStore, Found, LastTouched, Record, Removal, StoreKind, Vacuumed, checkpoint_time,
};
use crate::gc::rule::Thread;

/// How long one deletion waits for a writer to release the database.
pub const BUSY_WAIT: Duration = Duration::from_secs(5);

pub struct SqliteStore {
    path: PathBuf,
    conn: Connection,
    /// In WAL mode: commits wait for no disk, and only [`SqliteStore::settle`]
    /// checkpoints.
    wal: bool,
}

/// Whether the 100-byte SQLite header says the database is in WAL mode
/// (file format read/write versions 2).
fn is_wal(header: &[u8]) -> bool {
    header.len() >= 20 && (header[18] == 2 || header[19] == 2)
}

/// Refuses to open a WAL database that belongs to someone else (design §9).
/// Pure: the decision from the owner, the effective user and the header.
pub fn ownership_problem(path: &Path, owner: u32, euid: u32, header: &[u8]) -> Option<String> {
    if is_wal(header) && owner != euid {
        Some(format!(
            "{} is a WAL database owned by uid {owner}; opening it as uid {euid} would leave -wal/-shm files the owner may not be able to open. Run `tend gc checkpoints` as the database's owner (e.g. from that user's crontab)",
            path.display()
        ))
    } else {
        None
    }
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let meta = fs::metadata(path)
            .with_context(|| format!("cannot open the checkpoint database {}", path.display()))?;
        if !meta.is_file() {
            bail!(
                "the checkpoint database {} is not a regular file",
                path.display()
            );
        }
        let mut header = [0u8; 100];
        let read = fs::File::open(path)
            .and_then(|mut f| f.read(&mut header))
            .with_context(|| format!("cannot read {}", path.display()))?;
        if read > 0 && !header.starts_with(b"SQLite format 3\0") {
            bail!("{} is not an SQLite database", path.display());
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        if let Some(problem) = ownership_problem(path, meta.uid(), euid, &header[..read]) {
            bail!(problem);
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open the checkpoint database {}", path.display()))?;
        conn.busy_timeout(BUSY_WAIT)
            .context("cannot set the busy timeout")?;
        // In WAL mode a commit need not wait for the disk, and this
        // connection never checkpoints on its own: a deletion becomes durable
        // when the WAL is synced, which gc does (in `settle`) only after
        // syncing the deletions' `gc.checkpoint_removed` rows. A commit lost
        // to a power cut leaves a row for a deletion the next run repeats
        // (under the same row id), never the reverse beyond the window the
        // journal module describes. Atomicity is unchanged, and the settings
        // are this connection's only.
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .with_context(|| format!("cannot read the journal mode of {}", path.display()))?;
        let wal = mode.eq_ignore_ascii_case("wal");
        if wal {
            conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0")
                .context("cannot set synchronous = NORMAL and wal_autocheckpoint = 0")?;
        }
        let store = SqliteStore {
            path: path.to_path_buf(),
            conn,
            wal,
        };
        store.check_tables()?;
        Ok(store)
    }

    fn check_tables(&self) -> Result<()> {
        for table in ["checkpoints", "writes"] {
            let found: Option<String> = self
                .conn
                .query_row(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .optional()
                .with_context(|| format!("cannot read the schema of {}", self.path.display()))?;
            if found.is_none() {
                bail!(
                    "{} is not a LangGraph checkpoint database: it has no table `{table}` (tend never creates one)",
                    self.path.display()
                );
            }
        }
        Ok(())
    }

    fn newest_checkpoint(&self, thread_id: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = ?1")?
            .query_row([thread_id], |r| r.get(0))
    }

    fn delete_in_transaction(&self, thread: &Thread) -> rusqlite::Result<Removal> {
        let newest = self.newest_checkpoint(&thread.thread_id)?;
        let Some(newest) = newest else {
            // No checkpoint left; pending writes alone still belong to it.
            let writes: i64 = self
                .conn
                .prepare_cached("SELECT count(*) FROM writes WHERE thread_id = ?1")?
                .query_row([&thread.thread_id], |r| r.get(0))?;
            if writes == 0 {
                return Ok(Removal::Gone);
            }
            return self.delete_rows(&thread.thread_id);
        };
        let now = checkpoint_time(&newest).ok();
        if now.is_none() || now != thread.last_touched.clone().ok() {
            return Ok(Removal::Touched { at: now });
        }
        self.delete_rows(&thread.thread_id)
    }

    fn delete_rows(&self, thread_id: &str) -> rusqlite::Result<Removal> {
        let checkpoint_bytes: i64 = self
            .conn
            .prepare_cached(
                "SELECT coalesce(sum(coalesce(length(checkpoint), 0) + coalesce(length(metadata), 0)), 0) FROM checkpoints WHERE thread_id = ?1",
            )?
            .query_row([thread_id], |r| r.get(0))?;
        let write_bytes: i64 = self
            .conn
            .prepare_cached(
                "SELECT coalesce(sum(coalesce(length(value), 0)), 0) FROM writes WHERE thread_id = ?1",
            )?
            .query_row([thread_id], |r| r.get(0))?;
        self.conn
            .prepare_cached("DELETE FROM checkpoints WHERE thread_id = ?1")?
            .execute(params![thread_id])?;
        self.conn
            .prepare_cached("DELETE FROM writes WHERE thread_id = ?1")?
            .execute(params![thread_id])?;
        Ok(Removal::Removed {
            bytes: (checkpoint_bytes.max(0) + write_bytes.max(0)) as u64,
        })
    }

    fn size(&self) -> Option<u64> {
        self.conn
            .query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |r| r.get::<_, i64>(0),
            )
            .ok()
            .map(|n| n.max(0) as u64)
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

impl CheckpointStore for SqliteStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Sqlite
    }

    fn scan_each(&mut self, found: Found<'_>) -> Result<Vec<String>> {
        // One pass over the primary key's covering index, in thread order:
        // a thread's rows (every namespace) are consecutive, and the newest
        // checkpoint is the greatest id (a UUIDv6 sorts by its time). No
        // GROUP BY (SQLite's max() over the groups costs three times the
        // pass): the fold below works on borrowed values and two buffers
        // reused from thread to thread, so a thread costs no allocation.
        let cannot = || format!("cannot read {}", self.path.display());
        let mut skipped = Vec::new();
        let mut stmt = self
            .conn
            .prepare("SELECT thread_id, checkpoint_id FROM checkpoints ORDER BY thread_id")
            .with_context(cannot)?;
        let mut rows = stmt.query([]).with_context(cannot)?;
        // The thread being folded (`any` once there is one), its greatest
        // checkpoint id so far, and whether every id of it was text.
        let mut any = false;
        let mut current = String::new();
        let mut newest: Vec<u8> = Vec::new();
        let mut newest_is_text = true;
        let finish = |current: &str, newest: Option<&[u8]>, found: Found<'_>| {
            let touched = match newest {
                Some(id) => LastTouched::CheckpointId(id),
                None => LastTouched::Unknown("its newest checkpoint_id is not text".to_string()),
            };
            found(current, touched);
        };
        let mut not_text = false;
        while let Some(row) = rows.next().with_context(cannot)? {
            let thread = row.get_ref(0).with_context(cannot)?;
            let checkpoint = row.get_ref(1).with_context(cannot)?;
            // A thread's id is checked for UTF-8 once, when it starts.
            let same = any && matches!(thread, ValueRef::Text(t) if t == current.as_bytes());
            if !same {
                let text = match thread {
                    ValueRef::Text(t) => std::str::from_utf8(t).ok(),
                    _ => None,
                };
                let Some(thread_id) = text else {
                    // Rows of one such value are consecutive: one note for them.
                    if !not_text {
                        skipped.push("a checkpoint row whose thread_id is not text".to_string());
                    }
                    not_text = true;
                    continue;
                };
                not_text = false;
                if any {
                    finish(&current, newest_is_text.then_some(&newest[..]), found);
                }
                any = true;
                current.clear();
                current.push_str(thread_id);
                newest.clear();
                newest_is_text = true;
            }
            // UTF-8 is checked when the time is needed (LastTouched::resolve).
            match checkpoint {
                ValueRef::Text(id) => {
                    if newest_is_text && id > newest.as_slice() {
                        newest.clear();
                        newest.extend_from_slice(id);
                    }
                }
                _ => newest_is_text = false,
            }
        }
        if any {
            finish(&current, newest_is_text.then_some(&newest[..]), found);
        }
        Ok(skipped)
    }

    fn delete(&mut self, thread: &Thread, record: Record<'_>) -> Result<Removal> {
        let busy = |path: &Path, detail: String| Removal::Busy {
            message: format!("{} is locked by another writer ({detail})", path.display()),
            stop: true,
        };
        if let Err(e) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            if is_busy(&e) {
                return Ok(busy(&self.path, format!("waited {}s", BUSY_WAIT.as_secs())));
            }
            return Err(e).with_context(|| format!("cannot write {}", self.path.display()));
        }
        // Nothing of the thread is gone unless COMMIT succeeds.
        let rollback = |conn: &Connection| {
            let _ = conn.execute_batch("ROLLBACK");
        };
        let removal = match self.delete_in_transaction(thread) {
            Ok(r) => r,
            Err(e) => {
                rollback(&self.conn);
                if is_busy(&e) {
                    return Ok(busy(&self.path, e.to_string()));
                }
                return Err(e).with_context(|| {
                    format!(
                        "cannot delete thread {} from {}",
                        thread.thread_id,
                        self.path.display()
                    )
                });
            }
        };
        let Removal::Removed { bytes } = removal else {
            rollback(&self.conn);
            return Ok(removal);
        };
        if let Err(e) = record(bytes) {
            rollback(&self.conn);
            return Err(e);
        }
        match self.conn.execute_batch("COMMIT") {
            Ok(()) => Ok(removal),
            Err(e) => {
                rollback(&self.conn);
                if is_busy(&e) {
                    Ok(busy(&self.path, e.to_string()))
                } else {
                    Err(e).with_context(|| format!("cannot commit to {}", self.path.display()))
                }
            }
        }
    }

    fn commits_are_durable(&self) -> bool {
        !self.wal
    }

    fn settle(&mut self) -> Result<()> {
        if self.wal {
            // PASSIVE: never waits for the platform's readers or writers;
            // what it cannot copy now stays in the WAL for a later
            // checkpoint (the platform's or the next one), and a checkpoint
            // already running elsewhere (busy) is as good as this one.
            match self
                .conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            {
                Ok(()) => {}
                Err(e) if is_busy(&e) => {}
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot checkpoint {}", self.path.display()));
                }
            }
        }
        Ok(())
    }

    fn vacuum(&mut self) -> Result<Vacuumed> {
        let before = self.size();
        self.conn
            .execute_batch("VACUUM")
            .with_context(|| format!("cannot vacuum {}", self.path.display()))?;
        Ok(Vacuumed {
            before,
            after: self.size(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "
        CREATE TABLE checkpoints (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL, parent_checkpoint_id TEXT, type TEXT, checkpoint BLOB, metadata BLOB, PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id));
        CREATE TABLE writes (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL, task_id TEXT NOT NULL, task_path TEXT NOT NULL DEFAULT '', idx INTEGER NOT NULL, channel TEXT NOT NULL, type TEXT, value BLOB, PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx));";

    // 2026-05-24T08:00:00.1234567Z and one 100 ns tick later.
    const OLD: &str = "1f157469-00c1-6687-8000-000000000000";
    const NEWER: &str = "1f157469-00c1-6688-8000-000000000000";

    fn db(dir: &Path) -> PathBuf {
        let path = dir.join("cp.sqlite");
        let conn = Connection::open(&path).expect("create");
        conn.execute_batch(SCHEMA).expect("schema");
        conn.execute_batch(&format!(
            "INSERT INTO checkpoints VALUES ('T', '', '{OLD}', NULL, 'msgpack', x'0102', x'03');
             INSERT INTO checkpoints VALUES ('T', 'sub:1', '{NEWER}', NULL, 'msgpack', x'01', NULL);
             INSERT INTO writes VALUES ('T', 'sub:1', '{NEWER}', 'task', '', 0, 'ch', 'msgpack', x'0a0b0c0d');
             INSERT INTO checkpoints VALUES ('U', '', '{OLD}', NULL, 'msgpack', x'01', x'01');"
        ))
        .expect("rows");
        path
    }

    #[test]
    fn scan_takes_the_newest_checkpoint_across_namespaces() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut s = SqliteStore::open(&db(tmp.path())).expect("open");
        let scan = s.scan().expect("scan");
        assert_eq!(scan.threads.len(), 2);
        assert_eq!(scan.threads[0].thread_id, "T");
        assert_eq!(scan.threads[0].last_touched, checkpoint_time(NEWER));
        assert_eq!(scan.threads[1].last_touched, checkpoint_time(OLD));
    }

    #[test]
    fn delete_removes_every_namespace_of_both_tables_and_counts_bytes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = db(tmp.path());
        let mut s = SqliteStore::open(&path).expect("open");
        let scan = s.scan().expect("scan");
        assert_eq!(
            s.delete(&scan.threads[0], &mut |_| Ok(())).expect("delete"),
            Removal::Removed {
                bytes: 2 + 1 + 1 + 4
            }
        );
        let check = Connection::open(&path).expect("open");
        let n: i64 = check
            .query_row(
                "SELECT (SELECT count(*) FROM checkpoints WHERE thread_id = 'T') + (SELECT count(*) FROM writes WHERE thread_id = 'T')",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(n, 0);
        let u: i64 = check
            .query_row(
                "SELECT count(*) FROM checkpoints WHERE thread_id = 'U'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(u, 1);
        assert_eq!(
            s.delete(&scan.threads[0], &mut |_| Ok(())).expect("again"),
            Removal::Gone
        );
    }

    #[test]
    fn a_checkpoint_written_after_the_scan_keeps_the_thread() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = db(tmp.path());
        let mut s = SqliteStore::open(&path).expect("open");
        let scan = s.scan().expect("scan");
        Connection::open(&path)
            .expect("open")
            .execute_batch(&format!(
                "INSERT INTO checkpoints VALUES ('U', 'x', '{NEWER}', NULL, 'msgpack', x'01', x'01')"
            ))
            .expect("insert");
        let removal = s.delete(&scan.threads[1], &mut |_| Ok(())).expect("delete");
        assert_eq!(
            removal,
            Removal::Touched {
                at: checkpoint_time(NEWER).ok()
            }
        );
    }

    #[test]
    fn a_locked_database_is_busy_not_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = db(tmp.path());
        let mut s = SqliteStore::open(&path).expect("open");
        s.conn
            .busy_timeout(Duration::from_millis(10))
            .expect("timeout");
        let scan = s.scan().expect("scan");
        let writer = Connection::open(&path).expect("open");
        writer.execute_batch("BEGIN IMMEDIATE").expect("lock");
        let removal = s.delete(&scan.threads[0], &mut |_| Ok(())).expect("delete");
        assert!(
            matches!(removal, Removal::Busy { stop: true, .. }),
            "{removal:?}"
        );
        writer.execute_batch("ROLLBACK").expect("unlock");
        assert!(matches!(
            s.delete(&scan.threads[0], &mut |_| Ok(())).expect("delete"),
            Removal::Removed { .. }
        ));
    }

    #[test]
    fn never_creates_a_database_or_a_table() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("missing.sqlite");
        assert!(SqliteStore::open(&missing).is_err());
        assert!(!missing.exists());
        let empty = tmp.path().join("empty.sqlite");
        Connection::open(&empty)
            .expect("create")
            .execute_batch("CREATE TABLE other (x)")
            .expect("table");
        let err = SqliteStore::open(&empty).err().expect("error");
        assert!(format!("{err:#}").contains("no table `checkpoints`"));
        let tables: i64 = Connection::open(&empty)
            .expect("open")
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .expect("count");
        assert_eq!(tables, 1);
        let text = tmp.path().join("text.sqlite");
        fs::write(
            &text,
            "hello, this is not a database at all, no it is not......",
        )
        .expect("write");
        let err = SqliteStore::open(&text).err().expect("error");
        assert!(format!("{err:#}").contains("not an SQLite database"));
    }

    #[test]
    fn a_wal_database_is_made_durable_only_by_settle() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = db(tmp.path());
        // A rollback-journal database: each commit is durable, so each row
        // must be synced before it.
        let s = SqliteStore::open(&path).expect("open");
        assert!(s.commits_are_durable());
        drop(s);
        Connection::open(&path)
            .expect("open")
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .expect("wal");
        // The platform keeps a connection open, so closing gc's connection
        // does not checkpoint either.
        let platform = Connection::open(&path).expect("open");
        let mut s = SqliteStore::open(&path).expect("open");
        assert!(!s.commits_are_durable());
        let autocheckpoint: i64 = s
            .conn
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .expect("pragma");
        assert_eq!(autocheckpoint, 0, "gc's commits never checkpoint");
        let scan = s.scan().expect("scan");
        for t in &scan.threads {
            assert!(matches!(
                s.delete(t, &mut |_| Ok(())).expect("delete"),
                Removal::Removed { .. }
            ));
        }
        // Committed (the platform sees it), but still only in the WAL.
        let left: i64 = platform
            .query_row("SELECT count(*) FROM checkpoints", [], |r| r.get(0))
            .expect("count");
        assert_eq!(left, 0);
        // The database file itself (immutable: read without the WAL).
        let in_file = || -> i64 {
            Connection::open_with_flags(
                format!("file:{}?immutable=1", path.display()),
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
            )
            .expect("open")
            .query_row("SELECT count(*) FROM checkpoints", [], |r| r.get(0))
            .expect("count")
        };
        assert_eq!(in_file(), 3, "nothing was checkpointed before settle");
        s.settle().expect("settle");
        assert_eq!(in_file(), 0, "settle checkpointed the deletions");
        drop(platform);
    }

    #[test]
    fn wal_ownership() {
        let mut wal = [0u8; 100];
        wal[18] = 2;
        wal[19] = 2;
        let rollback = [1u8; 100];
        let p = Path::new("/db");
        assert!(ownership_problem(p, 1000, 0, &wal).is_some());
        assert!(ownership_problem(p, 1000, 1000, &wal).is_none());
        assert!(ownership_problem(p, 1000, 0, &rollback).is_none());
        assert!(ownership_problem(p, 1000, 0, &[]).is_none());
    }
}
