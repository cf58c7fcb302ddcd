//! Running many probes (design §4): concurrently, at most `max_parallel` at a
//! time, each bounded by its timeout and the whole run by its deadline. Scoped
//! threads: all work ends before the command does.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::builtin;
use super::discover::{Planned, Target};
use super::nagios::Status;
use super::result::{ProbeResult, STDERR_KEEP, interpret, read_limit, seconds};
use crate::store::process;

#[derive(Debug, Clone)]
pub struct Settings {
    pub max_parallel: usize,
    pub deadline: Duration,
    pub output_limit: usize,
    /// The working directory of exec probes (the root).
    pub cwd: PathBuf,
    /// Variables holding tend's own secrets, which probes do not inherit.
    pub hide_env: Vec<String>,
}

/// Runs `probes`; a slot is `None` when the deadline passed before that probe
/// could start.
pub fn run_all(probes: &[Planned], settings: &Settings) -> Vec<Option<ProbeResult>> {
    let started = Instant::now();
    let deadline_at = started + settings.deadline;
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<ProbeResult>>> = probes.iter().map(|_| Mutex::new(None)).collect();
    let workers = settings.max_parallel.clamp(1, probes.len().max(1));
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(probe) = probes.get(i) else { break };
                    let left = deadline_at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        continue;
                    }
                    let result = run_one(probe, left, settings);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}

/// A command's program: a bare name is looked up in `PATH`; a relative path
/// (`./check.sh`, `bin/check`) is relative to the root, where probes run.
fn program_path(program: &str, settings: &Settings) -> PathBuf {
    let path = Path::new(program);
    if path.is_relative() && program.contains('/') {
        settings.cwd.join(path)
    } else {
        path.to_path_buf()
    }
}

/// Runs one probe with its timeout, cut to what is `left` of the deadline.
pub fn run_one(probe: &Planned, left: Duration, settings: &Settings) -> ProbeResult {
    let own = probe.timeout.to_std();
    let timeout = own.min(left);
    let limit = settings.output_limit;
    let exec = |program: &std::ffi::OsStr, args: &[String]| {
        // Read enough to parse a JSON object whole: `output_limit` cuts what
        // is kept, never what is decided (design §4).
        let finished = process::run(process::Spec {
            program,
            args,
            cwd: Some(&settings.cwd),
            hide_env: &settings.hide_env,
            stdin: None,
            timeout,
            stdout_limit: read_limit(limit),
            stderr_limit: STDERR_KEEP * 4,
        });
        interpret(&finished, limit)
    };
    let mut result = match &probe.target {
        Target::File(path) => exec(path.as_os_str(), &[]),
        Target::Command(argv) => match argv.split_first() {
            Some((program, args)) => exec(program_path(program, settings).as_os_str(), args),
            // Validation refuses an empty argv; this keeps the runner total.
            None => {
                let mut r = ProbeResult::new(
                    Status::Unknown,
                    "cannot start: empty command",
                    Duration::ZERO,
                );
                r.failed_to_start = true;
                r
            }
        },
        Target::Http(config) => builtin::http(config, timeout),
        Target::Tcp(address) => builtin::tcp(address, timeout),
    };
    // A probe cut short by the deadline did not fail on its own: say so, and
    // do not call its target down.
    let cut_short = timeout < own
        && result.status != Status::Ok
        && result.duration_ms + 50 >= timeout.as_millis() as u64;
    if cut_short {
        result.status = Status::Unknown;
        result.summary = format!(
            "cut short after {} by the run's deadline (probes.deadline = {}): {}",
            seconds(timeout),
            seconds(settings.deadline),
            result.summary
        );
    }
    result
}
