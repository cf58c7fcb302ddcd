//! `tend doctor` (design §10): checks a root and explains how to recover from what
//! it finds — an invalid configuration, quarantined state files, temporary files
//! left by a killed writer, items left in two status directories, held locks, a
//! root on a network filesystem (unsupported: flock semantics). It changes
//! nothing; exit 1 when something needs attention.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;
use serde_json::json;

use crate::config::{self, Env};
use crate::ctx::{Ctx, Outcome, counters};
use crate::store::cursor::{Check, Cursor};
use crate::store::status_dir::Status;
use crate::store::{atomic, file, lock, tail};

counters! {
    enum DoctorCount {
        Problems = "problems",
    }
}

#[derive(Debug, Serialize)]
struct Finding {
    /// ok | warning | problem
    level: &'static str,
    check: &'static str,
    message: String,
}

pub fn run(ctx: &mut Ctx, explicit_config: Option<&Path>, env: &Env) -> Result<Outcome> {
    let root = ctx.root.dir().to_path_buf();
    let mut findings = Vec::new();
    let mut add = |level, check, message: String| {
        findings.push(Finding {
            level,
            check,
            message,
        })
    };

    // The root itself.
    match fs::metadata(&root) {
        Ok(m) if m.is_dir() => {
            if let Some(message) = open_to_others(&root, m.permissions().mode()) {
                add("warning", "permissions", message);
            }
            let probe = root.join(format!(".doctor.{}", std::process::id()));
            match fs::write(&probe, b"") {
                Ok(()) => {
                    let _ = fs::remove_file(&probe);
                    add(
                        "ok",
                        "root",
                        format!("{} is a writable directory", root.display()),
                    );
                }
                Err(e) => add(
                    "problem",
                    "root",
                    format!("{} is not writable: {e}", root.display()),
                ),
            }
            if let Some(fs_name) = network_filesystem(&root) {
                add(
                    "warning",
                    "filesystem",
                    format!(
                        "{} is on {fs_name}: unsupported, flock does not exclude runs reliably there; use a local disk",
                        root.display()
                    ),
                );
            }
        }
        Ok(_) => add(
            "problem",
            "root",
            format!("{} is not a directory", root.display()),
        ),
        Err(_) => add(
            "warning",
            "root",
            format!(
                "{} does not exist yet: `tend init` creates it",
                root.display()
            ),
        ),
    }

    // The configuration, reported rather than fatal here.
    let loaded = config::load(&root, explicit_config, env);
    match &loaded {
        Ok(c) => {
            c.register_secrets(env);
            add(
                "ok",
                "config",
                match &c.source {
                    Some(p) => format!("{} is valid", p.display()),
                    None => "no tend.toml: built-in defaults".to_string(),
                },
            );
            for e in c.unreadable_secrets() {
                add(
                    "problem",
                    "secret",
                    format!(
                        "{e}: what needs it fails when used (the rest still runs); set it where tend runs (cron has none of your shell's exports) or use a *_file"
                    ),
                );
            }
        }
        Err(e) => {
            for p in &e.problems {
                add(
                    "problem",
                    "config",
                    format!("{p} — fix it, then `tend config check`"),
                );
            }
        }
    }

    // Probe files every run skips (a script without its exec bit, a bad
    // name), as `probe run` warns of them.
    if let Ok(c) = &loaded {
        for skipped in crate::probe::skipped_files(&ctx.root, c) {
            add("problem", "probes", skipped);
        }
    }

    // Quarantined state files (those of state/runs/ in quarantine/runs/, a
    // proposal's in quarantine/proposals/<loop>/<status>/).
    let quarantine = ctx.root.quarantine_dir();
    for path in files_below(&quarantine) {
        let Some(original) = crate::store::state::origin(&quarantine, &path) else {
            continue;
        };
        let shown = original.strip_prefix(ctx.root.dir()).unwrap_or(&original);
        add(
            "problem",
            "quarantine",
            format!(
                "{} is a copy of {} that could not be parsed; the command that found it started that state afresh or set it aside. \
                 Inspect it (jq . {}); to restore it, repair it and, while no tend command runs, move it back to {}; \
                 otherwise delete it",
                path.display(),
                shown.display(),
                path.display(),
                original.display()
            ),
        );
    }

    // Temporaries of atomic writes interrupted by a kill: in the state
    // directories, and in every status directory (proposals/<loop>/<status>/,
    // silences/<status>/), where the next write of a store removes them.
    let mut temp_dirs = vec![
        ctx.root.state_dir(),
        ctx.root.runs_dir(),
        ctx.root.observations_dir(),
    ];
    // Every status directory: proposals/<loop>/<status>/, silences/<status>/.
    let status_dirs: Vec<PathBuf> = subdirs(&ctx.root.proposals_dir())
        .into_iter()
        .chain([ctx.root.silences_dir()])
        .flat_map(|base| subdirs(&base))
        .collect();
    temp_dirs.extend(status_dirs.iter().cloned());
    for dir in temp_dirs {
        for path in files(&dir) {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if atomic::is_temp_name(&name) {
                add(
                    "warning",
                    "leftovers",
                    format!(
                        "{} is a temporary file of a write that was interrupted; it was never read as state and can be deleted",
                        path.display()
                    ),
                );
            }
        }
    }

    // Items in two status directories (a move interrupted by a kill).
    let mut doubled: Vec<(String, String, Vec<&'static str>)> =
        crate::promote::status::duplicates(&ctx.root)
            .into_iter()
            .map(|(base, id, holders)| (base, id, holders.iter().map(|s| s.name()).collect()))
            .collect();
    let silences = crate::alerts::silence::store(ctx);
    for (id, holders) in silences.duplicates() {
        doubled.push((
            silences.base().display().to_string(),
            id,
            holders.iter().map(|s| s.name()).collect(),
        ));
    }
    for (base, id, holders) in doubled {
        add(
            "warning",
            "status-dirs",
            format!(
                "{id} is in {} of {base}: a move was interrupted; the next command that reads it keeps the {} copy and removes the other",
                holders.join(" and "),
                holders.last().copied().unwrap_or_default()
            ),
        );
    }

    // Links and non-regular files where state files, segments or locks
    // belong: every command that meets one stops with exit 74.
    let in_place = |dir: &Path, belongs: &dyn Fn(&str) -> bool| -> Vec<(PathBuf, &'static str)> {
        let mut found: Vec<(PathBuf, &'static str)> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_str().is_some_and(belongs))
            .filter_map(|e| {
                let t = e.file_type().ok()?;
                (!t.is_file()).then(|| (e.path(), file::describe(t)))
            })
            .collect();
        found.sort();
        found
    };
    let state_name = |n: &str| {
        !atomic::is_temp_name(n)
            && (n.ends_with(".json") || n.ends_with(".jsonl") || n.ends_with(".index"))
    };
    let mut misplaced = in_place(&ctx.root.state_dir(), &state_name);
    misplaced.extend(in_place(&ctx.root.runs_dir(), &state_name));
    misplaced.extend(in_place(&ctx.root.audit_dir(), &tail::is_segment_name));
    misplaced.extend(in_place(&ctx.root.locks_dir(), &|n: &str| {
        n.ends_with(".lock")
    }));
    for dir in &status_dirs {
        misplaced.extend(in_place(dir, &state_name));
    }
    for (path, found) in misplaced {
        add(
            "problem",
            "not-a-file",
            format!(
                "{} is {found}, not a regular file: every command that uses it stops (exit 74). Move it away; tend recreates what it needs",
                path.display()
            ),
        );
    }

    // Something else where the root's directories belong.
    for dir in [
        ctx.root.audit_dir(),
        ctx.root.state_dir(),
        ctx.root.runs_dir(),
        ctx.root.quarantine_dir(),
        ctx.root.locks_dir(),
        ctx.root.proposals_dir(),
        ctx.root.observations_dir(),
        ctx.root.decisions_dir(),
        ctx.root.silences_dir(),
    ] {
        // Followed: a directory reached through a link (a log on another
        // disk) is fine.
        match fs::metadata(&dir) {
            Ok(m) if !m.is_dir() => add(
                "problem",
                "not-a-directory",
                format!(
                    "{} is {}, not a directory: every command that uses it fails. Move it away; tend recreates the directory",
                    dir.display(),
                    file::describe(m.file_type())
                ),
            ),
            Err(e)
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                add(
                    "problem",
                    "not-a-directory",
                    format!("cannot inspect {}: {e}", dir.display()),
                )
            }
            _ => {}
        }
    }

    // Room on the disk: appends and state writes fail on a full one.
    if let Some((free, total)) = disk_space(&root) {
        let mib = |b: u64| b >> 20;
        if free == 0 {
            add(
                "problem",
                "disk",
                format!(
                    "the filesystem of {} is full: appends and state writes fail until space is freed (tend gc audit --keep-days N frees old segments)",
                    root.display()
                ),
            );
        } else if free < 64 << 20 {
            add(
                "warning",
                "disk",
                format!(
                    "the filesystem of {} has only {} MiB free of {} MiB",
                    root.display(),
                    mib(free),
                    mib(total)
                ),
            );
        }
    }

    // The wake cursor: readable, and its positions still where lines end.
    let cursor_path = ctx.root.state_file("wake.cursor.json");
    // Opened as a regular file only: a FIFO there would block doctor (it is
    // reported above as not a regular file).
    match file::read_regular(&cursor_path) {
        Err(_) | Ok(None) => {}
        Ok(Some(bytes)) => match serde_json::from_slice::<Cursor>(&bytes) {
            Err(e) => add(
                "problem",
                "cursor",
                format!(
                    "{} is not a wake cursor ({e}); the next `tend wake consume` moves it to state/quarantine/ and stops",
                    cursor_path.display()
                ),
            ),
            Ok(mut cursor) => {
                let audit = ctx.root.audit_dir();
                match cursor.verify(&audit) {
                    Ok(found) => {
                        for check in found {
                            if let Check::Rewritten { segment, reason } = check {
                                add(
                                    "warning",
                                    "cursor",
                                    format!(
                                        "audit/{segment} was rewritten under the wake cursor ({reason}); the next `tend wake consume` re-reads it from its start (nothing is sent twice)"
                                    ),
                                );
                            }
                        }
                    }
                    Err(e) => add(
                        "problem",
                        "cursor",
                        format!(
                            "cannot check the wake cursor against {}: {e}",
                            audit.display()
                        ),
                    ),
                }
                let tomorrow = ctx
                    .now()
                    .checked_add_signed(chrono::TimeDelta::days(1))
                    .map(|t| t.format("%Y-%m-%d.jsonl").to_string())
                    .unwrap_or_default();
                for segment in tail::segments(&audit).unwrap_or_default() {
                    if !tomorrow.is_empty() && segment > tomorrow {
                        add(
                            "warning",
                            "audit",
                            format!(
                                "audit/{segment} is dated after today (a skewed clock, or a drill run with --now); its rows are read all the same, and the segment is removed by `tend gc audit` only once its day is old"
                            ),
                        );
                    }
                }
                if let Ok(lag) = crate::wake::lag::wake_lag(ctx, &cursor) {
                    add("ok", "cursor", lag.line());
                }
            }
        },
    }

    // Locks held right now.
    for path in files(&ctx.root.locks_dir()) {
        if let Some(holder) = lock::current_holder(&path) {
            let who = holder
                .map(|h| h.to_string())
                .unwrap_or_else(|| "a process that has not written its name".into());
            add(
                "ok",
                "locks",
                format!("{} is held by {who}", path.display()),
            );
        }
    }

    let problems = findings.iter().filter(|f| f.level != "ok").count();
    for f in &findings {
        ctx.out.json(f)?;
        let mark = match f.level {
            "ok" => "ok     ",
            "warning" => "warning",
            _ => "PROBLEM",
        };
        if f.level != "ok" || ctx.out.verbosity == crate::ctx::Verbosity::Verbose {
            ctx.out
                .summary(&format!("{mark} {:<11} {}", f.check, f.message))?;
        }
    }
    ctx.out
        .json(&json!({"summary": true, "problems": problems}))?;
    if problems == 0 {
        ctx.out
            .summary(&format!("{}: no problems found", root.display()))?;
    }
    let mut outcome = Outcome {
        failed: problems > 0,
        ..Outcome::default()
    };
    outcome.count(DoctorCount::Problems, problems as u64);
    Ok(outcome)
}

/// The warning for a root other users can enter or read (mode `mode`), with
/// the one command that closes it: without access to the root, nothing
/// below it can be reached, whatever the files' own modes.
fn open_to_others(root: &Path, mode: u32) -> Option<String> {
    if mode & 0o007 == 0 {
        return None;
    }
    Some(format!(
        "{} is open to every local user (mode {:04o}), and the audit log holds probe output, diagnoses, session ids and costs: run `chmod o= {}`",
        root.display(),
        mode & 0o7777,
        crate::terminal::shell_quote(&root.display().to_string())
    ))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// The regular files under `dir`, at any depth (links not followed), sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    out.sort();
    out
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Bytes available to unprivileged writers and the size of the filesystem of
/// `path` (statvfs).
fn disk_space(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes into the zeroed struct we own; the path is a valid C string.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    let block = stat.f_frsize as u64;
    Some((
        (stat.f_bavail as u64).saturating_mul(block),
        (stat.f_blocks as u64).saturating_mul(block),
    ))
}

/// The name of the network filesystem `path` is on, if it is on one.
fn network_filesystem(path: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statfs writes into the zeroed struct we own; the path is a valid C string.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    // Magic numbers from linux/magic.h.
    match stat.f_type as u64 {
        0x6969 => Some("NFS"),
        0xFF53_4D42 => Some("CIFS"),
        0xFE53_4D42 => Some("SMB2"),
        0x6573_5546 => Some("FUSE"),
        _ => None,
    }
}
