//! The directory store: `<dir>/<thread_id>/…` or `<dir>/<thread_id>.json[l]`.
//!
//! A thread was last touched at the newest mtime among its files and
//! directories. Symbolic links are never followed (a link counts by its own
//! mtime, and deleting a thread removes the link, never what it points to), and
//! a thread that reaches onto another filesystem (a mount point inside it) is
//! never touched.
//!
//! Deleting renames the thread's entries to `.tend-gc-…` names first — from
//! then on the thread is gone as far as any reader is concerned — and removes
//! them afterwards; a run killed in between leaves only such names, which the
//! next run removes before it starts.

use std::collections::BTreeMap;
use std::fs::{self, Metadata};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};

use super::{CheckpointStore, Found, LastTouched, Record, Removal, StoreKind, Vacuumed};
use crate::gc::rule::Thread;

/// Prefix of a thread being deleted (hidden: never a thread itself).
const TRASH_PREFIX: &str = ".tend-gc-";

pub struct DirStore {
    dir: PathBuf,
    dev: u64,
}

/// The parts of one thread on disk.
#[derive(Debug, Default, Clone)]
struct Parts {
    dir: bool,
    json: bool,
    jsonl: bool,
}

impl Parts {
    fn paths(&self, root: &Path, id: &str) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        if self.dir {
            paths.push(root.join(id));
        }
        if self.json {
            paths.push(root.join(format!("{id}.json")));
        }
        if self.jsonl {
            paths.push(root.join(format!("{id}.jsonl")));
        }
        paths
    }
}

/// What walking a thread's entries found.
#[derive(Debug, Clone, Copy, Default)]
struct Walk {
    newest: Option<DateTime<Utc>>,
    bytes: u64,
}

impl DirStore {
    /// Opens the store directory (it must exist; nothing is created).
    pub fn open(dir: &Path) -> Result<DirStore> {
        let meta = fs::metadata(dir)
            .with_context(|| format!("cannot open the checkpoint directory {}", dir.display()))?;
        if !meta.is_dir() {
            bail!("the checkpoint store {} is not a directory", dir.display());
        }
        Ok(DirStore {
            dir: dir.to_path_buf(),
            dev: meta.dev(),
        })
    }

    /// Removes what a killed run left half-deleted.
    pub fn clear_trash(&self) -> Result<usize> {
        let mut cleared = 0;
        for entry in read_dir(&self.dir)? {
            let entry = entry.with_context(|| format!("cannot list {}", self.dir.display()))?;
            let name = entry.file_name();
            if name.to_str().is_some_and(|n| n.starts_with(TRASH_PREFIX)) {
                let path = entry.path();
                self.remove(&path)?;
                cleared += 1;
            }
        }
        Ok(cleared)
    }

    fn list(&self, skipped: &mut Vec<String>) -> Result<BTreeMap<String, Parts>> {
        let mut threads: BTreeMap<String, Parts> = BTreeMap::new();
        for entry in read_dir(&self.dir)? {
            let entry = entry.with_context(|| format!("cannot list {}", self.dir.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                skipped.push(format!("{}: the name is not UTF-8", entry.path().display()));
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let file_type = entry
                .file_type()
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            if file_type.is_symlink() {
                skipped.push(format!(
                    "{}: a symbolic link (not followed)",
                    entry.path().display()
                ));
            } else if file_type.is_dir() {
                threads.entry(name.to_string()).or_default().dir = true;
            } else if file_type.is_file() {
                if let Some(id) = name.strip_suffix(".jsonl").filter(|id| !id.is_empty()) {
                    threads.entry(id.to_string()).or_default().jsonl = true;
                } else if let Some(id) = name.strip_suffix(".json").filter(|id| !id.is_empty()) {
                    threads.entry(id.to_string()).or_default().json = true;
                }
            }
        }
        Ok(threads)
    }

    /// The newest mtime and total size under `path`, without following links
    /// or leaving the store's filesystem.
    fn walk(&self, path: &Path) -> Result<Option<Walk>, String> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let mut walk = Walk::default();
        self.visit(path, &meta, &mut walk)?;
        Ok(Some(walk))
    }

    fn visit(&self, path: &Path, meta: &Metadata, walk: &mut Walk) -> Result<(), String> {
        if meta.dev() != self.dev {
            return Err(format!(
                "{} is on another filesystem (a mount point inside the store)",
                path.display()
            ));
        }
        let mtime = mtime_of(meta);
        if walk.newest.is_none_or(|n| mtime > n) {
            walk.newest = Some(mtime);
        }
        if meta.is_file() {
            walk.bytes += meta.len();
        }
        if meta.is_dir() {
            let entries =
                fs::read_dir(path).map_err(|e| format!("cannot list {}: {e}", path.display()))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("cannot list {}: {e}", path.display()))?;
                // DirEntry::metadata does not follow symbolic links.
                let child = match entry.metadata() {
                    Ok(m) => m,
                    // Removed while we looked: it no longer counts.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        return Err(format!("cannot read {}: {e}", entry.path().display()));
                    }
                };
                self.visit(&entry.path(), &child, walk)?;
            }
        }
        Ok(())
    }

    /// Walks every part of a thread. `Ok(None)` when none exists any more.
    fn walk_parts(&self, paths: &[PathBuf]) -> Result<Option<Walk>, String> {
        let mut total: Option<Walk> = None;
        for path in paths {
            if let Some(w) = self.walk(path)? {
                let t = total.get_or_insert_with(Walk::default);
                t.bytes += w.bytes;
                if t.newest.is_none_or(|n| w.newest.is_some_and(|wn| wn > n)) {
                    t.newest = w.newest;
                }
            }
        }
        Ok(total)
    }

    fn remove(&self, path: &Path) -> Result<()> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let result = if meta.is_dir() {
            // Does not follow symbolic links (it removes the links themselves).
            fs::remove_dir_all(path)
        } else {
            fs::remove_file(path)
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }

    fn existing_parts(&self, id: &str) -> Parts {
        let exists = |p: PathBuf| fs::symlink_metadata(p).ok();
        let dir = exists(self.dir.join(id)).is_some_and(|m| m.is_dir());
        let json = exists(self.dir.join(format!("{id}.json"))).is_some_and(|m| m.is_file());
        let jsonl = exists(self.dir.join(format!("{id}.jsonl"))).is_some_and(|m| m.is_file());
        Parts { dir, json, jsonl }
    }
}

