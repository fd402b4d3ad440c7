//! Writing to a legacy ledger, byte-compatible with the legacy service and
//! always through `ledger::append`: SPICE descriptors (`append`), time
//! pulses (`pulse`), the manifest's completion after an interrupted append
//! (`repair`), and the deterministic sample ledgers (`sample`).

pub mod append;
pub mod pulse;
pub mod repair;
pub mod sample;
