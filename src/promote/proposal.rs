//! The proposal file (`proposals/<loop>/<status>/<id>.json`, design §7) and the
//! audit rows that record it. Field names are the contract.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::observe::{NAMESPACE, Observation};
use super::policy::{Draft, Subject};
use super::status::{self, Loop, ProposalStatus};
use crate::audit::{Kind, Row};
use crate::ctx::Root;
use crate::store::state::{self, StateCorrupt};
use crate::store::status_dir::{Item, Listing};
use anyhow::Result;

/// A proposal as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub proposal_id: String,
    #[serde(rename = "loop")]
    pub lp: Loop,
    #[serde(flatten)]
    pub subject: Subject,
    pub confidence: f64,
    pub observation_digest: String,
    pub created_at: DateTime<Utc>,
    pub status: ProposalStatus,
    pub review_notes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Approved with `--force` although the evidence had changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced: Option<Forced>,
    /// The last run of the loop's `on_approve` command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply: Option<Apply>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forced {
    /// What the fresh observation showed.
    pub stale_evidence: String,
    pub observation_digest: String,
}

/// How an `on_approve` run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyStatus {
    /// Started and not recorded as finished (the run was killed): retried by
    /// approving again, like a failure.
    Running,
    Ok,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Apply {
    pub status: ApplyStatus,
    pub attempt: u32,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// How it ended when not by an exit status (a signal, a timeout, not started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The last bytes of its standard error.
    #[serde(default)]
    pub stderr_tail: String,
    #[serde(default)]
    pub duration_ms: u64,
}

/// Why a proposal file read from `<lp>/…/<id>.json` is not that proposal:
/// another id or loop inside (a copy under another name, a file moved by
/// hand). Acting on it would decide a proposal nobody named.
pub fn misplaced(p: &Proposal, lp: Loop, id: &str) -> Option<String> {
    if p.proposal_id != id {
        Some(format!(
            "it holds proposal {:?}, not {id:?} as its name says",
            p.proposal_id
        ))
    } else if p.lp != lp {
        Some(format!("it is a {} proposal in {lp}'s directory", p.lp))
    } else {
        None
    }
}

/// Quarantines the item when it is not the proposal its path says.
fn check(
    root: &Root,
    lp: Loop,
    item: Item<ProposalStatus, Proposal>,
    leave_damaged: bool,
) -> Result<Result<Item<ProposalStatus, Proposal>, StateCorrupt>> {
    match misplaced(&item.value, lp, &item.id) {
        None => Ok(Ok(item)),
        Some(why) if leave_damaged => Err(state::StateDamaged {
            path: item.path,
            reason: why,
        }
        .into()),
        Some(why) => Ok(Err(state::quarantine(
            &item.path,
            &root.quarantine_dir(),
            why,
        )?)),
    }
}

/// Reads one proposal of `lp` (a damaged or misplaced file is quarantined:
/// a [`StateCorrupt`] error, exit 74; with `leave_damaged`, a dry run's,
/// it is left in place and named).
pub fn read(
    root: &Root,
    lp: Loop,
    status: ProposalStatus,
    id: &str,
    leave_damaged: bool,
) -> Result<Item<ProposalStatus, Proposal>> {
    let item = status::store(root, lp)
        .leaving_damaged(leave_damaged)
        .read::<Proposal>(status, id)?;
    Ok(check(root, lp, item, leave_damaged)??)
}

/// Reads every proposal of `lp` in `status`; damaged or misplaced files are
/// quarantined and listed, the others returned (with `leave_damaged`, a dry
/// run's, the first is left in place and named in the error).
pub fn read_all(
    root: &Root,
    lp: Loop,
    status: ProposalStatus,
    leave_damaged: bool,
) -> Result<Listing<ProposalStatus, Proposal>> {
    let listing = status::store(root, lp)
        .leaving_damaged(leave_damaged)
        .read_all::<Proposal>(status)?;
    let mut checked = Listing {
        items: Vec::with_capacity(listing.items.len()),
        quarantined: listing.quarantined,
        refused: listing.refused,
    };
    for item in listing.items {
        match check(root, lp, item, leave_damaged)? {
            Ok(item) => checked.items.push(item),
            Err(corrupt) => checked.quarantined.push(corrupt),
        }
    }
    Ok(checked)
}

