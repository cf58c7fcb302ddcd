//! The LLM engine of design §5 (`[engine]`): an OpenAI-compatible
//! `/chat/completions`, the Anthropic Messages API, a local command (prompt on
//! standard input, answer on standard output), or none.
//!
//! Every failure becomes one of the error codes of design §5 (`engine_timeout`,
//! `engine_http_<status>`, `engine_bad_response`, `engine_exception:<type>`,
//! `cost_ladder_halted`, `engine_unavailable`), so the operator's fallback
//! message names it. An answer that is empty, JSON or a tool call is refused
//! (small local models do this) rather than forwarded.

pub mod anthropic;
pub mod budget;
pub mod command;
pub mod openai;

use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::{Config, Deferred, EngineKind, Secret};
use crate::http::HttpFailure;

/// What the engine is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub system: String,
    pub user: String,
}

impl Prompt {
    /// The prompt as one text (for engines without a system role).
    pub fn as_text(&self) -> String {
        format!("{}\n\n{}", self.system, self.user)
    }
}

/// Token usage: as the engine reported it, or estimated (the command engine,
/// which reports none: see [`budget::estimate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Estimated by tend rather than reported by the engine.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
}

impl Usage {
    /// Usage as an engine reported it.
    pub fn reported(input_tokens: u64, output_tokens: u64) -> Usage {
        Usage {
            input_tokens,
            output_tokens,
            estimated: false,
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The answer, already checked to be prose.
    pub text: String,
    /// The model that answered (from the response when it says).
    pub model: String,
    /// None when the engine reported no usage and none was estimated.
    pub usage: Option<Usage>,
}

/// The error codes of design §5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// No engine is configured.
    Unavailable,
    Timeout,
    Http(u16),
    /// Empty, not the expected shape, JSON or a tool call instead of prose.
    BadResponse,
    /// Anything else: `connect`, `dns`, `spawn`, `exit_status`, `signal`, …
    Exception(String),
    /// The day's LLM budget is spent.
    CostLadderHalted,
}

/// How the engine answered one investigation: `ok`, or its error code (the
/// `engine_status` of `probe.investigation_completed`, design §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineStatus {
    Ok,
    Failed(ErrorCode),
}

impl fmt::Display for EngineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineStatus::Ok => f.write_str("ok"),
            EngineStatus::Failed(code) => code.fmt(f),
        }
    }
}

impl serde::Serialize for EngineStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl ErrorCode {
    /// Whether the run counts it as a failure (exit 1, design §10): the engine
    /// was asked and did not answer usefully. No engine configured and the
    /// day's budget spent are the configuration doing what it says: the
    /// fallback is sent and the run succeeds.
    pub fn is_failure(&self) -> bool {
        !matches!(self, ErrorCode::Unavailable | ErrorCode::CostLadderHalted)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Unavailable => f.write_str("engine_unavailable"),
            ErrorCode::Timeout => f.write_str("engine_timeout"),
            ErrorCode::Http(code) => write!(f, "engine_http_{code}"),
            ErrorCode::BadResponse => f.write_str("engine_bad_response"),
            ErrorCode::Exception(kind) => write!(f, "engine_exception:{kind}"),
            ErrorCode::CostLadderHalted => f.write_str("cost_ladder_halted"),
        }
    }
}

/// A failed call: its code, a message for people (never holding a secret),
/// and the tokens it still spent (a tool call or JSON answer the server
/// billed, a command that ran): they count toward the day's budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
    pub usage: Option<Usage>,
}

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            usage: None,
        }
    }

    /// The same failure, having spent `usage`.
    pub fn spent(self, usage: Option<Usage>) -> Failure {
        Failure { usage, ..self }
    }

    /// The same failure with `secret` scrubbed from its message.
    pub fn scrubbed(self, secret: Option<&Secret>) -> Failure {
        Failure {
            message: scrub(&self.message, secret),
            ..self
        }
    }

    /// An HTTP failure of an engine request, `secret` scrubbed from the text
    /// (an endpoint may echo a header back in its error body).
    pub fn from_http(failure: &HttpFailure, what: &str, secret: Option<&Secret>) -> Failure {
        let code = match failure {
            HttpFailure::Timeout => ErrorCode::Timeout,
            HttpFailure::Status { code, .. } => ErrorCode::Http(*code),
            HttpFailure::Dns(_) => ErrorCode::Exception("dns".into()),
            HttpFailure::Connect(_) => ErrorCode::Exception("connect".into()),
            HttpFailure::Redirects => ErrorCode::Exception("redirects".into()),
            HttpFailure::Other(_) => ErrorCode::Exception("http".into()),
        };
        Failure::new(code, scrub(&format!("{what}: {failure}"), secret))
    }
}

