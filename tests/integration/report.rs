//! `tend report` (design §13): the JSON figures against an independent
//! recomputation (cold, from the segment cache, and refreshed after new
//! rows), the text format in a pipe and on a terminal with and without
//! NO_COLOR, the page in a real headless Chromium and the Nu Html Checker,
//! tick's refresh, and the per-probe Prometheus metrics read by
//! prometheus_client and promtool.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::{Value, json};

use crate::support::{TestEnv, provision};

const NOW: &str = "2026-05-24T08:20:00Z";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// One generated row: its time, kind, details, and the segment (day) it is
/// written to (not always its own: late and skewed writers).
struct Gen {
    at: DateTime<Utc>,
    kind: &'static str,
    details: Value,
    segment: DateTime<Utc>,
}

/// The window's first hour: 30 days of hours ending with the current one.
fn since() -> DateTime<Utc> {
    let now = t(NOW);
    let hour = now.with_minute(0).unwrap().with_second(0).unwrap();
    hour - Duration::hours(719)
}

/// Rows for hours `from..to` (hour k starts at `since() + k h`; negative k
/// lies before the window).
fn history(from: i64, to: i64) -> Vec<Gen> {
    let mut rows = Vec::new();
    for k in from..to {
        let h = since() + Duration::hours(k);
        for j in 0..2i64 {
            let status = if k.rem_euclid(50) == 3 && j == 0 {
                "critical"
            } else if k.rem_euclid(17) == 0 {
                "warning"
            } else {
                "ok"
            };
            let at = h + Duration::minutes(7 + 30 * j);
            rows.push(Gen {
                at,
                kind: "probe.observed",
                details: json!({
                    "probe": "web", "status": status, "duration_ms": 10 + k.rem_euclid(7) * 3 + j,
                    "perfdata": [{"label": "load", "value": k.rem_euclid(10) as f64 / 4.0 + j as f64 * 0.5, "warn": "2", "crit": "~:3"}],
                }),
                // Odd hours go to the segment of the day before (a late writer).
                segment: if k % 2 == 0 { at } else { at - Duration::days(1) },
            });
        }
        if k % 2 == 0 {
            rows.push(Gen {
                at: h + Duration::minutes(1),
                kind: "probe.observed",
                details: json!({"probe": "db", "status": "ok", "duration_ms": 4}),
                segment: h,
            });
        }
        rows.push(Gen {
            at: h + Duration::minutes(15),
            kind: "inference.recorded",
            details: json!({"route": "a", "cost_usd": 0.01 * k.rem_euclid(3) as f64, "input_tokens": 100, "output_tokens": 10}),
            segment: h,
        });
        if k.rem_euclid(24) == 5 {
            rows.push(Gen {
                at: h + Duration::minutes(20),
                kind: "inference.recorded",
                details: json!({"route": "b", "cost_usd": 0.5, "input_tokens": 5000, "output_tokens": 700}),
                segment: h,
            });
        }
        if k.rem_euclid(24) == 2 {
            rows.push(Gen {
                at: h + Duration::minutes(40),
                kind: "gc.checkpoint_removed",
                details: json!({"thread_id": format!("t{k}"), "base_session_id": "s", "bytes": 1000, "store": "dir"}),
                segment: h,
            });
        }
        if k.rem_euclid(100) == 0 {
            rows.push(Gen {
                at: h + Duration::minutes(50),
                kind: "watcher.flagged",
                details: json!({"watcher": "w", "entity_id": format!("e{k}"), "decision_id": "d", "context": "C", "choice": "Stuck"}),
                segment: h,
            });
        }
    }
    rows
}

fn write_rows(env: &TestEnv, rows: &[Gen]) {
    use std::io::Write;
    for r in rows {
        // Each row its own id: a scan counts a copy of a row (its id again) once.
        let id = format!("{}|{}|{}", r.kind, ts(r.at), r.details);
        let line = json!({"id": id, "ts": ts(r.at), "kind": r.kind, "details": r.details});
        let path = env.path(&format!("audit/{}.jsonl", r.segment.format("%Y-%m-%d")));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(f, "{line}").unwrap();
    }
}

