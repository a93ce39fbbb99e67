//! One comparison per versioning scheme. Each returns `None` when a string is not a version of
//! that scheme: the caller turns that into "undecidable", never into in or out.
//!
//! Hand-written rather than one crate per scheme: the crates that exist cover one scheme each,
//! refuse the partial versions real SBOMs hold (`pkg:cargo/hyper@0.14`, Go's `v` prefix), and
//! the rules below are each a page of their specification.

use std::cmp::Ordering;

/// How the versions of a package or product are ordered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Semantic Versioning 2.0 (also npm and cargo): missing minor or patch read as 0.
    Semver,
    /// Go modules: semver with a leading `v`; pseudo-versions are pre-releases.
    Go,
    /// PyPI, PEP 440.
    Pypi,
    /// Debian's dpkg order (`~` before everything, epochs, revisions).
    Debian,
    /// RPM's rpmvercmp (also Alpine's apk for the common cases).
    Rpm,
    /// Maven's ComparableVersion (`3.4.1.Final` = `3.4.1`, qualifiers ordered).
    Maven,
    /// Dot-separated integers: `1.10` > `1.9`, `1.10` ≠ `1.1`.
    Intdot,
    /// A manufacturer's own order of its releases (`L79 < L80 < L81`).
    Releases(Vec<String>),
}

impl Scheme {
    /// The scheme of an OSV ecosystem or a purl type.
    pub fn for_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or("").to_ascii_lowercase();
        Some(match base.as_str() {
            "crates.io" | "cargo" | "npm" | "semver" | "hex" | "pub" | "nuget" | "swifturl" => Scheme::Semver,
            "go" | "golang" => Scheme::Go,
            "pypi" => Scheme::Pypi,
            "debian" | "deb" | "ubuntu" => Scheme::Debian,
            "redhat" | "rpm" | "almalinux" | "rocky linux" | "suse" | "opensuse" | "alpine" | "apk" => Scheme::Rpm,
            "maven" => Scheme::Maven,
            "intdot" | "generic" => Scheme::Intdot,
            _ => return None,
        })
    }

    /// The scheme's name in a vers string.
    pub fn vers_name(&self) -> &'static str {
        match self {
            Scheme::Semver => "semver",
            Scheme::Go => "golang",
            Scheme::Pypi => "pypi",
            Scheme::Debian => "deb",
            Scheme::Rpm => "rpm",
            Scheme::Maven => "maven",
            Scheme::Intdot => "intdot",
            Scheme::Releases(_) => "releases",
        }
    }

    /// `a` against `b`, or `None` when either is not a version of this scheme.
    pub fn compare(&self, a: &str, b: &str) -> Option<Ordering> {
        let (a, b) = (a.trim(), b.trim());
        match self {
            Scheme::Semver => Some(SemVer::parse(a, false)?.cmp(&SemVer::parse(b, false)?)),
            Scheme::Go => Some(SemVer::parse(a, true)?.cmp(&SemVer::parse(b, true)?)),
            Scheme::Pypi => Some(Pep440::parse(a)?.cmp(&Pep440::parse(b)?)),
            Scheme::Debian => Some(debian(a, b)?),
            Scheme::Rpm => Some(rpm(a, b)),
            Scheme::Maven => Some(maven(a, b)),
            Scheme::Intdot => Some(intdot(a)?.cmp(&intdot(b)?)),
            Scheme::Releases(order) => {
                let at = |v: &str| order.iter().position(|r| r.eq_ignore_ascii_case(v));
                Some(at(a)?.cmp(&at(b)?))
            }
        }
    }
}

/// Semantic version, read leniently: `0.14` is `0.14.0`; a `v` prefix only for Go.
#[derive(Debug, PartialEq, Eq)]
struct SemVer {
    core: [u64; 3],
    pre: Vec<Identifier>,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    // Numeric identifiers have lower precedence than alphanumeric ones (semver 11.4.3).
    Number(u64),
    Text(String),
}

impl SemVer {
    fn parse(text: &str, go: bool) -> Option<SemVer> {
        let text = if go { text.strip_prefix('v').unwrap_or(text) } else { text.strip_prefix('=').unwrap_or(text) };
        let text = text.split('+').next()?;
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        let mut numbers = [0u64; 3];
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            numbers[i] = part.parse().ok()?;
        }
        let pre = match pre {
            None => Vec::new(),
            Some("") => return None,
            Some(pre) => pre
                .split('.')
                .map(|id| match id.parse::<u64>() {
                    Ok(n) if id.bytes().all(|b| b.is_ascii_digit()) => Identifier::Number(n),
                    _ => Identifier::Text(id.to_string()),
                })
                .collect(),
        };
        Some(SemVer { core: numbers, pre })
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core.cmp(&other.core).then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            // A pre-release comes before its release.
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => self.pre.cmp(&other.pre),
        })
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A PEP 440 version as its sort key.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pep440 {
    epoch: u64,
    release: Vec<u64>,
    /// (phase, number): dev-only releases sort before every pre-release (phase -1), a final
    /// release after them (phase 3).
    pre: (i8, u64),
    /// `None` sorts before any post-release.
    post: Option<u64>,
    /// A dev release comes before the same version without one.
    dev: (u8, u64),
    local: Vec<Identifier>,
}

