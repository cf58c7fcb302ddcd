//! `tend.toml(5)`: every section and key of the configuration, its default and
//! meaning. `tests/integration/docs.rs` checks this table against the
//! configuration's own types (every key they accept is here and nothing else,
//! every default is what they default to) and against `tend init`'s template,
//! so it cannot drift from what `tend` reads.

use anyhow::Result;
use roff::{Roff, bold, italic, roman};

/// How a section is written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `[name]`, once.
    Table,
    /// `[[name]]`, any number of times.
    Array,
    /// `[name]` whose keys are names the user chooses, each a table of the
    /// listed keys (`"agent:x" = { active = false }`).
    Map,
}

pub struct ConfigSection {
    /// The TOML path: `probes`, `probe`, `promote.router-tuning`.
    pub name: &'static str,
    pub shape: Shape,
    pub about: &'static str,
    pub keys: &'static [ConfigKey],
}

pub struct ConfigKey {
    pub name: &'static str,
    /// The default as a TOML value, when there is one.
    pub default: Option<&'static str>,
    pub about: &'static str,
}

const fn key(name: &'static str, default: &'static str, about: &'static str) -> ConfigKey {
    ConfigKey {
        name,
        default: Some(default),
        about,
    }
}

/// A key without a default: it is unset unless written.
const fn unset(name: &'static str, about: &'static str) -> ConfigKey {
    ConfigKey {
        name,
        default: None,
        about,
    }
}

