//! Handlers of the command groups whose data is substrate used by every loop:
//! `tend audit` (the audit row and reader live in [`crate::audit`]) and
//! `tend config` (loading and validation live in [`crate::config`]). Keeping
//! them here keeps the substrate free of any import from above it.

pub mod audit;
pub mod config;
