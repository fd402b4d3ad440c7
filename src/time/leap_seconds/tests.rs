use super::*;
use std::fmt::Write as _;
use std::fs;

/// 2017-01-01T00:00:00Z, the last leap second's end.
const UNIX_2017: i64 = 1_483_228_800;

/// A small list with a genuine hash over `(ntp, dat)` entries; the SHA-1 is
/// computed here from the format's rule, independently of the parser.
fn list_text(updated_ntp: i64, expires_ntp: i64, entries: &[(i64, i32)]) -> String {
    let mut digits = format!("{updated_ntp}{expires_ntp}");
    let mut body = String::new();
    for (ntp, dat) in entries {
        write!(digits, "{ntp}{dat}").expect("string");
        writeln!(body, "{ntp}\t{dat}\t# comment").expect("string");
    }
    let h = hex::encode(Sha1::digest(digits.as_bytes()));
    let words: Vec<&str> = (0..5).map(|i| &h[i * 8..i * 8 + 8]).collect();
    format!(
        "#\tcomment\n#$\t {updated_ntp}\n#@\t{expires_ntp}\n#\n{body}#h\t{}\n",
        words.join(" ")
    )
}

#[test]
fn embedded_list_is_current_and_hash_checked() {
    let list = LeapSecondList::embedded().expect("the shipped list parses");
    assert_eq!(list.source, EMBEDDED_SOURCE);
    assert_eq!(list.entries.len(), 28, "10 s in 1972 plus 27 leap seconds");
    assert_eq!(
        list.entries[0],
        LeapEntry {
            unix: 63_072_000,
            delta_at: 10
        }
    );
    assert_eq!(
        list.last_entry(),
        LeapEntry {
            unix: UNIX_2017,
            delta_at: 37
        }
    );
    assert_eq!(date_of_unix(list.last_entry().unix), "2017-01-01");
    assert_eq!(date_of_unix(list.expires_unix), "2027-06-28");
    assert_eq!(date_of_unix(list.updated_unix), "2026-07-06");
    assert_eq!(list.sha1_hex(), "a9bad14584c31c70758402aab37bfd545923836a");
}

#[test]
fn lookup_steps_at_utc_midnight_and_knows_its_expiry() {
    let list = LeapSecondList::embedded().expect("parses");
    let at = |u| list.lookup(u).map(|l| (l.delta_at, l.known));
    assert_eq!(at(UNIX_2017 - 1), Some((36, true)));
    assert_eq!(at(UNIX_2017), Some((37, true)));
    // J2000: ΔAT was 32 s.
    assert_eq!(at(946_728_000), Some((32, true)));
    // Before 1972 UTC had no whole-second ΔAT.
    assert_eq!(at(63_072_000 - 1), None);
    // The last second before the expiry is known, the expiry itself is not.
    assert_eq!(at(list.expires_unix - 1), Some((37, true)));
    assert_eq!(at(list.expires_unix), Some((37, false)));
    assert!(!list.expired_at(list.expires_unix - 1));
    assert!(list.expired_at(list.expires_unix));
}

#[test]
fn a_synthetic_list_round_trips() {
    let text = list_text(
        3_900_000_000,
        3_913_000_000,
        &[(2_272_060_800, 10), (3_692_217_600, 37)],
    );
    let list = LeapSecondList::parse(&text, "t").expect("parses");
    assert_eq!(list.updated_unix, 3_900_000_000 - NTP_TO_UNIX_S);
    assert_eq!(list.expires_unix, 3_913_000_000 - NTP_TO_UNIX_S);
    assert_eq!(list.entries.len(), 2);
}

#[test]
fn an_expired_list_says_so() {
    // Expired 2026-06-28, like the system list of this project's machines.
    let text = list_text(3_960_000_000, 3_991_593_600, &[(3_692_217_600, 37)]);
    let list = LeapSecondList::parse(&text, "old").expect("parses");
    assert_eq!(date_of_unix(list.expires_unix), "2026-06-28");
    let november_2026 = 1_795_000_000;
    assert!(list.expired_at(november_2026));
    assert_eq!(
        list.lookup(november_2026),
        Some(LeapLookup {
            delta_at: 37,
            known: false
        })
    );
}

#[test]
fn the_system_list_checks_too_when_present() {
    let path = Path::new("/usr/share/zoneinfo/leap-seconds.list");
    if !path.exists() {
        println!("skipped: {} not on this machine", path.display());
        return;
    }
    // A second real file, with another hash, validates the hash rule.
    let list = LeapSecondList::from_path(path).expect("the system list verifies");
    assert_eq!(list.last_entry().delta_at, 37);
    assert!(list.expires_unix > UNIX_2017);
}

