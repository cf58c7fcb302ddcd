//! The digest (design §6): with `info_mode = "digest"`, `alerts notify` queues
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

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AlertsCount;
use super::message::{DigestItem, digest_message};
use super::source::Alert;
use crate::audit::{Kind, Row};
use crate::config::ChannelKind;
use crate::ctx::{Ctx, Outcome};
use crate::incidents::outbox::{self, Fate, Item, Letter, Outbox, RowStatus};
use crate::store::attempts::{self, Next};
use crate::store::file;
use crate::store::jsonl;
use crate::store::lock::Wait;

pub const QUEUE_FILE: &str = "alerts.digest.jsonl";

/// The queue lines given up (cut off twice before the queue recorded the
/// answer), one JSON line each, kept [`UNCONFIRMED_KEPT`] for `tend status`.
pub const UNCONFIRMED_FILE: &str = "alerts.digest.unconfirmed.jsonl";

/// How long `tend status` counts a digest line given up (the digest's runs
/// then drop it from [`UNCONFIRMED_FILE`]).
pub const UNCONFIRMED_KEPT: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// One line of [`UNCONFIRMED_FILE`]: a queue line given up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenUp {
    pub given_up_at: DateTime<Utc>,
    pub queued_at: DateTime<Utc>,
    pub alert_id: String,
    pub attempts: u32,
}

/// The lines of [`UNCONFIRMED_FILE`] (complete lines only): the distinct
/// queue lines given up since `since`, the lines to keep (given up since then,
/// or unreadable: never dropped unseen), and the problems found.
fn read_given_up(bytes: &[u8], since: DateTime<Utc>) -> (usize, Vec<u8>, Vec<String>) {
    let mut distinct = BTreeSet::new();
    let mut kept = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        if !text.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<GivenUp>(text) {
                Ok(g) if g.given_up_at < since => {}
                Ok(g) => {
                    distinct.insert((g.alert_id, g.queued_at));
                    kept.extend_from_slice(line);
                }
                Err(e) => {
                    problems.push(format!(
                        "state/{UNCONFIRMED_FILE}: byte {offset}: unreadable line ({e}), kept: {}",
                        String::from_utf8_lossy(text)
                    ));
                    kept.extend_from_slice(line);
                }
            }
        }
        offset += line.len();
    }
    (distinct.len(), kept, problems)
}

/// The digest lines given up in the last [`UNCONFIRMED_KEPT`] (what `tend
/// status` counts), with the problems reading them.
pub fn unconfirmed(ctx: &Ctx) -> Result<(usize, Vec<String>)> {
    let Some(bytes) = file::read_regular(&ctx.root.state_file(UNCONFIRMED_FILE))? else {
        return Ok((0, Vec::new()));
    };
    let (n, _, problems) = read_given_up(&bytes, ctx.now() - UNCONFIRMED_KEPT);
    Ok((n, problems))
}

/// Drops the lines of [`UNCONFIRMED_FILE`] older than [`UNCONFIRMED_KEPT`].
fn prune_given_up(ctx: &mut Ctx) -> Result<()> {
    let path = ctx.root.state_file(UNCONFIRMED_FILE);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(());
    }
    let since = ctx.now() - UNCONFIRMED_KEPT;
    let mut problems = Vec::new();
    jsonl::rewrite(&path, |current| {
        let (_, kept, found) = read_given_up(current, since);
        problems = found;
        kept
    })?;
    for p in &problems {
        ctx.out.warn(p);
    }
    Ok(())
}

/// The namespace of the digest's keys in the attempt journal
/// (`state/delivery.attempts.jsonl`): `digest:<alert id>@<queued at>`.
pub const ATTEMPT_PREFIX: &str = "digest:";

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
    ctx.run_locked(crate::command::Command::AlertsDigest, Wait::No, send)
}

/// The key of a queue line in the attempt journal: the alert and when it was
/// queued (a reminder queues the same alert again, as another line).
fn attempt_key(q: &Queued) -> String {
    format!(
        "{ATTEMPT_PREFIX}{}@{}",
        q.alert.id,
        crate::clock::format_ts(q.queued_at)
    )
}

fn send(ctx: &mut Ctx) -> Result<Outcome> {
    let mut outbox = Outbox::open(ctx)?;
    let outcome = send_queue(ctx, &mut outbox)?;
    if !ctx.dry_run {
        prune_given_up(ctx)?;
        // Every line sent, failed or given up is recorded by now (the queue,
        // the audit rows): no attempt counts any more.
        outbox.settle(ATTEMPT_PREFIX, |_, _| true)?;
    }
    Ok(outcome)
}

