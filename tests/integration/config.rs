//! Configuration through the binary: every problem exits 2 and is named.

use std::os::unix::fs::PermissionsExt;

use crate::support::TestEnv;

fn check(env: &TestEnv, toml: &str) -> crate::support::Output {
    env.write("tend.toml", toml);
    env.tend(&["config", "check"]).status(2)
}

#[test]
fn each_problem_exits_2_naming_file_key_and_expectation() {
    let env = TestEnv::new();
    let cases = [
        (
            "[wake]\ndebounce_secs = 60\n",
            vec![
                "tend.toml (line 2)",
                "wake.debounce_secs",
                "unknown field",
                "debounce_seconds",
            ],
        ),
        (
            "[wake]\nconsecutive_required = \"two\"\n",
            vec!["wake.consecutive_required", "invalid type"],
        ),
        (
            "[probes]\ntimeout = \"10 sec\"\n",
            vec!["probes.timeout", "expected a number with a unit"],
        ),
        (
            "[engine]\nrequest_timeout = \"0s\"\n",
            vec!["engine.request_timeout", "out of range"],
        ),
        (
            "[engine]\nrequest_timeout = \"601s\"\n",
            vec!["engine.request_timeout", "at most 10m"],
        ),
        (
            "[engine]\nkind = \"openai\"\nmodel = \"x\"\n",
            vec!["engine.base_url", "explicit base_url"],
        ),
        (
            "[operator]\nchannel = \"slack\"\n",
            vec!["slack.token_env", "no credentials"],
        ),
    ];
    for (toml, needles) in cases {
        let out = check(&env, toml);
        for needle in needles {
            assert!(
                out.stderr.contains(needle),
                "{toml:?}: missing {needle:?} in\n{}",
                out.stderr
            );
        }
        assert!(
            out.stderr.starts_with("tend: error: invalid configuration"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stdout, "");
    }
}

#[test]
fn secret_file_with_mode_0644_is_refused_without_showing_it() {
    let env = TestEnv::new();
    let secret = env.write("../slack.token", "xoxb-very-secret\n");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let toml = format!(
        "[operator]\nchannel = \"slack\"\n[slack]\ntoken_file = \"{}\"\nuser_id = \"U1\"\n",
        secret.display()
    );
    let out = check(&env, &toml);
    assert!(
        out.stderr.contains("slack.token_file") && out.stderr.contains("mode 0644"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("very-secret"));
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    env.tend(&["config", "check"]).ok();
    let shown = env.tend(&["config", "show"]).ok();
    assert!(
        !shown.stdout.contains("very-secret") && shown.stdout.contains("token_file"),
        "{}",
        shown.stdout
    );
}

#[test]
fn environment_overrides_and_validation_happen_before_side_effects() {
    let env = TestEnv::new();
    env.write("tend.toml", "[wake]\ndebounce_seconds = 30\n");
    let out = env
        .tend(&["--json", "config", "show"])
        .env("TEND_WAKE_DEBOUNCE_SECONDS", "0")
        .ok();
    assert_eq!(out.json_lines()[0]["wake"]["debounce_seconds"], 0);
    let out = env
        .tend(&["config", "check"])
        .env("TEND_WAKE_DEBOUNCE_SECONDS", "never")
        .status(2);
    assert!(
        out.stderr
            .contains("environment variable TEND_WAKE_DEBOUNCE_SECONDS"),
        "{}",
        out.stderr
    );
    // A command refused for its configuration leaves no trace.
    let out = env
        .tend(&[
            "audit",
            "emit",
            "--kind",
            "probe.observed",
            "--details",
            "{\"probe\":\"a\",\"status\":\"ok\"}",
        ])
        .env("TEND_PROBES_TIMEOUT", "0s")
        .status(2);
    assert!(out.stderr.contains("probes.timeout"), "{}", out.stderr);
    assert!(!env.exists("audit") && !env.exists("state") && !env.exists("locks"));
}

#[test]
fn explicit_config_file_and_defaults() {
    let env = TestEnv::new();
    let out = env.tend(&["config", "check"]).ok();
    assert!(out.stdout.contains("built-in defaults"), "{}", out.stdout);
    let other = env.write("../other.toml", "[alerts]\nburst_limit = 9\n");
    let out = env
        .tend(&[
            "--config",
            other.to_str().unwrap(),
            "--json",
            "config",
            "show",
        ])
        .ok();
    assert_eq!(out.json_lines()[0]["alerts"]["burst_limit"], 9);
    let out = env
        .tend(&["--config", "/nonexistent/tend.toml", "config", "check"])
        .status(2);
    assert!(
        out.stderr.contains("/nonexistent/tend.toml"),
        "{}",
        out.stderr
    );
}

#[test]
fn show_prints_effective_values_marks_defaults_and_reads_back() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[alerts]\ncooldown = \"1h\"\n\n[[probe]]\nname = \"api\"\nkind = \"tcp\"\naddress = \"127.0.0.1:9\"\n",
    );
    let shown = env
        .tend(&["config", "show"])
        .env("TEND_WAKE_DEBOUNCE_SECONDS", "30")
        .ok()
        .stdout;
    let lines: Vec<&str> = shown.lines().collect();
    for expected in [
        // From the file and the environment: no mark.
        "cooldown = \"1h\"",
        "debounce_seconds = 30",
        "name = \"api\"",
        // Defaults, marked.
        "burst_limit = 5 # default",
        "consecutive_required = 2 # default",
        "enabled = true # default",
        // status applies these though the file has no [status] at all.
        "\"probe run\" = \"5m\" # default (applies once the command has run)",
    ] {
        assert!(lines.contains(&expected), "{expected:?} not in:\n{shown}");
    }
    assert!(shown.contains("[status.expect]"), "{shown}");
    // The output is a configuration `config check` accepts, with the same values.
    env.write("shown.toml", &shown);
    let config = env.path("shown.toml");
    env.tend(&["--config", config.to_str().unwrap(), "config", "check"])
        .ok();
    let again = env
        .tend(&["--config", config.to_str().unwrap(), "config", "show"])
        .ok()
        .stdout;
    assert!(again.contains("debounce_seconds = 30\n"), "{again}");
    assert!(again.contains("cooldown = \"1h\"\n"), "{again}");
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let env = TestEnv::new();
    let out = env
        .tend(&["config", "check"])
        .env("TEND_WAKE_DEBOUNCE_SECONDS", "ten")
        .status(2);
    assert!(
        out.stderr
            .contains("environment variable TEND_WAKE_DEBOUNCE_SECONDS")
            && out.stderr.contains("expected a whole number"),
        "{}",
        out.stderr
    );
    let out = env.tend(&["status"]).env("TEND_NOW", "yesterday").status(2);
    assert!(
        out.stderr
            .contains("environment variable TEND_NOW: invalid timestamp \"yesterday\""),
        "{}",
        out.stderr
    );
    // --now wins over the variable.
    env.tend(&["status", "--now", "2026-05-24T08:00:00Z"])
        .env("TEND_NOW", "yesterday")
        .ok();
}

#[test]
fn validation_errors_name_the_probe() {
    let env = TestEnv::new();
    env.write(
        "tend.toml",
        "[[probe]]\nname = \"api\"\nkind = \"http\"\n\n[[probe]]\nname = \"db\"\nkind = \"tcp\"\naddress = \"db:5432\"\ntimeout = 5\n",
    );
    let out = env.tend(&["config", "check"]).status(2);
    assert!(
        out.stderr.contains("probe \"db\".timeout"),
        "{}",
        out.stderr
    );
    env.write("tend.toml", "[[probe]]\nname = \"api\"\nkind = \"http\"\n");
    let out = env.tend(&["config", "check"]).status(2);
    assert!(
        out.stderr
            .contains("probe \"api\".url: an http probe needs a url"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("probe[0]"), "{}", out.stderr);
}
