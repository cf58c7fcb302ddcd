//! The Decision row (design §8), its monthly segments `decisions/YYYY-MM.jsonl`,
//! the id index over them (`state/decisions.index`) and the `watcher.flagged`
//! audit row. The decision files are the truth and the only state: the index
//! is rebuilt from them whenever it cannot be trusted.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::choices::{self, Choices};
use super::rule;
use super::scan::Stalled;
use crate::audit::{Kind, Row};
use crate::clock::format_ts;
use crate::config::WatcherConfig;
use crate::ctx::Ctx;
use crate::exit::UsageError;
use crate::store::id_index::{CaughtUp, IdIndex, Refresh};
use crate::store::jsonl;

pub const INDEX_FILE: &str = "decisions.index";
const ID_FIELD: &str = "decision_id";

/// A Decision row. Field order is the file's: `decision_id` first, so the
/// index finds it without parsing the row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub decision_id: Uuid,
    pub decided_at: String,
    pub decided_by: String,
    pub context: String,
    pub choice: String,
    pub rule: String,
    pub reasoning: String,
    pub inputs: Inputs,
    pub confidence_source: String,
    pub event_id: Uuid,
    /// The watcher that decided (so its audit row can be written again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watcher: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    pub entity_id: String,
    pub status: String,
    /// The episode anchor in Python's isoformat (the decision id's anchor).
    pub since: String,
    pub last_progress: String,
    pub threshold_seconds: u64,
    pub observed_at: String,
}

/// The one sentence a Decision gives as its reasoning.
pub fn reasoning(w: &WatcherConfig, e: &Stalled) -> String {
    format!(
        "{} {} has been {} since {} with no progress for {} (last progress {}), at or past the threshold of {}.",
        w.name,
        e.entity_id,
        e.status,
        rule::python_isoformat(e.anchor),
        rule::format_age(e.age),
        rule::python_isoformat(e.last_progress),
        w.stale_after
    )
}

impl Decision {
    pub fn new(w: &WatcherConfig, e: &Stalled, now: DateTime<Utc>) -> Decision {
        Decision {
            decision_id: e.decision_id,
            decided_at: format_ts(now),
            decided_by: w.decided_by.clone(),
            context: w.context.clone(),
            choice: w.choice.clone(),
            rule: format!("stale_after:{}", w.stale_after),
            reasoning: reasoning(w, e),
            inputs: Inputs {
                entity_id: e.entity_id.clone(),
                status: e.status.clone(),
                since: rule::python_isoformat(e.anchor),
                last_progress: rule::python_isoformat(e.last_progress),
                threshold_seconds: w.stale_after.as_secs(),
                observed_at: format_ts(now),
            },
            confidence_source: "deterministic".to_string(),
            event_id: Uuid::now_v7(),
            watcher: Some(w.name.clone()),
        }
    }

    fn flagged_row(&self, watcher: &str, now: DateTime<Utc>) -> Row {
        // Deterministic: a repeat (after a kill) carries the same ids.
        Row::deterministic(
            Kind::WatcherFlagged,
            now,
            &self.decision_id.to_string(),
            json!({
                "watcher": watcher,
                "entity_id": self.inputs.entity_id,
                "decision_id": self.decision_id,
                "context": self.context,
                "choice": self.choice,
            }),
        )
        .with_correlation_key(format!("watcher:{watcher}:{}", self.inputs.entity_id))
    }
}

/// The segment a Decision made at `t` goes to.
pub fn segment_name(t: DateTime<Utc>) -> String {
    t.format("%Y-%m.jsonl").to_string()
}

/// The decisions already made, through the index, and the (choice,
/// context) pairs they hold ([`choices`]).
pub struct Decisions {
    index: IdIndex,
    choices: Choices,
    /// Whether `choices` holds pairs its file does not.
    choices_dirty: bool,
    /// `watcher.flagged` rows of Decisions written by a run that did not
    /// finish, and the earliest of their `decided_at`: written by [`settle`].
    ///
    /// [`settle`]: Decisions::settle
    repeat: Vec<Row>,
    repeat_since: Option<DateTime<Utc>>,
    refresh: Refresh,
}

impl Decisions {
    /// Opens the index and catches it up with the decision files, in memory:
    /// nothing is written until [`Decisions::settle`], so a tick can still
    /// refuse (see [`Decisions::check_choices`]) without side effects. A
    /// Decision the index did not know yet, made by one of our watchers (a
    /// run killed before it saved the index), is due its `watcher.flagged`
    /// row again.
    pub fn open(ctx: &mut Ctx) -> Result<Decisions> {
        let watchers: Vec<String> = ctx.config.watchers.iter().map(|w| w.name.clone()).collect();
        let now = ctx.now();
        let mut repeat: Vec<Row> = Vec::new();
        let mut repeat_since: Option<DateTime<Utc>> = None;
        let loaded = choices::load(ctx);
        let mut seen = Choices::default();
        let (index, refresh) = open_index(ctx, |row| {
            seen.note_line(row.line, row.segment, row.offset);
            if !row.new {
                return;
            }
            if let Ok(d) = serde_json::from_slice::<Decision>(row.line)
                && let Some(w) = d
                    .watcher
                    .as_deref()
                    .filter(|w| watchers.iter().any(|n| n == w))
            {
                // Its row went to the segment of its run's day.
                let decided = crate::clock::parse_ts(&d.decided_at).unwrap_or(now);
                repeat_since = Some(repeat_since.map_or(decided, |t| t.min(decided)));
                repeat.push(d.flagged_row(w, now));
            }
        })?;
        report_refresh(ctx, &refresh);
        // The pairs cover what the index covers: rebuilt with it.
        let (mut choices, mut choices_dirty) = match loaded {
            Some(c) if refresh.rebuilt.is_none() => (c, false),
            _ => (choices::rebuild(ctx)?, true),
        };
        for (choice, contexts) in seen.pairs() {
            for (context, at) in contexts {
                choices_dirty |= choices.note(choice, context, || at.clone());
            }
        }
        Ok(Decisions {
            index,
            choices,
            choices_dirty,
            repeat,
            repeat_since,
            refresh,
        })
    }

