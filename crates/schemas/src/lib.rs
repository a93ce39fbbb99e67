//! Documents checked against their JSON schemas, offline: the schemas are compiled into the
//! binary and every `$ref` — CSAF's to FIRST's CVSS schemas, CycloneDX's to `spdx.schema.json`
//! and `jsf-0.82.schema.json` — is answered from them, never from the network (hub.md §3).
//! A schema failure is reported, with the JSON pointer, and left to the caller to weigh: real
//! advisories fail schemas and are still usable.
//!
//! XML documents — CycloneDX XML, JVN's VULDEF and JVNRSS — are checked the same way against
//! their XML Schemas, bundled too, by the `xsd` module; failures are located by line.

pub mod xsd;

use serde_json::Value;
use std::sync::OnceLock;

/// The schemas bundled, by file name (what a `$ref` ends with).
const FILES: &[(&str, &str)] = &[
    ("csaf_json_schema.json", include_str!("../bundled/csaf-2.0/csaf_json_schema.json")),
    ("cvss-v2.0.json", include_str!("../bundled/csaf-2.0/cvss-v2.0.json")),
    ("cvss-v3.0.json", include_str!("../bundled/csaf-2.0/cvss-v3.0.json")),
    ("cvss-v3.1.json", include_str!("../bundled/csaf-2.0/cvss-v3.1.json")),
    ("bom-1.2.schema.json", include_str!("../bundled/cyclonedx/bom-1.2.schema.json")),
    ("bom-1.3.schema.json", include_str!("../bundled/cyclonedx/bom-1.3.schema.json")),
    ("bom-1.4.schema.json", include_str!("../bundled/cyclonedx/bom-1.4.schema.json")),
    ("bom-1.5.schema.json", include_str!("../bundled/cyclonedx/bom-1.5.schema.json")),
    ("bom-1.6.schema.json", include_str!("../bundled/cyclonedx/bom-1.6.schema.json")),
    ("spdx.schema.json", include_str!("../bundled/cyclonedx/spdx.schema.json")),
    ("jsf-0.82.schema.json", include_str!("../bundled/cyclonedx/jsf-0.82.schema.json")),
    ("spdx-schema.json", include_str!("../bundled/spdx-2.3/spdx-schema.json")),
    ("osv-schema.json", include_str!("../bundled/osv/schema.json")),
];

/// Which schema a document is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Csaf20,
    Osv,
    /// CycloneDX by minor version: 2 to 6.
    CycloneDx(u8),
    Spdx23,
}

impl Schema {
    fn file(self) -> Option<&'static str> {
        Some(match self {
            Schema::Csaf20 => "csaf_json_schema.json",
            Schema::Osv => "osv-schema.json",
            Schema::CycloneDx(2) => "bom-1.2.schema.json",
            Schema::CycloneDx(3) => "bom-1.3.schema.json",
            Schema::CycloneDx(4) => "bom-1.4.schema.json",
            Schema::CycloneDx(5) => "bom-1.5.schema.json",
            Schema::CycloneDx(6) => "bom-1.6.schema.json",
            Schema::CycloneDx(_) => return None,
            Schema::Spdx23 => "spdx-schema.json",
        })
    }

    /// The CycloneDX schema for a `specVersion` (`"1.5"`), if bundled.
    pub fn cyclonedx(spec_version: &str) -> Option<Schema> {
        let minor: u8 = spec_version.strip_prefix("1.")?.parse().ok()?;
        let schema = Schema::CycloneDx(minor);
        schema.file().map(|_| schema)
    }
}

fn bundled(name: &str) -> Option<Value> {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| serde_json::from_str(text).expect("bundled schemas are JSON"))
}

/// Answers `$ref`s from the bundled files by the referenced file name, ignoring the host
/// and any query (`cvss-v3.1.json?20211103`).
struct Bundled;

impl jsonschema::Retrieve for Bundled {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let path = uri.path().as_str();
        let name = path.rsplit('/').next().unwrap_or(path);
        bundled(name).ok_or_else(|| format!("{uri} is not bundled; schemas are never fetched").into())
    }
}

type Compiled = Result<jsonschema::Validator, String>;

fn validator(schema: Schema) -> Option<&'static Compiled> {
    static CELLS: [OnceLock<Compiled>; 9] = [const { OnceLock::new() }; 9];
    let index = match schema {
        Schema::Csaf20 => 0,
        Schema::Osv => 1,
        Schema::Spdx23 => 2,
        Schema::CycloneDx(m @ 2..=6) => 1 + m as usize,
        Schema::CycloneDx(_) => return None,
    };
    let file = schema.file()?;
    Some(CELLS[index].get_or_init(|| {
        let value = bundled(file).expect("listed");
        jsonschema::options().with_retriever(Bundled).build(&value).map_err(|e| format!("{file}: {e}"))
    }))
}

