//! The rules that the types alone cannot say (design §2): ranges, required keys per
//! kind, credentials of the channels in use, cross-watcher rules. Each problem is
//! `(dotted key, what was expected)`; the caller adds the origin.

use std::collections::{BTreeMap, BTreeSet};

use super::{ChannelKind, Config, Duration, EngineKind, ProbeKind, Source};

type Problems = Vec<(String, String)>;

/// The most Decisions one watcher writes per tick.
const MAX_FLAGS_PER_RUN: usize = 1_000_000;
/// The longest `stale_after` (ten years).
const MAX_STALE_AFTER: Duration = Duration::from_secs(3650 * 86_400);

/// The longest timeout any request or probe may have.
const MAX_TIMEOUT: Duration = Duration::from_secs(600);

/// Commands meant to run from cron, whose runs `tend status` checks (for
/// `[status] expect`), by the name of their run record.
fn scheduled_commands() -> Vec<&'static str> {
    (crate::command::Command::ALL.into_iter())
        .filter(|c| c.scheduled())
        .map(|c| c.lock())
        .collect()
}

/// The secrets themselves are not read here: a part in use must name its
/// credential (and only one way), and reading it is that part's business
/// when it is used (design §10). `env` only helps name what was meant.
pub fn validate(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Problems {
    let mut p = Problems::new();
    probes(config, &mut p);
    wake(config, &mut p);
    engine(config, &mut p);
    channels(config, env, &mut p);
    alerts(config, &mut p);
    incidents(config, &mut p);
    promote(config, &mut p);
    watchers(config, &mut p);
    gc(config, &mut p);
    status(config, &mut p);
    heartbeat(config, &mut p);
    report(config, &mut p);
    p
}

/// The longest report window: a year and a day.
pub const MAX_REPORT_WINDOW: Duration = Duration::from_secs(366 * 86_400);

/// Why a report window is refused (`--window`, `[report] window`): it is
/// whole hours (one status cell per hour), from 1h to 366d.
pub fn report_window_problem(window: Duration) -> Option<String> {
    let hour = 3_600_000;
    if window.as_millis() < hour || window > MAX_REPORT_WINDOW {
        Some(format!(
            "{window} is out of range: expected a duration from 1h to 366d"
        ))
    } else if !window.as_millis().is_multiple_of(hour) {
        Some(format!("{window} is not a whole number of hours"))
    } else {
        None
    }
}

/// `[report]`: a window the report can draw, a refresh interval above 0.
fn report(c: &Config, p: &mut Problems) {
    if let Some(problem) = report_window_problem(c.report.window) {
        push(p, "report.window", problem);
    }
    if c.report.every.is_zero() || c.report.every > Duration::from_secs(86_400) {
        push(
            p,
            "report.every",
            format!(
                "{} is out of range: expected a duration above 0s and at most 1d",
                c.report.every
            ),
        );
    }
}

/// `[heartbeat]`: one URL, from `url_env` or `url` (the variable `url_env`
/// names is never also the override of `url`: see `overlay_env`). The
/// variable is read when the heartbeat is pinged, not here.
fn heartbeat(c: &Config, p: &mut Problems) {
    timeout(p, "heartbeat.timeout", c.heartbeat.timeout);
    match (&c.heartbeat.url_env, &c.heartbeat.url) {
        (Some(_), Some(_)) => push(
            p,
            "heartbeat.url_env",
            "set heartbeat.url_env or heartbeat.url, not both",
        ),
        (None, Some(url)) if !is_http_url(url) => {
            push(p, "heartbeat.url", "is not an http:// or https:// URL")
        }
        _ => {}
    }
}

/// How a problem names an entry of an array of tables: by its name
/// (`probe "api"`), which the user wrote, else by its position (`probe[0]`).
pub fn entry_name(kind: &str, index: usize, name: &str) -> String {
    if name.trim().is_empty() {
        format!("{kind}[{index}]")
    } else {
        format!("{kind} {name:?}")
    }
}

fn push(p: &mut Problems, key: impl Into<String>, message: impl Into<String>) {
    p.push((key.into(), message.into()));
}

fn timeout(p: &mut Problems, key: &str, value: Duration) {
    if value.is_zero() || value > MAX_TIMEOUT {
        push(
            p,
            key,
            format!("{value} is out of range: expected a duration above 0s and at most 10m"),
        );
    }
}

fn positive(p: &mut Problems, key: &str, value: u64, what: &str) {
    if value == 0 {
        push(p, key, format!("must be at least 1 ({what})"));
    }
}

/// Probe and watcher names: `[a-z0-9][a-z0-9._-]*`.
pub fn is_valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
        && name.len() <= 128
}

