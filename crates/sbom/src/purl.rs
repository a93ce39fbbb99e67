//! Package URLs (<https://github.com/package-url/purl-spec>) and the OSV package each one
//! names. The mapping is where scanners go wrong (hub.md §3): Go modules are written with a
//! `v` that OSV leaves out, Maven's `group/artifact` is OSV's `group:artifact`, a Debian
//! package's release is in the `distro` qualifier (`debian-11.5` → `Debian:11`), and Alpine
//! comes both as `pkg:apk/alpine/…` and as syft's `pkg:alpine/…`.

use packageurl::PackageUrl;
use std::str::FromStr;

/// A parsed package URL, owned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Purl {
    #[serde(rename = "type")]
    pub ty: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: Vec<(String, String)>,
    /// The purl as written.
    pub raw: String,
}

/// A package as OSV names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OsvPackage {
    pub ecosystem: String,
    pub name: String,
    /// The version as the ecosystem's OSV records write it.
    pub version: Option<String>,
}

impl Purl {
    pub fn parse(raw: &str) -> Result<Purl, String> {
        let p = PackageUrl::from_str(raw.trim()).map_err(|e| format!("{raw:?} is not a package URL: {e}"))?;
        Ok(Purl {
            ty: p.ty().to_ascii_lowercase(),
            namespace: p.namespace().map(str::to_string),
            name: p.name().to_string(),
            version: p.version().map(str::to_string),
            qualifiers: p.qualifiers().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            raw: raw.trim().to_string(),
        })
    }

    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The purl without version and qualifiers: two purls of one package are equal here.
    pub fn package_key(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("pkg:{}/{}/{}", self.ty, ns.to_lowercase(), self.name.to_lowercase()),
            None => format!("pkg:{}/{}", self.ty, self.name.to_lowercase()),
        }
    }

    /// The OSV ecosystem, package name and version; `None` for types OSV has no ecosystem for
    /// (or a distribution package without its release, which OSV cannot place).
    pub fn osv(&self) -> Option<OsvPackage> {
        let ns = self.namespace.as_deref();
        let joined = |sep: &str| match ns {
            Some(ns) => format!("{ns}{sep}{}", self.name),
            None => self.name.clone(),
        };
        let (ecosystem, name) = match self.ty.as_str() {
            "cargo" => ("crates.io".to_string(), self.name.clone()),
            "npm" => ("npm".to_string(), joined("/")),
            "pypi" => ("PyPI".to_string(), self.name.clone()),
            "golang" => ("Go".to_string(), joined("/")),
            "maven" => ("Maven".to_string(), joined(":")),
            "nuget" => ("NuGet".to_string(), self.name.clone()),
            "gem" => ("RubyGems".to_string(), self.name.clone()),
            "composer" => ("Packagist".to_string(), joined("/")),
            "hex" => ("Hex".to_string(), self.name.clone()),
            "pub" => ("Pub".to_string(), self.name.clone()),
            "swift" => ("SwiftURL".to_string(), joined("/")),
            "deb" => (debian_release(ns?, self.qualifier("distro")?)?, self.name.clone()),
            "apk" if ns.is_some_and(|n| n.eq_ignore_ascii_case("alpine")) => {
                (alpine_release(self.qualifier("distro")?)?, self.name.clone())
            }
            "alpine" => (alpine_release(self.qualifier("distro")?)?, self.name.clone()),
            _ => return None,
        };
        let version = self.version.as_ref().map(|v| match self.ty.as_str() {
            // OSV's Go records write versions without the `v` (`1.6.0`, not `v1.6.0`).
            "golang" => v.strip_prefix('v').unwrap_or(v).to_string(),
            _ => v.clone(),
        });
        Some(OsvPackage { ecosystem, name, version })
    }
}

