//! A remembered read position in a segment directory (SPEC §5 step 1): the
//! segment, the byte offset, and a hash of the last line consumed, so that a
//! segment rewritten under the reader (truncated, or its last consumed line
//! changed) is detected rather than read from the middle of some other line.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::tail::{self, Position};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub segment: String,
    pub offset: u64,
    /// FNV-1a 64 of the line that ends at `offset` (without its newline);
    /// absent at offset 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_line_hash: Option<String>,
    pub updated_at: String,
}

/// What a saved cursor finds when it looks at the log again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Reading can go on from the cursor.
    Valid,
    /// The segment is gone (removed by `gc audit`): go on from the next one.
    SegmentMissing,
    /// The segment was rewritten: re-read it from its start.
    Rewritten(String),
}

impl Cursor {
    pub fn position(&self) -> Position {
        Position {
            segment: self.segment.clone(),
            offset: self.offset,
        }
    }

    /// A cursor at `position`, with the hash of the line that ends there.
    pub fn at(dir: &Path, position: &Position, updated_at: &str) -> io::Result<Cursor> {
        let last_line_hash = if position.offset == 0 || position.segment.is_empty() {
            None
        } else {
            Some(line_hash_before(
                &dir.join(&position.segment),
                position.offset,
            )?)
        };
        Ok(Cursor {
            segment: position.segment.clone(),
            offset: position.offset,
            last_line_hash,
            updated_at: updated_at.to_string(),
        })
    }

    /// Compares the cursor with the segment as it is now.
    pub fn check(&self, dir: &Path) -> io::Result<Check> {
        if self.segment.is_empty() {
            return Ok(Check::Valid);
        }
        let path = dir.join(&self.segment);
        let len = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Check::SegmentMissing),
            Err(e) => return Err(e),
        };
        if len < self.offset {
            return Ok(Check::Rewritten(format!(
                "{} is now {len} bytes, shorter than the cursor's offset {}",
                self.segment, self.offset
            )));
        }
        if let Some(expected) = &self.last_line_hash {
            let actual = line_hash_before(&path, self.offset);
            match actual {
                Ok(actual) if actual == *expected => {}
                Ok(_) => {
                    return Ok(Check::Rewritten(format!(
                        "the line before offset {} of {} has changed",
                        self.offset, self.segment
                    )));
                }
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    return Ok(Check::Rewritten(format!(
                        "offset {} of {} is no longer at the end of a line",
                        self.offset, self.segment
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Check::Valid)
    }
}

/// The position just after the last complete line of the last segment: where a
/// first run starts so that it replays nothing.
pub fn end_of_log(dir: &Path) -> io::Result<Position> {
    let Some(last) = tail::segments(dir)?.pop() else {
        return Ok(Position::default());
    };
    let mut file = File::open(dir.join(&last))?;
    let len = file.metadata()?.len();
    // Step back over an unterminated final line: it is not consumed yet.
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        if let Some(i) = memchr::memrchr(b'\n', &buf[..n]) {
            end = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    Ok(Position {
        segment: last,
        offset: end,
    })
}

/// The FNV-1a hash (hex) of the line ending just before `offset` (which must
/// follow a `\n`; `InvalidData` otherwise), read backwards in blocks.
pub fn line_hash_before(path: &Path, offset: u64) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut block = vec![0u8; 64 * 1024];
    let mut one = [0u8; 1];
    file.seek(SeekFrom::Start(offset - 1))?;
    file.read_exact(&mut one)?;
    if one[0] != b'\n' {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not at a line end",
        ));
    }
    // Find the start of the line: after the previous newline, or 0.
    let line_end = offset - 1;
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
    let mut hash = Fnv64::new();
    file.seek(SeekFrom::Start(start))?;
    let mut left = line_end - start;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        file.read_exact(&mut block[..n])?;
        hash.write(&block[..n]);
        left -= n as u64;
    }
    Ok(format!("{:016x}", hash.0))
}

/// FNV-1a, 64 bit: stable across versions and platforms, enough to notice a
/// changed line (not a security boundary).
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn end_of_log_skips_an_unterminated_line() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(end_of_log(dir.path()).unwrap(), Position::default());
        fs::write(dir.path().join("2026-01-01.jsonl"), "a\n").unwrap();
        fs::write(dir.path().join("2026-01-02.jsonl"), "b\ncc\npartial").unwrap();
        assert_eq!(
            end_of_log(dir.path()).unwrap(),
            Position {
                segment: "2026-01-02.jsonl".into(),
                offset: 5
            }
        );
    }

    #[test]
    fn detects_truncation_and_changed_lines() {
        let dir = tempfile::tempdir().unwrap();
        let seg = dir.path().join("2026-01-01.jsonl");
        fs::write(&seg, "first\nsecond\n").unwrap();
        let pos = Position {
            segment: "2026-01-01.jsonl".into(),
            offset: 13,
        };
        let cursor = Cursor::at(dir.path(), &pos, "t").unwrap();
        assert_eq!(cursor.check(dir.path()).unwrap(), Check::Valid);
        // Appending keeps it valid.
        fs::write(&seg, "first\nsecond\nthird\n").unwrap();
        assert_eq!(cursor.check(dir.path()).unwrap(), Check::Valid);
        // Same length, different last line.
        fs::write(&seg, "first\nSECOND\nthird\n").unwrap();
        assert!(matches!(
            cursor.check(dir.path()).unwrap(),
            Check::Rewritten(_)
        ));
        // Offset now inside a line.
        fs::write(&seg, "firstsecond-and-more\n").unwrap();
        assert!(matches!(
            cursor.check(dir.path()).unwrap(),
            Check::Rewritten(_)
        ));
        // Shorter.
        fs::write(&seg, "x\n").unwrap();
        assert!(
            matches!(cursor.check(dir.path()).unwrap(), Check::Rewritten(r) if r.contains("shorter"))
        );
        fs::remove_file(&seg).unwrap();
        assert_eq!(cursor.check(dir.path()).unwrap(), Check::SegmentMissing);
    }

    #[test]
    fn hashes_lines_longer_than_a_block() {
        let dir = tempfile::tempdir().unwrap();
        let seg = dir.path().join("2026-01-01.jsonl");
        let long = "y".repeat(200_000);
        fs::write(&seg, format!("a\n{long}\n")).unwrap();
        let pos = Position {
            segment: "2026-01-01.jsonl".into(),
            offset: 2 + long.len() as u64 + 1,
        };
        let cursor = Cursor::at(dir.path(), &pos, "t").unwrap();
        let mut changed = long.clone();
        changed.replace_range(0..1, "z");
        fs::write(&seg, format!("a\n{changed}\n")).unwrap();
        assert!(matches!(
            cursor.check(dir.path()).unwrap(),
            Check::Rewritten(_)
        ));
    }
}
