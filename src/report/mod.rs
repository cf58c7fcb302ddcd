//! `tend report` (design §13): a status page, a terminal report and their
//! figures, from the audit log over a window and the state files.
//!
//! The handler gathers (the windowed scan through the audit scan's
//! per-segment, per-hour cache, [`crate::audit::cache`], in `state/report.*`;
//! the probes' states, incidents, alerts, silences, proposals and tend's own
//! runs), [`model::build`] turns that into the figures, and [`html`] or
//! [`text`] draws them (pure functions: a report in, a page out). `tick`
//! refreshes `[report] dir` through [`tick_step`].

pub mod hours;
pub mod html;
pub mod model;
pub mod runs;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use crate::audit::cache::{self, CacheFiles, CacheWrite, SegmentCache, Want};
use crate::audit::window::{Window, WindowScan};
use crate::cli::{ReportArgs, ReportFormat};
use crate::clock::format_ts;
use crate::config::Duration;
use crate::ctx::{Ctx, Outcome, counters};
use crate::exit::UsageError;
use crate::promote::status::{Loop, ProposalStatus};
use crate::store::lock::Wait;
use hours::{HOUR_MS, Hour, Hours};
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
const COMMAND: crate::command::Command = crate::command::Command::Report;

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
                    "command": COMMAND.name(),
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
    let last = runs::last_started(ctx, COMMAND.name())?;
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

/// `state/report.segments.json` and `state/report.hours/`: the hourly
/// figures of each audit segment read so far.
fn cache_files(ctx: &Ctx) -> CacheFiles {
    // The figures' version: bumped whenever what an `Hour` keeps changes.
    CacheFiles::in_dir(&ctx.root.state_dir(), "report", "report/3")
}

/// The window of a report of `length` at `now`: from the start of the hour
/// `length` before the end of the current hour, to `now`. Its first hour is
/// whole; its last, the current one, is the part that has passed.
pub fn window(now: DateTime<Utc>, length: Duration) -> Window {
    let hours = (length.as_millis() as i64 / HOUR_MS).max(1);
    let current = hours::hour_of(now.timestamp_millis());
    let since_ms = current - (hours - 1) * HOUR_MS;
    Window {
        since: DateTime::from_timestamp_millis(since_ms).unwrap_or(DateTime::<Utc>::MIN_UTC),
        until: now,
    }
}

/// What the scan of a window gave.
struct Scanned {
    hours: Hours,
    info: ScanInfo,
    warnings: Vec<String>,
    write: CacheWrite,
}

/// The hourly figures of `window` through the cache `old`. The scan's window
/// runs to the end of the current hour, so that both its ends are on hours
/// and nothing is read twice: a row timed later in the current hour than
/// `now` (a writer whose clock runs ahead) counts in the current hour.
fn scan(ctx: &Ctx, window: Window, old: Option<SegmentCache<Hour>>) -> Result<Scanned> {
    let now = ctx.now();
    let until_ms = hours::hour_of(window.until.timestamp_millis()) + HOUR_MS - 1;
    let whole_hours = Window {
        since: window.since,
        until: DateTime::from_timestamp_millis(until_ms).unwrap_or(window.until),
    };
    let mut scan = WindowScan::new(&ctx.root.audit_dir(), now, &hours::KINDS, whole_hours);
    let files = cache_files(ctx);
    let scanned = cache::scan::<Hour>(&mut scan, &files, old, Want::Hours)?;
    Ok(Scanned {
        hours: Hours(scanned.hours),
        info: ScanInfo {
            bytes_read: scanned.report.bytes,
            bytes_cached: scanned.bytes_cached,
            rows_read: scanned.rows,
            lines_skipped: scanned.report.skipped + scanned.skipped_cached,
        },
        warnings: scanned.report.warnings,
        write: scanned.write,
    })
}

/// Scans the window through the cache (saving the cache unless this is a
/// dry run) and reads the state files: the report, and the scan's counts.
fn gather(ctx: &mut Ctx, length: Duration) -> Result<(Report, Outcome)> {
    let now = ctx.now();
    let window = window(now, length);
    let files = cache_files(ctx);
    let old = match ctx.load_state_at::<SegmentCache<Hour>>(&files.index) {
        Ok(old) => cache::usable(&files, old),
        Err(e) => {
            // The cache only saves reading: a damaged one costs a full read.
            ctx.out
                .warn(&format!("{e:#}; every segment of the window is read again"));
            None
        }
    };
    let scanned = scan(ctx, window, old)?;
    for warning in &scanned.warnings {
        ctx.out.warn(warning);
    }
    if !ctx.dry_run {
        scanned.write.save(&files)?;
    }
    let mut outcome = Outcome::default();
    outcome.count(ReportCount::BytesRead, scanned.info.bytes_read);
    outcome.count(ReportCount::BytesCached, scanned.info.bytes_cached);
    let probes = crate::probe::state::load(ctx)?.unwrap_or_default();
    let (alerts, silences) = alerts(ctx)?;
    let proposals = proposals(ctx, &mut outcome)?;
    let runs = run_rows(ctx)?;
    let kept = ctx.config.incidents.keep_resolved;
    let incidents = model::incidents(
        &crate::incidents::load(ctx)?,
        &window,
        now,
        kept.to_chrono(),
        &kept.to_string(),
    );
    let report = model::build(model::Inputs {
        now,
        window,
        length: length.to_string(),
        hours: &scanned.hours,
        probes: &probes,
        incidents,
        alerts,
        silences,
        proposals,
        runs,
        budget_usd: ctx.config.engine.max_daily_cost_usd,
        scan: scanned.info,
    });
    Ok((report, outcome))
}

/// The latest figures of each probe and route, for `status --format
/// prometheus`: each probe's latest result (and perfdata) of the last 24
/// hours, and each route's LLM cost since the start of the UTC day. Read
/// through the report's cache as it stands (a damaged or missing one costs
/// reading the log), writing nothing.
pub struct Latest {
    pub probes: BTreeMap<String, hours::ProbeHour>,
    pub cost_today_usd: BTreeMap<String, f64>,
}

pub fn latest(ctx: &Ctx) -> Result<Latest> {
    let now = ctx.now();
    let day = window(now, Duration::from_secs(86_400));
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(day.since);
    let files = cache_files(ctx);
    let old = crate::store::state::load_in_place::<SegmentCache<Hour>>(&files.index)
        .ok()
        .flatten();
    let scanned = scan(
        ctx,
        Window {
            since: day.since.min(midnight),
            until: now,
        },
        cache::usable(&files, old),
    )?;
    let mut probes: BTreeMap<String, hours::ProbeHour> = BTreeMap::new();
    let mut cost_nanos: BTreeMap<String, i64> = BTreeMap::new();
    let since_ms = day.since.timestamp_millis();
    let midnight_ms = midnight.timestamp_millis();
    for (hour, figures) in scanned.hours.0 {
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
            "command": COMMAND.name(),
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
    fn the_window_starts_on_the_hour_and_holds_the_current_one() {
        let t = |s: &str| crate::clock::parse_ts(s).unwrap();
        let w = window(t("2026-05-24T08:20:00Z"), Duration::from_secs(86_400));
        assert_eq!(w.since, t("2026-05-23T09:00:00Z"));
        assert_eq!(w.until, t("2026-05-24T08:20:00Z"));
        let w = window(t("2026-05-24T08:00:00Z"), Duration::from_secs(3600));
        assert_eq!(w.since, t("2026-05-24T08:00:00Z"));
    }

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
