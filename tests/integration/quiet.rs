//! Cron-friendly output (design §10 Output): a run prints only when something
//! changed; `-v` shows everything, `-q` only errors.

use std::time::Duration;

use crate::support::http::{FakeServer, Reply};
use crate::support::{TestEnv, without_short_ids};

/// `tend tick` at minute `m` after 08:00.
fn tick_at(env: &TestEnv, m: u32, flags: &[&str]) -> crate::support::Output {
    let mut args = vec!["tick"];
    args.extend_from_slice(flags);
    env.tend(&args)
        .env("TEND_NOW", &format!("2026-05-24T08:{m:02}:00Z"))
        .ok()
}

#[test]
fn quickstart_ticks_print_only_news() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();

    // 1: a new failure (and its alert) is news.
    let out = tick_at(&env, 0, &[]);
    assert!(
        out.stdout
            .starts_with("2 probes: 1 ok, 1 critical (example-queue); 1 wake requested\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("alerts: 1 notified"), "{}", out.stdout);
    assert!(!out.stdout.contains("wake consume"), "{}", out.stdout);
    // 2: the second failure wakes the operator: a message was sent.
    let out = tick_at(&env, 1, &[]);
    assert!(
        without_short_ids(&out.stdout).starts_with("🚨 Probe alert · example-queue\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with(
            "wake consume: 1 wake: 1 dispatched; 1 sent without investigation (no engine configured)\n"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("probes:"), "{}", out.stdout);
    // 3–5: the probe fails as it did and the wake is inside its window.
    for m in 2..=4 {
        let out = tick_at(&env, m, &[]);
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            ("", ""),
            "tick at minute {m}"
        );
    }
    // -v still shows everything; -q nothing.
    let out = tick_at(&env, 5, &["-v"]);
    let lines = out.stdout_lines();
    assert!(lines.contains(&"2 probes: 1 ok, 1 critical (example-queue); 1 wake requested"));
    assert!(
        lines.contains(&"wake consume: 1 wake: 1 in window"),
        "{}",
        out.stdout
    );
    assert!(lines.contains(&"alerts: nothing new"), "{}", out.stdout);
    let out = tick_at(&env, 6, &["-q"]);
    assert_eq!(out.stdout, "");

    // The queue recovers: the confirmed recovery (recover_after = 2) is news.
    env.script(
        "probes.d/example-queue",
        "#!/bin/sh\necho '{\"status\": \"ok\", \"summary\": \"example queue: empty\"}'\n",
    );
    let out = tick_at(&env, 7, &[]);
    assert!(!out.stdout.contains("probes:"), "{}", out.stdout);
    let out = tick_at(&env, 8, &[]);
    assert!(
        out.stdout
            .contains("2 probes: 2 ok; 1 recovered (example-queue)"),
        "{}",
        out.stdout
    );
    let out = tick_at(&env, 9, &[]);
    assert_eq!(out.stdout, "");
}

/// A root with one probe that is OK (or, with `broken`, one that cannot start:
/// tick then exits 1) and a heartbeat at `url`.
fn heartbeat_root(url: &str, timeout: &str, broken: bool) -> TestEnv {
    let env = TestEnv::new();
    env.script("probes.d/web", "#!/bin/sh\necho 'OK - up'\n");
    if broken {
        env.script("probes.d/Bad Name", "#!/bin/sh\necho OK\n");
    }
    env.write(
        "tend.toml",
        format!("[heartbeat]\nurl = \"{url}\"\ntimeout = \"{timeout}\"\n"),
    );
    env
}

#[test]
fn heartbeat_pings_the_url_or_the_url_with_the_exit_code() {
    let server = FakeServer::start(Reply::text(200, "OK"));
    let url = format!("{}/ping/0b9c3f4e-hc", server.url());
    let env = heartbeat_root(&url, "5s", false);
    let out = env.tend(&["tick"]).ok();
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
    let broken = heartbeat_root(&url, "5s", true);
    broken.tend(&["tick"]).status(1);
    let paths: Vec<(String, String)> = server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        paths,
        [
            ("GET".to_string(), "/ping/0b9c3f4e-hc".to_string()),
            ("GET".to_string(), "/ping/0b9c3f4e-hc/1".to_string()),
        ]
    );
    // A dry run pings nothing; --json says what the ping did.
    env.tend(&["tick", "--dry-run"]).ok();
    assert_eq!(server.request_count(), 2);
    let out = env.tend(&["tick", "--json"]).ok();
    let summary = out.json_lines().pop().unwrap();
    assert_eq!(summary["heartbeat"]["status"], "ok");
    assert_eq!(summary["heartbeat"]["http_status"], 200);
}

