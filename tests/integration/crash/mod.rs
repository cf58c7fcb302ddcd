//! The kill -9 harness (design §10 crash safety), shared by every command that
//! writes. A scenario prepares a root and loopback fakes, then runs its
//! command again and again, SIGKILLing each run at a random instant, until a
//! run completes; after every kill and at the end it checks the invariants:
//!
//! - no audit row torn mid-file: every complete line of every segment is a
//!   whole row, except a tail that a kill cut (SIGKILL can stop a write at a
//!   page boundary) and the next writer then ended (design §3), which readers
//!   skip; such tails are counted ("torn tails");
//! - no state unreadable: every state file and run record parses, nothing is
//!   quarantined;
//! - every wake and alert delivered at least once, or given up after two
//!   attempts that were both cut off before their answer was recorded (with
//!   its failed `notification.dispatched` row, and two attempts seen in the
//!   attempt journal); a duplicate only for a kill between the channel's
//!   acceptance and the record of it ("inside a send"), observed directly:
//!   each run sends with its own token, so what the fake received from a
//!   killed run is compared with what that run recorded; no message more
//!   than twice, ever (a hard failure);
//! - no proposal in two status directories or in none; no decision written
//!   twice.
//!
//! Randomness is seeded: the seed is printed with every failure, and
//! `TEND_CRASH_SEED=<seed>` replays it. `TEND_CRASH_ITERATIONS=<n>` sets how
//! many runs (killed or not) each scenario makes at least (CI runs a few dozen;
//! `bench/crash.sh` runs thousands). Each scenario prints one line of figures:
//! runs, kills, kills inside a send, lost, duplicates, given up, the most
//! copies of one message.
//!
//! Commands covered: probe run, wake consume, alerts notify, tick, audit
//! emit, gc checkpoints, watchers tick, promote run and promote
//! approve/reject (with an `on_approve` command).

mod alerts;
mod attempts;
mod audit_emit;
mod gc;
mod probe;
mod promote;
mod threads;
mod tick;
mod wake;
mod watchers;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::support::TestEnv;

/// A tiny deterministic generator (xorshift64*), so a failure replays from
/// its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The figures of one scenario (or one repetition of it).
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub runs: usize,
    pub kills: usize,
    /// Kills that landed between a send and its record.
    pub in_send: usize,
    /// Items never delivered (or rows never written): must stay 0.
    pub lost: usize,
    pub duplicates: usize,
    /// Segments found ending in an unterminated line right after a kill.
    pub torn_tails: usize,
    /// Messages delivered more than twice: always 0 (checked).
    pub over_twice: usize,
    /// Messages given up (unconfirmed after two attempts), each with its
    /// failed row and two attempts seen in the journal.
    pub given_up: usize,
    /// The most copies of one message delivered.
    pub max_copies: usize,
    /// Runs that found the lock still held (exit 75, no side effects) right
    /// after a kill: a child forked at the instant of the kill keeps the
    /// lock's descriptor until it execs or closes it.
    pub busy: usize,
}

impl Tally {
    /// Counts the messages delivered per key and checks the delivery
    /// invariants. `unrecorded`: per key, the sends of killed runs that the
    /// owner's state did not record (kills inside a send); `given_up`: the
    /// keys recorded as given up. Every `expected` key is delivered at least
    /// once or given up; a message not given up is delivered once plus once
    /// per kill inside its send, a message given up once per such kill; none
    /// more than twice.
    pub fn deliveries(
        &mut self,
        seed: u64,
        delivered: impl IntoIterator<Item = String>,
        expected: impl IntoIterator<Item = String>,
        unrecorded: &BTreeMap<String, usize>,
        given_up: &BTreeSet<String>,
    ) {
        let mut deliveries: BTreeMap<String, usize> = BTreeMap::new();
        for key in delivered {
            *deliveries.entry(key).or_default() += 1;
        }
        let expected: BTreeSet<String> = expected.into_iter().collect();
        let lost: Vec<&String> = expected
            .iter()
            .filter(|key| !deliveries.contains_key(*key) && !given_up.contains(*key))
            .collect();
        self.lost = lost.len();
        assert!(
            lost.is_empty(),
            "seed {seed}: never delivered nor given up: {lost:?} (delivered: {deliveries:?})"
        );
        for key in given_up {
            assert!(
                expected.contains(key),
                "seed {seed}: {key} given up, but it is no message of this scenario"
            );
        }
        self.in_send = unrecorded.values().sum();
        for key in deliveries.keys().chain(&expected) {
            let copies = deliveries.get(key).copied().unwrap_or(0);
            let cut = unrecorded.get(key).copied().unwrap_or(0);
            assert!(
                copies <= 2,
                "seed {seed}: {key} delivered {copies} times (more than twice)"
            );
            let owed = if given_up.contains(key) { cut } else { cut + 1 };
            assert_eq!(
                copies,
                owed,
                "seed {seed}: {key} delivered {copies} times, {cut} of them by a kill inside the send{}",
                if given_up.contains(key) {
                    " (given up)"
                } else {
                    ""
                }
            );
        }
        self.given_up = given_up.len();
        self.max_copies = deliveries.values().copied().max().unwrap_or(0);
        self.over_twice = deliveries.values().filter(|n| **n > 2).count();
        self.duplicates = deliveries.values().map(|n| n.saturating_sub(1)).sum();
    }

