//! The report's figures (design §13), one object: what the JSON format prints
//! and what the HTML and text formats draw. Pure: the hourly figures of the
//! window and what the state files say in, the report out.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use super::hours::{FLAGS_KEPT, Flag, HOUR_MS, Hours, ProbeHour, keep_latest_flags};
use crate::audit::window::Window;
use crate::clock::format_ts;
use crate::incidents::{Incident, IncidentsState};
use crate::probe::state::{ProbesState, Status};
use crate::severity::Severity;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub generated_at: String,
    pub window: WindowInfo,
    pub overall: Overall,
    pub probes: Vec<ProbeReport>,
    pub incidents: Incidents,
    pub alerts: Vec<AlertRow>,
    pub silences: Vec<SilenceRow>,
    pub proposals: Vec<ProposalRow>,
    pub watcher_flags: WatcherFlags,
    pub llm: Llm,
    pub gc: Vec<GcDay>,
    pub runs: Vec<RunRow>,
    pub scan: ScanInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowInfo {
    pub since: String,
    pub until: String,
    /// The window's length as configured (`30d`).
    pub length: String,
    /// Hours in the window, the current one last: one status cell each.
    pub hours: usize,
}

/// The state of the whole: the worst of the probes, open incidents, active
/// alerts and overdue commands, in one line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overall {
    /// `ok`, `warning` or `critical`.
    pub state: &'static str,
    /// `all well`, or what is wrong: `2 probes failing, 1 incident open`.
    pub headline: String,
    pub probes: BTreeMap<&'static str, usize>,
    pub incidents_open: usize,
    pub alerts_active: usize,
    pub commands_overdue: usize,
}

/// One probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeReport {
    pub name: String,
    /// The state now (`state/probes.json`), else its latest result in the
    /// window; `null` when neither is known.
    pub state: Option<Status>,
    pub since: Option<String>,
    pub summary: String,
    pub last_checked: Option<String>,
    pub last_duration_ms: Option<u64>,
    /// The share of results that were OK, per period ending now: the last
    /// 24 hours (the current one and the 23 before), 7 and 30 days; `null`
    /// without results in the period or when the window is shorter.
    pub uptime: Uptime,
    /// Results in the window per status.
    pub results: BTreeMap<&'static str, u64>,
    /// One cell per hour of the window, oldest first: the worst status of
    /// the hour's results, or `none`.
    pub strip: Vec<Cell>,
    /// The hour's mean `duration_ms` (rounded down), `null` without one.
    pub latency_ms: Vec<Option<u64>>,
    /// The hour's longest `duration_ms`.
    pub latency_max_ms: Vec<Option<u64>>,
    pub perfdata: Vec<PerfSeries>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uptime {
    #[serde(rename = "24h")]
    pub day: Option<f64>,
    #[serde(rename = "7d")]
    pub week: Option<f64>,
    #[serde(rename = "30d")]
    pub month: Option<f64>,
}

/// A status cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cell {
    Ok,
    Warning,
    Critical,
    Unknown,
    None,
}

impl Cell {
    pub fn of(status: Option<Status>) -> Cell {
        match status {
            Some(Status::Ok) => Cell::Ok,
            Some(Status::Warning) => Cell::Warning,
            Some(Status::Critical) => Cell::Critical,
            Some(Status::Unknown) => Cell::Unknown,
            None => Cell::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cell::Ok => "ok",
            Cell::Warning => "warning",
            Cell::Critical => "critical",
            Cell::Unknown => "unknown",
            Cell::None => "none",
        }
    }
}

/// One perfdata label over the window: the hour's latest value, and the
/// thresholds of the latest result that gave any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerfSeries {
    pub label: String,
    pub uom: String,
    pub warn: Option<String>,
    pub crit: Option<String>,
    pub values: Vec<Option<f64>>,
}

