//! `tend status` (design §10): each command's last run and whether it is overdue
//! (a dead man's switch: exit 1), lock holders, each probe's status and
//! flapping, the wake cursor's lag, pending proposals, and active alerts.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::cli::{StatusArgs, StatusFormat};
use crate::ctx::{Ctx, Outcome, counters};
use crate::probe::nagios::Status;
use crate::probe::state::{ProbeState, ProbesState};
use crate::report::runs::{self, CommandStatus, Schedule, ago};
use crate::store::cursor::Cursor;

counters! {
    enum StatusCount {
        Overdue = "overdue",
    }
}

pub fn run(ctx: &mut Ctx, args: &StatusArgs) -> Result<Outcome> {
    let now = ctx.now();
    let commands = runs::commands(ctx)?;

    let probes = crate::probe::state::load(ctx)?.unwrap_or_default();
    let skipped_probes = crate::probe::skipped_files(&ctx.root, &ctx.config);
    let lag = cursor_lag(ctx)?;
    let wake_unconfirmed = crate::wake::unconfirmed(ctx);
    let proposals: BTreeMap<String, usize> = crate::promote::status::pending_counts(&ctx.root)?
        .into_iter()
        .map(|(lp, n)| (lp.to_string(), n))
        .collect();
    let alerts = crate::alerts::status_summary(ctx)?;
    for problem in alerts.iter().flat_map(|a| &a.problems) {
        ctx.out.warn(problem);
    }
    let watchers = crate::watchers::last_runs(ctx)?;
    let overdue = commands
        .iter()
        .filter(|c| c.schedule == Schedule::Overdue)
        .count();

    if args.format == StatusFormat::Prometheus && !ctx.out.json {
        let latest = crate::report::latest(ctx)?;
        let incidents = crate::incidents::load(ctx)?;
        let mut incidents_open: BTreeMap<&'static str, usize> = crate::severity::Severity::ALL
            .iter()
            .map(|s| (s.as_str(), 0))
            .collect();
        for incident in crate::incidents::open_incidents(&incidents) {
            *incidents_open
                .entry(incident.severity.as_str())
                .or_default() += 1;
        }
        let facts = Facts {
            incidents_open: &incidents_open,
            probes: &probes,
            latest: &latest,
            commands: &commands,
            lag: lag.as_ref(),
            proposals: &proposals,
            alerts: alerts.as_ref().map(|a| &a.by_severity),
            quarantined: count_files(&ctx.root.quarantine_dir()),
        };
        ctx.out.data(prometheus(&facts).as_bytes())?;
    } else if ctx.out.json {
        for c in &commands {
            ctx.out.json(c)?;
        }
        ctx.out.json(&json!({
            "summary": true,
            "root": ctx.root.dir(),
            "overdue": overdue,
            "wake_cursor": lag,
            "wake_unconfirmed": wake_unconfirmed,
            "pending_proposals": proposals,
            "probes": probe_summaries(&probes),
            "skipped_probes": skipped_probes,
            "alerts": alerts,
            "watchers": watchers,
        }))?;
    } else if ctx.out.verbosity != crate::ctx::Verbosity::Quiet {
        let mut text = format!("root {}\n", ctx.root.dir().display());
        if commands.is_empty() {
            text.push_str("no command has run yet\n");
        }
        for c in &commands {
            text.push_str(&format_command(c, now));
            text.push('\n');
        }
        for (name, probe) in &probes.probes {
            text.push_str(&format_probe(name, probe, now));
            text.push('\n');
        }
        for skipped in &skipped_probes {
            text.push_str(skipped);
            text.push('\n');
        }
        if let Some(lag) = &lag {
            text.push_str(&lag.line());
            text.push('\n');
        }
        if wake_unconfirmed > 0 {
            text.push_str(&crate::wake::unconfirmed_line(wake_unconfirmed));
            text.push('\n');
        }
        for (lp, n) in &proposals {
            let noun = if *n == 1 { "proposal" } else { "proposals" };
            text.push_str(&format!(
                "{lp}: {n} {noun} waiting (tend promote list --loop {lp})\n"
            ));
        }
        if let Some(alerts) = &alerts {
            text.push_str(&alerts.line());
            text.push('\n');
        }
        for (name, run) in &watchers {
            text.push_str(&crate::watchers::status_line(name, run));
            text.push('\n');
        }
        ctx.out.data(text.as_bytes())?;
    }
    let mut outcome = Outcome {
        failed: overdue > 0,
        ..Outcome::default()
    };
    outcome.count(StatusCount::Overdue, overdue as u64);
    Ok(outcome)
}