/// The figures the report must show, recomputed from the generated rows.
struct Expected {
    strip: BTreeMap<&'static str, Vec<&'static str>>,
    uptime_24h: BTreeMap<&'static str, f64>,
    uptime_30d: BTreeMap<&'static str, f64>,
    latency: Vec<Value>,
    load: Vec<Value>,
    cost_per_day: BTreeMap<String, BTreeMap<String, f64>>,
    gc_bytes: u64,
    flags: u64,
    input_tokens: u64,
}

fn expect(rows: &[Gen], now: DateTime<Utc>) -> Expected {
    let first = since();
    let hours = 720usize;
    let slot = |at: DateTime<Utc>| -> Option<usize> {
        let k = (at - first).num_hours();
        (at >= first && at <= now && (k as usize) < hours).then_some(k as usize)
    };
    let rank = |s: &str| match s {
        "critical" => 4,
        "warning" => 3,
        "unknown" => 2,
        "ok" => 1,
        _ => 0,
    };
    let mut strip: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    let mut counts: BTreeMap<&'static str, Vec<(u64, u64)>> = BTreeMap::new();
    let mut durations = vec![Vec::<u64>::new(); hours];
    let mut load: Vec<Option<(DateTime<Utc>, f64)>> = vec![None; hours];
    let mut cost: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let (mut gc_bytes, mut flags, mut input_tokens) = (0, 0, 0);
    for r in rows {
        let Some(k) = slot(r.at) else { continue };
        let d = &r.details;
        match r.kind {
            "probe.observed" => {
                let name: &'static str = if d["probe"] == "web" { "web" } else { "db" };
                let status = d["status"].as_str().unwrap();
                let cells = strip.entry(name).or_insert_with(|| vec!["none"; hours]);
                if rank(status) > rank(cells[k]) {
                    cells[k] = match status {
                        "critical" => "critical",
                        "warning" => "warning",
                        _ => "ok",
                    };
                }
                let c = counts.entry(name).or_insert_with(|| vec![(0, 0); hours]);
                c[k].0 += u64::from(status == "ok");
                c[k].1 += 1;
                if name == "web" {
                    durations[k].push(d["duration_ms"].as_u64().unwrap());
                    let v = d["perfdata"][0]["value"].as_f64().unwrap();
                    if load[k].is_none_or(|(at, _)| at <= r.at) {
                        load[k] = Some((r.at, v));
                    }
                }
            }
            "inference.recorded" => {
                let day = r.at.format("%Y-%m-%d").to_string();
                let nanos = (d["cost_usd"].as_f64().unwrap() * 1e9).round() as i64;
                *cost
                    .entry(day)
                    .or_default()
                    .entry(d["route"].as_str().unwrap().to_string())
                    .or_default() += nanos;
                input_tokens += d["input_tokens"].as_u64().unwrap();
            }
            "gc.checkpoint_removed" => gc_bytes += d["bytes"].as_u64().unwrap(),
            "watcher.flagged" => flags += 1,
            _ => {}
        }
    }
    let share = |c: &[(u64, u64)]| {
        let (ok, all) = c.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        ok as f64 / all as f64
    };
    Expected {
        uptime_24h: counts
            .iter()
            .map(|(n, c)| (*n, share(&c[hours - 24..])))
            .collect(),
        uptime_30d: counts.iter().map(|(n, c)| (*n, share(c))).collect(),
        strip,
        latency: durations
            .iter()
            .map(|d| {
                if d.is_empty() {
                    Value::Null
                } else {
                    json!(d.iter().sum::<u64>() / d.len() as u64)
                }
            })
            .collect(),
        load: load
            .iter()
            .map(|l| l.map_or(Value::Null, |(_, v)| json!(v)))
            .collect(),
        cost_per_day: cost
            .into_iter()
            .map(|(day, routes)| {
                let routes = routes
                    .into_iter()
                    .map(|(r, n)| (r, n as f64 / 1e9))
                    .collect();
                (day, routes)
            })
            .collect(),
        gc_bytes,
        flags,
        input_tokens,
    }
}

