//! `tend gc checkpoints` and `tend gc audit` against real stores: LangGraph
//! SQLite databases written by LangGraph's own savers (tests/gc_langgraph.py),
//! a directory tree with links pointing outside, and real audit segments.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::TestEnv;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/gc_langgraph.py");

/// Threads the scenario keeps (sessions INC-1, graph-A and x are active;
/// INC-3 is orphaned but was touched within min_age).
pub const KEPT: &str = "INC-1,INC-1:retry-1,INC-1:retry-2,INC-3,INC-3:retry-1,graph-A";
/// Threads the scenario removes.
pub const GONE: &str = "INC-2,INC-2:retry-1,INC-10,x:retry-a,graph-B";
pub const ALL: &str = "INC-1,INC-1:retry-1,INC-1:retry-2,INC-3,INC-3:retry-1,graph-A,INC-2,INC-2:retry-1,INC-10,x:retry-a,graph-B";

/// The sessions the platform lists: INC-2 is closed, INC-10 deleted.
pub const SESSIONS: &str = r#"{"id":"INC-1","status":"running"}
{"id":"graph-A","status":"waiting"}
{"id":"x"}
{"id":"INC-2","status":"closed"}
{"id":"INC-10","status":"running","deleted_at":"2026-05-02T00:00:00Z"}
"#;

pub fn python(args: &[&str]) -> std::process::Output {
    let out = Command::new("python3")
        .arg(FIXTURE)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "fixture {args:?} failed\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn config(env: &TestEnv, store: &str, sessions: &str) {
    env.write(
        "tend.toml",
        format!(
            "[gc.checkpoints]\nstore = {store}\nsessions = {sessions}\nterminal_statuses = [\"closed\"]\ndeleted_field = \"deleted_at\"\n"
        ),
    );
}

/// A SQLite checkpoint database written by `kind` (sqlite / aiosqlite), its
/// manifest, and a root configured to collect it.
fn sqlite_env(kind: &str) -> (TestEnv, PathBuf, PathBuf) {
    let env = TestEnv::new();
    let db = env.dir().join("checkpoints.sqlite");
    let manifest = env.dir().join("manifest.json");
    python(&[
        "write",
        kind,
        db.to_str().unwrap(),
        manifest.to_str().unwrap(),
    ]);
    env.write("sessions.jsonl", SESSIONS);
    config(
        &env,
        &format!("{{ sqlite = {:?} }}", db.display().to_string()),
        "{ file = \"sessions.jsonl\" }",
    );
    (env, db, manifest)
}

fn check(db: &Path, manifest: &Path, kept: &str, gone: &str) {
    python(&[
        "check",
        "sqlite",
        db.to_str().unwrap(),
        manifest.to_str().unwrap(),
        kept,
        gone,
    ]);
}

