//! `tend report` (SPEC §13): a status page, a terminal report and their
//! figures, from the audit log over a window and the state files.
//!
//! The handler gathers (the windowed scan through the segment cache in
//! [`cache`], the probes' states, alerts, silences, proposals and tend's own
//! runs), [`model::build`] turns that into the figures, and [`html`] or
//! [`text`] draws them (pure functions: a report in, a page out). `tick`
//! refreshes `[report] dir` through [`tick_step`].

pub mod cache;
pub mod hours;
pub mod html;
pub mod model;
pub mod runs;
pub mod text;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use crate::cli::{ReportArgs, ReportFormat};
use crate::clock::format_ts;
use crate::config::Duration;
use crate::ctx::{Ctx, Outcome, counters};
use crate::exit::UsageError;
use crate::promote::status::{Loop, ProposalStatus};
use crate::store::lock::Wait;
use model::{AlertRow, ProposalRow, Report, RunRow, ScanInfo, SilenceRow};

counters! {
    pub enum ReportCount {
        BytesRead = "bytes read",
        BytesCached = "bytes cached",
        Written = "written",
    }
}

/// The page's file name in the report directory.
pub const PAGE: &str = "index.html";

/// The command's name: its lock and its run record.
const COMMAND: &str = "report";

pub fn run(ctx: &mut Ctx, args: &ReportArgs) -> Result<Outcome> {
    let length = args.window.unwrap_or(ctx.config.report.window);
    if let Some(problem) = crate::config::report_window_problem(length) {
        return Err(UsageError(format!("--window {problem}")).into());
    }
    let format = args.format.unwrap_or(if args.out.is_some() {
        ReportFormat::Html
    } else {
        ReportFormat::Text
    });
    let wait = Wait::Up(std::time::Duration::from_secs(10));
    ctx.run_locked(COMMAND, wait, |ctx| {
        let (report, mut outcome) = gather(ctx, length)?;
        match &args.out {
            Some(dir) => {
                let written = write(ctx, dir, format, &report)?;
                outcome.count(ReportCount::Written, 1);
                ctx.out.summary(&format!("wrote {}", written.display()))?;
                ctx.out.json(&serde_json::json!({
                    "summary": true,
                    "command": COMMAND,
                    "written": written,
                    "dry_run": ctx.dry_run,
                }))?;
            }
            None => print(ctx, format, &report)?,
        }
        Ok(outcome)
    })
}

/// `tick`'s step: refreshes `[report] dir` when it is set and the last
/// report started at least `[report] every` ago (or its page is missing).
pub fn tick_step(ctx: &mut Ctx) -> Result<Outcome> {
    let config = ctx.config.report.clone();
    if config.dir.trim().is_empty() {
        return Ok(Outcome::default());
    }
    let dir = ctx.root.resolve(Path::new(&config.dir));
    let last = runs::last_started(ctx, COMMAND)?;
    if !is_due(last, ctx.now(), config.every) && dir.join(PAGE).exists() {
        return Ok(Outcome::default());
    }
    ctx.run_locked(COMMAND, Wait::No, |ctx| {
        let (report, mut outcome) = gather(ctx, config.window)?;
        let written = write(ctx, &dir, ReportFormat::Html, &report)?;
        outcome.count(ReportCount::Written, 1);
        ctx.out
            .item(&format!("report: wrote {}", written.display()))?;
        Ok(outcome)
    })
}

/// Whether a page last built at `last` is refreshed at `now`: never built,
/// built `every` or longer ago, or (a clock set back) after `now`.
pub fn is_due(last: Option<DateTime<Utc>>, now: DateTime<Utc>, every: Duration) -> bool {
    match last {
        None => true,
        Some(at) if at > now => true,
        Some(at) => now - at >= every.to_chrono(),
    }
}

