//! No message more than twice (design §5 step 4, §6), driven deterministically:
//! a Slack that never answers holds the run inside its send, and the test
//! kills it there once the request has arrived. Two such kills: the third run
//! gives the message up (reported, exit 1) instead of sending it a third
//! time. One such kill: the next clean run sends it exactly once more.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::wake::slack_env;
use crate::support::TestEnv;
use crate::support::fakes;
use crate::support::http::{FakeServer, Reply};

const JOURNAL: &str = "state/delivery.attempts.jsonl";

/// A Slack that holds every request far longer than any test waits.
fn stalled() -> Reply {
    fakes::slack_ok().delayed(Duration::from_secs(120))
}

/// Runs `args`, waits until `slack` has received one more request (the run
/// is then inside its send, its attempt recorded), and kills it with SIGKILL.
fn kill_inside_send(env: &TestEnv, args: &[&str], slack: &FakeServer) {
    let before = slack.request_count();
    let mut command = env.tend(args).into_command();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("spawn tend");
    let deadline = Instant::now() + Duration::from_secs(60);
    while slack.request_count() == before {
        if let Some(status) = child.try_wait().expect("poll tend") {
            panic!("{args:?} exited ({status}) before it sent anything");
        }
        assert!(
            Instant::now() < deadline,
            "{args:?} sent nothing within 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL tend");
    child.wait().expect("reap tend");
    assert_eq!(slack.request_count(), before + 1, "{args:?}");
}

fn env_with(slack: &FakeServer) -> TestEnv {
    let mut env = TestEnv::new();
    slack_env(&mut env, slack);
    // Longer than the test takes: only the kill ends a send.
    env.set_env("TEND_SLACK_TIMEOUT", "300s");
    env
}

/// The attempts the journal holds for `key`.
fn journal_attempts(env: &TestEnv, key: &str) -> Vec<u64> {
    if !env.exists(JOURNAL) {
        return Vec::new();
    }
    env.read(JOURNAL)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .flat_map(|l| l["attempts"].as_array().cloned().unwrap_or_default())
        .filter(|a| a["key"] == key)
        .filter_map(|a| a["attempt"].as_u64())
        .collect()
}

fn dispatched(env: &TestEnv, reference: &str) -> Vec<Value> {
    env.audit_kind("notification.dispatched")
        .into_iter()
        .filter(|r| r["details"]["ref"] == reference)
        .collect()
}

fn wake_env(slack: &FakeServer) -> TestEnv {
    let mut env = env_with(slack);
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    env.tend(&["wake", "consume"]).ok(); // stamp the cursor on the empty log
    let row = json!({
        "id": "w-stuck", "ts": "2026-05-24T07:00:00Z", "kind": "probe.wake_requested",
        "details": {"probe": "api", "issue_category": "down", "severity": "critical",
                    "summary": "api is down"}
    });
    env.write("audit/2026-05-24.jsonl", format!("{row}\n"));
    env
}

fn ledger_status(env: &TestEnv, id: &str) -> Value {
    let ledger: Value = serde_json::from_str(&env.read("state/wake.ledger.json")).unwrap();
    ledger["entries"][id]["status"].clone()
}

#[test]
fn wake_message_cut_off_twice_is_given_up_not_sent_a_third_time() {
    let slack = FakeServer::start(stalled());
    let env = wake_env(&slack);
    kill_inside_send(&env, &["wake", "consume"], &slack);
    assert_eq!(journal_attempts(&env, "wake:w-stuck"), [1]);
    kill_inside_send(&env, &["wake", "consume"], &slack);
    assert_eq!(journal_attempts(&env, "wake:w-stuck"), [1, 2]);

    // Slack answers at once now: still, no third attempt.
    slack.set_default(fakes::slack_ok());
    let out = env.tend(&["wake", "consume"]).status(1);
    assert_eq!(slack.request_count(), 2, "a third attempt was made");
    assert!(
        out.stderr.contains("w-stuck") && out.stderr.contains("given up"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("1 given up"), "{}", out.stdout);
    assert_eq!(ledger_status(&env, "w-stuck"), "unconfirmed");
    let rows = dispatched(&env, "w-stuck");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["details"]["status"], "failed");
    assert_eq!(rows[0]["details"]["error"], "unconfirmed_after_2_attempts");
    assert_eq!(rows[0]["details"]["attempts"], 2);
    // Settled: the journal holds nothing of it any more.
    assert!(journal_attempts(&env, "wake:w-stuck").is_empty());

    // Later runs neither send it nor report it again; status counts it.
    let out = env.tend(&["wake", "consume"]).ok();
    assert_eq!(out.stdout, "");
    assert_eq!(slack.request_count(), 2);
    let status = env.tend(&["status"]).output();
    assert!(
        status.stdout.contains("wake messages: 1 given up"),
        "{}",
        status.stdout
    );
    let status = env.tend(&["status", "--json"]).output();
    let summary = status.json_lines().pop().unwrap();
    assert_eq!(summary["wake_unconfirmed"], 1);
}

#[test]
fn wake_message_cut_off_once_is_sent_exactly_once_more() {
    let slack = FakeServer::start(stalled());
    let env = wake_env(&slack);
    kill_inside_send(&env, &["wake", "consume"], &slack);
    assert_eq!(journal_attempts(&env, "wake:w-stuck"), [1]);
    slack.set_default(fakes::slack_ok());
    env.tend(&["wake", "consume"]).ok();
    assert_eq!(slack.request_count(), 2);
    assert_eq!(ledger_status(&env, "w-stuck"), "ok");
    let rows = dispatched(&env, "w-stuck");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["details"]["status"], "ok");
    assert_eq!(rows[0]["details"]["attempt"], 2);
    assert!(journal_attempts(&env, "wake:w-stuck").is_empty());
    env.tend(&["wake", "consume"]).ok();
    assert_eq!(slack.request_count(), 2);
}

