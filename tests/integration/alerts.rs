//! `tend alerts …` end to end: the real binary against files it did not write,
//! a real SMTP server, a fake Slack Web API, and bad input of every kind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::http::{FakeServer, Reply};
use crate::support::smtp::{self, SmtpSink, StalledServer};
use crate::support::{TestEnv, without_short_ids};

// ------------------------------------------------------------------ helpers

/// Writes `state/probes.json` in the shape `probe run` leaves it.
/// Writes `state/probes.json` in the shape `probe run` writes it
/// (`probe::state::ProbesState`), filling the bookkeeping fields a test does
/// not care about.
fn probes(env: &TestEnv, mut probes: Value) {
    for probe in probes.as_object_mut().unwrap().values_mut() {
        let probe = probe.as_object_mut().unwrap();
        let status = probe["status"].clone();
        let ok = status == "ok";
        // probe run's rule: the issue category falls back to the state's name.
        probe.entry("issue_category").or_insert(status);
        let since = probe
            .entry("since")
            .or_insert(json!("2026-05-24T07:50:00Z"))
            .clone();
        probe.entry("last_checked").or_insert(since);
        probe.entry("consecutive").or_insert(json!(1));
        probe
            .entry("consecutive_ok")
            .or_insert(json!(if ok { 1 } else { 0 }));
    }
    env.write(
        "state/probes.json",
        serde_json::to_vec_pretty(&json!({ "probes": probes })).unwrap(),
    );
}

fn api_down() -> Value {
    json!({"api": {"status": "critical", "issue_category": "api_down", "severity": "critical",
                   "summary": "HTTP 503 from /health", "since": "2026-05-24T07:50:00Z",
                   "consecutive": 3}})
}

fn notified(env: &TestEnv) -> Value {
    serde_json::from_str(&env.read("state/alerts.notified.json")).unwrap()
}

fn dispatched(env: &TestEnv) -> Vec<Value> {
    env.audit_kind("notification.dispatched")
        .into_iter()
        .map(|r| r["details"].clone())
        .collect()
}

/// Every file under the root with its bytes.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir(root) {
        files.insert(entry.clone(), std::fs::read(&entry).unwrap());
    }
    files
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn email_config(port: u16, extra: &str) -> String {
    format!(
        r#"
[email]
smtp_host = "127.0.0.1"
smtp_port = {port}
tls = "none"
from = "tend <tend@example.com>"
to = ["ops@example.com", "oncall@example.com"]
timeout = "2s"

[alerts]
route = {{ critical = "email", warning = "email", info = "email" }}
{extra}
"#
    )
}

fn slack_config(server: &FakeServer) -> String {
    format!(
        r#"
[slack]
token_env = "SLACK_BOT_TOKEN"
user_id = "U0123456"
api_base = "{}/api"
timeout = "2s"

[alerts]
route = {{ critical = "slack", warning = "slack", info = "stdout" }}
"#,
        server.url()
    )
}

fn slack_env(server: &FakeServer) -> TestEnv {
    let mut env = TestEnv::new();
    env.write("tend.toml", slack_config(server));
    env.set_env("SLACK_BOT_TOKEN", "xoxb-test-token");
    env
}

// ------------------------------------------------------------------ notify

