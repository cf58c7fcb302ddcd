//! The Anthropic Messages API: `POST {base_url}/v1/messages` with `x-api-key`
//! and `anthropic-version`. A `base_url` that already ends in `/v1` (as the
//! SDKs' documentation often shows it) or in `/v1/messages` is not doubled.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Engine, ErrorCode, Failure, Prompt, Reply, Usage, endpoint};
use crate::config::{Deferred, EngineConfig, EngineKind, redact_url};
use crate::http;

/// The URL requested for `base_url`.
pub fn url(base_url: &str) -> String {
    endpoint(base_url, &["/messages", "/v1"], "/v1/messages")
}

/// The API version this client speaks.
const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    agent: ureq::Agent,
    url: String,
    model: String,
    max_tokens: u32,
    key: Option<Deferred>,
}

impl Anthropic {
    /// From a validated `[engine]` (base_url, model and key are present).
    pub fn from_config(engine: &EngineConfig, key: Option<Deferred>) -> Anthropic {
        let base = engine.base_url.as_deref().unwrap_or_default();
        Anthropic {
            agent: http::agent(engine.request_timeout.to_std(), 0),
            url: url(base),
            model: engine.model.clone().unwrap_or_default(),
            max_tokens: engine.max_tokens,
            key,
        }
    }
}

impl Engine for Anthropic {
    fn kind(&self) -> EngineKind {
        EngineKind::Anthropic
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete(&mut self, prompt: &Prompt, timeout: Duration) -> Result<Reply, Failure> {
        let body = json!({
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": prompt.system,
            "messages": [{"role": "user", "content": prompt.user}],
        })
        .to_string();
        let mut request = self
            .agent
            .post(&self.url)
            .timeout(timeout)
            .set("Content-Type", "application/json")
            .set("anthropic-version", API_VERSION);
        let key = super::read_key(self.key.as_ref())?;
        if let Some(key) = &key {
            request = request.set("x-api-key", key.expose());
        }
        let shown = redact_url(&self.url);
        let answer = http::send(request, Some(body.as_bytes()))
            .map_err(|f| Failure::from_http(&f, &format!("POST {shown}"), key.as_ref()))?;
        let reply: Value = serde_json::from_str(&answer.body).map_err(|_| {
            Failure::new(
                ErrorCode::BadResponse,
                format!(
                    "POST {shown} answered HTTP {} with a body that is not JSON",
                    answer.status
                ),
            )
        })?;
        parse(&reply, &self.model).map_err(|f| f.scrubbed(key.as_ref()))
    }
}

/// Reads a Messages API response: the text blocks joined, and the usage. A
/// refused answer (only `tool_use` blocks) still carries the usage the server
/// reported.
pub fn parse(reply: &Value, configured_model: &str) -> Result<Reply, Failure> {
    let usage = reply.get("usage").and_then(|u| {
        Some(Usage::reported(
            u.get("input_tokens")?.as_u64()?,
            u.get("output_tokens")?.as_u64().unwrap_or(0),
        ))
    });
    let refused = |why: &str| Failure::new(ErrorCode::BadResponse, why).spent(usage);
    let blocks = reply
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| refused("the response has no content array"))?;
    let text: Vec<&str> = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    let text = text.join("\n");
    let tool_use = blocks
        .iter()
        .any(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"));
    if tool_use && text.trim().is_empty() {
        return Err(refused("the answer is a tool call instead of prose"));
    }
    Ok(Reply {
        text,
        model: reply
            .get("model")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .unwrap_or(configured_model)
            .to_string(),
        usage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages() {
        let reply = json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
            "content": [{"type": "text", "text": "Token expired."}, {"type": "text", "text": "Next step: rotate."}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 200, "output_tokens": 40}
        });
        let r = parse(&reply, "c").unwrap();
        assert_eq!(r.text, "Token expired.\nNext step: rotate.");
        assert_eq!(r.model, "claude-x");
        assert_eq!(r.usage, Some(Usage::reported(200, 40)));
    }

    #[test]
    fn refuses_tool_use_and_odd_shapes() {
        let tool = json!({"content": [{"type": "tool_use", "name": "restart", "input": {}}],
                          "usage": {"input_tokens": 777, "output_tokens": 33}});
        let refused = parse(&tool, "c").unwrap_err();
        assert_eq!(refused.code, ErrorCode::BadResponse);
        assert!(refused.message.contains("tool call"));
        assert_eq!(
            refused.usage,
            Some(Usage::reported(777, 33)),
            "a refused answer was still billed"
        );
        let bare = json!({"content": [{"type": "tool_use", "name": "restart", "input": {}}]});
        assert_eq!(parse(&bare, "c").unwrap_err().usage, None);
        assert!(parse(&json!({"type": "error"}), "c").is_err());
    }

    #[test]
    fn the_endpoint_is_never_doubled() {
        for base in [
            "https://api.anthropic.com",
            "https://api.anthropic.com/",
            "https://api.anthropic.com/v1",
            "https://api.anthropic.com/v1/",
            "https://api.anthropic.com/v1/messages",
        ] {
            assert_eq!(url(base), "https://api.anthropic.com/v1/messages", "{base}");
        }
        assert_eq!(
            url("http://127.0.0.1:8080/proxy/anthropic/v1"),
            "http://127.0.0.1:8080/proxy/anthropic/v1/messages"
        );
    }
}
