//! Which probes exist (design §4): every executable file in `probes.d/` and every
//! `[[probe]]` of `tend.toml`. Editor leftovers and dotfiles are passed over
//! quietly (a note under `-v`), as are non-executable files that are not
//! programs; a script or program without its exec bit, or an executable whose
//! name breaks the naming rule or clashes with a `[[probe]]`, is skipped with a
//! warning that makes the run exit 1, so the other probes still run.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::config::{self, Config, Duration, EnvelopeConfig, ProbeConfig, ProbeKind, SeverityMap};

/// How a probe is run.
#[derive(Debug, Clone)]
pub enum Target {
    /// An executable in `probes.d/`.
    File(PathBuf),
    /// A `[[probe]]` argv.
    Command(Vec<String>),
    Http(Box<ProbeConfig>),
    Tcp(String),
}

/// One probe that can be run.
#[derive(Debug, Clone)]
pub struct Planned {
    pub name: String,
    pub kind: ProbeKind,
    pub target: Target,
    pub timeout: Duration,
    pub category: Option<String>,
    pub severity: SeverityMap,
    pub envelope: EnvelopeConfig,
    pub enabled: bool,
    /// Where it was defined, for messages: `probes.d/x` or `tend.toml [[probe]] "x"`.
    pub origin: String,
}

impl Planned {
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ProbeKind::Exec => "exec",
            ProbeKind::Http => "http",
            ProbeKind::Tcp => "tcp",
        }
    }
}

/// Every probe, and what was found wrong on the way.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Sorted by name; disabled `[[probe]]`s included.
    pub probes: Vec<Planned>,
    /// Skipped files that the operator must fix (warnings; exit 1).
    pub problems: Vec<String>,
    /// Files passed over on purpose (shown with -v).
    pub notes: Vec<String>,
}

/// What to do with a file found in `probes.d/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileVerdict {
    Probe,
    /// A dotfile (including a half-written temporary file).
    Hidden,
    /// An editor or package manager leftover: `x~`, `x.swp`, `x.bak`, `#x#`, …
    Leftover,
    NotAFile,
    NotExecutable,
    /// Executable, but its name breaks `[a-z0-9][a-z0-9._-]*`.
    InvalidName,
}

const LEFTOVER_SUFFIXES: [&str; 13] = [
    "~",
    ".swp",
    ".swo",
    ".swx",
    ".bak",
    ".orig",
    ".rej",
    ".tmp",
    ".dpkg-old",
    ".dpkg-new",
    ".dpkg-dist",
    ".rpmnew",
    ".rpmsave",
];

/// The rule for a `probes.d/` entry, from its name and what it is.
pub fn classify(name: &str, is_file: bool, executable: bool) -> FileVerdict {
    if name.starts_with('.') {
        FileVerdict::Hidden
    } else if LEFTOVER_SUFFIXES.iter().any(|s| name.ends_with(s))
        || (name.starts_with('#') && name.ends_with('#'))
    {
        FileVerdict::Leftover
    } else if !is_file {
        FileVerdict::NotAFile
    } else if !executable {
        FileVerdict::NotExecutable
    } else if !config::is_valid_name(name) {
        FileVerdict::InvalidName
    } else {
        FileVerdict::Probe
    }
}

