//! `tend tick` (design §10): probe run, wake consume and alerts notify in one
//! run, three failing probes, wakes and alerts to a slow Slack. Each probe's
//! wake and alert are delivered at least once (or given up after two attempts
//! cut off by kills) and at most twice, and a second delivery only when the
//! first came from a run that was killed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::alerts::alert_of;
use super::wake::{probe_of, slack_env, token};
use super::{
    Rng, Tally, check_at_rest, check_given_up, given_up_rows, kill_loop, note_attempts, scenario,
};
use crate::support::TestEnv;
use crate::support::fakes;
use crate::support::http::FakeServer;

const PROBES: usize = 3;

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let slack = FakeServer::start(fakes::slack_ok().delayed(Duration::from_millis(3)));
    let mut env = TestEnv::new();
    slack_env(&mut env, &slack);
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    env.write(
        "tend.toml",
        "[alerts]\nburst_limit = 1000\nroute = { critical = \"slack\", warning = \"slack\", info = \"slack\" }\n",
    );
    for i in 0..PROBES {
        env.script(
            &format!("probes.d/p{i}"),
            // Categories of their own: one category's cooldown must not
            // suppress the others.
            &format!(
                "#!/bin/sh\necho '{{\"status\":\"critical\",\"category\":\"c{i}\",\"summary\":\"p{i} is down\"}}'\nexit 2\n"
            ),
        );
    }
    env.tend(&["wake", "consume"]).ok(); // stamp the cursor, as `init` does
    let mut tally = Tally::default();
    let mut killed_runs = BTreeSet::new();
    let mut attempts = BTreeMap::new();
    // Every delivery but the last of a message must come from a killed run.
    let code = kill_loop(
        &env,
        seed,
        &mut rng,
        &["tick", "-q"],
        Duration::from_millis(300),
        200,
        &mut tally,
        &|run| vec![("TEST_SLACK_TOKEN".into(), token(run))],
        &mut |run| {
            killed_runs.insert(token(run));
            note_attempts(&env, &mut attempts);
        },
    );
    assert!(code == 0 || code == 1, "seed {seed}: tick exited {code}");
    check_at_rest(&env, seed);
    let requests = slack.requests();
    // (kind, probe) → the tokens of the runs that delivered it, in order.
    let mut deliveries: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &requests {
        let run = r
            .header("authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_string();
        let key = match (probe_of(r), alert_of(r)) {
            (Some(probe), _) => ("wake".to_string(), probe),
            (None, Some(alert)) => ("alert".to_string(), alert),
            (None, None) => panic!("seed {seed}: an unexpected message: {}", r.text()),
        };
        deliveries.entry(key).or_default().push(run);
    }
    // The messages given up, each with two attempts seen in the journal.
    let mut given_up = BTreeSet::new();
    for row in given_up_rows(&env) {
        let d = &row["details"];
        let (key, journal_key) = match d["probe"].as_str() {
            Some(probe) => (
                ("wake".to_string(), probe.to_string()),
                format!("wake:{}", d["ref"].as_str().unwrap()),
            ),
            None => {
                let id = d["ref"].as_str().unwrap().to_string();
                let journal_key = format!("alerts:notify:{id}");
                (("alert".to_string(), id), journal_key)
            }
        };
        check_given_up(seed, &row, &journal_key, &attempts);
        given_up.insert(key);
    }
    for i in 0..PROBES {
        for key in [
            ("wake".to_string(), format!("p{i}")),
            ("alert".to_string(), format!("probe:p{i}:c{i}")),
        ] {
            let all = deliveries.get(&key).cloned().unwrap_or_default();
            assert!(
                all.len() <= 2,
                "seed {seed}: {key:?} delivered {} times (more than twice): {all:?}",
                all.len()
            );
            tally.max_copies = tally.max_copies.max(all.len());
            // Every delivery but the last came from a killed run; all of
            // them, for a message given up.
            let by_killed = if given_up.contains(&key) {
                &all[..]
            } else if let Some((_, earlier)) = all.split_last() {
                earlier
            } else {
                tally.lost += 1;
                continue;
            };
            assert!(
                by_killed.iter().all(|run| killed_runs.contains(run)),
                "seed {seed}: {key:?} delivered {} times, not only by killed runs: {all:?}",
                all.len()
            );
            tally.duplicates += all.len().saturating_sub(1);
            tally.in_send += by_killed.len();
        }
    }
    tally.given_up = given_up.len();
    assert_eq!(tally.lost, 0, "seed {seed}: {deliveries:?}");
    tally
}

#[test]
fn tick() {
    scenario("tick", 30, 2, repetition);
}
