use super::*;
use serde_json::json;

fn t(text: &str) -> DateTime<Utc> {
    parse_time(&json!(text)).unwrap()
}

fn statuses() -> Vec<String> {
    vec!["Held".into(), "Running".into()]
}

const NOW: &str = "2026-05-24T08:00:00Z";

fn verdict(
    status: &str,
    anchor: &str,
    recency: &[DateTime<Utc>],
    stale_after: TimeDelta,
) -> Verdict {
    judge(
        &Facts {
            status,
            exempt: false,
            anchor: t(anchor),
            recency,
        },
        &statuses(),
        t(NOW),
        stale_after,
    )
}

#[test]
fn the_threshold_is_inclusive_to_the_millisecond() {
    let h72 = TimeDelta::hours(72);
    let ms = TimeDelta::milliseconds(1);
    // Anchored exactly stale_after ago: stalled.
    assert_eq!(
        verdict("Held", "2026-05-21T08:00:00Z", &[], h72),
        Verdict::Stalled { age: h72 }
    );
    // One millisecond less old (stale_after - 1 ms): fresh.
    assert_eq!(
        verdict("Held", "2026-05-21T08:00:00.001Z", &[], h72),
        Verdict::Fresh { age: h72 - ms }
    );
    // One millisecond more (stale_after + 1 ms): stalled.
    assert_eq!(
        verdict("Held", "2026-05-21T07:59:59.999Z", &[], h72),
        Verdict::Stalled { age: h72 + ms }
    );
}

#[test]
fn recency_newer_than_the_anchor_is_progress_older_is_not() {
    let h72 = TimeDelta::hours(72);
    let anchor = "2026-05-01T00:00:00Z";
    let recent = [t("2026-05-23T08:00:00Z")];
    assert_eq!(
        verdict("Running", anchor, &recent, h72),
        Verdict::Fresh {
            age: TimeDelta::hours(24)
        }
    );
    // Recency older than the anchor does not make it older.
    let old = [t("2026-04-01T00:00:00Z")];
    assert_eq!(
        verdict("Running", "2026-05-23T08:00:00Z", &old, h72),
        Verdict::Fresh {
            age: TimeDelta::hours(24)
        }
    );
    // The latest of several counts.
    let several = [
        t("2026-05-02T00:00:00Z"),
        t("2026-05-22T08:00:00Z"),
        t("2026-05-03T00:00:00Z"),
    ];
    assert_eq!(
        verdict("Running", anchor, &several, h72),
        Verdict::Fresh {
            age: TimeDelta::hours(48)
        }
    );
    assert_eq!(last_progress(t(anchor), &[]), t(anchor));
}

#[test]
fn statuses_outside_the_list_exemptions_and_the_future() {
    let h72 = TimeDelta::hours(72);
    assert_eq!(
        verdict("Done", "2020-01-01T00:00:00Z", &[], h72),
        Verdict::NotWatched
    );
    // Case matters: "held" is not "Held".
    assert_eq!(
        verdict("held", "2020-01-01T00:00:00Z", &[], h72),
        Verdict::NotWatched
    );
    let exempt = judge(
        &Facts {
            status: "Held",
            exempt: true,
            anchor: t("2020-01-01T00:00:00Z"),
            recency: &[],
        },
        &statuses(),
        t(NOW),
        h72,
    );
    assert_eq!(exempt, Verdict::Exempt);
    assert_eq!(
        verdict("Held", "2026-05-24T09:00:00Z", &[], h72),
        Verdict::Future {
            ahead: TimeDelta::hours(1)
        }
    );
    // An anchor exactly now is fresh at age 0.
    assert_eq!(
        verdict("Held", NOW, &[], h72),
        Verdict::Fresh {
            age: TimeDelta::zero()
        }
    );
}

