//! `tend`: one-shot commands that close an operator's feedback loops from cron.
//!
//! Data flows one way: command line ([`cli`]) → validated configuration and
//! context ([`config`], [`ctx`]) → a domain module that decides with pure
//! functions and acts through the [`store`] → output. [`run`] is the whole
//! program; `main` only calls it.

pub mod alerts;
pub mod audit;
pub mod channel;
pub mod cli;
pub mod clock;
pub mod command;
pub mod commands;
pub mod config;
pub mod ctx;
pub mod docs;
pub mod doctor;
pub mod engine;
pub mod exit;
pub mod gc;
pub mod heartbeat;
pub mod http;
pub mod incidents;
pub mod init;
pub mod probe;
pub mod promote;
pub mod report;
pub mod severity;
pub mod status;
pub mod store;
pub mod terminal;
pub mod tick;
pub mod user;
pub mod wake;
pub mod watchers;

use std::ffi::OsString;
use std::io::{self, BufWriter};
use std::process::ExitCode;

use anyhow::Result;
use clap::FromArgMatches;

use crate::cli::{Cli, Command, ConfigCommand, WakeCommand};
use crate::clock::Clock;
use crate::config::{Config, Env};
use crate::ctx::{Ctx, Output, Root, RootOrigin, RootProblem, Verbosity};
use crate::exit::Exit;

/// Parses `args`, runs the command, prints any error as `tend: error: …` with
/// its context chain, and returns the exit code of design §10.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    // A write past the file-size limit (RLIMIT_FSIZE) must fail with EFBIG and
    // be reported naming its file, like a full disk, instead of killing the
    // process half-way through its work with SIGXFSZ.
    // SAFETY: setting a signal's disposition to "ignore" touches no memory.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let mut command = cli::command();
    let mut root_origin = RootOrigin::Flag;
    let parsed = command.try_get_matches_from_mut(args).and_then(|matches| {
        root_origin = root_origin_of(&matches);
        let cli = Cli::from_arg_matches(&matches)?;
        refuse_flags_before(&command, &cli)?;
        Ok(cli)
    });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() || is_help(&e) => {
            // --help, --version, or help shown for a group typed alone.
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
        Err(e) => {
            eprint!("{}", usage_error(&command, &e));
            return ExitCode::from(Exit::Usage.code());
        }
    };
    let env: Env = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    match execute(cli, &env, root_origin) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) if exit::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let message = format!("{err:#}");
            eprintln!("tend: error: {}", ctx::human_lines(&message));
            ExitCode::from(exit::classify(&err).code())
        }
    }
}

fn is_help(e: &clap::Error) -> bool {
    e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
}

