//! Severity of a wake, an alert or a message, shared by probes, wakes and alerts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Critical, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// The mark that starts an operator message (design §5).
    pub fn mark(self) -> &'static str {
        match self {
            Severity::Critical => "🚨",
            Severity::Warning => "⚠️",
            Severity::Info => "ℹ️",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "critical" => Ok(Severity::Critical),
            "warning" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            other => Err(format!(
                "unknown severity {other:?}: expected critical, warning or info"
            )),
        }
    }
}

/// Whether a category is only the name of a probe state or a severity
/// (`critical`, what a probe without a category of its own gets, design §4):
/// a message then leaves it out, as the severity already says it.
pub fn is_state_name(category: &str) -> bool {
    let category = category.trim();
    category.is_empty()
        || ["ok", "warning", "critical", "unknown", "info"]
            .iter()
            .any(|state| category.eq_ignore_ascii_case(state))
}

#[cfg(test)]
mod state_name_tests {
    #[test]
    fn state_and_severity_names_say_nothing_else() {
        for name in [
            "critical", "CRITICAL", " unknown", "warning", "ok", "info", "",
        ] {
            assert!(super::is_state_name(name), "{name:?}");
        }
        for name in ["api_down", "critical_path", "machine_down", "okay"] {
            assert!(!super::is_state_name(name), "{name:?}");
        }
    }
}
