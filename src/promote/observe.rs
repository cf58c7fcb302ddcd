//! `tend promote observe` (SPEC §7): one windowed scan of the audit log (and
//! any `--input` JSON Lines) per loop, aggregated as the rows stream past, and
//! written atomically to `observations/<loop>.json` with the window, the rows
//! read per kind, the figures and their digest.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::hash::BuildHasherDefault;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::policy::{Cluster, Figures, RouteCalls, cluster_key};
use super::status::Loop;
use crate::audit::window::{Part, PartRead, ScanReport, Select, Window, WindowScan, input_files};
use crate::ctx::Ctx;
use crate::hash::Fnv64;
use crate::store::cursor::line_hash_before;
use crate::store::{atomic, state};

/// Namespace of observation digests and proposal ids.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x3d0c_71a4_9e62_5b1f_8a07_c4d2_19e5_f630);

/// `observations/<loop>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    #[serde(rename = "loop")]
    pub lp: Loop,
    pub observed_at: DateTime<Utc>,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Rows read per kind (inside the window).
    pub rows: BTreeMap<String, u64>,
    /// Lines of the loop's kind that could not be used.
    pub skipped: u64,
    /// Bytes of segments and inputs read by this observation.
    pub bytes_read: u64,
    /// Bytes of segments whose figures came from the cache of an earlier
    /// observation instead (not read again).
    #[serde(default)]
    pub bytes_cached: u64,
    /// Copies of rows already counted (the same `id` again, in the log or
    /// an `--input`): each row is counted once.
    #[serde(default)]
    pub duplicates: u64,
    pub figures: Figures,
    /// A digest of `figures`: proposals record the one they were made from.
    pub digest: String,
}

/// The kind each loop reads.
pub fn kind(lp: Loop) -> &'static str {
    match lp {
        Loop::RouterTuning => "inference.recorded",
        Loop::ToolTrimming => "reasoning.tool_called",
        Loop::ProbeEnvelopes => "probe.investigation_completed",
    }
}

/// The digest of some figures: a name-based UUID (SHA-1) of their JSON.
pub fn digest(figures: &Figures) -> Result<String> {
    let bytes = serde_json::to_vec(figures)?;
    Ok(format!(
        "sha1:{}",
        Uuid::new_v5(&NAMESPACE, &bytes).simple()
    ))
}

/// Route and tool names are few and short: FNV hashes them fastest.
type Fnv = BuildHasherDefault<Fnv64>;

#[derive(Deserialize)]
struct Inference<'a> {
    #[serde(borrow)]
    route: Cow<'a, str>,
    #[serde(default)]
    escalated: bool,
    #[serde(default)]
    cost_usd: Option<f64>,
}

/// router-tuning's running figures for one route. Cost is summed in whole
/// nano-dollars so that a sum does not depend on the order it was taken in:
/// figures merged from cached segments equal one pass over every row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct RouteSum {
    calls_count: u64,
    escalation_count: u64,
    cost_nanos: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Routes(HashMap<String, RouteSum, Fnv>);

impl Select for Routes {
    type Details<'a> = Inference<'a>;
    fn row(&mut self, _: usize, _: DateTime<Utc>, d: Inference<'_>) {
        let entry = match self.0.get_mut(d.route.as_ref()) {
            Some(entry) => entry,
            None => self.0.entry(d.route.into_owned()).or_default(),
        };
        entry.calls_count += 1;
        entry.escalation_count += u64::from(d.escalated);
        let cost = d.cost_usd.filter(|c| c.is_finite()).unwrap_or(0.0);
        // `as` saturates: an absurd cost cannot wrap the sum around.
        entry.cost_nanos = entry.cost_nanos.saturating_add((cost * 1e9).round() as i64);
    }
}

impl Aggregate for Routes {
    fn merge(&mut self, later: Self) {
        for (route, sum) in later.0 {
            let mine = self.0.entry(route).or_default();
            mine.calls_count += sum.calls_count;
            mine.escalation_count += sum.escalation_count;
            mine.cost_nanos = mine.cost_nanos.saturating_add(sum.cost_nanos);
        }
    }
    fn into_partial(self) -> Partial {
        Partial::Routes(self)
    }
    fn from_partial(partial: Partial) -> Option<Self> {
        match partial {
            Partial::Routes(p) => Some(p),
            _ => None,
        }
    }
    fn figures(self) -> Figures {
        let routes = self
            .0
            .into_iter()
            .map(|(route, sum)| {
                let calls = RouteCalls {
                    calls_count: sum.calls_count,
                    escalation_count: sum.escalation_count,
                    cost_estimate_usd_total: sum.cost_nanos as f64 / 1e9,
                };
                (route, calls)
            })
            .collect();
        Figures::Routes { routes }
    }
}