/// The most failures reported per document: one wrong type repeated in a long list would
/// otherwise bury the rest.
pub const MAX_REPORTED: usize = 20;

/// Checks a document; each failure as (JSON pointer, message). Empty when valid.
pub fn validate(schema: Schema, document: &Value) -> Vec<(String, String)> {
    let Some(compiled) = validator(schema) else {
        return vec![(String::new(), format!("no bundled schema for {schema:?}"))];
    };
    match compiled {
        Ok(v) => {
            v.iter_errors(document).take(MAX_REPORTED).map(|e| (e.instance_path().to_string(), e.to_string())).collect()
        }
        Err(e) => vec![(String::new(), format!("the bundled schema does not compile: {e}"))],
    }
}

/// The XML Schemas bundled, by file name (what an `xs:import`'s `schemaLocation` ends with).
const XML_FILES: &[(&str, &str)] = &[
    ("bom-1.1.SNAPSHOT.xsd", include_str!("../bundled/cyclonedx/bom-1.1.SNAPSHOT.xsd")),
    ("bom-1.2.SNAPSHOT.xsd", include_str!("../bundled/cyclonedx/bom-1.2.SNAPSHOT.xsd")),
    ("bom-1.3.SNAPSHOT.xsd", include_str!("../bundled/cyclonedx/bom-1.3.SNAPSHOT.xsd")),
    ("bom-1.4.SNAPSHOT.xsd", include_str!("../bundled/cyclonedx/bom-1.4.SNAPSHOT.xsd")),
    ("bom-1.5.SNAPSHOT.xsd", include_str!("../bundled/cyclonedx/bom-1.5.SNAPSHOT.xsd")),
    ("bom-1.6.SNAPSHOT.xsd", include_str!("../bundled/cyclonedx/bom-1.6.SNAPSHOT.xsd")),
    ("spdx.SNAPSHOT.xsd", include_str!("../bundled/cyclonedx/spdx.SNAPSHOT.xsd")),
    ("vuldef_3.1.xsd", include_str!("../bundled/jvn/vuldef_3.1.xsd")),
    ("vuldef_3.2.xsd", include_str!("../bundled/jvn/vuldef_3.2.xsd")),
    ("jvnrss_3.2.xsd", include_str!("../bundled/jvn/jvnrss_3.2.xsd")),
    ("jvnrss_rdf_3.2.xsd", include_str!("../bundled/jvn/jvnrss_rdf_3.2.xsd")),
    ("jvnrss_dc.xsd", include_str!("../bundled/jvn/jvnrss_dc.xsd")),
    ("jvnrss_dcterms.xsd", include_str!("../bundled/jvn/jvnrss_dcterms.xsd")),
    ("mod_sec_3.0.xsd", include_str!("../bundled/jvn/mod_sec_3.0.xsd")),
    ("data_marking.xsd", include_str!("../bundled/jvn/data_marking.xsd")),
    ("tlp_marking.xsd", include_str!("../bundled/jvn/tlp_marking.xsd")),
    ("status_3.3.xsd", include_str!("../bundled/jvn/status_3.3.xsd")),
    ("xml.xsd", include_str!("../bundled/jvn/xml.xsd")),
];

/// Which XML Schema a document is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlSchema {
    /// CycloneDX by minor version: 1 to 6.
    CycloneDx(u8),
    /// JVN's VULDEF 3.1 or 3.2 (one namespace; the root's `version` tells them apart).
    Vuldef31,
    Vuldef32,
    /// JVNRSS 3.2 (RSS 1.0 with JVN's `sec:` module).
    JvnRss32,
}

