//! The substrate under real processes: atomic writes survive SIGKILL, status
//! directory moves race correctly, corrupt state is quarantined (exit 74).
//!
//! Some tests re-run this test binary as a child process that executes one
//! `child_*` test (ignored in normal runs, and a no-op without its variables).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tend::promote::status::ProposalStatus;
use tend::store::status_dir::{MoveError, Status, StatusDirs, validate_id};

use crate::support::TestEnv;

/// Starts this test binary running only the ignored test `name`.
fn child(name: &str, envs: &[(&str, &str)]) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            name,
            "--exact",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in envs {
        command.env(k, v);
    }
    command.spawn().unwrap()
}

/// A small deterministic generator, so failures can be replayed (seed printed).
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1;
        eprintln!("rng seed {seed}");
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn content(generation: u64) -> serde_json::Value {
    // Large enough that a write takes several syscalls' worth of bytes.
    serde_json::json!({"generation": generation, "padding": "x".repeat(64 * 1024 + (generation % 7) as usize)})
}

#[test]
#[ignore = "child process of atomic_write_survives_sigkill"]
fn child_atomic_writer() {
    let Some(path) = std::env::var_os("TEND_CHILD_STATE") else {
        return;
    };
    let path = Path::new(&path);
    let mut generation = 0u64;
    loop {
        generation += 1;
        tend::store::atomic::write_json(path, &content(generation)).unwrap();
    }
}

#[test]
fn atomic_write_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let mut rng = Rng::seeded();
    let mut seen_generations = 0;
    for _ in 0..200 {
        let mut writer = child(
            "store::child_atomic_writer",
            &[("TEND_CHILD_STATE", path.to_str().unwrap())],
        );
        std::thread::sleep(Duration::from_micros(2_000 + rng.below(25_000)));
        writer.kill().unwrap(); // SIGKILL
        writer.wait().unwrap();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let value: serde_json::Value = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("state file is torn after SIGKILL: {e}"));
                let generation = value["generation"].as_u64().unwrap();
                assert_eq!(
                    value,
                    content(generation),
                    "content is not one whole generation"
                );
                seen_generations += 1;
            }
            // Killed before the very first rename: no file is fine, a partial one is not.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        seen_generations > 100,
        "the writer rarely got to write ({seen_generations}/200)"
    );
}

#[test]
#[ignore = "child process of concurrent_moves_exactly_one_wins"]
fn child_mover() {
    let (Some(base), Some(id), Some(to), Some(go)) = (
        std::env::var_os("TEND_CHILD_BASE"),
        std::env::var("TEND_CHILD_ID").ok(),
        std::env::var("TEND_CHILD_TO").ok(),
        std::env::var_os("TEND_CHILD_GO"),
    ) else {
        return;
    };
    let store = StatusDirs::<ProposalStatus>::new(Path::new(&base), Path::new(&base).join("q"));
    let Ok(to) = ProposalStatus::parse(&to) else {
        std::process::exit(5);
    };
    while !Path::new(&go).exists() {
        std::hint::spin_loop();
    }
    let result = store.move_item(
        &id,
        ProposalStatus::Pending,
        to,
        format!("{{\"status\":\"{to}\"}}").as_bytes(),
    );
    let code = match result {
        Ok(_) => 0,
        Err(e) if e.downcast_ref::<MoveError>().is_some() => 3,
        Err(_) => 4,
    };
    std::process::exit(code);
}

