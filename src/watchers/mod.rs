//! `tend watchers tick|list|explain` (design §8): deterministic, flag-only stall
//! watchers over any entity source. A watcher never changes what it watches;
//! it records a Decision in `decisions/YYYY-MM.jsonl` so a human (or the
//! platform) acts.
//!
//! - [`rule`]: the staleness rule, times, decision ids, who goes first (pure);
//! - [`scan`]: one watcher's pass over its source into counts and candidates;
//! - [`decision`]: the Decision row, the index and the `watcher.flagged` row;
//! - [`check`]: the configuration rules that read the decisions written;
//! - this file: the handlers.
//!
//! Writing order for a batch: the Decision rows (the truth), then their
//! (choice, context) pairs, then their `watcher.flagged` audit rows, then
//! `state/decisions.index`. The index is caught up from the decision files
//! when it is opened, so a kill at any instant never writes a second Decision
//! for an id. A Decision that the index did not know yet (its run was killed
//! before saving the index) is due its audit row: it is written unless the
//! audit log already holds it (the row's id is deterministic, looked for from
//! the Decision's `decided_at` on), so that row is written exactly once.
//!
//! Before anything is written, a tick refuses (exit 2) when a watcher's
//! choice token was already written under another context ([`choices`]).

pub mod check;
pub mod choices;
pub mod decision;
pub mod rule;
pub mod scan;

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cli::{WatchersCommand, WatchersExplainArgs, WatchersTickArgs};
use crate::clock::format_ts;
use crate::config::WatcherConfig;
use crate::ctx::{Ctx, Outcome};
use crate::exit::UsageError;
use crate::store::lock::Wait;
use crate::store::state;

use decision::Decisions;
use scan::{Counts, Scanned, WatcherCount};

/// `state/watchers.json`: each watcher's last run (owned here; `status` and
/// `watchers list` read it through [`last_runs`]).
pub const LAST_RUNS_FILE: &str = "watchers.json";

/// One watcher's last run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastRun {
    pub at: String,
    /// ok | failed | skipped
    pub outcome: RunOutcome,
    pub counts: Counts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    Ok,
    Failed,
    Skipped,
}

/// Every watcher's last run, by name (empty before the first tick).
pub fn last_runs(ctx: &Ctx) -> Result<BTreeMap<String, LastRun>> {
    Ok(ctx
        .load_state::<BTreeMap<String, LastRun>>(LAST_RUNS_FILE)?
        .unwrap_or_default())
}

pub fn run(ctx: &mut Ctx, command: &WatchersCommand) -> Result<Outcome> {
    match command {
        WatchersCommand::Tick(args) => tick(ctx, args),
        WatchersCommand::List => list(ctx),
        WatchersCommand::Explain(args) => explain(ctx, args),
    }
}

/// Whether `tend tick` has a watchers step to run.
pub fn any_enabled(ctx: &Ctx) -> bool {
    ctx.config.watchers.iter().any(|w| w.enabled)
}

/// The watchers a tick runs: the named ones (each must exist), else every
/// enabled one.
fn selected<'a>(ctx: &'a Ctx, names: &[String]) -> Result<Vec<&'a WatcherConfig>> {
    if names.is_empty() {
        return Ok(ctx.config.watchers.iter().filter(|w| w.enabled).collect());
    }
    names
        .iter()
        .map(|name| find(ctx, name))
        .collect::<Result<Vec<_>>>()
}

fn find<'a>(ctx: &'a Ctx, name: &str) -> Result<&'a WatcherConfig> {
    ctx.config
        .watchers
        .iter()
        .find(|w| w.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = ctx
                .config
                .watchers
                .iter()
                .map(|w| w.name.as_str())
                .collect();
            UsageError(format!(
                "no watcher named {name:?} (configured: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
            .into()
        })
}

/// The actor's state: inactive actors' watchers are skipped.
fn actor_active(ctx: &Ctx, actor: &str) -> bool {
    ctx.config.actors.get(actor).is_none_or(|a| a.active)
}

pub fn tick(ctx: &mut Ctx, args: &WatchersTickArgs) -> Result<Outcome> {
    // Names are checked before the lock, so a typo is a usage error (exit 2).
    let names: Vec<String> = selected(ctx, &args.names)?
        .into_iter()
        .map(|w| w.name.clone())
        .collect();
    ctx.run_locked(crate::command::Command::WatchersTick, Wait::No, |ctx| {
        tick_locked(ctx, &names)
    })
}

