//! `tend audit emit` and `tend audit tail` with real processes and files.

use std::io::Write;
use std::process::{Child, Stdio};

use crate::support::TestEnv;

#[test]
fn concurrent_emits_never_interleave() {
    const WRITERS: usize = 8;
    const PER_WRITER: usize = 200;
    let env = TestEnv::new();
    // Each writer is a shell loop of `tend audit emit`, so 8 processes append
    // at once; sizes cycle from 1 byte to 64 KiB of payload.
    let sizes = [1usize, 10, 100, 1000, 4095, 4096, 10_000, 65_536];
    let mut children: Vec<Child> = Vec::new();
    for w in 0..WRITERS {
        let mut script = String::new();
        for i in 0..PER_WRITER {
            let size = sizes[(w + i) % sizes.len()];
            let payload: String = std::iter::repeat_n(char::from(b'a' + (w as u8)), size).collect();
            script.push_str(&format!(
                "\"$TEND\" audit emit --kind reasoning.tool_called --details '{{\"route\":\"w{w}\",\"tool_name\":\"t{i}\",\"payload\":\"{payload}\"}}' || exit 1\n"
            ));
        }
        let path = env.write(&format!("../writer{w}.sh"), script);
        let mut command = env.tend(&[]).into_command();
        let tend = command.get_program().to_owned();
        command = std::process::Command::new("sh");
        command
            .arg(&path)
            .env("TEND", tend)
            .env("TEND_ROOT", env.root())
            .env("TEND_NOW", crate::support::NOW);
        children.push(
            command
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
    }
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "writer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = env.read("audit/2026-05-24.jsonl");
    assert!(text.ends_with('\n'));
    let mut seen = std::collections::BTreeSet::new();
    for line in text.lines() {
        let row: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("interleaved or torn row ({e}): {:.120}", line));
        let details = &row["details"];
        let route = details["route"].as_str().unwrap();
        let w: usize = route[1..].parse().unwrap();
        let i: usize = details["tool_name"].as_str().unwrap()[1..].parse().unwrap();
        let payload = details["payload"].as_str().unwrap();
        assert_eq!(payload.len(), sizes[(w + i) % sizes.len()]);
        assert!(
            payload.bytes().all(|b| b == b'a' + w as u8),
            "mixed payload in {route} t{i}"
        );
        assert_eq!(row["kind"], "reasoning.tool_called");
        assert!(seen.insert((w, i)), "duplicate row {w}/{i}");
    }
    assert_eq!(seen.len(), WRITERS * PER_WRITER);
}

#[test]
fn emit_validates_kind_details_and_key() {
    let env = TestEnv::new();
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "probe.wake_requestd",
            "--details",
            "{}",
        ])
        .status(2);
    assert!(
        out.stderr.contains("unknown kind \"probe.wake_requestd\"")
            && out.stderr.contains("probe.wake_requested"),
        "{}",
        out.stderr
    );
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "probe.observed",
            "--details",
            "{\"probe\": 1",
        ])
        .status(2);
    assert!(
        out.stderr.contains("--details is not valid JSON"),
        "{}",
        out.stderr
    );
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "probe.observed",
            "--details",
            "[1]",
        ])
        .status(2);
    assert!(
        out.stderr.contains("must be a JSON object"),
        "{}",
        out.stderr
    );
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "probe.wake_requested",
            "--details",
            "{\"probe\":\"fly\"}",
        ])
        .status(2);
    assert!(
        out.stderr.contains("lack issue_category, severity"),
        "{}",
        out.stderr
    );
    assert!(
        !env.exists("audit/2026-05-24.jsonl"),
        "a refused row was written"
    );

    let details = r#"{"probe":"fly","issue_category":"machine_down","severity":"critical"}"#;
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "probe.wake_requested",
            "--details",
            "-",
            "--correlation-key",
            "probe:fly:machine_down",
        ])
        .stdin(details)
        .ok();
    assert_eq!(out.stdout, "", "emit is quiet unless -v or --json");
    let rows = env.audit_rows();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["ts"], "2026-05-24T08:00:00.000Z");
    assert_eq!(row["correlation_key"], "probe:fly:machine_down");
    assert_eq!(row["details"]["severity"], "critical");
    assert_eq!(row["id"].as_str().unwrap().len(), 36);

    // --dry-run prints the row and writes nothing.
    let out = env
        .tend(&[
            "--dry-run",
            "audit",
            "emit",
            "--kind",
            "probe.observed",
            "--details",
            r#"{"probe":"a","status":"ok"}"#,
        ])
        .ok();
    assert!(
        out.stdout.contains("\"kind\":\"probe.observed\""),
        "{}",
        out.stdout
    );
    assert_eq!(env.audit_rows().len(), 1);
}

