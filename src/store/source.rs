//! Entity sources (design §8 "Sources", §9 active sessions): a `file` (JSON Lines
//! or one JSON array, told apart by the first byte), a `dir` (one JSON object
//! per `*.json` file, in name order) or a `command` (an argv run without a
//! shell, bounded by a timeout, its process group killed, printing either
//! form). Entities stream through one at a time, so ten million of them read
//! in bounded memory: a JSON array is split into its elements as the bytes
//! arrive, never loaded whole.
//!
//! A row that is not a JSON object is counted, the first few reported by their
//! position (line, element or file), and skipped. A source that cannot be read
//! to its end — an unreadable file or directory, a command that did not start,
//! exited non-zero, was killed or timed out, output cut inside a JSON array —
//! is a [`SourceError`], so a caller never mistakes half a source for all of it.
//!
//! Child handling is [`crate::store::process`]'s (a leaf module that imports nothing
//! from the crate), never re-implemented here.

use std::ffi::OsStr;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::store::process;

/// The largest row accepted; a longer one is a bad row (read and dropped).
pub const MAX_ROW_BYTES: usize = 16 << 20;
/// How many bad rows are kept with their position (all are counted).
pub const FIRST_BAD_KEPT: usize = 5;
/// The most standard error kept from a failed command, for its message.
const STDERR_LIMIT: usize = 4096;
const CHUNK: usize = 64 << 10;

/// Where entities come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Dir(PathBuf),
    Command(CommandSource),
}

/// A command printing entities on standard output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSource {
    /// argv; `argv[0]` is looked up on `PATH`. Never run through a shell.
    pub argv: Vec<String>,
    pub timeout: Duration,
    /// Working directory (the state root, so relative paths mean the same as
    /// for `file` and `dir`).
    pub cwd: Option<PathBuf>,
    /// Environment variables not passed on (the secrets tend holds).
    pub hide_env: Vec<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Dir(p) => write!(f, "dir {}", p.display()),
            Source::Command(c) => write!(f, "command {}", c.argv.first().map_or("", |s| s)),
        }
    }
}

/// The position of a row in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// A JSON Lines row, by 1-based line number.
    Line(u64),
    /// An element of a JSON array, by 0-based index, and the line it starts on.
    Element { index: u64, line: u64 },
    /// One file of a `dir` source.
    File(String),
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Line(n) => write!(f, "line {n}"),
            At::Element { index, line } => write!(f, "element {index} (line {line})"),
            At::File(name) => write!(f, "file {name}"),
        }
    }
}

/// A row that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub at: At,
    pub reason: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.reason)
    }
}

/// Skipped rows: all counted, the first [`FIRST_BAD_KEPT`] kept. Callers add
/// their own (an entity without its id field) through [`BadRows::record`], so
/// one report says everything that was skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadRows {
    pub count: u64,
    pub first: Vec<BadRow>,
}

impl BadRows {
    pub fn record(&mut self, at: At, reason: impl Into<String>) {
        self.count += 1;
        if self.first.len() < FIRST_BAD_KEPT {
            self.first.push(BadRow {
                at,
                reason: reason.into(),
            });
        }
    }

    /// One line for humans: "3 bad rows (line 4: not JSON …; …)".
    pub fn summary(&self) -> String {
        let shown: Vec<String> = self.first.iter().map(ToString::to_string).collect();
        let more = if self.count > self.first.len() as u64 {
            format!("; {} more", self.count - self.first.len() as u64)
        } else {
            String::new()
        };
        let noun = if self.count == 1 { "row" } else { "rows" };
        format!("{} bad {noun} ({}{more})", self.count, shown.join("; "))
    }
}

/// What a completed read saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Entities handed to the visitor.
    pub entities: u64,
    pub bad: BadRows,
    /// The visitor stopped the read early.
    pub stopped: bool,
}

