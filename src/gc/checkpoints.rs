//! `tend gc checkpoints` (design §9): read the active sessions, scan the store,
//! decide with [`rule::decide`], delete thread by thread with an audit row
//! for each, and report what was kept and why.

use std::thread::ScopedJoinHandle;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::GcCount;
use super::journal::Journal;
use super::rule::{self, ActiveSessions, Decision, KeepReason, Policy, Sift, Verdict};
use super::sessions;
use super::stores::dir::DirStore;
use super::stores::postgres::PostgresStore;
use super::stores::sqlite::SqliteStore;
use super::stores::{CheckpointStore, LastTouched, Removal, Vacuumed};
use crate::audit::{Kind, Row};
use crate::cli::GcCheckpointsArgs;
use crate::clock::format_ts;
use crate::config::CheckpointStore as StoreConfig;
use crate::ctx::{Ctx, Outcome, Verbosity};
use crate::exit::UsageError;
use crate::store::lock::Wait;

pub const COMMAND: crate::command::Command = crate::command::Command::GcCheckpoints;

/// What became of the threads the rule chose, counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    scanned: u64,
    deleted: u64,
    bytes: u64,
    would_delete: u64,
    kept: u64,
    touched: u64,
    gone: u64,
    busy: u64,
    left: u64,
    over_cap: u64,
    source_empty: u64,
    skipped: u64,
}

impl Tally {
    fn into_outcome(self, failed: bool) -> Outcome {
        let mut o = Outcome {
            failed,
            ..Outcome::default()
        };
        for (counter, n) in [
            (GcCount::Scanned, self.scanned),
            (GcCount::Deleted, self.deleted),
            (GcCount::Bytes, self.bytes),
            (GcCount::WouldDelete, self.would_delete),
            (GcCount::Kept, self.kept),
            (GcCount::Touched, self.touched),
            (GcCount::Gone, self.gone),
            (GcCount::Busy, self.busy),
            (GcCount::Left, self.left),
            (GcCount::OverCap, self.over_cap),
            (GcCount::SourceEmpty, self.source_empty),
            (GcCount::Skipped, self.skipped),
        ] {
            if n > 0 {
                o.count(counter, n);
            }
        }
        o
    }
}

pub fn run(ctx: &mut Ctx, args: &GcCheckpointsArgs) -> Result<Outcome> {
    let cfg = ctx.config.gc.checkpoints.clone();
    let Some(store_cfg) = cfg.store.clone() else {
        bail!(UsageError(
            "no checkpoint store configured: set [gc.checkpoints] store = { dir = … } / { sqlite = … } / { postgres_env = … } in tend.toml".into()
        ));
    };
    let Some(source) = cfg.sessions.clone() else {
        bail!(UsageError(
            "no sessions source configured: set [gc.checkpoints] sessions = { file = … } / { dir = … } / { command = [...] } in tend.toml".into()
        ));
    };
    ctx.run_locked(COMMAND, Wait::No, |ctx| {
        let policy = Policy {
            now: ctx.now(),
            min_age: args.min_age.unwrap_or(cfg.min_age).to_chrono(),
            max_deletions: args.max_deletions.map_or(cfg.max_deletions, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
            allow_empty: args.allow_empty,
        };

        // Without the sessions nothing can be decided; a database store is
        // scanned while another thread reads them (see `Scanning`), a
        // directory store (whose opening clears an interrupted run's trash)
        // only once they are read.
        let hide = ctx.config.secret_env_vars();
        let root = ctx.root.dir().to_path_buf();
        let load = || {
            sessions::load(&source, &cfg, &root, &hide)
                .map_err(|message| format!("{message}; nothing deleted"))
                .and_then(usable)
        };
        let list = listed(ctx);
        std::thread::scope(|scope| -> Result<Outcome> {
            let loader = match store_cfg {
                StoreConfig::Dir(_) => Loader::Done(load()),
                _ => match std::thread::Builder::new()
                    .name("gc-sessions".into())
                    .spawn_scoped(scope, load)
                {
                    Ok(handle) => Loader::Running(handle),
                    Err(_) => Loader::Done(load()),
                },
            };
            let mut scanning = Scanning::new(loader, list);
            if let Some(message) = &scanning.failed {
                ctx.out.error(message);
                return Ok(Tally::default().into_outcome(true));
            }
            let mut opened = open(ctx, &store_cfg);
            let scanned = match &mut opened {
                Ok(store) => Some(store.scan_each(&mut |id, touched| scanning.push(id, touched))),
                Err(_) => None,
            };
            let sift = scanning.sessions();
            // A failed source is reported first, whatever the store did.
            let sift = match sift {
                Ok(sift) => sift,
                Err(message) => {
                    ctx.out.error(&message);
                    return Ok(Tally::default().into_outcome(true));
                }
            };
            let store = opened?;
            let skipped = scanned.transpose()?.unwrap_or_default();
            checkpoints(ctx, args, &policy, store, sift, skipped)
        })
    })
}

/// The sessions as the rule needs them, or the message that nothing is
/// deleted because of them.
fn usable(loaded: sessions::Loaded) -> Result<ActiveSessions, String> {
    if loaded.bad.count > 0 {
        return Err(format!(
            "the sessions source has {}; a session it could not read might be active, so nothing is deleted",
            loaded.bad.summary()
        ));
    }
    Ok(loaded.sessions)
}

/// The sessions, being read by another thread or read.
enum Loader<'scope> {
    Running(ScopedJoinHandle<'scope, Result<ActiveSessions, String>>),
    Done(Result<ActiveSessions, String>),
}

/// How many threads a scan reads ahead of the sessions (some 40 bytes
/// each): beyond this it waits for them, so memory stays bounded whatever
/// the size of the store.
const READ_AHEAD: usize = 1 << 20;
/// Threads sifted together once the sessions are read.
const BATCH: usize = 256;

/// A scan running while the sessions are read: threads scanned before the
/// sessions are ready are held (their ids end to end), then sifted.
struct Scanning<'scope> {
    loader: Option<Loader<'scope>>,
    list: bool,
    ahead_ids: String,
    ahead: Vec<(usize, Result<DateTime<Utc>, String>)>,
    sift: Option<Sift>,
    /// Why nothing is deleted (the sessions source failed).
    failed: Option<String>,
}

