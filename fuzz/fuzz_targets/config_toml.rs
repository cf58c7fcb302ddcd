//! The `tend.toml` loader (parse, environment overlay, validation): never a
//! panic on any file; a configuration it accepts renders for `config show`.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tend::config::{self, Env};

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tend-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    std::fs::write(dir.join("tend.toml"), data).expect("write tend.toml");
    let env: Env = [
        ("SLACK_BOT_TOKEN", "xoxb-fuzz-token"),
        ("TEND_WAKE_DEBOUNCE_SECONDS", "60"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    match config::load(dir, None, &env) {
        Ok(config) => {
            let _ = config.to_redacted_toml();
            let _ = config.to_redacted_json();
        }
        Err(e) => assert!(!e.problems.is_empty(), "an error without a problem"),
    }
});
