//! Secrets named by the configuration (`*_env`, `*_file`), read when the part
//! that needs them is used (design §10: a missing secret never stops
//! monitoring). Loading checks only the shape (a channel in use names a
//! credential, not two); reading happens through [`Config`]'s accessors
//! (`slack_token`, `engine_api_key`, …), once per run, and a secret that
//! cannot be read is the failure of the one channel, engine or heartbeat that
//! asked, recorded here so that the run names it once ([`Config::secret_failures`]).
//! A secret never reaches Debug or Display output, an error, or the audit log:
//! each value read is registered with the process-wide scrub.

use std::collections::BTreeMap;
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{CheckpointStore, Config, EngineKind, Env};
use crate::store::redact;

/// A resolved secret value. Its formatting is always `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that sends it (an HTTP header, SMTP auth).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A secret that cannot be read: the key that names it, and why (naming the
/// variable or the file, never a value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct SecretError {
    /// `slack.token_env`, `heartbeat.url_env`, …
    pub key: String,
    pub reason: String,
}

/// Where a configured secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Carrier {
    Env(String),
    File(PathBuf),
}

/// What a secret must look like once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    /// An http(s) URL that is itself a credential (a webhook, a ping URL):
    /// every part of it is scrubbed ([`redact::register_url`]).
    Url,
}

/// The secrets of one run: the environment they are read from, and what each
/// read gave (so a secret is read once, and its failure reported once).
/// Clones share the record.
#[derive(Clone, Default)]
pub struct Secrets {
    env: Arc<Env>,
    read: Arc<Mutex<BTreeMap<String, Result<Secret, SecretError>>>>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

impl Secrets {
    /// Secrets read from `env` (a snapshot of the process environment).
    pub fn from_env(env: &Env) -> Secrets {
        Secrets {
            env: Arc::new(env.clone()),
            read: Arc::default(),
        }
    }

    /// `text` with every secret scrubbed (the process-wide scrub): for
    /// messages that quote what a remote service answered.
    pub fn scrub(&self, text: &str) -> String {
        redact::scrub(text).into_owned()
    }

    /// Reads the secret `key` names from `carrier`, once per run: a second
    /// ask gets the first answer.
    fn obtain(&self, key: &str, carrier: Carrier, shape: Shape) -> Result<Secret, SecretError> {
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        read.entry(key.to_string())
            .or_insert_with(|| self.fetch(key, &carrier, shape))
            .clone()
    }

    /// Reads without recording (for `config check`, which reports rather
    /// than fails).
    fn fetch(&self, key: &str, carrier: &Carrier, shape: Shape) -> Result<Secret, SecretError> {
        let value = match carrier {
            Carrier::Env(var) => from_env(var, &|v| self.env.get(v).cloned()),
            Carrier::File(path) => from_file(path),
        }
        .and_then(|secret| match shape {
            Shape::Url if !is_http_url(secret.expose()) => Err(format!(
                "{} is not an http:// or https:// URL",
                match carrier {
                    Carrier::Env(var) => format!("environment variable {var}"),
                    Carrier::File(path) => format!("secret file {}", path.display()),
                }
            )),
            _ => Ok(secret),
        })
        .map_err(|reason| SecretError {
            key: key.to_string(),
            reason: hint(key, reason, &self.env),
        })?;
        match shape {
            Shape::Text => redact::register([value.expose()]),
            Shape::Url => redact::register_url(value.expose()),
        }
        Ok(value)
    }

    /// The secrets that could not be read so far this run, in key order.
    fn failures(&self) -> Vec<SecretError> {
        let read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        read.values().filter_map(|r| r.clone().err()).collect()
    }
}

/// A reason, with a pointer to the variable the user probably meant when a
/// `TEND_<SECTION>_<NAME>` of this secret is set but not the one named.
fn hint(key: &str, reason: String, env: &Env) -> String {
    let Some((section, field)) = key.split_once('.') else {
        return reason;
    };
    let name = field.trim_end_matches("_env").trim_end_matches("_file");
    let guess = format!("TEND_{section}_{name}").to_ascii_uppercase();
    if env.contains_key(&guess) && !reason.contains(&guess) {
        format!("{reason} ({guess} is set: name it with {section}.{name}_env = \"{guess}\")")
    } else {
        reason
    }
}

fn is_http_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://")) && url.len() > "https://".len()
}

