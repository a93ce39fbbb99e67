//! Documents checked against their JSON schemas, offline: the schemas are compiled into the
//! binary and every `$ref` — CSAF's to FIRST's CVSS schemas, CycloneDX's to `spdx.schema.json`
//! and `jsf-0.82.schema.json` — is answered from them, never from the network (hub.md §3).
//! A schema failure is reported, with the JSON pointer, and left to the caller to weigh: real
//! advisories fail schemas and are still usable.

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
    fn failures_carry_the_pointer() {
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library"}]});
        let errors = validate(Schema::CycloneDx(5), &doc);
        assert!(errors.iter().any(|(p, m)| p == "/components/0" && m.contains("name")), "{errors:?}");
    }
}
