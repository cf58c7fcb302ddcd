//! `tend promote …` (design §7): three promotion loops that observe telemetry,
//! propose a change and wait for a human.
//!
//! - [`status`]: the closed set of loops and their status directories;
//! - [`policy`]: pure decisions (proposals, staleness, cool-down, expiry);
//! - [`observe`]: the windowed scan into `observations/<loop>.json`;
//! - [`proposal`]: the proposal file and its audit rows;
//! - [`review`]: approve and reject; [`list`]: list and show.
//!
//! This module's handlers only read and write through those and the store.

pub mod list;
pub mod observe;
pub mod policy;
pub mod proposal;
pub mod review;
pub mod status;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde_json::json;

use self::policy::{Available, Draft, Figures, Gate, History, RouterRule};
use self::proposal::Proposal;
use self::status::{Loop, ProposalStatus};
use crate::cli::{PromoteCommand, PromoteObserveArgs};
use crate::ctx::{Ctx, Outcome};
use crate::exit::{Exit, UsageError};
use crate::store::lock::{CommandLock, Wait};
use crate::store::status_dir::Listing;

crate::ctx::counters! {
    /// What the promote commands count (run record and JSON summary).
    pub enum PromoteCount {
        Observed = "observed",
        Rows = "rows",
        Skipped = "skipped",
        Duplicates = "duplicates",
        Proposed = "proposed",
        Expired = "expired",
        Approved = "approved",
        Applied = "applied",
        ApplyFailed = "apply_failed",
        Rejected = "rejected",
        Proposals = "proposals",
        Quarantined = "quarantined",
    }
}

pub fn run(ctx: &mut Ctx, command: &PromoteCommand) -> Result<Outcome> {
    match command {
        PromoteCommand::Observe(args) => {
            let loops = parse_loops(&args.loops)?;
            ctx.run_locked(crate::command::Command::PromoteObserve, Wait::No, |ctx| {
                Ok(observe_cmd(ctx, &loops, &args.input)?.0)
            })
        }
        PromoteCommand::Propose(args) => {
            let loops = parse_loops(&args.loops)?;
            ctx.run_locked(crate::command::Command::PromotePropose, Wait::No, |ctx| {
                let mut outcome = Outcome::default();
                propose_loops(ctx, &loops, &mut outcome)?;
                summarise(ctx, &outcome)?;
                Ok(outcome)
            })
        }
        PromoteCommand::Run(args) => run_loops(ctx, args),
        PromoteCommand::Expire(args) => {
            let loops = parse_loops(&args.loops)?;
            ctx.run_locked(crate::command::Command::PromoteExpire, Wait::No, |ctx| {
                let mut outcome = Outcome::default();
                repair(ctx, &loops)?;
                expire_loops(ctx, &loops, &mut outcome)?;
                summarise(ctx, &outcome)?;
                Ok(outcome)
            })
        }
        PromoteCommand::List(args) => list::list(ctx, args),
        PromoteCommand::Show(args) => list::show(ctx, args),
        PromoteCommand::Approve(args) => review::approve(ctx, args),
        PromoteCommand::Reject(args) => review::reject(ctx, args),
    }
}

/// `promote run` = observe + propose + expire (`tend tick`'s step).
pub fn run_loops(ctx: &mut Ctx, args: &PromoteObserveArgs) -> Result<Outcome> {
    let loops = parse_loops(&args.loops)?;
    ctx.run_locked(crate::command::Command::PromoteRun, Wait::No, |ctx| {
        let (mut outcome, observed) = observe_cmd(ctx, &loops, &args.input)?;
        propose_loops(ctx, &observed, &mut outcome)?;
        expire_loops(ctx, &loops, &mut outcome)?;
        summarise(ctx, &outcome)?;
        Ok(outcome)
    })
}

/// `tend tick`'s step: `promote run` when `[promote] enabled`.
pub fn tick_step(ctx: &mut Ctx) -> Result<Outcome> {
    if !ctx.config.promote.enabled {
        return Ok(Outcome::default());
    }
    run_loops(ctx, &PromoteObserveArgs::default())
}

/// The loops named (all when none); an unknown name is a usage error.
pub fn parse_loops(names: &[String]) -> Result<Vec<Loop>> {
    if names.is_empty() {
        return Ok(Loop::ALL.to_vec());
    }
    let mut loops = Vec::new();
    for name in names {
        let lp: Loop = name.parse().map_err(UsageError)?;
        if !loops.contains(&lp) {
            loops.push(lp);
        }
    }
    Ok(loops)
}

