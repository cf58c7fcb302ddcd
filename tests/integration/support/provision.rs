//! What the tests start and do not ship: a Python environment of their own,
//! system programs, npm packages and PostgreSQL's server binaries. Each is
//! provisioned on first use and reused afterwards, so `cargo test` on a fresh
//! machine needs nothing installed by hand.
//!
//! - [`python`]: a venv under `target/test-env/` filled from
//!   `tests/requirements.txt` (pinned), rebuilt when that file changes.
//! - [`tool`]: a program from a Debian package, installed with `apt-get`
//!   when it is missing and the tests run as root.
//! - [`npm_package`]: a pinned npm package under `target/test-env/node/`.
//! - [`postgres_bin`]: the directory of `initdb`, `pg_ctl`, `postgres` and
//!   `psql`: the system's, else Debian's package (as root), else the
//!   `pgserver` wheel in the test venv.
//!
//! Every step is guarded by a `flock` (parallel tests and test binaries build
//! each part once) and remembered in-process: when a part cannot be had, the
//! first test that asks gets one panic naming what is missing and the one
//! command that installs it; later tests get a one-line pointer to it. Nothing
//! is ever skipped silently.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

/// `target/test-env`: beside the binary under test, so each checkout (and
/// each `CARGO_TARGET_DIR`) has its own.
pub fn env_dir() -> PathBuf {
    let bin = Path::new(super::BIN);
    let profile = bin.parent().expect("the binary's directory");
    let target = profile.parent().unwrap_or(profile);
    let dir = target.join("test-env");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

fn requirements() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/requirements.txt")
}

/// An exclusive `flock` on `target/test-env/<name>.lock`, held until dropped.
struct FileLock(File);

impl FileLock {
    fn take(name: &str) -> FileLock {
        let path = env_dir().join(format!("{name}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        // SAFETY: flock on a descriptor we own; blocks until granted.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        assert_eq!(rc, 0, "cannot lock {}", path.display());
        FileLock(file)
    }
}

/// Each part's outcome in this process: the path, or the message of why not.
type Memo = Mutex<HashMap<String, Result<PathBuf, String>>>;

fn memo() -> &'static Memo {
    static MEMO: OnceLock<Memo> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Provisions `key` once per process with `make`; a failure panics in full
/// the first time and in one line after that.
fn once(key: &str, make: impl FnOnce() -> Result<PathBuf, String>) -> PathBuf {
    let mut memo = memo().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = memo.get(key) {
        return match known {
            Ok(path) => path.clone(),
            Err(why) => panic!(
                "{key} is not available for the tests (reported in full by the first test that asked): {}",
                why.lines().next().unwrap_or_default()
            ),
        };
    }
    let made = make();
    memo.insert(key.to_string(), made.clone());
    match made {
        Ok(path) => path,
        Err(why) => panic!("{why}"),
    }
}

fn tail(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A small content hash (FNV-1a) naming what a stamp was built from.
fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

// ---------------------------------------------------------------- Python

/// The interpreter of the tests' own venv, with every package of
/// `tests/requirements.txt` installed.
pub fn python() -> PathBuf {
    once("the tests' Python environment", make_python)
}

fn venv_dir() -> PathBuf {
    env_dir().join("venv")
}

fn make_python() -> Result<PathBuf, String> {
    let reqs = requirements();
    let wanted =
        std::fs::read(&reqs).map_err(|e| format!("cannot read {}: {e}", reqs.display()))?;
    let venv = venv_dir();
    let python = venv.join("bin/python3");
    let stamp = venv.join(format!(".tend-requirements-{}", fingerprint(&wanted)));
    if stamp.exists() && python.exists() {
        return Ok(python);
    }
    let _lock = FileLock::take("venv");
    if stamp.exists() && python.exists() {
        return Ok(python);
    }
    let by_hand = format!(
        "python3 -m venv {venv} && {venv}/bin/python3 -m pip install -r {reqs} && touch {stamp}",
        venv = venv.display(),
        reqs = reqs.display(),
        stamp = stamp.display()
    );
    let created = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "the tests need python3 on PATH to build their Python environment ({e}); install it (apt-get install python3 python3-venv), then run: {by_hand}"
            )
        })?;
    if !created.status.success() {
        // Debian's python3 without its venv module: python3-venv.
        if is_root() && apt_install(&["python3-venv"]).is_ok() {
            return make_python_after_venv_module(&venv, &python, &reqs, &stamp, &by_hand);
        }
        return Err(format!(
            "cannot create the tests' Python environment at {}:\n{}\nInstall Python's venv module (apt-get install python3-venv), then run: {by_hand}",
            venv.display(),
            tail(&created)
        ));
    }
    pip_install(&python, &reqs, &by_hand)?;
    std::fs::write(&stamp, b"").map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python)
}

