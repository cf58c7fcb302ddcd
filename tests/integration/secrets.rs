//! Secrets (design §10): the variables that carry them are never read as
//! overrides, every documented example works verbatim with its variables set,
//! and a secret never leaves the process.

use crate::support::TestEnv;
use crate::support::http::{FakeServer, Reply};

/// A plausible value for a variable a `*_env` key names.
fn value_for(var: &str) -> String {
    if var.contains("URL") {
        "http://127.0.0.1:9/hook/0b9c3f4e-example".to_string()
    } else if var.contains("DSN") {
        "postgresql://tend:example-password@127.0.0.1:9/agent".to_string()
    } else {
        format!("{}-example-secret", var.to_ascii_lowercase())
    }
}

/// Every variable a `*_env` key names in `toml` (in comments too: an
/// alternative the comment offers is documented as well).
fn named_variables(toml: &str) -> Vec<String> {
    let mut vars = Vec::new();
    for (at, _) in toml.match_indices("_env = \"") {
        let rest = &toml[at + "_env = \"".len()..];
        if let Some(end) = rest.find('"') {
            vars.push(rest[..end].to_string());
        }
    }
    vars.sort();
    vars.dedup();
    vars
}

/// `toml` with each secret file it names (`token_file = "/etc/tend/slack"`)
/// made, mode 0600, under the test's directory: the one change to an example,
/// since a test cannot write to /etc.
fn with_secret_files(env: &TestEnv, toml: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let mut text = toml.to_string();
    for key in [
        "token_file",
        "api_key_file",
        "username_file",
        "password_file",
        "postgres_file",
    ] {
        let pattern = format!("{key} = \"");
        let mut from = 0;
        while let Some(at) = text[from..].find(&pattern) {
            let start = from + at + pattern.len();
            let Some(len) = text[start..].find('"') else {
                break;
            };
            let documented = text[start..start + len].to_string();
            let name = documented.rsplit('/').next().unwrap_or("secret");
            let made = env.dir().join(format!("{key}-{name}"));
            std::fs::write(&made, format!("{}-example-secret\n", key)).unwrap();
            std::fs::set_permissions(&made, std::fs::Permissions::from_mode(0o600)).unwrap();
            let made = made.display().to_string();
            text.replace_range(start..start + len, &made);
            from = start + made.len();
        }
    }
    text
}

/// Runs the commands that must accept `toml` verbatim with its documented
/// variables set; `what` names the example in a failure.
fn works_verbatim(what: &str, toml: &str) {
    works_verbatim_with(what, toml, &[]);
}

/// [`works_verbatim`] with overrides of its own (`TEND_OPERATOR_CHANNEL`).
fn works_verbatim_with(what: &str, toml: &str, overrides: &[(&str, &str)]) {
    let mut env = TestEnv::new();
    let toml = &with_secret_files(&env, toml);
    env.write("tend.toml", toml);
    for var in named_variables(toml) {
        env.set_env(&var, &value_for(&var));
    }
    for (var, value) in overrides {
        env.set_env(var, value);
    }
    // `status` exits 1 when a command is overdue (an example may expect one
    // that never ran); it must still print every series.
    for (args, codes) in [
        (&["config", "check"][..], &[0][..]),
        (&["config", "show"][..], &[0][..]),
        (&["status", "--format", "prometheus"][..], &[0, 1][..]),
    ] {
        let out = env.tend(args).output();
        assert!(
            codes.contains(&out.code) && !out.stderr.contains("error"),
            "{what}: `tend {}` exited {}\n--- tend.toml\n{toml}\n--- stdout\n{}\n--- stderr\n{}",
            args.join(" "),
            out.code,
            out.stdout,
            out.stderr
        );
    }
}