/// Reports proposal files a listing quarantined: an error each, counted, and
/// the run's exit status is 74 (design §10) once it has done the rest.
pub fn report_quarantined<T>(
    ctx: &mut Ctx,
    outcome: &mut Outcome,
    listing: &Listing<ProposalStatus, T>,
) {
    if listing.quarantined.is_empty() && listing.refused.is_empty() {
        return;
    }
    for corrupt in &listing.quarantined {
        ctx.out.error(&corrupt.to_string());
    }
    for refused in &listing.refused {
        ctx.out.error(&refused.to_string());
    }
    outcome.count(PromoteCount::Quarantined, listing.quarantined.len() as u64);
    outcome.failed = true;
    outcome.exit = Some(Exit::StateUnreadable);
}

/// One line when proposals were made or expired; nothing otherwise.
fn summarise(ctx: &mut Ctx, outcome: &Outcome) -> Result<()> {
    let get = |k: PromoteCount| outcome.counts.get(k);
    let (proposed, expired) = (get(PromoteCount::Proposed), get(PromoteCount::Expired));
    let mut parts = Vec::new();
    if proposed > 0 {
        let noun = if proposed == 1 {
            "proposal"
        } else {
            "proposals"
        };
        parts.push(format!(
            "{proposed} new {noun} (tend promote list --status pending)"
        ));
    }
    if expired > 0 {
        parts.push(format!("{expired} expired"));
    }
    if !parts.is_empty() {
        ctx.out.summary(&format!("promote: {}", parts.join("; ")))?;
    }
    ctx.out.json(&json!({
        "summary": true,
        "proposed": proposed,
        "expired": expired,
        "skipped": get(PromoteCount::Skipped),
    }))?;
    Ok(())
}

/// Records that one loop failed (named on standard error, exit status by
/// the error's kind) so that the other loops still run: a broken directory
/// or observation of one loop does not hold back the others.
fn loop_failed(ctx: &mut Ctx, outcome: &mut Outcome, lp: Loop, e: &anyhow::Error) {
    ctx.out.error(&format!("{lp}: {e:#}"));
    outcome.failed = true;
    let code = crate::exit::classify(e);
    outcome.exit = Some(outcome.exit.unwrap_or(Exit::Partial).max(code));
}

/// Observes each loop; returns the loops observed (a loop whose observation
/// failed is reported and left out of this run's proposals).
fn observe_cmd(ctx: &mut Ctx, loops: &[Loop], inputs: &[PathBuf]) -> Result<(Outcome, Vec<Loop>)> {
    for input in inputs {
        crate::audit::window::input_files(input)?;
        // Each loop reads the inputs again: a pipe gives its lines only once.
        if loops.len() > 1 && crate::audit::window::is_stream(input)? {
            anyhow::bail!(crate::exit::UsageError(format!(
                "--input {} is a pipe or device, which can be read only once: observe one loop with it (`tend promote observe LOOP --input ...`)",
                input.display()
            )));
        }
    }
    let mut outcome = Outcome::default();
    let observed = each_loop(ctx, loops, &mut outcome, |ctx, lp, outcome| {
        observe_one(ctx, lp, inputs, outcome)
    })?;
    Ok((outcome, observed))
}

/// Runs `one` for each loop and returns the loops it succeeded for. A usage
/// error (a bad `--input`, a bad registry file) stops the run: it is the
/// operator's to fix, for every loop. Any other failure of one loop is
/// reported ([`loop_failed`]) and the other loops still run.
fn each_loop(
    ctx: &mut Ctx,
    loops: &[Loop],
    outcome: &mut Outcome,
    mut one: impl FnMut(&mut Ctx, Loop, &mut Outcome) -> Result<()>,
) -> Result<Vec<Loop>> {
    let mut done = Vec::new();
    for &lp in loops {
        match one(ctx, lp, outcome) {
            Ok(()) => done.push(lp),
            Err(e) if crate::exit::classify(&e) == Exit::Usage => return Err(e),
            Err(e) => loop_failed(ctx, outcome, lp, &e),
        }
    }
    Ok(done)
}

