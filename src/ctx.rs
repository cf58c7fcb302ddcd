//! The context every handler receives: the root's paths, the validated
//! configuration, the clock, and the output writers (handlers never print
//! directly). Also the run record every state-changing command leaves in
//! `state/runs/<command>.json` (design §10).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::AuditLog;
use crate::clock::{Clock, format_ts};
use crate::command::Command;
use crate::config::Config;
use crate::exit::Exit;
use crate::store::lock::{self, CommandLock, Wait};
use crate::store::redact;
use crate::store::state;
use crate::terminal;

/// The paths of one state root (design §1).
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    pub fn new(dir: impl Into<PathBuf>) -> Root {
        Root { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A path relative to the root (absolute paths stay as they are).
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.dir.join(path)
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.join("tend.toml")
    }

    pub fn audit_dir(&self) -> PathBuf {
        self.dir.join("audit")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// `state/<name>`, e.g. `wake.cursor.json`.
    pub fn state_file(&self, name: &str) -> PathBuf {
        self.state_dir().join(name)
    }

    pub fn quarantine_dir(&self) -> PathBuf {
        self.state_dir().join("quarantine")
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.state_dir().join("runs")
    }

    pub fn locks_dir(&self) -> PathBuf {
        self.dir.join("locks")
    }

    pub fn proposals_dir(&self) -> PathBuf {
        self.dir.join("proposals")
    }

    pub fn observations_dir(&self) -> PathBuf {
        self.dir.join("observations")
    }

    pub fn decisions_dir(&self) -> PathBuf {
        self.dir.join("decisions")
    }

    /// No configuration file and no probes (neither in `probes.d/` nor in the
    /// configuration): almost certainly not the root the user meant.
    pub fn looks_unset_up(&self, config: &Config) -> bool {
        let probes_dir = self.resolve(&config.probes.dir);
        let has_probe_files = std::fs::read_dir(&probes_dir)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(false);
        config.source.is_none() && config.probe.is_empty() && !has_probe_files
    }

    pub fn silences_dir(&self) -> PathBuf {
        self.dir.join("silences")
    }

    /// Checks, before a command touches it, that the root exists and that
    /// this process may use it: read it, and for a command that `writes`,
    /// write in it. Another user than the root's owner gets one problem
    /// naming the owner, instead of a "Permission denied" per file.
    pub fn check(&self, writes: bool) -> Result<(), RootProblem> {
        use std::os::unix::fs::MetadataExt;
        let meta = match std::fs::metadata(&self.dir) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(RootProblem::Missing),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(self.unreachable());
            }
            Err(e) => return Err(RootProblem::Unreadable(e.to_string())),
        };
        if !meta.is_dir() {
            return Err(RootProblem::NotADirectory);
        }
        let me = crate::user::effective_uid();
        let owner = meta.uid();
        if owner == me {
            return self.check_layout();
        }
        let owner_name = crate::user::describe(owner);
        if me == 0 {
            return match writes {
                true => Err(RootProblem::SuperuserInOthers { owner: owner_name }),
                false => self.check_layout(),
            };
        }
        let mode = if writes {
            libc::R_OK | libc::W_OK | libc::X_OK
        } else {
            libc::R_OK | libc::X_OK
        };
        let dirs = [
            self.dir.clone(),
            self.state_dir(),
            self.runs_dir(),
            self.locks_dir(),
            self.audit_dir(),
        ];
        for path in dirs {
            if path.is_dir() && !may_access(&path, mode) {
                return Err(RootProblem::NoAccess {
                    owner: owner_name,
                    path,
                    writes,
                });
            }
        }
        self.check_layout()
    }

    /// Something else than a directory where the root keeps one: one error
    /// before any step of `tick`, not the same error from every step.
    fn check_layout(&self) -> Result<(), RootProblem> {
        for (path, what) in [
            (self.state_dir(), "its state files"),
            (self.runs_dir(), "the run records"),
            (self.locks_dir(), "the commands' locks"),
            (self.audit_dir(), "the audit log"),
        ] {
            match std::fs::metadata(&path) {
                Ok(meta) if !meta.is_dir() => {
                    let found = crate::store::file::describe(meta.file_type());
                    return Err(RootProblem::InTheWay { path, found, what });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The first directory on the way to the root this user may not enter.
    fn unreachable(&self) -> RootProblem {
        use std::os::unix::fs::MetadataExt;
        let blocked = self
            .dir
            .ancestors()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find(|dir| !may_access(dir, libc::X_OK))
            .unwrap_or(&self.dir)
            .to_path_buf();
        let owner = match std::fs::metadata(&blocked) {
            Ok(meta) => crate::user::describe(meta.uid()),
            Err(_) => "another user".into(),
        };
        RootProblem::Unreachable { blocked, owner }
    }
}

/// Whether this process's effective user may access `path` in `mode`.
fn may_access(path: &Path, mode: libc::c_int) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    unsafe { libc::faccessat(libc::AT_FDCWD, path.as_ptr(), mode, libc::AT_EACCESS) == 0 }
}

/// Where the root's path came from, to name it in an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootOrigin {
    /// `--root DIR`.
    Flag,
    /// `$TEND_ROOT`.
    Env,
}

/// Chooses the root (design §1): `--root` / `$TEND_ROOT` (already merged by
/// clap, `origin` says which), else `$XDG_STATE_HOME/tend`, else
/// `~/.local/state/tend`. A relative `--root`/`TEND_ROOT` is refused: cron
/// runs commands from `$HOME`, where it would name another directory than
/// the one it named in the shell where it was tried. A relative
/// `XDG_STATE_HOME` is ignored, as the XDG specification says.
pub fn choose_root(
    given: Option<(&Path, RootOrigin)>,
    env: &BTreeMap<String, String>,
) -> Result<PathBuf> {
    if let Some((dir, origin)) = given {
        if dir.is_relative() {
            let cwd = std::env::current_dir().ok();
            return Err(crate::exit::UsageError(relative_root(dir, origin, cwd.as_deref())).into());
        }
        return Ok(dir.to_path_buf());
    }
    let xdg = env
        .get("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute());
    if let Some(xdg) = xdg {
        return Ok(xdg.join("tend"));
    }
    match env.get("HOME").filter(|v| !v.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/state/tend")),
        None => Err(crate::exit::UsageError(
            "cannot choose a state root: pass --root DIR or set TEND_ROOT (HOME and XDG_STATE_HOME are unset)".into(),
        )
        .into()),
    }
}

/// The refusal of a relative root, naming the absolute path it means here.
fn relative_root(dir: &Path, origin: RootOrigin, cwd: Option<&Path>) -> String {
    let (typed, fix) = match origin {
        RootOrigin::Flag => (format!("--root {}", dir.display()), "--root"),
        RootOrigin::Env => (format!("TEND_ROOT={}", dir.display()), "TEND_ROOT="),
    };
    let meant = match cwd {
        Some(cwd) => {
            let separator = if fix == "--root" { " " } else { "" };
            format!(
                "; give the absolute path: {fix}{separator}{}",
                cwd.join(dir).display()
            )
        }
        None => "; give an absolute path".to_string(),
    };
    format!(
        "{typed} is a relative path: it would name another directory when run from \
         another place (cron runs commands from $HOME){meant}"
    )
}

/// Why a chosen root cannot be used (design §10 The root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootProblem {
    Missing,
    NotADirectory,
    /// Another error from the system (the text of it).
    Unreadable(String),
    /// Something that is not a directory where the root keeps `what`.
    InTheWay {
        path: PathBuf,
        found: &'static str,
        what: &'static str,
    },
    /// A directory on the way to the root cannot be entered by this user.
    Unreachable {
        blocked: PathBuf,
        owner: String,
    },
    /// The root belongs to another user, and this user may not read (or, for
    /// a command that writes, write) `path` in it.
    NoAccess {
        owner: String,
        path: PathBuf,
        writes: bool,
    },
    /// The superuser writing in another user's root would leave files that
    /// user can no longer replace.
    SuperuserInOthers {
        owner: String,
    },
}

/// A [`RootProblem`] as the one error a command prints: what is wrong, who
/// owns the root and who runs, and the fix. `command` is the typed command's
/// path (`tick`, `promote approve`).
pub fn root_problem_message(dir: &Path, problem: &RootProblem, me: &str, command: &str) -> String {
    let dir = dir.display();
    let as_owner = |owner: &str| {
        format!(
            "run it as {owner} (sudo -u {owner} tend {command} …), or use a state root of your own (--root DIR)"
        )
    };
    match problem {
        RootProblem::Missing => format!(
            "no state root at {dir}; run tend init to create it (or check --root / TEND_ROOT)"
        ),
        RootProblem::NotADirectory => format!("the state root {dir} is not a directory"),
        RootProblem::Unreadable(error) => format!("cannot read the state root {dir}: {error}"),
        RootProblem::InTheWay { path, found, what } => format!(
            "{} is {found}, where the state root keeps {what}; move it away (tend creates the directory again)",
            path.display()
        ),
        RootProblem::Unreachable { blocked, owner } => format!(
            "cannot reach the state root {dir}: {} belongs to {owner}, and {me} may not enter it; {}",
            blocked.display(),
            as_owner(owner)
        ),
        RootProblem::NoAccess {
            owner,
            path,
            writes,
        } => format!(
            "the state root {dir} belongs to {owner}, and you are {me}, who may not {} {}; {}",
            if *writes { "write in" } else { "read" },
            path.display(),
            as_owner(owner)
        ),
        RootProblem::SuperuserInOthers { owner } => format!(
            "the state root {dir} belongs to {owner}, and you are {me}: files this run created \
             would belong to {me}, and {owner} could no longer replace them; {}",
            as_owner(owner)
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// A line for a person: secrets scrubbed, control characters escaped,
/// newlines and carriage returns too, so that nothing from outside in it
/// can forge another line (design §10).
pub fn human(text: &str) -> String {
    terminal::escape_line(&redact::scrub(text)).into_owned()
}

/// [`human`] for text of several lines tend itself laid out (an error that
/// lists problems one per line): its newlines stay.
pub fn human_lines(text: &str) -> String {
    terminal::escape_control(&redact::scrub(text)).into_owned()
}

/// Standard output, naming itself in its errors: `tend status > /dev/full`
/// says "cannot write to standard output: No space left on device", not a bare
/// "No space left on device" that reads like a full state root. The error's
/// kind is kept (a broken pipe is still recognised as one).
pub struct NamedStdout<W: Write>(pub W);

impl<W: Write> NamedStdout<W> {
    fn name(e: io::Error) -> io::Error {
        io::Error::new(e.kind(), format!("cannot write to standard output: {e}"))
    }
}

impl<W: Write> Write for NamedStdout<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(Self::name)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(Self::name)
    }
}

/// Standard output and error, with the output mode (design §10 Output). Every
/// line goes through the secret scrub ([`redact`]) on its way out, and human
/// output has its control characters escaped ([`terminal`]).
pub struct Output {
    pub json: bool,
    pub verbosity: Verbosity,
    stdout: Box<dyn Write>,
    stderr: Box<dyn Write>,
}

impl Output {
    pub fn new(
        json: bool,
        verbosity: Verbosity,
        stdout: Box<dyn Write>,
        stderr: Box<dyn Write>,
    ) -> Output {
        Output {
            json,
            verbosity,
            stdout,
            stderr,
        }
    }

    /// The one summary line of a run that did something (human mode, not -q).
    pub fn summary(&mut self, line: &str) -> io::Result<()> {
        if !self.json && self.verbosity != Verbosity::Quiet {
            writeln!(self.stdout, "{}", human(line))?;
        }
        Ok(())
    }

    /// The summary line of a loop's run (design §10 Output): cron mails what a
    /// job prints, so it is printed only when the run has news (a new
    /// failure, a recovery, a flap, a message sent, …), always with -v, and
    /// never with -q or --json.
    pub fn news(&mut self, is_news: bool, line: &str) -> io::Result<()> {
        let shown = match self.verbosity {
            Verbosity::Quiet => false,
            Verbosity::Normal => is_news,
            Verbosity::Verbose => true,
        };
        if !self.json && shown {
            writeln!(self.stdout, "{}", human(line))?;
        }
        Ok(())
    }

    /// A line per item, shown with -v (human mode).
    pub fn item(&mut self, line: &str) -> io::Result<()> {
        if !self.json && self.verbosity == Verbosity::Verbose {
            writeln!(self.stdout, "{}", human(line))?;
        }
        Ok(())
    }

    /// One JSON object on its own line (JSON mode only).
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        if self.json {
            let mut line = serde_json::to_vec(value)?;
            line.push(b'\n');
            self.stdout.write_all(&redact::scrub_bytes(&line))?;
        }
        Ok(())
    }

    /// Output that is the command's product (a row, a configuration): always
    /// printed, whatever the verbosity.
    pub fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stdout
            .write_all(&terminal::escape_control_bytes(&redact::scrub_bytes(bytes)))
    }

    /// Product output the caller has escaped already and coloured with
    /// terminal escapes (`tend report` on a terminal): scrubbed of secrets,
    /// not escaped again.
    pub fn painted(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stdout.write_all(&redact::scrub_bytes(bytes))
    }

    /// A diagnostic on standard error (hidden by -q).
    pub fn warn(&mut self, message: &str) {
        if self.verbosity != Verbosity::Quiet {
            let _ = writeln!(self.stderr, "tend: warning: {}", human(message));
        }
    }

    /// An error on standard error that did not stop the command (one step
    /// of `tend tick`); shown even with -q.
    pub fn error(&mut self, message: &str) {
        let _ = writeln!(self.stderr, "tend: error: {}", human(message));
    }

    /// A note on standard error shown only with -v.
    pub fn note(&mut self, message: &str) {
        if self.verbosity == Verbosity::Verbose {
            let _ = writeln!(self.stderr, "tend: {}", human(message));
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.stdout.flush()
    }

    /// Gives up on standard output after a write to it failed (a full disk,
    /// a closed pipe) while it was a message channel: what is still buffered
    /// is dropped and later output is discarded, so the failure is reported
    /// once, as the failed send it is (exit 1), not again at the final flush.
    pub fn abandon_stdout(&mut self) {
        self.stdout = Box::new(io::sink());
    }
}

/// The stdout channel writes the message where the run's output goes.
impl crate::channel::Sink for Output {
    fn json_mode(&self) -> bool {
        self.json
    }

    fn stdout(&mut self) -> &mut dyn Write {
        &mut self.stdout
    }

    fn abandon_stdout(&mut self) {
        Output::abandon_stdout(self);
    }
}

/// What a handler reports back: its exit status (success, or partial failure)
/// and its counts, which go into the run record and the JSON summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub failed: bool,
    pub counts: Counts,
    /// An exit status the command chose itself, overriding `failed`
    /// (`probe run --nagios-exit`, `tick`'s worst step).
    pub exit: Option<Exit>,
}

