//! The ISS Module v2.0 legacy formats (see `../shared/docs/LEGACY_FORMAT.md`):
//! parsing, verification and byte-compatible writing.

pub mod absence;
pub mod append;
pub mod append_pulse;
pub mod constitutional;
pub mod coverage;
pub mod glyph_chain;
pub mod glyph_line;
pub mod lines;
pub mod manifest;
pub mod plain_log;
pub mod pyjson;
pub mod sample;
pub mod spice_chain;
pub mod spice_layer;
pub mod time_checks;
pub mod time_layer;
pub mod v1_layer;
pub mod witness;
pub mod writer;
