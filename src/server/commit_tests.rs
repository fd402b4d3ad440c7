//! How the writer completes a batch ([`gather`]): the requests it just
//! answered are waited for, within a bound; a request alone is not held.

use super::{Fill, Job, MAX_BATCH, gather};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn pulse() -> Job {
    Job::Pulse(tokio::sync::oneshot::channel().0)
}

/// Far enough that reaching it means the expected requests never came.
const LONG: Duration = Duration::from_secs(60);

#[test]
fn the_answered_requests_that_come_back_join_the_batch() {
    let (tx, rx) = mpsc::channel();
    tx.send(pulse()).unwrap();
    // Two clients answered by the last batch send again a little later.
    let late = std::thread::spawn(move || {
        for _ in 0..2 {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(pulse()).unwrap();
        }
        tx
    });
    let mut jobs = Vec::new();
    let fill = Fill {
        expect: 3,
        until: Instant::now() + LONG,
    };
    gather(&rx, &mut jobs, fill);
    // Without the wait the batch would be the one request already there.
    assert_eq!(jobs.len(), 3);
    drop(late.join().unwrap());
}

#[test]
fn the_wait_ends_at_its_bound_with_what_came() {
    let (tx, rx) = mpsc::channel();
    tx.send(pulse()).unwrap();
    let mut jobs = Vec::new();
    let fill = Fill {
        expect: 64,
        until: Instant::now() + Duration::from_millis(5),
    };
    gather(&rx, &mut jobs, fill);
    assert_eq!(jobs.len(), 1);
    drop(tx);
}

#[test]
fn a_request_alone_is_not_held() {
    let (tx, rx) = mpsc::channel();
    tx.send(pulse()).unwrap();
    let mut jobs = Vec::new();
    // The last batch held one request: one is expected, and it is there.
    let fill = Fill {
        expect: 1,
        until: Instant::now() + LONG,
    };
    gather(&rx, &mut jobs, fill);
    assert_eq!(jobs.len(), 1);
    // Nothing expected: what is waiting, at once.
    tx.send(pulse()).unwrap();
    tx.send(pulse()).unwrap();
    let mut more = Vec::new();
    gather(&rx, &mut more, Fill::none());
    assert_eq!(more.len(), 2);
}

#[test]
fn a_batch_stops_at_its_bound() {
    let (tx, rx) = mpsc::channel();
    for _ in 0..MAX_BATCH + 5 {
        tx.send(pulse()).unwrap();
    }
    let mut jobs = Vec::new();
    let fill = Fill {
        expect: MAX_BATCH + 5,
        until: Instant::now() + LONG,
    };
    gather(&rx, &mut jobs, fill);
    assert_eq!(jobs.len(), MAX_BATCH);
    let mut rest = Vec::new();
    gather(&rx, &mut rest, Fill::none());
    assert_eq!(rest.len(), 5);
}
