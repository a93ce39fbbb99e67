//! What an advisory says about versions, read from the strings real advisories write
//! (`vers:all/*`, `>= 6.0.0 | <= 6.3.1`, `2.X`, `1.10 | 1.11`, `MMT-1711 | MMT-1712`,
//! `distributed  < april 1, 2018`, `3.0より前`) into intervals, sets or an honest "cannot tell",
//! with the raw string always kept and vers as the canonical text.

use crate::schemes::Scheme;
use std::cmp::Ordering;
use unicode_normalization::UnicodeNormalization;

/// How a version statement was understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Every version.
    All,
    /// One version.
    Exact,
    /// A list of versions.
    Set,
    /// Intervals between bounds.
    Range,
    /// A wildcard (`2.X`): every version starting so.
    Prefix,
    /// Bounded by a date of distribution or manufacture, not by a version.
    DateBound,
    /// A list of model numbers; every version of those models.
    Models,
    /// Text that cannot be read as versions.
    Unparsed,
}

/// One end of an interval.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Bound {
    pub version: String,
    pub inclusive: bool,
}

/// Versions between `lo` and `hi` (`None`: unbounded on that side).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Interval {
    pub lo: Option<Bound>,
    pub hi: Option<Bound>,
}

/// A version statement as understood, with the text it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Spec {
    pub raw: String,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<Interval>,
    /// The versions of a Set or Exact, the model numbers of Models.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<String>,
    /// Vulnerabilities the statement is limited to (Japanese advisories' trailing `（CVE-…）`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub only_for: Vec<String>,
    /// Why the text is Unparsed, or the date of a DateBound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Whether a version is covered by a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Covered; the reason code (`all_versions`, `in_range`, `version_listed`).
    Inside(&'static str),
    Outside,
    /// Cannot be told; the reason code (`date_bound`, `unparsed`, `scheme_unknown`, `no_version`).
    Undecidable(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl Spec {
    fn new(raw: &str, kind: Kind) -> Spec {
        Spec { raw: raw.to_string(), kind, intervals: Vec::new(), set: Vec::new(), only_for: Vec::new(), note: None }
    }

    fn unparsed(raw: &str, why: &str) -> Spec {
        Spec { note: Some(why.to_string()), ..Spec::new(raw, Kind::Unparsed) }
    }

    /// Reads a version statement as advisories write it (CSAF `product_version_range`,
    /// `product_version` or a product branch's name; JVN's `VersionNumber`; a vers string).
    pub fn parse(raw: &str) -> Spec {
        let mut text: String = raw.nfkc().collect();
        text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut only_for = Vec::new();
        // A trailing "(CVE-2023-1234, CVE-2023-5678)" limits the statement to those.
        if let Some(open) = text.rfind('(')
            && text.ends_with(')')
            && text[open..].contains("CVE-")
        {
            only_for = text[open + 1..text.len() - 1]
                .split([',', '、', ' '])
                .map(str::trim)
                .filter(|s| s.starts_with("CVE-"))
                .map(str::to_string)
                .collect();
            text = text[..open].trim().to_string();
        }
        let mut spec = Spec::read(raw, &text);
        spec.only_for = only_for;
        spec
    }

    fn read(raw: &str, text: &str) -> Spec {
        let lower = text.to_lowercase();
        if lower.is_empty() {
            return Spec::unparsed(raw, "empty");
        }
        if lower == "vers:all/*" || lower == "*" || lower == "all" || lower == "all versions" {
            return Spec::new(raw, Kind::All);
        }
        if let Some(rest) = lower.strip_prefix("vers:") {
            let Some((_, constraints)) = rest.split_once('/') else {
                return Spec::unparsed(raw, "a vers string without '/'");
            };
            return Spec::operators(raw, &text[text.len() - constraints.len()..]);
        }
        if MONTHS.iter().any(|m| lower.contains(m)) || has_iso_date(&lower) {
            return Spec { note: Some(text.to_string()), ..Spec::new(raw, Kind::DateBound) };
        }
        let text = japanese_operators(text);
        let text = strip_version_word(&text);
        if text.contains('|') || text.contains(['<', '>', '=']) {
            return Spec::operators(raw, &text);
        }
        if text.contains(' ') {
            return Spec::unparsed(raw, "free text");
        }
        if let Some(spec) = Spec::wildcard(raw, None, &text) {
            return spec;
        }
        if !plausible_version(&text) {
            return Spec::unparsed(raw, "not a version");
        }
        Spec { set: vec![text.to_string()], ..Spec::new(raw, Kind::Exact) }
    }

    /// `a | b | c` with or without operators.
    fn operators(raw: &str, text: &str) -> Spec {
        let items: Vec<&str> = text.split('|').map(str::trim).filter(|s| !s.is_empty()).collect();
        if items.is_empty() {
            return Spec::unparsed(raw, "empty");
        }
        let parsed: Vec<Option<(Op, &str)>> = items.iter().map(|item| operator(item)).collect();
        if parsed.iter().all(Option::is_none) {
            // Pipes without operators: a list of versions, or of model numbers.
            if items.iter().any(|i| i.contains(' ') || !plausible_version(i)) {
                return Spec::unparsed(raw, "a list holding free text");
            }
            let kind = if items.iter().all(|i| looks_like_model(i)) { Kind::Models } else { Kind::Set };
            let set = items.iter().map(|s| s.to_string()).collect();
            return Spec { set, ..Spec::new(raw, kind) };
        }
        if parsed.iter().any(Option::is_none) {
            return Spec::unparsed(raw, "operators mixed with other text");
        }
        let mut spec = Spec::new(raw, Kind::Range);
        let mut open: Option<Bound> = None;
        let mut last_upper = false;
        for (op, version) in parsed.into_iter().flatten() {
            if version.contains(' ') || version.is_empty() {
                return Spec::unparsed(raw, "a bound holding free text");
            }
            if version.to_lowercase().ends_with(".x") || version.to_lowercase() == "x" {
                // `<= 12.2.x.x`: below the next 12.3.
                let Some(prefix) = Spec::wildcard(raw, Some(op), version) else {
                    return Spec::unparsed(raw, "a wildcard bound");
                };
                spec.intervals.extend(prefix.intervals);
                last_upper = true;
                continue;
            }
            if !plausible_version(version) {
                return Spec::unparsed(raw, "a bound that is not a version");
            }
            let bound = |inclusive| Bound { version: version.to_string(), inclusive };
            match op {
                Op::Gt | Op::Ge => {
                    if open.is_some() {
                        return Spec::unparsed(raw, "two lower bounds in a row");
                    }
                    open = Some(bound(op == Op::Ge));
                    last_upper = false;
                }
                Op::Lt | Op::Le => {
                    if last_upper && open.is_none() {
                        // `<= U61 | <= L81`: vers would refuse the order; so do we.
                        return Spec::unparsed(raw, "two upper bounds in a row");
                    }
                    spec.intervals.push(Interval { lo: open.take(), hi: Some(bound(op == Op::Le)) });
                    last_upper = true;
                }
                Op::Eq => {
                    spec.set.push(version.to_string());
                    last_upper = false;
                }
                Op::Ne => return Spec::unparsed(raw, "an exclusion (!=) is not supported"),
            }
        }
        if let Some(lo) = open {
            spec.intervals.push(Interval { lo: Some(lo), hi: None });
        }
        if spec.intervals.is_empty() {
            spec.kind = if spec.set.len() == 1 { Kind::Exact } else { Kind::Set };
        }
        spec
    }

    /// `2.X` → [2, 3); with `<=`: `<= 12.2.x.x` → < 12.3.
    fn wildcard(raw: &str, op: Option<Op>, text: &str) -> Option<Spec> {
        let lower = text.to_lowercase();
        let parts: Vec<&str> = lower.split('.').collect();
        let first_x = parts.iter().position(|p| *p == "x" || *p == "*")?;
        if !parts[first_x..].iter().all(|p| *p == "x" || *p == "*") || first_x == 0 {
            return None;
        }
        let numbers: Vec<u64> = parts[..first_x].iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
        let lo = numbers.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
        let mut next = numbers.clone();
        *next.last_mut()? += 1;
        let hi = next.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
        let upper = Some(Bound { version: hi.clone(), inclusive: false });
        let (kind, interval) = match op {
            None => (Kind::Prefix, Interval { lo: Some(Bound { version: lo, inclusive: true }), hi: upper }),
            Some(Op::Le) => (Kind::Range, Interval { lo: None, hi: upper }),
            Some(Op::Lt) => (Kind::Range, Interval { lo: None, hi: Some(Bound { version: lo, inclusive: false }) }),
            Some(Op::Ge) => (Kind::Range, Interval { lo: Some(Bound { version: lo, inclusive: true }), hi: None }),
            Some(Op::Gt) => (Kind::Range, Interval { lo: Some(Bound { version: hi, inclusive: true }), hi: None }),
            _ => return None,
        };
        Some(Spec { intervals: vec![interval], ..Spec::new(raw, kind) })
    }

    /// The model numbers of a Models statement.
    pub fn models(&self) -> &[String] {
        if self.kind == Kind::Models { &self.set } else { &[] }
    }

    /// The statement as vers (`vers:intdot/>=6.0.0|<=6.3.1`), when it is one.
    pub fn vers(&self, scheme: &Scheme) -> Option<String> {
        let name = scheme.vers_name();
        let constraints: Vec<String> = match self.kind {
            Kind::All => return Some("vers:all/*".into()),
            Kind::Exact | Kind::Set => self.set.clone(),
            Kind::Range | Kind::Prefix => {
                let mut out: Vec<String> = self.set.clone();
                for i in &self.intervals {
                    if let Some(lo) = &i.lo {
                        out.push(format!("{}{}", if lo.inclusive { ">=" } else { ">" }, lo.version));
                    }
                    if let Some(hi) = &i.hi {
                        out.push(format!("{}{}", if hi.inclusive { "<=" } else { "<" }, hi.version));
                    }
                }
                out
            }
            Kind::DateBound | Kind::Models | Kind::Unparsed => return None,
        };
        Some(format!("vers:{name}/{}", constraints.join("|")))
    }

    /// Whether `version` (in `scheme`) is covered. Anything that cannot be told is
    /// Undecidable with the reason — never silently in or out.
    pub fn decide(&self, scheme: &Scheme, version: Option<&str>) -> Decision {
        match self.kind {
            Kind::All | Kind::Models => return Decision::Inside("all_versions"),
            Kind::DateBound => return Decision::Undecidable("date_bound"),
            Kind::Unparsed => return Decision::Undecidable("unparsed"),
            _ => {}
        }
        let Some(version) = version.map(str::trim).filter(|v| !v.is_empty()) else {
            return Decision::Undecidable("no_version");
        };
        let mut unknown = false;
        for listed in &self.set {
            match scheme.compare(version, listed) {
                Some(Ordering::Equal) => return Decision::Inside("version_listed"),
                Some(_) => {}
                None if version.eq_ignore_ascii_case(listed) => return Decision::Inside("version_listed"),
                None => unknown = true,
            }
        }
        for interval in &self.intervals {
            let check = |bound: &Option<Bound>, above: bool| -> Option<bool> {
                let Some(b) = bound else { return Some(true) };
                let o = scheme.compare(version, &b.version)?;
                Some(if above {
                    o == Ordering::Greater || (b.inclusive && o == Ordering::Equal)
                } else {
                    o == Ordering::Less || (b.inclusive && o == Ordering::Equal)
                })
            };
            match (check(&interval.lo, true), check(&interval.hi, false)) {
                (Some(true), Some(true)) => return Decision::Inside("in_range"),
                (Some(false), _) | (_, Some(false)) => {}
                _ => unknown = true,
            }
        }
        if unknown { Decision::Undecidable("scheme_unknown") } else { Decision::Outside }
    }
}

/// `>= 6.0.0` → (Ge, "6.0.0"); `<=N` → (Le, "N"); `6.0` → None.
fn operator(item: &str) -> Option<(Op, &str)> {
    let item = item.trim();
    let (op, rest) = if let Some(r) = item.strip_prefix("<=") {
        (Op::Le, r)
    } else if let Some(r) = item.strip_prefix(">=") {
        (Op::Ge, r)
    } else if let Some(r) = item.strip_prefix("!=") {
        (Op::Ne, r)
    } else if let Some(r) = item.strip_prefix('<') {
        (Op::Lt, r)
    } else if let Some(r) = item.strip_prefix('>') {
        (Op::Gt, r)
    } else if let Some(r) = item.strip_prefix('=') {
        (Op::Eq, r)
    } else {
        return None;
    };
    let rest = rest.trim();
    // An operator inside the text (`A10 < A11`) is not a bound.
    if rest.contains(['<', '>', '=']) {
        return None;
    }
    Some((op, rest))
}

/// Japanese wording to operators: `3.0より前` / `3.0未満` → `< 3.0`, `3.0およびそれ以前` /
/// `3.0以前` → `<= 3.0`, `3.0以降` → `>= 3.0`.
fn japanese_operators(text: &str) -> String {
    let text = strip_version_word(text);
    for (suffix, op) in [
        ("およびそれ以前", "<="),
        ("及びそれ以前", "<="),
        ("より前", "<"),
        ("未満", "<"),
        ("以前", "<="),
        ("以降", ">="),
        ("以上", ">="),
    ] {
        if let Some(version) = text.strip_suffix(suffix) {
            return format!("{op} {}", strip_version_word(version.trim()));
        }
    }
    text
}

/// Drops a leading `Ver.`, `version`, `versions` or `バージョン`.
fn strip_version_word(text: &str) -> String {
    let lower = text.to_lowercase();
    for word in ["versions ", "version ", "ver.", "ver ", "バージョン"] {
        if lower.starts_with(word) {
            return text[word.len()..].trim().to_string();
        }
    }
    text.trim().to_string()
}

fn has_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(10).any(|w| {
        w[..4].iter().all(u8::is_ascii_digit)
            && w[4] == b'-'
            && w[5..7].iter().all(u8::is_ascii_digit)
            && w[7] == b'-'
            && w[8..].iter().all(u8::is_ascii_digit)
    })
}

/// A token that can be a version: no spaces, some digit or letter, at most 64 characters.
fn plausible_version(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && !text.contains(char::is_whitespace)
        && text.chars().any(|c| c.is_alphanumeric())
        && !text.contains(['(', ')', ','])
}

/// `MMT-1711`: letters, a hyphen, digits.
fn looks_like_model(text: &str) -> bool {
    let Some((letters, digits)) = text.split_once('-') else { return false };
    letters.len() >= 2
        && letters.chars().all(|c| c.is_ascii_uppercase())
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_alphanumeric())
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
}
