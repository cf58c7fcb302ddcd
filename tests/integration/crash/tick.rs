//! `tend tick` (SPEC §10): probe run, wake consume and alerts notify in one
//! run, three failing probes, wakes and alerts to a slow Slack. Each probe's
//! wake and alert are delivered at least once and at most twice, and a second
//! delivery only when the first came from a run that was killed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::alerts::alert_of;
use super::wake::{probe_of, slack_env, token};
use super::{Rng, Tally, check_at_rest, kill_loop, scenario};
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
    for i in 0..PROBES {
        for key in [
            ("wake".to_string(), format!("p{i}")),
            ("alert".to_string(), format!("probe:p{i}:c{i}")),
        ] {
            match deliveries.get(&key).map(Vec::as_slice) {
                None => tally.lost += 1,
                Some(all) => {
                    let (_, earlier) = all.split_last().unwrap();
                    assert!(
                        earlier.iter().all(|run| killed_runs.contains(run)),
                        "seed {seed}: {key:?} delivered {} times, not only by killed runs: {all:?}",
                        all.len()
                    );
                    tally.duplicates += earlier.len();
                    tally.in_send += earlier.len();
                    if all.len() > 2 {
                        tally.over_twice += 1;
                    }
                }
            }
        }
    }
    assert_eq!(tally.lost, 0, "seed {seed}: {deliveries:?}");
    tally
}

#[test]
fn tick() {
    scenario("tick", 30, 2, repetition);
}
