//! Where active alerts come from (design §6): the probe state, and `--from`
//! inputs auto-detected among JSON Lines or a JSON array of tend alerts, a
//! Prometheus Alertmanager webhook payload, and an Alertmanager `/api/v2/alerts`
//! array. Pure: bytes in, alerts or an error with its byte position out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::probe::state::{ProbesState, Status as ProbeStatus};
use crate::severity::Severity;

/// One firing alert, whatever its origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: String,
    pub severity: Severity,
    pub category: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    pub source: String,
    /// Which input it came from (`probes`, `from:<path>`, `from:-`): an alert
    /// resolves only in a run that read its input again (see `diff`).
    #[serde(skip)]
    pub feed: String,
}

/// The feed name of the probe state.
pub const PROBE_FEED: &str = "probes";

/// The `source` of alerts read from Alertmanager formats.
pub const ALERTMANAGER_SOURCE: &str = "alertmanager";

/// The `source` of a tend alert that does not name one.
pub const DEFAULT_SOURCE: &str = "external";

/// What an input turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    TendLines,
    TendArray,
    AlertmanagerWebhook,
    AlertmanagerV2,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::TendLines => "JSON Lines of tend alerts",
            Format::TendArray => "a JSON array of tend alerts",
            Format::AlertmanagerWebhook => "an Alertmanager webhook payload",
            Format::AlertmanagerV2 => "an Alertmanager /api/v2/alerts array",
        }
    }
}

/// Every format, for messages about input that matched none.
pub const ANY_FORMAT: &str = "JSON Lines or a JSON array of tend alerts {id, severity, category, title, summary, started_at, source}, an Alertmanager webhook payload {version, status, alerts: [...]}, or an Alertmanager /api/v2/alerts array";

const TEND_ALERT: &str =
    "a tend alert {id, severity, category, title, summary, started_at, source}";
const AM_ALERT: &str = "an Alertmanager alert {labels, annotations, startsAt, endsAt, fingerprint}";

/// Input that is not valid JSON or matches no format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset} (line {line}, column {column}): {problem}; expected {expected}")]
pub struct SourceError {
    /// Byte position in the input (0-based).
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub problem: String,
    pub expected: String,
}

/// What one input held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub format: Format,
    /// The firing alerts, in input order.
    pub alerts: Vec<Alert>,
    /// Alerts the input listed as resolved (or silenced in Alertmanager).
    pub inactive: usize,
    /// The ids it listed as resolved (`status: resolved`, or an `endsAt` in
    /// the past): resolved whichever input first reported them (design §6).
    pub resolved: Vec<String>,
    /// The feed this input is a full snapshot of, whose alerts missing from
    /// it have stopped firing: the input itself, or for an Alertmanager
    /// webhook payload its group (`groupKey`). `None` when its absences
    /// resolve nothing (a webhook payload with `truncatedAlerts` > 0).
    pub speaks_for: Option<String>,
}

/// What an input says of one alert.
enum Listed {
    Firing(Alert),
    /// Listed as resolved: the id.
    Resolved(String),
    /// Not active, without saying it ended (an Alertmanager v2 alert that
    /// Alertmanager silenced or inhibited).
    Inactive,
}

impl Parsed {
    fn empty(format: Format, feed: &str) -> Parsed {
        Parsed {
            format,
            alerts: Vec::new(),
            inactive: 0,
            resolved: Vec::new(),
            speaks_for: Some(feed.to_string()),
        }
    }

    fn add(&mut self, listed: Listed) {
        match listed {
            Listed::Firing(a) => self.alerts.push(a),
            Listed::Resolved(id) => {
                self.inactive += 1;
                self.resolved.push(id);
            }
            Listed::Inactive => self.inactive += 1,
        }
    }
}

/// The feed of an Alertmanager alert group: a payload speaks for its group
/// only, whatever file it arrived in.
pub fn group_feed(group_key: &str) -> String {
    format!("alertmanager-group:{group_key}")
}

