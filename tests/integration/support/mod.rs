//! Test support: a temporary root per test, the real binary with a cleared
//! environment and a fixed clock, and loopback fakes of the services tend talks to.

#![allow(dead_code)]

pub mod fakes;
pub mod http;
pub mod postgres;
pub mod provision;
pub mod smtp;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_tend");

/// The instant every test runs at unless it says otherwise.
pub const NOW: &str = "2026-05-24T08:00:00Z";

/// One test's world: a temporary directory holding the root, and the
/// environment the binary sees (nothing from the developer's shell).
pub struct TestEnv {
    dir: tempfile::TempDir,
    root: PathBuf,
    env: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        // As tend creates a root: closed to other users (doctor warns else).
        std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o750))
            .unwrap();
        let env = vec![
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
            ),
            ("HOME".to_string(), dir.path().display().to_string()),
            ("TEND_ROOT".to_string(), root.display().to_string()),
            ("TEND_NOW".to_string(), NOW.to_string()),
            ("LANG".to_string(), "C.UTF-8".to_string()),
        ];
        TestEnv { dir, root, env }
    }

    /// The state root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The temporary directory around the root (for files outside it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Sets (or replaces) an environment variable for every later run.
    pub fn set_env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn remove_env(&mut self, key: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self
    }

    /// Writes a file under the root, creating directories.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Writes an executable script under the root.
    pub fn script(&self, rel: &str, content: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.write(rel, content);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.root.join(rel).exists()
    }

    /// Every row of the audit log, parsed, oldest first.
    pub fn audit_rows(&self) -> Vec<serde_json::Value> {
        let dir = self.root.join("audit");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut names: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        names.sort();
        names
            .iter()
            .flat_map(|p| {
                std::fs::read_to_string(p)
                    .unwrap()
                    .lines()
                    .map(|l| {
                        serde_json::from_str(l).unwrap_or_else(|e| panic!("bad row {l:?}: {e}"))
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Rows of one kind.
    pub fn audit_kind(&self, kind: &str) -> Vec<serde_json::Value> {
        self.audit_rows()
            .into_iter()
            .filter(|r| r["kind"] == kind)
            .collect()
    }

    /// A run of the binary with these arguments.
    pub fn tend(&self, args: &[&str]) -> Run {
        let mut command = Command::new(BIN);
        command.args(args).env_clear().current_dir(self.dir.path());
        for (k, v) in &self.env {
            command.env(k, v);
        }
        Run {
            command,
            stdin: None,
        }
    }
}

impl TestEnv {
    /// A run of the binary as another `user` (e.g. `nobody`), switched with
    /// `setpriv`: the tests run as root, and a root's owner is root. The
    /// temporary directory around the root is opened to others (0755) so
    /// that the user can reach the root. Panics, saying why, when the switch
    /// is impossible: a test of another user never passes by not running.
    pub fn tend_as(&self, user: &str, args: &[&str]) -> Run {
        use std::os::unix::fs::PermissionsExt;
        // SAFETY: geteuid takes nothing and cannot fail.
        let euid = unsafe { libc::geteuid() };
        assert_eq!(
            euid, 0,
            "this test runs tend as {user} and must itself run as root (uid 0, e.g. in the CI container); it runs as uid {euid}"
        );
        let id = |flag: &str| -> String {
            let out = Command::new("id")
                .args([flag, user])
                .output()
                .unwrap_or_else(|e| panic!("cannot run `id {flag} {user}`: {e}"));
            assert!(
                out.status.success(),
                "this test needs a user {user:?}: `id {flag} {user}` says {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        let (uid, gid) = (id("-u"), id("-g"));
        std::fs::set_permissions(self.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("this test switches user with setpriv (util-linux), which is not installed: apt-get install util-linux");
        let mut command = Command::new(setpriv);
        command
            .args([
                format!("--reuid={uid}"),
                format!("--regid={gid}"),
                "--clear-groups".to_string(),
                "--".to_string(),
                BIN.to_string(),
            ])
            .args(args)
            .env_clear()
            .current_dir(self.dir.path());
        for (k, v) in &self.env {
            command.env(k, v);
        }
        Run {
            command,
            stdin: None,
        }
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

/// A command about to run; finish it with [`Run::status`] (checked) or
/// [`Run::output`].
pub struct Run {
    command: Command,
    stdin: Option<Vec<u8>>,
}

/// What a run did.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Standard output as JSON Lines.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
            .collect()
    }
}

impl Run {
    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Run {
        self.command.env_remove(key);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Run {
        self.stdin = Some(input.into());
        self
    }

    pub fn output(mut self) -> Output {
        self.command.stdout(Stdio::piped()).stderr(Stdio::piped());
        self.command.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = self.command.spawn().expect("spawn tend");
        if let Some(input) = self.stdin.take() {
            let mut pipe = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
        }
        let out = child.wait_with_output().expect("wait tend");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and checks the exit code, showing everything on a mismatch.
    pub fn status(self, code: i32) -> Output {
        let out = self.output();
        assert_eq!(
            out.code, code,
            "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            out.code, out.stdout, out.stderr
        );
        out
    }

    /// Runs expecting exit 0.
    pub fn ok(self) -> Output {
        self.status(0)
    }

    /// The underlying command, for tests that manage the process themselves
    /// (kill -9 loops).
    pub fn into_command(self) -> Command {
        self.command
    }
}

/// `text` with the incident short id that starts each operator message on
/// standard output (`[1a2b3c4d] `, design §6a) taken off the start of every
/// line, for tests about the rest of the message.
pub fn without_short_ids(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| match line.strip_prefix('[') {
            Some(rest)
                if rest.len() > 10
                    && rest[..8].bytes().all(|b| b.is_ascii_hexdigit())
                    && rest[8..].starts_with("] ") =>
            {
                &rest[10..]
            }
            _ => line,
        })
        .collect()
}
