//! The heartbeat of design §10 (`[heartbeat]`, as runitor and healthchecks.io
//! do): after each `tick`, request `{url}` when it succeeded and
//! `{url}/{exit_code}` when it did not, within a short timeout, so that a dead
//! host or a dead crontab is noticed by someone else. A failed ping is
//! reported, never fatal.

use std::time::Duration;

use crate::config::Secret;
use crate::exit::Exit;
use crate::http::{self, HttpFailure};
use crate::store::redact;

/// The URL to request after a run that ended with `exit`: healthchecks.io's
/// convention (`/0` would also mean success; the bare URL is clearer in
/// server logs). The code goes at the end of the path, before any query or
/// fragment: `…/ping/abc?create=1` fails as `…/ping/abc/1?create=1`, never as
/// `…?create=1/1` (which a monitor reads as a success).
pub fn ping_url(base: &str, exit: Exit) -> String {
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let end = base[after_scheme..]
        .find(['?', '#'])
        .map_or(base.len(), |i| after_scheme + i);
    let (path, rest) = base.split_at(end);
    let path = path.trim_end_matches('/');
    match exit {
        Exit::Success => format!("{path}{rest}"),
        other => format!("{path}/{}{rest}", other.code()),
    }
}

/// The `error` of a heartbeat whose URL cannot be read.
pub const SECRET_UNREADABLE: &str = "secret_unreadable";

/// What a ping did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ping {
    Sent { status: u16 },
    Failed { code: String, message: String },
}

/// Requests the ping URL (GET, no redirects beyond two). The answer's body
/// is ignored; any 2xx is a success. The URL is a credential: its parts are
/// scrubbed from everything printed from now on ([`redact::register_url`]),
/// and a failure is told without the answer's body or the client's message,
/// which quote the URL (a 404 page often echoes the request).
pub fn ping(url: &Secret, timeout: Duration, exit: Exit) -> Ping {
    let target = ping_url(url.expose(), exit);
    redact::register_url(url.expose());
    redact::register_url(&target);
    let agent = http::agent(timeout, 2);
    match http::send(agent.get(&target), None) {
        Ok(answer) => Ping::Sent {
            status: answer.status,
        },
        Err(failure) => Ping::Failed {
            code: failure.code(),
            message: describe(&failure),
        },
    }
}

/// A failed ping in words that quote neither the URL nor the answer.
fn describe(failure: &HttpFailure) -> String {
    // The client's message is `<url>: <kind>: <cause>`: keep the cause.
    let cause = |message: &str| {
        message
            .rsplit(": ")
            .next()
            .filter(|cause| !cause.contains("://"))
            .map(|cause| format!(" ({cause})"))
            .unwrap_or_default()
    };
    match failure {
        HttpFailure::Status { code, .. } => format!("the server answered HTTP {code}"),
        HttpFailure::Timeout => "timed out".to_string(),
        HttpFailure::Dns(m) => format!("name resolution failed{}", cause(m)),
        HttpFailure::Connect(m) => format!("connection failed{}", cause(m)),
        HttpFailure::Redirects => "too many redirects".to_string(),
        HttpFailure::Other(m) => format!("request failed{}", cause(m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_pings_the_url_and_failure_puts_the_exit_code_in_the_path() {
        let base = "https://hc-ping.com/0b9c3f4e";
        assert_eq!(ping_url(base, Exit::Success), base);
        assert_eq!(ping_url(base, Exit::Partial), format!("{base}/1"));
        assert_eq!(ping_url(base, Exit::Usage), format!("{base}/2"));
        assert_eq!(
            ping_url(&format!("{base}/"), Exit::Partial),
            format!("{base}/1")
        );
        assert_eq!(ping_url(&format!("{base}/"), Exit::Success), base);
        for (url, exit, pinged) in [
            (
                "http://hc/ping/abc?create=1",
                Exit::Partial,
                "http://hc/ping/abc/1?create=1",
            ),
            (
                "http://hc/ping/abc/?create=1",
                Exit::Partial,
                "http://hc/ping/abc/1?create=1",
            ),
            (
                "http://hc/ping/abc?create=1",
                Exit::Success,
                "http://hc/ping/abc?create=1",
            ),
            (
                "http://hc/ping/abc#x",
                Exit::LockHeld,
                "http://hc/ping/abc/75#x",
            ),
            (
                "http://u:p@hc/ping/abc/?a=b#x",
                Exit::StateUnreadable,
                "http://u:p@hc/ping/abc/74?a=b#x",
            ),
            ("http://hc", Exit::Partial, "http://hc/1"),
            ("http://hc/", Exit::Partial, "http://hc/1"),
            ("http://hc?x=1", Exit::Partial, "http://hc/1?x=1"),
        ] {
            assert_eq!(ping_url(url, exit), pinged, "{url}");
        }
    }

    #[test]
    fn a_failure_is_described_without_the_url_or_the_answer() {
        let url = "http://u:pw@127.0.0.1:1/ping/abc-uuid";
        for (failure, said) in [
            (
                HttpFailure::Status {
                    code: 404,
                    retry_after: None,
                    body: format!("no such check: {url}"),
                },
                "the server answered HTTP 404",
            ),
            (
                HttpFailure::Connect(format!(
                    "{url}: Connection Failed: Connect error: Connection refused (os error 111)"
                )),
                "connection failed (Connection refused (os error 111))",
            ),
            (
                HttpFailure::Dns(format!("{url}: Dns Failed")),
                "name resolution failed (Dns Failed)",
            ),
            (HttpFailure::Other(url.to_string()), "request failed"),
        ] {
            assert_eq!(describe(&failure), said);
        }
    }
}
