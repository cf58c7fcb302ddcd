use std::os::unix::fs::PermissionsExt;

use super::*;

fn load_text(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tend.toml"), text).unwrap();
    let env: Env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    load(dir.path(), None, &env)
}

fn problem(text: &str, env: &[(&str, &str)]) -> String {
    load_text(text, env)
        .expect_err("should be invalid")
        .to_string()
}

#[test]
fn no_file_means_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(dir.path(), None, &Env::new()).unwrap();
    assert_eq!(config.wake.debounce_seconds, 600);
    assert_eq!(config.operator.channel, ChannelKind::Stdout);
    assert_eq!(config.engine.kind, EngineKind::None);
    assert!(config.source.is_none());
    assert_eq!(config.channels_in_use(), [ChannelKind::Stdout]);
}

#[test]
fn explicit_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(dir.path(), Some(&dir.path().join("nope.toml")), &Env::new()).unwrap_err();
    assert!(err.to_string().contains("nope.toml"), "{err}");
}

#[test]
fn unknown_key_names_file_line_key_and_choices() {
    let err = problem("[wake]\ndebounce_secs = 5\n", &[]);
    assert!(err.contains("tend.toml (line 2)"), "{err}");
    assert!(err.contains("wake.debounce_secs"), "{err}");
    assert!(
        err.contains(
            "unknown field `debounce_secs`; did you mean `debounce_seconds`? Expected one of"
        ),
        "{err}"
    );
    let err = problem("[waek]\n", &[]);
    assert!(
        err.contains("unknown field `waek`; did you mean `wake`? Expected one of"),
        "{err}"
    );
    let err = problem("[alerts]\nroutes = {}\n", &[]);
    assert!(err.contains("did you mean `route`?"), "{err}");
    let err = problem("[alerts]\ninfo_mode = \"digets\"\n", &[]);
    assert!(err.contains("did you mean `digest`?"), "{err}");
    // Nothing close: no guess.
    let err = problem("[wake]\nfrobnicate = 1\n", &[]);
    assert!(
        err.contains("unknown field `frobnicate`, expected one of")
            && !err.contains("did you mean"),
        "{err}"
    );
}

#[test]
fn wrong_type_and_bad_duration() {
    let err = problem("[wake]\ndebounce_seconds = \"ten\"\n", &[]);
    assert!(
        err.contains("wake.debounce_seconds") && err.contains("invalid value \"ten\""),
        "{err}"
    );
    let err = problem("[wake]\ndebounce_seconds = true\n", &[]);
    assert!(
        err.contains("wake.debounce_seconds") && err.contains("invalid type"),
        "{err}"
    );
    let err = problem("[probes]\ntimeout = \"10 seconds\"\n", &[]);
    assert!(
        err.contains("probes.timeout") && err.contains("expected a number with a unit"),
        "{err}"
    );
    let err = problem(
        "[[probe]]\nname = \"a\"\ncommand = [\"x\"]\ntimeout = 5\n",
        &[],
    );
    assert!(err.contains("probe \"a\".timeout"), "{err}");
}

#[test]
fn out_of_range_numbers() {
    for (text, key) in [
        ("[probes]\ntimeout = \"0s\"\n", "probes.timeout"),
        ("[probes]\ntimeout = \"601s\"\n", "probes.timeout"),
        (
            "[engine]\nrequest_timeout = \"11m\"\n",
            "engine.request_timeout",
        ),
        (
            "[wake]\nconsecutive_required = 0\n",
            "wake.consecutive_required",
        ),
        (
            "[promote.router-tuning]\nthreshold = 1.5\n",
            "promote.router-tuning.threshold",
        ),
        ("[alerts]\nburst_limit = 0\n", "alerts.burst_limit"),
    ] {
        let err = problem(text, &[]);
        assert!(err.contains(key), "{text}: {err}");
    }
    assert!(load_text("[probes]\ntimeout = \"600s\"\n", &[]).is_ok());
}

