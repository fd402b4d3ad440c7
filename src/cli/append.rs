//! `iss append descriptor|pulse` and `iss repair`: the write commands. Every write
//! goes through `ledger::append`.

use super::args::{AppendArgs, AppendWhat, RepairArgs};
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::append::{LedgerLock, Repair, Tail, TailState, repair_torn_tail};
use crate::ledger::discover::discover;
use crate::ledger::legacy::append::{LegacyAppendError, append_descriptors};
use anyhow::Context;
use std::io::{Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// Run `iss append ...`.
pub fn run(args: &AppendArgs) -> anyhow::Result<u8> {
    match &args.what {
        AppendWhat::Descriptor {
            path,
            file,
            batch,
            json,
            keys,
        } => descriptor(path, file.as_deref(), *batch, *json, keys),
        AppendWhat::Pulse {
            path,
            at,
            mono_ns,
            source_node,
            json,
            keys,
        } => {
            if super::native::is_native(path) {
                return super::native::append_pulse(path, at.as_deref(), *mono_ns, keys, *json);
            }
            super::append_pulse::run(path, at.as_deref(), *mono_ns, source_node.as_deref(), *json)
        }
    }
}

fn descriptor(
    path: &std::path::Path,
    file: Option<&std::path::Path>,
    batch: bool,
    json: bool,
    keys: &super::args::KeyFiles,
) -> anyhow::Result<u8> {
    let text = match file {
        Some(f) if f.as_os_str() != "-" => {
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?
        }
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the descriptor from standard input")?;
            s
        }
    };
    let inputs = super::descriptor_input::parse(&text, batch)?;
    if super::native::is_native(path) {
        return super::native::append_descriptor(path, inputs, keys, json);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    let now_micros = i64::try_from(now.as_micros()).context("the system clock is out of range")?;
    let mut out = super::output::stdout();
    let mut err = anstream::stderr().lock();
    match append_descriptors(path, inputs, now_micros) {
        Ok(acks) => {
            for ack in &acks {
                if json {
                    serde_json::to_writer(&mut out, ack)?;
                    writeln!(out)?;
                    continue;
                }
                writeln!(
                    out,
                    "appended descriptor {} as record {} (line {} of {}), descriptor_hash {}",
                    ack.descriptor_id, ack.seq, ack.line, ack.chain, ack.descriptor_hash
                )?;
                writeln!(
                    out,
                    "manifest line {} attests it (chain_hash {})",
                    ack.manifest_line, ack.chain_hash
                )?;
            }
            if !json {
                writeln!(
                    out,
                    "note: the legacy hash covers 4 fields (id, process, time, previous hash); the rest of a record \
                     can be changed without breaking the chain"
                )?;
            }
            Ok(EXIT_OK)
        }
        Err(LegacyAppendError::Violated(findings)) => {
            writeln!(err, "iss: refusing to append: the ledger does not verify")?;
            for (file, f) in findings.iter().take(20) {
                let line = f.line.map_or_else(String::new, |l| format!(":{l}"));
                writeln!(err, "  ✘ {file}{line} {}: {}", f.kind, f.detail)?;
            }
            if findings.len() > 20 {
                writeln!(err, "  … {} more; run `iss verify`", findings.len() - 20)?;
            }
            Ok(EXIT_VIOLATION)
        }
        Err(e) => {
            writeln!(err, "iss: {e}")?;
            Ok(EXIT_ERROR)
        }
    }
}

/// Run `iss repair`: cut torn last lines (copies kept beside the ledger).
pub fn repair(args: &RepairArgs) -> anyhow::Result<u8> {
    if super::native::is_native(&args.path) {
        return super::native::repair(args);
    }
    let found = discover(&args.path)?;
    let mut out = super::output::stdout();
    let mut repaired = Vec::new();
    for file in &found.found {
        if !matches!(Tail::read(&file.path)?, TailState::Torn { .. }) {
            continue;
        }
        let dir = file.path.parent().unwrap_or(std::path::Path::new("."));
        let mut lock = LedgerLock::acquire(dir)?;
        if let Repair::Truncated(t) = repair_torn_tail(&mut lock, &file.path, dir)? {
            writeln!(
                out,
                "{}: removed {} torn byte(s) at offset {} (sha256 {}); kept in {}",
                file.path.display(),
                t.len,
                t.offset,
                hex::encode(t.sha256),
                t.backup.display()
            )?;
            repaired.push(serde_json::json!({
                "file": file.path.display().to_string(), "offset": t.offset, "bytes": t.len,
                "sha256": hex::encode(t.sha256), "backup": t.backup.display().to_string(),
            }));
        }
    }
    if repaired.is_empty() {
        writeln!(out, "nothing to repair: no file ends in a torn line")?;
    } else {
        writeln!(
            out,
            "the legacy format has no place to record a repair: the backups above are the record; keep them with the ledger"
        )?;
    }
    if args.json {
        writeln!(out, "{}", serde_json::json!({ "repaired": repaired }))?;
    }
    Ok(EXIT_OK)
}