#[test]
fn a_corrupted_hash_line_is_refused_with_its_line() {
    let text = list_text(3_900_000_000, 3_913_000_000, &[(3_692_217_600, 37)]);
    let hash_line = text.lines().position(|l| l.starts_with("#h")).expect("#h") + 1;
    // Flip one hex digit of the stated hash.
    let words_at = text.find("#h\t").expect("#h") + 3;
    let mut bytes = text.clone().into_bytes();
    bytes[words_at] = if bytes[words_at] == b'0' { b'1' } else { b'0' };
    let bad = String::from_utf8(bytes).expect("ascii");
    match LeapSecondList::parse(&bad, "bad") {
        Err(LeapListError::HashMismatch {
            line,
            expected,
            found,
            ..
        }) => {
            assert_eq!(line, hash_line);
            assert_ne!(expected, found);
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    // A #h line that is not five hex words is a located format error.
    let garbled = text.replace("#h\t", "#h\tzz ");
    assert!(matches!(
        LeapSecondList::parse(&garbled, "g"),
        Err(LeapListError::BadLine { line, .. }) if line == hash_line
    ));
}

#[test]
fn edited_data_or_expiry_breaks_the_hash() {
    let embedded = EMBEDDED_TEXT;
    // Claim a leap second that never happened: ΔAT 38 in 2017.
    let forged = embedded.replace("3692217600      37", "3692217600      38");
    assert_ne!(forged, embedded);
    assert!(matches!(
        LeapSecondList::parse(&forged, "f"),
        Err(LeapListError::HashMismatch { .. })
    ));
    // Extend the expiry by hand.
    let extended = embedded.replace("#@\t4023129600", "#@\t4054665600");
    assert_ne!(extended, embedded);
    assert!(matches!(
        LeapSecondList::parse(&extended, "e"),
        Err(LeapListError::HashMismatch { .. })
    ));
}

#[test]
fn malformed_lists_get_located_errors() {
    let good = list_text(
        3_900_000_000,
        3_913_000_000,
        &[(2_272_060_800, 10), (3_692_217_600, 37)],
    );
    let no_expiry: String = good
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("#@"))
        .collect();
    assert!(matches!(
        LeapSecondList::parse(&no_expiry, "x"),
        Err(LeapListError::Missing { what, .. }) if what.contains("expiry")
    ));
    let bad_data = good.replace("3692217600\t37", "3692217600\tthirty-seven");
    let line = good
        .lines()
        .position(|l| l.starts_with("3692217600"))
        .expect("line")
        + 1;
    let err = LeapSecondList::parse(&bad_data, "x").expect_err("refused");
    assert!(matches!(err, LeapListError::BadLine { line: l, .. } if l == line));
    assert!(err.to_string().starts_with(&format!("x:{line}: expected")));
    let reordered = good
        .replace("2272060800\t10", "TMP")
        .replace("3692217600\t37", "2272060800\t10")
        .replace("TMP", "3692217600\t37");
    assert!(matches!(
        LeapSecondList::parse(&reordered, "x"),
        Err(LeapListError::NotIncreasing { .. })
    ));
    assert!(matches!(
        LeapSecondList::parse("", "x"),
        Err(LeapListError::Missing { .. })
    ));
    assert!(matches!(
        LeapSecondList::from_path(Path::new("/nonexistent/leap-seconds.list")),
        Err(LeapListError::Unreadable { .. })
    ));
}

#[test]
fn the_list_valid_longest_wins_and_a_damaged_one_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let embedded = LeapSecondList::embedded().expect("parses");
    // A newer list (expiry one year after the shipped one).
    let newer = dir.path().join("newer.list");
    let later_ntp = embedded.expires_unix + NTP_TO_UNIX_S + 365 * 86_400;
    fs::write(
        &newer,
        list_text(later_ntp - 86_400, later_ntp, &[(3_692_217_600, 37)]),
    )
    .expect("write");
    let best = LeapSecondList::best_of(&newer).expect("best");
    assert_eq!(best.expires_unix, later_ntp - NTP_TO_UNIX_S);
    assert_eq!(best.source, newer.display().to_string());
    // An older list, a damaged one and a missing one leave the embedded list.
    let older = dir.path().join("older.list");
    fs::write(
        &older,
        list_text(3_960_000_000, 3_991_593_600, &[(3_692_217_600, 37)]),
    )
    .expect("write");
    let damaged = dir.path().join("damaged.list");
    let mut text = list_text(later_ntp - 86_400, later_ntp, &[(3_692_217_600, 37)]);
    text = text.replace("\t37\t", "\t38\t");
    fs::write(&damaged, text).expect("write");
    for p in [older, damaged, dir.path().join("missing")] {
        assert_eq!(
            &LeapSecondList::best_of(&p).expect("best"),
            embedded,
            "{}",
            p.display()
        );
    }
}
