//! `tend promote observe` (SPEC §7): one windowed scan of the audit log (and
//! any `--input` JSON Lines) per loop, aggregated as the rows stream past, and
//! written atomically to `observations/<loop>.json` with the window, the rows
//! read per kind, the figures and their digest.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::policy::{Cluster, Figures, RouteCalls, cluster_key};
use super::status::Loop;
use crate::audit::window::{ScanReport, Select, Window, WindowScan};
use crate::ctx::Ctx;
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
    /// Bytes of segments and inputs read.
    pub bytes_read: u64,
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

#[derive(Deserialize)]
struct Inference<'a> {
    #[serde(borrow)]
    route: Cow<'a, str>,
    #[serde(default)]
    escalated: bool,
    #[serde(default)]
    cost_usd: Option<f64>,
}

#[derive(Default)]
struct Routes(HashMap<String, RouteCalls>);

impl Select for Routes {
    type Details<'a> = Inference<'a>;
    fn row(&mut self, _: usize, _: DateTime<Utc>, d: Inference<'_>) {
        let entry = match self.0.get_mut(d.route.as_ref()) {
            Some(entry) => entry,
            None => self.0.entry(d.route.into_owned()).or_default(),
        };
        entry.calls_count += 1;
        entry.escalation_count += u64::from(d.escalated);
        entry.cost_estimate_usd_total += d.cost_usd.filter(|c| c.is_finite()).unwrap_or(0.0);
    }
}

#[derive(Deserialize)]
struct ToolCall<'a> {
    #[serde(borrow)]
    route: Cow<'a, str>,
    #[serde(borrow)]
    tool_name: Cow<'a, str>,
}

#[derive(Default)]
struct Tools(HashMap<String, HashMap<String, u64>>);

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

#[derive(Default)]
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

/// Scans the loop's window and returns the observation (nothing written).
pub fn observe(ctx: &Ctx, lp: Loop, inputs: &[PathBuf]) -> Result<(Observation, ScanReport)> {
    let window = window(ctx, lp);
    let kinds = [kind(lp)];
    let mut scan = WindowScan::new(&ctx.root.audit_dir(), ctx.now(), &kinds, window);
    let (figures, report) = match lp {
        Loop::RouterTuning => {
            let mut routes = Routes::default();
            let report = scan.run(inputs, &mut routes)?;
            let routes = routes.0.into_iter().collect();
            (Figures::Routes { routes }, report)
        }
        Loop::ToolTrimming => {
            let mut tools = Tools::default();
            let report = scan.run(inputs, &mut tools)?;
            let tool_calls = tools
                .0
                .into_iter()
                .map(|(route, tools)| (route, tools.into_iter().collect()))
                .collect();
            (Figures::Tools { tool_calls }, report)
        }
        Loop::ProbeEnvelopes => {
            let mut clusters = Clusters::default();
            let report = scan.run(inputs, &mut clusters)?;
            (
                Figures::Clusters {
                    clusters: clusters.0,
                },
                report,
            )
        }
    };
    let observation = Observation {
        lp,
        observed_at: ctx.now(),
        since: window.since,
        until: window.until,
        rows: [(kinds[0].to_string(), report.rows[0])].into(),
        skipped: report.skipped,
        bytes_read: report.bytes,
        digest: digest(&figures)?,
        figures,
    };
    Ok((observation, report))
}

/// `observations/<loop>.json`.
pub fn path(ctx: &Ctx, lp: Loop) -> PathBuf {
    ctx.root
        .observations_dir()
        .join(format!("{}.json", lp.name()))
}

/// Writes the observation atomically.
pub fn save(ctx: &Ctx, observation: &Observation) -> Result<()> {
    state::save(&path(ctx, observation.lp), observation)
}

/// The latest observation of `lp`, if any (a damaged one is quarantined).
pub fn load(ctx: &Ctx, lp: Loop) -> Result<Option<Observation>> {
    let observation: Option<Observation> = state::load(&path(ctx, lp), &ctx.root.quarantine_dir())
        .with_context(|| format!("cannot read the {lp} observation"))?;
    Ok(observation)
}
