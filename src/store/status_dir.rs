//! Per-status directories (`proposals/<loop>/{pending,approved,…}/<id>.json`,
//! `silences/{active,expired}/`), design §10.
//!
//! Each store names its statuses with an enum implementing [`Status`]: the
//! lifecycle order and a forward-only transition table. Because every allowed
//! move goes to a status later in that order, an item found in two directories
//! (a `kill -9` between the link and the unlink of a move) is resolved soundly
//! by "the later status wins": the later copy is always the newer one.
//!
//! An item lives in exactly one status directory. A move writes the new content
//! to a temporary file in the target directory, hard-links it to its final name
//! (which fails rather than overwrite) and then unlinks the source, all under an
//! exclusive `flock` on `<base>/.lock`, so two processes moving the same item
//! cannot both succeed. Reading an item that does not parse moves it aside to a
//! quarantine directory, so one damaged file never hides the others.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;

use super::atomic;
use super::state::{self, StateCorrupt};

/// The statuses of one store, as a closed enum.
pub trait Status: Copy + Eq + fmt::Debug + 'static {
    /// Every status, in lifecycle order (a later status wins a repair).
    const ALL: &'static [Self];

    /// The directory name (and the JSON value) of this status.
    fn name(self) -> &'static str;

    /// The statuses an item may move to from this one. Every target must come
    /// later in [`Status::ALL`] (checked by [`check_table`]).
    fn next(self) -> &'static [Self];

    /// Whether an item may move from `self` to `to`.
    fn can_move_to(self, to: Self) -> bool {
        self.next().contains(&to)
    }

    /// The status called `name`, or an error listing the statuses.
    fn parse(name: &str) -> Result<Self, UnknownStatus> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| UnknownStatus {
                name: name.to_string(),
                expected: Self::ALL
                    .iter()
                    .map(|s| s.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Position of `status` in the lifecycle order.
fn rank<S: Status>(status: S) -> usize {
    S::ALL.iter().position(|s| *s == status).unwrap_or(0)
}

/// Checks that a transition table only moves forward in the lifecycle order
/// and that names are distinct: what makes "the later status wins" sound.
pub fn check_table<S: Status>() -> Result<(), String> {
    for (i, s) in S::ALL.iter().enumerate() {
        if S::ALL[..i].iter().any(|t| t.name() == s.name()) {
            return Err(format!("status name {:?} is used twice", s.name()));
        }
        for to in s.next() {
            if rank(*to) <= i {
                return Err(format!(
                    "{} -> {} moves backwards in the lifecycle",
                    s.name(),
                    to.name()
                ));
            }
        }
    }
    Ok(())
}

/// A status name that is not one of the store's (a usage error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {name:?}: expected one of {expected}")]
pub struct UnknownStatus {
    pub name: String,
    pub expected: String,
}

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
        expected: &'static str,
        actual: &'static str,
    },
    #[error("{id:?} cannot move from {from} to {to}")]
    Forbidden {
        id: String,
        from: &'static str,
        to: &'static str,
    },
}

/// The store for one set of status directories.
#[derive(Debug)]
pub struct StatusDirs<S: Status> {
    base: PathBuf,
    quarantine: PathBuf,
    statuses: PhantomData<S>,
    /// Whether [`StatusDirs::sweep_once`] ran.
    swept: std::sync::atomic::AtomicBool,
    /// A damaged item is named and left where it is (a run that writes
    /// nothing), not quarantined.
    leave_damaged: bool,
}

/// Where an item is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<S> {
    pub status: S,
    pub path: PathBuf,
}

/// An item read from its directory.
#[derive(Debug, Clone)]
pub struct Item<S, T> {
    pub id: String,
    pub status: S,
    pub path: PathBuf,
    pub value: T,
    /// When it was placed in its status directory (its file's mtime).
    pub modified: SystemTime,
}

