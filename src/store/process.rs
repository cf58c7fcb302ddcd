//! Running a child process for a bounded time (design §4 exec probes, §5 the
//! `command` engine, and every `{ command = [...] }` source): an argv without a
//! shell, in its own process group, optionally fed standard input. When the
//! child exits or times out its whole group is killed, so a program that left
//! children behind (or hung with them) leaves nothing running. Output is read on
//! threads so a child that fills one pipe while we wait on the other never
//! deadlocks; what goes past a limit is read and dropped.
//!
//! Children never outlive tend (design §10), even when tend itself is killed
//! with `SIGKILL` and can clean nothing up:
//! - the child gets `PR_SET_PDEATHSIG = SIGKILL`, so the kernel kills it when
//!   the thread that started it dies (that thread waits for the child until it
//!   ends, so it dies only with the process); a parent that died before the
//!   `prctl` took effect is caught by re-checking `getppid()`;
//! - what the child starts in its process group is covered by a watchdog: a
//!   tiny process forked *before* the child, which leads the process group the
//!   child then joins, and blocks reading a pipe whose only writer is tend.
//!   When tend dies, for any reason, the kernel closes the pipe, the read
//!   returns, and the watchdog kills the whole group (itself included). As it
//!   exists before the child, there is no instant at which the child runs
//!   unwatched. At a normal end the group kill reaches the watchdog too.
//!
//! - what leaves the process group (`setsid`, a daemon's double fork) is
//!   still a descendant: the program runs under a supervisor, a process
//!   forked between the child and the program's exec, which is the child
//!   subreaper (`PR_SET_CHILD_SUBREAPER`) of everything the program starts,
//!   so orphans are reparented to it, not to init. When the program ends,
//!   when the run times out (tend sends it `SIGTERM`) or when tend dies (its
//!   death signal is `SIGTERM`), the supervisor kills every descendant it
//!   has, again until none is left, and ends with the program's status. It
//!   leads a process group of its own, so the group kill never cuts it short.
//!   Nor can such a process hold up a run: its pipes are abandoned after
//!   [`PIPE_GRACE`], and a streamed read ends at the timeout.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The umask tend was started with: tend's own files use
/// [`restrict_umask`]'s, every child gets this one back.
/// `u32::MAX` while tend's umask was not changed: children get it as it is.
static CALLER_UMASK: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(u32::MAX);

/// What tend creates from now on is closed to other users: directories
/// 0750, files 0640 (umask 027), whatever the caller's umask was (a stricter
/// one is loosened to let the operators' group read). The caller's umask is
/// kept for the children tend starts.
pub fn restrict_umask() {
    // SAFETY: umask only swaps the process's file-creation mask.
    let caller = unsafe { libc::umask(0o027) };
    CALLER_UMASK.store(caller, std::sync::atomic::Ordering::Relaxed);
}

/// The umask tend was started with, for what tend writes for others to
/// read (`tend report`'s page) rather than as its own state.
pub fn caller_umask() -> u32 {
    CALLER_UMASK.load(std::sync::atomic::Ordering::Relaxed)
}

/// How long the supervisor has to end the program's descendants after
/// `SIGTERM` before it is killed itself.
const SUPERVISOR_GRACE: Duration = Duration::from_secs(5);

/// How long to wait for the output pipes to close once the group is dead.
/// Only a process that left the group (`setsid`) can hold them open longer;
/// then what was read so far is used and the reader is abandoned.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// How a process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Exited(i32),
    Signaled(i32),
    /// Killed (with its process group) after this long.
    TimedOut(Duration),
    /// It could not be started; the reason.
    NotStarted(String),
}

/// What a process did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub end: End,
    pub stdout: Vec<u8>,
    /// Standard output went past its limit and was cut.
    pub stdout_cut: bool,
    pub stderr: Vec<u8>,
    pub duration: Duration,
}

/// What to run and within which bounds.
#[derive(Debug, Clone)]
pub struct Spec<'a> {
    pub program: &'a OsStr,
    pub args: &'a [String],
    /// Working directory (the caller's when None).
    pub cwd: Option<&'a Path>,
    /// Environment variables not passed on (the secrets tend holds).
    pub hide_env: &'a [String],
    /// Written to standard input on a thread (a child that does not read it
    /// cannot block us); None = /dev/null.
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
    pub stdout_limit: usize,
    pub stderr_limit: usize,
}