#[test]
fn heartbeat_url_from_the_environment_is_a_secret() {
    let server = FakeServer::start(Reply::text(200, "OK"));
    let mut env = TestEnv::new();
    env.script("probes.d/web", "#!/bin/sh\necho 'OK - up'\n");
    env.write(
        "tend.toml",
        "[heartbeat]\nurl_env = \"TEND_HEARTBEAT_URL\"\n",
    );
    let url = format!("{}/ping/secret-uuid-1234", server.url());
    env.set_env("TEND_HEARTBEAT_URL", &url);
    env.tend(&["tick"]).ok();
    assert_eq!(server.requests()[0].path, "/ping/secret-uuid-1234");
    let shown = env.tend(&["config", "show"]).ok();
    assert!(!shown.stdout.contains("secret-uuid"), "{}", shown.stdout);
    // The variable is not passed on to probes.
    env.script(
        "probes.d/web",
        "#!/bin/sh\necho \"OK - ${TEND_HEARTBEAT_URL:-unset}\"\n",
    );
    let out = env.tend(&["probe", "run", "--json"]).ok();
    assert!(out.stdout.contains("OK - unset"), "{}", out.stdout);
    // Without the variable, the tick still runs; the heartbeat fails (exit
    // 1, the variable named).
    env.remove_env("TEND_HEARTBEAT_URL");
    let out = env.tend(&["tick"]).status(1);
    assert!(
        out.stderr.contains("TEND_HEARTBEAT_URL is not set"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failed_or_hanging_heartbeat_is_reported_never_fatal() {
    // A server that accepts and never answers within the timeout.
    let hanging = FakeServer::start(Reply::text(200, "OK").delayed(Duration::from_secs(20)));
    let url = format!("{}/ping/hang-uuid-5678", hanging.url());
    let env = heartbeat_root(&url, "1s", false);
    let out = env.tend(&["tick"]).ok();
    assert!(
        out.stderr
            .contains("tend: error: heartbeat ping failed (timeout)"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("hang-uuid"),
        "the URL is a secret: {}",
        out.stderr
    );
    // Even with -q (it is an error), and the run's own exit code stands.
    let out = heartbeat_root(&url, "1s", true)
        .tend(&["tick", "-q"])
        .status(1);
    assert!(
        out.stderr.contains("heartbeat ping failed"),
        "{}",
        out.stderr
    );

    // Nothing listening: a connection failure, exit code unchanged.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let env = heartbeat_root(&format!("http://127.0.0.1:{port}/ping/x"), "2s", false);
    let out = env.tend(&["tick"]).ok();
    assert!(
        out.stderr.contains("heartbeat ping failed (connect)"),
        "{}",
        out.stderr
    );
    // A 5xx answer is a failure too.
    let failing = FakeServer::start(Reply::text(503, "down"));
    let env = heartbeat_root(&format!("{}/p", failing.url()), "2s", false);
    let out = env.tend(&["tick"]).ok();
    assert!(
        out.stderr.contains("heartbeat ping failed (http_503)"),
        "{}",
        out.stderr
    );
}

#[test]
fn status_prometheus_parses_with_the_reference_parser() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    // The example enables the promotion loops: the tick proposes one change per loop.
    env.tend(&["tick"]).ok();
    env.write("state/quarantine/probes.json.1", "junk");
    let out = env.tend(&["status", "--format", "prometheus"]).ok();
    // Python's prometheus_client text parser (in the tests' own venv) reads it.
    let script = "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as parse\nfor f in parse(sys.stdin.read()):\n    for s in f.samples:\n        labels = ','.join(f'{k}={v}' for k, v in sorted(s.labels.items()))\n        print(f'{s.name}|{labels}|{s.value}')\n";
    let mut child = std::process::Command::new(crate::support::provision::python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(out.stdout.as_bytes())
        .unwrap();
    let parsed = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&parsed.stderr);
    assert!(parsed.status.success(), "parser: {stderr}\n{}", out.stdout);
    let samples = String::from_utf8_lossy(&parsed.stdout).into_owned();
    for expected in [
        "tend_last_run_timestamp_seconds|command=probe run|1779609600.0",
        "tend_last_run_exit_code|command=wake consume|0",
        "tend_last_run_success|command=alerts notify|1",
        "tend_overdue|command=probe run|0",
        "tend_proposals_pending|loop=router-tuning|1",
        "tend_quarantined_files||1",
        // Active alerts per severity, every severity present.
        "tend_alerts_active|severity=critical|1",
        "tend_alerts_active|severity=warning|0",
        "tend_alerts_active|severity=info|0",
        // Right after a tick nothing is left for wake consume: the rows it
        // and the later steps wrote are not lag.
        "tend_wake_cursor_lag_rows||0",
    ] {
        assert!(
            samples.lines().any(|l| l == expected),
            "{expected}\n{samples}"
        );
    }
    assert!(!samples.contains("tend_alerts|"), "{samples}");
}

#[test]
fn status_right_after_a_tick_reports_no_lag_of_tends_own_rows() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    for m in 0..3 {
        tick_at(&env, m, &[]);
    }
    // wake consume wrote its own rows after its cursor (probe.wake_debounced
    // among them), and alerts notify and promote wrote theirs.
    assert!(!env.audit_kind("probe.wake_debounced").is_empty());
    let status = env
        .tend(&["status"])
        .env("TEND_NOW", "2026-05-24T08:02:30Z")
        .ok();
    let line = status
        .stdout_lines()
        .into_iter()
        .find(|l| l.starts_with("wake cursor:"))
        .unwrap_or_else(|| panic!("{}", status.stdout))
        .to_string();
    assert!(
        line.starts_with("wake cursor: up to date ("),
        "{line}\n{}",
        status.stdout
    );
    assert!(line.ends_with("of other kinds after it)"), "{line}");
    // A new probe run leaves work for wake consume: that is lag, by kind.
    env.tend(&["probe", "run"])
        .env("TEND_NOW", "2026-05-24T08:03:00Z")
        .ok();
    let status = env
        .tend(&["status", "--json"])
        .env("TEND_NOW", "2026-05-24T08:03:30Z")
        .ok();
    let summary = status.json_lines().pop().unwrap();
    let lag = &summary["wake_cursor"];
    assert_eq!(lag["unread"]["probe.observed"], 2, "{lag}");
    assert_eq!(lag["unread"]["probe.wake_requested"], 1, "{lag}");
    assert_eq!(lag["rows"], 3, "{lag}");
}

#[test]
fn a_root_without_configuration_or_probes_is_named_once() {
    let env = TestEnv::new();
    let hint = "has no tend.toml and no probes; `tend init` creates one";
    let first = env.tend(&["tick"]).ok();
    assert!(first.stderr.contains(hint), "{}", first.stderr);
    assert_eq!(first.stdout, "");
    // Said once: the next run is quiet.
    let second = env.tend(&["tick"]).ok();
    assert_eq!(second.stderr, "");
    // `status` says so every time.
    for _ in 0..2 {
        let out = env.tend(&["status"]).ok();
        assert!(out.stderr.contains(hint), "{}", out.stderr);
    }
    // A root with a probe (or a tend.toml) is not suspicious.
    env.script("probes.d/web", "#!/bin/sh\necho 'OK - up'\n");
    assert_eq!(env.tend(&["status"]).ok().stderr, "");
}

/// A failing HTTP probe whose server answers with an nginx-style HTML error
/// page: the observation and the operator's message carry its text, not its
/// markup.
#[test]
fn an_html_error_page_reaches_the_operator_as_text() {
    let page = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title>\
        <style>body { font: 12px sans-serif }</style></head>\r\n<body>\r\n\
        <center><h1>503 Service Temporarily Unavailable</h1></center>\r\n\
        <p>Tom &amp; Jerry&#39;s API is down &mdash; retry later</p>\
        <hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n";
    let server = FakeServer::start(Reply::new(503, "text/html", page));
    let env = TestEnv::new();
    // init places the wake cursor, so the first wakes are read.
    env.tend(&["init"]).ok();
    env.write(
        "tend.toml",
        format!(
            "[[probe]]\nname = \"api\"\nkind = \"http\"\nurl = \"{}/health\"\n",
            server.url()
        ),
    );
    tick_at(&env, 0, &[]);
    let out = tick_at(&env, 1, &[]);
    let observed = env.audit_kind("probe.observed");
    let long_output = observed[0]["details"]["long_output"].as_str().unwrap();
    assert_eq!(
        long_output,
        "503 Service Temporarily Unavailable\nTom & Jerry's API is down — retry later\nnginx/1.25.3"
    );
    assert!(
        without_short_ids(&out.stdout).starts_with("🚨 Probe alert · api\n"),
        "{}",
        out.stdout
    );
    for markup in ["<", "&amp;", "font:", "&#39;"] {
        assert!(
            !out.stdout.contains(markup),
            "{markup:?} in:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains(
            "Output:\n  503 Service Temporarily Unavailable\n  Tom & Jerry's API is down — retry later\n  nginx/1.25.3\n"
        ),
        "{}",
        out.stdout
    );
    // The category is the state's name: the severity already says it.
    assert!(!out.stdout.contains("Category: critical"), "{}", out.stdout);
}

/// A refused connection says where, in the probe's own words.
#[test]
fn a_refused_http_connection_names_host_and_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        format!("[[probe]]\nname = \"api\"\nkind = \"http\"\nurl = \"http://{addr}/health\"\n"),
    );
    let out = env.tend(&["probe", "run", "-v"]).ok();
    assert!(
        out.stdout.contains(&format!("connection refused ({addr})")),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("os error"), "{}", out.stdout);
}