/// Scans the window through the cache (saving the cache unless this is a
/// dry run) and reads the state files: the report, and the scan's counts.
fn gather(ctx: &mut Ctx, length: Duration) -> Result<(Report, Outcome)> {
    let now = ctx.now();
    let window = cache::window(now, length);
    let (old, problem) = cache::load(ctx);
    if let Some(problem) = problem {
        ctx.out.warn(&problem);
    }
    let scanned = cache::scan(ctx, window, old)?;
    for warning in &scanned.report.warnings {
        ctx.out.warn(warning);
    }
    if !ctx.dry_run {
        crate::store::state::save(&ctx.root.state_file(cache::FILE), &scanned.cache)?;
    }
    let mut outcome = Outcome::default();
    outcome.count(ReportCount::BytesRead, scanned.report.bytes);
    outcome.count(ReportCount::BytesCached, scanned.bytes_cached);
    let probes = crate::probe::state::load(ctx)?.unwrap_or_default();
    let (alerts, silences) = alerts(ctx)?;
    let proposals = proposals(ctx, &mut outcome)?;
    let runs = run_rows(ctx)?;
    let report = model::build(model::Inputs {
        now,
        window,
        length: length.to_string(),
        hours: &scanned.hours,
        probes: &probes,
        incidents: Vec::new(),
        incidents_open: 0,
        alerts,
        silences,
        proposals,
        runs,
        budget_usd: ctx.config.engine.max_daily_cost_usd,
        scan: ScanInfo {
            bytes_read: scanned.report.bytes,
            bytes_cached: scanned.bytes_cached,
            rows_read: scanned.report.rows.iter().sum(),
            lines_skipped: scanned.report.skipped,
        },
    });
    Ok((report, outcome))
}

/// The latest figures of each probe and route, for `status --format
/// prometheus`: each probe's latest result (and perfdata) of the last 24
/// hours, and each route's LLM cost since the start of the UTC day. Read
/// without the cache and without writing anything.
pub struct Latest {
    pub probes: std::collections::BTreeMap<String, hours::ProbeHour>,
    pub cost_today_usd: std::collections::BTreeMap<String, f64>,
}

pub fn latest(ctx: &Ctx) -> Result<Latest> {
    let now = ctx.now();
    let day = cache::window(now, Duration::from_secs(86_400));
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(day.since);
    let window = crate::audit::window::Window {
        since: day.since.min(midnight),
        until: now,
    };
    let mut scan =
        crate::audit::window::WindowScan::new(&ctx.root.audit_dir(), now, &hours::KINDS, window);
    let mut figures = hours::Hours::default();
    scan.run(&[], &mut figures)?;
    let mut probes: std::collections::BTreeMap<String, hours::ProbeHour> = Default::default();
    let mut cost_nanos: std::collections::BTreeMap<String, i64> = Default::default();
    let since_ms = day.since.timestamp_millis();
    let midnight_ms = midnight.timestamp_millis();
    for (hour, figures) in figures.0 {
        if hour >= since_ms {
            for (name, p) in figures.probes {
                // Each hour's latest replaces the earlier hours'; perfdata
                // labels are kept from the latest result that gave each.
                let entry = probes.entry(name).or_default();
                if p.last.is_some() {
                    entry.last = p.last;
                }
                entry.perf.extend(p.perf);
            }
        }
        if hour >= midnight_ms {
            for (route, calls) in figures.routes {
                let sum = cost_nanos.entry(route).or_default();
                *sum = sum.saturating_add(calls.cost_nanos);
            }
        }
    }
    Ok(Latest {
        probes,
        cost_today_usd: cost_nanos
            .into_iter()
            .map(|(route, n)| (route, n as f64 / 1e9))
            .collect(),
    })
}

/// The alerts recorded by the last `alerts notify`, and the silences in force.
fn alerts(ctx: &mut Ctx) -> Result<(Vec<AlertRow>, Vec<SilenceRow>)> {
    let now = ctx.now();
    let notified: crate::alerts::diff::Notified = ctx
        .load_state(crate::alerts::notify::STATE_FILE)?
        .unwrap_or_default();
    let mut alerts: Vec<AlertRow> = notified
        .alerts
        .into_iter()
        .map(|(id, entry)| AlertRow {
            alert_id: id,
            severity: entry.severity.as_str().to_string(),
            title: entry.title,
            status: entry.status.as_str().to_string(),
            first_seen: format_ts(entry.first_seen),
            silence: entry.silence,
        })
        .collect();
    alerts.sort_by(|a, b| {
        a.first_seen
            .cmp(&b.first_seen)
            .then(a.alert_id.cmp(&b.alert_id))
    });
    let (silences, problems) = crate::alerts::silence::load_active(ctx)?;
    for problem in problems {
        ctx.out.warn(&problem);
    }
    let mut silences: Vec<SilenceRow> = silences
        .into_iter()
        .filter(|s| s.is_active_at(now))
        .map(|s| SilenceRow {
            matchers: s.describe_matchers(),
            id: s.id,
            ends_at: format_ts(s.ends_at),
            reason: s.reason,
            created_by: s.created_by,
        })
        .collect();
    silences.sort_by(|a, b| a.ends_at.cmp(&b.ends_at).then(a.id.cmp(&b.id)));
    Ok((alerts, silences))
}

