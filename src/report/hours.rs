//! The figures a report is drawn from, per hour (design §13): each selected
//! audit row adds to the bucket of the hour its own `ts` falls in. Buckets
//! merge in row order, so the figures of segment A then segment B equal one
//! pass over both; and a window that starts and ends on hours takes whole
//! buckets, so the figures kept per segment and per hour by the audit
//! scan's cache ([`crate::audit::cache`]) stay exact as the window moves.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::cache::Aggregate;
use crate::audit::window::Select;
use crate::probe::state::Status;

/// The kinds a report reads, in the order [`Hours::row`] is told them.
pub const KINDS: [&str; 5] = [
    "probe.observed",
    "inference.recorded",
    "watcher.flagged",
    "gc.checkpoint_removed",
    "gc.audit_removed",
];
const PROBE_OBSERVED: usize = 0;
const INFERENCE_RECORDED: usize = 1;
const WATCHER_FLAGGED: usize = 2;
const GC_CHECKPOINT_REMOVED: usize = 3;
const GC_AUDIT_REMOVED: usize = 4;

pub use crate::audit::cache::{HOUR_MS, hour_of};

/// How many watcher flags are kept per hour (the report lists the latest).
pub const FLAGS_KEPT: usize = 20;

/// The `details` of every kind read, in one shape: each kind fills its own
/// fields. Strings borrow from the line where they can.
#[derive(Deserialize)]
pub struct Details<'a> {
    #[serde(borrow, default)]
    probe: Option<Cow<'a, str>>,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    duration_ms: Option<u64>,
    #[serde(borrow, default)]
    perfdata: Option<Vec<PerfItem<'a>>>,
    #[serde(borrow, default)]
    route: Option<Cow<'a, str>>,
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cost_usd: Option<f64>,
    #[serde(borrow, default)]
    watcher: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    entity_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    choice: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    context: Option<Cow<'a, str>>,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    rows: Option<u64>,
}

/// One perfdata item of a `probe.observed` row.
#[derive(Deserialize)]
struct PerfItem<'a> {
    #[serde(borrow)]
    label: Cow<'a, str>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(borrow, default)]
    uom: Cow<'a, str>,
    #[serde(borrow, default)]
    warn: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    crit: Option<Cow<'a, str>>,
}

/// Results of one probe in one hour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeHour {
    // Zeros are left out of the cache's hour files, which a report reads
    // whole: most hours have no warning, critical or unknown result.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ok: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub warning: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub critical: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unknown: u64,
    /// Sum, count and maximum of `duration_ms` (results that gave one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duration_sum_ms: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duration_count: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duration_max_ms: u64,
    /// The hour's latest result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<LastResult>,
    /// Each perfdata label's latest value in the hour.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub perf: BTreeMap<String, PerfPoint>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ProbeHour {
    pub fn results(&self) -> u64 {
        self.ok + self.warning + self.critical + self.unknown
    }

    /// The worst status of the hour's results (CRITICAL > WARNING > UNKNOWN
    /// > OK), `None` without results.
    pub fn worst(&self) -> Option<Status> {
        [
            (self.critical, Status::Critical),
            (self.warning, Status::Warning),
            (self.unknown, Status::Unknown),
            (self.ok, Status::Ok),
        ]
        .into_iter()
        .find(|(n, _)| *n > 0)
        .map(|(_, s)| s)
    }

    fn merge(&mut self, later: ProbeHour) {
        self.ok += later.ok;
        self.warning += later.warning;
        self.critical += later.critical;
        self.unknown += later.unknown;
        self.duration_sum_ms = self.duration_sum_ms.saturating_add(later.duration_sum_ms);
        self.duration_count += later.duration_count;
        self.duration_max_ms = self.duration_max_ms.max(later.duration_max_ms);
        if let Some(last) = later.last
            && self.last.as_ref().is_none_or(|mine| mine.ms <= last.ms)
        {
            self.last = Some(last);
        }
        for (label, point) in later.perf {
            match self.perf.get_mut(&label) {
                Some(mine) if mine.ms > point.ms => {}
                Some(mine) => *mine = point,
                None => {
                    self.perf.insert(label, point);
                }
            }
        }
    }
}

