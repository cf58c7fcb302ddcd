//! The CLI definition is consistent, and the committed man pages and
//! completions match it. Set TEND_BLESS=1 to rewrite them.

use std::collections::BTreeMap;
use std::path::Path;

fn check(dir: &str, expected: BTreeMap<String, Vec<u8>>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    if std::env::var_os("TEND_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, content) in &expected {
            std::fs::write(dir.join(name), content).unwrap();
        }
        return;
    }
    let mut actual = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries {
            let entry = entry.unwrap();
            actual.insert(
                entry.file_name().into_string().unwrap(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    let stale: Vec<&String> = expected
        .keys()
        .chain(actual.keys())
        .filter(|name| expected.get(*name) != actual.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "{} is stale for {stale:?}: run `TEND_BLESS=1 cargo test --test integration docs` and commit",
        dir.display()
    );
}

#[test]
fn cli_debug_assert() {
    tend::docs::cli_command().debug_assert();
}

#[test]
fn man_pages_are_up_to_date() {
    let pages = tend::docs::man_pages().unwrap();
    assert!(
        pages.contains_key("tend.1") && pages.contains_key("tend-audit-emit.1"),
        "{:?}",
        pages.keys()
    );
    check("man", pages);
}

#[test]
fn completions_are_up_to_date() {
    let scripts = tend::docs::completions();
    assert_eq!(scripts.len(), 5);
    check("completions", scripts);
}

#[test]
fn help_documents_exit_codes() {
    let env = crate::support::TestEnv::new();
    let out = env.tend(&["--help"]).ok();
    for code in ["74", "75", "usage or configuration error"] {
        assert!(out.stdout.contains(code), "{}", out.stdout);
    }
    let page = String::from_utf8(tend::docs::man_pages().unwrap()["tend.1"].clone()).unwrap();
    assert!(page.contains("75"), "man page lacks the exit codes");
}

/// The index of `needle` in `text`, failing with the whole text.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in:\n{text}"))
}

#[test]
fn help_puts_globals_after_the_commands_own_options() {
    let env = crate::support::TestEnv::new();
    for args in [["audit", "tail", "--help"], ["audit", "tail", "-h"]] {
        let help = env.tend(&args).ok().stdout;
        let own = at(&help, "Options:");
        let globals = at(&help, "Global options:");
        assert!(own < globals, "{help}");
        for flag in ["--kind", "--since", "--lines", "--follow"] {
            assert!(
                at(&help, flag) < globals,
                "{flag} after the globals:\n{help}"
            );
        }
        for flag in [
            "--root <DIR>",
            "--config <FILE>",
            "--now",
            "--json",
            "--quiet",
        ] {
            assert!(
                at(&help, flag) > globals,
                "{flag} before the globals:\n{help}"
            );
        }
        // audit tail writes nothing.
        assert!(!help.contains("--dry-run"), "{help}");
    }
}

#[test]
fn help_offers_now_and_dry_run_only_where_they_mean_something() {
    let env = crate::support::TestEnv::new();
    let help = |args: &[&str]| {
        let mut args = args.to_vec();
        args.push("--help");
        env.tend(&args).ok().stdout
    };
    for command in [
        &["config", "show"][..],
        &["config", "check"],
        &["watchers", "list"],
    ] {
        let text = help(command);
        assert!(
            !text.contains("--now") && !text.contains("--dry-run"),
            "{command:?}:\n{text}"
        );
    }
    for command in [
        &["status"][..],
        &["doctor"],
        &["alerts", "list"],
        &["promote", "list"],
    ] {
        let text = help(command);
        assert!(
            text.contains("--now") && !text.contains("--dry-run"),
            "{command:?}:\n{text}"
        );
    }
    // init's --dry-run shows what it would create, and --now dates the example rows.
    for command in [
        &["init"][..],
        &["tick"],
        &["audit", "emit"],
        &["alerts", "silence", "add"],
    ] {
        let text = help(command);
        assert!(
            text.contains("--now") && text.contains("--dry-run"),
            "{command:?}:\n{text}"
        );
    }
    // The group shows what any of its commands uses.
    let text = help(&["config"]);
    assert!(!text.contains("--dry-run"), "{text}");
    assert!(help(&["alerts"]).contains("--dry-run"));
}

#[test]
fn a_global_that_means_nothing_is_refused() {
    let env = crate::support::TestEnv::new();
    let out = env.tend(&["config", "show", "--dry-run"]).status(2);
    assert!(
        out.stderr
            .contains("--dry-run means nothing to `tend config show`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Usage: tend config show"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    // Before the command name, too.
    let out = env.tend(&["--dry-run", "status"]).status(2);
    assert!(
        out.stderr
            .contains("--dry-run means nothing to `tend status`"),
        "{}",
        out.stderr
    );
    let out = env
        .tend(&["--now", "2026-05-24T08:00:00Z", "config", "check"])
        .status(2);
    assert!(
        out.stderr
            .contains("--now means nothing to `tend config check`"),
        "{}",
        out.stderr
    );
    // TEND_NOW in the environment is meant for every command: no error.
    env.tend(&["config", "check"])
        .env("TEND_NOW", "2026-05-24T08:00:00Z")
        .ok();
}

#[test]
fn every_command_says_which_globals_it_uses() {
    fn leaves(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push(path.to_string());
        }
        for sub in subs {
            let sub_path = if path.is_empty() {
                sub.get_name().to_string()
            } else {
                format!("{path} {}", sub.get_name())
            };
            leaves(sub, &sub_path, out);
        }
    }
    let mut found = Vec::new();
    leaves(&tend::docs::cli_command(), "", &mut found);
    found.sort();
    let mut listed: Vec<String> = tend::cli::GLOBALS_USED
        .iter()
        .map(|(path, _)| path.to_string())
        .collect();
    listed.sort();
    assert_eq!(found, listed);
}

#[test]
fn kind_completes_the_audit_vocabulary_and_generate_is_not_offered() {
    let scripts = tend::docs::completions();
    for (name, script) in &scripts {
        let script = String::from_utf8_lossy(script);
        assert!(!script.contains("generate"), "{name} offers generate");
    }
    let bash = String::from_utf8_lossy(&scripts["tend.bash"]);
    assert!(
        bash.contains("probe.wake_requested probe.recovered"),
        "--kind not completed"
    );
}

#[test]
fn man_pages_have_exit_status_value_names_and_the_tend_footer() {
    let pages = tend::docs::man_pages().unwrap();
    for (name, page) in &pages {
        let page = String::from_utf8_lossy(page);
        let title = page.lines().find(|l| l.starts_with(".TH ")).unwrap();
        assert!(title.contains("\"tend 0.1.0\""), "{name}: {title}");
        assert!(page.contains(".SH \"EXIT STATUS\""), "{name}");
        assert!(!page.contains(".SH EXTRA"), "{name}");
        assert!(
            page.contains("\\fB\\-\\-root\\fR\\ \\fI<DIR>\\fR"),
            "{name}"
        );
    }
    let tend = String::from_utf8_lossy(&pages["tend.1"]);
    for section in [
        ".SH ENVIRONMENT",
        ".SH FILES",
        "TEND_ROOT",
        "TEND_<SECTION>_<KEY>",
        "wake.cursor.json",
    ] {
        assert!(tend.contains(section), "tend.1 lacks {section}");
    }
    let config_show = String::from_utf8_lossy(&pages["tend-config-show.1"]);
    assert!(!config_show.contains("dry\\-run"), "{config_show}");
}