/// An incident of the window (design §6a): open, or resolved inside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    pub incident_id: String,
    pub short_id: String,
    /// `open` or `resolved`.
    pub status: &'static str,
    pub alert_id: String,
    pub severity: Severity,
    pub title: String,
    pub started_at: String,
    pub resolved_at: Option<String>,
    /// From its start to its resolution, or to the report's instant.
    pub duration_s: i64,
    /// Messages sent about it.
    pub messages: u32,
    /// The first line of its latest diagnosis, when there was one.
    pub diagnosis: Option<String>,
    /// The command that silences its alert (open incidents only).
    pub silence_command: Option<String>,
}

/// The incidents section: its rows, and a note when the window reaches
/// further back than resolved incidents are kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incidents {
    pub open: usize,
    /// Open incidents per severity (every severity, 0 included).
    pub open_by_severity: BTreeMap<&'static str, usize>,
    pub resolved: usize,
    pub rows: Vec<IncidentRow>,
    pub note: Option<String>,
}

/// The incidents of `window`, open ones first (most recently started
/// first), then those resolved inside it (most recently resolved first).
/// `kept` is `[incidents] keep_resolved`: a window longer than it shows only
/// what is kept, and says so.
pub fn incidents(
    state: &IncidentsState,
    window: &Window,
    now: DateTime<Utc>,
    kept: TimeDelta,
    kept_text: &str,
) -> Incidents {
    let mut shown: Vec<&Incident> = state
        .incidents
        .values()
        .filter(|i| i.resolved_at.is_none_or(|at| at >= window.since))
        .collect();
    shown.sort_by(|a, b| {
        a.resolved_at
            .is_some()
            .cmp(&b.resolved_at.is_some())
            .then(b.resolved_at.cmp(&a.resolved_at))
            .then(b.started_at.cmp(&a.started_at))
            .then(a.id.cmp(&b.id))
    });
    let rows: Vec<IncidentRow> = shown
        .into_iter()
        .map(|i| IncidentRow {
            incident_id: i.id.clone(),
            short_id: crate::incidents::short_id(&i.id).to_string(),
            status: if i.is_open() { "open" } else { "resolved" },
            alert_id: i.alert_id.clone(),
            severity: i.severity,
            title: i.title.clone(),
            started_at: format_ts(i.started_at),
            resolved_at: i.resolved_at.map(format_ts),
            duration_s: i.duration_s(now),
            messages: i.messages,
            diagnosis: i
                .investigated
                .as_ref()
                .map(|d| d.line.clone())
                .filter(|line| !line.is_empty()),
            silence_command: i.is_open().then(|| crate::incidents::silence_command(i)),
        })
        .collect();
    let mut open_by_severity: BTreeMap<&'static str, usize> =
        Severity::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for row in rows.iter().filter(|r| r.resolved_at.is_none()) {
        *open_by_severity.entry(row.severity.as_str()).or_default() += 1;
    }
    let open = open_by_severity.values().sum();
    let note = (now - window.since > kept).then(|| {
        format!(
            "resolved incidents are kept for {kept_text} ([incidents] keep_resolved): older ones are not shown"
        )
    });
    Incidents {
        open,
        open_by_severity,
        resolved: rows.len() - open,
        rows,
        note,
    }
}

/// An alert recorded by the last `alerts notify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRow {
    pub alert_id: String,
    pub severity: String,
    pub title: String,
    pub status: String,
    pub first_seen: String,
    pub silence: Option<String>,
}

/// A silence in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SilenceRow {
    pub id: String,
    pub matchers: String,
    pub ends_at: String,
    pub reason: String,
    pub created_by: String,
}

/// A pending proposal and the exact commands that decide it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalRow {
    pub proposal_id: String,
    #[serde(rename = "loop")]
    pub lp: String,
    pub subject: String,
    pub created_at: String,
    pub approve: String,
    pub reject: String,
}

/// The commands that approve and reject proposal `id`, shell-quoted.
pub fn decide_commands(id: &str) -> (String, String) {
    let id = crate::terminal::shell_quote(id);
    (
        format!("tend promote approve {id} --note ''"),
        format!("tend promote reject {id} --note 'why'"),
    )
}

/// `watcher.flagged` rows of the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatcherFlags {
    pub total: u64,
    pub by_watcher: BTreeMap<String, u64>,
    /// The latest [`FLAGS_KEPT`], newest first.
    pub recent: Vec<FlagRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagRow {
    pub ts: String,
    pub watcher: String,
    pub entity_id: String,
    pub choice: String,
    pub context: String,
}

