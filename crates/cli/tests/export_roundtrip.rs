//! `mamori export` read back by independent readers — PSPP, pyreadstat (ReadStat), pandas and
//! R's haven, installed by `tools/test` — and compared with the source: every value, variable
//! label, value label, missing code and multiple-response set, on the 441-response fixture and
//! on a form with long Japanese labels, text of several kilobytes and names that collide.
//!
//! The expectations are computed here from the form and the responses file directly (choice
//! codes, dummies, which questions each respondent was asked by the form's skip logic written
//! out by hand), not from the exporter's own layout.

use mamori_form::{Form, QuestionType};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mamori-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (tools/test installs the readers)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn python() -> PathBuf {
    std::env::var_os("MAMORI_READERS_PYTHON").map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR").map_or(root().join("target"), PathBuf::from).join("readers/bin/python")
    })
}

fn export(form: &Path, responses: &Path, format: &str, lang: &str, out: &Path) {
    run(Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["export", "--form"])
        .arg(form)
        .arg("--responses")
        .arg(responses)
        .args(["--format", format, "--lang", lang, "-o"])
        .arg(out));
}

fn dump_python(reader: &str, file: &Path) -> Value {
    serde_json::from_str(&run(Command::new(python()).arg(root().join("tools/readers/dump.py")).arg(reader).arg(file)))
        .unwrap()
}

fn dump_r(kind: &str, file: &Path) -> Value {
    serde_json::from_str(&run(Command::new("Rscript").arg(root().join("tools/readers/dump.R")).arg(kind).arg(file)))
        .unwrap()
}

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Num(f64),
    Text(String),
    NotAsked,
    NotAnswered,
}

struct Var {
    source: String,
    label: String,
    /// Value labels: code → label; missing codes under `NA.a` (not asked) and `NA.b`.
    value_labels: BTreeMap<String, String>,
    /// The numeric missing codes (not asked, not answered) for SPSS and R.
    missing: Option<(f64, f64)>,
    cells: Vec<Cell>,
}

/// What every file must hold, computed from the form and the CSV.
struct Expected {
    vars: Vec<Var>,
    mr_set: Option<(String, String, Vec<String>)>,
    title: String,
}

fn key(x: f64) -> String {
    format!("{x}")
}

