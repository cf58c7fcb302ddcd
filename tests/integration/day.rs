//! A simulated day of one-minute ticks (design §6a): `tend tick` every minute
//! with `--now`, four Nagios plugins whose results follow a script, and the
//! operator's messages counted — on a fake Slack, and on standard output.
//!
//! - `disk` stays at WARNING for 6 hours: at most 4 messages before its
//!   resolution (opened, diagnosis, reminders), not one per debounce window;
//! - `db` and `cache` go critical 5 minutes apart: two incidents, each with
//!   its own message;
//! - `flappy` flaps twice: one incident per flap episode.
//!
//! `cargo test --test integration day:: -- --nocapture` prints the day's
//! counts (the figures the README and the closing notes quote).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::support::TestEnv;
use crate::support::fakes;
use crate::support::http::FakeServer;

/// The day's first tick.
const DAY: &str = "2026-05-24T00:00:00Z";

/// A probe's result as its plugin reports it: Nagios exit code and summary.
type Result = (u8, &'static str);

const OK: Result = (0, "all good");

/// What each probe reports at `minute` of the day.
fn script(probe: &str, minute: u32) -> Result {
    match probe {
        // Six hours at WARNING, with a summary that does not move.
        "disk" if (60..420).contains(&minute) => (1, "/var 91% used"),
        "db" if (600..660).contains(&minute) => (2, "connection refused"),
        "cache" if (605..665).contains(&minute) => (2, "PING timed out"),
        // Two flap episodes: critical and OK in turn for 40 minutes.
        "flappy" if (800..840).contains(&minute) || (1000..1040).contains(&minute) => {
            if minute.is_multiple_of(2) {
                (2, "queue stalled")
            } else {
                OK
            }
        }
        _ => OK,
    }
}

const PROBES: [&str; 4] = ["disk", "db", "cache", "flappy"];

fn parse_ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .with_timezone(&Utc)
}

fn at(minute: u32) -> DateTime<Utc> {
    parse_ts(DAY) + TimeDelta::minutes(i64::from(minute))
}

