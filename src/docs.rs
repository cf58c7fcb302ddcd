//! Man pages and shell completions, generated from the clap definitions
//! (`tend generate`, hidden). `man/` and `completions/` are committed and a test
//! fails when they differ from what this module renders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Generator;
use clap_complete::Shell as CompleteShell;

use crate::cli::{Cli, GenerateCommand, Shell};
use crate::ctx::Output;
use crate::store::atomic;

const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::Powershell,
];

fn complete_shell(shell: Shell) -> CompleteShell {
    match shell {
        Shell::Bash => CompleteShell::Bash,
        Shell::Zsh => CompleteShell::Zsh,
        Shell::Fish => CompleteShell::Fish,
        Shell::Elvish => CompleteShell::Elvish,
        Shell::Powershell => CompleteShell::PowerShell,
    }
}

/// The whole command line: the clap definitions of [`crate::cli`], with the
/// help text that is made from the code's own tables (the steps of `tick`),
/// so that help, man pages and completions cannot drift from what runs.
pub fn cli_command() -> clap::Command {
    Cli::command().mut_subcommand("tick", |tick| tick.long_about(crate::tick::help()))
}

/// File name → content of every man page: `tend.1`, `tend-audit-emit.1`, …
/// one per (visible) command and subcommand.
pub fn man_pages() -> Result<BTreeMap<String, Vec<u8>>> {
    fn walk(cmd: clap::Command, pages: &mut BTreeMap<String, Vec<u8>>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            walk(sub, pages)?;
        }
        let man = clap_mangen::Man::new(cmd);
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        pages.insert(man.get_filename(), buf);
        Ok(())
    }
    let mut cmd = cli_command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = BTreeMap::new();
    walk(cmd, &mut pages)?;
    Ok(pages)
}

/// File name → content of every shell's completion script.
pub fn completions() -> BTreeMap<String, Vec<u8>> {
    SHELLS
        .iter()
        .map(|shell| {
            let shell = complete_shell(*shell);
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cli_command(), "tend", &mut buf);
            (shell.file_name("tend"), buf)
        })
        .collect()
}

fn write_all(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for (name, content) in files {
        let path = dir.join(name);
        atomic::write(&path, content)?;
        written.push(path);
    }
    Ok(written)
}

pub fn run(command: &GenerateCommand, out: &mut Output) -> Result<()> {
    match command {
        GenerateCommand::Man { dir } => {
            for path in write_all(dir, &man_pages()?)? {
                out.item(&format!("wrote {}", path.display()))?;
            }
        }
        GenerateCommand::Completions {
            shell: Some(shell), ..
        } => {
            clap_complete::generate(
                complete_shell(*shell),
                &mut cli_command(),
                "tend",
                &mut StdoutBytes(out),
            );
        }
        GenerateCommand::Completions { shell: None, dir } => {
            let dir = dir.as_deref().context("give a SHELL or --dir")?;
            for path in write_all(dir, &completions())? {
                out.item(&format!("wrote {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// Adapts `Output::data` to `io::Write` for clap_complete.
struct StdoutBytes<'a>(&'a mut Output);

impl std::io::Write for StdoutBytes<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.data(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