impl Outcome {
    pub fn exit(&self) -> Exit {
        match self.exit {
            Some(exit) => exit,
            None if self.failed => Exit::Partial,
            None => Exit::Success,
        }
    }

    pub fn count(&mut self, counter: impl Counter, n: u64) -> &mut Self {
        self.counts.add(counter, n);
        self
    }
}

/// A thing a command counts. Each command declares its counters as an enum
/// (with [`counters!`]), so a misspelt counter is a compile error; the name
/// is what the run record and the JSON summary show.
pub trait Counter: Copy {
    fn name(self) -> &'static str;
}

/// Declares an enum of counters and its names:
/// `counters! { pub enum AuditCount { Emitted = "emitted", } }`.
macro_rules! counters {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal,)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $crate::ctx::Counter for $name {
            fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }
    };
}
pub(crate) use counters;

/// A command's counts by name (ordered by name, as the run record shows them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(BTreeMap<String, u64>);

impl Counts {
    pub fn add(&mut self, counter: impl Counter, n: u64) {
        *self.0.entry(counter.name().to_string()).or_default() += n;
    }

    /// The count of `counter` (0 when never counted).
    pub fn get(&self, counter: impl Counter) -> u64 {
        self.0.get(counter.name()).copied().unwrap_or(0)
    }

