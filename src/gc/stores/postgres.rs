//! A LangGraph Postgres checkpoint database, as `langgraph-checkpoint-postgres`
//! writes it: tables `checkpoints`, `checkpoint_blobs` and `checkpoint_writes`
//! (and `checkpoint_migrations`, never touched).
//!
//! The connection string is a secret: it is scrubbed (whole, and its
//! password) from every error. A thread is deleted in one transaction over the
//! three tables with a `lock_timeout`, so a row a concurrent writer holds
//! leaves that thread for the next run while the others go on.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};

use super::{
    CheckpointStore, Found, LastTouched, Record, Removal, StoreKind, Vacuumed, checkpoint_time,
};
use crate::config::Secret;
use crate::gc::rule::Thread;

/// How long one deletion waits for a row lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TABLES: [&str; 3] = ["checkpoints", "checkpoint_blobs", "checkpoint_writes"];

pub struct PostgresStore {
    client: Client,
    /// Texts never to show: the connection string and its password.
    hidden: Vec<String>,
}

/// What went wrong, in the server's words when the server answered
/// (`28P01: password authentication failed for user "platform"`), else the
/// client's error and its causes (`error connecting to server: Connection
/// refused`): never the bare "db error" the client's own message is.
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.code().code(), db.message());
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// `text` with the connection string and its password replaced.
fn scrub(text: &str, hidden: &[String]) -> String {
    let mut text = text.to_string();
    for h in hidden {
        if h.len() >= 4 {
            text = text.replace(h.as_str(), "<redacted>");
        }
    }
    text
}

/// A server error as shown: `what`, the SQLSTATE and message, scrubbed.
fn described(hidden: &[String], what: &str, e: postgres::Error) -> anyhow::Error {
    anyhow!("{what}: {}", scrub(&describe(&e), hidden))
}

impl PostgresStore {
    /// Connects with `dsn`; `origin` names where it came from (for errors).
    pub fn connect(dsn: &Secret, origin: &str) -> Result<PostgresStore> {
        let mut hidden = vec![dsn.expose().to_string()];
        let mut config: Config = dsn.expose().parse().map_err(|e: postgres::Error| {
            anyhow!(
                "the connection string in {origin} is invalid: {}",
                scrub(&e.to_string(), &hidden)
            )
        })?;
        if let Some(pw) = config.get_password() {
            hidden.push(String::from_utf8_lossy(pw).into_owned());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("tend gc checkpoints");
        let client = config.connect(NoTls).map_err(|e| {
            anyhow!(
                "cannot connect to the checkpoint database ({origin}): {}",
                scrub(&describe(&e), &hidden)
            )
        })?;
        let mut store = PostgresStore { client, hidden };
        store.check_tables()?;
        Ok(store)
    }

    fn err(&self, what: &str, e: postgres::Error) -> anyhow::Error {
        described(&self.hidden, what, e)
    }

    fn check_tables(&mut self) -> Result<()> {
        for table in TABLES {
            let row = self
                .client
                .query_one("SELECT to_regclass($1)::text", &[&table])
                .map_err(|e| self.err("cannot read the checkpoint database's schema", e))?;
            let found: Option<String> = row.get(0);
            if found.is_none() {
                bail!(
                    "the Postgres database is not a LangGraph checkpoint database: it has no table `{table}` (tend never creates one)"
                );
            }
        }
        Ok(())
    }

    fn size(&mut self) -> Option<u64> {
        let row = self
            .client
            .query_one(
                "SELECT (pg_total_relation_size('checkpoints') + pg_total_relation_size('checkpoint_blobs') + pg_total_relation_size('checkpoint_writes'))::bigint",
                &[],
            )
            .ok()?;
        Some(row.get::<_, i64>(0).max(0) as u64)
    }
}

/// The outer error is the database's; the inner one is `record`'s (after
/// which the transaction was rolled back).
fn delete_thread(
    client: &mut Client,
    thread: &Thread,
    record: Record<'_>,
) -> Result<Result<Removal>, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.batch_execute(&format!(
        "SET LOCAL lock_timeout = '{}ms'",
        LOCK_WAIT.as_millis()
    ))?;
    // Lock the thread's checkpoints: a writer adding one waits for us, or we
    // for it (then lock_timeout leaves the thread for the next run).
    let ids = tx.query(
        "SELECT checkpoint_id FROM checkpoints WHERE thread_id = $1 FOR UPDATE",
        &[&thread.thread_id],
    )?;
    let newest = ids.iter().map(|r| r.get::<_, String>(0)).max();
    match &newest {
        Some(id) => {
            let now = checkpoint_time(id).ok();
            if now.is_none() || now != thread.last_touched.clone().ok() {
                tx.rollback()?;
                return Ok(Ok(Removal::Touched { at: now }));
            }
        }
        None => {
            let left = tx.query_one(
                "SELECT (SELECT count(*) FROM checkpoint_blobs WHERE thread_id = $1) + (SELECT count(*) FROM checkpoint_writes WHERE thread_id = $1)",
                &[&thread.thread_id],
            )?;
            if left.get::<_, i64>(0) == 0 {
                tx.rollback()?;
                return Ok(Ok(Removal::Gone));
            }
        }
    }
    let bytes = tx.query_one(
        "SELECT ((SELECT coalesce(sum(pg_column_size(checkpoint) + pg_column_size(metadata)), 0) FROM checkpoints WHERE thread_id = $1)
               + (SELECT coalesce(sum(coalesce(octet_length(blob), 0)), 0) FROM checkpoint_blobs WHERE thread_id = $1)
               + (SELECT coalesce(sum(octet_length(blob)), 0) FROM checkpoint_writes WHERE thread_id = $1))::bigint",
        &[&thread.thread_id],
    )?;
    let bytes: i64 = bytes.get(0);
    for table in TABLES {
        tx.execute(
            &format!("DELETE FROM {table} WHERE thread_id = $1"),
            &[&thread.thread_id],
        )?;
    }
    let bytes = bytes.max(0) as u64;
    if let Err(e) = record(bytes) {
        tx.rollback()?;
        return Ok(Err(e));
    }
    tx.commit()?;
    Ok(Ok(Removal::Removed { bytes }))
}

