//! Appending a SPICE descriptor to a legacy ledger, byte-compatible with
//! the legacy service, through the one append module.
//!
//! The order is what makes it safe: take the ledger's lock; read the tails
//! of the chain and the manifest; verify the whole SPICE layer (refusing on
//! any violation); build the new line with the byte-compatible writer and
//! pass it through the very verifier that just checked the chain (schema,
//! id not used before, link to the last record, hash); append it with one
//! write, fsync and read-back, refused if the file moved since it was read;
//! then the record is durable and acknowledged; then the manifest line, the
//! same way. A manifest line that cannot be written leaves a durable,
//! acknowledged record with a follow-up to finish ([`Appended::witness`]):
//! `iss repair`, or the next append, writes it (see [`super::repair::complete_manifest`]), because
//! an append first completes what an interrupted one left unwritten.
//!
//! The legacy service does not take our lock: while it runs on the same
//! files, an append of ours and one of its own can still race. The tail
//! check then refuses ours rather than fork the chain.

mod group;
pub(crate) mod layer;
mod session;
#[cfg(test)]
mod test_descriptor;

/// The input this module appends (defined in the model: both formats take it).
pub use crate::ledger::model::new_descriptor::NewDescriptor;
pub use crate::ledger::write_error::WriteError;
pub use group::RESERVATION;
pub use session::LegacySession;
#[cfg(test)]
pub(crate) use test_descriptor::{Sample, sample, test_descriptor};

pub(crate) use layer::{VerifiedLayer, appendable_files, clean_tail, common_dir, verify_layer};

use crate::ledger::append::{FollowUpFailed, LedgerLock, Tail};
use crate::ledger::discover::discover;
use crate::ledger::hash::{hex_str, to_hex};
use crate::ledger::io::reader::{Content, Ending, RawLine};
use crate::ledger::legacy::format::line_builder::{
    GENESIS_PREV_HASH, descriptor_line, manifest_create_line,
};
use crate::ledger::legacy::verify::spice_chain::check_line;
use crate::ledger::legacy::write::repair::{self, Completed};
use crate::ledger::model::new_descriptor::complete;
use crate::time::civil::iso_from_micros;
use serde::Serialize;
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What an acknowledged append wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledged {
    /// The chain file.
    pub chain: String,
    /// 1-based line of the new record.
    pub line: u64,
    /// Its position in the chain (records before it + 1).
    pub seq: u64,
    /// Its `descriptor_id`.
    pub descriptor_id: String,
    /// Its `descriptor_hash`.
    pub descriptor_hash: String,
    /// 1-based line of the manifest line attesting it.
    pub manifest_line: u64,
    /// The manifest's new `chain_hash`.
    pub chain_hash: String,
}

/// Why a legacy ledger cannot take an append. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotAppendable {
    /// A file of the layer could not be read: its report, whose `error` is
    /// the verifier's located reason (file, line, why).
    #[error("{}", .0.error.as_deref().unwrap_or_default())]
    Unreadable(Box<crate::ledger::model::report::FileReport>),
    /// A preview of no descriptor.
    #[error("nothing to append")]
    NothingToAppend,
    /// An append of no records.
    #[error("an empty batch: nothing to append")]
    EmptyBatch,
    /// A native-only field in a legacy record.
    #[error(
        "record {index}: attribute_ratings are a native-format field; the legacy format has no place for them"
    )]
    AttributeRatings {
        /// 1-based place in the batch.
        index: usize,
    },
    /// No descriptor chain.
    #[error("{}: no spice_chain.jsonl to append to", .0.display())]
    NoChain(PathBuf),
    /// No manifest beside the chain.
    #[error(
        "{}: no integrity_manifest.jsonl; appending without it would leave the record unattested",
        .0.display()
    )]
    NoManifest(PathBuf),
    /// No time chain.
    #[error("{}: no glyph_chain.jsonl (the legacy time chain) to append a pulse to", .0.display())]
    NoTimeChain(PathBuf),
    /// The time chain's verifier left no state.
    #[error("{}: not verified", .0.display())]
    NotVerified(PathBuf),
    /// The last pulse has nothing to link to.
    #[error("{}: the last pulse has no usable glyph_hash to link to", .0.display())]
    NoGlyphHash(PathBuf),
    /// The manifest is not where the chain's check left it.
    #[error(
        "the manifest attests {attested} records but its last line was checked against {checked}: run `iss verify`"
    )]
    ManifestOutOfStep {
        /// Records the manifest attests.
        attested: u64,
        /// Records its last line was checked against.
        checked: u64,
    },
    /// More records without a manifest line than an interrupted append leaves.
    #[error(
        "more than {records} records after record {after} have no manifest line: more than an interrupted append leaves; \
         nothing was completed (run `iss verify`)"
    )]
    TooManyUnattested {
        /// How many were held.
        records: usize,
        /// Records attested before them.
        after: u64,
    },
}

