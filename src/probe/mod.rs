//! `tend probe run [NAME…]` (design §4 and the `[probes]`/`[[probe]]` keys of
//! §12): runs the probes, decides what each result means, appends the audit
//! rows in one batch, then writes `state/probes.json`.
//!
//! The pure parts are [`nagios`] (plugin output and performance data),
//! [`result`] (a finished process → a result), [`rule`] (state, recovery,
//! rows) and [`flap`]; [`discover`], [`schedule`], [`exec`] and [`builtin`] do
//! the I/O.

pub mod builtin;
pub mod discover;
pub mod flap;
pub mod html;
pub mod nagios;
pub mod result;
pub mod rule;
pub mod schedule;
pub mod state;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::{ProbeCommand, ProbeRunArgs};
use crate::clock::format_ts;
use crate::ctx::{Counter, Ctx, Outcome, counters};
use crate::exit::{Exit, UsageError};
use crate::store::lock::Wait;
use discover::{Catalog, Planned};
use nagios::Status;
use result::ProbeResult;
use rule::{Decision, FlapChange};
use state::ProbesState;

counters! {
    /// What `probe run` counts (run record and JSON summary).
    enum ProbeCount {
        Probes = "probes",
        Ok = "ok",
        Warning = "warning",
        Critical = "critical",
        Unknown = "unknown",
        Wakes = "wakes",
        Changed = "changed",
        Recovered = "recovered",
        Flapping = "flapping",
        FailedToStart = "failed_to_start",
        Skipped = "skipped",
        NotRun = "not_run",
        Pruned = "pruned",
    }
}

pub fn run(ctx: &mut Ctx, command: &ProbeCommand) -> Result<Outcome> {
    match command {
        ProbeCommand::Run(args) => run_probes(ctx, args),
    }
}

/// What `probe run` skips with a warning (`probes.d/x: skipped: not
/// executable; …`), for `status` and `doctor` to name too.
pub fn skipped_files(root: &crate::ctx::Root, config: &crate::config::Config) -> Vec<String> {
    let shown = &config.probes.dir;
    discover::discover(config, &root.resolve(shown), shown).problems
}

/// `tend probe run` (also a step of `tend tick`).
pub fn run_probes(ctx: &mut Ctx, args: &ProbeRunArgs) -> Result<Outcome> {
    let shown = ctx.config.probes.dir.clone();
    let catalog = discover::discover(&ctx.config, &ctx.root.resolve(&shown), &shown);
    // A misspelt name is a usage error, found before anything runs.
    let selected = select(&catalog, &args.names)?;
    ctx.run_locked(crate::command::Command::ProbeRun, Wait::No, |ctx| {
        run_selected(ctx, args, &catalog, selected)
    })
}