fn is_http_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://")) && url.len() > "https://".len()
}

fn probes(c: &Config, p: &mut Problems) {
    let g = &c.probes;
    timeout(p, "probes.timeout", g.timeout);
    if g.deadline.is_zero() || g.deadline > Duration::from_secs(3600) {
        push(
            p,
            "probes.deadline",
            format!(
                "{} is out of range: expected above 0s and at most 1h",
                g.deadline
            ),
        );
    }
    if g.max_parallel == 0 || g.max_parallel > 256 {
        push(
            p,
            "probes.max_parallel",
            format!("{} is out of range: expected 1 to 256", g.max_parallel),
        );
    }
    if g.recover_after == 0 || g.recover_after > 20 {
        push(
            p,
            "probes.recover_after",
            format!("{} is out of range: expected 1 to 20", g.recover_after),
        );
    }
    if g.output_limit < 80 || g.output_limit > 10 * 1024 * 1024 {
        push(
            p,
            "probes.output_limit",
            format!(
                "{} is out of range: expected 80 to 10485760 bytes",
                g.output_limit
            ),
        );
    }
    if g.dir.as_os_str().is_empty() {
        push(p, "probes.dir", "must not be empty");
    }

    let mut seen = BTreeSet::new();
    for (i, probe) in c.probe.iter().enumerate() {
        let key = |field: &str| format!("{}.{field}", entry_name("probe", i, &probe.name));
        if !is_valid_name(&probe.name) {
            push(
                p,
                key("name"),
                format!(
                    "{:?} is not a valid name: expected [a-z0-9][a-z0-9._-]*",
                    probe.name
                ),
            );
        } else if !seen.insert(probe.name.as_str()) {
            push(
                p,
                key("name"),
                format!(
                    "{:?} is used by another [[probe]]: names must be unique",
                    probe.name
                ),
            );
        }
        if let Some(t) = probe.timeout {
            timeout(p, &key("timeout"), t);
        }
        match probe.kind {
            ProbeKind::Exec => {
                if probe.command.is_empty() || probe.command[0].trim().is_empty() {
                    push(
                        p,
                        key("command"),
                        "an exec probe needs a non-empty argv, e.g. command = [\"/usr/lib/nagios/plugins/check_disk\", \"-w\", \"20%\"]",
                    );
                }
            }
            ProbeKind::Http => {
                match &probe.url {
                    Some(url) if is_http_url(url) => {}
                    Some(url) => push(
                        p,
                        key("url"),
                        format!("{url:?} is not an http:// or https:// URL"),
                    ),
                    None => push(p, key("url"), "an http probe needs a url"),
                }
                let method_ok = !probe.method.is_empty()
                    && probe.method.bytes().all(|b| b.is_ascii_uppercase());
                if !method_ok {
                    push(
                        p,
                        key("method"),
                        format!(
                            "{:?} is not an HTTP method: expected e.g. \"GET\" or \"HEAD\"",
                            probe.method
                        ),
                    );
                }
                for code in probe.expect_status.iter().flatten() {
                    if !(100..=599).contains(code) {
                        push(
                            p,
                            key("expect_status"),
                            format!("{code} is not an HTTP status: expected 100 to 599"),
                        );
                    }
                }
                if probe.expect_status.as_ref().is_some_and(Vec::is_empty) {
                    push(p, key("expect_status"), "must list at least one status");
                }
            }
            ProbeKind::Tcp => match &probe.address {
                Some(addr)
                    if addr.rsplit_once(':').is_some_and(|(h, port)| {
                        !h.is_empty() && port.parse::<u16>().is_ok_and(|n| n > 0)
                    }) => {}
                Some(addr) => push(p, key("address"), format!("{addr:?} is not host:port")),
                None => push(
                    p,
                    key("address"),
                    "a tcp probe needs an address = \"host:port\"",
                ),
            },
        }
        if probe.kind != ProbeKind::Exec && !probe.command.is_empty() {
            push(p, key("command"), "only exec probes take a command");
        }
        if probe.envelope.enabled && probe.envelope.fix_name.as_deref().unwrap_or("").is_empty() {
            push(
                p,
                key("envelope.fix_name"),
                "an enabled envelope needs a fix_name",
            );
        }
        if let Some(category) = &probe.category
            && category.trim().is_empty()
        {
            push(p, key("category"), "must not be empty");
        }
    }
}

