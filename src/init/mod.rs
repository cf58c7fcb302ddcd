//! `tend init [--example]` (design §1): creates the root's layout and a commented
//! tend.toml; with `--example`, offline example probes and watcher fixtures.
//! Idempotent: what exists is left as it is.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

use crate::cli::InitArgs;
use crate::ctx::{Ctx, Outcome, counters};
use crate::store::atomic;
use crate::store::lock::Wait;

counters! {
    enum InitCount {
        Created = "created",
    }
}

/// The commented configuration reference written as `tend.toml`.
pub const TEMPLATE: &str = include_str!("template.toml");
const EXAMPLE_WATCHER: &str = include_str!("example-watcher.toml");
const EXAMPLE_PROMOTE: &str = include_str!("example-promote.toml");

/// The directories of a root (design §1).
const DIRS: [&str; 9] = [
    "audit",
    "probes.d",
    "state",
    "state/runs",
    "proposals",
    "observations",
    "decisions",
    "locks",
    "silences",
];

struct Planned {
    path: PathBuf,
    content: Vec<u8>,
    executable: bool,
}

pub fn run(ctx: &mut Ctx, args: &InitArgs) -> Result<Outcome> {
    ctx.run_locked(crate::command::Command::Init, Wait::No, |ctx| {
        create(ctx, args)
    })
}

fn create(ctx: &mut Ctx, args: &InitArgs) -> Result<Outcome> {
    let root = ctx.root.dir().to_path_buf();
    let mut created: Vec<Created> = Vec::new();

    for dir in DIRS {
        let path = root.join(dir);
        if !path.is_dir() {
            if !ctx.dry_run {
                fs::create_dir_all(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
            }
            created.push(Created::Dir(dir));
        }
    }

    let mut config = TEMPLATE.to_string();
    if args.example {
        config.push_str(EXAMPLE_WATCHER);
        config.push_str(EXAMPLE_PROMOTE);
    }
    let mut files = vec![Planned {
        path: root.join("tend.toml"),
        content: config.into_bytes(),
        executable: false,
    }];
    if args.example {
        files.extend([
            Planned {
                path: root.join("probes.d/example-ok"),
                content: include_bytes!("example-ok.sh").to_vec(),
                executable: true,
            },
            Planned {
                path: root.join("probes.d/example-queue"),
                content: include_bytes!("example-queue.sh").to_vec(),
                executable: true,
            },
            Planned {
                path: root.join("entities/campaigns.jsonl"),
                content: include_bytes!("campaigns.jsonl").to_vec(),
                executable: false,
            },
        ]);
    }
    let mut kept_config = false;
    for file in files {
        if file.path.exists() {
            kept_config |= file.path.ends_with("tend.toml");
            continue;
        }
        if !ctx.dry_run {
            write_new(&file.path, &file.content, file.executable)?;
        }
        created.push(Created::File(relative(&root, &file.path)));
    }

    // A day of the platform's rows, for the promotion loops to find (only
    // with a fresh example configuration: a second init adds nothing).
    if args.example && !kept_config {
        let rows = example_rows(ctx.now());
        if !ctx.dry_run {
            ctx.audit().append(&rows, ctx.now())?;
        }
        created.push(Created::ExampleRows(rows.len()));
    }

    // The wake cursor starts at the end of the log as it is now: history is not
    // replayed, and the first wakes this root produces are not passed over by
    // wake consume's first-run stamping.
    if !ctx.root.state_file(crate::wake::CURSOR_FILE).exists() {
        if !ctx.dry_run {
            crate::wake::stamp(ctx, crate::wake::WakeState::default())?;
        }
        created.push(Created::WakeCursor);
    }

    for item in &created {
        ctx.out.item(&format!("created {item}"))?;
        ctx.out.json(&json!({"created": item.to_string()}))?;
    }
    let missing = if args.example && kept_config {
        let existing = fs::read_to_string(root.join("tend.toml")).unwrap_or_default();
        missing_examples(&existing)
    } else {
        Vec::new()
    };
    ctx.out.summary(&summary(
        &root.display().to_string(),
        &created,
        &missing,
        ctx.dry_run,
    ))?;
    // A fresh root: what to do next, in the order a newcomer does it.
    if !ctx.dry_run && created.contains(&Created::File("tend.toml".into())) {
        let tend = std::env::current_exe()
            .map(|path| path.display().to_string())
            .unwrap_or_else(|_| "tend".into());
        for line in next_steps(&root.display().to_string(), &tend, args.example).lines() {
            ctx.out.summary(line)?;
        }
    }
    ctx.out.json(
        &json!({"summary": true, "root": root, "created": created.len(), "dry_run": ctx.dry_run}),
    )?;
    let mut outcome = Outcome::default();
    outcome.count(InitCount::Created, created.len() as u64);
    Ok(outcome)
}

/// The parts of the example configuration an existing tend.toml lacks
/// (init never edits a tend.toml it did not create).
fn missing_examples(existing: &str) -> Vec<&'static str> {
    let has = |needle: &str| existing.lines().any(|l| l.trim() == needle);
    let mut missing = Vec::new();
    if !has("name = \"campaign\"") {
        missing.push("the example watcher ([[watcher]] campaign)");
    }
    if !has("[promote]") {
        missing.push("the example promotion loops ([promote] enabled = true)");
    }
    missing
}

