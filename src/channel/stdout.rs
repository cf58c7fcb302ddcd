//! The default channel: the message on standard output (cron mails it). In
//! `--json` mode it is one JSON object, so the output stays JSON Lines.
//!
//! The message counts as accepted only once it is written and flushed without
//! error (design §6): a full disk, a closed pipe or any other write error on
//! standard output is a failed send, and nothing may record the message as
//! sent before the flush returned.

use std::io::{self, Write};

use serde_json::json;

use super::{Channel, Delivered, Message, SendError, Sink};
use crate::config::ChannelKind;
use crate::store::redact;
use crate::terminal;

pub struct StdoutChannel;

impl Channel for StdoutChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Stdout
    }

    fn send(&mut self, message: &Message, out: &mut dyn Sink) -> Result<Delivered, SendError> {
        let result = if out.json_mode() {
            let mut line =
                json!({"message": message.text, "severity": message.severity, "channel": "stdout"});
            if let Some(id) = &message.thread.incident_id {
                line["incident_id"] = json!(id);
            }
            write_json_line(out.stdout(), &line)
        } else {
            // Each message starts with its incident's short id, so that grep
            // finds an incident's story in cron mail (design §6a).
            let text = match &message.thread.incident_id {
                Some(id) => format!("[{}] {}", super::short_id(id), message.text.trim_end()),
                None => message.text.trim_end().to_string(),
            };
            // Secrets scrubbed and control characters escaped (design §10), as
            // for everything else printed.
            let text = redact::scrub(&text);
            let text = terminal::escape_control(&text);
            out.stdout().write_all(format!("{text}\n\n").as_bytes())
        }
        .and_then(|()| out.stdout().flush());
        if result.is_err() {
            out.abandon_stdout();
        }
        result.map(|_| Delivered::default()).map_err(|e| SendError {
            channel: ChannelKind::Stdout,
            kind: if e.kind() == io::ErrorKind::BrokenPipe {
                "broken_pipe".into()
            } else {
                "io".into()
            },
            message: e.to_string(),
        })
    }
}

fn write_json_line(w: &mut dyn Write, value: &serde_json::Value) -> io::Result<()> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    w.write_all(&redact::scrub_bytes(&line))
}
