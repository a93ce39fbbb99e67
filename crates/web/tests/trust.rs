//! What attacks and faults must not break (issue 12), on SQLite and on PostgreSQL: a submitted
//! response changes only through a checked submission, two tabs never lose each other's
//! answers, a row that does not pass never takes the results or anyone's feedback down, the
//! server fills metadata and `hidden` questions itself, reviewers see only submissions.

mod common;

use axum::http::StatusCode;
use common::*;
use mamori_store::Role;
use std::collections::BTreeMap;

async fn release_feedback(s: &Site) {
    let mut campaign = s.store.campaign(&s.campaign).await.unwrap().unwrap();
    campaign.settings.feedback_released = true;
    s.store
        .update_campaign(&s.campaign, &campaign.name, campaign.opens_at, campaign.closes_at, &campaign.settings)
        .await
        .unwrap();
}

/// The submitted answers the office sees for a participant.
async fn submitted_of(s: &Site, id: &str) -> Option<BTreeMap<String, String>> {
    s.store.valid_responses(&s.campaign).await.unwrap().into_iter().find(|(p, _)| p == id).map(|(_, a)| a)
}

#[tokio::test]
async fn a_submitted_response_changes_only_through_a_checked_submission() {
    for backend in BACKENDS {
        a_submitted_response_changes_only_through_a_checked_submission_on(backend).await;
    }
}

