//! `iss watch PATH [--json]`: the headless companion of the workstation's
//! live view. Verifies the ledger once, then prints every appended record
//! as it is verified and every alert as it is raised, one line each (one
//! JSON object each with `--json`), until interrupted (SIGINT, SIGTERM),
//! `--max-events`, `--timeout`, or the reader of its output going away.
//!
//! However it ends, the exit status is the verdict of what it saw: a signal
//! does not replace it (the README's exit-status table).

use super::watch_verdict::{Input, Verdict, stop_on_signals};
use crate::cli::args::WatchArgs;
use crate::cli::output::QuietPipe;
use crate::ledger::watch::{WatchEvent, WatchOptions};
use anyhow::bail;
use std::io::{self, Write};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// Run `iss watch`; the exit status is [`Verdict::exit`] of what was seen.
pub fn run(args: &WatchArgs) -> anyhow::Result<u8> {
    let path = match (&args.path, &args.fleet) {
        (_, Some(fleet)) => return super::watch_fleet::run(args, fleet),
        (Some(path), None) => path,
        (None, None) => bail!("expected a ledger PATH or --fleet FILE, found neither"),
    };
    let (tx, rx) = mpsc::channel();
    // Before anything else: a Ctrl-C during the first verification must not
    // kill the process either.
    let signals = stop_on_signals(tx.clone())?;
    // A published location is fetched into a private copy laid out as a
    // ledger; the copy is watched, and a monitor thread follows the
    // location's checkpoints into it (docs/REMOTE.md).
    let fetched = if crate::remote::is_location(path) {
        Some(std::sync::Arc::new(crate::remote::fetch(path)?))
    } else {
        None
    };
    let path = fetched
        .as_ref()
        .map_or_else(|| path.clone(), |f| f.dir().to_path_buf());
    let ledger = crate::ledger::open::Ledger::review(&path, args.mac_key.as_deref())?;
    let pinned = super::trust::pinned(&args.trust, &path)?;
    let options = WatchOptions {
        torn_grace: Duration::from_millis(args.torn_grace_ms),
        verify: crate::ledger::verify::VerifyOptions {
            trust: super::trust::resolve(&args.trust, true)?,
            pinned: pinned.clone(),
            ..Default::default()
        },
        ..WatchOptions::default()
    };
    // The copy is removed at the end of the watch: the threads holding it
    // are not joined, so it would not be dropped.
    let copy_dir = fetched.as_ref().map(|f| f.dir().to_path_buf());
    let renamer = fetched.clone();
    let events = tx.clone();
    let _handle = ledger.watch(options, move |mut ev| {
        if let Some(f) = &renamer {
            f.rename_event(&mut ev);
        }
        events.send(Input::Event(ev)).is_ok()
    });
    if let Some(f) = fetched {
        follow_checkpoints(f, pinned, Duration::from_secs_f64(args.poll.max(0.05)), tx);
    }
    let deadline = args
        .timeout
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut out = QuietPipe::new(io::stdout().lock());
    let mut verdict = Verdict::default();
    let mut seen = 0u64;
    let mut stopped_by = None;
    loop {
        let next = match deadline {
            Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let ev = match next {
            Ok(Input::Event(ev)) => ev,
            Ok(Input::Stop(name)) => {
                stopped_by = Some(name);
                break;
            }
            Err(_) => break,
        };
        if let (false, WatchEvent::Error(e)) = (verdict.ready, &ev) {
            bail!("{e}");
        }
        verdict.see(&ev);
        if args.json {
            writeln!(out, "{}", ev.to_json())?;
        } else {
            writeln!(out, "{}", ev.text())?;
        }
        out.flush()?;
        seen += 1;
        // Nobody reads any more (`| head`): the watch is over.
        if out.closed() || args.max_events.is_some_and(|n| seen >= n) {
            break;
        }
    }
    signals.close();
    if let Some(dir) = &copy_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    let code = verdict.exit();
    if let Some(name) = stopped_by {
        writeln!(
            io::stderr(),
            "iss: watch stopped by {name}: exit {code}, {}",
            verdict.says()
        )?;
    } else if !verdict.ready {
        // Not silently: the verdict was never reached.
        writeln!(
            io::stderr(),
            "iss: the ledger's first verification did not finish before --timeout; nothing was watched (exit {code})"
        )?;
    }
    Ok(code)
}

/// The monitor of a published location: polls its checkpoints every
/// `period` on a thread of its own and sends what it finds as events.
fn follow_checkpoints(
    f: std::sync::Arc<crate::remote::Fetched>,
    pinned: Option<Vec<crate::tlog::note::Verifier>>,
    period: Duration,
    tx: Sender<Input>,
) {
    std::thread::spawn(move || {
        let mut monitor = crate::remote::monitor::Monitor::new(&f, pinned);
        loop {
            std::thread::sleep(period);
            for ev in monitor.poll(&f) {
                if tx.send(Input::Event(ev)).is_err() {
                    return;
                }
            }
        }
    });
}
