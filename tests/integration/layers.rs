//! The one-way rule of ARCHITECTURE.md, checked on the source: a module uses
//! only modules below it, and a domain reads another domain only through the
//! typed API the owner documents. Reads every `crate::…` path in `src/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every top-level module of the crate and its layer, lowest first. A module
/// may import modules of a lower layer; modules of one layer do not import
/// each other (domains, layer 5, only through [`DOMAIN_APIS`]).
const LAYERS: &[(&str, u8)] = &[
    // Foundation: import nothing from the crate.
    ("clock", 0),
    ("severity", 0),
    ("http", 0),
    ("terminal", 0),
    ("user", 0),
    // The plain-file substrate, knowing nothing of probes, wakes or alerts.
    ("store", 1),
    // The audit row and reader; configuration.
    ("audit", 2),
    ("config", 2),
    // Exit codes (by downcast of the errors below), channels, engines.
    ("exit", 3),
    ("channel", 3),
    ("engine", 3),
    // What every handler receives, what was typed, and tick's heartbeat ping.
    ("ctx", 4),
    ("cli", 4),
    ("heartbeat", 4),
    // Domains: one folder per loop.
    ("probe", 5),
    ("wake", 5),
    ("alerts", 5),
    ("incidents", 5),
    ("promote", 5),
    ("watchers", 5),
    ("gc", 5),
    // The report, which reads every domain (and tend's own runs, for status).
    ("report", 6),
    // Commands that span domains, and the program.
    ("commands", 7),
    ("status", 7),
    ("doctor", 7),
    ("init", 7),
    ("tick", 7),
    // The man pages and completions, which show tick's steps.
    ("docs", 8),
    ("lib", 9),
    ("main", 9),
];

/// The typed APIs a domain may use of another domain: (importer, path prefix).
/// Each is documented at its definition as the one way others read that state.
const DOMAIN_APIS: &[(&str, &str)] = &[
    // state/incidents.json, changed by wake and alerts only through
    // incidents::update (under its lock) with the pure rules of
    // incidents::policy, and read through incidents::load.
    ("alerts", "incidents::update"),
    ("alerts", "incidents::policy"),
    ("alerts", "incidents::load"),
    ("wake", "incidents::update"),
    ("wake", "incidents::policy"),
    ("wake", "incidents::load"),
    // The one send path (SPEC §6a): alerts and wake send every operator
    // message through incidents::outbox, which threads it in its incident
    // (incidents::Purpose says what it is to it; incidents::Incident is
    // what incidents::load returns).
    ("alerts", "incidents::outbox"),
    ("alerts", "incidents::Purpose"),
    ("alerts", "incidents::Incident"),
    ("wake", "incidents::outbox"),
    ("wake", "incidents::Purpose"),
    ("wake", "incidents::Incident"),
    // state/probes.json, read by alerts as typed probe states.
    ("alerts", "probe::state"),
    // How far `wake consume` has read the log, asked by `gc audit`.
    ("gc", "wake::read_progress"),
    ("gc", "wake::ReadProgress"),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("src/ entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::…` paths a source file names (outside comments), e.g.
/// `store::lock::Wait`, with `crate::{a, b::c}` groups expanded.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            // `$crate::` in a macro is the crate too; `tend_crate::` is not.
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let item = item.trim();
                    if !item.is_empty() {
                        paths.insert(item.to_string());
                    }
                }
            } else {
                let path: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                paths.insert(path.trim_end_matches(':').to_string());
            }
        }
    }
    paths
}

/// `src/store/lock.rs` → `store`; `src/lib.rs` → `lib`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src/");
    let first = rel.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// Every import that breaks the rule, as a readable line.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let module = module_of(src, file);
        let shown = file.strip_prefix(src.parent().unwrap()).unwrap().display();
        let Some(own) = layer(&module) else {
            found.push(format!(
                "{shown}: module `{module}` has no layer in tests/integration/layers.rs"
            ));
            continue;
        };
        let source = std::fs::read_to_string(file).expect("source is UTF-8");
        for path in crate_paths(&source) {
            let target = path.split("::").next().unwrap_or("");
            if target == module || target.is_empty() {
                continue;
            }
            let Some(theirs) = layer(target) else {
                found.push(format!(
                    "{shown}: imports crate::{path}, a module with no layer"
                ));
                continue;
            };
            let documented = DOMAIN_APIS
                .iter()
                .any(|(importer, api)| *importer == module && path.starts_with(api));
            if theirs < own || documented {
                continue;
            }
            let why = if theirs == own && own == 5 {
                "another domain, not through a documented typed API"
            } else {
                "a module of the same or a higher layer"
            };
            found.push(format!(
                "{shown}: `{module}` (layer {own}) imports crate::{path} (layer {theirs}): {why}"
            ));
        }
    }
    found
}

#[test]
fn modules_only_import_modules_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "the one-way rule of ARCHITECTURE.md is broken:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_plain_imports() {
    let paths = crate_paths(
        "use crate::{clock::Clock, store::lock};\n\
         use crate::ctx::Ctx; // crate::wake is only mentioned here\n\
         let x = crate::probe::state::load(ctx);\n\
         impl $crate::ctx::Counter for X {}\n\
         let y = tend_crate::nothing;\n",
    );
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "clock::Clock",
            "ctx::Counter",
            "ctx::Ctx",
            "probe::state::load",
            "store::lock"
        ]
    );
}

#[test]
fn the_checker_reports_an_upward_and_a_cross_domain_import() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("store")).unwrap();
    std::fs::create_dir_all(src.join("wake")).unwrap();
    std::fs::create_dir_all(src.join("alerts")).unwrap();
    std::fs::write(
        src.join("store/state.rs"),
        "use crate::exit::StateCorrupt;\n",
    )
    .unwrap();
    std::fs::write(src.join("wake/mod.rs"), "use crate::alerts::notify;\n").unwrap();
    std::fs::write(
        src.join("alerts/notify.rs"),
        "use crate::probe::state::ProbesState;\nuse crate::store::jsonl;\n",
    )
    .unwrap();
    let found = violations(&src);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].contains(
            "src/store/state.rs: `store` (layer 1) imports crate::exit::StateCorrupt (layer 3)"
        ),
        "{}",
        found[0]
    );
    assert!(
        found[1].contains("src/wake/mod.rs: `wake` (layer 5) imports crate::alerts::notify"),
        "{}",
        found[1]
    );
    assert!(found[1].contains("another domain"), "{}", found[1]);
}