fn read_dir(dir: &Path) -> Result<fs::ReadDir> {
    fs::read_dir(dir)
        .with_context(|| format!("cannot list the checkpoint directory {}", dir.display()))
}

fn mtime_of(meta: &Metadata) -> DateTime<Utc> {
    DateTime::from_timestamp(meta.mtime(), meta.mtime_nsec().clamp(0, 999_999_999) as u32)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl CheckpointStore for DirStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Dir
    }

    fn scan_each(&mut self, found: Found<'_>) -> Result<Vec<String>> {
        let mut skipped = Vec::new();
        let threads = self.list(&mut skipped)?;
        for (id, parts) in threads {
            let touched = match self.walk_parts(&parts.paths(&self.dir, &id)) {
                Ok(Some(Walk {
                    newest: Some(at), ..
                })) => LastTouched::At(at),
                // Removed between listing and walking: not a thread any more.
                Ok(_) => continue,
                Err(why) => LastTouched::Unknown(why),
            };
            found(&id, touched);
        }
        Ok(skipped)
    }

    fn delete(&mut self, thread: &Thread, record: Record<'_>) -> Result<Removal> {
        let id = &thread.thread_id;
        let Ok(scanned) = &thread.last_touched else {
            bail!("thread {id} has no known time; it cannot be deleted");
        };
        let parts = self.existing_parts(id);
        let paths = parts.paths(&self.dir, id);
        let now = match self.walk_parts(&paths) {
            Ok(None) => return Ok(Removal::Gone),
            Ok(Some(w)) => w,
            Err(why) => bail!("thread {id}: {why}"),
        };
        if now.newest.is_some_and(|n| n > *scanned) {
            return Ok(Removal::Touched { at: now.newest });
        }
        record(now.bytes)?;
        // Out of sight first: each rename is atomic, and a thread whose parts
        // are all renamed is gone for every reader.
        let tag = format!("{TRASH_PREFIX}{}-", std::process::id());
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            let trash = self.dir.join(format!("{tag}{i}-{id}"));
            match fs::rename(path, &trash) {
                Ok(()) => moved.push((path.clone(), trash)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    let restored = restore(&moved);
                    return Err(e).with_context(|| {
                        format!("cannot move {} out of the store{restored}", path.display())
                    });
                }
            }
        }
        let trashed: Vec<PathBuf> = moved.iter().map(|(_, t)| t.clone()).collect();
        // A writer that still had the thread open may have written meanwhile.
        let after = self.walk_parts(&trashed);
        let touched = match &after {
            Ok(Some(w)) => w.newest.filter(|n| n > scanned),
            _ => None,
        };
        if touched.is_some() || after.is_err() {
            let restored = restore(&moved);
            if let Err(why) = after {
                bail!("thread {id}: {why}{restored}");
            }
            return Ok(Removal::Touched { at: touched });
        }
        for path in &trashed {
            self.remove(path)?;
        }
        Ok(Removal::Removed { bytes: now.bytes })
    }

    fn vacuum(&mut self) -> Result<Vacuumed> {
        // Files are freed as they are removed: nothing to reclaim.
        Ok(Vacuumed {
            before: None,
            after: None,
        })
    }
}