    /// Adds every count of `step` as `"{step_name}: {name}"` (`tend tick`).
    pub fn add_step(&mut self, step_name: &str, step: &Counts) {
        for (name, n) in &step.0 {
            *self.0.entry(format!("{step_name}: {name}")).or_default() += n;
        }
    }

    /// Every count, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.0.iter().map(|(name, n)| (name.as_str(), *n))
    }
}

/// `state/runs/<command>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub command: String,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    pub outcome: RunOutcome,
    pub exit_code: u8,
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub pid: u32,
}

/// How a recorded run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// Completed, and everything in it succeeded.
    Ok,
    /// Completed, but something in it failed (exit 1).
    Partial,
    /// Stopped by an error.
    Error,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::Partial => "partial",
            RunOutcome::Error => "error",
        }
    }
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a handler needs.
pub struct Ctx {
    pub root: Root,
    pub config: Config,
    pub clock: Clock,
    pub out: Output,
    pub dry_run: bool,
    /// While [`Ctx::batch_runs`] runs (`tend tick`): the run records of the
    /// commands it ran, written together, once, when it ends.
    pub batched_runs: Option<Vec<RunRecord>>,
}

impl Ctx {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn audit(&self) -> AuditLog {
        AuditLog::new(self.root.audit_dir())
    }

