//! Verification of a whole ledger: discovery, then each layer's files.

use crate::analysis::time_forensics::TimeCheckConfig;
use crate::ledger::discover::{DiscoverError, Discovery, FileKind, discover};
use crate::ledger::legacy::spice_layer::{SpiceLayer, verify_spice_layer};
use crate::ledger::legacy::time_layer::verify_time_layer;
use crate::ledger::legacy::v1_layer::{V1Layer, verify_v1_layer};
use crate::ledger::protect::read_attribute;
use crate::ledger::reader::DEFAULT_MAX_LINE;
use crate::ledger::report::{LedgerStatus, MissingFile, ToolInfo, VerifyReport};
use std::path::Path;

/// Knobs for verification.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Lines longer than this are reported, not parsed.
    pub max_line: usize,
    /// Tolerances of the time consistency checks.
    pub time: TimeCheckConfig,
    /// Verify only files of these kinds (a command that reads only the
    /// descriptors need not verify four million pulses); `None`: all.
    pub only: Option<Vec<FileKind>>,
}

impl VerifyOptions {
    /// The default options, restricted to the files of `kinds`.
    pub fn only(kinds: &[FileKind]) -> Self {
        VerifyOptions {
            only: Some(kinds.to_vec()),
            ..VerifyOptions::default()
        }
    }
}

/// The files a report over descriptors rests on: the SPICE layer (chain,
/// its manifest witness, the bindings) and the hash-less v1 layer.
pub const DESCRIPTOR_FILES: [FileKind; 4] = [
    FileKind::SpiceChain,
    FileKind::IntegrityManifest,
    FileKind::ConstitutionalLog,
    FileKind::SpiceDescriptorsV1,
];

/// The files the time analyses rest on: the pulse chain and the start log
/// that delimits its runs.
pub const TIME_FILES: [FileKind; 2] = [FileKind::GlyphChain, FileKind::ForensicAudit];

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            max_line: DEFAULT_MAX_LINE,
            time: TimeCheckConfig::default(),
            only: None,
        }
    }
}

/// Discover the ledger at `path` and verify every file found.
pub fn verify_path(path: &Path, options: &VerifyOptions) -> Result<VerifyReport, DiscoverError> {
    let mut found = discover(path)?;
    if let Some(kinds) = &options.only {
        found.found.retain(|f| kinds.contains(&f.kind));
        found.missing.retain(|f| kinds.contains(&f.kind));
    }
    Ok(verify_discovered(&found, options))
}

/// Verify the files of an already discovered ledger.
pub fn verify_discovered(d: &Discovery, options: &VerifyOptions) -> VerifyReport {
    let mut files = verify_spice_layer(
        SpiceLayer {
            chain: d.path_of(FileKind::SpiceChain),
            manifest: d.path_of(FileKind::IntegrityManifest),
            constitutional: d.path_of(FileKind::ConstitutionalLog),
        },
        options.max_line,
    );
    let (time_files, time_segments) = verify_time_layer(
        d.path_of(FileKind::GlyphChain),
        d.path_of(FileKind::ForensicAudit),
        &options.time,
        options.max_line,
    );
    files.extend(time_files);
    files.extend(verify_v1_layer(
        V1Layer {
            descriptors: d.path_of(FileKind::SpiceDescriptorsV1),
            bindings: d.path_of(FileKind::ConstitutionalBindingV1),
            index: d.path_of(FileKind::SpiceIndexV1),
        },
        options.max_line,
    ));
    for f in &mut files {
        f.settle();
        // Read-only (FS_IOC_GETFLAGS): whether the OS keeps the file append-only.
        f.os_attribute = Some(read_attribute(Path::new(&f.path)));
    }
    let chained = d.found.iter().any(|f| !f.kind.is_v1());
    let mut report = VerifyReport {
        ledger: d.root.display().to_string(),
        format: if chained {
            "iss-legacy-v2"
        } else {
            "iss-legacy-v1"
        },
        status: LedgerStatus::Clean,
        tool: ToolInfo::default(),
        files,
        missing: d
            .missing
            .iter()
            .map(|m| MissingFile {
                name: m.kind.name(),
                path: m.path.display().to_string(),
            })
            .collect(),
        time_segments,
    };
    report.settle();
    report
}
