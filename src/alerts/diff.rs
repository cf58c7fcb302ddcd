//! The alert set difference (design §6) as a pure function: the active alerts,
//! the notified state, the silences, the time and the policy in; what to send,
//! suppress, silence, queue, remind and resolve — and the state after — out.
//!
//! Rules, in the order they apply to an alert that needs a message:
//! 1. a matching active silence records it `silenced` (no message); when the
//!    silence has ended and the alert still fires, it is notified then;
//! 2. an info alert in digest mode is queued for `tend alerts digest`;
//! 3. cooldown: a category notified less than `cooldown` ago, at the same or a
//!    higher severity, records the alert `suppressed` (an escalation is never
//!    held back by a quieter notification); when the cooldown no longer holds
//!    it and it still fires, it is notified then;
//! 4. otherwise it is notified.
//!
//! Still-firing alerts get a reminder every `repeat_interval` of their
//! severity (unless silenced now); an alert whose severity rises above the one
//! it was notified at is notified again. Alerts that stopped firing leave the
//! state, with a resolved message when `send_resolved` and the operator was
//! told it fired. When a run would send more than `burst_limit` messages they
//! go out as one summary per channel. Only the inputs read in this run can
//! resolve alerts: an alert from `--from FILE` stays while runs without that
//! input come and go.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::silence::Silence;
use super::source::Alert;
use crate::audit::Row;
use crate::config::{ChannelKind, RouteTable, SeverityDurations};
use crate::severity::Severity;

/// `state/alerts.notified.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notified {
    /// Alert id → what was recorded about it.
    pub alerts: BTreeMap<String, Entry>,
    /// Cooldown group ([`cooldown_group`]: the category, or `alert:<id>`) →
    /// its last notification. Kept only while it can still suppress something.
    pub categories: BTreeMap<String, Mark>,
    /// The audit rows of a message already sent, kept here until they are
    /// appended: the state is written first, right after the send, so a kill
    /// or a failed append before the rows reach the log must not lose them.
    /// The next run appends them (with their ids, so a repeat of a row a
    /// killed append had half written is recognisable) before anything else.
    /// Not part of the planning: [`plan`] never carries it over.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unrecorded: Vec<Row>,
}

/// What was recorded about one alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The highest severity it was recorded at (an escalation notifies again).
    pub severity: Severity,
    pub category: String,
    pub title: String,
    pub source: String,
    /// The input it came from; only a run that reads this input resolves it.
    pub feed: String,
    pub status: Status,
    /// When this run of the alert was first recorded.
    pub first_seen: DateTime<Utc>,
    /// The last message about it (attempted), if any: the reminder clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_notified: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reminders: u32,
    /// The silence that holds it (status `silenced`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How an alert was recorded (also the `status` of its audit row, except
/// `queued`, which has none until the digest goes out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
    Suppressed,
    Silenced,
    Queued,
    /// Its message was given up: two attempts were each cut off before the
    /// channel's answer was recorded (it may or may not have arrived). Like
    /// `failed`, it counts as notified; its audit row says `failed` with the
    /// error `unconfirmed_after_2_attempts`.
    Unconfirmed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Suppressed => "suppressed",
            Status::Silenced => "silenced",
            Status::Queued => "queued",
            Status::Unconfirmed => "unconfirmed",
        }
    }
}

/// A category's last notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub at: DateTime<Utc>,
    pub severity: Severity,
}

/// The `[alerts]` settings the decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub route: RouteTable,
    pub cooldown: TimeDelta,
    pub burst_limit: usize,
    pub digest_info: bool,
    pub send_resolved: bool,
    pub repeat: SeverityDurations,
}

/// Why an alert is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum Why {
    New,
    /// Its silence ended and it still fires.
    Unsilenced,
    /// It was held by its category's cooldown, which has ended, and it still
    /// fires.
    CooledDown,
    /// It fires at a higher severity than it was notified at.
    Escalated {
        from: Severity,
    },
}