/// A source that could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}: {error}", path = path.display())]
    Unreadable { path: PathBuf, error: io::Error },
    #[error("command {program:?} did not start: {reason}")]
    NotStarted { program: String, reason: String },
    #[error("command {program:?} {how}{stderr}", stderr = stderr_suffix(stderr))]
    CommandFailed {
        program: String,
        how: String,
        stderr: String,
    },
    #[error("command {program:?} timed out after {}s and was killed", timeout.as_secs_f64())]
    TimedOut { program: String, timeout: Duration },
    #[error(
        "{source_name}: the output ended inside a JSON array (after {elements} element{})",
        if *elements == 1 { "" } else { "s" }
    )]
    Truncated { source_name: String, elements: u64 },
    #[error("{source_name}: {at}: {reason}")]
    Malformed {
        source_name: String,
        at: At,
        reason: String,
    },
}

/// The first few non-empty lines of a failed command's standard error, on
/// one line (psql and sqlite3 put the error first, then its context).
fn stderr_excerpt(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    let mut excerpt = lines.join(" | ");
    if excerpt.len() > 400 {
        let mut cut = 400;
        while !excerpt.is_char_boundary(cut) {
            cut -= 1;
        }
        excerpt.truncate(cut);
        excerpt.push('…');
    }
    excerpt
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

/// Reads every entity of `source`, handing each to `visit` with its position,
/// until the end or until `visit` breaks. Relative paths are taken from `root`.
pub fn read<F>(source: &Source, root: &Path, mut visit: F) -> Result<Report, SourceError>
where
    F: FnMut(&At, Map<String, Value>) -> ControlFlow<()>,
{
    read_rows(source, root, |at, row| {
        parse_object(row).map(|map| visit(at, map))
    })
}

/// Reads every row of `source` as its raw bytes (one line, array element or
/// file, without a trailing `\r`), for a caller that parses rows its own way
/// (a typed, borrowing row instead of a [`Map`]). `visit` returns why a row
/// is bad, and the row is then counted and reported by its position like a
/// row that is not JSON; only rows it accepts count as entities.
pub fn read_rows<F>(source: &Source, root: &Path, mut visit: F) -> Result<Report, SourceError>
where
    F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
{
    match source {
        Source::File(path) => {
            let path = root.join(path);
            let file = open_source_file(&path).map_err(|error| SourceError::Unreadable {
                path: path.clone(),
                error,
            })?;
            read_stream(file, &path.display().to_string(), &mut visit).map_err(|e| match e {
                StreamError::Io(error) => SourceError::Unreadable { path, error },
                StreamError::Source(e) => e,
            })
        }
        Source::Dir(dir) => read_dir(&root.join(dir), &mut visit),
        Source::Command(command) => read_command(command, root, &mut visit),
    }
}

enum StreamError {
    Io(io::Error),
    Source(SourceError),
}

fn read_dir<F>(dir: &Path, visit: &mut F) -> Result<Report, SourceError>
where
    F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
{
    let unreadable = |error| SourceError::Unreadable {
        path: dir.to_path_buf(),
        error,
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name();
        if let Some(name) = name.to_str()
            && name.ends_with(".json")
            && !name.starts_with('.')
        {
            names.push(name.to_string());
        }
    }
    names.sort_unstable();
    let mut report = Report::default();
    for name in names {
        let path = dir.join(&name);
        let at = At::File(name);
        let bytes = match read_capped(&path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                report
                    .bad
                    .record(at, format!("larger than {MAX_ROW_BYTES} bytes"));
                continue;
            }
            // Removed between listing and opening: it is simply gone.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(SourceError::Unreadable { path, error }),
        };
        if hand_over(&mut report, at, &bytes, visit).is_break() {
            report.stopped = true;
            break;
        }
    }
    Ok(report)
}

/// Opens a source file for reading. A link is followed (a source may live
/// anywhere), but only a regular file is read: a FIFO without a writer would
/// block the run forever while it holds its lock, and a device may never end.
/// The open itself does not block on a FIFO (`O_NONBLOCK`, which regular files
/// ignore).
fn open_source_file(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it is {}, not a regular file (read a program's output with {{ command = [...] }})",
                super::file::describe(file_type)
            ),
        ));
    }
    Ok(file)
}

/// A file's bytes, or None when it is larger than a row may be.
fn read_capped(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let file = open_source_file(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_ROW_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() <= MAX_ROW_BYTES).then_some(bytes))
}

