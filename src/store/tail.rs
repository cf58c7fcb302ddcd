//! Reading complete lines from a directory of daily segments
//! (`YYYY-MM-DD.jsonl`), in order, from a position (design §3).
//!
//! - Only lines ending in `\n` are consumed. An unterminated final line waits
//!   for its writer, unless its segment is from an earlier day than `today`:
//!   then it is reported once as torn and passed over.
//! - With needles, lines that contain none of them are skipped without being
//!   split or parsed: the buffer is searched for the needles (memmem) and only
//!   the lines around a hit are cut out, so a selective scan runs near memory
//!   speed. A needle is a prefilter; the caller still checks what it gets.
//! - This module knows lines and segments, nothing of rows or kinds.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use memchr::memmem::Finder;
use serde::{Deserialize, Serialize};

use super::file;

const CHUNK: usize = 1 << 20;

/// A place in the log: a segment file name and a byte offset in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Position {
    pub segment: String,
    pub offset: u64,
}

/// What the scanner hands to its visitor.
#[derive(Debug)]
pub enum Event<'a> {
    /// A complete line (without its `\n`) that passed the prefilter.
    Line {
        segment: &'a str,
        /// Byte offset of the line's first byte.
        offset: u64,
        bytes: &'a [u8],
        /// The offset just after this line's `\n`, in the same segment.
        next: u64,
    },
    /// An unterminated final line in a segment of an earlier day, passed over.
    Torn {
        segment: &'a str,
        offset: u64,
        len: u64,
    },
}

/// Whether `name` is a segment file name: `YYYY-MM-DD.jsonl`.
pub fn is_segment_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 16
        && name.ends_with(".jsonl")
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// Whether `name` is a monthly segment file name: `YYYY-MM.jsonl` (the
/// decisions of design §8). A directory holds daily or monthly segments, and the
/// same reader reads both.
pub fn is_monthly_segment_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 13
        && name.ends_with(".jsonl")
        && b[..7].iter().enumerate().all(|(i, c)| {
            if i == 4 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// The segment names (daily or monthly) in `dir`, oldest first. A missing
/// directory has none.
pub fn segments(dir: &Path) -> io::Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot list {}: {e}", dir.display()),
            ));
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        let name = entry?.file_name();
        if let Some(name) = name
            .to_str()
            .filter(|n| is_segment_name(n) || is_monthly_segment_name(n))
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// Offsets in `path` at which lines start, about `every` bytes apart from
/// `start` on (each just after a `\n`, found by reading forward from
/// `start + k × every`), for reading one file in several ranges. Only
/// offsets below the file's current length are given, in increasing order.
pub fn line_starts(path: &Path, start: u64, every: u64) -> io::Result<Vec<u64>> {
    let mut file = file::open_regular(path, OpenOptions::new().read(true))?;
    let len = file.metadata()?.len();
    let mut starts = Vec::new();
    let mut block = vec![0u8; 64 * 1024];
    let mut at = start.saturating_add(every.max(1));
    while at < len {
        file.seek(SeekFrom::Start(at))?;
        // The next newline at or after `at`: the line after it starts there.
        let mut pos = at;
        let found = loop {
            let n = match file.read(&mut block) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => other?,
            };
            if n == 0 {
                break None;
            }
            if let Some(i) = memchr::memchr(b'\n', &block[..n]) {
                break Some(pos + i as u64 + 1);
            }
            pos += n as u64;
        };
        match found {
            Some(next) if next < len => {
                starts.push(next);
                at = next.saturating_add(every.max(1));
            }
            _ => break,
        }
    }
    Ok(starts)
}

/// A scan over the segments of one directory.
pub struct Scanner {
    dir: PathBuf,
    finders: Vec<Finder<'static>>,
    today: String,
    buf: Vec<u8>,
}

