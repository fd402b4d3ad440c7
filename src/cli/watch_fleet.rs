//! `iss watch --fleet FILE [--json]`: `iss watch` over every ledger of a
//! fleet file at once. Each ledger is watched on its own thread
//! ([`crate::ledger::fleet::watch`]); their events are printed as they come,
//! each naming its ledger: `--json` adds `name` and `location` to every
//! object, text lines start with `[name]`. A published location is
//! watched by remote review's monitor ([`crate::remote::follow`], its
//! checkpoints fetched every `--poll`). A ledger that cannot be watched (it
//! cannot be read) gets one `error` event and the others go on.
//!
//! The exit status is `iss watch`'s, over the whole fleet: 1 once any
//! ledger showed a violation or an alert; else 2 when any ledger has no
//! verdict (it could not be watched, its first verification did not
//! finish, or its latest could not read every file); else 0.

use super::watch_verdict::{Input, Verdict, stop_on_signals};
use crate::cli::args::WatchArgs;
use crate::cli::output::QuietPipe;
use crate::cli::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::fleet::{Entry, list};
use crate::ledger::watch::{WatchEvent, WatchOptions};
use serde_json::json;
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// What the loop waits for: an event of ledger `.0`, or a stop.
enum FleetInput {
    Event(usize, WatchEvent),
    Stop(&'static str),
}

/// Run `iss watch --fleet FILE`.
pub fn run(args: &WatchArgs, fleet: &Path) -> anyhow::Result<u8> {
    let entries = list::read(fleet)?;
    super::tui_fleet::refuse_one_ledger_options(args.mac_key.as_deref(), &args.trust, false)?;
    let (tx, rx) = mpsc::channel();
    let (signal_tx, signal_rx) = mpsc::channel();
    let signals = stop_on_signals(signal_tx)?;
    let stop_tx = tx.clone();
    std::thread::spawn(move || {
        for input in signal_rx {
            if let Input::Stop(name) = input
                && stop_tx.send(FleetInput::Stop(name)).is_err()
            {
                return;
            }
        }
    });
    let verify = crate::ledger::verify::VerifyOptions {
        trust: super::trust::resolve(&args.trust, true)?,
        ..Default::default()
    };
    let published = crate::remote::follow::watcher(Duration::from_secs_f64(args.poll.max(0.05)));
    let mut handles = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let options = WatchOptions {
            torn_grace: Duration::from_millis(args.torn_grace_ms),
            verify: verify.clone(),
            ..WatchOptions::default()
        };
        let send = tx.clone();
        match crate::ledger::fleet::watch(
            &e.location,
            options,
            move |ev| send.send(FleetInput::Event(i, ev)).is_ok(),
            Some(&*published),
        ) {
            Ok(h) => handles.push(h),
            Err(why) => {
                let _ = tx.send(FleetInput::Event(i, WatchEvent::Error(why)));
            }
        }
    }
    // The watchers (and the signal thread) hold the senders now: when every
    // watcher has ended, the loop ends.
    drop(tx);
    let deadline = args
        .timeout
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut out = QuietPipe::new(io::stdout().lock());
    let mut verdicts: Vec<Verdict> = entries.iter().map(|_| Verdict::default()).collect();
    let mut failed = vec![false; entries.len()];
    let mut seen = 0u64;
    let mut stopped_by = None;
    loop {
        let next = match deadline {
            Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let (i, ev) = match next {
            Ok(FleetInput::Event(i, ev)) => (i, ev),
            Ok(FleetInput::Stop(name)) => {
                stopped_by = Some(name);
                break;
            }
            Err(_) => break,
        };
        if let (false, WatchEvent::Error(_)) = (verdicts[i].ready, &ev) {
            // Before its first verdict: this ledger cannot be watched.
            failed[i] = true;
        } else {
            verdicts[i].see(&ev);
        }
        writeln!(out, "{}", line(&entries[i], &ev, args.json))?;
        out.flush()?;
        seen += 1;
        if out.closed() || args.max_events.is_some_and(|n| seen >= n) {
            break;
        }
    }
    signals.close();
    drop(handles);
    crate::remote::remove_copies();
    let code = exit(&verdicts, &failed);
    if let Some(name) = stopped_by {
        writeln!(
            io::stderr(),
            "iss: watch stopped by {name}: exit {code}, {}",
            says(code)
        )?;
    }
    Ok(code)
}

/// One event of `entry` as printed: JSON with the ledger's name and
/// location, or `[name] text`.
pub fn line(entry: &Entry, ev: &WatchEvent, json: bool) -> String {
    if json {
        let mut v = ev.to_json();
        v["name"] = json!(entry.name);
        v["location"] = json!(entry.location.shown());
        v.to_string()
    } else {
        format!("[{}] {}", entry.name, ev.text())
    }
}

/// The fleet's exit status: 1 once any ledger showed a violation; else 2
/// when any has no verdict; else 0.
fn exit(verdicts: &[Verdict], failed: &[bool]) -> u8 {
    let codes: Vec<u8> = verdicts
        .iter()
        .zip(failed)
        .map(|(v, f)| if *f { EXIT_ERROR } else { v.exit() })
        .collect();
    if codes.contains(&EXIT_VIOLATION) {
        EXIT_VIOLATION
    } else if codes.iter().any(|c| *c != EXIT_OK) {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}

fn says(code: u8) -> &'static str {
    match code {
        EXIT_VIOLATION => "a violation or an alert was seen in the fleet",
        EXIT_OK => "nothing violated was seen in the fleet",
        _ => "a ledger of the fleet has no verdict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::fleet::Location;

    #[test]
    fn an_event_names_its_ledger_in_json_and_in_text() {
        let e = Entry {
            name: "billing".into(),
            location: Location::Local("/srv/b".into()),
        };
        let ev = WatchEvent::Error("x".into());
        let v: serde_json::Value = serde_json::from_str(&line(&e, &ev, true)).expect("json");
        assert_eq!(v["name"], "billing");
        assert_eq!(v["location"], "/srv/b");
        assert_eq!(v["event"], "error");
        assert_eq!(line(&e, &ev, false), "[billing] watch error: x");
    }

    #[test]
    fn the_fleet_exit_status_is_the_worst_of_its_ledgers() {
        let ok = || Verdict {
            ready: true,
            ..Verdict::default()
        };
        assert_eq!(exit(&[ok(), ok()], &[false, false]), EXIT_OK);
        assert_eq!(exit(&[ok(), ok()], &[false, true]), EXIT_ERROR);
        let bad = Verdict {
            ready: true,
            violated: true,
            incomplete: false,
        };
        assert_eq!(exit(&[bad, ok()], &[false, true]), EXIT_VIOLATION);
    }
}
