//! Builders for the lines the legacy ISS Module v2.0 service writes,
//! byte-compatible with it (see `../shared/docs/LEGACY_FORMAT.md`).
//!
//! Everything here is pure: each builder returns one complete line ending in
//! `"\n"`, plus the hash values the next line needs. Writing the lines to the
//! right files, in the right order, is the caller's job (see `sample.rs`).

use crate::ledger::hash;
use crate::ledger::legacy::format::pyjson::{PyJsonWriter, Style, write_py_float};
use crate::ledger::model::new_descriptor::CompleteDescriptor;
use crate::time::civil::iso_from_micros;
use sha2::{Digest, Sha256};

/// `prev_descriptor_hash` of the first descriptor of a chain.
pub const GENESIS_PREV_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// The string whose `h32` is the `last` value before the first pulse.
pub const GLYPH_GENESIS_SEED: &str = "CALEON_PRIME_GENESIS_0";

/// `source_node` / `node` value the reference service writes.
pub const DEFAULT_SOURCE_NODE: &str = "ISS_MODULE_V2";

/// The `enforcement` list of every constitutional log line, in file order.
pub const CONSTITUTIONAL_ENFORCEMENT: [&str; 5] = [
    "NO_FILE_REWRITES",
    "NO_PERSISTENT_INDEX",
    "CRYPTOGRAPHIC_CHAINING",
    "OS_IMMUTABILITY",
    "PRE_POST_VERIFICATION",
];

/// Unix time of J2000 as the legacy service uses it (12:00 UTC, not TT).
const LEGACY_J2000_UNIX: f64 = 946_728_000.0;

/// Lower-case hex SHA-256 of the UTF-8 bytes of `s` (`h(s)` in the docs).
pub fn sha256_hex(s: &str) -> String {
    sha256_hex_parts(&[s])
}

/// Lower-case hex SHA-256 of the concatenation of `parts`; spares building
/// the joined string first.
fn sha256_hex_parts(parts: &[&str]) -> String {
    let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
    hash::hex_str(&hash::sha256_hex(&bytes)).to_owned()
}

/// First 32 hex characters of [`sha256_hex`] (`h32(s)` in the docs).
pub fn h32(s: &str) -> String {
    let mut h = sha256_hex(s);
    h.truncate(32);
    h
}

/// The `last` value before the very first pulse of a glyph chain.
pub fn genesis_last() -> String {
    h32(GLYPH_GENESIS_SEED)
}

/// A built SPICE descriptor line and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptorLine {
    /// The complete line, ending in `"\n"`.
    pub line: String,
    /// The line's `descriptor_hash`: the next line's `prev_descriptor_hash`.
    pub descriptor_hash: String,
}

/// `h(descriptor_id:process_name:assessed_at:prev_descriptor_hash)`: the
/// only four fields the legacy chain protects.
pub fn descriptor_hash(
    descriptor_id: &str,
    process_name: &str,
    assessed_at: &str,
    prev_descriptor_hash: &str,
) -> String {
    sha256_hex_parts(&[
        descriptor_id,
        ":",
        process_name,
        ":",
        assessed_at,
        ":",
        prev_descriptor_hash,
    ])
}

/// Builds one `spice_chain.jsonl` line (compact separators, documented key
/// order) following the descriptor whose hash is `prev_descriptor_hash`
/// ([`GENESIS_PREV_HASH`] for the first line).
pub fn descriptor_line(d: &CompleteDescriptor, prev_descriptor_hash: &str) -> DescriptorLine {
    let hash = descriptor_hash(
        &d.descriptor_id,
        &d.process_name,
        &d.assessed_at,
        prev_descriptor_hash,
    );
    let mut w = PyJsonWriter::with_capacity(Style::Compact, 1024);
    w.begin_object();
    w.key("descriptor_id").str(&d.descriptor_id);
    w.key("process_name").str(&d.process_name);
    w.key("process_version").str(&d.process_version);
    w.key("capability_level").int(i64::from(d.capability_level));
    w.key("process_outcome").str(&d.process_outcome);
    w.key("compliance_score").float(d.compliance_score);
    w.key("apriori_refs").str_array(&d.apriori_refs);
    w.key("aposteriori_refs").str_array(&d.aposteriori_refs);
    w.key("glyph_range_start").str(&d.glyph_range_start);
    w.key("glyph_range_end").str(&d.glyph_range_end);
    w.key("glyph_count").int(i64::from(d.glyph_count));
    w.key("evidence_required").str_array(&d.evidence_required);
    w.key("evidence_provided").str_array(&d.evidence_provided);
    w.key("assessed_by").str(&d.assessed_by);
    w.key("assessed_at").str(&d.assessed_at);
    w.key("assessment_method").str(&d.assessment_method);
    w.key("active_constraints").str_array(&d.active_constraints);
    w.key("advisory_notes").opt_str(d.advisory_notes.as_deref());
    w.key("prev_descriptor_hash").str(prev_descriptor_hash);
    w.key("descriptor_hash").str(&hash);
    w.end_object();
    let mut line = w.finish();
    line.push('\n');
    DescriptorLine {
        line,
        descriptor_hash: hash,
    }
}

