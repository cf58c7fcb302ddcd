//! `tend promote …` (design §7) on real files: observe → propose → review →
//! expire, deterministic ids, the rejection cool-down, stale evidence, repeated
//! and conflicting decisions, on_approve (success, failure, retry, timeout),
//! the reviewers' lock, a damaged proposal, and a kill -9 during an approval.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::TestEnv;

/// One platform row, in tend's spacing or Python's `json.dumps` spacing.
fn row(ts: &str, kind: &str, details: Value, python: bool) -> String {
    // An id of its own per row (a copy of a row keeps its id, design §3).
    let id = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (kind, details.to_string()).hash(&mut h);
        format!("r-{ts}-{:016x}", h.finish())
    };
    let v = json!({"id": id, "ts": ts, "kind": kind, "details": details});
    let text = v.to_string();
    if python {
        // json.dumps: ", " and ": " separators.
        let value: Value = serde_json::from_str(&text).unwrap();
        python_dumps(&value)
    } else {
        text
    }
}

fn python_dumps(v: &Value) -> String {
    match v {
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), python_dumps(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(python_dumps).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

fn append(env: &TestEnv, segment: &str, lines: &[String]) {
    let path = env.path(&format!("audit/{segment}"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
}

/// `n` inference rows for `route` in the window ending at NOW (2026-05-24T08:00Z),
/// `escalated` of them escalated, alternately spaced, written out of order.
fn inference(route: &str, n: usize, escalated: usize) -> Vec<String> {
    let mut rows: Vec<String> = (0..n)
        .map(|i| {
            row(
                &format!("2026-05-24T0{}:{:02}:00.000Z", i % 7, i % 60),
                "inference.recorded",
                json!({"route": route, "model": "m", "escalated": i < escalated, "cost_usd": 0.01}),
                i % 3 == 0,
            )
        })
        .collect();
    rows.reverse();
    rows
}

fn ids_in(env: &TestEnv, lp: &str, status: &str) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(env.path(&format!("proposals/{lp}/{status}")))
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".json")
                        .map(String::from)
                })
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn proposal(env: &TestEnv, lp: &str, status: &str, id: &str) -> Value {
    serde_json::from_str(&env.read(&format!("proposals/{lp}/{status}/{id}.json"))).unwrap()
}

/// A root with one router-tuning proposal pending; returns its id.
fn router_pending(env: &TestEnv) -> String {
    append(env, "2026-05-24.jsonl", &inference("slack_dm", 40, 30));
    env.tend(&["promote", "run", "router-tuning"]).ok();
    let ids = ids_in(env, "router-tuning", "pending");
    assert_eq!(ids.len(), 1, "{ids:?}");
    ids[0].clone()
}

#[test]
fn observe_propose_review_and_expire_on_real_files() {
    let env = TestEnv::new();
    // Late rows for the window in yesterday's segment, Python spacing, out of order.
    append(
        &env,
        "2026-05-23.jsonl",
        &[
            row(
                "2026-05-24T07:00:00Z",
                "reasoning.tool_called",
                json!({"route": "a", "tool_name": "search", "caller_session_id": "s"}),
                true,
            ),
            row(
                "2026-04-01T00:00:00Z",
                "reasoning.tool_called",
                json!({"route": "a", "tool_name": "ancient", "caller_session_id": "s"}),
                false,
            ),
        ],
    );
    let mut tools = Vec::new();
    for i in 0..24 {
        tools.push(row(
            &format!("2026-05-2{}T01:00:{i:02}Z", i % 4),
            "reasoning.tool_called",
            json!({"route": "a", "tool_name": if i % 2 == 0 { "search" } else { "fetch" }, "caller_session_id": "s"}),
            i % 2 == 0,
        ));
    }
    tools.push(row(
        "2026-05-20T00:00:00Z",
        "reasoning.tool_called",
        json!({"route": "b", "tool_name": "mail"}),
        false,
    ));
    append(&env, "2026-05-24.jsonl", &tools);
    let mut inv = Vec::new();
    for (i, rec) in ["Restart the API.", "restart the api", "Scale up", ""]
        .iter()
        .enumerate()
    {
        inv.push(row(
            &format!("2026-05-2{i}T03:00:00Z"),
            "probe.investigation_completed",
            json!({"probe": "api", "issue_category": "down", "wake_id": format!("w{i}"), "engine_status": "ok",
                   "recommendation_text": rec, "autofix_attempted": false}),
            i == 1,
        ));
    }
    inv.push(row("2026-05-22T03:00:00Z", "probe.investigation_completed",
        json!({"probe": "api", "issue_category": "down", "wake_id": "wx", "engine_status": "ok", "autofix_attempted": true}), false));
    append(&env, "2026-05-23.jsonl", &inv);
    append(&env, "2026-05-24.jsonl", &inference("slack_dm", 40, 30));
    append(&env, "2026-05-24.jsonl", &inference("email", 40, 2));

    let out = env.tend(&["promote", "observe"]).ok();
    assert_eq!(out.stdout, "", "observe prints nothing");
    let obs: Value = serde_json::from_str(&env.read("observations/tool-trimming.json")).unwrap();
    assert_eq!(obs["rows"]["reasoning.tool_called"], 26, "{obs}");
    assert_eq!(obs["figures"]["tool_calls"]["a"]["search"], 13);
    assert!(
        obs["figures"]["tool_calls"]["a"].get("ancient").is_none(),
        "outside the window"
    );
    assert!(obs["digest"].as_str().unwrap().starts_with("sha1:"));
    assert_eq!(obs["since"], "2026-04-24T08:00:00Z");

    let out = env.tend(&["promote", "propose"]).ok();
    assert_eq!(
        out.stdout.trim(),
        "promote: 3 new proposals (tend promote list --status pending)"
    );
    let router = ids_in(&env, "router-tuning", "pending");
    assert_eq!(router.len(), 1, "only slack_dm escalates");
    let p = proposal(&env, "router-tuning", "pending", &router[0]);
    assert_eq!(p["route"], "slack_dm");
    assert_eq!(p["calls_count"], 40);
    assert_eq!(p["escalation_count"], 30);
    assert_eq!(p["escalation_rate"], 0.75);
    assert_eq!(
        p["rationale"],
        "Route 'slack_dm' escalated on 30/40 calls (75.0%) in the rolling 24h window (threshold 50.0%); spend so far: $0.4000."
    );
    assert_eq!(p["observation_digest"], obs_digest(&env, "router-tuning"));
    let tool = ids_in(&env, "tool-trimming", "pending");
    let t = proposal(&env, "tool-trimming", "pending", &tool[0]);
    assert_eq!(t["route"], "a");
    assert_eq!(t["unused_tools"], json!(["mail"]));
    assert_eq!(t["available_from"], "union");
    assert_eq!(t["total_calls_for_route"], 25);
    let envelope = ids_in(&env, "probe-envelopes", "pending");
    let e = proposal(&env, "probe-envelopes", "pending", &envelope[0]);
    assert_eq!(e["cluster_size"], 4);
    assert_eq!(e["confidence"], 0.6667);
    assert_eq!(e["sample_wake_ids"], json!(["w3", "w2", "w1"]));
    assert_eq!(
        e["suggested_envelope"],
        json!({"enabled": false, "fix_name": "proposed_api_down"})
    );
    assert_eq!(env.audit_kind("promotion.router_trigger_proposed").len(), 1);
    assert_eq!(env.audit_kind("promotion.tool_trim_proposed").len(), 1);
    assert_eq!(
        env.audit_kind("promotion.probe_envelope_action_proposed")
            .len(),
        1
    );

    // Nothing new: a cron run prints nothing and proposes nothing.
    let out = env.tend(&["promote", "run"]).ok();
    assert_eq!(out.stdout, "");
    assert_eq!(env.audit_kind("promotion.router_trigger_proposed").len(), 1);

    let out = env.tend(&["promote", "list"]).ok();
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("SUBJECT"),
        "{}",
        out.stdout
    );
    assert!(lines.iter().all(|l| l.chars().count() <= 100));
    let rows = env
        .tend(&["promote", "list", "--json", "--loop", "router-tuning"])
        .ok()
        .json_lines();
    assert_eq!(rows[0]["proposal_id"], json!(router[0]));
    assert_eq!(rows.last().unwrap()["summary"], true);

    let show = env.tend(&["promote", "show", &router[0]]).ok();
    assert!(
        show.stdout.contains("Route 'slack_dm' escalated on 30/40"),
        "{}",
        show.stdout
    );
    let shown: Value = serde_json::from_str(
        &env.tend(&["promote", "show", &router[0], "--json"])
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(shown["proposal_id"], json!(router[0]));

    env.tend(&[
        "promote",
        "approve",
        &router[0],
        "--note",
        "tighten it",
        "--by",
        "alice",
    ])
    .ok();
    let a = proposal(&env, "router-tuning", "approved", &router[0]);
    assert_eq!(a["status"], "approved");
    assert_eq!(a["reviewed_by"], "alice");
    assert_eq!(a["review_notes"], "tighten it");
    assert!(ids_in(&env, "router-tuning", "pending").is_empty());
    let approved = env.audit_kind("promotion.approved");
    assert_eq!(approved[0]["details"]["reviewed_by"], "alice");

    env.tend(&["promote", "reject", &tool[0], "--note", "we need mail"])
        .env("USER", "bob")
        .ok();
    assert_eq!(
        proposal(&env, "tool-trimming", "rejected", &tool[0])["reviewed_by"],
        "bob"
    );
    assert_eq!(
        env.audit_kind("promotion.rejected")[0]["details"]["review_notes"],
        "we need mail"
    );

    // Fourteen days later the envelope proposal expires.
    env.tend(&["promote", "expire"])
        .env("TEND_NOW", "2026-06-07T07:59:59Z")
        .ok();
    assert_eq!(ids_in(&env, "probe-envelopes", "pending"), envelope);
    let out = env
        .tend(&["promote", "expire"])
        .env("TEND_NOW", "2026-06-07T08:00:00Z")
        .ok();
    assert_eq!(out.stdout.trim(), "promote: 1 expired");
    assert_eq!(ids_in(&env, "probe-envelopes", "expired"), envelope);
    assert_eq!(env.audit_kind("promotion.expired").len(), 1);
    let out = env.tend(&["status"]).ok();
    assert!(!out.stdout.contains("waiting"), "{}", out.stdout);
}

fn obs_digest(env: &TestEnv, lp: &str) -> Value {
    let obs: Value = serde_json::from_str(&env.read(&format!("observations/{lp}.json"))).unwrap();
    obs["digest"].clone()
}

#[test]
fn ids_are_deterministic_across_runs_and_days_and_rejections_cool_down() {
    let env = TestEnv::new();
    let first = router_pending(&env);
    assert!(
        first.starts_with("p-router-") && first.len() == 21,
        "{first}"
    );
    // The same facts in another root give the same id.
    let other = TestEnv::new();
    assert_eq!(router_pending(&other), first);
    env.tend(&["promote", "reject", &first, "--note", "fine as is"])
        .ok();
    // Within ttl_days of the rejection: no new proposal, even on later days.
    let later = "2026-05-30T08:00:00Z";
    append(
        &env,
        "2026-05-30.jsonl",
        &inference("slack_dm", 40, 30)
            .iter()
            .map(|l| l.replace("2026-05-24", "2026-05-30"))
            .collect::<Vec<_>>(),
    );
    let out = env
        .tend(&["promote", "run", "router-tuning"])
        .env("TEND_NOW", later)
        .ok();
    assert_eq!(out.stdout, "");
    assert!(ids_in(&env, "router-tuning", "pending").is_empty());
    // After the cool-down: proposed again, under the new day's id.
    let after = "2026-06-07T09:00:00Z";
    append(
        &env,
        "2026-06-07.jsonl",
        &inference("slack_dm", 40, 30)
            .iter()
            .map(|l| l.replace("2026-05-24", "2026-06-07"))
            .collect::<Vec<_>>(),
    );
    env.tend(&["promote", "run", "router-tuning"])
        .env("TEND_NOW", after)
        .ok();
    let again = ids_in(&env, "router-tuning", "pending");
    assert_eq!(again.len(), 1);
    assert_ne!(again[0], first);
    // Re-running the same day never duplicates.
    env.tend(&["promote", "run", "router-tuning"])
        .env("TEND_NOW", "2026-06-07T10:00:00Z")
        .ok();
    assert_eq!(ids_in(&env, "router-tuning", "pending"), again);
    assert_eq!(env.audit_kind("promotion.router_trigger_proposed").len(), 2);
}

#[test]
fn stale_evidence_is_refused_unless_forced() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    // Many calms calls arrive: the rate drops under the threshold.
    append(&env, "2026-05-24.jsonl", &inference("slack_dm", 160, 0));
    let out = env.tend(&["promote", "approve", &id]).status(1);
    assert!(
        out.stderr.contains(
            "route slack_dm now escalates on 30/200 calls (15.0%), below the threshold 50.0%"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(
        ids_in(&env, "router-tuning", "pending"),
        vec![id.as_str()],
        "nothing moved"
    );
    assert!(env.audit_kind("promotion.approved").is_empty());
    env.tend(&["promote", "approve", &id, "--force", "--note", "I know"])
        .ok();
    let p = proposal(&env, "router-tuning", "approved", &id);
    assert!(
        p["forced"]["stale_evidence"]
            .as_str()
            .unwrap()
            .contains("30/200"),
        "{p}"
    );
    assert!(env.audit_kind("promotion.approved")[0]["details"]["forced"].is_object());
}

#[test]
fn repeated_and_conflicting_decisions() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    env.tend(&["promote", "approve", &id, "--by", "alice"]).ok();
    let out = env.tend(&["promote", "approve", &id, "--by", "carol"]).ok();
    assert_eq!(
        out.stdout.trim(),
        format!("{id}: already approved by alice at 2026-05-24T08:00:00.000Z")
    );
    let out = env
        .tend(&["promote", "reject", &id, "--note", "no"])
        .status(1);
    assert!(
        out.stderr.contains(&format!(
            "{id} is approved (by alice at 2026-05-24T08:00:00.000Z); it cannot be rejected"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(env.audit_kind("promotion.approved").len(), 1);
    let out = env
        .tend(&["promote", "approve", "p-router-000000000000"])
        .status(2);
    assert!(out.stderr.contains("no proposal"), "{}", out.stderr);
    let out = env
        .tend(&["promote", "approve", "../../etc/passwd"])
        .status(2);
    assert!(out.stderr.contains("not a proposal id"), "{}", out.stderr);
    let out = env.tend(&["promote", "observe", "router"]).status(2);
    assert!(
        out.stderr
            .contains("router-tuning, tool-trimming, probe-envelopes"),
        "{}",
        out.stderr
    );
    env.tend(&["promote", "reject", &id, "--note", " "])
        .status(2);
}

fn with_on_approve(env: &TestEnv, script: &str, timeout: &str) -> PathBuf {
    let path = env.script("apply.sh", script);
    env.write(
        "tend.toml",
        format!(
            "[promote.router-tuning]\non_approve = [{:?}]\non_approve_timeout = {timeout:?}\n",
            path.display().to_string()
        ),
    );
    path
}

#[test]
fn on_approve_success_failure_retry_and_timeout() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    let seen = env.dir().join("applied.json");
    with_on_approve(
        &env,
        &format!(
            "#!/bin/sh\ncat > {}\nif [ -e {}/fail ]; then echo 'cannot reach router' >&2; exit 3; fi\n",
            seen.display(),
            env.dir().display()
        ),
        "10s",
    );
    std::fs::write(env.dir().join("fail"), "").unwrap();
    let out = env.tend(&["promote", "approve", &id]).status(1);
    assert!(
        out.stderr
            .contains("on_approve exited 3: cannot reach router; approve it again to retry"),
        "{}",
        out.stderr
    );
    let p = proposal(&env, "router-tuning", "approved", &id);
    assert_eq!(p["apply"]["status"], "failed");
    assert_eq!(p["apply"]["exit_code"], 3);
    assert_eq!(p["apply"]["stderr_tail"], "cannot reach router");
    let stdin: Value = serde_json::from_str(&std::fs::read_to_string(&seen).unwrap()).unwrap();
    assert_eq!(stdin["proposal_id"], json!(id));
    assert_eq!(stdin["status"], "approved");
    assert_eq!(
        env.audit_kind("promotion.approved")[0]["details"]["apply"]["status"],
        "failed"
    );
    // Retried by approving again, and only while it failed.
    std::fs::remove_file(env.dir().join("fail")).unwrap();
    env.tend(&["promote", "approve", &id]).ok();
    let p = proposal(&env, "router-tuning", "approved", &id);
    assert_eq!(p["apply"]["status"], "ok");
    assert_eq!(p["apply"]["attempt"], 2);
    std::fs::remove_file(&seen).unwrap();
    let out = env.tend(&["promote", "approve", &id]).ok();
    assert!(out.stdout.contains("already approved"), "{}", out.stdout);
    assert!(!seen.exists(), "a succeeded apply is not run again");
    assert_eq!(env.audit_kind("promotion.approved").len(), 2);
}

#[test]
fn a_hanging_on_approve_is_killed_with_its_children_at_its_timeout() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    let pidfile = env.dir().join("child.pid");
    with_on_approve(
        &env,
        &format!(
            "#!/bin/sh\nsleep 300 &\necho $! > {}\nwait\n",
            pidfile.display()
        ),
        "1s",
    );
    let out = env.tend(&["promote", "approve", &id]).status(1);
    assert!(out.stderr.contains("timed out after 1s"), "{}", out.stderr);
    let p = proposal(&env, "router-tuning", "approved", &id);
    assert_eq!(p["apply"]["status"], "failed");
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    assert!(
        !PathBuf::from(format!("/proc/{}", pid.trim())).exists()
            || std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .unwrap_or_default()
                .contains(") Z"),
        "the grandchild outlived the run"
    );
}

#[test]
fn probe_envelopes_refuse_on_approve() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[promote.probe-envelopes]\non_approve = [\"/bin/true\"]\n",
    );
    let out = env.tend(&["promote", "run"]).status(2);
    assert!(
        out.stderr.contains("promote.probe-envelopes.on_approve"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_second_reviewer_waits_for_the_lock() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    append(
        &env,
        "2026-05-24.jsonl",
        &[row(
            "2026-05-24T01:00:00Z",
            "reasoning.tool_called",
            json!({"route": "a", "tool_name": "x"}),
            false,
        )],
    );
    let started = env.dir().join("started");
    let release = env.dir().join("release");
    with_on_approve(
        &env,
        &format!(
            "#!/bin/sh\ntouch {}\nwhile [ ! -e {} ]; do sleep 0.05; done\n",
            started.display(),
            release.display()
        ),
        "60s",
    );
    let mut first = env.tend(&["promote", "approve", &id]).into_command();
    let mut first = first
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !started.exists() {
        assert!(Instant::now() < deadline, "on_approve never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The reviewers' lock is held: no wait → exit 75 naming the holder.
    let out = env
        .tend(&["promote", "reject", &id, "--note", "x", "--wait", "0"])
        .status(75);
    assert!(out.stderr.contains("promote review"), "{}", out.stderr);
    // With --wait it gets the lock once the first approval ends, then sees its decision.
    let mut second = env
        .tend(&["promote", "reject", &id, "--note", "x", "--wait", "120"])
        .into_command();
    let second = second
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::fs::write(&release, "").unwrap();
    assert!(first.wait().unwrap().success());
    let out = second.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is approved"));
}

#[test]
fn a_damaged_proposal_is_quarantined_and_the_others_listed() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    env.write(
        "proposals/router-tuning/pending/p-router-0123456789ab.json",
        "{\"proposal_id\": ",
    );
    // design §10: a quarantined state file is exit 74, after the rest is done.
    let out = env.tend(&["promote", "list"]).status(74);
    assert!(out.stdout.contains(&id), "{}", out.stdout);
    assert!(
        out.stderr.contains("p-router-0123456789ab.json"),
        "{}",
        out.stderr
    );
    assert!(!env.exists("proposals/router-tuning/pending/p-router-0123456789ab.json"));
    let quarantined: Vec<_> = std::fs::read_dir(env.path("state/quarantine"))
        .unwrap()
        .collect();
    assert_eq!(quarantined.len(), 1);
    env.tend(&["promote", "list"]).ok();
    // The cron line and expiry too: the damaged file is quarantined and
    // named, the run still does its work, and the exit status says so.
    for args in [
        &["promote", "run", "router-tuning"][..],
        &["promote", "expire"][..],
        &["promote", "propose"][..],
    ] {
        env.write(
            "proposals/router-tuning/pending/p-router-0123456789ab.json",
            "[]",
        );
        let out = env.tend(args).status(74);
        assert!(
            out.stderr.contains("p-router-0123456789ab.json"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!env.exists("proposals/router-tuning/pending/p-router-0123456789ab.json"));
        assert_eq!(
            ids_in(&env, "router-tuning", "pending"),
            std::slice::from_ref(&id)
        );
    }
    let out = env.tend(&["status"]).ok();
    assert!(
        out.stdout.contains("router-tuning: 1 proposal waiting"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_proposal_file_that_is_not_the_proposal_its_name_says_is_quarantined() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    let original = env.read(&format!("proposals/router-tuning/pending/{id}.json"));
    // A copy under another name (a hand-made backup, a bad restore), and a
    // router proposal in tool-trimming's directory.
    let copy = "p-router-aaaaaaaaaaaa";
    env.write(
        &format!("proposals/router-tuning/pending/{copy}.json"),
        &original,
    );
    env.write(
        &format!("proposals/tool-trimming/pending/{id}.json"),
        &original,
    );
    // Approving the copy's name must never approve the proposal it holds.
    let out = env
        .tend(&["promote", "approve", copy, "--by", "alice"])
        .status(74);
    assert!(
        out.stderr.contains(&format!("holds proposal \"{id}\"")),
        "{}",
        out.stderr
    );
    assert_eq!(
        ids_in(&env, "router-tuning", "pending"),
        std::slice::from_ref(&id)
    );
    assert!(ids_in(&env, "router-tuning", "approved").is_empty());
    assert!(env.audit_kind("promotion.approved").is_empty());
    // Listed once; the misplaced one is quarantined, named, exit 74.
    env.write(
        &format!("proposals/router-tuning/pending/{copy}.json"),
        &original,
    );
    let out = env.tend(&["promote", "list", "--json"]).status(74);
    let listed: Vec<Value> = out
        .json_lines()
        .into_iter()
        .filter(|v| v.get("proposal_id").is_some())
        .collect();
    assert_eq!(listed.len(), 1, "{}", out.stdout);
    assert_eq!(listed[0]["proposal_id"], json!(id));
    assert!(
        out.stderr
            .contains("router-tuning proposal in tool-trimming"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(copy), "{}", out.stderr);
    assert!(!env.exists(&format!("proposals/tool-trimming/pending/{id}.json")));
    assert!(!env.exists(&format!("proposals/router-tuning/pending/{copy}.json")));
    env.tend(&["promote", "approve", &id, "--by", "alice"]).ok();
    assert_eq!(ids_in(&env, "router-tuning", "approved"), [id]);
}

#[test]
fn kill_9_during_approve_leaves_the_proposal_in_exactly_one_place() {
    for round in 0..6u64 {
        let env = TestEnv::new();
        let id = router_pending(&env);
        with_on_approve(&env, "#!/bin/sh\ncat >/dev/null\nsleep 0.2\n", "10s");
        let mut child = env.tend(&["promote", "approve", &id]).into_command();
        let mut child = child
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(40 * round));
        let _ = child.kill();
        let _ = child.wait();
        let holders: Vec<&str> = ["pending", "approved", "rejected", "expired"]
            .into_iter()
            .filter(|s| ids_in(&env, "router-tuning", s).contains(&id))
            .collect();
        // A move killed between its link and unlink: readers see the later
        // status only, and the next `promote expire` (or run) completes it.
        let listed = env.tend(&["--json", "promote", "list"]).ok().json_lines();
        let shown: Vec<&Value> = listed
            .iter()
            .filter(|r| r["proposal_id"] == id.as_str())
            .collect();
        assert_eq!(shown.len(), 1, "round {round}: listed {listed:?}");
        env.tend(&["promote", "expire"]).ok();
        let after: Vec<&str> = ["pending", "approved", "rejected", "expired"]
            .into_iter()
            .filter(|s| ids_in(&env, "router-tuning", s).contains(&id))
            .collect();
        assert_eq!(
            after.len(),
            1,
            "round {round}: in {holders:?} then {after:?}"
        );
        // Approving again completes it: approved, applied, recorded.
        env.tend(&["promote", "approve", &id]).ok();
        let p = proposal(&env, "router-tuning", "approved", &id);
        assert_eq!(p["apply"]["status"], "ok", "round {round}: {p}");
        assert!(!env.audit_kind("promotion.approved").is_empty());
    }
}

/// The promotion.* rows of `kind`, by row id.
fn row_ids(env: &TestEnv, kind: &str) -> Vec<String> {
    env.audit_kind(kind)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// Moves a proposal back to `pending/` as it was, which is the state a kill
/// leaves between a decision's audit row and its move.
fn unmove(env: &TestEnv, lp: &str, status: &str, id: &str, pending: &str) {
    std::fs::remove_file(env.path(&format!("proposals/{lp}/{status}/{id}.json"))).unwrap();
    env.write(&format!("proposals/{lp}/pending/{id}.json"), pending);
}

#[test]
fn a_decision_retried_after_a_kill_between_its_row_and_its_move_writes_one_row() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    let pending = env.read(&format!("proposals/router-tuning/pending/{id}.json"));
    // The proposal row: a run killed after it, before the proposal file.
    std::fs::remove_file(env.path(&format!("proposals/router-tuning/pending/{id}.json"))).unwrap();
    env.tend(&["promote", "run", "router-tuning"]).ok();
    assert_eq!(ids_in(&env, "router-tuning", "pending"), [id.as_str()]);
    assert_eq!(row_ids(&env, "promotion.router_trigger_proposed").len(), 1);
    // Approve: the row, killed, approved again (by another reviewer, later).
    env.tend(&["promote", "approve", &id, "--by", "alice"]).ok();
    unmove(&env, "router-tuning", "approved", &id, &pending);
    env.tend(&["promote", "approve", &id, "--by", "alice"])
        .env("TEND_NOW", "2026-05-24T09:00:00Z")
        .ok();
    assert_eq!(ids_in(&env, "router-tuning", "approved"), [id.as_str()]);
    assert_eq!(row_ids(&env, "promotion.approved").len(), 1);
    // Reject, the same way.
    unmove(&env, "router-tuning", "approved", &id, &pending);
    env.tend(&["promote", "reject", &id, "--note", "no"]).ok();
    unmove(&env, "router-tuning", "rejected", &id, &pending);
    env.tend(&["promote", "reject", &id, "--note", "no"]).ok();
    assert_eq!(row_ids(&env, "promotion.rejected").len(), 1);
    // Expire, the same way (a day later: the row is in yesterday's segment).
    unmove(&env, "router-tuning", "rejected", &id, &pending);
    let later = "2026-06-08T08:00:00Z";
    env.tend(&["promote", "expire"]).env("TEND_NOW", later).ok();
    unmove(&env, "router-tuning", "expired", &id, &pending);
    env.tend(&["promote", "expire"])
        .env("TEND_NOW", "2026-06-09T07:00:00Z")
        .ok();
    assert_eq!(ids_in(&env, "router-tuning", "expired"), [id.as_str()]);
    assert_eq!(row_ids(&env, "promotion.expired").len(), 1);
}

#[test]
fn promote_run_and_list_complete_a_move_a_kill_left_half_done() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    // A kill between the link into expired/ and the unlink from pending/.
    let pending = env.read(&format!("proposals/router-tuning/pending/{id}.json"));
    env.write(
        &format!("proposals/router-tuning/expired/{id}.json"),
        &pending,
    );
    let out = env.tend(&["promote", "run", "-v"]).ok();
    assert!(
        out.stderr.contains(&format!(
            "{id}: a move left unfinished was completed: kept it in expired, removed the copy in pending"
        )),
        "{}",
        out.stderr
    );
    assert!(ids_in(&env, "router-tuning", "pending").is_empty());
    assert_eq!(ids_in(&env, "router-tuning", "expired"), [id.as_str()]);
    // The first listing completes one too.
    env.write(
        &format!("proposals/router-tuning/pending/{id}.json"),
        &pending,
    );
    let out = env.tend(&["promote", "list", "--json"]).ok();
    assert_eq!(out.stdout.matches(&id).count(), 1, "{}", out.stdout);
    assert!(ids_in(&env, "router-tuning", "pending").is_empty());
    assert_eq!(ids_in(&env, "router-tuning", "expired"), [id.as_str()]);
}

#[test]
fn an_apply_recorded_before_its_row_gets_the_row_when_approved_again() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    let seen = env.dir().join("applied.log");
    with_on_approve(
        &env,
        &format!(
            "#!/bin/sh
cat >/dev/null
echo run >> {}
if [ -e {}/fail ]; then exit 3; fi
",
            seen.display(),
            env.dir().display()
        ),
        "10s",
    );
    // A failed attempt whose row a kill prevented: the retry records it
    // before running the command again.
    std::fs::write(env.dir().join("fail"), "").unwrap();
    env.tend(&["promote", "approve", &id]).status(1);
    let segment = env.path("audit/2026-05-24.jsonl");
    let with_row = std::fs::read_to_string(&segment).unwrap();
    let without: String = with_row
        .lines()
        .filter(|l| !l.contains("\"promotion.approved\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&segment, &without).unwrap();
    std::fs::remove_file(env.dir().join("fail")).unwrap();
    env.tend(&["promote", "approve", &id]).ok();
    let attempts: Vec<Value> = env
        .audit_kind("promotion.approved")
        .iter()
        .map(|r| r["details"]["apply"]["attempt"].clone())
        .collect();
    assert_eq!(attempts, [json!(1), json!(2)]);
    // A succeeded attempt whose row a kill prevented: approving again
    // writes it, once, and does not run the command again.
    let with_row = std::fs::read_to_string(&segment).unwrap();
    let (kept, dropped): (Vec<&str>, Vec<&str>) =
        with_row.lines().partition(|l| !l.contains("\"attempt\":2"));
    assert_eq!(dropped.len(), 1);
    std::fs::write(&segment, kept.join("\n") + "\n").unwrap();
    for _ in 0..2 {
        let out = env.tend(&["promote", "approve", &id]).ok();
        assert!(out.stdout.contains("already approved"), "{}", out.stdout);
    }
    assert_eq!(row_ids(&env, "promotion.approved").len(), 2);
    assert_eq!(std::fs::read_to_string(&seen).unwrap().lines().count(), 2);
}

#[test]
fn tick_runs_promote_only_when_enabled() {
    let env = TestEnv::new();
    append(&env, "2026-05-24.jsonl", &inference("slack_dm", 40, 30));
    env.tend(&["tick"]).ok();
    assert!(!env.exists("observations/router-tuning.json"));
    env.write("tend.toml", "[promote]\nenabled = true\n");
    let out = env.tend(&["tick"]).ok();
    assert!(
        out.stdout.contains("promote: 1 new proposal"),
        "{}",
        out.stdout
    );
    assert_eq!(ids_in(&env, "router-tuning", "pending").len(), 1);
}

/// Rows of all three loops' kinds on `day` (`YYYY-MM-DD`), `n` each, a third
/// in Python's spacing, with one out-of-order row from the day before.
fn day_rows(day: &str, n: usize, salt: usize) -> Vec<String> {
    let mut rows = Vec::new();
    for i in 0..n {
        // Hours 00–11: all before the noon runs below.
        let ts = format!(
            "{day}T{:02}:{:02}:00.{:03}Z",
            (i + salt) % 12,
            i % 60,
            i % 1000
        );
        let python = i % 3 == 0;
        let texts = ["Restart it.", "restart it", "Scale up"];
        rows.push(row(
            &ts,
            "inference.recorded",
            json!({"route": format!("r{}", (i + salt) % 4), "escalated": i % 2 == 0, "cost_usd": 0.001 * (i % 7) as f64}),
            python,
        ));
        rows.push(row(
            &ts,
            "reasoning.tool_called",
            json!({"route": format!("r{}", i % 4), "tool_name": format!("t{}", (i * 7 + salt) % 5)}),
            python,
        ));
        rows.push(row(
            &ts,
            "probe.investigation_completed",
            json!({"probe": "db", "issue_category": format!("c{}", i % 2), "wake_id": format!("w-{day}-{i}"),
                   "autofix_attempted": i % 5 == 0, "recommendation_text": texts[(i + salt) % 3]}),
            python,
        ));
    }
    rows
}

/// Each loop's observation, as `promote observe --json` reports it.
fn observe_json(env: &TestEnv, now: &str) -> Vec<Value> {
    let out = env
        .tend(&["--json", "promote", "observe"])
        .env("TEND_NOW", now)
        .ok();
    let rows: Vec<Value> = out
        .json_lines()
        .into_iter()
        .filter(|r| r.get("digest").is_some())
        .collect();
    assert_eq!(rows.len(), 3, "{}", out.stdout);
    rows
}

#[test]
fn an_hourly_rerun_reads_only_what_changed_and_agrees_with_a_full_scan() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[promote.router-tuning]\nwindow = \"5d\"\n[promote.tool-trimming]\nwindow = \"5d\"\n[promote.probe-envelopes]\nwindow = \"5d\"\n",
    );
    for (k, day) in [
        "2026-05-20",
        "2026-05-21",
        "2026-05-22",
        "2026-05-23",
        "2026-05-24",
    ]
    .iter()
    .enumerate()
    {
        append(&env, &format!("{day}.jsonl"), &day_rows(day, 40, k));
    }
    let first = observe_json(&env, "2026-05-24T12:00:00Z");
    for obs in &first {
        assert_eq!(obs["bytes_cached"], 0, "{obs}");
    }
    // An hour later: today's segment grew, and a batching writer added a late
    // row to yesterday's; the rest did not change.
    append(&env, "2026-05-24.jsonl", &day_rows("2026-05-24", 10, 9));
    // (Salt 5: a row of its own, not a copy of the day's first row.)
    append(&env, "2026-05-23.jsonl", &day_rows("2026-05-23", 1, 5));
    let second = observe_json(&env, "2026-05-24T13:00:00Z");
    let total: u64 = std::fs::read_dir(env.path("audit"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    for obs in &second {
        let read = obs["bytes_read"].as_u64().unwrap();
        let cached = obs["bytes_cached"].as_u64().unwrap();
        // The segment at the window's start (05-19 13:00 falls in 05-19, so
        // 05-20 is wholly inside) comes from the cache; only appended bytes
        // are read: far less than the log.
        assert_eq!(read + cached, total, "{obs}");
        assert!(read * 4 < total, "read {read} of {total}: {obs}");
    }
    // A full scan (no cache) agrees exactly: same rows, same digest.
    for lp in ["router-tuning", "tool-trimming", "probe-envelopes"] {
        std::fs::remove_file(env.path(&format!("state/promote.{lp}.segments.json"))).unwrap();
    }
    let full = observe_json(&env, "2026-05-24T13:00:00Z");
    for (cached, full) in second.iter().zip(&full) {
        assert_eq!(full["bytes_cached"], 0);
        assert_eq!(cached["rows"], full["rows"]);
        assert_eq!(cached["skipped"], full["skipped"]);
        assert_eq!(cached["digest"], full["digest"], "{cached} vs {full}");
    }
    // Days later the window's start moves past 05-20 and 05-21: their rows
    // leave, the segments at the edge are read again, and the result still
    // agrees with a full scan.
    let later = "2026-05-26T06:30:00Z";
    let moved = observe_json(&env, later);
    for lp in ["router-tuning", "tool-trimming", "probe-envelopes"] {
        std::fs::remove_file(env.path(&format!("state/promote.{lp}.segments.json"))).unwrap();
    }
    let moved_full = observe_json(&env, later);
    for (cached, full) in moved.iter().zip(&moved_full) {
        assert_eq!(cached["rows"], full["rows"]);
        assert_eq!(cached["digest"], full["digest"], "{cached} vs {full}");
        assert!(cached["bytes_cached"].as_u64().unwrap() > 0, "{cached}");
    }
    // A segment rewritten in place (same name, other bytes) is not trusted.
    let seg = env.path("audit/2026-05-23.jsonl");
    let text = std::fs::read_to_string(&seg).unwrap();
    let cut: Vec<&str> = text.lines().skip(30).collect();
    std::fs::write(&seg, cut.join("\n") + "\n").unwrap();
    let rewritten = observe_json(&env, later);
    for lp in ["router-tuning", "tool-trimming", "probe-envelopes"] {
        std::fs::remove_file(env.path(&format!("state/promote.{lp}.segments.json"))).unwrap();
    }
    let rewritten_full = observe_json(&env, later);
    for (cached, full) in rewritten.iter().zip(&rewritten_full) {
        assert_eq!(cached["rows"], full["rows"]);
        assert_eq!(cached["digest"], full["digest"], "{cached} vs {full}");
    }
    // A damaged cache is set aside with a warning and costs one full read.
    env.write(
        "state/promote.router-tuning.segments.json",
        "{\"version\": 1",
    );
    let out = env
        .tend(&["promote", "observe", "router-tuning"])
        .env("TEND_NOW", later)
        .ok();
    assert!(out.stderr.contains("moved it to"), "{}", out.stderr);
    assert!(out.stderr.contains("read again"), "{}", out.stderr);
    assert!(env.exists("state/promote.router-tuning.segments.json"));
}

/// Rows of all three loops' kinds at `times` (RFC 3339), the `k`-th in
/// Python's spacing every third.
fn rows_at(times: &[String], salt: usize) -> Vec<String> {
    let texts = ["Restart it.", "restart it", "Scale up"];
    let mut rows = Vec::new();
    for (i, ts) in times.iter().enumerate() {
        let i = i + salt;
        let python = i.is_multiple_of(3);
        rows.push(row(
            ts,
            "inference.recorded",
            json!({"route": format!("r{}", i % 4), "escalated": i.is_multiple_of(2), "cost_usd": 0.001 * (i % 7) as f64}),
            python,
        ));
        rows.push(row(
            ts,
            "reasoning.tool_called",
            json!({"route": format!("r{}", i % 3), "tool_name": format!("t{}", (i * 7) % 5)}),
            python,
        ));
        rows.push(row(
            ts,
            "probe.investigation_completed",
            json!({"probe": "db", "issue_category": format!("c{}", i % 2), "wake_id": format!("w-{ts}-{i}"),
                   "autofix_attempted": i.is_multiple_of(5), "recommendation_text": texts[i % 3]}),
            python,
        ));
    }
    rows
}

/// Every 20 minutes of `day`, plus the minutes around the edges the runs
/// below put the window's start at.
fn day_times(day: &str) -> Vec<String> {
    let mut times: Vec<String> = (0..72)
        .map(|k| format!("{day}T{:02}:{:02}:07.000Z", k / 3, (k % 3) * 20))
        .collect();
    for edge in [
        "00:00:29.999",
        "00:00:30.000",
        "09:59:59.999",
        "10:00:00.000",
        "10:00:30.000",
        "10:01:00.000",
        "10:59:59.999",
    ] {
        times.push(format!("{day}T{edge}Z"));
    }
    times
}

fn forget_cache(env: &TestEnv) {
    for lp in ["router-tuning", "tool-trimming", "probe-envelopes"] {
        let _ = std::fs::remove_file(env.path(&format!("state/promote.{lp}.segments.json")));
        let _ = std::fs::remove_dir_all(env.path(&format!("state/promote.{lp}.hours")));
    }
}

#[test]
fn a_moving_window_edge_drops_cached_hours_and_agrees_with_a_full_scan() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[promote.router-tuning]\nwindow = \"5d\"\n[promote.tool-trimming]\nwindow = \"5d\"\n[promote.probe-envelopes]\nwindow = \"5d\"\n",
    );
    // Eight days up to 05-24 10:00 (today's rows after 10:00 are in the
    // future of the first run), with a batching writer's late rows (the day
    // before's) and early ones (the next day's) in each segment.
    for d in 16..=24 {
        let day = format!("2026-05-{d}");
        let mut times = day_times(&day);
        if d == 24 {
            times.retain(|t| t.as_str() <= "2026-05-24T10:00:30.000Z");
        }
        times.push(format!("2026-05-{}T23:50:00.000Z", d - 1));
        times.push(format!("2026-05-{}T10:00:40.000Z", d - 1));
        if d < 24 {
            times.push(format!("2026-05-{}T00:00:10.000Z", d + 1));
        }
        append(&env, &format!("{day}.jsonl"), &rows_at(&times, d));
    }
    let agree = |now: &str| {
        let cached = observe_json(&env, now);
        forget_cache(&env);
        let full = observe_json(&env, now);
        for (cached, full) in cached.iter().zip(&full) {
            assert_eq!(full["bytes_cached"], 0);
            assert_eq!(cached["rows"], full["rows"], "{now}: {cached} vs {full}");
            assert_eq!(
                cached["digest"], full["digest"],
                "{now}: {cached} vs {full}"
            );
        }
        cached
    };
    observe_json(&env, "2026-05-24T09:00:00Z");
    let at_ten = agree("2026-05-24T10:00:00Z");
    for obs in &at_ten {
        // Nothing was appended: what is read is the edge hours' rows only.
        let read = obs["bytes_read"].as_u64().unwrap();
        let cached = obs["bytes_cached"].as_u64().unwrap();
        assert!(read * 20 < cached, "read {read}, cached {cached}: {obs}");
    }
    append(
        &env,
        "2026-05-24.jsonl",
        &rows_at(&["2026-05-24T10:00:50.000Z".to_string()], 3),
    );
    agree("2026-05-24T10:01:00Z");
    // Past midnight: a new day's segment, and the start's edge in another day.
    let mut times = day_times("2026-05-24");
    times.retain(|t| t.as_str() > "2026-05-24T10:00:30.000Z");
    append(&env, "2026-05-24.jsonl", &rows_at(&times, 5));
    append(
        &env,
        "2026-05-25.jsonl",
        &rows_at(
            &[
                "2026-05-25T00:00:20.000Z".to_string(),
                "2026-05-24T23:59:59.999Z".to_string(),
            ],
            7,
        ),
    );
    agree("2026-05-25T00:00:30Z");
    // A run at an earlier time (--now in the past) still agrees.
    agree("2026-05-23T10:01:00Z");
}

#[test]
fn observe_reads_input_files_and_directories_links_included() {
    let env = TestEnv::new(); // now 2026-05-24T08:00Z
    let dir = env.dir().join("exports");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    let write = |path: &std::path::Path, lines: Vec<String>| {
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    };
    write(&dir.join("a.jsonl"), inference("from_dir", 10, 10));
    // Not *.jsonl, or in a subdirectory: not read from the directory.
    write(&dir.join("notes.txt"), inference("from_txt", 5, 5));
    write(&dir.join("nested/b.jsonl"), inference("from_nested", 5, 5));
    // A link to the operator's own file is read through.
    let real = env.dir().join("real.jsonl");
    write(&real, inference("from_link", 7, 1));
    std::os::unix::fs::symlink(&real, dir.join("latest.jsonl")).unwrap();
    let single = env.dir().join("single.jsonl");
    write(&single, inference("from_file", 3, 0));
    env.tend(&[
        "promote",
        "observe",
        "router-tuning",
        "--input",
        dir.to_str().unwrap(),
        "--input",
        single.to_str().unwrap(),
    ])
    .ok();
    let obs: Value = serde_json::from_str(&env.read("observations/router-tuning.json")).unwrap();
    let routes = &obs["figures"]["routes"];
    assert_eq!(routes["from_dir"]["calls_count"], 10, "{obs}");
    assert_eq!(routes["from_link"]["calls_count"], 7, "{obs}");
    assert_eq!(routes["from_link"]["escalation_count"], 1, "{obs}");
    assert_eq!(routes["from_file"]["calls_count"], 3, "{obs}");
    assert!(routes.get("from_txt").is_none(), "{obs}");
    assert!(routes.get("from_nested").is_none(), "{obs}");
    assert_eq!(obs["rows"]["inference.recorded"], 20, "{obs}");
    // A missing input is an error naming it; nothing is written.
    let before = env.read("observations/router-tuning.json");
    let out = env
        .tend(&[
            "promote",
            "observe",
            "router-tuning",
            "--input",
            "/nonexistent/x.jsonl",
        ])
        .status(1);
    assert!(
        out.stderr.contains("/nonexistent/x.jsonl"),
        "{}",
        out.stderr
    );
    assert_eq!(env.read("observations/router-tuning.json"), before);
}

#[test]
fn a_row_is_counted_once_however_many_copies_are_read() {
    let env = TestEnv::new(); // now 2026-05-24T08:00Z
    // The same 10 rows written twice into the log (a writer's retry).
    let rows = inference("twice", 10, 10);
    append(&env, "2026-05-24.jsonl", &rows);
    append(&env, "2026-05-24.jsonl", &rows);
    let calls = |env: &TestEnv, args: &[&str]| -> (Value, Value) {
        let mut all = vec!["--json", "promote", "observe", "router-tuning"];
        all.extend_from_slice(args);
        let out = env.tend(&all).ok();
        let line = out
            .json_lines()
            .into_iter()
            .find(|r| r.get("digest").is_some())
            .unwrap();
        let obs: Value =
            serde_json::from_str(&env.read("observations/router-tuning.json")).unwrap();
        (obs["figures"]["routes"]["twice"].clone(), line)
    };
    let (route, line) = calls(&env, &[]);
    assert_eq!(route["calls_count"], 10, "{route}");
    assert_eq!(route["escalation_count"], 10, "{route}");
    assert_eq!(line["rows"]["inference.recorded"], 10, "{line}");
    assert_eq!(line["duplicates"], 10, "{line}");
    // An --input that is a segment still in audit/, given twice: no row is
    // counted again (the cache of the run above is not trusted for it).
    let segment = env.path("audit/2026-05-24.jsonl");
    let segment = segment.to_str().unwrap();
    let (route, line) = calls(&env, &["--input", segment, "--input", segment]);
    assert_eq!(route["calls_count"], 10, "{route}");
    assert_eq!(line["duplicates"], 50, "{line}");
    // A copy kept apart from the log, read as an input: the same.
    let copy = env.dir().join("copy.jsonl");
    std::fs::write(&copy, rows.join("\n") + "\n").unwrap();
    let (route, _) = calls(&env, &["--input", copy.to_str().unwrap()]);
    assert_eq!(route["calls_count"], 10, "{route}");
    // Human output says how many copies were dropped (-v).
    let out = env
        .tend(&["promote", "observe", "router-tuning", "-v"])
        .ok();
    assert!(
        out.stdout.contains("10 duplicates dropped")
            && out.stderr.contains("10 copies of rows already counted"),
        "{}{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn observe_reads_a_pipe_input_once_as_a_stream() {
    let env = TestEnv::new(); // now 2026-05-24T08:00Z
    let fifo = env.dir().join("export.pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Rows of the loop, a row of another kind, a line that is not JSON but
    // names the kind (skipped, named by byte), and a torn last line.
    let mut text = inference("from_pipe", 12, 2).join("\n") + "\n";
    text.push_str("{\"id\":\"x\",\"ts\":\"2026-05-23T00:00:00.000Z\",\"kind\":\"probe.observed\",\"details\":{}}\n");
    text.push_str("not json \"inference.recorded\"\n");
    text.push_str("{\"id\":\"torn\"");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(&fifo, text).unwrap())
    };
    let out = env
        .tend(&[
            "promote",
            "observe",
            "router-tuning",
            "--input",
            fifo.to_str().unwrap(),
        ])
        .ok();
    writer.join().unwrap();
    let obs: Value = serde_json::from_str(&env.read("observations/router-tuning.json")).unwrap();
    assert_eq!(
        obs["figures"]["routes"]["from_pipe"]["calls_count"], 12,
        "{obs}"
    );
    assert_eq!(
        obs["figures"]["routes"]["from_pipe"]["escalation_count"], 2,
        "{obs}"
    );
    assert_eq!(obs["rows"]["inference.recorded"], 12, "{obs}");
    assert!(out.stderr.contains("skipped line"), "{}", out.stderr);
    assert!(
        out.stderr.contains("skipped torn last line"),
        "{}",
        out.stderr
    );
    // Nothing about a pipe is cached: the segment cache knows no input.
    let cache = env.read("state/promote.router-tuning.segments.json");
    assert!(!cache.contains("export.pipe"), "{cache}");

    // Every loop would read it again: refused before it is opened.
    let out = env
        .tend(&["promote", "observe", "--input", fifo.to_str().unwrap()])
        .status(2);
    assert!(
        out.stderr.contains("can be read only once") && out.stderr.contains("export.pipe"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_route_or_reviewer_with_control_characters_cannot_forge_output_lines() {
    let env = TestEnv::new();
    append(
        &env,
        "2026-05-24.jsonl",
        &inference("evil\nroute\u{1b}[2J", 25, 25),
    );
    let out = env.tend(&["promote", "run", "router-tuning", "-v"]).ok();
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
    let ids = ids_in(&env, "router-tuning", "pending");
    assert_eq!(ids.len(), 1);
    let out = env
        .tend(&[
            "promote",
            "reject",
            &ids[0],
            "--note",
            "no",
            "--by",
            "eve\nforged line",
        ])
        .ok();
    assert_eq!(out.stdout.lines().count(), 1, "{:?}", out.stdout);
    assert!(out.stdout.contains("evil\\nroute"), "{:?}", out.stdout);
    for args in [&["promote", "list"][..], &["promote", "show", &ids[0]][..]] {
        let out = env.tend(args).ok();
        assert!(!out.stdout.contains('\u{1b}'), "{args:?}: {:?}", out.stdout);
        assert!(
            !out.stdout.contains("\nforged"),
            "{args:?}: {:?}",
            out.stdout
        );
        assert!(
            !out.stdout.contains("evil\nroute"),
            "{args:?}: {:?}",
            out.stdout
        );
    }
    // The file and the audit row keep the exact values.
    let p = proposal(&env, "router-tuning", "rejected", &ids[0]);
    assert_eq!(p["route"], "evil\nroute\u{1b}[2J");
    assert_eq!(p["reviewed_by"], "eve\nforged line");
}

#[test]
fn list_aligns_its_columns_on_screen_width() {
    // A decomposed é (two characters, one column), wide characters (one
    // character, two columns) and an escaped override (one character, ten
    // columns once escaped): the columns after the subject still line up.
    let env = TestEnv::new();
    for route in ["cafe\u{301}", "日本", "x\u{202e}y", "plain"] {
        append(&env, "2026-05-24.jsonl", &inference(route, 25, 25));
    }
    env.tend(&["promote", "run", "router-tuning"]).ok();
    let out = env.tend(&["promote", "list"]).ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    assert!(out.stdout.contains("x\\u{202e}y"), "{}", out.stdout);
    let status_at = |line: &str, word: &str| {
        let at = line.rfind(word).unwrap_or_else(|| panic!("{line}"));
        unicode_width::UnicodeWidthStr::width(&line[..at])
    };
    let header = status_at(lines[0], "STATUS");
    for line in &lines[1..] {
        assert_eq!(status_at(line, "pending"), header, "{}", out.stdout);
    }
}

#[test]
fn list_in_a_pipe_keeps_every_subject_whole() {
    let env = TestEnv::new();
    let long = format!("route_{}", "x".repeat(150));
    append(&env, "2026-05-24.jsonl", &inference(&long, 25, 25));
    env.tend(&["promote", "run", "router-tuning"]).ok();
    // Standard output is a pipe here, as in `tend promote list | grep …`.
    let out = env.tend(&["promote", "list"]).env("COLUMNS", "60").ok();
    assert!(out.stdout.contains(&long), "{}", out.stdout);
    assert!(!out.stdout.contains('…'), "{}", out.stdout);
}

#[test]
fn one_loops_broken_directory_does_not_hold_back_the_others() {
    let env = TestEnv::new();
    append(&env, "2026-05-24.jsonl", &inference("slack_dm", 40, 30));
    let mut tools = Vec::new();
    for i in 0..24 {
        tools.push(row(
            &format!("2026-05-2{}T01:00:{i:02}Z", i % 4),
            "reasoning.tool_called",
            json!({"route": "a", "tool_name": "search"}),
            false,
        ));
    }
    tools.push(row(
        "2026-05-20T00:00:00Z",
        "reasoning.tool_called",
        json!({"route": "b", "tool_name": "mail"}),
        false,
    ));
    append(&env, "2026-05-24.jsonl", &tools);
    // A file where router-tuning's pending directory belongs.
    std::fs::create_dir_all(env.path("proposals/router-tuning")).unwrap();
    env.write("proposals/router-tuning/pending", "");
    let out = env.tend(&["promote", "run"]).status(1);
    assert!(
        out.stderr.contains("router-tuning: ")
            && out.stderr.contains("proposals/router-tuning/pending"),
        "{}",
        out.stderr
    );
    assert_eq!(
        ids_in(&env, "tool-trimming", "pending").len(),
        1,
        "{}",
        out.stderr
    );
    // Once repaired, the loop catches up.
    std::fs::remove_file(env.path("proposals/router-tuning/pending")).unwrap();
    env.tend(&["promote", "run"]).ok();
    assert_eq!(ids_in(&env, "router-tuning", "pending").len(), 1);
}

#[test]
fn a_directory_where_a_proposal_belongs_is_named_and_the_others_listed() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    let odd = "proposals/router-tuning/pending/p-router-0123456789ab.json";
    std::fs::create_dir_all(env.path(odd)).unwrap();
    for args in [
        &["promote", "list"][..],
        &["promote", "run", "router-tuning"][..],
        &["promote", "expire"][..],
    ] {
        let out = env.tend(args).status(74);
        assert!(
            out.stderr
                .contains("p-router-0123456789ab.json is a directory"),
            "{args:?}: {}",
            out.stderr
        );
        if args[1] == "list" {
            assert!(out.stdout.contains(&id), "{}", out.stdout);
        }
        assert!(env.path(odd).is_dir(), "{args:?}: left where it is");
    }
    assert!(env.exists(&format!("proposals/router-tuning/pending/{id}.json")));
    let out = env.tend(&["doctor"]).status(1);
    assert!(
        out.stdout
            .contains("p-router-0123456789ab.json is a directory, not a regular file"),
        "{}",
        out.stdout
    );
}

/// The reviewer of an approval run through `sudo -u <service user>` is the
/// person who ran sudo; with neither USER nor LOGNAME (cron's environment),
/// approvals and silences name the same account.
#[test]
fn every_decision_names_the_person_who_took_it() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    // The test environment has neither USER nor LOGNAME; the tests run as root.
    let out = env
        .tend(&[
            "alerts", "silence", "add", "--match", "id=x", "--for", "1h", "--reason", "drill",
        ])
        .ok();
    let silence_id = out.stdout.split(':').next().unwrap().to_string();
    let silence: Value =
        serde_json::from_str(&env.read(&format!("silences/active/{silence_id}.json"))).unwrap();
    assert_eq!(silence["created_by"], "root");
    env.tend(&["promote", "approve", &id]).ok();
    assert_eq!(
        proposal(&env, "router-tuning", "approved", &id)["reviewed_by"],
        "root"
    );
    // Under sudo: SUDO_USER, not the target user's USER.
    let env = TestEnv::new();
    let id = router_pending(&env);
    env.tend(&["promote", "approve", &id])
        .env("SUDO_USER", "alice")
        .env("USER", "tend")
        .env("LOGNAME", "tend")
        .ok();
    assert_eq!(
        proposal(&env, "router-tuning", "approved", &id)["reviewed_by"],
        "alice"
    );
    assert_eq!(
        env.audit_kind("promotion.approved")[0]["details"]["reviewed_by"],
        "alice"
    );
    let out = env
        .tend(&[
            "alerts", "silence", "add", "--match", "id=x", "--for", "1h", "--reason", "drill",
        ])
        .env("SUDO_USER", "alice")
        .env("USER", "tend")
        .ok();
    let silence_id = out.stdout.split(':').next().unwrap().to_string();
    let silence: Value =
        serde_json::from_str(&env.read(&format!("silences/active/{silence_id}.json"))).unwrap();
    assert_eq!(silence["created_by"], "alice");
    // --by still wins.
    env.tend(&["alerts", "silence", "expire", &silence_id, "--by", "bob"])
        .env("SUDO_USER", "alice")
        .ok();
    let expired: Value =
        serde_json::from_str(&env.read(&format!("silences/expired/{silence_id}.json"))).unwrap();
    assert_eq!(expired["expired_by"], "bob");
}

/// An approval in a loop without on_approve says that nothing was applied;
/// a dry run does not propose again what is already approved.
#[test]
fn an_approval_without_on_approve_says_nothing_was_applied() {
    let env = TestEnv::new();
    let id = router_pending(&env);
    let out = env.tend(&["promote", "approve", &id, "--by", "alice"]).ok();
    assert!(
        out.stdout.starts_with(&format!("{id}: approved by alice"))
            && out
                .stdout
                .ends_with("; nothing applied (no on_approve for this loop)\n"),
        "{}",
        out.stdout
    );
    env.write("tend.toml", "[promote]\nenabled = true\n");
    let out = env.tend(&["--dry-run", "tick"]).ok();
    assert!(!out.stdout.contains("would propose"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("{id}: router-tuning slack_dm is already approved")),
        "{}",
        out.stderr
    );
    // The run agrees with its dry run: nothing proposed.
    env.tend(&["tick"]).ok();
    assert!(ids_in(&env, "router-tuning", "pending").is_empty());
}
