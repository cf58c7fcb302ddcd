//! Configuration (design §2 and §12): `tend.toml`, the `TEND_<SECTION>_<KEY>`
//! environment overlay, and validation — all before any side effect.
//!
//! Loading is one step, [`load`], that returns a validated [`Config`] or a
//! [`ConfigError`] naming every problem with its origin (the file, or the
//! environment variable), its key and what was expected. Later commands use
//! these structs and never parse configuration themselves.

mod duration;
pub mod secret;
mod show;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use duration::{Duration, ParseDurationError};
pub use secret::{Deferred, Secret, SecretError, Secrets};
pub use validate::{is_valid_name, report_window_problem};

use crate::severity::Severity;

/// The configuration sections that `TEND_<SECTION>_<KEY>` may override.
pub const FLAT_SECTIONS: [&str; 12] = [
    "probes",
    "wake",
    "engine",
    "operator",
    "slack",
    "webhook",
    "email",
    "alerts",
    "incidents",
    "status",
    "heartbeat",
    "report",
];

/// Environment variables that are `tend`'s own settings, not configuration keys.
const NON_CONFIG_ENV: [&str; 4] = ["TEND_ROOT", "TEND_CONFIG", "TEND_NOW", "TEND_NO_COLOR"];

/// The effective configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub probes: ProbesConfig,
    #[serde(rename = "probe", skip_serializing_if = "Vec::is_empty")]
    pub probe: Vec<ProbeConfig>,
    pub wake: WakeConfig,
    pub engine: EngineConfig,
    pub operator: OperatorConfig,
    pub slack: SlackConfig,
    pub webhook: WebhookConfig,
    pub email: EmailConfig,
    pub alerts: AlertsConfig,
    pub incidents: IncidentsConfig,
    pub promote: PromoteConfig,
    #[serde(rename = "watcher", skip_serializing_if = "Vec::is_empty")]
    pub watchers: Vec<WatcherConfig>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub actors: BTreeMap<String, ActorConfig>,
    pub gc: GcConfig,
    pub status: StatusConfig,
    pub heartbeat: HeartbeatConfig,
    pub report: ReportConfig,
    /// The secrets the `*_env` / `*_file` keys name, read when the part that
    /// needs one is used (see [`secret`]). Never serialized.
    #[serde(skip)]
    pub secrets: Secrets,
    /// Where the file came from (None when there was none).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

// ---------------------------------------------------------------- [probes]

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbesConfig {
    /// Directory of executable probes, relative to the root.
    pub dir: PathBuf,
    pub timeout: Duration,
    pub max_parallel: usize,
    pub deadline: Duration,
    pub recover_after: u32,
    pub output_limit: usize,
}

impl Default for ProbesConfig {
    fn default() -> Self {
        ProbesConfig {
            dir: PathBuf::from("probes.d"),
            timeout: Duration::from_secs(10),
            max_parallel: 8,
            deadline: Duration::from_secs(50),
            recover_after: 2,
            output_limit: 10_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    #[default]
    Exec,
    Http,
    Tcp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeConfig {
    pub name: String,
    #[serde(default)]
    pub kind: ProbeKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default = "default_method")]
    pub method: String,
    /// Expected HTTP status codes; absent means any 2xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_status: Option<Vec<u16>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "duration::optional_millis"
    )]
    pub max_latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default)]
    pub severity: SeverityMap,
    #[serde(default)]
    pub envelope: EnvelopeConfig,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn default_method() -> String {
    "GET".to_string()
}

fn yes() -> bool {
    true
}

/// Which severity a wake gets for each non-OK Nagios state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeverityMap {
    pub warning: Severity,
    pub critical: Severity,
    pub unknown: Severity,
}

