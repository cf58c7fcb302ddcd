//! The report's windowed scan (SPEC §13 "Speed"): the audit segments of the
//! window read with [`WindowScan`] (on a few threads when there is much to
//! read), and per segment the hourly figures of its rows up to where it was
//! read, kept in `state/report.segments.json`. A refresh reads each segment
//! only from where the last report stopped, and drops the hours the window
//! has left behind: the window starts on an hour, so a cached hour is either
//! wholly inside it or wholly outside.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::hours::{HOUR_MS, Hours, KINDS};
use crate::audit::window::{Part, PartRead, ScanReport, Window, WindowScan};
use crate::ctx::Ctx;
use crate::store::cursor::line_hash_before;

/// `state/report.segments.json`.
pub const FILE: &str = "report.segments.json";

/// Bumped whenever what a cached segment holds changes: a cache of another
/// version is not used (every segment is read again and the cache rewritten).
const VERSION: u32 = 1;

/// How far past the report's instant rows are still taken (and bucketed in
/// their own future hour, shown once the window reaches them): a writer
/// whose clock runs ahead. A row further ahead is left out for good.
const AHEAD: TimeDelta = TimeDelta::days(7);

/// Per audit segment, the figures of its rows up to `offset`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentCache {
    version: u32,
    /// When these figures were read (the report they were read for).
    pub read_at: DateTime<Utc>,
    segments: BTreeMap<String, CachedSegment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CachedSegment {
    /// The end of the last complete line read.
    offset: u64,
    /// FNV-1a hash of the line that ends at `offset` (SPEC §3 positions): a
    /// segment rewritten or cut shorter is read again from its start.
    line_hash: String,
    hours: Hours,
}

/// The window of a report of `length` at `now`: from the start of the hour
/// `length` before the end of the current hour, to `now`. Its first hour is
/// whole; its last, the current one, is the part that has passed.
pub fn window(now: DateTime<Utc>, length: crate::config::Duration) -> Window {
    let hours = (length.as_millis() as i64 / HOUR_MS).max(1);
    let current = super::hours::hour_of(now.timestamp_millis());
    let since_ms = current - (hours - 1) * HOUR_MS;
    Window {
        since: DateTime::from_timestamp_millis(since_ms).unwrap_or(DateTime::<Utc>::MIN_UTC),
        until: now,
    }
}

/// What a scan gave: the window's figures, the report of the bytes read,
/// how many bytes came from the cache, and the cache to keep.
pub struct Scanned {
    pub hours: Hours,
    pub report: ScanReport,
    pub bytes_cached: u64,
    pub cache: SegmentCache,
}

/// The cache of an earlier report, if there is a usable one. A damaged one
/// only costs reading again: a warning, never an error.
pub fn load(ctx: &Ctx) -> (Option<SegmentCache>, Option<String>) {
    match ctx.load_state::<SegmentCache>(FILE) {
        Ok(cache) => (cache.filter(|c| c.version == VERSION), None),
        Err(e) => (
            None,
            Some(format!("{e:#}; every segment of the window is read again")),
        ),
    }
}

/// Scans `window`'s segments through `old`.
pub fn scan(ctx: &Ctx, window: Window, old: Option<SegmentCache>) -> Result<Scanned> {
    let now = ctx.now();
    // Rows a little ahead of `now` are taken into their own hours, so that
    // the cache does not pass over them for good.
    let wide = Window {
        since: window.since,
        until: now.checked_add_signed(AHEAD).unwrap_or(now),
    };
    let mut scan = WindowScan::new(&ctx.root.audit_dir(), now, &KINDS, wide);
    let since_ms = window.since.timestamp_millis();
    let mut old = old.map(|c| c.segments).unwrap_or_default();
    let mut plan = Vec::new();
    let mut parts = Vec::new();
    let mut bytes_cached = 0;
    for name in scan.segments()? {
        let path = scan.dir().join(&name);
        let reusable = old.remove(&name).filter(|c| {
            line_hash_before(&path, c.offset).is_ok_and(|(hash, _)| hash == c.line_hash)
        });
        let entry = match reusable {
            Some(mut c) => {
                bytes_cached += c.offset;
                c.hours.drop_before(since_ms);
                c
            }
            None => CachedSegment {
                offset: 0,
                line_hash: String::new(),
                hours: Hours::default(),
            },
        };
        parts.push(Part {
            label: format!("audit/{name}"),
            finished: scan.is_finished(&name),
            start: entry.offset,
            path,
        });
        plan.push((name, entry));
    }
    let reads = scan.read_parts::<Hours>(&parts, Hours::merge)?;
    let mut hours = Hours::default();
    let mut report = ScanReport {
        rows: vec![0; KINDS.len()],
        ..ScanReport::default()
    };
    let mut cache = SegmentCache {
        version: VERSION,
        read_at: now,
        segments: BTreeMap::new(),
    };
    for (((name, mut entry), part), read) in plan.into_iter().zip(&parts).zip(reads) {
        let PartRead {
            select: fresh,
            report: part_report,
            reached,
        } = read;
        entry.hours.merge(fresh);
        report.absorb(part_report);
        entry.offset = reached;
        entry.line_hash = line_hash_before(&part.path, reached)?.0;
        hours.merge(entry.hours.clone());
        cache.segments.insert(name, entry);
    }
    Ok(Scanned {
        hours,
        report,
        bytes_cached,
        cache,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Duration;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    #[test]
    fn the_window_starts_on_the_hour_and_holds_the_current_one() {
        let w = window(t("2026-05-24T08:20:00Z"), Duration::from_secs(86_400));
        assert_eq!(w.since, t("2026-05-23T09:00:00Z"));
        assert_eq!(w.until, t("2026-05-24T08:20:00Z"));
        let w = window(t("2026-05-24T08:00:00Z"), Duration::from_secs(3600));
        assert_eq!(w.since, t("2026-05-24T08:00:00Z"));
    }
}
