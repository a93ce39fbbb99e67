//! Hostile workbooks (fixtures/hostile, made by tools/make_hostile_files.py): the commands that
//! read them exit with a located error instead of aborting (issue 12, class 4).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn hostile_workbooks_are_refused_with_an_error_not_an_abort() {
    for name in ["far-cell.xlsx", "bomb.xlsx", "cyclic.xls", "many-cells.xlsx"] {
        let file = format!("fixtures/hostile/{name}");
        let runs = [
            vec!["form", "check", file.as_str()],
            vec![
                "report",
                "--form",
                "questionnaires/mdcs-manufacturer-2024.xlsx",
                "--responses",
                &file,
                "--format",
                "json",
            ],
        ];
        for args in runs {
            let out = Command::new(env!("CARGO_BIN_EXE_mamori")).args(&args).current_dir(root()).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?} exits with an error, not a signal: {stderr}");
            assert!(stderr.contains(name), "{args:?}: the error names the file: {stderr}");
            assert!(stderr.len() < 4096, "{args:?}: a short message");
            if name == "many-cells.xlsx" {
                assert!(stderr.contains("more than 2000000 cells"), "{args:?}: the cap says why: {stderr}");
            }
        }
    }
}

#[test]
fn thresholds_below_three_are_refused() {
    let runs: [&[&str]; 2] = [
        &[
            "report",
            "--form",
            "questionnaires/mdcs-manufacturer-2024.xlsx",
            "--responses",
            "fixtures/mdcs-2024-441.csv",
            "--publish",
            "--min-cell",
            "1",
            "--format",
            "json",
        ],
        &[
            "feedback",
            "--form",
            "questionnaires/mdcs-manufacturer-2024.xlsx",
            "--responses",
            "fixtures/mdcs-2024-441.csv",
            "--row",
            "1",
            "--min-peers",
            "2",
            "--format",
            "json",
        ],
    ];
    for args in runs {
        let out = Command::new(env!("CARGO_BIN_EXE_mamori")).args(args).current_dir(root()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains("3.."), "{args:?}: says the allowed range: {stderr}");
    }
}

#[test]
fn participant_lists_are_checked_offline_and_hostile_ones_refused() {
    let check = |file: &str| {
        Command::new(env!("CARGO_BIN_EXE_mamori"))
            .args(["participants", "check", "--form", "questionnaires/mdcs-manufacturer-2024.xlsx", file])
            .current_dir(root())
            .output()
            .unwrap()
    };
    let good = check("fixtures/participants-30.csv");
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    assert!(String::from_utf8_lossy(&good.stdout).contains("30 participant(s)"));

    for name in ["far-cell.xlsx", "bomb.xlsx", "many-cells.xlsx"] {
        let out = check(&format!("fixtures/hostile/{name}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: an error, not a signal: {stderr}");
        assert!(stderr.contains(name) && stderr.len() < 4096, "{name}: a short message naming the file: {stderr}");
    }

    // A list with a problem on every row: the first 100 are listed and the rest counted, and
    // nothing is said to be ready.
    let dir = std::env::temp_dir().join(format!("mamori-participants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    let mut text = String::from("company,license,email\n");
    for i in 0..5000 {
        text.push_str(&format!("=HYPERLINK(\"x\"){i},NOT_A_CLASS,not-an-address-{i}\n"));
    }
    std::fs::write(&bad, text).unwrap();
    let out = check(bad.to_str().unwrap());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("bad.csv:2:B(license)"), "located by row and column: {}", &stderr[..300.min(stderr.len())]);
    assert!(stderr.lines().count() < 110, "bounded: {} lines", stderr.lines().count());
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_real_workbook_that_reserves_much_and_uses_little_is_read() {
    // HOT's camping form (3.9 MB .xls): calamine reserves 640 MiB for its sparse sheet and
    // touches 15 MB. The reading child must judge it by what it uses, not by what it reserves;
    // with RUST_BACKTRACE set, a failing child must not spend its time on a backtrace either.
    let file = "fixtures/xlsform-real/osmfw--archived_camping.xls";
    let out = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["form", "check", file])
        .env("RUST_BACKTRACE", "1")
        .current_dir(root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("needed more than"), "read, not refused for memory: {stderr}");
    assert!(
        stderr.contains("survey:11:A: error: type 'start-geopoint' is not supported"),
        "its rows were checked (a location question, refused by design): {stderr}"
    );
}
