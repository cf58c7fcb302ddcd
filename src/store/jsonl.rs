//! Appending to JSON Lines files shared with other writers (design §3): a batch
//! goes out in one `write` on an `O_APPEND` descriptor while an exclusive
//! `flock` on the file is held, so concurrent writers never interleave. A
//! queue file can also be [`rewrite`]n (consumed lines dropped) under the same
//! lock without losing a concurrent append.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

use super::{atomic, file};

/// Appends `batch` (complete lines, each ending in `\n`) to `path`, creating the
/// file and its directory when missing, and makes it durable before returning.
///
/// Under the file's exclusive lock: when the file does not end in `\n` (a
/// writer died mid-line), the batch first ends that line, so it starts on a
/// fresh one; the batch goes out in one `write`; and when any of it fails (disk
/// full, file size limit, a signal), the file is cut back to its length before
/// the batch, so a failed append leaves nothing behind. A link or non-regular
/// file at `path` is refused.
pub fn append(path: &Path, batch: &[u8]) -> io::Result<()> {
    append_with(path, batch, Durability::Synced)
}

/// Appends as [`append`] does — same lock, fresh line, cut back on failure,
/// a new file's directory entry made durable — but leaves the batch in the
/// page cache: it survives the writer being killed, not a power cut, until
/// [`sync`] (or the kernel) writes it out. For a writer that records many
/// facts in a row and makes them durable together, at a point it chooses.
pub fn append_unsynced(path: &Path, batch: &[u8]) -> io::Result<()> {
    append_with(path, batch, Durability::Deferred)
}

/// Makes everything appended to `path` so far durable (`fdatasync`).
pub fn sync(path: &Path) -> io::Result<()> {
    file::open_regular(path, OpenOptions::new().read(true))
        .and_then(|f| f.sync_data())
        .map_err(|e| file::context(e, "cannot sync", path))
}

/// Whether an append waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durability {
    Synced,
    Deferred,
}

fn append_with(path: &Path, batch: &[u8], durability: Durability) -> io::Result<()> {
    debug_assert!(
        batch.is_empty() || batch.ends_with(b"\n"),
        "append takes whole lines"
    );
    if batch.is_empty() {
        return Ok(());
    }
    let batch: &[u8] = &super::redact::scrub_bytes(batch);
    let dir = atomic::parent(path);
    let context = |e| file::context(e, "cannot append to", path);
    let existed = fs::symlink_metadata(path).is_ok();
    if !existed {
        file::create_dir_all(dir).map_err(context)?;
    }
    let mut file = open_locked(path).map_err(context)?;
    append_locked(&mut file, batch, durability).map_err(context)?;
    file.unlock().map_err(context)?;
    if !existed {
        atomic::sync_dir(dir).map_err(context)?;
    }
    Ok(())
}

/// The write itself, with the lock held: fresh line first, cut back on failure.
fn append_locked(file: &mut File, batch: &[u8], durability: Durability) -> io::Result<()> {
    let before = file.metadata()?.len();
    let mut last = [0u8; 1];
    let torn = before > 0 && {
        file.read_exact_at(&mut last, before - 1)?;
        last[0] != b'\n'
    };
    let fresh;
    let bytes = if torn {
        fresh = [b"\n".as_slice(), batch].concat();
        fresh.as_slice()
    } else {
        batch
    };
    let sync = |file: &File| match durability {
        Durability::Synced => file.sync_data(),
        Durability::Deferred => Ok(()),
    };
    let result = write_whole(file, bytes).and_then(|()| sync(file));
    if let Err(e) = result {
        return match file.set_len(before).and_then(|()| sync(file)) {
            Ok(()) => Err(e),
            Err(cut) => Err(io::Error::new(
                e.kind(),
                format!(
                    "{e}; cutting the file back to its {before} bytes before the write also failed: {cut}"
                ),
            )),
        };
    }
    Ok(())
}

