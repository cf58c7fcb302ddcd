//! Crash-safe replacement of a file: a reader (or the next run after a
//! `kill -9`) sees the old content or the new one, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::file;

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` through a temporary file in the same directory:
/// write, flush, fsync, rename over the old file, fsync the directory. The
/// directory is created when missing (and made durable in its parent). A
/// symbolic link or non-regular file at `path` is refused
/// ([`file::NotRegularFile`]): a link is never replaced nor written through.
/// Temporaries left by earlier writers of the same file that were killed are
/// removed after the write.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_as(path, bytes, Durability::Synced)
}

/// [`write`] without the fsyncs, for derived data only (a cache that a later
/// run recomputes from the log when it is missing, stale or damaged): a
/// reader, and the next run after a `kill -9`, still see the old content or
/// the new one, never a mix; a power cut may leave the old content, none,
/// or an empty file, which the cache's owner must treat as no cache.
pub fn write_derived(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_as(path, bytes, Durability::Unsynced)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    Synced,
    Unsynced,
}

fn write_as(path: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    let bytes: &[u8] = &super::redact::scrub_bytes(bytes);
    let dir = parent(path);
    file::check_regular_or_missing(path)?;
    let context = |e| file::context(e, "cannot write", path);
    file::create_dir_all(dir).map_err(context)?;
    let tmp = temp_path(path);
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        if durability == Durability::Unsynced {
            return fs::rename(&tmp, path);
        }
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(context)?;
    remove_stale_temps(path);
    Ok(())
}

/// Removes the temporaries of `path` whose writer process is gone (killed
/// between creating and renaming them). Best effort: a temporary that cannot
/// be removed is left for `tend doctor` to report.
fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let prefix = format!(".{name}.tmp.");
    remove_dead_temps_where(parent(path), |temp| temp.starts_with(&prefix));
}

/// The writer's process id in the name of one of [`write`]'s temporaries
/// (`.<file>.tmp.<pid>.<seq>`); `None` for any other name.
fn temp_writer(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let mut parts = rest.rsplitn(4, '.');
    parts.next()?.parse::<u64>().ok()?;
    let pid = parts.next()?.parse::<u32>().ok()?;
    (parts.next()? == "tmp" && parts.next().is_some_and(|file| !file.is_empty())).then_some(pid)
}

/// Removes the temporaries in `dir`, of any file, whose writer process is gone
/// (for directories whose files are each written once, such as status
/// directories, where no later write of the same file would find them).
/// Returns how many were removed; best effort, as for [`write`].
pub fn remove_dead_temps(dir: &Path) -> usize {
    remove_dead_temps_where(dir, |_| true)
}

/// Removes the temporaries in `dir` whose name `of` accepts and whose writer
/// is gone; how many.
fn remove_dead_temps_where(dir: &Path, of: impl Fn(&str) -> bool) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let removed = entries
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_str()
                .filter(|name| of(name))
                .and_then(temp_writer)
                .is_some_and(|pid| !process_is_alive(pid))
                && entry.file_type().is_ok_and(|t| t.is_file())
                && fs::remove_file(entry.path()).is_ok()
        })
        .count();
    if removed > 0 {
        let _ = sync_dir(dir);
    }
    removed
}

/// Whether a process with this id exists (ours counts as alive: its own
/// temporaries belong to writes in progress).
fn process_is_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks whether the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// [`write`] of a value as pretty JSON with a final newline.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    write(path, &bytes)
}

/// Makes a rename, link or unlink in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

pub(crate) fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A name no other writer uses: hidden, in the same directory, with the pid and
/// a per-process sequence number.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    parent(path).join(format!(".{name}.tmp.{}.{seq}", std::process::id()))
}

/// Whether a file name is one of [`write`]'s temporaries (left behind only by a
/// process killed mid-write; never read as state).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["state.json"]);
    }

    #[test]
    fn derived_data_is_replaced_whole_and_refuses_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/cache.json");
        write_derived(&path, b"one").unwrap();
        write_derived(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["cache.json"]);
        let link = dir.path().join("sub/link.json");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(write_derived(&link, b"three").is_err());
        assert_eq!(fs::read(&path).unwrap(), b"two");
    }

    #[test]
    fn failure_names_the_path_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: rename fails.
        let path = dir.path().join("taken");
        fs::create_dir_all(path.join("inner")).unwrap();
        let err = write(&path, b"x").unwrap_err();
        assert!(err.to_string().contains("taken"), "{err}");
        let leftovers = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| is_temp_name(&e.as_ref().unwrap().file_name().to_string_lossy()));
        assert_eq!(leftovers.count(), 0);
    }

    #[test]
    fn refuses_a_link_and_cleans_up_after_killed_writers() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.json");
        fs::write(&outside, b"theirs").unwrap();
        let path = dir.path().join("state.json");
        std::os::unix::fs::symlink(&outside, &path).unwrap();
        let err = write(&path, b"ours").unwrap_err();
        assert!(file::as_not_regular(&err).is_some(), "{err}");
        assert_eq!(fs::read(&outside).unwrap(), b"theirs");
        assert!(
            fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        fs::remove_file(&path).unwrap();

        // A writer killed mid-write left its temporary; a live one's stays.
        let dead = dir.path().join(format!(".state.json.tmp.{}.0", i32::MAX));
        let live = dir
            .path()
            .join(format!(".state.json.tmp.{}.999", std::process::id()));
        let other = dir.path().join(format!(".other.json.tmp.{}.0", i32::MAX));
        for p in [&dead, &live, &other] {
            fs::write(p, b"partial").unwrap();
        }
        write(&path, b"ours").unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(other.exists());

        // A whole directory's dead temporaries, whatever file they were for.
        let plain = dir.path().join("notes.tmp.1.2");
        let odd = dir.path().join(".x.tmp.notapid.0");
        for p in [&dead, &plain, &odd] {
            fs::write(p, b"partial").unwrap();
        }
        assert_eq!(remove_dead_temps(dir.path()), 2);
        assert!(!dead.exists() && !other.exists());
        assert!(live.exists() && plain.exists() && odd.exists() && path.exists());
        assert_eq!(remove_dead_temps(&dir.path().join("missing")), 0);
    }

    #[test]
    fn temporary_names_give_their_writer() {
        assert_eq!(temp_writer(".p-1.json.tmp.4242.7"), Some(4242));
        assert_eq!(temp_writer(".a.b.c.tmp.1.0"), Some(1));
        for name in [
            "p-1.json.tmp.4242.7",
            ".tmp.4242.7",
            ".p.json.tmp.x.7",
            ".p.json.tmp.4242.x",
            ".p.json.temp.4242.7",
            ".p.json",
            ".",
            "",
        ] {
            assert_eq!(temp_writer(name), None, "{name}");
        }
    }
}