fn alerts_env(slack: &FakeServer, toml: &str) -> TestEnv {
    let env = env_with(slack);
    env.write(
        "tend.toml",
        format!(
            "[alerts]\nroute = {{ critical = \"slack\", warning = \"slack\", info = \"slack\" }}\n{toml}"
        ),
    );
    env
}

fn alert_line(id: &str, severity: &str) -> String {
    format!(
        "{}\n",
        json!({"id": id, "severity": severity, "category": format!("cat-{id}"),
               "title": format!("{id} is firing"), "summary": "firing"})
    )
}

fn notified_status(env: &TestEnv, id: &str) -> Value {
    let state: Value = serde_json::from_str(&env.read("state/alerts.notified.json")).unwrap();
    state["alerts"][id]["status"].clone()
}

#[test]
fn alert_notification_cut_off_twice_is_given_up_not_sent_a_third_time() {
    let slack = FakeServer::start(stalled());
    let env = alerts_env(&slack, "");
    let input = env.write("alerts.jsonl", alert_line("a-stuck", "critical"));
    let input = input.to_str().unwrap();
    let args = ["alerts", "notify", "--from", input];
    kill_inside_send(&env, &args, &slack);
    kill_inside_send(&env, &args, &slack);
    assert_eq!(journal_attempts(&env, "alerts:notify:a-stuck"), [1, 2]);

    slack.set_default(fakes::slack_ok());
    let out = env.tend(&args).status(1);
    assert_eq!(slack.request_count(), 2, "a third attempt was made");
    assert!(
        out.stderr.contains("a-stuck") && out.stderr.contains("given up"),
        "{}",
        out.stderr
    );
    assert_eq!(notified_status(&env, "a-stuck"), "unconfirmed");
    let rows = dispatched(&env, "a-stuck");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["details"]["status"], "failed");
    assert_eq!(rows[0]["details"]["error"], "unconfirmed_after_2_attempts");
    assert!(journal_attempts(&env, "alerts:notify:a-stuck").is_empty());

    // Not sent again, not reported again; status counts it.
    env.tend(&args).ok();
    assert_eq!(slack.request_count(), 2);
    let status = env.tend(&["status"]).output();
    assert!(status.stdout.contains("1 unconfirmed"), "{}", status.stdout);
}

#[test]
fn alert_notification_cut_off_once_is_sent_exactly_once_more() {
    let slack = FakeServer::start(stalled());
    let env = alerts_env(&slack, "");
    let input = env.write(
        "alerts.jsonl",
        alert_line("a-stuck", "critical") + &alert_line("b-later", "warning"),
    );
    let input = input.to_str().unwrap();
    let args = ["alerts", "notify", "--from", input];
    kill_inside_send(&env, &args, &slack);
    // The attempt was on disk before the channel was called.
    assert_eq!(journal_attempts(&env, "alerts:notify:a-stuck"), [1]);
    assert!(journal_attempts(&env, "alerts:notify:b-later").is_empty());
    slack.set_default(fakes::slack_ok());
    env.tend(&args).ok();
    // a-stuck once more, b-later once.
    assert_eq!(slack.request_count(), 3);
    assert_eq!(notified_status(&env, "a-stuck"), "ok");
    assert_eq!(notified_status(&env, "b-later"), "ok");
    assert_eq!(dispatched(&env, "a-stuck").len(), 1);
    assert!(!env.exists(JOURNAL) || env.read(JOURNAL).is_empty());
    env.tend(&args).ok();
    assert_eq!(slack.request_count(), 3);
}

