//! Man pages and shell completions, generated from the clap definitions
//! (`tend generate`, hidden). `man/` and `completions/` are committed and a test
//! fails when they differ from what this module renders.
//!
//! Each command's page is clap's text (synopsis, description, options) plus the
//! prose of `src/docs/pages/<page>.md` (more DESCRIPTION, and EXAMPLES, which
//! every page has); `tend.toml(5)` is rendered from [`config_reference`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap_complete::Generator;
use clap_complete::Shell as CompleteShell;
use roff::{Roff, bold, italic, roman};

use crate::cli::{GenerateCommand, Shell};
use crate::ctx::Output;
use crate::store::atomic;

mod config_reference;
pub mod markdown;

pub use config_reference::{
    CONFIG_REFERENCE, ConfigKey, ConfigSection, EXAMPLES as CONFIG_EXAMPLES, Shape,
};

/// The written part of each command's man page, by the page's name: more
/// DESCRIPTION (optional) and EXAMPLES, in the Markdown of [`markdown`].
pub const PAGE_SOURCES: &[(&str, &str)] = &[
    (
        "tend-alerts-digest",
        include_str!("pages/tend-alerts-digest.md"),
    ),
    (
        "tend-alerts-list",
        include_str!("pages/tend-alerts-list.md"),
    ),
    ("tend-incidents", include_str!("pages/tend-incidents.md")),
    (
        "tend-incidents-list",
        include_str!("pages/tend-incidents-list.md"),
    ),
    (
        "tend-incidents-show",
        include_str!("pages/tend-incidents-show.md"),
    ),
    (
        "tend-alerts-notify",
        include_str!("pages/tend-alerts-notify.md"),
    ),
    (
        "tend-alerts-silence-add",
        include_str!("pages/tend-alerts-silence-add.md"),
    ),
    (
        "tend-alerts-silence-expire",
        include_str!("pages/tend-alerts-silence-expire.md"),
    ),
    (
        "tend-alerts-silence-list",
        include_str!("pages/tend-alerts-silence-list.md"),
    ),
    (
        "tend-alerts-silence",
        include_str!("pages/tend-alerts-silence.md"),
    ),
    (
        "tend-alerts-test",
        include_str!("pages/tend-alerts-test.md"),
    ),
    ("tend-alerts", include_str!("pages/tend-alerts.md")),
    ("tend-audit-emit", include_str!("pages/tend-audit-emit.md")),
    ("tend-audit-tail", include_str!("pages/tend-audit-tail.md")),
    ("tend-audit", include_str!("pages/tend-audit.md")),
    (
        "tend-config-check",
        include_str!("pages/tend-config-check.md"),
    ),
    (
        "tend-config-show",
        include_str!("pages/tend-config-show.md"),
    ),
    ("tend-config", include_str!("pages/tend-config.md")),
    ("tend-doctor", include_str!("pages/tend-doctor.md")),
    ("tend-gc-audit", include_str!("pages/tend-gc-audit.md")),
    (
        "tend-gc-checkpoints",
        include_str!("pages/tend-gc-checkpoints.md"),
    ),
    ("tend-gc", include_str!("pages/tend-gc.md")),
    ("tend-init", include_str!("pages/tend-init.md")),
    ("tend-probe-run", include_str!("pages/tend-probe-run.md")),
    ("tend-probe", include_str!("pages/tend-probe.md")),
    (
        "tend-promote-approve",
        include_str!("pages/tend-promote-approve.md"),
    ),
    (
        "tend-promote-expire",
        include_str!("pages/tend-promote-expire.md"),
    ),
    (
        "tend-promote-list",
        include_str!("pages/tend-promote-list.md"),
    ),
    (
        "tend-promote-observe",
        include_str!("pages/tend-promote-observe.md"),
    ),
    (
        "tend-promote-propose",
        include_str!("pages/tend-promote-propose.md"),
    ),
    (
        "tend-promote-reject",
        include_str!("pages/tend-promote-reject.md"),
    ),
    (
        "tend-promote-run",
        include_str!("pages/tend-promote-run.md"),
    ),
    (
        "tend-promote-show",
        include_str!("pages/tend-promote-show.md"),
    ),
    ("tend-promote", include_str!("pages/tend-promote.md")),
    ("tend-status", include_str!("pages/tend-status.md")),
    ("tend-report", include_str!("pages/tend-report.md")),
    ("tend-tick", include_str!("pages/tend-tick.md")),
    (
        "tend-wake-consume",
        include_str!("pages/tend-wake-consume.md"),
    ),
    ("tend-wake", include_str!("pages/tend-wake.md")),
    (
        "tend-watchers-explain",
        include_str!("pages/tend-watchers-explain.md"),
    ),
    (
        "tend-watchers-list",
        include_str!("pages/tend-watchers-list.md"),
    ),
    (
        "tend-watchers-tick",
        include_str!("pages/tend-watchers-tick.md"),
    ),
    ("tend-watchers", include_str!("pages/tend-watchers.md")),
    ("tend", include_str!("pages/tend.md")),
];

