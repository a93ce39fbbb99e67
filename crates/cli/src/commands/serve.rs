//! `mamori serve`: the web application on SQLite (default) or PostgreSQL.

use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct Serve {
    /// The database: `sqlite://PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`.
    /// Default: mamori.db in the current folder.
    #[arg(long, default_value = "sqlite://mamori.db")]
    db: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// Start on an empty temporary database with the 2024 questionnaire, an open campaign and
    /// 20 demo participants, and print a respondent's personal link.
    #[arg(long)]
    demo: bool,
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
    let db = if args.demo {
        let path = std::env::temp_dir().join(format!(
            "mamori-demo-{}-{}.db",
            std::process::id(),
            mamori_web::mamori_store::now()
        ));
        format!("sqlite://{}", path.display())
    } else {
        args.db.clone()
    };
    let store = mamori_web::mamori_store::Store::open(&db).await.map_err(|e| format!("{}: {e}", redact(&db)))?;
    let listener =
        tokio::net::TcpListener::bind(&args.bind).await.map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mut link = None;
    if args.demo {
        link = Some(demo(&store).await?);
    }
    let app = mamori_web::app(store).await.map_err(|e| e.to_string())?;
    println!(
        "Mamori is listening on http://{address} (database {}), ready in {} ms",
        redact(&db),
        started.elapsed().as_millis()
    );
    if let Some(token) = link {
        println!("Demo campaign: the 2024 questionnaire, open, 20 participants.");
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

/// The demo campaign: the 2024 questionnaire, open for six weeks, 20 participants taken from
/// the demo fixture's companies. Returns the first participant's link token.
async fn demo(store: &mamori_web::mamori_store::Store) -> Result<String, String> {
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
    let mut first = None;
    for (i, record) in reader.records().take(20).enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        let (_, token) = store
            .add_participant(
                &campaign,
                &record[col("org_name")],
                &record[col("license_type")],
                &format!("demo+{:02}@example.jp", i + 1),
                "ja",
            )
            .await
            .map_err(|e| e.to_string())?;
        first.get_or_insert(token);
    }
    first.ok_or_else(|| "no demo participants".into())
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
