//! The key table beside lnav's and less's (docs/WORKSTATION.md, linked from
//! the README, issue 15) names only keys the workstation binds: a key
//! renamed or dropped in the key table fails here instead of leaving the
//! comparison wrong.

use crate::tui::keys::TABLE;
use std::collections::BTreeSet;
use std::path::Path;

const HEADING: &str = "### Keys beside lnav's and less's";

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect(file)
}

/// The `iss tui` column of each row of the table: the action, its cell.
fn rows() -> Vec<(String, String)> {
    let doc = read("docs/WORKSTATION.md");
    let section = doc.split(HEADING).nth(1).expect("the section");
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // the heading and its rule
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_owned(), cells[2].to_owned())
        })
        .collect()
}

/// The backquoted keys of a cell: one character, or a key's name
/// (`PgDn`, `Ctrl-F`); commands (`:goto N`), filter words (`!process=P`)
/// and words such as `$PAGER` or `▼ FOLLOW` are not keys.
fn keys_in(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            s.chars().count() == 1 || s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .collect()
}

fn normal(label: &str) -> String {
    // The help writes `Ctrl-f`, the table `Ctrl-F` as lnav's and less's docs do.
    match label.strip_prefix("Ctrl-") {
        Some(rest) => format!("Ctrl-{}", rest.to_lowercase()),
        None => label.to_owned(),
    }
}

#[test]
fn every_key_in_the_lnav_and_less_table_is_bound() {
    let bound: BTreeSet<String> = TABLE
        .iter()
        .flat_map(|b| b.keys.iter().map(|k| normal(&k.label())))
        .collect();
    let rows = rows();
    assert!(rows.len() >= 15, "{rows:?}");
    let mut seen = 0;
    for (action, cell) in &rows {
        for key in keys_in(cell) {
            seen += 1;
            assert!(
                bound.contains(&normal(&key)),
                "{action}: `{key}` is not a key of the workstation ({bound:?})"
            );
        }
    }
    assert!(seen > 30, "{seen} keys read");
}

#[test]
fn the_readme_links_the_table() {
    let readme = read("README.md");
    assert!(
        readme.contains("(docs/WORKSTATION.md#keys-beside-lnavs-and-lesss)"),
        "README.md links the key table"
    );
}
