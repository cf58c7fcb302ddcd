//! `tend watchers tick` (design §8): 24 stalled entities among fresh ones, an
//! exempt one and others in an unwatched status, with `max_flags_per_run =
//! 4`, so that at least six completed ticks are needed. Ticks are killed at
//! random instants and re-run until every stalled entity is flagged.
//!
//! Invariants: after every kill, the index file is absent or whole (magic and
//! checksum) and every decision line is whole or a known torn tail; at the
//! end, no decision id twice, every stalled entity flagged exactly once and
//! nothing else flagged, every Decision's `watcher.flagged` row present, and
//! no copy of that row twice: a run killed after its audit rows, before its
//! index, is caught up by the next tick, which finds those rows by their
//! deterministic id and adds none ("duplicates" counts any, and must be 0).
//! "Inside a send" counts the kills that landed between a Decision and its
//! audit row (the path that writes that row on the next tick).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::{Rng, Tally, check_at_rest, kill_loop, rows_under, scenario};
use crate::support::TestEnv;

/// Kills land up to this long after the start: about a run's length, so
/// that they spread over the whole run (the release build, which
/// bench/crash.sh uses, runs faster).
const MAX_DELAY: Duration = Duration::from_millis(if cfg!(debug_assertions) { 200 } else { 60 });
const STALLED: usize = 24;
const FRESH: usize = 6;
const OTHER_STATUS: usize = 4;
const CAP: usize = 4;

fn config() -> String {
    format!(
        r#"
[[watcher]]
name = "campaign"
enabled = true
source = {{ file = "entities/campaigns.jsonl" }}
id_field = "campaign_id"
status_field = "status"
statuses = ["Held"]
since_field = "since"
stale_after = "72h"
context = "CampaignProgress"
choice = "Stuck"
decided_by = "agent:campaign-watcher"
namespace = "8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f"
max_flags_per_run = {CAP}
exempt_ids = ["c-exempt"]
"#
    )
}

fn entities() -> String {
    let mut text = String::new();
    let mut push = |id: String, status: &str, since: String| {
        text.push_str(&format!(
            "{{\"campaign_id\":\"{id}\",\"status\":\"{status}\",\"since\":\"{since}\"}}\n"
        ));
    };
    for i in 0..STALLED {
        // NOW is 2026-05-24T08:00Z: anchors from 2026-05-01 on, all stalled.
        push(
            format!("c-{i:02}"),
            "Held",
            format!("2026-05-{:02}T{:02}:00:00Z", 1 + i % 20, i % 24),
        );
    }
    for i in 0..FRESH {
        push(
            format!("f-{i}"),
            "Held",
            format!("2026-05-24T0{}:00:00Z", i % 8),
        );
    }
    for i in 0..OTHER_STATUS {
        push(
            format!("r-{i}"),
            "Running",
            "2026-05-01T00:00:00Z".to_string(),
        );
    }
    push(
        "c-exempt".into(),
        "Held",
        "2026-05-01T00:00:00Z".to_string(),
    );
    text
}

/// FNV-1a, as the index file's checksum.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The index is absent (not written yet) or whole: never unreadable.
fn index_whole(env: &TestEnv, seed: u64, when: &str) {
    let Ok(bytes) = std::fs::read(env.path("state/decisions.index")) else {
        return;
    };
    assert!(
        bytes.len() >= 16 && bytes.starts_with(b"TENDIDX1"),
        "seed {seed}: {when}: the index is not an index ({} bytes)",
        bytes.len()
    );
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    assert_eq!(
        fnv1a(body),
        u64::from_le_bytes(sum.try_into().unwrap()),
        "seed {seed}: {when}: the index's checksum does not match"
    );
}

/// Decisions whose `watcher.flagged` row is not in the log (yet).
fn unrecorded(env: &TestEnv) -> usize {
    let recorded: BTreeSet<String> = rows_under(&env.path("audit"))
        .iter()
        .filter(|r| r["kind"] == "watcher.flagged")
        .filter_map(|r| r["details"]["decision_id"].as_str().map(String::from))
        .collect();
    rows_under(&env.path("decisions"))
        .iter()
        .filter(|d| {
            !d["decision_id"]
                .as_str()
                .is_some_and(|id| recorded.contains(id))
        })
        .count()
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let env = TestEnv::new();
    env.write("tend.toml", config());
    env.write("entities/campaigns.jsonl", entities());
    let mut tally = Tally::default();
    let flagged = |env: &TestEnv| rows_under(&env.path("decisions")).len();
    let mut completed = 0;
    let mut between = 0;
    while flagged(&env) < STALLED {
        completed += 1;
        assert!(
            completed <= 4 * STALLED,
            "seed {seed}: {} of {STALLED} flagged after {completed} completed ticks",
            flagged(&env)
        );
        let code = kill_loop(
            &env,
            seed,
            &mut rng,
            &["watchers", "tick", "-q"],
            MAX_DELAY,
            50,
            &mut tally,
            &|_| Vec::new(),
            &mut |run| {
                index_whole(&env, seed, &format!("after kill {run}"));
                // A kill between a Decision and its audit row: the path
                // that writes the row on the next tick (counted as "inside
                // a send").
                if unrecorded(&env) > 0 {
                    between += 1;
                }
            },
        );
        assert_eq!(code, 0, "seed {seed}: a tick failed");
        index_whole(&env, seed, "after a completed tick");
    }
    tally.in_send += between;
    // One more tick: nothing left to flag, nothing written.
    let before = std::fs::read(env.path("decisions/2026-05.jsonl")).unwrap();
    env.tend(&["watchers", "tick", "-q"]).ok();
    assert_eq!(
        std::fs::read(env.path("decisions/2026-05.jsonl")).unwrap(),
        before,
        "seed {seed}: a tick after all were flagged wrote a Decision"
    );
    check_at_rest(&env, seed);

    let decisions = rows_under(&env.path("decisions"));
    let entities: BTreeSet<String> = decisions
        .iter()
        .map(|d| d["inputs"]["entity_id"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = (0..STALLED).map(|i| format!("c-{i:02}")).collect();
    assert_eq!(
        entities, expected,
        "seed {seed}: flagged other than the stalled entities"
    );
    assert_eq!(
        decisions.len(),
        STALLED,
        "seed {seed}: an entity flagged twice"
    );
    // watcher.flagged rows: by row id and by decision id.
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows_under(&env.path("audit")) {
        if row["kind"] != "watcher.flagged" {
            continue;
        }
        *copies
            .entry(row["id"].as_str().unwrap().to_string())
            .or_default() += 1;
        rows_of
            .entry(row["details"]["decision_id"].as_str().unwrap().to_string())
            .or_default()
            .insert(row["id"].as_str().unwrap().to_string());
    }
    for d in &decisions {
        let id = d["decision_id"].as_str().unwrap();
        match rows_of.get(id) {
            None => tally.lost += 1,
            Some(ids) => assert_eq!(
                ids.len(),
                1,
                "seed {seed}: decision {id} has rows with different ids: {ids:?}"
            ),
        }
    }
    assert_eq!(
        rows_of.len(),
        decisions.len(),
        "seed {seed}: a watcher.flagged row without its Decision"
    );
    tally.duplicates += copies.values().map(|n| n - 1).sum::<usize>();
    assert_eq!(
        tally.lost, 0,
        "seed {seed}: a Decision without its watcher.flagged row"
    );
    assert_eq!(
        tally.duplicates,
        0,
        "seed {seed}: a watcher.flagged row written twice: {:?}",
        copies.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    tally
}

#[test]
fn watchers_tick() {
    scenario("watchers tick", 40, 2, repetition);
}