/// Parses one input. `feed` is stored on each alert; `now` decides whether an
/// Alertmanager v2 alert whose `endsAt` has passed is still firing.
pub fn parse(bytes: &[u8], feed: &str, now: DateTime<Utc>) -> Result<Parsed, SourceError> {
    let cx = Cx { bytes, feed, now };
    // A UTF-8 byte order mark (some Windows tools write one) is not content.
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let Some(first) = bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| i + start)
    else {
        return Err(cx.error(
            bytes.len(),
            "the input is empty (give `[]` for no alerts)".into(),
            ANY_FORMAT,
        ));
    };
    match bytes[first] {
        b'[' => cx.array(first),
        b'{' => cx.stream(first),
        other => Err(cx.error(
            first,
            format!("the input starts with {:?}, not `[` or `{{`", other as char),
            ANY_FORMAT,
        )),
    }
}

struct Cx<'a> {
    bytes: &'a [u8],
    feed: &'a str,
    now: DateTime<Utc>,
}

impl Cx<'_> {
    fn error(&self, offset: usize, problem: String, expected: &str) -> SourceError {
        let offset = offset.min(self.bytes.len());
        let before = &self.bytes[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        SourceError {
            offset,
            line,
            column: offset - line_start + 1,
            problem,
            expected: expected.to_string(),
        }
    }

    /// A serde_json error, located by its line and column, turned into a byte
    /// position.
    fn json_error(&self, e: &serde_json::Error, base: usize, expected: &str) -> SourceError {
        let text = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let what = text.strip_suffix(&suffix).unwrap_or(&text);
        let offset = if e.classify() == serde_json::error::Category::Eof {
            // Truncated: what is missing starts at the end.
            self.bytes.len()
        } else {
            base + offset_of(&self.bytes[base..], e.line(), e.column())
        };
        self.error(offset, format!("not valid JSON ({what})"), expected)
    }

    fn offset_in(&self, raw: &RawValue) -> usize {
        (raw.get().as_ptr() as usize).saturating_sub(self.bytes.as_ptr() as usize)
    }

    fn array(&self, at: usize) -> Result<Parsed, SourceError> {
        let items: Vec<&RawValue> = serde_json::from_slice(&self.bytes[at..])
            .map_err(|e| self.json_error(&e, at, ANY_FORMAT))?;
        let Some(first) = items.first() else {
            return Ok(Parsed::empty(Format::TendArray, self.feed));
        };
        let format = match self.object(first, ANY_FORMAT)? {
            o if is_am_alert(&o) => Format::AlertmanagerV2,
            o if o.contains_key("id") => Format::TendArray,
            _ => {
                return Err(self.error(
                    self.offset_in(first),
                    "the first element has neither `id` (tend alert) nor `labels` and `fingerprint` (Alertmanager alert)".into(),
                    ANY_FORMAT,
                ));
            }
        };
        let mut parsed = Parsed::empty(format, self.feed);
        for (i, raw) in items.iter().enumerate() {
            let at = self.offset_in(raw);
            let listed = match format {
                Format::AlertmanagerV2 => {
                    let o = self.object(raw, AM_ALERT)?;
                    self.am_alert(o, at, i, true, self.feed)?
                }
                _ => {
                    let o = self.object(raw, TEND_ALERT)?;
                    self.tend_alert(o, at, &format!("element {i}"))?
                }
            };
            parsed.add(listed);
        }
        Ok(parsed)
    }

    /// One or more top-level objects: JSON Lines of tend alerts, or one
    /// Alertmanager webhook payload.
    fn stream(&self, at: usize) -> Result<Parsed, SourceError> {
        let mut values =
            serde_json::Deserializer::from_slice(&self.bytes[at..]).into_iter::<&RawValue>();
        let mut parsed: Option<Parsed> = None;
        let mut n = 0;
        loop {
            let raw = match values.next() {
                None => break,
                Some(Ok(raw)) => raw,
                Some(Err(e)) => {
                    let expected = match &parsed {
                        Some(p) => p.format.describe(),
                        None => ANY_FORMAT,
                    };
                    return Err(self.json_error(&e, at, expected));
                }
            };
            let offset = self.offset_in(raw);
            n += 1;
            match &mut parsed {
                None => {
                    let o = self.object(raw, ANY_FORMAT)?;
                    if o.get("alerts").is_some_and(Value::is_array) && !o.contains_key("id") {
                        parsed = Some(self.webhook(o, offset)?);
                    } else if o.contains_key("id") {
                        let mut p = Parsed::empty(Format::TendLines, self.feed);
                        p.add(self.tend_alert(o, offset, "line 1")?);
                        parsed = Some(p);
                    } else {
                        return Err(self.error(
                            offset,
                            "a JSON object with neither `id` (tend alert) nor an `alerts` array (Alertmanager webhook payload)".into(),
                            ANY_FORMAT,
                        ));
                    }
                }
                Some(p) if p.format == Format::AlertmanagerWebhook => {
                    return Err(self.error(
                        offset,
                        "another JSON value after the Alertmanager webhook payload".into(),
                        "exactly one Alertmanager webhook payload",
                    ));
                }
                Some(p) => {
                    let o = self.object(raw, TEND_ALERT)?;
                    p.add(self.tend_alert(o, offset, &format!("value {n}"))?);
                }
            }
        }
        parsed.ok_or_else(|| self.error(at, "no JSON value".into(), ANY_FORMAT))
    }

    fn object(&self, raw: &RawValue, expected: &str) -> Result<Map<String, Value>, SourceError> {
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Object(o)) => Ok(o),
            Ok(other) => Err(self.error(
                self.offset_in(raw),
                format!("a JSON {}, not an object", kind_of(&other)),
                expected,
            )),
            Err(e) => Err(self.json_error(&e, self.offset_in(raw), expected)),
        }
    }

    fn webhook(&self, o: Map<String, Value>, at: usize) -> Result<Parsed, SourceError> {
        // A payload carries one alert group: it speaks for that group alone,
        // and not even for it when Alertmanager cut alerts from it.
        let feed = match o.get("groupKey").and_then(Value::as_str) {
            Some(key) if !key.is_empty() => group_feed(key),
            _ => self.feed.to_string(),
        };
        let truncated = match o.get("truncatedAlerts") {
            None | Some(Value::Null) => 0,
            Some(Value::Number(n)) => n.as_u64().unwrap_or(1),
            Some(other) => {
                return Err(self.error(
                    at,
                    format!("`truncatedAlerts` is a JSON {}, not a number", kind_of(other)),
                    "an Alertmanager webhook payload {version, groupKey, truncatedAlerts, status, alerts: [...]}",
                ));
            }
        };
        let mut parsed = Parsed::empty(Format::AlertmanagerWebhook, &feed);
        if truncated > 0 {
            parsed.speaks_for = None;
        }
        let Some(Value::Array(alerts)) = o.get("alerts") else {
            unreachable!("checked by the caller");
        };
        for (i, alert) in alerts.iter().enumerate() {
            let Value::Object(a) = alert else {
                return Err(self.error(
                    at,
                    format!("alerts[{i}] is a JSON {}, not an object", kind_of(alert)),
                    AM_ALERT,
                ));
            };
            parsed.add(self.am_alert(a.clone(), at, i, false, &feed)?);
        }
        Ok(parsed)
    }

    /// One Alertmanager alert (webhook `alerts[i]` or a v2 array element) of
    /// `feed`.
    fn am_alert(
        &self,
        a: Map<String, Value>,
        at: usize,
        index: usize,
        v2: bool,
        feed: &str,
    ) -> Result<Listed, SourceError> {
        let place = if v2 {
            format!("element {index}")
        } else {
            format!("alerts[{index}]")
        };
        let bad = |problem: String| self.error(at, format!("{place}: {problem}"), AM_ALERT);
        let strings = |key: &str| -> Result<Map<String, Value>, SourceError> {
            match a.get(key) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(m)) => Ok(m.clone()),
                Some(other) => Err(bad(format!(
                    "`{key}` is a JSON {}, not an object",
                    kind_of(other)
                ))),
            }
        };
        let labels = strings("labels")?;
        let annotations = strings("annotations")?;
        let label = |key: &str| {
            labels
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let id = match a.get("fingerprint") {
            Some(Value::String(f)) if !f.is_empty() => f.clone(),
            _ => return Err(bad("no `fingerprint` string".into())),
        };
        // Webhook: "status": "firing" | "resolved". v2: "status": {"state":
        // "active" | "unprocessed" | "suppressed"}; an alert Alertmanager
        // silenced or inhibited is not pushed again here.
        let (resolved, suppressed) = match a.get("status") {
            Some(Value::String(s)) => (s.eq_ignore_ascii_case("resolved"), false),
            Some(Value::Object(s)) => {
                let state = s.get("state").and_then(Value::as_str);
                (state == Some("resolved"), state == Some("suppressed"))
            }
            _ => (false, false),
        };
        let time = |key: &str| -> Result<Option<DateTime<Utc>>, SourceError> {
            match a.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                    .map(|t| Some(t.with_timezone(&Utc)))
                    .map_err(|e| bad(format!("`{key}` {s:?} is not an RFC 3339 time ({e})"))),
                Some(other) => Err(bad(format!(
                    "`{key}` is a JSON {}, not a string",
                    kind_of(other)
                ))),
            }
        };
        let started_at = time("startsAt")?;
        let ends_at = time("endsAt")?;
        // Alertmanager writes 0001-01-01T00:00:00Z for "no end"; an alert
        // whose end has passed is resolved.
        let ended = ends_at.is_some_and(|t| t.timestamp() > 0 && t <= self.now);
        if resolved || ended {
            return Ok(Listed::Resolved(id));
        }
        if suppressed {
            return Ok(Listed::Inactive);
        }
        let severity = label("severity")
            .and_then(|s| s.parse().ok())
            .unwrap_or(Severity::Info);
        let alertname = label("alertname");
        let category = label("category")
            .or(alertname)
            .unwrap_or("alertmanager")
            .to_string();
        let summary = ["summary", "description"]
            .iter()
            .find_map(|k| {
                annotations
                    .get(*k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or("")
            .to_string();
        Ok(Listed::Firing(Alert {
            id,
            severity,
            title: alertname.unwrap_or(&category).to_string(),
            category,
            summary,
            started_at,
            source: ALERTMANAGER_SOURCE.to_string(),
            feed: feed.to_string(),
        }))
    }

    /// One tend alert, resolved when it says `"status": "resolved"`.
    fn tend_alert(
        &self,
        o: Map<String, Value>,
        at: usize,
        place: &str,
    ) -> Result<Listed, SourceError> {
        let bad = |problem: String| self.error(at, format!("{place}: {problem}"), TEND_ALERT);
        let text = |key: &str, required: bool| -> Result<Option<String>, SourceError> {
            match o.get(key) {
                None | Some(Value::Null) if required => Err(bad(format!("no `{key}`"))),
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if required && s.trim().is_empty() => {
                    Err(bad(format!("`{key}` is empty")))
                }
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(bad(format!(
                    "`{key}` is a JSON {}, not a string",
                    kind_of(other)
                ))),
            }
        };
        let id = text("id", true)?.unwrap_or_default();
        let severity_text = text("severity", true)?.unwrap_or_default();
        let severity: Severity = severity_text.parse().map_err(|e: String| bad(e))?;
        let category = text("category", true)?.unwrap_or_default();
        let title = text("title", false)?.unwrap_or_else(|| category.clone());
        let summary = text("summary", false)?.unwrap_or_default();
        let started_at = match text("started_at", false)? {
            None => None,
            Some(s) => {
                Some(crate::clock::parse_ts(&s).map_err(|e| bad(format!("`started_at`: {e}")))?)
            }
        };
        let source = text("source", false)?
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_SOURCE.to_string());
        if text("status", false)?.is_some_and(|s| s.eq_ignore_ascii_case("resolved")) {
            return Ok(Listed::Resolved(id));
        }
        Ok(Listed::Firing(Alert {
            id,
            severity,
            category,
            title,
            summary,
            started_at,
            source,
            feed: self.feed.to_string(),
        }))
    }
}