fn tick_locked(ctx: &mut Ctx, names: &[String]) -> Result<Outcome> {
    if names.is_empty() {
        ctx.out.note("no watcher is enabled");
        ctx.out
            .json(&json!({"summary": true, "command": "watchers tick", "watchers": 0}))?;
        return Ok(Outcome::default());
    }
    let now = ctx.now();
    let mut decisions = Decisions::open(ctx)?;
    // A choice token written under another context refuses the tick before
    // anything is written (design §8 configuration rules).
    for name in names {
        decisions.check_choices(find(ctx, name)?)?;
    }
    decisions.settle(ctx)?;
    let mut outcome = Outcome::default();
    let mut totals = Counts::default();
    let mut runs = last_runs(ctx)?;
    for name in names {
        let watcher = find(ctx, name)?.clone();
        let at = format_ts(now);
        if !actor_active(ctx, &watcher.decided_by) {
            let message = format!(
                "watcher {}: skipped: actor {} is inactive ([actors])",
                watcher.name, watcher.decided_by
            );
            ctx.out.summary(&message)?;
            ctx.out.json(&json!({
                "watcher": watcher.name, "skipped": true,
                "reason": format!("actor {} is inactive", watcher.decided_by),
            }))?;
            runs.insert(
                watcher.name.clone(),
                LastRun {
                    at,
                    outcome: RunOutcome::Skipped,
                    counts: Counts::default(),
                    error: None,
                },
            );
            outcome.count(WatcherCount::Skipped, 1);
            continue;
        }
        let result = scan::scan(ctx, &watcher, &decisions, now)
            .and_then(|scanned| flag(ctx, &watcher, &mut decisions, scanned));
        match result {
            Ok(counts) => {
                totals.add(&counts);
                runs.insert(
                    watcher.name.clone(),
                    LastRun {
                        at,
                        outcome: RunOutcome::Ok,
                        counts,
                        error: None,
                    },
                );
            }
            Err(err) => {
                let message = ctx.config.secrets.scrub(&format!("{err:#}"));
                ctx.out
                    .error(&format!("watcher {}: {message}", watcher.name));
                ctx.out.json(&json!({
                    "watcher": watcher.name, "failed": true, "error": message,
                }))?;
                outcome.failed = true;
                outcome.count(WatcherCount::Failed, 1);
                runs.insert(
                    watcher.name.clone(),
                    LastRun {
                        at,
                        outcome: RunOutcome::Failed,
                        counts: Counts::default(),
                        error: Some(message),
                    },
                );
            }
        }
    }
    for (key, n) in totals.fields() {
        outcome.count(key, n);
    }
    ctx.out.json(&json!({
        "summary": true, "command": "watchers tick", "dry_run": ctx.dry_run,
        "watchers": names.len(), "counts": totals,
    }))?;
    if !ctx.dry_run {
        state::save(&ctx.root.state_file(LAST_RUNS_FILE), &runs)?;
    }
    Ok(outcome)
}

/// Writes (or, in a dry run, prints) the Decisions of one watcher's pass,
/// and reports it.
fn flag(
    ctx: &mut Ctx,
    watcher: &WatcherConfig,
    decisions: &mut Decisions,
    scanned: Scanned,
) -> Result<Counts> {
    let Scanned {
        mut counts,
        to_flag,
        bad,
    } = scanned;
    if bad.count > 0 {
        ctx.out.warn(&format!(
            "watcher {}: skipped {}",
            watcher.name,
            bad.summary()
        ));
    }
    let rows: Vec<decision::Decision> = to_flag
        .into_iter()
        .map(|e| decision::Decision::new(watcher, &e, ctx.now()))
        .collect();
    for row in &rows {
        if ctx.dry_run {
            ctx.out.summary(&format!(
                "would flag {} {}: {}",
                watcher.name, row.inputs.entity_id, row.reasoning
            ))?;
        } else {
            ctx.out.item(&format!(
                "flagged {} {}: {}",
                watcher.name, row.inputs.entity_id, row.reasoning
            ))?;
        }
        ctx.out.json(&json!({
            "watcher": watcher.name, "entity_id": row.inputs.entity_id,
            "decision_id": row.decision_id, "flagged": !ctx.dry_run,
            "would_flag": ctx.dry_run, "reasoning": row.reasoning,
        }))?;
    }
    if !ctx.dry_run && !rows.is_empty() {
        decisions
            .record(ctx, &rows)
            .context("cannot record its decisions")?;
    }
    counts.flagged = rows.len() as u64;
    let line = format!(
        "watcher {}: {} flagged{} ({} scanned, {} in status, {} stalled, {} already flagged, {} exempt, {} deferred, {} invalid)",
        watcher.name,
        counts.flagged,
        if ctx.dry_run { " (dry run)" } else { "" },
        counts.scanned,
        counts.in_status,
        counts.stalled,
        counts.already_flagged,
        counts.exempt,
        counts.deferred,
        counts.invalid
    );
    // Cron mails what is printed: only news is printed.
    if counts.flagged > 0 || counts.invalid > 0 {
        ctx.out.summary(&line)?;
    } else {
        ctx.out.item(&line)?;
    }
    ctx.out
        .json(&json!({"watcher": watcher.name, "counts": counts}))?;
    Ok(counts)
}

