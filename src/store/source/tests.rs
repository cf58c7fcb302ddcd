use super::*;

/// Reads `bytes` fed in pieces of `step` bytes (1 = byte by byte), returning
/// the ids (field "id") seen with their positions, and the report.
fn read_bytes(bytes: &[u8], step: usize) -> Result<(Vec<(String, At)>, Report), SourceError> {
    struct Pieces<'a>(&'a [u8], usize);
    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut seen = Vec::new();
    let report = read_reader(Pieces(bytes, step), "test", |at, map| {
        let id = map.get("id").map(ToString::to_string).unwrap_or_default();
        seen.push((id, at.clone()));
        ControlFlow::Continue(())
    })?;
    Ok((seen, report))
}

fn ids(seen: &[(String, At)]) -> Vec<&str> {
    seen.iter().map(|(id, _)| id.as_str()).collect()
}

#[test]
fn json_lines_with_bad_rows_reported_by_line() {
    let input = b"{\"id\":1}\n\n  \nnot json\n[1,2]\n{\"id\":2}\r\n{\"id\":3}";
    for step in [1, 3, 7, 1 << 20] {
        let (seen, report) = read_bytes(input, step).unwrap();
        assert_eq!(ids(&seen), ["1", "2", "3"], "step {step}");
        assert_eq!(seen[1].1, At::Line(6));
        assert_eq!(seen[2].1, At::Line(7));
        assert_eq!(report.entities, 3);
        assert_eq!(report.bad.count, 2);
        assert_eq!(report.bad.first[0].at, At::Line(4));
        assert!(
            report.bad.first[0].reason.starts_with("not JSON"),
            "{:?}",
            report.bad
        );
        assert_eq!(report.bad.first[1].at, At::Line(5));
        assert_eq!(report.bad.first[1].reason, "not a JSON object but an array");
    }
}

#[test]
fn a_json_array_is_split_into_elements_whatever_the_chunking() {
    let input = br#"
  [{"id":"a","s":"x],{\"y"},
   {"id":"b","n":{"deep":[1,{"k":"]"}]}} , 7,
   {"id":"c"}]
"#;
    for step in [1, 2, 5, 1 << 20] {
        let (seen, report) = read_bytes(input, step).unwrap();
        assert_eq!(ids(&seen), ["\"a\"", "\"b\"", "\"c\""], "step {step}");
        assert_eq!(seen[0].1, At::Element { index: 0, line: 2 });
        assert_eq!(seen[2].1, At::Element { index: 3, line: 4 });
        assert_eq!(report.bad.count, 1);
        assert_eq!(report.bad.first[0].at, At::Element { index: 2, line: 3 });
        assert_eq!(report.bad.first[0].reason, "not a JSON object but a number");
    }
}

#[test]
fn empty_inputs_and_arrays_have_no_entities() {
    for input in [&b""[..], b"  \n", b"[]", b"[ ]\n", b"[]\n[]"] {
        let (seen, report) = read_bytes(input, 1).unwrap();
        assert!(seen.is_empty(), "{input:?}");
        assert_eq!(report, Report::default(), "{input:?}");
    }
}

#[test]
fn several_arrays_continue_the_index() {
    // sqlite3 -json prints one array per statement.
    let (seen, _) = read_bytes(b"[{\"id\":1}]\n[{\"id\":2},{\"id\":3}]\n", 4).unwrap();
    assert_eq!(ids(&seen), ["1", "2", "3"]);
    assert_eq!(seen[2].1, At::Element { index: 2, line: 2 });
}

#[test]
fn broken_elements_are_bad_rows_and_the_rest_is_read() {
    let (seen, report) = read_bytes(b"[{\"id\":1},{\"id\":tru},,{\"id\":4}]", 3).unwrap();
    assert_eq!(ids(&seen), ["1", "4"]);
    assert_eq!(report.bad.count, 2);
    assert!(report.bad.first[0].reason.starts_with("not JSON"));
    assert_eq!(report.bad.first[1].reason, "empty element");
    assert_eq!(report.bad.first[1].at, At::Element { index: 2, line: 1 });
}