fn make_python_after_venv_module(
    venv: &Path,
    python: &Path,
    reqs: &Path,
    stamp: &Path,
    by_hand: &str,
) -> Result<PathBuf, String> {
    let created = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(venv)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !created.status.success() {
        return Err(format!(
            "cannot create the tests' Python environment at {}:\n{}\nThen run: {by_hand}",
            venv.display(),
            tail(&created)
        ));
    }
    pip_install(python, reqs, by_hand)?;
    std::fs::write(stamp, b"").map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python.to_path_buf())
}

fn pip_install(python: &Path, reqs: &Path, by_hand: &str) -> Result<(), String> {
    eprintln!(
        "test setup: installing {} into {} (once)",
        reqs.display(),
        python.display()
    );
    let out = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--retries",
            "2",
            "--timeout",
            "30",
            "-r",
        ])
        .arg(reqs)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cannot install the tests' Python packages ({}) — is the package registry reachable?\n{}\nInstall them by hand with: {by_hand}",
            reqs.display(),
            tail(&out)
        ))
    }
}

/// Installs one more pip package into the test venv (for parts too large to
/// install for every run, such as PostgreSQL's server wheel).
fn pip_extra(spec: &str) -> Result<(), String> {
    let python = python();
    let stamp = venv_dir().join(format!(".tend-extra-{}", fingerprint(spec.as_bytes())));
    if stamp.exists() {
        return Ok(());
    }
    let _lock = FileLock::take("venv");
    if stamp.exists() {
        return Ok(());
    }
    eprintln!(
        "test setup: installing {spec} into {} (once)",
        python.display()
    );
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--retries", "2", "--timeout", "30", spec])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "cannot install {spec} into the tests' Python environment:\n{}\nInstall it by hand with: {} -m pip install '{spec}'",
            tail(&out),
            python.display()
        ));
    }
    std::fs::write(&stamp, b"").map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

// ---------------------------------------------------------------- system programs

/// A system program and where to get it: the places it may live (besides
/// `PATH`) and the Debian packages that bring it.
struct Known {
    name: &'static str,
    dirs: &'static [&'static str],
    packages: &'static [&'static str],
}