/// Lists the probes of `config` and of the directory `dir` (`shown` is how
/// messages name it, e.g. `probes.d`).
pub fn discover(config: &Config, dir: &Path, shown: &Path) -> Catalog {
    let mut catalog = Catalog::default();
    let defaults = &config.probes;
    for probe in &config.probe {
        let target = match probe.kind {
            ProbeKind::Exec => Target::Command(probe.command.clone()),
            ProbeKind::Http => Target::Http(Box::new(probe.clone())),
            ProbeKind::Tcp => Target::Tcp(probe.address.clone().unwrap_or_default()),
        };
        catalog.probes.push(Planned {
            name: probe.name.clone(),
            kind: probe.kind,
            target,
            timeout: probe.timeout.unwrap_or(defaults.timeout),
            category: probe.category.clone(),
            severity: probe.severity,
            envelope: probe.envelope.clone(),
            enabled: probe.enabled,
            origin: format!("the [[probe]] {:?} of tend.toml", probe.name),
        });
    }

    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            catalog.notes.push(format!(
                "{}/ does not exist: no executable probes",
                shown.display()
            ));
            sort(&mut catalog);
            return catalog;
        }
        Err(e) => {
            catalog
                .problems
                .push(format!("cannot list {}/: {e}", shown.display()));
            sort(&mut catalog);
            return catalog;
        }
    };
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => match entry.file_name().into_string() {
                Ok(name) => files.push((name, entry.path())),
                Err(raw) => catalog.problems.push(format!(
                    "{}/{}: skipped: the name is not UTF-8, so it cannot be a probe name",
                    shown.display(),
                    raw.to_string_lossy()
                )),
            },
            Err(e) => catalog
                .problems
                .push(format!("cannot list {}/: {e}", shown.display())),
        }
    }
    files.sort();
    for (name, path) in files {
        let shown_file = shown.join(&name);
        let shown_file = shown_file.display();
        let (is_file, executable) = match fs::metadata(&path) {
            Ok(m) => (m.is_file(), m.permissions().mode() & 0o111 != 0),
            Err(e) => {
                // A dangling symlink, say: worth a warning unless it is a leftover anyway.
                let quiet = matches!(
                    classify(&name, true, true),
                    FileVerdict::Hidden | FileVerdict::Leftover
                );
                if !quiet {
                    catalog
                        .problems
                        .push(format!("{shown_file}: skipped: cannot read it: {e}"));
                }
                continue;
            }
        };
        match classify(&name, is_file, executable) {
            FileVerdict::Probe => {}
            FileVerdict::Hidden => {
                catalog
                    .notes
                    .push(format!("{shown_file}: skipped (a dotfile)"));
                continue;
            }
            FileVerdict::Leftover => {
                catalog.notes.push(format!(
                    "{shown_file}: skipped (an editor or backup leftover)"
                ));
                continue;
            }
            FileVerdict::NotAFile => {
                catalog
                    .notes
                    .push(format!("{shown_file}: skipped (not a regular file)"));
                continue;
            }
            // A script or a program that lacks its exec bit was meant to
            // run: a problem named by `probe run`, `status` and `doctor`.
            // Any other file (notes, a README) is passed over quietly.
            FileVerdict::NotExecutable if looks_like_a_program(&path) => {
                catalog.problems.push(format!(
                    "{shown_file}: skipped: not executable; chmod +x {} to run it",
                    path.display()
                ));
                continue;
            }
            FileVerdict::NotExecutable => {
                catalog.notes.push(format!(
                    "{shown_file}: skipped (not executable; chmod +x to run it)"
                ));
                continue;
            }
            FileVerdict::InvalidName => {
                catalog.problems.push(format!(
                    "{shown_file}: skipped: {name:?} is not a valid probe name (expected [a-z0-9][a-z0-9._-]*); rename it"
                ));
                continue;
            }
        }
        if let Some(other) = catalog.probes.iter().find(|p| p.name == name) {
            catalog.problems.push(format!(
                "{shown_file}: skipped: {} has the same name; rename one of them",
                other.origin
            ));
            continue;
        }
        catalog.probes.push(Planned {
            name,
            kind: ProbeKind::Exec,
            target: Target::File(path),
            timeout: defaults.timeout,
            category: None,
            severity: SeverityMap::default(),
            envelope: EnvelopeConfig::default(),
            enabled: true,
            origin: shown_file.to_string(),
        });
    }
    sort(&mut catalog);
    catalog
}

/// Whether a file starts as a script (`#!`) or an ELF program does.
fn looks_like_a_program(path: &Path) -> bool {
    let mut start = [0u8; 4];
    let read = fs::File::open(path).and_then(|mut file| {
        let mut n = 0;
        while n < start.len() {
            match io::Read::read(&mut file, &mut start[n..])? {
                0 => break,
                more => n += more,
            }
        }
        Ok(n)
    });
    match read {
        Ok(n) => start[..n].starts_with(b"#!") || start[..n] == *b"\x7fELF",
        Err(_) => false,
    }
}

fn sort(catalog: &mut Catalog) {
    catalog.probes.sort_by(|a, b| a.name.cmp(&b.name));
}

#[cfg(test)]
mod tests {
    use super::*;
    use FileVerdict::*;

    #[test]
    fn file_rules() {
        let table = [
            ("check_disk", true, true, Probe),
            ("check_disk.sh", true, true, Probe),
            ("10-api", true, true, Probe),
            ("README", true, false, NotExecutable),
            ("readme.md", true, false, NotExecutable),
            ("subdir", false, true, NotAFile),
            (".hidden", true, true, Hidden),
            (".check.swp", true, true, Hidden),
            ("check~", true, true, Leftover),
            ("check.bak", true, true, Leftover),
            ("check.swp", true, false, Leftover),
            ("#check#", true, true, Leftover),
            ("check.dpkg-old", true, true, Leftover),
            ("Check_Disk", true, true, InvalidName),
            ("check disk", true, true, InvalidName),
            ("-x", true, true, InvalidName),
            ("BAD NAME", true, false, NotExecutable),
        ];
        for (name, is_file, executable, verdict) in table {
            assert_eq!(classify(name, is_file, executable), verdict, "{name}");
        }
    }
}
