//! Table tests of the alert set difference at every boundary.

use super::*;
use crate::alerts::silence::MatchKey;
use crate::config::Duration;

const T0: &str = "2026-05-24T08:00:00Z";

fn at(text: &str) -> DateTime<Utc> {
    crate::clock::parse_ts(text).unwrap()
}

fn t(offset_secs: i64) -> DateTime<Utc> {
    at(T0) + TimeDelta::seconds(offset_secs)
}

fn alert(id: &str, severity: Severity, category: &str) -> Alert {
    Alert {
        id: id.into(),
        severity,
        category: category.into(),
        title: format!("{id} title"),
        summary: "summary".into(),
        started_at: Some(at("2026-05-24T07:00:00Z")),
        source: "probe".into(),
        feed: "probes".into(),
    }
}

fn crit(id: &str, category: &str) -> Alert {
    alert(id, Severity::Critical, category)
}

fn policy() -> Policy {
    Policy {
        route: RouteTable {
            critical: ChannelKind::Slack,
            warning: ChannelKind::Slack,
            info: ChannelKind::Email,
        },
        cooldown: TimeDelta::minutes(30),
        burst_limit: 5,
        digest_info: false,
        send_resolved: false,
        repeat: SeverityDurations::default(),
    }
}

fn probes() -> BTreeSet<String> {
    BTreeSet::from(["probes".to_string()])
}

fn run(active: &[Alert], state: &Notified, now: DateTime<Utc>, policy: &Policy) -> Plan {
    plan(active, &probes(), &BTreeSet::new(), state, &[], now, policy)
}

fn actions(plan: &Plan) -> Vec<(String, Action)> {
    plan.decisions
        .iter()
        .map(|d| (d.alert.id.clone(), d.action.clone()))
        .collect()
}

fn notify(id: &str) -> (String, Action) {
    (id.to_string(), Action::Notify(Why::New))
}

/// The state after notifying `active` at `now` on an empty state.
fn notified(active: &[Alert], now: DateTime<Utc>) -> Notified {
    run(active, &Notified::default(), now, &policy()).final_state()
}

fn silence(matchers: &[(MatchKey, &str)], from: DateTime<Utc>, to: DateTime<Utc>) -> Silence {
    let matchers: BTreeMap<MatchKey, String> =
        matchers.iter().map(|(k, v)| (*k, v.to_string())).collect();
    Silence {
        id: crate::alerts::silence::silence_id(&matchers, from, to, "maintenance"),
        matchers,
        starts_at: from,
        ends_at: to,
        reason: "maintenance".into(),
        created_by: "ops".into(),
        created_at: from,
        expired_at: None,
        expired_by: None,
    }
}

#[test]
fn first_run_notifies_everything_active() {
    let active = [
        crit("a", "api_down"),
        alert("b", Severity::Warning, "disk"),
        alert("c", Severity::Info, "cert"),
    ];
    let p = run(&active, &Notified::default(), t(0), &policy());
    assert_eq!(actions(&p), [notify("a"), notify("b"), notify("c")]);
    assert!(!p.burst);
    let channels: Vec<ChannelKind> = p.decisions.iter().map(|d| d.channel).collect();
    assert_eq!(
        channels,
        [ChannelKind::Slack, ChannelKind::Slack, ChannelKind::Email]
    );
    // Nothing is recorded until each message went out.
    assert!(p.base.alerts.is_empty());
    let state = p.final_state();
    assert_eq!(state.alerts.len(), 3);
    assert!(state.alerts.values().all(|e| e.status == Status::Ok));
    assert_eq!(state.alerts["a"].last_notified, Some(t(0)));
    assert_eq!(
        state.categories["api_down"],
        Mark {
            at: t(0),
            severity: Severity::Critical
        }
    );
}

#[test]
fn nothing_active_and_no_state_is_a_no_op() {
    let p = run(&[], &Notified::default(), t(0), &policy());
    assert!(p.decisions.is_empty());
    assert_eq!(p.base, Notified::default());
}

