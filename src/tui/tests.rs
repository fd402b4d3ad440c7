//! The workstation's tests: key strings drive `update` without a terminal
//! (as gitu's harness does), and each pane is snapshotted on a test backend
//! with insta at 80x24 and 120x40, on the project's sample ledger and on a
//! tampered copy of a generated one.

mod browse_tools;
mod components;
mod export_records;
mod first_screen;
mod fit_text;
mod fleet;
mod form;
mod harness;
mod histogram;
mod key_table_doc;
mod keys_dsl;
mod live;
mod mouse;
mod narrowing;
mod native;
mod navigation;
mod numbers;
mod numbers_extreme;
mod pager;
mod panes_navigation;
mod panes_snapshots;
mod readme_tour;
mod record_view;
mod remote;
mod rendering;
mod search;
mod single_file;
mod snapshots;
mod trust;
mod unreadable;
mod write_outcomes;
mod writes;