/// What an append did, reported as it happens (for a caller that prints
/// each step as soon as it is durable).
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// The manifest lines an earlier, interrupted append did not write were
    /// written first.
    Completed(&'a Completed),
    /// The records are durable (written, synced, read back): acknowledged.
    Durable(&'a [Acknowledged]),
}

/// An append whose records are durable and acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The completion of an earlier interrupted append, done first.
    pub completed: Option<Completed>,
    /// The records.
    pub acks: Vec<Acknowledged>,
    /// The manifest lines attesting them: written, or what failed and how
    /// to finish it (the records stay durable either way).
    pub witness: Result<(), FollowUpFailed>,
}

/// Append `input` to the legacy ledger at `root`, at time `now_micros`
/// (Unix microseconds, the service's clock resolution).
pub fn append_descriptor(
    root: &Path,
    input: NewDescriptor,
    now_micros: i64,
) -> Result<Appended, WriteError> {
    append_descriptors(root, vec![input], now_micros, &mut |_| {})
}

/// Append a batch: every record is checked first (one bad record refuses
/// the whole batch, nothing written), then all records go in one write and
/// one fsync, then all manifest lines in one more. Records without their own
/// time get `now_micros` plus their index in microseconds, as a service
/// writing them one by one would. `progress` hears of each durable step.
pub fn append_descriptors(
    root: &Path,
    inputs: Vec<NewDescriptor>,
    now_micros: i64,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Appended, WriteError> {
    append_checked(root, inputs, now_micros, None, None, progress)
}

/// A record built and checked but not written: the exact line that
/// [`append_previewed`] writes for the same input and time, as long as the
/// chain does not change in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The record's line, without its newline.
    pub line: String,
    /// What the append would acknowledge (manifest line and chain hash included).
    pub ack: Acknowledged,
    /// The time the record is built for (Unix microseconds).
    pub now_micros: i64,
}

/// Build the line `input` would be appended as at `now_micros`, through
/// the same steps as [`append_descriptors`] (verify the SPICE layer, build
/// with the byte-compatible writer, check the new line with the verifier),
/// without taking the lock or writing anything.
pub fn preview_descriptor(
    root: &Path,
    input: NewDescriptor,
    now_micros: i64,
) -> Result<Preview, WriteError> {
    let found = discover(root)?;
    let (chain, manifest) = appendable_files(root, &found)?;
    let chain_tail = clean_tail(&chain)?;
    clean_tail(&manifest)?;
    let mut layer = verify_layer(&found, &chain, &manifest)?;
    let pending = repair::missing_lines(
        &layer.head,
        &layer.manifest,
        layer.manifest_lines,
        now_micros,
    )?
    .map_or(0, |m| m.lines.len() as u64);
    layer.manifest_lines += pending;
    let mut built = build_records(&mut layer, &chain, &chain_tail, vec![input], now_micros)?;
    match (built.bodies.pop(), built.acks.pop()) {
        (Some(line), Some(ack)) => Ok(Preview {
            line,
            ack,
            now_micros,
        }),
        _ => Err(WriteError::NotAppendable(NotAppendable::NothingToAppend)),
    }
}

/// Append `input` as `preview` showed it: refused, with nothing written,
/// when the line built now differs from the previewed one (the chain
/// moved on since the preview). Waits at most `lock_wait` for the ledger's
/// lock: an interactive caller should not hang behind another writer.
pub fn append_previewed(
    root: &Path,
    input: NewDescriptor,
    preview: &Preview,
    lock_wait: Duration,
) -> Result<Appended, WriteError> {
    append_checked(
        root,
        vec![input],
        preview.now_micros,
        Some(std::slice::from_ref(&preview.line)),
        Some(lock_wait),
        &mut |_| {},
    )
}

