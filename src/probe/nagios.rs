//! What a probe said (design §4): the Nagios plugin API (exit code → state, first
//! line = summary, `|` then performance data, more lines = long output that may
//! carry more performance data after another `|`) and the JSON probe object
//! `{"status","category","summary","observations"}`. Pure: bytes in, values out.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Nagios service state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Ok,
        Status::Warning,
        Status::Critical,
        Status::Unknown,
    ];

    /// The plugin API's exit codes; anything else is not a state.
    pub fn from_exit_code(code: i32) -> Option<Status> {
        match code {
            0 => Some(Status::Ok),
            1 => Some(Status::Warning),
            2 => Some(Status::Critical),
            3 => Some(Status::Unknown),
            _ => None,
        }
    }

    /// The exit code a Nagios plugin would use for this state.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Unknown => "unknown",
        }
    }

    pub fn upper(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// How bad a state is when several are combined (`--nagios-exit`):
    /// CRITICAL > WARNING > UNKNOWN > OK, as the monitoring plugins'
    /// `max_state_alt` orders them.
    pub fn badness(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Unknown => 1,
            Status::Warning => 2,
            Status::Critical => 3,
        }
    }

    pub fn worst(self, other: Status) -> Status {
        if other.badness() > self.badness() {
            other
        } else {
            self
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    /// Case-insensitive state names, as JSON probes write them.
    fn from_str(s: &str) -> Result<Status, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ok" => Ok(Status::Ok),
            "warning" => Ok(Status::Warning),
            "critical" => Ok(Status::Critical),
            "unknown" => Ok(Status::Unknown),
            _ => Err(format!(
                "status {s:?} is not one of ok, warning, critical, unknown"
            )),
        }
    }
}

/// One performance data item: `'label'=value[UOM];[warn];[crit];[min];[max]`.
/// Thresholds are ranges (`10`, `10:`, `~:20`, `@5:10`) and are kept as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Perf {
    pub label: String,
    /// `None` when the plugin wrote `U` (the value could not be determined).
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uom: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// The units of the plugin guidelines. Others are kept as written (Icinga and
/// many plugins use more), but this is what the guidelines promise.
pub const KNOWN_UOMS: [&str; 10] = ["s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c"];

/// Nagios text output, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text {
    pub summary: String,
    pub long_output: String,
    pub perfdata: Vec<Perf>,
    /// Items that could not be parsed, each with what was wrong.
    pub perf_errors: Vec<String>,
}

/// Parses a plugin's standard output:
///
/// ```text
/// SUMMARY | PERFDATA
/// LONG LINE 1
/// LONG LINE N | PERFDATA LINE 2
/// PERFDATA LINE 3
/// ```
///
/// Blank lines before the summary are passed over: some plugins print one
/// before their usage text (`check_users` without arguments).
pub fn parse_text(output: &str) -> Text {
    let output = output.trim_end_matches(['\n', '\r']);
    let mut lines = output.lines().skip_while(|line| line.trim().is_empty());
    let first = lines.next().unwrap_or("");
    let (summary, first_perf) = match first.split_once('|') {
        Some((s, p)) => (s, p),
        None => (first, ""),
    };
    let mut perf_text = vec![first_perf.to_string()];
    let mut long = Vec::new();
    let mut in_perf = false;
    for line in lines {
        if in_perf {
            perf_text.push(line.to_string());
        } else if let Some((text, perf)) = line.split_once('|') {
            long.push(text.trim_end());
            perf_text.push(perf.to_string());
            in_perf = true;
        } else {
            long.push(line.trim_end());
        }
    }
    let mut text = Text {
        summary: summary.trim().to_string(),
        long_output: long.join("\n").trim_matches('\n').to_string(),
        ..Text::default()
    };
    for chunk in perf_text {
        parse_perfdata(&chunk, &mut text.perfdata, &mut text.perf_errors);
    }
    text
}