/// What happens to one alert in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    Notify(Why),
    /// Still firing after its severity's repeat interval.
    Remind {
        number: u32,
    },
    /// Stopped firing; `announce` = a resolved message is sent.
    Resolve {
        announce: bool,
    },
    /// An info alert queued for the digest (`reminder`: queued again).
    Queue {
        reminder: bool,
    },
    /// Its category was notified `at`, within the cooldown.
    Suppress {
        at: DateTime<Utc>,
    },
    Silence {
        silence: String,
        until: DateTime<Utc>,
    },
}

impl Action {
    /// Whether this decision becomes a message now.
    pub fn sends(&self) -> bool {
        matches!(
            self,
            Action::Notify(_) | Action::Remind { .. } | Action::Resolve { announce: true }
        )
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Notify(_) => "notify",
            Action::Remind { .. } => "remind",
            Action::Resolve { .. } => "resolve",
            Action::Queue { .. } => "queue",
            Action::Suppress { .. } => "suppress",
            Action::Silence { .. } => "silence",
        }
    }
}

/// One decision. For a resolved alert, `alert` is rebuilt from its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub alert: Alert,
    pub action: Action,
    /// Where its message goes (by severity through the route table).
    pub channel: ChannelKind,
    /// The entry after this decision (`None`: it leaves the state), assuming
    /// a message it sends gets out.
    pub entry: Option<Entry>,
    /// The category mark this decision sets.
    pub mark: Option<Mark>,
}

/// The outcome of [`plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub decisions: Vec<Decision>,
    /// More messages than `burst_limit`: one summary per channel instead.
    pub burst: bool,
    /// The state with every decision that sends nothing applied (and the
    /// entries of sending decisions as they were), so that a run saves it
    /// first and applies each sending decision once its message went out.
    pub base: Notified,
}

impl Plan {
    /// The state after the run if every message gets out.
    pub fn final_state(&self) -> Notified {
        let mut state = self.base.clone();
        for d in self.decisions.iter().filter(|d| d.action.sends()) {
            apply(&mut state, d, None);
        }
        state
    }

    pub fn sends(&self) -> usize {
        self.decisions.iter().filter(|d| d.action.sends()).count()
    }
}

/// Applies a sending decision to `state`; `failed` marks its entry `failed`
/// (it still counts as notified: no retry storm).
pub fn apply(state: &mut Notified, decision: &Decision, failed: Option<bool>) {
    match &decision.entry {
        Some(entry) => {
            let mut entry = entry.clone();
            if failed == Some(true) && entry.status == Status::Ok {
                entry.status = Status::Failed;
            }
            state.alerts.insert(decision.alert.id.clone(), entry);
        }
        None => {
            state.alerts.remove(&decision.alert.id);
        }
    }
    if let Some(mark) = decision.mark {
        state
            .categories
            .insert(cooldown_group(&decision.alert), mark);
    }
}

/// Applies a sending decision whose message was given up (see
/// [`Status::Unconfirmed`]): as a failed send, with that status.
pub fn give_up(state: &mut Notified, decision: &Decision) {
    apply(state, decision, Some(true));
    if let Some(entry) = state.alerts.get_mut(&decision.alert.id)
        && decision.entry.is_some()
        && entry.status == Status::Failed
    {
        entry.status = Status::Unconfirmed;
    }
}

