//! The outbox (design §6a "One send path"): the only way an operator message
//! leaves `tend`. `wake consume`, `alerts notify` and `alerts digest` decide
//! what to send; the outbox sends it, always in the same order:
//!
//! 1. record the attempt of every message key the letter carries in the
//!    attempt journal ([`crate::store::attempts`]), durably, before the
//!    channel is called;
//! 2. thread it: a message about one incident replies to the incident's
//!    parent in that channel once the parent's acceptance is recorded (Slack
//!    `thread_ts`, email `In-Reply-To`/`References` and a `Re: ` or
//!    `[RESOLVED] ` subject), or becomes the parent; standard output and the
//!    webhook carry the incident id;
//! 3. send it, with every secret scrubbed from its text and subject;
//! 4. hand the channel's answer and the message's `notification.dispatched`
//!    rows to the owner, which records them in its own state (the wake
//!    ledger, the alerts state, the digest queue) before anything else: the
//!    duplicate window is the send alone;
//! 5. note the message in its incidents (a new parent, the reminder clock,
//!    the investigation), then keep every parent current (`chat.update`:
//!    firing, investigated, resolved);
//! 6. append the rows the owner returned. The owner settles its journal
//!    keys at the end of its run ([`Outbox::settle`]).
//!
//! A message whose [`MAX_ATTEMPTS`](attempts::MAX_ATTEMPTS) attempts were
//! each cut off before its owner recorded the answer is given up
//! ([`Outbox::give_up`]): never sent a third time. A reply only ever names a
//! parent whose acceptance its channel answered and the incident recorded,
//! so no reply goes out without its parent; a parent whose record a kill
//! cut off leaves the next message to become the parent instead.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Incident, Purpose, policy};
use crate::audit::{Kind, Row};
use crate::channel::{self, Channel, Delivered, Message, SendError, Thread};
use crate::config::ChannelKind;
use crate::ctx::Ctx;
use crate::severity::Severity;
use crate::store::attempts::{self, Attempt, Journal, Next};

/// What one `notification.dispatched` row of a message says, before the
/// message's fate is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// `ref`: the wake or alert id.
    pub reference: String,
    pub severity: Severity,
    pub category: String,
    pub correlation_key: String,
    /// The incident it is about.
    pub incident_id: Option<String>,
    /// The owner's own fields (`action`, `message`, `probe`, `burst`, …).
    pub extra: Value,
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct Letter {
    /// Its keys in the attempt journal, one per thing it carries (`wake:…`,
    /// `alerts:…`, `digest:…`).
    pub keys: Vec<String>,
    pub channel: ChannelKind,
    pub message: Message,
    /// One row each.
    pub items: Vec<Item>,
    /// The incidents it is about and what it is to each. With exactly one,
    /// it is threaded in that incident's conversation.
    pub incidents: Vec<(String, Purpose)>,
}

impl Letter {
    /// The incident whose conversation this message is in.
    fn thread(&self) -> Option<&(String, Purpose)> {
        match self.incidents.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone)]
pub enum Fate {
    Sent(Delivered),
    Failed(SendError),
    /// Not sent a third time.
    GivenUp {
        attempts: u32,
    },
}

impl Fate {
    pub fn is_sent(&self) -> bool {
        matches!(self, Fate::Sent(_))
    }

    /// The `error` of its rows.
    pub fn error(&self) -> Option<String> {
        match self {
            Fate::Sent(_) => None,
            Fate::Failed(e) => Some(e.kind.clone()),
            Fate::GivenUp { .. } => Some(attempts::GAVE_UP_ERROR.to_string()),
        }
    }
}

/// The status a `notification.dispatched` row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Ok,
    Failed,
    Suppressed,
    Silenced,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Ok => "ok",
            RowStatus::Failed => "failed",
            RowStatus::Suppressed => "suppressed",
            RowStatus::Silenced => "silenced",
        }
    }
}

