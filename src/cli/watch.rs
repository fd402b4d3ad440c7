//! `iss watch PATH [--json]`: the headless companion of the workstation's
//! live view. Verifies the ledger once, then prints every appended record
//! as it is verified and every alert as it is raised, one line each (one
//! JSON object each with `--json`), until interrupted, `--max-events` or
//! `--timeout`.

use crate::cli::args::WatchArgs;
use crate::cli::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::watch::thread::spawn;
use crate::ledger::watch::{RecordStatus, WatchEvent, WatchOptions};
use anyhow::bail;
use std::io::{self, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Run `iss watch`. Exit 0 when nothing violated was seen, 1 when a
/// violation or an alert was, 2 when the ledger could not be watched.
pub fn run(args: &WatchArgs) -> anyhow::Result<u8> {
    let mac_key =
        crate::ledger::native::secret::mac_key_option(&args.path, args.mac_key.as_deref())?;
    let options = WatchOptions {
        torn_grace: Duration::from_millis(args.torn_grace_ms),
        verify: crate::ledger::verify::VerifyOptions {
            mac_key,
            trust: super::trust::resolve(&args.trust, true)?,
            pinned: super::trust::pinned(&args.trust, &args.path)?,
            ..Default::default()
        },
        ..WatchOptions::default()
    };
    let (tx, rx) = mpsc::channel();
    let _handle = spawn(args.path.clone(), options, move |ev| tx.send(ev).is_ok());
    let deadline = args
        .timeout
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut out = io::stdout().lock();
    let (mut seen, mut status, mut ready) = (0u64, EXIT_OK, false);
    loop {
        let next = match deadline {
            Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let Ok(ev) = next else { break };
        if let (false, WatchEvent::Error(e)) = (ready, &ev) {
            bail!("{e}");
        }
        ready = true;
        status = status.max(verdict(&ev));
        if args.json {
            writeln!(out, "{}", ev.to_json())?;
        } else {
            writeln!(out, "{}", ev.text())?;
        }
        out.flush()?;
        seen += 1;
        if args.max_events.is_some_and(|n| seen >= n) {
            break;
        }
    }
    if !ready {
        return Ok(EXIT_ERROR);
    }
    Ok(status)
}

/// The exit status an event calls for.
fn verdict(ev: &WatchEvent) -> u8 {
    match ev {
        WatchEvent::Alert(_) => EXIT_VIOLATION,
        WatchEvent::Record(r) if r.status == RecordStatus::Violated => EXIT_VIOLATION,
        WatchEvent::Ready(r) | WatchEvent::Reverified(r) if r.status == LedgerStatus::Violated => {
            EXIT_VIOLATION
        }
        _ => EXIT_OK,
    }
}