fn wake(c: &Config, p: &mut Problems) {
    positive(
        p,
        "wake.consecutive_required",
        c.wake.consecutive_required.into(),
        "1 dispatches on the first wake",
    );
    if c.wake.recent_observations > 100 {
        push(
            p,
            "wake.recent_observations",
            format!(
                "{} is out of range: expected 0 to 100",
                c.wake.recent_observations
            ),
        );
    }
}

fn engine(c: &Config, p: &mut Problems) {
    let e = &c.engine;
    timeout(p, "engine.request_timeout", e.request_timeout);
    if e.max_tokens == 0 || e.max_tokens > 200_000 {
        push(
            p,
            "engine.max_tokens",
            format!("{} is out of range: expected 1 to 200000", e.max_tokens),
        );
    }
    if !e.max_daily_cost_usd.is_finite() || e.max_daily_cost_usd < 0.0 {
        push(
            p,
            "engine.max_daily_cost_usd",
            "expected a non-negative number of US dollars",
        );
    }
    for (model, price) in &e.prices {
        if !(price.input_per_mtok.is_finite()
            && price.input_per_mtok >= 0.0
            && price.output_per_mtok.is_finite()
            && price.output_per_mtok >= 0.0)
        {
            push(
                p,
                format!("engine.prices.{model}"),
                "prices must be non-negative numbers of US dollars per million tokens",
            );
        }
    }
    match e.kind {
        EngineKind::None => {}
        EngineKind::Openai | EngineKind::Anthropic => {
            match &e.base_url {
                Some(url) if is_http_url(url) => {}
                Some(url) => push(
                    p,
                    "engine.base_url",
                    format!("{url:?} is not an http:// or https:// URL"),
                ),
                None => push(
                    p,
                    "engine.base_url",
                    "an HTTP engine needs an explicit base_url (there is no default endpoint)",
                ),
            }
            if e.model.as_deref().unwrap_or("").trim().is_empty() {
                push(p, "engine.model", "an HTTP engine needs a model");
            }
        }
        EngineKind::Command => {
            if e.command.is_empty() || e.command[0].trim().is_empty() {
                push(
                    p,
                    "engine.command",
                    "a command engine needs a non-empty argv, e.g. [\"llm\", \"-m\", \"gpt-4o-mini\"]",
                );
            }
        }
    }
    let needs_key = e.kind == EngineKind::Anthropic;
    named_once(
        p,
        ("engine.api_key_env", e.api_key_env.is_some()),
        ("engine.api_key_file", e.api_key_file.is_some()),
        needs_key.then_some("the anthropic engine needs api_key_env or api_key_file"),
    );
}

/// A secret named by an `_env` or an `_file` key: not both, and at least one
/// when `required` (its message). Returns whether one is named.
fn named_once(
    p: &mut Problems,
    (env_key, env_set): (&str, bool),
    (file_key, file_set): (&str, bool),
    required: Option<&str>,
) -> bool {
    match (env_set, file_set) {
        (true, true) => {
            push(p, env_key, format!("set {env_key} or {file_key}, not both"));
            true
        }
        (false, false) => {
            if let Some(message) = required {
                push(p, env_key, message);
            }
            false
        }
        _ => true,
    }
}

