//! Every clap type: what was typed, nothing more (design §10 global flags).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Close an operator's feedback loops from cron.
///
/// Each subcommand does one pass of work over plain files under one state root
/// (JSON Lines and per-status directories), then exits. Scheduling comes from
/// cron, exclusion from flock, batching from the schedule: no daemons.
#[derive(Debug, Parser)]
#[command(
    name = "tend",
    version,
    propagate_version = true,
    after_help = "Run `tend init --example && tend status` to see a root. Exit codes: see --help.",
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// `--now`/`--dry-run` typed before the command's name: refused unless
    /// the command takes them.
    #[command(flatten)]
    pub before: RunFlags,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, shown under their own heading after the
/// command's own. `--now` and `--dry-run` are not among them: each command
/// that takes one has it ([`NowFlag`], [`RunFlags`]), so clap refuses it
/// where it means nothing.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// State root directory
    ///
    /// Holds tend.toml, the audit log, state, proposals and locks. Default:
    /// $XDG_STATE_HOME/tend, else ~/.local/state/tend.
    #[arg(long, global = true, env = "TEND_ROOT", value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub root: Option<PathBuf>,

    /// Configuration file [default: <root>/tend.toml]
    #[arg(long, global = true, env = "TEND_CONFIG", value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,

    /// Print JSON Lines: one object per item, then a summary object
    #[arg(long, global = true)]
    pub json: bool,

    /// Print nothing but errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print a line per item processed
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    crate::clock::parse_ts(text)
}

/// `--now`, on a command whose answer depends on the time and that writes
/// nothing ([`crate::command::Command::takes_now`]).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct NowFlag {
    /// Run as if at this instant (RFC 3339 or YYYY-MM-DD)
    ///
    /// For tests, replays and incident drills: every decision that depends on
    /// the time uses this instead of the system clock. Without --now, the
    /// TEND_NOW environment variable does the same (a bad value is an error
    /// naming it).
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
}

/// `--now` and `--dry-run`, on a command that writes or sends
/// ([`crate::command::Command::takes_dry_run`]); also accepted before the
/// command's name (`tend --dry-run tick`), for the commands that take them.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct RunFlags {
    /// Run as if at this instant (RFC 3339 or YYYY-MM-DD)
    ///
    /// For tests, replays and incident drills: every decision that depends on
    /// the time uses this instead of the system clock. Without --now, the
    /// TEND_NOW environment variable does the same (a bad value is an error
    /// naming it).
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,

    /// Compute and print everything; send nothing, write nothing
    #[arg(long)]
    pub dry_run: bool,
}

impl From<NowFlag> for RunFlags {
    fn from(flag: NowFlag) -> RunFlags {
        RunFlags {
            now: flag.now,
            dry_run: false,
        }
    }
}

/// The whole command line: the clap definitions of this module, with the
/// help text made from the code's own tables (the steps of `tick`, the exit
/// codes), so that help, man pages and completions cannot drift from what
/// runs.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
        .after_long_help(crate::exit::exit_codes_help())
        .mut_subcommand("tick", |tick| {
            tick.long_about(crate::command::Command::tick_help())
        })
}

