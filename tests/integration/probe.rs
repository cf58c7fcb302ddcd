//! `tend probe run` and `tend tick` against real plugin scripts, loopback
//! servers and real process groups.

use std::time::Duration;

use serde_json::Value;

use crate::support::TestEnv;
use crate::support::http::{FakeServer, Reply};

fn state(env: &TestEnv) -> Value {
    serde_json::from_str(&env.read("state/probes.json")).expect("probes.json is JSON")
}

/// The `probe.observed` row of `probe` (the last one).
fn observed(env: &TestEnv, probe: &str) -> Value {
    env.audit_kind("probe.observed")
        .into_iter()
        .rfind(|r| r["details"]["probe"] == probe)
        .unwrap_or_else(|| panic!("no probe.observed row for {probe}"))
}

/// JSON items of a `--json` run by probe name.
fn items(out: &crate::support::Output) -> std::collections::BTreeMap<String, Value> {
    out.json_lines()
        .into_iter()
        .filter(|v| v["summary"] != true)
        .map(|v| (v["probe"].as_str().unwrap().to_string(), v))
        .collect()
}

fn summary(out: &crate::support::Output) -> Value {
    out.json_lines()
        .into_iter()
        .find(|v| v["summary"] == true)
        .expect("a summary object")
}

/// Whether `pid` is gone (or only a zombie waiting for a reaper).
fn is_dead(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn each_exit_code_a_code_above_3_and_a_signal() {
    let env = TestEnv::new();
    for (name, code) in [
        ("p0", 0),
        ("p1", 1),
        ("p2", 2),
        ("p3", 3),
        ("p4", 4),
        ("p255", 255),
    ] {
        env.script(
            &format!("probes.d/{name}"),
            &format!("#!/bin/sh\necho \"STATE {code} - text | t=0.1s\"\nexit {code}\n"),
        );
    }
    env.script("probes.d/sig", "#!/bin/sh\necho partial\nkill -TERM $$\n");
    let out = env.tend(&["probe", "run", "--json"]).ok();
    let items = items(&out);
    let status = |n: &str| items[n]["status"].as_str().unwrap().to_string();
    assert_eq!(status("p0"), "ok");
    assert_eq!(status("p1"), "warning");
    assert_eq!(status("p2"), "critical");
    assert_eq!(status("p3"), "unknown");
    assert_eq!(status("p4"), "unknown");
    assert_eq!(status("p255"), "unknown");
    assert_eq!(status("sig"), "unknown");
    assert_eq!(items["p2"]["summary"], "STATE 2 - text");
    assert_eq!(items["p2"]["exit_code"], 2);
    let p4 = items["p4"]["summary"].as_str().unwrap();
    assert!(
        p4.starts_with("exit code 4 (") && p4.ends_with("STATE 4 - text"),
        "{p4}"
    );
    assert!(
        items["p255"]["summary"]
            .as_str()
            .unwrap()
            .contains("exit code 255")
    );
    assert_eq!(
        items["sig"]["summary"],
        "killed by signal 15 (SIGTERM): partial"
    );
    assert_eq!(items["sig"]["exit_code"], Value::Null);

    // Rows: one observed per probe, a wake per non-OK result with its severity.
    assert_eq!(env.audit_kind("probe.observed").len(), 7);
    let wakes = env.audit_kind("probe.wake_requested");
    assert_eq!(wakes.len(), 6);
    let severity = |p: &str| {
        wakes.iter().find(|w| w["details"]["probe"] == p).unwrap()["details"]["severity"].clone()
    };
    assert_eq!(severity("p1"), "warning");
    assert_eq!(severity("p2"), "critical");
    assert_eq!(severity("p3"), "warning");
    let p2 = wakes
        .iter()
        .find(|w| w["details"]["probe"] == "p2")
        .unwrap();
    assert_eq!(p2["correlation_key"], "probe:p2:critical");
    assert_eq!(p2["details"]["issue_category"], "critical");
    assert_eq!(p2["details"]["envelope"]["enabled"], false);
    assert_eq!(p2["details"]["observations"]["perfdata"][0]["label"], "t");

    let s = summary(&out);
    assert_eq!(
        (s["probes"].as_u64(), s["worst"].as_str()),
        (Some(7), Some("critical"))
    );

    // --nagios-exit returns the worst state.
    env.tend(&["probe", "run", "--nagios-exit", "p0"]).status(0);
    env.tend(&["probe", "run", "--nagios-exit", "p0", "p1"])
        .status(1);
    env.tend(&["probe", "run", "--nagios-exit", "p3", "p0"])
        .status(3);
    env.tend(&["probe", "run", "--nagios-exit", "p3", "p1"])
        .status(1);
    env.tend(&["probe", "run", "--nagios-exit"]).status(2);
}

#[test]
fn a_hung_probe_and_its_background_child_are_killed() {
    let env = TestEnv::new();
    env.write("tend.toml", "[probes]\ntimeout = \"1500ms\"\n");
    // Probes run in the root, so the pid files land there.
    env.script(
        "probes.d/hang",
        "#!/bin/sh\nsleep 30 &\necho $! > bg.pid\necho $$ > fg.pid\necho 'starting'\nsleep 30\n",
    );
    // Exits at once but leaves a child holding its output open.
    env.script(
        "probes.d/leaver",
        "#!/bin/sh\nsleep 30 &\necho $! > left.pid\necho 'OK - done'\nexit 0\n",
    );
    let started = std::time::Instant::now();
    let out = env.tend(&["probe", "run", "--json"]).ok();
    let items = items(&out);
    assert_eq!(items["hang"]["status"], "unknown");
    let summary = items["hang"]["summary"].as_str().unwrap();
    assert!(summary.starts_with("timed out after 1.5s"), "{summary}");
    assert!(summary.ends_with("starting"), "{summary}");
    assert_eq!(items["leaver"]["status"], "ok");
    for file in ["fg.pid", "bg.pid", "left.pid"] {
        let pid: i32 = env.read(file).trim().parse().unwrap();
        assert!(is_dead(pid), "{file}: process {pid} still runs");
    }
    // Not a speed assertion: the 30 s sleeps must not have been waited for.
    assert!(started.elapsed() < Duration::from_secs(25));
}

#[test]
fn huge_and_non_utf8_output() {
    let env = TestEnv::new();
    env.write("tend.toml", "[probes]\noutput_limit = 1000\n");
    env.script(
        "probes.d/huge",
        "#!/bin/sh\nprintf 'OK - '\nhead -c 3000000 /dev/zero | tr '\\0' x\nexit 0\n",
    );
    env.script(
        "probes.d/binary",
        "#!/bin/sh\nprintf 'OK \\377\\376 caf\\303\\251 | a=1\\n\\200\\201 long\\n'\nexit 0\n",
    );
    env.tend(&["probe", "run"]).ok();
    let huge = observed(&env, "huge");
    assert_eq!(huge["details"]["status"], "ok");
    assert_eq!(huge["details"]["output_cut"], true);
    assert_eq!(huge["details"]["summary"].as_str().unwrap().len(), 1000);
    let binary = observed(&env, "binary");
    let summary = binary["details"]["summary"].as_str().unwrap();
    assert!(
        summary.contains('\u{fffd}') && summary.contains("café"),
        "{summary}"
    );
    assert_eq!(binary["details"]["perfdata"][0]["label"], "a");
    assert!(
        binary["details"]["long_output"]
            .as_str()
            .unwrap()
            .ends_with(" long")
    );
}

#[test]
fn a_json_probe_over_output_limit_is_decided_whole_and_kept_cut() {
    let env = TestEnv::new();
    // 20 KB of observations, past the default output_limit of 10000 bytes;
    // "status" comes first, so a prefix would still parse as far as it goes.
    env.script(
        "probes.d/queue",
        "#!/bin/sh\n\
         printf '{\"status\":\"critical\",\"category\":\"queue_stalled\",\"summary\":\"3 jobs stalled\",\"observations\":{\"stalled\":3,\"dump\":\"'\n\
         head -c 20000 /dev/zero | tr '\\0' j\n\
         printf '\",\"oldest_s\":5400}}\\n'\n",
    );
    // Past the 1 MiB a JSON object may take: UNKNOWN, never a guess.
    env.script(
        "probes.d/flood",
        "#!/bin/sh\nprintf '{\"status\":\"ok\",\"summary\":\"fine\",\"observations\":{\"x\":\"'\n\
         head -c 1100000 /dev/zero | tr '\\0' x\nprintf '\"}}\\n'\n",
    );
    env.tend(&["probe", "run"]).ok();
    let queue = observed(&env, "queue");
    let d = &queue["details"];
    assert_eq!(d["status"], "critical", "{d}");
    assert_eq!(d["issue_category"], "queue_stalled");
    assert_eq!(d["summary"], "3 jobs stalled");
    assert_eq!(d["output_cut"], true);
    assert_eq!(d["observations"]["stalled"], 3);
    assert_eq!(d["observations"]["oldest_s"], 5400);
    let dump = d["observations"]["dump"].as_str().unwrap();
    assert!(
        dump.starts_with("jjj") && dump.ends_with('…'),
        "{}",
        dump.len()
    );
    let kept = d["observations"].to_string().len() + d["summary"].as_str().unwrap().len();
    assert!(kept <= 10_000, "kept {kept} bytes");

    let wakes: Vec<Value> = env
        .audit_kind("probe.wake_requested")
        .into_iter()
        .filter(|r| r["details"]["probe"] == "queue")
        .collect();
    assert_eq!(wakes.len(), 1, "the critical result requests a wake");
    let w = &wakes[0]["details"];
    assert_eq!(w["severity"], "critical");
    assert_eq!(w["observations"]["output_cut"], true);
    assert!(w["observations"].to_string().len() < 10_200);

    let flood = observed(&env, "flood");
    assert_eq!(flood["details"]["status"], "unknown");
    let summary = flood["details"]["summary"].as_str().unwrap();
    assert!(summary.starts_with("output too large"), "{summary}");
}

#[test]
fn every_perfdata_form() {
    let env = TestEnv::new();
    env.script(
        "probes.d/perf",
        r#"#!/bin/sh
cat <<'EOF'
DISK OK - fine | 'disk used /var'=50%;80;90;0;100 time=0.5s;1;2 size=10KB count=5c 'it''s'=1 load=U;1;2
long line one
long line two | rng=3;10:;~:20;; at=4;@5:10 lat=12ms
us=3us tb=2TB gb=1.5GB mb=7MB b=9B raw=3 broken=abc
EOF
exit 0
"#,
    );
    env.tend(&["probe", "run"]).ok();
    let row = observed(&env, "perf");
    let d = &row["details"];
    assert_eq!(d["summary"], "DISK OK - fine");
    assert_eq!(d["long_output"], "long line one\nlong line two");
    let perf: Vec<&Value> = d["perfdata"].as_array().unwrap().iter().collect();
    let by = |label: &str| {
        *perf
            .iter()
            .find(|p| p["label"] == label)
            .unwrap_or_else(|| panic!("no {label} in {perf:?}"))
    };
    assert_eq!(by("disk used /var")["uom"], "%");
    assert_eq!(by("disk used /var")["warn"], "80");
    assert_eq!(by("disk used /var")["max"], 100.0);
    assert_eq!(by("time")["uom"], "s");
    assert_eq!(by("size")["uom"], "KB");
    assert_eq!(by("count")["uom"], "c");
    assert_eq!(by("it's")["value"], 1.0);
    assert_eq!(by("load")["value"], Value::Null);
    assert_eq!(by("rng")["warn"], "10:");
    assert_eq!(by("rng")["crit"], "~:20");
    assert_eq!(by("at")["warn"], "@5:10");
    assert_eq!(by("lat")["uom"], "ms");
    for (label, uom) in [
        ("us", "us"),
        ("tb", "TB"),
        ("gb", "GB"),
        ("mb", "MB"),
        ("b", "B"),
    ] {
        assert_eq!(by(label)["uom"], uom);
    }
    assert!(by("raw").get("uom").is_none());
    assert_eq!(perf.len(), 15);
    let errors = d["perfdata_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].as_str().unwrap().contains("broken=abc"));
}

#[test]
fn a_json_probe_status_wins_over_its_exit_code() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        r#"
[[probe]]
name = "queue"
command = ["./queue.sh"]
category = "configured_category"
severity = { warning = "critical" }
envelope = { enabled = true, fix_name = "restart_queue" }
"#,
    );
    env.script(
        "queue.sh",
        "#!/bin/sh\necho '{\"status\": \"Warning\", \"category\": \"queue_stalled\", \"summary\": \"3 jobs stuck\", \"observations\": {\"stalled\": 3}}'\nexit 2\n",
    );
    env.tend(&["probe", "run"]).ok();
    let wake = &env.audit_kind("probe.wake_requested")[0];
    let d = &wake["details"];
    assert_eq!(d["status"], "warning");
    assert_eq!(d["issue_category"], "queue_stalled");
    assert_eq!(
        d["severity"], "critical",
        "the probe's severity map applies"
    );
    assert_eq!(d["summary"], "3 jobs stuck");
    assert_eq!(d["observations"]["stalled"], 3);
    assert_eq!(d["envelope"]["fix_name"], "restart_queue");
    assert_eq!(d["envelope"]["enabled"], true);
    assert_eq!(wake["correlation_key"], "probe:queue:queue_stalled");

    // Without a category in the output, the configured one applies.
    env.script(
        "queue.sh",
        "#!/bin/sh\necho '{\"status\": \"CRITICAL\"}'\nexit 0\n",
    );
    env.tend(&["probe", "run"]).ok();
    let wakes = env.audit_kind("probe.wake_requested");
    assert_eq!(wakes[1]["details"]["issue_category"], "configured_category");
    assert_eq!(wakes[1]["details"]["severity"], "critical");

    // A JSON object with a bad status is UNKNOWN, with the reason.
    env.script("queue.sh", "#!/bin/sh\necho '{\"status\": \"degraded\"}'\n");
    env.tend(&["probe", "run"]).ok();
    let row = observed(&env, "queue");
    assert_eq!(row["details"]["status"], "unknown");
    assert!(
        row["details"]["summary"]
            .as_str()
            .unwrap()
            .contains("degraded")
    );
}