#[test]
fn timestamps_in_every_accepted_spelling() {
    let base = t("2026-05-24T08:00:00Z");
    for text in [
        "2026-05-24T08:00:00Z",
        "2026-05-24T08:00:00+00:00",
        "2026-05-24T10:00:00+02:00",
        "2026-05-24 08:00:00+00",
        "2026-05-24 10:00:00+02",
        "2026-05-24 10:30:00+0230",
        "2026-05-24 03:00:00-05",
        "2026-05-24 08:00:00",
        "2026-05-24T08:00:00",
        "2026-05-24t08:00:00z",
        "1779609600",
    ] {
        assert_eq!(parse_time(&json!(text)).unwrap(), base, "{text}");
    }
    assert_eq!(parse_time(&json!(1_779_609_600)).unwrap(), base);
    assert_eq!(
        parse_time(&json!(1_779_609_600.5)).unwrap(),
        base + TimeDelta::milliseconds(500)
    );
    assert_eq!(
        t("2026-05-24 08:00:00.123+00"),
        base + TimeDelta::milliseconds(123)
    );
    for bad in [
        json!(""),
        json!("yesterday"),
        json!("2026-13-01T00:00:00Z"),
        json!(null),
        json!(true),
        json!(-1),
        json!(1e20),
        json!({"t": 1}),
    ] {
        assert!(parse_time(&bad).is_err(), "{bad}");
    }
}

#[test]
fn isoformat_is_pythons() {
    assert_eq!(
        python_isoformat(t("2026-05-24T10:00:00+02:00")),
        "2026-05-24T08:00:00+00:00"
    );
    assert_eq!(
        python_isoformat(t("2026-05-24T08:00:00.123Z")),
        "2026-05-24T08:00:00.123000+00:00"
    );
    // Nanoseconds beyond the microsecond are dropped, as Python holds none.
    assert_eq!(
        python_isoformat(t("2026-05-24T08:00:00.000000999Z")),
        "2026-05-24T08:00:00+00:00"
    );
}

/// Epoch values as JSON numbers and as strings, and the instant each names,
/// written as `isoformat()` does.
fn epoch_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "1600589872.274",
        "1600589872.2739999",
        "0",
        "0.0000005",
        "0.0000015",
        "0.0000025",
        "1.0000005",
        "1779609600.9999995",
        "1779609600.9999994",
        "1779609600.5",
        "253402300798.9999996",
        "253402300799",
        "1e9",
        "1779609600.000000499999",
        "1779609600.0000005000001",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Many more, from a fixed generator: 0 to 9 decimals, and 17 significant
    // digits (Python's repr of a float).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..1200u64 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let secs = 946_684_800 + (x >> 33) % 1_900_000_000;
        let decimals = (i % 10) as usize;
        let frac = (x >> 3) % 1_000_000_000;
        let frac = format!("{frac:09}");
        texts.push(if decimals == 0 {
            secs.to_string()
        } else {
            format!("{secs}.{}", &frac[..decimals])
        });
        if i % 4 == 0 {
            let f = secs as f64 + (frac.parse::<f64>().unwrap() / 1e9);
            texts.push(format!("{f:.7}"));
            texts.push(format!("{:?}", f));
        }
    }
    texts
}

