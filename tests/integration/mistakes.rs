//! Mistakes a newcomer makes on the first day, each caught with one clear
//! message (design §10): a missing or relative root, another user than the
//! root's owner.

use crate::support::TestEnv;

/// A root that does not exist is an error for every command but `init`,
/// and nothing creates it half-way.
#[test]
fn a_missing_root_is_an_error_for_every_command_but_init() {
    let mut env = TestEnv::new();
    let missing = env.dir().join("nowhere");
    env.set_env("TEND_ROOT", &missing.display().to_string());
    let expected = format!(
        "tend: error: no state root at {}; run tend init to create it (or check --root / TEND_ROOT)\n",
        missing.display()
    );
    // `status` is the watchdog: even quiet, it fails.
    let out = env.tend(&["-q", "status"]).status(1);
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str()),
        ("", expected.as_str())
    );
    for args in [
        &["tick"][..],
        &["probe", "run"],
        &["wake", "consume"],
        &["alerts", "list"],
        &["doctor"],
        &["config", "show"],
        &[
            "audit",
            "emit",
            "--kind",
            "deploy.finished",
            "--details",
            "{}",
        ],
    ] {
        let out = env.tend(args).status(2);
        assert_eq!(out.stderr, expected, "{args:?}");
        assert!(!missing.exists(), "{args:?} created the root");
    }
    // `init` creates it, and then every command works.
    let out = env.tend(&["init"]).ok();
    assert!(out.stdout.starts_with("initialized"), "{}", out.stdout);
    env.tend(&["-q", "status"]).ok();
    env.tend(&["tick"]).ok();
    // A file where the root belongs is named.
    let file = env.dir().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = env
        .tend(&["status"])
        .env("TEND_ROOT", &file.display().to_string())
        .status(1);
    assert_eq!(
        out.stderr,
        format!(
            "tend: error: the state root {} is not a directory\n",
            file.display()
        )
    );
}

/// cron runs commands from $HOME: a relative root would name another
/// directory there than in the shell where it was tried.
#[test]
fn a_relative_root_is_refused_with_the_absolute_path_it_meant() {
    let env = TestEnv::new();
    // The binary runs in the temporary directory around the root.
    let meant = env.dir().join("root");
    let out = env.tend(&["--root", "root", "tick"]).status(2);
    assert_eq!(
        out.stderr,
        format!(
            "tend: error: --root root is a relative path: it would name another directory when \
             run from another place (cron runs commands from $HOME); give the absolute path: \
             --root {}\n",
            meant.display()
        )
    );
    let out = env.tend(&["status"]).env("TEND_ROOT", "root").status(2);
    assert!(
        out.stderr
            .starts_with("tend: error: TEND_ROOT=root is a relative path")
            && out.stderr.ends_with(&format!(
                "give the absolute path: TEND_ROOT={}\n",
                meant.display()
            )),
        "{}",
        out.stderr
    );
    assert!(!env.exists("state"), "nothing was written");
}

