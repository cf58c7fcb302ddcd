//! Per-status directories (`proposals/<loop>/{pending,approved,…}/<id>.json`,
//! `silences/{active,expired}/`), SPEC §10.
//!
//! An item lives in exactly one status directory. A move writes the new content
//! to a temporary file in the target directory, hard-links it to its final name
//! (which fails rather than overwrite) and then unlinks the source, all under an
//! exclusive `flock` on `<base>/.lock`, so two processes moving the same item
//! cannot both succeed. A `kill -9` between the link and the unlink leaves the
//! item in two directories; the repair rule resolves that: the status that comes
//! later in the lifecycle order wins and the earlier copy is removed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::atomic;

/// An id that could escape its directory or is otherwise not allowed.
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid id {id:?}: expected 1 to 128 characters of [a-z0-9._-], starting with a letter or digit"
)]
pub struct InvalidId {
    pub id: String,
}

/// `[a-z0-9][a-z0-9._-]{0,127}`: no `/`, no `..` at the start, no hidden files.
pub fn validate_id(id: &str) -> Result<(), InvalidId> {
    let mut bytes = id.bytes();
    let ok = matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
        && id.len() <= 128;
    if ok {
        Ok(())
    } else {
        Err(InvalidId { id: id.to_string() })
    }
}

/// Why a move did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error("no item {id:?} in {}", .base.display())]
    NotFound { id: String, base: PathBuf },
    #[error("{id:?} is {actual}, not {expected}")]
    NotIn {
        id: String,
        expected: String,
        actual: String,
    },
}

/// The store for one set of status directories.
#[derive(Debug, Clone)]
pub struct StatusDirs {
    base: PathBuf,
    /// Lifecycle order: a later status wins a repair.
    statuses: &'static [&'static str],
}

/// Where an item is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub status: &'static str,
    pub path: PathBuf,
}

impl StatusDirs {
    pub fn new(base: impl Into<PathBuf>, statuses: &'static [&'static str]) -> StatusDirs {
        StatusDirs {
            base: base.into(),
            statuses,
        }
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn statuses(&self) -> &'static [&'static str] {
        self.statuses
    }

    fn status(&self, name: &str) -> &'static str {
        self.statuses
            .iter()
            .copied()
            .find(|s| *s == name)
            .unwrap_or_else(|| {
                panic!(
                    "{name:?} is not one of the store's statuses {:?}",
                    self.statuses
                )
            })
    }

    pub fn path(&self, status: &str, id: &str) -> PathBuf {
        self.base.join(status).join(format!("{id}.json"))
    }

    fn lock(&self) -> Result<File> {
        fs::create_dir_all(&self.base)
            .with_context(|| format!("cannot create {}", self.base.display()))?;
        let path = self.base.join(".lock");
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(file)
    }

    /// Every status holding `id`, in lifecycle order (no repair).
    fn holders(&self, id: &str) -> Vec<&'static str> {
        self.statuses
            .iter()
            .copied()
            .filter(|s| self.path(s, id).exists())
            .collect()
    }

    /// Finds `id`, repairing an item left in two directories by a crash.
    pub fn locate(&self, id: &str) -> Result<Option<Located>> {
        validate_id(id)?;
        let holders = self.holders(id);
        if holders.len() > 1 {
            let _guard = self.lock()?;
            self.repair_locked(id)?;
        }
        Ok(self.holders(id).last().map(|status| Located {
            status,
            path: self.path(status, id),
        }))
    }

    /// Removes all but the latest copy of `id`. Caller holds the lock.
    fn repair_locked(&self, id: &str) -> Result<Vec<&'static str>> {
        let holders = self.holders(id);
        let mut removed = Vec::new();
        if let Some((_, earlier)) = holders.split_last() {
            for status in earlier {
                let path = self.path(status, id);
                match fs::remove_file(&path) {
                    Ok(()) => removed.push(*status),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                    }
                }
                atomic::sync_dir(&self.base.join(status))?;
            }
        }
        Ok(removed)
    }

    /// Applies the repair rule to every item; returns (id, kept status, removed
    /// statuses) for each item that was in more than one directory.
    pub fn repair_all(&self) -> Result<Vec<(String, &'static str, Vec<&'static str>)>> {
        let mut seen = std::collections::BTreeMap::<String, usize>::new();
        for status in self.statuses {
            for id in self.list_raw(status)? {
                *seen.entry(id).or_default() += 1;
            }
        }
        let mut repaired = Vec::new();
        if seen.values().any(|n| *n > 1) {
            let _guard = self.lock()?;
            for (id, _) in seen.into_iter().filter(|(_, n)| *n > 1) {
                let removed = self.repair_locked(&id)?;
                if let Some(kept) = self.holders(&id).last() {
                    repaired.push((id, *kept, removed));
                }
            }
        }
        Ok(repaired)
    }

    fn list_raw(&self, status: &str) -> Result<Vec<String>> {
        let dir = self.base.join(status);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let name = entry?.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(id) = name.strip_suffix(".json")
                && validate_id(id).is_ok()
            {
                ids.push(id.to_string());
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// The ids present in `status`, sorted, without applying the repair rule
    /// (for diagnostics); unreadable directories count as empty.
    pub fn list_all(&self, status: &str) -> Vec<String> {
        self.list_raw(status).unwrap_or_default()
    }

    /// The ids in `status`, sorted. An id also present in a later status (a
    /// move interrupted by a crash) is left out, as the repair rule would.
    pub fn list(&self, status: &str) -> Result<Vec<String>> {
        let status = self.status(status);
        let later: Vec<&str> = self
            .statuses
            .iter()
            .copied()
            .skip_while(|s| *s != status)
            .skip(1)
            .collect();
        let mut ids = self.list_raw(status)?;
        ids.retain(|id| !later.iter().any(|s| self.path(s, id).exists()));
        Ok(ids)
    }

    /// Creates `id` in `status` with `bytes`. Returns the status it already has
    /// (and writes nothing) when it exists anywhere.
    pub fn create(
        &self,
        status: &str,
        id: &str,
        bytes: &[u8],
    ) -> Result<Result<PathBuf, &'static str>> {
        validate_id(id)?;
        let status = self.status(status);
        let _guard = self.lock()?;
        if let Some(existing) = self.holders(id).last() {
            return Ok(Err(existing));
        }
        let target = self.path(status, id);
        place_new(&target, bytes)?;
        Ok(Ok(target))
    }

    /// Moves `id` from `from` to `to`, replacing its content with `bytes`. Never
    /// overwrites; exactly one of several concurrent moves of an item succeeds.
    pub fn move_item(&self, id: &str, from: &str, to: &str, bytes: &[u8]) -> Result<PathBuf> {
        validate_id(id)?;
        let (from, to) = (self.status(from), self.status(to));
        let _guard = self.lock()?;
        self.repair_locked(id)?;
        let source = self.path(from, id);
        if !source.exists() {
            return Err(match self.holders(id).last() {
                Some(actual) => MoveError::NotIn {
                    id: id.into(),
                    expected: from.into(),
                    actual: (*actual).into(),
                },
                None => MoveError::NotFound {
                    id: id.into(),
                    base: self.base.clone(),
                },
            }
            .into());
        }
        let target = self.path(to, id);
        place_new(&target, bytes)?;
        fs::remove_file(&source).with_context(|| format!("cannot remove {}", source.display()))?;
        atomic::sync_dir(atomic::parent(&source))?;
        Ok(target)
    }

    /// Replaces the content of `id` where it is (e.g. a silence's note).
    pub fn rewrite(&self, id: &str, status: &str, bytes: &[u8]) -> Result<()> {
        validate_id(id)?;
        let status = self.status(status);
        let _guard = self.lock()?;
        let path = self.path(status, id);
        if !path.exists() {
            return Err(MoveError::NotFound {
                id: id.into(),
                base: self.base.join(status),
            }
            .into());
        }
        atomic::write(&path, bytes)?;
        Ok(())
    }
}