impl Command {
    /// The command that was typed, and the `--now`/`--dry-run` given after
    /// its name; None for `generate`, which is not a command of the table.
    pub fn typed(&self) -> Option<(crate::command::Command, RunFlags)> {
        use crate::command::Command as C;
        Some(match self {
            Command::Init(a) => (C::Init, a.flags),
            Command::Probe(ProbeCommand::Run(a)) => (C::ProbeRun, a.flags),
            Command::Wake(WakeCommand::Consume(a)) => (C::WakeConsume, a.flags),
            Command::Alerts(command) => match command {
                AlertsCommand::Notify(a) => (C::AlertsNotify, a.flags),
                AlertsCommand::List(a) => (C::AlertsList, a.flags.into()),
                AlertsCommand::Digest(flags) => (C::AlertsDigest, *flags),
                AlertsCommand::Test(a) => (C::AlertsTest, a.flags),
                AlertsCommand::Silence(SilenceCommand::Add(a)) => (C::AlertsSilenceAdd, a.flags),
                AlertsCommand::Silence(SilenceCommand::List(a)) => {
                    (C::AlertsSilenceList, a.flags.into())
                }
                AlertsCommand::Silence(SilenceCommand::Expire(a)) => {
                    (C::AlertsSilenceExpire, a.flags)
                }
            },
            Command::Incidents(IncidentsCommand::List(a)) => (C::IncidentsList, a.flags.into()),
            Command::Incidents(IncidentsCommand::Show(a)) => (C::IncidentsShow, a.flags.into()),
            Command::Watchers(WatchersCommand::Tick(a)) => (C::WatchersTick, a.flags),
            Command::Watchers(WatchersCommand::List) => (C::WatchersList, RunFlags::default()),
            Command::Watchers(WatchersCommand::Explain(a)) => (C::WatchersExplain, a.flags.into()),
            Command::Gc(GcCommand::Checkpoints(a)) => (C::GcCheckpoints, a.flags),
            Command::Gc(GcCommand::Audit(a)) => (C::GcAudit, a.flags),
            Command::Promote(command) => match command {
                PromoteCommand::Observe(a) => (C::PromoteObserve, a.flags),
                PromoteCommand::Propose(a) => (C::PromotePropose, a.flags),
                PromoteCommand::Run(a) => (C::PromoteRun, a.flags),
                PromoteCommand::List(a) => (C::PromoteList, a.flags.into()),
                PromoteCommand::Show(a) => (C::PromoteShow, a.flags.into()),
                PromoteCommand::Approve(a) => (C::PromoteApprove, a.flags),
                PromoteCommand::Reject(a) => (C::PromoteReject, a.flags),
                PromoteCommand::Expire(a) => (C::PromoteExpire, a.flags),
            },
            Command::Tick(a) => (C::Tick, a.flags),
            Command::Status(a) => (C::Status, a.flags.into()),
            Command::Report(a) => (C::Report, a.flags),
            Command::Doctor(flag) => (C::Doctor, (*flag).into()),
            Command::Config(ConfigCommand::Check) => (C::ConfigCheck, RunFlags::default()),
            Command::Config(ConfigCommand::Show) => (C::ConfigShow, RunFlags::default()),
            Command::Audit(AuditCommand::Emit(a)) => (C::AuditEmit, a.flags),
            Command::Audit(AuditCommand::Tail(a)) => (C::AuditTail, a.flags.into()),
            Command::Generate(_) => return None,
        })
    }
}

/// `--kind`: any text (a log may hold rows other writers added, and `audit
/// emit` checks its kind itself, naming the closest one), but completed
/// from the closed vocabulary of tend's row kinds.
#[derive(Debug, Clone, Copy)]
struct KindValue;

