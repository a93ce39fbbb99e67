//! Vulnerability advisories as the hub reads them. Pure code: records in, answers out.
//! So far OSV (`osv`); CSAF and JVN follow (issue 16).

pub mod osv;
