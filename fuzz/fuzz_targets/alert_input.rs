//! `alerts notify --from` input, auto-detected among tend alerts (JSON Lines
//! or an array), an Alertmanager webhook payload and an Alertmanager
//! `/api/v2/alerts` array: never a panic, and every alert parsed has an id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tend::alerts::source;

fuzz_target!(|data: &[u8]| {
    let now = chrono::DateTime::parse_from_rfc3339("2026-05-24T08:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    if let Ok(parsed) = source::parse(data, "fuzz", now) {
        for alert in &parsed.alerts {
            assert!(!alert.id.is_empty(), "an alert without an id");
        }
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = source::probe_alerts(&value);
    }
});
