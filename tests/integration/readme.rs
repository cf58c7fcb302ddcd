//! The README's and the man pages' recipes do what they say: their shell
//! examples that run offline are run, in order, against the quick start's
//! root, with the real binary first on `PATH`. A block fenced
//! ```` ```sh {no-test} ```` needs what a test does not have (a network, root,
//! a package build, a file of the reader's) and is not run, but every `tend`
//! command line in it must still parse.

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
        // `ssh HOST COMMAND…` as ssh runs it: the words joined into one string
        // for the remote user's shell (here, this host's).
        let ssh = dir.path().join("bin/ssh");
        std::fs::write(
            &ssh,
            "#!/bin/sh\nwhile [ \"${1#-}\" != \"$1\" ]; do shift; done\nshift\nexec sh -c \"$*\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
        World { dir }
    }

    /// A new world with a copy of this one's root.
    fn copy(&self) -> World {
        let world = World::new();
        let status = Command::new("cp")
            .arg("-a")
            .arg(self.root())
            .arg(world.root())
            .status()
            .expect("run cp");
        assert!(status.success(), "cp -a {}", self.root().display());
        world
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
        // The quick start's root, and the production root of the recipes
        // that run on another host, are this world's.
        let root = self.root().display().to_string();
        let script = script
            .replace("/tmp/tend-quickstart", &root)
            .replace("/var/lib/tend", &root);
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

/// Runs every runnable block of `source` in `world`, in order, failing with
/// the block and what it printed.
fn run_recipes(world: &World, name: &str, source: &str) -> usize {
    match try_recipes(world, name, source) {
        Ok(ran) => ran,
        Err(failed) => panic!("{failed}"),
    }
}

/// [`run_recipes`], returning the failures instead of panicking.
fn try_recipes(world: &World, name: &str, source: &str) -> Result<usize, String> {
    let all = blocks(source);
    for block in &all {
        assert!(
            !block.info.starts_with("sh") || block.info == "sh {no-test}" || runnable(block),
            "{name}:{}: unknown fence `{}` (use `sh` or `sh {{no-test}}`)",
            block.line,
            block.info
        );
    }
    let recipes: Vec<&Block> = all.iter().filter(|b| runnable(b)).collect();
    let mut failed = Vec::new();
    for block in &recipes {
        let (code, stdout, stderr) = world.bash(&block.body);
        let summary_shown = block.body.contains("--json")
            && stdout.lines().any(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .is_ok_and(|v| v.get("summary") == Some(&serde_json::Value::Bool(true)))
            });
        let wrong = if code != 0 {
            "exits non-zero"
        } else if stderr.contains("error") || stderr.contains("warning") {
            // Notes under -v go to standard error; an error never does quietly.
            "writes an error or a warning"
        } else if stdout.trim().is_empty() {
            "prints nothing"
        } else if summary_shown {
            // A jq recipe over --json shows items, never the summary object.
            "prints the summary object"
        } else {
            continue;
        };
        failed.push(format!(
            "{name}:{}: {wrong}:\n{}--- exit {code}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            block.line, block.body
        ));
    }
    if failed.is_empty() {
        Ok(recipes.len())
    } else {
        Err(format!(
            "{}\n(a recipe that cannot run offline is fenced ```sh {{no-test}})",
            failed.join("\n")
        ))
    }
}

/// A world whose root is the quick start's, after its two ticks.
fn quick_start_world() -> World {
    let world = World::new();
    let (code, out, err) = world.bash(&quick_start_command());
    assert_eq!(code, 0, "{out}{err}");
    world
}

#[test]
fn every_offline_shell_recipe_of_the_readme_runs_in_order() {
    require_tools();
    let world = World::new();
    let ran = run_recipes(&world, "README.md", README);
    assert!(ran >= 10, "only {ran} runnable sh blocks in README.md");
}

