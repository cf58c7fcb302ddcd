//! The pure policy of a stall watcher (design §8): reading an entity's times,
//! the staleness rule, the decision id, and which stalled entities go first.
//! No I/O here; everything takes values and returns decisions.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Timelike, Utc};
use serde_json::Value;
use uuid::Uuid;

/// What the rule says about one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Its status is not one of the watched statuses: never flagged.
    NotWatched,
    /// Listed in `exempt_ids` or matching `exempt_when`.
    Exempt,
    /// Progress within the threshold; `age` since the last progress.
    Fresh { age: TimeDelta },
    /// The episode anchor is later than now (a skewed clock): not stalled.
    Future { ahead: TimeDelta },
    /// No progress for `age >= stale_after`.
    Stalled { age: TimeDelta },
}

/// The facts the rule needs about one entity.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub status: &'a str,
    pub exempt: bool,
    /// The episode anchor (`since_field`).
    pub anchor: DateTime<Utc>,
    /// The recency values that apply to this status.
    pub recency: &'a [DateTime<Utc>],
}

/// The last progress: the latest of the anchor and the recency values.
pub fn last_progress(anchor: DateTime<Utc>, recency: &[DateTime<Utc>]) -> DateTime<Utc> {
    recency.iter().copied().fold(anchor, DateTime::max)
}

/// The staleness rule: stalled when `now - last_progress >= stale_after`
/// (inclusive), for an entity in a watched status that is not exempt.
pub fn judge(
    facts: &Facts<'_>,
    statuses: &[String],
    now: DateTime<Utc>,
    stale_after: TimeDelta,
) -> Verdict {
    // The defensive re-check: whatever the source returned.
    if !statuses.iter().any(|s| s == facts.status) {
        return Verdict::NotWatched;
    }
    if facts.exempt {
        return Verdict::Exempt;
    }
    if facts.anchor > now {
        return Verdict::Future {
            ahead: facts.anchor - now,
        };
    }
    let age = now - last_progress(facts.anchor, facts.recency);
    if age >= stale_after {
        Verdict::Stalled { age }
    } else {
        Verdict::Fresh { age }
    }
}

/// An instant as Python's `datetime.isoformat()` writes an aware UTC datetime:
/// `2026-05-24T08:00:00+00:00`, with `.ffffff` only when the microseconds are
/// not zero (anything finer than a microsecond is dropped, as Python holds none).
pub fn python_isoformat(t: DateTime<Utc>) -> String {
    let micros = t.nanosecond() % 1_000_000_000 / 1_000;
    if micros == 0 {
        format!("{}+00:00", t.format("%Y-%m-%dT%H:%M:%S"))
    } else {
        format!("{}.{micros:06}+00:00", t.format("%Y-%m-%dT%H:%M:%S"))
    }
}

/// UUIDv5(namespace, `decision:{entity_id}:{anchor}`), the anchor in
/// [`python_isoformat`]: the same episode always gets the same id, and the
/// platform's own Python watchers compute the same one.
pub fn decision_id(namespace: &Uuid, entity_id: &str, anchor: DateTime<Utc>) -> Uuid {
    let name = format!("decision:{entity_id}:{}", python_isoformat(anchor));
    Uuid::new_v5(namespace, name.as_bytes())
}

/// The latest instant an epoch value may name (year 9999).
const MAX_EPOCH: f64 = 253_402_300_799.0;

/// Reads a timestamp from an entity field: RFC 3339 with any offset,
/// PostgreSQL's text form (`2026-05-24 08:00:00.123+00`), a time without a
/// zone (UTC), or epoch seconds (a number or a string of digits).
pub fn parse_time(value: &Value) -> Result<DateTime<Utc>, String> {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(secs) => from_epoch(secs),
            None => Err(format!("{n} is not a time")),
        },
        Value::String(text) => parse_time_text(text),
        Value::Null => Err("is null".into()),
        other => Err(format!("{other} is not a time")),
    }
}

