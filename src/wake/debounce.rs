//! The debounce policy of design §5 step 2 (and the flapping rule of §4), as a
//! pure function of one key's state, one wake and the policy. Decisions use the
//! wake's own timestamp, never the clock, so replaying the same rows from the
//! same state gives the same answers.
//!
//! - Window: after a dispatch at `t`, wakes before `t + W` are debounced.
//! - Buffer: a key must be seen `required` times within `W` of its first
//!   sighting; the sighting that reaches the count dispatches and resets the
//!   buffer; a sighting at or after `first_seen + W` starts a new buffer.
//! - `W = 0` disables all debouncing; `required = 1` dispatches on the first wake.
//! - With `bypass_critical`, a critical wake skips both and dispatches.
//! - A flapping wake sends one "flapping" message per episode of its probe;
//!   the probe's first non-flapping wake ends the episode ("settled"), and so
//!   does an observation that says it stopped flapping, or a recovery that no
//!   observation contradicts. Episodes are per probe (flapping is a property of
//!   a probe's results, whatever the category of each wake). Flapping wakes
//!   neither fill the buffer nor open a window.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::config::WakeConfig;
use crate::severity::Severity;

/// The debounce settings, from `[wake]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// `debounce_seconds`; zero disables debouncing.
    pub window: TimeDelta,
    /// `consecutive_required` (at least 1).
    pub required: u32,
    pub bypass_critical: bool,
}

impl Policy {
    pub fn from_config(wake: &WakeConfig) -> Policy {
        // Beyond ~290 million years a window is as good as infinite.
        let seconds = i64::try_from(wake.debounce_seconds).unwrap_or(i64::MAX / 1000);
        Policy {
            window: TimeDelta::try_seconds(seconds).unwrap_or(TimeDelta::MAX),
            required: wake.consecutive_required.max(1),
            bypass_critical: wake.bypass_critical,
        }
    }
}

/// What the policy sees of a wake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wake<'a> {
    /// The wake's id; a sighting already counted in the buffer is not counted
    /// again (a rewritten segment is re-read from its start).
    pub id: &'a str,
    /// The row's own timestamp.
    pub at: DateTime<Utc>,
    pub severity: Severity,
    /// The wake says its probe is flapping.
    pub flapping: bool,
    /// The probe is inside a flapping episode (its message was sent).
    pub in_episode: bool,
}

/// The consecutive-failure buffer of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buffer {
    pub first_seen: DateTime<Utc>,
    pub count: u32,
    /// The ids of the latest sightings counted (at most [`MAX_IDS`]).
    #[serde(default)]
    pub ids: Vec<String>,
}

/// How many sighting ids a buffer remembers: enough for any sensible
/// `consecutive_required`, and the state file stays small for a silly one.
pub const MAX_IDS: usize = 64;

/// The state of one (probe, issue_category) key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_dispatch: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<Buffer>,
}

impl KeyState {
    /// Whether this state decides exactly like no state for every wake at or
    /// after `at` (so it can be forgotten).
    pub fn is_inert(&self, at: DateTime<Utc>, policy: &Policy) -> bool {
        self.last_dispatch
            .is_none_or(|t| at >= window_end(t, policy))
            && self
                .buffer
                .as_ref()
                .is_none_or(|b| at >= window_end(b.first_seen, policy))
    }
}

/// When a window opened at `t` ends. A window too long for the calendar
/// never ends: saturating at the end of time keeps a huge `debounce_seconds`
/// from turning into no debouncing at all.
fn window_end(t: DateTime<Utc>, policy: &Policy) -> DateTime<Utc> {
    t.checked_add_signed(policy.window)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// What happens to a wake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// Investigate and message the operator.
    Dispatch,
    /// A critical wake that skipped the buffer and the window.
    Bypassed,
    /// Counted in the buffer; not yet seen `required` times.
    Buffered { count: u32, required: u32 },
    /// Within `W` of the key's last dispatch.
    Window { until: DateTime<Utc> },
    /// The first flapping wake of an episode: one "flapping" message.
    FlappingStarted,
    /// A later wake of the same flapping episode: nothing is sent.
    Flapping,
}

impl Decision {
    /// Whether an investigation is sent for this wake.
    pub fn investigates(self) -> bool {
        matches!(self, Decision::Dispatch | Decision::Bypassed)
    }