fn read_command<F>(
    command: &CommandSource,
    root: &Path,
    visit: &mut F,
) -> Result<Report, SourceError>
where
    F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
{
    let Some((program, args)) = command.argv.split_first() else {
        return Err(SourceError::NotStarted {
            program: String::new(),
            reason: "the command is empty".into(),
        });
    };
    let cwd = command.cwd.as_deref().unwrap_or(root);
    let mut child = process::spawn_streaming(process::Spec {
        program: OsStr::new(program),
        args,
        cwd: Some(cwd),
        hide_env: &command.hide_env,
        stdin: None,
        timeout: command.timeout,
        stdout_limit: 0,
        stderr_limit: STDERR_LIMIT,
    })
    .map_err(|reason| SourceError::NotStarted {
        program: program.clone(),
        reason,
    })?;
    let name = format!("command {program:?}");
    let streamed = match read_stream(&mut child, &name, visit) {
        Ok(report) if report.stopped => {
            // The visitor wanted no more: the child is ended, its status moot.
            drop(child);
            return Ok(report);
        }
        other => other,
    };
    let finished = child.finish();
    let stderr = stderr_excerpt(&finished.stderr);
    // How the child ended decides first: output cut short by a kill or a
    // failure is reported as that, not as the truncation it caused.
    match finished.end {
        process::End::Exited(0) => {}
        process::End::Exited(code) => {
            return Err(SourceError::CommandFailed {
                program: program.clone(),
                how: format!("exited with status {code}"),
                stderr,
            });
        }
        process::End::Signaled(signal) => {
            return Err(SourceError::CommandFailed {
                program: program.clone(),
                how: format!("was killed by signal {signal}"),
                stderr,
            });
        }
        process::End::TimedOut(timeout) => {
            return Err(SourceError::TimedOut {
                program: program.clone(),
                timeout,
            });
        }
        process::End::NotStarted(reason) => {
            return Err(SourceError::NotStarted {
                program: program.clone(),
                reason,
            });
        }
    }
    streamed.map_err(|e| match e {
        StreamError::Io(error) => SourceError::CommandFailed {
            program: program.clone(),
            how: format!("could not be read: {error}"),
            stderr: String::new(),
        },
        StreamError::Source(e) => e,
    })
}

/// Reads entities from any byte stream (JSON Lines or one or more JSON arrays).
/// `name` names the stream in errors.
pub fn read_reader<R: Read, F>(reader: R, name: &str, mut visit: F) -> Result<Report, SourceError>
where
    F: FnMut(&At, Map<String, Value>) -> ControlFlow<()>,
{
    let mut visit = |at: &At, row: &[u8]| parse_object(row).map(|map| visit(at, map));
    read_stream(reader, name, &mut visit).map_err(|e| match e {
        StreamError::Io(error) => SourceError::Unreadable {
            path: PathBuf::from(name),
            error,
        },
        StreamError::Source(e) => e,
    })
}

fn read_stream<R: Read, F>(mut reader: R, name: &str, visit: &mut F) -> Result<Report, StreamError>
where
    F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
{
    let mut splitter = Splitter::new(name);
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StreamError::Io(e)),
        };
        if splitter
            .feed(&buf[..n], visit)
            .map_err(StreamError::Source)?
            .is_break()
        {
            splitter.report.stopped = true;
            return Ok(splitter.report);
        }
    }
    splitter.finish(visit).map_err(StreamError::Source)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing but whitespace seen yet.
    Undecided,
    Lines,
    /// Between elements of an array (or before its first).
    ArrayGap {
        /// A comma was seen since the last element: an element must follow.
        after_comma: bool,
        /// The array has at least one element.
        any: bool,
    },
    /// Inside an element, at `depth` of nested brackets within it.
    ArrayElement {
        depth: u32,
        in_string: bool,
        escaped: bool,
    },
    /// After an array's closing bracket: only whitespace or another array.
    AfterArray,
}

/// Splits a byte stream into rows as it arrives.
struct Splitter<'n> {
    name: &'n str,
    mode: Mode,
    /// The row being assembled (a partial line or element).
    row: Vec<u8>,
    /// The row went past MAX_ROW_BYTES: its bytes are dropped until its end.
    overflow: bool,
    /// 1-based line number of the next byte.
    line: u64,
    /// The line the row being assembled started on.
    row_line: u64,
    /// Next array element index (continues across arrays).
    index: u64,
    report: Report,
}

