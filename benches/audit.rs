//! Benchmark of the audit log substrate (issue 2). Not a test: it prints
//! numbers. Run with
//!
//!     cargo bench --bench audit                 # 1 GB log (default)
//!     TEND_BENCH_BYTES=200000000 cargo bench --bench audit
//!
//! It generates a log shaped like design §3 rows in 30 daily segments (kinds:
//! `probe.observed` in 60 % of rows, `probe.wake_requested` in 5 %, the rest
//! spread over other kinds), then reports, in the same run:
//!
//! - `cat` of every segment to /dev/null (the disk/page-cache baseline);
//! - the tail reader (`AuditLog::reader(..).scan`) selecting the 5 % kind, the
//!   60 % kind, and every row, in GB/s of log scanned;
//! - the windowed scan (`audit::window`, what `tend promote observe` reads
//!   with), over a 31-day window: a 5 % kind counted per probe (selective), and
//!   the 60 % kind aggregated per (probe, status) with its durations summed
//!   (full aggregation), details deserialized into borrowed structs; on one
//!   thread and on the scan's default threads, in GB/s of log scanned;
//! - wall time of no-op commands on that root (`tend status` with the wake
//!   cursor at the end of the log, `tend audit tail`) against `true`.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tend::audit::window::{Part, ScanReport, Select, Window, WindowScan};
use tend::audit::{AuditLog, Item, Position};

const SEGMENTS: usize = 30;

fn generate(dir: &Path, total: u64) -> (u64, u64) {
    std::fs::create_dir_all(dir).unwrap();
    let per_segment = total / SEGMENTS as u64;
    let (mut rows, mut bytes) = (0u64, 0u64);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for day in 0..SEGMENTS {
        let date =
            chrono::NaiveDate::from_ymd_opt(2026, 4, 25).unwrap() + chrono::Days::new(day as u64);
        let path = dir.join(format!("{}.jsonl", date.format("%Y-%m-%d")));
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
        let mut written = 0u64;
        let mut i = 0u64;
        while written < per_segment {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pick = state % 100;
            let ts = format!(
                "{}T{:02}:{:02}:{:02}.{:03}Z",
                date.format("%Y-%m-%d"),
                (i / 3600) % 24,
                (i / 60) % 60,
                i % 60,
                i % 1000
            );
            let id = format!(
                "0190f3c2-{:04x}-7{:03x}-8{:03x}-{:012x}",
                day,
                i % 4096,
                (state >> 20) % 4096,
                state >> 16
            );
            let probe = ["fly", "api", "db", "queue", "disk"][(state >> 8) as usize % 5];
            let line = if pick < 5 {
                format!(
                    r#"{{"id":"{id}","ts":"{ts}","kind":"probe.wake_requested","correlation_key":"probe:{probe}:machine_down","details":{{"probe":"{probe}","issue_category":"machine_down","severity":"critical","summary":"Fly app(s) unreachable: HTTP 401","observations":{{"latency_ms":{},"http_status":401}},"envelope":{{"enabled":false,"fix_name":null}},"flapping":false}}}}"#,
                    state % 900
                )
            } else if pick < 65 {
                format!(
                    r#"{{"id":"{id}","ts":"{ts}","kind":"probe.observed","details":{{"probe":"{probe}","status":"ok","summary":"OK - answering in {}ms","perfdata":[{{"label":"latency","value":0.{},"uom":"s"}}],"duration_ms":{},"exit_code":0}}}}"#,
                    state % 90,
                    state % 999,
                    state % 400
                )
            } else if pick < 80 {
                format!(
                    r#"{{"id":"{id}","ts":"{ts}","kind":"inference.recorded","details":{{"route":"slack_dm","model":"gpt-4o-mini","input_tokens":{},"output_tokens":{},"cost_usd":0.0004,"latency_ms":{},"escalated":{}}}}}"#,
                    state % 3000,
                    state % 600,
                    state % 4000,
                    pick.is_multiple_of(2)
                )
            } else if pick < 92 {
                format!(
                    r#"{{"id":"{id}","ts":"{ts}","kind":"reasoning.tool_called","details":{{"route":"slack_dm","tool_name":"search_docs","caller_session_id":"INC-{}"}}}}"#,
                    state % 10_000
                )
            } else {
                format!(
                    r#"{{"id":"{id}","ts":"{ts}","kind":"notification.dispatched","details":{{"channel":"slack_dm","ref":"probe:{probe}:machine_down","severity":"critical","category":"machine_down","status":"ok"}}}}"#
                )
            };
            out.write_all(line.as_bytes()).unwrap();
            out.write_all(b"\n").unwrap();
            written += line.len() as u64 + 1;
            i += 1;
        }
        out.flush().unwrap();
        rows += i;
        bytes += written;
    }
    (rows, bytes)
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

fn gbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}