pub const CONFIG_REFERENCE: &[ConfigSection] = &[
    ConfigSection {
        name: "probes",
        shape: Shape::Table,
        about: "How probes run (tend-probe-run(1)).",
        keys: &[
            key(
                "dir",
                "\"probes.d\"",
                "The directory of executable probes, relative to the root.",
            ),
            key(
                "timeout",
                "\"10s\"",
                "How long one probe may run, unless the probe sets its own; then it is killed with its process group and is UNKNOWN.",
            ),
            key("max_parallel", "8", "How many probes run at once."),
            key(
                "deadline",
                "\"50s\"",
                "How long the whole run may take; probes not started by then are reported as not run.",
            ),
            key(
                "recover_after",
                "2",
                "Consecutive OK results, after a non-OK episode, before `probe.recovered` is written.",
            ),
            key(
                "output_limit",
                "10000",
                "Bytes of a probe's output kept (the rest is cut; a JSON probe is parsed whole first).",
            ),
        ],
    },
    ConfigSection {
        name: "probe",
        shape: Shape::Array,
        about: "A probe declared in the file, besides the executables of `probes.d/`. `name` is required, and what its `kind` needs.",
        keys: &[
            unset(
                "name",
                "Unique; lower case letters, digits, `.`, `_` and `-`.",
            ),
            key("kind", "\"exec\"", "`exec` (a command), `http` or `tcp`."),
            unset(
                "command",
                "`kind = \"exec\"`: the argv, run without a shell from the root, e.g. `[\"/usr/lib/nagios/plugins/check_disk\", \"-w\", \"20%\", \"-c\", \"10%\", \"-p\", \"/\"]`.",
            ),
            unset("url", "`kind = \"http\"`: the URL requested."),
            key("method", "\"GET\"", "`kind = \"http\"`: the HTTP method."),
            unset(
                "expect_status",
                "`kind = \"http\"`: the statuses that are OK, e.g. `[200]` [default: any 2xx].",
            ),
            unset(
                "body_contains",
                "`kind = \"http\"`: text the body must contain to be OK.",
            ),
            unset(
                "max_latency_ms",
                "`kind = \"http\"`: slower answers are WARNING.",
            ),
            unset(
                "headers",
                "`kind = \"http\"`: request headers, e.g. `{ \"Accept\" = \"application/json\" }`.",
            ),
            unset(
                "address",
                "`kind = \"tcp\"`: `host:port` that must accept a connection.",
            ),
            unset(
                "timeout",
                "This probe's timeout [default: `[probes] timeout`].",
            ),
            unset(
                "category",
                "The `issue_category` when the probe gives none (a JSON probe's `category` wins) [default: the state's name, which groups nothing].",
            ),
            key(
                "severity",
                "{ warning = \"warning\", critical = \"critical\", unknown = \"warning\" }",
                "The severity of a wake for each non-OK state.",
            ),
            key(
                "envelope",
                "{ enabled = false }",
                "The probe's fix envelope, as shown to the LLM: `enabled` and an optional `fix_name`. Nothing is ever executed.",
            ),
            key(
                "enabled",
                "true",
                "A disabled probe runs only when named (`tend probe run NAME`).",
            ),
        ],
    },
    ConfigSection {
        name: "wake",
        shape: Shape::Table,
        about: "When a probe's wake reaches the operator (tend-wake-consume(1)).",
        keys: &[
            key(
                "debounce_seconds",
                "600",
                "The window, in seconds or with a unit (`\"10m\"`): a key must be seen `consecutive_required` times within it of its first sighting, and stays quiet this long after a message. 0 disables debouncing.",
            ),
            key(
                "consecutive_required",
                "2",
                "Sightings within the window before a message; 1 sends on the first.",
            ),
            key(
                "bypass_critical",
                "false",
                "Critical wakes skip the debounce.",
            ),
            key(
                "recent_observations",
                "5",
                "The probe's latest results included in the LLM's prompt.",
            ),
        ],
    },
    ConfigSection {
        name: "engine",
        shape: Shape::Table,
        about: "The LLM that writes a wake's first diagnosis. Nothing it says is executed.",
        keys: &[
            key(
                "kind",
                "\"none\"",
                "`none`, `openai` (any OpenAI-compatible server: OpenAI, Ollama, vLLM, llama.cpp, OpenRouter), `anthropic` or `command`.",
            ),
            unset(
                "base_url",
                "Required for `openai` and `anthropic`; there is no default endpoint. E.g. `\"http://127.0.0.1:11434/v1\"` (Ollama), `\"https://api.openai.com/v1\"`, `\"https://api.anthropic.com\"`.",
            ),
            unset("model", "The model name sent, and the key of its `prices`."),
            unset(
                "api_key_env",
                "The environment variable holding the API key.",
            ),
            unset("api_key_file", "A file (mode 0600) holding the API key."),
            unset(
                "command",
                "`kind = \"command\"`: an argv run without a shell, the prompt on standard input, the answer on standard output, e.g. `[\"llm\", \"-m\", \"gpt-4o-mini\"]`.",
            ),
            key("request_timeout", "\"120s\"", "How long one call may take."),
            key(
                "max_tokens",
                "600",
                "The answer's token limit, always sent.",
            ),
            key(
                "max_daily_cost_usd",
                "1.0",
                "No call once the UTC day's spend reaches this.",
            ),
            key(
                "prices",
                "{}",
                "Price per million tokens by model, e.g. `{ \"gpt-4o-mini\" = { input_per_mtok = 0.15, output_per_mtok = 0.60 } }`; a model without one costs 0.",
            ),
        ],
    },
    ConfigSection {
        name: "operator",
        shape: Shape::Table,
        about: "Where `wake consume` sends its messages.",
        keys: &[key(
            "channel",
            "\"stdout\"",
            "`stdout` (cron mails it), `slack` or `webhook`.",
        )],
    },
    ConfigSection {
        name: "slack",
        shape: Shape::Table,
        about: "A Slack bot that sends direct messages (`chat.postMessage`). Its token needs the `chat:write` scope.",
        keys: &[
            unset(
                "token_env",
                "The environment variable holding the bot token (`xoxb-…`).",
            ),
            unset(
                "token_file",
                "A file (mode 0600) holding the bot token, e.g. a systemd credential: `\"/run/credentials/tend.service/slack-token\"`.",
            ),
            unset(
                "user_id",
                "The member id whose DM gets the messages, e.g. `\"U0123456\"`.",
            ),
            key(
                "api_base",
                "\"https://slack.com/api\"",
                "The Web API's base URL.",
            ),
            key("timeout", "\"10s\"", "How long one request may take."),
        ],
    },
    ConfigSection {
        name: "webhook",
        shape: Shape::Table,
        about: "An incoming webhook (Slack, Mattermost): `POST {\"text\": …}`.",
        keys: &[
            unset(
                "url_env",
                "The environment variable holding the URL (a secret).",
            ),
            unset("url", "The URL itself; never printed."),
            key("timeout", "\"10s\"", "How long one request may take."),
        ],
    },
    ConfigSection {
        name: "email",
        shape: Shape::Table,
        about: "An SMTP server for the email channel.",
        keys: &[
            unset("smtp_host", "The server's host name."),
            key("smtp_port", "587", "The server's port."),
            key(
                "tls",
                "\"starttls\"",
                "`starttls`, `tls` (implicit TLS) or `none`.",
            ),
            unset(
                "username_env",
                "The environment variable holding the user name; with a password.",
            ),
            unset("username_file", "A file (mode 0600) holding the user name."),
            unset(
                "password_env",
                "The environment variable holding the password.",
            ),
            unset("password_file", "A file (mode 0600) holding the password."),
            unset("from", "The sender address."),
            key("to", "[]", "The recipients."),
            key("timeout", "\"10s\"", "How long one delivery may take."),
        ],
    },
    ConfigSection {
        name: "alerts",
        shape: Shape::Table,
        about: "What `alerts notify` sends, where and how often (tend-alerts-notify(1)).",
        keys: &[
            unset(
                "route",
                "The channel for each severity (`slack`, `email`, `webhook` or `stdout`), e.g. `{ critical = \"slack\", warning = \"slack\", info = \"email\" }` [default: critical and warning to `[operator] channel`, info to email when `[email]` is set, else to the operator's channel].",
            ),
            key(
                "cooldown",
                "\"30m\"",
                "A new alert of a category that got a message this recently, at the same or a higher severity, is recorded suppressed.",
            ),
            key(
                "burst_limit",
                "5",
                "More messages than this in one run become one summary per channel.",
            ),
            key(
                "info_mode",
                "\"immediate\"",
                "`immediate` or `digest` (info alerts queued for `tend alerts digest`).",
            ),
            key(
                "send_resolved",
                "true",
                "Tell an incident's resolution in its conversation (when it sent a message).",
            ),
            unset(
                "repeat_interval",
                "Replaced by `[incidents] reminders`: a configuration that sets it is refused, saying so.",
            ),
        ],
    },
    ConfigSection {
        name: "incidents",
        shape: Shape::Table,
        about: "One conversation per problem (tend-incidents(1)): reminders and what `incidents list` keeps.",
        keys: &[
            key(
                "reminders",
                "{ critical = [\"30m\", \"1h\", \"2h\", \"4h\"], warning = [\"2h\", \"8h\", \"24h\"], info = [] }",
                "The reminder back-off per severity: an incident still firing is reminded after each step (counted from its first message, then from each reminder), then at the last step's interval; an empty list never. A wake for an open incident is investigated again only when its severity or summary changed or the next reminder is due (else `probe.wake_debounced`, reason `incident_open`); `alerts notify` reminds on the same clock.",
            ),
            key(
                "keep_resolved",
                "\"30d\"",
                "How long `tend incidents list` shows a resolved incident.",
            ),
        ],
    },
    ConfigSection {
        name: "promote",
        shape: Shape::Table,
        about: "The promotion loops (tend-promote(1)).",
        keys: &[key(
            "enabled",
            "false",
            "`tend tick` also runs `tend promote run`.",
        )],
    },
    ConfigSection {
        name: "promote.router-tuning",
        shape: Shape::Table,
        about: "Proposes tighter review for a route that escalates too often (`inference.recorded` rows).",
        keys: &[
            key("window", "\"24h\"", "The rows read, by their own time."),
            key(
                "threshold",
                "0.5",
                "The escalation rate (0 to 1) at or above which a route is proposed.",
            ),
            key(
                "min_calls",
                "20",
                "Routes with fewer calls in the window are not judged.",
            ),
            key(
                "ttl_days",
                "14",
                "Days a proposal stays pending before it expires; a rejected subject is not proposed again for as long.",
            ),
            key(
                "on_approve",
                "[]",
                "An argv run on approval, with the proposal's JSON on standard input; empty applies nothing.",
            ),
            key(
                "on_approve_timeout",
                "\"60s\"",
                "How long `on_approve` may run before it is killed with its children.",
            ),
        ],
    },
    ConfigSection {
        name: "promote.tool-trimming",
        shape: Shape::Table,
        about: "Proposes removing the tools a route is offered and never calls (`reasoning.tool_called` rows).",
        keys: &[
            key("window", "\"30d\"", "The rows read, by their own time."),
            key(
                "min_calls",
                "20",
                "Routes with fewer calls in the window are not judged.",
            ),
            key(
                "registry_file",
                "\"\"",
                "A JSON file `{\"route\": [\"tool\", …]}` of what each route is offered; empty: every tool seen on any route.",
            ),
            key(
                "ttl_days",
                "14",
                "Days a proposal stays pending; and after a rejection.",
            ),
            key(
                "on_approve",
                "[]",
                "An argv run on approval, with the proposal's JSON on standard input.",
            ),
            key(
                "on_approve_timeout",
                "\"60s\"",
                "How long `on_approve` may run.",
            ),
        ],
    },
    ConfigSection {
        name: "promote.probe-envelopes",
        shape: Shape::Table,
        about: "Proposes a fix envelope for a (probe, category) the LLM keeps investigating. Never applied automatically.",
        keys: &[
            key("window", "\"30d\"", "The rows read, by their own time."),
            key(
                "min_cluster",
                "3",
                "Investigations of one (probe, category) before a proposal.",
            ),
            key(
                "ttl_days",
                "14",
                "Days a proposal stays pending; and after a rejection.",
            ),
            unset(
                "on_approve",
                "Refused here: envelopes are never auto-applied.",
            ),
        ],
    },
    ConfigSection {
        name: "watcher",
        shape: Shape::Array,
        about: "A stall watcher (tend-watchers-tick(1)). Every key without a default is required.",
        keys: &[
            unset(
                "name",
                "Unique; lower case letters, digits, `.`, `_` and `-`.",
            ),
            key("enabled", "false", "Watchers are off until enabled."),
            unset(
                "source",
                "Where the entities come from: `{ file = \"entities/x.jsonl\" }` (JSON Lines or one JSON array), `{ dir = \"…\" }` (one JSON file each) or `{ command = [\"psql\", \"-At\", \"-c\", \"select row_to_json(c) from c\"] }`; relative paths from the root.",
            ),
            unset("id_field", "The entity's id field."),
            unset("status_field", "The entity's status field."),
            unset("statuses", "The statuses watched, e.g. `[\"Held\"]`."),
            unset(
                "since_field",
                "When the entity entered its status: the episode's anchor.",
            ),
            key(
                "recency_fields",
                "[]",
                "Fields whose times count as progress, for every status or per status (`{ Running = [\"activity_at\"] }`).",
            ),
            unset(
                "stale_after",
                "Stalled when now minus the last progress is at least this, e.g. `\"72h\"`.",
            ),
            unset(
                "context",
                "The Decision's context, e.g. `\"CampaignProgress\"`.",
            ),
            unset(
                "choice",
                "The Decision's choice, e.g. `\"Stuck\"`; one context per choice.",
            ),
            unset(
                "decided_by",
                "The actor named in the Decision, e.g. `\"agent:campaign-watcher\"` (see `[actors]`).",
            ),
            unset(
                "namespace",
                "A UUID, one per watcher: Decision ids are UUIDv5 in it.",
            ),
            key(
                "max_flags_per_run",
                "100",
                "The most stalled are flagged first; the rest on the next run.",
            ),
            key("exempt_ids", "[]", "Entity ids never flagged."),
            key(
                "exempt_when",
                "{}",
                "Entities whose fields equal these values are never flagged, e.g. `{ pinned = true }`.",
            ),
            key("timeout", "\"60s\"", "How long a `command` source may run."),
        ],
    },
    ConfigSection {
        name: "actors",
        shape: Shape::Map,
        about: "The actors named by watchers' `decided_by`, e.g. `\"agent:campaign-watcher\" = { active = false }`.",
        keys: &[key(
            "active",
            "true",
            "An inactive actor's watchers are skipped, and say so.",
        )],
    },
    ConfigSection {
        name: "gc",
        shape: Shape::Table,
        about: "Clean-up (tend-gc(1)); its settings are in `[gc.checkpoints]`.",
        keys: &[],
    },
    ConfigSection {
        name: "gc.checkpoints",
        shape: Shape::Table,
        about: "The agent checkpoints that `tend gc checkpoints` deletes once their session is gone.",
        keys: &[
            unset(
                "store",
                "The checkpoints: `{ dir = \"…\" }`, `{ sqlite = \"….sqlite\" }` (LangGraph), `{ postgres_env = \"CHECKPOINTS_DSN\" }` or `{ postgres_file = \"/etc/tend/dsn\" }` (LangGraph on PostgreSQL).",
            ),
            unset(
                "sessions",
                "The sessions that exist: `{ file = \"sessions.jsonl\" }`, `{ dir = \"…\" }` or `{ command = [\"psql\", …] }`.",
            ),
            key("session_id_field", "\"id\"", "The session's id field."),
            key("status_field", "\"status\"", "The session's status field."),
            key(
                "terminal_statuses",
                "[]",
                "Statuses that mean gone, e.g. `[\"resolved\", \"closed\"]`; empty: only sessions missing from the source are gone.",
            ),
            key(
                "deleted_field",
                "\"\"",
                "A field that, when set, means gone, e.g. `\"deleted_at\"`.",
            ),
            key(
                "min_age",
                "\"1h\"",
                "Threads of a gone session touched more recently than this all stay.",
            ),
            key(
                "max_deletions",
                "1000",
                "At most this many threads go per run, oldest sessions first.",
            ),
            key(
                "sessions_timeout",
                "\"60s\"",
                "How long a `command` sessions source may run; past it, nothing is deleted.",
            ),
        ],
    },
    ConfigSection {
        name: "status",
        shape: Shape::Table,
        about: "What `tend status` calls overdue.",
        keys: &[key(
            "expect",
            "{}",
            "The longest expected gap between runs, per command, e.g. `{ \"promote run\" = \"2h\" }`. A command not listed here uses the built-in expectation: 5m for `probe run`, `wake consume` and `alerts notify`, none for the others. It applies once the command has run.",
        )],
    },
    ConfigSection {
        name: "heartbeat",
        shape: Shape::Table,
        about: "A URL pinged after each `tend tick`: `{url}` when it succeeded, `{url}/{exit_code}` otherwise (healthchecks.io's convention). A failed ping never changes the tick's exit status.",
        keys: &[
            unset(
                "url_env",
                "The environment variable holding the URL (a secret).",
            ),
            unset("url", "The URL itself; never printed."),
            key("timeout", "\"10s\"", "How long the ping may take."),
        ],
    },
    ConfigSection {
        name: "report",
        shape: Shape::Table,
        about: "The status page `tend tick` keeps (`tend report`).",
        keys: &[
            key(
                "dir",
                "\"\"",
                "The page's directory, relative to the root unless absolute: `tick` writes `index.html` there. Empty: `tick` writes no page.",
            ),
            key(
                "every",
                "\"5m\"",
                "`tick` refreshes the page at most this often (above 0s, at most 1d).",
            ),
            key(
                "window",
                "\"30d\"",
                "What a report covers, ending now: whole hours, from 1h to 366d.",
            ),
        ],
    },
];

