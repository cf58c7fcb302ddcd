//! The investigation prompt of design §5 step 3: the probe, category, severity,
//! summary, the wake's observations, the probe's recent results, the fix
//! envelope's posture, and the instruction to diagnose in 2–4 sentences plus one
//! next step without ever claiming that a fix was executed. Pure.

use super::message::render_observations;
use super::request::{Observation, WakeRequest};
use crate::engine::Prompt;

const SYSTEM: &str = "You are the on-call assistant of an operator who runs a small fleet of \
services and an AI agent platform. A health probe has asked for attention. You investigate \
only: nothing will be executed to fix anything, and you have no tools. Never claim that a fix \
was applied, executed, restarted or rolled back.";

/// Builds the prompt for one wake. `recent` are the probe's latest results,
/// oldest first.
pub fn build(wake: &WakeRequest, recent: &[Observation]) -> Prompt {
    let mut user = String::new();
    user.push_str("A health probe requested attention.\n\n");
    user.push_str(&format!("Probe: {}\n", wake.probe));
    user.push_str(&format!("Issue category: {}\n", wake.category));
    user.push_str(&format!("Severity: {}\n", wake.severity));
    user.push_str(&format!(
        "Summary: {}\n",
        if wake.summary.is_empty() {
            "(none)"
        } else {
            &wake.summary
        }
    ));
    let observed = render_observations(&wake.observations);
    if !observed.is_empty() {
        user.push_str(&format!("Observations: {observed}\n"));
    }
    if recent.is_empty() {
        user.push_str("Recent results of this probe: none recorded.\n");
    } else {
        user.push_str("Recent results of this probe (oldest first):\n");
        for o in recent {
            let summary = if o.summary.is_empty() {
                String::new()
            } else {
                format!(": {}", o.summary)
            };
            user.push_str(&format!(
                "- {} {}{summary}\n",
                crate::clock::format_ts(o.ts),
                o.status
            ));
        }
    }
    match (&wake.envelope.enabled, &wake.envelope.fix_name) {
        (true, Some(name)) => user.push_str(&format!(
            "Fix envelope: enabled ({name}), but no fix will be executed by this investigation.\n"
        )),
        (true, None) => user.push_str(
            "Fix envelope: enabled, but no fix will be executed by this investigation.\n",
        ),
        (false, Some(name)) => user.push_str(&format!(
            "Fix envelope: disabled ({name}); no fix will be executed.\n"
        )),
        (false, None) => user.push_str("Fix envelope: none; no fix will be executed.\n"),
    }
    user.push_str(
        "\nDiagnose the most likely cause in 2 to 4 sentences of plain prose, then give exactly \
one next step for the operator on its own line, starting with \"Next step:\". Answer with prose \
only: no JSON, no code blocks, no tool calls. No fix will be executed: do not claim that you or \
anyone ran, applied or executed a fix.",
    );
    Prompt {
        system: SYSTEM.to_string(),
        user,
    }
}

/// The next-step sentence of an answer: the line starting with "Next step"
/// (any case, any bullet before it), else the answer's last sentence.
pub fn next_step(answer: &str) -> String {
    for line in answer.lines() {
        // Markdown emphasis and list bullets are decoration, not content.
        let plain = line.replace("**", "").replace("__", "");
        let trimmed = plain.trim().trim_start_matches(['-', '*', '•', ' ']);
        if trimmed
            .get(..9)
            .is_some_and(|head| head.eq_ignore_ascii_case("next step"))
        {
            return trimmed.trim().to_string();
        }
    }
    let flat = answer.split_whitespace().collect::<Vec<_>>().join(" ");
    let body = flat.trim_end_matches(['.', '!', '?']);
    let start = body.rfind(['.', '!', '?']).map(|i| i + 1).unwrap_or(0);
    flat[start..].trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::severity::Severity;
    use crate::wake::request::Envelope;
    use serde_json::json;

    fn wake(envelope: Envelope) -> WakeRequest {
        WakeRequest {
            id: "w".into(),
            ts: crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap(),
            probe: "fly".into(),
            category: "machine_down".into(),
            severity: Severity::Critical,
            summary: "Fly app(s) unreachable: HTTP 401".into(),
            observations: json!({"error": "HTTP 401"}),
            envelope,
            flapping: false,
            down_since: None,
        }
    }

    #[test]
    fn prompt_names_everything_and_forbids_fix_claims() {
        let recent = [Observation {
            ts: crate::clock::parse_ts("2026-05-24T07:55:00Z").unwrap(),
            status: "critical".into(),
            summary: "HTTP 401".into(),
        }];
        let p = build(
            &wake(Envelope {
                enabled: true,
                fix_name: Some("restart_api".into()),
            }),
            &recent,
        );
        insta::assert_snapshot!(p.user, @r#"
        A health probe requested attention.

        Probe: fly
        Issue category: machine_down
        Severity: critical
        Summary: Fly app(s) unreachable: HTTP 401
        Observations: error="HTTP 401"
        Recent results of this probe (oldest first):
        - 2026-05-24T07:55:00.000Z critical: HTTP 401
        Fix envelope: enabled (restart_api), but no fix will be executed by this investigation.

        Diagnose the most likely cause in 2 to 4 sentences of plain prose, then give exactly one next step for the operator on its own line, starting with "Next step:". Answer with prose only: no JSON, no code blocks, no tool calls. No fix will be executed: do not claim that you or anyone ran, applied or executed a fix.
        "#);
        assert!(p.system.contains("Never claim that a fix"));
    }

    #[test]
    fn envelope_postures() {
        let none = build(&wake(Envelope::default()), &[]);
        assert!(
            none.user
                .contains("Fix envelope: none; no fix will be executed.")
        );
        assert!(
            none.user
                .contains("Recent results of this probe: none recorded.")
        );
        let disabled = build(
            &wake(Envelope {
                enabled: false,
                fix_name: Some("restart".into()),
            }),
            &[],
        );
        assert!(disabled.user.contains("Fix envelope: disabled (restart)"));
    }

    #[test]
    fn next_step_extraction() {
        assert_eq!(
            next_step(
                "The token expired. It was rotated yesterday.\nNext step: rotate the Fly API token."
            ),
            "Next step: rotate the Fly API token."
        );
        assert_eq!(
            next_step("Cause.\n- **Next step:** check the disk."),
            "Next step: check the disk."
        );
        assert_eq!(
            next_step("The disk is full. Free space on /var."),
            "Free space on /var."
        );
        assert_eq!(next_step("One sentence only"), "One sentence only");
        assert_eq!(next_step(""), "");
    }
}
