//! One probe's result, and how a finished process becomes one (design §4): the
//! exit code of the plugin API, or the JSON object's status; a code above 3, a
//! signal, a timeout or a failure to start is UNKNOWN with the reason in the
//! summary. Pure: a description of what the process did in, a result out.

use std::time::Duration;

use serde_json::{Map, Value};

use super::nagios::{self, Perf, Status};

/// What one run of one probe found.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    pub status: Status,
    pub summary: String,
    pub long_output: String,
    pub perfdata: Vec<Perf>,
    /// Performance data items that did not parse, with why.
    pub perf_errors: Vec<String>,
    /// The JSON probe's `category`.
    pub category: Option<String>,
    /// The JSON probe's `observations`.
    pub observations: Map<String, Value>,
    /// The process's exit code (exec probes that exited).
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    /// The probe could not be started at all (the run then exits 1).
    pub failed_to_start: bool,
    /// Standard output was longer than `output_limit` and was cut.
    pub output_cut: bool,
    /// The first lines of standard error, when there were any.
    pub stderr: String,
}

impl ProbeResult {
    pub fn new(status: Status, summary: impl Into<String>, duration: Duration) -> ProbeResult {
        ProbeResult {
            status,
            summary: summary.into(),
            long_output: String::new(),
            perfdata: Vec::new(),
            perf_errors: Vec::new(),
            category: None,
            observations: Map::new(),
            exit_code: None,
            duration_ms: duration.as_millis() as u64,
            failed_to_start: false,
            output_cut: false,
            stderr: String::new(),
        }
    }
}

pub use crate::store::process::{End, Finished};

/// How much of standard error is kept in a result.
pub const STDERR_KEEP: usize = 1000;

/// The largest JSON object a probe may print (design §4): it is parsed whole,
/// whatever `output_limit` keeps; beyond it the result is UNKNOWN (also when
/// a larger `output_limit` let more be read).
pub const JSON_LIMIT: usize = 1024 * 1024;

/// How many bytes of a probe's standard output are read: enough to parse a
/// JSON object whole, and at least what `output_limit` keeps.
pub fn read_limit(output_limit: usize) -> usize {
    output_limit.max(JSON_LIMIT)
}

