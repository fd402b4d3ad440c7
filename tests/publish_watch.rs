//! `iss publish --watch`: a checkpoint the writer issues is published
//! without a new command. The interval is set to an hour, so only the
//! file-system notification can wake the publisher within the test's
//! deadline (the interval bound itself is tested in `publish::watch`);
//! SIGTERM ends it with exit 0.

mod common;
mod publish;

use publish::{Ledger, check_with_tlog_tiles, iss, published_size, wait_until};
use std::process::Stdio;
use std::time::Duration;

#[test]
fn a_new_checkpoint_is_published_on_notification_and_sigterm_ends_the_watch() {
    let mut ledger = Ledger::new(100, 100);
    let dest = ledger.tmp.path().join("published");
    let child = iss()
        .arg("publish")
        .arg("--watch")
        .arg("--interval")
        .arg("3600")
        .arg(&ledger.dir)
        .arg(&dest)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_until(Duration::from_secs(120), || published_size(
        &dest,
        "descriptors"
    ) == Some(100)));
    ledger.append(300);
    let published = wait_until(Duration::from_secs(120), || {
        published_size(&dest, "descriptors") == Some(400)
    });
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let status = out.status;
    assert!(
        published,
        "not published within the deadline: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_with_tlog_tiles(&dest, "descriptors", &ledger.lines("descriptors"));
}
