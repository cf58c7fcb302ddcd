//! The windowed scan through a per-segment, per-hour cache (design §7 and §13
//! "Speed"): what `promote observe` and `tend report` read the audit log
//! with, so that a run reads only the bytes appended since the last one, at
//! any hour and with any amount of history.
//!
//! The caller's figures ([`Aggregate`]) are fed row by row and merge in row
//! order. Per audit segment the cache keeps ([`SegmentCache`], one small
//! index file) how far it was read (`offset`, checked by the hash of the line
//! that ends there, as reading positions are, design §3), the rows read and the
//! span of their times, and, for a caller that wants the window's figures as
//! one total ([`Want::Total`]), the segment's total. Beside it, per segment,
//! an hour file ([`HourFile`]) keeps the figures of the segment's rows by the
//! hour their own `ts` falls in, with where in the segment those rows' lines
//! lie.
//!
//! What was appended is read with an all-time window: every row is kept by
//! its hour, whether the window holds it now or will later (a late row, a
//! row of a skewed clock). The window's figures are then put together
//! segment by segment: a segment whose rows all lie inside the window counts
//! its total (or all its hours); one whose rows all lie outside counts
//! nothing; for one across an edge, each hour inside counts, each hour
//! outside is dropped, and the one or two hours an edge cuts through are read
//! again from the bytes their rows lie in. A window that starts and ends on
//! hours never reads anything again.
//!
//! The cache is derived data: written without fsyncs, and a missing,
//! damaged or mismatched index entry or hour file only costs reading its
//! segment again. This module knows nothing of what the figures mean: the
//! caller names the cache's files and the version of its figures.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::window::{Part, PartRead, ScanReport, Select, Window, WindowScan};
use crate::store::cursor::line_hash_before;
use crate::store::{atomic, state};

/// A caller's running figures: fed row by row ([`Select`]), and mergeable
/// in row order (the figures of rows A then B merged equal one pass over
/// A's rows then B's), so that figures kept per segment and per hour add up
/// to those of one pass.
pub trait Aggregate: Select + Default + Clone + Send + Serialize + DeserializeOwned {
    /// Adds the figures of rows that come after these ones.
    fn merge(&mut self, later: Self);
}

/// The cache's unit of time: rows are kept by the hour their `ts` falls in.
pub const HOUR_MS: i64 = 3_600_000;

/// The start (ms since the epoch) of the hour `ms` falls in.
pub fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// Bumped whenever the cache's own layout changes: an index of another
/// format is not used (every segment is read again and the cache rewritten).
const FORMAT: u32 = 3;

/// What a caller needs of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The figures of all the window's rows as one (`promote observe`): a
    /// segment wholly inside the window counts its cached total, without
    /// reading its hour file.
    Total,
    /// The window's figures hour by hour (`tend report`'s strips and
    /// charts): every segment with rows in the window gives its hours.
    Hours,
}

/// Where a cache is kept: its index and the directory of its hour files
/// (one per segment, named as the segment), and what its figures are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheFiles {
    pub index: PathBuf,
    pub hours_dir: PathBuf,
    /// The caller's name and version of its figures (`report/1`): an index
    /// of other figures is not used.
    pub figures: String,
}

impl CacheFiles {
    /// `state_dir/<name>.segments.json` and `state_dir/<name>.hours/`.
    pub fn in_dir(state_dir: &Path, name: &str, figures: &str) -> CacheFiles {
        CacheFiles {
            index: state_dir.join(format!("{name}.segments.json")),
            hours_dir: state_dir.join(format!("{name}.hours")),
            figures: figures.to_string(),
        }
    }
}

/// The index: per audit segment, what was read of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentCache<A> {
    format: u32,
    figures: String,
    segments: BTreeMap<String, CachedSegment<A>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CachedSegment<A> {
    /// Bytes read: the end of the last complete line (or torn last line of a
    /// finished segment) consumed.
    offset: u64,
    /// FNV-1a hash of the line that ends at `offset`.
    line_hash: String,
    /// Rows of the wanted kinds with a time, and lines of those kinds
    /// skipped, up to `offset`.
    rows: u64,
    skipped: u64,
    /// The earliest and latest of those rows' hours' bounds (ms).
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    /// The figures of all those rows ([`Want::Total`] only).
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    total: Option<A>,
}

/// `<hours_dir>/<segment>`: a segment's rows by hour, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourFile<A> {
    offset: u64,
    line_hash: String,
    hours: Vec<Hour<A>>,
}

