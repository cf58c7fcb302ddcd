//! `tend alerts test [--channel C]` (design §6): a clearly labelled test message
//! through the real configured channel (by default every channel the alert
//! routes use), reporting success or the exact failure (exit 1).

use anyhow::Result;
use serde_json::json;

use super::AlertsCount;
use super::message::test_message;
use crate::cli::AlertsTestArgs;
use crate::config::ChannelKind;
use crate::ctx::{Ctx, Outcome};
use crate::incidents::outbox::{Fate, Item, Letter, Outbox};
use crate::severity::Severity;

pub fn run(ctx: &mut Ctx, args: &AlertsTestArgs) -> Result<Outcome> {
    let kinds: Vec<ChannelKind> = match args.channel {
        Some(c) => vec![c.into()],
        None => {
            let route = ctx.config.alert_route();
            let mut kinds = vec![route.critical, route.warning, route.info];
            kinds.sort();
            kinds.dedup();
            kinds
        }
    };
    let now = ctx.now();
    let mut outcome = Outcome::default();
    let mut outbox = Outbox::open(ctx)?;
    let mut failures = Vec::new();
    for kind in kinds {
        let message = test_message(kind, now);
        if ctx.dry_run {
            super::notify::would_send(ctx, kind, &message)?;
            continue;
        }
        // Through the one send path (no attempt journal: nobody retries a
        // test), with its row.
        let letter = Letter {
            keys: Vec::new(),
            channel: kind,
            message,
            items: vec![Item {
                reference: "test".into(),
                severity: Severity::Info,
                category: "test".into(),
                correlation_key: "test".into(),
                incident_id: None,
                extra: json!({"test": true}),
            }],
            incidents: Vec::new(),
        };
        match outbox.send(ctx, letter, |_, _, rows| Ok(rows))? {
            Fate::Sent(delivered) => {
                outcome.count(AlertsCount::Sent, 1);
                let detail = delivered
                    .detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                ctx.out
                    .summary(&format!("test message sent via {kind}{detail}"))?;
                ctx.out
                    .json(&json!({"channel": kind, "status": "ok", "detail": delivered.detail}))?;
            }
            Fate::Failed(e) => {
                outcome.count(AlertsCount::Failed, 1);
                failures.push(format!("{kind}: {} ({})", e.message, e.kind));
                ctx.out.json(&json!({
                    "channel": kind,
                    "status": "failed",
                    "error": e.kind,
                    "message": e.message,
                }))?;
            }
            Fate::GivenUp { .. } => anyhow::bail!("internal: a test message was given up"),
        }
    }
    if !failures.is_empty() {
        // An error, so that it is printed even with -q and the exit code is 1.
        ctx.out.flush()?;
        anyhow::bail!("test message not sent: {}", failures.join("; "));
    }
    Ok(outcome)
}
