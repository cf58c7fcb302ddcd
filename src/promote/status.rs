//! The promotion loops (a closed set) and where their proposals live:
//! `proposals/<loop>/{pending,approved,rejected,expired}/<proposal_id>.json`
//! (design §1, §7). This is the only way any module reaches `proposals/`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::ctx::Root;
use crate::store::status_dir::{Status, StatusDirs};

/// The promotion loops. An unknown name is a usage error that lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Loop {
    #[serde(rename = "router-tuning")]
    RouterTuning,
    #[serde(rename = "tool-trimming")]
    ToolTrimming,
    #[serde(rename = "probe-envelopes")]
    ProbeEnvelopes,
}

impl Loop {
    pub const ALL: [Loop; 3] = [Loop::RouterTuning, Loop::ToolTrimming, Loop::ProbeEnvelopes];

    pub const fn name(self) -> &'static str {
        match self {
            Loop::RouterTuning => "router-tuning",
            Loop::ToolTrimming => "tool-trimming",
            Loop::ProbeEnvelopes => "probe-envelopes",
        }
    }

    /// The prefix of this loop's proposal ids.
    pub const fn id_prefix(self) -> &'static str {
        match self {
            Loop::RouterTuning => "p-router-",
            Loop::ToolTrimming => "p-tool-",
            Loop::ProbeEnvelopes => "p-envelope-",
        }
    }

    /// The loop a proposal id belongs to, by its prefix.
    pub fn of_id(id: &str) -> Option<Loop> {
        Loop::ALL
            .into_iter()
            .find(|l| id.starts_with(l.id_prefix()))
    }
}

impl fmt::Display for Loop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loop {
    type Err = String;
    fn from_str(s: &str) -> Result<Loop, String> {
        Loop::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown loop {s:?}: expected one of {}",
                    Loop::ALL.map(Loop::name).join(", ")
                )
            })
    }
}

/// Where a proposal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProposalStatus {
    Pending,
    Approved,
    Rejected,
    Expired,
}

impl Status for ProposalStatus {
    const ALL: &'static [ProposalStatus] = &[
        ProposalStatus::Pending,
        ProposalStatus::Approved,
        ProposalStatus::Rejected,
        ProposalStatus::Expired,
    ];

    fn name(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Expired => "expired",
        }
    }

    /// Forward only: a decision is final (a failed apply is retried in place).
    fn next(self) -> &'static [ProposalStatus] {
        match self {
            ProposalStatus::Pending => &[
                ProposalStatus::Approved,
                ProposalStatus::Rejected,
                ProposalStatus::Expired,
            ],
            ProposalStatus::Approved | ProposalStatus::Rejected | ProposalStatus::Expired => &[],
        }
    }
}

impl fmt::Display for ProposalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The proposals of one loop.
pub fn store(root: &Root, lp: Loop) -> StatusDirs<ProposalStatus> {
    StatusDirs::new(root.proposals_dir().join(lp.name()), root.quarantine_dir())
}

/// Loop → number of pending proposals, for loops that have any (`tend status`).
pub fn pending_counts(root: &Root) -> Result<BTreeMap<Loop, usize>> {
    let mut counts = BTreeMap::new();
    for lp in Loop::ALL {
        let n = store(root, lp).count(ProposalStatus::Pending)?;
        if n > 0 {
            counts.insert(lp, n);
        }
    }
    Ok(counts)
}

/// Proposals found in two status directories, per loop (`tend doctor`).
pub fn duplicates(root: &Root) -> Vec<(String, String, Vec<ProposalStatus>)> {
    let mut found = Vec::new();
    for lp in Loop::ALL {
        let store = store(root, lp);
        for (id, holders) in store.duplicates() {
            found.push((store.base().display().to_string(), id, holders));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::status_dir::check_table;

    #[test]
    fn loops_parse_and_name_their_ids() {
        for lp in Loop::ALL {
            assert_eq!(lp.name().parse::<Loop>(), Ok(lp));
            assert_eq!(
                Loop::of_id(&format!("{}0123456789ab", lp.id_prefix())),
                Some(lp)
            );
        }
        assert_eq!(
            "router".parse::<Loop>().unwrap_err(),
            "unknown loop \"router\": expected one of router-tuning, tool-trimming, probe-envelopes"
        );
        assert_eq!(Loop::of_id("s-0123"), None);
    }

    #[test]
    fn the_transition_table_only_moves_forward() {
        assert_eq!(check_table::<ProposalStatus>(), Ok(()));
        assert_eq!(
            serde_json::to_string(&ProposalStatus::Expired).unwrap(),
            "\"expired\""
        );
        assert!(ProposalStatus::Pending.can_move_to(ProposalStatus::Approved));
        assert!(!ProposalStatus::Rejected.can_move_to(ProposalStatus::Approved));
        assert_eq!(
            ProposalStatus::parse("waiting").unwrap_err().expected,
            "pending, approved, rejected, expired"
        );
    }
}
