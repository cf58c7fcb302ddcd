//! What leaves the process (design §10): no configured secret anywhere — not in
//! errors, audit rows, state, run records, standard output or error, not even
//! when a server echoes it back; no raw control characters from outside in
//! human output; suggested commands that paste safely; and no child process
//! that outlives tend, even when tend is killed with SIGKILL.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::TestEnv;
use crate::support::http::{FakeServer, Reply};

const TOKEN: &str = "xoxb-1111-2222-LEAKME";

fn slack_env(server: &FakeServer) -> TestEnv {
    let mut env = TestEnv::new();
    env.write(
        "tend.toml",
        format!(
            r#"
[slack]
token_env = "SLACK_BOT_TOKEN"
user_id = "U0123456"
api_base = "{}/api"
timeout = "2s"

[alerts]
route = {{ critical = "slack", warning = "slack", info = "slack" }}
"#,
            server.url()
        ),
    );
    env.set_env("SLACK_BOT_TOKEN", TOKEN);
    env
}

/// A Slack that rejects the call and quotes the request's Authorization
/// header in its error, as misbehaving proxies and gateways do.
fn echoing_slack() -> FakeServer {
    FakeServer::start(Reply::json(
        200,
        json!({"ok": false, "error": format!("invalid_auth (Authorization: Bearer {TOKEN})"),
               "warning": format!("token {TOKEN} revoked")}),
    ))
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            if memchr::memmem::find(&bytes, needle.as_bytes()).is_some() {
                found.push(entry.path().display().to_string());
            }
        }
    }
    found
}