impl Default for SeverityMap {
    fn default() -> Self {
        SeverityMap {
            warning: Severity::Warning,
            critical: Severity::Critical,
            unknown: Severity::Warning,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvelopeConfig {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_name: Option<String>,
}

// ---------------------------------------------------------------- [wake]

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WakeConfig {
    #[serde(deserialize_with = "duration::seconds")]
    pub debounce_seconds: u64,
    pub consecutive_required: u32,
    pub bypass_critical: bool,
    pub recent_observations: usize,
}

impl Default for WakeConfig {
    fn default() -> Self {
        WakeConfig {
            debounce_seconds: 600,
            consecutive_required: 2,
            bypass_critical: false,
            recent_observations: 5,
        }
    }
}

// ---------------------------------------------------------------- [engine]

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    #[default]
    None,
    Openai,
    Anthropic,
    Command,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    pub kind: EngineKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    pub request_timeout: Duration,
    pub max_tokens: u32,
    pub max_daily_cost_usd: f64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub prices: BTreeMap<String, Price>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            kind: EngineKind::None,
            base_url: None,
            model: None,
            api_key_env: None,
            api_key_file: None,
            command: Vec::new(),
            request_timeout: Duration::from_secs(120),
            max_tokens: 600,
            max_daily_cost_usd: 1.0,
            prices: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

// ---------------------------------------------------------------- channels

/// A place a message can be sent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    #[default]
    Stdout,
    Slack,
    Webhook,
    Email,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Stdout => "stdout",
            ChannelKind::Slack => "slack",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Email => "email",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperatorConfig {
    /// Where `wake consume` sends: stdout, slack or webhook.
    pub channel: ChannelKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub api_base: String,
    pub timeout: Duration,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            token_env: None,
            token_file: None,
            user_id: None,
            api_base: "https://slack.com/api".to_string(),
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// A webhook URL embeds its credential: `config show` redacts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            url_env: None,
            url: None,
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTls {
    #[default]
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub tls: EmailTls,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub to: Vec<String>,
    pub timeout: Duration,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            smtp_host: None,
            smtp_port: 587,
            tls: EmailTls::Starttls,
            username_env: None,
            username_file: None,
            password_env: None,
            password_file: None,
            from: None,
            to: Vec::new(),
            timeout: Duration::from_secs(10),
        }
    }
}

// ---------------------------------------------------------------- [alerts]

/// A channel per severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub critical: ChannelKind,
    pub warning: ChannelKind,
    pub info: ChannelKind,
}

impl RouteTable {
    pub fn channel_for(&self, severity: Severity) -> ChannelKind {
        match severity {
            Severity::Critical => self.critical,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InfoMode {
    #[default]
    Immediate,
    Digest,
}

/// A duration per severity (reminder intervals; 0s = off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeverityDurations {
    pub critical: Duration,
    pub warning: Duration,
    pub info: Duration,
}

impl SeverityDurations {
    pub fn for_severity(&self, severity: Severity) -> Duration {
        match severity {
            Severity::Critical => self.critical,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Absent: critical and warning go to the operator channel, info to email
    /// when `[email]` is configured, else to the operator channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteTable>,
    pub cooldown: Duration,
    pub burst_limit: usize,
    pub info_mode: InfoMode,
    pub send_resolved: bool,
    pub repeat_interval: SeverityDurations,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            route: None,
            cooldown: Duration::from_secs(30 * 60),
            burst_limit: 5,
            info_mode: InfoMode::Immediate,
            send_resolved: true,
            repeat_interval: SeverityDurations::default(),
        }
    }
}

// -------------------------------------------------------------- [incidents]

/// `[incidents]` (design §6a): the reminders' back-off per severity and how
/// long resolved incidents stay listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentsConfig {
    pub reminders: ReminderSchedule,
    pub keep_resolved: Duration,
}

impl Default for IncidentsConfig {
    fn default() -> Self {
        IncidentsConfig {
            reminders: ReminderSchedule::default(),
            keep_resolved: Duration::from_secs(30 * 86_400),
        }
    }
}

/// The steps after which an incident still firing is reminded, per
/// severity; after the last step, every last step's interval. Empty: never.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReminderSchedule {
    pub critical: Vec<Duration>,
    pub warning: Vec<Duration>,
    pub info: Vec<Duration>,
}

impl Default for ReminderSchedule {
    fn default() -> Self {
        let h = |n: u64| Duration::from_secs(n * 3600);
        ReminderSchedule {
            critical: vec![Duration::from_secs(30 * 60), h(1), h(2), h(4)],
            warning: vec![h(2), h(8), h(24)],
            info: Vec::new(),
        }
    }
}

impl ReminderSchedule {
    pub fn for_severity(&self, severity: Severity) -> &[Duration] {
        match severity {
            Severity::Critical => &self.critical,
            Severity::Warning => &self.warning,
            Severity::Info => &self.info,
        }
    }
}

// ---------------------------------------------------------------- [promote]

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromoteConfig {
    /// Whether `tend tick` runs `promote run` (off by default: a fresh root
    /// stays quiet).
    pub enabled: bool,
    #[serde(rename = "router-tuning")]
    pub router_tuning: RouterTuningConfig,
    #[serde(rename = "tool-trimming")]
    pub tool_trimming: ToolTrimmingConfig,
    #[serde(rename = "probe-envelopes")]
    pub probe_envelopes: ProbeEnvelopesConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterTuningConfig {
    pub window: Duration,
    pub threshold: f64,
    pub min_calls: u64,
    #[serde(deserialize_with = "duration::days")]
    pub ttl_days: u32,
    pub on_approve: Vec<String>,
    pub on_approve_timeout: Duration,
}

impl Default for RouterTuningConfig {
    fn default() -> Self {
        RouterTuningConfig {
            window: Duration::from_secs(24 * 3600),
            threshold: 0.5,
            min_calls: 20,
            ttl_days: 14,
            on_approve: Vec::new(),
            on_approve_timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToolTrimmingConfig {
    pub window: Duration,
    pub min_calls: u64,
    /// Optional JSON `{route: [tools]}`; empty = the union of tools seen.
    pub registry_file: PathBuf,
    #[serde(deserialize_with = "duration::days")]
    pub ttl_days: u32,
    pub on_approve: Vec<String>,
    pub on_approve_timeout: Duration,
}

impl Default for ToolTrimmingConfig {
    fn default() -> Self {
        ToolTrimmingConfig {
            window: Duration::from_secs(30 * 86_400),
            min_calls: 20,
            registry_file: PathBuf::new(),
            ttl_days: 14,
            on_approve: Vec::new(),
            on_approve_timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeEnvelopesConfig {
    pub window: Duration,
    pub min_cluster: u64,
    #[serde(deserialize_with = "duration::days")]
    pub ttl_days: u32,
    /// Refused when set: this loop never auto-applies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_approve: Vec<String>,
}

impl Default for ProbeEnvelopesConfig {
    fn default() -> Self {
        ProbeEnvelopesConfig {
            window: Duration::from_secs(30 * 86_400),
            min_cluster: 3,
            ttl_days: 14,
            on_approve: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------- [[watcher]], [actors]

/// Where a list of entities (or sessions) comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Source {
    /// An argv run without a shell; JSON Lines (or a JSON array) on standard output.
    Command(Vec<String>),
    /// A JSON Lines or JSON array file, relative to the root.
    File(PathBuf),
    /// A directory of `*.json` files, one entity each, relative to the root.
    Dir(PathBuf),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatcherConfig {
    pub name: String,
    #[serde(default)]
    pub enabled: bool,
    pub source: Source,
    pub id_field: String,
    pub status_field: String,
    pub statuses: Vec<String>,
    pub since_field: String,
    #[serde(default)]
    pub recency_fields: RecencyFields,
    pub stale_after: Duration,
    pub context: String,
    pub choice: String,
    pub decided_by: String,
    pub namespace: uuid::Uuid,
    #[serde(default = "default_max_flags")]
    pub max_flags_per_run: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exempt_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exempt_when: BTreeMap<String, toml::Value>,
    /// Bound on a `command` source's run (default 60 s).
    #[serde(default = "default_source_timeout")]
    pub timeout: Duration,
}

fn default_max_flags() -> usize {
    100
}

fn default_source_timeout() -> Duration {
    Duration::from_secs(60)
}

/// A watcher's `recency_fields`: one list for every status, or a list per status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RecencyFields {
    All(Vec<String>),
    PerStatus(BTreeMap<String, Vec<String>>),
}

impl Default for RecencyFields {
    fn default() -> Self {
        RecencyFields::All(Vec::new())
    }
}

impl RecencyFields {
    /// The fields whose times count as progress for an entity in `status`.
    pub fn for_status(&self, status: &str) -> &[String] {
        match self {
            RecencyFields::All(fields) => fields,
            RecencyFields::PerStatus(map) => map.get(status).map_or(&[], Vec::as_slice),
        }
    }
}

/// Whether an `exempt_when` value from tend.toml equals an entity's JSON value
/// (numbers by value: `1` matches `1.0`).
pub fn toml_matches_json(expected: &toml::Value, actual: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (expected, actual) {
        (toml::Value::String(a), J::String(b)) => a == b,
        (toml::Value::Boolean(a), J::Bool(b)) => a == b,
        (toml::Value::Integer(a), J::Number(b)) => {
            b.as_i64() == Some(*a) || b.as_f64() == Some(*a as f64)
        }
        (toml::Value::Float(a), J::Number(b)) => b.as_f64() == Some(*a),
        (toml::Value::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| toml_matches_json(x, y))
        }
        (toml::Value::Table(a), J::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| toml_matches_json(x, y)))
        }
        (toml::Value::Datetime(a), J::String(b)) => a.to_string() == *b,
        _ => false,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActorConfig {
    pub active: bool,
}

impl Default for ActorConfig {
    fn default() -> Self {
        ActorConfig { active: true }
    }
}

// ---------------------------------------------------------------- [gc]

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GcConfig {
    pub checkpoints: GcCheckpointsConfig,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum CheckpointStore {
    Dir(PathBuf),
    Sqlite(PathBuf),
    /// A Postgres connection string held in this environment variable.
    #[serde(rename = "postgres_env")]
    PostgresEnv(String),
    /// A Postgres connection string held in this file (mode 0600).
    #[serde(rename = "postgres_file")]
    PostgresFile(PathBuf),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GcCheckpointsConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<CheckpointStore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<Source>,
    pub session_id_field: String,
    pub status_field: String,
    /// Statuses of sessions that are over; empty: only sessions missing from
    /// the source are gone.
    pub terminal_statuses: Vec<String>,
    /// A session whose record has this field set (not null, not false, not
    /// "") is gone; empty: not used.
    pub deleted_field: String,
    pub min_age: Duration,
    pub max_deletions: usize,
    /// Bound on a `command` sessions source's run (default 60 s, as a
    /// watcher's `timeout`); past it the source failed and nothing is deleted.
    pub sessions_timeout: Duration,
}

impl Default for GcCheckpointsConfig {
    fn default() -> Self {
        GcCheckpointsConfig {
            store: None,
            sessions: None,
            session_id_field: "id".to_string(),
            status_field: "status".to_string(),
            terminal_statuses: Vec::new(),
            deleted_field: String::new(),
            min_age: Duration::from_secs(3600),
            max_deletions: 1000,
            sessions_timeout: Duration::from_secs(60),
        }
    }
}

// ---------------------------------------------------------------- [status]

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// Command name ("probe run") → the interval after which it is overdue.
    /// A command listed here is checked even before its first run; the
    /// built-in expectations ([`default_expect`]) apply once a command has run.
    pub expect: BTreeMap<String, Duration>,
}

/// `[heartbeat]` (design §10): a URL requested after each `tick` — `{url}` on
/// success, `{url}/{exit_code}` otherwise — so that someone else notices a
/// dead host or crontab.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeartbeatConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// A ping URL is a credential: `config show` redacts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub timeout: Duration,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        HeartbeatConfig {
            url_env: None,
            url: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// `[report]` (design §13): where `tick` keeps the status page, how often it
/// refreshes it, and the window a report covers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// The directory of `index.html`, relative to the root unless absolute;
    /// empty: `tick` writes no report.
    pub dir: String,
    /// `tick` refreshes the page at most this often.
    pub every: Duration,
    /// What a report covers, ending now: whole hours, 1h to 366d.
    pub window: Duration,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            dir: String::new(),
            every: Duration::from_secs(300),
            window: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Expected intervals that apply to a command once it has run at least once
/// ([`crate::command::Command::default_expect`]), by command name.
pub fn default_expect() -> Vec<(&'static str, Duration)> {
    (crate::command::Command::ALL.into_iter())
        .filter_map(|c| Some((c.lock(), Duration::from_secs(c.default_expect()?.as_secs()))))
        .collect()
}

impl Config {
    /// The channel each alert severity goes to, with the defaults described on
    /// [`AlertsConfig::route`] applied.
    pub fn alert_route(&self) -> RouteTable {
        self.alerts.route.unwrap_or(RouteTable {
            critical: self.operator.channel,
            warning: self.operator.channel,
            info: if self.email.smtp_host.is_some() {
                ChannelKind::Email
            } else {
                self.operator.channel
            },
        })
    }

    /// Every channel something may send through, so that each is checked at load.
    pub fn channels_in_use(&self) -> Vec<ChannelKind> {
        let route = self.alert_route();
        let mut used = vec![
            self.operator.channel,
            route.critical,
            route.warning,
            route.info,
        ];
        used.sort();
        used.dedup();
        used
    }

    /// The environment variables that hold secrets (the `*_env` keys), so that
    /// child processes such as probes can be started without them.
    pub fn secret_env_vars(&self) -> Vec<String> {
        [
            &self.slack.token_env,
            &self.webhook.url_env,
            &self.email.username_env,
            &self.email.password_env,
            &self.engine.api_key_env,
            &self.heartbeat.url_env,
            &match &self.gc.checkpoints.store {
                Some(CheckpointStore::PostgresEnv(var)) => Some(var.clone()),
                _ => None,
            },
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }

    /// Registers every configured secret the environment holds with the
    /// process-wide scrub (design §10), whether or not this run uses it (a
    /// channel not in use today still names a real credential). A secret
    /// file is registered when it is read.
    pub fn register_secrets(&self, env: &Env) {
        let named = self.secret_env_vars();
        crate::store::redact::register(
            named
                .iter()
                .filter_map(|var| env.get(var))
                .map(|value| value.trim()),
        );
        // A ping URL is a credential in every part (its path, its query, its
        // user information): see `redact::url_parts`.
        let heartbeat = self.heartbeat.url.as_deref().or_else(|| {
            let var = self.heartbeat.url_env.as_deref()?;
            env.get(var).map(|value| value.trim())
        });
        if let Some(url) = heartbeat {
            crate::store::redact::register_url(url);
        }
    }

    /// The configuration as TOML with every secret-bearing value redacted.
    pub fn to_redacted_toml(&self) -> String {
        let rendered = toml::Value::try_from(self.redacted()).and_then(|mut value| {
            redact_urls_toml(&mut value);
            toml::to_string_pretty(&value)
        });
        rendered.unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }

    /// The configuration as JSON, redacted as [`Config::to_redacted_toml`].
    pub fn to_redacted_json(&self) -> serde_json::Result<serde_json::Value> {
        let mut value = serde_json::to_value(self.redacted())?;
        redact_urls_json(&mut value);
        Ok(value)
    }

    /// A copy safe to print: literal webhook URLs and credential-like probe
    /// headers are replaced by `<redacted>` (secrets themselves are never held in
    /// the serialized fields, only the names of their variables and files).
    /// Credentials inside other URLs are redacted when rendering.
    pub fn redacted(&self) -> Config {
        const REDACTED: &str = "<redacted>";
        let mut copy = self.clone();
        if copy.webhook.url.is_some() {
            copy.webhook.url = Some(REDACTED.to_string());
        }
        if copy.heartbeat.url.is_some() {
            copy.heartbeat.url = Some(REDACTED.to_string());
        }
        for probe in &mut copy.probe {
            for (name, value) in probe.headers.iter_mut() {
                if name.eq_ignore_ascii_case("cookie") || is_credential_name(name) {
                    *value = REDACTED.to_string();
                }
            }
        }
        copy
    }
}

/// A URL with its credentials redacted (design §10): the user information
/// (`https://u:pass@host/…` → `https://<redacted>@host/…`) and the value of
/// every query parameter named like a credential (`?token=…`, `api_key`,
/// `X-Amz-Signature`, …). Text that is not a URL is returned unchanged.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let (scheme, rest) = (&url[..scheme_end], &url[scheme_end + 3..]);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("<redacted>@{}", &authority[at + 1..]),
        None => authority.to_string(),
    };
    let (before_fragment, fragment) = match tail.find('#') {
        Some(i) => tail.split_at(i),
        None => (tail, ""),
    };
    let tail = match before_fragment.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((name, value)) if !value.is_empty() && is_credential_name(name) => {
                        format!("{name}=<redacted>")
                    }
                    _ => param.to_string(),
                })
                .collect();
            format!("{path}?{}{fragment}", params.join("&"))
        }
        None => format!("{before_fragment}{fragment}"),
    };
    format!("{scheme}://{authority}{tail}")
}

/// A query parameter or header name that carries a credential.
fn is_credential_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "token",
        "key",
        "secret",
        "password",
        "passwd",
        "pwd",
        "sig",
        "auth",
        "credential",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// Applies [`redact_url`] to every string in `value` that holds a URL.
fn redact_urls_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.contains("://") => *s = redact_url(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_urls_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_urls_json),
        _ => {}
    }
}

/// [`redact_urls_json`] for the TOML rendering.
fn redact_urls_toml(value: &mut toml::Value) {
    match value {
        toml::Value::String(s) if s.contains("://") => *s = redact_url(s),
        toml::Value::Array(items) => items.iter_mut().for_each(redact_urls_toml),
        toml::Value::Table(map) => map.iter_mut().for_each(|(_, v)| redact_urls_toml(v)),
        _ => {}
    }
}

// ---------------------------------------------------------------- errors

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file (with line where known) or `environment variable TEND_…`.
    pub origin: String,
    /// The dotted key, e.g. `wake.debounce_seconds` or `probe[2].timeout`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{}: {}: {}", self.origin, self.key, self.message)
        }
    }
}

