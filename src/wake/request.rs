//! The rows `wake consume` reads, as values: a `probe.wake_requested` row
//! (design §3: probe, issue_category, severity, summary, observations, envelope,
//! and `flapping` while the probe flaps, §4), a `probe.recovered` row, and the
//! result of a `probe.observed` row kept for the prompt.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::audit::{ID_NAMESPACE, Record};
use crate::severity::Severity;

/// A wake request.
#[derive(Debug, Clone, PartialEq)]
pub struct WakeRequest {
    /// The row's `id`; for a row without one, a deterministic id derived from
    /// the line itself, so a replay finds the same id.
    pub id: String,
    pub ts: DateTime<Utc>,
    pub probe: String,
    pub category: String,
    pub severity: Severity,
    pub summary: String,
    /// `details.observations`: an object (or null when absent).
    pub observations: Value,
    pub envelope: Envelope,
    pub flapping: bool,
    /// `details.down_since`: the first non-OK result of the episode, which
    /// names its incident (design §6a); absent from rows of other writers.
    pub down_since: Option<DateTime<Utc>>,
}

/// Whether a fix envelope is configured for the probe (it is never executed
/// here: design §5 step 5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    pub enabled: bool,
    pub fix_name: Option<String>,
}

/// A `probe.recovered` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub id: String,
    pub ts: DateTime<Utc>,
    pub probe: String,
    pub category: String,
    pub summary: String,
}

/// One result of a probe, as the prompt shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub ts: DateTime<Utc>,
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
}

/// The longest summary kept from a row (prompts and messages stay small).
const SUMMARY_LIMIT: usize = 500;

/// The row's id, or a v5 id of the raw line when it has none.
pub fn row_id(record: &Record, raw: &[u8]) -> String {
    match &record.id {
        Some(id) if !id.trim().is_empty() => id.clone(),
        _ => Uuid::new_v5(&ID_NAMESPACE, raw).to_string(),
    }
}

fn text(details: &Value, field: &str) -> Option<String> {
    details
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One line, at most `SUMMARY_LIMIT` characters.
pub fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= SUMMARY_LIMIT {
        flat
    } else {
        let cut: String = flat.chars().take(SUMMARY_LIMIT - 1).collect();
        format!("{cut}…")
    }
}

/// The probe and category of a row, or what is missing.
fn key(details: &Value) -> Result<(String, String), String> {
    let probe = text(details, "probe").ok_or("details.probe is missing or not a string")?;
    let category = text(details, "issue_category")
        .ok_or("details.issue_category is missing or not a string")?;
    Ok((probe, category))
}

