//! hub.md §3: with the CVSS schemas registered under the URLs CSAF references, every ICSMA,
//! OASIS example and Red Hat CSAF file validates; 23 OSV records of the corpus fail OSV's
//! strict schema; CycloneDX and SPDX examples validate against their version's schema but one.

use mamori_schemas::{Schema, validate};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub").join(rel)
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn every_csaf_document_of_the_corpus_is_schema_valid() {
    let mut files = Vec::new();
    for dir in ["csaf/icsma", "csaf/icsma-revisions", "csaf/oasis/examples/csaf", "csaf/vendor/redhat"] {
        json_files(&corpus(dir), &mut files);
    }
    let mut invalid = Vec::new();
    for f in &files {
        let errors = validate(Schema::Csaf20, &read(f));
        if !errors.is_empty() {
            invalid.push(format!("{}: {errors:?}", f.display()));
        }
    }
    assert_eq!(files.len(), 166);
    assert!(invalid.is_empty(), "{invalid:#?}");
}

#[test]
fn the_23_quirky_osv_records_fail_the_strict_schema() {
    let mut files = Vec::new();
    json_files(&corpus("osv"), &mut files);
    let failing: Vec<String> = files
        .iter()
        .filter(|f| !validate(Schema::Osv, &read(f)).is_empty())
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 2014);
    assert_eq!(failing.len(), 23, "{failing:#?}");
}

#[test]
fn cyclonedx_and_spdx_examples_validate_against_their_versions_schema() {
    let mut files = Vec::new();
    json_files(&corpus("sbom"), &mut files);
    let (mut checked, mut invalid) = (0, Vec::new());
    for f in &files {
        let Ok(value) = serde_json::from_slice::<Value>(&std::fs::read(f).unwrap()) else { continue };
        let schema = match (
            value.get("specVersion").and_then(Value::as_str),
            value.get("spdxVersion").and_then(Value::as_str),
        ) {
            (Some(v), _) => Schema::cyclonedx(v),
            (_, Some("SPDX-2.3")) => Some(Schema::Spdx23),
            _ => None,
        };
        let Some(schema) = schema else { continue };
        checked += 1;
        let errors = validate(schema, &value);
        if !errors.is_empty() {
            invalid.push(format!(
                "{}: {:?}",
                f.strip_prefix(corpus("sbom")).unwrap().display(),
                &errors[..errors.len().min(2)]
            ));
        }
    }
    eprintln!("{checked} checked; invalid:\n{}", invalid.join("\n"));
    assert!(checked >= 60, "{checked}");
    // syft wrote an empty metadata.component.type; the reader keeps the SBOM.
    assert_eq!(invalid.len(), 1, "{invalid:#?}");
    assert!(invalid[0].starts_with("cyclonedx/osv-scanner-fixtures/alpine-zlib-16.cdx.json"));
}
