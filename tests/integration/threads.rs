//! One incident, one conversation (design §6a), with real parts: a fake Slack
//! Web API that records `thread_ts` and `chat.update`, and a real SMTP
//! server whose mails are parsed with Python's `email` package. The alert
//! (`alerts notify`) and the investigation (`wake consume`) of one outage
//! go into one thread whichever comes first, the resolution is a reply and
//! the parent is edited to show it; in mail, the first message's
//! `Message-ID` is what every later one replies to.

use serde_json::{Value, json};

use crate::support::TestEnv;
use crate::support::fakes::{self, slack_ts};
use crate::support::http::{FakeServer, Recorded};
use crate::support::smtp::SmtpSink;

/// The probe state of `api`, down since 07:50 (its episode) or OK again.
fn probe_state(env: &TestEnv, down: bool) {
    probe_state_at(env, if down { "critical" } else { "ok" });
}

fn probe_state_at(env: &TestEnv, status: &str) {
    let api = if status != "ok" {
        json!({"status": status, "issue_category": "down", "severity": status,
               "summary": "HTTP 503 from /health", "since": "2026-05-24T07:50:00Z",
               "down_since": "2026-05-24T07:50:00Z", "last_checked": "2026-05-24T07:58:00Z",
               "consecutive": 3, "consecutive_ok": 0})
    } else {
        json!({"status": "ok", "issue_category": "ok", "summary": "HTTP 200",
               "since": "2026-05-24T08:20:00Z", "last_checked": "2026-05-24T08:20:00Z",
               "consecutive": 0, "consecutive_ok": 2})
    };
    env.write(
        "state/probes.json",
        serde_json::to_vec_pretty(&json!({"probes": {"api": api}})).unwrap(),
    );
}

/// The wake `probe run` wrote for the same episode.
fn wake_row(env: &TestEnv) {
    let row = json!({
        "id": "w1", "ts": "2026-05-24T07:58:00.000Z", "kind": "probe.wake_requested",
        "correlation_key": "probe:api:down",
        "details": {"probe": "api", "issue_category": "down", "severity": "critical",
                    "summary": "HTTP 503 from /health", "observations": {"http_status": 503},
                    "down_since": "2026-05-24T07:50:00.000Z",
                    "envelope": {"enabled": false}, "flapping": false}
    });
    let path = env.path("audit/2026-05-24.jsonl");
    let mut log = std::fs::read_to_string(&path).unwrap_or_default();
    log.push_str(&format!("{row}\n"));
    env.write("audit/2026-05-24.jsonl", log);
}

fn slack_root(slack: &FakeServer) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("TEND_OPERATOR_CHANNEL", "slack")
        .set_env("TEND_SLACK_TOKEN_ENV", "TEST_SLACK_TOKEN")
        .set_env("TEST_SLACK_TOKEN", "xoxb-test")
        .set_env("TEND_SLACK_USER_ID", "U0123456")
        .set_env("TEND_SLACK_API_BASE", &format!("{}/api", slack.url()))
        .set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    env
}

fn notify(env: &TestEnv, now: &str) {
    env.tend(&["alerts", "notify"]).env("TEND_NOW", now).ok();
}

fn consume(env: &TestEnv) {
    env.tend(&["wake", "consume", "--from-start"])
        .env("TEND_NOW", "2026-05-24T08:05:00Z")
        .ok();
}

/// A Slack request as the thread shows it: what it did, the parent it
/// names, and its first line.
fn shown(n: usize, r: &Recorded) -> (String, String, String) {
    let body = r.json();
    let first = body["text"]
        .as_str()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    if r.path.ends_with("/chat.update") {
        assert_eq!(body["channel"], "D0123456");
        ("update".into(), body["ts"].as_str().unwrap().into(), first)
    } else {
        assert!(r.path.ends_with("/chat.postMessage"), "{}", r.path);
        match body["thread_ts"].as_str() {
            Some(parent) => ("reply".into(), parent.into(), first),
            None => ("post".into(), slack_ts(n), first),
        }
    }
}

fn thread(slack: &FakeServer) -> Vec<(String, String, String)> {
    slack
        .requests()
        .iter()
        .enumerate()
        .map(|(n, r)| shown(n, r))
        .collect()
}

fn row(kind: &str, parent: &str, first: &str) -> (String, String, String) {
    (kind.into(), parent.into(), first.into())
}