/// The send path of one run: the attempt journal and the channels, each
/// opened at its first message.
pub struct Outbox {
    journal: Journal,
    channels: BTreeMap<ChannelKind, Result<Box<dyn Channel>, SendError>>,
}

impl Outbox {
    /// Opens the attempt journal (a line a kill cut is reported and passed
    /// over).
    pub fn open(ctx: &mut Ctx) -> Result<Outbox> {
        let (journal, unreadable) = Journal::open(&ctx.root.state_file(attempts::FILE))?;
        for problem in unreadable {
            ctx.out.warn(&problem);
        }
        Ok(Outbox {
            journal,
            channels: BTreeMap::new(),
        })
    }

    /// What the journal says of `key`, whose answer the owner's state does
    /// not record.
    pub fn next(&self, key: &str) -> Next {
        self.journal.next(key, false)
    }

    /// How many attempts the journal holds for `key`, and when the last was
    /// recorded.
    pub fn recorded(&self, key: &str) -> (u32, Option<DateTime<Utc>>) {
        (self.journal.recorded(key), self.journal.recorded_at(key))
    }

    /// Drops the attempts under `prefix` that `settled` says are over (their
    /// answer or their giving up is recorded in the owner's state).
    pub fn settle(
        &mut self,
        prefix: &str,
        settled: impl Fn(&str, DateTime<Utc>) -> bool,
    ) -> Result<()> {
        self.journal
            .settle(prefix, settled)
            .with_context(|| format!("cannot settle state/{}", attempts::FILE))?;
        Ok(())
    }

    /// Sends `letter` (the order of the module comment). `record` is the
    /// owner's record of the message's fate: it saves the owner's state with
    /// the message's rows (so that a kill before their append loses none)
    /// and returns the rows to append, its own first.
    pub fn send(
        &mut self,
        ctx: &mut Ctx,
        letter: Letter,
        record: impl FnOnce(&mut Ctx, &Fate, Vec<Row>) -> Result<Vec<Row>>,
    ) -> Result<Fate> {
        let now = ctx.now();
        let tried: Vec<Attempt> = letter
            .keys
            .iter()
            .map(|key| Attempt {
                key: key.clone(),
                attempt: self.journal.recorded(key) + 1,
            })
            .collect();
        let attempt = tried.iter().map(|a| a.attempt).max().unwrap_or(1);
        self.journal.record(tried, now).with_context(|| {
            format!(
                "cannot record the send attempt of a {} message in state/{}; it was not sent",
                letter.channel,
                attempts::FILE
            )
        })?;
        let conversation = match letter.thread() {
            Some((id, _)) => conversation_of(ctx, id, letter.channel)?,
            None => None,
        };
        let mut message = letter.message.clone();
        thread(&mut message, &letter, conversation.as_ref());
        message.text = ctx.config.secrets.scrub(&message.text);
        message.subject = ctx.config.secrets.scrub(&message.subject);
        let fate = match self.deliver(ctx, letter.channel, &message) {
            Ok(delivered) => Fate::Sent(delivered),
            Err(e) => Fate::Failed(SendError {
                message: ctx.config.secrets.scrub(&e.message),
                ..e
            }),
        };
        let mut extra = json!({});
        if let Fate::Sent(Delivered {
            detail: Some(detail),
            ..
        }) = &fate
        {
            extra["detail"] = json!(detail);
        }
        if attempt > 1 {
            extra["attempt"] = json!(attempt);
        }
        let rows = rows(&letter, &fate, &extra, now);
        let batch = record(ctx, &fate, rows)?;
        self.note(ctx, &letter, &message, &fate)?;
        if !batch.is_empty() {
            ctx.audit().append(&batch, now).with_context(|| {
                format!(
                    "the {} message was sent and is recorded (it will not be sent again); its audit rows wait in its owner's state for the next run",
                    letter.channel
                )
            })?;
        }
        Ok(fate)
    }

