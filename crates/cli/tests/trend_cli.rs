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
    // The ratio-of-sums indicator (devices with measures in place ÷ devices) and the share one.
    let ratio = &v["ratios"][0];
    assert_eq!(ratio["name"], "products_done_share");
    assert_eq!(ratio["change"], 0.0);
    assert_eq!(ratio["waves"]["previous"]["numerator"], ratio["waves"]["current"]["numerator"]);
    assert_eq!(ratio["per_organisation"]["panel"]["method"], "no_change");
    assert_eq!(v["indicators"][0]["name"], "sbom_current_started");
    let sbom = items.iter().find(|i| i["name"] == "sbom_current").unwrap();
    assert_eq!(sbom["waves"]["previous"]["counts"], sbom["waves"]["current"]["counts"]);
    // By the report sheet's segment (licence class) unless --by says otherwise.
    let by_licence = sbom["by"]["license_type"].as_object().unwrap();
    let n: u64 = by_licence.values().map(|s| s["waves"]["current"]["n"].as_u64().unwrap()).sum();
    assert_eq!(n, sbom["waves"]["current"]["n"].as_u64().unwrap(), "the segments partition the wave");
}

/// Two waves of a small questionnaire with known effects: `sbom` renamed `sbom_products`,
/// the `plan` list recoded (old `soon` and `later` merged into `planned`), `old_only` dropped,
/// `new_only` added. Wave 1: o1–o30; wave 2: o1–o20 (the panel, two thirds) and n1–n10.
struct TwoWaves {
    dir: PathBuf,
}

const OLD_FORM: &str = "| survey |
| | type | name | label |
| | select_one size | size | 規模 |
| | select_one status | sbom | SBOMの作成 |
| | select_one plan | plan | 計画 |
| | text | old_only | 旧設問 |
| choices |
| | list_name | name | label | score |
| | size | big | 大 | |
| | size | small | 小 | |
| | status | done | 完了 | 1 |
| | status | prep | 準備中 | 0.5 |
| | status | none | 未着手 | 0 |
| | plan | now | 実施中 | |
| | plan | soon | 1年以内 | |
| | plan | later | 将来 | |
| settings |
| | form_id | version | title |
| | waves | 2023 | 準備状況調査 |
";

const NEW_FORM: &str = "| survey |
| | type | name | label | previous_name |
| | select_one size | size | 規模 | |
| | select_one status | sbom_products | 製品の<b>SBOM</b>作成 | sbom |
| | select_one plan | plan | 計画 | |
| | text | new_only | 新設問 | |
| choices |
| | list_name | name | label | score | previous |
| | size | big | 大 | | |
| | size | small | 小 | | |
| | status | done | 完了 | 1 | |
| | status | prep | 準備中 | 0.5 | |
| | status | none | 未着手 | 0 | |
| | plan | now | 実施中 | | |
| | plan | planned | 予定あり | | soon later |
| settings |
| | form_id | version | title |
| | waves | 2024 | 準備状況調査 |
| report |
| | kind | name | question | choices | label |
| | share | sbom_started | sbom_products | done prep | 製品SBOMの作成（完了＋準備中） |
";

