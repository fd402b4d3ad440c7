//! What the read state may take in: the appended lines somebody judged.
//!
//! The index never takes in a line nobody verified, nor a violated line as
//! verified. The watcher judges every appended line, whoever wrote it; our
//! own writer knows the lines up to its last record were verified (its
//! session verifies any foreign line under the lock before writing after
//! it). Either one hands the index how far it may read in each file and
//! which of those lines it must exclude. Reading to the file's end instead
//! would take in a forged line another process appended the moment after,
//! or one the watcher found violated, as verified.

use crate::ledger::discover::FileKind;
use crate::ledger::watch::{RecordEvent, RecordStatus};
use std::collections::BTreeMap;

/// How far one file's index may read, and the violated lines up to there.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Through {
    /// The last line judged (1-based); `None`: none yet.
    pub line: Option<u64>,
    /// The lines found violated, with why (`KIND at line N`, as a full
    /// verification's exclusions say it), and the lines the watcher left
    /// unchecked (`not checked at line N: why`): neither is answered as
    /// verified (the full re-verification that follows an unchecked line
    /// reloads the index with its verdicts).
    pub violated: BTreeMap<u64, String>,
}

impl Through {
    /// Every line up to `line` verified (what our writer knows of the
    /// lines up to its last record).
    pub fn verified_through(line: u64) -> Self {
        Through {
            line: Some(line),
            ..Through::default()
        }
    }

    /// Nothing judged.
    pub fn is_empty(&self) -> bool {
        self.line.is_none() && self.violated.is_empty()
    }

    fn judge(&mut self, r: &RecordEvent) {
        match r.status {
            RecordStatus::Unchecked => {
                let why = r
                    .note
                    .as_deref()
                    .map_or_else(String::new, |n| format!(": {n}"));
                self.violated
                    .insert(r.line, format!("not checked at line {}{why}", r.line));
            }
            RecordStatus::Violated => {
                let why = r.findings.iter().find(|f| f.is_violation()).map_or_else(
                    || format!("violation at line {}", r.line),
                    |f| format!("{} at line {}", f.kind, r.line),
                );
                self.violated.insert(r.line, why);
            }
            RecordStatus::Verified => {}
        }
        self.line = Some(self.line.map_or(r.line, |l| l.max(r.line)));
    }
}

/// The lines judged in the descriptor file and in the pulse file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The descriptor file's (`spice_chain`, a native `descriptors`).
    pub descriptors: Through,
    /// The pulse file's (`glyph_chain`, a native `pulses`).
    pub pulses: Through,
}

const DESCRIPTOR_FILES: [FileKind; 3] = [
    FileKind::SpiceChain,
    FileKind::NativeDescriptors,
    FileKind::SpiceDescriptorsV1,
];
const PULSE_FILES: [FileKind; 2] = [FileKind::GlyphChain, FileKind::NativePulses];

impl Judged {
    /// Take the watcher's verdict on one appended line; lines of the
    /// other files (manifest, events, checkpoints) are not indexed.
    pub fn record(&mut self, r: &RecordEvent) {
        if DESCRIPTOR_FILES.iter().any(|k| k.name() == r.file) {
            self.descriptors.judge(r);
        } else if PULSE_FILES.iter().any(|k| k.name() == r.file) {
            self.pulses.judge(r);
        }
    }

    /// Nothing judged in either file.
    pub fn is_empty(&self) -> bool {
        self.descriptors.is_empty() && self.pulses.is_empty()
    }
}

#[cfg(test)]
#[path = "judged_tests.rs"]
mod tests;