    /// Records `letter` as given up after `attempts` attempts, unsent: its
    /// rows say `failed`, `unconfirmed_after_2_attempts`; `record` as for
    /// [`Outbox::send`].
    pub fn give_up(
        &mut self,
        ctx: &mut Ctx,
        letter: &Letter,
        attempts: u32,
        record: impl FnOnce(&mut Ctx, &Fate, Vec<Row>) -> Result<Vec<Row>>,
    ) -> Result<Fate> {
        let now = ctx.now();
        let fate = Fate::GivenUp { attempts };
        let rows = rows(letter, &fate, &json!({"attempts": attempts}), now);
        let batch = record(ctx, &fate, rows)?;
        if !batch.is_empty() {
            ctx.audit().append(&batch, now)?;
        }
        Ok(fate)
    }

    /// Calls the channel (opened at its first use). Standard output is
    /// flushed at once: a kill after the owner's record cannot lose it.
    fn deliver(
        &mut self,
        ctx: &mut Ctx,
        kind: ChannelKind,
        message: &Message,
    ) -> Result<Delivered, SendError> {
        let channel = self.channel(ctx, kind);
        let channel = channel.as_mut().map_err(|e| e.clone())?;
        let delivered = channel.send(message, &mut ctx.out)?;
        if kind == ChannelKind::Stdout {
            ctx.out.flush().map_err(|e| SendError {
                channel: kind,
                kind: "io".into(),
                message: e.to_string(),
            })?;
        }
        Ok(delivered)
    }

    fn channel(
        &mut self,
        ctx: &Ctx,
        kind: ChannelKind,
    ) -> &mut Result<Box<dyn Channel>, SendError> {
        let config = &ctx.config;
        self.channels
            .entry(kind)
            .or_insert_with(|| channel::open(kind, config))
    }

    /// Notes a message the channel took in its incidents, then keeps their
    /// parents current.
    fn note(&mut self, ctx: &mut Ctx, letter: &Letter, sent: &Message, fate: &Fate) -> Result<()> {
        // A message the channel did not take is no part of the conversation.
        let Fate::Sent(delivered) = fate else {
            return Ok(());
        };
        if letter.incidents.is_empty() || ctx.dry_run {
            return Ok(());
        }
        let now = ctx.now();
        let channel_name = channel::audit_name(letter.channel);
        let accepted = match (letter.thread(), delivered) {
            (
                Some(_),
                Delivered {
                    detail: Some(reference),
                    place,
                },
            ) => Some(policy::Accepted {
                reference,
                place: place.as_deref(),
            }),
            _ => None,
        };
        let edits = super::update(ctx, |state, _| {
            let mut edits = Vec::new();
            for (id, purpose) in &letter.incidents {
                let Some(incident) = state.incidents.get_mut(id) else {
                    continue;
                };
                let note = policy::Sent {
                    channel: channel_name,
                    accepted,
                    subject: &letter.message.subject,
                    text: &sent.text,
                    purpose,
                    at: now,
                };
                policy::note_sent(incident, &note);
                edits.extend(policy::stale_parents(incident));
            }
            edits
        })?;
        self.edit(ctx, edits)
    }

    /// Brings every parent that does not show its incident's state up to
    /// date: those a run cut off between a message and its edit left behind
    /// (edits are idempotent). Owners call it once per run, before sending.
    pub fn refresh_parents(&mut self, ctx: &mut Ctx) -> Result<()> {
        if ctx.dry_run {
            return Ok(());
        }
        let state = super::load(ctx)?;
        let edits: Vec<policy::Edit> = state
            .incidents
            .values()
            .flat_map(policy::stale_parents)
            .collect();
        self.edit(ctx, edits)
    }

