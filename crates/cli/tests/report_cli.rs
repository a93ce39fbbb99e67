//! `mamori report` and `mamori demo-data` end to end on the 2024 fixture: snapshots of the JSON
//! and HTML, the XLSX read back by calamine, the PDF read by poppler's pdftotext, the HTML
//! rendered by headless Chromium, disclosure control in every format, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mamori(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mamori")).args(args).current_dir(root()).output().expect("mamori runs")
}

const FORM: &str = "questionnaires/mdcs-manufacturer-2024.xlsx";
const FIXTURE: &str = "fixtures/mdcs-2024-441.csv";

fn report(format: &str, extra: &[&str]) -> Vec<u8> {
    let mut args = vec!["report", "--form", FORM, "--responses", FIXTURE, "--format", format];
    args.extend_from_slice(extra);
    let out = mamori(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Where a test leaves files for a person to look at.
fn artefact(name: &str) -> PathBuf {
    let dir = root().join("target/test-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn json_report_of_the_fixture() {
    let json = String::from_utf8(report("json", &[])).unwrap();
    insta::assert_snapshot!("report_2024_json", json);
}

#[test]
fn html_report_of_the_fixture() {
    let html = String::from_utf8(report("html", &[])).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
    assert!(!html.contains("<script"), "the page works without JavaScript");
    assert_eq!(html.matches("<svg").count(), 21, "a chart per choice question: 20 select_one, 1 select_multiple");
    insta::assert_snapshot!("report_2024_html", html);
}

#[test]
fn english_report_uses_the_forms_english_labels() {
    let html = String::from_utf8(report("html", &["--lang", "en"])).unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains(
        "“Third-class marketing authorisation holder” lags behind all other respondents on “Written procedures"
    ));
}

#[test]
fn the_html_page_renders_in_chromium() {
    let page = artefact("report-2024.html");
    std::fs::write(&page, report("html", &[])).unwrap();
    let shot = artefact("report-2024.png");
    let _ = std::fs::remove_file(&shot);
    let profile = tempdir("chromium-profile");
    let status = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--screenshot={}", shot.display()),
            "--window-size=1000,3000",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium is installed (.ci/run installs Debian's chromium)");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    // A blank page compresses to a few kilobytes; charts, tables and Japanese text do not.
    assert!(png.len() > 100_000, "screenshot is {} bytes", png.len());
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mamori-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn xlsx_report_reads_back_with_numbers_as_numbers() {
    use calamine::{Data, Reader};
    let bytes = report("xlsx", &[]);
    std::fs::write(artefact("report-2024.xlsx"), &bytes).unwrap();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names().to_vec();
    for expected in
        ["概要", "回答者の内訳", "指標", "遅れている区分", "検定", "社内体制", "課題", "数値項目", "自由記述"]
    {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    let sheet = book.worksheet_range("社内体制").unwrap();
    let row: Vec<&Data> = sheet.rows().nth(1).unwrap().iter().collect();
    assert_eq!(row[0], &Data::String("proc_docs".into()));
    assert_eq!(row[3], &Data::Float(441.0));
    assert_eq!(row[5], &Data::Float(326.0));
    match row[6] {
        Data::Float(share) => assert!((share - 0.739).abs() < 1e-9),
        other => panic!("share is {other:?}"),
    }
}

#[test]
fn pdf_report_has_japanese_text_and_embedded_font() {
    let bytes = report("pdf", &[]);
    assert!(bytes.starts_with(b"%PDF-1.7"));
    let path = artefact("report-2024.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let text = Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("令和6年度 医療機器のサイバーセキュリティ対策の対応状況アンケート"));
    assert!(text.contains("第三種医療機器製造販売業許可取得者"));
    let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    assert!(fonts.contains("MAMORI+IPAexGothic") && fonts.contains("CID TrueType"), "{fonts}");
}

#[test]
fn published_reports_withhold_small_cells_and_never_name_a_company() {
    let companies: Vec<String> = std::fs::read_to_string(root().join(FIXTURE))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    let args = ["--publish", "--min-cell", "30"];
    let json: serde_json::Value = serde_json::from_slice(&report("json", &args)).unwrap();
    assert_eq!(json["published"], true);
    // mfr (26) and other (27) are smaller than 30 respondents: withheld everywhere.
    assert_eq!(json["segments"]["license_type"]["mfr"], serde_json::Value::Null);
    assert_eq!(json["segments"]["license_type"]["mah3"], 53);
    let proc_docs = json["items"].as_array().unwrap().iter().find(|i| i["name"] == "proc_docs").unwrap();
    assert_eq!(proc_docs["by"]["license_type"]["other"]["n"], serde_json::Value::Null);
    assert_eq!(proc_docs["counts"]["none"], serde_json::Value::Null, "14 < 30 is withheld");
    // …and so is the next smallest, or it could be worked out from n (complementary suppression).
    assert_eq!(proc_docs["counts"]["prep"], serde_json::Value::Null);
    assert_eq!(proc_docs["counts"]["done"], 326);
    let products = json["items"].as_array().unwrap().iter().find(|i| i["name"] == "products_total").unwrap();
    assert!(products["stats"].get("max").is_none(), "extremes are withheld");
    let text_outputs = [String::from_utf8(report("html", &args)).unwrap(), json.to_string()];
    let pdf_path = artefact("report-2024-published.pdf");
    std::fs::write(&pdf_path, report("pdf", &args)).unwrap();
    let pdf_text =
        String::from_utf8(Command::new("pdftotext").args([pdf_path.to_str().unwrap(), "-"]).output().unwrap().stdout)
            .unwrap();
    for output in text_outputs.iter().chain(std::iter::once(&pdf_text)) {
        for company in &companies {
            assert!(!output.contains(company.as_str()), "{company} appears in a published report");
        }
    }
    // Without --publish the analyst sees every count.
    let json: serde_json::Value = serde_json::from_slice(&report("json", &[])).unwrap();
    assert_eq!(json["segments"]["license_type"]["mfr"], 26);
}

#[test]
fn demo_data_with_the_same_seed_reproduces_the_fixture() {
    let out = mamori(&["demo-data", "--form", FORM, "--n", "441", "--seed", "2024"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fixture = std::fs::read(root().join(FIXTURE)).unwrap();
    assert!(out.stdout == fixture, "the committed fixture is `mamori demo-data --n 441 --seed 2024`");
}

#[test]
fn bad_responses_are_refused_with_every_problem_located() {
    let dir = tempdir("bad-responses");
    let file = dir.join("bad.csv");
    let mut text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    text = text.replacen(",mah1,", ",mah9,", 1).replacen(",done,", ",finished,", 1);
    std::fs::write(&file, text).unwrap();
    let out = mamori(&["report", "--form", FORM, "--responses", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing is produced from a file with errors");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.csv:2:license_type: 'mah9': 'mah9' is not one of the choices."), "{stderr}");
    assert!(stderr.contains("2 problem(s); nothing was produced"), "{stderr}");
    let out = mamori(&["report", "--form", FORM, "--responses", file.to_str().unwrap(), "--skip-invalid"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["n"].as_u64().unwrap() < 441);
    assert!(String::from_utf8_lossy(&out.stderr).contains("left out"));
}

/// A rank question through `demo-data` and `report` in every format: the JSON's mean places
/// agree with the data's own rankings, the page, the workbook and the PDF show them.
#[test]
fn a_rank_question_is_reported_in_every_format() {
    let form = "e2e/forms/question-types.md";
    let csv = artefact("rank-demo.csv");
    let out = mamori(&["demo-data", "--form", form, "--n", "60", "--seed", "5", "-o", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The mean place of each choice, counted here from the file.
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let column = lines.next().unwrap().split(',').position(|h| h == "priorities").unwrap();
    let mut sums = std::collections::BTreeMap::<String, (f64, f64)>::new();
    for line in lines {
        for (place, name) in line.split(',').nth(column).unwrap().split(' ').enumerate() {
            let e = sums.entry(name.to_string()).or_default();
            (e.0, e.1) = (e.0 + place as f64 + 1.0, e.1 + 1.0);
        }
    }
    let run = |format: &str| {
        let out = mamori(&["report", "--form", form, "--responses", csv.to_str().unwrap(), "--format", format]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let json: serde_json::Value = serde_json::from_slice(&run("json")).unwrap();
    let item = json["items"].as_array().unwrap().iter().find(|i| i["name"] == "priorities").unwrap();
    assert_eq!(item["type"], "rank");
    for (name, (sum, n)) in &sums {
        let expected = (sum / n * 100.0).round() / 100.0;
        assert_eq!(item["mean_rank"][name].as_f64(), Some(expected), "{name}");
    }
    let firsts: u64 = item["counts"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(firsts, 60, "every respondent put one choice first");
    // A file question is reported as answered: its n is the documents attached.
    let column = text.lines().next().unwrap().split(',').position(|h| h == "policy_doc").unwrap();
    let attached = text.lines().skip(1).filter(|l| !l.split(',').nth(column).unwrap().is_empty()).count();
    assert!(attached > 0 && attached < 60, "some attached a document: {attached}");
    let doc = json["items"].as_array().unwrap().iter().find(|i| i["name"] == "policy_doc").unwrap();
    assert_eq!((doc["type"].as_str(), doc["n"].as_u64()), (Some("file"), Some(attached as u64)));
    let html = String::from_utf8(run("html")).unwrap();
    assert!(html.contains("平均順位") && html.contains("1位とした割合"), "the page's rank table");
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(run("xlsx"))).unwrap();
    let sheet = book.worksheet_range("順位").unwrap();
    let row = sheet.rows().find(|r| r.get(3) == Some(&Data::String("SBOMの整備".into()))).unwrap();
    let (sum, n) = sums["sbom"];
    assert_eq!(row[4], Data::Float((sum / n * 100.0).round() / 100.0), "the mean place as a number");
    let pdf = artefact("rank-report.pdf");
    std::fs::write(&pdf, run("pdf")).unwrap();
    let text = Command::new("pdftotext").args([pdf.to_str().unwrap(), "-"]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("平均順位"));
}