#[test]
fn first_run_notifies_probe_alerts_and_a_second_run_is_silent() {
    let env = TestEnv::new();
    probes(
        &env,
        json!({
            "api": api_down()["api"],
            "db": {"status": "ok"},
            "disk": {"status": "warning", "issue_category": "disk_full", "summary": "82% used"}
        }),
    );
    let out = env.tend(&["alerts", "notify"]).ok();
    assert!(
        out.stdout.contains("🚨 CRITICAL api_down: api is critical"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("⚠️ WARNING disk_full: disk is warning"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("alerts: 2 notified\n"),
        "{}",
        out.stdout
    );
    let state = notified(&env);
    assert_eq!(state["alerts"]["probe:api:api_down"]["status"], "ok");
    assert_eq!(state["alerts"]["probe:disk:disk_full"]["status"], "ok");
    let mut rows = dispatched(&env);
    assert_eq!(rows.len(), 2);
    let incident = rows[0]["incident_id"].as_str().unwrap().to_string();
    let opened = env.audit_kind("incident.opened");
    assert_eq!(opened.len(), 2);
    assert_eq!(opened[0]["details"]["incident_id"], incident.as_str());
    assert_eq!(opened[0]["details"]["alert_id"], "probe:api:api_down");
    rows[0].as_object_mut().unwrap().remove("incident_id");
    assert_eq!(
        rows[0],
        json!({"channel": "stdout", "ref": "probe:api:api_down", "severity": "critical",
               "category": "api_down", "status": "ok", "action": "notify"})
    );
    let run: Value = serde_json::from_str(&env.read("state/runs/alerts-notify.json")).unwrap();
    assert_eq!(run["outcome"], "ok");

    // Nothing new: nothing printed, no row, the state untouched.
    let before = env.read("state/alerts.notified.json");
    let out = env.tend(&["alerts", "notify"]).ok();
    assert_eq!(out.stdout, "");
    assert_eq!(env.read("state/alerts.notified.json"), before);
    assert_eq!(dispatched(&env).len(), 2);

    // The probe recovers: the alert leaves the state, its incident is
    // resolved, and the resolution is told (design §6a).
    probes(
        &env,
        json!({"api": {"status": "ok"}, "disk": {"status": "warning", "issue_category": "disk_full"}}),
    );
    let out = env.tend(&["alerts", "notify", "-v"]).ok();
    assert!(
        out.stdout.contains("✅ RESOLVED api_down: api is critical"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("resolve   critical probe:api:api_down → stdout: ok"),
        "{}",
        out.stdout
    );
    assert!(notified(&env)["alerts"].get("probe:api:api_down").is_none());
    let resolved = env.audit_kind("incident.resolved");
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["details"]["incident_id"], incident.as_str());
    assert_eq!(
        dispatched(&env).last().unwrap()["incident_id"],
        incident.as_str()
    );
}

#[test]
fn a_sent_message_whose_audit_append_failed_is_recorded_by_the_next_run() {
    let env = TestEnv::new();
    probes(&env, api_down());
    // The segment's place is taken: the append after the send fails.
    let segment = env.path("audit/2026-05-24.jsonl");
    std::fs::create_dir_all(&segment).unwrap();
    let out = env.tend(&["alerts", "notify"]).output();
    assert_eq!(out.code, 74, "{}", out.stderr);
    assert!(
        out.stdout.contains("🚨 CRITICAL api_down: api is critical"),
        "the message went out: {}",
        out.stdout
    );
    assert!(
        out.stderr.contains("audit/2026-05-24.jsonl"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("will not be sent again"),
        "{}",
        out.stderr
    );
    assert_eq!(
        notified(&env)["alerts"]["probe:api:api_down"]["status"],
        "ok"
    );
    let waiting = env.read("state/alerts.notified.json");
    assert!(waiting.contains("\"unrecorded\""), "{waiting}");

    // Fault cleared, and a writer killed mid-row left a torn tail: the next
    // run ends that line, appends the waiting row, and sends nothing again.
    std::fs::remove_dir(&segment).unwrap();
    env.write(
        "audit/2026-05-24.jsonl",
        "{\"id\":\"x1\",\"ts\":\"2026-05-24T07:59:00Z\",\"kind\":\"probe.observed\",\"details\":{}}\n{\"id\":\"x2\",\"ts\":\"2026-",
    );
    let out = env.tend(&["alerts", "notify", "-v"]).ok();
    assert!(
        !out.stdout.contains("CRITICAL"),
        "sent again: {}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("appended 1 audit rows of messages an earlier run sent"),
        "{}",
        out.stderr
    );
    let text = env.read("audit/2026-05-24.jsonl");
    // The incident's opening, kept in its state while the log could not
    // take it, is appended too.
    assert!(text.contains("\"incident.opened\""), "{text}");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("\"incident.opened\""))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[1], "{\"id\":\"x2\",\"ts\":\"2026-",
        "the torn line was ended"
    );
    let row: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(row["kind"], "notification.dispatched");
    assert_eq!(row["details"]["ref"], "probe:api:api_down");
    assert_eq!(row["details"]["status"], "ok");
    assert!(
        notified(&env).get("unrecorded").is_none(),
        "the rows left the state once appended"
    );
    // And a third run has nothing to add.
    let out = env.tend(&["alerts", "notify"]).ok();
    assert_eq!(out.stdout, "");
    assert_eq!(env.read("audit/2026-05-24.jsonl"), text);

    // A kill after the append but before the state let go of the rows: the
    // next run finds them written and adds no second copy.
    env.write("state/alerts.notified.json", &waiting);
    let out = env.tend(&["alerts", "notify", "-v"]).ok();
    assert!(
        !out.stdout.contains("CRITICAL"),
        "sent again: {}",
        out.stdout
    );
    assert!(
        out.stderr.contains("appended 0 audit rows")
            && out.stderr.contains("1 were already written"),
        "{}",
        out.stderr
    );
    assert_eq!(env.read("audit/2026-05-24.jsonl"), text);
    assert!(notified(&env).get("unrecorded").is_none());
}

#[test]
fn send_resolved_announces_the_end() {
    let env = TestEnv::new();
    env.write("tend.toml", "[alerts]\nsend_resolved = true\n");
    probes(&env, api_down());
    env.tend(&["alerts", "notify"]).ok();
    probes(&env, json!({"api": {"status": "ok"}}));
    let out = env.tend(&["alerts", "notify"]).ok();
    assert!(
        without_short_ids(&out.stdout).starts_with("✅ RESOLVED api_down: api is critical"),
        "{}",
        out.stdout
    );
    let rows = dispatched(&env);
    assert_eq!(rows[1]["action"], "resolve");
    assert_eq!(rows[1]["status"], "ok");
}

#[test]
fn json_output_is_one_object_per_decision_then_a_summary() {
    let env = TestEnv::new();
    probes(&env, api_down());
    let out = env.tend(&["alerts", "notify", "--json"]).ok();
    let lines = out.json_lines();
    // The stdout channel's message, the decision, the summary.
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert_eq!(lines[0]["channel"], "stdout");
    assert_eq!(lines[1]["id"], "probe:api:api_down");
    assert_eq!(lines[1]["action"], "notify");
    assert_eq!(lines[1]["status"], "ok");
    assert_eq!(lines[2]["summary"], true);
    assert_eq!(lines[2]["notified"], 1);
}

#[test]
fn alertmanager_webhook_payload_from_a_file_and_v2_array_from_stdin() {
    let env = TestEnv::new();
    let webhook = json!({
        "version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}", "status": "firing",
        "receiver": "tend", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093", "truncatedAlerts": 0,
        "alerts": [
            {"status": "firing",
             "labels": {"alertname": "HighErrorRate", "severity": "critical", "category": "api"},
             "annotations": {"summary": "Error rate above 5% for 10 minutes"},
             "startsAt": "2026-05-24T07:40:00Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "http://prometheus/graph", "fingerprint": "3f2a9c1d0e4b5a67"},
            {"status": "resolved",
             "labels": {"alertname": "Old", "severity": "warning"}, "annotations": {},
             "startsAt": "2026-05-24T06:00:00Z", "endsAt": "2026-05-24T07:00:00Z",
             "fingerprint": "0000000000000001"}
        ]
    });
    let file = env.dir().join("webhook.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&webhook).unwrap()).unwrap();
    let out = env
        .tend(&["alerts", "notify", "--from", file.to_str().unwrap()])
        .ok();
    assert!(
        out.stdout.contains("🚨 CRITICAL api: HighErrorRate"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Summary:  Error rate above 5% for 10 minutes"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("Old"), "{}", out.stdout);
    let state = notified(&env);
    let entry = &state["alerts"]["3f2a9c1d0e4b5a67"];
    assert_eq!(entry["source"], "alertmanager");
    // A webhook payload speaks for its alert group, whatever its file.
    assert_eq!(
        entry["feed"],
        format!(
            "alertmanager-group:{}",
            webhook["groupKey"].as_str().unwrap()
        )
    );

    let v2 = json!([
        {"annotations": {"description": "p99 above 2s"}, "endsAt": "2026-05-24T08:05:00Z",
         "fingerprint": "1111222233334444", "receivers": [{"name": "tend"}],
         "startsAt": "2026-05-24T07:30:00Z",
         "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
         "updatedAt": "2026-05-24T07:59:00Z", "generatorURL": "http://prometheus/graph",
         "labels": {"alertname": "SlowRequests", "severity": "warning"}}
    ]);
    let out = env
        .tend(&["alerts", "notify", "--from", "-"])
        .stdin(v2.to_string())
        .ok();
    assert!(
        out.stdout.contains("⚠️ WARNING SlowRequests"),
        "{}",
        out.stdout
    );
    // The webhook's alert is not resolved by a run that did not read its file.
    assert!(notified(&env)["alerts"].get("3f2a9c1d0e4b5a67").is_some());
    // Reading the file again with the alert gone resolves it.
    let mut empty = webhook.clone();
    empty["alerts"] = json!([]);
    std::fs::write(&file, empty.to_string()).unwrap();
    env.tend(&["alerts", "notify", "--from", file.to_str().unwrap()])
        .ok();
    let state = notified(&env);
    assert!(state["alerts"].get("3f2a9c1d0e4b5a67").is_none());
    assert!(state["alerts"].get("1111222233334444").is_some());
}

#[test]
fn malformed_and_truncated_inputs_exit_2_and_change_nothing() {
    let env = TestEnv::new();
    probes(&env, api_down());
    env.tend(&["alerts", "notify"]).ok();
    probes(
        &env,
        json!({"api": api_down()["api"], "db": {"status": "critical", "issue_category": "db_down"}}),
    );
    let before = snapshot(env.root());

    let good = r#"{"id":"q1","severity":"critical","category":"queue","title":"Queue stuck"}"#;
    let cases: Vec<(String, &str)> = vec![
        (
            "{\"id\": \"q1\", ".into(),
            "byte 13 (line 1, column 14): not valid JSON (EOF while parsing an object)",
        ),
        (
            format!("{good}\n{{\"id\":\"q2\",\"severity\":"),
            "not valid JSON (EOF",
        ),
        (
            format!("{good}\n{{\"id\":\"q2\" \"severity\":\"info\"}}\n"),
            "byte 86 (line 2, column 12)",
        ),
        (
            "<html>502 Bad Gateway</html>".into(),
            "byte 0 (line 1, column 1): the input starts with '<'",
        ),
        (
            "{\"alertname\":\"x\"}".into(),
            "neither `id` (tend alert) nor an `alerts` array",
        ),
        (
            "[{\"id\":\"a\",\"severity\":\"urgent\",\"category\":\"c\"}]".into(),
            "unknown severity \"urgent\"",
        ),
        ("".into(), "the input is empty"),
    ];
    for (input, needle) in &cases {
        let out = env
            .tend(&["alerts", "notify", "--from", "-"])
            .stdin(input.clone())
            .status(2);
        assert!(
            out.stderr.contains("--from -: byte"),
            "{input:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(needle), "{input:?}: {}", out.stderr);
        assert!(out.stderr.contains("expected"), "{input:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "nothing sent for {input:?}");
        assert_eq!(snapshot(env.root()), before, "state changed for {input:?}");
    }
    // One bad input among good ones stops the whole run.
    let good_file = env.dir().join("good.jsonl");
    std::fs::write(&good_file, format!("{good}\n")).unwrap();
    let out = env
        .tend(&[
            "alerts",
            "notify",
            "--from",
            good_file.to_str().unwrap(),
            "--from",
            "-",
        ])
        .stdin("[")
        .status(2);
    assert!(out.stderr.contains("--from -:"), "{}", out.stderr);
    let out = env
        .tend(&["alerts", "notify", "--from", "/nonexistent/alerts.json"])
        .status(2);
    assert!(
        out.stderr.contains("/nonexistent/alerts.json: cannot read"),
        "{}",
        out.stderr
    );
    assert_eq!(snapshot(env.root()), before);
}

#[test]
fn a_corrupt_state_file_is_quarantined_with_exit_74() {
    let env = TestEnv::new();
    probes(&env, api_down());
    env.write("state/alerts.notified.json", "{\"alerts\": {");
    let out = env.tend(&["alerts", "notify"]).status(74);
    assert!(out.stderr.contains("quarantine"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(!env.exists("state/alerts.notified.json"));
}

#[test]
fn a_burst_becomes_one_summary_per_channel() {
    let env = TestEnv::new();
    let lines: String = (0..6)
        .map(|i| {
            format!(
                "{{\"id\":\"a{i}\",\"severity\":\"warning\",\"category\":\"cat{i}\",\"title\":\"Thing {i}\"}}\n"
            )
        })
        .collect();
    let out = env
        .tend(&["alerts", "notify", "--from", "-"])
        .stdin(lines.clone())
        .ok();
    assert!(
        out.stdout.starts_with("⚠️ 6 alerts at once: 6 new"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("more than the burst limit of 5"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("- ⚠️ WARNING cat5: Thing 5 (id a5)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("alerts: 6 notified; burst: 1 summary message(s) instead of 6"),
        "{}",
        out.stdout
    );
    let rows = dispatched(&env);
    assert_eq!(rows.len(), 6);
    assert!(
        rows.iter()
            .all(|r| r["burst"] == true && r["status"] == "ok")
    );

    // At the limit: one message each.
    let env = TestEnv::new();
    let five: String = lines.lines().take(5).map(|l| format!("{l}\n")).collect();
    let out = env
        .tend(&["alerts", "notify", "--from", "-"])
        .stdin(five)
        .ok();
    assert_eq!(
        out.stdout.matches("⚠️ WARNING").count(),
        5,
        "{}",
        out.stdout
    );
}

#[test]
fn an_id_listed_twice_is_one_alert_and_the_copy_dropped_is_named() {
    let env = TestEnv::new();
    let a = |severity: &str, title: &str| {
        format!(
            "{{\"id\":\"dup\",\"severity\":\"{severity}\",\"category\":\"disk\",\"title\":\"{title}\"}}\n"
        )
    };
    let file = env.write("other.jsonl", a("critical", "Disk full"));
    let out = env
        .tend(&[
            "alerts",
            "notify",
            "--from",
            "-",
            "--from",
            file.to_str().unwrap(),
        ])
        .stdin(a("warning", "Disk filling") + &a("warning", "Disk filling"))
        .ok();
    assert_eq!(
        out.stdout.matches("Alert id: dup").count(),
        1,
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("CRITICAL disk: Disk full"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("alerts: 1 notified"), "{}", out.stdout);
    // The identical copy on stdin is merged silently; the other is named.
    assert_eq!(
        out.stderr.matches("listed twice").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("kept critical disk \"Disk full\" from from:")
            && out
                .stderr
                .contains("dropped warning disk \"Disk filling\" from from:-"),
        "{}",
        out.stderr
    );
    assert_eq!(notified(&env)["alerts"]["dup"]["severity"], "critical");
}

#[test]
fn cooldown_suppresses_a_second_alert_of_the_category() {
    let env = TestEnv::new();
    probes(&env, api_down());
    env.tend(&["alerts", "notify"]).ok();
    probes(
        &env,
        json!({"api": api_down()["api"],
               "api2": {"status": "critical", "issue_category": "api_down", "summary": "also down"}}),
    );
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T08:10:00Z")
        .ok();
    assert_eq!(out.stdout, "alerts: 1 suppressed (cooldown)\n");
    assert_eq!(
        notified(&env)["alerts"]["probe:api2:api_down"]["status"],
        "suppressed"
    );
    let rows = dispatched(&env);
    assert_eq!(rows.last().unwrap()["status"], "suppressed");
    assert_eq!(rows.last().unwrap()["ref"], "probe:api2:api_down");
    // Inside the cooldown: nothing new.
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T08:29:59Z")
        .ok();
    assert_eq!(out.stdout, "");
    // The cooldown over and api2 still firing: notified then.
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T08:30:00Z")
        .ok();
    assert!(
        out.stdout
            .contains("held back by the api_down cooldown, still firing"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("alerts: 1 notified\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        notified(&env)["alerts"]["probe:api2:api_down"]["status"],
        "ok"
    );
    let rows = dispatched(&env);
    assert_eq!(rows.last().unwrap()["status"], "ok");
    assert_eq!(rows.last().unwrap()["ref"], "probe:api2:api_down");
}

/// Two probes without a `category` of their own go critical 5 minutes
/// apart: each is its own alert and its own cooldown group, so the second,
/// unrelated outage is told, not held back by the first (design §6).
#[test]
fn probes_without_a_category_are_not_held_back_by_each_other() {
    let env = TestEnv::new();
    probes(
        &env,
        json!({"postgres": {"status": "critical", "summary": "connection refused"}}),
    );
    env.tend(&["alerts", "notify"]).ok();
    probes(
        &env,
        json!({"postgres": {"status": "critical", "summary": "connection refused"},
               "redis": {"status": "critical", "summary": "no PONG", "since": "2026-05-24T07:55:00Z"}}),
    );
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T08:05:00Z")
        .ok();
    assert!(out.stdout.contains("redis is critical"), "{}", out.stdout);
    assert!(
        out.stdout.ends_with("alerts: 1 notified\n"),
        "{}",
        out.stdout
    );
    let rows = dispatched(&env);
    let statuses: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["ref"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("probe:postgres:critical", "ok"),
            ("probe:redis:critical", "ok")
        ]
    );
}

#[test]
fn reminders_follow_the_repeat_interval() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[alerts]\nrepeat_interval = { critical = \"1h\" }\n",
    );
    probes(&env, api_down());
    env.tend(&["alerts", "notify"]).ok();
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T08:59:59Z")
        .ok();
    assert_eq!(out.stdout, "");
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T09:00:00Z")
        .ok();
    assert!(
        without_short_ids(&out.stdout)
            .starts_with("🚨 Still firing: CRITICAL api_down: api is critical (reminder 1)"),
        "{}",
        out.stdout
    );
    assert_eq!(dispatched(&env).last().unwrap()["action"], "remind");
}

#[test]
fn dry_run_prints_what_would_be_sent_and_changes_nothing() {
    let env = TestEnv::new();
    probes(&env, api_down());
    let before = snapshot(env.root());
    let out = env.tend(&["alerts", "notify", "--dry-run"]).ok();
    assert!(
        out.stdout
            .starts_with("would send via stdout:\n🚨 CRITICAL api_down"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("alerts (dry run): 1 notified\n"),
        "{}",
        out.stdout
    );
    assert_eq!(snapshot(env.root()), before);
    // With --json the output stays JSON Lines.
    let out = env.tend(&["alerts", "notify", "--dry-run", "--json"]).ok();
    let lines = out.json_lines();
    assert_eq!(lines[0]["would_send"], true);
    assert_eq!(
        lines[0]["subject"],
        "[tend] CRITICAL api_down: api is critical"
    );
    assert_eq!(lines[1]["status"], "would send");
    assert_eq!(lines[2]["summary"], true);
    assert_eq!(snapshot(env.root()), before);
}

#[test]
fn the_lock_is_taken() {
    let env = TestEnv::new();
    probes(&env, api_down());
    let lock = env.path("locks/alerts-notify.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .unwrap();
    file.lock().unwrap();
    let out = env.tend(&["alerts", "notify"]).status(75);
    assert!(out.stderr.contains("alerts notify"), "{}", out.stderr);
    assert!(!env.exists("state/alerts.notified.json"));
}

// ------------------------------------------------------------------ email

#[test]
fn email_arrives_with_headers_and_a_plain_text_body() {
    let sink = SmtpSink::start();
    let env = TestEnv::new();
    env.write("tend.toml", email_config(sink.port(), ""));
    probes(&env, api_down());
    let out = env.tend(&["alerts", "notify"]).ok();
    assert_eq!(out.stdout, "alerts: 1 notified\n");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["mail_from"], "tend@example.com");
    assert_eq!(
        m["rcpt_tos"],
        json!(["ops@example.com", "oncall@example.com"])
    );
    assert_eq!(m["login"], Value::Null);
    let h = &m["headers"];
    assert_eq!(h["From"], "tend <tend@example.com>");
    assert_eq!(h["To"], "ops@example.com, oncall@example.com");
    assert_eq!(h["Subject"], "[tend] CRITICAL api_down: api is critical");
    assert!(h["Date"].as_str().unwrap().contains(" +0000"), "{h}");
    let id = h["Message-ID"].as_str().unwrap();
    assert!(
        id.starts_with('<') && id.ends_with('>') && id.contains('@'),
        "{id}"
    );
    assert!(
        h["Content-Type"]
            .as_str()
            .unwrap()
            .starts_with("text/plain"),
        "{h}"
    );
    let body = m["body"].as_str().unwrap();
    for line in [
        "Title:    api is critical",
        "Summary:  HTTP 503 from /health",
        "Severity: critical",
        "Category: api_down",
        "Started:  2026-05-24T07:50:00.000Z (10m ago)",
        "Source:   probe",
        "Alert id: probe:api:api_down",
    ] {
        assert!(body.contains(line), "{line:?} not in {body}");
    }
    assert_eq!(dispatched(&env)[0]["channel"], "email");
    assert_eq!(dispatched(&env)[0]["status"], "ok");
}

#[test]
fn email_authenticates_with_the_configured_secrets() {
    let sink = SmtpSink::start();
    let mut env = TestEnv::new();
    env.write(
        "tend.toml",
        email_config(sink.port(), "").replace(
            "timeout = \"2s\"",
            "timeout = \"2s\"\nusername_env = \"SMTP_USER\"\npassword_env = \"SMTP_PASSWORD\"",
        ),
    );
    env.set_env("SMTP_USER", smtp::USER);
    env.set_env("SMTP_PASSWORD", smtp::PASSWORD);
    probes(&env, api_down());
    env.tend(&["alerts", "notify"]).ok();
    assert_eq!(sink.messages()[0]["login"], smtp::USER);

    // A wrong password is the server's 535, recorded as such.
    env.set_env("SMTP_PASSWORD", "wrong");
    probes(
        &env,
        json!({"db": {"status": "critical", "issue_category": "db_down"}}),
    );
    let out = env.tend(&["alerts", "notify"]).status(1);
    assert!(
        !out.stderr.contains("wrong"),
        "the secret leaked: {}",
        out.stderr
    );
    assert_eq!(dispatched(&env).last().unwrap()["error"], "smtp_535");
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn email_to_a_refused_port_or_a_stalled_server_fails_soft() {
    let stalled = StalledServer::start();
    for (port, error) in [(smtp::free_port(), "connect"), (stalled.port(), "timeout")] {
        let env = TestEnv::new();
        env.write(
            "tend.toml",
            email_config(port, "").replace("\"2s\"", "\"1s\""),
        );
        probes(&env, api_down());
        let out = env.tend(&["alerts", "notify"]).status(1);
        assert!(
            out.stderr
                .contains(&format!("email message not sent ({error}:")),
            "{}",
            out.stderr
        );
        assert!(out.stdout.contains("1 message(s) failed"), "{}", out.stdout);
        let rows = dispatched(&env);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0]["status"].as_str(), rows[0]["error"].as_str()),
            (Some("failed"), Some(error))
        );
        // Marked notified: the next run does not retry (no storm).
        assert_eq!(
            notified(&env)["alerts"]["probe:api:api_down"]["status"],
            "failed"
        );
        let out = env.tend(&["alerts", "notify"]).ok();
        assert_eq!(out.stdout, "");
        assert_eq!(dispatched(&env).len(), 1);
        let run: Value = serde_json::from_str(&env.read("state/runs/alerts-notify.json")).unwrap();
        assert_eq!(run["outcome"], "ok");
    }
    assert!(stalled.connections() >= 1);
}

#[test]
fn starttls_is_required_when_configured() {
    let sink = SmtpSink::start();
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        email_config(sink.port(), "").replace("tls = \"none\"", "tls = \"starttls\""),
    );
    probes(&env, api_down());
    env.tend(&["alerts", "notify"]).status(1);
    assert_eq!(dispatched(&env)[0]["error"], "starttls_unavailable");
    assert!(
        sink.messages().is_empty(),
        "nothing may go out in clear text"
    );
}

// ------------------------------------------------------------------ slack

#[test]
fn slack_outcomes_are_recorded_and_never_retried_by_the_next_run() {
    let cases: Vec<(Vec<Reply>, Option<&str>)> = vec![
        (
            vec![Reply::json(
                200,
                json!({"ok": true, "ts": "1716537600.000100"}),
            )],
            None,
        ),
        (
            vec![Reply::json(
                200,
                json!({"ok": false, "error": "channel_not_found"}),
            )],
            Some("slack_channel_not_found"),
        ),
        (
            vec![
                Reply::json(429, json!({"ok": false, "error": "ratelimited"}))
                    .header("Retry-After", "30"),
            ],
            Some("rate_limited"),
        ),
        (vec![Reply::text(500, "oops")], Some("http_500")),
        (
            vec![Reply::json(200, json!({"ok": true})).delayed(std::time::Duration::from_secs(4))],
            Some("timeout"),
        ),
    ];
    for (replies, error) in cases {
        let server = FakeServer::start(Reply::json(500, json!({"unexpected": true})));
        for r in replies {
            server.push(r);
        }
        let env = slack_env(&server);
        probes(&env, api_down());
        let out = env.tend(&["alerts", "notify"]).output();
        assert_eq!(
            out.code,
            if error.is_some() { 1 } else { 0 },
            "{error:?}: {}",
            out.stderr
        );
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "{error:?}");
        let body = requests[0].json();
        assert_eq!(body["channel"], "U0123456");
        assert!(
            body["text"]
                .as_str()
                .unwrap()
                .starts_with("🚨 CRITICAL api_down")
        );
        assert_eq!(
            requests[0].header("Authorization"),
            Some("Bearer xoxb-test-token")
        );
        let row = &dispatched(&env)[0];
        assert_eq!(row["channel"], "slack_dm");
        match error {
            None => assert_eq!(row["status"], "ok"),
            Some(kind) => {
                assert_eq!(
                    (row["status"].as_str(), row["error"].as_str()),
                    (Some("failed"), Some(kind))
                );
                assert!(!out.stderr.contains("xoxb"), "{}", out.stderr);
            }
        }
        // The next run sends nothing whatever happened.
        env.tend(&["alerts", "notify"]).ok();
        assert_eq!(server.request_count(), 1, "{error:?}");
    }
}

#[test]
fn warnings_routed_to_a_webhook() {
    let server = FakeServer::start(Reply::text(200, "ok"));
    server.push(Reply::text(500, "down"));
    let mut env = TestEnv::new();
    env.write(
        "tend.toml",
        "[webhook]\nurl_env = \"HOOK\"\ntimeout = \"2s\"\n\n[alerts]\nroute = { critical = \"stdout\", warning = \"webhook\", info = \"stdout\" }\n",
    );
    env.set_env("HOOK", &format!("{}/hooks/T000/B000/secret", server.url()));
    probes(
        &env,
        json!({"disk": {"status": "warning", "issue_category": "disk_full", "summary": "91%"}}),
    );
    // A failure is shown even with -q (cron mails only what is printed).
    let out = env.tend(&["alerts", "notify", "-q"]).status(1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("tend: error: webhook message not sent (http_500:"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("secret"),
        "the URL leaked: {}",
        out.stderr
    );
    probes(
        &env,
        json!({"disk2": {"status": "warning", "issue_category": "disk_slow"}}),
    );
    env.tend(&["alerts", "notify"]).ok();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].path, "/hooks/T000/B000/secret");
    assert!(
        requests[1].json()["text"]
            .as_str()
            .unwrap()
            .starts_with("⚠️ WARNING disk_slow")
    );
    let rows = dispatched(&env);
    assert_eq!(rows[0]["error"], "http_500");
    assert_eq!(
        (rows[1]["channel"].as_str(), rows[1]["status"].as_str()),
        (Some("webhook"), Some("ok"))
    );
}

// ------------------------------------------------------------------ silences

#[test]
fn silence_add_list_expire_and_the_alert_it_held() {
    let env = TestEnv::new();
    probes(&env, api_down());
    let out = env
        .tend(&[
            "alerts",
            "silence",
            "add",
            "--match",
            "category=api_down",
            "--match",
            "severity=critical",
            "--for",
            "2h",
            "--reason",
            "deploy",
            "--by",
            "alice",
        ])
        .ok();
    let id = out.stdout.split(':').next().unwrap().to_string();
    assert!(id.starts_with("s-") && id.len() == 14, "{}", out.stdout);
    assert!(
        out.stdout.contains("silences category=api_down severity=critical until 2026-05-24T10:00:00.000Z (2h) — deploy"),
        "{}",
        out.stdout
    );
    let silence: Value =
        serde_json::from_str(&env.read(&format!("silences/active/{id}.json"))).unwrap();
    assert_eq!(silence["created_by"], "alice");

    let out = env.tend(&["alerts", "notify"]).ok();
    assert_eq!(out.stdout, "alerts: 1 silenced\n");
    assert_eq!(
        notified(&env)["alerts"]["probe:api:api_down"]["status"],
        "silenced"
    );
    let row = &dispatched(&env)[0];
    assert_eq!(
        (row["status"].as_str(), row["silence_id"].as_str()),
        (Some("silenced"), Some(id.as_str()))
    );
    assert_eq!(env.tend(&["alerts", "notify"]).ok().stdout, "");

    let out = env.tend(&["alerts", "silence", "list"]).ok();
    assert!(out.stdout.contains(&format!("{id}  category=api_down severity=critical  active until 2026-05-24T10:00:00.000Z (2h00m left)  by alice: deploy")), "{}", out.stdout);
    let out = env.tend(&["alerts", "list"]).ok();
    assert!(out.stdout.contains("silenced"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("[silence {id}]")),
        "{}",
        out.stdout
    );

    // Expired by hand: the alert still firing is notified on the next run.
    let out = env
        .tend(&["alerts", "silence", "expire", &id, "--by", "bob"])
        .ok();
    assert!(out.stdout.contains("expired"), "{}", out.stdout);
    assert!(env.exists(&format!("silences/expired/{id}.json")));
    assert!(!env.exists(&format!("silences/active/{id}.json")));
    let out = env.tend(&["alerts", "silence", "expire", &id]).ok();
    assert!(
        out.stdout
            .contains("already expired 2026-05-24T08:00:00.000Z by bob"),
        "{}",
        out.stdout
    );
    let out = env.tend(&["alerts", "notify"]).ok();
    assert!(
        out.stdout
            .contains("its silence ended and it is still firing"),
        "{}",
        out.stdout
    );
    assert_eq!(
        notified(&env)["alerts"]["probe:api:api_down"]["status"],
        "ok"
    );
    let out = env
        .tend(&["alerts", "silence", "list", "--all", "--json"])
        .ok();
    let lines = out.json_lines();
    assert_eq!(lines[0]["expired_by"], "bob");
    assert_eq!(lines[1]["summary"], true);

    let out = env
        .tend(&["alerts", "silence", "expire", "s-000000000000"])
        .status(2);
    assert!(out.stderr.contains("no silence"), "{}", out.stderr);
    env.tend(&["alerts", "silence", "expire", "../x"]).status(2);
    for bad in [
        vec!["--match", "host=a", "--for", "1h", "--reason", "x"],
        vec!["--match", "id=a", "--for", "soon", "--reason", "x"],
        vec!["--match", "id=a", "--for", "0s", "--reason", "x"],
        vec!["--match", "id=a", "--for", "1h", "--reason", " "],
        vec!["--for", "1h", "--reason", "x"],
    ] {
        let mut args = vec!["alerts", "silence", "add"];
        args.extend(bad.iter().copied());
        env.tend(&args).status(2);
    }
}

#[test]
fn an_alert_still_firing_when_its_silence_ends_is_notified_then() {
    let env = TestEnv::new();
    probes(&env, api_down());
    env.tend(&[
        "alerts",
        "silence",
        "add",
        "--match",
        "id=probe:api:api_down",
        "--for",
        "1h",
        "--reason",
        "maintenance",
    ])
    .ok();
    env.tend(&["alerts", "notify"]).ok();
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T08:59:59Z")
        .ok();
    assert_eq!(out.stdout, "");
    let out = env
        .tend(&["alerts", "notify"])
        .env("TEND_NOW", "2026-05-24T09:00:00Z")
        .ok();
    assert!(
        out.stdout.contains("(silence ended") || out.stdout.contains("its silence ended"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .ends_with("alerts: 1 notified, 1 silences ended\n"),
        "{}",
        out.stdout
    );
    assert_eq!(walkdir(&env.path("silences/active")).len(), 0);
    assert_eq!(walkdir(&env.path("silences/expired")).len(), 1);
}

// ------------------------------------------------------------------ digest

#[test]
fn the_digest_is_sent_once_and_kept_while_smtp_is_down() {
    let down = smtp::free_port();
    let env = TestEnv::new();
    let config = |port: u16| {
        email_config(port, "info_mode = \"digest\"")
            .replace("critical = \"email\"", "critical = \"stdout\"")
    };
    env.write("tend.toml", config(down));
    probes(
        &env,
        json!({"cert": {"status": "warning", "issue_category": "cert_expiry", "severity": "info", "summary": "expires in 20 days"},
               "backup": {"status": "warning", "issue_category": "backup_late", "severity": "info", "summary": "last backup 26h ago"}}),
    );
    let out = env.tend(&["alerts", "notify"]).ok();
    assert_eq!(out.stdout, "alerts: 2 queued for the digest\n");
    assert!(dispatched(&env).is_empty());
    let queue = env.read("state/alerts.digest.jsonl");
    assert_eq!(queue.lines().count(), 2);

    // SMTP down: nothing lost, exit 1.
    let out = env.tend(&["alerts", "digest"]).status(1);
    assert!(
        out.stderr.contains("digest not sent (connect:"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("stay queued"), "{}", out.stderr);
    assert_eq!(env.read("state/alerts.digest.jsonl"), queue);
    assert!(
        dispatched(&env)
            .iter()
            .all(|r| r["status"] == "failed" && r["digest"] == true)
    );

    // Up: one email with both, then an empty queue.
    let sink = SmtpSink::start();
    env.write("tend.toml", config(sink.port()));
    let out = env.tend(&["alerts", "digest"]).ok();
    assert_eq!(out.stdout, "digest: sent 2 info alerts via email\n");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0]["headers"]["Subject"],
        "[tend] digest: 2 info alerts"
    );
    let body = messages[0]["body"].as_str().unwrap();
    assert!(
        body.contains("- backup_late: backup is warning — last backup 26h ago"),
        "{body}"
    );
    assert!(
        body.contains("- cert_expiry: cert is warning — expires in 20 days"),
        "{body}"
    );
    assert_eq!(env.read("state/alerts.digest.jsonl"), "");
    let ok: Vec<Value> = dispatched(&env)
        .into_iter()
        .filter(|r| r["status"] == "ok")
        .collect();
    assert_eq!(ok.len(), 2);

    // Nothing queued: nothing sent, nothing printed.
    let out = env.tend(&["alerts", "digest"]).ok();
    assert_eq!(out.stdout, "");
    assert_eq!(sink.messages().len(), 1);
    // The queued alerts are not queued again while they fire.
    assert_eq!(env.tend(&["alerts", "notify"]).ok().stdout, "");
    assert_eq!(env.read("state/alerts.digest.jsonl"), "");
}

// ------------------------------------------------------------------ test, list

#[test]
fn alerts_test_reports_success_or_the_exact_failure() {
    let env = TestEnv::new();
    let out = env.tend(&["alerts", "test"]).ok();
    assert!(
        out.stdout
            .starts_with("🧪 TEST from tend — this is not an alert"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("test message sent via stdout\n"),
        "{}",
        out.stdout
    );

    let server = FakeServer::start(Reply::json(
        200,
        json!({"ok": false, "error": "channel_not_found"}),
    ));
    let env = slack_env(&server);
    let out = env
        .tend(&["alerts", "test", "--channel", "slack"])
        .status(1);
    assert!(
        out.stderr.contains("test message not sent: slack: chat.postMessage answered ok:false, error \"channel_not_found\" (slack_channel_not_found)"),
        "{}",
        out.stderr
    );
    assert!(
        server.requests()[0].json()["text"]
            .as_str()
            .unwrap()
            .contains("TEST")
    );
    let row = &dispatched(&env)[0];
    assert_eq!(
        (row["ref"].as_str(), row["status"].as_str()),
        (Some("test"), Some("failed"))
    );
    // Email is not configured here: the failure says so.
    let out = env
        .tend(&["alerts", "test", "--channel", "email"])
        .status(1);
    assert!(
        out.stderr.contains("email is not configured"),
        "{}",
        out.stderr
    );

    let sink = SmtpSink::start();
    let env = TestEnv::new();
    env.write("tend.toml", email_config(sink.port(), ""));
    let out = env.tend(&["alerts", "test", "--channel", "email"]).ok();
    assert!(
        out.stdout.starts_with("test message sent via email"),
        "{}",
        out.stdout
    );
    let m = &sink.messages()[0];
    assert_eq!(
        m["headers"]["Subject"],
        "[tend] TEST message — not an alert"
    );
    assert!(
        m["body"]
            .as_str()
            .unwrap()
            .contains("sent by `tend alerts test`")
    );
}

#[test]
fn list_shows_new_notified_and_resolved_alerts_for_jq() {
    let env = TestEnv::new();
    assert_eq!(env.tend(&["alerts", "list"]).ok().stdout, "no alerts\n");
    probes(&env, api_down());
    env.tend(&["alerts", "notify"]).ok();
    probes(
        &env,
        json!({"api": {"status": "ok"}, "db": {"status": "critical", "issue_category": "db_down"}}),
    );
    let out = env.tend(&["alerts", "list", "--json"]).ok();
    let lines = out.json_lines();
    let by_id: BTreeMap<String, &Value> = lines
        .iter()
        .filter(|l| l.get("id").is_some())
        .map(|l| (l["id"].as_str().unwrap().to_string(), l))
        .collect();
    assert_eq!(by_id["probe:db:db_down"]["status"], "new");
    assert_eq!(by_id["probe:db:db_down"]["firing"], true);
    assert_eq!(by_id["probe:api:api_down"]["status"], "resolved");
    assert_eq!(
        by_id["probe:api:api_down"]["last_notified"],
        "2026-05-24T08:00:00.000Z"
    );
    assert_eq!(lines.last().unwrap()["summary"], true);
    let out = env.tend(&["alerts", "list"]).ok();
    assert!(out.stdout.starts_with("STATUS"), "{}", out.stdout);
}

#[test]
fn status_shows_active_alerts() {
    let env = TestEnv::new();
    probes(&env, api_down());
    env.tend(&["alerts", "notify"]).ok();
    let out = env.tend(&["status"]).ok();
    assert!(
        out.stdout.contains("alerts: 1 recorded (1 notified)"),
        "{}",
        out.stdout
    );
}

#[test]
fn kill_9_at_any_instant_leaves_a_root_the_next_run_completes() {
    // 200 alerts in 20 categories: cooldown rows, a burst message, state saves.
    let lines: String = (0..200)
        .map(|i| {
            format!(
                "{{\"id\":\"a{i}\",\"severity\":\"critical\",\"category\":\"c{}\"}}\n",
                i % 20
            )
        })
        .collect();
    for attempt in 0..8u64 {
        let env = TestEnv::new();
        let input = env.dir().join("alerts.jsonl");
        std::fs::write(&input, &lines).unwrap();
        let mut command = env
            .tend(&["alerts", "notify", "--from", input.to_str().unwrap()])
            .into_command();
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = command.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(attempt * 2));
        let _ = child.kill();
        let _ = child.wait();
        // The next run finishes the job: every alert recorded, the state readable.
        env.tend(&["alerts", "notify", "--from", input.to_str().unwrap()])
            .ok();
        let state = notified(&env);
        assert_eq!(
            state["alerts"].as_object().unwrap().len(),
            200,
            "attempt {attempt}"
        );
        for row in env.audit_rows() {
            let kind = row["kind"].as_str().unwrap();
            assert!(
                kind == "notification.dispatched" || kind == "incident.opened",
                "{kind}"
            );
        }
        assert_eq!(
            env.tend(&["alerts", "notify", "--from", input.to_str().unwrap()])
                .ok()
                .stdout,
            ""
        );
    }
}

// ------------------------------------------------------------------ stdout failures

/// Runs `run` with standard output going to `stdout` (`/dev/full`, a pipe
/// whose reader is gone): (exit code, standard error).
fn run_with_stdout(run: crate::support::Run, stdout: std::process::Stdio) -> (i32, String) {
    let mut command = run.into_command();
    let out = command
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("spawn tend");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn dev_full() -> std::process::Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
        .into()
}

/// A pipe whose reading end is already closed: every write is EPIPE.
fn closed_pipe() -> std::process::Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    writer.into()
}

#[test]
fn a_notify_whose_stdout_fails_records_failed_sends_not_ok() {
    for (label, stdout) in [
        ("/dev/full", dev_full as fn() -> std::process::Stdio),
        ("closed pipe", closed_pipe),
    ] {
        let env = TestEnv::new();
        probes(&env, api_down());
        let (code, stderr) = run_with_stdout(env.tend(&["alerts", "notify"]), stdout());
        assert_eq!(code, 1, "{label}: {stderr}");
        assert!(
            stderr.contains("stdout message not sent"),
            "{label}: {stderr}"
        );
        let state = notified(&env);
        assert_eq!(
            state["alerts"]["probe:api:api_down"]["status"], "failed",
            "{label}: {state}"
        );
        let rows = dispatched(&env);
        assert_eq!(rows.len(), 1, "{label}");
        assert_eq!(rows[0]["status"], "failed", "{label}");
        assert!(rows[0]["error"].is_string(), "{label}: {}", rows[0]);
    }
}

#[test]
fn a_digest_whose_stdout_fails_keeps_its_queue() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[alerts]\ninfo_mode = \"digest\"\nroute = { critical = \"stdout\", warning = \"stdout\", info = \"stdout\" }\n",
    );
    probes(
        &env,
        json!({"cert": {"status": "warning", "issue_category": "cert_expiry", "severity": "info", "summary": "expires in 20 days"},
               "backup": {"status": "warning", "issue_category": "backup_late", "severity": "info", "summary": "last backup 26h ago"},
               "dns": {"status": "warning", "issue_category": "dns_slow", "severity": "info", "summary": "resolver 900 ms"}}),
    );
    env.tend(&["alerts", "notify"]).ok();
    let queue = env.read("state/alerts.digest.jsonl");
    assert_eq!(queue.lines().count(), 3);

    for stdout in [dev_full(), closed_pipe()] {
        let (code, stderr) = run_with_stdout(env.tend(&["alerts", "digest"]), stdout);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("stay queued"), "{stderr}");
        assert_eq!(env.read("state/alerts.digest.jsonl"), queue);
    }
    let rows = dispatched(&env);
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r["status"] == "failed"), "{rows:?}");

    // A working stdout sends all three and empties the queue.
    let out = env.tend(&["alerts", "digest"]).ok();
    assert!(
        out.stdout.contains("digest: sent 3 info alerts via stdout"),
        "{}",
        out.stdout
    );
    assert_eq!(env.read("state/alerts.digest.jsonl"), "");
}

#[test]
fn a_probe_state_of_the_wrong_shape_is_quarantined_not_guessed_at() {
    // alerts reads state/probes.json through probe's typed API: a file that is
    // not the shape `probe run` writes is quarantined like unparseable JSON,
    // and nothing is sent or recorded.
    let env = TestEnv::new();
    env.write(
        "state/probes.json",
        r#"{"probes": {"api": {"status": "WARNING"}}}"#,
    );
    let out = env.tend(&["alerts", "notify"]).status(74);
    assert!(out.stderr.contains("probes.json"), "{}", out.stderr);
    assert!(!env.exists("state/probes.json"));
    assert!(!env.exists("state/alerts.notified.json"));
    assert!(dispatched(&env).is_empty());
    env.tend(&["alerts", "notify"]).ok();
}

// ------------------------------------------------------------------ Alertmanager groups

/// A webhook payload as Alertmanager 0.25 POSTs it for one alert group.
fn am_payload(group: &str, truncated: u64, alerts: &[(&str, &str, &str)]) -> String {
    let alerts: Vec<Value> = alerts
        .iter()
        .map(|(fingerprint, name, status)| {
            let ends = if *status == "resolved" {
                "2026-05-24T07:59:00Z"
            } else {
                "0001-01-01T00:00:00Z"
            };
            json!({
                "status": status,
                "labels": {"alertname": name, "severity": "critical", "instance": format!("{fingerprint}:9100"), "job": "node"},
                "annotations": {"summary": format!("{name} on {fingerprint}")},
                "startsAt": "2026-05-24T07:40:00.123456789Z",
                "endsAt": ends,
                "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
                "fingerprint": fingerprint,
            })
        })
        .collect();
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{group}\"}}"),
        "truncatedAlerts": truncated,
        "status": "firing",
        "receiver": "tend",
        "groupLabels": {"alertname": group},
        "commonLabels": {"alertname": group, "job": "node"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    })
    .to_string()
}

#[test]
fn alertmanager_payloads_speak_only_for_their_group() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[alerts]\ncooldown = \"0s\"\nburst_limit = 20\nsend_resolved = false\n",
    );
    let ids = |env: &TestEnv| -> Vec<String> {
        notified(env)["alerts"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let c1: Vec<(&str, &str, &str)> = (1..=6)
        .map(|i| {
            let f: &'static str = Box::leak(format!("c1a{i}").into_boxed_str());
            (f, "NodeDown", "firing")
        })
        .collect();
    let file1 = env.write("c1.json", am_payload("NodeDown", 0, &c1));
    let file2 = env.write(
        "c2.json",
        am_payload("DiskFull", 0, &[("c2a1", "DiskFull", "firing")]),
    );
    env.tend(&["alerts", "notify", "--from", file1.to_str().unwrap()])
        .ok();
    env.tend(&["alerts", "notify", "--from", file2.to_str().unwrap()])
        .ok();
    // c2's payload does not resolve c1's six alerts.
    assert_eq!(ids(&env).len(), 7, "{:?}", ids(&env));

    // A truncated payload of c1 listing two of them resolves nothing by absence.
    let truncated = env.write(
        "c1-truncated.json",
        am_payload(
            "NodeDown",
            4,
            &[
                ("c1a1", "NodeDown", "firing"),
                ("c1a2", "NodeDown", "firing"),
            ],
        ),
    );
    let out = env
        .tend(&["alerts", "notify", "--from", truncated.to_str().unwrap()])
        .ok();
    assert_eq!(out.stdout, "");
    assert_eq!(ids(&env).len(), 7);

    // c1 again, in another file, with one alert resolved: that one goes.
    let mut resolved = c1.clone();
    resolved[2].2 = "resolved";
    let again = env.write("c1-again.json", am_payload("NodeDown", 0, &resolved));
    let out = env
        .tend(&["alerts", "notify", "-v", "--from", again.to_str().unwrap()])
        .ok();
    assert!(out.stdout.contains("c1a3: resolved"), "{}", out.stdout);
    assert_eq!(ids(&env).len(), 6);

    // An explicit resolution in an input that never reported the alert.
    let elsewhere = env.write(
        "c2-late.json",
        am_payload("DiskFull", 1, &[("c1a4", "NodeDown", "resolved")]),
    );
    let out = env
        .tend(&[
            "alerts",
            "notify",
            "-v",
            "--from",
            elsewhere.to_str().unwrap(),
        ])
        .ok();
    assert!(out.stdout.contains("c1a4: resolved"), "{}", out.stdout);
    let left = ids(&env);
    assert_eq!(left, ["c1a1", "c1a2", "c1a5", "c1a6", "c2a1"]);
}
