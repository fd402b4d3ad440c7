//! What verification produces, independent of any one format: findings
//! (kind, severity, place, expected and found) and the verification report
//! with its per-file coverage — and the descriptor schema's attribute
//! ratings, which are part of a native record's body; the descriptor a user
//! enters and how it is completed, the same for both formats.

pub mod attributes;
pub mod descriptor;
pub mod finding;
pub mod new_descriptor;
pub mod report;
pub mod segments;
pub mod trust;