    /// The `reason` of the `probe.wake_debounced` row, for a debounced wake.
    pub fn debounce_reason(self) -> Option<&'static str> {
        match self {
            Decision::Buffered { .. } => Some("buffered"),
            Decision::Window { .. } => Some("window"),
            Decision::Flapping => Some("flapping"),
            Decision::Dispatch | Decision::Bypassed | Decision::FlappingStarted => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Decision::Dispatch => "dispatch",
            Decision::Bypassed => "bypassed",
            Decision::Buffered { .. } => "buffered",
            Decision::Window { .. } => "window",
            Decision::FlappingStarted => "flapping_started",
            Decision::Flapping => "flapping",
        }
    }
}

/// The decision on one wake, whether it ended a flapping episode, and the
/// key's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    /// The probe was flapping and this (non-flapping) wake ends the episode: one
    /// "settled" message, besides whatever the decision sends.
    pub settled: bool,
    pub state: KeyState,
}

/// Decides one wake of a key, consuming its state (a key's state is small,
/// but a run decides every wake of the log: no copies).
pub fn decide(state: KeyState, wake: &Wake<'_>, policy: &Policy) -> Verdict {
    let mut next = state;
    if wake.flapping {
        let decision = if wake.in_episode {
            Decision::Flapping
        } else {
            Decision::FlappingStarted
        };
        return Verdict {
            decision,
            settled: false,
            state: next,
        };
    }
    let settled = wake.in_episode;
    let dispatch = |mut next: KeyState, decision| {
        next.last_dispatch = Some(wake.at);
        next.buffer = None;
        Verdict {
            decision,
            settled,
            state: next,
        }
    };

    if policy.window.is_zero() {
        return dispatch(next, Decision::Dispatch);
    }
    if policy.bypass_critical && wake.severity == Severity::Critical {
        return dispatch(next, Decision::Bypassed);
    }
    if let Some(t) = next.last_dispatch {
        let until = window_end(t, policy);
        if wake.at < until {
            return Verdict {
                decision: Decision::Window { until },
                settled,
                state: next,
            };
        }
    }
    let open = next
        .buffer
        .take()
        .filter(|b| wake.at < window_end(b.first_seen, policy));
    let mut buffer = match open {
        Some(b) if b.ids.iter().any(|id| id == wake.id) => {
            // Already counted (the same row read again): no new sighting.
            let count = b.count;
            next.buffer = Some(b);
            return Verdict {
                decision: Decision::Buffered {
                    count,
                    required: policy.required,
                },
                settled,
                state: next,
            };
        }
        Some(b) => b,
        None => Buffer {
            first_seen: wake.at,
            count: 0,
            ids: Vec::new(),
        },
    };
    buffer.count += 1;
    if buffer.count >= policy.required {
        return dispatch(next, Decision::Dispatch);
    }
    buffer.ids.push(wake.id.to_string());
    if buffer.ids.len() > MAX_IDS {
        buffer.ids.remove(0);
    }
    let count = buffer.count;
    next.buffer = Some(buffer);
    Verdict {
        decision: Decision::Buffered {
            count,
            required: policy.required,
        },
        settled,
        state: next,
    }
}

/// Whether an observation of a probe in a flapping episode ends it: one that
/// says, explicitly, that the probe no longer flaps (`probe run` marks every
/// observation).
pub fn observation_settles(in_episode: bool, observed_flapping: Option<bool>) -> bool {
    in_episode && observed_flapping == Some(false)
}