#[derive(Deserialize)]
struct ToolCall<'a> {
    #[serde(borrow)]
    route: Cow<'a, str>,
    #[serde(borrow)]
    tool_name: Cow<'a, str>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Tools(HashMap<String, HashMap<String, u64, Fnv>, Fnv>);

impl Select for Tools {
    type Details<'a> = ToolCall<'a>;
    fn row(&mut self, _: usize, _: DateTime<Utc>, d: ToolCall<'_>) {
        let tools = match self.0.get_mut(d.route.as_ref()) {
            Some(tools) => tools,
            None => self.0.entry(d.route.into_owned()).or_default(),
        };
        match tools.get_mut(d.tool_name.as_ref()) {
            Some(n) => *n += 1,
            None => {
                tools.insert(d.tool_name.into_owned(), 1);
            }
        }
    }
}

impl Aggregate for Tools {
    fn merge(&mut self, later: Self) {
        for (route, tools) in later.0 {
            let mine = self.0.entry(route).or_default();
            for (tool, n) in tools {
                *mine.entry(tool).or_default() += n;
            }
        }
    }
    fn into_partial(self) -> Partial {
        Partial::Tools(self)
    }
    fn from_partial(partial: Partial) -> Option<Self> {
        match partial {
            Partial::Tools(p) => Some(p),
            _ => None,
        }
    }
    fn figures(self) -> Figures {
        let tool_calls = self
            .0
            .into_iter()
            .map(|(route, tools)| (route, tools.into_iter().collect()))
            .collect();
        Figures::Tools { tool_calls }
    }
}

#[derive(Deserialize)]
struct Investigation<'a> {
    #[serde(borrow)]
    probe: Cow<'a, str>,
    #[serde(borrow)]
    issue_category: Cow<'a, str>,
    #[serde(borrow, default)]
    wake_id: Cow<'a, str>,
    #[serde(default)]
    autofix_attempted: bool,
    #[serde(borrow, default)]
    recommendation_text: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Clusters(BTreeMap<String, Cluster>);

impl Select for Clusters {
    type Details<'a> = Investigation<'a>;
    fn row(&mut self, _: usize, ts: DateTime<Utc>, d: Investigation<'_>) {
        if d.autofix_attempted {
            return;
        }
        let cluster = self
            .0
            .entry(cluster_key(&d.probe, &d.issue_category))
            .or_insert_with(|| Cluster {
                probe: d.probe.to_string(),
                issue_category: d.issue_category.to_string(),
                ..Cluster::default()
            });
        cluster.add(ts, &d.wake_id, d.recommendation_text.as_deref());
    }
}

impl Aggregate for Clusters {
    fn merge(&mut self, later: Self) {
        for (key, cluster) in later.0 {
            match self.0.get_mut(&key) {
                Some(mine) => mine.merge(cluster),
                None => {
                    self.0.insert(key, cluster);
                }
            }
        }
    }
    fn into_partial(self) -> Partial {
        Partial::Clusters(self)
    }
    fn from_partial(partial: Partial) -> Option<Self> {
        match partial {
            Partial::Clusters(p) => Some(p),
            _ => None,
        }
    }
    fn figures(self) -> Figures {
        Figures::Clusters { clusters: self.0 }
    }
}

/// A loop's running figures: fed row by row, mergeable in row order (the
/// figures of segment A then B equal one pass over A's rows then B's), and
/// kept per segment and per hour in the cache.
trait Aggregate: Select + Default + Clone + Send {
    /// Adds the figures of rows that come after this one's.
    fn merge(&mut self, later: Self);
    fn into_partial(self) -> Partial;
    fn from_partial(partial: Partial) -> Option<Self>;
    fn figures(self) -> Figures;
}

/// Figures as the cache keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Partial {
    Routes(Routes),
    Tools(Tools),
    Clusters(Clusters),
}

