//! The default channel: the message on standard output (cron mails it). In
//! `--json` mode it is one JSON object, so the output stays JSON Lines.
//!
//! The message counts as accepted only once it is written and flushed without
//! error (SPEC §6): a full disk, a closed pipe or any other write error on
//! standard output is a failed send, and nothing may record the message as
//! sent before the flush returned.

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
        }
        .and_then(|()| out.flush());
        if result.is_err() {
            out.abandon_stdout();
        }
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
