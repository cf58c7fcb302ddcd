//! An OpenAI-compatible engine: `POST {base_url}/chat/completions` (OpenAI,
//! Ollama, vLLM, llama.cpp server, OpenRouter). The API key, when configured,
//! goes in `Authorization: Bearer`; local servers need none.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Engine, ErrorCode, Failure, Prompt, Reply, Usage, scrub};
use crate::config::{EngineConfig, EngineKind, Secret};
use crate::http;

pub struct OpenAi {
    agent: ureq::Agent,
    url: String,
    model: String,
    max_tokens: u32,
    key: Option<Secret>,
}

impl OpenAi {
    /// From a validated `[engine]` (base_url and model are present).
    pub fn from_config(engine: &EngineConfig, key: Option<Secret>) -> OpenAi {
        let base = engine.base_url.as_deref().unwrap_or_default();
        OpenAi {
            agent: http::agent(engine.request_timeout.to_std(), 0),
            url: format!("{}/chat/completions", base.trim_end_matches('/')),
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
        if let Some(key) = &self.key {
            request = request.set("Authorization", &format!("Bearer {}", key.expose()));
        }
        let answer = http::send(request, Some(body.as_bytes()))
            .map_err(|f| Failure::from_http(&f, "POST /chat/completions", self.key.as_ref()))?;
        let reply: Value = serde_json::from_str(&answer.body).map_err(|_| {
            Failure::new(
                ErrorCode::BadResponse,
                format!(
                    "/chat/completions answered HTTP {} with a body that is not JSON",
                    answer.status
                ),
            )
        })?;
        parse(&reply, &self.model)
            .map_err(|m| Failure::new(ErrorCode::BadResponse, scrub(&m, self.key.as_ref())))
    }
}

/// Reads a chat completion: the first choice's text and the usage.
pub fn parse(reply: &Value, configured_model: &str) -> Result<Reply, String> {
    let message = reply
        .pointer("/choices/0/message")
        .ok_or("the response has no choices[0].message")?;
    let has_tool_calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .is_some_and(|calls| !calls.is_empty())
        || message.get("function_call").is_some_and(|f| !f.is_null());
    let text = message.get("content").and_then(Value::as_str).unwrap_or("");
    if has_tool_calls && text.trim().is_empty() {
        return Err("the answer is a tool call instead of prose".into());
    }
    let usage = reply.get("usage").and_then(|u| {
        Some(Usage {
            input_tokens: u.get("prompt_tokens")?.as_u64()?,
            output_tokens: u.get("completion_tokens")?.as_u64().unwrap_or(0),
        })
    });
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
        assert_eq!(
            r.usage,
            Some(Usage {
                input_tokens: 120,
                output_tokens: 30
            })
        );
        let bare = json!({"choices": [{"message": {"content": "x"}}]});
        let r = parse(&bare, "m").unwrap();
        assert_eq!((r.model.as_str(), r.usage), ("m", None));
    }

    #[test]
    fn refuses_tool_calls_and_odd_shapes() {
        let tool = json!({"choices": [{"message": {"content": null,
            "tool_calls": [{"type": "function", "function": {"name": "restart", "arguments": "{}"}}]}}]});
        assert!(parse(&tool, "m").unwrap_err().contains("tool call"));
        assert!(parse(&json!({"error": "x"}), "m").is_err());
        assert!(parse(&json!({"choices": []}), "m").is_err());
        // Empty content parses; the prose check refuses it later.
        let empty = json!({"choices": [{"message": {"content": ""}}]});
        assert_eq!(parse(&empty, "m").unwrap().text, "");
    }
}
