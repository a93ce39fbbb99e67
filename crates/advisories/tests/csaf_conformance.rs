//! The OASIS validator test files: for each mandatory test this crate implements, every file
//! the oracle (`testcases.json`) says fails it gets a problem with that test id, and every
//! file it says passes gets none. The rest are listed as not implemented. Then every CSAF
//! document in the corpus (ICSMA, revisions, OASIS examples, Red Hat) reads.

use mamori_advisories::csaf_tests::{IMPLEMENTED, run};
use mamori_advisories::sources::Loaded;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub").join(rel)
}

#[test]
fn every_oasis_test_file_gets_the_oracles_result_by_test_id() {
    let data = corpus("csaf/oasis/test/validator/data");
    let oracle: Value = serde_json::from_slice(&std::fs::read(data.join("testcases.json")).unwrap()).unwrap();
    let (mut checked, mut not_implemented, mut wrong) = (0, Vec::new(), Vec::new());
    for case in oracle["tests"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        if case["group"] != "mandatory" {
            continue;
        }
        if !IMPLEMENTED.contains(&id) {
            not_implemented.push(id.to_string());
            continue;
        }
        for (key, expect_failure) in [("failures", true), ("valid", false)] {
            for file in case[key].as_array().into_iter().flatten() {
                let name = file["name"].as_str().unwrap();
                let doc: Value = serde_json::from_slice(&std::fs::read(data.join(name)).unwrap()).unwrap();
                let found: Vec<String> = run(&doc)
                    .into_iter()
                    .filter(|p| p.test.as_deref() == Some(id))
                    .map(|p| format!("{} {}", p.pointer, p.message))
                    .collect();
                checked += 1;
                if found.is_empty() == expect_failure {
                    wrong.push(format!(
                        "{id} {name}: expected {}, found {found:?}",
                        if expect_failure { "a failure" } else { "none" }
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {checked} files disagree with the oracle:\n{}", wrong.len(), wrong.join("\n"));
    assert!(checked >= 60, "only {checked} files checked");
    eprintln!(
        "{checked} files checked for {} tests; not implemented: {}",
        IMPLEMENTED.len(),
        not_implemented.join(" ")
    );
}

#[test]
fn every_csaf_document_of_the_corpus_reads() {
    let mut loaded = Loaded::default();
    for dir in ["csaf/icsma", "csaf/icsma-revisions", "csaf/oasis/examples/csaf", "csaf/vendor/redhat"] {
        loaded.add_csaf(&corpus(dir)).unwrap();
    }
    let errors: Vec<_> = loaded.problems.iter().filter(|p| p.severity == mamori_advisories::Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // 136 ICSMA + 7 older revisions + 19 OASIS examples + 4 Red Hat.
    assert_eq!(loaded.csaf.len(), 166, "documents read");
    let leaves: usize =
        loaded.csaf.iter().filter(|f| f.document.id.starts_with("ICSMA")).map(|f| f.document.products.len()).sum();
    assert!(leaves >= 586, "{leaves}");
    // hub.md §3: 22 ICSMA files put vers:all/* under product_version.
    let mut with_6_1_31: Vec<&str> = loaded
        .problems
        .iter()
        .filter(|p| p.test.as_deref() == Some("6.1.31") && p.file.contains("/icsma/"))
        .map(|p| p.file.as_str())
        .collect();
    with_6_1_31.dedup();
    assert!(with_6_1_31.len() >= 22, "{}", with_6_1_31.len());
    loaded.collapse_revisions();
    let revised = loaded
        .superseded
        .iter()
        .map(|(f, by)| format!("{} {} < {by}", f.document.id, f.document.version))
        .collect::<Vec<_>>();
    assert!(revised.contains(&"ICSMA-17-017-01 1.0.0 < 2".to_string()), "{revised:?}");
    assert!(
        revised.contains(&"ICSMA-21-187-01 1 < 3".to_string())
            || revised.iter().any(|r| r.starts_with("ICSMA-21-187-01 1 <")),
        "{revised:?}"
    );
}

#[test]
fn a_changed_file_fails_its_checksum_and_is_not_used() {
    let dir = std::env::temp_dir().join(format!("mamori-digest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = corpus("csaf/icsma/2021/icsma-21-343-01.json");
    let mut bytes = std::fs::read(&source).unwrap();
    std::fs::copy(source.with_extension("json.sha512"), dir.join("a.json.sha512")).unwrap();
    std::fs::write(dir.join("a.json"), &bytes).unwrap();
    let mut ok = Loaded::default();
    ok.add_csaf(&dir).unwrap();
    assert_eq!(ok.csaf.len(), 1, "{:?}", ok.problems);
    bytes[100] ^= 1;
    std::fs::write(dir.join("a.json"), &bytes).unwrap();
    let mut changed = Loaded::default();
    changed.add_csaf(&dir).unwrap();
    assert!(changed.csaf.is_empty());
    assert!(changed.problems[0].message.contains("sha512 digest does not match"), "{:?}", changed.problems);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_providers_tree_is_read_through_its_index_and_its_faults_are_named() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hub/provider");
    let mut clean = Loaded::default();
    clean.add_csaf(&tree).unwrap();
    let ids: Vec<&str> = clean.csaf.iter().map(|f| f.document.id.as_str()).collect();
    assert_eq!(ids, ["ICSMA-21-343-01", "ICSMA-24-200-01"]);
    assert!(
        clean.problems.iter().all(|p| p.severity == mamori_advisories::Severity::Warning && p.test.is_some()),
        "{:#?}",
        clean.problems
    );

    // A copy with one document gone, one stray, one changed, and a bad index line.
    let dir = std::env::temp_dir().join(format!("mamori-provider-{}", std::process::id()));
    let white = dir.join("white");
    std::fs::create_dir_all(white.join("2021")).unwrap();
    std::fs::create_dir_all(white.join("2024")).unwrap();
    for f in ["index.txt", "changes.csv", "2024/icsma-24-200-01.json.sha512"] {
        std::fs::copy(tree.join("white").join(f), white.join(f)).unwrap();
    }
    let mut changed = std::fs::read(tree.join("white/2024/icsma-24-200-01.json")).unwrap();
    changed[200] ^= 1;
    std::fs::write(white.join("2024/icsma-24-200-01.json"), changed).unwrap();
    std::fs::copy(tree.join("white/2021/icsma-21-343-01.json"), white.join("2021/stray.json")).unwrap();
    std::fs::write(white.join("index.txt"), "2021/icsma-21-343-01.json\n2024/icsma-24-200-01.json\n../../etc/passwd\n")
        .unwrap();
    let mut broken = Loaded::default();
    broken.add_csaf(&dir).unwrap();
    let said: Vec<String> = broken
        .problems
        .iter()
        .filter(|p| p.test.is_none())
        .map(|p| format!("{} {} {}", p.file.rsplit('/').next().unwrap(), p.pointer, p.message))
        .collect();
    let has = |needle: &str| said.iter().any(|s| s.contains(needle));
    assert!(has("index.txt line 1 lists 2021/icsma-21-343-01.json, which is not in the tree"), "{said:#?}");
    assert!(has("changes.csv line 2 lists 2021/icsma-21-343-01.json"), "{said:#?}");
    assert!(has("index.txt line 3 \"../../etc/passwd\" leaves the provider's folder"), "{said:#?}");
    assert!(has("icsma-24-200-01.json  its sha512 digest does not match"), "{said:#?}");
    assert!(has("stray.json  is not listed in"), "{said:#?}");
    // The stray is still read; the changed document is not.
    assert_eq!(broken.csaf.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_difference_between_two_revisions_is_by_product_not_by_opaque_id() {
    let read = |p: PathBuf| mamori_advisories::csaf::read(&std::fs::read(p).unwrap()).unwrap().0;
    let v1_dir = corpus("csaf/icsma-revisions/icsma-24-200-01");
    let v1_file = std::fs::read_dir(&v1_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let (v1, v2) = (read(v1_file), read(corpus("csaf/icsma/2024/icsma-24-200-01.json")));
    let d = mamori_advisories::revisions::diff(&v1, &v2);
    assert_eq!((d.from.as_str(), d.to.as_str()), ("1", "2"));
    assert_eq!(d.vulnerabilities_removed.len(), 11, "{d:#?}");
    assert!(d.vulnerabilities_added.is_empty());
    // The same revision against itself: nothing.
    let same = mamori_advisories::revisions::diff(&v2, &v2);
    assert!(same.products.is_empty() && same.vulnerabilities_removed.is_empty());
}

#[test]
fn with_a_providers_key_only_documents_it_signed_are_used() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hub/provider");
    let key = |name: &str| std::fs::read_to_string(tree.join(name)).unwrap();
    let mut signed = Loaded::default();
    signed.add_key(&key("provider-key.asc")).unwrap();
    signed.add_csaf(&tree).unwrap();
    assert_eq!(signed.csaf.len(), 2, "{:#?}", signed.problems);
    // Someone else's key: neither document is used, each says why.
    let mut other = Loaded::default();
    other.add_key(&key("other-key.asc")).unwrap();
    other.add_csaf(&tree).unwrap();
    assert!(other.csaf.is_empty());
    let refused: Vec<&str> = other
        .problems
        .iter()
        .filter(|p| p.message.contains("does not verify with the given key"))
        .map(|p| p.file.as_str())
        .collect();
    assert_eq!(refused.len(), 2, "{:#?}", other.problems);
    // An ICSMA advisory signed by CISA (no CISA key here) is refused under our key; without a
    // key, signatures are not checked.
    let mut cisa = Loaded::default();
    cisa.add_key(&key("provider-key.asc")).unwrap();
    cisa.add_csaf(&corpus("csaf/icsma/2021/icsma-21-343-01.json")).unwrap();
    assert!(cisa.csaf.is_empty());
    // A document without .asc is refused when keys are given.
    let dir = std::env::temp_dir().join(format!("mamori-unsigned-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(tree.join("white/2021/icsma-21-343-01.json"), dir.join("a.json")).unwrap();
    let mut unsigned = Loaded::default();
    unsigned.add_key(&key("provider-key.asc")).unwrap();
    unsigned.add_csaf(&dir).unwrap();
    assert!(
        unsigned.csaf.is_empty() && unsigned.problems[0].message.contains("has no .asc signature"),
        "{:#?}",
        unsigned.problems
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(Loaded::default().add_key("not a key").unwrap_err().contains("not an OpenPGP public key"));
}
