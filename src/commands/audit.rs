//! `tend audit emit` and `tend audit tail` (design §3).

use std::collections::VecDeque;
use std::io::Read;
use std::ops::ControlFlow;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::audit::{self, Item, Kind, MAX_BATCH_BYTES, Row, parse_head, segment_name};
use crate::cli::{AuditCommand, AuditEmitArgs, AuditTailArgs, Count};
use crate::clock::format_ts;
use crate::ctx::{Ctx, Outcome, counters};
use crate::exit::UsageError;
use crate::store::cursor::Cursor;
use crate::store::tail;

counters! {
    enum AuditCount {
        Emitted = "emitted",
        Printed = "printed",
    }
}

pub fn run(ctx: &mut Ctx, command: &AuditCommand) -> Result<Outcome> {
    match command {
        AuditCommand::Emit(args) => emit(ctx, args),
        AuditCommand::Tail(args) => tail(ctx, args),
    }
}

fn emit(ctx: &mut Ctx, args: &AuditEmitArgs) -> Result<Outcome> {
    let rows = if args.batch {
        read_batch(ctx)?
    } else {
        vec![one_row(ctx, args)?]
    };
    let mut emitted = rows.len() as u64;
    if ctx.dry_run {
        emitted = 0;
    } else if let Some(key) = &args.id {
        emitted = emit_once(ctx, &rows, key)? as u64;
    } else {
        ctx.audit().append(&rows, ctx.now())?;
    }
    for row in &rows {
        let line = serde_json::to_string(row)?;
        if ctx.dry_run {
            ctx.out.data(format!("{line}\n").as_bytes())?;
        } else {
            ctx.out.item(&line)?;
            ctx.out.json(row)?;
        }
    }
    ctx.out.json(&serde_json::json!({
        "summary": true,
        "emitted": emitted,
        "dry_run": ctx.dry_run,
    }))?;
    let mut outcome = Outcome::default();
    outcome.count(AuditCount::Emitted, emitted);
    Ok(outcome)
}

/// How far back a row of the same `--id` is looked for.
const ID_LOOKBACK_DAYS: i64 = 1;

/// Appends the row of `--id KEY` unless a run before (one that was killed or
/// timed out after its write) already did; returns how many rows went in.
/// Runs with an `--id` take the `audit emit` lock (waiting for it briefly),
/// so two of them cannot both find the row missing and both append it.
fn emit_once(ctx: &mut Ctx, rows: &[Row], key: &str) -> Result<usize> {
    let now = ctx.now();
    let _lock = crate::store::lock::CommandLock::acquire(
        &ctx.root.locks_dir(),
        "audit emit",
        &crate::clock::format_ts(now),
        crate::store::lock::Wait::Up(Duration::from_secs(10)),
    )?;
    let since = now - chrono::TimeDelta::days(ID_LOOKBACK_DAYS);
    let appended = ctx.audit().append_missing(rows, since, now)?;
    if appended == 0 {
        ctx.out.note(&format!(
            "a row with --id {key} is already in the log; not appended again"
        ));
    }
    Ok(appended)
}

/// The row of `--kind`, `--details` and `--correlation-key`.
fn one_row(ctx: &Ctx, args: &AuditEmitArgs) -> Result<Row> {
    let (Some(kind), Some(details)) = (&args.kind, &args.details) else {
        return Err(UsageError("--kind and --details are required without --batch".into()).into());
    };
    let kind: Kind = kind
        .parse()
        .map_err(|e: String| UsageError(format!("--kind: {e}")))?;
    let text = if details == "-" {
        // Bounded like a whole batch: unbounded input was read into memory
        // whole, and a row of any size was appended for every reader to hold.
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_BATCH_BYTES as u64 + 1)
            .read_to_string(&mut text)
            .context("cannot read --details from standard input")?;
        if text.len() > MAX_BATCH_BYTES {
            return Err(UsageError(format!(
                "--details: standard input is larger than {} MiB (nothing was written)",
                MAX_BATCH_BYTES >> 20
            ))
            .into());
        }
        text
    } else {
        details.clone()
    };
    let details: Value = serde_json::from_str(&text)
        .map_err(|e| UsageError(format!("--details is not valid JSON: {e}")))?;
    Row::check_details(kind, &details).map_err(|e| UsageError(format!("--details: {e}")))?;
    let mut row = match &args.id {
        Some(key) => {
            if key.is_empty() || key.contains(char::is_control) {
                return Err(UsageError(
                    "--id: an idempotency key must be non-empty text without control characters"
                        .into(),
                )
                .into());
            }
            Row::deterministic(kind, ctx.now(), &format!("emit:{key}"), details)
        }
        None => Row::new(kind, ctx.now(), details),
    };
    if let Some(key) = &args.correlation_key {
        Row::check_correlation_key(key)
            .map_err(|e| UsageError(format!("--correlation-key: {e}")))?;
        row = row.with_correlation_key(key.clone());
    }
    Ok(row)
}

