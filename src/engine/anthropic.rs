//! The Anthropic Messages API: `POST {base_url}/v1/messages` with `x-api-key`
//! and `anthropic-version`.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Engine, ErrorCode, Failure, Prompt, Reply, Usage, scrub};
use crate::config::{EngineConfig, EngineKind, Secret};
use crate::http;

/// The API version this client speaks.
const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    agent: ureq::Agent,
    url: String,
    model: String,
    max_tokens: u32,
    key: Option<Secret>,
}

impl Anthropic {
    /// From a validated `[engine]` (base_url, model and key are present).
    pub fn from_config(engine: &EngineConfig, key: Option<Secret>) -> Anthropic {
        let base = engine.base_url.as_deref().unwrap_or_default();
        Anthropic {
            agent: http::agent(engine.request_timeout.to_std(), 0),
            url: format!("{}/v1/messages", base.trim_end_matches('/')),
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
        if let Some(key) = &self.key {
            request = request.set("x-api-key", key.expose());
        }
        let answer = http::send(request, Some(body.as_bytes()))
            .map_err(|f| Failure::from_http(&f, "POST /v1/messages", self.key.as_ref()))?;
        let reply: Value = serde_json::from_str(&answer.body).map_err(|_| {
            Failure::new(
                ErrorCode::BadResponse,
                format!(
                    "/v1/messages answered HTTP {} with a body that is not JSON",
                    answer.status
                ),
            )
        })?;
        parse(&reply, &self.model)
            .map_err(|m| Failure::new(ErrorCode::BadResponse, scrub(&m, self.key.as_ref())))
    }
}

/// Reads a Messages API response: the text blocks joined, and the usage.
pub fn parse(reply: &Value, configured_model: &str) -> Result<Reply, String> {
    let blocks = reply
        .get("content")
        .and_then(Value::as_array)
        .ok_or("the response has no content array")?;
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
        return Err("the answer is a tool call instead of prose".into());
    }
    let usage = reply.get("usage").and_then(|u| {
        Some(Usage {
            input_tokens: u.get("input_tokens")?.as_u64()?,
            output_tokens: u.get("output_tokens")?.as_u64().unwrap_or(0),
        })
    });
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
        assert_eq!(
            r.usage,
            Some(Usage {
                input_tokens: 200,
                output_tokens: 40
            })
        );
    }

    #[test]
    fn refuses_tool_use_and_odd_shapes() {
        let tool = json!({"content": [{"type": "tool_use", "name": "restart", "input": {}}]});
        assert!(parse(&tool, "c").unwrap_err().contains("tool call"));
        assert!(parse(&json!({"type": "error"}), "c").is_err());
    }
}
