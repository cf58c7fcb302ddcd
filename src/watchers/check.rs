//! The configuration rules that need the decisions already written (design §8
//! "Configuration rules", run by `tend config check`):
//!
//! - a choice token belongs to exactly one context, in the configuration and
//!   in the decision files: a watcher whose choice was written under another
//!   context is an error;
//! - a watcher whose past Decisions were made under another namespace would
//!   flag every open episode again: a warning.

use std::ops::ControlFlow;

use anyhow::Result;
use serde::Deserialize;
use uuid::Uuid;

use super::choices::{Choices, Conflict};
use super::decision::segment_name;
use crate::ctx::Ctx;
use crate::store::tail::{Event, Position, Scanner};

/// What the check found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Row {
    decision_id: Uuid,
    context: String,
    choice: String,
    #[serde(default)]
    watcher: Option<String>,
    #[serde(default)]
    decided_by: Option<String>,
    inputs: RowInputs,
}

#[derive(Deserialize)]
struct RowInputs {
    entity_id: String,
    since: String,
}

/// Scans the decision files once against the configured watchers.
pub fn check_decisions(ctx: &Ctx) -> Result<Findings> {
    let watchers = &ctx.config.watchers;
    let mut findings = Findings::default();
    if watchers.is_empty() {
        return Ok(findings);
    }
    // choice → contexts, as written.
    let mut written = Choices::default();
    // watcher index → decisions made under another namespace.
    let mut foreign = vec![0u64; watchers.len()];
    let mut scanner = Scanner::new(&ctx.root.decisions_dir(), &segment_name(ctx.now()), &[]);
    scanner.scan(&Position::default(), |event| {
        let Event::Line {
            segment,
            offset,
            bytes,
            ..
        } = event
        else {
            return Ok(ControlFlow::Continue(()));
        };
        // Any row with a context and a choice counts, whoever wrote it.
        written.note_line(bytes, segment, offset);
        // Unreadable rows are the index's to report; here they say nothing.
        let Ok(row) = serde_json::from_slice::<Row>(bytes) else {
            return Ok(ControlFlow::Continue(()));
        };
        for (i, w) in watchers.iter().enumerate() {
            let mine = match &row.watcher {
                Some(name) => *name == w.name,
                None => {
                    row.decided_by.as_deref() == Some(w.decided_by.as_str())
                        && row.context == w.context
                        && row.choice == w.choice
                }
            };
            if mine {
                let name = format!("decision:{}:{}", row.inputs.entity_id, row.inputs.since);
                if Uuid::new_v5(&w.namespace, name.as_bytes()) != row.decision_id {
                    foreign[i] += 1;
                }
            }
        }
        Ok(ControlFlow::Continue(()))
    })?;
    for (i, w) in watchers.iter().enumerate() {
        if let Some(Conflict { context, at }) = written.conflict(&w.choice, &w.context) {
            findings.errors.push(format!(
                "watcher[{i}].choice: {:?} was already written under context {context:?} ({at}); a choice token belongs to exactly one context, and watcher {} uses it under {:?}",
                w.choice, w.name, w.context
            ));
        }
        if foreign[i] > 0 {
            findings.warnings.push(format!(
                "watcher {}: {} past decision(s) were made under another namespace than {}: with this namespace every stall episode still open is flagged again",
                w.name, foreign[i], w.namespace
            ));
        }
    }
    Ok(findings)
}