/// Writes `bytes` as a new file at `target`: temp file, fsync, hard link (fails
/// if `target` exists), unlink the temp, fsync the directory.
fn place_new(target: &Path, bytes: &[u8]) -> Result<()> {
    let bytes: &[u8] = &super::redact::scrub_bytes(bytes);
    let dir = atomic::parent(target);
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = atomic::temp_path(target);
    let result = (|| -> io::Result<()> {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::hard_link(&tmp, target)
    })();
    let _ = fs::remove_file(&tmp);
    result.with_context(|| format!("cannot create {}", target.display()))?;
    atomic::sync_dir(dir)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUSES: &[&str] = &["pending", "approved", "rejected", "expired"];

    #[test]
    fn ids_are_validated() {
        for ok in ["p-router-1a2b", "a", "0.x_y-z", &"a".repeat(128)] {
            assert!(validate_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            ".hidden",
            "-x",
            "A",
            "a b",
            "x\0",
            &"a".repeat(129),
            "é",
        ] {
            assert!(validate_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn create_move_and_refuse() {
        let dir = tempfile::tempdir().unwrap();
        let store = StatusDirs::new(dir.path(), STATUSES);
        assert!(store.create("pending", "p1", b"{}").unwrap().is_ok());
        assert_eq!(
            store.create("pending", "p1", b"{}").unwrap(),
            Err("pending")
        );
        assert_eq!(store.list("pending").unwrap(), ["p1"]);
        store
            .move_item("p1", "pending", "approved", b"{\"status\":\"approved\"}")
            .unwrap();
        assert_eq!(store.locate("p1").unwrap().unwrap().status, "approved");
        assert_eq!(
            fs::read(store.path("approved", "p1")).unwrap(),
            b"{\"status\":\"approved\"}"
        );
        let err = store
            .move_item("p1", "pending", "rejected", b"{}")
            .unwrap_err();
        assert!(
            matches!(err.downcast_ref::<MoveError>(), Some(MoveError::NotIn { actual, .. }) if actual == "approved")
        );
        let err = store
            .move_item("nope", "pending", "rejected", b"{}")
            .unwrap_err();
        assert!(matches!(
            err.downcast_ref::<MoveError>(),
            Some(MoveError::NotFound { .. })
        ));
        assert!(
            store
                .move_item("../etc", "pending", "rejected", b"{}")
                .unwrap_err()
                .downcast_ref::<InvalidId>()
                .is_some()
        );
        assert!(store.list("pending").unwrap().is_empty());
    }

    #[test]
    fn repair_keeps_the_later_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = StatusDirs::new(dir.path(), STATUSES);
        for status in ["pending", "rejected"] {
            fs::create_dir_all(dir.path().join(status)).unwrap();
            fs::write(store.path(status, "p2"), status).unwrap();
        }
        // Listing already hides the stale copy; locating repairs it on disk.
        assert!(store.list("pending").unwrap().is_empty());
        assert_eq!(store.list("rejected").unwrap(), ["p2"]);
        assert_eq!(store.locate("p2").unwrap().unwrap().status, "rejected");
        assert!(!store.path("pending", "p2").exists());
        fs::write(store.path("pending", "p3"), "x").unwrap();
        fs::create_dir_all(dir.path().join("expired")).unwrap();
        fs::write(store.path("expired", "p3"), "y").unwrap();
        assert_eq!(
            store.repair_all().unwrap(),
            [("p3".to_string(), "expired", vec!["pending"])]
        );
    }
}