impl Scanner {
    /// `today` is the segment name of the current UTC day (`YYYY-MM-DD.jsonl`);
    /// `needles` empty means every line.
    pub fn new(dir: &Path, today: &str, needles: &[Vec<u8>]) -> Scanner {
        Scanner {
            dir: dir.to_path_buf(),
            finders: needles
                .iter()
                .map(|n| Finder::new(n).into_owned())
                .collect(),
            today: today.to_string(),
            buf: Vec::new(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Visits every complete line from `from` on, across later segments, in
    /// order, until the end of the log or until the visitor breaks. Returns the
    /// position reached: after the last line consumed (visited or skipped), so
    /// that saving it never skips unprocessed work. When the visitor breaks, the
    /// returned position is the `next` of the line it broke on.
    pub fn scan<F>(&mut self, from: &Position, mut visit: F) -> anyhow::Result<Position>
    where
        F: FnMut(Event<'_>) -> anyhow::Result<ControlFlow<()>>,
    {
        let names = segments(&self.dir)?;
        let mut position = from.clone();
        for name in names
            .iter()
            .filter(|n| from.segment.is_empty() || n.as_str() >= from.segment.as_str())
        {
            let start = if *name == from.segment {
                from.offset
            } else {
                0
            };
            if *name != position.segment {
                position = Position {
                    segment: name.clone(),
                    offset: 0,
                };
            }
            let path = self.dir.join(name);
            let earlier = name.as_str() < self.today.as_str();
            let (reached, flow, waiting) =
                self.scan_segment(&path, name, earlier, start, None, &mut visit)?;
            position.offset = reached;
            if flow.is_break() || waiting {
                return Ok(position);
            }
        }
        Ok(position)
    }

    /// Visits the complete lines of one file from `start` to its end (a
    /// segment named `name` of this scanner's directory, or any JSON Lines
    /// file), as [`Scanner::scan`] does for each segment. An unterminated last
    /// line is reported as torn when `finished` (an earlier day's segment, an
    /// input file), else left for its writer. Returns the offset reached.
    pub fn scan_file<F>(
        &mut self,
        path: &Path,
        name: &str,
        finished: bool,
        start: u64,
        visit: F,
    ) -> anyhow::Result<u64>
    where
        F: FnMut(Event<'_>) -> anyhow::Result<ControlFlow<()>>,
    {
        self.scan_range(path, name, finished, start, None, visit)
    }

    /// [`Scanner::scan_file`] that stops at `end` (the offset just after a
    /// line's `\n`, as [`line_starts`] gives): the lines in [start, end).
    pub fn scan_range<F>(
        &mut self,
        path: &Path,
        name: &str,
        finished: bool,
        start: u64,
        end: Option<u64>,
        mut visit: F,
    ) -> anyhow::Result<u64>
    where
        F: FnMut(Event<'_>) -> anyhow::Result<ControlFlow<()>>,
    {
        let (reached, _, _) = self.scan_segment(path, name, finished, start, end, &mut visit)?;
        Ok(reached)
    }

    /// Visits the complete lines of every segment that `start_of` gives a
    /// starting offset (`None`: passed over), each from there, segments in
    /// name order, until the end of the log or until the visitor breaks. An
    /// unterminated last line of today's (or a later) segment waits; the next
    /// segment is read all the same. Returns the position reached in every
    /// segment where reading moved.
    pub fn scan_each<F>(
        &mut self,
        start_of: impl Fn(&str) -> Option<u64>,
        mut visit: F,
    ) -> anyhow::Result<Vec<Position>>
    where
        F: FnMut(Event<'_>) -> anyhow::Result<ControlFlow<()>>,
    {
        let mut reached = Vec::new();
        for name in segments(&self.dir)? {
            let Some(start) = start_of(&name) else {
                continue;
            };
            let path = self.dir.join(&name);
            let earlier = name.as_str() < self.today.as_str();
            let (offset, flow, _waiting) =
                self.scan_segment(&path, &name, earlier, start, None, &mut visit)?;
            if offset != start {
                reached.push(Position {
                    segment: name,
                    offset,
                });
            }
            if flow.is_break() {
                break;
            }
        }
        Ok(reached)
    }

    /// Returns (offset reached, flow, whether an unterminated line is waiting).
    fn scan_segment<F>(
        &mut self,
        path: &Path,
        name: &str,
        earlier: bool,
        start: u64,
        end: Option<u64>,
        visit: &mut F,
    ) -> anyhow::Result<(u64, ControlFlow<()>, bool)>
    where
        F: FnMut(Event<'_>) -> anyhow::Result<ControlFlow<()>>,
    {
        let mut file = match file::open_regular(path, OpenOptions::new().read(true)) {
            Ok(f) => f,
            // Removed by `gc audit` between listing and opening: nothing to read.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok((start, ControlFlow::Continue(()), false));
            }
            Err(e) => return Err(file::context(e, "cannot open", path).into()),
        };
        // A position past the end (a segment rewritten shorter, a cursor
        // edited by hand) has nothing to read; seeking past i64::MAX would fail.
        let len = file
            .metadata()
            .map_err(|e| file::context(e, "cannot read", path))?
            .len();
        if start >= len {
            return Ok((start, ControlFlow::Continue(()), false));
        }
        file.seek(SeekFrom::Start(start))
            .map_err(|e| file::context(e, "cannot read", path))?;
        // `buf[..filled]` holds the bytes read and not yet visited: at most one
        // partial line carried over between reads. The buffer is zeroed once
        // and kept, so a read does not clear it again.
        let mut buf = std::mem::take(&mut self.buf);
        if buf.len() < CHUNK {
            buf.resize(CHUNK, 0);
        }
        let mut filled = 0;
        // `buf[..searched]` is known to hold no newline (the start of a line
        // longer than one read), so only new bytes are searched: a line of
        // hundreds of megabytes costs one pass, not one pass per read.
        let mut searched = 0;
        // `base` is the file offset of buf[0].
        let mut base = start;
        let mut eof = false;
        let result = loop {
            if !eof {
                if buf.len() - filled < CHUNK / 4 {
                    // A line longer than what is left: room for more of it
                    // (the capacity grows geometrically; only what is read
                    // into is touched).
                    buf.resize(buf.len() + CHUNK, 0);
                }
                // Up to `end`, when reading a range.
                let room = match end {
                    Some(end) => {
                        let left = end.saturating_sub(base + filled as u64);
                        (buf.len() - filled).min(usize::try_from(left).unwrap_or(usize::MAX))
                    }
                    None => buf.len() - filled,
                };
                let n = loop {
                    match file.read(&mut buf[filled..filled + room]) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                match n {
                    Ok(n) => {
                        filled += n;
                        eof = n == 0;
                    }
                    Err(e) => break Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
                }
            }
            // Complete lines end at the last newline in the buffer.
            let complete = match memchr::memrchr(b'\n', &buf[searched..filled]) {
                Some(i) => searched + i + 1,
                None => 0,
            };
            if complete > 0 {
                match self.visit_lines(name, base, &buf[..complete], visit) {
                    Ok(ControlFlow::Continue(())) => {}
                    Ok(ControlFlow::Break(stopped_at)) => {
                        break Ok((stopped_at, ControlFlow::Break(()), false));
                    }
                    Err(e) => break Err(e),
                }
                buf.copy_within(complete..filled, 0);
                filled -= complete;
                base += complete as u64;
            }
            // What is left is the start of a line: no newline in it.
            searched = filled;
            if eof {
                if filled == 0 {
                    break Ok((base, ControlFlow::Continue(()), false));
                }
                // An unterminated final line.
                if earlier {
                    let len = filled as u64;
                    match visit(Event::Torn {
                        segment: name,
                        offset: base,
                        len,
                    }) {
                        Ok(flow) => break Ok((base + len, flow, false)),
                        Err(e) => break Err(e),
                    }
                }
                break Ok((base, ControlFlow::Continue(()), true));
            }
        };
        if buf.len() > 4 * CHUNK {
            // One very long line does not keep its memory for the next file.
            buf.truncate(CHUNK);
            buf.shrink_to_fit();
        }
        self.buf = buf;
        result
    }

    /// Visits the lines of `chunk` (whole lines only) that pass the prefilter.
    /// On a break, returns the file offset just after the line it broke on.
    fn visit_lines<F>(
        &self,
        name: &str,
        base: u64,
        chunk: &[u8],
        visit: &mut F,
    ) -> anyhow::Result<ControlFlow<u64>>
    where
        F: FnMut(Event<'_>) -> anyhow::Result<ControlFlow<()>>,
    {
        let mut emit = |start: usize, end: usize| -> anyhow::Result<ControlFlow<u64>> {
            let next = base + end as u64 + 1;
            let event = Event::Line {
                segment: name,
                offset: base + start as u64,
                bytes: &chunk[start..end],
                next,
            };
            Ok(match visit(event)? {
                ControlFlow::Continue(()) => ControlFlow::Continue(()),
                ControlFlow::Break(()) => ControlFlow::Break(next),
            })
        };
        let mut pos = 0;
        if self.finders.is_empty() {
            for end in memchr::memchr_iter(b'\n', chunk) {
                if let ControlFlow::Break(at) = emit(pos, end)? {
                    return Ok(ControlFlow::Break(at));
                }
                pos = end + 1;
            }
            return Ok(ControlFlow::Continue(()));
        }
        // Next hit of each needle at or after `pos`, recomputed only once passed.
        let mut hits: Vec<Option<usize>> = self.finders.iter().map(|f| f.find(chunk)).collect();
        while let Some(hit) = hits.iter().flatten().copied().min() {
            let start = memchr::memrchr(b'\n', &chunk[pos..hit]).map_or(pos, |i| pos + i + 1);
            // `chunk` ends with '\n', so a line end always exists.
            let end = hit + memchr::memchr(b'\n', &chunk[hit..]).unwrap_or(chunk.len() - 1 - hit);
            if let ControlFlow::Break(at) = emit(start, end)? {
                return Ok(ControlFlow::Break(at));
            }
            pos = end + 1;
            for (finder, slot) in self.finders.iter().zip(hits.iter_mut()) {
                if slot.is_some_and(|h| h < pos) {
                    *slot = finder.find(&chunk[pos..]).map(|i| pos + i);
                }
            }
        }
        Ok(ControlFlow::Continue(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Seen = (Vec<(String, u64, String)>, Vec<(String, u64)>, Position);

    fn lines(dir: &Path, from: &Position, today: &str, needles: &[&str]) -> Seen {
        let needles: Vec<Vec<u8>> = needles.iter().map(|n| n.as_bytes().to_vec()).collect();
        let mut scanner = Scanner::new(dir, today, &needles);
        let mut seen = Vec::new();
        let mut torn = Vec::new();
        let end = scanner
            .scan(from, |event| {
                match event {
                    Event::Line {
                        segment,
                        offset,
                        bytes,
                        ..
                    } => seen.push((
                        segment.to_string(),
                        offset,
                        String::from_utf8_lossy(bytes).into_owned(),
                    )),
                    Event::Torn {
                        segment, offset, ..
                    } => torn.push((segment.to_string(), offset)),
                }
                Ok(ControlFlow::Continue(()))
            })
            .unwrap();
        (seen, torn, end)
    }

    #[test]
    fn line_starts_and_ranges_cover_a_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2026-05-24.jsonl");
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!(
                "{{\"n\":{i},\"pad\":\"{}\"}}\n",
                "x".repeat(i % 7)
            ));
        }
        text.push_str("{\"torn\":");
        fs::write(&path, &text).unwrap();
        let bytes = text.as_bytes();
        for every in [1, 10, 64, 500, 10_000] {
            for start in [0, 17] {
                let starts = line_starts(&path, start, every).unwrap();
                for (k, s) in starts.iter().enumerate() {
                    assert_eq!(bytes[*s as usize - 1], b'\n', "every {every}");
                    assert!(*s > start && (k == 0 || *s > starts[k - 1]));
                }
                // Ranges between the cuts read every line once, in order,
                // the torn end only in the last range.
                let mut scanner = Scanner::new(dir.path(), "2026-05-25.jsonl", &[]);
                let mut cuts: Vec<Option<u64>> = starts.iter().copied().map(Some).collect();
                cuts.push(None);
                let (mut from, mut lines, mut torn) = (start, Vec::new(), 0);
                for end in cuts {
                    let reached = scanner
                        .scan_range(&path, "2026-05-24.jsonl", true, from, end, |e| {
                            match e {
                                Event::Line { offset, .. } => lines.push(offset),
                                Event::Torn { .. } => torn += 1,
                            }
                            Ok(ControlFlow::Continue(()))
                        })
                        .unwrap();
                    if let Some(end) = end {
                        assert_eq!(reached, end);
                    }
                    from = reached;
                }
                let mut whole = Vec::new();
                let mut scanner = Scanner::new(dir.path(), "2026-05-25.jsonl", &[]);
                scanner
                    .scan_file(&path, "2026-05-24.jsonl", true, start, |e| {
                        if let Event::Line { offset, .. } = e {
                            whole.push(offset);
                        }
                        Ok(ControlFlow::Continue(()))
                    })
                    .unwrap();
                assert_eq!(lines, whole, "every {every} from {start}");
                assert_eq!(torn, 1);
                assert_eq!(from, bytes.len() as u64);
            }
        }
    }

    #[test]
    fn segment_names() {
        assert!(is_segment_name("2026-05-24.jsonl"));
        for bad in [
            "2026-05-24.json",
            "2026-5-24.jsonl",
            "x026-05-24.jsonl",
            ".2026-05-24.jsonl",
            "2026-05-24.jsonl.tmp",
        ] {
            assert!(!is_segment_name(bad), "{bad}");
        }
    }

    #[test]
    fn reads_across_segments_and_waits_on_a_partial_line_today() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("2026-01-01.jsonl"), "a\nb\n").unwrap();
        fs::write(dir.path().join("2026-01-02.jsonl"), "c\nd-partial").unwrap();
        fs::write(dir.path().join("notes.txt"), "ignored\n").unwrap();
        let (seen, torn, end) = lines(dir.path(), &Position::default(), "2026-01-02.jsonl", &[]);
        let text: Vec<_> = seen.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(text, ["a", "b", "c"]);
        assert!(torn.is_empty());
        assert_eq!(
            end,
            Position {
                segment: "2026-01-02.jsonl".into(),
                offset: 2
            }
        );
        // Completed later: consumed exactly once, from the saved position.
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("2026-01-02.jsonl"))
            .unwrap();
        std::io::Write::write_all(&mut f, b"\n").unwrap();
        let (seen, _, end) = lines(dir.path(), &end, "2026-01-02.jsonl", &[]);
        assert_eq!(
            seen,
            [("2026-01-02.jsonl".to_string(), 2, "d-partial".to_string())]
        );
        assert_eq!(end.offset, 12);
    }

    #[test]
    fn torn_line_in_an_earlier_day_is_reported_and_passed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("2026-01-01.jsonl"), "a\ntorn").unwrap();
        fs::write(dir.path().join("2026-01-02.jsonl"), "b\n").unwrap();
        let (seen, torn, end) = lines(dir.path(), &Position::default(), "2026-01-02.jsonl", &[]);
        assert_eq!(
            seen.iter().map(|s| s.2.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(torn, [("2026-01-01.jsonl".to_string(), 2)]);
        assert_eq!(
            end,
            Position {
                segment: "2026-01-02.jsonl".into(),
                offset: 2
            }
        );
        // From the saved position it is not reported again.
        let (_, torn, _) = lines(dir.path(), &end, "2026-01-02.jsonl", &[]);
        assert!(torn.is_empty());
    }

    #[test]
    fn needles_select_whole_lines_with_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let text = "{\"kind\":\"x\"}\n{\"kind\":\"y\",\"n\":1}\n{\"kind\":\"x\"}\n\n{\"kind\":\"z\"}\n{\"kind\":\"y\"}\n";
        fs::write(dir.path().join("2026-01-01.jsonl"), text).unwrap();
        let (seen, _, end) = lines(
            dir.path(),
            &Position::default(),
            "2026-01-01.jsonl",
            &["\"y\"", "\"z\""],
        );
        let got: Vec<_> = seen.iter().map(|s| (s.1, s.2.as_str())).collect();
        assert_eq!(
            got,
            [
                (13, "{\"kind\":\"y\",\"n\":1}"),
                (46, "{\"kind\":\"z\"}"),
                (59, "{\"kind\":\"y\"}")
            ]
        );
        assert_eq!(end.offset, text.len() as u64);
        for (_, offset, line) in &seen {
            assert_eq!(&text[*offset as usize..*offset as usize + line.len()], line);
        }
    }

    #[test]
    fn consecutive_long_lines_and_a_long_torn_one_keep_their_offsets() {
        // Only bytes not yet searched are searched for a newline: lines that
        // end just after a read's boundary, or span many reads, must still
        // be cut where they end.
        let dir = tempfile::tempdir().unwrap();
        let a = "a".repeat(CHUNK - 6); // "first\n" + a + "\n" fills one read exactly
        let b = "b".repeat(2 * CHUNK + 3);
        let c = "c".repeat(CHUNK / 2);
        let torn = "t".repeat(CHUNK + 1);
        let text = format!("first\n{a}\n{b}\n\n{c}\nlast\n{torn}");
        fs::write(dir.path().join("2026-01-01.jsonl"), &text).unwrap();
        // As an earlier day's segment: the torn line is reported and passed.
        let (seen, torn_seen, end) =
            lines(dir.path(), &Position::default(), "2026-01-02.jsonl", &[]);
        let lens: Vec<usize> = seen.iter().map(|(_, _, l)| l.len()).collect();
        assert_eq!(lens, [5, a.len(), b.len(), 0, c.len(), 4]);
        for (_, offset, line) in &seen {
            assert_eq!(&text[*offset as usize..*offset as usize + line.len()], line);
        }
        let torn_at = (text.len() - torn.len()) as u64;
        assert_eq!(torn_seen, [("2026-01-01.jsonl".to_string(), torn_at)]);
        assert_eq!(end.offset, text.len() as u64);
        // As today's: the torn line waits.
        let (_, torn_seen, end) = lines(dir.path(), &Position::default(), "2026-01-01.jsonl", &[]);
        assert!(torn_seen.is_empty());
        assert_eq!(end.offset, torn_at);
    }

    #[test]
    fn lines_longer_than_a_chunk_and_breaks() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(3 * CHUNK + 17);
        let text = format!("first\n{long}\nlast\n");
        fs::write(dir.path().join("2026-01-01.jsonl"), &text).unwrap();
        let (seen, _, _) = lines(dir.path(), &Position::default(), "2026-01-01.jsonl", &[]);
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1].2.len(), long.len());
        // Breaking on the second line returns the position after it.
        let mut scanner = Scanner::new(dir.path(), "2026-01-01.jsonl", &[]);
        let mut n = 0;
        let end = scanner
            .scan(&Position::default(), |_| {
                n += 1;
                Ok(if n == 2 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            })
            .unwrap();
        assert_eq!(end.offset, (6 + long.len() + 1) as u64);
    }
}

/// Visits complete lines newest first, segment by segment from the last, until
/// the visitor breaks. An unterminated last line is not visited. Lines that
/// contain none of `needles` (when given) are skipped. `stop_before` ends the
/// walk at segments older than that name.
pub fn scan_backward<F>(
    dir: &Path,
    needles: &[Vec<u8>],
    stop_before: &str,
    mut visit: F,
) -> anyhow::Result<()>
where
    F: FnMut(&str, u64, &[u8]) -> anyhow::Result<ControlFlow<()>>,
{
    let finders: Vec<Finder<'_>> = needles.iter().map(Finder::new).collect();
    for name in segments(dir)?.iter().rev() {
        if name.as_str() < stop_before {
            break;
        }
        let path = dir.join(name);
        let mut file = match file::open_regular(&path, OpenOptions::new().read(true)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(file::context(e, "cannot open", &path).into()),
        };
        let len = file.metadata()?.len();
        // `tail` holds bytes [end - tail.len(), end) not yet split into lines;
        // blocks are read backwards and prepended.
        let mut end = len;
        let mut pending: Vec<u8> = Vec::new();
        let mut block = vec![0u8; CHUNK];
        let mut first = true;
        while end > 0 || !pending.is_empty() {
            let start = end.saturating_sub(CHUNK as u64);
            let n = (end - start) as usize;
            if n > 0 {
                file.seek(SeekFrom::Start(start))?;
                file.read_exact(&mut block[..n])?;
                let mut joined = Vec::with_capacity(n + pending.len());
                joined.extend_from_slice(&block[..n]);
                joined.extend_from_slice(&pending);
                pending = joined;
            }
            end = start;
            if first {
                // Drop an unterminated final line.
                let keep = memchr::memrchr(b'\n', &pending).map_or(0, |i| i + 1);
                pending.truncate(keep);
                first = false;
            }
            // Lines are complete from the first newline on (or all of it at 0).
            let split = if end == 0 {
                0
            } else {
                memchr::memchr(b'\n', &pending).map_or(pending.len(), |i| i + 1)
            };
            let body = &pending[split..];
            let mut line_end = body.len();
            while line_end > 0 {
                let content_end = line_end - 1; // position of '\n'
                let line_start = memchr::memrchr(b'\n', &body[..content_end]).map_or(0, |i| i + 1);
                let line = &body[line_start..content_end];
                if finders.is_empty() || finders.iter().any(|f| f.find(line).is_some()) {
                    let offset = end + (split + line_start) as u64;
                    if visit(name, offset, line)?.is_break() {
                        return Ok(());
                    }
                }
                line_end = line_start;
            }
            pending.truncate(split);
            if end == 0 {
                break;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod backward_tests {
    use super::*;

    #[test]
    fn newest_first_across_blocks_and_segments() {
        let dir = tempfile::tempdir().unwrap();
        let long = "z".repeat(CHUNK + 5);
        fs::write(
            dir.path().join("2026-01-01.jsonl"),
            format!("a1\n{long}\na3\n"),
        )
        .unwrap();
        fs::write(dir.path().join("2026-01-02.jsonl"), "b1\nb2\npartial").unwrap();
        let mut seen = Vec::new();
        scan_backward(dir.path(), &[], "", |seg, offset, line| {
            seen.push((
                seg.to_string(),
                offset,
                line.len(),
                String::from_utf8_lossy(&line[..2.min(line.len())]).into_owned(),
            ));
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
        let names: Vec<_> = seen.iter().map(|s| s.3.as_str()).collect();
        assert_eq!(names, ["b2", "b1", "a3", "zz", "a1"]);
        assert_eq!(seen[2].1, (3 + long.len() + 1) as u64);
        assert_eq!(seen[3].2, long.len());
        let mut only_a = Vec::new();
        scan_backward(
            dir.path(),
            &[b"a".to_vec()],
            "2026-01-01.jsonl",
            |_, _, line| {
                only_a.push(String::from_utf8_lossy(line).into_owned());
                Ok(if only_a.len() == 1 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            },
        )
        .unwrap();
        assert_eq!(only_a, ["a3"]);
    }
}