/// What `--format prometheus` reports.
struct Facts<'a> {
    probes: &'a ProbesState,
    latest: &'a crate::report::Latest,
    commands: &'a [CommandStatus],
    lag: Option<&'a crate::wake::lag::WakeLag>,
    proposals: &'a BTreeMap<String, usize>,
    alerts: Option<&'a BTreeMap<&'static str, usize>>,
    /// Open incidents per severity, every severity listed.
    incidents_open: &'a BTreeMap<&'static str, usize>,
    quarantined: usize,
}

/// A label value escaped as the text format requires (`\`, `"`, newline).
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus text exposition format (version 0.0.4) of the status facts,
/// named per Prometheus conventions (base units, `_seconds`, `_bytes`).
fn prometheus(f: &Facts<'_>) -> String {
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: Vec<(String, String)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (labels, value) in samples {
            out.push_str(&format!("{name}{labels} {value}\n"));
        }
    };
    let per_command = |value: &dyn Fn(&CommandStatus) -> Option<String>| -> Vec<(String, String)> {
        f.commands
            .iter()
            .filter_map(|c| value(c).map(|v| (format!("{{command=\"{}\"}}", label(&c.command)), v)))
            .collect()
    };
    let ts = |t: &str| {
        crate::clock::parse_ts(t)
            .ok()
            .map(|t| format!("{:.3}", t.timestamp_millis() as f64 / 1000.0))
    };
    family(
        "tend_last_run_timestamp_seconds",
        "When the command's last run started (Unix time).",
        per_command(&|c| c.last_run.as_ref().and_then(|r| ts(&r.started_at))),
    );
    family(
        "tend_last_run_finished_timestamp_seconds",
        "When the command's last run finished (Unix time).",
        per_command(&|c| c.last_run.as_ref().and_then(|r| ts(&r.finished_at))),
    );
    family(
        "tend_last_run_duration_seconds",
        "How long the command's last run took.",
        per_command(&|c| {
            c.last_run
                .as_ref()
                .map(|r| format!("{:.3}", r.duration_ms as f64 / 1000.0))
        }),
    );
    family(
        "tend_last_run_exit_code",
        "The exit code of the command's last run.",
        per_command(&|c| c.last_run.as_ref().map(|r| r.exit_code.to_string())),
    );
    family(
        "tend_last_run_success",
        "1 when the command's last run succeeded (exit code 0), else 0.",
        per_command(&|c| {
            c.last_run
                .as_ref()
                .map(|r| u8::from(r.exit_code == 0).to_string())
        }),
    );
    family(
        "tend_overdue",
        "1 when the command is overdue against its expected interval, else 0.",
        per_command(&|c| match c.schedule {
            Schedule::Unchecked => None,
            s => Some(u8::from(s == Schedule::Overdue).to_string()),
        }),
    );
    if let Some(lag) = f.lag {
        family(
            "tend_wake_cursor_lag_bytes",
            "Bytes of the audit log wake consume has not read yet.",
            vec![(String::new(), lag.bytes.to_string())],
        );
        family(
            "tend_wake_cursor_lag_rows",
            "Rows of the kinds wake consume reads that it has not read yet.",
            vec![(String::new(), lag.rows.to_string())],
        );
    }
    family(
        "tend_proposals_pending",
        "Proposals waiting for review, per promotion loop.",
        f.proposals
            .iter()
            .map(|(lp, n)| (format!("{{loop=\"{}\"}}", label(lp)), n.to_string()))
            .collect(),
    );
    if let Some(alerts) = f.alerts {
        family(
            "tend_alerts_active",
            "Alerts firing as of the last alerts notify, per severity.",
            alerts
                .iter()
                .map(|(severity, n)| {
                    (
                        format!("{{severity=\"{}\"}}", label(severity)),
                        n.to_string(),
                    )
                })
                .collect(),
        );
    }
    family(
        "tend_incidents_open",
        "Incidents open (state/incidents.json), per severity.",
        f.incidents_open
            .iter()
            .map(|(severity, n)| {
                (
                    format!("{{severity=\"{}\"}}", label(severity)),
                    n.to_string(),
                )
            })
            .collect(),
    );
    family(
        "tend_quarantined_files",
        "State files moved to state/quarantine/ (see tend doctor).",
        vec![(String::new(), f.quarantined.to_string())],
    );
    probe_families(&mut family, f);
    out
}