#[test]
fn concurrent_moves_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let store = StatusDirs::<ProposalStatus>::new(dir.path(), dir.path().join("q"));
    for round in 0..30 {
        let id = format!("p-{round}");
        store
            .create(ProposalStatus::Pending, &id, b"{\"status\":\"pending\"}")
            .unwrap()
            .unwrap();
        let go = dir.path().join(format!("go-{round}"));
        // Same target on even rounds, competing targets on odd ones.
        let targets = if round % 2 == 0 {
            ["approved", "approved"]
        } else {
            ["approved", "rejected"]
        };
        let children: Vec<Child> = targets
            .iter()
            .map(|to| {
                child(
                    "store::child_mover",
                    &[
                        ("TEND_CHILD_BASE", dir.path().to_str().unwrap()),
                        ("TEND_CHILD_ID", &id),
                        ("TEND_CHILD_TO", to),
                        ("TEND_CHILD_GO", go.to_str().unwrap()),
                    ],
                )
            })
            .collect();
        std::thread::sleep(Duration::from_millis(30));
        std::fs::write(&go, "").unwrap();
        let codes: Vec<i32> = children
            .into_iter()
            .map(|mut c| c.wait().unwrap().code().unwrap())
            .collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(sorted, [0, 3], "round {round}: exit codes {codes:?}");
        let holders: Vec<ProposalStatus> = ProposalStatus::ALL
            .iter()
            .copied()
            .filter(|s| store.path(*s, &id).exists())
            .collect();
        assert_eq!(holders.len(), 1, "round {round}: {id} is in {holders:?}");
        assert_ne!(holders[0], ProposalStatus::Pending);
    }
}

#[test]
fn path_traversal_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        StatusDirs::<ProposalStatus>::new(dir.path().join("proposals/x"), dir.path().join("q"));
    for bad in ["../x", "a/b", "..", "/etc/passwd", ".hidden", ""] {
        assert!(validate_id(bad).is_err(), "{bad:?}");
        let err = store
            .create(ProposalStatus::Pending, bad, b"{}")
            .unwrap_err();
        assert!(err.to_string().contains("invalid id"), "{err}");
        assert!(
            store
                .move_item(
                    bad,
                    ProposalStatus::Pending,
                    ProposalStatus::Approved,
                    b"{}"
                )
                .is_err()
        );
    }
    // Nothing was written outside (or inside) the store.
    let written: Vec<_> = walk(dir.path());
    assert!(
        written.iter().all(|p| p.ends_with(".lock") || p.is_empty()),
        "{written:?}"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path.display().to_string());
        }
    }
    files
}

