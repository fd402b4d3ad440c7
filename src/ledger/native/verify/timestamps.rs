//! `iss verify`'s check of the stored timestamp tokens (`docs/TIMESTAMPS.md`):
//! each token file must name a checkpoint of its chain's history, carry the
//! SHA-256 of that checkpoint's exact note as its message imprint, and be
//! signed by one of the TSA certificates the verifier was given. Each token
//! gets a file report (its findings) and a [`TimestampResult`] (the time
//! it proves, or why not). Only reads.

use crate::ledger::model::finding::{Finding, FindingKind, Severity};
use crate::ledger::model::report::{Coverage, FileReport, TimestampResult, VerifyReport};
use crate::ledger::native::format::history::{HistoryEntry, read_history};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::format::timestamps::{TokenName, dir, note_sha256, parse_token_name};
use crate::tlog::rfc3161::asn1::ID_SHA256;
use crate::tlog::rfc3161::token::{Signer, check_token};
use std::path::Path;
use x509_cert::Certificate;

/// The file kind of a token in reports.
pub const FILE_KIND: &str = "native_timestamp";

/// A token is a few kilobytes; a file larger than this is not one.
const MAX_TOKEN_BYTES: u64 = 1 << 20;

fn coverage() -> Coverage {
    Coverage {
        hash_chained: false,
        witnessed_by: Some("the TSA's signature"),
        summary: "RFC 3161 token over a checkpoint note, signed by a TSA",
        protected_fields: vec!["every byte of the TSTInfo (the TSA's signature)"],
        unprotected_fields: vec![],
        checked: vec![
            "message imprint = SHA-256 of the named checkpoint note",
            "signed attributes (content type, message digest, ESS signing certificate)",
            "signature under a TSA certificate given with --tsa-cert",
        ],
        not_checked: vec![
            "the TSA certificate's chain, validity period and revocation: the certificates given are trusted as they are",
        ],
    }
}

/// Check every token stored in the ledger `ledger` against the TSA
/// certificates `certs`, adding a file report and a result per token to
/// `report` (and settling its status). Without certificates a token whose
/// signature holds under the certificate it carries is
/// `TIMESTAMP_UNTRUSTED` as a warning (nothing to trust it by was given);
/// with certificates, a token none of them signed is a violation.
pub fn check_all(ledger: &Path, certs: &[Certificate], report: &mut VerifyReport) {
    for chain in Chain::ALL {
        let d = dir(ledger, chain);
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                let mut f = FileReport::new(FILE_KIND, d.display().to_string(), coverage());
                f.error = Some(format!("cannot list the timestamp tokens: {e}"));
                f.settle();
                report.files.push(f);
                continue;
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            // `.<name>.tmp-<pid>`: a token being written (or interrupted).
            .filter(|n| !n.starts_with('.'))
            .collect();
        if names.is_empty() {
            continue;
        }
        names.sort_by_key(|n| (parse_token_name(n).map(|t| t.size), n.clone()));
        let history = chain_history(ledger, chain);
        for name in names {
            let path = d.join(&name);
            let (file, result) = check_one(&path, &name, chain, &history, certs);
            report.files.push(file);
            if let Some(r) = result {
                report.timestamps.push(r);
            }
        }
    }
    report.settle();
}

/// The chain's history entries (findings about the history itself are
/// the history's report's, not repeated here).
fn chain_history(ledger: &Path, chain: Chain) -> Vec<HistoryEntry> {
    let paths = ChainPaths::new(ledger, chain);
    let mut scratch = FileReport::new("", String::new(), coverage());
    read_history(
        &paths.history,
        crate::ledger::io::reader::DEFAULT_MAX_LINE,
        &mut scratch,
    )
}

fn check_one(
    path: &Path,
    name: &str,
    chain: Chain,
    history: &[HistoryEntry],
    certs: &[Certificate],
) -> (FileReport, Option<TimestampResult>) {
    let mut file = FileReport::new(FILE_KIND, path.display().to_string(), coverage());
    let result = judge(&mut file, path, name, chain, history, certs);
    file.settle();
    (file, result)
}

/// A finding about the token in `file`; its detail is returned for the
/// result. Without certificates, untrusted is a warning.
fn fail(
    file: &mut FileReport,
    certs: &[Certificate],
    kind: FindingKind,
    detail: String,
    expected_found: Option<(String, String)>,
) -> String {
    let mut f = Finding::new(kind, detail.clone());
    if let Some((e, x)) = expected_found {
        f = f.expected_found(e, x);
    }
    if kind == FindingKind::TimestampUntrusted && certs.is_empty() {
        f = f.severity(Severity::Warning);
    }
    file.findings.push(f);
    detail
}

