//! Which context each choice token has been written under in the decision
//! files (design §8 "a choice token belongs to exactly one context, in the
//! configuration and in the decisions already written"), so that `watchers
//! tick` refuses a watcher whose choice the files already hold under another
//! context, before it writes anything.
//!
//! Reading every Decision at each tick would cost what the id index saves, so
//! the (choice, context) pairs are kept in `state/decision-choices.json`,
//! derived from the decision files exactly as the index is: brought up to date
//! from the rows the index reads while catching up, and rebuilt from the files
//! whenever the index is rebuilt or the file is missing or unreadable. It is
//! saved before the index, so it never covers less than the index does (a set
//! union: covering more is harmless).

use std::collections::BTreeMap;
use std::io;
use std::ops::ControlFlow;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::decision::segment_name;
use crate::config::WatcherConfig;
use crate::ctx::Ctx;
use crate::store::atomic;
use crate::store::tail::{Event, Position, Scanner};

pub const FILE: &str = "decision-choices.json";

/// choice → context → where it was first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choices {
    written: BTreeMap<String, BTreeMap<String, String>>,
}

/// The two fields of a Decision row this module reads.
#[derive(Deserialize)]
struct Pair<'a> {
    #[serde(borrow)]
    context: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    choice: std::borrow::Cow<'a, str>,
}

/// A choice token already written under another context than a watcher's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub context: String,
    pub at: String,
}

impl Choices {
    /// Records that `choice` was written under `context` (first place kept).
    /// Returns whether that pair is new.
    pub fn note(&mut self, choice: &str, context: &str, at: impl FnOnce() -> String) -> bool {
        let contexts = self.written.entry(choice.to_string()).or_default();
        if contexts.contains_key(context) {
            return false;
        }
        contexts.insert(context.to_string(), at());
        true
    }

    /// Records the pair of one decision line, if it has one (an unreadable
    /// row is the index's to report).
    pub fn note_line(&mut self, line: &[u8], segment: &str, offset: u64) -> bool {
        match serde_json::from_slice::<Pair<'_>>(line) {
            Ok(pair) => self.note(&pair.choice, &pair.context, || {
                format!("decisions/{segment} at byte {offset}")
            }),
            Err(_) => false,
        }
    }

    /// Every choice with its contexts and where each was first seen.
    pub fn pairs(&self) -> &BTreeMap<String, BTreeMap<String, String>> {
        &self.written
    }

    /// The first other context `choice` was written under, if any (pure).
    pub fn conflict(&self, choice: &str, context: &str) -> Option<Conflict> {
        self.written.get(choice).and_then(|contexts| {
            contexts
                .iter()
                .find(|(c, _)| c.as_str() != context)
                .map(|(c, at)| Conflict {
                    context: c.clone(),
                    at: at.clone(),
                })
        })
    }

    /// The message refusing `w` for `conflict`.
    pub fn refusal(w: &WatcherConfig, conflict: &Conflict) -> String {
        format!(
            "watcher {}: choice {:?} was already written under context {:?} ({}); a choice token belongs to exactly one context, and this watcher writes it under {:?}; nothing was flagged (fix its context or choice in tend.toml, see `tend config check`)",
            w.name, w.choice, conflict.context, conflict.at, w.context
        )
    }
}

/// The saved pairs, or None when the file is missing or unreadable (derived
/// data: rebuilt, never quarantined).
pub fn load(ctx: &Ctx) -> Option<Choices> {
    let bytes = std::fs::read(ctx.root.state_file(FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Reads every decision file from the start.
pub fn rebuild(ctx: &Ctx) -> Result<Choices> {
    let mut choices = Choices::default();
    let dir = ctx.root.decisions_dir();
    let mut scanner = Scanner::new(&dir, &segment_name(ctx.now()), &[]);
    scanner
        .scan(&Position::default(), |event| {
            if let Event::Line {
                segment,
                offset,
                bytes,
                ..
            } = event
            {
                choices.note_line(bytes, segment, offset);
            }
            Ok(ControlFlow::Continue(()))
        })
        .with_context(|| format!("cannot read the decisions under {}", dir.display()))?;
    Ok(choices)
}

pub fn save(ctx: &Ctx, choices: &Choices) -> io::Result<()> {
    atomic::write_json(&ctx.root.state_file(FILE), choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_under_a_second_context_is_a_conflict() {
        let mut c = Choices::default();
        assert_eq!(c.conflict("Stuck", "A"), None);
        assert!(c.note("Stuck", "A", || "decisions/2026-05.jsonl at byte 0".into()));
        assert!(!c.note("Stuck", "A", || unreachable!("kept the first place")));
        assert_eq!(c.conflict("Stuck", "A"), None);
        assert_eq!(c.conflict("Other", "B"), None);
        assert_eq!(
            c.conflict("Stuck", "B"),
            Some(Conflict {
                context: "A".into(),
                at: "decisions/2026-05.jsonl at byte 0".into()
            })
        );
        // Once written under two contexts, each watcher sees the other one.
        assert!(c.note("Stuck", "B", || "x".into()));
        assert_eq!(c.conflict("Stuck", "A").unwrap().context, "B");
        assert_eq!(c.conflict("Stuck", "B").unwrap().context, "A");
    }

    #[test]
    fn lines_without_the_pair_are_passed_over() {
        let mut c = Choices::default();
        assert!(!c.note_line(b"not json", "2026-05.jsonl", 0));
        assert!(!c.note_line(br#"{"context":"A"}"#, "2026-05.jsonl", 9));
        assert!(c.note_line(
            br#"{"decision_id":"x","context":"A","choice":"Stuck"}"#,
            "2026-05.jsonl",
            25
        ));
        assert_eq!(
            c.conflict("Stuck", "B").unwrap().at,
            "decisions/2026-05.jsonl at byte 25"
        );
    }
}
