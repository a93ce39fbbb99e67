//! Vulnerability advisories as the hub reads them: OSV records (`osv`), CSAF 2.0 documents
//! (`csaf`, with the mandatory tests in `csaf_tests`), JVN's VULDEF and JVNRSS (`jvn`, read into
//! the CSAF shape), CVSS scores (`cvss`), loaded from
//! files, directories and zip archives with their checksums checked (`sources`). Pure code:
//! bytes in, records and located problems out; nothing here matches or stores.

pub mod csaf;
pub mod csaf_tests;
pub mod cvss;
pub mod jvn;
pub mod osv;
pub mod problem;
pub mod revisions;
pub mod sources;

pub use problem::{Problem, Severity};
