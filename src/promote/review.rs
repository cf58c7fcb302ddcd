//! `tend promote approve|reject` (design §7): kubectl-style decisions that are
//! safe to repeat. A repeat says who decided and when (exit 0); a conflicting
//! decision says the current status (exit 1). An approval re-checks the
//! evidence on a fresh observation first (refused with figures unless
//! `--force`), and runs the loop's `on_approve` command through the one child
//! runner (own process group, killed at its timeout).
//!
//! Crash safety (design §10): a decision's `promotion.*` row has a deterministic
//! id per (proposal, transition, apply attempt) and is appended before the
//! move, so no move is ever without its row. A kill between the two leaves
//! the proposal pending with its row written; the decision repeated finds
//! that row (over [`RETRY_WINDOW`]) and adds no second copy. With
//! `on_approve`, the move comes first (apply "running") and each finished
//! attempt's row follows its record in the proposal; approving again writes
//! a row a kill prevented. What this order cannot rule out: after a kill
//! between an approval's row and its move, a reviewer who then rejects
//! leaves both rows (the approved one never took effect).

use std::ffi::OsStr;
use std::time::Duration;

use anyhow::{Result, anyhow};
use serde_json::json;

use super::PromoteCount;
use super::observe;
use super::policy::{self, Evidence};
use super::proposal::{Apply, ApplyStatus, Forced, Proposal};
use super::status::{self, Loop, ProposalStatus};
use crate::cli::{PromoteApproveArgs, PromoteRejectArgs};
use crate::ctx::{Ctx, Outcome};
use crate::exit::UsageError;
use crate::store::lock::Wait;
use crate::store::process::{self, End};
use crate::store::status_dir::{Item, StatusDirs};

/// How much of `on_approve`'s standard error is kept in the proposal.
const STDERR_TAIL: usize = 2000;

/// The loop of a proposal id, from its prefix.
pub fn loop_of(id: &str) -> Result<Loop> {
    Loop::of_id(id).ok_or_else(|| {
        UsageError(format!(
            "{id:?} is not a proposal id: expected p-router-…, p-tool-… or p-envelope-… (see `tend promote list`)"
        ))
        .into()
    })
}

/// Finds and reads a proposal wherever it is (a damaged file is quarantined).
pub fn find(
    ctx: &Ctx,
    id: &str,
) -> Result<(StatusDirs<ProposalStatus>, Item<ProposalStatus, Proposal>)> {
    let lp = loop_of(id)?;
    let store = status::store(&ctx.root, lp);
    let located = store
        .locate(id)?
        .ok_or_else(|| UsageError(format!("no proposal {id} (see `tend promote list`)")))?;
    let item = super::proposal::read(&ctx.root, lp, located.status, id, ctx.dry_run)?;
    Ok((store, item))
}

fn on_approve(ctx: &Ctx, lp: Loop) -> (Vec<String>, Duration) {
    let p = &ctx.config.promote;
    match lp {
        Loop::RouterTuning => (
            p.router_tuning.on_approve.clone(),
            p.router_tuning.on_approve_timeout.to_std(),
        ),
        Loop::ToolTrimming => (
            p.tool_trimming.on_approve.clone(),
            p.tool_trimming.on_approve_timeout.to_std(),
        ),
        // Never auto-applied (refused at validation).
        Loop::ProbeEnvelopes => (Vec::new(), Duration::ZERO),
    }
}

pub fn approve(ctx: &mut Ctx, args: &PromoteApproveArgs) -> Result<Outcome> {
    let id = args.id.clone();
    loop_of(&id)?;
    let wait = Wait::Up(Duration::from_secs(args.wait));
    ctx.run_locked(crate::command::Command::PromoteApprove, wait, |ctx| {
        approve_locked(ctx, args)
    })
}