/// The configuration is invalid: exit 2, nothing done.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration")?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

// ---------------------------------------------------------------- loading

/// A snapshot of the environment, taken once so that loading is a pure function
/// of its inputs (and tests can pass their own).
pub type Env = BTreeMap<String, String>;

/// Loads, overlays and validates. `explicit` is `--config FILE`; otherwise
/// `<root>/tend.toml` is read when it exists.
pub fn load(root: &Path, explicit: Option<&Path>, env: &Env) -> Result<Config, ConfigError> {
    let path = explicit
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join("tend.toml"));
    let origin = path.display().to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => None,
        Err(e) => {
            return Err(single(
                &origin,
                "",
                format!("cannot read the configuration file: {e}"),
            ));
        }
    };

    // The file alone first, so that its errors carry line numbers.
    let mut table = match &text {
        Some(text) => parse_file(text, &origin)?,
        None => toml::Table::new(),
    };

    let env_origins = overlay_env(&mut table, env)?;
    let mut config: Config = deserialize_value(table, &origin, &env_origins)?;
    config.source = text.map(|_| path.clone());

    config.secrets = Secrets::from_env(env);
    let lookup = |var: &str| env.get(var).cloned();
    let problems = validate::validate(&config, &lookup);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError {
            problems: problems
                .into_iter()
                .map(|(key, message)| Problem {
                    origin: origin_of(&key, &origin, &env_origins),
                    key,
                    message,
                })
                .collect(),
        })
    }
}

