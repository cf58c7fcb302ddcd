//! The windowed audit scan (design §3, §7): rows of chosen kinds whose own `ts`
//! falls in a window, from every segment whose day overlaps the window widened
//! by a day on each side (the platform batches its writes, so rows arrive late
//! and out of order, in yesterday's or tomorrow's segment).
//!
//! It is built for the loops that read the most data: the segment scanner's
//! memmem prefilter on the quoted kind value (`"inference.recorded"` matches both
//! `"kind":"…"` and Python's `"kind": "…"`) passes over every other line
//! without splitting or parsing it; a candidate line is parsed once, straight
//! into the caller's borrowed `details` struct (no `serde_json::Value`), by
//! the one-pass reader of `audit::fast` where it answers and by `serde_json`
//! otherwise; and the caller aggregates as rows stream past, so memory is
//! bounded by what it keeps, not by the log. A large scan's segments are cut
//! into ranges at line starts and shared out among a few scoped threads
//! ([`WindowScan::read_parts`]), and their figures merged back in order.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use super::fast;
use crate::store::tail::{self, Event, Scanner};

/// An inclusive window of row times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Window {
    /// The window of length `length` ending at `until`.
    pub fn ending(until: DateTime<Utc>, length: TimeDelta) -> Window {
        Window {
            since: until
                .checked_sub_signed(length)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            until,
        }
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.since <= t && t <= self.until
    }

    /// Whether the segment `YYYY-MM-DD.jsonl` is read for this window: its day
    /// overlaps [since − 1 day, until + 1 day].
    pub fn reads_segment(&self, name: &str) -> bool {
        let day = |t: DateTime<Utc>| t.format("%Y-%m-%d.jsonl").to_string();
        let first = day(self.since - TimeDelta::days(1));
        let last = day(self.until + TimeDelta::days(1));
        first.as_str() <= name && name <= last.as_str()
    }
}

/// What receives the selected rows: its `Details` is deserialized from each
/// row's `details`, borrowing from the line where it can.
pub trait Select {
    type Details<'a>: Deserialize<'a>;

    /// A row of `kinds[kind]` inside the window.
    fn row(&mut self, kind: usize, ts: DateTime<Utc>, details: Self::Details<'_>);

    /// [`Select::row`] with where the row's line lies in its file (start,
    /// and end past its newline): the scan calls this one, for a select
    /// that remembers where its rows are.
    fn row_at(
        &mut self,
        kind: usize,
        ts: DateTime<Utc>,
        _line: (u64, u64),
        details: Self::Details<'_>,
    ) {
        self.row(kind, ts, details)
    }
}

/// One candidate line, read in a single pass in the order its keys come: once
/// `kind` (not wanted) or `ts` (outside the window) has ruled the row out,
/// its `details` are passed over without being deserialized. Writers put `ts`
/// and `kind` before `details` (tend, and Python's dicts in insertion order),
/// so most rows outside the window cost a skim, not a parse.
struct LineSeed<'k, D> {
    kinds: &'k [&'k str],
    since_ms: i64,
    until_ms: i64,
    _d: PhantomData<fn() -> D>,
}

/// What a candidate line turned out to be.
#[derive(Debug, PartialEq)]
enum Parsed<D> {
    Selected {
        kind: usize,
        ms: i64,
        details: D,
    },
    /// A wanted kind whose time is outside the window.
    Outside,
    /// The prefilter matched elsewhere in the line.
    OtherKind,
    /// A wanted kind whose `ts` is not a time.
    BadTime(String),
}

impl<'de, D: Deserialize<'de>> serde::de::DeserializeSeed<'de> for LineSeed<'_, D> {
    type Value = Parsed<D>;
    fn deserialize<De: serde::Deserializer<'de>>(self, de: De) -> Result<Parsed<D>, De::Error> {
        de.deserialize_map(self)
    }
}

impl<'de, D: Deserialize<'de>> serde::de::Visitor<'de> for LineSeed<'_, D> {
    type Value = Parsed<D>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an audit row object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Parsed<D>, A::Error> {
        use serde::de::{Error, IgnoredAny};
        // None: not seen yet; Some(None): a kind this scan does not want.
        let mut kind: Option<Option<usize>> = None;
        let mut ms: Option<Result<i64, String>> = None;
        let mut details: Option<D> = None;
        let inside = |m: i64| self.since_ms <= m && m <= self.until_ms;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "kind" => {
                    let k: Cow<'de, str> = map.next_value()?;
                    kind = Some(self.kinds.iter().position(|w| *w == k));
                }
                "ts" => {
                    let t: Cow<'de, str> = map.next_value()?;
                    ms = Some(
                        ts_millis(&t)
                            .ok_or_else(|| format!("\"ts\" {t:?} is not an RFC 3339 timestamp")),
                    );
                }
                "details" => {
                    let ruled_out =
                        matches!(kind, Some(None)) || matches!(ms, Some(Ok(m)) if !inside(m));
                    if ruled_out {
                        map.next_value::<IgnoredAny>()?;
                    } else {
                        details = Some(map.next_value()?);
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(kind) = kind.ok_or_else(|| A::Error::missing_field("kind"))? else {
            return Ok(Parsed::OtherKind);
        };
        let ms = match ms {
            None => return Err(A::Error::missing_field("ts")),
            Some(Err(reason)) => return Ok(Parsed::BadTime(reason)),
            Some(Ok(ms)) => ms,
        };
        if !inside(ms) {
            return Ok(Parsed::Outside);
        }
        match details {
            Some(details) => Ok(Parsed::Selected { kind, ms, details }),
            None => Err(A::Error::missing_field("details")),
        }
    }
}

/// The row ids one scan has counted, shared by its threads: a row is counted
/// once whatever the number of its copies (a row written again keeps its
/// id), and which copy is counted does not matter, as copies are the same
/// row. Ids are kept as 128-bit FNV-1a hashes, in shards so that threads
/// seldom wait on one another. A row without an id is always counted.
#[derive(Default)]
pub struct SeenIds {
    shards: [Mutex<HashSet<u128, BuildHasherDefault<Folded>>>; 16],
}

impl SeenIds {
    /// Whether `id` is new to this scan (and now seen).
    pub fn first(&self, id: &[u8]) -> bool {
        let hash = fnv128(id);
        let shard = &self.shards[(hash >> 124) as usize];
        shard.lock().unwrap_or_else(|p| p.into_inner()).insert(hash)
    }
}

/// FNV-1a over 128 bits.
fn fnv128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

/// The hasher of a set of hashes: the low 64 bits as they are.
#[derive(Default)]
pub struct Folded(u64);

impl Hasher for Folded {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

/// A row's `id`, read from the line: where writers put it (first, a string
/// without escapes) in a glance, else by `serde_json`. `None`: no string id.
fn row_id(line: &[u8]) -> Option<Cow<'_, [u8]>> {
    let skip = |i: usize| i + line[i..].iter().take_while(|b| **b == b' ').count();
    let mut i = skip(0);
    if line.get(i) == Some(&b'{') {
        i = skip(i + 1);
        if line[i..].starts_with(b"\"id\"") {
            i = skip(i + 4);
            if line.get(i) == Some(&b':') {
                i = skip(i + 1);
                if line.get(i) == Some(&b'"') {
                    let rest = &line[i + 1..];
                    if let Some(end) = memchr::memchr2(b'"', b'\\', rest)
                        && rest[end] == b'"'
                    {
                        return Some(Cow::Borrowed(&rest[..end]));
                    }
                }
            }
        }
    }
    #[derive(Deserialize)]
    struct IdOf<'a> {
        #[serde(borrow, default)]
        id: Option<Cow<'a, str>>,
    }
    match serde_json::from_slice::<IdOf<'_>>(line).ok()?.id? {
        Cow::Borrowed(id) => Some(Cow::Borrowed(id.as_bytes())),
        Cow::Owned(id) => Some(Cow::Owned(id.into_bytes())),
    }
}