/// Decides the run. `active` may list an id twice (the last one counts);
/// `feeds_read` names the feeds read in full in this run (their alerts missing
/// from `active` stopped firing); `resolved` the ids an input listed as
/// resolved, which stop firing whatever feed first reported them.
pub fn plan(
    active: &[Alert],
    feeds_read: &BTreeSet<String>,
    resolved: &BTreeSet<String>,
    state: &Notified,
    silences: &[Silence],
    now: DateTime<Utc>,
    policy: &Policy,
) -> Plan {
    let mut by_id: BTreeMap<&str, &Alert> = BTreeMap::new();
    for alert in active {
        by_id.insert(&alert.id, alert);
    }
    // Most severe first, then oldest: who gets through a cooldown is stable.
    let mut firing: Vec<&Alert> = by_id.values().copied().collect();
    firing.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.started_at.cmp(&b.started_at))
            .then(a.id.cmp(&b.id))
    });

    let mut base = Notified {
        alerts: BTreeMap::new(),
        categories: state
            .categories
            .iter()
            .filter(|(_, m)| now - m.at < policy.cooldown)
            .map(|(c, m)| (c.clone(), *m))
            .collect(),
        unrecorded: Vec::new(),
    };
    // Marks as they stand during planning (sends included), for the cooldown
    // of later alerts in the same run.
    let mut marks = base.categories.clone();
    let mut decisions = Vec::new();

    // Entries this run cannot judge: carried over as they are.
    for (id, entry) in &state.alerts {
        if !feeds_read.contains(&entry.feed)
            && !resolved.contains(id)
            && !by_id.contains_key(id.as_str())
        {
            base.alerts.insert(id.clone(), entry.clone());
        }
    }

    for alert in firing {
        let silence = silences.iter().find(|s| s.applies(alert, now));
        let previous = state.alerts.get(&alert.id);
        let why = match previous {
            None => Some(Why::New),
            Some(e) if e.status == Status::Silenced => silence.is_none().then_some(Why::Unsilenced),
            // Held by its category's cooldown: notified once the cooldown no
            // longer holds it, if it still fires (as after a silence).
            Some(e) if e.status == Status::Suppressed => {
                let held = marks
                    .get(&cooldown_group(alert))
                    .is_some_and(|m| cooldown_holds(m, alert.severity, now, policy));
                (!held && silence.is_none()).then_some(Why::CooledDown)
            }
            // An escalation under a silence waits for the silence to end.
            Some(e) if alert.severity > e.severity && silence.is_none() => {
                Some(Why::Escalated { from: e.severity })
            }
            Some(_) => None,
        };
        let channel = policy.route.channel_for(alert.severity);
        let decision = match (why, previous) {
            (Some(why), _) => Some(record(
                alert, why, previous, silence, &mut marks, now, policy, channel,
            )),
            (None, Some(entry)) => {
                let mut kept = entry.clone();
                kept.title = alert.title.clone();
                kept.source = alert.source.clone();
                kept.feed = alert.feed.clone();
                if let Some(s) = silence
                    && kept.status == Status::Silenced
                {
                    kept.silence = Some(s.id.clone());
                }
                let interval = policy.repeat.for_severity(kept.severity).to_chrono();
                let clock = kept.last_notified.unwrap_or(kept.first_seen);
                let due = !interval.is_zero()
                    && kept.status != Status::Silenced
                    && silence.is_none()
                    && now - clock >= interval;
                if due {
                    let number = kept.reminders + 1;
                    let queue = policy.digest_info && alert.severity == Severity::Info;
                    kept.reminders = number;
                    kept.last_notified = Some(now);
                    Some(Decision {
                        alert: alert.clone(),
                        action: if queue {
                            Action::Queue { reminder: true }
                        } else {
                            Action::Remind { number }
                        },
                        channel,
                        entry: Some(kept),
                        mark: None,
                    })
                } else {
                    base.alerts.insert(alert.id.clone(), kept);
                    None
                }
            }
            (None, None) => unreachable!("an alert without an entry is new"),
        };
        if let Some(d) = decision {
            if d.action.sends() {
                // Until its message goes out, the old entry stands.
                if let Some(old) = previous {
                    base.alerts.insert(alert.id.clone(), old.clone());
                }
            } else {
                apply(&mut base, &d, None);
            }
            decisions.push(d);
        }
    }

    // Stopped firing: only judged when its input was read in this run.
    for (id, entry) in &state.alerts {
        if by_id.contains_key(id.as_str())
            || !(feeds_read.contains(&entry.feed) || resolved.contains(id))
        {
            continue;
        }
        let announce = policy.send_resolved && entry.status == Status::Ok;
        let d = Decision {
            alert: Alert {
                id: id.clone(),
                severity: entry.severity,
                category: entry.category.clone(),
                title: entry.title.clone(),
                summary: String::new(),
                started_at: entry.started_at,
                source: entry.source.clone(),
                feed: entry.feed.clone(),
            },
            action: Action::Resolve { announce },
            channel: policy.route.channel_for(entry.severity),
            entry: None,
            mark: None,
        };
        if announce {
            base.alerts.insert(id.clone(), entry.clone());
        }
        decisions.push(d);
    }

    let sends = decisions.iter().filter(|d| d.action.sends()).count();
    Plan {
        decisions,
        burst: sends > policy.burst_limit,
        base,
    }
}