fn single(origin: &str, key: &str, message: String) -> ConfigError {
    ConfigError {
        problems: vec![Problem {
            origin: origin.to_string(),
            key: key.to_string(),
            message,
        }],
    }
}

fn origin_of(key: &str, file_origin: &str, env_origins: &BTreeMap<String, String>) -> String {
    env_origins
        .iter()
        .find(|(k, _)| key == k.as_str() || key.starts_with(&format!("{k}.")))
        .map(|(_, var)| format!("environment variable {var}"))
        .unwrap_or_else(|| file_origin.to_string())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn parse_file(text: &str, origin: &str) -> Result<toml::Table, ConfigError> {
    // Syntax.
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!(" (line {})", line_of(text, s.start)))
            .unwrap_or_default();
        single(
            &format!("{origin}{at}"),
            "",
            format!("not valid TOML: {}", e.message().trim()),
        )
    })?;
    // Shape, against the typed structs, so that errors point at a line.
    let de = toml::Deserializer::new(text);
    if let Err(e) = serde_path_to_error::deserialize::<_, Config>(de) {
        let key = e.path().to_string();
        let inner = e.inner();
        let at = inner
            .span()
            .map(|s| format!(" (line {})", line_of(text, s.start)))
            .unwrap_or_default();
        let key = name_entries(&clean_key(&key), &entry_names(&table));
        let message = plain_expectation(inner.message().trim());
        let message = one_key_table(&key, &message).unwrap_or(message);
        return Err(single(&format!("{origin}{at}"), &key, message));
    }
    Ok(table)
}

