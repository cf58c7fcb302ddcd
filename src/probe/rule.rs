//! What a result means (design §4): its issue category and severity, the probe's
//! next state (consecutive counts, the non-OK episode, recovery after
//! `recover_after` OKs as Gatus' success-threshold, flapping), and the audit
//! rows to write. Pure: the previous state and a result in, the next state and
//! rows out.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::flap;
use super::nagios::Status;
use super::result::ProbeResult;
use super::state::{Change, HistoryEntry, KEEP, ProbeState};
use crate::audit::{Kind, Row};
use crate::config::{EnvelopeConfig, SeverityMap};
use crate::severity::Severity;

/// The `issue_category` of a result: the JSON probe's category, else the
/// probe's configured one, else the state's name. An OK result is `ok` unless
/// the JSON probe named a category (a configured category names a problem).
pub fn issue_category(
    status: Status,
    from_output: Option<&str>,
    configured: Option<&str>,
) -> String {
    match (status, from_output, configured) {
        (_, Some(category), _) => category.to_string(),
        (Status::Ok, None, _) => Status::Ok.as_str().to_string(),
        (_, None, Some(category)) => category.to_string(),
        (_, None, None) => status.as_str().to_string(),
    }
}

/// The severity of a wake for a result: none for OK, else the probe's map.
pub fn severity(status: Status, map: &SeverityMap) -> Option<Severity> {
    match status {
        Status::Ok => None,
        Status::Warning => Some(map.warning),
        Status::Critical => Some(map.critical),
        Status::Unknown => Some(map.unknown),
    }
}

/// A result as the rule sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub status: Status,
    pub issue_category: String,
    pub severity: Option<Severity>,
    pub summary: String,
    /// When it was observed (RFC 3339, as the audit log writes it).
    pub at: String,
}

/// A non-OK episode that ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub issue_category: String,
    pub down_since: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlapChange {
    Started,
    Ended,
}

/// What the rule decided for one result.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub state: ProbeState,
    /// The status before this result (`None` for a probe's first result).
    pub previous: Option<Status>,
    /// The status differs from the previous one.
    pub changed: bool,
    /// A non-OK result: write `probe.wake_requested`.
    pub wake: bool,
    /// `recover_after` OKs in a row ended an episode: write `probe.recovered`.
    pub recovered: Option<Recovery>,
    pub flap: Option<FlapChange>,
}

fn keep_last<T>(items: &mut Vec<T>) {
    if items.len() > KEEP {
        items.drain(..items.len() - KEEP);
    }
}

/// The next state of a probe after `obs`.
pub fn apply(previous: Option<&ProbeState>, obs: Observation, recover_after: u32) -> Decision {
    let prev_status = previous.map(|p| p.status);
    let same = prev_status == Some(obs.status);
    let changed = prev_status.is_some() && !same;

    let mut history = previous.map(|p| p.history.clone()).unwrap_or_default();
    history.push(HistoryEntry {
        ts: obs.at.clone(),
        status: obs.status,
    });
    keep_last(&mut history);

    let mut changes = previous.map(|p| p.changes.clone()).unwrap_or_default();
    if let (true, Some(from)) = (changed, prev_status) {
        changes.push(Change {
            ts: obs.at.clone(),
            from,
            to: obs.status,
        });
        keep_last(&mut changes);
    }

    let (since, consecutive) = match previous {
        Some(p) if same => (p.since.clone(), p.consecutive.saturating_add(1)),
        _ => (obs.at.clone(), 1),
    };
    let consecutive_ok = match obs.status {
        Status::Ok => previous.map_or(0, |p| p.consecutive_ok).saturating_add(1),
        _ => 0,
    };

    let mut down_since = previous.and_then(|p| p.down_since.clone());
    let mut down_category = previous.and_then(|p| p.down_category.clone());
    let mut recovered = None;
    let wake = obs.status != Status::Ok;
    if wake {
        down_since.get_or_insert_with(|| obs.at.clone());
        down_category = Some(obs.issue_category.clone());
    } else if consecutive_ok >= recover_after
        && let Some(since) = down_since.take()
    {
        recovered = Some(Recovery {
            issue_category: down_category.take().unwrap_or_else(|| "unknown".into()),
            down_since: since,
        });
    }

    let statuses: Vec<Status> = history.iter().map(|h| h.status).collect();
    let share = flap::share(&statuses);
    let was_flapping = previous.is_some_and(|p| p.flapping);
    let flapping = flap::next(was_flapping, share);
    let (flap, flapping_since, flapping_ended) = match (was_flapping, flapping) {
        (false, true) => (Some(FlapChange::Started), Some(obs.at.clone()), None),
        (true, false) => (Some(FlapChange::Ended), None, Some(obs.at.clone())),
        _ => (
            None,
            previous.and_then(|p| p.flapping_since.clone()),
            previous.and_then(|p| p.flapping_ended.clone()),
        ),
    };

    Decision {
        state: ProbeState {
            status: obs.status,
            issue_category: obs.issue_category,
            severity: obs.severity,
            summary: obs.summary,
            since,
            last_checked: obs.at,
            consecutive,
            consecutive_ok,
            down_since,
            down_category,
            flapping,
            flapping_since,
            flapping_ended,
            state_change_percent: share.percent(),
            history,
            changes,
        },
        previous: prev_status,
        changed,
        wake,
        recovered,
        flap,
    }
}