const KNOWN: &[Known] = &[
    Known {
        name: "chromium",
        dirs: &[],
        packages: &["chromium", "fonts-dejavu-core"],
    },
    Known {
        name: "chromedriver",
        dirs: &[],
        packages: &["chromium-driver"],
    },
    Known {
        name: "java",
        dirs: &[],
        packages: &["default-jre-headless"],
    },
    Known {
        name: "sshd",
        dirs: &["/usr/sbin"],
        packages: &["openssh-server"],
    },
    Known {
        name: "ssh",
        dirs: &[],
        packages: &["openssh-client"],
    },
    Known {
        name: "ssh-keygen",
        dirs: &[],
        packages: &["openssh-client"],
    },
    Known {
        name: "systemd-analyze",
        dirs: &[],
        packages: &["systemd"],
    },
    Known {
        name: "lintian",
        dirs: &[],
        packages: &["lintian"],
    },
    Known {
        name: "dpkg-deb",
        dirs: &[],
        packages: &["dpkg"],
    },
    Known {
        name: "dpkg-shlibdeps",
        dirs: &[],
        packages: &["dpkg-dev"],
    },
    Known {
        name: "check_by_ssh",
        dirs: &["/usr/lib/nagios/plugins", "/usr/lib/monitoring-plugins"],
        packages: &["monitoring-plugins-basic"],
    },
    Known {
        name: "check_disk",
        dirs: &["/usr/lib/nagios/plugins", "/usr/lib/monitoring-plugins"],
        packages: &["monitoring-plugins-basic"],
    },
    Known {
        name: "sqlite3",
        dirs: &[],
        packages: &["sqlite3"],
    },
    Known {
        name: "psql",
        dirs: &[],
        packages: &["postgresql-client"],
    },
    Known {
        name: "promtool",
        dirs: &[],
        packages: &["prometheus"],
    },
    Known {
        name: "npm",
        dirs: &[],
        packages: &["npm"],
    },
    Known {
        name: "runuser",
        dirs: &["/usr/sbin", "/sbin"],
        packages: &["util-linux"],
    },
    Known {
        name: "setpriv",
        dirs: &[],
        packages: &["util-linux"],
    },
    Known {
        name: "jq",
        dirs: &[],
        packages: &["jq"],
    },
    Known {
        name: "flock",
        dirs: &[],
        packages: &["util-linux"],
    },
    Known {
        name: "man",
        dirs: &[],
        packages: &["man-db"],
    },
];

fn find_program(name: &str, dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    path.split(':')
        .chain(dirs.iter().copied())
        .chain(["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The path of a system program, installed with apt-get when it is missing
/// and the tests run as root. Panics with the package to install otherwise.
pub fn tool(name: &str) -> PathBuf {
    let known = KNOWN.iter().find(|k| k.name == name).unwrap_or_else(|| {
        panic!("provision::tool: no entry for {name:?}; add it to KNOWN in tests/integration/support/provision.rs")
    });
    once(&format!("the program {name}"), || {
        if let Some(found) = find_program(name, known.dirs) {
            return Ok(found);
        }
        let packages = known.packages.join(" ");
        if !is_root() {
            return Err(format!(
                "the tests need {name}, which is not installed; install it with: sudo apt-get install {packages}"
            ));
        }
        apt_install(known.packages).map_err(|why| {
            format!("the tests need {name}, and apt-get could not install {packages}:\n{why}\nInstall it with: apt-get install {packages}")
        })?;
        find_program(name, known.dirs).ok_or_else(|| {
            format!(
                "apt-get installed {packages}, but {name} is still not found on PATH or in {:?}",
                known.dirs
            )
        })
    })
}

/// `apt-get install` as root, with `apt-get update` first once per machine
/// (a day), and services kept from starting (the tests start their own).
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let _lock = FileLock::take("apt");
    let updated = env_dir().join("apt-updated");
    let fresh = updated
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() < 86_400));
    let _no_services = PolicyRcD::install();
    let apt = |args: &[&str]| -> Result<(), String> {
        eprintln!("test setup: apt-get {}", args.join(" "));
        let out = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run apt-get: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(tail(&out))
        }
    };
    if !fresh {
        apt(&["update", "-q"])?;
        let _ = std::fs::write(&updated, b"");
    }
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}

/// `/usr/sbin/policy-rc.d` answering 101 while packages install, so that a
/// package such as openssh-server or prometheus does not start its daemon on
/// the machine; removed afterwards unless one was there already.
struct PolicyRcD(Option<PathBuf>);