/// `integrity_manifest.jsonl` line for a service start. The service writes
/// the chain state it found: `""` and 0 for an empty chain, otherwise the
/// current chain hash and count.
pub fn manifest_binding_line(timestamp: &str, chain_hash: &str, descriptor_count: u64) -> String {
    manifest_line(
        timestamp,
        "CONSTITUTIONAL_BINDING",
        None,
        chain_hash,
        descriptor_count,
    )
}

/// `integrity_manifest.jsonl` line for an appended descriptor; `chain_hash`
/// and `descriptor_count` include that descriptor.
pub fn manifest_create_line(
    timestamp: &str,
    descriptor_id: &str,
    chain_hash: &str,
    descriptor_count: u64,
) -> String {
    manifest_line(
        timestamp,
        "CREATE_DESCRIPTOR",
        Some(descriptor_id),
        chain_hash,
        descriptor_count,
    )
}

fn manifest_line(
    timestamp: &str,
    operation: &str,
    descriptor_id: Option<&str>,
    chain_hash: &str,
    descriptor_count: u64,
) -> String {
    let mut w = PyJsonWriter::with_capacity(Style::Compact, 200);
    w.begin_object();
    w.key("timestamp").str(timestamp);
    w.key("operation").str(operation);
    if let Some(id) = descriptor_id {
        w.key("descriptor_id").str(id);
    }
    w.key("chain_hash").str(chain_hash);
    // Counts beyond i64 cannot occur in a real file; saturate rather than wrap.
    w.key("descriptor_count")
        .int(i64::try_from(descriptor_count).unwrap_or(i64::MAX));
    w.end_object();
    let mut line = w.finish();
    line.push('\n');
    line
}

/// Running state of the integrity manifest: the chain hash over all
/// descriptor hashes seen so far, kept incrementally so that each new
/// manifest line costs O(1) instead of rehashing the whole chain.
#[derive(Debug, Clone, Default)]
pub struct ManifestState {
    /// SHA-256 state fed with every descriptor hash so far; cloned and
    /// finalised to read the current chain hash.
    hasher: Sha256,
    count: u64,
}

impl ManifestState {
    /// State of an empty chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of descriptor hashes seen.
    pub fn descriptor_count(&self) -> u64 {
        self.count
    }

    /// `h(concatenation of the descriptor hashes seen)`, or `""` when none.
    pub fn chain_hash(&self) -> String {
        if self.count == 0 {
            return String::new();
        }
        hash::hex_str(&hash::to_hex(&self.hasher.clone().finalize().into())).to_owned()
    }

    /// Records the next descriptor's hash (hex text, as in the chain file).
    pub fn push_descriptor_hash(&mut self, descriptor_hash: &str) {
        self.hasher.update(descriptor_hash.as_bytes());
        self.count += 1;
    }

    /// The manifest line a service start writes for the current state.
    pub fn binding_line(&self, timestamp: &str) -> String {
        manifest_binding_line(timestamp, &self.chain_hash(), self.count)
    }

    /// Records a new descriptor and returns its `CREATE_DESCRIPTOR` line.
    pub fn create_descriptor_line(
        &mut self,
        timestamp: &str,
        descriptor_id: &str,
        descriptor_hash: &str,
    ) -> String {
        self.push_descriptor_hash(descriptor_hash);
        manifest_create_line(timestamp, descriptor_id, &self.chain_hash(), self.count)
    }
}

/// One `constitutional_log.jsonl` line (compact), written at service start
/// with the same `timestamp` as the manifest binding line.
pub fn constitutional_line(timestamp: &str) -> String {
    let mut w = PyJsonWriter::with_capacity(Style::Compact, 256);
    w.begin_object();
    w.key("event").str("CONSTITUTIONAL_BINDING");
    w.key("article").str("VII");
    w.key("principle").str("ACTUAL_IMMUTABILITY");
    w.key("enforcement").str_array(&CONSTITUTIONAL_ENFORCEMENT);
    w.key("timestamp").str(timestamp);
    w.end_object();
    let mut line = w.finish();
    line.push('\n');
    line
}