#[test]
fn still_firing_is_not_sent_again_and_changes_nothing() {
    let active = [crit("a", "api_down")];
    let state = notified(&active, t(0));
    // After the cooldown mark has expired too, the state is stable.
    for now in [t(60), t(29 * 60), t(31 * 60), t(86_400)] {
        let p = run(&active, &state, now, &policy());
        assert!(p.decisions.is_empty(), "at {now}: {:?}", actions(&p));
        assert_eq!(p.base.alerts, state.alerts);
    }
}

#[test]
fn resolved_leaves_the_state_with_a_message_only_when_asked_and_told() {
    let active = [crit("a", "api_down"), crit("b", "db_down")];
    let mut state = notified(&active, t(0));
    state.alerts.get_mut("b").unwrap().status = Status::Suppressed;

    let p = run(&[], &state, t(600), &policy());
    assert_eq!(
        actions(&p),
        [
            ("a".to_string(), Action::Resolve { announce: false }),
            ("b".to_string(), Action::Resolve { announce: false }),
        ]
    );
    assert!(p.base.alerts.is_empty());
    assert_eq!(p.sends(), 0);

    let loud = Policy {
        send_resolved: true,
        ..policy()
    };
    let p = run(&[], &state, t(600), &loud);
    assert_eq!(
        actions(&p),
        [
            ("a".to_string(), Action::Resolve { announce: true }),
            // The operator was never told b fired: no "resolved" for it.
            ("b".to_string(), Action::Resolve { announce: false }),
        ]
    );
    assert_eq!(p.sends(), 1);
    // a stays recorded until its resolved message went out.
    assert!(p.base.alerts.contains_key("a") && !p.base.alerts.contains_key("b"));
    assert!(p.final_state().alerts.is_empty());
}

#[test]
fn refired_after_resolve_is_new_again_subject_to_the_cooldown() {
    let a = crit("a", "api_down");
    let state = notified(std::slice::from_ref(&a), t(0));
    let resolved = run(&[], &state, t(600), &policy()).final_state();
    assert!(resolved.alerts.is_empty());
    // Back within the cooldown of its category's last message: recorded, not sent.
    let p = run(std::slice::from_ref(&a), &resolved, t(1200), &policy());
    assert_eq!(
        actions(&p),
        [("a".to_string(), Action::Suppress { at: t(0) })]
    );
    assert_eq!(p.base.alerts["a"].status, Status::Suppressed);
    // Back after it: notified.
    let p = run(std::slice::from_ref(&a), &resolved, t(1800), &policy());
    assert_eq!(actions(&p), [notify("a")]);
}

#[test]
fn cooldown_edges() {
    let state = notified(&[crit("a", "api_down")], t(0));
    let b = crit("b", "api_down");
    let cases = [
        (t(30 * 60 - 1), Some(Action::Suppress { at: t(0) })),
        (t(30 * 60), Some(Action::Notify(Why::New))),
    ];
    for (now, expected) in cases {
        let p = run(&[crit("a", "api_down"), b.clone()], &state, now, &policy());
        let got = p
            .decisions
            .iter()
            .find(|d| d.alert.id == "b")
            .map(|d| d.action.clone());
        assert_eq!(got, expected, "at {now}");
    }
    // Another category is not held back.
    let p = run(
        &[crit("a", "api_down"), crit("c", "db_down")],
        &state,
        t(60),
        &policy(),
    );
    assert_eq!(actions(&p), [notify("c")]);
    // A higher severity than the category's last message is not held back…
    let state = notified(&[alert("w", Severity::Warning, "api_down")], t(0));
    let p = run(
        &[
            alert("w", Severity::Warning, "api_down"),
            crit("b", "api_down"),
        ],
        &state,
        t(60),
        &policy(),
    );
    assert_eq!(actions(&p), [notify("b")]);
    // …a lower one is.
    let state = notified(&[crit("a", "api_down")], t(0));
    let p = run(
        &[
            crit("a", "api_down"),
            alert("w", Severity::Warning, "api_down"),
        ],
        &state,
        t(60),
        &policy(),
    );
    assert_eq!(
        actions(&p),
        [("w".to_string(), Action::Suppress { at: t(0) })]
    );
    // cooldown = 0s turns it off.
    let off = Policy {
        cooldown: TimeDelta::zero(),
        ..policy()
    };
    let p = run(&[crit("a", "api_down"), b], &state, t(1), &off);
    assert_eq!(actions(&p), [notify("b")]);
}

