//! Secrets named by the configuration (`*_env`, `*_file`), resolved at load time.
//! A secret never reaches Debug or Display output, an error, or the audit log.

use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

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
