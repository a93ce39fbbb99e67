//! Severity from CVSS vectors (2.0, 3.0, 3.1, 4.0) through RustSec's `cvss` crate, which
//! computes the base score from the vector rather than trusting a stated number.

use serde::Serialize;
use std::str::FromStr;

/// The qualitative rating of CVSS 3.x/4.0, ordered so `--fail-on high` is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Rating {
    pub fn parse(text: &str) -> Option<Rating> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "none" => Rating::None,
            "low" => Rating::Low,
            "medium" | "moderate" => Rating::Medium,
            "high" | "important" => Rating::High,
            "critical" => Rating::Critical,
            _ => return None,
        })
    }

    pub fn from_score(score: f64) -> Rating {
        match score {
            s if s >= 9.0 => Rating::Critical,
            s if s >= 7.0 => Rating::High,
            s if s >= 4.0 => Rating::Medium,
            s if s > 0.0 => Rating::Low,
            _ => Rating::None,
        }
    }
}

/// A vector's base score and rating, as the specification computes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub vector: String,
    pub base_score: f64,
    pub rating: Rating,
}

/// Scores a vector (`CVSS:3.1/AV:N/…`, `AV:N/AC:L/Au:N/…` for 2.0, `CVSS:4.0/…`); `None`
/// when it does not read (real records end vectors with `/` or truncate them).
pub fn score(vector: &str) -> Option<Score> {
    let vector = vector.trim();
    let parsed = cvss::Cvss::from_str(vector).ok()?;
    let base_score = (parsed.score() * 10.0).round() / 10.0;
    Some(Score { vector: vector.to_string(), base_score, rating: Rating::from_score(base_score) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustsec_2016_0001_scores_high_8_1() {
        let s = score("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!((s.base_score, s.rating), (8.1, Rating::High));
    }

    #[test]
    fn other_versions_and_broken_vectors() {
        assert_eq!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap().base_score, 9.8);
        assert_eq!(score("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap().base_score, 7.5);
        assert!(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/").is_none());
        assert!(score("").is_none());
        assert_eq!(Rating::parse("MODERATE"), Some(Rating::Medium));
        assert!(Rating::Critical > Rating::High && Rating::Low > Rating::None);
    }
}