/// [`append_descriptors`], refusing when `expected` is given and the built
/// lines differ from it; waiting for the lock as long as it takes, or at
/// most `lock_wait`.
fn append_checked(
    root: &Path,
    inputs: Vec<NewDescriptor>,
    now_micros: i64,
    expected: Option<&[String]>,
    lock_wait: Option<Duration>,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Appended, WriteError> {
    check_inputs(&inputs)?;
    let found = discover(root)?;
    let (chain, manifest) = appendable_files(root, &found)?;
    let lock_dir = common_dir(&chain, &manifest);
    let mut lock = match lock_wait {
        None => LedgerLock::acquire(&lock_dir)?,
        Some(wait) => LedgerLock::acquire_timeout(&lock_dir, wait)?,
    };
    let mut verified = session::Verified::under_lock(&found, chain, manifest)?;
    let batch = session::Batch {
        inputs,
        now_micros,
        expected,
    };
    session::write_batch(root, &mut lock, &mut verified, batch, progress).map(|(done, _)| done)
}

/// Refuse an empty batch, and fields the legacy format has no place for.
fn check_inputs(inputs: &[NewDescriptor]) -> Result<(), WriteError> {
    if inputs.is_empty() {
        return Err(WriteError::NotAppendable(NotAppendable::EmptyBatch));
    }
    if let Some(i) = inputs.iter().position(|d| d.attribute_ratings.is_some()) {
        return Err(WriteError::NotAppendable(NotAppendable::AttributeRatings {
            index: i + 1,
        }));
    }
    Ok(())
}

/// The lines of a batch, built and checked, not yet written.
struct Built {
    bodies: Vec<String>,
    witness: Vec<String>,
    acks: Vec<Acknowledged>,
    first_line: u64,
}

/// Build each record with the byte-compatible writer and pass it through
/// the verifier that just checked the chain (advancing `layer` past them).
fn build_records(
    layer: &mut VerifiedLayer,
    chain: &Path,
    chain_tail: &Tail,
    inputs: Vec<NewDescriptor>,
    now_micros: i64,
) -> Result<Built, WriteError> {
    let manifest_lines = layer.manifest_lines;
    let head = &mut layer.head;
    let mut bodies = Vec::with_capacity(inputs.len());
    let mut witness = Vec::with_capacity(inputs.len());
    let mut acks = Vec::with_capacity(inputs.len());
    let mut prefix = head.prefix.clone();
    let mut offset = chain_tail.len;
    for (i, input) in inputs.into_iter().enumerate() {
        let at = now_micros.saturating_add(i64::try_from(i).unwrap_or(i64::MAX));
        let descriptor = complete(input, at);
        let prev = if head.verifier.records() == 0 {
            GENESIS_PREV_HASH.to_owned()
        } else {
            head.verifier.last_hash().to_owned()
        };
        let built = descriptor_line(&descriptor, &prev);
        let body = built.line.trim_end_matches('\n').to_owned();
        let line_no = head.lines + 1 + i as u64;
        let raw = RawLine {
            number: line_no,
            offset,
            content: Content::Bytes(body.as_bytes()),
            ending: Ending::Lf,
            bom: false,
        };
        let mut findings = Vec::new();
        head.verifier.accept(check_line(&raw, true), &mut findings);
        if !findings.is_empty() {
            return Err(WriteError::RecordDoesNotVerify(findings));
        }
        offset += body.len() as u64 + 1;
        let seq = head.records + 1 + i as u64;
        prefix.update(built.descriptor_hash.as_bytes());
        let chain_hash = hex_str(&to_hex(&prefix.clone().finalize().into())).to_owned();
        let line = manifest_create_line(
            &iso_from_micros(at),
            &descriptor.descriptor_id,
            &chain_hash,
            seq,
        );
        witness.push(line.trim_end_matches('\n').to_owned());
        acks.push(Acknowledged {
            chain: chain.display().to_string(),
            line: line_no,
            seq,
            descriptor_id: descriptor.descriptor_id,
            descriptor_hash: built.descriptor_hash,
            manifest_line: manifest_lines + 1 + i as u64,
            chain_hash,
        });
        bodies.push(body);
    }
    Ok(Built {
        bodies,
        witness,
        acks,
        first_line: head.lines + 1,
    })
}