/// A category that is only a Nagios state's name (a probe without a
/// `category` gets `critical`) groups nothing: postgres going critical does
/// not hold back redis (design §6), while one alert's own group still holds.
#[test]
fn a_category_defaulted_from_a_state_groups_nothing() {
    let pg = crit("probe:postgres:critical", "critical");
    let redis = crit("probe:redis:critical", "critical");
    let state = notified(std::slice::from_ref(&pg), t(0));
    assert_eq!(
        state.categories.keys().collect::<Vec<_>>(),
        ["alert:probe:postgres:critical"]
    );
    let p = run(&[pg.clone(), redis.clone()], &state, t(5 * 60), &policy());
    assert_eq!(actions(&p), [notify("probe:redis:critical")]);
    // Both new in one run: both told.
    let p = run(&[pg.clone(), redis], &Notified::default(), t(0), &policy());
    assert_eq!(p.sends(), 2);
    // Every state name, in any case, is its own group; a real category groups.
    for name in ["critical", "WARNING", "unknown", "info", ""] {
        let a = crit("a", name);
        assert_eq!(cooldown_group(&a), "alert:a", "{name:?}");
    }
    assert_eq!(cooldown_group(&crit("a", "db_down")), "db_down");
}

#[test]
fn cooldown_applies_within_one_run_most_severe_first() {
    let p = run(
        &[
            alert("w", Severity::Warning, "api_down"),
            crit("c2", "api_down"),
            crit("c1", "api_down"),
        ],
        &Notified::default(),
        t(0),
        &policy(),
    );
    assert_eq!(
        actions(&p),
        [
            notify("c1"),
            ("c2".to_string(), Action::Suppress { at: t(0) }),
            ("w".to_string(), Action::Suppress { at: t(0) }),
        ]
    );
}

#[test]
fn expired_marks_are_dropped() {
    let state = notified(&[crit("a", "api_down")], t(0));
    let p = run(&[crit("a", "api_down")], &state, t(30 * 60), &policy());
    assert!(p.base.categories.is_empty());
    let p = run(&[crit("a", "api_down")], &state, t(30 * 60 - 1), &policy());
    assert_eq!(p.base.categories.len(), 1);
}

#[test]
fn burst_at_the_limit_and_one_above() {
    let many = |n: usize| -> Vec<Alert> {
        (0..n)
            .map(|i| crit(&format!("a{i}"), &format!("c{i}")))
            .collect()
    };
    let p = run(&many(5), &Notified::default(), t(0), &policy());
    assert_eq!((p.sends(), p.burst), (5, false));
    let p = run(&many(6), &Notified::default(), t(0), &policy());
    assert_eq!((p.sends(), p.burst), (6, true));
    // What is not sent does not count: 6 alerts of one category are 1 message.
    let same: Vec<Alert> = (0..6).map(|i| crit(&format!("a{i}"), "one")).collect();
    let p = run(&same, &Notified::default(), t(0), &policy());
    assert_eq!((p.sends(), p.burst), (1, false));
    // Resolved messages count too.
    let state = notified(&many(3), t(0));
    let loud = Policy {
        send_resolved: true,
        ..policy()
    };
    let mut now_firing = many(9);
    now_firing.drain(..3);
    let p = run(&now_firing, &state, t(3600), &loud);
    assert_eq!((p.sends(), p.burst), (9, true));
}

