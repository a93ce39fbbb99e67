//! hub.md §8's acceptance scenarios 1–9, through the command line as a hospital's security
//! staff or a manufacturer's CI would run them, against the real corpus. Each test writes its
//! own SBOM, VEX or inventory.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub").join(rel).display().to_string()
}

fn mamori(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mamori")).args(args).output().expect("mamori runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mamori-hub-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn json(out: &Output) -> Value {
    assert!(!out.stdout.is_empty(), "no output; stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

const SERIAL: &str = "1b5e2c3a-0000-4000-8000-00000000a001";

fn sbom(dir: &Path, openssl: &str) -> String {
    let text = format!(
        r#"{{"bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": "urn:uuid:{SERIAL}", "version": 1,
  "metadata": {{"component": {{"type": "firmware", "bom-ref": "x", "name": "X", "version": "2.1", "supplier": {{"name": "Example Medical"}}}}}},
  "components": [{{"type": "library", "bom-ref": "openssl", "name": "openssl", "version": "{openssl}", "purl": "pkg:cargo/openssl@{openssl}"}}]}}"#
    );
    write(dir, &format!("x-{openssl}.cdx.json"), &text)
}

fn scan(args: &[&str]) -> (Output, Value) {
    let mut all = vec!["hub", "scan", "--format", "json"];
    all.extend_from_slice(args);
    let out = mamori(&all);
    let value = json(&out);
    (out, value)
}

fn advisories(findings: &Value) -> Vec<String> {
    findings.as_array().unwrap().iter().map(|f| f["advisory"].as_str().unwrap().to_string()).collect()
}

#[test]
fn scenario_1_an_sbom_against_osv() {
    let dir = scratch("s1");
    let osv = corpus("osv/crates.io");
    let (out, v) = scan(&["--sbom", &sbom(&dir, "0.8.3"), "--osv", &osv]);
    assert!(out.status.success());
    let f = &v["findings"];
    assert_eq!(
        advisories(f),
        [
            "RUSTSEC-2016-0001",
            "RUSTSEC-2023-0022",
            "RUSTSEC-2023-0023",
            "RUSTSEC-2023-0024",
            "RUSTSEC-2023-0044",
            "RUSTSEC-2023-0072",
            "RUSTSEC-2024-0357",
            "RUSTSEC-2025-0004"
        ]
    );
    for finding in f.as_array().unwrap() {
        assert_eq!((finding["confidence"].as_str(), finding["status"].as_str()), (Some("exact"), Some("affected")));
        assert_eq!(finding["source"], "osv");
        assert_eq!(finding["component"]["purl"], "pkg:cargo/openssl@0.8.3");
    }
    let first = &f[0];
    assert_eq!(
        first["vulnerabilities"],
        serde_json::json!(["RUSTSEC-2016-0001", "CVE-2016-10931", "GHSA-34p9-f4q3-c4r7"])
    );
    assert_eq!((first["severity"]["rating"].as_str(), first["severity"]["score"].as_f64()), (Some("high"), Some(8.1)));
    assert_eq!(first["fixed_in"], "0.9.0");
    // --fail-on high: RUSTSEC-2016-0001 is high and affected.
    let failed = mamori(&["hub", "scan", "--sbom", &sbom(&dir, "0.8.3"), "--osv", &osv, "--fail-on", "high"]);
    assert_eq!(failed.status.code(), Some(1));
    let (_, later) = scan(&["--sbom", &sbom(&dir, "0.9.0"), "--osv", &osv]);
    let later = advisories(&later["findings"]);
    assert_eq!(later.len(), 7, "{later:?}");
    assert!(!later.contains(&"RUSTSEC-2016-0001".to_string()));
    // Same input, same bytes.
    let again = mamori(&["hub", "scan", "--format", "json", "--sbom", &sbom(&dir, "0.8.3"), "--osv", &osv]);
    assert_eq!(again.stdout, out.stdout);
}

const CSAF_VEX: &str = r#"{
 "document": {"category": "csaf_vex", "csaf_version": "2.0", "title": "X 2.1: OpenSSL advisories",
  "publisher": {"category": "vendor", "name": "Example Medical", "namespace": "https://example.jp"},
  "tracking": {"id": "EXM-VEX-2026-001", "version": "1", "status": "final",
   "initial_release_date": "2026-11-01T00:00:00Z", "current_release_date": "2026-11-01T00:00:00Z",
   "revision_history": [{"date": "2026-11-01T00:00:00Z", "number": "1", "summary": "Initial"}]}},
 "product_tree": {"branches": [{"category": "vendor", "name": "Example Medical", "branches": [
  {"category": "product_name", "name": "X", "branches": [
   {"category": "product_version", "name": "2.1", "product": {"name": "Example Medical X 2.1", "product_id": "X-2.1"}}]}]}]},
 "vulnerabilities": [{"cve": "CVE-2016-10931",
  "flags": [{"label": "vulnerable_code_not_present", "product_ids": ["X-2.1"]}],
  "product_status": {"known_not_affected": ["X-2.1"]},
  "threats": [{"category": "impact", "details": "X never calls Pkcs12::parse.", "product_ids": ["X-2.1"]}]}]
}"#;

