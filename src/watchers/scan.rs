//! One watcher's pass over its source: each entity read, checked and judged
//! (through [`super::rule`]), in bounded memory — only the counts, a set of
//! id fingerprints (duplicates keep the first) and the `max_flags_per_run`
//! most stalled entities are kept.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::ops::ControlFlow;

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::decision::Decisions;
use super::rule::{self, Candidate, Facts, MostStalled, Verdict};
use crate::config::{Source, WatcherConfig};
use crate::ctx::Ctx;
use crate::store::source::{self, At, BadRows, CommandSource};

crate::ctx::counters! {
    /// What `watchers tick` counts (run record and JSON summary).
    pub enum WatcherCount {
        Scanned = "scanned",
        InStatus = "in_status",
        Stalled = "stalled",
        Flagged = "flagged",
        AlreadyFlagged = "already_flagged",
        Exempt = "exempt",
        Deferred = "deferred",
        Invalid = "invalid",
        Duplicate = "duplicate",
        Future = "future",
        Skipped = "skipped",
        Failed = "failed",
    }
}

/// A watcher's counts for one pass (design §8 summary).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Counts {
    pub scanned: u64,
    pub in_status: u64,
    pub stalled: u64,
    pub flagged: u64,
    pub already_flagged: u64,
    pub exempt: u64,
    pub deferred: u64,
    pub invalid: u64,
    pub duplicate: u64,
    pub future: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        for (mine, theirs) in self.fields_mut().into_iter().zip(o.fields()) {
            *mine += theirs.1;
        }
    }

    pub fn fields(&self) -> [(WatcherCount, u64); 10] {
        [
            (WatcherCount::Scanned, self.scanned),
            (WatcherCount::InStatus, self.in_status),
            (WatcherCount::Stalled, self.stalled),
            (WatcherCount::Flagged, self.flagged),
            (WatcherCount::AlreadyFlagged, self.already_flagged),
            (WatcherCount::Exempt, self.exempt),
            (WatcherCount::Deferred, self.deferred),
            (WatcherCount::Invalid, self.invalid),
            (WatcherCount::Duplicate, self.duplicate),
            (WatcherCount::Future, self.future),
        ]
    }

    fn fields_mut(&mut self) -> [&mut u64; 10] {
        [
            &mut self.scanned,
            &mut self.in_status,
            &mut self.stalled,
            &mut self.flagged,
            &mut self.already_flagged,
            &mut self.exempt,
            &mut self.deferred,
            &mut self.invalid,
            &mut self.duplicate,
            &mut self.future,
        ]
    }
}

/// A stalled entity chosen to be flagged.
#[derive(Debug, Clone)]
pub struct Stalled {
    pub entity_id: String,
    pub status: String,
    pub anchor: DateTime<Utc>,
    pub last_progress: DateTime<Utc>,
    pub age: TimeDelta,
    pub decision_id: Uuid,
}

/// What a pass found.
#[derive(Debug)]
pub struct Scanned {
    pub counts: Counts,
    /// The entities to flag now, most stalled first.
    pub to_flag: Vec<Stalled>,
    /// Rows skipped (malformed, or without a readable id, status or since).
    pub bad: BadRows,
}

/// The entity source of a watcher, as the store reads it.
pub fn source_of(ctx: &Ctx, w: &WatcherConfig) -> source::Source {
    match &w.source {
        Source::File(p) => source::Source::File(p.clone()),
        Source::Dir(p) => source::Source::Dir(p.clone()),
        Source::Command(argv) => source::Source::Command(CommandSource {
            argv: argv.clone(),
            timeout: w.timeout.to_std(),
            cwd: Some(ctx.root.dir().to_path_buf()),
            hide_env: ctx.config.secret_env_vars(),
        }),
    }
}

/// One entity, read and judged.
struct Judged {
    entity_id: String,
    status: String,
    anchor: DateTime<Utc>,
    last_progress: DateTime<Utc>,
    verdict: Verdict,
}