/// The probes to run: the named ones, else every enabled one.
fn select(catalog: &Catalog, names: &[String]) -> Result<Vec<Planned>> {
    if names.is_empty() {
        return Ok(catalog
            .probes
            .iter()
            .filter(|p| p.enabled)
            .cloned()
            .collect());
    }
    let mut selected: Vec<Planned> = Vec::new();
    for name in names {
        match catalog.probes.iter().find(|p| &p.name == name) {
            Some(p) if !selected.iter().any(|s| s.name == p.name) => selected.push(p.clone()),
            Some(_) => {}
            None => {
                let known: Vec<&str> = catalog.probes.iter().map(|p| p.name.as_str()).collect();
                return Err(UsageError(format!(
                    "no probe named {name:?} (known: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
                .into());
            }
        }
    }
    selected.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(selected)
}

/// One probe's result and what it meant.
struct Report {
    probe: Planned,
    result: ProbeResult,
    decision: Decision,
    /// A new failure, a confirmed recovery or a flap ([`rule::is_news`]).
    news: bool,
}

fn run_selected(
    ctx: &mut Ctx,
    args: &ProbeRunArgs,
    catalog: &Catalog,
    selected: Vec<Planned>,
) -> Result<Outcome> {
    let full_run = args.names.is_empty();
    for note in &catalog.notes {
        ctx.out.note(note);
    }
    // In a run of named probes, problems of other files are not this run's.
    let problems: &[String] = if full_run { &catalog.problems } else { &[] };
    for problem in problems {
        ctx.out.warn(problem);
    }
    if full_run && catalog.probes.is_empty() {
        ctx.out.note(&format!(
            "no probes: put executables in {}/ or add [[probe]] entries to tend.toml",
            ctx.config.probes.dir.display()
        ));
    }

    let previous: ProbesState = ctx.load_state(state::FILE)?.unwrap_or_default();
    let settings = schedule::Settings {
        max_parallel: ctx.config.probes.max_parallel,
        deadline: ctx.config.probes.deadline.to_std(),
        output_limit: ctx.config.probes.output_limit,
        cwd: ctx.root.dir().to_path_buf(),
        hide_env: ctx.config.secret_env_vars(),
    };
    let results = schedule::run_all(&selected, &settings);

    let now = ctx.now();
    let at = format_ts(now);
    let recover_after = ctx.config.probes.recover_after;
    let mut next = previous.clone();
    let mut rows = Vec::new();
    let mut reports = Vec::new();
    let mut not_run = Vec::new();
    for (probe, result) in selected.into_iter().zip(results) {
        let Some(result) = result else {
            not_run.push(probe.name);
            continue;
        };
        let status = result.status;
        let observation = rule::Observation {
            status,
            issue_category: rule::issue_category(
                status,
                result.category.as_deref(),
                probe.category.as_deref(),
            ),
            severity: rule::severity(status, &probe.severity),
            summary: result.summary.clone(),
            at: at.clone(),
        };
        let before = previous.probes.get(&probe.name);
        let decision = rule::apply(before, observation, recover_after);
        let news = rule::is_news(before, &decision);
        let info = rule::ProbeInfo {
            name: &probe.name,
            kind: probe.kind_name(),
            envelope: &probe.envelope,
        };
        rows.extend(rule::rows(info, &result, &decision, now));
        next.probes
            .insert(probe.name.clone(), decision.state.clone());
        reports.push(Report {
            probe,
            result,
            decision,
            news,
        });
    }
    for name in &not_run {
        ctx.out.warn(&format!(
            "probe {name:?} was not run: the run's deadline (probes.deadline = {}) passed first",
            ctx.config.probes.deadline
        ));
    }

    // Probes that no longer exist (or were disabled) leave the state, so their
    // alerts end; only a full run knows the whole set.
    let mut pruned = Vec::new();
    if full_run {
        let live: BTreeSet<&str> = catalog
            .probes
            .iter()
            .filter(|p| p.enabled)
            .map(|p| p.name.as_str())
            .collect();
        next.probes.retain(|name, _| {
            let keep = live.contains(name.as_str());
            if !keep {
                pruned.push(name.clone());
            }
            keep
        });
    }

    if !ctx.dry_run {
        // Rows first: a crash before the state write repeats a decision on the
        // next run (wake consume debounces; a recovery keeps its id) rather
        // than losing one.
        ctx.audit().append(&rows, now)?;
        if next != previous {
            crate::store::state::save(&ctx.root.state_file(state::FILE), &next)?;
        }
    }

    let tally = Tally::of(&reports, problems.len(), not_run.len(), &pruned);
    for report in &reports {
        ctx.out.item(&item_line(report))?;
        ctx.out.json(&item_json(report))?;
    }
    for name in &pruned {
        ctx.out.item(&format!(
            "{name}: removed from state/probes.json (no longer an enabled probe)"
        ))?;
    }
    let mut line = tally.line();
    if ctx.dry_run {
        line.push_str(" (dry run: nothing written)");
    }
    ctx.out.news(tally.is_news(), &line)?;
    ctx.out.json(&tally.json(ctx.dry_run))?;

    let mut outcome = Outcome {
        failed: tally.failed(),
        ..Outcome::default()
    };
    for (counter, n) in tally.counts() {
        // Zeros add nothing to the run record but noise.
        if n > 0 || counter == ProbeCount::Probes {
            outcome.count(counter, n);
        }
    }
    if args.nagios_exit {
        let mut worst = tally.worst;
        if tally.failed() {
            worst = worst.worst(Status::Unknown);
        }
        outcome.exit = Some(match worst {
            Status::Ok => Exit::Success,
            Status::Warning => Exit::Partial,
            Status::Critical => Exit::Usage,
            Status::Unknown => Exit::Unknown,
        });
    }
    Ok(outcome)
}

/// What a run amounted to.
#[derive(Debug, Default)]
struct Tally {
    by_status: [(Status, Vec<String>); 4],
    worst: Status,
    wakes: u64,
    changed: u64,
    /// Results that are news ([`rule::is_news`]).
    news: u64,
    recovered: Vec<String>,
    /// Flapping now, including those that started this run.
    flapping: Vec<String>,
    flap_started: Vec<String>,
    flap_ended: Vec<String>,
    failed_to_start: Vec<String>,
    skipped: usize,
    not_run: usize,
    pruned: usize,
}

impl Tally {
    fn of(reports: &[Report], skipped: usize, not_run: usize, pruned: &[String]) -> Tally {
        let mut t = Tally {
            by_status: Status::ALL.map(|s| (s, Vec::new())),
            skipped,
            not_run,
            pruned: pruned.len(),
            ..Tally::default()
        };
        for r in reports {
            let name = r.probe.name.clone();
            let status = r.result.status;
            t.worst = t.worst.worst(status);
            if let Some((_, names)) = t.by_status.iter_mut().find(|(s, _)| *s == status) {
                names.push(name.clone());
            }
            t.wakes += u64::from(r.decision.wake);
            t.changed += u64::from(r.decision.changed);
            t.news += u64::from(r.news);
            if r.decision.state.flapping {
                t.flapping.push(name.clone());
            }
            if r.decision.recovered.is_some() {
                t.recovered.push(name.clone());
            }
            match r.decision.flap {
                Some(FlapChange::Started) => t.flap_started.push(name.clone()),
                Some(FlapChange::Ended) => t.flap_ended.push(name.clone()),
                None => {}
            }
            if r.result.failed_to_start {
                t.failed_to_start.push(name);
            }
        }
        t
    }

    fn probes(&self) -> usize {
        self.by_status.iter().map(|(_, n)| n.len()).sum()
    }

    fn failed(&self) -> bool {
        !self.failed_to_start.is_empty() || self.skipped > 0 || self.not_run > 0
    }

    /// Cron stays quiet unless something changed: a probe's news, a probe
    /// that could not run, a probe that left the state.
    fn is_news(&self) -> bool {
        self.news > 0 || self.failed() || self.pruned > 0
    }

    /// `3 probes: 1 ok, 1 warning (disk), 1 critical (api); 2 wakes requested; 1 recovered (db)`
    fn line(&self) -> String {
        let n = self.probes();
        let mut line = format!("{n} {}:", if n == 1 { "probe" } else { "probes" });
        let mut parts = Vec::new();
        for (status, names) in &self.by_status {
            if names.is_empty() {
                continue;
            }
            if *status == Status::Ok {
                parts.push(format!("{} ok", names.len()));
            } else {
                parts.push(format!("{} {status} ({})", names.len(), list(names)));
            }
        }
        if parts.is_empty() {
            parts.push("none ran".into());
        }
        let _ = write!(line, " {}", parts.join(", "));
        if self.wakes > 0 {
            let _ = write!(
                line,
                "; {} {} requested",
                self.wakes,
                if self.wakes == 1 { "wake" } else { "wakes" }
            );
        }
        if !self.recovered.is_empty() {
            let _ = write!(
                line,
                "; {} recovered ({})",
                self.recovered.len(),
                list(&self.recovered)
            );
        }
        if !self.flap_started.is_empty() {
            let _ = write!(line, "; flapping started: {}", list(&self.flap_started));
        }
        let still: Vec<String> = self
            .flapping
            .iter()
            .filter(|n| !self.flap_started.contains(n))
            .cloned()
            .collect();
        if !still.is_empty() {
            let _ = write!(line, "; still flapping: {}", list(&still));
        }
        if !self.flap_ended.is_empty() {
            let _ = write!(line, "; flapping ended: {}", list(&self.flap_ended));
        }
        if !self.failed_to_start.is_empty() {
            let _ = write!(
                line,
                "; {} could not start ({})",
                self.failed_to_start.len(),
                list(&self.failed_to_start)
            );
        }
        if self.skipped > 0 {
            let _ = write!(line, "; {} skipped (see warnings)", self.skipped);
        }
        if self.not_run > 0 {
            let _ = write!(line, "; {} not run (deadline)", self.not_run);
        }
        if self.pruned > 0 {
            let _ = write!(line, "; {} removed from state", self.pruned);
        }
        line
    }

    fn counts(&self) -> Vec<(ProbeCount, u64)> {
        let of = |s: Status| {
            self.by_status
                .iter()
                .find(|(x, _)| *x == s)
                .map_or(0, |(_, n)| n.len() as u64)
        };
        vec![
            (ProbeCount::Probes, self.probes() as u64),
            (ProbeCount::Ok, of(Status::Ok)),
            (ProbeCount::Warning, of(Status::Warning)),
            (ProbeCount::Critical, of(Status::Critical)),
            (ProbeCount::Unknown, of(Status::Unknown)),
            (ProbeCount::Wakes, self.wakes),
            (ProbeCount::Changed, self.changed),
            (ProbeCount::Recovered, self.recovered.len() as u64),
            (ProbeCount::Flapping, self.flapping.len() as u64),
            (ProbeCount::FailedToStart, self.failed_to_start.len() as u64),
            (ProbeCount::Skipped, self.skipped as u64),
            (ProbeCount::NotRun, self.not_run as u64),
            (ProbeCount::Pruned, self.pruned as u64),
        ]
    }

    fn json(&self, dry_run: bool) -> Value {
        let mut summary = json!({
            "summary": true,
            "command": "probe run",
            "worst": self.worst,
            "dry_run": dry_run,
        });
        for (counter, n) in self.counts() {
            summary[counter.name()] = json!(n);
        }
        summary["flapping_started"] = json!(self.flap_started);
        summary["flapping_ended"] = json!(self.flap_ended);
        summary
    }
}

/// Up to 5 names, then how many more.
fn list(names: &[String]) -> String {
    if names.len() <= 5 {
        names.join(", ")
    } else {
        format!("{}, … {} more", names[..5].join(", "), names.len() - 5)
    }
}

/// `CRITICAL example-queue: example queue: 3 jobs waiting [queue_stalled; was OK; wake requested] (4 ms)`
fn item_line(report: &Report) -> String {
    let d = &report.decision;
    let state = &d.state;
    let mut marks = Vec::new();
    if state.status != Status::Ok {
        marks.push(state.issue_category.clone());
    }
    if let Some(previous) = d.previous.filter(|_| d.changed) {
        marks.push(format!("was {}", previous.upper()));
    }
    if d.wake {
        marks.push("wake requested".into());
    }
    if let Some(r) = &d.recovered {
        marks.push(format!(
            "recovered from {} (down since {})",
            r.issue_category, r.down_since
        ));
    }
    match d.flap {
        Some(FlapChange::Started) => marks.push(format!(
            "flapping started ({:.1}% state changes)",
            state.state_change_percent
        )),
        Some(FlapChange::Ended) => marks.push("flapping ended".into()),
        None if state.flapping => marks.push("flapping".into()),
        None => {}
    }
    let mut line = format!(
        "{:<8} {}: {}",
        state.status.upper(),
        report.probe.name,
        state.summary
    );
    if !marks.is_empty() {
        let _ = write!(line, " [{}]", marks.join("; "));
    }
    let _ = write!(line, " ({} ms)", report.result.duration_ms);
    line
}

fn item_json(report: &Report) -> Value {
    let d = &report.decision;
    let state = &d.state;
    let r = &report.result;
    let mut item = json!({
        "probe": report.probe.name,
        "kind": report.probe.kind_name(),
        "status": state.status,
        "issue_category": state.issue_category,
        "severity": state.severity,
        "summary": state.summary,
        "perfdata": r.perfdata,
        "duration_ms": r.duration_ms,
        "exit_code": r.exit_code,
        "previous": d.previous,
        "changed": d.changed,
        "consecutive": state.consecutive,
        "wake_requested": d.wake,
        "recovered": d.recovered.is_some(),
        "flapping": state.flapping,
        "flap": d.flap,
        "state_change_percent": state.state_change_percent,
    });
    if !r.observations.is_empty() {
        item["observations"] = json!(r.observations);
    }
    if !r.long_output.is_empty() {
        item["long_output"] = json!(r.long_output);
    }
    if !r.perf_errors.is_empty() {
        item["perfdata_errors"] = json!(r.perf_errors);
    }
    if r.failed_to_start {
        item["failed_to_start"] = json!(true);
    }
    item
}