fn observe_one(ctx: &mut Ctx, lp: Loop, inputs: &[PathBuf], outcome: &mut Outcome) -> Result<()> {
    let observed = observe::observe(ctx, lp, inputs)?;
    let (observation, report) = (&observed.observation, &observed.report);
    for warning in &report.warnings {
        ctx.out.warn(warning);
    }
    if report.skipped > report.warnings.len() as u64 {
        ctx.out.warn(&format!(
            "{lp}: {} more lines skipped",
            report.skipped - report.warnings.len() as u64
        ));
    }
    if !ctx.dry_run {
        observe::save(ctx, &observed)?;
    }
    outcome.count(PromoteCount::Observed, 1);
    outcome.count(PromoteCount::Rows, observation.rows.values().sum());
    outcome.count(PromoteCount::Skipped, observation.skipped);
    outcome.count(PromoteCount::Duplicates, observation.duplicates);
    if observation.duplicates > 0 {
        ctx.out.note(&format!(
            "{lp}: {} copies of rows already counted (the same id again) were dropped",
            observation.duplicates
        ));
    }
    ctx.out.item(&format!(
        "{lp}: {} rows in {} .. {} ({} bytes read, {} from the cache, {} duplicates dropped, digest {})",
        observation.rows.values().sum::<u64>(),
        crate::clock::format_ts(observation.since),
        crate::clock::format_ts(observation.until),
        observation.bytes_read,
        observation.bytes_cached,
        observation.duplicates,
        observation.digest
    ))?;
    ctx.out.json(&json!({
        "loop": lp,
        "since": crate::clock::format_ts(observation.since),
        "until": crate::clock::format_ts(observation.until),
        "rows": observation.rows,
        "skipped": observation.skipped,
        "bytes_read": observation.bytes_read,
        "bytes_cached": observation.bytes_cached,
        "duplicates": observation.duplicates,
        "digest": observation.digest,
    }))?;
    Ok(())
}

/// The tools each route is offered: `registry_file`, else the union seen.
pub fn registry(ctx: &Ctx) -> Result<Option<BTreeMap<String, Vec<String>>>> {
    let file = &ctx.config.promote.tool_trimming.registry_file;
    if file.as_os_str().is_empty() {
        return Ok(None);
    }
    let path = ctx.root.resolve(file);
    let bytes = std::fs::read(&path).map_err(|e| {
        UsageError(format!(
            "promote.tool-trimming.registry_file {}: cannot read it: {e}",
            path.display()
        ))
    })?;
    let registry = serde_json::from_slice(&bytes).map_err(|e| {
        UsageError(format!(
            "promote.tool-trimming.registry_file {}: expected a JSON object {{route: [tools]}}: {e}",
            path.display()
        ))
    })?;
    Ok(Some(registry))
}

/// The drafts a loop's figures support under the configuration.
pub fn drafts(ctx: &Ctx, lp: Loop, figures: &Figures) -> Result<Vec<Draft>> {
    let p = &ctx.config.promote;
    Ok(match figures {
        Figures::Routes { routes } if lp == Loop::RouterTuning => policy::propose_router(
            routes,
            &RouterRule {
                threshold: p.router_tuning.threshold,
                min_calls: p.router_tuning.min_calls,
                window: window_text(p.router_tuning.window),
            },
        ),
        Figures::Tools { tool_calls } if lp == Loop::ToolTrimming => {
            let registry = registry(ctx)?;
            let available = match &registry {
                Some(r) => Available::Registry(r),
                None => Available::Union,
            };
            policy::propose_tools(
                tool_calls,
                &available,
                p.tool_trimming.min_calls,
                p.tool_trimming.window.as_secs() / 86_400,
            )
        }
        Figures::Clusters { clusters } if lp == Loop::ProbeEnvelopes => {
            policy::propose_envelopes(clusters, p.probe_envelopes.min_cluster)
        }
        _ => anyhow::bail!(
            "{}: the figures are not {lp}'s",
            observe::path(ctx, lp).display()
        ),
    })
}

/// A window as the rationale names it: `24h` (design §7's example), `7d`, `90m`.
fn window_text(window: crate::config::Duration) -> String {
    let secs = window.as_secs();
    let whole_seconds = window.as_millis().is_multiple_of(1000);
    if whole_seconds && secs.is_multiple_of(86_400) && secs >= 2 * 86_400 {
        format!("{}d", secs / 86_400)
    } else if whole_seconds && secs.is_multiple_of(3600) && secs > 0 {
        format!("{}h", secs / 3600)
    } else {
        window.to_string()
    }
}