fn emit(env: &TestEnv, now: &str, kind: &str, details: &str) {
    env.tend(&["audit", "emit", "--kind", kind, "--details", details])
        .env("TEND_NOW", now)
        .ok();
}

#[test]
fn tail_selects_by_count_kind_and_time() {
    let env = TestEnv::new();
    for i in 0..15 {
        let now = format!("2026-05-2{}T0{}:00:00Z", 2 + i / 5, i % 5);
        emit(
            &env,
            &now,
            "probe.observed",
            &format!("{{\"probe\":\"p{i}\",\"status\":\"ok\"}}"),
        );
    }
    emit(
        &env,
        "2026-05-24T07:00:00Z",
        "probe.recovered",
        r#"{"probe":"p","issue_category":"x"}"#,
    );
    let probes = |out: &crate::support::Output| -> Vec<String> {
        out.json_lines()
            .iter()
            .map(|r| r["details"]["probe"].as_str().unwrap().to_string())
            .collect()
    };
    let last = env.tend(&["audit", "tail"]).ok();
    assert_eq!(last.stdout_lines().len(), 10);
    assert!(
        last.stdout_lines()
            .last()
            .unwrap()
            .contains("probe.recovered")
    );
    let out = env
        .tend(&["audit", "tail", "--kind", "probe.observed", "-n", "3"])
        .ok();
    assert_eq!(probes(&out), ["p12", "p13", "p14"]);
    let out = env
        .tend(&[
            "audit",
            "tail",
            "--kind",
            "probe.observed",
            "--since",
            "2026-05-24T03:00:00Z",
        ])
        .ok();
    assert_eq!(probes(&out), ["p13", "p14"]);
    let out = env.tend(&["audit", "tail", "-n", "all"]).ok();
    assert_eq!(out.stdout_lines().len(), 16);
    let out = env
        .tend(&["audit", "tail", "--kind", "nothing.like.this"])
        .ok();
    assert_eq!(out.stdout, "");
}

