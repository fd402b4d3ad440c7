//! `iss protect`: the OS append-only attribute on every ledger file.

use super::args::ProtectArgs;
use super::{EXIT_ERROR, EXIT_OK};
use crate::ledger::open::Ledger;
use crate::ledger::protect::{ProtectOutcome, Protected, clear_append_only, set_append_only};
use std::io::Write;

/// Run `iss protect`. Exit 0 when every file ends in the state asked for,
/// 2 when any could not be changed (each file says why).
pub fn run(args: &ProtectArgs) -> anyhow::Result<u8> {
    let paths = Ledger::at(&args.path).files()?;
    let results: Vec<Protected> = paths
        .iter()
        .map(|p| Protected {
            path: p.clone(),
            outcome: if args.clear {
                clear_append_only(p)
            } else {
                set_append_only(p)
            },
        })
        .collect();
    let all_done = results.iter().all(|r| {
        matches!(
            r.outcome,
            ProtectOutcome::Changed | ProtectOutcome::Unchanged
        )
    });
    let mut out = super::output::stdout();
    if args.json {
        let doc = serde_json::json!({
            "ledger": args.path.display().to_string(),
            "attribute": "append_only",
            "action": if args.clear { "clear" } else { "set" },
            "complete": all_done,
            "files": results,
        });
        writeln!(out, "{doc}")?;
    } else {
        let (done, already) = if args.clear {
            ("✔ append-only cleared", "✔ was not append-only")
        } else {
            ("✔ append-only set", "✔ already append-only")
        };
        for r in &results {
            let what = match &r.outcome {
                ProtectOutcome::Changed => done.to_owned(),
                ProtectOutcome::Unchanged => already.to_owned(),
                ProtectOutcome::Immutable => {
                    "⚠ immutable (chattr +i): left as it is; appends fail until `chattr -i`"
                        .to_owned()
                }
                ProtectOutcome::NotPermitted { reason } => format!("✘ not permitted: {reason}"),
                ProtectOutcome::Unsupported { reason } => format!("✘ not supported: {reason}"),
            };
            writeln!(out, "{}: {what}", r.path.display())?;
        }
        if paths.is_empty() {
            writeln!(out, "no ledger files found")?;
        }
    }
    Ok(if all_done && !paths.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}
