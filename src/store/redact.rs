//! The one choke point for secrets (design §10): every configured secret value is
//! scrubbed from every string that leaves the process. Once the configuration
//! has resolved its secrets, it registers their values here; from then on every
//! file the store writes (audit rows, state files, run records, queues) and
//! everything printed on standard output and error passes through [`scrub`] or
//! [`scrub_bytes`]. Text a server echoes back (a Slack `ok:false` error quoting
//! `Bearer xoxb-…`) is caught wherever it ends up, without each caller having to
//! remember.
//!
//! The list is process-wide because a secret must be scrubbed even from text
//! built far from the configuration (an error chain printed by `main`); it only
//! ever grows, and holds nothing until a configuration with secrets is loaded.

use std::borrow::Cow;
use std::sync::RwLock;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Shorter values are not scrubbed: a one- to three-character "secret" would
/// redact ordinary words and numbers everywhere.
pub const MIN_LEN: usize = 4;

/// The forms of one secret to look for: as is, and as it appears inside a JSON
/// string (where `"`, `\` and control characters are escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Needle {
    forms: Vec<String>,
}

static SECRETS: RwLock<Vec<Needle>> = RwLock::new(Vec::new());

/// Adds secret values to scrub from now on (values shorter than [`MIN_LEN`]
/// are ignored; a value registered twice is kept once).
pub fn register<'a>(values: impl IntoIterator<Item = &'a str>) {
    let mut secrets = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    for value in values {
        if value.chars().count() < MIN_LEN {
            continue;
        }
        let needle = needle(value);
        if !secrets.contains(&needle) {
            secrets.push(needle);
        }
    }
    // Longest first, so that a secret containing another is replaced whole.
    secrets.sort_by_key(|n| std::cmp::Reverse(n.forms[0].len()));
}

/// Adds a URL that is itself a credential (a heartbeat's ping URL) in every
/// form its secret can leave in: see [`url_parts`].
pub fn register_url(url: &str) {
    register(url_parts(url).iter().map(String::as_str));
}

/// The secret parts of a credential URL, as configured and as the HTTP client
/// normalises them (lower-case host, a `/` path, percent-encoding), so that
/// a server echoing the request, or the client quoting the URL in an error,
/// leaks none of them: the whole URL, the URL without its user information
/// or trailing `/`, the path, each path segment that looks like a key, the
/// query and each query value, the user information, its password, and the
/// `Authorization: Basic` value the client derives from it. A short or
/// word-like segment (`ping`, `api`) is left out: it would redact ordinary
/// text everywhere.
pub fn url_parts(url: &str) -> Vec<String> {
    let mut parts = vec![url.to_string(), url.trim_end_matches('/').to_string()];
    if let Ok(parsed) = url::Url::parse(url.trim()) {
        parts.extend(parsed_parts(url, &parsed));
    }
    parts.retain(|p| p.chars().count() >= MIN_LEN);
    parts.sort();
    parts.dedup();
    parts
}

/// [`url_parts`] of a URL the client can parse.
fn parsed_parts(url: &str, parsed: &url::Url) -> Vec<String> {
    use base64::Engine as _;
    let mut parts = Vec::new();
    let normalised = parsed.to_string();
    parts.push(normalised.trim_end_matches('/').to_string());
    parts.push(normalised);
    let mut bare = parsed.clone();
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    let bare = bare.to_string();
    parts.push(bare.trim_end_matches('/').to_string());
    parts.push(bare);
    // The path as configured (before normalisation) and as sent.
    let raw_path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .map(|path| &path[..path.find(['?', '#']).unwrap_or(path.len())]);
    for path in raw_path.into_iter().chain([parsed.path()]) {
        if path.trim_matches('/').is_empty() {
            continue;
        }
        parts.push(path.to_string());
        parts.push(path.trim_end_matches('/').to_string());
        parts.extend(
            path.split('/')
                .filter(|segment| looks_like_a_key(segment))
                .map(str::to_string),
        );
    }
    if let Some(query) = parsed.query() {
        parts.push(query.to_string());
        for pair in query.split('&') {
            let value = pair.split_once('=').map_or(pair, |(_, v)| v);
            parts.push(value.to_string());
        }
        parts.extend(parsed.query_pairs().map(|(_, v)| v.into_owned()));
    }
    let (user, password) = (parsed.username(), parsed.password());
    if !user.is_empty() || password.is_some() {
        let userinfo = format!("{user}:{}", password.unwrap_or(""));
        let basic = base64::engine::general_purpose::STANDARD.encode(&userinfo);
        parts.push(format!("Basic {basic}"));
        parts.push(basic);
        parts.push(userinfo);
        if let Some(password) = password {
            parts.push(password.to_string());
            if let Ok(decoded) = percent_decode(password) {
                parts.push(decoded);
            }
        }
        if looks_like_a_key(user) {
            parts.push(user.to_string());
        }
    }
    parts
}

/// A path segment or user name that is a key rather than a word: long, or
/// with a digit in it (a UUID, a token).
fn looks_like_a_key(text: &str) -> bool {
    let n = text.chars().count();
    n >= 16 || (n >= 8 && text.chars().any(|c| c.is_ascii_digit()))
}

fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

fn needle(value: &str) -> Needle {
    let mut forms = vec![value.to_string()];
    let quoted = serde_json::to_string(value).unwrap_or_default();
    if quoted.len() >= 2 {
        let inner = quoted[1..quoted.len() - 1].to_string();
        if inner != value {
            forms.push(inner);
        }
    }
    Needle { forms }
}

/// `text` with every registered secret replaced by [`REDACTED`].
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    scrub_with(&secrets, text)
}