fn incident(env: &TestEnv) -> Value {
    let state: Value = serde_json::from_str(&env.read("state/incidents.json")).unwrap();
    let incidents: Vec<&Value> = state["incidents"].as_object().unwrap().values().collect();
    assert_eq!(incidents.len(), 1, "{state}");
    incidents[0].clone()
}

/// Every `notification.dispatched` row names the one incident.
fn rows_name(env: &TestEnv, id: &str, expected: usize) {
    let rows = env.audit_kind("notification.dispatched");
    assert_eq!(rows.len(), expected);
    for r in rows {
        assert_eq!(r["details"]["incident_id"], id, "{r}");
        assert_eq!(r["details"]["status"], "ok", "{r}");
    }
}

#[test]
fn the_alert_first_then_the_diagnosis_and_the_resolution_are_replies() {
    let slack = FakeServer::start(fakes::slack_threads());
    let env = slack_root(&slack);
    probe_state(&env, true);
    notify(&env, "2026-05-24T08:00:00Z");
    wake_row(&env);
    consume(&env);
    probe_state(&env, false);
    notify(&env, "2026-05-24T08:20:00Z");

    let parent = slack_ts(0);
    assert_eq!(
        thread(&slack),
        vec![
            row("post", &parent, "🚨 CRITICAL down: api is critical"),
            row("reply", &parent, "🚨 Probe alert · api"),
            row(
                "update",
                &parent,
                "🚨 Firing (critical) since 2026-05-24T07:50:00.000Z · Investigated: sent without investigation (no engine)"
            ),
            row("reply", &parent, "✅ RESOLVED down: api is critical"),
            row(
                "update",
                &parent,
                "✅ Resolved at 2026-05-24T08:20:00.000Z after 30m"
            ),
        ]
    );
    // The edited parent keeps what it said below its state line.
    let last = slack.requests()[4].json();
    assert!(
        last["text"]
            .as_str()
            .unwrap()
            .contains("\n\n🚨 CRITICAL down: api is critical\n"),
        "{last}"
    );
    let incident = incident(&env);
    assert_eq!(incident["conversations"]["slack_dm"]["parent"], parent);
    assert_eq!(incident["messages"], 3);
    assert!(incident["resolved_at"].is_string());
    rows_name(&env, incident["id"].as_str().unwrap(), 3);
}

#[test]
fn the_wake_first_is_the_parent_and_the_alert_a_reply() {
    let slack = FakeServer::start(fakes::slack_threads());
    let env = slack_root(&slack);
    wake_row(&env);
    consume(&env);
    probe_state(&env, true);
    notify(&env, "2026-05-24T08:06:00Z");
    probe_state(&env, false);
    notify(&env, "2026-05-24T08:20:00Z");

    let parent = slack_ts(0);
    assert_eq!(
        thread(&slack),
        vec![
            row("post", &parent, "🚨 Probe alert · api"),
            row("reply", &parent, "🚨 CRITICAL down: api is critical"),
            row("reply", &parent, "✅ RESOLVED down: api is critical"),
            row(
                "update",
                &parent,
                "✅ Resolved at 2026-05-24T08:20:00.000Z after 30m"
            ),
        ]
    );
    let incident = incident(&env);
    assert_eq!(incident["conversations"]["slack_dm"]["parent"], parent);
    assert_eq!(
        incident["conversations"]["slack_dm"]["shown"],
        "✅ Resolved at 2026-05-24T08:20:00.000Z after 30m"
    );
    rows_name(&env, incident["id"].as_str().unwrap(), 3);
    // Settled: a run more sends and edits nothing.
    notify(&env, "2026-05-24T08:30:00Z");
    assert_eq!(slack.request_count(), 4);
}

#[test]
fn an_incident_that_sent_nothing_resolves_silently() {
    let slack = FakeServer::start(fakes::slack_threads());
    let env = slack_root(&slack);
    probe_state(&env, true);
    env.tend(&[
        "alerts",
        "silence",
        "add",
        "--match",
        "id=probe:api:down",
        "--for",
        "2h",
        "--reason",
        "maintenance",
    ])
    .ok();
    notify(&env, "2026-05-24T08:00:00Z");
    probe_state(&env, false);
    notify(&env, "2026-05-24T08:20:00Z");
    assert_eq!(slack.request_count(), 0);
    let incident = incident(&env);
    assert_eq!(incident["messages"], 0);
    assert!(incident["resolved_at"].is_string());
}

