//! Each pane at 80x24 and 120x40, on the shipped sample ledger and on a
//! tampered copy: what a reviewer sees, pinned.

use super::harness::Harness;
use insta::assert_snapshot;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn each_size(name: &str, open: fn(u16, u16) -> Harness, keys: &str) {
    for (w, h) in SIZES {
        let mut t = open(w, h);
        t.keys(keys);
        assert_snapshot!(format!("{name}_{w}x{h}"), t.screen());
    }
}

#[test]
fn browser_on_the_sample_ledger() {
    each_size("browser_sample", Harness::sample, "");
}

#[test]
fn integrity_on_the_sample_ledger() {
    each_size("integrity_sample", Harness::sample, "2");
}

#[test]
fn browser_on_a_tampered_ledger_at_the_violation() {
    // The first screen is at the violation already (issue 15 item 4): no `e`.
    each_size("browser_tampered", Harness::tampered, "");
}

#[test]
fn integrity_on_a_tampered_ledger() {
    each_size("integrity_tampered", Harness::tampered, "2");
}

#[test]
fn pulse_chain_browser() {
    each_size("browser_pulses", Harness::sample, "c");
}

#[test]
fn detail_of_a_tampered_record() {
    each_size("detail_tampered", Harness::tampered, "e<enter>");
}

#[test]
fn help_overlay() {
    each_size("help", Harness::sample, "?");
}

#[test]
fn too_small_terminal() {
    assert_snapshot!("too_small_59x14", Harness::sample(59, 14).screen());
}

#[test]
fn first_frames_before_the_ledger_is_loaded() {
    use crate::ledger::discover::discover;
    use crate::ledger::io::line_index::IndexedFile;
    use crate::tui::chain::ChainKind;
    use crate::tui::msg::Msg;
    use crate::tui::update::update;
    use std::path::Path;

    let path = Path::new(super::harness::SAMPLE);
    let mut t = Harness::unloaded(path, 80, 24);
    // Nothing known yet: the first frame draws at once.
    assert_snapshot!("opening_80x24", t.screen());

    let d = discover(path).unwrap();
    update(&mut t.app, Msg::Discovered(Ok(d.clone())));
    let chain = ChainKind::Descriptors;
    update(
        &mut t.app,
        Msg::Progress {
            chain,
            done: 20_000,
            total: 40_000,
        },
    );
    assert_snapshot!("indexing_80x24", t.screen());

    let file = IndexedFile::open(d.path_of(chain.file_kind()).unwrap(), |_| {});
    update(
        &mut t.app,
        Msg::Indexed {
            chain,
            result: file.map_err(|e| e.to_string()),
        },
    );
    update(&mut t.app, Msg::Tick);
    assert_snapshot!("verifying_80x24", t.screen());
}