#[test]
fn a_command_probe_runs_without_a_shell() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[[probe]]\nname = \"echo\"\ncommand = [\"printf\", \"%s\\n\", \"OK - $HOME; `id` | t=1s\"]\n",
    );
    env.tend(&["probe", "run"]).ok();
    let row = observed(&env, "echo");
    assert_eq!(row["details"]["summary"], "OK - $HOME; `id`");
    assert_eq!(row["details"]["status"], "ok");
}

#[test]
fn a_probe_that_cannot_start_is_unknown_and_the_run_exits_1() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[[probe]]\nname = \"missing\"\ncommand = [\"/nonexistent/check_x\"]\n",
    );
    env.script("probes.d/fine", "#!/bin/sh\necho OK\n");
    let out = env.tend(&["probe", "run"]).status(1);
    assert!(
        out.stdout.contains("1 could not start (missing)"),
        "{}",
        out.stdout
    );
    let row = observed(&env, "missing");
    assert_eq!(row["details"]["status"], "unknown");
    assert!(
        row["details"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("cannot start: /nonexistent/check_x")
    );
    assert_eq!(observed(&env, "fine")["details"]["status"], "ok");
}

#[test]
fn http_probes() {
    let env = TestEnv::new();
    let ok = FakeServer::start(Reply::text(200, "all ok"));
    let error = FakeServer::start(Reply::text(500, "boom"));
    let slow = FakeServer::start(Reply::text(200, "ok").delayed(Duration::from_secs(3)));
    let sluggish = FakeServer::start(Reply::text(200, "ok").delayed(Duration::from_millis(300)));
    let lacking = FakeServer::start(Reply::text(200, "nope"));
    let teapot = FakeServer::start(Reply::text(404, "gone"));
    let looping = FakeServer::start(Reply::text(302, "").header("Location", "/again"));
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused_url = format!("http://{}/health", refused.local_addr().unwrap());
    drop(refused);
    env.write(
        "tend.toml",
        format!(
            r#"
[[probe]]
name = "ok"
kind = "http"
url = "{ok}/health"
method = "POST"
headers = {{ "X-Check" = "tend" }}
body_contains = "ok"
expect_status = [200]

[[probe]]
name = "error"
kind = "http"
url = "{error}/"
category = "api_down"

[[probe]]
name = "slow"
kind = "http"
url = "{slow}/"
timeout = "500ms"

[[probe]]
name = "sluggish"
kind = "http"
url = "{sluggish}/"
max_latency_ms = 100

[[probe]]
name = "lacking"
kind = "http"
url = "{lacking}/"
body_contains = "ok"

[[probe]]
name = "gone"
kind = "http"
url = "{teapot}/"
expect_status = [404, 410]

[[probe]]
name = "loop"
kind = "http"
url = "{looping}/"

[[probe]]
name = "refused"
kind = "http"
url = "{refused_url}"
"#,
            ok = ok.url(),
            error = error.url(),
            slow = slow.url(),
            sluggish = sluggish.url(),
            lacking = lacking.url(),
            teapot = teapot.url(),
            looping = looping.url(),
        ),
    );
    let out = env.tend(&["probe", "run", "--json"]).ok();
    let items = items(&out);
    let get = |n: &str| {
        (
            items[n]["status"].as_str().unwrap().to_string(),
            items[n]["summary"].as_str().unwrap().to_string(),
        )
    };
    let (status, summary) = get("ok");
    assert_eq!(status, "ok", "{summary}");
    assert!(summary.starts_with("HTTP 200 in "), "{summary}");
    let request = &ok.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/health")
    );
    assert_eq!(request.header("X-Check"), Some("tend"));
    assert_eq!(items["ok"]["perfdata"][0]["label"], "time");

    let (status, summary) = get("error");
    assert_eq!(status, "critical");
    assert!(
        summary.contains("HTTP 500") && summary.contains("expected 2xx"),
        "{summary}"
    );
    assert_eq!(items["error"]["issue_category"], "api_down");
    assert_eq!(items["error"]["long_output"], "boom");

    let (status, summary) = get("slow");
    assert_eq!(status, "critical");
    assert!(summary.contains("no answer within 500ms"), "{summary}");

    let (status, summary) = get("sluggish");
    assert_eq!(status, "warning", "{summary}");
    assert!(summary.contains("slower than 100 ms"), "{summary}");

    let (status, summary) = get("lacking");
    assert_eq!(status, "critical");
    assert!(summary.contains("lacks \"ok\""), "{summary}");

    assert_eq!(get("gone").0, "ok");

    let (status, summary) = get("loop");
    assert_eq!(status, "critical");
    assert!(summary.contains("redirect"), "{summary}");

    let (status, summary) = get("refused");
    assert_eq!(status, "critical");
    assert!(summary.to_lowercase().contains("refused"), "{summary}");
}

