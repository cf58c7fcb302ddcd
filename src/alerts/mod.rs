//! `tend alerts …` (SPEC §6): push newly firing alerts to Slack, email, a
//! webhook or standard output without spam.
//!
//! - [`source`]: where active alerts come from (probe state, `--from` inputs);
//! - [`diff`]: the pure set difference and every anti-spam rule;
//! - [`message`]: the text of each message;
//! - [`notify`], [`digest`], [`silence`], [`list`], [`send_test`]: the commands.

pub mod diff;
pub mod digest;
pub mod list;
pub mod message;
pub mod notify;
pub mod send_test;
pub mod silence;
pub mod source;

use anyhow::Result;

use crate::cli::AlertsCommand;
use crate::ctx::{Ctx, Outcome};

pub fn run(ctx: &mut Ctx, command: &AlertsCommand) -> Result<Outcome> {
    match command {
        AlertsCommand::Notify(args) => notify::run(ctx, args),
        AlertsCommand::List(args) => list::run(ctx, args),
        AlertsCommand::Digest => digest::run(ctx),
        AlertsCommand::Test(args) => send_test::run(ctx, args),
        AlertsCommand::Silence(command) => silence::run(ctx, command),
    }
}