    fn add(&mut self, other: &Tally) {
        self.runs += other.runs;
        self.kills += other.kills;
        self.in_send += other.in_send;
        self.lost += other.lost;
        self.duplicates += other.duplicates;
        self.torn_tails += other.torn_tails;
        self.over_twice += other.over_twice;
        self.given_up += other.given_up;
        self.max_copies = self.max_copies.max(other.max_copies);
        self.busy += other.busy;
    }
}

/// How one run ended.
#[derive(Debug)]
pub enum End {
    Killed,
    Exited(i32),
}

/// One run of tend with `args`, killed with SIGKILL after `kill_after`
/// unless it exits first (None: never killed).
pub fn run(
    env: &TestEnv,
    args: &[&str],
    extra_env: &[(&str, &str)],
    kill_after: Option<Duration>,
) -> End {
    let mut run = env.tend(args);
    for (k, v) in extra_env {
        run = run.env(k, v);
    }
    let mut command = run.into_command();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("spawn tend");
    let Some(after) = kill_after else {
        let status = child.wait().expect("wait for tend");
        return End::Exited(status.code().unwrap_or(-1));
    };
    let deadline = Instant::now() + after;
    loop {
        if let Some(status) = child.try_wait().expect("poll tend") {
            return End::Exited(status.code().unwrap_or(-1));
        }
        if Instant::now() >= deadline {
            child.kill().expect("SIGKILL tend");
            child.wait().expect("reap tend");
            return End::Killed;
        }
        std::thread::sleep(Duration::from_micros(300));
    }
}

/// Runs `args` until a run exits, killing each run after a random delay of
/// up to `max_delay`; after `kill_budget` kills runs are left to finish.
/// `after_kill` sees the root after every kill (with the run number, which a
/// scenario can use for a per-run token); `env_of` gives each run's extra
/// environment. Returns the exit code of the run that finished.
#[allow(clippy::too_many_arguments)]
pub fn kill_loop(
    env: &TestEnv,
    seed: u64,
    rng: &mut Rng,
    args: &[&str],
    max_delay: Duration,
    kill_budget: usize,
    tally: &mut Tally,
    env_of: &dyn Fn(usize) -> Vec<(String, String)>,
    after_kill: &mut dyn FnMut(usize),
) -> i32 {
    for attempt in 0.. {
        let extra = env_of(attempt);
        let extra: Vec<(&str, &str)> = extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let delay = (attempt < kill_budget)
            .then(|| Duration::from_micros(rng.below(max_delay.as_micros() as u64 + 1)));
        tally.runs += 1;
        match run(env, args, &extra, delay) {
            End::Killed => {
                tally.kills += 1;
                tally.torn_tails +=
                    check_root(env, seed, &format!("after kill {attempt} of {args:?}"));
                after_kill(attempt);
            }
            End::Exited(75) => {
                // The lock was still held: nothing done, try again (as cron would).
                tally.busy += 1;
                check_root(
                    env,
                    seed,
                    &format!("after a run that found the lock held {args:?}"),
                );
            }
            End::Exited(code) => {
                check_root(env, seed, &format!("after the run that finished {args:?}"));
                return code;
            }
        }
    }
    unreachable!()
}

thread_local! {
    /// Unterminated tails seen after a kill: (segment path, offset, length).
    /// SIGKILL can cut a write at a page boundary, and the next writer ends
    /// such a line before its own batch (design §3), leaving it mid-file,
    /// where readers report and skip it. Only such lines may be unreadable.
    static KNOWN_TORN: std::cell::RefCell<BTreeSet<(String, usize, usize)>> =
        const { std::cell::RefCell::new(BTreeSet::new()) };
}

