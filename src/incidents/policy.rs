//! The incident rules (design §6a) as pure functions: what opening, updating
//! and resolving do to the incidents, when a reminder is due, what is kept.
//! Values in, the state changed in place and the events it says out; no I/O.

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    Change, Conversation, Event, Incident, IncidentsState, Investigated, Purpose, incident_id,
};
use crate::clock::format_ts;
use crate::config::ReminderSchedule;
use crate::severity::Severity;

/// What is known of a firing alert when it is seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    pub alert_id: &'a str,
    pub started_at: DateTime<Utc>,
    pub severity: Severity,
    pub category: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
}

/// Records that the alert of `facts` fires at `now`: opens its incident
/// (the episode `started_at` names), or updates it when its severity
/// changed. Returns the incident's id and the event, if any.
pub fn observe(
    state: &mut IncidentsState,
    facts: &Facts<'_>,
    now: DateTime<Utc>,
) -> (String, Option<Event>) {
    let id = incident_id(facts.alert_id, facts.started_at);
    match state.incidents.get_mut(&id) {
        Some(incident) => {
            let from = incident.severity;
            let reopened = incident.resolved_at.take().is_some();
            incident.summary = facts.summary.to_string();
            incident.title = facts.title.to_string();
            incident.severity = facts.severity;
            let event = (from != facts.severity || reopened).then(|| Event {
                change: Change::Updated {
                    severity_from: (from != facts.severity).then_some(from),
                    reopened,
                },
                incident: incident.clone(),
                at: now,
            });
            (id, event)
        }
        None => {
            let incident = Incident {
                id: id.clone(),
                alert_id: facts.alert_id.to_string(),
                severity: facts.severity,
                category: facts.category.to_string(),
                title: facts.title.to_string(),
                summary: facts.summary.to_string(),
                started_at: facts.started_at,
                opened_at: now,
                resolved_at: None,
                conversations: Default::default(),
                messages: 0,
                first_message_at: None,
                last_message_at: None,
                reminders: 0,
                last_reminder_at: None,
                investigated: None,
            };
            let event = Event {
                change: Change::Opened,
                incident: incident.clone(),
                at: now,
            };
            state.incidents.insert(id.clone(), incident);
            (id, Some(event))
        }
    }
}

/// Resolves the open incidents of `alert_id` at `now` (one, unless an
/// earlier episode was never resolved). Returns the events.
pub fn resolve(state: &mut IncidentsState, alert_id: &str, now: DateTime<Utc>) -> Vec<Event> {
    let mut events = Vec::new();
    for incident in state.incidents.values_mut() {
        if incident.alert_id == alert_id && incident.resolved_at.is_none() {
            incident.resolved_at = Some(now.max(incident.started_at));
            events.push(Event {
                change: Change::Resolved,
                incident: incident.clone(),
                at: now,
            });
        }
    }
    events
}

/// The open incident of `alert_id`, the most recently started.
pub fn open_of<'a>(state: &'a IncidentsState, alert_id: &str) -> Option<&'a Incident> {
    state
        .incidents
        .values()
        .filter(|i| i.alert_id == alert_id && i.resolved_at.is_none())
        .max_by_key(|i| i.started_at)
}

/// The incident of `alert_id` a message about it belongs to: its open one,
/// else the one most recently started (resolved meanwhile, by a run that
/// was cut off before it told so).
pub fn latest_of<'a>(state: &'a IncidentsState, alert_id: &str) -> Option<&'a Incident> {
    open_of(state, alert_id).or_else(|| {
        state
            .incidents
            .values()
            .filter(|i| i.alert_id == alert_id)
            .max_by_key(|i| i.started_at)
    })
}

