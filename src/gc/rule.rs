//! The orphan rule of design §9, as pure functions: which checkpoint threads go
//! and why every other one is kept. No I/O here; the handler feeds in what the
//! store and the session source said.

use std::cmp::Ordering;
use std::hash::Hasher;

use hashbrown::HashTable;

use crate::store::hash::Fnv64;

use chrono::{DateTime, TimeDelta, Utc};

/// A thread's base session id: its id with trailing `:retry-N` suffixes
/// stripped, as `^(.+?)(:retry-[0-9]+)+$` does (`INC-1:retry-2:retry-1` →
/// `INC-1`; `x:retry-a` and `:retry-1` stay as they are).
pub fn base_session_id(thread_id: &str) -> &str {
    // Most ids have no colon at all: one byte search says so.
    if memchr::memrchr(b':', thread_id.as_bytes()).is_none() {
        return thread_id;
    }
    let mut base = thread_id;
    while let Some((prefix, _)) = strip_one_retry(base) {
        base = prefix;
    }
    base
}

/// The session a thread belongs to: the first of its full id and the
/// prefixes left by stripping its `:retry-N` suffixes one at a time that is
/// an active session, else its base id ([`base_session_id`]). A thread whose
/// exact id is an active session is that session's, even when the id ends
/// in `:retry-N` (`INC-3:retry-1` listed as a session of its own).
pub fn session_of<'a>(thread_id: &'a str, sessions: &ActiveSessions) -> &'a str {
    active_session_of(thread_id, sessions).unwrap_or_else(|| base_session_id(thread_id))
}

/// The active session that keeps a thread (see [`session_of`]), if any.
pub fn active_session_of<'a>(thread_id: &'a str, sessions: &ActiveSessions) -> Option<&'a str> {
    let mut candidate = thread_id;
    loop {
        if sessions.contains(candidate) {
            return Some(candidate);
        }
        candidate = strip_one_retry(candidate)?.0;
    }
}

/// `("x", "2")` for `x:retry-2` when `x` is not empty.
fn strip_one_retry(id: &str) -> Option<(&str, &str)> {
    let at = id.rfind(":retry-")?;
    let digits = &id[at + ":retry-".len()..];
    if at == 0 || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((&id[..at], digits))
}

/// The retry numbers of a thread after its base id, outermost first:
/// `INC-1:retry-2:retry-1` → `["2", "1"]`.
fn retry_chain(thread_id: &str) -> Vec<&str> {
    let mut chain = Vec::new();
    let mut rest = thread_id;
    while let Some((prefix, n)) = strip_one_retry(rest) {
        chain.push(n);
        rest = prefix;
    }
    chain.reverse();
    chain
}