    /// Loads a JSON state file (quarantining it when it does not parse; a dry
    /// run leaves it in place and names it).
    pub fn load_state<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        self.load_state_at(&self.root.state_file(name))
    }

    /// [`Ctx::load_state`] for a state file under the root given by path.
    pub fn load_state_at<T: serde::de::DeserializeOwned>(
        &self,
        path: &std::path::Path,
    ) -> Result<Option<T>> {
        if self.dry_run {
            return state::load_in_place(path);
        }
        state::load(path, &self.root.quarantine_dir())
    }

    /// Runs `body` as `command` under its lock, and records the run in
    /// `state/runs/` (both named by [`Command::lock`]). A dry run takes no
    /// lock and records nothing.
    pub fn run_locked(
        &mut self,
        command: Command,
        wait: Wait,
        body: impl FnOnce(&mut Ctx) -> Result<Outcome>,
    ) -> Result<Outcome> {
        if self.dry_run {
            return body(self);
        }
        let started_at = format_ts(self.now());
        let command = command.lock();
        let _lock = CommandLock::acquire(&self.root.locks_dir(), command, &started_at, wait)?;
        let started = Instant::now();
        let result = body(self);
        let (outcome, exit_code, counts, error) = match &result {
            Ok(o) => (
                if o.failed {
                    RunOutcome::Partial
                } else {
                    RunOutcome::Ok
                },
                o.exit().code(),
                o.counts.0.clone(),
                None,
            ),
            Err(e) => (
                RunOutcome::Error,
                crate::exit::classify(e).code(),
                BTreeMap::new(),
                Some(format!("{e:#}")),
            ),
        };
        let elapsed = started.elapsed();
        let record = RunRecord {
            command: command.to_string(),
            finished_at: format_ts(
                self.now() + chrono::TimeDelta::from_std(elapsed).unwrap_or_default(),
            ),
            started_at,
            duration_ms: elapsed.as_millis() as u64,
            outcome,
            exit_code,
            counts,
            error,
            pid: std::process::id(),
        };
        if let Some(batch) = &mut self.batched_runs {
            batch.push(record);
            return result;
        }
        let path = self
            .root
            .runs_dir()
            .join(format!("{}.json", lock::file_stem(command)));
        match (state::save(&path, &record), result) {
            (Ok(()), result) => result,
            // The work is done, but `status` would go on showing the run
            // before (a full disk): an error, and at least exit 1.
            (Err(e), Ok(mut outcome)) => {
                self.out.error(&format!("cannot record the run: {e:#}"));
                outcome.failed = true;
                outcome.exit = Some(outcome.exit().max(crate::exit::Exit::Partial));
                Ok(outcome)
            }
            (Err(e), Err(err)) => {
                self.out.error(&format!("cannot record the run: {e:#}"));
                Err(err)
            }
        }
    }

    /// Runs `body` (the steps of `tend tick`) with the run records of the
    /// commands it runs kept back, then writes them all in one file,
    /// `state/runs/tick.steps.json` ([`BATCH_FILE`]): one durable write for
    /// the whole tick instead of one per step (design §10). [`load_runs`] reads
    /// them as each command's own. A kill before the end loses the records of
    /// the steps that ran (their work is done and recorded in their own
    /// state); the previous records stay readable.
    /// Returns what `body` returned, and whether the records were written:
    /// when they could not be (a full disk), the error is printed, and the
    /// caller exits at least 1, as [`Ctx::run_locked`] does.
    pub fn batch_runs<T>(&mut self, body: impl FnOnce(&mut Ctx) -> T) -> (T, bool) {
        let outer = self.batched_runs.replace(Vec::new());
        let result = body(self);
        let steps = std::mem::replace(&mut self.batched_runs, outer).unwrap_or_default();
        if !steps.is_empty() {
            let path = self.root.runs_dir().join(BATCH_FILE);
            if let Err(e) = state::save(&path, &BatchedRuns { steps }) {
                self.out.error(&format!("cannot record the runs: {e:#}"));
                return (result, false);
            }
        }
        (result, true)
    }
}