/// Pending proposals, oldest first, with the commands that decide them.
fn proposals(ctx: &mut Ctx, outcome: &mut Outcome) -> Result<Vec<ProposalRow>> {
    let mut rows = Vec::new();
    for lp in Loop::ALL {
        let listing = crate::promote::proposal::read_all(
            &ctx.root,
            lp,
            ProposalStatus::Pending,
            ctx.dry_run,
        )?;
        for corrupt in &listing.quarantined {
            ctx.out.error(&corrupt.to_string());
            outcome.failed = true;
        }
        for item in listing.items {
            let p = item.value;
            let (approve, reject) = model::decide_commands(&p.proposal_id);
            rows.push(ProposalRow {
                lp: p.lp.to_string(),
                subject: p.subject.key(),
                created_at: format_ts(p.created_at),
                proposal_id: p.proposal_id,
                approve,
                reject,
            });
        }
    }
    rows.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then(a.proposal_id.cmp(&b.proposal_id))
    });
    Ok(rows)
}

fn run_rows(ctx: &Ctx) -> Result<Vec<RunRow>> {
    Ok(runs::commands(ctx)?
        .into_iter()
        .map(|c| RunRow {
            last_started: c.last_run.as_ref().map(|r| r.started_at.clone()),
            outcome: c.last_run.as_ref().map(|r| r.outcome.to_string()),
            exit_code: c.last_run.as_ref().map(|r| r.exit_code),
            duration_ms: c.last_run.as_ref().map(|r| r.duration_ms),
            expect: c.expect,
            overdue: c.schedule == runs::Schedule::Overdue,
            running: c.lock_holder,
            command: c.command,
        })
        .collect())
}

/// The file a format is written to in the report directory.
fn file_name(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Html => PAGE,
        ReportFormat::Text => "report.txt",
        ReportFormat::Json => "report.json",
    }
}

/// Writes the report into `dir`, atomically (a dry run says what it would
/// write). Returns the file's path.
fn write(ctx: &mut Ctx, dir: &Path, format: ReportFormat, report: &Report) -> Result<PathBuf> {
    let path = dir.join(file_name(format));
    let bytes = match format {
        ReportFormat::Html => html::page(report).into_bytes(),
        ReportFormat::Text => {
            text::render(report, text::Style::plain(text::PIPE_WIDTH)).into_bytes()
        }
        ReportFormat::Json => {
            let mut bytes = serde_json::to_vec_pretty(report)?;
            bytes.push(b'\n');
            bytes
        }
    };
    if ctx.dry_run {
        ctx.out.summary(&format!(
            "dry run: would write {} ({} bytes)",
            path.display(),
            bytes.len()
        ))?;
        return Ok(path);
    }
    // The page is for others to read (a web server, a browser): its
    // directory and file get the caller's umask, not tend's own (0750/0640).
    let umask = crate::store::process::caller_umask();
    let readable = |path: &Path, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & !umask))
            .with_context(|| format!("cannot make {} readable", path.display()))
    };
    if !dir.exists() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        readable(dir, 0o777)?;
    }
    crate::store::atomic::write(&path, &bytes)
        .with_context(|| format!("cannot write the report to {}", path.display()))?;
    readable(&path, 0o666)?;
    Ok(path)
}

/// Prints the report on standard output.
fn print(ctx: &mut Ctx, format: ReportFormat, report: &Report) -> Result<()> {
    if ctx.out.json {
        ctx.out.json(report)?;
        ctx.out.json(&serde_json::json!({
            "summary": true,
            "command": COMMAND,
            "bytes_read": report.scan.bytes_read,
            "bytes_cached": report.scan.bytes_cached,
        }))?;
        return Ok(());
    }
    match format {
        ReportFormat::Html => ctx.out.data(html::page(report).as_bytes())?,
        ReportFormat::Json => {
            let mut bytes = serde_json::to_vec(report)?;
            bytes.push(b'\n');
            ctx.out.data(&bytes)?;
        }
        ReportFormat::Text => {
            let style = text::Style::for_stdout();
            let rendered = text::render(report, style);
            if style.colour {
                ctx.out.painted(rendered.as_bytes())?;
            } else {
                ctx.out.data(rendered.as_bytes())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_due_after_every_or_when_the_clock_went_back() {
        let now = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let five = Duration::from_secs(300);
        let ago = |s: i64| Some(now - chrono::TimeDelta::seconds(s));
        assert!(is_due(None, now, five));
        assert!(!is_due(ago(299), now, five));
        assert!(is_due(ago(300), now, five));
        assert!(is_due(ago(-1), now, five));
    }
}