impl clap::builder::TypedValueParser for KindValue {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let kind = clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)?;
        // An empty kind matched nothing and read the whole log for it.
        if kind.trim().is_empty() || kind.contains(|c: char| c.is_control() || c == '"') {
            return Err(clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "invalid value {kind:?} for '--kind <KIND>': a kind is non-empty text without quotes or control characters, e.g. probe.wake_requested\n"
                ),
            )
            .with_cmd(cmd));
        }
        Ok(kind)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            crate::audit::Kind::ALL
                .iter()
                .map(|k| clap::builder::PossibleValue::new(k.as_str())),
        ))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the state root's layout and a commented tend.toml
    Init(InitArgs),

    /// Run health probes: Nagios plugins, JSON probes, http and tcp checks
    #[command(subcommand)]
    Probe(ProbeCommand),

    /// Turn wake requests into debounced, investigated operator messages
    #[command(subcommand)]
    Wake(WakeCommand),

    /// Push newly firing alerts to Slack, email, a webhook or stdout without spam
    ///
    /// Active alerts come from the probe state and any --from inputs; each is
    /// notified once (cooldown per category, burst summaries, digest, silences,
    /// reminders), and the operator can always see why with `alerts list`.
    #[command(subcommand)]
    Alerts(AlertsCommand),

    /// Show incidents: one per problem, from its first failure to its resolution
    ///
    /// Every message about one problem belongs to one incident (state/incidents.json):
    /// `list` shows the open and recently resolved ones with the command that
    /// silences each, `show ID` an incident's timeline from the audit log.
    #[command(subcommand)]
    Incidents(IncidentsCommand),

    /// Flag entities that silently stalled (flag-only, deterministic watchers)
    ///
    /// Each [[watcher]] reads its entity source (a file, a directory or a
    /// command such as psql or sqlite3) and records one Decision per stall
    /// episode in decisions/YYYY-MM.jsonl, plus a watcher.flagged audit row. It
    /// never changes the entities it watches.
    #[command(subcommand)]
    Watchers(WatchersCommand),

    /// Remove orphaned agent checkpoints and old audit segments, safely
    ///
    /// `gc checkpoints` deletes the checkpoint threads of sessions that are
    /// gone (directory, LangGraph SQLite or LangGraph Postgres store);
    /// `gc audit` removes audit segments older than --keep-days. Both refuse
    /// when unsure, and --dry-run shows what would go and why the rest stays.
    #[command(subcommand)]
    Gc(GcCommand),

    /// Observe the platform's telemetry, propose changes, review them from the shell
    ///
    /// Three loops: router-tuning (routes that escalate too often),
    /// tool-trimming (tools a route is offered but never calls) and
    /// probe-envelopes (recurring investigations without an autofix). A
    /// proposal waits in proposals/<loop>/pending/ until a human approves or
    /// rejects it; nothing is applied unless the loop has an on_approve command.
    #[command(subcommand)]
    Promote(PromoteCommand),

    /// Run every loop once, in order (one crontab line for all of them)
    ///
    /// The long help lists the steps from the table `tick` runs
    /// (`Command::tick_help`, applied by [`command`]).
    Tick(TickArgs),

    /// Show each command's last run, overdue commands, lock holders, cursor lag
    ///
    /// Exits 1 when a command is overdue against [status] expect (a dead man's
    /// switch for cron), and when the state root is missing or cannot be read,
    /// so `tend status -q || page-someone` works.
    Status(StatusArgs),

    /// Write a status page, or print a report: uptime, latency, incidents, spend
    ///
    /// Reads the audit log over the window (default [report] window, 30d) and
    /// the state files: overall state; per probe its state, uptime over 24h,
    /// 7d and 30d, an hourly status strip, latency and perfdata over time;
    /// incidents, active alerts and silences; pending proposals with the
    /// commands that decide them; watcher flags; LLM spend and tokens per
    /// route per day against the daily budget; gc removals; tend's own runs.
    /// `--format html` (the default with --out) writes one self-contained
    /// DIR/index.html, atomically; `text` fits the terminal (colour only on a
    /// terminal, never with NO_COLOR); `json` prints the figures as one object.
    /// Each audit segment's hourly figures are kept in state/report.segments.json
    /// and state/report.hours/, so a refresh reads only what was appended since.
    Report(ReportArgs),

    /// Check the root and explain how to recover from what is found
    ///
    /// Reports an invalid configuration, quarantined state files, leftovers of
    /// interrupted writes, items left in two status directories, held locks, and
    /// a root on a network filesystem. Changes nothing; exit 1 when something
    /// needs attention.
    Doctor(NowFlag),

    /// Check or show the configuration
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Append to or read the audit log
    #[command(subcommand)]
    Audit(AuditCommand),

    /// Generate man pages and shell completions (for packagers)
    #[command(subcommand, hide = true)]
    Generate(GenerateCommand),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also install example probes and watcher fixtures that work offline
    #[arg(long)]
    pub example: bool,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// List open and recently resolved incidents, with the command that silences each
    List(IncidentsListArgs),
    /// Show an incident's timeline: results, wakes, messages, diagnosis, resolution
    Show(IncidentsShowArgs),
}

#[derive(Debug, Args)]
pub struct IncidentsListArgs {
    /// Only the open incidents
    #[arg(long)]
    pub open: bool,

    #[command(flatten)]
    pub flags: NowFlag,
}

#[derive(Debug, Args)]
pub struct IncidentsShowArgs {
    /// The incident's id, or at least its first 4 characters (as `incidents list` shows)
    pub id: String,

    #[command(flatten)]
    pub flags: NowFlag,
}

