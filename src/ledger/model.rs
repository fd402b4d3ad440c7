//! What verification produces, independent of any one format: findings
//! (kind, severity, place, expected and found) and the verification report
//! with its per-file coverage — and the descriptor schema's attribute
//! ratings, which are part of a native record's body.

pub mod attributes;
pub mod descriptor;
pub mod finding;
pub mod report;
pub mod segments;
pub mod trust;
