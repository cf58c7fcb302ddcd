//! The operator messages of design §5 step 3 (and the flapping messages of §4),
//! as pure functions of the wake. Every message starts with
//! `{mark} Probe alert · {probe}`; the whole text is cut to a chat-safe length
//! with a visible marker.

use serde_json::Value;

use super::request::{Observation, WakeRequest};
use crate::channel::{CHAT_LIMIT, Message, truncate};
use crate::engine::ErrorCode;
use crate::severity::Severity;

/// The most characters of the observations line in a fallback message.
const OBSERVATIONS_LIMIT: usize = 300;

/// How many recent results a fallback message lists.
const RECENT_LIMIT: usize = 5;

/// `🚨 Probe alert · fly`.
pub fn title(severity: Severity, probe: &str) -> String {
    format!("{} Probe alert · {probe}", severity.mark())
}

fn message(severity: Severity, probe: &str, body: &str) -> Message {
    let subject = title(severity, probe);
    let text = truncate(&format!("{subject}\n{}", body.trim_end()), CHAT_LIMIT);
    Message {
        severity,
        subject,
        text,
        thread: Default::default(),
    }
}

/// The engine's diagnosis under the title line.
pub fn investigation(wake: &WakeRequest, diagnosis: &str) -> Message {
    message(wake.severity, &wake.probe, diagnosis.trim())
}

/// What the operator gets when the engine is not configured or failed: the
/// wake itself, its observations and recent results, and the engine's code.
pub fn fallback(wake: &WakeRequest, recent: &[Observation], code: &ErrorCode) -> Message {
    let summary = if wake.summary.is_empty() {
        "(no summary)"
    } else {
        &wake.summary
    };
    let mut body = format!("{} ({}): {summary}\n", wake.probe, wake.severity);
    let (output, others) = split_output(&wake.observations);
    let observed = render_observations(&others);
    // A category that is the state's name says nothing the severity does not.
    let category = Some(&wake.category).filter(|c| !crate::severity::is_state_name(c));
    match (category, observed.is_empty()) {
        (Some(category), true) => body.push_str(&format!("Category: {category}\n")),
        (Some(category), false) => body.push_str(&format!("Category: {category} · {observed}\n")),
        (None, false) => body.push_str(&format!("Observed: {observed}\n")),
        (None, true) => {}
    }
    if !output.is_empty() {
        body.push_str("Output:\n");
        for line in output_lines(output) {
            body.push_str(&format!("  {line}\n"));
        }
    }
    if !recent.is_empty() {
        let shown = &recent[recent.len().saturating_sub(RECENT_LIMIT)..];
        let statuses: Vec<&str> = shown.iter().map(|o| o.status.as_str()).collect();
        body.push_str(&format!(
            "Recent results (oldest first): {}\n",
            statuses.join(" → ")
        ));
    }
    match code {
        // A deliberate set-up, not a failure.
        ErrorCode::Unavailable => {
            body.push_str("Sent without investigation (no engine configured).")
        }
        _ => body.push_str(&format!(
            "I was unable to investigate — engine returned: {code}"
        )),
    }
    message(wake.severity, &wake.probe, &body)
}

/// The one message of a flapping episode.
pub fn flapping(wake: &WakeRequest) -> Message {
    let mut body = format!(
        "{} is flapping ({}): its results keep changing between OK and failing. \
         I will not send one message per wake; I will say when it settles.",
        wake.probe, wake.category
    );
    if !wake.summary.is_empty() {
        body.push_str(&format!("\nLatest: {}", wake.summary));
    }
    message(wake.severity, &wake.probe, &body)
}

/// The end of a flapping episode: `now` says how the probe is ("OK", or
/// "failing steadily (critical, machine_down)").
pub fn settled(probe: &str, severity: Severity, now: &str, summary: &str) -> Message {
    let mut body = format!("{probe} has stopped flapping; it is now {now}.");
    if !summary.is_empty() {
        body.push_str(&format!("\nLatest: {summary}"));
    }
    message(severity, probe, &body)
}