/// What the rows need to know about the probe beyond its result.
#[derive(Debug, Clone, Copy)]
pub struct ProbeInfo<'a> {
    pub name: &'a str,
    /// exec | http | tcp
    pub kind: &'a str,
    pub envelope: &'a EnvelopeConfig,
}

/// The observations a wake carries: the JSON probe's own, then the
/// performance data, the long output and the exit code when there are any,
/// and `output_cut` when the output was cut to `output_limit`.
pub fn observations(result: &ProbeResult) -> Map<String, Value> {
    let mut map = result.observations.clone();
    if !result.perfdata.is_empty() {
        map.entry("perfdata")
            .or_insert_with(|| json!(result.perfdata));
    }
    if !result.long_output.is_empty() {
        map.entry("long_output")
            .or_insert_with(|| json!(result.long_output));
    }
    if let Some(code) = result.exit_code {
        map.entry("exit_code").or_insert_with(|| json!(code));
    }
    // Whoever reads the wake (the engine, the operator) learns that there was
    // more than `output_limit` kept.
    if result.output_cut {
        map.entry("output_cut").or_insert_with(|| json!(true));
    }
    map
}

/// The audit rows of one result: `probe.observed` always, then
/// `probe.wake_requested` for a non-OK result and `probe.recovered` when an
/// episode ended.
pub fn rows(
    probe: ProbeInfo<'_>,
    result: &ProbeResult,
    decision: &Decision,
    ts: chrono::DateTime<chrono::Utc>,
) -> Vec<Row> {
    let state = &decision.state;
    let mut observed = json!({
        "probe": probe.name,
        "kind": probe.kind,
        "status": state.status,
        "issue_category": state.issue_category,
        "summary": state.summary,
        "perfdata": result.perfdata,
        "duration_ms": result.duration_ms,
        "exit_code": result.exit_code,
        "flapping": state.flapping,
    });
    let details = observed
        .as_object_mut()
        .expect("a json! object literal is an object");
    if !result.observations.is_empty() {
        details.insert("observations".into(), json!(result.observations));
    }
    if !result.long_output.is_empty() {
        details.insert("long_output".into(), json!(result.long_output));
    }
    if !result.perf_errors.is_empty() {
        details.insert("perfdata_errors".into(), json!(result.perf_errors));
    }
    if result.output_cut {
        details.insert("output_cut".into(), json!(true));
    }
    if !result.stderr.is_empty() {
        details.insert("stderr".into(), json!(result.stderr));
    }
    if let Some(previous) = decision.previous.filter(|_| decision.changed) {
        details.insert("previous".into(), json!(previous));
    }
    if let Some(flap) = decision.flap {
        details.insert("flap".into(), json!(flap));
        details.insert(
            "state_change_percent".into(),
            json!(state.state_change_percent),
        );
    }
    let mut rows = vec![Row::new(Kind::ProbeObserved, ts, observed)];

    let key = |category: &str| format!("probe:{}:{category}", probe.name);
    if decision.wake {
        let severity = state.severity.unwrap_or(Severity::Warning);
        let mut envelope = json!({"enabled": probe.envelope.enabled});
        if let Some(fix) = &probe.envelope.fix_name {
            envelope["fix_name"] = json!(fix);
        } else {
            envelope["fix_name"] = Value::Null;
        }
        let mut wake = json!({
            "probe": probe.name,
            "status": state.status,
            "issue_category": state.issue_category,
            "severity": severity,
            "summary": state.summary,
            "observations": observations(result),
            "envelope": envelope,
            "flapping": state.flapping,
            "consecutive": state.consecutive,
            "down_since": state.down_since,
        });
        if let Some(flap) = decision.flap {
            wake["flap"] = json!(flap);
        }
        rows.push(
            Row::new(Kind::ProbeWakeRequested, ts, wake)
                .with_correlation_key(key(&state.issue_category)),
        );
    }
    if let Some(recovery) = &decision.recovered {
        // The same episode always recovers under the same id, so a re-run
        // after a crash between the audit write and the state write repeats
        // the fact rather than inventing a second one.
        rows.push(
            Row::deterministic(
                Kind::ProbeRecovered,
                ts,
                &format!("{}:{}", probe.name, recovery.down_since),
                json!({
                    "probe": probe.name,
                    "issue_category": recovery.issue_category,
                    "down_since": recovery.down_since,
                    "summary": state.summary,
                }),
            )
            .with_correlation_key(key(&recovery.issue_category)),
        );
    }
    rows
}

