//! `tend alerts notify` (design §6): gathers the active alerts, decides with
//! [`diff::plan`], then acts — queue, audit, state, and one message per
//! notified alert (or one summary per channel in a burst).
//!
//! Order of effects, so that a crash loses nothing and repeats little: every
//! `--from` input is parsed before anything else (bad input: exit 2, nothing
//! sent, nothing written); then the decisions that send nothing are recorded
//! (digest queue, audit rows, state); then each message is sent and, right
//! after it, the state that says it went out — holding the message's audit
//! rows — and then those rows in the log. A kill or a failed append between
//! the two leaves the rows in the state, and the next run appends them before
//! anything else: a message sent is never left without its record. A failed
//! send still marks its alerts notified (`failed`): a channel that is down
//! gets one attempt per alert, not a retry every run.
//!
//! Each send is preceded by a record of its attempt in the attempt journal
//! ([`crate::store::attempts`]). A message whose two attempts were both cut
//! off before the state recorded the answer is given up instead of sent a
//! third time (status `unconfirmed`, a failed row, an error, exit 1); at the
//! end of a run every attempt is settled.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::AlertsCount;
use super::diff::{self, Action, Decision, Notified, Plan, Policy, Status};
use super::digest;
use super::message::{self, Outgoing};
use super::silence::{self, Silence};
use super::source::{self, Alert, PROBE_FEED};
use crate::audit::Row;
use crate::cli::AlertsNotifyArgs;
use crate::config::{ChannelKind, Config, InfoMode};
use crate::ctx::{Ctx, Outcome};
use crate::exit::UsageError;
use crate::incidents::Incident;
use crate::incidents::Purpose;
use crate::incidents::outbox::{self, Fate, Item, Letter, Outbox, RowStatus};
use crate::incidents::policy as incident_policy;
use crate::store::attempts::{self, Next};
use crate::store::jsonl;
use crate::store::lock::Wait;

pub const STATE_FILE: &str = "alerts.notified.json";

/// The namespace of this command's keys in the attempt journal
/// (`state/delivery.attempts.jsonl`): `alerts:<action>:<alert id>`.
pub const ATTEMPT_PREFIX: &str = "alerts:";

/// The key of a sending decision's message in the attempt journal.
fn attempt_key(d: &Decision) -> String {
    format!("{ATTEMPT_PREFIX}{}:{}", d.action.name(), d.alert.id)
}

pub fn policy(config: &Config) -> Policy {
    let a = &config.alerts;
    Policy {
        route: config.alert_route(),
        cooldown: a.cooldown.to_chrono(),
        burst_limit: a.burst_limit,
        digest_info: a.info_mode == InfoMode::Digest,
        send_resolved: a.send_resolved,
        repeat: a.repeat_interval,
    }
}

/// The alerts of the `--from` inputs, and the feeds they are.
#[derive(Debug, Default)]
pub struct Inputs {
    pub alerts: Vec<Alert>,
    /// The feeds read in full: their alerts missing here stopped firing.
    pub feeds: BTreeSet<String>,
    /// Ids an input listed as resolved, whichever input reported them.
    pub resolved: BTreeSet<String>,
}

/// Reads and parses every `--from` input: a bad one is a usage error (exit 2)
/// that names the input and the byte, before anything is sent or written.
pub fn read_inputs(from: &[PathBuf], now: DateTime<Utc>) -> Result<Inputs> {
    if from.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(UsageError("--from - (standard input) can be given once".into()).into());
    }
    let mut inputs = Inputs::default();
    for path in from {
        let (label, bytes) = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| UsageError(format!("--from -: cannot read standard input: {e}")))?;
            ("-".to_string(), bytes)
        } else {
            let bytes = std::fs::read(path)
                .map_err(|e| UsageError(format!("--from {}: cannot read: {e}", path.display())))?;
            (path.display().to_string(), bytes)
        };
        // The feed is the file itself, however it is spelled on the command line.
        let feed = match std::fs::canonicalize(path) {
            Ok(full) if label != "-" => format!("from:{}", full.display()),
            _ => format!("from:{label}"),
        };
        let parsed = source::parse(&bytes, &feed, now)
            .map_err(|e| UsageError(format!("--from {label}: {e}")))?;
        inputs.alerts.extend(parsed.alerts);
        inputs.feeds.extend(parsed.speaks_for);
        inputs.resolved.extend(parsed.resolved);
    }
    Ok(inputs)
}

