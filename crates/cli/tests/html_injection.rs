//! Labels, titles, references and guidance come from whoever wrote the questionnaire; none of it
//! may become markup in the report or the feedback document, and a saved document carries its
//! own Content-Security-Policy (issue 12, class 8).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const PAYLOAD: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&";

/// The shipped questionnaire with the payload added to every text cell a person reads:
/// labels, hints, guidance, references, the title, and the labels of every choice and report row.
fn hostile_form(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("questionnaires/mdcs-manufacturer-2024.md")).unwrap();
    let mut out = String::new();
    let mut text_columns: Vec<usize> = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').collect();
        if cells.len() < 3 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let is_header = cells.iter().any(|c| c.trim() == "name" || c.trim() == "form_title" || c.trim() == "kind");
        if is_header {
            text_columns = cells
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    let c = c.trim();
                    c.starts_with("label")
                        || c.starts_with("guidance")
                        || c.starts_with("hint")
                        || c == "reference"
                        || c == "form_title"
                })
                .map(|(i, _)| i)
                .collect();
            out.push_str(line);
        } else {
            let changed: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if text_columns.contains(&i) && !c.trim().is_empty() {
                        format!("{}{PAYLOAD}", c.trim_end())
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            out.push_str(&changed.join("|"));
        }
        out.push('\n');
    }
    let path = dir.join("hostile.md");
    std::fs::write(&path, out).unwrap();
    path
}

fn run(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_mamori")).args(args).current_dir(root()).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
fn no_label_becomes_markup_and_saved_documents_carry_their_policy() {
    let dir = root().join("target/test-artefacts/html-injection");
    std::fs::create_dir_all(&dir).unwrap();
    let form = hostile_form(&dir);
    let form = form.to_str().unwrap();
    let fixture = "fixtures/mdcs-2024-441.csv";
    let mut documents = Vec::new();
    for lang in ["ja", "en"] {
        documents.push(run(&["report", "--form", form, "--responses", fixture, "--format", "html", "--lang", lang]));
        for extra in [&["--publish"][..], &[]] {
            let mut args = vec!["report", "--form", form, "--responses", fixture, "--format", "html", "--lang", lang];
            args.extend_from_slice(extra);
            documents.push(run(&args));
        }
        for row in ["1", "7", "200"] {
            documents.push(run(&[
                "feedback",
                "--form",
                form,
                "--responses",
                fixture,
                "--row",
                row,
                "--format",
                "html",
                "--lang",
                lang,
            ]));
        }
    }
    for (i, doc) in documents.iter().enumerate() {
        let html = String::from_utf8(doc.clone()).unwrap();
        // (the template engine also escapes `/`, as `&#x2f;`)
        assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "document {i}: the payload is shown as text");
        for raw in ["<script", "<img", "onerror=alert(2)>"] {
            assert!(!html.contains(raw), "document {i} holds {raw:?} as markup");
        }
        let head = &html[..html.find("</head>").unwrap()];
        assert!(
            head.contains("http-equiv=\"Content-Security-Policy\"") && head.contains("default-src 'none'"),
            "document {i}: a saved copy carries its own policy"
        );
        assert!(!head.contains("script-src"), "no script allowed");
    }
}