/// At most this many skipped lines are described; the rest are only counted.
const MAX_WARNINGS: usize = 20;

/// What a scan went through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Rows selected, per kind (indexed like the scan's kinds).
    pub rows: Vec<u64>,
    /// Bytes of segments and inputs read.
    pub bytes: u64,
    /// Segments (and input files) read, by name.
    pub files: Vec<String>,
    /// Lines of a wanted kind that could not be used, and torn last lines.
    pub skipped: u64,
    /// The first few of those, `audit/2026-05-24.jsonl: byte 123: …`.
    pub warnings: Vec<String>,
    /// Rows of a wanted kind whose time fell outside the window.
    pub outside: u64,
    /// The earliest and latest times (ms since the epoch) of the rows selected.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Rows of a wanted kind inside the window whose id this scan had
    /// already counted (the same row written again): dropped.
    pub duplicates: u64,
}

impl ScanReport {
    /// Adds the report of a later file (row counts kind by kind).
    pub fn absorb(&mut self, later: ScanReport) {
        if self.rows.len() < later.rows.len() {
            self.rows.resize(later.rows.len(), 0);
        }
        for (mine, n) in self.rows.iter_mut().zip(later.rows) {
            *mine += n;
        }
        self.bytes += later.bytes;
        self.files.extend(later.files);
        self.skipped += later.skipped;
        let room = MAX_WARNINGS.saturating_sub(self.warnings.len());
        self.warnings.extend(later.warnings.into_iter().take(room));
        self.outside += later.outside;
        self.first_ms = self.first_ms.into_iter().chain(later.first_ms).min();
        self.last_ms = self.last_ms.into_iter().chain(later.last_ms).max();
        self.duplicates += later.duplicates;
    }

    fn skip(&mut self, text: String) {
        self.skipped += 1;
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(text);
        }
    }
}

/// The prefilter of a scan for `kinds`: each kind's quoted value.
fn needles(kinds: &[&str]) -> Vec<Vec<u8>> {
    kinds
        .iter()
        .map(|k| format!("\"{k}\"").into_bytes())
        .collect()
}

/// Below this many bytes to read, one thread reads them all.
const PARALLEL_BYTES: u64 = 32 << 20;
/// On threads, a long part is read in ranges of about this many bytes.
const RANGE_BYTES: u64 = 16 << 20;
/// Reading is bound by memory: more threads than this gain nothing.
pub const MAX_WORKERS: usize = 4;

/// A file for [`WindowScan::read_parts`] to read from `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub path: PathBuf,
    /// How warnings name it (`audit/2026-05-24.jsonl`).
    pub label: String,
    /// No writer appends to it any more: an unterminated last line is torn.
    pub finished: bool,
    pub start: u64,
}

/// What reading one [`Part`] gave.
pub struct PartRead<S> {
    pub select: S,
    pub report: ScanReport,
    /// The offset reached: the end of the last complete line consumed.
    pub reached: u64,
}

/// A windowed scan for `kinds`.
pub struct WindowScan<'k> {
    kinds: &'k [&'k str],
    window: Window,
    scanner: Scanner,
    /// Today's segment name: earlier segments are finished.
    today: String,
    /// The window's ends in milliseconds, for the fast time check.
    since_ms: i64,
    until_ms: i64,
    /// At most this many threads read parts ([`WindowScan::read_parts`]).
    workers: usize,
    /// The row ids counted so far, by this scan and its threads.
    seen: Arc<SeenIds>,
}