/// The carrier an `_env`/`_file` pair names (the shape is validated at load:
/// not both).
fn carrier(env: &Option<String>, file: &Option<PathBuf>) -> Option<Carrier> {
    match (env, file) {
        (Some(var), _) => Some(Carrier::Env(var.clone())),
        (None, Some(path)) => Some(Carrier::File(path.clone())),
        (None, None) => None,
    }
}

/// A secret to read when it is first needed: what an engine keeps until it
/// is asked, so that a run with nothing to investigate never needs its key.
#[derive(Debug, Clone)]
pub struct Deferred {
    secrets: Secrets,
    key: String,
    carrier: Carrier,
}

impl Deferred {
    /// Reads it (once per run: later calls get the same answer).
    pub fn get(&self) -> Result<Secret, SecretError> {
        self.secrets
            .obtain(&self.key, self.carrier.clone(), Shape::Text)
    }
}

/// Each part's secret, read when the part is used. `Ok(None)`: the part
/// names no such secret (a local engine without a key, SMTP without
/// authentication); `Err`: it names one that cannot be read, which is that
/// part's failure.
impl Config {
    pub fn slack_token(&self) -> Result<Option<Secret>, SecretError> {
        let s = &self.slack;
        let key = if s.token_env.is_some() {
            "slack.token_env"
        } else {
            "slack.token_file"
        };
        carrier(&s.token_env, &s.token_file)
            .map(|c| self.secrets.obtain(key, c, Shape::Text))
            .transpose()
    }

    pub fn webhook_url(&self) -> Result<Option<Secret>, SecretError> {
        match (&self.webhook.url_env, &self.webhook.url) {
            (Some(var), _) => self
                .secrets
                .obtain("webhook.url_env", Carrier::Env(var.clone()), Shape::Url)
                .map(Some),
            (None, Some(url)) => {
                redact::register_url(url);
                Ok(Some(Secret::new(url.clone())))
            }
            (None, None) => Ok(None),
        }
    }

    /// The SMTP user name and password (both or neither: validated at load).
    pub fn smtp_credentials(&self) -> Result<Option<(Secret, Secret)>, SecretError> {
        let e = &self.email;
        let key = |env: &Option<String>, name: &str| {
            format!(
                "email.{name}_{}",
                if env.is_some() { "env" } else { "file" }
            )
        };
        let user = carrier(&e.username_env, &e.username_file);
        let password = carrier(&e.password_env, &e.password_file);
        let (Some(user), Some(password)) = (user, password) else {
            return Ok(None);
        };
        let user = self
            .secrets
            .obtain(&key(&e.username_env, "username"), user, Shape::Text)?;
        let password =
            self.secrets
                .obtain(&key(&e.password_env, "password"), password, Shape::Text)?;
        Ok(Some((user, password)))
    }

    /// The HTTP engine's API key (none for the command engine).
    pub fn engine_api_key(&self) -> Result<Option<Secret>, SecretError> {
        self.engine_api_key_deferred()
            .map(|key| key.get())
            .transpose()
    }

    /// [`Config::engine_api_key`], to read when the engine is first asked.
    pub fn engine_api_key_deferred(&self) -> Option<Deferred> {
        let e = &self.engine;
        if !matches!(e.kind, EngineKind::Openai | EngineKind::Anthropic) {
            return None;
        }
        let key = if e.api_key_env.is_some() {
            "engine.api_key_env"
        } else {
            "engine.api_key_file"
        };
        Some(Deferred {
            secrets: self.secrets.clone(),
            key: key.to_string(),
            carrier: carrier(&e.api_key_env, &e.api_key_file)?,
        })
    }

    /// The `[heartbeat]` URL (a ping URL is its own credential).
    pub fn heartbeat_url(&self) -> Result<Option<Secret>, SecretError> {
        match (&self.heartbeat.url_env, &self.heartbeat.url) {
            (Some(var), _) => self
                .secrets
                .obtain("heartbeat.url_env", Carrier::Env(var.clone()), Shape::Url)
                .map(Some),
            (None, Some(url)) => {
                redact::register_url(url);
                Ok(Some(Secret::new(url.clone())))
            }
            (None, None) => Ok(None),
        }
    }

