//! The promotion loops' decisions (design §7), as pure functions of values:
//! figures (what an observation found) plus configuration → proposals, and a
//! proposal plus fresh figures → still supported, or what changed. No files,
//! no clock: the handler passes `now` and the figures in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// router-tuning: per route, over the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteCalls {
    pub calls_count: u64,
    pub escalation_count: u64,
    pub cost_estimate_usd_total: f64,
}

/// A recommendation as seen in a cluster: how often (after normalising), and
/// the text and time of its most recent occurrence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub count: u64,
    pub text: String,
    pub last_ts: DateTime<Utc>,
}

/// probe-envelopes: the investigations of one (probe, issue_category) made
/// without an autofix attempt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub probe: String,
    pub issue_category: String,
    pub rows: u64,
    /// Rows that carried a non-empty recommendation.
    pub with_recommendation: u64,
    /// Normalised text → how it was seen.
    pub recommendations: BTreeMap<String, Recommendation>,
    /// The most recent wake ids (at most [`SAMPLE_WAKES`]), newest first.
    pub recent_wakes: Vec<(DateTime<Utc>, String)>,
}

/// How many wake ids a probe-envelopes proposal samples.
pub const SAMPLE_WAKES: usize = 3;

impl Cluster {
    /// Adds one investigation row.
    pub fn add(&mut self, ts: DateTime<Utc>, wake_id: &str, recommendation: Option<&str>) {
        self.rows += 1;
        if let Some(text) = recommendation {
            let key = normalise(text);
            if !key.is_empty() {
                self.with_recommendation += 1;
                let seen = self.recommendations.entry(key).or_default();
                seen.count += 1;
                if seen.count == 1 || ts >= seen.last_ts {
                    seen.last_ts = ts;
                    seen.text = text.trim().to_string();
                }
            }
        }
        let at = self
            .recent_wakes
            .iter()
            .position(|(t, id)| (ts, wake_id) > (*t, id.as_str()))
            .unwrap_or(self.recent_wakes.len());
        if at < SAMPLE_WAKES {
            self.recent_wakes.insert(at, (ts, wake_id.to_string()));
            self.recent_wakes.truncate(SAMPLE_WAKES);
        }
    }

    /// Adds the rows of `later`, as if they had been added one by one after
    /// this cluster's own (the same counts, texts and sample as one pass).
    pub fn merge(&mut self, later: Cluster) {
        self.rows += later.rows;
        self.with_recommendation += later.with_recommendation;
        for (key, seen) in later.recommendations {
            match self.recommendations.get_mut(&key) {
                Some(mine) => {
                    mine.count += seen.count;
                    if seen.last_ts >= mine.last_ts {
                        mine.last_ts = seen.last_ts;
                        mine.text = seen.text;
                    }
                }
                None => {
                    self.recommendations.insert(key, seen);
                }
            }
        }
        // Newest first; on equal (time, id) the earlier-added stays first.
        self.recent_wakes.extend(later.recent_wakes);
        self.recent_wakes.sort_by(|a, b| b.cmp(a));
        self.recent_wakes.truncate(SAMPLE_WAKES);
    }

    /// The most frequent recommendation (ties: the most recent) and its count.
    pub fn recurring(&self) -> Option<&Recommendation> {
        self.recommendations
            .values()
            .max_by(|a, b| a.count.cmp(&b.count).then(a.last_ts.cmp(&b.last_ts)))
    }
}

/// Lower case, runs of whitespace as one space, trailing punctuation dropped.
pub fn normalise(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    words
        .join(" ")
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_string()
}

/// Key of a cluster in the figures: `probe/issue_category`.
pub fn cluster_key(probe: &str, issue_category: &str) -> String {
    format!("{probe}/{issue_category}")
}

/// What one loop's observation found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Figures {
    Routes {
        routes: BTreeMap<String, RouteCalls>,
    },
    Tools {
        /// route → tool → calls.
        tool_calls: BTreeMap<String, BTreeMap<String, u64>>,
    },
    Clusters {
        clusters: BTreeMap<String, Cluster>,
    },
}