fn expected(
    form: &Form,
    csv_path: &Path,
    ja: bool,
    asked: &dyn Fn(&str, &HashMap<String, String>) -> bool,
) -> Expected {
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<HashMap<String, String>> =
        reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect();
    let language = form.languages.iter().find(|l| l.contains(if ja { "(ja)" } else { "(en)" })).unwrap().clone();
    let text = |t: &mamori_form::model::Translated| t.get(&language).cloned().unwrap_or_default();
    let (na_label, nb_label) =
        if ja { ("非該当（質問対象外）", "無回答") } else { ("Not asked (skip logic)", "Not answered") };
    let mut vars = Vec::new();
    let missing_cell =
        |q: &str, row: &HashMap<String, String>| if asked(q, row) { Cell::NotAnswered } else { Cell::NotAsked };
    let text_var = |source: &str, label: &str, column: &str| Var {
        source: source.into(),
        label: label.into(),
        value_labels: BTreeMap::new(),
        missing: None,
        cells: rows.iter().map(|r| Cell::Text(r.get(column).cloned().unwrap_or_default())).collect(),
    };
    vars.push(text_var("_id", if ja { "回答者ID" } else { "Respondent ID" }, "_id"));
    let mut mr_set = None;
    for q in &form.questions {
        let name = q.name.as_str();
        let answer = |r: &HashMap<String, String>| r.get(name).cloned().unwrap_or_default();
        let with_missing = |mut labels: BTreeMap<String, String>| {
            labels.insert("NA.a".into(), na_label.into());
            labels.insert("NA.b".into(), nb_label.into());
            labels
        };
        match q.kind {
            QuestionType::SelectOne => {
                let numeric = q.choices.iter().all(|c| c.name.parse::<i32>().is_ok());
                let code = |k: usize| if numeric { q.choices[k].name.parse::<f64>().unwrap() } else { k as f64 + 1.0 };
                vars.push(Var {
                    source: name.into(),
                    label: text(&q.label),
                    value_labels: with_missing(
                        (0..q.choices.len()).map(|k| (key(code(k)), text(&q.choices[k].label))).collect(),
                    ),
                    missing: Some((-98.0, -99.0)),
                    cells: rows
                        .iter()
                        .map(|r| match q.choices.iter().position(|c| c.name == answer(r)) {
                            Some(k) => Cell::Num(code(k)),
                            None => missing_cell(name, r),
                        })
                        .collect(),
                });
            }
            QuestionType::SelectMultiple => {
                let mut members = Vec::new();
                for c in &q.choices {
                    members.push(vars.len());
                    let labels: BTreeMap<String, String> = if ja {
                        [("0".into(), "非選択".into()), ("1".into(), "選択".into())].into()
                    } else {
                        [("0".into(), "Not selected".into()), ("1".into(), "Selected".into())].into()
                    };
                    vars.push(Var {
                        source: format!("{name}/{}", c.name),
                        label: format!("{}: {}", text(&q.label), text(&c.label)),
                        value_labels: with_missing(labels),
                        missing: Some((-98.0, -99.0)),
                        cells: rows
                            .iter()
                            .map(|r| {
                                let a = answer(r);
                                if a.is_empty() {
                                    missing_cell(name, r)
                                } else {
                                    Cell::Num(if a.split(' ').any(|x| x == c.name) { 1.0 } else { 0.0 })
                                }
                            })
                            .collect(),
                    });
                }
                mr_set = Some((name.to_string(), text(&q.label), members.iter().map(|m| m.to_string()).collect()));
            }
            QuestionType::Integer | QuestionType::Decimal => {
                let values: Vec<f64> = rows.iter().filter_map(|r| answer(r).parse().ok()).collect();
                let missing = if values.iter().any(|&v| v == -98.0 || v == -99.0) {
                    (-99998.0, -99999.0)
                } else {
                    (-98.0, -99.0)
                };
                vars.push(Var {
                    source: name.into(),
                    label: text(&q.label),
                    value_labels: with_missing(BTreeMap::new()),
                    missing: Some(missing),
                    cells: rows
                        .iter()
                        .map(|r| match answer(r).parse::<f64>() {
                            Ok(v) => Cell::Num(v),
                            Err(_) => missing_cell(name, r),
                        })
                        .collect(),
                });
            }
            QuestionType::Note => {}
            _ => vars.push(text_var(name, &text(&q.label), name)),
        }
    }
    for (column, ja_label, en_label) in
        [("_submitted_at", "回答日時", "Submitted at"), ("_status", "回答の状態", "Status")]
    {
        if header.iter().any(|h| h == column) {
            vars.push(text_var(column, if ja { ja_label } else { en_label }, column));
        }
    }
    Expected { vars, mr_set, title: form.title.clone() }
}

/// How a format holds what `Expected` describes.
#[derive(Clone, Copy)]
struct Rules {
    /// Names the file must carry, in order.
    stata: bool,
    variable_label: fn(&str) -> String,
    value_label: fn(&str) -> String,
    file_label: fn(&str) -> String,
    /// Whether the reader reports SPSS missing codes and MR sets.
    spss_missing: bool,
    mr_sets: bool,
}