#[test]
fn the_first_message_after_a_silence_is_the_parent() {
    let slack = FakeServer::start(fakes::slack_threads());
    let env = slack_root(&slack);
    probe_state(&env, true);
    env.tend(&[
        "alerts",
        "silence",
        "add",
        "--match",
        "id=probe:api:down",
        "--for",
        "10m",
        "--reason",
        "maintenance",
    ])
    .ok();
    notify(&env, "2026-05-24T08:00:00Z");
    assert_eq!(slack.request_count(), 0);
    notify(&env, "2026-05-24T08:15:00Z");
    probe_state(&env, false);
    notify(&env, "2026-05-24T08:20:00Z");
    let parent = slack_ts(0);
    let t = thread(&slack);
    assert_eq!(t[0].0, "post");
    assert!(t[0].2.contains("its silence ended"), "{t:?}");
    assert_eq!(
        t[1],
        row("reply", &parent, "✅ RESOLVED down: api is critical")
    );
    assert_eq!(t[2].0, "update");
    assert_eq!(t.len(), 3);
}

/// The wake to Slack and the alert to email: each conversation has its own
/// parent. The mails thread by their headers, as Python's `email` package
/// reads them, and the Slack parent is edited when the incident resolves.
#[test]
fn email_threads_by_message_id_and_each_channel_has_its_own_parent() {
    let sink = SmtpSink::start();
    let slack = FakeServer::start(fakes::slack_threads());
    let env = slack_root(&slack);
    env.write(
        "tend.toml",
        format!(
            r#"
[email]
smtp_host = "127.0.0.1"
smtp_port = {}
tls = "none"
from = "tend <tend@example.com>"
to = ["ops@example.com"]
timeout = "5s"

[alerts]
route = {{ critical = "email", warning = "email", info = "email" }}
"#,
            sink.port()
        ),
    );
    probe_state_at(&env, "warning");
    notify(&env, "2026-05-24T08:00:00Z");
    wake_row(&env);
    consume(&env);
    // Escalated: a new message, in the same mail thread.
    probe_state(&env, true);
    notify(&env, "2026-05-24T10:00:00Z");
    probe_state(&env, false);
    notify(&env, "2026-05-24T10:20:00Z");

    let mails = sink.messages();
    assert_eq!(mails.len(), 3, "{mails:?}");
    let (first, later) = mails.split_first().unwrap();
    let h = &first["headers"];
    let id = h["Message-ID"].as_str().unwrap();
    assert!(id.starts_with('<') && id.ends_with("@example.com>"), "{id}");
    assert!(h.get("In-Reply-To").is_none(), "{h}");
    let subject = h["Subject"].as_str().unwrap();
    assert_eq!(subject, "[tend] WARNING down: api is warning");
    for mail in later {
        let h = &mail["headers"];
        assert_eq!(h["In-Reply-To"], id, "{h}");
        assert_eq!(h["References"], id, "{h}");
        assert_ne!(h["Message-ID"], id);
    }
    for mail in &later[..later.len() - 1] {
        assert_eq!(mail["headers"]["Subject"], format!("Re: {subject}"));
    }
    let last = &later[later.len() - 1];
    assert_eq!(last["headers"]["Subject"], format!("[RESOLVED] {subject}"));
    assert!(
        later[0]["body"]
            .as_str()
            .unwrap()
            .starts_with("🚨 CRITICAL down: api is critical — escalated from warning"),
        "{later:?}"
    );
    assert!(
        last["body"]
            .as_str()
            .unwrap()
            .starts_with("✅ RESOLVED down: api is critical"),
        "{last}"
    );

    // Slack: the investigation is the parent there, and is edited to show
    // the resolution that went by mail.
    let parent = slack_ts(0);
    assert_eq!(
        thread(&slack),
        vec![
            row("post", &parent, "🚨 Probe alert · api"),
            row(
                "update",
                &parent,
                "✅ Resolved at 2026-05-24T10:20:00.000Z after 2h 30m"
            ),
        ]
    );
    let incident = incident(&env);
    assert_eq!(incident["conversations"]["email"]["parent"], id);
    assert_eq!(incident["conversations"]["slack_dm"]["parent"], parent);
}

