//! Verification of a legacy ledger, file by file: the line checks every
//! record goes through (`lines`), the SPICE layer (`spice_chain`,
//! `manifest`, `spice_layer`), the hash-less v1 layer (`v1_layer`), the
//! forensic time layer (`glyph_line`, `glyph_chain`, `time_checks`,
//! `time_layer`, `plain_log`), the constitutional log, which absent files
//! are evidence (`absence`) and what each check covers (`coverage`).

pub mod absence;
pub mod constitutional;
pub mod coverage;
pub mod glyph_chain;
pub mod glyph_line;
pub mod lines;
pub mod manifest;
pub mod plain_log;
pub mod spice_chain;
pub mod spice_layer;
pub mod time_checks;
pub mod time_layer;
pub mod v1_layer;