#[test]
fn alerts_list_columns_fit_their_longest_value() {
    let env = TestEnv::new();
    let long_id = format!("alertmanager:{}", "f".repeat(48));
    env.write(
        "alerts.jsonl",
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": long_id, "severity": "critical", "category": "HighErrorRate",
                "title": "Error rate above 5%", "summary": "", "source": "alertmanager"}),
            serde_json::json!({"id": "a", "severity": "warning", "category": "disk_nearly_full_on_the_database_host",
                "title": "Disk 91%", "summary": "", "source": "alertmanager"}),
        ),
    );
    let out = env
        .tend(&[
            "alerts",
            "list",
            "--from",
            env.path("alerts.jsonl").to_str().unwrap(),
        ])
        .ok();
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    // Not a terminal: nothing is cut, and every column starts where its
    // header does.
    for header in ["SEVERITY", "CATEGORY", "ID", "TITLE"] {
        let at = lines[0].find(header).unwrap();
        for line in &lines[1..] {
            let before = &line[..at];
            assert!(
                before.ends_with("  "),
                "{header} misaligned:\n{}",
                out.stdout
            );
            assert!(
                !line[at..].starts_with(' '),
                "{header} misaligned:\n{}",
                out.stdout
            );
        }
    }
    assert!(out.stdout.contains(&long_id), "{}", out.stdout);
    assert!(!out.stdout.contains('…'), "{}", out.stdout);
}