fn send_queue(ctx: &mut Ctx, outbox: &mut Outbox) -> Result<Outcome> {
    let path = ctx.root.state_file(QUEUE_FILE);
    let Some(bytes) = file::read_regular(&path)? else {
        return Ok(Outcome::default());
    };
    let (entries, problems, consumed) = read_queue(&bytes);
    let mut outcome = Outcome {
        failed: !problems.is_empty(),
        ..Outcome::default()
    };
    for p in &problems {
        ctx.out.error(p);
    }
    let now = ctx.now();
    let kind = ctx.config.alert_route().info;
    // Lines attempted twice by runs cut off before the queue recorded the
    // answer: given up, never sent a third time.
    let (given_up, entries): (Vec<Queued>, Vec<Queued>) = entries
        .into_iter()
        .partition(|q| matches!(outbox.next(&attempt_key(q)), Next::GiveUp { .. }));
    if !given_up.is_empty() {
        outcome.failed = true;
        outcome.count(AlertsCount::Unconfirmed, given_up.len() as u64);
        if !ctx.dry_run {
            give_up(ctx, outbox, &path, &bytes[..consumed], &given_up, kind, now)?;
        }
    }
    let items = items(&entries);
    if items.is_empty() {
        return Ok(outcome);
    }
    let message = digest_message(&items, now);
    if ctx.dry_run {
        super::notify::would_send(ctx, kind, &message)?;
        ctx.out.summary(&format!(
            "digest: would send {} info alerts via {kind}",
            items.len()
        ))?;
        return Ok(outcome);
    }
    // The queue's lines of this digest, as they are now (without the lines
    // given up).
    let gone: BTreeSet<String> = given_up.iter().map(attempt_key).collect();
    let sent = without_lines(&bytes[..consumed], &gone);
    let incident_ids = incident_ids(ctx, items.iter().map(|i| i.alert.id.as_str()))?;
    let letter = Letter {
        keys: entries.iter().map(attempt_key).collect(),
        channel: kind,
        message,
        items: items
            .iter()
            .map(|item| Item {
                reference: item.alert.id.clone(),
                severity: item.alert.severity,
                category: item.alert.category.clone(),
                correlation_key: item.alert.id.clone(),
                incident_id: incident_ids.get(&item.alert.id).cloned(),
                extra: json!({"digest": true}),
            })
            .collect(),
        // One message about many incidents: in none of their threads.
        incidents: Vec::new(),
    };
    // The queue is the digest's state: its lines leave it only after the
    // rows are in the log (a kill in between sends them again, never loses
    // them), so the rows are appended here, not kept in the queue.
    let fate = outbox.send(ctx, letter, |ctx, _, rows| {
        ctx.audit().append(&rows, now)?;
        Ok(Vec::new())
    })?;
    let result = match fate {
        Fate::Sent(_) => Ok(()),
        Fate::Failed(e) => Err(e),
        Fate::GivenUp { .. } => anyhow::bail!("internal: the digest's send was given up"),
    };
    match result {
        Ok(_) => {
            // Drop exactly the lines that went out; keep what was appended since.
            let mut changed = true;
            jsonl::rewrite(&path, |current| {
                match current.strip_prefix(sent.as_slice()) {
                    Some(rest) => rest.to_vec(),
                    None => {
                        changed = false;
                        current.to_vec()
                    }
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

/// Alert id → its latest incident (open or resolved since), for the rows.
fn incident_ids<'a>(
    ctx: &Ctx,
    alert_ids: impl Iterator<Item = &'a str>,
) -> Result<BTreeMap<String, String>> {
    let state = crate::incidents::load(ctx)?;
    Ok(alert_ids
        .filter_map(|alert_id| {
            state
                .incidents
                .values()
                .filter(|i| i.alert_id == alert_id)
                .max_by_key(|i| i.started_at)
                .map(|i| (alert_id.to_string(), i.id.clone()))
        })
        .collect())
}

/// `lines` (whole queue lines) without those whose key is in `gone`; a line
/// that does not parse is kept (it was reported, and stays for the operator).
fn without_lines(lines: &[u8], gone: &BTreeSet<String>) -> Vec<u8> {
    if gone.is_empty() {
        return lines.to_vec();
    }
    lines
        .split_inclusive(|b| *b == b'\n')
        .filter(|line| {
            serde_json::from_slice::<Queued>(line.trim_ascii_end())
                .map_or(true, |q| !gone.contains(&attempt_key(&q)))
        })
        .flatten()
        .copied()
        .collect()
}

/// Records the queue lines given up: a failed `notification.dispatched` row
/// each (with an id of its own, so a run killed before the queue lost them
/// does not write them twice), an error naming the alert, then the lines
/// leave the queue.
fn give_up(
    ctx: &mut Ctx,
    outbox: &Outbox,
    path: &Path,
    prefix: &[u8],
    given_up: &[Queued],
    kind: ChannelKind,
    now: DateTime<Utc>,
) -> Result<()> {
    let incident_ids = incident_ids(ctx, given_up.iter().map(|q| q.alert.id.as_str()))?;
    let mut rows = Vec::new();
    let mut since = now;
    for q in given_up {
        let key = attempt_key(q);
        let (attempts, at) = outbox.recorded(&key);
        if let Some(at) = at {
            since = since.min(at);
        }
        let item = Item {
            reference: q.alert.id.clone(),
            severity: q.alert.severity,
            category: q.alert.category.clone(),
            correlation_key: q.alert.id.clone(),
            incident_id: incident_ids.get(&q.alert.id).cloned(),
            extra: json!({
                "digest": true,
                "error": attempts::GAVE_UP_ERROR,
                "attempts": attempts,
            }),
        };
        let mut row = outbox::dispatched_row(kind, &item, RowStatus::Failed, now);
        // Its own id, so a run killed before the queue lost the line does not
        // write it twice.
        row.id = Row::deterministic(
            Kind::NotificationDispatched,
            now,
            &format!("gave_up:{key}"),
            json!({}),
        )
        .id;
        rows.push(row);
        ctx.out.error(&format!(
            "alert {} (queued {}): the digest that carried it was given up: its {attempts} attempts were each cut off before the queue recorded the answer, so it may or may not have arrived; it is not sent a third time (error {})",
            q.alert.id,
            crate::clock::format_ts(q.queued_at),
            attempts::GAVE_UP_ERROR
        ));
    }
    ctx.audit().append_missing(&rows, since, now)?;
    // Kept for `tend status` before the lines leave the queue: a run cut off
    // in between gives them up again, and they are counted once.
    let mut lines = Vec::new();
    for q in given_up {
        serde_json::to_writer(
            &mut lines,
            &GivenUp {
                given_up_at: now,
                queued_at: q.queued_at,
                alert_id: q.alert.id.clone(),
                attempts: outbox.recorded(&attempt_key(q)).0,
            },
        )?;
        lines.push(b'\n');
    }
    jsonl::append(&ctx.root.state_file(UNCONFIRMED_FILE), &lines)?;
    let gone: BTreeSet<String> = given_up.iter().map(attempt_key).collect();
    let kept = without_lines(prefix, &gone);
    let mut changed = true;
    jsonl::rewrite(path, |current| match current.strip_prefix(prefix) {
        Some(rest) => [kept.as_slice(), rest].concat(),
        None => {
            changed = false;
            current.to_vec()
        }
    })?;
    if !changed {
        return Err(anyhow::anyhow!(
            "{} changed under the digest (not by an append); the lines given up were left in it",
            path.display()
        ));
    }
    Ok(())
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
    fn given_up_lines_count_once_for_a_week_and_unreadable_ones_stay() {
        let t = |s: &str| crate::clock::parse_ts(s).unwrap();
        let line = |at: &str, id: &str, queued: &str| {
            let mut l = serde_json::to_vec(&GivenUp {
                given_up_at: t(at),
                queued_at: t(queued),
                alert_id: id.into(),
                attempts: 2,
            })
            .unwrap();
            l.push(b'\n');
            l
        };
        let old = line("2026-05-17T07:59:59Z", "a", "2026-05-16T00:00:00Z");
        let edge = line("2026-05-17T08:00:00Z", "b", "2026-05-16T00:00:00Z");
        // The same queue line given up twice (a run cut off before the queue
        // lost it) and the same alert queued again later (a reminder).
        let twice = line("2026-05-24T08:00:00Z", "c", "2026-05-23T00:00:00Z");
        let again = line("2026-05-24T08:00:01Z", "c", "2026-05-23T00:00:00Z");
        let reminder = line("2026-05-24T08:00:01Z", "c", "2026-05-24T00:00:00Z");
        let bad = b"{not json\n".to_vec();
        let bytes = [
            old.clone(),
            edge.clone(),
            bad.clone(),
            twice.clone(),
            again.clone(),
            reminder.clone(),
        ]
        .concat();
        let (n, kept, problems) = read_given_up(&bytes, t("2026-05-17T08:00:00Z"));
        assert_eq!(n, 3, "b, c@23 and c@24");
        assert_eq!(kept, [edge, bad, twice, again, reminder].concat());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains(&format!("byte {}", old.len() * 2)),
            "{problems:?}"
        );
        assert_eq!(read_given_up(b"", t("2026-05-17T08:00:00Z")).0, 0);
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
