//! `tend gc checkpoints` and `tend gc audit` (design §9): garbage collection of
//! orphaned agent checkpoints and of old audit segments, as carefully as
//! restic forgets snapshots.
//!
//! - [`rule`]: the orphan rule (pure);
//! - [`sessions`]: active sessions from the configured source;
//! - [`stores`]: the directory, SQLite and Postgres checkpoint stores;
//! - [`journal`]: the rows of removals and when they are made durable;
//! - [`checkpoints`], [`audit`]: the handlers.

pub mod audit;
pub mod checkpoints;
pub mod journal;
pub mod rule;
pub mod sessions;
pub mod stores;

use anyhow::Result;

use crate::cli::GcCommand;
use crate::ctx::{Ctx, Outcome, counters};

counters! {
    /// What the gc commands count (run records and JSON summaries).
    pub enum GcCount {
        Busy = "busy",
        Bytes = "bytes",
        Deleted = "deleted",
        Gone = "gone",
        Kept = "kept",
        Left = "left",
        OverCap = "over_cap",
        Removed = "removed",
        Scanned = "scanned",
        Skipped = "skipped",
        SourceEmpty = "source_empty",
        Touched = "touched",
        WouldDelete = "would_delete",
        WouldRemove = "would_remove",
    }
}

pub fn run(ctx: &mut Ctx, command: &GcCommand) -> Result<Outcome> {
    match command {
        GcCommand::Checkpoints(args) => checkpoints::run(ctx, args),
        GcCommand::Audit(args) => audit::run(ctx, args),
    }
}