/// Compares two decimal numbers of any length.
fn cmp_decimal(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Orders the threads of one base session from the first attempt to the
/// latest retry: `INC-1` < `INC-1:retry-1` < `INC-1:retry-2` <
/// `INC-1:retry-2:retry-1` (`retry-10` after `retry-9`).
pub fn retry_order(a: &str, b: &str) -> Ordering {
    let (ca, cb) = (retry_chain(a), retry_chain(b));
    for (x, y) in ca.iter().zip(cb.iter()) {
        match cmp_decimal(x, y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// What the session source said about one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    /// The value of `status_field`, when the record has one.
    pub status: Option<String>,
    /// `deleted_field` is configured and set on this record.
    pub deleted: bool,
}

/// The sessions that are still active, from the source's records.
///
/// A million sessions must not cost a million allocations: an id of up to
/// 15 bytes lies inside its table slot, a longer one in a single string of
/// long ids that its slot points into. Session ids come from the operator's
/// own source: FNV is safe here and several times faster than SipHash on
/// short ids.
#[derive(Debug, Clone, Default)]
pub struct ActiveSessions {
    table: HashTable<Slot>,
    /// The ids longer than a slot holds, end to end.
    long: Vec<u8>,
    /// Records the source returned (active or not).
    pub records: u64,
}

/// One id in the table: its bytes and length (byte 15) when it is at most
/// 15 bytes long, else `LONG` in byte 15 and its start (bytes 0..8) and
/// length (bytes 8..12) in `ActiveSessions::long`.
#[derive(Debug, Clone, Copy)]
struct Slot([u8; 16]);

const INLINE: usize = 15;
const LONG: u8 = 0xFF;

impl Slot {
    fn new(id: &[u8], long: &mut Vec<u8>) -> Slot {
        let mut b = [0u8; 16];
        if id.len() <= INLINE {
            b[..id.len()].copy_from_slice(id);
            b[15] = id.len() as u8;
        } else {
            b[..8].copy_from_slice(&(long.len() as u64).to_le_bytes());
            // A row is at most MAX_ROW_BYTES (16 MiB), far below u32::MAX.
            b[8..12].copy_from_slice(&(id.len() as u32).to_le_bytes());
            b[15] = LONG;
            long.extend_from_slice(id);
        }
        Slot(b)
    }

    fn bytes<'a>(&'a self, long: &'a [u8]) -> &'a [u8] {
        let b = &self.0;
        if b[15] == LONG {
            let mut start = [0u8; 8];
            start.copy_from_slice(&b[..8]);
            let mut len = [0u8; 4];
            len.copy_from_slice(&b[8..12]);
            let start = u64::from_le_bytes(start) as usize;
            &long[start..start + u32::from_le_bytes(len) as usize]
        } else {
            &b[..usize::from(b[15])]
        }
    }
}

fn fnv(id: &[u8]) -> u64 {
    let mut h = Fnv64::new();
    h.write(id);
    h.finish()
}

impl ActiveSessions {
    /// For tests: these ids active, with no status or deleted field.
    #[cfg(test)]
    pub(crate) fn of_ids(ids: &[&str]) -> ActiveSessions {
        ActiveSessions::from_records(
            ids.iter().map(|id| SessionRecord {
                id: id.to_string(),
                status: None,
                deleted: false,
            }),
            &[],
        )
    }

    /// A session is active when the source lists it, its status is not one
    /// of `terminal_statuses` and it is not marked deleted. A session listed
    /// twice is active when any of its records says so (keeping is the safe
    /// side).
    pub fn from_records<I>(records: I, terminal_statuses: &[String]) -> ActiveSessions
    where
        I: IntoIterator<Item = SessionRecord>,
    {
        let mut active = ActiveSessions::default();
        for record in records {
            active.add(
                &record.id,
                record.status.as_deref(),
                record.deleted,
                terminal_statuses,
            );
        }
        active
    }

    /// Counts one record of the source, and keeps its id when it is active
    /// (see [`is_active`]).
    pub fn add(
        &mut self,
        id: &str,
        status: Option<&str>,
        deleted: bool,
        terminal_statuses: &[String],
    ) {
        self.records += 1;
        if !is_active_parts(status, deleted, terminal_statuses) {
            return;
        }
        let id = id.as_bytes();
        let hash = fnv(id);
        let ActiveSessions { table, long, .. } = self;
        // One probe: the vacant entry found is where the id goes.
        let entry = table.entry(hash, |s| s.bytes(long) == id, |s| fnv(s.bytes(long)));
        if let hashbrown::hash_table::Entry::Vacant(vacant) = entry {
            vacant.insert(Slot::new(id, long));
        }
    }

    /// Makes room for about `n` more active sessions.
    pub fn reserve(&mut self, n: usize) {
        let ActiveSessions { table, long, .. } = self;
        table.reserve(n, |s| fnv(s.bytes(long)));
    }

    pub fn contains(&self, id: &str) -> bool {
        let id = id.as_bytes();
        self.table
            .find(fnv(id), |s| s.bytes(&self.long) == id)
            .is_some()
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// One record's verdict: listed, not terminal, not deleted.
pub fn is_active(record: &SessionRecord, terminal_statuses: &[String]) -> bool {
    is_active_parts(record.status.as_deref(), record.deleted, terminal_statuses)
}

fn is_active_parts(status: Option<&str>, deleted: bool, terminal_statuses: &[String]) -> bool {
    !deleted && !status.is_some_and(|s| terminal_statuses.iter().any(|t| t == s))
}

/// A thread as a store sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub thread_id: String,
    /// When it was last written, or why the store cannot tell.
    pub last_touched: Result<DateTime<Utc>, String>,
}

/// Why a thread is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepReason {
    /// Its session is active and this is the session's latest thread.
    Active { session: String },
    /// Its session is active; a later retry took over from this thread.
    Superseded { session: String, by: String },
    /// Its session is gone, but a thread of the session was touched within
    /// `min_age` (or in the future).
    Recent {
        session: String,
        thread: String,
        touched: DateTime<Utc>,
    },
    /// Its session is gone, but the store could not tell when a thread of
    /// the session was last touched, or cannot delete it safely.
    Unreadable {
        session: String,
        thread: String,
        why: String,
    },
    /// An orphan beyond this run's `max_deletions`: the next run takes it.
    OverCap { max: usize },
    /// The session source returned nothing and `--allow-empty` was not given.
    SourceEmpty,
}

impl KeepReason {
    /// A short machine-readable name (the `reason` field of `--json`).
    pub fn code(&self) -> &'static str {
        match self {
            KeepReason::Active { .. } => "active",
            KeepReason::Superseded { .. } => "superseded",
            KeepReason::Recent { .. } => "recent",
            KeepReason::Unreadable { .. } => "unreadable",
            KeepReason::OverCap { .. } => "over_cap",
            KeepReason::SourceEmpty => "source_empty",
        }
    }

    /// The sentence `--dry-run` prints after "kept: ".
    pub fn describe(&self) -> String {
        match self {
            KeepReason::Active { session } => format!("session {session} is active"),
            KeepReason::Superseded { session, by } => {
                format!("session {session} is active; superseded by {by}")
            }
            KeepReason::Recent {
                session,
                thread,
                touched,
            } => format!(
                "session {session} is gone, but {thread} was touched at {}, within min_age",
                crate::clock::format_ts(*touched)
            ),
            KeepReason::Unreadable {
                session,
                thread,
                why,
            } => format!("session {session} is gone, but {thread} cannot be judged: {why}"),
            KeepReason::OverCap { max } => {
                format!("orphan beyond this run's limit of {max} deletions; next run")
            }
            KeepReason::SourceEmpty => {
                "the session source returned no sessions (pass --allow-empty to delete anyway)"
                    .to_string()
            }
        }
    }
}

/// What happens to one thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delete,
    Keep(KeepReason),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub thread_id: String,
    pub base_session_id: String,
    pub last_touched: Option<DateTime<Utc>>,
    pub verdict: Verdict,
}

/// The limits of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub now: DateTime<Utc>,
    /// A session whose threads were touched within this is not collected.
    pub min_age: TimeDelta,
    pub max_deletions: usize,
    /// Delete even though the source returned no session (`--allow-empty`).
    pub allow_empty: bool,
}

