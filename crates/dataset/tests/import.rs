//! Responses files in: encodings, formats, located errors, all-or-nothing, and parallel reading.

use mamori_dataset::{ReadOptions, Responses, read_responses, write_csv};
use mamori_form::{Form, read_file};
use std::path::Path;

fn form() -> Form {
    let outcome =
        read_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../questionnaires/mdcs-manufacturer-2024.xlsx"));
    outcome.form.unwrap()
}

const HEADER: &str = "_id,org_name,profile/license_type,supply_origin,products_total,products_done,proc_docs,info_eval,competence,process_check,sbom_current,sbom_legacy,pm_process,vuln_intake,wide_vuln_info,incident_info,defect_report,policy,policy_disclosure,psirt,advisory,user_inquiry,network_diagram,maint_contract,challenges,challenges_other,challenges_text,_submitted_at";

fn row(id: &str, org: &str, license: &str, total: &str, done: &str, challenges: &str, text: &str) -> String {
    let origin = if license.starts_with("mah") { "domestic" } else { "" };
    format!(
        "{id},{org},{license},{origin},{total},{done},done,prep,none,done,done,na,done,done,yes,no,prep,done,prep,none,none,no,blocked,no,{challenges},,{text},2024-10-08"
    )
}

fn csv(rows: &[String]) -> String {
    let mut s = HEADER.to_string();
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn sample() -> String {
    csv(&[
        row("r1", "甲社", "mah1", "10", "5", "experts cost", "専門人材の\"採用\"が難しい"),
        row("r2", "乙社", "mfr", "3", "3", "cost", ""),
        row("r3", "\"丙社, 東京\"", "mah3", "0", "0", "education", "\"改行を\n含む意見\""),
    ])
}

/// The same records as an Excel workbook, every cell a string.
fn xlsx_of(text: &str) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn read(name: &str, bytes: &[u8], options: &ReadOptions) -> Result<Responses, Vec<String>> {
    read_responses(&form(), name, bytes, options)
        .map(|l| l.responses)
        .map_err(|e| e.iter().map(|e| e.to_string()).collect())
}

#[test]
fn utf8_with_and_without_bom_and_shift_jis_read_the_same() {
    let text = sample();
    let plain = read("r.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
    let bom = read("r.csv", &[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(), &ReadOptions::default()).unwrap();
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    let sjis = read("r.csv", &sjis, &ReadOptions::default()).unwrap();
    assert_eq!(plain, bom);
    assert_eq!(plain, sjis);
    let form = form();
    assert_eq!(plain.len(), 3);
    assert_eq!(plain.rows, vec![2, 3, 4]);
    assert_eq!(plain.answer(&form, 0, 2), "丙社, 東京");
    assert_eq!(plain.answer(&form, 1, 0), "mah1");
    assert_eq!(plain.answer(&form, 2, 1), ""); // supply_origin is not asked of mfr
    let text_q = form.questions.iter().position(|q| q.name == "challenges_text").unwrap();
    assert_eq!(plain.answer(&form, text_q, 2), "改行を\n含む意見");
    assert_eq!(plain.answer(&form, text_q, 0), "専門人材の\"採用\"が難しい");
    assert_eq!(plain.ids.as_ref().unwrap().get(1), "r2");
}

#[test]
fn every_bad_value_is_reported_by_row_and_column_and_nothing_is_kept() {
    let text = csv(&[
        row("r1", "甲社", "mah1", "10", "11", "experts", ""),
        row("r2", "", "mah9", "x", "1", "experts money", ""),
        row("r3", "丙社", "mah2", "1", "1", "cost", ""),
    ]);
    let errors = read("bad.csv", text.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert_eq!(
        errors,
        vec![
            "bad.csv:2:products_done: '11': Enter a whole number no larger than the number of devices above.",
            "bad.csv:3:org_name: This question requires an answer.",
            "bad.csv:3:profile/license_type: 'mah9': 'mah9' is not one of the choices.",
            "bad.csv:3:products_total: 'x': Enter a whole number.",
            "bad.csv:3:challenges: 'experts money': 'money' is not one of the choices.",
        ]
    );
}

#[test]
fn skip_invalid_drops_the_bad_rows_and_reports_them() {
    let text =
        csv(&[row("r1", "甲社", "mah1", "10", "11", "experts", ""), row("r2", "乙社", "mah2", "1", "1", "cost", "")]);
    let options = ReadOptions { skip_invalid: true, ..ReadOptions::default() };
    let loaded = read_responses(&form(), "bad.csv", text.as_bytes(), &options).unwrap();
    assert_eq!(loaded.responses.len(), 1);
    assert_eq!(loaded.responses.rows, vec![3]);
    assert_eq!(loaded.skipped_rows, 1);
    assert_eq!(loaded.skipped.len(), 1);
    assert!(loaded.skipped[0].to_string().starts_with("bad.csv:2:products_done:"));
}

#[test]
fn unknown_and_duplicate_columns_are_refused_before_any_row() {
    let text = "org_name,colour,org_name,products/products_total,profile/products_done\n甲社,red,甲社,1,1\n";
    let errors = read("h.csv", text.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert_eq!(
        errors,
        vec![
            "h.csv:1:colour: is not a question of form 'mdcs_manufacturer_2024'; rename the column to a question name or start it with '_' to keep it as metadata",
            "h.csv:1:org_name: question 'org_name' already has column 'org_name'; keep one of them",
            "h.csv:1:profile/products_done: question 'products_done' is in group 'products', not 'profile'",
        ]
    );
}

#[test]
fn reading_on_several_threads_gives_the_same_table() {
    let rows: Vec<String> = (0..500)
        .map(|i| {
            row(
                &format!("r{i}"),
                &format!("\"会社{i}\n第{i}事業部\""),
                ["mah1", "mah2", "mah3", "mfr"][i % 4],
                "4",
                &(i % 5).to_string(),
                "cost experts",
                "",
            )
        })
        .collect();
    let text = csv(&rows);
    let one = read("p.csv", text.as_bytes(), &ReadOptions { threads: 1, ..ReadOptions::default() }).unwrap();
    for threads in [2, 3, 7] {
        let many = read("p.csv", text.as_bytes(), &ReadOptions { threads, ..ReadOptions::default() }).unwrap();
        assert_eq!(one, many, "{threads} threads");
    }
    assert_eq!(one.len(), 500);
}

/// Text questions read for their presence only hold whether each answer was given — what the
/// full read's cleaned text says — and every other column is the same; in CSV, streamed CSV
/// and Excel, for valid answers, blank ones, ones with stray spaces, and rows dropped as invalid.
#[test]
fn presence_only_text_keeps_whether_each_answer_was_given() {
    use mamori_dataset::{Column, read_responses_file};
    let form = form();
    let org = form.questions.iter().position(|q| q.name == "org_name").unwrap();
    let text_q = form.questions.iter().position(|q| q.name == "challenges_text").unwrap();
    let rows: Vec<String> = (0..700)
        .map(|i| {
            let org = ["甲社", "", " 乙社 ", "\u{3000}"][i % 4];
            let text = ["", "意見", "  ", " 要望 "][i % 3 + (i % 2)];
            let done = if i % 9 == 0 { "99" } else { "1" };
            row(&format!("r{i}"), org, "mah1", "4", done, "cost", text)
        })
        .collect();
    let text = csv(&rows);
    let dir = std::env::temp_dir().join(format!("mamori-presence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.csv");
    std::fs::write(&path, &text).unwrap();
    let full = ReadOptions { skip_invalid: true, ..ReadOptions::default() };
    let presence = ReadOptions { presence_only: vec![org, text_q], block: 4096, ..full.clone() };
    let xlsx = xlsx_of(&text);
    let kept = read_responses(&form, "p.csv", text.as_bytes(), &full).unwrap();
    for loaded in [
        read_responses(&form, "p.csv", text.as_bytes(), &presence).unwrap(),
        read_responses_file(&form, &path, &presence).unwrap(),
        read_responses(&form, "p.xlsx", &xlsx, &presence).unwrap(),
    ] {
        assert_eq!(loaded.skipped_rows, kept.skipped_rows);
        assert!(loaded.skipped_rows > 50);
        for (q, (a, b)) in loaded.responses.columns.iter().zip(&kept.responses.columns).enumerate() {
            match (a, b) {
                (Column::Answered(given), Column::Text(texts)) => {
                    assert!(q == org || q == text_q);
                    let expected: Vec<bool> = texts.iter().map(|t| !t.is_empty()).collect();
                    assert_eq!(given, &expected, "question {q}");
                    // org_name is required (rows without one are dropped); challenges_text is not.
                    assert!(given.contains(&true) && (q == org || given.contains(&false)));
                }
                _ => assert_eq!(a, b, "question {q}"),
            }
        }
        assert_eq!(loaded.responses.rows, kept.responses.rows);
        assert_eq!(loaded.responses.ids, kept.responses.ids);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_on_later_threads_give_file_row_numbers() {
    let mut rows: Vec<String> = (0..300).map(|i| row(&format!("r{i}"), "社", "mah1", "4", "1", "cost", "")).collect();
    rows[250] = row("r250", "社", "mah1", "4", "9", "cost", "");
    let text = csv(&rows);
    let errors = read("t.csv", text.as_bytes(), &ReadOptions { threads: 4, ..ReadOptions::default() }).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("t.csv:252:products_done:"), "{}", errors[0]);
}

#[test]
fn written_csv_reads_back_identically() {
    let form = form();
    let original = read("r.csv", sample().as_bytes(), &ReadOptions::default()).unwrap();
    let mut out = Vec::new();
    write_csv(&form, &original, &mut out).unwrap();
    assert!(out.starts_with(b"\xEF\xBB\xBF"), "a BOM lets Excel open Japanese text intact");
    let again = read("again.csv", &out, &ReadOptions::default()).unwrap();
    assert_eq!(original.columns, again.columns);
    assert_eq!(original.ids, again.ids);
}

#[test]
fn xlsx_responses_read_like_csv() {
    let form = form();
    let csv_table = read("r.csv", sample().as_bytes(), &ReadOptions::default()).unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let text = sample();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            // Numbers as Excel numbers, as a survey office's sheet would hold them.
            match cell.parse::<f64>() {
                Ok(n) if r > 0 => sheet.write_number(r as u32, c as u16, n).unwrap(),
                _ => sheet.write_string(r as u32, c as u16, cell).unwrap(),
            };
        }
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let xlsx_table = read("r.xlsx", &bytes, &ReadOptions::default()).unwrap();
    assert_eq!(csv_table.columns, xlsx_table.columns);
    assert_eq!(xlsx_table.rows, vec![2, 3, 4]);
    assert_eq!(xlsx_table.answer(&form, 4, 0), "10");
}

#[test]
fn files_that_are_not_responses_are_refused_with_a_reason() {
    let form = form();
    let cases: [(&str, &[u8], &str); 5] = [
        ("r.txt", b"org_name\n", "r.txt: is not a responses file: use .csv or .xlsx"),
        ("r.csv", b"", "r.csv: is empty: the first row must name the questions"),
        ("r.csv", b"org_name\n\xff\xfe\xfd\n", "r.csv: is neither UTF-8 nor Shift_JIS text; save it as CSV UTF-8"),
        ("r.xlsx", b"not a workbook", "r.xlsx: cannot be read as an Excel workbook"),
        ("r.csv", "\u{feff}org_name,_note\n甲社,x\n".as_bytes(), ""),
    ];
    for (name, bytes, expected) in cases {
        let result = read_responses(&form, name, bytes, &ReadOptions::default());
        match (result, expected) {
            // A BOM and an underscore metadata column are fine; the missing required answers
            // are what is wrong with that last file.
            (Err(errors), "") => assert!(errors.iter().all(|e| e.message.contains("requires an answer")), "{errors:?}"),
            (Err(errors), expected) => assert!(errors[0].to_string().starts_with(expected), "{name}: {}", errors[0]),
            (Ok(_), _) => panic!("{name} should be refused"),
        }
    }
}

/// A file as `read_responses_file` streams it: blocks cut at record ends, records longer than a
/// block, quoted newlines and commas across block edges, blank lines, errors anywhere — read
/// exactly as the whole-file reader reads the same bytes, with the same row numbers.
#[test]
fn streamed_files_read_exactly_as_whole_ones() {
    let long = format!("\"長い{}意見,\n\"\"引用\"\"\"", "あ".repeat(400));
    let mut rows: Vec<String> = (0..120)
        .map(|i| {
            let org = if i % 7 == 0 { format!("\"会社{i},\n支店\"") } else { format!("会社{i}") };
            let text = if i % 11 == 0 { long.clone() } else { format!("意見{i}") };
            row(
                &format!("r{i}"),
                &org,
                ["mah1", "mah2", "mah3", "mfr"][i % 4],
                "4",
                &(i % 5).to_string(),
                "cost experts",
                &text,
            )
        })
        .collect();
    rows.insert(50, String::new());
    let valid = csv(&rows);
    rows[90] = row("r90", "社", "mah1", "4", "9", "cost", "");
    rows[3] = row("r3", "社", "mah9", "4", "1", "cost", "");
    let invalid = csv(&rows);
    let dir = std::env::temp_dir().join(format!("mamori-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let form = form();
    for (text, bom) in [(&valid, false), (&valid, true), (&invalid, false)] {
        let bytes = if bom { [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat() } else { text.as_bytes().to_vec() };
        let path = dir.join("s.csv");
        std::fs::write(&path, &bytes).unwrap();
        let name = path.display().to_string();
        let whole = read(&name, &bytes, &ReadOptions::default());
        for block in [700, 1000, 4096, 0] {
            for threads in [1, 2, 3] {
                for skip_invalid in [false, true] {
                    let options = ReadOptions { block, threads, skip_invalid, ..ReadOptions::default() };
                    let whole = read_responses(&form, &name, &bytes, &options)
                        .map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>());
                    let streamed = mamori_dataset::read_responses_file(&form, &path, &options)
                        .map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>());
                    match (&whole, &streamed) {
                        (Ok(a), Ok(b)) => {
                            assert_eq!(a.responses, b.responses, "block {block}, {threads} threads");
                            assert_eq!(a.skipped, b.skipped);
                        }
                        (Err(a), Err(b)) => assert_eq!(a, b, "block {block}, {threads} threads"),
                        _ => panic!("block {block}, {threads} threads: {whole:?} against {streamed:?}"),
                    }
                }
            }
        }
        if std::ptr::eq(text, &invalid) {
            let errors = whole.unwrap_err();
            assert_eq!(errors.len(), 2, "{errors:?}");
            assert!(
                errors[0].ends_with(":5:profile/license_type: 'mah9': 'mah9' is not one of the choices."),
                "{}",
                errors[0]
            );
            assert!(errors[1].contains(":92:products_done:"), "{}", errors[1]);
        } else {
            assert_eq!(whole.unwrap().len(), 120);
        }
    }
    // Shift_JIS is found out and read whole.
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&valid);
    let path = dir.join("sjis.csv");
    std::fs::write(&path, &sjis).unwrap();
    let options = ReadOptions { block: 700, ..ReadOptions::default() };
    let streamed = mamori_dataset::read_responses_file(&form, &path, &options).unwrap();
    assert_eq!(streamed.responses, read("x.csv", valid.as_bytes(), &options).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// CSV files are checked in batches, independent questions down their columns; Excel sheets
/// row by row. On the same messy answers — stray spaces, repeated and unknown choices,
/// full-width digits, answers to questions that do not apply, errors of every kind, several in
/// one row — both give the same table, the same errors in the same order, and drop the same rows.
/// The last 600 rows are valid, so that whole batches without an error are stored too.
#[test]
fn batched_csv_checks_agree_with_row_by_row_checks() {
    let mut rows: Vec<String> = (0..1800)
        .map(|i| {
            if i >= 1200 {
                let license = ["mah1", "mah2", "mfr", "mah3"][i % 4];
                let challenges = ["cost experts", "education", "experts", "hospital riskmgmt cost"][i % 4];
                return row(&format!("r{i}"), &format!("会社{i}"), license, "12", "3", challenges, "意見");
            }
            let license = [" mah1", "mah2 ", "mah3", "mfr", "other", "mah9", ""][i % 7];
            let total = ["4", "１２", " 7", "x", ""][i % 5];
            let done = ["1", "3", "9", "-1", ""][i % 5];
            let challenges = ["cost experts", "cost  cost", "other", "nope", "", " education "][i % 6];
            let org = if i % 13 == 0 { String::new() } else { format!("会社{i}") };
            row(&format!("r{i}"), &org, license, total, done, challenges, if i % 3 == 0 { " 意見 " } else { "" })
        })
        .collect();
    // Independent questions wrong too: an unknown status and a missing required answer.
    rows[5] = rows[5].replace(",done,prep,none,done,", ",done,prep,maybe,done,");
    rows[8] = rows[8].replace(",done,prep,none,done,", ",done,,none,done,");
    let text = csv(&rows);
    let bytes = xlsx_of(&text);
    let form = form();
    for skip_invalid in [false, true] {
        let options = ReadOptions { skip_invalid, threads: 2, ..ReadOptions::default() };
        let from_csv = read_responses(&form, "r.csv", text.as_bytes(), &options);
        let from_xlsx = read_responses(&form, "r.xlsx", &bytes, &options);
        let messages = |e: &[mamori_dataset::InputError]| -> Vec<String> {
            e.iter().map(|e| e.to_string().replacen("r.csv", "F", 1).replacen("r.xlsx", "F", 1)).collect()
        };
        match (from_csv, from_xlsx) {
            (Ok(a), Ok(b)) => {
                assert!(skip_invalid);
                assert_eq!(a.responses.columns, b.responses.columns);
                assert_eq!(a.responses.rows, b.responses.rows);
                assert_eq!(a.responses.ids, b.responses.ids);
                assert_eq!(a.skipped_rows, b.skipped_rows);
                assert_eq!(messages(&a.skipped), messages(&b.skipped));
                assert!(a.skipped_rows > 500 && a.responses.len() >= 600, "{} skipped", a.skipped_rows);
                assert_eq!(a.responses.rows.last(), Some(&1801), "the valid tail is kept");
            }
            (Err(a), Err(b)) => {
                assert!(!skip_invalid);
                assert_eq!(messages(&a), messages(&b));
                assert!(
                    messages(&a).iter().any(|m| m.contains(":7:proc_docs:") || m.contains(":7:competence:")),
                    "{:?}",
                    &messages(&a)[..10]
                );
            }
            (a, b) => panic!("csv {:?} against xlsx {:?}", a.map(|l| l.skipped_rows), b.map(|l| l.skipped_rows)),
        }
    }
}

#[test]
fn files_that_cannot_be_read_say_so() {
    let form = form();
    let dir = std::env::temp_dir().join(format!("mamori-unreadable-{}.csv", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for path in [dir.clone(), dir.join("missing.csv")] {
        let errors = mamori_dataset::read_responses_file(&form, &path, &ReadOptions::default()).unwrap_err();
        assert_eq!(errors.len(), 1);
        let message = errors[0].to_string();
        assert!(message.starts_with(&format!("{}: cannot be read: ", path.display())), "{message}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Questions of the same name in different groups (pyxform and ODK allow it) are columns of
/// their own, headed by their paths as Mamori writes them; a file read back gives each its
/// own answers, and a bare name still means the question outside any group.
#[test]
fn the_same_name_in_different_groups_is_one_column_each() {
    let md = "| survey |\n| | type | name | label |\n| | integer | n | N |\n| | begin group | g | G |\n| | integer | n | N in g |\n| | end group | | |\n| | begin group | h | H |\n| | begin group | g | G in h |\n| | integer | n | N in h/g |\n| | end group | | |\n| | end group | | |\n";
    let form = mamori_form::read_bytes("dup.md", md.as_bytes()).form.unwrap();
    let text = "_id,n,g/n,h/g/n\nr1,1,2,3\nr2,4,,6\n";
    let read = read_responses(&form, "dup.csv", text.as_bytes(), &ReadOptions::default())
        .map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>())
        .unwrap()
        .responses;
    let mut out = Vec::new();
    write_csv(&form, &read, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap().trim_start_matches('\u{feff}').replace("\r\n", "\n"), text);
    // A header naming a group the question is not in is refused, located.
    let wrong = read_responses(&form, "dup.csv", b"_id,x/n\nr1,1\n", &ReadOptions::default()).err().unwrap();
    assert!(wrong[0].to_string().contains("x/n"), "{wrong:?}");
}

/// A range question's column takes the points of its scale only; any other number is a
/// located error, and the file is refused whole.
#[test]
fn a_range_column_takes_only_the_points_of_its_scale() {
    let md = "| survey |\n| | type | name | label | parameters |\n| | range | share | S | start=0 end=1 step=0.25 |\n";
    let form = mamori_form::read_bytes("range.md", md.as_bytes()).form.unwrap();
    let good = read_responses(&form, "r.csv", b"_id,share\nr1,0.75\nr2,1\nr3,\n", &ReadOptions::default());
    assert!(good.is_ok());
    let bad =
        read_responses(&form, "r.csv", b"_id,share\nr1,0.75\nr2,0.3\nr3,2\n", &ReadOptions::default()).err().unwrap();
    let bad: Vec<String> = bad.iter().map(|e| e.to_string()).collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].contains("r.csv:3:share") && bad[0].contains("0 to 1 in steps of 0.25"), "{bad:?}");
    assert!(bad[1].contains("r.csv:4:"), "{bad:?}");
}