/// A perfdata threshold as one number: a plain `N` (0..N) or a range with
/// one finite end (`10:`, `~:20`); a range with two (`@5:10`) has none.
fn threshold_value(range: &str) -> Option<f64> {
    match crate::report::html::threshold_lines(range).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// A sample value as the text format writes it (`NaN`, `+Inf` never occur:
/// perfdata values are finite).
fn sample(v: f64) -> String {
    format!("{v}")
}

/// The per-probe families (design §13), and the day's LLM cost per route.
fn probe_families(family: &mut impl FnMut(&str, &str, Vec<(String, String)>), f: &Facts<'_>) {
    let probe = |name: &str| format!("{{probe=\"{}\"}}", label(name));
    family(
        "tend_probe_state",
        "The probe's latest status: 0 ok, 1 warning, 2 critical, 3 unknown.",
        f.probes
            .probes
            .iter()
            .map(|(name, p)| (probe(name), p.status.exit_code().to_string()))
            .collect(),
    );
    family(
        "tend_probe_last_run_timestamp_seconds",
        "When the probe's latest result was taken (Unix time).",
        f.probes
            .probes
            .iter()
            .filter_map(|(name, p)| {
                let at = crate::clock::parse_ts(&p.last_checked).ok()?;
                Some((
                    probe(name),
                    format!("{:.3}", at.timestamp_millis() as f64 / 1000.0),
                ))
            })
            .collect(),
    );
    family(
        "tend_probe_duration_seconds",
        "How long the probe's latest result (of the last 24 hours) took.",
        f.latest
            .probes
            .iter()
            .filter_map(|(name, p)| {
                let ms = p.last.as_ref()?.duration_ms?;
                Some((probe(name), format!("{:.3}", ms as f64 / 1000.0)))
            })
            .collect(),
    );
    let perf = |value: &dyn Fn(&crate::report::hours::PerfPoint) -> Option<f64>| {
        let mut samples = Vec::new();
        for (name, p) in &f.latest.probes {
            for (perf_label, point) in &p.perf {
                if let Some(v) = value(point) {
                    samples.push((
                        format!(
                            "{{probe=\"{}\",label=\"{}\",uom=\"{}\"}}",
                            label(name),
                            label(perf_label),
                            label(&point.uom)
                        ),
                        sample(v),
                    ));
                }
            }
        }
        samples
    };
    family(
        "tend_probe_perfdata",
        "The probe's latest value of each perfdata label (of the last 24 hours), in its unit.",
        perf(&|p| Some(p.value)),
    );
    family(
        "tend_probe_perfdata_warn",
        "The warning threshold written with the perfdata value, where it is one number.",
        perf(&|p| p.warn.as_deref().and_then(threshold_value)),
    );
    family(
        "tend_probe_perfdata_crit",
        "The critical threshold written with the perfdata value, where it is one number.",
        perf(&|p| p.crit.as_deref().and_then(threshold_value)),
    );
    family(
        "tend_llm_cost_usd_today",
        "LLM cost recorded since the start of the UTC day, per route (US dollars).",
        f.latest
            .cost_today_usd
            .iter()
            .map(|(route, usd)| (format!("{{route=\"{}\"}}", label(route)), sample(*usd)))
            .collect(),
    );
}

/// Regular files in `dir` (0 when it does not exist).
/// Regular files under `dir`, at any depth (a quarantined run record is in
/// `quarantine/runs/`, a proposal in `quarantine/proposals/<loop>/<status>/`).
fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .count()
}