#[test]
fn every_offline_example_of_the_man_pages_runs() {
    require_tools();
    let template = quick_start_world();
    let mut ran = 0;
    let mut failed = Vec::new();
    let mut sources: Vec<(String, &str)> = tend::docs::PAGE_SOURCES
        .iter()
        .map(|(page, source)| (format!("src/docs/pages/{page}.md"), *source))
        .collect();
    sources.push(("tend.toml(5) EXAMPLES".into(), tend::docs::CONFIG_EXAMPLES));
    for (name, source) in &sources {
        // Each page on a root of its own: its examples stand alone.
        match try_recipes(&template.copy(), name, source) {
            Ok(n) => ran += n,
            Err(e) => failed.push(e),
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(ran >= 40, "only {ran} runnable examples in the man pages");
}

/// Splits one command line as the shell would, up to the first unquoted
/// operator (`|`, `&&`, `;`, `>`, …); a `$(…)` or `<(…)` becomes one word.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                let mut depth = 0;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => word.extend(chars.next()),
                        '(' => {
                            depth += 1;
                            word.push(c);
                        }
                        ')' => {
                            depth -= 1;
                            word.push(c);
                        }
                        '"' if depth == 0 => break,
                        _ => word.push(c),
                    }
                }
            }
            '$' | '<' if chars.peek() == Some(&'(') => {
                in_word = true;
                let mut depth = 0;
                for c in chars.by_ref() {
                    word.push(c);
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '|' | '&' | ';' | '>' | '<' | '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Every `tend …` command of a block's lines (continuations joined, leading
/// `VAR=value` assignments dropped), as words.
fn tend_commands(body: &str) -> Vec<Vec<String>> {
    let joined = body.replace("\\\n", " ");
    joined
        .lines()
        .map(|line| {
            shell_words(line.trim())
                .into_iter()
                .skip_while(|w| w.contains('=') && !w.starts_with('-'))
                .collect::<Vec<_>>()
        })
        .filter(|words| words.first().is_some_and(|w| w == "tend"))
        .collect()
}

#[test]
fn shell_words_split_as_the_shell_does() {
    assert_eq!(
        shell_words(r#"tend audit emit --details '{"a": 1}' --id "b-$(date -u +%F)" | jq ."#),
        [
            "tend",
            "audit",
            "emit",
            "--details",
            r#"{"a": 1}"#,
            "--id",
            "b-$(date -u +%F)"
        ]
    );
    assert_eq!(
        tend_commands("X=1 tend config show | grep x\nsudo tend tick\ntend probe run \\\n  -v\n"),
        [
            vec!["tend", "config", "show"],
            vec!["tend", "probe", "run", "-v"]
        ]
    );
}

#[test]
fn every_tend_command_in_the_readme_and_the_man_pages_parses() {
    let mut sources: Vec<(String, &str)> = vec![("README.md".into(), README)];
    for (page, source) in tend::docs::PAGE_SOURCES {
        sources.push((format!("src/docs/pages/{page}.md"), source));
    }
    sources.push(("tend.toml(5) EXAMPLES".into(), tend::docs::CONFIG_EXAMPLES));
    let mut checked = 0;
    let mut failed = Vec::new();
    for (name, source) in &sources {
        for block in blocks(source).iter().filter(|b| b.info.starts_with("sh")) {
            for words in tend_commands(&block.body) {
                checked += 1;
                if let Err(e) = tend::cli::command().try_get_matches_from(&words) {
                    // A value the shell computes (`--since "$(date …)"`) is
                    // checked where the recipe runs, not here.
                    let computed = e.kind() == clap::error::ErrorKind::ValueValidation
                        && e.to_string().contains('$');
                    if !computed {
                        failed.push(format!(
                            "{name}:{}: `{}` does not parse:\n{e}",
                            block.line,
                            words.join(" ")
                        ));
                    }
                }
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(checked >= 80, "only {checked} tend commands found");
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

/// Every file or directory of the repository the README names (`contrib/…`,
/// `tests/…`, `src/…`, `man/…`, `bench/…`) is there: the README describes
/// what exists.
#[test]
fn every_repository_path_the_readme_names_exists() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut named = 0;
    for quoted in README.split('`').skip(1).step_by(2) {
        let Some(first) = quoted.split_whitespace().next() else {
            continue;
        };
        let path = first.trim_end_matches([',', ')', ':']);
        let top = [
            "contrib/",
            "tests/",
            "src/",
            "man/",
            "bench/",
            "fuzz/",
            "completions/",
        ];
        if !top.iter().any(|t| path.starts_with(t)) || path.contains(['*', '<', '{']) {
            continue;
        }
        named += 1;
        assert!(
            repo.join(path).exists(),
            "README.md names {path}, which is not in the repository"
        );
    }
    assert!(
        named >= 5,
        "only {named} repository paths found in README.md"
    );
}
