//! `tend promote observe` (design §7): one windowed scan of the audit log (and
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
use crate::audit::cache::{self, Aggregate, CacheFiles, CacheWrite, Scanned, SegmentCache, Want};
use crate::audit::window::{ScanReport, Select, Window, WindowScan, input_files};
use crate::ctx::Ctx;
use crate::store::hash::Fnv64;
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
}

impl LoopFigures for Routes {
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
}

impl LoopFigures for Tools {
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
}

impl LoopFigures for Clusters {
    fn figures(self) -> Figures {
        Figures::Clusters { clusters: self.0 }
    }
}

/// A loop's figures, as its observation writes them.
trait LoopFigures: Aggregate {
    fn figures(self) -> Figures;
}

/// The version of the loops' figures in their caches: bumped whenever what
/// a loop keeps per hour changes.
const FIGURES_VERSION: u32 = 3;

/// An observation, what its scan went through, and the cache to keep.
pub struct Observed {
    pub observation: Observation,
    /// Warnings and skips of the bytes read this time (cached segments were
    /// reported when they were read).
    pub report: ScanReport,
    cache: CacheWrite,
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
    let files = cache_files(ctx, lp);
    let (observed, mut write) = match lp {
        Loop::RouterTuning => observe_as::<Routes>(ctx, &files, &mut scan, inputs)?,
        Loop::ToolTrimming => observe_as::<Tools>(ctx, &files, &mut scan, inputs)?,
        Loop::ProbeEnvelopes => observe_as::<Clusters>(ctx, &files, &mut scan, inputs)?,
    };
    let Observing {
        figures,
        mut report,
        rows,
        skipped_cached,
        bytes_cached,
        mut warnings,
    } = observed;
    if report.duplicates > 0 {
        write.forget(&files)?;
    }
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    let observation = Observation {
        lp,
        observed_at: ctx.now(),
        since: window.since,
        until: window.until,
        rows: [(kinds[0].to_string(), rows)].into(),
        skipped: report.skipped + skipped_cached,
        bytes_read: report.bytes,
        bytes_cached,
        duplicates: report.duplicates,
        digest: digest(&figures)?,
        figures,
    };
    Ok(Observed {
        observation,
        report,
        cache: write,
    })
}

/// What a loop's scan gave, before it is an observation.
struct Observing {
    figures: Figures,
    report: ScanReport,
    rows: u64,
    skipped_cached: u64,
    bytes_cached: u64,
    warnings: Vec<String>,
}

/// The loop's windowed scan through its cache, then its `--input` files
/// (read whole, with the scan's row ids: a row of an input that is also in
/// the log counts once).
fn observe_as<A: LoopFigures>(
    ctx: &Ctx,
    files: &CacheFiles,
    scan: &mut WindowScan<'_>,
    inputs: &[PathBuf],
) -> Result<(Observing, CacheWrite)> {
    let mut warnings = Vec::new();
    let old = match ctx.load_state_at::<SegmentCache<A>>(&files.index) {
        // With `--input`, every segment is read whole so that a row of an
        // input that is also in the log (a copy of a segment) counts once.
        Ok(_) if !inputs.is_empty() => None,
        Ok(cache) => cache::usable(files, cache),
        Err(e) => {
            // The cache only saves reading: a damaged one costs a full scan.
            warnings.push(format!("{e:#}; every segment of the window is read again"));
            None
        }
    };
    let Scanned {
        mut total,
        mut report,
        mut rows,
        bytes_cached,
        skipped_cached,
        write,
        ..
    } = cache::scan::<A>(scan, files, old, Want::Total)?;
    for input in inputs {
        for path in input_files(input)? {
            // A link (`latest.jsonl -> 2026-05-24.jsonl`) is read through; a
            // pipe is read once as a stream.
            let before: u64 = report.rows.iter().sum();
            scan.input(&path, &mut total, &mut report)?;
            rows += report.rows.iter().sum::<u64>() - before;
        }
    }
    let observing = Observing {
        figures: total.figures(),
        report,
        rows,
        skipped_cached,
        bytes_cached,
        warnings,
    };
    Ok((observing, write))
}

/// `observations/<loop>.json`.
pub fn path(ctx: &Ctx, lp: Loop) -> PathBuf {
    ctx.root
        .observations_dir()
        .join(format!("{}.json", lp.name()))
}

/// `state/promote.<loop>.segments.json` and `state/promote.<loop>.hours/`:
/// the loop's per-segment, per-hour cache ([`crate::audit::cache`]).
fn cache_files(ctx: &Ctx, lp: Loop) -> CacheFiles {
    CacheFiles::in_dir(
        &ctx.root.state_dir(),
        &format!("promote.{}", lp.name()),
        &format!("promote {}/{FIGURES_VERSION}", lp.name()),
    )
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
    observed.cache.save(&cache_files(ctx, lp))
}

/// The latest observation of `lp`, if any (a damaged one is quarantined).
pub fn load(ctx: &Ctx, lp: Loop) -> Result<Option<Observation>> {
    let observation: Option<Observation> = ctx
        .load_state_at(&path(ctx, lp))
        .with_context(|| format!("cannot read the {lp} observation"))?;
    Ok(observation)
}