/// One thing `init` created.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Created {
    Dir(&'static str),
    /// A file, relative to the root.
    File(String),
    ExampleRows(usize),
    WakeCursor,
}

impl std::fmt::Display for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Created::Dir(dir) => write!(f, "{dir}/"),
            Created::File(path) => f.write_str(path),
            Created::ExampleRows(n) => write!(f, "{n} example platform rows in audit/"),
            Created::WakeCursor => write!(f, "state/{}", crate::wake::CURSOR_FILE),
        }
    }
}

/// The one line `init` prints: what it created, grouped (`tend.toml, 9
/// directories, 2 example probes, …`), or that the root was already there
/// and, with `--example`, what of the example its kept tend.toml lacks.
fn summary(root: &str, created: &[Created], missing: &[&str], dry_run: bool) -> String {
    let dirs: Vec<&Created> = created
        .iter()
        .filter(|c| matches!(c, Created::Dir(_)))
        .collect();
    let is_probe = |c: &Created| matches!(c, Created::File(p) if p.starts_with("probes.d/"));
    let probes = created.iter().filter(|c| is_probe(c)).count();
    let mut parts: Vec<String> = Vec::new();
    if created.contains(&Created::File("tend.toml".into())) {
        parts.push("tend.toml".into());
    }
    match dirs.len() {
        0 => {}
        1 => parts.push(dirs[0].to_string()),
        n => parts.push(format!("{n} directories")),
    }
    match probes {
        0 => {}
        1 => parts.push("1 example probe".into()),
        n => parts.push(format!("{n} example probes")),
    }
    for c in created {
        match c {
            Created::File(path) if path != "tend.toml" && !is_probe(c) => parts.push(path.clone()),
            Created::ExampleRows(_) => parts.push(c.to_string()),
            Created::WakeCursor => parts.push(format!("the wake cursor ({c})")),
            _ => {}
        }
    }
    let mut line = if parts.is_empty() {
        format!("{root} is already initialized; nothing to create")
    } else {
        let verb = if dry_run {
            "would initialize"
        } else {
            "initialized"
        };
        format!("{verb} {root}: created {}", parts.join(", "))
    };
    if !missing.is_empty() {
        line.push_str(&format!(
            "; tend.toml was kept as it is and lacks {} (see `tend init --help`)",
            missing.join(" and ")
        ));
    }
    line
}

/// The three steps after a first `init`: a probe, a first run, the
/// crontab line (with the binary's full path: cron's PATH is short).
fn next_steps(root: &str, tend: &str, example: bool) -> String {
    use crate::terminal::shell_quote;
    let dir = Path::new(root);
    let probes = dir.join("probes.d");
    let quoted = shell_quote(root);
    let first = if example {
        format!(
            "look at the example probes in {}/, then add your own there",
            probes.display()
        )
    } else {
        format!(
            "add a probe: put an executable in {}/ (a monitoring plugin such as check_disk, \
             or a script that exits 0 OK, 1 WARNING, 2 CRITICAL), or a [[probe]] in {}",
            probes.display(),
            dir.join("tend.toml").display()
        )
    };
    format!(
        "next steps:\n  1. {first}\n  2. run every loop once, then look: tend --root {quoted} tick; \
         tend --root {quoted} status\n  3. run it every minute (crontab -e): * * * * * {} --root {quoted} tick",
        shell_quote(tend)
    )
}