/// The URL of an engine's endpoint: `base_url`'s path, its trailing `/` and
/// any of `already` (tried in order: a base URL pasted with the endpoint's own
/// path, or with the API version the path adds) removed, then `path`
/// appended; a query string (`?api-version=…`) is kept after it.
pub fn endpoint(base_url: &str, already: &[&str], path: &str) -> String {
    let (base, query) = base_url.split_at(base_url.find(['?', '#']).unwrap_or(base_url.len()));
    let mut base = base.trim_end_matches('/');
    for suffix in already {
        if let Some(rest) = base.strip_suffix(suffix) {
            base = rest.trim_end_matches('/');
        }
    }
    format!("{base}{path}{query}")
}

/// The error code of an engine whose API key cannot be read:
/// `engine_exception:secret_unreadable`, a failure that sends the fallback.
pub const SECRET_UNREADABLE: &str = "secret_unreadable";

/// Reads an HTTP engine's key when it is first asked (design §10: a missing
/// key is the engine's failure, never the run's). The message names the
/// key, not the variable or file: the run names those once, at its end.
pub fn read_key(key: Option<&Deferred>) -> Result<Option<Secret>, Failure> {
    key.map(Deferred::get).transpose().map_err(|e| {
        Failure::new(
            ErrorCode::Exception(SECRET_UNREADABLE.into()),
            format!("its API key cannot be read ({})", e.key),
        )
    })
}

/// Replaces every occurrence of the secret in `text`.
pub fn scrub(text: &str, secret: Option<&Secret>) -> String {
    match secret {
        Some(s) if !s.expose().is_empty() => text.replace(s.expose(), "<redacted>"),
        _ => text.to_string(),
    }
}

/// An engine that can be asked.
pub trait Engine {
    fn kind(&self) -> EngineKind;
    /// The configured model (what prices and `inference.recorded` use).
    fn model(&self) -> &str;
    /// Asks once, within `timeout` (connect, send and read, or the whole
    /// command). `max_tokens` is always sent.
    fn complete(&mut self, prompt: &Prompt, timeout: Duration) -> Result<Reply, Failure>;
}

/// The configured engine, or None for `kind = "none"`.
pub fn open(config: &Config) -> Option<Box<dyn Engine>> {
    let e = &config.engine;
    match e.kind {
        EngineKind::None => None,
        EngineKind::Openai => Some(Box::new(openai::OpenAi::from_config(
            e,
            config.engine_api_key_deferred(),
        ))),
        EngineKind::Anthropic => Some(Box::new(anthropic::Anthropic::from_config(
            e,
            config.engine_api_key_deferred(),
        ))),
        EngineKind::Command => Some(Box::new(command::CommandEngine::from_config(e))),
    }
}

