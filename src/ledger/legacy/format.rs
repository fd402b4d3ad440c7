//! The bytes of the legacy format: `CPython`'s `json.dumps` emulated exactly
//! (`pyjson`), the builders of the lines the legacy service writes
//! (`line_builder`; they build, `write` writes), and the batch records our
//! appends leave beside the manifest (`batch_record`).

pub mod batch_record;
pub mod line_builder;
pub mod pyjson;
