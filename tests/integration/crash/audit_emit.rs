//! `tend audit emit` (SPEC §3): 20 rows, each emitted by a run that may be
//! killed and is then retried, as a cron script would. A row is never torn,
//! never lost once its run succeeded, and present once more for each killed
//! attempt that had already written it (the retry cannot know).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{End, Rng, Tally, check_at_rest, check_root, run, scenario};
use crate::support::TestEnv;

const ROWS: usize = 20;

fn count(env: &TestEnv) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for row in env.audit_kind("probe.observed") {
        if let Some(key) = row["correlation_key"].as_str() {
            *n.entry(key.to_string()).or_default() += 1;
        }
    }
    n
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let env = TestEnv::new();
    let mut tally = Tally::default();
    for i in 0..ROWS {
        let key = format!("k{i:02}");
        let details = format!("{{\"probe\":\"p{i}\",\"status\":\"ok\"}}");
        let args = [
            "audit",
            "emit",
            "--kind",
            "probe.observed",
            "--details",
            &details,
            "--correlation-key",
            &key,
        ];
        let mut written_by_killed = 0;
        let mut before = 0;
        for attempt in 0.. {
            let delay = (attempt < 20).then(|| Duration::from_micros(rng.below(12_000)));
            tally.runs += 1;
            match run(&env, &args, &[], delay) {
                End::Killed => {
                    tally.kills += 1;
                    tally.torn_tails += check_root(&env, seed, "after a killed emit");
                    let now = count(&env).get(&key).copied().unwrap_or(0);
                    assert!(now <= before + 1, "seed {seed}: one run wrote {key} twice");
                    if now > before {
                        // Killed after its write, before it could say so.
                        written_by_killed += 1;
                        tally.in_send += 1;
                    }
                    before = now;
                }
                End::Exited(code) => {
                    assert_eq!(code, 0, "seed {seed}: emit {key} failed");
                    break;
                }
            }
        }
        let n = count(&env).get(&key).copied().unwrap_or(0);
        assert!(n >= 1, "seed {seed}: {key} lost");
        assert_eq!(n, 1 + written_by_killed, "seed {seed}: {key}");
        tally.duplicates += n - 1;
        if n > 2 {
            tally.over_twice += 1;
        }
    }
    check_at_rest(&env, seed);
    tally
}

#[test]
fn audit_emit() {
    scenario("audit emit", 40, 2, repetition);
}
