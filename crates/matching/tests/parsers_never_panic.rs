//! Property tests of every hub parser, seeded with the corpus: real documents damaged at
//! random (bytes flipped, cut short, a range dropped or repeated) are read or refused with
//! located problems — never a panic, never an error without a location. Then the engine runs
//! on whatever was read.

use mamori_advisories::{csaf, osv};
use mamori_matching::tables;
use proptest::prelude::*;
use std::path::Path;

fn seed(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub").join(rel)).unwrap()
}

#[derive(Debug, Clone)]
enum Damage {
    Flip(usize, u8),
    Cut(usize),
    Drop(usize, usize),
    Repeat(usize, usize),
    Insert(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let one = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Flip(i, b)),
        any::<usize>().prop_map(Damage::Cut),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Damage::Drop(i, n)),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Damage::Repeat(i, n)),
        (
            any::<usize>(),
            prop::collection::vec(prop::sample::select(b"{}[]\":,<>/&;0-9a \n\\\xe3\x81\xff".to_vec()), 1..8)
        )
            .prop_map(|(i, v)| Damage::Insert(i, v)),
    ];
    prop::collection::vec(one, 1..4)
}

fn apply(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for d in damages {
        if bytes.is_empty() {
            break;
        }
        let at = |i: usize| i % bytes.len();
        match d {
            Damage::Flip(i, b) => {
                let i = at(*i);
                bytes[i] ^= b | 1;
            }
            Damage::Cut(i) => bytes.truncate(at(*i)),
            Damage::Drop(i, n) => {
                let i = at(*i);
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Damage::Repeat(i, n) => {
                let i = at(*i);
                let end = (i + n).min(bytes.len());
                let copy = bytes[i..end].to_vec();
                bytes.splice(i..i, copy);
            }
            Damage::Insert(i, v) => {
                let i = at(*i);
                bytes.splice(i..i, v.iter().copied());
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn csaf_documents(d in damage(), which in 0usize..3) {
        let file = ["csaf/icsma/2021/icsma-21-343-01.json", "csaf/icsma/2017/icsma-17-017-01.json", "csaf/oasis/examples/csaf/csaf_vex/2022-evd-uc-01-a-001.json"][which];
        let bytes = apply(seed(file), &d);
        match csaf::read(&bytes) {
            Ok((doc, _)) => {
                if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                    let _ = mamori_advisories::csaf_tests::run(&value);
                }
                for p in &doc.products {
                    let _ = p.version.as_ref().map(|s| s.decide(&mamori_versions::Scheme::Intdot, Some("6.2.0")));
                }
            }
            Err(errors) => prop_assert!(!errors.is_empty() && errors.iter().all(|e| !e.pointer.is_empty() || !e.message.is_empty())),
        }
    }

    #[test]
    fn osv_records(d in damage(), which in 0usize..3) {
        let file = ["osv/crates.io/RUSTSEC-2016-0001.json", "osv/PyPI/PYSEC-2021-13.json", "osv/Go/GHSA-f5pg-7wfw-84q9.json"][which];
        if let Ok(record) = osv::read(&apply(seed(file), &d)) {
            let _ = record.affects("crates.io", "openssl", "0.8.3");
            let _ = record.affects("PyPI", "flask-caching", "2.0.1");
            let _ = record.rating();
            let _ = record.fixed_in("Go", "github.com/aws/aws-sdk-go", "1.0.0");
        }
    }

    #[test]
    fn sboms(d in damage(), which in 0usize..4) {
        let file = [
            "sbom/cyclonedx/osv-scanner-fixtures/bad-purls.cdx.xml",
            "sbom/cyclonedx/bom-examples/VEX/vex.json",
            "sbom/spdx/spdx-examples/software/example11/spdx2.3/sbom.spdx.json",
            "sbom/spdx/spec-2.3/SPDXTagExample-v2.3.spdx",
        ][which];
        match mamori_sbom::read(&apply(seed(file), &d)) {
            Ok((sbom, problems)) => {
                prop_assert!(problems.iter().all(|p| !p.pointer.is_empty()));
                for c in &sbom.components {
                    let _ = c.purl.as_ref().and_then(mamori_sbom::Purl::osv);
                }
            }
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }

    #[test]
    fn inventories(d in damage()) {
        let text = "製造販売業者,製品名,型番,ソフトウェアバージョン,シリアル番号\nHillrom,Welch Allyn Q-Stress,,6.2.0,S1\nMedtronic,MiniMed 640G,MMT-1711,,S2\n\"B. Braun, Medical\",\"Battery Pack SP\",,L80,S3\n";
        match tables::read_inventory("inventory.csv", &apply(text.as_bytes().to_vec(), &d)) {
            Ok(devices) => prop_assert!(devices.iter().all(|dev| !dev.manufacturer.is_empty())),
            Err(errors) => prop_assert!(errors.iter().all(|e| e.starts_with("inventory.csv: "))),
        }
    }

    #[test]
    fn version_statements_and_names(text in "\\PC{0,40}", version in "[0-9A-Za-z.\\-~+]{0,12}") {
        let spec = mamori_versions::Spec::parse(&text);
        prop_assert_eq!(&spec.raw, &text);
        for scheme in [mamori_versions::Scheme::Intdot, mamori_versions::Scheme::Semver, mamori_versions::Scheme::Releases(vec!["L79".into(), "L80".into()])] {
            let _ = spec.decide(&scheme, Some(&version));
            let _ = spec.vers(&scheme);
        }
        let (key, _) = mamori_matching::names::vendor_keys(&text);
        prop_assert!(!key.starts_with(' ') && !key.ends_with(' '));
        let _ = mamori_matching::names::product_words(&text, &[key]);
    }
}