#[derive(Debug, Subcommand)]
pub enum WatchersCommand {
    /// Run the enabled watchers (or the named ones) once
    ///
    /// For each entity in a watched status whose last progress is at least
    /// stale_after ago, records a Decision (once per stall episode: the id is a
    /// UUIDv5 of the entity and the episode's start). The most stalled go first,
    /// at most max_flags_per_run per watcher. A failing source is reported and
    /// the other watchers still run (exit 1).
    Tick(WatchersTickArgs),
    /// List the configured watchers: enabled, their actor's state, last run
    List,
    /// Print the decision an entity would get now, with the reasoning
    Explain(WatchersExplainArgs),
}

#[derive(Debug, Args, Default)]
pub struct WatchersTickArgs {
    /// Run only these watchers (enabled or not) [default: every enabled one]
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Args)]
pub struct WatchersExplainArgs {
    /// The watcher's name
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The entity's id (the value of the watcher's id_field)
    #[arg(value_name = "ENTITY_ID")]
    pub entity_id: String,

    #[command(flatten)]
    pub flags: NowFlag,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration (file, environment overrides) and exit
    ///
    /// Exit 0 when valid; exit 2 with every problem named (file or
    /// environment variable, key, what was expected) when not.
    Check,
    /// Print the effective configuration, defaults marked, secrets redacted
    ///
    /// Every key with its value as the commands use it: from the file, the
    /// TEND_<SECTION>_<KEY> environment, or the built-in default (marked with a
    /// trailing `# default` comment, as are the [status] expect intervals that
    /// apply once a command has run). The output is valid TOML that
    /// `config check` accepts back. --json prints it as one JSON object.
    Show,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Append one validated row to today's segment
    ///
    /// For shell scripts and other programs. The kind must be one of tend's
    /// vocabulary and the details a JSON object carrying that kind's fields.
    Emit(AuditEmitArgs),
    /// Print rows of the audit log (the last 10 by default)
    Tail(AuditTailArgs),
}

#[derive(Debug, Args)]
pub struct AuditEmitArgs {
    /// Row kind, e.g. probe.wake_requested
    #[arg(long, value_name = "KIND", required_unless_present = "batch", value_parser = KindValue, hide_possible_values = true)]
    pub kind: Option<String>,

    /// Details as a JSON object; `-` reads it from standard input (at most 64 MiB)
    #[arg(long, value_name = "JSON", required_unless_present = "batch")]
    pub details: Option<String>,

    /// Correlation key, e.g. probe:fly:machine_down
    #[arg(long, value_name = "KEY")]
    pub correlation_key: Option<String>,

    /// Idempotency key: a retry with the same key adds no second row
    ///
    /// The row's id is derived from its kind and KEY, and the row is appended
    /// only when no row with that id is in the log's segments of today or
    /// yesterday (UTC). A script that retries an emit that was killed or
    /// timed out, with the same KEY, so writes the row once.
    #[arg(long, value_name = "KEY")]
    pub id: Option<String>,

    /// Read rows as JSON Lines on standard input and append them all at once
    ///
    /// One object per line: {"kind": …, "details": {…}, "correlation_key": …}
    /// (correlation_key optional; blank lines ignored; at most 64 MiB). Every
    /// line is validated first; if any is bad, each bad line is reported by its
    /// number and nothing is written. Otherwise all rows are appended in one
    /// locked write: all or nothing.
    #[arg(long, conflicts_with_all = ["kind", "details", "correlation_key", "id"])]
    pub batch: bool,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Args)]
pub struct AuditTailArgs {
    /// Only rows of this kind (repeatable)
    #[arg(long, value_name = "KIND", value_parser = KindValue, hide_possible_values = true)]
    pub kind: Vec<String>,

    /// Only rows at or after this instant (RFC 3339 or YYYY-MM-DD)
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_now)]
    pub since: Option<DateTime<Utc>>,

    /// How many of the last matching rows to print; `all` for every one
    ///
    /// Default: 10, or all when --since is given. At most 1000000 (use `all`
    /// for more).
    #[arg(short = 'n', long, value_name = "N", value_parser = parse_count)]
    pub lines: Option<Count>,

    /// Keep printing rows as they are appended (until interrupted)
    #[arg(short, long)]
    pub follow: bool,

    #[command(flatten)]
    pub flags: NowFlag,
}

/// A row count for `audit tail -n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    All,
    Last(usize),
}

/// The largest `audit tail -n` (the rows are held in memory until printed).
pub const MAX_TAIL_LINES: usize = 1_000_000;

