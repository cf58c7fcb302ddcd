//! Reading positions in a segment directory (design §3 "Reading positions",
//! §5 step 1): one per segment, as Vector's file source keeps a checkpoint per
//! file — the bytes consumed and a hash of the last line consumed. A row
//! appended to any segment after the reader passed it is therefore still read
//! (a late row in yesterday's segment, a segment dated in the future by a
//! skewed clock or a drill with `--now`), and a segment rewritten under the
//! reader (shortened, or its last consumed line changed) is noticed and re-read
//! from its start rather than from the middle of some other line.
//!
//! Segments named before [`Cursor::done_before`] that have no position are
//! behind the reader (consumed, or past the horizon); every other segment
//! without a position is read from its start. Positions of segments older than
//! the horizon are dropped by [`Cursor::prune`], which moves `done_before` up.
//!
//! A cursor of the earlier single-position shape (`{segment, offset,
//! last_line_hash}`) is read as the same position: segments before it behind
//! the reader, that one from its offset, later ones from their start. The next
//! save writes the per-segment shape.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::file;
use super::hash::Fnv64;
use super::tail::{self, Position};

/// How long positions are kept by default: a segment older than this is not
/// read again, even if rows are appended to it.
pub const HORIZON_DAYS: u32 = 7;

/// The segment name below which positions are dropped at `now`: the day
/// `days` before the earlier of `now` and the system clock, so that a drill
/// run with a far-future `--now` does not drop the positions of today's real
/// segments. "" (drop nothing) when that day has no segment name (before
/// year 0 or after 9999).
pub fn horizon(now: DateTime<Utc>, days: u32) -> String {
    now.min(Utc::now())
        .checked_sub_signed(TimeDelta::days(i64::from(days)))
        .map(|t| t.format("%Y-%m-%d.jsonl").to_string())
        .filter(|name| tail::is_segment_name(name))
        .unwrap_or_default()
}

/// The reading positions of one reader (`state/wake.cursor.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CursorFile")]
pub struct Cursor {
    /// Segments named before this one without a position are behind the
    /// reader ("" = none is).
    pub done_before: String,
    /// Per segment name: how far it has been consumed.
    pub segments: BTreeMap<String, SegmentPosition>,
    pub updated_at: String,
}

/// How far one segment has been consumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentPosition {
    /// Bytes consumed from the segment's start.
    pub offset: u64,
    /// FNV-1a 64 (hex) of the line that ends at `offset` (without its
    /// newline); absent at offset 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_line_hash: Option<String>,
    /// The consumed bytes end with a torn line (an unterminated last line of an
    /// earlier day's segment, reported once and passed over): `offset` is not
    /// after a newline.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub torn: bool,
}

/// The file as written: the per-segment shape, or the earlier single position.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorFile {
    #[serde(default)]
    done_before: Option<String>,
    #[serde(default)]
    segments: Option<BTreeMap<String, SegmentPosition>>,
    #[serde(default)]
    segment: Option<String>,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    last_line_hash: Option<String>,
    updated_at: String,
}

impl TryFrom<CursorFile> for Cursor {
    type Error = String;

    fn try_from(f: CursorFile) -> Result<Cursor, String> {
        let (done_before, segments) = match (f.segments, f.segment) {
            (Some(_), Some(_)) => {
                return Err("both \"segments\" and the older \"segment\" are present".into());
            }
            (Some(segments), None) => {
                if f.offset.is_some() || f.last_line_hash.is_some() {
                    return Err(
                        "\"offset\" and \"last_line_hash\" belong inside \"segments\"".into(),
                    );
                }
                let done_before = f.done_before.ok_or("missing field `done_before`")?;
                (done_before, segments)
            }
            (None, Some(segment)) => {
                // The single-position shape: migrated as it is read.
                if f.done_before.is_some() {
                    return Err("\"done_before\" goes with \"segments\", not \"segment\"".into());
                }
                let offset = f.offset.ok_or("missing field `offset`")?;
                let mut segments = BTreeMap::new();
                if !segment.is_empty() {
                    segments.insert(
                        segment.clone(),
                        SegmentPosition {
                            offset,
                            last_line_hash: f.last_line_hash,
                            torn: false,
                        },
                    );
                }
                // A single position past today (the defect this shape had: a
                // segment dated in the future carried it past today's, whose
                // later rows were then never read) must not carry that loss
                // over: today's segment and those after it stay readable from
                // their start, and the ledger keeps anything sent from being
                // sent again.
                let today = Utc::now().format("%Y-%m-%d.jsonl").to_string();
                (segment.min(today), segments)
            }
            (None, None) => return Err("missing field `segments`".into()),
        };
        if !done_before.is_empty() && !tail::is_segment_name(&done_before) {
            return Err(format!(
                "\"done_before\" {done_before:?} is not a segment name (YYYY-MM-DD.jsonl)"
            ));
        }
        let mut cursor = Cursor {
            done_before,
            segments: BTreeMap::new(),
            updated_at: f.updated_at,
        };
        for (name, mut position) in segments {
            if !tail::is_segment_name(&name) {
                return Err(format!("{name:?} is not a segment name (YYYY-MM-DD.jsonl)"));
            }
            if position.offset == 0 {
                // Nothing consumed: no line to check (a hash here is ignored).
                position.last_line_hash = None;
                position.torn = false;
            } else if position.last_line_hash.is_none() {
                return Err(format!(
                    "the position in {name} at byte {} lacks \"last_line_hash\"",
                    position.offset
                ));
            }
            cursor.segments.insert(name, position);
        }
        Ok(cursor)
    }
}

