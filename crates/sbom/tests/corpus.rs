//! Every CycloneDX and SPDX document of the corpus is read (warnings where the data breaks
//! its specification) or refused with a located error — never a panic — and the pitfalls
//! hub.md §3 names come out as it says.

use mamori_sbom::read;
use std::path::{Path, PathBuf};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub/sbom").join(rel)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "tsv" | "yaml") | None)
            && !path.file_name().unwrap().to_str().unwrap().starts_with("LICENSE")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_sbom_of_the_corpus_reads_or_is_refused_with_a_location() {
    let mut all = Vec::new();
    files(&corpus(""), &mut all);
    all.sort();
    let (mut read_ok, mut refused, mut components) = (0, Vec::new(), 0);
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        match read(&bytes) {
            Ok((sbom, _)) => {
                read_ok += 1;
                components += sbom.components.len();
            }
            Err(errors) => {
                assert!(!errors[0].pointer.is_empty() || !errors[0].message.is_empty());
                refused.push(format!("{}: {}", path.strip_prefix(corpus("")).unwrap().display(), errors[0].message));
            }
        }
    }
    eprintln!("{read_ok} read ({components} components), refused:\n{}", refused.join("\n"));
    // Refused: SPDX RDF/XML (not read), tools-java's deliberately broken JSON.
    assert!(
        refused.iter().all(|r| r.contains("SPDXXMLExample") || r.contains("BadJSON") || r.contains(".rdf")),
        "{refused:#?}"
    );
    assert!(read_ok >= 90, "{read_ok}");
}

#[test]
fn bad_purls_are_located_and_the_rest_is_read() {
    let (sbom, problems) =
        read(&std::fs::read(corpus("cyclonedx/osv-scanner-fixtures/bad-purls.cdx.xml")).unwrap()).unwrap();
    let bad: Vec<&str> =
        problems.iter().filter(|p| p.message.contains("not a package URL")).map(|p| p.pointer.as_str()).collect();
    assert!(!bad.is_empty(), "{problems:?}");
    assert!(bad.iter().all(|p| p.starts_with("line ")), "{bad:?}");
    assert!(sbom.components.iter().filter(|c| c.purl.is_some()).count() >= 1);
}

#[test]
fn juice_shop_keeps_both_lodash_instances_and_keycloak_its_maven_qualifiers() {
    let mut all = Vec::new();
    files(&corpus(""), &mut all);
    let find = |needle: &str| all.iter().find(|p| p.to_str().unwrap().contains(needle)).cloned();
    if let Some(juice) = find("juice-shop") {
        let (sbom, _) = read(&std::fs::read(juice).unwrap()).unwrap();
        let lodash: Vec<_> =
            sbom.components.iter().filter(|c| c.name == "lodash").filter_map(|c| c.version.clone()).collect();
        assert!(lodash.contains(&"4.17.19".to_string()) && lodash.contains(&"2.4.2".to_string()), "{lodash:?}");
    }
    let (keycloak, _) = read(&std::fs::read(corpus("spdx/docfest/Philips/keyclock_sbom.json")).unwrap()).unwrap();
    assert!(keycloak.components.iter().any(|c| c.purl.as_ref().is_some_and(|p| p.ty == "maven")));
}
