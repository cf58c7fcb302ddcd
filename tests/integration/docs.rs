//! The CLI definition is consistent, and the committed man pages and
//! completions match it. Set TEND_BLESS=1 to rewrite them.

use std::collections::BTreeMap;
use std::path::Path;

fn check(dir: &str, expected: BTreeMap<String, Vec<u8>>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    if std::env::var_os("TEND_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, content) in &expected {
            std::fs::write(dir.join(name), content).unwrap();
        }
        return;
    }
    let mut actual = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries {
            let entry = entry.unwrap();
            actual.insert(
                entry.file_name().into_string().unwrap(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    let stale: Vec<&String> = expected
        .keys()
        .chain(actual.keys())
        .filter(|name| expected.get(*name) != actual.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "{} is stale for {stale:?}: run `TEND_BLESS=1 cargo test --test integration docs` and commit",
        dir.display()
    );
}

#[test]
fn cli_debug_assert() {
    tend::docs::cli_command().debug_assert();
}

#[test]
fn man_pages_are_up_to_date() {
    let pages = tend::docs::man_pages().unwrap();
    assert!(
        pages.contains_key("tend.1") && pages.contains_key("tend-audit-emit.1"),
        "{:?}",
        pages.keys()
    );
    check("man", pages);
}

#[test]
fn completions_are_up_to_date() {
    let scripts = tend::docs::completions();
    assert_eq!(scripts.len(), 5);
    check("completions", scripts);
}

#[test]
fn help_documents_exit_codes() {
    let env = crate::support::TestEnv::new();
    let out = env.tend(&["--help"]).ok();
    for code in ["74", "75", "usage or configuration error"] {
        assert!(out.stdout.contains(code), "{}", out.stdout);
    }
    let page = String::from_utf8(tend::docs::man_pages().unwrap()["tend.1"].clone()).unwrap();
    assert!(page.contains("75"), "man page lacks the exit codes");
}
