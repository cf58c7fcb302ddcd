//! Input detection and field mapping, including every way input can be bad.

use super::*;
use serde_json::json;

fn now() -> DateTime<Utc> {
    crate::clock::parse_ts("2026-05-24T08:00:00Z").unwrap()
}

fn ok(bytes: &[u8]) -> Parsed {
    parse(bytes, "from:test", now()).unwrap_or_else(|e| panic!("{e}"))
}

fn err(bytes: &[u8]) -> SourceError {
    match parse(bytes, "from:test", now()) {
        Ok(p) => panic!("parsed {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn tend_json_lines() {
    let input = br#"{"id":"q1","severity":"critical","category":"queue","title":"Queue stuck","summary":"12k jobs waiting","started_at":"2026-05-24T07:00:00Z","source":"worker"}

{"id":"q2","severity":"INFO","category":"queue","extra":1}
{"id":"q3","severity":"warning","category":"queue","status":"resolved"}
"#;
    let p = ok(input);
    assert_eq!(p.format, Format::TendLines);
    assert_eq!(p.inactive, 1);
    assert_eq!(p.alerts.len(), 2);
    let a = &p.alerts[0];
    assert_eq!(
        (
            a.id.as_str(),
            a.severity,
            a.category.as_str(),
            a.title.as_str()
        ),
        ("q1", Severity::Critical, "queue", "Queue stuck")
    );
    assert_eq!(a.summary, "12k jobs waiting");
    assert_eq!(
        a.started_at,
        Some(crate::clock::parse_ts("2026-05-24T07:00:00Z").unwrap())
    );
    assert_eq!(
        (a.source.as_str(), a.feed.as_str()),
        ("worker", "from:test")
    );
    // Defaults: title = category, no summary, source "external".
    let b = &p.alerts[1];
    assert_eq!(
        (
            b.severity,
            b.title.as_str(),
            b.summary.as_str(),
            b.source.as_str()
        ),
        (Severity::Info, "queue", "", DEFAULT_SOURCE)
    );
}

#[test]
fn tend_json_array_and_empty_array() {
    let p = ok(br#" [{"id":"a","severity":"warning","category":"c"},{"id":"b","severity":"info","category":"c"}]"#);
    assert_eq!(p.format, Format::TendArray);
    assert_eq!(p.alerts.len(), 2);
    let p = ok(b"[]\n");
    assert!(p.alerts.is_empty());
    // A byte order mark is not content.
    assert_eq!(ok(b"\xEF\xBB\xBF[]").alerts.len(), 0);
}

fn webhook() -> serde_json::Value {
    json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"HighErrorRate\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "tend",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HighErrorRate", "severity": "critical", "category": "api", "instance": "a:80"},
                "annotations": {"summary": "Error rate above 5%", "description": "long text"},
                "startsAt": "2026-05-24T07:40:00.123Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus/graph",
                "fingerprint": "3f2a9c1d0e4b5a67"
            },
            {
                "status": "firing",
                "labels": {"alertname": "DiskFilling", "severity": "page"},
                "annotations": {"description": "only a description"},
                "startsAt": "2026-05-24T07:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "aaaa000011112222"
            },
            {
                "status": "resolved",
                "labels": {"alertname": "Gone", "severity": "warning"},
                "annotations": {},
                "startsAt": "2026-05-24T06:00:00Z",
                "endsAt": "2026-05-24T07:00:00Z",
                "fingerprint": "bbbb000011112222"
            }
        ]
    })
}

#[test]
fn alertmanager_webhook_payload() {
    let text = serde_json::to_string_pretty(&webhook()).unwrap();
    let p = ok(text.as_bytes());
    assert_eq!(p.format, Format::AlertmanagerWebhook);
    assert_eq!((p.alerts.len(), p.inactive), (2, 1));
    let a = &p.alerts[0];
    assert_eq!(a.id, "3f2a9c1d0e4b5a67");
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.category, "api", "the category label wins over alertname");
    assert_eq!(a.title, "HighErrorRate");
    assert_eq!(
        a.summary, "Error rate above 5%",
        "summary before description"
    );
    assert_eq!(a.source, ALERTMANAGER_SOURCE);
    assert_eq!(
        a.started_at,
        Some(crate::clock::parse_ts("2026-05-24T07:40:00.123Z").unwrap())
    );
    let b = &p.alerts[1];
    assert_eq!(
        b.severity,
        Severity::Info,
        "an unknown severity label is info"
    );
    assert_eq!(
        b.category, "DiskFilling",
        "alertname when there is no category label"
    );
    assert_eq!(b.summary, "only a description");
}

