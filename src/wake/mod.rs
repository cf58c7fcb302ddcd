//! `tend wake consume` (design §5, and the flapping messages of §4): wake
//! requests from the audit log → debounce → investigation → one operator
//! message each.
//!
//! State, all under `state/`:
//! - `wake.cursor.json`: where reading goes on (a [`Cursor`]);
//! - `wake.debounce.json`: the per-key debounce state, the probes' recent
//!   results, and the position that state reflects;
//! - `wake.ledger.json`: every wake id a message was sent for;
//! - `delivery.attempts.jsonl` (shared, [`crate::store::attempts`]): the
//!   attempts made, recorded before each send;
//! - `engine.budget.json`: the day's LLM spend.
//!
//! Crash safety. For every message: engine call → attempt record → send →
//! ledger write → audit rows. After each row that sent something (and at the end): debounce state
//! (with its position) → cursor. So
//! - a wake id is in the ledger only after its send, and a re-run skips ids in
//!   the ledger: a duplicate needs a kill between a send and its ledger write;
//! - each attempt is recorded before its send, and a message with two
//!   attempts recorded but no ledger entry is given up (ledger status
//!   `unconfirmed`, a failed `notification.dispatched`, exit 1), never sent a
//!   third time: no message goes out more than twice;
//! - the debounce state is saved before the cursor and carries its own
//!   position, so a kill between the two leaves the state ahead of the cursor
//!   file, never behind: the next run goes on from the state's position, and
//!   no sighting is counted twice;
//! - nothing is saved past a row before all of that row's messages are sent
//!   and in the ledger: no wake is lost.

pub mod debounce;
mod dispatch;
pub mod lag;
pub mod ledger;
pub mod message;
pub mod prompt;
mod report;
pub mod request;
pub mod start;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit::{Item, Kind, Position, Row, segment_name};
use crate::channel::{self, Message};
use crate::cli::WakeConsumeArgs;
use crate::clock::format_ts;
use crate::config::ChannelKind;
use crate::ctx::{Ctx, Outcome, Verbosity, counters};
use crate::engine::budget::{self, Budget};
use crate::engine::{EngineStatus, ErrorCode, Investigator};
use crate::incidents::Purpose;
use crate::incidents::outbox::Outbox;
use crate::incidents::policy as incident_policy;
use crate::severity::Severity;
use crate::store::attempts;
use crate::store::cursor::{self, Check, Cursor};
use crate::store::lock::Wait;
use crate::store::state;

use debounce::{Decision, KeyState, Policy};
use ledger::{Delivery, Entry, MessageKind, WakeLedger};
use request::{Observation, Observed, Recovery, WakeRequest};
use start::{Found, Replay, ReplayReason, Start};

counters! {
    /// What `wake consume` counts (run record and JSON summary).
    pub enum WakeCount {
        AlreadySent = "already_sent",
        Buffered = "buffered",
        BudgetSpent = "budget_spent",
        Bypassed = "bypassed",
        Dispatched = "dispatched",
        EngineFailed = "engine_failed",
        Flapping = "flapping",
        FlappingStarted = "flapping_started",
        Malformed = "malformed",
        MessagesSent = "messages_sent",
        NoEngine = "no_engine",
        SendFailed = "send_failed",
        Settled = "settled",
        Stamped = "stamped",
        Unconfirmed = "unconfirmed",
        Wakes = "wakes",
        Window = "window",
    }
}

pub const CURSOR_FILE: &str = "wake.cursor.json";
pub const DEBOUNCE_FILE: &str = "wake.debounce.json";
pub const LEDGER_FILE: &str = "wake.ledger.json";

/// The namespace of this command's keys in the attempt journal
/// (`state/delivery.attempts.jsonl`): `wake:<ledger id>`.
pub const ATTEMPT_PREFIX: &str = "wake:";

/// The route investigations are billed to (`inference.recorded`).
pub const ROUTE: &str = "probe_investigation";

/// The kinds read: wakes, recoveries (which end flapping episodes) and
/// observations (the probe's recent results, for the prompt).
pub const KINDS: [&str; 3] = ["probe.wake_requested", "probe.recovered", "probe.observed"];

/// Debounced rows held in memory before they are written with a commit.
const COMMIT_EVERY: usize = 10_000;

/// `state/wake.debounce.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WakeState {
    /// The log position this state reflects: every row before it has been
    /// applied, and every message it called for sent and in the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    pub keys: Vec<KeyEntry>,
    /// What is remembered per probe.
    pub probes: BTreeMap<String, ProbeMemory>,
}

/// Per probe: its latest results (for the prompt) and its flapping episode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeMemory {
    /// The latest results, oldest first (`[wake] recent_observations`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<Observation>,
    /// Inside a flapping episode (its one message was sent).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flapping_episode: bool,
    /// What the latest observation said about flapping, when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_flapping: Option<bool>,
}

