//! Ledger discovery: from a path a user typed to the chain files it holds.
//!
//! Ledgers reach a reviewer in many shapes: the legacy service's own tree
//! (`data/spice_layer/` + `logs/forensic_logs/`), an older install's
//! `spice_layer_immutable/`, the hash-less `spice_layer_v1/`, a folder that
//! holds the chain files themselves, or one file copied out on its own.
//! Discovery finds the files, names what it expected but did not find, and
//! never guesses silently: a file it cannot classify is an error.

use crate::ledger::input::open_regular;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The kinds of file a legacy ISS ledger is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `spice_chain.jsonl`: SPICE descriptors, hash-chained.
    SpiceChain,
    /// `integrity_manifest.jsonl`: one line per operation, attesting chain state.
    IntegrityManifest,
    /// `constitutional_log.jsonl`: one binding event per service start.
    ConstitutionalLog,
    /// `glyph_chain.jsonl`: forensic time pulses, hash-chained.
    GlyphChain,
    /// `forensic_audit.log`: one line per time-keeper start.
    ForensicAudit,
    /// `spice_layer_v1/spice_descriptors.jsonl`: descriptors without hashes.
    SpiceDescriptorsV1,
    /// `spice_layer_v1/constitutional_binding.jsonl`: v1 layer start events.
    ConstitutionalBindingV1,
    /// `spice_layer_v1/spice_index.json`: the v1 layer's derived index.
    SpiceIndexV1,
    /// A native ledger's `descriptors.jsonl` (`docs/FORMAT.md`).
    NativeDescriptors,
    /// A native ledger's `pulses.jsonl`.
    NativePulses,
    /// A native ledger's `events.jsonl`.
    NativeEvents,
}

impl FileKind {
    /// Every kind, in report order.
    pub const ALL: [FileKind; 11] = [
        FileKind::SpiceChain,
        FileKind::IntegrityManifest,
        FileKind::ConstitutionalLog,
        FileKind::GlyphChain,
        FileKind::ForensicAudit,
        FileKind::SpiceDescriptorsV1,
        FileKind::ConstitutionalBindingV1,
        FileKind::SpiceIndexV1,
        FileKind::NativeDescriptors,
        FileKind::NativePulses,
        FileKind::NativeEvents,
    ];

    /// Stable name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::SpiceChain => "spice_chain",
            FileKind::IntegrityManifest => "integrity_manifest",
            FileKind::ConstitutionalLog => "constitutional_log",
            FileKind::GlyphChain => "glyph_chain",
            FileKind::ForensicAudit => "forensic_audit",
            FileKind::SpiceDescriptorsV1 => "spice_descriptors_v1",
            FileKind::ConstitutionalBindingV1 => "constitutional_binding_v1",
            FileKind::SpiceIndexV1 => "spice_index_v1",
            FileKind::NativeDescriptors => "descriptors",
            FileKind::NativePulses => "pulses",
            FileKind::NativeEvents => "events",
        }
    }

    /// The file name the legacy service gives this file.
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::SpiceChain => "spice_chain.jsonl",
            FileKind::IntegrityManifest => "integrity_manifest.jsonl",
            FileKind::ConstitutionalLog => "constitutional_log.jsonl",
            FileKind::GlyphChain => "glyph_chain.jsonl",
            FileKind::ForensicAudit => "forensic_audit.log",
            FileKind::SpiceDescriptorsV1 => "spice_descriptors.jsonl",
            FileKind::ConstitutionalBindingV1 => "constitutional_binding.jsonl",
            FileKind::SpiceIndexV1 => "spice_index.json",
            FileKind::NativeDescriptors => "descriptors.jsonl",
            FileKind::NativePulses => "pulses.jsonl",
            FileKind::NativeEvents => "events.jsonl",
        }
    }

    fn from_file_name(name: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.file_name() == name)
    }

    /// What verification of a file of this kind covers, and what it cannot
    /// (`witnessed`: whether the file's cross-check partner was present).
    pub fn coverage(self, witnessed: bool) -> crate::ledger::model::report::Coverage {
        use crate::ledger::legacy::verify::coverage as legacy;
        match self {
            FileKind::SpiceChain => legacy::spice_chain(witnessed),
            FileKind::IntegrityManifest => legacy::integrity_manifest(witnessed),
            FileKind::ConstitutionalLog => legacy::constitutional_log(witnessed),
            FileKind::GlyphChain => legacy::glyph_chain(),
            FileKind::ForensicAudit => legacy::forensic_audit(),
            FileKind::SpiceDescriptorsV1 => legacy::spice_descriptors_v1(),
            FileKind::ConstitutionalBindingV1 => legacy::constitutional_binding_v1(),
            FileKind::SpiceIndexV1 => legacy::spice_index_v1(),
            FileKind::NativeDescriptors | FileKind::NativePulses | FileKind::NativeEvents => {
                crate::ledger::native::verify::coverage::chain(false)
            }
        }
    }

    /// Whether this kind belongs to the hash-less v1 layer.
    pub fn is_v1(self) -> bool {
        matches!(
            self,
            FileKind::SpiceDescriptorsV1
                | FileKind::ConstitutionalBindingV1
                | FileKind::SpiceIndexV1
        )
    }
}