/// A command-line error as tend prints every error (`tend: error: …`), with
/// a "did you mean" for a mistyped subcommand or flag, and the usage of the
/// typed command as its help shows it: clap's own usage in an error lists
/// the flags that were given (even through the environment, as `--root`) as
/// if they were required.
fn usage_error(command: &clap::Command, err: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = err.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let mut first = first.to_string();
    let mut lines: Vec<String> = Vec::new();
    let mut typed = command;
    let mut path: Vec<&str> = Vec::new();
    for line in rest.lines() {
        if let Some(usage) = line.strip_prefix("Usage: ") {
            // The typed command: the words before the first flag or value.
            for word in usage.split(' ').skip(1) {
                match typed.find_subcommand(word) {
                    Some(sub) if !word.starts_with(['-', '<', '[']) => {
                        typed = sub;
                        path.push(word);
                    }
                    _ => break,
                }
            }
            lines.push(typed.clone().render_usage().to_string());
        } else if line.trim_start().starts_with("tip: a similar")
            || line.trim_start().starts_with("tip: some similar")
            || line.trim_start().starts_with("tip: to pass '--")
        {
            // Replaced by the one suggestion below.
        } else {
            lines.push(line.to_string());
        }
    }
    let word = |kind| match err.get(kind) {
        Some(ContextValue::String(word)) => Some(word.as_str()),
        _ => None,
    };
    let suggestion = match err.kind() {
        ErrorKind::InvalidSubcommand => word(ContextKind::InvalidSubcommand).and_then(|word| {
            let names = typed
                .get_subcommands()
                .filter(|sub| !sub.is_hide_set())
                .map(|sub| sub.get_name());
            terminal::closest(word, names).map(str::to_string)
        }),
        ErrorKind::UnknownArgument => match err.get(ContextKind::SuggestedArg) {
            Some(ContextValue::String(arg)) => Some(arg.clone()),
            _ => None,
        },
        _ => None,
    };
    // `--now`/`--dry-run` after a command that does not take it: say why.
    let refused = match (err.kind(), word(ContextKind::InvalidArg)) {
        (ErrorKind::UnknownArgument, Some(flag @ ("--now" | "--dry-run"))) => {
            command::Command::from_name(&path.join(" ")).map(|c| flag_refused(c, flag))
        }
        _ => None,
    };
    if let Some(refused) = refused {
        first = refused;
    } else if let Some(suggestion) = suggestion {
        first.push_str(&format!("; did you mean '{suggestion}'?"));
    }
    // Blank lines left where a tip was removed are collapsed.
    let mut message = format!("tend: error: {first}\n{}", lines.join("\n"));
    while message.contains("\n\n\n") {
        message = message.replace("\n\n\n", "\n\n");
    }
    format!("{}\n", message.trim_end())
}

/// `--now` or `--dry-run` typed before the name of a command that does not
/// take it is a usage error, as clap makes it after the name: silently
/// ignoring `--dry-run` would let a user believe nothing was written.
/// `TEND_NOW` in the environment is not an error: it is meant for every
/// command.
fn refuse_flags_before(command: &clap::Command, cli: &Cli) -> Result<(), clap::Error> {
    let Some((typed, _)) = cli.command.typed() else {
        return Ok(());
    };
    let refused = if cli.before.dry_run && !typed.takes_dry_run() {
        "--dry-run"
    } else if cli.before.now.is_some() && !typed.takes_now() {
        "--now"
    } else {
        return Ok(());
    };
    // The error shows the usage of the command that was typed.
    let mut leaf = command.clone();
    for name in typed.name().split(' ') {
        if let Some(sub) = leaf.find_subcommand(name) {
            leaf = sub.clone();
        }
    }
    Err(leaf.error(
        clap::error::ErrorKind::UnknownArgument,
        flag_refused(typed, refused),
    ))
}

/// Why `command` does not take `flag` (`--now` or `--dry-run`).
fn flag_refused(command: command::Command, flag: &str) -> String {
    let why = if flag == "--dry-run" {
        "it writes and sends nothing anyway"
    } else {
        "it does not depend on the time"
    };
    format!("{flag} means nothing to `tend {command}`: {why}")
}

/// Whether the root was typed (`--root`) or came from `$TEND_ROOT`.
fn root_origin_of(matches: &clap::ArgMatches) -> RootOrigin {
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    match leaf.value_source("root") {
        Some(clap::parser::ValueSource::EnvVariable) => RootOrigin::Env,
        _ => RootOrigin::Flag,
    }
}

/// How far ahead of the real clock `--now` may be before a command that
/// writes warns: rows, cursors and run records would be dated in the future.
const FUTURE_NOW_TOLERANCE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// The warning for a run as if at `now` when the real clock says `real`:
/// only for a command that writes (and not in a dry run).
fn future_now_warning(
    now: chrono::DateTime<chrono::Utc>,
    real: chrono::DateTime<chrono::Utc>,
    writes: bool,
) -> Option<String> {
    let ahead = now.signed_duration_since(real);
    if !writes || ahead <= FUTURE_NOW_TOLERANCE {
        return None;
    }
    let minutes = ahead.num_minutes();
    let how_far = match minutes {
        m if m < 120 => format!("{m} minutes"),
        m if m < 48 * 60 => format!("{} hours", m / 60),
        m => format!("{} days", m / (24 * 60)),
    };
    Some(format!(
        "--now {} is {how_far} ahead of the clock: what this run writes (audit rows, cursors, run records) is dated in the future",
        clock::format_ts(now)
    ))
}

