//! The audit log (design §3): the bus between commands and between `tend` and the
//! platform. Append-only JSON Lines, one segment per UTC day.
//!
//! `tend` writes only kinds from the closed [`Kind`] vocabulary, so a typo is a
//! compile error. Readers accept any kind.

pub mod cache;
mod fast;
pub mod window;

use std::borrow::Cow;
use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::clock::format_ts;
use crate::store::cursor::Cursor;
pub use crate::store::tail::Position;
use crate::store::{jsonl, tail};

/// Namespace of `tend`'s deterministic (v5) row ids.
pub const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6c1e_2f0a_7d3b_5e48_9a61_0b5c_d4e3_f201);

macro_rules! kinds {
    ($($variant:ident = $name:literal, written_by: $by:literal, requires: [$($field:literal),*];)*) => {
        /// Every kind `tend` writes (design §3), and the platform kinds it reads.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind { $($variant),* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self { $(Kind::$variant => $name),* }
            }

            /// Who writes rows of this kind.
            pub const fn written_by(self) -> &'static str {
                match self { $(Kind::$variant => $by),* }
            }

            /// The `details` fields a row of this kind must carry.
            pub const fn required_details(self) -> &'static [&'static str] {
                match self { $(Kind::$variant => &[$($field),*]),* }
            }
        }

        impl FromStr for Kind {
            type Err = String;
            fn from_str(s: &str) -> Result<Kind, String> {
                match s {
                    $($name => Ok(Kind::$variant),)*
                    other => Err(format!(
                        "unknown kind {other:?}: expected one of {}",
                        [$($name),*].join(", ")
                    )),
                }
            }
        }
    };
}

kinds! {
    ProbeObserved = "probe.observed", written_by: "probe run", requires: ["probe", "status"];
    ProbeWakeRequested = "probe.wake_requested", written_by: "probe run", requires: ["probe", "issue_category", "severity"];
    ProbeRecovered = "probe.recovered", written_by: "probe run", requires: ["probe", "issue_category"];
    ProbeWakeDebounced = "probe.wake_debounced", written_by: "wake consume", requires: ["probe", "issue_category", "wake_id", "reason"];
    ProbeInvestigationCompleted = "probe.investigation_completed", written_by: "wake consume", requires: ["probe", "issue_category", "wake_id", "engine_status"];
    InferenceRecorded = "inference.recorded", written_by: "wake consume, the platform", requires: ["route", "model"];
    NotificationDispatched = "notification.dispatched", written_by: "wake consume, alerts", requires: ["channel", "ref", "status"];
    IncidentOpened = "incident.opened", written_by: "wake consume, alerts notify", requires: ["incident_id", "alert_id", "severity", "started_at"];
    IncidentUpdated = "incident.updated", written_by: "wake consume, alerts notify", requires: ["incident_id", "alert_id", "severity", "started_at"];
    IncidentResolved = "incident.resolved", written_by: "alerts notify", requires: ["incident_id", "alert_id", "severity", "started_at", "resolved_at"];
    PromotionRouterTriggerProposed = "promotion.router_trigger_proposed", written_by: "promote propose", requires: ["proposal_id", "loop"];
    PromotionToolTrimProposed = "promotion.tool_trim_proposed", written_by: "promote propose", requires: ["proposal_id", "loop"];
    PromotionProbeEnvelopeActionProposed = "promotion.probe_envelope_action_proposed", written_by: "promote propose", requires: ["proposal_id", "loop"];
    PromotionApproved = "promotion.approved", written_by: "promote", requires: ["proposal_id", "loop"];
    PromotionRejected = "promotion.rejected", written_by: "promote", requires: ["proposal_id", "loop"];
    PromotionExpired = "promotion.expired", written_by: "promote", requires: ["proposal_id", "loop"];
    WatcherFlagged = "watcher.flagged", written_by: "watchers tick", requires: ["watcher", "entity_id", "decision_id"];
    GcCheckpointRemoved = "gc.checkpoint_removed", written_by: "gc checkpoints", requires: ["thread_id", "base_session_id", "bytes", "store"];
    GcAuditRemoved = "gc.audit_removed", written_by: "gc audit", requires: ["segment", "bytes", "rows"];
    ReasoningToolCalled = "reasoning.tool_called", written_by: "the platform", requires: ["route", "tool_name"];
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A row `tend` writes (read back only where a writer keeps rows it has
/// yet to append, as the wake ledger does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub id: Uuid,
    #[serde(serialize_with = "serialize_ts")]
    pub ts: DateTime<Utc>,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_key: Option<String>,
    pub details: Value,
}

fn serialize_ts<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_ts(*t))
}