#[test]
fn epoch_seconds_are_read_as_pythons_fromtimestamp() {
    // The reported case: the float below .274 is still .274000 in Python.
    assert_eq!(
        python_isoformat(parse_time(&json!(1600589872.274)).unwrap()),
        "2020-09-20T08:17:52.274000+00:00"
    );
    // Past the year 9999 is out of range here as in Python.
    assert!(parse_time(&json!(253402300799.999999)).is_err());
    // Against Python itself: json.loads gives the float, fromtimestamp the
    // instant.
    let texts = epoch_texts();
    let script = "import sys, json\nfrom datetime import datetime, timezone\n\
        for line in sys.stdin:\n\
        \x20   x = json.loads(line)\n\
        \x20   print(datetime.fromtimestamp(x, timezone.utc).isoformat())\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (the standard library only) runs this test: apt-get install python3");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for text in &texts {
            writeln!(stdin, "{text}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python3 failed");
    let expected: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(expected.len(), texts.len());
    let mut wrong = Vec::new();
    for (text, python) in texts.iter().zip(&expected) {
        let number: Value = serde_json::from_str(text).unwrap();
        let ours = python_isoformat(parse_time(&number).unwrap());
        if ours != *python {
            wrong.push(format!("{text}: {ours} (Python: {python})"));
        }
        // A string of digits names the same instant.
        if !text.contains('e') {
            let ours = python_isoformat(parse_time(&json!(text)).unwrap());
            if ours != *python {
                wrong.push(format!("{text:?}: {ours} (Python: {python})"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        texts.len(),
        wrong.join("\n")
    );
}

#[test]
fn decision_ids_equal_pythons_uuid5() {
    // Computed with Python 3:
    //   import uuid; from datetime import datetime, timezone
    //   ns = uuid.UUID("8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f")
    //   t = datetime.fromisoformat(s).astimezone(timezone.utc)
    //   uuid.uuid5(ns, f"decision:cmp-002:{t.isoformat()}")
    let ns = Uuid::parse_str("8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f").unwrap();
    for (spelling, expected) in [
        (
            "2026-05-24T08:00:00Z",
            "2ee61e5d-7199-5784-8c52-be23b9bc0f9b",
        ),
        (
            "2026-05-24T10:00:00+02:00",
            "2ee61e5d-7199-5784-8c52-be23b9bc0f9b",
        ),
        (
            "2026-05-24 08:00:00+00",
            "2ee61e5d-7199-5784-8c52-be23b9bc0f9b",
        ),
        (
            "2026-05-24T08:00:00.123456+00:00",
            "3a8588ec-5476-5d9d-87e8-a1b2227afdba",
        ),
        (
            "2026-05-24 10:00:00.123456+02",
            "3a8588ec-5476-5d9d-87e8-a1b2227afdba",
        ),
    ] {
        assert_eq!(
            decision_id(&ns, "cmp-002", t(spelling)).to_string(),
            expected,
            "{spelling}"
        );
    }
}

#[test]
fn entity_ids() {
    assert_eq!(entity_id(&json!("cmp-1")).unwrap(), "cmp-1");
    assert_eq!(entity_id(&json!(42)).unwrap(), "42");
    for bad in [json!(""), json!(1.5), json!(null), json!([1])] {
        assert!(entity_id(&bad).is_err(), "{bad}");
    }
}

#[test]
fn the_most_stalled_are_kept_in_order_and_the_rest_deferred() {
    let c = |at: &str, id: &str| Candidate {
        last_progress: t(at),
        entity_id: id.into(),
    };
    let mut top = MostStalled::new(2);
    assert_eq!(top.offer(c("2026-05-03T00:00:00Z", "c"), 0), None);
    assert_eq!(top.offer(c("2026-05-01T00:00:00Z", "b"), 1), None);
    // Less stalled than both kept: refused.
    assert_eq!(top.offer(c("2026-05-04T00:00:00Z", "d"), 2), Some(2));
    // Same time as "b", smaller id: pushes out the least stalled ("c").
    assert_eq!(top.offer(c("2026-05-01T00:00:00Z", "a"), 3), Some(0));
    assert_eq!(top.deferred(), 2);
    let kept: Vec<usize> = top.into_sorted().into_iter().map(|(_, h)| h).collect();
    assert_eq!(kept, [3, 1]);
    let empty = MostStalled::new(5);
    assert_eq!(empty.deferred(), 0);
}

#[test]
fn ages_for_people() {
    assert_eq!(format_age(TimeDelta::seconds(42)), "42s");
    assert_eq!(format_age(TimeDelta::seconds(125)), "2m 5s");
    assert_eq!(format_age(TimeDelta::minutes(312)), "5h 12m");
    assert_eq!(format_age(TimeDelta::hours(76)), "3d 4h");
}