fn approve_locked(ctx: &mut Ctx, args: &PromoteApproveArgs) -> Result<Outcome> {
    let now = ctx.now();
    let (store, item) = find(ctx, &args.id)?;
    let mut p = item.value;
    let lp = p.lp;
    let mut outcome = Outcome::default();
    let (argv, timeout) = on_approve(ctx, lp);
    match item.status {
        ProposalStatus::Approved => {
            let unfinished = p
                .apply
                .as_ref()
                .is_some_and(|a| a.status != ApplyStatus::Ok);
            // A run killed after recording its attempt in the proposal and
            // before its audit row: the row is written now (once).
            if !ctx.dry_run
                && let Some(a) = &p.apply
                && (a.status != ApplyStatus::Running || argv.is_empty())
            {
                let now = ctx.now();
                ctx.audit()
                    .append_missing(&[p.decision_row(now)], a.started_at, now)?;
            }
            if !unfinished || argv.is_empty() {
                ctx.out.summary(&format!(
                    "{}: already approved {}",
                    p.proposal_id,
                    p.decided()
                ))?;
                ctx.out.json(&json!({"proposal_id": p.proposal_id, "status": "approved",
                    "changed": false, "reviewed_by": p.reviewed_by, "reviewed_at": p.reviewed_at}))?;
                return Ok(outcome);
            }
            if ctx.dry_run {
                ctx.out
                    .summary(&format!("would run on_approve again for {}", p.proposal_id))?;
                return Ok(outcome);
            }
            // The last on_approve failed (or was killed): run it again.
            apply(ctx, &store, &mut p, &argv, timeout, &mut outcome)?;
            return Ok(outcome);
        }
        ProposalStatus::Rejected | ProposalStatus::Expired => {
            return Err(anyhow!(
                "{} is {} ({}); it cannot be approved",
                p.proposal_id,
                item.status,
                p.decided()
            ));
        }
        ProposalStatus::Pending => {}
    }
    // Terraform's discipline: the plan is checked against fresh state.
    let observed = observe::observe(ctx, lp, &[])?;
    if !ctx.dry_run {
        observe::save(ctx, &observed)?;
    }
    let fresh = observed.observation;
    let c = &ctx.config.promote;
    let evidence = Evidence {
        threshold: c.router_tuning.threshold,
        min_calls: c.router_tuning.min_calls,
        min_cluster: c.probe_envelopes.min_cluster,
    };
    if let Err(what) = policy::still_supported(&p.subject, &fresh.figures, &evidence) {
        if !args.force {
            return Err(anyhow!(
                "{}: the evidence changed: {what}; nothing was approved (approve with --force to override)",
                p.proposal_id
            ));
        }
        ctx.out.warn(&format!(
            "{}: approving despite stale evidence: {what}",
            p.proposal_id
        ));
        p.forced = Some(Forced {
            stale_evidence: what,
            observation_digest: fresh.digest.clone(),
        });
    }
    p.status = ProposalStatus::Approved;
    p.reviewed_by = Some(crate::user::operator(args.by.as_deref()));
    p.reviewed_at = Some(now);
    p.review_notes = args.note.clone();
    if ctx.dry_run {
        ctx.out
            .summary(&format!("would approve {}", p.proposal_id))?;
        ctx.out.json(&p)?;
        return Ok(outcome);
    }
    if argv.is_empty() {
        // Row first, then the move: a kill in between leaves a row and the
        // proposal pending; approving again finds that row (same id) and
        // adds no second copy. Never a move without its row.
        record_decision(ctx, &p, now)?;
        store.move_item(
            &p.proposal_id,
            ProposalStatus::Pending,
            ProposalStatus::Approved,
            &p.to_bytes()?,
        )?;
        outcome.count(PromoteCount::Approved, 1);
        let why = match lp {
            Loop::ProbeEnvelopes => "this loop never applies: change the probe's envelope by hand",
            Loop::RouterTuning | Loop::ToolTrimming => "no on_approve for this loop",
        };
        ctx.out.summary(&format!(
            "{}: approved {}; nothing applied ({why})",
            p.proposal_id,
            p.decided()
        ))?;
        ctx.out.json(&p)?;
        return Ok(outcome);
    }
    // With on_approve: moved as "running", so that a kill during the command
    // leaves an approval whose apply is retried by approving again.
    p.apply = Some(Apply {
        status: ApplyStatus::Running,
        attempt: 0,
        started_at: now,
        exit_code: None,
        error: None,
        stderr_tail: String::new(),
        duration_ms: 0,
    });
    store.move_item(
        &p.proposal_id,
        ProposalStatus::Pending,
        ProposalStatus::Approved,
        &p.to_bytes()?,
    )?;
    outcome.count(PromoteCount::Approved, 1);
    apply(ctx, &store, &mut p, &argv, timeout, &mut outcome)?;
    Ok(outcome)
}

/// How far back a repeated decision looks for the row of the attempt that
/// was killed between its row and its move. A retry later than that after
/// the kill may add a second copy, with the same id.
pub const RETRY_WINDOW: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// Appends the `promotion.approved|rejected|expired` row of `p`'s decision,
/// unless a killed attempt of the same decision already did (same
/// deterministic id, looked for over [`RETRY_WINDOW`]).
pub fn record_decision(ctx: &Ctx, p: &Proposal, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    ctx.audit()
        .append_missing(&[p.decision_row(now)], now - RETRY_WINDOW, now)?;
    Ok(())
}