/// Reads a finished exec probe as a JSON probe or as a Nagios plugin. Its
/// standard output was read up to [`read_limit`]: a JSON object is decided on
/// whole, then cut to `output_limit` bytes of what is kept (design §4); plugin
/// text is cut to `output_limit` first (its state is the exit code).
pub fn interpret(finished: &Finished, output_limit: usize) -> ProbeResult {
    let stdout = String::from_utf8_lossy(&finished.stdout);
    let stderr = first_chars(
        String::from_utf8_lossy(&finished.stderr).trim(),
        STDERR_KEEP,
    );
    let mut result = ProbeResult::new(Status::Unknown, "", finished.duration);
    result.output_cut = finished.stdout_cut;
    result.stderr = stderr.clone();

    // Why the exit code cannot be believed, if it cannot.
    let abnormal: Option<String> = match &finished.end {
        End::NotStarted(reason) => {
            result.failed_to_start = true;
            result.summary = format!("cannot start: {reason}");
            return result;
        }
        End::Exited(code) => {
            result.exit_code = Some(*code);
            None
        }
        End::Signaled(signal) => Some(format!("killed by signal {signal}{}", signal_name(*signal))),
        End::TimedOut(after) => Some(format!(
            "timed out after {} (killed with its process group)",
            seconds(*after)
        )),
    };

    // A JSON object cut at the read limit cannot be decided on: saying
    // anything but UNKNOWN would be a guess (an `ok` read from a prefix).
    let too_large = finished.stdout_cut || finished.stdout.len() > JSON_LIMIT;
    if too_large && stdout.trim_start().starts_with('{') {
        result.status = Status::Unknown;
        let why = format!(
            "output too large: standard output starts like a JSON object but is over {JSON_LIMIT} bytes, the most a JSON probe may print"
        );
        result.summary = match &abnormal {
            Some(first) => format!("{first}: {why}"),
            None => why,
        };
        return result;
    }

    if let Some(json) = nagios::parse_json(&stdout) {
        match json {
            Ok(answer) => {
                result.status = if abnormal.is_some() {
                    Status::Unknown
                } else {
                    answer.status
                };
                let summary = answer.summary.unwrap_or_else(|| {
                    format!("{} (JSON probe without a summary)", answer.status.upper())
                });
                let mut summary = match &abnormal {
                    Some(why) => format!("{why}: {summary}"),
                    None => summary,
                };
                let mut observations = answer.observations;
                // Decided on the whole object; only now is what is kept cut.
                if keep_within(&mut summary, &mut observations, output_limit) {
                    result.output_cut = true;
                }
                result.summary = summary;
                result.category = answer.category;
                result.observations = observations;
            }
            Err(why) => {
                result.status = Status::Unknown;
                result.summary = match &abnormal {
                    Some(first) => format!("{first}: {why}"),
                    None => why,
                };
            }
        }
        return result;
    }

    let kept = first_bytes(&stdout, output_limit);
    if kept.len() < stdout.len() {
        result.output_cut = true;
    }
    let text = nagios::parse_text(kept);
    let mut summary = text.summary;
    if summary.is_empty() {
        summary = match stderr.lines().map(str::trim).find(|line| !line.is_empty()) {
            Some(line) => line.to_string(),
            None => "(no output)".to_string(),
        };
    }
    result.long_output = text.long_output;
    result.perfdata = text.perfdata;
    result.perf_errors = text.perf_errors;
    let reason = match (&abnormal, &finished.end) {
        (Some(why), _) => Some(why.clone()),
        (None, End::Exited(code)) => match Status::from_exit_code(*code) {
            Some(status) => {
                result.status = status;
                None
            }
            None => Some(format!(
                "exit code {code} (a plugin exits 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN)"
            )),
        },
        (None, _) => None,
    };
    result.summary = match reason {
        Some(why) => {
            result.status = Status::Unknown;
            format!("{why}: {summary}")
        }
        None => summary,
    };
    result
}

/// The longest prefix of `text` of at most `limit` bytes that ends on a
/// character boundary.
pub fn first_bytes(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Below this many bytes of room, a value that does not fit is left out
/// rather than cut to a stub.
const MIN_CUT_ROOM: usize = 24;

/// Cuts what a JSON probe's answer keeps to `limit` bytes: the summary first
/// (to `limit`, marked with `…`), then the observations, measured as the JSON
/// they are written as. The smallest observations are kept whole while they
/// fit (so one huge value does not push out every other); then each that did
/// not fit, in key order, is kept as its text cut to the room left (marked
/// `…`), or left out when little room is left. Returns whether anything was
/// cut.
pub fn keep_within(
    summary: &mut String,
    observations: &mut Map<String, Value>,
    limit: usize,
) -> bool {
    let mut cut = false;
    if summary.len() > limit {
        let keep = first_bytes(summary, limit.saturating_sub('…'.len_utf8())).len();
        summary.truncate(keep);
        summary.push('…');
        cut = true;
    }
    let room = limit.saturating_sub(summary.len());
    if json_len(&Value::Object(observations.clone())) <= room {
        return cut;
    }
    // Each entry's size as written: `"key":value` and a `,` (one too many,
    // which pays for the `{}` around them with a byte to spare).
    let mut entries: Vec<(String, Value, usize, usize)> = std::mem::take(observations)
        .into_iter()
        .map(|(key, value)| {
            let key_len = json_len(&Value::String(key.clone())) + 2;
            let value_len = json_len(&value);
            (key, value, key_len, value_len)
        })
        .collect();
    let mut used = 1;
    entries.sort_by_key(|(_, _, key_len, value_len)| key_len + value_len);
    let mut left_over = Vec::new();
    for (key, value, key_len, value_len) in entries {
        if used + key_len + value_len <= room {
            used += key_len + value_len;
            observations.insert(key, value);
        } else {
            left_over.push((key, value, key_len));
        }
    }
    left_over.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, value, key_len) in left_over {
        let left = room.saturating_sub(used + key_len);
        if left < MIN_CUT_ROOM {
            continue;
        }
        let text = match value {
            Value::String(text) => text,
            other => other.to_string(),
        };
        let kept = cut_to_json_len(&text, left);
        used += key_len + json_len(&Value::String(kept.clone()));
        observations.insert(key, Value::String(kept));
    }
    true
}

