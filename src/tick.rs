//! `tend tick` (design §10): every loop once, in order (probe run, wake consume,
//! alerts notify, …), for a one-line crontab.
//! Each step is the command itself (same handler, same lock, same run record);
//! a step that fails is reported and the next one still runs. The exit code is
//! the worst of the steps'. Then the heartbeat, when configured, is pinged
//! with that exit code ([`crate::heartbeat`]).

use anyhow::Result;
use serde_json::json;

use crate::cli::{AlertsNotifyArgs, ProbeRunArgs, TickArgs, WakeConsumeArgs};
use crate::command::Command;
use crate::ctx::{Ctx, Outcome};
use crate::exit::{self, Exit};
use crate::heartbeat::{self, Ping};

type Step = fn(&mut Ctx) -> Result<Outcome>;

/// The loops, in the order they run ([`Command::TICK_STEPS`], from which
/// the help text of `tick` is made): adding one is adding a line to both.
const STEPS: &[(Command, Step)] = &[
    (Command::ProbeRun, |ctx| {
        crate::probe::run_probes(ctx, &ProbeRunArgs::default())
    }),
    (Command::WakeConsume, |ctx| {
        crate::wake::run(ctx, &WakeConsumeArgs::default())
    }),
    (Command::AlertsNotify, |ctx| {
        crate::alerts::notify::run(ctx, &AlertsNotifyArgs::default())
    }),
    // Only when a watcher is enabled: watchers are off unless enabled.
    (Command::WatchersTick, |ctx| {
        if crate::watchers::any_enabled(ctx) {
            crate::watchers::tick(ctx, &crate::cli::WatchersTickArgs::default())
        } else {
            Ok(Outcome::default())
        }
    }),
    // Only when `[promote] enabled` (off by default).
    (Command::PromoteRun, crate::promote::tick_step),
    // Only when `[report] dir` is set, at most every `[report] every`.
    (Command::Report, crate::report::tick_step),
];

pub fn run(ctx: &mut Ctx, _args: &TickArgs) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut worst = Exit::Success;
    let mut steps = Vec::new();
    let mut errors = StepErrors::default();
    // One durable write of run records for the whole tick (design §10).
    let (ran, recorded) = ctx.batch_runs(|ctx| -> Result<()> {
        for (command, step) in STEPS {
            let name = command.name();
            let exit = match step(ctx) {
                Ok(done) => {
                    outcome.counts.add_step(name, &done.counts);
                    done.exit()
                }
                Err(err) if exit::is_broken_pipe(&err) => return Err(err),
                Err(err) => {
                    errors.add(name, format!("{err:#}"));
                    exit::classify(&err)
                }
            };
            worst = worst.max(exit);
            steps.push(json!({"step": name, "exit_code": exit.code()}));
        }
        Ok(())
    });
    ran?;
    if !recorded {
        worst = worst.max(Exit::Partial);
    }
    for line in errors.lines() {
        ctx.out.error(&line);
    }
    let (heartbeat, beat_exit) = beat(ctx, worst);
    worst = worst.max(beat_exit);
    ctx.out.json(&json!({
        "summary": true,
        "command": "tick",
        "steps": steps,
        "heartbeat": heartbeat,
    }))?;
    outcome.failed = worst != Exit::Success;
    outcome.exit = Some(worst);
    Ok(outcome)
}

/// The steps' errors, each text once with every step it stopped: a cause
/// that stops every step (a full disk, a read-only file system) is one
/// error naming the steps, not the same error again per step.
#[derive(Debug, Default)]
struct StepErrors(Vec<(Vec<&'static str>, String)>);

impl StepErrors {
    fn add(&mut self, step: &'static str, message: String) {
        match self.0.iter_mut().find(|(_, m)| *m == message) {
            Some((steps, _)) => steps.push(step),
            None => self.0.push((vec![step], message)),
        }
    }

    /// `probe run, wake consume: <error>`, in the order they first failed.
    fn lines(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|(steps, message)| format!("{}: {message}", steps.join(", ")))
            .collect()
    }
}

/// Pings the heartbeat, if configured, after a tick that ended with `exit`;
/// returns what happened for the JSON summary (`null` when not configured)
/// and the exit code it adds: a failed ping is never fatal, but a URL that
/// cannot be read (its variable unset under cron) is the heartbeat's own
/// failure, exit 1 (design §10), as nothing else would tell anyone.
fn beat(ctx: &mut Ctx, exit: Exit) -> (serde_json::Value, Exit) {
    let url = match ctx.config.heartbeat_url() {
        Ok(Some(url)) => url,
        Ok(None) => return (serde_json::Value::Null, Exit::Success),
        Err(e) => {
            // The run names the variable once, at its end.
            ctx.out.error(&format!(
                "heartbeat not pinged: its URL cannot be read ({})",
                e.key
            ));
            let json = json!({"status": "failed", "exit_code": exit.code(), "error": heartbeat::SECRET_UNREADABLE});
            return (json, Exit::Partial);
        }
    };
    if ctx.dry_run {
        ctx.out.note("dry run: the heartbeat is not pinged");
        return (json!({"status": "dry_run"}), Exit::Success);
    }
    let json = match heartbeat::ping(&url, ctx.config.heartbeat.timeout.to_std(), exit) {
        Ping::Sent { status } => {
            ctx.out.note(&format!(
                "heartbeat pinged (exit code {}, HTTP {status})",
                exit.code()
            ));
            json!({"status": "ok", "exit_code": exit.code(), "http_status": status})
        }
        Ping::Failed { code, message } => {
            let message = ctx.config.secrets.scrub(&message);
            ctx.out.error(&format!(
                "heartbeat ping failed ({code}): {message}; the exit code is unchanged"
            ));
            json!({"status": "failed", "exit_code": exit.code(), "error": code})
        }
    };
    (json, Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_are_the_tables_in_its_order() {
        let steps: Vec<Command> = STEPS.iter().map(|(command, _)| *command).collect();
        assert_eq!(steps, Command::TICK_STEPS);
    }

    #[test]
    fn the_same_error_from_several_steps_is_one_line() {
        let mut errors = StepErrors::default();
        errors.add("probe run", "disk full".into());
        errors.add("wake consume", "cursor damaged".into());
        errors.add("alerts notify", "disk full".into());
        assert_eq!(
            errors.lines(),
            [
                "probe run, alerts notify: disk full",
                "wake consume: cursor damaged"
            ]
        );
        assert!(StepErrors::default().lines().is_empty());
    }
}