/// `--now`, else `TEND_NOW` (read here rather than by clap so that a bad
/// value is reported naming the variable, not the flag).
fn now_from(
    flag: Option<chrono::DateTime<chrono::Utc>>,
    env: &Env,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    if flag.is_some() {
        return Ok(flag);
    }
    match env
        .get("TEND_NOW")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(value) => clock::parse_ts(value)
            .map(Some)
            .map_err(|e| exit::UsageError(format!("environment variable TEND_NOW: {e}")).into()),
    }
}

/// Refuses a root the command cannot use (design §10 The root), before the
/// configuration is read and before anything is written: a missing root
/// (every command but `init` creates nothing half-way), a file, or a root
/// of another user this one may not read or write in.
fn check_root(
    root: &Root,
    command: &Command,
    typed: command::Command,
    dry_run: bool,
) -> Result<()> {
    let writes = !dry_run && typed.takes_dry_run();
    let problem = match root.check(writes) {
        Ok(()) => return Ok(()),
        Err(problem) => problem,
    };
    match (command, &problem) {
        (Command::Init(_), RootProblem::Missing) => return Ok(()),
        // doctor names what is in the way among the other problems.
        (Command::Doctor(_), RootProblem::InTheWay { .. }) => return Ok(()),
        _ => {}
    }
    let me = user::describe(user::effective_uid());
    let message = ctx::root_problem_message(root.dir(), &problem, &me, typed.name());
    match command {
        // `status` is the watchdog: a root it cannot read is a failure
        // (exit 1), as an overdue command is.
        Command::Status(_) => Err(anyhow::anyhow!(message)),
        _ => Err(exit::UsageError(message).into()),
    }
}

