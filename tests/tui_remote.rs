//! `iss tui LOCATION` in a real terminal (tmux) on a published ledger
//! served by a real, slowed static web server (Python's handler, each GET
//! held 0.1 s, counting the requests): the first records show while most
//! of the log is still to be fetched (the status bar says "partial"), the
//! verdict then is `iss verify LOCATION`'s; a second open reads tiles and
//! bundles from the disk cache (only the checkpoints and metadata are
//! fetched again); a tampered cached tile is not trusted (the cache is
//! thrown away, everything fetched again, the verdict still clean). While
//! open, the location is followed live: records the publisher publishes
//! show up, and a checkpoint rolled back is an alert and the verdict. A
//! location is read-only: `--write` is refused before the terminal is taken.

mod common;
mod publish;

use common::http::{Http, serve, serve_counting_slowly};
use common::tmux;
use publish::{Ledger, iss};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Records published: 40 entry bundles of descriptors (and their tiles).
const RECORDS: u64 = 10_000;

struct Site {
    _ledger: Ledger,
    published: PathBuf,
    /// `XDG_CACHE_HOME` and `TMPDIR` of the workstation.
    cache: PathBuf,
    tmp: PathBuf,
    http: Http,
}

fn site() -> Option<Site> {
    let l = Ledger::new(RECORDS, RECORDS);
    let site = l.tmp.path().join("site");
    assert!(
        iss()
            .arg("publish")
            .arg(&l.dir)
            .arg(&site)
            .status()
            .unwrap()
            .success()
    );
    let http = serve_counting_slowly(&site, "HTTP/1.1", 0.1)?;
    let (cache, tmp) = (l.tmp.path().join("cache"), l.tmp.path().join("tmp"));
    std::fs::create_dir_all(&tmp).unwrap();
    Some(Site {
        _ledger: l,
        published: site,
        cache,
        tmp,
        http,
    })
}

impl Site {
    fn open(&self, name: &str) -> tmux::Session {
        let command = format!(
            "{} tui {}/",
            common::iss_shell(&[(common::CACHE_ENV, &self.cache), ("TMPDIR", &self.tmp)]),
            self.http.url
        );
        tmux::Session::start_command(name, &command)
    }

    /// Wait for the verdict, quit, and say how many GETs the server
    /// answered in all so far.
    fn clean_then_quit(&self, s: &tmux::Session) -> u64 {
        let screen = tmux::wait_until(&s.0, "the clean verdict", Duration::from_secs(60), |t| {
            t.contains("CLEAN: 0 violations")
        });
        assert!(screen.contains("descriptors 1/10000"), "{screen}");
        tmux::send(&s.0, "q");
        tmux::wait_until_quit(&s.0);
        // The private copy went with the workstation.
        assert_eq!(copies(&self.tmp), Vec::<PathBuf>::new());
        self.http.stats().requests
    }
}

