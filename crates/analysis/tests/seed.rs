//! The 2024 survey reproduced: the committed 441-response fixture
//! (`fixtures/mdcs-2024-441.csv`, made by `mamori demo-data` from
//! `questionnaires/mdcs-manufacturer-2024.demo-targets.csv`) gives every figure published in
//! `../shared/seed/summary-en.md`, read from the report's JSON.

use mamori_analysis::{Options, analyse};
use mamori_dataset::{ReadOptions, read_responses};
use serde_json::Value;
use std::path::Path;

fn report() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let form = mamori_form::read_file(&root.join("questionnaires/mdcs-manufacturer-2024.xlsx")).form.unwrap();
    let bytes = std::fs::read(root.join("fixtures/mdcs-2024-441.csv")).unwrap();
    let loaded = read_responses(&form, "mdcs-2024-441.csv", &bytes, &ReadOptions::default()).unwrap();
    let analysis = analyse(&form, &loaded.responses, &Options::for_form(&form)).unwrap();
    serde_json::to_value(&analysis).unwrap()
}

fn item<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["items"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("no item {name}"))
}

/// A share as the report prints it: whole percent, halves rounded up, from the JSON's counts.
fn pct(count: &Value, n: &Value) -> i64 {
    (count.as_f64().unwrap() / n.as_f64().unwrap() * 100.0 + 0.5).floor() as i64
}

#[track_caller]
fn shares(report: &Value, name: &str, expected: &[(&str, i64)]) {
    let it = item(report, name);
    for (choice, published) in expected {
        assert_eq!(pct(&it["counts"][choice], &it["n"]), *published, "{name} {choice}");
    }
}

#[test]
fn every_published_figure_is_reproduced() {
    let r = report();
    assert_eq!(r["n"], 441);
    shares(&r, "license_type", &[("mah1", 52), ("mah2", 24), ("mah3", 12), ("mfr", 6)]);

    // Origin, licence holders only: domestic manufacture only 43% and the most common.
    let origin = item(&r, "supply_origin");
    shares(&r, "supply_origin", &[("domestic", 43)]);
    let counts = origin["counts"].as_object().unwrap();
    assert!(counts.values().all(|c| c.as_u64() <= origin["counts"]["domestic"].as_u64()));
    let by = &origin["by"]["license_type"];
    assert_eq!(pct(&by["mah2"]["counts"]["domestic"], &by["mah2"]["n"]), 71);
    assert_eq!(pct(&by["mah1"]["counts"]["import"], &by["mah1"]["n"]), 33);

    // 48% of the devices needing measures have them.
    let ratio = r["indicators"].as_array().unwrap().iter().find(|i| i["name"] == "products_done_share").unwrap();
    assert_eq!(pct(&ratio["numerator"], &ratio["denominator"]), 48);

    shares(&r, "proc_docs", &[("done", 74), ("prep", 23)]);
    shares(&r, "info_eval", &[("done", 56), ("prep", 39)]);
    shares(&r, "competence", &[("done", 49), ("prep", 36)]);
    shares(&r, "process_check", &[("done", 58), ("prep", 29), ("none", 13)]);

    // SBOM: "done or in preparation" from the share indicator; for maintained products the
    // report's 62% is the sum of two rounded shares (summary-en.md says so).
    let started = r["indicators"].as_array().unwrap().iter().find(|i| i["name"] == "sbom_current_started").unwrap();
    assert_eq!(pct(&started["numerator"], &started["denominator"]), 90);
    shares(&r, "sbom_current", &[("none", 9)]);
    let legacy = item(&r, "sbom_legacy");
    assert_eq!(pct(&legacy["counts"]["done"], &legacy["n"]) + pct(&legacy["counts"]["prep"], &legacy["n"]), 62);
    shares(&r, "sbom_legacy", &[("none", 39)]);

    shares(&r, "pm_process", &[("done", 63), ("prep", 30)]);
    shares(&r, "vuln_intake", &[("done", 67)]);
    let wide = item(&r, "wide_vuln_info");
    assert!(wide["counts"]["no"].as_f64().unwrap() / wide["n"].as_f64().unwrap() > 0.5, "more than half do not");
    shares(&r, "incident_info", &[("no", 43)]);
    shares(&r, "policy", &[("done", 59), ("prep", 25), ("none", 16)]);
    shares(&r, "policy_disclosure", &[("done", 44), ("prep", 33), ("none", 24)]);
    shares(&r, "psirt", &[("done", 40), ("prep", 28), ("none", 33)]);
    shares(&r, "advisory", &[("done", 26), ("prep", 30), ("none", 44)]);
    shares(&r, "user_inquiry", &[("no", 72)]);
    shares(&r, "network_diagram", &[("blocked", 23), ("unknown", 53)]);
    shares(&r, "maint_contract", &[("yes", 17), ("no", 83)]);

    // Challenges, as shares of all mentions.
    let challenges = item(&r, "challenges");
    for (choice, published) in [("experts", 28), ("education", 21), ("cost", 19), ("riskmgmt", 14), ("hospital", 18)] {
        assert_eq!(pct(&challenges["counts"][choice], &challenges["mentions"]), published, "challenges {choice}");
        assert_eq!(challenges["mention_share"][choice].as_f64().unwrap().round() as i64, published);
    }
}

