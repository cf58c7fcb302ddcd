//! `tend status` (SPEC §10): each command's last run and whether it is overdue
//! (a dead man's switch: exit 1), lock holders, each probe's status and
//! flapping, the wake cursor's lag, pending proposals, and active alerts.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::cli::{StatusArgs, StatusFormat};
use crate::config::{DEFAULT_EXPECT, Duration};
use crate::ctx::{Ctx, Outcome, RunRecord, counters};
use crate::probe::nagios::Status;
use crate::probe::state::{ProbeState, ProbesState};
use crate::store::cursor::Cursor;
use crate::store::lock;

counters! {
    enum StatusCount {
        Overdue = "overdue",
    }
}

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

#[derive(Debug, Serialize)]
struct CommandStatus {
    command: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_run: Option<RunRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<String>,
    schedule: Schedule,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock_holder: Option<String>,
}

pub fn run(ctx: &mut Ctx, args: &StatusArgs) -> Result<Outcome> {
    let now = ctx.now();
    let runs = load_runs(ctx)?;

    // Every command with a record, an expectation, or a lock file.
    let mut names: Vec<String> = runs.keys().cloned().collect();
    names.extend(ctx.config.status.expect.keys().cloned());
    let locks = holders(&ctx.root.locks_dir())?;
    names.extend(locks.keys().cloned());
    names.sort();
    names.dedup();

    let mut commands = Vec::new();
    for name in names {
        let explicit = ctx.config.status.expect.get(&name).copied();
        let builtin = DEFAULT_EXPECT
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, d)| *d);
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

    let probes = crate::probe::state::load(ctx)?.unwrap_or_default();
    let skipped_probes = crate::probe::skipped_files(&ctx.root, &ctx.config);
    let lag = cursor_lag(ctx)?;
    let wake_unconfirmed = crate::wake::unconfirmed(ctx);
    let proposals: BTreeMap<String, usize> = crate::promote::status::pending_counts(&ctx.root)?
        .into_iter()
        .map(|(lp, n)| (lp.to_string(), n))
        .collect();
    let alerts = crate::alerts::status_summary(ctx)?;
    for problem in alerts.iter().flat_map(|a| &a.problems) {
        ctx.out.warn(problem);
    }
    let watchers = crate::watchers::last_runs(ctx)?;
    let overdue = commands
        .iter()
        .filter(|c| c.schedule == Schedule::Overdue)
        .count();

    if args.format == StatusFormat::Prometheus && !ctx.out.json {
        let facts = Facts {
            commands: &commands,
            lag: lag.as_ref(),
            proposals: &proposals,
            alerts: alerts.as_ref().map(|a| &a.by_severity),
            quarantined: count_files(&ctx.root.quarantine_dir()),
        };
        ctx.out.data(prometheus(&facts).as_bytes())?;
    } else if ctx.out.json {
        for c in &commands {
            ctx.out.json(c)?;
        }
        ctx.out.json(&json!({
            "summary": true,
            "root": ctx.root.dir(),
            "overdue": overdue,
            "wake_cursor": lag,
            "wake_unconfirmed": wake_unconfirmed,
            "pending_proposals": proposals,
            "probes": probe_summaries(&probes),
            "skipped_probes": skipped_probes,
            "alerts": alerts,
            "watchers": watchers,
        }))?;
    } else if ctx.out.verbosity != crate::ctx::Verbosity::Quiet {
        let mut text = format!("root {}\n", ctx.root.dir().display());
        if commands.is_empty() {
            text.push_str("no command has run yet\n");
        }
        for c in &commands {
            text.push_str(&format_command(c, now));
            text.push('\n');
        }
        for (name, probe) in &probes.probes {
            text.push_str(&format_probe(name, probe, now));
            text.push('\n');
        }
        for skipped in &skipped_probes {
            text.push_str(skipped);
            text.push('\n');
        }
        if let Some(lag) = &lag {
            text.push_str(&lag.line());
            text.push('\n');
        }
        if wake_unconfirmed > 0 {
            text.push_str(&crate::wake::unconfirmed_line(wake_unconfirmed));
            text.push('\n');
        }
        for (lp, n) in &proposals {
            let noun = if *n == 1 { "proposal" } else { "proposals" };
            text.push_str(&format!(
                "{lp}: {n} {noun} waiting (tend promote list --loop {lp})\n"
            ));
        }
        if let Some(alerts) = &alerts {
            text.push_str(&alerts.line());
            text.push('\n');
        }
        for (name, run) in &watchers {
            text.push_str(&crate::watchers::status_line(name, run));
            text.push('\n');
        }
        ctx.out.data(text.as_bytes())?;
    }
    let mut outcome = Outcome {
        failed: overdue > 0,
        ..Outcome::default()
    };
    outcome.count(StatusCount::Overdue, overdue as u64);
    Ok(outcome)
}