#[test]
fn alertmanager_v2_array() {
    let input = json!([
        {
            "annotations": {"summary": "p99 above 2s"},
            "endsAt": "2026-05-24T08:04:00Z",
            "fingerprint": "1111222233334444",
            "receivers": [{"name": "tend"}],
            "startsAt": "2026-05-24T07:30:00Z",
            "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"},
            "updatedAt": "2026-05-24T07:59:00Z",
            "generatorURL": "http://prometheus/graph",
            "labels": {"alertname": "SlowRequests", "severity": "warning"}
        },
        {
            "annotations": {},
            "endsAt": "2026-05-24T08:04:00Z",
            "fingerprint": "5555666677778888",
            "startsAt": "2026-05-24T07:30:00Z",
            "status": {"inhibitedBy": [], "silencedBy": ["abc"], "state": "suppressed"},
            "labels": {"alertname": "Silenced"}
        },
        {
            "annotations": {},
            "endsAt": "2026-05-24T07:59:59Z",
            "fingerprint": "9999aaaabbbbcccc",
            "startsAt": "2026-05-24T07:30:00Z",
            "status": {"state": "active"},
            "labels": {"alertname": "Ended"}
        }
    ]);
    let p = ok(input.to_string().as_bytes());
    assert_eq!(p.format, Format::AlertmanagerV2);
    assert_eq!((p.alerts.len(), p.inactive), (1, 2));
    let a = &p.alerts[0];
    assert_eq!(
        (
            a.id.as_str(),
            a.severity,
            a.category.as_str(),
            a.title.as_str(),
            a.summary.as_str()
        ),
        (
            "1111222233334444",
            Severity::Warning,
            "SlowRequests",
            "SlowRequests",
            "p99 above 2s"
        )
    );
}

#[test]
fn invalid_json_names_the_byte() {
    // Truncated array: the error is at the end.
    let input = br#"[{"id":"a","severity":"critical","category":"c"},{"id":"b","sev"#;
    let e = err(input);
    assert_eq!(e.offset, input.len());
    assert!(e.problem.starts_with("not valid JSON"), "{e}");
    assert!(e.expected.contains("Alertmanager"), "{e}");

    // A bad second line of JSON Lines: the error points into line 2.
    let input = b"{\"id\":\"a\",\"severity\":\"critical\",\"category\":\"c\"}\n{\"id\": nope}\n";
    let e = err(input);
    assert_eq!(e.line, 2, "{e}");
    let line2 = input.iter().position(|b| *b == b'\n').unwrap() + 1;
    // `n` could start `null`: the `o` after it is where it stops being JSON.
    assert_eq!(e.offset, line2 + 8, "{e}");
    assert_eq!(e.expected, "JSON Lines of tend alerts");
    assert_eq!(
        e.to_string(),
        format!(
            "byte {} (line 2, column 9): {}; expected JSON Lines of tend alerts",
            line2 + 8,
            e.problem
        )
    );

    // Truncated webhook payload.
    let text = serde_json::to_string_pretty(&webhook()).unwrap();
    let cut = &text.as_bytes()[..text.len() / 2];
    let e = err(cut);
    assert_eq!(e.offset, cut.len());
}

#[test]
fn input_that_matches_no_format() {
    let cases: &[(&[u8], usize, &str)] = &[
        (b"", 0, "empty"),
        (b"  \n", 3, "empty"),
        (b"42", 0, "starts with '4'"),
        (b"\n{\"name\":\"x\"}", 1, "neither `id`"),
        (b"[{\"name\":\"x\"}]", 1, "neither `id`"),
        (b"[1]", 1, "a JSON number, not an object"),
        (b"{\"id\":\"a\",\"category\":\"c\"}", 0, "no `severity`"),
        (
            b"{\"id\":\"a\",\"severity\":\"urgent\",\"category\":\"c\"}",
            0,
            "unknown severity",
        ),
        (
            b"{\"id\":\"a\",\"severity\":\"info\",\"category\":\"\"}",
            0,
            "`category` is empty",
        ),
        (
            b"{\"id\":7,\"severity\":\"info\",\"category\":\"c\"}",
            0,
            "not a string",
        ),
        (
            b"{\"id\":\"a\",\"severity\":\"info\",\"category\":\"c\",\"started_at\":\"soon\"}",
            0,
            "started_at",
        ),
    ];
    for (input, offset, needle) in cases {
        let e = err(input);
        assert_eq!(
            e.offset,
            *offset,
            "{:?}: {e}",
            String::from_utf8_lossy(input)
        );
        assert!(
            e.to_string().contains(needle),
            "{:?}: {e}",
            String::from_utf8_lossy(input)
        );
    }
    // A tend alert line after the first is checked as one.
    let input = b"{\"id\":\"a\",\"severity\":\"info\",\"category\":\"c\"}\n[1]\n";
    let e = err(input);
    assert_eq!(e.offset, 44);
    assert!(e.problem.contains("not an object"), "{e}");
    // A v2 array whose later element is not an Alertmanager alert.
    let input = br#"[{"labels":{"alertname":"A"},"fingerprint":"f1"},{"labels":{}}]"#;
    let e = err(input);
    assert_eq!(e.offset, 49, "{e}");
    assert!(e.problem.contains("fingerprint"), "{e}");
    // Anything after a webhook payload.
    let mut input = webhook().to_string().into_bytes();
    let second = input.len() + 1;
    input.extend_from_slice(b"\n{}");
    let e = err(&input);
    assert_eq!(e.offset, second);
}