/// The length of `value` written as compact JSON.
fn json_len(value: &Value) -> usize {
    serde_json::to_string(value).map_or(0, |s| s.len())
}

/// The longest prefix of `text`, plus `…`, whose JSON string (quotes and
/// escapes included) is at most `room` bytes; just `…` when none fits.
fn cut_to_json_len(text: &str, room: usize) -> String {
    let fits = |n: usize| json_len(&Value::String(format!("{}…", first_bytes(text, n)))) <= room;
    // Binary search on the byte length of the prefix (escapes only grow it).
    let (mut low, mut high) = (0, text.len().min(room));
    while low < high {
        let mid = (low + high).div_ceil(2);
        if fits(mid) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    format!("{}…", first_bytes(text, low))
}

/// `1.5s`, `10s`, `250ms`.
pub fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGHUP => " (SIGHUP)",
        libc::SIGINT => " (SIGINT)",
        libc::SIGQUIT => " (SIGQUIT)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGPIPE => " (SIGPIPE)",
        libc::SIGTERM => " (SIGTERM)",
        _ => "",
    }
}

/// At most `n` characters of `text`.
pub fn first_chars(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(end: End, stdout: &str) -> Finished {
        Finished {
            end,
            stdout: stdout.as_bytes().to_vec(),
            stdout_cut: false,
            stderr: Vec::new(),
            duration: Duration::from_millis(12),
        }
    }

    /// Interprets with the default `output_limit`.
    fn interpret_all(f: &Finished) -> ProbeResult {
        interpret(f, 10_000)
    }

    #[test]
    fn a_json_object_is_decided_whole_then_cut_to_the_limit() {
        let log = "x".repeat(20_000);
        let out = serde_json::json!({
            "status": "critical", "category": "disk_full", "summary": "disk full",
            "observations": {"n": 3, "log": log, "after": "kept if it fits"}
        })
        .to_string();
        let r = interpret(&finished(End::Exited(0), &out), 1000);
        assert_eq!(r.status, Status::Critical, "decided on the whole object");
        assert_eq!(r.category.as_deref(), Some("disk_full"));
        assert_eq!(r.summary, "disk full");
        assert!(r.output_cut);
        assert_eq!(r.observations["n"], 3);
        assert_eq!(r.observations["after"], "kept if it fits");
        let kept = r.observations["log"].as_str().unwrap();
        assert!(kept.starts_with("xxx") && kept.ends_with('…'), "{kept}");
        let size = serde_json::to_string(&r.observations).unwrap().len() + r.summary.len();
        assert!(size <= 1000, "{size}");
        assert!(size > 900, "the room is used: {size}");

        // Small enough: nothing cut.
        let r = interpret(&finished(End::Exited(0), &out), 30_000);
        assert!(!r.output_cut);
        assert_eq!(r.observations["log"].as_str().unwrap().len(), 20_000);
    }

    #[test]
    fn a_json_object_over_the_read_limit_is_unknown() {
        let mut f = finished(
            End::Exited(0),
            r#"{"status":"ok","summary":"fine","observations":{"x":""#,
        );
        f.stdout_cut = true;
        let r = interpret(&f, 10_000);
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.starts_with("output too large"), "{}", r.summary);
        assert!(r.summary.contains(&JSON_LIMIT.to_string()), "{}", r.summary);
        // Over 1 MiB though a larger output_limit read it all: still too large.
        let big = format!(
            r#"{{"status":"ok","observations":{{"x":"{}"}}}}"#,
            "x".repeat(JSON_LIMIT)
        );
        let r = interpret(&finished(End::Exited(0), &big), 4 * JSON_LIMIT);
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.starts_with("output too large"), "{}", r.summary);
        // Plugin text cut at the read limit keeps its exit code's state.
        let mut f = finished(End::Exited(2), "CRITICAL - huge\nmore");
        f.stdout_cut = true;
        let r = interpret(&f, 10_000);
        assert_eq!(r.status, Status::Critical);
        assert!(r.output_cut);
    }

    #[test]
    fn plugin_text_is_cut_to_the_limit_on_a_character_boundary() {
        let text = format!("OK - {} | a=1\nlong\n", "é".repeat(100));
        let r = interpret(&finished(End::Exited(0), &text), 80);
        assert_eq!(r.status, Status::Ok);
        assert!(r.output_cut);
        assert!(
            r.summary.len() <= 80 && r.summary.ends_with('é'),
            "{}",
            r.summary
        );
        assert!(r.perfdata.is_empty(), "the perfdata was past the limit");
        let r = interpret(&finished(End::Exited(0), &text), 10_000);
        assert!(!r.output_cut);
        assert_eq!(r.perfdata.len(), 1);
    }

    #[test]
    fn keep_within_cuts_summary_then_observations() {
        let obs = |v: serde_json::Value| v.as_object().unwrap().clone();
        // Fits: untouched.
        let (mut summary, mut o) = ("s".to_string(), obs(serde_json::json!({"a": 1})));
        assert!(!keep_within(&mut summary, &mut o, 100));
        assert_eq!(o["a"], 1);
        // A long summary is cut first, and leaves no room for observations.
        let (mut summary, mut o) = ("y".repeat(200), obs(serde_json::json!({"a": 1})));
        assert!(keep_within(&mut summary, &mut o, 100));
        assert_eq!(summary.len(), 100);
        assert!(summary.ends_with('…'));
        assert!(o.is_empty());
        // Small values are kept whole first; then a value that does not fit
        // is kept as cut text, and one left with too little room is left out.
        let (mut summary, mut o) = (
            String::new(),
            obs(
                serde_json::json!({"list": (0..100).collect::<Vec<_>>(), "big": "z".repeat(500), "k": 1}),
            ),
        );
        assert!(keep_within(&mut summary, &mut o, 120));
        assert_eq!(o["k"], 1);
        let big = o["big"].as_str().unwrap();
        assert!(big.starts_with("zzz") && big.ends_with('…'), "{big}");
        assert!(!o.contains_key("list"), "{o:?}");
        assert!(serde_json::to_string(&o).unwrap().len() <= 120, "{o:?}");
        // A non-string value that does not fit is kept as its JSON text, cut.
        let (mut summary, mut o) = (
            String::new(),
            obs(serde_json::json!({"list": (0..100).collect::<Vec<_>>()})),
        );
        assert!(keep_within(&mut summary, &mut o, 60));
        let list = o["list"].as_str().unwrap();
        assert!(list.starts_with("[0,1,2,") && list.ends_with('…'), "{list}");
        assert!(serde_json::to_string(&o).unwrap().len() <= 60, "{o:?}");
        // Escapes count: a string of quotes is cut by its JSON length.
        let (mut summary, mut o) = (
            String::new(),
            obs(serde_json::json!({"q": "\"".repeat(200)})),
        );
        assert!(keep_within(&mut summary, &mut o, 100));
        assert!(serde_json::to_string(&o).unwrap().len() <= 100, "{o:?}");
        // A limit below the braces keeps nothing, without panicking.
        let (mut summary, mut o) = ("abc".to_string(), obs(serde_json::json!({"a": "b"})));
        assert!(keep_within(&mut summary, &mut o, 1));
        assert!(o.is_empty());
    }

    #[test]
    fn exit_codes_0_to_3_are_states() {
        for (code, status) in [
            (0, Status::Ok),
            (1, Status::Warning),
            (2, Status::Critical),
            (3, Status::Unknown),
        ] {
            let r = interpret_all(&finished(End::Exited(code), "TEXT | t=1s\nlong\n"));
            assert_eq!(r.status, status);
            assert_eq!(r.summary, "TEXT");
            assert_eq!(r.long_output, "long");
            assert_eq!(r.perfdata.len(), 1);
            assert_eq!(r.exit_code, Some(code));
            assert_eq!(r.duration_ms, 12);
        }
    }

    #[test]
    fn other_codes_signals_and_timeouts_are_unknown_with_the_reason() {
        let r = interpret_all(&finished(End::Exited(4), "OK - looks fine\n"));
        assert_eq!(r.status, Status::Unknown);
        assert!(
            r.summary.starts_with("exit code 4 (") && r.summary.ends_with(": OK - looks fine"),
            "{}",
            r.summary
        );
        let r = interpret_all(&finished(End::Exited(127), ""));
        assert!(r.summary.contains("exit code 127") && r.summary.ends_with("(no output)"));
        let r = interpret_all(&finished(End::Signaled(15), "partial"));
        assert_eq!(r.status, Status::Unknown);
        assert_eq!(r.summary, "killed by signal 15 (SIGTERM): partial");
        assert_eq!(r.exit_code, None);
        let r = interpret_all(&finished(End::TimedOut(Duration::from_secs(10)), ""));
        assert_eq!(r.status, Status::Unknown);
        assert!(
            r.summary.starts_with("timed out after 10s"),
            "{}",
            r.summary
        );
        let r = interpret_all(&finished(End::NotStarted("permission denied".into()), ""));
        assert!(r.failed_to_start);
        assert_eq!(r.summary, "cannot start: permission denied");
    }

    #[test]
    fn stderr_speaks_when_stdout_is_silent() {
        let mut f = finished(End::Exited(2), "");
        f.stderr = b"\nsh: check_foo: not found\nmore\n".to_vec();
        let r = interpret_all(&f);
        assert_eq!(r.summary, "sh: check_foo: not found");
        assert!(r.stderr.contains("more"));
    }

    #[test]
    fn json_status_wins_over_the_exit_code() {
        let r = interpret_all(&finished(
            End::Exited(0),
            r#"{"status":"Critical","category":"queue_stalled","summary":"3 stalled","observations":{"n":3}}"#,
        ));
        assert_eq!(r.status, Status::Critical);
        assert_eq!(r.category.as_deref(), Some("queue_stalled"));
        assert_eq!(r.summary, "3 stalled");
        assert_eq!(r.observations["n"], 3);
        assert_eq!(r.exit_code, Some(0));

        let r = interpret_all(&finished(End::Exited(2), r#"{"status":"ok"}"#));
        assert_eq!(r.status, Status::Ok);
        assert!(r.summary.contains("without a summary"));

        let r = interpret_all(&finished(End::Exited(0), r#"{"status":"fine"}"#));
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("\"fine\""), "{}", r.summary);

        let r = interpret_all(&finished(
            End::TimedOut(Duration::from_millis(1500)),
            r#"{"status":"ok","summary":"x"}"#,
        ));
        assert_eq!(r.status, Status::Unknown);
        assert!(
            r.summary.starts_with("timed out after 1.5s"),
            "{}",
            r.summary
        );
    }

    #[test]
    fn non_utf8_is_replaced() {
        let mut f = finished(End::Exited(0), "");
        f.stdout = b"OK \xff\xfe caf\xc3\xa9 | a=1\n".to_vec();
        let r = interpret_all(&f);
        assert_eq!(r.status, Status::Ok);
        assert!(r.summary.contains('\u{fffd}') && r.summary.contains("café"));
        assert_eq!(r.perfdata[0].label, "a");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(seconds(Duration::from_millis(250)), "250ms");
        assert_eq!(seconds(Duration::from_secs(10)), "10s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5s");
        assert_eq!(first_chars("héllo", 2), "hé…");
        assert_eq!(first_chars("hé", 2), "hé");
    }
}
