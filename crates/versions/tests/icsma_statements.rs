//! Every version statement of the CISA ICSMA advisories in ../shared (hub.md §3: 153 version
//! fields of many kinds) is read without a panic, and each lands in a kind; the strings hub.md
//! names land where it says.

use mamori_versions::{Kind, Spec};
use std::collections::BTreeMap;
use std::path::Path;

fn statements(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            if let (Some(category), Some(name)) =
                (map.get("category").and_then(|c| c.as_str()), map.get("name").and_then(|n| n.as_str()))
                && (category == "product_version_range" || category == "product_version")
            {
                out.push((category.to_string(), name.to_string()));
            }
            map.values().for_each(|v| statements(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| statements(v, out)),
        _ => {}
    }
}

#[test]
fn every_icsma_version_statement_reads_into_a_kind() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub/csaf/icsma");
    let mut found = Vec::new();
    for year in std::fs::read_dir(&root).expect("the ICSMA corpus is beside the checkout") {
        let year = year.unwrap().path();
        if !year.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&year).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                statements(&doc["product_tree"], &mut found);
            }
        }
    }
    assert!(found.len() > 500, "the corpus is read: {} statements", found.len());
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (_, text) in &found {
        let spec = Spec::parse(text);
        assert_eq!(&spec.raw, text);
        *kinds.entry(format!("{:?}", spec.kind)).or_default() += 1;
        if spec.kind == Kind::Unparsed && std::env::var_os("SHOW_UNPARSED").is_some() {
            eprintln!("{text:?} {:?}", spec.note);
        }
        if text.trim() == "vers:all/*" {
            assert_eq!(spec.kind, Kind::All, "{text}");
        }
    }
    eprintln!("{} statements: {kinds:?}", found.len());
    assert!(kinds.get("All").copied().unwrap_or(0) > 100);
    assert!(kinds.get("Range").copied().unwrap_or(0) > 50);
    // Unparsed stays a minority: hub.md counts free text at 6% of the version fields.
    let unparsed = kinds.get("Unparsed").copied().unwrap_or(0);
    assert!(unparsed * 5 < found.len(), "{unparsed} of {} unparsed", found.len());
}