fn check(report: &Value, want: &Expected) {
    let probes = report["probes"].as_array().unwrap();
    let names: Vec<&str> = probes.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["db", "web"]);
    for p in probes {
        let name = p["name"].as_str().unwrap();
        let strip: Vec<&str> = p["strip"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(strip, want.strip[name], "{name}'s strip");
        // serde_json's reader may differ from the written float in the last bit.
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(
            close(p["uptime"]["24h"].as_f64().unwrap(), want.uptime_24h[name]),
            "{name}: {p}"
        );
        assert!(
            close(p["uptime"]["30d"].as_f64().unwrap(), want.uptime_30d[name]),
            "{name}: {p}"
        );
        assert!(p["uptime"]["7d"].is_f64());
    }
    let web = &probes[1];
    assert_eq!(web["latency_ms"].as_array().unwrap(), &want.latency);
    let load = &web["perfdata"][0];
    assert_eq!(load["label"], "load");
    assert_eq!(
        (load["warn"].as_str(), load["crit"].as_str()),
        (Some("2"), Some("~:3"))
    );
    let values = load["values"].as_array().unwrap();
    assert_eq!(values.len(), want.load.len());
    for (got, want) in values.iter().zip(&want.load) {
        match (got.as_f64(), want.as_f64()) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "{g} {w}"),
            _ => assert_eq!(got, want),
        }
    }
    let mut cost: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for day in report["llm"]["days"].as_array().unwrap() {
        for (route, sum) in day["routes"].as_object().unwrap() {
            cost.entry(day["day"].as_str().unwrap().to_string())
                .or_default()
                .insert(route.clone(), sum["cost_usd"].as_f64().unwrap());
        }
        let total: f64 = day["routes"]
            .as_object()
            .unwrap()
            .values()
            .map(|r| r["cost_usd"].as_f64().unwrap())
            .sum();
        assert_eq!(
            day["over_budget"],
            json!(day["cost_usd"].as_f64().unwrap() > 1.0)
        );
        assert!((day["cost_usd"].as_f64().unwrap() - total).abs() < 1e-9);
    }
    assert_eq!(
        cost.keys().collect::<Vec<_>>(),
        want.cost_per_day.keys().collect::<Vec<_>>()
    );
    for (day, routes) in &cost {
        for (route, usd) in routes {
            assert!(
                (usd - want.cost_per_day[day][route]).abs() < 1e-9,
                "{day} {route}"
            );
        }
        assert_eq!(routes.len(), want.cost_per_day[day].len(), "{day}");
    }
    assert_eq!(report["llm"]["input_tokens"], json!(want.input_tokens));
    let gc: u64 = report["gc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["checkpoint_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(gc, want.gc_bytes);
    assert_eq!(report["watcher_flags"]["total"], json!(want.flags));
    assert_eq!(report["window"]["hours"], json!(720));
}

