//! How far `wake consume` is behind (design §10 `status`): only the rows of the
//! kinds it reads count; the rows it writes itself (`probe.wake_debounced`, …)
//! and those of other commands lie after its cursor but are not work for it.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use anyhow::Result;
use serde::Serialize;

use crate::audit::Item;
use crate::ctx::Ctx;
use crate::store::cursor::{Cursor, Lag};

/// What `wake consume` has not read yet. Only the rows of the kinds it reads
/// count as lag: the rows it writes itself (`probe.wake_debounced`, …) and
/// those of the other commands lie after its cursor but are not work for it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WakeLag {
    /// Rows of the kinds wake consume reads, not read yet.
    pub rows: u64,
    /// Those rows per kind.
    pub unread: BTreeMap<String, u64>,
    /// Other lines after the cursor (other kinds, malformed lines).
    pub other_rows: u64,
    /// Bytes after the cursor, whatever they hold.
    pub bytes: u64,
    /// Segments with bytes after the cursor.
    pub segments: u64,
}

impl WakeLag {
    fn new(raw: Lag, unread: BTreeMap<String, u64>) -> WakeLag {
        let rows = unread.values().sum();
        WakeLag {
            rows,
            unread,
            other_rows: raw.rows.saturating_sub(rows),
            bytes: raw.bytes,
            segments: raw.segments,
        }
    }

    /// `wake cursor: up to date`, or what is left to read.
    pub fn line(&self) -> String {
        if self.rows == 0 {
            return match self.other_rows {
                0 => "wake cursor: up to date".to_string(),
                n => format!(
                    "wake cursor: up to date ({n} row{} of other kinds after it)",
                    if n == 1 { "" } else { "s" }
                ),
            };
        }
        let kinds: Vec<String> = self
            .unread
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        format!(
            "wake cursor: {} row{} to read ({}) in {} segment{}",
            self.rows,
            if self.rows == 1 { "" } else { "s" },
            kinds.join(", "),
            self.segments,
            if self.segments == 1 { "" } else { "s" }
        )
    }
}

/// What wake consume has not read after `cursor` (`status`, `doctor`).
pub fn wake_lag(ctx: &Ctx, cursor: &Cursor) -> Result<WakeLag> {
    // As the next run will see it: a segment rewritten under the cursor
    // (shorter than its position, or its last line changed) is read again
    // from its start, so all of it counts.
    let mut cursor = cursor.clone();
    cursor.verify(&ctx.root.audit_dir())?;
    let cursor = &cursor;
    let raw = cursor.lag(&ctx.root.audit_dir())?;
    let mut unread: BTreeMap<String, u64> = BTreeMap::new();
    if raw.bytes > 0 {
        let kinds = super::KINDS.map(String::from);
        let mut reader = ctx.audit().reader(&kinds, ctx.now());
        reader.scan_cursor(cursor, |item| {
            if let Item::Row(row) = item {
                *unread.entry(row.kind.to_string()).or_default() += 1;
            }
            Ok(ControlFlow::Continue(()))
        })?;
    }
    Ok(WakeLag::new(raw, unread))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_line_counts_only_what_wake_consume_reads() {
        let raw = |rows, bytes, segments| Lag {
            rows,
            bytes,
            segments,
        };
        let none = BTreeMap::new();
        assert_eq!(
            WakeLag::new(raw(0, 0, 0), none.clone()).line(),
            "wake cursor: up to date"
        );
        assert_eq!(
            WakeLag::new(raw(1, 90, 1), none.clone()).line(),
            "wake cursor: up to date (1 row of other kinds after it)"
        );
        assert_eq!(
            WakeLag::new(raw(3, 300, 1), none).line(),
            "wake cursor: up to date (3 rows of other kinds after it)"
        );
        let unread = BTreeMap::from([
            ("probe.observed".to_string(), 2),
            ("probe.wake_requested".to_string(), 1),
        ]);
        let lag = WakeLag::new(raw(5, 500, 2), unread);
        assert_eq!((lag.rows, lag.other_rows), (3, 2));
        assert_eq!(
            lag.line(),
            "wake cursor: 3 rows to read (2 probe.observed, 1 probe.wake_requested) in 2 segments"
        );
        let one = BTreeMap::from([("probe.recovered".to_string(), 1)]);
        assert_eq!(
            WakeLag::new(raw(1, 80, 1), one).line(),
            "wake cursor: 1 row to read (1 probe.recovered) in 1 segment"
        );
    }
}