/// A probe's state as `probe run` writes it, with the bookkeeping fields a
/// test does not care about filled in.
fn probe_state(probes: Value) -> ProbesState {
    let mut probes = probes;
    for probe in probes.as_object_mut().unwrap().values_mut() {
        let probe = probe.as_object_mut().unwrap();
        for (key, value) in [
            ("since", json!("2026-05-24T07:58:00Z")),
            ("last_checked", json!("2026-05-24T08:00:00Z")),
            ("consecutive", json!(1)),
            ("consecutive_ok", json!(0)),
        ] {
            probe.entry(key).or_insert(value);
        }
    }
    serde_json::from_value(json!({ "probes": probes })).unwrap()
}

#[test]
fn probe_state_alerts_skip_ok_and_keep_recovering() {
    let state = probe_state(json!({
        "api": {"status": "critical", "issue_category": "api_down", "severity": "critical",
                "summary": "HTTP 503", "since": "2026-05-24T07:50:00Z", "consecutive": 3},
        "db": {"status": "ok", "issue_category": "ok"},
        "disk": {"status": "warning", "issue_category": " ", "summary": "82%"},
        "odd": {"status": "unknown", "issue_category": "odd_cat"}
    }));
    let alerts = probe_alerts(&state);
    let ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "probe:api:api_down",
            "probe:disk:warning",
            "probe:odd:odd_cat"
        ]
    );
    assert_eq!(alerts[0].severity, Severity::Critical);
    assert_eq!(alerts[0].summary, "HTTP 503");
    assert_eq!(alerts[0].title, "api is critical");
    assert_eq!(
        alerts[0].started_at,
        Some(crate::clock::parse_ts("2026-05-24T07:50:00Z").unwrap())
    );
    assert_eq!(alerts[1].severity, Severity::Warning);
    assert_eq!(
        alerts[2].severity,
        Severity::Warning,
        "unknown is a warning"
    );
    assert!(
        alerts
            .iter()
            .all(|a| a.feed == PROBE_FEED && a.source == "probe")
    );
    assert!(probe_alerts(&ProbesState::default()).is_empty());
    // OK again but not yet recovered (probe run's hysteresis): still the alert.
    let recovering = probe_state(json!({"api": {
        "status": "ok", "issue_category": "ok", "severity": null, "summary": "200 OK",
        "since": "2026-05-24T07:58:00Z", "down_since": "2026-05-24T07:50:00Z",
        "down_category": "api_down"}}));
    let alerts = probe_alerts(&recovering);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].id, "probe:api:api_down");
    assert_eq!(alerts[0].title, "api is recovering");
    assert_eq!(
        alerts[0].started_at,
        Some(crate::clock::parse_ts("2026-05-24T07:50:00Z").unwrap())
    );
    let recovered =
        probe_state(json!({"api": {"status": "ok", "issue_category": "ok", "down_since": null}}));
    assert!(probe_alerts(&recovered).is_empty());
    let blank =
        probe_state(json!({"api": {"status": "ok", "issue_category": "ok", "down_since": ""}}));
    assert!(
        probe_alerts(&blank).is_empty(),
        "a blank down_since is no episode"
    );
}

#[test]
fn dedupe_keeps_one_alert_per_id_and_names_each_copy_dropped() {
    let alert = |id: &str, severity: Severity, title: &str, feed: &str| Alert {
        id: id.into(),
        severity,
        category: "c".into(),
        title: title.into(),
        summary: String::new(),
        started_at: None,
        source: "s".into(),
        feed: feed.into(),
    };
    let input = vec![
        alert("a", Severity::Warning, "first", "from:x"),
        alert("b", Severity::Info, "b", "from:x"),
        // Identical but for the input: merged without a word.
        alert("b", Severity::Info, "b", "alertmanager-group:g"),
        // More severe: replaces the first copy, in its place.
        alert("a", Severity::Critical, "second", "from:y"),
        // As severe: the first listed stays.
        alert("a", Severity::Critical, "third", "from:z"),
        // Less severe.
        alert("a", Severity::Info, "fourth", "from:z"),
    ];
    let (kept, warnings) = dedupe(input);
    let ids: Vec<(&str, &str)> = kept
        .iter()
        .map(|a| (a.id.as_str(), a.title.as_str()))
        .collect();
    assert_eq!(ids, [("a", "second"), ("b", "b")]);
    assert_eq!(kept[1].feed, "from:x");
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].contains("kept critical c \"second\" from from:y")
            && warnings[0].contains("dropped warning c \"first\" from from:x"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("dropped critical c \"third\""),
        "{warnings:?}"
    );
    assert!(
        warnings[2].contains("dropped info c \"fourth\""),
        "{warnings:?}"
    );
    assert_eq!(dedupe(Vec::new()), (Vec::new(), Vec::new()));
}