fn channels(c: &Config, env: &dyn Fn(&str) -> Option<String>, p: &mut Problems) {
    timeout(p, "slack.timeout", c.slack.timeout);
    timeout(p, "webhook.timeout", c.webhook.timeout);
    timeout(p, "email.timeout", c.email.timeout);
    if !is_http_url(&c.slack.api_base) {
        push(
            p,
            "slack.api_base",
            format!("{:?} is not an http:// or https:// URL", c.slack.api_base),
        );
    }
    if c.operator.channel == ChannelKind::Email {
        push(
            p,
            "operator.channel",
            "expected stdout, slack or webhook (email is for alerts)",
        );
    }
    let used = c.channels_in_use();

    if used.contains(&ChannelKind::Slack) {
        // `TEND_SLACK_TOKEN` is not read unless named: say so where it helps.
        let required = match env("TEND_SLACK_TOKEN") {
            Some(_) => {
                "the slack channel is in use but has no credentials: set token_env or token_file (TEND_SLACK_TOKEN is set: token_env = \"TEND_SLACK_TOKEN\" reads it)"
            }
            None => {
                "the slack channel is in use but has no credentials: set token_env or token_file"
            }
        };
        named_once(
            p,
            ("slack.token_env", c.slack.token_env.is_some()),
            ("slack.token_file", c.slack.token_file.is_some()),
            Some(required),
        );
        if c.slack.user_id.as_deref().unwrap_or("").trim().is_empty() {
            push(
                p,
                "slack.user_id",
                "the slack channel is in use: set the operator's user_id (e.g. \"U0123456\")",
            );
        }
    }

    if used.contains(&ChannelKind::Webhook) {
        match (&c.webhook.url_env, &c.webhook.url) {
            (Some(_), Some(_)) => push(
                p,
                "webhook.url_env",
                "set webhook.url_env or webhook.url, not both",
            ),
            (None, Some(url)) if !is_http_url(url) => {
                push(p, "webhook.url", "is not an http:// or https:// URL")
            }
            (None, None) => push(
                p,
                "webhook.url_env",
                "the webhook channel is in use but has no URL: set url_env or url",
            ),
            _ => {}
        }
    }

    if used.contains(&ChannelKind::Email) {
        let e = &c.email;
        if e.smtp_host.as_deref().unwrap_or("").trim().is_empty() {
            push(
                p,
                "email.smtp_host",
                "the email channel is in use: set smtp_host",
            );
        }
        if e.smtp_port == 0 {
            push(p, "email.smtp_port", "expected a port from 1 to 65535");
        }
        if !e.from.as_deref().is_some_and(looks_like_address) {
            push(
                p,
                "email.from",
                "the email channel is in use: set from = \"tend@example.com\"",
            );
        }
        if e.to.is_empty() {
            push(
                p,
                "email.to",
                "the email channel is in use: list at least one recipient",
            );
        }
        for (i, to) in e.to.iter().enumerate() {
            if !looks_like_address(to) {
                push(
                    p,
                    format!("email.to[{i}]"),
                    format!("{to:?} is not an email address"),
                );
            }
        }
        let user = named_once(
            p,
            ("email.username_env", e.username_env.is_some()),
            ("email.username_file", e.username_file.is_some()),
            None,
        );
        let password = named_once(
            p,
            ("email.password_env", e.password_env.is_some()),
            ("email.password_file", e.password_file.is_some()),
            None,
        );
        if user != password {
            push(
                p,
                "email.username_env",
                "SMTP authentication needs both a username and a password",
            );
        }
    }
}

fn looks_like_address(text: &str) -> bool {
    let address = match (text.find('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    };
    address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !address.contains(char::is_whitespace)
    })
}