#[test]
fn silence_start_and_end() {
    let a = crit("a", "api_down");
    let s = silence(&[(MatchKey::Category, "api_down")], t(0), t(7200));
    let silences = std::slice::from_ref(&s);
    let go = |state: &Notified, now| {
        plan(
            std::slice::from_ref(&a),
            &probes(),
            &BTreeSet::new(),
            state,
            silences,
            now,
            &policy(),
        )
    };

    // Before it starts: notified.
    let p = go(&Notified::default(), t(-1));
    assert_eq!(actions(&p), [notify("a")]);

    // From its start: recorded silenced, no message, no cooldown mark.
    let p = go(&Notified::default(), t(0));
    assert_eq!(
        actions(&p),
        [(
            "a".to_string(),
            Action::Silence {
                silence: s.id.clone(),
                until: t(7200)
            }
        )]
    );
    let state = p.final_state();
    assert_eq!(state.alerts["a"].status, Status::Silenced);
    assert_eq!(state.alerts["a"].silence.as_deref(), Some(s.id.as_str()));
    assert!(state.categories.is_empty());

    // While it lasts: nothing, every run.
    let p = go(&state, t(7199));
    assert!(p.decisions.is_empty());
    assert_eq!(p.base, state);

    // At its end, still firing: notified then, even within a cooldown.
    let mut cooled = state.clone();
    cooled.categories.insert(
        "api_down".into(),
        Mark {
            at: t(7100),
            severity: Severity::Critical,
        },
    );
    let p = go(&cooled, t(7200));
    assert_eq!(
        actions(&p),
        [("a".to_string(), Action::Notify(Why::Unsilenced))]
    );
    assert_eq!(p.final_state().alerts["a"].status, Status::Ok);

    // Resolved while silenced: leaves quietly even with send_resolved.
    let loud = Policy {
        send_resolved: true,
        ..policy()
    };
    let p = plan(
        &[],
        &probes(),
        &BTreeSet::new(),
        &state,
        silences,
        t(600),
        &loud,
    );
    assert_eq!(
        actions(&p),
        [("a".to_string(), Action::Resolve { announce: false })]
    );
}

#[test]
fn a_silence_on_a_notified_alert_holds_its_reminders_only() {
    let a = crit("a", "api_down");
    let state = notified(std::slice::from_ref(&a), t(0));
    let s = silence(&[(MatchKey::Id, "a")], t(60), t(7200));
    let hourly = Policy {
        repeat: SeverityDurations {
            critical: Duration::from_secs(3600),
            ..SeverityDurations::default()
        },
        ..policy()
    };
    let p = plan(
        std::slice::from_ref(&a),
        &probes(),
        &BTreeSet::new(),
        &state,
        std::slice::from_ref(&s),
        t(3600),
        &hourly,
    );
    assert!(p.decisions.is_empty(), "{:?}", actions(&p));
    assert_eq!(p.base.alerts, state.alerts, "no reminder, no change");
    let p = plan(
        std::slice::from_ref(&a),
        &probes(),
        &BTreeSet::new(),
        &state,
        std::slice::from_ref(&s),
        t(7200),
        &hourly,
    );
    assert_eq!(
        actions(&p),
        [("a".to_string(), Action::Remind { number: 1 })]
    );
}

#[test]
fn reminder_edges() {
    let a = crit("a", "api_down");
    let hourly = Policy {
        repeat: SeverityDurations {
            critical: Duration::from_secs(3600),
            ..SeverityDurations::default()
        },
        ..policy()
    };
    let state = notified(std::slice::from_ref(&a), t(0));
    let p = run(std::slice::from_ref(&a), &state, t(3599), &hourly);
    assert!(p.decisions.is_empty());
    let p = run(std::slice::from_ref(&a), &state, t(3600), &hourly);
    assert_eq!(
        actions(&p),
        [("a".to_string(), Action::Remind { number: 1 })]
    );
    let after = p.final_state();
    assert_eq!(after.alerts["a"].last_notified, Some(t(3600)));
    assert_eq!(after.alerts["a"].reminders, 1);
    // The clock restarts from the reminder.
    assert!(
        run(std::slice::from_ref(&a), &after, t(7199), &hourly)
            .decisions
            .is_empty()
    );
    let p = run(std::slice::from_ref(&a), &after, t(7200), &hourly);
    assert_eq!(
        actions(&p),
        [("a".to_string(), Action::Remind { number: 2 })]
    );
    // 0s (the default) is off; other severities keep their own interval.
    assert!(
        run(std::slice::from_ref(&a), &state, t(86_400), &policy())
            .decisions
            .is_empty()
    );
    let w = alert("w", Severity::Warning, "disk");
    let state = notified(std::slice::from_ref(&w), t(0));
    assert!(
        run(std::slice::from_ref(&w), &state, t(86_400), &hourly)
            .decisions
            .is_empty()
    );
}