    /// Refuses a watcher whose choice the decision files already hold under
    /// another context (a configuration error, exit 2).
    pub fn check_choices(&self, w: &WatcherConfig) -> Result<()> {
        match self.choices.conflict(&w.choice, &w.context) {
            None => Ok(()),
            Some(conflict) => Err(UsageError(Choices::refusal(w, &conflict)).into()),
        }
    }

    /// Writes what opening found due: the `watcher.flagged` rows of Decisions
    /// from a run that did not finish (unless already in the audit log: a
    /// run killed after its audit rows, before its index, adds no second
    /// copy), then the pairs, then the index.
    pub fn settle(&mut self, ctx: &mut Ctx) -> Result<()> {
        let now = ctx.now();
        if ctx.dry_run {
            return Ok(());
        }
        if !self.repeat.is_empty() {
            let since = self.repeat_since.unwrap_or(now);
            let written = ctx.audit().append_missing(&self.repeat, since, now)?;
            if written > 0 {
                ctx.out.warn(&format!(
                    "{written} decision(s) were written by a run that did not finish before their watcher.flagged rows; wrote those rows"
                ));
            }
            self.repeat.clear();
        }
        self.save_choices(ctx)?;
        if self.refresh != Refresh::default() {
            self.index.save(|_| {})?;
            self.refresh = Refresh::default();
        }
        Ok(())
    }

    fn save_choices(&mut self, ctx: &Ctx) -> Result<()> {
        if self.choices_dirty {
            choices::save(ctx, &self.choices).with_context(|| {
                format!(
                    "cannot write {}",
                    ctx.root.state_file(choices::FILE).display()
                )
            })?;
            self.choices_dirty = false;
        }
        Ok(())
    }

    /// The index caught up in memory only (for `explain` and dry runs).
    pub fn open_read_only(ctx: &mut Ctx) -> Result<Decisions> {
        let (index, refresh) = open_index(ctx, |_| {})?;
        report_refresh(ctx, &refresh);
        Ok(Decisions {
            index,
            choices: Choices::default(),
            choices_dirty: false,
            repeat: Vec::new(),
            repeat_since: None,
            refresh: Refresh::default(),
        })
    }

    pub fn contains(&self, id: &Uuid) -> bool {
        self.index.contains(id.as_bytes())
    }

    /// Records `rows`: the Decisions (one append), their pairs, their audit
    /// rows, then the index.
    pub fn record(&mut self, ctx: &mut Ctx, rows: &[Decision]) -> Result<()> {
        let now = ctx.now();
        let mut batch = Vec::with_capacity(rows.len() * 600);
        for row in rows {
            serde_json::to_writer(&mut batch, row)?;
            batch.push(b'\n');
        }
        let path = ctx.root.decisions_dir().join(segment_name(now));
        // The error names the file already ("cannot append to …: …").
        jsonl::append(&path, &batch)?;
        for row in rows {
            self.choices_dirty |= self.choices.note(&row.choice, &row.context, || {
                format!("decisions/{}", segment_name(now))
            });
        }
        self.save_choices(ctx)?;
        let audit: Vec<Row> = rows
            .iter()
            .map(|d| d.flagged_row(d.watcher.as_deref().unwrap_or_default(), now))
            .collect();
        ctx.audit().append(&audit, now)?;
        for row in rows {
            self.index.insert(*row.decision_id.as_bytes());
        }
        let index_path = ctx.root.state_file(INDEX_FILE);
        self.index
            .save(|_| {})
            .with_context(|| format!("cannot write {}", index_path.display()))?;
        Ok(())
    }
}

fn open_index(ctx: &Ctx, on_row: impl FnMut(&CaughtUp<'_>)) -> Result<(IdIndex, Refresh)> {
    let path = ctx.root.state_file(INDEX_FILE);
    IdIndex::open(
        &path,
        &ctx.root.decisions_dir(),
        ID_FIELD,
        &segment_name(ctx.now()),
        on_row,
    )
    .with_context(|| {
        format!(
            "cannot read the decisions under {}",
            ctx.root.decisions_dir().display()
        )
    })
}

fn report_refresh(ctx: &mut Ctx, refresh: &Refresh) {
    if let Some(why) = &refresh.rebuilt
        && refresh.rows > 0
    {
        ctx.out.note(&format!(
            "rebuilt the decisions index from {} rows ({why})",
            refresh.rows
        ));
    }
    for bad in refresh.bad.iter().take(5) {
        ctx.out.warn(&format!(
            "decisions/{} at byte {}: skipped ({})",
            bad.segment, bad.offset, bad.reason
        ));
    }
    for (segment, offset) in &refresh.torn {
        ctx.out.warn(&format!(
            "decisions/{segment} ends with an unfinished line at byte {offset}; skipped"
        ));
    }
}
