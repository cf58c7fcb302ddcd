//! Dispatching (design §5 steps 3-4): the engine call and the message of one
//! wake, or one plain message (flapping, settled). How a message leaves —
//! the attempt journal, threading, the send, the `notification.dispatched`
//! row — is the outbox's ([`crate::incidents::outbox`]); what is decided
//! here is what to say, about which incident, and that the ledger records
//! the answer first.

use super::*;
use crate::incidents::Purpose;
use crate::incidents::outbox::{Fate, Item, Letter};
use crate::store::attempts::{self, Next};

/// The key of a message in the attempt journal.
pub(super) fn attempt_key(ledger_id: &str) -> String {
    format!("{ATTEMPT_PREFIX}{ledger_id}")
}

/// One message of `wake consume`, as its ledger entry and its row name it.
pub(super) struct Outgoing<'a> {
    /// Its id in the ledger (a wake id, or a settled message's id).
    pub ledger_id: &'a str,
    /// `ref` of its row: the row it answers.
    pub reference: &'a str,
    pub probe: &'a str,
    pub category: &'a str,
    pub severity: Severity,
    pub kind: MessageKind,
    /// Its incident and what it is to it.
    pub incident: Option<(String, Purpose)>,
}

impl Outgoing<'_> {
    fn skipped(&self, status: SentStatus) -> Sent {
        Sent {
            message: self.kind,
            status,
            error: None,
            engine_status: None,
        }
    }

    fn letter(&self, channel: ChannelKind, message: Message) -> Letter {
        Letter {
            keys: vec![attempt_key(self.ledger_id)],
            channel,
            message,
            items: vec![Item {
                reference: self.reference.to_string(),
                severity: self.severity,
                category: self.category.to_string(),
                correlation_key: correlation_key(self.probe, self.category),
                incident_id: self.incident.as_ref().map(|(id, _)| id.clone()),
                extra: json!({"probe": self.probe, "message": self.kind.name()}),
            }],
            incidents: self.incident.iter().cloned().collect(),
        }
    }
}

/// The one line of an investigation the incident's parent shows: the
/// diagnosis's first sentence, or why there is none.
pub(super) fn diagnosis_line(result: &Result<String, ErrorCode>) -> String {
    const LIMIT: usize = 160;
    match result {
        Ok(text) => {
            let first = text.lines().map(str::trim).find(|l| !l.is_empty());
            let first = first.unwrap_or_default();
            let sentence = match first.find(". ") {
                Some(end) => &first[..=end],
                None => first,
            };
            let sentence = request::one_line(sentence);
            if sentence.chars().count() <= LIMIT {
                sentence
            } else {
                let cut: String = sentence.chars().take(LIMIT - 1).collect();
                format!("{cut}…")
            }
        }
        Err(ErrorCode::Unavailable) => "sent without investigation (no engine)".into(),
        Err(code) => format!("not investigated ({code})"),
    }
}

