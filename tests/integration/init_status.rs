//! `tend init` and `tend status`.

use crate::support::TestEnv;

#[test]
fn init_creates_the_layout_once() {
    let env = TestEnv::new();
    let out = env.tend(&["init", "--example"]).ok();
    assert!(
        out.stdout.starts_with(&format!(
            "initialized {}: created tend.toml, 8 directories, 2 example probes, entities/campaigns.jsonl, ",
            env.root().display()
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(", the wake cursor (state/wake.cursor.json)\nnext steps:\n  1. look at the example probes"),
        "{}",
        out.stdout
    );
    for dir in [
        "audit",
        "probes.d",
        "state/runs",
        "proposals",
        "observations",
        "decisions",
        "locks",
    ] {
        assert!(env.path(dir).is_dir(), "{dir}");
    }
    assert!(env.read("tend.toml").contains("[[watcher]]"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.path("probes.d/example-ok"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111);
    env.tend(&["config", "check"]).ok();
    // Again: nothing to do, nothing overwritten, and it says so.
    let out = env.tend(&["init", "--example"]).ok();
    assert_eq!(
        out.stdout,
        format!(
            "{} is already initialized; nothing to create\n",
            env.root().display()
        )
    );
    // A tend.toml of the user's own is kept; init says what of the example
    // it lacks, and puts back an example probe that was removed.
    env.write("tend.toml", "# mine\n");
    std::fs::remove_file(env.path("probes.d/example-ok")).unwrap();
    let out = env.tend(&["init", "--example"]).ok();
    assert_eq!(
        out.stdout,
        format!(
            "initialized {}: created 1 example probe; tend.toml was kept as it is and lacks \
             the example watcher ([[watcher]] campaign) and the example promotion loops \
             ([promote] enabled = true) (see `tend init --help`)\n",
            env.root().display()
        )
    );
    assert_eq!(env.read("tend.toml"), "# mine\n");
    // Dry run on a fresh root writes nothing.
    let fresh = TestEnv::new();
    let out = fresh.tend(&["--dry-run", "-v", "init"]).ok();
    assert!(
        out.stdout.contains("created tend.toml") && out.stdout.contains("would initialize"),
        "{}",
        out.stdout
    );
    assert!(std::fs::read_dir(fresh.root()).unwrap().next().is_none());
}

#[test]
fn status_reports_runs_and_the_dead_mans_switch() {
    let env = TestEnv::new();
    let out = env.tend(&["status"]).ok();
    assert!(
        out.stdout.contains("no command has run yet"),
        "{}",
        out.stdout
    );
    env.tend(&["init"]).ok();
    env.write(
        "state/runs/probe-run.json",
        r#"{"command":"probe run","started_at":"2026-05-24T07:50:00.000Z","finished_at":"2026-05-24T07:50:01.000Z","duration_ms":1000,"outcome":"ok","exit_code":0,"counts":{"probes":3},"pid":1}"#,
    );
    // Built-in expectation (5m) applies once a command has run: 10 minutes ago is overdue.
    let out = env.tend(&["status"]).status(1);
    assert!(
        out.stdout.contains("probe run") && out.stdout.contains("OVERDUE (expected every 5m)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("probes 3"), "{}", out.stdout);
    let out = env
        .tend(&["status"])
        .env("TEND_NOW", "2026-05-24T07:53:00Z")
        .ok();
    assert!(out.stdout.contains("on time"), "{}", out.stdout);
    // An explicit expectation for a command that never ran is overdue.
    env.write(
        "tend.toml",
        "[status]\nexpect = { \"wake consume\" = \"10m\", \"probe run\" = \"1h\" }\n",
    );
    let out = env.tend(&["--json", "status"]).status(1);
    let lines = out.json_lines();
    let wake = lines
        .iter()
        .find(|l| l["command"] == "wake consume")
        .unwrap();
    assert_eq!(wake["schedule"], "overdue");
    let probe = lines.iter().find(|l| l["command"] == "probe run").unwrap();
    assert_eq!(probe["schedule"], "on_time");
    assert_eq!(lines.last().unwrap()["overdue"], 1);
    // -q: nothing but the exit code.
    let out = env.tend(&["-q", "status"]).status(1);
    assert_eq!(out.stdout, "");
}

#[test]
fn status_shows_cursor_lag_and_pending_proposals() {
    let env = TestEnv::new();
    let wake = r#"{"kind":"probe.wake_requested","ts":"2026-05-23T10:00:00Z","details":{}}"#;
    let own = r#"{"kind":"probe.wake_debounced","ts":"2026-05-23T10:00:00Z","details":{}}"#;
    env.write(
        "audit/2026-05-23.jsonl",
        format!("{{\"a\":1}}\n{wake}\n{own}\n"),
    );
    env.write("audit/2026-05-24.jsonl", format!("{wake}\n"));
    env.write(
        "state/wake.cursor.json",
        r#"{"segment":"2026-05-23.jsonl","offset":8,"last_line_hash":"x","updated_at":"t"}"#,
    );
    env.write("proposals/router-tuning/pending/p-router-1.json", "{}");
    env.write("proposals/router-tuning/pending/p-router-2.json", "{}");
    env.write("proposals/tool-trimming/approved/p-tool-1.json", "{}");
    let out = env.tend(&["status"]).ok();
    assert!(
        out.stdout
            .contains("wake cursor: 2 rows to read (2 probe.wake_requested) in 2 segments"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("router-tuning: 2 proposals waiting"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("tool-trimming"), "{}", out.stdout);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let env = TestEnv::new();
    let out = env.tend(&["no-such-command"]).status(2);
    assert!(
        out.stderr.contains("unrecognized subcommand"),
        "{}",
        out.stderr
    );
    env.tend(&["--now", "yesterday", "status"]).status(2);
    env.tend(&["--help"]).ok();
    let out = env.tend(&["--version"]).ok();
    assert!(out.stdout.starts_with("tend "));
    let out = env
        .tend(&["status"])
        .env_remove("TEND_ROOT")
        .env_remove("HOME")
        .status(2);
    assert!(out.stderr.contains("--root"), "{}", out.stderr);
}

#[test]
fn doctor_explains_quarantine_leftovers_and_config_problems() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    let out = env.tend(&["doctor"]).ok();
    assert!(out.stdout.contains("no problems found"), "{}", out.stdout);

    env.write("state/wake.ledger.json", "{not json");
    env.tend(&["status"]).status(0); // status does not read the ledger
    env.write("state/wake.cursor.json", "{not json");
    env.tend(&["status"]).status(74);
    env.write("state/.probes.json.tmp.123.0", "partial");
    env.write("proposals/router-tuning/pending/p-1.json", "{}");
    env.write("proposals/router-tuning/approved/p-1.json", "{}");
    env.write("tend.toml", "[wake]\nbogus = 1\n");
    let out = env.tend(&["doctor"]).status(1);
    assert!(
        out.stdout
            .contains("a copy of state/wake.cursor.json that could not be parsed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(".probes.json.tmp.123.0 is a temporary file"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("p-1 is in pending and approved"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("wake.bogus"), "{}", out.stdout);
    let json = env.tend(&["--json", "doctor"]).status(1).json_lines();
    assert_eq!(json.last().unwrap()["problems"], 4);
}

#[test]
fn temporaries_of_killed_writers_in_status_directories_are_reported_then_removed() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    // Left by writers killed between creating a temporary and placing it
    // (no process has this id).
    let proposal = "proposals/router-tuning/pending/.p-router-x.json.tmp.2147483647.0";
    let silence = "silences/active/.s-0123.json.tmp.2147483647.3";
    env.write(proposal, "{\"partial");
    env.write(silence, "{\"partial");
    let out = env.tend(&["doctor"]).status(1);
    for name in [proposal, silence] {
        let file = name.rsplit('/').next().unwrap();
        assert!(
            out.stdout.contains(&format!("{file} is a temporary file")),
            "{name}: {}",
            out.stdout
        );
    }
    // The next write of each store removes them.
    env.tend(&["promote", "run"]).ok();
    assert!(!env.exists(proposal));
    assert!(env.exists(silence));
    env.tend(&[
        "alerts", "silence", "add", "--match", "id=x", "--for", "1h", "--reason", "drill",
    ])
    .ok();
    assert!(!env.exists(silence));
    let out = env.tend(&["doctor"]).ok();
    assert!(!out.stdout.contains("temporary file"), "{}", out.stdout);
}

#[test]
fn doctor_names_a_fifo_cursor_a_file_for_state_and_where_a_quarantined_proposal_goes_back() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    env.tend(&["promote", "run"]).ok();
    let pending = env.path("proposals/router-tuning/pending");
    let id = std::fs::read_dir(&pending)
        .unwrap()
        .flatten()
        .find_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(String::from)
        })
        .expect("a router-tuning proposal");
    env.write(
        &format!("proposals/router-tuning/pending/{id}.json"),
        "{\"torn",
    );
    env.tend(&["promote", "list"]).status(74);
    let metrics = env.tend(&["status", "--format", "prometheus"]).ok().stdout;
    assert!(
        metrics.contains("\ntend_quarantined_files 1\n"),
        "{metrics}"
    );
    // A FIFO where the cursor belongs: named, never opened (doctor would hang).
    let fifo = env.path("state/wake.cursor.json");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = env.tend(&["doctor"]).status(1);
    assert!(
        out.stdout
            .contains("wake.cursor.json is a FIFO, not a regular file"),
        "{}",
        out.stdout
    );
    let back =
        format!("is a copy of proposals/router-tuning/pending/{id}.json that could not be parsed");
    assert!(out.stdout.contains(&back), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "move it back to {}",
            pending.join(format!("{id}.json")).display()
        )),
        "{}",
        out.stdout
    );
    // A regular file where the state directory belongs.
    std::fs::remove_dir_all(env.path("state")).unwrap();
    env.write("state", "not a directory");
    let out = env.tend(&["doctor"]).status(1);
    assert!(
        out.stdout
            .contains("state is a regular file, not a directory"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("no problems found"), "{}", out.stdout);
}

#[test]
fn a_tick_records_its_steps_in_one_file_that_status_reads() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    env.tend(&["tick"])
        .env("TEND_NOW", "2026-05-24T08:00:00Z")
        .output();
    // One file for the whole tick: one durable write, not one per step.
    assert!(env.exists("state/runs/tick.steps.json"));
    for step in ["probe-run", "wake-consume", "alerts-notify"] {
        assert!(!env.exists(&format!("state/runs/{step}.json")), "{step}");
    }
    let started = |env: &TestEnv, command: &str| {
        let out = env
            .tend(&["--json", "status"])
            .env("TEND_NOW", "2026-05-24T08:01:00Z")
            .output();
        let lines = out.json_lines();
        let line = lines
            .iter()
            .find(|l| l["command"] == command)
            .unwrap_or_else(|| panic!("no {command} in {}", out.stdout));
        line["last_run"]["started_at"].as_str().unwrap().to_string()
    };
    for command in ["probe run", "wake consume", "alerts notify"] {
        assert_eq!(
            started(&env, command),
            "2026-05-24T08:00:00.000Z",
            "{command}"
        );
    }
    // A run of one command on its own, after the tick, is its last run.
    env.tend(&["wake", "consume"])
        .env("TEND_NOW", "2026-05-24T08:00:30Z")
        .output();
    assert_eq!(started(&env, "wake consume"), "2026-05-24T08:00:30.000Z");
    assert_eq!(started(&env, "probe run"), "2026-05-24T08:00:00.000Z");
    // And the next tick's records replace it again.
    env.tend(&["tick"])
        .env("TEND_NOW", "2026-05-24T08:00:40Z")
        .output();
    assert_eq!(started(&env, "wake consume"), "2026-05-24T08:00:40.000Z");
}
