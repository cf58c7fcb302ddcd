//! Reporting what `wake consume` did, item by item (human lines with -v or
//! a dry run, JSON objects with --json).

use super::*;

impl Consumer<'_> {
    /// Whether items are shown at all (JSON, -v, or a dry run).
    pub(super) fn reporting(&self) -> bool {
        self.ctx.out.json || self.ctx.dry_run || self.ctx.out.verbosity == Verbosity::Verbose
    }

    pub(super) fn report(&mut self, line: &str, item: &Value) -> Result<()> {
        if self.ctx.out.json {
            self.ctx.out.json(item)?;
        } else if self.ctx.dry_run {
            self.ctx.out.data(format!("{line}\n").as_bytes())?;
        } else {
            self.ctx.out.item(line)?;
        }
        Ok(())
    }

    pub(super) fn report_wake(
        &mut self,
        wake: &WakeRequest,
        decision: Decision,
        settled: bool,
        already: bool,
        held: Option<&str>,
        sent: &[Sent],
    ) -> Result<()> {
        if !self.reporting() {
            return Ok(());
        }
        let mut item = json!({
            "wake_id": wake.id,
            "ts": format_ts(wake.ts),
            "probe": wake.probe,
            "issue_category": wake.category,
            "severity": wake.severity,
            "decision": decision.name(),
        });
        let mut text = match decision {
            Decision::Buffered { count, required } => {
                item["count"] = json!(count);
                item["required"] = json!(required);
                format!("buffered ({count} of {required})")
            }
            Decision::Window { until } => {
                item["until"] = json!(format_ts(until));
                format!("in window until {}", format_ts(until))
            }
            Decision::Flapping => "flapping (message already sent this episode)".into(),
            other => other.name().replace('_', " "),
        };
        if let Some(id) = held {
            item["decision"] = json!("incident_open");
            item["incident_id"] = json!(id);
            text = format!(
                "held: incident {} is open and nothing changed",
                crate::channel::short_id(id)
            );
        }
        if settled {
            item["settled"] = json!(true);
            text.push_str(", flapping settled");
        }
        if already && sent.is_empty() {
            item["status"] = json!("already_sent");
            text.push_str(" (already sent)");
        }
        if !sent.is_empty() {
            item["channel"] = json!(channel::audit_name(self.channel_kind));
            let messages: Vec<Value> = sent
                .iter()
                .map(|s| {
                    let mut m = json!({"message": s.message, "status": s.status});
                    if let Some(e) = &s.error {
                        m["error"] = json!(e);
                    }
                    if let Some(e) = &s.engine_status {
                        m["engine_status"] = json!(e);
                    }
                    m
                })
                .collect();
            for s in sent {
                let engine = s
                    .engine_status
                    .as_ref()
                    .map(|e| format!(", engine: {e}"))
                    .unwrap_or_default();
                let error = s
                    .error
                    .as_ref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                text.push_str(&format!(
                    "; {} → {} {}{error}{engine}",
                    s.message,
                    self.channel_kind,
                    s.status.name().replace('_', " ")
                ));
            }
            if let Some(last) = sent.last() {
                item["status"] = json!(last.status);
                if let Some(e) = &last.engine_status {
                    item["engine_status"] = json!(e);
                }
                if let Some(e) = &last.error {
                    item["error"] = json!(e);
                }
            }
            item["messages"] = Value::Array(messages);
        }
        let line = format!(
            "{} {}/{} {}: {text}",
            format_ts(wake.ts),
            wake.probe,
            wake.category,
            wake.severity
        );
        self.report(&line, &item)
    }
}
