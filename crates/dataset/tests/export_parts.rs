//! An export written part by part — the dictionary learnt from each part of the file, then the
//! parts written one after the other — is byte for byte the export of the whole file held at
//! once, in every format; and memory holds one part: parts are what `for_each_part` hands over.

use mamori_dataset::export::{Compression, CsvWriter, Dictionary, DtaWriter, Language, Layout, SavWriter, Target};
use mamori_dataset::{ReadOptions, Responses, for_each_part, read_responses_file};
use std::io::Cursor;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every format's bytes from the given parts.
fn files(form: &mamori_form::Form, parts: &[Responses], target: Target) -> Vec<Vec<u8>> {
    let mut dict = Dictionary::new(form, &parts[0], target, Language::pick(form, "ja"));
    for p in parts {
        dict.observe(p);
    }
    dict.finish();
    let layouts: Vec<Layout> = parts.iter().map(|p| Layout::new(&dict, form, p)).collect();
    let mut out = Vec::new();
    for compression in [Compression::Bytecode, Compression::Zlib] {
        let mut bytes = Vec::new();
        let mut w = SavWriter::new(&dict, compression, Cursor::new(&mut bytes)).unwrap();
        for l in &layouts {
            w.write(l).unwrap();
        }
        w.finish().unwrap();
        out.push(bytes);
    }
    let mut bytes = Vec::new();
    let mut w = DtaWriter::new(&dict, &mut bytes).unwrap();
    for l in &layouts {
        w.write(l).unwrap();
    }
    w.start_long_texts().unwrap();
    for l in &layouts {
        w.write_long_texts(l).unwrap();
    }
    w.finish().unwrap();
    out.push(bytes);
    for sps in [false, true] {
        let mut bytes = Vec::new();
        let mut w = CsvWriter::new(&dict, &mut bytes, sps).unwrap();
        for l in &layouts {
            w.write(l).unwrap();
        }
        w.finish().unwrap();
        out.push(bytes);
    }
    out
}

fn check(form_path: &Path, responses: &Path, block: usize, min_parts: usize) {
    let form = mamori_form::read_file(form_path).form.unwrap();
    let options = ReadOptions { keep_metadata: true, block, ..ReadOptions::default() };
    let whole = read_responses_file(&form, responses, &options).unwrap().responses;
    let mut parts = Vec::new();
    for_each_part(&form, responses, &options, &mut |p| parts.push(p)).unwrap();
    assert!(parts.len() >= min_parts, "{} parts", parts.len());
    assert_eq!(parts.iter().map(Responses::len).sum::<usize>(), whole.len());
    for target in [Target::Spss, Target::Stata, Target::R] {
        let one = files(&form, std::slice::from_ref(&whole), target);
        let many = files(&form, &parts, target);
        for (k, (a, b)) in one.iter().zip(&many).enumerate() {
            assert!(a == b, "{target:?} file {k}: {} bytes whole, {} by parts", a.len(), b.len());
        }
    }
}

#[test]
fn the_441_responses_by_parts_are_the_whole() {
    check(
        &root().join("questionnaires/mdcs-manufacturer-2024.xlsx"),
        &root().join("fixtures/mdcs-2024-441.csv"),
        4096,
        10,
    );
}

#[test]
fn long_text_by_parts_is_the_whole() {
    // Answers of several kilobytes, line breaks, strL in Stata: the parts are single records.
    check(&root().join("fixtures/export/hard-form.md"), &root().join("fixtures/export/hard.csv"), 512, 2);
}

#[test]
fn a_file_that_is_not_utf8_is_one_part_and_still_read() {
    let dir = std::env::temp_dir().join(format!("mamori-parts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let utf8 = std::fs::read_to_string(root().join("fixtures/mdcs-2024-441.csv")).unwrap();
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&utf8);
    let path = dir.join("sjis.csv");
    std::fs::write(&path, &sjis).unwrap();
    let form = mamori_form::read_file(&root().join("questionnaires/mdcs-manufacturer-2024.xlsx")).form.unwrap();
    let options = ReadOptions { block: 4096, ..ReadOptions::default() };
    let mut parts = Vec::new();
    for_each_part(&form, &path, &options, &mut |p| parts.push(p)).unwrap();
    assert_eq!(parts.len(), 1, "Shift_JIS is read whole, never handed over twice");
    assert_eq!(parts[0].len(), 441);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_answer_longer_than_spss_strings_is_refused_by_name_not_written() {
    let form = mamori_form::read_file(&root().join("fixtures/export/hard-form.md")).form.unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/export/hard.csv")).unwrap();
    let long = "長".repeat(11_000); // 33,000 bytes
    let text = text.replacen("短い記述", &long, 1);
    let responses =
        mamori_dataset::read_responses(&form, "hard.csv", text.as_bytes(), &ReadOptions::default()).unwrap().responses;
    let dict = Dictionary::of(&form, &responses, Target::Spss, Language::pick(&form, "ja"));
    let mut bytes = Vec::new();
    let err = SavWriter::new(&dict, Compression::Bytecode, Cursor::new(&mut bytes)).err().expect("refused");
    assert!(
        err.to_string().starts_with("essay (essay) has an answer of 33000 bytes; SPSS strings hold at most 32767"),
        "{err}"
    );
    assert!(bytes.is_empty(), "nothing written");
    // Stata takes it, as a strL.
    let dict = Dictionary::of(&form, &responses, Target::Stata, Language::pick(&form, "ja"));
    assert!(DtaWriter::new(&dict, Vec::new()).is_ok());
}