/// The invariants every root satisfies at any instant (after a kill, after
/// a run). Returns how many segments end in an unterminated line.
pub fn check_root(env: &TestEnv, seed: u64, when: &str) -> usize {
    let root = env.root();
    let mut torn = 0;
    // Audit segments, decision files and the JSON Lines state files (the
    // digest queue, the attempt journal): appended the same way (design §3, §8).
    let segments = files_under(&root.join("audit"))
        .into_iter()
        .chain(files_under(&root.join("decisions")))
        .chain(
            files_under(&root.join("state"))
                .into_iter()
                .filter(|(path, _)| !path.contains("/quarantine/")),
        );
    for (path, bytes) in segments {
        if !path.ends_with(".jsonl") {
            continue;
        }
        let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        // The piece after the last newline: empty, or a tail being written.
        if let Some(tail) = lines.pop()
            && !tail.is_empty()
        {
            torn += 1;
            let at = bytes.len() - tail.len();
            KNOWN_TORN.with(|k| k.borrow_mut().insert((path.clone(), at, tail.len())));
        }
        let mut offset = 0;
        for (n, line) in lines.iter().enumerate() {
            let at = offset;
            offset += line.len() + 1;
            if serde_json::from_slice::<Value>(line).is_err()
                && KNOWN_TORN.with(|k| k.borrow().contains(&(path.clone(), at, line.len())))
            {
                // A tail cut by a kill, ended as it was by the next writer
                // (not glued to its batch: the length is the tail's).
                continue;
            }
            let row: Value = serde_json::from_slice(line).unwrap_or_else(|e| {
                panic!(
                    "seed {seed}: {when}: {path} line {}: not a whole row ({e}): {:?}",
                    n + 1,
                    String::from_utf8_lossy(line)
                )
            });
            if path.contains("/state/") {
                // Any whole JSON line: its owner checks its shape.
            } else if path.contains("/audit/") {
                assert!(
                    row["kind"].is_string() && row["ts"].is_string(),
                    "seed {seed}: {when}: {path} line {}: {row}",
                    n + 1
                );
            } else {
                assert!(
                    row["decision_id"].is_string(),
                    "seed {seed}: {when}: {path} line {}: {row}",
                    n + 1
                );
            }
        }
    }
    for (path, bytes) in files_under(&root.join("state")) {
        let name = Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        assert!(
            !path.contains("/quarantine/"),
            "seed {seed}: {when}: a state file was quarantined: {path}"
        );
        if name.starts_with('.') || name.ends_with(".lock") {
            continue; // a writer's temporary (cleaned later) or a lock
        }
        if name.ends_with(".json") {
            serde_json::from_slice::<Value>(&bytes)
                .unwrap_or_else(|e| panic!("seed {seed}: {when}: {path} is unreadable ({e})"));
        }
        // `.jsonl` state files are checked with the segments above.
    }
    torn
}

/// The invariants of a root at rest (after a completed run): besides
/// [`check_root`], no segment ends in a torn line, no proposal is in two
/// status directories, no decision is written twice.
pub fn check_at_rest(env: &TestEnv, seed: u64) {
    let root = env.root();
    assert_eq!(
        check_root(env, seed, "at rest"),
        0,
        "seed {seed}: a torn last line remains"
    );
    // proposals/<loop>/<status>/<id>.json: each id in exactly one status.
    if let Ok(loops) = std::fs::read_dir(root.join("proposals")) {
        for lp in loops.flatten() {
            let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for status in std::fs::read_dir(lp.path()).into_iter().flatten().flatten() {
                for item in std::fs::read_dir(status.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    let name = item.file_name().to_string_lossy().to_string();
                    if let Some(id) = name.strip_suffix(".json").filter(|n| !n.starts_with('.')) {
                        seen.entry(id.to_string())
                            .or_default()
                            .push(status.file_name().to_string_lossy().to_string());
                    }
                }
            }
            for (id, statuses) in seen {
                assert_eq!(
                    statuses.len(),
                    1,
                    "seed {seed}: proposal {id} is in {statuses:?}"
                );
            }
        }
    }
    // decisions/*.jsonl: no decision_id twice (a tail cut by a kill and
    // ended by the next writer is known to check_root, which let it pass).
    let mut decisions = BTreeSet::new();
    for row in rows_under(&root.join("decisions")) {
        let id = row["decision_id"]
            .as_str()
            .or(row["id"].as_str())
            .unwrap_or_default()
            .to_string();
        assert!(
            decisions.insert(id.clone()),
            "seed {seed}: decision {id} written twice"
        );
    }
}