#[test]
fn tcp_probes() {
    let env = TestEnv::new();
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    env.write(
        "tend.toml",
        format!(
            "[[probe]]\nname = \"open\"\nkind = \"tcp\"\naddress = \"{}\"\n\n[[probe]]\nname = \"closed\"\nkind = \"tcp\"\naddress = \"{closed_addr}\"\ncategory = \"db_down\"\n",
            open.local_addr().unwrap()
        ),
    );
    let out = env.tend(&["probe", "run", "--json"]).ok();
    let items = items(&out);
    assert_eq!(items["open"]["status"], "ok");
    assert_eq!(items["closed"]["status"], "critical");
    assert!(
        items["closed"]["summary"]
            .as_str()
            .unwrap()
            .contains("refused")
    );
    let wake = &env.audit_kind("probe.wake_requested")[0];
    assert_eq!(wake["correlation_key"], "probe:closed:db_down");
}

/// A probe whose state is the content of `mode` in the root (ok/critical).
fn switchable(env: &TestEnv) {
    env.script(
        "probes.d/svc",
        "#!/bin/sh\ncase \"$(cat mode)\" in\n  ok) echo 'OK - up'; exit 0;;\n  *) echo 'CRITICAL - down'; exit 2;;\nesac\n",
    );
}

fn run_in(env: &TestEnv, mode: &str) -> crate::support::Output {
    env.write("mode", mode);
    env.tend(&["probe", "run"]).ok()
}