fn removed_threads(env: &TestEnv) -> Vec<String> {
    let mut ids: Vec<String> = env
        .audit_kind("gc.checkpoint_removed")
        .iter()
        .map(|r| r["details"]["thread_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(list: &str) -> Vec<String> {
    let mut v: Vec<String> = list.split(',').map(String::from).collect();
    v.sort();
    v
}

#[test]
fn sqlite_sync_saver_dry_run_then_run() {
    let (env, db, manifest) = sqlite_env("sqlite");

    // A dry run lists every thread with what would happen, and changes nothing.
    let out = env.tend(&["gc", "checkpoints", "--dry-run"]).ok();
    for line in [
        "would delete: INC-10: session INC-10 is gone; last touched 2026-05-01T00:00:00",
        "would delete: x:retry-a: session x:retry-a is gone",
        "kept: INC-1: session INC-1 is active; superseded by INC-1:retry-2",
        "kept: INC-1:retry-1: session INC-1 is active; superseded by INC-1:retry-2",
        "kept: INC-1:retry-2: session INC-1 is active",
        "kept: INC-3: session INC-3 is gone, but INC-3:retry-1 was touched at 2026-05-24T07:30:00",
        "kept: graph-A: session graph-A is active",
    ] {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(line)),
            "no line starting {line:?} in\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("gc checkpoints (dry run): 5 of 11 threads would be deleted; 6 kept"),
        "{}",
        out.stdout
    );
    check(&db, &manifest, ALL, "");
    assert!(env.audit_kind("gc.checkpoint_removed").is_empty());
    assert!(!env.exists("state/runs/gc-checkpoints.json"));

    // --json: one object per thread, then the summary.
    let out = env.tend(&["gc", "checkpoints", "--dry-run", "--json"]).ok();
    let items = out.json_lines();
    let superseded = items
        .iter()
        .find(|i| i["thread_id"] == "INC-1:retry-1")
        .unwrap();
    assert_eq!(superseded["action"], "kept");
    assert_eq!(superseded["reason"], "superseded");
    let last = items.last().unwrap();
    assert_eq!(last["summary"], true);
    assert_eq!(last["would_delete"], 5);

    // The run deletes exactly the orphans, whole, and records each.
    let out = env.tend(&["gc", "checkpoints"]).ok();
    assert!(
        out.stdout
            .starts_with("gc checkpoints: deleted 5 thread(s) ("),
        "{}",
        out.stdout
    );
    check(&db, &manifest, KEPT, GONE);
    assert_eq!(removed_threads(&env), sorted(GONE));
    for row in env.audit_kind("gc.checkpoint_removed") {
        assert_eq!(row["details"]["store"], "sqlite");
        assert!(row["details"]["bytes"].as_u64().unwrap() > 0, "{row}");
        let thread = row["details"]["thread_id"].as_str().unwrap();
        assert_eq!(
            row["details"]["base_session_id"],
            if thread == "INC-2:retry-1" {
                "INC-2"
            } else {
                thread
            }
        );
    }
    let record: serde_json::Value =
        serde_json::from_str(&env.read("state/runs/gc-checkpoints.json")).unwrap();
    assert_eq!(record["counts"]["deleted"], 5);

    // Nothing left to do: nothing printed, and `tend status` shows the run.
    let out = env.tend(&["gc", "checkpoints"]).ok();
    assert_eq!(out.stdout, "");
    let status = env.tend(&["status", "--json"]).output();
    assert!(
        status.stdout.contains("gc checkpoints"),
        "{}",
        status.stdout
    );
}

#[test]
fn sqlite_async_saver_and_vacuum() {
    let (env, db, manifest) = sqlite_env("aiosqlite");
    let out = env.tend(&["gc", "checkpoints", "--vacuum"]).ok();
    assert!(out.stdout.contains("vacuum"), "{}", out.stdout);
    check(&db, &manifest, KEPT, GONE);
    assert_eq!(removed_threads(&env), sorted(GONE));
}

/// A process holding the database open (and, with `lock`, a write
/// transaction) until it is dropped.
struct Holder(Child);

impl Holder {
    fn start(args: &[&str]) -> Holder {
        let mut child = Command::new("python3")
            .arg(FIXTURE)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start holder");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "holder did not start");
        Holder(child)
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

#[test]
fn sqlite_held_open_by_a_wal_writer() {
    let (env, db, manifest) = sqlite_env("sqlite");
    // A writer with the database open (no transaction): deleting goes on.
    {
        let _writer = Holder::start(&["hold", "sqlite", db.to_str().unwrap()]);
        env.tend(&["gc", "checkpoints", "--max-deletions", "1"])
            .ok();
    }
    assert_eq!(removed_threads(&env).len(), 1);

    // A writer in a write transaction past the busy wait: the thread is left
    // for the next run, nothing is half-deleted, exit 1.
    {
        let _writer = Holder::start(&["hold", "sqlite", db.to_str().unwrap(), "--lock"]);
        let out = env.tend(&["gc", "checkpoints"]).status(1);
        assert!(
            out.stderr.contains("locked by another writer"),
            "{}",
            out.stderr
        );
        assert!(
            out.stdout.contains("left for the next run"),
            "{}",
            out.stdout
        );
    }
    assert_eq!(removed_threads(&env).len(), 1);
    env.tend(&["gc", "checkpoints"]).ok();
    check(&db, &manifest, KEPT, GONE);
    assert_eq!(removed_threads(&env), sorted(GONE));
}

#[test]
fn sqlite_refusals_never_create_or_touch_anything() {
    let (env, db, manifest) = sqlite_env("sqlite");

    // An empty source: nothing deleted, exit 1, the way out named.
    env.write("sessions.jsonl", "");
    let out = env.tend(&["gc", "checkpoints"]).status(1);
    assert!(out.stderr.contains("--allow-empty"), "{}", out.stderr);
    check(&db, &manifest, ALL, "");
    let out = env.tend(&["gc", "checkpoints", "--dry-run"]).status(1);
    assert!(
        out.stdout
            .contains("kept: INC-2: the session source returned no sessions"),
        "{}",
        out.stdout
    );

    // A source that fails, or has a row it cannot read: nothing deleted.
    config(
        &env,
        &format!("{{ sqlite = {:?} }}", db.display().to_string()),
        "{ command = [\"sh\", \"-c\", \"echo '{\\\"id\\\":\\\"INC-1\\\"}'; exit 3\"] }",
    );
    let out = env.tend(&["gc", "checkpoints"]).status(1);
    assert!(out.stderr.contains("nothing deleted"), "{}", out.stderr);
    config(
        &env,
        &format!("{{ sqlite = {:?} }}", db.display().to_string()),
        "{ file = \"sessions.jsonl\" }",
    );
    env.write(
        "sessions.jsonl",
        format!("{SESSIONS}{{\"session\":\"INC-2\"}}\n"),
    );
    let out = env.tend(&["gc", "checkpoints"]).status(1);
    assert!(out.stderr.contains("line 6: no id field"), "{}", out.stderr);
    check(&db, &manifest, ALL, "");

    // --allow-empty deletes every old orphan; the recent one stays.
    env.write("sessions.jsonl", "");
    env.tend(&[
        "gc",
        "checkpoints",
        "--allow-empty",
        "--max-deletions",
        "100",
    ])
    .ok();
    check(
        &db,
        &manifest,
        "INC-3,INC-3:retry-1",
        "INC-1,INC-1:retry-1,INC-1:retry-2,graph-A,INC-2,INC-2:retry-1,INC-10,x:retry-a,graph-B",
    );

    // A missing database is not created.
    let missing = env.dir().join("missing.sqlite");
    config(
        &env,
        &format!("{{ sqlite = {:?} }}", missing.display().to_string()),
        "{ file = \"sessions.jsonl\" }",
    );
    env.write("sessions.jsonl", SESSIONS);
    let out = env.tend(&["gc", "checkpoints"]).status(1);
    assert!(out.stderr.contains("missing.sqlite"), "{}", out.stderr);
    assert!(!missing.exists());
}

#[test]
fn sqlite_wal_database_of_another_user_is_refused() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root to give the database to another user");
        return;
    }
    let (env, db, manifest) = sqlite_env("sqlite");
    std::os::unix::fs::chown(&db, Some(65534), Some(65534)).unwrap();
    let out = env.tend(&["gc", "checkpoints"]).status(1);
    assert!(out.stderr.contains("owned by uid 65534"), "{}", out.stderr);
    assert!(!db.with_extension("sqlite-wal").exists());
    assert!(!db.with_extension("sqlite-shm").exists());
    let dry = env.tend(&["gc", "checkpoints", "--dry-run"]).status(1);
    assert!(dry.stderr.contains("owned by uid 65534"), "{}", dry.stderr);
    std::os::unix::fs::chown(&db, Some(0), Some(0)).unwrap();
    check(&db, &manifest, ALL, "");
}

#[test]
fn min_age_and_max_deletions_flags() {
    let (env, db, manifest) = sqlite_env("sqlite");
    // With min_age 0 the recent orphan goes too; the cap takes the oldest first.
    let out = env
        .tend(&[
            "gc",
            "checkpoints",
            "--min-age",
            "0s",
            "--max-deletions",
            "3",
            "--json",
        ])
        .ok();
    let items = out.json_lines();
    let over: Vec<&serde_json::Value> =
        items.iter().filter(|i| i["reason"] == "over_cap").collect();
    assert_eq!(over.len(), 4, "{}", out.stdout);
    assert!(over.iter().any(|i| i["thread_id"] == "INC-3:retry-1"));
    assert_eq!(removed_threads(&env).len(), 3);
    env.tend(&["gc", "checkpoints", "--min-age", "0s"]).ok();
    check(
        &db,
        &manifest,
        "INC-1,INC-1:retry-1,INC-1:retry-2,graph-A",
        &format!("{GONE},INC-3,INC-3:retry-1"),
    );
}

fn touch(path: &Path, secs: u64) {
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .or_else(|_| std::fs::File::open(path))
        .unwrap();
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .unwrap();
}

#[test]
fn directory_store_with_links_pointing_outside() {
    let env = TestEnv::new();
    let store = env.dir().join("checkpoints");
    let outside = env.dir().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("precious"), "do not delete").unwrap();
    let old = 1_777_593_600; // 2026-05-01
    let recent = 1_779_607_800; // 2026-05-24T07:30:00Z
    for (rel, secs) in [
        ("INC-1/checkpoint-1.json", old),
        ("INC-1:retry-1/ns/checkpoint-1.json", old),
        ("INC-2/checkpoint-1.json", old),
        ("INC-2/sub/checkpoint-2.json", old),
        ("INC-3/checkpoint-1.json", old),
        ("INC-3/checkpoint-2.json", recent),
    ] {
        let path = store.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{\"v\":1}").unwrap();
        touch(&path, secs);
    }
    std::fs::write(store.join("INC-10.json"), "{}").unwrap();
    std::fs::write(store.join("INC-11.jsonl"), "{}\n{}\n").unwrap();
    // Links inside a thread and a link as a thread: never followed.
    std::os::unix::fs::symlink(&outside, store.join("INC-2/sub/link")).unwrap();
    std::os::unix::fs::symlink(&outside, store.join("INC-12")).unwrap();
    for dir in [
        "INC-1",
        "INC-1:retry-1/ns",
        "INC-1:retry-1",
        "INC-2/sub",
        "INC-2",
        "INC-3",
        "INC-10.json",
        "INC-11.jsonl",
    ] {
        touch(&store.join(dir), old);
    }
    // A link's own mtime cannot be set portably from std; it is "now", so
    // INC-2's newest time is the link's: run as if a day later.
    env.write("sessions.jsonl", "{\"id\":\"INC-1\"}\n");
    config(
        &env,
        &format!("{{ dir = {:?} }}", store.display().to_string()),
        "{ file = \"sessions.jsonl\" }",
    );
    let later = chrono::Utc::now() + chrono::TimeDelta::days(1);
    let later = later.to_rfc3339();
    let out = env.tend(&["gc", "checkpoints", "--now", &later, "-v"]).ok();
    assert!(
        out.stderr
            .contains("INC-12: a symbolic link (not followed)"),
        "{}",
        out.stderr
    );
    assert!(store.join("INC-1/checkpoint-1.json").exists());
    assert!(store.join("INC-1:retry-1/ns/checkpoint-1.json").exists());
    assert!(!store.join("INC-2").exists());
    assert!(!store.join("INC-3").exists());
    assert!(!store.join("INC-10.json").exists());
    assert!(!store.join("INC-11.jsonl").exists());
    assert!(std::fs::symlink_metadata(store.join("INC-12")).is_ok());
    assert_eq!(
        std::fs::read_to_string(outside.join("precious")).unwrap(),
        "do not delete"
    );
    let removed = removed_threads(&env);
    assert_eq!(removed, ["INC-10", "INC-11", "INC-2", "INC-3"]);
    let inc2 = env
        .audit_kind("gc.checkpoint_removed")
        .into_iter()
        .find(|r| r["details"]["thread_id"] == "INC-2")
        .unwrap();
    assert_eq!(inc2["details"]["bytes"], 14);
    assert_eq!(inc2["details"]["store"], "dir");
    // Nothing half-deleted is left behind.
    let hidden: Vec<_> = std::fs::read_dir(&store)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty());

    // What is left belongs to the active session.
    let out = env.tend(&["gc", "checkpoints", "--dry-run"]).ok();
    assert!(
        out.stdout.contains("0 of 2 threads would be deleted"),
        "{}",
        out.stdout
    );
}

