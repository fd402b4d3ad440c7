//! `v` opens the selected record in `$PAGER`: the key hands the record's
//! text to the event loop, and [`pager::show`] gives a real pager a
//! read-only temporary copy that is gone once the pager exits. The tmux
//! test (`tests/tui_tmux_pager.rs`) covers the terminal hand-over.

use super::harness::Harness;
use crate::tui::event_loop::pager_finished;
use crate::tui::pager::{self, PagerJob};
use insta::assert_snapshot;
use std::ffi::OsStr;
use std::path::Path;

/// A pager that copies the file it is given (its last argument), its mode,
/// its path and its arguments into `dir`, and exits.
fn copying_pager(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let script = dir.join("pager.sh");
    let out = dir.display();
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor f; do :; done\ncp \"$f\" '{out}/copy'\nstat -c %a \"$f\" > '{out}/mode'\nprintf %s \"$f\" > '{out}/path'\nprintf '%s ' \"$@\" > '{out}/args'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// Line `n` (1-based) of the tampered harness's descriptor chain.
fn stored_line(t: &Harness, n: usize) -> String {
    let chain = t.app.ledger.join("data/spice_layer/spice_chain.jsonl");
    std::fs::read_to_string(chain)
        .unwrap()
        .lines()
        .nth(n - 1)
        .unwrap()
        .to_owned()
}

fn job_after(t: &mut Harness, keys: &str) -> PagerJob {
    t.keys(keys);
    t.app.outbox.pager.take().expect("v asks for the pager")
}

#[test]
fn v_gives_the_pager_the_stored_line_pretty_printed_and_the_record_view() {
    let mut t = Harness::tampered(80, 24);
    let job = job_after(&mut t, ":10<enter>v");
    assert_eq!(job.name, "spice_chain-line-10.txt");
    let line = stored_line(&t, 10);
    assert!(job.text.contains(&pager::pretty(&line)), "{}", job.text);
    // Every member, in stored order, with its value's bytes.
    let members = crate::tui::stored_fields::members(&line).unwrap();
    let mut at = 0;
    for (name, value) in &members {
        if value.get().starts_with(['[', '{']) {
            continue; // nested values are indented too
        }
        let want = format!("\"{name}\": {}", value.get());
        let found = job.text[at..]
            .find(&want)
            .unwrap_or_else(|| panic!("{want} in order"));
        at += found;
    }
    // The record view's text: the finding, and the fields the hash covers.
    assert!(job.text.contains("HASH_MISMATCH"), "{}", job.text);
    assert!(job.text.contains("# process_name"), "{}", job.text);
    // The detail open: `v` shows the same record.
    let mut d = Harness::tampered(80, 24);
    let from_detail = job_after(&mut d, ":10<enter><enter>v");
    assert_eq!(from_detail.name, job.name);
}

#[test]
fn the_pager_reads_a_read_only_copy_that_is_removed_after() {
    let mut t = Harness::tampered(80, 24);
    let job = job_after(&mut t, ":10<enter>v");
    let dir = tempfile::tempdir().unwrap();
    let script = copying_pager(dir.path());
    pager::show(&job, Some(script.as_os_str())).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("copy")).unwrap(),
        job.text
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mode"))
            .unwrap()
            .trim(),
        "400"
    );
    let copy = std::path::PathBuf::from(std::fs::read_to_string(dir.path().join("path")).unwrap());
    assert!(
        copy.ends_with("spice_chain-line-10.txt"),
        "{}",
        copy.display()
    );
    assert!(!copy.exists(), "the copy is removed");
    assert!(!copy.parent().unwrap().exists(), "and its folder");
    // Arguments in PAGER are passed before the file.
    let with_args = format!("{} -R", script.display());
    pager::show(&job, Some(OsStr::new(&with_args))).unwrap();
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert!(args.starts_with("-R /"), "{args}");
}

#[test]
fn a_missing_or_failing_pager_is_said_and_the_copy_still_removed() {
    let mut t = Harness::tampered(80, 24);
    let job = job_after(&mut t, ":10<enter>v");
    let e = pager::show(&job, Some(OsStr::new("/nonexistent/pager -R"))).unwrap_err();
    assert!(e.contains("\"/nonexistent/pager -R\" not found"), "{e}");
    assert!(e.contains("set PAGER"), "{e}");
    // A pager that fails: said, with its status, and its copy is gone.
    let dir = tempfile::tempdir().unwrap();
    let script = copying_pager(dir.path());
    let failing = dir.path().join("failing.sh");
    std::fs::write(
        &failing,
        format!("#!/bin/sh\n'{}' \"$1\"\nexit 3\n", script.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &failing,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let e = pager::show(&job, Some(failing.as_os_str())).unwrap_err();
    assert!(e.contains("failed") && e.contains('3'), "{e}");
    let copy = std::fs::read_to_string(dir.path().join("path")).unwrap();
    assert!(!Path::new(&copy).exists(), "the copy is removed: {copy}");
}

#[test]
fn the_message_after_the_pager_at_both_sizes() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut t = Harness::tampered(w, h);
        let job = job_after(&mut t, ":10<enter>v");
        let dir = tempfile::tempdir().unwrap();
        let script = copying_pager(dir.path());
        pager_finished(&mut t.app, pager::show(&job, Some(script.as_os_str())));
        let screen = t.screen();
        assert!(screen.contains("pager closed"), "{screen}");
        assert_snapshot!(format!("pager_closed_{w}x{h}"), screen);
        pager_finished(
            &mut t.app,
            pager::show(&job, Some(OsStr::new("no-such-pager"))),
        );
        let screen = t.screen();
        assert!(screen.contains("\"no-such-pager\" not found"), "{screen}");
        assert_snapshot!(format!("pager_missing_{w}x{h}"), screen);
    }
}
