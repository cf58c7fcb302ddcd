//! Where operator messages go (design §5 operator channel, §6 routing): standard
//! output, a Slack DM, a generic JSON webhook, or email — behind one small
//! trait, shared by `wake consume` and `alerts`.

pub mod email;
pub mod slack;
pub mod stdout;
pub mod webhook;

use std::io::Write;

use crate::config::{ChannelKind, Config, SecretError};
use crate::severity::Severity;

/// A message for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub severity: Severity,
    /// One line: an email's subject, a chat message's first line.
    pub subject: String,
    /// The whole text as a chat message shows it (first line included).
    pub text: String,
    /// The conversation it belongs to (design §6a); default: none.
    pub thread: Thread,
}

/// Where a message belongs: its incident and, for a reply, the parent
/// message of the incident's conversation in this channel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Thread {
    /// The incident's id: standard output starts the message with its short
    /// form, the webhook payload carries it.
    pub incident_id: Option<String>,
    /// The parent to reply to: a Slack `ts`, an email's `Message-ID`.
    pub parent: Option<String>,
    /// Where the parent is (a Slack DM's channel id), for edits.
    pub place: Option<String>,
}

/// A successful send; `detail` is what the service returned to find it again
/// (a Slack message `ts`, an email's `Message-ID`), when anything, and
/// `place` where it is (a Slack DM's channel id).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delivered {
    pub detail: Option<String>,
    pub place: Option<String>,
}

/// A failed send. `kind` is the error type recorded in the audit row
/// (`notification.dispatched` `error`): `timeout`, `connect`, `http_500`,
/// `slack_channel_not_found`, … `message` is for people and never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{channel}: {message}")]
pub struct SendError {
    pub channel: ChannelKind,
    pub kind: String,
    pub message: String,
}

/// The error kind of a send whose channel's secret cannot be read.
pub const SECRET_UNREADABLE: &str = "secret_unreadable";

/// A channel whose secret cannot be read (design §10): a failed send of that
/// channel, like any other. The message names the key, not the variable or
/// file: the run names those once, at its end ([`Config::secret_failures`]).
pub fn secret_unreadable(channel: ChannelKind, err: &SecretError) -> SendError {
    SendError {
        channel,
        kind: SECRET_UNREADABLE.into(),
        message: format!("its secret cannot be read ({})", err.key),
    }
}

/// The run's standard output as the stdout channel needs it: where to write,
/// and whether the run prints JSON Lines. The command context implements it;
/// channels know nothing above them.
pub trait Sink {
    /// `--json`: every line on standard output is one JSON object.
    fn json_mode(&self) -> bool;
    fn stdout(&mut self) -> &mut dyn Write;
    /// Gives up on standard output after a write to it failed, so the failure
    /// is reported once, as a failed send.
    fn abandon_stdout(&mut self);
}

/// A place messages can be sent.
pub trait Channel {
    fn kind(&self) -> ChannelKind;
    /// Sends one message; `out` is where the stdout channel writes.
    fn send(&mut self, message: &Message, out: &mut dyn Sink) -> Result<Delivered, SendError>;

    /// Edits the parent message of a conversation (`thread.parent` in
    /// `thread.place`) to read `text`: Slack's `chat.update`. Channels whose
    /// messages cannot be edited do nothing.
    fn edit(&mut self, _thread: &Thread, _text: &str) -> Result<(), SendError> {
        Ok(())
    }

    /// Whether a reply can point at its parent (`Delivered::detail`).
    fn threads(&self) -> bool {
        false
    }
}

/// An incident's short id (design §6a): its first 8 characters, what messages
/// on standard output start with.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The name of a channel in `notification.dispatched` rows (design §3:
/// slack_dm / email / webhook / stdout).
pub fn audit_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Slack => "slack_dm",
        other => other.as_str(),
    }
}

/// Whether channel `kind` can edit a message it sent (Slack's
/// `chat.update`): known without opening it.
pub fn edits(kind: ChannelKind) -> bool {
    kind == ChannelKind::Slack
}

/// Opens the channel `kind` with the (validated) configuration, reading its
/// secret now: a channel is opened when the first message for it is sent.
pub fn open(kind: ChannelKind, config: &Config) -> Result<Box<dyn Channel>, SendError> {
    match kind {
        ChannelKind::Stdout => Ok(Box::new(stdout::StdoutChannel)),
        ChannelKind::Slack => Ok(Box::new(slack::SlackChannel::from_config(config)?)),
        ChannelKind::Webhook => Ok(Box::new(webhook::WebhookChannel::from_config(config)?)),
        ChannelKind::Email => Ok(Box::new(email::EmailChannel::from_config(config)?)),
    }
}

/// The most characters a chat message carries; longer text is cut with a
/// visible marker. Slack truncates messages past 40,000 characters and shows
/// long ones badly well before that; 3,800 keeps a message readable in one
/// screen and safely below every chat service's limit.
pub const CHAT_LIMIT: usize = 3_800;

/// Cuts `text` to at most `limit` characters, ending with a marker that says how
/// much was left out. Cuts on a character boundary (never inside UTF-8).
pub fn truncate(text: &str, limit: usize) -> String {
    let total = text.chars().count();
    if total <= limit {
        return text.to_string();
    }
    let marker = |cut: usize| format!("\n… [truncated: {cut} more characters]");
    // Reserve room for the marker (its length depends on the number, bounded).
    let room = limit.saturating_sub(marker(total).chars().count());
    let kept: String = text.chars().take(room).collect();
    format!("{kept}{}", marker(total - room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_short_text_and_marks_cuts() {
        assert_eq!(truncate("short", 10), "short");
        let long = "é".repeat(5000);
        let cut = truncate(&long, CHAT_LIMIT);
        assert!(cut.chars().count() <= CHAT_LIMIT);
        assert!(cut.ends_with("more characters]"), "{cut}");
        let left: usize = cut
            .rsplit("truncated: ")
            .next()
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(cut.chars().take_while(|c| *c == 'é').count() + left, 5000);
    }
}
