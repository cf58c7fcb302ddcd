//! The one-way rule of ARCHITECTURE.md, checked on the parsed source: a module
//! uses only modules below it, a domain reads another domain only through the
//! typed API the owner documents, and a policy file imports no I/O.
//!
//! The crate's module tree is walked from `src/lib.rs` the way rustc finds
//! files (`mod x;` → `x.rs` or `x/mod.rs`), each file parsed with `syn`. Every
//! path counts: each leaf of a `use` tree (grouped `use crate::{…}` included),
//! a path written out where it is used (`crate::probe::state::load(…)`,
//! `std::fs::read(…)`), one inside a macro's tokens, `super::` and
//! `super::super::` resolved against the file's place in the tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// Every top-level module of the crate and its layer, lowest first. A module
/// may import modules of a lower layer; modules of one layer do not import
/// each other (domains, layer 5, only through [`DOMAIN_APIS`]).
const LAYERS: &[(&str, u8)] = &[
    // Foundation: import nothing from the crate.
    ("clock", 0),
    ("command", 0),
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
    // What a message was to its incident, noted with incidents::policy.
    ("alerts", "incidents::Purpose"),
    ("wake", "incidents::Purpose"),
    ("wake", "incidents::Incident"),
    ("wake", "incidents::update"),
    ("wake", "incidents::policy"),
    ("wake", "incidents::load"),
    // The one send path (design §6a): alerts and wake send every operator
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

/// What a policy file may not import: the modules whose purpose is I/O (files,
/// locks, the network, children, the environment, the wall clock). A policy
/// file takes values and returns decisions; its handler does the I/O. Its
/// tests (`#[cfg(test)]`) may do what they need.
/// Modules inside [`IO_MODULES`] that read and write nothing, which policy
/// files may use: the store's FNV-1a hash (what reading positions are checked
/// with, and a fast hasher for pure code).
const PURE_IN_IO: &[&str] = &["crate::store::hash"];

const IO_MODULES: &[&str] = &[
    // The crate's own I/O layers: the plain-file store (locks, atomic writes,
    // JSON Lines, the child runner), the context, channels, engines, HTTP.
    "crate::store",
    "crate::ctx",
    "crate::channel",
    "crate::engine",
    "crate::http",
    "crate::heartbeat",
    // The standard library's.
    "std::fs",
    "std::io",
    "std::net",
    "std::process",
    "std::env",
    "std::thread",
    "std::os",
    "std::time::SystemTime",
    "std::time::Instant",
    "chrono::Utc::now",
    "chrono::Local",
    // Crates that reach files, sockets, databases or the system.
    "ureq",
    "lettre",
    "rusqlite",
    "postgres",
    "walkdir",
    "libc",
    "tempfile",
];

/// The file names of policy files, and of their submodules' folders.
const POLICY_NAMES: &[&str] = &["policy", "rule", "debounce", "diff", "flap"];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// One path a file names, resolved: `crate::store::lock::Wait`,
/// `std::fs::read`, with the line it is written on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    line: usize,
    path: Vec<String>,
    /// Inside `#[cfg(test)]` code.
    test: bool,
    /// Resolved through a name the file imported (`Utc::now()` after `use
    /// chrono::Utc`): the `use` is already a reference of its own.
    through_import: bool,
}

impl Reference {
    fn shown(&self) -> String {
        self.path.join("::")
    }

    fn starts_with(&self, prefix: &str) -> bool {
        let prefix: Vec<&str> = prefix.split("::").collect();
        self.path.len() >= prefix.len() && self.path.iter().zip(&prefix).all(|(a, b)| a == b)
    }
}

/// A `mod x;` a file declares: where its file lies and what it is.
struct ChildModule {
    name: String,
    module: Vec<String>,
    dir: PathBuf,
    test: bool,
    line: usize,
}

