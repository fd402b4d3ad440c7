//! Invariant: the documentation's links lead somewhere. Every relative link
//! of README.md and docs/*.md names a file that exists and, with `#anchor`,
//! a heading of that file (GitHub's anchors); README links every page of
//! docs/; and every command's `--help` names its reference pages and
//! sections, which exist too; every source path the docs name in code
//! (`src/…`, `tests/…`, ...) exists. So moving or renaming a page, a heading
//! or a file fails here instead of leaving a dead reference.

use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every docs/*.md, as paths relative to the repository.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| PathBuf::from("docs").join(e.unwrap().file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The lines of a Markdown text outside fenced code blocks, with their
/// 1-based numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push((i + 1, line));
        }
    }
    out
}

/// A line without its inline code spans (a code span is never a link).
fn without_code(line: &str) -> String {
    line.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 0 { part } else { "code" })
        .collect()
}

/// GitHub's anchor of a heading: lower case, punctuation other than `-`
/// and `_` dropped, spaces turned into `-`; a repeated anchor gets `-1`,
/// `-2`, ...
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let slug: String = heading
            .trim()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .flat_map(char::to_lowercase)
            .collect();
        let n = seen.entry(slug.clone()).or_insert(0);
        out.insert(if *n == 0 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        });
        *n += 1;
    }
    out
}

/// `a/b/../c` → `a/c` (the target need not exist yet to be named).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                assert!(out.pop(), "{} climbs out of the repository", path.display());
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Why `target` (a link as written in `from`, relative to the
/// repository), does not resolve; `None` when it does.
fn broken(from: &Path, target: &str) -> Option<String> {
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let file = if file.is_empty() {
        from.to_path_buf()
    } else {
        normalise(&from.parent().unwrap_or(Path::new("")).join(file))
    };
    let full = root().join(&file);
    if !full.exists() {
        return Some(format!("{} does not exist", file.display()));
    }
    let anchor = anchor?;
    if full.extension().is_none_or(|x| x != "md") {
        return Some(format!("an anchor into {}, not Markdown", file.display()));
    }
    let text = std::fs::read_to_string(&full).unwrap();
    let known = anchors(&text);
    (!known.contains(anchor)).then(|| format!("{} has no heading #{anchor}", file.display()))
}

/// Every `](target)` of a file's prose, with its line.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(text) {
        let line = without_code(line);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            out.push((n, after[..end].trim().to_owned()));
            rest = &after[end..];
        }
    }
    out
}

fn is_external(target: &str) -> bool {
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| target.starts_with(p))
}

#[test]
fn every_relative_link_of_the_docs_resolves() {
    let mut dead = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(root().join(&file)).unwrap();
        for (line, target) in links(&text) {
            if is_external(&target) {
                continue;
            }
            checked += 1;
            if let Some(why) = broken(&file, &target) {
                dead.push(format!("{}:{line}: ({target}): {why}", file.display()));
            }
        }
    }
    assert!(dead.is_empty(), "dead links:\n{}", dead.join("\n"));
    assert!(
        checked >= 40,
        "only {checked} links found: is the parser blind?"
    );
}

/// The repository paths a line names in code spans (`src/…`, `tests/…`,
/// ...; not `data/…`, which the docs also use for folders inside a ledger).
fn source_paths(line: &str) -> Vec<&str> {
    const ROOTS: [&str; 7] = [
        "src/",
        "tests/",
        "scripts/",
        "examples/",
        "assets/",
        "docker/",
        ".ci/",
    ];
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| ROOTS.iter().any(|r| span.starts_with(r)))
        .filter(|span| !span.contains([' ', '*', '<']))
        .collect()
}

#[test]
fn every_source_path_the_docs_name_in_code_exists() {
    let mut dead = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(root().join(&file)).unwrap();
        for (line, prose) in prose_lines(&text) {
            for path in source_paths(prose) {
                checked += 1;
                if !root().join(path).exists() {
                    dead.push(format!(
                        "{}:{line}: `{path}` does not exist",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(dead.is_empty(), "moved or removed:\n{}", dead.join("\n"));
    assert!(
        checked >= 20,
        "only {checked} paths found: is the parser blind?"
    );
}

#[test]
fn readme_links_every_page_of_docs() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let linked: BTreeSet<PathBuf> = links(&readme)
        .into_iter()
        .map(|(_, t)| PathBuf::from(t.split('#').next().unwrap()))
        .collect();
    let unlinked: Vec<String> = markdown_files()
        .into_iter()
        .filter(|f| f.starts_with("docs") && !linked.contains(f))
        .map(|f| f.display().to_string())
        .collect();
    assert!(unlinked.is_empty(), "README does not link {unlinked:?}");
}

/// `(command path, its after-help text)` of every command, nested ones
/// included.
fn help_references(cmd: &clap::Command, parent: &str, out: &mut Vec<(String, String)>) {
    for sub in cmd.get_subcommands() {
        let path = format!("{parent} {}", sub.get_name()).trim().to_owned();
        let after = sub.get_after_help().map(ToString::to_string);
        out.push((path.clone(), after.unwrap_or_default()));
        help_references(sub, &path, out);
    }
}

#[test]
fn every_command_help_names_its_reference_and_it_exists() {
    let cli = iss_workstation::cli::Cli::command();
    let mut all = Vec::new();
    help_references(&cli, "", &mut all);
    assert!(all.len() > 20, "{all:?}");
    all.push((
        "iss".to_owned(),
        cli.get_after_help()
            .map(ToString::to_string)
            .unwrap_or_default(),
    ));
    let mut problems = Vec::new();
    for (command, after) in &all {
        let targets: Vec<&str> = after
            .split([' ', ',', '\n', '(', ')'])
            .filter(|w| w.starts_with("docs/") || w.starts_with("README.md"))
            .collect();
        if !after.starts_with("Reference: ") || targets.is_empty() {
            problems.push(format!(
                "iss {command}: no `Reference: docs/…` after its help"
            ));
        }
        for t in targets {
            let t = t.trim_end_matches('/');
            if let Some(why) = broken(Path::new("README.md"), t) {
                problems.push(format!("iss {command}: {t}: {why}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn anchors_follow_github() {
    let text = "# A\n## `iss verify`\n### Roles and pinned keys (`--vkey`)\n```\n# not a heading\n```\n## `iss verify`\n#nope\n";
    let got = anchors(text);
    let want: BTreeSet<String> = [
        "a",
        "iss-verify",
        "iss-verify-1",
        "roles-and-pinned-keys---vkey",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(got, want);
}