#[test]
fn a_suppressed_alert_is_reminded_from_when_it_was_recorded() {
    let hourly = Policy {
        repeat: SeverityDurations {
            critical: Duration::from_secs(3600),
            ..SeverityDurations::default()
        },
        ..policy()
    };
    let state = run(
        &[crit("a", "api_down"), crit("b", "api_down")],
        &Notified::default(),
        t(0),
        &hourly,
    )
    .final_state();
    assert_eq!(state.alerts["b"].status, Status::Suppressed);
    // Still held by the cooldown: nothing.
    let both = [crit("a", "api_down"), crit("b", "api_down")];
    let p = run(&both, &state, t(30 * 60 - 1), &hourly);
    assert_eq!(actions(&p), []);
    // The cooldown over, b still fires: notified then, and reminded an
    // interval after that.
    let p = run(&both, &state, t(30 * 60), &hourly);
    assert_eq!(
        actions(&p),
        [("b".to_string(), Action::Notify(Why::CooledDown))]
    );
    let state = p.final_state();
    assert_eq!(state.alerts["b"].status, Status::Ok);
    let p = run(&both, &state, t(3600), &hourly);
    assert_eq!(
        actions(&p),
        [("a".to_string(), Action::Remind { number: 1 })]
    );
    let p = run(&both, &state, t(30 * 60 + 3600), &hourly);
    assert_eq!(
        actions(&p),
        [
            ("a".to_string(), Action::Remind { number: 1 }),
            ("b".to_string(), Action::Remind { number: 1 }),
        ]
    );
}

#[test]
fn a_suppressed_alert_is_notified_when_the_cooldown_ends() {
    let a = crit("a", "api_down");
    let state = notified(std::slice::from_ref(&a), t(0));
    let both = [a.clone(), crit("b", "api_down"), crit("c", "api_down")];
    let p = run(&both, &state, t(60), &policy());
    let state = p.final_state();
    assert_eq!(state.alerts["b"].status, Status::Suppressed);
    assert_eq!(state.alerts["c"].status, Status::Suppressed);
    // A second before the end: still held, and not recorded again.
    let p = run(&both, &state, t(30 * 60 - 1), &policy());
    assert_eq!(actions(&p), []);
    assert_eq!(p.final_state(), state);
    // At the end: the first of them is notified, and its message starts a
    // new cooldown that goes on holding the other, then lets it through.
    let p = run(&both, &state, t(30 * 60), &policy());
    assert_eq!(
        actions(&p),
        [("b".to_string(), Action::Notify(Why::CooledDown))]
    );
    let state = p.final_state();
    assert_eq!(state.alerts["c"].status, Status::Suppressed);
    let p = run(&both, &state, t(60 * 60 - 1), &policy());
    assert_eq!(actions(&p), []);
    let p = run(&both, &state, t(60 * 60), &policy());
    assert_eq!(
        actions(&p),
        [("c".to_string(), Action::Notify(Why::CooledDown))]
    );
    // A suppressed alert that stopped firing is resolved without a message.
    let p = run(
        &[a.clone(), crit("b", "api_down")],
        &state,
        t(60 * 60),
        &policy(),
    );
    assert_eq!(
        actions(&p),
        [("c".to_string(), Action::Resolve { announce: false })]
    );
    // An escalation past the cooldown's severity is not held.
    let state = notified(&[alert("w", Severity::Warning, "api_down")], t(0));
    let mut held = run(
        &[
            alert("w", Severity::Warning, "api_down"),
            alert("x", Severity::Warning, "api_down"),
        ],
        &state,
        t(60),
        &policy(),
    )
    .final_state();
    assert_eq!(held.alerts["x"].status, Status::Suppressed);
    held.alerts.get_mut("x").unwrap().severity = Severity::Warning;
    let p = run(
        &[
            alert("w", Severity::Warning, "api_down"),
            crit("x", "api_down"),
        ],
        &held,
        t(120),
        &policy(),
    );
    assert_eq!(
        actions(&p),
        [("x".to_string(), Action::Notify(Why::CooledDown))]
    );
}

