//! A generic JSON webhook: `POST {"text": …}` (Slack and Mattermost incoming
//! webhooks take exactly this). The URL embeds its credential, so it is held as
//! a secret and never printed.

use std::time::Duration;

use serde_json::json;

use super::{CHAT_LIMIT, Channel, Delivered, Message, SendError, Sink, truncate};
use crate::config::{ChannelKind, Config, Secret};
use crate::http;

pub struct WebhookChannel {
    agent: ureq::Agent,
    url: Secret,
}

impl WebhookChannel {
    pub fn from_config(config: &Config) -> Result<WebhookChannel, SendError> {
        let url = config
            .webhook_url()
            .map_err(|e| super::secret_unreadable(ChannelKind::Webhook, &e))?
            .ok_or_else(|| SendError {
                channel: ChannelKind::Webhook,
                kind: "not_configured".into(),
                message: "the webhook is not configured: set webhook.url_env or webhook.url".into(),
            })?;
        let timeout: Duration = config.webhook.timeout.to_std();
        Ok(WebhookChannel {
            agent: http::agent(timeout, 0),
            url,
        })
    }
}

impl Channel for WebhookChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Webhook
    }

    fn send(&mut self, message: &Message, _out: &mut dyn Sink) -> Result<Delivered, SendError> {
        let mut body = json!({"text": truncate(&message.text, CHAT_LIMIT)});
        if let Some(id) = &message.thread.incident_id {
            body["incident_id"] = json!(id);
        }
        let body = body.to_string();
        let request = self
            .agent
            .post(self.url.expose())
            .set("Content-Type", "application/json");
        http::send(request, Some(body.as_bytes()))
            .map(|_| Delivered::default())
            .map_err(|failure| SendError {
                channel: ChannelKind::Webhook,
                kind: failure.code(),
                // ureq's messages can quote the URL: say only what happened.
                message: format!("webhook POST failed: {}", redact_failure(&failure)),
            })
    }
}

fn redact_failure(failure: &http::HttpFailure) -> String {
    match failure {
        http::HttpFailure::Status { code, .. } => format!("HTTP {code}"),
        http::HttpFailure::Timeout => "timed out".into(),
        http::HttpFailure::Dns(_) => "name resolution failed".into(),
        http::HttpFailure::Connect(_) => "connection failed".into(),
        http::HttpFailure::Redirects => "too many redirects".into(),
        http::HttpFailure::Other(_) => "request failed".into(),
    }
}