/// Parses space-separated performance data items into `out`; items that do not
/// parse are described in `errors` (and not dropped silently).
pub fn parse_perfdata(text: &str, out: &mut Vec<Perf>, errors: &mut Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // The label: quoted ('' is a quote inside) or up to '='.
        let mut label = String::new();
        let mut bad: Option<String> = None;
        if chars[i] == '\'' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        label.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    closed = true;
                    break;
                }
                label.push(chars[i]);
                i += 1;
            }
            if !closed {
                bad = Some("unterminated quoted label".into());
            } else if chars.get(i) != Some(&'=') {
                bad = Some("expected '=' after the label".into());
            }
        } else {
            while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
                label.push(chars[i]);
                i += 1;
            }
            if chars.get(i) != Some(&'=') {
                bad = Some("expected label=value".into());
            }
        }
        // The value part runs to the next whitespace.
        if chars.get(i) == Some(&'=') {
            i += 1;
        }
        let value_start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        if bad.is_none() && label.is_empty() {
            bad = Some("empty label".into());
        }
        if let Some(why) = bad {
            errors.push(format!("{token:?}: {why}"));
            continue;
        }
        let value_text: String = chars[value_start..i].iter().collect();
        match parse_value(&label, &value_text) {
            Ok(perf) => out.push(perf),
            Err(why) => errors.push(format!("{token:?}: {why}")),
        }
    }
}

fn parse_value(label: &str, text: &str) -> Result<Perf, String> {
    let mut fields = text.split(';');
    let head = fields.next().unwrap_or("");
    let (value, uom) = if head == "U" {
        (None, String::new())
    } else {
        let (number, uom) = split_number(head);
        if number.is_empty() {
            return Err(format!("value {head:?} is not a number"));
        }
        let value: f64 = finite(number).ok_or_else(|| format!("value {head:?} is not a number"))?;
        (Some(value), uom.to_string())
    };
    let range = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
    let warn = range(fields.next());
    let crit = range(fields.next());
    let number = |name: &str, s: Option<&str>| -> Result<Option<f64>, String> {
        match s.filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => finite(split_number(s).0)
                .map(Some)
                .ok_or_else(|| format!("{name} {s:?} is not a number")),
        }
    };
    let min = number("min", fields.next())?;
    let max = number("max", fields.next())?;
    Ok(Perf {
        label: label.to_string(),
        value,
        uom,
        warn,
        crit,
        min,
        max,
    })
}

/// A finite number: `1e400` parses as infinity, which JSON cannot carry (it
/// would be written as null, like the `U` of an unknown value).
fn finite(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Splits `12.5ms` into (`12.5`, `ms`): a decimal number with an optional sign
/// and exponent, then the unit.
fn split_number(text: &str) -> (&str, &str) {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    if i == digits_start {
        return ("", text);
    }
    // An exponent only when digits follow it (so `5e` is 5 with unit `e`).
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'-' || bytes[j] == b'+') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    (&text[..i], &text[i..])
}

/// A JSON probe's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonAnswer {
    pub status: Status,
    pub category: Option<String>,
    pub summary: Option<String>,
    /// Always an object: a non-object value is kept under `"value"`.
    pub observations: Map<String, Value>,
}

