//! An OpenAI-compatible engine: `POST {base_url}/chat/completions` (OpenAI,
//! Ollama, vLLM, llama.cpp server, OpenRouter). The API key, when configured,
//! goes in `Authorization: Bearer`; local servers need none. A `base_url` that
//! already ends in `/chat/completions` (the endpoint pasted whole) is not
//! doubled.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Engine, ErrorCode, Failure, Prompt, Reply, Usage, endpoint};
use crate::config::{Deferred, EngineConfig, EngineKind, redact_url};
use crate::http;

/// The path appended to `base_url`.
const PATH: &str = "/chat/completions";

/// The URL requested for `base_url`.
pub fn url(base_url: &str) -> String {
    endpoint(base_url, &[PATH], PATH)
}

pub struct OpenAi {
    agent: ureq::Agent,
    url: String,
    model: String,
    max_tokens: u32,
    key: Option<Deferred>,
}

impl OpenAi {
    /// From a validated `[engine]` (base_url and model are present).
    pub fn from_config(engine: &EngineConfig, key: Option<Deferred>) -> OpenAi {
        let base = engine.base_url.as_deref().unwrap_or_default();
        OpenAi {
            agent: http::agent(engine.request_timeout.to_std(), 0),
            url: url(base),
            model: engine.model.clone().unwrap_or_default(),
            max_tokens: engine.max_tokens,
            key,
        }
    }
}

impl Engine for OpenAi {
    fn kind(&self) -> EngineKind {
        EngineKind::Openai
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete(&mut self, prompt: &Prompt, timeout: Duration) -> Result<Reply, Failure> {
        let body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "max_tokens": self.max_tokens,
            "stream": false,
        })
        .to_string();
        let mut request = self
            .agent
            .post(&self.url)
            .timeout(timeout)
            .set("Content-Type", "application/json");
        let key = super::read_key(self.key.as_ref())?;
        if let Some(key) = &key {
            request = request.set("Authorization", &format!("Bearer {}", key.expose()));
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

/// Reads a chat completion: the first choice's text and the usage. A refused
/// answer (a tool call) still carries the usage the server reported.
pub fn parse(reply: &Value, configured_model: &str) -> Result<Reply, Failure> {
    let usage = reply.get("usage").and_then(|u| {
        Some(Usage::reported(
            u.get("prompt_tokens")?.as_u64()?,
            u.get("completion_tokens")?.as_u64().unwrap_or(0),
        ))
    });
    let refused = |why: &str| Failure::new(ErrorCode::BadResponse, why).spent(usage);
    let message = reply
        .pointer("/choices/0/message")
        .ok_or_else(|| refused("the response has no choices[0].message"))?;
    let has_tool_calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .is_some_and(|calls| !calls.is_empty())
        || message.get("function_call").is_some_and(|f| !f.is_null());
    let text = message.get("content").and_then(Value::as_str).unwrap_or("");
    if has_tool_calls && text.trim().is_empty() {
        return Err(refused("the answer is a tool call instead of prose"));
    }
    Ok(Reply {
        text: text.to_string(),
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
    fn parses_a_completion() {
        let reply = json!({
            "model": "llama3.1:8b",
            "choices": [{"message": {"role": "assistant", "content": "Disk full.\nNext step: clean."}}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
        });
        let r = parse(&reply, "llama3.1").unwrap();
        assert_eq!(r.text, "Disk full.\nNext step: clean.");
        assert_eq!(r.model, "llama3.1:8b");
        assert_eq!(r.usage, Some(Usage::reported(120, 30)));
        let bare = json!({"choices": [{"message": {"content": "x"}}]});
        let r = parse(&bare, "m").unwrap();
        assert_eq!((r.model.as_str(), r.usage), ("m", None));
    }

    #[test]
    fn refuses_tool_calls_and_odd_shapes() {
        let tool = json!({"choices": [{"message": {"content": null,
            "tool_calls": [{"type": "function", "function": {"name": "restart", "arguments": "{}"}}]}}],
            "usage": {"prompt_tokens": 777, "completion_tokens": 33}});
        let refused = parse(&tool, "m").unwrap_err();
        assert_eq!(refused.code, ErrorCode::BadResponse);
        assert!(refused.message.contains("tool call"));
        assert_eq!(
            refused.usage,
            Some(Usage::reported(777, 33)),
            "a refused answer was still billed"
        );
        let legacy = json!({"choices": [{"message": {"content": "",
            "function_call": {"name": "restart", "arguments": "{}"}}}]});
        assert_eq!(parse(&legacy, "m").unwrap_err().usage, None);
        assert!(parse(&json!({"error": "x"}), "m").is_err());
        assert!(parse(&json!({"choices": []}), "m").is_err());
        // Empty content parses; the prose check refuses it later.
        let empty = json!({"choices": [{"message": {"content": ""}}]});
        assert_eq!(parse(&empty, "m").unwrap().text, "");
    }

    #[test]
    fn the_endpoint_is_never_doubled() {
        for (base, expected) in [
            (
                "http://127.0.0.1:11434/v1",
                "http://127.0.0.1:11434/v1/chat/completions",
            ),
            (
                "http://127.0.0.1:11434/v1/",
                "http://127.0.0.1:11434/v1/chat/completions",
            ),
            ("http://h:8080", "http://h:8080/chat/completions"),
            (
                "https://openrouter.ai/api/v1",
                "https://openrouter.ai/api/v1/chat/completions",
            ),
            (
                "http://h/v1/chat/completions",
                "http://h/v1/chat/completions",
            ),
            (
                "http://h/v1/chat/completions/",
                "http://h/v1/chat/completions",
            ),
            (
                "https://h/openai/deployments/d?api-version=2024-06-01",
                "https://h/openai/deployments/d/chat/completions?api-version=2024-06-01",
            ),
        ] {
            assert_eq!(url(base), expected, "{base}");
        }
    }
}
