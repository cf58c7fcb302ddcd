//! The text of alert messages (design §6), as pure functions: one alert
//! (new, escalated, unsilenced, reminder, resolved), a burst summary per
//! channel, the digest, and the test message. The same text serves chat and
//! email; its subject is the email's `Subject`, e.g.
//! `[tend] CRITICAL api: HighErrorRate`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::diff::{Action, Decision, Plan, Why};
use super::source::Alert;
use crate::channel::Message;
use crate::clock::format_ts;
use crate::config::ChannelKind;
use crate::severity::Severity;

/// Lines a summary lists per section before "… and N more".
pub const LIST_LIMIT: usize = 50;

/// A message and the decisions it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub channel: ChannelKind,
    pub message: Message,
    /// Indexes into the plan's decisions.
    pub decisions: Vec<usize>,
    pub burst: bool,
}

/// The messages of a plan: one per sending decision, or in a burst one summary
/// per channel. The decisions in `given_up` (indexes; their message was
/// attempted twice without a recorded answer) are in no message.
pub fn outgoing(
    plan: &Plan,
    given_up: &BTreeSet<usize>,
    now: DateTime<Utc>,
    burst_limit: usize,
) -> Vec<Outgoing> {
    let sending = plan
        .decisions
        .iter()
        .enumerate()
        .filter(|(i, d)| d.action.sends() && !given_up.contains(i));
    if !plan.burst {
        // Alerts this run's own message put under the cooldown: named in that
        // message, so that nothing is held back unseen.
        let mut held: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for d in &plan.decisions {
            if matches!(d.action, Action::Suppress { at } if at == now) {
                held.entry(super::diff::cooldown_group(&d.alert))
                    .or_default()
                    .push(&d.alert.id);
            }
        }
        return sending
            .map(|(i, d)| {
                let mut message = alert_message(d, now);
                if let (Action::Notify(_), Some(ids)) = (
                    &d.action,
                    held.remove(&super::diff::cooldown_group(&d.alert)),
                ) {
                    message.text.push_str(&held_back(&ids));
                }
                Outgoing {
                    channel: d.channel,
                    message,
                    decisions: vec![i],
                    burst: false,
                }
            })
            .collect();
    }
    let mut by_channel: BTreeMap<ChannelKind, Vec<usize>> = BTreeMap::new();
    for (i, d) in sending {
        by_channel.entry(d.channel).or_default().push(i);
    }
    let total = plan.sends().saturating_sub(given_up.len());
    by_channel
        .into_iter()
        .map(|(channel, indexes)| {
            let decisions: Vec<&Decision> = indexes.iter().map(|i| &plan.decisions[*i]).collect();
            Outgoing {
                channel,
                message: burst_message(&decisions, total, burst_limit, now),
                decisions: indexes,
                burst: true,
            }
        })
        .collect()
}

fn held_back(ids: &[&str]) -> String {
    let shown: Vec<String> = ids.iter().take(10).map(|id| one_line(id)).collect();
    let more = if ids.len() > shown.len() {
        format!(" and {} more", ids.len() - shown.len())
    } else {
        String::new()
    };
    let noun = if ids.len() == 1 { "alert" } else { "alerts" };
    format!(
        "\nAlso firing in this category, held back by the cooldown: {} {noun}: {}{more} (tend alerts list)\n",
        ids.len(),
        shown.join(", ")
    )
}

/// Control characters would break a subject line (or forge a header).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// `CRITICAL api: HighErrorRate`
pub fn headline(alert: &Alert) -> String {
    let title = one_line(&alert.title);
    let category = one_line(&alert.category);
    let severity = alert.severity.as_str().to_ascii_uppercase();
    // A probe without a category of its own gets its state's name
    // ("critical"): that says nothing the severity does not.
    if crate::severity::is_state_name(&category) {
        format!("{severity} {title}")
    } else if title == category {
        format!("{severity} {category}")
    } else {
        format!("{severity} {category}: {title}")
    }
}