/// When the incident's next reminder is due: after each step of its
/// severity's schedule, counted from its first message and then from each
/// reminder, and after the last step's interval from then on. `None`: no
/// message went out yet (the first one is no reminder), it is resolved, or
/// its severity is never reminded.
pub fn next_reminder(incident: &Incident, schedule: &ReminderSchedule) -> Option<DateTime<Utc>> {
    if incident.resolved_at.is_some() {
        return None;
    }
    let steps = schedule.for_severity(incident.severity);
    let step = steps
        .get(incident.reminders as usize)
        .or_else(|| steps.last())?;
    let from = incident.last_reminder_at.or(incident.first_message_at)?;
    Some(from + step.to_chrono())
}

/// Whether a reminder is due at `now`.
pub fn reminder_due(incident: &Incident, schedule: &ReminderSchedule, now: DateTime<Utc>) -> bool {
    next_reminder(incident, schedule).is_some_and(|at| now >= at)
}

/// A message the outbox sent (or tried to send) about an incident.
#[derive(Debug, Clone)]
pub struct Sent<'a> {
    /// The channel's name (`slack_dm`, `email`, …): the conversation.
    pub channel: &'a str,
    /// What the channel answered when it accepted the message in the
    /// incident's conversation; `None` for one that was not threaded (a
    /// burst summary) or whose channel names nothing.
    pub accepted: Option<Accepted<'a>>,
    /// The message's own subject (a parent's is what replies refer to).
    pub subject: &'a str,
    /// Its text as sent.
    pub text: &'a str,
    pub purpose: &'a Purpose,
    pub at: DateTime<Utc>,
}

/// A message a channel accepted, as it names it for replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted<'a> {
    /// A Slack `ts`, an email's `Message-ID`.
    pub reference: &'a str,
    /// Where it is (a Slack DM's channel id), for edits.
    pub place: Option<&'a str>,
}

/// An edit of a conversation's parent that keeps it current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub incident_id: String,
    /// The conversation's channel name (`slack_dm`, …).
    pub channel: String,
    /// The parent, and where it is.
    pub parent: String,
    pub place: Option<String>,
    /// The state line it is to show, and its whole new text.
    pub line: String,
    pub text: String,
}

/// The line a conversation's parent shows for the incident's state (design
/// §6a): firing (with severity), investigated (one line of the diagnosis),
/// resolved (when, and how long it lasted).
pub fn status_line(incident: &Incident) -> String {
    if let Some(at) = incident.resolved_at {
        return format!(
            "✅ Resolved at {} after {}",
            format_ts(at),
            super::command::human_duration(incident.duration_s(at))
        );
    }
    let firing = format!(
        "{} Firing ({}) since {}",
        incident.severity.mark(),
        incident.severity,
        format_ts(incident.started_at)
    );
    match &incident.investigated {
        Some(i) if !i.line.is_empty() => format!("{firing} · Investigated: {}", i.line),
        _ => firing,
    }
}

/// Notes a message in its incident: the counts, the reminder clock, the
/// investigation, and the conversation in its channel (the message becomes
/// its parent when it has none and the channel accepted it with a
/// reference; the parent shows the state as it was then).
pub fn note_sent(incident: &mut Incident, sent: &Sent<'_>) {
    incident.messages += 1;
    incident.first_message_at.get_or_insert(sent.at);
    incident.last_message_at = Some(sent.at);
    match sent.purpose {
        Purpose::Reminder => {
            incident.reminders += 1;
            incident.last_reminder_at = Some(sent.at);
        }
        Purpose::Investigation {
            severity,
            summary,
            line,
            reminder,
        } => {
            if *reminder {
                incident.reminders += 1;
                incident.last_reminder_at = Some(sent.at);
            }
            incident.investigated = Some(Investigated {
                at: sent.at,
                severity: *severity,
                summary: summary.clone(),
                line: line.clone(),
            });
        }
        Purpose::Message | Purpose::Resolution => {}
    }
    let line = status_line(incident);
    let conversation: &mut Conversation = incident
        .conversations
        .entry(sent.channel.to_string())
        .or_default();
    conversation.messages += 1;
    if conversation.parent.is_none()
        && let Some(accepted) = sent.accepted
    {
        conversation.parent = Some(accepted.reference.to_string());
        conversation.place = accepted.place.map(str::to_string);
        conversation.subject = sent.subject.to_string();
        conversation.text = sent.text.to_string();
        conversation.shown = line;
    }
}