#[test]
fn now_far_ahead_of_the_clock_warns_on_commands_that_write() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    let future = "2099-01-01T00:00:00Z";
    let out = env.tend(&["probe", "run", "--now", future]).ok();
    assert!(
        out.stderr.contains("--now 2099-01-01T00:00:00.000Z is ")
            && out.stderr.contains("days ahead of the clock"),
        "{}",
        out.stderr
    );
    // TEND_NOW too.
    let out = env.tend(&["probe", "run"]).env("TEND_NOW", future).ok();
    assert!(out.stderr.contains("ahead of the clock"), "{}", out.stderr);
    // Nothing written: no warning.
    let out = env.tend(&["status", "--now", future]).ok();
    assert!(!out.stderr.contains("ahead of the clock"), "{}", out.stderr);
    let out = env
        .tend(&["probe", "run", "--dry-run", "--now", future])
        .ok();
    assert!(!out.stderr.contains("ahead of the clock"), "{}", out.stderr);
    // The past (replays, the tests' fixed clock) is not news.
    let out = env
        .tend(&["probe", "run", "--now", "2026-05-24T08:00:00Z"])
        .ok();
    assert!(!out.stderr.contains("ahead of the clock"), "{}", out.stderr);
}

#[test]
fn a_fresh_roots_wake_cursor_reads_up_to_date() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    let out = env.tend(&["status"]).ok();
    assert!(
        out.stdout_lines().contains(&"wake cursor: up to date"),
        "{}",
        out.stdout
    );
    // doctor says it the same way.
    let out = env.tend(&["doctor", "-v"]).ok();
    assert!(
        out.stdout.contains("cursor      wake cursor: up to date\n"),
        "{}",
        out.stdout
    );
}

/// The README's crontab section, as cron would run it: `* * * * * tend tick`
/// with a probe that stays down mails the failure, the operator message, and
/// then only a reminder once the wake's debounce window has passed.
#[test]
fn a_probe_that_stays_down_mails_once_per_change_and_a_reminder_per_window() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    let mut printed = Vec::new();
    for m in 0..=13 {
        let out = tick_at(&env, m, &[]);
        assert_eq!(out.stderr, "", "minute {m}");
        if !out.stdout.is_empty() {
            printed.push(m);
        }
    }
    // 0: the failure and its alert; 1: the operator message; 12: the window
    // (10 minutes after the dispatch) has passed and two more sightings
    // dispatched a reminder.
    assert_eq!(printed, [0, 1, 12]);
}