/// What `--format prometheus` reports.
struct Facts<'a> {
    commands: &'a [CommandStatus],
    lag: Option<&'a crate::wake::lag::WakeLag>,
    proposals: &'a BTreeMap<String, usize>,
    alerts: Option<&'a BTreeMap<&'static str, usize>>,
    quarantined: usize,
}

/// A label value escaped as the text format requires (`\`, `"`, newline).
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus text exposition format (version 0.0.4) of the status facts,
/// named per Prometheus conventions (base units, `_seconds`, `_bytes`).
fn prometheus(f: &Facts<'_>) -> String {
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: Vec<(String, String)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (labels, value) in samples {
            out.push_str(&format!("{name}{labels} {value}\n"));
        }
    };
    let per_command = |value: &dyn Fn(&CommandStatus) -> Option<String>| -> Vec<(String, String)> {
        f.commands
            .iter()
            .filter_map(|c| value(c).map(|v| (format!("{{command=\"{}\"}}", label(&c.command)), v)))
            .collect()
    };
    let ts = |t: &str| {
        crate::clock::parse_ts(t)
            .ok()
            .map(|t| format!("{:.3}", t.timestamp_millis() as f64 / 1000.0))
    };
    family(
        "tend_last_run_timestamp_seconds",
        "When the command's last run started (Unix time).",
        per_command(&|c| c.last_run.as_ref().and_then(|r| ts(&r.started_at))),
    );
    family(
        "tend_last_run_finished_timestamp_seconds",
        "When the command's last run finished (Unix time).",
        per_command(&|c| c.last_run.as_ref().and_then(|r| ts(&r.finished_at))),
    );
    family(
        "tend_last_run_duration_seconds",
        "How long the command's last run took.",
        per_command(&|c| {
            c.last_run
                .as_ref()
                .map(|r| format!("{:.3}", r.duration_ms as f64 / 1000.0))
        }),
    );
    family(
        "tend_last_run_exit_code",
        "The exit code of the command's last run.",
        per_command(&|c| c.last_run.as_ref().map(|r| r.exit_code.to_string())),
    );
    family(
        "tend_last_run_success",
        "1 when the command's last run succeeded (exit code 0), else 0.",
        per_command(&|c| {
            c.last_run
                .as_ref()
                .map(|r| u8::from(r.exit_code == 0).to_string())
        }),
    );
    family(
        "tend_overdue",
        "1 when the command is overdue against its expected interval, else 0.",
        per_command(&|c| match c.schedule {
            Schedule::Unchecked => None,
            s => Some(u8::from(s == Schedule::Overdue).to_string()),
        }),
    );
    if let Some(lag) = f.lag {
        family(
            "tend_wake_cursor_lag_bytes",
            "Bytes of the audit log wake consume has not read yet.",
            vec![(String::new(), lag.bytes.to_string())],
        );
        family(
            "tend_wake_cursor_lag_rows",
            "Rows of the kinds wake consume reads that it has not read yet.",
            vec![(String::new(), lag.rows.to_string())],
        );
    }
    family(
        "tend_proposals_pending",
        "Proposals waiting for review, per promotion loop.",
        f.proposals
            .iter()
            .map(|(lp, n)| (format!("{{loop=\"{}\"}}", label(lp)), n.to_string()))
            .collect(),
    );
    if let Some(alerts) = f.alerts {
        family(
            "tend_alerts_active",
            "Alerts firing as of the last alerts notify, per severity.",
            alerts
                .iter()
                .map(|(severity, n)| {
                    (
                        format!("{{severity=\"{}\"}}", label(severity)),
                        n.to_string(),
                    )
                })
                .collect(),
        );
    }
    family(
        "tend_quarantined_files",
        "State files moved to state/quarantine/ (see tend doctor).",
        vec![(String::new(), f.quarantined.to_string())],
    );
    out
}

/// Regular files in `dir` (0 when it does not exist).
/// Regular files under `dir`, at any depth (a quarantined run record is in
/// `quarantine/runs/`, a proposal in `quarantine/proposals/<loop>/<status>/`).
fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .count()
}