impl Pep440 {
    fn parse(text: &str) -> Option<Pep440> {
        let lower = text.trim().to_ascii_lowercase();
        let text = lower.strip_prefix('v').unwrap_or(&lower);
        let (text, local) = match text.split_once('+') {
            Some((t, l)) => (t, Some(l)),
            None => (text, None),
        };
        let (epoch, rest) = match text.split_once('!') {
            Some((e, r)) => (e.parse().ok()?, r),
            None => (0, text),
        };
        let bytes = rest.as_bytes();
        let mut i = 0;
        let mut release = Vec::new();
        loop {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                return None;
            }
            release.push(rest[start..i].parse().ok()?);
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                i += 1;
            } else {
                break;
            }
        }
        while release.len() > 1 && release.last() == Some(&0) {
            release.pop();
        }
        let mut pre = None;
        let mut post = None;
        let mut dev = None;
        let mut tail = &rest[i..];
        while !tail.is_empty() {
            tail = tail.trim_start_matches(['.', '-', '_']);
            let word_end = tail.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(tail.len());
            let (word, after) = tail.split_at(word_end);
            let after = after.trim_start_matches(['.', '-', '_']);
            let digits_end = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
            let number: u64 = if digits_end == 0 { 0 } else { after[..digits_end].parse().ok()? };
            tail = &after[digits_end..];
            match word {
                "a" | "alpha" => pre = Some((0, number)),
                "b" | "beta" => pre = Some((1, number)),
                "rc" | "c" | "pre" | "preview" => pre = Some((2, number)),
                "post" | "rev" | "r" => post = Some(number),
                // `1.0-1` is an implicit post-release.
                "" if digits_end > 0 => post = Some(number),
                "dev" => dev = Some(number),
                _ => return None,
            }
        }
        let pre = match (pre, post, dev) {
            (Some(p), _, _) => p,
            (None, None, Some(_)) => (-1, 0),
            _ => (3, 0),
        };
        let local = local
            .map(|l| {
                l.split(['.', '-', '_'])
                    .map(|id| id.parse().map_or_else(|_| Identifier::Text(id.to_string()), Identifier::Number))
                    .collect()
            })
            .unwrap_or_default();
        Some(Pep440 { epoch, release, pre, post, dev: dev.map_or((1, 0), |d| (0, d)), local })
    }
}

/// dpkg's order: `[epoch:]upstream[-revision]`.
fn debian(a: &str, b: &str) -> Option<Ordering> {
    fn split(v: &str) -> Option<(u64, &str, &str)> {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) => (e.parse().ok()?, r),
            None => (0, v),
        };
        let (upstream, revision) = match rest.rfind('-') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        if upstream.is_empty() || !upstream.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        Some((epoch, upstream, revision))
    }
    let (ea, ua, ra) = split(a)?;
    let (eb, ub, rb) = split(b)?;
    Some(ea.cmp(&eb).then_with(|| dpkg_part(ua, ub)).then_with(|| dpkg_part(ra, rb)))
}