fn copies(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[test]
fn the_first_records_show_before_the_log_is_fetched_and_the_cache_serves_the_next_open() {
    if !tmux::available() {
        return;
    }
    let Some(site) = site() else {
        return;
    };
    let s = site.open("remote-lazy");
    // The first page of descriptors, the view marked partial.
    let first = tmux::wait_until(&s.0, "the first records", tmux::WAIT, |t| {
        t.contains("ENG.0 ") && t.contains("ENG.9 ")
    });
    let at_first = site.http.stats().requests;
    let all = site.clean_then_quit(&s);
    assert!(first.contains("partial, fetching…"), "{first}");
    assert!(first.contains("verifying…"), "{first}");
    // 40 bundles and 40 level-0 tiles of descriptors alone: the first
    // screen came after a small part of them.
    assert!(all >= 80, "{all} GETs in all");
    assert!(
        at_first * 3 < all,
        "{at_first} GETs before the first screen, of {all}"
    );

    // Again: tiles and bundles from the cache, the rest fetched.
    let s = site.open("remote-cached");
    let again = site.clean_then_quit(&s) - all;
    assert!(
        again <= 10,
        "{again} GETs with the cache (metadata, checkpoints, histories)"
    );

    // A cached tile changed: not trusted. The cache is thrown away, the
    // location fetched again, and the verdict is the location's.
    let objects = std::fs::read_dir(site.cache.join("iss/remote"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("objects");
    let tile = objects.join("descriptors/tile/0/000");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&tile, &bytes).unwrap();
    let before = site.http.stats().requests;
    let s = site.open("remote-tampered");
    tmux::wait_for(&s.0, "cache thrown away");
    let refetched = site.clean_then_quit(&s) - before;
    assert!(
        refetched >= 80,
        "{refetched} GETs after the cache was thrown away"
    );
    // Refilled with the published bytes.
    assert_ne!(std::fs::read(&tile).unwrap(), bytes);
    assert_eq!(
        std::fs::read(&tile).unwrap(),
        std::fs::read(site.published.join("descriptors/tile/0/000")).unwrap()
    );
}

#[test]
fn a_tampered_publication_shows_the_verdict_of_iss_verify() {
    if !tmux::available() {
        return;
    }
    let Some(site) = site() else {
        return;
    };
    // A published bundle changed: TILE_MISMATCH for `iss verify`, and the
    // same verdict on the workstation (fetched twice: the first pass read
    // nothing from the cache, so nothing is thrown away).
    let bundle = site.published.join("descriptors/tile/entries/001");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&bundle, &bytes).unwrap();
    let out = iss()
        .env("ISS_NO_STATE", "1")
        .args(["verify", "--json"])
        .arg(format!("{}/", site.http.url))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let violations = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .filter(|f| f["severity"] == "violation")
        .count();
    assert!(violations > 0, "{report:#}");
    let s = site.open("remote-violated");
    let screen = tmux::wait_until(&s.0, "the verdict", Duration::from_secs(60), |t| {
        t.contains("VIOLATED")
    });
    assert!(
        screen.contains(&format!("VIOLATED: {violations} violation")),
        "{violations} violations for iss verify; screen:\n{screen}"
    );
    assert!(!screen.contains("cache thrown away"), "{screen}");
}

#[test]
fn an_open_location_shows_what_is_published_next_and_alerts_on_a_rollback() {
    if !tmux::available() {
        return;
    }
    let mut l = Ledger::new(600, 300);
    let site = l.tmp.path().join("site");
    let publish = |l: &Ledger| {
        let out = iss()
            .arg("publish")
            .arg(&l.dir)
            .arg(&site)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    publish(&l);
    let old_note = std::fs::read(site.join("descriptors/checkpoint")).unwrap();
    let Some(http) = serve(&site) else {
        return;
    };
    let (cache, tmp) = (l.tmp.path().join("cache"), l.tmp.path().join("tmp"));
    std::fs::create_dir_all(&tmp).unwrap();
    let command = format!(
        "{} tui {}/",
        common::iss_shell(&[(common::CACHE_ENV, &cache), ("TMPDIR", &tmp)]),
        http.url
    );
    let s = tmux::Session::start_command("remote-live", &command);
    // The verdict, then the live view of the copy's follower.
    tmux::wait_until(&s.0, "the live verdict", Duration::from_secs(60), |t| {
        t.contains("CLEAN: 0 violations") && t.contains("descriptors 1/600") && t.contains("LIVE")
    });
    // On the last row, the view follows the end.
    tmux::send(&s.0, "G");
    tmux::wait_for(&s.0, "descriptors 600/600");

    // The publisher publishes 300 more: fetched at the next poll, each
    // record verified and shown; the verdict stays clean.
    l.append(300);
    publish(&l);
    let grown = tmux::wait_until(&s.0, "the new records", Duration::from_secs(60), |t| {
        t.contains("descriptors 900/900") && t.contains("ENG.899 ")
    });
    assert!(grown.contains("CLEAN: 0 violations"), "{grown}");
    assert!(!grown.contains("ALERT"), "{grown}");

    // The older, validly signed checkpoint published again (replaced whole,
    // as a publisher replaces it): a rollback, said and in the verdict.
    let cp = site.join("descriptors/checkpoint");
    std::fs::write(site.join("rollback.tmp"), &old_note).unwrap();
    std::fs::rename(site.join("rollback.tmp"), &cp).unwrap();
    let alert = tmux::wait_until(&s.0, "the rollback alert", Duration::from_secs(60), |t| {
        t.contains("ALERT") && t.contains("VIOLATED")
    });
    assert!(
        alert.contains("rolled back: the published checkpoint went back from 900 to 600"),
        "{alert}"
    );
    tmux::send(&s.0, "q");
    tmux::wait_until_quit(&s.0);
    assert_eq!(copies(&tmp), Vec::<PathBuf>::new());
}

#[test]
fn write_on_a_location_is_refused_before_the_terminal() {
    let out = iss()
        .args(["tui", "--write", "http://127.0.0.1:9/ledger/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--write") && err.contains("read-only"),
        "{err}"
    );
}
