//! `tend alerts notify` (design §6): 30 new alerts to a slow Slack. Every alert
//! is delivered at least once or given up after two attempts cut off by
//! kills, a duplicate only for a kill between a send and the state write that
//! records it, never more than twice.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};

use super::wake::{requests_of_run, slack_env, token};
use super::{
    Rng, Tally, check_at_rest, check_given_up, given_up_rows, kill_loop, note_attempts, scenario,
};
use crate::support::TestEnv;
use crate::support::fakes;
use crate::support::http::{FakeServer, Recorded};

const ALERTS: usize = 30;

pub fn notified_ids(env: &TestEnv) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(env.path("state/alerts.notified.json")) else {
        return BTreeSet::new();
    };
    let state: Value = serde_json::from_str(&text).expect("the state is always whole JSON");
    state["alerts"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The alert a message was about (its `Alert id:` line).
pub fn alert_of(request: &Recorded) -> Option<String> {
    let text = request.json()["text"].as_str()?.to_string();
    text.lines()
        .find_map(|l| l.strip_prefix("Alert id: ").map(|id| id.trim().to_string()))
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let slack = FakeServer::start(fakes::slack_ok().delayed(Duration::from_millis(3)));
    let mut env = TestEnv::new();
    slack_env(&mut env, &slack);
    env.write(
        "tend.toml",
        "[alerts]\nburst_limit = 1000\nroute = { critical = \"slack\", warning = \"slack\", info = \"slack\" }\n",
    );
    let mut input = String::new();
    for i in 0..ALERTS {
        input.push_str(
            &json!({"id": format!("a{i:02}"), "severity": "critical", "category": format!("c{i:02}"),
                    "title": format!("Alert {i}"), "summary": "firing"})
            .to_string(),
        );
        input.push('\n');
    }
    let file = env.write("alerts.jsonl", input);
    let file = file.to_str().unwrap();

    let mut tally = Tally::default();
    let mut killed: Vec<(usize, BTreeSet<String>)> = Vec::new();
    let mut attempts = BTreeMap::new();
    let code = kill_loop(
        &env,
        seed,
        &mut rng,
        &["alerts", "notify", "-q", "--from", file],
        Duration::from_millis(200),
        300,
        &mut tally,
        &|run| vec![("TEST_SLACK_TOKEN".into(), token(run))],
        &mut |run| {
            killed.push((run, notified_ids(&env)));
            note_attempts(&env, &mut attempts);
        },
    );
    // A message given up makes the run that gives it up exit 1 (that run
    // may also have been killed afterwards).
    let given_up_rows = given_up_rows(&env);
    assert!(
        code == 0 || (code == 1 && !given_up_rows.is_empty()),
        "seed {seed}: the run that finished exited {code}"
    );
    let before = slack.request_count();
    env.tend(&["alerts", "notify", "--from", file]).ok();
    assert_eq!(
        slack.request_count(),
        before,
        "seed {seed}: a settled run sent again"
    );
    check_at_rest(&env, seed);

    let requests = slack.requests();
    let mut unrecorded: BTreeMap<String, usize> = BTreeMap::new();
    for (run, notified) in &killed {
        let cut: Vec<String> = requests_of_run(&requests, *run)
            .map(|r| alert_of(r).expect("an alert message"))
            .filter(|id| !notified.contains(id))
            .collect();
        assert!(
            cut.len() <= 1,
            "seed {seed}: one kill left {cut:?} sent unrecorded"
        );
        for id in cut {
            *unrecorded.entry(id).or_default() += 1;
        }
    }
    let state: Value =
        serde_json::from_str(&env.read("state/alerts.notified.json")).expect("whole JSON");
    let mut given_up = BTreeSet::new();
    for row in &given_up_rows {
        let id = row["details"]["ref"].as_str().unwrap();
        check_given_up(seed, row, &format!("alerts:notify:{id}"), &attempts);
        assert_eq!(
            state["alerts"][id]["status"], "unconfirmed",
            "seed {seed}: {id}"
        );
        given_up.insert(id.to_string());
    }
    tally.deliveries(
        seed,
        requests
            .iter()
            .map(|r| alert_of(r).expect("an alert message")),
        (0..ALERTS).map(|i| format!("a{i:02}")),
        &unrecorded,
        &given_up,
    );
    assert_eq!(notified_ids(&env).len(), ALERTS, "seed {seed}");
    // No audit row lost: every alert sent has its notification.dispatched
    // row, even when a kill fell between the state write and the append.
    let recorded = dispatched_refs(&env);
    let unrecorded: Vec<String> = (0..ALERTS)
        .map(|i| format!("a{i:02}"))
        .filter(|id| !recorded.contains(id))
        .collect();
    tally.lost += unrecorded.len();
    assert!(
        unrecorded.is_empty(),
        "seed {seed}: sent but never recorded in the audit log: {unrecorded:?}"
    );
    // And none twice: rows a run re-appends after a kill are only those the
    // log lacks.
    let mut ids = BTreeSet::new();
    for (_, bytes) in super::files_under(&env.path("audit")) {
        for line in bytes.split(|b| *b == b'\n') {
            if let Ok(row) = serde_json::from_slice::<Value>(line) {
                let id = row["id"].as_str().unwrap_or_default().to_string();
                assert!(
                    ids.insert(id.clone()),
                    "seed {seed}: row {id} written twice"
                );
            }
        }
    }
    tally
}

/// The `ref` of every whole `notification.dispatched` row (a torn tail that a
/// kill cut is skipped, as readers skip it).
pub fn dispatched_refs(env: &TestEnv) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    for (_, bytes) in super::files_under(&env.path("audit")) {
        for line in bytes.split(|b| *b == b'\n') {
            let Ok(row) = serde_json::from_slice::<Value>(line) else {
                continue;
            };
            if row["kind"] == "notification.dispatched"
                && let Some(r) = row["details"]["ref"].as_str()
            {
                refs.insert(r.to_string());
            }
        }
    }
    refs
}

#[test]
fn alerts_notify() {
    scenario("alerts notify", 40, 2, repetition);
}