/// Epoch seconds as Python's `datetime.fromtimestamp(secs, timezone.utc)`
/// reads them, so that an anchor spelled as a number gives the decision id
/// the platform's Python computes: the fraction split off exactly (`modf`),
/// scaled to microseconds in one float multiplication, rounded half to even
/// (CPython's `_PyTime_ROUND_HALF_EVEN`), a full second carried over.
/// `1600589872.274` is `.274000`, not the `.273999…` of the float's digits.
fn from_epoch(secs: f64) -> Result<DateTime<Utc>, String> {
    if !secs.is_finite() || !(0.0..=MAX_EPOCH).contains(&secs) {
        return Err(format!("epoch seconds {secs} are out of range"));
    }
    let int = secs.trunc();
    let mut micros = ((secs - int) * 1e6).round_ties_even();
    let mut whole = int as i64;
    if micros >= 1e6 {
        micros -= 1e6;
        whole += 1;
    }
    DateTime::from_timestamp(whole, micros as u32 * 1_000)
        .ok_or_else(|| format!("epoch seconds {secs} are out of range"))
}

fn parse_time_text(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "{text:?} is not a time (expected RFC 3339, PostgreSQL's 2026-05-24 08:00:00+00, or epoch seconds)"
        )
    };
    if t.is_empty() {
        return Err(bad());
    }
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return t.parse::<f64>().map_err(|_| bad()).and_then(from_epoch);
    }
    // A space for the `T` (PostgreSQL, SQLite); a lower-case `t`/`z` too.
    let mut s = t.replacen(' ', "T", 1);
    if s.len() > 10 && s.as_bytes()[10] == b't' {
        s.replace_range(10..11, "T");
    }
    if s.ends_with('z') {
        s.pop();
        s.push('Z');
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(&s) {
        return Ok(d.with_timezone(&Utc));
    }
    // PostgreSQL's short offsets: `+00`, `-05`, `+0530`.
    if let Some(sign_at) = s.rfind(['+', '-']).filter(|i| *i > 10) {
        let offset = &s[sign_at + 1..];
        let fixed = match offset.len() {
            2 if offset.bytes().all(|b| b.is_ascii_digit()) => Some(format!("{}:00", &s)),
            4 if offset.bytes().all(|b| b.is_ascii_digit()) => {
                Some(format!("{}:{}", &s[..sign_at + 3], &s[sign_at + 3..]))
            }
            _ => None,
        };
        if let Some(fixed) = fixed
            && let Ok(d) = DateTime::parse_from_rfc3339(&fixed)
        {
            return Ok(d.with_timezone(&Utc));
        }
    }
    // No zone: UTC.
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&s, format) {
            return Ok(naive.and_utc());
        }
    }
    Err(bad())
}

/// An entity id from its field: a string, or an integer written as Python
/// writes it.
pub fn entity_id(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::String(_) => Err("is empty".into()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        other => Err(format!("{other} is not a string or an integer")),
    }
}

/// A stalled entity waiting to be flagged, ordered most stalled first: the
/// oldest last progress, then the entity id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub last_progress: DateTime<Utc>,
    pub entity_id: String,
}

/// Keeps the `cap` most stalled of the candidates offered, in bounded memory.
#[derive(Debug)]
pub struct MostStalled {
    cap: usize,
    /// A max-heap on the order above: its top is the least stalled kept.
    heap: std::collections::BinaryHeap<(Candidate, usize)>,
    /// Candidates offered in all (kept or not).
    offered: u64,
}

impl MostStalled {
    pub fn new(cap: usize) -> MostStalled {
        MostStalled {
            cap,
            heap: std::collections::BinaryHeap::new(),
            offered: 0,
        }
    }

    /// Offers a candidate with the caller's handle to it; returns the handle
    /// pushed out (or refused) when the cap is reached, for the caller to drop.
    pub fn offer(&mut self, candidate: Candidate, handle: usize) -> Option<usize> {
        self.offered += 1;
        if self.heap.len() < self.cap {
            self.heap.push((candidate, handle));
            return None;
        }
        match self.heap.peek() {
            Some((top, _)) if candidate < *top => {
                let out = self.heap.pop().map(|(_, h)| h);
                self.heap.push((candidate, handle));
                out
            }
            _ => Some(handle),
        }
    }

    /// How many were offered beyond the cap (flagged on a later tick).
    pub fn deferred(&self) -> u64 {
        self.offered - self.heap.len() as u64
    }

    /// The kept handles, most stalled first.
    pub fn into_sorted(self) -> Vec<(Candidate, usize)> {
        self.heap.into_sorted_vec()
    }
}

/// A duration for people: `3d 4h`, `5h 12m`, `42s`.
pub fn format_age(delta: TimeDelta) -> String {
    let secs = delta.num_seconds().max(0);
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests;