impl Row {
    /// A row recording an event: a time-ordered (v7) id.
    pub fn new(kind: Kind, ts: DateTime<Utc>, details: Value) -> Row {
        Row {
            id: Uuid::now_v7(),
            ts,
            kind,
            correlation_key: None,
            details,
        }
    }

    /// A row recording a deterministic fact: the same `fact` gives the same id.
    pub fn deterministic(kind: Kind, ts: DateTime<Utc>, fact: &str, details: Value) -> Row {
        let name = format!("{}:{fact}", kind.as_str());
        Row {
            id: Uuid::new_v5(&ID_NAMESPACE, name.as_bytes()),
            ts,
            kind,
            correlation_key: None,
            details,
        }
    }

    pub fn with_correlation_key(mut self, key: impl Into<String>) -> Row {
        self.correlation_key = Some(key.into());
        self
    }

    /// Checks a correlation key: non-empty text without control characters.
    pub fn check_correlation_key(key: &str) -> Result<(), String> {
        if key.is_empty() || key.contains(char::is_control) {
            return Err(
                "a correlation key must be non-empty text without control characters".into(),
            );
        }
        Ok(())
    }

    /// Checks that `details` is an object carrying the kind's required fields.
    pub fn check_details(kind: Kind, details: &Value) -> Result<(), String> {
        let Some(object) = details.as_object() else {
            return Err(format!("details of a {kind} row must be a JSON object"));
        };
        let missing: Vec<&str> = kind
            .required_details()
            .iter()
            .copied()
            .filter(|f| !object.contains_key(*f))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "details of a {kind} row lack {}",
                missing.join(", ")
            ));
        }
        // The readers skip a row whose required field has the wrong type
        // (wake consume would pass over a wake with `"probe": 123`), so such a
        // row is refused here rather than accepted and then never acted on.
        let wrong: Vec<String> = kind
            .required_details()
            .iter()
            .filter_map(|field| {
                let value = &object[*field];
                let expected = match *field {
                    "bytes" | "rows" => (!value.is_u64()).then_some("a whole number, 0 or more"),
                    _ => value
                        .as_str()
                        .is_none_or(|s| s.trim().is_empty())
                        .then_some("non-empty text"),
                }?;
                Some(format!("{field} must be {expected}, not {value}"))
            })
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("details of a {kind} row: {}", wrong.join("; ")))
        }
    }
}

/// The most a `tend audit emit --batch` may read from standard input.
pub const MAX_BATCH_BYTES: usize = 64 << 20;

/// One line of `tend audit emit --batch`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchLine {
    kind: String,
    details: Value,
    #[serde(default)]
    correlation_key: Option<String>,
}