    /// Makes the edits (`chat.update`; a channel that cannot edit has
    /// nothing to do), then records each as made. One that fails is a
    /// warning, not tried again (a channel that is down gets one attempt, as
    /// a failed send does); only an edit a kill cut off is made by a later
    /// run.
    fn edit(&mut self, ctx: &mut Ctx, edits: Vec<policy::Edit>) -> Result<()> {
        let mut done = Vec::new();
        for edit in edits {
            let Some(kind) = channel_of(&edit.channel).filter(|k| channel::edits(*k)) else {
                done.push(edit);
                continue;
            };
            let text = ctx.config.secrets.scrub(&edit.text);
            let thread = Thread {
                incident_id: Some(edit.incident_id.clone()),
                parent: Some(edit.parent.clone()),
                place: edit.place.clone(),
            };
            let result = match self.channel(ctx, kind) {
                Ok(channel) => channel.edit(&thread, &text),
                Err(e) => Err(e.clone()),
            };
            if let Err(e) = result {
                let text = ctx.config.secrets.scrub(&format!(
                    "could not update the first {kind} message of incident {} ({}: {}); the messages themselves were sent",
                    edit.incident_id, e.kind, e.message
                ));
                ctx.out.warn(&text);
            }
            done.push(edit);
        }
        if !done.is_empty() {
            super::update(ctx, |state, _| {
                for edit in &done {
                    policy::mark_shown(state, edit);
                }
            })?;
        }
        Ok(())
    }
}

/// The channel a conversation is in, from its name in the state.
fn channel_of(name: &str) -> Option<ChannelKind> {
    [
        ChannelKind::Slack,
        ChannelKind::Email,
        ChannelKind::Webhook,
        ChannelKind::Stdout,
    ]
    .into_iter()
    .find(|k| channel::audit_name(*k) == name)
}

/// The incident's conversation in a channel, as threading needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parent {
    reference: Option<String>,
    place: Option<String>,
    subject: String,
}

fn conversation_of(ctx: &Ctx, incident_id: &str, kind: ChannelKind) -> Result<Option<Parent>> {
    let state = super::load(ctx)?;
    Ok(state
        .incidents
        .get(incident_id)
        .and_then(|i: &Incident| i.conversations.get(channel::audit_name(kind)))
        .map(|c| Parent {
            reference: c.parent.clone(),
            place: c.place.clone(),
            subject: c.subject.clone(),
        }))
}

/// Puts `message` in its conversation (pure): the incident's id, and for a
/// reply the parent, with the parent's subject after `Re: ` (`[RESOLVED] `
/// for the resolution).
fn thread(message: &mut Message, letter: &Letter, parent: Option<&Parent>) {
    let Some((incident_id, purpose)) = letter.thread() else {
        return;
    };
    message.thread = Thread {
        incident_id: Some(incident_id.clone()),
        parent: None,
        place: None,
    };
    let Some(Parent {
        reference: Some(reference),
        place,
        subject,
    }) = parent
    else {
        return;
    };
    message.thread.parent = Some(reference.clone());
    message.thread.place = place.clone();
    if !subject.is_empty() {
        message.subject = match purpose {
            Purpose::Resolution => format!("[RESOLVED] {subject}"),
            _ => format!("Re: {subject}"),
        };
    }
}

/// The message's `notification.dispatched` rows.
fn rows(letter: &Letter, fate: &Fate, extra: &Value, now: DateTime<Utc>) -> Vec<Row> {
    let status = if fate.is_sent() {
        RowStatus::Ok
    } else {
        RowStatus::Failed
    };
    letter
        .items
        .iter()
        .map(|item| {
            let mut row = dispatched_row(letter.channel, item, status, now);
            if let Some(error) = fate.error() {
                row.details["error"] = json!(error);
            }
            if let (Value::Object(d), Value::Object(more)) = (&mut row.details, extra) {
                d.extend(more.clone());
            }
            row
        })
        .collect()
}

