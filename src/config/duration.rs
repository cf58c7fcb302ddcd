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

/// A key named after its unit (`debounce_seconds`, `ttl_days`,
/// `max_latency_ms`) takes a plain count of that unit, as always, or a
/// duration written with a unit (`"10m"`), like every other duration in the
/// file, that is a whole number of the key's unit.
fn count_of<'de, D: Deserializer<'de>>(d: D, unit: (&'static str, u64)) -> Result<u64, D::Error> {
    struct Visitor((&'static str, u64));
    impl serde::de::Visitor<'_> for Visitor {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "a whole number of {} (0 or more) or a duration with a unit such as \"10m\"",
                self.0.0
            )
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| {
                E::custom(format!(
                    "invalid value {v}: expected a whole number of {}, 0 or more",
                    self.0.0
                ))
            })
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
            let (name, unit_ms) = self.0;
            let duration: Duration = v.parse().map_err(|_| {
                E::custom(format!(
                    "invalid value {v:?}: expected a whole number of {name} or a duration with a \
                     unit (ms, s, m, h, d) such as \"10m\""
                ))
            })?;
            if !duration.as_millis().is_multiple_of(unit_ms) {
                return Err(E::custom(format!(
                    "invalid duration {v:?}: expected a whole number of {name}"
                )));
            }
            Ok(duration.as_millis() / unit_ms)
        }
    }
    d.deserialize_any(Visitor(unit))
}

/// `serde(deserialize_with)` for a count of seconds: `600` or `"10m"`.
pub fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    count_of(d, ("seconds", 1_000))
}

/// `serde(deserialize_with)` for a count of days: `14` or `"14d"`.
pub fn days<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let days = count_of(d, ("days", 86_400_000))?;
    u32::try_from(days).map_err(|_| {
        serde::de::Error::custom(format!("invalid value {days}: at most {} days", u32::MAX))
    })
}

/// `serde(deserialize_with)` for an optional count of milliseconds: `1500`
/// or `"1500ms"`, `"2s"`.
pub fn optional_millis<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    count_of(d, ("milliseconds", 1)).map(Some)
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

    #[derive(Debug, serde::Deserialize)]
    struct Counts {
        #[serde(default, deserialize_with = "seconds")]
        debounce_seconds: u64,
        #[serde(default, deserialize_with = "days")]
        ttl_days: u32,
        #[serde(default, deserialize_with = "optional_millis")]
        max_latency_ms: Option<u64>,
    }

    fn counts(text: &str) -> Result<Counts, String> {
        toml::from_str(text).map_err(|e| e.message().to_string())
    }

    #[test]
    fn a_key_named_after_its_unit_takes_a_count_or_a_duration() {
        let c = counts("debounce_seconds = 600\nttl_days = 14\nmax_latency_ms = 1500").unwrap();
        assert_eq!(
            (c.debounce_seconds, c.ttl_days, c.max_latency_ms),
            (600, 14, Some(1500))
        );
        let c = counts("debounce_seconds = \"10m\"\nttl_days = \"336h\"\nmax_latency_ms = \"2s\"")
            .unwrap();
        assert_eq!(
            (c.debounce_seconds, c.ttl_days, c.max_latency_ms),
            (600, 14, Some(2000))
        );
        assert_eq!(counts("").unwrap().max_latency_ms, None);
        assert_eq!(
            counts("debounce_seconds = \"0s\"")
                .unwrap()
                .debounce_seconds,
            0
        );
        for (text, expected) in [
            (
                "debounce_seconds = \"1500ms\"",
                "expected a whole number of seconds",
            ),
            ("ttl_days = \"36h\"", "expected a whole number of days"),
            ("debounce_seconds = -1", "0 or more"),
            (
                "debounce_seconds = \"ten\"",
                "invalid value \"ten\": expected a whole number of seconds or a duration",
            ),
            (
                "debounce_seconds = 1.5",
                "a whole number of seconds (0 or more) or a duration",
            ),
        ] {
            let err = counts(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
