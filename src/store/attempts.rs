//! The send-attempt journal (design §5 step 4, §6): an append-only JSON Lines
//! file in which a sender records, durably and *before* it calls a channel,
//! that it is making attempt `n` of each message the send carries. The
//! owner's own state (the wake ledger, the alerts state, the digest queue)
//! still records what the channel answered; the journal only tells a later
//! run that an earlier one may have sent a message whose answer it never
//! recorded (it was killed inside the send).
//!
//! The rule ([`next`]): a message is sent at most [`MAX_ATTEMPTS`] times
//! without a recorded answer. A third attempt is never made: the message is
//! given up, and its owner reports it (a failed `notification.dispatched`
//! row, an error, exit 1). So a kill can make a message arrive twice, never
//! three times, and a message whose two attempts were both killed before the
//! channel received it is reported instead of sent a third time.
//!
//! One line per send: `{"at": …, "attempts": [{"key": …, "attempt": n}, …]}`,
//! written with one [`jsonl::append`] (one fsync). A line cut by a kill was
//! never followed by its send: it is passed over. Keys are namespaced by their
//! owner (`wake:…`, `alerts:…`, `digest:…`); each owner [`Journal::settle`]s
//! its own lines once their messages are recorded, which keeps the file
//! small (empty when nothing is in flight).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{file, jsonl};

/// `state/delivery.attempts.jsonl`.
pub const FILE: &str = "delivery.attempts.jsonl";

/// How many times a message may be sent without a recorded answer.
pub const MAX_ATTEMPTS: u32 = 2;

/// The error type of the `notification.dispatched` row of a message given up.
pub const GAVE_UP_ERROR: &str = "unconfirmed_after_2_attempts";

/// What to do with a message, from what the journal and the owner's state say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Send it, recording this attempt number first.
    Send { attempt: u32 },
    /// Its earlier attempts were all cut off before their answer was
    /// recorded, [`MAX_ATTEMPTS`] of them: never send it again, report it.
    GiveUp { attempts: u32 },
    /// The owner's state records its answer: nothing to do.
    AlreadySent,
}

/// The rule: `recorded` = the highest attempt number the journal holds for
/// the message, `confirmed` = the owner's state records the channel's answer.
pub fn next(recorded: u32, confirmed: bool) -> Next {
    if confirmed {
        Next::AlreadySent
    } else if recorded >= MAX_ATTEMPTS {
        Next::GiveUp { attempts: recorded }
    } else {
        Next::Send {
            attempt: recorded + 1,
        }
    }
}

/// One message's attempt within a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub key: String,
    pub attempt: u32,
}

/// One line: the attempts of one send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    at: DateTime<Utc>,
    attempts: Vec<Attempt>,
}

/// The journal as read at the start of a run, kept up to date by the run's
/// own records.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// Key → (highest attempt recorded, when it was recorded).
    recorded: BTreeMap<String, (u32, DateTime<Utc>)>,
    /// The file holds lines passed over (or a cut last line): the next
    /// [`Journal::settle`] rewrites it without them.
    untidy: bool,
}

impl Journal {
    /// Reads the journal at `path` (missing: empty). Returns it with a
    /// description of each line passed over (a record cut by a kill and
    /// ended by a later append, or a line that is not the journal's shape;
    /// neither was followed by a send).
    pub fn open(path: &Path) -> io::Result<(Journal, Vec<String>)> {
        let bytes = file::read_regular(path)?.unwrap_or_default();
        let (lines, problems) = parse(&bytes, path);
        let mut journal = Journal {
            path: path.to_path_buf(),
            recorded: BTreeMap::new(),
            untidy: !problems.is_empty() || (!bytes.is_empty() && !bytes.ends_with(b"\n")),
        };
        for line in lines {
            journal.note(&line);
        }
        Ok((journal, problems))
    }

    fn note(&mut self, line: &Line) {
        for a in &line.attempts {
            let entry = self.recorded.entry(a.key.clone()).or_insert((0, line.at));
            if a.attempt >= entry.0 {
                *entry = (a.attempt, line.at);
            }
        }
    }

