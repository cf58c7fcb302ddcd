//! `tend watchers tick|list|explain` (design §8) against real sources: files,
//! directories, shell commands, the real `sqlite3` CLI.

use crate::support::{NOW, TestEnv};

const NS: &str = "8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f";

/// A `[[watcher]]` table over `source` (TOML inline table), with `extra` keys.
fn watcher(name: &str, source: &str, ns: &str, extra: &str) -> String {
    format!(
        r#"
[[watcher]]
name = "{name}"
enabled = true
source = {source}
id_field = "campaign_id"
status_field = "status"
statuses = ["Held"]
since_field = "last_status_changed_at"
stale_after = "72h"
context = "CampaignProgress"
choice = "Stuck"
decided_by = "agent:campaign-watcher"
namespace = "{ns}"
{extra}
"#
    )
}

fn campaigns(env: &TestEnv, rows: &[(&str, &str, &str)]) {
    let text: String = rows
        .iter()
        .map(|(id, status, since)| {
            format!(
                "{{\"campaign_id\":\"{id}\",\"status\":\"{status}\",\"last_status_changed_at\":\"{since}\"}}\n"
            )
        })
        .collect();
    env.write("entities/campaigns.jsonl", text);
}

fn decisions(env: &TestEnv) -> Vec<serde_json::Value> {
    let dir = env.path("decisions");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<serde_json::Value>>()
        })
        .collect()
}

#[test]
fn flags_a_stalled_entity_once_per_episode() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            NS,
            "",
        ),
    );
    campaigns(
        &env,
        &[
            ("c-1", "Held", "2026-05-21T08:00:00Z"), // exactly 72h: stalled
            ("c-2", "Held", "2026-05-21T08:00:00.001Z"), // 1 ms short: fresh
            ("c-3", "Running", "2026-01-01T00:00:00Z"), // not watched
            ("c-4", "Held", "2026-05-25T00:00:00Z"), // future
        ],
    );
    let out = env.tend(&["watchers", "tick"]).status(0);
    assert!(
        out.stdout
            .contains("watcher campaign: 1 flagged (4 scanned, 3 in status, 1 stalled"),
        "{}",
        out.stdout
    );
    let rows = decisions(&env);
    assert_eq!(rows.len(), 1);
    let d = &rows[0];
    // UUIDv5(NS, "decision:c-1:2026-05-21T08:00:00+00:00"), as Python computes it.
    assert_eq!(
        d["decision_id"],
        python_id("c-1", "2026-05-21T08:00:00+00:00")
    );
    assert_eq!(d["context"], "CampaignProgress");
    assert_eq!(d["choice"], "Stuck");
    assert_eq!(d["decided_by"], "agent:campaign-watcher");
    assert_eq!(d["rule"], "stale_after:3d");
    assert_eq!(d["confidence_source"], "deterministic");
    assert_eq!(d["inputs"]["entity_id"], "c-1");
    assert_eq!(d["inputs"]["since"], "2026-05-21T08:00:00+00:00");
    assert_eq!(d["inputs"]["threshold_seconds"], 259_200);
    assert_eq!(d["inputs"]["observed_at"], "2026-05-24T08:00:00.000Z");
    assert!(
        d["reasoning"]
            .as_str()
            .unwrap()
            .contains("c-1 has been Held since")
    );
    assert!(env.exists("decisions/2026-05.jsonl"));
    let flagged = env.audit_kind("watcher.flagged");
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["details"]["decision_id"], d["decision_id"]);
    assert_eq!(flagged[0]["details"]["entity_id"], "c-1");

    // The same episode: nothing new, nothing printed (cron mails output).
    let out = env.tend(&["watchers", "tick"]).status(0);
    assert_eq!(out.stdout, "");
    assert_eq!(decisions(&env).len(), 1);
    // A later tick sees c-2 pass its threshold too.
    let out = env
        .tend(&["watchers", "tick", "--json"])
        .env("TEND_NOW", "2026-05-24T08:00:00.001Z")
        .status(0);
    let lines = out.json_lines();
    assert_eq!(lines[0]["entity_id"], "c-2");
    let summary = lines.last().unwrap();
    assert_eq!(summary["summary"], true);
    assert_eq!(summary["counts"]["already_flagged"], 1);
    assert_eq!(summary["counts"]["flagged"], 1);
    // A new episode (c-1 re-held later) gets a new id.
    campaigns(&env, &[("c-1", "Held", "2026-05-01T00:00:00Z")]);
    env.tend(&["watchers", "tick"]).status(0);
    let rows = decisions(&env);
    assert_eq!(rows.len(), 3);
    assert_ne!(rows[2]["decision_id"], rows[0]["decision_id"]);
}

