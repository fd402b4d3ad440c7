//! Trust from outside the ledger: checkpoints the verifier saved or
//! remembered, and whether the ledger still contains them.
//!
//! An attacker who can write the ledger can restore an older copy of it
//! (a rollback) or write another history of the same length and sign it
//! with the ledger's own key (a fork): both verify clean on their own.
//! What catches them is a checkpoint kept elsewhere: `iss verify --trust
//! FILE` (a note saved earlier), the checkpoint of a proof, or the newest
//! verified checkpoint of each origin remembered in the verifier's state
//! directory ([`state`]). Each is compared with the chain of its origin by
//! a consistency proof computed from the ledger ([`consistency`]).

pub mod anchor;
pub mod consistency;
pub mod state;

use crate::ledger::model::report::VerifyReport;
use crate::ledger::model::trust::{TrustReport, TrustSource, VerifiedCheckpoint};
use crate::ledger::native::format::meta::{Chain, ChainPaths, Metadata};
use crate::ledger::native::prove::{Proof, chain_leaves};
use crate::ledger::native::verify::ChainState;
use crate::tlog::merkle::Hash;
use anchor::Anchor;
use consistency::{ChainTree, Checked};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a verification is to be checked against.
#[derive(Debug, Clone, Default)]
pub enum TrustOptions {
    /// Nothing from outside the ledger (the analyses' own verifications).
    #[default]
    Off,
    /// The checkpoints of `--trust` files; the state is neither read nor
    /// written.
    Anchors(Vec<Anchor>),
    /// The checkpoints remembered in a state directory.
    State {
        /// The state directory.
        dir: PathBuf,
        /// Remember this verification's newest checkpoints when it finds no
        /// violation (`iss verify` does it itself, after its proofs).
        save: bool,
    },
}

/// Why a legacy ledger is not checked against trusted checkpoints.
pub const LEGACY_NOTE: &str = "a legacy ledger has no signed checkpoints: nothing is remembered for it and a rollback or fork of it cannot be detected (migrate it with `iss migrate` to get signed checkpoints)";

/// Check a native ledger's chains against `options`, raising `ROLLBACK` and
/// `FORK` on the chains' file reports and filling `report.trust`.
pub fn apply(
    options: &TrustOptions,
    dir: &Path,
    meta: Option<&Metadata>,
    chains: &[ChainState],
    report: &mut VerifyReport,
) {
    let (source, state_dir) = match options {
        TrustOptions::Off => return,
        TrustOptions::Anchors(_) => (TrustSource::File, None),
        TrustOptions::State { dir, .. } => (TrustSource::State, Some(dir.display().to_string())),
    };
    let mut trust = TrustReport::new(source, state_dir);
    let Some(meta) = meta else {
        trust.errors.push(
            "the ledger's metadata cannot be read: its origins are unknown, so it cannot be compared with a trusted checkpoint".to_owned(),
        );
        report.trust = Some(trust);
        report.settle();
        return;
    };
    let origin_of = |c: &ChainState| meta.chain_origin(c.chain);
    for c in chains {
        if let Some(l) = &c.latest_verified {
            trust.latest.push(VerifiedCheckpoint {
                origin: origin_of(c),
                size: l.size,
                root: hex::encode(l.root),
                note: l.note.clone(),
            });
        }
    }
    let mut results: Vec<Checked> = Vec::new();
    let check = |a: &Anchor, c: &ChainState| {
        let file = ChainPaths::new(dir, c.chain).file;
        consistency::check(
            a,
            ChainTree {
                chain: c.chain,
                file: &file,
                size: c.verifier.records(),
                root: c.verifier.root(),
            },
        )
    };
    match options {
        TrustOptions::Off => {}
        TrustOptions::Anchors(anchors) => {
            for a in anchors {
                match chains.iter().find(|c| origin_of(c) == a.origin) {
                    Some(c) => results.push(check(a, c)),
                    None => trust.errors.push(format!(
                        "{}: the trusted checkpoint's origin {:?} is none of this ledger's ({})",
                        a.source,
                        a.origin,
                        chains.iter().map(origin_of).collect::<Vec<_>>().join(", ")
                    )),
                }
            }
        }
        TrustOptions::State { dir: state_dir, .. } => {
            for c in chains {
                let origin = origin_of(c);
                match state::load(state_dir, &origin) {
                    Ok(Some(a)) => results.push(check(&a, c)),
                    Ok(None) => trust.notes.push(format!(
                        "no checkpoint of {origin} remembered in {} yet: nothing to compare this time",
                        state_dir.display()
                    )),
                    Err(e) => trust.errors.push(e),
                }
            }
        }
    }
    for r in results {
        if let Some(f) = r.finding
            && let Some(file) = report.files.iter_mut().find(|f| f.name == r.check.chain)
        {
            file.findings.push(f);
            file.settle();
        }
        trust.errors.extend(r.error);
        trust.checks.push(r.check);
    }
    report.trust = Some(trust);
    report.settle();
    if let TrustOptions::State { dir, save: true } = options {
        remember_if_clean(dir, report);
    }
}