/// Checks that an answer is prose: not empty, not a JSON value, not a tool call
/// written out as text. Returns the trimmed answer.
pub fn check_prose(answer: &str) -> Result<String, Failure> {
    let text = answer.trim();
    if text.is_empty() {
        return Err(Failure::new(ErrorCode::BadResponse, "the answer is empty"));
    }
    // A fenced block around the whole answer is a payload, not prose.
    let unfenced = text
        .strip_prefix("```")
        .map(|rest| {
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
            rest.trim_end().trim_end_matches("```").trim()
        })
        .unwrap_or(text);
    if (unfenced.starts_with('{') || unfenced.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(unfenced).is_ok()
    {
        return Err(Failure::new(
            ErrorCode::BadResponse,
            "the answer is JSON instead of prose",
        ));
    }
    let lower = unfenced.to_ascii_lowercase();
    for marker in [
        "<tool_call>",
        "<function=",
        "<|python_tag|>",
        "<function_call>",
    ] {
        if lower.starts_with(marker) {
            return Err(Failure::new(
                ErrorCode::BadResponse,
                "the answer is a tool call instead of prose",
            ));
        }
    }
    if !unfenced.chars().any(char::is_alphabetic) {
        return Err(Failure::new(
            ErrorCode::BadResponse,
            "the answer has no words",
        ));
    }
    Ok(text.to_string())
}

/// What one investigation call did, for the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct Called {
    pub model: String,
    pub usage: Option<Usage>,
    pub cost_usd: f64,
    pub latency_ms: u64,
}

/// Asks the engine within the day's budget and the run's time bound, and
/// records the cost. `Err` carries the code for the fallback message; `called`
/// is set whenever the engine was actually called (even when it failed).
pub struct Investigator {
    engine: Option<Box<dyn Engine>>,
    request_timeout: Duration,
    /// The wall-clock bound of all engine calls of one run.
    deadline: Instant,
    pub max_daily_cost_usd: f64,
    pub prices: std::collections::BTreeMap<String, crate::config::Price>,
}

/// The most time all engine calls of one run may take together; a wake left
/// after it gets the fallback (`engine_timeout`) at once rather than waiting
/// behind a slow engine.
pub const RUN_ENGINE_BOUND: Duration = Duration::from_secs(600);

/// The outcome of one investigation.
#[derive(Debug, Clone, PartialEq)]
pub struct Investigation {
    pub result: Result<Reply, Failure>,
    pub called: Option<Called>,
}

impl Investigator {
    pub fn new(config: &Config, started: Instant) -> Investigator {
        Investigator {
            engine: open(config),
            request_timeout: config.engine.request_timeout.to_std(),
            deadline: started + RUN_ENGINE_BOUND,
            max_daily_cost_usd: config.engine.max_daily_cost_usd,
            prices: config.engine.prices.clone(),
        }
    }

    /// For tests: an investigator around any engine.
    pub fn with_engine(
        engine: Option<Box<dyn Engine>>,
        request_timeout: Duration,
        deadline: Instant,
        max_daily_cost_usd: f64,
    ) -> Investigator {
        Investigator {
            engine,
            request_timeout,
            deadline,
            max_daily_cost_usd,
            prices: Default::default(),
        }
    }

    pub fn is_configured(&self) -> bool {
        self.engine.is_some()
    }

    pub fn model(&self) -> Option<&str> {
        self.engine.as_ref().map(|e| e.model())
    }

    /// Asks the engine unless the budget is spent (`budget.spent`, of today)
    /// or the run's engine time is over. Returns the investigation; the caller
    /// adds `called.cost_usd` to the budget and saves it.
    pub fn investigate(&mut self, prompt: &Prompt, spent_today_usd: f64) -> Investigation {
        let Some(engine) = self.engine.as_mut() else {
            return Investigation {
                result: Err(Failure::new(
                    ErrorCode::Unavailable,
                    "no engine is configured ([engine] kind = \"none\")",
                )),
                called: None,
            };
        };
        if !budget::allows(spent_today_usd, self.max_daily_cost_usd) {
            return Investigation {
                result: Err(Failure::new(
                    ErrorCode::CostLadderHalted,
                    format!(
                        "today's LLM spend ${spent_today_usd:.4} has reached [engine] max_daily_cost_usd ${:.4}",
                        self.max_daily_cost_usd
                    ),
                )),
                called: None,
            };
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Investigation {
                result: Err(Failure::new(
                    ErrorCode::Timeout,
                    format!(
                        "this run's engine time ({}s) is spent",
                        RUN_ENGINE_BOUND.as_secs()
                    ),
                )),
                called: None,
            };
        }
        let timeout = self.request_timeout.min(left);
        let started = Instant::now();
        let answer = engine.complete(prompt, timeout);
        let latency_ms = started.elapsed().as_millis() as u64;
        // Usage counts even when the answer is then refused: it was spent.
        let (model, usage) = match &answer {
            Ok(reply) => (reply.model.clone(), reply.usage),
            Err(failure) => (engine.model().to_string(), failure.usage),
        };
        let result =
            answer.and_then(|reply| check_prose(&reply.text).map(|text| Reply { text, ..reply }));
        let cost_usd = usage
            .map(|u| budget::cost(&self.prices, engine.model(), u).unwrap_or(0.0))
            .unwrap_or(0.0);
        Investigation {
            result,
            called: Some(Called {
                model,
                usage,
                cost_usd,
                latency_ms,
            }),
        }
    }

