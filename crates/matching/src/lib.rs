//! The hub's matching engine: which advisories concern a hospital's devices
//! ([`devices::match_devices`]) and an SBOM's components ([`scan::scan`]), with hub.md's
//! confidence tiers and the reasons for each finding; vendor and product names made
//! comparable ([`names`]); the tables people bring ([`tables`]); VEX applied ([`vex`]).
//! Pure code over what `mamori-advisories` and `mamori-sbom` read: no HTTP, no SQL.

pub mod devices;
pub mod knowledge;
pub mod names;
pub mod scan;
pub mod tables;
pub mod vex;

use mamori_advisories::cvss::Rating;
use serde::Serialize;

/// How sure a finding is (hub.md §5), best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// An identifier is equal and the version decided inside: act.
    Exact,
    /// Vendor and product are the same and the version decided inside: act.
    Range,
    /// Similar names, or a version that cannot be decided: confirm; no alert.
    Possible,
}

/// A finding's severity: the CVSS base score where a vector is given, else the source's
/// own rating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Severity {
    pub rating: Rating,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
}