/// Bumped whenever what the cache means changes: a cache of another version
/// is not used (every segment is read again and the cache rewritten).
const CACHE_VERSION: u32 = 2;

/// The cache's unit of time: rows are kept by the hour their `ts` falls in.
const HOUR_MS: i64 = 3_600_000;

/// `state/promote.<loop>.segments.json`: per audit segment, the figures of
/// every row of the loop's kind up to `offset` (whatever its time), so that
/// an hourly run reads only what was appended since, at any hour and with any
/// amount of history (SPEC §7 "Speed"). A segment whose rows' times
/// (`first_ms`..`last_ms`) are all inside the window counts `total`; one
/// whose rows all lie outside counts nothing; for one across an edge of the
/// window, its figures per hour (`state/promote.<loop>.hours/<segment>.json`,
/// [`HourFile`]) are used: an hour inside counts, an hour outside is
/// dropped, and the one or two hours an edge cuts through are read again
/// from the bytes their rows lie in. An entry is used only while the file
/// holds the same bytes up to `offset` (checked by the hash of the line that
/// ends there, as reading positions are, SPEC §3); its hour file only while
/// it records the same `offset` and hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentCache {
    version: u32,
    #[serde(rename = "loop")]
    lp: Loop,
    segments: BTreeMap<String, CachedSegment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CachedSegment {
    /// Bytes read: the end of the last complete line (or torn last line of a
    /// finished segment) consumed.
    offset: u64,
    /// FNV-1a hash of the line that ends at `offset`.
    line_hash: String,
    /// Rows of the kind with a time, and lines of the kind skipped, up to
    /// `offset`.
    rows: u64,
    skipped: u64,
    /// The earliest and latest of those rows' times (ms since the epoch).
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    /// The figures of all those rows.
    total: Partial,
}

/// `state/promote.<loop>.hours/<segment>.json`: a segment's rows by hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct HourFile {
    offset: u64,
    line_hash: String,
    /// Oldest first.
    hours: Vec<Hour>,
}

/// The rows of one segment whose time falls in one hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Hour {
    /// The hour's start (ms since the epoch).
    at_ms: i64,
    rows: u64,
    /// Where in the segment its rows' lines are: [start, end) ranges, in
    /// order, lines close to each other joined.
    ranges: Vec<(u64, u64)>,
    figures: Partial,
}

impl SegmentCache {
    fn empty(lp: Loop) -> SegmentCache {
        SegmentCache {
            version: CACHE_VERSION,
            lp,
            segments: BTreeMap::new(),
        }
    }
}

/// An observation, what its scan went through, and the cache to keep.
pub struct Observed {
    pub observation: Observation,
    /// Warnings and skips of the bytes read this time (cached segments were
    /// reported when they were read).
    pub report: ScanReport,
    cache: SegmentCache,
    /// The hour files to write (segments read this time), and those of
    /// segments the window no longer reads, to remove.
    hours: Vec<(String, HourFile)>,
    stale_hours: Vec<String>,
}

/// The window a loop observes at `now`.
pub fn window(ctx: &Ctx, lp: Loop) -> Window {
    let p = &ctx.config.promote;
    let length = match lp {
        Loop::RouterTuning => p.router_tuning.window,
        Loop::ToolTrimming => p.tool_trimming.window,
        Loop::ProbeEnvelopes => p.probe_envelopes.window,
    };
    let length = length.to_chrono();
    Window::ending(ctx.now(), length)
}