fn execute(cli: Cli, env: &Env, root_origin: RootOrigin) -> Result<Exit> {
    let g = &cli.global;
    // `--now`/`--dry-run` after the command's name, or before it (checked in
    // refuse_flags_before); none for `generate`.
    let (typed, flags) = match cli.command.typed() {
        Some((typed, after)) => (
            Some(typed),
            cli::RunFlags {
                now: after.now.or(cli.before.now),
                dry_run: after.dry_run || cli.before.dry_run,
            },
        ),
        None => (None, cli.before),
    };
    // A dry run is a person asking: it prints every decision, as -v does,
    // news or not (design §10); -q still silences it.
    let verbosity = match (g.quiet, g.verbose || flags.dry_run) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    let mut out = Output::new(
        g.json,
        verbosity,
        Box::new(ctx::NamedStdout(BufWriter::new(io::stdout()))),
        Box::new(io::stderr()),
    );

    let Some(typed) = typed else {
        // `generate` (for packagers) needs no root.
        if let Command::Generate(command) = &cli.command {
            docs::run(command, &mut out)?;
        }
        out.flush()?;
        return Ok(Exit::Success);
    };
    // The root holds probe output, diagnoses, session ids and costs: what
    // tend creates there is for its user and group only (0750 directories,
    // 0640 files), whatever the caller's umask. Children get the caller's.
    store::process::restrict_umask();

    let given = g.root.as_deref().map(|dir| (dir, root_origin));
    let root = Root::new(ctx::choose_root(given, env)?);
    check_root(&root, &cli.command, typed, flags.dry_run)?;
    let clock = match now_from(flags.now, env)? {
        Some(now) => {
            let writes = !flags.dry_run && typed.takes_dry_run();
            if let Some(warning) = future_now_warning(now, chrono::Utc::now(), writes) {
                out.warn(&warning);
            }
            Clock::fixed(now)
        }
        None => Clock::system(),
    };
    // `init` must work before (and regardless of) any configuration.
    let config = match &cli.command {
        // `doctor` reports configuration problems instead of stopping on them.
        Command::Init(_) | Command::Doctor(_) => Config::default(),
        _ => config::load(root.dir(), g.config.as_deref(), env)?,
    };
    config.register_secrets(env);
    let mut ctx = Ctx {
        root,
        config,
        clock,
        out,
        dry_run: flags.dry_run,
        batched_runs: None,
    };

    // A misspelt --root would otherwise be created silently and stay quiet
    // forever: say so on the first run there (and on every `status`).
    // Only the commands that need probes: a consumer host may legitimately
    // run `wake consume` or `audit` on rows shipped from elsewhere (design §11).
    let says_why = match &cli.command {
        Command::Status(_) => true,
        Command::Tick(_) | Command::Probe(_) => !ctx.root.runs_dir().exists(),
        _ => false,
    };
    if says_why && ctx.root.looks_unset_up(&ctx.config) {
        ctx.out.warn(&format!(
            "{} has no tend.toml and no probes; `tend init` creates one (or check --root / TEND_ROOT)",
            ctx.root.dir().display()
        ));
    }

    let result = match &cli.command {
        Command::Init(args) => init::run(&mut ctx, args),
        Command::Config(ConfigCommand::Check) => commands::config::check(&mut ctx),
        Command::Config(ConfigCommand::Show) => commands::config::show(&mut ctx),
        Command::Audit(command) => commands::audit::run(&mut ctx, command),
        Command::Alerts(command) => alerts::run(&mut ctx, command),
        Command::Incidents(command) => incidents::run(&mut ctx, command),
        Command::Status(args) => status::run(&mut ctx, args),
        Command::Report(args) => report::run(&mut ctx, args),
        Command::Wake(WakeCommand::Consume(args)) => wake::run(&mut ctx, args),
        Command::Doctor(_) => doctor::run(&mut ctx, g.config.as_deref(), env),
        Command::Probe(command) => probe::run(&mut ctx, command),
        Command::Promote(command) => promote::run(&mut ctx, command),
        Command::Tick(args) => tick::run(&mut ctx, args),
        Command::Gc(command) => gc::run(&mut ctx, command),
        Command::Watchers(command) => watchers::run(&mut ctx, command),
        Command::Generate(_) => unreachable!("handled above"),
    };
    let secrets = report_unreadable_secrets(&mut ctx);
    let outcome = result?;
    ctx.out.flush()?;
    Ok(outcome.exit().max(secrets))
}

/// Names, once each, the secrets this run needed and could not read (design
/// §10). The channel, engine or heartbeat that needed one failed on its own
/// and said so naming only its key; the rest of the run went on. Exit 1.
fn report_unreadable_secrets(ctx: &mut Ctx) -> Exit {
    let failures = ctx.config.secret_failures();
    for failure in &failures {
        ctx.out.error(&format!(
            "cannot read a secret: {failure}; what needs it failed, the rest of the run went on"
        ));
    }
    if failures.is_empty() {
        Exit::Success
    } else {
        Exit::Partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn future_now_warns_only_past_a_minute_and_only_when_writing() {
        let real = clock::parse_ts("2026-05-24T08:00:00Z").unwrap();
        let at = |secs: i64| real + chrono::TimeDelta::seconds(secs);
        assert_eq!(future_now_warning(at(-86_400), real, true), None);
        assert_eq!(future_now_warning(at(60), real, true), None);
        let warning = future_now_warning(at(61), real, true).unwrap();
        assert!(
            warning.starts_with("--now 2026-05-24T08:01:01.000Z is 1 minutes ahead"),
            "{warning}"
        );
        assert_eq!(future_now_warning(at(61), real, false), None);
        assert!(
            future_now_warning(at(3 * 3600), real, true)
                .unwrap()
                .contains("3 hours ahead")
        );
        assert!(
            future_now_warning(at(3 * 86_400), real, true)
                .unwrap()
                .contains("3 days ahead")
        );
    }
}
