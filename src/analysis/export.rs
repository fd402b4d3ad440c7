//! The evidence bundle: everything an auditor files about one examination
//! of a ledger — which files were examined (with their SHA-256), the tool
//! and version that examined them, the verification result and the reports
//! — as one JSON document and as Markdown.

mod write;

pub use write::{Written, write_bundle};

use crate::analysis::health::{FileHealth, health};
use crate::analysis::maturity::MaturityReport;
use crate::analysis::pulses::{TimeSummary, for_each_pulse};
use crate::analysis::records::{Exclusions, descriptor_file, maturity_report, pulse_file};
use crate::ledger::model::report::VerifyReport;
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::verify::VerifyOptions;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::path::Path;

/// One examined file and its fingerprint.
#[derive(Debug, Clone, Serialize)]
pub struct ExaminedFile {
    /// Stable file kind name.
    pub name: &'static str,
    /// The file.
    pub path: String,
    /// Its size when hashed.
    pub bytes: u64,
    /// SHA-256 of its bytes when hashed.
    pub sha256: String,
}

/// The bundle.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceBundle {
    /// `iss.evidence-bundle/1`.
    pub schema: &'static str,
    /// When the bundle was made (UTC, ISO 8601).
    pub generated_at: String,
    /// Every file examined, fingerprinted.
    pub files: Vec<ExaminedFile>,
    /// Per-file health at the time.
    pub health: Vec<FileHealth>,
    /// The full verification result (with the tool's name and version).
    pub verification: VerifyReport,
    /// The maturity report over the verified descriptors, if any.
    pub maturity: Option<MaturityReport>,
    /// The time chain summary, if there is a time chain.
    pub time: Option<TimeSummary>,
}

/// SHA-256 and length of a file, streamed.
pub fn fingerprint(path: &Path) -> io::Result<(u64, String)> {
    // A read error names the file: the bundle examines many.
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let mut file = crate::ledger::input::open_regular(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(named)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

/// The report name of a native chain's latest-checkpoint file.
fn latest_name(chain: Chain) -> &'static str {
    match chain {
        Chain::Descriptors => "descriptors_latest_checkpoint",
        Chain::Pulses => "pulses_latest_checkpoint",
        Chain::Events => "events_latest_checkpoint",
    }
}

/// Build the bundle for an already verified ledger.
pub fn bundle(
    report: VerifyReport,
    options: &VerifyOptions,
    generated_at: String,
) -> io::Result<EvidenceBundle> {
    let mut files = Vec::new();
    let native = report.format == crate::ledger::native::format::meta::FORMAT;
    for f in &report.files {
        let path = Path::new(&f.path);
        // A native chain's history is reported even when it was never
        // written; verification said so, and there is nothing to hash.
        if native && !path.exists() {
            continue;
        }
        let (bytes, sha256) = fingerprint(path)?;
        files.push(ExaminedFile {
            name: f.name,
            path: f.path.clone(),
            bytes,
            sha256,
        });
    }
    if native {
        // The latest-checkpoint files are checked against the histories but
        // have no report of their own: fingerprint them too.
        for chain in Chain::ALL {
            let latest = ChainPaths::new(Path::new(&report.ledger), chain).latest;
            if latest.exists() {
                let (bytes, sha256) = fingerprint(&latest)?;
                files.push(ExaminedFile {
                    name: latest_name(chain),
                    path: latest.display().to_string(),
                    bytes,
                    sha256,
                });
            }
        }
    }
    let maturity = match descriptor_file(&report) {
        Some(file) => {
            let exclusions = Exclusions::from_report(&report, file.name());
            Some(maturity_report(file, &exclusions, options.max_line)?)
        }
        None => None,
    };
    let time = match pulse_file(&report) {
        Some(file) => {
            let exclusions = Exclusions::from_report(&report, file.name());
            let mut summary = TimeSummary::default();
            for_each_pulse(file, &exclusions, &options.time, options.max_line, |row| {
                summary.add(&row);
            })?;
            Some(summary)
        }
        None => None,
    };
    Ok(EvidenceBundle {
        schema: "iss.evidence-bundle/1",
        generated_at,
        files,
        health: health(&report),
        verification: report,
        maturity,
        time,
    })
}

impl EvidenceBundle {
    /// The bundle as Markdown for an auditor's file.
    pub fn to_markdown(&self) -> String {
        use std::fmt::Write;
        let v = &self.verification;
        let mut s = String::new();
        let status = serde_json::to_value(v.status)
            .ok()
            .and_then(|x| x.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(s, "# Evidence bundle\n");
        let _ = writeln!(s, "| item | value |\n|---|---|");
        let _ = writeln!(s, "| ledger | `{}` |", v.ledger);
        let _ = writeln!(s, "| format | {} |", v.format);
        let _ = writeln!(s, "| verification | **{status}** |");
        let _ = writeln!(s, "| tool | {} {} |", v.tool.name, v.tool.version);
        let _ = writeln!(s, "| generated at | {} |\n", self.generated_at);
        let _ = writeln!(
            s,
            "## Files examined\n\n| file | bytes | SHA-256 |\n|---|---|---|"
        );
        for f in &self.files {
            let _ = writeln!(s, "| `{}` | {} | `{}` |", f.path, f.bytes, f.sha256);
        }
        let _ = writeln!(
            s,
            "\n## Verification\n\n| file | records | status | violations | warnings | coverage |\n|---|---|---|---|---|---|"
        );
        for f in &v.files {
            let st = serde_json::to_value(f.status)
                .ok()
                .and_then(|x| x.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| {} | {} | {st} | {} | {} | {} |",
                f.name,
                f.records,
                f.violations(),
                f.warnings(),
                f.coverage.summary
            );
        }
        for m in &v.missing {
            let _ = writeln!(
                s,
                "| {} | — | not found | | | expected at `{}` |",
                m.name, m.path
            );
        }
        let _ = writeln!(s, "\n### Findings\n");
        let mut any = false;
        for (file, f) in v.findings() {
            any = true;
            let line = f.line.map_or(String::from("—"), |l| l.to_string());
            let _ = writeln!(
                s,
                "- **{}** ({}) {} line {}: {}",
                f.kind, f.severity, file.name, line, f.detail
            );
        }
        if !any {
            let _ = writeln!(s, "None.");
        }
        let _ = writeln!(s, "\n### Not covered by these checks\n");
        for f in &v.files {
            for gap in &f.coverage.not_checked {
                let _ = writeln!(s, "- {}: {gap}", f.name);
            }
        }
        if let Some(m) = &self.maturity {
            let _ = writeln!(s, "\n---\n");
            s.push_str(&m.to_markdown());
        }
        if let Some(t) = &self.time {
            let _ = writeln!(
                s,
                "\n---\n\n# Time chain\n\n{} pulses ({} verified), {} to {}.",
                t.pulses,
                t.verified,
                t.first_utc.as_deref().unwrap_or("—"),
                t.last_utc.as_deref().unwrap_or("—")
            );
        }
        s
    }
}
