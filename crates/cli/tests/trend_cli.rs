//! `mamori trend` as a user runs it (the statistics are tested in mamori-analysis).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_wave_against_itself_is_a_full_panel_with_no_change() {
    let form = root().join("questionnaires/mdcs-manufacturer-2024.xlsx");
    let responses = root().join("fixtures/mdcs-2024-441.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .arg("trend")
        .arg("--form")
        .arg(&form)
        .arg("--responses")
        .arg(&responses)
        .arg("--previous-form")
        .arg(&form)
        .arg("--previous-responses")
        .arg(&responses)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["panel_n"], 441);
    assert_eq!(v["findings"], serde_json::json!([]), "no change, nothing to say");
    let items = v["items"].as_array().unwrap();
    assert!(items.len() > 20, "every select_one and each choice of the select_multiple");
    for item in items {
        assert_eq!(item["panel"]["method"], "no_change", "{}", item["name"]);
        assert!(item.get("test").is_none(), "no one answered one wave only: {}", item["name"]);
        for (choice, change) in item["change"].as_object().unwrap() {
            assert_eq!(change["points"], 0.0, "{} {choice}", item["name"]);
        }
    }
    let numbers = v["numbers"].as_array().unwrap();
    assert_eq!(numbers.len(), 2, "products_total and products_done");
    assert!(numbers.iter().all(|n| n["panel"]["method"] == "no_change" && n["change_mean"] == 0.0));
    assert_eq!(v["score"]["panel"]["unchanged"], 441);
    let sbom = items.iter().find(|i| i["name"] == "sbom_current").unwrap();
    assert_eq!(sbom["waves"]["previous"]["counts"], sbom["waves"]["current"]["counts"]);
    // By the report sheet's segment (licence class) unless --by says otherwise.
    let by_licence = sbom["by"]["license_type"].as_object().unwrap();
    let n: u64 = by_licence.values().map(|s| s["waves"]["current"]["n"].as_u64().unwrap()).sum();
    assert_eq!(n, sbom["waves"]["current"]["n"].as_u64().unwrap(), "the segments partition the wave");
}