fn parse_count(text: &str) -> Result<Count, String> {
    if text == "all" {
        return Ok(Count::All);
    }
    match text.parse::<u128>() {
        Ok(n) if n <= MAX_TAIL_LINES as u128 => Ok(Count::Last(n as usize)),
        Ok(_) => Err(format!(
            "{text} is more than {MAX_TAIL_LINES} rows; use `all` to print every row"
        )),
        Err(_) => Err(format!("expected a number or `all`, got {text:?}")),
    }
}

#[derive(Debug, Subcommand)]
pub enum WakeCommand {
    /// Debounce new wake requests, investigate each one due, message the operator
    ///
    /// Tails the audit log from state/wake.cursor.json for probe.wake_requested
    /// rows. Per (probe, issue_category) a wake must be seen
    /// [wake] consecutive_required times within debounce_seconds before it is
    /// dispatched, and after a dispatch the key is quiet for debounce_seconds;
    /// decisions use the rows' own timestamps, so a replay decides the same. A
    /// dispatched wake is investigated by the [engine] (nothing is ever executed
    /// to fix anything) and sent to the [operator] channel; without an engine, or
    /// when it fails, a fallback message names the engine's error code, and a
    /// failed engine makes the run exit 1 once everything is sent and recorded.
    /// Token usage counts toward [engine] max_daily_cost_usd; the command
    /// engine's is estimated as one token per 4 bytes of prompt and answer. Every
    /// dispatched wake id goes into state/wake.ledger.json and is never sent
    /// twice. The first run starts at the end of the log and sends nothing.
    Consume(WakeConsumeArgs),
}

#[derive(Debug, Default, Args)]
pub struct WakeConsumeArgs {
    /// Replay the whole audit log instead of continuing from the cursor
    ///
    /// Debounce state starts afresh; wakes already in the ledger are not sent
    /// again.
    #[arg(long, conflicts_with = "since")]
    pub from_start: bool,

    /// Replay wake requests at or after this instant (RFC 3339 or YYYY-MM-DD)
    ///
    /// The rows before it (as far back as the window and the buffer reach)
    /// rebuild the debounce state without sending anything, so the replay
    /// decides as the original run did; wakes already in the ledger are not
    /// sent again. An instant after the run's time is refused.
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_now)]
    pub since: Option<DateTime<Utc>>,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format: human text, or the Prometheus text format
    ///
    /// `prometheus` prints the same facts as metrics (tend_last_run_*,
    /// tend_overdue, tend_wake_cursor_lag_*, tend_proposals_pending,
    /// tend_alerts_active, tend_quarantined_files), and per probe its state,
    /// duration, last run and perfdata (tend_probe_*), open incidents and the
    /// day's LLM cost per route, for node_exporter's textfile collector.
    /// --json prints JSON Lines instead.
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub format: StatusFormat,

    #[command(flatten)]
    pub flags: NowFlag,
}

#[derive(Debug, Default, Args)]
pub struct ReportArgs {
    /// Output format [default: html with --out, else text]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ReportFormat>,

    /// Write DIR/index.html (report.txt, report.json for the other formats)
    /// instead of printing
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,

    /// What the report covers, ending now (whole hours) [default: [report] window]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub window: Option<crate::config::Duration>,

    #[command(flatten)]
    pub flags: RunFlags,
}

/// How `tend report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained page (inline CSS and SVG)
    Html,
    /// For a terminal: sparklines and strips fitted to its width
    Text,
    /// The figures behind both, one object
    Json,
}

/// How `tend status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum StatusFormat {
    #[default]
    Text,
    Prometheus,
}