fn scan(log: &AuditLog, kinds: &[&str], today: chrono::DateTime<chrono::Utc>) -> (u64, u64) {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    let mut reader = log.reader(&kinds, today);
    let (mut rows, mut malformed) = (0u64, 0u64);
    reader
        .scan(&Position::default(), |item| {
            match item {
                Item::Row(_) => rows += 1,
                _ => malformed += 1,
            }
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
    (rows, malformed)
}

/// `probe.wake_requested` rows counted per probe.
#[derive(Default)]
struct Wakes(HashMap<String, u64>);

#[derive(serde::Deserialize)]
struct Wake<'a> {
    #[serde(borrow)]
    probe: std::borrow::Cow<'a, str>,
}

impl Select for Wakes {
    type Details<'a> = Wake<'a>;
    fn row(&mut self, _: usize, _: chrono::DateTime<chrono::Utc>, d: Wake<'_>) {
        match self.0.get_mut(d.probe.as_ref()) {
            Some(n) => *n += 1,
            None => {
                self.0.insert(d.probe.into_owned(), 1);
            }
        }
    }
}

/// `probe.observed` rows per (probe, status), with their durations summed.
#[derive(Default)]
struct Observed(HashMap<String, HashMap<String, (u64, u64)>>);

#[derive(serde::Deserialize)]
struct Observation<'a> {
    #[serde(borrow)]
    probe: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    status: std::borrow::Cow<'a, str>,
    duration_ms: u64,
}

impl Select for Observed {
    type Details<'a> = Observation<'a>;
    fn row(&mut self, _: usize, _: chrono::DateTime<chrono::Utc>, d: Observation<'_>) {
        // Keys are copied only the first time they are seen.
        let statuses = match self.0.get_mut(d.probe.as_ref()) {
            Some(statuses) => statuses,
            None => self.0.entry(d.probe.into_owned()).or_default(),
        };
        let e = match statuses.get_mut(d.status.as_ref()) {
            Some(e) => e,
            None => statuses.entry(d.status.into_owned()).or_default(),
        };
        e.0 += 1;
        e.1 += d.duration_ms;
    }
}

/// One windowed scan of every segment for `kind` on at most `workers`
/// threads: rows selected and skipped.
fn window_scan<S: Select + Default + Send>(
    audit: &Path,
    kind: &'static str,
    today: chrono::DateTime<chrono::Utc>,
    workers: usize,
    merge: fn(&mut S, S),
) -> (u64, u64) {
    let kinds = [kind];
    let window = Window::ending(today, chrono::TimeDelta::days(31));
    let mut scan = WindowScan::new(audit, today, &kinds, window).with_workers(workers);
    let parts: Vec<Part> = scan
        .segments()
        .unwrap()
        .into_iter()
        .map(|name| Part {
            path: audit.join(&name),
            label: name,
            finished: true,
            start: 0,
        })
        .collect();
    let mut report = ScanReport::default();
    for read in scan.read_parts::<S>(&parts, merge).unwrap() {
        report.absorb(read.report);
    }
    (report.rows.iter().sum(), report.skipped)
}

/// Minimum and median wall time of `runs` runs of a command.
fn command_time(program: &str, args: &[&str], root: &Path, runs: usize) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let status = Command::new(program)
                .args(args)
                .env("TEND_ROOT", root)
                .env("TEND_NOW", "2026-05-24T12:00:00Z")
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            let elapsed = started.elapsed();
            assert!(
                status.success() || program == "true",
                "{program} {args:?} failed: {status}"
            );
            elapsed
        })
        .collect();
    times.sort();
    (times[0], times[runs / 2])
}

