//! `tend gc audit --keep-days N` (design §3, §9): removes audit segments older
//! than N days by their file date, never today's or yesterday's, never one
//! `wake consume` has not finished, and not with an N shorter than the
//! longest promote window (unless `--force`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde_json::json;

use super::GcCount;
use crate::audit::{Kind, Row};
use crate::cli::GcAuditArgs;
use crate::config::{Config, Duration};
use crate::ctx::{Ctx, Outcome};
use crate::exit::UsageError;
use crate::store::lock::Wait;
use crate::store::{jsonl, tail};

pub const COMMAND: crate::command::Command = crate::command::Command::GcAudit;

/// Why a segment stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKeep {
    /// Dated after today (a skewed clock, a drill with --now).
    Future,
    Today,
    Yesterday,
    /// Within --keep-days.
    Recent,
    /// `wake consume` has not read it to its end.
    Unread,
}

impl SegmentKeep {
    pub fn describe(self, keep_days: u32) -> String {
        match self {
            SegmentKeep::Future => "dated after today".into(),
            SegmentKeep::Today => "today's segment".into(),
            SegmentKeep::Yesterday => "yesterday's segment".into(),
            SegmentKeep::Recent => format!("within --keep-days {keep_days}"),
            SegmentKeep::Unread => "wake consume has not finished reading it".into(),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SegmentKeep::Future => "future",
            SegmentKeep::Today => "today",
            SegmentKeep::Yesterday => "yesterday",
            SegmentKeep::Recent => "recent",
            SegmentKeep::Unread => "unread",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentVerdict {
    Remove,
    Keep(SegmentKeep),
}

/// Whether the segment of `date` goes. It is older than N days when
/// `today - date > N`; `finished` is asked only for such a segment.
pub fn decide_segment(
    date: NaiveDate,
    today: NaiveDate,
    keep_days: u32,
    finished: impl FnOnce() -> Result<bool>,
) -> Result<SegmentVerdict> {
    let age = today.signed_duration_since(date).num_days();
    Ok(match age {
        a if a < 0 => SegmentVerdict::Keep(SegmentKeep::Future),
        0 => SegmentVerdict::Keep(SegmentKeep::Today),
        1 => SegmentVerdict::Keep(SegmentKeep::Yesterday),
        a if a <= i64::from(keep_days) => SegmentVerdict::Keep(SegmentKeep::Recent),
        _ if !finished()? => SegmentVerdict::Keep(SegmentKeep::Unread),
        _ => SegmentVerdict::Remove,
    })
}

/// The longest promote window, which `gc audit` must not cut into.
pub fn longest_promote_window(config: &Config) -> Duration {
    let p = &config.promote;
    [
        p.router_tuning.window,
        p.tool_trimming.window,
        p.probe_envelopes.window,
    ]
    .into_iter()
    .max_by_key(|d| d.as_millis())
    .unwrap_or(Duration::from_secs(0))
}

/// The refusal of a `--keep-days` shorter than the longest promote window.
pub fn keep_days_problem(keep_days: u32, window: Duration) -> Option<String> {
    let kept_ms = u64::from(keep_days).saturating_mul(86_400_000);
    (kept_ms < window.as_millis()).then(|| {
        format!(
            "--keep-days {keep_days} is shorter than the longest promote window ({window}): promote would miss rows it reads; use --keep-days {} or more, or --force",
            window.as_millis().div_ceil(86_400_000)
        )
    })
}

fn segment_date(name: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(name.strip_suffix(".jsonl")?, "%Y-%m-%d").ok()
}

pub fn run(ctx: &mut Ctx, args: &GcAuditArgs) -> Result<Outcome> {
    if !args.force
        && let Some(problem) =
            keep_days_problem(args.keep_days, longest_promote_window(&ctx.config))
    {
        bail!(UsageError(problem));
    }
    ctx.run_locked(COMMAND, Wait::No, |ctx| body(ctx, args))
}

fn body(ctx: &mut Ctx, args: &GcAuditArgs) -> Result<Outcome> {
    let dir = ctx.root.audit_dir();
    let today = ctx.now().date_naive();
    let names = tail::segments(&dir)?;
    let mut outcome = Outcome::default();
    let (mut removed, mut kept, mut bytes_total) = (0u64, 0u64, 0u64);
    // Read once, at the first segment old enough to need it.
    let mut progress: Option<crate::wake::ReadProgress> = None;
    for name in names {
        let Some(date) = segment_date(&name) else {
            continue; // YYYY-MM-DD that is not a calendar date (2026-02-30)
        };
        let path = dir.join(&name);
        let mut cursor_failed = false;
        let verdict = match decide_segment(date, today, args.keep_days, || {
            let len = segment_len(&path)?;
            let progress = match &mut progress {
                Some(progress) => progress,
                None => progress
                    .insert(crate::wake::read_progress(ctx).inspect_err(|_| cursor_failed = true)?),
            };
            Ok(progress.has_finished(&name, len))
        }) {
            Ok(v) => v,
            // Without the wake cursor no segment can be judged read (and
            // a cursor quarantined just now would read as "none" for the
            // next segment): stop here, exit 74 for a damaged one.
            Err(e) if cursor_failed => {
                return Err(e.context(
                    "cannot tell what wake consume has read; no further segment removed",
                ));
            }
            Err(e) => {
                // Reported (74 for a link or a directory where a segment
                // belongs); the other segments are still looked at.
                outcome.failed = true;
                let code = crate::exit::classify(&e);
                outcome.exit = Some(outcome.exit.map_or(code, |c| c.max(code)));
                ctx.out.error(&format!("{e:#}"));
                continue;
            }
        };
        match verdict {
            SegmentVerdict::Keep(reason) => {
                kept += 1;
                // Only the segments that are old enough are worth naming.
                if matches!(reason, SegmentKeep::Unread) {
                    item(
                        ctx,
                        &name,
                        "kept",
                        Some(reason.code()),
                        &reason.describe(args.keep_days),
                        None,
                    )?;
                }
            }
            SegmentVerdict::Remove if ctx.dry_run => {
                let len = segment_len(&path)?;
                item(
                    ctx,
                    &name,
                    "would_remove",
                    None,
                    &format!("{len} bytes"),
                    None,
                )?;
                removed += 1;
                bytes_total += len;
            }
            SegmentVerdict::Remove => {
                match jsonl::remove(&path) {
                    Ok(Some(r)) => {
                        removed += 1;
                        bytes_total += r.bytes;
                        let row = Row::new(
                            Kind::GcAuditRemoved,
                            ctx.now(),
                            json!({"segment": name, "bytes": r.bytes, "rows": r.lines}),
                        );
                        ctx.audit().append(&[row], ctx.now()).with_context(|| {
                        format!("{name} was removed but its gc.audit_removed row could not be written")
                    })?;
                        item(
                            ctx,
                            &name,
                            "removed",
                            None,
                            &format!("{} bytes, {} rows", r.bytes, r.lines),
                            Some((r.bytes, r.lines)),
                        )?;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        outcome.failed = true;
                        ctx.out.error(&e.to_string());
                    }
                }
            }
        }
    }
    if removed > 0 {
        outcome.count(
            if ctx.dry_run {
                GcCount::WouldRemove
            } else {
                GcCount::Removed
            },
            removed,
        );
        outcome.count(GcCount::Bytes, bytes_total);
    }
    if kept > 0 {
        outcome.count(GcCount::Kept, kept);
    }
    if ctx.out.json {
        ctx.out.json(&json!({
            "summary": true,
            "command": COMMAND.name(),
            "dry_run": ctx.dry_run,
            "removed": if ctx.dry_run { 0 } else { removed },
            "would_remove": if ctx.dry_run { removed } else { 0 },
            "bytes": bytes_total,
            "kept": kept,
        }))?;
    } else if removed > 0 || ctx.dry_run {
        let verb = if ctx.dry_run {
            "would remove"
        } else {
            "removed"
        };
        ctx.out.summary(&format!(
            "gc audit{}: {verb} {removed} segment(s) ({bytes_total} bytes); {kept} kept",
            if ctx.dry_run { " (dry run)" } else { "" }
        ))?;
    }
    Ok(outcome)
}

fn segment_len(path: &Path) -> Result<u64> {
    let meta = std::fs::symlink_metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_file() {
        return Err(crate::store::file::NotRegularFile {
            path: path.to_path_buf(),
            found: crate::store::file::describe(meta.file_type()),
        }
        .into());
    }
    Ok(meta.len())
}

fn item(
    ctx: &mut Ctx,
    segment: &str,
    action: &str,
    reason: Option<&str>,
    detail: &str,
    removed: Option<(u64, u64)>,
) -> Result<()> {
    if ctx.out.json {
        let mut v = json!({"segment": segment, "action": action, "detail": detail});
        if let Some(r) = reason {
            v["reason"] = json!(r);
        }
        if let Some((bytes, rows)) = removed {
            v["bytes"] = json!(bytes);
            v["rows"] = json!(rows);
        }
        ctx.out.json(&v)?;
        return Ok(());
    }
    let line = format!("{}: {segment}: {detail}", action.replace('_', " "));
    if ctx.dry_run {
        ctx.out.summary(&line)?;
    } else {
        ctx.out.item(&line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn segments_by_age() {
        let today = d("2026-05-24");
        let yes = || Ok(true);
        let cases = [
            ("2026-05-25", 0, SegmentVerdict::Keep(SegmentKeep::Future)),
            ("2026-05-24", 0, SegmentVerdict::Keep(SegmentKeep::Today)),
            (
                "2026-05-23",
                0,
                SegmentVerdict::Keep(SegmentKeep::Yesterday),
            ),
            ("2026-05-22", 0, SegmentVerdict::Remove),
            ("2026-05-22", 2, SegmentVerdict::Keep(SegmentKeep::Recent)),
            ("2026-05-21", 2, SegmentVerdict::Remove),
            ("2026-05-17", 7, SegmentVerdict::Keep(SegmentKeep::Recent)),
            ("2026-05-16", 7, SegmentVerdict::Remove),
        ];
        for (date, keep, expected) in cases {
            assert_eq!(
                decide_segment(d(date), today, keep, yes).expect("decide"),
                expected,
                "{date} keep {keep}"
            );
        }
        assert_eq!(
            decide_segment(d("2026-01-01"), today, 7, || Ok(false)).expect("decide"),
            SegmentVerdict::Keep(SegmentKeep::Unread)
        );
        // The cursor is asked only about segments old enough to go.
        assert_eq!(
            decide_segment(d("2026-05-24"), today, 7, || panic!("not asked")).expect("decide"),
            SegmentVerdict::Keep(SegmentKeep::Today)
        );
    }

    #[test]
    fn keep_days_against_the_promote_window() {
        let thirty = Duration::from_secs(30 * 86_400);
        assert!(keep_days_problem(29, thirty).is_some());
        assert!(keep_days_problem(30, thirty).is_none());
        let msg = keep_days_problem(7, Duration::from_secs(30 * 86_400 + 1)).expect("problem");
        assert!(msg.contains("--keep-days 31"), "{msg}");
        assert!(keep_days_problem(0, Duration::from_secs(0)).is_none());
        assert_eq!(
            longest_promote_window(&Config::default()),
            Duration::from_secs(30 * 86_400)
        );
    }
}