#[derive(Debug, Subcommand)]
pub enum PromoteCommand {
    /// Read the audit log over each loop's window into observations/<loop>.json
    ///
    /// Rows are selected by their own `ts`; the segments of the days around
    /// the window are read too, for rows a batching writer appended late.
    /// Prints nothing (-v: a line per loop; --json: the observations).
    Observe(PromoteObserveArgs),
    /// Turn the latest observations into pending proposals
    ///
    /// Ids are deterministic, so re-running never duplicates; a subject with a
    /// pending proposal, or rejected less than ttl_days ago, gets none.
    Propose(PromoteLoopsArgs),
    /// Observe, propose and expire: the usual cron line
    ///
    /// Prints one line when it made or expired proposals, nothing otherwise.
    Run(PromoteObserveArgs),
    /// List proposals as a table: id, loop, subject, age, status
    List(PromoteListArgs),
    /// Show one proposal: a summary with its rationale (--json: the proposal)
    Show(PromoteShowArgs),
    /// Approve a pending proposal, after checking its evidence afresh
    ///
    /// The loop is observed again and the approval refused (exit 1, nothing
    /// moved) when the evidence no longer holds, unless --force. Then the
    /// proposal moves to approved/ and the loop's on_approve command, if any,
    /// runs with the proposal JSON on standard input. A failed on_approve is
    /// recorded (exit 1) and approving again retries it.
    Approve(PromoteApproveArgs),
    /// Reject a pending proposal (its subject is not proposed again for ttl_days)
    Reject(PromoteRejectArgs),
    /// Move pending proposals older than ttl_days to expired/
    Expire(PromoteLoopsArgs),
}

#[derive(Debug, Clone, Default, Args)]
pub struct PromoteLoopsArgs {
    /// Only these loops: router-tuning, tool-trimming, probe-envelopes [default: all]
    #[arg(value_name = "LOOP")]
    pub loops: Vec<String>,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Clone, Default, Args)]
pub struct PromoteObserveArgs {
    /// Only these loops: router-tuning, tool-trimming, probe-envelopes [default: all]
    #[arg(value_name = "LOOP")]
    pub loops: Vec<String>,

    /// Also read these JSON Lines files (or directories of *.jsonl) (repeatable)
    #[arg(long, value_name = "FILE|DIR")]
    pub input: Vec<PathBuf>,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Clone, Default, Args)]
pub struct PromoteListArgs {
    /// Only this loop's proposals
    #[arg(long = "loop", value_name = "LOOP")]
    pub lp: Option<String>,

    /// Only proposals with this status: pending, approved, rejected, expired
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,

    #[command(flatten)]
    pub flags: NowFlag,
}

#[derive(Debug, Clone, Args)]
pub struct PromoteShowArgs {
    /// The proposal id, e.g. p-router-3f2a9c1b7d04
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub flags: NowFlag,
}

#[derive(Debug, Clone, Args)]
pub struct PromoteApproveArgs {
    /// The proposal id, e.g. p-router-3f2a9c1b7d04
    #[arg(value_name = "ID")]
    pub id: String,

    /// A note recorded with the decision
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,

    /// Who decides [default: $SUDO_USER, else $USER]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,

    /// Approve even when the evidence changed (recorded in the proposal)
    #[arg(long)]
    pub force: bool,

    /// Seconds to wait for another reviewer's lock
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub wait: u64,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Clone, Args)]
pub struct PromoteRejectArgs {
    /// The proposal id, e.g. p-router-3f2a9c1b7d04
    #[arg(value_name = "ID")]
    pub id: String,

    /// Why (recorded with the decision)
    #[arg(long, value_name = "TEXT")]
    pub note: String,

    /// Who decides [default: $SUDO_USER, else $USER]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,

    /// Seconds to wait for another reviewer's lock
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub wait: u64,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// Run every enabled probe (or the named ones) once
    ///
    /// Probes are the executables in probes.d/ and the [[probe]] entries of
    /// tend.toml. Each result is written to the audit log (probe.observed; a
    /// probe.wake_requested for every non-OK result; probe.recovered after
    /// recover_after OKs) and to state/probes.json. Prints nothing when every
    /// probe is OK and nothing changed, else one summary line (-v: a line per
    /// probe). Exits 0 when the run completed, whatever the probes said.
    Run(ProbeRunArgs),
}

#[derive(Debug, Clone, Default, Args)]
pub struct ProbeRunArgs {
    /// Run only these probes (even a disabled one); default: every enabled probe
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// Exit with the worst probe state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
    ///
    /// For wrappers that expect a Nagios plugin. Order: CRITICAL > WARNING >
    /// UNKNOWN > OK; a probe that could not start or run counts as UNKNOWN.
    #[arg(long)]
    pub nagios_exit: bool,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Clone, Default, Args)]