/// `touched` is within `min_age` of `now` (or after it): too recent to go.
/// `now - touched >= min_age` is old enough (the inclusive boundary).
pub fn is_recent(touched: DateTime<Utc>, now: DateTime<Utc>, min_age: TimeDelta) -> bool {
    match now.signed_duration_since(touched).cmp(&min_age) {
        Ordering::Less => true,
        Ordering::Equal | Ordering::Greater => false,
    }
}

/// The session of a thread paired with its length (a prefix of its id).
fn base_of((len, t): &(usize, Thread)) -> &str {
    &t.thread_id[..*len]
}

/// Sorts the threads a store lists, one at a time, into those the decision
/// needs and those it only counts: a thread of an active session is kept
/// whatever else is true of it, so unless every thread is to be listed (a dry
/// run shows each) it is counted and dropped, without its time being worked
/// out. Memory then grows with the orphans, not with the store.
#[derive(Debug)]
pub struct Sift {
    sessions: ActiveSessions,
    list_active: bool,
    threads: Vec<Thread>,
    active_unlisted: u64,
}

/// What [`Sift::decide`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sifted {
    /// As [`decide`] orders them: deletions first, then the kept threads
    /// (those of active sessions only when they were listed).
    pub decisions: Vec<Decision>,
    /// Threads of active sessions counted but not listed (kept).
    pub active_unlisted: u64,
}

impl Sift {
    pub fn new(sessions: ActiveSessions, list_active: bool) -> Sift {
        Sift {
            sessions,
            list_active,
            threads: Vec::new(),
            active_unlisted: 0,
        }
    }

    /// One thread; `last_touched` is called only when the thread is kept for
    /// the decision.
    pub fn push(
        &mut self,
        thread_id: &str,
        last_touched: impl FnOnce() -> Result<DateTime<Utc>, String>,
    ) {
        if !self.list_active && active_session_of(thread_id, &self.sessions).is_some() {
            self.active_unlisted += 1;
            return;
        }
        self.threads.push(Thread {
            thread_id: thread_id.to_string(),
            last_touched: last_touched(),
        });
    }

    /// Threads pushed so far.
    pub fn scanned(&self) -> u64 {
        self.threads.len() as u64 + self.active_unlisted
    }

    pub fn decide(self, policy: &Policy) -> Sifted {
        Sifted {
            decisions: decide(self.threads, &self.sessions, policy),
            active_unlisted: self.active_unlisted,
        }
    }
}