fn format_command(c: &CommandStatus, now: DateTime<Utc>) -> String {
    let mut line = format!("{:<15}", c.command);
    match &c.last_run {
        Some(run) => {
            let ago = crate::clock::parse_ts(&run.started_at)
                .map(|t| ago(now - t))
                .unwrap_or_default();
            line.push_str(&format!(
                "last run {} ({ago}), {} in {}ms",
                run.started_at, run.outcome, run.duration_ms
            ));
            if !run.counts.is_empty() {
                let counts: Vec<String> =
                    run.counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
                line.push_str(&format!(" [{}]", counts.join(", ")));
            }
        }
        None => line.push_str("never run"),
    }
    match (c.schedule, &c.expect) {
        (Schedule::Overdue, Some(expect)) => {
            line.push_str(&format!(" — OVERDUE (expected every {expect})"))
        }
        (Schedule::OnTime, Some(expect)) => line.push_str(&format!(" — on time (every {expect})")),
        _ => {}
    }
    if let Some(holder) = &c.lock_holder {
        line.push_str(&format!(" — running: {holder}"));
    }
    line
}

/// `probe api         CRITICAL since … (3m ago, 2 results) [api_down] — FLAPPING since …`
fn format_probe(name: &str, p: &ProbeState, now: DateTime<Utc>) -> String {
    let since = crate::clock::parse_ts(&p.since)
        .map(|t| ago(now - t))
        .unwrap_or_default();
    let mut line = format!(
        "probe {name:<15} {:<8} since {} ({since}, {} {})",
        p.status.upper(),
        p.since,
        p.consecutive,
        if p.consecutive == 1 {
            "result"
        } else {
            "results"
        }
    );
    if p.status != Status::Ok {
        line.push_str(&format!(" [{}]", p.issue_category));
    } else if let Some(down) = &p.down_since {
        line.push_str(&format!(" — recovering (down since {down})"));
    }
    if p.flapping {
        line.push_str(&format!(
            " — FLAPPING since {} ({:.1}% state changes)",
            p.flapping_since.as_deref().unwrap_or("?"),
            p.state_change_percent
        ));
    } else if let Some(ended) = &p.flapping_ended {
        line.push_str(&format!(" — stopped flapping at {ended}"));
    } else if let Some(last) = p.changes.last() {
        line.push_str(&format!(
            " — last change {} → {} at {}",
            last.from.upper(),
            last.to.upper(),
            last.ts
        ));
    }
    line
}

fn probe_summaries(state: &ProbesState) -> serde_json::Map<String, serde_json::Value> {
    state
        .probes
        .iter()
        .map(|(name, p)| {
            (
                name.clone(),
                json!({
                    "status": p.status,
                    "issue_category": p.issue_category,
                    "since": p.since,
                    "last_checked": p.last_checked,
                    "down_since": p.down_since,
                    "flapping": p.flapping,
                    "flapping_since": p.flapping_since,
                    "flapping_ended": p.flapping_ended,
                }),
            )
        })
        .collect()
}

/// How far `wake consume` is behind the end of the log, summed over
/// How far `wake consume` is behind the end of the log, summed over
/// segments, once it has a cursor.
fn cursor_lag(ctx: &Ctx) -> Result<Option<crate::wake::lag::WakeLag>> {
    let Some(cursor) = ctx.load_state::<Cursor>("wake.cursor.json")? else {
        return Ok(None);
    };
    crate::wake::lag::wake_lag(ctx, &cursor).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_label_values_are_escaped() {
        assert_eq!(label("probe run"), "probe run");
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