/// Runs `spec` to its end (or its timeout) and kills its process group.
pub fn run(spec: Spec<'_>) -> Finished {
    let started = Instant::now();
    let mut command = Command::new(spec.program);
    command
        .args(spec.args)
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A group of its own (led by the watchdog when there is one), so that it
    // and everything it starts can be killed together.
    let watchdog = Watchdog::start();
    command.process_group(watchdog.as_ref().map_or(0, |w| w.pid));
    if let Some(cwd) = spec.cwd {
        command.current_dir(cwd);
    }
    for var in spec.hide_env {
        command.env_remove(var);
    }
    // SAFETY: the closure runs in the forked child before exec and calls only
    // async-signal-safe functions (prctl, getppid), allocating nothing.
    let parent = unsafe { libc::getpid() };
    unsafe {
        command.pre_exec(move || {
            die_with_parent(parent)?;
            supervise(parent)
        });
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Finished {
                end: End::NotStarted(format!("{}: {e}", Path::new(spec.program).display())),
                stdout: Vec::new(),
                stdout_cut: false,
                stderr: Vec::new(),
                duration: started.elapsed(),
            };
        }
    };
    let pid = child.id() as libc::pid_t;
    let group = watchdog.as_ref().map_or(pid, |w| w.pid);
    if let (Some(mut pipe), Some(input)) = (child.stdin.take(), spec.stdin) {
        // A broken pipe only means the child did not want the rest.
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let stdout = Capture::start(child.stdout.take(), spec.stdout_limit);
    let stderr = Capture::start(child.stderr.take(), spec.stderr_limit);

    // Wait for the exit without reaping it: while the leader is an unreaped
    // zombie its pid cannot be reused, so killing the group by that id below
    // can only reach the child's own processes.
    let (tx, rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        wait_exit_unreaped(pid);
        let _ = tx.send(());
    });
    let timed_out = rx.recv_timeout(spec.timeout).is_err();
    // SAFETY: kill(2) with a negative pid signals the process group `group`,
    // whose leader (the watchdog, else the child) is our child and not yet
    // reaped, so the id cannot have been reused; the child (the supervisor,
    // in a group of its own) is signalled by its pid, also ours and unreaped.
    unsafe {
        if timed_out {
            // The supervisor ends every descendant, then itself.
            libc::kill(pid, libc::SIGTERM);
        }
        libc::kill(-group, libc::SIGKILL);
    }
    if timed_out && rx.recv_timeout(SUPERVISOR_GRACE).is_err() {
        // SAFETY: as above.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
    let _ = waiter.join();
    // Before the leader is reaped, so that the group id is still ours.
    drop(watchdog);
    let status = child.wait();
    let duration = started.elapsed();
    let grace_until = Instant::now() + PIPE_GRACE;
    let (out, cut) = stdout.finish(grace_until);
    let (err, _) = stderr.finish(grace_until);
    let end = if timed_out {
        End::TimedOut(spec.timeout)
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

/// A child whose standard output is read as it is produced (a `{ command }`
/// entity source streaming millions of rows), under the same rules as [`run`]:
/// its own process group, a timeout after which the group is killed (the
/// reader then sees the end of the output), and the whole group killed when the
/// stream is finished or dropped. Standard error is kept up to its limit.
pub struct Streaming {
    child: std::process::Child,
    pid: libc::pid_t,
    /// The process group (the watchdog's pid, else the child's).
    group: libc::pid_t,
    watchdog: Option<Watchdog>,
    stdout: Option<std::process::ChildStdout>,
    stderr: Option<Capture>,
    stop_timer: Option<mpsc::Sender<()>>,
    timer: Option<thread::JoinHandle<bool>>,
    timeout: Duration,
    started: Instant,
    /// `started + timeout`: reading stops here even when a process that left
    /// the group (`setsid`) still holds standard output open.
    deadline: Instant,
    /// The read was cut at the deadline: the run timed out.
    cut_at_deadline: bool,
    reaped: bool,
}

/// Starts `spec` with its standard output streamed; `Err` carries the reason it
/// could not start. `spec.stdout_limit` does not apply (the reader consumes it).
pub fn spawn_streaming(spec: Spec<'_>) -> Result<Streaming, String> {
    let started = Instant::now();
    let mut command = Command::new(spec.program);
    command
        .args(spec.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // As in `run`: a group led by a watchdog, and a death signal.
    let watchdog = Watchdog::start();
    command.process_group(watchdog.as_ref().map_or(0, |w| w.pid));
    // SAFETY: as in `run` (async-signal-safe calls only).
    let parent = unsafe { libc::getpid() };
    unsafe {
        command.pre_exec(move || {
            die_with_parent(parent)?;
            supervise(parent)
        });
    }
    if let Some(cwd) = spec.cwd {
        command.current_dir(cwd);
    }
    for var in spec.hide_env {
        command.env_remove(var);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", Path::new(spec.program).display()))?;
    let pid = child.id() as libc::pid_t;
    let group = watchdog.as_ref().map_or(pid, |w| w.pid);
    let stdout = child.stdout.take();
    let stderr = Capture::start(child.stderr.take(), spec.stderr_limit);
    let (stop_timer, stopped) = mpsc::channel::<()>();
    let timeout = spec.timeout;
    // The leader is reaped only after this thread is joined, so the group id
    // it signals cannot have been reused.
    let timer = thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(timeout) {
            // SAFETY: as in `run`: our own unreaped child's group and the
            // supervisor, which ends the rest and then itself.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
                libc::kill(-group, libc::SIGKILL);
            }
            return true;
        }
        false
    });
    Ok(Streaming {
        child,
        pid,
        group,
        watchdog,
        stdout,
        stderr: Some(stderr),
        stop_timer: Some(stop_timer),
        timer: Some(timer),
        timeout,
        started,
        deadline: started + timeout,
        cut_at_deadline: false,
        reaped: false,
    })
}

impl Read for Streaming {
    /// Reads what the child wrote, waiting no later than the deadline: then
    /// the pipe is closed and the output ends (the timeout bounds the whole
    /// read, whoever holds the pipe's other end).
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::fd::AsRawFd;
        let Some(out) = self.stdout.as_mut() else {
            return Ok(0);
        };
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.stdout = None;
                self.cut_at_deadline = true;
                return Ok(0);
            }
            let mut fd = libc::pollfd {
                fd: out.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // Whole milliseconds, rounded up so the wait never ends early.
            let ms =
                libc::c_int::try_from(left.as_micros().div_ceil(1000)).unwrap_or(libc::c_int::MAX);
            // SAFETY: poll on one valid pollfd that lives across the call.
            let ready = unsafe { libc::poll(&mut fd, 1, ms) };
            if ready < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if ready > 0 {
                // Readable, closed or failed: read says which.
                return out.read(buf);
            }
        }
    }
}

