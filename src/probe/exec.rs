//! Running one exec probe (SPEC §4): an argv without a shell, in its own
//! process group, bounded by its timeout. When the probe exits or times out,
//! its whole group is killed, so a plugin that left children behind (or hung
//! with them) leaves nothing running. Output is read on two threads so a probe
//! that fills one pipe while we wait on the other never deadlocks; what goes
//! past the output limit is read and dropped.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::result::{End, Finished, STDERR_KEEP};

/// How long to wait for the output pipes to close once the group is dead.
/// Only a process that left the group (`setsid`) can hold them open longer;
/// then what was read so far is used and the reader is abandoned.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// Runs `program args…` in `cwd` without the variables `hide_env`, keeping at
/// most `limit` bytes of standard output.
pub fn run(
    program: &OsStr,
    args: &[String],
    cwd: &Path,
    hide_env: &[String],
    timeout: Duration,
    limit: usize,
) -> Finished {
    let started = Instant::now();
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group, so that it and everything it starts can be killed together.
        .process_group(0);
    for var in hide_env {
        command.env_remove(var);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Finished {
                end: End::NotStarted(format!("{}: {e}", Path::new(program).display())),
                stdout: Vec::new(),
                stdout_cut: false,
                stderr: Vec::new(),
                duration: started.elapsed(),
            };
        }
    };
    let pid = child.id() as libc::pid_t;
    let stdout = Capture::start(child.stdout.take(), limit);
    let stderr = Capture::start(child.stderr.take(), STDERR_KEEP * 4);

    // Wait for the exit without reaping it: while the leader is an unreaped
    // zombie its pid cannot be reused, so killing the group by that id below
    // can only reach the probe's own processes.
    let (tx, rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        wait_exit_unreaped(pid);
        let _ = tx.send(());
    });
    let timed_out = rx.recv_timeout(timeout).is_err();
    // SAFETY: kill(2) with a negative pid signals the process group `pid`,
    // which this process created with process_group(0) and has not reaped;
    // the leader is also killed by its pid in case it left its group.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
        if timed_out {
            libc::kill(pid, libc::SIGKILL);
        }
    }
    let _ = waiter.join();
    let status = child.wait();
    let duration = started.elapsed();
    let grace_until = Instant::now() + PIPE_GRACE;
    let (out, cut) = stdout.finish(grace_until);
    let (err, _) = stderr.finish(grace_until);
    let end = if timed_out {
        End::TimedOut(timeout)
    } else {
        match status {
            Ok(status) => match (status.code(), status.signal()) {
                (Some(code), _) => End::Exited(code),
                (None, Some(signal)) => End::Signaled(signal),
                (None, None) => End::NotStarted("ended without an exit status".into()),
            },
            Err(e) => End::NotStarted(format!("cannot wait for it: {e}")),
        }
    };
    Finished {
        end,
        stdout: out,
        stdout_cut: cut,
        stderr: err,
        duration,
    }
}

/// Blocks until process `pid` has exited, leaving it to be reaped.
fn wait_exit_unreaped(pid: libc::pid_t) {
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value for waitid to fill.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid on our own child with a valid out-pointer.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            return;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            // ECHILD: nothing to wait for (already reaped); never expected.
            return;
        }
    }
}

#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    cut: bool,
}

/// A pipe drained on its own thread into a bounded buffer.
struct Capture {
    buffer: Arc<Mutex<Buffer>>,
    done: mpsc::Receiver<()>,
}

impl Capture {
    fn start<R: Read + Send + 'static>(pipe: Option<R>, limit: usize) -> Capture {
        let buffer = Arc::new(Mutex::new(Buffer::default()));
        let (tx, done) = mpsc::channel();
        if let Some(mut pipe) = pipe {
            let shared = buffer.clone();
            // Detached on purpose: a pipe held open by a process that escaped
            // the group must not hold up the run (see PIPE_GRACE).
            thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                loop {
                    match pipe.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => {
                            let Ok(mut b) = shared.lock() else { break };
                            let room = limit.saturating_sub(b.bytes.len());
                            b.bytes.extend_from_slice(&chunk[..n.min(room)]);
                            if n > room {
                                b.cut = true;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                let _ = tx.send(());
            });
        }
        Capture { buffer, done }
    }

    /// What was read, waiting for the end of the pipe until `until`.
    fn finish(self, until: Instant) -> (Vec<u8>, bool) {
        let _ = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        let mut b = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
        (std::mem::take(&mut b.bytes), b.cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64, limit: usize) -> Finished {
        run(
            OsStr::new("/bin/sh"),
            &["-c".to_string(), script.to_string()],
            Path::new("/"),
            &["TEND_TEST_SECRET".to_string()],
            Duration::from_millis(timeout_ms),
            limit,
        )
    }

    #[test]
    fn exit_code_and_output() {
        let f = sh("echo 'OK | a=1'; echo err >&2; exit 2", 5000, 1000);
        assert_eq!(f.end, End::Exited(2));
        assert_eq!(f.stdout, b"OK | a=1\n");
        assert_eq!(f.stderr, b"err\n");
        assert!(!f.stdout_cut);
    }

    #[test]
    fn output_past_the_limit_is_cut_and_drained() {
        // 200 KB through a 64 KB pipe: the reader must keep draining.
        let f = sh("head -c 200000 /dev/zero | tr '\\0' x; exit 0", 5000, 100);
        assert_eq!(f.end, End::Exited(0));
        assert_eq!(f.stdout.len(), 100);
        assert!(f.stdout_cut);
    }

    #[test]
    fn a_signal_is_reported() {
        let f = sh("kill -TERM $$", 5000, 100);
        assert_eq!(f.end, End::Signaled(libc::SIGTERM));
    }

    #[test]
    fn a_missing_program_does_not_start() {
        let f = run(
            OsStr::new("/nonexistent/check_x"),
            &[],
            Path::new("/"),
            &[],
            Duration::from_secs(1),
            100,
        );
        match f.end {
            End::NotStarted(why) => assert!(why.contains("/nonexistent/check_x"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