/// One parsed source file's place in the tree and what it names.
struct SourceFile {
    file: PathBuf,
    /// `["store", "lock"]` for `src/store/lock.rs`; empty for `src/lib.rs`.
    module: Vec<String>,
    test: bool,
    references: Vec<Reference>,
}

/// Collects a file's references; `module` follows inline `mod x { … }`.
struct Collector<'a> {
    module: Vec<String>,
    dir: PathBuf,
    test_depth: usize,
    /// Names the file imports, each with the path it stands for.
    imports: &'a BTreeMap<String, Vec<String>>,
    references: Vec<Reference>,
    children: Vec<ChildModule>,
    /// The first pass only gathers imports.
    gathering: bool,
    gathered: BTreeMap<String, Vec<String>>,
}

/// `crate::a::b` from `crate`, `super`, `self` or `$crate`; a path that
/// starts with an imported name is that import's path; anything else (`std`,
/// another crate, a local item) as written.
fn resolve(
    module: &[String],
    segments: &[String],
    imports: &BTreeMap<String, Vec<String>>,
) -> Option<(Vec<String>, bool)> {
    let mut rest = segments;
    let mut base: Vec<String> = Vec::new();
    let first = rest.first()?.as_str();
    match first {
        "crate" | "$crate" => {
            rest = &rest[1..];
        }
        "self" => {
            base = module.to_vec();
            rest = &rest[1..];
        }
        "super" => {
            base = module.to_vec();
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => {
            if let Some(target) = imports.get(first) {
                let mut path = target.clone();
                path.extend(rest[1..].iter().cloned());
                return Some((path, true));
            }
            return Some((segments.to_vec(), false));
        }
    }
    let mut path = vec!["crate".to_string()];
    path.extend(base);
    path.extend(rest.iter().cloned());
    Some((path, false))
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && match &attr.meta {
                syn::Meta::List(list) => list
                    .tokens
                    .clone()
                    .into_iter()
                    .any(|t| matches!(&t, TokenTree::Ident(i) if i == "test")),
                _ => false,
            }
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

impl Collector<'_> {
    fn record(&mut self, line: usize, segments: &[String]) {
        if let Some((path, through_import)) = resolve(&self.module, segments, self.imports) {
            self.references.push(Reference {
                line,
                path,
                test: self.test_depth > 0,
                through_import,
            });
        }
    }

    /// Every leaf of a `use` tree, with the prefix that leads to it.
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                let line = n.ident.span().start().line;
                if name == "self" {
                    // `use std::io::{self, Write}` imports `io`.
                    if let Some(last) = prefix.last().cloned() {
                        self.leaf(line, prefix.clone(), Some(last));
                    }
                } else {
                    let mut path = prefix.clone();
                    path.push(name.clone());
                    self.leaf(line, path, Some(name));
                }
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                self.leaf(
                    r.ident.span().start().line,
                    path,
                    Some(r.rename.to_string()),
                );
            }
            syn::UseTree::Glob(g) => {
                self.leaf(g.star_token.span().start().line, prefix.clone(), None);
            }
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    fn leaf(&mut self, line: usize, path: Vec<String>, name: Option<String>) {
        if self.gathering {
            if let (Some(name), Some((resolved, _))) =
                (name, resolve(&self.module, &path, &BTreeMap::new()))
            {
                self.gathered.insert(name, resolved);
            }
        } else {
            self.record(line, &path);
        }
    }

    /// Paths inside a macro's tokens (`format!("{}", crate::x::y())`):
    /// every `a::b…` chain, `$crate::…` included.
    fn tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(g) => {
                    self.tokens(g.stream());
                    i += 1;
                }
                TokenTree::Ident(ident) => {
                    let dollar = i > 0
                        && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '$');
                    let line = ident.span().start().line;
                    let mut segments = vec![if dollar && ident == "crate" {
                        "$crate".to_string()
                    } else {
                        ident.to_string()
                    }];
                    let mut j = i + 1;
                    while matches!(tokens.get(j), Some(TokenTree::Punct(p)) if p.as_char() == ':')
                        && matches!(tokens.get(j + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':')
                    {
                        match tokens.get(j + 2) {
                            Some(TokenTree::Ident(next)) => {
                                segments.push(next.to_string());
                                j += 3;
                            }
                            _ => break,
                        }
                    }
                    if segments.len() > 1 && !self.gathering {
                        self.record(line, &segments);
                    }
                    i = j.max(i + 1);
                }
                _ => i += 1,
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let test = is_cfg_test(item_attrs(item));
        self.test_depth += usize::from(test);
        visit::visit_item(self, item);
        self.test_depth -= usize::from(test);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let name = item.ident.to_string();
        let mut module = self.module.clone();
        module.push(name.clone());
        match &item.content {
            None => self.children.push(ChildModule {
                name,
                module,
                dir: self.dir.clone(),
                test: self.test_depth > 0,
                line: item.ident.span().start().line,
            }),
            Some(_) => {
                let outer = std::mem::replace(&mut self.module, module);
                self.dir.push(&name);
                visit::visit_item_mod(self, item);
                self.dir.pop();
                self.module = outer;
            }
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if !self.gathering {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            if segments.len() > 1 || path.leading_colon.is_some() {
                self.record(path.span().start().line, &segments);
            } else if self.imports.contains_key(&segments[0]) {
                // A bare imported name (`Utc`): its `use` already counts,
                // unless a policy check needs the full path.
                self.record(path.span().start().line, &segments);
            }
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        visit::visit_macro(self, mac);
    }
}

/// Parses `file` and every module file it declares, depth first.
fn walk(
    file: &Path,
    module: Vec<String>,
    dir: PathBuf,
    test: bool,
    out: &mut Vec<SourceFile>,
    problems: &mut Vec<String>,
) {
    let source = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let parsed =
        syn::parse_file(&source).unwrap_or_else(|e| panic!("cannot parse {}: {e}", file.display()));
    let empty = BTreeMap::new();
    let mut gather = Collector {
        module: module.clone(),
        dir: dir.clone(),
        test_depth: usize::from(test),
        imports: &empty,
        references: Vec::new(),
        children: Vec::new(),
        gathering: true,
        gathered: BTreeMap::new(),
    };
    gather.visit_file(&parsed);
    let imports = gather.gathered;
    let mut collector = Collector {
        module: module.clone(),
        dir,
        test_depth: usize::from(test),
        imports: &imports,
        references: Vec::new(),
        children: Vec::new(),
        gathering: false,
        gathered: BTreeMap::new(),
    };
    collector.visit_file(&parsed);
    let children = std::mem::take(&mut collector.children);
    out.push(SourceFile {
        file: file.to_path_buf(),
        module,
        test,
        references: collector.references,
    });
    for child in children {
        let flat = child.dir.join(format!("{}.rs", child.name));
        let nested = child.dir.join(&child.name).join("mod.rs");
        let (found, child_dir) = if flat.is_file() {
            (flat, child.dir.join(&child.name))
        } else if nested.is_file() {
            (nested, child.dir.join(&child.name))
        } else {
            problems.push(format!(
                "{}:{}: `mod {};` has no file {} or {}",
                file.display(),
                child.line,
                child.name,
                flat.display(),
                nested.display()
            ));
            continue;
        };
        walk(&found, child.module, child_dir, child.test, out, problems);
    }
}

/// Every source file of the crate under `src`: the library's tree from
/// `lib.rs`, and `main.rs`.
fn crate_files(src: &Path) -> (Vec<SourceFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    walk(
        &src.join("lib.rs"),
        Vec::new(),
        src.to_path_buf(),
        false,
        &mut files,
        &mut problems,
    );
    if src.join("main.rs").is_file() {
        walk(
            &src.join("main.rs"),
            vec!["main".to_string()],
            src.to_path_buf(),
            false,
            &mut files,
            &mut problems,
        );
    }
    (files, problems)
}

/// `["store", "lock"]` → `store`; the crate root → `lib`.
fn top_module(module: &[String]) -> &str {
    module.first().map_or("lib", String::as_str)
}

fn is_policy(module: &[String]) -> bool {
    module.iter().any(|m| POLICY_NAMES.contains(&m.as_str()))
}

/// Every reference that breaks the rule, as `file:line: what`.
fn violations(src: &Path) -> Vec<String> {
    let (files, mut found) = crate_files(src);
    let root = src.parent().expect("src/ has a parent");
    for source in &files {
        let module = top_module(&source.module);
        let shown = source
            .file
            .strip_prefix(root)
            .unwrap_or(&source.file)
            .display();
        let Some(own) = layer(module) else {
            found.push(format!(
                "{shown}: module `{module}` has no layer in tests/integration/layers.rs"
            ));
            continue;
        };
        let policy = is_policy(&source.module) && !source.test;
        let io_of = |reference: &Reference| {
            let io = IO_MODULES.iter().find(|io| reference.starts_with(io));
            let pure = PURE_IN_IO.iter().any(|p| reference.starts_with(p));
            io.filter(|_| policy && !reference.test && !pure)
        };
        // An I/O import is reported at its `use`, not again where it is used.
        let imported_io: Vec<&str> = (source.references.iter())
            .filter(|r| !r.through_import)
            .filter_map(|r| io_of(r).copied())
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        for reference in &source.references {
            let line = reference.line;
            let path = reference.shown();
            if let Some(io) = io_of(reference) {
                let again = reference.through_import && imported_io.contains(io);
                if !again && seen.insert((line, io.to_string())) {
                    found.push(format!(
                            "{shown}:{line}: policy file uses {path}: `{io}` is I/O, which belongs in its handler"
                        ));
                }
            }
            if reference.through_import || reference.path.first().is_none_or(|f| f != "crate") {
                continue;
            }
            let Some(target) = reference.path.get(1).map(String::as_str) else {
                continue;
            };
            if target == module || module == "main" {
                continue;
            }
            let Some(theirs) = layer(target) else {
                // An item of the crate root (a re-export or a macro), not a module.
                if src.join(format!("{target}.rs")).exists() || src.join(target).is_dir() {
                    found.push(format!(
                        "{shown}:{line}: uses {path}, a module with no layer"
                    ));
                }
                continue;
            };
            let within = &path["crate::".len()..];
            let documented = DOMAIN_APIS
                .iter()
                .any(|(importer, api)| *importer == module && within.starts_with(api));
            if theirs < own || documented {
                continue;
            }
            let why = if theirs == own && own == 5 {
                "another domain, not through a documented typed API"
            } else {
                "a module of the same or a higher layer"
            };
            if seen.insert((line, "layer".to_string())) {
                found.push(format!(
                    "{shown}:{line}: `{module}` (layer {own}) uses {path} (layer {theirs}): {why}"
                ));
            }
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

/// A crate under a temporary `src/`: `files` as (path, text).
fn fake_crate(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for (path, text) in files {
        let path = src.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, src)
}

fn references_of(src: &Path, file: &str) -> Vec<(usize, String)> {
    let (files, problems) = crate_files(src);
    assert!(problems.is_empty(), "{problems:#?}");
    let source = files
        .iter()
        .find(|f| f.file == src.join(file))
        .unwrap_or_else(|| panic!("{file} is not in the module tree"));
    source
        .references
        .iter()
        .filter(|r| !r.through_import)
        .map(|r| (r.line, r.shown()))
        .collect()
}

#[test]
fn the_checker_resolves_grouped_super_and_unimported_paths() {
    let (_dir, src) = fake_crate(&[
        ("lib.rs", "pub mod store;\npub mod wake;\n"),
        ("store/mod.rs", "pub mod lock;\n"),
        ("store/lock.rs", "pub mod wait;\n"),
        (
            "store/lock/wait.rs",
            "use super::super::super::exit::Code;\nuse super::super::jsonl;\n",
        ),
        (
            "wake/mod.rs",
            "use crate::{\n    clock::Clock,\n    store::{lock, jsonl::append},\n};\n\
             fn f() {\n    let x = crate::probe::state::load(ctx);\n    \
             println!(\"{}\", crate::alerts::name());\n}\n\
             macro_rules! m { () => { $crate::ctx::Counter } }\n\
             // crate::report is only mentioned here\n\
             fn g() -> std::fs::File { todo() }\n",
        ),
    ]);
    assert_eq!(
        references_of(&src, "store/lock/wait.rs"),
        [
            (1, "crate::exit::Code".to_string()),
            (2, "crate::store::jsonl".to_string())
        ]
    );
    let wake: Vec<(usize, String)> = references_of(&src, "wake/mod.rs")
        .into_iter()
        .filter(|(_, p)| p.starts_with("crate::") || p.starts_with("std::"))
        .collect();
    let expected = [
        (2, "crate::clock::Clock"),
        (3, "crate::store::lock"),
        (3, "crate::store::jsonl::append"),
        (6, "crate::probe::state::load"),
        (7, "crate::alerts::name"),
        (9, "crate::ctx::Counter"),
        (11, "std::fs::File"),
    ];
    let expected: Vec<(usize, String)> =
        expected.iter().map(|(l, p)| (*l, p.to_string())).collect();
    assert_eq!(wake, expected);
}

#[test]
fn the_checker_reports_upward_cross_domain_and_impure_policy_uses() {
    let (_dir, src) = fake_crate(&[
        (
            "lib.rs",
            "pub mod store;\npub mod exit;\npub mod wake;\npub mod alerts;\npub mod probe;\n",
        ),
        ("exit.rs", ""),
        ("store/mod.rs", "pub mod state;\n"),
        (
            "store/state.rs",
            "fn f() {\n    super::super::exit::code();\n}\n",
        ),
        ("wake/mod.rs", "use crate::{\n    alerts::notify,\n};\n"),
        ("alerts/mod.rs", "pub mod notify;\n"),
        (
            "alerts/notify.rs",
            "use crate::probe::state::ProbesState;\nuse crate::store::jsonl;\n",
        ),
        ("probe/mod.rs", "pub mod state;\npub mod rule;\n"),
        ("probe/state.rs", ""),
        (
            "probe/rule.rs",
            "use chrono::Utc;\nuse crate::store::{\n    cursor::Fnv64,\n};\n\
             fn now() {\n    let _ = Utc::now();\n    let _ = std::fs::read(\"x\");\n}\n\
             fn hash() -> u64 {\n    Fnv64::new().finish()\n}\n\
             #[cfg(test)]\nmod tests {\n    fn t() { std::process::exit(0); }\n}\n",
        ),
    ]);
    let found = violations(&src);
    assert_eq!(
        found,
        [
            "src/store/state.rs:2: `store` (layer 1) uses crate::exit::code (layer 3): \
             a module of the same or a higher layer",
            "src/wake/mod.rs:2: `wake` (layer 5) uses crate::alerts::notify (layer 5): \
             another domain, not through a documented typed API",
            "src/probe/rule.rs:3: policy file uses crate::store::cursor::Fnv64: \
             `crate::store` is I/O, which belongs in its handler",
            "src/probe/rule.rs:6: policy file uses chrono::Utc::now: \
             `chrono::Utc::now` is I/O, which belongs in its handler",
            "src/probe/rule.rs:7: policy file uses std::fs::read: \
             `std::fs` is I/O, which belongs in its handler",
        ],
        "{found:#?}"
    );
}
