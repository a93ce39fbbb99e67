//! Hostile workbooks (fixtures/hostile, made by tools/make_hostile_files.py): the commands that
//! read them exit with a located error instead of aborting (issue 12, class 4).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn hostile_workbooks_are_refused_with_an_error_not_an_abort() {
    for name in ["far-cell.xlsx", "bomb.xlsx", "cyclic.xls"] {
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