    /// The Postgres connection string of `[gc.checkpoints] store`.
    pub fn checkpoints_dsn(&self) -> Result<Option<Secret>, SecretError> {
        let key = "gc.checkpoints.store";
        match &self.gc.checkpoints.store {
            Some(CheckpointStore::PostgresEnv(var)) => self
                .secrets
                .obtain(
                    &format!("{key}.postgres_env"),
                    Carrier::Env(var.clone()),
                    Shape::Text,
                )
                .map(Some),
            Some(CheckpointStore::PostgresFile(path)) => self
                .secrets
                .obtain(
                    &format!("{key}.postgres_file"),
                    Carrier::File(path.clone()),
                    Shape::Text,
                )
                .map(Some),
            _ => Ok(None),
        }
    }

    /// The secrets this run needed and could not read, each once.
    pub fn secret_failures(&self) -> Vec<SecretError> {
        self.secrets.failures()
    }

    /// Every secret the configuration names for a part in use, read now
    /// without recording: what `tend config check` and `tend doctor` report.
    pub fn unreadable_secrets(&self) -> Vec<SecretError> {
        let probe = Config {
            secrets: Secrets::from_env(&self.secrets.env),
            ..self.clone()
        };
        let used = self.channels_in_use();
        let mut problems = Vec::new();
        let mut check = |result: Result<_, SecretError>| problems.extend(result.err());
        if used.contains(&super::ChannelKind::Slack) {
            check(probe.slack_token().map(drop));
        }
        if used.contains(&super::ChannelKind::Webhook) {
            check(probe.webhook_url().map(drop));
        }
        if used.contains(&super::ChannelKind::Email) {
            check(probe.smtp_credentials().map(drop));
        }
        check(probe.engine_api_key().map(drop));
        check(probe.heartbeat_url().map(drop));
        check(probe.checkpoints_dsn().map(drop));
        problems
    }
}

/// Reads a secret from the environment variable `var`. The message of an error
/// names the variable, never a value.
pub fn from_env(var: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Secret, String> {
    match env(var) {
        Some(value) if !value.trim().is_empty() => Ok(Secret(value.trim().to_string())),
        Some(_) => Err(format!("environment variable {var} is empty")),
        None => Err(format!("environment variable {var} is not set")),
    }
}

/// Reads a secret file, refusing one that group or others can read.
pub fn from_file(path: &Path) -> Result<Secret, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
    let mode = meta.permissions().mode();
    if mode & 0o044 != 0 {
        return Err(format!(
            "secret file {} is readable by group or others (mode {:04o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o7777,
            path.display()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(format!("secret file {} is empty", path.display()));
    }
    Ok(Secret(value.to_string()))
}

/// The secrets a flat section can name, by the name its keys share: `<name>_env`
/// (a variable) and, where it exists, `<name>_file` or `<name>` itself (a
/// literal URL, which is its own credential).
pub const SECRET_KEYS: [(&str, &str); 6] = [
    ("slack", "token"),
    ("webhook", "url"),
    ("email", "username"),
    ("email", "password"),
    ("engine", "api_key"),
    ("heartbeat", "url"),
];

/// The variables that carry a secret, as the file and the environment name
/// them: every `<name>_env` of [`SECRET_KEYS`], whether in the file or set as
/// `TEND_<SECTION>_<NAME>_ENV`, and `[gc.checkpoints] store = { postgres_env }`.
pub fn carriers(table: &toml::Table, env: &super::Env) -> std::collections::BTreeSet<String> {
    let mut vars = std::collections::BTreeSet::new();
    for (section, name) in SECRET_KEYS {
        let key = format!("{name}_env");
        if let Some(var) = table
            .get(section)
            .and_then(|s| s.get(&key))
            .and_then(toml::Value::as_str)
        {
            vars.insert(var.trim().to_string());
        }
        let overridden = format!("TEND_{}_{}", section, key).to_ascii_uppercase();
        if let Some(var) = env.get(&overridden) {
            vars.insert(var.trim().to_string());
        }
    }
    if let Some(var) = table
        .get("gc")
        .and_then(|g| g.get("checkpoints"))
        .and_then(|c| c.get("store"))
        .and_then(|s| s.get("postgres_env"))
        .and_then(toml::Value::as_str)
    {
        vars.insert(var.trim().to_string());
    }
    vars
}

/// Whether `TEND_<SECTION>_<KEY>` names a secret rather than a key:
/// `TEND_SLACK_TOKEN` (slack has `token_env` and `token_file`, no `token`).
/// Such a variable is only ever read through the `*_env` key that names it.
pub fn is_secret_shaped(section: &str, key: &str) -> bool {
    SECRET_KEYS
        .iter()
        .any(|(s, name)| *s == section && *name == key && key != "url")
}
