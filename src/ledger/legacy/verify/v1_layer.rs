//! The hash-less `spice_layer_v1/`: opened, schema-checked, compared with
//! its own index, and reported as not hash-chained, never as tampered.

use crate::ledger::discover::FileKind;
use crate::ledger::io::scan::{open, scan_file};
use crate::ledger::legacy::verify::plain_log::{PlainLogVerifier, V1_BINDING_FIELDS};
use crate::ledger::legacy::verify::spice_chain::SpiceChainVerifier;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::FileReport;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

/// The index is one JSON document, read whole; refuse anything absurd.
const MAX_INDEX_BYTES: u64 = 64 * 1024 * 1024;

/// The files of the v1 layer; any may be absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct V1Layer<'p> {
    /// `spice_descriptors.jsonl`.
    pub descriptors: Option<&'p Path>,
    /// `constitutional_binding.jsonl`.
    pub bindings: Option<&'p Path>,
    /// `spice_index.json`.
    pub index: Option<&'p Path>,
}

/// Verify the v1 layer's files.
pub fn verify_v1_layer(layer: V1Layer<'_>, max_line: usize) -> Vec<FileReport> {
    let mut reports = Vec::new();
    let mut ids = BTreeSet::new();
    // The index is compared with the descriptors only when they were read
    // to the end: an id "missing" from a file not read is not missing.
    let mut ids_complete = false;
    if let Some(p) = layer.descriptors {
        let kind = FileKind::SpiceDescriptorsV1;
        let mut report =
            FileReport::new(kind.name(), p.display().to_string(), kind.coverage(false));
        report.findings.push(Finding::new(
            FindingKind::Unchained,
            "the v1 layer carries no hashes: its records can be changed, removed or reordered without trace; \
             they are reported as read, not as verified",
        ));
        let mut v = SpiceChainVerifier::new(false);
        scan_file(p, max_line, &mut report, |line, out| {
            if v.feed(line, out).is_some() {
                ids.insert(v.last_id().to_owned());
            }
        });
        v.finish(&mut report.findings);
        report.records = v.records();
        ids_complete = report.error.is_none();
        reports.push(report);
    }
    if let Some(p) = layer.bindings {
        let kind = FileKind::ConstitutionalBindingV1;
        let mut report =
            FileReport::new(kind.name(), p.display().to_string(), kind.coverage(false));
        let mut v = PlainLogVerifier::new(&V1_BINDING_FIELDS);
        scan_file(p, max_line, &mut report, |line, out| v.feed(line, out));
        v.finish(&mut report.findings);
        report.records = v.records();
        reports.push(report);
    }
    if let Some(p) = layer.index {
        let mut index = check_index(p, ids_complete.then_some(&ids));
        if layer.descriptors.is_some() && !ids_complete {
            index.coverage.not_checked.push(
                "spice_descriptors_v1 could not be read (see UNREADABLE): the index was not compared with it",
            );
        }
        reports.push(index);
    }
    reports
}

/// Compare the derived index with the descriptors it claims to index.
fn check_index(path: &Path, ids: Option<&BTreeSet<String>>) -> FileReport {
    let kind = FileKind::SpiceIndexV1;
    let mut report = FileReport::new(
        kind.name(),
        path.display().to_string(),
        kind.coverage(false),
    );
    let Some(file) = open(path, &mut report) else {
        return report;
    };
    let mut bytes = Vec::new();
    if let Err(e) = file.take(MAX_INDEX_BYTES + 1).read_to_end(&mut bytes) {
        report.unreadable(
            format!("read error in {}: {e}", path.display()),
            &e.to_string(),
            None,
        );
        return report;
    }
    report.bytes = bytes.len() as u64;
    report.lines = memchr::memchr_iter(b'\n', &bytes).count() as u64 + 1;
    if report.bytes > MAX_INDEX_BYTES {
        report.unreadable(
            format!(
                "{} is larger than {MAX_INDEX_BYTES} bytes; not read",
                path.display()
            ),
            &format!("more than {MAX_INDEX_BYTES} bytes"),
            None,
        );
        return report;
    }
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            report.findings.push(
                Finding::new(FindingKind::ParseError, "the index is not valid JSON")
                    .at(e.line() as u64, 0)
                    .expected_found("one JSON document", e.to_string()),
            );
            return report;
        }
    };
    report.records = 1;
    let listed: Option<BTreeSet<String>> = value
        .get("descriptors")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        });
    let Some(listed) = listed else {
        report.findings.push(
            Finding::new(
                FindingKind::SchemaError,
                "the index has no `descriptors` list",
            )
            .expected_found("\"descriptors\": [ids]", "absent or not an array"),
        );
        return report;
    };
    if let Some(ids) = ids {
        for (id, expected, found, detail) in listed
            .difference(ids)
            .map(|id| {
                (
                    id,
                    "present in spice_descriptors.jsonl",
                    "absent",
                    "the index lists a descriptor the layer does not hold",
                )
            })
            .chain(ids.difference(&listed).map(|id| {
                (
                    id,
                    "listed in the index",
                    "not listed",
                    "the layer holds a descriptor its index does not list",
                )
            }))
        {
            report.findings.push(
                Finding::new(FindingKind::IndexMismatch, detail)
                    .record(id.clone())
                    .expected_found(expected, found),
            );
        }
    }
    report
}