impl Consumer<'_> {
    /// The incident of a wake (design §6a): `probe:{probe}:{category}` from
    /// its `down_since` (the first non-OK result), as `alerts notify` names
    /// it. Opens it when the wake comes first; a dry run changes nothing.
    pub(super) fn incident_of(&mut self, wake: &WakeRequest) -> Result<String> {
        let alert_id = correlation_key(&wake.probe, &wake.category);
        let title = format!("{} is {}", wake.probe, wake.severity);
        let facts = incident_policy::Facts {
            alert_id: &alert_id,
            started_at: wake.down_since.unwrap_or(wake.ts),
            severity: wake.severity,
            category: &wake.category,
            title: &title,
            summary: &wake.summary,
        };
        let now = self.now;
        crate::incidents::update(self.ctx, |state, events| {
            let (id, event) = incident_policy::observe(state, &facts, now);
            events.extend(event);
            id
        })
    }

    /// The open incident of `probe:{probe}:{category}`, if any: where a
    /// message that opens nothing (a settled flapping) belongs.
    pub(super) fn open_incident(&self, probe: &str, category: &str) -> Result<Option<String>> {
        let state = crate::incidents::load(self.ctx)?;
        Ok(
            incident_policy::open_of(&state, &correlation_key(probe, category))
                .map(|i| i.id.clone()),
        )
    }

    pub(super) fn investigate(&mut self, wake: &WakeRequest) -> Result<Sent> {
        let mut out = Outgoing {
            ledger_id: &wake.id,
            reference: &wake.id,
            probe: &wake.probe,
            category: &wake.category,
            severity: wake.severity,
            kind: MessageKind::Investigation,
            incident: None,
        };
        if let Some(skipped) = self.skip(&out) {
            return Ok(skipped);
        }
        if let Next::GiveUp { attempts } = self.outbox.next(&attempt_key(&wake.id)) {
            return self.give_up(&out, attempts);
        }
        let recent = self.recent_of(&wake.probe);
        let prompt = prompt::build(wake, &recent);
        let spent = self.budget.spent_on(self.now);
        let investigation = self.investigator.investigate(&prompt, spent);
        let key = correlation_key(&wake.probe, &wake.category);
        let mut rows = Vec::new();
        if let Some(called) = &investigation.called {
            self.budget.record(self.now, called.cost_usd);
            state::save(&self.ctx.root.state_file(budget::FILE), &self.budget)?;
            if called.usage.is_some()
                && !self.investigator.has_price()
                && self.warned.insert("price".into())
            {
                self.ctx.out.note(&format!(
                    "[engine] prices has no entry for model {:?}: its calls count as $0 toward max_daily_cost_usd",
                    self.investigator.model().unwrap_or_default()
                ));
            }
            let status = match &investigation.result {
                Ok(_) => "ok".to_string(),
                Err(f) => f.code.to_string(),
            };
            let usage = called.usage.unwrap_or_default();
            let mut details = json!({
                "route": ROUTE,
                "model": called.model,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "usage_reported": called.usage.is_some_and(|u| !u.estimated),
                "cost_usd": called.cost_usd,
                "latency_ms": called.latency_ms,
                "escalated": false,
                "status": status,
                "caller_session_id": key,
                "wake_id": wake.id,
            });
            if usage.estimated {
                details["usage_estimated"] = json!(true);
            }
            rows.push(
                Row::new(Kind::InferenceRecorded, self.now, details)
                    .with_correlation_key(key.clone()),
            );
        }
        let (message, engine_status, summary, recommendation) = match &investigation.result {
            Ok(reply) => (
                message::investigation(wake, &reply.text),
                EngineStatus::Ok,
                reply.text.clone(),
                prompt::next_step(&reply.text),
            ),
            Err(failure) => {
                let code = failure.code.to_string();
                if failure.code != ErrorCode::Unavailable && self.warned.insert(code.clone()) {
                    let text = format!(
                        "wake {} ({}/{}): the engine failed ({code}): {}; sending the fallback message",
                        wake.id, wake.probe, wake.category, failure.message
                    );
                    // A rejected credential must never go unnoticed.
                    if matches!(failure.code, ErrorCode::Http(401 | 403)) {
                        self.error(&text);
                    } else {
                        self.warn(&text);
                    }
                }
                (
                    message::fallback(wake, &recent, &failure.code),
                    EngineStatus::Failed(failure.code.clone()),
                    wake.summary.clone(),
                    String::new(),
                )
            }
        };
        match &investigation.result {
            Ok(_) => {}
            // A deliberate no-engine set-up is not a failure, nor is a
            // budget doing its job.
            Err(f) if f.code == ErrorCode::Unavailable => {
                self.outcome.count(WakeCount::NoEngine, 1);
            }
            Err(f) if f.code == ErrorCode::CostLadderHalted => {
                self.outcome.count(WakeCount::BudgetSpent, 1);
            }
            // The engine was asked and failed: the fallback went out, and
            // the run is a partial failure (exit 1, design §10).
            Err(f) => {
                debug_assert!(f.code.is_failure());
                self.outcome.count(WakeCount::EngineFailed, 1);
                self.outcome.failed = true;
            }
        }
        rows.push(
            Row::new(
                Kind::ProbeInvestigationCompleted,
                self.now,
                json!({
                    "probe": wake.probe,
                    "issue_category": wake.category,
                    "severity": wake.severity,
                    "wake_id": wake.id,
                    "caller_session_id": key,
                    "route": ROUTE,
                    "engine_status": engine_status,
                    "summary": summary,
                    "recommendation_text": recommendation,
                    "autofix_attempted": false,
                }),
            )
            .with_correlation_key(key),
        );
        let line = diagnosis_line(
            &investigation
                .result
                .as_ref()
                .map(|r| r.text.clone())
                .map_err(|f| f.code.clone()),
        );
        let incident = self.incident_of(wake)?;
        out.incident = Some((
            incident,
            Purpose::Investigation {
                severity: wake.severity,
                summary: wake.summary.clone(),
                line,
                reminder: false,
            },
        ));
        let mut sent = self.deliver(&out, message, rows)?;
        sent.engine_status = Some(engine_status);
        Ok(sent)
    }

    /// Sends a message that needs no engine (flapping, settled).
    pub(super) fn send_plain(&mut self, out: &Outgoing<'_>, message: Message) -> Result<Sent> {
        if let Some(skipped) = self.skip(out) {
            return Ok(skipped);
        }
        if let Next::GiveUp { attempts } = self.outbox.next(&attempt_key(out.ledger_id)) {
            return self.give_up(out, attempts);
        }
        self.deliver(out, message, Vec::new())
    }

    /// A message not to send at all: in the ledger already, or a dry run.
    fn skip(&self, out: &Outgoing<'_>) -> Option<Sent> {
        if self.ledger.contains(out.ledger_id) {
            Some(out.skipped(SentStatus::AlreadySent))
        } else if self.ctx.dry_run {
            Some(out.skipped(SentStatus::DryRun))
        } else {
            None
        }
    }

    /// A message whose [`MAX_ATTEMPTS`](attempts::MAX_ATTEMPTS) attempts were
    /// each cut off before the channel's answer was recorded: not sent a
    /// third time, but recorded in the ledger as given up, with a failed
    /// `notification.dispatched` row, an error naming it, and exit 1.
    fn give_up(&mut self, out: &Outgoing<'_>, attempts: u32) -> Result<Sent> {
        self.error(&format!(
            "{} message for {}/{} (wake {}) given up: its {attempts} attempts were each cut off before the channel's answer was recorded, so it may or may not have arrived; it is not sent a third time (recorded as {})",
            out.kind,
            out.probe,
            out.category,
            out.reference,
            attempts::GAVE_UP_ERROR
        ));
        self.ctx.out.flush()?;
        self.outcome.failed = true;
        self.outcome.count(WakeCount::Unconfirmed, 1);
        // What it would have said: only its row is written.
        let unsent = Message {
            severity: out.severity,
            subject: String::new(),
            text: String::new(),
            thread: Default::default(),
        };
        let letter = out.letter(self.channel_kind, unsent);
        let fate = self
            .outbox
            .give_up(self.ctx, &letter, attempts, |ctx, fate, dispatched| {
                record(
                    ctx,
                    &mut self.ledger,
                    &mut self.pending,
                    out,
                    fate,
                    Vec::new(),
                    dispatched,
                )
            })?;
        self.recorded(out, &fate)
    }

    /// Sends `message` through the outbox; the ledger records the answer
    /// first, with the message's rows (`rows`, then its
    /// `notification.dispatched`), and the rows follow the pending ones.
    fn deliver(&mut self, out: &Outgoing<'_>, message: Message, rows: Vec<Row>) -> Result<Sent> {
        let letter = out.letter(self.channel_kind, message);
        let fate = self
            .outbox
            .send(self.ctx, letter, |ctx, fate, dispatched| {
                record(
                    ctx,
                    &mut self.ledger,
                    &mut self.pending,
                    out,
                    fate,
                    rows,
                    dispatched,
                )
            })?;
        if let Fate::Failed(e) = &fate {
            self.error(&format!(
                "{} message for {}/{} ({}) not delivered: {e} ({}); recorded as failed, not retried",
                out.kind, out.probe, out.category, out.reference, e.kind
            ));
            self.ctx.out.flush()?;
            self.outcome.failed = true;
            self.outcome.count(WakeCount::SendFailed, 1);
        }
        self.recorded(out, &fate)
    }

    /// After the rows are in the log: the ledger entry no longer carries
    /// them (saved with the next commit; a kill before it appends them again,
    /// with the same ids, at the next run's start).
    fn recorded(&mut self, out: &Outgoing<'_>, fate: &Fate) -> Result<Sent> {
        self.ledger_dirty |= self.ledger.recorded(out.ledger_id);
        let status = delivery(fate);
        self.outcome
            .count(WakeCount::MessagesSent, u64::from(status == Delivery::Ok));
        Ok(Sent {
            message: out.kind,
            status: SentStatus::Attempted(status),
            error: fate.error(),
            engine_status: None,
        })
    }
}

