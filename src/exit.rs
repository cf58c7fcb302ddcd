//! The exit-code table (SPEC §10), in one place, and the mapping from an error
//! chain to a code.

use std::io;

use crate::store::state::StateCorrupt;

/// Every exit code `tend` uses. Documented in `--help` and the man pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// The run completed and everything in it succeeded.
    Success = 0,
    /// The run completed but something in it failed (a channel, a source, a probe).
    Partial = 1,
    /// Usage or configuration error; nothing was done.
    Usage = 2,
    /// `probe run --nagios-exit` only: the worst probe was UNKNOWN (there,
    /// 0, 1 and 2 mean OK, WARNING and CRITICAL, as for a Nagios plugin).
    Unknown = 3,
    /// A state file was unreadable and has been quarantined.
    StateUnreadable = 74,
    /// Another run holds the command's lock.
    LockHeld = 75,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The table shown at the end of `--help` and in the man pages.
pub const EXIT_CODES_HELP: &str = "\
Exit status:
  0   success (a run that did nothing is a success)
  1   the run completed but something failed (a channel, a source, a probe,
      an overdue command in `tend status`)
  2   usage or configuration error; nothing was done
  0-3 with `probe run --nagios-exit`: the worst probe state (OK, WARNING,
      CRITICAL, UNKNOWN), as a Nagios plugin would exit
  74  a state file could not be read; it was moved to state/quarantine/ (or a
      state file, segment or lock is a link or not a regular file)
  75  another run holds this command's lock; nothing was done";

/// A usage error found after argument parsing (bad `--details` JSON, an unknown
/// kind, an invalid id): exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Maps an error chain to its exit code by looking for the typed errors the
/// layers below raise (ripgrep's and xh's habit).
pub fn classify(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if cause
            .downcast_ref::<crate::store::lock::LockBusy>()
            .is_some()
        {
            return Exit::LockHeld;
        }
        if cause.downcast_ref::<StateCorrupt>().is_some()
            || crate::store::file::as_not_regular(cause).is_some()
        {
            return Exit::StateUnreadable;
        }
        if cause.downcast_ref::<crate::config::ConfigError>().is_some()
            || cause.downcast_ref::<UsageError>().is_some()
            || cause
                .downcast_ref::<crate::store::status_dir::InvalidId>()
                .is_some()
        {
            return Exit::Usage;
        }
    }
    Exit::Partial
}

/// A broken pipe on standard output (`tend audit tail | head`) is not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
