//! `tend alerts list` (design §6): the active alerts (probe state and any
//! `--from` inputs) beside what `alerts notify` recorded about them — notified,
//! failed, suppressed, silenced, queued — and those it will resolve next run.
//! Read-only.

use std::collections::BTreeMap;

use anyhow::Result;
use serde_json::json;

use super::AlertsCount;
use super::diff::{Entry, Notified, Status};
use super::notify::{self, STATE_FILE};
use super::source::Alert;
use crate::cli::AlertsListArgs;
use crate::clock::format_ts;
use crate::ctx::{Ctx, Outcome, Verbosity};
use crate::terminal::escape_field;

struct Line<'a> {
    id: &'a str,
    alert: Option<&'a Alert>,
    entry: Option<&'a Entry>,
    status: ListStatus,
    silence: Option<String>,
}

/// An alert's line in `alerts list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStatus {
    /// Firing, not notified yet.
    New,
    /// Firing, not notified yet, and held by a silence.
    SilencedNew,
    /// Its input no longer lists it: the next notify resolves it.
    Resolved,
    /// Recorded in `alerts.notified.json` with this status (`ok` reads
    /// "notified").
    Recorded(Status),
}

impl ListStatus {
    fn name(self) -> &'static str {
        match self {
            ListStatus::New => "new",
            ListStatus::SilencedNew => "silenced (new)",
            ListStatus::Resolved => "resolved",
            ListStatus::Recorded(Status::Ok) => "notified",
            ListStatus::Recorded(status) => status.as_str(),
        }
    }
}

pub fn run(ctx: &mut Ctx, args: &AlertsListArgs) -> Result<Outcome> {
    let now = ctx.now();
    let inputs = notify::read_inputs(&args.from, now)?;
    let mut outcome = Outcome::default();
    let active = notify::gather(ctx, inputs)?;
    let state: Notified = ctx.load_state(STATE_FILE)?.unwrap_or_default();
    let silences = notify::load_silences(ctx, &mut outcome)?;

    let mut by_id: BTreeMap<&str, &Alert> = BTreeMap::new();
    for a in &active.alerts {
        by_id.insert(&a.id, a);
    }
    let mut lines = Vec::new();
    for (id, alert) in &by_id {
        let entry = state.alerts.get(*id);
        let silence = silences
            .iter()
            .find(|s| s.applies(alert, now))
            .map(|s| s.id.clone());
        let status = match (entry, &silence) {
            (None, Some(_)) => ListStatus::SilencedNew,
            (None, None) => ListStatus::New,
            (Some(e), _) => ListStatus::Recorded(e.status),
        };
        lines.push(Line {
            id,
            alert: Some(alert),
            entry,
            status,
            silence,
        });
    }
    for (id, entry) in &state.alerts {
        if by_id.contains_key(id.as_str()) {
            continue;
        }
        let status = if active.feeds.contains(&entry.feed) {
            ListStatus::Resolved
        } else {
            ListStatus::Recorded(entry.status)
        };
        lines.push(Line {
            id,
            alert: None,
            entry: Some(entry),
            status,
            silence: entry.silence.clone(),
        });
    }
    lines.sort_by(|a, b| severity(b).cmp(&severity(a)).then(a.id.cmp(b.id)));

    let mut table: Vec<Vec<String>> = Vec::new();
    for l in &lines {
        let (category, title) = match (l.alert, l.entry) {
            (Some(a), _) => (a.category.as_str(), a.title.as_str()),
            (None, Some(e)) => (e.category.as_str(), e.title.as_str()),
            (None, None) => ("", ""),
        };
        let mut title = title.to_string();
        if let Some(s) = &l.silence {
            title.push_str(&format!(" [silence {s}]"));
        }
        // Fields from outside, escaped so that none can forge a line.
        table.push(vec![
            l.status.name().to_string(),
            severity(l).as_str().to_string(),
            escape_field(category).into_owned(),
            escape_field(l.id).into_owned(),
            escape_field(&title).into_owned(),
        ]);
        let mut value = json!({
            "id": l.id,
            "status": l.status.name(),
            "severity": severity(l),
            "category": category,
            "title": l.alert.map_or(title.as_str(), |a| a.title.as_str()),
            "firing": l.alert.is_some(),
        });
        if let Some(a) = l.alert {
            value["summary"] = json!(a.summary);
            value["source"] = json!(a.source);
            if let Some(t) = a.started_at {
                value["started_at"] = json!(format_ts(t));
            }
        }
        if let Some(e) = l.entry {
            value["feed"] = json!(e.feed);
            value["first_seen"] = json!(format_ts(e.first_seen));
            if let Some(t) = e.last_notified {
                value["last_notified"] = json!(format_ts(t));
            }
            if e.reminders > 0 {
                value["reminders"] = json!(e.reminders);
            }
        }
        if let Some(s) = &l.silence {
            value["silence_id"] = json!(s);
        }
        ctx.out.json(&value)?;
    }
    let firing = lines.iter().filter(|l| l.alert.is_some()).count();
    if ctx.out.json {
        ctx.out.json(&json!({
            "summary": true,
            "alerts": lines.len(),
            "firing": firing,
        }))?;
    } else if ctx.out.verbosity != Verbosity::Quiet {
        let text = if lines.is_empty() {
            "no alerts\n".to_string()
        } else {
            crate::terminal::table(
                &["STATUS", "SEVERITY", "CATEGORY", "ID", "TITLE"],
                &table,
                crate::terminal::stdout_width(),
            )
        };
        ctx.out.data(text.as_bytes())?;
    }
    outcome.count(AlertsCount::Alerts, lines.len() as u64);
    Ok(outcome)
}

fn severity(l: &Line<'_>) -> crate::severity::Severity {
    match (l.alert, l.entry) {
        (Some(a), _) => a.severity,
        (None, Some(e)) => e.severity,
        (None, None) => crate::severity::Severity::Info,
    }
}