/// The shape in which a ledger was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The legacy service's tree: `data/spice_layer/` and `logs/forensic_logs/`.
    ServiceTree,
    /// An older install's `spice_layer_immutable/` (with `logs/forensic_logs/` if present).
    ImmutableLayer,
    /// A folder holding the files of one or more layers as subfolders.
    Collection,
    /// A folder that holds the chain files themselves.
    FlatDirectory,
    /// One file.
    SingleFile,
    /// A native ledger directory (`iss-ledger.json`, `docs/FORMAT.md`).
    Native,
}

/// A file discovery found, or expected and did not find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerFile {
    /// What the file is.
    pub kind: FileKind,
    /// Where it is (or would be).
    pub path: PathBuf,
}

/// What discovery found under a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The path the user gave.
    pub root: PathBuf,
    /// How the files were laid out.
    pub layout: Layout,
    /// Files found, in report order.
    pub found: Vec<LedgerFile>,
    /// Files the layout implies but that are not there.
    pub missing: Vec<LedgerFile>,
}

impl Discovery {
    /// The path of a found file of `kind`, if any.
    pub fn path_of(&self, kind: FileKind) -> Option<&Path> {
        self.found
            .iter()
            .find(|f| f.kind == kind)
            .map(|f| f.path.as_path())
    }
}

/// Why discovery failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverError {
    /// The path does not exist or cannot be inspected.
    #[error("{path}: {source}")]
    Inaccessible {
        /// The path given.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file whose name and first line match no ledger file kind.
    #[error("{path}: not a recognised ledger file ({reason})")]
    UnknownFile {
        /// The file.
        path: PathBuf,
        /// What was seen instead.
        reason: String,
    },
    /// A folder with no ledger files in any known layout.
    #[error(
        "{path}: no ledger files found (looked for data/spice_layer/, logs/forensic_logs/, \
         spice_layer_immutable/, spice_layer_v1/ and the chain files themselves)"
    )]
    NoLedger {
        /// The folder given.
        path: PathBuf,
    },
}

const SPICE_FILES: [FileKind; 3] = [
    FileKind::SpiceChain,
    FileKind::IntegrityManifest,
    FileKind::ConstitutionalLog,
];
const TIME_FILES: [FileKind; 2] = [FileKind::GlyphChain, FileKind::ForensicAudit];
const V1_FILES: [FileKind; 3] = [
    FileKind::SpiceDescriptorsV1,
    FileKind::ConstitutionalBindingV1,
    FileKind::SpiceIndexV1,
];

