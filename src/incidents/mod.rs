//! Incidents (design §6a): every message about one problem belongs to one
//! incident, one episode of one alert id from its first non-OK result (or
//! the first time an input reports it firing) to its resolution.
//!
//! - the incident id is deterministic ([`incident_id`]), so a replay names it
//!   the same;
//! - `state/incidents.json` ([`FILE`]) holds the open incidents and those
//!   resolved within `[incidents] keep_resolved`, with each conversation's
//!   parent message (a Slack `ts`, an email `Message-ID`) and the reminder
//!   clock; this module is its one owner: `wake consume` and `alerts notify`
//!   change it only through [`update`], others read it through [`load`];
//! - [`policy`]: opening, updating, resolving and the reminders' back-off,
//!   as pure functions;
//! - `tend incidents list` and `tend incidents show ID`.

mod command;
pub mod outbox;
pub mod policy;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{Kind, Row};
use crate::clock::format_ts;
use crate::ctx::{Ctx, counters};
use crate::severity::Severity;
use crate::store::lock::{CommandLock, Wait};
use crate::store::state;

pub use command::{run, silence_command};

counters! {
    /// What the incidents commands count.
    pub enum IncidentsCount {
        Listed = "listed",
        Open = "open",
        Rows = "rows",
    }
}

/// `state/incidents.json`.
pub const FILE: &str = "incidents.json";

/// The name of the short lock every change of [`FILE`] takes (`wake consume`
/// and `alerts notify` run under locks of their own and may overlap).
const LOCK: &str = "incidents";

/// How long a change of [`FILE`] waits for another run's change.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// N = UUIDv5(NAMESPACE_URL, "tend:incident") (design §6a).
static NAMESPACE: LazyLock<Uuid> =
    LazyLock::new(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, b"tend:incident"));

/// UUIDv5(N, "{alert_id}|{started_at}") with `started_at` in RFC 3339 with
/// milliseconds: the same episode of the same alert always gets the same id.
pub fn incident_id(alert_id: &str, started_at: DateTime<Utc>) -> String {
    let name = format!("{alert_id}|{}", format_ts(started_at));
    Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
}

pub use crate::channel::short_id;

/// `state/incidents.json`: incident id → incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentsState {
    pub incidents: BTreeMap<String, Incident>,
    /// `incident.*` rows whose append failed, kept until a later change
    /// appends them (those already written are not written twice).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unrecorded: Vec<Row>,
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    /// `probe:{probe}:{category}` for probes, the input's id for others.
    pub alert_id: String,
    /// Its severity now.
    pub severity: Severity,
    pub category: String,
    pub title: String,
    /// The latest summary seen.
    #[serde(default)]
    pub summary: String,
    pub started_at: DateTime<Utc>,
    /// When `tend` first recorded it.
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Channel (`slack_dm`, `email`, `webhook`, `stdout`) → the incident's
    /// conversation there.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub conversations: BTreeMap<String, Conversation>,
    /// Messages its channels took about it (a failed send is not counted).
    #[serde(default)]
    pub messages: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_message_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_at: Option<DateTime<Utc>>,
    /// Reminders sent, and when the last went (the back-off's clock).
    #[serde(default)]
    pub reminders: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reminder_at: Option<DateTime<Utc>>,
    /// Its latest investigation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investigated: Option<Investigated>,
}

impl Incident {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }

    /// Whole seconds from its start to its resolution (or to `now`).
    pub fn duration_s(&self, now: DateTime<Utc>) -> i64 {
        (self.resolved_at.unwrap_or(now) - self.started_at)
            .num_seconds()
            .max(0)
    }
}

/// The incident's conversation in one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// What later messages refer to: the parent's Slack `ts`, or the first
    /// mail's `Message-ID`. None where a channel has no threads (standard
    /// output, a webhook), or before the parent was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Where the parent is (a Slack DM's channel id), for its edits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The parent's subject (a mail's later subjects are `Re: ` it).
    #[serde(default)]
    pub subject: String,
    /// The parent's text as sent: an edit shows the incident's state line
    /// above it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// The state line the parent shows now (as sent, or as last edited).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shown: String,
    /// Messages sent in it.
    #[serde(default)]
    pub messages: u32,
}

/// An investigation of the incident (wake consume).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Investigated {
    pub at: DateTime<Utc>,
    /// What the wake said then: a change of either is investigated again.
    pub severity: Severity,
    pub summary: String,
    /// The first line of the diagnosis (or the fallback's reason).
    pub line: String,
}

/// What a message is to its incident (the outbox notes it accordingly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A message about it: opened, escalated, unsilenced, flapping, settled.
    Message,
    /// A reminder on its back-off schedule.
    Reminder,
    /// An investigation (the diagnosis or the fallback); `line` is what the
    /// parent shows of it, `reminder` when a due reminder sent it again.
    Investigation {
        severity: Severity,
        summary: String,
        line: String,
        reminder: bool,
    },
    /// Its resolution.
    Resolution,
}

/// What happened to an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Opened,
    Updated {
        severity_from: Option<Severity>,
        reopened: bool,
    },
    Resolved,
}

/// A change and the incident after it, for its audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub change: Change,
    pub incident: Incident,
    pub at: DateTime<Utc>,
}

