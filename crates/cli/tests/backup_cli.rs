//! `mamori backup` of a database while `mamori serve` runs on it, `mamori restore` into a new
//! SQLite file and `mamori migrate-db` to PostgreSQL: the same rows everywhere, and a restore
//! into a database in use refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mamori(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mamori")).args(args).current_dir(root()).output().unwrap()
}

fn rows(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn backup_while_serving_restore_and_move_to_postgresql() {
    let dir = std::env::temp_dir().join(format!("mamori-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("live.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["serve", "--demo", "--db", &db, "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it has made its demo data and listens.
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(server.stdout.as_mut().unwrap()), &mut line).unwrap();
    assert!(line.contains("listening"), "{line}");
    let first = dir.join("first.mamori-backup");
    let out = mamori(&["backup", "--db", &db, "-o", first.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = server.kill();
    let _ = server.wait();
    let original = rows(&first);
    assert!(original.iter().any(|l| l.contains("\"t\":\"responses\"")), "the demo's responses are in the backup");
    // Restore into a new SQLite file: the same rows.
    let copy = format!("sqlite://{}", dir.join("copy.db").display());
    let out = mamori(&["restore", "--db", &copy, first.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let second = dir.join("second.mamori-backup");
    assert!(mamori(&["backup", "--db", &copy, "-o", second.to_str().unwrap()]).status.success());
    assert_eq!(rows(&second), original);
    // Into a database in use: refused, with the reason.
    let out = mamori(&["restore", "--db", &copy, first.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was restored"));
    // To PostgreSQL.
    let admin = std::env::var("MAMORI_TEST_POSTGRES").expect("MAMORI_TEST_POSTGRES is not set: run tools/test");
    let name = format!("mamori_migrate_{}", std::process::id());
    let psql = |sql: &str| Command::new("psql").args([admin.as_str(), "-qc", sql]).output().unwrap();
    assert!(psql(&format!("CREATE DATABASE {name}")).status.success());
    let pg = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let out = mamori(&["migrate-db", "--from", &copy, "--to", &pg]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let third = dir.join("third.mamori-backup");
    assert!(mamori(&["backup", "--db", &pg, "-o", third.to_str().unwrap()]).status.success());
    let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    assert_eq!(rows(&third), original, "PostgreSQL holds what SQLite held");
    let _ = std::fs::remove_dir_all(&dir);
}