/// Whether a result is news for the operator reading cron's mail (design §10
/// Output): a new failure (a first non-OK result, or a change of status or
/// category while failing), a confirmed recovery, the start or end of
/// flapping. A probe failing as it was is not news; neither is the first OK
/// after a failure before `recover_after` confirms it, nor any change while
/// the probe is flapping (its start said so once).
pub fn is_news(previous: Option<&ProbeState>, decision: &Decision) -> bool {
    let now = &decision.state;
    if decision.flap.is_some() {
        return true;
    }
    if now.flapping {
        return false;
    }
    if decision.recovered.is_some() {
        return true;
    }
    match previous {
        _ if now.status == Status::Ok => false,
        None => true,
        Some(p) => p.status != now.status || p.issue_category != now.issue_category,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::{Critical as C, Ok as O, Unknown as U, Warning as W};

    fn obs(status: Status, n: u32) -> Observation {
        Observation {
            status,
            issue_category: issue_category(status, None, Some("api_down")),
            severity: severity(status, &SeverityMap::default()),
            summary: format!("{status} #{n}"),
            at: format!("2026-05-24T08:{:02}:00.000Z", n),
        }
    }

    /// Applies `statuses` in order; returns every decision.
    fn run(statuses: &[Status], recover_after: u32) -> Vec<Decision> {
        let mut state: Option<ProbeState> = None;
        let mut out = Vec::new();
        for (n, s) in statuses.iter().enumerate() {
            let d = apply(state.as_ref(), obs(*s, n as u32), recover_after);
            state = Some(d.state.clone());
            out.push(d);
        }
        out
    }

    #[test]
    fn category_rule() {
        assert_eq!(issue_category(C, Some("q"), Some("api")), "q");
        assert_eq!(issue_category(C, None, Some("api")), "api");
        assert_eq!(issue_category(W, None, None), "warning");
        assert_eq!(issue_category(U, None, None), "unknown");
        assert_eq!(issue_category(O, None, Some("api")), "ok");
        assert_eq!(issue_category(O, Some("fine"), Some("api")), "fine");
    }

    #[test]
    fn severity_map_defaults_and_overrides() {
        let map = SeverityMap::default();
        assert_eq!(severity(O, &map), None);
        assert_eq!(severity(W, &map), Some(Severity::Warning));
        assert_eq!(severity(C, &map), Some(Severity::Critical));
        assert_eq!(severity(U, &map), Some(Severity::Warning));
        let custom = SeverityMap {
            warning: Severity::Info,
            critical: Severity::Warning,
            unknown: Severity::Critical,
        };
        assert_eq!(severity(W, &custom), Some(Severity::Info));
        assert_eq!(severity(U, &custom), Some(Severity::Critical));
    }

    #[test]
    fn first_result_is_not_a_change() {
        let d = &run(&[O], 2)[0];
        assert_eq!((d.previous, d.changed, d.wake), (None, false, false));
        assert_eq!((d.state.consecutive, d.state.consecutive_ok), (1, 1));
        assert!(d.state.changes.is_empty() && d.state.down_since.is_none());
        let d = &run(&[C], 2)[0];
        assert!(d.wake && !d.changed);
        assert_eq!(d.state.down_since.as_deref(), Some(d.state.since.as_str()));
    }

    #[test]
    fn consecutive_counts_and_changes() {
        let ds = run(&[O, O, C, C, C, W], 2);
        let last = &ds[5].state;
        assert_eq!(ds[4].state.consecutive, 3);
        assert_eq!(ds[4].state.since, ds[2].state.last_checked);
        assert_eq!(last.consecutive, 1);
        assert_eq!(last.consecutive_ok, 0);
        assert_eq!(ds[1].state.consecutive_ok, 2);
        assert_eq!(
            last.changes
                .iter()
                .map(|c| (c.from, c.to))
                .collect::<Vec<_>>(),
            [(O, C), (C, W)]
        );
        // The episode started at the first non-OK result and carries the latest category.
        assert_eq!(last.down_since, ds[2].state.down_since);
        assert!(ds[2].changed && !ds[3].changed && ds[5].changed);
        assert!(ds.iter().skip(2).all(|d| d.wake));
    }

    #[test]
    fn recovery_after_exactly_recover_after_oks() {
        for recover_after in 1..=4u32 {
            let mut seq = vec![O, C, C];
            seq.extend(std::iter::repeat_n(O, recover_after as usize + 2));
            let ds = run(&seq, recover_after);
            let recovered: Vec<usize> = ds
                .iter()
                .enumerate()
                .filter(|(_, d)| d.recovered.is_some())
                .map(|(i, _)| i)
                .collect();
            // Index 2 is the last CRITICAL; the n-th OK after it is 2 + n.
            assert_eq!(
                recovered,
                [2 + recover_after as usize],
                "recover_after = {recover_after}"
            );
            let at = recovered[0];
            let r = ds[at].recovered.as_ref().unwrap();
            assert_eq!(r.down_since, ds[1].state.last_checked);
            assert_eq!(r.issue_category, "api_down");
            assert!(ds[at].state.down_since.is_none());
            // One OK fewer keeps the episode open.
            assert!(ds[at - 1].state.down_since.is_some());
        }
    }

    #[test]
    fn a_relapse_before_recovery_continues_the_episode() {
        let ds = run(&[C, O, C, O, O], 2);
        assert!(ds[1].recovered.is_none() && ds[2].recovered.is_none());
        assert_eq!(ds[2].state.down_since, ds[0].state.down_since);
        assert_eq!(
            ds[4].recovered.as_ref().unwrap().down_since,
            ds[0].state.last_checked
        );
        // An OK probe that was never down never "recovers".
        assert!(run(&[O, O, O], 1).iter().all(|d| d.recovered.is_none()));
    }

    #[test]
    fn history_and_changes_keep_the_last_20() {
        let seq: Vec<Status> = (0..50).map(|i| if i % 3 == 0 { C } else { O }).collect();
        let ds = run(&seq, 2);
        let last = &ds[49].state;
        assert_eq!(last.history.len(), KEEP);
        assert_eq!(last.changes.len(), KEEP);
        assert_eq!(last.history[19].ts, last.last_checked);
    }

    /// `is_news` of each result of `statuses` applied in order.
    fn news(statuses: &[Status], recover_after: u32) -> Vec<bool> {
        let mut state: Option<ProbeState> = None;
        let mut out = Vec::new();
        for (n, s) in statuses.iter().enumerate() {
            let d = apply(state.as_ref(), obs(*s, n as u32), recover_after);
            out.push(is_news(state.as_ref(), &d));
            state = Some(d.state.clone());
        }
        out
    }

    #[test]
    fn news_is_a_new_failure_a_confirmed_recovery_or_a_flap() {
        let (t, f) = (true, false);
        assert_eq!(news(&[O, O, O], 2), [f, f, f]);
        assert_eq!(news(&[C, C, C], 2), [t, f, f]);
        // The first OK is not yet a recovery; the second confirms it.
        assert_eq!(news(&[O, C, C, O, O, O], 2), [f, t, f, f, t, f]);
        assert_eq!(news(&[O, C, O], 1), [f, t, t]);
        // A blip that returns to failing before recovery: the return is news again.
        assert_eq!(news(&[C, O, C], 2), [t, f, t]);
        assert_eq!(news(&[W, C, C, U], 2), [t, t, f, t]);
    }

    #[test]
    fn news_on_a_new_category_while_failing() {
        let first = apply(None, obs(C, 0), 2);
        let mut next = obs(C, 1);
        next.issue_category = "disk_full".into();
        let second = apply(Some(&first.state), next, 2);
        assert!(is_news(Some(&first.state), &second));
        let third = apply(Some(&second.state), obs(C, 2), 2);
        assert!(is_news(Some(&second.state), &third));
    }

    #[test]
    fn flapping_is_news_once_when_it_starts_and_once_when_it_ends() {
        let mut seq: Vec<Status> = (0..10).map(|i| if i % 2 == 0 { O } else { C }).collect();
        seq.extend(std::iter::repeat_n(O, 25));
        for recover_after in [1, 2] {
            let ds = run(&seq, recover_after);
            let marks: Vec<usize> = (0..ds.len()).filter(|&i| ds[i].flap.is_some()).collect();
            let first_flap = marks[0];
            let shown: Vec<usize> = news(&seq, recover_after)
                .iter()
                .enumerate()
                .filter(|(_, n)| **n)
                .map(|(i, _)| i)
                .collect();
            // Before flapping: each failure (and, with recover_after 1, each
            // recovery) is news; while it flaps, only its start and end.
            assert!(shown.contains(&1));
            assert_eq!(
                shown
                    .iter()
                    .filter(|&&i| i >= first_flap)
                    .copied()
                    .collect::<Vec<_>>(),
                marks
            );
        }
    }

    #[test]
    fn flapping_starts_and_ends_with_marks() {
        let mut seq: Vec<Status> = (0..10).map(|i| if i % 2 == 0 { O } else { C }).collect();
        seq.extend(std::iter::repeat_n(O, 25));
        let ds = run(&seq, 2);
        let started: Vec<usize> = (0..ds.len())
            .filter(|&i| ds[i].flap == Some(FlapChange::Started))
            .collect();
        let ended: Vec<usize> = (0..ds.len())
            .filter(|&i| ds[i].flap == Some(FlapChange::Ended))
            .collect();
        assert_eq!(started, [5]);
        assert_eq!(ended.len(), 1);
        assert!(ds[5].state.flapping && ds[5].state.flapping_since.is_some());
        assert!(ds[ended[0] - 1].state.flapping);
        let end = &ds[ended[0]].state;
        assert!(!end.flapping && end.flapping_since.is_none());
        assert_eq!(
            end.flapping_ended.as_deref(),
            Some(end.last_checked.as_str())
        );
        assert!(ds[5].state.flapping_ended.is_none());
        assert!(ds[7].wake && ds[7].state.flapping);
    }

    #[test]
    fn rows_carry_the_contract_fields() {
        let envelope = EnvelopeConfig {
            enabled: true,
            fix_name: Some("restart_api".into()),
        };
        let info = ProbeInfo {
            name: "api",
            kind: "http",
            envelope: &envelope,
        };
        let ts = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let mut result = ProbeResult::new(C, "HTTP 500", std::time::Duration::from_millis(7));
        result.perfdata = crate::probe::nagios::parse_text("x | time=0.5s;1;2").perfdata;
        let ds = run(&[C, O, O], 2);

        let rows0 = rows(info, &result, &ds[0], ts);
        assert_eq!(rows0.len(), 2);
        assert_eq!(rows0[0].kind, Kind::ProbeObserved);
        let observed = &rows0[0].details;
        for field in [
            "probe",
            "status",
            "summary",
            "perfdata",
            "duration_ms",
            "exit_code",
        ] {
            assert!(observed.get(field).is_some(), "observed lacks {field}");
        }
        assert_eq!(observed["perfdata"][0]["label"], "time");
        let wake = &rows0[1];
        assert_eq!(wake.kind, Kind::ProbeWakeRequested);
        assert_eq!(wake.correlation_key.as_deref(), Some("probe:api:api_down"));
        assert_eq!(wake.details["severity"], "critical");
        assert_eq!(
            wake.details["envelope"],
            json!({"enabled": true, "fix_name": "restart_api"})
        );
        assert_eq!(wake.details["observations"]["perfdata"][0]["uom"], "s");
        assert_eq!(wake.details["flapping"], false);
        Row::check_details(Kind::ProbeWakeRequested, &wake.details).unwrap();
        Row::check_details(Kind::ProbeObserved, observed).unwrap();

        let ok = ProbeResult::new(O, "HTTP 200", std::time::Duration::from_millis(3));
        assert_eq!(rows(info, &ok, &ds[1], ts).len(), 1);
        let rows2 = rows(info, &ok, &ds[2], ts);
        assert_eq!(rows2.len(), 2);
        assert_eq!(rows2[1].kind, Kind::ProbeRecovered);
        assert_eq!(
            rows2[1].details["down_since"],
            ds[0].state.last_checked.as_str()
        );
        assert_eq!(rows2[1].details["issue_category"], "api_down");
        // The same episode recovers under the same id.
        assert_eq!(rows(info, &ok, &ds[2], ts)[1].id, rows2[1].id);
    }
}
