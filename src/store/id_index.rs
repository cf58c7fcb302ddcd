//! A persistent set of 16-byte ids (decision ids, design §8) over a directory of
//! JSON Lines segments (`decisions/YYYY-MM.jsonl`), with O(log n) lookup.
//!
//! The segments are the truth; the index only remembers what they hold. It
//! records how far it has read each segment (bytes, and a hash of the last
//! line read, as the audit cursor does), so opening it reads only what was
//! appended since — by this process, a run that was killed, or another writer —
//! and a segment rewritten under it (shorter, or its last read line changed)
//! makes it rebuild from scratch. A missing, unreadable or damaged index file
//! is rebuilt too: it is derived data, never quarantined.
//!
//! File layout (little endian): magic `TENDIDX1`; u32 segment count, then per
//! segment a u16-length name, u64 offset and u16-length last-line hash; u64 id
//! count and the ids, sorted; a u64 FNV-1a checksum of all that precedes it.
//! It is replaced atomically ([`super::atomic`]) and only ever after the rows
//! it indexes are durable.
//!
//! Ids added since the file was last written go to a delta file beside it
//! (`<index>.delta`), so that adding k ids costs O(k) I/O, not a rewrite of
//! every id: magic `TENDIDXD` and the checksum of the base file it extends,
//! then records appended one write and one fsync each: u64 body length, the
//! body (the coverage of every segment, as in the base, then u32 id count and
//! the ids) and its u64 checksum. Each record's coverage is the whole
//! coverage at that point, so the last whole record wins; a torn or damaged
//! record ends the delta (it and what follows are ignored, and its rows read
//! again from the segments, as after a kill). When the delta holds more than
//! an eighth of the base's ids, the base is rewritten with all of them and
//! the delta removed; a delta left behind names the old base's checksum and
//! is ignored.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use memchr::memmem;

use super::atomic;
use super::cursor::line_hash_before;
use super::tail::{self, Event, Position, Scanner};

pub type Id = [u8; 16];

const MAGIC: &[u8; 8] = b"TENDIDX1";
const DELTA_MAGIC: &[u8; 8] = b"TENDIDXD";
/// The delta is folded into the base once it holds more than 1/`MERGE_AT`
/// of the base's ids.
const MERGE_AT: usize = 8;

/// How far one segment has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Covered {
    offset: u64,
    /// Hash of the line ending at `offset` (a torn final line passed over
    /// included), as the audit cursor keeps it; empty at offset 0.
    last_line_hash: String,
}

/// A row the index read while catching up with its segments.
#[derive(Debug)]
pub struct CaughtUp<'a> {
    pub segment: &'a str,
    pub offset: u64,
    pub line: &'a [u8],
    pub id: Id,
    /// The id was not in the index before: written by a run that was killed
    /// before it saved the index, or by another writer.
    pub new: bool,
}

/// A line of a segment that holds no readable id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub segment: String,
    pub offset: u64,
    pub reason: String,
}

/// What opening (or refreshing) the index did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refresh {
    /// Why the index was rebuilt from scratch, when it was.
    pub rebuilt: Option<String>,
    /// Rows read from the segments.
    pub rows: u64,
    pub bad: Vec<BadLine>,
    /// Unterminated final lines of earlier segments, passed over.
    pub torn: Vec<(String, u64)>,
}

pub struct IdIndex {
    path: PathBuf,
    dir: PathBuf,
    /// The field holding each row's id, quoted: `"decision_id"`.
    key: Vec<u8>,
    /// The current segment's name (an unterminated last line there waits).
    current: String,
    sorted: Vec<Id>,
    /// Ids not in `sorted`: those of the delta file, and those added since.
    added: HashSet<Id>,
    /// The ids of `added` not yet in the delta file, in the order added.
    unsaved: Vec<Id>,
    covered: BTreeMap<String, Covered>,
    /// The base file's checksum, which the delta file names (None: no
    /// base file to extend: the next save writes one).
    base_sum: Option<u64>,
    /// The length of the delta file's whole records (None: no usable delta
    /// file: the next append starts one).
    delta_len: Option<u64>,
    dirty: bool,
}

