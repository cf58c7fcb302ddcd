//! The digest (SPEC §6): with `info_mode = "digest"`, `alerts notify` queues
//! info alerts in `state/alerts.digest.jsonl` and `tend alerts digest` (a daily
//! cron line) sends them as one message where info alerts are routed (email
//! by default).
//!
//! The queue is emptied only after a successful send, and only of the lines
//! that went out: the lines read are dropped by [`jsonl::rewrite`] under the
//! lock every append takes, so an alert queued by an `alerts notify` running
//! meanwhile stays for the next digest. A crash between the send and that
//! rewrite sends those lines again next time (the one unavoidable instant);
//! nothing is ever lost.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AlertsCount;
use super::message::{DigestItem, digest_message};
use super::source::Alert;
use crate::audit::{Kind, Row};
use crate::channel;
use crate::ctx::{Ctx, Outcome};
use crate::store::jsonl;
use crate::store::lock::Wait;

pub const QUEUE_FILE: &str = "alerts.digest.jsonl";

/// One line of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub queued_at: DateTime<Utc>,
    /// Queued again by a reminder.
    #[serde(default)]
    pub reminder: bool,
    pub alert: Alert,
}

/// The queue lines for `alerts`, ready for [`jsonl::append`].
pub fn queue_lines(alerts: &[(&Alert, bool)], now: DateTime<Utc>) -> Result<Vec<u8>> {
    let mut batch = Vec::new();
    for (alert, reminder) in alerts {
        serde_json::to_writer(
            &mut batch,
            &Queued {
                queued_at: now,
                reminder: *reminder,
                alert: (*alert).clone(),
            },
        )?;
        batch.push(b'\n');
    }
    Ok(batch)
}

/// The complete lines of a queue file: (entries, problems, bytes consumed).
/// A final line without its newline is an append in progress: left for later.
pub fn read_queue(bytes: &[u8]) -> (Vec<Queued>, Vec<String>, usize) {
    let end = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for line in bytes[..end].split_inclusive(|b| *b == b'\n') {
        let text = &line[..line.len() - 1];
        if !text.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Queued>(text) {
                Ok(q) => entries.push(q),
                Err(e) => problems.push(format!(
                    "state/{QUEUE_FILE}: byte {offset}: dropped a malformed line ({e}): {}",
                    String::from_utf8_lossy(text)
                )),
            }
        }
        offset += line.len();
    }
    (entries, problems, end)
}

/// The digest's items: one per alert id, in the order first queued.
pub fn items(entries: &[Queued]) -> Vec<DigestItem<'_>> {
    let mut order: Vec<DigestItem<'_>> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for q in entries {
        match index.get(q.alert.id.as_str()) {
            Some(i) => order[*i].times += 1,
            None => {
                index.insert(&q.alert.id, order.len());
                order.push(DigestItem {
                    alert: &q.alert,
                    queued_at: q.queued_at,
                    times: 1,
                });
            }
        }
    }
    order
}

pub fn run(ctx: &mut Ctx) -> Result<Outcome> {
    ctx.run_locked("alerts digest", Wait::No, send)
}

fn send(ctx: &mut Ctx) -> Result<Outcome> {
    let path = ctx.root.state_file(QUEUE_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Outcome::default()),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    };
    let (entries, problems, consumed) = read_queue(&bytes);
    let mut outcome = Outcome {
        failed: !problems.is_empty(),
        ..Outcome::default()
    };
    for p in &problems {
        ctx.out.error(p);
    }
    let items = items(&entries);
    if items.is_empty() {
        return Ok(outcome);
    }
    let now = ctx.now();
    let message = digest_message(&items, now);
    let kind = ctx.config.alert_route().info;
    if ctx.dry_run {
        super::notify::would_send(ctx, kind, &message)?;
        ctx.out.summary(&format!(
            "digest: would send {} info alerts via {kind}",
            items.len()
        ))?;
        return Ok(outcome);
    }
    let result = channel::open(kind, &ctx.config).and_then(|mut c| c.send(&message, &mut ctx.out));
    let rows: Vec<Row> = items
        .iter()
        .map(|item| {
            let mut details = json!({
                "channel": crate::channel::audit_name(kind),
                "ref": item.alert.id,
                "severity": item.alert.severity,
                "category": item.alert.category,
                "status": if result.is_ok() { "ok" } else { "failed" },
                "digest": true,
            });
            if let Err(e) = &result {
                details["error"] = json!(e.kind);
            }
            Row::new(Kind::NotificationDispatched, now, details)
                .with_correlation_key(item.alert.id.clone())
        })
        .collect();
    ctx.audit().append(&rows, now)?;
    match result {
        Ok(_) => {
            // Drop exactly the lines that went out; keep what was appended since.
            let sent = &bytes[..consumed];
            let mut changed = true;
            jsonl::rewrite(&path, |current| match current.strip_prefix(sent) {
                Some(rest) => rest.to_vec(),
                None => {
                    changed = false;
                    current.to_vec()
                }
            })?;
            if !changed {
                ctx.out.error(&format!(
                    "{} changed under the digest (not by an append); it was left as it is, so its alerts may be sent again",
                    path.display()
                ));
                outcome.failed = true;
            }
            outcome.count(AlertsCount::Sent, items.len() as u64);
            ctx.out.summary(&format!(
                "digest: sent {} info alerts via {kind}",
                items.len()
            ))?;
        }
        Err(e) => {
            outcome.failed = true;
            outcome.count(AlertsCount::Failed, items.len() as u64);
            ctx.out.error(&format!(
                "digest not sent ({}: {}); its {} alerts stay queued for the next run",
                e.kind,
                e.message,
                items.len()
            ));
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::severity::Severity;

    fn alert(id: &str) -> Alert {
        Alert {
            id: id.into(),
            severity: Severity::Info,
            category: "disk".into(),
            title: "disk filling".into(),
            summary: "80%".into(),
            started_at: None,
            source: "probe".into(),
            feed: String::new(),
        }
    }

    #[test]
    fn queue_round_trips_and_leaves_a_partial_line() {
        let now = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let (a, b) = (alert("a"), alert("b"));
        let mut bytes = queue_lines(&[(&a, false), (&b, false), (&a, true)], now).unwrap();
        let complete = bytes.len();
        bytes.extend_from_slice(b"{\"queued_at\":");
        let (entries, problems, consumed) = read_queue(&bytes);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(consumed, complete);
        assert_eq!(entries.len(), 3);
        let items = items(&entries);
        assert_eq!(items.len(), 2);
        assert_eq!((items[0].alert.id.as_str(), items[0].times), ("a", 2));
    }

    #[test]
    fn malformed_lines_are_reported_with_their_offset() {
        let (entries, problems, consumed) = read_queue(b"\nnot json\n");
        assert!(entries.is_empty());
        assert_eq!(consumed, 10);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("byte 1"), "{problems:?}");
    }
}