#[test]
fn corrupt_state_is_quarantined_with_exit_74() {
    let env = TestEnv::new();
    let garbage = b"{\"segment\": \"2026-05-24.jsonl\", \"offset\": 12\x00\xff";
    env.write("state/wake.cursor.json", garbage);
    let out = env.tend(&["status"]).status(74);
    assert!(
        out.stderr.contains("state/wake.cursor.json") && out.stderr.contains("quarantine"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("tend doctor"), "{}", out.stderr);
    assert!(!env.exists("state/wake.cursor.json"));
    let quarantined: Vec<_> = std::fs::read_dir(env.path("state/quarantine"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(std::fs::read(&quarantined[0]).unwrap(), garbage);
    // The next run starts afresh.
    env.tend(&["status"]).ok();
    // A corrupt run record is handled the same way.
    env.write("state/runs/probe-run.json", "{\"command\": ");
    env.tend(&["status"]).status(74);
    assert_eq!(
        std::fs::read_dir(env.path("state/quarantine"))
            .unwrap()
            .count(),
        2
    );
}

#[test]
#[ignore = "child process of lock_contention_exits_75_and_frees_on_sigkill"]
fn child_lock_holder() {
    let Some(locks) = std::env::var_os("TEND_CHILD_LOCKS") else {
        return;
    };
    let _lock = tend::store::lock::CommandLock::acquire(
        Path::new(&locks),
        "init",
        "2026-05-24T07:59:00.000Z",
        tend::store::lock::Wait::No,
    )
    .unwrap();
    std::fs::write(Path::new(&locks).join("held"), "").unwrap();
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn lock_contention_exits_75_and_frees_on_sigkill() {
    let env = TestEnv::new();
    let locks = env.path("locks");
    std::fs::create_dir_all(&locks).unwrap();
    let mut holder = child(
        "store::child_lock_holder",
        &[("TEND_CHILD_LOCKS", locks.to_str().unwrap())],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !locks.join("held").exists() {
        assert!(Instant::now() < deadline, "lock holder did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = Instant::now();
    let out = env.tend(&["init"]).status(75);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert!(
        out.stderr.contains(&format!("pid {}", holder.id())),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("2026-05-24T07:59:00.000Z"),
        "{}",
        out.stderr
    );
    assert!(
        !env.exists("tend.toml") && !env.exists("state/runs/init.json"),
        "a locked-out run wrote something"
    );

    // `status` shows the holder.
    let status = env.tend(&["status"]).ok();
    assert!(
        status
            .stdout
            .contains(&format!("running: pid {}", holder.id())),
        "{}",
        status.stdout
    );

    holder.kill().unwrap();
    holder.wait().unwrap();
    env.tend(&["init"]).ok();
    assert!(env.exists("tend.toml") && env.exists("state/runs/init.json"));
}

/// `tend audit emit` of one row, in a child whose file size limit is `limit`
/// bytes (`RLIMIT_FSIZE`, with `SIGXFSZ` ignored so the write fails with
/// `EFBIG` instead of killing it): a real short write.
fn emit_with_file_size_limit(env: &TestEnv, limit: u64, details: &str) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut command = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "reasoning.tool_called",
            "--details",
            details,
        ])
        .into_command();
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let rlim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    command
        .stdin(Stdio::null())
        .output()
        .expect("run tend with a file size limit")
}

#[test]
fn a_short_append_is_cut_back_and_the_next_row_is_whole() {
    let env = TestEnv::new();
    let segment = "audit/2026-05-24.jsonl";
    env.tend(&[
        "audit",
        "emit",
        "--kind",
        "reasoning.tool_called",
        "--details",
        r#"{"route":"r","tool_name":"first"}"#,
    ])
    .ok();
    let before = std::fs::metadata(env.path(segment)).unwrap().len();
    // Room for 40 more bytes: the row (over 100 bytes) is written in part,
    // then the write fails.
    let long = format!(
        r#"{{"route":"r","tool_name":"cut","pad":"{}"}}"#,
        "x".repeat(200)
    );
    let out = emit_with_file_size_limit(&env, before + 40, &long);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2026-05-24.jsonl"), "{stderr}");
    assert_eq!(
        std::fs::metadata(env.path(segment)).unwrap().len(),
        before,
        "the failed batch left bytes behind"
    );
    env.tend(&[
        "audit",
        "emit",
        "--kind",
        "reasoning.tool_called",
        "--details",
        r#"{"route":"r","tool_name":"next"}"#,
    ])
    .ok();
    let tools: Vec<_> = env
        .audit_rows()
        .iter()
        .map(|r| r["details"]["tool_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tools, ["first", "next"]);
}

#[test]
fn a_row_appended_after_a_torn_line_is_read() {
    let env = TestEnv::new();
    env.write(
        "audit/2026-05-24.jsonl",
        "{\"ts\":\"2026-05-24T07:00:00Z\",\"kind\":\"x.y\",\"details\":{}}\n{\"ts\":\"2026-05-24T07:00:01Z\",\"kind\":\"x.",
    );
    env.tend(&[
        "audit",
        "emit",
        "--kind",
        "reasoning.tool_called",
        "--details",
        r#"{"route":"r","tool_name":"after"}"#,
    ])
    .ok();
    let out = env
        .tend(&["audit", "tail", "--kind", "reasoning.tool_called"])
        .ok();
    let rows = out.json_lines();
    assert_eq!(rows.len(), 1, "{}", out.stdout);
    assert_eq!(rows[0]["details"]["tool_name"], "after");
    // The torn line was ended, and is now one malformed line, reported.
    let out = env.tend(&["audit", "tail"]).ok();
    assert_eq!(out.json_lines().len(), 2, "{}", out.stdout);
    assert!(out.stderr.contains("malformed"), "{}", out.stderr);
}

#[test]
fn links_and_directories_in_place_of_files_are_refused_with_exit_74() {
    let env = TestEnv::new();
    let outside = env.dir().join("outside.jsonl");
    std::fs::write(&outside, "keep\n").unwrap();
    std::fs::create_dir_all(env.path("audit")).unwrap();
    std::os::unix::fs::symlink(&outside, env.path("audit/2026-05-24.jsonl")).unwrap();
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "reasoning.tool_called",
            "--details",
            r#"{"route":"r","tool_name":"t"}"#,
        ])
        .status(74);
    assert!(
        out.stderr
            .contains("audit/2026-05-24.jsonl is a symbolic link"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep\n");
    let out = env.tend(&["audit", "tail"]).status(74);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    std::fs::remove_file(env.path("audit/2026-05-24.jsonl")).unwrap();

    // A state file that is a link, or a directory.
    std::fs::create_dir_all(env.path("state")).unwrap();
    std::os::unix::fs::symlink(&outside, env.path("state/wake.cursor.json")).unwrap();
    let out = env.tend(&["wake", "consume"]).status(74);
    assert!(
        out.stderr
            .contains("state/wake.cursor.json is a symbolic link"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep\n");
    std::fs::remove_file(env.path("state/wake.cursor.json")).unwrap();
    std::fs::create_dir_all(env.path("state/wake.cursor.json")).unwrap();
    let out = env.tend(&["wake", "consume"]).status(74);
    assert!(
        out.stderr.contains("state/wake.cursor.json is a directory"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir(env.path("state/wake.cursor.json")).unwrap();

    // A lock file that is a link.
    std::fs::create_dir_all(env.path("locks")).unwrap();
    let _ = std::fs::remove_file(env.path("locks/wake-consume.lock"));
    std::os::unix::fs::symlink(&outside, env.path("locks/wake-consume.lock")).unwrap();
    let out = env.tend(&["wake", "consume"]).status(74);
    assert!(
        out.stderr
            .contains("locks/wake-consume.lock is a symbolic link"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep\n");
}

/// A `probe.wake_requested` row for `probe`, critical.
fn wake_row(id: &str, ts: &str, probe: &str) -> String {
    serde_json::json!({
        "id": id, "ts": ts, "kind": "probe.wake_requested",
        "details": {"probe": probe, "issue_category": "down", "severity": "critical",
                    "summary": format!("{probe} is down")}
    })
    .to_string()
        + "\n"
}

fn append_to(env: &TestEnv, segment: &str, text: &str) {
    use std::io::Write;
    let path = env.path(&format!("audit/{segment}"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

/// The wake ids messages were sent for, in order (segments in name order;
/// torn or malformed lines passed over).
fn dispatched(env: &TestEnv) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(env.path("audit"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|r| r["kind"] == "notification.dispatched")
                .map(|r| r["details"]["ref"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The wake cursor's lag in rows, from `tend status --json`.
fn lag_rows(env: &TestEnv) -> u64 {
    let out = env.tend(&["status", "--json"]).ok();
    out.json_lines()
        .iter()
        .find_map(|v| v.get("wake_cursor").and_then(|l| l["rows"].as_u64()))
        .unwrap_or_else(|| panic!("no wake_cursor lag in {}", out.stdout))
}

fn wake_env() -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    env.tend(&["wake", "consume"]).ok();
    env
}

#[test]
fn a_future_dated_segment_does_not_hide_todays_rows() {
    let env = wake_env();
    // A drill with --now wrote into next month's segment.
    append_to(
        &env,
        "2026-06-30.jsonl",
        &wake_row("w-drill", "2026-06-30T00:00:00Z", "drill"),
    );
    env.tend(&["wake", "consume"]).ok();
    assert_eq!(dispatched(&env), ["w-drill"]);
    // Today's rows come after: still read.
    append_to(
        &env,
        "2026-05-24.jsonl",
        &wake_row("w-today", "2026-05-24T07:59:00Z", "api"),
    );
    // status counts it (and wake consume's own rows of the first run).
    let behind = lag_rows(&env);
    assert!(behind >= 1, "status must count the row behind");
    env.tend(&["wake", "consume"]).ok();
    assert_eq!(dispatched(&env), ["w-drill", "w-today"]);
}

#[test]
fn a_late_row_in_yesterdays_segment_is_read() {
    let env = TestEnv::new();
    append_to(
        &env,
        "2026-05-23.jsonl",
        &wake_row("w-old", "2026-05-23T23:00:00Z", "old"),
    );
    append_to(
        &env,
        "2026-05-24.jsonl",
        &wake_row("w-now", "2026-05-24T07:00:00Z", "now"),
    );
    let mut env = env;
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    env.tend(&["wake", "consume"]).ok();
    assert!(dispatched(&env).is_empty(), "the first run replays nothing");
    // A batching writer's late row lands in yesterday's segment.
    append_to(
        &env,
        "2026-05-23.jsonl",
        &wake_row("w-late", "2026-05-23T23:59:59Z", "late"),
    );
    env.tend(&["wake", "consume"]).ok();
    assert_eq!(dispatched(&env), ["w-late"]);
}

#[test]
fn a_single_position_cursor_is_migrated_in_place() {
    let mut env = TestEnv::new();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    let first = wake_row("w-1", "2026-05-24T07:00:00Z", "one");
    append_to(&env, "2026-05-24.jsonl", &first);
    // Written by the earlier version: consumed up to the end of w-1 (the
    // hash is FNV-1a 64 of that line), with no debounce state.
    let hash = {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in first.trim_end().bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{h:016x}")
    };
    env.write(
        "state/wake.cursor.json",
        format!(
            r#"{{"segment":"2026-05-24.jsonl","offset":{},"last_line_hash":"{hash}","updated_at":"2026-05-24T07:00:00.000Z"}}"#,
            first.len()
        ),
    );
    append_to(
        &env,
        "2026-05-24.jsonl",
        &wake_row("w-2", "2026-05-24T07:30:00Z", "two"),
    );
    let out = env.tend(&["wake", "consume"]).ok();
    assert!(!out.stderr.contains("rewritten"), "{}", out.stderr);
    assert_eq!(dispatched(&env), ["w-2"]);
    let cursor: serde_json::Value =
        serde_json::from_str(&env.read("state/wake.cursor.json")).unwrap();
    assert!(
        cursor["segments"]["2026-05-24.jsonl"]["offset"].is_u64(),
        "{cursor}"
    );
    assert!(cursor.get("segment").is_none(), "{cursor}");
}

#[test]
fn a_torn_line_in_an_earlier_segment_is_reported_once() {
    let mut env = TestEnv::new();
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    env.tend(&["wake", "consume"]).ok();
    // Yesterday's writer died mid-line; the line is never completed.
    append_to(
        &env,
        "2026-05-23.jsonl",
        &wake_row("w-y", "2026-05-23T22:00:00Z", "y"),
    );
    append_to(
        &env,
        "2026-05-23.jsonl",
        "{\"id\":\"w-torn\",\"ts\":\"2026-05-23T23:",
    );
    let first = env.tend(&["wake", "consume"]).output();
    assert!(
        first.stderr.contains("audit/2026-05-23.jsonl") && first.stderr.contains("torn"),
        "{}",
        first.stderr
    );
    assert_eq!(dispatched(&env), ["w-y"]);
    for _ in 0..2 {
        let again = env.tend(&["wake", "consume"]).ok();
        assert!(
            !again.stderr.contains("torn"),
            "reported twice: {}",
            again.stderr
        );
    }
    // A row appended after it is still read.
    append_to(
        &env,
        "2026-05-23.jsonl",
        &format!("\n{}", wake_row("w-after", "2026-05-23T23:30:00Z", "after")),
    );
    env.tend(&["wake", "consume"]).ok();
    assert_eq!(dispatched(&env), ["w-y", "w-after"]);
}

#[test]
fn wrong_shape_state_is_quarantined_like_unparseable_state() {
    // (state file, a command that reads it, a command to run first)
    let cases: [(&str, &[&str], &[&str]); 6] = [
        ("wake.cursor.json", &["status"], &[]),
        ("probes.json", &["status"], &[]),
        ("alerts.notified.json", &["alerts", "list"], &[]),
        (
            "wake.debounce.json",
            &["wake", "consume"],
            &["wake", "consume"],
        ),
        (
            "wake.ledger.json",
            &["wake", "consume"],
            &["wake", "consume"],
        ),
        (
            "engine.budget.json",
            &["wake", "consume"],
            &["wake", "consume"],
        ),
    ];
    for (file, command, before) in cases {
        for shape in ["{}", "[]", "{\"unrelated\": 1}"] {
            let env = TestEnv::new();
            if !before.is_empty() {
                env.tend(before).ok();
            }
            let rel = format!("state/{file}");
            env.write(&rel, shape);
            let out = env.tend(command).output();
            assert_eq!(
                out.code,
                74,
                "{file} = {shape}: `tend {}` took it as state\n{}{}",
                command.join(" "),
                out.stdout,
                out.stderr
            );
            assert!(out.stderr.contains(&rel), "{}", out.stderr);
            assert!(!env.exists(&rel), "{file} was not moved aside");
        }
    }
}

#[test]
fn doctor_reports_what_stops_commands_and_where_to_restore() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    let out = env.tend(&["doctor"]).ok();
    assert!(out.stdout.contains("no problems found"), "{}", out.stdout);

    // A corrupt run record, quarantined by the command that met it.
    env.write("state/runs/probe-run.json", "{\"command\": ");
    env.tend(&["status"]).status(74);
    // A directory where a state file belongs, a linked segment.
    std::fs::create_dir_all(env.path("state/probes.json")).unwrap();
    std::fs::create_dir_all(env.path("audit")).unwrap();
    std::os::unix::fs::symlink(env.dir(), env.path("audit/2026-05-23.jsonl")).unwrap();
    // A segment dated in the future.
    env.write("audit/2026-07-01.jsonl", "");

    let out = env.tend(&["doctor"]).status(1);
    let text = &out.stdout;
    assert!(
        text.contains("state/probes.json is a directory, not a regular file"),
        "{text}"
    );
    assert!(
        text.contains("audit/2026-05-23.jsonl is a symbolic link, not a regular file"),
        "{text}"
    );
    assert!(
        text.contains("audit/2026-07-01.jsonl is dated after today"),
        "{text}"
    );
    let restore = env.path("state/runs/probe-run.json");
    assert!(
        text.contains(&format!("move it back to {}", restore.display())),
        "{text}"
    );
    assert!(!text.contains("no problems found"), "{text}");
}

#[test]
fn huge_durations_are_refused_not_a_panic() {
    let env = TestEnv::new();
    let silence = |duration: &str| {
        env.tend(&[
            "alerts",
            "silence",
            "add",
            "--match",
            "id=probe:x:down",
            "--for",
            duration,
            "--reason",
            "drill",
        ])
    };
    let out = silence("99999999d").status(2);
    assert!(out.stderr.contains("at most 36500d"), "{}", out.stderr);
    silence("36500d")
        .env("TEND_NOW", "9999-12-31T00:00:00Z")
        .ok();
    env.write("tend.toml", "[alerts]\ncooldown = \"99999999d\"\n");
    let out = env.tend(&["config", "check"]).status(2);
    assert!(out.stderr.contains("at most 36500d"), "{}", out.stderr);
}

/// `--dry-run` writes nothing, even when a state file it reads is damaged: the
/// file is named (exit 74, or a warning where the file only saves work) and
/// left where it is, and the root is byte for byte as it was.
#[test]
fn dry_runs_leave_a_damaged_state_file_in_place() {
    use crate::alerts::snapshot;
    let cases: [(&str, &[&str], i32); 8] = [
        (
            "proposals/router-tuning/pending/p-router-abcdef012345.json",
            &["promote", "run", "router-tuning", "--dry-run"],
            74,
        ),
        (
            "proposals/router-tuning/pending/p-router-abcdef012345.json",
            &[
                "promote",
                "approve",
                "p-router-abcdef012345",
                "--by",
                "x",
                "--dry-run",
            ],
            74,
        ),
        (
            "state/wake.cursor.json",
            &["gc", "audit", "--keep-days", "30", "--dry-run"],
            74,
        ),
        (
            "state/wake.cursor.json",
            &["wake", "consume", "--dry-run"],
            74,
        ),
        (
            "state/wake.ledger.json",
            &["wake", "consume", "--dry-run"],
            74,
        ),
        ("state/probes.json", &["alerts", "notify", "--dry-run"], 74),
        (
            "state/promote.router-tuning.segments.json",
            &["promote", "run", "router-tuning", "--dry-run"],
            0,
        ),
        (
            "observations/router-tuning.json",
            &["promote", "propose", "router-tuning", "--dry-run"],
            74,
        ),
    ];
    for (file, args, code) in cases {
        let env = TestEnv::new();
        env.write(
            "audit/2026-05-24.jsonl",
            "{\"id\":\"1\",\"ts\":\"2026-05-24T00:00:00.000Z\",\"kind\":\"probe.observed\",\"details\":{}}\n",
        );
        // An old segment, for gc audit to ask whether wake has read it.
        env.write(
            "audit/2026-03-01.jsonl",
            "{\"id\":\"0\",\"ts\":\"2026-03-01T00:00:00.000Z\",\"kind\":\"probe.observed\",\"details\":{}}\n",
        );
        env.write(file, "{\"damaged\": ");
        let before = snapshot(env.root());
        let out = env.tend(args).status(code);
        let named = env.path(file).display().to_string();
        assert!(
            out.stderr.contains(&named) && out.stderr.contains("left in place"),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(snapshot(env.root()), before, "{args:?} wrote to the root");
        assert!(!env.exists("state/quarantine"), "{args:?}");
    }
}

/// Runs tend under the caller's `umask`.
fn with_umask(env: &TestEnv, args: &[&str], mask: libc::mode_t) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut command = env.tend(args).into_command();
    // SAFETY: umask is async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            libc::umask(mask);
            Ok(())
        });
    }
    command.output().unwrap()
}

#[test]
fn the_root_is_closed_to_other_users_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    for mask in [0o022, 0o002, 0o077] {
        let mut env = TestEnv::new();
        let root = env.dir().join("fresh");
        env.set_env("TEND_ROOT", root.to_str().unwrap());
        let out = with_umask(&env, &["init"], mask);
        assert!(out.status.success(), "{out:?}");
        // A probe that says which umask it was given: the caller's.
        std::fs::create_dir_all(root.join("probes.d")).unwrap();
        std::fs::write(
            root.join("probes.d/umask"),
            "#!/bin/sh\necho \"OK umask $(umask)\"\n",
        )
        .unwrap();
        std::fs::set_permissions(
            root.join("probes.d/umask"),
            std::fs::Permissions::from_mode(0o750),
        )
        .unwrap();
        let out = with_umask(&env, &["probe", "run", "umask", "-v"], mask);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{out:?}");
        assert!(
            stdout.contains(&format!("OK umask {mask:04o}")),
            "{mask:04o}: {stdout}"
        );
        let mode = |rel: &str| {
            std::fs::metadata(root.join(rel))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        for dir in ["", "audit", "state", "state/runs", "locks"] {
            assert_eq!(mode(dir), 0o750, "{mask:04o}: {dir:?}");
        }
        let mut files = vec![
            "state/runs/probe-run.json".to_string(),
            "tend.toml".to_string(),
        ];
        for entry in std::fs::read_dir(root.join("audit")).unwrap() {
            files.push(format!(
                "audit/{}",
                entry.unwrap().file_name().to_string_lossy()
            ));
        }
        for file in &files {
            assert_eq!(mode(file), 0o640, "{mask:04o}: {file}");
        }
        // doctor is content with it, and warns about a root opened up.
        env.tend(&["doctor"]).ok();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = env.tend(&["doctor"]).status(1);
        assert!(
            out.stdout.contains("open to every local user (mode 0755)")
                && out.stdout.contains(&format!("chmod o= {}", root.display())),
            "{}",
            out.stdout
        );
    }
}
