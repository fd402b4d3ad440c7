//! `iss key verifier|rotate`: print verifier keys, and rotate the signing
//! key under one lock.

use super::EXIT_OK;
use super::args::{KeyArgs, KeyFiles, KeyWhat};
use super::native::{follow_up_failed, open, refusal};
use crate::ledger::append::{FollowUpFailed, command_for};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::secret::{SecretError, read_signer, remove_secret, write_signer};
use crate::ledger::native::verify::{NativeOptions, verify_native};
use crate::ledger::native::write::{KeyError, NativeWriter, WriteError};
use crate::ledger::open::{Ledger, require_native};
use crate::tlog::note::Signer;
use anyhow::{Context, bail};
use std::io::Write;
use std::path::Path;

/// Run `iss key ...`.
pub fn key_cmd(args: &KeyArgs) -> anyhow::Result<u8> {
    match &args.what {
        KeyWhat::Verifier {
            path,
            json,
            per_chain,
        } => {
            let mut out = super::output::stdout();
            if *per_chain {
                return per_chain_vkeys(path, *json, &mut out);
            }
            let vkey = if path.is_dir() {
                require_native(path)?;
                let v = verify_native(path, &NativeOptions::default());
                let ring = v
                    .keyring
                    .context("the ledger's metadata cannot be read; run `iss verify`")?;
                ring.current()
                    .context("the ledger has no key in use")?
                    .vkey()
            } else {
                // A file of a native ledger is never its key (keys are kept
                // outside): point to the ledger instead.
                let folder = match path.parent() {
                    Some(p) if p.as_os_str().is_empty() => Path::new("."),
                    Some(p) => p,
                    None => path,
                };
                if Ledger::at(folder).signs_checkpoints() {
                    bail!(
                        "{}: a file of the native ledger {}, not a signing key; `iss key verifier {}` prints the ledger's verifier key",
                        path.display(),
                        folder.display(),
                        folder.display()
                    );
                }
                read_signer(path)?.vkey()
            };
            if *json {
                writeln!(out, "{}", serde_json::json!({ "verifier_key": vkey }))?;
            } else {
                writeln!(out, "{vkey}")?;
            }
            Ok(EXIT_OK)
        }
        KeyWhat::Rotate {
            path,
            keys,
            new_key,
            json,
        } => rotate(path, keys, new_key, *json),
    }
}

/// `iss key verifier LEDGER --per-chain`: the key in use named by each
/// chain's origin (docs/FORMAT.md §7.1).
fn per_chain_vkeys(path: &Path, json: bool, out: &mut impl Write) -> anyhow::Result<u8> {
    require_native(path)?;
    let v = verify_native(path, &NativeOptions::default());
    let (meta, ring) = v
        .meta
        .zip(v.keyring)
        .context("the ledger's metadata cannot be read; run `iss verify`")?;
    let current = ring.current().context("the ledger has no key in use")?;
    for c in Chain::ALL {
        let origin = meta.chain_origin(c);
        let vkey = crate::tlog::note::Verifier::from_public_key(
            &origin,
            crate::tlog::note::KeyKind::Ed25519,
            &current.public_key(),
        )?
        .vkey();
        if json {
            writeln!(
                out,
                "{}",
                serde_json::json!({ "origin": origin, "verifier_key": vkey })
            )?;
        } else {
            writeln!(out, "{origin}={vkey}")?;
        }
    }
    Ok(EXIT_OK)
}