impl<'scope> Scanning<'scope> {
    fn new(loader: Loader<'scope>, list: bool) -> Scanning<'scope> {
        let mut s = Scanning {
            loader: Some(loader),
            list,
            ahead_ids: String::new(),
            ahead: Vec::new(),
            sift: None,
            failed: None,
        };
        if matches!(s.loader, Some(Loader::Done(_))) {
            s.wait();
        }
        s
    }

    fn push(&mut self, id: &str, touched: LastTouched<'_>) {
        if self.failed.is_some() {
            return; // the run stops after the scan
        }
        self.ahead_ids.push_str(id);
        self.ahead.push((self.ahead_ids.len(), touched.resolve()));
        if self.sift.is_some() {
            // Sifted a batch at a time: the table lookups of a tight loop
            // overlap in the memory system, those of one thread per row
            // step do not.
            if self.ahead.len() >= BATCH {
                self.drain();
            }
        } else if self.ahead.len().is_multiple_of(1024)
            && (self.ahead.len() >= READ_AHEAD
                || matches!(&self.loader, Some(Loader::Running(h)) if h.is_finished()))
        {
            self.wait();
        }
    }

    /// Sifts what was read ahead.
    fn drain(&mut self) {
        let Some(sift) = &mut self.sift else {
            return;
        };
        let mut start = 0;
        for (end, touched) in self.ahead.drain(..) {
            sift.push(&self.ahead_ids[start..end], move || touched);
            start = end;
        }
        self.ahead_ids.clear();
    }

    /// Waits for the sessions and sifts what was read ahead.
    fn wait(&mut self) {
        let loaded = match self.loader.take() {
            None => return,
            Some(Loader::Done(loaded)) => loaded,
            Some(Loader::Running(handle)) => handle.join().unwrap_or_else(|_| {
                Err("reading the sessions source failed (a panic); nothing deleted".into())
            }),
        };
        match loaded {
            Ok(sessions) => {
                self.sift = Some(Sift::new(sessions, self.list));
                self.drain();
                // What the read-ahead grew to is not needed any more.
                self.ahead_ids.shrink_to(BATCH * 64);
                self.ahead.shrink_to(BATCH);
            }
            Err(message) => {
                self.failed = Some(message);
                self.ahead_ids = String::new();
                self.ahead = Vec::new();
            }
        }
    }

    /// The sifted threads once the sessions are read, or why nothing is
    /// deleted.
    fn sessions(mut self) -> Result<Sift, String> {
        self.wait();
        self.drain();
        match (self.sift, self.failed) {
            (_, Some(message)) => Err(message),
            (Some(sift), None) => Ok(sift),
            (None, None) => Err("the sessions were not read; nothing deleted".into()),
        }
    }
}

/// Decides, deletes and reports, once the store is scanned.
fn checkpoints(
    ctx: &mut Ctx,
    args: &GcCheckpointsArgs,
    policy: &Policy,
    mut store: Box<dyn CheckpointStore>,
    sift: Sift,
    skipped: Vec<String>,
) -> Result<Outcome> {
    let mut tally = Tally {
        scanned: sift.scanned(),
        skipped: skipped.len() as u64,
        ..Tally::default()
    };
    for s in &skipped {
        ctx.out.warn(&format!("skipped {s}"));
    }
    let sifted = sift.decide(policy);
    tally.kept += sifted.active_unlisted;
    let decisions = sifted.decisions;
    let refused = decisions
        .iter()
        .any(|d| d.verdict == Verdict::Keep(KeepReason::SourceEmpty));

    let store_kind = store.kind();
    // The rows of the removals (after the store: dropped first, so an
    // early return syncs them before the store closes).
    let mut journal = Journal::new(ctx.audit());
    let sync_each = store.commits_are_durable();
    let mut failed = false;
    let mut stop: Option<String> = None;
    for d in &decisions {
        match &d.verdict {
            Verdict::Keep(reason) => {
                tally.kept += 1;
                match reason {
                    KeepReason::OverCap { .. } => tally.over_cap += 1,
                    KeepReason::SourceEmpty => tally.source_empty += 1,
                    _ => {}
                }
                report(
                    ctx,
                    d,
                    "kept",
                    Some(reason.code()),
                    || reason.describe(),
                    None,
                )?;
            }
            Verdict::Delete if ctx.dry_run => {
                tally.would_delete += 1;
                report(ctx, d, "would_delete", None, || gone_text(d), None)?;
            }
            Verdict::Delete => {
                if let Some(why) = &stop {
                    tally.left += 1;
                    report(ctx, d, "left", Some("busy"), || why.to_string(), None)?;
                    continue;
                }
                let thread = rule::Thread {
                    thread_id: d.thread_id.clone(),
                    last_touched: d.last_touched.ok_or_else(|| "no time".to_string()),
                };
                // The row goes out just before the deletion is final: a
                // kill in between repeats the row (same id) on the next
                // run, and never loses it.
                let now = ctx.now();
                let fact = format!(
                    "{}:{}:{}",
                    store_kind.as_str(),
                    d.thread_id,
                    d.last_touched.map(format_ts).unwrap_or_default()
                );
                let mut record = |bytes: u64| -> Result<()> {
                    let row = Row::deterministic(
                        Kind::GcCheckpointRemoved,
                        now,
                        &fact,
                        json!({
                            "thread_id": d.thread_id,
                            "base_session_id": d.base_session_id,
                            "bytes": bytes,
                            "store": store_kind.as_str(),
                        }),
                    );
                    let written = journal
                        .write(&row, now)
                        .and_then(|()| if sync_each { journal.sync() } else { Ok(()) });
                    written.map_err(|e| {
                            e.context(format!(
                                "cannot write the gc.checkpoint_removed row of thread {}; it was not deleted",
                                d.thread_id
                            ))
                        })
                };
                let removal = match store.delete(&thread, &mut record) {
                    Ok(r) => r,
                    Err(e) => {
                        failed = true;
                        let message = format!("{e:#}");
                        ctx.out.error(&message);
                        stop = Some(format!("the run stopped: {message}"));
                        tally.left += 1;
                        report(ctx, d, "left", Some("error"), || message.clone(), None)?;
                        continue;
                    }
                };
                match removal {
                    Removal::Removed { bytes } => {
                        tally.deleted += 1;
                        tally.bytes += bytes;
                        report(ctx, d, "deleted", None, || gone_text(d), Some(bytes))?;
                        if !sync_each
                            && journal.due()
                            && let Err(e) = settle(&mut journal, store.as_mut())
                        {
                            failed = true;
                            let message = format!("{e:#}");
                            ctx.out.error(&message);
                            stop = Some(format!("the run stopped: {message}"));
                        }
                    }
                    Removal::Touched { at } => {
                        tally.touched += 1;
                        tally.kept += 1;
                        let text = match at {
                            Some(at) => format!("touched at {} during this run", format_ts(at)),
                            None => "changed during this run".to_string(),
                        };
                        report(ctx, d, "kept", Some("touched"), || text.clone(), None)?;
                    }
                    Removal::Gone => {
                        tally.gone += 1;
                        report(ctx, d, "gone", None, || "already gone".to_string(), None)?;
                    }
                    Removal::Busy {
                        message,
                        stop: stop_all,
                    } => {
                        failed = true;
                        tally.busy += 1;
                        ctx.out.error(&format!(
                            "{message}; thread {} left for the next run",
                            d.thread_id
                        ));
                        report(ctx, d, "left", Some("busy"), || message.clone(), None)?;
                        if stop_all {
                            stop = Some(format!("{message}; left for the next run"));
                        }
                    }
                }
            }
        }
    }

    if refused {
        failed = true;
        ctx.out.error(&format!(
                "the sessions source returned no sessions: {} orphaned thread(s) kept; pass --allow-empty if the platform really has no session",
                tally.source_empty
            ));
    }

    // The last rows, then the deletions they record.
    if let Err(e) = settle(&mut journal, store.as_mut()) {
        failed = true;
        ctx.out.error(&format!("{e:#}"));
        stop.get_or_insert_with(|| "the rows could not be synced".to_string());
    }

    let mut vacuumed = None;
    if args.vacuum && !ctx.dry_run && stop.is_none() {
        match store.vacuum() {
            Ok(v) => vacuumed = Some(v),
            Err(e) => {
                failed = true;
                ctx.out.error(&format!("{e:#}"));
            }
        }
    }

    summarize(ctx, &tally, vacuumed, store_kind.as_str())?;
    Ok(tally.into_outcome(failed))
}

/// Makes the rows written so far durable, then the deletions they record.
fn settle(journal: &mut Journal, store: &mut dyn CheckpointStore) -> Result<()> {
    journal
        .sync()
        .context("cannot sync the gc.checkpoint_removed rows to disk")?;
    store.settle()
}

fn open(ctx: &mut Ctx, store: &StoreConfig) -> Result<Box<dyn CheckpointStore>> {
    Ok(match store {
        StoreConfig::Dir(dir) => {
            let s = DirStore::open(&ctx.root.resolve(dir))?;
            if !ctx.dry_run {
                let cleared = s.clear_trash()?;
                if cleared > 0 {
                    ctx.out.note(&format!(
                        "removed {cleared} thread(s) left half-deleted by an interrupted run"
                    ));
                }
            }
            Box::new(s)
        }
        StoreConfig::Sqlite(path) => Box::new(SqliteStore::open(&ctx.root.resolve(path))?),
        StoreConfig::PostgresEnv(var) => postgres(ctx, &format!("environment variable {var}"))?,
        StoreConfig::PostgresFile(path) => postgres(ctx, &format!("file {}", path.display()))?,
    })
}

/// The Postgres store, its connection string read now (from `where_`). A
/// string that cannot be read fails this command naming the key; the run
/// names the variable or file once, at its end.
fn postgres(ctx: &Ctx, where_: &str) -> Result<Box<dyn CheckpointStore>> {
    let dsn = ctx
        .config
        .checkpoints_dsn()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the checkpoint store: its connection string cannot be read ({})",
                e.key
            )
        })?
        .ok_or_else(|| anyhow::anyhow!("no Postgres connection string is configured"))?;
    Ok(Box::new(PostgresStore::connect(&dsn, where_)?))
}

