//! `iss checkpoint`: sign each chain's tree head, with witnesses
//! (`--witness`) and RFC 3161 timestamps (`--tsa`) when asked.

use super::EXIT_OK;
use super::args::CheckpointArgs;
use super::native::{follow_up_failed, open, refusal};
use crate::ledger::append::{FollowUpFailed, command_for};
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::secret::default_key_path;
use crate::ledger::native::write::{NativeWriter, Witnessed, WriteError};
use crate::ledger::open::require_native;
use anyhow::bail;
use std::io::Write;

/// Run `iss checkpoint`.
pub fn checkpoint_cmd(args: &CheckpointArgs) -> anyhow::Result<u8> {
    require_native(&args.path)?;
    let ledger = open(&args.path, &args.keys)?;
    let Some(s) = ledger.signer().cloned() else {
        bail!(
            "no signing key: pass --key FILE (default {} does not exist)",
            default_key_path(&args.path).display()
        );
    };
    let mac = ledger.keys().mac_key.clone();
    // Read before anything is written: a bad TSA certificate changes nothing.
    let tsa = super::timestamp::prepare(&args.tsa)?;
    let opened = if args.accept_retired_history {
        NativeWriter::open_accepting_retired_history(&args.path, s, mac)
    } else {
        NativeWriter::open(&args.path, Some(s), mac)
    };
    let mut w = match opened {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let mut witnesses = super::witness::endpoints(&args.witness, args.witness_timeout)?;
    let done = match witnesses.as_mut() {
        Some(ws) => w.checkpoint_witnessed(&Chain::ALL, ws),
        None => checkpoint_each(&mut w),
    };
    let (acks, stopped) = match done {
        Ok(done) => (done.acks, done.stopped.map(|e| e.to_string())),
        Err(e) => return refusal(&e),
    };
    let mut out = super::output::stdout();
    for ack in &acks {
        if args.json {
            writeln!(out, "{}", serde_json::to_string(&ack)?)?;
        } else {
            let what = if ack.new_entry {
                "signed"
            } else {
                "already signed"
            };
            writeln!(
                out,
                "{}: {what} size {} root {} with key {}",
                ack.chain, ack.size, ack.root, ack.key_id
            )?;
        }
    }
    if let Some(ws) = &witnesses {
        let mut err = anstream::stderr().lock();
        for o in &ws.outcomes {
            match &o.result {
                Ok(ts) if !args.json => {
                    writeln!(out, "{}: cosigned by {} at {ts}", o.chain, o.witness)?;
                }
                Ok(_) => {}
                Err(e) => writeln!(
                    err,
                    "iss: warning: {}: witness {} did not cosign: {e}",
                    o.chain, o.witness
                )?,
            }
        }
    }
    // Checkpoints already printed are durable: say what is left.
    let left = acks
        .iter()
        .find_map(|a| a.follow_up(&args.path))
        .or_else(|| {
            stopped.map(|error| FollowUpFailed {
                what: format!("checkpoint of {}", Chain::ALL[acks.len()]),
                error,
                finish_with: command_for("checkpoint", &args.path),
            })
        });
    if let Some(f) = left {
        drop(out);
        return follow_up_failed(&f, args.json, "the checkpoints above are");
    }
    // Timestamps are asked for once every checkpoint is durable.
    if let Some(tsa) = tsa {
        drop(out);
        return super::timestamp::stamp(&args.path, &tsa, &acks, args.json);
    }
    Ok(EXIT_OK)
}

/// Each chain's checkpoint in turn (no witnesses): an error before the
/// first is returned, one after it stops the rest.
fn checkpoint_each(w: &mut NativeWriter) -> Result<Witnessed, WriteError> {
    let mut done = Witnessed {
        acks: Vec::new(),
        stopped: None,
    };
    for c in Chain::ALL {
        match w.checkpoint(c) {
            Ok(a) => done.acks.push(a),
            Err(e) if done.acks.is_empty() => return Err(e),
            Err(e) => {
                done.stopped = Some(e);
                break;
            }
        }
    }
    Ok(done)
}