/// The run records [`Ctx::batch_runs`] writes together, under `state/runs/`.
pub const BATCH_FILE: &str = "tick.steps.json";

/// `state/runs/tick.steps.json`: the run records of one tick's steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BatchedRuns {
    steps: Vec<RunRecord>,
}

/// Each command's last run record, by command: from its own file
/// (`state/runs/<command>.json`) or from the last tick's
/// ([`BATCH_FILE`]), whichever was written last. A damaged file is
/// quarantined (exit 74, as for every state file).
pub fn load_runs(root: &Root) -> Result<BTreeMap<String, RunRecord>> {
    let dir = root.runs_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(anyhow::anyhow!("cannot list {}: {e}", dir.display())),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut found = Vec::new();
    for name in names {
        let path = dir.join(&name);
        let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        if name == BATCH_FILE {
            if let Some(batch) = state::load::<BatchedRuns>(&path, &root.quarantine_dir())? {
                found.extend(batch.steps.into_iter().map(|r| (written, r)));
            }
        } else if let Some(record) = state::load::<RunRecord>(&path, &root.quarantine_dir())? {
            found.push((written, record));
        }
    }
    Ok(latest_runs(found))
}

/// Per command, the record written last (pure: the records with the time
/// their file was written; on a tie, the one listed later).
fn latest_runs(
    found: Vec<(Option<std::time::SystemTime>, RunRecord)>,
) -> BTreeMap<String, RunRecord> {
    let mut latest: BTreeMap<String, (Option<std::time::SystemTime>, RunRecord)> = BTreeMap::new();
    for (written, record) in found {
        match latest.get(&record.command) {
            Some((seen, _)) if *seen > written => {}
            _ => {
                latest.insert(record.command.clone(), (written, record));
            }
        }
    }
    latest.into_iter().map(|(c, (_, r))| (c, r)).collect()
}

