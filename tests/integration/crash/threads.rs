//! Threads under kills (design §6a): 12 incidents, each told in one Slack
//! conversation by three commands run one after the other under random
//! SIGKILLs — `alerts notify` (the parent), `wake consume` (the diagnosis,
//! a reply) and `alerts notify` again once they stopped firing (the
//! resolution, a reply, and the parent edited). Besides the delivery rules
//! of every scenario (none lost, none more than twice), no reply and no
//! edit ever names a message that is not a parent of its own incident that
//! Slack accepted before, and at rest every parent shows its incident
//! resolved.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};

use super::alerts::{alert_of, notified_ids};
use super::wake::{ledger_ids, probe_of, requests_of_run, slack_env, token};
use super::{
    Rng, Tally, check_at_rest, check_given_up, given_up_rows, kill_loop, note_attempts, scenario,
};
use crate::support::TestEnv;
use crate::support::fakes::{self, slack_ts};
use crate::support::http::{FakeServer, Recorded};

const PROBES: usize = 12;
const STARTED: &str = "2026-05-24T07:00:00.000Z";

fn probe(i: usize) -> String {
    format!("p{i:02}")
}

/// What a Slack request was: (kind of message, probe).
fn message_of(r: &Recorded) -> Option<(&'static str, String)> {
    if !r.path.ends_with("/chat.postMessage") {
        return None;
    }
    if let Some(p) = probe_of(r) {
        return Some(("wake", p));
    }
    let alert = alert_of(r)?;
    let p = alert.split(':').nth(1)?.to_string();
    let text = r.json()["text"].as_str().unwrap_or_default().to_string();
    let kind = if text.contains("RESOLVED") {
        "resolve"
    } else {
        "notify"
    };
    Some((kind, p))
}