/// Whether a `probe.recovered` row ends the probe's flapping episode: unless
/// the probe's latest observation said it still flaps (a flapping probe can
/// string together enough OKs to recover and still be flapping).
pub fn recovery_settles(in_episode: bool, last_observed_flapping: Option<bool>) -> bool {
    in_episode && last_observed_flapping != Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: i64 = 600;

    fn t0() -> DateTime<Utc> {
        crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap()
    }

    fn ms(n: i64) -> TimeDelta {
        TimeDelta::milliseconds(n)
    }

    fn secs(n: i64) -> TimeDelta {
        TimeDelta::seconds(n)
    }

    fn policy(window: i64, required: u32, bypass: bool) -> Policy {
        Policy {
            window: secs(window),
            required,
            bypass_critical: bypass,
        }
    }

    fn wake(id: &str, at: DateTime<Utc>, severity: Severity, flapping: bool) -> Wake<'_> {
        Wake {
            id,
            at,
            severity,
            flapping,
            in_episode: false,
        }
    }

    /// Runs a sequence of (offset from t0, severity, flapping) through one key
    /// (keeping its probe's flapping episode as the caller does) and returns
    /// the decision names, with "+settled" where a wake ended an episode.
    fn run(p: &Policy, wakes: &[(TimeDelta, Severity, bool)]) -> Vec<String> {
        let mut state = KeyState::default();
        let mut in_episode = false;
        let ids: Vec<String> = (0..wakes.len()).map(|i| format!("w{i}")).collect();
        wakes
            .iter()
            .zip(&ids)
            .map(|((offset, severity, flapping), id)| {
                let w = Wake {
                    in_episode,
                    ..wake(id, t0() + *offset, *severity, *flapping)
                };
                let v = decide(state.clone(), &w, p);
                state = v.state;
                if v.decision == Decision::FlappingStarted {
                    in_episode = true;
                }
                if v.settled {
                    in_episode = false;
                }
                let name = v.decision.name();
                if v.settled {
                    format!("{name}+settled")
                } else {
                    name.to_string()
                }
            })
            .collect()
    }

    use Severity::{Critical as C, Warning as Wn};

    #[test]
    fn window_boundaries_after_a_dispatch() {
        // required = 1: the first wake dispatches, then the window holds.
        let p = policy(W, 1, false);
        let cases = [
            (secs(W) - ms(1), "window"),
            (secs(W), "dispatch"),
            (secs(W) + ms(1), "dispatch"),
            (TimeDelta::zero(), "window"),
            (-secs(5), "window"), // an older row from another host
        ];
        for (second, expected) in cases {
            assert_eq!(
                run(&p, &[(TimeDelta::zero(), Wn, false), (second, Wn, false)]),
                ["dispatch", expected],
                "second wake at t0{second:+?}"
            );
        }
    }

    #[test]
    fn a_window_too_long_for_the_calendar_never_ends() {
        // debounce_seconds = i64::MAX used to overflow `t + W` and read as no
        // window at all: every wake dispatched.
        let huge = Policy::from_config(&WakeConfig {
            debounce_seconds: i64::MAX as u64,
            consecutive_required: 1,
            ..WakeConfig::default()
        });
        let mut wakes = vec![(TimeDelta::zero(), Wn, false)];
        wakes.extend((1..4).map(|d| (TimeDelta::days(d * 10_000), Wn, false)));
        assert_eq!(
            run(&huge, &wakes),
            ["dispatch", "window", "window", "window"]
        );
        let buffered = Policy {
            required: 2,
            ..huge
        };
        assert_eq!(
            run(&buffered, &wakes),
            ["buffered", "dispatch", "window", "window"]
        );
        let state = decide(KeyState::default(), &wake("a", t0(), Wn, false), &huge).state;
        assert!(!state.is_inert(t0() + TimeDelta::days(1_000_000), &huge));
    }

    #[test]
    fn window_reports_its_end() {
        let p = policy(W, 1, false);
        let first = decide(KeyState::default(), &wake("a", t0(), Wn, false), &p);
        let second = decide(
            first.state.clone(),
            &wake("b", t0() + secs(1), Wn, false),
            &p,
        );
        assert_eq!(
            second.decision,
            Decision::Window {
                until: t0() + secs(W)
            }
        );
        assert_eq!(second.decision.debounce_reason(), Some("window"));
        // A debounced wake leaves the state as it was.
        assert_eq!(second.state, first.state);
    }

    #[test]
    fn buffer_counts_up_to_required() {
        // R - 1 sightings buffer, the R-th dispatches.
        for required in 2..=4u32 {
            let p = policy(W, required, false);
            let wakes: Vec<_> = (0..required as i64)
                .map(|i| (secs(i * 10), Wn, false))
                .collect();
            let got = run(&p, &wakes);
            let mut expected = vec!["buffered"; required as usize - 1];
            expected.push("dispatch");
            assert_eq!(got, expected, "required {required}");
        }
        let p = policy(W, 3, false);
        let v1 = decide(KeyState::default(), &wake("a", t0(), Wn, false), &p);
        assert_eq!(
            v1.decision,
            Decision::Buffered {
                count: 1,
                required: 3
            }
        );
        assert_eq!(v1.decision.debounce_reason(), Some("buffered"));
        let v2 = decide(v1.state.clone(), &wake("b", t0() + secs(1), Wn, false), &p);
        assert_eq!(
            v2.decision,
            Decision::Buffered {
                count: 2,
                required: 3
            }
        );
        let v3 = decide(v2.state.clone(), &wake("c", t0() + secs(2), Wn, false), &p);
        assert_eq!(v3.decision, Decision::Dispatch);
        assert_eq!(v3.state.buffer, None, "a dispatch resets the buffer");
        assert_eq!(v3.state.last_dispatch, Some(t0() + secs(2)));
    }

    #[test]
    fn buffer_window_boundaries() {
        let p = policy(W, 2, false);
        let cases = [
            (secs(W) - ms(1), ["buffered", "dispatch"]),
            (secs(W), ["buffered", "buffered"]), // expired: a new buffer
            (secs(W) + ms(1), ["buffered", "buffered"]),
        ];
        for (second, expected) in cases {
            assert_eq!(
                run(&p, &[(TimeDelta::zero(), Wn, false), (second, Wn, false)]),
                expected,
                "second sighting at t0{second:+?}"
            );
        }
        // The new buffer counts from its own first sighting.
        assert_eq!(
            run(
                &p,
                &[
                    (TimeDelta::zero(), Wn, false),
                    (secs(W), Wn, false),
                    (secs(2 * W) - ms(1), Wn, false),
                ]
            ),
            ["buffered", "buffered", "dispatch"]
        );
        let expired = decide(
            decide(KeyState::default(), &wake("a", t0(), Wn, false), &p).state,
            &wake("b", t0() + secs(W), Wn, false),
            &p,
        );
        assert_eq!(
            expired.state.buffer,
            Some(Buffer {
                first_seen: t0() + secs(W),
                count: 1,
                ids: vec!["b".into()]
            })
        );
    }

    #[test]
    fn the_window_then_a_fresh_buffer() {
        let p = policy(W, 2, false);
        assert_eq!(
            run(
                &p,
                &[
                    (TimeDelta::zero(), Wn, false),
                    (secs(60), Wn, false),     // dispatch at t0+60
                    (secs(120), Wn, false),    // window
                    (secs(60 + W), Wn, false), // window over: new buffer
                    (secs(61 + W), Wn, false), // dispatch
                    (secs(62 + W), Wn, false), // window again
                ]
            ),
            [
                "buffered", "dispatch", "window", "buffered", "dispatch", "window"
            ]
        );
    }

    #[test]
    fn required_one_dispatches_on_the_first_wake() {
        let p = policy(W, 1, false);
        let v = decide(KeyState::default(), &wake("a", t0(), Wn, false), &p);
        assert_eq!(v.decision, Decision::Dispatch);
        assert_eq!(v.state.buffer, None);
    }

    #[test]
    fn zero_window_disables_all_debouncing() {
        for required in [1, 2, 5] {
            let p = policy(0, required, false);
            assert_eq!(
                run(
                    &p,
                    &[
                        (TimeDelta::zero(), Wn, false),
                        (TimeDelta::zero(), Wn, false),
                        (ms(1), C, false),
                    ]
                ),
                ["dispatch", "dispatch", "dispatch"],
                "required {required}"
            );
        }
    }

    #[test]
    fn bypass_critical_on_and_off() {
        let on = policy(W, 2, true);
        let off = policy(W, 2, false);
        let wakes = [
            (TimeDelta::zero(), C, false),
            (secs(1), C, false),
            (secs(2), Wn, false),
        ];
        assert_eq!(run(&on, &wakes), ["bypassed", "bypassed", "window"]);
        assert_eq!(run(&off, &wakes), ["buffered", "dispatch", "window"]);
        // Warnings are never bypassed.
        assert_eq!(run(&on, &[(TimeDelta::zero(), Wn, false)]), ["buffered"]);
        // A bypassed critical inside a window still goes out.
        assert_eq!(
            run(
                &on,
                &[
                    (TimeDelta::zero(), Wn, false),
                    (secs(1), Wn, false),
                    (secs(2), C, false),
                ]
            ),
            ["buffered", "dispatch", "bypassed"]
        );
    }

    #[test]
    fn flapping_is_one_message_per_episode_and_one_when_it_settles() {
        let p = policy(W, 2, false);
        assert_eq!(
            run(
                &p,
                &[
                    (secs(0), Wn, true),
                    (secs(60), Wn, true),
                    (secs(120), C, true),
                    (secs(180), Wn, false), // settles; buffered as usual
                    (secs(240), Wn, false),
                    (secs(300), Wn, true), // a new episode
                ]
            ),
            [
                "flapping_started",
                "flapping",
                "flapping",
                "buffered+settled",
                "dispatch",
                "flapping_started",
            ]
        );
        assert_eq!(Decision::Flapping.debounce_reason(), Some("flapping"));
        assert_eq!(Decision::FlappingStarted.debounce_reason(), None);
    }

    #[test]
    fn flapping_wakes_leave_the_key_state_alone() {
        let p = policy(W, 2, false);
        let buffered = decide(KeyState::default(), &wake("a", t0(), Wn, false), &p).state;
        let v = decide(buffered.clone(), &wake("f", t0() + secs(1), Wn, true), &p);
        assert_eq!(v.decision, Decision::FlappingStarted);
        assert_eq!(v.state, buffered, "a flapping wake does not count");
        // A settling wake decides with the state as it was.
        let settle = Wake {
            in_episode: true,
            ..wake("b", t0() + secs(2), Wn, false)
        };
        let v = decide(buffered, &settle, &p);
        assert_eq!((v.decision, v.settled), (Decision::Dispatch, true));
    }

    #[test]
    fn flapping_ignores_bypass_and_zero_window() {
        for p in [policy(0, 1, false), policy(W, 1, true)] {
            assert_eq!(
                run(&p, &[(TimeDelta::zero(), C, true), (secs(1), C, true)]),
                ["flapping_started", "flapping"]
            );
        }
    }

    #[test]
    fn what_ends_an_episode_besides_a_wake() {
        // An observation ends it only when it says the probe stopped flapping.
        assert!(observation_settles(true, Some(false)));
        assert!(!observation_settles(true, Some(true)));
        assert!(!observation_settles(true, None));
        assert!(!observation_settles(false, Some(false)));
        // A recovery ends it unless the latest observation says it still flaps.
        assert!(recovery_settles(true, None));
        assert!(recovery_settles(true, Some(false)));
        assert!(!recovery_settles(true, Some(true)));
        assert!(!recovery_settles(false, None));
    }

    #[test]
    fn a_sighting_read_twice_counts_once() {
        let p = policy(W, 2, false);
        let first = decide(KeyState::default(), &wake("a", t0(), Wn, false), &p);
        let again = decide(first.state.clone(), &wake("a", t0(), Wn, false), &p);
        assert_eq!(
            again.decision,
            Decision::Buffered {
                count: 1,
                required: 2
            }
        );
        assert_eq!(again.state, first.state);
        let next = decide(
            again.state.clone(),
            &wake("b", t0() + secs(1), Wn, false),
            &p,
        );
        assert_eq!(next.decision, Decision::Dispatch);
    }

    #[test]
    fn a_buffer_remembers_a_bounded_number_of_ids() {
        let p = policy(W, 1000, false);
        let mut state = KeyState::default();
        for i in 0..200 {
            let id = format!("w{i}");
            state = decide(state.clone(), &wake(&id, t0() + ms(i), Wn, false), &p).state;
        }
        let buffer = state.buffer.unwrap();
        assert_eq!(buffer.count, 200);
        assert_eq!(buffer.ids.len(), MAX_IDS);
        assert_eq!(buffer.ids.last().unwrap(), "w199");
    }

    #[test]
    fn inert_states_can_be_forgotten() {
        let p = policy(W, 2, false);
        let buffered = decide(KeyState::default(), &wake("a", t0(), Wn, false), &p).state;
        assert!(!buffered.is_inert(t0() + secs(W) - ms(1), &p));
        assert!(buffered.is_inert(t0() + secs(W), &p));
        assert!(KeyState::default().is_inert(t0(), &p));
    }

    #[test]
    fn policy_from_config() {
        let mut c = WakeConfig::default();
        assert_eq!(Policy::from_config(&c), policy(600, 2, false));
        c.debounce_seconds = u64::MAX;
        c.consecutive_required = 0;
        let p = Policy::from_config(&c);
        assert_eq!(p.required, 1);
        assert!(p.window > secs(1_000_000_000));
    }
}