fn gone_text(d: &Decision) -> String {
    match d.last_touched {
        Some(at) => format!(
            "session {} is gone; last touched {}",
            d.base_session_id,
            format_ts(at)
        ),
        None => format!("session {} is gone", d.base_session_id),
    }
}

/// Whether each thread gets its line: always in a dry run (that is its
/// point), with -v otherwise; one JSON object each with --json.
fn listed(ctx: &Ctx) -> bool {
    ctx.out.json
        || match ctx.out.verbosity {
            Verbosity::Quiet => false,
            Verbosity::Normal => ctx.dry_run,
            Verbosity::Verbose => true,
        }
}

/// One line (or JSON object) about a thread when threads are [`listed`];
/// `text` is only built when the line is shown.
fn report(
    ctx: &mut Ctx,
    d: &Decision,
    action: &str,
    reason: Option<&str>,
    text: impl FnOnce() -> String,
    bytes: Option<u64>,
) -> Result<()> {
    if !listed(ctx) {
        return Ok(());
    }
    let text = &text();
    if ctx.out.json {
        let mut v = json!({
            "thread_id": d.thread_id,
            "base_session_id": d.base_session_id,
            "action": action,
            "detail": text,
        });
        if let Some(at) = d.last_touched {
            v["last_touched"] = json!(format_ts(at));
        }
        if let Some(r) = reason {
            v["reason"] = json!(r);
        }
        if let Some(b) = bytes {
            v["bytes"] = json!(b);
        }
        ctx.out.json(&v)?;
        return Ok(());
    }
    let label = action.replace('_', " ");
    let line = format!("{label}: {}: {text}", d.thread_id);
    if ctx.dry_run {
        ctx.out.summary(&line)?;
    } else {
        ctx.out.item(&line)?;
    }
    Ok(())
}