/// The rows of one segment whose time falls in one hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Hour<A> {
    /// The hour's start (ms since the epoch).
    at_ms: i64,
    rows: u64,
    /// Where in the segment its rows' lines are: [start, end) ranges, in
    /// order, lines close to each other joined.
    ranges: Vec<(u64, u64)>,
    figures: A,
}

/// The cache as it stood before a run: its index, as the caller loaded it
/// (a damaged index is the caller's to report), checked against `files`.
pub fn usable<A>(files: &CacheFiles, old: Option<SegmentCache<A>>) -> Option<SegmentCache<A>> {
    old.filter(|c| c.format == FORMAT && c.figures == files.figures)
}

/// What a scan through the cache gave.
pub struct Scanned<A> {
    /// [`Want::Total`]: the figures of the window's rows.
    pub total: A,
    /// [`Want::Hours`]: the window's figures by hour start (ms). An hour an
    /// edge of the window cuts through holds only its rows inside.
    pub hours: BTreeMap<i64, A>,
    /// Rows inside the window.
    pub rows: u64,
    /// Warnings and skips of the bytes read this time (cached bytes were
    /// reported when they were read); its `rows` are left at zero.
    pub report: ScanReport,
    /// Bytes and skipped lines the cache supplied without reading.
    pub bytes_cached: u64,
    pub skipped_cached: u64,
    /// What to keep of this scan ([`CacheWrite::save`]).
    pub write: CacheWrite,
}

/// A scan's figures on their way, and its index.
struct Scanning<A> {
    total: A,
    hours: BTreeMap<i64, A>,
    rows: u64,
    report: ScanReport,
    bytes_cached: u64,
    skipped_cached: u64,
    index: SegmentCache<A>,
    hour_files: Vec<(String, Vec<u8>)>,
}

/// What a scan leaves to keep: the index and the hour files of the
/// segments that grew, serialized, and the hour files to remove.
pub struct CacheWrite {
    index: Vec<u8>,
    hour_files: Vec<(String, Vec<u8>)>,
    stale: Vec<String>,
}

impl CacheWrite {
    /// An empty index, and no hour file: nothing is kept of this scan.
    /// For rows read with copies (the same `id` twice): which copy a
    /// segment's figures hold depends on the order the threads read in, so
    /// a cached segment could hold a copy that a later run, reading another
    /// segment again, counts a second time. Nothing is cached until the
    /// copies are gone from the window.
    pub fn forget(&mut self, files: &CacheFiles) -> Result<()> {
        let empty = SegmentCache::<()> {
            format: FORMAT,
            figures: files.figures.clone(),
            segments: BTreeMap::new(),
        };
        self.index = serde_json::to_vec(&empty)?;
        self.index.push(b'\n');
        self.hour_files.clear();
        Ok(())
    }

    /// Writes the hour files of the segments read, then the index, each
    /// atomically and without fsyncs (an hour file that does not match its
    /// segment's entry is not used), and removes the hour files of segments
    /// the window no longer reads.
    pub fn save(&self, files: &CacheFiles) -> Result<()> {
        for (name, bytes) in &self.hour_files {
            atomic::write_derived(&files.hours_dir.join(name), bytes)
                .with_context(|| format!("cannot write the cache of {name}"))?;
        }
        atomic::write_derived(&files.index, &self.index)
            .with_context(|| format!("cannot write {}", files.index.display()))?;
        for name in &self.stale {
            let _ = fs::remove_file(files.hours_dir.join(name));
        }
        Ok(())
    }
}

/// Figures kept by the hour of each row's time, with where the rows are
/// (what reading a segment with an all-time window fills).
#[derive(Clone)]
struct Hourly<A> {
    hours: BTreeMap<i64, HourFigures<A>>,
}

#[derive(Clone)]
struct HourFigures<A> {
    rows: u64,
    ranges: Vec<(u64, u64)>,
    figures: A,
}

impl<A> Default for Hourly<A> {
    fn default() -> Self {
        Hourly {
            hours: BTreeMap::new(),
        }
    }
}

/// Lines of one hour at most this far apart share a range: reading the gap
/// again costs less than a range more in the cache.
const RANGE_GAP: u64 = 64 << 10;
/// An hour with more ranges than this (rows of that hour scattered all over
/// the segment) keeps one range over all of them.
const MAX_RANGES: usize = 16;