fn ago(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    match secs {
        s if s < 0 => "in the future".into(),
        s if s < 120 => format!("{s}s ago"),
        s if s < 7200 => format!("{}m ago", s / 60),
        s if s < 172_800 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86_400),
    }
}

fn started(alert: &Alert, now: DateTime<Utc>) -> String {
    match alert.started_at {
        Some(t) => format!("{} ({})", format_ts(t), ago(now, t)),
        None => "unknown".into(),
    }
}

/// The labelled lines every alert message carries.
fn details(alert: &Alert, now: DateTime<Utc>) -> String {
    let summary = alert.summary.trim();
    let summary = if summary.is_empty() {
        "(none)".to_string()
    } else {
        summary.replace('\n', "\n          ")
    };
    format!(
        "Title:    {}\nSummary:  {summary}\nSeverity: {}\nCategory: {}\nStarted:  {}\nSource:   {}\nAlert id: {}\n",
        one_line(&alert.title),
        alert.severity,
        one_line(&alert.category),
        started(alert, now),
        one_line(&alert.source),
        one_line(&alert.id),
    )
}

/// The message of one sending decision.
pub fn alert_message(d: &Decision, now: DateTime<Utc>) -> Message {
    let a = &d.alert;
    let head = headline(a);
    let mark = a.severity.mark();
    // Shell-quoted: the id comes from outside and must paste as one argument.
    let silence_hint = format!(
        "\nMute it: tend alerts silence add --match {} --for 2h --reason \"…\"\n",
        crate::terminal::shell_quote(&format!("id={}", a.id))
    );
    let (subject, first, tail) = match &d.action {
        Action::Notify(Why::New) => (
            format!("[tend] {head}"),
            format!("{mark} {head}"),
            silence_hint,
        ),
        Action::Notify(Why::Escalated { from }) => (
            format!("[tend] {head} (escalated from {from})"),
            format!("{mark} {head} — escalated from {from}"),
            silence_hint,
        ),
        Action::Notify(Why::Unsilenced) => (
            format!("[tend] {head} (silence ended, still firing)"),
            format!("{mark} {head} — its silence ended and it is still firing"),
            silence_hint,
        ),
        Action::Notify(Why::CooledDown) => (
            format!("[tend] {head} (held by the category cooldown, still firing)"),
            format!(
                "{mark} {head} — held back by the {} cooldown, still firing",
                one_line(&a.category)
            ),
            silence_hint,
        ),
        Action::Remind { number } => (
            format!("[tend] {head} (still firing, reminder {number})"),
            format!("{mark} Still firing: {head} (reminder {number})"),
            silence_hint,
        ),
        Action::Resolve { .. } => {
            let head = format!("RESOLVED {}", &head[head.find(' ').map_or(0, |i| i + 1)..]);
            (
                format!("[tend] {head}"),
                format!("✅ {head}"),
                format!("\nIt no longer fires as of {}.\n", format_ts(now)),
            )
        }
        other => unreachable!("{} sends no message", other.name()),
    };
    let body = if matches!(d.action, Action::Resolve { .. }) {
        format!(
            "Title:    {}\nSeverity: {}\nCategory: {}\nStarted:  {}\nSource:   {}\nAlert id: {}\n",
            one_line(&a.title),
            a.severity,
            one_line(&a.category),
            started(a, now),
            one_line(&a.source),
            one_line(&a.id),
        )
    } else {
        details(a, now)
    };
    Message {
        severity: a.severity,
        subject,
        text: format!("{first}\n\n{body}{tail}"),
        thread: Default::default(),
    }
}

fn list_line(d: &Decision) -> String {
    let a = &d.alert;
    let summary = one_line(&a.summary);
    let summary = if summary.is_empty() {
        String::new()
    } else {
        format!(" — {}", truncate_chars(&summary, 120))
    };
    format!(
        "- {} {}{summary} (id {})",
        a.severity.mark(),
        headline(a),
        one_line(&a.id)
    )
}

fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