/// Another user than the root's owner gets one error naming the owner, the
/// user and the fix, not a "Permission denied" per lock file.
#[test]
fn another_user_than_the_roots_owner_gets_one_error_with_the_fix() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();
    let out = env.tend_as("nobody", &["tick"]).status(2);
    assert_eq!(
        out.stderr,
        format!(
            "tend: error: the state root {root} belongs to root, and you are nobody, who may not \
             write in {root}; run it as root (sudo -u root tend tick …), or use a state root of \
             your own (--root DIR)\n",
            root = env.root().display()
        )
    );
    assert_eq!(out.stdout, "");
    // Reading too: the root is its owner's alone, and status, the
    // watchdog, fails.
    let out = env.tend_as("nobody", &["status"]).status(1);
    assert_eq!(
        out.stderr,
        format!(
            "tend: error: the state root {root} belongs to root, and you are nobody, who may not \
             read {root}; run it as root (sudo -u root tend status …), or use a state root of \
             your own (--root DIR)\n",
            root = env.root().display()
        )
    );
    // Where the modes let others read, reading is allowed.
    let chmod = std::process::Command::new("chmod")
        .args(["-R", "go+rX", &env.root().display().to_string()])
        .status()
        .expect("chmod");
    assert!(chmod.success(), "chmod -R go+rX failed");
    let out = env.tend_as("nobody", &["status"]).ok();
    assert!(out.stdout.contains("init"), "{}", out.stdout);
    // A root nobody may not even reach names the directory in the way.
    let private = env.root().join("private");
    std::fs::create_dir(&private).unwrap();
    let inner = private.join("root");
    std::fs::create_dir(&inner).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = env
        .tend_as("nobody", &["status"])
        .env("TEND_ROOT", &inner.display().to_string())
        .status(1);
    assert_eq!(
        out.stderr,
        format!(
            "tend: error: cannot reach the state root {}: {} belongs to root, and nobody may \
             not enter it; run it as root (sudo -u root tend status …), or use a state root of \
             your own (--root DIR)\n",
            inner.display(),
            private.display()
        )
    );
}

/// The superuser writing in a service user's root would leave files that
/// user cannot replace: refused, naming the owner; reading is allowed.
#[test]
fn the_superuser_does_not_write_in_another_users_root() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    let chown = std::process::Command::new("chown")
        .args(["-R", "nobody", &env.root().display().to_string()])
        .status()
        .expect("chown");
    assert!(chown.success(), "chown -R nobody failed");
    let out = env.tend(&["probe", "run"]).status(2);
    assert_eq!(
        out.stderr,
        format!(
            "tend: error: the state root {} belongs to nobody, and you are root: files this run \
             created would belong to root, and nobody could no longer replace them; run it as \
             nobody (sudo -u nobody tend probe run …), or use a state root of your own (--root \
             DIR)\n",
            env.root().display()
        )
    );
    env.tend(&["status"]).ok();
    env.tend(&["--dry-run", "probe", "run"]).ok();
    // As its owner, the same command runs.
    env.tend_as("nobody", &["probe", "run"]).ok();
}

/// `debounce_seconds` takes a duration with a unit as every other duration
/// does, and a plain number as before; so do the other keys named after
/// their unit.
#[test]
fn keys_named_after_their_unit_take_a_duration_too() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[wake]\ndebounce_seconds = \"5m\"\n[promote.router-tuning]\nttl_days = \"2d\"\n",
    );
    env.tend(&["config", "check"]).ok();
    let shown = env.tend(&["config", "show"]).ok().stdout;
    assert!(shown.contains("debounce_seconds = 300\n"), "{shown}");
    assert!(shown.contains("ttl_days = 2\n"), "{shown}");
    env.write("tend.toml", "[wake]\ndebounce_seconds = 90\n");
    let shown = env.tend(&["config", "show"]).ok().stdout;
    assert!(shown.contains("debounce_seconds = 90\n"), "{shown}");
    // Through the environment as well.
    let shown = env
        .tend(&["config", "show"])
        .env("TEND_WAKE_DEBOUNCE_SECONDS", "2m")
        .ok()
        .stdout;
    assert!(shown.contains("debounce_seconds = 120"), "{shown}");
    env.write("tend.toml", "[wake]\ndebounce_seconds = \"90ms\"\n");
    let out = env.tend(&["config", "check"]).status(2);
    assert!(
        out.stderr.contains(
            "wake.debounce_seconds: invalid duration \"90ms\": expected a whole number of seconds"
        ),
        "{}",
        out.stderr
    );
}

