//! The exit-code table (design §10), in one place, and the mapping from an error
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

/// The exit-status table: code(s) and meaning. `--help` shows it as text
/// ([`exit_codes_help`]) and every man page as its EXIT STATUS section.
pub const EXIT_CODES: &[(&str, &str)] = &[
    ("0", "success (a run that did nothing is a success)"),
    (
        "1",
        "the run completed but something failed (a channel, a source, a probe, an overdue command in `tend status`)",
    ),
    ("2", "usage or configuration error; nothing was done"),
    (
        "0-3",
        "with `probe run --nagios-exit`: the worst probe state (OK, WARNING, CRITICAL, UNKNOWN), as a Nagios plugin would exit",
    ),
    (
        "74",
        "a state file could not be read; it was moved to state/quarantine/ (or a state file, segment or lock is a link or not a regular file)",
    ),
    (
        "75",
        "another run holds this command's lock; nothing was done",
    ),
];

/// [`EXIT_CODES`] as the text at the end of `tend --help`, each meaning
/// wrapped under its code.
pub fn exit_codes_help() -> String {
    const WIDTH: usize = 76;
    const INDENT: usize = 6;
    let mut text = String::from("Exit status:");
    for (code, meaning) in EXIT_CODES {
        let mut line = format!("  {code:<4}");
        for word in meaning.split(' ') {
            if line.len() > INDENT && line.len() + 1 + word.len() > WIDTH {
                text.push('\n');
                text.push_str(&line);
                line = " ".repeat(INDENT);
            } else if line.len() > INDENT {
                line.push(' ');
            }
            line.push_str(word);
        }
        text.push('\n');
        text.push_str(&line);
    }
    text
}

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
            || cause
                .downcast_ref::<crate::store::state::StateDamaged>()
                .is_some()
            || crate::store::file::as_not_regular(cause).is_some()
        {
            return Exit::StateUnreadable;
        }
        if cause.downcast_ref::<crate::config::ConfigError>().is_some()
            || cause.downcast_ref::<UsageError>().is_some()
            || cause
                .downcast_ref::<crate::store::status_dir::InvalidId>()
                .is_some()
            || cause
                .downcast_ref::<crate::store::status_dir::UnknownStatus>()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_help_wraps_each_meaning_under_its_code() {
        let text = exit_codes_help();
        assert!(text.starts_with("Exit status:\n  0   success"), "{text}");
        for line in text.lines() {
            assert!(line.len() <= 76, "{line:?}");
        }
        // A continuation line is indented past the code column.
        assert!(text.contains("\n      an overdue command"), "{text}");
        for (code, _) in EXIT_CODES {
            assert!(text.contains(&format!("\n  {code:<4}")), "{code}");
        }
    }
}