fn main() {
    let total: u64 = std::env::var("TEND_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000_000);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let audit = root.join("audit");
    let ((rows, bytes), gen_time) = time(|| generate(&audit, total));
    println!(
        "generated {rows} rows, {bytes} bytes in {SEGMENTS} segments ({:.1}s)",
        gen_time.as_secs_f64()
    );

    let segments: Vec<String> = tend::store::tail::segments(&audit).unwrap();
    let paths: Vec<_> = segments.iter().map(|s| audit.join(s)).collect();
    // Warm the page cache once so every measurement reads the same way.
    Command::new("cat")
        .args(&paths)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();

    let log = AuditLog::new(&audit);
    let today = chrono::DateTime::parse_from_rfc3339("2026-05-24T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    for round in 1..=2 {
        let (_, cat) = time(|| {
            Command::new("cat")
                .args(&paths)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap()
        });
        let ((n5, _), t5) = time(|| scan(&log, &["probe.wake_requested"], today));
        let ((n60, _), t60) = time(|| scan(&log, &["probe.observed"], today));
        let ((nall, bad), tall) = time(|| scan(&log, &[], today));
        assert_eq!(bad, 0);
        println!("round {round}:");
        println!(
            "  cat                                  {:>7.3}s  {:>6.2} GB/s",
            cat.as_secs_f64(),
            gbps(bytes, cat)
        );
        println!(
            "  reader, kind in  5% ({n5:>9} rows)  {:>7.3}s  {:>6.2} GB/s",
            t5.as_secs_f64(),
            gbps(bytes, t5)
        );
        println!(
            "  reader, kind in 60% ({n60:>9} rows)  {:>7.3}s  {:>6.2} GB/s",
            t60.as_secs_f64(),
            gbps(bytes, t60)
        );
        println!(
            "  reader, every row   ({nall:>9} rows)  {:>7.3}s  {:>6.2} GB/s",
            tall.as_secs_f64(),
            gbps(bytes, tall)
        );
    }

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    for round in 1..=2 {
        println!("windowed scan, 31-day window, round {round}:");
        for workers in [1, threads] {
            let ((n5, bad5), t5) = time(|| {
                window_scan::<Wakes>(&audit, "probe.wake_requested", today, workers, |a, b| {
                    for (probe, n) in b.0 {
                        *a.0.entry(probe).or_default() += n;
                    }
                })
            });
            let ((n60, bad60), t60) = time(|| {
                window_scan::<Observed>(&audit, "probe.observed", today, workers, |a, b| {
                    for (probe, statuses) in b.0 {
                        let mine = a.0.entry(probe).or_default();
                        for (status, (n, ms)) in statuses {
                            let e = mine.entry(status).or_default();
                            e.0 += n;
                            e.1 += ms;
                        }
                    }
                })
            });
            assert_eq!((bad5, bad60), (0, 0));
            println!(
                "  {workers} thread(s), kind in  5%, per probe   ({n5:>9} rows)  {:>7.3}s  {:>6.2} GB/s",
                t5.as_secs_f64(),
                gbps(bytes, t5)
            );
            println!(
                "  {workers} thread(s), kind in 60%, full aggregation ({n60:>9} rows)  {:>7.3}s  {:>6.2} GB/s",
                t60.as_secs_f64(),
                gbps(bytes, t60)
            );
        }
    }

    // No-op commands: the wake cursor sits at the end of the log.
    let cursor =
        tend::store::cursor::Cursor::stamp(&audit, "", "2026-05-24T12:00:00.000Z").unwrap();
    tend::store::atomic::write_json(&root.join("state/wake.cursor.json"), &cursor).unwrap();
    let tend_bin = env!("CARGO_BIN_EXE_tend");
    let runs = 50;
    let (t_min, t_med) = command_time("true", &[], root, runs);
    println!("no-op commands on that root, {runs} runs each (min / median):");
    println!(
        "  true                         {:>7.2}ms / {:>7.2}ms",
        t_min.as_secs_f64() * 1e3,
        t_med.as_secs_f64() * 1e3
    );
    for args in [
        &["status"][..],
        &["audit", "tail"][..],
        &["audit", "tail", "--kind", "probe.wake_requested", "-n", "1"][..],
    ] {
        let (min, med) = command_time(tend_bin, args, root, runs);
        println!(
            "  tend {:<24} {:>7.2}ms / {:>7.2}ms  (+{:.2}ms over true, median)",
            args.join(" "),
            min.as_secs_f64() * 1e3,
            med.as_secs_f64() * 1e3,
            (med.as_secs_f64() - t_med.as_secs_f64()) * 1e3
        );
    }
}