fn add_range(ranges: &mut Vec<(u64, u64)>, (start, end): (u64, u64)) {
    match ranges.last_mut() {
        Some(last) if start <= last.1.saturating_add(RANGE_GAP) => {
            last.0 = last.0.min(start);
            last.1 = last.1.max(end);
        }
        _ => ranges.push((start, end)),
    }
    if ranges.len() > MAX_RANGES {
        let first = ranges[0].0;
        let last = ranges[ranges.len() - 1].1;
        ranges.clear();
        ranges.push((first, last));
    }
}

impl<A: Aggregate> Select for Hourly<A> {
    type Details<'a> = A::Details<'a>;
    fn row(&mut self, kind: usize, ts: DateTime<Utc>, details: A::Details<'_>) {
        // Only reached through `row_at` below in a scan: a row without a
        // place is kept with an empty range.
        self.row_at(kind, ts, (0, 0), details);
    }
    fn row_at(
        &mut self,
        kind: usize,
        ts: DateTime<Utc>,
        line: (u64, u64),
        details: A::Details<'_>,
    ) {
        let hour = self
            .hours
            .entry(hour_of(ts.timestamp_millis()))
            .or_insert_with(|| HourFigures {
                rows: 0,
                ranges: Vec::new(),
                figures: A::default(),
            });
        hour.rows += 1;
        if line.1 > line.0 {
            add_range(&mut hour.ranges, line);
        }
        hour.figures.row_at(kind, ts, line, details);
    }
}

impl<A: Aggregate> Hourly<A> {
    /// Adds the hours of rows that come after this one's.
    fn merge(&mut self, later: Self) {
        for (at_ms, hour) in later.hours {
            match self.hours.get_mut(&at_ms) {
                Some(mine) => {
                    mine.rows += hour.rows;
                    for range in hour.ranges {
                        add_range(&mut mine.ranges, range);
                    }
                    mine.figures.merge(hour.figures);
                }
                None => {
                    self.hours.insert(at_ms, hour);
                }
            }
        }
    }

    fn from_file(file: HourFile<A>) -> Self {
        let hours = file
            .hours
            .into_iter()
            .map(|h| {
                let figures = HourFigures {
                    rows: h.rows,
                    ranges: h.ranges,
                    figures: h.figures,
                };
                (h.at_ms, figures)
            })
            .collect();
        Hourly { hours }
    }

    /// The hour file of these hours, serialized (compact: it is read only
    /// by the next run).
    fn to_file(&self, offset: u64, line_hash: &str) -> Result<Vec<u8>> {
        #[derive(Serialize)]
        struct HourRef<'a, A> {
            at_ms: i64,
            rows: u64,
            ranges: &'a [(u64, u64)],
            figures: &'a A,
        }
        #[derive(Serialize)]
        struct FileRef<'a, A> {
            offset: u64,
            line_hash: &'a str,
            hours: Vec<HourRef<'a, A>>,
        }
        let file = FileRef {
            offset,
            line_hash,
            hours: self
                .hours
                .iter()
                .map(|(at_ms, h)| HourRef {
                    at_ms: *at_ms,
                    rows: h.rows,
                    ranges: &h.ranges,
                    figures: &h.figures,
                })
                .collect(),
        };
        let mut bytes = serde_json::to_vec(&file)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// How a segment's cached rows stand to the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// No rows, or all of them outside the window.
    Outside,
    /// All of them inside.
    Inside,
    /// Across an edge: counted hour by hour.
    Across,
}

/// Pure: where rows timed `first_ms..=last_ms` stand to [since_ms, until_ms].
fn span(first_ms: Option<i64>, last_ms: Option<i64>, since_ms: i64, until_ms: i64) -> Span {
    match (first_ms, last_ms) {
        (Some(first), Some(last)) if since_ms <= first && last <= until_ms => Span::Inside,
        (Some(first), Some(last)) if last < since_ms || until_ms < first => Span::Outside,
        (Some(_), Some(_)) => Span::Across,
        _ => Span::Outside,
    }
}

/// A segment to read this time, and what the cache holds of it.
struct Planned<A> {
    name: String,
    entry: CachedSegment<A>,
    /// Its hours, when they are needed (wanted by hour, rows across an
    /// edge, or new bytes).
    hours: Option<Hourly<A>>,
}