impl Streaming {
    /// Waits for the child to end (bounded by its timeout), kills its group and
    /// says how it ended. Call it once its output has been read to the end.
    pub fn finish(mut self) -> Finished {
        // The leader may still be writing nothing after closing its output:
        // wait for it, the timer bounding the wait.
        wait_exit_unreaped(self.pid);
        self.end_group()
    }

    /// Stops the timer, kills the group and reaps the leader.
    fn end_group(&mut self) -> Finished {
        self.stdout = None;
        if let Some(stop) = self.stop_timer.take() {
            let _ = stop.send(());
        }
        let timed_out = self
            .timer
            .take()
            .map(|t| t.join().unwrap_or(false))
            .unwrap_or(false)
            || self.cut_at_deadline;
        // SAFETY: our own child's group; its leader is not reaped yet.
        unsafe {
            libc::kill(-self.group, libc::SIGKILL);
        }
        drop(self.watchdog.take());
        let status = self.child.wait();
        self.reaped = true;
        let duration = self.started.elapsed();
        let stderr = match self.stderr.take() {
            Some(capture) => capture.finish(Instant::now() + PIPE_GRACE).0,
            None => Vec::new(),
        };
        let end = if timed_out {
            End::TimedOut(self.timeout)
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
            stdout: Vec::new(),
            stdout_cut: false,
            stderr,
            duration,
        }
    }
}

impl Drop for Streaming {
    /// A stream abandoned part-way (the reader stopped, or an error) ends its
    /// child and the child's group at once.
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: our own child's group and the supervisor, not reaped
            // yet; the supervisor ends the rest and then itself.
            unsafe {
                libc::kill(self.pid, libc::SIGTERM);
                libc::kill(-self.group, libc::SIGKILL);
            }
            let _ = self.end_group();
        }
    }
}

/// In the child between fork and exec: ask the kernel for `SIGKILL` when the
/// parent dies, then make sure it had not already died (the child would have
/// been reparented and the request would never fire).
fn die_with_parent(parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: prctl, getppid and signal are async-signal-safe and take no
    // pointers.
    unsafe {
        // tend ignores SIGXFSZ (see `run` in lib.rs); the child gets the default.
        libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
        // And the caller's umask, not tend's own (an atomic load is
        // async-signal-safe).
        let caller = CALLER_UMASK.load(std::sync::atomic::Ordering::Relaxed);
        if caller != u32::MAX {
            libc::umask(caller as libc::mode_t);
        }
        if libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        if libc::getppid() != parent {
            return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
        }
    }
    Ok(())
}