fn tend_alerts(lines: &[serde_json::Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn a_token_echoed_by_slack_reaches_no_output_and_no_file() {
    let server = echoing_slack();
    let env = slack_env(&server);
    let alerts = tend_alerts(
        &[json!({"id": "db", "severity": "critical", "category": "db",
                                       "title": "DB down", "summary": "replica lag"})],
    );
    let runs = [
        env.tend(&["alerts", "test", "--channel", "slack"]).output(),
        env.tend(&["alerts", "test", "--channel", "slack", "--json"])
            .output(),
        env.tend(&["alerts", "notify", "-v", "--from", "-"])
            .stdin(alerts.clone())
            .output(),
        env.tend(&["alerts", "list", "--from", "-"])
            .stdin(alerts)
            .output(),
        env.tend(&["alerts", "list", "--json"]).output(),
        env.tend(&["audit", "tail"]).output(),
        env.tend(&["status"]).output(),
        env.tend(&["doctor"]).output(),
    ];
    // The server did receive the token (the channel works), and did echo it.
    let requests = server.requests();
    assert!(requests.len() >= 3, "{}", requests.len());
    assert_eq!(
        requests[0].header("Authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    for out in &runs {
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains(TOKEN), "token printed:\n{text}");
            assert!(!text.contains("LEAKME"), "token printed:\n{text}");
        }
    }
    // The failures were reported, with the token replaced.
    assert_eq!(runs[0].code, 1, "{}", runs[0].stderr);
    assert!(runs[0].stderr.contains("<redacted>"), "{}", runs[0].stderr);
    assert_eq!(runs[2].code, 1, "{}", runs[2].stderr);
    // Nothing under the root holds it: audit rows, state, run records.
    assert_eq!(files_containing(env.root(), "LEAKME"), Vec::<String>::new());
    let failed: Vec<_> = env
        .audit_kind("notification.dispatched")
        .into_iter()
        .filter(|r| r["details"]["status"] == "failed")
        .collect();
    assert!(failed.len() >= 3, "{failed:?}");
}

#[test]
fn a_secret_in_an_error_chain_is_scrubbed_from_stderr() {
    // A probe URL that embeds the token (an operator's mistake) makes the
    // probe's error text carry it; it must not come out anywhere.
    let server = FakeServer::start(Reply::text(500, &format!("denied for {TOKEN}")));
    let mut env = slack_env(&server);
    env.write(
        "tend.toml",
        format!(
            "[slack]\ntoken_env = \"SLACK_BOT_TOKEN\"\nuser_id = \"U1\"\napi_base = \"{0}/api\"\n\n\
             [[probe]]\nname = \"web\"\nkind = \"http\"\nurl = \"{0}/health?t={TOKEN}\"\ntimeout = \"2s\"\n",
            server.url()
        ),
    );
    env.set_env("SLACK_BOT_TOKEN", TOKEN);
    let out = env.tend(&["probe", "run", "-v"]).output();
    let json = env.tend(&["probe", "run", "--json"]).output();
    for text in [&out.stdout, &out.stderr, &json.stdout, &json.stderr] {
        assert!(!text.contains("LEAKME"), "{text}");
    }
    let leaked: Vec<String> = files_containing(env.root(), "LEAKME")
        .into_iter()
        .filter(|f| !f.ends_with("tend.toml"))
        .collect();
    assert_eq!(leaked, Vec::<String>::new());
    // config show redacts the URL's credential parameter as well.
    let shown = env.tend(&["config", "show"]).ok();
    assert!(!shown.stdout.contains("LEAKME"), "{}", shown.stdout);
}

#[test]
fn config_show_redacts_url_credentials() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        r#"
[[probe]]
name = "api"
kind = "http"
url = "https://ops:hunter2@api.example.com/health?token=T0KEN&region=eu&X-Amz-Signature=S1G"
"#,
    );
    for args in [&["config", "show"][..], &["config", "show", "--json"][..]] {
        let out = env.tend(args).ok();
        for secret in ["hunter2", "ops:", "T0KEN", "S1G"] {
            assert!(!out.stdout.contains(secret), "{secret}: {}", out.stdout);
        }
        assert!(
            out.stdout
                .contains("api.example.com/health?token=<redacted>&region=eu"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn control_characters_from_outside_are_escaped_in_human_output() {
    let env = TestEnv::new();
    let alerts = tend_alerts(&[
        json!({"id": "nul\u{0}id", "severity": "critical", "category": "cat\u{1b}[2J",
               "title": "Title \u{1b}]0;pwned\u{7}\u{0}", "summary": "line one\n\u{1b}[31mred\u{9b}"}),
    ]);
    for args in [
        &["alerts", "notify", "-v", "--from", "-"][..],
        &["alerts", "list", "--from", "-"][..],
    ] {
        let out = env.tend(args).stdin(alerts.clone()).output();
        assert!(out.code == 0 || out.code == 1, "{args:?}: {}", out.stderr);
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains('\u{0}'), "{args:?}: raw NUL in {text:?}");
            assert!(!text.contains('\u{1b}'), "{args:?}: raw ESC in {text:?}");
            assert!(!text.contains('\u{7}'), "{args:?}: raw BEL in {text:?}");
            assert!(!text.contains('\u{9b}'), "{args:?}: raw CSI in {text:?}");
        }
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
    // JSON output keeps the exact text (JSON escapes it).
    let out = env
        .tend(&["alerts", "list", "--json", "--from", "-"])
        .stdin(alerts)
        .ok();
    assert!(out.stdout.contains("\\u0000id"), "{}", out.stdout);
}

#[test]
fn the_mute_hint_is_shell_quoted() {
    let env = TestEnv::new();
    let marker = env.dir().join("PWNED");
    let id = format!("x; touch {} #", marker.display());
    let alerts =
        tend_alerts(&[json!({"id": id, "severity": "critical", "category": "c", "title": "T"})]);
    let out = env
        .tend(&["alerts", "notify", "--from", "-"])
        .stdin(alerts)
        .ok();
    let hint = out
        .stdout
        .lines()
        .find(|l| l.starts_with("Mute it: "))
        .unwrap_or_else(|| panic!("no hint in {}", out.stdout));
    let command = hint.trim_start_matches("Mute it: ");
    // Run the suggested command with `tend` replaced by a printer of its
    // arguments: the id must come back as one argument, and nothing runs.
    let printed = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("tend() {{ printf '%s\\n' \"$@\"; }}; {command}"))
        .output()
        .unwrap();
    let args: Vec<String> = String::from_utf8_lossy(&printed.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(!marker.exists(), "the hint ran `touch`: {command}");
    let at = args
        .iter()
        .position(|a| a == "--match")
        .unwrap_or_else(|| panic!("{args:?}"));
    assert_eq!(args[at + 1], format!("id={id}"), "{command}");
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for our purpose; /proc shows its state.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_probe_and_its_children_die_when_tend_is_killed() {
    let env = TestEnv::new();
    let pids = env.dir().join("pids");
    // The probe starts a background child (same process group), records
    // both pids, and hangs well past the test.
    env.script(
        "probes.d/hang",
        &format!(
            "#!/bin/sh\nsleep 300 &\necho \"$$ $!\" > {}.tmp\nmv {0}.tmp {0}\nwait\n",
            pids.display()
        ),
    );
    env.write(
        "tend.toml",
        "[probes]\ntimeout = \"300s\"\ndeadline = \"300s\"\n",
    );
    let mut tend = env
        .tend(&["probe", "run"])
        .into_command()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the probe to start", Duration::from_secs(60), || {
        pids.exists()
    });
    let text = std::fs::read_to_string(&pids).unwrap();
    let children: Vec<i32> = text
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(children.len(), 2, "{text}");
    assert!(children.iter().all(|&p| alive(p)), "{children:?}");
    tend.kill().unwrap();
    tend.wait().unwrap();
    wait_for(
        "the probe and its child to die",
        Duration::from_secs(60),
        || children.iter().all(|&p| !alive(p)),
    );
}