impl IdIndex {
    /// Opens the index at `path` over the segments in `dir` whose rows carry
    /// their id (a UUID) in the top-level string field `field`, and brings it
    /// up to date. `current` is the current segment's name. `on_row` sees every
    /// row read while catching up (`new` tells the rows not yet indexed); a
    /// rebuild from scratch marks none new (there is nothing to tell them from).
    pub fn open(
        path: &Path,
        dir: &Path,
        field: &str,
        current: &str,
        on_row: impl FnMut(&CaughtUp<'_>),
    ) -> io::Result<(IdIndex, Refresh)> {
        let mut index = IdIndex {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
            key: format!("\"{field}\"").into_bytes(),
            current: current.to_string(),
            sorted: Vec::new(),
            added: HashSet::new(),
            unsaved: Vec::new(),
            covered: BTreeMap::new(),
            base_sum: None,
            delta_len: None,
            dirty: false,
        };
        let loaded = match fs::read(path) {
            Ok(bytes) => {
                decode(&bytes).map_err(|why| format!("{} is damaged ({why})", path.display()))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(format!("{} is missing", path.display()))
            }
            Err(e) => Err(format!("{} is unreadable ({e})", path.display())),
        };
        let mut rebuilt = None;
        match loaded {
            Ok((covered, sorted, sum)) => {
                index.covered = covered;
                index.sorted = sorted;
                index.base_sum = Some(sum);
                index.read_delta();
                if let Some(why) = index.rewritten()? {
                    rebuilt = Some(why);
                    index.covered.clear();
                    index.sorted.clear();
                    index.added.clear();
                    index.base_sum = None;
                }
            }
            Err(why) => rebuilt = Some(why),
        }
        let mut refresh = if rebuilt.is_some() {
            index.catch_up(|_| {}, true)?
        } else {
            index.catch_up(on_row, false)?
        };
        if rebuilt.is_some() {
            index.dirty = true;
        }
        refresh.rebuilt = rebuilt;
        Ok((index, refresh))
    }

    pub fn len(&self) -> usize {
        self.sorted.len() + self.added.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, id: &Id) -> bool {
        self.added.contains(id) || self.sorted.binary_search(id).is_ok()
    }

    /// Adds an id whose row has been appended to a segment.
    pub fn insert(&mut self, id: Id) {
        if !self.contains(&id) {
            self.added.insert(id);
            self.unsaved.push(id);
            self.dirty = true;
        }
    }

    /// Reads what was appended since the index last looked (the rows just
    /// written included), then, when anything changed, appends the new ids
    /// and coverage to the delta file, or rewrites the base file when there is
    /// none to extend or the delta has grown past its share.
    pub fn save(&mut self, on_row: impl FnMut(&CaughtUp<'_>)) -> io::Result<Refresh> {
        let refresh = self.catch_up(on_row, false)?;
        if self.dirty {
            match self.base_sum {
                Some(sum) if self.added.len() <= self.sorted.len() / MERGE_AT => {
                    self.append_delta(sum)?
                }
                _ => self.write_base()?,
            }
            self.unsaved.clear();
            self.dirty = false;
        }
        Ok(refresh)
    }

    fn delta_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".delta");
        PathBuf::from(name)
    }