/// The loop-specific part of a proposal (field names are the contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Subject {
    Router {
        route: String,
        calls_count: u64,
        escalation_count: u64,
        escalation_rate: f64,
        cost_estimate_usd_total: f64,
        recommendation_kind: String,
        rationale: String,
    },
    Tool {
        route: String,
        unused_tools: Vec<String>,
        available_tools_count: u64,
        available_from: String,
        total_calls_for_route: u64,
        observation_window_days: u64,
    },
    Envelope {
        probe: String,
        issue_category: String,
        fix_name_suggestion: String,
        cluster_size: u64,
        sample_wake_ids: Vec<String>,
        recurring_recommendation_text: String,
        suggested_envelope: SuggestedEnvelope,
        blast_radius_summary: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestedEnvelope {
    pub enabled: bool,
    pub fix_name: String,
}

/// The pinned blast-radius text of every probe-envelopes proposal.
pub const BLAST_RADIUS: &str = "operator must review — proposed envelope action has not been classified for production-mutation risk; treat as broad-impact by default until operator narrows the scope";

impl Subject {
    /// What the proposal is about: the route, or `probe/issue_category`.
    pub fn key(&self) -> String {
        match self {
            Subject::Router { route, .. } | Subject::Tool { route, .. } => route.clone(),
            Subject::Envelope {
                probe,
                issue_category,
                ..
            } => cluster_key(probe, issue_category),
        }
    }
}

/// A proposal before it gets its id and stamps.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub subject: Subject,
    pub confidence: f64,
}

/// router-tuning settings the policy needs.
#[derive(Debug, Clone)]
pub struct RouterRule {
    pub threshold: f64,
    pub min_calls: u64,
    /// The window as configured, e.g. `24h`, for the rationale.
    pub window: String,
}

/// Routes escalating at ≥ threshold on ≥ min_calls calls: tighten review.
pub fn propose_router(routes: &BTreeMap<String, RouteCalls>, rule: &RouterRule) -> Vec<Draft> {
    routes
        .iter()
        .filter(|(_, r)| r.calls_count >= rule.min_calls && r.calls_count > 0)
        .filter_map(|(route, r)| {
            let rate = r.escalation_count as f64 / r.calls_count as f64;
            (rate >= rule.threshold).then(|| Draft {
                subject: Subject::Router {
                    route: route.clone(),
                    calls_count: r.calls_count,
                    escalation_count: r.escalation_count,
                    escalation_rate: round4(rate),
                    cost_estimate_usd_total: r.cost_estimate_usd_total,
                    recommendation_kind: "tighten_review".into(),
                    rationale: format!(
                        "Route '{route}' escalated on {}/{} calls ({:.1}%) in the rolling {} window (threshold {:.1}%); spend so far: ${:.4}.",
                        r.escalation_count,
                        r.calls_count,
                        rate * 100.0,
                        rule.window,
                        rule.threshold * 100.0,
                        r.cost_estimate_usd_total
                    ),
                },
                confidence: 1.0,
            })
        })
        .collect()
}

/// Where a route's available tools come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Available<'a> {
    /// `registry_file`: what each route is offered.
    Registry(&'a BTreeMap<String, Vec<String>>),
    /// The union of tools seen across routes.
    Union,
}

/// Per route with ≥ min_calls calls: the available tools it never invoked.
pub fn propose_tools(
    tool_calls: &BTreeMap<String, BTreeMap<String, u64>>,
    available: &Available<'_>,
    min_calls: u64,
    window_days: u64,
) -> Vec<Draft> {
    let union: BTreeSet<&str> = tool_calls
        .values()
        .flat_map(|tools| {
            tools
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(t, _)| t.as_str())
        })
        .collect();
    let mut drafts = Vec::new();
    for (route, tools) in tool_calls {
        let total: u64 = tools.values().sum();
        if total < min_calls || total == 0 {
            continue;
        }
        let (offered, from): (BTreeSet<&str>, &str) = match available {
            Available::Registry(registry) => match registry.get(route) {
                Some(list) => (list.iter().map(String::as_str).collect(), "registry"),
                // A route the registry does not list has nothing to trim.
                None => continue,
            },
            Available::Union => (union.clone(), "union"),
        };
        let unused: Vec<String> = offered
            .iter()
            .filter(|t| tools.get(**t).copied().unwrap_or(0) == 0)
            .map(|t| t.to_string())
            .collect();
        if unused.is_empty() {
            continue;
        }
        drafts.push(Draft {
            subject: Subject::Tool {
                route: route.clone(),
                unused_tools: unused,
                available_tools_count: offered.len() as u64,
                available_from: from.into(),
                total_calls_for_route: total,
                observation_window_days: window_days,
            },
            confidence: 1.0,
        });
    }
    drafts
}