fn report_json(env: &TestEnv, now: &str) -> Value {
    let out = env
        .tend(&["report", "--format", "json"])
        .env("TEND_NOW", now)
        .ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn json_figures_equal_an_independent_recomputation_cold_cached_and_refreshed() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    // Hours before the window too (k < 0), and the current one (k = 719).
    let mut rows = history(-30, 720);
    // A row too late for this report: after `now`.
    rows.retain(|r| r.at <= t(NOW));
    write_rows(&env, &rows);
    let want = expect(&rows, t(NOW));

    let incidents = incident_fixture(&env);

    let cold = report_json(&env, NOW);
    check(&cold, &want);
    check_incidents(&cold, &incidents, t(NOW));
    assert_eq!(cold["scan"]["bytes_cached"], 0);
    assert!(env.exists("state/report.segments.json"));

    // Again: everything from the cache, the same figures.
    let cached = report_json(&env, NOW);
    check(&cached, &want);
    assert_eq!(cached["scan"]["bytes_read"], 0, "{}", cached["scan"]);

    // An hour later with new rows (in the current segment and a late one in
    // yesterday's): the window moved by an hour, only the new bytes are read.
    let later_now = "2026-05-24T09:20:00Z";
    let mut new_rows = history(720, 721);
    new_rows.retain(|r| r.at <= t(later_now));
    write_rows(&env, &new_rows);
    let refreshed = report_json(&env, later_now);
    rows.extend(new_rows);
    // The recomputation for the moved window: shift `since` by an hour.
    let shifted: Vec<Gen> = rows
        .into_iter()
        .map(|r| Gen {
            at: r.at - Duration::hours(1),
            ..r
        })
        .collect();
    let mut want = expect(&shifted, t(NOW));
    // Days are the rows' own days, not shifted ones: recompute spend apart.
    want.cost_per_day = BTreeMap::new();
    let mut nanos: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for r in &shifted {
        let at = r.at + Duration::hours(1);
        if r.kind == "inference.recorded"
            && at >= since() + Duration::hours(1)
            && at <= t(later_now)
        {
            *nanos
                .entry(at.format("%Y-%m-%d").to_string())
                .or_default()
                .entry(r.details["route"].as_str().unwrap().to_string())
                .or_default() += (r.details["cost_usd"].as_f64().unwrap() * 1e9).round() as i64;
        }
    }
    want.cost_per_day = nanos
        .into_iter()
        .map(|(d, r)| (d, r.into_iter().map(|(k, n)| (k, n as f64 / 1e9)).collect()))
        .collect();
    check(&refreshed, &want);
    let scan = &refreshed["scan"];
    assert!(scan["bytes_cached"].as_u64().unwrap() > 400_000, "{scan}");
    assert!(scan["bytes_read"].as_u64().unwrap() < 5_000, "{scan}");

    // A damaged cache costs a full read and a warning, never the figures.
    env.write("state/report.segments.json", "{\"version\":1}");
    let out = env
        .tend(&["report", "--format", "json"])
        .env("TEND_NOW", later_now)
        .ok();
    assert!(out.stderr.contains("read again"), "{}", out.stderr);
    let again: Value = serde_json::from_str(&out.stdout).unwrap();
    check(&again, &want);
}

/// One incident of the fixture: (id, alert id, severity, started, resolved,
/// messages, diagnosis).
type Fixture = (
    &'static str,
    &'static str,
    &'static str,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    u32,
    Option<&'static str>,
);

/// `state/incidents.json` as `alerts notify` and `wake consume` leave it:
/// two open incidents, one resolved inside the window, one resolved before
/// it.
fn incident_fixture(env: &TestEnv) -> Vec<Fixture> {
    let now = t(NOW);
    let fixture: Vec<Fixture> = vec![
        (
            "0b5c6c70-0000-5000-8000-00000000000a",
            "probe:web:web_down",
            "critical",
            now - Duration::hours(3),
            None,
            3,
            Some("The disk of /var is full."),
        ),
        (
            "0b5c6c70-0000-5000-8000-00000000000b",
            "probe:db:slow",
            "warning",
            now - Duration::minutes(30),
            None,
            1,
            None,
        ),
        (
            "0b5c6c70-0000-5000-8000-00000000000c",
            "probe:web:web_down",
            "critical",
            now - Duration::days(5),
            Some(now - Duration::days(5) + Duration::minutes(90)),
            2,
            None,
        ),
        (
            "0b5c6c70-0000-5000-8000-00000000000d",
            "am:feedbeef",
            "info",
            now - Duration::days(40),
            Some(now - Duration::days(35)),
            1,
            None,
        ),
    ];
    let incidents: serde_json::Map<String, Value> = fixture
        .iter()
        .map(|(id, alert, severity, started, resolved, messages, diagnosis)| {
            let mut i = json!({
                "id": id, "alert_id": alert, "severity": severity,
                "category": "c", "title": format!("{alert} is {severity}"),
                "summary": "s", "started_at": ts(*started), "opened_at": ts(*started),
                "messages": messages, "reminders": 0,
            });
            if let Some(at) = resolved {
                i["resolved_at"] = json!(ts(*at));
            }
            if let Some(line) = diagnosis {
                i["investigated"] = json!({"at": ts(*started), "severity": severity, "summary": "s", "line": line});
            }
            (id.to_string(), i)
        })
        .collect();
    env.write(
        "state/incidents.json",
        json!({"incidents": incidents}).to_string(),
    );
    fixture
}

