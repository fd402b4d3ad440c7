//! `iss publish PATH DEST...`: verify, then publish to each destination;
//! with `--watch`, again on every change.

use super::args::PublishArgs;
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::publish::watch::{SETTLE, wait_for_change, watch_dir};
use crate::publish::{
    Destination, PublishError, PublishOptions, Published, Verified, publish_incremental,
    publish_verified, verify_for_publish,
};
use anyhow::{Context, bail};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Run `iss publish`.
pub fn run(args: &PublishArgs) -> anyhow::Result<u8> {
    if !(args.interval > 0.0 && args.interval.is_finite()) {
        bail!(
            "--interval {}: expected a positive number of seconds",
            args.interval
        );
    }
    let dests = args
        .dest
        .iter()
        .map(|d| Destination::open(d))
        .collect::<Result<Vec<_>, _>>()?;
    let options = PublishOptions {
        mac_key: crate::ledger::native::secret::mac_key_option(
            &args.path,
            args.mac_key.as_deref(),
        )?,
    };
    if !args.watch {
        return round(args, &dests, &options);
    }
    let (tx, events) = std::sync::mpsc::channel();
    let watcher = watch_dir(&args.path, tx.clone());
    if watcher.is_none() {
        writeln!(
            anstream::stderr(),
            "iss: no file-system notifications for {}: publishing every {} s",
            args.path.display(),
            args.interval
        )?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let _signals = stop_on_signals(tx, stop.clone())?;
    let interval = Duration::from_secs_f64(args.interval);
    let mut worst = EXIT_OK;
    loop {
        let code = round(args, &dests, &options)?;
        if code == EXIT_VIOLATION {
            return Ok(code);
        }
        worst = worst.max(code);
        if stop.load(Ordering::SeqCst) {
            return Ok(worst);
        }
        wait_for_change(&events, interval, SETTLE);
        if stop.load(Ordering::SeqCst) {
            return Ok(worst);
        }
    }
}

/// On SIGINT or SIGTERM: raise `stop` and wake the loop (which ends after
/// the publish in progress, if any). The returned handle unregisters.
fn stop_on_signals(
    tx: std::sync::mpsc::Sender<()>,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<signal_hook::iterator::Handle> {
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("cannot catch SIGINT and SIGTERM")?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        for _ in signals.forever() {
            stop.store(true, Ordering::SeqCst);
            if tx.send(()).is_err() {
                return;
            }
        }
    });
    Ok(handle)
}

/// One publish to every destination: from the destination's checkpoint
/// when it allows (unless `--full`), else after one whole verification
/// (made once for all of them); an error at one destination does not stop
/// the others.
fn round(
    args: &PublishArgs,
    dests: &[Destination],
    options: &PublishOptions,
) -> anyhow::Result<u8> {
    let mut verified: Option<Verified> = None;
    let mut worst = EXIT_OK;
    for dest in dests {
        if !args.full {
            match publish_incremental(&args.path, dest, options) {
                Ok(Some(p)) => {
                    print(&p, args.json)?;
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    worst = worst.max(refuse(&e, Some(dest))?);
                    continue;
                }
            }
        }
        let verified = match &mut verified {
            Some(v) => v,
            None => match verify_for_publish(&args.path, options) {
                Ok(v) => verified.insert(v),
                Err(e) => return refuse(&e, None),
            },
        };
        match publish_verified(&args.path, verified, dest) {
            Ok(p) => print(&p, args.json)?,
            Err(e) => worst = worst.max(refuse(&e, Some(dest))?),
        }
    }
    Ok(worst)
}

fn refuse(e: &PublishError, dest: Option<&Destination>) -> anyhow::Result<u8> {
    let mut err = anstream::stderr().lock();
    match dest {
        Some(d)
            if !matches!(
                e,
                PublishError::Diverged { .. }
                    | PublishError::Foreign { .. }
                    | PublishError::ViolatedAt(_)
            ) =>
        {
            writeln!(err, "iss: publishing to {}: {e}", d.name())?;
        }
        _ => writeln!(err, "iss: {e}")?,
    }
    Ok(if e.is_violation() {
        EXIT_VIOLATION
    } else {
        EXIT_ERROR
    })
}

fn print(p: &Published, json: bool) -> anyhow::Result<()> {
    let mut out = super::output::stdout();
    if json {
        writeln!(out, "{}", serde_json::to_string(p)?)?;
        return Ok(());
    }
    for c in &p.chains {
        if c.checkpoint_written {
            writeln!(
                out,
                "{}: {}: published {} records (was {}): {} tiles, {} entry bundles written{}",
                p.dest,
                c.chain,
                c.size,
                c.previous,
                c.tiles_written,
                c.bundles_written,
                if c.tiles_present > 0 {
                    format!(", {} already there", c.tiles_present)
                } else {
                    String::new()
                }
            )?;
        } else {
            writeln!(
                out,
                "{}: {}: up to date ({} records)",
                p.dest, c.chain, c.size
            )?;
        }
    }
    Ok(())
}