impl<A> Planned<A> {
    fn fresh(name: &str) -> Self {
        Planned {
            name: name.to_string(),
            entry: CachedSegment {
                offset: 0,
                line_hash: String::new(),
                rows: 0,
                skipped: 0,
                first_ms: None,
                last_ms: None,
                total: None,
            },
            hours: Some(Hourly {
                hours: BTreeMap::new(),
            }),
        }
    }
}

/// Whether a segment's cache entry can be kept for this run, and then
/// whether its hour file is needed: the file holds the same bytes up to its
/// `offset` (the hash of the line ending there: a shorter or rewritten file
/// fails it), and what `want` needs of it (its total) is there. `None`: the
/// segment is read again from its start.
fn reusable<A: Aggregate>(
    path: &Path,
    entry: &CachedSegment<A>,
    want: Want,
    window_ms: (i64, i64),
) -> Option<bool> {
    let (hash, _) = line_hash_before(path, entry.offset).ok()?;
    if hash != entry.line_hash {
        return None;
    }
    if want == Want::Total && entry.total.is_none() {
        return None;
    }
    let size = fs::metadata(path).map_or(0, |m| m.len());
    let at = span(entry.first_ms, entry.last_ms, window_ms.0, window_ms.1);
    Some(size > entry.offset || at == Span::Across || (want == Want::Hours && at == Span::Inside))
}

/// Loads the hour files of `wanted` (segment names and their entries),
/// shared out among a few scoped threads that end before this returns: a
/// report's window holds a month of them. `None` where one is missing,
/// damaged or does not match its entry.
fn load_all_hours<A: Aggregate>(
    files: &CacheFiles,
    wanted: &[(&str, u64, &str)],
) -> Vec<Option<Hourly<A>>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(super::window::MAX_WORKERS)
        .min(wanted.len());
    if workers <= 1 {
        return wanted
            .iter()
            .map(|(name, offset, hash)| load_hours(files, name, *offset, hash))
            .collect();
    }
    let chunk = wanted.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = wanted
            .chunks(chunk)
            .map(|some| {
                let handle = std::thread::Builder::new()
                    .name("tend-cache".to_string())
                    .spawn_scoped(scope, move || {
                        some.iter()
                            .map(|(name, offset, hash)| load_hours(files, name, *offset, hash))
                            .collect::<Vec<_>>()
                    });
                (some, handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(some, handle)| {
                // A thread that could not start or panicked: its files are
                // loaded here.
                handle.ok().and_then(|h| h.join().ok()).unwrap_or_else(|| {
                    some.iter()
                        .map(|(name, offset, hash)| load_hours(files, name, *offset, hash))
                        .collect()
                })
            })
            .collect()
    })
}

/// The hour file of a segment, if it matches its index entry (its
/// `offset` and `line_hash`).
fn load_hours<A: Aggregate>(
    files: &CacheFiles,
    name: &str,
    offset: u64,
    line_hash: &str,
) -> Option<Hourly<A>> {
    let file = state::load_in_place::<HourFile<A>>(&files.hours_dir.join(name))
        .ok()
        .flatten()
        .filter(|h| h.offset == offset && h.line_hash == line_hash)?;
    Some(Hourly::from_file(file))
}

/// A segment read again from its start (its hour file was needed after
/// all and is gone), with a set of row ids of its own (its rows were
/// counted once already this run), then added as a segment read whole.
fn whole_again<A: Aggregate>(
    scan: &WindowScan<'_>,
    files: &CacheFiles,
    out: &mut Scanning<A>,
    name: String,
    part: &Part,
    want: Want,
) -> Result<()> {
    let mut all = scan.reread(Window {
        since: DateTime::<Utc>::MIN_UTC,
        until: DateTime::<Utc>::MAX_UTC,
    });
    let whole = Part {
        start: 0,
        ..part.clone()
    };
    let read = all.read_parts::<Hourly<A>>(std::slice::from_ref(&whole), Hourly::merge)?;
    let read = read
        .into_iter()
        .next()
        .context("a part read gives one read")?;
    let planned = Planned::fresh(&name);
    segment(scan, files, out, planned, &whole, read, want)
}

