//! `state/wake.ledger.json` (design §5 step 4): the ids of the wakes a message
//! was sent for. An id in the ledger is never dispatched again, whatever
//! re-reads its row (a crash and re-run, a rewritten segment, a replay). Bounded:
//! entries recorded more than [`KEEP_DAYS`] days ago are dropped.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::Row;

/// How long an id is remembered.
pub const KEEP_DAYS: i64 = 7;

/// Which operator message a send was (design §5: one per dispatched wake, one
/// per flapping episode, one when an episode settles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Investigation,
    Flapping,
    Settled,
}

impl MessageKind {
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::Investigation => "investigation",
            MessageKind::Flapping => "flapping",
            MessageKind::Settled => "settled",
        }
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a send ended. A failed send is recorded too, so that a broken channel
/// does not turn into a storm of retries (the audit row says it failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Ok,
    Failed,
    /// Given up: its two attempts were each cut off (a kill) before the
    /// channel's answer was recorded, so whether it arrived is unknown, and it
    /// is not sent a third time ([`crate::store::attempts`]).
    Unconfirmed,
}

impl Delivery {
    /// The word in the ledger.
    pub fn name(self) -> &'static str {
        match self {
            Delivery::Ok => "ok",
            Delivery::Failed => "failed",
            Delivery::Unconfirmed => "unconfirmed",
        }
    }

    /// The `status` of its `notification.dispatched` row: a message given up
    /// is a failed dispatch (with the error `unconfirmed_after_2_attempts`).
    pub fn row_status(self) -> &'static str {
        match self {
            Delivery::Ok => "ok",
            Delivery::Failed | Delivery::Unconfirmed => "failed",
        }
    }
}

/// One sent message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was recorded (the run's time).
    pub at: DateTime<Utc>,
    pub message: MessageKind,
    pub status: Delivery,
    /// The audit rows of the send, kept here until they are appended: the
    /// ledger is written first, right after the send, so a kill or a failed
    /// append before the rows reach the log must not lose them. The next run
    /// appends them (with their ids, so a repeat is recognisable) before it
    /// reads anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unrecorded: Vec<Row>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WakeLedger {
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

    /// The rows of every entry still waiting for the audit log, oldest
    /// entry first, leaving the entries without them.
    pub fn take_unrecorded(&mut self) -> Vec<Row> {
        let mut entries: Vec<&mut Entry> = self
            .entries
            .values_mut()
            .filter(|e| !e.unrecorded.is_empty())
            .collect();
        entries.sort_by_key(|e| e.at);
        entries
            .into_iter()
            .flat_map(|e| std::mem::take(&mut e.unrecorded))
            .collect()
    }

    /// Marks the rows of `id` as appended; whether anything changed.
    pub fn recorded(&mut self, id: &str) -> bool {
        match self.entries.get_mut(id) {
            Some(e) if !e.unrecorded.is_empty() => {
                e.unrecorded.clear();
                true
            }
            _ => false,
        }
    }

    /// How many entries are messages given up ([`Delivery::Unconfirmed`]).
    pub fn unconfirmed(&self) -> usize {
        self.entries
            .values()
            .filter(|e| e.status == Delivery::Unconfirmed)
            .count()
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
            message: MessageKind::Investigation,
            status: Delivery::Ok,
            unrecorded: Vec::new(),
        }
    }

    /// The file keeps the words it always had; a word outside the vocabulary
    /// is refused (the state is then quarantined), never taken as another.
    #[test]
    fn entries_read_and_write_the_same_words() {
        let text = r#"{"entries":{"w1":{"at":"2026-05-24T08:00:00Z","message":"settled","status":"failed"}}}"#;
        let ledger: WakeLedger = serde_json::from_str(text).unwrap();
        let e = &ledger.entries["w1"];
        assert_eq!(
            (e.message, e.status),
            (MessageKind::Settled, Delivery::Failed)
        );
        let back = serde_json::to_value(&ledger).unwrap();
        assert_eq!(back["entries"]["w1"]["message"], "settled");
        assert_eq!(back["entries"]["w1"]["status"], "failed");
        let given_up = text.replace(r#""status":"failed""#, r#""status":"unconfirmed""#);
        let ledger: WakeLedger = serde_json::from_str(&given_up).unwrap();
        assert_eq!(ledger.entries["w1"].status, Delivery::Unconfirmed);
        assert_eq!(ledger.unconfirmed(), 1);
        assert_eq!(WakeLedger::default().unconfirmed(), 0);
        assert_eq!(
            (
                Delivery::Unconfirmed.name(),
                Delivery::Unconfirmed.row_status()
            ),
            ("unconfirmed", "failed")
        );
        assert_eq!(
            (Delivery::Ok.row_status(), Delivery::Failed.row_status()),
            ("ok", "failed")
        );
        for bad in [r#""status":"sent""#, r#""status":"OK""#] {
            let text = text.replace(r#""status":"failed""#, bad);
            assert!(serde_json::from_str::<WakeLedger>(&text).is_err(), "{bad}");
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

    #[test]
    fn unrecorded_rows_round_trip_and_are_taken_once() {
        use crate::audit::Kind;
        let mut ledger = WakeLedger::default();
        let row = |n: u32| {
            Row::new(
                Kind::NotificationDispatched,
                t("2026-05-24T08:00:00Z"),
                serde_json::json!({"ref": n}),
            )
            .with_correlation_key("probe:api:down")
        };
        let mut later = entry("2026-05-24T08:00:01Z");
        later.unrecorded = vec![row(2)];
        let mut earlier = entry("2026-05-24T08:00:00Z");
        earlier.unrecorded = vec![row(0), row(1)];
        ledger.insert("a-later", later);
        ledger.insert("b-earlier", earlier);
        ledger.insert("c-done", entry("2026-05-24T07:00:00Z"));
        let text = serde_json::to_string(&ledger).unwrap();
        let mut back: WakeLedger = serde_json::from_str(&text).unwrap();
        assert_eq!(back, ledger);
        let rows = back.take_unrecorded();
        let refs: Vec<_> = rows.iter().map(|r| r.details["ref"].clone()).collect();
        assert_eq!(refs, [0, 1, 2]);
        assert!(back.take_unrecorded().is_empty());
        assert!(back.contains("a-later") && back.contains("b-earlier"));

        let mut ledger: WakeLedger = serde_json::from_str(&text).unwrap();
        assert!(ledger.recorded("a-later"));
        assert!(!ledger.recorded("a-later"));
        assert!(!ledger.recorded("c-done") && !ledger.recorded("missing"));
        assert_eq!(ledger.take_unrecorded().len(), 2);
    }
}
