//! `tend wake consume` (design §5): tailing, debounce, engines, channels, the
//! ledger, against loopback fakes of OpenAI-compatible, Anthropic, Slack and
//! webhook endpoints.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::fakes::{self, DIAGNOSIS};
use crate::support::http::{FakeServer, Reply};
use crate::support::{Output, TestEnv, without_short_ids};

const SEGMENT: &str = "audit/2026-05-24.jsonl";

/// A `probe.wake_requested` row of key (probe, "down").
fn wake(id: &str, ts: &str, probe: &str, severity: &str) -> Value {
    json!({
        "id": id, "ts": ts, "kind": "probe.wake_requested",
        "correlation_key": format!("probe:{probe}:down"),
        "details": {
            "probe": probe, "issue_category": "down", "severity": severity,
            "summary": format!("{probe} answers HTTP 503"),
            "observations": {"http_status": 503},
            "envelope": {"enabled": false}
        }
    })
}

fn flapping_wake(id: &str, ts: &str, probe: &str) -> Value {
    let mut row = wake(id, ts, probe, "warning");
    row["details"]["flapping"] = json!(true);
    row
}

fn observed(ts: &str, probe: &str, status: &str, summary: &str) -> Value {
    json!({"id": format!("obs-{ts}"), "ts": ts, "kind": "probe.observed",
           "details": {"probe": probe, "status": status, "summary": summary}})
}

fn recovered(id: &str, ts: &str, probe: &str) -> Value {
    json!({"id": id, "ts": ts, "kind": "probe.recovered",
           "details": {"probe": probe, "issue_category": "down", "down_since": ts}})
}

/// Appends rows to today's segment as another writer would.
fn append(env: &TestEnv, rows: &[Value]) {
    let path = env.path(SEGMENT);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut text = String::new();
    for row in rows {
        text.push_str(&row.to_string());
        text.push('\n');
    }
    file.write_all(text.as_bytes()).unwrap();
}

/// A root whose wake cursor is already stamped (at the start of an empty log).
fn stamped() -> TestEnv {
    let env = TestEnv::new();
    let out = env.tend(&["wake", "consume"]).ok();
    assert_eq!(out.stdout, "");
    assert!(env.exists("state/wake.cursor.json"));
    env
}

fn consume(env: &TestEnv) -> Output {
    env.tend(&["wake", "consume"]).ok()
}

