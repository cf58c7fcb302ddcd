//! `tend promote observe` (SPEC §7): one windowed scan of the audit log (and
//! any `--input` JSON Lines) per loop, aggregated as the rows stream past, and
//! written atomically to `observations/<loop>.json` with the window, the rows
//! read per kind, the figures and their digest.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
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
use crate::store::cursor::{Fnv64, line_hash_before};
use crate::store::state;

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
/// kept per segment in the cache.
trait Aggregate: Select + Default + Clone + Send {
    /// Adds the figures of rows that come after this one's.
    fn merge(&mut self, later: Self);
    fn into_partial(self) -> Partial;
    fn from_partial(partial: Partial) -> Option<Self>;
    fn figures(self) -> Figures;
}

/// A segment's figures as the cache keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Partial {
    Routes(Routes),
    Tools(Tools),
    Clusters(Clusters),
}

/// Bumped whenever what a cached partial means changes: a cache of another
/// version is not used (every segment is read again and the cache rewritten).
const CACHE_VERSION: u32 = 1;

/// `state/promote.<loop>.segments.json`: per audit segment, the figures of its
/// rows up to `offset`, so that an hourly run reads only what was appended
/// since (SPEC §7 "Speed"). A segment is cached only when every row of the
/// loop's kind in it fell inside the window, and its entry is used only while
/// those rows' times (`first_ms`..`last_ms`) are still inside the window and
/// the file still holds the same bytes up to `offset` (checked by the hash of
/// the line that ends there, as reading positions are, SPEC §3). So the
/// segments at the window's edges, whose rows are leaving or not yet in the
/// window, are read in full each time; the rest are read from `offset` on.
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
    /// Rows selected, and lines of the kind skipped, up to `offset`.
    rows: u64,
    skipped: u64,
    /// The earliest and latest row times selected (ms since the epoch).
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    partial: Partial,
}

impl CachedSegment {
    /// Whether the rows it holds are all inside [since_ms, until_ms].
    fn inside(&self, since_ms: i64, until_ms: i64) -> bool {
        self.first_ms.is_none_or(|t| since_ms <= t) && self.last_ms.is_none_or(|t| t <= until_ms)
    }
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
    let scanned = match lp {
        Loop::RouterTuning => scan_cached::<Routes>(&mut scan, lp, inputs, old)?,
        Loop::ToolTrimming => scan_cached::<Tools>(&mut scan, lp, inputs, old)?,
        Loop::ProbeEnvelopes => scan_cached::<Clusters>(&mut scan, lp, inputs, old)?,
    };
    let Scanned {
        figures,
        mut report,
        cached,
        cache,
    } = scanned;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    let observation = Observation {
        lp,
        observed_at: ctx.now(),
        since: window.since,
        until: window.until,
        rows: [(kinds[0].to_string(), report.rows[0] + cached.rows)].into(),
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
    })
}

/// What the cache supplied without reading.
#[derive(Default)]
struct Cached {
    rows: u64,
    skipped: u64,
    bytes: u64,
}

struct Scanned {
    figures: Figures,
    report: ScanReport,
    cached: Cached,
    cache: SegmentCache,
}

/// The windowed scan, segment by segment, through the cache.
fn scan_cached<A: Aggregate>(
    scan: &mut WindowScan<'_>,
    lp: Loop,
    inputs: &[PathBuf],
    old: Option<SegmentCache>,
) -> Result<Scanned> {
    let mut old = old.map(|c| c.segments).unwrap_or_default();
    let (since_ms, until_ms) = scan.window_ms();
    let mut total = A::default();
    let mut report = ScanReport {
        rows: vec![0],
        ..ScanReport::default()
    };
    let mut cached = Cached::default();
    let mut cache = SegmentCache::empty(lp);
    // What to read of each segment, and what the cache already holds of it.
    let mut plan = Vec::new();
    let mut parts = Vec::new();
    for name in scan.segments()? {
        let path = scan.dir().join(&name);
        let reusable = old
            .remove(&name)
            .filter(|c| c.inside(since_ms, until_ms))
            .filter(|c| {
                // The same bytes up to `offset`: the hash of the line ending
                // there (a shorter or rewritten file fails it).
                line_hash_before(&path, c.offset).is_ok_and(|(hash, _)| hash == c.line_hash)
            })
            .and_then(|mut c| {
                // The figures move out; the entry gets them back, grown, below.
                let partial = std::mem::replace(&mut c.partial, A::default().into_partial());
                Some((A::from_partial(partial)?, c))
            });
        let (figures, entry) = match reusable {
            Some((figures, c)) => {
                cached.rows += c.rows;
                cached.skipped += c.skipped;
                cached.bytes += c.offset;
                (figures, c)
            }
            None => (
                A::default(),
                CachedSegment {
                    offset: 0,
                    line_hash: String::new(),
                    rows: 0,
                    skipped: 0,
                    first_ms: None,
                    last_ms: None,
                    partial: A::default().into_partial(),
                },
            ),
        };
        parts.push(Part {
            label: format!("audit/{name}"),
            finished: scan.is_finished(&name),
            start: entry.offset,
            path,
        });
        plan.push((name, figures, entry));
    }
    // Read (on a few threads when there is much to read), then merged in
    // segment order: the figures of one pass.
    let reads = scan.read_parts::<A>(&parts, A::merge)?;
    for (((name, mut figures, mut entry), part), read) in plan.into_iter().zip(&parts).zip(reads) {
        let PartRead {
            select: fresh,
            report: part_report,
            reached,
        } = read;
        figures.merge(fresh);
        entry.rows += part_report.rows[0];
        entry.skipped += part_report.skipped;
        entry.first_ms = entry.first_ms.into_iter().chain(part_report.first_ms).min();
        entry.last_ms = entry.last_ms.into_iter().chain(part_report.last_ms).max();
        let keep = part_report.outside == 0;
        report.absorb(part_report);
        if keep {
            entry.offset = reached;
            entry.line_hash = line_hash_before(&part.path, reached)?.0;
            entry.partial = figures.clone().into_partial();
            cache.segments.insert(name, entry);
        }
        total.merge(figures);
    }
    for input in inputs {
        for path in input_files(input)? {
            // A link (`latest.jsonl -> 2026-05-24.jsonl`) is read through; a
            // pipe is read once as a stream.
            scan.input(&path, &mut total, &mut report)?;
        }
    }
    if report.duplicates > 0 {
        // Which copy of a row a segment's figures hold depends on the order
        // the threads read in: a cached segment could hold a copy that a
        // later run, reading another segment again, counts a second time.
        // Nothing is cached until the copies are gone from the window.
        cache.segments.clear();
    }
    Ok(Scanned {
        figures: total.figures(),
        report,
        cached,
        cache,
    })
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

/// Writes the observation, then the segment cache, each atomically (a cache
/// older than the observation only costs reading again).
pub fn save(ctx: &Ctx, observed: &Observed) -> Result<()> {
    state::save(&path(ctx, observed.observation.lp), &observed.observation)?;
    state::save(&cache_path(ctx, observed.observation.lp), &observed.cache)
}

/// The latest observation of `lp`, if any (a damaged one is quarantined).
pub fn load(ctx: &Ctx, lp: Loop) -> Result<Option<Observation>> {
    let observation: Option<Observation> = ctx
        .load_state_at(&path(ctx, lp))
        .with_context(|| format!("cannot read the {lp} observation"))?;
    Ok(observation)
}