/// Find the ledger files under `path` (a folder or a single file).
pub fn discover(path: &Path) -> Result<Discovery, DiscoverError> {
    if crate::ledger::input::is_spooled(path) {
        // A stream taken in once (`-`, a pipe): one file, whatever its name.
        return single_file(path);
    }
    let meta = std::fs::metadata(path).map_err(|source| DiscoverError::Inaccessible {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() && crate::ledger::native::format::meta::is_native_dir(path) {
        return Ok(discover_native(path));
    }
    if !meta.is_dir() {
        return single_file(path);
    }

    let mut groups: Vec<(PathBuf, &[FileKind])> = Vec::new();
    let service = path.join("data").join("spice_layer");
    let forensic = path.join("logs").join("forensic_logs");
    let immutable = path.join("spice_layer_immutable");
    let v1 = path.join("spice_layer_v1");
    let layout = if service.is_dir() {
        groups.push((service, &SPICE_FILES));
        groups.push((forensic, &TIME_FILES));
        Layout::ServiceTree
    } else if immutable.is_dir() || v1.is_dir() {
        if immutable.is_dir() {
            groups.push((immutable, &SPICE_FILES));
        }
        let has_forensic = forensic.is_dir();
        if has_forensic {
            groups.push((forensic, &TIME_FILES));
        }
        if v1.is_dir() {
            groups.push((v1, &V1_FILES));
        }
        if groups.len() == 1 || (groups.len() == 2 && has_forensic) {
            Layout::ImmutableLayer
        } else {
            Layout::Collection
        }
    } else if forensic.is_dir() {
        groups.push((forensic, &TIME_FILES));
        Layout::ServiceTree
    } else {
        // The folder holds the files themselves: expect each family of which
        // at least one member is present.
        for family in [&SPICE_FILES[..], &TIME_FILES[..], &V1_FILES[..]] {
            if family.iter().any(|k| present(&path.join(k.file_name()))) {
                groups.push((path.to_path_buf(), family));
            }
        }
        Layout::FlatDirectory
    };

    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (dir, kinds) in groups {
        for &kind in kinds {
            let file = LedgerFile {
                kind,
                path: dir.join(kind.file_name()),
            };
            if present(&file.path) {
                found.push(file);
            } else {
                missing.push(file);
            }
        }
    }
    if found.is_empty() {
        return Err(DiscoverError::NoLedger {
            path: path.to_path_buf(),
        });
    }
    found.sort_by_key(|f| f.kind);
    Ok(Discovery {
        root: path.to_path_buf(),
        layout,
        found,
        missing,
    })
}

/// One file given on its own, classified by its name or first line.
fn single_file(path: &Path) -> Result<Discovery, DiscoverError> {
    let kind = classify_file(path)?;
    Ok(Discovery {
        root: path.to_path_buf(),
        layout: Layout::SingleFile,
        found: vec![LedgerFile {
            kind,
            path: path.to_path_buf(),
        }],
        missing: Vec::new(),
    })
}

/// Whether a file of the layout is there: any kind of file counts (a named
/// pipe or a directory in a chain file's place is found, and its reader
/// then says it cannot be read), as does a name whose metadata cannot be
/// read; only a name that does not exist is missing.
fn present(path: &Path) -> bool {
    crate::ledger::input::present(path)
}

/// A native record line on its own: which chain it belongs to is part of its
/// hash, so try each chain's name.
fn native_chain_kind(
    text: &str,
    object: &serde_json::Map<String, serde_json::Value>,
) -> Option<FileKind> {
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    let native = ["body", "hash", "prev", "seq"];
    if !(keys == native || keys == ["body", "hash", "mac", "prev", "seq"]) {
        return None;
    }
    let (record, _) = crate::ledger::native::format::record::parse_fields(text.trim()).ok()?;
    [
        (FileKind::NativeDescriptors, "descriptors"),
        (FileKind::NativePulses, "pulses"),
        (FileKind::NativeEvents, "events"),
    ]
    .into_iter()
    .find(|(_, chain)| record.hash_ok(chain))
    .map(|(kind, _)| kind)
}

/// A native ledger directory: its three chains, found or missing.
fn discover_native(path: &Path) -> Discovery {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for kind in [
        FileKind::NativeDescriptors,
        FileKind::NativePulses,
        FileKind::NativeEvents,
    ] {
        let file = LedgerFile {
            kind,
            path: path.join(kind.file_name()),
        };
        if present(&file.path) {
            found.push(file);
        } else {
            missing.push(file);
        }
    }
    Discovery {
        root: path.to_path_buf(),
        layout: Layout::Native,
        found,
        missing,
    }
}

/// The most of a file's first line read to recognise it by its content.
const RECOGNITION_LIMIT: u64 = 1 << 20;

/// Classify one file: by its legacy name, or else by the keys of its first
/// non-blank line (a file copied out under another name).
fn classify_file(path: &Path) -> Result<FileKind, DiscoverError> {
    if let Some(kind) = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(FileKind::from_file_name)
    {
        return Ok(kind);
    }
    let unknown = |reason: String| DiscoverError::UnknownFile {
        path: path.to_path_buf(),
        reason,
    };
    let file = open_regular(path).map_err(|source| DiscoverError::Inaccessible {
        path: path.to_path_buf(),
        source,
    })?;
    // Only the first line is needed; cap it so a huge line cannot exhaust memory.
    let mut reader = BufReader::new(file.take(RECOGNITION_LIMIT));
    let mut first = Vec::new();
    loop {
        first.clear();
        let n =
            reader
                .read_until(b'\n', &mut first)
                .map_err(|source| DiscoverError::Inaccessible {
                    path: path.to_path_buf(),
                    source,
                })?;
        if n == 0 || !first.iter().all(u8::is_ascii_whitespace) {
            break;
        }
    }
    if !first.ends_with(b"\n") && reader.into_inner().limit() == 0 {
        return Err(unknown(format!(
            "its first line is longer than {} MiB, the most read to recognise a file by its \
             content; name the file after the chain it is (spice_chain.jsonl, \
             integrity_manifest.jsonl, glyph_chain.jsonl, descriptors.jsonl, pulses.jsonl, \
             events.jsonl, ...) to verify it, which reports lines over --max-line-bytes as \
             LINE_TOO_LONG",
            RECOGNITION_LIMIT >> 20
        )));
    }
    let text = String::from_utf8_lossy(&first);
    let json = text.trim_start_matches('\u{feff}').trim();
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        unknown(format!(
            "its first line is not JSON: {}",
            crate::ledger::json::describe_syntax_error(json, &e)
        ))
    })?;
    let object = value
        .as_object()
        .ok_or_else(|| unknown("its first line is not a JSON object".into()))?;
    let has = |k: &str| object.contains_key(k);
    if has("seq") && has("prev") && has("body") && has("hash") {
        return native_chain_kind(&text, object).ok_or_else(|| {
            unknown(
                "its first line is a native record whose hash matches no chain (descriptors, pulses, events): \
                 the record may be altered; name the file <chain>.jsonl to verify it as that chain"
                    .into(),
            )
        });
    }
    let kind = if has("descriptor_hash") || has("prev_descriptor_hash") {
        FileKind::SpiceChain
    } else if has("descriptor_id") && has("capability_level") {
        FileKind::SpiceDescriptorsV1
    } else if has("operation") && has("descriptor_count") {
        FileKind::IntegrityManifest
    } else if has("glyph_hash") || has("pulse_id") {
        FileKind::GlyphChain
    } else if has("event") && has("principle") && has("enforcement") {
        FileKind::ConstitutionalLog
    } else if has("event") && has("constitutional_article") {
        FileKind::ConstitutionalBindingV1
    } else if has("clause") && has("system") {
        FileKind::ForensicAudit
    } else if has("descriptors") && has("total_descriptors") {
        FileKind::SpiceIndexV1
    } else {
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.truncate(6);
        return Err(unknown(format!("first line has keys {keys:?}")));
    };
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(p: &Path, content: &str) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }

    #[test]
    fn service_tree_reports_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("data/spice_layer/spice_chain.jsonl"), "");
        let d = discover(dir.path()).unwrap();
        assert_eq!(d.layout, Layout::ServiceTree);
        assert_eq!(d.found.len(), 1);
        let missing: Vec<_> = d.missing.iter().map(|f| f.kind).collect();
        assert_eq!(
            missing,
            vec![
                FileKind::IntegrityManifest,
                FileKind::ConstitutionalLog,
                FileKind::GlyphChain,
                FileKind::ForensicAudit
            ]
        );
    }

    #[test]
    fn flat_directory_expects_only_present_families() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("glyph_chain.jsonl"), "");
        let d = discover(dir.path()).unwrap();
        assert_eq!(d.layout, Layout::FlatDirectory);
        assert_eq!(d.found[0].kind, FileKind::GlyphChain);
        assert_eq!(d.missing.len(), 1);
        assert_eq!(d.missing[0].kind, FileKind::ForensicAudit);
    }

    #[test]
    fn renamed_file_is_classified_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("copy.txt");
        touch(&p, "\n{\"tai_ns\": 1, \"glyph_hash\": \"x\"}\n");
        assert_eq!(discover(&p).unwrap().found[0].kind, FileKind::GlyphChain);
        touch(&p, "garbage\n");
        assert!(matches!(
            discover(&p),
            Err(DiscoverError::UnknownFile { .. })
        ));
    }

    #[test]
    fn empty_folder_is_not_a_ledger() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            discover(dir.path()),
            Err(DiscoverError::NoLedger { .. })
        ));
        assert!(matches!(
            discover(&dir.path().join("nope")),
            Err(DiscoverError::Inaccessible { .. })
        ));
    }
}