#[test]
fn recovery_after_exactly_recover_after_oks() {
    let env = TestEnv::new();
    switchable(&env);
    assert!(
        run_in(&env, "ok").stdout.is_empty(),
        "all OK, nothing changed: quiet"
    );
    let out = run_in(&env, "critical");
    assert_eq!(
        out.stdout_lines(),
        ["1 probe: 1 critical (svc); 1 wake requested"]
    );
    assert!(
        run_in(&env, "critical").stdout.is_empty(),
        "failing as it was: not news"
    );
    let down_since = state(&env)["probes"]["svc"]["down_since"].clone();
    assert!(down_since.is_string());

    let out = run_in(&env, "ok");
    assert!(
        out.stdout.is_empty(),
        "the first OK is not yet a recovery: {}",
        out.stdout
    );
    assert!(
        env.audit_kind("probe.recovered").is_empty(),
        "one OK is not enough"
    );
    assert_eq!(state(&env)["probes"]["svc"]["down_since"], down_since);

    let out = run_in(&env, "ok");
    assert_eq!(out.stdout_lines(), ["1 probe: 1 ok; 1 recovered (svc)"]);
    let recovered = env.audit_kind("probe.recovered");
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0]["details"]["down_since"], down_since);
    assert_eq!(recovered[0]["details"]["issue_category"], "critical");
    assert_eq!(recovered[0]["correlation_key"], "probe:svc:critical");
    assert_eq!(state(&env)["probes"]["svc"]["down_since"], Value::Null);

    assert!(run_in(&env, "ok").stdout.is_empty());
    assert_eq!(env.audit_kind("probe.recovered").len(), 1);
    assert_eq!(env.audit_kind("probe.wake_requested").len(), 2);

    let s = &state(&env)["probes"]["svc"];
    assert_eq!(s["consecutive_ok"], 3);
    assert_eq!(s["history"].as_array().unwrap().len(), 6);
    assert_eq!(s["changes"].as_array().unwrap().len(), 2);

    // recover_after = 3: two OKs are not enough.
    env.write("tend.toml", "[probes]\nrecover_after = 3\n");
    run_in(&env, "critical");
    run_in(&env, "ok");
    run_in(&env, "ok");
    assert_eq!(env.audit_kind("probe.recovered").len(), 1);
    run_in(&env, "ok");
    assert_eq!(env.audit_kind("probe.recovered").len(), 2);
}