/// The sections a page source may have, in the order they are printed
/// (DESCRIPTION joins clap's own).
const SOURCE_SECTIONS: [&str; 3] = ["DESCRIPTION", "EXAMPLES", "NOTES"];

/// A page's written sections, checked: known names only, EXAMPLES present.
fn page_sections(page: &str) -> Result<Vec<markdown::Section>> {
    let path = format!("src/docs/pages/{page}.md");
    let source = PAGE_SOURCES
        .iter()
        .find(|(name, _)| *name == page)
        .map(|(_, source)| *source)
        .ok_or_else(|| {
            anyhow!("{path} is missing: every man page has one, with at least an EXAMPLES section")
        })?;
    let sections = markdown::render(source).map_err(|e| anyhow!("{path}: {e}"))?;
    if let Some(other) = sections
        .iter()
        .find(|s| !SOURCE_SECTIONS.contains(&s.name.as_str()))
    {
        bail!(
            "{path}: unknown section # {} (one of {})",
            other.name,
            SOURCE_SECTIONS.join(", ")
        );
    }
    if !sections.iter().any(|s| s.name == "EXAMPLES") {
        bail!("{path}: no # EXAMPLES section");
    }
    Ok(sections)
}

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

/// The version every page's footer names (`tend 0.1.0`, on the subcommands'
/// pages too).
fn source() -> String {
    format!("tend {}", env!("CARGO_PKG_VERSION"))
}

/// File name → content of every man page: `tend.1`, `tend-audit-emit.1`, …
/// one per (visible) command and subcommand.
pub fn man_pages() -> Result<BTreeMap<String, Vec<u8>>> {
    fn walk(cmd: clap::Command, pages: &mut BTreeMap<String, Vec<u8>>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            walk(sub, pages)?;
        }
        let (name, page) = man_page(cmd)?;
        pages.insert(name, page);
        Ok(())
    }
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = BTreeMap::new();
    walk(cmd, &mut pages)?;
    if let Some((orphan, _)) = PAGE_SOURCES
        .iter()
        .find(|(name, _)| !pages.contains_key(&format!("{name}.1")))
    {
        bail!("src/docs/pages/{orphan}.md names no command's page");
    }
    pages.insert("tend.toml.5".to_string(), config_reference::man_page()?);
    Ok(pages)
}

/// One page: clap_mangen's sections, with a synopsis that names each
/// option's value, an EXIT STATUS section in place of the help's trailing
/// text, and (on `tend(1)`) ENVIRONMENT and FILES.
fn man_page(cmd: clap::Command) -> Result<(String, Vec<u8>)> {
    let top = cmd.get_name() == "tend";
    let man = clap_mangen::Man::new(cmd.clone()).source(source());
    let sections = page_sections(man.get_filename().trim_end_matches(".1"))?;
    let written = |name: &'static str| sections.iter().filter(move |s| s.name == name);
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut part = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| -> Result<()> {
        let mut buf = Vec::new();
        render(&mut buf)?;
        parts.push(buf);
        Ok(())
    };
    part(&|w| man.render_title(w))?;
    // Left-aligned and unhyphenated: keys, paths and variable names must not
    // be split or stretched across a line (`TEND_EN‐ GINE_KIND`).
    part(&|w| {
        let mut roff = Roff::new();
        roff.control("nh", []).control("ad", ["l"]);
        roff.to_writer(w)
    })?;
    part(&|w| man.render_name_section(w))?;
    part(&|w| std::io::Write::write_all(w, synopsis(&cmd).as_bytes()))?;
    part(&|w| man.render_description_section(w))?;
    for section in written("DESCRIPTION") {
        part(&|w| section.body.to_writer(w))?;
    }
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        part(&|w| man.render_options_section(w))?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        part(&|w| man.render_subcommands_section(w))?;
    }
    part(&|w| exit_status().to_writer(w))?;
    if top {
        part(&|w| environment().to_writer(w))?;
        part(&|w| files().to_writer(w))?;
    }
    for name in &SOURCE_SECTIONS[1..] {
        for section in written(name) {
            part(&|w| {
                let mut heading = Roff::new();
                heading.control("SH", [*name]);
                heading.to_writer(w)?;
                section.body.to_writer(w)
            })?;
        }
    }
    part(&|w| see_also(&cmd).to_writer(w))?;
    Ok((man.get_filename(), join_parts(&parts)))
}