#[cfg(test)]
mod counts_tests {
    use super::*;

    counters! {
        enum TestCount {
            Zebra = "zebra",
            Apple = "apple",
        }
    }

    #[test]
    fn counts_add_up_by_name_in_name_order() {
        let mut outcome = Outcome::default();
        assert_eq!(outcome.counts.get(TestCount::Apple), 0);
        outcome
            .count(TestCount::Zebra, 2)
            .count(TestCount::Apple, 1)
            .count(TestCount::Zebra, 3);
        assert_eq!(outcome.counts.get(TestCount::Zebra), 5);
        // The run record and JSON summaries show counts ordered by name,
        // whatever order the enum declares them in.
        let names: Vec<(&str, u64)> = outcome.counts.iter().collect();
        assert_eq!(names, [("apple", 1), ("zebra", 5)]);

        let mut tick = Counts::default();
        tick.add_step("probe run", &outcome.counts);
        tick.add_step("probe run", &outcome.counts);
        let names: Vec<(&str, u64)> = tick.iter().collect();
        assert_eq!(names, [("probe run: apple", 2), ("probe run: zebra", 10)]);
    }

    #[test]
    fn the_record_written_last_is_a_commands_last_run() {
        let record = |command: &str, started_at: &str| RunRecord {
            command: command.to_string(),
            started_at: started_at.to_string(),
            finished_at: started_at.to_string(),
            duration_ms: 0,
            outcome: RunOutcome::Ok,
            exit_code: 0,
            counts: BTreeMap::new(),
            error: None,
            pid: 1,
        };
        let at = |s: u64| Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        let latest = latest_runs(vec![
            // Its own file, written after the tick's: a run on its own (with
            // an earlier --now) is still the last one.
            (at(20), record("probe run", "2026-05-24T07:00:00.000Z")),
            (at(10), record("probe run", "2026-05-24T08:00:00.000Z")),
            (at(10), record("wake consume", "2026-05-24T08:00:00.000Z")),
            (at(5), record("wake consume", "2026-05-24T07:55:00.000Z")),
            // Written in the same instant: the one listed later.
            (at(10), record("alerts notify", "a")),
            (at(10), record("alerts notify", "b")),
            (None, record("gc checkpoints", "x")),
        ]);
        let started: Vec<(&str, &str)> = latest
            .iter()
            .map(|(c, r)| (c.as_str(), r.started_at.as_str()))
            .collect();
        assert_eq!(
            started,
            [
                ("alerts notify", "b"),
                ("gc checkpoints", "x"),
                ("probe run", "2026-05-24T07:00:00.000Z"),
                ("wake consume", "2026-05-24T08:00:00.000Z"),
            ]
        );
    }

