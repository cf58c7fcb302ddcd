//! The plain-file substrate (design §1, §3, §10). Everything that touches state on
//! disk goes through here, and knows nothing of probes, wakes or alerts:
//!
//! - [`attempts`]: the journal of send attempts recorded before each send;
//! - [`atomic`]: write-replace of state files (temp → fsync → rename → fsync dir);
//! - [`file`]: opening segments, state and locks without following links,
//!   refusing non-regular files, and creating directories durably;
//! - [`state`]: typed JSON state files that are quarantined, never reset, when
//!   they do not parse;
//! - [`lock`]: per-command `flock`s that name their holder;
//! - [`jsonl`]: appending a batch of lines under an exclusive lock with one write;
//! - [`tail`] and [`cursor`]: reading complete lines across daily segments from a
//!   remembered position, with a byte prefilter;
//! - [`id_index`]: a persistent set of ids over monthly segments, caught up at open;
//! - [`redact`]: the secrets scrubbed from everything written or printed;
//! - [`source`]: entity sources (file, dir, command) streamed row by row;
//! - [`status_dir`]: per-status directories with moves that never overwrite.

pub mod atomic;
pub mod attempts;
pub mod cursor;
pub mod file;
pub mod hash;
pub mod id_index;
pub mod jsonl;
pub mod lock;
pub mod process;
pub mod redact;
pub mod source;
pub mod state;
pub mod status_dir;
pub mod tail;