/// Scans the loop's window and returns the observation (nothing written):
/// segments cached by an earlier run are read only from where that run
/// stopped, and `--input` files are read whole.
pub fn observe(ctx: &Ctx, lp: Loop, inputs: &[PathBuf]) -> Result<Observed> {
    let window = window(ctx, lp);
    let kinds = [kind(lp)];
    let mut scan = WindowScan::new(&ctx.root.audit_dir(), ctx.now(), &kinds, window);
    let mut warnings = Vec::new();
    let old = match ctx.load_state_at::<SegmentCache>(&cache_path(ctx, lp)) {
        // With `--input`, every segment is read whole so that a row of an
        // input that is also in the log (a copy of a segment) counts once.
        Ok(_) if !inputs.is_empty() => None,
        Ok(cache) => cache.filter(|c| c.version == CACHE_VERSION && c.lp == lp),
        Err(e) => {
            // The cache only saves reading: a damaged one costs a full scan.
            warnings.push(format!("{e:#}; every segment of the window is read again"));
            None
        }
    };
    let hours_dir = hours_dir(ctx, lp);
    let load_hours = |name: &str| -> Option<HourFile> {
        // A damaged or missing hour file costs reading its segment again.
        ctx.load_state_at::<HourFile>(&hours_dir.join(name))
            .ok()
            .flatten()
    };
    let scanned = match lp {
        Loop::RouterTuning => scan_cached::<Routes>(&mut scan, lp, inputs, old, &load_hours)?,
        Loop::ToolTrimming => scan_cached::<Tools>(&mut scan, lp, inputs, old, &load_hours)?,
        Loop::ProbeEnvelopes => scan_cached::<Clusters>(&mut scan, lp, inputs, old, &load_hours)?,
    };
    let Scanned {
        figures,
        mut report,
        rows,
        cached,
        cache,
        hours,
        stale_hours,
    } = scanned;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    let observation = Observation {
        lp,
        observed_at: ctx.now(),
        since: window.since,
        until: window.until,
        rows: [(kinds[0].to_string(), rows)].into(),
        skipped: report.skipped + cached.skipped,
        bytes_read: report.bytes,
        bytes_cached: cached.bytes,
        duplicates: report.duplicates,
        digest: digest(&figures)?,
        figures,
    };
    Ok(Observed {
        observation,
        report,
        cache,
        hours,
        stale_hours,
    })
}

/// What the cache supplied without reading.
#[derive(Default)]
struct Cached {
    skipped: u64,
    bytes: u64,
}

struct Scanned {
    figures: Figures,
    report: ScanReport,
    /// Rows inside the window.
    rows: u64,
    cached: Cached,
    cache: SegmentCache,
    hours: Vec<(String, HourFile)>,
    stale_hours: Vec<String>,
}

/// A loop's figures kept by the hour of each row's time, with where the rows
/// are (what reading a segment with an all-time window fills).
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
        let at_ms = ts.timestamp_millis().div_euclid(HOUR_MS) * HOUR_MS;
        let hour = self.hours.entry(at_ms).or_insert_with(|| HourFigures {
            rows: 0,
            ranges: Vec::new(),
            figures: A::default(),
        });
        hour.rows += 1;
        if line.1 > line.0 {
            add_range(&mut hour.ranges, line);
        }
        hour.figures.row(kind, ts, details);
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

    fn from_file(file: HourFile) -> Option<Self> {
        let mut hourly = Hourly::default();
        for hour in file.hours {
            hourly.hours.insert(
                hour.at_ms,
                HourFigures {
                    rows: hour.rows,
                    ranges: hour.ranges,
                    figures: A::from_partial(hour.figures)?,
                },
            );
        }
        Some(hourly)
    }

    fn to_file(&self, offset: u64, line_hash: &str) -> HourFile {
        HourFile {
            offset,
            line_hash: line_hash.to_string(),
            hours: self
                .hours
                .iter()
                .map(|(at_ms, hour)| Hour {
                    at_ms: *at_ms,
                    rows: hour.rows,
                    ranges: hour.ranges.clone(),
                    figures: hour.figures.clone().into_partial(),
                })
                .collect(),
        }
    }
}

/// How a segment's cached rows stand to the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// No rows, or all of them outside the window.
    Outside,
    /// All of them inside: the segment's total counts.
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
    entry: CachedSegment,
    total: A,
    /// Its hours, when they are needed (rows across an edge, or new bytes).
    hours: Option<Hourly<A>>,
}