impl PolicyRcD {
    fn install() -> PolicyRcD {
        use std::os::unix::fs::PermissionsExt;
        let path = PathBuf::from("/usr/sbin/policy-rc.d");
        if path.exists() {
            return PolicyRcD(None);
        }
        let written = std::fs::write(
            &path,
            "#!/bin/sh\n# written by tend's tests while they install packages\nexit 101\n",
        )
        .and_then(|()| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)));
        PolicyRcD(written.is_ok().then_some(path))
    }
}

impl Drop for PolicyRcD {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

// ---------------------------------------------------------------- npm

/// Pinned versions of the npm packages the tests use.
const NPM: &[(&str, &str)] = &[("vnu-jar", "26.9.27")];

/// The directory of an npm package installed under `target/test-env/node/`.
pub fn npm_package(name: &str) -> PathBuf {
    let version = NPM
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("provision::npm_package: no pinned version for {name:?}; add it to NPM in tests/integration/support/provision.rs"));
    // Outside `once`: its memo is held while a part is made, and is not
    // reentrant.
    let npm = tool("npm");
    once(&format!("the npm package {name}"), || {
        let prefix = env_dir().join("node");
        let dir = prefix.join("node_modules").join(name);
        let stamp = prefix.join(format!(".tend-{name}@{version}"));
        if stamp.exists() && dir.is_dir() {
            return Ok(dir);
        }
        let _lock = FileLock::take("npm");
        if stamp.exists() && dir.is_dir() {
            return Ok(dir);
        }
        std::fs::create_dir_all(&prefix)
            .map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
        let spec = format!("{name}@{version}");
        eprintln!(
            "test setup: npm install {spec} into {} (once)",
            prefix.display()
        );
        let out = Command::new(npm)
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--prefix",
            ])
            .arg(&prefix)
            .arg(&spec)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if !out.status.success() || !dir.is_dir() {
            return Err(format!(
                "cannot install the npm package {spec}:\n{}\nInstall it by hand with: npm install --prefix {} {spec}",
                tail(&out),
                prefix.display()
            ));
        }
        std::fs::write(&stamp, b"")
            .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
        Ok(dir)
    })
}

// ---------------------------------------------------------------- PostgreSQL

/// The pinned wheel that ships PostgreSQL's server binaries, for machines
/// without Debian's package and without root.
const PGSERVER: &str = "pgserver==0.1.4";

/// The directory holding `initdb`, `pg_ctl`, `postgres` and `psql`.
pub fn postgres_bin() -> PathBuf {
    once("PostgreSQL's server binaries", || {
        if let Some(bin) = system_postgres_bin() {
            return Ok(bin);
        }
        if is_root() {
            match apt_install(&["postgresql", "postgresql-client"]) {
                Ok(()) => {
                    if let Some(bin) = system_postgres_bin() {
                        return Ok(bin);
                    }
                }
                Err(why) => eprintln!(
                    "test setup: apt-get install postgresql failed, trying the {PGSERVER} wheel:\n{why}"
                ),
            }
        }
        pip_extra(PGSERVER)?;
        let out = Command::new(python())
            .args(["-c", "import os, pgserver; print(os.path.join(os.path.dirname(pgserver.__file__), 'pginstall', 'bin'))"])
            .output()
            .map_err(|e| format!("cannot run the tests' python: {e}"))?;
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && bin.join("initdb").exists() {
            Ok(bin)
        } else {
            Err(format!(
                "PostgreSQL's server binaries are missing: neither /usr/lib/postgresql/*/bin nor the {PGSERVER} wheel has them:\n{}\nInstall them with: apt-get install postgresql",
                tail(&out)
            ))
        }
    })
}

/// Debian's newest `/usr/lib/postgresql/N/bin`, else a directory on `PATH`
/// holding both `initdb` and `pg_ctl`.
fn system_postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .map(Path::new)
        .find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
        .and_then(|d| std::fs::canonicalize(d.join("initdb")).ok())
        .and_then(|p| p.parent().map(Path::to_path_buf))
}
