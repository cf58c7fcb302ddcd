//! The built-in probes of `tend.toml` (design §4): `http` (through the one ureq
//! setup in `crate::http`) and `tcp` (a connect). A target that cannot be
//! reached — refused, timed out, a DNS or TLS failure, a redirect loop — is
//! CRITICAL with the reason; a slow but correct answer is WARNING.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::html;
use super::nagios::{Perf, Status};
use super::result::{ProbeResult, first_chars, seconds};
use crate::config::ProbeConfig;
use crate::http::{self, HttpFailure};

/// Redirects an http probe follows; more is reported as a redirect loop.
const MAX_REDIRECTS: u32 = 5;

/// Checks `probe.url` with `probe.method` and `probe.headers`.
pub fn http(probe: &ProbeConfig, timeout: Duration) -> ProbeResult {
    let url = probe.url.as_deref().unwrap_or_default();
    let agent = http::agent(timeout, MAX_REDIRECTS);
    let mut request = agent.request(&probe.method, url);
    for (name, value) in &probe.headers {
        request = request.set(name, value);
    }
    let started = Instant::now();
    let sent = http::send(request, None);
    let elapsed = started.elapsed();
    let (code, body) = match sent {
        Ok(answer) => (answer.status, answer.body),
        Err(HttpFailure::Status { code, body, .. }) => (code, body),
        Err(failure) => {
            let why = match &failure {
                // The OS's words ("Connection refused (os error 111)") after
                // ureq's; the operator needs where.
                HttpFailure::Connect(message) if message.contains("Connection refused") => {
                    return ProbeResult::new(
                        Status::Critical,
                        format!("connection refused ({})", authority(url)),
                        elapsed,
                    );
                }
                HttpFailure::Timeout => format!("no answer within {}", seconds(timeout)),
                HttpFailure::Redirects => {
                    format!("more than {MAX_REDIRECTS} redirects (a redirect loop?)")
                }
                other => other.to_string(),
            };
            return ProbeResult::new(
                Status::Critical,
                format!("{} {}", probe.method, scrub(&why, url)),
                elapsed,
            );
        }
    };

    let ms = elapsed.as_millis();
    let perfdata = vec![
        Perf {
            label: "time".into(),
            value: Some(round3(elapsed.as_secs_f64())),
            uom: "s".into(),
            warn: probe
                .max_latency_ms
                .map(|max| format!("{}", max as f64 / 1000.0)),
            crit: None,
            min: Some(0.0),
            max: None,
        },
        Perf {
            label: "size".into(),
            value: Some(body.len() as f64),
            uom: "B".into(),
            warn: None,
            crit: None,
            min: Some(0.0),
            max: None,
        },
    ];
    let expected = match &probe.expect_status {
        Some(list) => list.contains(&code),
        None => (200..300).contains(&code),
    };
    let (status, summary) = if !expected {
        let wanted = match &probe.expect_status {
            Some(list) => list
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            None => "2xx".into(),
        };
        (
            Status::Critical,
            format!("HTTP {code} in {ms} ms (expected {wanted})"),
        )
    } else if let Some(needle) = probe
        .body_contains
        .as_deref()
        .filter(|n| !body.contains(*n))
    {
        (
            Status::Critical,
            format!("HTTP {code} in {ms} ms but the body lacks {needle:?}"),
        )
    } else if let Some(max) = probe.max_latency_ms.filter(|max| ms > u128::from(*max)) {
        (
            Status::Warning,
            format!("HTTP {code} in {ms} ms, slower than {max} ms"),
        )
    } else {
        (Status::Ok, format!("HTTP {code} in {ms} ms"))
    };
    let mut result = ProbeResult::new(status, summary, elapsed);
    result.perfdata = perfdata;
    if status == Status::Critical {
        result.long_output = body_excerpt(&body);
    }
    result
}

/// The most lines of a failing answer's body kept as `long_output`.
const BODY_LINES: usize = 10;

/// What a failing answer said, for `long_output`: an HTML error page as its
/// readable text, any body at most [`BODY_LINES`] lines and 500 characters.
fn body_excerpt(body: &str) -> String {
    let text = if html::looks_like_html(body) {
        html::to_text(body, BODY_LINES)
    } else {
        let lines: Vec<&str> = body.trim().lines().collect();
        let mut kept = lines[..lines.len().min(BODY_LINES)].join("\n");
        if lines.len() > BODY_LINES {
            kept.push_str("\n…");
        }
        kept
    };
    first_chars(text.trim(), 500)
}

/// `host:port` of a URL (the scheme's port when none is written), without
/// user information.
fn authority(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host_port = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    let has_port = match host_port.rfind(']') {
        // [::1]:8080
        Some(bracket) => host_port[bracket..].contains(':'),
        None => host_port.contains(':'),
    };
    if has_port {
        host_port.to_string()
    } else {
        let port = if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        format!("{host_port}:{port}")
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Removes the URL's user information (`user:password@`) from a message, so
/// a credential in a probe's URL never reaches the audit log.
fn scrub(message: &str, url: &str) -> String {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return message.to_string();
    };
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) if at > 0 => message.replace(&authority[..at], "<redacted>"),
        _ => message.to_string(),
    }
}