#[test]
fn tail_skips_malformed_lines_with_their_offset_and_waits_for_torn_ones() {
    let env = TestEnv::new();
    emit(
        &env,
        "2026-05-24T07:00:00Z",
        "probe.observed",
        r#"{"probe":"a","status":"ok"}"#,
    );
    let segment = env.path("audit/2026-05-24.jsonl");
    let offset = std::fs::metadata(&segment).unwrap().len();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .unwrap();
    f.write_all(b"this is not json\n{\"kind\":\"probe.observed\"}\n")
        .unwrap();
    emit(
        &env,
        "2026-05-24T07:30:00Z",
        "probe.observed",
        r#"{"probe":"b","status":"ok"}"#,
    );
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .unwrap();
    f.write_all(br#"{"id":"x","ts":"2026-05-24T07:45:00.000Z","kind":"probe.observed","details":{"probe":"c""#).unwrap();

    let out = env.tend(&["audit", "tail", "-n", "all"]).ok();
    let probes: Vec<_> = out
        .json_lines()
        .iter()
        .map(|r| r["details"]["probe"].clone())
        .collect();
    assert_eq!(probes, ["a", "b"], "torn last line must not be consumed");
    assert!(
        out.stderr.contains(&format!(
            "audit/2026-05-24.jsonl: byte {offset}: skipped malformed line"
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("no \"ts\""), "{}", out.stderr);

    f.write_all(b",\"status\":\"ok\"}}\n").unwrap();
    let out = env.tend(&["audit", "tail", "-n", "1"]).ok();
    assert_eq!(out.json_lines()[0]["details"]["probe"], "c");

    // A torn last line in an earlier day's segment is reported and passed.
    env.write(
        "audit/2026-05-20.jsonl",
        b"{\"kind\":\"probe.observed\",\"ts\":\"2026-05-20T00:00:00Z\"}\n{\"kind\":\"probe.obs",
    );
    let out = env
        .tend(&["audit", "tail", "-n", "all", "--since", "2026-05-20"])
        .ok();
    assert!(
        out.stderr
            .contains("audit/2026-05-20.jsonl: byte 54: skipped torn last line"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout_lines().len(), 4);
}

#[test]
fn tail_into_a_closed_pipe_is_not_an_error() {
    let env = TestEnv::new();
    let mut rows = String::new();
    for i in 0..20_000 {
        rows.push_str(&format!("{{\"id\":\"{i}\",\"ts\":\"2026-05-24T07:00:00.000Z\",\"kind\":\"probe.observed\",\"details\":{{\"probe\":\"p{i}\",\"status\":\"ok\"}}}}\n"));
    }
    env.write("audit/2026-05-24.jsonl", rows);
    let mut command = env.tend(&["audit", "tail", "-n", "all"]).into_command();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `tend audit tail -f ARGS`, started and given time to reach the end of the
/// log, with a reader of its standard output.
fn follow(
    env: &TestEnv,
    args: &[&str],
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStdout>,
) {
    let mut command = env
        .tend(&[&["audit", "tail", "-f"][..], args].concat())
        .into_command();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let reader = std::io::BufReader::new(child.stdout.take().unwrap());
    (child, reader)
}

#[test]
fn tail_follow_prints_rows_appended_later() {
    let env = TestEnv::new();
    emit(
        &env,
        "2026-05-24T07:00:00Z",
        "probe.observed",
        r#"{"probe":"old","status":"ok"}"#,
    );
    let (mut child, mut reader) = follow(&env, &["-n", "0"]);
    emit(
        &env,
        "2026-05-24T07:01:00Z",
        "probe.observed",
        r#"{"probe":"new","status":"ok"}"#,
    );
    let mut line = String::new();
    std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.contains("\"new\""), "{line}");
}

#[test]
fn emit_batch_appends_every_row_or_none() {
    let env = TestEnv::new();
    let good = concat!(
        r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":"a"}}"#,
        "\n",
        r#"{"kind":"inference.recorded","details":{"route":"r","model":"m"},"correlation_key":"route:r"}"#,
        "\n\n",
        r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":"b"}}"#,
    );
    let out = env
        .tend(&["audit", "emit", "--batch", "--json"])
        .stdin(good)
        .ok();
    // The three rows, then the summary object (design §10).
    let lines = out.json_lines();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert_eq!(lines[3]["emitted"], 3, "{}", out.stdout);
    let rows = env.audit_rows();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["correlation_key"], "route:r");
    assert_eq!(rows[2]["details"]["tool_name"], "b");

    // One bad line among good ones: every bad line named, nothing written.
    let before = env.read("audit/2026-05-24.jsonl");
    let bad = [
        r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":"c"}}"#,
        r#"{"kind":"reasoning.tool_called","details":{"route":"r"}}"#,
        r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":"d"}}"#,
        "{not json",
    ]
    .join("\n");
    let out = env.tend(&["audit", "emit", "--batch"]).stdin(bad).status(2);
    assert!(
        out.stderr.contains("2 bad lines; nothing was written"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("line 2: details of a reasoning.tool_called row lack tool_name"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("line 4: "), "{}", out.stderr);
    assert_eq!(env.read("audit/2026-05-24.jsonl"), before);

    // --batch does not mix with a single row's flags; an empty batch is fine.
    env.tend(&[
        "audit",
        "emit",
        "--batch",
        "--kind",
        "reasoning.tool_called",
    ])
    .status(2);
    env.tend(&["audit", "emit", "--batch"]).stdin("").ok();
    env.tend(&["audit", "emit", "--kind", "reasoning.tool_called"])
        .status(2);
    assert_eq!(env.read("audit/2026-05-24.jsonl"), before);
}

#[test]
fn huge_counts_are_refused_not_a_panic() {
    let env = TestEnv::new();
    let out = env
        .tend(&["audit", "tail", "-n", "18446744073709551615"])
        .status(2);
    assert!(
        out.stderr.contains("more than 1000000 rows"),
        "{}",
        out.stderr
    );
    let out = env
        .tend(&["audit", "tail", "-n", "99999999999999999999999999"])
        .status(2);
    assert!(
        out.stderr.contains("more than 1000000 rows"),
        "{}",
        out.stderr
    );
    env.tend(&["audit", "tail", "-n", "1000000"]).ok();
}

#[test]
fn tail_follow_reads_every_segment_after_a_later_dated_one() {
    let env = TestEnv::new();
    // A drill with --now left a segment dated after today.
    emit(
        &env,
        "2026-06-01T09:00:00Z",
        "probe.observed",
        r#"{"probe":"drill1","status":"ok"}"#,
    );
    let (mut child, mut reader) = follow(&env, &["--since", "2026-05-24"]);
    // Then a row of today, then one more of the drill's day: following used
    // to keep one position, at the end of the later segment, and never
    // printed today's row.
    emit(
        &env,
        "2026-05-24T07:01:00Z",
        "probe.observed",
        r#"{"probe":"today","status":"ok"}"#,
    );
    emit(
        &env,
        "2026-06-01T09:01:00Z",
        "probe.observed",
        r#"{"probe":"drill2","status":"ok"}"#,
    );
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &String| l.contains("\"drill2\"")) {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut reader, &mut line).unwrap() == 0 {
            break;
        }
        lines.push(line);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        lines.iter().filter(|l| l.contains("\"today\"")).count(),
        1,
        "{lines:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("\"drill1\"")).count(),
        1,
        "{lines:?}"
    );
}

#[test]
fn emit_refuses_fields_of_the_wrong_type_that_readers_would_skip() {
    let env = TestEnv::new();
    // Accepted before (exit 0), then passed over by wake consume as a row
    // without a probe: the wake was never delivered.
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "probe.wake_requested",
            "--details",
            r#"{"probe":123,"issue_category":"down","severity":"critical"}"#,
        ])
        .status(2);
    assert!(
        out.stderr.contains("probe must be non-empty text, not 123"),
        "{}",
        out.stderr
    );
    let out = env
        .tend(&["audit", "emit", "--batch"])
        .stdin(r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":""}}"#)
        .status(2);
    assert!(
        out.stderr.contains(
            "line 1: details of a reasoning.tool_called row: tool_name must be non-empty text"
        ),
        "{}",
        out.stderr
    );
    assert!(!env.exists("audit/2026-05-24.jsonl") || env.audit_rows().is_empty());
}