/// Set in the supervisor by `SIGTERM`: end now.
static SUPERVISOR_STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_supervisor_stop(_: libc::c_int) {
    SUPERVISOR_STOP.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// In the child between fork and exec, after [`die_with_parent`]: becomes the
/// supervisor of the program (see the module documentation) and forks the
/// process that returns here to exec it. Only the program's process returns;
/// the supervisor never does. Async-signal-safe calls only, no allocation.
fn supervise(parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: plain syscalls on this process; the handler only stores to an
    // atomic; the sigaction struct is zeroed and then filled.
    unsafe {
        if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_supervisor_stop as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        // No SA_RESTART: the wait below returns EINTR.
        if libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let program = libc::fork();
        if program < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if program == 0 {
            // The program's process: exec resets the handler; the subreaper
            // setting is not inherited.
            return Ok(());
        }
        supervisor(parent, program)
    }
}

/// The supervisor's whole life: waits for the program, ends every descendant
/// and exits with the program's status.
unsafe fn supervisor(parent: libc::pid_t, program: libc::pid_t) -> ! {
    // SAFETY: plain syscalls on this process, its descendants and
    // descriptors it owns; buffers on the stack.
    unsafe {
        // Out of the group the kills reach: the watchdog's kill (tend dead)
        // and tend's must not cut the clean-up short.
        libc::setpgid(0, 0);
        let mut unblock: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut unblock);
        libc::sigaddset(&mut unblock, libc::SIGTERM);
        libc::sigprocmask(libc::SIG_UNBLOCK, &unblock, std::ptr::null_mut());
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGTERM as libc::c_ulong,
            0,
            0,
            0,
        );
        if libc::getppid() != parent {
            SUPERVISOR_STOP.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        // Hold nothing open: the output pipes are the program's, and tend's
        // spawn waits for the end of its error pipe.
        if libc::syscall(
            libc::SYS_close_range,
            0 as libc::c_uint,
            libc::c_uint::MAX,
            0 as libc::c_uint,
        ) != 0
        {
            for fd in 0..65_536 {
                libc::close(fd);
            }
        }
        let mut ended: Option<libc::c_int> = None;
        while !SUPERVISOR_STOP.load(std::sync::atomic::Ordering::Relaxed) {
            let mut status = 0;
            let reaped = libc::waitpid(-1, &mut status, 0);
            if reaped == program {
                ended = Some(status);
                break;
            }
            if reaped < 0 && *libc::__errno_location() != libc::EINTR {
                break;
            }
        }
        end_descendants();
        match ended {
            Some(status) if libc::WIFEXITED(status) => libc::_exit(libc::WEXITSTATUS(status)),
            Some(status) if libc::WIFSIGNALED(status) => {
                // The same signal, without a core of the supervisor.
                let signal = libc::WTERMSIG(status);
                let none = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::setrlimit(libc::RLIMIT_CORE, &none);
                libc::signal(signal, libc::SIG_DFL);
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, signal);
                libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                libc::kill(libc::getpid(), signal);
                libc::_exit(128 + signal)
            }
            _ => libc::_exit(128 + libc::SIGTERM),
        }
    }
}