/// The windowed scan, segment by segment, through the cache.
fn scan_cached<A: Aggregate>(
    scan: &mut WindowScan<'_>,
    lp: Loop,
    inputs: &[PathBuf],
    old: Option<SegmentCache>,
    load_hours: &dyn Fn(&str) -> Option<HourFile>,
) -> Result<Scanned> {
    let mut old = old.map(|c| c.segments).unwrap_or_default();
    let (since_ms, until_ms) = scan.window_ms();
    let mut report = ScanReport {
        rows: vec![0],
        ..ScanReport::default()
    };
    let mut cached = Cached::default();
    let mut plan: Vec<Planned<A>> = Vec::new();
    let mut parts = Vec::new();
    for name in scan.segments()? {
        let path = scan.dir().join(&name);
        let size = fs::metadata(&path).map_or(0, |m| m.len());
        let planned = old
            .remove(&name)
            .filter(|c| {
                // The same bytes up to `offset`: the hash of the line ending
                // there (a shorter or rewritten file fails it).
                line_hash_before(&path, c.offset).is_ok_and(|(hash, _)| hash == c.line_hash)
            })
            .and_then(|mut c| {
                let total = std::mem::replace(&mut c.total, A::default().into_partial());
                let total = A::from_partial(total)?;
                let needs_hours = size > c.offset
                    || span(c.first_ms, c.last_ms, since_ms, until_ms) == Span::Across;
                let hours = if needs_hours {
                    let file = load_hours(&name)
                        .filter(|h| h.offset == c.offset && h.line_hash == c.line_hash)?;
                    Some(Hourly::from_file(file)?)
                } else {
                    None
                };
                Some(Planned {
                    name: name.clone(),
                    entry: c,
                    total,
                    hours,
                })
            });
        let planned = match planned {
            Some(p) => {
                cached.skipped += p.entry.skipped;
                cached.bytes += p.entry.offset;
                p
            }
            None => Planned {
                name: name.clone(),
                entry: CachedSegment {
                    offset: 0,
                    line_hash: String::new(),
                    rows: 0,
                    skipped: 0,
                    first_ms: None,
                    last_ms: None,
                    total: A::default().into_partial(),
                },
                total: A::default(),
                hours: Some(Hourly::default()),
            },
        };
        parts.push(Part {
            label: format!("audit/{name}"),
            finished: scan.is_finished(&name),
            start: planned.entry.offset,
            path,
        });
        plan.push(planned);
    }
    // What was appended is read with an all-time window: every row is kept
    // by its hour, whether the window holds it now or will later. (On a few
    // threads when there is much to read.)
    let mut all = scan.over(Window {
        since: DateTime::<Utc>::MIN_UTC,
        until: DateTime::<Utc>::MAX_UTC,
    });
    let reads = all.read_parts::<Hourly<A>>(&parts, Hourly::merge)?;
    let mut total = A::default();
    let mut rows = 0;
    let mut cache = SegmentCache::empty(lp);
    let mut hour_files = Vec::new();
    for ((planned, part), read) in plan.into_iter().zip(&parts).zip(reads) {
        let Planned {
            name,
            mut entry,
            total: mut segment_total,
            hours,
        } = planned;
        let PartRead {
            select: fresh,
            report: mut part_report,
            reached,
        } = read;
        entry.skipped += part_report.skipped;
        // Rows selected by the all-time read are counted below, by window.
        part_report.rows = vec![0];
        report.absorb(part_report);
        let mut hours = hours.unwrap_or_default();
        let grew = !fresh.hours.is_empty() || reached != entry.offset;
        for (at_ms, hour) in &fresh.hours {
            entry.rows += hour.rows;
            entry.first_ms = entry.first_ms.into_iter().chain([*at_ms]).min();
            entry.last_ms = entry
                .last_ms
                .into_iter()
                .chain([*at_ms + HOUR_MS - 1])
                .max();
            segment_total.merge(hour.figures.clone());
        }
        hours.merge(fresh);
        entry.offset = reached;
        entry.line_hash = line_hash_before(&part.path, reached)?.0;
        // This segment's figures inside the window, in hour order: rows of
        // different hours differ in time, so the order is one pass's order
        // wherever it matters (see `Cluster::merge`).
        let mut figures = A::default();
        match span(entry.first_ms, entry.last_ms, since_ms, until_ms) {
            Span::Outside => {}
            Span::Inside => {
                rows += entry.rows;
                figures = segment_total.clone();
            }
            Span::Across => {
                for (at_ms, hour) in &hours.hours {
                    let end_ms = at_ms + HOUR_MS - 1;
                    if since_ms <= *at_ms && end_ms <= until_ms {
                        rows += hour.rows;
                        figures.merge(hour.figures.clone());
                    } else if end_ms < since_ms || until_ms < *at_ms {
                        continue;
                    } else {
                        // An edge cuts through this hour: its rows inside,
                        // read again from where they are.
                        let mut edge = scan.reread(Window {
                            since: ms_time(since_ms.max(*at_ms)),
                            until: ms_time(until_ms.min(end_ms)),
                        });
                        let mut edge_report = ScanReport {
                            rows: vec![0],
                            ..ScanReport::default()
                        };
                        let mut edge_figures = A::default();
                        for &(start, end) in &hour.ranges {
                            edge.file_range(
                                &part.path,
                                &part.label,
                                part.finished,
                                (start, Some(end)),
                                &mut edge_figures,
                                &mut edge_report,
                            )?;
                        }
                        rows += edge_report.rows[0];
                        // Its lines were counted (and skipped ones told)
                        // when they were first read.
                        report.bytes += edge_report.bytes;
                        figures.merge(edge_figures);
                    }
                }
            }
        }
        total.merge(figures);
        entry.total = segment_total.into_partial();
        if grew {
            hour_files.push((name.clone(), hours.to_file(entry.offset, &entry.line_hash)));
        }
        cache.segments.insert(name, entry);
    }
    for input in inputs {
        for path in input_files(input)? {
            // A link (`latest.jsonl -> 2026-05-24.jsonl`) is read through; a
            // pipe is read once as a stream.
            let before = report.rows[0];
            scan.input(&path, &mut total, &mut report)?;
            rows += report.rows[0] - before;
        }
    }
    if report.duplicates > 0 {
        // Which copy of a row a segment's figures hold depends on the order
        // the threads read in: a cached segment could hold a copy that a
        // later run, reading another segment again, counts a second time.
        // Nothing is cached until the copies are gone from the window.
        // (Every row of a segment read is counted by its hour here, so a
        // copy outside the window counts among `duplicates` too.)
        cache.segments.clear();
        hour_files.clear();
    }
    Ok(Scanned {
        figures: total.figures(),
        report,
        rows,
        cached,
        cache,
        hours: hour_files,
        stale_hours: old.into_keys().collect(),
    })
}

