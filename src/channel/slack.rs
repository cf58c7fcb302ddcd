//! Slack DM through the Web API's `chat.postMessage` with a bot token, to the
//! operator's user id. Slack answers HTTP 200 with `{"ok": false, "error": …}`
//! for most failures: those are surfaced by name (`slack_channel_not_found`).
//! HTTP 429 is retried once after `Retry-After` when that fits the timeout.
//!
//! Threads (design §6a): a reply carries the parent's `thread_ts`; the parent
//! is edited with `chat.update` in the DM's channel (`Delivered::place`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{CHAT_LIMIT, Channel, Delivered, Message, SendError, Sink, Thread, truncate};
use crate::config::{ChannelKind, Config, Secret};
use crate::http::{self, HttpFailure};

pub struct SlackChannel {
    agent: ureq::Agent,
    /// The Web API's base, e.g. `https://slack.com/api`.
    api: String,
    token: Secret,
    user_id: String,
    timeout: Duration,
}

impl SlackChannel {
    pub fn from_config(config: &Config) -> Result<SlackChannel, SendError> {
        let missing = |what: &str| SendError {
            channel: ChannelKind::Slack,
            kind: "not_configured".into(),
            message: format!("slack is not configured: {what}"),
        };
        let token = config
            .slack_token()
            .map_err(|e| super::secret_unreadable(ChannelKind::Slack, &e))?
            .ok_or_else(|| missing("no token (slack.token_env or slack.token_file)"))?;
        let user_id = config
            .slack
            .user_id
            .clone()
            .ok_or_else(|| missing("no slack.user_id"))?;
        let timeout = config.slack.timeout.to_std();
        Ok(SlackChannel {
            agent: http::agent(timeout, 0),
            api: config.slack.api_base.trim_end_matches('/').to_string(),
            token,
            user_id,
            timeout,
        })
    }

    fn error(kind: impl Into<String>, message: impl Into<String>) -> SendError {
        SendError {
            channel: ChannelKind::Slack,
            kind: kind.into(),
            message: message.into(),
        }
    }

    /// One POST of `method`, bounded by `timeout` (what is left of the
    /// send's time bound).
    fn post(
        &self,
        method: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<http::Answer, HttpFailure> {
        let request = self
            .agent
            .post(&format!("{}/{method}", self.api))
            .timeout(timeout)
            .set("Authorization", &format!("Bearer {}", self.token.expose()))
            .set("Content-Type", "application/json; charset=utf-8");
        http::send(request, Some(body))
    }
}

impl Channel for SlackChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Slack
    }

    fn send(&mut self, message: &Message, _out: &mut dyn Sink) -> Result<Delivered, SendError> {
        let mut body = json!({
            "channel": self.user_id,
            "text": escape(&truncate(&message.text, CHAT_LIMIT)),
            "unfurl_links": false,
            "unfurl_media": false,
        });
        if let Some(parent) = &message.thread.parent {
            body["thread_ts"] = json!(parent);
        }
        let reply = self.call("chat.postMessage", &body)?;
        Ok(Delivered {
            detail: reply["ts"].as_str().map(str::to_string),
            place: reply["channel"].as_str().map(str::to_string),
        })
    }

    fn edit(&mut self, thread: &Thread, text: &str) -> Result<(), SendError> {
        let (Some(ts), Some(channel)) = (&thread.parent, &thread.place) else {
            return Ok(());
        };
        let body = json!({
            "channel": channel,
            "ts": ts,
            "text": escape(&truncate(text, CHAT_LIMIT)),
        });
        self.call("chat.update", &body).map(|_| ())
    }

    fn threads(&self) -> bool {
        true
    }
}

impl SlackChannel {
    /// Calls a Web API `method` with `body`: one retry after a 429 when the
    /// wait fits the timeout; Slack's `ok:false` answers surface by name.
    fn call(&self, method: &str, body: &Value) -> Result<Value, SendError> {
        let body = body.to_string();
        let started = Instant::now();
        let mut answer = self.post(method, body.as_bytes(), self.timeout);
        if let Err(HttpFailure::Status {
            code: 429,
            retry_after,
            ..
        }) = &answer
        {
            // One retry, and only when waiting still leaves time to send.
            let wait = retry_after.unwrap_or(Duration::from_secs(1));
            let left = self.timeout.saturating_sub(started.elapsed() + wait);
            if !left.is_zero() {
                std::thread::sleep(wait);
                answer = self.post(method, body.as_bytes(), left);
            }
        }
        let answer = answer.map_err(|failure| match &failure {
            HttpFailure::Status {
                code: 429,
                retry_after,
                ..
            } => Self::error(
                "rate_limited",
                format!(
                    "Slack rate-limited the request (HTTP 429, Retry-After {}s)",
                    retry_after.map_or(0, |d| d.as_secs())
                ),
            ),
            other => Self::error(
                other.code(),
                // An error body could echo the request: never show the token.
                format!("{method} failed: {other}").replace(self.token.expose(), "<redacted>"),
            ),
        })?;
        let reply: Value = serde_json::from_str(&answer.body).map_err(|_| {
            Self::error(
                "bad_response",
                format!(
                    "{method} answered HTTP {} with a body that is not JSON",
                    answer.status
                ),
            )
        })?;
        if reply["ok"].as_bool() == Some(true) {
            return Ok(reply);
        }
        let error = reply["error"].as_str().unwrap_or("unknown_error");
        Err(Self::error(
            format!("slack_{error}"),
            format!("{method} answered ok:false, error {error:?}"),
        ))
    }
}

/// Escapes the three characters Slack's `mrkdwn` treats as control characters,
/// so that text from a probe or an engine cannot ping `<!channel>` or forge a
/// link.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters() {
        assert_eq!(
            escape("<!channel> a & b > c"),
            "&lt;!channel&gt; a &amp; b &gt; c"
        );
        assert_eq!(escape("🚨 Probe alert · fly"), "🚨 Probe alert · fly");
    }
}