fn scrub_with<'t>(secrets: &[Needle], text: &'t str) -> Cow<'t, str> {
    let mut out = Cow::Borrowed(text);
    for form in secrets.iter().flat_map(|n| &n.forms) {
        if out.contains(form.as_str()) {
            out = Cow::Owned(out.replace(form.as_str(), REDACTED));
        }
    }
    out
}

/// [`scrub`] for bytes about to be written (valid UTF-8 or not: a secret is
/// found as its UTF-8 bytes).
pub fn scrub_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    scrub_bytes_with(&secrets, bytes)
}

fn scrub_bytes_with<'b>(secrets: &[Needle], bytes: &'b [u8]) -> Cow<'b, [u8]> {
    let mut out = Cow::Borrowed(bytes);
    for form in secrets.iter().flat_map(|n| &n.forms) {
        let finder = memchr::memmem::Finder::new(form.as_bytes());
        if finder.find(&out).is_none() {
            continue;
        }
        let mut replaced = Vec::with_capacity(out.len());
        let mut rest: &[u8] = &out;
        while let Some(at) = finder.find(rest) {
            replaced.extend_from_slice(&rest[..at]);
            replaced.extend_from_slice(REDACTED.as_bytes());
            rest = &rest[at + form.len()..];
        }
        replaced.extend_from_slice(rest);
        out = Cow::Owned(replaced);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(values: &[&str]) -> Vec<Needle> {
        let mut v: Vec<Needle> = values
            .iter()
            .filter(|s| s.chars().count() >= MIN_LEN)
            .map(|s| needle(s))
            .collect();
        v.sort_by_key(|n| std::cmp::Reverse(n.forms[0].len()));
        v
    }

    #[test]
    fn replaces_every_occurrence_and_borrows_when_clean() {
        let s = list(&["xoxb-123-abc", "sk-secret"]);
        assert_eq!(
            scrub_with(&s, "Bearer xoxb-123-abc, again xoxb-123-abc; key sk-secret"),
            "Bearer <redacted>, again <redacted>; key <redacted>"
        );
        assert!(matches!(scrub_with(&s, "nothing here"), Cow::Borrowed(_)));
        assert!(matches!(scrub_with(&[], "xoxb-123-abc"), Cow::Borrowed(_)));
    }

    #[test]
    fn short_values_are_not_secrets() {
        let s = list(&["abc", "abcd"]);
        assert_eq!(scrub_with(&s, "abc abcd"), "abc <redacted>");
    }

    #[test]
    fn a_secret_inside_another_is_replaced_whole() {
        let s = list(&["pass", "password123"]);
        assert_eq!(scrub_with(&s, "password123 pass"), "<redacted> <redacted>");
    }

    #[test]
    fn json_escaped_forms_are_found_in_written_bytes() {
        let s = list(&["p\"w\\d"]);
        let row = serde_json::to_vec(&serde_json::json!({"error": "auth p\"w\\d failed"})).unwrap();
        let scrubbed = scrub_bytes_with(&s, &row);
        let text = String::from_utf8(scrubbed.into_owned()).unwrap();
        assert_eq!(text, r#"{"error":"auth <redacted> failed"}"#);
        // Still valid JSON.
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    }

    #[test]
    fn bytes_borrow_when_clean_and_handle_adjacent_hits() {
        let s = list(&["tok1"]);
        assert!(matches!(scrub_bytes_with(&s, b"clean"), Cow::Borrowed(_)));
        assert_eq!(
            &*scrub_bytes_with(&s, b"tok1tok1\xff"),
            b"<redacted><redacted>\xff"
        );
    }

    #[test]
    fn a_credential_url_leaks_none_of_its_parts() {
        let url = "http://alice:pa%2Fss-w0rd@LOCALHOST:8080/ping/0b9c3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e/?create=1&k=s3cr3t-value";
        let parts = url_parts(url);
        let s = list(&parts.iter().map(String::as_str).collect::<Vec<_>>());
        for echoed in [
            // What a server's 404 page echoes: the request line and headers.
            "GET /ping/0b9c3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e/1?create=1&k=s3cr3t-value HTTP/1.1",
            "Authorization: Basic YWxpY2U6cGElMkZzcy13MHJk",
            "not found: 0b9c3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e",
            // What the client prints: the normalised URL.
            "http://alice:pa%2Fss-w0rd@localhost:8080/ping/0b9c3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e/1?create=1&k=s3cr3t-value: Connection Failed",
            "password pa/ss-w0rd rejected",
            "value=s3cr3t-value",
        ] {
            let scrubbed = scrub_with(&s, echoed);
            for secret in [
                "0b9c3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e",
                "pa%2Fss-w0rd",
                "pa/ss-w0rd",
                "YWxpY2U6cGElMkZzcy13MHJk",
                "s3cr3t-value",
            ] {
                assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
            }
        }
        // Words of the path and the user name are not secrets of their own.
        assert_eq!(
            scrub_with(&s, "heartbeat ping for alice"),
            "heartbeat ping for alice"
        );
        assert_eq!(url_parts("not a url"), ["not a url"]);
    }

    #[test]
    fn register_deduplicates_and_orders_longest_first() {
        // The process-wide list only grows; use values no other test writes.
        register([
            "zz-reg-test-1",
            "zz-reg-test-1",
            "zz-reg-test-longer-2",
            "z",
        ]);
        assert_eq!(
            scrub("a zz-reg-test-longer-2 b zz-reg-test-1"),
            "a <redacted> b <redacted>"
        );
        let secrets = SECRETS.read().unwrap();
        let ours: Vec<_> = secrets
            .iter()
            .filter(|n| n.forms[0].starts_with("zz-reg-test"))
            .collect();
        assert_eq!(ours.len(), 2);
        assert!(!secrets.iter().any(|n| n.forms[0] == "z"));
    }
}