/// One key's debounce state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub probe: String,
    pub issue_category: String,
    #[serde(flatten)]
    pub state: KeyState,
}

type Key = (String, String);

pub fn run(ctx: &mut Ctx, args: &WakeConsumeArgs) -> Result<Outcome> {
    if let Some(since) = args.since {
        start::check_since(since, ctx.now()).map_err(crate::exit::UsageError)?;
    }
    ctx.run_locked(crate::command::Command::WakeConsume, Wait::No, |ctx| {
        consume(ctx, args)
    })
}

fn consume(ctx: &mut Ctx, args: &WakeConsumeArgs) -> Result<Outcome> {
    let started = Instant::now();
    let now = ctx.now();
    let dir = ctx.root.audit_dir();
    let saved_cursor: Option<Cursor> = ctx.load_state(CURSOR_FILE)?;
    let saved_state: Option<WakeState> = ctx.load_state(DEBOUNCE_FILE)?;
    let state_missing = saved_state.is_none();
    let saved_state = saved_state.unwrap_or_default();
    let (cursor, state_behind) = choose_cursor(saved_cursor, saved_state.cursor.clone());
    if state_behind {
        ctx.out.warn(&format!(
            "state/{DEBOUNCE_FILE} is behind state/{CURSOR_FILE}; going on from the cursor"
        ));
    }
    let replay = match (args.from_start, args.since) {
        (true, _) => Replay::FromStart,
        (false, Some(t)) => Replay::Since(t),
        (false, None) => Replay::No,
    };
    let found = Found {
        cursor,
        state_missing,
        ran_before: ran_before(ctx)?,
    };
    let policy = Policy::from_config(&ctx.config.wake);
    let (from, wake_state, decide_from, replaying) = match start::decide(
        replay,
        found,
        now,
        policy.window,
    ) {
        Start::Stamp => {
            if !ctx.dry_run {
                let stamped = stamp(ctx, saved_state)?;
                ctx.out.note(&format!(
                    "first run: the wake cursor starts at the end of the log ({} segment{}); nothing is replayed",
                    stamped.segments.len(),
                    if stamped.segments.len() == 1 { "" } else { "s" }
                ));
            }
            let mut outcome = Outcome::default();
            outcome.count(WakeCount::Stamped, 1);
            return Ok(outcome);
        }
        Start::Continue(mut c) => {
            let found = c.verify(&dir).with_context(|| {
                format!("cannot check the wake cursor against {}", dir.display())
            })?;
            for check in found {
                match check {
                    Check::SegmentMissing(segment) => ctx.out.note(&format!(
                        "audit/{segment} is gone; its reading position is dropped"
                    )),
                    Check::Rewritten { segment, reason } => ctx.out.warn(&format!(
                        "audit segment rewritten ({reason}); re-reading audit/{segment} from its start (wakes already sent are not sent again)"
                    )),
                }
            }
            (c, saved_state, None, false)
        }
        Start::Replay {
            scan_from,
            decide_from,
            reason,
        } => {
            if reason == ReplayReason::Lost {
                let since = decide_from.map(format_ts).unwrap_or_default();
                ctx.out.warn(&format!(
                    "the wake cursor or debounce state is gone (see state/quarantine/); replaying the audit log from {since} in event time to rebuild it; messages already sent (state/{LEDGER_FILE}) are not sent again"
                ));
            }
            // Segments before the one of `scan_from`'s day are not read.
            let done_before = scan_from.map(segment_name).unwrap_or_default();
            (
                Cursor::from_start(&done_before, &format_ts(now)),
                WakeState::default(),
                decide_from,
                true,
            )
        }
    };
    let mut ledger: WakeLedger = ctx.load_state(LEDGER_FILE)?.unwrap_or_default();
    ledger.prune(now);
    if !ctx.dry_run {
        record_unrecorded(ctx, &mut ledger)?;
    }
    let mut outbox = Outbox::open(ctx)?;
    outbox.refresh_parents(ctx)?;
    let budget: Budget = ctx.load_state(budget::FILE)?.unwrap_or_default();
    let investigator = Investigator::new(&ctx.config, started);
    let channel_kind = ctx.config.operator.channel;
    let recent_limit = ctx.config.wake.recent_observations;

    let mut consumer = Consumer {
        dir: dir.clone(),
        now,
        policy,
        keys: wake_state
            .keys
            .into_iter()
            .map(|e| ((e.probe, e.issue_category), e.state))
            .collect(),
        probes: wake_state.probes,
        recent_limit,
        ledger,
        ledger_dirty: false,
        outbox,
        budget,
        investigator,
        channel_kind,
        pending: Vec::new(),
        decide_from,
        latest_event: None,
        warned: BTreeSet::new(),
        outcome: Outcome::default(),
        changed: replaying,
        progress: from.clone(),
        committed: from.clone(),
        ctx,
    };
    let mut reader = consumer.ctx.audit().reader(&KINDS.map(String::from), now);
    let reached = reader.scan_cursor(&from, |item| consumer.visit(item))?;
    consumer.advance(&reached)?;
    consumer
        .progress
        .prune(&cursor::horizon(now, cursor::HORIZON_DAYS));
    let moved = consumer.progress.segments != consumer.committed.segments
        || consumer.progress.done_before != consumer.committed.done_before;
    if moved || consumer.changed || !consumer.pending.is_empty() {
        consumer.save()?;
    }
    if !consumer.ctx.dry_run {
        consumer.settle_attempts()?;
    }
    consumer.finish()
}