/// Reads a wake request. `Err` says why the row cannot be used; a severity
/// that is missing or unknown is read as warning, with a note in `Ok`'s second
/// value (the wake still reaches the operator).
pub fn parse_wake(record: &Record, raw: &[u8]) -> Result<(WakeRequest, Option<String>), String> {
    let details = &record.details;
    let (probe, category) = key(details)?;
    let (severity, note) = match details.get("severity").and_then(Value::as_str) {
        Some(s) => match s.parse::<Severity>() {
            Ok(severity) => (severity, None),
            Err(e) => (Severity::Warning, Some(format!("{e}; read as warning"))),
        },
        None => (
            Severity::Warning,
            Some("details.severity is missing; read as warning".to_string()),
        ),
    };
    let envelope = details.get("envelope");
    Ok((
        WakeRequest {
            id: row_id(record, raw),
            ts: record.ts,
            probe,
            category,
            severity,
            summary: text(details, "summary")
                .map(|s| one_line(&s))
                .unwrap_or_default(),
            observations: details.get("observations").cloned().unwrap_or(Value::Null),
            envelope: Envelope {
                enabled: envelope
                    .and_then(|e| e.get("enabled"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                fix_name: envelope.and_then(|e| text(e, "fix_name")),
            },
            flapping: details
                .get("flapping")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            down_since: text(details, "down_since").and_then(|s| crate::clock::parse_ts(&s).ok()),
        },
        note,
    ))
}

pub fn parse_recovery(record: &Record, raw: &[u8]) -> Result<Recovery, String> {
    let (probe, category) = key(&record.details)?;
    Ok(Recovery {
        id: row_id(record, raw),
        ts: record.ts,
        probe,
        category,
        summary: text(&record.details, "summary")
            .map(|s| one_line(&s))
            .unwrap_or_default(),
    })
}

/// A `probe.observed` row: the probe, its result, and what it says about
/// flapping (`probe run` marks every observation; other writers may not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub id: String,
    pub probe: String,
    pub observation: Observation,
    pub flapping: Option<bool>,
}

/// Reads a `probe.observed` row.
pub fn parse_observed(record: &Record, raw: &[u8]) -> Result<Observed, String> {
    let (probe, observation) = parse_observation(record)?;
    Ok(Observed {
        id: row_id(record, raw),
        probe,
        observation,
        flapping: record.details.get("flapping").and_then(Value::as_bool),
    })
}

/// The probe name and result of a `probe.observed` row.
pub fn parse_observation(record: &Record) -> Result<(String, Observation), String> {
    let details = &record.details;
    let probe = text(details, "probe").ok_or("details.probe is missing or not a string")?;
    let status = text(details, "status").ok_or("details.status is missing or not a string")?;
    Ok((
        probe,
        Observation {
            ts: record.ts,
            status,
            summary: text(details, "summary")
                .map(|s| one_line(&s))
                .unwrap_or_default(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: Option<&str>, details: Value) -> Record {
        Record {
            id: id.map(str::to_string),
            ts: crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap(),
            kind: "probe.wake_requested".into(),
            correlation_key: None,
            details,
        }
    }

    #[test]
    fn reads_a_full_wake() {
        let r = record(
            Some("w-1"),
            json!({"probe": "fly", "issue_category": "machine_down", "severity": "critical",
                   "summary": "Fly app(s)\nunreachable:   HTTP 401", "observations": {"error": "HTTP 401"},
                   "envelope": {"enabled": true, "fix_name": "restart"}, "flapping": true}),
        );
        let (wake, note) = parse_wake(&r, b"raw").unwrap();
        assert_eq!(note, None);
        assert_eq!(wake.id, "w-1");
        assert_eq!(wake.summary, "Fly app(s) unreachable: HTTP 401");
        assert_eq!(wake.severity, Severity::Critical);
        assert!(wake.flapping);
        assert_eq!(
            wake.envelope,
            Envelope {
                enabled: true,
                fix_name: Some("restart".into())
            }
        );
    }

    #[test]
    fn defaults_and_errors() {
        let r = record(None, json!({"probe": "a", "issue_category": "down"}));
        let (wake, note) = parse_wake(&r, b"line").unwrap();
        assert_eq!(wake.severity, Severity::Warning);
        assert!(note.unwrap().contains("missing"));
        assert_eq!(wake.id, Uuid::new_v5(&ID_NAMESPACE, b"line").to_string());
        assert!(!wake.flapping && !wake.envelope.enabled);
        let r = record(
            None,
            json!({"probe": "a", "issue_category": "down", "severity": "loud"}),
        );
        assert!(parse_wake(&r, b"x").unwrap().1.unwrap().contains("loud"));
        let r = record(None, json!({"probe": "", "issue_category": "down"}));
        assert!(parse_wake(&r, b"x").unwrap_err().contains("details.probe"));
        let r = record(None, json!({"probe": "a", "issue_category": 3}));
        assert!(
            parse_wake(&r, b"x")
                .unwrap_err()
                .contains("details.issue_category")
        );
    }

    #[test]
    fn long_summaries_are_cut() {
        let long = "x".repeat(2000);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), SUMMARY_LIMIT);
        assert!(cut.ends_with('…'));
    }
}
