//! `state/wake.ledger.json` (SPEC §5 step 4): the ids of the wakes a message
//! was sent for. An id in the ledger is never dispatched again, whatever
//! re-reads its row (a crash and re-run, a rewritten segment, a replay). Bounded:
//! entries recorded more than [`KEEP_DAYS`] days ago are dropped.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// How long an id is remembered.
pub const KEEP_DAYS: i64 = 7;

/// One sent message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was recorded (the run's time).
    pub at: DateTime<Utc>,
    /// investigation | flapping | settled
    pub message: String,
    /// ok | failed: a failed send is recorded too, so that a broken channel
    /// does not turn into a storm of retries (the audit row says it failed).
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WakeLedger {
    #[serde(default)]
    pub entries: BTreeMap<String, Entry>,
}

impl WakeLedger {
    pub fn contains(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    pub fn insert(&mut self, id: &str, entry: Entry) {
        self.entries.insert(id.to_string(), entry);
    }

    /// Drops entries recorded more than [`KEEP_DAYS`] before `now`; returns how
    /// many went.
    pub fn prune(&mut self, now: DateTime<Utc>) -> usize {
        let horizon = now - TimeDelta::days(KEEP_DAYS);
        let before = self.entries.len();
        self.entries.retain(|_, e| e.at >= horizon);
        before - self.entries.len()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The ledger id of the "settled" message an episode end sends (distinct from
/// the id of the row's own investigation).
pub fn settled_id(row_id: &str) -> String {
    format!("settled:{row_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    fn entry(at: &str) -> Entry {
        Entry {
            at: t(at),
            message: "investigation".into(),
            status: "ok".into(),
        }
    }

    #[test]
    fn prunes_at_seven_days() {
        let mut ledger = WakeLedger::default();
        ledger.insert("old", entry("2026-05-16T23:59:59.999Z"));
        ledger.insert("edge", entry("2026-05-17T08:00:00Z"));
        ledger.insert("new", entry("2026-05-24T07:00:00Z"));
        assert_eq!(ledger.prune(t("2026-05-24T08:00:00Z")), 1);
        assert!(!ledger.contains("old"));
        assert!(ledger.contains("edge") && ledger.contains("new"));
        assert_eq!(ledger.len(), 2);
    }

    #[test]
    fn round_trips_as_json() {
        let mut ledger = WakeLedger::default();
        ledger.insert("w", entry("2026-05-24T08:00:00Z"));
        let text = serde_json::to_string(&ledger).unwrap();
        assert_eq!(serde_json::from_str::<WakeLedger>(&text).unwrap(), ledger);
        assert!(settled_id("x").starts_with("settled:"));
    }
}