/// Connects to `address` (`host:port`).
pub fn tcp(address: &str, timeout: Duration) -> ProbeResult {
    let started = Instant::now();
    let addrs = match resolve(address, timeout) {
        Ok(addrs) => addrs,
        Err(why) => return ProbeResult::new(Status::Critical, why, started.elapsed()),
    };
    let mut last_error = String::from("no address");
    for addr in &addrs {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            last_error = format!("no answer within {}", seconds(timeout));
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(stream) => {
                drop(stream);
                let elapsed = started.elapsed();
                let mut result = ProbeResult::new(
                    Status::Ok,
                    format!(
                        "TCP connect to {addr} in {:.1} ms",
                        elapsed.as_secs_f64() * 1000.0
                    ),
                    elapsed,
                );
                result.perfdata = vec![Perf {
                    label: "time".into(),
                    value: Some(round3(elapsed.as_secs_f64())),
                    uom: "s".into(),
                    warn: None,
                    crit: None,
                    min: Some(0.0),
                    max: None,
                }];
                return result;
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last_error = format!("no answer from {addr} within {}", seconds(timeout));
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last_error = format!("connection to {addr} refused");
            }
            Err(e) => last_error = format!("cannot connect to {addr}: {e}"),
        }
    }
    ProbeResult::new(
        Status::Critical,
        format!("TCP {address}: {last_error}"),
        started.elapsed(),
    )
}

/// Resolves `host:port`, bounded by `timeout` (the system resolver may hang).
fn resolve(address: &str, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    if let Ok(addr) = address.parse::<SocketAddr>() {
        return Ok(vec![addr]);
    }
    let (tx, rx) = mpsc::channel();
    let owned = address.to_string();
    // Detached: a resolver that never answers must not hold up the run.
    thread::spawn(move || {
        let _ = tx.send(owned.to_socket_addrs().map(Iterator::collect::<Vec<_>>));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(format!("TCP {address}: the name has no address")),
        Ok(Err(e)) => Err(format!("TCP {address}: cannot resolve: {e}")),
        Err(_) => Err(format!(
            "TCP {address}: name resolution took longer than {}",
            seconds(timeout)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_user_information() {
        assert_eq!(
            scrub(
                "https://bob:s3cret@example.com/h: Connection Failed",
                "https://bob:s3cret@example.com/h"
            ),
            "https://<redacted>@example.com/h: Connection Failed"
        );
        assert_eq!(scrub("x", "http://example.com/a@b"), "x");
    }

    #[test]
    fn authority_names_host_and_port() {
        for (url, expected) in [
            ("http://127.0.0.1:8080/health", "127.0.0.1:8080"),
            ("http://example.com/x", "example.com:80"),
            ("https://example.com", "example.com:443"),
            ("https://bob:pw@example.com:8443/a@b", "example.com:8443"),
            ("http://[::1]:9000/", "[::1]:9000"),
            ("http://[::1]/", "[::1]:80"),
            ("http://h?q=1", "h:80"),
        ] {
            assert_eq!(authority(url), expected, "{url}");
        }
    }

    #[test]
    fn body_excerpt_strips_html_and_caps_lines() {
        let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><p>nginx</p></body></html>";
        assert_eq!(body_excerpt(page), "502 Bad Gateway\nnginx");
        assert_eq!(body_excerpt("  \n "), "");
        assert_eq!(
            body_excerpt("{\"error\":\"down\"}\n"),
            "{\"error\":\"down\"}"
        );
        let text: String = (1..=12).map(|i| format!("line {i}\n")).collect();
        let excerpt = body_excerpt(&text);
        assert_eq!(excerpt.lines().count(), BODY_LINES + 1);
        assert!(excerpt.ends_with("line 10\n…"), "{excerpt}");
        assert_eq!(body_excerpt(&"x".repeat(2000)).chars().count(), 501); // 500 and "…"
    }

    #[test]
    fn refused_http_names_host_and_port() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let probe: ProbeConfig = toml::from_str(&format!(
            "name = \"api\"\nkind = \"http\"\nurl = \"http://{addr}/health\"\n"
        ))
        .unwrap();
        let r = http(&probe, Duration::from_secs(2));
        assert_eq!(r.status, Status::Critical);
        assert_eq!(r.summary, format!("connection refused ({addr})"));
    }

    #[test]
    fn tcp_open_and_closed_ports() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap().to_string();
        let r = tcp(&open, Duration::from_secs(2));
        assert_eq!(r.status, Status::Ok, "{}", r.summary);
        assert_eq!(r.perfdata[0].label, "time");
        drop(listener);
        let r = tcp(&open, Duration::from_secs(2));
        assert_eq!(r.status, Status::Critical);
        assert!(r.summary.contains("refused"), "{}", r.summary);
    }
}