/// The incidents section against the fixture, recomputed: open ones (most
/// recently started first), then those resolved inside the window.
fn check_incidents(report: &Value, fixture: &[Fixture], now: DateTime<Utc>) {
    let since = since();
    let mut shown: Vec<&Fixture> = fixture
        .iter()
        .filter(|f| f.4.is_none_or(|at| at >= since))
        .collect();
    shown.sort_by_key(|f| {
        (
            f.4.is_some(),
            std::cmp::Reverse(f.4),
            std::cmp::Reverse(f.3),
        )
    });
    let section = &report["incidents"];
    let rows = section["rows"].as_array().unwrap();
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["incident_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, shown.iter().map(|f| f.0).collect::<Vec<_>>());
    for (row, f) in rows.iter().zip(&shown) {
        assert_eq!(row["short_id"], &f.0[..8]);
        assert_eq!(row["alert_id"], f.1);
        assert_eq!(row["severity"], f.2);
        assert_eq!(row["started_at"], ts(f.3));
        assert_eq!(row["resolved_at"], json!(f.4.map(ts)));
        assert_eq!(
            row["duration_s"],
            json!((f.4.unwrap_or(now) - f.3).num_seconds())
        );
        assert_eq!(row["messages"], f.5);
        assert_eq!(row["diagnosis"], json!(f.6));
        assert_eq!(
            row["status"],
            if f.4.is_none() { "open" } else { "resolved" }
        );
        match f.4 {
            None => {
                let command = row["silence_command"].as_str().unwrap();
                assert!(
                    command.starts_with("tend alerts silence add --match ")
                        && command.contains(&format!("id={}", f.1))
                        && command.contains("--for 2h"),
                    "{command}"
                );
            }
            Some(_) => assert_eq!(row["silence_command"], Value::Null),
        }
    }
    let open = |severity: &str| {
        fixture
            .iter()
            .filter(|f| f.4.is_none() && f.2 == severity)
            .count()
    };
    assert_eq!(
        section["open_by_severity"],
        json!({"critical": open("critical"), "warning": open("warning"), "info": open("info")})
    );
    assert_eq!(section["open"], 2);
    assert_eq!(section["resolved"], 1);
    assert_eq!(report["overall"]["incidents_open"], 2);
    assert_eq!(report["overall"]["state"], "critical");
    assert!(
        report["overall"]["headline"]
            .as_str()
            .unwrap()
            .contains("2 incidents open"),
        "{}",
        report["overall"]
    );
}

#[test]
fn a_window_that_is_not_whole_hours_is_a_usage_error() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    let out = env.tend(&["report", "--window", "90m"]).status(2);
    assert!(
        out.stderr
            .contains("--window 1h30m is not a whole number of hours"),
        "{}",
        out.stderr
    );
    let out = env.tend(&["report", "--window", "400d"]).status(2);
    assert!(out.stderr.contains("from 1h to 366d"), "{}", out.stderr);
    env.write("tend.toml", "[report]\nwindow = \"0s\"\n");
    let out = env.tend(&["report"]).status(2);
    assert!(out.stderr.contains("report.window"), "{}", out.stderr);
}

/// A root made by `tend init --example`, a generated month of history, a
/// tick (probe states, an alert, proposals), and a silence.
fn example_root() -> TestEnv {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/report-history.py");
    let out = Command::new(provision::python())
        .arg(&script)
        .arg(env.root())
        .args(["--now", crate::support::NOW])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.tend(&["tick"]).ok();
    env.tend(&[
        "alerts",
        "silence",
        "add",
        "--match",
        "id=probe:example-queue:queue_stalled",
        "--for",
        "2h",
        "--reason",
        "queue migration <b>&",
    ])
    .ok();
    env
}

