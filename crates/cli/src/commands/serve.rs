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
    /// 20 demo participants (15 of whom have submitted), and print the admin login and a
    /// respondent's personal link.
    #[arg(long)]
    demo: bool,
    /// With --demo: how many participants (load tests use many).
    #[arg(long, default_value_t = 20, requires = "demo")]
    demo_participants: usize,
    /// With --demo: also write every participant's personal link to this file, one per line
    /// (for load tests).
    #[arg(long, requires = "demo", value_name = "FILE")]
    demo_links: Option<std::path::PathBuf>,
    /// With --demo: try your own questionnaire (XLSForm) instead of the 2024 one — an open
    /// campaign of it with the demo participants, none of whom has answered yet. The form is
    /// checked first; errors are printed and nothing starts.
    #[arg(long, requires = "demo", value_name = "FORM")]
    demo_form: Option<std::path::PathBuf>,
    /// The SMTP server for invitations, reminders and receipts: `smtp://HOST:PORT` (plain,
    /// e.g. a relay on this host), `smtp://USER:PASSWORD@HOST:587?tls=required` (STARTTLS) or
    /// `smtps://USER:PASSWORD@HOST`. Without it, mail waits in the database until a server
    /// process with --smtp starts.
    #[arg(long, value_name = "URL")]
    smtp: Option<String>,
    /// The address respondents reach this server at, for the links in mail, e.g.
    /// `https://survey.example.jp`. Default: http://ADDRESS from --bind.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// A proxy (address or CIDR range, e.g. 127.0.0.1/32 or 10.0.0.0/8) whose
    /// `X-Forwarded-For` header names the client for rate limits; repeatable. Without it the
    /// header is ignored and limits count the socket's peer.
    #[arg(long = "trusted-proxy", value_name = "CIDR", value_parser = parse_cidr)]
    trusted_proxies: Vec<ipnet::IpNet>,
}

