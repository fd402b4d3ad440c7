//! The native ledger's write commands: `iss init`, `iss checkpoint`,
//! `iss key verifier|rotate`, and the native side of `iss append
//! descriptor` and `iss repair`. Every write goes through the native writer
//! and so through `ledger::append`.

use super::args::{CheckpointArgs, InitArgs, KeyArgs, KeyFiles, KeyWhat};
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::legacy::append::NewDescriptor;
use crate::ledger::legacy::writer::iso_from_micros;
use crate::ledger::native::descriptors::append_descriptors;
use crate::ledger::native::init::{InitOptions, init};
use crate::ledger::native::meta::{Chain, is_native_dir};
use crate::ledger::native::secret::{MacKey, read_signer, write_signer};
use crate::ledger::native::verify::{NativeOptions, verify_native};
use crate::ledger::native::writer::{NativeWriteError, NativeWriter};
use crate::tlog::note::Signer;
use anyhow::{Context, bail};
use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since 1970 now.
pub fn now_micros() -> anyhow::Result<i64> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    i64::try_from(now.as_micros()).context("the system clock is out of range")
}

use crate::ledger::native::secret::default_key_path;

/// The signing key: `--key`, else `<ledger>.key` when it exists, else none.
fn signer(ledger: &Path, keys: &KeyFiles) -> anyhow::Result<Option<Signer>> {
    Ok(crate::ledger::native::secret::resolve_signer(
        ledger,
        keys.key.as_deref(),
    )?)
}

/// The HMAC key: `--mac-key`, refused when it is not the ledger's.
fn mac_key(ledger: &Path, keys: &KeyFiles) -> anyhow::Result<Option<MacKey>> {
    Ok(crate::ledger::native::secret::mac_key_option(
        ledger,
        keys.mac_key.as_deref(),
    )?)
}

/// Print a refusal and map it to an exit status.
fn refusal(e: &NativeWriteError) -> anyhow::Result<u8> {
    let mut err = anstream::stderr().lock();
    writeln!(err, "iss: {e}")?;
    if let NativeWriteError::Violated(findings) = e {
        for (file, f) in findings.iter().take(20) {
            let line = f.line.map_or_else(String::new, |l| format!(":{l}"));
            writeln!(err, "  ✘ {file}{line} {}: {}", f.kind, f.detail)?;
        }
        if findings.len() > 20 {
            writeln!(err, "  … {} more; run `iss verify`", findings.len() - 20)?;
        }
        return Ok(EXIT_VIOLATION);
    }
    Ok(EXIT_ERROR)
}

fn init_options(args: &InitArgs) -> anyhow::Result<InitOptions> {
    let name = args
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("ledger")
        .replace(|c: char| c.is_whitespace() || c == '+', "-");
    let opts = InitOptions {
        origin: args
            .origin
            .clone()
            .unwrap_or_else(|| format!("iss.local/{name}")),
        key_path: args
            .key
            .clone()
            .unwrap_or_else(|| default_key_path(&args.path)),
        mac_key_path: args.mac_key.clone(),
        created: iso_from_micros(now_micros()?).replace("+00:00", "Z"),
        genesis_extra: None,
    };
    Ok(opts)
}

/// Run `iss migrate`.
pub fn migrate_cmd(args: &super::args::MigrateArgs) -> anyhow::Result<u8> {
    let opts = init_options(&args.init)?;
    let done = match crate::ledger::native::migrate::migrate(&args.legacy, &args.init.path, &opts) {
        Ok(d) => d,
        Err(e) => return refusal(&e),
    };
    let mut out = anstream::stdout().lock();
    if args.init.json {
        writeln!(out, "{}", serde_json::to_string(&done)?)?;
        return Ok(EXIT_OK);
    }
    writeln!(
        out,
        "migrated {} into native ledger {}: {} descriptor(s), {} pulse(s); the legacy files were only read",
        args.legacy.display(),
        done.ledger.ledger,
        done.descriptors,
        done.pulses
    )?;
    writeln!(
        out,
        "the genesis event records each legacy file's SHA-256, record count and head hash"
    )?;
    writeln!(out, "signing key: {}", done.ledger.signing_key_file)?;
    writeln!(out, "verifier key: {}", done.ledger.verifier_key)?;
    Ok(EXIT_OK)
}

/// Run `iss init`.
pub fn init_cmd(args: &InitArgs) -> anyhow::Result<u8> {
    let opts = init_options(args)?;
    let done = match init(&args.path, &opts) {
        Ok(d) => d,
        Err(e) => return refusal(&e),
    };
    let mut out = anstream::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&done)?)?;
        return Ok(EXIT_OK);
    }
    writeln!(
        out,
        "created native ledger {} (origin {})",
        done.ledger, done.origin
    )?;
    writeln!(
        out,
        "signing key: {} (mode 0600; keep it outside the ledger, back it up)",
        done.signing_key_file
    )?;
    if let (Some(f), Some(id)) = (&done.mac_key_file, &done.mac_key_id) {
        writeln!(
            out,
            "HMAC key:    {f} (id {id}, mode 0600): every record carries a MAC under it"
        )?;
    }
    writeln!(
        out,
        "verifier key (publish it; verifiers check checkpoints with it):"
    )?;
    writeln!(out, "  {}", done.verifier_key)?;
    Ok(EXIT_OK)
}