/// A page from pieces rendered apart: each starts with roff's preamble, which
/// the page needs once.
fn join_parts(parts: &[Vec<u8>]) -> Vec<u8> {
    let preamble = Roff::new().render();
    let mut page = Vec::new();
    for (i, bytes) in parts.iter().enumerate() {
        let body = match bytes.strip_prefix(preamble.as_bytes()) {
            Some(rest) if i > 0 => rest,
            _ => bytes,
        };
        page.extend_from_slice(body);
    }
    page
}

/// `tend audit tail [--kind <KIND>]... [-n|--lines <N>] …`: every visible
/// option with its value name, then the positionals and the subcommand.
/// Written as raw roff so that a bracketed item is never split across lines
/// (`\ ` is roff's unbreakable space).
fn synopsis(cmd: &clap::Command) -> String {
    fn esc(text: &str) -> String {
        text.replace('\\', "\\\\").replace('-', "\\-")
    }
    let b = |text: &str| format!("\\fB{}\\fR", esc(text));
    let i = |text: &str| format!("\\fI{}\\fR", esc(text));
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    let mut items = vec![b(name)];
    let visible = |a: &&clap::Arg| !a.is_hide_set();
    for arg in cmd
        .get_arguments()
        .filter(visible)
        .filter(|a| !a.is_positional())
    {
        let mut item = match (arg.get_short(), arg.get_long()) {
            (Some(short), Some(long)) => {
                format!("{}|{}", b(&format!("-{short}")), b(&format!("--{long}")))
            }
            (Some(short), None) => b(&format!("-{short}")),
            (None, Some(long)) => b(&format!("--{long}")),
            (None, None) => continue,
        };
        if arg.get_num_args().is_some_and(|n| n.takes_values()) {
            for value in arg.get_value_names().unwrap_or_default() {
                item.push_str("\\ ");
                item.push_str(&i(&format!("<{value}>")));
            }
        }
        if !arg.is_required_set() {
            item = format!("[{item}]");
        }
        if repeats(arg) {
            item.push_str("...");
        }
        items.push(item);
    }
    for arg in cmd.get_positionals().filter(visible) {
        let value = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.to_string())
            .unwrap_or_else(|| arg.get_id().to_string());
        let mut item = if arg.is_required_set() {
            format!("<{}>", i(&value))
        } else {
            format!("[{}]", i(&value))
        };
        if repeats(arg) {
            item.push_str("...");
        }
        items.push(item);
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        items.push(format!("<{}>", i("command")));
    }
    format!(".SH SYNOPSIS\n{}\n", items.join(" "))
}

/// Whether an argument may be given more than once (or take several values).
fn repeats(arg: &clap::Arg) -> bool {
    matches!(
        arg.get_action(),
        clap::ArgAction::Append | clap::ArgAction::Count
    ) || arg.get_num_args().is_some_and(|n| n.max_values() > 1)
}

fn exit_status() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in crate::exit::EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(*code)]);
        roff.text([roman(*meaning)]);
    }
    roff
}

/// `tend(1)` (or, on it, the commands' pages) and `tend.toml(5)`.
fn see_also(cmd: &clap::Command) -> Roff {
    let mut refs: Vec<(String, &str)> = Vec::new();
    if cmd.get_name() == "tend" {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            refs.push((format!("tend-{}", sub.get_name()), "1"));
        }
    } else {
        refs.push(("tend".to_string(), "1"));
    }
    refs.push(("tend.toml".to_string(), "5"));
    let mut inlines = Vec::new();
    for (i, (name, section)) in refs.iter().enumerate() {
        let sep = if i + 1 < refs.len() { "), " } else { ")" };
        inlines.push(bold(name.as_str()));
        inlines.push(roman(format!("({section}{sep}")));
    }
    let mut roff = Roff::new();
    roff.control("SH", ["SEE ALSO"]);
    roff.text(inlines);
    roff
}