/// One `write` for the whole batch; a short one (disk full, signal) is
/// finished while the lock is still held, so no other writer lands in between.
fn write_whole(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match file.write(&bytes[done..]) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "wrote nothing")),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Opens `path` for appending with its exclusive lock held. When the path was
/// replaced (by [`rewrite`]) while this process waited for the lock, the lock
/// is on the old file: open the new one instead, so no line lands in a file
/// nobody reads any more.
fn open_locked(path: &Path) -> io::Result<File> {
    loop {
        let file = file::open_regular(
            path,
            OpenOptions::new().read(true).append(true).create(true),
        )?;
        file.lock()?;
        let held = file.metadata()?;
        match fs::symlink_metadata(path) {
            Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => return Ok(file),
            // Replaced or removed meanwhile: try again on what is there now.
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
}

/// Replaces the content of `path` with `edit(current content)`, holding the
/// lock [`append`] takes, through a temporary file and a rename (so a crash
/// leaves the old content or the new one). An append that waited for the lock
/// goes to the new file after it. A missing file reads as empty; nothing is
/// written when `edit` returns the content unchanged.
pub fn rewrite(path: &Path, edit: impl FnOnce(&[u8]) -> Vec<u8>) -> io::Result<()> {
    let context = |e| file::context(e, "cannot rewrite", path);
    if fs::symlink_metadata(path).is_err() {
        file::create_dir_all(atomic::parent(path)).map_err(context)?;
    }
    let mut file = open_locked(path).map_err(context)?;
    let mut current = Vec::new();
    file.read_to_end(&mut current).map_err(context)?;
    let next = edit(&current);
    if next != current {
        atomic::write(path, &next)?;
    }
    // The lock goes with the old file's descriptor.
    drop(file);
    Ok(())
}

/// What [`remove`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub bytes: u64,
    /// Complete lines (a torn last line is not counted).
    pub lines: u64,
}

/// Removes a JSON Lines file (an old audit segment) holding the lock
/// [`append`] takes, so no batch is half-written into it as it goes; an append
/// that waited for the lock creates the file anew. A symbolic link or
/// non-regular file is refused. `Ok(None)` when it was already gone.
pub fn remove(path: &Path) -> io::Result<Option<Removed>> {
    let context =
        |e: io::Error| io::Error::new(e.kind(), format!("cannot remove {}: {e}", path.display()));
    match fs::symlink_metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(context(io::Error::other(
                "not a regular file (a symbolic link or a directory is never removed)",
            )));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(context(e)),
    }
    let file = match OpenOptions::new().read(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(context(e)),
    };
    file.lock().map_err(context)?;
    let held = file.metadata().map_err(context)?;
    match fs::symlink_metadata(path) {
        Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => {}
        // Replaced meanwhile: what is there now is someone else's.
        Ok(_) => {
            return Err(context(io::Error::other(
                "it was replaced while being removed",
            )));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(context(e)),
    }
    let mut lines = 0u64;
    let mut reader = io::BufReader::with_capacity(1 << 16, &file);
    loop {
        let buf = io::BufRead::fill_buf(&mut reader).map_err(context)?;
        if buf.is_empty() {
            break;
        }
        lines += memchr::memchr_iter(b'\n', buf).count() as u64;
        let n = buf.len();
        io::BufRead::consume(&mut reader, n);
    }
    fs::remove_file(path).map_err(context)?;
    atomic::sync_dir(atomic::parent(path)).map_err(context)?;
    drop(file);
    Ok(Some(Removed {
        bytes: held.len(),
        lines,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_counts_lines_and_refuses_links() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2026-05-01.jsonl");
        append(&path, b"a\nbb\n").unwrap();
        assert_eq!(remove(&path).unwrap(), Some(Removed { bytes: 5, lines: 2 }));
        assert!(!path.exists());
        assert_eq!(remove(&path).unwrap(), None);
        let target = dir.path().join("target.jsonl");
        append(&target, b"x\n").unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = remove(&path).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(target.exists() && path.exists());
    }

    #[test]
    fn unsynced_appends_are_written_at_once_and_synced_later() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.jsonl");
        append_unsynced(&path, b"{\"n\":1}\n").unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"torn\"")
            .unwrap();
        append_unsynced(&path, b"{\"n\":2}\n").unwrap();
        append(&path, b"{\"n\":3}\n").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\"n\":1}\n{\"torn\"\n{\"n\":2}\n{\"n\":3}\n"
        );
        sync(&path).unwrap();
        // A link is refused, as for append.
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(append_unsynced(&link, b"{}\n").is_err());
        assert!(sync(&link).is_err());
        let err = sync(&dir.path().join("missing.jsonl")).unwrap_err();
        assert!(err.to_string().contains("missing.jsonl"), "{err}");
    }

    #[test]
    fn appends_batches_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.jsonl");
        append(&path, b"{\"n\":1}\n").unwrap();
        append(&path, b"").unwrap();
        append(&path, b"{\"n\":2}\n{\"n\":3}\n").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n"
        );
    }

    #[test]
    fn rewrite_keeps_appends_that_waited_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.jsonl");
        append(&path, b"a\nb\n").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                rx.recv().unwrap();
                // Blocks on the lock rewrite holds, then must land in the new file.
                append(&path, b"c\n").unwrap();
            })
        };
        rewrite(&path, |current| {
            tx.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(100));
            current.strip_prefix(b"a\n").unwrap().to_vec()
        })
        .unwrap();
        writer.join().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "b\nc\n");
        rewrite(&dir.path().join("missing.jsonl"), |c| c.to_vec()).unwrap();
    }

    #[test]
    fn a_batch_after_a_torn_line_starts_on_a_fresh_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg.jsonl");
        fs::write(&path, b"{\"n\":1}\n{\"n\":2,\"cut").unwrap();
        append(&path, b"{\"n\":3}\n").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\"n\":1}\n{\"n\":2,\"cut\n{\"n\":3}\n"
        );
    }

    #[test]
    fn refuses_to_append_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, b"keep\n").unwrap();
        let path = dir.path().join("2026-01-01.jsonl");
        std::os::unix::fs::symlink(&outside, &path).unwrap();
        let err = append(&path, b"row\n").unwrap_err();
        let refused = file::as_not_regular(&err).expect("NotRegularFile");
        assert_eq!(refused.path, path);
        assert_eq!(fs::read(&outside).unwrap(), b"keep\n");
        let err = rewrite(&path, |_| b"x\n".to_vec()).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read(&outside).unwrap(), b"keep\n");
    }
}