/// One `forensic_audit.log` line (default separators), written when the
/// time keeper starts.
pub fn forensic_audit_line(timestamp: &str, node: &str) -> String {
    let mut w = PyJsonWriter::with_capacity(Style::Default, 200);
    w.begin_object();
    w.key("timestamp").str(timestamp);
    w.key("article").str("VII");
    w.key("clause").str("Flow Invariants");
    w.key("binding")
        .str("All memory is IMMUTABLE and AUDITABLE");
    w.key("system").str("ForensicTimeKeeper");
    w.key("node").str(node);
    w.end_object();
    let mut line = w.finish();
    line.push('\n');
    line
}

/// `utc_unix` as the service computes it from a clock read of `micros`
/// microseconds since the Unix epoch: Python's `micros / 10**6`.
///
/// Correctly rounded (hence identical to Python) while `|micros| < 2^53`,
/// i.e. for the years 1685..2255.
pub fn utc_unix_from_micros(micros: i64) -> f64 {
    micros as f64 / 1e6
}

/// `et_s` as the legacy service computes it (same operation order in f64):
/// TT seconds past J2000 with TAI-UTC fixed at 37 s.
pub fn legacy_et_s(utc_unix: f64) -> f64 {
    (utc_unix - LEGACY_J2000_UNIX) + 32.184 + 37.0
}

/// `epoch_days` as the legacy service computes it: UTC days past J2000.
pub fn legacy_epoch_days(utc_unix: f64) -> f64 {
    (utc_unix - LEGACY_J2000_UNIX) / 86_400.0
}

/// `julian_date` as the legacy service computes it (a JD(UTC)).
pub fn legacy_julian_date(utc_unix: f64) -> f64 {
    2_451_545.0 + legacy_epoch_days(utc_unix)
}

/// A built glyph-chain pulse line and the values the next pulse needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseLine {
    /// The complete line, ending in `"\n"`.
    pub line: String,
    /// The pulse's `glyph_hash` (64 hex characters).
    pub glyph_hash: String,
    /// `last` for the next pulse: `glyph_hash[..32]`.
    pub next_last: String,
}

/// Builds one `glyph_chain.jsonl` line (default separators).
///
/// `tai_ns` is the monotonic clock in ns (not TAI, despite the name),
/// `utc_micros` the wall clock in integer microseconds since the Unix epoch,
/// and `last` the previous pulse's `glyph_hash[..32]` ([`genesis_last`] for
/// the first pulse of a file). The float fields and the hashes over their
/// text are computed exactly as the Python service does.
pub fn pulse_line(tai_ns: i64, utc_micros: i64, source_node: &str, last: &str) -> PulseLine {
    let utc_unix = utc_unix_from_micros(utc_micros);
    let utc_iso = iso_from_micros(utc_micros);
    let et_s = legacy_et_s(utc_unix);
    let epoch_days = legacy_epoch_days(utc_unix);
    let julian_date = legacy_julian_date(utc_unix);

    // The hashes cover the repr text of the floats, i.e. their JSON tokens.
    let mut et_text = String::with_capacity(24);
    write_py_float(&mut et_text, et_s);
    let mut utc_text = String::with_capacity(24);
    write_py_float(&mut utc_text, utc_unix);

    let tai_text = tai_ns.to_string();
    let mut pulse_id =
        sha256_hex_parts(&[&tai_text, ":", &utc_iso, ":", &et_text, ":", source_node]);
    pulse_id.truncate(32);
    let glyph_hash = sha256_hex_parts(&[&pulse_id, ":", last, ":", &utc_text]);
    let mut chain_hash = sha256_hex_parts(&[&glyph_hash, ":", last, ":", source_node]);
    chain_hash.truncate(32);

    let mut w = PyJsonWriter::with_capacity(Style::Default, 450);
    w.begin_object();
    w.key("tai_ns").raw_value(&tai_text);
    w.key("utc_iso").str(&utc_iso);
    w.key("et_s").raw_value(&et_text);
    w.key("utc_unix").raw_value(&utc_text);
    w.key("epoch_days").float(epoch_days);
    w.key("julian_date").float(julian_date);
    w.key("pulse_id").str(&pulse_id);
    w.key("glyph_hash").str(&glyph_hash);
    w.key("chain_hash").str(&chain_hash);
    w.key("source_node").str(source_node);
    w.end_object();
    let mut line = w.finish();
    line.push('\n');
    let next_last = glyph_hash[..32].to_string();
    PulseLine {
        line,
        glyph_hash,
        next_last,
    }
}

#[cfg(test)]
mod tests;
