//! The README's tour shows real screens: its two captures (the browser and
//! the integrity pane on the shipped sample ledger at 100x30, taken with
//! tmux from the binary) are what the workstation draws there, line for
//! line but the status line, whose verdict must match too (the binary's
//! live watcher adds its follow badge there; the harness does not watch).

use super::harness::Harness;

/// The fenced `text` blocks of the README's "A short tour".
fn tour_captures() -> Vec<String> {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
    let tour = readme
        .split("\n## A short tour\n")
        .nth(1)
        .expect("README.md has a `## A short tour` section");
    let tour = tour.split("\n## ").next().unwrap_or(tour);
    tour.split("```text\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or(b).to_owned())
        .collect()
}

#[test]
fn readme_tour_captures_are_the_screens_the_workstation_draws() {
    let captures = tour_captures();
    assert_eq!(captures.len(), 2, "the browser, then the integrity pane");
    for (shown, keys) in captures.iter().zip(["", "2"]) {
        let mut t = Harness::sample(100, 30);
        t.keys(keys);
        let drawn = t.screen();
        let drawn: Vec<&str> = drawn.lines().map(str::trim_end).collect();
        let shown: Vec<&str> = shown.lines().map(str::trim_end).collect();
        assert_eq!(shown.len(), 30, "a 100x30 capture after keys {keys:?}");
        assert_eq!(shown[..29], drawn[..29], "after keys {keys:?}");
        let verdict = " READ-ONLY  ✔ CLEAN: 0 violations, 0 warnings ";
        assert!(shown[29].starts_with(verdict), "{}", shown[29]);
        assert!(drawn[29].starts_with(verdict), "{}", drawn[29]);
    }
}