/// A probe's latest result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastResult {
    pub ms: i64,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// A perfdata value with the thresholds written beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerfPoint {
    pub ms: i64,
    pub value: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uom: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<String>,
}

/// LLM calls of one route in one hour. Cost is summed in whole
/// nano-dollars, so that a sum does not depend on the order it was taken in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteHour {
    pub calls: u64,
    pub cost_nanos: i64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl RouteHour {
    fn merge(&mut self, later: RouteHour) {
        self.calls += later.calls;
        self.cost_nanos = self.cost_nanos.saturating_add(later.cost_nanos);
        self.input_tokens = self.input_tokens.saturating_add(later.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(later.output_tokens);
    }
}

/// One `watcher.flagged` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub ms: i64,
    pub watcher: String,
    pub entity_id: String,
    pub choice: String,
    #[serde(default)]
    pub context: String,
}

/// What gc removed in one hour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GcHour {
    pub checkpoints: u64,
    pub checkpoint_bytes: u64,
    pub segments: u64,
    pub segment_bytes: u64,
    pub segment_rows: u64,
}

impl GcHour {
    fn merge(&mut self, later: GcHour) {
        self.checkpoints += later.checkpoints;
        self.checkpoint_bytes = self.checkpoint_bytes.saturating_add(later.checkpoint_bytes);
        self.segments += later.segments;
        self.segment_bytes = self.segment_bytes.saturating_add(later.segment_bytes);
        self.segment_rows = self.segment_rows.saturating_add(later.segment_rows);
    }

    fn is_empty(&self) -> bool {
        *self == GcHour::default()
    }
}

/// Everything of one hour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hour {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub probes: BTreeMap<String, ProbeHour>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, RouteHour>,
    /// `watcher.flagged` rows per watcher.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flags: BTreeMap<String, u64>,
    /// The hour's latest flags (at most [`FLAGS_KEPT`]), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_flags: Vec<Flag>,
    #[serde(default, skip_serializing_if = "GcHour::is_empty")]
    pub gc: GcHour,
}

impl Aggregate for Hour {
    fn merge(&mut self, later: Hour) {
        for (name, probe) in later.probes {
            self.probes.entry(name).or_default().merge(probe);
        }
        for (route, calls) in later.routes {
            self.routes.entry(route).or_default().merge(calls);
        }
        for (watcher, n) in later.flags {
            *self.flags.entry(watcher).or_default() += n;
        }
        self.recent_flags.extend(later.recent_flags);
        keep_latest_flags(&mut self.recent_flags);
        self.gc.merge(later.gc);
    }
}

/// The latest [`FLAGS_KEPT`] flags, oldest first (a stable sort: rows of one
/// instant keep their order).
pub fn keep_latest_flags(flags: &mut Vec<Flag>) {
    flags.sort_by_key(|f| f.ms);
    let extra = flags.len().saturating_sub(FLAGS_KEPT);
    flags.drain(..extra);
}

/// Hour start (ms since the epoch) → its figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hours(pub BTreeMap<i64, Hour>);

impl Hours {
    /// Adds the figures of rows that come after these ones.
    #[cfg(test)]
    pub fn merge(&mut self, later: Hours) {
        for (hour, figures) in later.0 {
            match self.0.get_mut(&hour) {
                Some(mine) => mine.merge(figures),
                None => {
                    self.0.insert(hour, figures);
                }
            }
        }
    }
}

fn text(value: Option<Cow<'_, str>>) -> String {
    value.map(Cow::into_owned).unwrap_or_default()
}

/// Rows bucketed by their hour (what one pass without the cache gives).
impl Select for Hours {
    type Details<'a> = Details<'a>;

