//! Silences (design §6): `tend alerts silence add|list|expire`, stored one JSON
//! file each under `silences/{active,expired}/` through the status-directory
//! store. A silence mutes the alerts that match all its matchers (exact values
//! of id, category, severity, source) from its start until its end; an alert
//! still firing when the silence ends is notified on the next run.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::AlertsCount;
use super::source::Alert;
use crate::cli::{MatchKeyArg, SilenceAddArgs, SilenceCommand, SilenceExpireArgs, SilenceListArgs};
use crate::clock::format_ts;
use crate::ctx::{Ctx, Outcome};
use crate::exit::UsageError;
use crate::store::status_dir::{MoveError, Status, StatusDirs};

/// Where a silence is: `silences/active/` or `silences/expired/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceStatus {
    Active,
    Expired,
}

impl Status for SilenceStatus {
    const ALL: &'static [SilenceStatus] = &[SilenceStatus::Active, SilenceStatus::Expired];

    fn name(self) -> &'static str {
        match self {
            SilenceStatus::Active => "active",
            SilenceStatus::Expired => "expired",
        }
    }

    fn next(self) -> &'static [SilenceStatus] {
        match self {
            SilenceStatus::Active => &[SilenceStatus::Expired],
            SilenceStatus::Expired => &[],
        }
    }
}

pub const ACTIVE: SilenceStatus = SilenceStatus::Active;
pub const EXPIRED: SilenceStatus = SilenceStatus::Expired;

/// Namespace of silence ids (v5 over what the silence says).
const SILENCE_NAMESPACE: Uuid = Uuid::from_u128(0x3b9f_6a1c_52d0_4e7b_8c21_9f0e_a4d6_7b13);

/// What a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKey {
    Id,
    Category,
    Severity,
    Source,
}

impl MatchKey {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKey::Id => "id",
            MatchKey::Category => "category",
            MatchKey::Severity => "severity",
            MatchKey::Source => "source",
        }
    }

    fn value_of(self, alert: &Alert) -> &str {
        match self {
            MatchKey::Id => &alert.id,
            MatchKey::Category => &alert.category,
            MatchKey::Severity => alert.severity.as_str(),
            MatchKey::Source => &alert.source,
        }
    }
}

impl fmt::Display for MatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<MatchKeyArg> for MatchKey {
    fn from(key: MatchKeyArg) -> Self {
        match key {
            MatchKeyArg::Id => MatchKey::Id,
            MatchKeyArg::Category => MatchKey::Category,
            MatchKeyArg::Severity => MatchKey::Severity,
            MatchKeyArg::Source => MatchKey::Source,
        }
    }
}

/// One silence file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    /// Every matcher must match.
    pub matchers: BTreeMap<MatchKey, String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Set when `silence expire` ended it early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_by: Option<String>,
}

impl Silence {
    /// In force at `now`: started, not ended (the end is exclusive), not expired.
    pub fn is_active_at(&self, now: DateTime<Utc>) -> bool {
        self.expired_at.is_none() && self.starts_at <= now && now < self.ends_at
    }

    pub fn matches(&self, alert: &Alert) -> bool {
        !self.matchers.is_empty()
            && self
                .matchers
                .iter()
                .all(|(key, value)| key.value_of(alert) == value)
    }

    /// Whether it mutes `alert` at `now`.
    pub fn applies(&self, alert: &Alert, now: DateTime<Utc>) -> bool {
        self.is_active_at(now) && self.matches(alert)
    }