    /// The highest attempt recorded for `key` (0: none).
    pub fn recorded(&self, key: &str) -> u32 {
        self.recorded.get(key).map_or(0, |(n, _)| *n)
    }

    /// When the highest attempt of `key` was recorded.
    pub fn recorded_at(&self, key: &str) -> Option<DateTime<Utc>> {
        self.recorded.get(key).map(|(_, at)| *at)
    }

    /// [`next`] for `key`.
    pub fn next(&self, key: &str, confirmed: bool) -> Next {
        next(self.recorded(key), confirmed)
    }

    /// Records `attempts` as one line, durably, before their send.
    pub fn record(&mut self, attempts: Vec<Attempt>, now: DateTime<Utc>) -> io::Result<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        let line = Line { at: now, attempts };
        let mut bytes = serde_json::to_vec(&line).map_err(io::Error::other)?;
        bytes.push(b'\n');
        jsonl::append(&self.path, &bytes)?;
        self.note(&line);
        Ok(())
    }

    /// The keys under `prefix` the journal holds, with their highest attempt
    /// and when it was recorded.
    pub fn pending(&self, prefix: &str) -> Vec<(String, u32, DateTime<Utc>)> {
        self.recorded
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, (n, at))| (k.clone(), *n, *at))
            .collect()
    }

    /// Drops the attempts under `prefix` that `settled` says are over (their
    /// answer or their giving up is recorded in the owner's state), and every
    /// line passed over as unreadable, keeping other owners' attempts and any
    /// line appended meanwhile. Returns how many attempts went.
    pub fn settle(
        &mut self,
        prefix: &str,
        settled: impl Fn(&str, DateTime<Utc>) -> bool,
    ) -> io::Result<usize> {
        let going: Vec<String> = self
            .recorded
            .iter()
            .filter(|(k, (_, at))| k.starts_with(prefix) && settled(k, *at))
            .map(|(k, _)| k.clone())
            .collect();
        if going.is_empty() && !self.untidy {
            return Ok(0);
        }
        let path = self.path.clone();
        jsonl::rewrite(&path, |current| {
            let (lines, _) = parse(current, &path);
            let mut kept = Vec::new();
            for mut line in lines {
                line.attempts.retain(|a| !going.contains(&a.key));
                if line.attempts.is_empty() {
                    continue;
                }
                if let Ok(text) = serde_json::to_vec(&line) {
                    kept.extend_from_slice(&text);
                    kept.push(b'\n');
                }
            }
            kept
        })?;
        for key in &going {
            self.recorded.remove(key);
        }
        self.untidy = false;
        Ok(going.len())
    }
}

