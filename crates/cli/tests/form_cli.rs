//! The `mamori form` commands as a user runs them: exit codes, located messages, snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mamori(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mamori")).args(args).current_dir(root()).output().expect("mamori runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const FORM_2024: &str = "questionnaires/mdcs-manufacturer-2024.xlsx";

#[test]
fn show_prints_the_2024_questionnaire_as_json() {
    let out = mamori(&["form", "show", FORM_2024, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["form_id"], "mdcs_manufacturer_2024");
    assert_eq!(json["questions"].as_array().unwrap().len(), 27);
    insta::assert_snapshot!("form_show_2024", text);
}

#[test]
fn check_accepts_the_2024_questionnaire() {
    let out = mamori(&["form", "check", FORM_2024]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "questionnaires/mdcs-manufacturer-2024.xlsx: ok: form 'mdcs_manufacturer_2024' version '2024100701', 27 questions in 8 groups, languages Japanese (ja), English (en); 0 warning(s)\n"
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn check_fails_with_located_errors_on_stderr() {
    let dir = std::env::temp_dir().join(format!("mamori-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.md");
    std::fs::write(&file, "| survey |\n| | type | name | label | relevant |\n| | text | a | A | ${b} = 1 |\n| | select_one x | a | B | |\n").unwrap();
    let out = mamori(&["form", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let f = file.display();
    assert_eq!(
        stderr,
        format!(
            "{f}:survey:3:E: error: relevant refers to ${{b}} at character 1, but no question is named 'b'; correct the name or add the question\n\
             {f}:survey:4:B: error: choice list 'x' is not in the choices sheet; add its choices there with list_name 'x', or correct the name\n\
             {f}:survey:4:C: error: name 'a' is already used at row 3 outside any group; every question and group of a group needs its own name\n\
             {f}: 3 error(s), 0 warning(s): fix the errors above and check again\n"
        )
    );
    let out = mamori(&["form", "show", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = mamori(&["form", "check", "no-such-form.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("no-such-form.xlsx: error: cannot be read:"));
}

#[test]
fn every_command_explains_itself() {
    for args in [&["--help"][..], &["form", "--help"], &["form", "check", "--help"], &["form", "show", "--help"]] {
        let out = mamori(args);
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Usage: mamori"), "{args:?}: {help}");
    }
    let help = String::from_utf8(mamori(&["form", "check", "--help"]).stdout).unwrap();
    assert!(help.contains("FILE:SHEET:ROW:COLUMN"), "{help}");
}

/// The 2024 questionnaire's Markdown with a `previous_name` column added to the survey sheet:
/// `sbom_current` renamed with `previous`, `network_diagram` dropped, `sbom_plan` added.
fn next_wave(previous: &str) -> String {
    let md = std::fs::read_to_string(root().join("questionnaires/mdcs-manufacturer-2024.md")).unwrap();
    let mut out = String::new();
    let mut in_survey = false;
    for line in md.lines() {
        if line.starts_with("| survey |") {
            in_survey = true;
        } else if line.starts_with("| choices |") {
            in_survey = false;
        }
        if in_survey && line.starts_with("| | type |") {
            out.push_str(&format!("{line} previous_name |\n"));
        } else if in_survey && line.contains("| network_diagram |") {
            continue;
        } else if in_survey && line.contains("| sbom_current |") {
            out.push_str(&format!("{} {previous} |\n", line.replace("| sbom_current |", "| sbom_products |")));
            let added = line.replace("| sbom_current |", "| sbom_plan |");
            out.push_str(&format!("{added}  |\n"));
        } else if in_survey && line.starts_with("| | ") {
            out.push_str(&format!("{line}  |\n"));
        } else if line.contains("network_diagram") {
            continue; // its rows on the report and codebook sheets go with it
        } else {
            out.push_str(&line.replace("sbom_current", "sbom_products"));
            out.push('\n');
        }
    }
    out
}

#[test]
fn diff_says_what_continues_what_is_new_and_what_was_dropped() {
    let dir = std::env::temp_dir().join(format!("mamori-form-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let new = dir.join("2025.md");
    std::fs::write(&new, next_wave("sbom_current")).unwrap();
    let out = mamori(&["form", "diff", FORM_2024, new.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().any(|l| l == "= sbom_products (was sbom_current)"), "{text}");
    assert!(text.lines().any(|l| l == "+ sbom_plan (new)"), "{text}");
    assert!(text.lines().any(|l| l == "- network_diagram (dropped)"), "{text}");
    let json = mamori(&["form", "diff", FORM_2024, new.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["mapped"].as_array().unwrap().len(), 26, "27 items, one dropped");
    assert_eq!(v["dropped"], serde_json::json!(["network_diagram"]));
    // A previous_name that names nothing: exit 1, the cell located.
    std::fs::write(&new, next_wave("sbom_currnet")).unwrap();
    let out = mamori(&["form", "diff", FORM_2024, new.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let row = next_wave("x").lines().position(|l| l.contains("| sbom_products |")).unwrap() + 1;
    assert!(
        err.contains(&format!(
            "2025.md:survey:{row}:P: error: previous_name 'sbom_currnet' is not a question of the previous version"
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
