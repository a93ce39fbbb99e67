//! SBOM components matched to CSAF products through the cpe of their identification helper:
//! vendor and product equal with the version equal is exact; a component cpe without vendor
//! (Yocto's `cpe:2.3:a:*:python3-pyyaml:6.0`) is at most possible; another version is nothing.

use mamori_advisories::sources::Loaded;
use mamori_matching::Confidence;
use mamori_matching::knowledge::Knowledge;
use mamori_matching::names::Aliases;
use mamori_matching::scan::scan;

const CSAF: &str = r#"{"document": {"category": "csaf_security_advisory", "csaf_version": "2.0", "title": "t",
  "publisher": {"category": "vendor", "name": "Example", "namespace": "https://example.jp"},
  "tracking": {"id": "EX-1", "version": "1", "status": "final", "initial_release_date": "2026-01-01T00:00:00Z",
   "current_release_date": "2026-01-01T00:00:00Z", "revision_history": [{"date": "2026-01-01T00:00:00Z", "number": "1", "summary": "s"}]}},
 "product_tree": {"full_product_names": [
   {"name": "PyYAML 6.0", "product_id": "P1", "product_identification_helper": {"cpe": "cpe:2.3:a:pyyaml:pyyaml:6.0:*:*:*:*:*:*:*"}},
   {"name": "python3-pyyaml 6.0", "product_id": "P2", "product_identification_helper": {"cpe": "cpe:2.3:a:yocto:python3-pyyaml:6.0:*:*:*:*:*:*:*"}}]},
 "vulnerabilities": [{"cve": "CVE-2020-14343", "product_status": {"known_affected": ["P1", "P2"]}}]}"#;

fn sbom(cpes: &[&str]) -> Vec<u8> {
    let components: Vec<String> = cpes
        .iter()
        .enumerate()
        .map(|(i, c)| format!(r#"{{"type": "library", "bom-ref": "c{i}", "name": "c{i}", "cpe": "{c}"}}"#))
        .collect();
    format!(
        r#"{{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [{}]}}"#,
        components.join(",")
    )
    .into_bytes()
}

#[test]
fn cpes_match_by_vendor_product_and_version() {
    let dir = std::env::temp_dir().join(format!("mamori-cpe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ex-1.json"), CSAF).unwrap();
    let mut loaded = Loaded::default();
    loaded.add_csaf(&dir.join("ex-1.json")).unwrap();
    let knowledge = Knowledge::new(loaded, Aliases::default(), &[]);
    let (doc, _) = mamori_sbom::read(&sbom(&[
        "cpe:2.3:a:pyyaml:pyyaml:6.0:*:*:*:*:*:*:*",
        "cpe:2.3:a:*:python3-pyyaml:6.0",
        "cpe:2.3:a:pyyaml:pyyaml:5.4:*:*:*:*:*:*:*",
        "cpe:/a:other:pyyaml:6.0",
    ]))
    .unwrap();
    let (findings, _) = scan(&knowledge, &doc);
    let got: Vec<(&str, Confidence, &str)> =
        findings.iter().map(|f| (f.component.bom_ref.as_deref().unwrap(), f.confidence, f.reasons[0])).collect();
    assert_eq!(got, [("c0", Confidence::Exact, "cpe_equal"), ("c1", Confidence::Possible, "name_similar")]);
    std::fs::remove_dir_all(&dir).unwrap();
}