fn key((kind, probe): &(&'static str, String)) -> String {
    format!("{kind}:{probe}")
}

/// The alerts firing, as a tend JSON array (a full snapshot of its feed).
fn firing() -> String {
    let alerts: Vec<Value> = (0..PROBES)
        .map(|i| {
            json!({"id": format!("probe:{}:down", probe(i)), "severity": "critical",
                   "category": "down", "title": format!("{} is down", probe(i)),
                   "summary": "HTTP 503", "started_at": STARTED})
        })
        .collect();
    Value::Array(alerts).to_string()
}

/// One wake per probe, of the same episode as its alert.
fn wakes() -> String {
    let mut lines = String::new();
    for i in 0..PROBES {
        let row = json!({"id": format!("w{i:02}"), "ts": "2026-05-24T07:59:00.000Z",
            "kind": "probe.wake_requested", "correlation_key": format!("probe:{}:down", probe(i)),
            "details": {"probe": probe(i), "issue_category": "down", "severity": "critical",
                        "summary": "HTTP 503", "observations": {}, "down_since": STARTED,
                        "envelope": {"enabled": false, "fix_name": null}, "flapping": false}});
        lines.push_str(&row.to_string());
        lines.push('\n');
    }
    lines
}

/// Runs one phase under kills (its runs' tokens numbered from `base`, so
/// that each run's requests are told apart across phases); returns the sends
/// each killed run left unrecorded, by message key.
#[allow(clippy::too_many_arguments)]
fn phase(
    base: usize,
    env: &TestEnv,
    seed: u64,
    rng: &mut Rng,
    args: &[&str],
    slack: &FakeServer,
    tally: &mut Tally,
    attempts: &mut BTreeMap<String, u64>,
    recorded: &dyn Fn(&TestEnv) -> BTreeSet<String>,
) -> BTreeMap<String, usize> {
    // What each killed run's owner had recorded when it was killed; what it
    // sent is read at the end (a request written just before the kill may
    // reach the fake after it).
    let mut killed: Vec<(usize, BTreeSet<String>)> = Vec::new();
    let code = kill_loop(
        env,
        seed,
        rng,
        args,
        Duration::from_millis(150),
        300,
        tally,
        &|run| vec![("TEST_SLACK_TOKEN".into(), token(base + run))],
        &mut |run| {
            killed.push((run, recorded(env)));
            note_attempts(env, attempts);
        },
    );
    assert!(
        code == 0 || (code == 1 && !given_up_rows(env).is_empty()),
        "seed {seed}: {args:?}: the run that finished exited {code}"
    );
    let requests = slack.requests();
    let mut unrecorded = BTreeMap::new();
    for (run, recorded) in killed {
        let cut: Vec<String> = requests_of_run(&requests, base + run)
            .filter_map(message_of)
            .map(|m| key(&m))
            .filter(|k| !recorded.contains(k))
            .collect();
        assert!(
            cut.len() <= 1,
            "seed {seed}: run {run} of {args:?} left {cut:?} sent unrecorded"
        );
        for k in cut {
            *unrecorded.entry(k).or_default() += 1;
        }
    }
    unrecorded
}

/// Every reply names a parent of its own probe that Slack accepted before
/// it, and so does every edit.
fn check_threads(seed: u64, requests: &[Recorded]) {
    // ts → probe, for the messages that started a conversation.
    let mut parents: BTreeMap<String, String> = BTreeMap::new();
    for (n, r) in requests.iter().enumerate() {
        let body = r.json();
        if r.path.ends_with("/chat.update") {
            let ts = body["ts"].as_str().unwrap_or_default();
            let text = body["text"].as_str().unwrap_or_default();
            let owner = parents.get(ts);
            assert!(
                owner.is_some_and(|p| text.contains(&format!("Alert id: probe:{p}:down"))
                    || text.contains(&format!("Probe alert · {p}"))),
                "seed {seed}: request {n} edits {ts}, which is no parent of its incident: {text}"
            );
            continue;
        }
        let (_, p) = message_of(r).expect("a message of the scenario");
        match body["thread_ts"].as_str() {
            Some(parent) => assert_eq!(
                parents.get(parent),
                Some(&p),
                "seed {seed}: request {n} about {p} replies to {parent}, which is no parent of its incident accepted before"
            ),
            None => {
                parents.insert(slack_ts(n), p);
            }
        }
    }
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let slack = FakeServer::start(fakes::slack_threads().delayed(Duration::from_millis(2)));
    let mut env = TestEnv::new();
    slack_env(&mut env, &slack);
    env.set_env("TEND_WAKE_CONSECUTIVE_REQUIRED", "1");
    env.write(
        "tend.toml",
        "[alerts]\nburst_limit = 1000\ncooldown = \"0s\"\nroute = { critical = \"slack\", warning = \"slack\", info = \"slack\" }\n",
    );
    let input = env.write("alerts.json", firing());
    let input = input.to_str().unwrap().to_string();
    let notify = ["alerts", "notify", "-q", "--from", input.as_str()];
    let mut tally = Tally::default();
    let mut attempts = BTreeMap::new();

    let mut unrecorded = phase(
        0,
        &env,
        seed,
        &mut rng,
        &notify,
        &slack,
        &mut tally,
        &mut attempts,
        &|env| {
            let ids = notified_ids(env);
            (0..PROBES)
                .filter(|i| ids.contains(&format!("probe:{}:down", probe(*i))))
                .map(|i| format!("notify:{}", probe(i)))
                .collect()
        },
    );
    let log = env.path("audit/2026-05-24.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap_or_default();
    text.push_str(&wakes());
    std::fs::write(&log, text).unwrap();
    let cut = phase(
        1000,
        &env,
        seed,
        &mut rng,
        &["wake", "consume", "-q", "--from-start"],
        &slack,
        &mut tally,
        &mut attempts,
        &|env| {
            let ids = ledger_ids(env);
            (0..PROBES)
                .filter(|i| ids.contains(&format!("w{i:02}")))
                .map(|i| format!("wake:{}", probe(i)))
                .collect()
        },
    );
    unrecorded.extend(cut);
    env.write("alerts.json", "[]");
    let cut = phase(
        2000,
        &env,
        seed,
        &mut rng,
        &notify,
        &slack,
        &mut tally,
        &mut attempts,
        &|env| {
            let ids = notified_ids(env);
            (0..PROBES)
                .filter(|i| !ids.contains(&format!("probe:{}:down", probe(*i))))
                .map(|i| format!("resolve:{}", probe(i)))
                .collect()
        },
    );
    unrecorded.extend(cut);

    let before = slack.request_count();
    env.tend(&["alerts", "notify", "--from", input.as_str()])
        .ok();
    env.tend(&["wake", "consume"]).ok();
    assert_eq!(
        slack.request_count(),
        before,
        "seed {seed}: a settled run sent again"
    );
    check_at_rest(&env, seed);

    let requests = slack.requests();
    if std::env::var_os("TEND_CRASH_DEBUG").is_some() {
        for (n, r) in requests.iter().enumerate() {
            let b = r.json();
            eprintln!(
                "{seed} {n} {} {:?} {:?} {:?} {:?}",
                r.path,
                r.header("authorization"),
                b["thread_ts"],
                b["ts"],
                b["text"].as_str().unwrap_or_default().lines().next()
            );
        }
    }
    check_threads(seed, &requests);
    let mut given_up = BTreeSet::new();
    for row in given_up_rows(&env) {
        let d = &row["details"];
        let reference = d["ref"].as_str().unwrap();
        let (journal_key, k) = match d["action"].as_str() {
            Some(action) => (
                format!("alerts:{action}:{reference}"),
                format!("{action}:{}", reference.split(':').nth(1).unwrap()),
            ),
            None => (
                format!("wake:{reference}"),
                format!("wake:{}", d["probe"].as_str().unwrap()),
            ),
        };
        check_given_up(seed, &row, &journal_key, &attempts);
        given_up.insert(k);
    }
    let expected = (0..PROBES)
        .flat_map(|i| ["notify", "wake", "resolve"].map(|kind| format!("{kind}:{}", probe(i))));
    tally.deliveries(
        seed,
        requests.iter().filter_map(message_of).map(|m| key(&m)),
        expected,
        &unrecorded,
        &given_up,
    );
    // At rest, every parent shows its incident resolved: an edit a kill
    // cut off is made by the next run.
    let incidents: Value =
        serde_json::from_str(&env.read("state/incidents.json")).expect("whole JSON");
    for (id, incident) in incidents["incidents"].as_object().unwrap() {
        let slack = &incident["conversations"]["slack_dm"];
        let Some(parent) = slack["parent"].as_str() else {
            continue;
        };
        assert!(
            slack["shown"].as_str().unwrap().starts_with("✅ Resolved"),
            "seed {seed}: incident {id}: {slack}"
        );
        // What the parent reads now: its last edit, or as it was sent (a
        // resolution can itself be the first message a kill left).
        let now = requests
            .iter()
            .enumerate()
            .rfind(|(n, r)| {
                (r.path.ends_with("/chat.update") && r.json()["ts"] == parent)
                    || (r.path.ends_with("/chat.postMessage") && slack_ts(*n) == parent)
            })
            .map(|(_, r)| r.json()["text"].as_str().unwrap_or_default().to_string());
        assert!(
            now.as_deref()
                .is_some_and(|t| t.starts_with("✅ Resolved") || t.starts_with("✅ RESOLVED")),
            "seed {seed}: incident {id}: its parent {parent} reads {now:?}"
        );
    }
    tally
}

#[test]
fn threads_of_alerts_and_wakes() {
    scenario("threads", 30, 2, repetition);
}