/// The section's header as written in the file.
fn header(section: &ConfigSection) -> String {
    match section.shape {
        Shape::Array => format!("[[{}]]", section.name),
        Shape::Table | Shape::Map => format!("[{}]", section.name),
    }
}

/// `tend.toml(5)`.
pub fn man_page() -> Result<Vec<u8>> {
    use super::markdown::inline_text;
    let mut head = Roff::new();
    let source = super::source();
    head.control(
        "TH",
        ["tend.toml", "5", "", source.as_str(), "File Formats"],
    );
    head.control("nh", []).control("ad", ["l"]);
    head.control("SH", ["NAME"]);
    head.text([roman("tend.toml - the configuration of a tend state root")]);
    head.control("SH", ["SYNOPSIS"]);
    head.text([
        italic("<root>/tend.toml"),
        roman(", or the file given with "),
        bold("--config"),
        roman(" or "),
        bold("TEND_CONFIG"),
        roman("."),
    ]);
    head.control("SH", ["DESCRIPTION"]);
    for paragraph in DESCRIPTION {
        head.control("PP", []);
        head.text(inline_text(paragraph));
    }
    head.control("SH", ["SECTIONS"]);
    for section in CONFIG_REFERENCE {
        head.control("SS", [header(section).as_str()]);
        head.text(inline_text(section.about));
        for key in section.keys {
            head.control("TP", []);
            let mut term = vec![bold(key.name)];
            if let Some(default) = key.default {
                term.push(roman(format!(" = {default}")));
            }
            head.text(term);
            head.text(inline_text(key.about));
        }
    }
    let mut parts = vec![head];
    for section in super::markdown::render(EXAMPLES)
        .map_err(|e| anyhow::anyhow!("src/docs/config_reference.rs, EXAMPLES: {e}"))?
    {
        let mut heading = Roff::new();
        heading.control("SH", [section.name.as_str()]);
        parts.push(heading);
        parts.push(section.body);
    }
    let mut see_also = Roff::new();
    see_also.control("SH", ["SEE ALSO"]);
    see_also.text([
        bold("tend"),
        roman("(1), "),
        bold("tend-config-check"),
        roman("(1), "),
        bold("tend-config-show"),
        roman("(1), "),
        bold("tend-init"),
        roman("(1)"),
    ]);
    parts.push(see_also);
    let rendered: Vec<Vec<u8>> = parts.iter().map(|r| r.render().into_bytes()).collect();
    Ok(super::join_parts(&rendered))
}