/// The window's figures of `scan`'s segments, through the cache `old`
/// (from [`usable`]; `None` reads every segment whole). `scan` keeps its
/// set of row ids: a caller may go on to read inputs with it.
pub fn scan<A: Aggregate>(
    scan: &mut WindowScan<'_>,
    files: &CacheFiles,
    old: Option<SegmentCache<A>>,
    want: Want,
) -> Result<Scanned<A>> {
    let mut old = old.map(|c| c.segments).unwrap_or_default();
    let window_ms = scan.window_ms();
    let report = ScanReport {
        rows: vec![0; scan.kinds_len()],
        ..ScanReport::default()
    };
    let (mut bytes_cached, mut skipped_cached) = (0, 0);
    let mut plan: Vec<Planned<A>> = Vec::new();
    let mut parts = Vec::new();
    // Which entries are kept, and which of their hour files are needed.
    // (segment, its entry kept and whether its hour file is needed)
    type Kept<A> = (String, Option<(CachedSegment<A>, bool)>);
    let mut kept: Vec<Kept<A>> = Vec::new();
    for name in scan.segments()? {
        let path = scan.dir().join(&name);
        let entry = old.remove(&name).and_then(|entry| {
            let needs_hours = reusable(&path, &entry, want, window_ms)?;
            Some((entry, needs_hours))
        });
        kept.push((name, entry));
    }
    let wanted: Vec<(&str, u64, &str)> = kept
        .iter()
        .filter_map(|(name, entry)| match entry {
            Some((entry, true)) => Some((name.as_str(), entry.offset, entry.line_hash.as_str())),
            _ => None,
        })
        .collect();
    let mut loaded = load_all_hours(files, &wanted).into_iter();
    for (name, entry) in kept {
        let planned = match entry {
            Some((entry, false)) => Some(Planned {
                name: name.clone(),
                entry,
                hours: None,
            }),
            // A damaged or missing hour file costs reading its segment again.
            Some((entry, true)) => loaded.next().flatten().map(|hours| Planned {
                name: name.clone(),
                entry,
                hours: Some(hours),
            }),
            None => None,
        };
        let planned = match planned {
            Some(p) => {
                skipped_cached += p.entry.skipped;
                bytes_cached += p.entry.offset;
                p
            }
            None => Planned::fresh(&name),
        };
        parts.push(Part {
            label: format!("audit/{name}"),
            finished: scan.is_finished(&name),
            start: planned.entry.offset,
            path: scan.dir().join(&name),
        });
        plan.push(planned);
    }
    // What was appended is read with an all-time window (on a few threads
    // when there is much to read).
    let mut all = scan.over(Window {
        since: DateTime::<Utc>::MIN_UTC,
        until: DateTime::<Utc>::MAX_UTC,
    });
    let reads = all.read_parts::<Hourly<A>>(&parts, Hourly::merge)?;
    let mut out = Scanning {
        total: A::default(),
        hours: BTreeMap::new(),
        rows: 0,
        report,
        bytes_cached,
        skipped_cached,
        index: SegmentCache {
            format: FORMAT,
            figures: files.figures.clone(),
            segments: BTreeMap::new(),
        },
        hour_files: Vec::new(),
    };
    for ((planned, part), read) in plan.into_iter().zip(&parts).zip(reads) {
        segment(scan, files, &mut out, planned, part, read, want)?;
    }
    let mut index = serde_json::to_vec(&out.index)?;
    index.push(b'\n');
    let mut write = CacheWrite {
        index,
        hour_files: out.hour_files,
        stale: old.into_keys().collect(),
    };
    if out.report.duplicates > 0 {
        // (Every row of a segment read is counted by its hour here, so a
        // copy outside the window counts among `duplicates` too.)
        write.forget(files)?;
    }
    Ok(Scanned {
        total: out.total,
        hours: out.hours,
        rows: out.rows,
        report: out.report,
        bytes_cached: out.bytes_cached,
        skipped_cached: out.skipped_cached,
        write,
    })
}