fn cut_bytes(s: &str, n: usize) -> String {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

const SAV: Rules = Rules {
    stata: false,
    variable_label: |s| cut_bytes(s, 255),
    value_label: |s| cut_bytes(s, 120),
    file_label: |s| cut_bytes(s, 64),
    spss_missing: true,
    mr_sets: true,
};
const DTA: Rules = Rules {
    stata: true,
    variable_label: |s| s.chars().take(80).collect(),
    value_label: |s| s.to_string(),
    file_label: |s| s.chars().take(80).collect(),
    spss_missing: false,
    mr_sets: false,
};
const R_SCRIPT: Rules = Rules {
    stata: false,
    variable_label: |s| s.to_string(),
    value_label: |s| s.to_string(),
    file_label: |_| String::new(),
    spss_missing: true,
    mr_sets: false,
};

/// Normalises a value-label key as readers print it: `-98.0`, `-98`, `a`, `NA.a`, `2147483622`.
fn norm_key(k: &str, var: &Var, stata: bool) -> String {
    match k {
        "a" | "NA.a" | "2147483622" => return "NA.a".into(),
        "b" | "NA.b" | "2147483623" => return "NA.b".into(),
        _ => {}
    }
    let x: f64 = k.parse().unwrap_or_else(|_| panic!("value label key {k}"));
    if !stata && let Some((a, b)) = var.missing {
        if x == a {
            return "NA.a".into();
        }
        if x == b {
            return "NA.b".into();
        }
    }
    key(x)
}

fn check(reader: &str, got: &Value, want: &Expected, names: &[&str], rules: Rules) {
    let got_names: Vec<&str> = got["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(got_names, names, "{reader}: names");
    assert_eq!(want.vars.len(), names.len(), "{reader}: the test's own list of names");
    assert_eq!(got["file_label"].as_str().unwrap_or(""), (rules.file_label)(&want.title), "{reader}: file label");
    let rows = got["rows"].as_array().unwrap();
    for (j, (var, name)) in want.vars.iter().zip(names).enumerate() {
        let at = format!("{reader}: {name} ({})", var.source);
        assert_eq!(got["labels"][*name].as_str().unwrap_or(""), (rules.variable_label)(&var.label), "{at}: label");
        let got_labels: BTreeMap<String, String> = got["value_labels"][*name]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (norm_key(k, var, rules.stata), v.as_str().unwrap().to_string())).collect())
            .unwrap_or_default();
        let want_labels: BTreeMap<String, String> =
            var.value_labels.iter().map(|(k, v)| (k.clone(), (rules.value_label)(v))).collect();
        assert_eq!(got_labels, want_labels, "{at}: value labels");
        if rules.spss_missing {
            let got_missing: Vec<f64> = got["missing"][*name]
                .as_array()
                .map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect())
                .unwrap_or_default();
            let mut want_missing: Vec<f64> = var.missing.map(|(a, b)| vec![a, b]).unwrap_or_default();
            let mut got_sorted = got_missing.clone();
            got_sorted.sort_by(f64::total_cmp);
            want_missing.sort_by(f64::total_cmp);
            assert_eq!(got_sorted, want_missing, "{at}: missing codes");
        }
        assert_eq!(rows.len(), var.cells.len(), "{reader}: rows");
        for (i, (row, cell)) in rows.iter().zip(&var.cells).enumerate() {
            let value = &row[j];
            let ok = match cell {
                Cell::Text(t) => value.as_str() == Some(t.as_str()),
                Cell::Num(x) => value.as_f64().is_some_and(|v| (v - x).abs() < 1e-9),
                Cell::NotAsked | Cell::NotAnswered => {
                    let asked_not = matches!(cell, Cell::NotAsked);
                    if rules.stata {
                        value.as_str() == Some(if asked_not { "NA.a" } else { "NA.b" })
                    } else {
                        let (a, b) = var.missing.unwrap();
                        value.as_f64() == Some(if asked_not { a } else { b })
                    }
                }
            };
            assert!(ok, "{at}, response {}: expected {cell:?}, read {value}", i + 1);
        }
    }
    if rules.mr_sets {
        let (set, label, members) = want.mr_set.as_ref().unwrap();
        let got_set = &got["mr_sets"][set.as_str()];
        assert_eq!(got_set["label"].as_str(), Some((rules.variable_label)(label).as_str()), "{reader}: set label");
        assert_eq!(got_set["counted_value"].as_f64(), Some(1.0), "{reader}: counted value");
        let member_names: Vec<&str> = members.iter().map(|m| names[m.parse::<usize>().unwrap()]).collect();
        let got_members: Vec<&str> =
            got_set["variables"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(got_members, member_names, "{reader}: set members");
    }
}

/// PSPP: the data through `pspp-convert` (every value), the dictionary through
/// `DISPLAY DICTIONARY` and `MRSETS /DISPLAY` (every label, missing code and set appears).
fn check_pspp(file: &Path, want: &Expected, names: &[&str], dir: &Path) {
    let csv_out = dir.join(format!("{}.pspp.csv", file.file_name().unwrap().to_string_lossy()));
    run(Command::new("pspp-convert").arg(file).arg(&csv_out));
    let mut reader = csv::Reader::from_path(&csv_out).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, names, "PSPP: names");
    for (i, record) in reader.records().enumerate() {
        let record = record.unwrap();
        for (j, var) in want.vars.iter().enumerate() {
            let got = record.get(j).unwrap();
            let ok = match &var.cells[i] {
                Cell::Text(t) => got == t.trim_end_matches(' '),
                Cell::Num(x) => got.trim().parse::<f64>().is_ok_and(|v| (v - x).abs() < 1e-9),
                Cell::NotAsked => got.trim().parse::<f64>().ok() == var.missing.map(|m| m.0),
                Cell::NotAnswered => got.trim().parse::<f64>().ok() == var.missing.map(|m| m.1),
            };
            assert!(
                ok,
                "PSPP {}: {} response {}: expected {:?}, read {got:?}",
                file.display(),
                names[j],
                i + 1,
                var.cells[i]
            );
        }
    }
    let syntax = dir.join("dictionary.sps");
    std::fs::write(
        &syntax,
        format!("GET FILE='{}'.\nDISPLAY DICTIONARY.\nMRSETS /DISPLAY NAME=ALL.\n", file.display()),
    )
    .unwrap();
    let listing = dir.join("dictionary.csv");
    run(Command::new("pspp").arg("-O").arg("format=csv").arg("-o").arg(&listing).arg(&syntax));
    let listing = std::fs::read_to_string(&listing).unwrap();
    for (var, name) in want.vars.iter().zip(names) {
        let label = cut_bytes(&var.label, 255);
        assert!(listing.contains(&label), "PSPP: the label of {name}: {label}");
        for v in var.value_labels.values() {
            assert!(listing.contains(&cut_bytes(v, 120)), "PSPP: value label {v} of {name}");
        }
        if let Some((a, b)) = var.missing {
            assert!(listing.contains(&format!("{a}; {b}")), "PSPP: missing codes of {name}");
        }
    }
    let (set, _, members) = want.mr_set.as_ref().unwrap();
    assert!(listing.contains(&format!("${set}")), "PSPP: the set ${set}");
    for m in members {
        assert!(listing.contains(names[m.parse::<usize>().unwrap()]), "PSPP: set member {m}");
    }
}