fn format_command(c: &CommandStatus, now: DateTime<Utc>) -> String {
    let mut line = format!("{:<15}", c.command);
    match &c.last_run {
        Some(run) => {
            let ago = crate::clock::parse_ts(&run.started_at)
                .map(|t| ago(now - t))
                .unwrap_or_default();
            line.push_str(&format!(
                "last run {} ({ago}), {} in {}ms",
                run.started_at, run.outcome, run.duration_ms
            ));
            if !run.counts.is_empty() {
                let counts: Vec<String> =
                    run.counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
                line.push_str(&format!(" [{}]", counts.join(", ")));
            }
        }
        None => line.push_str("never run"),
    }
    match (c.schedule, &c.expect) {
        (Schedule::Overdue, Some(expect)) => {
            line.push_str(&format!(" — OVERDUE (expected every {expect})"))
        }
        (Schedule::OnTime, Some(expect)) => line.push_str(&format!(" — on time (every {expect})")),
        _ => {}
    }
    if let Some(holder) = &c.lock_holder {
        line.push_str(&format!(" — running: {holder}"));
    }
    line
}

/// `probe api         CRITICAL since … (3m ago, 2 results) [api_down] — FLAPPING since …`
fn format_probe(name: &str, p: &ProbeState, now: DateTime<Utc>) -> String {
    let since = crate::clock::parse_ts(&p.since)
        .map(|t| ago(now - t))
        .unwrap_or_default();
    let mut line = format!(
        "probe {name:<15} {:<8} since {} ({since}, {} {})",
        p.status.upper(),
        p.since,
        p.consecutive,
        if p.consecutive == 1 {
            "result"
        } else {
            "results"
        }
    );
    if p.status != Status::Ok {
        line.push_str(&format!(" [{}]", p.issue_category));
    } else if let Some(down) = &p.down_since {
        line.push_str(&format!(" — recovering (down since {down})"));
    }
    if p.flapping {
        line.push_str(&format!(
            " — FLAPPING since {} ({:.1}% state changes)",
            p.flapping_since.as_deref().unwrap_or("?"),
            p.state_change_percent
        ));
    } else if let Some(ended) = &p.flapping_ended {
        line.push_str(&format!(" — stopped flapping at {ended}"));
    } else if let Some(last) = p.changes.last() {
        line.push_str(&format!(
            " — last change {} → {} at {}",
            last.from.upper(),
            last.to.upper(),
            last.ts
        ));
    }
    line
}

fn probe_summaries(state: &ProbesState) -> serde_json::Map<String, serde_json::Value> {
    state
        .probes
        .iter()
        .map(|(name, p)| {
            (
                name.clone(),
                json!({
                    "status": p.status,
                    "issue_category": p.issue_category,
                    "since": p.since,
                    "last_checked": p.last_checked,
                    "down_since": p.down_since,
                    "flapping": p.flapping,
                    "flapping_since": p.flapping_since,
                    "flapping_ended": p.flapping_ended,
                }),
            )
        })
        .collect()
}

fn ago(delta: chrono::TimeDelta) -> String {
    let secs = delta.num_seconds();
    match secs {
        s if s < 0 => "in the future".to_string(),
        s if s < 120 => format!("{s}s ago"),
        s if s < 7200 => format!("{}m ago", s / 60),
        s if s < 172_800 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86_400),
    }
}

fn load_runs(ctx: &Ctx) -> Result<BTreeMap<String, RunRecord>> {
    let dir = ctx.root.runs_dir();
    let mut runs = BTreeMap::new();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(runs),
        Err(e) => return Err(anyhow::anyhow!("cannot list {}: {e}", dir.display())),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        let path = dir.join(&name);
        if let Some(record) =
            crate::store::state::load::<RunRecord>(&path, &ctx.root.quarantine_dir())?
        {
            runs.insert(record.command.clone(), record);
        }
    }
    Ok(runs)
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

/// How far `wake consume` is behind the end of the log, summed over
/// segments, once it has a cursor.
fn cursor_lag(ctx: &Ctx) -> Result<Option<crate::wake::lag::WakeLag>> {
    let Some(cursor) = ctx.load_state::<Cursor>("wake.cursor.json")? else {
        return Ok(None);
    };
    crate::wake::lag::wake_lag(ctx, &cursor).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_label_values_are_escaped() {
        assert_eq!(label("probe run"), "probe run");
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

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
