//! Appending to JSON Lines files shared with other writers (SPEC §3): a batch
//! goes out in one `write` on an `O_APPEND` descriptor while an exclusive
//! `flock` on the file is held, so concurrent writers never interleave.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use super::atomic;

/// Appends `batch` (complete lines, each ending in `\n`) to `path`, creating the
/// file and its directory when missing, and makes it durable before returning.
pub fn append(path: &Path, batch: &[u8]) -> io::Result<()> {
    debug_assert!(
        batch.is_empty() || batch.ends_with(b"\n"),
        "append takes whole lines"
    );
    if batch.is_empty() {
        return Ok(());
    }
    let dir = atomic::parent(path);
    let existed = path.exists();
    if !existed {
        fs::create_dir_all(dir)?;
    }
    let context = |e: io::Error| {
        io::Error::new(
            e.kind(),
            format!("cannot append to {}: {e}", path.display()),
        )
    };
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(context)?;
    file.lock().map_err(context)?;
    // One write for the batch; a short write (disk full, signal) is finished
    // while the lock is still held, so no other writer lands in between.
    let written = file.write(batch).map_err(context)?;
    if written < batch.len() {
        file.write_all(&batch[written..]).map_err(context)?;
    }
    file.sync_data().map_err(context)?;
    file.unlock().map_err(context)?;
    if !existed {
        atomic::sync_dir(dir).map_err(context)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