/// Decisions of a `--json` run, in order, as (wake_id, decision).
fn decisions(out: &Output) -> Vec<(String, String)> {
    out.json_lines()
        .iter()
        .filter(|v| v.get("wake_id").is_some())
        .map(|v| {
            (
                v["wake_id"].as_str().unwrap().to_string(),
                v["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn engine_env(env: &mut TestEnv, kind: &str, url: &str) {
    env.set_env("TEND_ENGINE_KIND", kind)
        .set_env("TEND_ENGINE_BASE_URL", url)
        .set_env("TEND_ENGINE_MODEL", "test-model")
        .set_env("TEND_ENGINE_API_KEY_ENV", "TEST_ENGINE_KEY")
        .set_env("TEST_ENGINE_KEY", "sk-test-engine-secret-4711")
        .set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
}

fn slack_env(env: &mut TestEnv, server: &FakeServer) {
    env.set_env("TEND_OPERATOR_CHANNEL", "slack")
        .set_env("TEND_SLACK_TOKEN_ENV", "TEST_SLACK_TOKEN")
        .set_env("TEST_SLACK_TOKEN", "xoxb-test-slack-secret-0815")
        .set_env("TEND_SLACK_USER_ID", "U0123456")
        .set_env("TEND_SLACK_API_BASE", &format!("{}/api", server.url()))
        .set_env("TEND_SLACK_TIMEOUT", "2s")
        .set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
}

// ---------------------------------------------------------------- tailing

#[test]
fn first_run_stamps_the_end_and_replays_nothing() {
    let env = TestEnv::new();
    append(
        &env,
        &[
            wake("w1", "2026-05-24T07:50:00Z", "api", "critical"),
            wake("w2", "2026-05-24T07:51:00Z", "api", "critical"),
        ],
    );
    let out = consume(&env);
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
    let cursor: Value = serde_json::from_str(&env.read("state/wake.cursor.json")).unwrap();
    assert_eq!(
        cursor["segments"]["2026-05-24.jsonl"]["offset"]
            .as_u64()
            .unwrap(),
        std::fs::metadata(env.path(SEGMENT)).unwrap().len()
    );
    assert!(env.audit_kind("probe.wake_debounced").is_empty());

    // Only what comes after the stamp is read.
    append(
        &env,
        &[
            wake("w3", "2026-05-24T07:52:00Z", "api", "critical"),
            wake("w4", "2026-05-24T07:53:00Z", "api", "critical"),
        ],
    );
    let out = consume(&env);
    insta::assert_snapshot!(out.stdout, @r#"
    [7b489454] 🚨 Probe alert · api
    api (critical): api answers HTTP 503
    Category: down · http_status=503
    Sent without investigation (no engine configured).

    wake consume: 2 wakes: 1 dispatched, 1 buffered; 1 sent without investigation (no engine configured)
    "#);
    let debounced = env.audit_kind("probe.wake_debounced");
    assert_eq!(debounced.len(), 1);
    assert_eq!(debounced[0]["details"]["wake_id"], "w3");
    assert_eq!(debounced[0]["details"]["reason"], "buffered");

    // Nothing new: nothing printed, nothing written.
    let before = env.read("state/wake.debounce.json");
    let out = consume(&env);
    assert_eq!(out.stdout, "");
    // (one more pass reads the rows this run appended, then it is quiet)
    let out = consume(&env);
    assert_eq!(out.stdout, "");
    let after = env.read("state/wake.debounce.json");
    assert_eq!(
        serde_json::from_str::<Value>(&before).unwrap()["keys"],
        serde_json::from_str::<Value>(&after).unwrap()["keys"]
    );
}

#[test]
fn the_default_run_shows_buffered_then_dispatched_then_the_fallback() {
    let env = stamped();
    append(
        &env,
        &[
            observed("2026-05-24T07:50:00Z", "fly", "critical", "HTTP 401"),
            wake("w1", "2026-05-24T07:50:00Z", "fly", "critical"),
            wake("w2", "2026-05-24T07:55:00Z", "fly", "critical"),
            wake("w3", "2026-05-24T07:56:00Z", "fly", "critical"),
        ],
    );
    let out = env.tend(&["wake", "consume", "-v"]).ok();
    insta::assert_snapshot!(out.stdout, @r#"
    2026-05-24T07:50:00.000Z fly/down critical: buffered (1 of 2)
    [2362ea5a] 🚨 Probe alert · fly
    fly (critical): fly answers HTTP 503
    Category: down · http_status=503
    Recent results (oldest first): critical
    Sent without investigation (no engine configured).

    2026-05-24T07:55:00.000Z fly/down critical: dispatch; investigation → stdout ok, engine: engine_unavailable
    2026-05-24T07:56:00.000Z fly/down critical: in window until 2026-05-24T08:05:00.000Z
    wake consume: 3 wakes: 1 dispatched, 1 buffered, 1 in window; 1 sent without investigation (no engine configured)
    "#);
    let completed = env.audit_kind("probe.investigation_completed");
    assert_eq!(completed.len(), 1);
    let d = &completed[0]["details"];
    assert_eq!(d["wake_id"], "w2");
    assert_eq!(d["caller_session_id"], "probe:fly:down");
    assert_eq!(d["engine_status"], "engine_unavailable");
    assert_eq!(d["autofix_attempted"], false);
    assert_eq!(completed[0]["correlation_key"], "probe:fly:down");
    assert!(
        env.audit_kind("inference.recorded").is_empty(),
        "no engine, no call"
    );
    let sent = env.audit_kind("notification.dispatched");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["details"],
        json!({"channel": "stdout", "ref": "w2", "severity": "critical", "category": "down",
               "probe": "fly", "message": "investigation", "status": "ok",
               "incident_id": "2362ea5a-b1e4-5bf8-9362-1a9fc434bfa6"})
    );
    let ledger: Value = serde_json::from_str(&env.read("state/wake.ledger.json")).unwrap();
    assert!(ledger["entries"]["w2"].is_object());
    let reasons: Vec<_> = env
        .audit_kind("probe.wake_debounced")
        .iter()
        .map(|r| r["details"]["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reasons, ["buffered", "window"]);
}

#[test]
fn json_output_is_one_object_per_wake_then_a_summary() {
    let mut env = stamped();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    append(
        &env,
        &[wake("w1", "2026-05-24T07:50:00Z", "api", "warning")],
    );
    let out = env.tend(&["--json", "wake", "consume"]).ok();
    let lines = out.json_lines();
    // The stdout channel's message, the wake, the summary.
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert_eq!(lines[0]["channel"], "stdout");
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("⚠️ Probe alert · api\n")
    );
    assert_eq!(lines[1]["wake_id"], "w1");
    assert_eq!(lines[1]["decision"], "dispatch");
    assert_eq!(lines[1]["status"], "ok");
    assert_eq!(lines[1]["engine_status"], "engine_unavailable");
    assert_eq!(lines[2]["summary"], true);
    assert_eq!(lines[2]["dispatched"], 1);
}

#[test]
fn replays_from_start_and_since_give_identical_decisions() {
    let mut env = stamped();
    env.set_env("TEND_WAKE_DEBOUNCE_SECONDS", "600");
    let rows = [
        wake("a1", "2026-05-24T07:00:00Z", "api", "warning"),
        wake("b1", "2026-05-24T07:00:30Z", "db", "critical"),
        wake("a2", "2026-05-24T07:01:00Z", "api", "warning"),
        wake("a3", "2026-05-24T07:05:00Z", "api", "warning"),
        wake("b2", "2026-05-24T07:10:30Z", "db", "critical"),
        wake("a4", "2026-05-24T07:11:00Z", "api", "warning"),
        wake("a5", "2026-05-24T07:11:30Z", "api", "warning"),
        wake("b3", "2026-05-24T07:20:29Z", "db", "critical"),
        wake("a6", "2026-05-24T07:30:00Z", "api", "warning"),
    ];
    append(&env, &rows);
    let first = env.tend(&["--json", "wake", "consume"]).ok();
    let expected: Vec<(String, String)> = [
        ("a1", "buffered"),
        ("b1", "buffered"),
        ("a2", "dispatch"),
        ("a3", "window"),
        ("b2", "buffered"), // b1's buffer expired at 07:10:30
        ("a4", "buffered"), // the window of a2 ended at 07:11:00
        ("a5", "dispatch"),
        ("b3", "dispatch"),
        ("a6", "buffered"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(decisions(&first), expected);
    let sent_before = env.audit_kind("notification.dispatched").len();
    assert_eq!(sent_before, 3);

    let replay = env
        .tend(&["--json", "wake", "consume", "--from-start"])
        .ok();
    assert_eq!(decisions(&replay), expected);
    let since = env
        .tend(&[
            "--json",
            "wake",
            "consume",
            "--since",
            "2026-05-24T07:00:00Z",
        ])
        .ok();
    assert_eq!(decisions(&since), expected);
    // The ledger keeps replays from sending again.
    assert_eq!(env.audit_kind("notification.dispatched").len(), sent_before);
    for out in [&replay, &since] {
        assert!(!out.stdout.contains("Probe alert"), "{}", out.stdout);
        let already: Vec<_> = out
            .json_lines()
            .into_iter()
            .filter(|v| v["status"] == "already_sent")
            .collect();
        assert_eq!(already.len(), 3);
    }
    // --since skips what came before it.
    let later = env
        .tend(&[
            "--json",
            "wake",
            "consume",
            "--since",
            "2026-05-24T07:11:00Z",
        ])
        .ok();
    let got: Vec<_> = decisions(&later).into_iter().map(|(id, _)| id).collect();
    assert_eq!(got, ["a4", "a5", "b3", "a6"]);
    // Replay flags are exclusive.
    env.tend(&["wake", "consume", "--from-start", "--since", "2026-05-24"])
        .status(2);
}

#[test]
fn a_replay_since_inside_a_window_decides_as_the_original_run() {
    let env = stamped();
    append(
        &env,
        &[
            wake("w1", "2026-05-24T07:00:00Z", "api", "critical"),
            wake("w2", "2026-05-24T07:01:00Z", "api", "critical"),
            wake("w3", "2026-05-24T07:02:00Z", "api", "critical"),
            wake("w4", "2026-05-24T07:03:00Z", "api", "critical"),
        ],
    );
    let first = env.tend(&["--json", "wake", "consume"]).ok();
    let names =
        |out: &Output| -> Vec<String> { decisions(out).into_iter().map(|(_, d)| d).collect() };
    assert_eq!(names(&first), ["buffered", "dispatch", "window", "window"]);
    assert_eq!(env.audit_kind("notification.dispatched").len(), 1);
    // From inside the window of w2's dispatch: the rows before T rebuild the
    // window, so w3 and w4 are debounced again and nothing is sent.
    let replay = env
        .tend(&[
            "--json",
            "wake",
            "consume",
            "--since",
            "2026-05-24T07:01:30Z",
        ])
        .ok();
    assert_eq!(
        decisions(&replay),
        [
            ("w3".to_string(), "window".to_string()),
            ("w4".to_string(), "window".to_string())
        ]
    );
    assert!(!replay.stdout.contains("Probe alert"), "{}", replay.stdout);
    assert_eq!(env.audit_kind("notification.dispatched").len(), 1);
    // From inside the buffer that w1 opened: w2 is its second sighting.
    let replay = env
        .tend(&[
            "--json",
            "wake",
            "consume",
            "--since",
            "2026-05-24T07:00:30Z",
        ])
        .ok();
    assert_eq!(names(&replay), ["dispatch", "window", "window"]);
    assert_eq!(env.audit_kind("notification.dispatched").len(), 1);
}

#[test]
fn a_lost_cursor_and_debounce_state_replay_the_ledger_horizon() {
    let env = stamped();
    append(
        &env,
        &[
            wake("a1", "2026-05-24T07:00:00Z", "api", "critical"),
            wake("a2", "2026-05-24T07:01:00Z", "api", "critical"),
            wake("b1", "2026-05-24T07:20:00Z", "db", "critical"),
        ],
    );
    let out = consume(&env);
    assert_eq!(
        out.stdout.matches("Probe alert").count(),
        1,
        "{}",
        out.stdout
    );
    // Both files garbled; a wake arrives that completes db's buffer.
    env.write("state/wake.cursor.json", "{garbled");
    env.write("state/wake.debounce.json", "{\"keys\": 7");
    append(
        &env,
        &[wake("b2", "2026-05-24T07:21:00Z", "db", "critical")],
    );
    env.tend(&["wake", "consume"]).status(74);
    env.tend(&["wake", "consume"]).status(74);
    assert!(!env.exists("state/wake.cursor.json"));
    assert!(!env.exists("state/wake.debounce.json"));
    // Not a stamp at the end of the log: a replay that rebuilds db's buffer
    // (b1 counts), sends b2, and does not send a2 again.
    let out = env.tend(&["--json", "wake", "consume"]).ok();
    assert!(
        out.stderr
            .contains("replaying the audit log from 2026-05-17T08:00:00.000Z"),
        "{}",
        out.stderr
    );
    assert_eq!(
        decisions(&out),
        [
            ("a1".to_string(), "buffered".to_string()),
            ("a2".to_string(), "dispatch".to_string()),
            ("b1".to_string(), "buffered".to_string()),
            ("b2".to_string(), "dispatch".to_string()),
        ]
    );
    let refs: Vec<_> = env
        .audit_kind("notification.dispatched")
        .iter()
        .map(|r| r["details"]["ref"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs, ["a2", "b2"]);
    // And the loop goes on from there.
    let out = env.tend(&["--json", "wake", "consume"]).ok();
    assert!(decisions(&out).is_empty(), "{}", out.stdout);
    assert!(env.exists("state/wake.cursor.json"));
}

#[test]
fn a_rewritten_segment_is_re_read_without_sending_twice() {
    let mut env = stamped();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    append(
        &env,
        &[
            wake("w1", "2026-05-24T07:00:00Z", "api", "critical"),
            wake("w2", "2026-05-24T07:00:10Z", "db", "warning"),
        ],
    );
    let out = consume(&env);
    assert_eq!(out.stdout.matches("Probe alert").count(), 2);
    // Rewrite the segment (say, a log shipper re-delivered it): the same
    // wakes, without the rows written since, so it is shorter than before.
    let text = env.read(SEGMENT);
    let wakes_only: String = text
        .lines()
        .filter(|l| l.contains("probe.wake_requested"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(env.path(SEGMENT), wakes_only).unwrap();
    append(
        &env,
        &[wake("w3", "2026-05-24T07:20:00Z", "web", "critical")],
    );
    let out = consume(&env);
    assert!(out.stderr.contains("rewritten"), "{}", out.stderr);
    assert!(
        out.stderr.contains("re-reading audit/2026-05-24.jsonl"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stdout.matches("Probe alert").count(),
        1,
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Probe alert · web"));
    let refs: Vec<_> = env
        .audit_kind("notification.dispatched")
        .iter()
        .map(|r| r["details"]["ref"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs, ["w3"], "only w3 was sent after the rewrite");
    let ledger: Value = serde_json::from_str(&env.read("state/wake.ledger.json")).unwrap();
    let ids: Vec<_> = ledger["entries"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(ids, ["w1", "w2", "w3"]);
}

#[test]
fn a_run_killed_after_its_ledger_write_does_not_send_again() {
    let mut env = stamped();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    let cursor_before = env.read("state/wake.cursor.json");
    let state_before = env.read("state/wake.debounce.json");
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "api", "critical")],
    );
    let out = consume(&env);
    assert_eq!(out.stdout.matches("Probe alert").count(), 1);
    // As if killed between the ledger write and the state writes.
    env.write("state/wake.cursor.json", &cursor_before);
    env.write("state/wake.debounce.json", &state_before);
    let out = env.tend(&["wake", "consume", "-v"]).ok();
    assert!(!out.stdout.contains("Probe alert"), "{}", out.stdout);
    assert!(out.stdout.contains("already sent"), "{}", out.stdout);
    assert_eq!(env.audit_kind("notification.dispatched").len(), 1);
    // And the debounce state knows of the dispatch: the window holds.
    append(
        &env,
        &[wake("w2", "2026-05-24T07:01:00Z", "api", "critical")],
    );
    let out = env.tend(&["--json", "wake", "consume"]).ok();
    assert_eq!(decisions(&out), [("w2".to_string(), "window".to_string())]);
}

#[test]
fn a_failing_audit_append_after_a_send_does_not_send_again() {
    let mut env = stamped();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    // The wake is in yesterday's segment; today's segment, where the rows of
    // the send go, is a directory: every append fails after the send.
    let yesterday = env.path("audit/2026-05-23.jsonl");
    std::fs::create_dir_all(env.path("audit")).unwrap();
    std::fs::write(
        &yesterday,
        format!(
            "{}\n",
            wake("w1", "2026-05-23T23:00:00Z", "api", "critical")
        ),
    )
    .unwrap();
    std::fs::create_dir_all(env.path(SEGMENT)).unwrap();
    let first = env.tend(&["wake", "consume"]).output();
    assert_ne!(first.code, 0, "{}", first.stderr);
    assert_eq!(
        first.stdout.matches("Probe alert").count(),
        1,
        "{}",
        first.stdout
    );
    assert!(
        first.stderr.contains("will not be sent again"),
        "{}",
        first.stderr
    );
    let waiting = env.read("state/wake.ledger.json");
    let ledger: Value = serde_json::from_str(&waiting).unwrap();
    assert!(ledger["entries"].get("w1").is_some(), "{ledger}");
    // Every later run fails the same way, and sends nothing.
    for _ in 0..2 {
        let again = env.tend(&["wake", "consume"]).output();
        assert_ne!(again.code, 0, "{}", again.stderr);
        assert!(!again.stdout.contains("Probe alert"), "{}", again.stdout);
    }
    // The fault cleared, the run completes without sending again.
    std::fs::remove_dir(env.path(SEGMENT)).unwrap();
    let out = env.tend(&["wake", "consume", "-v"]).ok();
    assert!(!out.stdout.contains("Probe alert"), "{}", out.stdout);
    assert!(out.stdout.contains("already sent"), "{}", out.stdout);
    // The rows of the send waited in the ledger and are in the log now, once.
    let sent = env.audit_kind("notification.dispatched");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["details"]["ref"], "w1");
    assert_eq!(env.audit_kind("probe.investigation_completed").len(), 1);
    let ledger: Value = serde_json::from_str(&env.read("state/wake.ledger.json")).unwrap();
    assert!(
        ledger["entries"]["w1"].get("unrecorded").is_none(),
        "{ledger}"
    );
    // A kill after that append but before the ledger let go of the rows:
    // the next run finds them written and adds no second copy.
    let log = env.read(SEGMENT);
    env.write("state/wake.ledger.json", &waiting);
    let out = env.tend(&["wake", "consume", "-v"]).ok();
    assert!(
        out.stderr.contains("appended 0 audit rows") && out.stderr.contains("were already written"),
        "{}",
        out.stderr
    );
    assert_eq!(env.read(SEGMENT), log);
}

#[test]
fn state_ahead_of_the_cursor_is_trusted() {
    let env = stamped();
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "api", "critical")],
    );
    let cursor_before = env.read("state/wake.cursor.json");
    consume(&env); // buffered (1 of 2)
    // As if killed between the state write and the cursor write.
    env.write("state/wake.cursor.json", &cursor_before);
    append(
        &env,
        &[wake("w2", "2026-05-24T07:01:00Z", "api", "critical")],
    );
    let out = env.tend(&["--json", "wake", "consume"]).ok();
    // w1 is not counted twice (that would dispatch on w1 again), and w2 is
    // its second sighting.
    assert_eq!(
        decisions(&out),
        [("w2".to_string(), "dispatch".to_string())]
    );
    assert_eq!(env.audit_kind("probe.wake_debounced").len(), 1);
}

#[test]
fn dry_run_sends_and_writes_nothing() {
    let server = FakeServer::start(fakes::slack_ok());
    let mut env = stamped();
    slack_env(&mut env, &server);
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "api", "critical")],
    );
    let files_before = std::fs::read_dir(env.path("state")).unwrap().count();
    let audit_before = env.read(SEGMENT);
    let out = env.tend(&["--dry-run", "wake", "consume"]).ok();
    assert!(
        out.stdout.contains("api/down critical: dispatch"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("dry run"), "{}", out.stdout);
    assert_eq!(server.request_count(), 0);
    assert_eq!(env.read(SEGMENT), audit_before);
    assert_eq!(
        std::fs::read_dir(env.path("state")).unwrap().count(),
        files_before
    );
    assert!(!env.exists("state/wake.ledger.json"));
}

#[test]
fn malformed_rows_are_reported_and_skipped() {
    let mut env = stamped();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    let path = env.path(SEGMENT);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "not json but mentions \"probe.wake_requested\"\n").unwrap();
    append(
        &env,
        &[
            json!({"id": "bad", "ts": "2026-05-24T07:00:00Z", "kind": "probe.wake_requested",
                   "details": {"issue_category": "down", "severity": "critical"}}),
            json!({"id": "odd", "ts": "2026-05-24T07:00:01Z", "kind": "probe.wake_requested",
                   "details": {"probe": "api", "issue_category": "down", "severity": "loud"}}),
        ],
    );
    let out = consume(&env);
    assert!(
        out.stderr
            .contains("audit/2026-05-24.jsonl: byte 0: skipped malformed line"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("details.probe is missing"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("read as warning"), "{}", out.stderr);
    // The odd one still reaches the operator, as a warning.
    assert!(
        out.stdout.contains("⚠️ Probe alert · api"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_corrupt_state_file_is_quarantined() {
    let env = stamped();
    env.write("state/wake.debounce.json", "{not json");
    let out = env.tend(&["wake", "consume"]).status(74);
    assert!(out.stderr.contains("wake.debounce.json"), "{}", out.stderr);
    assert!(env.exists("state/quarantine"));
}

#[test]
fn state_files_of_the_wrong_shape_are_quarantined_not_reset() {
    for file in [
        "wake.debounce.json",
        "wake.cursor.json",
        "wake.ledger.json",
        "engine.budget.json",
    ] {
        for content in [
            "[]",
            "{}",
            "null",
            "7",
            "{\"keys\": {}}",
            "[null, [], {}]",
            "[{}]",
        ] {
            let env = stamped();
            append(
                &env,
                &[wake("w1", "2026-05-24T07:00:00Z", "fly", "critical")],
            );
            env.write(&format!("state/{file}"), content);
            let out = env.tend(&["wake", "consume"]).status(74);
            assert!(
                out.stderr.contains(&format!("state/{file} is unreadable")),
                "{file} {content}: {}",
                out.stderr
            );
            assert!(!env.exists(&format!("state/{file}")), "{file} {content}");
            let kept: Vec<String> = std::fs::read_dir(env.path("state/quarantine"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(kept.len(), 1, "{file} {content}: {kept:?}");
            assert!(kept[0].starts_with(file), "{kept:?}");
            assert_eq!(
                std::fs::read_to_string(env.path("state/quarantine").join(&kept[0])).unwrap(),
                content,
                "the bytes are kept as they were"
            );
            assert_eq!(
                env.audit_kind("notification.dispatched").len(),
                0,
                "{file} {content}: nothing was sent"
            );
        }
    }
}

// ---------------------------------------------------------------- flapping

#[test]
fn flapping_sends_one_message_per_episode_and_one_when_it_settles() {
    let env = stamped();
    append(
        &env,
        &[
            flapping_wake("f1", "2026-05-24T07:00:00Z", "api"),
            flapping_wake("f2", "2026-05-24T07:01:00Z", "api"),
            flapping_wake("f3", "2026-05-24T07:02:00Z", "api"),
        ],
    );
    let out = consume(&env);
    insta::assert_snapshot!(out.stdout, @r"
    [792b4314] ⚠️ Probe alert · api
    api is flapping (down): its results keep changing between OK and failing. I will not send one message per wake; I will say when it settles.
    Latest: api answers HTTP 503

    wake consume: 3 wakes: 1 flapping (one message), 2 flapping (held)
    ");
    // More flapping in a later run, under another category: still nothing.
    let mut other = flapping_wake("f4", "2026-05-24T07:03:00Z", "api");
    other["details"]["issue_category"] = json!("slow");
    append(&env, &[other]);
    let out = consume(&env);
    assert!(!out.stdout.contains("Probe alert"), "{}", out.stdout);
    // It settles into failing steadily: one "settled" message (and the wake
    // itself goes through the buffer as usual).
    append(
        &env,
        &[wake("s1", "2026-05-24T07:04:00Z", "api", "critical")],
    );
    let out = consume(&env);
    insta::assert_snapshot!(out.stdout, @r"
    [792b4314] 🚨 Probe alert · api
    api has stopped flapping; it is now failing steadily (critical, down).
    Latest: api answers HTTP 503

    wake consume: 1 wake: 1 buffered, 1 settled
    ");
    // A new episode, ended by a recovery.
    append(
        &env,
        &[
            flapping_wake("f5", "2026-05-24T07:30:00Z", "api"),
            recovered("r1", "2026-05-24T07:40:00Z", "api"),
        ],
    );
    let out = consume(&env);
    assert_eq!(
        out.stdout.matches("Probe alert").count(),
        2,
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("ℹ️ Probe alert · api\napi has stopped flapping; it is now OK."),
        "{}",
        out.stdout
    );
    let messages: Vec<_> = env
        .audit_kind("notification.dispatched")
        .iter()
        .map(|r| r["details"]["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(messages, ["flapping", "settled", "flapping", "settled"]);
    let held: Vec<_> = env
        .audit_kind("probe.wake_debounced")
        .iter()
        .map(|r| r["details"]["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(held, ["flapping", "flapping", "flapping", "buffered"]);
}

/// `probe run` marks every observation with `flapping`; an episode ends when
/// an observation says it stopped, and a recovery inside it does not end it.
#[test]
fn observations_end_an_episode_and_a_recovery_inside_it_does_not() {
    let env = stamped();
    let obs = |ts: &str, status: &str, flapping: bool| {
        let mut row = observed(ts, "api", status, &format!("api is {status}"));
        row["details"]["flapping"] = json!(flapping);
        row
    };
    append(
        &env,
        &[
            obs("2026-05-24T07:00:00Z", "critical", true),
            flapping_wake("f1", "2026-05-24T07:00:00Z", "api"),
            obs("2026-05-24T07:01:00Z", "ok", true),
            obs("2026-05-24T07:02:00Z", "ok", true),
            // Two OKs in a row recover the episode of failures, but the
            // probe still flaps: no "settled" yet.
            recovered("r1", "2026-05-24T07:02:00Z", "api"),
            obs("2026-05-24T07:03:00Z", "critical", true),
            flapping_wake("f2", "2026-05-24T07:03:00Z", "api"),
        ],
    );
    let out = consume(&env);
    assert_eq!(
        out.stdout.matches("Probe alert").count(),
        1,
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("api is flapping"));
    append(
        &env,
        &[
            obs("2026-05-24T07:20:00Z", "ok", false),
            obs("2026-05-24T07:21:00Z", "ok", false),
        ],
    );
    let out = consume(&env);
    insta::assert_snapshot!(out.stdout, @r"
    ℹ️ Probe alert · api
    api has stopped flapping; it is now OK.
    Latest: api is ok

    wake consume: 1 settled
    ");
    // Settled once: the next flapping wake is a new episode.
    append(&env, &[flapping_wake("f3", "2026-05-24T07:40:00Z", "api")]);
    let out = consume(&env);
    assert!(out.stdout.contains("api is flapping"), "{}", out.stdout);
}

// ---------------------------------------------------------------- engines

#[test]
fn openai_engine_investigates_with_the_recent_observations() {
    let engine = FakeServer::start(fakes::openai_ok(DIAGNOSIS, 1200, 80));
    let mut env = stamped();
    engine_env(&mut env, "openai", &format!("{}/v1", engine.url()));
    env.write(
        "tend.toml",
        "[engine]\nmax_daily_cost_usd = 5.0\nprices = { \"test-model\" = { input_per_mtok = 2.5, output_per_mtok = 10.0 } }\n",
    );
    let mut rows: Vec<Value> = (0..6)
        .map(|i| {
            observed(
                &format!("2026-05-24T07:0{i}:00Z"),
                "fly",
                if i < 3 { "ok" } else { "critical" },
                &format!("result {i}"),
            )
        })
        .collect();
    rows.push(observed("2026-05-24T07:06:00Z", "other", "ok", "not fly"));
    append(&env, &rows);
    consume(&env); // observations only: kept for later prompts
    append(
        &env,
        &[wake("w1", "2026-05-24T07:07:00Z", "fly", "critical")],
    );
    let out = consume(&env);
    assert_eq!(
        without_short_ids(&out.stdout),
        format!("🚨 Probe alert · fly\n{DIAGNOSIS}\n\nwake consume: 1 wake: 1 dispatched\n")
    );

    let requests = engine.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(
        r.header("authorization"),
        Some("Bearer sk-test-engine-secret-4711")
    );
    let body = r.json();
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["max_tokens"], 600);
    assert_eq!(body["messages"][0]["role"], "system");
    let user = body["messages"][1]["content"].as_str().unwrap();
    for needle in [
        "Probe: fly",
        "Issue category: down",
        "Severity: critical",
        "Summary: fly answers HTTP 503",
        "Observations: http_status=503",
        "Fix envelope: none; no fix will be executed.",
        "2 to 4 sentences",
        "Next step:",
        "do not claim that you or anyone ran, applied or executed a fix",
    ] {
        assert!(user.contains(needle), "{needle:?} not in\n{user}");
    }
    // The last five results of fly, oldest first, and nothing of "other".
    assert!(!user.contains("result 0") && user.contains("result 1") && user.contains("result 5"));
    assert!(user.find("result 1").unwrap() < user.find("result 5").unwrap());
    assert!(!user.contains("not fly"));

    let inference = env.audit_kind("inference.recorded");
    assert_eq!(inference.len(), 1);
    let d = &inference[0]["details"];
    assert_eq!(d["route"], "probe_investigation");
    assert_eq!(d["model"], "test-model");
    assert_eq!(d["input_tokens"], 1200);
    assert_eq!(d["output_tokens"], 80);
    assert!(
        (d["cost_usd"].as_f64().unwrap() - 0.0038).abs() < 1e-9,
        "{d}"
    );
    assert_eq!(d["escalated"], false);
    assert_eq!(d["status"], "ok");
    let completed = &env.audit_kind("probe.investigation_completed")[0]["details"];
    assert_eq!(completed["engine_status"], "ok");
    assert_eq!(
        completed["recommendation_text"],
        "Next step: rotate the Fly API token and re-run the probe."
    );
    assert_eq!(completed["summary"], DIAGNOSIS);
    let budget: Value = serde_json::from_str(&env.read("state/engine.budget.json")).unwrap();
    assert_eq!(budget["day"], "2026-05-24");
    assert_eq!(budget["calls"], 1);
}

/// Runs one dispatchable wake against an OpenAI-compatible fake answering
/// `reply`; returns the run and the investigation's engine_status.
fn openai_failure(reply: Reply, timeout: &str) -> (Output, String, TestEnv) {
    let engine = FakeServer::start(reply);
    let mut env = stamped();
    engine_env(&mut env, "openai", &engine.url());
    env.set_env("TEND_ENGINE_REQUEST_TIMEOUT", timeout);
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "fly", "critical")],
    );
    // The engine failed: a partial failure, though the fallback went out.
    let out = env.tend(&["wake", "consume"]).status(1);
    assert_eq!(engine.request_count(), 1);
    let status = env.audit_kind("probe.investigation_completed")[0]["details"]["engine_status"]
        .as_str()
        .unwrap()
        .to_string();
    (out, status, env)
}

#[test]
fn engine_failures_give_the_fallback_with_their_code() {
    let cases = [
        (fakes::api_error(401, "invalid api key"), "engine_http_401"),
        (fakes::api_error(403, "forbidden"), "engine_http_403"),
        (fakes::api_error(500, "boom"), "engine_http_500"),
        (fakes::api_error(429, "slow down"), "engine_http_429"),
        (Reply::text(200, "this is not json"), "engine_bad_response"),
        (
            fakes::openai_ok("{\"diagnosis\": \"disk\", \"next\": \"clean\"}", 10, 5),
            "engine_bad_response",
        ),
        (fakes::openai_ok("   ", 10, 0), "engine_bad_response"),
        (fakes::openai_tool_call(10, 5), "engine_bad_response"),
        (Reply::hang_up(), "engine_exception:connect"),
    ];
    for (reply, code) in cases {
        let (out, status, env) = openai_failure(reply, "5s");
        assert_eq!(status, code);
        assert!(
            out.stdout.contains(&format!(
                "I was unable to investigate — engine returned: {code}"
            )),
            "{code}: {}",
            out.stdout
        );
        assert!(
            without_short_ids(&out.stdout)
                .starts_with("🚨 Probe alert · fly\nfly (critical): fly answers HTTP 503\n")
        );
        assert!(out.stderr.contains(code), "{code}: stderr {:?}", out.stderr);
        // The call is recorded, and nothing of the key leaks.
        let inference = env.audit_kind("inference.recorded");
        assert_eq!(inference[0]["details"]["status"], code);
        assert!(!out.stderr.contains("sk-test-engine-secret-4711"));
    }
}

#[test]
fn a_slow_engine_times_out() {
    let started = Instant::now();
    let (out, status, _env) = openai_failure(
        fakes::openai_ok(DIAGNOSIS, 1, 1).delayed(Duration::from_secs(5)),
        "1s",
    );
    assert_eq!(status, "engine_timeout");
    assert!(out.stdout.contains("engine returned: engine_timeout"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn anthropic_engine_speaks_the_messages_api() {
    let engine = FakeServer::start(fakes::anthropic_ok(DIAGNOSIS, 300, 60));
    let mut env = stamped();
    engine_env(&mut env, "anthropic", &engine.url());
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "fly", "warning")],
    );
    let out = consume(&env);
    assert!(
        without_short_ids(&out.stdout).starts_with(&format!("⚠️ Probe alert · fly\n{DIAGNOSIS}\n"))
    );
    let r = &engine.requests()[0];
    assert_eq!(r.path, "/v1/messages");
    assert_eq!(r.header("x-api-key"), Some("sk-test-engine-secret-4711"));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    let body = r.json();
    assert_eq!(body["max_tokens"], 600);
    assert!(
        body["system"]
            .as_str()
            .unwrap()
            .contains("investigate only")
    );
    assert_eq!(body["messages"][0]["role"], "user");
    let d = &env.audit_kind("inference.recorded")[0]["details"];
    assert_eq!(
        (d["input_tokens"].as_u64(), d["output_tokens"].as_u64()),
        (Some(300), Some(60))
    );
    assert_eq!(d["model"], "claude-test");

    // A bad key is never silent; odd answers are refused.
    let tool_use = Reply::json(
        200,
        json!({"content": [{"type": "tool_use", "id": "t1", "name": "restart", "input": {}}],
               "usage": {"input_tokens": 5, "output_tokens": 5}}),
    );
    let cases = [
        (
            fakes::api_error(401, "invalid x-api-key"),
            "engine_http_401",
        ),
        (fakes::api_error(403, "forbidden"), "engine_http_403"),
        (
            Reply::json(529, json!({"type": "error"})),
            "engine_http_529",
        ),
        (
            Reply::text(200, "{\"content\": [truncated"),
            "engine_bad_response",
        ),
        (tool_use, "engine_bad_response"),
        (
            fakes::anthropic_ok("[\"restart\"]", 5, 5),
            "engine_bad_response",
        ),
    ];
    for (i, (reply, code)) in cases.into_iter().enumerate() {
        engine.push(reply);
        let probe = format!("p{i}");
        append(
            &env,
            &[wake(
                &format!("x{i}"),
                "2026-05-24T07:00:00Z",
                &probe,
                "critical",
            )],
        );
        let out = env.tend(&["wake", "consume"]).status(1);
        assert!(
            out.stdout.contains(&format!("engine returned: {code}")),
            "{code}: {}",
            out.stdout
        );
        assert!(out.stderr.contains(code), "{code}: {}", out.stderr);
    }
}

#[test]
fn command_engine_answers_times_out_and_fails() {
    let mut env = stamped();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1")
        .set_env("TEND_ENGINE_REQUEST_TIMEOUT", "1s");
    let llm = env.script(
        "bin/llm",
        "#!/bin/sh\ncase \"$1\" in\n\
         ok) cat > \"$TEND_ROOT/prompt.txt\"; echo 'The disk is full. Logs grew overnight.'; echo 'Next step: rotate the logs.' ;;\n\
         hang) sleep 30 ;;\n\
         fail) echo 'model not found' >&2; exit 4 ;;\n\
         esac\n",
    );
    let run = |env: &TestEnv, mode: &str, id: &str, probe: &str| {
        let toml = format!(
            "[engine]\nkind = \"command\"\ncommand = [{:?}, {mode:?}]\n",
            llm.display().to_string()
        );
        env.write("tend.toml", toml);
        append(env, &[wake(id, "2026-05-24T07:00:00Z", probe, "critical")]);
        let started = Instant::now();
        let out = env
            .tend(&["wake", "consume"])
            .status(if mode == "ok" { 0 } else { 1 });
        (out, started.elapsed())
    };
    let (out, _) = run(&env, "ok", "w1", "disk");
    assert_eq!(
        without_short_ids(&out.stdout),
        "🚨 Probe alert · disk\nThe disk is full. Logs grew overnight.\nNext step: rotate the logs.\n\nwake consume: 1 wake: 1 dispatched\n"
    );
    let prompt = env.read("prompt.txt");
    assert!(prompt.contains("Probe: disk") && prompt.contains("Never claim that a fix"));
    let d = &env.audit_kind("inference.recorded")[0]["details"];
    assert_eq!(d["usage_reported"], false);
    assert_eq!(d["usage_estimated"], true);

    let (out, took) = run(&env, "hang", "w2", "api");
    assert!(
        out.stdout.contains("engine returned: engine_timeout"),
        "{}",
        out.stdout
    );
    assert!(took < Duration::from_secs(10), "{took:?}");

    let (out, _) = run(&env, "fail", "w3", "db");
    assert!(
        out.stdout
            .contains("engine returned: engine_exception:exit_status"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("model not found"), "{}", out.stderr);
}

#[test]
fn the_cost_ladder_halts_before_the_next_call() {
    let engine = FakeServer::start(fakes::openai_ok(DIAGNOSIS, 1200, 0));
    let mut env = stamped();
    engine_env(&mut env, "openai", &engine.url());
    // 1200 input tokens at $1000/Mtok = $1.20 per call; $1.00 a day.
    env.write(
        "tend.toml",
        "[engine]\nmax_daily_cost_usd = 1.0\nprices = { \"test-model\" = { input_per_mtok = 1000.0, output_per_mtok = 0.0 } }\n",
    );
    append(
        &env,
        &[
            wake("w1", "2026-05-24T07:00:00Z", "api", "critical"),
            wake("w2", "2026-05-24T07:00:01Z", "db", "critical"),
        ],
    );
    let out = consume(&env);
    assert_eq!(engine.request_count(), 1, "the second call is not made");
    assert!(out.stdout.contains(DIAGNOSIS));
    assert!(
        out.stdout.contains("engine returned: cost_ladder_halted"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("max_daily_cost_usd"), "{}", out.stderr);
    let statuses: Vec<_> = env
        .audit_kind("probe.investigation_completed")
        .iter()
        .map(|r| r["details"]["engine_status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["ok", "cost_ladder_halted"]);
    assert_eq!(env.audit_kind("inference.recorded").len(), 1);
    let budget: Value = serde_json::from_str(&env.read("state/engine.budget.json")).unwrap();
    assert!((budget["spent_usd"].as_f64().unwrap() - 1.2).abs() < 1e-9);

    // A new UTC day has a new budget.
    append(
        &env,
        &[wake("w3", "2026-05-25T00:00:01Z", "web", "critical")],
    );
    env.tend(&["--now", "2026-05-25T00:01:00Z", "wake", "consume"])
        .ok();
    assert_eq!(engine.request_count(), 2);
}

#[test]
fn a_refused_tool_call_still_counts_its_tokens_toward_the_budget() {
    for (kind, reply) in [
        ("openai", fakes::openai_tool_call(777, 33)),
        ("anthropic", fakes::anthropic_tool_use(777, 33)),
    ] {
        let engine = FakeServer::start(reply);
        let mut env = stamped();
        engine_env(&mut env, kind, &engine.url());
        // 810 tokens at $1000/Mtok = $0.81 per call; $0.50 a day.
        env.write(
            "tend.toml",
            "[engine]\nmax_daily_cost_usd = 0.5\nprices = { \"test-model\" = { input_per_mtok = 1000.0, output_per_mtok = 1000.0 } }\n",
        );
        append(
            &env,
            &[wake("w1", "2026-05-24T07:00:00Z", "api", "critical")],
        );
        let out = env.tend(&["wake", "consume"]).status(1);
        assert!(
            out.stdout.contains("engine returned: engine_bad_response"),
            "{kind}: {}",
            out.stdout
        );
        let inference = env.audit_kind("inference.recorded");
        assert_eq!(inference.len(), 1, "{kind}");
        let d = &inference[0]["details"];
        assert_eq!(d["status"], "engine_bad_response", "{kind}");
        assert_eq!(
            (d["input_tokens"].as_u64(), d["output_tokens"].as_u64()),
            (Some(777), Some(33)),
            "{kind}: {d}"
        );
        assert_eq!(d["usage_reported"], true, "{kind}");
        assert!(
            (d["cost_usd"].as_f64().unwrap() - 0.81).abs() < 1e-9,
            "{kind}: {d}"
        );
        let budget: Value = serde_json::from_str(&env.read("state/engine.budget.json")).unwrap();
        assert!(
            (budget["spent_usd"].as_f64().unwrap() - 0.81).abs() < 1e-9,
            "{kind}: {budget}"
        );

        // The refused call spent the day's budget: the next wake is halted
        // before any call, and that is not a failure of the run.
        append(
            &env,
            &[wake("w2", "2026-05-24T07:01:00Z", "db", "critical")],
        );
        let out = env.tend(&["wake", "consume"]).ok();
        assert_eq!(engine.request_count(), 1, "{kind}");
        assert!(
            out.stdout.contains("engine returned: cost_ladder_halted"),
            "{kind}: {}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains("1 sent without investigation (today's LLM budget is spent)"),
            "{kind}: {}",
            out.stdout
        );
    }
}

#[test]
fn the_command_engine_is_priced_by_an_estimate_and_halted_by_the_budget() {
    let mut env = stamped();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    let llm = env.script(
        "bin/llm",
        "#!/bin/sh\necho run >> \"$TEND_ROOT/calls\"\ncat > \"$TEND_ROOT/prompt.txt\"\n\
         printf 'The disk is full. Logs grew overnight.\\nNext step: rotate the logs.\\n'\n",
    );
    // At $1000 per million tokens, a prompt of a few hundred tokens costs
    // far more than the $0.001 a day allowed.
    env.write(
        "tend.toml",
        format!(
            "[engine]\nkind = \"command\"\ncommand = [{:?}]\nmodel = \"local\"\n\
             max_daily_cost_usd = 0.001\n\
             prices = {{ \"local\" = {{ input_per_mtok = 1000.0, output_per_mtok = 2000.0 }} }}\n",
            llm.display().to_string()
        ),
    );
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "disk", "critical")],
    );
    let out = consume(&env);
    assert!(out.stdout.contains("The disk is full."), "{}", out.stdout);
    let answer = "The disk is full. Logs grew overnight.\nNext step: rotate the logs.\n";
    let prompt_bytes = std::fs::metadata(env.path("prompt.txt")).unwrap().len();
    let (input, output) = (prompt_bytes.div_ceil(4), (answer.len() as u64).div_ceil(4));
    let d = &env.audit_kind("inference.recorded")[0]["details"];
    assert_eq!(d["model"], "local");
    assert_eq!(
        (d["input_tokens"].as_u64(), d["output_tokens"].as_u64()),
        (Some(input), Some(output)),
        "one token per 4 bytes of prompt and answer: {d}"
    );
    assert_eq!(
        (
            d["usage_reported"].as_bool(),
            d["usage_estimated"].as_bool()
        ),
        (Some(false), Some(true))
    );
    let cost = (input as f64 * 1000.0 + output as f64 * 2000.0) / 1e6;
    assert!(
        (d["cost_usd"].as_f64().unwrap() - cost).abs() < 1e-12,
        "{d}"
    );
    let budget: Value = serde_json::from_str(&env.read("state/engine.budget.json")).unwrap();
    assert!((budget["spent_usd"].as_f64().unwrap() - cost).abs() < 1e-12);
    assert!(cost > 0.001);

    // A later run is halted before the command is run again.
    append(
        &env,
        &[wake("w2", "2026-05-24T07:30:00Z", "db", "critical")],
    );
    let out = env
        .tend(&["--now", "2026-05-24T09:00:00Z", "wake", "consume"])
        .ok();
    assert!(
        out.stdout.contains("engine returned: cost_ladder_halted"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("max_daily_cost_usd"), "{}", out.stderr);
    assert_eq!(env.read("calls").lines().count(), 1, "the command ran once");
    assert_eq!(env.audit_kind("inference.recorded").len(), 1);
}

#[test]
fn base_urls_ending_in_the_api_path_are_not_doubled_and_errors_name_the_url() {
    // Anthropic: a base URL with /v1 (or the whole endpoint) requests /v1/messages.
    let engine = FakeServer::start(fakes::anthropic_ok(DIAGNOSIS, 10, 10));
    for (i, base) in ["/v1", "/v1/", "/v1/messages"].into_iter().enumerate() {
        let mut env = stamped();
        engine_env(&mut env, "anthropic", &format!("{}{base}", engine.url()));
        append(
            &env,
            &[wake(
                &format!("w{i}"),
                "2026-05-24T07:00:00Z",
                "fly",
                "critical",
            )],
        );
        let out = consume(&env);
        assert!(out.stdout.contains(DIAGNOSIS), "{base}: {}", out.stdout);
        assert_eq!(engine.requests()[i].path, "/v1/messages", "{base}");
    }
    // OpenAI-compatible: the endpoint pasted whole is not doubled either.
    let engine = FakeServer::start(fakes::openai_ok(DIAGNOSIS, 10, 10));
    let mut env = stamped();
    engine_env(
        &mut env,
        "openai",
        &format!("{}/v1/chat/completions/", engine.url()),
    );
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "fly", "critical")],
    );
    consume(&env);
    assert_eq!(engine.requests()[0].path, "/v1/chat/completions");

    // A failure names the URL actually requested, credentials redacted.
    let missing = FakeServer::start(fakes::api_error(404, "not found"));
    for kind in ["anthropic", "openai"] {
        let mut env = stamped();
        let base = missing.url().replace("http://", "http://bob:hunter2@");
        engine_env(&mut env, kind, &format!("{base}/v1?key=K123"));
        append(
            &env,
            &[wake("w1", "2026-05-24T07:00:00Z", "fly", "critical")],
        );
        let out = env.tend(&["wake", "consume"]).status(1);
        let path = if kind == "anthropic" {
            "/v1/messages"
        } else {
            "/v1/chat/completions"
        };
        let shown = format!(
            "POST {}{path}?key=<redacted>: HTTP 404",
            missing.url().replace("http://", "http://<redacted>@")
        );
        assert!(
            out.stderr.contains(&shown),
            "{kind}: want {shown:?} in {}",
            out.stderr
        );
        assert!(!out.stderr.contains("hunter2") && !out.stderr.contains("K123"));
        assert!(out.stdout.contains("engine returned: engine_http_404"));
        assert_eq!(
            missing.requests().last().unwrap().path,
            format!("{path}?key=K123")
        );
    }
}

#[test]
fn a_failed_engine_makes_wake_consume_and_tick_exit_1_after_the_fallback() {
    let engine = FakeServer::start(fakes::api_error(403, "forbidden"));
    let mut env = stamped();
    engine_env(&mut env, "openai", &engine.url());
    env.write("tend.toml", "# engine from the environment\n");
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "fly", "critical")],
    );
    let out = env.tend(&["--json", "tick"]).status(1);
    let lines = out.json_lines();
    let summary = lines.last().unwrap();
    let wake_step = summary["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no steps in {summary}"))
        .iter()
        .find(|s| s["step"] == "wake consume")
        .unwrap_or_else(|| panic!("no wake consume step in {summary}"))
        .clone();
    assert_eq!(wake_step["exit_code"], 1, "{summary}");
    assert!(
        out.stderr.contains("engine_http_403"),
        "a rejected key is never silent: {}",
        out.stderr
    );
    // Everything was still sent and recorded, and the wake is not sent again.
    let dispatched = env.audit_kind("notification.dispatched");
    assert_eq!(dispatched.len(), 1);
    assert_eq!(dispatched[0]["details"]["status"], "ok");
    assert_eq!(
        env.audit_kind("probe.investigation_completed")[0]["details"]["engine_status"],
        "engine_http_403"
    );
    assert_eq!(env.audit_kind("inference.recorded").len(), 1);
    let out = env.tend(&["wake", "consume"]).ok();
    assert_eq!(out.stdout, "");
    assert_eq!(engine.request_count(), 1);
}

// ---------------------------------------------------------------- channels

#[test]
fn slack_dm_is_posted_with_the_bot_token() {
    let slack = FakeServer::start(fakes::slack_ok());
    let mut env = stamped();
    slack_env(&mut env, &slack);
    let mut row = wake("w1", "2026-05-24T07:00:00Z", "api", "critical");
    row["details"]["summary"] = json!("<!channel> & friends");
    append(&env, &[row]);
    let out = consume(&env);
    assert_eq!(
        out.stdout,
        "wake consume: 1 wake: 1 dispatched; 1 sent without investigation (no engine configured)\n"
    );
    let requests = slack.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/chat.postMessage")
    );
    assert_eq!(
        r.header("authorization"),
        Some("Bearer xoxb-test-slack-secret-0815")
    );
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = r.json();
    assert_eq!(body["channel"], "U0123456");
    insta::assert_snapshot!(body["text"].as_str().unwrap(), @r"
    🚨 Probe alert · api
    api (critical): &lt;!channel&gt; &amp; friends
    Category: down · http_status=503
    Sent without investigation (no engine configured).
    ");
    let d = &env.audit_kind("notification.dispatched")[0]["details"];
    assert_eq!(d["channel"], "slack_dm");
    assert_eq!(d["status"], "ok");
    assert_eq!(d["detail"], "1779609600.000100");
}

/// Sends one wake to a fake Slack whose first answers are `replies`.
fn slack_failure(replies: Vec<Reply>) -> (Output, FakeServer, TestEnv) {
    let slack = FakeServer::start(fakes::slack_ok());
    for reply in replies {
        slack.push(reply);
    }
    let mut env = stamped();
    slack_env(&mut env, &slack);
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "api", "critical")],
    );
    let out = env.tend(&["wake", "consume"]).output();
    (out, slack, env)
}

#[test]
fn slack_errors_are_audited_by_name_and_exit_1() {
    let cases: Vec<(Reply, &str, usize)> = vec![
        (
            fakes::slack_error("channel_not_found"),
            "slack_channel_not_found",
            1,
        ),
        (fakes::slack_error("invalid_auth"), "slack_invalid_auth", 1),
        (fakes::api_error(500, "boom"), "http_500", 1),
        (Reply::text(200, "<html>proxy</html>"), "bad_response", 1),
        // Retry-After longer than the 2s bound: no retry.
        (fakes::rate_limited(30), "rate_limited", 1),
        (
            fakes::slack_ok().delayed(Duration::from_secs(4)),
            "timeout",
            1,
        ),
    ];
    for (reply, error, requests) in cases {
        let (out, slack, env) = slack_failure(vec![reply]);
        assert_eq!(out.code, 1, "{error}: {out:?}");
        assert_eq!(slack.request_count(), requests, "{error}");
        assert!(out.stderr.contains(error), "{error}: {}", out.stderr);
        assert!(
            out.stdout.contains("1 failed to send via slack"),
            "{}",
            out.stdout
        );
        let d = &env.audit_kind("notification.dispatched")[0]["details"];
        assert_eq!(d["status"], "failed");
        assert_eq!(d["error"], error);
        // Recorded: a broken channel does not become a storm of retries.
        let again = env.tend(&["wake", "consume"]).ok();
        assert!(!again.stdout.contains("dispatched"), "{}", again.stdout);
        assert_eq!(slack.request_count(), requests);
        assert!(!out.stderr.contains("xoxb-test-slack-secret-0815"));
    }
}

#[test]
fn slack_429_is_retried_once_after_retry_after() {
    let (out, slack, env) = slack_failure(vec![fakes::rate_limited(1)]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(slack.request_count(), 2);
    assert_eq!(
        env.audit_kind("notification.dispatched")[0]["details"]["status"],
        "ok"
    );
    // Twice rate-limited: one retry only.
    let (out, slack, env) = slack_failure(vec![fakes::rate_limited(1), fakes::rate_limited(1)]);
    assert_eq!(out.code, 1);
    assert_eq!(slack.request_count(), 2);
    assert_eq!(
        env.audit_kind("notification.dispatched")[0]["details"]["error"],
        "rate_limited"
    );
}

#[test]
fn webhook_posts_json_text() {
    let hook = FakeServer::start(Reply::text(200, "ok"));
    let mut env = stamped();
    env.set_env("TEND_OPERATOR_CHANNEL", "webhook")
        .set_env("TEND_WEBHOOK_URL_ENV", "TEST_HOOK")
        .set_env(
            "TEST_HOOK",
            &format!("{}/hooks/T000/B000/secret-path-42", hook.url()),
        )
        .set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "api", "warning")],
    );
    consume(&env);
    let r = &hook.requests()[0];
    assert_eq!(r.path, "/hooks/T000/B000/secret-path-42");
    let body = r.json();
    // The text, and the incident it is about (design §6a).
    assert_eq!(body.as_object().unwrap().len(), 2);
    assert_eq!(
        body["incident_id"],
        env.audit_kind("notification.dispatched")[0]["details"]["incident_id"]
    );
    assert_eq!(body["incident_id"].as_str().unwrap().len(), 36);
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .starts_with("⚠️ Probe alert · api\n")
    );
    assert_eq!(
        env.audit_kind("notification.dispatched")[0]["details"]["channel"],
        "webhook"
    );

    hook.push(fakes::api_error(500, "down"));
    append(&env, &[wake("w2", "2026-05-24T07:00:00Z", "db", "warning")]);
    let out = env.tend(&["wake", "consume"]).status(1);
    assert!(out.stderr.contains("http_500"), "{}", out.stderr);
    assert!(!out.stderr.contains("secret-path-42"), "{}", out.stderr);
}

#[test]
fn long_messages_are_cut_with_a_marker() {
    let engine = FakeServer::start(fakes::openai_ok(&"All is lost. ".repeat(1000), 1, 1));
    let slack = FakeServer::start(fakes::slack_ok());
    let mut env = stamped();
    engine_env(&mut env, "openai", &engine.url());
    slack_env(&mut env, &slack);
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "api", "critical")],
    );
    consume(&env);
    let text = slack.requests()[0].json()["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.chars().count() <= 3800);
    assert!(
        text.contains("[truncated: "),
        "{}",
        &text[text.len() - 100..]
    );
}

// ---------------------------------------------------------------- secrets

#[test]
fn secrets_never_reach_the_root_stdout_stderr_or_the_audit_log() {
    let engine_key = "sk-test-engine-secret-4711";
    let slack_token = "xoxb-test-slack-secret-0815";
    // Both services echo the credentials back in their error bodies.
    let engine = FakeServer::start(Reply::text(
        401,
        &format!("invalid key {engine_key} / {slack_token}"),
    ));
    let slack = FakeServer::start(Reply::text(
        500,
        &format!("bad token {slack_token} / {engine_key}"),
    ));
    let mut env = stamped();
    engine_env(&mut env, "openai", &engine.url());
    slack_env(&mut env, &slack);
    append(
        &env,
        &[wake("w1", "2026-05-24T07:00:00Z", "api", "critical")],
    );
    let mut outputs = vec![env.tend(&["wake", "consume", "-v"]).status(1)];
    append(
        &env,
        &[wake("w2", "2026-05-24T07:00:00Z", "db", "critical")],
    );
    outputs.push(env.tend(&["--json", "wake", "consume"]).status(1));
    outputs.push(env.tend(&["config", "show"]).ok());
    outputs.push(env.tend(&["status"]).output());
    for out in &outputs {
        for secret in [engine_key, slack_token] {
            assert!(!out.stdout.contains(secret), "stdout: {}", out.stdout);
            assert!(!out.stderr.contains(secret), "stderr: {}", out.stderr);
        }
    }
    for entry in walkdir::WalkDir::new(env.root()) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for secret in [engine_key, slack_token] {
                assert!(
                    !text.contains(secret),
                    "{} holds a secret",
                    entry.path().display()
                );
            }
        }
    }
    assert_eq!(engine.request_count(), 2);
    assert_eq!(slack.request_count(), 2);
}

#[test]
fn a_replay_since_a_future_time_is_refused_and_loses_no_later_wake() {
    let env = stamped();
    // The run's time is 2026-05-24T08:00:00Z: a replay from next year used to
    // move the cursor past today's segment, and every later wake of today was
    // passed over while `status` said the cursor was up to date.
    let out = env
        .tend(&["wake", "consume", "--since", "2027-01-01"])
        .status(2);
    assert!(
        out.stderr
            .contains("--since 2027-01-01T00:00:00.000Z is after the run's time"),
        "{}",
        out.stderr
    );
    append(
        &env,
        &[
            wake("w1", "2026-05-24T07:59:00Z", "api", "critical"),
            wake("w2", "2026-05-24T07:59:30Z", "api", "critical"),
        ],
    );
    let out = consume(&env);
    assert_eq!(
        out.stdout.matches("Probe alert").count(),
        1,
        "{}",
        out.stdout
    );
    // The run's own instant is not in the future.
    env.tend(&["wake", "consume", "--since", "2026-05-24T08:00:00Z"])
        .ok();
}

#[test]
fn status_counts_a_segment_rewritten_under_the_cursor_as_unread() {
    let env = stamped();
    append(
        &env,
        &[
            wake("w1", "2026-05-24T07:00:00Z", "api", "critical"),
            wake("w2", "2026-05-24T07:01:00Z", "api", "critical"),
        ],
    );
    consume(&env);
    let lag_line = |out: &Output| {
        out.stdout
            .lines()
            .find(|l| l.starts_with("wake cursor:"))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        lag_line(&env.tend(&["status"]).output()),
        "wake cursor: up to date"
    );
    // Rewritten shorter (restored from a backup, say): the next wake consume
    // re-reads it from its start, so `status` must not say "up to date".
    std::fs::remove_file(env.path(SEGMENT)).unwrap();
    append(
        &env,
        &[wake("w3", "2026-05-24T07:02:00Z", "db", "critical")],
    );
    assert_eq!(
        lag_line(&env.tend(&["status"]).output()),
        "wake cursor: 1 row to read (1 probe.wake_requested) in 1 segment"
    );
    // A position past anything a file can hold (a hand-edited cursor) used
    // to fail `status` with a bare "Invalid argument (os error 22)".
    let mut cursor: Value = serde_json::from_str(&env.read("state/wake.cursor.json")).unwrap();
    cursor["segments"]["2026-05-24.jsonl"] = json!({"offset": u64::MAX, "last_line_hash": "0"});
    env.write("state/wake.cursor.json", cursor.to_string());
    let out = env.tend(&["status"]).output();
    assert!(!out.stderr.contains("os error"), "{}", out.stderr);
    assert_eq!(
        lag_line(&out),
        "wake cursor: 1 row to read (1 probe.wake_requested) in 1 segment"
    );
}
