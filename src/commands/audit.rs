//! `tend audit emit` and `tend audit tail` (SPEC §3).

use std::collections::VecDeque;
use std::io::Read;
use std::ops::ControlFlow;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::audit::{Item, Kind, Position, Row, parse_head, segment_name};
use crate::cli::{AuditCommand, AuditEmitArgs, AuditTailArgs, Count};
use crate::ctx::{Ctx, Outcome};
use crate::exit::UsageError;
use crate::store::{cursor, tail};

pub fn run(ctx: &mut Ctx, command: &AuditCommand) -> Result<Outcome> {
    match command {
        AuditCommand::Emit(args) => emit(ctx, args),
        AuditCommand::Tail(args) => tail(ctx, args),
    }
}

fn emit(ctx: &mut Ctx, args: &AuditEmitArgs) -> Result<Outcome> {
    let kind: Kind = args
        .kind
        .parse()
        .map_err(|e: String| UsageError(format!("--kind: {e}")))?;
    let text = if args.details == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read --details from standard input")?;
        text
    } else {
        args.details.clone()
    };
    let details: Value = serde_json::from_str(&text)
        .map_err(|e| UsageError(format!("--details is not valid JSON: {e}")))?;
    Row::check_details(kind, &details).map_err(|e| UsageError(format!("--details: {e}")))?;
    let mut row = Row::new(kind, ctx.now(), details);
    if let Some(key) = &args.correlation_key {
        if key.is_empty() || key.contains(char::is_control) {
            return Err(UsageError(
                "--correlation-key must be non-empty text without control characters".into(),
            )
            .into());
        }
        row = row.with_correlation_key(key.clone());
    }
    if !ctx.dry_run {
        ctx.audit().append(std::slice::from_ref(&row), ctx.now())?;
    }
    let line = serde_json::to_string(&row)?;
    if ctx.dry_run {
        ctx.out.data(format!("{line}\n").as_bytes())?;
    } else {
        ctx.out.item(&line)?;
        ctx.out.json(&row)?;
    }
    let mut outcome = Outcome::default();
    outcome.count("emitted", u64::from(!ctx.dry_run));
    Ok(outcome)
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
        .map(|t| segment_name(t - chrono::TimeDelta::days(1)))
        .unwrap_or_default();
    let mut printed = 0u64;

    let mut position = match count {
        Count::Last(n) => {
            // Where following starts is taken before the last rows are read: a
            // row appended meanwhile may then print twice, but is never lost.
            let follow_from = if args.follow {
                cursor::end_of_log(&dir)?
            } else {
                Position::default()
            };
            print_last(ctx, &args.kind, since, &first_segment, n, &mut printed)?;
            follow_from
        }
        Count::All => {
            let from = Position {
                segment: first_segment.clone(),
                offset: 0,
            };
            scan_forward(ctx, &args.kind, since, &from, &mut printed)?
        }
    };
    ctx.out.flush()?;

    if args.follow {
        // Until interrupted, or until standard output is closed (exit 0).
        loop {
            std::thread::sleep(Duration::from_millis(250));
            position = scan_forward(ctx, &args.kind, since, &position, &mut printed)?;
            ctx.out.flush()?;
        }
    }
    let mut outcome = Outcome::default();
    outcome.count("printed", printed);
    Ok(outcome)
}

fn keep(ts: DateTime<Utc>, since: Option<DateTime<Utc>>) -> bool {
    since.is_none_or(|s| ts >= s)
}

/// Prints every matching row from `from` on; returns the position reached.
fn scan_forward(
    ctx: &mut Ctx,
    kinds: &[String],
    since: Option<DateTime<Utc>>,
    from: &Position,
    printed: &mut u64,
) -> Result<Position> {
    // A follow that crosses midnight must see the new day as today.
    let today = if ctx.clock.is_fixed() {
        ctx.now()
    } else {
        Utc::now()
    };
    let mut reader = ctx.audit().reader(kinds, today);
    let out = &mut ctx.out;
    reader.scan(from, |item| {
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
    })
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
    let mut rows: VecDeque<Vec<u8>> = VecDeque::with_capacity(n);
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