fn alerts(c: &Config, p: &mut Problems) {
    if c.alerts.burst_limit == 0 {
        push(p, "alerts.burst_limit", "must be at least 1");
    }
}

/// The most steps a reminder schedule may have.
const MAX_REMINDER_STEPS: usize = 20;

fn incidents(c: &Config, p: &mut Problems) {
    let r = &c.incidents.reminders;
    for (severity, steps) in [
        ("critical", &r.critical),
        ("warning", &r.warning),
        ("info", &r.info),
    ] {
        let key = format!("incidents.reminders.{severity}");
        if steps.len() > MAX_REMINDER_STEPS {
            push(
                p,
                &key,
                format!(
                    "has {} steps: expected at most {MAX_REMINDER_STEPS}",
                    steps.len()
                ),
            );
        }
        if steps.iter().any(|d| d.is_zero()) {
            push(
                p,
                &key,
                "a step of 0s would remind on every run: expected durations above 0 (an empty list never reminds)",
            );
        }
    }
}

fn promote(c: &Config, p: &mut Problems) {
    let r = &c.promote.router_tuning;
    if !(r.threshold.is_finite() && (0.0..=1.0).contains(&r.threshold)) {
        push(
            p,
            "promote.router-tuning.threshold",
            format!(
                "{} is out of range: expected a share from 0 to 1",
                r.threshold
            ),
        );
    }
    let loops = [
        ("router-tuning", r.window, r.min_calls, r.ttl_days),
        (
            "tool-trimming",
            c.promote.tool_trimming.window,
            c.promote.tool_trimming.min_calls,
            c.promote.tool_trimming.ttl_days,
        ),
        (
            "probe-envelopes",
            c.promote.probe_envelopes.window,
            c.promote.probe_envelopes.min_cluster,
            c.promote.probe_envelopes.ttl_days,
        ),
    ];
    for (name, window, min, ttl) in loops {
        if window.is_zero() {
            push(
                p,
                format!("promote.{name}.window"),
                "must be longer than 0s",
            );
        }
        let min_key = if name == "probe-envelopes" {
            "min_cluster"
        } else {
            "min_calls"
        };
        positive(
            p,
            &format!("promote.{name}.{min_key}"),
            min,
            "a proposal needs evidence",
        );
        positive(
            p,
            &format!("promote.{name}.ttl_days"),
            ttl.into(),
            "proposals expire after this many days",
        );
    }
    timeout(
        p,
        "promote.router-tuning.on_approve_timeout",
        r.on_approve_timeout,
    );
    timeout(
        p,
        "promote.tool-trimming.on_approve_timeout",
        c.promote.tool_trimming.on_approve_timeout,
    );
    for (name, argv) in [
        ("router-tuning", &r.on_approve),
        ("tool-trimming", &c.promote.tool_trimming.on_approve),
    ] {
        if argv.first().is_some_and(|a| a.trim().is_empty()) {
            push(
                p,
                format!("promote.{name}.on_approve"),
                "the program (first element) is empty: give an argv such as [\"/usr/local/bin/apply\"], or [] for none",
            );
        }
    }
    if !c.promote.probe_envelopes.on_approve.is_empty() {
        push(
            p,
            "promote.probe-envelopes.on_approve",
            "the probe-envelopes loop never auto-applies: remove on_approve",
        );
    }
}

fn source(p: &mut Problems, key: &str, source: &Source) {
    match source {
        Source::Command(argv) if argv.is_empty() || argv[0].trim().is_empty() => {
            push(p, key, "a command source needs a non-empty argv");
        }
        Source::File(path) | Source::Dir(path) if path.as_os_str().is_empty() => {
            push(p, key, "a file or dir source needs a path");
        }
        _ => {}
    }
}

