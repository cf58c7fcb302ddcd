//! Flap detection (design §4, Icinga's rule): over the last 20 results, the
//! weighted share of state changes — weights rising linearly from 0.8 for the
//! oldest change to 1.2 for the newest — above 30 % starts flapping, below 25 %
//! ends it; in between, a probe keeps what it was.
//!
//! 20 results hold 19 changes. Their weights 0.8 + 0.4·i/18 (i = 0 oldest …
//! 18 newest) are scaled by 90 to the integers 72 + 2i, summing to 1710, so the
//! thresholds are exact integer comparisons with no floating-point edge. A
//! probe with fewer results counts the missing (older) changes as none, so a
//! new probe does not flap on its second result.

use super::nagios::Status;

/// How many results the rule looks at.
pub const WINDOW: usize = 20;

/// The changes between `WINDOW` results.
const CHANGES: usize = WINDOW - 1;

/// The sum of all scaled weights: 19 changes of average weight 1.0, × 90.
pub const DENOMINATOR: u32 = 1710;

/// The weighted share of state changes, as a numerator over [`DENOMINATOR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Share(pub u32);

impl Share {
    /// As a percentage, for display and state files.
    pub fn percent(self) -> f64 {
        (f64::from(self.0) * 100.0 / f64::from(DENOMINATOR) * 10.0).round() / 10.0
    }
}

/// The scaled weight of change `i` (0 = oldest of the window, 18 = newest).
fn weight(i: usize) -> u32 {
    72 + 2 * i as u32
}

/// The weighted share of state changes among the last [`WINDOW`] of `results`
/// (oldest first).
pub fn share(results: &[Status]) -> Share {
    let window = &results[results.len().saturating_sub(WINDOW)..];
    let changes = window.len().saturating_sub(1);
    let mut sum = 0;
    for (j, pair) in window.windows(2).enumerate() {
        if pair[0] != pair[1] {
            // Align to the newest end: the last change weighs most.
            sum += weight(CHANGES - changes + j);
        }
    }
    Share(sum)
}

/// Starts above 30 %, stops below 25 %, else keeps `flapping`.
pub fn next(flapping: bool, share: Share) -> bool {
    // share > 30 %  ⇔  num · 100 > 30 · DENOMINATOR, and so on.
    let scaled = share.0 * 100;
    if scaled > 30 * DENOMINATOR {
        true
    } else if scaled < 25 * DENOMINATOR {
        false
    } else {
        flapping
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::{Critical as C, Ok as O};

    /// A window of 20 results whose changes are exactly at `changes` (indices
    /// 0..=18, 18 the newest): each listed change flips OK ↔ CRITICAL.
    fn with_changes(changes: &[usize]) -> Vec<Status> {
        let mut results = vec![O];
        for i in 0..CHANGES {
            let last = *results.last().unwrap();
            let flip = if last == O { C } else { O };
            results.push(if changes.contains(&i) { flip } else { last });
        }
        results
    }

    fn num(changes: &[usize]) -> u32 {
        changes.iter().map(|&i| weight(i)).sum()
    }

    #[test]
    fn weights_run_from_0_8_to_1_2() {
        assert_eq!(weight(0), 72); // 0.8 × 90
        assert_eq!(weight(18), 108); // 1.2 × 90
        assert_eq!((0..CHANGES).map(weight).sum::<u32>(), DENOMINATOR);
    }

    #[test]
    fn steady_and_alternating_extremes() {
        assert_eq!(share(&[O; 20]), Share(0));
        assert_eq!(share(&[]), Share(0));
        assert_eq!(share(&[C]), Share(0));
        let alternating: Vec<Status> = (0..20).map(|i| if i % 2 == 0 { O } else { C }).collect();
        assert_eq!(share(&alternating), Share(DENOMINATOR));
        assert_eq!(share(&alternating).percent(), 100.0);
        // Only the last 20 results count: older changes fall out.
        let mut long = alternating.clone();
        long.extend([O; 20]);
        assert_eq!(share(&long), Share(0));
    }

    #[test]
    fn newer_changes_weigh_more_than_older_ones() {
        assert_eq!(share(&with_changes(&[18])), Share(108));
        assert_eq!(share(&with_changes(&[0])), Share(72));
        // A short history is aligned to the newest end.
        assert_eq!(share(&[O, C]), Share(108));
        assert_eq!(share(&[O, C, C]), Share(106));
    }

    #[test]
    fn start_boundary_at_30_percent() {
        // 30 % of 1710 is 513; weights are even, so 512 and 514 are the
        // closest shares on either side.
        let just_below = [10, 15, 16, 17, 18]; // 92+102+104+106+108 = 512
        let just_above = [11, 15, 16, 17, 18]; // 94+102+104+106+108 = 514
        assert_eq!(num(&just_below), 512);
        assert_eq!(num(&just_above), 514);
        let s_below = share(&with_changes(&just_below));
        let s_above = share(&with_changes(&just_above));
        assert_eq!((s_below, s_above), (Share(512), Share(514)));
        assert!(!next(false, s_below), "29.9 % does not start flapping");
        assert!(next(false, s_above), "30.1 % starts flapping");
        // Exactly 30 % (not reachable by a real window) does not start either.
        assert!(!next(false, Share(513)));
        assert!(next(true, Share(513)));
    }

    #[test]
    fn stop_boundary_at_25_percent() {
        // 25 % of 1710 is 427.5: 426 is below, 428 above.
        let just_below = [0, 1, 2, 14, 16]; // 72+74+76+100+104 = 426
        let just_above = [0, 1, 2, 14, 17]; // 72+74+76+100+106 = 428
        assert_eq!(num(&just_below), 426);
        assert_eq!(num(&just_above), 428);
        let s_below = share(&with_changes(&just_below));
        let s_above = share(&with_changes(&just_above));
        assert!(next(true, s_above), "25.0 % keeps flapping");
        assert!(!next(true, s_below), "24.9 % stops flapping");
        // Between the thresholds a probe keeps what it was (hysteresis).
        assert!(!next(false, s_above));
        assert!(!next(false, Share(513)));
    }

    #[test]
    fn a_sequence_starts_then_settles() {
        // Flip every result for a while, then stay OK: flapping starts once the
        // share passes 30 % and ends only when it falls under 25 %.
        let mut results = Vec::new();
        let mut flapping = false;
        let mut started_at = None;
        let mut ended_at = None;
        for n in 0..60 {
            let status = if n < 20 && n % 2 == 1 { C } else { O };
            results.push(status);
            let was = flapping;
            flapping = next(flapping, share(&results));
            if !was && flapping {
                started_at.get_or_insert(n);
            }
            if was && !flapping {
                ended_at.get_or_insert(n);
            }
        }
        let started_at = started_at.expect("starts");
        let ended_at = ended_at.expect("ends");
        // 4 flips weigh 108+106+104+102 = 420 ≤ 513; 5 flips 520 > 513.
        assert_eq!(started_at, 5);
        assert!(ended_at > 20 && ended_at < 40, "{ended_at}");
        assert!(!flapping);
    }
}
