//! `tend promote run` (observe + propose + expire) and `tend promote
//! approve|reject` (design §7), router-tuning with an `on_approve` command,
//! killed at random instants and re-run to completion:
//!
//! 1. `promote run` over rows that support 4 router-tuning, 3 tool-trimming
//!    and 2 probe-envelopes proposals;
//! 2. each proposal approved, rejected or left pending (seeded), each
//!    decision re-run until it completes, as a reviewer would;
//! 3. `promote run` 15 days later: the ones left pending expire (and the
//!    subjects whose cool-down ended are proposed again).
//!
//! Invariants: after every kill, every proposal seen so far is in one status
//! directory, or in two only until the next read repairs it (a kill between
//! the link and the unlink of a move: the later status wins), never in none.
//! At rest: each proposal in exactly one directory, matching its `status`;
//! its `promotion.*_proposed` row present; an approval's, rejection's or
//! expiry's row present, and no decision row for a decision that was not
//! made; no row id twice ("duplicates": a decision retried after a kill
//! between its row and its move finds its row by id and adds none); an
//! approval's `on_approve` finished ok, and its last attempt recorded.
//! "Inside a send" counts `on_approve` runs beyond the first per proposal:
//! a kill during the command (or before its result was recorded) runs it
//! again on the next approval, as design §7 says.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Rng, Tally, check_at_rest, kill_loop, rows_under, scenario};
use crate::support::TestEnv;

/// Kills land up to this long after the start: about a run's length, so
/// that they spread over the whole run (the release build, which
/// bench/crash.sh uses, runs faster).
const MAX_DELAY: Duration = Duration::from_millis(if cfg!(debug_assertions) { 250 } else { 80 });
const LOOPS: [&str; 3] = ["router-tuning", "tool-trimming", "probe-envelopes"];
const STATUSES: [&str; 4] = ["pending", "approved", "rejected", "expired"];
const LATER: &str = "2026-06-08T08:00:00Z";

fn row(ts: &str, kind: &str, details: Value) -> String {
    json!({"id": format!("r-{ts}-{kind}"), "ts": ts, "kind": kind, "details": details}).to_string()
}