pub fn ttl_days(ctx: &Ctx, lp: Loop) -> u32 {
    let p = &ctx.config.promote;
    match lp {
        Loop::RouterTuning => p.router_tuning.ttl_days,
        Loop::ToolTrimming => p.tool_trimming.ttl_days,
        Loop::ProbeEnvelopes => p.probe_envelopes.ttl_days,
    }
}

/// Subject → what earlier proposals say about it (pending, rejections).
fn histories(
    ctx: &mut Ctx,
    lp: Loop,
    outcome: &mut Outcome,
) -> Result<BTreeMap<String, Vec<History>>> {
    let mut map: BTreeMap<String, Vec<History>> = BTreeMap::new();
    for st in [ProposalStatus::Pending, ProposalStatus::Rejected] {
        let listing = proposal::read_all(&ctx.root, lp, st, ctx.dry_run)?;
        report_quarantined(ctx, outcome, &listing);
        for item in listing.items {
            let p = item.value;
            let h = match st {
                ProposalStatus::Pending => History::Pending,
                _ => History::Rejected(p.reviewed_at.unwrap_or(p.created_at)),
            };
            map.entry(p.subject.key()).or_default().push(h);
        }
    }
    Ok(map)
}

/// Applies the repair rule (design §10: present in two status directories,
/// the later status wins) to every proposal of `loops`, so that a move a
/// kill left half-done does not stay on disk until someone reads that one
/// proposal. Readers already see the later status only.
fn repair(ctx: &mut Ctx, loops: &[Loop]) -> Result<()> {
    if ctx.dry_run {
        return Ok(());
    }
    for lp in loops {
        for (id, kept, removed) in status::store(&ctx.root, *lp).repair_all()? {
            let removed: Vec<String> = removed.iter().map(|s| s.to_string()).collect();
            ctx.out.note(&format!(
                "{id}: a move left unfinished was completed: kept it in {kept}, removed the copy in {}",
                removed.join(", ")
            ));
        }
    }
    Ok(())
}

fn propose_loops(ctx: &mut Ctx, loops: &[Loop], outcome: &mut Outcome) -> Result<()> {
    each_loop(ctx, loops, outcome, propose_one)?;
    Ok(())
}

fn propose_one(ctx: &mut Ctx, lp: Loop, outcome: &mut Outcome) -> Result<()> {
    let now = ctx.now();
    repair(ctx, &[lp])?;
    let Some(observation) = observe::load(ctx, lp)? else {
        ctx.out.note(&format!(
            "{lp}: no observation yet (run `tend promote observe {lp}`)"
        ));
        return Ok(());
    };
    let drafts = drafts(ctx, lp, &observation.figures)?;
    let histories = histories(ctx, lp, outcome)?;
    let ttl = ttl_days(ctx, lp);
    let store = status::store(&ctx.root, lp);
    for draft in drafts {
        let subject_key = draft.subject.key();
        let history = histories
            .get(&subject_key)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        // As human text: a route from the platform's rows cannot forge a line.
        let key = crate::terminal::escape_field(&subject_key).into_owned();
        match policy::gate(history, now, ttl) {
            Gate::Propose => {}
            Gate::AlreadyPending => {
                ctx.out
                    .note(&format!("{lp}: {key} already has a pending proposal"));
                continue;
            }
            Gate::CoolingDown(until) => {
                ctx.out.note(&format!(
                    "{lp}: {key} was rejected; not proposed again before {}",
                    crate::clock::format_ts(until)
                ));
                continue;
            }
        }
        let proposal = Proposal::new(lp, draft, &observation, now);
        // Already decided (approved, expired) under this id: nothing to
        // propose, and a dry run says the same as the run would do.
        let found = match ctx.dry_run {
            true => store.status_of(&proposal.proposal_id)?,
            false => store.locate(&proposal.proposal_id)?.map(|l| l.status),
        };
        if let Some(status) = found {
            ctx.out.note(&format!(
                "{}: {lp} {key} is already {status}",
                proposal.proposal_id
            ));
            continue;
        }
        if ctx.dry_run {
            ctx.out
                .summary(&format!("would propose {} ({key})", proposal.proposal_id))?;
            ctx.out.json(&proposal)?;
            continue;
        }
        // The row first, then the proposal: a kill in between leaves a
        // row whose proposal the next run creates, never a proposal
        // without its row. The next run finds that row (same id) and adds
        // no second copy: the id is fixed by the UTC day of the
        // observation's end, so the killed run wrote it on that day or
        // later.
        ctx.audit()
            .append_missing(&[proposal.proposed_row(now)], observation.until, now)?;
        match store.create(
            ProposalStatus::Pending,
            &proposal.proposal_id,
            &proposal.to_bytes()?,
        )? {
            Ok(_) => {
                outcome.count(PromoteCount::Proposed, 1);
                ctx.out.item(&format!(
                    "{}: {lp} {key} (confidence {})",
                    proposal.proposal_id, proposal.confidence
                ))?;
                ctx.out.json(&proposal)?;
            }
            Err(existing) => {
                ctx.out
                    .note(&format!("{}: already {existing}", proposal.proposal_id));
            }
        }
    }
    Ok(())
}