fn list(ctx: &mut Ctx) -> Result<Outcome> {
    let runs = last_runs(ctx)?;
    if ctx.config.watchers.is_empty() && !ctx.out.json {
        ctx.out
            .data(b"no watchers configured (add a [[watcher]] to tend.toml)\n")?;
    }
    for w in &ctx.config.watchers {
        let active = actor_active(ctx, &w.decided_by);
        let last = runs.get(&w.name);
        if ctx.out.json {
            ctx.out.json(&json!({
                "watcher": w.name, "enabled": w.enabled, "actor": w.decided_by,
                "actor_active": active, "context": w.context, "choice": w.choice,
                "stale_after": w.stale_after.to_string(), "last_run": last,
            }))?;
            continue;
        }
        let last = match last {
            None => "never run".to_string(),
            Some(r) => match r.outcome {
                RunOutcome::Ok => format!(
                    "last run {}: {} flagged, {} stalled of {} scanned",
                    r.at, r.counts.flagged, r.counts.stalled, r.counts.scanned
                ),
                RunOutcome::Skipped => format!("last run {}: skipped (actor inactive)", r.at),
                RunOutcome::Failed => format!(
                    "last run {}: FAILED: {}",
                    r.at,
                    crate::terminal::escape_field(r.error.as_deref().unwrap_or(""))
                ),
            },
        };
        let line = format!(
            "{}\t{}\t{} ({})\t{}.{} after {}\t{}\n",
            w.name,
            if w.enabled { "enabled" } else { "disabled" },
            w.decided_by,
            if active { "active" } else { "inactive" },
            w.context,
            w.choice,
            w.stale_after,
            last
        );
        ctx.out.data(line.as_bytes())?;
    }
    Ok(Outcome::default())
}

fn explain(ctx: &mut Ctx, args: &WatchersExplainArgs) -> Result<Outcome> {
    let watcher = find(ctx, &args.name)?.clone();
    let decisions = Decisions::open_read_only(ctx)?;
    let now = ctx.now();
    let found = scan::explain(ctx, &watcher, &decisions, now, &args.entity_id)?;
    let Some(explained) = found else {
        return Err(UsageError(format!(
            "entity {:?} is not in the source of watcher {}",
            args.entity_id, watcher.name
        ))
        .into());
    };
    if ctx.out.json {
        ctx.out.json(&explained)?;
    } else {
        // One line: the entity id in it cannot forge another.
        let sentence = crate::terminal::escape_line(&explained.sentence);
        ctx.out.data(format!("{sentence}\n").as_bytes())?;
    }
    Ok(Outcome::default())
}

/// One line of `tend status` for a watcher's last run.
pub fn status_line(name: &str, run: &LastRun) -> String {
    let c = &run.counts;
    match run.outcome {
        RunOutcome::Ok => format!(
            "watcher {name}: last run {}: {} flagged, {} stalled ({} already flagged, {} deferred), {} scanned, {} invalid",
            run.at, c.flagged, c.stalled, c.already_flagged, c.deferred, c.scanned, c.invalid
        ),
        RunOutcome::Skipped => format!(
            "watcher {name}: last run {}: skipped (actor inactive)",
            run.at
        ),
        // The error holds a source's own words (its standard error): on
        // one line, whatever they say.
        RunOutcome::Failed => format!(
            "watcher {name}: last run {}: FAILED: {}",
            run.at,
            crate::terminal::escape_field(run.error.as_deref().unwrap_or(""))
        ),
    }
}