/// Parses the JSON Lines of `tend audit emit --batch` (`{kind, details,
/// correlation_key?}` per line; blank lines ignored) into rows stamped `now`.
/// Every line is checked: the error lists each bad line by its number, and
/// then no row is returned at all.
pub fn parse_batch(input: &[u8], now: DateTime<Utc>) -> Result<Vec<Row>, Vec<String>> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in input.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let number = index + 1;
        let parsed = serde_json::from_slice::<BatchLine>(line)
            .map_err(|e| format!("not a {{kind, details, correlation_key?}} object: {e}"))
            .and_then(|l| {
                let kind: Kind = l.kind.parse()?;
                Row::check_details(kind, &l.details)?;
                let row = Row::new(kind, now, l.details);
                match l.correlation_key {
                    Some(key) => {
                        Row::check_correlation_key(&key)?;
                        Ok(row.with_correlation_key(key))
                    }
                    None => Ok(row),
                }
            });
        match parsed {
            Ok(row) => rows.push(row),
            Err(e) => problems.push(format!("line {number}: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Rows as one batch of lines.
fn batch(rows: &[Row]) -> Result<Vec<u8>> {
    let mut batch = Vec::with_capacity(rows.len() * 256);
    for row in rows {
        serde_json::to_writer(&mut batch, row)?;
        batch.push(b'\n');
    }
    Ok(batch)
}

/// A row as read back: any kind, `details` as written.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Record {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub ts: DateTime<Utc>,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_key: Option<String>,
    #[serde(default)]
    pub details: Value,
}

/// The audit log of one root.
#[derive(Debug, Clone)]
pub struct AuditLog {
    dir: PathBuf,
}

/// `YYYY-MM-DD.jsonl` of the UTC day of `t`.
pub fn segment_name(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d.jsonl").to_string()
}

impl AuditLog {
    pub fn new(dir: impl Into<PathBuf>) -> AuditLog {
        AuditLog { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends `rows` as one batch to the segment of `now`'s day.
    pub fn append(&self, rows: &[Row], now: DateTime<Utc>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        jsonl::append(&self.dir.join(segment_name(now)), &batch(rows)?)?;
        Ok(())
    }

    /// Appends `rows` as [`AuditLog::append`] does, except that they are not
    /// yet durable (they survive a kill, not a power cut) until
    /// [`AuditLog::sync`] is called with the segment this returns.
    pub fn append_unsynced(&self, rows: &[Row], now: DateTime<Utc>) -> Result<PathBuf> {
        let segment = self.dir.join(segment_name(now));
        if !rows.is_empty() {
            jsonl::append_unsynced(&segment, &batch(rows)?)?;
        }
        Ok(segment)
    }

    /// Makes the rows appended to `segment` durable.
    pub fn sync(&self, segment: &Path) -> Result<()> {
        jsonl::sync(segment)?;
        Ok(())
    }

    /// Appends, as one batch, those of `rows` whose id is not already in a
    /// segment from the UTC day of `since` on: a writer that retries a row
    /// with a deterministic id after a kill (the row was appended, the state
    /// change that follows it was not) so adds no second copy. `since` is the
    /// earliest instant the first attempt can have run at; rows written before
    /// its day are not looked for. The caller holds its command's lock, so no
    /// other `tend` run appends the same ids meanwhile. Returns how many rows
    /// were appended.
    pub fn append_missing(
        &self,
        rows: &[Row],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        if rows.is_empty() {
            return Ok(0);
        }
        let mut kinds: Vec<String> = rows.iter().map(|r| r.kind.as_str().to_string()).collect();
        kinds.sort();
        kinds.dedup();
        let mut missing: std::collections::HashSet<String> =
            rows.iter().map(|r| r.id.to_string()).collect();
        let from = Position {
            segment: segment_name(since.min(now)),
            offset: 0,
        };
        self.reader(&kinds, now).scan(&from, |item| {
            if let Item::Row(row) = item
                && let Ok(IdOf { id: Some(id) }) = serde_json::from_slice::<IdOf<'_>>(row.raw)
            {
                missing.remove(id.as_ref());
                if missing.is_empty() {
                    return Ok(ControlFlow::Break(()));
                }
            }
            Ok(ControlFlow::Continue(()))
        })?;
        let rows: Vec<Row> = rows
            .iter()
            .filter(|r| missing.remove(&r.id.to_string()))
            .cloned()
            .collect();
        self.append(&rows, now)?;
        Ok(rows.len())
    }

    /// A reader over this log for `kinds` (empty = every kind), with `today`
    /// deciding which segments count as earlier days for torn lines.
    pub fn reader(&self, kinds: &[String], today: DateTime<Utc>) -> Reader {
        let needles: Vec<Vec<u8>> = kinds
            .iter()
            .map(|k| format!("\"{k}\"").into_bytes())
            .collect();
        Reader {
            scanner: tail::Scanner::new(&self.dir, &segment_name(today), &needles),
            kinds: kinds.to_vec(),
        }
    }
}

/// A row found by a [`Reader`], parsed only as far as its kind and time.
#[derive(Debug)]
pub struct RowRef<'a> {
    pub kind: Cow<'a, str>,
    pub ts: DateTime<Utc>,
    /// The line as written, without its newline.
    pub raw: &'a [u8],
    pub segment: &'a str,
    pub offset: u64,
    /// The position just after this row.
    pub next: Position,
}

impl RowRef<'_> {
    /// The full row.
    pub fn record(&self) -> Result<Record> {
        Ok(serde_json::from_slice(self.raw)?)
    }
}

/// What a [`Reader`] hands to its visitor.
#[derive(Debug)]
pub enum Item<'a> {
    Row(RowRef<'a>),
    /// Not JSON, or without a string `kind` or an RFC 3339 `ts`: skipped.
    Malformed {
        segment: &'a str,
        offset: u64,
        reason: String,
    },
    /// An unterminated last line of an earlier day's segment: skipped.
    Torn {
        segment: &'a str,
        offset: u64,
        len: u64,
    },
}

impl Item<'_> {
    /// The warning to print for a skipped line, e.g.
    /// `audit/2026-05-24.jsonl: byte 1234: skipped malformed line (…)`.
    pub fn warning(&self) -> Option<String> {
        match self {
            Item::Row(_) => None,
            Item::Malformed {
                segment,
                offset,
                reason,
            } => Some(format!(
                "audit/{segment}: byte {offset}: skipped malformed line ({reason})"
            )),
            Item::Torn {
                segment,
                offset,
                len,
            } => Some(format!(
                "audit/{segment}: byte {offset}: skipped torn last line ({len} bytes without a newline in an earlier day's segment)"
            )),
        }
    }
}

/// Only a row's id (what [`AuditLog::append_missing`] looks for).
#[derive(Deserialize)]
struct IdOf<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ts: Option<Cow<'a, str>>,
}