/// The id Python's `uuid.uuid5(NS, f"decision:{entity}:{anchor}")` gives.
fn python_id(entity: &str, anchor: &str) -> String {
    let ns = uuid::Uuid::parse_str(NS).unwrap();
    uuid::Uuid::new_v5(&ns, format!("decision:{entity}:{anchor}").as_bytes()).to_string()
}

#[test]
fn dry_run_writes_nothing_and_explain_gives_the_reasoning() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            NS,
            "",
        ),
    );
    campaigns(
        &env,
        &[
            ("c-1", "Held", "2026-05-01T00:00:00Z"),
            ("c-2", "Done", "2026-05-01T00:00:00Z"),
        ],
    );
    let out = env.tend(&["watchers", "tick", "--dry-run"]).status(0);
    assert!(
        out.stdout.contains(
            "would flag campaign c-1: campaign c-1 has been Held since 2026-05-01T00:00:00+00:00"
        ),
        "{}",
        out.stdout
    );
    assert!(!env.exists("decisions/2026-05.jsonl"));
    assert!(env.audit_kind("watcher.flagged").is_empty());
    assert!(!env.exists("state/decisions.index"));

    let out = env
        .tend(&["watchers", "explain", "campaign", "c-1"])
        .status(0);
    assert!(
        out.stdout.contains("no progress for 23d 8h"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Would be flagged as decision"),
        "{}",
        out.stdout
    );
    let out = env
        .tend(&["watchers", "explain", "campaign", "c-2"])
        .status(0);
    assert!(
        out.stdout
            .contains("c-2 is Done, not one of the watched statuses (Held)"),
        "{}",
        out.stdout
    );
    let out = env
        .tend(&["watchers", "explain", "campaign", "nope"])
        .status(2);
    assert!(
        out.stderr.contains("\"nope\" is not in the source"),
        "{}",
        out.stderr
    );
    let out = env.tend(&["watchers", "explain", "other", "c-1"]).status(2);
    assert!(
        out.stderr.contains("no watcher named \"other\""),
        "{}",
        out.stderr
    );
    env.tend(&["watchers", "tick"]).status(0);
    let out = env
        .tend(&["watchers", "explain", "campaign", "c-1", "--json"])
        .status(0);
    let v = &out.json_lines()[0];
    assert_eq!(v["verdict"], "already_flagged");
    assert_eq!(v["decision_id"], decisions(&env)[0]["decision_id"]);
}

#[test]
fn most_stalled_first_within_the_cap_exemptions_and_recency() {
    let env = TestEnv::new();
    let extra = r#"max_flags_per_run = 2
exempt_ids = ["c-5"]
exempt_when = { pinned = true }
recency_fields = ["activity_at"]"#;
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.json" }"#,
            NS,
            extra,
        ),
    );
    // A JSON array this time, with times in several spellings.
    env.write(
        "entities/campaigns.json",
        r#"[
 {"campaign_id": "c-1", "status": "Held", "last_status_changed_at": "2026-05-10 00:00:00+00"},
 {"campaign_id": "c-2", "status": "Held", "last_status_changed_at": 1777593600},
 {"campaign_id": "c-3", "status": "Held", "last_status_changed_at": "2026-05-05T00:00:00Z"},
 {"campaign_id": "c-4", "status": "Held", "last_status_changed_at": "2026-04-01T00:00:00Z", "activity_at": "2026-05-23T00:00:00Z"},
 {"campaign_id": "c-5", "status": "Held", "last_status_changed_at": "2026-04-01T00:00:00Z"},
 {"campaign_id": "c-6", "status": "Held", "last_status_changed_at": "2026-04-01T00:00:00Z", "pinned": true},
 {"campaign_id": "c-1", "status": "Held", "last_status_changed_at": "2020-01-01T00:00:00Z"},
 {"campaign_id": "c-7", "status": "Held"},
 {"campaign_id": "c-8", "status": "Held", "last_status_changed_at": "last tuesday"},
 "not an object"
]"#,
    );
    let out = env.tend(&["watchers", "tick", "--json"]).status(0);
    let lines = out.json_lines();
    // 2026-05-01 (c-2, epoch) then 2026-05-05 (c-3); c-1 (05-10) deferred.
    let flagged: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["entity_id"].as_str())
        .collect();
    assert_eq!(flagged, ["c-2", "c-3"]);
    let counts = &lines.last().unwrap()["counts"];
    assert_eq!(counts["scanned"], 10);
    assert_eq!(counts["stalled"], 3);
    assert_eq!(counts["deferred"], 1);
    assert_eq!(counts["exempt"], 2);
    assert_eq!(counts["duplicate"], 1);
    assert_eq!(counts["invalid"], 3);
    assert!(out.stderr.contains("element 7"), "{}", out.stderr);
    assert!(out.stderr.contains("last tuesday"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("element 9 (line 11): not a JSON object"),
        "{}",
        out.stderr
    );
    // The deferred one is flagged on the next tick.
    let out = env.tend(&["watchers", "tick", "--json"]).status(0);
    let flagged: Vec<String> = out
        .json_lines()
        .iter()
        .filter_map(|l| l["entity_id"].as_str().map(String::from))
        .collect();
    assert_eq!(flagged, ["c-1"]);
}

