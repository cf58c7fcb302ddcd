//! The active sessions of SPEC §9, read through the shared entity source
//! reader: each entity is a session record with `session_id_field`,
//! optionally `status_field`, and `deleted_field`.

use std::ops::ControlFlow;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

use super::rule::{ActiveSessions, SessionRecord};
use crate::config::{GcCheckpointsConfig, Source};
use crate::store::source::{self, At, BadRows, CommandSource};

/// How long a `command` source may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// What the source gave.
#[derive(Debug)]
pub struct Loaded {
    pub sessions: ActiveSessions,
    /// Rows that were not sessions (not JSON objects, no id).
    pub bad: BadRows,
}

/// One entity as a session record, or why it is not one.
pub fn record(
    entity: &Map<String, Value>,
    cfg: &GcCheckpointsConfig,
) -> Result<SessionRecord, String> {
    let id = match entity.get(&cfg.session_id_field) {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(format!(
                "{} is {other} (expected a non-empty string or a number)",
                cfg.session_id_field
            ));
        }
        None => return Err(format!("no {} field", cfg.session_id_field)),
    };
    let status = match entity.get(&cfg.status_field) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let deleted = !cfg.deleted_field.is_empty()
        && match entity.get(&cfg.deleted_field) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => false,
            Some(Value::String(s)) => !s.is_empty(),
            Some(_) => true,
        };
    Ok(SessionRecord {
        id,
        status,
        deleted,
    })
}

/// Reads the sessions source to its end. An `Err` is a source that failed
/// (its message names the source).
pub fn load(
    source: &Source,
    cfg: &GcCheckpointsConfig,
    root: &Path,
    hide_env: &[String],
) -> Result<Loaded, String> {
    let source = match source {
        Source::File(p) => source::Source::File(p.clone()),
        Source::Dir(p) => source::Source::Dir(p.clone()),
        Source::Command(argv) => source::Source::Command(CommandSource {
            argv: argv.clone(),
            timeout: COMMAND_TIMEOUT,
            cwd: Some(root.to_path_buf()),
            hide_env: hide_env.to_vec(),
        }),
    };
    let mut records = Vec::new();
    let mut bad = BadRows::default();
    let report = source::read(&source, root, |at: &At, entity| {
        match record(&entity, cfg) {
            Ok(r) => records.push(r),
            Err(why) => bad.record(at.clone(), why),
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| format!("the sessions source ({source}) failed: {e}"))?;
    let shown = report.bad.first.len() as u64;
    for b in report.bad.first {
        bad.record(b.at, b.reason);
    }
    bad.count += report.bad.count.saturating_sub(shown);
    Ok(Loaded {
        sessions: ActiveSessions::from_records(records, &cfg.terminal_statuses),
        bad,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg() -> GcCheckpointsConfig {
        GcCheckpointsConfig {
            deleted_field: "deleted_at".into(),
            ..GcCheckpointsConfig::default()
        }
    }

    fn rec(v: Value) -> Result<SessionRecord, String> {
        match v {
            Value::Object(m) => record(&m, &cfg()),
            _ => unreachable!("test values are objects"),
        }
    }

    #[test]
    fn records() {
        assert_eq!(
            rec(json!({"id": "INC-1", "status": "open"})),
            Ok(SessionRecord {
                id: "INC-1".into(),
                status: Some("open".into()),
                deleted: false
            })
        );
        assert_eq!(rec(json!({"id": 42})).map(|r| r.id), Ok("42".to_string()));
        assert!(rec(json!({"id": ""})).is_err());
        assert!(rec(json!({"id": null})).is_err());
        assert!(
            rec(json!({"session": "x"}))
                .unwrap_err()
                .contains("no id field")
        );
        for (deleted_at, deleted) in [
            (json!(null), false),
            (json!(false), false),
            (json!(""), false),
            (json!("2026-05-24T08:00:00Z"), true),
            (json!(true), true),
            (json!(0), true),
        ] {
            assert_eq!(
                rec(json!({"id": "a", "deleted_at": deleted_at})).map(|r| r.deleted),
                Ok(deleted),
                "{deleted_at}"
            );
        }
    }
}
