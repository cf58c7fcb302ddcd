//! Crash safety of `tend wake consume` (SPEC §5 step 4, §10): `kill -9` at
//! random moments while it sends 100 wakes to a slow Slack, re-run until it
//! finishes. Every wake must be delivered at least once, and a wake may be
//! delivered twice only when a kill landed between its send and its ledger
//! write — which the test observes directly: after each kill it compares what
//! Slack received since the previous kill with the ledger on disk.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::support::TestEnv;
use crate::support::fakes;
use crate::support::http::FakeServer;

const WAKES: usize = 100;
const REPETITIONS: usize = 30;
/// Repetitions run at the same time.
const WORKERS: usize = 3;
/// At most this many runs (kills) per repetition.
const MAX_RUNS: usize = 400;

/// A tiny deterministic generator (xorshift64*), so a failure can be replayed
/// from the seed it prints.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Default)]
struct Tally {
    kills: usize,
    /// Kills that landed between a send and its ledger write.
    in_flight: usize,
    duplicates: usize,
}

fn ledger_ids(env: &TestEnv) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(env.path("state/wake.ledger.json")) else {
        return BTreeSet::new();
    };
    let ledger: Value = serde_json::from_str(&text).expect("the ledger is always whole JSON");
    ledger["entries"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The wake id a Slack request was for (`🚨 Probe alert · p017` → `w017`).
fn wake_of(request: &crate::support::http::Recorded) -> String {
    let text = request.json()["text"].as_str().unwrap().to_string();
    let first = text.lines().next().unwrap();
    let probe = first.rsplit(' ').next().unwrap();
    format!("w{}", &probe[1..])
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng(seed | 1);
    let slack = FakeServer::start(fakes::slack_ok().delayed(Duration::from_millis(3)));
    let mut env = TestEnv::new();
    env.set_env("TEND_OPERATOR_CHANNEL", "slack")
        .set_env("TEND_SLACK_TOKEN_ENV", "TEST_SLACK_TOKEN")
        .set_env("TEST_SLACK_TOKEN", "xoxb-stamp")
        .set_env("TEND_SLACK_USER_ID", "U0123456")
        .set_env("TEND_SLACK_API_BASE", &format!("{}/api", slack.url()))
        .set_env("TEND_SLACK_TIMEOUT", "5s")
        .set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
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
    // Each run sends with its own token, so every request Slack records can
    // be traced to the run that sent it, whenever the fake gets to record it.
    let token = |run: usize| format!("xoxb-run-{run}");
    // For each killed run, the ledger as that run left it.
    let mut killed: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut finished = false;
    for run in 0..MAX_RUNS {
        let mut command = env
            .tend(&["wake", "consume", "-q"])
            .env("TEST_SLACK_TOKEN", &token(run))
            .into_command();
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = command.spawn().expect("spawn tend");
        let wait = Duration::from_millis(10 + rng.below(240));
        let deadline = Instant::now() + wait;
        let mut status = None;
        while Instant::now() < deadline {
            if let Some(s) = child.try_wait().unwrap() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        match status {
            Some(s) => {
                // The lock is free (the last run was killed), so it must succeed.
                assert!(s.success(), "seed {seed}: a run exited with {s}");
                finished = true;
                break;
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                tally.kills += 1;
                killed.push((token(run), ledger_ids(&env)));
            }
        }
    }
    assert!(finished, "seed {seed}: no run finished in {MAX_RUNS} tries");
    // One more run: nothing left to send.
    let out = env.tend(&["wake", "consume"]).ok();
    assert_eq!(out.stdout, "", "seed {seed}");

    let requests = slack.requests();
    for (token, ledger) in &killed {
        let bearer = format!("Bearer {token}");
        let unrecorded = requests
            .iter()
            .filter(|r| r.header("authorization") == Some(bearer.as_str()))
            .filter(|r| !ledger.contains(&wake_of(r)))
            .count();
        assert!(
            unrecorded <= 1,
            "seed {seed}: one kill left {unrecorded} sends without a ledger entry"
        );
        tally.in_flight += unrecorded;
    }
    let mut deliveries: BTreeMap<String, usize> = BTreeMap::new();
    for r in &requests {
        *deliveries.entry(wake_of(r)).or_default() += 1;
    }
    for i in 0..WAKES {
        let id = format!("w{i:03}");
        assert!(
            deliveries.get(&id).copied().unwrap_or(0) >= 1,
            "seed {seed}: {id} was never delivered"
        );
    }
    assert_eq!(deliveries.len(), WAKES, "seed {seed}: unknown deliveries");
    tally.duplicates = deliveries.values().map(|n| n - 1).sum();
    assert_eq!(
        tally.duplicates, tally.in_flight,
        "seed {seed}: every duplicate must come from a kill between a send and its ledger write"
    );
    let ledger = ledger_ids(&env);
    assert_eq!(ledger.len(), WAKES, "seed {seed}");
    // Each wake has its audit trail.
    let refs: BTreeSet<String> = env
        .audit_kind("notification.dispatched")
        .iter()
        .map(|r| r["details"]["ref"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs.len(), WAKES, "seed {seed}: a dispatch row is missing");
    tally
}

#[test]
fn kill_9_at_random_moments_loses_no_wake() {
    let base = std::env::var("TEND_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let started = Instant::now();
    // Repetitions are independent (own root, own fake Slack): a few at a time.
    let next = std::sync::atomic::AtomicU64::new(0);
    let tallies = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    let rep = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if rep >= REPETITIONS as u64 {
                        break;
                    }
                    let seed = base.wrapping_add(rep.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    let tally = repetition(seed);
                    tallies.lock().unwrap().push(tally);
                }
            });
        }
    });
    let tallies = tallies.into_inner().unwrap();
    let repetitions = tallies.len();
    let mut total = Tally::default();
    for tally in &tallies {
        total.kills += tally.kills;
        total.in_flight += tally.in_flight;
        total.duplicates += tally.duplicates;
    }
    eprintln!(
        "wake crash test (seed {base}): {repetitions} repetitions × {WAKES} wakes, {} kills, \
         {} landed between a send and its ledger write, {} duplicate deliveries, {:.1}s",
        total.kills,
        total.in_flight,
        total.duplicates,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(repetitions, REPETITIONS);
    assert!(total.kills >= repetitions, "too few kills to test anything");
}
