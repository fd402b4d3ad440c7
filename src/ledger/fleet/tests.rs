//! The fleet file and locations.

use super::list::parse;
use super::{Entry, Location, PUBLISHED_NOT_IN_BUILD, watch};
use crate::ledger::watch::WatchOptions;
use std::path::{Path, PathBuf};

fn local(p: &str) -> Location {
    Location::Local(PathBuf::from(p))
}

#[test]
fn a_fleet_file_gives_locations_names_comments_and_quotes() {
    let text = "# services\n\n/srv/a  billing\n\"/srv/old ledger\"   archive 2025\nrel/ledger\nhttps://h.example/x/ hr\ns3://bucket/p\n   # indented comment\n";
    let got = parse("fleet.txt", text, Path::new("/etc/iss")).expect("a fleet");
    let want = vec![
        Entry {
            name: "billing".into(),
            location: local("/srv/a"),
        },
        Entry {
            name: "archive 2025".into(),
            location: local("/srv/old ledger"),
        },
        Entry {
            name: "rel/ledger".into(),
            location: local("/etc/iss/rel/ledger"),
        },
        Entry {
            name: "hr".into(),
            location: Location::Published("https://h.example/x/".into()),
        },
        Entry {
            name: "s3://bucket/p".into(),
            location: Location::Published("s3://bucket/p".into()),
        },
    ];
    assert_eq!(got, want);
}

#[test]
fn bad_lines_are_refused_with_file_line_and_what_was_expected() {
    let cases = [
        ("a\n\"b c\n", "fleet.txt:2: expected a closing `\"`"),
        (
            "a\nftp://x/y\n",
            "fleet.txt:2: expected a path, or an https://, http:// or s3:// location; found the scheme `ftp://`",
        ),
        (
            "a one\nb one\n",
            "fleet.txt:2: expected a name not used above, found `one` (also line 1)",
        ),
        (
            "# x\na\n\na two\n",
            "fleet.txt:4: expected each location once, found `a` again (line 2)",
        ),
        (
            "\"\" n\n",
            "fleet.txt:1: expected a location between the quotes, found nothing",
        ),
        (
            "\"a\"b\n",
            "fleet.txt:1: expected white space and a name after the quoted location, found `b`",
        ),
        (
            "a na\u{7}me\n",
            "fleet.txt:1: expected a name of printable characters, found '\\u{7}'",
        ),
        (
            "# only comments\n\n",
            "fleet.txt: expected at least one location",
        ),
    ];
    for (text, want) in cases {
        let e = parse("fleet.txt", text, Path::new(""))
            .expect_err(text)
            .to_string();
        assert!(e.starts_with(want), "{text:?}: {e}");
    }
}

#[test]
fn reading_a_missing_or_binary_fleet_file_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let missing = tmp.path().join("none.txt");
    let e = super::list::read(&missing)
        .expect_err("missing")
        .to_string();
    assert!(e.contains("none.txt: cannot read the fleet file"), "{e}");
    let bin = tmp.path().join("bin.txt");
    std::fs::write(&bin, b"a\n\xff\n").expect("write");
    let e = super::list::read(&bin).expect_err("binary").to_string();
    assert!(
        e.ends_with("bin.txt: expected UTF-8 text, found a byte that is not at offset 2"),
        "{e}"
    );
}

#[test]
fn a_directory_of_tiles_is_a_published_location_and_a_ledger_is_not() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tiles = tmp.path().join("pub");
    std::fs::create_dir_all(tiles.join("descriptors/tile/0")).expect("mkdir");
    std::fs::write(tiles.join("descriptors/checkpoint"), "x\n").expect("write");
    let ledger = tmp.path().join("ledger");
    std::fs::create_dir_all(ledger.join("descriptors/tile")).expect("mkdir");
    std::fs::write(ledger.join("descriptors/checkpoint"), "x\n").expect("write");
    std::fs::write(ledger.join("descriptors.jsonl"), "").expect("write");
    assert_eq!(
        Location::parse("pub", tmp.path()),
        Ok(Location::Published(tiles.display().to_string()))
    );
    assert_eq!(
        Location::parse("ledger", tmp.path()),
        Ok(Location::Local(ledger))
    );
}

#[test]
fn watching_a_published_entry_is_refused_on_its_own_and_a_local_one_runs() {
    let options = WatchOptions::default();
    let e = watch(
        &Location::Published("https://h/x".into()),
        options.clone(),
        |_| true,
        None,
    )
    .expect_err("no published watcher given");
    assert_eq!(e, PUBLISHED_NOT_IN_BUILD);
    let (tx, rx) = std::sync::mpsc::channel();
    let _h = watch(
        &local("/nonexistent/iss-fleet-test"),
        options,
        move |ev| tx.send(ev.text()).is_ok(),
        None,
    )
    .expect("a local entry is watched");
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("an event");
    assert!(first.starts_with("watch error: cannot watch:"), "{first}");
}

#[test]
fn a_published_entry_goes_to_the_watcher_given_from_above_and_a_local_one_does_not() {
    use crate::ledger::watch::WatchEvent;
    use crate::ledger::watch::thread::WatchHandle;
    use std::sync::{Arc, Mutex, atomic::AtomicBool};
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&asked);
    let published = move |at: &str, _: WatchOptions, mut send: super::Sink| {
        seen.lock().unwrap().push(at.to_owned());
        send(WatchEvent::Error(format!("from above: {at}")));
        Ok(WatchHandle::new(Arc::new(AtomicBool::new(false))))
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let _h = watch(
        &Location::Published("s3://b/p".into()),
        WatchOptions::default(),
        move |ev| tx.send(ev.text()).is_ok(),
        Some(&published),
    )
    .expect("watched by the given watcher");
    assert_eq!(rx.recv().unwrap(), "watch error: from above: s3://b/p");
    let _l = watch(
        &local("/nonexistent/iss-fleet-test-2"),
        WatchOptions::default(),
        |_| true,
        Some(&published),
    )
    .expect("local");
    assert_eq!(*asked.lock().unwrap(), ["s3://b/p"]);
}