impl XmlSchema {
    fn file(self) -> Option<&'static str> {
        Some(match self {
            XmlSchema::CycloneDx(1) => "bom-1.1.SNAPSHOT.xsd",
            XmlSchema::CycloneDx(2) => "bom-1.2.SNAPSHOT.xsd",
            XmlSchema::CycloneDx(3) => "bom-1.3.SNAPSHOT.xsd",
            XmlSchema::CycloneDx(4) => "bom-1.4.SNAPSHOT.xsd",
            XmlSchema::CycloneDx(5) => "bom-1.5.SNAPSHOT.xsd",
            XmlSchema::CycloneDx(6) => "bom-1.6.SNAPSHOT.xsd",
            XmlSchema::CycloneDx(_) => return None,
            XmlSchema::Vuldef31 => "vuldef_3.1.xsd",
            XmlSchema::Vuldef32 => "vuldef_3.2.xsd",
            XmlSchema::JvnRss32 => "jvnrss_3.2.xsd",
        })
    }

    /// The schema for a document, by its root element's namespace (and VULDEF's `version`).
    pub fn detect(doc: &roxmltree::Document) -> Option<XmlSchema> {
        let root = doc.root_element();
        let ns = root.tag_name().namespace()?;
        if let Some(minor) = ns.strip_prefix("http://cyclonedx.org/schema/bom/1.") {
            let schema = XmlSchema::CycloneDx(minor.parse().ok()?);
            return schema.file().map(|_| schema);
        }
        match (ns, root.tag_name().name()) {
            ("http://jvn.jp/vuldef/", "VULDEF-Document") => {
                Some(if root.attribute("version") == Some("3.1") { XmlSchema::Vuldef31 } else { XmlSchema::Vuldef32 })
            }
            ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "RDF") => Some(XmlSchema::JvnRss32),
            _ => None,
        }
    }
}

fn xml_set(schema: XmlSchema) -> Option<&'static Result<xsd::SchemaSet, String>> {
    static CELLS: [OnceLock<Result<xsd::SchemaSet, String>>; 9] = [const { OnceLock::new() }; 9];
    let index = match schema {
        XmlSchema::CycloneDx(m @ 1..=6) => m as usize - 1,
        XmlSchema::CycloneDx(_) => return None,
        XmlSchema::Vuldef31 => 6,
        XmlSchema::Vuldef32 => 7,
        XmlSchema::JvnRss32 => 8,
    };
    let file = schema.file()?;
    Some(CELLS[index].get_or_init(|| xsd::SchemaSet::load(XML_FILES, file)))
}

/// Checks an XML document; each failure as ("line N", message). Empty when valid.
pub fn validate_xml(schema: XmlSchema, doc: &roxmltree::Document) -> Vec<(String, String)> {
    match xml_set(schema) {
        Some(Ok(set)) => set.validate(doc, MAX_REPORTED),
        Some(Err(e)) => vec![(String::new(), format!("the bundled schema does not load: {e}"))],
        None => vec![(String::new(), format!("no bundled schema for {schema:?}"))],
    }
}

/// Checks XML bytes against the schema their root element names, if one is bundled. Nothing
/// is reported for what is not well-formed UTF-8 XML: the readers refuse that with the reason.
pub fn validate_xml_text(bytes: &[u8]) -> Vec<(String, String)> {
    let Ok(text) = std::str::from_utf8(bytes) else { return Vec::new() };
    let Ok(doc) = roxmltree::Document::parse(text.trim_start_matches('\u{feff}')) else { return Vec::new() };
    match XmlSchema::detect(&doc) {
        Some(schema) => validate_xml(schema, &doc),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bundled_schema_compiles_offline() {
        for schema in [
            Schema::Csaf20,
            Schema::Osv,
            Schema::Spdx23,
            Schema::CycloneDx(2),
            Schema::CycloneDx(4),
            Schema::CycloneDx(5),
            Schema::CycloneDx(6),
        ] {
            assert!(validator(schema).unwrap().is_ok(), "{schema:?}: {:?}", validator(schema).unwrap().as_ref().err());
        }
        assert_eq!(Schema::cyclonedx("1.5"), Some(Schema::CycloneDx(5)));
        assert_eq!(Schema::cyclonedx("1.9"), None);
    }

    #[test]
    fn every_bundled_xml_schema_loads_with_all_its_imports() {
        for schema in [
            XmlSchema::CycloneDx(1),
            XmlSchema::CycloneDx(4),
            XmlSchema::CycloneDx(6),
            XmlSchema::Vuldef31,
            XmlSchema::Vuldef32,
            XmlSchema::JvnRss32,
        ] {
            let set = xml_set(schema).unwrap().as_ref().unwrap_or_else(|e| panic!("{schema:?}: {e}"));
            assert!(set.missing.is_empty(), "{schema:?} imports what is not bundled: {:?}", set.missing);
        }
    }

    #[test]
    fn failures_carry_the_pointer() {
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library"}]});
        let errors = validate(Schema::CycloneDx(5), &doc);
        assert!(errors.iter().any(|(p, m)| p == "/components/0" && m.contains("name")), "{errors:?}");
    }
}