/// Every error starts `tend: error:`; a mistyped subcommand, flag or
/// configuration key gets the name it most likely meant; a usage line shows
/// optional flags as optional.
#[test]
fn errors_say_tend_error_and_what_was_meant() {
    let env = TestEnv::new();
    let out = env.tend(&["stauts"]).status(2);
    assert_eq!(
        out.stderr,
        "tend: error: unrecognized subcommand 'stauts'; did you mean 'status'?\n\n\
         Usage: tend [OPTIONS] <COMMAND>\n\nFor more information, try '--help'.\n"
    );
    let out = env.tend(&["alerts", "silnce", "list"]).status(2);
    assert!(
        out.stderr.starts_with(
            "tend: error: unrecognized subcommand 'silnce'; did you mean 'silence'?\n"
        ),
        "{}",
        out.stderr
    );
    // TEND_ROOT is set, and --note given: neither is shown as required.
    let out = env.tend(&["promote", "approve", "--note", "ok"]).status(2);
    assert_eq!(
        out.stderr,
        "tend: error: the following required arguments were not provided:\n  <ID>\n\n\
         Usage: tend promote approve [OPTIONS] <ID>\n\nFor more information, try '--help'.\n"
    );
    let out = env
        .tend(&["promote", "approve", "--not", "ok", "p-router-1"])
        .status(2);
    assert!(
        out.stderr.starts_with(
            "tend: error: unexpected argument '--not' found; did you mean '--note'?\n"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("\nUsage: tend promote approve [OPTIONS] <ID>\n"),
        "{}",
        out.stderr
    );
    // --help is not an error.
    let out = env.tend(&["promote", "approve", "--help"]).ok();
    assert!(
        out.stdout
            .contains("Usage: tend promote approve [OPTIONS] <ID>"),
        "{}",
        out.stdout
    );
    env.write("tend.toml", "[alerts]\nroutes = {}\n");
    let out = env.tend(&["config", "check"]).status(2);
    assert!(
        out.stderr
            .starts_with("tend: error: invalid configuration\n")
            && out
                .stderr
                .contains("alerts.routes: unknown field `routes`; did you mean `route`?"),
        "{}",
        out.stderr
    );
}

/// A cause that stops every step of `tick` is one error before any step,
/// not the same error from each.
#[test]
fn a_file_where_the_root_keeps_a_directory_is_one_error() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    std::fs::remove_dir_all(env.path("locks")).unwrap();
    env.write("locks", "");
    let out = env.tend(&["tick"]).status(2);
    assert_eq!(
        out.stderr,
        format!(
            "tend: error: {} is a regular file, where the state root keeps the commands' locks; \
             move it away (tend creates the directory again)\n",
            env.path("locks").display()
        )
    );
}

/// A probe script without its exec bit is named by `probe run`, `status`
/// and `doctor`; a file that is not a program (notes) is passed over.
#[test]
fn a_probe_without_its_exec_bit_is_named_everywhere() {
    let env = TestEnv::new();
    let script = env.write("probes.d/check_api", "#!/bin/sh\necho 'OK - fine'\n");
    env.write("probes.d/notes.txt", "which checks run where\n");
    let named = format!(
        "probes.d/check_api: skipped: not executable; chmod +x {} to run it",
        script.display()
    );
    let out = env.tend(&["probe", "run"]).status(1);
    assert_eq!(out.stderr, format!("tend: warning: {named}\n"));
    let out = env.tend(&["status"]).ok();
    assert!(
        out.stdout.contains(&format!("\n{named}\n")),
        "{}",
        out.stdout
    );
    let out = env.tend(&["--json", "status"]).ok();
    let summary = out.json_lines().pop().unwrap();
    assert_eq!(summary["skipped_probes"], serde_json::json!([named]));
    let out = env.tend(&["doctor"]).status(1);
    assert!(out.stdout.contains(&named), "{}", out.stdout);
    assert!(!out.stdout.contains("notes.txt"), "{}", out.stdout);
    // Made executable, it runs, and nothing is named any more.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.tend(&["probe", "run"]).ok();
    let out = env.tend(&["status"]).ok();
    assert!(!out.stdout.contains("skipped:"), "{}", out.stdout);
}