impl<'n> Splitter<'n> {
    fn new(name: &'n str) -> Splitter<'n> {
        Splitter {
            name,
            mode: Mode::Undecided,
            row: Vec::new(),
            overflow: false,
            line: 1,
            row_line: 1,
            index: 0,
            report: Report::default(),
        }
    }

    fn feed<F>(&mut self, mut bytes: &[u8], visit: &mut F) -> Result<ControlFlow<()>, SourceError>
    where
        F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
    {
        if self.mode == Mode::Undecided {
            let skip = bytes
                .iter()
                .take_while(|b| {
                    b.is_ascii_whitespace() || **b == 0xEF || **b == 0xBB || **b == 0xBF
                })
                .count();
            self.line += bytes[..skip].iter().filter(|b| **b == b'\n').count() as u64;
            bytes = &bytes[skip..];
            match bytes.first() {
                None => return Ok(ControlFlow::Continue(())),
                Some(b'[') => {
                    self.mode = Mode::ArrayGap {
                        after_comma: false,
                        any: false,
                    };
                    bytes = &bytes[1..];
                }
                Some(_) => {
                    self.mode = Mode::Lines;
                    self.row_line = self.line;
                }
            }
        }
        if self.mode == Mode::Lines {
            self.feed_lines(bytes, visit)
        } else {
            self.feed_array(bytes, visit)
        }
    }

    fn push_row(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        if self.row.len() + bytes.len() > MAX_ROW_BYTES {
            self.overflow = true;
            self.row = Vec::new();
        } else {
            self.row.extend_from_slice(bytes);
        }
    }

    fn feed_lines<F>(&mut self, bytes: &[u8], visit: &mut F) -> Result<ControlFlow<()>, SourceError>
    where
        F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
    {
        let mut rest = bytes;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            let flow = if self.row.is_empty() && !self.overflow && i <= MAX_ROW_BYTES {
                // The whole line is in this chunk: no copy.
                self.line_row(At::Line(self.row_line), &rest[..i], visit)
            } else {
                self.push_row(&rest[..i]);
                self.end_line(visit)
            };
            rest = &rest[i + 1..];
            self.line += 1;
            self.row_line = self.line;
            if flow.is_break() {
                return Ok(flow);
            }
        }
        self.push_row(rest);
        Ok(ControlFlow::Continue(()))
    }

