//! Conformance with pyxform over its own example forms (`../shared/corpora/xlsform`).
//!
//! Expected names and types come from pyxform itself (`tools/pyxform_expected.py`, output in
//! `tests/data/pyxform-expected.json`); which files pyxform accepts comes from the corpus's
//! `pyxform-verdicts.json`.

mod common;

use common::{located, mamori_type, our_fields};
use mamori_form::{QuestionType, read_file};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/xlsform")
}

/// Forms pyxform accepts that Mamori rightly rejects, and the located error it must give.
/// pyxform does not parse XPath; ODK Validate and every ODK client would reject these.
const KNOWN_STRICTER: &[(&str, &str)] = &[(
    "bad_calc.xlsx",
    "bad_calc.xlsx:survey:2:D: error: calculation 'because pyxform doesn't know what to do' is not a valid expression at character 22: text is not closed: add the closing '",
)];

#[test]
fn every_corpus_form_reads_like_pyxform_or_gets_located_errors() {
    let verdicts: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("pyxform-verdicts.json")).unwrap()).unwrap();
    let verdicts: BTreeMap<String, Value> =
        verdicts.into_iter().map(|v| (v["file"].as_str().unwrap().to_string(), v)).collect();
    let expected: Value = serde_json::from_str(include_str!("data/pyxform-expected.json")).unwrap();
    let mut compared = 0;
    let mut refused = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(verdict) = verdicts.get(&name) else {
            continue;
        };
        let outcome = read_file(&path);
        let errors: Vec<String> = outcome.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
        let ok = verdict["pyxform"] == "ok";
        let supported =
            verdict["types"].as_array().is_some_and(|ts| ts.iter().all(|t| mamori_type(t.as_str().unwrap()).is_some()));
        if ok && supported {
            let form = outcome.form.as_ref().unwrap_or_else(|| panic!("{name}: no form: {errors:?}"));
            match KNOWN_STRICTER.iter().find(|(f, _)| *f == name) {
                Some((_, message)) => assert!(errors.iter().any(|e| e.ends_with(message)), "{name}: {errors:?}"),
                None => assert!(errors.is_empty(), "{name} should read without error: {errors:#?}"),
            }
            let pyxform = expected["forms"][&name].as_array().unwrap_or_else(|| panic!("{name} missing from expected"));
            // For a `table-list` group pyxform adds a label note and a header select so ODK
            // Collect can draw a table; they are layout, not questions, and Mamori keeps the
            // group's appearance instead.
            let layout = |f: &&Value| {
                let leaf = f["path"].as_str().unwrap().rsplit('/').next().unwrap();
                leaf.starts_with("generated_table_list_label_")
                    || leaf.starts_with("reserved_name_for_field_list_labels_")
            };
            let theirs: Vec<(String, String)> = pyxform
                .iter()
                .filter(|f| !layout(f))
                .map(|f| {
                    (
                        f["path"].as_str().unwrap().to_string(),
                        mamori_type(f["type"].as_str().unwrap()).unwrap().to_string(),
                    )
                })
                .collect();
            let (their_groups, their_questions): (Vec<_>, Vec<_>) =
                theirs.into_iter().partition(|(_, t)| t == "group" || t == "repeat");
            let mut their_groups = their_groups;
            their_groups.sort();
            let (questions, groups) = our_fields(form);
            assert_eq!(questions, their_questions, "{name}: questions differ from pyxform's");
            assert_eq!(groups, their_groups, "{name}: groups differ from pyxform's");
            compared += 1;
        } else {
            assert!(
                !errors.is_empty(),
                "{name}: pyxform says {} and types {:?}, yet Mamori found no error",
                verdict["pyxform"],
                verdict["types"]
            );
            assert!(located(&outcome), "{name}: errors without a location: {errors:#?}");
            refused += 1;
        }
    }
    // Guard against the corpus silently going missing: these counts are what it holds today.
    assert_eq!((compared, refused), (32, 33), "forms compared with pyxform, forms refused");
}

#[test]
fn unsupported_types_are_refused_with_the_row_named() {
    let outcome = read_file(&corpus().join("gps.xls"));
    let errors: Vec<String> = outcome.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(errors, ["gps.xls:survey:2:A: error: type 'gps' is not supported: location questions cannot be answered in a web questionnaire"]
        .map(|e| format!("{}/{e}", corpus().display())));
}

#[test]
fn metadata_types_are_accepted() {
    let outcome = read_file(&corpus().join("unknown_question_type.xls"));
    let form = outcome.form.unwrap();
    for name in ["start", "end", "today", "deviceid", "subscriberid", "simid", "phonenumber"] {
        assert_eq!(form.question(name).map(|q| q.kind), Some(QuestionType::Metadata), "{name}");
    }
}
