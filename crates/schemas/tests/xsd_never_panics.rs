//! The XML Schema validator on corpus documents damaged structurally — elements dropped,
//! repeated, moved or renamed, attributes changed — so that the result is still well-formed
//! and reaches the validator: it never panics, and every failure is located by line.

use proptest::prelude::*;
use std::path::Path;

const SEEDS: &[&str] = &[
    "sbom/cyclonedx/osv-scanner-fixtures/alpine.cdx.xml",
    "sbom/cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.4.xml",
    "sbom/cyclonedx/bom-examples/SBOM/proton-bridge/proton-bridge-v1.8.0.bom.xml",
    "jvn/myjvn-np/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2017-009608.xml",
    "jvn/myjvn-np/examples/hnd/getVulnOverviewList_hnd.xml",
];

fn seed(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub").join(rel))
        .unwrap()
}

#[derive(Debug, Clone)]
enum Damage {
    Drop(usize),
    Repeat(usize),
    MoveBefore(usize, usize),
    Rename(usize, usize),
    Attribute(usize, String),
    Text(usize, String),
}

/// Element `i` (modulo the count) of the document, as its byte range and name.
fn element(text: &str, i: usize) -> Option<(std::ops::Range<usize>, String)> {
    let doc = roxmltree::Document::parse(text).ok()?;
    let all: Vec<_> = doc.descendants().filter(|n| n.is_element()).skip(1).collect();
    let n = all.get(i % all.len().max(1))?;
    Some((n.range(), n.tag_name().name().to_string()))
}

fn apply(mut text: String, damages: &[Damage]) -> String {
    for d in damages {
        let next = match d {
            Damage::Drop(i) => element(&text, *i).map(|(r, _)| format!("{}{}", &text[..r.start], &text[r.end..])),
            Damage::Repeat(i) => element(&text, *i).map(|(r, _)| format!("{}{}", &text[..r.end], &text[r.start..])),
            Damage::MoveBefore(i, j) => element(&text, *i).zip(element(&text, *j)).and_then(|((a, _), (b, _))| {
                let piece = text[a.clone()].to_string();
                let without = format!("{}{}", &text[..a.start], &text[a.end..]);
                let at = if b.start >= a.end {
                    b.start - (a.end - a.start)
                } else if b.start <= a.start {
                    b.start
                } else {
                    return None;
                };
                Some(format!("{}{piece}{}", &without[..at], &without[at..]))
            }),
            Damage::Rename(i, j) => element(&text, *i).zip(element(&text, *j)).map(|((r, from), (_, to))| {
                let inner = &text[r.clone()];
                let renamed = inner.replacen(&format!("<{from}"), &format!("<{to}"), 1);
                let renamed = match renamed.rfind(&format!("</{from}>")) {
                    Some(k) => format!("{}</{to}>{}", &renamed[..k], &renamed[k + from.len() + 3..]),
                    None => renamed,
                };
                format!("{}{renamed}{}", &text[..r.start], &text[r.end..])
            }),
            Damage::Attribute(i, value) => element(&text, *i).map(|(r, name)| {
                let at = r.start + 1 + name.len();
                format!("{} type=\"{value}\"{}", &text[..at], &text[at..])
            }),
            Damage::Text(i, value) => element(&text, *i).map(|(r, _)| match text[r.clone()].find('>') {
                Some(k) if !text[r.clone()][..k].ends_with('/') => {
                    format!("{}{value}{}", &text[..r.start + k + 1], &text[r.start + k + 1..])
                }
                _ => text.clone(),
            }),
        };
        if let Some(t) = next.filter(|t| roxmltree::Document::parse(t).is_ok()) {
            text = t;
        }
    }
    text
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let word =
        "[a-z0-9:<>&;\" -]{0,12}".prop_map(|s| s.replace('<', "&lt;").replace('&', "&amp;").replace('"', "&quot;"));
    let one = prop_oneof![
        any::<usize>().prop_map(Damage::Drop),
        any::<usize>().prop_map(Damage::Repeat),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Damage::MoveBefore(i, j)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Damage::Rename(i, j)),
        (any::<usize>(), word.clone()).prop_map(|(i, v)| Damage::Attribute(i, v)),
        (any::<usize>(), word).prop_map(|(i, v)| Damage::Text(i, v)),
    ];
    prop::collection::vec(one, 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_xml_is_reported_by_line_never_panics(d in damage(), which in 0usize..SEEDS.len()) {
        let text = apply(seed(SEEDS[which]), &d);
        let failures = mamori_schemas::validate_xml_text(text.as_bytes());
        prop_assert!(failures.len() <= mamori_schemas::MAX_REPORTED);
        for (line, message) in &failures {
            prop_assert!(line.starts_with("line ") && !message.is_empty(), "{line}: {message}");
        }
    }
}

#[test]
fn the_damage_reaches_the_validator() {
    // Not vacuous: each kind of damage, applied at the first 30 elements of a CycloneDX SBOM,
    // makes the validator find something at least once.
    let original = seed(SEEDS[1]);
    assert!(mamori_schemas::validate_xml_text(original.as_bytes()).is_empty());
    let kinds: [fn(usize) -> Damage; 5] = [
        Damage::Drop,
        Damage::Repeat,
        |i| Damage::Rename(i, i + 7),
        |i| Damage::Attribute(i, "nonsense".into()),
        |i| Damage::Text(i, "stray".into()),
    ];
    for (k, kind) in kinds.iter().enumerate() {
        let found = (0..30)
            .filter(|&i| !mamori_schemas::validate_xml_text(apply(original.clone(), &[kind(i)]).as_bytes()).is_empty())
            .count();
        assert!(found > 0, "damage kind {k} never detected");
    }
}
