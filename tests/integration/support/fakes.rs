//! Ready-made replies of the services tend talks to, for [`super::http::FakeServer`]:
//! Slack's Web API, an OpenAI-compatible `/chat/completions`, Anthropic's
//! `/v1/messages`.

use serde_json::json;

use super::http::Reply;

/// `chat.postMessage` succeeded.
pub fn slack_ok() -> Reply {
    Reply::json(
        200,
        json!({"ok": true, "channel": "D0123456", "ts": "1779609600.000100", "message": {"text": "…"}}),
    )
}

/// `chat.postMessage` and `chat.update` as Slack answers them, each
/// `chat.postMessage` with a `ts` of its own: `1779609600.{n}` with `n` the
/// request's number ([`slack_ts`]), so that replies and edits can be traced
/// to the message they name.
pub fn slack_threads() -> Reply {
    Reply::json(
        200,
        json!({"ok": true, "channel": "D0123456", "ts": "1779609600.{seq}", "message": {"text": "…"}}),
    )
    .numbered()
}

/// The `ts` [`slack_threads`] answered to request number `n`.
pub fn slack_ts(n: usize) -> String {
    format!("1779609600.{n:06}")
}

/// Slack's usual failure: HTTP 200 with `ok: false`.
pub fn slack_error(error: &str) -> Reply {
    Reply::json(200, json!({"ok": false, "error": error}))
}

/// HTTP 429 with `Retry-After` (seconds).
pub fn rate_limited(retry_after_secs: u64) -> Reply {
    Reply::json(429, json!({"ok": false, "error": "ratelimited"}))
        .header("Retry-After", &retry_after_secs.to_string())
}

/// A chat completion answering `text`, with usage.
pub fn openai_ok(text: &str, input_tokens: u64, output_tokens: u64) -> Reply {
    Reply::json(
        200,
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens}
        }),
    )
}

/// A chat completion that calls a tool instead of answering (billed as usual).
pub fn openai_tool_call(input_tokens: u64, output_tokens: u64) -> Reply {
    Reply::json(
        200,
        json!({
            "id": "chatcmpl-2",
            "object": "chat.completion",
            "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": null,
                "tool_calls": [{"id": "c1", "type": "function",
                                "function": {"name": "restart_service", "arguments": "{}"}}]},
                "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens}
        }),
    )
}

/// A Messages API answer that only uses a tool (billed as usual).
pub fn anthropic_tool_use(input_tokens: u64, output_tokens: u64) -> Reply {
    Reply::json(
        200,
        json!({
            "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-test",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "restart_service", "input": {}}],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}
        }),
    )
}

/// A Messages API answer.
pub fn anthropic_ok(text: &str, input_tokens: u64, output_tokens: u64) -> Reply {
    Reply::json(
        200,
        json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}
        }),
    )
}

/// An API error body in OpenAI's shape.
pub fn api_error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {"message": message, "type": "invalid_request_error"}}),
    )
}

/// A diagnosis as a good engine gives it.
pub const DIAGNOSIS: &str = "The Fly Machines API rejects the deploy token, so every app looks \
unreachable although the machines may be healthy. The token was most likely rotated or expired.\n\
Next step: rotate the Fly API token and re-run the probe.";