fn ms_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// `observations/<loop>.json`.
pub fn path(ctx: &Ctx, lp: Loop) -> PathBuf {
    ctx.root
        .observations_dir()
        .join(format!("{}.json", lp.name()))
}

/// `state/promote.<loop>.segments.json`.
fn cache_path(ctx: &Ctx, lp: Loop) -> PathBuf {
    ctx.root
        .state_dir()
        .join(format!("promote.{}.segments.json", lp.name()))
}

/// `state/promote.<loop>.hours/`.
fn hours_dir(ctx: &Ctx, lp: Loop) -> PathBuf {
    ctx.root
        .state_dir()
        .join(format!("promote.{}.hours", lp.name()))
}

/// Writes the observation (durably), then the hour files of the segments
/// read, then the segment cache, each atomically (a cache older than the
/// observation only costs reading again; an hour file that does not match its
/// segment's entry is not used). The cache is derived data, written without
/// fsyncs (one durable write per loop): lost or emptied by a power cut, it
/// costs one full read. The hour files of segments the window no longer reads
/// are removed.
pub fn save(ctx: &Ctx, observed: &Observed) -> Result<()> {
    let lp = observed.observation.lp;
    state::save(&path(ctx, lp), &observed.observation)?;
    let dir = hours_dir(ctx, lp);
    for (name, hours) in &observed.hours {
        // Compact: an hour file is read only by the next run.
        let mut bytes = serde_json::to_vec(hours)?;
        bytes.push(b'\n');
        atomic::write_derived(&dir.join(name), &bytes)
            .with_context(|| format!("cannot write the cache of {name}"))?;
    }
    let mut bytes = serde_json::to_vec(&observed.cache)?;
    bytes.push(b'\n');
    atomic::write_derived(&cache_path(ctx, lp), &bytes)?;
    for name in &observed.stale_hours {
        let _ = fs::remove_file(dir.join(name));
    }
    Ok(())
}

/// The latest observation of `lp`, if any (a damaged one is quarantined).
pub fn load(ctx: &Ctx, lp: Loop) -> Result<Option<Observation>> {
    let observation: Option<Observation> = ctx
        .load_state_at(&path(ctx, lp))
        .with_context(|| format!("cannot read the {lp} observation"))?;
    Ok(observation)
}