#[test]
fn env_overrides_file_and_is_named_in_errors() {
    let config = load_text(
        "[wake]\ndebounce_seconds = 30\n",
        &[("TEND_WAKE_DEBOUNCE_SECONDS", "0")],
    )
    .unwrap();
    assert_eq!(config.wake.debounce_seconds, 0);
    let config = load_text(
        "",
        &[
            ("TEND_WAKE_BYPASS_CRITICAL", "true"),
            ("TEND_PROBES_TIMEOUT", "5s"),
            (
                "TEND_ALERTS_ROUTE",
                "{ critical = \"stdout\", warning = \"stdout\", info = \"stdout\" }",
            ),
            ("TEND_ROOT", "/ignored"),
            ("TEND_SOMETHING_ELSE", "ignored: not a section"),
        ],
    )
    .unwrap();
    assert!(config.wake.bypass_critical);
    assert_eq!(config.probes.timeout, Duration::from_secs(5));
    assert_eq!(config.alert_route().info, ChannelKind::Stdout);
    let err = problem("", &[("TEND_WAKE_DEBOUNCE_SECONDS", "soon")]);
    assert!(
        err.contains("environment variable TEND_WAKE_DEBOUNCE_SECONDS"),
        "{err}"
    );
    let err = problem("", &[("TEND_WAKE_DEBOUNCE_SECS", "1")]);
    assert!(
        err.contains("TEND_WAKE_DEBOUNCE_SECS") && err.contains("unknown field"),
        "{err}"
    );
    let err = problem("", &[("TEND_PROBES_TIMEOUT", "0s")]);
    assert!(
        err.contains("environment variable TEND_PROBES_TIMEOUT: probes.timeout"),
        "{err}"
    );
}

#[test]
fn a_variable_that_carries_a_secret_is_never_an_override() {
    // Named by a `*_env` key: the template's own `url_env = "TEND_WEBHOOK_URL"`.
    let config = load_text(
        "[operator]\nchannel = \"webhook\"\n[webhook]\nurl_env = \"TEND_WEBHOOK_URL\"\n\
         [heartbeat]\nurl_env = \"TEND_HEARTBEAT_URL\"\n",
        &[
            ("TEND_WEBHOOK_URL", "http://127.0.0.1:9/hook"),
            ("TEND_HEARTBEAT_URL", "http://127.0.0.1:9/ping/abc"),
        ],
    )
    .unwrap();
    assert_eq!(config.webhook.url, None);
    assert_eq!(config.heartbeat.url, None);
    // Named through the overlay itself.
    let config = load_text(
        "",
        &[
            ("TEND_HEARTBEAT_URL_ENV", "TEND_HEARTBEAT_URL"),
            ("TEND_HEARTBEAT_URL", "http://127.0.0.1:9/ping/abc"),
        ],
    )
    .unwrap();
    assert_eq!(
        config.heartbeat.url_env.as_deref(),
        Some("TEND_HEARTBEAT_URL")
    );
    assert_eq!(config.heartbeat.url, None);
    // Named after a secret that has no key of its own.
    for var in [
        "TEND_SLACK_TOKEN",
        "TEND_ENGINE_API_KEY",
        "TEND_EMAIL_PASSWORD",
        "TEND_EMAIL_USERNAME",
    ] {
        load_text("", &[(var, "xoxb-from-env")]).unwrap_or_else(|e| panic!("{var}: {e}"));
    }
    // Not a carrier: still the override of `webhook.url`, and a typo is still
    // an unknown key.
    let config = load_text("", &[("TEND_WEBHOOK_URL", "http://127.0.0.1:9/hook")]).unwrap();
    assert_eq!(
        config.webhook.url.as_deref(),
        Some("http://127.0.0.1:9/hook")
    );
    let err = problem("", &[("TEND_SLACK_TOKENS", "x")]);
    assert!(err.contains("unknown field"), "{err}");
}

#[test]
fn http_engine_needs_an_explicit_base_url() {
    let err = problem("[engine]\nkind = \"openai\"\nmodel = \"m\"\n", &[]);
    assert!(
        err.contains("engine.base_url") && err.contains("no default endpoint"),
        "{err}"
    );
    let ok = load_text(
        "[engine]\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1:1/v1\"\n",
        &[],
    );
    assert!(ok.is_ok());
    let err = problem(
        "[engine]\nkind = \"anthropic\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1:1\"\n",
        &[],
    );
    assert!(err.contains("engine.api_key_env"), "{err}");
}