#[test]
fn standard_output_starts_each_message_with_the_short_id() {
    let env = TestEnv::new();
    probe_state(&env, true);
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T08:00:00Z")
        .ok();
    let state: Value = serde_json::from_str(&env.read("state/incidents.json")).unwrap();
    let id = state["incidents"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap();
    assert!(
        out.stdout.starts_with(&format!(
            "[{}] 🚨 CRITICAL down: api is critical\n",
            &id[..8]
        )),
        "{}",
        out.stdout
    );
    // With --json, the message's object names the incident.
    let env = TestEnv::new();
    probe_state(&env, true);
    let json = env
        .tend(&["alerts", "notify", "--json"])
        .env("TEND_NOW", "2026-05-24T08:00:00Z")
        .ok();
    let lines = json.json_lines();
    assert_eq!(lines[0]["channel"], "stdout");
    assert_eq!(lines[0]["incident_id"], id.as_str(), "{}", json.stdout);
}

/// State files of an earlier release: an alert notified before incidents
/// were kept, and an incidents file without any conversation. Both are
/// read as they are; nothing is sent again, and the resolution of the alert
/// that was told is told (as the first message of its conversation, since
/// no parent is known).
#[test]
fn older_state_files_are_read_and_nothing_is_sent_again() {
    let slack = FakeServer::start(fakes::slack_threads());
    let env = slack_root(&slack);
    probe_state(&env, true);
    env.write(
        "state/alerts.notified.json",
        json!({"alerts": {"probe:api:down": {
            "severity": "critical", "category": "down", "title": "api is critical",
            "source": "probe", "feed": "probes", "status": "ok",
            "first_seen": "2026-05-24T07:51:00.000Z",
            "last_notified": "2026-05-24T07:51:00.000Z",
            "started_at": "2026-05-24T07:50:00.000Z"}},
               "categories": {"down": {"at": "2026-05-24T07:51:00.000Z", "severity": "critical"}}})
        .to_string(),
    );
    let id = "0b4de8f6-0000-5000-8000-000000000000";
    env.write(
        "state/incidents.json",
        json!({"incidents": {id: {
            "id": id, "alert_id": "probe:db:down", "severity": "warning", "category": "down",
            "title": "db is warning", "summary": "slow", "started_at": "2026-05-24T07:00:00.000Z",
            "opened_at": "2026-05-24T07:01:00.000Z", "messages": 1,
            "first_message_at": "2026-05-24T07:01:00.000Z", "reminders": 0}}})
        .to_string(),
    );
    notify(&env, "2026-05-24T08:00:00Z");
    wake_row(&env);
    env.tend(&["wake", "consume"])
        .env("TEND_NOW", "2026-05-24T08:05:00Z")
        .ok();
    assert_eq!(slack.request_count(), 0, "nothing is sent again");
    let state: Value = serde_json::from_str(&env.read("state/incidents.json")).unwrap();
    assert_eq!(state["incidents"][id]["title"], "db is warning");
    assert_eq!(state["incidents"].as_object().unwrap().len(), 2);

    probe_state(&env, false);
    notify(&env, "2026-05-24T08:20:00Z");
    assert_eq!(
        thread(&slack),
        vec![row(
            "post",
            &slack_ts(0),
            "✅ RESOLVED down: api is critical"
        )]
    );
}

/// An edit Slack refuses is a warning, not a failure of the run, and is
/// not tried again by every later run; the next change of state is.
#[test]
fn a_refused_edit_is_a_warning_not_retried() {
    let slack = FakeServer::start(fakes::slack_threads());
    let env = slack_root(&slack);
    probe_state(&env, true);
    notify(&env, "2026-05-24T08:00:00Z");
    wake_row(&env);
    // The diagnosis goes out; its edit of the parent is refused.
    slack.push(fakes::slack_threads());
    slack.push(fakes::slack_error("cant_update_message"));
    let out = env
        .tend(&["wake", "consume", "--from-start"])
        .env("TEND_NOW", "2026-05-24T08:05:00Z")
        .ok();
    assert!(
        out.stderr
            .contains("could not update the first slack message of incident")
            && out.stderr.contains("slack_cant_update_message"),
        "{}",
        out.stderr
    );
    assert_eq!(slack.request_count(), 3);
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T08:06:00Z")
        .ok();
    assert_eq!(slack.request_count(), 3, "{}", out.stderr);
    assert!(!out.stderr.contains("could not update"), "{}", out.stderr);
    probe_state(&env, false);
    notify(&env, "2026-05-24T08:20:00Z");
    let t = thread(&slack);
    assert_eq!(t.len(), 5);
    assert_eq!(
        t[4],
        row(
            "update",
            &slack_ts(0),
            "✅ Resolved at 2026-05-24T08:20:00.000Z after 30m"
        )
    );
}