impl TwoWaves {
    fn new(name: &str) -> TwoWaves {
        let dir = std::env::temp_dir().join(format!("mamori-trend-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("old.md"), OLD_FORM).unwrap();
        std::fs::write(dir.join("new.md"), NEW_FORM).unwrap();
        // Wave 1: o1–o10 done, o11–o30 none; plan: o1–o10 now, o11–o20 soon, o21–o30 later.
        let mut old = String::from("_id,_corp,size,sbom,plan,old_only\n");
        for i in 1..=30 {
            let size = if i <= 15 { "big" } else { "small" };
            let sbom = if i <= 10 { "done" } else { "none" };
            let plan = match i {
                1..=10 => "now",
                11..=20 => "soon",
                _ => "later",
            };
            old.push_str(&format!("o{i},C{i},{size},{sbom},{plan},x\n"));
        }
        // Wave 2: the panel o1–o20 all done and now; n1–n10 none and planned.
        let mut new = String::from("_id,_corp,size,sbom_products,plan,new_only\n");
        for i in 1..=20 {
            new.push_str(&format!("o{i},C{i},{},done,now,y\n", if i <= 15 { "big" } else { "small" }));
        }
        for i in 1..=10 {
            new.push_str(&format!("n{i},D{i},small,none,planned,y\n"));
        }
        std::fs::write(dir.join("old.csv"), old).unwrap();
        std::fs::write(dir.join("new.csv"), new).unwrap();
        TwoWaves { dir }
    }

    fn run(&self, extra: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_mamori"))
            .arg("trend")
            .arg("--form")
            .arg(self.dir.join("new.md"))
            .arg("--responses")
            .arg(self.dir.join("new.csv"))
            .arg("--previous-form")
            .arg(self.dir.join("old.md"))
            .arg("--previous-responses")
            .arg(self.dir.join("old.csv"))
            .args(extra)
            .output()
            .unwrap()
    }
}

impl Drop for TwoWaves {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_renamed_item_and_a_recoded_list_compare_in_every_format() {
    let waves = TwoWaves::new("formats");
    let out = waves.run(&["--by", "size"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["panel_n"], 20);
    assert_eq!(v["only_in"]["previous"], serde_json::json!(["old_only"]));
    assert_eq!(v["only_in"]["current"], serde_json::json!(["new_only"]));
    let items = v["items"].as_array().unwrap();
    let sbom = items.iter().find(|i| i["name"] == "sbom_products").unwrap();
    assert_eq!(sbom["previous_name"], "sbom");
    assert_eq!(sbom["waves"]["previous"]["counts"], serde_json::json!({"done": 10, "prep": 0, "none": 20}));
    assert_eq!(sbom["waves"]["current"]["counts"], serde_json::json!({"done": 20, "prep": 0, "none": 10}));
    // Old soon (10) and later (10) are counted as the new planned (20).
    let plan = items.iter().find(|i| i["name"] == "plan").unwrap();
    assert_eq!(plan["waves"]["previous"]["counts"], serde_json::json!({"now": 10, "planned": 20}));
    assert_eq!(plan["waves"]["current"]["counts"], serde_json::json!({"now": 20, "planned": 10}));
    // Panel o1–o20: o11–o20 moved none → done, o1–o10 stayed done.
    assert_eq!(sbom["panel"]["improved"], 10);
    assert_eq!(sbom["panel"]["unchanged"], 10);
    assert_eq!(sbom["panel"]["method"], "mcnemar_exact");
    assert!((sbom["change"]["done"]["points"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    // The report sheet's share indicator: done or in preparation, 10/30 → 20/30; the panel's
    // o11–o20 moved into it (McNemar exact: 2 × 0.5¹⁰ = 0.00195), nobody out of it.
    let started = &v["indicators"][0];
    assert_eq!(started["name"], "sbom_started");
    assert_eq!(started["waves"]["previous"]["counts"], serde_json::json!({"chosen": 10, "not_chosen": 20}));
    assert_eq!(started["waves"]["current"]["counts"], serde_json::json!({"chosen": 20, "not_chosen": 10}));
    assert_eq!((started["panel"]["improved"].as_u64(), started["panel"]["worse"].as_u64()), (Some(10), Some(0)));
    assert!((started["panel"]["p"].as_f64().unwrap() - 2.0 * 0.5f64.powi(10)).abs() < 1e-12);
    // In words once, by the indicator's own label (the item it counts is not said again).
    assert_eq!(
        v["findings"],
        serde_json::json!([
            "製品SBOMの作成（完了＋準備中）は前回33.3%から66.7%に増加（+33.3ポイント、両年度回答の20社で改善10・悪化0、p = 0.002）"
        ])
    );

    let html_path = waves.dir.join("trend.html");
    let out = waves.run(&["--by", "size", "--format", "html", "-o", html_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("前回調査との比較"), "the page is Japanese by default");
    assert!(html.contains("製品の&lt;b&gt;SBOM&lt;&#x2f;b&gt;作成"), "a label is text, never markup");
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(html.contains("▲ +33.3"), "the rise of done, marked");
    assert!(html.contains("▼ −33.3"), "the fall of none, marked");
    assert!(html.contains("<circle"), "the dumbbell chart");
    assert!(html.contains("前回の設問: sbom"));
    assert!(html.contains("区分別: 規模"), "the segment table");
    assert!(html.contains("<h2>指標</h2>") && html.contains("製品SBOMの作成（完了＋準備中）"), "the indicators");
    assert!(html.contains("　規模: 大"), "the readiness score by segment");

    let xlsx_path = waves.dir.join("trend.xlsx");
    let out = waves.run(&["--format", "xlsx", "--lang", "en", "-o", xlsx_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    use calamine::{DataType, Reader, open_workbook_auto};
    let mut book = open_workbook_auto(&xlsx_path).unwrap();
    let sheet = book.worksheet_range("Choices").unwrap();
    let row =
        sheet.rows().find(|r| r[1] == "plan" && r[5] == "予定あり" && r[4] == "All").expect("plan / planned overall");
    assert_eq!((row[7].as_f64(), row[10].as_f64()), (Some(20.0), Some(10.0)), "counts are numbers");
    assert!((row[12].as_f64().unwrap() + 100.0 / 3.0).abs() < 1e-9, "change in points: {:?}", row[12]);

    let pdf_path = waves.dir.join("trend.pdf");
    let out = waves.run(&["--format", "pdf", "-o", pdf_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text =
        Command::new("pdftotext").args([pdf_path.to_str().unwrap(), "-"]).output().expect("pdftotext is installed");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("前回調査との比較"), "{text}");
    assert!(text.contains("予定あり"), "{text}");
}

#[test]
fn publishing_withholds_small_counts_of_either_wave() {
    let waves = TwoWaves::new("publish");
    // min-cell 11: wave 1's done (10) and wave 2's none (10) are withheld with their
    // complements; the panel's moves (10 improved, 10 unchanged) too.
    let out = waves.run(&["--publish", "--min-cell", "11", "--by", "size"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["published"], true);
    let sbom = v["items"].as_array().unwrap().iter().find(|i| i["name"] == "sbom_products").unwrap();
    assert_eq!(
        sbom["waves"]["previous"]["withheld"],
        serde_json::json!(["done", "none"]),
        "10 is small; 20 its complement"
    );
    assert!(sbom["change"].get("done").is_none());
    assert!(sbom["panel"].get("improved").is_none());
    assert!(sbom.get("by").is_none(), "big has 15 then 15 but done 10; small is small: {}", sbom["by"]);
    // Below 3 is refused: one company's answer could be read off.
    let out = waves.run(&["--publish", "--min-cell", "2"]);
    assert!(!out.status.success());
}

#[test]
fn waves_match_by_a_chosen_id_column_and_refuse_a_repeated_id() {
    let waves = TwoWaves::new("ids");
    // The _corp column pairs o1–o20 (C1–C20) as _id does.
    let out = waves.run(&["--id-column", "_corp"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["panel_n"], 20);
    let out = waves.run(&["--id-column", "houjin_bangou"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no column 'houjin_bangou' (--id-column)"), "{err}");
    // A repeated organisation in the current wave: refused with both rows.
    let csv = std::fs::read_to_string(waves.dir.join("new.csv")).unwrap();
    std::fs::write(waves.dir.join("new.csv"), csv.replace("n3,D3", "o7,D3")).unwrap();
    let out = waves.run(&[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rows 8 and 24 have the same _id 'o7'"), "{err}");
    // The rows are the file's: a blank line (which the reader passes over) still counts.
    let csv = std::fs::read_to_string(waves.dir.join("new.csv")).unwrap();
    let mut lines: Vec<&str> = csv.lines().collect();
    lines.insert(10, "");
    std::fs::write(waves.dir.join("new.csv"), lines.join("\n") + "\n").unwrap();
    let out = waves.run(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rows 8 and 25 have the same _id 'o7'"), "{err}");
}