/// Adds one segment (its cached figures and what was read of it now) to
/// the window's figures, and records its cache entry and hour file.
fn segment<A: Aggregate>(
    scan: &WindowScan<'_>,
    files: &CacheFiles,
    out: &mut Scanning<A>,
    planned: Planned<A>,
    part: &Part,
    read: PartRead<Hourly<A>>,
    want: Want,
) -> Result<()> {
    let (since_ms, until_ms) = scan.window_ms();
    let Planned {
        name,
        mut entry,
        hours,
    } = planned;
    let PartRead {
        select: fresh,
        report: mut part_report,
        reached,
    } = read;
    let part_skipped = part_report.skipped;
    entry.skipped += part_skipped;
    // Rows selected by the all-time read are counted below, by window.
    part_report.rows.iter_mut().for_each(|n| *n = 0);
    out.report.absorb(part_report);
    let grew = !fresh.hours.is_empty() || reached != entry.offset;
    let mut hours = match hours {
        Some(hours) => hours,
        // Bytes appended since the plan was made (a writer at work): the
        // hours already cached are needed after all.
        None if grew => match load_hours(files, &name, entry.offset, &entry.line_hash) {
            Some(hours) => hours,
            None => {
                out.bytes_cached -= entry.offset;
                out.skipped_cached -= entry.skipped - part_skipped;
                return whole_again(scan, files, out, name, part, want);
            }
        },
        None => Hourly::default(),
    };
    for (at_ms, hour) in &fresh.hours {
        entry.rows += hour.rows;
        entry.first_ms = entry.first_ms.into_iter().chain([*at_ms]).min();
        entry.last_ms = entry
            .last_ms
            .into_iter()
            .chain([*at_ms + HOUR_MS - 1])
            .max();
        if want == Want::Total {
            entry
                .total
                .get_or_insert_with(A::default)
                .merge(hour.figures.clone());
        }
    }
    if want == Want::Total && entry.total.is_none() {
        entry.total = Some(A::default());
    }
    hours.merge(fresh);
    entry.offset = reached;
    entry.line_hash = line_hash_before(&part.path, reached)?.0;
    if grew {
        let bytes = hours.to_file(entry.offset, &entry.line_hash)?;
        out.hour_files.push((name.clone(), bytes));
    }
    // This segment's figures inside the window, in hour order: rows of
    // different hours differ in time, so the order is one pass's order
    // wherever it matters.
    match span(entry.first_ms, entry.last_ms, since_ms, until_ms) {
        Span::Outside => {}
        Span::Inside if want == Want::Total => {
            out.rows += entry.rows;
            if let Some(total) = &entry.total {
                out.total.merge(total.clone());
            }
        }
        Span::Inside | Span::Across => {
            for (at_ms, hour) in hours.hours {
                let end_ms = at_ms + HOUR_MS - 1;
                let (rows, figures) = if since_ms <= at_ms && end_ms <= until_ms {
                    (hour.rows, hour.figures)
                } else if end_ms < since_ms || until_ms < at_ms {
                    continue;
                } else {
                    edge_hour(scan, part, &hour.ranges, at_ms, out)?
                };
                out.rows += rows;
                match want {
                    Want::Total => out.total.merge(figures),
                    // The hour's first figures are taken as they are
                    // (merging into empty figures would rebuild them).
                    Want::Hours => match out.hours.entry(at_ms) {
                        Entry::Vacant(hour) => {
                            hour.insert(figures);
                        }
                        Entry::Occupied(mut hour) => hour.get_mut().merge(figures),
                    },
                }
            }
        }
    }
    out.index.segments.insert(name, entry);
    Ok(())
}

/// The rows inside the window of an hour an edge of the window cuts
/// through, read again from where they lie.
fn edge_hour<A: Aggregate>(
    scan: &WindowScan<'_>,
    part: &Part,
    ranges: &[(u64, u64)],
    at_ms: i64,
    out: &mut Scanning<A>,
) -> Result<(u64, A)> {
    let (since_ms, until_ms) = scan.window_ms();
    let mut edge = scan.reread(Window {
        since: ms_time(since_ms.max(at_ms)),
        until: ms_time(until_ms.min(at_ms + HOUR_MS - 1)),
    });
    let mut edge_report = ScanReport {
        rows: vec![0; scan.kinds_len()],
        ..ScanReport::default()
    };
    let mut figures = A::default();
    for &(start, end) in ranges {
        edge.file_range(
            &part.path,
            &part.label,
            part.finished,
            (start, Some(end)),
            &mut figures,
            &mut edge_report,
        )?;
    }
    // Its lines were counted (and skipped ones told) when first read.
    out.report.bytes += edge_report.bytes;
    Ok((edge_report.rows.iter().sum(), figures))
}

