//! `tend incidents list` (open and recent incidents, with the command that
//! silences each) and `tend incidents show ID` (an incident's timeline from
//! the audit log). Read-only.

use std::ops::ControlFlow;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Incident, IncidentsCount, IncidentsState, load, short_id};
use crate::audit::{Item, segment_name};
use crate::cli::{IncidentsCommand, IncidentsListArgs, IncidentsShowArgs};
use crate::clock::format_ts;
use crate::ctx::{Ctx, Outcome};
use crate::exit::UsageError;
use crate::store::cursor::Cursor;
use crate::terminal::{escape_control, shell_quote};

pub fn run(ctx: &mut Ctx, command: &IncidentsCommand) -> Result<Outcome> {
    match command {
        IncidentsCommand::List(args) => list(ctx, args),
        IncidentsCommand::Show(args) => show(ctx, args),
    }
}

/// The command that silences the incident's alert for two hours, quoted to
/// paste as it is.
pub fn silence_command(incident: &Incident) -> String {
    format!(
        "tend alerts silence add --match {} --for 2h --reason \"…\"",
        shell_quote(&format!("id={}", incident.alert_id))
    )
}

/// `1h 30m`, `5m`, `45s`, `2d 3h`.
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Open incidents (newest first), then resolved ones (most recently
/// resolved first).
fn ordered(state: &IncidentsState) -> Vec<&Incident> {
    let mut all: Vec<&Incident> = state.incidents.values().collect();
    all.sort_by(|a, b| {
        a.resolved_at
            .is_some()
            .cmp(&b.resolved_at.is_some())
            .then(b.resolved_at.cmp(&a.resolved_at))
            .then(b.started_at.cmp(&a.started_at))
            .then(a.id.cmp(&b.id))
    });
    all
}

fn list(ctx: &mut Ctx, args: &IncidentsListArgs) -> Result<Outcome> {
    let now = ctx.now();
    let state = load(ctx)?;
    let mut outcome = Outcome::default();
    let shown: Vec<&Incident> = ordered(&state)
        .into_iter()
        .filter(|i| !args.open || i.is_open())
        .collect();
    for incident in &shown {
        let status = if incident.is_open() {
            "open"
        } else {
            "resolved"
        };
        if ctx.out.json {
            ctx.out.json(&json!({
                "incident_id": incident.id,
                "short_id": short_id(&incident.id),
                "status": status,
                "alert_id": incident.alert_id,
                "severity": incident.severity,
                "category": incident.category,
                "title": incident.title,
                "summary": incident.summary,
                "started_at": format_ts(incident.started_at),
                "resolved_at": incident.resolved_at.map(format_ts),
                "duration_s": incident.duration_s(now),
                "messages": incident.messages,
                "reminders": incident.reminders,
                "silence_command": silence_command(incident),
            }))?;
        } else {
            let when = match incident.resolved_at {
                None => format!(
                    "since {} ({})",
                    format_ts(incident.started_at),
                    human_duration(incident.duration_s(now))
                ),
                Some(at) => format!(
                    "resolved {} after {}",
                    format_ts(at),
                    human_duration(incident.duration_s(now))
                ),
            };
            let messages = match incident.messages {
                1 => "1 message".to_string(),
                n => format!("{n} messages"),
            };
            ctx.out.data(
                format!(
                    "{}  {status:<8} {:<8} {}  {when}, {messages}\n",
                    short_id(&incident.id),
                    incident.severity,
                    escape_control(&incident.alert_id),
                )
                .as_bytes(),
            )?;
            if incident.is_open() {
                ctx.out
                    .data(format!("          mute: {}\n", silence_command(incident)).as_bytes())?;
            }
        }
        outcome.count(IncidentsCount::Listed, 1);
        outcome.count(IncidentsCount::Open, u64::from(incident.is_open()));
    }
    if ctx.out.json {
        ctx.out.json(&json!({
            "summary": true,
            "listed": shown.len(),
            "open": shown.iter().filter(|i| i.is_open()).count(),
        }))?;
    } else if shown.is_empty() {
        ctx.out
            .summary("incidents: none open or recently resolved")?;
    }
    Ok(outcome)
}

/// The incident `id` names: a whole id or an unambiguous prefix (at least 4
/// characters) of one in the state.
fn find<'a>(state: &'a IncidentsState, id: &str) -> Result<&'a Incident> {
    let id = id.trim().to_ascii_lowercase();
    if let Some(found) = state.incidents.get(&id) {
        return Ok(found);
    }
    if id.len() < 4 {
        return Err(UsageError(format!(
            "incident {id:?}: give at least 4 characters of its id (tend incidents list)"
        ))
        .into());
    }
    let matching: Vec<&Incident> = state
        .incidents
        .values()
        .filter(|i| i.id.starts_with(&id))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(UsageError(format!(
            "no incident {id:?} in state/{} (open, or resolved within [incidents] keep_resolved); tend incidents list shows them",
            super::FILE
        ))
        .into()),
        many => Err(UsageError(format!(
            "incident {id:?} is ambiguous: {} match; give more of its id",
            many.iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into()),
    }
}