/// Which saved position `wake consume` goes on from: the cursor file's or
/// the debounce state's. The state is saved first: when they differ, a run was
/// killed between the two writes and the state's positions are the truth,
/// unless the state is plainly behind the cursor (then `true` is returned with
/// the cursor, for a warning).
fn choose_cursor(saved: Option<Cursor>, in_state: Option<Cursor>) -> (Option<Cursor>, bool) {
    match (saved, in_state) {
        (None, None) => (None, false),
        (Some(c), None) => (Some(c), false),
        (None, Some(s)) => (Some(s), false),
        (Some(c), Some(s)) if c.covers(&s) && !s.covers(&c) => (Some(c), true),
        (Some(_), Some(s)) => (Some(s), false),
    }
}

/// Whether `wake consume` ran on this root before: its ledger exists, or a
/// copy of its cursor or debounce state was quarantined.
fn ran_before(ctx: &Ctx) -> Result<bool> {
    if ctx.root.state_file(LEDGER_FILE).exists() {
        return Ok(true);
    }
    let dir = ctx.root.quarantine_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(anyhow::anyhow!("cannot list {}: {e}", dir.display())),
    };
    for entry in entries {
        let name = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .file_name();
        if let Some(original) = name.to_str().and_then(state::quarantined_from)
            && (original == CURSOR_FILE || original == DEBOUNCE_FILE)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Appends the audit rows of messages sent by a run that stopped (a kill, a
/// failed append) between its ledger write and its audit append, then clears
/// them from the ledger.
fn record_unrecorded(ctx: &mut Ctx, ledger: &mut WakeLedger) -> Result<()> {
    let rows = ledger.take_unrecorded();
    if rows.is_empty() {
        return Ok(());
    }
    // Those a killed append wrote whole are not written twice.
    let since = rows.iter().map(|r| r.ts).min().unwrap_or(ctx.now());
    let appended = ctx
        .audit()
        .append_missing(&rows, since, ctx.now())
        .with_context(|| {
            format!(
                "cannot append the {} audit rows of messages already sent (kept in state/{LEDGER_FILE})",
                rows.len()
            )
        })?;
    state::save(&ctx.root.state_file(LEDGER_FILE), ledger)?;
    ctx.out.note(&format!(
        "appended {appended} audit rows of messages an earlier run sent but did not record ({} were already written)",
        rows.len() - appended
    ));
    Ok(())
}

/// Stamps the wake cursor (and the debounce state's position) at the end of
/// the log, so that `wake consume` reads only what comes after: what its first
/// run does, and what `tend init` can do so that the first wakes of a new root
/// are not passed over. Returns the cursor.
pub fn stamp(ctx: &Ctx, state: WakeState) -> Result<Cursor> {
    let dir = ctx.root.audit_dir();
    let at = Cursor::stamp(
        &dir,
        &cursor::horizon(ctx.now(), cursor::HORIZON_DAYS),
        &format_ts(ctx.now()),
    )?;
    let state = WakeState {
        cursor: Some(at.clone()),
        ..state
    };
    state::save(&ctx.root.state_file(DEBOUNCE_FILE), &state)?;
    state::save(&ctx.root.state_file(CURSOR_FILE), &at)?;
    Ok(at)
}

/// How many messages the ledger records as given up (unconfirmed after two
/// attempts), for `tend status`. Status only looks: a ledger that is missing
/// or does not parse counts nothing here (the next `wake consume`
/// quarantines it and says so, and `tend doctor` reports it).
pub fn unconfirmed(ctx: &Ctx) -> usize {
    std::fs::read(ctx.root.state_file(LEDGER_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<WakeLedger>(&bytes).ok())
        .map_or(0, |ledger| ledger.unconfirmed())
}

/// The `tend status` line for [`unconfirmed`] messages.
pub fn unconfirmed_line(n: usize) -> String {
    format!(
        "wake messages: {n} given up, unconfirmed after {} attempts (tend audit tail --kind notification.dispatched)",
        attempts::MAX_ATTEMPTS
    )
}

/// How far `wake consume` has read the audit log, as its next start would
/// see it (the typed answer `gc audit` asks for before removing a segment).
#[derive(Debug)]
pub enum ReadProgress {
    /// Wake never ran: its first run starts at the end of the log and reads
    /// no existing segment.
    Nothing,
    /// It goes on from this cursor.
    Cursor(Cursor),
    /// Its cursor or debounce state is gone: it replays every segment from
    /// this one (named `YYYY-MM-DD.jsonl`) on.
    ReplaysFrom(String),
}

impl ReadProgress {
    /// Whether the audit segment `segment` (now `len` bytes long) is read to
    /// its end, so that removing it loses nothing wake would read.
    pub fn has_finished(&self, segment: &str, len: u64) -> bool {
        match self {
            ReadProgress::Nothing => true,
            ReadProgress::Cursor(cursor) => cursor.has_finished(segment, len),
            ReadProgress::ReplaysFrom(first) => segment < first.as_str(),
        }
    }
}

/// [`ReadProgress`]: the start the next `wake consume` would take. The one
/// way another domain (`gc audit`) learns what wake has read.
pub fn read_progress(ctx: &Ctx) -> Result<ReadProgress> {
    let saved_cursor: Option<Cursor> = ctx.load_state(CURSOR_FILE)?;
    let saved_state: Option<WakeState> = ctx.load_state(DEBOUNCE_FILE)?;
    let state_missing = saved_state.is_none();
    let (cursor, _) = choose_cursor(saved_cursor, saved_state.and_then(|s| s.cursor));
    let found = Found {
        cursor,
        state_missing,
        ran_before: ran_before(ctx)?,
    };
    let window = Policy::from_config(&ctx.config.wake).window;
    Ok(match start::decide(Replay::No, found, ctx.now(), window) {
        Start::Stamp => ReadProgress::Nothing,
        Start::Continue(cursor) => ReadProgress::Cursor(cursor),
        Start::Replay { scan_from, .. } => {
            ReadProgress::ReplaysFrom(scan_from.map(segment_name).unwrap_or_default())
        }
    })
}

struct Consumer<'c> {
    ctx: &'c mut Ctx,
    dir: PathBuf,
    now: DateTime<Utc>,
    policy: Policy,
    keys: BTreeMap<Key, KeyState>,
    probes: BTreeMap<String, ProbeMemory>,
    recent_limit: usize,
    ledger: WakeLedger,
    /// The ledger changed in memory since it was saved (rows recorded).
    ledger_dirty: bool,
    /// The one send path (attempt journal, threads, the channels).
    outbox: Outbox,
    budget: Budget,
    investigator: Investigator,
    channel_kind: ChannelKind,
    /// Rows not yet written (they go out with the next commit or send).
    pending: Vec<Row>,
    /// Rows whose own time is before this only rebuild the state (a replay
    /// from `--since`, or of a lost state): nothing is dispatched for them.
    decide_from: Option<DateTime<Utc>>,
    /// The newest event time seen (for forgetting inert keys).
    latest_event: Option<DateTime<Utc>>,
    /// Engine failures already reported on standard error this run.
    warned: BTreeSet<String>,
    outcome: Outcome,
    /// Whether the state changed since the last commit.
    changed: bool,
    /// How far reading has gone (saved with each commit).
    progress: Cursor,
    /// What the last commit saved (or the start).
    committed: Cursor,
}

/// What a sent (or skipped) message did, for the item line.
struct Sent {
    message: MessageKind,
    status: SentStatus,
    error: Option<String>,
    engine_status: Option<EngineStatus>,
}

/// What became of a message this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SentStatus {
    /// Sent (or its send failed), and recorded in the ledger.
    Attempted(Delivery),
    /// In the ledger from an earlier run: not sent again.
    AlreadySent,
    /// A dry run: nothing sent.
    DryRun,
}

impl SentStatus {
    fn name(self) -> &'static str {
        match self {
            SentStatus::Attempted(d) => d.name(),
            SentStatus::AlreadySent => "already_sent",
            SentStatus::DryRun => "dry_run",
        }
    }
}

