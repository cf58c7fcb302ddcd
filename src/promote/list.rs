//! `tend promote list` (a table that fits a terminal, `--json` rows) and
//! `tend promote show ID` (a summary with the rationale, `--json` the file).

use anyhow::Result;
use serde_json::json;

use super::PromoteCount;
use super::policy::Subject;
use super::proposal::{ApplyStatus, Proposal};
use super::review::find;
use super::status::{self, Loop, ProposalStatus};
use crate::cli::{PromoteListArgs, PromoteShowArgs};
use crate::clock::format_ts;
use crate::ctx::{Ctx, Outcome};
use crate::exit::UsageError;
use crate::store::status_dir::Status;

/// Control characters of outside text, escaped for a terminal.
/// Text from a proposal on one line: control characters, newlines and
/// bidirectional overrides escaped.
fn printable(text: &str) -> String {
    crate::terminal::escape_field(text).into_owned()
}

pub fn list(ctx: &mut Ctx, args: &PromoteListArgs) -> Result<Outcome> {
    let loops = match &args.lp {
        Some(name) => vec![name.parse::<Loop>().map_err(UsageError)?],
        None => Loop::ALL.to_vec(),
    };
    let statuses = match &args.status {
        Some(name) => vec![ProposalStatus::parse(name)?],
        None => ProposalStatus::ALL.to_vec(),
    };
    let now = ctx.now();
    let mut rows: Vec<Proposal> = Vec::new();
    let mut outcome = Outcome::default();
    for lp in &loops {
        let store = status::store(&ctx.root, *lp);
        // A move a kill left half-done is completed by the first reader (as
        // `show` and `approve` do for one proposal); listing works without.
        if !ctx.dry_run
            && let Err(e) = store.repair_all()
        {
            ctx.out.warn(&format!("{lp}: {e:#}"));
        }
        for st in &statuses {
            let listing = super::proposal::read_all(&ctx.root, *lp, *st, ctx.dry_run)?;
            super::report_quarantined(ctx, &mut outcome, &listing);
            rows.extend(listing.items.into_iter().map(|item| {
                let mut p = item.value;
                // The directory is the truth of where a proposal is.
                p.status = item.status;
                p
            }));
        }
    }
    rows.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then(b.created_at.cmp(&a.created_at))
            .then(a.proposal_id.cmp(&b.proposal_id))
    });
    outcome.count(PromoteCount::Proposals, rows.len() as u64);
    let damaged = outcome.counts.get(PromoteCount::Quarantined);
    if ctx.out.json {
        for p in &rows {
            ctx.out.json(p)?;
        }
        ctx.out
            .json(&json!({"summary": true, "proposals": rows.len(), "quarantined": damaged}))?;
        return Ok(outcome);
    }
    if rows.is_empty() {
        ctx.out.summary("no proposals")?;
        return Ok(outcome);
    }
    // On a terminal the table fits its width; in a pipe (`| grep`, `| awk`)
    // nothing is cut.
    let width = crate::terminal::stdout_width().map(|w| w.max(40));
    let table: Vec<[String; 5]> = rows
        .iter()
        .map(|p| {
            [
                p.proposal_id.clone(),
                p.lp.to_string(),
                printable(&p.subject.key()),
                super::age(p.created_at, now),
                p.status.to_string(),
            ]
        })
        .collect();
    let header = ["ID", "LOOP", "SUBJECT", "AGE", "STATUS"].map(String::from);
    // Columns are measured on screen: a wide or combining character counts
    // as the columns it takes, not as one.
    let width_of = |cell: &String| crate::terminal::display_width(cell);
    let mut widths = header.clone().map(|h| width_of(&h));
    for row in &table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width_of(cell));
        }
    }
    // The subject gives way when the line would not fit.
    let others: usize = widths
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, w)| w + 2)
        .sum();
    if let Some(width) = width {
        widths[2] = widths[2].min(width.saturating_sub(others).max(8));
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&table) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| crate::terminal::pad(&crate::terminal::cut(cell, w), w))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    ctx.out.data(text.as_bytes())?;
    Ok(outcome)
}

