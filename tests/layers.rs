//! The layers of `src/`, kept by a test: a module may import only the
//! layers below it (`docs/ARCHITECTURE.md`).
//!
//! ```text
//! cli  →  tui  →  analysis  →  ledger  →  tlog, time
//! cli  →  server  →  analysis
//! cli  →  publish  →  ledger
//! cli, tui  →  remote  →  ledger
//! ```
//!
//! Every `crate::<top>` path in code (not in comments) and every `super::`
//! chain that climbs to the crate root is checked against the table below,
//! so an upward import fails here whatever form it takes (`use`, a path in
//! an expression, a grouped `use crate::{..}`).
//!
//! And one place decides a ledger's format, `ledger::open`: no code outside
//! `src/ledger/` branches on it ([`FORMAT_BRANCHES`] lists what is looked
//! for). The layers above ask a `Ledger` to write, or ask it (or a file
//! kind, a discovery, a report) a fact in its own terms.

use std::fs;
use std::path::{Path, PathBuf};

/// What each top-level module may import of the others.
const ALLOWED: &[(&str, &[&str])] = &[
    ("time", &[]),
    ("tlog", &[]),
    ("ledger", &["time", "tlog"]),
    ("analysis", &["time", "tlog", "ledger"]),
    ("tui", &["time", "tlog", "ledger", "analysis", "remote"]),
    ("server", &["time", "tlog", "ledger", "analysis"]),
    ("witness", &["time", "tlog", "ledger"]),
    ("publish", &["time", "tlog", "ledger"]),
    ("remote", &["time", "tlog", "ledger"]),
    (
        "cli",
        &[
            "time", "tlog", "ledger", "analysis", "tui", "server", "witness", "publish", "remote",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/` (`src/ledger/native/verify.rs` →
/// `["ledger", "native", "verify"]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The code of a line, without a `//` comment (doc comments included).
/// Good enough for this tree: no `//` appears inside a string that also
/// holds a module path.
fn code_of(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with("//") {
        return "";
    }
    line.find("//").map_or(line, |i| &line[..i])
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every top-level module a line of code names through `crate::`.
fn crate_targets(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before_ok = rest[..i].chars().last().is_none_or(|c| !is_ident(c));
        let after = &rest[i + "crate::".len()..];
        if before_ok {
            if let Some(group) = after.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name: String = item.trim().chars().take_while(|&c| is_ident(c)).collect();
                    if !name.is_empty() {
                        out.push(name);
                    }
                }
            } else {
                let name: String = after.chars().take_while(|&c| is_ident(c)).collect();
                out.push(name);
            }
        }
        rest = after;
    }
    out
}

/// The top-level module a `super::` chain lands in when it climbs to the
/// crate root from `module` (`None` when it stays inside its own top module).
fn super_targets(code: &str, module: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("super::") {
        let before_ok = rest[..i].chars().last().is_none_or(|c| !is_ident(c));
        let mut after = &rest[i..];
        let mut climbs = 0;
        while let Some(a) = after.strip_prefix("super::") {
            climbs += 1;
            after = a;
        }
        // A file `a/b.rs` is module `a::b`: one `super` is `a`, two are the
        // crate root (a `mod.rs` is its folder's module: `module_path`).
        if before_ok && climbs >= module.len() {
            let name: String = after.chars().take_while(|&c| is_ident(c)).collect();
            out.push(name);
        }
        rest = &rest[i + "super::".len() * climbs.max(1)..];
    }
    out
}

/// What a branch on the format looks like, outside `src/ledger/` (each
/// matched in code, not comments, where the character before it cannot
/// continue an identifier: `KnownFormat::` is not `Format::`):
/// - `Format` as a whole identifier: naming `ledger::open::Format`, its
///   variants (`Format::Native`, `Format::Legacy`) or `Format::of…`;
/// - `is_native`: `is_native_dir(path)`, `x.is_native()`;
/// - `.native()`: the flag `Format::native`;
/// - `.format()`: the format of a ledger or a file kind (a call without
///   arguments; `x.format(spec)` is something else);
/// - `of_layout(`, `of_report(`: the format read off a discovery, a report;
/// - `Layout::Native`: a native layout matched by hand.
const FORMAT_BRANCHES: &[&str] = &[
    "Format",
    "is_native",
    ".native()",
    ".format()",
    "of_layout(",
    "of_report(",
    "Layout::Native",
];

/// The format branches of one line of code ([`FORMAT_BRANCHES`]).
fn format_branches(code: &str) -> Vec<&'static str> {
    FORMAT_BRANCHES
        .iter()
        .copied()
        .filter(|pattern| {
            code.match_indices(pattern).any(|(i, _)| {
                let starts_ident = pattern.starts_with(is_ident);
                let before_ok =
                    !starts_ident || code[..i].chars().last().is_none_or(|c| !is_ident(c));
                // A whole identifier: `Format` but not `Formatter`.
                let after = code[i + pattern.len()..].chars().next();
                let after_ok = *pattern != "Format" || after.is_none_or(|c| !is_ident(c));
                before_ok && after_ok
            })
        })
        .collect()
}