fn is_am_alert(o: &Map<String, Value>) -> bool {
    o.get("labels").is_some_and(Value::is_object) && o.contains_key("fingerprint")
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The byte offset of serde_json's (1-based line, byte column) in `bytes`.
fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => start += i + 1,
            None => return bytes.len(),
        }
    }
    // serde_json reports the column of the byte it stopped at (1-based), or 0
    // when it stopped right after a newline.
    (start + column.saturating_sub(1)).min(bytes.len())
}

/// The alerts of the probe state (`state/probes.json`, written by `probe run`,
/// read through its typed API): every probe whose status is not OK is an
/// alert `probe:{probe}:{category}`, and so is one that is OK again but not yet
/// recovered (`down_since` still set, design §4's `recover_after` hysteresis),
/// under its episode's category, so that a probe flapping between OK and not
/// OK is one alert, not a resolve and a re-fire every run.
pub fn probe_alerts(state: &ProbesState) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for (name, probe) in &state.probes {
        let recovering = probe.is_recovering();
        if probe.status == ProbeStatus::Ok && !recovering {
            continue;
        }
        let issue_category = text(&probe.issue_category);
        let category = if recovering {
            probe
                .down_category
                .as_deref()
                .and_then(text)
                .or(issue_category)
        } else {
            issue_category
        }
        .unwrap_or(probe.status.as_str())
        .to_string();
        let severity = match probe.severity {
            Some(s) => s,
            None if probe.status == ProbeStatus::Critical => Severity::Critical,
            None => Severity::Warning,
        };
        // The episode began at the first non-OK result (`down_since`), which
        // names its incident (design §6a) as the wakes of the episode name it.
        let since = probe
            .down_since
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or((!recovering).then_some(probe.since.as_str()));
        let started_at = since.and_then(|s| crate::clock::parse_ts(s).ok());
        alerts.push(Alert {
            id: format!("probe:{name}:{category}"),
            severity,
            title: if recovering {
                format!("{name} is recovering")
            } else {
                format!("{name} is {}", probe.status.as_str())
            },
            category,
            summary: probe.summary.clone(),
            started_at,
            source: "probe".to_string(),
            feed: PROBE_FEED.to_string(),
        });
    }
    alerts
}