/// Clusters of ≥ min_cluster investigations without an autofix attempt.
pub fn propose_envelopes(clusters: &BTreeMap<String, Cluster>, min_cluster: u64) -> Vec<Draft> {
    clusters
        .values()
        .filter(|c| c.rows >= min_cluster && c.rows > 0)
        .map(|c| {
            let recurring = c.recurring();
            let confidence = match recurring {
                Some(r) if c.with_recommendation > 0 => {
                    round4(r.count as f64 / c.with_recommendation as f64)
                }
                _ => 0.0,
            };
            let fix_name = format!("proposed_{}_{}", c.probe, c.issue_category);
            Draft {
                subject: Subject::Envelope {
                    probe: c.probe.clone(),
                    issue_category: c.issue_category.clone(),
                    fix_name_suggestion: fix_name.clone(),
                    cluster_size: c.rows,
                    sample_wake_ids: c.recent_wakes.iter().map(|(_, id)| id.clone()).collect(),
                    recurring_recommendation_text: recurring
                        .map(|r| r.text.clone())
                        .unwrap_or_default(),
                    suggested_envelope: SuggestedEnvelope {
                        enabled: false,
                        fix_name,
                    },
                    blast_radius_summary: BLAST_RADIUS.into(),
                },
                confidence,
            }
        })
        .collect()
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The thresholds a staleness check compares against.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub threshold: f64,
    pub min_calls: u64,
    pub min_cluster: u64,
}

/// Whether `subject`'s evidence still holds in fresh `figures`; if not, a
/// sentence that says what changed, in figures.
pub fn still_supported(subject: &Subject, figures: &Figures, e: &Evidence) -> Result<(), String> {
    match (subject, figures) {
        (Subject::Router { route, .. }, Figures::Routes { routes }) => {
            let now = routes.get(route).cloned().unwrap_or_default();
            if now.calls_count == 0 {
                return Err(format!("route {route} has no calls in the window any more"));
            }
            let rate = now.escalation_count as f64 / now.calls_count as f64;
            if rate < e.threshold {
                return Err(format!(
                    "route {route} now escalates on {}/{} calls ({:.1}%), below the threshold {:.1}%",
                    now.escalation_count,
                    now.calls_count,
                    rate * 100.0,
                    e.threshold * 100.0
                ));
            }
            if now.calls_count < e.min_calls {
                return Err(format!(
                    "route {route} now has {} calls in the window, fewer than min_calls {}",
                    now.calls_count, e.min_calls
                ));
            }
            Ok(())
        }
        (
            Subject::Tool {
                route,
                unused_tools,
                ..
            },
            Figures::Tools { tool_calls },
        ) => {
            let calls = tool_calls.get(route);
            let used: Vec<String> = unused_tools
                .iter()
                .filter_map(|t| {
                    let n = calls.and_then(|c| c.get(t)).copied().unwrap_or(0);
                    (n > 0).then(|| format!("{t} ({n} call{})", if n == 1 { "" } else { "s" }))
                })
                .collect();
            if used.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "route {route} has since called {} of its {} unused tools: {}",
                    used.len(),
                    unused_tools.len(),
                    used.join(", ")
                ))
            }
        }
        (
            Subject::Envelope {
                probe,
                issue_category,
                ..
            },
            Figures::Clusters { clusters },
        ) => {
            let rows = clusters
                .get(&cluster_key(probe, issue_category))
                .map_or(0, |c| c.rows);
            if rows >= e.min_cluster {
                Ok(())
            } else {
                Err(format!(
                    "{probe}/{issue_category} now has {rows} investigations without an autofix attempt in the window, below min_cluster {}",
                    e.min_cluster
                ))
            }
        }
        _ => Err("the fresh observation is of another loop".into()),
    }
}

/// What the store says about a subject's earlier proposals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// No pending proposal, no rejection within the cool-down.
    Clear,
    Pending,
    /// Rejected at this instant.
    Rejected(DateTime<Utc>),
}

/// Whether a new proposal may be made for a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Propose,
    /// A proposal for the subject is waiting.
    AlreadyPending,
    /// Rejected recently: not again before this instant.
    CoolingDown(DateTime<Utc>),
}

/// No second proposal while one is pending; none within `ttl_days` after a
/// rejection (an expiry does not hold a subject back).
pub fn gate(history: &[History], now: DateTime<Utc>, ttl_days: u32) -> Gate {
    if history.contains(&History::Pending) {
        return Gate::AlreadyPending;
    }
    let until = history
        .iter()
        .filter_map(|h| match h {
            // A cool-down beyond the calendar's end never ends (a huge
            // ttl_days means "never again", not "no cool-down").
            History::Rejected(at) => Some(
                at.checked_add_signed(TimeDelta::days(ttl_days.into()))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
            ),
            _ => None,
        })
        .max();
    match until {
        Some(until) if now < until => Gate::CoolingDown(until),
        _ => Gate::Propose,
    }
}