/// Holds the review lock (approve, reject and expire move proposals under
/// it, so a decision and an expiry never race on one proposal).
pub fn review_lock(ctx: &Ctx, wait: Wait) -> Result<Option<CommandLock>> {
    if ctx.dry_run {
        return Ok(None);
    }
    Ok(Some(CommandLock::acquire(
        &ctx.root.locks_dir(),
        "promote review",
        &crate::clock::format_ts(ctx.now()),
        wait,
    )?))
}

fn expire_loops(ctx: &mut Ctx, loops: &[Loop], outcome: &mut Outcome) -> Result<()> {
    let now = ctx.now();
    // A reviewer holding the lock (an on_approve may run a minute): expiry
    // waits for the next run rather than failing this one.
    let _lock = match review_lock(ctx, Wait::No) {
        Ok(lock) => lock,
        Err(e) if e.downcast_ref::<crate::store::lock::LockBusy>().is_some() => {
            ctx.out.note(&format!("expiry skipped this run: {e:#}"));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    each_loop(ctx, loops, outcome, |ctx, lp, outcome| {
        expire_one(ctx, lp, now, outcome)
    })?;
    Ok(())
}

fn expire_one(ctx: &mut Ctx, lp: Loop, now: DateTime<Utc>, outcome: &mut Outcome) -> Result<()> {
    let ttl = ttl_days(ctx, lp);
    let store = status::store(&ctx.root, lp);
    let listing = proposal::read_all(&ctx.root, lp, ProposalStatus::Pending, ctx.dry_run)?;
    report_quarantined(ctx, outcome, &listing);
    for item in listing.items {
        let mut p = item.value;
        if !policy::is_expired(p.created_at, now, ttl) {
            continue;
        }
        if ctx.dry_run {
            ctx.out
                .summary(&format!("would expire {}", p.proposal_id))?;
            continue;
        }
        p.status = ProposalStatus::Expired;
        p.reviewed_by = Some("tend".into());
        p.reviewed_at = Some(now);
        p.review_notes = format!("expired: pending for {ttl} days without a decision");
        review::record_decision(ctx, &p, now)?;
        store
            .move_item(
                &p.proposal_id,
                ProposalStatus::Pending,
                ProposalStatus::Expired,
                &p.to_bytes()?,
            )
            .with_context(|| format!("cannot expire {}", p.proposal_id))?;
        outcome.count(PromoteCount::Expired, 1);
        ctx.out.item(&format!("{}: expired", p.proposal_id))?;
        ctx.out
            .json(&json!({"proposal_id": p.proposal_id, "loop": lp, "status": "expired"}))?;
    }
    Ok(())
}

/// A short age: `45s`, `12m`, `5h`, `3d`.
pub fn age(created: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - created).num_seconds().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Duration;

    #[test]
    fn windows_are_named_as_operators_write_them() {
        assert_eq!(window_text(Duration::from_secs(24 * 3600)), "24h");
        assert_eq!(window_text(Duration::from_secs(30 * 86_400)), "30d");
        assert_eq!(window_text(Duration::from_secs(90 * 60)), "1h30m");
        assert_eq!(window_text(Duration::from_secs(3600)), "1h");
        assert_eq!(window_text(Duration::from_millis(1500)), "1s500ms");
    }

    #[test]
    fn loops_parse_in_order_without_repeats() {
        assert_eq!(parse_loops(&[]).unwrap(), Loop::ALL);
        let named = parse_loops(&["tool-trimming".into(), "tool-trimming".into()]).unwrap();
        assert_eq!(named, [Loop::ToolTrimming]);
        assert!(parse_loops(&["x".into()]).is_err());
    }
}
