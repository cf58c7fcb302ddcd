//! Opening the store's files safely (design §3, §10): a segment, state file or
//! lock that is a symbolic link or not a regular file is refused with an error
//! naming it, so `tend` never writes through a link nor blocks on a FIFO; and
//! directories the store creates are made durable in their parent.

use std::error::Error as StdError;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::atomic;

/// A symbolic link or a non-regular file (a directory, a FIFO, a device, a
/// socket) where the store expects a regular file. Mapped to exit 74.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} is {found}, not a regular file; tend refuses it (move it away or replace it with a regular file)", path.display())]
pub struct NotRegularFile {
    pub path: PathBuf,
    /// What is there instead, e.g. "a symbolic link", "a directory".
    pub found: &'static str,
}

impl NotRegularFile {
    fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, self)
    }
}

/// The [`NotRegularFile`] in `err` itself or wrapped in an `io::Error`.
pub fn as_not_regular<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a NotRegularFile> {
    if let Some(found) = err.downcast_ref::<NotRegularFile>() {
        return Some(found);
    }
    err.downcast_ref::<io::Error>()
        .and_then(io::Error::get_ref)
        .and_then(|inner| inner.downcast_ref::<NotRegularFile>())
}

/// `e` with `doing` and the path in its message, keeping a
/// [`NotRegularFile`] as it is (its message already names the path).
pub fn context(e: io::Error, doing: &str, path: &Path) -> io::Error {
    if as_not_regular(&e).is_some() {
        return e;
    }
    io::Error::new(e.kind(), format!("{doing} {}: {e}", path.display()))
}

/// What a file type is, in words.
pub fn describe(file_type: fs::FileType) -> &'static str {
    if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "a regular file"
    }
}

/// `Ok(())` when `path` is missing or a regular file; a [`NotRegularFile`]
/// error (inside an `io::Error`) when it is anything else, a link included.
pub fn check_regular_or_missing(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => Ok(()),
        Ok(m) => Err(NotRegularFile {
            path: path.to_path_buf(),
            found: describe(m.file_type()),
        }
        .into_io()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        // A parent that is a file (ENOTDIR), a directory we may not search:
        // named, so "cannot record the run" does not end in a bare errno.
        Err(e) => Err(context(e, "cannot look at", path)),
    }
}

/// Opens `path` with `options`, refusing a symbolic link as the last component
/// (`O_NOFOLLOW`) and anything but a regular file (checked on the open
/// descriptor, so there is no window between the check and the use). A FIFO
/// does not block the open (`O_NONBLOCK`, which regular files ignore).
pub fn open_regular(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let file = match options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(NotRegularFile {
                path: path.to_path_buf(),
                found: "a symbolic link",
            }
            .into_io());
        }
        Err(e) if e.raw_os_error() == Some(libc::EISDIR) => {
            return Err(NotRegularFile {
                path: path.to_path_buf(),
                found: "a directory",
            }
            .into_io());
        }
        // A FIFO without a reader refuses a non-blocking open for writing.
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(NotRegularFile {
                path: path.to_path_buf(),
                found: match fs::symlink_metadata(path) {
                    Ok(m) => describe(m.file_type()),
                    Err(_) => "not a regular file",
                },
            }
            .into_io());
        }
        Err(e) => return Err(e),
    };
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(NotRegularFile {
            path: path.to_path_buf(),
            found: describe(file_type),
        }
        .into_io());
    }
    Ok(file)
}

/// The whole content of the regular file `path` ([`open_regular`]), `None`
/// when it does not exist; any other error names the path.
pub fn read_regular(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = match open_regular(path, OpenOptions::new().read(true)) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(context(e, "cannot read", path)),
    };
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut file, &mut bytes).map_err(|e| context(e, "cannot read", path))?;
    Ok(Some(bytes))
}

/// Creates `dir` and its missing parents, fsyncing each new directory's parent
/// so the new entry survives a crash. Existing directories are left alone; a
/// non-directory in the way is an error naming it.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut at = dir;
    loop {
        match fs::metadata(at) {
            Ok(m) if m.is_dir() => break,
            Ok(m) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{} is {}, not a directory",
                        at.display(),
                        describe(m.file_type())
                    ),
                ));
            }
            // Missing, or under something that is not a directory (named below).
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(libc::ENOTDIR) =>
            {
                missing.push(at);
                match at.parent() {
                    Some(p) if !p.as_os_str().is_empty() => at = p,
                    _ => break,
                }
            }
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("cannot look at {}: {e}", at.display()),
                ));
            }
        }
    }
    for new in missing.iter().rev() {
        match fs::create_dir(new) {
            Ok(()) => {}
            // Created meanwhile by another writer: it is theirs to sync, and
            // syncing again below costs little.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && new.is_dir() => {}
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("cannot create {}: {e}", new.display()),
                ));
            }
        }
        let parent = atomic::parent(new);
        atomic::sync_dir(parent).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot sync {}: {e}", parent.display()))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_file_where_a_directory_belongs_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        fs::write(&runs, "x").unwrap();
        let path = runs.join("probe-run.json");
        let err = check_regular_or_missing(&path).unwrap_err();
        assert_eq!(err.raw_os_error(), None);
        assert!(
            err.to_string()
                .starts_with(&format!("cannot look at {}: ", path.display())),
            "{err}"
        );
        let err = atomic::write(&path, b"{}").unwrap_err();
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }

    fn refused(err: io::Error) -> NotRegularFile {
        as_not_regular(&err)
            .unwrap_or_else(|| panic!("not a NotRegularFile: {err}"))
            .clone()
    }

    #[test]
    fn refuses_links_directories_and_fifos() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        symlink(&target, &link).unwrap();
        let dangling = dir.path().join("dangling");
        symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);

        let append = || {
            let mut o = OpenOptions::new();
            o.read(true).append(true).create(true);
            o
        };
        let read = || {
            let mut o = OpenOptions::new();
            o.read(true);
            o
        };
        for (path, found) in [
            (&link, "a symbolic link"),
            (&dangling, "a symbolic link"),
            (&sub, "a directory"),
            (&fifo, "a FIFO"),
        ] {
            let e = refused(open_regular(path, &mut append()).unwrap_err());
            assert_eq!((&e.path, e.found), (path, found));
            let e = refused(open_regular(path, &mut read()).unwrap_err());
            assert_eq!(e.found, found);
            assert!(e.to_string().contains(path.to_str().unwrap()), "{e}");
            assert_eq!(
                refused(check_regular_or_missing(path).unwrap_err()).found,
                found
            );
        }
        // Nothing was created or written through the links.
        assert_eq!(fs::read(&target).unwrap(), b"x");
        assert!(!dir.path().join("nowhere").exists());
        open_regular(&target, &mut append()).unwrap();
        check_regular_or_missing(&target).unwrap();
        check_regular_or_missing(&dir.path().join("missing")).unwrap();
    }

    #[test]
    fn creates_nested_directories_and_names_what_is_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all(&deep).unwrap();
        assert!(deep.is_dir());
        create_dir_all(&deep).unwrap();
        fs::write(dir.path().join("file"), b"").unwrap();
        let err = create_dir_all(&dir.path().join("file/sub")).unwrap_err();
        assert!(
            err.to_string()
                .contains("is a regular file, not a directory"),
            "{err}"
        );
    }
}
