//! The native ledger's write commands: `iss init`, `iss migrate`,
//! `iss prove`, and the native side of `iss append
//! descriptor` and `iss repair`. Every write goes through the native writer
//! and so through `ledger::append`.

use super::args::{InitArgs, KeyFiles};
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::append::{EXIT_DURABLE_FOLLOW_UP_FAILED, FollowUpFailed};
use crate::ledger::legacy::append::NewDescriptor;
use crate::ledger::legacy::writer::iso_from_micros;
use crate::ledger::native::descriptors::append_descriptor_records;
use crate::ledger::native::init::{InitOptions, init};
use crate::ledger::native::meta::Chain;
use crate::ledger::native::writer::{CheckpointStatus, NativeWriteError};
use crate::ledger::open::{Ledger, OpenOptions, require_native};
use anyhow::{Context, bail};
use std::io::Write;
use std::path::Path;

/// Microseconds since 1970 now, from the run's clock ([`super::clock`]).
pub fn now_micros() -> anyhow::Result<i64> {
    super::clock::now_micros(&*super::clock::clock()?)
}

use crate::ledger::native::secret::default_key_path;

/// Open the ledger at `path` with the key files given: its format, and
/// for a native ledger the signing key (`--key`, else `<ledger>.key` when
/// it exists) and the HMAC key (`--mac-key`, refused when it is not the
/// ledger's).
pub fn open(path: &Path, keys: &KeyFiles) -> anyhow::Result<Ledger> {
    Ok(Ledger::open(
        path,
        &OpenOptions {
            key: keys.key.as_deref(),
            mac_key: keys.mac_key.as_deref(),
        },
    )?)
}

/// Say that what was printed above (`subject`, e.g. "the pulse above is")
/// is durable but `f` failed; exit 3.
pub(super) fn follow_up_failed(
    f: &FollowUpFailed,
    json: bool,
    subject: &str,
) -> anyhow::Result<u8> {
    if json {
        let mut out = anstream::stdout().lock();
        writeln!(out, "{}", serde_json::json!({ "follow_up_failed": f }))?;
    }
    writeln!(
        anstream::stderr(),
        "iss: {subject} durable and acknowledged, but {f}"
    )?;
    Ok(EXIT_DURABLE_FOLLOW_UP_FAILED)
}

/// Print a refusal and map it to an exit status.
pub(super) fn refusal(e: &NativeWriteError) -> anyhow::Result<u8> {
    let mut err = anstream::stderr().lock();
    writeln!(err, "iss: {e}")?;
    if let NativeWriteError::Append(a) = e
        && !a.left_file_unchanged()
    {
        writeln!(
            err,
            "iss: nothing was acknowledged, but unacknowledged bytes may be left: run `iss verify`, then `iss repair`"
        )?;
    }
    if let NativeWriteError::Violated(findings) = e {
        super::append::print_violations(&mut err, findings, true)?;
        return Ok(EXIT_VIOLATION);
    }
    Ok(EXIT_ERROR)
}

/// [`refusal`] for `iss init` and `iss migrate`: when the command stopped
/// after marking the folder unfinished, also say how to start again.
fn unfinished_refusal(e: &NativeWriteError, dir: &Path, opts: &InitOptions) -> anyhow::Result<u8> {
    let code = refusal(e)?;
    let hint_given = e.to_string().contains("To start again");
    if !hint_given
        && dir
            .join(crate::ledger::native::init::UNFINISHED_MARKER)
            .exists()
    {
        let mut keys = vec![opts.key_path.as_path()];
        keys.extend(opts.mac_key_path.as_deref());
        writeln!(
            anstream::stderr(),
            "iss: {}",
            crate::ledger::native::init::start_again_hint(dir, &keys)
        )?;
    }
    Ok(code)
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
        Err(e) => return unfinished_refusal(&e, &args.init.path, &opts),
    };
    let mut out = super::output::stdout();
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
        Err(e) => return unfinished_refusal(&e, &args.path, &opts),
    };
    let mut out = super::output::stdout();
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

