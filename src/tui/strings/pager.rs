//! What `v` (the record in `$PAGER`) says.

/// First line of the pager's copy.
pub fn pager_heading(file: &str, line: u64) -> String {
    format!(
        "{file} line {line}: a read-only copy for the pager, removed when it closes; the ledger is not touched"
    )
}
/// Heading of the pretty-printed stored line in the pager's copy.
pub const PAGER_STORED: &str =
    "Stored line, pretty-printed (members in stored order, values as stored)";
/// Message: the pager closed.
pub const PAGER_CLOSED: &str = "pager closed; its read-only copy of the record is removed";
/// Message: the pager command does not exist.
pub fn pager_not_found(command: &str) -> String {
    format!("cannot open the pager: {command:?} not found; set PAGER (e.g. PAGER=less)")
}
/// Message: the pager could not be run, or failed.
pub fn pager_failed(command: &str, why: &str) -> String {
    format!("the pager {command:?} failed: {why}")
}
/// Message: the temporary copy could not be written or removed.
pub fn pager_copy_failed(why: &str) -> String {
    format!("cannot write the record's temporary copy for the pager: {why}")
}
