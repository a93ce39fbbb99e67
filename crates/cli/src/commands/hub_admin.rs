//! `mamori hub org add` and `mamori hub import`: the hub's database from the command line —
//! the first coordinator of a new hub (the pages need someone to sign in), and advisories
//! taken in from a directory (a CSAF provider's mirror, an OSV export, MyJVN answers) the
//! same way, all or nothing, as the coordinator's intake page takes uploads in.

use clap::{Args, ValueEnum};
use mamori_web::hub::engine::{self, IntakeError};
use mamori_web::mamori_store::Store;
use mamori_web::mamori_store::hub::OrgKind;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct OrgAdd {
    /// The database, as for `mamori serve --db`.
    #[arg(long, default_value = "sqlite://mamori.db")]
    db: String,
    #[arg(long, value_enum)]
    kind: KindArg,
    /// The organisation's name in Japanese.
    #[arg(long)]
    name_ja: String,
    #[arg(long, default_value = "")]
    name_en: String,
    /// A manufacturer's licence class (mah1, mah2, mah3).
    #[arg(long, default_value = "")]
    licence_class: String,
    /// The login of its first administrator; the password is the first line of standard
    /// input (at least 12 characters).
    #[arg(long)]
    admin: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Coordinator,
    Hospital,
    Manufacturer,
}

#[derive(Args)]
pub struct Import {
    #[arg(long, default_value = "sqlite://mamori.db")]
    db: String,
    /// Files or directory trees of CSAF (.json), OSV (.json) and JVN iPedia (.xml) documents.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The TLP label of documents that carry none.
    #[arg(long, default_value = "CLEAR")]
    tlp: String,
    /// Who is recorded as having taken them in.
    #[arg(long, default_value = "cli")]
    by: String,
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| eprintln!("error: {e}")).ok()
}

pub fn org_add(args: OrgAdd) -> ExitCode {
    let mut password = String::new();
    if std::io::stdin().lock().read_line(&mut password).is_err() {
        eprintln!("error: cannot read the password from standard input");
        return ExitCode::FAILURE;
    }
    let password = password.trim_end_matches(['\r', '\n']);
    if let Some(problem) = mamori_web::password::problem(password, &args.admin) {
        eprintln!("error: the password (first line of standard input) is refused: {problem}");
        return ExitCode::FAILURE;
    }
    let kind = match args.kind {
        KindArg::Coordinator => OrgKind::Coordinator,
        KindArg::Hospital => OrgKind::Hospital,
        KindArg::Manufacturer => OrgKind::Manufacturer,
    };
    let Some(runtime) = runtime() else { return ExitCode::FAILURE };
    let hash = mamori_web::hash_password(password);
    let result = runtime.block_on(async {
        let store = Store::open(&args.db).await?;
        if store.user_for_login(&args.admin).await?.is_some() {
            return Err(mamori_web::mamori_store::StoreError(format!("the login {} exists already", args.admin)));
        }
        let id = store.create_hub_org(kind, &args.name_ja, &args.name_en, &args.licence_class).await?;
        store.create_hub_person(&id, &args.admin, &args.admin, "admin", &hash).await?;
        Ok(id)
    });
    match result {
        Ok(id) => {
            println!("added {id} ({}, {}) with administrator {}", kind.as_str(), args.name_ja, args.admin);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn import(args: Import) -> ExitCode {
    if !mamori_web::hub::TLP_LABELS.contains(&args.tlp.as_str()) {
        eprintln!("error: --tlp {}: one of {}", args.tlp, mamori_web::hub::TLP_LABELS.join(", "));
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for path in &args.paths {
        let listed = match mamori_advisories::sources::files_under(path) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        for file in listed {
            // Digest and signature files, provider metadata and notes are not documents.
            let name = file.display().to_string();
            if !(name.ends_with(".json") || name.ends_with(".xml")) || name.ends_with("provider-metadata.json") {
                continue;
            }
            match mamori_advisories::sources::read_bounded(&file) {
                Ok(bytes) => files.push((name, bytes)),
                Err(e) => {
                    eprintln!("error: {name}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let Some(runtime) = runtime() else { return ExitCode::FAILURE };
    let result = runtime.block_on(async {
        let store = Store::open(&args.db).await.map_err(IntakeError::Store)?;
        engine::take_in(&store, files, &args.tlp, &args.by).await
    });
    match result {
        Ok(intake) => {
            println!(
                "took in {} document(s) ({} already there); {} finding(s) stored",
                intake.added.len(),
                intake.again,
                intake.findings
            );
            ExitCode::SUCCESS
        }
        Err(IntakeError::Unreadable(errors)) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("nothing was taken in; fix or leave out the files above");
            ExitCode::from(2)
        }
        Err(IntakeError::Store(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
