//! `mamori serve`: the web application on SQLite (default) or PostgreSQL.

use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct Serve {
    /// The database: `sqlite://PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`.
    /// Default: mamori.db in the current folder; with --demo, a new temporary SQLite file.
    #[arg(long)]
    db: Option<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// Start on an empty temporary database with the 2024 questionnaire, an open campaign and
    /// 20 demo participants, and print a respondent's personal link.
    #[arg(long)]
    demo: bool,
    /// With --demo: how many participants (load tests use many).
    #[arg(long, default_value_t = 20, requires = "demo")]
    demo_participants: usize,
    /// With --demo: also write every participant's personal link to this file, one per line
    /// (for load tests).
    #[arg(long, requires = "demo", value_name = "FILE")]
    demo_links: Option<std::path::PathBuf>,
}

const FORM_2024: &[u8] = include_bytes!("../../../../questionnaires/mdcs-manufacturer-2024.xlsx");
const DEMO_PARTICIPANTS: &str = include_str!("../../../../fixtures/mdcs-2024-441.csv");

pub fn run(args: Serve) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Serve) -> Result<(), String> {
    let started = std::time::Instant::now();
    let db = match (&args.db, args.demo) {
        (Some(db), _) => db.clone(),
        (None, true) => {
            let path = std::env::temp_dir().join(format!(
                "mamori-demo-{}-{}.db",
                std::process::id(),
                mamori_web::mamori_store::now()
            ));
            format!("sqlite://{}", path.display())
        }
        (None, false) => "sqlite://mamori.db".to_string(),
    };
    let store = mamori_web::mamori_store::Store::open(&db).await.map_err(|e| format!("{}: {e}", redact(&db)))?;
    let listener =
        tokio::net::TcpListener::bind(&args.bind).await.map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mut link = None;
    if args.demo {
        let tokens = demo(&store, args.demo_participants).await?;
        if let Some(path) = &args.demo_links {
            let lines: String = tokens.iter().map(|t| format!("http://{address}/r/{t}\n")).collect();
            std::fs::write(path, lines).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        link = tokens.into_iter().next();
    }
    let app = mamori_web::app(store).await.map_err(|e| e.to_string())?;
    println!(
        "Mamori is listening on http://{address} (database {}), ready in {} ms",
        redact(&db),
        started.elapsed().as_millis()
    );
    if let Some(token) = link {
        println!("Demo campaign: the 2024 questionnaire, open, {} participants.", args.demo_participants);
        println!("A respondent's personal link: http://{address}/r/{token}");
        println!("The survey office's pages (/admin) are not built yet.");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// A database URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// The demo campaign: the 2024 questionnaire, open for six weeks, participants named after
/// the demo fixture's companies. Returns their link tokens.
async fn demo(store: &mamori_web::mamori_store::Store, participants: usize) -> Result<Vec<String>, String> {
    let now = mamori_web::mamori_store::now();
    let campaign = store
        .create_campaign(
            "令和6年度 医療機器のサイバーセキュリティ対策の対応状況アンケート",
            "mdcs-manufacturer-2024.xlsx",
            FORM_2024,
            now,
            now + 42 * 86_400,
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut reader = csv::Reader::from_reader(DEMO_PARTICIPANTS.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or(0);
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let mut tokens = Vec::with_capacity(participants);
    for i in 0..participants {
        let record = &records[i % records.len()];
        let (_, token) = store
            .add_participant(
                &campaign,
                &record[col("org_name")],
                &record[col("license_type")],
                &format!("demo+{:04}@example.jp", i + 1),
                "ja",
            )
            .await
            .map_err(|e| e.to_string())?;
        tokens.push(token);
    }
    if tokens.is_empty() {
        return Err("--demo-participants must be at least 1".into());
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(redact("postgres://mamori:secret@127.0.0.1:5432/db"), "postgres://mamori:***@127.0.0.1:5432/db");
        assert_eq!(redact("sqlite://mamori.db"), "sqlite://mamori.db");
    }
}
