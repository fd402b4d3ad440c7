//! Verification of a whole ledger: discovery, then each layer's files.

use crate::ledger::discover::{DiscoverError, Discovery, FileKind, discover};
use crate::ledger::io::reader::DEFAULT_MAX_LINE;
use crate::ledger::legacy::verify::glyph_chain::GlyphChainVerifier;
use crate::ledger::legacy::verify::manifest::ManifestVerifier;
use crate::ledger::legacy::verify::spice_layer::{
    ChainHead, SpiceLayer, verify_spice_layer_live, verify_spice_layer_tapped,
};
use crate::ledger::legacy::verify::time_checks::TimeCheckConfig;
use crate::ledger::legacy::verify::time_layer::verify_time_layer_live;
use crate::ledger::legacy::verify::v1_layer::{V1Layer, verify_v1_layer};
use crate::ledger::model::report::{LedgerStatus, MissingFile, ToolInfo, VerifyReport};
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::format::meta::{is_native_dir, is_native_without_metadata};
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::{NativeOptions, verify_lone_chain, verify_native};
use crate::ledger::protect::read_attribute;
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
    /// The HMAC key of a keyed native ledger, when the verifier holds it.
    pub mac_key: Option<MacKey>,
    /// Copy the bytes of one file to a consumer as verification reads them
    /// (`iss report maturity` reads the chain in the same pass).
    pub tap: Option<crate::ledger::io::tap::Tap>,
    /// Checkpoints trusted from outside the ledger to check it against
    /// (`--trust`, the remembered state); off by default.
    pub trust: crate::ledger::trust::TrustOptions,
    /// The only signing keys trusted (`--vkey`); `None`: the keys the
    /// ledger names.
    pub pinned: Option<Vec<crate::tlog::note::Verifier>>,
    /// A native ledger's witness policy (k of n cosignatures on each
    /// chain's newest verified checkpoint), when the verifier has one.
    pub witness_policy: Option<crate::tlog::policy::WitnessPolicy>,
    /// A native ledger's chain files still being written (a remote copy
    /// verified while it is fetched): read as they grow, to their end.
    pub growing: Option<crate::ledger::io::growing::Growing>,
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
pub const DESCRIPTOR_FILES: [FileKind; 5] = [
    FileKind::SpiceChain,
    FileKind::IntegrityManifest,
    FileKind::ConstitutionalLog,
    FileKind::SpiceDescriptorsV1,
    FileKind::NativeDescriptors,
];

/// The files the time analyses rest on: the pulse chain and the start log
/// that delimits its runs.
pub const TIME_FILES: [FileKind; 3] = [
    FileKind::GlyphChain,
    FileKind::ForensicAudit,
    FileKind::NativePulses,
];

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            max_line: DEFAULT_MAX_LINE,
            time: TimeCheckConfig::default(),
            only: None,
            mac_key: None,
            tap: None,
            trust: crate::ledger::trust::TrustOptions::Off,
            pinned: None,
            witness_policy: None,
            growing: None,
        }
    }
}

/// Discover the ledger at `path` and verify every file found.
pub fn verify_path(path: &Path, options: &VerifyOptions) -> Result<VerifyReport, DiscoverError> {
    if is_native_dir(path) || is_native_without_metadata(path) {
        return Ok(verify_native_report(path, options));
    }
    let mut found = discover(path)?;
    if let Some(kinds) = &options.only {
        found.found.retain(|f| kinds.contains(&f.kind));
        found.missing.retain(|f| kinds.contains(&f.kind));
    }
    Ok(verify_discovered(&found, options))
}

/// Verify a native ledger directory into the common report.
pub fn verify_native_report(dir: &Path, options: &VerifyOptions) -> VerifyReport {
    verify_native_report_live(dir, options).0
}

/// What a native verification leaves for a live watcher to continue from:
/// the metadata, the keys trusted after every rotation, and each chain's
/// end state (in-order verifier, checkpoint judge).
#[derive(Debug)]
pub struct NativeHeads {
    /// The metadata, when it could be read.
    pub meta: Option<crate::ledger::native::format::meta::Metadata>,
    /// The keys trusted after every rotation, when the metadata was read.
    pub keyring: Option<crate::ledger::native::keyring::Keyring>,
    /// Each chain's end state.
    pub chains: Vec<crate::ledger::native::verify::ChainState>,
}