#[test]
fn a_dir_source_and_an_inactive_actor() {
    let env = TestEnv::new();
    let mut config = watcher("campaign", r#"{ dir = "entities/campaigns" }"#, NS, "");
    config.push_str("\n[actors]\n\"agent:campaign-watcher\" = { active = false }\n");
    env.write("tend.toml", &config);
    env.write(
        "entities/campaigns/c-1.json",
        r#"{"campaign_id": "c-1", "status": "Held", "last_status_changed_at": "2026-05-01T00:00:00Z"}"#,
    );
    let out = env.tend(&["watchers", "tick"]).status(0);
    assert!(
        out.stdout
            .contains("watcher campaign: skipped: actor agent:campaign-watcher is inactive"),
        "{}",
        out.stdout
    );
    assert!(!env.exists("decisions"));
    let out = env.tend(&["watchers", "list"]).status(0);
    assert!(
        out.stdout.contains("agent:campaign-watcher (inactive)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("skipped"), "{}", out.stdout);
    env.write(
        "tend.toml",
        watcher("campaign", r#"{ dir = "entities/campaigns" }"#, NS, ""),
    );
    env.tend(&["watchers", "tick"]).status(0);
    assert_eq!(decisions(&env).len(), 1);
    let out = env.tend(&["status"]).output();
    assert!(
        out.stdout
            .contains("watcher campaign: last run 2026-05-24T08:00:00.000Z: 1 flagged"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_failing_source_is_exit_1_and_the_other_watchers_still_run() {
    let env = TestEnv::new();
    let ns2 = "8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e60";
    let ns3 = "8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e61";
    let ns4 = "8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e62";
    let config = [
        watcher("broken", r#"{ command = ["sh", "-c", "echo '{\"campaign_id\":\"x\"}'; echo 'ERROR: relation does not exist' >&2; exit 2"] }"#, NS, ""),
        watcher("slow", r#"{ command = ["sh", "-c", "echo '[{\"campaign_id\":\"s\",'; sleep 30"] }"#, ns2, "timeout = \"1s\""),
        watcher("garbage", r#"{ command = ["sh", "-c", "echo '{\"campaign_id\":\"g-1\",\"status\":\"Held\",\"last_status_changed_at\":\"2026-05-01T00:00:00Z\"}'; echo 'WARNING: garbage {{{'; echo '{\"campaign_id\":\"g-2\",\"status\":\"Held\",\"last_status_changed_at\":\"2026-05-02T00:00:00Z\"}'"] }"#, ns3, ""),
        watcher("good", r#"{ file = "entities/campaigns.jsonl" }"#, ns4, ""),
    ]
    .concat();
    env.write("tend.toml", &config);
    campaigns(&env, &[("c-1", "Held", "2026-05-01T00:00:00Z")]);
    let out = env.tend(&["watchers", "tick"]).status(1);
    assert!(
        out.stderr.contains(
            "watcher broken: command \"sh\" exited with status 2: ERROR: relation does not exist"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("watcher slow: command \"sh\" timed out after 1s"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("watcher garbage: skipped 1 bad row (line 2: not JSON"),
        "{}",
        out.stderr
    );
    let rows = decisions(&env);
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["inputs"]["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["g-1", "g-2", "c-1"]);
    // Nothing from the failed sources, even what they printed before failing.
    assert!(!ids.contains(&"x") && !ids.contains(&"s"));
    let out = env.tend(&["watchers", "tick", "good"]).status(0);
    assert_eq!(out.stdout, "");
    let out = env.tend(&["watchers", "tick", "nope"]).status(2);
    assert!(
        out.stderr.contains("no watcher named \"nope\""),
        "{}",
        out.stderr
    );
}

#[test]
fn a_sqlite3_command_source() {
    let sqlite3 = crate::support::provision::tool("sqlite3");
    let env = TestEnv::new();
    let db = env.path("platform.db");
    let sql = "create table campaigns (campaign_id text primary key, status text, last_status_changed_at text);
insert into campaigns values ('s-1', 'Held', '2026-05-01 09:00:00'), ('s-2', 'Held', '2026-05-23 09:00:00'), ('s-3', 'Running', '2026-01-01 00:00:00');";
    let made = std::process::Command::new(&sqlite3)
        .arg(&db)
        .arg(sql)
        .status()
        .unwrap();
    assert!(made.success());
    let source = r#"{ command = ["sqlite3", "-json", "platform.db", "select campaign_id, status, last_status_changed_at from campaigns where status = 'Held'"] }"#;
    env.write("tend.toml", watcher("campaign", source, NS, ""));
    let out = env.tend(&["watchers", "tick", "--json"]).status(0);
    let lines = out.json_lines();
    assert_eq!(lines[0]["entity_id"], "s-1");
    assert_eq!(lines.last().unwrap()["counts"]["scanned"], 2);
    let rows = decisions(&env);
    assert_eq!(rows.len(), 1);
    // A time without a zone is UTC.
    assert_eq!(
        rows[0]["decision_id"],
        python_id("s-1", "2026-05-01T09:00:00+00:00")
    );
    // No row matches: sqlite3 prints nothing, which is zero entities.
    let source =
        r#"{ command = ["sqlite3", "-json", "platform.db", "select * from campaigns where 0"] }"#;
    env.write("tend.toml", watcher("campaign", source, NS, ""));
    env.tend(&["watchers", "tick"]).status(0);
    // A wrong query is a failed source.
    let source = r#"{ command = ["sqlite3", "-json", "platform.db", "select * from nope"] }"#;
    env.write("tend.toml", watcher("campaign", source, NS, ""));
    let out = env.tend(&["watchers", "tick"]).status(1);
    assert!(out.stderr.contains("no such table: nope"), "{}", out.stderr);
}

#[test]
fn a_run_killed_after_its_decision_never_writes_a_second_one() {
    // The state a kill -9 leaves between the Decision append and the rest: a
    // decision row the index does not know, and no audit row for it.
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            NS,
            "",
        ),
    );
    campaigns(
        &env,
        &[
            ("c-1", "Held", "2026-05-01T00:00:00Z"),
            ("c-2", "Held", "2026-05-02T00:00:00Z"),
        ],
    );
    env.tend(&["watchers", "tick"]).status(0);
    let first = decisions(&env);
    assert_eq!(first.len(), 2);
    // Simulate the killed run: c-3's Decision appended, then nothing else.
    campaigns(
        &env,
        &[
            ("c-1", "Held", "2026-05-01T00:00:00Z"),
            ("c-2", "Held", "2026-05-02T00:00:00Z"),
            ("c-3", "Held", "2026-05-03T00:00:00Z"),
        ],
    );
    let ns = uuid::Uuid::parse_str(NS).unwrap();
    let id = uuid::Uuid::new_v5(&ns, b"decision:c-3:2026-05-03T00:00:00+00:00");
    let row = serde_json::json!({"decision_id": id, "decided_at": NOW, "decided_by": "agent:campaign-watcher",
        "context": "CampaignProgress", "choice": "Stuck", "rule": "stale_after:3d", "reasoning": "r",
        "inputs": {"entity_id": "c-3", "status": "Held", "since": "2026-05-03T00:00:00+00:00",
                   "last_progress": "2026-05-03T00:00:00+00:00", "threshold_seconds": 259200, "observed_at": NOW},
        "confidence_source": "deterministic", "event_id": uuid::Uuid::now_v7(), "watcher": "campaign"});
    let mut text = env.read("decisions/2026-05.jsonl");
    text.push_str(&format!("{row}\n"));
    env.write("decisions/2026-05.jsonl", text);
    let out = env.tend(&["watchers", "tick"]).status(0);
    assert!(
        out.stderr
            .contains("1 decision(s) were written by a run that did not finish before their watcher.flagged rows; wrote those rows"),
        "{}",
        out.stderr
    );
    let rows = decisions(&env);
    assert_eq!(rows.len(), 3, "no second Decision for c-3");
    let flagged = env.audit_kind("watcher.flagged");
    assert_eq!(flagged.len(), 3);
    assert_eq!(flagged[2]["details"]["decision_id"], id.to_string());
    // A lost or damaged index is rebuilt from the decision files.
    std::fs::write(env.path("state/decisions.index"), b"garbage").unwrap();
    env.tend(&["watchers", "tick"]).status(0);
    std::fs::remove_file(env.path("state/decisions.index")).unwrap();
    env.tend(&["watchers", "tick"]).status(0);
    assert_eq!(decisions(&env).len(), 3);
    assert_eq!(env.audit_kind("watcher.flagged").len(), 3);
}

#[test]
fn a_run_killed_after_its_audit_rows_adds_no_second_copy() {
    // The state a kill -9 leaves between the audit append and the index: the
    // Decision and its watcher.flagged row written, the index behind.
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            NS,
            "",
        ),
    );
    campaigns(&env, &[("c-1", "Held", "2026-05-01T00:00:00Z")]);
    let index = env.path("state/decisions.index");
    env.tend(&["watchers", "tick"]).status(0);
    let before = std::fs::read(&index).unwrap();
    campaigns(
        &env,
        &[
            ("c-1", "Held", "2026-05-01T00:00:00Z"),
            ("c-2", "Held", "2026-05-02T00:00:00Z"),
        ],
    );
    env.tend(&["watchers", "tick"]).status(0);
    assert_eq!(env.audit_kind("watcher.flagged").len(), 2);
    // Put the index back as it was before the second run saved it.
    std::fs::write(&index, before).unwrap();
    let _ = std::fs::remove_file(env.path("state/decisions.index.delta"));
    let out = env.tend(&["watchers", "tick", "-v"]).status(0);
    assert!(!out.stderr.contains("wrote those rows"), "{}", out.stderr);
    assert_eq!(decisions(&env).len(), 2);
    let flagged = env.audit_kind("watcher.flagged");
    assert_eq!(flagged.len(), 2, "no second copy: {flagged:?}");
}

#[test]
fn an_entity_id_cannot_forge_a_line_of_output() {
    // cron mails what a tick prints: an id holding a newline, a carriage
    // return or an escape is printed escaped, on its own line.
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            NS,
            "",
        ),
    );
    env.write(
        "entities/campaigns.jsonl",
        "{\"campaign_id\":\"c-1\\nwatcher campaign: 0 flagged\\rX\\u001b[2J\",\"status\":\"Held\",\"last_status_changed_at\":\"2026-05-01T00:00:00Z\"}\n",
    );
    let out = env.tend(&["watchers", "tick", "-v"]).status(0);
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        assert!(
            !line.starts_with("watcher campaign: 0 flagged") && !line.contains('\r'),
            "a forged line: {:?}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("c-1\\nwatcher campaign: 0 flagged\\x0dX\\x1b[2J"),
        "{}",
        out.stdout
    );
    // explain's sentence is one line too.
    let out = env
        .tend(&[
            "watchers",
            "explain",
            "campaign",
            "c-1\nwatcher campaign: 0 flagged\rX\u{1b}[2J",
        ])
        .ok();
    assert_eq!(out.stdout.lines().count(), 1, "{:?}", out.stdout);
    // A source whose error spans lines: `watchers list` and `status` keep
    // one line per watcher.
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ command = ["/bin/sh", "-c", "echo 'first' >&2; echo 'watcher forged: ok' >&2; exit 3"] }"#,
            NS,
            "",
        ),
    );
    env.tend(&["watchers", "tick"]).status(1);
    for args in [&["watchers", "list"][..], &["status"][..]] {
        let out = env.tend(args).output();
        assert!(
            out.stdout.lines().all(|l| !l.starts_with("watcher forged")),
            "{args:?}: {}",
            out.stdout
        );
    }
}

#[test]
fn a_write_that_fails_is_named_once() {
    // A full disk (here the file-size limit, which fails the same writes):
    // the error names the watcher and the file once each.
    use std::os::unix::process::CommandExt;
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            NS,
            "",
        ),
    );
    campaigns(&env, &[("c-1", "Held", "2026-05-01T00:00:00Z")]);
    std::fs::create_dir_all(env.path("decisions")).unwrap();
    let mut command = env.tend(&["watchers", "tick"]).into_command();
    // SAFETY: setrlimit is async-signal-safe; the struct is on the stack.
    unsafe {
        command.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 300,
                rlim_max: 300,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("watcher campaign:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(line.matches("watcher campaign").count(), 1, "{line}");
    assert_eq!(line.matches("cannot append to").count(), 1, "{line}");
    assert!(line.contains("decisions/2026-05.jsonl"), "{line}");
}

#[test]
fn a_choice_written_under_another_context_refuses_the_tick() {
    let env = TestEnv::new();
    let config = |context: &str| {
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            NS,
            "",
        )
        .replace(
            "context = \"CampaignProgress\"",
            &format!("context = \"{context}\""),
        )
    };
    env.write("tend.toml", config("CampaignProgress"));
    campaigns(&env, &[("c-1", "Held", "2026-05-01T00:00:00Z")]);
    env.tend(&["watchers", "tick"]).status(0);
    campaigns(
        &env,
        &[
            ("c-1", "Held", "2026-05-01T00:00:00Z"),
            ("c-2", "Held", "2026-05-02T00:00:00Z"),
        ],
    );
    let refused = |env: &TestEnv, other: &str, at: &str| {
        let audit = env.audit_kind("watcher.flagged").len();
        let decided = decisions(env).len();
        let out = env.tend(&["watchers", "tick"]).status(2);
        let expected = format!(
            "watcher campaign: choice \"Stuck\" was already written under context \"{other}\" ({at})"
        );
        assert!(out.stderr.contains(&expected), "{}", out.stderr);
        assert!(
            out.stderr
                .contains("this watcher writes it under \"Moved\"; nothing was flagged"),
            "{}",
            out.stderr
        );
        assert_eq!(decisions(env).len(), decided, "nothing written");
        assert_eq!(env.audit_kind("watcher.flagged").len(), audit);
    };
    // The watcher's own context changed under decisions already written.
    env.write("tend.toml", config("Moved"));
    refused(&env, "CampaignProgress", "decisions/2026-05.jsonl");
    // Rebuilt from the files when the pairs' file is gone.
    std::fs::remove_file(env.path("state/decision-choices.json")).unwrap();
    refused(
        &env,
        "CampaignProgress",
        "decisions/2026-05.jsonl at byte 0",
    );
    // A Decision another writer appended with the token under its context.
    let mut written = env.read("decisions/2026-05.jsonl");
    let offset = written.len();
    let platform = serde_json::json!({"decision_id": uuid::Uuid::now_v7(), "decided_at": NOW,
        "decided_by": "agent:platform", "context": "Elsewhere", "choice": "Stuck"});
    written.push_str(&format!("{platform}\n"));
    env.write("decisions/2026-05.jsonl", &written);
    env.write("tend.toml", config("CampaignProgress"));
    refused_other(&env, offset);
    // The configuration check says the same.
    let out = env.tend(&["config", "check"]).status(2);
    assert!(
        out.stderr
            .contains("\"Stuck\" was already written under context"),
        "{}",
        out.stderr
    );
}

/// The tick refused for the platform's row at `offset`.
fn refused_other(env: &TestEnv, offset: usize) {
    let decided = decisions(env).len();
    let out = env.tend(&["watchers", "tick"]).status(2);
    let expected = format!(
        "watcher campaign: choice \"Stuck\" was already written under context \"Elsewhere\" (decisions/2026-05.jsonl at byte {offset}); a choice token belongs to exactly one context, and this watcher writes it under \"CampaignProgress\""
    );
    assert!(out.stderr.contains(&expected), "{}", out.stderr);
    assert_eq!(decisions(env).len(), decided, "nothing written");
}

#[test]
fn init_example_flags_the_stalled_campaign_and_tick_runs_watchers() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).status(0);
    let out = env.tend(&["tick"]).output();
    assert!(
        out.stdout.contains("watcher campaign: 1 flagged"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let rows = decisions(&env);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["inputs"]["entity_id"], "cmp-002");
    let out = env.tend(&["watchers", "list"]).status(0);
    assert!(
        out.stdout
            .starts_with("campaign\tenabled\tagent:campaign-watcher (active)"),
        "{}",
        out.stdout
    );
}

#[test]
fn config_check_reads_the_decisions_already_written() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            NS,
            "",
        ),
    );
    campaigns(&env, &[("c-1", "Held", "2026-05-01T00:00:00Z")]);
    env.tend(&["watchers", "tick"]).status(0);
    env.tend(&["config", "check"]).status(0);
    // A new namespace would flag the open episode again: a warning.
    let other = "8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e99";
    env.write(
        "tend.toml",
        watcher(
            "campaign",
            r#"{ file = "entities/campaigns.jsonl" }"#,
            other,
            "",
        ),
    );
    let out = env.tend(&["config", "check"]).status(0);
    assert!(
        out.stderr
            .contains("watcher campaign: 1 past decision(s) were made under another namespace"),
        "{}",
        out.stderr
    );
    // The choice "Stuck" already belongs to CampaignProgress in the decisions.
    let moved = watcher(
        "campaign",
        r#"{ file = "entities/campaigns.jsonl" }"#,
        NS,
        "",
    )
    .replace("context = \"CampaignProgress\"", "context = \"Other\"");
    env.write("tend.toml", &moved);
    let out = env.tend(&["config", "check"]).status(2);
    assert!(
        out.stderr.contains("\"Stuck\" was already written under context \"CampaignProgress\" (decisions/2026-05.jsonl at byte 0)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_postgres_command_source() {
    let pg = crate::support::postgres::PgCluster::start();
    pg.psql(
        "create table campaigns (campaign_id text primary key, status text, last_status_changed_at timestamptz);
         insert into campaigns values
           ('p-1', 'Held', '2026-05-01 09:00:00.123456+00'),
           ('p-2', 'Held', '2026-05-23 09:00:00+02'),
           ('p-3', 'Running', '2026-01-01 00:00:00+00');",
    );
    let env = TestEnv::new();
    let port = pg.port().to_string();
    let psql = pg.psql_path().display().to_string();
    // psql -At with row_to_json: PostgreSQL's own timestamp text form.
    let source = format!(
        r#"{{ command = ["{psql}", "-X", "-At", "-h", "127.0.0.1", "-p", "{port}", "-U", "postgres", "-d", "postgres", "-c", "select row_to_json(c) from campaigns c where status = 'Held' order by campaign_id"] }}"#
    );
    env.write("tend.toml", watcher("campaign", &source, NS, ""));
    let out = env.tend(&["watchers", "tick", "--json"]).status(0);
    let lines = out.json_lines();
    assert_eq!(lines[0]["entity_id"], "p-1");
    assert_eq!(lines.last().unwrap()["counts"]["scanned"], 2);
    let rows = decisions(&env);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["inputs"]["since"],
        "2026-05-01T09:00:00.123456+00:00"
    );
    assert_eq!(
        rows[0]["decision_id"],
        python_id("p-1", "2026-05-01T09:00:00.123456+00:00")
    );
    // A failing query is a failed source: exit 1, nothing written.
    let source = format!(
        r#"{{ command = ["{psql}", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "{port}", "-U", "postgres", "-d", "postgres", "-c", "select row_to_json(c) from nope c"] }}"#
    );
    env.write("tend.toml", watcher("campaign", &source, NS, ""));
    let out = env.tend(&["watchers", "tick"]).status(1);
    assert!(
        out.stderr.contains("relation \"nope\" does not exist"),
        "{}",
        out.stderr
    );
    assert_eq!(decisions(&env).len(), 1);
}