/// The `notification.dispatched` row of `item` with `status` (design §3): for
/// a message, and for a decision that sends none (`suppressed`,
/// `silenced`). The one place the row is built.
pub fn dispatched_row(
    channel: ChannelKind,
    item: &Item,
    status: RowStatus,
    now: DateTime<Utc>,
) -> Row {
    let mut details = json!({
        "channel": channel::audit_name(channel),
        "ref": item.reference,
        "severity": item.severity,
        "category": item.category,
        "status": status.as_str(),
    });
    if let Some(id) = &item.incident_id {
        details["incident_id"] = json!(id);
    }
    if let (Value::Object(d), Value::Object(more)) = (&mut details, &item.extra) {
        d.extend(more.clone());
    }
    Row::new(Kind::NotificationDispatched, now, details)
        .with_correlation_key(item.correlation_key.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(incidents: Vec<(String, Purpose)>) -> Letter {
        Letter {
            keys: vec!["alerts:notify:a".into()],
            channel: ChannelKind::Email,
            message: Message {
                severity: Severity::Critical,
                subject: "[tend] api is critical".into(),
                text: "api is critical".into(),
                thread: Thread::default(),
            },
            items: Vec::new(),
            incidents,
        }
    }

    fn parent() -> Parent {
        Parent {
            reference: Some("<1@example.org>".into()),
            place: None,
            subject: "[tend] api is critical".into(),
        }
    }

    #[test]
    fn a_first_message_carries_the_incident_and_no_parent() {
        let l = letter(vec![("i1".into(), Purpose::Message)]);
        let mut m = l.message.clone();
        thread(&mut m, &l, None);
        assert_eq!(m.thread.incident_id.as_deref(), Some("i1"));
        assert_eq!(m.thread.parent, None);
        assert_eq!(m.subject, "[tend] api is critical");
        // A conversation whose parent was never accepted: no reply to it.
        let unsent = Parent {
            reference: None,
            ..parent()
        };
        thread(&mut m, &l, Some(&unsent));
        assert_eq!(m.thread.parent, None);
    }

    #[test]
    fn replies_name_the_parent_and_its_subject() {
        for (purpose, subject) in [
            (Purpose::Reminder, "Re: [tend] api is critical"),
            (Purpose::Resolution, "[RESOLVED] [tend] api is critical"),
        ] {
            let l = letter(vec![("i1".into(), purpose)]);
            let mut m = l.message.clone();
            m.subject = "[tend] other".into();
            thread(&mut m, &l, Some(&parent()));
            assert_eq!(m.thread.parent.as_deref(), Some("<1@example.org>"));
            assert_eq!(m.subject, subject);
        }
    }

    #[test]
    fn a_message_about_several_incidents_is_no_reply() {
        let l = letter(vec![
            ("i1".into(), Purpose::Message),
            ("i2".into(), Purpose::Message),
        ]);
        let mut m = l.message.clone();
        thread(&mut m, &l, Some(&parent()));
        assert_eq!(m.thread, Thread::default());
    }

    #[test]
    fn rows_carry_the_fate_and_the_incident() {
        let mut l = letter(vec![("i1".into(), Purpose::Message)]);
        l.items.push(Item {
            reference: "a".into(),
            severity: Severity::Critical,
            category: "api_down".into(),
            correlation_key: "a".into(),
            incident_id: Some("i1".into()),
            extra: json!({"action": "notify"}),
        });
        let now = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let failed = Fate::Failed(SendError {
            channel: ChannelKind::Email,
            kind: "connect".into(),
            message: "refused".into(),
        });
        let row = &rows(&l, &failed, &json!({"attempt": 2}), now)[0];
        Row::check_details(row.kind, &row.details).unwrap();
        assert_eq!(row.details["status"], "failed");
        assert_eq!(row.details["error"], "connect");
        assert_eq!(row.details["incident_id"], "i1");
        assert_eq!(row.details["action"], "notify");
        assert_eq!(row.details["attempt"], 2);
        assert_eq!(row.details["channel"], "email");
        let given_up = &rows(&l, &Fate::GivenUp { attempts: 2 }, &json!({}), now)[0];
        assert_eq!(given_up.details["error"], attempts::GAVE_UP_ERROR);
    }
}
