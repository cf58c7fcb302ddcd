//! `tend gc checkpoints` on a directory store (design §9): 4 threads of active
//! sessions and 8 of gone ones. After every kill, every thread of an active
//! session is whole; at the end every gone thread is removed, nothing is left
//! half-deleted, and no removal has its audit row twice.
//!
//! gc writes a removal's `gc.checkpoint_removed` row just before the removal
//! is final, with an id fixed by the thread: a kill in between makes the next
//! run write the same row (same id) again, never a removal without a row.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Rng, Tally, check_at_rest, kill_loop, scenario};
use crate::support::TestEnv;

const ACTIVE: usize = 4;
const GONE: usize = 8;
const FILES: usize = 5;

/// Removals without their audit row, over the whole scenario.
static UNRECORDED: AtomicUsize = AtomicUsize::new(0);

fn touch(path: &Path, secs: u64) {
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .or_else(|_| std::fs::File::open(path))
        .unwrap();
    f.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn repetition(seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let env = TestEnv::new();
    let store = env.dir().join("checkpoints");
    let old = 1_777_593_600; // 2026-05-01
    for t in 0..ACTIVE + GONE {
        let thread = store.join(format!("INC-{t}"));
        std::fs::create_dir_all(thread.join("ns")).unwrap();
        for f in 0..FILES {
            let path = thread.join(format!("ns/checkpoint-{f}.json"));
            std::fs::write(&path, "{\"v\":1}").unwrap();
            touch(&path, old);
        }
        touch(&thread.join("ns"), old);
        touch(&thread, old);
    }
    let sessions: String = (0..ACTIVE)
        .map(|t| format!("{{\"id\":\"INC-{t}\"}}\n"))
        .collect();
    env.write("sessions.jsonl", sessions);
    env.write(
        "tend.toml",
        format!(
            "[gc.checkpoints]\nstore = {{ dir = {:?} }}\nsessions = {{ file = \"sessions.jsonl\" }}\n",
            store.display().to_string()
        ),
    );
    let active_whole = |when: &str| {
        for t in 0..ACTIVE {
            for f in 0..FILES {
                assert!(
                    store
                        .join(format!("INC-{t}/ns/checkpoint-{f}.json"))
                        .exists(),
                    "seed {seed}: {when}: an active thread lost INC-{t}/ns/checkpoint-{f}.json"
                );
            }
        }
    };
    let mut tally = Tally::default();
    let code = kill_loop(
        &env,
        seed,
        &mut rng,
        &["gc", "checkpoints", "-q"],
        Duration::from_millis(60),
        200,
        &mut tally,
        &|_| Vec::new(),
        &mut |run| active_whole(&format!("after kill {run}")),
    );
    assert_eq!(code, 0, "seed {seed}: the run that finished failed");
    active_whole("at the end");
    check_at_rest(&env, seed);
    let left: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !(0..ACTIVE).any(|t| *n == format!("INC-{t}")))
        .collect();
    assert!(left.is_empty(), "seed {seed}: left behind: {left:?}");
    // Distinct row ids per thread: a repeat after a kill carries the same id.
    let mut ids: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for row in super::audit_kind(&env, "gc.checkpoint_removed") {
        ids.entry(row["details"]["thread_id"].as_str().unwrap().to_string())
            .or_default()
            .insert(row["id"].as_str().unwrap().to_string());
    }
    let rows: BTreeMap<String, usize> = ids.into_iter().map(|(k, v)| (k, v.len())).collect();
    let unrecorded = (ACTIVE..ACTIVE + GONE)
        .filter(|t| !rows.contains_key(&format!("INC-{t}")))
        .count();
    UNRECORDED.fetch_add(unrecorded, Ordering::SeqCst);
    assert_eq!(
        unrecorded, 0,
        "seed {seed}: a removal without its row: {rows:?}"
    );
    assert!(
        rows.keys()
            .all(|k| (ACTIVE..ACTIVE + GONE).any(|t| *k == format!("INC-{t}"))),
        "seed {seed}: a row for a thread that was kept: {rows:?}"
    );
    assert!(
        rows.values().all(|n| *n == 1),
        "seed {seed}: a removal recorded twice: {rows:?}"
    );
    tally
}

#[test]
fn gc_checkpoints() {
    let tally = scenario("gc checkpoints", 30, 2, repetition);
    eprintln!(
        "crash gc checkpoints: {} removals without a row over {} kills",
        UNRECORDED.load(Ordering::SeqCst),
        tally.kills
    );
}
