//! Every command tend runs, as data: its name, the lock and run record it
//! runs under, the interval after which `tend status` calls it overdue, and
//! which of `--now` and `--dry-run` it takes. The command line, `run_locked`,
//! tick's steps, `status`, the configuration's `[status] expect` and the
//! docs all read this one table, so a command's name is written once.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Init,
    ProbeRun,
    WakeConsume,
    AlertsNotify,
    AlertsList,
    AlertsDigest,
    AlertsTest,
    AlertsSilenceAdd,
    AlertsSilenceList,
    AlertsSilenceExpire,
    IncidentsList,
    IncidentsShow,
    WatchersTick,
    WatchersList,
    WatchersExplain,
    GcCheckpoints,
    GcAudit,
    PromoteObserve,
    PromotePropose,
    PromoteRun,
    PromoteList,
    PromoteShow,
    PromoteApprove,
    PromoteReject,
    PromoteExpire,
    Tick,
    Status,
    Report,
    Doctor,
    ConfigCheck,
    ConfigShow,
    AuditEmit,
    AuditTail,
}

/// What a command does with time and the disk, which decides its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// It writes or sends, and decides by the clock: `--now` and `--dry-run`.
    Writes,
    /// It only reads, and what it shows depends on the clock: `--now`.
    ReadsClock,
    /// It only reads, whatever the time: neither.
    Reads,
}

use Command::*;

impl Command {
    /// Every command, in the order of `tend --help`.
    pub const ALL: [Command; 33] = [
        Init,
        ProbeRun,
        WakeConsume,
        AlertsNotify,
        AlertsList,
        AlertsDigest,
        AlertsTest,
        AlertsSilenceAdd,
        AlertsSilenceList,
        AlertsSilenceExpire,
        IncidentsList,
        IncidentsShow,
        WatchersTick,
        WatchersList,
        WatchersExplain,
        GcCheckpoints,
        GcAudit,
        PromoteObserve,
        PromotePropose,
        PromoteRun,
        PromoteList,
        PromoteShow,
        PromoteApprove,
        PromoteReject,
        PromoteExpire,
        Tick,
        Status,
        Report,
        Doctor,
        ConfigCheck,
        ConfigShow,
        AuditEmit,
        AuditTail,
    ];

    /// The loops `tend tick` runs, in order, each as the command itself.
    pub const TICK_STEPS: [Command; 6] = [
        ProbeRun,
        WakeConsume,
        AlertsNotify,
        WatchersTick,
        PromoteRun,
        Report,
    ];

    /// The words typed after `tend`: `alerts silence add`.
    pub fn name(self) -> &'static str {
        match self {
            Init => "init",
            ProbeRun => "probe run",
            WakeConsume => "wake consume",
            AlertsNotify => "alerts notify",
            AlertsList => "alerts list",
            AlertsDigest => "alerts digest",
            AlertsTest => "alerts test",
            AlertsSilenceAdd => "alerts silence add",
            AlertsSilenceList => "alerts silence list",
            AlertsSilenceExpire => "alerts silence expire",
            IncidentsList => "incidents list",
            IncidentsShow => "incidents show",
            WatchersTick => "watchers tick",
            WatchersList => "watchers list",
            WatchersExplain => "watchers explain",
            GcCheckpoints => "gc checkpoints",
            GcAudit => "gc audit",
            PromoteObserve => "promote observe",
            PromotePropose => "promote propose",
            PromoteRun => "promote run",
            PromoteList => "promote list",
            PromoteShow => "promote show",
            PromoteApprove => "promote approve",
            PromoteReject => "promote reject",
            PromoteExpire => "promote expire",
            Tick => "tick",
            Status => "status",
            Report => "report",
            Doctor => "doctor",
            ConfigCheck => "config check",
            ConfigShow => "config show",
            AuditEmit => "audit emit",
            AuditTail => "audit tail",
        }
    }

    /// The command named `name` (`"probe run"`).
    pub fn from_name(name: &str) -> Option<Command> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The name of the lock it runs under and of its run record
    /// (`locks/<name>.lock`, `state/runs/<name>.json`): its own name, except
    /// that approving and rejecting share `promote review`, so that two
    /// reviewers never decide one proposal at once.
    pub fn lock(self) -> &'static str {
        match self {
            PromoteApprove | PromoteReject => "promote review",
            other => other.name(),
        }
    }

    fn effect(self) -> Effect {
        match self {
            WatchersList | ConfigCheck | ConfigShow => Effect::Reads,
            AlertsList | AlertsSilenceList | IncidentsList | IncidentsShow | WatchersExplain
            | PromoteList | PromoteShow | Status | Doctor | AuditTail => Effect::ReadsClock,
            _ => Effect::Writes,
        }
    }

    /// It writes or sends something, so `--dry-run` changes what it does.
    pub fn takes_dry_run(self) -> bool {
        self.effect() == Effect::Writes
    }

    /// It reads the clock, so `--now` changes what it does.
    pub fn takes_now(self) -> bool {
        self.effect() != Effect::Reads
    }

    /// Meant to run from cron, so `[status] expect` may give it an interval
    /// after which `tend status` calls it overdue.
    pub fn scheduled(self) -> bool {
        matches!(
            self,
            ProbeRun
                | WakeConsume
                | AlertsNotify
                | AlertsDigest
                | WatchersTick
                | PromoteRun
                | GcCheckpoints
                | GcAudit
                | Report
        )
    }

    /// The interval after which a command that has run once is overdue when
    /// `[status] expect` does not say: the loops that should run every few
    /// minutes.
    pub fn default_expect(self) -> Option<Duration> {
        match self {
            ProbeRun | WakeConsume | AlertsNotify => Some(Duration::from_secs(300)),
            _ => None,
        }
    }

    /// The long help of `tend tick`, made from [`Command::TICK_STEPS`].
    pub fn tick_help() -> String {
        let names: Vec<String> = (Self::TICK_STEPS.iter())
            .map(|c| format!("`{}`", c.name()))
            .collect();
        format!(
            "Run every loop once, in order (one crontab line for all of them)\n\n\
             Runs {}, in this order, through the same code as the commands \
             themselves, each under its own lock; a step that fails is reported and \
             the next one still runs. The exit code is the worst of the steps'. \
             Then, when [heartbeat] is configured, requests its URL (`{{url}}` on \
             success, `{{url}}/{{exit_code}}` otherwise); a failed ping is reported on \
             standard error and does not change the exit code.",
            names.join(", ")
        )
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_again() {
        for command in Command::ALL {
            assert_eq!(Command::from_name(command.name()), Some(command));
        }
        assert_eq!(Command::from_name("probe"), None);
    }

    #[test]
    fn a_command_that_writes_takes_both_flags_one_that_reads_the_clock_now_only() {
        assert!(ProbeRun.takes_dry_run() && ProbeRun.takes_now());
        assert!(!Status.takes_dry_run() && Status.takes_now());
        assert!(!ConfigShow.takes_dry_run() && !ConfigShow.takes_now());
        for command in Command::ALL {
            assert!(command.takes_now() || !command.takes_dry_run(), "{command}");
        }
    }

    #[test]
    fn tick_steps_and_expected_intervals_are_scheduled_commands() {
        for command in Command::TICK_STEPS {
            assert!(command.scheduled() && command.takes_dry_run(), "{command}");
        }
        for command in Command::ALL {
            if command.default_expect().is_some() {
                assert!(command.scheduled(), "{command}");
            }
        }
        assert_eq!(PromoteApprove.lock(), PromoteReject.lock());
        assert_eq!(GcAudit.lock(), "gc audit");
    }
}
