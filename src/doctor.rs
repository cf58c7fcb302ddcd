//! `tend doctor` (SPEC §10): checks a root and explains how to recover from what
//! it finds — an invalid configuration, quarantined state files, temporary files
//! left by a killed writer, items left in two status directories, held locks, a
//! root on a network filesystem (unsupported: flock semantics). It changes
//! nothing; exit 1 when something needs attention.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;
use serde_json::json;

use crate::config::{self, Env};
use crate::ctx::{Ctx, Outcome};
use crate::store::{atomic, lock, status_dir::StatusDirs};

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
    match config::load(&root, explicit_config, env) {
        Ok(c) => {
            c.register_secrets(env);
            add(
                "ok",
                "config",
                match c.source {
                    Some(p) => format!("{} is valid", p.display()),
                    None => "no tend.toml: built-in defaults".to_string(),
                },
            )
        }
        Err(e) => {
            for p in e.problems {
                add(
                    "problem",
                    "config",
                    format!("{p} — fix it, then `tend config check`"),
                );
            }
        }
    }

    // Quarantined state files.
    for path in files(&ctx.root.quarantine_dir()) {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(original) = crate::store::state::quarantined_from(&name).map(str::to_string)
        else {
            continue;
        };
        add(
            "problem",
            "quarantine",
            format!(
                "{} is a copy of state/{original} that could not be parsed; the command that found it started that state afresh. \
                 Inspect it (jq . {}); to restore it, repair it and, while no tend command runs, move it back to {}; \
                 otherwise delete it",
                path.display(),
                path.display(),
                ctx.root.state_file(&original).display()
            ),
        );
    }

    // Temporaries of atomic writes interrupted by a kill.
    for dir in [
        ctx.root.state_dir(),
        ctx.root.runs_dir(),
        ctx.root.observations_dir(),
    ] {
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
    let mut stores: Vec<(PathBuf, &'static [&'static str])> = subdirs(&ctx.root.proposals_dir())
        .into_iter()
        .map(|d| (d, &["pending", "approved", "rejected", "expired"][..]))
        .collect();
    stores.push((ctx.root.silences_dir(), &["active", "expired"][..]));
    for (base, statuses) in stores {
        let store = StatusDirs::new(&base, statuses);
        let mut seen = std::collections::BTreeMap::<String, Vec<&str>>::new();
        for status in statuses {
            for id in store.list_all(status) {
                seen.entry(id).or_default().push(status);
            }
        }
        for (id, holders) in seen.into_iter().filter(|(_, h)| h.len() > 1) {
            add(
                "warning",
                "status-dirs",
                format!(
                    "{id} is in {} of {}: a move was interrupted; the next command that reads it keeps the {} copy and removes the other",
                    holders.join(" and "),
                    base.display(),
                    holders.last().copied().unwrap_or_default()
                ),
            );
        }
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
    outcome.count("problems", problems as u64);
    Ok(outcome)
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
