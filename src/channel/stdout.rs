//! The default channel: the message on standard output (cron mails it). In
//! `--json` mode it is one JSON object, so the output stays JSON Lines.

use serde_json::json;

use super::{Channel, Delivered, Message, SendError};
use crate::config::ChannelKind;
use crate::ctx::Output;

pub struct StdoutChannel;

impl Channel for StdoutChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Stdout
    }

    fn send(&mut self, message: &Message, out: &mut Output) -> Result<Delivered, SendError> {
        let result = if out.json {
            out.json(&json!({"message": message.text, "severity": message.severity, "channel": "stdout"}))
        } else {
            out.data(format!("{}\n\n", message.text.trim_end()).as_bytes())
        };
        result.map(|_| Delivered::default()).map_err(|e| SendError {
            channel: ChannelKind::Stdout,
            kind: if e.kind() == std::io::ErrorKind::BrokenPipe {
                "broken_pipe".into()
            } else {
                "io".into()
            },
            message: e.to_string(),
        })
    }
}