/// What an agent platform writes in a day: `inference.recorded` for two
/// routes (one escalating on most calls) and `reasoning.tool_called` for the
/// tools they use, spread over the last 20 hours.
fn example_rows(now: chrono::DateTime<chrono::Utc>) -> Vec<crate::audit::Row> {
    use crate::audit::{Kind, Row};
    let mut rows = Vec::new();
    let at = |i: usize| now - chrono::TimeDelta::minutes(20 * 60 - 25 * i as i64);
    for i in 0..40 {
        rows.push(Row::new(
            Kind::InferenceRecorded,
            at(i),
            json!({"route": "support_triage", "model": "gpt-4o-mini", "input_tokens": 1200 + 7 * i,
                   "output_tokens": 180, "cost_usd": 0.0003, "latency_ms": 900 + 11 * i,
                   "escalated": i % 3 != 0}),
        ));
        rows.push(Row::new(
            Kind::ReasoningToolCalled,
            at(i),
            json!({"route": "support_triage", "tool_name": (["search_tickets", "read_ticket"][i % 2]),
                   "caller_session_id": format!("session-{}", i / 4)}),
        ));
        if i % 2 == 0 {
            rows.push(Row::new(
                Kind::InferenceRecorded,
                at(i),
                json!({"route": "billing", "model": "gpt-4o-mini", "input_tokens": 800,
                       "output_tokens": 120, "cost_usd": 0.0002, "latency_ms": 700,
                       "escalated": i % 10 == 0}),
            ));
            rows.push(Row::new(
                Kind::ReasoningToolCalled,
                at(i),
                json!({"route": "billing", "tool_name": (["lookup_invoice", "issue_refund", "search_tickets"][i % 3]),
                       "caller_session_id": format!("session-b{}", i / 4)}),
            ));
        }
    }
    rows
}

fn write_new(path: &Path, content: &[u8], executable: bool) -> Result<()> {
    atomic::write(path, content)?;
    if executable {
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_all_defaults_and_the_example_watcher_parses() {
        let config: crate::config::Config = toml::from_str(TEMPLATE).unwrap();
        assert!(config.probe.is_empty() && config.watchers.is_empty());
        let with_watcher: crate::config::Config =
            toml::from_str(&format!("{TEMPLATE}{EXAMPLE_WATCHER}")).unwrap();
        assert_eq!(with_watcher.watchers.len(), 1);
    }

    #[test]
    fn template_mentions_every_key_of_the_defaults() {
        // Each default key appears (commented) in the reference, so the file a
        // user gets documents the whole configuration.
        let defaults = toml::Value::try_from(crate::config::Config::default()).unwrap();
        for (section, value) in defaults.as_table().unwrap() {
            let Some(table) = value.as_table() else {
                continue;
            };
            for key in table.keys() {
                if key == "checkpoints" || section == "promote" {
                    continue;
                }
                assert!(
                    TEMPLATE.contains(&format!("# {key} = ")),
                    "template lacks {section}.{key}"
                );
            }
        }
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn a_fresh_root_ends_with_the_next_three_steps() {
        assert_eq!(
            next_steps("/srv/my root", "/usr/bin/tend", false),
            "next steps:\n  \
             1. add a probe: put an executable in /srv/my root/probes.d/ (a monitoring plugin \
             such as check_disk, or a script that exits 0 OK, 1 WARNING, 2 CRITICAL), or a \
             [[probe]] in /srv/my root/tend.toml\n  \
             2. run every loop once, then look: tend --root '/srv/my root' tick; tend --root \
             '/srv/my root' status\n  \
             3. run it every minute (crontab -e): * * * * * /usr/bin/tend --root '/srv/my root' tick"
        );
        assert!(
            next_steps("/r", "tend", true)
                .starts_with("next steps:\n  1. look at the example probes in /r/probes.d/")
        );
    }

    #[test]
    fn a_fresh_root_names_what_was_created() {
        let file = |p: &str| Created::File(p.into());
        let created = [
            Created::Dir("audit"),
            Created::Dir("probes.d"),
            Created::Dir("state"),
            file("tend.toml"),
            file("probes.d/example-ok"),
            file("probes.d/example-queue"),
            file("entities/campaigns.jsonl"),
            Created::ExampleRows(36),
            Created::WakeCursor,
        ];
        assert_eq!(
            summary("/r", &created, &[], false),
            "initialized /r: created tend.toml, 3 directories, 2 example probes, \
             entities/campaigns.jsonl, 36 example platform rows in audit/, \
             the wake cursor (state/wake.cursor.json)"
        );
        assert!(summary("/r", &created, &[], true).starts_with("would initialize /r: created"));
    }

    #[test]
    fn a_second_run_says_the_root_is_there_and_what_the_example_lacks() {
        assert_eq!(
            summary("/r", &[], &[], false),
            "/r is already initialized; nothing to create"
        );
        let missing = missing_examples("# mine\n");
        assert_eq!(missing.len(), 2);
        assert_eq!(
            summary(
                "/r",
                &[Created::File("probes.d/example-ok".into())],
                &missing[..1],
                false
            ),
            "initialized /r: created 1 example probe; tend.toml was kept as it is and lacks \
             the example watcher ([[watcher]] campaign) (see `tend init --help`)"
        );
        assert!(missing_examples(&format!("{EXAMPLE_WATCHER}{EXAMPLE_PROMOTE}")).is_empty());
        assert_eq!(
            summary("/r", &[Created::Dir("locks")], &[], false),
            "initialized /r: created locks/"
        );
    }
}
