//! `iss verify`.

use super::args::VerifyArgs;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use anyhow::Context;
use std::io::Write;

/// Run `iss verify`; return the exit status. A published location
/// (`https://…`, `s3://…`, a directory of tiles) is fetched into a private
/// copy laid out as a ledger and verified as one while it is fetched
/// (`docs/REMOTE.md`).
pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    if crate::remote::is_location(&args.path) {
        let streaming = crate::remote::stream::start(&args.path)?;
        let dir = streaming.dir().to_path_buf();
        return run_at(args, &dir, Some(streaming));
    }
    run_at(args, &args.path, None)
}

fn run_at(
    args: &VerifyArgs,
    path: &std::path::Path,
    streaming: Option<crate::remote::stream::Streaming>,
) -> anyhow::Result<u8> {
    let ledger = Ledger::review(path, args.mac_key.as_deref())?;
    let witness_policy = match &args.policy {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Some(
                crate::tlog::policy::WitnessPolicy::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
            )
        }
        None => None,
    };
    let trust = super::trust::resolve(&args.trust, false)?;
    let tsa_certs = super::timestamp::read_certs(&args.tsa_cert)?;
    let options = VerifyOptions {
        max_line: args.max_line_bytes,
        trust: trust.clone(),
        pinned: super::trust::pinned(&args.trust, path)?,
        witness_policy,
        growing: streaming
            .as_ref()
            .map(crate::remote::stream::Streaming::growing),
        ..VerifyOptions::default()
    };
    let mut report = ledger.verify(&options)?;
    // The copy is complete from here on (or its fetch failed: no verdict).
    let fetched = streaming
        .map(crate::remote::stream::Streaming::finish)
        .transpose()?;
    let fetched = fetched.as_ref();
    super::timestamp::check_stored(path, &args.tsa_cert, &tsa_certs, &mut report)?;
    for p in &args.proof {
        let text = crate::ledger::input::read_once_to_string(p, crate::ledger::input::STREAM_LIMIT)
            .with_context(|| format!("reading {}", p.display()))?;
        let proof: crate::ledger::native::prove::Proof =
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: not a proof document from `iss prove --json`",
                    p.display()
                )
            })?;
        let check =
            crate::ledger::native::prove::check_proof_with(path, &proof, options.pinned.as_deref());
        let file = p.display().to_string();
        // A proof that holds on its own must also hold for this ledger: its
        // tree contained in the chain, its leaf that record's line.
        let (valid, detail) = if check.valid {
            match crate::ledger::trust::proof_against_ledger(path, &proof, &file, &mut report) {
                Ok(d) => (true, format!("{}; {d}", check.detail)),
                Err(e) => (
                    false,
                    format!("{}, but not in this ledger: {e}", check.detail),
                ),
            }
        } else {
            (false, check.detail)
        };
        report
            .proofs
            .push(crate::ledger::model::report::ProofResult {
                file,
                valid,
                detail,
            });
    }
    if let Some(f) = fetched {
        f.finish(&mut report);
    }
    if report.proofs.iter().any(|p| !p.valid) {
        report.status = LedgerStatus::Violated;
    }
    // The state moves only after everything asked was checked clean.
    if let crate::ledger::trust::TrustOptions::State { dir, .. } = &trust {
        crate::ledger::trust::remember_if_clean(dir, &mut report);
    }
    let mut out = super::output::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).context("writing the JSON report")?;
        writeln!(out)?;
    } else {
        super::verify_human::render(&mut out, &report, args.max_findings)?;
    }
    out.flush()?;
    Ok(super::verdict_exit(report.status))
}