/// [`verify_native_report`], also returning where each chain ended.
pub fn verify_native_report_live(
    dir: &Path,
    options: &VerifyOptions,
) -> (VerifyReport, NativeHeads) {
    let v = verify_native(
        dir,
        &NativeOptions {
            max_line: options.max_line,
            mac_key: options.mac_key.clone(),
            tap: options.tap.clone(),
            pinned: options.pinned.clone(),
            growing: options.growing.clone(),
            // `events` is always verified: its genesis and rotations decide
            // what the other chains' checkpoints mean.
            chains: options.only.as_ref().map(|kinds| {
                let mut chains = vec![Chain::Events];
                if kinds.contains(&FileKind::NativeDescriptors) {
                    chains.push(Chain::Descriptors);
                }
                if kinds.contains(&FileKind::NativePulses) {
                    chains.push(Chain::Pulses);
                }
                chains
            }),
        },
    );
    let mut files = v.files;
    if let Some(policy) = &options.witness_policy {
        crate::ledger::native::verify::witnessed::apply_policy(&mut files, &v.chains, policy);
    }
    for f in &mut files {
        f.os_attribute = Some(read_attribute(Path::new(&f.path)));
    }
    let mut report = VerifyReport {
        ledger: dir.display().to_string(),
        format: crate::ledger::native::format::meta::FORMAT,
        status: LedgerStatus::Clean,
        tool: ToolInfo::default(),
        files,
        missing: Vec::new(),
        time_segments: Vec::new(),
        proofs: Vec::new(),
        trust: None,
        timestamps: Vec::new(),
    };
    report.settle();
    crate::ledger::trust::apply(&options.trust, dir, v.meta.as_ref(), &v.chains, &mut report);
    let heads = NativeHeads {
        meta: v.meta,
        keyring: v.keyring,
        chains: v.chains,
    };
    (report, heads)
}

/// The in-order verifiers of a ledger's chained files as they stand after
/// a full verification: lines appended later continue from them (see
/// [`crate::ledger::watch`]).
#[derive(Debug)]
pub struct VerifierHeads {
    /// The descriptor chain's head (records, prefix hash state, verifier).
    pub chain: ChainHead,
    /// The manifest's verifier, when the ledger has a manifest.
    pub manifest: Option<ManifestVerifier>,
    /// The pulse chain's verifier, when the ledger has a pulse chain.
    pub glyph: Option<GlyphChainVerifier>,
    /// A native ledger's end state (`None` for a legacy ledger).
    pub native: Option<NativeHeads>,
}

/// Verify the files of an already discovered ledger.
pub fn verify_discovered(d: &Discovery, options: &VerifyOptions) -> VerifyReport {
    verify_discovered_live(d, options).0
}

/// [`verify_discovered`], also returning the verifiers' state at the end of
/// each chained file.
pub fn verify_discovered_live(
    d: &Discovery,
    options: &VerifyOptions,
) -> (VerifyReport, VerifierHeads) {
    if d.layout == crate::ledger::discover::Layout::Native {
        // Native chains have their own verifier; the legacy heads stay empty.
        let (report, native) = verify_native_report_live(&d.root, options);
        let empty = SpiceLayer {
            chain: None,
            manifest: None,
            constitutional: None,
        };
        let (_, chain, _) = verify_spice_layer_live(empty, options.max_line);
        let heads = VerifierHeads {
            chain,
            manifest: None,
            glyph: None,
            native: Some(native),
        };
        return (report, heads);
    }
    let (mut files, chain, manifest) = verify_spice_layer_tapped(
        SpiceLayer {
            chain: d.path_of(FileKind::SpiceChain),
            manifest: d.path_of(FileKind::IntegrityManifest),
            constitutional: d.path_of(FileKind::ConstitutionalLog),
        },
        options.max_line,
        options.tap.as_ref(),
    );
    let (time_files, time_segments, glyph) = verify_time_layer_live(
        d.path_of(FileKind::GlyphChain),
        d.path_of(FileKind::ForensicAudit),
        &options.time,
        options.max_line,
    );
    files.extend(time_files);
    for f in d.found.iter().filter(|f| f.kind.format().native()) {
        let chain = match f.kind {
            FileKind::NativeDescriptors => Chain::Descriptors,
            FileKind::NativePulses => Chain::Pulses,
            _ => Chain::Events,
        };
        files.push(verify_lone_chain(
            chain,
            &f.path,
            options.max_line,
            options.mac_key.as_ref(),
        ));
    }
    files.extend(verify_v1_layer(
        V1Layer {
            descriptors: d.path_of(FileKind::SpiceDescriptorsV1),
            bindings: d.path_of(FileKind::ConstitutionalBindingV1),
            index: d.path_of(FileKind::SpiceIndexV1),
        },
        options.max_line,
    ));
    let required =
        crate::ledger::legacy::verify::absence::report_missing(d, &mut files, manifest.as_ref());
    for f in &mut files {
        f.settle();
        // Read-only (FS_IOC_GETFLAGS): whether the OS keeps the file append-only.
        f.os_attribute = Some(read_attribute(Path::new(&f.path)));
    }
    let chained = d.found.iter().any(|f| !f.kind.is_v1());
    let mut report = VerifyReport {
        ledger: d.root.display().to_string(),
        format: if !d.found.is_empty() && d.found.iter().all(|f| f.kind.format().native()) {
            crate::ledger::native::format::meta::FORMAT
        } else if chained {
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
                required: required.contains(&m.kind),
            })
            .collect(),
        time_segments,
        proofs: Vec::new(),
        trust: None,
        timestamps: Vec::new(),
    };
    report.settle();
    crate::ledger::trust::apply_legacy(&options.trust, &mut report);
    (
        report,
        VerifierHeads {
            chain,
            manifest,
            glyph,
            native: None,
        },
    )
}
