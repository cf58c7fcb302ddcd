//! Dispatching (SPEC §5 step 4): the engine call, then the send, then the
//! ledger entry, then the audit rows, for one wake or one plain message.

use super::*;
use crate::store::attempts::{self, Attempt, Next};

/// The key of a message in the attempt journal.
pub(super) fn attempt_key(ledger_id: &str) -> String {
    format!("{ATTEMPT_PREFIX}{ledger_id}")
}

impl Consumer<'_> {
    pub(super) fn investigate(&mut self, wake: &WakeRequest) -> Result<Sent> {
        if self.ledger.contains(&wake.id) {
            return Ok(Sent {
                message: MessageKind::Investigation,
                status: SentStatus::AlreadySent,
                error: None,
                engine_status: None,
                diagnosis: None,
            });
        }
        if self.ctx.dry_run {
            return Ok(Sent {
                message: MessageKind::Investigation,
                status: SentStatus::DryRun,
                error: None,
                engine_status: None,
                diagnosis: None,
            });
        }
        if let Next::GiveUp { attempts } = self.attempts.next(&attempt_key(&wake.id), false) {
            return self.give_up(
                &wake.id,
                &wake.id,
                &wake.probe,
                &wake.category,
                wake.severity,
                MessageKind::Investigation,
                attempts,
            );
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
                message::investigation(wake, &recent, &reply.text),
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
            // the run is a partial failure (exit 1, SPEC §10).
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
        let mut sent = self.deliver(
            &wake.id,
            &wake.id,
            &wake.probe,
            &wake.category,
            wake.severity,
            MessageKind::Investigation,
            &message,
            rows,
        )?;
        sent.engine_status = Some(engine_status);
        sent.diagnosis = Some(first_line(&summary));
        Ok(sent)
    }

    /// Sends a message that needs no engine (flapping, settled).
    pub(super) fn send_plain(
        &mut self,
        ledger_id: &str,
        reference: &str,
        probe: &str,
        category: &str,
        kind: MessageKind,
        message: &Message,
    ) -> Result<Sent> {
        if self.ledger.contains(ledger_id) {
            return Ok(Sent {
                message: kind,
                status: SentStatus::AlreadySent,
                error: None,
                engine_status: None,
                diagnosis: None,
            });
        }
        if self.ctx.dry_run {
            return Ok(Sent {
                message: kind,
                status: SentStatus::DryRun,
                error: None,
                engine_status: None,
                diagnosis: None,
            });
        }
        if let Next::GiveUp { attempts } = self.attempts.next(&attempt_key(ledger_id), false) {
            return self.give_up(
                ledger_id,
                reference,
                probe,
                category,
                message.severity,
                kind,
                attempts,
            );
        }
        self.deliver(
            ledger_id,
            reference,
            probe,
            category,
            message.severity,
            kind,
            message,
            Vec::new(),
        )
    }

    /// A message whose [`MAX_ATTEMPTS`](attempts::MAX_ATTEMPTS) attempts were
    /// each cut off before the channel's answer was recorded: not sent a
    /// third time, but recorded in the ledger as given up, with a failed
    /// `notification.dispatched` row, an error naming it, and exit 1.
    #[allow(clippy::too_many_arguments)]
    fn give_up(
        &mut self,
        ledger_id: &str,
        reference: &str,
        probe: &str,
        category: &str,
        severity: crate::severity::Severity,
        kind: MessageKind,
        attempts: u32,
    ) -> Result<Sent> {
        self.error(&format!(
            "{kind} message for {probe}/{category} (wake {reference}) given up: its {attempts} attempts were each cut off before the channel's answer was recorded, so it may or may not have arrived; it is not sent a third time (recorded as {})",
            attempts::GAVE_UP_ERROR
        ));
        self.ctx.out.flush()?;
        self.outcome.failed = true;
        self.outcome.count(WakeCount::Unconfirmed, 1);
        let extra = json!({"attempts": attempts});
        self.record(
            ledger_id,
            reference,
            probe,
            category,
            severity,
            kind,
            Delivery::Unconfirmed,
            Some(attempts::GAVE_UP_ERROR.to_string()),
            extra,
            Vec::new(),
        )
    }

    /// Records the attempt, sends `message`, then records `ledger_id` in the
    /// ledger and writes `rows` and its `notification.dispatched` (after the
    /// pending rows).
    #[allow(clippy::too_many_arguments)]
    fn deliver(
        &mut self,
        ledger_id: &str,
        reference: &str,
        probe: &str,
        category: &str,
        severity: crate::severity::Severity,
        kind: MessageKind,
        message: &Message,
        rows: Vec<Row>,
    ) -> Result<Sent> {
        // The attempt is on disk before the channel is called: a run that
        // is killed inside the send leaves the next one a count to go by.
        let key = attempt_key(ledger_id);
        let attempt = match self.attempts.next(&key, false) {
            Next::Send { attempt } => attempt,
            // Checked by the callers before any engine call.
            Next::GiveUp { .. } | Next::AlreadySent => {
                anyhow::bail!("internal: {kind} message {ledger_id} is not to be sent again")
            }
        };
        self.attempts
            .record(vec![Attempt { key, attempt }], self.now)
            .with_context(|| {
                format!("cannot record the send attempt of the {kind} message for {probe}/{category} ({reference}); it was not sent")
            })?;
        let result = self.send(message);
        let (status, error) = match &result {
            Ok(_) => (Delivery::Ok, None),
            Err(e) => {
                self.error(&format!(
                    "{kind} message for {probe}/{category} ({reference}) not delivered: {e} ({}); recorded as failed, not retried",
                    e.kind
                ));
                self.ctx.out.flush()?;
                self.outcome.failed = true;
                self.outcome.count(WakeCount::SendFailed, 1);
                (Delivery::Failed, Some(e.kind.clone()))
            }
        };
        let mut extra = json!({});
        if let Ok(Delivered {
            detail: Some(detail),
            ..
        }) = &result
        {
            extra["detail"] = Value::String(detail.clone());
        }
        if attempt > 1 {
            extra["attempt"] = json!(attempt);
        }
        self.record(
            ledger_id, reference, probe, category, severity, kind, status, error, extra, rows,
        )
    }

    /// Records a message's fate: the ledger entry first, then its audit rows
    /// (`rows`, then its `notification.dispatched` with `extra`'s fields).
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        ledger_id: &str,
        reference: &str,
        probe: &str,
        category: &str,
        severity: crate::severity::Severity,
        kind: MessageKind,
        status: Delivery,
        error: Option<String>,
        extra: Value,
        mut rows: Vec<Row>,
    ) -> Result<Sent> {
        let mut details = json!({
            "channel": channel::audit_name(self.channel_kind),
            "ref": reference,
            "severity": severity,
            "category": category,
            "probe": probe,
            "message": kind.name(),
            "status": status.row_status(),
        });
        if let Some(error) = &error {
            details["error"] = Value::String(error.clone());
        }
        if let Some(id) = &self.incident {
            details["incident_id"] = Value::String(id.clone());
        }
        if let (Value::Object(details), Value::Object(extra)) = (&mut details, extra) {
            details.extend(extra);
        }
        // The ledger first, right after the channel's answer and before any
        // other write (SPEC §5 step 4): the duplicate window is the send alone,
        // and a failing audit append below cannot make every later run send
        // the message again.
        // The entry carries the message's audit rows until they are appended.
        rows.push(
            Row::new(Kind::NotificationDispatched, self.now, details)
                .with_correlation_key(correlation_key(probe, category)),
        );
        self.ledger.insert(
            ledger_id,
            Entry {
                at: self.now,
                message: kind,
                status,
                unrecorded: rows.clone(),
            },
        );
        state::save(&self.ctx.root.state_file(LEDGER_FILE), &self.ledger)?;
        let mut batch = std::mem::take(&mut self.pending);
        batch.extend(rows);
        self.ctx
            .audit()
            .append(&batch, self.now)
            .with_context(|| {
                format!("{kind} message for {probe}/{category} ({reference}) was sent and is in the ledger (it will not be sent again); its audit rows wait there for the next run")
            })?;
        // Saved with the next commit; a kill before it appends the rows again
        // (same ids) at the next run's start.
        self.ledger_dirty |= self.ledger.recorded(ledger_id);
        self.outcome
            .count(WakeCount::MessagesSent, u64::from(status == Delivery::Ok));
        Ok(Sent {
            message: kind,
            status: SentStatus::Attempted(status),
            error,
            engine_status: None,
            diagnosis: None,
        })
    }

    fn send(&mut self, message: &Message) -> Result<Delivered, SendError> {
        let kind = self.channel_kind;
        let config = &self.ctx.config;
        let channel = self
            .channel
            .get_or_insert_with(|| channel::open(kind, config));
        match channel {
            Ok(channel) => {
                let result = channel.send(message, &mut self.ctx.out);
                // Standard output is the message's destination: flush it now
                // so that a kill after the ledger write cannot lose it.
                if kind == ChannelKind::Stdout {
                    self.ctx.out.flush().map_err(|e| SendError {
                        channel: kind,
                        kind: "io".into(),
                        message: e.to_string(),
                    })?;
                }
                result
            }
            Err(e) => Err(e.clone()),
        }
    }
}

/// The first non-empty line of a diagnosis, what the incident keeps of it.
fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}