const DESCRIPTION: [&str; 4] = [
    "A TOML file. Every section and key is optional: with no file, tend runs the probes in `probes.d/`, uses no LLM engine and prints operator messages on standard output. `tend init` writes the same reference as a commented file; `tend config check` validates a file and `tend config show` prints every effective value.",
    "Durations are strings with a unit: `500ms`, `10s`, `30m`, `72h`, `14d` (at most `36500d`).",
    "Secrets never go in the file: a key ending in `_env` names the environment variable that holds the secret, one ending in `_file` names a file holding it, which must not be readable by group or others (mode 0600).",
    "Any key of a flat section (`[probes]`, `[wake]`, `[engine]`, `[operator]`, `[slack]`, `[webhook]`, `[email]`, `[alerts]`, `[incidents]`, `[status]`, `[heartbeat]`, `[report]`) can be overridden from the environment as `TEND_<SECTION>_<KEY>`, e.g. `TEND_WAKE_DEBOUNCE_SECONDS=0`. Precedence: flag, environment, file, default.",
];

/// The page's EXAMPLES, in the Markdown of the command pages.
pub const EXAMPLES: &str = r#"# EXAMPLES
A host with a disk check, Slack for the operator and email for info alerts, and a local LLM:
```toml
[[probe]]
name = "root-disk"
kind = "exec"
command = ["/usr/lib/nagios/plugins/check_disk", "-w", "20%", "-c", "10%", "-p", "/"]
category = "disk_full"

[wake]
debounce_seconds = 3600

[engine]
kind = "openai"
base_url = "http://127.0.0.1:11434/v1"
model = "llama3.1"

[operator]
channel = "slack"

[slack]
token_file = "/etc/tend/slack-token"
user_id = "U0123456"

[email]
smtp_host = "smtp.example.com"
from = "tend@example.com"
to = ["ops@example.com"]
password_file = "/etc/tend/smtp-password"
username_env = "SMTP_USER"

[alerts]
route = { critical = "slack", warning = "slack", info = "email" }
info_mode = "digest"
```
Check a file before it goes live, and see what the environment changes:
```sh
tend config check
TEND_WAKE_DEBOUNCE_SECONDS=0 tend config show | grep debounce_seconds
```
"#;