/// Decides every thread (design §9). The result lists the threads to delete
/// first — oldest session first, then by thread id — and then those kept, in
/// thread id order, so output and deletion order are stable.
pub fn decide(threads: Vec<Thread>, sessions: &ActiveSessions, policy: &Policy) -> Vec<Decision> {
    // Group by session (the active session a thread belongs to, else its
    // base id): sort by (session, retry order), then take runs of equal
    // session. Threads are moved into their decisions, not copied.
    let mut threads: Vec<(usize, Thread)> = threads
        .into_iter()
        .map(|t| (session_of(&t.thread_id, sessions).len(), t))
        .collect();
    threads.sort_by(|a, b| {
        base_of(a)
            .cmp(base_of(b))
            .then_with(|| retry_order(&a.1.thread_id, &b.1.thread_id))
    });
    let refuse_all = sessions.records == 0 && !policy.allow_empty;

    let mut delete: Vec<(DateTime<Utc>, Decision)> = Vec::new();
    let mut kept: Vec<Decision> = Vec::with_capacity(threads.len());
    let mut rest = threads.into_iter().peekable();
    let mut members: Vec<Thread> = Vec::new();
    while let Some((len, first)) = rest.next() {
        let base = first.thread_id[..len].to_string();
        members.clear();
        members.push(first);
        while let Some(next) = rest.next_if(|next| base_of(next) == base) {
            members.push(next.1);
        }
        let keep_all = |reason: &dyn Fn(&Thread) -> KeepReason,
                        members: &mut Vec<Thread>,
                        kept: &mut Vec<Decision>| {
            for t in members.drain(..) {
                let verdict = Verdict::Keep(reason(&t));
                kept.push(Decision {
                    last_touched: t.last_touched.ok(),
                    thread_id: t.thread_id,
                    base_session_id: base.clone(),
                    verdict,
                });
            }
        };
        if sessions.contains(&base) {
            let latest = members
                .last()
                .map(|t| t.thread_id.clone())
                .unwrap_or_default();
            keep_all(
                &|t: &Thread| {
                    if t.thread_id == latest {
                        KeepReason::Active {
                            session: base.clone(),
                        }
                    } else {
                        KeepReason::Superseded {
                            session: base.clone(),
                            by: latest.clone(),
                        }
                    }
                },
                &mut members,
                &mut kept,
            );
            continue;
        }
        if refuse_all {
            keep_all(&|_| KeepReason::SourceEmpty, &mut members, &mut kept);
            continue;
        }
        if let Some((thread, why)) = members.iter().find_map(|t| match &t.last_touched {
            Err(why) => Some((&t.thread_id, why)),
            Ok(_) => None,
        }) {
            let reason = KeepReason::Unreadable {
                session: base.clone(),
                thread: thread.clone(),
                why: why.clone(),
            };
            keep_all(&|_| reason.clone(), &mut members, &mut kept);
            continue;
        }
        // Every member has a time here.
        let newest = members
            .iter()
            .filter_map(|t| t.last_touched.as_ref().ok().map(|at| (*at, &t.thread_id)))
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)));
        let Some((newest_at, newest_thread)) = newest else {
            continue; // an empty group cannot exist
        };
        if is_recent(newest_at, policy.now, policy.min_age) {
            let reason = KeepReason::Recent {
                session: base.clone(),
                thread: newest_thread.clone(),
                touched: newest_at,
            };
            keep_all(&|_| reason.clone(), &mut members, &mut kept);
            continue;
        }
        for t in members.drain(..) {
            delete.push((
                newest_at,
                Decision {
                    last_touched: t.last_touched.ok(),
                    thread_id: t.thread_id,
                    base_session_id: base.clone(),
                    verdict: Verdict::Delete,
                },
            ));
        }
    }

    delete.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.base_session_id.cmp(&b.1.base_session_id))
            .then_with(|| retry_order(&a.1.thread_id, &b.1.thread_id))
    });
    let mut out = Vec::with_capacity(delete.len() + kept.len());
    let mut over_cap = Vec::new();
    for (i, (_, mut d)) in delete.into_iter().enumerate() {
        if i < policy.max_deletions {
            out.push(d);
        } else {
            d.verdict = Verdict::Keep(KeepReason::OverCap {
                max: policy.max_deletions,
            });
            over_cap.push(d);
        }
    }
    kept.extend(over_cap);
    kept.sort_by(|a, b| a.thread_id.cmp(&b.thread_id));
    out.extend(kept);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).expect("test timestamp")
    }

    fn thread(id: &str, at: &str) -> Thread {
        Thread {
            thread_id: id.to_string(),
            last_touched: Ok(t(at)),
        }
    }

    fn sessions(ids: &[&str]) -> ActiveSessions {
        ActiveSessions::of_ids(ids)
    }

    fn policy() -> Policy {
        Policy {
            now: t("2026-05-24T12:00:00Z"),
            min_age: TimeDelta::hours(1),
            max_deletions: 1000,
            allow_empty: false,
        }
    }

    fn verdict_of<'a>(ds: &'a [Decision], id: &str) -> &'a Verdict {
        &ds.iter()
            .find(|d| d.thread_id == id)
            .unwrap_or_else(|| panic!("no decision for {id}"))
            .verdict
    }

    #[test]
    fn base_ids() {
        let cases = [
            ("INC-1", "INC-1"),
            ("INC-1:retry-2", "INC-1"),
            ("INC-1:retry-2:retry-1", "INC-1"),
            ("INC-1:retry-02", "INC-1"),
            ("x:retry-a", "x:retry-a"),
            ("x:retry-", "x:retry-"),
            ("x:retry-1a", "x:retry-1a"),
            ("x:retry-1:retry-a", "x:retry-1:retry-a"),
            (":retry-1", ":retry-1"),
            (":retry-1:retry-2", ":retry-1"),
            ("a:b:retry-3", "a:b"),
            ("x:RETRY-1", "x:RETRY-1"),
            ("x:retry-١", "x:retry-١"),
            ("", ""),
        ];
        for (id, base) in cases {
            assert_eq!(base_session_id(id), base, "{id}");
        }
    }

    #[test]
    fn retry_ordering() {
        let mut ids = vec![
            "INC-1:retry-10",
            "INC-1:retry-2:retry-1",
            "INC-1",
            "INC-1:retry-9",
            "INC-1:retry-2",
            "INC-1:retry-1",
        ];
        ids.sort_by(|a, b| retry_order(a, b));
        assert_eq!(
            ids,
            [
                "INC-1",
                "INC-1:retry-1",
                "INC-1:retry-2",
                "INC-1:retry-2:retry-1",
                "INC-1:retry-9",
                "INC-1:retry-10",
            ]
        );
        assert_eq!(
            retry_order("x:retry-0010", "x:retry-10"),
            "x:retry-0010".cmp("x:retry-10")
        );
        assert_eq!(
            retry_order(
                "x:retry-99999999999999999999999",
                "x:retry-100000000000000000000000"
            ),
            Ordering::Less
        );
    }

    /// `rest` is `(:retry-[0-9]+)*` (written apart from the code under test).
    fn only_retry_suffixes(mut rest: &str) -> bool {
        while !rest.is_empty() {
            let Some(after) = rest.strip_prefix(":retry-") else {
                return false;
            };
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return false;
            }
            rest = &after[digits..];
        }
        true
    }

    /// The rule as the contract says it: kept when the full id, or a
    /// non-empty prefix followed only by `:retry-N` suffixes, is active.
    fn oracle_kept(id: &str, active: &str) -> bool {
        (1..=id.len())
            .filter(|&i| id.is_char_boundary(i))
            .any(|i| &id[..i] == active && only_retry_suffixes(&id[i..]))
            || id == active
    }

    #[test]
    fn a_thread_whose_exact_id_is_an_active_session_is_kept() {
        // The session source lists a retry as a session of its own.
        let threads = vec![
            thread("INC-3", "2026-05-20T00:00:00Z"),
            thread("INC-3:retry-1", "2026-05-20T00:00:00Z"),
            thread("INC-3:retry-1:retry-2", "2026-05-20T00:00:00Z"),
            thread("INC-3:retry-1:retry-2:retry-7", "2026-05-20T00:00:00Z"),
        ];
        let ds = decide(threads, &sessions(&["INC-3:retry-1:retry-2"]), &policy());
        assert_eq!(verdict_of(&ds, "INC-3"), &Verdict::Delete);
        assert_eq!(verdict_of(&ds, "INC-3:retry-1"), &Verdict::Delete);
        assert_eq!(
            verdict_of(&ds, "INC-3:retry-1:retry-2"),
            &Verdict::Keep(KeepReason::Superseded {
                session: "INC-3:retry-1:retry-2".into(),
                by: "INC-3:retry-1:retry-2:retry-7".into()
            })
        );
        assert_eq!(
            verdict_of(&ds, "INC-3:retry-1:retry-2:retry-7"),
            &Verdict::Keep(KeepReason::Active {
                session: "INC-3:retry-1:retry-2".into()
            })
        );
        // The deleted ones are named by their base session.
        let gone = ds.iter().find(|d| d.thread_id == "INC-3:retry-1").unwrap();
        assert_eq!(gone.base_session_id, "INC-3");
        // The longest active prefix names the session.
        let ds = decide(
            vec![thread("A:retry-1:retry-2", "2026-05-20T00:00:00Z")],
            &sessions(&["A", "A:retry-1"]),
            &policy(),
        );
        assert_eq!(
            verdict_of(&ds, "A:retry-1:retry-2"),
            &Verdict::Keep(KeepReason::Active {
                session: "A:retry-1".into()
            })
        );
    }

    #[test]
    fn kept_exactly_when_the_id_or_a_retry_stripped_prefix_is_active() {
        // Every id of up to three pieces, against every prefix of it (and a
        // stranger) as the one active session: decide, the sift and
        // session_of agree with the contract's rule.
        let pieces = [
            "INC-3",
            "x",
            ":retry-1",
            ":retry-2",
            ":retry-10",
            ":retry-",
            ":retry-a",
            ":",
            "retry-1",
            "-1",
            "é",
        ];
        let mut ids = Vec::new();
        for a in pieces {
            ids.push(a.to_string());
            for b in pieces {
                ids.push(format!("{a}{b}"));
                for c in pieces {
                    ids.push(format!("{a}{b}{c}"));
                }
            }
        }
        let mut checked = 0;
        for id in &ids {
            let mut actives: Vec<&str> = (0..=id.len())
                .filter(|&i| id.is_char_boundary(i))
                .map(|i| &id[..i])
                .collect();
            actives.push("stranger");
            for active in actives {
                let sessions = sessions(&[active, "stranger"]);
                let expected = oracle_kept(id, active);
                let ds = decide(
                    vec![thread(id, "2026-05-20T00:00:00Z")],
                    &sessions,
                    &policy(),
                );
                let kept = matches!(&ds[0].verdict, Verdict::Keep(KeepReason::Active { .. }));
                assert_eq!(kept, expected, "thread {id:?}, active session {active:?}");
                assert!(
                    kept || ds[0].verdict == Verdict::Delete,
                    "thread {id:?}: {:?}",
                    ds[0].verdict
                );
                if expected {
                    assert_eq!(session_of(id, &sessions), active, "thread {id:?}");
                    assert_eq!(ds[0].base_session_id, active);
                } else {
                    assert_eq!(session_of(id, &sessions), base_session_id(id));
                }
                let mut sift = Sift::new(sessions.clone(), false);
                sift.push(id, || Ok(t("2026-05-20T00:00:00Z")));
                assert_eq!(sift.active_unlisted == 1, expected, "sift of {id:?}");
                checked += 1;
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn inc10_is_not_inc1() {
        let threads = vec![
            thread("INC-1", "2026-05-20T00:00:00Z"),
            thread("INC-10", "2026-05-20T00:00:00Z"),
            thread("INC-10:retry-1", "2026-05-20T00:00:00Z"),
        ];
        let ds = decide(threads, &sessions(&["INC-1"]), &policy());
        assert_eq!(
            verdict_of(&ds, "INC-1"),
            &Verdict::Keep(KeepReason::Active {
                session: "INC-1".into()
            })
        );
        assert_eq!(verdict_of(&ds, "INC-10"), &Verdict::Delete);
        assert_eq!(verdict_of(&ds, "INC-10:retry-1"), &Verdict::Delete);
        // And the other way round.
        let threads = vec![
            thread("INC-1", "2026-05-20T00:00:00Z"),
            thread("INC-10", "2026-05-20T00:00:00Z"),
        ];
        let ds = decide(threads, &sessions(&["INC-10"]), &policy());
        assert_eq!(verdict_of(&ds, "INC-1"), &Verdict::Delete);
        assert!(matches!(verdict_of(&ds, "INC-10"), Verdict::Keep(_)));
    }

    #[test]
    fn active_session_keeps_every_retry_and_names_the_superseded() {
        let threads = vec![
            thread("INC-1", "2026-05-20T00:00:00Z"),
            thread("INC-1:retry-1", "2026-05-20T00:00:00Z"),
            thread("INC-1:retry-2", "2026-05-20T00:00:00Z"),
            thread("INC-1:retry-2:retry-1", "2026-05-20T00:00:00Z"),
        ];
        let ds = decide(threads, &sessions(&["INC-1"]), &policy());
        for id in ["INC-1", "INC-1:retry-1", "INC-1:retry-2"] {
            assert_eq!(
                verdict_of(&ds, id),
                &Verdict::Keep(KeepReason::Superseded {
                    session: "INC-1".into(),
                    by: "INC-1:retry-2:retry-1".into()
                })
            );
        }
        assert_eq!(
            verdict_of(&ds, "INC-1:retry-2:retry-1"),
            &Verdict::Keep(KeepReason::Active {
                session: "INC-1".into()
            })
        );
        let reason = KeepReason::Superseded {
            session: "INC-1".into(),
            by: "INC-1:retry-2".into(),
        };
        assert_eq!(
            reason.describe(),
            "session INC-1 is active; superseded by INC-1:retry-2"
        );
    }

    #[test]
    fn retry_of_active_session_is_kept_even_without_base_thread() {
        let threads = vec![thread("INC-2:retry-3", "2026-05-01T00:00:00Z")];
        let ds = decide(threads, &sessions(&["INC-2"]), &policy());
        assert_eq!(
            verdict_of(&ds, "INC-2:retry-3"),
            &Verdict::Keep(KeepReason::Active {
                session: "INC-2".into()
            })
        );
    }

    #[test]
    fn non_numeric_retry_is_its_own_session() {
        let threads = vec![thread("x:retry-a", "2026-05-01T00:00:00Z")];
        let ds = decide(threads, &sessions(&["x"]), &policy());
        assert_eq!(verdict_of(&ds, "x:retry-a"), &Verdict::Delete);
        assert_eq!(ds[0].base_session_id, "x:retry-a");
    }

    #[test]
    fn min_age_boundary_to_the_millisecond() {
        let p = policy(); // now 12:00:00.000, min_age 1 h
        let cases = [
            ("2026-05-24T11:00:00.001Z", false), // 1 ms too young
            ("2026-05-24T11:00:00.000Z", true),  // exactly min_age: goes
            ("2026-05-24T10:59:59.999Z", true),  // 1 ms older
            ("2026-05-24T12:00:00.001Z", false), // in the future
        ];
        for (at, goes) in cases {
            let ds = decide(vec![thread("S", at)], &sessions(&["other"]), &p);
            assert_eq!(ds[0].verdict == Verdict::Delete, goes, "{at}");
            if !goes {
                assert!(matches!(
                    ds[0].verdict,
                    Verdict::Keep(KeepReason::Recent { .. })
                ));
            }
        }
    }

    #[test]
    fn one_recent_thread_keeps_the_whole_orphaned_session() {
        let threads = vec![
            thread("S", "2026-05-01T00:00:00Z"),
            thread("S:retry-1", "2026-05-24T11:30:00Z"),
            thread("T", "2026-05-01T00:00:00Z"),
        ];
        let ds = decide(threads, &sessions(&["other"]), &policy());
        let recent = Verdict::Keep(KeepReason::Recent {
            session: "S".into(),
            thread: "S:retry-1".into(),
            touched: t("2026-05-24T11:30:00Z"),
        });
        assert_eq!(verdict_of(&ds, "S"), &recent);
        assert_eq!(verdict_of(&ds, "S:retry-1"), &recent);
        assert_eq!(verdict_of(&ds, "T"), &Verdict::Delete);
    }

    #[test]
    fn unknown_age_keeps_the_session() {
        let threads = vec![
            thread("S", "2026-05-01T00:00:00Z"),
            Thread {
                thread_id: "S:retry-1".into(),
                last_touched: Err("checkpoint_id 1 is not a UUIDv6".into()),
            },
        ];
        let ds = decide(threads, &sessions(&["other"]), &policy());
        assert!(
            ds.iter()
                .all(|d| matches!(d.verdict, Verdict::Keep(KeepReason::Unreadable { .. })))
        );
    }

    #[test]
    fn empty_source_refuses_unless_allowed() {
        let threads = vec![thread("S", "2026-05-01T00:00:00Z")];
        let empty = ActiveSessions::from_records(Vec::new(), &[]);
        let ds = decide(threads.clone(), &empty, &policy());
        assert_eq!(ds[0].verdict, Verdict::Keep(KeepReason::SourceEmpty));
        let allow = Policy {
            allow_empty: true,
            ..policy()
        };
        let ds = decide(threads.clone(), &empty, &allow);
        assert_eq!(ds[0].verdict, Verdict::Delete);
        // A source that returned only terminal sessions is not empty.
        let closed = ActiveSessions::from_records(
            [SessionRecord {
                id: "S".into(),
                status: Some("closed".into()),
                deleted: false,
            }],
            &["closed".to_string()],
        );
        assert!(closed.is_empty());
        let ds = decide(threads, &closed, &policy());
        assert_eq!(ds[0].verdict, Verdict::Delete);
    }

    #[test]
    fn sessions_short_long_and_repeated_ids() {
        let ids = [
            "a",
            "fifteen-bytes-x", // 15: the longest held in its slot
            "sixteen-bytes-xy",
            "0190f3c2-7d1e-7c3a-9a4b-5d6e7f809112",
            "",
            "é-ü",
        ];
        let mut s = ActiveSessions::default();
        s.reserve(2);
        for id in ids.iter().chain(ids.iter()) {
            s.add(id, None, false, &[]);
        }
        assert_eq!(s.len(), ids.len());
        assert_eq!(s.records, 2 * ids.len() as u64);
        for id in ids {
            assert!(s.contains(id), "{id:?}");
        }
        for id in [
            "b",
            "fifteen-bytes-y",
            "fifteen-bytes-",
            "sixteen-bytes-x",
            "sixteen-bytes-xyz",
            "0190f3c2-7d1e-7c3a-9a4b-5d6e7f809113",
        ] {
            assert!(!s.contains(id), "{id:?}");
        }
        // Enough ids to make the table grow a few times over long ones.
        let mut big = ActiveSessions::default();
        for i in 0..5000 {
            big.add(&format!("session-with-a-long-name-{i}"), None, false, &[]);
            big.add(&format!("s{i}"), None, false, &[]);
        }
        assert_eq!(big.len(), 10_000);
        assert!((0..5000).all(|i| big.contains(&format!("session-with-a-long-name-{i}"))));
        assert!((0..5000).all(|i| big.contains(&format!("s{i}"))));
        assert!(!big.contains("s5000"));
    }

    #[test]
    fn sift_counts_active_threads_unless_listed_and_decides_orphans_alike() {
        let threads = vec![
            thread("INC-1", "2026-05-20T00:00:00Z"),
            thread("INC-1:retry-1", "2026-05-20T00:00:00Z"),
            thread("INC-10", "2026-05-20T00:00:00Z"),
            thread("gone", "2026-05-24T11:30:00Z"),
            thread("gone:retry-1", "2026-05-01T00:00:00Z"),
            Thread {
                thread_id: "odd".into(),
                last_touched: Err("no time".into()),
            },
        ];
        let active = sessions(&["INC-1"]);
        let all = decide(threads.clone(), &active, &policy());

        let mut listed = Sift::new(active.clone(), true);
        let mut unlisted = Sift::new(active, false);
        for t in &threads {
            listed.push(&t.thread_id, || t.last_touched.clone());
            unlisted.push(&t.thread_id, || {
                assert!(
                    !t.thread_id.starts_with("INC-1:") && t.thread_id != "INC-1",
                    "the time of an active thread was asked for"
                );
                t.last_touched.clone()
            });
        }
        assert_eq!(listed.scanned(), 6);
        assert_eq!(unlisted.scanned(), 6);
        let listed = listed.decide(&policy());
        assert_eq!(listed.active_unlisted, 0);
        assert_eq!(listed.decisions, all);
        let unlisted = unlisted.decide(&policy());
        assert_eq!(unlisted.active_unlisted, 2);
        let orphans: Vec<Decision> = all
            .into_iter()
            .filter(|d| d.base_session_id != "INC-1")
            .collect();
        assert_eq!(unlisted.decisions, orphans);
        assert_eq!(
            unlisted
                .decisions
                .iter()
                .filter(|d| d.verdict == Verdict::Delete)
                .count(),
            1,
            "only INC-10 goes: {:?}",
            unlisted.decisions
        );
    }

    #[test]
    fn empty_store_decides_nothing() {
        assert!(decide(Vec::new(), &sessions(&["a"]), &policy()).is_empty());
    }

    #[test]
    fn terminal_and_deleted_sessions_are_gone() {
        let terminal = vec!["resolved".to_string(), "closed".to_string()];
        let rec = |status: Option<&str>, deleted| SessionRecord {
            id: "S".into(),
            status: status.map(String::from),
            deleted,
        };
        assert!(is_active(&rec(None, false), &terminal));
        assert!(is_active(&rec(Some("running"), false), &terminal));
        assert!(is_active(&rec(Some("Resolved"), false), &terminal));
        assert!(!is_active(&rec(Some("resolved"), false), &terminal));
        assert!(!is_active(&rec(None, true), &terminal));
        assert!(is_active(&rec(Some("resolved"), false), &[]));
        // Listed twice: active when any record says so.
        let s = ActiveSessions::from_records(
            [rec(Some("closed"), false), rec(Some("running"), false)],
            &terminal,
        );
        assert!(s.contains("S"));
        assert_eq!(s.records, 2);
    }

    #[test]
    fn cap_takes_the_oldest_sessions_first() {
        let threads = vec![
            thread("new", "2026-05-20T00:00:00Z"),
            thread("old", "2026-05-01T00:00:00Z"),
            thread("old:retry-1", "2026-05-02T00:00:00Z"),
            thread("mid", "2026-05-10T00:00:00Z"),
        ];
        let p = Policy {
            max_deletions: 2,
            ..policy()
        };
        let ds = decide(threads, &sessions(&["x"]), &p);
        let deleted: Vec<&str> = ds
            .iter()
            .filter(|d| d.verdict == Verdict::Delete)
            .map(|d| d.thread_id.as_str())
            .collect();
        assert_eq!(deleted, ["old", "old:retry-1"]);
        assert_eq!(
            verdict_of(&ds, "mid"),
            &Verdict::Keep(KeepReason::OverCap { max: 2 })
        );
        assert_eq!(
            verdict_of(&ds, "new"),
            &Verdict::Keep(KeepReason::OverCap { max: 2 })
        );
        // Exactly at the cap: nothing over.
        let p = Policy {
            max_deletions: 4,
            ..policy()
        };
        let threads = vec![
            thread("a", "2026-05-01T00:00:00Z"),
            thread("b", "2026-05-01T00:00:00Z"),
            thread("c", "2026-05-01T00:00:00Z"),
            thread("d", "2026-05-01T00:00:00Z"),
        ];
        let ds = decide(threads, &sessions(&["x"]), &p);
        assert!(ds.iter().all(|d| d.verdict == Verdict::Delete));
    }
}