/// Every format of one source, through every reader.
fn round_trip(
    name: &str,
    form_path: &Path,
    csv_path: &Path,
    lang: &str,
    asked: &dyn Fn(&str, &HashMap<String, String>) -> bool,
    spss_names: &[&str],
    stata_names: &[&str],
) {
    let dir = scratch(name);
    let form = mamori_form::read_file(form_path).form.unwrap();
    let want = expected(&form, csv_path, lang == "ja", asked);
    let sav = dir.join("out.sav");
    let zsav = dir.join("out.zsav");
    let dta = dir.join("out.dta");
    let r = dir.join("out.R");
    let sps = dir.join("syntax.sps");
    export(form_path, csv_path, "sav", lang, &sav);
    export(form_path, csv_path, "zsav", lang, &zsav);
    export(form_path, csv_path, "dta", lang, &dta);
    export(form_path, csv_path, "r", lang, &r);
    export(form_path, csv_path, "sps", lang, &sps);
    check("pyreadstat .sav", &dump_python("pyreadstat-sav", &sav), &want, spss_names, SAV);
    check("pyreadstat .zsav", &dump_python("pyreadstat-sav", &zsav), &want, spss_names, SAV);
    check("haven .sav", &dump_r("sav", &sav), &want, spss_names, Rules { mr_sets: false, ..SAV });
    check("haven .zsav", &dump_r("sav", &zsav), &want, spss_names, Rules { mr_sets: false, ..SAV });
    check("pyreadstat .dta", &dump_python("pyreadstat-dta", &dta), &want, stata_names, DTA);
    check("pandas .dta", &dump_python("pandas-dta", &dta), &want, stata_names, DTA);
    check("haven .dta", &dump_r("dta", &dta), &want, stata_names, DTA);
    check("R script", &dump_r("script", &r), &want, spss_names, R_SCRIPT);
    check_pspp(&sav, &want, spss_names, &dir);
    check_pspp(&zsav, &want, spss_names, &dir);
    // The SPSS syntax, run by PSPP, makes a system file that holds the same.
    let from_syntax = dir.join("from-syntax.sav");
    std::fs::write(
        dir.join("run.sps"),
        format!("INCLUDE FILE='syntax.sps'.\nSAVE OUTFILE='{}'.\n", from_syntax.display()),
    )
    .unwrap();
    run(Command::new("pspp").current_dir(&dir).arg("run.sps"));
    check(
        "PSPP syntax → pyreadstat",
        &dump_python("pyreadstat-sav", &from_syntax),
        &want,
        spss_names,
        Rules { file_label: |_| String::new(), ..SAV },
    );
    // The codebook keeps every label whole, with the question each variable comes from.
    let codebook = std::fs::read_to_string(dir.join("out-codebook.csv")).unwrap();
    for v in &want.vars {
        assert!(codebook.contains(&v.source), "codebook: {}", v.source);
        assert!(codebook.contains(v.label.as_str()), "codebook: the whole label of {}", v.source);
        for l in v.value_labels.values() {
            assert!(codebook.contains(l.as_str()), "codebook: the whole value label {l}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_441_responses_round_trip_through_pspp_readstat_pandas_and_haven() {
    let asked = |q: &str, r: &HashMap<String, String>| match q {
        "license_other" => r["license_type"] == "other",
        "supply_origin" => ["mah1", "mah2", "mah3"].contains(&r["license_type"].as_str()),
        "challenges_other" => r["challenges"].split(' ').any(|c| c == "other"),
        _ => true,
    };
    let questions = [
        "id",
        "org_name",
        "license_type",
        "license_other",
        "supply_origin",
        "products_total",
        "products_done",
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
        "user_inquiry",
        "network_diagram",
        "maint_contract",
        "challenges_experts",
        "challenges_education",
        "challenges_cost",
        "challenges_riskmgmt",
        "challenges_hospital",
        // The dummy of choice `other` would be `challenges_other`, the name of the next
        // question: the question keeps it.
        "challenges_other_2",
        "challenges_other",
        "challenges_text",
        "submitted_at",
    ];
    for lang in ["ja", "en"] {
        round_trip(
            &format!("441-{lang}"),
            &root().join("questionnaires/mdcs-manufacturer-2024.xlsx"),
            &root().join("fixtures/mdcs-2024-441.csv"),
            lang,
            &asked,
            &questions,
            &questions,
        );
    }
}

#[test]
fn long_japanese_labels_long_text_and_colliding_names_round_trip() {
    let asked = |q: &str, r: &HashMap<String, String>| match q {
        "q-1" | "tools" | "essay" => r["gate"] == "yes",
        _ => true,
    };
    let spss = [
        "id",
        "gate",
        "q_1",
        "q_1_2",
        "with_",
        "long",
        "a_very_long_question_name_over_32_chars_x",
        "a_very_long_question_name_over_32_chars_y",
        "tools_a_2",
        "tools_b",
        "tools_c",
        "tools_a",
        "essay",
        "ratio",
        "count",
        "policy_file",
        "submitted_at",
        "status",
    ];
    let stata = [
        "id",
        "gate",
        "q_1",
        "q_1_2",
        "with",
        "long_",
        "a_very_long_question_name_over_3",
        "a_very_long_question_name_over_2",
        "tools_a_2",
        "tools_b",
        "tools_c",
        "tools_a",
        "essay",
        "ratio",
        "count",
        "policy_file",
        "submitted_at",
        "status",
    ];
    round_trip(
        "hard",
        &root().join("fixtures/export/hard-form.md"),
        &root().join("fixtures/export/hard.csv"),
        "ja",
        &asked,
        &spss,
        &stata,
    );
}

fn mamori_export(form: &Path, responses: &Path, format: &str, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["export", "--form"])
        .arg(form)
        .arg("--responses")
        .arg(responses)
        .args(["--format", format, "-o"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn a_bad_row_or_an_unwritable_place_writes_nothing_and_says_where() {
    let dir = scratch("refused");
    let form = root().join("questionnaires/mdcs-manufacturer-2024.xlsx");
    // One invalid answer in row 5: nothing is written, and the message names row and column.
    let mut text = std::fs::read_to_string(root().join("fixtures/mdcs-2024-441.csv")).unwrap();
    let line = text.lines().nth(4).unwrap().to_string();
    text = text.replacen(
        &line,
        &line.replacen(",mah1,", ",mah9,", 1).replacen(",mah2,", ",mah9,", 1).replacen(",other,", ",mah9,", 1),
        1,
    );
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, &text).unwrap();
    for format in ["sav", "dta", "r"] {
        let out = dir.join(format!("out.{format}"));
        let r = mamori_export(&form, &bad, format, &out);
        assert_eq!(r.status.code(), Some(1), "{format}");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("bad.csv:5:license_type: 'mah9'"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, [std::ffi::OsString::from("bad.csv")], "{format}: nothing written beside it");
    }
    // A place that cannot be written to: an error naming it, no partial file anywhere.
    std::fs::write(dir.join("not-a-dir"), "x").unwrap();
    let good = root().join("fixtures/mdcs-2024-441.csv");
    let r = mamori_export(&form, &good, "sav", &dir.join("not-a-dir/out.sav"));
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("not-a-dir/out.sav: error: cannot be written"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_exports_to_one_file_at_once_leave_one_whole_file() {
    let dir = scratch("race");
    let form = root().join("questionnaires/mdcs-manufacturer-2024.xlsx");
    let responses = root().join("fixtures/mdcs-2024-441.csv");
    let out = dir.join("same.sav");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_mamori"))
                .args(["export", "--form"])
                .arg(&form)
                .arg("--responses")
                .arg(&responses)
                .args(["--format", "sav", "-o"])
                .arg(&out)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let got = dump_python("pyreadstat-sav", &out);
    assert_eq!(got["rows"].as_array().unwrap().len(), 441);
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["same-codebook.csv", "same.sav"], "no temporary file is left behind");
    let _ = std::fs::remove_dir_all(&dir);
}
