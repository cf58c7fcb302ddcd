//! Typed JSON state files. A file that does not parse is never silently reset:
//! it is moved to `state/quarantine/` and the command stops with exit 74.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{atomic, file};

/// A state file that did not parse and was moved aside: exit 74.
#[derive(Debug, thiserror::Error)]
#[error(
    "state file {} is unreadable ({reason}); moved it to {} — run `tend doctor` for how to recover",
    path.display(),
    quarantined.display()
)]
pub struct StateCorrupt {
    pub path: PathBuf,
    pub quarantined: PathBuf,
    pub reason: String,
}

/// A state file that did not parse, left where it is because the run writes
/// nothing (a dry run): exit 74, as for [`StateCorrupt`].
#[derive(Debug, thiserror::Error)]
#[error(
    "state file {} is unreadable ({reason}); left in place (a dry run moves nothing) — run `tend doctor` for how to recover",
    path.display()
)]
pub struct StateDamaged {
    pub path: PathBuf,
    pub reason: String,
}

/// Reads `path` as `T`. `Ok(None)` when the file does not exist. A file that
/// exists but does not parse is moved into `quarantine_dir` (its bytes kept
/// intact) and a [`StateCorrupt`] error is returned.
pub fn load<T: DeserializeOwned>(path: &Path, quarantine_dir: &Path) -> Result<Option<T>> {
    match read(path)? {
        None => Ok(None),
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(reason)) => Err(quarantine(path, quarantine_dir, reason)?.into()),
    }
}

/// [`load`] for a run that writes nothing: a file that does not parse is
/// left in place and a [`StateDamaged`] error names it.
pub fn load_in_place<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match read(path)? {
        None => Ok(None),
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(reason)) => Err(StateDamaged {
            path: path.to_path_buf(),
            reason,
        }
        .into()),
    }
}

/// Reads and parses `path`: `None` when it does not exist, `Some(Err(why))`
/// when it does not parse.
fn read<T: DeserializeOwned>(path: &Path) -> Result<Option<Result<T, String>>> {
    let Some(bytes) = file::read_regular(path)? else {
        return Ok(None);
    };
    // Every state file is a JSON object: serde would also fill a struct from
    // an array of its fields, so `[]` or `[{}]` must be refused here.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if let Some(&b) = first
        && b != b'{'
    {
        let found = match b {
            b'[' => "an array",
            b'"' => "a string",
            b'n' => "null",
            b't' | b'f' => "a boolean",
            b'-' | b'0'..=b'9' => "a number",
            _ => "something else",
        };
        return Ok(Some(Err(format!("expected a JSON object, found {found}"))));
    }
    Ok(Some(
        serde_json::from_slice(&bytes).map_err(|parse| parse.to_string()),
    ))
}

/// Writes `value` to `path` atomically.
pub fn save<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    atomic::write_json(path, value).map_err(Into::into)
}

/// Separates a state file's name from the time it was quarantined:
/// `wake.cursor.json.quarantined-20260524T080000.000Z`.
const QUARANTINE_MARK: &str = ".quarantined-";

/// The state file name a quarantined copy came from.
pub fn quarantined_from(name: &str) -> Option<&str> {
    name.split_once(QUARANTINE_MARK)
        .map(|(original, _)| original)
}

/// Where the quarantined copy `copy` (a file under `quarantine_dir`) came
/// from, as [`quarantine`] placed it: `None` for a file that is not such a
/// copy. A copy in a subdirectory came from that subdirectory of the state
/// directory when there is one (`runs/`), else from that path under the root.
pub fn origin(quarantine_dir: &Path, copy: &Path) -> Option<PathBuf> {
    let original = quarantined_from(copy.file_name()?.to_str()?)?;
    let state_dir = quarantine_dir.parent()?;
    let sub = atomic::parent(copy).strip_prefix(quarantine_dir).ok()?;
    if sub.as_os_str().is_empty() || state_dir.join(sub).is_dir() {
        return Some(state_dir.join(sub).join(original));
    }
    Some(state_dir.parent()?.join(sub).join(original))
}