/// LLM spend per route per UTC day against the daily budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Llm {
    /// `[engine] max_daily_cost_usd`.
    pub budget_usd: f64,
    pub routes: Vec<String>,
    pub days: Vec<LlmDay>,
    pub cost_usd: f64,
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LlmDay {
    pub day: String,
    pub cost_usd: f64,
    pub over_budget: bool,
    pub routes: BTreeMap<String, RouteDay>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouteDay {
    pub calls: u64,
    pub cost_usd: f64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// What gc removed on one UTC day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GcDay {
    pub day: String,
    pub checkpoints: u64,
    pub checkpoint_bytes: u64,
    pub segments: u64,
    pub segment_bytes: u64,
    pub segment_rows: u64,
}

/// One of tend's own commands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub command: String,
    pub last_started: Option<String>,
    pub outcome: Option<String>,
    pub exit_code: Option<u8>,
    pub duration_ms: Option<u64>,
    pub expect: Option<String>,
    pub overdue: bool,
    pub running: Option<String>,
}

/// What the scan read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanInfo {
    pub bytes_read: u64,
    pub bytes_cached: u64,
    pub rows_read: u64,
    pub lines_skipped: u64,
}

/// Everything the report is made of, gathered by the handler.
pub struct Inputs<'a> {
    pub now: DateTime<Utc>,
    pub window: Window,
    pub length: String,
    pub hours: &'a Hours,
    pub probes: &'a ProbesState,
    pub incidents: Incidents,
    pub alerts: Vec<AlertRow>,
    pub silences: Vec<SilenceRow>,
    pub proposals: Vec<ProposalRow>,
    pub runs: Vec<RunRow>,
    pub budget_usd: f64,
    pub scan: ScanInfo,
}

/// The hour starts of the window, oldest first.
fn hour_starts(window: &Window) -> Vec<i64> {
    let first = window.since.timestamp_millis();
    let last = super::hours::hour_of(window.until.timestamp_millis());
    (0..)
        .map(|i| first + i * HOUR_MS)
        .take_while(|h| *h <= last)
        .collect()
}

/// The UTC days the window touches, oldest first.
fn days(window: &Window) -> Vec<NaiveDate> {
    let first = window.since.date_naive();
    let last = window.until.date_naive();
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .collect::<Vec<_>>()
}

fn day_of(hour_ms: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(hour_ms).map(|t| t.date_naive())
}

pub fn build(i: Inputs<'_>) -> Report {
    let starts = hour_starts(&i.window);
    let probes = probes(&i, &starts);
    let overall = overall(&probes, &i);
    Report {
        generated_at: format_ts(i.now),
        window: WindowInfo {
            since: format_ts(i.window.since),
            until: format_ts(i.window.until),
            length: i.length.clone(),
            hours: starts.len(),
        },
        overall,
        watcher_flags: watcher_flags(i.hours, &starts),
        llm: llm(i.hours, &i.window, &starts, i.budget_usd),
        gc: gc(i.hours, &i.window, &starts),
        probes,
        incidents: i.incidents,
        alerts: i.alerts,
        silences: i.silences,
        proposals: i.proposals,
        runs: i.runs,
        scan: i.scan,
    }
}

fn overall(probes: &[ProbeReport], i: &Inputs<'_>) -> Overall {
    let mut by_state: BTreeMap<&'static str, usize> =
        Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut worst = Status::Ok;
    for state in probes.iter().filter_map(|p| p.state) {
        *by_state.entry(state.as_str()).or_default() += 1;
        worst = worst.worst(state);
    }
    let overdue = i.runs.iter().filter(|r| r.overdue).count();
    let failing = probes
        .iter()
        .filter(|p| p.state.is_some_and(|s| s != Status::Ok))
        .count();
    let mut parts = Vec::new();
    let mut count = |n: usize, one: &str, many: &str| {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    };
    count(failing, "probe failing", "probes failing");
    count(i.incidents.open, "incident open", "incidents open");
    count(i.alerts.len(), "alert active", "alerts active");
    count(overdue, "command overdue", "commands overdue");
    let critical_incident = i
        .incidents
        .open_by_severity
        .get(Severity::Critical.as_str())
        .is_some_and(|n| *n > 0);
    let state = match worst {
        Status::Critical => "critical",
        _ if critical_incident => "critical",
        Status::Ok if parts.is_empty() => "ok",
        _ => "warning",
    };
    Overall {
        state,
        headline: if parts.is_empty() {
            "all well".to_string()
        } else {
            parts.join(", ")
        },
        probes: by_state,
        incidents_open: i.incidents.open,
        alerts_active: i.alerts.len(),
        commands_overdue: overdue,
    }
}

