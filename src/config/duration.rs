//! Durations written with a unit, as in the configuration (`500ms`, `10s`, `30m`,
//! `72h`, `14d`, and sums such as `1h30m`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration as StdDuration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative span of time with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(u64);

const UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl Duration {
    pub const ZERO: Duration = Duration(0);

    /// The longest duration accepted anywhere (configuration, flags): 100
    /// years, so that adding one to any instant `tend` handles cannot overflow.
    pub const MAX: Duration = Duration(36_500 * 86_400_000);

    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms)
    }

    pub const fn from_secs(s: u64) -> Self {
        Duration(s * 1000)
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn to_std(self) -> StdDuration {
        StdDuration::from_millis(self.0)
    }

    pub fn to_chrono(self) -> chrono::TimeDelta {
        // At most Duration::MAX (parse bound): always fits an i64.
        chrono::TimeDelta::milliseconds(self.0 as i64)
    }
}

/// Why a duration string was refused; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDurationError(String);

impl fmt::Display for ParseDurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: expected a number with a unit (ms, s, m, h, d), e.g. \"500ms\", \"10s\", \"72h\", \"1h30m\", at most 36500d",
            self.0
        )
    }
}

impl std::error::Error for ParseDurationError {}

impl FromStr for Duration {
    type Err = ParseDurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ParseDurationError(text.to_string());
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(err());
        }
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(err());
            }
            let value: u64 = rest[..digits].parse().map_err(|_| err())?;
            rest = &rest[digits..];
            let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let factor = UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, f)| *f)
                .ok_or_else(err)?;
            total = value
                .checked_mul(factor)
                .and_then(|ms| total.checked_add(ms))
                .filter(|ms| *ms <= Duration::MAX.0)
                .ok_or_else(err)?;
        }
        Ok(Duration(total))
    }
}

impl fmt::Display for Duration {
    /// The shortest exact spelling: `90s` is `1m30s`, `0` is `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (name, factor) in UNITS {
            if rest >= factor {
                write!(f, "{}{name}", rest / factor)?;
                rest %= factor;
            }
        }
        Ok(())
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string with a unit such as \"10s\", \"30m\" or \"72h\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_sums() {
        let cases = [
            ("500ms", 500),
            ("10s", 10_000),
            ("30m", 1_800_000),
            ("72h", 259_200_000),
            ("14d", 1_209_600_000),
            ("1h30m", 5_400_000),
            ("0s", 0),
            (" 5s ", 5_000),
        ];
        for (text, ms) in cases {
            assert_eq!(text.parse::<Duration>().unwrap().as_millis(), ms, "{text}");
        }
    }

    #[test]
    fn refuses_missing_or_unknown_units() {
        for text in [
            "",
            "10",
            "s",
            "10x",
            "1.5h",
            "-5s",
            "10 s",
            "h10",
            "99999999999999999999d",
            "99999999d",
            "36500d1ms",
            "876001h",
        ] {
            assert!(
                text.parse::<Duration>().is_err(),
                "{text:?} should be refused"
            );
        }
    }

    #[test]
    fn the_bound_is_inclusive_and_safe_to_add() {
        let max: Duration = "36500d".parse().unwrap();
        assert_eq!(max, Duration::MAX);
        let far = chrono::DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
            .unwrap()
            .to_utc();
        assert!(far.checked_add_signed(max.to_chrono()).is_some());
    }

    #[test]
    fn displays_round_trip() {
        for text in ["0s", "500ms", "1m30s", "3d", "14d", "1d1h1m1s1ms"] {
            let d: Duration = text.parse().unwrap();
            assert_eq!(d.to_string(), text);
        }
        assert_eq!("90s".parse::<Duration>().unwrap().to_string(), "1m30s");
        assert_eq!("72h".parse::<Duration>().unwrap().to_string(), "3d");
    }
}