/// Every line of code (not comments) in the Rust files under `src/`'s
/// folders `tops` (all of `src/` when empty), except the files `skip`
/// names, where `scan` finds something: `file:line: `pattern`: the line`,
/// and how many files were read.
fn code_hits(
    tops: &[&str],
    skip: impl Fn(&Path) -> bool,
    scan: impl Fn(&str) -> Vec<&'static str>,
) -> (usize, Vec<String>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    if tops.is_empty() {
        rust_files(&src, &mut files);
    }
    for top in tops {
        rust_files(&src.join(top), &mut files);
    }
    files.sort();
    let mut found = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        if skip(rel) {
            continue;
        }
        checked += 1;
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for pattern in scan(code_of(line)) {
                found.push(format!(
                    "{}:{}: `{pattern}`: {}",
                    rel.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    (checked, found)
}

#[test]
fn no_layer_above_ledger_branches_on_the_format() {
    // `src/ledger` is where the format is decided.
    let (checked, found) = code_hits(&[], |rel| rel.starts_with("ledger"), format_branches);
    assert!(
        checked > 100,
        "only {checked} files outside src/ledger were checked"
    );
    assert!(
        found.is_empty(),
        "{} format branches outside src/ledger (ask the `Ledger`, or a fact such as \
         `FileKind::framed`, `Ledger::signs_checkpoints`):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Files outside `src/ledger/` that still reach both formats' writers
/// (`legacy::write` and `native::write`) to pick one themselves, each to
/// move behind the `Ledger` (`docs/ARCHITECTURE.md`, "Not yet where it
/// should be"). A file leaves this list once it asks the `Ledger`; none is
/// left (`iss repair` asks `Ledger::repair`).
const PICKS_A_WRITER: &[&str] = &[];

/// Whether a source file is a test module (tests build both formats'
/// ledgers on purpose).
fn is_test_file(rel: &Path) -> bool {
    rel.components().any(|c| c.as_os_str() == "tests")
        || rel
            .file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with("tests.rs"))
}

/// Whether a file's code (not its comments) names both formats' writers.
fn picks_a_writer(text: &str) -> bool {
    let names = |writer: &str| text.lines().any(|l| code_of(l).contains(writer));
    names("legacy::write") && names("native::write")
}

/// The files under `src/` (relative to it), outside `src/ledger/` and test
/// modules, that pick a format's writer ([`picks_a_writer`]).
fn writer_pickers(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(src).unwrap();
        if rel.starts_with("ledger") || is_test_file(rel) {
            continue;
        }
        if picks_a_writer(&fs::read_to_string(file).unwrap()) {
            found.push(rel.to_string_lossy().into_owned());
        }
    }
    found
}

#[test]
fn no_layer_above_ledger_picks_a_formats_writer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (listed, found): (Vec<String>, Vec<String>) = writer_pickers(&src)
        .into_iter()
        .partition(|rel| PICKS_A_WRITER.contains(&rel.as_str()));
    assert!(
        found.is_empty(),
        "outside src/ledger, these name both formats' writers and pick one (ask the \
         `Ledger` to write: `Ledger::append_descriptors`, `Ledger::group_writer`, \
         `Ledger::repair`…): {found:?}"
    );
    for known in PICKS_A_WRITER {
        assert!(
            listed.iter().any(|l| l == known),
            "{known} no longer picks a format's writer: remove it from PICKS_A_WRITER"
        );
    }
}

#[test]
fn the_writer_scanner_sees_a_file_that_picks_a_writer() {
    let picks = "use crate::ledger::legacy::write::repair::complete_manifest;\n\
                 fn f() { crate::ledger::native::write::repair::repair_native(p, None, None); }\n";
    assert!(picks_a_writer(picks));
    // One writer alone, or the other named only in a comment, is no pick.
    assert!(!picks_a_writer(
        "use crate::ledger::native::write::WriteError;\n"
    ));
    assert!(!picks_a_writer(
        "use crate::ledger::native::write::WriteError;\n// not legacy::write\n"
    ));
    // And the walk finds such a file in a tree, outside `ledger/` and test
    // modules only.
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    for dir in ["cli", "ledger", "cli/tests"] {
        fs::create_dir_all(tmp.join(dir)).unwrap();
    }
    for file in [
        "cli/repair.rs",
        "ledger/open.rs",
        "cli/tests/repair.rs",
        "cli/x_tests.rs",
    ] {
        fs::write(tmp.join(file), picks).unwrap();
    }
    fs::write(
        tmp.join("cli/show.rs"),
        "use crate::ledger::open::Ledger;\n",
    )
    .unwrap();
    assert_eq!(writer_pickers(tmp), ["cli/repair.rs"]);
}

/// The entry points of `ledger::verify` and `ledger::watch` that take a
/// path and decide the format themselves (each matched in code where the
/// character before it cannot continue an identifier and is no `.`: a
/// method of a `Ledger` is not one). The commands, the server and the
/// workstation open a `Ledger` instead (`Ledger::review`) and verify or watch
/// through it (`Ledger::verify`, `Ledger::watch`), which hands them its key.
const PATH_READS: &[&str] = &[
    "verify_path",
    "verify_discovered",
    "verify_native_report",
    "watch::thread",
    "Watch::start",
];

/// The path-taking reads a line of code names ([`PATH_READS`]).
fn path_reads(code: &str) -> Vec<&'static str> {
    PATH_READS
        .iter()
        .copied()
        .filter(|pattern| {
            code.match_indices(pattern).any(|(i, _)| {
                code[..i]
                    .chars()
                    .last()
                    .is_none_or(|c| !is_ident(c) && c != '.')
            })
        })
        .collect()
}

#[test]
fn commands_and_the_server_read_a_ledger_through_its_ledger() {
    // `publish` reads its native ledger with `verify_native_report_live`,
    // for the tree heads a publish continues from; the format is native
    // there by construction (a legacy ledger is published through its
    // migration). Test modules verify what they wrote, by path.
    let (checked, found) = code_hits(
        &["cli", "server", "tui", "analysis", "remote"],
        is_test_file,
        path_reads,
    );
    assert!(
        checked > 100,
        "only {checked} files of the layers above ledger were checked"
    );
    assert!(
        found.is_empty(),
        "{} reads by path above ledger (open the ledger with `Ledger::review` or `Ledger::at`, \
         then `ledger.verify(..)` or `ledger.watch(..)`):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_path_read_scanner_sees_each_entry_point() {
    let hits = |code| path_reads(code);
    assert_eq!(
        hits("use crate::ledger::verify::{VerifyOptions, verify_path};"),
        ["verify_path"]
    );
    assert_eq!(
        hits("let r = crate::ledger::verify::verify_path(p, &o)?;"),
        ["verify_path"]
    );
    assert_eq!(
        hits("let (r, h) = verify_discovered_live(&d, &o);"),
        ["verify_discovered"]
    );
    assert_eq!(
        hits("verify_native_report_live(dir, &o)"),
        ["verify_native_report"]
    );
    assert_eq!(
        hits("let h = crate::ledger::watch::thread::spawn(p, o, send);"),
        ["watch::thread"]
    );
    assert_eq!(
        hits("let (w, r) = Watch::start(&root, o)?;"),
        ["Watch::start"]
    );
    // Not path reads: through a `Ledger`, other names, other threads,
    // comments.
    assert!(hits("let report = Ledger::review(p, None)?.verify(&options)?;").is_empty());
    assert!(hits("let handle = ledger.watch(options, send);").is_empty());
    assert!(hits("let r = ledger.verify_discovered(&found, &options);").is_empty());
    assert_eq!(
        hits("let r = verify::verify_discovered(&found, &options);"),
        ["verify_discovered"]
    );
    assert!(hits("std::thread::spawn(move || {").is_empty());
    assert!(hits("fn reverify_paths(x: u8) {}").is_empty());
    assert!(hits("FleetWatch::start(&entries)").is_empty());
    assert!(hits(code_of("// not verify_path any more")).is_empty());
}

#[test]
fn the_format_scanner_sees_each_form_of_branch() {
    let hits = |code| format_branches(code);
    assert_eq!(
        hits("if crate::ledger::open::Format::of(p).native() {"),
        ["Format", ".native()"]
    );
    assert_eq!(
        hits("use crate::ledger::open::{Format, Ledger};"),
        ["Format"]
    );
    assert_eq!(hits("match ledger.format() {"), [".format()"]);
    assert_eq!(hits("if !is_native_dir(dir) {"), ["is_native"]);
    assert_eq!(
        hits("let n = Format::of_report(&r);"),
        ["Format", "of_report("]
    );
    assert_eq!(hits("d.layout == Layout::Native"), ["Layout::Native"]);
    // Not branches: other types named like it, a format with arguments,
    // facts asked in their own terms, comments.
    assert!(hits("SchemaFormat::KnownFormat(KnownFormat::Int64)").is_empty());
    assert!(hits("fn fmt(&self, f: &mut Formatter) {").is_empty());
    assert!(hits(".format(Some(x))").is_empty());
    assert!(hits("if kind.framed() && ledger.signs_checkpoints() {").is_empty());
    assert!(hits(code_of("// Format::of decides")).is_empty());
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let tops: Vec<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = module_path(rel);
        let Some(top) = module.first().filter(|m| tops.contains(&m.as_str())) else {
            continue; // lib.rs, main.rs: the crate root wires the layers together
        };
        let allowed = ALLOWED.iter().find(|(m, _)| m == top).unwrap().1;
        let text = fs::read_to_string(file).unwrap();
        checked += 1;
        for (n, line) in text.lines().enumerate() {
            let code = code_of(line);
            let mut targets = crate_targets(code);
            targets.extend(super_targets(code, &module));
            for target in targets {
                if target != *top
                    && tops.contains(&target.as_str())
                    && !allowed.contains(&target.as_str())
                {
                    broken.push(format!(
                        "{}:{}: {top} imports {target}: {}",
                        rel.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} files under src/ were checked"
    );
    assert!(
        broken.is_empty(),
        "{} upward imports (allowed: {ALLOWED:?}):\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn the_scanner_sees_every_form_of_import() {
    assert_eq!(
        crate_targets("use crate::analysis::maturity::Rating;"),
        ["analysis"]
    );
    assert_eq!(
        crate_targets("use crate::{ledger, tui::App};"),
        ["ledger", "tui"]
    );
    assert_eq!(crate_targets("let x = crate::cli::run(a);"), ["cli"]);
    assert!(crate_targets("let x = not_crate::cli::run(a);").is_empty());
    assert_eq!(code_of("    //! see crate::tui"), "");
    assert_eq!(code_of("let a = 1; // crate::tui"), "let a = 1; ");
    let m: Vec<String> = ["ledger", "native", "verify"].map(String::from).to_vec();
    assert_eq!(
        super_targets("use super::super::super::tui::App;", &m),
        ["tui"]
    );
    assert!(super_targets("use super::super::chain::Chain;", &m).is_empty());
}
