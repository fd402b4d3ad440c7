//! `iss key verifier|rotate`: print verifier keys, and rotate the signing
//! key under one lock.

use super::EXIT_OK;
use super::args::{KeyArgs, KeyFiles, KeyWhat};
use super::native::{follow_up_failed, open, refusal};
use crate::ledger::append::command_for;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::secret::{read_signer, write_signer};
use crate::ledger::native::verify::{NativeOptions, verify_native};
use crate::ledger::open::{Format, require_native};
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
                if Format::of(folder).native() {
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
    let new = Signer::generate(old.name())?;
    let mut w = match ledger.native_writer() {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    // Written first: a rotation whose new key was lost would end the ledger.
    write_signer(new_key, &new)?;
    let (ack, failed) = match w.rotate(new.clone()) {
        Ok(a) => a,
        Err(e) => return refusal(&e),
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
