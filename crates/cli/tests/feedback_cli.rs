//! `mamori feedback` on the 2024 fixture: no gaps for a company with every best answer, the gap
//! plan's order, peer figures withheld for small segments in every format, and no other
//! company's name in any of them.

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

fn feedback(responses: &str, extra: &[&str], format: &str) -> Vec<u8> {
    let mut args = vec!["feedback", "--form", FORM, "--responses", responses, "--format", format];
    args.extend_from_slice(extra);
    let out = mamori(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn json(responses: &str, extra: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&feedback(responses, extra, "json")).unwrap()
}

fn fixture_rows() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn header() -> Vec<String> {
    let text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    csv::Reader::from_reader(text.as_bytes()).headers().unwrap().iter().map(str::to_string).collect()
}

fn pdf_text(bytes: &[u8], name: &str) -> String {
    let dir = root().join("target/test-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext").args([path.to_str().unwrap(), "-"]).output().expect("pdftotext is installed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_company_with_every_best_answer_gets_no_gaps() {
    let header = header();
    let mut rows = fixture_rows();
    let mut best = rows[0].clone();
    let set = |row: &mut Vec<String>, name: &str, value: &str| {
        let c = header.iter().position(|h| h == name).unwrap();
        row[c] = value.to_string();
    };
    set(&mut best, "_id", "best-company");
    set(&mut best, "org_name", "満点医療機器株式会社");
    for q in [
        "proc_docs",
        "info_eval",
        "competence",
        "process_check",
        "sbom_current",
        "sbom_legacy",
        "pm_process",
        "vuln_intake",
        "defect_report",
        "policy",
        "policy_disclosure",
        "psirt",
        "advisory",
    ] {
        set(&mut best, q, "done");
    }
    for q in ["wide_vuln_info", "incident_info", "maint_contract"] {
        set(&mut best, q, "yes");
    }
    set(&mut best, "network_diagram", "known");
    rows.push(best);
    let dir = std::env::temp_dir().join(format!("mamori-fb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("with-best.csv");
    let mut writer = csv::Writer::from_path(&file).unwrap();
    writer.write_record(&header).unwrap();
    for r in &rows {
        writer.write_record(r).unwrap();
    }
    writer.flush().unwrap();
    let f = json(file.to_str().unwrap(), &["--id", "best-company"]);
    assert_eq!(f["gaps"].as_array().unwrap().len(), 0);
    assert_eq!(f["overall"]["score"], 1.0);
    assert!(f["overall"]["percentile"].as_f64().unwrap() > 95.0);
    let html = String::from_utf8(feedback(file.to_str().unwrap(), &["--id", "best-company"], "html")).unwrap();
    assert!(html.contains("すべての項目で最良の回答でした"));
}

#[test]
fn a_lagging_third_class_company_gets_its_gaps_in_the_defined_order() {
    let header = header();
    let rows = fixture_rows();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let scored = [
        "proc_docs",
        "info_eval",
        "competence",
        "process_check",
        "sbom_current",
        "sbom_legacy",
        "pm_process",
        "vuln_intake",
        "defect_report",
        "policy",
        "policy_disclosure",
        "psirt",
        "advisory",
    ];
    // A third-class holder with several items not started.
    let (index, row) = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r[col("license_type")] == "mah3")
        .max_by_key(|(_, r)| scored.iter().filter(|q| r[col(q)] == "none").count())
        .unwrap();
    assert!(scored.iter().filter(|q| row[col(q)] == "none").count() >= 3);
    let n = (index + 1).to_string();
    let f = json(FIXTURE, &["--row", &n]);
    assert_eq!(f["segment"]["value"], "mah3");
    assert_eq!(f["gap_basis"], "segment");
    // Expected, computed here from the file: for each item below the best answer, the share of
    // the other third-class holders whose answer scores higher.
    let score = |q: &str, v: &str| -> Option<f64> {
        match (q, v) {
            (_, "done") | (_, "yes") | (_, "known") => Some(1.0),
            (_, "prep") | (_, "blocked") => Some(0.5),
            (_, "none") | (_, "no") | (_, "unknown") => Some(0.0),
            _ => None,
        }
    };
    let items = [
        "proc_docs",
        "info_eval",
        "competence",
        "process_check",
        "sbom_current",
        "sbom_legacy",
        "pm_process",
        "vuln_intake",
        "wide_vuln_info",
        "incident_info",
        "defect_report",
        "policy",
        "policy_disclosure",
        "psirt",
        "advisory",
        "network_diagram",
        "maint_contract",
    ];
    let peers: Vec<&Vec<String>> = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| *i != index && r[col("license_type")] == "mah3")
        .map(|(_, r)| r)
        .collect();
    let mut expected: Vec<(String, f64)> = items
        .iter()
        .filter_map(|q| {
            let own = score(q, &row[col(q)])?;
            (own < 1.0).then(|| {
                let scored: Vec<f64> = peers.iter().filter_map(|p| score(q, &p[col(q)])).collect();
                let better = scored.iter().filter(|&&s| s > own).count() as f64 / scored.len() as f64 * 100.0;
                (q.to_string(), (better * 10.0).round() / 10.0)
            })
        })
        .collect();
    expected.sort_by(|a, b| b.1.total_cmp(&a.1)); // stable: ties keep the form's order (no weights in this form)
    let got: Vec<(String, f64)> = f["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["name"].as_str().unwrap().to_string(), g["peers_better"].as_f64().unwrap()))
        .collect();
    assert_eq!(got, expected);
    let first = &f["gaps"][0];
    assert!(first["reference"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(first["guidance"].as_str().is_some_and(|g| g.contains("まず")), "guidance gives a first step");
}

#[test]
fn a_segment_below_k_shows_no_peer_figures_in_any_format() {
    let header = header();
    let rows = fixture_rows();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let index = rows.iter().position(|r| r[col("license_type")] == "mfr").unwrap(); // 26 respondents
    let n = (index + 1).to_string();
    let args = ["--row", n.as_str(), "--min-peers", "30"];
    let f = json(FIXTURE, &args);
    let segment = &f["overall"]["segment"];
    assert_eq!(segment["peer_n"], 25);
    for key in ["percentile", "peer_median", "peer_q1", "peer_q3"] {
        assert_eq!(segment[key], serde_json::Value::Null, "{key}");
        for (_, group) in f["groups"].as_object().unwrap() {
            assert_eq!(group["segment"][key], serde_json::Value::Null);
        }
    }
    let reason = segment["withheld"].as_str().unwrap();
    assert!(reason.contains("25件") && reason.contains("30件未満"), "{reason}");
    assert_eq!(f["gap_basis"], "all", "gaps are ranked against all respondents instead");
    assert!(f["overall"]["peer_median"].is_number(), "all respondents (440) are enough");
    let html = String::from_utf8(feedback(FIXTURE, &args, "html")).unwrap();
    assert!(html.contains(reason));
    let pdf = pdf_text(&feedback(FIXTURE, &args, "pdf"), "feedback-small-segment.pdf");
    assert!(pdf.contains("30件未満"), "{pdf}");
}

#[test]
fn no_feedback_shows_another_companys_name() {
    let header = header();
    let rows = fixture_rows();
    let org = header.iter().position(|h| h == "org_name").unwrap();
    let own = rows[4][org].clone();
    let others: Vec<&String> = rows.iter().map(|r| &r[org]).filter(|name| **name != own).collect();
    let outputs = [
        String::from_utf8(feedback(FIXTURE, &["--row", "5"], "json")).unwrap(),
        String::from_utf8(feedback(FIXTURE, &["--row", "5"], "html")).unwrap(),
        pdf_text(&feedback(FIXTURE, &["--row", "5"], "pdf"), "feedback-row-5.pdf"),
        String::from_utf8(feedback(FIXTURE, &["--row", "5", "--lang", "en"], "html")).unwrap(),
    ];
    for output in &outputs {
        for name in &others {
            assert!(!output.contains(name.as_str()), "{name} appears in another company's feedback");
        }
    }
    assert!(outputs[2].contains("優先して取り組むこと"), "the PDF carries Japanese text");
}