/// Moves an unreadable state file aside, under a name that keeps every earlier
/// quarantined copy, and describes what happened.
pub fn quarantine(path: &Path, quarantine_dir: &Path, reason: String) -> Result<StateCorrupt> {
    // A file in a subdirectory of the state directory (`state/runs/x.json`)
    // goes to the same subdirectory of the quarantine, and a file elsewhere
    // under the root (`proposals/<loop>/<status>/p-….json`) to its path from
    // the root, so that its copy says where it came from ([`origin`]).
    let dir = atomic::parent(path);
    let state_dir = quarantine_dir.parent();
    let sub = match state_dir.map(|s| dir.strip_prefix(s)) {
        Some(Ok(sub)) => Some(sub),
        _ => state_dir
            .and_then(Path::parent)
            .and_then(|root| dir.strip_prefix(root).ok()),
    }
    .filter(|sub| !sub.as_os_str().is_empty())
    .map(Path::to_path_buf);
    let quarantine_dir = match &sub {
        Some(sub) => quarantine_dir.join(sub),
        None => quarantine_dir.to_path_buf(),
    };
    let quarantine_dir = quarantine_dir.as_path();
    file::create_dir_all(quarantine_dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut target = quarantine_dir.join(format!("{name}{QUARANTINE_MARK}{stamp}"));
    let mut n = 1;
    while target.exists() {
        target = quarantine_dir.join(format!("{name}{QUARANTINE_MARK}{stamp}.{n}"));
        n += 1;
    }
    fs::rename(path, &target)
        .with_context(|| format!("cannot move {} to {}", path.display(), target.display()))?;
    atomic::sync_dir(atomic::parent(path))?;
    atomic::sync_dir(quarantine_dir)?;
    Ok(StateCorrupt {
        path: path.to_path_buf(),
        quarantined: target,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn missing_is_none_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let q = dir.path().join("quarantine");
        assert!(load::<BTreeMap<String, u32>>(&path, &q).unwrap().is_none());
        let value = BTreeMap::from([("a".to_string(), 1u32)]);
        save(&path, &value).unwrap();
        assert_eq!(
            load::<BTreeMap<String, u32>>(&path, &q).unwrap(),
            Some(value)
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Pair {
        a: Vec<u32>,
        b: Option<String>,
    }

    /// serde fills a struct from an array of its fields; a state file must be
    /// an object, so every other top-level shape is quarantined as it is.
    #[test]
    fn a_top_level_that_is_not_an_object_is_quarantined() {
        for (text, found) in [
            ("[[], null]", "an array"),
            (" [ ]", "an array"),
            ("null", "null"),
            ("7", "a number"),
            ("\"x\"", "a string"),
            ("true", "a boolean"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("s.json");
            let q = dir.path().join("quarantine");
            fs::write(&path, text).unwrap();
            let err = load::<Pair>(&path, &q).unwrap_err();
            let corrupt = err.downcast_ref::<StateCorrupt>().expect("StateCorrupt");
            assert!(corrupt.reason.contains(found), "{text}: {}", corrupt.reason);
            assert!(!path.exists(), "{text}");
            assert_eq!(fs::read_to_string(&corrupt.quarantined).unwrap(), text);
        }
        // An object still loads.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        fs::write(&path, "\n {\"a\": [1], \"b\": null}").unwrap();
        assert!(
            load::<Pair>(&path, &dir.path().join("q"))
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_file_of_a_subdirectory_keeps_it_in_the_quarantine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs/probe-run.json");
        let q = dir.path().join("quarantine");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, b"{\"command\": ").unwrap();
        let err = load::<BTreeMap<String, u32>>(&path, &q).unwrap_err();
        let corrupt = err.downcast_ref::<StateCorrupt>().expect("StateCorrupt");
        assert_eq!(corrupt.quarantined.parent().unwrap(), q.join("runs"));
        assert_eq!(origin(&q, &corrupt.quarantined).unwrap(), path);
    }

    #[test]
    fn every_copy_says_where_it_came_from() {
        let root = tempfile::tempdir().unwrap();
        let state = root.path().join("state");
        let q = state.join("quarantine");
        for rel in [
            "state/wake.cursor.json",
            "state/runs/probe-run.json",
            "proposals/router-tuning/pending/p-router-0123456789ab.json",
            "silences/active/s-1.json",
        ] {
            let path = root.path().join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, b"{").unwrap();
            let corrupt = quarantine(&path, &q, "torn".into()).unwrap();
            assert!(corrupt.quarantined.starts_with(&q), "{rel}");
            assert!(!path.exists(), "{rel}");
            assert_eq!(origin(&q, &corrupt.quarantined).unwrap(), path, "{rel}");
        }
        assert_eq!(origin(&q, &q.join("notes.txt")), None);
        assert_eq!(
            origin(&q, Path::new("/elsewhere/x.json.quarantined-1")),
            None
        );
    }

    #[test]
    fn corrupt_is_quarantined_with_bytes_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let q = dir.path().join("quarantine");
        fs::write(&path, b"{\"a\": 1,,").unwrap();
        let err = load::<BTreeMap<String, u32>>(&path, &q).unwrap_err();
        let corrupt = err.downcast_ref::<StateCorrupt>().expect("StateCorrupt");
        assert!(!path.exists());
        assert_eq!(fs::read(&corrupt.quarantined).unwrap(), b"{\"a\": 1,,");
        let name = corrupt.quarantined.file_name().unwrap().to_str().unwrap();
        assert_eq!(quarantined_from(name), Some("s.json"));
        // A second corrupt copy does not overwrite the first.
        fs::write(&path, b"garbage").unwrap();
        let err = load::<BTreeMap<String, u32>>(&path, &q).unwrap_err();
        let second = err.downcast_ref::<StateCorrupt>().unwrap();
        assert_ne!(second.quarantined, corrupt.quarantined);
        assert_eq!(fs::read_dir(&q).unwrap().count(), 2);
    }
}