/// The edits that would bring each parent of the incident to its state
/// now: those whose state line is not the incident's.
pub fn stale_parents(incident: &Incident) -> Vec<Edit> {
    let line = status_line(incident);
    incident
        .conversations
        .iter()
        // A parent whose text is not known (none is kept by older state
        // files) is left as it is rather than replaced by the line alone.
        .filter(|(_, c)| c.shown != line && !c.text.is_empty())
        .filter_map(|(channel, c)| {
            Some(Edit {
                incident_id: incident.id.clone(),
                channel: channel.clone(),
                parent: c.parent.clone()?,
                place: c.place.clone(),
                line: line.clone(),
                text: format!("{line}\n\n{}", c.text),
            })
        })
        .collect()
}

/// Records that the parent of `edit` now shows its line (the edit went
/// through).
pub fn mark_shown(state: &mut IncidentsState, edit: &Edit) {
    if let Some(c) = state
        .incidents
        .get_mut(&edit.incident_id)
        .and_then(|i| i.conversations.get_mut(&edit.channel))
    {
        c.shown = edit.line.clone();
    }
}

/// Whether an incident's resolution is told (design §6a): only when it sent
/// a message; one silenced or suppressed all along resolves silently.
pub fn tells_resolution(incident: &Incident) -> bool {
    incident.messages > 0
}

