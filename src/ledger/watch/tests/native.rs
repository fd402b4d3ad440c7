//! A native ledger watched record by record: appends by the native writer
//! are verified line by line and entry by entry, without a full
//! re-verification; forged lines and checkpoint entries are violations on
//! their line; what cannot be judged incrementally is said and verified
//! with the whole ledger.

use super::kinds;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::native::format::history::HistoryLine;
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::secret::{MacKey, read_mac_key_for, read_signer};
use crate::ledger::native::write::NativeWriter;
use crate::ledger::native::write::init::{InitOptions, init};
use crate::ledger::watch::native::{
    CHECKPOINT_CHECKS, DESCRIPTOR_CHECKS, RECORD_CHECKS, RECORD_CHECKS_KEYED,
};
use crate::ledger::watch::{RecordEvent, RecordStatus, Watch, WatchEvent, WatchOptions};
use crate::tlog::checkpoint::{Checkpoint, sign_checkpoint};
use crate::tlog::merkle::{Hash, leaf_hash, root_of};
use crate::tlog::note::Signer;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tempfile::TempDir;

const ORIGIN: &str = "iss.test/live";

struct Ledger {
    _tmp: TempDir,
    dir: PathBuf,
    key: PathBuf,
    mac: Option<PathBuf>,
}

impl Ledger {
    fn new(keyed: bool) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ledger");
        let key = tmp.path().join("ledger.key");
        let mac = keyed.then(|| tmp.path().join("ledger.mac"));
        init(
            &dir,
            &InitOptions {
                origin: ORIGIN.into(),
                key_path: key.clone(),
                mac_key_path: mac.clone(),
                created: "2026-11-27T00:00:00.000000Z".into(),
                genesis_extra: None,
            },
        )
        .unwrap();
        Ledger {
            _tmp: tmp,
            dir,
            key,
            mac,
        }
    }

    fn mac_key(&self) -> Option<MacKey> {
        self.mac
            .as_ref()
            .map(|m| read_mac_key_for(&self.dir, m).unwrap())
    }

    fn writer(&self, signs: bool) -> NativeWriter {
        let signer = signs.then(|| read_signer(&self.key).unwrap());
        NativeWriter::open(&self.dir, signer, self.mac_key()).unwrap()
    }

    fn watch(&self, with_mac_key: bool) -> Watch {
        let mut options = WatchOptions::default();
        if with_mac_key {
            options.verify.mac_key = self.mac_key();
        }
        let (w, report) = Watch::start(&self.dir, options).unwrap();
        assert_eq!(report.status, LedgerStatus::Clean);
        w
    }

    fn paths(&self) -> ChainPaths {
        ChainPaths::new(&self.dir, Chain::Descriptors)
    }
}

