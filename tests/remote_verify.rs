//! `iss verify LOCATION` on a published ledger (`docs/REMOTE.md`): a local
//! directory of tiles, and the same directory served by a real static web
//! server (`python3 -m http.server` on 127.0.0.1, a free port). A clean
//! publication verifies as the ledger does; tampered tiles, bundles and
//! checkpoints give precise findings; `--vkey` pins the key as for a local
//! ledger.

mod common;
mod publish;

use common::http::{serve, serve_counting};
use publish::{Ledger, findings, iss, report, summary};
use serde_json::Value;

/// A published 1,000-record ledger (batches of 300: partial tiles at the
/// right edge, several checkpoints in the history).
fn published() -> (Ledger, std::path::PathBuf) {
    let l = Ledger::new(1_000, 300);
    let out = l.tmp.path().join("site");
    l.publish_to(&out);
    (l, out)
}

/// `iss verify --json ARG`: exit code and report.
fn verify(arg: &str, extra: &[&str]) -> (i32, Value) {
    report(
        iss()
            .env("ISS_NO_STATE", "1")
            .args(["verify", "--json"])
            .args(extra)
            .arg(arg),
        arg,
    )
}

#[test]
fn a_published_directory_verifies_as_the_ledger_does() {
    let (l, site) = published();
    let (code, local) = verify(l.dir.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{local}");
    let (code, remote) = verify(site.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{remote:#}");
    assert_eq!(remote["status"], "clean");
    assert_eq!(remote["format"], local["format"]);
    assert_eq!(remote["ledger"], site.to_str().unwrap());
    // The same files, records and chain status as the local verification.
    assert_eq!(summary(&remote), summary(&local));
    let descriptors = remote["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "descriptors")
        .unwrap();
    assert_eq!(descriptors["records"], 1_000);
    assert_eq!(
        descriptors["path"],
        format!("{}/descriptors/tile/entries", site.display())
    );
}

#[test]
fn over_http_with_a_pinned_key_and_with_another_key() {
    let (l, site) = published();
    let Some(http) = serve(&site) else {
        return;
    };
    let vkey = iss()
        .args(["key", "verifier"])
        .arg(&l.key)
        .output()
        .unwrap();
    assert!(vkey.status.success(), "{vkey:?}");
    let vkey = String::from_utf8(vkey.stdout).unwrap();
    let (code, report) = verify(&format!("{}/", http.url), &["--vkey", vkey.trim()]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ledger"], http.url);

    let other = tempfile::tempdir().unwrap();
    let st = iss()
        .args(["init", "--origin", "iss.test/other"])
        .arg(other.path().join("l"))
        .output()
        .unwrap();
    assert!(st.status.success());
    let other_key = iss()
        .args(["key", "verifier"])
        .arg(other.path().join("l.key"))
        .output()
        .unwrap();
    let other_key = String::from_utf8(other_key.stdout).unwrap();
    let (code, report) = verify(&http.url, &["--vkey", other_key.trim()]);
    assert_eq!(code, 1);
    assert!(
        findings(&report)
            .iter()
            .any(|(_, k, _, _)| k == "SIGNATURE_UNTRUSTED"),
        "{report:#}"
    );
}

#[test]
fn a_tampered_hash_tile_is_a_tile_mismatch_naming_the_tile_and_the_hash() {
    let (_l, site) = published();
    let tile = site.join("descriptors/tile/0/001");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[5 * 32] ^= 1;
    std::fs::write(&tile, &bytes).unwrap();
    let Some(http) = serve(&site) else {
        return;
    };
    let (code, report) = verify(&http.url, &[]);
    assert_eq!(code, 1);
    let f = findings(&report);
    let tm: Vec<_> = f
        .iter()
        .filter(|(_, k, _, _)| k == "TILE_MISMATCH")
        .collect();
    assert_eq!(tm.len(), 1, "{report:#}");
    let x = &tm[0].3;
    assert!(
        x["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/descriptors/tile/0/001:", http.url)),
        "{x}"
    );
    assert!(x["expected"].as_str().unwrap().starts_with("hash 5: "));
    assert!(x["found"].as_str().unwrap().starts_with("hash 5: "));
    // The entries are intact: no other finding.
    assert_eq!(f.len(), 1, "{report:#}");
}

#[test]
fn a_tampered_entry_is_reported_at_its_line_as_for_a_local_ledger() {
    let (_l, site) = published();
    // Entry 300 (line 301) is in bundle 1; change one byte of its content.
    let path = site.join("descriptors/tile/entries/001");
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = b"ENG.";
    let mut at = 0;
    let mut seen = 0;
    // Skip the first 44 entries of bundle 1 (256..299): entry 300.
    while seen < 44 {
        let len = usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
        at += 2 + len;
        seen += 1;
    }
    let len = usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
    let entry = &bytes[at + 2..at + 2 + len];
    let i = entry.windows(4).position(|w| w == needle).unwrap();
    bytes[at + 2 + i] = b'X';
    std::fs::write(&path, &bytes).unwrap();
    let (code, report) = verify(site.to_str().unwrap(), &[]);
    assert_eq!(code, 1);
    let f = findings(&report);
    assert!(
        f.iter().any(|(p, k, line, _)| k == "HASH_MISMATCH"
            && *line == Some(301)
            && p.ends_with("/descriptors/tile/entries")),
        "{report:#}"
    );
    // The published tiles were made from the real entry: they disagree.
    assert!(
        f.iter().any(|(_, k, _, _)| k == "TILE_MISMATCH"),
        "{report:#}"
    );
}

#[test]
fn a_missing_bundle_and_a_forged_checkpoint_are_findings() {
    let (_l, site) = published();
    std::fs::remove_file(site.join("descriptors/tile/entries/002")).unwrap();
    let (code, report) = verify(site.to_str().unwrap(), &[]);
    assert_eq!(code, 1);
    assert!(
        findings(&report)
            .iter()
            .any(|(_, k, line, x)| k == "MISSING_FILE"
                && *line == Some(513)
                && x["detail"]
                    .as_str()
                    .unwrap()
                    .contains("descriptors/tile/entries/002")),
        "{report:#}"
    );

    let (_l, site) = published();
    let cp = site.join("descriptors/checkpoint");
    let text = std::fs::read_to_string(&cp).unwrap();
    let forged = text.replacen("\n1000\n", "\n999\n", 1);
    assert_ne!(forged, text);
    std::fs::write(&cp, forged).unwrap();
    let (code, report) = verify(site.to_str().unwrap(), &[]);
    assert_eq!(code, 1);
    // Its signature no longer verifies, and it is not the history's last
    // entry: named by its published key.
    let cp_key = format!("{}/descriptors/checkpoint ", site.display());
    assert!(
        findings(&report)
            .iter()
            .any(|(_, k, _, x)| k == "CHECKPOINT_MISMATCH"
                && x["detail"].as_str().unwrap().starts_with(&cp_key)),
        "{report:#}"
    );
}

#[test]
fn a_directory_that_is_no_publication_is_an_error_not_a_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let out = iss()
        .args(["verify", "http://127.0.0.1:9/nothing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("http://127.0.0.1:9/nothing"),
        "{out:?}"
    );
    drop(tmp);
}

#[test]
fn a_bundle_that_cannot_be_read_mid_log_is_an_error_not_a_verdict() {
    // The copy is verified while it is fetched: a read that fails half-way
    // (here a directory where bundle 8 of 16 should be: EISDIR) must end
    // the command with the failed read, never with a verdict on the half
    // that arrived.
    let l = Ledger::new(4_000, 1_000);
    let site = l.tmp.path().join("site");
    l.publish_to(&site);
    let bundle = site.join("descriptors/tile/entries/008");
    std::fs::remove_file(&bundle).unwrap();
    std::fs::create_dir(&bundle).unwrap();
    for json in [true, false] {
        let out = iss()
            .arg("verify")
            .args(json.then_some("--json"))
            .arg(&site)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(out.stdout.is_empty(), "no report: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("descriptors/tile/entries/008"),
            "names the object that could not be read: {stderr}"
        );
    }
}

#[test]
fn over_http_at_most_six_requests_are_open_at_once_and_connections_are_kept_alive() {
    // 16 bundles per chain: the old client asked for 16 bundles and their
    // 16 tiles at once, which overflowed `python3 -m http.server`'s listen
    // backlog of 5; each dropped connection then waited for the kernel's
    // 1 s SYN retransmit (98 ms per GET on average at 100,000 records).
    let l = Ledger::new(4_000, 1_000);
    let site = l.tmp.path().join("site");
    l.publish_to(&site);

    // HTTP/1.0: one connection per request.
    let Some(http) = serve_counting(&site, "HTTP/1.0") else {
        return;
    };
    let (code, report) = verify(&http.url, &[]);
    assert_eq!(code, 0, "{report:#}");
    let s = http.stats();
    assert!(s.requests >= 32, "{s:?}");
    assert!(s.max_open <= 6, "at most 6 requests at once: {s:?}");

    // HTTP/1.1: the connections are kept alive and reused.
    let Some(http) = serve_counting(&site, "HTTP/1.1") else {
        return;
    };
    let (code, report) = verify(&http.url, &[]);
    assert_eq!(code, 0, "{report:#}");
    let s = http.stats();
    assert!(s.requests >= 32, "{s:?}");
    assert!(
        s.connections <= 8 && s.max_open <= 8,
        "connections reused, at most 6 busy: {s:?}"
    );
}