/// Drops the incidents resolved more than `keep` before `now`.
pub fn prune(state: &mut IncidentsState, keep: TimeDelta, now: DateTime<Utc>) -> usize {
    let before = state.incidents.len();
    state
        .incidents
        .retain(|_, i| i.resolved_at.is_none_or(|at| now - at <= keep));
    before - state.incidents.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Duration;

    fn t(minutes: i64) -> DateTime<Utc> {
        crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap() + TimeDelta::minutes(minutes)
    }

    fn facts(severity: Severity) -> Facts<'static> {
        Facts {
            alert_id: "probe:api:api_down",
            started_at: t(0),
            severity,
            category: "api_down",
            title: "api is critical",
            summary: "HTTP 503",
        }
    }

    #[test]
    fn open_update_resolve_and_reopen() {
        let mut state = IncidentsState::default();
        let (id, event) = observe(&mut state, &facts(Severity::Warning), t(1));
        assert_eq!(event.unwrap().change, Change::Opened);
        assert_eq!(id, incident_id("probe:api:api_down", t(0)));
        // Seen again as it was: nothing to say.
        let (same, event) = observe(&mut state, &facts(Severity::Warning), t(2));
        assert_eq!((same.as_str(), event), (id.as_str(), None));
        // A change of severity is an update.
        let (_, event) = observe(&mut state, &facts(Severity::Critical), t(3));
        assert_eq!(
            event.unwrap().change,
            Change::Updated {
                severity_from: Some(Severity::Warning),
                reopened: false
            }
        );
        let events = resolve(&mut state, "probe:api:api_down", t(10));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].incident.resolved_at, Some(t(10)));
        assert!(resolve(&mut state, "probe:api:api_down", t(11)).is_empty());
        assert!(open_of(&state, "probe:api:api_down").is_none());
        // The same episode firing again is reopened, not a second incident.
        let (again, event) = observe(&mut state, &facts(Severity::Critical), t(12));
        assert_eq!(again, id);
        assert_eq!(
            event.unwrap().change,
            Change::Updated {
                severity_from: None,
                reopened: true
            }
        );
        // Another episode is another incident.
        let later = Facts {
            started_at: t(20),
            ..facts(Severity::Critical)
        };
        let (other, _) = observe(&mut state, &later, t(20));
        assert_ne!(other, id);
        assert_eq!(open_of(&state, "probe:api:api_down").unwrap().id, other);
    }

    fn schedule() -> ReminderSchedule {
        ReminderSchedule::default()
    }

    fn sent(severity: Severity, reminders: u32, first: i64, last: Option<i64>) -> Incident {
        let mut state = IncidentsState::default();
        let (id, _) = observe(&mut state, &facts(severity), t(0));
        let mut incident = state.incidents.remove(&id).unwrap();
        incident.first_message_at = Some(t(first));
        incident.reminders = reminders;
        incident.last_reminder_at = last.map(t);
        incident
    }

    /// Defaults: critical 30m → 1h → 2h → 4h, then every 4h; warning 2h →
    /// 8h → 24h; info never; nothing before a first message.
    #[test]
    fn reminders_back_off_at_every_step() {
        let s = schedule();
        let cases = [
            (Severity::Critical, 0, None, Some(30)),
            (Severity::Critical, 1, Some(30), Some(90)),
            (Severity::Critical, 2, Some(90), Some(210)),
            (Severity::Critical, 3, Some(210), Some(450)),
            (Severity::Critical, 4, Some(450), Some(690)),
            (Severity::Critical, 9, Some(1000), Some(1240)),
            (Severity::Warning, 0, None, Some(120)),
            (Severity::Warning, 1, Some(120), Some(600)),
            (Severity::Warning, 2, Some(600), Some(2040)),
            (Severity::Warning, 3, Some(2040), Some(3480)),
            (Severity::Info, 0, None, None),
        ];
        for (severity, reminders, last, due) in cases {
            let incident = sent(severity, reminders, 0, last);
            assert_eq!(
                next_reminder(&incident, &s),
                due.map(t),
                "{severity} after {reminders} reminders"
            );
            if let Some(due) = due {
                assert!(!reminder_due(
                    &incident,
                    &s,
                    t(due) - TimeDelta::milliseconds(1)
                ));
                assert!(reminder_due(&incident, &s, t(due)));
            }
        }
        let mut never_sent = sent(Severity::Critical, 0, 0, None);
        never_sent.first_message_at = None;
        assert_eq!(next_reminder(&never_sent, &s), None);
        let mut resolved = sent(Severity::Critical, 0, 0, None);
        resolved.resolved_at = Some(t(5));
        assert!(!reminder_due(&resolved, &s, t(1000)));
        let custom = ReminderSchedule {
            critical: vec![Duration::from_secs(60)],
            ..schedule()
        };
        assert_eq!(
            next_reminder(&sent(Severity::Critical, 5, 0, Some(10)), &custom),
            Some(t(11))
        );
    }

    #[test]
    fn resolved_incidents_are_kept_for_keep_resolved() {
        let mut state = IncidentsState::default();
        let (a, _) = observe(&mut state, &facts(Severity::Warning), t(0));
        resolve(&mut state, "probe:api:api_down", t(10));
        let open = Facts {
            alert_id: "probe:db:down",
            ..facts(Severity::Warning)
        };
        observe(&mut state, &open, t(0));
        assert_eq!(prune(&mut state, TimeDelta::minutes(60), t(70)), 0);
        assert_eq!(prune(&mut state, TimeDelta::minutes(60), t(71)), 1);
        assert!(!state.incidents.contains_key(&a));
        assert_eq!(state.incidents.len(), 1);
    }

    fn message<'a>(purpose: &'a Purpose, accepted: Option<Accepted<'a>>, at: i64) -> Sent<'a> {
        Sent {
            channel: "slack_dm",
            accepted,
            subject: "[tend] api is critical",
            text: "🚨 api is critical",
            purpose,
            at: t(at),
        }
    }

    /// The first accepted message becomes the parent; later ones change the
    /// state line the parent must show, and only a change asks for an edit.
    #[test]
    fn the_parent_is_the_first_accepted_message_and_edits_follow_the_state() {
        let mut state = IncidentsState::default();
        let (id, _) = observe(&mut state, &facts(Severity::Critical), t(1));
        let incident = state.incidents.get_mut(&id).unwrap();
        // Not threaded (a burst summary): counted, no parent.
        note_sent(incident, &message(&Purpose::Message, None, 1));
        assert_eq!(incident.conversations["slack_dm"].parent, None);
        assert!(stale_parents(incident).is_empty());
        let first = Accepted {
            reference: "1.000100",
            place: Some("D1"),
        };
        note_sent(incident, &message(&Purpose::Message, Some(first), 2));
        let c = &incident.conversations["slack_dm"];
        assert_eq!(
            (c.parent.as_deref(), c.place.as_deref()),
            (Some("1.000100"), Some("D1"))
        );
        assert_eq!(
            c.shown,
            "🚨 Firing (critical) since 2026-05-24T08:00:00.000Z"
        );
        assert!(stale_parents(incident).is_empty());
        // A later accepted message never replaces the parent.
        let later = Accepted {
            reference: "1.000200",
            place: Some("D1"),
        };
        let investigation = Purpose::Investigation {
            severity: Severity::Critical,
            summary: "HTTP 503".into(),
            line: "The token expired.".into(),
            reminder: false,
        };
        note_sent(incident, &message(&investigation, Some(later), 3));
        assert_eq!(
            incident.conversations["slack_dm"].parent.as_deref(),
            Some("1.000100")
        );
        let edits = stale_parents(incident);
        assert_eq!(edits.len(), 1);
        assert_eq!(
            edits[0].text,
            "🚨 Firing (critical) since 2026-05-24T08:00:00.000Z · Investigated: The token expired.\n\n🚨 api is critical"
        );
        assert_eq!(
            (edits[0].parent.as_str(), edits[0].place.as_deref()),
            ("1.000100", Some("D1"))
        );
        mark_shown(&mut state, &edits[0]);
        let incident = state.incidents.get_mut(&id).unwrap();
        assert!(stale_parents(incident).is_empty());
        assert_eq!(incident.messages, 3);
        assert!(tells_resolution(incident));
        resolve(&mut state, "probe:api:api_down", t(90));
        let edits = stale_parents(&state.incidents[&id]);
        assert_eq!(
            edits[0].line,
            "✅ Resolved at 2026-05-24T09:30:00.000Z after 1h 30m"
        );
        // A parent whose text an older state file did not keep is not
        // replaced by the line alone.
        let incident = state.incidents.get_mut(&id).unwrap();
        incident
            .conversations
            .get_mut("slack_dm")
            .unwrap()
            .text
            .clear();
        assert!(stale_parents(incident).is_empty());
    }

    #[test]
    fn reminders_and_investigations_move_the_clock() {
        let mut state = IncidentsState::default();
        let (id, _) = observe(&mut state, &facts(Severity::Warning), t(0));
        let incident = state.incidents.get_mut(&id).unwrap();
        assert!(!tells_resolution(incident));
        note_sent(incident, &message(&Purpose::Message, None, 5));
        note_sent(incident, &message(&Purpose::Reminder, None, 125));
        assert_eq!(
            (
                incident.first_message_at,
                incident.last_reminder_at,
                incident.reminders
            ),
            (Some(t(5)), Some(t(125)), 1)
        );
        let again = Purpose::Investigation {
            severity: Severity::Warning,
            summary: "HTTP 503".into(),
            line: String::new(),
            reminder: true,
        };
        note_sent(incident, &message(&again, None, 600));
        assert_eq!(
            (incident.reminders, incident.last_reminder_at),
            (2, Some(t(600)))
        );
        assert_eq!(incident.investigated.as_ref().unwrap().at, t(600));
        // An empty diagnosis line shows as firing.
        assert_eq!(
            status_line(incident),
            "⚠️ Firing (warning) since 2026-05-24T08:00:00.000Z"
        );
    }
}