    pub fn describe_matchers(&self) -> String {
        self.matchers
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A short id from what the silence says: `s-` and 12 hex digits. The same
/// command at the same instant gives the same id (re-running it is a no-op).
pub fn silence_id(
    matchers: &BTreeMap<MatchKey, String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: &str,
) -> String {
    let fact = json!({
        "matchers": matchers,
        "starts_at": format_ts(starts_at),
        "ends_at": format_ts(ends_at),
        "reason": reason,
    })
    .to_string();
    let uuid = Uuid::new_v5(&SILENCE_NAMESPACE, fact.as_bytes());
    format!("s-{}", &uuid.simple().to_string()[..12])
}

pub fn store(ctx: &Ctx) -> StatusDirs<SilenceStatus> {
    StatusDirs::new(ctx.root.silences_dir(), ctx.root.quarantine_dir())
}

/// The silences in `active/` and any problem reading one (named by file).
pub fn load_active(ctx: &Ctx) -> Result<(Vec<Silence>, Vec<String>)> {
    load(ctx, ACTIVE)
}

fn load(ctx: &Ctx, status: SilenceStatus) -> Result<(Vec<Silence>, Vec<String>)> {
    let store = store(ctx);
    let mut silences = Vec::new();
    let mut problems = Vec::new();
    for id in store.list(status)? {
        let path = store.path(status, &id);
        let parsed = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice::<Silence>(&bytes).map_err(|e| e.to_string()));
        match parsed {
            Ok(s) if s.id == id => silences.push(s),
            Ok(s) => problems.push(format!(
                "{}: its id {:?} does not match the file name",
                path.display(),
                s.id
            )),
            Err(e) => problems.push(format!("{}: not a silence ({e})", path.display())),
        }
    }
    Ok((silences, problems))
}

/// Moves silences whose end has passed to `expired/` (done by `alerts notify`).
pub fn expire_ended(ctx: &Ctx, silences: &[Silence]) -> Result<usize> {
    let store = store(ctx);
    let now = ctx.now();
    let mut moved = 0;
    for s in silences.iter().filter(|s| s.ends_at <= now) {
        let bytes = to_bytes(s)?;
        match store.move_item(&s.id, ACTIVE, EXPIRED, &bytes) {
            Ok(_) => moved += 1,
            // Expired by hand meanwhile: nothing left to do.
            Err(e) if e.downcast_ref::<MoveError>().is_some() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(moved)
}

fn to_bytes(s: &Silence) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(s)?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub fn run(ctx: &mut Ctx, command: &SilenceCommand) -> Result<Outcome> {
    match command {
        SilenceCommand::Add(args) => add(ctx, args),
        SilenceCommand::List(args) => list(ctx, args),
        SilenceCommand::Expire(args) => expire(ctx, args),
    }
}

fn add(ctx: &mut Ctx, args: &SilenceAddArgs) -> Result<Outcome> {
    let mut matchers = BTreeMap::new();
    for (key, value) in &args.matchers {
        let key = MatchKey::from(*key);
        if let Some(previous) = matchers.insert(key, value.clone())
            && previous != *value
        {
            return Err(UsageError(format!(
                "--match {key}= is given twice ({previous:?} and {value:?}); every matcher must match, so it would never apply"
            ))
            .into());
        }
    }
    if args.duration.is_zero() {
        return Err(UsageError("--for must be longer than 0s".into()).into());
    }
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(
            UsageError("--reason must say why (it is shown in `silence list`)".into()).into(),
        );
    }
    let now = ctx.now();
    let ends_at = now + args.duration.to_chrono();
    let silence = Silence {
        id: silence_id(&matchers, now, ends_at, reason),
        matchers,
        starts_at: now,
        ends_at,
        reason: reason.to_string(),
        created_by: crate::user::operator(args.by.as_deref()),
        created_at: now,
        expired_at: None,
        expired_by: None,
    };
    let line = format!(
        "{}: silences {} until {} ({}) — {}",
        silence.id,
        silence.describe_matchers(),
        format_ts(silence.ends_at),
        args.duration,
        silence.reason
    );
    let mut outcome = Outcome::default();
    if ctx.dry_run {
        ctx.out.summary(&format!("would add {line}"))?;
        ctx.out.json(&silence)?;
        ctx.out.json(&json!({"summary": true, "dry_run": true}))?;
        return Ok(outcome);
    }
    match store(ctx).create(ACTIVE, &silence.id, &to_bytes(&silence)?)? {
        Ok(_) => {
            outcome.count(AlertsCount::Added, 1);
            ctx.out.summary(&line)?;
        }
        Err(status) => {
            ctx.out.summary(&format!(
                "{}: already exists ({})",
                silence.id,
                status.name()
            ))?;
        }
    }
    ctx.out.json(&silence)?;
    ctx.out
        .json(&json!({"summary": true, "added": outcome.counts.get(AlertsCount::Added)}))?;
    Ok(outcome)
}

fn list(ctx: &mut Ctx, args: &SilenceListArgs) -> Result<Outcome> {
    let now = ctx.now();
    let (mut silences, mut problems) = load(ctx, ACTIVE)?;
    if args.all {
        let (expired, more) = load(ctx, EXPIRED)?;
        silences.extend(expired);
        problems.extend(more);
    }
    for p in &problems {
        ctx.out.error(p);
    }
    silences.sort_by(|a, b| a.ends_at.cmp(&b.ends_at).then(a.id.cmp(&b.id)));
    let mut text = String::new();
    for s in &silences {
        let state = if s.is_active_at(now) {
            format!(
                "active until {} ({} left)",
                format_ts(s.ends_at),
                left(s.ends_at - now)
            )
        } else if let Some(at) = s.expired_at {
            format!(
                "expired {} by {}",
                format_ts(at),
                s.expired_by.as_deref().unwrap_or("unknown")
            )
        } else if s.starts_at > now {
            format!("starts {}", format_ts(s.starts_at))
        } else {
            format!("ended {}", format_ts(s.ends_at))
        };
        text.push_str(&format!(
            "{}  {}  {}  by {}: {}\n",
            s.id,
            s.describe_matchers(),
            state,
            s.created_by,
            s.reason
        ));
        let mut value = serde_json::to_value(s)?;
        value["active"] = json!(s.is_active_at(now));
        ctx.out.json(&value)?;
    }
    let active = silences.iter().filter(|s| s.is_active_at(now)).count();
    if ctx.out.json {
        ctx.out
            .json(&json!({"summary": true, "silences": silences.len(), "active": active}))?;
    } else if ctx.out.verbosity != crate::ctx::Verbosity::Quiet {
        ctx.out.data(text.as_bytes())?;
    }
    let mut outcome = Outcome {
        failed: !problems.is_empty(),
        ..Outcome::default()
    };
    outcome.count(AlertsCount::Active, active as u64);
    Ok(outcome)
}

fn left(delta: chrono::TimeDelta) -> String {
    let secs = delta.num_seconds().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d", s / 86_400),
    }
}

fn expire(ctx: &mut Ctx, args: &SilenceExpireArgs) -> Result<Outcome> {
    let store = store(ctx);
    let now = ctx.now();
    let located = store.locate(&args.id)?.ok_or_else(|| {
        UsageError(format!(
            "no silence {:?} (see `tend alerts silence list --all`)",
            args.id
        ))
    })?;
    let bytes = std::fs::read(&located.path)
        .with_context(|| format!("cannot read {}", located.path.display()))?;
    let mut silence: Silence = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a silence", located.path.display()))?;
    let mut outcome = Outcome::default();
    if located.status == EXPIRED {
        let how = match (&silence.expired_at, &silence.expired_by) {
            (Some(at), by) => format!(
                "expired {} by {}",
                format_ts(*at),
                by.as_deref().unwrap_or("unknown")
            ),
            (None, _) => format!("ended {}", format_ts(silence.ends_at)),
        };
        ctx.out.summary(&format!("{}: already {how}", silence.id))?;
        return Ok(outcome);
    }
    silence.expired_at = Some(now);
    silence.expired_by = Some(crate::user::operator(args.by.as_deref()));
    if ctx.dry_run {
        ctx.out.summary(&format!("would expire {}", silence.id))?;
        return Ok(outcome);
    }
    store.move_item(&silence.id, ACTIVE, EXPIRED, &to_bytes(&silence)?)?;
    outcome.count(AlertsCount::Expired, 1);
    ctx.out.summary(&format!(
        "{}: expired ({}); alerts it held are notified on the next `tend alerts notify`",
        silence.id,
        silence.describe_matchers()
    ))?;
    ctx.out.json(&silence)?;
    ctx.out.json(&json!({"summary": true, "expired": 1}))?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::severity::Severity;

    fn alert() -> Alert {
        Alert {
            id: "probe:api:api_down".into(),
            severity: Severity::Critical,
            category: "api_down".into(),
            title: "api is critical".into(),
            summary: String::new(),
            started_at: None,
            source: "probe".into(),
            feed: "probes".into(),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    fn silence(matchers: &[(MatchKey, &str)]) -> Silence {
        let matchers: BTreeMap<MatchKey, String> =
            matchers.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let (start, end) = (at("2026-05-24T08:00:00Z"), at("2026-05-24T10:00:00Z"));
        Silence {
            id: silence_id(&matchers, start, end, "deploy"),
            matchers,
            starts_at: start,
            ends_at: end,
            reason: "deploy".into(),
            created_by: "ops".into(),
            created_at: start,
            expired_at: None,
            expired_by: None,
        }
    }

    #[test]
    fn all_matchers_must_match() {
        let a = alert();
        assert!(silence(&[(MatchKey::Category, "api_down")]).matches(&a));
        assert!(
            silence(&[
                (MatchKey::Category, "api_down"),
                (MatchKey::Severity, "critical")
            ])
            .matches(&a)
        );
        assert!(
            !silence(&[
                (MatchKey::Category, "api_down"),
                (MatchKey::Source, "alertmanager")
            ])
            .matches(&a)
        );
        assert!(silence(&[(MatchKey::Id, "probe:api:api_down")]).matches(&a));
        assert!(!silence(&[(MatchKey::Id, "probe:api")]).matches(&a));
        assert!(!silence(&[]).matches(&a), "an empty silence mutes nothing");
    }

    #[test]
    fn active_from_start_until_just_before_the_end() {
        let s = silence(&[(MatchKey::Category, "api_down")]);
        assert!(!s.is_active_at(at("2026-05-24T07:59:59Z")));
        assert!(s.is_active_at(at("2026-05-24T08:00:00Z")));
        assert!(s.is_active_at(at("2026-05-24T09:59:59.999Z")));
        assert!(!s.is_active_at(at("2026-05-24T10:00:00Z")));
        let mut expired = s.clone();
        expired.expired_at = Some(at("2026-05-24T09:00:00Z"));
        assert!(!expired.is_active_at(at("2026-05-24T08:30:00Z")));
    }

    #[test]
    fn ids_are_valid_and_stable() {
        let s = silence(&[(MatchKey::Category, "api_down")]);
        assert!(
            crate::store::status_dir::validate_id(&s.id).is_ok(),
            "{}",
            s.id
        );
        assert_eq!(s.id.len(), 14);
        assert_eq!(s.id, silence(&[(MatchKey::Category, "api_down")]).id);
        assert_ne!(s.id, silence(&[(MatchKey::Category, "db_down")]).id);
    }
}
