//! The heartbeat of SPEC §10 (`[heartbeat]`, as runitor and healthchecks.io
//! do): after each `tick`, request `{url}` when it succeeded and
//! `{url}/{exit_code}` when it did not, within a short timeout, so that a dead
//! host or a dead crontab is noticed by someone else. A failed ping is
//! reported, never fatal.

use std::time::Duration;

use crate::config::Secret;
use crate::exit::Exit;
use crate::http;

/// The URL to request after a run that ended with `exit`: healthchecks.io's
/// convention (`/0` would also mean success; the bare URL is clearer in
/// server logs).
pub fn ping_url(base: &str, exit: Exit) -> String {
    let base = base.trim_end_matches('/');
    match exit {
        Exit::Success => base.to_string(),
        other => format!("{base}/{}", other.code()),
    }
}

/// What a ping did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ping {
    Sent { status: u16 },
    Failed { code: String, message: String },
}

/// Requests the ping URL (GET, no redirects beyond two). The answer's body
/// is ignored; any 2xx is a success.
pub fn ping(url: &Secret, timeout: Duration, exit: Exit) -> Ping {
    let target = ping_url(url.expose(), exit);
    let agent = http::agent(timeout, 2);
    match http::send(agent.get(&target), None) {
        Ok(answer) => Ping::Sent {
            status: answer.status,
        },
        Err(failure) => Ping::Failed {
            code: failure.code(),
            message: failure.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_pings_the_url_and_failure_appends_the_exit_code() {
        let base = "https://hc-ping.com/0b9c3f4e";
        assert_eq!(ping_url(base, Exit::Success), base);
        assert_eq!(ping_url(base, Exit::Partial), format!("{base}/1"));
        assert_eq!(ping_url(base, Exit::Usage), format!("{base}/2"));
        assert_eq!(
            ping_url(&format!("{base}/"), Exit::Partial),
            format!("{base}/1")
        );
        assert_eq!(ping_url(&format!("{base}/"), Exit::Success), base);
    }
}