/// One alert per id, in the order each id was first listed. Copies that agree
/// (the same alert in two Alertmanager groups' payloads, say) are merged;
/// copies that differ keep the most severe (the first listed among equals),
/// and each copy dropped is named in a warning, so no input row is skipped
/// unseen.
pub fn dedupe(alerts: Vec<Alert>) -> (Vec<Alert>, Vec<String>) {
    let mut kept: Vec<Alert> = Vec::with_capacity(alerts.len());
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut warnings = Vec::new();
    let same = |a: &Alert, b: &Alert| {
        (
            &a.severity,
            &a.category,
            &a.title,
            &a.summary,
            &a.started_at,
            &a.source,
        ) == (
            &b.severity,
            &b.category,
            &b.title,
            &b.summary,
            &b.started_at,
            &b.source,
        )
    };
    let describe = |a: &Alert| {
        format!(
            "{} {} \"{}\" from {}",
            a.severity, a.category, a.title, a.feed
        )
    };
    for alert in alerts {
        match index.get(&alert.id) {
            None => {
                index.insert(alert.id.clone(), kept.len());
                kept.push(alert);
            }
            Some(&i) if same(&kept[i], &alert) => {}
            Some(&i) => {
                let dropped = if alert.severity > kept[i].severity {
                    std::mem::replace(&mut kept[i], alert)
                } else {
                    alert
                };
                warnings.push(format!(
                    "alert id {} is listed twice with different contents: kept {}, dropped {}",
                    dropped.id,
                    describe(&kept[i]),
                    describe(&dropped)
                ));
            }
        }
    }
    (kept, warnings)
}

/// A text field, with blank taken as absent.
fn text(field: &str) -> Option<&str> {
    Some(field).filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests;
