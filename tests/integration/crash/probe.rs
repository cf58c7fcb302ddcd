//! `tend probe run` (design §4): five exec probes that take a few milliseconds.
//! After every kill, every probe process the run started is dead (children
//! never outlive tend, design §10); at the end the state holds every probe and
//! the audit log a whole `probe.observed` row for each.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Rng, Tally, check_at_rest, kill_loop, scenario};
use crate::support::TestEnv;

const PROBES: usize = 5;

fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let env = TestEnv::new();
    let pids = env.dir().join("pids");
    for i in 0..PROBES {
        env.script(
            &format!("probes.d/p{i}"),
            &format!(
                "#!/bin/sh\necho $$ >> {}\nsleep 0.0{}\necho 'CRITICAL - p{i} is down | t=1s;;;0'\nexit 2\n",
                pids.display(),
                1 + i % 5
            ),
        );
    }
    let mut tally = Tally::default();
    let mut checked = BTreeSet::new();
    let code = kill_loop(
        &env,
        seed,
        &mut rng,
        &["probe", "run", "-q"],
        Duration::from_millis(120),
        200,
        &mut tally,
        &|_| Vec::new(),
        &mut |_| {
            // Every probe the killed run started must die with it.
            let text = std::fs::read_to_string(&pids).unwrap_or_default();
            let started = Instant::now();
            for pid in text
                .split_whitespace()
                .filter_map(|p| p.parse::<i32>().ok())
            {
                if !checked.insert(pid) {
                    continue;
                }
                while alive(pid) {
                    assert!(
                        started.elapsed() < Duration::from_secs(30),
                        "seed {seed}: probe process {pid} outlived the killed tend"
                    );
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        },
    );
    if code != 0 {
        let out = env.tend(&["probe", "run"]).output();
        panic!("seed {seed}: the run that finished exited {code}; again: {out:?}");
    }
    check_at_rest(&env, seed);
    let state: Value = serde_json::from_str(&env.read("state/probes.json")).expect("probes.json");
    let observed: BTreeSet<String> = super::audit_kind(&env, "probe.observed")
        .iter()
        .map(|r| r["details"]["probe"].as_str().unwrap().to_string())
        .collect();
    for i in 0..PROBES {
        let name = format!("p{i}");
        if state["probes"][&name]["status"] != "critical" || !observed.contains(&name) {
            tally.lost += 1;
        }
    }
    assert_eq!(tally.lost, 0, "seed {seed}: {state} {observed:?}");
    tally
}

#[test]
fn probe_run() {
    scenario("probe run", 40, 2, repetition);
}