fn section(text: &mut String, title: &str, items: &[&Decision]) {
    if items.is_empty() {
        return;
    }
    text.push_str(&format!("\n{title} ({}):\n", items.len()));
    for d in items.iter().take(LIST_LIMIT) {
        text.push_str(&list_line(d));
        text.push('\n');
    }
    if items.len() > LIST_LIMIT {
        text.push_str(&format!(
            "… and {} more (tend alerts list)\n",
            items.len() - LIST_LIMIT
        ));
    }
}

/// One channel's summary in a burst. `total` counts the messages of the whole
/// run (all channels).
pub fn burst_message(
    decisions: &[&Decision],
    total: usize,
    burst_limit: usize,
    now: DateTime<Utc>,
) -> Message {
    let pick = |f: fn(&Action) -> bool| -> Vec<&Decision> {
        decisions.iter().copied().filter(|d| f(&d.action)).collect()
    };
    let new = pick(|a| matches!(a, Action::Notify(_)));
    let reminders = pick(|a| matches!(a, Action::Remind { .. }));
    let resolved = pick(|a| matches!(a, Action::Resolve { .. }));
    let severity = new
        .iter()
        .chain(&reminders)
        .map(|d| d.alert.severity)
        .max()
        .unwrap_or(Severity::Info);
    let mut counts = Vec::new();
    for (n, what) in [
        (new.len(), "new"),
        (reminders.len(), "still firing"),
        (resolved.len(), "resolved"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {what}"));
        }
    }
    let mark = if new.is_empty() && reminders.is_empty() {
        "✅"
    } else {
        severity.mark()
    };
    let noun = if decisions.len() == 1 {
        "alert"
    } else {
        "alerts"
    };
    let subject = format!("[tend] {} {noun}: {}", decisions.len(), counts.join(", "));
    let mut text = format!(
        "{mark} {} {noun} at once: {}\n{total} messages were due in this run, more than the burst limit of {burst_limit}, so they come as one summary per channel.\n",
        decisions.len(),
        counts.join(", "),
    );
    section(&mut text, "New", &new);
    section(&mut text, "Still firing", &reminders);
    section(&mut text, "Resolved", &resolved);
    text.push_str(&format!(
        "\nAs of {}. Details: tend alerts list\n",
        format_ts(now)
    ));
    Message {
        severity,
        subject,
        text,
        thread: Default::default(),
    }
}

/// A queued info alert, as the digest shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem<'a> {
    pub alert: &'a Alert,
    pub queued_at: DateTime<Utc>,
    /// How many times it was queued (first time plus reminders).
    pub times: usize,
}

