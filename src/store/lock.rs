//! Per-command locks (design §10): `locks/<command>.lock`, an exclusive `flock`
//! taken without blocking, with the holder's pid and start time written into
//! the file so that a second run can say who holds it. The kernel drops the
//! lock when the holder exits or is killed, so a `kill -9` never leaves it stuck.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::file;

/// What the holder writes into its lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub started_at: String,
    pub command: String,
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} (`tend {}`, started {})",
            self.pid, self.command, self.started_at
        )
    }
}

/// Another run holds the lock: exit 75, nothing done.
#[derive(Debug, thiserror::Error)]
#[error("another `tend {command}` is running ({}); lock file {}", holder_text(.holder), .path.display())]
pub struct LockBusy {
    pub command: String,
    pub path: PathBuf,
    pub holder: Option<Holder>,
}

fn holder_text(holder: &Option<Holder>) -> String {
    match holder {
        Some(h) => format!("held by {h}"),
        None => "holder not yet recorded".to_string(),
    }
}

/// How long to try for the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Fail at once when it is held (cron jobs).
    No,
    /// Retry until this much time has passed (interactive review commands).
    Up(Duration),
}

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct CommandLock {
    file: File,
    path: PathBuf,
}

impl CommandLock {
    /// Takes `locks_dir/<name>.lock` for `command` (the human name, e.g. "probe run").
    pub fn acquire(
        locks_dir: &Path,
        command: &str,
        started_at: &str,
        wait: Wait,
    ) -> Result<CommandLock> {
        file::create_dir_all(locks_dir)?;
        let path = locks_dir.join(format!("{}.lock", file_stem(command)));
        let mut file = file::open_regular(
            &path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .map_err(|e| file::context(e, "cannot open lock file", &path))?;
        let deadline = match wait {
            Wait::No => None,
            Wait::Up(d) => Some(Instant::now() + d),
        };
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    if deadline.is_some_and(|d| Instant::now() < d) {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                    return Err(LockBusy {
                        command: command.to_string(),
                        holder: read_holder(&mut file),
                        path,
                    }
                    .into());
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
        let holder = Holder {
            pid: std::process::id(),
            started_at: started_at.to_string(),
            command: command.to_string(),
        };
        let mut text = serde_json::to_vec(&holder)?;
        text.push(b'\n');
        (|| {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(&text)
        })()
        .map_err(|e| file::context(e, "cannot record the lock's holder in", &path))?;
        Ok(CommandLock { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CommandLock {
    fn drop(&mut self) {
        // Clear the holder before the kernel releases the lock with the file.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// "probe run" → "probe-run".
pub fn file_stem(command: &str) -> String {
    command.split_whitespace().collect::<Vec<_>>().join("-")
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

/// Who holds `locks_dir/<name>.lock` right now, without taking it; `None` when
/// nobody does. Used by `tend status`.
pub fn current_holder(path: &Path) -> Option<Option<Holder>> {
    let mut file = file::open_regular(path, OpenOptions::new().read(true).write(true)).ok()?;
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(_) => Some(read_holder(&mut file)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_is_busy_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let held = CommandLock::acquire(dir.path(), "probe run", "2026-01-01T00:00:00Z", Wait::No)
            .unwrap();
        assert!(held.path().ends_with("probe-run.lock"));
        let err = CommandLock::acquire(dir.path(), "probe run", "later", Wait::No).unwrap_err();
        let busy = err.downcast_ref::<LockBusy>().unwrap();
        assert_eq!(busy.holder.as_ref().unwrap().pid, std::process::id());
        assert!(err.to_string().contains("2026-01-01T00:00:00Z"), "{err}");
        assert!(current_holder(held.path()).is_some());
        let path = held.path().to_path_buf();
        drop(held);
        assert!(current_holder(&path).is_none());
        CommandLock::acquire(dir.path(), "probe run", "again", Wait::No).unwrap();
    }

    #[test]
    fn refuses_a_linked_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::write(&outside, b"keep").unwrap();
        std::os::unix::fs::symlink(&outside, dir.path().join("gc-audit.lock")).unwrap();
        let err = CommandLock::acquire(dir.path(), "gc audit", "t", Wait::No).unwrap_err();
        let refused = err
            .chain()
            .find_map(file::as_not_regular)
            .expect("NotRegularFile");
        assert!(refused.path.ends_with("gc-audit.lock"));
        assert_eq!(std::fs::read(&outside).unwrap(), b"keep");
    }

    #[test]
    fn waiting_acquire_gets_the_lock_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let held = CommandLock::acquire(dir.path(), "promote approve", "t0", Wait::No).unwrap();
        let dir_path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            CommandLock::acquire(
                &dir_path,
                "promote approve",
                "t1",
                Wait::Up(Duration::from_secs(5)),
            )
            .map(|_| ())
        });
        std::thread::sleep(Duration::from_millis(200));
        drop(held);
        waiter.join().unwrap().unwrap();
        let held = CommandLock::acquire(dir.path(), "promote approve", "t2", Wait::No).unwrap();
        let err = CommandLock::acquire(
            dir.path(),
            "promote approve",
            "t3",
            Wait::Up(Duration::from_millis(120)),
        )
        .unwrap_err();
        assert!(err.downcast_ref::<LockBusy>().is_some());
        drop(held);
    }
}
