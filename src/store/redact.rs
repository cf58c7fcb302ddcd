//! The one choke point for secrets (SPEC §10): every configured secret value is
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
