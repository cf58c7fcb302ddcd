//! One probe's result, and how a finished process becomes one (SPEC §4): the
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

/// Reads a finished exec probe as a JSON probe or as a Nagios plugin.
pub fn interpret(finished: &Finished) -> ProbeResult {
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
                result.summary = match &abnormal {
                    Some(why) => format!("{why}: {summary}"),
                    None => summary,
                };
                result.category = answer.category;
                result.observations = answer.observations;
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

    let text = nagios::parse_text(&stdout);
    let mut summary = text.summary;
    if summary.is_empty() {
        summary = match stderr.lines().next() {
            Some(line) if !line.trim().is_empty() => line.trim().to_string(),
            _ => "(no output)".to_string(),
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

    #[test]
    fn exit_codes_0_to_3_are_states() {
        for (code, status) in [
            (0, Status::Ok),
            (1, Status::Warning),
            (2, Status::Critical),
            (3, Status::Unknown),
        ] {
            let r = interpret(&finished(End::Exited(code), "TEXT | t=1s\nlong\n"));
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
        let r = interpret(&finished(End::Exited(4), "OK - looks fine\n"));
        assert_eq!(r.status, Status::Unknown);
        assert!(
            r.summary.starts_with("exit code 4 (") && r.summary.ends_with(": OK - looks fine"),
            "{}",
            r.summary
        );
        let r = interpret(&finished(End::Exited(127), ""));
        assert!(r.summary.contains("exit code 127") && r.summary.ends_with("(no output)"));
        let r = interpret(&finished(End::Signaled(15), "partial"));
        assert_eq!(r.status, Status::Unknown);
        assert_eq!(r.summary, "killed by signal 15 (SIGTERM): partial");
        assert_eq!(r.exit_code, None);
        let r = interpret(&finished(End::TimedOut(Duration::from_secs(10)), ""));
        assert_eq!(r.status, Status::Unknown);
        assert!(
            r.summary.starts_with("timed out after 10s"),
            "{}",
            r.summary
        );
        let r = interpret(&finished(End::NotStarted("permission denied".into()), ""));
        assert!(r.failed_to_start);
        assert_eq!(r.summary, "cannot start: permission denied");
    }

    #[test]
    fn stderr_speaks_when_stdout_is_silent() {
        let mut f = finished(End::Exited(2), "");
        f.stderr = b"\nsh: check_foo: not found\nmore\n".to_vec();
        let r = interpret(&f);
        assert_eq!(r.summary, "sh: check_foo: not found");
        assert!(r.stderr.contains("more"));
    }

    #[test]
    fn json_status_wins_over_the_exit_code() {
        let r = interpret(&finished(
            End::Exited(0),
            r#"{"status":"Critical","category":"queue_stalled","summary":"3 stalled","observations":{"n":3}}"#,
        ));
        assert_eq!(r.status, Status::Critical);
        assert_eq!(r.category.as_deref(), Some("queue_stalled"));
        assert_eq!(r.summary, "3 stalled");
        assert_eq!(r.observations["n"], 3);
        assert_eq!(r.exit_code, Some(0));

        let r = interpret(&finished(End::Exited(2), r#"{"status":"ok"}"#));
        assert_eq!(r.status, Status::Ok);
        assert!(r.summary.contains("without a summary"));

        let r = interpret(&finished(End::Exited(0), r#"{"status":"fine"}"#));
        assert_eq!(r.status, Status::Unknown);
        assert!(r.summary.contains("\"fine\""), "{}", r.summary);

        let r = interpret(&finished(
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
        let r = interpret(&f);
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