#[test]
fn third_class_holders_lag_where_the_report_says_d4() {
    let r = report();
    let mut lagging: Vec<&str> = r["lagging"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["segment_question"] == "license_type" && l["segment"] == "mah3")
        .inspect(|l| assert!(l["p_holm"].as_f64().unwrap() < 0.05 && l["share"].as_f64() < l["share_rest"].as_f64()))
        .map(|l| l["item"].as_str().unwrap())
        .collect();
    lagging.sort();
    assert_eq!(lagging, ["competence", "defect_report", "info_eval", "proc_docs", "vuln_intake"]);
    let findings = r["findings"].as_array().unwrap();
    assert!(findings[0].as_str().unwrap().starts_with(
        "第三種医療機器製造販売業許可取得者は「サイバーセキュリティ対策に関連する社内体制に関する手順書の整備」"
    ));
}

#[test]
fn free_text_is_coded_by_keywords_and_manual_codes_override_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let form = mamori_form::read_file(&root.join("questionnaires/mdcs-manufacturer-2024.xlsx")).form.unwrap();
    let bytes = std::fs::read(root.join("fixtures/mdcs-2024-441.csv")).unwrap();
    let responses = read_responses(&form, "f.csv", &bytes, &ReadOptions::default()).unwrap().responses;
    let q = form.questions.iter().position(|q| q.name == "challenges_text").unwrap();
    let coded = |options: &Options| {
        let analysis = analyse(&form, &responses, options).unwrap();
        let item = analysis.items.into_iter().find(|i| i.name == "challenges_text").unwrap();
        (item.n.unwrap(), item.coded)
    };
    // Keyword coding, counted independently here: a response falls in each category one of
    // whose keywords it contains.
    let (n, by_keywords) = coded(&Options::for_form(&form));
    let texts: Vec<String> =
        (0..responses.len()).map(|i| responses.answer(&form, q, i).into_owned()).filter(|t| !t.is_empty()).collect();
    assert_eq!(n as usize, texts.len());
    for row in form.codebook.iter().filter(|r| r.question == "challenges_text") {
        let expected = texts.iter().filter(|t| row.keywords.iter().any(|k| t.contains(k.as_str()))).count() as u64;
        assert_eq!(by_keywords.get(&row.category).copied().flatten(), Some(expected), "{}", row.category);
    }
    // A manual code replaces the keywords for that one answer.
    let first = (0..responses.len()).find(|&i| responses.answer(&form, q, i).contains("専門人材")).unwrap();
    let mut options = Options::for_form(&form);
    options.manual_codes = vec![mamori_analysis::ManualCode {
        response: first,
        question: "challenges_text".into(),
        categories: vec!["overseas".into()],
    }];
    let (_, manual) = coded(&options);
    let get = |o: &mamori_analysis::Ordered<Option<u64>>, k: &str| o.get(k).copied().flatten().unwrap();
    assert_eq!(get(&manual, "experts"), get(&by_keywords, "experts") - 1);
    assert_eq!(get(&manual, "overseas"), get(&by_keywords, "overseas") + 1);
}