/// The probe of a probe alert id (`probe:{probe}:{category}`).
fn probe_of(alert_id: &str) -> Option<&str> {
    alert_id.strip_prefix("probe:")?.split(':').next()
}

/// Whether a row belongs to the incident's timeline.
fn belongs(
    incident: &Incident,
    kind: &str,
    correlation_key: Option<&str>,
    details: &Value,
) -> bool {
    if details.get("incident_id").and_then(Value::as_str) == Some(incident.id.as_str()) {
        return true;
    }
    if details.get("incident_id").is_some() {
        return false;
    }
    if kind == "probe.observed" {
        return probe_of(&incident.alert_id).is_some()
            && details.get("probe").and_then(Value::as_str) == probe_of(&incident.alert_id);
    }
    correlation_key == Some(incident.alert_id.as_str())
}

/// One line of the timeline for a row.
fn describe(kind: &str, d: &Value) -> String {
    let s = |field: &str| d.get(field).and_then(Value::as_str).unwrap_or_default();
    let text = match kind {
        "probe.observed" => format!("{}: {}", s("status"), s("summary")),
        "probe.wake_requested" => format!("wake {}: {}", s("severity"), s("summary")),
        "probe.wake_debounced" => format!("wake debounced ({})", s("reason")),
        "probe.recovered" => format!("recovered: {}", s("summary")),
        "probe.investigation_completed" => {
            let first = s("summary").lines().next().unwrap_or_default().to_string();
            format!("investigated ({}): {first}", d["engine_status"])
        }
        "notification.dispatched" => {
            let what = [s("message"), s("action")]
                .into_iter()
                .find(|w| !w.is_empty())
                .unwrap_or("message");
            let error = match s("error") {
                "" => String::new(),
                e => format!(" ({e})"),
            };
            format!("{what} via {}: {}{error}", s("channel"), s("status"))
        }
        "incident.opened" => format!("opened, {}", s("severity")),
        "incident.updated" => match s("severity_from") {
            "" => format!("updated, {}", s("severity")),
            from => format!("severity {from} → {}", s("severity")),
        },
        "incident.resolved" => format!(
            "resolved after {}",
            human_duration(d["duration_s"].as_i64().unwrap_or(0))
        ),
        _ => d.to_string(),
    };
    escape_control(&text).into_owned()
}