/// The alerts of `state/probes.json` (written by `probe run`). `None` when
/// there is no probe state.
pub fn probe_state_alerts(ctx: &Ctx) -> Result<Option<Vec<Alert>>> {
    Ok(crate::probe::state::load(ctx)?.map(|state| source::probe_alerts(&state)))
}

/// Everything active: the probe state, then the inputs.
pub fn gather(ctx: &mut Ctx, inputs: Inputs) -> Result<Inputs> {
    let mut all = Inputs::default();
    if let Some(alerts) = probe_state_alerts(ctx)? {
        all.alerts = alerts;
        all.feeds.insert(PROBE_FEED.to_string());
    }
    all.alerts.extend(inputs.alerts);
    let (alerts, warnings) = source::dedupe(std::mem::take(&mut all.alerts));
    all.alerts = alerts;
    for w in &warnings {
        ctx.out.warn(w);
    }
    all.feeds.extend(inputs.feeds);
    all.resolved.extend(inputs.resolved);
    Ok(all)
}

pub fn load_silences(ctx: &mut Ctx, outcome: &mut Outcome) -> Result<Vec<Silence>> {
    let (silences, problems) = silence::load_active(ctx)?;
    for p in &problems {
        ctx.out.error(&format!("{p}; it is not applied"));
        outcome.failed = true;
    }
    Ok(silences)
}

pub fn run(ctx: &mut Ctx, args: &AlertsNotifyArgs) -> Result<Outcome> {
    let inputs = read_inputs(&args.from, ctx.now())?;
    ctx.run_locked(crate::command::Command::AlertsNotify, Wait::No, |ctx| {
        notify(ctx, inputs)
    })
}

