//! Cron-friendly output (SPEC §10 Output): a run prints only when something
//! changed; `-v` shows everything, `-q` only errors.

use crate::support::TestEnv;

/// `tend tick` at minute `m` after 08:00.
fn tick_at(env: &TestEnv, m: u32, flags: &[&str]) -> crate::support::Output {
    let mut args = vec!["tick"];
    args.extend_from_slice(flags);
    env.tend(&args)
        .env("TEND_NOW", &format!("2026-05-24T08:{m:02}:00Z"))
        .ok()
}

#[test]
fn quickstart_ticks_print_only_news() {
    let env = TestEnv::new();
    env.tend(&["init", "--example"]).ok();

    // 1: a new failure (and its alert) is news.
    let out = tick_at(&env, 0, &[]);
    assert!(
        out.stdout
            .starts_with("2 probes: 1 ok, 1 critical (example-queue); 1 wake requested\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("alerts: 1 notified"), "{}", out.stdout);
    assert!(!out.stdout.contains("wake consume"), "{}", out.stdout);
    // 2: the second failure wakes the operator: a message was sent.
    let out = tick_at(&env, 1, &[]);
    assert!(
        out.stdout.starts_with("🚨 Probe alert · example-queue\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with(
            "wake consume: 1 wake: 1 dispatched; 1 sent without investigation (no engine configured)\n"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("probes:"), "{}", out.stdout);
    // 3–5: the probe fails as it did and the wake is inside its window.
    for m in 2..=4 {
        let out = tick_at(&env, m, &[]);
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            ("", ""),
            "tick at minute {m}"
        );
    }
    // -v still shows everything; -q nothing.
    let out = tick_at(&env, 5, &["-v"]);
    let lines = out.stdout_lines();
    assert!(lines.contains(&"2 probes: 1 ok, 1 critical (example-queue); 1 wake requested"));
    assert!(
        lines.contains(&"wake consume: 1 wake: 1 in window"),
        "{}",
        out.stdout
    );
    assert!(lines.contains(&"alerts: nothing new"), "{}", out.stdout);
    let out = tick_at(&env, 6, &["-q"]);
    assert_eq!(out.stdout, "");

    // The queue recovers: the confirmed recovery (recover_after = 2) is news.
    env.script(
        "probes.d/example-queue",
        "#!/bin/sh\necho '{\"status\": \"ok\", \"summary\": \"example queue: empty\"}'\n",
    );
    let out = tick_at(&env, 7, &[]);
    assert!(!out.stdout.contains("probes:"), "{}", out.stdout);
    let out = tick_at(&env, 8, &[]);
    assert!(
        out.stdout
            .contains("2 probes: 2 ok; 1 recovered (example-queue)"),
        "{}",
        out.stdout
    );
    let out = tick_at(&env, 9, &[]);
    assert_eq!(out.stdout, "");
}