/// Run `iss checkpoint`.
pub fn checkpoint_cmd(args: &CheckpointArgs) -> anyhow::Result<u8> {
    require_native(&args.path)?;
    let Some(s) = signer(&args.path, &args.keys)? else {
        bail!(
            "no signing key: pass --key FILE (default {} does not exist)",
            default_key_path(&args.path).display()
        );
    };
    let mut w = match NativeWriter::open(&args.path, Some(s), mac_key(&args.path, &args.keys)?) {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let mut witnesses = super::witness::endpoints(&args.witness, args.witness_timeout)?;
    let acks = match witnesses.as_mut() {
        Some(ws) => w.checkpoint_witnessed(&Chain::ALL, ws),
        None => Chain::ALL.iter().map(|&c| w.checkpoint(c)).collect(),
    };
    let acks = match acks {
        Ok(a) => a,
        Err(e) => return refusal(&e),
    };
    let mut out = anstream::stdout().lock();
    for ack in acks {
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
    Ok(EXIT_OK)
}

/// Run `iss key ...`.
pub fn key_cmd(args: &KeyArgs) -> anyhow::Result<u8> {
    match &args.what {
        KeyWhat::Verifier {
            path,
            json,
            per_chain,
        } => {
            let mut out = anstream::stdout().lock();
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
    let Some(old) = signer(path, keys)? else {
        bail!("a rotation is signed by the key in use: pass --key FILE");
    };
    crate::ledger::native::secret::ensure_outside(new_key, path)?;
    let new = Signer::generate(old.name())?;
    let mut w = match NativeWriter::open(path, Some(old), mac_key(path, keys)?) {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    // Written first: a rotation whose new key was lost would end the ledger.
    write_signer(new_key, &new)?;
    let ack = match w.rotate(new.clone()) {
        Ok(a) => a,
        Err(e) => return refusal(&e),
    };
    let mut out = anstream::stdout().lock();
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
    Ok(EXIT_OK)
}

/// The native side of `iss append descriptor`.
pub fn append_descriptor(
    path: &Path,
    inputs: Vec<NewDescriptor>,
    keys: &KeyFiles,
    json: bool,
) -> anyhow::Result<u8> {
    let s = signer(path, keys)?;
    let signs = s.is_some();
    let mut w = match NativeWriter::open(path, s, mac_key(path, keys)?) {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let (acks, cp) = match append_descriptors(&mut w, inputs, now_micros()?, signs) {
        Ok(x) => x,
        Err(e) => return refusal(&e),
    };
    let mut out = anstream::stdout().lock();
    for ack in &acks {
        if json {
            writeln!(out, "{}", serde_json::to_string(ack)?)?;
        } else {
            writeln!(
                out,
                "appended descriptor {} as record {} (line {} of descriptors.jsonl), hash {}",
                ack.descriptor_id, ack.record.seq, ack.record.line, ack.record.hash
            )?;
        }
    }
    match (&cp, json) {
        (Some(c), true) => writeln!(out, "{}", serde_json::json!({ "checkpoint": c }))?,
        (Some(c), false) => writeln!(
            out,
            "checkpoint: descriptors size {} root {} signed with key {}",
            c.size, c.root, c.key_id
        )?,
        (None, _) => writeln!(
            anstream::stderr(),
            "iss: warning: no signing key: the record(s) are protected by hashes only until `iss checkpoint --key FILE`"
        )?,
    }
    Ok(EXIT_OK)
}

/// Run `iss prove`.
pub fn prove_cmd(args: &super::args::ProveArgs) -> anyhow::Result<u8> {
    use crate::ledger::native::prove::{Proof, prove_consistency, prove_inclusion};
    require_native(&args.path)?;
    let chain = Chain::from_name(&args.chain).with_context(|| {
        format!(
            "unknown chain {:?}: descriptors, pulses or events",
            args.chain
        )
    })?;
    let proof = match (args.record, args.from) {
        (Some(n), _) => prove_inclusion(&args.path, chain, n),
        (None, Some(s)) => prove_consistency(&args.path, chain, s),
        (None, None) => bail!("give --record N or --from SIZE"),
    };
    let proof = match proof {
        Ok(p) => p,
        Err(e) => bail!(e),
    };
    let mut out = anstream::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&proof)?)?;
        return Ok(EXIT_OK);
    }
    match &proof {
        Proof::Inclusion {
            index,
            tree_size,
            root,
            proof,
            leaf_hash,
            ..
        } => {
            writeln!(
                out,
                "inclusion of {chain} record {index} in the signed tree of size {tree_size}"
            )?;
            writeln!(out, "root       {root}")?;
            writeln!(out, "leaf hash  {leaf_hash}")?;
            for (i, p) in proof.iter().enumerate() {
                writeln!(out, "path[{i:>2}]   {p}")?;
            }
        }
        Proof::Consistency {
            old_size,
            old_root,
            tree_size,
            root,
            proof,
            old_checkpoint,
            ..
        } => {
            let signed = if old_checkpoint.is_some() {
                " (signed)"
            } else {
                ""
            };
            writeln!(
                out,
                "consistency of {chain} size {old_size}{signed} with the signed tree of size {tree_size}"
            )?;
            writeln!(out, "old root   {old_root}")?;
            writeln!(out, "root       {root}")?;
            for (i, p) in proof.iter().enumerate() {
                writeln!(out, "proof[{i:>2}]  {p}")?;
            }
        }
    }
    writeln!(
        out,
        "(use --json for the document `iss verify --proof` checks)"
    )?;
    Ok(EXIT_OK)
}

/// The native side of `iss append pulse`.
pub fn append_pulse(
    path: &Path,
    at: Option<&str>,
    mono_ns: Option<i64>,
    keys: &KeyFiles,
    json: bool,
) -> anyhow::Result<u8> {
    use crate::ledger::native::pulse::clock::ClockReading;
    let mut reading = ClockReading::now();
    if let Some(text) = at {
        // Microseconds, as for legacy pulses: exact through the parser's f64.
        reading.utc_unix_ns = super::append_pulse::micros_of(text)?.saturating_mul(1000);
    }
    if let Some(m) = mono_ns {
        reading.mono_ns = u64::try_from(m).context("--mono-ns must not be negative")?;
    }
    let leaps = crate::time::leap_seconds::LeapSecondList::best_available()?;
    let s = signer(path, keys)?;
    let mut w = match NativeWriter::open(path, s, mac_key(path, keys)?) {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let ack = match crate::ledger::native::append_pulse::append_pulse(&mut w, &reading, &leaps) {
        Ok(a) => a,
        Err(e) => return refusal(&e),
    };
    let mut out = anstream::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(&ack)?)?;
    } else {
        writeln!(
            out,
            "appended pulse as record {} (line {} of pulses.jsonl): utc {}, tai_ns {}, ΔAT {} s{}, hash {}",
            ack.record.seq,
            ack.record.line,
            ack.pulse.utc,
            ack.pulse.tai_ns,
            ack.pulse.leap_seconds.delta_at_s,
            if ack.pulse.leap_seconds.delta_at_known {
                ""
            } else {
                " (ASSUMED: the leap-second list had expired)"
            },
            ack.record.hash
        )?;
    }
    if ack.checkpoint.is_none() {
        writeln!(
            anstream::stderr(),
            "iss: warning: no signing key: the pulse is protected by hashes only until `iss checkpoint --key FILE`"
        )?;
    }
    Ok(EXIT_OK)
}

/// The native side of `iss repair`.
pub fn repair(args: &super::args::RepairArgs) -> anyhow::Result<u8> {
    let s = signer(&args.path, &args.keys)?;
    let done = match crate::ledger::native::repair::repair_native(
        &args.path,
        s,
        mac_key(&args.path, &args.keys)?,
    ) {
        Ok(d) => d,
        Err(e) => return refusal(&e),
    };
    let mut out = anstream::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&done)?)?;
        return Ok(EXIT_OK);
    }
    if done.cuts.is_empty() {
        writeln!(out, "nothing to cut: no file ends in a torn line")?;
    }
    for c in &done.cuts {
        writeln!(
            out,
            "{}: removed {} torn byte(s) at offset {} (sha256 {}); kept in {}; recorded as events record {}",
            c.file,
            c.bytes,
            c.offset,
            c.sha256,
            c.backup,
            c.event
                .as_ref()
                .map_or_else(|| "-".to_owned(), |e| e.seq.to_string())
        )?;
    }
    for cp in &done.checkpoints {
        writeln!(
            out,
            "{}: checkpoint size {} signed with key {}",
            cp.chain, cp.size, cp.key_id
        )?;
    }
    if done.checkpoints.is_empty() {
        writeln!(
            anstream::stderr(),
            "iss: warning: no signing key: the repair record is not yet covered by a signed checkpoint"
        )?;
    }
    Ok(EXIT_OK)
}

/// Whether `path` is a native ledger.
pub fn is_native(path: &Path) -> bool {
    is_native_dir(path)
}

fn require_native(path: &Path) -> anyhow::Result<()> {
    if !is_native_dir(path) {
        bail!(
            "{}: not a native ledger (no iss-ledger.json); `iss init` creates one",
            path.display()
        );
    }
    Ok(())
}