/// Reads standard output as a JSON probe answer. `None` when the output is not
/// one JSON object (then it is Nagios text); `Some(Err)` when it is one but its
/// `status` is missing or not a state name.
pub fn parse_json(output: &str) -> Option<Result<JsonAnswer, String>> {
    let trimmed = output.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(trimmed) else {
        return None;
    };
    let status = match object.remove("status") {
        Some(Value::String(s)) => match s.parse::<Status>() {
            Ok(status) => status,
            Err(e) => return Some(Err(format!("JSON probe output: {e}"))),
        },
        Some(other) => {
            return Some(Err(format!(
                "JSON probe output: status {other} is not one of \"ok\", \"warning\", \"critical\", \"unknown\""
            )));
        }
        None => {
            return Some(Err(
                "JSON probe output has no \"status\" (expected ok, warning, critical or unknown)"
                    .into(),
            ));
        }
    };
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    };
    let category = text(object.remove("category"));
    let summary = text(object.remove("summary"));
    let observations = match object.remove("observations") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(other) => Map::from_iter([("value".to_string(), other)]),
    };
    Some(Ok(JsonAnswer {
        status,
        category,
        summary,
        observations,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perf(text: &str) -> (Vec<Perf>, Vec<String>) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        parse_perfdata(text, &mut out, &mut errors);
        (out, errors)
    }

    fn one(text: &str) -> Perf {
        let (out, errors) = perf(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out.len(), 1, "{out:?}");
        out.into_iter().next().unwrap()
    }

    #[test]
    fn exit_codes_map_to_states_and_others_do_not() {
        assert_eq!(Status::from_exit_code(0), Some(Status::Ok));
        assert_eq!(Status::from_exit_code(1), Some(Status::Warning));
        assert_eq!(Status::from_exit_code(2), Some(Status::Critical));
        assert_eq!(Status::from_exit_code(3), Some(Status::Unknown));
        assert_eq!(Status::from_exit_code(4), None);
        assert_eq!(Status::from_exit_code(-1), None);
        assert_eq!(Status::from_exit_code(255), None);
    }

    #[test]
    fn worst_orders_critical_warning_unknown_ok() {
        use Status::*;
        assert_eq!(Ok.worst(Unknown), Unknown);
        assert_eq!(Unknown.worst(Warning), Warning);
        assert_eq!(Critical.worst(Warning), Critical);
        assert_eq!(Warning.worst(Ok), Warning);
    }

    #[test]
    fn summary_only() {
        let t = parse_text("OK - all fine\n");
        assert_eq!(t.summary, "OK - all fine");
        assert!(t.long_output.is_empty() && t.perfdata.is_empty());
        assert_eq!(parse_text("").summary, "");
        assert_eq!(parse_text("\n \n").summary, "");
        let t = parse_text("\n  \nUsage:\ncheck_users -w <users> -c <users>\n");
        assert_eq!(t.summary, "Usage:");
        assert_eq!(t.long_output, "check_users -w <users> -c <users>");
    }

    #[test]
    fn summary_long_output_and_perfdata_on_several_lines() {
        let t = parse_text(
            "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n\
             / 15272 MB (77%);\n\
             /boot 68 MB (69%); | /boot=68MB;88;93;0;98\n\
             /home=69357MB;253404;253409;0;253414\n",
        );
        assert_eq!(t.summary, "DISK OK - free space: / 3326 MB (56%);");
        assert_eq!(t.long_output, "/ 15272 MB (77%);\n/boot 68 MB (69%);");
        let labels: Vec<&str> = t.perfdata.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["/", "/boot", "/home"]);
        assert_eq!(t.perfdata[2].value, Some(69357.0));
        assert_eq!(t.perfdata[2].uom, "MB");
        assert_eq!(t.perfdata[2].max, Some(253414.0));
        assert!(t.perf_errors.is_empty());
    }

    #[test]
    fn every_unit_of_the_guidelines() {
        for uom in KNOWN_UOMS {
            let p = one(&format!("x=1.5{uom}"));
            assert_eq!((p.value, p.uom.as_str()), (Some(1.5), uom));
        }
        assert_eq!(one("x=3").uom, "");
    }

    #[test]
    fn quoted_labels_with_spaces_and_quotes() {
        let p = one("'disk used /var'=50%;80;90;0;100");
        assert_eq!(p.label, "disk used /var");
        assert_eq!(p.warn.as_deref(), Some("80"));
        assert_eq!(p.crit.as_deref(), Some("90"));
        assert_eq!((p.min, p.max), (Some(0.0), Some(100.0)));
        assert_eq!(one("'it''s'=1").label, "it's");
        let (out, _) = perf("'a b'=1 c=2  'd'=3");
        let labels: Vec<&str> = out.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["a b", "c", "d"]);
    }

    #[test]
    fn ranges_are_kept_as_text() {
        let p = one("rng=3;10:;~:20");
        assert_eq!(p.warn.as_deref(), Some("10:"));
        assert_eq!(p.crit.as_deref(), Some("~:20"));
        let p = one("at=4;@5:10;@~:3;;");
        assert_eq!(p.warn.as_deref(), Some("@5:10"));
        assert_eq!(p.crit.as_deref(), Some("@~:3"));
        assert_eq!((p.min, p.max), (None, None));
        let p = one("t=0.5s;;2");
        assert_eq!((p.warn.as_deref(), p.crit.as_deref()), (None, Some("2")));
    }

    #[test]
    fn numbers_signs_exponents_and_undetermined() {
        assert_eq!(one("x=-3.5").value, Some(-3.5));
        assert_eq!(one("x=+2").value, Some(2.0));
        let p = one("x=1e3ms");
        assert_eq!((p.value, p.uom.as_str()), (Some(1000.0), "ms"));
        assert_eq!(one("x=.5").value, Some(0.5));
        let p = one("load=U;1;2");
        assert_eq!(p.value, None);
        assert_eq!(p.warn.as_deref(), Some("1"));
        let p = one("c=5c");
        assert_eq!((p.value, p.uom.as_str()), (Some(5.0), "c"));
    }

    #[test]
    fn malformed_items_are_reported_not_dropped_silently() {
        let (out, errors) = perf("good=1 novalue bad=abc x= 'open=1");
        assert_eq!(out.len(), 1);
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].contains("novalue") && errors[0].contains("label=value"));
        assert!(errors[1].contains("not a number"));
        assert!(errors[2].contains("\"x=\""));
        assert!(errors[3].contains("unterminated"));
        let (_, errors) = perf("x=1;2;3;low");
        assert!(errors[0].contains("min"), "{errors:?}");
        let (_, errors) = perf("=5");
        assert!(errors[0].contains("empty label"), "{errors:?}");
        // Out of f64's range: an error, not a value written as null.
        let (out, errors) = perf("big=1e400 small=-1e400 max=1;2;3;0;1e999 tiny=1e-400");
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].label, "tiny");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("1e400") && errors[0].contains("not a number"));
        assert!(errors[2].contains("max \"1e999\""), "{errors:?}");
    }

    #[test]
    fn pipe_only_in_long_output() {
        let t = parse_text("OK\nline one\nline two | b=2ms\nc=3us d=4\n");
        assert_eq!(t.summary, "OK");
        assert_eq!(t.long_output, "line one\nline two");
        let labels: Vec<&str> = t.perfdata.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["b", "c", "d"]);
    }

    #[test]
    fn json_answers() {
        let a = parse_json(
            r#"{"status":"CRITICAL","category":"queue_stalled","summary":"3 stalled","observations":{"n":3}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(a.status, Status::Critical);
        assert_eq!(a.category.as_deref(), Some("queue_stalled"));
        assert_eq!(a.summary.as_deref(), Some("3 stalled"));
        assert_eq!(a.observations["n"], 3);

        let a = parse_json("  {\"status\": \"Warning\", \"observations\": [1]}\n")
            .unwrap()
            .unwrap();
        assert_eq!(a.status, Status::Warning);
        assert_eq!(a.category, None);
        assert_eq!(a.observations["value"], serde_json::json!([1]));

        assert!(parse_json("OK - fine").is_none());
        assert!(parse_json("{not json").is_none());
        assert!(parse_json("{\"a\":1} trailing").is_none());
        let err = parse_json(r#"{"status":"degraded"}"#).unwrap().unwrap_err();
        assert!(err.contains("degraded"), "{err}");
        let err = parse_json(r#"{"summary":"x"}"#).unwrap().unwrap_err();
        assert!(err.contains("no \"status\""), "{err}");
        let err = parse_json(r#"{"status":2}"#).unwrap().unwrap_err();
        assert!(err.contains("status 2"), "{err}");
    }
}