/// Kills every child of the supervisor (its own, and the orphans it was
/// given as subreaper) and reaps them, again until it has none: a child's
/// children become the supervisor's when their parent dies.
unsafe fn end_descendants() {
    const CHILDREN: &[u8] = b"/proc/thread-self/children\0";
    // SAFETY: plain syscalls; the buffer lives on the stack.
    unsafe {
        loop {
            let mut buf = [0u8; 4096];
            let mut len = 0;
            let fd = libc::open(CHILDREN.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC);
            if fd < 0 {
                // No /proc: nothing to find them by (the group kill still
                // ends what stayed in the group).
                return;
            }
            while len < buf.len() {
                let n = libc::read(fd, buf[len..].as_mut_ptr().cast(), buf.len() - len);
                if n <= 0 {
                    break;
                }
                len += n as usize;
            }
            libc::close(fd);
            let mut killed = 0;
            let mut pid: libc::pid_t = 0;
            // Each pid is followed by a space: a number cut off at the end
            // of a full buffer is never taken (it is read next time).
            for &b in &buf[..len] {
                if b.is_ascii_digit() {
                    pid = pid
                        .saturating_mul(10)
                        .saturating_add(libc::pid_t::from(b - b'0'));
                } else if pid > 0 {
                    libc::kill(pid, libc::SIGKILL);
                    killed += 1;
                    pid = 0;
                }
            }
            let mut status = 0;
            if killed > 0 {
                // At least one of them ends: wait for it, then look again.
                libc::waitpid(-1, &mut status, 0);
                continue;
            }
            match libc::waitpid(-1, &mut status, libc::WNOHANG) {
                // A child that was not listed yet, now gone: look again.
                reaped if reaped > 0 => {}
                // A child alive but not listed (being born): a moment.
                0 => {
                    let pause = libc::timespec {
                        tv_sec: 0,
                        tv_nsec: 1_000_000,
                    };
                    libc::nanosleep(&pause, std::ptr::null_mut());
                }
                // No child left.
                _ => return,
            }
        }
    }
}

/// A process that kills the child's process group when tend dies (see the
/// module documentation). Dropping it ends it: tend closes its end of the
/// pipe, and reaps the watchdog.
struct Watchdog {
    pid: libc::pid_t,
    /// The write end; closed by tend's death or by [`Drop`].
    pipe: Option<std::os::fd::OwnedFd>,
}

impl Watchdog {
    /// Starts a watchdog leading a new process group (its pid is the group
    /// id). When the pipe or the fork fails, there is no watchdog: the child
    /// is still ended by the group kill at its end and by its death signal.
    fn start() -> Option<Watchdog> {
        use std::os::fd::FromRawFd;
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 fills two descriptors into a valid array.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return None;
        }
        // SAFETY: both descriptors were just created and are owned here.
        let (read, write) = unsafe {
            (
                std::os::fd::OwnedFd::from_raw_fd(fds[0]),
                std::os::fd::OwnedFd::from_raw_fd(fds[1]),
            )
        };
        // SAFETY: in the forked child, watch() uses only async-signal-safe
        // calls and never returns.
        match unsafe { libc::fork() } {
            -1 => None,
            0 => unsafe { watch(fds[0]) },
            pid => {
                // Also set here, so the group exists before the child joins
                // it whichever process runs first.
                // SAFETY: setpgid on our own child, which never execs.
                unsafe { libc::setpgid(pid, pid) };
                drop(read);
                Some(Watchdog {
                    pid,
                    pipe: Some(write),
                })
            }
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.pipe.take());
        let mut status = 0;
        // SAFETY: waiting for our own child with a valid out-pointer.
        while unsafe { libc::waitpid(self.pid, &mut status, 0) } < 0
            && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        {}
    }
}

