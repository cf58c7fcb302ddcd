//! `tend audit emit --id` (design §3): 20 rows, each emitted by a run that may
//! be killed and is then retried with the same idempotency key, as a cron
//! script would. A row is never torn, never lost once its run succeeded, and
//! present exactly once, however many killed attempts had already written it
//! (without `--id` a retry cannot know, and appends again).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{End, Rng, Tally, check_at_rest, check_root, run, scenario};
use crate::support::TestEnv;

const ROWS: usize = 20;

fn count(env: &TestEnv) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for row in super::audit_kind(env, "probe.observed") {
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
            "--id",
            &key,
        ];
        let mut before = 0;
        for attempt in 0.. {
            let delay = (attempt < 20).then(|| Duration::from_micros(rng.below(30_000)));
            tally.runs += 1;
            match run(&env, &args, &[], delay) {
                End::Killed => {
                    tally.kills += 1;
                    tally.torn_tails += check_root(&env, seed, "after a killed emit");
                    let now = count(&env).get(&key).copied().unwrap_or(0);
                    assert!(now <= 1, "seed {seed}: {key} written {now} times");
                    if now > before {
                        // Killed after its write, before it could say so:
                        // the retries must not write it again.
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
        assert_eq!(n, 1, "seed {seed}: {key} written {n} times");
        tally.max_copies = tally.max_copies.max(n);
    }
    check_at_rest(&env, seed);
    tally
}

#[test]
fn audit_emit() {
    scenario("audit emit", 40, 2, repetition);
}

/// `--id` deterministically: the same key twice writes one row; another
/// kind with the same key is another row; bad keys and `--batch` are usage
/// errors.
#[test]
fn audit_emit_with_an_id_writes_once() {
    let env = TestEnv::new();
    let emit = |kind: &str, id: &str| {
        env.tend(&[
            "audit",
            "emit",
            "--kind",
            kind,
            "--details",
            r#"{"probe":"p","status":"ok"}"#,
            "--id",
            id,
            "--json",
        ])
    };
    let first = emit("probe.observed", "job-1").ok().json_lines();
    let again = emit("probe.observed", "job-1").ok().json_lines();
    assert_eq!(first[0]["id"], again[0]["id"]);
    assert_eq!(env.audit_kind("probe.observed").len(), 1);
    emit("probe.observed", "job-2").ok();
    assert_eq!(env.audit_kind("probe.observed").len(), 2);
    emit("probe.recovered", "job-1").status(2); // details not of that kind
    let out = emit("probe.observed", "").status(2);
    assert!(out.stderr.contains("--id"), "{}", out.stderr);
    env.tend(&["audit", "emit", "--batch", "--id", "x"])
        .stdin("")
        .status(2);
}