/// Reads rows of chosen kinds from a position on (see [`tail::Scanner`]).
pub struct Reader {
    scanner: tail::Scanner,
    kinds: Vec<String>,
}

impl Reader {
    /// Visits rows (and skipped lines) from `from` on; returns the position
    /// reached. Lines that only mention a kind elsewhere are passed over.
    pub fn scan<F>(&mut self, from: &Position, mut visit: F) -> Result<Position>
    where
        F: FnMut(Item<'_>) -> Result<ControlFlow<()>>,
    {
        let kinds = &self.kinds;
        self.scanner
            .scan(from, |event| Self::item(kinds, event, &mut visit))
    }

    /// Visits rows (and skipped lines) of every segment from `cursor`'s
    /// positions (design §3 "Reading positions"); returns the position reached
    /// in each segment where reading moved.
    pub fn scan_cursor<F>(&mut self, cursor: &Cursor, mut visit: F) -> Result<Vec<Position>>
    where
        F: FnMut(Item<'_>) -> Result<ControlFlow<()>>,
    {
        let kinds = &self.kinds;
        self.scanner.scan_each(
            |segment| cursor.start_of(segment),
            |event| Self::item(kinds, event, &mut visit),
        )
    }

    fn item<F>(kinds: &[String], event: tail::Event<'_>, visit: &mut F) -> Result<ControlFlow<()>>
    where
        F: FnMut(Item<'_>) -> Result<ControlFlow<()>>,
    {
        match event {
            tail::Event::Torn {
                segment,
                offset,
                len,
            } => visit(Item::Torn {
                segment,
                offset,
                len,
            }),
            tail::Event::Line {
                segment,
                offset,
                bytes,
                next,
            } => {
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return Ok(ControlFlow::Continue(()));
                }
                match parse_head(bytes) {
                    Ok((kind, ts)) => {
                        if !kinds.is_empty() && !kinds.iter().any(|k| *k == kind) {
                            return Ok(ControlFlow::Continue(()));
                        }
                        visit(Item::Row(RowRef {
                            kind,
                            ts,
                            raw: bytes,
                            segment,
                            offset,
                            next: Position {
                                segment: segment.to_string(),
                                offset: next,
                            },
                        }))
                    }
                    Err(reason) => visit(Item::Malformed {
                        segment,
                        offset,
                        reason,
                    }),
                }
            }
        }
    }
}

pub(crate) fn parse_head(line: &[u8]) -> Result<(Cow<'_, str>, DateTime<Utc>), String> {
    let head: Head<'_> = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
    let kind = head.kind.filter(|k| !k.is_empty()).ok_or("no \"kind\"")?;
    let ts = head.ts.ok_or("no \"ts\"")?;
    let ts = DateTime::parse_from_rfc3339(&ts)
        .map_err(|_| format!("\"ts\" {ts:?} is not an RFC 3339 timestamp"))?
        .with_timezone(&Utc);
    Ok((kind, ts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    #[test]
    fn kinds_round_trip_and_are_unique() {
        let mut names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>().unwrap(), *kind);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
        assert!(
            "probe.wake_requestd"
                .parse::<Kind>()
                .unwrap_err()
                .contains("probe.wake_requested")
        );
    }

    #[test]
    fn row_shape_matches_the_contract() {
        let row = Row::deterministic(
            Kind::ProbeRecovered,
            t("2026-05-24T08:00:00.1239Z"),
            "fly:x",
            json!({"probe": "fly", "issue_category": "x"}),
        )
        .with_correlation_key("probe:fly:x");
        let text = serde_json::to_string(&row).unwrap();
        assert!(text.starts_with("{\"id\":\""), "{text}");
        assert!(text.contains("\"ts\":\"2026-05-24T08:00:00.123Z\",\"kind\":\"probe.recovered\",\"correlation_key\":\"probe:fly:x\""), "{text}");
        let again = Row::deterministic(
            Kind::ProbeRecovered,
            t("2026-05-25T00:00:00Z"),
            "fly:x",
            json!({}),
        );
        assert_eq!(row.id, again.id);
        assert_eq!(row.id.get_version_num(), 5);
        assert_eq!(
            Row::new(Kind::ProbeObserved, t("2026-05-24"), json!({}))
                .id
                .get_version_num(),
            7
        );
    }

    #[test]
    fn a_batch_is_checked_whole_with_line_numbers() {
        let now = t("2026-05-24T08:00:00Z");
        let good = concat!(
            r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":"a"}}"#,
            "\n\n",
            r#"{"kind":"inference.recorded","details":{"route":"r","model":"m"},"correlation_key":"k"}"#,
        );
        let rows = parse_batch(good.as_bytes(), now).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].kind, Kind::InferenceRecorded);
        assert_eq!(rows[1].correlation_key.as_deref(), Some("k"));
        assert!(rows.iter().all(|r| r.ts == now));
        assert!(parse_batch(b"", now).unwrap().is_empty());

        let bad = [
            r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":"a"}}"#,
            r#"{"kind":"reasoning.tool_caled","details":{}}"#,
            r#"{"kind":"reasoning.tool_called","details":{"route":"r"}}"#,
            "not json",
            r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":"a"},"correlation_key":""}"#,
            r#"{"kind":"reasoning.tool_called","details":{"route":"r","tool_name":"a"},"extra":1}"#,
            r#"{"details":{}}"#,
            "[]",
        ]
        .join("\n");
        let problems = parse_batch(bad.as_bytes(), now).unwrap_err();
        let lines: Vec<&str> = problems
            .iter()
            .map(|p| p.split(':').next().unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8"
            ],
            "{problems:?}"
        );
        assert!(problems[0].contains("unknown kind"), "{}", problems[0]);
        assert!(problems[1].contains("lack tool_name"), "{}", problems[1]);
        assert!(problems[4].contains("unknown field"), "{}", problems[4]);
        assert!(
            problems[5].contains("missing field `kind`"),
            "{}",
            problems[5]
        );
    }

    #[test]
    fn details_are_checked() {
        assert!(
            Row::check_details(Kind::ProbeObserved, &json!({"probe": "a", "status": "ok"})).is_ok()
        );
        assert!(Row::check_details(Kind::ProbeObserved, &json!([1])).is_err());
        let err = Row::check_details(Kind::ProbeWakeRequested, &json!({"probe": "a"})).unwrap_err();
        assert!(err.contains("issue_category, severity"), "{err}");
    }

    #[test]
    fn details_fields_have_their_types() {
        let wake = |probe: Value, severity: Value| {
            Row::check_details(
                Kind::ProbeWakeRequested,
                &json!({"probe": probe, "issue_category": "down", "severity": severity}),
            )
        };
        assert!(wake(json!("api"), json!("critical")).is_ok());
        let err = wake(json!(123), json!(null)).unwrap_err();
        assert!(
            err.contains("probe must be non-empty text, not 123")
                && err.contains("severity must be non-empty text, not null"),
            "{err}"
        );
        assert!(wake(json!(" "), json!("critical")).is_err());
        assert!(wake(json!(["api"]), json!("critical")).is_err());
        let removed = |bytes: Value| {
            Row::check_details(
                Kind::GcAuditRemoved,
                &json!({"segment": "2026-05-01.jsonl", "bytes": bytes, "rows": 3}),
            )
        };
        assert!(removed(json!(0)).is_ok());
        assert!(removed(json!(-1)).is_err());
        assert!(removed(json!(1.5)).is_err());
        assert!(removed(json!("10")).is_err());
    }

    #[test]
    fn reader_filters_kinds_and_reports_malformed_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path());
        let now = t("2026-05-24T08:00:00Z");
        let rows = vec![
            Row::new(
                Kind::ProbeObserved,
                now,
                json!({"probe": "a", "status": "ok", "note": "probe.wake_requested"}),
            ),
            Row::new(
                Kind::ProbeWakeRequested,
                now,
                json!({"probe": "a", "issue_category": "down", "severity": "critical"}),
            ),
        ];
        log.append(&rows, now).unwrap();
        let seg = dir.path().join("2026-05-24.jsonl");
        let mut f = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
        std::io::Write::write_all(
            &mut f,
            b"{\"kind\":\"probe.wake_requested\"\nnot json \"probe.wake_requested\"\n\n",
        )
        .unwrap();
        log.append(&rows[1..], now).unwrap();

