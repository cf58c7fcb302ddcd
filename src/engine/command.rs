//! A local command as the engine (e.g. the `llm` CLI): the argv is run without
//! a shell, in its own process group, the prompt written to its standard input
//! and the answer read from its standard output. At the timeout the whole group
//! is killed, so a hung model runner (and anything it started) never outlives
//! the run.
//!
//! A command reports no token usage, so every call that ran is charged an
//! estimate ([`budget::estimate`]: one token per 4 bytes of prompt and of what
//! it printed), priced by `[engine] prices` for `[engine] model`; the budget
//! ladder then halts it like the HTTP engines. A command that ran and failed
//! (an exit status, a signal, the timeout) is charged too: it may have spent
//! its tokens before failing. One that could not start costs nothing.

use std::ffi::OsStr;
use std::time::Duration;

use super::{Engine, ErrorCode, Failure, Prompt, Reply, budget};
use crate::config::{EngineConfig, EngineKind};
use crate::store::process::{self, End};

/// The most bytes of an answer kept (a runaway command cannot fill memory).
const ANSWER_LIMIT: usize = 1024 * 1024;
/// The most bytes of standard error kept for the failure message.
const STDERR_LIMIT: usize = 4096;

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
        let input = prompt.as_text().into_bytes();
        let input_bytes = input.len();
        let finished = process::run(process::Spec {
            program: OsStr::new(program),
            args,
            cwd: None,
            hide_env: &[],
            stdin: Some(input),
            timeout,
            stdout_limit: ANSWER_LIMIT,
            stderr_limit: STDERR_LIMIT,
        });
        let stderr = String::from_utf8_lossy(&finished.stderr);
        let stderr = stderr.trim();
        let said = if stderr.is_empty() {
            String::new()
        } else {
            format!(": {}", stderr.lines().last().unwrap_or_default())
        };
        let spent = Some(budget::estimate(input_bytes, finished.stdout.len()));
        match finished.end {
            End::Exited(0) => Ok(Reply {
                text: String::from_utf8_lossy(&finished.stdout).into_owned(),
                model: self.model.clone(),
                usage: spent,
            }),
            End::Exited(code) => Err(Failure::new(
                ErrorCode::Exception("exit_status".into()),
                format!("{program:?} exited with status {code}{said}"),
            )
            .spent(spent)),
            End::Signaled(signal) => Err(Failure::new(
                ErrorCode::Exception("signal".into()),
                format!("{program:?} was killed by signal {signal}{said}"),
            )
            .spent(spent)),
            End::TimedOut(after) => Err(Failure::new(
                ErrorCode::Timeout,
                format!(
                    "{program:?} did not answer within {} ms; its process group was killed",
                    after.as_millis()
                ),
            )
            .spent(spent)),
            End::NotStarted(why) => Err(Failure::new(
                ErrorCode::Exception("spawn".into()),
                format!("cannot run {why}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

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
        assert_eq!(r.model, "local");
        // "sys\n\nthe question" is 17 bytes, "got: sys\n" 9: estimated.
        let usage = r.usage.unwrap();
        assert_eq!((usage.input_tokens, usage.output_tokens), (5, 3));
        assert!(usage.estimated);
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
        assert_eq!(
            err.usage.map(|u| u.input_tokens),
            Some(5),
            "a command that ran is charged its prompt"
        );
        let err = CommandEngine::new(vec!["/nonexistent/llm".into()], "x")
            .complete(&prompt(), Duration::from_secs(1))
            .unwrap_err();
        assert_eq!(err.code.to_string(), "engine_exception:spawn");
        assert_eq!(err.usage, None, "a command that never started cost nothing");
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