/// `p-router-` etc. + 12 hex digits of a hash of (loop, subject, UTC date).
pub fn proposal_id(lp: Loop, subject: &str, until: DateTime<Utc>) -> String {
    let fact = format!("{}\n{subject}\n{}", lp.name(), until.format("%Y-%m-%d"));
    let hash = Uuid::new_v5(&NAMESPACE, fact.as_bytes())
        .simple()
        .to_string();
    format!("{}{}", lp.id_prefix(), &hash[..12])
}

impl Proposal {
    pub fn new(lp: Loop, draft: Draft, observation: &Observation, now: DateTime<Utc>) -> Proposal {
        Proposal {
            proposal_id: proposal_id(lp, &draft.subject.key(), observation.until),
            lp,
            subject: draft.subject,
            confidence: draft.confidence,
            observation_digest: observation.digest.clone(),
            created_at: now,
            status: ProposalStatus::Pending,
            review_notes: String::new(),
            reviewed_by: None,
            reviewed_at: None,
            forced: None,
            apply: None,
        }
    }

    pub fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// The subject's key fields, for audit rows.
    fn key_fields(&self) -> Value {
        match &self.subject {
            Subject::Router {
                route,
                calls_count,
                escalation_count,
                escalation_rate,
                recommendation_kind,
                ..
            } => json!({"route": route, "calls_count": calls_count,
                "escalation_count": escalation_count, "escalation_rate": escalation_rate,
                "recommendation_kind": recommendation_kind}),
            Subject::Tool {
                route,
                unused_tools,
                available_from,
                total_calls_for_route,
                ..
            } => json!({"route": route, "unused_tools": unused_tools,
                "available_from": available_from, "total_calls_for_route": total_calls_for_route}),
            Subject::Envelope {
                probe,
                issue_category,
                cluster_size,
                fix_name_suggestion,
                ..
            } => json!({"probe": probe, "issue_category": issue_category,
                "cluster_size": cluster_size, "fix_name_suggestion": fix_name_suggestion}),
        }
    }

    fn details(&self) -> Value {
        let mut details = json!({"proposal_id": self.proposal_id, "loop": self.lp});
        if let (Some(d), Value::Object(extra)) = (details.as_object_mut(), self.key_fields()) {
            d.extend(extra);
        }
        details
    }

    /// The `promotion.*_proposed` row (deterministic id: one per proposal).
    pub fn proposed_row(&self, now: DateTime<Utc>) -> Row {
        let kind = match self.lp {
            Loop::RouterTuning => Kind::PromotionRouterTriggerProposed,
            Loop::ToolTrimming => Kind::PromotionToolTrimProposed,
            Loop::ProbeEnvelopes => Kind::PromotionProbeEnvelopeActionProposed,
        };
        let mut details = self.details();
        details["confidence"] = json!(self.confidence);
        details["observation_digest"] = json!(self.observation_digest);
        Row::deterministic(kind, now, &self.proposal_id, details).with_correlation_key(format!(
            "promote:{}:{}",
            self.lp,
            self.subject.key()
        ))
    }

    /// The `promotion.approved|rejected|expired` row of the current status
    /// (deterministic per decision and apply attempt).
    pub fn decision_row(&self, now: DateTime<Utc>) -> Row {
        let kind = match self.status {
            ProposalStatus::Rejected => Kind::PromotionRejected,
            ProposalStatus::Expired => Kind::PromotionExpired,
            ProposalStatus::Approved | ProposalStatus::Pending => Kind::PromotionApproved,
        };
        let mut details = self.details();
        details["reviewed_by"] = json!(self.reviewed_by);
        details["review_notes"] = json!(self.review_notes);
        if let Some(forced) = &self.forced {
            details["forced"] = json!(forced);
        }
        if let Some(apply) = &self.apply {
            details["apply"] = json!(apply);
        }
        let attempt = self.apply.as_ref().map_or(0, |a| a.attempt);
        Row::deterministic(
            kind,
            now,
            &format!("{}:{attempt}", self.proposal_id),
            details,
        )
        .with_correlation_key(format!("promote:{}:{}", self.lp, self.subject.key()))
    }