    /// Replaces the base file with every id, then removes the delta (a delta
    /// left by a kill in between names the old base and is ignored).
    fn write_base(&mut self) -> io::Result<()> {
        self.merge();
        let bytes = self.encode();
        let sum = u64::from_le_bytes(bytes[bytes.len() - 8..].try_into().unwrap_or_default());
        atomic::write(&self.path, &bytes)?;
        self.base_sum = Some(sum);
        match fs::remove_file(self.delta_path()) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(super::file::context(e, "cannot remove", &self.delta_path())),
        }
        self.delta_len = None;
        Ok(())
    }

    /// Appends one record (the coverage now, the ids not yet saved) to the
    /// delta of the base whose checksum is `sum`: one write, one fsync.
    fn append_delta(&mut self, sum: u64) -> io::Result<()> {
        let path = self.delta_path();
        let context = |e: io::Error| super::file::context(e, "cannot write", &path);
        super::file::check_regular_or_missing(&path)?;
        let mut record = Vec::with_capacity(64 + self.unsaved.len() * 16);
        record.extend_from_slice(&0u64.to_le_bytes());
        self.encode_covered(&mut record);
        record.extend_from_slice(&(self.unsaved.len() as u32).to_le_bytes());
        for id in &self.unsaved {
            record.extend_from_slice(id);
        }
        let body_len = (record.len() - 8) as u64;
        record[..8].copy_from_slice(&body_len.to_le_bytes());
        let check = fnv1a(&record[8..]);
        record.extend_from_slice(&check.to_le_bytes());
        let (mut file, created) = match self.delta_len {
            Some(len) => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(context)?;
                // Whatever follows the whole records (a torn one) goes.
                file.set_len(len).map_err(context)?;
                (file, false)
            }
            None => {
                let file = File::create(&path).map_err(context)?;
                (file, true)
            }
        };
        let mut bytes = Vec::new();
        if created {
            bytes.extend_from_slice(DELTA_MAGIC);
            bytes.extend_from_slice(&sum.to_le_bytes());
        }
        bytes.extend_from_slice(&record);
        let start = self.delta_len.unwrap_or(0);
        let written = (|| {
            use std::io::{Seek, SeekFrom};
            file.seek(SeekFrom::Start(start))?;
            file.write_all(&bytes)?;
            file.sync_data()
        })();
        if let Err(e) = written {
            // The delta's end is unknown: the next save starts over.
            self.delta_len = None;
            return Err(context(e));
        }
        if created {
            atomic::sync_dir(super::atomic::parent(&path)).map_err(context)?;
        }
        self.delta_len = Some(start + bytes.len() as u64);
        Ok(())
    }

    /// Applies the delta file's whole records, if it extends the base read.
    fn read_delta(&mut self) {
        let Some(sum) = self.base_sum else { return };
        let Ok(bytes) = fs::read(self.delta_path()) else {
            return;
        };
        if bytes.len() < 16 || &bytes[..8] != DELTA_MAGIC || bytes[8..16] != sum.to_le_bytes() {
            return;
        }
        let mut at = 16;
        while let Some((covered, ids, next)) = delta_record(&bytes, at) {
            self.covered = covered;
            for id in ids.chunks_exact(16) {
                let mut one = [0u8; 16];
                one.copy_from_slice(id);
                if self.sorted.binary_search(&one).is_err() {
                    self.added.insert(one);
                }
            }
            at = next;
        }
        self.delta_len = Some(at as u64);
    }

    /// Why the recorded coverage no longer matches the segments, if it does not.
    fn rewritten(&self) -> io::Result<Option<String>> {
        for (name, covered) in &self.covered {
            let path = self.dir.join(name);
            let len = match fs::metadata(&path) {
                Ok(m) => m.len(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Ok(Some(format!("{} was removed", path.display())));
                }
                Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            };
            if len < covered.offset {
                return Ok(Some(format!("{} was cut shorter", path.display())));
            }
            if covered.offset > 0 {
                let (hash, _torn) = line_hash_before(&path, covered.offset)?;
                if hash != covered.last_line_hash {
                    return Ok(Some(format!("{} was rewritten", path.display())));
                }
            }
        }
        Ok(None)
    }

    /// Reads every segment from where the index stopped to its last complete line.
    fn catch_up(
        &mut self,
        mut on_row: impl FnMut(&CaughtUp<'_>),
        rebuilding: bool,
    ) -> io::Result<Refresh> {
        let mut refresh = Refresh::default();
        let names = tail::segments(&self.dir)?;
        let finder = memmem::Finder::new(&self.key).into_owned();
        let mut scanner = Scanner::new(&self.dir, &self.current, &[]);
        for name in names {
            let from = self.covered.get(&name).map_or(0, |c| c.offset);
            let mut reached = from;
            let mut any_new = false;
            let sorted = &self.sorted;
            let added = &mut self.added;
            let unsaved = &mut self.unsaved;
            let start = Position {
                segment: name.clone(),
                offset: from,
            };
            let result = scanner.scan(&start, |event| {
                match event {
                    Event::Line {
                        segment,
                        offset,
                        bytes,
                        next,
                    } => {
                        if segment != name {
                            return Ok(ControlFlow::Break(()));
                        }
                        reached = next;
                        refresh.rows += 1;
                        match extract_id(&finder, bytes) {
                            Ok(id) => {
                                let new =
                                    !added.contains(&id) && sorted.binary_search(&id).is_err();
                                on_row(&CaughtUp {
                                    segment,
                                    offset,
                                    line: bytes,
                                    id,
                                    new: new && !rebuilding,
                                });
                                if new {
                                    added.insert(id);
                                    // A rebuild writes the base file whole.
                                    if !rebuilding {
                                        unsaved.push(id);
                                    }
                                    any_new = true;
                                }
                            }
                            Err(reason) => refresh.bad.push(BadLine {
                                segment: segment.to_string(),
                                offset,
                                reason,
                            }),
                        }
                    }
                    Event::Torn {
                        segment,
                        offset,
                        len,
                    } => {
                        if segment != name {
                            return Ok(ControlFlow::Break(()));
                        }
                        reached = offset + len;
                        refresh.torn.push((segment.to_string(), offset));
                    }
                }
                Ok(ControlFlow::Continue(()))
            });
            result.map_err(io::Error::other)?;
            if any_new {
                self.dirty = true;
            }
            if reached != from {
                let (last_line_hash, _torn) = line_hash_before(&self.dir.join(&name), reached)?;
                self.covered.insert(
                    name.clone(),
                    Covered {
                        offset: reached,
                        last_line_hash,
                    },
                );
                self.dirty = true;
            }
            // Rebuilding a million rows: fold the additions in as they come
            // (a rebuild writes the base file whole).
            if rebuilding && self.added.len() > 1 << 16 {
                self.merge();
            }
        }
        Ok(refresh)
    }

    /// Folds `added` into `sorted`: the new ids sorted on their own, then
    /// one merge of two sorted runs (not a sort of everything).
    fn merge(&mut self) {
        if self.added.is_empty() {
            return;
        }
        let mut new: Vec<Id> = self.added.drain().collect();
        new.sort_unstable();
        let old = std::mem::take(&mut self.sorted);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut a, mut b) = (old.into_iter().peekable(), new.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x < y => a.next(),
                (Some(x), Some(y)) if x == y => {
                    b.next();
                    a.next()
                }
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            merged.extend(next);
        }
        self.sorted = merged;
    }

    fn encode_covered(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.covered.len() as u32).to_le_bytes());
        for (name, covered) in &self.covered {
            put_str(out, name);
            out.extend_from_slice(&covered.offset.to_le_bytes());
            put_str(out, &covered.last_line_hash);
        }
    }

    fn encode(&self) -> Vec<u8> {
        debug_assert!(self.added.is_empty(), "merge before encoding");
        let mut out = Vec::with_capacity(64 + self.sorted.len() * 16);
        out.extend_from_slice(MAGIC);
        self.encode_covered(&mut out);
        out.extend_from_slice(&(self.sorted.len() as u64).to_le_bytes());
        for id in &self.sorted {
            out.extend_from_slice(id);
        }
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Every id, sorted (for tests and `doctor`-style checks).
    pub fn ids(&mut self) -> &[Id] {
        self.merge();
        &self.sorted
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let bytes = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
    out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// The coverage, the sorted ids and the checksum of a base file.
type Decoded = (BTreeMap<String, Covered>, Vec<Id>, u64);

/// The delta record at `at`: its coverage, its ids (16 bytes each) and where
/// the next begins; None when it is torn or damaged (or the file ends).
fn delta_record(bytes: &[u8], at: usize) -> Option<(BTreeMap<String, Covered>, &[u8], usize)> {
    let len = u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?);
    let len = usize::try_from(len).ok()?;
    let body = bytes.get(at + 8..(at + 8).checked_add(len)?)?;
    let end = at + 8 + len;
    let sum = u64::from_le_bytes(bytes.get(end..end + 8)?.try_into().ok()?);
    if fnv1a(body) != sum {
        return None;
    }
    let mut r = Reader(body);
    let covered = decode_covered(&mut r).ok()?;
    let count = u32::from_le_bytes(r.array().ok()?) as usize;
    (r.0.len() == count.checked_mul(16)?).then_some((covered, r.0, end + 8))
}

fn decode_covered(r: &mut Reader<'_>) -> Result<BTreeMap<String, Covered>, String> {
    let segments = u32::from_le_bytes(r.array()?);
    let mut covered = BTreeMap::new();
    for _ in 0..segments {
        let name = r.string()?;
        if !tail::is_segment_name(&name) && !tail::is_monthly_segment_name(&name) {
            return Err(format!("bad segment name {name:?}"));
        }
        let offset = u64::from_le_bytes(r.array()?);
        let last_line_hash = r.string()?;
        covered.insert(
            name,
            Covered {
                offset,
                last_line_hash,
            },
        );
    }
    Ok(covered)
}

fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let body_len = bytes
        .len()
        .checked_sub(8)
        .ok_or_else(|| "too short".to_string())?;
    let (body, sum) = bytes.split_at(body_len);
    let sum = u64::from_le_bytes(sum.try_into().map_err(|_| "too short")?);
    if fnv1a(body) != sum {
        return Err("checksum mismatch".into());
    }
    let mut r = Reader(body);
    if r.take(8)? != MAGIC {
        return Err("not an id index".into());
    }
    let covered = decode_covered(&mut r)?;
    let count = u64::from_le_bytes(r.array()?);
    if r.0.len() as u64 != count.saturating_mul(16) {
        return Err("id count does not match the file size".into());
    }
    let mut sorted: Vec<Id> =
        r.0.chunks_exact(16)
            .map(|c| {
                let mut id = [0u8; 16];
                id.copy_from_slice(c);
                id
            })
            .collect();
    if !sorted.is_sorted() {
        sorted.sort_unstable();
    }
    Ok((covered, sorted, sum))
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("truncated".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn string(&mut self) -> Result<String, String> {
        let len = u16::from_le_bytes(self.array()?) as usize;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| "a name is not UTF-8".to_string())
    }
}

/// The id in a row: the first `"field"` key followed by a UUID string (the
/// fast path: no full parse), else the top-level field of the parsed row.
fn extract_id(finder: &memmem::Finder<'_>, line: &[u8]) -> Result<Id, String> {
    if let Some(at) = finder.find(line) {
        let rest = &line[at + finder.needle().len()..];
        let rest = trim_start(rest);
        if let Some(rest) = rest.strip_prefix(b":") {
            let rest = trim_start(rest);
            if rest.len() >= 38
                && rest[0] == b'"'
                && rest[37] == b'"'
                && let Ok(text) = std::str::from_utf8(&rest[1..37])
                && let Ok(id) = uuid::Uuid::try_parse(text)
            {
                return Ok(*id.as_bytes());
            }
        }
    }
    let field = std::str::from_utf8(&finder.needle()[1..finder.needle().len() - 1]).unwrap_or("");
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| format!("not JSON ({e})"))?;
    let text = value
        .get(field)
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("no string field {field:?}"))?;
    uuid::Uuid::try_parse(text)
        .map(|u| *u.as_bytes())
        .map_err(|e| format!("{field} {text:?} is not a UUID ({e})"))
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests;