/// Record in `report.trust` that a legacy ledger is not checked.
pub fn apply_legacy(options: &TrustOptions, report: &mut VerifyReport) {
    let mut trust = match options {
        TrustOptions::Off => return,
        TrustOptions::Anchors(_) => {
            let mut t = TrustReport::new(TrustSource::File, None);
            t.errors
                .push(format!("--trust cannot be checked: {LEGACY_NOTE}"));
            t
        }
        TrustOptions::State { dir, .. } => {
            TrustReport::new(TrustSource::State, Some(dir.display().to_string()))
        }
    };
    trust.notes.push(LEGACY_NOTE.to_owned());
    report.trust = Some(trust);
    report.settle();
}

/// After a verification without violation, remember its newest
/// checkpoints in the state directory `dir` (never a smaller tree); a
/// state that cannot be written makes the result incomplete, with why.
pub fn remember_if_clean(dir: &Path, report: &mut VerifyReport) {
    let Some(trust) = report.trust.as_mut() else {
        return;
    };
    if report.status != crate::ledger::model::report::LedgerStatus::Clean {
        trust.notes.push(format!(
            "the state in {} was not updated: the verification was not clean",
            dir.display()
        ));
        return;
    }
    match state::remember(dir, &trust.latest) {
        Ok(saved) => trust.saved = saved,
        Err(e) => {
            trust.errors.push(e);
            report.status = crate::ledger::model::report::LedgerStatus::Incomplete;
        }
    }
}

/// Check a proof document against the ledger it is verified with: the
/// proof's signed tree must be contained in the ledger's chain (else
/// `ROLLBACK` or `FORK`, raised on the chain's file report as for
/// `--trust`), and an inclusion proof's leaf must be that record's line.
/// `source` names the proof file in messages.
pub fn proof_against_ledger(
    dir: &Path,
    proof: &Proof,
    source: &str,
    report: &mut VerifyReport,
) -> Result<String, String> {
    let (chain_name, note) = match proof {
        Proof::Inclusion {
            chain, checkpoint, ..
        }
        | Proof::Consistency {
            chain, checkpoint, ..
        } => (chain, checkpoint),
    };
    let chain =
        Chain::from_name(chain_name).ok_or_else(|| format!("unknown chain {chain_name:?}"))?;
    let anchor = anchor::parse_note(note, &format!("the proof {source}"))?;
    let status = report
        .files
        .iter()
        .find(|f| f.name == chain.name())
        .and_then(|f| f.native.as_ref())
        .ok_or_else(|| {
            format!(
                "the ledger has no {} chain to check the proof against",
                chain.name()
            )
        })?;
    let root = status
        .merkle_root
        .as_deref()
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| Hash::try_from(b).ok());
    let file = ChainPaths::new(dir, chain).file;
    let tree = ChainTree {
        chain,
        file: &file,
        size: status.tree_size,
        root,
    };
    let checked = consistency::check(&anchor, tree);
    if let Some(e) = checked.error {
        return Err(e);
    }
    if let Some(f) = checked.finding {
        let detail = f.detail.clone();
        if let Some(file) = report.files.iter_mut().find(|x| x.name == chain.name()) {
            file.findings.push(f);
            file.settle();
        }
        report.settle();
        return Err(detail);
    }
    let mut detail = format!(
        "the ledger's {} contains the proof's tree of size {} ({} records now)",
        chain.file_name(),
        anchor.size,
        tree.size
    );
    if let Proof::Inclusion { index, leaf, .. } = proof {
        let (_, line) = chain_leaves(&file, index + 1, Some(*index))?;
        if line.as_deref() != Some(leaf.as_str()) {
            return Err(format!(
                "line {} of {} is not the proof's leaf: the record was changed",
                index + 1,
                chain.file_name()
            ));
        }
        let _ = write!(detail, ", and its line {} is the proof's leaf", index + 1);
    }
    Ok(detail)
}