/// What [`Cursor::verify`] found for one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The segment is gone (removed by `gc audit`): its position was dropped.
    SegmentMissing(String),
    /// The segment was rewritten: its position was reset to its start.
    Rewritten { segment: String, reason: String },
}

/// How far a reader is behind the end of the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Lag {
    /// Bytes not yet consumed, summed over segments.
    pub bytes: u64,
    /// Complete lines not yet consumed.
    pub rows: u64,
    /// Segments with something not yet consumed.
    pub segments: u64,
}

impl Cursor {
    /// No positions: every segment from `done_before` on is read from its start.
    pub fn from_start(done_before: &str, updated_at: &str) -> Cursor {
        Cursor {
            done_before: done_before.to_string(),
            segments: BTreeMap::new(),
            updated_at: updated_at.to_string(),
        }
    }

    /// Every segment from `done_before` on, at its end (after its last
    /// complete line): where a first run starts so that it replays nothing.
    pub fn stamp(dir: &Path, done_before: &str, updated_at: &str) -> io::Result<Cursor> {
        let mut cursor = Cursor::from_start(done_before, updated_at);
        for name in tail::segments(dir)? {
            if name.as_str() < done_before {
                continue;
            }
            let end = complete_end(&dir.join(&name))?;
            cursor.advance(
                dir,
                &Position {
                    segment: name,
                    offset: end,
                },
            )?;
        }
        Ok(cursor)
    }

    /// Where reading `segment` starts: its position, else its start, or `None`
    /// when it is behind the reader.
    pub fn start_of(&self, segment: &str) -> Option<u64> {
        match self.segments.get(segment) {
            Some(p) => Some(p.offset),
            None if segment >= self.done_before.as_str() => Some(0),
            None => None,
        }
    }

    /// Whether `segment`, now `len` bytes long, has been read to its end (or
    /// is behind the reader), so that removing it loses nothing this reader
    /// would read.
    pub fn has_finished(&self, segment: &str, len: u64) -> bool {
        self.start_of(segment).is_none_or(|offset| offset >= len)
    }

    /// Records that `position.segment` is consumed up to `position.offset`,
    /// hashing the line that ends there. An offset that is not after a
    /// newline is the end of a torn line passed over.
    pub fn advance(&mut self, dir: &Path, position: &Position) -> io::Result<()> {
        if position.segment.is_empty() {
            return Ok(());
        }
        let at = if position.offset == 0 {
            SegmentPosition {
                offset: 0,
                last_line_hash: None,
                torn: false,
            }
        } else {
            let (hash, torn) = line_hash_before(&dir.join(&position.segment), position.offset)?;
            SegmentPosition {
                offset: position.offset,
                last_line_hash: Some(hash),
                torn,
            }
        };
        self.segments.insert(position.segment.clone(), at);
        Ok(())
    }

    /// Drops the positions of segments older than `horizon` (a segment name)
    /// and moves `done_before` up to it: those segments are not read again.
    pub fn prune(&mut self, horizon: &str) {
        if horizon > self.done_before.as_str() {
            self.done_before = horizon.to_string();
        }
        let keep = self.segments.split_off(self.done_before.as_str());
        self.segments = keep;
    }