#[test]
fn digest_cut_off_twice_is_given_up_and_leaves_the_queue() {
    let slack = FakeServer::start(fakes::slack_ok());
    let env = alerts_env(&slack, "info_mode = \"digest\"\n");
    let input = env.write(
        "alerts.jsonl",
        alert_line("i-one", "info") + &alert_line("i-two", "info"),
    );
    env.tend(&["alerts", "notify", "--from", input.to_str().unwrap()])
        .ok();
    assert_eq!(slack.request_count(), 0, "info alerts go to the digest");
    slack.set_default(stalled());
    kill_inside_send(&env, &["alerts", "digest"], &slack);
    kill_inside_send(&env, &["alerts", "digest"], &slack);

    slack.set_default(fakes::slack_ok());
    let out = env.tend(&["alerts", "digest"]).status(1);
    assert_eq!(slack.request_count(), 2, "a third attempt was made");
    for id in ["i-one", "i-two"] {
        assert!(out.stderr.contains(id), "{}", out.stderr);
        let rows = dispatched(&env, id);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["details"]["status"], "failed");
        assert_eq!(rows[0]["details"]["error"], "unconfirmed_after_2_attempts");
        assert_eq!(rows[0]["details"]["attempts"], 2);
    }
    assert_eq!(env.read("state/alerts.digest.jsonl"), "");
    assert!(env.read(JOURNAL).is_empty());
    // Nothing left to send or to report.
    env.tend(&["alerts", "digest"]).ok();
    assert_eq!(slack.request_count(), 2);
    // `tend status` still counts them after that run, for a week.
    let given_up = "digest: 2 given up in the last 7 days, unconfirmed after 2 attempts";
    let status = env.tend(&["status"]).ok().stdout;
    assert!(status.contains(given_up), "{status}");
    let json = env.tend(&["status", "--json"]).ok().stdout;
    let summary: Value = serde_json::from_str(json.lines().last().unwrap()).unwrap();
    assert_eq!(summary["alerts"]["digest_unconfirmed"], 2, "{json}");
    let later = env
        .tend(&["status", "--now", "2026-06-01T08:00:01Z"])
        .status(1)
        .stdout;
    assert!(!later.contains("given up"), "{later}");
    // A digest run a week later drops the old lines.
    env.tend(&["alerts", "digest", "--now", "2026-06-01T08:00:01Z"])
        .ok();
    assert_eq!(env.read("state/alerts.digest.unconfirmed.jsonl"), "");
    // A line it cannot read is named, never dropped.
    env.write("state/alerts.digest.unconfirmed.jsonl", "{}\n");
    let out = env.tend(&["status"]).ok();
    assert!(
        out.stderr
            .contains("state/alerts.digest.unconfirmed.jsonl: byte 0: unreadable line"),
        "{}",
        out.stderr
    );
    env.tend(&["alerts", "digest"]).ok();
    assert_eq!(env.read("state/alerts.digest.unconfirmed.jsonl"), "{}\n");
}

#[test]
fn digest_cut_off_once_is_sent_exactly_once_more_with_what_was_queued_since() {
    let slack = FakeServer::start(fakes::slack_ok());
    let env = alerts_env(&slack, "info_mode = \"digest\"\n");
    let first = env.write("first.jsonl", alert_line("i-one", "info"));
    env.tend(&["alerts", "notify", "--from", first.to_str().unwrap()])
        .ok();
    slack.set_default(stalled());
    kill_inside_send(&env, &["alerts", "digest"], &slack);
    // Queued after the attempt: a line with no attempt of its own.
    let both = env.write(
        "both.jsonl",
        alert_line("i-one", "info") + &alert_line("i-two", "info"),
    );
    env.tend(&["alerts", "notify", "--from", both.to_str().unwrap()])
        .ok();
    slack.set_default(fakes::slack_ok());
    env.tend(&["alerts", "digest"]).ok();
    let requests = slack.requests();
    assert_eq!(requests.len(), 2);
    let last = requests[1].json()["text"].as_str().unwrap().to_string();
    assert!(last.contains("i-one") && last.contains("i-two"), "{last}");
    assert_eq!(env.read("state/alerts.digest.jsonl"), "");
    assert!(env.read(JOURNAL).is_empty());
}