pub fn show(ctx: &mut Ctx, args: &PromoteShowArgs) -> Result<Outcome> {
    let (_, item) = find(ctx, &args.id)?;
    let mut p = item.value;
    p.status = item.status;
    if ctx.out.json {
        let mut bytes = serde_json::to_vec_pretty(&p)?;
        bytes.push(b'\n');
        ctx.out.data(&bytes)?;
        return Ok(Outcome::default());
    }
    let now = ctx.now();
    let mut t = format!(
        "{}  {}  {}\ncreated {} ({} ago), confidence {}\n",
        p.proposal_id,
        p.lp,
        p.status,
        format_ts(p.created_at),
        super::age(p.created_at, now),
        p.confidence
    );
    match &p.subject {
        Subject::Router {
            route,
            rationale,
            cost_estimate_usd_total,
            ..
        } => {
            t.push_str(&format!("route: {}\n", printable(route)));
            t.push_str(&format!(
                "recommendation: tighten_review (spend ${cost_estimate_usd_total:.4})\n"
            ));
            t.push_str(&format!("\n{}\n", printable(rationale)));
        }
        Subject::Tool {
            route,
            unused_tools,
            available_tools_count,
            available_from,
            total_calls_for_route,
            observation_window_days,
        } => {
            t.push_str(&format!("route: {}\n", printable(route)));
            t.push_str(&format!(
                "\nRoute '{}' made {total_calls_for_route} tool calls in {observation_window_days} days and never called {} of its {available_tools_count} available tools ({available_from}): {}\n",
                printable(route),
                unused_tools.len(),
                printable(&unused_tools.join(", "))
            ));
        }
        Subject::Envelope {
            probe,
            issue_category,
            fix_name_suggestion,
            cluster_size,
            sample_wake_ids,
            recurring_recommendation_text,
            suggested_envelope,
            blast_radius_summary,
        } => {
            t.push_str(&format!(
                "probe: {}  issue_category: {}\n",
                printable(probe),
                printable(issue_category)
            ));
            t.push_str(&format!(
                "\n{cluster_size} investigations without an autofix attempt; the recurring recommendation: {}\n",
                if recurring_recommendation_text.is_empty() {
                    "(none)".to_string()
                } else {
                    format!("\"{}\"", printable(recurring_recommendation_text))
                }
            ));
            t.push_str(&format!(
                "sample wakes: {}\n",
                printable(&sample_wake_ids.join(", "))
            ));
            t.push_str(&format!(
                "suggested envelope: {}\n",
                serde_json::to_string(suggested_envelope)?
            ));
            t.push_str(&format!("fix name: {}\n", printable(fix_name_suggestion)));
            t.push_str(&format!("blast radius: {blast_radius_summary}\n"));
        }
    }
    if p.reviewed_at.is_some() {
        t.push_str(&format!("\n{} {}", p.status, p.decided()));
        if !p.review_notes.is_empty() {
            t.push_str(&format!(": {}", printable(&p.review_notes)));
        }
        t.push('\n');
    }
    if let Some(f) = &p.forced {
        t.push_str(&format!(
            "forced despite: {}\n",
            printable(&f.stale_evidence)
        ));
    }
    if let Some(a) = &p.apply {
        let how = match a.status {
            ApplyStatus::Ok => "succeeded".to_string(),
            ApplyStatus::Running => "did not finish (approve again to retry)".to_string(),
            ApplyStatus::Failed => format!(
                "failed ({}); approve again to retry",
                a.exit_code
                    .map(|c| format!("exit {c}"))
                    .or(a.error.clone())
                    .unwrap_or_default()
            ),
        };
        t.push_str(&format!("on_approve attempt {}: {how}\n", a.attempt));
        if !a.stderr_tail.is_empty() && a.status != ApplyStatus::Ok {
            t.push_str(&format!(
                "  stderr: {}\n",
                printable(a.stderr_tail.lines().last().unwrap_or(""))
            ));
        }
    }
    if p.status == ProposalStatus::Pending {
        t.push_str(&format!(
            "\nDecide: tend promote approve {id} --note '…'  |  tend promote reject {id} --note '…'\n",
            id = p.proposal_id
        ));
    }
    ctx.out.data(t.as_bytes())?;
    Ok(Outcome::default())
}