#[test]
fn channel_in_use_without_credentials() {
    let err = problem("[operator]\nchannel = \"slack\"\n", &[]);
    assert!(
        err.contains("slack.token_env") && err.contains("no credentials"),
        "{err}"
    );
    assert!(err.contains("slack.user_id"), "{err}");
    let err = problem(
        "[operator]\nchannel = \"slack\"\n[slack]\ntoken_env = \"T\"\ntoken_file = \"/t\"\nuser_id = \"U1\"\n",
        &[],
    );
    assert!(
        err.contains("set slack.token_env or slack.token_file, not both"),
        "{err}"
    );
    // TEND_SLACK_TOKEN is not read unless named: the error says how.
    let err = problem(
        "[operator]\nchannel = \"slack\"\n",
        &[("TEND_SLACK_TOKEN", "xoxb-2")],
    );
    assert!(err.contains("token_env = \"TEND_SLACK_TOKEN\""), "{err}");
    // A variable that is not set is the channel's failure when used, not the
    // configuration's: loading reads no secret.
    let text = "[operator]\nchannel = \"slack\"\n[slack]\ntoken_env = \"T\"\nuser_id = \"U1\"\n";
    let config = load_text(text, &[]).unwrap();
    let err = config.slack_token().unwrap_err();
    assert_eq!(
        err.to_string(),
        "slack.token_env: environment variable T is not set"
    );
    assert_eq!(config.secret_failures(), [err]);
    assert_eq!(config.unreadable_secrets().len(), 1);
    let config = load_text(text, &[("T", "xoxb-1")]).unwrap();
    assert!(config.unreadable_secrets().is_empty());
    assert_eq!(config.slack_token().unwrap().unwrap().expose(), "xoxb-1");
    assert!(config.secret_failures().is_empty());
    assert!(!format!("{config:?}").contains("xoxb-1"));
    let err = problem(
        "[alerts]\nroute = { critical = \"email\", warning = \"stdout\", info = \"stdout\" }\n",
        &[],
    );
    assert!(
        err.contains("email.smtp_host") && err.contains("email.to"),
        "{err}"
    );
    let err = problem("[operator]\nchannel = \"webhook\"\n", &[]);
    assert!(err.contains("webhook.url_env"), "{err}");
}

#[test]
fn secret_file_readable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("token");
    std::fs::write(&secret, "xoxb-secret\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let text = format!(
        "[operator]\nchannel = \"slack\"\n[slack]\ntoken_file = \"{}\"\nuser_id = \"U1\"\n",
        secret.display()
    );
    let err = load_text(&text, &[])
        .unwrap()
        .slack_token()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("slack.token_file") && err.contains("0644") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains("xoxb-secret"));
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = load_text(&text, &[]).unwrap();
    assert_eq!(
        config.slack_token().unwrap().unwrap().expose(),
        "xoxb-secret"
    );
}

#[test]
fn probes_are_checked_per_kind_and_unique() {
    let err = problem("[[probe]]\nname = \"a\"\ncommand = []\n", &[]);
    assert!(err.contains("probe \"a\".command"), "{err}");
    let err = problem(
        "[[probe]]\nname = \"a\"\ncommand = [\"x\"]\n[[probe]]\nname = \"a\"\ncommand = [\"y\"]\n",
        &[],
    );
    assert!(
        err.contains("probe \"a\".name") && err.contains("unique"),
        "{err}"
    );
    let err = problem("[[probe]]\nname = \"a\"\nkind = \"smtp\"\n", &[]);
    assert!(
        err.contains("unknown variant") && err.contains("exec"),
        "{err}"
    );
    let err = problem(
        "[[probe]]\nname = \"Bad Name\"\nkind = \"tcp\"\naddress = \"h\"\n",
        &[],
    );
    assert!(
        err.contains("probe \"Bad Name\".name") && err.contains("probe \"Bad Name\".address"),
        "{err}"
    );
    let err = problem(
        "[[probe]]\nname = \"w\"\nkind = \"http\"\nurl = \"ftp://x\"\n",
        &[],
    );
    assert!(err.contains("probe \"w\".url"), "{err}");
}

#[test]
fn watchers_choice_belongs_to_one_context() {
    let watcher = |name: &str, context: &str| {
        format!(
            "[[watcher]]\nname = \"{name}\"\nsource = {{ file = \"e.jsonl\" }}\nid_field = \"id\"\nstatus_field = \"s\"\nstatuses = [\"Held\"]\nsince_field = \"t\"\nstale_after = \"72h\"\ncontext = \"{context}\"\nchoice = \"Stuck\"\ndecided_by = \"agent:x\"\nnamespace = \"8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5{name}\"\n"
        )
    };
    assert!(
        load_text(
            &format!("{}{}", watcher("a", "C1"), watcher("b", "C1")),
            &[]
        )
        .is_ok()
    );
    let err = problem(
        &format!("{}{}", watcher("a", "C1"), watcher("b", "C2")),
        &[],
    );
    assert!(
        err.contains("watcher \"b\".choice") && err.contains("\"C1\""),
        "{err}"
    );
}