/// Every whole row of the JSON Lines files under `dir`, oldest segment
/// first, passing over the lines a kill cut ([`check_root`] has checked that
/// those are the only unreadable ones).
pub fn rows_under(dir: &Path) -> Vec<Value> {
    let mut files = files_under(dir);
    files.sort();
    files
        .iter()
        .filter(|(path, _)| path.ends_with(".jsonl"))
        .flat_map(|(_, bytes)| {
            bytes
                .split(|b| *b == b'\n')
                .filter_map(|l| serde_json::from_slice::<Value>(l).ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The whole audit rows of one kind, passing over lines a kill cut (which a
/// later writer ended with a newline, as design §3 says), so a scenario's checks
/// do not trip on them.
pub fn audit_kind(env: &TestEnv, kind: &str) -> Vec<Value> {
    rows_under(&env.root().join("audit"))
        .into_iter()
        .filter(|r| r["kind"] == kind)
        .collect()
}

/// Every regular file under `dir` (recursively) with its content.
pub fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            Some((
                e.path().display().to_string(),
                std::fs::read(e.path()).ok()?,
            ))
        })
        .collect()
}

/// The send attempts in the attempt journal (`state/delivery.attempts.jsonl`):
/// the highest attempt per key, merged into `seen` (call it after each kill:
/// a run that finishes settles the journal).
pub fn note_attempts(env: &TestEnv, seen: &mut BTreeMap<String, u64>) {
    let Ok(bytes) = std::fs::read(env.path("state/delivery.attempts.jsonl")) else {
        return;
    };
    for line in bytes.split(|b| *b == b'\n') {
        // A record a kill cut was never followed by its send.
        let Ok(line) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        for a in line["attempts"].as_array().into_iter().flatten() {
            if let (Some(key), Some(n)) = (a["key"].as_str(), a["attempt"].as_u64()) {
                let max = seen.entry(key.to_string()).or_default();
                *max = (*max).max(n);
            }
        }
    }
}

/// The `notification.dispatched` rows of messages given up (unconfirmed after
/// two attempts), whole rows only.
pub fn given_up_rows(env: &TestEnv) -> Vec<Value> {
    rows_under(&env.path("audit"))
        .into_iter()
        .filter(|r| {
            r["kind"] == "notification.dispatched"
                && r["details"]["error"] == "unconfirmed_after_2_attempts"
        })
        .collect()
}

/// Checks that a message given up really had two attempts recorded (seen in
/// the journal after the kills) and says so in its row.
pub fn check_given_up(seed: u64, row: &Value, journal_key: &str, seen: &BTreeMap<String, u64>) {
    assert_eq!(
        row["details"]["status"], "failed",
        "seed {seed}: {journal_key}: {row}"
    );
    assert_eq!(
        row["details"]["attempts"], 2,
        "seed {seed}: {journal_key}: {row}"
    );
    assert_eq!(
        seen.get(journal_key).copied(),
        Some(2),
        "seed {seed}: {journal_key} was given up without two recorded attempts ({seen:?})"
    );
}

/// The base seed: `TEND_CRASH_SEED`, else the clock.
pub fn base_seed() -> u64 {
    std::env::var("TEND_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}

/// Runs repetitions of `repetition` (each with its own seed, root and fakes),
/// `workers` at a time, until `TEND_CRASH_ITERATIONS` runs (default
/// `default_runs`) were made; prints the figures and returns them.
pub fn scenario(
    name: &str,
    default_runs: usize,
    workers: usize,
    repetition: fn(u64) -> Tally,
) -> Tally {
    let wanted: usize = std::env::var("TEND_CRASH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_runs);
    let base = base_seed();
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let total = Mutex::new(Tally::default());
    let repetitions = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if total.lock().unwrap().runs >= wanted {
                        break;
                    }
                    let rep = next.fetch_add(1, Ordering::SeqCst);
                    let seed = base.wrapping_add(rep.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    let result = std::panic::catch_unwind(|| repetition(seed));
                    match result {
                        Ok(t) => {
                            total.lock().unwrap().add(&t);
                            repetitions.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(panic) => {
                            eprintln!(
                                "crash {name}: failed with seed {seed} (replay: TEND_CRASH_SEED={base}, repetition {rep})"
                            );
                            std::panic::resume_unwind(panic);
                        }
                    }
                }
            });
        }
    });
    let total = total.into_inner().unwrap();
    eprintln!(
        "crash {name} (seed {base}): {} repetitions, {} runs, {} kills, {} inside a send, {} lost, {} duplicates, {} given up, at most {} copies of one message ({} more than twice), {} torn tails seen, {} lock-busy retries, {:.1}s",
        repetitions.load(Ordering::SeqCst),
        total.runs,
        total.kills,
        total.in_send,
        total.lost,
        total.duplicates,
        total.given_up,
        total.max_copies,
        total.over_twice,
        total.torn_tails,
        total.busy,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(total.lost, 0, "{name}: something was lost");
    assert_eq!(
        total.over_twice, 0,
        "{name}: a message was delivered more than twice"
    );
    assert!(
        total.kills > 0,
        "{name}: no run was killed: nothing was tested"
    );
    total
}