/// The share of OK results over the last `n` hours of a probe's hours, when
/// the window holds that many.
fn uptime(cells: &[Option<&ProbeHour>], n: usize) -> Option<f64> {
    let from = cells.len().checked_sub(n)?;
    let (mut ok, mut all) = (0u64, 0u64);
    for p in cells[from..].iter().flatten() {
        ok += p.ok;
        all += p.results();
    }
    (all > 0).then(|| ok as f64 / all as f64)
}

fn probes(i: &Inputs<'_>, starts: &[i64]) -> Vec<ProbeReport> {
    let mut names: Vec<&str> = i.probes.probes.keys().map(String::as_str).collect();
    for h in starts {
        if let Some(hour) = i.hours.0.get(h) {
            names.extend(hour.probes.keys().map(String::as_str));
        }
    }
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| probe(i, starts, name))
        .collect()
}

fn probe(i: &Inputs<'_>, starts: &[i64], name: &str) -> ProbeReport {
    // The probe's figures of each hour, looked up once.
    let cells: Vec<Option<&ProbeHour>> = starts
        .iter()
        .map(|h| i.hours.0.get(h).and_then(|hour| hour.probes.get(name)))
        .collect();
    let in_hours = || cells.iter().copied();
    let mut results: BTreeMap<&'static str, u64> =
        Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut last = None;
    for p in in_hours().flatten() {
        for (status, n) in [
            (Status::Ok, p.ok),
            (Status::Warning, p.warning),
            (Status::Critical, p.critical),
            (Status::Unknown, p.unknown),
        ] {
            *results.entry(status.as_str()).or_default() += n;
        }
        if p.last.is_some() {
            last = p.last.clone();
        }
    }
    // Labels in the order of their first appearance, series per label.
    let mut labels: Vec<String> = Vec::new();
    for p in in_hours().flatten() {
        for label in p.perf.keys() {
            if !labels.contains(label) {
                labels.push(label.clone());
            }
        }
    }
    let perfdata = labels
        .into_iter()
        .map(|label| {
            let points: Vec<_> = in_hours()
                .map(|p| p.and_then(|p| p.perf.get(&label)))
                .collect();
            let latest = points.iter().flatten().next_back();
            PerfSeries {
                uom: latest.map(|p| p.uom.clone()).unwrap_or_default(),
                warn: latest.and_then(|p| p.warn.clone()),
                crit: latest.and_then(|p| p.crit.clone()),
                values: points.iter().map(|p| p.map(|p| p.value)).collect(),
                label,
            }
        })
        .collect();
    let now_state = i.probes.probes.get(name);
    ProbeReport {
        name: name.to_string(),
        state: now_state
            .map(|s| s.status)
            .or(last.as_ref().map(|l| l.status)),
        since: now_state.map(|s| s.since.clone()),
        summary: now_state.map(|s| s.summary.clone()).unwrap_or_default(),
        last_checked: now_state.map(|s| s.last_checked.clone()).or_else(|| {
            last.as_ref()
                .and_then(|l| DateTime::from_timestamp_millis(l.ms))
                .map(format_ts)
        }),
        last_duration_ms: last.as_ref().and_then(|l| l.duration_ms),
        uptime: Uptime {
            day: uptime(&cells, 24),
            week: uptime(&cells, 7 * 24),
            month: uptime(&cells, 30 * 24),
        },
        results,
        strip: in_hours()
            .map(|p| Cell::of(p.and_then(|p| p.worst())))
            .collect(),
        latency_ms: in_hours()
            .map(|p| {
                p.filter(|p| p.duration_count > 0)
                    .map(|p| p.duration_sum_ms / p.duration_count)
            })
            .collect(),
        latency_max_ms: in_hours()
            .map(|p| {
                p.filter(|p| p.duration_count > 0)
                    .map(|p| p.duration_max_ms)
            })
            .collect(),
        perfdata,
    }
}