/// dpkg's verrevcmp: alternating non-digit and digit runs; `~` sorts before anything, even the
/// end of the string; letters before other characters.
fn dpkg_part(a: &str, b: &str) -> Ordering {
    fn order(c: Option<u8>) -> i32 {
        match c {
            None => 0,
            Some(b'~') => -1,
            Some(c) if c.is_ascii_digit() => 0,
            Some(c) if c.is_ascii_alphabetic() => i32::from(c),
            Some(c) => i32::from(c) + 256,
        }
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (ca, cb) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ca != cb {
                return ca.cmp(&cb);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (si, sj) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (da, db) = (&a[si..i], &b[sj..j]);
        let by_number = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
        if by_number != Ordering::Equal {
            return by_number;
        }
    }
    Ordering::Equal
}

/// rpmvercmp over `[epoch:]version[-release]`: runs of digits compare as numbers and beat runs
/// of letters; `~` sorts before anything, `^` after the end but before anything else.
fn rpm(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (u64, &str) {
        match v.split_once(':') {
            Some((e, r)) if e.bytes().all(|c| c.is_ascii_digit()) && !e.is_empty() => (e.parse().unwrap_or(0), r),
            _ => (0, v),
        }
    }
    let ((ea, a), (eb, b)) = (split(a), split(b));
    ea.cmp(&eb).then_with(|| rpmvercmp(a, b))
}

fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && !a[i].is_ascii_alphanumeric() && a[i] != b'~' && a[i] != b'^' {
            i += 1;
        }
        while j < b.len() && !b[j].is_ascii_alphanumeric() && b[j] != b'~' && b[j] != b'^' {
            j += 1;
        }
        let (ta, tb) = (a.get(i) == Some(&b'~'), b.get(j) == Some(&b'~'));
        if ta || tb {
            if !(ta && tb) {
                return if ta { Ordering::Less } else { Ordering::Greater };
            }
            i += 1;
            j += 1;
            continue;
        }
        let (ca, cb) = (a.get(i) == Some(&b'^'), b.get(j) == Some(&b'^'));
        if ca || cb {
            if i == a.len() {
                return Ordering::Less;
            }
            if j == b.len() {
                return Ordering::Greater;
            }
            if !(ca && cb) {
                return if ca { Ordering::Greater } else { Ordering::Less };
            }
            i += 1;
            j += 1;
            continue;
        }
        if i >= a.len() || j >= b.len() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let run = |s: &[u8], mut k: usize| {
            let start = k;
            while k < s.len() && if numeric { s[k].is_ascii_digit() } else { s[k].is_ascii_alphabetic() } {
                k += 1;
            }
            (start, k)
        };
        let (sa, ea) = run(a, i);
        let (sb, eb) = run(b, j);
        if sb == eb {
            // A number beats letters.
            return if numeric { Ordering::Greater } else { Ordering::Less };
        }
        let (mut ra, mut rb) = (&a[sa..ea], &b[sb..eb]);
        let order = if numeric {
            while ra.len() > 1 && ra[0] == b'0' {
                ra = &ra[1..];
            }
            while rb.len() > 1 && rb[0] == b'0' {
                rb = &rb[1..];
            }
            ra.len().cmp(&rb.len()).then_with(|| ra.cmp(rb))
        } else {
            ra.cmp(rb)
        };
        if order != Ordering::Equal {
            return order;
        }
        i = ea;
        j = eb;
    }
    (i < a.len()).cmp(&(j < b.len()))
}

/// Maven's ComparableVersion, simplified to what advisories and SBOMs hold: items split at `.`,
/// `-`, `_` and digit/letter changes; a missing item counts as a release `0`, so `1.0.Final`
/// = `1`; alpha < beta < milestone < rc < snapshot < release < sp < other text < any number.
fn maven(a: &str, b: &str) -> Ordering {
    let (a, b) = (maven_items(a), maven_items(b));
    let release = (1, 0, String::new());
    (0..a.len().max(b.len()))
        .map(|i| a.get(i).unwrap_or(&release).cmp(b.get(i).unwrap_or(&release)))
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

fn maven_items(text: &str) -> Vec<(u8, u64, String)> {
    let item = |token: &str, digits: bool| -> (u8, u64, String) {
        if digits {
            let n = token.parse().unwrap_or(u64::MAX);
            return if n == 0 { (1, 0, String::new()) } else { (3, n, String::new()) };
        }
        match token {
            "alpha" | "a" => (0, 1, String::new()),
            "beta" | "b" => (0, 2, String::new()),
            "milestone" | "m" => (0, 3, String::new()),
            "rc" | "cr" => (0, 4, String::new()),
            "snapshot" => (0, 5, String::new()),
            "ga" | "final" | "release" => (1, 0, String::new()),
            "sp" => (2, 0, String::new()),
            other => (2, 1, other.to_string()),
        }
    };
    let lower = text.trim().to_ascii_lowercase();
    let mut items = Vec::new();
    let mut token = String::new();
    let mut digits = false;
    for c in lower.chars() {
        let separator = matches!(c, '.' | '-' | '_');
        if separator || (!token.is_empty() && c.is_ascii_digit() != digits) {
            if !token.is_empty() {
                items.push(item(&token, digits));
                token.clear();
            }
            if separator {
                continue;
            }
        }
        if token.is_empty() {
            digits = c.is_ascii_digit();
        }
        token.push(c);
    }
    if !token.is_empty() {
        items.push(item(&token, digits));
    }
    items
}

/// Dot-separated non-negative integers.
fn intdot(text: &str) -> Option<Vec<u64>> {
    let mut parts: Vec<u64> = text.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maven_qualifiers_in_order() {
        let m = Scheme::Maven;
        assert_eq!(m.compare("3.4.1.Final", "3.4.1"), Some(Ordering::Equal));
        assert_eq!(m.compare("1.0-alpha-1", "1.0-beta"), Some(Ordering::Less));
        assert_eq!(m.compare("1.0-rc1", "1.0"), Some(Ordering::Less));
        assert_eq!(m.compare("1.0-SNAPSHOT", "1.0"), Some(Ordering::Less));
        assert_eq!(m.compare("1.0-sp1", "1.0"), Some(Ordering::Greater));
        assert_eq!(m.compare("2.9.10.8", "2.9.10"), Some(Ordering::Greater));
    }
}