        let mut reader = log.reader(&["probe.wake_requested".to_string()], now);
        let mut found = Vec::new();
        let mut warnings = Vec::new();
        let end = reader
            .scan(&Position::default(), |item| {
                match &item {
                    Item::Row(row) => found.push((
                        row.kind.to_string(),
                        row.record().unwrap().details["probe"].clone(),
                    )),
                    _ => warnings.push(item.warning().unwrap()),
                }
                Ok(ControlFlow::Continue(()))
            })
            .unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|(k, _)| k == "probe.wake_requested"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].starts_with("audit/2026-05-24.jsonl: byte "),
            "{}",
            warnings[0]
        );
        assert_eq!(end.offset, std::fs::metadata(&seg).unwrap().len());
    }

    #[test]
    fn append_missing_adds_no_second_copy_of_a_retried_row() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path());
        let day1 = t("2026-05-24T23:59:00Z");
        let day2 = t("2026-05-25T00:01:00Z");
        let row = |fact: &str, at| {
            Row::deterministic(
                Kind::PromotionApproved,
                at,
                fact,
                json!({"proposal_id": fact, "loop": "router-tuning"}),
            )
        };
        // The first attempt appended its row, then was killed.
        log.append(&[row("p-a:0", day1)], day1).unwrap();
        // Another kind's row with the same fact is not the same row.
        log.append(
            &[Row::deterministic(
                Kind::PromotionRejected,
                day1,
                "p-b:0",
                json!({}),
            )],
            day1,
        )
        .unwrap();
        // The retry, past midnight, looks from the first attempt's day on.
        let retry = [row("p-a:0", day2), row("p-b:0", day2), row("p-b:0", day2)];
        assert_eq!(log.append_missing(&retry, day1, day2).unwrap(), 1);
        assert_eq!(log.append_missing(&retry, day1, day2).unwrap(), 0);
        let count = |id: Uuid| {
            ["2026-05-24.jsonl", "2026-05-25.jsonl"]
                .iter()
                .map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap_or_default())
                .map(|text| text.matches(&id.to_string()).count())
                .sum::<usize>()
        };
        assert_eq!(count(retry[0].id), 1);
        assert_eq!(count(retry[1].id), 1);
        // Rows before `since`'s day are not looked for: the retry window is
        // the caller's to choose.
        assert_eq!(
            log.append_missing(&[row("p-a:0", day2)], day2, day2)
                .unwrap(),
            1
        );
        assert_eq!(count(retry[0].id), 2);
        assert_eq!(log.append_missing(&[], day1, day2).unwrap(), 0);
    }
}