pub struct TickArgs {
    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Notify newly firing alerts (the cron line, every few minutes)
    ///
    /// Alerts not yet notified are sent through the channel their severity is
    /// routed to ([alerts] route); alerts that stopped firing leave the state
    /// (with a resolved message when send_resolved = true). Without a state
    /// file every active alert is new. A failed send still marks the alert
    /// notified (status failed in the audit log) and the run exits 1.
    Notify(AlertsNotifyArgs),
    /// Show active, notified, suppressed, silenced and queued alerts
    List(AlertsListArgs),
    /// Send the info alerts queued by info_mode = "digest" as one message (daily cron line)
    ///
    /// The queue (state/alerts.digest.jsonl) is emptied only after the message
    /// went out; when the channel is down everything stays queued (exit 1).
    Digest(RunFlags),
    /// Send a clearly labelled test message through the real channel
    ///
    /// Prints success, or the exact failure and exits 1. Without --channel,
    /// every channel the [alerts] route uses is tested.
    Test(AlertsTestArgs),
    /// Mute matching alerts for a while
    #[command(subcommand)]
    Silence(SilenceCommand),
}

#[derive(Debug, Clone, Default, Args)]
pub struct AlertsNotifyArgs {
    /// Also read active alerts from FILE (`-` for standard input); repeatable
    ///
    /// Auto-detected: JSON Lines or a JSON array of tend alerts
    /// {id, severity, category, title, summary, started_at, source}, an
    /// Alertmanager webhook payload, or an Alertmanager /api/v2/alerts array.
    /// Input that is not valid JSON or matches no format exits 2 naming the
    /// byte, and nothing is sent. Alerts from an input resolve only in runs
    /// that read that input again.
    #[arg(long = "from", value_name = "FILE")]
    pub from: Vec<PathBuf>,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Args)]
pub struct AlertsListArgs {
    /// Also read active alerts from FILE (`-` for standard input); repeatable
    #[arg(long = "from", value_name = "FILE")]
    pub from: Vec<PathBuf>,

    #[command(flatten)]
    pub flags: NowFlag,
}

#[derive(Debug, Args)]
pub struct AlertsTestArgs {
    /// The channel to test [default: every channel the alert routes use]
    #[arg(long, value_enum)]
    pub channel: Option<ChannelArg>,

    #[command(flatten)]
    pub flags: RunFlags,
}

/// A channel named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    Slack,
    Email,
    Webhook,
    Stdout,
}

impl From<ChannelArg> for crate::config::ChannelKind {
    fn from(c: ChannelArg) -> Self {
        use crate::config::ChannelKind as K;
        match c {
            ChannelArg::Slack => K::Slack,
            ChannelArg::Email => K::Email,
            ChannelArg::Webhook => K::Webhook,
            ChannelArg::Stdout => K::Stdout,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Mute alerts matching every --match for a while
    ///
    /// A silenced alert is recorded (status silenced) instead of sent; if it
    /// still fires when the silence ends, it is notified on the next run.
    Add(SilenceAddArgs),
    /// Show active silences (--all: expired ones too)
    List(SilenceListArgs),
    /// End a silence now
    Expire(SilenceExpireArgs),
}

#[derive(Debug, Args)]
pub struct SilenceAddArgs {
    /// KEY=VALUE with KEY one of id, category, severity, source (exact values; all must match)
    #[arg(long = "match", value_name = "KEY=VALUE", required = true, num_args = 1.., value_parser = parse_matcher)]
    pub matchers: Vec<(MatchKeyArg, String)>,

    /// How long, e.g. 30m, 2h, 1d
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub duration: crate::config::Duration,

    /// Why (shown in `silence list`)
    #[arg(long, value_name = "TEXT")]
    pub reason: String,

    /// Who silences [default: $SUDO_USER, else $USER]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Args)]
pub struct SilenceListArgs {
    /// Also show expired silences
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub flags: NowFlag,
}

#[derive(Debug, Args)]
pub struct SilenceExpireArgs {
    /// The silence id (from `silence list`), e.g. s-1a2b3c4d5e6f
    #[arg(value_name = "ID")]
    pub id: String,

    /// Who ends it [default: $SUDO_USER, else $USER]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,

    #[command(flatten)]
    pub flags: RunFlags,
}

/// What a `--match` compares, as typed; the alerts handler converts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKeyArg {
    Id,
    Category,
    Severity,
    Source,
}

impl MatchKeyArg {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKeyArg::Id => "id",
            MatchKeyArg::Category => "category",
            MatchKeyArg::Severity => "severity",
            MatchKeyArg::Source => "source",
        }
    }
}