#[test]
fn probe_envelopes_never_auto_apply_and_status_keys_are_known() {
    let err = problem("[promote.probe-envelopes]\non_approve = [\"sh\"]\n", &[]);
    assert!(err.contains("promote.probe-envelopes.on_approve"), "{err}");
    let err = problem("[status]\nexpect = { \"probe runs\" = \"5m\" }\n", &[]);
    assert!(err.contains("status.expect.probe runs"), "{err}");
}

#[test]
fn show_redacts_webhook_urls_and_credential_headers() {
    let config = load_text(
        "[operator]\nchannel = \"webhook\"\n[webhook]\nurl = \"https://hooks.example.com/T000/SECRET\"\n[[probe]]\nname = \"api\"\nkind = \"http\"\nurl = \"https://user:pw@example.com/h\"\nheaders = { Authorization = \"Bearer abc\", Accept = \"text/plain\" }\n",
        &[],
    )
    .unwrap();
    let text = config.to_redacted_toml();
    assert!(
        !text.contains("SECRET") && !text.contains("Bearer abc") && !text.contains("user:pw"),
        "{text}"
    );
    assert!(text.contains("text/plain"), "{text}");
    assert_eq!(
        config.webhook_url().unwrap().unwrap().expose(),
        "https://hooks.example.com/T000/SECRET"
    );
    // A literal webhook URL read for sending is scrubbed like one from a
    // variable.
    assert_eq!(
        config
            .secrets
            .scrub("POST https://hooks.example.com/T000/SECRET failed"),
        "POST <redacted> failed"
    );
}

#[test]
fn the_spec_reference_parses() {
    // design §12 verbatim-in-shape, with channels' credentials provided.
    let text = r#"
[probes]
dir = "probes.d"
timeout = "10s"
max_parallel = 8
deadline = "50s"
recover_after = 2
output_limit = 10000
[[probe]]
name = "api"
kind = "http"
url = "http://127.0.0.1:8080/health"
method = "GET"
expect_status = [200]
body_contains = "ok"
max_latency_ms = 2000
headers = { "Accept" = "application/json" }
timeout = "5s"
category = "api_down"
severity = { warning = "warning", critical = "critical", unknown = "warning" }
envelope = { enabled = false, fix_name = "restart_api" }
enabled = true
[wake]
debounce_seconds = 600
consecutive_required = 2
bypass_critical = false
recent_observations = 5
[engine]
kind = "openai"
base_url = "http://127.0.0.1:11434/v1"
model = "llama3.1"
api_key_env = "OPENAI_API_KEY"
request_timeout = "120s"
max_tokens = 600
max_daily_cost_usd = 1.0
prices = { "gpt-4o-mini" = { input_per_mtok = 0.15, output_per_mtok = 0.60 } }
[operator]
channel = "slack"
[slack]
token_env = "SLACK_BOT_TOKEN"
user_id = "U0123456"
api_base = "https://slack.com/api"
timeout = "10s"
[webhook]
url_env = "TEND_WEBHOOK_URL"
timeout = "10s"
[email]
smtp_host = "127.0.0.1"
smtp_port = 587
tls = "starttls"
username_env = "SMTP_USER"
password_env = "SMTP_PASSWORD"
from = "tend@example.com"
to = ["ops@example.com"]
timeout = "10s"
[alerts]
route = { critical = "slack", warning = "slack", info = "email" }
cooldown = "30m"
burst_limit = 5
info_mode = "immediate"
send_resolved = false
repeat_interval = { critical = "0s", warning = "0s", info = "0s" }
[promote.router-tuning]
window = "24h"
threshold = 0.5
min_calls = 20
ttl_days = 14
on_approve = []
[promote.tool-trimming]
window = "30d"
min_calls = 20
registry_file = ""
ttl_days = 14
on_approve = []
[promote.probe-envelopes]
window = "30d"
min_cluster = 3
ttl_days = 14
[actors]
"agent:campaign-watcher" = { active = false }
[gc.checkpoints]
store = { dir = "/var/lib/agent/checkpoints" }
sessions = { file = "/var/lib/agent/sessions.jsonl" }
session_id_field = "id"
status_field = "status"
terminal_statuses = ["resolved", "escalated", "closed"]
deleted_field = "deleted_at"
min_age = "1h"
max_deletions = 1000
[status]
expect = { "probe run" = "5m", "wake consume" = "5m", "alerts notify" = "5m" }
"#;
    let config = load_text(
        text,
        &[
            ("OPENAI_API_KEY", "sk-x"),
            ("SLACK_BOT_TOKEN", "xoxb-x"),
            ("SMTP_USER", "u"),
            ("SMTP_PASSWORD", "p"),
        ],
    )
    .unwrap();
    assert_eq!(config.alert_route().info, ChannelKind::Email);
    assert_eq!(
        config.gc.checkpoints.store,
        Some(CheckpointStore::Dir("/var/lib/agent/checkpoints".into()))
    );
    assert!(!config.actors["agent:campaign-watcher"].active);
    let (user, password) = config.smtp_credentials().unwrap().unwrap();
    assert_eq!((user.expose(), password.expose()), ("u", "p"));
    assert_eq!(config.engine_api_key().unwrap().unwrap().expose(), "sk-x");
}