fn watchers(c: &Config, p: &mut Problems) {
    let mut names = BTreeSet::new();
    let mut choice_context: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    let mut namespaces: BTreeMap<uuid::Uuid, usize> = BTreeMap::new();
    for (i, w) in c.watchers.iter().enumerate() {
        let key = |field: &str| format!("{}.{field}", entry_name("watcher", i, &w.name));
        if !is_valid_name(&w.name) {
            push(
                p,
                key("name"),
                format!(
                    "{:?} is not a valid name: expected [a-z0-9][a-z0-9._-]*",
                    w.name
                ),
            );
        } else if !names.insert(w.name.as_str()) {
            push(
                p,
                key("name"),
                format!(
                    "{:?} is used by another [[watcher]]: names must be unique",
                    w.name
                ),
            );
        }
        source(p, &key("source"), &w.source);
        for (field, value) in [
            ("id_field", &w.id_field),
            ("status_field", &w.status_field),
            ("since_field", &w.since_field),
            ("context", &w.context),
            ("choice", &w.choice),
            ("decided_by", &w.decided_by),
        ] {
            if value.trim().is_empty() {
                push(p, key(field), "must not be empty");
            }
        }
        if w.statuses.is_empty() {
            push(p, key("statuses"), "list at least one watched status");
        }
        if w.stale_after.is_zero() {
            push(p, key("stale_after"), "must be longer than 0s");
        }
        if w.max_flags_per_run == 0 || w.max_flags_per_run > MAX_FLAGS_PER_RUN {
            push(
                p,
                key("max_flags_per_run"),
                format!(
                    "{} is out of range: expected 1 to {MAX_FLAGS_PER_RUN}",
                    w.max_flags_per_run
                ),
            );
        }
        if w.stale_after > MAX_STALE_AFTER {
            push(
                p,
                key("stale_after"),
                format!("{} is out of range: expected at most 3650d", w.stale_after),
            );
        }
        timeout(p, &key("timeout"), w.timeout);
        if w.namespace.is_nil() {
            push(
                p,
                key("namespace"),
                "must be a UUID other than the nil UUID",
            );
        } else if let Some(other) = namespaces.insert(w.namespace, i) {
            push(
                p,
                key("namespace"),
                format!(
                    "{} is also {}'s: each watcher needs its own namespace (its decision ids would collide)",
                    w.namespace,
                    entry_name("watcher", other, &c.watchers[other].name)
                ),
            );
        }
        if let crate::config::RecencyFields::PerStatus(map) = &w.recency_fields {
            for status in map.keys() {
                if !w.statuses.contains(status) {
                    push(
                        p,
                        key(&format!("recency_fields.{status}")),
                        format!("{status:?} is not one of this watcher's statuses"),
                    );
                }
            }
        }
        match choice_context.get(w.choice.as_str()) {
            Some((context, other)) if *context != w.context => push(
                p,
                key("choice"),
                format!(
                    "choice {:?} already belongs to context {:?} ({}); a choice token belongs to exactly one context",
                    w.choice,
                    context,
                    entry_name("watcher", *other, &c.watchers[*other].name)
                ),
            ),
            Some(_) => {}
            None => {
                choice_context.insert(&w.choice, (&w.context, i));
            }
        }
    }
}

fn gc(c: &Config, p: &mut Problems) {
    let g = &c.gc.checkpoints;
    if let Some(s) = &g.sessions {
        source(p, "gc.checkpoints.sessions", s);
    }
    timeout(p, "gc.checkpoints.sessions_timeout", g.sessions_timeout);
    if g.max_deletions == 0 {
        push(p, "gc.checkpoints.max_deletions", "must be at least 1");
    }
    if g.session_id_field.trim().is_empty() {
        push(p, "gc.checkpoints.session_id_field", "must not be empty");
    }
}

fn status(c: &Config, p: &mut Problems) {
    for (command, interval) in &c.status.expect {
        let known = scheduled_commands();
        if !known.contains(&command.as_str()) {
            push(
                p,
                format!("status.expect.{command}"),
                format!(
                    "unknown command {command:?}: expected one of {}",
                    known.join(", ")
                ),
            );
        } else if interval.is_zero() {
            push(
                p,
                format!("status.expect.{command}"),
                "must be longer than 0s",
            );
        }
    }
}