fn ms_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_at_the_window_edges() {
        assert_eq!(span(None, None, 0, 10), Span::Outside);
        assert_eq!(span(Some(0), Some(10), 0, 10), Span::Inside);
        assert_eq!(span(Some(-1), Some(10), 0, 10), Span::Across);
        assert_eq!(span(Some(0), Some(11), 0, 10), Span::Across);
        assert_eq!(span(Some(-5), Some(-1), 0, 10), Span::Outside);
        assert_eq!(span(Some(11), Some(20), 0, 10), Span::Outside);
    }

    #[test]
    fn hours_start_on_the_hour_before_and_after_the_epoch() {
        assert_eq!(hour_of(0), 0);
        assert_eq!(hour_of(HOUR_MS - 1), 0);
        assert_eq!(hour_of(HOUR_MS), HOUR_MS);
        assert_eq!(hour_of(-1), -HOUR_MS);
    }

    #[test]
    fn near_ranges_join_and_too_many_become_one() {
        let mut r = Vec::new();
        add_range(&mut r, (0, 10));
        add_range(&mut r, (10 + RANGE_GAP, 10 + RANGE_GAP + 5));
        assert_eq!(r, [(0, 10 + RANGE_GAP + 5)]);
        let far = 1 << 30;
        for i in 1..=MAX_RANGES as u64 {
            add_range(&mut r, (i * far, i * far + 1));
        }
        assert_eq!(r, [(0, MAX_RANGES as u64 * far + 1)]);
    }
}

#[cfg(test)]
mod cached_equals_one_pass {
    use std::collections::BTreeMap;
    use std::fs;
    use std::io::Write;

    use chrono::{DateTime, TimeDelta, Utc};
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::audit::window::{Select, Window, WindowScan};

    /// Calls per route, in the order rows came (to check merge order).
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    struct Calls(BTreeMap<String, Vec<i64>>);

    #[derive(Deserialize)]
    struct Call {
        route: String,
    }

    impl Select for Calls {
        type Details<'a> = Call;
        fn row(&mut self, _: usize, ts: DateTime<Utc>, d: Call) {
            self.0
                .entry(d.route)
                .or_default()
                .push(ts.timestamp_millis());
        }
    }

    impl Aggregate for Calls {
        fn merge(&mut self, later: Self) {
            for (route, mut times) in later.0 {
                self.0.entry(route).or_default().append(&mut times);
            }
        }
    }

    /// Rows sorted per route by time: what a pass's order does not change.
    fn sorted(mut c: Calls) -> Calls {
        c.0.values_mut().for_each(|v| v.sort_unstable());
        c
    }

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    fn append(dir: &Path, day: &str, rows: &[(&str, &str)]) {
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{day}.jsonl")))
            .unwrap();
        for (ts, route) in rows {
            writeln!(
                f,
                r#"{{"id":"{ts}{route}","ts":"{ts}","kind":"inference.recorded","details":{{"route":"{route}"}}}}"#
            )
            .unwrap();
        }
    }

    const KINDS: [&str; 1] = ["inference.recorded"];

    /// One pass over the window without the cache: total and per hour.
    fn one_pass(dir: &Path, now: DateTime<Utc>, window: Window) -> (Calls, BTreeMap<i64, Calls>) {
        let mut scan = WindowScan::new(dir, now, &KINDS, window);
        let mut total = Calls::default();
        scan.run(&[], &mut total).unwrap();
        let mut hours: BTreeMap<i64, Calls> = BTreeMap::new();
        for (route, times) in &total.0 {
            for ms in times {
                let hour = hours.entry(hour_of(*ms)).or_default();
                hour.0.entry(route.clone()).or_default().push(*ms);
            }
        }
        (
            sorted(total),
            hours.into_iter().map(|(h, c)| (h, sorted(c))).collect(),
        )
    }

    fn cached(
        dir: &Path,
        files: &CacheFiles,
        now: DateTime<Utc>,
        window: Window,
        want: Want,
    ) -> Scanned<Calls> {
        let old = state::load_in_place::<SegmentCache<Calls>>(&files.index)
            .ok()
            .flatten();
        let mut window_scan = WindowScan::new(dir, now, &KINDS, window);
        let scanned =
            super::scan::<Calls>(&mut window_scan, files, usable(files, old), want).unwrap();
        scanned.write.save(files).unwrap();
        scanned
    }

