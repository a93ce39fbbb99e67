//! OSV records (<https://ossf.github.io/osv-schema/>), read leniently: real databases break the
//! schema (AQUA-/UVI- ids, `severity: []`, `+00:00` dates, GIT-only ranges), so only what the
//! hub needs is required, and whether a package version is affected is answered with the
//! ecosystem's own order — or as undecidable, with the reason.

use mamori_versions::{Decision, Scheme};
use serde::Deserialize;
use std::cmp::Ordering;

#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub severity: Vec<Severity>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub affected: Vec<Affected>,
    /// GHSA's `{"severity": "HIGH"}` when no vector is given.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Severity {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ranges: Vec<Range>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    // Records of projects without an ecosystem (CURL-, PSF-) name only a purl or a repository.
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Range {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<Event>,
    /// Set by [`Record::sort_events`]: the events are in version order already.
    #[serde(skip)]
    pub sorted: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// `null` read as the empty value (real records write `"versions": null`).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads one record; the error names the field that does not fit.
pub fn read(bytes: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))
}

impl Record {
    /// Whether `version` of package `name` in `ecosystem` (OSV's names: `crates.io`, `PyPI`,
    /// `Go`, `Debian:11`, …) is affected. `Outside` when the record does not name the package.
    pub fn affects(&self, ecosystem: &str, name: &str, version: &str) -> Decision {
        if self.withdrawn.is_some() {
            return Decision::Outside;
        }
        let Some(scheme) = Scheme::for_ecosystem(ecosystem) else {
            return Decision::Undecidable("scheme_unknown");
        };
        let mut undecided = None;
        for affected in &self.affected {
            let Some(package) = &affected.package else { continue };
            if !package.ecosystem.eq_ignore_ascii_case(ecosystem) || !same_name(ecosystem, &package.name, name) {
                continue;
            }
            if affected.versions.iter().any(|v| v == version) {
                return Decision::Inside("version_listed");
            }
            for range in &affected.ranges {
                match range.kind.as_str() {
                    "SEMVER" | "ECOSYSTEM" => match in_range(&scheme, &range.events, range.sorted, version) {
                        Some(true) => return Decision::Inside("in_range"),
                        Some(false) => {}
                        None => undecided = Some("scheme_unknown"),
                    },
                    // Commit ranges need the repository's history: reported as not evaluated.
                    _ => undecided = undecided.or(Some("git_range")),
                }
            }
        }
        undecided.map_or(Decision::Outside, Decision::Undecidable)
    }

    /// Puts every range's events in version order once, so that each later question skips
    /// the sort (an index does this for every record it holds). Ranges whose versions do not
    /// read in the ecosystem's scheme stay as they are and are sorted (and refused) per call.
    pub fn sort_events(&mut self) {
        for affected in &mut self.affected {
            let Some(scheme) = affected.package.as_ref().and_then(|p| Scheme::for_ecosystem(&p.ecosystem)) else {
                continue;
            };
            for range in &mut affected.ranges {
                if matches!(range.kind.as_str(), "SEMVER" | "ECOSYSTEM") {
                    let mut events = range.events.clone();
                    if sort_events(&scheme, &mut events).is_some() {
                        range.events = events;
                        range.sorted = true;
                    }
                }
            }
        }
    }

    /// The highest CVSS base score among the record's vectors, else the database's own rating.
    pub fn rating(&self) -> Option<(crate::cvss::Rating, Option<crate::cvss::Score>)> {
        let best = self
            .severity
            .iter()
            .filter(|s| s.kind.starts_with("CVSS"))
            .filter_map(|s| crate::cvss::score(&s.score))
            .max_by(|a, b| a.base_score.partial_cmp(&b.base_score).unwrap_or(Ordering::Equal));
        if let Some(score) = best {
            return Some((score.rating, Some(score)));
        }
        let text = self.database_specific.as_ref()?.get("severity")?.as_str()?;
        Some((crate::cvss::Rating::parse(text)?, None))
    }

    /// The first fixed version of `name` after `version`, where a range says one.
    pub fn fixed_in(&self, ecosystem: &str, name: &str, version: &str) -> Option<String> {
        let scheme = Scheme::for_ecosystem(ecosystem)?;
        self.affected
            .iter()
            .filter(|a| a.package.as_ref().is_some_and(|p| same_name(ecosystem, &p.name, name)))
            .flat_map(|a| &a.ranges)
            .flat_map(|r| &r.events)
            .filter_map(|e| match e {
                Event::Fixed(v) if scheme.compare(v, version) == Some(Ordering::Greater) => Some(v.clone()),
                _ => None,
            })
            .min_by(|a, b| scheme.compare(a, b).unwrap_or(Ordering::Equal))
    }
}

/// OSV's evaluation: events in version order, `introduced` opens, `fixed` and `limit` close
/// before, `last_affected` closes after. `None` when a version does not read in the scheme.
fn in_range(scheme: &Scheme, events: &[Event], already_sorted: bool, version: &str) -> Option<bool> {
    let is_zero = |v: &str| v == "0";
    let mut sorted: Vec<&Event> = events.iter().collect();
    if !already_sorted {
        sort_events(scheme, &mut sorted)?;
    }
    let mut affected = false;
    for event in sorted {
        match event {
            Event::Introduced(v) => {
                if is_zero(v) || scheme.compare(version, v)? != Ordering::Less {
                    affected = true;
                }
            }
            Event::Fixed(v) | Event::Limit(v) => {
                if scheme.compare(version, v)? != Ordering::Less {
                    affected = false;
                }
            }
            Event::LastAffected(v) => {
                if scheme.compare(version, v)? == Ordering::Greater {
                    affected = false;
                }
            }
        }
    }
    Some(affected)
}

fn event_version(e: &Event) -> &str {
    match e {
        Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
    }
}

/// Events in version order (`"0"` first); `None` when a version does not read in the scheme.
fn sort_events<E: std::borrow::Borrow<Event>>(scheme: &Scheme, events: &mut [E]) -> Option<()> {
    let mut unreadable = false;
    events.sort_by(|a, b| {
        let (a, b) = (event_version(a.borrow()), event_version(b.borrow()));
        match (a == "0", b == "0") {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => scheme.compare(a, b).unwrap_or_else(|| {
                unreadable = true;
                Ordering::Equal
            }),
        }
    });
    (!unreadable).then_some(())
}

/// Package names compare as the ecosystem does: PyPI per PEP 503, others exactly.
fn same_name(ecosystem: &str, a: &str, b: &str) -> bool {
    if ecosystem.eq_ignore_ascii_case("pypi") {
        let norm = |s: &str| s.to_lowercase().replace(['_', '.'], "-");
        norm(a) == norm(b)
    } else {
        a == b
    }
}