fn deserialize_value(
    table: toml::Table,
    origin: &str,
    env_origins: &BTreeMap<String, String>,
) -> Result<Config, ConfigError> {
    let entry_names = entry_names(&table);
    serde_path_to_error::deserialize::<_, Config>(toml::Value::Table(table)).map_err(|e| {
        let key = name_entries(&clean_key(&e.path().to_string()), &entry_names);
        let message = plain_expectation(e.inner().message().trim());
        let message = one_key_table(&key, &message).unwrap_or(message);
        single(&origin_of(&key, origin, env_origins), &key, message)
    })
}

/// The names of the `[[probe]]` and `[[watcher]]` entries, to name them in
/// errors.
fn entry_names(table: &toml::Table) -> [(&'static str, Vec<String>); 2] {
    let names = |kind: &str| -> Vec<String> {
        table
            .get(kind)
            .and_then(toml::Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        e.get("name")
                            .and_then(toml::Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    [("probe", names("probe")), ("watcher", names("watcher"))]
}

/// `probe[0].timeout` → `probe "api".timeout` (see [`validate::entry_name`]).
fn name_entries(key: &str, entries: &[(&str, Vec<String>)]) -> String {
    for (kind, names) in entries {
        let Some(rest) = key.strip_prefix(kind).and_then(|r| r.strip_prefix('[')) else {
            continue;
        };
        let Some((index, tail)) = rest.split_once(']') else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let name = names.get(index).map(String::as_str).unwrap_or_default();
        return format!("{}{tail}", validate::entry_name(kind, index, name));
    }
    key.to_string()
}

/// The toml crate's "wanted exactly 1 element" for a table that picks one
/// kind (`source = { command = [...] }`) in words naming the shapes accepted.
fn one_key_table(key: &str, message: &str) -> Option<String> {
    if !message.starts_with("wanted exactly 1 element") {
        return None;
    }
    let found = if message.contains("more than 1") {
        "more than one key"
    } else {
        "no key"
    };
    let source_shapes =
        "`{ command = [\"prog\", \"arg\"] }`, `{ file = \"path\" }` or `{ dir = \"path\" }`";
    let field = key.rsplit('.').next().unwrap_or(key);
    let expected = match (key, field) {
        ("gc.checkpoints.sessions", _) => format!(
            "expected a table with exactly one key: {source_shapes}; a command's time bound is `sessions_timeout = \"5s\"` in [gc.checkpoints], not inside `sessions`"
        ),
        (_, "source") if key.starts_with("watcher") => format!(
            "expected a table with exactly one key: {source_shapes}; a command's time bound is the watcher's own `timeout = \"5s\"`, beside `source`, not inside it"
        ),
        ("gc.checkpoints.store", _) => "expected a table with exactly one key: `{ sqlite = \"path\" }`, `{ dir = \"path\" }`, `{ postgres_env = \"VAR\" }` or `{ postgres_file = \"path\" }`".to_string(),
        _ => "expected a table with exactly one key, naming its kind".to_string(),
    };
    Some(format!("{expected}; found {found}"))
}

/// serde's `expected u64` in words a user of the file knows.
fn plain_expectation(message: &str) -> String {
    let mut message = did_you_mean(message);
    for (rust, plain) in [
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected usize", "expected a whole number, 0 or more"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
    ] {
        if message.ends_with(rust) {
            message = format!("{}{plain}", &message[..message.len() - rust.len()]);
        }
    }
    message
}

/// serde's "unknown field `routes`, expected one of `route`, …" (or
/// "unknown variant") with the likely meant name first: "unknown field
/// `routes`; did you mean `route`? Expected one of …".
fn did_you_mean(message: &str) -> String {
    let Some((unknown, expected)) = message.split_once(", expected ") else {
        return message.to_string();
    };
    if !(unknown.starts_with("unknown field `") || unknown.starts_with("unknown variant `")) {
        return message.to_string();
    }
    let quoted = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let Some(word) = quoted(unknown).into_iter().next() else {
        return message.to_string();
    };
    let names = quoted(expected);
    match crate::terminal::closest(&word, names.iter().map(String::as_str)) {
        Some(meant) => format!("{unknown}; did you mean `{meant}`? Expected {expected}"),
        None => message.to_string(),
    }
}

/// serde_path_to_error writes `.` for the root and `?` for unknown positions.
fn clean_key(key: &str) -> String {
    if key == "." {
        String::new()
    } else {
        key.to_string()
    }
}

/// Applies `TEND_<SECTION>_<KEY>` variables to the table, typed after the
/// default value of the key. Returns `section.key` → variable name.
///
/// A variable that carries a secret is never also an override (design §10):
/// one named by a `*_env` key (`url_env = "TEND_HEARTBEAT_URL"`), and one
/// named after a secret that has no key of its own (`TEND_SLACK_TOKEN`,
/// `TEND_ENGINE_API_KEY`: the secret comes from `token_env`/`token_file`).
fn overlay_env(
    table: &mut toml::Table,
    env: &Env,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let defaults = toml::Value::try_from(Config::default()).ok();
    let carriers = secret::carriers(table, env);
    let mut origins = BTreeMap::new();
    for (var, raw) in env {
        let Some(rest) = var.strip_prefix("TEND_") else {
            continue;
        };
        if NON_CONFIG_ENV.contains(&var.as_str()) || carriers.contains(var.as_str()) {
            continue;
        }
        let Some((section, key)) = rest.split_once('_') else {
            continue;
        };
        let section = section.to_ascii_lowercase();
        if !FLAT_SECTIONS.contains(&section.as_str()) {
            continue;
        }
        let key = key.to_ascii_lowercase();
        if secret::is_secret_shaped(&section, &key) {
            continue;
        }
        let default = defaults
            .as_ref()
            .and_then(|d| d.get(&section))
            .and_then(|s| s.get(&key));
        let value = typed_env_value(raw, default);
        let section_table = table
            .entry(section.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(section_table) = section_table.as_table_mut() else {
            return Err(single(
                &format!("environment variable {var}"),
                &section,
                format!("[{section}] in the file is not a table"),
            ));
        };
        section_table.insert(key.clone(), value);
        origins.insert(format!("{section}.{key}"), var.clone());
    }
    Ok(origins)
}

fn typed_env_value(raw: &str, default: Option<&toml::Value>) -> toml::Value {
    use toml::Value as V;
    let literal = || {
        format!("v = {raw}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
    };
    match default {
        Some(V::String(_)) => V::String(raw.to_string()),
        Some(V::Integer(_)) => raw
            .trim()
            .parse()
            .map(V::Integer)
            .unwrap_or_else(|_| V::String(raw.into())),
        Some(V::Float(_)) => raw
            .trim()
            .parse()
            .map(V::Float)
            .unwrap_or_else(|_| V::String(raw.into())),
        Some(V::Boolean(_)) => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => V::Boolean(true),
            "false" | "0" | "no" | "off" => V::Boolean(false),
            _ => V::String(raw.to_string()),
        },
        _ => literal().unwrap_or_else(|| V::String(raw.to_string())),
    }
}

#[cfg(test)]
mod tests;