/// The most lines of a probe's output (`long_output`) in a fallback message,
/// and the most characters of each.
const OUTPUT_LINES: usize = 5;
const OUTPUT_LINE_CHARS: usize = 160;

/// The probe's `long_output` (its text, several lines) apart from the other
/// observations (rendered on one line).
fn split_output(observations: &Value) -> (&str, Value) {
    match observations {
        Value::Object(map) => {
            let output = map
                .get("long_output")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let mut others = map.clone();
            if !output.is_empty() {
                others.remove("long_output");
            }
            (output.trim(), Value::Object(others))
        }
        other => ("", other.clone()),
    }
}

/// At most [`OUTPUT_LINES`] non-blank lines of `output`, each cut to
/// [`OUTPUT_LINE_CHARS`], control characters escaped; a last `…` when
/// lines were left out.
fn output_lines(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut shown: Vec<String> = lines
        .iter()
        .take(OUTPUT_LINES)
        .map(|line| {
            let line: String = line
                .trim_end()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if line.chars().count() <= OUTPUT_LINE_CHARS {
                line
            } else {
                let cut: String = line.chars().take(OUTPUT_LINE_CHARS - 1).collect();
                format!("{cut}…")
            }
        })
        .collect();
    if lines.len() > OUTPUT_LINES {
        shown.push("…".to_string());
    }
    shown
}

