//! hub.md §3: with the CVSS schemas registered under the URLs CSAF references, every ICSMA,
//! OASIS example and Red Hat CSAF file validates; 23 OSV records of the corpus fail OSV's
//! strict schema; CycloneDX and SPDX examples validate against their version's schema but one.
//! Every CycloneDX and JVN XML example validates against its bundled XML Schema, and fails where broken.

use mamori_schemas::{Schema, validate};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub").join(rel)
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    files_ending(dir, "json", out);
}

fn files_ending(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_ending(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
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

/// Every XML document of the corpus with the failures its bundled XML Schema finds, as
/// (file name, failures).
fn xml_results(dirs: &[&str]) -> Vec<(String, Vec<(String, String)>)> {
    let mut files = Vec::new();
    for dir in dirs {
        let mut all = Vec::new();
        files_ending(&corpus(dir), "xml", &mut all);
        files.extend(all);
    }
    files.sort();
    files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let doc = roxmltree::Document::parse(&text).ok()?;
            let schema = mamori_schemas::XmlSchema::detect(&doc)?;
            Some((f.file_name().unwrap().to_string_lossy().into_owned(), mamori_schemas::validate_xml(schema, &doc)))
        })
        .collect()
}

#[test]
fn every_cyclonedx_and_jvn_xml_example_is_valid_against_its_bundled_xsd() {
    let results = xml_results(&["sbom/cyclonedx", "jvn"]);
    let names: Vec<&str> = results.iter().map(|(f, _)| f.as_str()).collect();
    // 8 CycloneDX 1.1–1.6 SBOMs, 5 VULDEF 3.2 documents and one JVNRSS 3.2 list;
    // dataFeed_jvndb_rss_hnd.xml is not well-formed XML (an unescaped quote, line 116) and is
    // refused by the reader before any schema.
    assert_eq!(results.len(), 14, "{names:?}");
    assert!(!names.contains(&"dataFeed_jvndb_rss_hnd.xml"));
    let failing: Vec<_> = results.iter().filter(|(_, f)| !f.is_empty()).collect();
    assert!(failing.is_empty(), "{failing:#?}");
}

/// The real schemas catch real mistakes: each corpus document broken in one place fails at
/// that line, and only there.
#[test]
fn a_corpus_document_broken_in_one_place_fails_there() {
    let cases = [
        // (file, text replaced, replacement, expected message part)
        (
            "sbom/cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.4.xml",
            "<component type=\"library\"",
            "<component type=\"libary\"",
            "\"libary\" is not one of",
        ),
        (
            "sbom/cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.4.xml",
            "<name>",
            "<title>",
            "<title> is not allowed here in <tool>",
        ),
        (
            "sbom/cyclonedx/osv-scanner-fixtures/alpine.cdx.xml",
            "<purl>",
            "<purl-url>",
            "<purl-url> is not allowed here in <component>",
        ),
        (
            "jvn/myjvn-np/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2017-009608.xml",
            "<VulinfoID>",
            "<VulinfoId>",
            "<Vulinfo> is missing <VulinfoID>, found <VulinfoId>",
        ),
        (
            "jvn/myjvn-np/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2017-009608.xml",
            "<DateFirstPublished>",
            "<DateFirstPublished>not a date",
            "not a date and time",
        ),
        ("jvn/myjvn-np/examples/hnd/getVulnOverviewList_hnd.xml", "<item ", "<entry ", "<entry> is not allowed here"),
    ];
    for (file, from, to, expected) in cases {
        let text = std::fs::read_to_string(corpus(file)).unwrap();
        let at = text.find(from).unwrap_or_else(|| panic!("{file}: {from} not found"));
        let line = format!("line {}", text[..at].matches('\n').count() + 1);
        let broken = text.replacen(from, to, 1);
        // A renamed element is renamed at its end tag too (the first one after it).
        let tag = |s: &str| s[1..].split([' ', '>']).next().unwrap_or("").to_string();
        let broken = if tag(from) != tag(to) {
            let end = broken[at..].find(&format!("</{}>", tag(from))).unwrap() + at;
            format!(
                "{}{}",
                &broken[..end],
                broken[end..].replacen(&format!("</{}>", tag(from)), &format!("</{}>", tag(to)), 1)
            )
        } else {
            broken
        };
        let doc = roxmltree::Document::parse(&broken).unwrap_or_else(|e| panic!("{file}: {e}"));
        let schema = mamori_schemas::XmlSchema::detect(&doc).unwrap();
        let failures = mamori_schemas::validate_xml(schema, &doc);
        assert_eq!(failures.len(), 1, "{file} {from}→{to}: {failures:#?}");
        assert!(failures[0].1.contains(expected), "{file} {from}→{to}: {failures:#?}");
        assert_eq!(failures[0].0, line, "{file} {from}→{to}: {failures:#?}");
    }
}
