//! Software bills of materials as the hub reads them: the components of a release with their
//! purl and cpe, from CycloneDX (JSON or XML, 1.2–1.6) and SPDX (JSON or tag-value, 2.2–2.3),
//! and the VEX statements a CycloneDX document carries. Lenient like the advisory readers: a
//! component with a broken purl is reported where it is and the rest are still read.

mod cyclonedx;
pub mod purl;
mod spdx;

use mamori_advisories::Problem;
use mamori_advisories::csaf::Status;
pub use purl::{OsvPackage, Purl};
use serde::Serialize;

/// Which format and version a document is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Format {
    /// `CycloneDX` or `SPDX`.
    pub name: &'static str,
    pub version: String,
    /// `json`, `xml` or `tag-value`.
    pub syntax: &'static str,
}

/// One component (CycloneDX) or package (SPDX).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// CycloneDX `bom-ref` or SPDX `SPDXID`.
    pub bom_ref: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<Purl>,
    pub cpe: Option<String>,
    pub supplier: Option<String>,
    /// Where the component is written: a JSON pointer or `line N`.
    pub pointer: String,
}

/// A VEX statement in a CycloneDX document: a vulnerability's status for the components it
/// names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VexStatement {
    pub vulnerability: String,
    /// Other ids of the same vulnerability the statement gives (`references`).
    pub aliases: Vec<String>,
    pub status: Status,
    pub justification: Option<String>,
    pub detail: Option<String>,
    /// The components concerned: BOM-Links `urn:cdx:<serial>/<version>#<bom-ref>` or bare
    /// bom-refs, as written.
    pub affects: Vec<String>,
    pub pointer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sbom {
    pub format: Format,
    /// CycloneDX `serialNumber` (`urn:uuid:…`), SPDX `documentNamespace`.
    pub serial: Option<String>,
    /// CycloneDX's `version` of the BOM.
    pub bom_version: Option<u64>,
    /// What the SBOM describes: CycloneDX `metadata.component`, SPDX's described package.
    pub subject: Option<Component>,
    pub components: Vec<Component>,
    pub vex: Vec<VexStatement>,
}

/// Reads an SBOM, choosing the reader by content (not by file name: real files are named
/// `bom.json`, `sbom.spdx`, `x.cdx.xml`). `Err` when the document cannot be used at all;
/// otherwise the SBOM with warnings about what was skipped.
pub fn read(bytes: &[u8]) -> Result<(Sbom, Vec<Problem>), Vec<Problem>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| vec![Problem::error(format!("byte {}", e.valid_up_to()), "is not UTF-8 text")])?;
    let start = text.trim_start();
    if start.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| vec![Problem::error(format!("line {}", e.line()), format!("not JSON: {e}"))])?;
        if value.get("bomFormat").is_some() || value.get("specVersion").is_some() {
            cyclonedx::from_json(&value)
        } else if value.get("spdxVersion").is_some() {
            spdx::from_json(&value)
        } else {
            Err(vec![Problem::error("", "neither a CycloneDX (bomFormat) nor an SPDX (spdxVersion) document")])
        }
    } else if start.starts_with('<') {
        let doc = roxmltree::Document::parse(text)
            .map_err(|e| vec![Problem::error(format!("line {}", e.pos().row), format!("not well-formed XML: {e}"))])?;
        if doc.root_element().tag_name().name() == "bom" {
            cyclonedx::from_xml(&doc)
        } else {
            Err(vec![Problem::error(
                "line 1",
                "an XML document that is not a CycloneDX bom (SPDX RDF/XML is not read; use JSON or tag-value)",
            )])
        }
    } else if text.lines().any(|l| l.trim_start().starts_with("SPDXVersion:")) {
        spdx::from_tag_value(text)
    } else {
        Err(vec![Problem::error("line 1", "not an SBOM: expected CycloneDX JSON/XML or SPDX JSON/tag-value")])
    }
}

/// Reads a purl where a component gives one; a broken one is a located warning, and the
/// component is kept without it.
fn component_purl(raw: Option<&str>, pointer: &str, problems: &mut Vec<Problem>) -> Option<Purl> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return None;
    }
    match Purl::parse(raw) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(Problem::warning(pointer, format!("{e}; the component is not matched by purl")));
            None
        }
    }
}