    /// Whether the configured model has a price (so its spend is counted).
    pub fn has_price(&self) -> bool {
        self.engine
            .as_ref()
            .is_some_and(|e| self.prices.contains_key(e.model()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_status_writes_ok_or_the_error_code() {
        let words = [
            (EngineStatus::Ok, "ok"),
            (
                EngineStatus::Failed(ErrorCode::Http(401)),
                "engine_http_401",
            ),
            (EngineStatus::Failed(ErrorCode::Timeout), "engine_timeout"),
            (
                EngineStatus::Failed(ErrorCode::Unavailable),
                "engine_unavailable",
            ),
        ];
        for (status, word) in words {
            assert_eq!(status.to_string(), word);
            assert_eq!(serde_json::to_value(&status).unwrap(), word);
        }
    }

    #[test]
    fn error_codes_are_spelled_as_the_spec_says() {
        let codes = [
            (ErrorCode::Unavailable, "engine_unavailable"),
            (ErrorCode::Timeout, "engine_timeout"),
            (ErrorCode::Http(401), "engine_http_401"),
            (ErrorCode::Http(403), "engine_http_403"),
            (ErrorCode::BadResponse, "engine_bad_response"),
            (
                ErrorCode::Exception("connect".into()),
                "engine_exception:connect",
            ),
            (ErrorCode::CostLadderHalted, "cost_ladder_halted"),
        ];
        for (code, text) in codes {
            assert_eq!(code.to_string(), text);
            let deliberate = matches!(text, "engine_unavailable" | "cost_ladder_halted");
            assert_eq!(code.is_failure(), !deliberate, "{text}");
        }
    }

    #[test]
    fn endpoints_keep_the_query_and_drop_what_is_already_there() {
        assert_eq!(endpoint("http://h", &[], "/p"), "http://h/p");
        assert_eq!(endpoint("http://h///", &[], "/p"), "http://h/p");
        assert_eq!(endpoint("http://h/a/p/", &["/p"], "/p"), "http://h/a/p");
        assert_eq!(
            endpoint("http://h/a?x=1&y=/p", &["/p"], "/p"),
            "http://h/a/p?x=1&y=/p"
        );
        assert_eq!(
            endpoint("http://h/v1/m", &["/m", "/v1"], "/v1/m"),
            "http://h/v1/m"
        );
        assert_eq!(
            endpoint("http://h/v1", &["/m", "/v1"], "/v1/m"),
            "http://h/v1/m"
        );
        // Only a whole trailing segment is taken for the suffix.
        assert_eq!(
            endpoint("http://h/xv1", &["/v1"], "/v1/m"),
            "http://h/xv1/v1/m"
        );
    }

    #[test]
    fn prose_is_accepted_and_payloads_refused() {
        assert_eq!(
            check_prose("  The disk is full.\nNext step: free it.  ").unwrap(),
            "The disk is full.\nNext step: free it."
        );
        // Prose that mentions braces is fine.
        assert!(check_prose("The config {x} looks wrong. Next step: fix it.").is_ok());
        for bad in [
            "",
            "   \n ",
            "{\"diagnosis\": \"disk\"}",
            "[1, 2]",
            "```json\n{\"name\": \"restart\", \"arguments\": {}}\n```",
            "<tool_call>{\"name\": \"restart\"}</tool_call>",
            "<function=restart>{}</function>",
            "...",
        ] {
            let err = check_prose(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::BadResponse, "{bad:?}");
        }
    }

    #[test]
    fn http_failures_map_to_codes_and_scrub_secrets() {
        let key = Secret::new("sk-very-secret");
        let f = Failure::from_http(
            &HttpFailure::Status {
                code: 401,
                retry_after: None,
                body: "bad key sk-very-secret".into(),
            },
            "POST /chat/completions",
            Some(&key),
        );
        assert_eq!(f.code, ErrorCode::Http(401));
        assert!(!f.message.contains("sk-very-secret"), "{}", f.message);
        assert!(f.message.contains("<redacted>"));
        assert_eq!(
            Failure::from_http(&HttpFailure::Timeout, "x", None).code,
            ErrorCode::Timeout
        );
        assert_eq!(
            Failure::from_http(&HttpFailure::Connect("refused".into()), "x", None)
                .code
                .to_string(),
            "engine_exception:connect"
        );
    }

    struct Fixed(Result<Reply, Failure>, u32);

    impl Engine for Fixed {
        fn kind(&self) -> EngineKind {
            EngineKind::Command
        }
        fn model(&self) -> &str {
            "m"
        }
        fn complete(&mut self, _: &Prompt, _: Duration) -> Result<Reply, Failure> {
            self.1 += 1;
            self.0.clone()
        }
    }

    fn prompt() -> Prompt {
        Prompt {
            system: "s".into(),
            user: "u".into(),
        }
    }

    #[test]
    fn investigator_checks_budget_deadline_and_prose() {
        let far = Instant::now() + Duration::from_secs(60);
        let mut none = Investigator::with_engine(None, Duration::from_secs(1), far, 1.0);
        let r = none.investigate(&prompt(), 0.0);
        assert_eq!(r.result.unwrap_err().code, ErrorCode::Unavailable);
        assert!(r.called.is_none());

        let ok = Reply {
            text: "{\"a\":1}".into(),
            model: "m".into(),
            usage: Some(Usage::reported(1_000_000, 0)),
        };
        let mut inv = Investigator::with_engine(
            Some(Box::new(Fixed(Ok(ok), 0))),
            Duration::from_secs(1),
            far,
            1.0,
        );
        inv.prices.insert(
            "m".into(),
            crate::config::Price {
                input_per_mtok: 0.5,
                output_per_mtok: 1.0,
            },
        );
        let r = inv.investigate(&prompt(), 0.0);
        assert_eq!(r.result.unwrap_err().code, ErrorCode::BadResponse);
        let called = r.called.unwrap();
        assert_eq!(called.cost_usd, 0.5, "a refused answer's tokens were spent");

        // A refused call that the engine billed is charged.
        let refused = Failure::new(ErrorCode::BadResponse, "tool call")
            .spent(Some(Usage::reported(2_000_000, 1_000_000)));
        let mut billed = Investigator::with_engine(
            Some(Box::new(Fixed(Err(refused), 0))),
            Duration::from_secs(1),
            far,
            10.0,
        );
        billed.prices = inv.prices.clone();
        let r = billed.investigate(&prompt(), 0.0);
        assert_eq!(r.result.unwrap_err().code, ErrorCode::BadResponse);
        let called = r.called.unwrap();
        assert_eq!(called.usage, Some(Usage::reported(2_000_000, 1_000_000)));
        assert_eq!(called.cost_usd, 2.0);

        let halted = inv.investigate(&prompt(), 1.0);
        assert_eq!(halted.result.unwrap_err().code, ErrorCode::CostLadderHalted);
        assert!(halted.called.is_none());

        let past = Instant::now();
        let mut late = Investigator::with_engine(
            Some(Box::new(Fixed(
                Err(Failure::new(ErrorCode::Timeout, "")),
                0,
            ))),
            Duration::from_secs(1),
            past,
            1.0,
        );
        let r = late.investigate(&prompt(), 0.0);
        assert_eq!(r.result.unwrap_err().code, ErrorCode::Timeout);
        assert!(r.called.is_none(), "no call after the run's bound");
    }
}