impl Event {
    /// Its `incident.*` row. Opening and resolving are facts of the incident
    /// (deterministic ids: a run repeated after a kill adds no second copy).
    pub fn row(&self) -> Row {
        let i = &self.incident;
        let mut details = json!({
            "incident_id": i.id,
            "alert_id": i.alert_id,
            "severity": i.severity,
            "started_at": format_ts(i.started_at),
            "category": i.category,
            "title": i.title,
            "summary": i.summary,
        });
        let row = match self.change {
            Change::Opened => Row::deterministic(Kind::IncidentOpened, self.at, &i.id, details),
            Change::Updated {
                severity_from,
                reopened,
            } => {
                if let Some(from) = severity_from {
                    details["severity_from"] = json!(from);
                }
                if reopened {
                    details["reopened"] = json!(true);
                }
                let fact = format!("{}|{}|{}", i.id, i.severity, format_ts(self.at));
                Row::deterministic(Kind::IncidentUpdated, self.at, &fact, details)
            }
            Change::Resolved => {
                let resolved_at = i.resolved_at.unwrap_or(self.at);
                details["resolved_at"] = json!(format_ts(resolved_at));
                details["duration_s"] = json!(i.duration_s(resolved_at));
                details["messages"] = json!(i.messages);
                Row::deterministic(Kind::IncidentResolved, self.at, &i.id, details)
            }
        };
        row.with_correlation_key(i.alert_id.clone())
    }
}

/// Reads `state/incidents.json` (empty before any incident): the one way
/// other modules (`report`, `status`) read incidents. A file that does not
/// parse is quarantined (exit 74), as every state file.
pub fn load(ctx: &Ctx) -> Result<IncidentsState> {
    Ok(ctx.load_state(FILE)?.unwrap_or_default())
}

/// The open incidents, most recently started first.
pub fn open_incidents(state: &IncidentsState) -> Vec<&Incident> {
    let mut open: Vec<&Incident> = state.incidents.values().filter(|i| i.is_open()).collect();
    open.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(a.id.cmp(&b.id)));
    open
}

/// Changes `state/incidents.json` with `change`, under its lock: reads it
/// afresh, applies `change` (which pushes the events it causes), appends the
/// events' rows (those a killed run already wrote are not written twice),
/// then saves the state. A dry run applies `change` to a copy and writes
/// nothing.
pub fn update<R>(
    ctx: &mut Ctx,
    change: impl FnOnce(&mut IncidentsState, &mut Vec<Event>) -> R,
) -> Result<R> {
    let now = ctx.now();
    let _lock = if ctx.dry_run {
        None
    } else {
        Some(CommandLock::acquire(
            &ctx.root.locks_dir(),
            LOCK,
            &format_ts(now),
            Wait::Up(LOCK_WAIT),
        )?)
    };
    let mut incidents = load(ctx)?;
    let before = incidents.clone();
    let mut events = Vec::new();
    let answer = change(&mut incidents, &mut events);
    policy::prune(
        &mut incidents,
        ctx.config.incidents.keep_resolved.to_chrono(),
        now,
    );
    if ctx.dry_run {
        return Ok(answer);
    }
    // The rows of its events, after any an earlier run could not append.
    // An audit log that cannot take them does not stop a message: they wait
    // in the state, and the failure is said.
    let mut rows = std::mem::take(&mut incidents.unrecorded);
    rows.extend(events.iter().map(Event::row));
    if !rows.is_empty() {
        let since = rows
            .iter()
            .map(|r| r.ts)
            .chain(events.iter().map(|e| e.incident.opened_at))
            .min()
            .unwrap_or(now);
        if let Err(e) = ctx.audit().append_missing(&rows, since, now) {
            ctx.out.warn(&format!(
                "cannot append {} incident rows (kept in state/{FILE} for the next run): {e:#}",
                rows.len()
            ));
            incidents.unrecorded = rows;
        }
    }
    if incidents != before {
        state::save(&ctx.root.state_file(FILE), &incidents)?;
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_documented_uuid_v5() {
        let started = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let n = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"tend:incident");
        let expected = Uuid::new_v5(&n, b"probe:api:api_down|2026-05-24T08:00:00.000Z");
        assert_eq!(
            incident_id("probe:api:api_down", started),
            expected.to_string()
        );
        assert_eq!(expected.get_version_num(), 5);
        let later = started + chrono::TimeDelta::milliseconds(1);
        assert_ne!(
            incident_id("probe:api:api_down", later),
            incident_id("probe:api:api_down", started)
        );
        assert_eq!(short_id(&expected.to_string()).len(), 8);
        assert_eq!(short_id("abc"), "abc");
    }

    #[test]
    fn rows_carry_the_contract_fields() {
        let mut state = IncidentsState::default();
        let t = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let facts = policy::Facts {
            alert_id: "probe:api:api_down",
            started_at: t,
            severity: Severity::Critical,
            category: "api_down",
            title: "api is critical",
            summary: "HTTP 503",
        };
        let (_, opened) = policy::observe(&mut state, &facts, t);
        let opened = opened.unwrap().row();
        let resolved = policy::resolve(
            &mut state,
            "probe:api:api_down",
            t + chrono::TimeDelta::minutes(90),
        );
        let resolved = resolved[0].row();
        for row in [&opened, &resolved] {
            Row::check_details(row.kind, &row.details).unwrap();
        }
        assert_eq!(opened.kind, Kind::IncidentOpened);
        assert_eq!(resolved.details["duration_s"], 5400);
        assert_eq!(resolved.details["resolved_at"], "2026-05-24T09:30:00.000Z");
        assert_eq!(
            resolved.correlation_key.as_deref(),
            Some("probe:api:api_down")
        );
        // The same fact gives the same row id.
        let (_, again) = policy::observe(&mut IncidentsState::default(), &facts, t);
        assert_eq!(again.unwrap().row().id, opened.id);
    }
}