pub fn digest_message(items: &[DigestItem<'_>], now: DateTime<Utc>) -> Message {
    let since = items.iter().map(|i| i.queued_at).min().unwrap_or(now);
    let noun = if items.len() == 1 { "alert" } else { "alerts" };
    let subject = format!("[tend] digest: {} info {noun}", items.len());
    let mut text = format!(
        "{} Digest: {} info {noun} queued since {}\n\n",
        Severity::Info.mark(),
        items.len(),
        format_ts(since)
    );
    for item in items {
        let a = item.alert;
        let summary = one_line(&a.summary);
        text.push_str(&format!(
            "- {}: {}",
            one_line(&a.category),
            one_line(&a.title)
        ));
        if !summary.is_empty() {
            text.push_str(&format!(" — {summary}"));
        }
        text.push_str(&format!(
            "\n  started {}, queued {}{}, source {}, id {}\n",
            started(a, now),
            format_ts(item.queued_at),
            if item.times > 1 {
                format!(" ({} times)", item.times)
            } else {
                String::new()
            },
            one_line(&a.source),
            one_line(&a.id)
        ));
    }
    text.push_str("\nDetails: tend alerts list\n");
    Message {
        severity: Severity::Info,
        subject,
        text,
        thread: Default::default(),
    }
}

/// The clearly labelled message of `tend alerts test`.
pub fn test_message(channel: ChannelKind, now: DateTime<Utc>) -> Message {
    Message {
        severity: Severity::Info,
        subject: "[tend] TEST message — not an alert".into(),
        text: format!(
            "🧪 TEST from tend — this is not an alert\n\nThis message was sent by `tend alerts test` at {} to check the {channel} channel; it says nothing about what is firing (see `tend alerts list`). If you can read it, alerts routed to {channel} reach you.\n",
            format_ts(now)
        ),
        thread: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::diff::Action;

    fn at(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    #[test]
    fn headline_leaves_out_a_category_that_is_a_state_name() {
        let mut alert = decision(Action::Notify(Why::New)).alert;
        assert_eq!(headline(&alert), "CRITICAL api: HighErrorRate");
        alert.title = "redis-tcp is critical".into();
        for category in ["critical", "CRITICAL", "unknown", "warning", "ok", ""] {
            alert.category = category.into();
            assert_eq!(
                headline(&alert),
                "CRITICAL redis-tcp is critical",
                "{category}"
            );
        }
        alert.category = "redis-tcp is critical".into();
        assert_eq!(headline(&alert), "CRITICAL redis-tcp is critical");
        alert.category = "critical_path".into();
        assert_eq!(
            headline(&alert),
            "CRITICAL critical_path: redis-tcp is critical"
        );
    }

    fn decision(action: Action) -> Decision {
        Decision {
            alert: Alert {
                id: "3f2a9c1d0e4b5a67".into(),
                severity: Severity::Critical,
                category: "api".into(),
                title: "HighErrorRate".into(),
                summary: "Error rate above 5%\nfor 10 minutes".into(),
                started_at: Some(at("2026-05-24T07:40:00Z")),
                source: "alertmanager".into(),
                feed: "from:-".into(),
            },
            action,
            channel: ChannelKind::Email,
            entry: None,
            mark: None,
        }
    }

    #[test]
    fn new_alert_message() {
        let m = alert_message(
            &decision(Action::Notify(Why::New)),
            at("2026-05-24T08:00:00Z"),
        );
        assert_eq!(m.subject, "[tend] CRITICAL api: HighErrorRate");
        insta::assert_snapshot!(m.text, @r#"
        🚨 CRITICAL api: HighErrorRate

        Title:    HighErrorRate
        Summary:  Error rate above 5%
                  for 10 minutes
        Severity: critical
        Category: api
        Started:  2026-05-24T07:40:00.000Z (20m ago)
        Source:   alertmanager
        Alert id: 3f2a9c1d0e4b5a67

        Mute it: tend alerts silence add --match id=3f2a9c1d0e4b5a67 --for 2h --reason "…"
        "#);
    }

    #[test]
    fn reminder_escalation_and_resolved_subjects() {
        let now = at("2026-05-24T08:00:00Z");
        let subject = |action| alert_message(&decision(action), now).subject;
        assert_eq!(
            subject(Action::Remind { number: 2 }),
            "[tend] CRITICAL api: HighErrorRate (still firing, reminder 2)"
        );
        assert_eq!(
            subject(Action::Notify(Why::Escalated {
                from: Severity::Warning
            })),
            "[tend] CRITICAL api: HighErrorRate (escalated from warning)"
        );
        assert_eq!(
            subject(Action::Resolve { announce: true }),
            "[tend] RESOLVED api: HighErrorRate"
        );
    }

    #[test]
    fn control_characters_never_reach_a_subject() {
        let mut d = decision(Action::Notify(Why::New));
        d.alert.title = "evil\r\nBcc: someone@example.com".into();
        let m = alert_message(&d, at("2026-05-24T08:00:00Z"));
        assert!(
            !m.subject.contains('\n') && !m.subject.contains('\r'),
            "{}",
            m.subject
        );
    }

    #[test]
    fn burst_summary_lists_sections_and_caps_them() {
        let now = at("2026-05-24T08:00:00Z");
        let mut ds: Vec<Decision> = (0..LIST_LIMIT + 2)
            .map(|i| {
                let mut d = decision(Action::Notify(Why::New));
                d.alert.id = format!("a{i}");
                d
            })
            .collect();
        ds.push(decision(Action::Resolve { announce: true }));
        let refs: Vec<&Decision> = ds.iter().collect();
        let m = burst_message(&refs, 60, 5, now);
        assert_eq!(m.subject, "[tend] 53 alerts: 52 new, 1 resolved");
        assert!(m.text.contains("New (52):"), "{}", m.text);
        assert!(
            m.text.contains("… and 2 more (tend alerts list)"),
            "{}",
            m.text
        );
        assert!(m.text.contains("Resolved (1):"), "{}", m.text);
        assert!(
            m.text.contains("more than the burst limit of 5"),
            "{}",
            m.text
        );
    }

    /// Decisions given up are in no message: a lone message goes, a burst
    /// summary lists only the others, and one with none left goes too.
    #[test]
    fn decisions_given_up_are_left_out_of_the_messages() {
        use crate::alerts::diff::Plan;
        let now = at("2026-05-24T08:00:00Z");
        let decisions: Vec<Decision> = (0..3)
            .map(|i| {
                let mut d = decision(Action::Notify(Why::New));
                d.alert.id = format!("a{i}");
                d
            })
            .collect();
        let mut plan = Plan {
            decisions,
            burst: false,
            base: Default::default(),
        };
        let none = BTreeSet::new();
        assert_eq!(outgoing(&plan, &none, now, 5).len(), 3);
        let out = outgoing(&plan, &BTreeSet::from([1]), now, 5);
        let carried: Vec<Vec<usize>> = out.iter().map(|m| m.decisions.clone()).collect();
        assert_eq!(carried, [vec![0], vec![2]]);
        plan.burst = true;
        let out = outgoing(&plan, &BTreeSet::from([1]), now, 2);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].decisions, [0, 2]);
        assert!(
            !out[0].message.text.contains("a1"),
            "{}",
            out[0].message.text
        );
        assert!(
            out[0].message.subject.contains("2 alerts"),
            "{}",
            out[0].message.subject
        );
        assert!(outgoing(&plan, &BTreeSet::from([0, 1, 2]), now, 2).is_empty());
    }

    #[test]
    fn a_message_names_the_alerts_its_category_holds_back() {
        use crate::alerts::diff::{Policy, plan};
        use crate::config::{RouteTable, SeverityDurations};
        let now = at("2026-05-24T08:00:00Z");
        let alerts: Vec<Alert> = ["a", "b", "c"]
            .iter()
            .map(|id| {
                let mut d = decision(Action::Notify(Why::New));
                d.alert.id = id.to_string();
                d.alert
            })
            .collect();
        let policy = Policy {
            route: RouteTable {
                critical: ChannelKind::Stdout,
                warning: ChannelKind::Stdout,
                info: ChannelKind::Stdout,
            },
            cooldown: chrono::TimeDelta::minutes(30),
            burst_limit: 5,
            digest_info: false,
            send_resolved: false,
            repeat: SeverityDurations::default(),
        };
        let p = plan(
            &alerts,
            &["from:-".to_string()].into(),
            &Default::default(),
            &Default::default(),
            &[],
            now,
            &policy,
        );
        let out = outgoing(&p, &BTreeSet::new(), now, 5);
        assert_eq!(out.len(), 1);
        assert!(
            out[0].message.text.ends_with(
                "Also firing in this category, held back by the cooldown: 2 alerts: b, c (tend alerts list)\n"
            ),
            "{}",
            out[0].message.text
        );
    }

    #[test]
    fn test_message_is_labelled() {
        let m = test_message(ChannelKind::Slack, at("2026-05-24T08:00:00Z"));
        assert!(m.subject.contains("TEST"));
        assert!(
            m.text
                .starts_with("🧪 TEST from tend — this is not an alert")
        );
        // A test message states nothing about the current alerts.
        assert!(!m.text.contains("no alert is firing"));
    }
}
