//! `tend gc checkpoints` (SPEC §9): read the active sessions, scan the store,
//! decide with [`rule::decide`], delete thread by thread with an audit row
//! for each, and report what was kept and why.

use anyhow::{Result, bail};
use serde_json::json;

use super::GcCount;
use super::rule::{self, Decision, KeepReason, Policy, Verdict};
use super::sessions;
use super::stores::dir::DirStore;
use super::stores::postgres::PostgresStore;
use super::stores::sqlite::SqliteStore;
use super::stores::{CheckpointStore, Removal, Vacuumed};
use crate::audit::{Kind, Row};
use crate::cli::GcCheckpointsArgs;
use crate::clock::format_ts;
use crate::config::CheckpointStore as StoreConfig;
use crate::ctx::{Ctx, Outcome, Verbosity};
use crate::exit::UsageError;
use crate::store::lock::Wait;

pub const COMMAND: &str = "gc checkpoints";

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
            max_deletions: args
                .max_deletions
                .map_or(cfg.max_deletions, |n| usize::try_from(n).unwrap_or(usize::MAX)),
            allow_empty: args.allow_empty,
        };

        // The sessions first: without them nothing can be decided.
        let hide = ctx.config.secret_env_vars();
        let loaded = match sessions::load(&source, &cfg, ctx.root.dir(), &hide) {
            Ok(loaded) => loaded,
            Err(message) => {
                ctx.out.error(&format!("{message}; nothing deleted"));
                return Ok(Tally::default().into_outcome(true));
            }
        };
        if loaded.bad.count > 0 {
            ctx.out.error(&format!(
                "the sessions source has {}; a session it could not read might be active, so nothing is deleted",
                loaded.bad.summary()
            ));
            return Ok(Tally::default().into_outcome(true));
        }

        let mut store = open(ctx, &store_cfg)?;
        // Threads of active sessions are only counted unless each is listed.
        let mut sift = rule::Sift::new(&loaded.sessions, listed(ctx));
        let skipped =
            store.scan_each(&mut |thread_id, touched| sift.push(thread_id, || touched.resolve()))?;
        let mut tally = Tally {
            scanned: sift.scanned(),
            skipped: skipped.len() as u64,
            ..Tally::default()
        };
        for s in &skipped {
            ctx.out.warn(&format!("skipped {s}"));
        }
        let sifted = sift.decide(&policy);
        tally.kept += sifted.active_unlisted;
        let decisions = sifted.decisions;
        let refused = decisions
            .iter()
            .any(|d| d.verdict == Verdict::Keep(KeepReason::SourceEmpty));

        let store_kind = store.kind();
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
                    report(ctx, d, "kept", Some(reason.code()), || reason.describe(), None)?;
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
                        last_touched: d
                            .last_touched
                            .ok_or_else(|| "no time".to_string()),
                    };
                    // The row goes out just before the deletion is final: a
                    // kill in between repeats the row (same id) on the next
                    // run, and never loses it.
                    let audit = ctx.audit();
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
                        audit.append(&[row], now).map_err(|e| {
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
                        Removal::Busy { message, stop: stop_all } => {
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
    })
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
        StoreConfig::PostgresEnv(var) => {
            let Some(dsn) = ctx.config.secrets.checkpoints_dsn.clone() else {
                bail!(
                    "the Postgres connection string (environment variable {var}) was not resolved"
                );
            };
            Box::new(PostgresStore::connect(
                &dsn,
                &format!("environment variable {var}"),
            )?)
        }
        StoreConfig::PostgresFile(path) => {
            let Some(dsn) = ctx.config.secrets.checkpoints_dsn.clone() else {
                bail!(
                    "the Postgres connection string (file {}) was not resolved",
                    path.display()
                );
            };
            Box::new(PostgresStore::connect(
                &dsn,
                &format!("file {}", path.display()),
            )?)
        }
    })
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
            "command": COMMAND,
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