/// Runs `on_approve` with the proposal on standard input, records the result
/// in the proposal and the `promotion.approved` row. Exit 1 when it failed.
fn apply(
    ctx: &mut Ctx,
    store: &StatusDirs<ProposalStatus>,
    p: &mut Proposal,
    argv: &[String],
    timeout: Duration,
    outcome: &mut Outcome,
) -> Result<()> {
    let attempt = p.apply.as_ref().map_or(0, |a| a.attempt) + 1;
    let started_at = ctx.now();
    let mut running = p.clone();
    running.apply = Some(Apply {
        status: ApplyStatus::Running,
        attempt,
        started_at,
        exit_code: None,
        error: None,
        stderr_tail: String::new(),
        duration_ms: 0,
    });
    store.rewrite(
        &p.proposal_id,
        ProposalStatus::Approved,
        &running.to_bytes()?,
    )?;
    let mut input = p.clone();
    input.apply = None;
    let hide = ctx.config.secret_env_vars();
    let finished = process::run(process::Spec {
        program: OsStr::new(&argv[0]),
        args: &argv[1..],
        cwd: Some(ctx.root.dir()),
        hide_env: &hide,
        stdin: Some(input.to_bytes()?),
        timeout,
        stdout_limit: 64 * 1024,
        stderr_limit: 64 * 1024,
    });
    let stderr = String::from_utf8_lossy(&finished.stderr);
    let tail_start = stderr
        .char_indices()
        .rev()
        .nth(STDERR_TAIL.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    let stderr_tail = ctx.config.secrets.scrub(stderr[tail_start..].trim_end());
    let (status, exit_code, error) = match &finished.end {
        End::Exited(0) => (ApplyStatus::Ok, Some(0), None),
        End::Exited(code) => (ApplyStatus::Failed, Some(*code), None),
        End::Signaled(sig) => (
            ApplyStatus::Failed,
            None,
            Some(format!("killed by signal {sig}")),
        ),
        End::TimedOut(after) => (
            ApplyStatus::Failed,
            None,
            Some(format!(
                "timed out after {}s and was killed",
                after.as_secs()
            )),
        ),
        End::NotStarted(why) => (
            ApplyStatus::Failed,
            None,
            Some(format!("could not start: {why}")),
        ),
    };
    p.apply = Some(Apply {
        status,
        attempt,
        started_at,
        exit_code,
        error: error.clone(),
        stderr_tail: stderr_tail.clone(),
        duration_ms: finished.duration.as_millis() as u64,
    });
    store.rewrite(&p.proposal_id, ProposalStatus::Approved, &p.to_bytes()?)?;
    ctx.audit()
        .append(&[p.decision_row(ctx.now())], ctx.now())?;
    ctx.out.json(&*p)?;
    if status == ApplyStatus::Ok {
        outcome.count(PromoteCount::Applied, 1);
        ctx.out.summary(&format!(
            "{}: approved {}; on_approve succeeded",
            p.proposal_id,
            p.decided()
        ))?;
    } else {
        outcome.count(PromoteCount::ApplyFailed, 1);
        outcome.failed = true;
        let how = match (exit_code, &error) {
            (Some(code), _) => format!("exited {code}"),
            (None, Some(e)) => e.clone(),
            (None, None) => "failed".into(),
        };
        let last = stderr_tail.lines().last().unwrap_or("").to_string();
        ctx.out.error(&format!(
            "{}: approved, but on_approve {how}{}; approve it again to retry",
            p.proposal_id,
            if last.is_empty() {
                String::new()
            } else {
                format!(": {}", last.escape_debug())
            }
        ));
    }
    Ok(())
}

pub fn reject(ctx: &mut Ctx, args: &PromoteRejectArgs) -> Result<Outcome> {
    loop_of(&args.id)?;
    if args.note.trim().is_empty() {
        return Err(UsageError("reject needs a --note saying why".into()).into());
    }
    let wait = Wait::Up(Duration::from_secs(args.wait));
    ctx.run_locked(crate::command::Command::PromoteReject, wait, |ctx| {
        let now = ctx.now();
        let (store, item) = find(ctx, &args.id)?;
        let mut p = item.value;
        let mut outcome = Outcome::default();
        match item.status {
            ProposalStatus::Rejected => {
                ctx.out.summary(&format!("{}: already rejected {}", p.proposal_id, p.decided()))?;
                ctx.out.json(&json!({"proposal_id": p.proposal_id, "status": "rejected",
                    "changed": false, "reviewed_by": p.reviewed_by, "reviewed_at": p.reviewed_at}))?;
                return Ok(outcome);
            }
            ProposalStatus::Approved | ProposalStatus::Expired => {
                return Err(anyhow!(
                    "{} is {} ({}); it cannot be rejected",
                    p.proposal_id,
                    item.status,
                    p.decided()
                ));
            }
            ProposalStatus::Pending => {}
        }
        p.status = ProposalStatus::Rejected;
        p.reviewed_by = Some(crate::user::operator(args.by.as_deref()));
        p.reviewed_at = Some(now);
        p.review_notes = args.note.clone();
        if ctx.dry_run {
            ctx.out.summary(&format!("would reject {}", p.proposal_id))?;
            ctx.out.json(&p)?;
            return Ok(outcome);
        }
        record_decision(ctx, &p, now)?;
        store.move_item(
            &p.proposal_id,
            ProposalStatus::Pending,
            ProposalStatus::Rejected,
            &p.to_bytes()?,
        )?;
        outcome.count(PromoteCount::Rejected, 1);
        let ttl = super::ttl_days(ctx, p.lp);
        ctx.out.summary(&format!(
            "{}: rejected {}; {} is not proposed again for {ttl} days",
            p.proposal_id,
            p.decided(),
            crate::terminal::escape_field(&p.subject.key())
        ))?;
        ctx.out.json(&p)?;
        Ok(outcome)
    })
}
