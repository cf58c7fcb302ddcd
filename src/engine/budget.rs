//! The day's LLM spend (design §5 `max_daily_cost_usd`): a small counter in
//! `state/engine.budget.json`, per UTC day, checked before each call, so the
//! check never scans the audit log. Costs come from the `[engine] prices`
//! table (US dollars per million tokens); a model without a price costs 0.
//! An engine that reports no usage (the `command` engine) is charged an
//! estimate: one token per 4 bytes of prompt and of answer ([`estimate`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Usage;
use crate::config::Price;

/// The state file's name under `state/`.
pub const FILE: &str = "engine.budget.json";

/// Spend of one UTC day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub spent_usd: f64,
    pub calls: u64,
}

fn day_of(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

impl Budget {
    /// What was spent on `now`'s day (0 once the day has changed).
    pub fn spent_on(&self, now: DateTime<Utc>) -> f64 {
        if self.day == day_of(now) {
            self.spent_usd
        } else {
            0.0
        }
    }

    /// Adds one call's cost to `now`'s day.
    pub fn record(&mut self, now: DateTime<Utc>, cost_usd: f64) {
        let day = day_of(now);
        if self.day != day {
            *self = Budget {
                day,
                spent_usd: 0.0,
                calls: 0,
            };
        }
        self.spent_usd += cost_usd.max(0.0);
        self.calls += 1;
    }
}

/// Whether another call may be made: the spend is below the limit (a limit of
/// 0 allows no call at all).
pub fn allows(spent_usd: f64, max_daily_cost_usd: f64) -> bool {
    spent_usd < max_daily_cost_usd
}

/// Bytes per token of the estimate (design §5): a common rule of thumb for
/// English text with the usual tokenizers, which slightly over-counts code
/// and JSON-heavy prompts rather than under-counting them.
pub const BYTES_PER_TOKEN: u64 = 4;

/// The estimated usage of a call that sent `prompt_bytes` and got
/// `answer_bytes` back: one token per [`BYTES_PER_TOKEN`] bytes, rounded up.
pub fn estimate(prompt_bytes: usize, answer_bytes: usize) -> Usage {
    let tokens = |bytes: usize| (bytes as u64).div_ceil(BYTES_PER_TOKEN);
    Usage {
        input_tokens: tokens(prompt_bytes),
        output_tokens: tokens(answer_bytes),
        estimated: true,
    }
}

/// The cost of `usage` on `model`, None when the model has no price.
pub fn cost(prices: &BTreeMap<String, Price>, model: &str, usage: Usage) -> Option<f64> {
    let price = prices.get(model)?;
    Some(
        usage.input_tokens as f64 * price.input_per_mtok / 1e6
            + usage.output_tokens as f64 * price.output_per_mtok / 1e6,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::clock::parse_ts(s).unwrap()
    }

    #[test]
    fn the_ladder_halts_at_the_limit() {
        assert!(allows(0.0, 1.0));
        assert!(allows(0.999_999, 1.0));
        assert!(!allows(1.0, 1.0));
        assert!(!allows(1.5, 1.0));
        assert!(!allows(0.0, 0.0), "a zero budget allows no call");
    }

    #[test]
    fn spend_is_per_utc_day() {
        let mut b = Budget::default();
        b.record(t("2026-05-24T23:59:59Z"), 0.6);
        b.record(t("2026-05-24T23:59:59Z"), 0.5);
        assert!((b.spent_on(t("2026-05-24T01:00:00Z")) - 1.1).abs() < 1e-9);
        assert_eq!(b.calls, 2);
        assert_eq!(b.spent_on(t("2026-05-25T00:00:00Z")), 0.0);
        b.record(t("2026-05-25T00:00:00Z"), 0.1);
        assert_eq!(b.day, "2026-05-25");
        assert_eq!(b.calls, 1);
        b.record(t("2026-05-25T00:00:00Z"), -5.0);
        assert!(
            (b.spent_usd - 0.1).abs() < 1e-9,
            "negative costs are ignored"
        );
    }

    #[test]
    fn cost_from_the_price_table() {
        let prices = BTreeMap::from([(
            "gpt-4o-mini".to_string(),
            Price {
                input_per_mtok: 0.15,
                output_per_mtok: 0.60,
            },
        )]);
        let usage = Usage::reported(2_000_000, 500_000);
        let c = cost(&prices, "gpt-4o-mini", usage).unwrap();
        assert!((c - 0.6).abs() < 1e-9, "{c}");
        assert_eq!(cost(&prices, "other", usage), None);
        // An estimate is priced like reported usage.
        let c = cost(&prices, "gpt-4o-mini", estimate(8_000_000, 2_000_000)).unwrap();
        assert!((c - 0.6).abs() < 1e-9, "{c}");
    }

    #[test]
    fn estimates_one_token_per_four_bytes_rounded_up() {
        let e = estimate(0, 0);
        assert_eq!((e.input_tokens, e.output_tokens, e.estimated), (0, 0, true));
        let e = estimate(1, 4);
        assert_eq!((e.input_tokens, e.output_tokens), (1, 1));
        let e = estimate(5, 8);
        assert_eq!((e.input_tokens, e.output_tokens), (2, 2));
        let e = estimate(4001, 399);
        assert_eq!((e.input_tokens, e.output_tokens), (1001, 100));
        let e = estimate(usize::MAX, 0);
        assert_eq!(e.input_tokens, (usize::MAX as u64).div_ceil(4));
    }
}