#[test]
fn an_array_cut_short_or_followed_by_garbage_is_an_error() {
    for input in [&b"[{\"id\":1},{\"id\""[..], b"[{\"id\":1},", b"["] {
        match read_bytes(input, 2) {
            Err(SourceError::Truncated { .. }) => {}
            other => panic!("{input:?}: {other:?}"),
        }
    }
    match read_bytes(b"[{\"id\":1}]\nERROR: boom\n", 2) {
        Err(e @ SourceError::Malformed { .. }) => {
            assert!(e.to_string().contains("line 2"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_the_first_bad_rows_are_kept_all_are_counted() {
    let input = "x\n".repeat(12);
    let (_, report) = read_bytes(input.as_bytes(), 1 << 20).unwrap();
    assert_eq!(report.bad.count, 12);
    assert_eq!(report.bad.first.len(), FIRST_BAD_KEPT);
    let summary = report.bad.summary();
    assert!(
        summary.starts_with("12 bad rows (line 1: not JSON"),
        "{summary}"
    );
    assert!(summary.ends_with("; 7 more)"), "{summary}");
}

#[test]
fn an_overlong_row_is_a_bad_row_and_memory_stays_bounded() {
    let mut input = b"{\"id\":1}\n{\"pad\":\"".to_vec();
    input.extend(std::iter::repeat_n(b'x', MAX_ROW_BYTES + 10));
    input.extend_from_slice(b"\"}\n{\"id\":2}\n");
    let (seen, report) = read_bytes(&input, 1 << 16).unwrap();
    assert_eq!(ids(&seen), ["1", "2"]);
    assert_eq!(report.bad.first[0].at, At::Line(2));
    assert!(report.bad.first[0].reason.contains("longer than"));
}

#[test]
fn the_visitor_can_stop_early() {
    let mut n = 0;
    let report = read_reader(&b"{}\n{}\n{}\n"[..], "t", |_, _| {
        n += 1;
        if n == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert!(report.stopped);
    assert_eq!(report.entities, 2);
}

fn collect(source: &Source, root: &Path) -> Result<(Vec<String>, Report), SourceError> {
    let mut seen = Vec::new();
    let report = read(source, root, |_, map| {
        seen.push(map.get("id").map(ToString::to_string).unwrap_or_default());
        ControlFlow::Continue(())
    })?;
    Ok((seen, report))
}

#[test]
fn file_source_relative_to_the_root_and_unreadable_file() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("entities")).unwrap();
    fs::write(
        root.path().join("entities/a.jsonl"),
        "{\"id\":1}\n{\"id\":2}\n",
    )
    .unwrap();
    let (seen, _) = collect(&Source::File("entities/a.jsonl".into()), root.path()).unwrap();
    assert_eq!(seen, ["1", "2"]);
    match collect(&Source::File("entities/missing.jsonl".into()), root.path()) {
        Err(e @ SourceError::Unreadable { .. }) => {
            assert!(e.to_string().contains("entities/missing.jsonl"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // A directory where a file belongs cannot be read as one.
    assert!(matches!(
        collect(&Source::File("entities".into()), root.path()),
        Err(SourceError::Unreadable { .. })
    ));
}

#[test]
fn dir_source_reads_json_files_in_name_order() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sessions");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("b.json"), "{\"id\":\"b\"}").unwrap();
    fs::write(dir.join("a.json"), "{\"id\":\"a\"}\n").unwrap();
    fs::write(dir.join("c.json"), "[1]").unwrap();
    fs::write(dir.join("d.json"), "{broken").unwrap();
    fs::write(dir.join("notes.txt"), "ignored").unwrap();
    fs::write(dir.join(".hidden.json"), "{}").unwrap();
    let (seen, report) = collect(&Source::Dir("sessions".into()), root.path()).unwrap();
    assert_eq!(seen, ["\"a\"", "\"b\""]);
    assert_eq!(report.bad.count, 2);
    assert_eq!(report.bad.first[0].at, At::File("c.json".into()));
    assert_eq!(report.bad.first[1].at, At::File("d.json".into()));
    assert!(matches!(
        collect(&Source::Dir("nope".into()), root.path()),
        Err(SourceError::Unreadable { .. })
    ));
}

fn sh(script: &str, timeout_ms: u64) -> Source {
    Source::Command(CommandSource {
        argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
        timeout: Duration::from_millis(timeout_ms),
        cwd: None,
        hide_env: Vec::new(),
    })
}

#[test]
fn command_source_streams_and_runs_in_the_root() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("rows"), "{\"id\":1}\n").unwrap();
    // JSON Lines: the first line decides, so a later array line is one bad row.
    let (seen, report) =
        collect(&sh("cat rows; echo '[{\"id\":2}]'", 10_000), root.path()).unwrap();
    assert_eq!(seen, ["1"]);
    assert_eq!(report.bad.count, 1);
    // A JSON array from a command.
    let (seen, _) = collect(
        &sh("printf '[{\"id\":1},\\n{\"id\":2}]'", 10_000),
        root.path(),
    )
    .unwrap();
    assert_eq!(seen, ["1", "2"]);
}

#[test]
fn command_failures_are_errors_the_caller_can_tell_apart() {
    let root = tempfile::tempdir().unwrap();
    match collect(
        &sh(
            "echo '{\"id\":1}'; echo 'no such table' >&2; exit 3",
            10_000,
        ),
        root.path(),
    ) {
        Err(e @ SourceError::CommandFailed { .. }) => {
            let text = e.to_string();
            assert!(text.contains("exited with status 3"), "{text}");
            assert!(text.contains("no such table"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    match collect(&sh("echo '[{\"id\":1},'; sleep 30", 300), root.path()) {
        Err(SourceError::TimedOut { timeout, .. }) => {
            assert_eq!(timeout, Duration::from_millis(300))
        }
        other => panic!("{other:?}"),
    }
    // Closed its output but hangs: still bounded by the timeout.
    match collect(&sh("exec >&-; sleep 30", 300), root.path()) {
        Err(SourceError::TimedOut { .. }) => {}
        other => panic!("{other:?}"),
    }
    match collect(
        &Source::Command(CommandSource {
            argv: vec!["/nonexistent/psql".into()],
            timeout: Duration::from_secs(5),
            cwd: None,
            hide_env: Vec::new(),
        }),
        root.path(),
    ) {
        Err(e @ SourceError::NotStarted { .. }) => {
            assert!(e.to_string().contains("/nonexistent/psql"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        collect(&sh("kill -9 $$", 10_000), root.path()),
        Err(SourceError::CommandFailed { .. })
    ));
}

#[test]
fn a_daemon_holding_the_output_does_not_outlast_the_timeout() {
    // The command exits at once, but a process it started in a session of
    // its own (outside the process group) keeps standard output open for a
    // minute. The run ends with the command (the supervisor ends the daemon)
    // and at the timeout at the latest (the read stops at the deadline).
    let root = tempfile::tempdir().unwrap();
    let pid_file = root.path().join("daemon.pid");
    let script = format!(
        "echo '{{\"id\":1}}'; setsid sh -c 'echo $$ > {}; exec sleep 60' & exit 0",
        pid_file.display()
    );
    let started = std::time::Instant::now();
    let outcome = collect(&sh(&script, 1_000), root.path());
    let took = started.elapsed();
    // Not a speed assertion: only that it did not wait for the daemon.
    let mut survived = false;
    if let Ok(pid) = fs::read_to_string(&pid_file)
        && let Ok(pid) = pid.trim().parse::<i32>()
    {
        // SAFETY: signal 0 checks, SIGKILL ends the test's own daemon.
        survived = unsafe { libc::kill(pid, 0) } == 0;
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(took < Duration::from_secs(30), "the read lasted {took:?}");
    assert!(!survived, "the daemon outlived the read");
    match outcome {
        Ok((seen, _)) => assert_eq!(seen, ["1"]),
        Err(SourceError::TimedOut { timeout, .. }) => {
            assert_eq!(timeout, Duration::from_secs(1))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_halfway_through_a_command_is_counted_and_the_rest_read() {
    let root = tempfile::tempdir().unwrap();
    let script = "echo '{\"id\":1}'; echo 'WARNING: garbage {'; echo '{\"id\":2}'";
    let (seen, report) = collect(&sh(script, 10_000), root.path()).unwrap();
    assert_eq!(seen, ["1", "2"]);
    assert_eq!(report.bad.count, 1);
    assert_eq!(report.bad.first[0].at, At::Line(2));
}

#[test]
fn stopping_early_ends_the_command_at_once() {
    let root = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let report = read(&sh("yes '{}'", 60_000), root.path(), |_, _| {
        ControlFlow::Break(())
    })
    .unwrap();
    assert!(report.stopped);
    assert_eq!(report.entities, 1);
    // Not a timing assertion on speed: only that it did not wait for the timeout.
    assert!(started.elapsed() < Duration::from_secs(50));
}

#[test]
fn raw_rows_come_whole_without_their_cr_and_a_refused_row_is_a_bad_row() {
    let root = tempfile::tempdir().unwrap();
    // Long enough that 64 KiB chunks cut some lines and hold others whole.
    let mut text = String::new();
    for i in 0..20_000 {
        if i % 7 == 3 {
            text.push_str(&format!("{{\"id\":\"refused-{i}\"}}\r\n"));
        } else {
            text.push_str(&format!("{{\"id\":\"{i:0>40}\"}}\r\n"));
        }
    }
    fs::write(root.path().join("rows.jsonl"), &text).unwrap();
    let mut rows = Vec::new();
    let report = read_rows(
        &Source::File("rows.jsonl".into()),
        root.path(),
        |at, row| {
            let row = std::str::from_utf8(row).map_err(|e| e.to_string())?;
            if row.contains("refused") {
                return Err("refused by the caller".to_string());
            }
            rows.push((at.clone(), row.to_string()));
            Ok(ControlFlow::Continue(()))
        },
    )
    .unwrap();
    let refused = (0..20_000).filter(|i| i % 7 == 3).count();
    assert_eq!(rows.len(), 20_000 - refused);
    assert_eq!(report.entities, rows.len() as u64);
    assert_eq!(report.bad.count, refused as u64);
    assert_eq!(
        report.bad.first[0],
        BadRow {
            at: At::Line(4),
            reason: "refused by the caller".into()
        }
    );
    let expected: Vec<(At, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.contains("refused"))
        .map(|(n, l)| (At::Line(n as u64 + 1), l.to_string()))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn a_fifo_or_a_device_is_refused_not_waited_for() {
    let root = tempfile::tempdir().unwrap();
    let fifo = root.path().join("entities.jsonl");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    std::fs::create_dir(root.path().join("dir")).unwrap();
    std::os::unix::fs::symlink(&fifo, root.path().join("dir/a.json")).unwrap();
    // A FIFO nobody writes to used to block the run (and its lock) forever.
    // The reads run on a thread so a regression fails instead of hanging.
    let dir = root.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let read = |source: Source| {
            read(&source, &dir, |_, _| ControlFlow::Continue(()))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let _ = tx.send((
            read(Source::File("entities.jsonl".into())),
            read(Source::Dir("dir".into())),
            read(Source::File("/dev/zero".into())),
        ));
    });
    let (file, dir, device) = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("reading a FIFO source blocked");
    let file = file.unwrap_err();
    assert!(
        file.contains("entities.jsonl") && file.contains("it is a FIFO, not a regular file"),
        "{file}"
    );
    assert!(dir.unwrap_err().contains("a.json"));
    assert!(device.unwrap_err().contains("it is a device"));
}

#[test]
fn a_cut_array_counts_its_elements_in_words() {
    let cut = |elements| {
        SourceError::Truncated {
            source_name: "s".into(),
            elements,
        }
        .to_string()
    };
    assert!(cut(1).ends_with("(after 1 element)"), "{}", cut(1));
    assert!(cut(0).ends_with("(after 0 elements)"), "{}", cut(0));
    assert!(cut(2).ends_with("(after 2 elements)"), "{}", cut(2));
}