impl<'k> WindowScan<'k> {
    /// A scan of the audit segments in `dir`; `today` decides which segments
    /// are finished (an unterminated last line there is torn).
    pub fn new(dir: &Path, today: DateTime<Utc>, kinds: &'k [&'k str], window: Window) -> Self {
        let today = today.format("%Y-%m-%d.jsonl").to_string();
        WindowScan {
            kinds,
            window,
            scanner: Scanner::new(dir, &today, &needles(kinds)),
            today,
            since_ms: window.since.timestamp_millis(),
            until_ms: window.until.timestamp_millis(),
            workers: MAX_WORKERS,
            seen: Arc::default(),
        }
    }

    /// The same scan over another window (the segments it reads stay the
    /// caller's choice): all time, to remember every row of a segment by its
    /// time, or a part of the window, to read again the rows of one hour.
    pub fn over(&self, window: Window) -> WindowScan<'k> {
        let mut scan = self.fork();
        scan.window = window;
        scan.since_ms = window.since.timestamp_millis();
        scan.until_ms = window.until.timestamp_millis();
        scan.workers = self.workers;
        scan
    }

    /// [`WindowScan::over`] for reading again rows this scan has already
    /// counted (a part of a file it read): with a set of row ids of its own,
    /// so that they are not taken for copies.
    pub fn reread(&self, window: Window) -> WindowScan<'k> {
        let mut scan = self.over(window);
        scan.seen = Arc::default();
        scan
    }

    /// Reads parts on at most `workers` threads (at least one).
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers.clamp(1, MAX_WORKERS);
        self
    }

    /// The same scan with its own read buffer, for another thread.
    fn fork(&self) -> WindowScan<'k> {
        WindowScan {
            kinds: self.kinds,
            window: self.window,
            scanner: Scanner::new(self.scanner.dir(), &self.today, &needles(self.kinds)),
            today: self.today.clone(),
            since_ms: self.since_ms,
            until_ms: self.until_ms,
            workers: 1,
            seen: Arc::clone(&self.seen),
        }
    }

    /// Whether the segment `name` is of an earlier day than the scan's today
    /// (no writer appends to it any more in the normal course).
    pub fn is_finished(&self, name: &str) -> bool {
        name < self.today.as_str()
    }

    /// How many kinds the scan selects (the length of its reports' `rows`).
    pub fn kinds_len(&self) -> usize {
        self.kinds.len()
    }

    /// The audit directory scanned.
    pub fn dir(&self) -> &Path {
        self.scanner.dir()
    }

    /// The window's ends in milliseconds since the epoch.
    pub fn window_ms(&self) -> (i64, i64) {
        (self.since_ms, self.until_ms)
    }

    /// The names of the segments this window reads, oldest first.
    pub fn segments(&self) -> Result<Vec<String>> {
        let window = self.window;
        Ok(tail::segments(self.scanner.dir())?
            .into_iter()
            .filter(|n| window.reads_segment(n))
            .collect())
    }

    /// Reads the window's segments, then each of `inputs` (JSON Lines files,
    /// or directories of `*.jsonl` files), handing selected rows to `select`.
    pub fn run<S: Select>(&mut self, inputs: &[PathBuf], select: &mut S) -> Result<ScanReport> {
        let mut report = ScanReport {
            rows: vec![0; self.kinds.len()],
            ..ScanReport::default()
        };
        for name in self.segments()? {
            let path = self.scanner.dir().join(&name);
            let finished = self.is_finished(&name);
            self.file(
                &path,
                &format!("audit/{name}"),
                finished,
                0,
                select,
                &mut report,
            )?;
        }
        for input in inputs {
            for path in input_files(input)? {
                self.input(&path, select, &mut report)?;
            }
        }
        Ok(report)
    }

    /// Reads one file of an `--input` (from [`input_files`]), labelled by the
    /// path given. A regular file (or a link to one: the operator's file, not
    /// tend's state, so it is read through) goes through the scanner; a pipe
    /// or device is read as a stream ([`WindowScan::stream`]).
    pub fn input<S: Select>(
        &mut self,
        path: &Path,
        select: &mut S,
        report: &mut ScanReport,
    ) -> Result<u64> {
        let label = path.display().to_string();
        if is_stream(path)? {
            return self.stream(path, &label, select, report);
        }
        let real = fs::canonicalize(path)
            .map_err(|e| anyhow::anyhow!("cannot read input {label}: {e}"))?;
        self.file(&real, &label, true, 0, select, report)
    }

    /// Reads a pipe or device once, in order, to its end: no size to split
    /// into ranges, nothing to seek to, nothing to cache. An unterminated
    /// last line is torn (the writer closed it). Returns the bytes read.
    pub fn stream<S: Select>(
        &mut self,
        path: &Path,
        label: &str,
        select: &mut S,
        report: &mut ScanReport,
    ) -> Result<u64> {
        use std::io::BufRead;
        let file =
            fs::File::open(path).map_err(|e| anyhow::anyhow!("cannot read input {label}: {e}"))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let finders: Vec<memchr::memmem::Finder<'_>> = needles(self.kinds)
            .into_iter()
            .map(|n| memchr::memmem::Finder::new(&n).into_owned())
            .collect();
        report.files.push(label.to_string());
        let mut line = Vec::new();
        let mut offset = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| anyhow::anyhow!("cannot read input {label}: byte {offset}: {e}"))?;
            if n == 0 {
                break;
            }
            let Some(bytes) = line.strip_suffix(b"\n") else {
                report.skip(format!(
                    "{label}: byte {offset}: skipped torn last line ({n} bytes without a newline)"
                ));
                offset += n as u64;
                break;
            };
            if finders.iter().any(|f| f.find(bytes).is_some()) {
                select_line(
                    self.kinds,
                    (self.since_ms, self.until_ms),
                    &self.seen,
                    (offset, offset + n as u64),
                    bytes,
                    select,
                    report,
                )
                .unwrap_or_else(|reason| {
                    report.skip(format!("{label}: byte {offset}: skipped line ({reason})"))
                });
            }
            offset += n as u64;
        }
        report.bytes += offset;
        Ok(offset)
    }

    /// Reads each part into a fresh `S` and returns the results in the order
    /// of `parts`, so that merging them in that order gives the figures of one
    /// pass. When there is enough to read, the parts are shared out among a
    /// few scoped worker threads (one per core, at most [`MAX_WORKERS`]); they
    /// end before this returns and keep nothing.
    pub fn read_parts<S: Select + Default + Send>(
        &mut self,
        parts: &[Part],
        merge: impl Fn(&mut S, S),
    ) -> Result<Vec<PartRead<S>>> {
        self.read_parts_over(parts, merge, PARALLEL_BYTES, RANGE_BYTES)
    }

    /// [`WindowScan::read_parts`], on threads from `parallel_bytes` to read.
    /// On threads, a long part is read in ranges of about `range_bytes`
    /// (cut at line starts) so that the threads finish together; the ranges'
    /// figures are merged back in order with `merge`.
    fn read_parts_over<S: Select + Default + Send>(
        &mut self,
        parts: &[Part],
        merge: impl Fn(&mut S, S),
        parallel_bytes: u64,
        range_bytes: u64,
    ) -> Result<Vec<PartRead<S>>> {
        let bytes: u64 = parts
            .iter()
            .map(|p| fs::metadata(&p.path).map_or(0, |m| m.len().saturating_sub(p.start)))
            .sum();
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(self.workers);
        if workers <= 1 || bytes < parallel_bytes {
            return parts
                .iter()
                .map(|p| self.read_range(p, p.start, None))
                .collect();
        }
        // (part, start, end) of each range, parts in order. A part that
        // cannot be cut (unreadable here) is one range: reading it says why.
        let mut ranges: Vec<(usize, u64, Option<u64>)> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let cuts = tail::line_starts(&part.path, part.start, range_bytes).unwrap_or_default();
            let mut from = part.start;
            for cut in cuts {
                ranges.push((i, from, Some(cut)));
                from = cut;
            }
            ranges.push((i, from, None));
        }
        let workers = workers.min(ranges.len());
        let next = AtomicUsize::new(0);
        let mut slots: Vec<Option<Result<PartRead<S>>>> = ranges.iter().map(|_| None).collect();
        let this = &*self;
        let ranges_ref = &ranges;
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    let mut scan = this.fork();
                    let next = &next;
                    std::thread::Builder::new()
                        .name("tend-scan".to_string())
                        .spawn_scoped(scope, move || {
                            let mut done = Vec::new();
                            loop {
                                let r = next.fetch_add(1, Ordering::Relaxed);
                                let Some(&(i, start, end)) = ranges_ref.get(r) else {
                                    break;
                                };
                                let read = scan.read_range(&parts[i], start, end);
                                let failed = read.is_err();
                                done.push((r, read));
                                if failed {
                                    break;
                                }
                            }
                            done
                        })
                })
                .collect();
            for handle in handles.into_iter().flatten() {
                // A worker that panicked loses only its unfinished ranges,
                // which are read again below.
                for (r, read) in handle.join().unwrap_or_default() {
                    if let Some(slot) = slots.get_mut(r) {
                        *slot = Some(read);
                    }
                }
            }
        });
        // Ranges no worker finished (a thread that could not start, an error
        // that stopped one) are read here; the first error in order is
        // returned. Each part's ranges are merged in order.
        let mut reads: Vec<PartRead<S>> = Vec::with_capacity(parts.len());
        let mut last_part = None;
        for (slot, &(i, start, end)) in slots.into_iter().zip(&ranges) {
            let mut read = match slot {
                Some(read) => read?,
                None => self.read_range(&parts[i], start, end)?,
            };
            match reads.last_mut() {
                Some(earlier) if last_part == Some(i) => {
                    merge(&mut earlier.select, read.select);
                    // The file is named once, by its first range.
                    read.report.files.clear();
                    earlier.report.absorb(read.report);
                    earlier.reached = read.reached;
                }
                _ => reads.push(read),
            }
            last_part = Some(i);
        }
        Ok(reads)
    }

    /// Reads `part` from `start` to `end` (its end when `None`).
    fn read_range<S: Select + Default>(
        &mut self,
        part: &Part,
        start: u64,
        end: Option<u64>,
    ) -> Result<PartRead<S>> {
        let mut select = S::default();
        let mut report = ScanReport {
            rows: vec![0; self.kinds.len()],
            ..ScanReport::default()
        };
        let reached = self.file_range(
            &part.path,
            &part.label,
            part.finished,
            (start, end),
            &mut select,
            &mut report,
        )?;
        Ok(PartRead {
            select,
            report,
            reached,
        })
    }

    /// Scans one file from `start`; returns the offset reached (the end of its
    /// last complete line).
    pub fn file<S: Select>(
        &mut self,
        path: &Path,
        label: &str,
        finished: bool,
        start: u64,
        select: &mut S,
        report: &mut ScanReport,
    ) -> Result<u64> {
        self.file_range(path, label, finished, (start, None), select, report)
    }

    /// [`WindowScan::file`] over the lines in [start, end).
    pub fn file_range<S: Select>(
        &mut self,
        path: &Path,
        label: &str,
        finished: bool,
        (start, end): (u64, Option<u64>),
        select: &mut S,
        report: &mut ScanReport,
    ) -> Result<u64> {
        let kinds = self.kinds;
        let (since_ms, until_ms) = (self.since_ms, self.until_ms);
        let seen = &*self.seen;
        report.files.push(label.to_string());
        let reached = self
            .scanner
            .scan_range(path, label, finished, start, end, |event| {
                match event {
                    Event::Line {
                        offset,
                        bytes,
                        next,
                        ..
                    } => {
                        select_line(kinds, (since_ms, until_ms), seen, (offset, next), bytes, select, report)
                            .unwrap_or_else(|reason| {
                                report.skip(format!("{label}: byte {offset}: skipped line ({reason})"))
                            });
                    }
                    Event::Torn { offset, len, .. } => report.skip(format!(
                        "{label}: byte {offset}: skipped torn last line ({len} bytes without a newline)"
                    )),
                }
                Ok(ControlFlow::Continue(()))
            })?;
        report.bytes += reached.saturating_sub(start);
        Ok(reached)
    }
}