#[test]
fn tail_refuses_an_empty_kind() {
    let env = TestEnv::new();
    for kind in ["", " ", "a\"b", "a\nb"] {
        let out = env.tend(&["audit", "tail", "--kind", kind]).status(2);
        assert!(
            out.stderr.contains("a kind is non-empty text"),
            "{kind:?}: {}",
            out.stderr
        );
    }
    env.tend(&["audit", "tail", "--kind", "platform.custom"])
        .ok();
}

#[test]
fn emit_details_from_stdin_are_bounded() {
    let env = TestEnv::new();
    let pad = "x".repeat(64 << 20);
    let big = format!(r#"{{"probe":"a","status":"ok","pad":"{pad}"}}"#);
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "probe.observed",
            "--details",
            "-",
        ])
        .stdin(big)
        .status(2);
    assert!(
        out.stderr
            .contains("--details: standard input is larger than 64 MiB (nothing was written)"),
        "{}",
        out.stderr
    );
    assert!(!env.exists("audit/2026-05-24.jsonl") || env.audit_rows().is_empty());
    env.tend(&[
        "audit",
        "emit",
        "--kind",
        "probe.observed",
        "--details",
        "-",
    ])
    .stdin(r#"{"probe":"a","status":"ok"}"#)
    .ok();
    assert_eq!(env.audit_rows().len(), 1);
}

#[test]
fn json_ends_with_a_summary_object_for_emit_and_tail() {
    let env = TestEnv::new();
    let lines = env
        .tend(&[
            "--json",
            "audit",
            "emit",
            "--kind",
            "probe.observed",
            "--details",
            r#"{"probe":"a","status":"ok"}"#,
        ])
        .ok()
        .json_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["details"]["probe"], "a");
    assert_eq!(lines[1]["summary"], true);
    assert_eq!(lines[1]["emitted"], 1);
    let lines = env
        .tend(&["--json", "audit", "tail", "-n", "all"])
        .ok()
        .json_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["kind"], "probe.observed");
    assert_eq!(lines[1], serde_json::json!({"summary": true, "printed": 1}));
    // Without --json, the rows alone.
    let out = env.tend(&["audit", "tail", "-n", "all"]).ok();
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
}