    #[test]
    fn through_the_cache_as_rows_arrive_and_segments_change() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("audit");
        fs::create_dir(&dir).unwrap();
        let state_dir = root.path().join("state");
        fs::create_dir(&state_dir).unwrap();
        append(
            &dir,
            "2026-05-22",
            &[("2026-05-22T10:00:00Z", "a"), ("2026-05-22T23:59:59Z", "b")],
        );
        append(
            &dir,
            "2026-05-23",
            &[
                ("2026-05-23T00:10:00Z", "a"),
                ("2026-05-22T23:30:00Z", "late"),
                ("2026-05-23T05:20:00Z", "b"),
                ("2026-05-23T05:40:00Z", "a"),
                ("2026-05-23T12:00:00Z", "c"),
            ],
        );
        append(&dir, "2026-05-24", &[("2026-05-24T01:00:00Z", "a")]);
        let now = t("2026-05-24T02:00:00Z");
        // Windows on the hour, and cut through hours at both ends.
        let windows = [
            Window {
                since: t("2026-05-22T23:00:00Z"),
                until: t("2026-05-24T02:59:59.999Z"),
            },
            Window {
                since: t("2026-05-23T05:30:00Z"),
                until: t("2026-05-23T12:00:00Z"),
            },
            Window::ending(now, TimeDelta::days(30)),
        ];
        for (w, window) in windows.into_iter().enumerate() {
            for want in [Want::Total, Want::Hours] {
                let files = CacheFiles::in_dir(&state_dir, &format!("c{w}{want:?}"), "calls/1");
                let check = |scanned: Scanned<Calls>, what: &str| -> Scanned<Calls> {
                    let (total, hours) = one_pass(&dir, now, window);
                    let rows: usize = total.0.values().map(Vec::len).sum();
                    assert_eq!(scanned.rows, rows as u64, "{what}: window {w} {want:?}");
                    match want {
                        Want::Total => {
                            assert_eq!(sorted(scanned.total.clone()), total, "{what}: {w}")
                        }
                        Want::Hours => {
                            let got: BTreeMap<i64, Calls> = scanned
                                .hours
                                .iter()
                                .map(|(h, c)| (*h, sorted(c.clone())))
                                .collect();
                            assert_eq!(got, hours, "{what}: window {w}");
                        }
                    }
                    scanned
                };
                let first = check(cached(&dir, &files, now, window, want), "cold");
                assert_eq!(first.bytes_cached, 0);
                let again = check(cached(&dir, &files, now, window, want), "cached");
                assert!(again.bytes_cached > 0);
                if w == 0 {
                    // Both edges on hours: nothing is read again.
                    assert_eq!(again.report.bytes, 0, "{want:?}");
                }
            }
        }
        // Rows appended (a late one too), a segment rewritten, an hour file
        // lost: each run still equals one pass.
        let window = Window::ending(now, TimeDelta::days(30));
        for want in [Want::Total, Want::Hours] {
            let files = CacheFiles::in_dir(&state_dir, &format!("c2{want:?}"), "calls/1");
            let check = |what: &str| {
                let scanned = cached(&dir, &files, now, window, want);
                let (total, hours) = one_pass(&dir, now, window);
                match want {
                    Want::Total => assert_eq!(sorted(scanned.total), total, "{what}"),
                    Want::Hours => {
                        let got: BTreeMap<i64, Calls> = scanned
                            .hours
                            .into_iter()
                            .map(|(h, c)| (h, sorted(c)))
                            .collect();
                        assert_eq!(got, hours, "{what}");
                    }
                }
                scanned.report.bytes
            };
            check("caught up");
            let size = |day: &str| fs::metadata(dir.join(day)).unwrap().len();
            let before = size("2026-05-24.jsonl") + size("2026-05-23.jsonl");
            let tag = format!("n{want:?}");
            append(
                &dir,
                "2026-05-24",
                &[("2026-05-24T01:30:00Z", tag.as_str())],
            );
            let late = format!("late{want:?}");
            append(
                &dir,
                "2026-05-23",
                &[("2026-05-24T00:30:00Z", late.as_str())],
            );
            let read = check("appended");
            let grown = size("2026-05-24.jsonl") + size("2026-05-23.jsonl") - before;
            // Only what was appended is read.
            assert_eq!(read, grown);
            let seg = dir.join("2026-05-22.jsonl");
            fs::write(&seg, r#"{"id":"x","ts":"2026-05-22T11:00:00Z","kind":"inference.recorded","details":{"route":"x"}}"#.to_string() + "\n").unwrap();
            check("rewritten");
            fs::remove_file(files.hours_dir.join("2026-05-23.jsonl")).unwrap();
            let z = format!("z{want:?}");
            append(&dir, "2026-05-23", &[("2026-05-23T13:00:00Z", z.as_str())]);
            check("hour file lost");
        }
    }
}
