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
    let out = Command::new(crate::support::provision::python())
        .arg(FIXTURE)
        .args(args)
        .output()
        .expect("run the tests' python");
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
        let mut child = Command::new(crate::support::provision::python())
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

#[test]
fn a_run_whose_record_cannot_be_written_exits_1() {
    // A full disk (here the file-size limit) at the run record: the work is
    // done, but `status` would show the run before, so the run is a failure.
    use std::os::unix::process::CommandExt;
    let env = TestEnv::new();
    env.write("sessions.jsonl", SESSIONS);
    let store = env.dir().join("checkpoints");
    std::fs::create_dir_all(store.join("INC-1")).unwrap();
    config(
        &env,
        &format!("{{ dir = {:?} }}", store.display().to_string()),
        "{ file = \"sessions.jsonl\" }",
    );
    let mut command = env.tend(&["gc", "checkpoints"]).into_command();
    // SAFETY: setrlimit is async-signal-safe; the struct is on the stack.
    unsafe {
        command.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 120,
                rlim_max: 120,
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
    assert!(
        stderr.contains("tend: error: cannot record the run"),
        "{stderr}"
    );
    assert!(!env.exists("state/runs/gc-checkpoints.json"), "{stderr}");
    // Without the limit: exit 0 and a record.
    env.tend(&["gc", "checkpoints"]).ok();
    assert!(env.exists("state/runs/gc-checkpoints.json"));
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
    // design §10: a link where a segment belongs is exit 74, naming it.
    let out = env.tend(&["gc", "audit", "--keep-days", "30"]).status(74);
    assert!(
        out.stderr
            .contains("2026-01-01.jsonl is a symbolic link, not a regular file"),
        "{}",
        out.stderr
    );
    assert!(elsewhere.exists());
    let _ = std::io::stdout().flush();
}

#[test]
fn gc_audit_stops_at_a_damaged_cursor_and_names_non_regular_segments() {
    let env = TestEnv::new(); // now 2026-05-24
    for date in ["2026-03-01", "2026-03-02", "2026-03-03", "2026-05-24"] {
        segment(&env, date, 1);
    }
    // A damaged cursor: quarantined, exit 74, and no segment removed (a
    // cursor gone after the first segment must not read as "all read").
    env.write("state/wake.cursor.json", "{\"segment\": ");
    for dry in [true, false] {
        let mut args = vec!["gc", "audit", "--keep-days", "30"];
        if dry {
            args.push("--dry-run");
        }
        let out = env.tend(&args).status(74);
        assert!(
            out.stderr.contains("no further segment removed"),
            "{}",
            out.stderr
        );
        env.write("state/wake.cursor.json", "[]");
    }
    for date in ["2026-03-01", "2026-03-02", "2026-03-03"] {
        assert!(env.exists(&format!("audit/{date}.jsonl")), "{date}");
    }
    assert!(env.audit_kind("gc.audit_removed").is_empty());

    // A directory where a segment belongs: named, exit 74; the others go.
    std::fs::remove_file(env.path("state/wake.cursor.json")).unwrap();
    std::fs::remove_file(env.path("audit/2026-03-02.jsonl")).unwrap();
    std::fs::create_dir(env.path("audit/2026-03-02.jsonl")).unwrap();
    let out = env.tend(&["gc", "audit", "--keep-days", "30"]).status(74);
    assert!(
        out.stderr
            .contains("2026-03-02.jsonl is a directory, not a regular file"),
        "{}",
        out.stderr
    );
    assert!(!env.exists("audit/2026-03-01.jsonl"));
    assert!(!env.exists("audit/2026-03-03.jsonl"));
    assert!(env.path("audit/2026-03-02.jsonl").is_dir());
    std::fs::remove_dir(env.path("audit/2026-03-02.jsonl")).unwrap();
    assert_eq!(env.audit_kind("gc.audit_removed").len(), 2);
}

/// design §5 step 4: a wake cursor gone while wake did run (its ledger exists,
/// or a copy of its cursor was quarantined) makes the next `wake consume`
/// replay from the lost-state horizon, so `gc audit` keeps what it would read.
#[test]
fn gc_audit_keeps_what_a_replay_of_a_lost_wake_cursor_reads() {
    let dates = ["2026-04-01", "2026-05-10", "2026-05-18", "2026-05-20"];
    let left = |env: &TestEnv| {
        let mut names: Vec<String> = std::fs::read_dir(env.path("audit"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.starts_with("2026-04") || n.starts_with("2026-05-1") || n == "2026-05-20.jsonl"
            })
            .collect();
        names.sort();
        names
    };
    let ran_before: [(&str, &str); 2] = [
        ("state/wake.ledger.json", "{}"),
        (
            "state/quarantine/wake.cursor.json.quarantined-20260520T000000.000Z",
            "{\"segment\": ",
        ),
    ];
    for (file, text) in ran_before {
        let env = TestEnv::new(); // now 2026-05-24
        for date in dates {
            segment(&env, date, 1);
        }
        env.write(file, text);
        let out = env
            .tend(&["gc", "audit", "--keep-days", "0", "--force", "--dry-run"])
            .ok();
        assert!(
            out.stdout
                .contains("kept: 2026-05-18.jsonl: wake consume has not finished reading it"),
            "{file}: {}",
            out.stdout
        );
        env.tend(&["gc", "audit", "--keep-days", "0", "--force"])
            .ok();
        // The replay starts a week (the ledger's horizon) and the debounce
        // reach before now: 2026-05-18 on stays, older segments go.
        assert_eq!(
            left(&env),
            ["2026-05-18.jsonl", "2026-05-20.jsonl"],
            "{file}"
        );
    }

    // Wake never ran: its first run starts at the end of the log.
    let env = TestEnv::new();
    for date in dates {
        segment(&env, date, 1);
    }
    env.tend(&["gc", "audit", "--keep-days", "0", "--force"])
        .ok();
    assert!(left(&env).is_empty(), "{:?}", left(&env));
}

// ---------------------------------------------------------------- Postgres

use crate::support::postgres::PgCluster;

fn pg_env(pg: &PgCluster) -> (TestEnv, PathBuf) {
    let mut env = TestEnv::new();
    let manifest = env.dir().join("manifest.json");
    python(&["write", "postgres", &pg.dsn(), manifest.to_str().unwrap()]);
    env.write("sessions.jsonl", SESSIONS);
    config(
        &env,
        "{ postgres_env = \"CP_DSN\" }",
        "{ file = \"sessions.jsonl\" }",
    );
    env.set_env("CP_DSN", &pg.dsn());
    (env, manifest)
}

fn pg_check(pg: &PgCluster, manifest: &Path, kept: &str, gone: &str) {
    python(&[
        "check",
        "postgres",
        &pg.dsn(),
        manifest.to_str().unwrap(),
        kept,
        gone,
    ]);
}

#[test]
fn postgres_saver_and_a_concurrent_row_lock() {
    let pg = PgCluster::start();
    let (env, manifest) = pg_env(&pg);

    let out = env.tend(&["gc", "checkpoints", "--dry-run"]).ok();
    assert!(
        out.stdout
            .contains("5 of 11 threads would be deleted; 6 kept"),
        "{}",
        out.stdout
    );
    pg_check(&pg, &manifest, ALL, "");

    // A writer holds a row lock on INC-2: that thread is left for the next
    // run (exit 1), the others go.
    {
        let _writer = Holder::start(&["hold", "postgres", &pg.dsn(), "INC-2"]);
        let out = env.tend(&["gc", "checkpoints"]).status(1);
        assert!(
            out.stderr
                .contains("thread INC-2 is locked by another writer"),
            "{}",
            out.stderr
        );
        pg_check(
            &pg,
            &manifest,
            &format!("{KEPT},INC-2"),
            "INC-2:retry-1,INC-10,x:retry-a,graph-B",
        );
    }
    assert_eq!(removed_threads(&env).len(), 4);
    env.tend(&["gc", "checkpoints"]).ok();
    pg_check(&pg, &manifest, KEPT, GONE);
    assert_eq!(removed_threads(&env), sorted(GONE));
    for row in env.audit_kind("gc.checkpoint_removed") {
        assert_eq!(row["details"]["store"], "postgres");
        assert!(row["details"]["bytes"].as_u64().unwrap() > 0, "{row}");
    }
    // The migrations table is never touched.
    assert!(
        !pg.psql("select count(*) from checkpoint_migrations")
            .trim()
            .is_empty()
    );
}

#[test]
fn postgres_secret_stays_secret_and_nothing_is_created() {
    let pg = PgCluster::start();
    let env = TestEnv::new();
    env.write("sessions.jsonl", SESSIONS);
    config(
        &env,
        "{ postgres_env = \"CP_DSN\" }",
        "{ file = \"sessions.jsonl\" }",
    );

    // A database without LangGraph's tables: refused, nothing created.
    let out = env
        .tend(&["gc", "checkpoints"])
        .env("CP_DSN", &format!("{} password=hunter2hunter2", pg.dsn()))
        .status(1);
    assert!(
        out.stderr.contains("no table `checkpoints`"),
        "{}",
        out.stderr
    );
    assert_eq!(
        pg.psql("select count(*) from pg_tables where schemaname = 'public'")
            .trim(),
        "0"
    );
    // A failed connection names the variable, never the value.
    let out = env
        .tend(&["gc", "checkpoints"])
        .env(
            "CP_DSN",
            &format!(
                "host=127.0.0.1 port={} user=postgres dbname=nosuchdb password=hunter2hunter2",
                pg.port()
            ),
        )
        .status(1);
    assert!(out.stderr.contains("CP_DSN"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2hunter2"), "{}", out.stderr);
    // The server's reason, not a bare "db error".
    assert!(
        out.stderr
            .contains("3D000: database \"nosuchdb\" does not exist"),
        "{}",
        out.stderr
    );
    // Unset: this command fails (exit 1) naming the key and, once, the
    // variable; no other command needs it.
    let out = env.tend(&["gc", "checkpoints"]).status(1);
    assert!(
        out.stderr.contains("gc.checkpoints.store.postgres_env"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("CP_DSN").count(), 1, "{}", out.stderr);
    env.tend(&["status"]).ok();
    // A DSN file readable by others is refused.
    let file = env.dir().join("dsn");
    std::fs::write(&file, pg.dsn()).unwrap();
    config(
        &env,
        &format!("{{ postgres_file = {:?} }}", file.display().to_string()),
        "{ file = \"sessions.jsonl\" }",
    );
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let out = env.tend(&["gc", "checkpoints"]).status(1);
    assert!(
        out.stderr.contains("readable by group or others"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------- kill -9

/// Kills `tend gc checkpoints` at random instants while it deletes (the
/// kill -9 harness: seeded, replayable with TEND_CRASH_SEED, checking the
/// audit log and state after every kill), calls `whole_or_gone` after each
/// kill, and lets a last run finish.
fn kill_during_deletion(env: &TestEnv, kills: usize, whole_or_gone: &dyn Fn()) {
    let seed = crate::crash::base_seed();
    let mut rng = crate::crash::Rng::new(seed);
    let mut tally = crate::crash::Tally::default();
    let args = [
        "gc",
        "checkpoints",
        "--allow-empty",
        "--max-deletions",
        "100000",
    ];
    let code = crate::crash::kill_loop(
        env,
        seed,
        &mut rng,
        &args,
        std::time::Duration::from_millis(900),
        kills,
        &mut tally,
        &|_| Vec::new(),
        &mut |_| whole_or_gone(),
    );
    assert_eq!(code, 0, "seed {seed}: the last run failed");
    whole_or_gone();
    eprintln!(
        "gc kill -9 (seed {seed}): {} runs, {} kills",
        tally.runs, tally.kills
    );
}

#[test]
fn kill_9_sqlite_leaves_each_thread_whole_or_gone() {
    let env = TestEnv::new();
    let db = env.dir().join("bulk.sqlite");
    python(&["bulk", "sqlite", db.to_str().unwrap(), "3000", "3"]);
    env.write("sessions.jsonl", "");
    config(
        &env,
        &format!("{{ sqlite = {:?} }}", db.display().to_string()),
        "{ file = \"sessions.jsonl\" }",
    );
    let check = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let bad: i64 = conn
            .query_row(
                "SELECT count(*) FROM (SELECT thread_id, count(*) AS n FROM checkpoints GROUP BY thread_id) c
                 LEFT JOIN (SELECT thread_id, count(*) AS n FROM writes GROUP BY thread_id) w USING (thread_id)
                 WHERE c.n != 3 OR coalesce(w.n, 0) != 3",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let orphan_writes: i64 = conn
            .query_row(
                "SELECT count(*) FROM writes WHERE thread_id NOT IN (SELECT thread_id FROM checkpoints)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            (bad, orphan_writes),
            (0, 0),
            "a thread was left half-deleted"
        );
    };
    kill_during_deletion(&env, 5, &check);
    let left: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM checkpoints", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    // Every deletion has its row (a kill may repeat one, with the same id).
    let mut ids: Vec<String> = removed_threads(&env);
    ids.dedup();
    assert_eq!(ids.len(), 3000);
}

#[test]
fn kill_9_directory_store_leaves_each_thread_whole_or_gone() {
    let env = TestEnv::new();
    let store = env.dir().join("checkpoints");
    for t in 0..1500 {
        for f in 0..4 {
            let path = store.join(format!("T-{t}/ns-{}/c{f}.json", f % 2));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "{}").unwrap();
            touch(&path, 1_777_593_600);
        }
    }
    env.write("sessions.jsonl", "");
    config(
        &env,
        &format!("{{ dir = {:?} }}", store.display().to_string()),
        "{ file = \"sessions.jsonl\" }",
    );
    let later = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
    let mut env = env;
    env.set_env("TEND_NOW", &later);
    let check = || {
        for entry in std::fs::read_dir(&store).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tend-gc-") {
                continue; // out of sight: gone, removed by the next run
            }
            let files = walkdir::WalkDir::new(entry.path())
                .into_iter()
                .filter(|e| e.as_ref().is_ok_and(|e| e.file_type().is_file()))
                .count();
            assert_eq!(files, 4, "thread {name} is half-deleted");
        }
    };
    kill_during_deletion(&env, 4, &check);
    assert_eq!(std::fs::read_dir(&store).unwrap().count(), 0);
    let mut ids = removed_threads(&env);
    ids.dedup();
    assert_eq!(ids.len(), 1500);
}

#[test]
fn kill_9_postgres_leaves_each_thread_whole_or_gone() {
    let pg = PgCluster::start();
    let env = TestEnv::new();
    pg.psql(
        "CREATE TABLE checkpoints (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL, parent_checkpoint_id TEXT, type TEXT, checkpoint JSONB NOT NULL, metadata JSONB NOT NULL DEFAULT '{}', PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id));
         CREATE TABLE checkpoint_blobs (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL, version TEXT NOT NULL, type TEXT NOT NULL, blob BYTEA, PRIMARY KEY (thread_id, checkpoint_ns, channel, version));
         CREATE TABLE checkpoint_writes (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL, task_id TEXT NOT NULL, idx INTEGER NOT NULL, channel TEXT NOT NULL, type TEXT, blob BYTEA NOT NULL, task_path TEXT NOT NULL DEFAULT '', PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx));
         INSERT INTO checkpoints SELECT 'T-' || t, ns, '1f144f0b-255c-6014-8000-' || lpad(to_hex(t * 10 + ns::int), 12, '0'), NULL, 'json', '{}', '{}' FROM generate_series(1, 3000) t, (VALUES ('0'), ('1')) v(ns);
         INSERT INTO checkpoint_blobs SELECT 'T-' || t, '0', 'messages', '1', 'bytes', 'abc' FROM generate_series(1, 3000) t;
         INSERT INTO checkpoint_writes SELECT 'T-' || t, '1', 'x', 'task', 0, 'messages', 'bytes', 'abc' FROM generate_series(1, 3000) t;",
    );
    env.write("sessions.jsonl", "");
    config(
        &env,
        "{ postgres_env = \"CP_DSN\" }",
        "{ file = \"sessions.jsonl\" }",
    );
    let mut env = env;
    env.set_env("CP_DSN", &pg.dsn());
    let check = || {
        let bad = pg.psql(
            "SELECT count(*) FROM (SELECT thread_id FROM checkpoints GROUP BY thread_id HAVING count(*) != 2) c",
        );
        assert_eq!(bad.trim(), "0", "a thread lost some of its checkpoints");
        let orphans = pg.psql(
            "SELECT (SELECT count(*) FROM checkpoint_blobs WHERE thread_id NOT IN (SELECT thread_id FROM checkpoints))
                  + (SELECT count(*) FROM checkpoint_writes WHERE thread_id NOT IN (SELECT thread_id FROM checkpoints))",
        );
        assert_eq!(orphans.trim(), "0", "blobs or writes outlived their thread");
    };
    kill_during_deletion(&env, 4, &check);
    assert_eq!(pg.psql("SELECT count(*) FROM checkpoints").trim(), "0");
    let mut ids = removed_threads(&env);
    ids.dedup();
    assert_eq!(ids.len(), 3000);
}

#[test]
fn a_sessions_command_that_fails_hangs_or_prints_garbage_deletes_nothing() {
    let env = TestEnv::new(); // now 2026-05-24
    let store = env.dir().join("checkpoints");
    for thread in ["INC-1", "INC-2"] {
        let path = store.join(thread).join("checkpoint.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{}").unwrap();
        touch(&path, 1_777_593_600); // 2026-05-01
        touch(&store.join(thread), 1_777_593_600);
    }
    let store_cfg = format!("{{ dir = {:?} }}", store.display().to_string());
    for (argv, expected) in [
        // A child left behind holding the pipe does not stretch the bound.
        (
            r#"["sh", "-c", "echo '{\"id\":\"INC-1\"}'; sleep 30 & sleep 30"]"#,
            "timed out after 1s",
        ),
        (
            r#"["sh", "-c", "echo '{\"id\":\"INC-1\"}'; exit 3"]"#,
            "exited with status 3",
        ),
        (
            r#"["sh", "-c", "echo '{\"id\":\"INC-1\"}'; echo garbage"]"#,
            "not JSON",
        ),
    ] {
        config(&env, &store_cfg, &format!("{{ command = {argv} }}"));
        let mut toml = env.read("tend.toml");
        toml.push_str("sessions_timeout = \"1s\"\n");
        env.write("tend.toml", toml);
        let out = env
            .tend(&["gc", "checkpoints", "--min-age", "0s"])
            .status(1);
        assert!(out.stderr.contains(expected), "{argv}: {}", out.stderr);
        assert!(out.stderr.contains("nothing"), "{argv}: {}", out.stderr);
        assert!(store.join("INC-2/checkpoint.json").exists(), "{argv}");
    }
    assert!(removed_threads(&env).is_empty());
    // Out of range: a configuration error naming the key.
    let toml = env.read("tend.toml").replace("\"1s\"", "\"0s\"");
    env.write("tend.toml", toml);
    let out = env.tend(&["gc", "checkpoints"]).status(2);
    assert!(
        out.stderr.contains("gc.checkpoints.sessions_timeout"),
        "{}",
        out.stderr
    );
}