fn watcher_flags(hours: &Hours, starts: &[i64]) -> WatcherFlags {
    let mut by_watcher: BTreeMap<String, u64> = BTreeMap::new();
    let mut recent: Vec<Flag> = Vec::new();
    for hour in starts.iter().filter_map(|h| hours.0.get(h)) {
        for (watcher, n) in &hour.flags {
            *by_watcher.entry(watcher.clone()).or_default() += n;
        }
        recent.extend(hour.recent_flags.iter().cloned());
        if recent.len() >= 2 * FLAGS_KEPT {
            keep_latest_flags(&mut recent);
        }
    }
    keep_latest_flags(&mut recent);
    WatcherFlags {
        total: by_watcher.values().sum(),
        by_watcher,
        recent: recent
            .into_iter()
            .rev()
            .map(|f| FlagRow {
                ts: DateTime::from_timestamp_millis(f.ms)
                    .map(format_ts)
                    .unwrap_or_default(),
                watcher: f.watcher,
                entity_id: f.entity_id,
                choice: f.choice,
                context: f.context,
            })
            .collect(),
    }
}

fn nanos_to_usd(nanos: i64) -> f64 {
    nanos as f64 / 1e9
}

fn llm(hours: &Hours, window: &Window, starts: &[i64], budget_usd: f64) -> Llm {
    // Per day, per route, in whole nano-dollars until the end.
    let mut per_day: BTreeMap<NaiveDate, BTreeMap<String, (RouteDay, i64)>> = BTreeMap::new();
    for h in starts {
        let (Some(hour), Some(day)) = (hours.0.get(h), day_of(*h)) else {
            continue;
        };
        for (route, calls) in &hour.routes {
            let (sum, nanos) = per_day
                .entry(day)
                .or_default()
                .entry(route.clone())
                .or_default();
            sum.calls += calls.calls;
            sum.input_tokens += calls.input_tokens;
            sum.output_tokens += calls.output_tokens;
            *nanos = nanos.saturating_add(calls.cost_nanos);
        }
    }
    let mut routes: Vec<String> = per_day.values().flat_map(|r| r.keys().cloned()).collect();
    routes.sort();
    routes.dedup();
    let mut total_nanos = 0i64;
    let (mut calls, mut input_tokens, mut output_tokens) = (0, 0, 0);
    let days = days(window)
        .into_iter()
        .map(|day| {
            let routes = per_day.remove(&day).unwrap_or_default();
            let nanos: i64 = routes.values().map(|(_, n)| *n).sum();
            total_nanos = total_nanos.saturating_add(nanos);
            let routes: BTreeMap<String, RouteDay> = routes
                .into_iter()
                .map(|(route, (mut sum, n))| {
                    sum.cost_usd = nanos_to_usd(n);
                    calls += sum.calls;
                    input_tokens += sum.input_tokens;
                    output_tokens += sum.output_tokens;
                    (route, sum)
                })
                .collect();
            let cost_usd = nanos_to_usd(nanos);
            LlmDay {
                day: day.to_string(),
                cost_usd,
                over_budget: cost_usd > budget_usd,
                routes,
            }
        })
        .collect();
    Llm {
        budget_usd,
        routes,
        days,
        cost_usd: nanos_to_usd(total_nanos),
        calls,
        input_tokens,
        output_tokens,
    }
}

