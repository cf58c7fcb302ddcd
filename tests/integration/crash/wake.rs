//! `tend wake consume` (design §5 step 4): 60 wakes to a slow Slack. Every wake
//! is delivered at least once or given up after two attempts cut off by
//! kills; a wake is delivered twice only when a kill landed between its send
//! and its ledger write, which is observed directly: after each kill, what
//! Slack received from that run is compared with the ledger on disk. Never
//! three times.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};

use super::{
    Rng, Tally, check_at_rest, check_given_up, given_up_rows, kill_loop, note_attempts, scenario,
};
use crate::support::TestEnv;
use crate::support::fakes;
use crate::support::http::{FakeServer, Recorded};

const WAKES: usize = 60;

pub fn ledger_ids(env: &TestEnv) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(env.path("state/wake.ledger.json")) else {
        return BTreeSet::new();
    };
    let ledger: Value = serde_json::from_str(&text).expect("the ledger is always whole JSON");
    ledger["entries"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The probe a Slack request was about (`🚨 Probe alert · p017` → `p017`).
pub fn probe_of(request: &Recorded) -> Option<String> {
    let text = request.json()["text"].as_str()?.to_string();
    let first = text.lines().next()?;
    first
        .contains("Probe alert")
        .then(|| first.rsplit(' ').next().unwrap_or_default().to_string())
}

/// Slack settings through the environment, with a per-run token variable.
pub fn slack_env(env: &mut TestEnv, slack: &FakeServer) {
    env.set_env("TEND_OPERATOR_CHANNEL", "slack")
        .set_env("TEND_SLACK_TOKEN_ENV", "TEST_SLACK_TOKEN")
        .set_env("TEST_SLACK_TOKEN", "xoxb-stamp")
        .set_env("TEND_SLACK_USER_ID", "U0123456")
        .set_env("TEND_SLACK_API_BASE", &format!("{}/api", slack.url()))
        .set_env("TEND_SLACK_TIMEOUT", "5s");
}

pub fn token(run: usize) -> String {
    format!("xoxb-run-{run}")
}

pub fn requests_of_run(requests: &[Recorded], run: usize) -> impl Iterator<Item = &Recorded> {
    let bearer = format!("Bearer {}", token(run));
    requests
        .iter()
        .filter(move |r| r.header("authorization") == Some(bearer.as_str()))
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let slack = FakeServer::start(fakes::slack_ok().delayed(Duration::from_millis(3)));
    let mut env = TestEnv::new();
    slack_env(&mut env, &slack);
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    env.tend(&["wake", "consume"]).ok(); // stamp the cursor on the empty log
    let mut text = String::new();
    for i in 0..WAKES {
        let row = json!({
            "id": format!("w{i:03}"), "ts": format!("2026-05-24T07:{:02}:{:02}Z", i / 60, i % 60),
            "kind": "probe.wake_requested",
            "details": {"probe": format!("p{i:03}"), "issue_category": "down", "severity": "critical",
                        "summary": "down"}
        });
        text.push_str(&row.to_string());
        text.push('\n');
    }
    env.write("audit/2026-05-24.jsonl", text);

    let mut tally = Tally::default();
    let mut killed: Vec<(usize, BTreeSet<String>)> = Vec::new();
    let mut attempts = BTreeMap::new();
    let code = kill_loop(
        &env,
        seed,
        &mut rng,
        &["wake", "consume", "-q"],
        Duration::from_millis(250),
        300,
        &mut tally,
        &|run| vec![("TEST_SLACK_TOKEN".into(), token(run))],
        &mut |run| {
            killed.push((run, ledger_ids(&env)));
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
    // One more run: nothing left to send.
    let out = env.tend(&["wake", "consume"]).ok();
    assert_eq!(out.stdout, "", "seed {seed}");
    check_at_rest(&env, seed);

    let requests = slack.requests();
    let mut unrecorded: BTreeMap<String, usize> = BTreeMap::new();
    for (run, ledger) in &killed {
        let cut: Vec<String> = requests_of_run(&requests, *run)
            .map(|r| probe_of(r).unwrap())
            .filter(|probe| !ledger.contains(&format!("w{}", &probe[1..])))
            .collect();
        assert!(
            cut.len() <= 1,
            "seed {seed}: one kill left {cut:?} sent without a ledger entry"
        );
        for probe in cut {
            *unrecorded.entry(probe).or_default() += 1;
        }
    }
    let mut given_up = BTreeSet::new();
    for row in &given_up_rows {
        let id = row["details"]["ref"].as_str().unwrap();
        check_given_up(seed, row, &format!("wake:{id}"), &attempts);
        given_up.insert(row["details"]["probe"].as_str().unwrap().to_string());
    }
    tally.deliveries(
        seed,
        requests.iter().map(|r| probe_of(r).expect("a probe alert")),
        (0..WAKES).map(|i| format!("p{i:03}")),
        &unrecorded,
        &given_up,
    );
    assert_eq!(ledger_ids(&env).len(), WAKES, "seed {seed}");
    let refs: BTreeSet<String> = super::audit_kind(&env, "notification.dispatched")
        .iter()
        .map(|r| r["details"]["ref"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs.len(), WAKES, "seed {seed}: a dispatch row is missing");
    tally
}

#[test]
fn wake_consume() {
    scenario("wake consume", 40, 2, repetition);
}
