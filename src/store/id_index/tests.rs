use super::*;
use std::fs::OpenOptions;
use std::io::Write;

fn id(n: u8) -> Id {
    let mut id = [0u8; 16];
    id[15] = n;
    id[6] = 0x50; // a valid-looking v5 layout is not required, any 16 bytes are
    id
}

fn row(n: u8) -> String {
    format!(
        "{{\"decision_id\":\"{}\",\"choice\":\"Stuck\"}}\n",
        uuid::Uuid::from_bytes(id(n))
    )
}

fn append(dir: &Path, name: &str, text: &str) {
    fs::create_dir_all(dir).unwrap();
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .open(dir.join(name))
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

struct Env {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    path: PathBuf,
}

fn env() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    Env {
        dir: tmp.path().join("decisions"),
        path: tmp.path().join("state/decisions.index"),
        _tmp: tmp,
    }
}

fn open(e: &Env) -> (IdIndex, Refresh, Vec<(Id, bool)>) {
    let mut seen = Vec::new();
    let (index, refresh) = IdIndex::open(&e.path, &e.dir, "decision_id", "2026-05.jsonl", |r| {
        seen.push((r.id, r.new))
    })
    .unwrap();
    (index, refresh, seen)
}

#[test]
fn builds_from_monthly_segments_and_catches_up_on_open() {
    let e = env();
    append(&e.dir, "2026-04.jsonl", &(row(1) + &row(2)));
    append(&e.dir, "2026-05.jsonl", &row(3));
    let (mut index, refresh, _) = open(&e);
    assert!(refresh.rebuilt.as_deref().unwrap().contains("missing"));
    assert_eq!(index.len(), 3);
    assert!(index.contains(&id(2)) && !index.contains(&id(4)));
    index.save(|_| {}).unwrap();

    // Rows appended since (a run killed before saving the index, another
    // writer) are read on open, and only they are marked new.
    append(&e.dir, "2026-05.jsonl", &row(4));
    append(&e.dir, "2026-04.jsonl", &row(5));
    let (mut index, refresh, seen) = open(&e);
    assert_eq!(refresh.rebuilt, None);
    assert_eq!(refresh.rows, 2);
    assert_eq!(seen, vec![(id(5), true), (id(4), true)]);
    assert!(index.contains(&id(4)) && index.contains(&id(5)));
    index.save(|_| {}).unwrap();
    let (index, refresh, seen) = open(&e);
    assert_eq!((refresh.rows, seen.len(), index.len()), (0, 0, 5));
}

#[test]
fn inserted_ids_are_not_new_when_their_rows_are_read() {
    let e = env();
    let (mut index, _, _) = open(&e);
    assert!(index.is_empty());
    // The writer's order: the row first, then the index.
    append(&e.dir, "2026-05.jsonl", &row(7));
    index.insert(id(7));
    let mut seen = Vec::new();
    index.save(|r| seen.push((r.id, r.new))).unwrap();
    assert_eq!(seen, vec![(id(7), false)]);
    let (index, refresh, _) = open(&e);
    assert_eq!((refresh.rebuilt, index.len()), (None, 1));
}

#[test]
fn a_rewritten_segment_or_damaged_file_rebuilds() {
    let e = env();
    append(&e.dir, "2026-05.jsonl", &(row(1) + &row(2)));
    let (mut index, _, _) = open(&e);
    index.save(|_| {}).unwrap();

    fs::write(e.dir.join("2026-05.jsonl"), row(1)).unwrap();
    let (mut index, refresh, seen) = open(&e);
    assert!(refresh.rebuilt.unwrap().contains("cut shorter"));
    assert!(
        seen.iter().all(|(_, new)| !new),
        "a rebuild marks nothing new"
    );
    assert_eq!(index.len(), 1);
    index.save(|_| {}).unwrap();

    fs::write(e.dir.join("2026-05.jsonl"), row(3)).unwrap();
    let (mut index, refresh, _) = open(&e);
    assert!(refresh.rebuilt.unwrap().contains("rewritten"));
    assert_eq!(index.ids(), &[id(3)]);
    index.save(|_| {}).unwrap();

    let mut bytes = fs::read(&e.path).unwrap();
    let last = bytes.len() - 9;
    bytes[last] ^= 1;
    fs::write(&e.path, &bytes).unwrap();
    let (index, refresh, _) = open(&e);
    assert!(refresh.rebuilt.unwrap().contains("checksum"));
    assert!(index.contains(&id(3)));

    fs::write(&e.path, b"").unwrap();
    let (_, refresh, _) = open(&e);
    assert!(refresh.rebuilt.unwrap().contains("damaged"));

    fs::remove_file(e.dir.join("2026-05.jsonl")).unwrap();
    let (index, _, _) = open(&e);
    assert!(index.is_empty());
}