/// The watchdog's whole life, in a child forked from a multi-threaded
/// process: only async-signal-safe calls, no allocation, never returns.
unsafe fn watch(read: libc::c_int) -> ! {
    // SAFETY: plain syscalls on descriptors and ids this process owns.
    unsafe {
        // Lead a new group, which the child joins.
        libc::setpgid(0, 0);
        // Keep only the pipe (as descriptor 0): an inherited write end of
        // another watchdog's pipe, or an output pipe, must not be held open.
        if libc::dup2(read, 0) < 0 {
            libc::_exit(1);
        }
        if libc::syscall(
            libc::SYS_close_range,
            1 as libc::c_uint,
            libc::c_uint::MAX,
            0 as libc::c_uint,
        ) != 0
        {
            for fd in 1..65_536 {
                libc::close(fd);
            }
        }
        let mut byte = 0u8;
        loop {
            let n = libc::read(0, (&mut byte as *mut u8).cast(), 1);
            if n >= 0 || *libc::__errno_location() != libc::EINTR {
                break;
            }
        }
        // End of file: tend is gone (or done). End the group, then ourselves.
        // Only when leading our own group: never signal the group of tend's
        // caller.
        if libc::getpgrp() == libc::getpid() {
            libc::kill(0, libc::SIGKILL);
        }
        libc::_exit(0)
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

    fn spec<'a>(program: &'a str, args: &'a [String], timeout_ms: u64, limit: usize) -> Spec<'a> {
        Spec {
            program: OsStr::new(program),
            args,
            cwd: Some(Path::new("/")),
            hide_env: &[],
            stdin: None,
            timeout: Duration::from_millis(timeout_ms),
            stdout_limit: limit,
            stderr_limit: 1000,
        }
    }

    fn sh(script: &str, timeout_ms: u64, limit: usize) -> Finished {
        let args = ["-c".to_string(), script.to_string()];
        run(spec("/bin/sh", &args, timeout_ms, limit))
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
    fn standard_input_is_fed_and_a_child_that_ignores_it_is_fine() {
        let args = ["-c".to_string(), "tr a-z A-Z".to_string()];
        let f = run(Spec {
            stdin: Some(b"hello".to_vec()),
            ..spec("/bin/sh", &args, 5000, 100)
        });
        assert_eq!((f.end, f.stdout), (End::Exited(0), b"HELLO".to_vec()));
        let args = ["-c".to_string(), "echo ignored".to_string()];
        let f = run(Spec {
            stdin: Some(vec![b'x'; 1 << 20]),
            ..spec("/bin/sh", &args, 5000, 100)
        });
        assert_eq!((f.end, f.stdout), (End::Exited(0), b"ignored\n".to_vec()));
    }

    #[test]
    fn a_hung_child_and_its_background_children_are_killed_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!("(sleep 1; touch {}) & sleep 30", marker.display());
        let f = sh(&script, 200, 100);
        assert_eq!(f.end, End::TimedOut(Duration::from_millis(200)));
        assert!(f.duration < Duration::from_secs(5), "{:?}", f.duration);
        std::thread::sleep(Duration::from_millis(1300));
        assert!(!marker.exists(), "a background child outlived the timeout");
    }

    fn alive(pid: i32) -> bool {
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid, 0) == 0 }
    }

    /// A script that starts a daemon of its own session by a double fork
    /// (`setsid`, then the middle process exits) and writes its pid.
    fn daemonizing(pid_file: &Path, then: &str) -> String {
        format!(
            "setsid sh -c 'sleep 60 & echo $! > {pid}' ; while [ ! -s {pid} ]; do sleep 0.01; done; {then}",
            pid = pid_file.display()
        )
    }

    fn daemon_pid(pid_file: &Path) -> i32 {
        std::fs::read_to_string(pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    #[test]
    fn a_double_forked_daemon_in_its_own_session_ends_with_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("daemon.pid");
        let f = sh(&daemonizing(&pid_file, "echo done"), 10_000, 100);
        assert_eq!((f.end, f.stdout), (End::Exited(0), b"done\n".to_vec()));
        let pid = daemon_pid(&pid_file);
        let survived = alive(pid);
        if survived {
            // SAFETY: the test's own daemon.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        assert!(!survived, "the daemon {pid} outlived the run");
    }

    #[test]
    fn a_double_forked_daemon_ends_at_the_timeout_and_the_status_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("daemon.pid");
        let f = sh(&daemonizing(&pid_file, "sleep 30"), 1_000, 100);
        assert_eq!(f.end, End::TimedOut(Duration::from_millis(1_000)));
        let pid = daemon_pid(&pid_file);
        let survived = alive(pid);
        if survived {
            // SAFETY: the test's own daemon.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        assert!(!survived, "the daemon {pid} outlived the timeout");
        // Through the supervisor, an exit status and a signal are the
        // program's own.
        assert_eq!(sh("exit 7", 5000, 10).end, End::Exited(7));
        assert_eq!(
            sh("kill -KILL $$", 5000, 10).end,
            End::Signaled(libc::SIGKILL)
        );
    }

    #[test]
    fn a_streamed_childs_daemon_ends_with_the_stream() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("daemon.pid");
        let args = ["-c".to_string(), daemonizing(&pid_file, "echo row")];
        let mut child = spawn_streaming(spec("/bin/sh", &args, 10_000, 0)).unwrap();
        let mut out = Vec::new();
        // The daemon holds standard output open: the read ends at the
        // timeout at the latest, not with the daemon.
        let _ = child.read_to_end(&mut out);
        let f = child.finish();
        assert!(out.starts_with(b"row\n"), "{out:?}");
        assert!(
            matches!(f.end, End::Exited(0) | End::TimedOut(_)),
            "{:?}",
            f.end
        );
        let pid = daemon_pid(&pid_file);
        let survived = alive(pid);
        if survived {
            // SAFETY: the test's own daemon.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        assert!(!survived, "the daemon {pid} outlived the stream");
    }

    #[test]
    fn a_missing_program_does_not_start() {
        let f = run(spec("/nonexistent/check_x", &[], 1000, 100));
        match f.end {
            End::NotStarted(why) => assert!(why.contains("/nonexistent/check_x"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