    /// Hands over the line assembled in `row` (blank lines are not rows).
    fn end_line<F>(&mut self, visit: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
    {
        let at = At::Line(self.row_line);
        if std::mem::take(&mut self.overflow) {
            self.report
                .bad
                .record(at, format!("longer than {MAX_ROW_BYTES} bytes"));
            return ControlFlow::Continue(());
        }
        let row = std::mem::take(&mut self.row);
        let flow = self.line_row(at, &row, visit);
        self.row = row;
        self.row.clear();
        flow
    }

    /// Hands over one complete line (blank lines are not rows).
    fn line_row<F>(&mut self, at: At, row: &[u8], visit: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
    {
        if row.iter().all(u8::is_ascii_whitespace) {
            return ControlFlow::Continue(());
        }
        hand_over(&mut self.report, at, row, visit)
    }

    fn feed_array<F>(&mut self, bytes: &[u8], visit: &mut F) -> Result<ControlFlow<()>, SourceError>
    where
        F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
    {
        // `start` marks where the current element's bytes begin in `bytes`.
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match &mut self.mode {
                Mode::ArrayGap { after_comma, any } => match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    b',' if !*after_comma && *any => *after_comma = true,
                    b']' if !*after_comma => self.mode = Mode::AfterArray,
                    b',' | b']' => {
                        let at = At::Element {
                            index: self.index,
                            line: self.line,
                        };
                        self.index += 1;
                        self.report.bad.record(at, "empty element");
                        if b == b']' {
                            self.mode = Mode::AfterArray;
                        } else {
                            *after_comma = true;
                        }
                    }
                    _ => {
                        self.row_line = self.line;
                        self.mode = Mode::ArrayElement {
                            depth: 0,
                            in_string: false,
                            escaped: false,
                        };
                        start = i;
                        continue;
                    }
                },
                Mode::ArrayElement {
                    depth,
                    in_string,
                    escaped,
                } => {
                    if *in_string {
                        if *escaped {
                            *escaped = false;
                        } else if b == b'\\' {
                            *escaped = true;
                        } else if b == b'"' {
                            *in_string = false;
                        } else if b == b'\n' {
                            self.line += 1;
                        }
                    } else {
                        match b {
                            b'"' => *in_string = true,
                            b'{' | b'[' => *depth += 1,
                            b'}' | b']' if *depth > 0 => *depth -= 1,
                            b',' | b']' if *depth == 0 => {
                                self.push_row(&bytes[start..i]);
                                let flow = self.end_element(visit);
                                self.mode = if b == b',' {
                                    Mode::ArrayGap {
                                        after_comma: true,
                                        any: true,
                                    }
                                } else {
                                    Mode::AfterArray
                                };
                                if flow.is_break() {
                                    return Ok(flow);
                                }
                            }
                            b'\n' => self.line += 1,
                            _ => {}
                        }
                    }
                }
                Mode::AfterArray => match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    // sqlite3 prints one array per statement.
                    b'[' => {
                        self.mode = Mode::ArrayGap {
                            after_comma: false,
                            any: false,
                        }
                    }
                    _ => {
                        return Err(SourceError::Malformed {
                            source_name: self.name.to_string(),
                            at: At::Element {
                                index: self.index,
                                line: self.line,
                            },
                            reason: format!(
                                "unexpected {:?} after the end of a JSON array",
                                char::from(b)
                            ),
                        });
                    }
                },
                // Not reached: feed_array runs only in the array modes.
                Mode::Undecided | Mode::Lines => {}
            }
            i += 1;
        }
        if matches!(self.mode, Mode::ArrayElement { .. }) {
            self.push_row(&bytes[start..]);
        }
        Ok(ControlFlow::Continue(()))
    }

    fn end_element<F>(&mut self, visit: &mut F) -> ControlFlow<()>
    where
        F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
    {
        let at = At::Element {
            index: self.index,
            line: self.row_line,
        };
        self.index += 1;
        if std::mem::take(&mut self.overflow) {
            self.report
                .bad
                .record(at, format!("longer than {MAX_ROW_BYTES} bytes"));
            return ControlFlow::Continue(());
        }
        let row = std::mem::take(&mut self.row);
        let flow = hand_over(&mut self.report, at, &row, visit);
        self.row = row;
        self.row.clear();
        flow
    }

    fn finish<F>(mut self, visit: &mut F) -> Result<Report, SourceError>
    where
        F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
    {
        match self.mode {
            Mode::Undecided | Mode::AfterArray => {}
            // A last line without its newline is still a row.
            Mode::Lines => {
                if self.end_line(visit).is_break() {
                    self.report.stopped = true;
                }
            }
            Mode::ArrayGap { .. } | Mode::ArrayElement { .. } => {
                return Err(SourceError::Truncated {
                    source_name: self.name.to_string(),
                    elements: self.index,
                });
            }
        }
        Ok(self.report)
    }
}

/// Hands one row to the visitor without its trailing `\r`, counting it as an
/// entity or recording why it is bad.
fn hand_over<F>(report: &mut Report, at: At, row: &[u8], visit: &mut F) -> ControlFlow<()>
where
    F: FnMut(&At, &[u8]) -> Result<ControlFlow<()>, String>,
{
    let row = row.strip_suffix(b"\r").unwrap_or(row);
    match visit(&at, row) {
        Ok(flow) => {
            report.entities += 1;
            flow
        }
        Err(reason) => {
            report.bad.record(at, reason);
            ControlFlow::Continue(())
        }
    }
}

/// A row's bytes as a JSON object, or why not.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    let trimmed = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    match serde_json::from_slice::<Value>(trimmed) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!("not a JSON object but {}", json_type(&other))),
        Err(e) => Err(format!("not JSON ({e})")),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
