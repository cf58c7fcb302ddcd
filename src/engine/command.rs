//! A local command as the engine (e.g. the `llm` CLI): the argv is run without
//! a shell, in its own process group, the prompt written to its standard input
//! and the answer read from its standard output. At the timeout the whole group
//! is killed, so a hung model runner (and anything it started) never outlives
//! the run.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Engine, ErrorCode, Failure, Prompt, Reply};
use crate::config::{EngineConfig, EngineKind};

/// The most bytes of an answer kept (a runaway command cannot fill memory).
const ANSWER_LIMIT: u64 = 1024 * 1024;
/// The most bytes of standard error kept for the failure message.
const STDERR_LIMIT: u64 = 4096;
/// How often the child is polled.
const POLL: Duration = Duration::from_millis(10);

pub struct CommandEngine {
    argv: Vec<String>,
    model: String,
}

impl CommandEngine {
    pub fn from_config(engine: &EngineConfig) -> CommandEngine {
        CommandEngine {
            argv: engine.command.clone(),
            model: engine
                .model
                .clone()
                .unwrap_or_else(|| engine.command.first().cloned().unwrap_or_default()),
        }
    }

    pub fn new(argv: Vec<String>, model: &str) -> CommandEngine {
        CommandEngine {
            argv,
            model: model.to_string(),
        }
    }
}

/// Reads at most `limit` bytes of a pipe on a thread, then drains the rest so
/// the writer never blocks on a full pipe.
fn reader<R: Read + Send + 'static>(pipe: R, limit: u64) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut pipe = pipe;
        let mut kept = Vec::new();
        let _ = (&mut pipe).take(limit).read_to_end(&mut kept);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        let _ = tx.send(kept);
    });
    rx
}

fn kill_group(child: &Child) {
    // The child leads its own group (process_group(0)), so -pid is the group.
    let pid = child.id() as libc::pid_t;
    // SAFETY: kill(2) with a negative pid signals that process group; it has
    // no memory effects, and ESRCH (the group is gone) is harmless.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

impl Engine for CommandEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Command
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete(&mut self, prompt: &Prompt, timeout: Duration) -> Result<Reply, Failure> {
        let Some((program, args)) = self.argv.split_first() else {
            return Err(Failure::new(
                ErrorCode::Exception("spawn".into()),
                "[engine] command is empty",
            ));
        };
        let started = Instant::now();
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                Failure::new(
                    ErrorCode::Exception("spawn".into()),
                    format!("cannot run {program:?}: {e}"),
                )
            })?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill_group(&child);
            let _ = child.wait();
            return Err(Failure::new(
                ErrorCode::Exception("spawn".into()),
                "the command's pipes could not be opened",
            ));
        };
        let input = prompt.as_text().into_bytes();
        // A command that never reads its input must not block us: write on a
        // thread (a broken pipe just means it did not want the rest).
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = reader(stdout, ANSWER_LIMIT);
        let err = reader(stderr, STDERR_LIMIT);

        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() >= timeout => {
                    kill_group(&child);
                    let _ = child.wait();
                    return Err(Failure::new(
                        ErrorCode::Timeout,
                        format!(
                            "{program:?} did not answer within {} ms; its process group was killed",
                            timeout.as_millis()
                        ),
                    ));
                }
                Ok(None) => std::thread::sleep(POLL),
                Err(e) => {
                    kill_group(&child);
                    let _ = child.wait();
                    return Err(Failure::new(
                        ErrorCode::Exception("wait".into()),
                        format!("cannot wait for {program:?}: {e}"),
                    ));
                }
            }
        };
        // Whatever the command left running in its group goes with it.
        kill_group(&child);
        let grace = Duration::from_millis(200);
        let stdout = out.recv_timeout(grace).unwrap_or_default();
        let stderr = err.recv_timeout(grace).unwrap_or_default();
        let stderr = String::from_utf8_lossy(&stderr);
        let stderr = stderr.trim();
        let said = if stderr.is_empty() {
            String::new()
        } else {
            format!(": {}", stderr.lines().last().unwrap_or_default())
        };
        if let Some(signal) = status.signal() {
            return Err(Failure::new(
                ErrorCode::Exception("signal".into()),
                format!("{program:?} was killed by signal {signal}{said}"),
            ));
        }
        if !status.success() {
            return Err(Failure::new(
                ErrorCode::Exception("exit_status".into()),
                format!(
                    "{program:?} exited with status {}{said}",
                    status.code().unwrap_or(-1)
                ),
            ));
        }
        Ok(Reply {
            text: String::from_utf8_lossy(&stdout).into_owned(),
            model: self.model.clone(),
            usage: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> CommandEngine {
        CommandEngine::new(vec!["/bin/sh".into(), "-c".into(), script.into()], "local")
    }

    fn prompt() -> Prompt {
        Prompt {
            system: "sys".into(),
            user: "the question".into(),
        }
    }

    #[test]
    fn answers_from_standard_output_with_the_prompt_on_standard_input() {
        let r = sh("read -r first; cat >/dev/null; echo \"got: $first\"")
            .complete(&prompt(), Duration::from_secs(10))
            .unwrap();
        assert_eq!(r.text.trim(), "got: sys");
        assert_eq!(r.usage, None);
        assert_eq!(r.model, "local");
    }

    #[test]
    fn a_hung_command_and_its_children_are_killed_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("child-alive");
        let script = format!("(sleep 1; touch {}) & sleep 30", marker.display());
        let started = Instant::now();
        let err = sh(&script)
            .complete(&prompt(), Duration::from_millis(300))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Timeout);
        assert!(started.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(1200));
        assert!(!marker.exists(), "the background child was killed too");
    }

    #[test]
    fn failures_have_codes() {
        let err = sh("echo boom >&2; exit 3")
            .complete(&prompt(), Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(err.code.to_string(), "engine_exception:exit_status");
        assert!(err.message.contains("status 3: boom"), "{}", err.message);
        let err = CommandEngine::new(vec!["/nonexistent/llm".into()], "x")
            .complete(&prompt(), Duration::from_secs(1))
            .unwrap_err();
        assert_eq!(err.code.to_string(), "engine_exception:spawn");
        let err = sh("kill -9 $$")
            .complete(&prompt(), Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(err.code.to_string(), "engine_exception:signal");
    }

    #[test]
    fn a_command_that_ignores_its_input_still_answers() {
        let big = Prompt {
            system: "x".repeat(1 << 20),
            user: String::new(),
        };
        let r = sh("echo fine")
            .complete(&big, Duration::from_secs(10))
            .unwrap();
        assert_eq!(r.text.trim(), "fine");
    }
}