/// The ```toml blocks of a Markdown text.
fn toml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```toml") => {
                current = Some((n + 1, String::new()))
            }
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn every_readme_example_works_verbatim_with_its_variables_set() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let blocks = toml_blocks(&readme);
    assert!(
        blocks.iter().any(|(_, b)| b.contains("url_env")),
        "the README shows a secret named by a variable"
    );
    // The README builds one tend.toml as it goes (Slack's block, then the
    // alert route that uses it): a block that does not stand alone is tried
    // as the reader has it, on top of every block before it.
    let mut so_far = toml::Table::new();
    for (line, block) in blocks {
        let table: toml::Table = block
            .parse()
            .unwrap_or_else(|e| panic!("README.md line {line}: not TOML: {e}\n{block}"));
        merge(&mut so_far, table);
        if !passes(&block) {
            let cumulative = toml::to_string(&so_far).unwrap();
            works_verbatim(
                &format!("README.md line {line}, after the blocks before it"),
                &cumulative,
            );
        }
    }
}

/// Whether `config check` accepts `toml` with its variables set (no output).
fn passes(toml: &str) -> bool {
    let mut env = TestEnv::new();
    let toml = with_secret_files(&env, toml);
    env.write("tend.toml", &toml);
    for var in named_variables(&toml) {
        env.set_env(&var, &value_for(&var));
    }
    env.tend(&["config", "check"]).output().code == 0
}

/// `next` written over `into`, table by table (a reader adding a block to
/// their tend.toml).
fn merge(into: &mut toml::Table, next: toml::Table) {
    for (key, value) in next {
        match (into.get_mut(&key), value) {
            (Some(toml::Value::Table(old)), toml::Value::Table(new)) => merge(old, new),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// A line of the template that is a commented-out piece of TOML (a table
/// header or `key = value`), not prose.
fn commented_toml(line: &str) -> Option<&str> {
    let text = line.strip_prefix("# ")?;
    if text.starts_with('[') {
        return Some(text);
    }
    let key_end = text.find(" =")?;
    let key = &text[..key_end];
    let is_key = !key.is_empty()
        && (key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            || (key.starts_with('"') && key.ends_with('"')));
    is_key.then_some(text)
}

#[test]
fn the_init_template_works_as_written_and_uncommented() {
    let env = TestEnv::new();
    env.tend(&["init"]).ok();
    let template = env.read("tend.toml");
    works_verbatim("tend init's tend.toml", &template);
    let uncommented: String = template
        .lines()
        .map(|line| commented_toml(line).unwrap_or(line))
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(
        uncommented.contains("\n[heartbeat]") && uncommented.contains("\nurl_env = "),
        "{uncommented}"
    );
    // Each channel the template configures, in use as the operator's.
    for channel in ["stdout", "slack", "webhook"] {
        works_verbatim_with(
            &format!("tend init's tend.toml, every example uncommented, channel {channel}"),
            &uncommented,
            &[("TEND_OPERATOR_CHANNEL", channel)],
        );
    }
}

#[test]
fn a_secret_carrier_named_like_an_override_is_not_one() {
    let mut env = TestEnv::new();
    env.write(
        "tend.toml",
        "[operator]\nchannel = \"webhook\"\n[webhook]\nurl_env = \"TEND_WEBHOOK_URL\"\n\
         [heartbeat]\nurl_env = \"TEND_HEARTBEAT_URL\"\n",
    );
    env.set_env("TEND_WEBHOOK_URL", "http://127.0.0.1:9/hook/abc");
    env.set_env("TEND_HEARTBEAT_URL", "http://127.0.0.1:9/ping/abc");
    env.set_env("TEND_SLACK_TOKEN", "xoxb-not-a-key");
    let out = env.tend(&["config", "check"]).ok();
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

/// A root with one probe that cannot start (so `tick` exits 1) and a heartbeat
/// whose URL is `url`, given by `TEND_HEARTBEAT_URL`.
fn failing_tick_with_heartbeat(url: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.script("probes.d/web", "#!/bin/sh\necho 'OK - up'\n");
    env.script("probes.d/Bad Name", "#!/bin/sh\necho OK\n");
    env.write(
        "tend.toml",
        "[heartbeat]\nurl_env = \"TEND_HEARTBEAT_URL\"\ntimeout = \"5s\"\n",
    );
    env.set_env("TEND_HEARTBEAT_URL", url);
    env
}

#[test]
fn a_failed_tick_pings_its_exit_code_in_the_path_before_the_query() {
    let server = FakeServer::start(Reply::text(200, "OK"));
    for (configured, requested) in [
        ("/ping/abc?create=1", "/ping/abc/1?create=1"),
        ("/ping/abc/?create=1", "/ping/abc/1?create=1"),
        ("/ping/abc#frag", "/ping/abc/1"),
    ] {
        let env = failing_tick_with_heartbeat(&format!("{}{configured}", server.url()));
        env.tend(&["tick"]).status(1);
        let last = server.requests().pop().expect("a ping");
        assert_eq!(last.path, requested, "{configured}");
    }
}

/// Every way a ping URL's secret can appear in what a run leaves behind.
fn assert_nothing_leaks(env: &TestEnv, out: &crate::support::Output, secrets: &[&str]) {
    let mut left = format!("{}\n{}", out.stdout, out.stderr);
    for file in ["state/runs/tick.json"] {
        if env.exists(file) {
            left.push_str(&env.read(file));
        }
    }
    for row in env.audit_rows() {
        left.push_str(&row.to_string());
    }
    for secret in secrets {
        assert!(!left.contains(secret), "{secret:?} leaked:\n{left}");
    }
}

#[test]
fn a_heartbeat_server_echoing_the_request_leaks_no_part_of_the_url() {
    let server = FakeServer::start(Reply::echo(404));
    let port = server.addr().port();
    let uuid = "0b9c3f4e-5d6a-4b7c-8d9e-0f1a2b3c4d5e";
    for url in [
        format!("http://127.0.0.1:{port}/ping/{uuid}"),
        format!("http://127.0.0.1:{port}/ping/{uuid}/"),
        format!("http://LOCALHOST:{port}/ping/{uuid}"),
        format!("http://127.0.0.1:{port}/ping/{uuid}?create=1&key=qs-s3cret-42"),
    ] {
        let env = failing_tick_with_heartbeat(&url);
        let out = env.tend(&["tick"]).status(1);
        assert!(
            out.stderr.contains("heartbeat ping failed (http_404)"),
            "{url}: {}",
            out.stderr
        );
        assert_nothing_leaks(&env, &out, &[uuid, "qs-s3cret-42"]);
        let out = env.tend(&["tick", "--json"]).status(1);
        assert_nothing_leaks(&env, &out, &[uuid, "qs-s3cret-42"]);
    }
    assert!(
        server.requests().iter().all(|r| r.path.contains(uuid)),
        "the pings reached the server"
    );
}

#[test]
fn a_heartbeat_url_with_user_information_leaks_neither_password_nor_basic_auth() {
    let server = FakeServer::start(Reply::echo(401));
    let port = server.addr().port();
    let url = format!("http://hc-user:pa55-w0rd-xyz@127.0.0.1:{port}/ping/check-8f3a2b1c");
    let env = failing_tick_with_heartbeat(&url);
    let out = env.tend(&["tick"]).status(1);
    let sent = server.requests().pop().expect("a ping");
    let authorization = sent.header("Authorization").expect("Basic auth sent");
    let basic = authorization.trim_start_matches("Basic ").to_string();
    assert_nothing_leaks(
        &env,
        &out,
        &["pa55-w0rd-xyz", &basic, "check-8f3a2b1c", "hc-user:pa55"],
    );
    // Nothing listening: the client's own error quotes the URL.
    drop(server);
    let out = env.tend(&["tick"]).status(1);
    assert!(
        out.stderr.contains("heartbeat ping failed (connect)"),
        "{}",
        out.stderr
    );
    assert_nothing_leaks(&env, &out, &["pa55-w0rd-xyz", "check-8f3a2b1c"]);
}

// ------------------------------------------------------------ missing secrets

/// A root whose one probe is critical, with `toml` appended to a
/// configuration that dispatches a wake on its first sighting.
fn critical_root(toml: &str) -> TestEnv {
    let env = TestEnv::new();
    env.script(
        "probes.d/web",
        "#!/bin/sh\necho 'CRITICAL - web down'\nexit 2\n",
    );
    env.write(
        "tend.toml",
        format!("[wake]\nconsecutive_required = 1\n{toml}"),
    );
    env
}

/// Ticks until the operator message went out (the first tick stamps the
/// wake cursor), returning every run's output.
fn tick_until_dispatched(env: &TestEnv) -> Vec<crate::support::Output> {
    let mut outs = Vec::new();
    for _ in 0..3 {
        outs.push(env.tend(&["tick"]).output());
        if !env.audit_kind("probe.investigation_completed").is_empty() {
            break;
        }
    }
    outs
}

fn failed_sends(env: &TestEnv) -> Vec<serde_json::Value> {
    env.audit_kind("notification.dispatched")
        .into_iter()
        .filter(|r| r["details"]["status"] == "failed")
        .collect()
}

/// The commands that send nothing, each of which must work without the
/// secrets (`doctor` and `config check` report them instead).
fn assert_read_only_commands_need_no_secret(env: &TestEnv, named: &str) {
    for args in [
        &["status"][..],
        &["status", "--format", "prometheus"][..],
        &["status", "--json"][..],
        &["config", "show"][..],
        &["alerts", "list"][..],
        &["promote", "list"][..],
        &["watchers", "list"][..],
        &["audit", "tail", "-n", "1"][..],
    ] {
        let out = env.tend(args).output();
        assert!(
            out.code == 0 && !out.stdout.is_empty() && !out.stderr.contains(named),
            "`tend {}` exited {}\n--- stdout\n{}\n--- stderr\n{}",
            args.join(" "),
            out.code,
            out.stdout,
            out.stderr
        );
    }
    let prometheus = env.tend(&["status", "--format", "prometheus"]).ok();
    assert!(
        prometheus
            .stdout
            .contains("tend_last_run_timestamp_seconds{command=\"probe run\"}"),
        "{}",
        prometheus.stdout
    );
    let doctor = env.tend(&["doctor"]).output();
    assert!(
        doctor.stdout.contains(named) || doctor.stderr.contains(named),
        "doctor names {named}:\n{}\n{}",
        doctor.stdout,
        doctor.stderr
    );
    let check = env.tend(&["config", "check"]).status(2);
    assert!(check.stderr.contains(named), "{}", check.stderr);
}

#[test]
fn a_missing_slack_token_fails_its_sends_and_stops_nothing_else() {
    let slack = FakeServer::start(crate::support::fakes::slack_ok());
    let env = critical_root(&format!(
        "[operator]\nchannel = \"slack\"\n[slack]\ntoken_env = \"SLACK_BOT_TOKEN\"\nuser_id = \"U0123456\"\napi_base = \"{}/api\"\n",
        slack.url()
    ));
    let outs = tick_until_dispatched(&env);
    // The probe ran and was recorded at every tick.
    assert_eq!(env.audit_kind("probe.observed").len(), outs.len());
    // The alert and the operator message: failed sends, nothing reached Slack.
    let failed = failed_sends(&env);
    assert!(failed.len() >= 2, "{failed:#?}");
    for row in &failed {
        assert_eq!(row["details"]["error"], "secret_unreadable", "{row}");
    }
    assert_eq!(slack.request_count(), 0);
    // Each run that needed the token exits 1 and names it once.
    let mut needed = 0;
    for out in &outs {
        let named = out.stderr.matches("SLACK_BOT_TOKEN").count();
        if out.stderr.contains("secret_unreadable") || out.stderr.contains("slack.token_env") {
            needed += 1;
            assert_eq!(out.code, 1, "{}", out.stderr);
            assert_eq!(named, 1, "{}", out.stderr);
        } else {
            assert_eq!(named, 0, "{}", out.stderr);
        }
    }
    assert!(needed >= 1);
    // No retry storm: the failed messages count as sent.
    let before = env.audit_kind("notification.dispatched").len();
    env.tend(&["tick"]).output();
    assert_eq!(env.audit_kind("notification.dispatched").len(), before);
    assert_read_only_commands_need_no_secret(&env, "SLACK_BOT_TOKEN");
    // With the token, the next message goes out.
    let mut env = env;
    env.set_env("SLACK_BOT_TOKEN", "xoxb-now-set-4242");
    env.tend(&["alerts", "test", "--channel", "slack"]).ok();
    assert_eq!(slack.request_count(), 1);
}

#[test]
fn an_engine_without_its_key_sends_the_fallback() {
    let engine = FakeServer::start(crate::support::fakes::openai_ok("Looks fine.", 10, 5));
    let env = critical_root(&format!(
        "[engine]\nkind = \"openai\"\nbase_url = \"{}/v1\"\nmodel = \"m\"\napi_key_env = \"OPENAI_API_KEY\"\n",
        engine.url()
    ));
    let outs = tick_until_dispatched(&env);
    let last = outs.last().unwrap();
    assert_eq!(last.code, 1, "{}", last.stderr);
    assert!(
        last.stdout.contains(
            "I was unable to investigate — engine returned: engine_exception:secret_unreadable"
        ),
        "{}",
        last.stdout
    );
    assert_eq!(
        last.stderr.matches("OPENAI_API_KEY").count(),
        1,
        "{}",
        last.stderr
    );
    assert_eq!(engine.request_count(), 0);
    let done = env.audit_kind("probe.investigation_completed");
    assert_eq!(
        done[0]["details"]["engine_status"],
        "engine_exception:secret_unreadable"
    );
    assert_read_only_commands_need_no_secret(&env, "OPENAI_API_KEY");
}

#[test]
fn unreadable_webhook_and_email_secrets_fail_only_their_routes() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = critical_root(
        "[alerts]\nroute = { critical = \"webhook\", warning = \"stdout\", info = \"stdout\" }\n\
         [webhook]\nurl_env = \"TEND_WEBHOOK_URL\"\n",
    );
    // The webhook's variable is not set; the probe's alert goes there.
    let out = env.tend(&["tick"]).status(1);
    assert_eq!(
        out.stderr.matches("TEND_WEBHOOK_URL").count(),
        1,
        "{}",
        out.stderr
    );
    let failed = failed_sends(&env);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["details"]["channel"], "webhook");
    assert_eq!(failed[0]["details"]["error"], "secret_unreadable");
    // An SMTP password file others can read is refused, naming the file.
    let password = env.dir().join("smtp-password");
    std::fs::write(&password, "smtp-pw-secret-99\n").unwrap();
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.script(
        "probes.d/web",
        "#!/bin/sh\necho 'WARNING - web slow'\nexit 1\n",
    );
    env.write(
        "tend.toml",
        format!(
            "[alerts]\nroute = {{ critical = \"webhook\", warning = \"email\", info = \"stdout\" }}\n\
             [webhook]\nurl_env = \"TEND_WEBHOOK_URL\"\n\
             [email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = 9\nfrom = \"tend@example.com\"\nto = [\"ops@example.com\"]\n\
             username_env = \"SMTP_USER\"\npassword_file = \"{}\"\n",
            password.display()
        ),
    );
    env.set_env("SMTP_USER", "tend-smtp-user");
    let out = env.tend(&["tick"]).status(1);
    let shown = password.display().to_string();
    // One line names the file (with the chmod that fixes it).
    let naming = out.stderr.lines().filter(|l| l.contains(&shown)).count();
    assert_eq!(naming, 1, "{}", out.stderr);
    assert!(out.stderr.contains("chmod 600"), "{}", out.stderr);
    assert!(!out.stderr.contains("smtp-pw-secret-99"), "{}", out.stderr);
    let failed = failed_sends(&env);
    assert_eq!(
        failed.last().unwrap()["details"]["channel"],
        "email",
        "{failed:#?}"
    );
    assert_eq!(
        failed.last().unwrap()["details"]["error"],
        "secret_unreadable"
    );
    assert_eq!(env.audit_kind("probe.observed").len(), 2);
}

#[test]
fn a_missing_heartbeat_variable_fails_the_heartbeat_not_the_tick() {
    let env = critical_root("[heartbeat]\nurl_env = \"TEND_HEARTBEAT_URL\"\n");
    let out = env.tend(&["tick", "--json"]).status(1);
    assert_eq!(env.audit_kind("probe.observed").len(), 1);
    assert_eq!(
        out.stderr.matches("TEND_HEARTBEAT_URL").count(),
        1,
        "{}",
        out.stderr
    );
    let summary = out.json_lines().pop().unwrap();
    assert_eq!(
        summary["heartbeat"]["error"], "secret_unreadable",
        "{summary}"
    );
    assert_read_only_commands_need_no_secret(&env, "TEND_HEARTBEAT_URL");
}