#[test]
fn flapping_starts_shows_and_ends() {
    let env = TestEnv::new();
    switchable(&env);
    let mut started_at = None;
    for n in 0..8 {
        let out = run_in(&env, if n % 2 == 0 { "ok" } else { "critical" });
        if out.stdout.contains("flapping started: svc") {
            started_at.get_or_insert(n);
        }
    }
    // 5 changes weigh 520/1710 > 30 %.
    assert_eq!(started_at, Some(5));
    let s = &state(&env)["probes"]["svc"];
    assert_eq!(s["flapping"], true);
    assert!(s["flapping_since"].is_string());
    let observed_rows = env.audit_kind("probe.observed");
    assert_eq!(observed_rows[5]["details"]["flap"], "started");
    let wakes = env.audit_kind("probe.wake_requested");
    assert_eq!(wakes.first().unwrap()["details"]["flapping"], false);
    assert_eq!(wakes.last().unwrap()["details"]["flapping"], true);

    let status = env.tend(&["status"]).ok();
    assert!(
        status.stdout.contains("FLAPPING since"),
        "{}",
        status.stdout
    );
    let json = env.tend(&["status", "--json"]).ok();
    let summary = json
        .json_lines()
        .into_iter()
        .find(|v| v["summary"] == true)
        .unwrap();
    assert_eq!(summary["probes"]["svc"]["flapping"], true);

    let mut ended_at = None;
    for n in 0..20 {
        let out = run_in(&env, "ok");
        if out.stdout.contains("flapping ended: svc") {
            ended_at = Some(n);
            break;
        }
    }
    assert!(
        ended_at.is_some(),
        "flapping must end once the probe settles"
    );
    assert_eq!(state(&env)["probes"]["svc"]["flapping"], false);
    let last = env.audit_kind("probe.observed").pop().unwrap();
    assert_eq!(last["details"]["flap"], "ended");
    let status = env.tend(&["status"]).ok().stdout;
    assert!(!status.contains("FLAPPING"), "{status}");
    assert!(status.contains("stopped flapping at"), "{status}");
}

