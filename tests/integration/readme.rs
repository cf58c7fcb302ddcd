//! The README's recipes do what it says: its shell examples that run offline
//! are run, in order, against the quick start's root, with the real binary
//! first on `PATH`. A block fenced ```` ```sh {no-test} ```` needs what a
//! test does not have (a network, root, a package build) and is skipped;
//! every other ```` ```sh ```` block runs here.

use std::path::PathBuf;
use std::process::Command;

use crate::support::BIN;

const README: &str = include_str!("../../README.md");

/// A fenced code block of the README.
struct Block {
    /// The fence's info string (`sh`, `sh {no-test}`, `toml`, …).
    info: String,
    body: String,
    /// The line of the opening fence, for messages.
    line: usize,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        match open.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some(Block {
                        info: info.trim().to_string(),
                        body: String::new(),
                        line: i + 1,
                    });
                }
            }
            Some(block) => {
                if line.trim_end() == "```" {
                    blocks.push(open.take().unwrap());
                } else {
                    block.body.push_str(line);
                    block.body.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "README.md: a code fence is never closed");
    blocks
}

/// Whether the README says `phrase`, wherever its lines break.
fn readme_says(phrase: &str) -> bool {
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    flat(README).contains(&flat(phrase))
}

fn runnable(block: &Block) -> bool {
    block.info == "sh"
}

/// The programs the recipes call besides `tend` (and the shell's own), there
/// before the first recipe runs.
fn require_tools() {
    for program in ["jq", "flock", "check_disk"] {
        crate::support::provision::tool(program);
    }
}

/// A world for the recipes: a temporary directory with `bin/tend` (the binary
/// under test) first on `PATH`, and the quick start's root inside it.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        std::os::unix::fs::symlink(BIN, dir.path().join("bin/tend")).unwrap();
        World { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("tend-quickstart")
    }

    /// Runs a script with bash, stopping at the first failing command.
    fn bash(&self, script: &str) -> (i32, String, String) {
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
        );
        let script = script.replace("/tmp/tend-quickstart", &self.root().display().to_string());
        let out = Command::new("bash")
            .args(["-e", "-o", "pipefail", "-c", &script])
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("LANG", "C.UTF-8")
            .env("TEND_ROOT", self.root())
            .current_dir(self.dir.path())
            .output()
            .expect("run bash");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// The Set-up section's first command, verbatim but for the build (done by
/// cargo already) and the binary's path.
fn quick_start_command() -> String {
    let setup = blocks(README)
        .into_iter()
        .find(|b| b.body.contains("cargo build --release &&"))
        .expect("README.md has no Set-up block with `cargo build --release && …`");
    let line = setup
        .body
        .lines()
        .find(|l| l.starts_with("cargo build --release && "))
        .unwrap();
    line.trim_start_matches("cargo build --release && ")
        .replace("target/release/tend", "tend")
}

#[test]
fn the_set_up_command_does_what_the_quick_start_says_and_a_rerun_too() {
    let world = World::new();
    let command = quick_start_command();
    let (code, stdout, stderr) = world.bash(&command);
    assert_eq!(
        code, 0,
        "{command}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    // What the README says the two ticks print, quoted from it.
    for said in [
        "1 wake requested",
        "promote: 3 new proposals",
        "Sent without investigation (no engine configured).",
    ] {
        assert!(readme_says(said), "the README no longer says {said:?}");
        assert!(stdout.contains(said), "{said:?} not printed:\n{stdout}");
    }
    // A re-run on the same root keeps it and says so.
    let (code, again, stderr) = world.bash(&command);
    assert_eq!(code, 0, "{again}\n{stderr}");
    let said = "is already initialized; nothing to create";
    assert!(readme_says(said), "the README no longer says {said:?}");
    assert!(again.contains(said), "{again}");
    assert!(!again.contains("promote: 3 new proposals"), "{again}");
}

#[test]
fn every_offline_shell_recipe_runs_in_order_against_the_quick_start_root() {
    require_tools();
    let world = World::new();
    let all = blocks(README);
    let recipes: Vec<&Block> = all.iter().filter(|b| runnable(b)).collect();
    assert!(
        recipes.len() >= 10,
        "only {} runnable sh blocks in README.md",
        recipes.len()
    );
    for block in &all {
        assert!(
            block.info.is_empty()
                || !block.info.starts_with("sh")
                || block.info == "sh {no-test}"
                || runnable(block),
            "README.md:{}: unknown fence `{}` (use `sh` or `sh {{no-test}}`)",
            block.line,
            block.info
        );
    }
    for block in recipes {
        let (code, stdout, stderr) = world.bash(&block.body);
        let shown = format!(
            "README.md:{}:\n{}--- exit {code}\n--- stdout\n{stdout}--- stderr\n{stderr}\
             (a recipe that cannot run offline is fenced ```sh {{no-test}})",
            block.line, block.body
        );
        assert_eq!(code, 0, "{shown}");
        assert!(stderr.is_empty(), "{shown}");
        assert!(!stdout.trim().is_empty(), "prints nothing: {shown}");
        // A jq recipe over --json shows items, never the summary object.
        if block.body.contains("--json") {
            for line in stdout.lines() {
                let value: Option<serde_json::Value> = serde_json::from_str(line).ok();
                assert!(
                    value.is_none_or(|v| v.get("summary") != Some(&serde_json::Value::Bool(true))),
                    "prints the summary object: {shown}"
                );
                assert!(!line.contains("summary\ttrue"), "{shown}");
            }
        }
    }
}

#[test]
fn the_firing_recipe_lists_the_firing_alert_and_not_the_summary() {
    require_tools();
    let world = World::new();
    let (code, out, err) = world.bash(&quick_start_command());
    assert_eq!(code, 0, "{out}{err}");
    let recipe = blocks(README)
        .into_iter()
        .find(|b| runnable(b) && b.body.contains("tend alerts list --json | jq"))
        .expect("README.md has no `tend alerts list --json | jq` recipe");
    let (code, out, err) = world.bash(&recipe.body);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out, "notified\tcritical\tprobe:example-queue:queue_stalled\n",
        "{}",
        recipe.body
    );
}

/// The troubleshooting entry on a probe's first line is what happens.
#[test]
fn a_probe_without_shebang_runs_under_sh_and_a_missing_interpreter_cannot_start() {
    let env = crate::support::TestEnv::new();
    env.script(
        "probes.d/no-shebang",
        "echo \"OK - run by the shell\"\nexit 0\n",
    );
    env.script(
        "probes.d/no-interpreter",
        "#!/usr/bin/no-such-shell\necho OK\n",
    );
    env.script("probes.d/crlf", "#!/bin/sh\r\necho OK\r\n");
    let out = env.tend(&["probe", "run", "--json"]).status(1);
    let rows = out.json_lines();
    let by_name = |name: &str| {
        rows.iter()
            .find(|r| r["probe"] == name)
            .unwrap_or_else(|| panic!("no {name} in {}", out.stdout))
    };
    let fine = by_name("no-shebang");
    assert_eq!(fine["status"], "ok", "{fine}");
    assert_eq!(fine["summary"], "OK - run by the shell", "{fine}");
    for name in ["no-interpreter", "crlf"] {
        let row = by_name(name);
        assert_eq!(row["status"], "unknown", "{row}");
        let summary = row["summary"].as_str().unwrap();
        assert!(
            summary.starts_with("cannot start: ") && summary.contains("No such file or directory"),
            "{row}"
        );
    }
    for said in [
        "cannot start: … No such file or directory",
        "run by `/bin/sh`",
    ] {
        assert!(readme_says(said), "the README no longer says {said:?}");
    }
}