/// Reads and judges one entity; `Err` is why it is invalid.
fn judge_entity(
    w: &WatcherConfig,
    entity: &Map<String, Value>,
    now: DateTime<Utc>,
    stale_after: TimeDelta,
) -> Result<Judged, String> {
    let field = |name: &str| entity.get(name).ok_or_else(|| format!("no {name:?} field"));
    let entity_id =
        rule::entity_id(field(&w.id_field)?).map_err(|e| format!("{}: {e}", w.id_field))?;
    let status = match field(&w.status_field)? {
        Value::String(s) => s.clone(),
        other => return Err(format!("{}: {other} is not a string", w.status_field)),
    };
    let in_status = w.statuses.contains(&status);
    // Only an entity in a watched status needs readable times.
    if !in_status {
        return Ok(Judged {
            entity_id,
            status,
            anchor: now,
            last_progress: now,
            verdict: Verdict::NotWatched,
        });
    }
    let anchor =
        rule::parse_time(field(&w.since_field)?).map_err(|e| format!("{}: {e}", w.since_field))?;
    let mut recency = Vec::new();
    for name in w.recency_fields.for_status(&status) {
        match entity.get(name.as_str()) {
            // An absent or null recency field is no progress recorded yet.
            None | Some(Value::Null) => {}
            Some(value) => {
                recency.push(rule::parse_time(value).map_err(|e| format!("{name}: {e}"))?)
            }
        }
    }
    let exempt = w.exempt_ids.contains(&entity_id)
        || (!w.exempt_when.is_empty()
            && w.exempt_when.iter().any(|(k, v)| {
                entity
                    .get(k)
                    .is_some_and(|actual| crate::config::toml_matches_json(v, actual))
            }));
    let facts = Facts {
        status: &status,
        exempt,
        anchor,
        recency: &recency,
    };
    let verdict = rule::judge(&facts, &w.statuses, now, stale_after);
    Ok(Judged {
        last_progress: rule::last_progress(anchor, &recency),
        entity_id,
        status,
        anchor,
        verdict,
    })
}

fn stale_after(w: &WatcherConfig) -> TimeDelta {
    w.stale_after.to_chrono()
}

/// A 128-bit fingerprint of an entity id (two independently keyed hashes):
/// duplicates are found without keeping every id.
struct Fingerprints {
    a: std::collections::hash_map::RandomState,
    b: std::collections::hash_map::RandomState,
    seen: HashSet<u128>,
}

impl Fingerprints {
    fn new() -> Fingerprints {
        Fingerprints {
            a: Default::default(),
            b: Default::default(),
            seen: HashSet::new(),
        }
    }

    /// Whether `id` is seen for the first time.
    fn first(&mut self, id: &str) -> bool {
        let mut ha = self.a.build_hasher();
        ha.write(id.as_bytes());
        let mut hb = self.b.build_hasher();
        hb.write(id.as_bytes());
        self.seen
            .insert((u128::from(ha.finish()) << 64) | u128::from(hb.finish()))
    }
}

/// Reads the watcher's source and decides what to flag. A source that fails
/// is an error (the caller reports it and goes on with the other watchers).
pub fn scan(
    ctx: &Ctx,
    w: &WatcherConfig,
    decisions: &Decisions,
    now: DateTime<Utc>,
) -> Result<Scanned> {
    let threshold = stale_after(w);
    let mut counts = Counts::default();
    let mut bad = BadRows::default();
    let mut seen = Fingerprints::new();
    let mut top = MostStalled::new(w.max_flags_per_run);
    // Slots for the kept candidates: a handle pushed out is reused.
    let mut slots: Vec<Option<Stalled>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let source = source_of(ctx, w);
    let report = source::read(&source, ctx.root.dir(), |at: &At, entity| {
        counts.scanned += 1;
        let judged = match judge_entity(w, &entity, now, threshold) {
            Ok(j) => j,
            Err(reason) => {
                bad.record(at.clone(), reason);
                return ControlFlow::Continue(());
            }
        };
        if !seen.first(&judged.entity_id) {
            counts.duplicate += 1;
            return ControlFlow::Continue(());
        }
        match judged.verdict {
            Verdict::NotWatched => {}
            Verdict::Exempt => {
                counts.in_status += 1;
                counts.exempt += 1;
            }
            Verdict::Fresh { .. } => counts.in_status += 1,
            Verdict::Future { .. } => {
                counts.in_status += 1;
                counts.future += 1;
            }
            Verdict::Stalled { age } => {
                counts.in_status += 1;
                counts.stalled += 1;
                let id = rule::decision_id(&w.namespace, &judged.entity_id, judged.anchor);
                if decisions.contains(&id) {
                    counts.already_flagged += 1;
                    return ControlFlow::Continue(());
                }
                let stalled = Stalled {
                    entity_id: judged.entity_id,
                    status: judged.status,
                    anchor: judged.anchor,
                    last_progress: judged.last_progress,
                    age,
                    decision_id: id,
                };
                let candidate = Candidate {
                    last_progress: stalled.last_progress,
                    entity_id: stalled.entity_id.clone(),
                };
                let handle = match free.pop() {
                    Some(h) => {
                        slots[h] = Some(stalled);
                        h
                    }
                    None => {
                        slots.push(Some(stalled));
                        slots.len() - 1
                    }
                };
                if let Some(out) = top.offer(candidate, handle) {
                    slots[out] = None;
                    free.push(out);
                }
            }
        }
        ControlFlow::Continue(())
    })?;
    let beyond_first = report.bad.count - report.bad.first.len() as u64;
    for row in report.bad.first {
        bad.record(row.at, row.reason);
    }
    bad.count += beyond_first;
    counts.scanned += report.bad.count;
    counts.invalid = bad.count;
    counts.deferred = top.deferred();
    let to_flag = top
        .into_sorted()
        .into_iter()
        .filter_map(|(_, h)| slots[h].take())
        .collect();
    Ok(Scanned {
        counts,
        to_flag,
        bad,
    })
}

