//! hub.md §8 scenario 1 at the engine's level: `pkg:cargo/openssl@0.8.3` against the whole
//! RustSec database in ../shared (1,213 records) — exactly the eight records hub.md names;
//! 0.9.0 drops RUSTSEC-2016-0001 (fixed in 0.9.0). Every record of the corpus reads.

use mamori_advisories::osv::{self, Record};
use mamori_versions::Decision;
use std::path::Path;

fn corpus(ecosystem: &str) -> Vec<Record> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub/osv").join(ecosystem);
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the OSV corpus is beside the checkout") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            match osv::read(&std::fs::read(&path).unwrap()) {
                Ok(r) => records.push(r),
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
    }
    assert!(problems.is_empty(), "every record reads: {problems:?}");
    records.sort_by(|a, b| a.id.cmp(&b.id));
    records
}

fn hits(records: &[Record], version: &str) -> Vec<String> {
    records
        .iter()
        .filter(|r| matches!(r.affects("crates.io", "openssl", version), Decision::Inside(_)))
        .map(|r| r.id.clone())
        .collect()
}

#[test]
fn openssl_0_8_3_is_hit_by_exactly_the_eight_records_of_the_scenario() {
    let records = corpus("crates.io");
    assert!(records.len() > 1200, "{} records", records.len());
    let expected = [
        "RUSTSEC-2016-0001",
        "RUSTSEC-2023-0022",
        "RUSTSEC-2023-0023",
        "RUSTSEC-2023-0024",
        "RUSTSEC-2023-0044",
        "RUSTSEC-2023-0072",
        "RUSTSEC-2024-0357",
        "RUSTSEC-2025-0004",
    ];
    assert_eq!(hits(&records, "0.8.3"), expected);
    let later = hits(&records, "0.9.0");
    assert_eq!(later, &expected[1..], "0.9.0 is fixed for RUSTSEC-2016-0001 only");
    let first = records.iter().find(|r| r.id == "RUSTSEC-2016-0001").unwrap();
    assert_eq!(first.aliases, ["CVE-2016-10931", "GHSA-34p9-f4q3-c4r7"]);
    assert_eq!(first.fixed_in("crates.io", "openssl", "0.8.3").as_deref(), Some("0.9.0"));
    // Not RUSTSEC-2018-0010 or -2025-0022, which hub.md names as the records that must not hit.
    for id in ["RUSTSEC-2018-0010", "RUSTSEC-2025-0022"] {
        let r = records.iter().find(|r| r.id == id).unwrap();
        assert_eq!(r.affects("crates.io", "openssl", "0.8.3"), Decision::Outside, "{id}");
    }
}

#[test]
fn every_ecosystem_folder_reads() {
    for ecosystem in ["Go", "PyPI", "npm", "Maven", "Debian", "RedHat", "other"] {
        assert!(!corpus(ecosystem).is_empty(), "{ecosystem}");
    }
}

#[test]
fn an_ecosystems_all_zip_reads_like_its_directory_and_a_bomb_is_bounded() {
    use std::io::Write;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub/osv/crates.io");
    let zip_path = std::env::temp_dir().join(format!("mamori-osv-{}.zip", std::process::id()));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    for path in &names {
        zip.start_file(path.file_name().unwrap().to_string_lossy(), options).unwrap();
        zip.write_all(&std::fs::read(path).unwrap()).unwrap();
    }
    zip.start_file("broken.json", options).unwrap();
    zip.write_all(b"{\"id\": ").unwrap();
    zip.finish().unwrap();
    let mut from_zip = mamori_advisories::sources::Loaded::default();
    from_zip.add_osv(&zip_path).unwrap();
    let mut from_dir = mamori_advisories::sources::Loaded::default();
    from_dir.add_osv(&dir).unwrap();
    assert_eq!(from_zip.osv.len(), from_dir.osv.len());
    assert_eq!(from_zip.osv.len(), names.len());
    assert_eq!(from_zip.problems.len(), 1);
    assert!(from_zip.problems[0].file.ends_with(".zip!broken.json"), "{:?}", from_zip.problems);
    std::fs::write(&zip_path, b"PK\x03\x04 not really").unwrap();
    let mut bad = mamori_advisories::sources::Loaded::default();
    bad.add_osv(&zip_path).unwrap();
    assert!(bad.problems[0].message.contains("is not a zip archive"));
    std::fs::remove_file(&zip_path).unwrap();
}