fn show(ctx: &mut Ctx, args: &IncidentsShowArgs) -> Result<Outcome> {
    let now = ctx.now();
    let state = load(ctx)?;
    let incident = find(&state, &args.id)?.clone();
    let until = incident.resolved_at.unwrap_or(now);
    // Rows from a minute before it started (the result that opened it).
    let from = incident.started_at - chrono::TimeDelta::minutes(1);
    let mut rows: Vec<(DateTime<Utc>, String, Value)> = Vec::new();
    let mut reader = ctx.audit().reader(&[], now);
    let start = Cursor::from_start(&segment_name(from), &format_ts(now));
    let mut warnings = Vec::new();
    let mut last_status: Option<String> = None;
    reader.scan_cursor(&start, |item| {
        let row = match item {
            Item::Row(row) => row,
            other => {
                warnings.extend(other.warning());
                return Ok(ControlFlow::Continue(()));
            }
        };
        if row.ts < from || row.ts > until {
            return Ok(ControlFlow::Continue(()));
        }
        let Ok(record) = row.record() else {
            return Ok(ControlFlow::Continue(()));
        };
        if !belongs(
            &incident,
            &record.kind,
            record.correlation_key.as_deref(),
            &record.details,
        ) {
            return Ok(ControlFlow::Continue(()));
        }
        // Results only where they change: a six-hour outage is not 360 lines.
        if record.kind == "probe.observed" {
            let status = record.details["status"].as_str().map(str::to_string);
            if status == last_status {
                return Ok(ControlFlow::Continue(()));
            }
            last_status = status;
        }
        rows.push((record.ts, record.kind.to_string(), record.details));
        Ok(ControlFlow::Continue(()))
    })?;
    for w in &warnings {
        ctx.out.warn(w);
    }
    rows.sort_by_key(|(ts, _, _)| *ts);
    let mut outcome = Outcome::default();
    if ctx.out.json {
        for (ts, kind, details) in &rows {
            ctx.out
                .json(&json!({"ts": format_ts(*ts), "kind": kind, "details": details}))?;
        }
        ctx.out.json(&json!({
            "summary": true,
            "incident_id": incident.id,
            "alert_id": incident.alert_id,
            "severity": incident.severity,
            "status": if incident.is_open() { "open" } else { "resolved" },
            "started_at": format_ts(incident.started_at),
            "resolved_at": incident.resolved_at.map(format_ts),
            "duration_s": incident.duration_s(now),
            "rows": rows.len(),
        }))?;
    } else {
        let status = match incident.resolved_at {
            None => format!("open for {}", human_duration(incident.duration_s(now))),
            Some(at) => format!(
                "resolved {} after {}",
                format_ts(at),
                human_duration(incident.duration_s(now))
            ),
        };
        let mut text = format!(
            "incident {} ({})\n{} {}: {}\nstarted {}, {status}\n\n",
            incident.id,
            short_id(&incident.id),
            incident.severity.mark(),
            escape_control(&incident.alert_id),
            escape_control(&incident.title),
            format_ts(incident.started_at),
        );
        for (ts, kind, details) in &rows {
            text.push_str(&format!(
                "{}  {:<30} {}\n",
                format_ts(*ts),
                kind,
                describe(kind, details)
            ));
        }
        if incident.is_open() {
            text.push_str(&format!("\nMute it: {}\n", silence_command(&incident)));
        }
        ctx.out.data(text.as_bytes())?;
    }
    outcome.count(IncidentsCount::Rows, rows.len() as u64);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        for (secs, text) in [
            (0, "0s"),
            (45, "45s"),
            (300, "5m"),
            (3600, "1h"),
            (5400, "1h 30m"),
            (86_400, "1d"),
            (97_200, "1d 3h"),
            (-5, "0s"),
        ] {
            assert_eq!(human_duration(secs), text);
        }
    }

    #[test]
    fn rows_belong_by_incident_id_then_by_alert() {
        let mut state = IncidentsState::default();
        let t = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let facts = super::super::policy::Facts {
            alert_id: "probe:api:api_down",
            started_at: t,
            severity: crate::severity::Severity::Critical,
            category: "api_down",
            title: "api",
            summary: "",
        };
        let (id, _) = super::super::policy::observe(&mut state, &facts, t);
        let incident = &state.incidents[&id];
        assert!(belongs(
            incident,
            "notification.dispatched",
            None,
            &json!({"incident_id": id})
        ));
        assert!(!belongs(
            incident,
            "notification.dispatched",
            Some("probe:api:api_down"),
            &json!({"incident_id": "other"})
        ));
        assert!(belongs(
            incident,
            "probe.wake_requested",
            Some("probe:api:api_down"),
            &json!({})
        ));
        assert!(belongs(
            incident,
            "probe.observed",
            None,
            &json!({"probe": "api"})
        ));
        assert!(!belongs(
            incident,
            "probe.observed",
            None,
            &json!({"probe": "db"})
        ));
        assert_eq!(probe_of("am:abc"), None);
    }
}