#[test]
fn bad_lines_are_reported_and_python_spacing_is_read() {
    let e = env();
    let python = format!(
        "{{\"choice\": \"Stuck\", \"decision_id\": \"{}\"}}\n",
        uuid::Uuid::from_bytes(id(9))
    );
    let nested = format!(
        "{{\"inputs\":{{\"x\":1}},\"decision_id\":\"{}\"}}\n",
        uuid::Uuid::from_bytes(id(8))
    );
    append(
        &e.dir,
        "2026-05.jsonl",
        &format!("{python}not json\n{{\"decision_id\":\"nope\"}}\n{nested}{{\"a\":1}}\n"),
    );
    let (index, refresh, _) = open(&e);
    assert_eq!(index.len(), 2);
    assert!(index.contains(&id(9)) && index.contains(&id(8)));
    let reasons: Vec<&str> = refresh.bad.iter().map(|b| b.reason.as_str()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].starts_with("not JSON"));
    assert!(reasons[1].contains("not a UUID"));
    assert!(reasons[2].contains("no string field"));
    assert_eq!(refresh.bad[0].offset, python.len() as u64);
}

#[test]
fn an_unterminated_last_line_waits_in_the_current_month_and_is_passed_over_before() {
    let e = env();
    append(
        &e.dir,
        "2026-04.jsonl",
        &(row(1) + "{\"decision_id\":\"torn"),
    );
    append(
        &e.dir,
        "2026-05.jsonl",
        &(row(2) + "{\"decision_id\":\"waiting"),
    );
    let (mut index, refresh, _) = open(&e);
    assert_eq!(
        refresh.torn,
        vec![("2026-04.jsonl".to_string(), row(1).len() as u64)]
    );
    index.save(|_| {}).unwrap();
    // The waiting line is completed: it is read (and is bad), nothing is lost.
    append(&e.dir, "2026-05.jsonl", "\"}\n");
    append(&e.dir, "2026-05.jsonl", &row(3));
    let (index, refresh, seen) = open(&e);
    assert_eq!(refresh.rebuilt, None);
    assert_eq!(refresh.bad.len(), 1);
    assert_eq!(seen, vec![(id(3), true)]);
    assert_eq!(index.len(), 3);
}

#[test]
fn many_ids_round_trip() {
    let e = env();
    let mut text = String::new();
    let mut ids = Vec::new();
    for n in 0..5000u32 {
        let u = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &n.to_le_bytes());
        ids.push(*u.as_bytes());
        text.push_str(&format!("{{\"decision_id\":\"{u}\"}}\n"));
    }
    append(&e.dir, "2026-05.jsonl", &text);
    let (mut index, _, _) = open(&e);
    index.save(|_| {}).unwrap();
    let (index, refresh, _) = open(&e);
    assert_eq!(refresh.rebuilt, None);
    assert!(ids.iter().all(|i| index.contains(i)));
    assert!(!index.contains(&[0xff; 16]));
}

#[test]
fn monthly_segment_names() {
    assert!(tail::is_monthly_segment_name("2026-05.jsonl"));
    for bad in [
        "2026-05-01.jsonl",
        "2026-5.jsonl",
        "2026_05.jsonl",
        "2026-05.json",
        "abcd-ef.jsonl",
    ] {
        assert!(!tail::is_monthly_segment_name(bad), "{bad}");
    }
}

fn delta(e: &Env) -> PathBuf {
    let mut name = e.path.as_os_str().to_owned();
    name.push(".delta");
    PathBuf::from(name)
}

/// 64 rows in the base file, for the delta tests (an eighth is 8 ids).
fn base_of_64(e: &Env) {
    let text: String = (100..164).map(row).collect();
    append(&e.dir, "2026-05.jsonl", &text);
    let (mut index, _, _) = open(e);
    index.save(|_| {}).unwrap();
    assert!(!delta(e).exists());
}