/// The token file's findings into `file`, and its result (none when it
/// could not be read or is not named as a token).
fn judge(
    file: &mut FileReport,
    path: &Path,
    name: &str,
    chain: Chain,
    history: &[HistoryEntry],
    certs: &[Certificate],
) -> Option<TimestampResult> {
    let Some(TokenName {
        size,
        note_sha256: named,
    }) = parse_token_name(name)
    else {
        fail(
            file,
            certs,
            FindingKind::TimestampInvalid,
            format!(
                "{name} in {} is not a token's name: a token is named after the checkpoint it covers",
                dir_name(chain)
            ),
            Some((
                "<size>-<SHA-256 of the checkpoint note, hex>.tst".to_owned(),
                name.to_owned(),
            )),
        );
        return None;
    };
    let bytes = match crate::ledger::input::read_once(path, MAX_TOKEN_BYTES) {
        Ok(b) => b,
        Err(e) => {
            file.error = Some(format!("cannot read the token: {e}"));
            return None;
        }
    };
    file.bytes = bytes.len() as u64;
    file.records = 1;
    // The checkpoint the name points at: the history entry of that size
    // whose note has that hash.
    let at_size: Vec<&HistoryEntry> = history.iter().filter(|h| h.entry.size == size).collect();
    let entry = at_size
        .iter()
        .find(|h| note_sha256(&h.entry.note) == named)
        .copied();
    let mut result = TimestampResult {
        file: path.display().to_string(),
        origin: entry
            .and_then(|h| h.entry.note.lines().next())
            .map_or_else(|| chain.name().to_owned(), str::to_owned),
        chain: chain.name(),
        size,
        note_sha256: named.clone(),
        proven: false,
        gen_time: None,
        accuracy: None,
        tsa: None,
        serial: None,
        detail: String::new(),
    };
    let Some(entry) = entry else {
        let found = if at_size.is_empty() {
            format!("no checkpoint of size {size} in {}", history_name(chain))
        } else {
            let hashes: Vec<String> = at_size
                .iter()
                .map(|h| format!("{} (history line {})", note_sha256(&h.entry.note), h.line))
                .collect();
            format!("note SHA-256 {}", hashes.join(", "))
        };
        result.detail = fail(
            file,
            certs,
            FindingKind::TimestampInvalid,
            format!(
                "the token names the {} checkpoint of size {size} whose note has SHA-256 {named}, which {} does not hold: the note was changed or removed",
                chain.name(),
                history_name(chain)
            ),
            Some((
                format!("a checkpoint of size {size} with note SHA-256 {named}"),
                found,
            )),
        );
        return Some(result);
    };
    judge_token(file, &bytes, name, chain, entry, certs, &mut result);
    Some(result)
}

/// The token's signature and imprint, once the checkpoint it names is
/// found at `entry`.
fn judge_token(
    file: &mut FileReport,
    bytes: &[u8],
    name: &str,
    chain: Chain,
    entry: &HistoryEntry,
    certs: &[Certificate],
    result: &mut TimestampResult,
) {
    let size = result.size;
    let checked = match check_token(bytes, certs) {
        Ok(c) => c,
        Err(e) => {
            let kind = if e.untrusted {
                FindingKind::TimestampUntrusted
            } else {
                FindingKind::TimestampInvalid
            };
            result.detail = fail(file, certs, kind, format!("{name}: {}", e.reason), None);
            return;
        }
    };
    let facts = &checked.facts;
    result.gen_time = Some(facts.gen_time.clone());
    result.accuracy.clone_from(&facts.accuracy);
    result.serial = Some(facts.serial.clone());
    let imprint = hex::encode(&facts.imprint);
    if facts.imprint_algorithm != ID_SHA256 || imprint != result.note_sha256 {
        result.detail = fail(
            file,
            certs,
            FindingKind::TimestampInvalid,
            format!(
                "{name}: the token's message imprint is not the SHA-256 of the {} checkpoint note of size {size} (history line {})",
                chain.name(),
                entry.line
            ),
            Some((
                format!("SHA-256 {}", result.note_sha256),
                format!("{} {imprint}", facts.imprint_algorithm),
            )),
        );
        return;
    }
    match checked.signer {
        Signer::Trusted(who) => {
            result.proven = true;
            result.detail = format!(
                "the {} checkpoint of size {size} (history line {}) existed by {}, signed by {who}",
                chain.name(),
                entry.line,
                facts.gen_time
            );
            result.tsa = Some(who);
        }
        Signer::Untrusted(who) => {
            let why = if certs.is_empty() {
                "no TSA certificate was given (--tsa-cert)".to_owned()
            } else {
                format!("it is none of the {} certificate(s) given", certs.len())
            };
            result.detail = fail(
                file,
                certs,
                FindingKind::TimestampUntrusted,
                format!(
                    "{name}: the token verifies under the certificate it carries ({who}), but {why}: its time {} is not proven",
                    facts.gen_time
                ),
                Some((
                    "a token signed by a certificate given with --tsa-cert".to_owned(),
                    who.clone(),
                )),
            );
            result.tsa = Some(who);
        }
    }
}

fn dir_name(chain: Chain) -> String {
    format!("{}.timestamps", chain.file_name())
}

fn history_name(chain: Chain) -> String {
    format!("{}.checkpoints", chain.file_name())
}
