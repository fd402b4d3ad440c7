//! A verifier's witness policy applied to a verified native ledger
//! (docs/FORMAT.md §7.1): the newest verified checkpoint of each chain must
//! carry valid cosignatures from at least `quorum` of the policy's
//! witnesses, else `WITNESS_POLICY` on that chain's checkpoint history.
//!
//! Only the newest verified checkpoint is judged: it is the one that vouches
//! for the whole chain (every older checkpoint signs a prefix of it), and a
//! ledger that was written before its witnesses existed becomes witnessed
//! with its next checkpoint.

use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::{FileReport, WitnessCosignature};
use crate::ledger::native::verify::{ChainState, history_name};
use crate::tlog::policy::{Cosigned, WitnessPolicy};

/// Adds the policy's findings and cosigners to `files` (the reports of a
/// native verification whose chains ended in `chains`).
pub fn apply_policy(files: &mut [FileReport], chains: &[ChainState], policy: &WitnessPolicy) {
    for state in chains {
        let chain = state.chain;
        let Some(latest) = &state.latest_verified else {
            push(
                files,
                history_name(chain),
                Finding::new(
                    FindingKind::WitnessPolicy,
                    format!("{chain} has no verified checkpoint for witnesses to have cosigned"),
                )
                .expected_found(
                    format!(
                        "a checkpoint cosigned by {} of {}",
                        policy.quorum,
                        names(policy)
                    ),
                    "no verified checkpoint",
                ),
            );
            continue;
        };
        let outcome = policy.evaluate(&latest.note);
        let valid: Vec<WitnessCosignature> = outcome
            .witnesses
            .iter()
            .zip(&policy.witnesses)
            .filter_map(|((name, c), key)| match c {
                Cosigned::Valid(ts) => Some(WitnessCosignature {
                    witness: name.clone(),
                    key_id: format!("{:08x}", key.key_id()),
                    timestamp: *ts,
                }),
                _ => None,
            })
            .collect();
        if let Some(status) = files
            .iter_mut()
            .find(|f| f.name == chain.name())
            .and_then(|f| f.native.as_mut())
        {
            status.cosigned_by = valid;
        }
        if outcome.satisfied() {
            continue;
        }
        let detail: Vec<String> = outcome
            .witnesses
            .iter()
            .map(|(name, c)| match c {
                Cosigned::Valid(ts) => format!("{name}: cosigned at {ts}"),
                Cosigned::Absent => format!("{name}: no cosignature"),
                Cosigned::Invalid(e) => format!("{name}: invalid cosignature ({e})"),
            })
            .collect();
        let signers = outcome.signers();
        let mut finding = Finding::new(
            FindingKind::WitnessPolicy,
            format!(
                "the newest verified checkpoint of {chain} (size {}) has {} valid witness cosignature(s), the policy asks for {}: {}",
                latest.size,
                outcome.valid,
                outcome.quorum,
                detail.join("; ")
            ),
        )
        .expected_found(
            format!("cosignatures by {} of {}", outcome.quorum, names(policy)),
            if signers.is_empty() {
                "none".to_owned()
            } else {
                signers.join(", ")
            },
        );
        if let Some(h) = state
            .last_history
            .as_ref()
            .filter(|h| h.entry.size == latest.size && h.entry.note == latest.note)
        {
            finding = finding.at(h.line, h.offset);
        }
        push(files, history_name(chain), finding);
    }
}

fn names(policy: &WitnessPolicy) -> String {
    let names: Vec<&str> = policy
        .witnesses
        .iter()
        .map(crate::tlog::note::Verifier::name)
        .collect();
    format!("[{}]", names.join(", "))
}

fn push(files: &mut [FileReport], name: &str, finding: Finding) {
    if let Some(f) = files.iter_mut().find(|f| f.name == name) {
        f.findings.push(finding);
        f.settle();
    }
}