/// The whole lines of `bytes`, and a description of each line passed over. A
/// last line without its newline is a record a kill cut: its send never
/// started, so it is passed over too (without a word: it is not news).
fn parse(bytes: &[u8], path: &Path) -> (Vec<Line>, Vec<String>) {
    let end = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for raw in bytes[..end].split_inclusive(|b| *b == b'\n') {
        let text = &raw[..raw.len() - 1];
        if !text.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Line>(text) {
                Ok(line) => lines.push(line),
                Err(e) => problems.push(format!(
                    "{}: byte {offset}: passed over an unreadable attempt record ({e}); a record cut by a kill was never followed by its send",
                    path.display()
                )),
            }
        }
        offset += raw.len();
    }
    (lines, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    /// Every boundary of the rule: none recorded, one, the limit, beyond it
    /// (a journal edited by hand), each confirmed or not.
    #[test]
    fn the_rule_at_every_boundary() {
        assert_eq!(next(0, false), Next::Send { attempt: 1 });
        assert_eq!(next(1, false), Next::Send { attempt: 2 });
        assert_eq!(
            next(MAX_ATTEMPTS - 1, false),
            Next::Send {
                attempt: MAX_ATTEMPTS
            }
        );
        assert_eq!(next(MAX_ATTEMPTS, false), Next::GiveUp { attempts: 2 });
        assert_eq!(next(3, false), Next::GiveUp { attempts: 3 });
        assert_eq!(next(u32::MAX, false), Next::GiveUp { attempts: u32::MAX });
        for recorded in [0, 1, 2, 3, u32::MAX] {
            assert_eq!(next(recorded, true), Next::AlreadySent, "{recorded}");
        }
    }

    fn attempt(key: &str, n: u32) -> Attempt {
        Attempt {
            key: key.into(),
            attempt: n,
        }
    }

    #[test]
    fn records_read_back_and_settle_per_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join(FILE);
        let now = t("2026-05-24T08:00:00Z");
        let (mut journal, problems) = Journal::open(&path).unwrap();
        assert!(problems.is_empty());
        assert_eq!(journal.next("wake:w1", false), Next::Send { attempt: 1 });
        journal
            .record(vec![attempt("wake:w1", 1), attempt("wake:w2", 1)], now)
            .unwrap();
        journal
            .record(vec![attempt("alerts:notify:a", 1)], now)
            .unwrap();
        journal.record(vec![attempt("wake:w1", 2)], now).unwrap();
        journal.record(Vec::new(), now).unwrap();

        let (mut back, problems) = Journal::open(&path).unwrap();
        assert!(problems.is_empty());
        assert_eq!(back.recorded("wake:w1"), 2);
        assert_eq!(back.next("wake:w1", false), Next::GiveUp { attempts: 2 });
        assert_eq!(back.next("wake:w2", false), Next::Send { attempt: 2 });
        assert_eq!(back.next("wake:w3", false), Next::Send { attempt: 1 });
        assert_eq!(back.pending("wake:").len(), 2);

        // Settling one owner's attempts keeps the other's.
        assert_eq!(back.settle("wake:", |k, _| k == "wake:w1").unwrap(), 1);
        assert_eq!(back.settle("wake:", |_, _| false).unwrap(), 0);
        let (again, _) = Journal::open(&path).unwrap();
        assert_eq!(again.recorded("wake:w1"), 0);
        assert_eq!(again.recorded("wake:w2"), 1);
        assert_eq!(again.recorded("alerts:notify:a"), 1);
        let (mut again, _) = Journal::open(&path).unwrap();
        again.settle("wake:", |_, _| true).unwrap();
        again.settle("alerts:", |_, _| true).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn a_record_cut_by_a_kill_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let now = t("2026-05-24T08:00:00Z");
        let (mut journal, _) = Journal::open(&path).unwrap();
        journal.record(vec![attempt("wake:w1", 1)], now).unwrap();
        // A cut line with no newline: not an attempt, not reported.
        let mut bytes = fs::read(&path).unwrap();
        bytes.extend_from_slice(br#"{"at":"2026-05-24T08:00:01Z","attem"#);
        fs::write(&path, &bytes).unwrap();
        let (journal, problems) = Journal::open(&path).unwrap();
        assert!(problems.is_empty());
        assert_eq!(journal.recorded("wake:w1"), 1);
        // The next append ends it: now a whole line that is not a record,
        // passed over with a word naming the byte.
        let (mut journal, _) = Journal::open(&path).unwrap();
        journal.record(vec![attempt("wake:w2", 1)], now).unwrap();
        let (mut journal, problems) = Journal::open(&path).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("byte "), "{problems:?}");
        assert_eq!(journal.recorded("wake:w2"), 1);
        // Settling drops it, even with nothing else to drop.
        journal.settle("wake:", |_, _| false).unwrap();
        let (journal, problems) = Journal::open(&path).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(journal.recorded("wake:w1"), 1);
        assert_eq!(journal.recorded("wake:w2"), 1);
        // A cut last line alone is dropped too.
        let mut bytes = fs::read(&path).unwrap();
        bytes.extend_from_slice(b"{\"at\"");
        fs::write(&path, &bytes).unwrap();
        let (mut journal, _) = Journal::open(&path).unwrap();
        journal.settle("alerts:", |_, _| true).unwrap();
        assert!(fs::read(&path).unwrap().ends_with(b"}\n"));
        assert_eq!(Journal::open(&path).unwrap().0.recorded("wake:w1"), 1);
    }

    #[test]
    fn a_directory_in_its_place_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        fs::create_dir(&path).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert!(err.to_string().contains(FILE), "{err}");
    }
}