/// The group an alert's cooldown is kept by: its category when the category
/// names a kind of problem; the alert alone (`alert:<id>`) when the category
/// is only a Nagios state or severity name (what a probe without a
/// `category` of its own gets, design §4), so that a second, unrelated outage
/// is never held back by the first (design §6).
pub fn cooldown_group(alert: &Alert) -> String {
    if crate::severity::is_state_name(&alert.category) {
        format!("alert:{}", alert.id)
    } else {
        alert.category.clone()
    }
}

/// Whether the category's last notification `mark` holds back an alert of
/// `severity` at `now`: within the cooldown, and not an escalation past it.
fn cooldown_holds(mark: &Mark, severity: Severity, now: DateTime<Utc>, policy: &Policy) -> bool {
    now - mark.at < policy.cooldown && severity <= mark.severity
}

/// The decision for an alert that needs a message (`why`).
#[allow(clippy::too_many_arguments)]
fn record(
    alert: &Alert,
    why: Why,
    previous: Option<&Entry>,
    silence: Option<&Silence>,
    marks: &mut BTreeMap<String, Mark>,
    now: DateTime<Utc>,
    policy: &Policy,
    channel: ChannelKind,
) -> Decision {
    let mut entry = Entry {
        severity: alert.severity,
        category: alert.category.clone(),
        title: alert.title.clone(),
        source: alert.source.clone(),
        feed: alert.feed.clone(),
        status: Status::Ok,
        first_seen: previous.map_or(now, |e| e.first_seen),
        last_notified: None,
        reminders: 0,
        silence: None,
        started_at: previous.and_then(|e| e.started_at).or(alert.started_at),
    };
    let decide = |action: Action, entry: Entry, mark: Option<Mark>| Decision {
        alert: alert.clone(),
        action,
        channel,
        entry: Some(entry),
        mark,
    };
    // Only a new alert can meet a silence here: `plan` holds back the others.
    if let Some(s) = silence {
        entry.status = Status::Silenced;
        entry.silence = Some(s.id.clone());
        return decide(
            Action::Silence {
                silence: s.id.clone(),
                until: s.ends_at,
            },
            entry,
            None,
        );
    }
    if policy.digest_info && alert.severity == Severity::Info {
        entry.status = Status::Queued;
        entry.last_notified = Some(now);
        return decide(Action::Queue { reminder: false }, entry, None);
    }
    let cooled = match (why, marks.get(&cooldown_group(alert))) {
        (Why::Unsilenced, _) => None,
        (_, Some(mark)) if cooldown_holds(mark, alert.severity, now, policy) => Some(mark.at),
        _ => None,
    };
    if let Some(at) = cooled {
        entry.status = Status::Suppressed;
        if let Some(p) = previous {
            // An escalation held by the cooldown keeps its old record.
            entry.last_notified = p.last_notified;
        }
        return decide(Action::Suppress { at }, entry, None);
    }
    entry.last_notified = Some(now);
    let mark = Mark {
        at: now,
        severity: alert.severity,
    };
    marks.insert(cooldown_group(alert), mark);
    decide(Action::Notify(why), entry, Some(mark))
}

#[cfg(test)]
mod tests;
