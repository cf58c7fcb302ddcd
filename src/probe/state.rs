//! `state/probes.json` (design §4): the latest status of every probe, its
//! consecutive counts, flapping, and its last results and state changes. Written
//! by `probe run` (atomically, after its audit rows), read by `alerts notify`
//! and `tend status` through [`load`] — the one typed way other modules read
//! it.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::{Deserialize, Serialize};

pub use super::nagios::Status;
use crate::ctx::Ctx;
use crate::severity::Severity;

/// The state file name under `state/`.
pub const FILE: &str = "probes.json";

/// How many results and how many state changes are kept per probe.
pub const KEEP: usize = 20;

/// `state/probes.json`. The shape is a contract (other commands and operators'
/// `jq` read it); fields are only ever added:
///
/// ```json
/// {
///   "probes": {
///     "<probe name>": {
///       "status": "ok|warning|critical|unknown",   // the latest result
///       "issue_category": "queue_stalled",          // of the latest result; "ok" when OK
///       "severity": "critical|warning|info|null",  // of the latest result; null when OK
///       "summary": "…",                             // the latest result's summary
///       "since": "2026-05-24T08:00:00.000Z",        // when the current status began
///       "last_checked": "2026-05-24T08:05:00.000Z", // the latest result's time
///       "consecutive": 3,                           // results in a row with the current status
///       "consecutive_ok": 0,                        // OK results in a row (0 when not OK)
///       "down_since": "…|null",                     // start of the non-OK episode not yet
///                                                   //   recovered (recover_after OKs); null when none
///       "down_category": "…|null",                  // issue_category of that episode's latest non-OK result
///       "flapping": false,
///       "flapping_since": "…|null",                 // when the current flapping began
///       "flapping_ended": "…|null",                 // when the last flapping ended (null while flapping)
///       "state_change_percent": 12.3,               // the weighted share of state changes (flap rule)
///       "history": [{"ts": "…", "status": "ok"}],   // the last 20 results, oldest first
///       "changes": [{"ts": "…", "from": "ok", "to": "critical"}]   // the last 20 state changes, oldest first
///     }
///   }
/// }
/// ```
///
/// A probe is an active alert while `status` is not `ok`; its alert id is
/// `probe:{name}:{issue_category}`. Probes that no longer exist (or are
/// disabled) are dropped by the next full `probe run`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbesState {
    pub probes: BTreeMap<String, ProbeState>,
}

/// One probe's entry in [`ProbesState`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeState {
    pub status: Status,
    pub issue_category: String,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub summary: String,
    pub since: String,
    pub last_checked: String,
    pub consecutive: u32,
    pub consecutive_ok: u32,
    #[serde(default)]
    pub down_since: Option<String>,
    #[serde(default)]
    pub down_category: Option<String>,
    #[serde(default)]
    pub flapping: bool,
    #[serde(default)]
    pub flapping_since: Option<String>,
    #[serde(default)]
    pub flapping_ended: Option<String>,
    #[serde(default)]
    pub state_change_percent: f64,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// Reads `state/probes.json`: `None` before the first `probe run`. A file that
/// does not parse as this shape is quarantined (exit 74).
pub fn load(ctx: &Ctx) -> Result<Option<ProbesState>> {
    ctx.load_state(FILE)
}

impl ProbeState {
    /// OK again but not yet recovered (fewer than `recover_after` OKs in a
    /// row since the episode began): the non-OK episode is still open.
    pub fn is_recovering(&self) -> bool {
        self.status == Status::Ok
            && self
                .down_since
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty())
    }
}

/// One past result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub ts: String,
    pub status: Status,
}

/// One change of status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub ts: String,
    pub from: Status,
    pub to: Status,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_is_the_documented_one() {
        let state = ProbesState {
            probes: BTreeMap::from([(
                "db".to_string(),
                ProbeState {
                    status: Status::Critical,
                    issue_category: "db_down".into(),
                    severity: Some(Severity::Critical),
                    summary: "refused".into(),
                    since: "2026-05-24T08:00:00.000Z".into(),
                    last_checked: "2026-05-24T08:05:00.000Z".into(),
                    consecutive: 2,
                    consecutive_ok: 0,
                    down_since: Some("2026-05-24T08:00:00.000Z".into()),
                    down_category: Some("db_down".into()),
                    flapping: false,
                    flapping_since: None,
                    flapping_ended: None,
                    state_change_percent: 6.3,
                    history: vec![HistoryEntry {
                        ts: "2026-05-24T08:00:00.000Z".into(),
                        status: Status::Critical,
                    }],
                    changes: vec![Change {
                        ts: "2026-05-24T08:00:00.000Z".into(),
                        from: Status::Ok,
                        to: Status::Critical,
                    }],
                },
            )]),
        };
        let value = serde_json::to_value(&state).unwrap();
        let db = &value["probes"]["db"];
        for key in [
            "status",
            "issue_category",
            "severity",
            "summary",
            "since",
            "last_checked",
            "consecutive",
            "consecutive_ok",
            "down_since",
            "down_category",
            "flapping",
            "flapping_since",
            "flapping_ended",
            "state_change_percent",
            "history",
            "changes",
        ] {
            assert!(db.get(key).is_some(), "missing {key}: {db}");
        }
        assert_eq!(db["status"], "critical");
        assert_eq!(db["severity"], "critical");
        assert_eq!(db["changes"][0]["to"], "critical");
        let back: ProbesState = serde_json::from_value(value).unwrap();
        assert_eq!(back, state);
    }
}