#[test]
fn added_ids_go_to_the_delta_until_it_outgrows_an_eighth_of_the_base() {
    let e = env();
    base_of_64(&e);
    let base = fs::read(&e.path).unwrap();
    for n in 1..=8u8 {
        let (mut index, _, _) = open(&e);
        append(&e.dir, "2026-05.jsonl", &row(n));
        index.insert(id(n));
        index.save(|_| {}).unwrap();
        // The base is not rewritten: one record appended.
        assert_eq!(fs::read(&e.path).unwrap(), base, "after {n}");
        let (index, refresh, seen) = open(&e);
        assert_eq!((refresh.rebuilt, refresh.rows), (None, 0), "after {n}");
        assert!(seen.is_empty());
        assert_eq!(index.len(), 64 + n as usize);
        assert!((1..=n).all(|m| index.contains(&id(m))));
    }
    // The ninth is more than an eighth: the base takes every id, the delta goes.
    let (mut index, _, _) = open(&e);
    append(&e.dir, "2026-05.jsonl", &row(9));
    index.insert(id(9));
    index.save(|_| {}).unwrap();
    assert!(!delta(&e).exists());
    assert_ne!(fs::read(&e.path).unwrap(), base);
    let (mut index, refresh, _) = open(&e);
    assert_eq!((refresh.rebuilt, refresh.rows), (None, 0));
    assert_eq!(index.ids().len(), 73);
    assert!(index.ids().is_sorted());
}

#[test]
fn a_torn_delta_record_is_read_again_from_the_segments() {
    let e = env();
    base_of_64(&e);
    let (mut index, _, _) = open(&e);
    append(&e.dir, "2026-05.jsonl", &row(1));
    index.insert(id(1));
    index.save(|_| {}).unwrap();
    let whole = fs::read(delta(&e)).unwrap();
    let (mut index, _, _) = open(&e);
    append(&e.dir, "2026-05.jsonl", &row(2));
    index.insert(id(2));
    index.save(|_| {}).unwrap();
    // Killed in the middle of the second record's write.
    let full = fs::read(delta(&e)).unwrap();
    fs::write(delta(&e), &full[..full.len() - 5]).unwrap();
    let (mut index, refresh, seen) = open(&e);
    assert_eq!(refresh.rebuilt, None);
    assert_eq!(seen, vec![(id(2), true)], "the second row is read again");
    assert!(index.contains(&id(1)) && index.contains(&id(2)));
    // The next record replaces the torn one.
    append(&e.dir, "2026-05.jsonl", &row(3));
    index.insert(id(3));
    index.save(|_| {}).unwrap();
    let now = fs::read(delta(&e)).unwrap();
    assert!(now.starts_with(&whole));
    let (index, refresh, seen) = open(&e);
    assert_eq!((refresh.rows, seen.len(), index.len()), (0, 0, 67));

    // A damaged record too.
    let mut bytes = fs::read(delta(&e)).unwrap();
    let last = bytes.len() - 9;
    bytes[last] ^= 1;
    fs::write(delta(&e), &bytes).unwrap();
    let (index, refresh, seen) = open(&e);
    assert_eq!(refresh.rebuilt, None);
    assert_eq!(seen.len(), 2, "the rows of the damaged record: {seen:?}");
    assert_eq!(index.len(), 67);
}

#[test]
fn a_delta_left_beside_a_newer_base_is_ignored() {
    let e = env();
    base_of_64(&e);
    let (mut index, _, _) = open(&e);
    append(&e.dir, "2026-05.jsonl", &row(1));
    index.insert(id(1));
    index.save(|_| {}).unwrap();
    let stale = fs::read(delta(&e)).unwrap();
    // The base is rewritten (a rebuild); a kill left the old delta behind.
    fs::remove_file(&e.path).unwrap();
    let (mut index, refresh, _) = open(&e);
    assert!(refresh.rebuilt.is_some());
    index.save(|_| {}).unwrap();
    assert!(!delta(&e).exists());
    fs::write(delta(&e), &stale).unwrap();
    append(&e.dir, "2026-05.jsonl", &row(2));
    let (index, refresh, seen) = open(&e);
    assert_eq!(refresh.rebuilt, None);
    assert_eq!(seen, vec![(id(2), true)]);
    assert_eq!(index.len(), 66);
}