fn summarize(ctx: &mut Ctx, t: &Tally, vacuumed: Option<Vacuumed>, store: &str) -> Result<()> {
    if ctx.out.json {
        let mut v = json!({
            "summary": true,
            "command": COMMAND.name(),
            "dry_run": ctx.dry_run,
            "store": store,
            "scanned": t.scanned,
            "deleted": t.deleted,
            "bytes": t.bytes,
            "would_delete": t.would_delete,
            "kept": t.kept,
            "touched": t.touched,
            "busy": t.busy,
            "left": t.left,
            "over_cap": t.over_cap,
        });
        if let Some(vac) = vacuumed {
            v["vacuum"] = json!({"before": vac.before, "after": vac.after});
        }
        ctx.out.json(&v)?;
        return Ok(());
    }
    if ctx.dry_run {
        ctx.out.summary(&format!(
            "gc checkpoints (dry run): {} of {} threads would be deleted; {} kept{}",
            t.would_delete,
            t.scanned,
            t.kept,
            if t.over_cap > 0 {
                format!(" ({} over the limit, for later runs)", t.over_cap)
            } else {
                String::new()
            }
        ))?;
        return Ok(());
    }
    // Nothing deleted and nothing failed is not news.
    if t.deleted == 0 && t.busy == 0 && t.left == 0 && vacuumed.is_none() {
        return Ok(());
    }
    let mut line = format!(
        "gc checkpoints: deleted {} thread(s) ({} bytes) of {}; {} kept",
        t.deleted, t.bytes, t.scanned, t.kept
    );
    if t.left > 0 || t.busy > 0 {
        line.push_str(&format!("; {} left for the next run", t.left + t.busy));
    }
    if t.over_cap > 0 {
        line.push_str(&format!("; {} over the limit", t.over_cap));
    }
    if let Some(Vacuumed {
        before: Some(b),
        after: Some(a),
    }) = vacuumed
    {
        line.push_str(&format!("; vacuum {b} → {a} bytes"));
    }
    ctx.out.summary(&line)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(ids: &[&str]) -> ActiveSessions {
        ActiveSessions::of_ids(ids)
    }

    const OLD: &[u8] = b"1f157469-00c1-6687-8000-000000000000";

    /// Threads scanned before, while and after the sessions are read all
    /// reach the rule, in order, whatever the batch boundaries.
    #[test]
    fn threads_read_ahead_of_the_sessions_are_all_sifted() {
        for n in [0, 1, BATCH - 1, BATCH, BATCH + 1, 3000] {
            std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::channel::<()>();
                let handle = scope.spawn(move || {
                    // Ready only once the scan below has pushed everything.
                    let _ = rx.recv();
                    Ok(sessions(&["active"]))
                });
                let mut scanning = Scanning::new(Loader::Running(handle), false);
                for i in 0..n {
                    let id = if i % 3 == 0 {
                        "active".to_string()
                    } else {
                        format!("gone-{i}")
                    };
                    scanning.push(&id, LastTouched::CheckpointId(OLD));
                }
                tx.send(()).expect("send");
                let sift = scanning.sessions().expect("sessions");
                assert_eq!(sift.scanned(), n as u64);
                let sifted = sift.decide(&Policy {
                    now: crate::clock::parse_ts("2026-06-01T00:00:00Z").expect("ts"),
                    min_age: chrono::TimeDelta::hours(1),
                    max_deletions: usize::MAX,
                    allow_empty: false,
                });
                let active = (0..n).filter(|i| i % 3 == 0).count();
                assert_eq!(sifted.active_unlisted, active as u64, "n = {n}");
                assert_eq!(sifted.decisions.len(), n - active, "n = {n}");
                assert!(
                    sifted
                        .decisions
                        .iter()
                        .all(|d| d.verdict == Verdict::Delete)
                );
            });
        }
    }

    #[test]
    fn a_failed_source_wins_over_the_scan() {
        std::thread::scope(|scope| {
            let handle = scope.spawn(|| {
                Err("the sessions source (file s) failed: gone; nothing deleted".to_string())
            });
            let mut scanning = Scanning::new(Loader::Running(handle), true);
            for i in 0..5000 {
                scanning.push(&format!("t-{i}"), LastTouched::CheckpointId(OLD));
            }
            let err = scanning.sessions().expect_err("failed");
            assert!(err.contains("nothing deleted"), "{err}");
        });
        let scanning = Scanning::new(Loader::Done(Err("bad; nothing deleted".into())), true);
        assert_eq!(scanning.failed.as_deref(), Some("bad; nothing deleted"));
        assert!(scanning.ahead.is_empty());
    }
}
