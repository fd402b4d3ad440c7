//! The native format's files and bodies (`docs/FORMAT.md`): one record line
//! (`record`), the directory and its metadata (`meta`), the record bodies
//! (`bodies`, `descriptor_view`, `pulse`), a chain's checkpoint history
//! (`history`), stored timestamp tokens (`timestamps`) and the legacy start
//! log carried into a migrated ledger (`legacy_starts`).

pub mod bodies;
pub mod descriptor_view;
pub mod history;
pub mod legacy_starts;
pub mod meta;
pub mod pulse;
pub mod record;
pub mod timestamps;