    /// Who decided and when, e.g. `by alice at 2026-05-24T08:00:00.000Z`.
    pub fn decided(&self) -> String {
        format!(
            "by {} at {}",
            crate::terminal::escape_field(self.reviewed_by.as_deref().unwrap_or("unknown")),
            self.reviewed_at
                .map(crate::clock::format_ts)
                .unwrap_or_else(|| "an unknown time".into())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promote::policy::{RouteCalls, RouterRule, propose_router};

    #[test]
    fn ids_are_deterministic_per_loop_subject_and_day() {
        let t = |s| crate::clock::parse_ts(s).unwrap();
        let a = proposal_id(Loop::RouterTuning, "slack_dm", t("2026-05-24T08:00:00Z"));
        assert_eq!(
            a,
            proposal_id(Loop::RouterTuning, "slack_dm", t("2026-05-24T23:59:59Z"))
        );
        assert_ne!(
            a,
            proposal_id(Loop::RouterTuning, "slack_dm", t("2026-05-25T00:00:00Z"))
        );
        assert_ne!(
            a,
            proposal_id(Loop::RouterTuning, "email", t("2026-05-24T08:00:00Z"))
        );
        assert!(a.starts_with("p-router-") && a.len() == 9 + 12, "{a}");
        assert!(a[9..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(proposal_id(Loop::ToolTrimming, "x", t("2026-05-24")).starts_with("p-tool-"));
        assert!(
            proposal_id(Loop::ProbeEnvelopes, "x/y", t("2026-05-24")).starts_with("p-envelope-")
        );
    }

    #[test]
    fn the_file_has_the_contract_fields_and_reads_back() {
        let t = crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let routes = [(
            "slack_dm".to_string(),
            RouteCalls {
                calls_count: 100,
                escalation_count: 60,
                cost_estimate_usd_total: 1.2,
            },
        )]
        .into();
        let draft = propose_router(
            &routes,
            &RouterRule {
                threshold: 0.5,
                min_calls: 20,
                window: "24h".into(),
            },
        )
        .remove(0);
        let observation = Observation {
            lp: Loop::RouterTuning,
            observed_at: t,
            since: t,
            until: t,
            rows: Default::default(),
            skipped: 0,
            bytes_read: 0,
            bytes_cached: 0,
            duplicates: 0,
            figures: crate::promote::policy::Figures::Routes { routes },
            digest: "sha1:x".into(),
        };
        let p = Proposal::new(Loop::RouterTuning, draft, &observation, t);
        let v: Value = serde_json::from_slice(&p.to_bytes().unwrap()).unwrap();
        for field in [
            "proposal_id",
            "loop",
            "route",
            "calls_count",
            "escalation_count",
            "escalation_rate",
            "cost_estimate_usd_total",
            "recommendation_kind",
            "rationale",
            "confidence",
            "created_at",
            "status",
            "review_notes",
            "observation_digest",
        ] {
            assert!(v.get(field).is_some(), "{field} missing from {v}");
        }
        assert_eq!(v["loop"], "router-tuning");
        assert_eq!(v["status"], "pending");
        assert_eq!(v["created_at"], "2026-05-24T08:00:00Z");
        let back: Proposal = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
        let row = serde_json::to_value(p.proposed_row(t)).unwrap();
        assert_eq!(row["kind"], "promotion.router_trigger_proposed");
        assert_eq!(row["details"]["route"], "slack_dm");
        assert_eq!(row["details"]["proposal_id"], json!(p.proposal_id));
    }
}
