//! Versions and the ranges advisories write about them: one comparison per scheme
//! ([`Scheme`]), and one reading of version statements into intervals ([`Spec`]) that says
//! "undecidable" — with the reason — whenever it cannot tell, instead of guessing in or out.
//! Pure code: no I/O.

mod schemes;
mod spec;

pub use schemes::Scheme;
pub use spec::{Bound, Decision, Interval, Kind, Spec};