/// A CIDR range, or a single address as its own /32 or /128.
fn parse_cidr(text: &str) -> Result<ipnet::IpNet, String> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("'{text}' is not an address or CIDR range such as 10.0.0.0/8"))
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
    // Structured log lines on standard error (the access log, warnings); standard output keeps
    // the few lines a person or a script reads at start. A worker thread writes them, so that a
    // request never waits on the terminal or pipe behind stderr; it blocks rather than drops
    // lines when its queue is full, and the guard flushes what is queued when serve returns.
    // 16,384 queued lines are seconds of the busiest load measured (BENCHMARKS.md); the
    // default 128,000 would hold 5 MB of idle memory.
    let (log_writer, _log_flush) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(16_384)
        .finish(std::io::stderr());
    let _ = tracing_subscriber::fmt().with_writer(log_writer).with_ansi(false).try_init();
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
    let mut admin_password = None;
    if args.demo {
        let tokens = match &args.demo_form {
            Some(path) => demo_of_form(&store, path, args.demo_participants).await?,
            None => demo(&store, args.demo_participants).await?,
        };
        let password = mamori_web::mamori_store::random_hex(8);
        store
            .create_user(
                "admin",
                "デモ管理者",
                mamori_web::mamori_store::Role::Admin,
                &mamori_web::hash_password(&password),
            )
            .await
            .map_err(|e| e.to_string())?;
        admin_password = Some(password);
        if let Some(path) = &args.demo_links {
            let lines: String = tokens.iter().map(|t| format!("http://{address}/r/{t}\n")).collect();
            std::fs::write(path, lines).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        link = tokens.into_iter().next();
    }
    let no_users = store.user_count().await.map_err(|e| e.to_string())? == 0;
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
    let config =
        mamori_web::Config { smtp: args.smtp.clone(), public_url, trusted_proxies: args.trusted_proxies.clone() };
    let app = mamori_web::app_with(store, config).await.map_err(|e| e.to_string())?;
    println!(
        "Mamori is listening on http://{address} (database {}), ready in {} ms",
        redact(&db),
        started.elapsed().as_millis()
    );
    if let Some(token) = link {
        match &args.demo_form {
            Some(path) => println!("Demo campaign: {}, open, {} participants.", path.display(), args.demo_participants),
            None => println!("Demo campaign: the 2024 questionnaire, open, {} participants.", args.demo_participants),
        }
        println!("A respondent's personal link: http://{address}/r/{token}");
    }
    if let Some(password) = admin_password {
        println!("The survey office's pages: http://{address}/admin  login: admin  password: {password}");
    } else if no_users {
        println!(
            "No user can sign in to /admin yet: add one with `mamori user add --db {} --login NAME --role admin`.",
            redact(&db)
        );
    }
    if args.smtp.is_none() {
        println!("Mail is kept in the database until the server runs with --smtp.");
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
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

/// `n` demo participants: the demo fixture's companies in turn, each with its own address.
fn demo_companies(n: usize) -> Result<Vec<mamori_web::mamori_store::NewParticipant>, String> {
    let mut reader = csv::Reader::from_reader(DEMO_PARTICIPANTS.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or(0);
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    Ok((0..n)
        .map(|i| {
            let record = &records[i % records.len()];
            mamori_web::mamori_store::NewParticipant {
                company: record[col("org_name")].to_string(),
                license: record[col("license_type")].to_string(),
                email: format!("demo+{:04}@example.jp", i + 1),
                language: "ja".into(),
                corporate_number: String::new(),
            }
        })
        .collect())
}

/// A demo of the survey office's own questionnaire: an open campaign of it, six weeks long,
/// with the demo companies as participants and no answers. Returns their link tokens.
async fn demo_of_form(
    store: &mamori_web::mamori_store::Store,
    path: &std::path::Path,
    participants: usize,
) -> Result<Vec<String>, String> {
    // Read with the choice files beside it, and stored with them (a .zip) when it has any.
    let outcome = mamori_form::read_file(path);
    if outcome.has_errors() {
        let errors: Vec<String> = outcome.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
        return Err(format!("{}\nthe questionnaire has errors: fix them and start again", errors.join("\n")));
    }
    let form = outcome.form.ok_or("the questionnaire reads")?;
    let (file_name, bytes) = mamori_form::bundle::stored_form(path, &form)?;
    let now = mamori_web::mamori_store::now();
    let campaign = store
        .create_campaign(&form.title, &file_name, &bytes, now, now + 42 * 86_400)
        .await
        .map_err(|e| e.to_string())?;
    let ids =
        store.add_participants(&campaign, &demo_companies(participants)?, "office").await.map_err(|e| e.to_string())?;
    if ids.is_empty() {
        return Err("--demo-participants must be at least 1".into());
    }
    Ok(ids.iter().map(|id| store.link_token(id)).collect())
}

/// The demo campaign: the 2024 questionnaire, open for six weeks, participants named after
/// the demo fixture's companies, succeeding a previous wave they all answered. Returns their
/// link tokens.
const DEMO_FRESH: usize = 5;
const DEMO_SUBMITTED_UP_TO: usize = 20;

async fn demo(store: &mamori_web::mamori_store::Store, participants: usize) -> Result<Vec<String>, String> {
    use mamori_web::mamori_store::CampaignSettings;
    let now = mamori_web::mamori_store::now();
    let form =
        mamori_form::read_bytes("mdcs-manufacturer-2024.xlsx", FORM_2024).form.ok_or("the shipped form reads")?;
    let mut reader = csv::Reader::from_reader(DEMO_PARTICIPANTS.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let answers_of = |i: usize| -> std::collections::BTreeMap<String, String> {
        headers
            .iter()
            .zip(records[i % records.len()].iter())
            .filter(|(h, v)| !h.starts_with('_') && !v.is_empty())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect()
    };
    // The previous wave (issue 14): the same questionnaire a year earlier, closed, answered
    // by every demo company a step behind where it stands now, so that the comparison, the
    // respondents' previous answers and their score change have something to show.
    let year = 365 * 86_400;
    let previous = store
        .create_campaign_with(
            "令和5年度 医療機器のサイバーセキュリティ対策の対応状況アンケート",
            "mdcs-manufacturer-2024.xlsx",
            FORM_2024,
            &form.version,
            now - year,
            now - year + 42 * 86_400,
            &CampaignSettings::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    // One transaction for all participants: a start-up of hundreds of inserts stays fast.
    let new = demo_companies(participants)?;
    let previous_ids = store.add_participants(&previous, &new, "office").await.map_err(|e| e.to_string())?;
    for (i, id) in previous_ids.iter().enumerate() {
        store.save_answers(id, &a_step_behind(&form, answers_of(i), i), true).await.map_err(|e| e.to_string())?;
    }
    // This wave succeeds it: participants, settings and mail texts carried over. Feedback is
    // released in the demo, so a respondent sees it right after submitting, and each sees its
    // previous answers while answering.
    let campaign = store
        .succeed_campaign(
            &previous,
            "令和6年度 医療機器のサイバーセキュリティ対策の対応状況アンケート",
            "mdcs-manufacturer-2024.xlsx",
            FORM_2024,
            &form.version,
            (now, now + 42 * 86_400),
            |s| {
                s.feedback_released = true;
                s.show_previous_answers = true;
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    // The carried participants in the demo's order (by organisation).
    let carried = store.participants_of(&campaign).await.map_err(|e| e.to_string())?;
    let mut ids = Vec::with_capacity(previous_ids.len());
    for pid in &previous_ids {
        let org = store.participant(pid).await.map_err(|e| e.to_string())?.ok_or("a demo participant")?.org_id;
        let current = carried.iter().find(|r| r.participant.org_id == org).ok_or("a carried demo participant")?;
        ids.push(current.participant.id.clone());
    }
    // After the first five (left fresh, the first one's link is printed), up to 20 demo
    // companies have already submitted their fixture answers, so that monitoring, results,
    // review and feedback have something to show.
    for (i, id) in ids.iter().enumerate().take(DEMO_SUBMITTED_UP_TO).skip(DEMO_FRESH) {
        store.save_answers(id, &answers_of(i), true).await.map_err(|e| e.to_string())?;
    }
    let tokens: Vec<String> = ids.iter().map(|id| store.link_token(id)).collect();
    if tokens.is_empty() {
        return Err("--demo-participants must be at least 1".into());
    }
    Ok(tokens)
}

/// The demo's previous-wave answers: a third of the scored answers one step lower (完了 →
/// 準備中 → 未着手), chosen by position so that every run makes the same data.
fn a_step_behind(
    form: &mamori_form::Form,
    mut answers: std::collections::BTreeMap<String, String>,
    company: usize,
) -> std::collections::BTreeMap<String, String> {
    for (q, question) in form.questions.iter().enumerate() {
        let has = |code: &str| question.choices.iter().any(|c| c.name == code);
        if !(has("done") && has("prep") && has("none") && (q + company).is_multiple_of(3)) {
            continue;
        }
        if let Some(a) = answers.get_mut(&question.name) {
            match a.as_str() {
                "done" => *a = "prep".into(),
                "prep" => *a = "none".into(),
                _ => {}
            }
        }
    }
    answers
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
