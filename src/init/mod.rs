//! `tend init [--example]` (SPEC §1): creates the root's layout and a commented
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

/// The directories of a root (SPEC §1).
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
    ctx.run_locked("init", Wait::No, |ctx| create(ctx, args))
}

fn create(ctx: &mut Ctx, args: &InitArgs) -> Result<Outcome> {
    let root = ctx.root.dir().to_path_buf();
    let mut created: Vec<String> = Vec::new();

    for dir in DIRS {
        let path = root.join(dir);
        if !path.is_dir() {
            if !ctx.dry_run {
                fs::create_dir_all(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
            }
            created.push(format!("{dir}/"));
        }
    }

    let mut config = TEMPLATE.to_string();
    if args.example {
        config.push_str(EXAMPLE_WATCHER);
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
        created.push(relative(&root, &file.path));
    }

    // The wake cursor starts at the end of the log as it is now: history is not
    // replayed, and the first wakes this root produces are not passed over by
    // wake consume's first-run stamping.
    if !ctx.root.state_file(crate::wake::CURSOR_FILE).exists() {
        if !ctx.dry_run {
            crate::wake::stamp(ctx, crate::wake::WakeState::default())?;
        }
        created.push(format!("state/{}", crate::wake::CURSOR_FILE));
    }

    for item in &created {
        ctx.out.item(&format!("created {item}"))?;
        ctx.out.json(&json!({"created": item}))?;
    }
    if args.example && kept_config {
        ctx.out.note(
            "tend.toml exists and was left as it is; the example watcher was not added to it",
        );
    }
    let verb = if ctx.dry_run {
        "would initialize"
    } else {
        "initialized"
    };
    if !created.is_empty() {
        ctx.out.summary(&format!(
            "{verb} {} ({} created)",
            root.display(),
            created.len()
        ))?;
    }
    ctx.out.json(
        &json!({"summary": true, "root": root, "created": created.len(), "dry_run": ctx.dry_run}),
    )?;
    let mut outcome = Outcome::default();
    outcome.count(InitCount::Created, created.len() as u64);
    Ok(outcome)
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