#[test]
fn every_secret_read_is_scrubbed_and_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "sk-zz-read-once-123\n").unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = load_text(
        &format!(
            "[engine]\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1:1/v1\"\napi_key_file = \"{}\"\n\
             [heartbeat]\nurl_env = \"HB\"\n",
            key_file.display()
        ),
        &[("HB", "not a url")],
    )
    .unwrap();
    let key = config.engine_api_key_deferred().unwrap();
    assert_eq!(key.get().unwrap().expose(), "sk-zz-read-once-123");
    assert_eq!(
        config.secrets.scrub("key sk-zz-read-once-123 x"),
        "key <redacted> x"
    );
    // Read once: the file may change or go; the run keeps what it read.
    std::fs::remove_file(&key_file).unwrap();
    assert!(config.engine_api_key().is_ok());
    // A URL secret must be a URL, and says which variable is not.
    let err = config.heartbeat_url().unwrap_err();
    assert_eq!(
        err.to_string(),
        "heartbeat.url_env: environment variable HB is not an http:// or https:// URL"
    );
    assert_eq!(Secrets::default().scrub("plain"), "plain");
}

#[test]
fn watchers_namespaces_are_unique_and_bounds_are_checked() {
    let watcher = |name: &str, extra: &str| {
        format!(
            "[[watcher]]\nname = \"{name}\"\nsource = {{ command = [\"psql\"] }}\nid_field = \"id\"\nstatus_field = \"s\"\nstatuses = [\"Held\"]\nsince_field = \"t\"\nstale_after = \"72h\"\ncontext = \"C\"\nchoice = \"Stuck\"\ndecided_by = \"agent:x\"\nnamespace = \"8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f\"\n{extra}"
        )
    };
    let err = problem(&format!("{}{}", watcher("a", ""), watcher("b", "")), &[]);
    assert!(
        err.contains("watcher \"b\".namespace") && err.contains("own namespace"),
        "{err}"
    );
    let err = problem(
        &watcher("a", "max_flags_per_run = 0\ntimeout = \"0s\"\n"),
        &[],
    );
    assert!(
        err.contains("watcher \"a\".max_flags_per_run") && err.contains("watcher \"a\".timeout"),
        "{err}"
    );
    let err = problem(
        &watcher("a", "stale_after = \"4000d\"\n").replace("stale_after = \"72h\"\n", ""),
        &[],
    );
    assert!(err.contains("watcher \"a\".stale_after"), "{err}");
    let err = problem(
        &watcher("a", "recency_fields = { Running = [\"x\"] }\n"),
        &[],
    );
    assert!(
        err.contains("watcher \"a\".recency_fields.Running"),
        "{err}"
    );
    let ok = load_text(&watcher("a", "recency_fields = { Held = [\"x\"] }\n"), &[]).unwrap();
    assert_eq!(
        ok.watchers[0].recency_fields.for_status("Held"),
        ["x".to_string()]
    );
    assert!(ok.watchers[0].recency_fields.for_status("Other").is_empty());
    let err = problem(
        &watcher("a", "").replace("namespace = \"8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f\"\n", ""),
        &[],
    );
    assert!(err.contains("namespace"), "{err}");
}