/// The environment variables `tend` reads (besides the ones its
/// configuration names for secrets).
fn environment() -> Roff {
    let sections = crate::config::FLAT_SECTIONS.join(", ");
    let entries: [(&str, String); 7] = [
        (
            "TEND_ROOT",
            "The state root, when --root is not given.".into(),
        ),
        (
            "TEND_CONFIG",
            "The configuration file, when --config is not given [default: <root>/tend.toml]."
                .into(),
        ),
        (
            "TEND_NOW",
            "Run as if at this instant, when --now is not given (RFC 3339 or YYYY-MM-DD).".into(),
        ),
        (
            "TEND_<SECTION>_<KEY>",
            format!(
                "Overrides one configuration key of a flat section ({sections}), e.g. \
                 TEND_WAKE_DEBOUNCE_SECONDS=0 or TEND_ENGINE_KIND=none. Precedence: flag, then \
                 environment, then file, then default. A value that does not parse is an error \
                 naming the variable (exit 2)."
            ),
        ),
        (
            "XDG_STATE_HOME, HOME",
            "The default state root is $XDG_STATE_HOME/tend, else ~/.local/state/tend.".into(),
        ),
        (
            "SUDO_USER, USER, LOGNAME",
            "Who approves, rejects or silences, when --by is not given: the user who ran \
             sudo, else $USER, else $LOGNAME, else the account of the process's user."
                .into(),
        ),
        (
            "*_env",
            "Secrets are read from the variables the configuration names (token_env, \
             api_key_env, password_env, url_env, postgres_env …), never from the file itself."
                .into(),
        ),
    ];
    let mut roff = Roff::new();
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in entries {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(meaning)]);
    }
    roff
}

/// The root's layout (design §1).
fn files() -> Roff {
    const LAYOUT: [(&str, &str); 10] = [
        ("<root>/tend.toml", "The optional configuration file."),
        (
            "<root>/audit/YYYY-MM-DD.jsonl",
            "The audit log, one segment per UTC day.",
        ),
        (
            "<root>/probes.d/",
            "Executable probes (Nagios plugins or JSON probes).",
        ),
        (
            "<root>/state/",
            "Small JSON state files, written atomically: wake.cursor.json, wake.debounce.json, \
             wake.ledger.json, probes.json, alerts.notified.json, alerts.digest.jsonl, \
             decisions.index (and its decisions.index.delta), and runs/<command>.json (each \
             command's last run; tick's steps' runs together in runs/tick.steps.json).",
        ),
        (
            "<root>/state/quarantine/",
            "State files that could not be read, moved aside (see tend doctor).",
        ),
        (
            "<root>/proposals/<loop>/{pending,approved,rejected,expired}/",
            "One JSON file per proposal, in the directory of its status.",
        ),
        (
            "<root>/observations/<loop>.json",
            "The latest snapshot written by promote observe.",
        ),
        (
            "<root>/decisions/YYYY-MM.jsonl",
            "Decision rows written by watchers tick.",
        ),
        (
            "<root>/locks/<command>.lock",
            "flock files; each holds the pid and start time of the run that holds it.",
        ),
        (
            "$XDG_STATE_HOME/tend",
            "The default root (else ~/.local/state/tend).",
        ),
    ];
    let mut roff = Roff::new();
    roff.control("SH", ["FILES"]);
    for (path, meaning) in LAYOUT {
        roff.control("TP", []);
        roff.text([italic(path)]);
        roff.text([roman(meaning)]);
    }
    roff
}

/// The command line the completions offer: without what is hidden (the
/// `generate` command, `--now` and `--dry-run` where they mean nothing),
/// which clap_complete would otherwise offer (it ignores `hide` for
/// arguments, and for subcommands in zsh and fish). clap cannot remove an
/// argument or a subcommand, so the built tree is copied without them; the
/// copies' arguments are no longer global, so building the copy propagates
/// nothing back.
fn completion_command() -> clap::Command {
    fn copy(built: &clap::Command) -> clap::Command {
        let mut cmd = clap::Command::new(built.get_name().to_string())
            .version(env!("CARGO_PKG_VERSION"))
            .subcommand_required(built.is_subcommand_required_set())
            .arg_required_else_help(built.is_arg_required_else_help_set())
            .disable_help_subcommand(built.is_disable_help_subcommand_set())
            .args(
                built
                    .get_arguments()
                    // The copy makes its own --help and --version.
                    .filter(|a| {
                        !a.is_hide_set() && !["help", "version"].contains(&a.get_id().as_str())
                    })
                    .map(|a| a.clone().global(false)),
            )
            .subcommands(
                built
                    .get_subcommands()
                    // The copy makes its own `help` subcommand.
                    .filter(|s| !s.is_hide_set() && s.get_name() != "help")
                    .map(copy),
            );
        if let Some(about) = built.get_about() {
            cmd = cmd.about(about.clone());
        }
        cmd
    }
    let mut full = crate::cli::command();
    full.build();
    copy(&full)
}

/// File name → content of every shell's completion script.
pub fn completions() -> BTreeMap<String, Vec<u8>> {
    SHELLS
        .iter()
        .map(|shell| {
            let shell = complete_shell(*shell);
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut completion_command(), "tend", &mut buf);
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
                &mut completion_command(),
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