/// Parses one candidate line; Ok when it was selected, a copy of a row
/// already counted, or not a wanted row (a prefilter hit elsewhere in the
/// line, a time outside the window).
fn select_line<S: Select>(
    kinds: &[&str],
    (since_ms, until_ms): (i64, i64),
    seen: &SeenIds,
    line: (u64, u64),
    bytes: &[u8],
    select: &mut S,
    report: &mut ScanReport,
) -> Result<(), String> {
    let parsed = match parse_fast(kinds, since_ms, until_ms, bytes) {
        Some(parsed) => Ok(parsed),
        None => parse_serde(kinds, since_ms, until_ms, bytes),
    };
    match parsed {
        Ok(Parsed::Selected { kind, ms, details }) => {
            if let Some(id) = row_id(bytes)
                && !seen.first(&id)
            {
                report.duplicates += 1;
                return Ok(());
            }
            let ts = DateTime::from_timestamp_millis(ms).unwrap_or_default();
            report.rows[kind] += 1;
            report.first_ms = Some(report.first_ms.map_or(ms, |t| t.min(ms)));
            report.last_ms = Some(report.last_ms.map_or(ms, |t| t.max(ms)));
            select.row_at(kind, ts, line, details);
            Ok(())
        }
        Ok(Parsed::Outside) => {
            report.outside += 1;
            Ok(())
        }
        Ok(Parsed::OtherKind) => Ok(()),
        Ok(Parsed::BadTime(reason)) => Err(reason),
        Err(e) => {
            // Only a row of a wanted kind that cannot be used is worth a warning.
            match super::parse_head(bytes) {
                Ok((kind, _)) if !kinds.contains(&kind.as_ref()) => Ok(()),
                Ok((kind, _)) => Err(format!("a {kind} row whose details do not fit: {e}")),
                Err(_) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(()),
                Err(reason) => Err(reason),
            }
        }
    }
}

