//! The one HTTP client setup (ureq, rustls) shared by channels, engines and
//! http probes: bounded timeouts on connect and on the whole request, and
//! failures sorted into the few cases callers report differently.

use std::time::Duration;

/// Why a request did not return a 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpFailure {
    /// Connect or read took longer than the timeout.
    Timeout,
    /// The name did not resolve.
    Dns(String),
    /// Nothing listening, connection reset, TLS failure…
    Connect(String),
    /// Redirected too often.
    Redirects,
    /// An answer with a non-2xx status.
    Status {
        code: u16,
        retry_after: Option<Duration>,
        body: String,
    },
    Other(String),
}

impl HttpFailure {
    /// A short machine-readable name: `timeout`, `dns`, `connect`,
    /// `redirects`, `http_<status>`, `http_error`.
    pub fn code(&self) -> String {
        match self {
            HttpFailure::Timeout => "timeout".into(),
            HttpFailure::Dns(_) => "dns".into(),
            HttpFailure::Connect(_) => "connect".into(),
            HttpFailure::Redirects => "redirects".into(),
            HttpFailure::Status { code, .. } => format!("http_{code}"),
            HttpFailure::Other(_) => "http_error".into(),
        }
    }
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpFailure::Timeout => f.write_str("timed out"),
            HttpFailure::Dns(m) => write!(f, "name resolution failed: {m}"),
            HttpFailure::Connect(m) => write!(f, "connection failed: {m}"),
            HttpFailure::Redirects => f.write_str("too many redirects"),
            HttpFailure::Status { code, body, .. } => {
                let snippet: String = body.chars().take(200).collect();
                write!(
                    f,
                    "HTTP {code}{}{snippet}",
                    if snippet.is_empty() { "" } else { ": " }
                )
            }
            HttpFailure::Other(m) => f.write_str(m),
        }
    }
}

/// An agent whose every request is bounded by `timeout` (connect, and the
/// whole exchange). `redirects` is how many redirects it follows.
pub fn agent(timeout: Duration, redirects: u32) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(timeout)
        .timeout(timeout)
        .redirects(redirects)
        .user_agent(concat!("tend/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A 2xx answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Sends a request and reads the whole answer (at most `limit` bytes kept).
pub fn send(request: ureq::Request, body: Option<&[u8]>) -> Result<Answer, HttpFailure> {
    let result = match body {
        Some(bytes) => request.send_bytes(bytes),
        None => request.call(),
    };
    match result {
        Ok(response) => {
            let status = response.status();
            let body = read_body(response)?;
            Ok(Answer { status, body })
        }
        Err(ureq::Error::Status(code, response)) => {
            let retry_after = response
                .header("Retry-After")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = read_body(response).unwrap_or_default();
            Err(HttpFailure::Status {
                code,
                retry_after,
                body,
            })
        }
        Err(ureq::Error::Transport(t)) => Err(classify_transport(&t)),
    }
}

fn read_body(response: ureq::Response) -> Result<String, HttpFailure> {
    use std::io::Read;
    let mut bytes = Vec::new();
    response
        .into_reader()
        .take(4 * 1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            if is_timeout(&e) {
                HttpFailure::Timeout
            } else {
                HttpFailure::Connect(e.to_string())
            }
        })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

fn classify_transport(t: &ureq::Transport) -> HttpFailure {
    use std::error::Error;
    let message = t.to_string();
    let mut source = t.source();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && is_timeout(io)
        {
            return HttpFailure::Timeout;
        }
        source = e.source();
    }
    match t.kind() {
        ureq::ErrorKind::Dns => HttpFailure::Dns(message),
        ureq::ErrorKind::ConnectionFailed | ureq::ErrorKind::Io | ureq::ErrorKind::ProxyConnect => {
            if message.contains("timed out") {
                HttpFailure::Timeout
            } else {
                HttpFailure::Connect(message)
            }
        }
        ureq::ErrorKind::TooManyRedirects => HttpFailure::Redirects,
        _ => HttpFailure::Other(message),
    }
}
