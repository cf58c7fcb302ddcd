//! `alerts notify --from` input, auto-detected among tend alerts (JSON Lines
//! or an array), an Alertmanager webhook payload and an Alertmanager
//! `/api/v2/alerts` array: never a panic, and every alert parsed has an id.
//! The same bytes read as `state/probes.json` (the shape `probe run` writes,
//! deserialised as `tend status` and `alerts notify` load it) turn into
//! probe alerts the same way: one per probe not OK or still recovering.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tend::alerts::source;
use tend::probe::state::ProbesState;

fuzz_target!(|data: &[u8]| {
    let now = chrono::DateTime::parse_from_rfc3339("2026-05-24T08:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    if let Ok(parsed) = source::parse(data, "fuzz", now) {
        for alert in &parsed.alerts {
            assert!(!alert.id.is_empty(), "an alert without an id");
        }
    }
    if let Ok(state) = serde_json::from_slice::<ProbesState>(data) {
        let alerts = source::probe_alerts(&state);
        assert!(alerts.len() <= state.probes.len());
        for alert in &alerts {
            assert!(alert.id.starts_with("probe:"), "{}", alert.id);
            assert!(!alert.category.is_empty(), "a probe alert without a category");
        }
    }
});