#[test]
fn escalation_notifies_again_and_a_lower_severity_does_not() {
    let w = alert("a", Severity::Warning, "api_down");
    let state = notified(std::slice::from_ref(&w), t(0));
    let c = crit("a", "api_down");
    let p = run(std::slice::from_ref(&c), &state, t(60), &policy());
    assert_eq!(
        actions(&p),
        [(
            "a".to_string(),
            Action::Notify(Why::Escalated {
                from: Severity::Warning
            })
        )]
    );
    let after = p.final_state();
    assert_eq!(after.alerts["a"].severity, Severity::Critical);
    assert_eq!(after.alerts["a"].first_seen, t(0));
    // Back to warning and up again: no flapping messages.
    let p = run(std::slice::from_ref(&w), &after, t(120), &policy());
    assert!(p.decisions.is_empty());
    assert_eq!(p.base.alerts["a"].severity, Severity::Critical);
    assert!(
        run(std::slice::from_ref(&c), &p.base, t(180), &policy())
            .decisions
            .is_empty()
    );
}

#[test]
fn alerts_of_an_input_not_read_stay_as_they_are() {
    let mut from = crit("x", "queue");
    from.feed = "from:alerts.jsonl".into();
    let state = plan(
        std::slice::from_ref(&from),
        &BTreeSet::from(["from:alerts.jsonl".to_string()]),
        &BTreeSet::new(),
        &Notified::default(),
        &[],
        t(0),
        &policy(),
    )
    .final_state();
    // A run that reads only the probe state neither resolves nor reminds it.
    let p = run(&[], &state, t(600), &policy());
    assert!(p.decisions.is_empty());
    assert_eq!(p.base.alerts, state.alerts);
    // A run that reads its input again does.
    let p = plan(
        &[],
        &BTreeSet::from(["from:alerts.jsonl".to_string()]),
        &BTreeSet::new(),
        &state,
        &[],
        t(600),
        &policy(),
    );
    assert_eq!(
        actions(&p),
        [("x".to_string(), Action::Resolve { announce: false })]
    );
}

#[test]
fn digest_mode_queues_info_alerts_outside_the_burst_count() {
    let digest = Policy {
        digest_info: true,
        burst_limit: 1,
        repeat: SeverityDurations {
            info: Duration::from_secs(3600),
            ..SeverityDurations::default()
        },
        ..policy()
    };
    let active = [
        alert("i1", Severity::Info, "cert"),
        alert("i2", Severity::Info, "cert"),
        crit("c", "api_down"),
    ];
    let p = run(&active, &Notified::default(), t(0), &digest);
    assert_eq!(
        actions(&p),
        [
            notify("c"),
            ("i1".to_string(), Action::Queue { reminder: false }),
            ("i2".to_string(), Action::Queue { reminder: false }),
        ]
    );
    assert!(!p.burst);
    assert_eq!(p.base.alerts["i1"].status, Status::Queued);
    // The info reminder goes to the digest too.
    let p = run(&active, &p.final_state(), t(3600), &digest);
    assert_eq!(
        actions(&p),
        [
            ("i1".to_string(), Action::Queue { reminder: true }),
            ("i2".to_string(), Action::Queue { reminder: true }),
        ]
    );
}

#[test]
fn a_failed_send_still_counts_as_notified() {
    let p = run(
        &[crit("a", "api_down")],
        &Notified::default(),
        t(0),
        &policy(),
    );
    let mut state = p.base.clone();
    apply(&mut state, &p.decisions[0], Some(true));
    assert_eq!(state.alerts["a"].status, Status::Failed);
    assert_eq!(state.categories["api_down"].at, t(0));
    // Next run: no retry.
    assert!(
        run(&[crit("a", "api_down")], &state, t(60), &policy())
            .decisions
            .is_empty()
    );
}

#[test]
fn duplicate_ids_count_once_the_last_wins() {
    let mut second = alert("a", Severity::Warning, "api_down");
    second.title = "second".into();
    let p = run(
        &[crit("a", "api_down"), second],
        &Notified::default(),
        t(0),
        &policy(),
    );
    assert_eq!(p.decisions.len(), 1);
    assert_eq!(p.decisions[0].alert.title, "second");
}