    /// Whether this cursor has consumed at least what `other` has, everywhere.
    pub fn covers(&self, other: &Cursor) -> bool {
        if self.done_before < other.done_before {
            return false;
        }
        other
            .segments
            .iter()
            .all(|(name, theirs)| match self.segments.get(name) {
                Some(ours) => ours.offset >= theirs.offset,
                None => name.as_str() < self.done_before.as_str(),
            })
            && self
                .segments
                .keys()
                .all(|name| other.segments.contains_key(name) || name >= &other.done_before)
    }

    /// Compares every position with its segment as it is now: a missing
    /// segment's position is dropped, a rewritten segment's is reset to its
    /// start. Returns what was found, for the caller to report.
    pub fn verify(&mut self, dir: &Path) -> io::Result<Vec<Check>> {
        let mut found = Vec::new();
        let names: Vec<String> = self.segments.keys().cloned().collect();
        for name in names {
            let Some(position) = self.segments.get(&name).cloned() else {
                continue;
            };
            match check(dir, &name, &position)? {
                None => {}
                Some(Check::SegmentMissing(segment)) => {
                    self.segments.remove(&segment);
                    found.push(Check::SegmentMissing(segment));
                }
                Some(Check::Rewritten { segment, reason }) => {
                    self.segments.insert(
                        segment.clone(),
                        SegmentPosition {
                            offset: 0,
                            last_line_hash: None,
                            torn: false,
                        },
                    );
                    found.push(Check::Rewritten { segment, reason });
                }
            }
        }
        Ok(found)
    }

    /// What has not been consumed yet, summed over the segments read from
    /// here (those before `done_before` without a position excluded).
    pub fn lag(&self, dir: &Path) -> io::Result<Lag> {
        let mut lag = Lag::default();
        for name in tail::segments(dir)? {
            let Some(from) = self.start_of(&name) else {
                continue;
            };
            let (bytes, rows) = count_from(&dir.join(&name), from)?;
            lag.bytes += bytes;
            lag.rows += rows;
            lag.segments += u64::from(bytes > 0);
        }
        Ok(lag)
    }
}

/// Checks one position against its segment.
fn check(dir: &Path, name: &str, position: &SegmentPosition) -> io::Result<Option<Check>> {
    let path = dir.join(name);
    let len = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_file() => m.len(),
        Ok(_) => return file::check_regular_or_missing(&path).map(|()| None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Some(Check::SegmentMissing(name.to_string())));
        }
        Err(e) => return Err(file::context(e, "cannot look at", &path)),
    };
    let rewritten = |reason: String| {
        Ok(Some(Check::Rewritten {
            segment: name.to_string(),
            reason,
        }))
    };
    if len < position.offset {
        return rewritten(format!(
            "{name} is now {len} bytes, shorter than the {} bytes already read",
            position.offset
        ));
    }
    let Some(expected) = &position.last_line_hash else {
        return Ok(None);
    };
    let (actual, torn) = line_hash_before(&path, position.offset)?;
    if torn != position.torn {
        return rewritten(format!(
            "byte {} of {name} is no longer where a line ended",
            position.offset
        ));
    }
    if actual != *expected {
        return rewritten(format!(
            "the line before byte {} of {name} has changed",
            position.offset
        ));
    }
    Ok(None)
}

/// Bytes and complete lines of `path` after `offset`.
fn count_from(path: &Path, offset: u64) -> io::Result<(u64, u64)> {
    let mut file = match file::open_regular(path, OpenOptions::new().read(true)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(file::context(e, "cannot read", path)),
    };
    let len = file.metadata()?.len();
    if len <= offset {
        return Ok((0, 0));
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut rows = 0;
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(file::context(e, "cannot read", path)),
        };
        if n == 0 {
            break;
        }
        rows += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
    Ok((len - offset, rows))
}

/// The position just after the last complete line of the last segment: where
/// `audit tail -f` starts following.
pub fn end_of_log(dir: &Path) -> io::Result<Position> {
    let Some(last) = tail::segments(dir)?.pop() else {
        return Ok(Position::default());
    };
    let offset = complete_end(&dir.join(&last))?;
    Ok(Position {
        segment: last,
        offset,
    })
}