fn rotate(path: &Path, keys: &KeyFiles, new_key: &Path, json: bool) -> anyhow::Result<u8> {
    require_native(path)?;
    let ledger = open(path, keys)?;
    let Some(old) = ledger.signer().cloned() else {
        bail!("a rotation is signed by the key in use: pass --key FILE");
    };
    crate::ledger::native::secret::ensure_outside(new_key, path)?;
    // A key file left by an earlier run (stopped before its rotation
    // record, or after it) is used again, never overwritten: it may be
    // the only copy of the key the ledger now uses.
    let existing = if new_key.symlink_metadata().is_ok() {
        Some(read_signer(new_key).map_err(|e| existing_refused(&e, new_key))?)
    } else {
        None
    };
    let mut w = match ledger.native_writer() {
        Ok(w) => w,
        Err(WriteError::Key(KeyError::NotCurrent { current, .. }))
            if existing.as_ref().is_some_and(|n| n.key_id() == current) =>
        {
            let new = existing.expect("checked above");
            return finish_done_rotation(path, &ledger, &new, new_key, json);
        }
        Err(e) => return refusal(&e),
    };
    let (new, created) = match new_signer(&w, existing, &old, new_key)? {
        Ok(x) => x,
        Err((e, created)) => return not_rotated(&e.to_string(), path, new_key, created),
    };
    let events = ChainPaths::new(path, Chain::Events).file;
    let events_before = std::fs::read(&events).ok();
    let (ack, failed) = match w.rotate(new.clone()) {
        Ok(a) => a,
        Err(
            e @ WriteError::Key(
                KeyError::NewKeyTrusted { .. }
                | KeyError::NewKeyName { .. }
                | KeyError::NoRotationKey,
            ),
        ) => {
            // Refused before the lock was taken: nothing was written.
            if created {
                remove_secret(new_key)?;
            }
            return refusal(&e);
        }
        Err(e) => {
            // Only bytes of `events` as before prove that no rotation
            // record is on disk; anything else keeps the key file.
            let unchanged = events_before.is_some()
                && std::fs::read(&events).ok() == events_before
                && !matches!(&e, WriteError::Append(a) if !a.left_file_unchanged());
            if !unchanged {
                return outcome_unknown(&e, path, &old, new_key);
            }
            if let WriteError::Violated { .. } = e {
                if created {
                    remove_secret(new_key)?;
                }
                return refusal(&e);
            }
            return not_rotated(&e.to_string(), path, new_key, created);
        }
    };
    let mut out = super::output::stdout();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({"rotation": ack, "new_verifier_key": new.vkey(), "new_key_file": new_key.display().to_string()})
        )?;
    } else {
        writeln!(
            out,
            "rotated: events record {} (line {}) introduces {}",
            ack.seq,
            ack.line,
            new.vkey()
        )?;
        writeln!(
            out,
            "new signing key: {} — use it from now on",
            new_key.display()
        )?;
    }
    if let Some(mut f) = failed {
        drop(out);
        // The rotation is durable: from now on only the new key signs.
        f.finish_with = format!(
            "{} --key {}",
            command_for("checkpoint", path),
            new_key.display()
        );
        return follow_up_failed(&f, json, "the rotation above is");
    }
    Ok(EXIT_OK)
}

/// The new key: the one in an existing `--new-key` file (used again when
/// this ledger does not know it and nothing makes it unsafe), else a new
/// one written to the file, with whether this run created the file; the
/// inner error is a key file not written whole, with whether it was
/// created.
fn new_signer(
    w: &NativeWriter,
    existing: Option<Signer>,
    old: &Signer,
    new_key: &Path,
) -> anyhow::Result<Result<(Signer, bool), (SecretError, bool)>> {
    Ok(match existing {
        Some(new) if w.signed_after_cosign(&new).is_some() => {
            let (chain, line) = w.signed_after_cosign(&new).expect("checked above");
            bail!(
                "{} holds key {:08x}, which this ledger does not know: a rotation to it stopped before its record, \
                 and line {line} of the checkpoint history of {chain} was signed without it after it had cosigned an \
                 earlier one. Rotating to it now would make that checkpoint read as the retired key signing after \
                 its successor (RETIRED_KEY). No ledger can be using it: remove it, or name another --new-key, and \
                 run the command again; nothing was changed",
                new_key.display(),
                new.key_id()
            );
        }
        Some(new) => {
            writeln!(
                anstream::stderr(),
                "iss: {} exists: using the key it holds ({:08x}), which this ledger does not know yet (a rotation stopped before its record)",
                new_key.display(),
                new.key_id()
            )?;
            Ok((new, false))
        }
        None => {
            let new = Signer::generate(old.name())?;
            // Written first: a rotation whose new key was lost would end
            // the ledger.
            if let Err(e) = write_signer(new_key, &new) {
                let created = !matches!(&e, SecretError::Io { what, .. } if *what == CREATE_FAILED);
                return Ok(Err((e, created)));
            }
            Ok((new, true))
        }
    })
}

/// Why an existing `--new-key` file is not used; nothing was changed.
fn existing_refused(e: &SecretError, new_key: &Path) -> anyhow::Error {
    let what = if let SecretError::Invalid { .. } = e {
        format!(
            "{} exists but holds no signing key, so no ledger can be using it (a rotation stopped \
             while writing it leaves such a file): remove it, or name another --new-key, and run the command again",
            new_key.display()
        )
    } else {
        format!(
            "{} exists: it is used again only when it is a signing key of mode 0600 that this ledger \
             does not know yet (left by a rotation that stopped before its record)",
            new_key.display()
        )
    };
    anyhow::anyhow!("{e}\n{what}; nothing was changed")
}