/// A plugin that prints a blank line before its text (`check_users`
/// without arguments prints its usage so) is summed up by its first
/// non-blank line.
#[test]
fn a_plugin_output_starting_blank_is_summed_up_by_its_first_text() {
    let env = TestEnv::new();
    env.script(
        "probes.d/check_users",
        "#!/bin/sh\nprintf '\\n\\nUsage:\\ncheck_users -w <users> -c <users>\\n'\nexit 3\n",
    );
    let out = env.tend(&["--json", "probe", "run"]).ok();
    let item = &out.json_lines()[0];
    assert_eq!(item["summary"], "Usage:");
    assert_eq!(item["long_output"], "check_users -w <users> -c <users>");
    // And from standard error when standard output says nothing.
    env.script(
        "probes.d/check_users",
        "#!/bin/sh\nprintf '\\n  \\ncheck_users: missing -w\\n' >&2\nexit 3\n",
    );
    let out = env.tend(&["--json", "probe", "run"]).ok();
    assert_eq!(out.json_lines()[0]["summary"], "check_users: missing -w");
}

/// A dry run is a person asking: it prints every decision it would take,
/// news or not (design §10), where a real run that changes nothing is quiet.
#[test]
fn a_dry_run_prints_every_decision_news_or_not() {
    let env = TestEnv::new();
    env.script(
        "probes.d/down",
        "#!/bin/sh\necho 'CRITICAL - down'\nexit 2\n",
    );
    env.tend(&["probe", "run"]).ok();
    // Still failing as it was: not news.
    let out = env.tend(&["probe", "run"]).ok();
    assert_eq!(out.stdout, "");
    let out = env.tend(&["--dry-run", "probe", "run"]).ok();
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("down") && l.contains("CRITICAL")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("(dry run: nothing written)\n"),
        "{}",
        out.stdout
    );
    // -q still means nothing but errors.
    let out = env.tend(&["-q", "--dry-run", "probe", "run"]).ok();
    assert_eq!(out.stdout, "");
}

/// `init` ends with the three next steps; `config show` shows where each
/// severity's alerts go when the file does not say.
#[test]
fn init_ends_with_the_next_steps_and_config_show_has_the_route() {
    let env = TestEnv::new();
    let out = env.tend(&["init"]).ok();
    let lines = out.stdout_lines();
    let root = env.root().display().to_string();
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    assert!(
        lines[0].starts_with(&format!("initialized {root}: ")),
        "{}",
        out.stdout
    );
    assert_eq!(lines[1], "next steps:");
    assert!(
        lines[2].starts_with(&format!(
            "  1. add a probe: put an executable in {root}/probes.d/"
        )),
        "{}",
        out.stdout
    );
    assert_eq!(
        lines[3],
        format!(
            "  2. run every loop once, then look: tend --root {root} tick; tend --root {root} status"
        )
    );
    assert!(
        lines[4].starts_with("  3. run it every minute (crontab -e): * * * * * /")
            && lines[4].ends_with(&format!("/tend --root {root} tick")),
        "{}",
        out.stdout
    );
    // Only the first time.
    let out = env.tend(&["init"]).ok();
    assert_eq!(
        out.stdout,
        format!("{root} is already initialized; nothing to create\n")
    );

    let shown = env.tend(&["config", "show"]).ok().stdout;
    assert!(
        shown.contains(
            "[alerts.route]\ncritical = \"stdout\" # default: the [operator] channel\n\
             warning = \"stdout\" # default: the [operator] channel\n\
             info = \"stdout\" # default: the [operator] channel, as [email] is not configured\n"
        ),
        "{shown}"
    );
    // What config show prints, config check accepts back.
    env.write("tend.toml", &shown);
    env.tend(&["config", "check"]).ok();
    // A route in the file is shown as written.
    env.write(
        "tend.toml",
        "[alerts.route]\ncritical = \"stdout\"\nwarning = \"stdout\"\ninfo = \"stdout\"\n",
    );
    let shown = env.tend(&["config", "show"]).ok().stdout;
    assert!(
        shown.contains("[alerts.route]\ncritical = \"stdout\"\n"),
        "{shown}"
    );
}
