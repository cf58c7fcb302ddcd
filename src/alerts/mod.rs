//! `tend alerts …` (design §6): push newly firing alerts to Slack, email, a
//! webhook or standard output without spam.
//!
//! - [`source`]: where active alerts come from (probe state, `--from` inputs);
//! - [`diff`]: the pure set difference and every anti-spam rule;
//! - [`message`]: the text of each message;
//! - [`notify`], [`digest`], [`silence`], [`list`], [`send_test`]: the commands.

pub mod diff;
pub mod digest;
pub mod list;
pub mod message;
pub mod notify;
pub mod send_test;
pub mod silence;
pub mod source;

use anyhow::Result;

use crate::cli::AlertsCommand;
use crate::ctx::{Ctx, Outcome, counters};

counters! {
    /// What the alerts commands count (run records and JSON summaries).
    pub enum AlertsCount {
        Active = "active",
        Added = "added",
        Alerts = "alerts",
        Expired = "expired",
        Failed = "failed",
        Messages = "messages",
        Notified = "notified",
        Queued = "queued",
        Reminded = "reminded",
        Resolved = "resolved",
        Sent = "sent",
        Silenced = "silenced",
        SilencesEnded = "silences_ended",
        Suppressed = "suppressed",
        Unconfirmed = "unconfirmed",
    }
}

pub fn run(ctx: &mut Ctx, command: &AlertsCommand) -> Result<Outcome> {
    match command {
        AlertsCommand::Notify(args) => notify::run(ctx, args),
        AlertsCommand::List(args) => list::run(ctx, args),
        AlertsCommand::Digest(_) => digest::run(ctx),
        AlertsCommand::Test(args) => send_test::run(ctx, args),
        AlertsCommand::Silence(command) => silence::run(ctx, command),
    }
}

/// What `tend status` shows of alerts: the recorded alerts by status and the
/// silences in force. `None` before `alerts notify` ever ran.
#[derive(Debug, serde::Serialize)]
pub struct StatusSummary {
    pub recorded: usize,
    pub by_status: std::collections::BTreeMap<diff::Status, usize>,
    /// Active alerts (those recorded) per severity, every severity present.
    pub by_severity: std::collections::BTreeMap<&'static str, usize>,
    pub silences_active: usize,
    /// Digest lines given up in the last week ([`digest::unconfirmed`]).
    pub digest_unconfirmed: usize,
    /// What could not be read (unreadable lines of the digest's given-up
    /// file), for `tend status` to warn about.
    #[serde(skip)]
    pub problems: Vec<String>,
}

impl StatusSummary {
    pub fn line(&self) -> String {
        let parts: Vec<String> = self
            .by_status
            .iter()
            .map(|(status, n)| {
                let word = match status {
                    diff::Status::Ok => "notified",
                    other => other.as_str(),
                };
                format!("{n} {word}")
            })
            .collect();
        let mut line = format!("alerts: {} recorded ({})", self.recorded, parts.join(", "));
        if self.silences_active > 0 {
            let noun = if self.silences_active == 1 {
                "silence"
            } else {
                "silences"
            };
            line.push_str(&format!("; {} {noun} active", self.silences_active));
        }
        if self.digest_unconfirmed > 0 {
            line.push_str(&format!(
                "; digest: {} given up in the last {} days, unconfirmed after {} attempts (tend audit tail --kind notification.dispatched)",
                self.digest_unconfirmed,
                digest::UNCONFIRMED_KEPT.num_days(),
                crate::store::attempts::MAX_ATTEMPTS
            ));
        }
        line
    }
}

pub fn status_summary(ctx: &Ctx) -> Result<Option<StatusSummary>> {
    let (digest_unconfirmed, problems) = digest::unconfirmed(ctx)?;
    let state = match ctx.load_state::<diff::Notified>(notify::STATE_FILE)? {
        Some(state) => state,
        None if digest_unconfirmed > 0 || !problems.is_empty() => diff::Notified::default(),
        None => return Ok(None),
    };
    let mut by_status = std::collections::BTreeMap::new();
    let mut by_severity: std::collections::BTreeMap<&'static str, usize> =
        crate::severity::Severity::ALL
            .iter()
            .map(|s| (s.as_str(), 0))
            .collect();
    for entry in state.alerts.values() {
        *by_status.entry(entry.status).or_default() += 1;
        *by_severity.entry(entry.severity.as_str()).or_default() += 1;
    }
    let now = ctx.now();
    let (silences, _) = silence::load_active(ctx)?;
    Ok(Some(StatusSummary {
        recorded: state.alerts.len(),
        by_status,
        by_severity,
        silences_active: silences.iter().filter(|s| s.is_active_at(now)).count(),
        digest_unconfirmed,
        problems,
    }))
}