#[test]
fn text_in_a_pipe_and_on_a_terminal_colour_only_without_no_color() {
    let env = example_root();
    let out = env.tend(&["report"]).ok();
    assert!(!out.stdout.contains('\x1b'), "{}", out.stdout);
    for section in [
        "Probes",
        "Incidents",
        "Active alerts",
        "Silences",
        "Pending proposals",
        "Watcher flags",
        "LLM spend",
        "Garbage collection",
        "tend's own runs",
    ] {
        assert!(
            out.stdout.lines().any(|l| l == section),
            "{section}\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains("tend promote approve p-"),
        "{}",
        out.stdout
    );
    // The example queue's open incident, and the command that silences it.
    let incident = out
        .stdout
        .lines()
        .find(|l| l.contains("probe:example-queue:queue_stalled") && l.contains("critical"))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(incident.contains("open"), "{incident}");
    assert!(
        out.stdout.lines().any(|l| l.starts_with("  silence ")
            && l.ends_with("--match id=probe:example-queue:queue_stalled --for 2h --reason \"…\"")),
        "{}",
        out.stdout
    );
    // In a pipe, lines of cells fit the default width of 100 columns.
    for line in out.stdout.lines().filter(|l| l.starts_with("  status ")) {
        assert!(line.chars().count() <= 100, "{line}");
    }
    // On a terminal (script(1) gives the run one), 60 columns wide: colour,
    // and strips fitted to the width; NO_COLOR turns the colour off.
    let tty = |no_color: bool| -> String {
        let mut cmd = Command::new("script");
        cmd.env_clear();
        for (k, v) in [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("TEND_ROOT", env.root().display().to_string()),
            ("TEND_NOW", crate::support::NOW.to_string()),
            ("COLUMNS", "60".to_string()),
            ("TERM", "xterm".to_string()),
            ("LANG", "C.UTF-8".to_string()),
        ] {
            cmd.env(k, v);
        }
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd
            .args([
                "-q",
                "-e",
                "-c",
                &format!("{} report", crate::support::BIN),
                "/dev/null",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).replace('\r', "")
    };
    let coloured = tty(false);
    assert!(coloured.contains("\x1b[31m"), "{coloured}");
    let plain = tty(true);
    assert!(!plain.contains('\x1b'), "{plain}");
    let strip = plain
        .lines()
        .find(|l| l.starts_with("  status "))
        .unwrap_or_else(|| panic!("{plain}"));
    assert_eq!(strip.chars().count(), 60, "{strip}");
}

/// Drives headless Chromium through chromedriver (Selenium from the tests'
/// venv) over the page: for each viewport, what overflows the width; the
/// console's errors; every request the page made; the colours of dark mode;
/// whether it prints; and a screenshot's distinct byte values.
const BROWSE: &str = r#"
import json, struct, sys, zlib
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

chromium, driver, page, profile = sys.argv[1:5]
opts = webdriver.ChromeOptions()
opts.binary_location = chromium
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run",
          "--user-data-dir=" + profile, "--window-size=1440,1000"]:
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
d = webdriver.Chrome(service=Service(driver), options=opts)
out = {"overflow": {}}
try:
    d.execute_cdp_cmd("Network.enable", {})
    d.get("about:blank")
    d.get_log("performance")
    for width in (375, 1440):
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500})
        d.get("file://" + page)
        out["overflow"][str(width)] = d.execute_script(
            "const w = document.documentElement.clientWidth;"
            "return [document.documentElement.scrollWidth - w].concat([...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w + 0.5)"
            ".map(e => e.tagName + '.' + e.className.baseVal + e.className).slice(0, 8))")
        if width == 375:
            png = d.get_screenshot_as_png()
    d.execute_cdp_cmd("Emulation.setEmulatedMedia",
                      {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    out["dark_background"] = d.execute_script("return getComputedStyle(document.body).backgroundColor")
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 700, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    out["print_overflow"] = d.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    out["pdf_bytes"] = len(d.execute_cdp_cmd("Page.printToPDF", {})["data"])
    out["title"] = d.title
    out["console"] = [e for e in d.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    out["requests"] = []
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m["method"] == "Network.requestWillBeSent" and m["params"].get("documentURL") == "file://" + page:
            out["requests"].append(m["params"]["request"]["url"])
finally:
    d.quit()
# The screenshot's pixels: a blank page has one or two values.
i, idat = 8, b""
while i < len(png):
    n, kind = struct.unpack(">I4s", png[i:i + 8])
    if kind == b"IDAT":
        idat += png[i + 8:i + 8 + n]
    i += 12 + n
out["distinct_bytes"] = len(set(zlib.decompress(idat)))
print(json.dumps(out))
"#;

#[test]
fn the_page_renders_in_headless_chromium_and_validates() {
    let env = example_root();
    let www = env.dir().join("www");
    let out = env.tend(&["report", "--out", www.to_str().unwrap()]).ok();
    assert!(out.stdout.contains("wrote "), "{}", out.stdout);
    let page = www.join("index.html");
    // For others to read: the caller's umask, not tend's own (0750/0640).
    let shared = env.dir().join("shared");
    let run = Command::new("sh")
        .args(["-c", "umask 022 && exec \"$0\" \"$@\""])
        .arg(crate::support::BIN)
        .args(["report", "--out"])
        .arg(&shared)
        .env("TEND_ROOT", env.root())
        .env("TEND_NOW", crate::support::NOW)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&shared), 0o755);
    assert_eq!(mode(&shared.join("index.html")), 0o644);
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no script, nothing fetched.
    for needle in ["<script", "src=", "href=\"http", "url(", "@import"] {
        assert!(!html.contains(needle), "{needle}");
    }
    // Outside text is escaped.
    assert!(
        html.contains("queue migration &lt;b&gt;&amp;"),
        "the silence's reason"
    );
    for section in [
        "id=\"probes\"",
        "id=\"incidents\"",
        "id=\"alerts\"",
        "id=\"proposals\"",
        "id=\"watchers\"",
        "id=\"llm\"",
        "id=\"gc\"",
        "id=\"runs\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    // The example queue's open incident, with the command that silences it.
    assert!(
        html.contains("id=probe:example-queue:queue_stalled --for 2h"),
        "the incident's silence command"
    );
    assert!(html.contains("1 open, 0 resolved in the window."));
    // Every chart has a text alternative.
    assert_eq!(
        html.matches("<svg").count(),
        html.matches("role=\"img\" aria-label=\"").count()
    );

    let profile = tempfile::tempdir().unwrap();
    let run = Command::new(provision::python())
        .args(["-c", BROWSE])
        .arg(provision::tool("chromium"))
        .arg(provision::tool("chromedriver"))
        .arg(&page)
        .arg(profile.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let seen: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(seen["console"], json!([]), "{seen}");
    let page_url = format!("file://{}", page.display());
    let others: Vec<&Value> = seen["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| **u != json!(page_url))
        .collect();
    assert!(others.is_empty(), "requests: {others:?}");
    for width in ["375", "1440"] {
        assert_eq!(seen["overflow"][width], json!([0]), "at {width} px: {seen}");
    }
    assert_eq!(seen["print_overflow"], 0, "{seen}");
    assert!(seen["pdf_bytes"].as_u64().unwrap() > 10_000, "{seen}");
    assert_eq!(seen["dark_background"], "rgb(21, 24, 29)", "{seen}");
    assert!(seen["distinct_bytes"].as_u64().unwrap() > 40, "{seen}");
    assert!(
        seen["title"].as_str().unwrap().starts_with("tend report: "),
        "{seen}"
    );

    // The Nu Html Checker finds no error.
    let vnu = provision::npm_package("vnu-jar").join("build/dist/vnu.jar");
    let check = Command::new(provision::tool("java"))
        .arg("-jar")
        .arg(&vnu)
        .args(["--errors-only", "--format", "text"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn tick_refreshes_the_page_at_most_every_interval() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    env.write(
        "tend.toml",
        format!(
            "{}\n[report]\ndir = \"www\"\nevery = \"10m\"\n",
            env.read("tend.toml")
        ),
    );
    let page = env.path("www/index.html");
    let tick = |now: &str| env.tend(&["tick", "--json"]).env("TEND_NOW", now).output();
    let first = tick("2026-05-24T08:00:00Z");
    assert!(page.exists(), "{}{}", first.stdout, first.stderr);
    let built = |p: &Path| {
        let html = std::fs::read_to_string(p).unwrap();
        let at = html.find("Generated by tend at ").unwrap() + "Generated by tend at ".len();
        html[at..at + 24].to_string()
    };
    assert_eq!(built(&page), "2026-05-24T08:00:00.000Z");
    tick("2026-05-24T08:09:59Z");
    assert_eq!(
        built(&page),
        "2026-05-24T08:00:00.000Z",
        "refreshed too soon"
    );
    tick("2026-05-24T08:10:00Z");
    assert_eq!(built(&page), "2026-05-24T08:10:00.000Z");
    // A page that went missing is written at the next tick.
    std::fs::remove_file(&page).unwrap();
    tick("2026-05-24T08:11:00Z");
    assert_eq!(built(&page), "2026-05-24T08:11:00.000Z");
    // Without [report] dir, tick writes no page.
    let bare = TestEnv::new();
    bare.tend(&["init"]).ok();
    bare.tend(&["tick"]).ok();
    assert!(!bare.exists("www"));
    assert!(!bare.exists("state/runs/report.json"));
}

#[test]
fn per_probe_metrics_parse_with_prometheus_client_and_promtool() {
    let env = example_root();
    let out = env.tend(&["status", "--format", "prometheus"]).ok();
    let text = out.stdout;
    let script = "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as parse\nfor f in parse(sys.stdin.read()):\n    for s in f.samples:\n        labels = ','.join(f'{k}={v}' for k, v in sorted(s.labels.items()))\n        print(f'{s.name}|{labels}|{s.value}')\n";
    let mut child = Command::new(provision::python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let parsed = child.wait_with_output().unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let samples = String::from_utf8_lossy(&parsed.stdout).into_owned();
    for expected in [
        "tend_probe_state|probe=example-queue|2",
        "tend_probe_state|probe=example-ok|0",
        "tend_probe_last_run_timestamp_seconds|probe=example-ok|1779609600.0",
        "tend_probe_perfdata|label=latency,probe=example-ok,uom=s|0.012",
        "tend_probe_perfdata_warn|label=latency,probe=example-ok,uom=s|0.5",
        "tend_probe_perfdata_crit|label=latency,probe=example-ok,uom=s|1",
        "tend_probe_perfdata_warn|label=waiting,probe=example-queue,uom=|2",
        // The example queue's incident, opened by tick's alerts notify.
        "tend_incidents_open|severity=critical|1",
        "tend_incidents_open|severity=warning|0",
        "tend_incidents_open|severity=info|0",
    ] {
        assert!(
            samples.lines().any(|l| l == expected),
            "{expected}\n{samples}"
        );
    }
    for prefix in [
        "tend_probe_duration_seconds|probe=example-ok|",
        "tend_llm_cost_usd_today|route=research|",
    ] {
        assert!(
            samples.lines().any(|l| l.starts_with(prefix)),
            "{prefix}\n{samples}"
        );
    }
    for family in [
        "tend_probe_state",
        "tend_probe_duration_seconds",
        "tend_probe_perfdata_crit",
        "tend_llm_cost_usd_today",
        "tend_incidents_open",
    ] {
        assert!(text.contains(&format!("# HELP {family} ")), "{family}");
        assert!(text.contains(&format!("# TYPE {family} gauge")), "{family}");
    }
    let mut promtool = Command::new(provision::tool("promtool"))
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "{}{}\n{text}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}