/// `debian` + `debian-11.5` → `Debian:11`; also `ubuntu` + `ubuntu-22.04` → `Ubuntu:22.04`.
fn debian_release(namespace: &str, distro: &str) -> Option<String> {
    let distro = distro.to_ascii_lowercase();
    match namespace.to_ascii_lowercase().as_str() {
        "debian" => {
            let release = distro.strip_prefix("debian-").unwrap_or(&distro);
            let major = release.split('.').next()?;
            let major = match major {
                "stretch" => "9",
                "buster" => "10",
                "bullseye" => "11",
                "bookworm" => "12",
                "trixie" => "13",
                m if m.chars().all(|c| c.is_ascii_digit()) && !m.is_empty() => m,
                _ => return None,
            };
            Some(format!("Debian:{major}"))
        }
        "ubuntu" => Some(format!("Ubuntu:{}", distro.strip_prefix("ubuntu-").unwrap_or(&distro))),
        _ => None,
    }
}

/// `alpine-3.17.2` or `3.17` → `Alpine:v3.17`.
fn alpine_release(distro: &str) -> Option<String> {
    let release = distro.to_ascii_lowercase();
    let release = release.strip_prefix("alpine-").unwrap_or(&release);
    let release = release.strip_prefix('v').unwrap_or(release);
    let mut parts = release.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    if major.is_empty() || minor.is_empty() || !(major.chars().chain(minor.chars()).all(|c| c.is_ascii_digit())) {
        return None;
    }
    Some(format!("Alpine:v{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn osv(raw: &str) -> Option<(String, String, Option<String>)> {
        Purl::parse(raw).unwrap().osv().map(|p| (p.ecosystem, p.name, p.version))
    }

    #[test]
    fn the_pitfalls_of_hub_md_map_as_osv_writes_them() {
        let s = |e: &str, n: &str, v: &str| Some((e.to_string(), n.to_string(), Some(v.to_string())));
        assert_eq!(
            osv("pkg:golang/github.com/gorilla/websocket@v1.4.0"),
            s("Go", "github.com/gorilla/websocket", "1.4.0")
        );
        assert_eq!(
            osv("pkg:maven/org.keycloak/keycloak-core@3.4.1.Final?type=jar"),
            s("Maven", "org.keycloak:keycloak-core", "3.4.1.Final")
        );
        assert_eq!(
            osv("pkg:deb/debian/openssl@1.1.0l-1~deb9u1?distro=debian-9"),
            s("Debian:9", "openssl", "1.1.0l-1~deb9u1")
        );
        assert_eq!(osv("pkg:deb/debian/zlib1g@1:1.2.11?distro=debian-11.5"), s("Debian:11", "zlib1g", "1:1.2.11"));
        assert_eq!(osv("pkg:apk/alpine/zlib@1.2.13-r0?distro=alpine-3.17.2"), s("Alpine:v3.17", "zlib", "1.2.13-r0"));
        assert_eq!(osv("pkg:alpine/zlib@1.2.13-r0?distro=3.17.2"), s("Alpine:v3.17", "zlib", "1.2.13-r0"));
        assert_eq!(osv("pkg:npm/%40babel/core@7.0.0"), s("npm", "@babel/core", "7.0.0"));
        assert_eq!(osv("pkg:cargo/hyper@0.14"), s("crates.io", "hyper", "0.14"));
        // The purl spec lowercases PyPI names; OSV records are matched per PEP 503.
        assert_eq!(osv("pkg:pypi/PyYAML@5.3"), s("PyPI", "pyyaml", "5.3"));
        // Without the release a distribution package cannot be placed.
        assert_eq!(osv("pkg:deb/debian/openssl@1.1.0"), None);
        assert_eq!(osv("pkg:generic/zephyr@3.0"), None);
    }

    #[test]
    fn a_bare_type_is_refused_with_the_text() {
        let e = Purl::parse("pkg:pypi/").unwrap_err();
        assert!(e.contains("\"pkg:pypi/\""), "{e}");
        assert!(Purl::parse("not a purl").is_err());
    }
}