impl<S, T> Item<S, T> {
    /// How long it has been in its status at `now` (zero if `now` is earlier).
    pub fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(self.modified).unwrap_or_default()
    }
}

/// The items of one status: those that parsed, and the damaged ones that were
/// moved aside while reading.
#[derive(Debug)]
pub struct Listing<S, T> {
    pub items: Vec<Item<S, T>>,
    pub quarantined: Vec<StateCorrupt>,
    /// Entries that are not regular files (a directory, a FIFO, a link where
    /// an item belongs): left where they are, named, never read.
    pub refused: Vec<super::file::NotRegularFile>,
}

impl<S: Status> StatusDirs<S> {
    /// A store at `base`; damaged items go to `quarantine`.
    pub fn new(base: impl Into<PathBuf>, quarantine: impl Into<PathBuf>) -> StatusDirs<S> {
        StatusDirs {
            base: base.into(),
            quarantine: quarantine.into(),
            statuses: PhantomData,
            swept: std::sync::atomic::AtomicBool::new(false),
            leave_damaged: false,
        }
    }

    /// The same store, reading a damaged item as a [`state::StateDamaged`]
    /// error that leaves it in place when `leave` (a dry run).
    pub fn leaving_damaged(mut self, leave: bool) -> StatusDirs<S> {
        self.leave_damaged = leave;
        self
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn path(&self, status: S, id: &str) -> PathBuf {
        self.base.join(status.name()).join(format!("{id}.json"))
    }

    /// Once per store value, at its first write: removes the temporaries of
    /// writers killed before their file was placed. Each item file is written
    /// once, so no later write of the same name would find them.
    fn sweep_once(&self) {
        if !self.swept.swap(true, std::sync::atomic::Ordering::Relaxed) {
            for status in S::ALL {
                atomic::remove_dead_temps(&self.base.join(status.name()));
            }
        }
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
    fn holders(&self, id: &str) -> Vec<S> {
        S::ALL
            .iter()
            .copied()
            .filter(|s| self.path(*s, id).exists())
            .collect()
    }

    /// The status of `id` as readers see it (the later one when a crash
    /// left it in two directories), changing nothing: for a dry run.
    pub fn status_of(&self, id: &str) -> Result<Option<S>> {
        validate_id(id)?;
        Ok(self.holders(id).last().copied())
    }

    /// Finds `id`, repairing an item left in two directories by a crash.
    pub fn locate(&self, id: &str) -> Result<Option<Located<S>>> {
        validate_id(id)?;
        if self.holders(id).len() > 1 {
            let _guard = self.lock()?;
            self.repair_locked(id)?;
        }
        Ok(self.holders(id).last().map(|status| Located {
            status: *status,
            path: self.path(*status, id),
        }))
    }

    /// Removes all but the latest copy of `id`. Caller holds the lock.
    fn repair_locked(&self, id: &str) -> Result<Vec<S>> {
        let holders = self.holders(id);
        let mut removed = Vec::new();
        if let Some((_, earlier)) = holders.split_last() {
            for status in earlier {
                let path = self.path(*status, id);
                match fs::remove_file(&path) {
                    Ok(()) => removed.push(*status),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                    }
                }
                atomic::sync_dir(&self.base.join(status.name()))?;
            }
        }
        Ok(removed)
    }

    /// Items present in more than one status directory, with their holders in
    /// lifecycle order (for diagnostics; nothing is changed).
    pub fn duplicates(&self) -> Vec<(String, Vec<S>)> {
        let mut seen = std::collections::BTreeMap::<String, Vec<S>>::new();
        for status in S::ALL {
            for id in self.list_raw(*status).unwrap_or_default() {
                seen.entry(id).or_default().push(*status);
            }
        }
        seen.into_iter().filter(|(_, h)| h.len() > 1).collect()
    }

    /// Applies the repair rule to every item; returns (id, kept status, removed
    /// statuses) for each item that was in more than one directory.
    pub fn repair_all(&self) -> Result<Vec<(String, S, Vec<S>)>> {
        let duplicates = self.duplicates();
        let mut repaired = Vec::new();
        if !duplicates.is_empty() {
            let _guard = self.lock()?;
            for (id, _) in duplicates {
                let removed = self.repair_locked(&id)?;
                if let Some(kept) = self.holders(&id).last() {
                    repaired.push((id, *kept, removed));
                }
            }
        }
        Ok(repaired)
    }

    fn list_raw(&self, status: S) -> Result<Vec<String>> {
        let dir = self.base.join(status.name());
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

    /// The ids in `status`, sorted. An id also present in a later status (a
    /// move interrupted by a crash) is left out, as the repair rule would.
    pub fn list(&self, status: S) -> Result<Vec<String>> {
        let later = &S::ALL[rank(status) + 1..];
        let mut ids = self.list_raw(status)?;
        ids.retain(|id| !later.iter().any(|s| self.path(*s, id).exists()));
        Ok(ids)
    }

    /// Reads `id` in `status` as `T`. A file that does not parse as `T` is
    /// moved to the quarantine directory and a [`StateCorrupt`] error returned.
    pub fn read<T: DeserializeOwned>(&self, status: S, id: &str) -> Result<Item<S, T>> {
        validate_id(id)?;
        let path = self.path(status, id);
        // Not through a link, and not a directory or a FIFO (which would block
        // the run): an error naming the path (exit 74), as for state files.
        let file = super::file::open_regular(&path, OpenOptions::new().read(true))
            .map_err(|e| super::file::context(e, "cannot open", &path))?;
        let modified = file
            .metadata()
            .and_then(|m| m.modified())
            .with_context(|| format!("cannot stat {}", path.display()))?;
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut &file, &mut bytes)
            .with_context(|| format!("cannot read {}", path.display()))?;
        match serde_json::from_slice::<T>(&bytes) {
            Ok(value) => Ok(Item {
                id: id.to_string(),
                status,
                path,
                value,
                modified,
            }),
            Err(e) if self.leave_damaged => Err(state::StateDamaged {
                path,
                reason: e.to_string(),
            }
            .into()),
            Err(e) => Err(state::quarantine(&path, &self.quarantine, e.to_string())?.into()),
        }
    }

    /// Reads every item of `status`; damaged ones are quarantined and
    /// reported, entries that are not regular files are named and left, and
    /// the others are still returned.
    pub fn read_all<T: DeserializeOwned>(&self, status: S) -> Result<Listing<S, T>> {
        let mut listing = Listing {
            items: Vec::new(),
            quarantined: Vec::new(),
            refused: Vec::new(),
        };
        for id in self.list(status)? {
            match self.read(status, &id) {
                Ok(item) => listing.items.push(item),
                Err(e) => match e.downcast::<StateCorrupt>() {
                    Ok(corrupt) => listing.quarantined.push(corrupt),
                    Err(e) => match super::file::as_not_regular(e.as_ref()) {
                        Some(refused) => listing.refused.push(refused.clone()),
                        // Moved meanwhile by another process: not in this
                        // status any more.
                        None if !self.path(status, &id).exists() => {}
                        None => return Err(e),
                    },
                },
            }
        }
        Ok(listing)
    }

    /// How many items `status` holds (a cheap count: nothing is parsed).
    pub fn count(&self, status: S) -> Result<usize> {
        Ok(self.list(status)?.len())
    }

    /// Creates `id` in `status` with `bytes`. Returns the status it already has
    /// (and writes nothing) when it exists anywhere.
    pub fn create(&self, status: S, id: &str, bytes: &[u8]) -> Result<Result<PathBuf, S>> {
        validate_id(id)?;
        let _guard = self.lock()?;
        if let Some(existing) = self.holders(id).last() {
            return Ok(Err(*existing));
        }
        self.sweep_once();
        let target = self.path(status, id);
        place_new(&target, bytes)?;
        Ok(Ok(target))
    }

    /// Moves `id` from `from` to `to`, replacing its content with `bytes`. Never
    /// overwrites; exactly one of several concurrent moves of an item succeeds.
    /// A move the transition table does not allow is refused.
    pub fn move_item(&self, id: &str, from: S, to: S, bytes: &[u8]) -> Result<PathBuf> {
        validate_id(id)?;
        if !from.can_move_to(to) {
            return Err(MoveError::Forbidden {
                id: id.into(),
                from: from.name(),
                to: to.name(),
            }
            .into());
        }
        let _guard = self.lock()?;
        self.repair_locked(id)?;
        let source = self.path(from, id);
        if !source.exists() {
            return Err(match self.holders(id).last() {
                Some(actual) => MoveError::NotIn {
                    id: id.into(),
                    expected: from.name(),
                    actual: actual.name(),
                },
                None => MoveError::NotFound {
                    id: id.into(),
                    base: self.base.clone(),
                },
            }
            .into());
        }
        self.sweep_once();
        let target = self.path(to, id);
        place_new(&target, bytes)?;
        fs::remove_file(&source).with_context(|| format!("cannot remove {}", source.display()))?;
        atomic::sync_dir(atomic::parent(&source))?;
        Ok(target)
    }

    /// Replaces the content of `id` where it is (e.g. a silence's note, an
    /// approval's apply result).
    pub fn rewrite(&self, id: &str, status: S, bytes: &[u8]) -> Result<()> {
        validate_id(id)?;
        let _guard = self.lock()?;
        let path = self.path(status, id);
        if !path.exists() {
            return Err(MoveError::NotFound {
                id: id.into(),
                base: self.base.join(status.name()),
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

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Life {
        Pending,
        Approved,
        Rejected,
        Expired,
    }

    impl Status for Life {
        const ALL: &'static [Life] =
            &[Life::Pending, Life::Approved, Life::Rejected, Life::Expired];
        fn name(self) -> &'static str {
            match self {
                Life::Pending => "pending",
                Life::Approved => "approved",
                Life::Rejected => "rejected",
                Life::Expired => "expired",
            }
        }
        fn next(self) -> &'static [Life] {
            match self {
                Life::Pending => &[Life::Approved, Life::Rejected, Life::Expired],
                _ => &[],
            }
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Backwards {
        A,
        B,
    }

    impl Status for Backwards {
        const ALL: &'static [Backwards] = &[Backwards::A, Backwards::B];
        fn name(self) -> &'static str {
            match self {
                Backwards::A => "a",
                Backwards::B => "b",
            }
        }
        fn next(self) -> &'static [Backwards] {
            match self {
                Backwards::A => &[Backwards::B],
                Backwards::B => &[Backwards::A],
            }
        }
    }

    fn store(dir: &Path) -> StatusDirs<Life> {
        StatusDirs::new(dir.join("items"), dir.join("quarantine"))
    }

    #[test]
    fn tables_move_forward_only_and_names_parse() {
        assert_eq!(check_table::<Life>(), Ok(()));
        assert!(check_table::<Backwards>().unwrap_err().contains("b -> a"));
        assert_eq!(Life::parse("rejected"), Ok(Life::Rejected));
        let err = Life::parse("aproved").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown status \"aproved\": expected one of pending, approved, rejected, expired"
        );
        assert!(Life::Pending.can_move_to(Life::Expired));
        assert!(!Life::Approved.can_move_to(Life::Rejected));
        assert!(!Life::Expired.can_move_to(Life::Pending));
    }

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
    fn an_item_that_is_not_a_regular_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        assert!(store.create(Life::Pending, "ok", b"{}").unwrap().is_ok());
        let pending = store
            .path(Life::Pending, "x")
            .parent()
            .unwrap()
            .to_path_buf();
        fs::create_dir(pending.join("adir.json")).unwrap();
        std::os::unix::fs::symlink(pending.join("ok.json"), pending.join("alink.json")).unwrap();
        let fifo = std::ffi::CString::new(
            pending
                .join("afifo.json")
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        for (id, found) in [
            ("adir", "a directory"),
            ("alink", "a symbolic link"),
            ("afifo", "a FIFO"),
        ] {
            // A FIFO used to block the read forever; a link was followed.
            let err = store
                .read::<serde_json::Value>(Life::Pending, id)
                .unwrap_err();
            let refused = super::super::file::as_not_regular(err.root_cause())
                .unwrap_or_else(|| panic!("{id}: {err:#}"));
            assert_eq!(refused.found, found);
            assert_eq!(refused.path, store.path(Life::Pending, id));
        }
        assert!(store.read::<serde_json::Value>(Life::Pending, "ok").is_ok());
    }

    #[test]
    fn create_move_and_refuse() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        assert!(store.create(Life::Pending, "p1", b"{}").unwrap().is_ok());
        assert_eq!(
            store.create(Life::Pending, "p1", b"{}").unwrap(),
            Err(Life::Pending)
        );
        assert_eq!(store.list(Life::Pending).unwrap(), ["p1"]);
        store
            .move_item(
                "p1",
                Life::Pending,
                Life::Approved,
                b"{\"status\":\"approved\"}",
            )
            .unwrap();
        assert_eq!(store.locate("p1").unwrap().unwrap().status, Life::Approved);
        assert_eq!(
            fs::read(store.path(Life::Approved, "p1")).unwrap(),
            b"{\"status\":\"approved\"}"
        );
        let err = store
            .move_item("p1", Life::Pending, Life::Rejected, b"{}")
            .unwrap_err();
        assert!(
            matches!(err.downcast_ref::<MoveError>(), Some(MoveError::NotIn { actual, .. }) if *actual == "approved")
        );
        // The table refuses a backward or sideways move before touching anything.
        let err = store
            .move_item("p1", Life::Approved, Life::Rejected, b"{}")
            .unwrap_err();
        assert!(matches!(
            err.downcast_ref::<MoveError>(),
            Some(MoveError::Forbidden { .. })
        ));
        assert!(store.path(Life::Approved, "p1").exists());
        let err = store
            .move_item("nope", Life::Pending, Life::Rejected, b"{}")
            .unwrap_err();
        assert!(matches!(
            err.downcast_ref::<MoveError>(),
            Some(MoveError::NotFound { .. })
        ));
        assert!(
            store
                .move_item("../etc", Life::Pending, Life::Rejected, b"{}")
                .unwrap_err()
                .downcast_ref::<InvalidId>()
                .is_some()
        );
        assert!(store.list(Life::Pending).unwrap().is_empty());
        assert_eq!(store.count(Life::Approved).unwrap(), 1);
    }

    #[test]
    fn the_first_write_removes_the_temporaries_of_killed_writers() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let dead = |status: &str, id: &str| {
            let path = store
                .base()
                .join(status)
                .join(format!(".{id}.json.tmp.{}.0", i32::MAX));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, b"{\"partial").unwrap();
            path
        };
        let pending = dead("pending", "p9");
        let approved = dead("approved", "p8");
        let live = store
            .base()
            .join("pending")
            .join(format!(".p7.json.tmp.{}.0", std::process::id()));
        fs::write(&live, b"{").unwrap();
        // Reading changes nothing.
        assert!(store.list(Life::Pending).unwrap().is_empty());
        assert!(pending.exists() && approved.exists());
        assert!(store.create(Life::Pending, "p1", b"{}").unwrap().is_ok());
        assert!(!pending.exists() && !approved.exists());
        assert!(live.exists(), "a write in progress keeps its temporary");
        assert_eq!(store.list(Life::Pending).unwrap(), ["p1"]);
    }

    #[test]
    fn repair_keeps_the_later_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        for status in [Life::Pending, Life::Rejected] {
            fs::create_dir_all(store.base().join(status.name())).unwrap();
            fs::write(store.path(status, "p2"), status.name()).unwrap();
        }
        // Listing already hides the stale copy; locating repairs it on disk.
        assert!(store.list(Life::Pending).unwrap().is_empty());
        assert_eq!(store.list(Life::Rejected).unwrap(), ["p2"]);
        assert_eq!(
            store.duplicates(),
            [("p2".to_string(), vec![Life::Pending, Life::Rejected])]
        );
        assert_eq!(store.locate("p2").unwrap().unwrap().status, Life::Rejected);
        assert!(!store.path(Life::Pending, "p2").exists());
        fs::write(store.path(Life::Pending, "p3"), "x").unwrap();
        fs::create_dir_all(store.base().join("expired")).unwrap();
        fs::write(store.path(Life::Expired, "p3"), "y").unwrap();
        assert_eq!(
            store.repair_all().unwrap(),
            [("p3".to_string(), Life::Expired, vec![Life::Pending])]
        );
        assert!(store.duplicates().is_empty());
    }

    #[test]
    fn reading_quarantines_a_damaged_item_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        store
            .create(Life::Pending, "good", b"{\"n\":1}")
            .unwrap()
            .unwrap();
        store
            .create(Life::Pending, "torn", b"{\"n\":")
            .unwrap()
            .unwrap();
        store
            .create(Life::Pending, "shape", b"[]")
            .unwrap()
            .unwrap();
        #[derive(serde::Deserialize)]
        struct N {
            n: u32,
        }
        let listing = store.read_all::<N>(Life::Pending).unwrap();
        assert_eq!(listing.items.len(), 1);
        assert_eq!(listing.items[0].id, "good");
        assert_eq!(listing.items[0].value.n, 1);
        assert_eq!(listing.quarantined.len(), 2);
        assert!(listing.quarantined[0].path.ends_with("pending/shape.json"));
        assert!(
            listing.quarantined[0]
                .quarantined
                .starts_with(dir.path().join("quarantine"))
        );
        assert_eq!(store.list(Life::Pending).unwrap(), ["good"]);
        // The bytes were kept.
        assert_eq!(
            fs::read(&listing.quarantined[1].quarantined).unwrap(),
            b"{\"n\":"
        );
        // Age counts from when the item was placed.
        let item = &listing.items[0];
        let later = item.modified + Duration::from_secs(90);
        assert_eq!(item.age(later), Duration::from_secs(90));
        assert_eq!(
            item.age(item.modified - Duration::from_secs(5)),
            Duration::ZERO
        );
    }

    #[test]
    fn reading_names_what_is_not_a_regular_file_and_lists_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        for id in ["a", "c"] {
            store
                .create(Life::Pending, id, b"{\"n\":1}")
                .unwrap()
                .unwrap();
        }
        let pending = store.base().join("pending");
        fs::create_dir(pending.join("b.json")).unwrap();
        let fifo = pending.join("d.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        std::os::unix::fs::symlink(pending.join("a.json"), pending.join("e.json")).unwrap();
        let listing = store.read_all::<serde_json::Value>(Life::Pending).unwrap();
        let ids: Vec<&str> = listing.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert!(listing.quarantined.is_empty());
        let refused: Vec<(String, &str)> = listing
            .refused
            .iter()
            .map(|r| {
                let name = r.path.file_name().unwrap().to_string_lossy().into_owned();
                (name, r.found)
            })
            .collect();
        assert_eq!(refused.len(), 3, "{refused:?}");
        assert_eq!(refused[0].0, "b.json");
        assert_eq!(refused[1].0, "d.json");
        assert_eq!(refused[2].0, "e.json");
        // Left where they are.
        assert!(pending.join("b.json").is_dir() && fifo.exists());
    }
}