/// The offset just after the last newline of `path` (0 without one; a
/// missing file is empty): an unterminated final line is not consumed yet.
fn complete_end(path: &Path) -> io::Result<u64> {
    let mut file = match file::open_regular(path, OpenOptions::new().read(true)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(file::context(e, "cannot read", path)),
    };
    let mut end = file.metadata()?.len();
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        if let Some(i) = memchr::memrchr(b'\n', &buf[..n]) {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// The FNV-1a hash (hex) of the line ending just before `offset` (without
/// its newline), read backwards in blocks, and whether that line is torn (the
/// byte before `offset` is not a newline). Offset 0 ends the empty line.
pub fn line_hash_before(path: &Path, offset: u64) -> io::Result<(String, bool)> {
    let mut hash = Fnv64::new();
    let Some(last) = offset.checked_sub(1) else {
        return Ok((format!("{:016x}", std::hash::Hasher::finish(&hash)), false));
    };
    let mut file = file::open_regular(path, OpenOptions::new().read(true))
        .map_err(|e| file::context(e, "cannot read", path))?;
    let mut block = vec![0u8; 64 * 1024];
    let mut one = [0u8; 1];
    file.seek(SeekFrom::Start(last))?;
    file.read_exact(&mut one)
        .map_err(|e| file::context(e, "cannot read", path))?;
    let torn = one[0] != b'\n';
    // The line's bytes are [start, line_end).
    let line_end = if torn { offset } else { last };
    let mut start = 0;
    let mut cursor = line_end;
    while cursor > 0 {
        let from = cursor.saturating_sub(block.len() as u64);
        let n = (cursor - from) as usize;
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut block[..n])?;
        if let Some(i) = memchr::memrchr(b'\n', &block[..n]) {
            start = from + i as u64 + 1;
            break;
        }
        cursor = from;
    }
    file.seek(SeekFrom::Start(start))?;
    let mut left = line_end - start;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        file.read_exact(&mut block[..n])?;
        hash.write(&block[..n]);
        left -= n as u64;
    }
    Ok((format!("{:016x}", std::hash::Hasher::finish(&hash)), torn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn pos(segment: &str, offset: u64) -> Position {
        Position {
            segment: segment.into(),
            offset,
        }
    }

    fn parse(text: &str) -> Result<Cursor, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn end_of_log_skips_an_unterminated_line() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(end_of_log(dir.path()).unwrap(), Position::default());
        fs::write(dir.path().join("2026-01-01.jsonl"), "a\n").unwrap();
        fs::write(dir.path().join("2026-01-02.jsonl"), "b\ncc\npartial").unwrap();
        assert_eq!(end_of_log(dir.path()).unwrap(), pos("2026-01-02.jsonl", 5));
    }

    #[test]
    fn stamp_puts_every_segment_from_the_horizon_at_its_end() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("2026-01-01.jsonl"), "old\n").unwrap();
        fs::write(dir.path().join("2026-01-05.jsonl"), "a\nb\n").unwrap();
        fs::write(dir.path().join("2026-02-01.jsonl"), "future\npart").unwrap();
        let c = Cursor::stamp(dir.path(), "2026-01-03.jsonl", "t").unwrap();
        assert_eq!(c.start_of("2026-01-01.jsonl"), None);
        assert_eq!(c.start_of("2026-01-05.jsonl"), Some(4));
        assert_eq!(c.start_of("2026-02-01.jsonl"), Some(7));
        // A segment that appears later is read from its start.
        assert_eq!(c.start_of("2026-01-06.jsonl"), Some(0));
        // Only the unterminated line is behind.
        assert_eq!(
            c.lag(dir.path()).unwrap(),
            Lag {
                bytes: 4,
                rows: 0,
                segments: 1
            }
        );
        // Round trip through the file shape.
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(parse(&text).unwrap(), c);
    }

    #[test]
    fn late_rows_in_any_segment_are_behind_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let yesterday = dir.path().join("2026-01-01.jsonl");
        fs::write(&yesterday, "a\n").unwrap();
        fs::write(dir.path().join("2026-03-01.jsonl"), "drill\n").unwrap();
        let mut c = Cursor::stamp(dir.path(), "", "t").unwrap();
        // A late row in yesterday's segment, and a first row today, after a
        // segment dated in the future.
        fs::write(&yesterday, "a\nlate\n").unwrap();
        fs::write(dir.path().join("2026-01-02.jsonl"), "today\n").unwrap();
        assert_eq!(
            c.lag(dir.path()).unwrap(),
            Lag {
                bytes: 11,
                rows: 2,
                segments: 2
            }
        );
        assert_eq!(c.start_of("2026-01-01.jsonl"), Some(2));
        assert_eq!(c.start_of("2026-01-02.jsonl"), Some(0));
        assert!(!c.has_finished("2026-01-01.jsonl", 7));
        assert!(c.has_finished("2026-01-01.jsonl", 2));
        assert!(c.has_finished("2026-03-01.jsonl", 6));
        assert!(!c.has_finished("2026-01-02.jsonl", 6));
        c.advance(dir.path(), &pos("2026-01-01.jsonl", 7)).unwrap();
        c.advance(dir.path(), &pos("2026-01-02.jsonl", 6)).unwrap();
        assert_eq!(c.lag(dir.path()).unwrap(), Lag::default());
        assert!(c.verify(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn verify_resets_rewritten_segments_and_drops_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let seg = dir.path().join("2026-01-01.jsonl");
        fs::write(&seg, "first\nsecond\n").unwrap();
        let mut c = Cursor::from_start("", "t");
        c.advance(dir.path(), &pos("2026-01-01.jsonl", 13)).unwrap();
        let saved = c.clone();
        let rewritten = |c: &mut Cursor| match c.verify(dir.path()).unwrap().as_slice() {
            [Check::Rewritten { segment, reason }] => {
                assert_eq!(segment, "2026-01-01.jsonl");
                assert_eq!(c.start_of(segment), Some(0));
                reason.clone()
            }
            other => panic!("{other:?}"),
        };
        // Appending keeps it valid.
        fs::write(&seg, "first\nsecond\nthird\n").unwrap();
        assert!(c.verify(dir.path()).unwrap().is_empty());
        // Same length, different last line.
        fs::write(&seg, "first\nSECOND\nthird\n").unwrap();
        assert!(rewritten(&mut c).contains("changed"));
        // The offset is now inside a line.
        c = saved.clone();
        fs::write(&seg, "firstsecond-and-more\n").unwrap();
        assert!(rewritten(&mut c).contains("no longer where a line ended"));
        // Shorter.
        c = saved.clone();
        fs::write(&seg, "x\n").unwrap();
        assert!(rewritten(&mut c).contains("shorter"));
        c = saved.clone();
        fs::remove_file(&seg).unwrap();
        assert_eq!(
            c.verify(dir.path()).unwrap(),
            [Check::SegmentMissing("2026-01-01.jsonl".into())]
        );
        assert!(c.segments.is_empty());
    }

    #[test]
    fn a_torn_line_passed_over_stays_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let seg = dir.path().join("2026-01-01.jsonl");
        fs::write(&seg, "a\ntorn").unwrap();
        let mut c = Cursor::from_start("", "t");
        c.advance(dir.path(), &pos("2026-01-01.jsonl", 6)).unwrap();
        assert!(c.segments["2026-01-01.jsonl"].torn);
        assert!(c.verify(dir.path()).unwrap().is_empty());
        // A later writer ends the torn line before its own rows.
        fs::write(&seg, "a\ntorn\nnext\n").unwrap();
        assert!(c.verify(dir.path()).unwrap().is_empty());
        assert_eq!(c.start_of("2026-01-01.jsonl"), Some(6));
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(parse(&text).unwrap(), c);
    }

    #[test]
    fn hashes_lines_longer_than_a_block() {
        let dir = tempfile::tempdir().unwrap();
        let seg = dir.path().join("2026-01-01.jsonl");
        let long = "y".repeat(200_000);
        fs::write(&seg, format!("a\n{long}\n")).unwrap();
        let mut c = Cursor::from_start("", "t");
        c.advance(
            dir.path(),
            &pos("2026-01-01.jsonl", 2 + long.len() as u64 + 1),
        )
        .unwrap();
        let mut changed = long.clone();
        changed.replace_range(0..1, "z");
        fs::write(&seg, format!("a\n{changed}\n")).unwrap();
        assert!(matches!(
            c.verify(dir.path()).unwrap().as_slice(),
            [Check::Rewritten { .. }]
        ));
    }

    #[test]
    fn the_single_position_shape_is_migrated() {
        let old = parse(
            r#"{"segment":"2026-01-02.jsonl","offset":8,"last_line_hash":"0011223344556677","updated_at":"t"}"#,
        )
        .unwrap();
        assert_eq!(old.done_before, "2026-01-02.jsonl");
        assert_eq!(old.start_of("2026-01-01.jsonl"), None);
        assert_eq!(old.start_of("2026-01-02.jsonl"), Some(8));
        assert_eq!(old.start_of("2026-01-03.jsonl"), Some(0));
        // Offset 0 with a hash (which underflowed) means nothing consumed.
        let zero = parse(
            r#"{"segment":"2026-01-02.jsonl","offset":0,"last_line_hash":"x","updated_at":"t"}"#,
        )
        .unwrap();
        assert_eq!(zero.segments["2026-01-02.jsonl"].last_line_hash, None);
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("2026-01-02.jsonl"), "a\n").unwrap();
        let mut checked = zero.clone();
        assert!(checked.verify(dir.path()).unwrap().is_empty());
        // A position in a segment dated after today (the single position's
        // defect): today's segment is read again from its start, the later
        // one from its position.
        let today = Utc::now().format("%Y-%m-%d.jsonl").to_string();
        let future = parse(
            r#"{"segment":"2999-01-01.jsonl","offset":8,"last_line_hash":"0011223344556677","updated_at":"t"}"#,
        )
        .unwrap();
        assert_eq!(future.done_before, today);
        assert_eq!(future.start_of(&today), Some(0));
        assert_eq!(future.start_of("2999-01-01.jsonl"), Some(8));
        assert_eq!(future.start_of("2000-01-01.jsonl"), None);
        // An empty log's stamp: everything after it is read.
        let empty = parse(r#"{"segment":"","offset":0,"updated_at":"t"}"#).unwrap();
        assert_eq!(empty.start_of("2026-01-01.jsonl"), Some(0));
        // Written back in the per-segment shape.
        let text = serde_json::to_string(&old).unwrap();
        assert!(text.contains("\"segments\""), "{text}");
        assert_eq!(parse(&text).unwrap(), old);
    }

    #[test]
    fn wrong_shapes_are_refused() {
        for (text, expected) in [
            ("{}", "missing field"),
            ("[]", "expected struct"),
            (r#"{"updated_at":"t"}"#, "missing field `segments`"),
            (r#"{"segments":{},"updated_at":"t"}"#, "done_before"),
            (r#"{"done_before":"","segments":{}}"#, "updated_at"),
            (
                r#"{"done_before":"","segments":{"../x":{"offset":0}},"updated_at":"t"}"#,
                "not a segment name",
            ),
            (
                r#"{"done_before":"","segments":{"2026-01-01.jsonl":{"offset":5}},"updated_at":"t"}"#,
                "lacks \"last_line_hash\"",
            ),
            (
                r#"{"done_before":"","segments":{"2026-01-01.jsonl":{}},"updated_at":"t"}"#,
                "offset",
            ),
            (
                r#"{"segment":"2026-01-01.jsonl","updated_at":"t"}"#,
                "offset",
            ),
            (
                r#"{"segment":"a/../../b","offset":1,"last_line_hash":"x","updated_at":"t"}"#,
                "not a segment name",
            ),
            (
                r#"{"done_before":"","segments":{},"updated_at":"t","extra":1}"#,
                "unknown field",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn prune_drops_positions_behind_the_horizon_and_covers_compares() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["2026-01-01.jsonl", "2026-01-05.jsonl", "2026-01-09.jsonl"] {
            fs::write(dir.path().join(name), "a\n").unwrap();
        }
        let full = Cursor::stamp(dir.path(), "", "t").unwrap();
        let mut pruned = full.clone();
        pruned.prune("2026-01-05.jsonl");
        assert_eq!(pruned.done_before, "2026-01-05.jsonl");
        assert_eq!(
            pruned.segments.keys().collect::<Vec<_>>(),
            ["2026-01-05.jsonl", "2026-01-09.jsonl"]
        );
        // Never moves back.
        pruned.prune("2026-01-02.jsonl");
        assert_eq!(pruned.done_before, "2026-01-05.jsonl");
        // The pruned cursor treats 2026-01-01 as done; the full one has its
        // position: each has consumed all the other has within the horizon,
        // but only the pruned one can say so of segments it never saw.
        assert!(pruned.covers(&full));
        let start = Cursor::from_start("", "t");
        assert!(full.covers(&start));
        assert!(!start.covers(&full));
        let mut behind = full.clone();
        behind
            .advance(dir.path(), &pos("2026-01-05.jsonl", 0))
            .unwrap();
        assert!(full.covers(&behind) && !behind.covers(&full));
    }

    #[test]
    fn horizon_saturates_and_ignores_a_future_clock() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(horizon(t("2020-01-08T00:00:00Z"), 7), "2020-01-01.jsonl");
        // A far-future --now drops no more than the system clock would.
        assert!(horizon(t("9999-01-01T00:00:00Z"), 7) <= horizon(Utc::now(), 7));
        assert_eq!(horizon(DateTime::<Utc>::MIN_UTC, 7), "");
        assert_eq!(horizon(t("0000-01-03T00:00:00Z"), 7), "");
    }
}