fn ts(minute: u32) -> String {
    at(minute).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A root whose plugins read their result from `sim/<probe>` (written
/// before each tick), and whose operator channel is `slack` or `stdout`.
fn world(slack: Option<&FakeServer>) -> (TestEnv, PathBuf) {
    let mut env = TestEnv::new();
    let sim = env.dir().join("sim");
    std::fs::create_dir_all(&sim).unwrap();
    for probe in PROBES {
        let file = sim.join(probe);
        env.script(
            &format!("probes.d/{probe}"),
            &format!(
                "#!/bin/sh\nread code summary < '{}'\necho \"$summary\"\nexit \"$code\"\n",
                file.display()
            ),
        );
    }
    env.set_env("TEND_NOW", DAY);
    if let Some(server) = slack {
        env.set_env("TEND_OPERATOR_CHANNEL", "slack")
            .set_env("TEND_SLACK_TOKEN_ENV", "TEST_SLACK_TOKEN")
            .set_env("TEST_SLACK_TOKEN", "xoxb-test-slack-secret-0815")
            .set_env("TEND_SLACK_USER_ID", "U0123456")
            .set_env("TEND_SLACK_API_BASE", &format!("{}/api", server.url()))
            .set_env("TEND_SLACK_TIMEOUT", "2s");
    }
    // The wake cursor starts at the (empty) log's end, as `tend init` leaves it.
    env.tend(&["wake", "consume"]).ok();
    (env, sim)
}

/// What a run of ticks wrote to cron's mail.
#[derive(Debug, Default)]
struct Mail {
    /// Ticks whose standard output was not empty (one cron mail each).
    mails: u32,
    lines: usize,
    /// The standard output of every tick, in order.
    text: String,
}

/// Runs one tick a minute over `minutes`.
fn ticks(env: &TestEnv, sim: &Path, minutes: std::ops::Range<u32>, mail: &mut Mail) {
    for minute in minutes {
        for probe in PROBES {
            let (code, summary) = script(probe, minute);
            std::fs::write(sim.join(probe), format!("{code} {summary}\n")).unwrap();
        }
        let out = env.tend(&["tick"]).env("TEND_NOW", &ts(minute)).output();
        assert!(
            out.code == 0 || out.code == 1,
            "tick at {}: exit {}\n{}\n{}",
            ts(minute),
            out.code,
            out.stdout,
            out.stderr
        );
        if !out.stdout.is_empty() {
            mail.mails += 1;
            mail.lines += out.stdout.lines().count();
            mail.text.push_str(&out.stdout);
        }
    }
}

/// The messages of one alert id (`probe:{probe}:{category}`): the
/// `notification.dispatched` rows that went out, with their time.
fn messages(rows: &[Value], alert: &str) -> Vec<(DateTime<Utc>, String)> {
    rows.iter()
        .filter(|r| r["kind"] == "notification.dispatched")
        .filter(|r| r["correlation_key"] == alert && r["details"]["status"] == "ok")
        .map(|r| {
            let action = r["details"]["action"]
                .as_str()
                .or(r["details"]["message"].as_str())
                .unwrap_or("message")
                .to_string();
            (parse_ts(r["ts"].as_str().unwrap()), action)
        })
        .collect()
}

/// When the probe's episode that started before `after` recovered.
fn recovered(rows: &[Value], probe: &str, after: u32) -> DateTime<Utc> {
    rows.iter()
        .filter(|r| r["kind"] == "probe.recovered" && r["details"]["probe"] == probe)
        .map(|r| parse_ts(r["ts"].as_str().unwrap()))
        .find(|t| *t > at(after))
        .unwrap_or_else(|| panic!("{probe} never recovered after {}", ts(after)))
}

/// The incidents opened for an alert id.
fn incidents(rows: &[Value], alert: &str) -> BTreeSet<String> {
    rows.iter()
        .filter(|r| r["kind"] == "incident.opened" && r["details"]["alert_id"] == alert)
        .map(|r| r["details"]["incident_id"].as_str().unwrap().to_string())
        .collect()
}

/// The day's counts, printed (with --nocapture) before anything is asserted.
fn report(rows: &[Value], mail: &Mail, slack: &FakeServer) -> BTreeMap<&'static str, usize> {
    let disk_end = recovered(rows, "disk", 60);
    let disk = messages(rows, "probe:disk:warning");
    let before = disk.iter().filter(|(t, _)| *t < disk_end).count();
    let posts = slack
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/chat.postMessage"))
        .count();
    let dispatched = rows
        .iter()
        .filter(|r| r["kind"] == "notification.dispatched" && r["details"]["status"] == "ok")
        .count();
    let counts = BTreeMap::from([
        ("disk: messages before its resolution", before),
        ("disk: messages in all", disk.len()),
        ("db: messages", messages(rows, "probe:db:critical").len()),
        (
            "cache: messages",
            messages(rows, "probe:cache:critical").len(),
        ),
        (
            "flappy: messages",
            messages(rows, "probe:flappy:critical").len(),
        ),
        (
            "flappy: incidents",
            incidents(rows, "probe:flappy:critical").len(),
        ),
        ("messages sent (notification.dispatched ok)", dispatched),
        ("Slack chat.postMessage calls", posts),
        ("cron mails (ticks with output)", mail.mails as usize),
        ("cron mail lines", mail.lines),
    ]);
    println!("simulated day of one-minute ticks:");
    for (what, n) in &counts {
        println!("  {what:<45} {n}");
    }
    for (t, action) in &disk {
        println!("  disk message at {t}: {action}");
    }
    counts
}

#[test]
fn a_day_of_one_minute_ticks_tells_each_incident_once_and_reminds_with_back_off() {
    let slack = FakeServer::start(fakes::slack_ok());
    let (env, sim) = world(Some(&slack));
    let mut mail = Mail::default();
    ticks(&env, &sim, 0..1440, &mut mail);
    let rows = env.audit_rows();
    let counts = report(&rows, &mail, &slack);

    // The 6-hour WARNING: at most 4 messages before its resolution.
    let before = counts["disk: messages before its resolution"];
    assert!(
        (2..=4).contains(&before),
        "disk sent {before} messages before its resolution"
    );
    assert_eq!(incidents(&rows, "probe:disk:warning").len(), 1);

    // Two unrelated outages 5 minutes apart: each its incident and message.
    let db = incidents(&rows, "probe:db:critical");
    let cache = incidents(&rows, "probe:cache:critical");
    assert_eq!((db.len(), cache.len()), (1, 1));
    assert_ne!(db, cache);
    for (alert, start) in [("probe:db:critical", 600), ("probe:cache:critical", 605)] {
        let first = messages(&rows, alert)
            .first()
            .map(|(t, _)| *t)
            .unwrap_or_else(|| panic!("{alert}: no message"));
        assert!(
            first >= at(start) && first <= at(start + 5),
            "{alert}: first message at {first}"
        );
    }

    // The flapping probe: one incident per flap episode.
    let flappy = incidents(&rows, "probe:flappy:critical");
    assert_eq!(flappy.len(), 2, "{flappy:?}");
    let episodes = rows
        .iter()
        .filter(|r| r["kind"] == "probe.recovered" && r["details"]["probe"] == "flappy")
        .count();
    assert_eq!(episodes, 2);

    // Every message names its incident.
    for r in rows
        .iter()
        .filter(|r| r["kind"] == "notification.dispatched" && r["details"]["status"] == "ok")
    {
        assert!(
            r["details"]["incident_id"].is_string(),
            "a message without its incident: {r}"
        );
    }
}

/// `wake consume --since` replays the wakes of an incident (in the middle of
/// it, and after its resolution): the same incident ids, nothing sent twice,
/// nothing reopened.
#[test]
fn a_replay_since_rebuilds_the_same_incidents_and_sends_nothing_twice() {
    let slack = FakeServer::start(fakes::slack_ok());
    let (env, sim) = world(Some(&slack));
    let mut mail = Mail::default();
    let sent = |rows: &[Value]| {
        rows.iter()
            .filter(|r| r["kind"] == "notification.dispatched")
            .count()
    };
    // db is critical from 10:00 to 11:00: in the middle, then after it.
    for (until, replay_at) in [(640, 640), (680, 680)] {
        let from = if until == 640 { 590 } else { 640 };
        ticks(&env, &sim, from..until, &mut mail);
        let rows = env.audit_rows();
        let (ids, messages, posts) = (
            incidents(&rows, "probe:db:critical"),
            sent(&rows),
            slack.request_count(),
        );
        assert_eq!(ids.len(), 1);
        let out = env
            .tend(&["wake", "consume", "--since", &ts(595), "--json"])
            .env("TEND_NOW", &ts(replay_at))
            .ok();
        let rows = env.audit_rows();
        assert_eq!(incidents(&rows, "probe:db:critical"), ids, "{}", out.stdout);
        assert_eq!(sent(&rows), messages, "{}", out.stdout);
        assert_eq!(slack.request_count(), posts);
        let reopened: Vec<&Value> = rows
            .iter()
            .filter(|r| r["kind"] == "incident.updated" && r["details"]["reopened"] == true)
            .collect();
        assert!(
            reopened.is_empty(),
            "reopened: {reopened:?}\n{}",
            out.stdout
        );
    }
    let state: Value = serde_json::from_str(&env.read("state/incidents.json")).unwrap();
    let db = &state["incidents"][incidents(&env.audit_rows(), "probe:db:critical")
        .first()
        .unwrap()
        .as_str()];
    assert!(db["resolved_at"].is_string(), "{db}");
}

/// State written before incidents noted their messages (main's layout: an
/// incident without its messages, or no incidents file at all) is read with
/// no message resent: the alert's last message and the wake key's last
/// dispatch start the incident's clock, and the next message is its
/// reminder, on time.
#[test]
fn state_from_before_incidents_noted_messages_resends_nothing() {
    for layout in ["incidents without their messages", "no incidents file"] {
        let (env, sim) = world(None);
        let mut mail = Mail::default();
        ticks(&env, &sim, 55..75, &mut mail);
        let told = messages(&env.audit_rows(), "probe:disk:warning");
        assert_eq!(
            told.iter().map(|(_, a)| a.as_str()).collect::<Vec<_>>(),
            ["notify", "investigation"],
            "{layout}"
        );
        let path = env.path("state/incidents.json");
        if layout == "no incidents file" {
            std::fs::remove_file(&path).unwrap();
        } else {
            // What main wrote: the incident, with nothing of its messages.
            let mut state: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            for incident in state["incidents"].as_object_mut().unwrap().values_mut() {
                let incident = incident.as_object_mut().unwrap();
                for key in [
                    "first_message_at",
                    "last_message_at",
                    "last_reminder_at",
                    "investigated",
                ] {
                    incident.remove(key);
                }
                incident.insert("messages".into(), 0.into());
                incident.insert("reminders".into(), 0.into());
            }
            std::fs::write(&path, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
        }
        ticks(&env, &sim, 75..200, &mut mail);
        let after: Vec<(DateTime<Utc>, String)> = messages(&env.audit_rows(), "probe:disk:warning")
            .into_iter()
            .skip(told.len())
            .collect();
        // Nothing told again; then the reminder, 2 hours after the clock
        // the earlier messages start: the alert's (01:00), or the wake
        // key's last dispatch (01:12: in this state, written by a run
        // that held it, a hold; in a state of main, its last message).
        let reminded =
            after.len() == 1 && after[0].1 == "remind" && (at(180)..=at(192)).contains(&after[0].0);
        assert!(
            reminded,
            "{layout}: {after:?}\n{}",
            env.read("state/incidents.json")
        );
        let reminder = mail
            .text
            .lines()
            .find(|l| l.contains("Still firing"))
            .unwrap_or_else(|| panic!("{layout}: no reminder in\n{}", mail.text));
        assert!(
            reminder.contains("disk is warning (reminder 1)"),
            "{layout}: {reminder}"
        );
    }
}