/// A candidate line read by [`fast`], where it answers (most lines: printable
/// ASCII with `ts` and `kind` before `details`); `None` hands it to
/// [`parse_serde`]. Where both answer, they give the same.
fn parse_fast<'a, D: Deserialize<'a>>(
    kinds: &[&str],
    since_ms: i64,
    until_ms: i64,
    bytes: &'a [u8],
) -> Option<Parsed<D>> {
    // What the walk learned when it reached `details`: the kind's index
    // (None: not wanted) and the time (None: not a time).
    let mut seen: Option<(Option<usize>, Option<i64>)> = None;
    let row = fast::read_row::<D>(bytes, |kind, ts| {
        let kind = kinds.iter().position(|k| *k == kind);
        let ms = ts_millis(ts);
        seen = Some((kind, ms));
        // serde_json reads the details of a wanted row unless its time is
        // known to be outside (a row with a bad time too).
        kind.is_some() && ms.is_none_or(|ms| since_ms <= ms && ms <= until_ms)
    })
    .ok()?;
    let (kind, ms) = seen?;
    let Some(kind) = kind else {
        return Some(Parsed::OtherKind);
    };
    match (ms, row.details) {
        (Some(ms), _) if !(since_ms <= ms && ms <= until_ms) => Some(Parsed::Outside),
        (Some(ms), Some(details)) => Some(Parsed::Selected { kind, ms, details }),
        (None, Some(_)) => Some(Parsed::BadTime(format!(
            "\"ts\" {:?} is not an RFC 3339 timestamp",
            row.ts
        ))),
        (_, None) => None,
    }
}

/// A candidate line read by `serde_json`, in one pass ([`LineSeed`]).
fn parse_serde<'a, D: Deserialize<'a>>(
    kinds: &[&str],
    since_ms: i64,
    until_ms: i64,
    bytes: &'a [u8],
) -> Result<Parsed<D>, serde_json::Error> {
    let seed = LineSeed::<D> {
        kinds,
        since_ms,
        until_ms,
        _d: PhantomData,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde::de::DeserializeSeed::deserialize(seed, &mut de)?;
    de.end()?;
    Ok(parsed)
}

/// Details of many shapes, for checking the fast path against `serde_json`.
#[doc(hidden)]
#[derive(Debug, PartialEq, Deserialize)]
pub struct CheckDetails<'a> {
    #[serde(borrow)]
    route: Cow<'a, str>,
    #[serde(default)]
    escalated: bool,
    #[serde(default)]
    cost_usd: Option<f64>,
    #[serde(default)]
    tokens: u64,
    #[serde(default)]
    delta: i64,
    #[serde(borrow, default)]
    note: Option<Cow<'a, str>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    inner: Option<CheckInner>,
}

#[doc(hidden)]
#[derive(Debug, PartialEq, Deserialize)]
pub struct CheckInner {
    a: u8,
    #[serde(default)]
    b: Option<bool>,
}

/// For the tests and the fuzz target: whether the fast path answered for
/// `line` (kinds `inference.recorded` and `other.kind`, the window of
/// 2026-05-24), and an error when its answer differs from `serde_json`'s.
#[doc(hidden)]
pub fn fast_path_agrees(line: &[u8]) -> Result<bool, String> {
    let kinds = ["inference.recorded", "other.kind"];
    let (since, until) = (1_779_580_800_000, 1_779_667_199_999);
    let Some(fast) = parse_fast::<CheckDetails>(&kinds, since, until, line) else {
        return Ok(false);
    };
    let show = String::from_utf8_lossy(line);
    match parse_serde::<CheckDetails>(&kinds, since, until, line) {
        Ok(slow) if slow == fast => Ok(true),
        Ok(slow) => Err(format!("fast path {fast:?}, serde_json {slow:?}: {show}")),
        Err(e) => Err(format!(
            "fast path {fast:?} where serde_json fails ({e}): {show}"
        )),
    }
}

