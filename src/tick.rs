//! `tend tick` (SPEC §10): every loop once, in order (probe run, wake consume,
//! alerts notify, …), for a one-line crontab.
//! Each step is the command itself (same handler, same lock, same run record);
//! a step that fails is reported and the next one still runs. The exit code is
//! the worst of the steps'.

use anyhow::Result;
use serde_json::json;

use crate::cli::{AlertsNotifyArgs, ProbeRunArgs, TickArgs, WakeConsumeArgs};
use crate::ctx::{Ctx, Outcome};
use crate::exit::{self, Exit};

type Step = fn(&mut Ctx) -> Result<Outcome>;

/// The loops, in the order they run: adding one is adding a line.
const STEPS: &[(&str, Step)] = &[
    ("probe run", |ctx| {
        crate::probe::run_probes(ctx, &ProbeRunArgs::default())
    }),
    ("wake consume", |ctx| {
        crate::wake::run(ctx, &WakeConsumeArgs::default())
    }),
    ("alerts notify", |ctx| {
        crate::alerts::notify::run(ctx, &AlertsNotifyArgs::default())
    }),
    // Only when a watcher is enabled: watchers are off unless enabled.
    ("watchers tick", |ctx| {
        if crate::watchers::any_enabled(ctx) {
            crate::watchers::tick(ctx, &crate::cli::WatchersTickArgs::default())
        } else {
            Ok(Outcome::default())
        }
    }),
];

pub fn run(ctx: &mut Ctx, _args: &TickArgs) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut worst = Exit::Success;
    let mut steps = Vec::new();
    for (name, step) in STEPS {
        let exit = match step(ctx) {
            Ok(done) => {
                for (key, n) in &done.counts {
                    outcome.count(&format!("{name}: {key}"), *n);
                }
                done.exit()
            }
            Err(err) if exit::is_broken_pipe(&err) => return Err(err),
            Err(err) => {
                ctx.out.error(&format!("{name}: {err:#}"));
                exit::classify(&err)
            }
        };
        worst = worst.max(exit);
        steps.push(json!({"step": name, "exit_code": exit.code()}));
    }
    ctx.out
        .json(&json!({"summary": true, "command": "tick", "steps": steps}))?;
    outcome.failed = worst != Exit::Success;
    outcome.exit = Some(worst);
    Ok(outcome)
}