#[test]
fn configuration_errors_exit_2() {
    let env = TestEnv::new();
    for (text, needle) in [
        (
            "[[probe]]\nname = \"a\"\ncommand = []\n",
            "probe \"a\".command",
        ),
        (
            "[[probe]]\nname = \"a\"\ncommand = [\"x\"]\n[[probe]]\nname = \"a\"\ncommand = [\"y\"]\n",
            "unique",
        ),
        ("[[probe]]\nname = \"a\"\nkind = \"smtp\"\n", "smtp"),
        ("[probes]\nmax_parallel = 0\n", "probes.max_parallel"),
    ] {
        env.write("tend.toml", text);
        let out = env.tend(&["probe", "run"]).status(2);
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
        assert!(!env.exists("state/probes.json"));
    }
    std::fs::remove_file(env.path("tend.toml")).unwrap();
    let out = env.tend(&["probe", "run", "nope"]).status(2);
    assert!(
        out.stderr.contains("no probe named \"nope\""),
        "{}",
        out.stderr
    );
}

#[test]
fn a_daemon_a_probe_started_in_its_own_session_dies_with_a_killed_tend() {
    // The probe double-forks a daemon into a session of its own (outside
    // every process group tend knows), then hangs. tend is killed with
    // SIGKILL: nothing of the probe may outlive it.
    let env = TestEnv::new();
    let pid_file = env.dir().join("daemon.pid");
    env.script(
        "probes.d/forks",
        &format!(
            "#!/bin/sh\nsetsid sh -c 'sleep 60 & echo $! > {pid}'\nsleep 60\necho OK\n",
            pid = pid_file.display()
        ),
    );
    let mut tend = env
        .tend(&["probe", "run"])
        .into_command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut daemon = None;
    for _ in 0..1000 {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok())
        {
            daemon = Some(pid);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let daemon = daemon.expect("the probe started its daemon");
    tend.kill().unwrap();
    tend.wait().unwrap();
    // SAFETY: signal 0 only checks that the process exists.
    let alive = || unsafe { libc::kill(daemon, 0) == 0 };
    // Bounded: the daemon is ended as soon as tend's death is noticed.
    for _ in 0..500 {
        if !alive() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let survived = alive();
    if survived {
        // SAFETY: the test's own daemon.
        unsafe { libc::kill(daemon, libc::SIGKILL) };
    }
    assert!(!survived, "the daemon {daemon} outlived a killed tend");
}

#[test]
fn a_second_run_meanwhile_exits_75() {
    let env = TestEnv::new();
    env.script("probes.d/slow", "#!/bin/sh\nsleep 2\necho OK\n");
    let mut first = env
        .tend(&["probe", "run"])
        .into_command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until the first run holds the lock and has named itself.
    let lock = env.path("locks/probe-run.lock");
    for _ in 0..500 {
        if std::fs::read_to_string(&lock).is_ok_and(|t| t.contains("\"pid\"")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = env.tend(&["probe", "run"]).status(75);
    assert!(
        out.stderr.contains("another `tend probe run` is running"),
        "{}",
        out.stderr
    );
    assert_eq!(first.wait().unwrap().code(), Some(0));
    assert_eq!(env.audit_kind("probe.observed").len(), 1);
}

#[test]
fn probes_dir_rules() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[[probe]]\nname = \"dup\"\nkind = \"tcp\"\naddress = \"127.0.0.1:9\"\nenabled = false\n",
    );
    env.script("probes.d/good", "#!/bin/sh\necho OK\n");
    env.write("probes.d/README", "not a probe\n");
    env.script("probes.d/good~", "#!/bin/sh\nexit 2\n");
    env.script("probes.d/good.swp", "#!/bin/sh\nexit 2\n");
    env.script("probes.d/.hidden", "#!/bin/sh\nexit 2\n");
    env.script("probes.d/Bad Name", "#!/bin/sh\nexit 2\n");
    env.script("probes.d/dup", "#!/bin/sh\nexit 2\n");
    // A file name cannot forge a line of the warning.
    env.script("probes.d/x\ntend: error: forged", "#!/bin/sh\nexit 2\n");
    std::fs::create_dir_all(env.path("probes.d/subdir")).unwrap();

    let out = env.tend(&["probe", "run"]).status(1);
    assert!(
        out.stderr
            .lines()
            .all(|l| !l.starts_with("tend: error: forged")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("probes.d/x\\ntend: error: forged: skipped: \"x\\ntend: error: forged\" is not a valid probe name"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("probes.d/Bad Name: skipped: \"Bad Name\" is not a valid probe name"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "probes.d/dup: skipped: the [[probe]] \"dup\" of tend.toml has the same name"
        ),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("README") && !out.stderr.contains("good~"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stdout_lines(),
        ["1 probe: 1 ok; 3 skipped (see warnings)"]
    );
    let probes: Vec<String> = env
        .audit_kind("probe.observed")
        .iter()
        .map(|r| r["details"]["probe"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(probes, ["good"]);

    let out = env.tend(&["probe", "run", "-v"]).status(1);
    for note in [
        "probes.d/README: skipped (not executable",
        "probes.d/good~: skipped (an editor or backup leftover)",
        "probes.d/good.swp: skipped (an editor or backup leftover)",
        "probes.d/.hidden: skipped (a dotfile)",
        "probes.d/subdir: skipped (not a regular file)",
    ] {
        assert!(out.stderr.contains(note), "{note}: {}", out.stderr);
    }
    assert!(
        out.stdout.starts_with("OK       good: OK"),
        "{}",
        out.stdout
    );

    // A named run is not about the other files: no warning, nothing to say.
    let out = env.tend(&["probe", "run", "good"]).ok();
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
}

#[test]
fn output_modes() {
    let env = TestEnv::new();
    env.script("probes.d/a", "#!/bin/sh\necho 'OK - a | t=1s'\n");
    env.script("probes.d/b", "#!/bin/sh\necho 'OK - b'\n");
    let out = env.tend(&["probe", "run"]).ok();
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    let out = env.tend(&["probe", "run", "-v"]).ok();
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("OK       a: OK - a ("), "{lines:?}");
    assert_eq!(lines[2], "2 probes: 2 ok", "-v shows the summary too");
    let out = env.tend(&["probe", "run", "--json"]).ok();
    let lines = out.json_lines();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["probe"], "a");
    assert_eq!(lines[0]["perfdata"][0]["label"], "t");
    assert_eq!(lines[2]["summary"], true);
    assert_eq!(lines[2]["probes"], 2);
    let out = env.tend(&["probe", "run", "-q"]).ok();
    assert!(out.stdout.is_empty());
    assert_eq!(env.audit_kind("probe.observed").len(), 8);
}

#[test]
fn dry_run_writes_nothing() {
    let env = TestEnv::new();
    env.script("probes.d/down", "#!/bin/sh\necho CRITICAL\nexit 2\n");
    let out = env.tend(&["probe", "run", "--dry-run"]).ok();
    // A dry run prints every decision, as -v does.
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with("CRITICAL down: CRITICAL [critical; wake requested]"),
        "{}",
        out.stdout
    );
    assert_eq!(
        lines[1],
        "1 probe: 1 critical (down); 1 wake requested (dry run: nothing written)"
    );
    assert!(env.audit_rows().is_empty());
    assert!(!env.exists("state/probes.json"));
    assert!(!env.exists("state/runs/probe-run.json"));
}

#[test]
fn the_deadline_bounds_the_run() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[probes]\nmax_parallel = 1\ndeadline = \"800ms\"\ntimeout = \"20s\"\n",
    );
    for name in ["a", "b", "c"] {
        env.script(
            &format!("probes.d/{name}"),
            "#!/bin/sh\nsleep 20\necho OK\n",
        );
    }
    let out = env.tend(&["probe", "run", "--json"]).status(1);
    let items = items(&out);
    assert_eq!(items.len(), 1);
    assert_eq!(items["a"]["status"], "unknown");
    let text = items["a"]["summary"].as_str().unwrap();
    assert!(text.contains("run's deadline"), "{text}");
    assert!(
        out.stderr.contains("probe \"b\" was not run"),
        "{}",
        out.stderr
    );
    assert_eq!(summary(&out)["not_run"], 2);
}

#[test]
fn removed_probes_leave_the_state() {
    let env = TestEnv::new();
    env.script("probes.d/keep", "#!/bin/sh\necho OK\n");
    env.script("probes.d/gone", "#!/bin/sh\necho CRITICAL\nexit 2\n");
    env.tend(&["probe", "run"]).ok();
    assert!(state(&env)["probes"]["gone"].is_object());
    // A named run leaves the others alone.
    std::fs::remove_file(env.path("probes.d/gone")).unwrap();
    env.tend(&["probe", "run", "keep"]).ok();
    assert!(state(&env)["probes"]["gone"].is_object());
    let out = env.tend(&["probe", "run"]).ok();
    assert_eq!(out.stdout_lines(), ["1 probe: 1 ok; 1 removed from state"]);
    assert!(state(&env)["probes"].get("gone").is_none());
}

#[test]
fn a_corrupt_state_file_is_quarantined() {
    let env = TestEnv::new();
    env.script("probes.d/a", "#!/bin/sh\necho OK\n");
    env.write("state/probes.json", "{\"probes\": [");
    let out = env.tend(&["probe", "run"]).status(74);
    assert!(out.stderr.contains("probes.json"), "{}", out.stderr);
    assert!(env.audit_rows().is_empty());
    env.tend(&["probe", "run"]).ok();
}

#[test]
fn quickstart_init_example_then_tick() {
    // The README's set-up command: init --example, then two ticks.
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    let first = env.tend(&["tick"]).ok();
    let lines = first.stdout_lines();
    assert_eq!(
        lines[0],
        "2 probes: 1 ok, 1 critical (example-queue); 1 wake requested"
    );
    // A buffered wake is not news: wake consume prints nothing.
    assert!(!first.stdout.contains("wake consume"), "{}", first.stdout);
    // alerts notify, on the stdout channel, pushes the failing probe.
    assert!(
        first.stdout.contains("🚨 CRITICAL queue_stalled"),
        "{}",
        first.stdout
    );
    assert!(lines.contains(&"alerts: 1 notified"), "{}", first.stdout);
    // The example watcher flags the campaign held since January.
    assert!(
        lines.iter().any(
            |l| l.starts_with("watcher campaign: 1 flagged (2 scanned, 1 in status, 1 stalled")
        ),
        "{}",
        first.stdout
    );
    // The example's platform rows give the promotion loops something to propose.
    assert_eq!(
        *lines.last().unwrap(),
        "promote: 3 new proposals (tend promote list --status pending)"
    );
    let wake = &env.audit_kind("probe.wake_requested")[0];
    assert_eq!(wake["details"]["issue_category"], "queue_stalled");
    assert_eq!(wake["details"]["observations"]["stalled_jobs"], 3);

    // The second consecutive failure dispatches: the fallback DM, no engine.
    let second = env
        .tend(&["tick"])
        .env("TEND_NOW", "2026-05-24T08:05:00Z")
        .ok();
    assert!(
        second.stdout.contains("🚨 Probe alert · example-queue\nexample-queue (critical): example queue: 3 jobs waiting longer than 1h\n"),
        "{}",
        second.stdout
    );
    assert!(
        second
            .stdout
            .contains("Sent without investigation (no engine configured)."),
        "{}",
        second.stdout
    );
    assert!(
        !second.stdout.contains("alerts:"),
        "the alert must not be sent twice: {}",
        second.stdout
    );
    let dispatched = env.audit_kind("notification.dispatched");
    assert_eq!(dispatched.len(), 2, "one alert, one wake DM");

    let status = env
        .tend(&["status"])
        .env("TEND_NOW", "2026-05-24T08:05:00Z")
        .ok();
    assert!(
        status.stdout.contains("probe example-queue   CRITICAL"),
        "{}",
        status.stdout
    );
    let out = env
        .tend(&["tick", "--json"])
        .env("TEND_NOW", "2026-05-24T08:06:00Z")
        .ok();
    let last = out.json_lines().pop().unwrap();
    assert_eq!(last["command"], "tick");
    let steps: Vec<&str> = last["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "probe run",
            "wake consume",
            "alerts notify",
            "watchers tick",
            "promote run",
            "report"
        ]
    );
    assert!(
        last["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["exit_code"] == 0)
    );
}

#[test]
fn tick_exits_with_the_worst_step() {
    let env = TestEnv::new();
    env.script("probes.d/Bad Name", "#!/bin/sh\necho OK\n");
    env.tend(&["tick"]).status(1);
    env.write("state/probes.json", "not json");
    let out = env.tend(&["tick", "-q"]).status(74);
    assert!(
        out.stderr.contains("tend: error: probe run: state file"),
        "{}",
        out.stderr
    );
}

#[test]
fn probes_do_not_inherit_tends_secrets() {
    let mut env = TestEnv::new();
    env.write("tend.toml", "[engine]\napi_key_env = \"MY_KEY\"\n");
    env.set_env("MY_KEY", "sk-secret-value");
    env.set_env("OTHER", "visible");
    env.script(
        "probes.d/env",
        "#!/bin/sh\necho \"OK - key=${MY_KEY:-unset} other=${OTHER:-unset}\"\n",
    );
    env.tend(&["probe", "run"]).ok();
    assert_eq!(
        observed(&env, "env")["details"]["summary"],
        "OK - key=unset other=visible"
    );
}