fn statuses(findings: &Value) -> Vec<(String, String)> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["advisory"].as_str().unwrap().into(), f["status"].as_str().unwrap().into()))
        .collect()
}

#[test]
fn scenario_2_vex_sets_the_status_and_the_finding_stays() {
    let dir = scratch("s2");
    let osv = corpus("osv/crates.io");
    let x = sbom(&dir, "0.8.3");
    for vex in [
        write(&dir, "x.csaf-vex.json", CSAF_VEX),
        write(
            &dir,
            "x.cdx-vex.json",
            &format!(
                r#"{{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "metadata": {{"timestamp": "2026-11-02T00:00:00Z"}},
                "vulnerabilities": [{{"id": "CVE-2016-10931", "analysis": {{"state": "not_affected", "justification": "code_not_present"}},
                "affects": [{{"ref": "urn:cdx:{SERIAL}/1#openssl"}}]}}]}}"#
            ),
        ),
    ] {
        let (out, v) = scan(&["--sbom", &x, "--osv", &osv, "--vex", &vex, "--fail-on", "critical"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let s = statuses(&v["findings"]);
        assert_eq!(s.len(), 8);
        assert_eq!(s[0], ("RUSTSEC-2016-0001".into(), "not_affected".into()), "{vex}");
        assert!(s[1..].iter().all(|(_, status)| status == "affected"));
        let note = &v["findings"][0]["vex"];
        assert!(note["document"].as_str().unwrap().contains("x."), "{note}");
        assert!(note["justification"].as_str().unwrap().contains("not_present"), "{note}");
        assert!(v["findings"][0]["reasons"].as_array().unwrap().iter().any(|r| r == "vex"));
        // The VEX took the only high finding out: --fail-on high passes now.
        let gate = mamori(&["hub", "scan", "--sbom", &x, "--osv", &osv, "--vex", &vex, "--fail-on", "high"]);
        assert_eq!(gate.status.code(), Some(0), "{vex}");
    }
    // The CycloneDX example's VEX names another BOM's serial: a warning, and nothing changes.
    let (out, v) = scan(&[
        "--sbom",
        &corpus("sbom/cyclonedx/bom-examples/VEX/bom.json"),
        "--osv",
        &corpus("osv"),
        "--vex",
        &corpus("sbom/cyclonedx/bom-examples/VEX/vex.json"),
    ]);
    assert!(out.status.success());
    let warnings = v["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w["message"].as_str().unwrap().contains("names BOM 3e671687")), "{warnings:#?}");
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f.get("vex").is_none()));
}

fn match_inventory(name: &str, rows: &str, extra: &[&str]) -> Value {
    let dir = scratch(name);
    let inventory = write(&dir, "inventory.csv", &format!("manufacturer,product,model,version\n{rows}"));
    let mut args = vec!["hub", "match", "--format", "json", "--inventory", &inventory];
    args.extend_from_slice(extra);
    let out = mamori(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

/// (advisory, product id, confidence) of each finding of device `i`.
fn found(v: &Value, i: usize) -> Vec<(String, String, String)> {
    v["devices"][i]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["advisory"].as_str().unwrap().into(),
                f["product_id"].as_str().unwrap().into(),
                f["confidence"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn t(a: &str, p: &str, c: &str) -> (String, String, String) {
    (a.into(), p.into(), c.into())
}

#[test]
fn scenario_3_an_interval_written_with_a_pipe() {
    let icsma = corpus("csaf/icsma");
    let q = "Hillrom,Welch Allyn Q-Stress Cardiac Stress Testing System,";
    let v = match_inventory("s3", &format!("{q},6.2.0\n{q},6.3.1\n{q},6.4.0\n{q},5.9\n"), &["--csaf", &icsma]);
    for i in 0..2 {
        assert!(found(&v, i).contains(&t("ICSMA-21-343-01", "CSAFPID-0002", "range")), "{:?}", found(&v, i));
        let f = &v["devices"][i]["findings"][0];
        assert!(f["reasons"].as_array().unwrap().iter().any(|r| r == "in_range"));
        assert_eq!(f["statement"]["version"], ">= 6.0.0 | <= 6.3.1");
        assert_eq!(f["vers"], "vers:intdot/>=6.0.0|<=6.3.1");
    }
    for i in 2..4 {
        assert!(found(&v, i).iter().all(|(a, _, _)| a != "ICSMA-21-343-01"), "{:?}", found(&v, i));
    }
}

#[test]
fn scenario_4_all_versions_and_a_revision_that_supersedes() {
    let file = corpus("csaf/icsma/2017/icsma-17-017-01.json");
    let out = mamori(&["hub", "check", "--format", "json", &file]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let p = v["problems"].as_array().unwrap().iter().find(|p| p["test"] == "6.1.31").expect("a 6.1.31 warning");
    assert_eq!(p["pointer"], "/product_tree/branches/0/branches/0/branches/0/name");
    assert_eq!(p["severity"], "warning");
    assert_eq!(p["file"], file.as_str());
    let v = match_inventory(
        "s4",
        "BD,Alaris 8000 PC Unit,,9.5\n",
        &["--csaf", &corpus("csaf/icsma"), "--csaf", &corpus("csaf/icsma-revisions")],
    );
    let f = found(&v, 0);
    assert!(f.contains(&t("ICSMA-17-017-01", "CSAFPID-0001", "range")), "{f:?}");
    let acted: Vec<_> = f.iter().filter(|(_, _, c)| c != "possible").collect();
    assert_eq!(acted, [&t("ICSMA-17-017-01", "CSAFPID-0001", "range")], "nothing else to act on");
    let finding = &v["devices"][0]["findings"][0];
    assert_eq!(finding["revision"], "2", "\"2\" supersedes \"1.0.0\"");
    assert!(finding["reasons"].as_array().unwrap().iter().any(|r| r == "all_versions"));
}

#[test]
fn scenario_5_vendor_aliases() {
    let icsma = corpus("csaf/icsma");
    let rows = "Philips Healthcare,IntelliSpace Cardiovascular,,2.2.0\n株式会社フィリップス・ジャパン,IntelliSpace Cardiovascular,,2.2.0\n";
    let three = ["ICSMA-17-318-01", "ICSMA-18-025-01", "ICSMA-18-226-01"];
    let v = match_inventory("s5", rows, &["--csaf", &icsma]);
    let f = found(&v, 0);
    assert_eq!(
        f.iter().map(|(a, _, c)| (a.as_str(), c.as_str())).collect::<Vec<_>>(),
        three.map(|a| (a, "possible")),
        "{f:?}"
    );
    assert!(found(&v, 1).is_empty());
    let dir = scratch("s5-aliases");
    let aliases = write(
        &dir,
        "aliases.csv",
        "別名,正式名,確認者,理由\nPhilips Healthcare,Philips,coordinator,Philips Healthcare is Philips's medical business\nPhillips,Philips,coordinator,misspelt in ICSMA-18-025-01\n株式会社フィリップス・ジャパン,Philips,coordinator,Japanese subsidiary\n",
    );
    let v = match_inventory("s5b", rows, &["--csaf", &icsma, "--aliases", &aliases]);
    for i in 0..2 {
        let f = found(&v, i);
        assert_eq!(
            f.iter().map(|(a, _, c)| (a.as_str(), c.as_str())).collect::<Vec<_>>(),
            three.map(|a| (a, "range")),
            "{f:?}"
        );
        assert!(v["devices"][i]["findings"][0]["reasons"].as_array().unwrap().iter().any(|r| r == "vendor_alias"));
    }
}

#[test]
fn scenario_6_a_date_bound_is_at_most_possible() {
    let v = match_inventory(
        "s6",
        "Abbott Laboratories,Fortify Assura,,\nAbbott Laboratories,Fortify Assura,,1.0\n",
        &["--csaf", &corpus("csaf/icsma")],
    );
    for i in 0..2 {
        let f = found(&v, i);
        assert!(f.contains(&t("ICSMA-18-107-01", "CSAFPID-0001", "possible")), "{f:?}");
        assert!(f.iter().all(|(_, _, c)| c == "possible"), "{f:?}");
        assert!(v["devices"][i]["findings"][0]["reasons"].as_array().unwrap().iter().any(|r| r == "date_bound"));
    }
}

#[test]
fn scenario_7_model_numbers() {
    let m = "Medtronic,MiniMed 640G";
    let v =
        match_inventory("s7", &format!("{m},MMT-1711,\n{m},MMT-1799,\n{m},,\n"), &["--csaf", &corpus("csaf/icsma")]);
    let on = |i: usize| {
        found(&v, i)
            .into_iter()
            .filter(|(a, p, _)| a == "ICSMA-22-263-01" && p == "CSAFPID-0003")
            .map(|(_, _, c)| c)
            .collect::<Vec<_>>()
    };
    assert_eq!(on(0), ["exact"]);
    assert_eq!(on(1), ["possible"]);
    assert_eq!(on(2), ["range"]);
    // Other MiniMed pumps of the advisory are other products.
    assert!(found(&v, 2).iter().all(|(_, p, _)| p == "CSAFPID-0003"), "{:?}", found(&v, 2));
}

#[test]
fn scenario_8_a_manufacturers_release_order() {
    let icsma = corpus("csaf/icsma");
    let b = "B. Braun Medical,Battery Pack SP with Wi-Fi,";
    let rows = format!("{b},L80\n{b},L82\n");
    let dir = scratch("s8");
    let releases = write(
        &dir,
        "releases.csv",
        &[
            "manufacturer,product,version".to_string(),
            (79..=82).map(|n| format!("{b}L{n}")).collect::<Vec<_>>().join("\n"),
        ]
        .join("\n"),
    );
    let v = match_inventory("s8a", &rows, &["--csaf", &icsma, "--releases", &releases]);
    let f80 = found(&v, 0);
    assert!(f80.contains(&t("ICSMA-21-294-01", "CSAFPID-0001", "range")), "{f80:?}");
    assert!(!found(&v, 1).iter().any(|(a, p, _)| a == "ICSMA-21-294-01" && p == "CSAFPID-0001"), "{:?}", found(&v, 1));
    let without = match_inventory("s8b", &rows, &["--csaf", &icsma]);
    assert!(found(&without, 0).contains(&t("ICSMA-21-294-01", "CSAFPID-0001", "possible")));
    for v in [&v, &without] {
        for i in 0..2 {
            for (a, p, c) in found(v, i) {
                if (a == "ICSMA-21-294-01" && p == "CSAFPID-0005") || a == "ICSMA-20-296-02" {
                    assert_eq!(c, "possible", "{a} {p}");
                }
            }
        }
    }
}

#[test]
fn scenario_9_the_newest_revision_counts() {
    let dir = corpus("csaf/icsma-revisions/icsma-24-200-01");
    let v2 = corpus("csaf/icsma/2024/icsma-24-200-01.json");
    let v1 = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .find(|p| p.ends_with(".json"))
        .unwrap();
    let rows = "Philips,Vue PACS,,12.2.8.0\nPhilips,Vue PACS,,12.2.8.410\n";
    let v = match_inventory("s9", rows, &["--csaf", &v1, "--csaf", &v2]);
    let findings = v["devices"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!((findings[0]["confidence"].as_str(), findings[0]["revision"].as_str()), (Some("range"), Some("2")));
    assert_eq!(findings[0]["vulnerabilities"], serde_json::json!(["CVE-2021-28165", "CVE-2023-40704"]));
    assert!(found(&v, 1).is_empty());
    let only_v1 = match_inventory("s9b", rows, &["--csaf", &v1]);
    assert_eq!(only_v1["devices"][0]["findings"][0]["vulnerabilities"].as_array().unwrap().len(), 13);
    // The difference: 11 CVEs dropped from Vue PACS.
    let diff = json(&mamori(&["hub", "diff", "--format", "json", &v1, &v2]));
    assert_eq!(diff["vulnerabilities_removed"].as_array().unwrap().len(), 11);
    assert_eq!(diff["products"][0]["product"], "Vue PACS");
    assert_eq!(diff["products"][0]["removed"].as_array().unwrap().len(), 11);
}

#[test]
fn a_bad_inventory_is_refused_whole_with_row_and_column() {
    let dir = scratch("bad");
    let inventory = write(
        &dir,
        "inventory.csv",
        "製造販売業者,製品名,ソフトウェアバージョン\nHillrom,Q-Stress,6.2.0\n,Q-Stress,6.2.0\n",
    );
    let out = mamori(&["hub", "match", "--inventory", &inventory, "--csaf", &corpus("csaf/icsma")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 3, column A (manufacturer): empty"), "{err}");
}

#[test]
fn check_says_which_files_are_unusable() {
    let dir = scratch("check");
    let broken = write(&dir, "broken.json", "{\"document\": {\"csaf_version\": \"2.0\"}}");
    let out = mamori(&[
        "hub",
        "check",
        "--format",
        "json",
        &broken,
        &corpus("sbom/cyclonedx/osv-scanner-fixtures/bad-purls.cdx.xml"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["files"][0]["usable"], false);
    assert_eq!(v["files"][1]["usable"], true);
    let problems = v["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["pointer"] == "/document/tracking/id" && p["severity"] == "error"));
    assert!(problems.iter().any(|p| p["file"].as_str().unwrap().ends_with("bad-purls.cdx.xml")
        && p["pointer"].as_str().unwrap().starts_with("line ")));
}

#[test]
fn jvn_ipedia_documents_match_japanese_inventories() {
    let jvn = corpus("jvn/myjvn-np/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2022-000097.xml");
    let out = mamori(&["hub", "check", "--format", "json", &jvn]);
    assert_eq!(out.status.code(), Some(0));
    // `v6 R4 およびそれ以前のバージョン` is `<= v6 R4`: without a release order, possible.
    let v =
        match_inventory("jvn", "一般財団法人日本建設情報総合センター,電子入札コアシステム,,v6 R3\n", &["--jvn", &jvn]);
    let f = &v["devices"][0]["findings"][0];
    assert_eq!(
        (f["advisory"].as_str(), f["source"].as_str(), f["confidence"].as_str()),
        (Some("JVNDB-2022-000097"), Some("jvn"), Some("possible"))
    );
    assert!(f["vulnerabilities"].as_array().unwrap().iter().any(|i| i == "CVE-2022-41993"));
    // The malformed feed of the samples (an unquoted attribute) is refused with its line.
    let bad =
        mamori(&["hub", "check", "--format", "json", &corpus("jvn/myjvn-np/examples/hnd/dataFeed_jvndb_rss_hnd.xml")]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(json(&bad)["problems"][0]["pointer"], "line 116");
}

#[test]
fn a_device_row_with_a_purl_is_asked_of_osv() {
    let dir = scratch("purl");
    let inventory = write(
        &dir,
        "inventory.csv",
        "manufacturer,product,version,purl\nExample Medical,X,2.1,pkg:cargo/openssl@0.8.3\nExample Medical,Y,1.0,pkg:pypi/\n",
    );
    let out =
        mamori(&["hub", "match", "--format", "json", "--inventory", &inventory, "--osv", &corpus("osv/crates.io")]);
    assert_eq!(out.status.code(), Some(2), "a broken purl refuses the file");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("row 3, column D (purl)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inventory = write(
        &dir,
        "inventory.csv",
        "manufacturer,product,version,purl\nExample Medical,X,2.1,pkg:cargo/openssl@0.8.3\n",
    );
    let v = json(&mamori(&[
        "hub",
        "match",
        "--format",
        "json",
        "--inventory",
        &inventory,
        "--osv",
        &corpus("osv/crates.io"),
    ]));
    let f = v["devices"][0]["findings"].as_array().unwrap();
    assert_eq!(f.len(), 8);
    assert!(f.iter().all(|f| f["source"] == "osv" && f["confidence"] == "exact"));
    assert!(
        f.iter().any(|f| f["advisory"] == "RUSTSEC-2016-0001" && f["remediations"][0]["details"] == "fixed in 0.9.0")
    );
}

#[test]
fn with_a_key_only_signed_advisories_are_matched() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hub/provider");
    let (tree_s, key, other) = (
        tree.display().to_string(),
        tree.join("provider-key.asc").display().to_string(),
        tree.join("other-key.asc").display().to_string(),
    );
    let row = "Philips,Vue PACS,,12.2.8.0\n";
    let signed = match_inventory("key", row, &["--csaf", &tree_s, "--key", &key]);
    assert_eq!(found(&signed, 0), [t("ICSMA-24-200-01", "CSAFPID-0001", "range")]);
    let refused = match_inventory("other-key", row, &["--csaf", &tree_s, "--key", &other]);
    assert!(found(&refused, 0).is_empty());
}

#[test]
fn an_endless_file_is_refused_not_read_into_memory() {
    let dir = scratch("huge");
    let path = dir.join("huge.json");
    // Sparse: 65 MiB of nothing on disk, over the 64 MiB a document may have.
    std::fs::File::create(&path).unwrap().set_len(65 << 20).unwrap();
    let path = path.display().to_string();
    let out = mamori(&["hub", "check", "--format", "json", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(json(&out)["problems"][0]["message"].as_str().unwrap().contains("larger than 64 MB"));
    let scan = mamori(&["hub", "scan", "--sbom", &path, "--osv", &corpus("osv/crates.io")]);
    assert_eq!(scan.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&scan.stderr).contains("larger than 64 MB"));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn xml_documents_are_checked_against_their_bundled_xsd() {
    let dir = scratch("xsd");
    let original = std::fs::read_to_string(corpus("sbom/cyclonedx/osv-scanner-fixtures/alpine.cdx.xml")).unwrap();
    let at = original.find("type=\"library\"").unwrap();
    let line = original[..at].matches('\n').count() + 1;
    let sbom = write(&dir, "alpine.cdx.xml", &original.replacen("type=\"library\"", "type=\"lib\"", 1));
    let vuldef =
        std::fs::read_to_string(corpus("jvn/myjvn-np/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2022-000097.xml"))
            .unwrap()
            .replacen("<DateFirstPublished>", "<DateFirstPublished>2022 年", 1);
    let jvn = write(&dir, "vuldef.xml", &vuldef);
    let out = mamori(&["hub", "check", "--format", "json", &sbom, &jvn]);
    // Schema failures are warnings: both documents are still read and used.
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let problems = v["problems"].as_array().unwrap();
    let sbom_problem = problems.iter().find(|p| p["file"].as_str().unwrap().ends_with("alpine.cdx.xml")).unwrap();
    assert_eq!(sbom_problem["pointer"], format!("line {line}"));
    assert_eq!(sbom_problem["severity"], "warning");
    assert!(
        sbom_problem["message"]
            .as_str()
            .unwrap()
            .starts_with("schema: <component> attribute type: \"lib\" is not one of")
    );
    let jvn_problem = problems.iter().find(|p| p["file"].as_str().unwrap().ends_with("vuldef.xml")).unwrap();
    assert!(jvn_problem["message"].as_str().unwrap().contains("is not a date and time"), "{jvn_problem}");
    // The untouched examples have no schema warnings.
    let clean = mamori(&[
        "hub",
        "check",
        "--format",
        "json",
        &corpus("sbom/cyclonedx/osv-scanner-fixtures/alpine.cdx.xml"),
        &corpus("jvn/myjvn-np/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2022-000097.xml"),
    ]);
    let clean = json(&clean);
    let schema_warnings: Vec<_> = clean["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["message"].as_str().unwrap().starts_with("schema:"))
        .collect();
    assert!(schema_warnings.is_empty(), "{schema_warnings:?}");
}

/// The hub's database from the command line: the first coordinator, then the ICSMA corpus
/// imported from its directory; a directory with one file that is no advisory takes nothing in.
#[test]
fn the_hub_database_gets_a_coordinator_and_imports_a_directory_all_or_nothing() {
    use std::io::Write;
    let dir = scratch("hub-import");
    let db = format!("sqlite://{}", dir.join("hub.db").display());
    let _ = std::fs::remove_file(dir.join("hub.db"));
    let add = |password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mamori"))
            .args([
                "hub",
                "org-add",
                "--db",
                &db,
                "--kind",
                "coordinator",
                "--name-ja",
                "ハブ事務局",
                "--admin",
                "coord",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = add("password");
    assert!(!weak.status.success(), "a guessable password is refused");
    let out = add("a-long-enough-passphrase-7");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("coordinator"));
    assert!(!add("a-long-enough-passphrase-7").status.success(), "the same login twice");

    let bad = scratch("hub-import-bad");
    std::fs::copy(corpus("csaf/icsma/2021/icsma-21-343-01.json"), bad.join("good.json")).unwrap();
    write(&bad, "notes.json", "{\"hello\": 1}");
    let out = mamori(&["hub", "import", "--db", &db, &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("notes.json") && stderr.contains("nothing was taken in"), "{stderr}");

    let out = mamori(&["hub", "import", "--db", &db, &corpus("csaf/icsma")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("took in 136 document(s) (0 already there)"));
    // The good file of the refused directory was not taken in then; it is in the corpus now.
    let out = mamori(&["hub", "import", "--db", &db, &corpus("csaf/icsma/2021/icsma-21-343-01.json")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("took in 0 document(s) (1 already there)"));
    let out = mamori(&["hub", "import", "--db", &db, "--tlp", "PURPLE", &corpus("csaf/icsma")]);
    assert_eq!(out.status.code(), Some(2));
}