impl std::fmt::Display for SentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for SentStatus {
    fn serialize<Se: serde::Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
        s.serialize_str(self.name())
    }
}

impl Sent {
    /// Whether a send was attempted (and so recorded in the ledger).
    fn attempted(&self) -> bool {
        matches!(self.status, SentStatus::Attempted(_))
    }
}

/// Whether a run is news for cron's mail (design §10 Output): a message went
/// out (a dispatched wake, a flapping or settled message) or failed, or the
/// engine failed. A wake buffered or still inside its window is not.
fn is_news(outcome: &Outcome) -> bool {
    [
        WakeCount::Dispatched,
        WakeCount::FlappingStarted,
        WakeCount::Settled,
        WakeCount::SendFailed,
        WakeCount::EngineFailed,
        WakeCount::Unconfirmed,
    ]
    .into_iter()
    .any(|counter| outcome.counts.get(counter) > 0)
}

fn correlation_key(probe: &str, category: &str) -> String {
    format!("probe:{probe}:{category}")
}

impl Consumer<'_> {
    /// A diagnostic on standard error, with every secret scrubbed (messages
    /// can quote what a service answered).
    fn warn(&mut self, message: &str) {
        let message = self.ctx.config.secrets.scrub(message);
        self.ctx.out.warn(&message);
    }

    /// A failure the operator must see even with -q, secrets scrubbed.
    fn error(&mut self, message: &str) {
        let message = self.ctx.config.secrets.scrub(message);
        self.ctx.out.error(&message);
    }

    fn visit(&mut self, item: Item<'_>) -> Result<ControlFlow<()>> {
        let row = match item {
            Item::Row(row) => row,
            other => {
                if let Some(warning) = other.warning() {
                    self.warn(&warning);
                }
                self.outcome.count(WakeCount::Malformed, 1);
                return Ok(ControlFlow::Continue(()));
            }
        };
        let at = format!("audit/{}: byte {}", row.segment, row.offset);
        let record = match row.record() {
            Ok(record) => record,
            Err(e) => {
                self.warn(&format!("{at}: skipped {} row: {e}", row.kind));
                self.outcome.count(WakeCount::Malformed, 1);
                return Ok(ControlFlow::Continue(()));
            }
        };
        match row.kind.as_ref() {
            "probe.observed" => match request::parse_observed(&record, row.raw) {
                Ok(observed) => self.observed(observed, &row.next)?,
                Err(e) => {
                    self.warn(&format!("{at}: skipped probe.observed row: {e}"));
                    self.outcome.count(WakeCount::Malformed, 1);
                }
            },
            "probe.recovered" => match request::parse_recovery(&record, row.raw) {
                Ok(recovery) if self.rebuilding(recovery.ts) => self.rebuild_recovery(&recovery),
                Ok(recovery) => self.recovery(&recovery, &row.next)?,
                Err(e) => {
                    self.warn(&format!("{at}: skipped probe.recovered row: {e}"));
                    self.outcome.count(WakeCount::Malformed, 1);
                }
            },
            "probe.wake_requested" => match request::parse_wake(&record, row.raw) {
                Ok((wake, _)) if self.rebuilding(wake.ts) => self.rebuild_wake(&wake),
                Ok((wake, note)) => {
                    if let Some(note) = note {
                        self.warn(&format!("{at}: wake {}: {note}", wake.id));
                    }
                    self.wake(&wake, &row.next)?;
                }
                Err(e) => {
                    self.warn(&format!("{at}: skipped probe.wake_requested row: {e}"));
                    self.outcome.count(WakeCount::Malformed, 1);
                }
            },
            _ => {}
        }
        if self.pending.len() >= COMMIT_EVERY {
            self.commit(&row.next)?;
        }
        Ok(ControlFlow::Continue(()))
    }

    /// A probe's result: remembered for prompts; it may end a flapping episode.
    fn observed(&mut self, observed: Observed, next: &Position) -> Result<()> {
        let Observed {
            id,
            probe,
            observation,
            flapping,
        } = observed;
        let memory = self.probes.entry(probe.clone()).or_default();
        let in_episode = memory.flapping_episode;
        memory.observed_flapping = flapping;
        let (ts, status, summary) = (
            observation.ts,
            observation.status.clone(),
            observation.summary.clone(),
        );
        if self.recent_limit > 0 {
            memory.recent.push(observation);
            let excess = memory.recent.len().saturating_sub(self.recent_limit);
            memory.recent.drain(..excess);
        }
        self.changed = true;
        if !debounce::observation_settles(in_episode, flapping) {
            return Ok(());
        }
        if self.decide_from.is_some_and(|from| ts < from) {
            memory.flapping_episode = false;
            return Ok(());
        }
        self.see(ts);
        let (severity, now) = match status.as_str() {
            "ok" => (Severity::Info, "OK".to_string()),
            "critical" => (Severity::Critical, "critical".to_string()),
            other => (Severity::Warning, other.to_string()),
        };
        let sent = self.settle(&probe, &status, &id, severity, &now, &summary)?;
        let line = format!(
            "{} {probe}: observed {status}, flapping settled ({})",
            format_ts(ts),
            sent.status
        );
        let item = json!({"row_id": id, "ts": format_ts(ts), "probe": probe,
                          "decision": "observed", "settled": true, "status": sent.status});
        self.report(&line, &item)?;
        if sent.attempted() {
            self.commit(next)?;
        }
        Ok(())
    }

    /// Whether a row of this event time only rebuilds the state (it comes
    /// before the `--since` of a replay).
    fn rebuilding(&self, at: DateTime<Utc>) -> bool {
        self.decide_from.is_some_and(|from| at < from)
    }

    /// A wake before `--since`: decided as the original run decided it, so
    /// that the state is what it was then; nothing is sent, written or shown.
    fn rebuild_wake(&mut self, wake: &WakeRequest) {
        self.see(wake.ts);
        let key = (wake.probe.clone(), wake.category.clone());
        let state = self.keys.remove(&key).unwrap_or_default();
        let memory = self.probes.entry(wake.probe.clone()).or_default();
        let verdict = debounce::decide(
            state,
            &debounce::Wake {
                id: &wake.id,
                at: wake.ts,
                severity: wake.severity,
                flapping: wake.flapping,
                in_episode: memory.flapping_episode,
            },
            &self.policy,
        );
        if verdict.settled {
            memory.flapping_episode = false;
        }
        if verdict.decision == Decision::FlappingStarted {
            memory.flapping_episode = true;
        }
        self.keys.insert(key, verdict.state);
    }

    /// A recovery before `--since`: it may have ended a flapping episode.
    fn rebuild_recovery(&mut self, recovery: &Recovery) {
        self.see(recovery.ts);
        if let Some(memory) = self.probes.get_mut(&recovery.probe)
            && debounce::recovery_settles(memory.flapping_episode, memory.observed_flapping)
        {
            memory.flapping_episode = false;
        }
    }

    fn see(&mut self, at: DateTime<Utc>) {
        self.latest_event = Some(self.latest_event.map_or(at, |l| l.max(at)));
        self.changed = true;
    }

    /// Ends the probe's flapping episode and says so.
    fn settle(
        &mut self,
        probe: &str,
        category: &str,
        row_id: &str,
        severity: Severity,
        now: &str,
        summary: &str,
    ) -> Result<Sent> {
        if let Some(memory) = self.probes.get_mut(probe) {
            memory.flapping_episode = false;
        }
        self.changed = true;
        let message = message::settled(probe, severity, now, summary);
        let incident = self.open_incident(probe, category)?;
        let sent = self.send_plain(
            &dispatch::Outgoing {
                ledger_id: &ledger::settled_id(row_id),
                reference: row_id,
                probe,
                category,
                severity,
                kind: MessageKind::Settled,
                incident: incident.map(|id| (id, Purpose::Message)),
            },
            message,
        )?;
        self.outcome.count(WakeCount::Settled, 1);
        Ok(sent)
    }

    fn recovery(&mut self, recovery: &Recovery, next: &Position) -> Result<()> {
        self.see(recovery.ts);
        let memory = self.probes.get(&recovery.probe);
        let settles = debounce::recovery_settles(
            memory.is_some_and(|m| m.flapping_episode),
            memory.and_then(|m| m.observed_flapping),
        );
        if !settles {
            return Ok(());
        }
        let sent = self.settle(
            &recovery.probe,
            &recovery.category,
            &recovery.id,
            Severity::Info,
            "OK",
            &recovery.summary,
        )?;
        let item = json!({
            "row_id": recovery.id,
            "ts": format_ts(recovery.ts),
            "probe": recovery.probe,
            "issue_category": recovery.category,
            "decision": "recovered",
            "settled": true,
            "status": sent.status,
        });
        let line = format!(
            "{} {}/{}: recovered, flapping settled ({})",
            format_ts(recovery.ts),
            recovery.probe,
            recovery.category,
            sent.status
        );
        self.report(&line, &item)?;
        if sent.attempted() {
            self.commit(next)?;
        }
        Ok(())
    }

    fn wake(&mut self, wake: &WakeRequest, next: &Position) -> Result<()> {
        self.see(wake.ts);
        self.outcome.count(WakeCount::Wakes, 1);
        let key = (wake.probe.clone(), wake.category.clone());
        let state = self.keys.remove(&key).unwrap_or_default();
        let already = self.ledger.contains(&wake.id);
        // Kept only for a wake already sent (rare: a re-read), see below.
        let before = already.then(|| state.clone());
        let in_episode = self
            .probes
            .get(&wake.probe)
            .is_some_and(|m| m.flapping_episode);
        let verdict = debounce::decide(
            state,
            &debounce::Wake {
                id: &wake.id,
                at: wake.ts,
                severity: wake.severity,
                flapping: wake.flapping,
                in_episode,
            },
            &self.policy,
        );
        let decision = verdict.decision;
        // A wake already sent whose decision now is "debounced" was read again
        // after its state was saved (a rewritten segment): the state already
        // holds it.
        let sends = decision.investigates() || decision == Decision::FlappingStarted;
        let state = match before {
            Some(before) if !sends => before,
            _ => verdict.state,
        };
        self.keys.insert(key, state);
        if decision == Decision::FlappingStarted {
            self.probes
                .entry(wake.probe.clone())
                .or_default()
                .flapping_episode = true;
        }
        let mut sent = Vec::new();
        if verdict.settled {
            let now = format!("failing steadily ({}, {})", wake.severity, wake.category);
            sent.push(self.settle(
                &wake.probe,
                &wake.category,
                &wake.id,
                wake.severity,
                &now,
                &wake.summary,
            )?);
        }
        match decision {
            Decision::Dispatch | Decision::Bypassed => {
                sent.push(self.investigate(wake)?);
            }
            Decision::FlappingStarted => {
                let message = message::flapping(wake);
                let incident = if self.ledger.contains(&wake.id) || self.ctx.dry_run {
                    None
                } else {
                    Some((self.incident_of(wake)?, Purpose::Message))
                };
                sent.push(self.send_plain(
                    &dispatch::Outgoing {
                        ledger_id: &wake.id,
                        reference: &wake.id,
                        probe: &wake.probe,
                        category: &wake.category,
                        severity: wake.severity,
                        kind: MessageKind::Flapping,
                        incident,
                    },
                    message,
                )?);
            }
            Decision::Buffered { .. } | Decision::Window { .. } | Decision::Flapping => {
                if !already {
                    self.debounced(wake, decision);
                }
            }
        }
        let counter = match decision {
            _ if already => WakeCount::AlreadySent,
            Decision::Dispatch | Decision::Bypassed => WakeCount::Dispatched,
            Decision::Buffered { .. } => WakeCount::Buffered,
            Decision::Window { .. } => WakeCount::Window,
            Decision::FlappingStarted => WakeCount::FlappingStarted,
            Decision::Flapping => WakeCount::Flapping,
        };
        self.outcome.count(counter, 1);
        if decision == Decision::Bypassed && !already {
            self.outcome.count(WakeCount::Bypassed, 1);
        }
        let delivered = sent.iter().any(Sent::attempted);
        self.report_wake(wake, decision, verdict.settled, already, &sent)?;
        if delivered {
            self.commit(next)?;
        }
        Ok(())
    }

    /// The probe's recent results, oldest first.
    fn recent_of(&self, probe: &str) -> Vec<Observation> {
        self.probes
            .get(probe)
            .map(|m| m.recent.clone())
            .unwrap_or_default()
    }

    fn debounced(&mut self, wake: &WakeRequest, decision: Decision) {
        let Some(reason) = decision.debounce_reason() else {
            return;
        };
        let mut details = json!({
            "probe": wake.probe,
            "issue_category": wake.category,
            "severity": wake.severity,
            "wake_id": wake.id,
            "reason": reason,
        });
        match decision {
            Decision::Buffered { count, required } => {
                details["count"] = json!(count);
                details["required"] = json!(required);
            }
            Decision::Window { until } => details["until"] = json!(format_ts(until)),
            _ => {}
        }
        // The same wake debounced again (a re-read) gets the same row id.
        self.pending.push(
            Row::deterministic(Kind::ProbeWakeDebounced, self.now, &wake.id, details)
                .with_correlation_key(correlation_key(&wake.probe, &wake.category)),
        );
    }

    /// Moves the reading positions to `reached` (each the position after the
    /// last line consumed in its segment).
    fn advance(&mut self, reached: &[Position]) -> Result<()> {
        for position in reached {
            self.progress
                .advance(&self.dir, position)
                .with_context(|| format!("cannot read audit/{}", position.segment))?;
        }
        Ok(())
    }

    /// Commits with reading at `position`: see [`Consumer::save`].
    fn commit(&mut self, position: &Position) -> Result<()> {
        self.advance(std::slice::from_ref(position))?;
        self.save()
    }

    /// Writes the pending rows, then the debounce state with the reading
    /// positions, then the cursor (in that order: see the module comment).
    fn save(&mut self) -> Result<()> {
        if self.ctx.dry_run {
            self.pending.clear();
            return Ok(());
        }
        if !self.pending.is_empty() {
            let batch = std::mem::take(&mut self.pending);
            self.ctx.audit().append(&batch, self.now)?;
        }
        let mut at = self.progress.clone();
        at.updated_at = format_ts(self.now);
        if let Some(latest) = self.latest_event {
            // Forget what can no longer change a decision (with a day's slack
            // for rows from other hosts that arrive late).
            let horizon = latest - TimeDelta::days(1);
            let policy = self.policy;
            self.keys.retain(|_, s| !s.is_inert(horizon, &policy));
            let oldest = latest - TimeDelta::days(ledger::KEEP_DAYS);
            self.probes.retain(|_, m| {
                m.flapping_episode || m.recent.last().is_some_and(|o| o.ts >= oldest)
            });
        }
        let state = WakeState {
            cursor: Some(at.clone()),
            keys: self
                .keys
                .iter()
                .map(|((probe, category), state)| KeyEntry {
                    probe: probe.clone(),
                    issue_category: category.clone(),
                    state: state.clone(),
                })
                .collect(),
            probes: self.probes.clone(),
        };
        if self.ledger_dirty {
            state::save(&self.ctx.root.state_file(LEDGER_FILE), &self.ledger)?;
            self.ledger_dirty = false;
        }
        state::save(&self.ctx.root.state_file(DEBOUNCE_FILE), &state)?;
        state::save(&self.ctx.root.state_file(CURSOR_FILE), &at)?;
        self.changed = false;
        self.committed = at;
        Ok(())
    }

    /// Drops from the attempt journal the attempts of messages the ledger
    /// now records (sent, failed or given up), and those older than the
    /// ledger remembers: the file stays as small as what is in flight.
    fn settle_attempts(&mut self) -> Result<()> {
        let horizon = self.now - TimeDelta::days(ledger::KEEP_DAYS);
        let ledger = &self.ledger;
        self.outbox.settle(ATTEMPT_PREFIX, |key, at| {
            at < horizon
                || key
                    .strip_prefix(ATTEMPT_PREFIX)
                    .is_some_and(|id| ledger.contains(id))
        })
    }

    fn finish(self) -> Result<Outcome> {
        let outcome = self.outcome;
        let c = |counter: WakeCount| outcome.counts.get(counter);
        let wakes = c(WakeCount::Wakes);
        let settled = c(WakeCount::Settled);
        if self.ctx.out.json {
            let mut summary =
                json!({"summary": true, "channel": channel::audit_name(self.channel_kind)});
            for (name, n) in outcome.counts.iter() {
                summary[name] = json!(n);
            }
            if self.ctx.dry_run {
                summary["dry_run"] = json!(true);
            }
            self.ctx.out.json(&summary)?;
        } else {
            let mut parts = Vec::new();
            for (counter, label) in [
                (WakeCount::Dispatched, "dispatched"),
                (WakeCount::Buffered, "buffered"),
                (WakeCount::Window, "in window"),
                (WakeCount::FlappingStarted, "flapping (one message)"),
                (WakeCount::Flapping, "flapping (held)"),
                (WakeCount::AlreadySent, "already sent"),
            ] {
                if c(counter) > 0 {
                    parts.push(format!("{} {label}", c(counter)));
                }
            }
            if settled > 0 {
                parts.push(format!("{settled} settled"));
            }
            let done = if parts.is_empty() {
                "nothing new".to_string()
            } else {
                parts.join(", ")
            };
            let mut line = if wakes > 0 {
                format!(
                    "wake consume: {wakes} wake{}: {done}",
                    if wakes == 1 { "" } else { "s" }
                )
            } else {
                format!("wake consume: {done}")
            };
            if c(WakeCount::NoEngine) > 0 {
                line.push_str(&format!(
                    "; {} sent without investigation (no engine configured)",
                    c(WakeCount::NoEngine)
                ));
            }
            if c(WakeCount::BudgetSpent) > 0 {
                line.push_str(&format!(
                    "; {} sent without investigation (today's LLM budget is spent)",
                    c(WakeCount::BudgetSpent)
                ));
            }
            if c(WakeCount::EngineFailed) > 0 {
                line.push_str(&format!(
                    "; {} sent without investigation (the engine failed)",
                    c(WakeCount::EngineFailed)
                ));
            }
            if c(WakeCount::SendFailed) > 0 {
                line.push_str(&format!(
                    "; {} failed to send via {}",
                    c(WakeCount::SendFailed),
                    self.channel_kind
                ));
            }
            if c(WakeCount::Unconfirmed) > 0 {
                line.push_str(&format!(
                    "; {} given up, unconfirmed after {} attempts (see standard error)",
                    c(WakeCount::Unconfirmed),
                    attempts::MAX_ATTEMPTS
                ));
            }
            if self.ctx.dry_run {
                line.push_str(" (dry run: nothing sent or written)");
            }
            self.ctx.out.news(is_news(&outcome), &line)?;
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(counts: &[(WakeCount, u64)]) -> Outcome {
        let mut o = Outcome::default();
        for (counter, n) in counts {
            o.count(*counter, *n);
        }
        o
    }

    #[test]
    fn news_is_a_message_or_a_failure() {
        assert!(!is_news(&outcome(&[])));
        assert!(!is_news(&outcome(&[
            (WakeCount::Wakes, 3),
            (WakeCount::Window, 2),
            (WakeCount::Buffered, 1)
        ])));
        assert!(!is_news(&outcome(&[
            (WakeCount::Wakes, 1),
            (WakeCount::AlreadySent, 1),
            (WakeCount::Flapping, 1)
        ])));
        assert!(!is_news(&outcome(&[
            (WakeCount::Wakes, 1),
            (WakeCount::Dispatched, 0),
            (WakeCount::NoEngine, 0)
        ])));
        for counter in [
            WakeCount::Dispatched,
            WakeCount::FlappingStarted,
            WakeCount::Settled,
            WakeCount::SendFailed,
            WakeCount::EngineFailed,
            WakeCount::Unconfirmed,
        ] {
            assert!(is_news(&outcome(&[(counter, 1)])), "{counter:?}");
        }
    }
}