/// The platform's rows, in the window ending at NOW (2026-05-24T08:00Z).
fn platform_rows() -> String {
    let mut lines = Vec::new();
    for r in 0..4 {
        for i in 0..30 {
            lines.push(row(
                &format!("2026-05-24T0{}:{:02}:{r:02}.000Z", i % 7, i),
                "inference.recorded",
                json!({"route": format!("route-{r}"), "model": "m", "escalated": i < 20, "cost_usd": 0.01}),
            ));
        }
    }
    let tools = ["lookup", "mail", "search", "write"];
    for r in 0..3 {
        for i in 0..24 {
            lines.push(row(
                &format!("2026-05-2{}T01:{i:02}:{r:02}.000Z", i % 4),
                "reasoning.tool_called",
                json!({"route": format!("tools-{r}"), "tool_name": tools[(r + i % 2) % 4], "caller_session_id": "s"}),
            ));
        }
    }
    for p in 0..2 {
        for i in 0..4 {
            lines.push(row(
                &format!("2026-05-2{i}T03:00:{p:02}.000Z"),
                "probe.investigation_completed",
                json!({"probe": format!("probe-{p}"), "issue_category": "down", "wake_id": format!("w{p}{i}"),
                       "engine_status": "ok", "recommendation_text": "Restart it.", "autofix_attempted": false}),
            ));
        }
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Where each proposal is: id → (loop, statuses holding it).
fn locations(env: &TestEnv) -> BTreeMap<String, (String, Vec<String>)> {
    let mut found: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for lp in LOOPS {
        for status in STATUSES {
            let dir = env.path(&format!("proposals/{lp}/{status}"));
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if let Some(id) = name.strip_suffix(".json").filter(|n| !n.starts_with('.')) {
                    found
                        .entry(id.to_string())
                        .or_insert_with(|| (lp.to_string(), Vec::new()))
                        .1
                        .push(status.to_string());
                }
            }
        }
    }
    found
}

/// Kills that landed between a row and the state change it records (a
/// proposal's row without its file, a decision's row with the proposal still
/// pending): the retries that must find the row and add no second copy.
static ROW_BEFORE_CHANGE: AtomicUsize = AtomicUsize::new(0);

/// After a kill: every proposal known before is still somewhere; counts a
/// kill between a row and its change.
fn none_lost(env: &TestEnv, seed: u64, known: &BTreeSet<String>, when: &str) {
    let now = locations(env);
    for id in known {
        assert!(
            now.contains_key(id),
            "seed {seed}: {when}: proposal {id} is in no status directory"
        );
    }
    let ahead = rows_under(&env.path("audit")).iter().any(|r| {
        let kind = r["kind"].as_str().unwrap_or("");
        let Some(id) = r["details"]["proposal_id"].as_str() else {
            return false;
        };
        let place = now.get(id).map(|(_, statuses)| statuses.as_slice());
        (kind.ends_with("_proposed") && place.is_none())
            || (matches!(kind, "promotion.rejected" | "promotion.expired")
                || kind == "promotion.approved"
                    && now.get(id).is_some_and(|(lp, _)| lp != "router-tuning"))
                && place == Some(&["pending".to_string()][..])
    });
    if ahead {
        ROW_BEFORE_CHANGE.fetch_add(1, Ordering::SeqCst);
    }
}

/// What a reviewer does with each proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Review {
    Approve,
    Reject,
    Leave,
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut env = TestEnv::new();
    let applied = env.dir().join("applied.log");
    let script = env.script(
        "apply.sh",
        &format!(
            "#!/bin/sh\nid=$(grep -o '\"proposal_id\": *\"[a-z0-9-]*\"' | head -n 1)\necho \"$id\" >> {}\n",
            applied.display()
        ),
    );
    env.write(
        "tend.toml",
        format!(
            "[promote.router-tuning]\non_approve = [{:?}]\non_approve_timeout = \"10s\"\n",
            script.display().to_string()
        ),
    );
    env.write("audit/2026-05-24.jsonl", platform_rows());
    let mut tally = Tally::default();
    let mut known: BTreeSet<String> = BTreeSet::new();

    // 1. promote run.
    let code = kill_loop(
        &env,
        seed,
        &mut rng,
        &["promote", "run", "-q"],
        MAX_DELAY,
        50,
        &mut tally,
        &|_| Vec::new(),
        &mut |run| {
            none_lost(
                &env,
                seed,
                &known,
                &format!("after kill {run} of promote run"),
            )
        },
    );
    assert_eq!(code, 0, "seed {seed}: promote run failed");
    let first = locations(&env);
    let per_loop = |lp: &str| first.values().filter(|(l, _)| l == lp).count();
    assert_eq!(
        (
            per_loop("router-tuning"),
            per_loop("tool-trimming"),
            per_loop("probe-envelopes")
        ),
        (4, 3, 2),
        "seed {seed}: proposals made: {first:?}"
    );
    known.extend(first.keys().cloned());

    // 2. Reviews, each re-run until it completes.
    let mut reviews: BTreeMap<String, Review> = BTreeMap::new();
    for id in first.keys() {
        let review = match rng.below(3) {
            0 => Review::Approve,
            1 => Review::Reject,
            _ => Review::Leave,
        };
        reviews.insert(id.clone(), review);
        let args: Vec<&str> = match review {
            Review::Approve => vec!["promote", "approve", id, "--by", "alice", "-q"],
            Review::Reject => vec!["promote", "reject", id, "--note", "not now", "-q"],
            Review::Leave => continue,
        };
        let code = kill_loop(
            &env,
            seed,
            &mut rng,
            &args,
            MAX_DELAY,
            50,
            &mut tally,
            &|_| Vec::new(),
            &mut |run| none_lost(&env, seed, &known, &format!("after kill {run} of {args:?}")),
        );
        assert_eq!(code, 0, "seed {seed}: {args:?} failed");
    }

    // 3. promote run 15 days later: expiry (and new proposals).
    env.set_env("TEND_NOW", LATER);
    let code = kill_loop(
        &env,
        seed,
        &mut rng,
        &["promote", "run", "-q"],
        MAX_DELAY,
        50,
        &mut tally,
        &|_| Vec::new(),
        &mut |run| {
            none_lost(
                &env,
                seed,
                &known,
                &format!("after kill {run} of the later run"),
            )
        },
    );
    assert_eq!(code, 0, "seed {seed}: the later promote run failed");
    // A read repairs a move a kill left half-done; then all is at rest.
    env.tend(&["promote", "list", "-q"]).ok();
    check_at_rest(&env, seed);

    // Every proposal in exactly one place, matching its status.
    let at_rest = locations(&env);
    for id in &known {
        let (lp, statuses) = &at_rest[id];
        assert_eq!(statuses.len(), 1, "seed {seed}: {id} is in {statuses:?}");
        let p: Value =
            serde_json::from_str(&env.read(&format!("proposals/{lp}/{}/{id}.json", statuses[0])))
                .unwrap();
        assert_eq!(p["status"], json!(statuses[0]), "seed {seed}: {id}: {p}");
        let expected = match reviews[id] {
            Review::Approve => "approved",
            Review::Reject => "rejected",
            Review::Leave => "expired",
        };
        assert_eq!(statuses[0], expected, "seed {seed}: {id}");
        if lp == "router-tuning" && expected == "approved" {
            assert_eq!(
                p["apply"]["status"], "ok",
                "seed {seed}: {id}: on_approve did not finish: {p}"
            );
        }
    }

    // The rows: no id twice; each proposal's rows as its history says.
    let rows: Vec<Value> = rows_under(&env.path("audit"))
        .into_iter()
        .filter(|r| r["kind"].as_str().unwrap_or("").starts_with("promotion."))
        .collect();
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds_of: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for r in &rows {
        let id = r["id"].as_str().unwrap().to_string();
        *copies.entry(id.clone()).or_default() += 1;
        kinds_of
            .entry(r["details"]["proposal_id"].as_str().unwrap().to_string())
            .or_default()
            .entry(r["kind"].as_str().unwrap().to_string())
            .or_default()
            .insert(id);
    }
    tally.duplicates += copies.values().map(|n| n - 1).sum::<usize>();
    for (id, (lp, statuses)) in &at_rest {
        let kinds = kinds_of.get(id).cloned().unwrap_or_default();
        let proposed = kinds.keys().filter(|k| k.ends_with("_proposed")).count();
        if proposed != 1 {
            tally.lost += 1;
        }
        let decided: Vec<&String> = kinds.keys().filter(|k| !k.ends_with("_proposed")).collect();
        match statuses[0].as_str() {
            "pending" => assert!(
                decided.is_empty(),
                "seed {seed}: pending {id} has decision rows {decided:?}"
            ),
            status => {
                let kind = format!("promotion.{status}");
                assert!(
                    decided.iter().all(|k| **k == kind),
                    "seed {seed}: {status} {id} has rows {decided:?}"
                );
                match kinds.get(&kind) {
                    None => tally.lost += 1,
                    // One row per decision; with on_approve, one per
                    // finished attempt (the last one at least).
                    Some(ids) if lp != "router-tuning" || status != "approved" => {
                        assert_eq!(ids.len(), 1, "seed {seed}: {id}: {ids:?}")
                    }
                    Some(_) => {}
                }
            }
        }
    }
    assert_eq!(
        tally.lost, 0,
        "seed {seed}: a promotion row is missing: {kinds_of:?}"
    );
    assert_eq!(
        tally.duplicates,
        0,
        "seed {seed}: a promotion row twice: {:?}",
        copies.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    // on_approve ran for each router-tuning approval; again only after a kill.
    let log = std::fs::read_to_string(&applied).unwrap_or_default();
    let mut runs: BTreeMap<String, usize> = BTreeMap::new();
    for line in log.lines() {
        if let Some(id) = line.split('"').nth(3) {
            *runs.entry(id.to_string()).or_default() += 1;
        }
    }
    for (id, (lp, statuses)) in &at_rest {
        if lp == "router-tuning" && statuses[0] == "approved" {
            let n = runs.get(id).copied().unwrap_or(0);
            assert!(n >= 1, "seed {seed}: on_approve never ran for {id}");
            tally.in_send += n - 1;
        } else {
            assert!(
                !runs.contains_key(id),
                "seed {seed}: on_approve ran for {id}"
            );
        }
    }
    tally
}

#[test]
fn promote_run_and_review() {
    let tally = scenario("promote run and review", 60, 2, repetition);
    eprintln!(
        "crash promote run and review: {} of {} kills between a row and the change it records",
        ROW_BEFORE_CHANGE.load(Ordering::SeqCst),
        tally.kills
    );
}