fn notify(ctx: &mut Ctx, inputs: Inputs) -> Result<Outcome> {
    let now = ctx.now();
    let mut outcome = Outcome::default();
    let active = gather(ctx, inputs)?;
    let mut state: Notified = ctx.load_state(STATE_FILE)?.unwrap_or_default();
    if !ctx.dry_run {
        record_unrecorded(ctx, &mut state)?;
    }
    let silences = load_silences(ctx, &mut outcome)?;
    let policy = policy(&ctx.config);
    let mut plan = diff::plan(
        &active.alerts,
        &active.feeds,
        &active.resolved,
        &state,
        &silences,
        now,
        &policy,
    );
    let mut outbox = Outbox::open(ctx)?;
    let incident_ids = open_and_resolve_incidents(ctx, &active.alerts, &mut plan, &state, &policy)?;
    // Messages attempted twice by runs that were cut off before recording
    // the channel's answer: given up, never sent a third time.
    let given_up: BTreeMap<usize, u32> = plan
        .decisions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.action.sends())
        .filter_map(|(i, d)| match outbox.next(&attempt_key(d)) {
            Next::GiveUp { attempts } => Some((i, attempts)),
            Next::Send { .. } | Next::AlreadySent => None,
        })
        .collect();
    let skipped: BTreeSet<usize> = given_up.keys().copied().collect();
    let messages = message::outgoing(&plan, &skipped, now, policy.burst_limit);
    outcome.count(AlertsCount::Active, active.alerts.len() as u64);

    if ctx.dry_run {
        return dry_run(ctx, &plan, &messages, &given_up, &incident_ids, outcome);
    }

    let ended = silence::expire_ended(ctx, &silences)?;

    // 1. What sends nothing: the digest queue, audit rows, the state.
    let queued: Vec<(&Alert, bool)> = plan
        .decisions
        .iter()
        .filter_map(|d| match d.action {
            Action::Queue { reminder } => Some((&d.alert, reminder)),
            _ => None,
        })
        .collect();
    jsonl::append(
        &ctx.root.state_file(digest::QUEUE_FILE),
        &digest::queue_lines(&queued, now)?,
    )?;
    let quiet_rows: Vec<Row> = plan
        .decisions
        .iter()
        .filter_map(|d| match &d.action {
            Action::Suppress { .. } => Some(outbox::dispatched_row(
                d.channel,
                &item(d, &incident_ids, false),
                RowStatus::Suppressed,
                now,
            )),
            Action::Silence { silence, .. } => {
                let mut r = outbox::dispatched_row(
                    d.channel,
                    &item(d, &incident_ids, false),
                    RowStatus::Silenced,
                    now,
                );
                r.details["silence_id"] = json!(silence);
                Some(r)
            }
            _ => None,
        })
        .collect();
    ctx.audit().append(&quiet_rows, now)?;
    let mut working = plan.base.clone();
    let state_path = ctx.root.state_file(STATE_FILE);
    if working != state {
        crate::store::state::save(&state_path, &working)?;
    }

    // 2. The messages, each followed by its record.
    // Whether the state file still holds rows that are now in the log.
    let mut rows_in_state = false;
    let mut results: BTreeMap<usize, Result<(), String>> = BTreeMap::new();
    for (i, attempts) in &given_up {
        let d = &plan.decisions[*i];
        ctx.out.error(&format!(
            "alert {}: its {} message was given up: its {attempts} attempts were each cut off before the channel's answer was recorded, so it may or may not have arrived; it is not sent a third time (status {}, error {})",
            d.alert.id,
            d.action.name(),
            Status::Unconfirmed.as_str(),
            attempts::GAVE_UP_ERROR,
        ));
        let letter = letter(
            &plan,
            &[*i],
            d.channel,
            message::alert_message(d, now),
            false,
            &incident_ids,
        );
        // Recorded as a failed send (status `unconfirmed` in the state),
        // with the same order of writes as a send: state, then rows.
        outbox.give_up(ctx, &letter, *attempts, |_, _, rows| {
            diff::give_up(&mut working, d);
            working.unrecorded = rows.clone();
            crate::store::state::save(&state_path, &working)?;
            Ok(rows)
        })?;
        working.unrecorded.clear();
        rows_in_state = true;
        results.insert(*i, Err(attempts::GAVE_UP_ERROR.to_string()));
        outcome.failed = true;
        outcome.count(AlertsCount::Unconfirmed, 1);
    }
    for m in &messages {
        let letter = letter(
            &plan,
            &m.decisions,
            m.channel,
            m.message.clone(),
            m.burst,
            &incident_ids,
        );
        // The state first, right after the channel answered: a kill or a
        // failed write after this point must not send the message again. It
        // carries the message's rows until they are in the log.
        let fate = outbox.send(ctx, letter, |_, fate, rows| {
            for i in &m.decisions {
                diff::apply(&mut working, &plan.decisions[*i], Some(!fate.is_sent()));
            }
            working.unrecorded = rows.clone();
            crate::store::state::save(&state_path, &working)?;
            Ok(rows)
        })?;
        // Cleared on disk with the next message's state, or below.
        working.unrecorded.clear();
        rows_in_state = true;
        for i in &m.decisions {
            results.insert(*i, fate.error().map_or(Ok(()), Err));
        }
        match &fate {
            Fate::Failed(e) => {
                outcome.failed = true;
                outcome.count(AlertsCount::Failed, 1);
                ctx.out.error(&format!(
                    "{} message not sent ({}: {}); its alerts count as notified (status failed), so no run retries it",
                    m.channel, e.kind, e.message
                ));
            }
            _ => {
                outcome.count(AlertsCount::Messages, 1);
            }
        }
    }
    if rows_in_state {
        crate::store::state::save(&state_path, &working)?;
    }
    // The parents of incidents resolved without a reply, and any edit a
    // killed run left behind.
    outbox.refresh_parents(ctx)?;
    // Every message of this run is now recorded (sent, failed or given up),
    // and an attempt of an earlier run that is not in this run's plan is for
    // a message no longer wanted: none of them counts any more.
    outbox.settle(ATTEMPT_PREFIX, |_, _| true)?;
    if ended > 0 {
        outcome.count(AlertsCount::SilencesEnded, ended as u64);
    }
    report(ctx, &plan, &results, &incident_ids, &mut outcome, false)?;
    Ok(outcome)
}