fn bodies(from: usize, n: usize) -> Vec<String> {
    (from..from + n)
        .map(|i| format!(r#"{{"descriptor_id":"d{i}","process_name":"Live"}}"#))
        .collect()
}

fn records(events: &[WatchEvent]) -> Vec<&RecordEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            WatchEvent::Record(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn append_raw(path: &Path, line: &str) {
    let mut f = OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(format!("{line}\n").as_bytes()).unwrap();
}

fn reason(events: &[WatchEvent]) -> Option<String> {
    events.iter().find_map(|e| match e {
        WatchEvent::Reverifying { reason } => Some(reason.clone()),
        _ => None,
    })
}

/// The Merkle root over the first `size` lines of the chain file.
fn root_at(path: &Path, size: usize) -> Hash {
    let text = fs::read_to_string(path).unwrap();
    let leaves: Vec<Hash> = text
        .lines()
        .take(size)
        .map(|l| leaf_hash(l.as_bytes()))
        .collect();
    root_of(&leaves)
}

/// A history entry for `chain` at `size` with `root`, signed by `signer`.
fn entry(signer: &Signer, size: u64, root: Hash) -> String {
    let cp = Checkpoint {
        origin: format!("{ORIGIN}/descriptors"),
        size,
        root,
        extensions: Vec::new(),
    };
    let note = sign_checkpoint(&cp, signer).unwrap();
    HistoryLine { size, note }.to_line()
}

#[test]
fn writer_appends_are_verified_record_by_record_and_checkpoints_entry_by_entry() {
    let l = Ledger::new(false);
    let mut watch = l.watch(false);
    let mut w = l.writer(true);

    // One record, no checkpoint: verified by hash chain, not signed yet.
    w.append(Chain::Descriptors, &bodies(0, 1)).unwrap();
    let events = watch.rescan(Instant::now());
    assert_eq!(kinds(&events), ["record descriptors 1 Verified"]);
    let r = records(&events)[0];
    assert_eq!((r.record_id.as_deref(), r.offset), (Some("0"), 0));
    assert_eq!(r.checks, DESCRIPTOR_CHECKS);
    let note = r.note.as_deref().unwrap();
    assert!(
        note.contains("not signed yet") && note.contains("signs 0 record(s)"),
        "{note}"
    );
    let n = r.native.as_ref().expect("the chain's numbers");
    assert_eq!(n.chain, "descriptors");
    assert_eq!(
        (
            n.status.tree_size,
            n.status.signed_size,
            n.status.unsigned_records
        ),
        (1, Some(0), 1)
    );

    // A batch, then its checkpoint: three records, then the entry.
    w.append(Chain::Descriptors, &bodies(1, 3)).unwrap();
    let ack = w.checkpoint(Chain::Descriptors).unwrap();
    assert!(ack.new_entry);
    let events = watch.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        [
            "record descriptors 2 Verified",
            "record descriptors 3 Verified",
            "record descriptors 4 Verified",
            "record descriptors_checkpoints 2 Verified",
        ],
        "{events:#?}"
    );
    let cp = records(&events)[3];
    assert_eq!(cp.checks, CHECKPOINT_CHECKS);
    assert_eq!(cp.record_id.as_deref(), Some("4"));
    assert!(cp.note.as_deref().unwrap().contains("records 1-4"));
    let n = &cp.native.as_ref().unwrap().status;
    assert_eq!(
        (n.signed_size, n.unsigned_records, n.checkpoints_verified),
        (Some(4), 0, 2)
    );
    assert_eq!(
        n.merkle_root,
        Some(hex::encode(root_at(&l.paths().file, 4)))
    );
    assert_eq!(n.merkle_root, Some(ack.root));

    // The same checkpoint again only replaces the latest file: nothing to say.
    assert!(!w.checkpoint(Chain::Descriptors).unwrap().new_entry);
    assert_eq!(kinds(&watch.rescan(Instant::now())), Vec::<String>::new());

    // Appends and a checkpoint in one batch: the entry comes after its lines.
    let (acks, cp) = crate::ledger::native::write::descriptors::append_descriptors(
        &mut w,
        vec![
            serde_json::from_value(serde_json::json!({
                "process_name": "Signed", "process_version": "1.0", "capability_level": 2,
                "process_outcome": "partial", "compliance_score": 0.5,
                "assessed_by": "live", "assessment_method": "test",
            }))
            .unwrap(),
        ],
        1_767_225_600_000_000,
        true,
    )
    .unwrap();
    assert_eq!((acks.len(), cp.ack().map(|c| c.size)), (1, Some(5)));
    let events = watch.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        [
            "record descriptors 5 Verified",
            "record descriptors_checkpoints 3 Verified"
        ]
    );
    assert!(reason(&events).is_none());
}

#[test]
fn a_keyed_ledger_is_checked_with_its_key_and_says_so_without_it() {
    let l = Ledger::new(true);
    let mut with = l.watch(true);
    let mut without = l.watch(false);
    l.writer(false)
        .append(Chain::Pulses, &[r#"{"tai_ns":1}"#.to_owned()])
        .unwrap();
    let a = with.rescan(Instant::now());
    let b = without.rescan(Instant::now());
    assert_eq!(kinds(&a), ["record pulses 1 Verified"]);
    assert_eq!(kinds(&b), ["record pulses 1 Verified"]);
    let (a, b) = (records(&a)[0], records(&b)[0]);
    assert_eq!(a.checks, RECORD_CHECKS_KEYED);
    assert!(a.note.as_deref().unwrap().contains("hash chain and MAC"));
    assert_eq!(a.native.as_ref().unwrap().status.macs_checked, 1);
    assert_eq!(b.checks, RECORD_CHECKS);
    assert!(b.note.as_deref().unwrap().contains("MAC was not checked"));
    assert_eq!(b.native.as_ref().unwrap().status.macs_unchecked, 1);
}

/// The finding kinds of the one record event a forged line gives.
fn forged(l: &Ledger, watch: &mut Watch, line: &str) -> Vec<&'static str> {
    append_raw(&l.paths().file, line);
    let events = watch.rescan(Instant::now());
    let r = records(&events);
    assert_eq!(r.len(), 1, "{events:#?}");
    assert!(reason(&events).is_none(), "judged live: {events:#?}");
    assert_eq!(r[0].status, RecordStatus::Violated);
    r[0].findings.iter().map(|f| f.kind.name()).collect()
}

#[test]
fn forged_lines_are_violations_on_their_line() {
    let l = Ledger::new(true);
    let mut w = l.writer(false);
    w.append(Chain::Descriptors, &bodies(0, 1)).unwrap();
    let mut watch = l.watch(true);
    let (lines, _) = w.build(Chain::Descriptors, &bodies(1, 1)).unwrap();
    let good = &lines[0];
    // A body edited after hashing.
    let edited = good.replacen("\"d1\"", "\"dX\"", 1);
    assert_eq!(
        forged(&l, &mut watch, &edited),
        ["HASH_MISMATCH", "MAC_MISMATCH"]
    );
    // From here each forged line is judged against what the previous one
    // stores (one edit, one finding), so later forgeries are built on it.
    let key = l.mac_key().unwrap();
    let prev = |line: &str| line[line.len() - 66..line.len() - 2].to_owned();
    let build = |seq: u64, prev: &str, k: Option<&MacKey>| {
        crate::ledger::native::format::record::build_line_raw(
            "descriptors",
            seq,
            prev,
            "{\"n\":1}",
            k,
        )
        .unwrap()
        .0
    };
    let wrong_prev = build(2, &"0".repeat(64), Some(&key));
    assert_eq!(forged(&l, &mut watch, &wrong_prev), ["CHAIN_BREAK"]);
    let wrong_seq = build(7, &prev(&wrong_prev), Some(&key));
    assert_eq!(forged(&l, &mut watch, &wrong_seq), ["CHAIN_BREAK"]);
    // A MAC that is not the key's (the hash does not cover it).
    let good = build(8, &prev(&wrong_seq), Some(&key));
    // Past `,"mac":"` and the 8-hex key id and its colon.
    let at = good.find(",\"mac\":\"").unwrap() + 17;
    let flipped = if &good[at..=at] == "0" { "1" } else { "0" };
    let bad_mac = format!("{}{flipped}{}", &good[..at], &good[at + 1..]);
    assert_eq!(forged(&l, &mut watch, &bad_mac), ["MAC_MISMATCH"]);
    // No MAC at all on a keyed ledger.
    let bare = build(9, &prev(&bad_mac), None);
    assert_eq!(forged(&l, &mut watch, &bare), ["MAC_MISSING"]);
}

#[test]
fn a_repeated_descriptor_id_appended_by_another_program_is_a_violation_on_its_line() {
    let l = Ledger::new(false);
    l.writer(false)
        .append(Chain::Descriptors, &bodies(0, 2))
        .unwrap();
    let mut watch = l.watch(false);
    // Hashed and linked correctly, by a program that does not check ids
    // (the native writer refuses it).
    let text = fs::read_to_string(&l.paths().file).unwrap();
    let last = text.lines().last().unwrap();
    let prev = &last[last.len() - 66..last.len() - 2];
    let body = r#"{"descriptor_id":"d0","process_name":"Again"}"#;
    let (line, _) =
        crate::ledger::native::format::record::build_line_raw("descriptors", 2, prev, body, None)
            .unwrap();
    assert_eq!(
        forged(&l, &mut watch, &line),
        ["DUPLICATE_ID"],
        "nothing else is wrong with it"
    );
    // The same finding as a full verification, naming the first line.
    let v = crate::ledger::native::verify::verify_native(
        &l.dir,
        &crate::ledger::native::verify::NativeOptions::default(),
    );
    let f = v.files.iter().flat_map(|f| &f.findings).collect::<Vec<_>>();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!((f[0].kind.name(), f[0].line), ("DUPLICATE_ID", Some(3)));
    assert_eq!(f[0].found.as_deref(), Some("d0 (first at line 1)"));
    assert!(
        NativeWriter::open(&l.dir, None, None).is_err(),
        "no write on top"
    );
}

/// A ledger with two unsigned records, watched, then `line` appended to
/// its descriptor history: one violated entry with a finding of `kind`.
fn forged_entry(line: impl FnOnce(&Ledger) -> String, kind: &str) {
    let l = Ledger::new(false);
    l.writer(false)
        .append(Chain::Descriptors, &bodies(0, 2))
        .unwrap();
    let mut watch = l.watch(false);
    append_raw(&l.paths().history, &line(&l));
    let events = watch.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        ["record descriptors_checkpoints 2 Violated"],
        "{events:#?}"
    );
    let r = records(&events)[0];
    assert_eq!(r.findings[0].kind.name(), kind, "{r:#?}");
    assert_eq!(r.record_id.as_deref(), Some("2"));
    let n = &r.native.as_ref().unwrap().status;
    assert_eq!(
        (n.signed_size, n.unsigned_records),
        (Some(0), 2),
        "not signed"
    );
    // Said once; the latest file was not replaced, so nothing else.
    let again = watch.rescan(Instant::now());
    assert!(again.is_empty(), "{again:#?}");
}

#[test]
fn forged_checkpoint_entries_are_violations_on_their_history_line() {
    // Signed by a key the ledger does not trust.
    let thief = Signer::generate(ORIGIN).unwrap();
    forged_entry(
        |l| entry(&thief, 2, root_at(&l.paths().file, 2)),
        "SIGNATURE_INVALID",
    );
    // The ledger's own key, over a root the chain does not have.
    forged_entry(
        |l| entry(&read_signer(&l.key).unwrap(), 2, [7; 32]),
        "CHECKPOINT_MISMATCH",
    );
}

#[test]
fn an_entry_below_the_verified_size_without_its_root_is_verified_with_the_whole_ledger() {
    let l = Ledger::new(false);
    let mut watch = l.watch(false);
    l.writer(false)
        .append(Chain::Descriptors, &bodies(0, 3))
        .unwrap();
    assert_eq!(records(&watch.rescan(Instant::now())).len(), 3);
    // A genuine checkpoint at size 2, written after the watcher passed it.
    let signer = read_signer(&l.key).unwrap();
    append_raw(
        &l.paths().history,
        &entry(&signer, 2, root_at(&l.paths().file, 2)),
    );
    let events = watch.rescan(Instant::now());
    let why = reason(&events).expect("a full re-verification");
    assert!(why.contains("kept no Merkle root at that size"), "{why}");
    let Some(WatchEvent::Reverified(r)) = events.last() else {
        panic!("{events:#?}")
    };
    assert_ne!(r.status, LedgerStatus::Violated, "genuine: {r:#?}");
    let d = r.files.iter().find(|f| f.name == "descriptors").unwrap();
    assert_eq!(d.native.as_ref().unwrap().signed_size, Some(2));
}

#[test]
fn rotations_metadata_and_a_foreign_latest_file_are_verified_with_the_whole_ledger() {
    let l = Ledger::new(false);
    let mut watch = l.watch(false);
    // A rotation.
    let mut w = l.writer(true);
    w.rotate(Signer::generate(ORIGIN).unwrap()).unwrap();
    let events = watch.rescan(Instant::now());
    let why = reason(&events).unwrap();
    assert!(why.contains("key rotation"), "{why}");
    assert!(
        !records(&events)
            .iter()
            .any(|r| r.status == RecordStatus::Violated),
        "{events:#?}"
    );
    assert!(
        matches!(events.last(), Some(WatchEvent::Reverified(r)) if r.status == LedgerStatus::Clean)
    );
    // The metadata, even rewritten with the same bytes.
    let meta = l
        .dir
        .join(crate::ledger::native::format::meta::METADATA_FILE);
    let bytes = fs::read(&meta).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(&meta, &bytes).unwrap();
    let why = reason(&watch.rescan(Instant::now())).unwrap();
    assert!(why.contains("the metadata decides"), "{why}");
    // A latest file that is not the history's newest entry.
    fs::write(&l.paths().latest, "not a checkpoint\n").unwrap();
    let why = reason(&watch.rescan(Instant::now())).unwrap();
    assert!(why.contains("does not hold the newest entry"), "{why}");
}

#[test]
fn a_writer_appending_while_watched_never_gives_a_false_violation() {
    let l = Ledger::new(false);
    let mut watch = l.watch(false);
    let mut w = l.writer(true);
    let writer = std::thread::spawn(move || {
        for i in 0..40 {
            w.append(Chain::Descriptors, &bodies(i * 3, 3)).unwrap();
            if i % 2 == 0 {
                w.checkpoint(Chain::Descriptors).unwrap();
            }
            w.append(Chain::Pulses, &[format!(r#"{{"tai_ns":{i}}}"#)])
                .unwrap();
        }
    });
    let mut all = Vec::new();
    while !writer.is_finished() {
        all.extend(watch.rescan(Instant::now()));
    }
    writer.join().unwrap();
    all.extend(watch.rescan(Instant::now()));
    for e in &all {
        match e {
            WatchEvent::Record(r) => assert_ne!(r.status, RecordStatus::Violated, "{r:#?}"),
            WatchEvent::Alert(a) => panic!("no alert for appends: {a:#?}"),
            WatchEvent::Reverified(r) => assert_eq!(
                r.status,
                LedgerStatus::Clean,
                "{:?} {:#?}",
                reason(&all),
                crate::ledger::model::report::violations(&r.files)
            ),
            _ => {}
        }
    }
    // Every appended line was judged, live or by a re-verification.
    let live = records(&all)
        .iter()
        .filter(|r| r.file == "descriptors")
        .count();
    let full = all.iter().any(|e| matches!(e, WatchEvent::Reverified(_)));
    assert!(live == 120 || full, "{live} descriptors judged live");
    assert!(live > 0, "some lines judged live");
}