fn gc(hours: &Hours, window: &Window, starts: &[i64]) -> Vec<GcDay> {
    let mut per_day: BTreeMap<NaiveDate, GcDay> = BTreeMap::new();
    for h in starts {
        let (Some(hour), Some(day)) = (hours.0.get(h), day_of(*h)) else {
            continue;
        };
        let d = per_day.entry(day).or_default();
        d.checkpoints += hour.gc.checkpoints;
        d.checkpoint_bytes += hour.gc.checkpoint_bytes;
        d.segments += hour.gc.segments;
        d.segment_bytes += hour.gc.segment_bytes;
        d.segment_rows += hour.gc.segment_rows;
    }
    days(window)
        .into_iter()
        .map(|day| GcDay {
            day: day.to_string(),
            ..per_day.remove(&day).unwrap_or_default()
        })
        .collect()
}

/// How long something lasted, coarsely: `45s`, `12m`, `3h 5m`, `2d 4h`.
pub fn span(delta: TimeDelta) -> String {
    let s = delta.num_seconds().max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::window::Select;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    fn inputs<'a>(hours: &'a Hours, probes: &'a ProbesState, now: &str, len_h: i64) -> Inputs<'a> {
        let now = t(now);
        let current = super::super::hours::hour_of(now.timestamp_millis());
        Inputs {
            now,
            window: Window {
                since: DateTime::from_timestamp_millis(current - (len_h - 1) * HOUR_MS).unwrap(),
                until: now,
            },
            length: format!("{len_h}h"),
            hours,
            probes,
            incidents: incidents(
                &IncidentsState::default(),
                &Window {
                    since: now,
                    until: now,
                },
                now,
                TimeDelta::days(30),
                "30d",
            ),
            alerts: vec![],
            silences: vec![],
            proposals: vec![],
            runs: vec![],
            budget_usd: 1.0,
            scan: ScanInfo {
                bytes_read: 0,
                bytes_cached: 0,
                rows_read: 0,
                lines_skipped: 0,
            },
        }
    }

    fn row(hours: &mut Hours, kind: usize, ts: &str, details: &str) {
        hours.row(kind, t(ts), serde_json::from_str(details).unwrap());
    }

    #[test]
    fn uptime_periods_count_whole_hours_ending_with_the_current_one() {
        let mut hours = Hours::default();
        // 25 hours ago (outside 24h), 23 hours ago and now.
        row(
            &mut hours,
            0,
            "2026-05-23T07:10:00Z",
            r#"{"probe":"a","status":"critical"}"#,
        );
        row(
            &mut hours,
            0,
            "2026-05-23T09:10:00Z",
            r#"{"probe":"a","status":"ok"}"#,
        );
        row(
            &mut hours,
            0,
            "2026-05-24T08:00:00Z",
            r#"{"probe":"a","status":"warning","duration_ms":8}"#,
        );
        let probes = ProbesState::default();
        let report = build(inputs(&hours, &probes, "2026-05-24T08:30:00Z", 48));
        let a = &report.probes[0];
        assert_eq!(a.uptime.day, Some(0.5));
        assert_eq!(a.uptime.week, None, "a window shorter than the period");
        assert_eq!(a.strip.len(), 48);
        assert_eq!(a.strip[47], Cell::Warning);
        assert_eq!(a.strip[22], Cell::Critical);
        assert_eq!(a.strip[24], Cell::Ok);
        assert_eq!(a.strip[0], Cell::None);
        assert_eq!(a.latency_ms[47], Some(8));
        assert_eq!(a.state, Some(Status::Warning));
        assert_eq!(report.overall.state, "warning");
        assert_eq!(report.overall.headline, "1 probe failing");
    }

    #[test]
    fn spend_is_summed_per_day_against_the_budget() {
        let mut hours = Hours::default();
        row(
            &mut hours,
            1,
            "2026-05-23T23:59:59Z",
            r#"{"route":"a","cost_usd":0.7}"#,
        );
        row(
            &mut hours,
            1,
            "2026-05-23T10:00:00Z",
            r#"{"route":"b","cost_usd":0.4,"input_tokens":10}"#,
        );
        row(
            &mut hours,
            1,
            "2026-05-24T00:00:00Z",
            r#"{"route":"a","cost_usd":0.1}"#,
        );
        let probes = ProbesState::default();
        let report = build(inputs(&hours, &probes, "2026-05-24T08:30:00Z", 48));
        let days: Vec<(&str, f64, bool)> = report
            .llm
            .days
            .iter()
            .map(|d| (d.day.as_str(), d.cost_usd, d.over_budget))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-05-22", 0.0, false),
                ("2026-05-23", 1.1, true),
                ("2026-05-24", 0.1, false)
            ]
        );
        assert_eq!(report.llm.routes, ["a", "b"]);
        assert_eq!(report.llm.input_tokens, 10);
        assert_eq!(report.overall.headline, "all well");
    }

    #[test]
    fn incidents_of_the_window_open_first_then_resolved_inside_it() {
        use crate::incidents::{Incident, IncidentsState};
        let now = t("2026-05-24T08:30:00Z");
        let window = Window {
            since: t("2026-05-23T09:00:00Z"),
            until: now,
        };
        let incident = |id: &str, severity, started: &str, resolved: Option<&str>| Incident {
            id: id.to_string(),
            alert_id: format!("probe:{id}:down"),
            severity,
            category: "down".to_string(),
            title: format!("{id} is down"),
            summary: String::new(),
            started_at: t(started),
            opened_at: t(started),
            resolved_at: resolved.map(t),
            conversations: BTreeMap::new(),
            messages: 1,
            first_message_at: None,
            last_message_at: None,
            reminders: 0,
            last_reminder_at: None,
            investigated: None,
        };
        let mut state = IncidentsState::default();
        for i in [
            incident(
                "old",
                Severity::Critical,
                "2026-05-20T00:00:00Z",
                Some("2026-05-23T08:59:59.999Z"),
            ),
            incident(
                "edge",
                Severity::Info,
                "2026-05-23T08:00:00Z",
                Some("2026-05-23T09:00:00Z"),
            ),
            incident(
                "late",
                Severity::Warning,
                "2026-05-24T01:00:00Z",
                Some("2026-05-24T02:00:00Z"),
            ),
            incident("a", Severity::Warning, "2026-05-24T07:00:00Z", None),
            incident("b", Severity::Critical, "2026-05-24T08:00:00Z", None),
        ] {
            state.incidents.insert(i.id.clone(), i);
        }
        let day = TimeDelta::days(1);
        let got = incidents(&state, &window, now, day, "1d");
        let ids: Vec<&str> = got.rows.iter().map(|r| r.incident_id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "late", "edge"]);
        assert_eq!((got.open, got.resolved), (2, 2));
        assert_eq!(
            got.open_by_severity,
            BTreeMap::from([("critical", 1), ("info", 0), ("warning", 1)])
        );
        assert_eq!(got.rows[0].duration_s, 1800);
        assert_eq!(got.rows[2].duration_s, 3600);
        assert!(got.rows[0].silence_command.is_some());
        assert_eq!(got.rows[2].silence_command, None);
        // The window is 23.5 hours: within a day of keeping, no note.
        assert_eq!(got.note, None);
        let hour = TimeDelta::hours(23);
        assert!(incidents(&state, &window, now, hour, "23h").note.is_some());
        // An open critical incident makes the whole critical.
        let hours = Hours::default();
        let probes = ProbesState::default();
        let mut i = inputs(&hours, &probes, "2026-05-24T08:30:00Z", 24);
        i.incidents = got;
        let report = build(i);
        assert_eq!(report.overall.state, "critical");
        assert_eq!(report.overall.headline, "2 incidents open");
    }

    #[test]
    fn decide_commands_quote_the_id() {
        assert_eq!(
            decide_commands("p-router-1").0,
            "tend promote approve p-router-1 --note ''"
        );
        assert_eq!(
            decide_commands("p x;rm").1,
            "tend promote reject 'p x;rm' --note 'why'"
        );
    }

    #[test]
    fn spans_at_their_unit_boundaries() {
        assert_eq!(span(TimeDelta::seconds(59)), "59s");
        assert_eq!(span(TimeDelta::seconds(60)), "1m");
        assert_eq!(span(TimeDelta::seconds(3600 + 120)), "1h 2m");
        assert_eq!(span(TimeDelta::seconds(86_400 * 2 + 3600)), "2d 1h");
    }
}
