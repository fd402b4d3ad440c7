//! The ISS Module v2.0 legacy formats (see `../shared/docs/LEGACY_FORMAT.md`):
//! the bytes of the format (`format`), its verification (`verify`) and
//! byte-compatible writing (`write`).

pub mod format;
pub mod verify;
pub mod write;