/// `key=value, …` of an observations object (strings with spaces quoted,
/// nested values as compact JSON), cut to one or two lines.
pub fn render_observations(observations: &Value) -> String {
    let rendered = match observations {
        Value::Null => String::new(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", render_value(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => render_value(other),
    };
    let flat = rendered.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= OBSERVATIONS_LIMIT {
        flat
    } else {
        let cut: String = flat.chars().take(OBSERVATIONS_LIMIT - 1).collect();
        format!("{cut}…")
    }
}

fn render_value(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() || s.contains([' ', ',', '=']) => format!("{s:?}"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wake::request::Envelope;
    use serde_json::json;

    fn wake(severity: Severity) -> WakeRequest {
        WakeRequest {
            id: "w".into(),
            ts: crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap(),
            probe: "fly".into(),
            category: "machine_down".into(),
            severity,
            summary: "Fly app(s) unreachable: HTTP 401".into(),
            observations: json!({"status": "unhealthy", "error": "HTTP 401", "machines": 0}),
            envelope: Envelope::default(),
            flapping: false,
            down_since: None,
        }
    }

    fn observed(status: &str) -> Observation {
        Observation {
            ts: crate::clock::parse_ts("2026-05-24T07:55:00Z").unwrap(),
            status: status.into(),
            summary: String::new(),
        }
    }

    #[test]
    fn investigation_message() {
        let m = investigation(
            &wake(Severity::Critical),
            "  The Fly API rejects the token.\nNext step: rotate it.\n",
        );
        assert_eq!(m.subject, "🚨 Probe alert · fly");
        insta::assert_snapshot!(m.text, @r"
        🚨 Probe alert · fly
        The Fly API rejects the token.
        Next step: rotate it.
        ");
    }

    #[test]
    fn marks_per_severity() {
        assert_eq!(title(Severity::Critical, "a"), "🚨 Probe alert · a");
        assert_eq!(title(Severity::Warning, "a"), "⚠️ Probe alert · a");
        assert_eq!(title(Severity::Info, "a"), "ℹ️ Probe alert · a");
    }

    #[test]
    fn fallback_message() {
        let recent = [observed("ok"), observed("critical"), observed("critical")];
        let m = fallback(&wake(Severity::Critical), &recent, &ErrorCode::Unavailable);
        insta::assert_snapshot!(m.text, @r#"
        🚨 Probe alert · fly
        fly (critical): Fly app(s) unreachable: HTTP 401
        Category: machine_down · error="HTTP 401", machines=0, status=unhealthy
        Recent results (oldest first): ok → critical → critical
        Sent without investigation (no engine configured).
        "#);
    }

    #[test]
    fn fallback_without_observations() {
        let mut w = wake(Severity::Warning);
        w.observations = Value::Null;
        w.summary.clear();
        let m = fallback(&w, &[], &ErrorCode::Http(401));
        insta::assert_snapshot!(m.text, @r"
        ⚠️ Probe alert · fly
        fly (warning): (no summary)
        Category: machine_down
        I was unable to investigate — engine returned: engine_http_401
        ");
    }

    #[test]
    fn fallback_shows_the_output_as_capped_lines_and_leaves_out_a_state_category() {
        let mut w = wake(Severity::Critical);
        w.category = "critical".into();
        w.summary = "HTTP 503 in 2 ms (expected 2xx)".into();
        let output: String = (1..=7).map(|i| format!("line {i}\n")).collect();
        w.observations = json!({"long_output": output, "size": 302});
        let m = fallback(&w, &[], &ErrorCode::Unavailable);
        insta::assert_snapshot!(m.text, @r"
        🚨 Probe alert · fly
        fly (critical): HTTP 503 in 2 ms (expected 2xx)
        Observed: size=302
        Output:
          line 1
          line 2
          line 3
          line 4
          line 5
          …
        Sent without investigation (no engine configured).
        ");
        let long = "x".repeat(500);
        assert_eq!(output_lines(&long)[0].chars().count(), OUTPUT_LINE_CHARS);
        assert_eq!(output_lines("a\tb\n\n  \nc"), ["a b", "c"]);
        w.observations = json!({"long_output": "only"});
        let m = fallback(&w, &[], &ErrorCode::Unavailable);
        assert!(
            m.text.contains("(expected 2xx)\nOutput:\n  only\n"),
            "{}",
            m.text
        );
    }

    #[test]
    fn flapping_messages() {
        let w = wake(Severity::Warning);
        insta::assert_snapshot!(flapping(&w).text, @r"
        ⚠️ Probe alert · fly
        fly is flapping (machine_down): its results keep changing between OK and failing. I will not send one message per wake; I will say when it settles.
        Latest: Fly app(s) unreachable: HTTP 401
        ");
        insta::assert_snapshot!(
            settled("fly", Severity::Critical, "failing steadily (critical, machine_down)", "HTTP 401").text,
            @r"
        🚨 Probe alert · fly
        fly has stopped flapping; it is now failing steadily (critical, machine_down).
        Latest: HTTP 401
        "
        );
        insta::assert_snapshot!(settled("fly", Severity::Info, "OK", "").text, @r"
        ℹ️ Probe alert · fly
        fly has stopped flapping; it is now OK.
        ");
    }

    #[test]
    fn long_text_is_cut_with_a_marker() {
        let m = investigation(&wake(Severity::Info), &"word ".repeat(2000));
        assert!(m.text.chars().count() <= CHAT_LIMIT);
        assert!(m.text.starts_with("ℹ️ Probe alert · fly\nword"));
        assert!(
            m.text.contains("[truncated: "),
            "{}",
            &m.text[m.text.len() - 80..]
        );
    }

    #[test]
    fn observations_are_rendered_on_one_bounded_line() {
        assert_eq!(render_observations(&json!(null)), "");
        assert_eq!(
            render_observations(&json!({"a": "x y", "b": [1, 2], "c": {"d": true}, "e": ""})),
            r#"a="x y", b=[1,2], c={"d":true}, e="""#
        );
        let big = json!({"k": "v".repeat(1000)});
        let line = render_observations(&big);
        assert_eq!(line.chars().count(), OBSERVATIONS_LIMIT);
        assert!(!line.contains('\n'));
    }
}