/// What a decision's `notification.dispatched` row says.
fn item(d: &Decision, incident_ids: &BTreeMap<String, String>, burst: bool) -> Item {
    let mut extra = json!({"action": d.action.name()});
    if burst {
        extra["burst"] = json!(true);
    }
    Item {
        reference: d.alert.id.clone(),
        severity: d.alert.severity,
        category: d.alert.category.clone(),
        correlation_key: d.alert.id.clone(),
        incident_id: incident_ids.get(&d.alert.id).cloned(),
        extra,
    }
}

/// The letter of a message carrying the decisions `indexes` of `plan`: a
/// journal key and a row each, and what it is to each decision's incident.
fn letter(
    plan: &Plan,
    indexes: &[usize],
    channel: ChannelKind,
    message: crate::channel::Message,
    burst: bool,
    incident_ids: &BTreeMap<String, String>,
) -> Letter {
    let decisions: Vec<&Decision> = indexes.iter().map(|i| &plan.decisions[*i]).collect();
    let mut incidents: Vec<(String, Purpose)> = Vec::new();
    for d in &decisions {
        let Some(id) = incident_ids.get(&d.alert.id) else {
            continue;
        };
        let purpose = match d.action {
            Action::Remind { .. } => Purpose::Reminder,
            Action::Resolve { .. } => Purpose::Resolution,
            _ => Purpose::Message,
        };
        if !incidents.iter().any(|(known, _)| known == id) {
            incidents.push((id.clone(), purpose));
        }
    }
    Letter {
        keys: decisions.iter().map(|d| attempt_key(d)).collect(),
        channel,
        message,
        items: decisions
            .iter()
            .map(|d| item(d, incident_ids, burst))
            .collect(),
        incidents,
    }
}

/// Opens the incident of every firing alert (or updates it when its
/// severity changed) and resolves those of the alerts that stopped firing
/// (design §6a). A resolution is told only for an incident that sent a
/// message: the others' resolve decisions become silent. Returns alert id →
/// incident id.
fn open_and_resolve_incidents(
    ctx: &mut Ctx,
    active: &[Alert],
    plan: &mut Plan,
    state: &Notified,
    policy: &Policy,
) -> Result<BTreeMap<String, String>> {
    let now = ctx.now();
    crate::incidents::update(ctx, |incidents, events| {
        let mut ids = BTreeMap::new();
        for alert in active {
            // An input that gives no start: when tend first recorded it.
            let started_at = alert
                .started_at
                .or_else(|| state.alerts.get(&alert.id).map(|e| e.first_seen))
                .unwrap_or(now);
            let facts = incident_policy::Facts {
                alert_id: &alert.id,
                started_at,
                severity: alert.severity,
                category: &alert.category,
                title: &alert.title,
                summary: &alert.summary,
            };
            let (id, event) = incident_policy::observe(incidents, &facts, now);
            events.extend(event);
            ids.insert(alert.id.clone(), id);
        }
        for d in &mut plan.decisions {
            if let Action::Resolve { announce } = &mut d.action {
                let entry = state.alerts.get(&d.alert.id);
                let incident = incident_policy::latest_of(incidents, &d.alert.id);
                if let Some(incident) = incident {
                    ids.insert(d.alert.id.clone(), incident.id.clone());
                }
                *announce = policy.send_resolved && tells_resolution(incident, entry);
                // Until a resolution goes out, the old entry stands.
                match (*announce, entry) {
                    (true, Some(entry)) => {
                        plan.base.alerts.insert(d.alert.id.clone(), entry.clone());
                    }
                    _ => {
                        plan.base.alerts.remove(&d.alert.id);
                    }
                }
                events.extend(incident_policy::resolve(incidents, &d.alert.id, now));
            }
        }
        let sends = plan.decisions.iter().filter(|d| d.action.sends()).count();
        plan.burst = sends > policy.burst_limit;
        ids
    })
}