/// The rows of `--batch`, all valid, or a usage error naming every bad line.
fn read_batch(ctx: &Ctx) -> Result<Vec<Row>> {
    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_BATCH_BYTES as u64 + 1)
        .read_to_end(&mut input)
        .context("cannot read the batch from standard input")?;
    if input.len() > MAX_BATCH_BYTES {
        return Err(UsageError(format!(
            "--batch: standard input is larger than {} MiB; split it into several batches (nothing was written)",
            MAX_BATCH_BYTES >> 20
        ))
        .into());
    }
    audit::parse_batch(&input, ctx.now()).map_err(|problems| {
        const SHOWN: usize = 20;
        let mut text = format!(
            "--batch: {} bad line{}; nothing was written:",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        for problem in problems.iter().take(SHOWN) {
            text.push_str("\n  ");
            text.push_str(problem);
        }
        if problems.len() > SHOWN {
            text.push_str(&format!("\n  … and {} more", problems.len() - SHOWN));
        }
        UsageError(text).into()
    })
}

fn tail(ctx: &mut Ctx, args: &AuditTailArgs) -> Result<Outcome> {
    let count = args.lines.unwrap_or(if args.since.is_some() {
        Count::All
    } else {
        Count::Last(10)
    });
    let dir = ctx.root.audit_dir();
    let since = args.since;
    // Rows are in a segment of their day or later (writers stamp rows when they
    // append), so older segments can be passed over whole.
    let first_segment = since
        .and_then(|t| t.checked_sub_signed(chrono::TimeDelta::days(1)))
        .map(segment_name)
        .unwrap_or_default();
    let mut printed = 0u64;

    // Following keeps a position per segment (design §3 "Reading positions"):
    // a row appended to any segment is printed, even after a later-dated
    // segment (a drill with --now, a skewed clock) has appeared.
    let follow = match count {
        Count::Last(n) => {
            // Where following starts is taken before the last rows are read: a
            // row appended meanwhile may then print twice, but is never lost.
            let follow_from = if args.follow {
                Some(Cursor::stamp(&dir, "", &format_ts(ctx.now()))?)
            } else {
                None
            };
            print_last(ctx, &args.kind, since, &first_segment, n, &mut printed)?;
            follow_from
        }
        Count::All => {
            let mut from = Cursor::from_start(&first_segment, &format_ts(ctx.now()));
            scan_forward(ctx, &args.kind, since, &mut from, &mut printed)?;
            args.follow.then_some(from)
        }
    };
    ctx.out.flush()?;

    if let Some(mut cursor) = follow {
        // Until interrupted, or until standard output is closed (exit 0).
        loop {
            std::thread::sleep(Duration::from_millis(250));
            scan_forward(ctx, &args.kind, since, &mut cursor, &mut printed)?;
            ctx.out.flush()?;
        }
    }
    ctx.out
        .json(&serde_json::json!({"summary": true, "printed": printed}))?;
    let mut outcome = Outcome::default();
    outcome.count(AuditCount::Printed, printed);
    Ok(outcome)
}

fn keep(ts: DateTime<Utc>, since: Option<DateTime<Utc>>) -> bool {
    since.is_none_or(|s| ts >= s)
}

/// Prints every matching row after `cursor`'s positions, and moves them past
/// what was read.
fn scan_forward(
    ctx: &mut Ctx,
    kinds: &[String],
    since: Option<DateTime<Utc>>,
    cursor: &mut Cursor,
    printed: &mut u64,
) -> Result<()> {
    // A follow that crosses midnight must see the new day as today.
    let today = if ctx.clock.is_fixed() {
        ctx.now()
    } else {
        Utc::now()
    };
    let dir = ctx.root.audit_dir();
    let mut reader = ctx.audit().reader(kinds, today);
    let out = &mut ctx.out;
    let reached = reader.scan_cursor(cursor, |item| {
        match &item {
            Item::Row(row) if keep(row.ts, since) => {
                out.data(row.raw)?;
                out.data(b"\n")?;
                *printed += 1;
            }
            Item::Row(_) => {}
            _ => out.warn(&item.warning().unwrap_or_default()),
        }
        Ok(ControlFlow::Continue(()))
    })?;
    for position in &reached {
        cursor.advance(&dir, position)?;
    }
    Ok(())
}

/// Prints the last `n` matching rows, oldest first, reading the log backwards.
fn print_last(
    ctx: &mut Ctx,
    kinds: &[String],
    since: Option<DateTime<Utc>>,
    stop_before: &str,
    n: usize,
    printed: &mut u64,
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    let needles: Vec<Vec<u8>> = kinds
        .iter()
        .map(|k| format!("\"{k}\"").into_bytes())
        .collect();
    let mut rows: VecDeque<Vec<u8>> = VecDeque::with_capacity(n.min(1024));
    let mut warnings = Vec::new();
    tail::scan_backward(
        &ctx.root.audit_dir(),
        &needles,
        stop_before,
        |segment, offset, line| {
            if line.iter().all(u8::is_ascii_whitespace) {
                return Ok(ControlFlow::Continue(()));
            }
            match parse_head(line) {
                Ok((kind, ts)) => {
                    if (kinds.is_empty() || kinds.iter().any(|k| *k == kind)) && keep(ts, since) {
                        rows.push_front(line.to_vec());
                    }
                }
                Err(reason) => warnings.push(
                    Item::Malformed {
                        segment,
                        offset,
                        reason,
                    }
                    .warning()
                    .unwrap_or_default(),
                ),
            }
            Ok(if rows.len() >= n {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        },
    )?;
    for warning in warnings.iter().rev() {
        ctx.out.warn(warning);
    }
    for row in rows {
        ctx.out.data(&row)?;
        ctx.out.data(b"\n")?;
        *printed += 1;
    }
    Ok(())
}