/// Whether a pending proposal made at `created_at` has expired at `now`.
pub fn is_expired(created_at: DateTime<Utc>, now: DateTime<Utc>, ttl_days: u32) -> bool {
    created_at
        .checked_add_signed(TimeDelta::days(ttl_days.into()))
        .is_some_and(|end| now >= end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    fn routes(list: &[(&str, u64, u64, f64)]) -> BTreeMap<String, RouteCalls> {
        list.iter()
            .map(|(r, c, e, cost)| {
                (
                    r.to_string(),
                    RouteCalls {
                        calls_count: *c,
                        escalation_count: *e,
                        cost_estimate_usd_total: *cost,
                    },
                )
            })
            .collect()
    }

    /// Merging the clusters of two halves of a row sequence gives the cluster
    /// of the whole, at every split point, with ties in time and text.
    #[test]
    fn merged_clusters_equal_one_pass() {
        let texts = ["Restart it.", "restart  it", "Scale up", "", "scale up!"];
        let rows: Vec<(DateTime<Utc>, String, Option<&str>)> = (0..23u64)
            .map(|i| {
                let x = i.wrapping_mul(2_654_435_761) % 1000;
                let ts = t("2026-05-23T08:00:00Z") + TimeDelta::seconds((x % 4) as i64);
                let text = match x % 6 {
                    5 => None,
                    k => Some(texts[k as usize % texts.len()]),
                };
                (ts, format!("w{}", x % 3), text)
            })
            .collect();
        let add_all = |rows: &[(DateTime<Utc>, String, Option<&str>)]| {
            let mut c = Cluster::default();
            for (ts, id, text) in rows {
                c.add(*ts, id, *text);
            }
            c
        };
        let whole = add_all(&rows);
        for split in 0..=rows.len() {
            let mut first = add_all(&rows[..split]);
            first.merge(add_all(&rows[split..]));
            assert_eq!(first, whole, "split at {split}");
        }
    }

    fn rule() -> RouterRule {
        RouterRule {
            threshold: 0.5,
            min_calls: 20,
            window: "24h".into(),
        }
    }

    #[test]
    fn router_at_its_boundaries() {
        let cases = [
            // (calls, escalations, proposed)
            (20, 10, true),  // threshold exactly, min_calls exactly
            (19, 19, false), // min_calls − 1
            (20, 9, false),  // just under the threshold
            (100, 60, true),
            (0, 0, false),
        ];
        for (calls, esc, want) in cases {
            let got = propose_router(&routes(&[("r", calls, esc, 0.0)]), &rule());
            assert_eq!(got.len() == 1, want, "{calls}/{esc}");
        }
        assert!(propose_router(&BTreeMap::new(), &rule()).is_empty());
    }

    #[test]
    fn router_proposal_matches_the_contract_example() {
        let got = propose_router(&routes(&[("slack_dm", 100, 60, 1.2)]), &rule());
        let Subject::Router {
            rationale,
            escalation_rate,
            recommendation_kind,
            ..
        } = &got[0].subject
        else {
            panic!("{got:?}")
        };
        assert_eq!(
            rationale,
            "Route 'slack_dm' escalated on 60/100 calls (60.0%) in the rolling 24h window (threshold 50.0%); spend so far: $1.2000."
        );
        assert_eq!(*escalation_rate, 0.6);
        assert_eq!(recommendation_kind, "tighten_review");
        assert_eq!(got[0].confidence, 1.0);
    }

    fn calls(list: &[(&str, &str, u64)]) -> BTreeMap<String, BTreeMap<String, u64>> {
        let mut m: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for (r, tool, n) in list {
            m.entry(r.to_string())
                .or_default()
                .insert(tool.to_string(), *n);
        }
        m
    }

    #[test]
    fn tools_from_the_union_or_the_registry() {
        let seen = calls(&[("a", "search", 15), ("a", "fetch", 5), ("b", "mail", 3)]);
        let union = propose_tools(&seen, &Available::Union, 20, 30);
        assert_eq!(union.len(), 1, "b has too few calls");
        let Subject::Tool {
            unused_tools,
            available_tools_count,
            available_from,
            total_calls_for_route,
            ..
        } = &union[0].subject
        else {
            panic!()
        };
        assert_eq!(unused_tools, &["mail"]);
        assert_eq!(*available_tools_count, 3);
        assert_eq!(available_from, "union");
        assert_eq!(*total_calls_for_route, 20);
        // min_calls − 1: nothing.
        assert!(propose_tools(&seen, &Available::Union, 21, 30).is_empty());
        let registry: BTreeMap<String, Vec<String>> = [(
            "a".to_string(),
            vec![
                "search".into(),
                "fetch".into(),
                "zeta".into(),
                "alpha".into(),
            ],
        )]
        .into();
        let reg = propose_tools(&seen, &Available::Registry(&registry), 20, 30);
        let Subject::Tool {
            unused_tools,
            available_from,
            available_tools_count,
            ..
        } = &reg[0].subject
        else {
            panic!()
        };
        assert_eq!(
            unused_tools,
            &["alpha", "zeta"],
            "sorted, from the registry"
        );
        assert_eq!(available_from, "registry");
        assert_eq!(*available_tools_count, 4);
        // Every offered tool used: nothing to trim.
        let all = calls(&[("a", "x", 30)]);
        assert!(propose_tools(&all, &Available::Union, 20, 30).is_empty());
        assert!(propose_tools(&BTreeMap::new(), &Available::Union, 1, 30).is_empty());
    }

    fn cluster(rows: &[(&str, &str, Option<&str>)]) -> Cluster {
        let mut c = Cluster {
            probe: "api".into(),
            issue_category: "down".into(),
            ..Cluster::default()
        };
        for (ts, wake, rec) in rows {
            c.add(t(ts), wake, *rec);
        }
        c
    }

    #[test]
    fn envelope_confidence_example_and_samples() {
        // 4 rows, 3 recommendations, 2 agreeing → 0.6667.
        let c = cluster(&[
            ("2026-05-20T00:00:00Z", "w1", Some("Restart the API.")),
            ("2026-05-21T00:00:00Z", "w2", Some("restart   the api")),
            ("2026-05-22T00:00:00Z", "w3", Some("Scale up")),
            ("2026-05-19T00:00:00Z", "w4", None),
        ]);
        let clusters: BTreeMap<String, Cluster> = [("api/down".to_string(), c)].into();
        let got = propose_envelopes(&clusters, 3);
        assert_eq!(got[0].confidence, 0.6667);
        let Subject::Envelope {
            sample_wake_ids,
            recurring_recommendation_text,
            fix_name_suggestion,
            suggested_envelope,
            blast_radius_summary,
            cluster_size,
            ..
        } = &got[0].subject
        else {
            panic!()
        };
        assert_eq!(sample_wake_ids, &["w3", "w2", "w1"]);
        assert_eq!(recurring_recommendation_text, "restart   the api");
        assert_eq!(fix_name_suggestion, "proposed_api_down");
        assert_eq!(suggested_envelope.fix_name, "proposed_api_down");
        assert!(!suggested_envelope.enabled);
        assert_eq!(blast_radius_summary, BLAST_RADIUS);
        assert_eq!(*cluster_size, 4);
        // min_cluster − 1.
        assert!(propose_envelopes(&clusters, 5).is_empty());
        assert_eq!(propose_envelopes(&clusters, 4).len(), 1);
    }

    #[test]
    fn recurring_ties_go_to_the_most_recent() {
        let c = cluster(&[
            ("2026-05-20T00:00:00Z", "w1", Some("B")),
            ("2026-05-22T00:00:00Z", "w2", Some("A")),
            ("2026-05-21T00:00:00Z", "w3", Some("b!")),
            ("2026-05-23T00:00:00Z", "w4", Some("a.")),
        ]);
        assert_eq!(c.recurring().unwrap().text, "a.");
        // No recommendations at all: confidence 0, empty text.
        let none = cluster(&[
            ("2026-05-20T00:00:00Z", "w1", None),
            ("2026-05-20T00:00:00Z", "w2", Some("  ")),
            ("2026-05-20T00:00:00Z", "w3", None),
        ]);
        let got = propose_envelopes(&[("k".to_string(), none)].into(), 3);
        assert_eq!(got[0].confidence, 0.0);
        assert_eq!(normalise("  Restart\tTHE api?!  "), "restart the api");
    }

    #[test]
    fn staleness_says_what_changed() {
        let e = Evidence {
            threshold: 0.5,
            min_calls: 20,
            min_cluster: 3,
        };
        let proposal = &propose_router(&routes(&[("slack_dm", 100, 60, 1.2)]), &rule())[0].subject;
        let fresh = |c, esc| Figures::Routes {
            routes: routes(&[("slack_dm", c, esc, 0.0)]),
        };
        assert_eq!(still_supported(proposal, &fresh(20, 10), &e), Ok(()));
        assert_eq!(
            still_supported(proposal, &fresh(80, 12), &e).unwrap_err(),
            "route slack_dm now escalates on 12/80 calls (15.0%), below the threshold 50.0%"
        );
        assert!(
            still_supported(proposal, &fresh(19, 19), &e)
                .unwrap_err()
                .contains("fewer than min_calls 20")
        );
        assert!(
            still_supported(proposal, &fresh(0, 0), &e)
                .unwrap_err()
                .contains("no calls")
        );
        let tool = Subject::Tool {
            route: "a".into(),
            unused_tools: vec!["mail".into(), "x".into()],
            available_tools_count: 3,
            available_from: "union".into(),
            total_calls_for_route: 20,
            observation_window_days: 30,
        };
        let used = Figures::Tools {
            tool_calls: calls(&[("a", "mail", 2), ("a", "search", 9)]),
        };
        assert_eq!(
            still_supported(&tool, &used, &e).unwrap_err(),
            "route a has since called 1 of its 2 unused tools: mail (2 calls)"
        );
        let once = Figures::Tools {
            tool_calls: calls(&[("a", "mail", 1), ("a", "x", 3)]),
        };
        assert_eq!(
            still_supported(&tool, &once, &e).unwrap_err(),
            "route a has since called 2 of its 2 unused tools: mail (1 call), x (3 calls)"
        );
        let unused = Figures::Tools {
            tool_calls: calls(&[("a", "search", 9)]),
        };
        assert_eq!(still_supported(&tool, &unused, &e), Ok(()));
        let c = cluster(&[
            ("2026-05-20T00:00:00Z", "w1", None),
            ("2026-05-21T00:00:00Z", "w2", None),
        ]);
        let env = Subject::Envelope {
            probe: "api".into(),
            issue_category: "down".into(),
            fix_name_suggestion: String::new(),
            cluster_size: 3,
            sample_wake_ids: vec![],
            recurring_recommendation_text: String::new(),
            suggested_envelope: SuggestedEnvelope {
                enabled: false,
                fix_name: String::new(),
            },
            blast_radius_summary: BLAST_RADIUS.into(),
        };
        let two = Figures::Clusters {
            clusters: [("api/down".to_string(), c)].into(),
        };
        assert!(
            still_supported(&env, &two, &e)
                .unwrap_err()
                .contains("now has 2 investigations")
        );
        assert!(still_supported(&env, &unused, &e).is_err());
    }

    #[test]
    fn gate_and_expiry_boundaries() {
        let now = t("2026-05-24T08:00:00Z");
        assert_eq!(gate(&[], now, 14), Gate::Propose);
        assert_eq!(gate(&[History::Clear], now, 14), Gate::Propose);
        assert_eq!(
            gate(
                &[
                    History::Rejected(t("2026-05-01T00:00:00Z")),
                    History::Pending
                ],
                now,
                14
            ),
            Gate::AlreadyPending
        );
        // Rejected exactly ttl_days ago: proposable again; a moment later: not.
        assert_eq!(
            gate(&[History::Rejected(t("2026-05-10T08:00:00Z"))], now, 14),
            Gate::Propose
        );
        assert_eq!(
            gate(&[History::Rejected(t("2026-05-10T08:00:01Z"))], now, 14),
            Gate::CoolingDown(t("2026-05-24T08:00:01Z"))
        );
        assert!(is_expired(t("2026-05-10T08:00:00Z"), now, 14));
        assert!(!is_expired(t("2026-05-10T08:00:01Z"), now, 14));
    }

    #[test]
    fn a_cool_down_past_the_end_of_the_calendar_never_ends() {
        let now = t("2026-05-24T08:00:00Z");
        let rejected = [History::Rejected(t("2026-05-23T08:00:00Z"))];
        assert_eq!(
            gate(&rejected, now, u32::MAX),
            Gate::CoolingDown(DateTime::<Utc>::MAX_UTC)
        );
        // And a proposal pending that long never expires.
        assert!(!is_expired(t("2026-05-23T08:00:00Z"), now, u32::MAX));
    }
}