    fn row(&mut self, kind: usize, ts: DateTime<Utc>, d: Details<'_>) {
        let hour = self.0.entry(hour_of(ts.timestamp_millis())).or_default();
        hour.row(kind, ts, d);
    }
}

/// A row of the hour (the cache puts each row in the hour of its time).
impl Select for Hour {
    type Details<'a> = Details<'a>;

    fn row(&mut self, kind: usize, ts: DateTime<Utc>, d: Details<'_>) {
        let ms = ts.timestamp_millis();
        let hour = self;
        match kind {
            PROBE_OBSERVED => {
                let (Some(name), Some(status)) = (d.probe, d.status) else {
                    return;
                };
                let probe = match hour.probes.get_mut(name.as_ref()) {
                    Some(probe) => probe,
                    None => hour.probes.entry(name.into_owned()).or_default(),
                };
                *match status {
                    Status::Ok => &mut probe.ok,
                    Status::Warning => &mut probe.warning,
                    Status::Critical => &mut probe.critical,
                    Status::Unknown => &mut probe.unknown,
                } += 1;
                if let Some(duration) = d.duration_ms {
                    probe.duration_sum_ms = probe.duration_sum_ms.saturating_add(duration);
                    probe.duration_count += 1;
                    probe.duration_max_ms = probe.duration_max_ms.max(duration);
                }
                let later = probe.last.as_ref().is_none_or(|last| last.ms <= ms);
                if later {
                    probe.last = Some(LastResult {
                        ms,
                        status,
                        duration_ms: d.duration_ms,
                    });
                }
                for item in d.perfdata.into_iter().flatten() {
                    let Some(value) = item.value.filter(|v| v.is_finite()) else {
                        continue;
                    };
                    let point = PerfPoint {
                        ms,
                        value,
                        uom: item.uom.into_owned(),
                        warn: item.warn.map(Cow::into_owned),
                        crit: item.crit.map(Cow::into_owned),
                    };
                    match probe.perf.get_mut(item.label.as_ref()) {
                        Some(mine) if mine.ms > ms => {}
                        Some(mine) => *mine = point,
                        None => {
                            probe.perf.insert(item.label.into_owned(), point);
                        }
                    }
                }
            }
            INFERENCE_RECORDED => {
                let Some(route) = d.route else { return };
                let calls = match hour.routes.get_mut(route.as_ref()) {
                    Some(calls) => calls,
                    None => hour.routes.entry(route.into_owned()).or_default(),
                };
                let cost = d.cost_usd.filter(|c| c.is_finite()).unwrap_or(0.0);
                calls.merge(RouteHour {
                    calls: 1,
                    // `as` saturates: an absurd cost cannot wrap the sum.
                    cost_nanos: (cost * 1e9).round() as i64,
                    input_tokens: d.input_tokens.unwrap_or(0),
                    output_tokens: d.output_tokens.unwrap_or(0),
                });
            }
            WATCHER_FLAGGED => {
                let watcher = text(d.watcher);
                *hour.flags.entry(watcher.clone()).or_default() += 1;
                hour.recent_flags.push(Flag {
                    ms,
                    watcher,
                    entity_id: text(d.entity_id),
                    choice: text(d.choice),
                    context: text(d.context),
                });
                if hour.recent_flags.len() >= 2 * FLAGS_KEPT {
                    keep_latest_flags(&mut hour.recent_flags);
                }
            }
            GC_CHECKPOINT_REMOVED => hour.gc.merge(GcHour {
                checkpoints: 1,
                checkpoint_bytes: d.bytes.unwrap_or(0),
                ..GcHour::default()
            }),
            GC_AUDIT_REMOVED => hour.gc.merge(GcHour {
                segments: 1,
                segment_bytes: d.bytes.unwrap_or(0),
                segment_rows: d.rows.unwrap_or(0),
                ..GcHour::default()
            }),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn details(json: &str) -> Details<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn hours_start_on_the_hour_before_and_after_the_epoch() {
        assert_eq!(hour_of(0), 0);
        assert_eq!(hour_of(HOUR_MS - 1), 0);
        assert_eq!(hour_of(HOUR_MS), HOUR_MS);
        assert_eq!(hour_of(-1), -HOUR_MS);
    }

    /// Rows split anywhere into two runs, merged, equal one run over all.
    #[test]
    fn merging_in_row_order_equals_one_pass() {
        let rows = [
            (
                0,
                10,
                r#"{"probe":"a","status":"ok","duration_ms":5,"perfdata":[{"label":"load","value":1.5,"warn":"2","crit":"4"}]}"#,
            ),
            (
                0,
                20,
                r#"{"probe":"a","status":"critical","duration_ms":9}"#,
            ),
            (
                1,
                30,
                r#"{"route":"r","cost_usd":0.1,"input_tokens":3,"output_tokens":4}"#,
            ),
            (
                2,
                40,
                r#"{"watcher":"w","entity_id":"e1","choice":"flag","context":"c"}"#,
            ),
            (
                0,
                HOUR_MS + 1,
                r#"{"probe":"a","status":"warning","perfdata":[{"label":"load","value":3.0}]}"#,
            ),
            (
                0,
                15,
                r#"{"probe":"a","status":"unknown","duration_ms":1,"perfdata":[{"label":"load","value":9.0}]}"#,
            ),
            (3, 50, r#"{"bytes":100}"#),
            (
                4,
                60,
                r#"{"bytes":7,"rows":2,"segment":"2026-01-01.jsonl"}"#,
            ),
            (1, 70, r#"{"route":"r","cost_usd":0.2}"#),
            (0, 80, r#"{"probe":"b"}"#),
        ];
        let mut whole = Hours::default();
        for (kind, ms, d) in rows {
            whole.row(kind, t(ms), details(d));
        }
        for cut in 0..=rows.len() {
            let (mut a, mut b) = (Hours::default(), Hours::default());
            for (i, (kind, ms, d)) in rows.iter().enumerate() {
                let side = if i < cut { &mut a } else { &mut b };
                side.row(*kind, t(*ms), details(d));
            }
            a.merge(b);
            assert_eq!(a, whole, "cut at {cut}");
        }
        let first = &whole.0[&0];
        let a = &first.probes["a"];
        assert_eq!((a.ok, a.critical, a.unknown, a.results()), (1, 1, 1, 3));
        assert_eq!(a.worst(), Some(Status::Critical));
        assert_eq!(
            (a.duration_sum_ms, a.duration_count, a.duration_max_ms),
            (15, 3, 9)
        );
        assert_eq!(a.last.as_ref().unwrap().ms, 20);
        // The latest value by its time, not by its place in the log.
        assert_eq!(a.perf["load"].value, 9.0);
        assert!(!first.probes.contains_key("b"), "a row without a status");
        assert_eq!(first.routes["r"].cost_nanos, 300_000_000);
        assert_eq!(first.routes["r"].calls, 2);
        assert_eq!(first.gc.checkpoint_bytes, 100);
        assert_eq!(first.gc.segment_rows, 2);
        assert_eq!(whole.0[&HOUR_MS].probes["a"].worst(), Some(Status::Warning));
    }

    #[test]
    fn the_latest_flags_are_kept_and_all_counted() {
        let mut hours = Hours::default();
        for i in 0..(3 * FLAGS_KEPT as i64) {
            let d = format!(r#"{{"watcher":"w","entity_id":"e{i}","choice":"flag"}}"#);
            hours.row(WATCHER_FLAGGED, t(i), details(&d));
        }
        let mut hour = hours.0.remove(&0).unwrap();
        keep_latest_flags(&mut hour.recent_flags);
        assert_eq!(hour.flags["w"], 3 * FLAGS_KEPT as u64);
        assert_eq!(hour.recent_flags.len(), FLAGS_KEPT);
        assert_eq!(
            hour.recent_flags[0].entity_id,
            format!("e{}", 2 * FLAGS_KEPT)
        );
    }
}
