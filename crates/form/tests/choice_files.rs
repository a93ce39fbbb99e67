//! `select_one_from_file` / `select_multiple_from_file`: the choices come from a CSV given with
//! the form — beside it on the command line, in a `.zip` with it when uploaded — and every
//! problem is located in the file that has it.

use mamori_form::{QuestionType, read_bytes, read_file};
use std::io::Write;
use std::path::PathBuf;

const FORM: &str = "| survey |\n| | type | name | label::日本語 (ja) | label::English (en) |\n\
| | select_one_from_file prefectures.csv | pref | 都道府県 | Prefecture |\n\
| | select_multiple_from_file devices.csv | kinds | 機器の種類 | Device kinds |\n";

const PREFECTURES: &str =
    "name,label::日本語 (ja),label::English (en)\n13,東京都,Tokyo\n27,大阪府,Osaka\n47,沖縄県,Okinawa\n";
const DEVICES: &str = "\u{feff}name,label::日本語 (ja),label::English (en)\nimaging,画像診断装置,Imaging\npump,輸液ポンプ,Infusion pump\n";

/// A fresh folder holding `files`.
fn folder(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mamori-choice-files-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn errors(outcome: &mamori_form::Outcome) -> Vec<String> {
    outcome.diagnostics.iter().filter(|d| d.is_error()).map(ToString::to_string).collect()
}

#[test]
fn choices_come_from_the_csv_beside_the_form_in_every_language() {
    let dir = folder("beside", &[("form.md", FORM), ("prefectures.csv", PREFECTURES), ("devices.csv", DEVICES)]);
    let outcome = read_file(&dir.join("form.md"));
    assert_eq!(errors(&outcome), Vec::<String>::new());
    let form = outcome.form.unwrap();
    let pref = form.question("pref").unwrap();
    assert_eq!(pref.kind, QuestionType::SelectOne);
    let names: Vec<&str> = pref.choices.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["13", "27", "47"]);
    assert_eq!(pref.choices[1].label.get("日本語 (ja)").map(String::as_str), Some("大阪府"));
    assert_eq!(pref.choices[1].label.get("English (en)").map(String::as_str), Some("Osaka"));
    let kinds = form.question("kinds").unwrap();
    assert_eq!(kinds.kind, QuestionType::SelectMultiple);
    // The byte-order mark Excel writes is not part of the first column's name.
    assert_eq!(kinds.choices[0].name, "imaging");
    // Answers are checked against the file's choices.
    let answers = mamori_form::Answers::from_pairs([("pref", "27"), ("kinds", "pump imaging")]);
    assert!(mamori_form::check_answers(&form, "日本語 (ja)", &answers).is_valid());
    let answers = mamori_form::Answers::from_pairs([("pref", "99")]);
    assert!(!mamori_form::check_answers(&form, "日本語 (ja)", &answers).is_valid());
}

#[test]
fn a_missing_or_broken_choice_file_is_located() {
    let dir =
        folder("missing", &[("form.md", FORM), ("devices.csv", "name,label\npump,Pump\npump,Pump again\n,No name\n")]);
    let got = errors(&read_file(&dir.join("form.md")));
    let form = dir.join("form.md").display().to_string();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[0].starts_with(&format!("{form}:survey:3:B: error: the choice file ")), "{got:#?}");
    assert!(got[0].contains("prefectures.csv") && got[0].contains("beside it on the command line"), "{got:#?}");
    assert!(got.iter().any(|e| e.starts_with("devices.csv:3:A: error: choice 'pump' appears twice")), "{got:#?}");
    assert!(
        got.iter().any(|e| e.starts_with("devices.csv:4:A: error: choice in list 'devices.csv' has no name")),
        "{got:#?}"
    );

    let dir = folder(
        "no-label",
        &[("form.md", FORM), ("prefectures.csv", "code,名前\n13,東京都\n"), ("devices.csv", DEVICES)],
    );
    let got = errors(&read_file(&dir.join("form.md")));
    assert!(got.iter().any(|e| e == "prefectures.csv:1: error: has no 'name' column: a choice file's header row names its columns, e.g. name,label"), "{got:#?}");

    let dir = folder("empty", &[("form.md", FORM), ("prefectures.csv", "name,label\n"), ("devices.csv", DEVICES)]);
    let got = errors(&read_file(&dir.join("form.md")));
    assert!(got.iter().any(|e| e.starts_with("prefectures.csv: error: has no choices")), "{got:#?}");
}

