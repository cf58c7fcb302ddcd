//! Time: the command's "now" (honouring `--now` / `TEND_NOW`, design §10) and the
//! one timestamp format of the audit log (RFC 3339, UTC, milliseconds, `Z`).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// Formats an instant as the audit log does: `2026-05-24T08:00:00.123Z`.
pub fn format_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses what a user may type for an instant: RFC 3339 with any offset
/// (`2026-05-24T08:00:00Z`, `…+02:00`, with or without fractions), or a bare
/// date (`2026-05-24`, meaning its midnight UTC).
pub fn parse_ts(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(format!(
        "invalid timestamp {text:?}: expected RFC 3339 such as 2026-05-24T08:00:00Z, or a date such as 2026-05-24"
    ))
}

/// The instant a command runs at: fixed by `--now`, else the system clock read
/// once at start-up so that one run sees one "now".
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    now: DateTime<Utc>,
    fixed: bool,
}

impl Clock {
    pub fn system() -> Clock {
        Clock {
            now: Utc::now(),
            fixed: false,
        }
    }

    pub fn fixed(now: DateTime<Utc>) -> Clock {
        Clock { now, fixed: true }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Whether `--now` fixed the time (then long-running loops such as
    /// `audit tail -f` still use the wall clock to sleep).
    pub fn is_fixed(&self) -> bool {
        self.fixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        let t = parse_ts("2026-05-24T10:00:00.1234+02:00").unwrap();
        assert_eq!(format_ts(t), "2026-05-24T08:00:00.123Z");
        assert_eq!(
            format_ts(parse_ts("2026-05-24").unwrap()),
            "2026-05-24T00:00:00.000Z"
        );
        for bad in ["", "yesterday", "2026-05-24 08:00", "2026-13-01"] {
            assert!(parse_ts(bad).is_err(), "{bad}");
        }
    }
}