/// The native side of `iss append descriptor`.
pub fn append_descriptor(
    ledger: &Ledger,
    inputs: Vec<NewDescriptor>,
    json: bool,
) -> anyhow::Result<u8> {
    let mut w = match ledger.native_writer() {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let acks = match append_descriptor_records(&mut w, inputs, now_micros()?) {
        Ok(x) => x,
        Err(e) => return refusal(&e),
    };
    // Acknowledged as soon as they are durable, before the checkpoint.
    let mut out = super::output::stdout();
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
    out.flush()?;
    match (w.checkpoint_after_append(Chain::Descriptors), json) {
        (CheckpointStatus::Signed(c), true) => {
            writeln!(out, "{}", serde_json::json!({ "checkpoint": c }))?;
        }
        (CheckpointStatus::Signed(c), false) => writeln!(
            out,
            "checkpoint: descriptors size {} root {} signed with key {}",
            c.size, c.root, c.key_id
        )?,
        (CheckpointStatus::NotSigned, _) => writeln!(
            anstream::stderr(),
            "iss: warning: no signing key: the record(s) are protected by hashes only until `iss checkpoint --key FILE`"
        )?,
        (CheckpointStatus::Failed(f), _) => {
            drop(out);
            return follow_up_failed(&f, json, "the record(s) above are");
        }
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
    let mut out = super::output::stdout();
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
    ledger: &Ledger,
    at: Option<&str>,
    mono_ns: Option<i64>,
    json: bool,
) -> anyhow::Result<u8> {
    let mut reading = super::clock::clock()?.read();
    if let Some(text) = at {
        // Microseconds, as for legacy pulses: exact through the parser's f64.
        reading.utc_unix_ns = super::append_pulse::micros_of(text)?.saturating_mul(1000);
    }
    if let Some(m) = mono_ns {
        reading.mono_ns = u64::try_from(m).context("--mono-ns must not be negative")?;
    }
    let leaps = crate::time::leap_seconds::LeapSecondList::best_available()?;
    let mut w = match ledger.native_writer() {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let ack = match crate::ledger::native::append_pulse::append_pulse(&mut w, &reading, &leaps) {
        Ok(a) => a,
        Err(e) => return refusal(&e),
    };
    let mut out = super::output::stdout();
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
    if let Some(f) = &ack.checkpoint_failed {
        drop(out);
        // The JSON document above already carries `checkpoint_failed`.
        return follow_up_failed(f, false, "the pulse above is");
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
pub fn repair(ledger: &Ledger, args: &super::args::RepairArgs) -> anyhow::Result<u8> {
    let keys = ledger.keys().clone();
    let done = match crate::ledger::native::repair::repair_native(
        ledger.path(),
        keys.signer,
        keys.mac_key,
    ) {
        Ok(d) => d,
        Err(e) => return refusal(&e),
    };
    let mut out = super::output::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&done)?)?;
        if let Some(f) = &done.follow_up_failed {
            drop(out);
            return follow_up_failed(f, false, "the steps in the document above are");
        }
        return Ok(EXIT_OK);
    }
    if done.cuts.is_empty() {
        writeln!(out, "nothing to cut: no file ends in a torn line")?;
    }
    for c in &done.cuts {
        let what = if c.recorded_after_interruption {
            "an interrupted repair removed"
        } else {
            "removed"
        };
        writeln!(
            out,
            "{}: {what} {} torn byte(s) at offset {} (sha256 {}); kept in {}; recorded as events record {}",
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
    for chain in &done.latest_completed {
        writeln!(
            out,
            "{chain}: the latest-checkpoint file is the newest history entry again (an interrupted checkpoint)"
        )?;
    }
    for name in &done.temp_files_removed {
        writeln!(
            out,
            "removed {name}: the temporary file of an interrupted checkpoint"
        )?;
    }
    if let Some(f) = &done.follow_up_failed {
        drop(out);
        return follow_up_failed(f, false, "the steps above are");
    }
    if done.checkpoints.is_empty() && !done.cuts.is_empty() {
        writeln!(
            anstream::stderr(),
            "iss: warning: no signing key: the repair record is not yet covered by a signed checkpoint"
        )?;
    }
    Ok(EXIT_OK)
}