impl std::str::FromStr for MatchKeyArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "id" => Ok(MatchKeyArg::Id),
            "category" => Ok(MatchKeyArg::Category),
            "severity" => Ok(MatchKeyArg::Severity),
            "source" => Ok(MatchKeyArg::Source),
            other => Err(format!(
                "unknown key {other:?}: expected id, category, severity or source"
            )),
        }
    }
}

/// `KEY=VALUE` of `--match`, checked (a severity is normalised).
fn parse_matcher(text: &str) -> Result<(MatchKeyArg, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not KEY=VALUE (e.g. category=api_down)"))?;
    let key: MatchKeyArg = key.trim().parse()?;
    if value.is_empty() {
        return Err(format!("{}= needs a value", key.as_str()));
    }
    if key == MatchKeyArg::Severity {
        let severity: crate::severity::Severity = value.parse()?;
        return Ok((key, severity.as_str().to_string()));
    }
    Ok((key, value.to_string()))
}

fn parse_duration(text: &str) -> Result<crate::config::Duration, String> {
    text.parse()
        .map_err(|e: crate::config::ParseDurationError| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum GcCommand {
    /// Delete checkpoint threads whose session is gone ([gc.checkpoints])
    ///
    /// A thread's session is its id without trailing `:retry-N` suffixes;
    /// the thread is an orphan when that session is not active in the
    /// sessions source (missing, in a terminal status, or marked deleted).
    /// An orphaned session goes only when none of its threads was touched
    /// within --min-age, at most --max-deletions threads per run, each thread
    /// whole or not at all, each removal written to the audit log
    /// (gc.checkpoint_removed). Nothing is deleted when the source failed or
    /// returned no session. A thread locked by a writer is left for the next
    /// run (exit 1). Use --dry-run first: it lists every thread that would go
    /// and why each other one is kept.
    Checkpoints(GcCheckpointsArgs),
    /// Remove audit segments older than --keep-days (by their file date)
    ///
    /// Never removes today's or yesterday's segment, nor one the wake cursor
    /// has not finished reading; refuses a --keep-days shorter than the
    /// longest promote window unless --force. Each removal is written to the
    /// audit log (gc.audit_removed).
    Audit(GcAuditArgs),
}

#[derive(Debug, Clone, Default, Args)]
pub struct GcCheckpointsArgs {
    /// Delete even when the sessions source returned no session at all
    #[arg(long)]
    pub allow_empty: bool,

    /// Keep a gone session touched more recently than this [default: [gc.checkpoints] min_age, 1h]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub min_age: Option<crate::config::Duration>,

    /// Delete at most N threads this run [default: [gc.checkpoints] max_deletions, 1000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_deletions: Option<u64>,

    /// Reclaim the space of deleted threads afterwards (SQLite VACUUM; Postgres VACUUM)
    #[arg(long)]
    pub vacuum: bool,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Clone, Args)]
pub struct GcAuditArgs {
    /// Keep the segments of the last N days (by file date, UTC)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub keep_days: u32,

    /// Allow a --keep-days shorter than the longest promote window
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub flags: RunFlags,
}

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Write one man page per subcommand into DIR
    Man {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print the completion script for SHELL (or write every shell's into --dir)
    Completions {
        #[arg(value_enum, required_unless_present = "dir")]
        shell: Option<Shell>,
        /// Write the scripts of all shells into this directory
        #[arg(long, value_name = "DIR", conflicts_with = "shell")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn matchers_parse() {
        assert_eq!(
            parse_matcher("severity=CRITICAL").unwrap(),
            (MatchKeyArg::Severity, "critical".into())
        );
        assert_eq!(
            parse_matcher("id=probe:api:x=y").unwrap(),
            (MatchKeyArg::Id, "probe:api:x=y".into())
        );
        assert_eq!(
            parse_matcher(" source =alertmanager").unwrap(),
            (MatchKeyArg::Source, "alertmanager".into())
        );
        for bad in ["category", "host=a", "severity=urgent", "id="] {
            assert!(parse_matcher(bad).is_err(), "{bad}");
        }
    }
}