/// Whether an alert's recovery is told (design §6a): when a message went out
/// about its incident, from `wake consume` or `alerts notify` (the incident
/// counts both), or when the alert's own record says its message went out
/// or may have (`ok`, `unconfirmed`: this covers messages sent before
/// incidents were kept, and a run cut off before its incident noted the
/// message). An incident silenced, suppressed or failed all along resolves
/// silently, and so does an info alert only ever queued for the digest.
pub fn tells_resolution(incident: Option<&Incident>, entry: Option<&diff::Entry>) -> bool {
    incident.is_some_and(incident_policy::tells_resolution)
        || entry.is_some_and(|e| {
            e.last_notified.is_some() && matches!(e.status, Status::Ok | Status::Unconfirmed)
        })
}

/// Appends the audit rows of messages that an earlier run sent and recorded
/// in the state but could not append (a kill, a failed write), then clears
/// them from the state.
fn record_unrecorded(ctx: &mut Ctx, state: &mut Notified) -> Result<()> {
    if state.unrecorded.is_empty() {
        return Ok(());
    }
    let rows = std::mem::take(&mut state.unrecorded);
    // Those a killed append wrote whole are not written twice.
    let since = rows.iter().map(|r| r.ts).min().unwrap_or(ctx.now());
    let appended = ctx
        .audit()
        .append_missing(&rows, since, ctx.now())
        .map_err(|e| {
            e.context(format!(
                "cannot append the {} audit rows of messages already sent (kept in state/{STATE_FILE})",
                rows.len()
            ))
        })?;
    crate::store::state::save(&ctx.root.state_file(STATE_FILE), &*state)?;
    ctx.out.note(&format!(
        "appended {appended} audit rows of messages an earlier run sent but did not record ({} were already written)",
        rows.len() - appended
    ));
    Ok(())
}

fn dry_run(
    ctx: &mut Ctx,
    plan: &Plan,
    messages: &[Outgoing],
    given_up: &BTreeMap<usize, u32>,
    incident_ids: &BTreeMap<String, String>,
    mut outcome: Outcome,
) -> Result<Outcome> {
    for m in messages {
        would_send(ctx, m.channel, &m.message)?;
        outcome.count(AlertsCount::Messages, 1);
    }
    // What a real run would record instead of sending.
    let results: BTreeMap<usize, Result<(), String>> = given_up
        .keys()
        .map(|i| (*i, Err(attempts::GAVE_UP_ERROR.to_string())))
        .collect();
    outcome.count(AlertsCount::Unconfirmed, given_up.len() as u64);
    report(ctx, plan, &results, incident_ids, &mut outcome, true)?;
    Ok(outcome)
}

/// What a dry run prints instead of sending: the text, or with --json an
/// object (so the output stays JSON Lines).
pub fn would_send(
    ctx: &mut Ctx,
    channel: ChannelKind,
    message: &crate::channel::Message,
) -> Result<()> {
    if ctx.out.json {
        ctx.out.json(&json!({
            "would_send": true,
            "channel": channel,
            "subject": message.subject,
            "text": message.text,
        }))?;
    } else {
        ctx.out.data(
            format!("would send via {channel}:\n{}\n\n", message.text.trim_end()).as_bytes(),
        )?;
    }
    Ok(())
}

