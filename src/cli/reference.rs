//! Where each command is documented: `iss COMMAND --help` (and its manual
//! page) ends with the pages and sections of `docs/` that describe it, so the
//! help stays short and the reference is one step away. `tests/doc_links.rs`
//! checks that every command has a row here and that every target is a page
//! and heading that exists.

use clap::Command;

/// Said after `iss --help`.
pub const ROOT: &str = "Reference: README.md (a tour, the exit status of every command) and docs/ (one page per topic)";

/// The reference of each command, by its path of names (`append descriptor`):
/// repository paths, `#` and a heading's anchor.
const REFERENCES: &[(&str, &[&str])] = &[
    (
        "tui",
        &[
            "docs/WORKSTATION.md",
            "docs/WORKSTATION.md#many-ledgers-at-once-the-fleet",
        ],
    ),
    (
        "verify",
        &[
            "docs/COMMANDS.md#iss-verify",
            "docs/FINDINGS.md",
            "docs/JSON.md#iss-verify---json",
        ],
    ),
    ("report", &[REPORT_MATURITY, PULSES, ANALYSIS_JSON]),
    ("pulses", &[PULSES, ANALYSIS_JSON]),
    ("show", &[LOOKUPS, ANALYSIS_JSON]),
    ("find", &[LOOKUPS, ANALYSIS_JSON]),
    ("audit", &[LOOKUPS, ANALYSIS_JSON]),
    ("health", &[LOOKUPS, ANALYSIS_JSON]),
    ("refs", &[LOOKUPS, ANALYSIS_JSON]),
    ("export", &[LOOKUPS, ANALYSIS_JSON]),
    (
        "watch",
        &[
            "docs/COMMANDS.md#iss-watch",
            "docs/JSON.md#iss-watch---json",
        ],
    ),
    ("append", &[APPEND_DESCRIPTOR, APPEND_PULSE, WRITES, NATIVE]),
    ("append descriptor", &[APPEND_DESCRIPTOR, WRITES, NATIVE]),
    ("append pulse", &[APPEND_PULSE, WRITES, NATIVE]),
    ("repair", &[APPEND_DESCRIPTOR, WRITES, NATIVE]),
    ("init", &[NATIVE, FORMAT]),
    (
        "checkpoint",
        &[NATIVE, TRUST, "docs/WITNESS.md", "docs/TIMESTAMPS.md"],
    ),
    ("key", &[NATIVE, ROLES]),
    ("key verifier", &[NATIVE, ROLES]),
    ("key rotate", &[NATIVE, ROLES]),
    ("migrate", &[NATIVE]),
    ("prove", &[NATIVE, TRUST]),
    ("protect", &["docs/COMMANDS.md#iss-protect"]),
    ("completions", &[INSTALL]),
    ("man", &[INSTALL]),
    ("serve", &["docs/SERVER.md"]),
    ("publish", &["docs/TILES.md"]),
    ("witness", &["docs/WITNESS.md"]),
    ("witness key", &["docs/WITNESS.md"]),
    ("witness serve", &["docs/WITNESS.md"]),
    ("sample", &["docs/COMMANDS.md#iss-sample"]),
];

const REPORT_MATURITY: &str = "docs/COMMANDS.md#iss-report-maturity";
const PULSES: &str = "docs/COMMANDS.md#iss-pulses-and-iss-report-time";
const LOOKUPS: &str = "docs/COMMANDS.md#lookups-health-and-export";
const ANALYSIS_JSON: &str = "docs/JSON.md#json-documents-of-the-analysis-commands";
const APPEND_DESCRIPTOR: &str = "docs/COMMANDS.md#iss-append-descriptor-and-iss-repair";
const APPEND_PULSE: &str = "docs/COMMANDS.md#iss-append-pulse";
const WRITES: &str = "docs/WRITES.md";
const NATIVE: &str = "docs/NATIVE.md";
const FORMAT: &str = "docs/FORMAT.md";
const TRUST: &str = "docs/TRUST.md";
const ROLES: &str = "docs/TRUST.md#roles-and-pinned-keys---vkey";
const INSTALL: &str = "README.md#install";

/// Adds its reference to a command of `iss` and to each of its own
/// commands (a command with no row is left as it is: the test names it).
pub fn link(cmd: Command) -> Command {
    link_under("", cmd)
}

fn link_under(parent: &str, cmd: Command) -> Command {
    let path = if parent.is_empty() {
        cmd.get_name().to_owned()
    } else {
        format!("{parent} {}", cmd.get_name())
    };
    let cmd = match REFERENCES.iter().find(|(name, _)| *name == path) {
        Some((_, targets)) => cmd.after_help(format!(
            "Reference: {}\n\nExit status: README.md#exit-status",
            targets.join(", ")
        )),
        None => cmd,
    };
    cmd.mut_subcommands(|sub| link_under(&path, sub))
}
