//! `mamori backup`, `mamori restore` and `mamori migrate-db`: a consistent copy of a database
//! while it serves, and the way from one SQLite file to a shared PostgreSQL database.

use clap::Args;
use mamori_web::mamori_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct Backup {
    /// The database, as for `mamori serve --db`.
    #[arg(long, default_value = "sqlite://mamori.db")]
    db: String,
    /// The backup file to write (JSON lines; written to a temporary name, then renamed).
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Args)]
pub struct Restore {
    /// The database to restore into: a new, empty one (SQLite file or PostgreSQL database).
    #[arg(long)]
    db: String,
    /// The backup file written by `mamori backup`.
    file: PathBuf,
}

#[derive(Args)]
pub struct MigrateDb {
    /// The database to copy from, e.g. sqlite://mamori.db (it may be serving meanwhile).
    #[arg(long)]
    from: String,
    /// The new, empty database to copy to, e.g. postgres://USER:PASSWORD@HOST/DB.
    #[arg(long)]
    to: String,
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())
}

fn finish(outcome: Result<String, String>) -> ExitCode {
    match outcome {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn backup(args: Backup) -> ExitCode {
    finish(runtime().and_then(|rt| {
        rt.block_on(async {
            let store = Store::open(&args.db).await.map_err(|e| e.to_string())?;
            let partial = args.output.with_extension("partial");
            let file = std::fs::File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let rows = store.backup(&mut out).await.map_err(|e| e.to_string())?;
            let file = out.into_inner().map_err(|e| e.to_string())?;
            file.sync_all().map_err(|e| e.to_string())?;
            std::fs::rename(&partial, &args.output).map_err(|e| format!("{}: {e}", args.output.display()))?;
            Ok(format!("{}: {rows} rows backed up", args.output.display()))
        })
    }))
}

pub fn restore(args: Restore) -> ExitCode {
    finish(runtime().and_then(|rt| {
        rt.block_on(async {
            let file = std::fs::File::open(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
            let store = Store::open(&args.db).await.map_err(|e| e.to_string())?;
            let rows = store
                .restore(std::io::BufReader::new(file))
                .await
                .map_err(|e| format!("{}: {e}; nothing was restored", args.file.display()))?;
            Ok(format!("{rows} rows restored from {}", args.file.display()))
        })
    }))
}

pub fn migrate(args: MigrateDb) -> ExitCode {
    finish(runtime().and_then(|rt| {
        rt.block_on(async {
            let from = Store::open(&args.from).await.map_err(|e| e.to_string())?;
            let mut copy = Vec::new();
            from.backup(&mut copy).await.map_err(|e| e.to_string())?;
            let to = Store::open(&args.to).await.map_err(|e| e.to_string())?;
            let rows = to.restore(&copy[..]).await.map_err(|e| format!("{e}; nothing was copied"))?;
            Ok(format!("{rows} rows copied; start `mamori serve --db` on the new database"))
        })
    }))
}