/// The item lines (-v), JSON objects and the summary line.
fn report(
    ctx: &mut Ctx,
    plan: &Plan,
    results: &BTreeMap<usize, Result<(), String>>,
    incident_ids: &BTreeMap<String, String>,
    outcome: &mut Outcome,
    dry_run: bool,
) -> Result<()> {
    for (i, d) in plan.decisions.iter().enumerate() {
        let status = match (&d.action, results.get(&i)) {
            (Action::Suppress { .. }, _) => Status::Suppressed.as_str().to_string(),
            (Action::Silence { .. }, _) => Status::Silenced.as_str().to_string(),
            (Action::Queue { .. }, _) => Status::Queued.as_str().to_string(),
            (Action::Resolve { announce: false }, _) => "resolved".to_string(),
            (_, Some(Ok(()))) => Status::Ok.as_str().to_string(),
            (_, Some(Err(kind))) => format!("{}: {kind}", Status::Failed.as_str()),
            (_, None) => "would send".to_string(),
        };
        let counter = match &d.action {
            Action::Notify(_) => AlertsCount::Notified,
            Action::Remind { .. } => AlertsCount::Reminded,
            Action::Resolve { .. } => AlertsCount::Resolved,
            Action::Queue { .. } => AlertsCount::Queued,
            Action::Suppress { .. } => AlertsCount::Suppressed,
            Action::Silence { .. } => AlertsCount::Silenced,
        };
        outcome.count(counter, 1);
        let target = if d.action.sends() {
            format!(" → {}", d.channel)
        } else {
            String::new()
        };
        ctx.out.item(&format!(
            "{:<9} {:<8} {}{target}: {status}",
            d.action.name(),
            d.alert.severity,
            d.alert.id
        ))?;
        let mut value = json!({
            "id": d.alert.id,
            "action": d.action.name(),
            "severity": d.alert.severity,
            "category": d.alert.category,
            "title": d.alert.title,
            "channel": d.channel,
            "status": status,
        });
        if let Some(id) = incident_ids.get(&d.alert.id) {
            value["incident_id"] = json!(id);
        }
        if let Action::Silence { silence, until } = &d.action {
            value["silence_id"] = json!(silence);
            value["silenced_until"] = json!(crate::clock::format_ts(*until));
        }
        if plan.burst && d.action.sends() {
            value["burst"] = json!(true);
        }
        ctx.out.json(&value)?;
    }
    let mut parts = Vec::new();
    for (counter, label) in [
        (AlertsCount::Notified, "notified"),
        (AlertsCount::Reminded, "reminded"),
        (AlertsCount::Resolved, "resolved"),
        (AlertsCount::Suppressed, "suppressed (cooldown)"),
        (AlertsCount::Silenced, "silenced"),
        (AlertsCount::Queued, "queued for the digest"),
        (AlertsCount::SilencesEnded, "silences ended"),
    ] {
        let n = outcome.counts.get(counter);
        if n > 0 {
            parts.push(format!("{n} {label}"));
        }
    }
    if ctx.out.json {
        let mut summary = json!({"summary": true, "dry_run": dry_run, "burst": plan.burst});
        for (k, v) in outcome.counts.iter() {
            summary[k] = json!(v);
        }
        ctx.out.json(&summary)?;
    } else {
        let news = !parts.is_empty();
        if !news {
            parts.push("nothing new".into());
        }
        let mut line = format!(
            "alerts{}: {}",
            if dry_run { " (dry run)" } else { "" },
            parts.join(", ")
        );
        if plan.burst {
            line.push_str(&format!(
                "; burst: {} summary message(s) instead of {}",
                outcome.counts.get(AlertsCount::Messages) + outcome.counts.get(AlertsCount::Failed),
                plan.sends()
            ));
        }
        if outcome.counts.get(AlertsCount::Unconfirmed) > 0 {
            line.push_str(&format!(
                "; {} given up, unconfirmed after {} attempts",
                outcome.counts.get(AlertsCount::Unconfirmed),
                attempts::MAX_ATTEMPTS
            ));
        }
        if outcome.counts.get(AlertsCount::Failed) > 0 {
            line.push_str(&format!(
                "; {} message(s) failed",
                outcome.counts.get(AlertsCount::Failed)
            ));
        }
        ctx.out.news(news, &line)?;
    }
    Ok(())
}