#[test]
fn choice_files_are_named_without_folders_and_only_csv_is_read() {
    let form = "| survey |\n| | type | name | label |\n| | select_one_from_file ../secret.csv | a | A |\n\
                | | select_one_from_file colors.xml | b | B |\n";
    let dir = folder("folders", &[("form.md", form)]);
    std::fs::write(dir.parent().unwrap().join("secret.csv"), "name,label\nx,X\n").unwrap();
    let got = errors(&read_file(&dir.join("form.md")));
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].contains(":survey:3:B: error: a choice file is named without folders"), "{got:#?}");
    assert!(got[1].contains(":survey:4:B: error: type 'select_one_from_file colors.xml' is not supported: choice files other than CSV are not supported"), "{got:#?}");
}

#[test]
fn a_zip_holds_the_form_with_its_choice_files() {
    let bundle = zip_of(&[
        ("survey/form.md", FORM.as_bytes()),
        ("survey/form-media/prefectures.csv", PREFECTURES.as_bytes()),
        ("survey/form-media/devices.csv", DEVICES.as_bytes()),
        ("__MACOSX/survey/._form.md", b"\0\0junk"),
    ]);
    let outcome = read_bytes("upload.zip", &bundle);
    assert_eq!(errors(&outcome), Vec::<String>::new());
    let form = outcome.form.unwrap();
    assert_eq!(form.form_id, "form");
    assert_eq!(form.question("pref").unwrap().choices.len(), 3);

    // Without a choice file: located at the row, naming the .zip.
    let got = errors(&read_bytes(
        "upload.zip",
        &zip_of(&[("form.md", FORM.as_bytes()), ("devices.csv", DEVICES.as_bytes())]),
    ));
    assert_eq!(
        got,
        [
            "upload.zip/form.md:survey:3:B: error: the .zip has no file 'prefectures.csv'; give 'prefectures.csv' (a CSV with name and label columns) with the form: beside it on the command line, or in a .zip with it when uploading"
        ]
    );
}

#[test]
fn a_hostile_zip_is_refused_with_the_reason() {
    let refused = |bytes: &[u8]| errors(&read_bytes("upload.zip", bytes));
    let not_zip = refused(b"PK\x03\x04 not really");
    assert!(
        not_zip.len() == 1 && not_zip[0].starts_with("upload.zip: error: is not a .zip that can be read ("),
        "{not_zip:?}"
    );
    assert_eq!(
        refused(&zip_of(&[("a.csv", b"name,label\n")])),
        ["upload.zip: error: holds no form: put the XLSForm (.xlsx) in the .zip with its .csv choice files"]
    );
    assert_eq!(
        refused(&zip_of(&[("a.md", FORM.as_bytes()), ("b.xlsx", b"x")])),
        ["upload.zip: error: holds more than one form (a.md, b.xlsx); keep one .xlsx with its .csv choice files"]
    );
    assert_eq!(
        refused(&zip_of(&[("a/x.csv", b"1"), ("b/x.csv", b"2"), ("f.md", FORM.as_bytes())])),
        ["upload.zip: error: holds two files named 'x.csv'; keep one"]
    );
    // A bomb: 40 MB of zeros compress to a few kilobytes; the reading stops past 32 MB.
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    out.start_file(
        "big.csv",
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..40 {
        out.write_all(&zeros).unwrap();
    }
    let bomb = out.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20);
    assert_eq!(
        refused(&bomb),
        ["upload.zip: error: 'big.csv' is larger than 32 MB unpacked; a form or choice file is far smaller"]
    );
}

/// What the command line stores for a form with choice files: a .zip of it with them, which
/// reads as the form did; a form without any is stored as it is.
#[test]
fn a_form_is_stored_with_its_choice_files() {
    let dir = folder("stored", &[("form.md", FORM), ("prefectures.csv", PREFECTURES), ("devices.csv", DEVICES)]);
    let path = dir.join("form.md");
    let form = read_file(&path).form.unwrap();
    let (name, bytes) = mamori_form::bundle::stored_form(&path, &form).unwrap();
    assert_eq!(name, "form.zip");
    let again = read_bytes(&name, &bytes);
    assert_eq!(errors(&again), Vec::<String>::new());
    assert_eq!(again.form.unwrap().question("kinds").unwrap().choices.len(), 2);
    let plain = "| survey |\n| | type | name | label |\n| | text | a | A |\n";
    let dir = folder("stored-plain", &[("plain.md", plain)]);
    let form = read_file(&dir.join("plain.md")).form.unwrap();
    let (name, bytes) = mamori_form::bundle::stored_form(&dir.join("plain.md"), &form).unwrap();
    assert_eq!((name.as_str(), bytes.as_slice()), ("plain.md", plain.as_bytes()));
}