#[test]
fn redact_url_hides_user_information_and_credential_parameters() {
    use super::redact_url;
    let cases = [
        (
            "https://u:pass@example.com/x",
            "https://<redacted>@example.com/x",
        ),
        (
            "https://u:p@ss@example.com",
            "https://<redacted>@example.com",
        ),
        (
            "https://example.com/h?token=abc&page=2&api_key=k1&X-Amz-Signature=s#frag",
            "https://example.com/h?token=<redacted>&page=2&api_key=<redacted>&X-Amz-Signature=<redacted>#frag",
        ),
        (
            "http://h:8080?Password=x&sig=y&secret=",
            "http://h:8080?Password=<redacted>&sig=<redacted>&secret=",
        ),
        ("https://example.com/a@b", "https://example.com/a@b"),
        (
            "https://example.com/?q=token",
            "https://example.com/?q=token",
        ),
        ("not a url ?token=x", "not a url ?token=x"),
        ("", ""),
    ];
    for (url, want) in cases {
        assert_eq!(redact_url(url), want, "{url}");
    }
}

#[test]
fn show_redacts_credentials_in_every_url() {
    let config = load_text(
        "[engine]\nkind = \"openai\"\nbase_url = \"https://bob:hunter2@llm.example.com/v1?key=K123\"\nmodel = \"m\"\n[[probe]]\nname = \"api\"\nkind = \"http\"\nurl = \"https://example.com/h?token=T456&x=1\"\n",
        &[],
    )
    .unwrap();
    let text = config.to_redacted_toml();
    let json = config.to_redacted_json().unwrap().to_string();
    for shown in [&text, &json] {
        for secret in ["hunter2", "bob", "K123", "T456"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("llm.example.com/v1?key=<redacted>"),
            "{shown}"
        );
        assert!(shown.contains("x=1"), "{shown}");
    }
}

#[test]
fn entries_are_named_by_their_name_and_numbers_in_words() {
    let err = problem(
        "[[probe]]\nname = \"api\"\nkind = \"tcp\"\naddress = \"h:1\"\nmax_latency_ms = -3\n",
        &[],
    );
    assert!(err.contains("probe \"api\".max_latency_ms"), "{err}");
    assert!(err.contains("expected a whole number"), "{err}");
    let err = problem("[[probe]]\nkind = \"tcp\"\naddress = \"h:1\"\n", &[]);
    assert!(err.contains("probe[0]"), "{err}");
    assert_eq!(
        super::name_entries(
            "watcher[1].choice",
            &[("watcher", vec!["a".into(), "b".into()])]
        ),
        "watcher \"b\".choice"
    );
    assert_eq!(
        super::name_entries("wake.debounce_seconds", &[]),
        "wake.debounce_seconds"
    );
    assert_eq!(
        super::plain_expectation("invalid type: string \"abc\", expected u64"),
        "invalid type: string \"abc\", expected a whole number, 0 or more"
    );
}

#[test]
fn a_one_kind_table_with_more_or_fewer_keys_names_the_key_and_its_shapes() {
    let watcher = |source: &str| {
        format!(
            "[[watcher]]\nname = \"w\"\nsource = {source}\nid_field = \"id\"\nstatus_field = \"s\"\nstatuses = [\"Held\"]\nsince_field = \"t\"\nstale_after = \"72h\"\ncontext = \"C\"\nchoice = \"Stuck\"\ndecided_by = \"agent:x\"\nnamespace = \"8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f\"\n"
        )
    };
    let err = problem(&watcher("{ command = [\"list\"], timeout = \"5s\" }"), &[]);
    assert!(err.contains("tend.toml (line 3)"), "{err}");
    assert!(err.contains("watcher \"w\".source: expected a table with exactly one key: `{ command = [\"prog\", \"arg\"] }`, `{ file = \"path\" }` or `{ dir = \"path\" }`"), "{err}");
    assert!(
        err.contains("the watcher's own `timeout = \"5s\"`"),
        "{err}"
    );
    assert!(err.contains("found more than one key"), "{err}");
    assert!(!err.contains("wanted exactly"), "{err}");
    assert!(load_text(&watcher("{ command = [\"list\"] }"), &[]).is_ok());

    let err = problem(
        "[gc.checkpoints]\nstore = { sqlite = \"c.db\" }\nsessions = { command = [\"x\"], timeout = \"1s\" }\n",
        &[],
    );
    assert!(
        err.contains("(line 3): gc.checkpoints.sessions: expected a table with exactly one key"),
        "{err}"
    );
    assert!(
        err.contains("`sessions_timeout = \"5s\"` in [gc.checkpoints]"),
        "{err}"
    );

    let err = problem("[gc.checkpoints]\nstore = {}\n", &[]);
    assert!(
        err.contains(
            "gc.checkpoints.store: expected a table with exactly one key: `{ sqlite = \"path\" }`"
        ),
        "{err}"
    );
    assert!(err.contains("found no key"), "{err}");
}
