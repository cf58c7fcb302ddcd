//! Where a `wake consume` run starts (design §5 step 1 and step 4), as a pure
//! decision over what the run found: the replay flags, the saved cursor, and
//! whether the debounce state or the history around it is gone.
//!
//! - First run (no cursor, nothing ever recorded): stamp the end of the log.
//! - A cursor and its debounce state: go on from the cursor.
//! - `--from-start`: read the whole log, deciding every row afresh.
//! - `--since T`: read from far enough before T to rebuild the debounce state
//!   (rows before T are applied, never dispatched), then decide from T on, so
//!   that a replay decides as the original run did.
//! - Lost state (the cursor or the debounce state quarantined or gone while
//!   the ledger or a quarantined copy shows the loop ran before): never a stamp
//!   at the end of the log, which would pass over pending wakes. Replay the
//!   ledger's horizon in event time; the ledger keeps anything sent from being
//!   sent again.

use chrono::{DateTime, TimeDelta, Utc};

use super::ledger;

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    No,
    FromStart,
    Since(DateTime<Utc>),
}

/// Why a run replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayReason {
    FromStart,
    Since,
    /// The cursor or the debounce state was lost.
    Lost,
}

/// Where to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start<C> {
    /// Stamp the cursor at the end of the log and replay nothing.
    Stamp,
    /// Go on from the saved cursor, with the saved debounce state.
    Continue(C),
    /// Read from the first segment of `scan_from`'s day (from the first
    /// segment when `None`) with an empty debounce state; rows whose own time
    /// is before `decide_from` only rebuild the state.
    Replay {
        scan_from: Option<DateTime<Utc>>,
        decide_from: Option<DateTime<Utc>>,
        reason: ReplayReason,
    },
}

/// What a run found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<C> {
    /// The cursor to go on from (the cursor file, or the debounce state's own
    /// position when that is ahead or the cursor file is gone).
    pub cursor: Option<C>,
    /// Whether `state/wake.debounce.json` is missing.
    pub state_missing: bool,
    /// Whether the loop left traces of earlier runs: a ledger, or quarantined
    /// copies of its cursor or debounce state.
    pub ran_before: bool,
}

/// How far before `t` the rows that can still shape a decision at `t` reach:
/// a dispatch's window (W) may have begun with a buffer opened up to W
/// earlier, plus a day for rows from other hosts that arrive late.
pub fn reach_back(t: DateTime<Utc>, window: TimeDelta) -> DateTime<Utc> {
    let span = window
        .checked_mul(2)
        .and_then(|w| w.checked_add(&TimeDelta::days(1)))
        .unwrap_or(TimeDelta::MAX);
    t.checked_sub_signed(span)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The event time a lost state is replayed from: the ledger's horizon, the
/// oldest time whose sends the ledger still remembers.
pub fn lost_horizon(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_signed(TimeDelta::days(ledger::KEEP_DAYS))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Checks `--since T` against the run's time. A replay from the future has
/// nothing to replay, and its reach-back would put today's segment behind the
/// cursor: every wake appended to it later would be passed over.
pub fn check_since(since: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if since > now {
        return Err(format!(
            "--since {} is after the run's time ({}): there is nothing to replay yet",
            since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ));
    }
    Ok(())
}

pub fn decide<C>(
    replay: Replay,
    found: Found<C>,
    now: DateTime<Utc>,
    window: TimeDelta,
) -> Start<C> {
    let since = |t: DateTime<Utc>, reason| Start::Replay {
        scan_from: Some(reach_back(t, window)),
        decide_from: Some(t),
        reason,
    };
    match replay {
        Replay::FromStart => Start::Replay {
            scan_from: None,
            decide_from: None,
            reason: ReplayReason::FromStart,
        },
        Replay::Since(t) => since(t, ReplayReason::Since),
        Replay::No => match found {
            Found {
                cursor: Some(c),
                state_missing: false,
                ..
            }
            | Found {
                cursor: Some(c),
                ran_before: false,
                ..
            } => Start::Continue(c),
            Found {
                ran_before: true, ..
            } => since(lost_horizon(now), ReplayReason::Lost),
            Found { cursor: None, .. } => Start::Stamp,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    fn found(cursor: bool, state_missing: bool, ran_before: bool) -> Found<&'static str> {
        Found {
            cursor: cursor.then_some("cursor"),
            state_missing,
            ran_before,
        }
    }

    const W: TimeDelta = TimeDelta::seconds(600);

    #[test]
    fn every_combination_of_what_was_found() {
        let now = t("2026-05-24T08:00:00Z");
        let lost = Start::Replay {
            scan_from: Some(t("2026-05-16T07:40:00Z")),
            decide_from: Some(t("2026-05-17T08:00:00Z")),
            reason: ReplayReason::Lost,
        };
        let table = [
            // (cursor, state missing, ran before) → start
            ((false, true, false), Start::Stamp),
            ((false, false, false), Start::Stamp),
            ((false, true, true), lost.clone()),
            ((false, false, true), lost.clone()),
            ((true, false, false), Start::Continue("cursor")),
            ((true, false, true), Start::Continue("cursor")),
            ((true, true, false), Start::Continue("cursor")),
            ((true, true, true), lost.clone()),
        ];
        for ((c, s, r), expected) in table {
            assert_eq!(
                decide(Replay::No, found(c, s, r), now, W),
                expected,
                "cursor {c}, state missing {s}, ran before {r}"
            );
        }
    }

    #[test]
    fn replay_flags_win_over_what_was_found() {
        let now = t("2026-05-24T08:00:00Z");
        for f in [found(true, false, true), found(false, true, false)] {
            assert_eq!(
                decide(Replay::FromStart, f.clone(), now, W),
                Start::Replay {
                    scan_from: None,
                    decide_from: None,
                    reason: ReplayReason::FromStart
                }
            );
            assert_eq!(
                decide(Replay::Since(t("2026-05-24T08:01:30Z")), f, now, W),
                Start::Replay {
                    scan_from: Some(t("2026-05-23T07:41:30Z")),
                    decide_from: Some(t("2026-05-24T08:01:30Z")),
                    reason: ReplayReason::Since
                }
            );
        }
    }

    #[test]
    fn since_may_not_be_after_now() {
        let now = t("2026-05-24T08:00:00Z");
        assert!(check_since(now, now).is_ok());
        assert!(check_since(t("2026-05-24T07:59:59.999Z"), now).is_ok());
        assert!(check_since(DateTime::<Utc>::MIN_UTC, now).is_ok());
        let err = check_since(t("2026-05-24T08:00:00.001Z"), now).unwrap_err();
        assert!(err.contains("--since 2026-05-24T08:00:00.001Z"), "{err}");
        assert!(check_since(DateTime::<Utc>::MAX_UTC, now).is_err());
    }

    #[test]
    fn reach_back_saturates() {
        let at = t("2026-05-24T08:00:00Z");
        assert_eq!(reach_back(at, TimeDelta::zero()), t("2026-05-23T08:00:00Z"));
        assert_eq!(reach_back(at, TimeDelta::MAX), DateTime::<Utc>::MIN_UTC);
        assert_eq!(
            reach_back(DateTime::<Utc>::MIN_UTC, W),
            DateTime::<Utc>::MIN_UTC
        );
        assert_eq!(
            lost_horizon(DateTime::<Utc>::MIN_UTC),
            DateTime::<Utc>::MIN_UTC
        );
    }
}