async fn a_submitted_response_changes_only_through_a_checked_submission_on(backend: Backend) {
    let s = site(backend).await;
    let c = s.campaign.clone();
    let ids = submitted(&s.store, &c, 12).await;
    release_feedback(&s).await;
    let before = submitted_of(&s, &ids[0]).await.expect("submitted");
    let token = s.store.link_token(&ids[0]);
    let page = get(&s.app, &format!("/r/{token}/p/1")).await;
    let csrf = csrf(&page.body);
    // The attack of the report: invalid values posted after submission.
    let r = post(
        &s.app,
        &format!("/r/{token}/p/1"),
        &[("_csrf", &csrf), ("org_name", "x"), ("license_type", "NOT_A_CHOICE"), ("_go", "next")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r =
        post(&s.app, &format!("/r/{token}/p/2"), &[("_csrf", &csrf), ("products_total", "abc"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The office still sees the last valid submission; the respondent sees its correction.
    assert_eq!(submitted_of(&s, &ids[0]).await.as_ref(), Some(&before), "the submission changed without a check");
    let reopened = get(&s.app, &format!("/r/{token}/p/2")).await;
    assert!(reopened.body.contains("value=\"abc\""), "the respondent keeps its unsent correction");
    let review = get(&s.app, &format!("/r/{token}/review")).await;
    assert!(review.body.contains("修正はまだ送信されていません"), "the respondent is told the correction is not sent");
    // Submitting the invalid correction is refused, and changes nothing.
    let r = post(&s.app, &format!("/r/{token}/submit"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(submitted_of(&s, &ids[0]).await.as_ref(), Some(&before));
    // Results and everyone's feedback still work.
    let analyst = signed_in(&s, Role::Analyst).await;
    let results = get_as(&s.app, &format!("/admin/campaigns/{c}/results"), &analyst).await;
    assert_eq!(results.status, StatusCode::OK, "{}", &results.body[..results.body.len().min(300)]);
    for id in &ids[1..4] {
        let r = get(&s.app, &format!("/r/{}/feedback", s.store.link_token(id))).await;
        assert_eq!(r.status, StatusCode::OK, "another respondent's feedback");
    }
    // A valid correction, once submitted, is what the office sees.
    let r = post(
        &s.app,
        &format!("/r/{token}/p/2"),
        &[("_csrf", &csrf), ("products_total", "7"), ("products_done", "3"), ("_go", "save")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = post(
        &s.app,
        &format!("/r/{token}/p/1"),
        &[
            ("_csrf", &csrf),
            ("org_name", &before["org_name"]),
            ("license_type", "mah2"),
            ("supply_origin", "import"),
            ("_go", "save"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = post(&s.app, &format!("/r/{token}/submit"), &[("_csrf", &csrf)]).await;
    let summary: String =
        r.body.find("error-summary").map_or(String::new(), |at| r.body[at..].chars().take(600).collect());
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{summary}");
    let after = submitted_of(&s, &ids[0]).await.unwrap();
    assert_eq!((after["products_total"].as_str(), after["license_type"].as_str()), ("7", "mah2"));
}

#[tokio::test]
async fn a_stored_row_that_does_not_pass_is_left_out_and_shown_to_the_office() {
    for backend in BACKENDS {
        a_stored_row_that_does_not_pass_is_left_out_and_shown_to_the_office_on(backend).await;
    }
}

async fn a_stored_row_that_does_not_pass_is_left_out_and_shown_to_the_office_on(backend: Backend) {
    let s = site(backend).await;
    let c = s.campaign.clone();
    let ids = submitted(&s.store, &c, 12).await;
    release_feedback(&s).await;
    // A row damaged outside Mamori (by hand, or by an older version).
    s.store
        .execute_admin(&format!(
            "UPDATE responses SET submitted_answers = '{{\"license_type\":\"NOT_A_CHOICE\",\"products_total\":\"abc\"}}' \
             WHERE participant_id = '{}'",
            ids[5]
        ))
        .await
        .unwrap();
    let analyst = signed_in(&s, Role::Analyst).await;
    let results = get_as(&s.app, &format!("/admin/campaigns/{c}/results"), &analyst).await;
    assert_eq!(results.status, StatusCode::OK);
    assert!(
        results.body.contains("1 件は調査票の検査を通らない") && results.body.contains(&ids[5]),
        "the office is told"
    );
    assert!(results.body.contains("NOT_A_CHOICE"), "and why");
    for format in ["json", "xlsx", "pdf"] {
        let (status, _) = send_raw(&s.app, &format!("/admin/campaigns/{c}/results.{format}"), &analyst).await;
        assert_eq!(status, StatusCode::OK, "results.{format}");
    }
    for id in [&ids[0], &ids[6]] {
        let r = get(&s.app, &format!("/r/{}/feedback", s.store.link_token(id))).await;
        assert_eq!(r.status, StatusCode::OK, "another respondent's feedback");
    }
    let own = get(&s.app, &format!("/r/{}/feedback", s.store.link_token(&ids[5]))).await;
    assert_eq!(own.status, StatusCode::NOT_FOUND, "no feedback on a row that does not pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_tabs_saving_different_pages_at_once_lose_nothing() {
    for backend in BACKENDS {
        two_tabs_saving_different_pages_at_once_lose_nothing_on(backend).await;
    }
}

/// Trials per backend of two tabs saving at the same moment (the crash harness runs more).
const TAB_TRIALS: usize = 100;

async fn two_tabs_saving_different_pages_at_once_lose_nothing_on(backend: Backend) {
    let s = site(backend).await;
    let t = s.tokens[0].clone();
    let id = s.store.participant_by_token(&t).await.unwrap().unwrap().id;
    let csrf = csrf(&get(&s.app, &format!("/r/{t}/p/1")).await.body);
    let mut lost = Vec::new();
    for trial in 0..TAB_TRIALS {
        let name = format!("社{trial}");
        let total = trial.to_string();
        let one = {
            let (app, t, csrf, name) = (s.app.clone(), t.clone(), csrf.clone(), name.clone());
            tokio::spawn(async move {
                post(&app, &format!("/r/{t}/p/1"), &[("_csrf", &csrf), ("org_name", &name), ("_go", "save")]).await
            })
        };
        let two = {
            let (app, t, csrf, total) = (s.app.clone(), t.clone(), csrf.clone(), total.clone());
            tokio::spawn(async move {
                let fields = [("_csrf", csrf.as_str()), ("products_total", &total), ("_go", "save")];
                post(&app, &format!("/r/{t}/p/2"), &fields).await
            })
        };
        let (one, two) = (one.await.unwrap(), two.await.unwrap());
        assert_eq!((one.status, two.status), (StatusCode::OK, StatusCode::OK), "both saves acknowledged");
        let stored = s.store.response(&id).await.unwrap().unwrap().answers;
        if stored.get("org_name") != Some(&name) || stored.get("products_total") != Some(&total) {
            lost.push(trial);
        }
    }
    assert!(lost.is_empty(), "{backend:?}: acknowledged answers lost in {} of {TAB_TRIALS} trials", lost.len());
}

#[tokio::test]
async fn a_submission_never_overwrites_a_save_it_did_not_see() {
    for backend in BACKENDS {
        a_submission_never_overwrites_a_save_it_did_not_see_on(backend).await;
    }
}

async fn a_submission_never_overwrites_a_save_it_did_not_see_on(backend: Backend) {
    let s = site(backend).await;
    let id = s.store.participant_by_token(&s.tokens[0]).await.unwrap().unwrap().id;
    let read = s.store.save_page(&id, vec![("org_name".into(), Some("甲".into()))]).await.unwrap();
    // Another tab saves after the submission read the answers…
    s.store.save_page(&id, vec![("products_total".into(), Some("9".into()))]).await.unwrap();
    // …so the submission of what it read is refused, and the save stays.
    let outcome = s.store.submit(&id, read.version, &read.answers).await.unwrap();
    assert_eq!(outcome, mamori_store::Submission::Changed);
    let now = s.store.response(&id).await.unwrap().unwrap();
    assert_eq!(now.answers.get("products_total").map(String::as_str), Some("9"));
    assert!(now.submitted.is_none());
    // Submitting what is stored now works.
    let outcome = s.store.submit(&id, now.version, &now.answers).await.unwrap();
    assert!(matches!(outcome, mamori_store::Submission::Stored(_)));
}

/// A small questionnaire with every kind of value the server fills itself.
const METADATA_FORM: &str = "\
| survey |
|   | type      | name     | label::Japanese (ja) | label::English (en) | default | calculation |
|   | start     | started  |                      |                     |         |             |
|   | end       | ended    |                      |                     |         |             |
|   | today     | day      |                      |                     |         |             |
|   | deviceid  | device   |                      |                     |         |             |
|   | username  | user     |                      |                     |         |             |
|   | email     | mail     |                      |                     |         |             |
|   | begin group | g      | 質問                 | Questions           |         |             |
|   | text      | name     | 会社名               | Company             |         |             |
|   | hidden    | wave     |                      |                     | 2024    |             |
|   | calculate | twice    |                      |                     |         | concat(${name}, ${name}) |
|   | end group |          |                      |                     |         |             |
| settings |
|   | form_title | form_id | default_language |
|   | メタデータ | meta    | Japanese (ja)    |
";

#[tokio::test]
async fn the_server_fills_metadata_hidden_and_calculated_values_itself() {
    for backend in BACKENDS {
        the_server_fills_metadata_hidden_and_calculated_values_itself_on(backend).await;
    }
}

async fn the_server_fills_metadata_hidden_and_calculated_values_itself_on(backend: Backend) {
    let s = site(backend).await;
    let now = mamori_store::now();
    let c = s.store.create_campaign("meta", "meta.md", METADATA_FORM.as_bytes(), now - 60, now + 86_400).await.unwrap();
    let (id, token) = s.store.add_participant(&c, "丙社", "mah1", "hei@example.jp", "ja").await.unwrap();
    let start = get(&s.app, &format!("/r/{token}")).await;
    let page = start.location.expect("a first page");
    let csrf = csrf(&get(&s.app, &page).await.body);
    let forged = [
        ("_csrf", csrf.as_str()),
        ("name", "丙"),
        ("started", "1999-01-01T00:00:00Z"),
        ("ended", "1999-01-01T00:00:00Z"),
        ("day", "1999-01-01"),
        ("device", "evil"),
        ("user", "evil"),
        ("mail", "evil@example.com"),
        ("wave", "1999"),
        ("twice", "forged"),
        ("_go", "next"),
    ];
    let path = page.split('?').next().unwrap().to_string();
    let r = post(&s.app, &path, &forged).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored = s.store.response(&id).await.unwrap().unwrap();
    for forged_name in ["started", "ended", "day", "device", "user", "mail", "wave", "twice"] {
        assert!(!stored.answers.contains_key(forged_name), "{forged_name} taken from the post");
    }
    let r = post(&s.app, &format!("/r/{token}/submit"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let submitted = s.store.response(&id).await.unwrap().unwrap().submitted.expect("submitted");
    assert_eq!(submitted.get("wave").map(String::as_str), Some("2024"), "hidden gets its default");
    assert_eq!(submitted.get("twice").map(String::as_str), Some("丙丙"), "calculated on the server");
    assert_eq!(submitted.get("mail").map(String::as_str), Some("hei@example.jp"));
    assert_eq!(submitted.get("device").map(String::as_str), Some(format!("mamori:{id}").as_str()));
    for name in ["started", "ended", "day"] {
        let value = submitted.get(name).map_or("", String::as_str);
        assert!(value.starts_with("20") && !value.contains("1999"), "{name} = {value:?}");
    }
    assert_eq!(
        submitted["day"],
        mamori_form::dates::format_date(mamori_form::dates::today_in_japan()),
        "today is the server's date in Japan"
    );
}

#[tokio::test]
async fn reviewers_see_and_mark_submissions_only() {
    for backend in BACKENDS {
        reviewers_see_and_mark_submissions_only_on(backend).await;
    }
}

async fn reviewers_see_and_mark_submissions_only_on(backend: Backend) {
    let s = site(backend).await;
    let c = s.campaign.clone();
    let id = s.store.participant_by_token(&s.tokens[0]).await.unwrap().unwrap().id;
    s.store.save_page(&id, vec![("org_name".into(), Some("下書きの社名".into()))]).await.unwrap();
    let reviewer = signed_in(&s, Role::Reviewer).await;
    let r = get_as(&s.app, &format!("/admin/campaigns/{c}/responses/{id}"), &reviewer).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("下書きの社名"), "a draft is the respondent's own");
    let home = get_as(&s.app, &format!("/admin/campaigns/{c}"), &reviewer).await;
    let token = form_token(&home.body);
    let r = post_as(
        &s.app,
        &format!("/admin/campaigns/{c}/responses/{id}/review"),
        &reviewer,
        &[("_csrf", &token), ("status", "invalid"), ("reason", "test")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(s.store.participant(&id).await.unwrap().unwrap().review_status, "");
}

#[tokio::test]
async fn csv_files_for_people_neutralise_formulas() {
    for backend in BACKENDS {
        csv_files_for_people_neutralise_formulas_on(backend).await;
    }
}

/// The cells of a CSV download (after its BOM).
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn csv_files_for_people_neutralise_formulas_on(backend: Backend) {
    let s = site(backend).await;
    let c = s.campaign.clone();
    submitted(&s.store, &c, 5).await;
    let company = "=cmd|' /C calc'!A0";
    let (id, token) = s.store.add_participant(&c, company, "mah1", "x@example.jp", "ja").await.unwrap();
    let mut answers = fixture_answers()[0].clone();
    answers.insert("org_name".into(), "=HYPERLINK(\"http://evil.example\",\"x\")".into());
    answers.insert("challenges_text".into(), "@SUM(1+1)".into());
    s.store.save_answers(&id, &answers, false).await.unwrap();
    let csrf = csrf(&get(&s.app, &format!("/r/{token}/review")).await.body);
    let r = post(&s.app, &format!("/r/{token}/submit"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body.chars().take(300).collect::<String>());
    let admin = signed_in(&s, Role::Admin).await;
    let mut checked = 0;
    for uri in [
        format!("/admin/campaigns/{c}/export.csv"),
        format!("/admin/campaigns/{c}/codebook.csv"),
        "/admin/audit.csv".to_string(),
    ] {
        let (status, bytes) = send_raw(&s.app, &uri, &admin).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let rows = cells(&bytes);
        let header = rows[0].clone();
        for row in &rows[1..] {
            for (column, cell) in header.iter().zip(row) {
                let numeric = ["products_total", "products_done"].contains(&column.as_str());
                let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                assert!(!risky || (numeric && cell.parse::<f64>().is_ok()), "{uri}: {column} = {cell:?}");
                checked += 1;
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("'=HYPERLINK") || text.contains("'=cmd") || uri.contains("codebook"),
            "{uri}: the hostile text is kept, made inert"
        );
    }
    assert!(checked > 100);
}

/// The `mamori` binary `cargo test --workspace` builds: the server reads every Excel upload in
/// a child of it (`read-workbook`), as `mamori serve` does.
fn isolate_workbooks() {
    let bin = std::env::var("MAMORI_BIN").map(std::path::PathBuf::from).unwrap_or_else(|_| {
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
        target.join("debug/mamori")
    });
    assert!(bin.exists(), "{} is missing: run `cargo build -p mamori-cli` (tools/test does)", bin.display());
    mamori_form::isolated::read_excel_in_child_processes(bin, vec!["read-workbook".into()]);
}

fn hostile(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hostile").join(name)).unwrap()
}

#[tokio::test]
async fn hostile_workbooks_get_an_error_and_the_server_stays_up() {
    isolate_workbooks();
    for backend in BACKENDS {
        hostile_workbooks_get_an_error_and_the_server_stays_up_on(backend).await;
    }
}

async fn hostile_workbooks_get_an_error_and_the_server_stays_up_on(backend: Backend) {
    let s = site(backend).await;
    let c = s.campaign.clone();
    let admin = signed_in(&s, Role::Admin).await;
    let token = form_token(&get_as(&s.app, "/admin", &admin).await.body);
    let fields = [("_csrf", token.as_str()), ("name", "hostile"), ("opens", "2099-01-10"), ("closes", "2099-02-20")];
    for name in ["far-cell.xlsx", "bomb.xlsx", "cyclic.xls"] {
        let bytes = hostile(name);
        let r = upload_as(&s.app, "/admin/campaigns", &admin, &fields, ("form", name, &bytes)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name} as a questionnaire");
        assert!(r.body.contains(name), "{name}: the error names the file");
        let r = upload_as(
            &s.app,
            &format!("/admin/campaigns/{c}/participants/import"),
            &admin,
            &[("_csrf", &token)],
            ("file", name, &bytes),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name} as a participant list");
        assert!(r.body.len() < 64 * 1024, "{name}: a short error page");
    }
    assert_eq!(s.store.campaigns().await.unwrap().len(), 1, "no campaign made");
    assert_eq!(s.store.participants_of(&c).await.unwrap().len(), 2, "no one imported");
    let health = get(&s.app, "/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, "ok"), "still serving");
}

/// A request as it reaches the server from `peer`, with `X-Forwarded-For: forwarded` if given.
async fn from(app: &axum::Router, peer: &str, forwarded: Option<&str>, method: &str, uri: &str, body: String) -> Reply {
    from_with(app, peer, forwarded, method, uri, body, "").await
}

async fn from_with(
    app: &axum::Router,
    peer: &str,
    forwarded: Option<&str>,
    method: &str,
    uri: &str,
    body: String,
    cookie: &str,
) -> Reply {
    use axum::http::{Request, header};
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie);
    if let Some(f) = forwarded {
        request = request.header("x-forwarded-for", f);
    }
    let mut request = request.body(axum::body::Body::from(body)).unwrap();
    let address: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(address));
    send(app, request).await
}

fn login_body(login: &str, password: &str, token: &str) -> String {
    format!("login={}&password={}&_csrf={}", encode(login), encode(password), encode(token))
}

#[tokio::test]
async fn a_stranger_cannot_lock_out_the_admin_or_every_respondent_behind_the_proxy() {
    for backend in BACKENDS {
        a_stranger_cannot_lock_out_the_admin_or_every_respondent_behind_the_proxy_on(backend).await;
    }
}

async fn a_stranger_cannot_lock_out_the_admin_or_every_respondent_behind_the_proxy_on(backend: Backend) {
    let proxy = "10.0.0.5";
    let config = mamori_web::Config { trusted_proxies: vec!["10.0.0.0/24".parse().unwrap()], ..Default::default() };
    let s = site_with(backend, config).await;
    let password = add_user(&s.store, "admin", Role::Admin).await;
    let (token, browser) = signin_form(&s.app).await;
    let sign_in = |client: &'static str, password: String| {
        let (app, token, browser) = (s.app.clone(), token.clone(), browser.clone());
        async move {
            let body = login_body("admin", &password, &token);
            from_with(&app, proxy, Some(client), "POST", "/admin/login", body, &browser).await
        }
    };
    // A stranger behind the proxy guesses at the admin's password until it is refused.
    for _ in 0..mamori_web::LOGIN_LIMIT {
        assert_eq!(sign_in("203.0.113.9", "guess".into()).await.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in("203.0.113.9", password.clone()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the stranger is refused");
    // The real admin, at another address behind the same proxy, still signs in.
    let r = sign_in("198.51.100.7", password.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the admin is not locked out");
    // Wrong links from one client behind the proxy do not lock out the others.
    for i in 0..mamori_web::LINK_LIMIT + 2 {
        let wrong = format!("/r/{i:064x}");
        from(&s.app, proxy, Some("203.0.113.9"), "GET", &wrong, String::new()).await;
    }
    let good = format!("/r/{}/p/1", s.tokens[0]);
    let r = from(&s.app, proxy, Some("203.0.113.9"), "GET", &good, String::new()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the guesser is refused");
    let r = from(&s.app, proxy, Some("198.51.100.7"), "GET", &good, String::new()).await;
    assert_eq!(r.status, StatusCode::OK, "another respondent behind the proxy is not");
    // From an address that is not a trusted proxy, X-Forwarded-For is not believed: the guesser
    // cannot dodge its limit by naming another address.
    let direct = "192.0.2.44";
    for i in 0..mamori_web::LINK_LIMIT + 2 {
        let forged = format!("198.51.100.{}", i % 200);
        from(&s.app, direct, Some(&forged), "GET", &format!("/r/{i:064x}"), String::new()).await;
    }
    let r = from(&s.app, direct, Some("198.51.100.99"), "GET", &good, String::new()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_tls_browsers_are_told_to_keep_to_https() {
    let s = site(Backend::Sqlite).await;
    let request = axum::http::Request::get("/healthz")
        .header("x-forwarded-proto", "https")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = send(&s.app, request).await;
    assert_eq!(r.headers.get("strict-transport-security").map(|v| v.to_str().unwrap()), Some("max-age=31536000"));
    assert!(get(&s.app, "/healthz").await.headers.get("strict-transport-security").is_none(), "not over plain HTTP");
}

#[tokio::test]
async fn no_personal_link_is_kept_in_the_outbox_and_a_resent_mail_has_the_same_message_id() {
    for backend in BACKENDS {
        no_personal_link_is_kept_in_the_outbox_and_a_resent_mail_has_the_same_message_id_on(backend).await;
    }
}

async fn no_personal_link_is_kept_in_the_outbox_and_a_resent_mail_has_the_same_message_id_on(backend: Backend) {
    let smtp = Smtp::start();
    // Queued without a sender first, so the outbox can be read as it is stored.
    let s = site(backend).await;
    let c = s.campaign.clone();
    let admin = signed_in(&s, Role::Admin).await;
    let token = form_token(&get_as(&s.app, &format!("/admin/campaigns/{c}"), &admin).await.body);
    let r = post_as(&s.app, &format!("/admin/campaigns/{c}/invite"), &admin, &[("_csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // What a copy of the database holds: no link in any mail.
    let mail = s.store.claim_mail().await.unwrap().expect("a queued invitation");
    for t in &s.tokens {
        assert!(!mail.body.contains(t.as_str()) && !mail.subject.contains(t.as_str()), "a personal link at rest");
    }
    assert!(mail.body.contains("{link}"), "the sender puts the link in: {}", mail.body);
    // The process that claimed it "crashes" before reporting back: the claim goes stale and a
    // sender sends it; then it is sent once more (as after a crash right after sending).
    let stale = mamori_store::now() - 3600;
    let reset = format!("UPDATE mails SET claimed_at = {stale} WHERE id = '{}'", mail.id);
    s.store.execute_admin(&reset).await.unwrap();
    let config = mamori_web::Config {
        smtp: Some(smtp.url()),
        public_url: "https://survey.example.jp".into(),
        ..mamori_web::Config::default()
    };
    let _sender = mamori_web::app_with(s.store.clone(), config).await.unwrap();
    let first = smtp.wait_for(2).await;
    let sent = first.iter().find(|m| m["raw_headers"].as_str().unwrap().contains(&mail.id)).expect("sent").clone();
    let participant = mail.participant_id.clone().unwrap();
    let link = format!("https://survey.example.jp/r/{}?lang=ja", s.store.link_token(&participant));
    assert!(sent["body"].as_str().unwrap().contains(&link), "the link is put in when sending");
    let resend = format!("UPDATE mails SET status = 'sending', claimed_at = {stale} WHERE id = '{}'", mail.id);
    s.store.execute_admin(&resend).await.unwrap();
    let all = smtp.wait_for(3).await;
    let copies: Vec<&serde_json::Value> = all
        .iter()
        .filter(|m| m["raw_headers"].as_str().unwrap().contains(&format!("<{}@survey.example.jp>", mail.id)))
        .collect();
    assert_eq!(copies.len(), 2, "sent twice, each with the outbox row's Message-ID: {all:#?}");
    // Once sent, the stored body is gone: only the delivery status is kept.
    for _ in 0..100 {
        if s.store.mails_of(&participant).await.unwrap().iter().all(|(_, status, _, _)| status == "sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let stored = s.store.claim_mail().await.unwrap();
    assert!(stored.is_none(), "nothing left to send");
}

#[tokio::test]
async fn guessable_passwords_are_refused() {
    let s = site(Backend::Sqlite).await;
    let admin = signed_in(&s, Role::Admin).await;
    let token = form_token(&get_as(&s.app, "/admin/users", &admin).await.body);
    for (password, accepted) in [("password1234", false), ("tanaka-2024!", false), ("kumo-no-ue-de-hirune", true)] {
        let fields = [
            ("_csrf", token.as_str()),
            ("login", "tanaka"),
            ("name", "田中"),
            ("role", "analyst"),
            ("password", password),
        ];
        let r = post_as(&s.app, "/admin/users", &admin, &fields).await;
        assert_eq!(r.status == StatusCode::SEE_OTHER, accepted, "{password}: {}", r.status);
        if !accepted {
            assert!(r.body.contains("推測されやすいパスワード"), "{password}: the reason is given");
        }
    }
}

#[tokio::test]
async fn the_sign_in_token_is_bound_to_the_browser_it_was_given_to() {
    let s = site(Backend::Sqlite).await;
    let password = add_user(&s.store, "office", Role::Admin).await;
    let (token, browser) = signin_form(&s.app).await;
    let fields = [("login", "office"), ("password", password.as_str()), ("_csrf", token.as_str())];
    // Without the browser's cookie (a cross-site post, or a token lifted from another
    // browser's page) the token is refused.
    let r = post(&s.app, "/admin/login", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (_, other_browser) = signin_form(&s.app).await;
    let r = post_as(&s.app, "/admin/login", &other_browser, &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // With it, the sign-in works.
    let r = post_as(&s.app, "/admin/login", &browser, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

/// Two questions named `contact` in different groups (as pyxform and ODK allow): each is its
/// own field on the respondent's pages and its own answer, under its path.
const SAME_NAME_FORM: &str = "\
| survey |
|   | type        | name    | label::Japanese (ja) |
|   | begin group | office  | 事務局               |
|   | text        | contact | 事務局の連絡先       |
|   | end group   |         |                      |
|   | begin group | psirt   | PSIRT                |
|   | text        | contact | PSIRTの連絡先        |
|   | end group   |         |                      |
";

#[tokio::test]
async fn questions_of_the_same_name_in_different_groups_keep_their_own_answers() {
    for backend in BACKENDS {
        questions_of_the_same_name_in_different_groups_keep_their_own_answers_on(backend).await;
    }
}

async fn questions_of_the_same_name_in_different_groups_keep_their_own_answers_on(backend: Backend) {
    let s = site(backend).await;
    let now = mamori_store::now();
    let c =
        s.store.create_campaign("same", "same.md", SAME_NAME_FORM.as_bytes(), now - 60, now + 86_400).await.unwrap();
    let (id, token) = s.store.add_participant(&c, "丁社", "mah1", "tei@example.jp", "ja").await.unwrap();
    let mut page = get(&s.app, &format!("/r/{token}")).await.location.expect("a first page");
    let answers = [("office/contact", "office@example.jp"), ("psirt/contact", "psirt@example.jp")];
    let mut csrf_token = String::new();
    for _ in 0..4 {
        if page.contains("/review") {
            break;
        }
        let body = get(&s.app, &page).await.body;
        csrf_token = csrf(&body);
        let mut fields = vec![("_csrf", csrf_token.as_str()), ("_go", "next")];
        for (name, value) in answers {
            // The page escapes '/' in attributes as `&#x2f;`; a browser reads it back.
            if body.contains(&format!("name=\"{}\"", name.replace('/', "&#x2f;"))) {
                fields.push((name, value));
            }
        }
        let path = page.split('?').next().unwrap().to_string();
        let r = post(&s.app, &path, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        page = r.location.unwrap();
    }
    let r = post(&s.app, &format!("/r/{token}/submit"), &[("_csrf", &csrf_token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let submitted = s.store.response(&id).await.unwrap().unwrap().submitted.expect("submitted");
    for (name, value) in answers {
        assert_eq!(submitted.get(name).map(String::as_str), Some(value), "{submitted:?}");
    }
    assert!(!submitted.contains_key("contact"));
}

/// A range question (XLSForm's `range`, with `parameters`): a short scale is asked as one
/// choice per point, labelled by its tick labels; a long one as a number field with its
/// bounds; an answer off the scale is refused with the scale named, and a point is stored.
const RANGE_FORM: &str = "\
| survey |
|   | type  | name   | label::Japanese (ja) | parameters                                |
|   | range | trust  | 信頼度               | start=1 end=5 step=1 tick_labelset=trust5 |
|   | range | budget | 予算（万円）         | start=0 end=1000 step=10                  |
| choices |
|   | list_name | name | label::Japanese (ja) |
|   | trust5    | 1    | 全く信頼しない       |
|   | trust5    | 5    | 完全に信頼する       |
";

#[tokio::test]
async fn a_range_question_is_a_scale_and_takes_only_its_points() {
    for backend in BACKENDS {
        a_range_question_is_a_scale_and_takes_only_its_points_on(backend).await;
    }
}

async fn a_range_question_is_a_scale_and_takes_only_its_points_on(backend: Backend) {
    let s = site(backend).await;
    let now = mamori_store::now();
    let c = s.store.create_campaign("range", "range.md", RANGE_FORM.as_bytes(), now - 60, now + 86_400).await.unwrap();
    let (id, token) = s.store.add_participant(&c, "戊社", "mah1", "bo@example.jp", "ja").await.unwrap();
    let page = get(&s.app, &format!("/r/{token}")).await.location.expect("a first page");
    let body = get(&s.app, &page).await.body;
    // Five radio buttons, the ends labelled; the budget a number field with its bounds.
    assert_eq!(body.matches("type=\"radio\" name=\"trust\"").count(), 5, "{body}");
    assert!(body.contains("1 全く信頼しない") && body.contains("5 完全に信頼する"), "{body}");
    assert!(body.contains("type=\"number\" min=\"0\" max=\"1000\" step=\"10\""), "{body}");
    let csrf_token = csrf(&body);
    let path = page.split('?').next().unwrap().to_string();
    let r = post(&s.app, &path, &[("_csrf", &csrf_token), ("trust", "3.5"), ("budget", "255"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("1から5までの、1刻みの値を選んでください。"), "{}", r.body);
    assert!(r.body.contains("0から1000までの、10刻みの値を選んでください。"), "{}", r.body);
    let r = post(&s.app, &path, &[("_csrf", &csrf_token), ("trust", "4"), ("budget", "２５０"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = get(&s.app, &page).await.body;
    assert!(again.contains("value=\"4\" checked"), "the chosen point stays chosen: {again}");
    let r = post(&s.app, &format!("/r/{token}/submit"), &[("_csrf", &csrf_token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let submitted = s.store.response(&id).await.unwrap().unwrap().submitted.expect("submitted");
    assert_eq!(submitted.get("trust").map(String::as_str), Some("4"));
    assert_eq!(submitted.get("budget").map(String::as_str), Some("250"), "full-width digits read as the number");
}

/// A `table-list` group's selects are one Likert matrix: a row per question with its error in
/// the row, each choice's button named by its row and column; `minimal` is a drop-down.
const LAYOUT_FORM: &str = "\
| survey |
|   | type             | name  | label::Japanese (ja) | required | appearance |
|   | begin group      | g     | 同意の程度           |          | table-list |
|   | select_one agree | a1    | 設問1                | yes      |            |
|   | select_one agree | a2    | 設問2                | yes      |            |
|   | end group        |       |                      |          |            |
|   | select_one agree | pick  | 選んでください       |          | minimal    |
| choices |
|   | list_name | name | label::Japanese (ja) |
|   | agree     | no   | いいえ               |
|   | agree     | yes  | はい                 |
";

#[tokio::test]
async fn a_table_list_group_is_a_matrix_and_minimal_a_drop_down() {
    for backend in BACKENDS {
        a_table_list_group_is_a_matrix_and_minimal_a_drop_down_on(backend).await;
    }
}

async fn a_table_list_group_is_a_matrix_and_minimal_a_drop_down_on(backend: Backend) {
    let s = site(backend).await;
    let now = mamori_store::now();
    let c =
        s.store.create_campaign("layout", "layout.md", LAYOUT_FORM.as_bytes(), now - 60, now + 86_400).await.unwrap();
    let (id, token) = s.store.add_participant(&c, "己社", "mah1", "ki@example.jp", "ja").await.unwrap();
    let page = get(&s.app, &format!("/r/{token}")).await.location.expect("a first page");
    let body = get(&s.app, &page).await.body;
    assert_eq!(body.matches("<table class=\"matrix\">").count(), 1, "{body}");
    assert!(body.contains("<caption>同意の程度</caption>"), "{body}");
    assert!(body.contains("aria-labelledby=\"row-a2 col-a1-2\""), "a cell named by its row and column: {body}");
    let csrf_token = csrf(&body);
    let path = page.split('?').next().unwrap().to_string();
    let r = post(&s.app, &path, &[("_csrf", &csrf_token), ("a1", "yes"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("<tr class=\"question has-error\" id=\"q-a2\">"), "{}", r.body);
    assert!(r.body.contains("value=\"yes\" aria-labelledby=\"row-a1 col-a1-2\" checked"), "{}", r.body);
    let r = post(&s.app, &path, &[("_csrf", &csrf_token), ("a1", "yes"), ("a2", "no"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The question after the group is on the next page: a drop-down.
    let next = r.location.unwrap();
    let body = get(&s.app, &next).await.body;
    assert!(body.contains("<select id=\"f-pick\" name=\"pick\"><option value=\"\">—</option>"), "{body}");
    let next_path = next.split('?').next().unwrap().to_string();
    let r = post(&s.app, &next_path, &[("_csrf", &csrf_token), ("pick", "yes"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = post(&s.app, &format!("/r/{token}/submit"), &[("_csrf", &csrf_token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let submitted = s.store.response(&id).await.unwrap().unwrap().submitted.expect("submitted");
    assert_eq!(
        ["a1", "a2", "pick"].map(|k| submitted.get(k).cloned().unwrap_or_default()),
        ["yes", "no", "yes"].map(String::from)
    );
}
