//! The bytes of the legacy format: `CPython`'s `json.dumps` emulated exactly
//! (`pyjson`), and the builders of the lines the legacy service writes
//! (`line_builder`; they build, `write` writes).

pub mod line_builder;
pub mod pyjson;
