//! The default channel: the message on standard output (cron mails it). In
//! `--json` mode it is one JSON object, so the output stays JSON Lines.

use std::io::{self, Write};

use serde_json::json;

use super::{Channel, Delivered, Message, SendError, Sink};
use crate::config::ChannelKind;

pub struct StdoutChannel;

impl Channel for StdoutChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Stdout
    }

    fn send(&mut self, message: &Message, out: &mut dyn Sink) -> Result<Delivered, SendError> {
        let result = if out.json_mode() {
            let line =
                json!({"message": message.text, "severity": message.severity, "channel": "stdout"});
            write_json_line(out.stdout(), &line)
        } else {
            out.stdout()
                .write_all(format!("{}\n\n", message.text.trim_end()).as_bytes())
        };
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
    serde_json::to_writer(&mut *w, value)?;
    w.write_all(b"\n")
}
