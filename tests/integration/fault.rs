//! Fault injection (issue 9): the file-size limit at each write, a full disk,
//! an unwritable standard output, a directory in place of each state file and
//! segment. Each gives a clear error naming the file, loses nothing (the
//! invariants of the kill -9 harness hold after it), and the next run after
//! the fault is cleared is correct.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::crash::{check_at_rest, check_root};
use crate::support::TestEnv;
use crate::support::fakes;
use crate::support::http::{FakeServer, Recorded};

/// Runs tend with `args` under a file-size limit of `limit` bytes; returns
/// (exit code, stderr).
fn run_limited(env: &TestEnv, args: &[&str], extra: &[(&str, &str)], limit: u64) -> (i32, String) {
    let mut run = env.tend(args);
    for (k, v) in extra {
        run = run.env(k, v);
    }
    let mut command: Command = run.into_command();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; the struct is on the stack.
    unsafe {
        command.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = command.output().expect("run tend");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn slack_env(slack: &FakeServer) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("SLACK_BOT_TOKEN", "xoxb-fault-token");
    env.write(
        "tend.toml",
        format!(
            "[slack]\ntoken_env = \"SLACK_BOT_TOKEN\"\nuser_id = \"U1\"\napi_base = \"{}/api\"\ntimeout = \"5s\"\n\n\
             [operator]\nchannel = \"slack\"\n\n\
             [wake]\nconsecutive_required = 1\n\n\
             [alerts]\nburst_limit = 1000\nroute = {{ critical = \"slack\", warning = \"slack\", info = \"slack\" }}\n",
            slack.url()
        ),
    );
    env
}

fn alert_of(r: &Recorded) -> Option<String> {
    r.json()["text"]
        .as_str()?
        .lines()
        .find_map(|l| l.strip_prefix("Alert id: ").map(str::to_string))
}

/// The `ref` of every whole `notification.dispatched` row (a line that a
/// failed or killed append left unreadable is skipped, as readers skip it).
fn dispatched_refs(env: &TestEnv) -> std::collections::BTreeSet<String> {
    let mut refs = std::collections::BTreeSet::new();
    for (_, bytes) in crate::crash::files_under(&env.path("audit")) {
        for line in bytes.split(|b| *b == b'\n') {
            let Ok(row) = serde_json::from_slice::<serde_json::Value>(line) else {
                continue;
            };
            if row["kind"] == "notification.dispatched"
                && let Some(r) = row["details"]["ref"].as_str()
            {
                refs.insert(r.to_string());
            }
        }
    }
    refs
}

fn deliveries(slack: &FakeServer) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for r in slack.requests() {
        let key = alert_of(&r).unwrap_or_else(|| {
            r.json()["text"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        });
        *n.entry(key).or_default() += 1;
    }
    n
}

/// A failed run's stderr must name a file under the root (the one it could
/// not write), never fail silently.
fn assert_names_a_file(code: i32, stderr: &str, what: &str) {
    if code != 0 {
        assert!(
            stderr.contains("/root/") || stderr.contains("state/") || stderr.contains("audit/"),
            "{what}: exit {code} without naming the file: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}

#[test]
fn the_file_size_limit_at_each_write_of_alerts_notify_loses_nothing() {
    let mut input = String::new();
    for i in 0..3 {
        input.push_str(
            &json!({"id": format!("a{i}"), "severity": "critical", "category": format!("c{i}"),
                    "title": format!("Alert {i}")})
            .to_string(),
        );
        input.push('\n');
    }
    // Sweep the limit so that each write in turn (the state file, the audit
    // segment, the run record) is the one that hits it.
    let mut failed = 0;
    let limits: Vec<u64> = (0..4000).step_by(250).collect();
    for &limit in &limits {
        let slack = FakeServer::start(fakes::slack_ok());
        let env = slack_env(&slack);
        let file = env.write("alerts.jsonl", &input);
        let args = ["alerts", "notify", "--from", file.to_str().unwrap()];
        let (code, stderr) = run_limited(&env, &args, &[], limit);
        assert_names_a_file(code, &stderr, &format!("limit {limit}"));
        failed += usize::from(code != 0);
        check_root(
            &env,
            limit,
            &format!("after a run limited to {limit} bytes"),
        );
        // The fault cleared: the next run completes what was left.
        let out = env.tend(&args).output();
        assert!(out.code == 0, "limit {limit}: {}", out.stderr);
        check_at_rest(&env, limit);
        let n = deliveries(&slack);
        for i in 0..3 {
            let got = n.get(&format!("a{i}")).copied().unwrap_or(0);
            // A send whose record could not be written is sent again once.
            assert!(
                (1..=2).contains(&got),
                "limit {limit}: a{i} delivered {got} times: {n:?}"
            );
        }
        // And a third run sends nothing.
        let before = slack.request_count();
        env.tend(&args).ok();
        assert_eq!(slack.request_count(), before, "limit {limit}");
        // Every message sent has its record, whichever write the limit hit.
        let recorded = dispatched_refs(&env);
        for i in 0..3 {
            assert!(
                recorded.contains(&format!("a{i}")),
                "limit {limit}: a{i} was sent but has no notification.dispatched row"
            );
        }
    }
    // The sweep reached both sides: runs stopped by the limit, and runs it let through.
    assert!(
        failed > 0 && failed < limits.len(),
        "{failed} of {} runs failed",
        limits.len()
    );
}

#[test]
fn the_file_size_limit_at_each_write_of_wake_consume_loses_nothing() {
    let mut failed = 0;
    let limits: Vec<u64> = (0..6000).step_by(400).collect();
    for &limit in &limits {
        let slack = FakeServer::start(fakes::slack_ok());
        let env = slack_env(&slack);
        env.tend(&["wake", "consume"]).ok(); // stamp the cursor
        let mut rows = String::new();
        for i in 0..3 {
            rows.push_str(
                &json!({"id": format!("w{i}"), "ts": "2026-05-24T07:59:00Z", "kind": "probe.wake_requested",
                        "details": {"probe": format!("p{i}"), "issue_category": "down", "severity": "critical",
                                    "summary": "down"}})
                .to_string(),
            );
            rows.push('\n');
        }
        std::fs::create_dir_all(env.path("audit")).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(env.path("audit/2026-05-24.jsonl"))
            .and_then(|mut f| std::io::Write::write_all(&mut f, rows.as_bytes()))
            .unwrap();
        let segment_len = std::fs::metadata(env.path("audit/2026-05-24.jsonl"))
            .unwrap()
            .len();
        let (code, stderr) = run_limited(&env, &["wake", "consume"], &[], segment_len + limit);
        assert_names_a_file(code, &stderr, &format!("limit +{limit}"));
        failed += usize::from(code != 0);
        check_root(
            &env,
            limit,
            &format!("after a run limited to +{limit} bytes"),
        );
        let out = env.tend(&["wake", "consume"]).output();
        assert!(out.code == 0, "limit +{limit}: {}", out.stderr);
        check_at_rest(&env, limit);
        let n = deliveries(&slack);
        for i in 0..3 {
            let got = n
                .iter()
                .filter(|(k, _)| k.ends_with(&format!("p{i}")))
                .map(|(_, v)| *v)
                .sum::<usize>();
            assert!(
                (1..=2).contains(&got),
                "limit +{limit}: p{i} delivered {got} times: {n:?}"
            );
        }
        let before = slack.request_count();
        env.tend(&["wake", "consume"]).ok();
        assert_eq!(slack.request_count(), before, "limit +{limit}");
    }
    assert!(
        failed > 0 && failed < limits.len(),
        "{failed} of {} runs failed",
        limits.len()
    );
}

#[test]
fn the_file_size_limit_on_an_audit_append_cuts_it_back() {
    let env = TestEnv::new();
    let args = [
        "audit",
        "emit",
        "--kind",
        "probe.observed",
        "--details",
        r#"{"probe":"p","status":"ok"}"#,
    ];
    env.tend(&args).ok();
    let segment = env.path("audit/2026-05-24.jsonl");
    let before = std::fs::read(&segment).unwrap();
    // Room for part of the next row only.
    let (code, stderr) = run_limited(&env, &args, &[], before.len() as u64 + 20);
    assert_ne!(code, 0, "the append cannot fit");
    assert!(stderr.contains("audit/2026-05-24.jsonl"), "{stderr}");
    assert_eq!(
        std::fs::read(&segment).unwrap(),
        before,
        "a failed append left bytes behind"
    );
    env.tend(&args).ok();
    check_at_rest(&env, 0);
    assert_eq!(env.audit_kind("probe.observed").len(), 2);
}

#[test]
fn a_directory_in_place_of_a_state_file_or_segment_is_an_error_naming_it() {
    let cases: [(&str, &[&str]); 5] = [
        ("state/wake.cursor.json", &["wake", "consume"]),
        ("state/alerts.notified.json", &["alerts", "notify"]),
        ("state/probes.json", &["probe", "run"]),
        (
            "audit/2026-05-24.jsonl",
            &[
                "audit",
                "emit",
                "--kind",
                "probe.observed",
                "--details",
                r#"{"probe":"p","status":"ok"}"#,
            ],
        ),
        ("audit/2026-05-24.jsonl", &["probe", "run"]),
    ];
    for (path, args) in cases {
        let env = TestEnv::new();
        env.script(
            "probes.d/down",
            "#!/bin/sh\necho 'CRITICAL - down'\nexit 2\n",
        );
        env.tend(&["wake", "consume"]).ok(); // a cursor to find
        std::fs::remove_file(env.path(path)).ok();
        std::fs::create_dir_all(env.path(path).join("inside")).unwrap();
        let out = env.tend(args).output();
        assert_eq!(out.code, 74, "{path} {args:?}: {}", out.stderr);
        assert!(out.stderr.contains(path), "{path} {args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        // Nothing was lost: the directory and its content are untouched.
        assert!(env.path(path).join("inside").is_dir(), "{path}");
        std::fs::remove_dir_all(env.path(path)).unwrap();
        let out = env.tend(args).output();
        assert!(
            out.code == 0 || out.code == 1,
            "{path} {args:?} after the fix: {}",
            out.stderr
        );
        check_at_rest(&env, 0);
    }
}

#[test]
fn an_unwritable_standard_output_is_a_failed_send_and_the_next_run_sends() {
    let env = TestEnv::new();
    let input =
        json!({"id": "q1", "severity": "critical", "category": "queue", "title": "Queue stuck"})
            .to_string();
    let file = env.write("alerts.jsonl", format!("{input}\n"));
    let args = ["alerts", "notify", "--from", file.to_str().unwrap()];
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut command = env.tend(&args).into_command();
    let out = command
        .stdin(Stdio::null())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = env.audit_kind("notification.dispatched");
    assert!(
        rows.iter().all(|r| r["details"]["status"] != "ok"),
        "a message written to a full stdout was recorded as sent: {rows:?}"
    );
    check_root(&env, 0, "after /dev/full");
}

/// A full disk, on a small tmpfs (needs the right to mount; skipped with a
/// note where the machine does not give it).
#[test]
fn a_full_disk_is_an_error_naming_the_file_and_the_next_run_is_correct() {
    let env = TestEnv::new();
    let mnt = env.dir().join("small");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&mnt)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "fault: skipped the full-disk test: cannot mount a tmpfs here (the file-size limit tests cover the same writes)"
        );
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());
    let root = mnt.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let slack = FakeServer::start(fakes::slack_ok());
    let base = slack_env(&slack);
    std::fs::copy(base.path("tend.toml"), root.join("tend.toml")).unwrap();
    let mut env2 = TestEnv::new();
    env2.set_env("TEND_ROOT", root.to_str().unwrap());
    env2.set_env("SLACK_BOT_TOKEN", "xoxb-fault-token");
    let mut input = String::new();
    for i in 0..3 {
        input.push_str(&json!({"id": format!("a{i}"), "severity": "critical", "category": format!("c{i}"), "title": "T"}).to_string());
        input.push('\n');
    }
    let file = env2.write("alerts.jsonl", &input);
    let args = ["alerts", "notify", "--from", file.to_str().unwrap()];
    // Fill the disk, leaving a few hundred bytes.
    let filler = mnt.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 256 * 1024]);
    let len = std::fs::metadata(&filler).map(|m| m.len()).unwrap_or(0);
    std::fs::write(&filler, vec![0u8; len.saturating_sub(600) as usize]).unwrap();
    let out = env2.tend(&args).output();
    assert_ne!(out.code, 0, "a full disk went unnoticed: {}", out.stderr);
    assert!(
        out.stderr.contains(root.to_str().unwrap())
            || out.stderr.contains("state/")
            || out.stderr.contains("audit/"),
        "the error names no file: {}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    // The fault cleared: everything is delivered, at most once more.
    std::fs::remove_file(&filler).unwrap();
    let out = env2.tend(&args).output();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let n = deliveries(&slack);
    for i in 0..3 {
        let got = n.get(&format!("a{i}")).copied().unwrap_or(0);
        assert!((1..=2).contains(&got), "a{i} delivered {got} times: {n:?}");
    }
}

#[test]
fn a_full_standard_output_is_named_in_the_error() {
    let env = TestEnv::new();
    env.tend(&[
        "audit",
        "emit",
        "--kind",
        "probe.observed",
        "--details",
        r#"{"probe":"a","status":"ok"}"#,
    ])
    .ok();
    for args in [
        &["audit", "tail"][..],
        &["status"][..],
        &["config", "show"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = env
            .tend(args)
            .into_command()
            .stdin(Stdio::null())
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        // Not a bare "No space left on device", which reads like a full root.
        assert!(
            stderr.contains("cannot write to standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}