impl CheckpointStore for PostgresStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Postgres
    }

    fn scan_each(&mut self, found: Found<'_>) -> Result<Vec<String>> {
        use postgres::fallible_iterator::FallibleIterator;
        let hidden = &self.hidden;
        let failed = |e| described(hidden, "cannot list the checkpoint threads", e);
        // Streamed a row at a time: a million threads are never held at once.
        let mut rows = self
            .client
            .query_raw(
                "SELECT thread_id, max(checkpoint_id) FROM checkpoints GROUP BY thread_id",
                Vec::<String>::new(),
            )
            .map_err(failed)?;
        while let Some(row) = rows.next().map_err(failed)? {
            let thread_id: &str = row.get(0);
            let newest: Option<&str> = row.get(1);
            let touched = match newest {
                Some(id) => LastTouched::CheckpointId(id.as_bytes()),
                None => LastTouched::Unknown("it has no checkpoint_id".to_string()),
            };
            found(thread_id, touched);
        }
        Ok(Vec::new())
    }

    fn delete(&mut self, thread: &Thread, record: Record<'_>) -> Result<Removal> {
        match delete_thread(&mut self.client, thread, record) {
            Ok(result) => result,
            Err(e) => {
                let code = e.code().cloned();
                if code == Some(SqlState::LOCK_NOT_AVAILABLE)
                    || code == Some(SqlState::T_R_DEADLOCK_DETECTED)
                    || code == Some(SqlState::T_R_SERIALIZATION_FAILURE)
                {
                    return Ok(Removal::Busy {
                        message: format!(
                            "thread {} is locked by another writer (waited {}s)",
                            thread.thread_id,
                            LOCK_WAIT.as_secs()
                        ),
                        stop: false,
                    });
                }
                Err(self.err(&format!("cannot delete thread {}", thread.thread_id), e))
            }
        }
    }

    fn vacuum(&mut self) -> Result<Vacuumed> {
        let before = self.size();
        self.client
            .batch_execute("VACUUM (ANALYZE) checkpoints, checkpoint_blobs, checkpoint_writes")
            .map_err(|e| self.err("cannot vacuum the checkpoint tables", e))?;
        Ok(Vacuumed {
            before,
            after: self.size(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_the_dsn_and_its_password() {
        let hidden = vec![
            "postgres://u:hunter22@h/db".to_string(),
            "hunter22".to_string(),
        ];
        assert_eq!(
            scrub(
                "bad postgres://u:hunter22@h/db; password hunter22 rejected",
                &hidden
            ),
            "bad <redacted>; password <redacted> rejected"
        );
    }

    #[test]
    fn an_invalid_dsn_error_names_the_origin_not_the_value() {
        let secret = Secret::new("host=/tmp port=notaport password=s3cr3tpw");
        let err = PostgresStore::connect(&secret, "environment variable CP_DSN")
            .err()
            .expect("error");
        let text = format!("{err:#}");
        assert!(text.contains("CP_DSN"), "{text}");
        assert!(!text.contains("s3cr3tpw"), "{text}");
    }
}
