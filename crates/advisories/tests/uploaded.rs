//! Documents uploaded one by one (the hub's intake page) read as the directory readers read
//! them, and what is not an advisory is refused with the file named.

use mamori_advisories::sources::Loaded;
use std::path::Path;

const HUB: &str = "../../../shared/corpora/hub";

#[test]
fn an_uploaded_document_reads_as_the_directory_reader_reads_it() {
    let mut read_as_kind = 0;
    for (dir, kind) in [("csaf/icsma/2021", "csaf"), ("osv/crates.io", "osv"), ("jvn/myjvn-np", "jvn")] {
        let folder = Path::new(HUB).join(dir);
        let mut files: Vec<_> = mamori_advisories::sources::files_under(&folder)
            .unwrap()
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == if kind == "jvn" { "xml" } else { "json" }))
            .collect();
        files.truncate(5);
        for file in files {
            let mut from_dir = Loaded::default();
            match kind {
                "csaf" => from_dir.add_csaf(&file).unwrap(),
                "osv" => from_dir.add_osv(&file).unwrap(),
                _ => from_dir.add_jvn(&file).unwrap(),
            }
            let mut uploaded = Loaded::default();
            let name = file.display().to_string();
            let read = uploaded.add_document(&name, &std::fs::read(&file).unwrap());
            let got = (uploaded.csaf.len(), uploaded.osv.len());
            let want = (from_dir.csaf.len(), from_dir.osv.len());
            assert_eq!(got, want, "{name}");
            if want != (0, 0) {
                assert_eq!(read, Some(kind), "{name}");
                read_as_kind += 1;
                let ids = |l: &Loaded| {
                    l.csaf.iter().map(|c| (c.document.id.clone(), c.document.version.clone())).collect::<Vec<_>>()
                };
                assert_eq!(ids(&uploaded), ids(&from_dir), "{name}");
                // The same warnings, digest checks aside (an upload has no .sha512 beside it).
                assert_eq!(uploaded.problems.len(), from_dir.problems.len(), "{name}");
            }
        }
    }
    assert!(read_as_kind >= 10, "only {read_as_kind} documents compared");
}

#[test]
fn what_is_not_an_advisory_is_refused_with_the_file_named() {
    for (bytes, says) in [
        (&b"not json"[..], "neither JSON"),
        (b"{\"hello\": 1}", "neither a CSAF document"),
        (b"{\"document\": {\"csaf_version\": \"2.0\"}}", ""),
        (b"<rss><broken", ""),
    ] {
        let mut l = Loaded::default();
        assert_eq!(l.add_document("up.json", bytes), None, "{}", String::from_utf8_lossy(bytes));
        assert!(l.csaf.is_empty() && l.osv.is_empty());
        assert!(!l.problems.is_empty() && l.problems.iter().all(|p| p.file == "up.json"), "{:?}", l.problems);
        assert!(l.problems.iter().any(|p| p.message.contains(says)), "{:?}", l.problems);
    }
}