/// Moves renamed parts back; a note for the error message when that fails.
fn restore(moved: &[(PathBuf, PathBuf)]) -> String {
    let mut failed = Vec::new();
    for (original, trash) in moved.iter().rev() {
        if let Err(e) = fs::rename(trash, original) {
            failed.push(format!(
                "{} could not be moved back to {}: {e}",
                trash.display(),
                original.display()
            ));
        }
    }
    if failed.is_empty() {
        String::new()
    } else {
        format!(" ({})", failed.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn set_mtime(path: &Path, secs: i64) {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
        let f = fs::File::options()
            .write(true)
            .open(path)
            .or_else(|_| fs::File::open(path))
            .expect("open");
        f.set_modified(t).expect("set mtime");
    }

    #[test]
    fn scan_finds_dirs_and_files_and_skips_links() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = tmp.path().join("store");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(store.join("A/ns")).expect("mkdir");
        fs::create_dir_all(&outside).expect("mkdir");
        fs::write(store.join("A/ns/c1"), b"12345").expect("write");
        fs::write(outside.join("big"), vec![0u8; 1000]).expect("write");
        symlink(&outside, store.join("A/ns/link")).expect("symlink");
        symlink(&outside, store.join("L")).expect("symlink");
        fs::write(store.join("B.json"), b"{}").expect("write");
        fs::write(store.join("C.jsonl"), b"{}\n").expect("write");
        fs::write(store.join("notes.txt"), b"x").expect("write");
        fs::write(store.join(".hidden.json"), b"x").expect("write");
        for p in ["A/ns/c1", "A/ns", "A", "B.json", "C.jsonl"] {
            set_mtime(&store.join(p), 1_000);
        }
        set_mtime(&store.join("A/ns/c1"), 5_000);
        let mut s = DirStore::open(&store).expect("open");
        let scan = s.scan().expect("scan");
        let ids: Vec<&str> = scan.threads.iter().map(|t| t.thread_id.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C"]);
        assert_eq!(scan.skipped.len(), 1, "{:?}", scan.skipped);
        assert!(scan.skipped[0].contains("symbolic link"));
        // The symlink's own mtime counts, not its target's; the newest is c1.
        let a = &scan.threads[0];
        let link_mtime = mtime_of(&fs::symlink_metadata(store.join("A/ns/link")).expect("lstat"));
        let expected = link_mtime.max(DateTime::from_timestamp(5_000, 0).expect("ts"));
        assert_eq!(a.last_touched, Ok(expected));

        // Deleting A removes the link, never the target.
        let removal = s.delete(a, &mut |_| Ok(())).expect("delete");
        assert_eq!(removal, Removal::Removed { bytes: 5 });
        assert!(!store.join("A").exists());
        assert!(outside.join("big").exists());
        assert_eq!(
            s.delete(a, &mut |_| Ok(())).expect("delete again"),
            Removal::Gone
        );
    }

    #[test]
    fn a_thread_touched_after_the_scan_is_kept() {
        let tmp = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(tmp.path().join("T")).expect("mkdir");
        fs::write(tmp.path().join("T/c"), b"1").expect("write");
        set_mtime(&tmp.path().join("T/c"), 1_000);
        set_mtime(&tmp.path().join("T"), 1_000);
        let mut s = DirStore::open(tmp.path()).expect("open");
        let scan = s.scan().expect("scan");
        fs::write(tmp.path().join("T/c"), b"22").expect("write");
        let removal = s.delete(&scan.threads[0], &mut |_| Ok(())).expect("delete");
        assert!(matches!(removal, Removal::Touched { .. }), "{removal:?}");
        assert_eq!(fs::read(tmp.path().join("T/c")).expect("read"), b"22");
    }

    #[test]
    fn leftovers_of_a_killed_run_are_cleared() {
        let tmp = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(tmp.path().join(".tend-gc-1-0-X/sub")).expect("mkdir");
        fs::write(tmp.path().join(".tend-gc-1-0-X/sub/f"), b"1").expect("write");
        let s = DirStore::open(tmp.path()).expect("open");
        assert_eq!(s.clear_trash().expect("clear"), 1);
        assert!(!tmp.path().join(".tend-gc-1-0-X").exists());
    }

    #[test]
    fn missing_store_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let err = DirStore::open(&tmp.path().join("nope"))
            .err()
            .expect("error");
        assert!(format!("{err:#}").contains("nope"));
    }
}