/// Milliseconds since the epoch of an RFC 3339 time. `YYYY-MM-DDTHH:MM:SS[.f…]Z`
/// (what `tend` and most platforms write) is read without allocating; other
/// offsets go through chrono.
pub fn ts_millis(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut n = 0i64;
        for c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + i64::from(c - b'0');
        }
        Some(n)
    };
    let fast = (|| {
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't')
            || b[13] != b':'
            || b[16] != b':'
            || !matches!(b[b.len() - 1], b'Z' | b'z')
        {
            return None;
        }
        let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let (h, mi, s) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        let ms = match &b[19..b.len() - 1] {
            [] => 0,
            [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => {
                let mut ms = 0;
                for i in 0..3 {
                    ms = ms * 10 + frac.get(i).map_or(0, |c| i64::from(c - b'0'));
                }
                ms
            }
            _ => return None,
        };
        if !(1..=12).contains(&mo)
            || !(1..=days_in_month(y, mo)).contains(&d)
            || h > 23
            || mi > 59
            || s > 60
        {
            return None;
        }
        Some(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms)
    })();
    fast.or_else(|| {
        DateTime::parse_from_rfc3339(ts)
            .ok()
            .map(|t| t.with_timezone(&Utc).timestamp_millis())
    })
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether an `--input` is a pipe or a character device (`<(zcat x.gz)`,
/// `/dev/stdin`): read once as a stream, never by size or position.
pub fn is_stream(input: &Path) -> Result<bool> {
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::metadata(input)
        .map_err(|e| anyhow::anyhow!("cannot read input {}: {e}", input.display()))?
        .file_type();
    Ok(kind.is_fifo() || kind.is_char_device())
}

/// The JSON Lines files of an `--input`: the file itself, or a directory's
/// `*.jsonl` files in name order. A pipe or character device named on the
/// command line is read as a stream (see [`is_stream`]).
pub fn input_files(input: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(input)
        .map_err(|e| anyhow::anyhow!("cannot read input {}: {e}", input.display()))?;
    if meta.is_file() || is_stream(input)? {
        return Ok(vec![input.to_path_buf()]);
    }
    if !meta.is_dir() {
        anyhow::bail!(
            "input {} is not a file, a directory, a pipe or a character device",
            input.display()
        );
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(input)
        .map_err(|e| anyhow::anyhow!("cannot list input {}: {e}", input.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "jsonl") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    #[derive(Default)]
    struct Calls {
        seen: Vec<(usize, String, String, bool)>,
    }

    #[derive(Deserialize)]
    struct Inference<'a> {
        #[serde(borrow)]
        route: Cow<'a, str>,
        #[serde(default)]
        escalated: bool,
    }

    impl Select for Calls {
        type Details<'a> = Inference<'a>;
        fn row(&mut self, kind: usize, ts: DateTime<Utc>, d: Inference<'_>) {
            self.seen.push((
                kind,
                crate::clock::format_ts(ts),
                d.route.into_owned(),
                d.escalated,
            ));
        }
    }

    /// Parts read on threads give what one thread gives, in the order of
    /// the parts; the first failing part's error is the one returned.
    #[test]
    fn parts_read_on_threads_come_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let kinds = ["inference.recorded"];
        let mut parts = Vec::new();
        for day in 10..22 {
            let name = format!("2026-05-{day}.jsonl");
            let mut text = String::new();
            for i in 0..200 {
                text.push_str(&format!(
                    "{{\"ts\":\"2026-05-{day}T08:00:{:02}.000Z\",\"kind\":\"inference.recorded\",\"details\":{{\"route\":\"r{day}-{i}\"}}}}\n",
                    i % 60
                ));
            }
            let first_line = text.find('\n').unwrap() as u64 + 1;
            fs::write(dir.path().join(&name), text).unwrap();
            parts.push(Part {
                path: dir.path().join(&name),
                label: format!("audit/{name}"),
                finished: true,
                start: if day == 12 { first_line } else { 0 },
            });
        }
        let window = Window::ending(t("2026-05-30T00:00:00Z"), TimeDelta::days(60));
        let mut scan = WindowScan::new(dir.path(), t("2026-05-30T00:00:00Z"), &kinds, window);
        let seen = |reads: Vec<PartRead<Calls>>| -> Vec<(Vec<String>, u64, u64)> {
            reads
                .into_iter()
                .map(|r| {
                    let routes = r.select.seen.into_iter().map(|s| s.2).collect();
                    (routes, r.report.rows[0], r.reached)
                })
                .collect()
        };
        let merge = |a: &mut Calls, b: Calls| a.seen.extend(b.seen);
        let single = seen(
            scan.read_parts_over::<Calls>(&parts, merge, u64::MAX, u64::MAX)
                .unwrap(),
        );
        // On threads, whole parts, and parts cut into ranges of a few lines
        // (and of one line: a cut at every line start).
        for range_bytes in [u64::MAX, 700, 1] {
            let threaded = seen(
                scan.read_parts_over::<Calls>(&parts, merge, 0, range_bytes)
                    .unwrap(),
            );
            assert_eq!(threaded, single, "ranges of {range_bytes} bytes");
        }
        let threaded = single;
        assert_eq!(threaded.len(), 12);
        assert_eq!(threaded[0].0[0], "r10-0");
        assert_eq!(threaded[11].0[199], "r21-199");
        // Day 12 was read from its second line on.
        assert_eq!(threaded[2].1, 199);

        // A directory where a part belongs: its error, for the first one.
        fs::create_dir(dir.path().join("2026-05-40.jsonl")).unwrap();
        fs::create_dir(dir.path().join("2026-05-41.jsonl")).unwrap();
        for (at, name) in [(3, "2026-05-40.jsonl"), (7, "2026-05-41.jsonl")] {
            parts.insert(
                at,
                Part {
                    path: dir.path().join(name),
                    label: format!("audit/{name}"),
                    finished: true,
                    start: 0,
                },
            );
        }
        for threshold in [0, u64::MAX] {
            let err = scan
                .read_parts_over::<Calls>(&parts, merge, threshold, 700)
                .err()
                .unwrap();
            assert!(format!("{err:#}").contains("2026-05-40.jsonl"), "{err:#}");
        }
    }

    /// Every line the fast path answers for, it answers as serde_json does:
    /// checked on well-formed lines of many shapes and on every one-byte
    /// deletion and several one-byte substitutions of each.
    #[test]
    fn the_fast_path_agrees_with_serde_json() {
        let base = [
            r#"{"id":"r-1","ts":"2026-05-24T08:00:00.123Z","kind":"inference.recorded","details":{"route":"a","escalated":true,"cost_usd":0.00123,"tokens":7,"delta":-3}}"#,
            r#"{"id": "r-2", "ts": "2026-05-24T08:00:00Z", "kind": "inference.recorded", "details": {"route": "b", "note": "x \"y\" \u00e9 é", "tags": ["p", "q"], "inner": {"a": 4, "b": null}}}"#,
            r#"{"ts":"2026-05-23T08:00:00.000Z","kind":"inference.recorded","details":{"route":"old"}}"#,
            r#"{"ts":"2026-05-24T08:00:00.000Z","kind":"other.kind","details":{"route":"c","cost_usd":1e-3,"tokens":18446744073709551615}}"#,
            r#"{"ts":"2026-05-24T08:00:00.000Z","kind":"not.wanted","details":{"route":1}}"#,
            r#"{"ts":"yesterday","kind":"inference.recorded","details":{"route":"d"}}"#,
            r#"{"ts":"2026-05-24T10:00:00+02:00","kind":"inference.recorded","details":{"route":"e","inner":{"a":3}}}"#,
            r#"{"correlation_key":"probe:x","ts":"2026-05-24T08:00:00.000Z","kind":"inference.recorded","details":{"route":"f","delta":-5,"cost_usd":-0.0,"extra":{"deep":[[[{}]]],"n":[1.5e+10,-2E-3,0,-0]}}}"#,
        ];
        let mut lines: Vec<Vec<u8>> = Vec::new();
        for line in base {
            let b = line.as_bytes();
            lines.push(b.to_vec());
            for i in 0..b.len() {
                let mut cut = b.to_vec();
                cut.remove(i);
                lines.push(cut);
                for c in [b'"', b'\\', b',', b'}', b'0', b' ', b'\t', b'x', 0xff] {
                    let mut sub = b.to_vec();
                    sub[i] = c;
                    lines.push(sub);
                }
            }
        }
        // Details that do not fit go back to serde_json (300 in a u8; and
        // serde_json reads `-0` as a float, which an i64 refuses).
        lines.push(
            br#"{"ts":"2026-05-24T08:00:00Z","kind":"inference.recorded","details":{"route":"e","inner":{"a":300}}}"#.to_vec(),
        );
        lines.push(
            br#"{"ts":"2026-05-24T08:00:00Z","kind":"inference.recorded","details":{"route":"e","delta":-0}}"#.to_vec(),
        );
        let answered = lines
            .iter()
            .filter(|line| fast_path_agrees(line).unwrap_or_else(|e| panic!("{e}")))
            .count();
        // Most mutations break the line; the fast path still answers for a
        // good share (1,933 of 9,748 when written).
        assert!(answered > lines.len() / 8, "{answered} of {}", lines.len());
        for line in base {
            assert_eq!(fast_path_agrees(line.as_bytes()), Ok(true), "{line}");
        }
    }

    #[test]
    fn selects_by_own_time_across_neighbouring_segments_in_either_spacing() {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| fs::write(dir.path().join(name), text).unwrap();
        // Too old to be read at all (outside the window widened by a day).
        w(
            "2026-05-20.jsonl",
            "{\"ts\":\"2026-05-22T10:00:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"never\"}}\n",
        );
        // Yesterday's segment with a late row inside the window and one before it.
        w(
            "2026-05-22.jsonl",
            concat!(
                "{\"ts\":\"2026-05-22T07:59:59.999Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"early\"}}\n",
                "{\"ts\": \"2026-05-23T09:00:00Z\", \"kind\": \"inference.recorded\", \"details\": {\"route\": \"late\", \"escalated\": true}}\n",
            ),
        );
        w(
            "2026-05-23.jsonl",
            concat!(
                "{\"ts\":\"2026-05-23T12:00:00.5Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"a\\u00e9\"}}\n",
                "{\"ts\":\"2026-05-22T08:00:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"edge\"}}\n",
                "{\"ts\":\"2026-05-23T12:00:00Z\",\"kind\":\"notification.dispatched\",\"details\":{\"ref\":\"inference.recorded\"}}\n",
                "{\"ts\":\"2026-05-23T12:00:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"model\":\"m\"}}\n",
                "not json \"inference.recorded\"\n",
                "\n",
                "{\"ts\":\"2026-05-23+01:00\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"x\"}}\n",
                "{\"ts\":\"2026-05-23T14:00:00+02:00\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"offset\"}}\n",
            ),
        );
        // Tomorrow's segment (a skewed writer): its in-window row counts.
        w(
            "2026-05-24.jsonl",
            "{\"ts\":\"2026-05-23T08:00:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"skewed\"}}\n{\"ts\":\"2026-05-23T08:00:00.001Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"after\"}}\n",
        );
        let window = Window::ending(t("2026-05-23T08:00:00Z"), TimeDelta::hours(24));
        let kinds = ["inference.recorded"];
        let mut scan = WindowScan::new(dir.path(), t("2026-05-23T08:00:00Z"), &kinds, window);
        assert_eq!(
            scan.segments().unwrap(),
            ["2026-05-22.jsonl", "2026-05-23.jsonl", "2026-05-24.jsonl"]
        );
        let mut calls = Calls::default();
        let report = scan.run(&[], &mut calls).unwrap();
        let routes: Vec<&str> = calls.seen.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(routes, ["edge", "skewed"]);
        assert_eq!(report.rows, [2]);
        // early, late, aé, offset, after, and the row without a route: its
        // time is outside the window, so its details are not examined.
        assert_eq!(report.outside, 6);
        assert_eq!(report.skipped, 2, "{:?}", report.warnings);
        assert_eq!(
            (report.first_ms, report.last_ms),
            (
                Some(t("2026-05-22T08:00:00Z").timestamp_millis()),
                Some(t("2026-05-23T08:00:00Z").timestamp_millis())
            )
        );
        // Widen the window: out-of-order, late and offset rows are all selected.
        let window = Window {
            since: t("2026-05-22T08:00:00Z"),
            until: t("2026-05-23T23:59:59Z"),
        };
        let mut scan = WindowScan::new(dir.path(), t("2026-05-24T00:00:00Z"), &kinds, window);
        let mut calls = Calls::default();
        let report = scan.run(&[], &mut calls).unwrap();
        let routes: Vec<&str> = calls.seen.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(routes, ["late", "aé", "edge", "offset", "skewed", "after"]);
        assert!(calls.seen[0].3);
        assert_eq!(calls.seen[3].1, "2026-05-23T12:00:00.000Z");
        assert_eq!(report.skipped, 3, "{:?}", report.warnings);
        assert!(
            report.warnings[0].starts_with("audit/2026-05-23.jsonl: byte "),
            "{:?}",
            report.warnings
        );
        assert!(
            report.warnings[0].contains("details do not fit"),
            "{:?}",
            report.warnings
        );
        assert!(
            report.warnings[2].contains("not an RFC 3339"),
            "{:?}",
            report.warnings
        );
        assert_eq!(report.files.len(), 3);
    }

    /// Keys in any order: `details` before `ts` is parsed and then judged by
    /// time; after `ts` (or a kind not wanted) it is passed over unparsed.
    #[test]
    fn details_are_parsed_only_for_rows_that_can_be_selected() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("2026-05-23.jsonl"),
            concat!(
                "{\"details\":{\"route\":\"first\"},\"kind\":\"inference.recorded\",\"ts\":\"2026-05-23T07:00:00Z\"}\n",
                "{\"ts\":\"2026-05-20T07:00:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":7}}\n",
                "{\"kind\":\"probe.observed\",\"ts\":\"2026-05-23T07:00:00Z\",\"details\":{\"note\":\"inference.recorded\",\"route\":[]}}\n",
                "{\"details\":{\"route\":7},\"ts\":\"2026-05-20T07:00:00Z\",\"kind\":\"inference.recorded\"}\n",
                "{\"ts\":\"2026-05-23T07:30:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"b\"},\"ts2\":1}\n",
                "{\"ts\":\"2026-05-23T07:40:00Z\",\"kind\":\"inference.recorded\"}\n",
                "{\"ts\":\"2026-05-23T07:50:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"c\"}} x\n",
            ),
        )
        .unwrap();
        let window = Window::ending(t("2026-05-23T08:00:00Z"), TimeDelta::hours(24));
        let kinds = ["inference.recorded"];
        let mut scan = WindowScan::new(dir.path(), t("2026-05-23T08:00:00Z"), &kinds, window);
        let mut calls = Calls::default();
        let report = scan.run(&[], &mut calls).unwrap();
        let routes: Vec<&str> = calls.seen.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(routes, ["first", "b"]);
        // Line 2: ruled out by its time before its (bad) details. Line 4:
        // details first, so they are parsed, and do not fit. Line 6: no
        // details. Line 7: trailing garbage.
        assert_eq!(report.outside, 1);
        assert_eq!(report.skipped, 3, "{:?}", report.warnings);
        assert!(
            report.warnings[0].contains("details do not fit"),
            "{:?}",
            report.warnings
        );
        assert!(
            report.warnings[1].contains("details"),
            "{:?}",
            report.warnings
        );
    }

    #[test]
    fn inputs_are_read_like_segments() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        fs::create_dir(&input).unwrap();
        fs::write(input.join("b.jsonl"), "{\"ts\":\"2026-05-23T01:00:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"b\"}}\n").unwrap();
        fs::write(input.join("a.jsonl"), "{\"ts\":\"2026-05-23T01:00:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"a\"}}\n{\"ts\":\"2026-05-23T02:00:00Z\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"torn\"}}").unwrap();
        fs::write(input.join("notes.txt"), "{}\n").unwrap();
        let window = Window::ending(t("2026-05-23T08:00:00Z"), TimeDelta::hours(24));
        let kinds = ["inference.recorded"];
        let mut scan = WindowScan::new(
            &dir.path().join("audit"),
            t("2026-05-23T08:00:00Z"),
            &kinds,
            window,
        );
        let mut calls = Calls::default();
        let report = scan.run(std::slice::from_ref(&input), &mut calls).unwrap();
        let routes: Vec<&str> = calls.seen.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(routes, ["a", "b"]);
        assert_eq!(report.skipped, 1);
        assert!(report.warnings[0].contains("torn"), "{:?}", report.warnings);
        let err = scan
            .run(&[dir.path().join("missing")], &mut calls)
            .unwrap_err();
        assert!(err.to_string().contains("cannot read input"), "{err}");
    }

    #[test]
    fn fast_times_agree_with_chrono() {
        for ts in [
            "2026-05-23T08:00:00Z",
            "2026-05-23T08:00:00.1Z",
            "2026-05-23T08:00:00.123456Z",
            "2024-02-29T23:59:59.999Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-05-23T10:00:00+02:00",
        ] {
            let want = DateTime::parse_from_rfc3339(ts).unwrap().timestamp_millis();
            assert_eq!(ts_millis(ts), Some(want), "{ts}");
        }
        for bad in [
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-05-23",
            "2026-05-23T24:00:00Z",
            "2026-05-23T08:00:00.Z",
            "",
        ] {
            assert_eq!(ts_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn window_reads_neighbouring_days_only() {
        let w = Window::ending(t("2026-05-24T00:30:00Z"), TimeDelta::hours(1));
        assert!(!w.reads_segment("2026-05-21.jsonl"));
        assert!(w.reads_segment("2026-05-22.jsonl"));
        assert!(w.reads_segment("2026-05-25.jsonl"));
        assert!(!w.reads_segment("2026-05-26.jsonl"));
        assert!(w.contains(w.since) && w.contains(w.until));
        assert!(!w.contains(w.until + TimeDelta::milliseconds(1)));
    }
}