#[test]
fn state_round_trips_through_json() {
    let state = notified(&[crit("a", "api_down")], t(0));
    let text = serde_json::to_string(&state).unwrap();
    assert_eq!(serde_json::from_str::<Notified>(&text).unwrap(), state);
    // Not the file's shape: refused (and so quarantined), never taken as
    // "nothing notified" (design §10).
    assert!(serde_json::from_str::<Notified>("{}").is_err());
    assert!(serde_json::from_str::<Notified>("[]").is_err());
}

#[test]
fn an_input_speaks_only_for_its_feed_and_resolved_ids_resolve_anywhere() {
    let feed = |id: &str, feed: &str| Alert {
        feed: feed.into(),
        ..crit(id, "api_down")
    };
    let (g1, g2) = ("alertmanager-group:g1", "alertmanager-group:g2");
    let active = [feed("a", g1), feed("b", g1), feed("c", g2)];
    let read = BTreeSet::from([g1.to_string(), g2.to_string()]);
    let off = Policy {
        cooldown: TimeDelta::zero(),
        ..policy()
    };
    let state = plan(
        &active,
        &read,
        &BTreeSet::new(),
        &Notified::default(),
        &[],
        t(0),
        &off,
    )
    .final_state();
    assert_eq!(state.alerts.len(), 3);
    // g2's snapshot without c: c resolves, g1's alerts stay.
    let p = plan(
        &[],
        &BTreeSet::from([g2.to_string()]),
        &BTreeSet::new(),
        &state,
        &[],
        t(60),
        &off,
    );
    assert_eq!(
        actions(&p),
        [("c".to_string(), Action::Resolve { announce: false })]
    );
    // Nothing read in full (a truncated payload), but `a` listed resolved:
    // a resolves, b stays.
    let p = plan(
        &[],
        &BTreeSet::new(),
        &BTreeSet::from(["a".to_string()]),
        &state,
        &[],
        t(60),
        &off,
    );
    assert_eq!(
        actions(&p),
        [("a".to_string(), Action::Resolve { announce: false })]
    );
    assert!(p.final_state().alerts.contains_key("b"));
    // Firing in one input wins over resolved in another.
    let p = plan(
        &[feed("a", g1)],
        &BTreeSet::new(),
        &BTreeSet::from(["a".to_string()]),
        &state,
        &[],
        t(60),
        &off,
    );
    assert_eq!(actions(&p), []);
}

/// A message given up counts as notified, with its own status: the alert is
/// not sent again while it fires, and no resolved message follows it.
#[test]
fn a_message_given_up_is_recorded_unconfirmed_and_never_sent_again() {
    let active = [crit("a", "c1"), crit("b", "c2")];
    let p = run(&active, &Notified::default(), t(0), &policy());
    let mut state = p.base.clone();
    give_up(&mut state, &p.decisions[0]);
    apply(&mut state, &p.decisions[1], Some(false));
    assert_eq!(state.alerts["a"].status, Status::Unconfirmed);
    assert_eq!(state.alerts["b"].status, Status::Ok);
    assert_eq!(Status::Unconfirmed.as_str(), "unconfirmed");
    assert_eq!(
        serde_json::to_value(Status::Unconfirmed).unwrap(),
        "unconfirmed"
    );
    // Still firing: nothing to send for either.
    let again = run(&active, &state, t(60), &policy());
    assert_eq!(again.sends(), 0, "{:?}", actions(&again));
    // Resolved: it leaves the state without a resolved message, even when
    // they are asked for (whether the first one arrived is unknown).
    let loud = Policy {
        send_resolved: true,
        ..policy()
    };
    let resolved = run(&[], &state, t(120), &loud);
    let a = resolved
        .decisions
        .iter()
        .find(|d| d.alert.id == "a")
        .unwrap();
    assert_eq!(a.action, Action::Resolve { announce: false });
    // A resolution given up just leaves the state.
    let mut after = resolved.base.clone();
    give_up(&mut after, a);
    assert!(!after.alerts.contains_key("a"));
}