fn segment(env: &TestEnv, date: &str, rows: usize) {
    let mut text = String::new();
    for i in 0..rows {
        text.push_str(&format!(
            "{{\"id\":\"{i}\",\"ts\":\"{date}T00:00:00.000Z\",\"kind\":\"probe.observed\",\"details\":{{}}}}\n"
        ));
    }
    env.write(&format!("audit/{date}.jsonl"), text);
}

#[test]
fn gc_audit_keeps_recent_unread_and_refuses_a_short_window() {
    let env = TestEnv::new(); // now 2026-05-24
    for (date, rows) in [
        ("2026-04-01", 3),
        ("2026-04-20", 2),
        ("2026-05-10", 1),
        ("2026-05-22", 1),
        ("2026-05-23", 1),
        ("2026-05-24", 1),
    ] {
        segment(&env, date, rows);
    }
    // Shorter than the 30-day promote windows: refused unless --force.
    let out = env.tend(&["gc", "audit", "--keep-days", "7"]).status(2);
    assert!(
        out.stderr.contains("--keep-days 30 or more"),
        "{}",
        out.stderr
    );

    // The wake cursor stopped inside 2026-04-20: that segment and later stay.
    env.write(
        "state/wake.cursor.json",
        "{\"segment\":\"2026-04-20.jsonl\",\"offset\":10,\"last_line_hash\":\"0\",\"updated_at\":\"2026-05-24T00:00:00.000Z\"}",
    );
    let out = env
        .tend(&["gc", "audit", "--keep-days", "0", "--force", "--dry-run"])
        .ok();
    assert!(
        out.stdout.contains("would remove: 2026-04-01.jsonl"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("kept: 2026-04-20.jsonl: wake consume has not finished reading it"),
        "{}",
        out.stdout
    );
    assert!(env.exists("audit/2026-04-01.jsonl"));

    let out = env
        .tend(&["gc", "audit", "--keep-days", "0", "--force"])
        .ok();
    assert!(
        out.stdout.contains("removed 1 segment(s)"),
        "{}",
        out.stdout
    );
    assert!(!env.exists("audit/2026-04-01.jsonl"));
    for kept in [
        "2026-04-20",
        "2026-05-10",
        "2026-05-22",
        "2026-05-23",
        "2026-05-24",
    ] {
        assert!(env.exists(&format!("audit/{kept}.jsonl")), "{kept}");
    }
    let rows = env.audit_kind("gc.audit_removed");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["details"]["segment"], "2026-04-01.jsonl");
    assert_eq!(rows[0]["details"]["rows"], 3);

    // Once the cursor has moved on, only today's and yesterday's stay.
    env.write(
        "state/wake.cursor.json",
        "{\"segment\":\"2026-05-24.jsonl\",\"offset\":0,\"updated_at\":\"2026-05-24T00:00:00.000Z\"}",
    );
    env.tend(&["gc", "audit", "--keep-days", "0", "--force"])
        .ok();
    let mut left: Vec<String> = std::fs::read_dir(env.path("audit"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["2026-05-23.jsonl", "2026-05-24.jsonl"]);
    // The rows saying so are in today's segment.
    assert_eq!(env.audit_kind("gc.audit_removed").len(), 4);

    // A segment that is a link is never removed.
    let elsewhere = env.dir().join("elsewhere.jsonl");
    std::fs::write(&elsewhere, "{}\n").unwrap();
    std::os::unix::fs::symlink(&elsewhere, env.path("audit/2026-01-01.jsonl")).unwrap();
    let out = env.tend(&["gc", "audit", "--keep-days", "30"]).status(1);
    assert!(
        out.stderr
            .contains("2026-01-01.jsonl is not a regular file"),
        "{}",
        out.stderr
    );
    assert!(elsewhere.exists());
    let _ = std::io::stdout().flush();
}
