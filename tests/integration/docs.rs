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
    tend::cli::command().debug_assert();
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
        // --now is its own: not every command takes it.
        for flag in ["--kind", "--since", "--lines", "--follow", "--now"] {
            assert!(
                at(&help, flag) < globals,
                "{flag} after the globals:\n{help}"
            );
        }
        for flag in ["--root <DIR>", "--config <FILE>", "--json", "--quiet"] {
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
    // A group takes neither: its commands do.
    let text = help(&["config"]);
    assert!(!text.contains("--dry-run"), "{text}");
}

#[test]
fn a_flag_a_command_does_not_take_is_refused_saying_why() {
    let env = crate::support::TestEnv::new();
    // After the command's name clap refuses it; tend says why.
    let out = env.tend(&["config", "show", "--dry-run"]).status(2);
    assert!(
        out.stderr.starts_with(
            "tend: error: --dry-run means nothing to `tend config show`: it writes and sends nothing anyway\n"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Usage: tend config show"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("tip:"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let out = env
        .tend(&["watchers", "list", "--now", "2026-05-24T08:00:00Z"])
        .status(2);
    assert!(
        out.stderr.contains(
            "--now means nothing to `tend watchers list`: it does not depend on the time"
        ),
        "{}",
        out.stderr
    );
    // Before the command name, too.
    let out = env.tend(&["--dry-run", "status"]).status(2);
    assert!(
        out.stderr
            .contains("--dry-run means nothing to `tend status`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Usage: tend status"), "{}", out.stderr);
    let out = env
        .tend(&["--now", "2026-05-24T08:00:00Z", "config", "check"])
        .status(2);
    assert!(
        out.stderr
            .contains("--now means nothing to `tend config check`"),
        "{}",
        out.stderr
    );
    // Where the command takes them, before or after its name.
    env.tend(&["--dry-run", "--now", "2026-05-24T08:00:00Z", "init"])
        .ok();
    env.tend(&["status", "--now", "2026-05-24T08:00:00Z"]).ok();
    // TEND_NOW in the environment is meant for every command: no error.
    env.tend(&["config", "check"])
        .env("TEND_NOW", "2026-05-24T08:00:00Z")
        .ok();
}

#[test]
fn every_command_of_the_table_is_a_leaf_with_the_flags_it_takes() {
    fn leaves(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push((path.to_string(), cmd.clone()));
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
    leaves(&tend::cli::command(), "", &mut found);
    let mut names: Vec<&str> = found.iter().map(|(path, _)| path.as_str()).collect();
    names.sort();
    let mut listed: Vec<&str> = tend::command::Command::ALL
        .iter()
        .map(|c| c.name())
        .collect();
    listed.sort();
    assert_eq!(names, listed);
    for (path, leaf) in &found {
        let command = tend::command::Command::from_name(path).unwrap();
        let has = |id: &str| leaf.get_arguments().any(|a| a.get_id() == id);
        assert_eq!(has("now"), command.takes_now(), "{path}: --now");
        assert_eq!(has("dry_run"), command.takes_dry_run(), "{path}: --dry-run");
    }
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
    for (name, page) in pages.iter().filter(|(name, _)| name.ends_with(".1")) {
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

#[test]
fn every_command_page_has_examples_and_see_also() {
    let pages = tend::docs::man_pages().unwrap();
    for (name, page) in &pages {
        let page = String::from_utf8_lossy(page);
        assert!(page.contains(".SH EXAMPLES\n"), "{name} has no EXAMPLES");
        assert!(page.contains(".SH \"SEE ALSO\""), "{name} has no SEE ALSO");
        assert!(
            page.contains("\\fBtend.toml\\fR(5)") || name == "tend.toml.5",
            "{name} does not point to tend.toml(5)"
        );
    }
    assert!(pages.contains_key("tend.toml.5"));
}

/// The names serde says a table of `doc`'s innermost section accepts, from
/// the error for an unknown key (`expected one of `a`, `b``).
fn accepted_keys(doc: &str) -> std::collections::BTreeSet<String> {
    let err = toml::from_str::<tend::config::Config>(doc)
        .err()
        .unwrap_or_else(|| panic!("an unknown key was accepted:\n{doc}"))
        .to_string();
    let expected = err
        .split_once("expected")
        .unwrap_or_else(|| panic!("no list of keys in {err:?} for:\n{doc}"))
        .1;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// `[[probe]]` and `[[watcher]]` entries with only the required keys.
fn minimal_entry(section: &str) -> Vec<(&'static str, &'static str)> {
    match section {
        "probe" => vec![("name", "\"a\""), ("command", "[\"/bin/true\"]")],
        "watcher" => vec![
            ("name", "\"w\""),
            ("source", "{ file = \"e.jsonl\" }"),
            ("id_field", "\"id\""),
            ("status_field", "\"status\""),
            ("statuses", "[\"Held\"]"),
            ("since_field", "\"since\""),
            ("stale_after", "\"72h\""),
            ("context", "\"C\""),
            ("choice", "\"Stuck\""),
            ("decided_by", "\"agent:w\""),
            ("namespace", "\"8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f\""),
        ],
        _ => Vec::new(),
    }
}

fn section_doc(section: &tend::docs::ConfigSection, keys: &[(&str, &str)]) -> String {
    use tend::docs::Shape;
    let header = match section.shape {
        Shape::Table => format!("[{}]", section.name),
        Shape::Array => format!("[[{}]]", section.name),
        Shape::Map => format!("[{}.\"x\"]", section.name),
    };
    let mut doc = header + "\n";
    for (key, value) in keys {
        doc.push_str(&format!("{key} = {value}\n"));
    }
    doc
}

/// Where a section's keys sit in the serialized configuration.
fn section_value<'a>(
    config: &'a toml::Value,
    section: &tend::docs::ConfigSection,
) -> Option<&'a toml::Value> {
    let mut value = config;
    for part in section.name.split('.') {
        value = value.get(part)?;
    }
    match section.shape {
        tend::docs::Shape::Table => Some(value),
        tend::docs::Shape::Array => value.get(0),
        tend::docs::Shape::Map => value.get("x"),
    }
}

#[test]
fn the_configuration_page_names_every_key_the_configuration_accepts() {
    let reference = tend::docs::CONFIG_REFERENCE;
    let fix = "edit src/docs/config_reference.rs, then run `TEND_BLESS=1 cargo test --test integration docs`";
    let top: std::collections::BTreeSet<String> = reference
        .iter()
        .map(|s| s.name.split('.').next().unwrap().to_string())
        .collect();
    assert_eq!(accepted_keys("zzz_unknown = 1\n"), top, "sections: {fix}");
    for section in reference {
        let mut documented: std::collections::BTreeSet<String> =
            section.keys.iter().map(|k| k.name.to_string()).collect();
        let prefix = format!("{}.", section.name);
        documented.extend(
            reference
                .iter()
                .filter_map(|s| s.name.strip_prefix(&prefix))
                .map(str::to_string),
        );
        let doc = section_doc(section, &[("zzz_unknown", "1")]);
        assert_eq!(
            accepted_keys(&doc),
            documented,
            "keys of [{}]: {fix}",
            section.name
        );
    }
}

#[test]
fn the_configuration_page_gives_the_defaults_the_configuration_has() {
    let serialized = |doc: &str| -> toml::Value {
        let config: tend::config::Config =
            toml::from_str(doc).unwrap_or_else(|e| panic!("{doc}\n{e}"));
        toml::Value::try_from(&config).unwrap()
    };
    let mut wrong = Vec::new();
    for section in tend::docs::CONFIG_REFERENCE {
        let base = minimal_entry(section.name);
        let plain = serialized(&section_doc(section, &base));
        let plain = section_value(&plain, section)
            .unwrap_or_else(|| panic!("[{}] not in the serialized configuration", section.name));
        for key in section.keys {
            let actual = plain.get(key.name);
            let required = base.iter().any(|(k, _)| *k == key.name);
            let Some(default) = key.default else {
                if let (false, Some(actual)) = (required, actual) {
                    wrong.push(format!(
                        "{}.{}: no default on the page, but it defaults to {actual}",
                        section.name, key.name
                    ));
                }
                continue;
            };
            let mut keys: Vec<(&str, &str)> = base
                .iter()
                .filter(|(k, _)| *k != key.name)
                .copied()
                .collect();
            keys.push((key.name, default));
            let written = serialized(&section_doc(section, &keys));
            let written = section_value(&written, section).unwrap().get(key.name);
            if written != actual {
                wrong.push(format!(
                    "{}.{}: the page says {default}, the default is {actual:?}",
                    section.name, key.name
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "tend.toml(5) (src/docs/config_reference.rs) is wrong:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_key_of_the_init_template_is_on_the_configuration_page() {
    let mut section = String::new();
    for line in tend::init::TEMPLATE.lines() {
        let Some(text) = line.strip_prefix("# ") else {
            continue;
        };
        if let Some(name) = text
            .strip_prefix("[[")
            .and_then(|t| t.split_once("]]"))
            .or_else(|| text.strip_prefix('[').and_then(|t| t.split_once(']')))
        {
            section = name.0.to_string();
            continue;
        }
        let Some((key, _)) = text.split_once(" = ") else {
            continue;
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            continue;
        }
        let documented = tend::docs::CONFIG_REFERENCE
            .iter()
            .find(|s| s.name == section)
            .unwrap_or_else(|| {
                panic!("tend init's template has [{section}], tend.toml(5) does not")
            });
        assert!(
            documented.keys.iter().any(|k| k.name == key),
            "tend init's template has {section}.{key}, tend.toml(5) does not"
        );
    }
}

/// Every reference to the design in the repository (the word design, then §
/// and a number) names a section of docs/design.md, and no comment points at
/// a document the repository does not have.
#[test]
fn design_references_name_sections_of_the_design_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let design = std::fs::read_to_string(root.join("docs/design.md")).unwrap();
    let sections: Vec<&str> = design
        .lines()
        .filter_map(|l| l.strip_prefix("## ")?.split_once(". ").map(|(n, _)| n))
        .collect();
    let mut files = Vec::new();
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| {
                ["rs", "md", "sh", "toml", "py"].contains(&e.to_str().unwrap_or(""))
            }) {
                files.push(path);
            }
        }
    }
    for dir in [
        "src", "tests", "benches", "bench", "fuzz", "contrib", "docs",
    ] {
        if root.join(dir).is_dir() {
            walk(&root.join(dir), &mut files);
        }
    }
    files.extend(["README.md", "ARCHITECTURE.md"].map(|f| root.join(f)));
    // Spelled apart, so that this file does not match itself.
    let outside = format!("{} §", "SPEC");
    let reference = format!("{} §", "design");
    let mut wrong = Vec::new();
    let mut seen = 0;
    for file in files.iter().filter(|f| !f.ends_with("docs/design.md")) {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let shown = file.strip_prefix(root).unwrap().display();
        if text.contains(&outside) {
            wrong.push(format!("{shown}: cites a document outside the repository"));
        }
        for (at, _) in text.match_indices(&reference) {
            let number: String = text[at + reference.len()..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            seen += 1;
            if !sections.contains(&number.as_str()) {
                wrong.push(format!(
                    "{shown}: {reference}{number} is not a section of docs/design.md"
                ));
            }
        }
    }
    assert!(seen > 100, "only {seen} references found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