    #[test]
    fn run_outcome_is_written_as_before() {
        for (outcome, text) in [
            (RunOutcome::Ok, "\"ok\""),
            (RunOutcome::Partial, "\"partial\""),
            (RunOutcome::Error, "\"error\""),
        ] {
            assert_eq!(serde_json::to_string(&outcome).unwrap(), text);
            assert_eq!(format!("\"{outcome}\""), text);
            let back: RunOutcome = serde_json::from_str(text).unwrap();
            assert_eq!(back, outcome);
        }
    }
}

#[cfg(test)]
mod root_tests {
    use super::*;

    #[test]
    fn a_relative_root_is_refused_naming_the_path_it_meant() {
        let cwd = Path::new("/home/ops/work");
        assert_eq!(
            relative_root(Path::new("state"), RootOrigin::Flag, Some(cwd)),
            "--root state is a relative path: it would name another directory when run from \
             another place (cron runs commands from $HOME); give the absolute path: --root \
             /home/ops/work/state"
        );
        let env = relative_root(Path::new("./s"), RootOrigin::Env, Some(cwd));
        assert!(
            env.starts_with("TEND_ROOT=./s is a relative path")
                && env.ends_with("; give the absolute path: TEND_ROOT=/home/ops/work/./s"),
            "{env}"
        );
        assert!(
            relative_root(Path::new("s"), RootOrigin::Env, None)
                .ends_with("; give an absolute path")
        );
    }

    #[test]
    fn a_relative_xdg_state_home_is_ignored() {
        let env: BTreeMap<String, String> = [("XDG_STATE_HOME", "rel"), ("HOME", "/home/ops")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            choose_root(None, &env).unwrap(),
            PathBuf::from("/home/ops/.local/state/tend")
        );
        assert!(choose_root(Some((Path::new("rel"), RootOrigin::Flag)), &env).is_err());
    }

    #[test]
    fn a_root_problem_names_the_owner_the_user_and_the_fix() {
        let dir = Path::new("/var/lib/tend");
        let no_access = RootProblem::NoAccess {
            owner: "tend".into(),
            path: PathBuf::from("/var/lib/tend/locks"),
            writes: true,
        };
        assert_eq!(
            root_problem_message(dir, &no_access, "alice", "tick"),
            "the state root /var/lib/tend belongs to tend, and you are alice, who may not write \
             in /var/lib/tend/locks; run it as tend (sudo -u tend tend tick …), or use a state \
             root of your own (--root DIR)"
        );
        let superuser = RootProblem::SuperuserInOthers {
            owner: "tend".into(),
        };
        let text = root_problem_message(dir, &superuser, "root", "promote approve");
        assert!(
            text.contains("belongs to tend, and you are root")
                && text.contains("sudo -u tend tend promote approve"),
            "{text}"
        );
        assert_eq!(
            root_problem_message(dir, &RootProblem::Missing, "alice", "status"),
            "no state root at /var/lib/tend; run tend init to create it (or check --root / TEND_ROOT)"
        );
    }
}
