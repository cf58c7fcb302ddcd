//! tend's own runs (design §10 `tend status`, §13): each command's last run
//! from `state/runs/`, who holds its lock, and whether it is overdue against
//! its expected interval (the dead man's switch). Read by `tend status` and
//! by the report.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{Duration, default_expect};
use crate::ctx::{Ctx, RunRecord};
use crate::store::lock;

/// Whether a command is late, decided from its last run alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// No expectation applies.
    Unchecked,
    OnTime,
    /// Finished longer ago than expected (or never, when explicitly expected).
    Overdue,
}

/// The staleness rule of the dead man's switch. `explicit` is whether the
/// expectation comes from `[status] expect` (then a command that never ran is
/// overdue); built-in expectations apply only once a command has run.
pub fn schedule(
    last_started: Option<DateTime<Utc>>,
    expect: Option<Duration>,
    explicit: bool,
    now: DateTime<Utc>,
) -> Schedule {
    match (expect, last_started) {
        (None, _) => Schedule::Unchecked,
        (Some(_), None) if explicit => Schedule::Overdue,
        (Some(_), None) => Schedule::Unchecked,
        (Some(interval), Some(at)) if now - at > interval.to_chrono() => Schedule::Overdue,
        (Some(_), Some(_)) => Schedule::OnTime,
    }
}

/// One command: its last run, expectation, schedule and lock holder.
#[derive(Debug, Clone, Serialize)]
pub struct CommandStatus {
    pub command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run: Option<RunRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
    pub schedule: Schedule,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_holder: Option<String>,
}

/// Every command with a run record, an expectation, or a lock file, by name.
pub fn commands(ctx: &Ctx) -> Result<Vec<CommandStatus>> {
    let now = ctx.now();
    let runs = load_runs(ctx)?;
    let mut names: Vec<String> = runs.keys().cloned().collect();
    names.extend(ctx.config.status.expect.keys().cloned());
    let locks = holders(&ctx.root.locks_dir())?;
    names.extend(locks.keys().cloned());
    names.sort();
    names.dedup();

    let mut commands = Vec::new();
    for name in names {
        let explicit = ctx.config.status.expect.get(&name).copied();
        let builtin = default_expect()
            .into_iter()
            .find(|(c, _)| *c == name)
            .map(|(_, d)| d);
        let expect = explicit.or(builtin);
        let last_run = runs.get(&name).cloned();
        let started = last_run
            .as_ref()
            .and_then(|r| crate::clock::parse_ts(&r.started_at).ok());
        commands.push(CommandStatus {
            schedule: schedule(started, expect, explicit.is_some(), now),
            expect: expect.map(|d| d.to_string()),
            lock_holder: locks.get(&name).cloned(),
            command: name,
            last_run,
        });
    }
    Ok(commands)
}

/// When `command`'s last recorded run started, if it has one.
pub fn last_started(ctx: &Ctx, command: &str) -> Result<Option<DateTime<Utc>>> {
    // Its own file or the last tick's steps' (ctx::load_runs).
    let runs = load_runs(ctx)?;
    Ok(runs
        .get(command)
        .and_then(|r| crate::clock::parse_ts(&r.started_at).ok()))
}

/// `3m ago`, `2d ago`: how long ago something was, coarsely.
pub fn ago(delta: chrono::TimeDelta) -> String {
    let secs = delta.num_seconds();
    match secs {
        s if s < 0 => "in the future".to_string(),
        s if s < 120 => format!("{s}s ago"),
        s if s < 7200 => format!("{}m ago", s / 60),
        s if s < 172_800 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86_400),
    }
}

/// Each command's last run, from its own file or the last tick's
/// ([`crate::ctx::load_runs`]).
fn load_runs(ctx: &Ctx) -> Result<BTreeMap<String, RunRecord>> {
    crate::ctx::load_runs(&ctx.root)
}

/// Command name → holder description, for every lock currently held.
fn holders(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut held = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(held);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".lock"))
        else {
            continue;
        };
        if let Some(holder) = lock::current_holder(&path) {
            let (name, text) = match holder {
                Some(h) => (h.command.clone(), h.to_string()),
                None => (
                    stem.replace('-', " "),
                    "holder not yet recorded".to_string(),
                ),
            };
            held.insert(name, text);
        }
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_rule_at_its_boundaries() {
        let now = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let five = Some(Duration::from_secs(300));
        let at = |secs: i64| Some(now - chrono::TimeDelta::seconds(secs));
        assert_eq!(schedule(at(10), None, false, now), Schedule::Unchecked);
        assert_eq!(schedule(None, five, false, now), Schedule::Unchecked);
        assert_eq!(schedule(None, five, true, now), Schedule::Overdue);
        assert_eq!(schedule(at(299), five, false, now), Schedule::OnTime);
        assert_eq!(schedule(at(300), five, true, now), Schedule::OnTime);
        assert_eq!(schedule(at(301), five, false, now), Schedule::Overdue);
    }
}