/// What `watchers explain` prints.
#[derive(Debug, Serialize)]
pub struct Explained {
    pub watcher: String,
    pub entity_id: String,
    /// not_watched | exempt | fresh | future | stalled | already_flagged | invalid
    pub verdict: &'static str,
    pub decision_id: Option<Uuid>,
    pub sentence: String,
    pub at: String,
    pub source: String,
}

/// Finds `entity_id` in the watcher's source (its first occurrence) and
/// says what the rule decides for it now.
pub fn explain(
    ctx: &Ctx,
    w: &WatcherConfig,
    decisions: &Decisions,
    now: DateTime<Utc>,
    entity_id: &str,
) -> Result<Option<Explained>> {
    let threshold = stale_after(w);
    let mut found: Option<(At, Map<String, Value>)> = None;
    let source = source_of(ctx, w);
    source::read(&source, ctx.root.dir(), |at, entity| {
        let id = entity.get(&w.id_field).map(rule::entity_id);
        if let Some(Ok(id)) = id
            && id == entity_id
        {
            found = Some((at.clone(), entity));
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    let Some((at, entity)) = found else {
        return Ok(None);
    };
    let base = |verdict, decision_id, sentence| Explained {
        watcher: w.name.clone(),
        entity_id: entity_id.to_string(),
        verdict,
        decision_id,
        sentence,
        at: at.to_string(),
        source: source.to_string(),
    };
    let judged = match judge_entity(w, &entity, now, threshold) {
        Ok(j) => j,
        Err(reason) => {
            return Ok(Some(base(
                "invalid",
                None,
                format!("{entity_id} ({at}) is skipped as invalid: {reason}."),
            )));
        }
    };
    let threshold_text = w.stale_after.to_string();
    let since = rule::python_isoformat(judged.anchor);
    Ok(Some(match judged.verdict {
        Verdict::NotWatched => base(
            "not_watched",
            None,
            format!(
                "{entity_id} is {}, not one of the watched statuses ({}): never flagged.",
                judged.status,
                w.statuses.join(", ")
            ),
        ),
        Verdict::Exempt => base(
            "exempt",
            None,
            format!("{entity_id} is exempt (exempt_ids or exempt_when): never flagged."),
        ),
        Verdict::Future { ahead } => base(
            "future",
            None,
            format!(
                "{entity_id} has been {} since {since}, {} in the future: not stalled (check the clocks).",
                judged.status,
                rule::format_age(ahead)
            ),
        ),
        Verdict::Fresh { age } => base(
            "fresh",
            None,
            format!(
                "{entity_id} has been {} since {since}; its last progress was {} ago, under the threshold of {threshold_text}: not stalled.",
                judged.status,
                rule::format_age(age)
            ),
        ),
        Verdict::Stalled { age } => {
            let id = rule::decision_id(&w.namespace, entity_id, judged.anchor);
            let stalled = Stalled {
                entity_id: entity_id.to_string(),
                status: judged.status.clone(),
                anchor: judged.anchor,
                last_progress: judged.last_progress,
                age,
                decision_id: id,
            };
            let sentence = super::decision::reasoning(w, &stalled);
            if decisions.contains(&id) {
                base(
                    "already_flagged",
                    Some(id),
                    format!("{sentence} Already flagged as decision {id}."),
                )
            } else {
                base(
                    "stalled",
                    Some(id),
                    format!("{sentence} Would be flagged as decision {id}."),
                )
            }
        }
    }))
}