fn delivery(fate: &Fate) -> Delivery {
    match fate {
        Fate::Sent(_) => Delivery::Ok,
        Fate::Failed(_) => Delivery::Failed,
        Fate::GivenUp { .. } => Delivery::Unconfirmed,
    }
}

/// The owner's record of a message (design §5 step 4): the ledger entry
/// first, right after the channel's answer and before any other write, so
/// the duplicate window is the send alone and a failing audit append cannot
/// make every later run send the message again. The entry carries the
/// message's rows until they are appended; the pending rows go first.
fn record(
    ctx: &mut Ctx,
    ledger: &mut WakeLedger,
    pending: &mut Vec<Row>,
    out: &Outgoing<'_>,
    fate: &Fate,
    mut rows: Vec<Row>,
    dispatched: Vec<Row>,
) -> Result<Vec<Row>> {
    rows.extend(dispatched);
    ledger.insert(
        out.ledger_id,
        Entry {
            at: ctx.now(),
            message: out.kind,
            status: delivery(fate),
            unrecorded: rows.clone(),
        },
    );
    state::save(&ctx.root.state_file(LEDGER_FILE), &*ledger)?;
    let mut batch = std::mem::take(pending);
    batch.extend(rows);
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_shows_one_line_of_the_diagnosis() {
        let text = "The Fly API rejects the token. It was rotated.\nNext step: rotate it.";
        assert_eq!(
            diagnosis_line(&Ok(text.into())),
            "The Fly API rejects the token."
        );
        assert_eq!(diagnosis_line(&Ok("\n\n  one line  ".into())), "one line");
        let long = "x".repeat(500);
        let line = diagnosis_line(&Ok(long));
        assert_eq!(line.chars().count(), 160);
        assert!(line.ends_with('…'));
        assert_eq!(
            diagnosis_line(&Err(ErrorCode::Unavailable)),
            "sent without investigation (no engine)"
        );
        assert_eq!(
            diagnosis_line(&Err(ErrorCode::Timeout)),
            "not investigated (engine_timeout)"
        );
    }
}