/// What [`write_secret`](crate::ledger::native::secret::write_secret) says
/// when the file could not even be created.
const CREATE_FAILED: &str = "cannot create the key file";

/// The rotation failed before its record could be in `events` (whose bytes
/// are as before): the key in use is still the old one. The new key file,
/// when this run `created` it, is removed (the ledger cannot need it); one
/// left by an earlier run is kept, and the same command uses it again.
fn not_rotated(error: &str, path: &Path, new_key: &Path, created: bool) -> anyhow::Result<u8> {
    let mut err = anstream::stderr().lock();
    writeln!(err, "iss: {error}")?;
    let key = if new_key.symlink_metadata().is_err() {
        format!("no new key file {} is left", new_key.display())
    } else if !created {
        format!(
            "{} is kept (this ledger does not know it; the same command uses it again)",
            new_key.display()
        )
    } else {
        match remove_secret(new_key) {
            Ok(()) => format!("the new key file {} was removed", new_key.display()),
            Err(e) => format!(
                "the new key file {} could not be removed ({e}); this ledger does not know it: \
                 delete it, or let the same command use it again",
                new_key.display()
            ),
        }
    };
    writeln!(
        err,
        "iss: not rotated: no rotation record was written to {}, so the key in use is still the old one and no record changed \
         (a chain's history may have gained a checkpoint cosigned by the new key, which counts for nothing without the record); \
         {key}. Running the same command again is safe",
        ChainPaths::new(path, Chain::Events).file.display()
    )?;
    Ok(super::EXIT_ERROR)
}

/// The rotation failed after `events` changed: its record may be on disk,
/// whole or torn, so the new key may be the ledger's key in use now. The
/// key file is kept whatever happens: a rotation whose key is lost ends
/// the ledger.
fn outcome_unknown(
    e: &WriteError,
    path: &Path,
    old: &Signer,
    new_key: &Path,
) -> anyhow::Result<u8> {
    let mut err = anstream::stderr().lock();
    writeln!(err, "iss: {e}")?;
    writeln!(
        err,
        "iss: the rotation may or may not have been made: {} changed, and may hold the rotation record (whole or torn). \
         Keep {} — it may be the ledger's key in use now. Run `iss verify {}`; if it reports a torn tail, \
         run `iss repair {} --key {}` (the key in use then); then run the same `iss key rotate` command again: \
         it finishes a rotation whose record is there, or makes it with the same new key",
        ChainPaths::new(path, Chain::Events).file.display(),
        new_key.display(),
        path.display(),
        path.display(),
        key_hint(old)
    )?;
    Ok(super::EXIT_ERROR)
}

/// How the old key is named in advice (its id: the path is the user's).
fn key_hint(old: &Signer) -> String {
    format!("OLD_KEY_FILE (key {:08x})", old.key_id())
}

/// `--new-key` holds the key the ledger already uses: an earlier run made
/// the rotation and stopped after its record. Sign with it what is not
/// signed yet, and say so.
fn finish_done_rotation(
    path: &Path,
    ledger: &crate::ledger::open::Ledger,
    new: &Signer,
    new_key: &Path,
    json: bool,
) -> anyhow::Result<u8> {
    let mut w = match NativeWriter::open(path, Some(new.clone()), ledger.keys().mac_key.clone()) {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let mut signed = Vec::new();
    for c in Chain::ALL {
        match w.checkpoint(c) {
            Ok(a) => signed.push(a),
            Err(e) => {
                let f = FollowUpFailed {
                    what: format!("checkpoint of {c} with the new key"),
                    error: e.to_string(),
                    finish_with: format!(
                        "{} --key {}",
                        command_for("checkpoint", path),
                        new_key.display()
                    ),
                };
                return follow_up_failed(&f, json, "the rotation (made by an earlier run) is");
            }
        }
    }
    let mut out = super::output::stdout();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({"already_rotated": true, "new_verifier_key": new.vkey(), "new_key_file": new_key.display().to_string(), "checkpoints": signed})
        )?;
    } else {
        writeln!(
            out,
            "already rotated: the ledger's key in use is {} (the key in {}); every chain is signed with it",
            new.vkey(),
            new_key.display()
        )?;
    }
    Ok(EXIT_OK)
}
