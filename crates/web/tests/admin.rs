//! The survey office's pages end to end, on SQLite and on PostgreSQL, through the Router:
//! every admin route refuses anonymous requests and the wrong roles, sign-in and its limits,
//! campaigns from uploaded questionnaires, participant lists, mail through a real SMTP server
//! (invitations, reminders, receipts, registration), monitoring, review, audit, results,
//! exports and feedback.

mod common;

use axum::http::StatusCode;
use common::*;
use mamori_store::{Role, Store};

fn fill(path: &str, campaign: &str, participant: &str, user: &str) -> String {
    path.replace("{id}", campaign).replace("{pid}", participant).replace("{uid}", user).replace("{format}", "sav")
}

#[tokio::test]
async fn every_admin_route_refuses_anonymous_requests_and_the_wrong_roles() {
    for backend in BACKENDS {
        every_admin_route_refuses_anonymous_requests_and_the_wrong_roles_on(backend).await;
    }
}

async fn every_admin_route_refuses_anonymous_requests_and_the_wrong_roles_on(backend: Backend) {
    let s = site(backend).await;
    let routes = mamori_web::route_list(s.store.clone()).await.unwrap();
    let pid = s.store.participant_by_token(&s.tokens[0]).await.unwrap().unwrap().id;
    let uid = s
        .store
        .create_user("someone", "", Role::Analyst, &mamori_web::hash_password("x".repeat(12).as_str()))
        .await
        .unwrap();
    // Every route is either public by design or under /admin.
    // `/lang` only sets the reader's language (a cookie) and goes back to a hub page.
    let public = ["/healthz", "/static/", "/r/{token}", "/join/{code}", "/admin/login", "/hub/login", "/lang"];
    let mut admin_routes = 0;
    for route in &routes {
        // The hub's routes have their own walk (hub.rs).
        if public.iter().any(|p| route.path.starts_with(p)) || route.path.starts_with("/hub") {
            continue;
        }
        assert!(route.path.starts_with("/admin"), "{route:?} is neither public by design nor an admin route");
        admin_routes += 1;
        let uri = fill(route.path, &s.campaign, &pid, &uid);
        let r = match route.method {
            "GET" => get(&s.app, &uri).await,
            _ => post(&s.app, &uri, &[("_csrf", "x")]).await,
        };
        if route.method == "GET" {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "anonymous GET {uri}");
            assert!(r.location.as_deref().unwrap_or("").starts_with("/admin/login?next="), "GET {uri}");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "anonymous POST {uri}");
        }
        // A made-up session cookie is no better than none.
        let forged = format!("mamori_session={}", mamori_store::random_hex(32));
        let r = match route.method {
            "GET" => get_as(&s.app, &uri, &forged).await,
            _ => post_as(&s.app, &uri, &forged, &[("_csrf", "x")]).await,
        };
        assert!(
            matches!(r.status, StatusCode::SEE_OTHER | StatusCode::FORBIDDEN),
            "forged cookie on {uri}: {}",
            r.status
        );
        assert!(!r.body.contains("甲医療機器"), "{uri} leaked a participant");
    }
    assert!(admin_routes >= 29, "only {admin_routes} admin routes were listed");
    let logout = routes.iter().any(|r| r.path == "/admin/logout" && r.method == "POST");
    assert!(logout);

    // Roles: an analyst sees results only; a reviewer reviews only.
    let analyst = signed_in(&s, Role::Analyst).await;
    let reviewer = signed_in(&s, Role::Reviewer).await;
    let c = &s.campaign;
    for uri in [
        "/admin/users".to_string(),
        "/admin/audit".into(),
        "/admin/audit.csv".into(),
        format!("/admin/campaigns/{c}/settings"),
        format!("/admin/campaigns/{c}/participants/{pid}"),
        format!("/admin/campaigns/{c}/responses/{pid}"),
    ] {
        assert_eq!(get_as(&s.app, &uri, &analyst).await.status, StatusCode::FORBIDDEN, "analyst GET {uri}");
    }
    for uri in [
        format!("/admin/campaigns/{c}/results"),
        format!("/admin/campaigns/{c}/results.json"),
        format!("/admin/campaigns/{c}/export.csv"),
        format!("/admin/campaigns/{c}/codebook.csv"),
        format!("/admin/campaigns/{c}/responses/{pid}/feedback"),
        "/admin/users".to_string(),
        format!("/admin/campaigns/{c}/settings"),
    ] {
        assert_eq!(get_as(&s.app, &uri, &reviewer).await.status, StatusCode::FORBIDDEN, "reviewer GET {uri}");
    }
    // The reviewer's route is open to it, but a participant that has not submitted has nothing
    // to review (issue 12: drafts are the respondent's own).
    let draft = get_as(&s.app, &format!("/admin/campaigns/{c}/responses/{pid}"), &reviewer).await;
    assert_eq!(draft.status, StatusCode::NOT_FOUND);
    assert!(draft.body.contains("まだ回答を送信していません"));
    assert_eq!(get_as(&s.app, &format!("/admin/campaigns/{c}/codebook.csv"), &analyst).await.status, StatusCode::OK);
    // An analyst's campaign page lists no participant; a reviewer's lists only submitted ones.
    let page = get_as(&s.app, &format!("/admin/campaigns/{c}"), &analyst).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("甲医療機器") && !page.body.contains("a@example.jp"));
    let page = get_as(&s.app, &format!("/admin/campaigns/{c}"), &reviewer).await;
    assert!(!page.body.contains("甲医療機器"), "nothing is submitted yet");
    // Posts that change things are refused to the wrong role even with a valid token.
    let token = form_token(&get_as(&s.app, "/admin", &analyst).await.body);
    let r = post_as(&s.app, &format!("/admin/campaigns/{c}/invite"), &analyst, &[("_csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_as(
        &s.app,
        &format!("/admin/campaigns/{c}/responses/{pid}/review"),
        &analyst,
        &[("_csrf", &token), ("status", "invalid"), ("reason", "x")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(s.store.participant(&pid).await.unwrap().unwrap().review_status, "");
}

#[tokio::test]
async fn signing_in_out_and_the_limit_on_failed_attempts() {
    for backend in BACKENDS {
        signing_in_out_and_the_limit_on_failed_attempts_on(backend).await;
    }
}

async fn signing_in_out_and_the_limit_on_failed_attempts_on(backend: Backend) {
    let s = site(backend).await;
    let password = add_user(&s.store, "office", Role::Admin).await;
    let stored = s.store.user_for_login("office").await.unwrap().unwrap().1;
    assert!(stored.starts_with("$argon2id$"), "passwords are stored as argon2id hashes: {stored}");
    let cookie = login(&s.app, "office", &password).await;
    let home = get_as(&s.app, "/admin", &cookie).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("調査の一覧") && home.body.contains("2024"));
    // A post without the session's CSRF token changes nothing.
    let r = post_as(
        &s.app,
        &format!("/admin/campaigns/{}/registration", s.campaign),
        &cookie,
        &[("_csrf", "wrong"), ("on", "1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(s.store.campaign(&s.campaign).await.unwrap().unwrap().registration_code.is_none());
    // Signing out ends the session in the database, not only in the browser.
    let token = form_token(&home.body);
    let r = post_as(&s.app, "/admin/logout", &cookie, &[("_csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(get_as(&s.app, "/admin", &cookie).await.status, StatusCode::SEE_OTHER);
    // The sign-in form needs its own token.
    let r = post(&s.app, "/admin/login", &[("login", "office"), ("password", &password), ("_csrf", "1.x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Wrong passwords: refused, then the address is refused for a while, even the right one.
    let (token, browser) = signin_form(&s.app).await;
    for _ in 0..mamori_web::LOGIN_LIMIT {
        let r = post_as(
            &s.app,
            "/admin/login",
            &browser,
            &[("login", "office"), ("password", "not-the-password"), ("_csrf", &token)],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.headers.get("set-cookie").is_none());
    }
    let r =
        post_as(&s.app, "/admin/login", &browser, &[("login", "office"), ("password", &password), ("_csrf", &token)])
            .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("15分ほど待って"));
    let entries = s.store.audit_log(None, 10).await.unwrap();
    assert!(entries.iter().any(|e| e.action == "login" && e.actor == "office"));
}

const BROKEN_FORM: &str = "| survey |                   |      |       |
|        | type              | name | label |
|        | select_one colors | q1   | Q1    |
|        | integer           | q1   | Q2    |
";

#[tokio::test]
async fn a_campaign_is_made_from_an_uploaded_questionnaire_which_freezes_when_it_opens() {
    for backend in BACKENDS {
        a_campaign_is_made_from_an_uploaded_questionnaire_which_freezes_when_it_opens_on(backend).await;
    }
}

async fn a_campaign_is_made_from_an_uploaded_questionnaire_which_freezes_when_it_opens_on(backend: Backend) {
    let s = site(backend).await;
    let admin = signed_in(&s, Role::Admin).await;
    let token = form_token(&get_as(&s.app, "/admin", &admin).await.body);
    let fields = [("_csrf", token.as_str()), ("name", "2025 調査"), ("opens", "2099-01-10"), ("closes", "2099-02-20")];
    // A broken questionnaire: every problem, located, and no campaign.
    let r = upload_as(&s.app, "/admin/campaigns", &admin, &fields, ("form", "broken.md", BROKEN_FORM.as_bytes())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("broken.md:survey:3:"), "{}", r.body);
    assert!(r.body.contains("broken.md:survey:4:"), "the duplicate name is reported too: {}", r.body);
    assert_eq!(s.store.campaigns().await.unwrap().len(), 1);
    // Dates in the wrong order are refused too.
    let bad_dates = [("_csrf", token.as_str()), ("name", "x"), ("opens", "2099-02-20"), ("closes", "2099-01-10")];
    let r = upload_as(&s.app, "/admin/campaigns", &admin, &bad_dates, ("form", "f.xlsx", FORM)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("締切日は開始日より後"));
    // A good one makes the campaign, with the form's version, opening on a later day.
    let r = upload_as(&s.app, "/admin/campaigns", &admin, &fields, ("form", "mdcs-manufacturer-2024.xlsx", FORM)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location.unwrap().rsplit('/').next().unwrap().to_string();
    let campaign = s.store.campaign(&id).await.unwrap().unwrap();
    assert_eq!(campaign.name, "2025 調査");
    assert!(!campaign.form_version.is_empty());
    assert_eq!(campaign.settings.segment, "license_type");
    assert_eq!(campaign.settings.languages, vec!["ja", "en"]);
    assert_eq!(campaign.opens_at, mamori_form::dates::days_from_civil(2099, 1, 10) * 86_400 - 9 * 3600);
    // Before it opens, the questionnaire can be replaced (a broken one is refused, located) …
    let r = upload_as(
        &s.app,
        &format!("/admin/campaigns/{id}/form"),
        &admin,
        &[("_csrf", &token)],
        ("form", "broken.md", BROKEN_FORM.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("broken.md:survey:3:"));
    let r = upload_as(
        &s.app,
        &format!("/admin/campaigns/{id}/form"),
        &admin,
        &[("_csrf", &token)],
        ("form", "v2.xlsx", FORM),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(s.store.campaign(&id).await.unwrap().unwrap().form_file_name, "v2.xlsx");
    // … but once a campaign has opened, its questionnaire is frozen.
    let r = upload_as(
        &s.app,
        &format!("/admin/campaigns/{}/form", s.campaign),
        &admin,
        &[("_csrf", &token)],
        ("form", "v2.xlsx", FORM),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("固定"));
    assert_eq!(s.store.campaign(&s.campaign).await.unwrap().unwrap().form_file_name, "mdcs-manufacturer-2024.xlsx");
    // Settings: a mail text without the link is refused; a good change is saved and audited.
    let settings = |subject: &'static str, body: &'static str| {
        vec![
            ("_csrf", token.clone()),
            ("name", "2025 調査（改）".to_string()),
            ("opens", "2099-01-11".to_string()),
            ("closes", "2099-03-01".to_string()),
            ("languages", "ja".to_string()),
            ("feedback_released", "on".to_string()),
            ("segment", "license_type".to_string()),
            ("min_peers", "5".to_string()),
            ("upload_max_mb", "5".to_string()),
            ("upload_types", "pdf".to_string()),
            ("upload_types", "docx".to_string()),
            ("upload_types", "exe".to_string()),
            ("mail_from", "office@example.jp".to_string()),
            ("subject.invite.ja", subject.to_string()),
            ("body.invite.ja", body.to_string()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let bad = as_refs(&settings("件名", "リンクのない本文"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_as(&s.app, &format!("/admin/campaigns/{id}/settings"), &admin, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("{link}"));
    let good = as_refs(&settings("ご協力のお願い", "{company} 様\n{link}"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_as(&s.app, &format!("/admin/campaigns/{id}/settings"), &admin, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let campaign = s.store.campaign(&id).await.unwrap().unwrap();
    assert_eq!(campaign.name, "2025 調査（改）");
    assert!(campaign.settings.feedback_released);
    assert_eq!(campaign.settings.min_peers, 5);
    // Document limits: only kinds Mamori knows are kept (an .exe is not one).
    assert_eq!(campaign.settings.upload_max_mb, 5);
    assert_eq!(campaign.settings.upload_types, vec!["pdf", "docx"]);
    assert_eq!(campaign.settings.languages, vec!["ja"]);
    assert_eq!(campaign.settings.templates["invite.ja"].subject, "ご協力のお願い");
    let log = s.store.audit_log(Some(&id), 50).await.unwrap();
    for action in ["campaign.create", "campaign.form", "campaign.settings"] {
        assert!(log.iter().any(|e| e.action == action), "{action} is in the audit log");
    }
    let change = log.iter().find(|e| e.action == "campaign.settings").unwrap();
    assert!(change.before.contains("2025 調査 /") && change.after.contains("2025 調査（改）"), "{change:?}");
}

#[tokio::test]
async fn participant_lists_are_imported_all_or_nothing() {
    for backend in BACKENDS {
        participant_lists_are_imported_all_or_nothing_on(backend).await;
    }
}

async fn participant_lists_are_imported_all_or_nothing_on(backend: Backend) {
    let s = site(backend).await;
    let admin = signed_in(&s, Role::Admin).await;
    let c = &s.campaign;
    let token = form_token(&get_as(&s.app, &format!("/admin/campaigns/{c}"), &admin).await.body);
    let count = |store: Store| async move { store.participants_of(c).await.unwrap().len() };
    let bad = "会社名,業態,メールアドレス\n丙社,mah2,c@example.jp\n丁社,第四種,d@example.jp\n";
    let r = upload_as(
        &s.app,
        &format!("/admin/campaigns/{c}/participants/import"),
        &admin,
        &[("_csrf", &token)],
        ("file", "list.csv", bad.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("list.csv:3:B(license): &#x27;第四種&#x27; is not a licence class"), "{}", r.body);
    assert!(r.body.contains("一件も取り込んでいません"));
    assert_eq!(count(s.store.clone()).await, 2, "nothing was imported");
    let good = "company,license,email,language\n丙社,mah2,c@example.jp,ja\nD Inc.,第三種医療機器製造販売業許可取得者,d@example.com,en\n";
    let r = upload_as(
        &s.app,
        &format!("/admin/campaigns/{c}/participants/import"),
        &admin,
        &[("_csrf", &token)],
        ("file", "list.csv", good.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows = s.store.participants_of(c).await.unwrap();
    assert_eq!(rows.len(), 4);
    let d = rows.iter().find(|r| r.participant.company == "D Inc.").unwrap();
    assert_eq!((d.participant.license.as_str(), d.participant.language.as_str()), ("mah3", "en"));
    // The same list again: every address is already there, so nothing is added.
    let r = upload_as(
        &s.app,
        &format!("/admin/campaigns/{c}/participants/import"),
        &admin,
        &[("_csrf", &token)],
        ("file", "list.csv", good.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("already a participant"));
    // XLSX from Excel.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in
        [["company", "license", "email"], ["戊社", "mah1", "e@example.jp"], ["己社", "mah2", "f@example.jp"]]
            .iter()
            .enumerate()
    {
        for (col, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, col as u16, *v).unwrap();
        }
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let r = upload_as(
        &s.app,
        &format!("/admin/campaigns/{c}/participants/import"),
        &admin,
        &[("_csrf", &token)],
        ("file", "list.xlsx", &bytes),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(count(s.store.clone()).await, 6);
    // One added by hand, one edited; both audited with before and after.
    let r = post_as(
        &s.app,
        &format!("/admin/campaigns/{c}/participants"),
        &admin,
        &[("_csrf", &token), ("company", "庚社"), ("license", "mah1"), ("email", "not an address"), ("language", "ja")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_as(
        &s.app,
        &format!("/admin/campaigns/{c}/participants"),
        &admin,
        &[("_csrf", &token), ("company", "庚社"), ("license", "mah1"), ("email", "g@example.jp"), ("language", "ja")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let g = s.store.participant_by_email(c, "G@example.jp").await.unwrap().unwrap();
    let r = post_as(
        &s.app,
        &format!("/admin/campaigns/{c}/participants/{}", g.id),
        &admin,
        &[
            ("_csrf", &token),
            ("company", "庚社（旧 庚商会）"),
            ("license", "mah2"),
            ("email", "g@example.jp"),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let g2 = s.store.participant(&g.id).await.unwrap().unwrap();
    assert_eq!((g2.company.as_str(), g2.license.as_str(), g2.language.as_str()), ("庚社（旧 庚商会）", "mah2", "en"));
    let log = s.store.audit_log(Some(c), 50).await.unwrap();
    let edit = log.iter().find(|e| e.action == "participant.edit").unwrap();
    assert_eq!(edit.before, "庚社 / mah1 / g@example.jp / ja");
    assert_eq!(edit.after, "庚社（旧 庚商会） / mah2 / g@example.jp / en");
    assert_eq!(log.iter().filter(|e| e.action == "participant.import").count(), 2);
}

#[tokio::test]
async fn invitations_reminders_receipts_and_registrations_arrive_by_smtp() {
    for backend in BACKENDS {
        invitations_reminders_receipts_and_registrations_arrive_by_smtp_on(backend).await;
    }
}

async fn invitations_reminders_receipts_and_registrations_arrive_by_smtp_on(backend: Backend) {
    let smtp = Smtp::start();
    let config = mamori_web::Config {
        smtp: Some(smtp.url()),
        public_url: "https://survey.example.jp".into(),
        ..mamori_web::Config::default()
    };
    let s = site_with(backend, config).await;
    let admin = signed_in(&s, Role::Admin).await;
    let c = &s.campaign;
    let token = form_token(&get_as(&s.app, &format!("/admin/campaigns/{c}"), &admin).await.body);
    // Invitations: one per participant, each with its own working link.
    let r = post_as(&s.app, &format!("/admin/campaigns/{c}/invite"), &admin, &[("_csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mails = smtp.wait_for(2).await;
    for t in &s.tokens {
        let link = format!("https://survey.example.jp/r/{t}?lang=ja");
        let mail = mails
            .iter()
            .find(|m| m["body"].as_str().unwrap().contains(&link))
            .expect("an invitation carries each link");
        assert_eq!(mail["subject"], "【ご協力のお願い】2024");
        assert_eq!(mail["to"][0], "a@example.jp");
        assert_eq!(mail["from"], "survey-office@example.jp");
        assert!(mail["body"].as_str().unwrap().contains("ご担当者様"));
        assert_eq!(get(&s.app, &format!("/r/{t}?lang=ja")).await.status, StatusCode::SEE_OTHER, "the link works");
    }
    // Sending again invites no one twice.
    post_as(&s.app, &format!("/admin/campaigns/{c}/invite"), &admin, &[("_csrf", &token)]).await;
    // The first participant submits: a receipt arrives.
    let first = s.store.participant_by_token(&s.tokens[0]).await.unwrap().unwrap();
    s.store.save_answers(&first.id, &fixture_answers()[0], false).await.unwrap();
    let page = get(&s.app, &format!("/r/{}/review", s.tokens[0])).await;
    let r = post(&s.app, &format!("/r/{}/submit", s.tokens[0]), &[("_csrf", &csrf(&page.body))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mails = smtp.wait_for(3).await;
    assert_eq!(mails.len(), 3, "no second invitation went out");
    assert_eq!(mails[2]["subject"], "【回答受領】2024");
    assert!(mails[2]["body"].as_str().unwrap().contains(&s.tokens[0]));
    // Reminders go only to those who have not submitted.
    post_as(&s.app, &format!("/admin/campaigns/{c}/remind"), &admin, &[("_csrf", &token)]).await;
    let mails = smtp.wait_for(4).await;
    assert_eq!(mails[3]["subject"], "【再送・ご回答のお願い】2024");
    assert!(mails[3]["body"].as_str().unwrap().contains(&s.tokens[1]));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 4, "the submitted participant got no reminder");
    // Delivery status is visible per participant.
    let page = get_as(&s.app, &format!("/admin/campaigns/{c}/participants/{}", first.id), &admin).await;
    assert!(page.body.contains("依頼（招待）：送信済") && page.body.contains("受領通知：送信済"), "{}", page.body);

    // Open-link registration: the link is made, the page asks, the mail brings the link.
    let r =
        post_as(&s.app, &format!("/admin/campaigns/{c}/registration"), &admin, &[("_csrf", &token), ("on", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let code = s.store.campaign(c).await.unwrap().unwrap().registration_code.unwrap();
    let overview = get_as(&s.app, &format!("/admin/campaigns/{c}"), &admin).await;
    // Templates escape "/" as &#x2f;.
    assert!(overview.body.replace("&#x2f;", "/").contains(&format!("https://survey.example.jp/join/{code}")));
    let page = get(&s.app, &format!("/join/{code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("第三種医療機器製造販売業許可取得者"), "licence classes come from the questionnaire");
    let join_token = form_token(&page.body);
    let r = post(
        &s.app,
        &format!("/join/{code}"),
        &[("_csrf", &join_token), ("company", "辛社"), ("license", "mah3"), ("email", "no-at-sign")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("メールアドレスの形式ではありません") && r.body.contains("value=\"辛社\""));
    let r = post(
        &s.app,
        &format!("/join/{code}"),
        &[("_csrf", &join_token), ("company", "辛社"), ("license", "mah3"), ("email", "shin@example.jp")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("登録を受け付けました"));
    assert!(!r.body.contains("/r/"), "the link goes by mail only");
    let mails = smtp.wait_for(5).await;
    assert_eq!(mails[4]["to"][0], "shin@example.jp");
    let shin = s.store.participant_by_email(c, "shin@example.jp").await.unwrap().unwrap();
    assert_eq!((shin.license.as_str(), shin.source.as_str()), ("mah3", "registration"));
    let link = format!("https://survey.example.jp/r/{}?lang=ja", s.store.link_token(&shin.id));
    assert!(mails[4]["body"].as_str().unwrap().contains(&link));
    // Registering again sends the same link again instead of making a second participant.
    post(
        &s.app,
        &format!("/join/{code}"),
        &[("_csrf", &join_token), ("company", "辛社"), ("license", "mah3"), ("email", "SHIN@example.jp")],
    )
    .await;
    let mails = smtp.wait_for(6).await;
    assert!(mails[5]["body"].as_str().unwrap().contains(&link));
    assert_eq!(s.store.participants_of(c).await.unwrap().len(), 3);
    // Switched off, the registration link finds nothing.
    post_as(&s.app, &format!("/admin/campaigns/{c}/registration"), &admin, &[("_csrf", &token)]).await;
    assert_eq!(get(&s.app, &format!("/join/{code}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn monitoring_review_results_exports_and_the_audit_log() {
    for backend in BACKENDS {
        monitoring_review_results_exports_and_the_audit_log_on(backend).await;
    }
}

async fn monitoring_review_results_exports_and_the_audit_log_on(backend: Backend) {
    let s = site(backend).await;
    let c = &s.campaign;
    let ids = submitted(&s.store, c, 12).await;
    let admin = signed_in(&s, Role::Admin).await;
    let reviewer = signed_in(&s, Role::Reviewer).await;
    let analyst = signed_in(&s, Role::Analyst).await;
    // Monitoring: 14 participants, 12 submitted; one link opened makes one "in progress".
    get(&s.app, &format!("/r/{}", s.tokens[0])).await;
    let page = get_as(&s.app, &format!("/admin/campaigns/{c}"), &admin).await;
    assert!(
        page.body.contains("<th scope=\"row\">全体</th><td>14</td><td>1</td><td>1</td><td>12</td><td>85.7%</td>"),
        "{}",
        page.body
    );
    let fixture = fixture_answers();
    let mah1 = fixture[..12].iter().filter(|a| a["license_type"] == "mah1").count() + 1;
    let mah1_row = format!("<th scope=\"row\">第一種医療機器製造販売業許可取得者</th><td>{mah1}</td>");
    assert!(page.body.contains(&mah1_row), "licence class row {mah1_row}");
    let by_origin = get_as(&s.app, &format!("/admin/campaigns/{c}?by=supply_origin"), &admin).await;
    assert!(by_origin.body.contains("（未回答）"), "participants without an answer form their own row");
    // Review: invalid needs a reason; the reason is kept and audited; results leave it out.
    let token =
        form_token(&get_as(&s.app, &format!("/admin/campaigns/{c}/responses/{}", ids[0]), &reviewer).await.body);
    let uri = format!("/admin/campaigns/{c}/responses/{}/review", ids[0]);
    let r = post_as(&s.app, &uri, &reviewer, &[("_csrf", &token), ("status", "invalid")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_as(
        &s.app,
        &uri,
        &reviewer,
        &[("_csrf", &token), ("status", "invalid"), ("reason", "重複回答（同一企業）")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = get_as(&s.app, &format!("/admin/campaigns/{c}/responses/{}", ids[0]), &reviewer).await;
    assert!(shown.body.contains("無効：重複回答（同一企業）"));
    assert!(shown.body.contains(&fixture[0]["org_name"]), "the reviewer reads the answers");
    let r = post_as(
        &s.app,
        &format!("/admin/campaigns/{c}/responses/{}/review", ids[1]),
        &reviewer,
        &[("_csrf", &token), ("status", "valid")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Results on the 11 valid responses, in every format, linked from the campaign page.
    let page = get_as(&s.app, &format!("/admin/campaigns/{c}"), &analyst).await;
    for path in ["results", "results.pdf", "results.xlsx", "results.json", "export.csv", "export.xlsx", "codebook.csv"]
    {
        assert!(
            page.body.replace("&#x2f;", "/").contains(&format!("/admin/campaigns/{c}/{path}\"")),
            "a link to {path}"
        );
    }
    let json = get_as(&s.app, &format!("/admin/campaigns/{c}/results.json"), &analyst).await;
    assert_eq!(json.status, StatusCode::OK);
    let report: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(report["n"], 11);
    assert_eq!(report["form_id"], "mdcs_manufacturer_2024");
    let html = get_as(&s.app, &format!("/admin/campaigns/{c}/results"), &analyst).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("<svg") && html.body.contains("<html lang=\"ja\">"));
    let csp = html.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src 'self'"), "{csp}");
    for (path, magic) in [("results.pdf", &b"%PDF"[..]), ("results.xlsx", b"PK")] {
        let r = send_raw(&s.app, &format!("/admin/campaigns/{c}/{path}"), &analyst).await;
        assert_eq!(r.0, StatusCode::OK, "{path}");
        assert!(r.1.starts_with(magic), "{path}");
    }
    let published = get_as(&s.app, &format!("/admin/campaigns/{c}/results.json?publish=1"), &analyst).await;
    assert!(!published.body.contains(&fixture[1]["org_name"]), "published results name no company");
    // The export reads back through the checked import: 11 rows, and the invalid one left out.
    let csv = get_as(&s.app, &format!("/admin/campaigns/{c}/export.csv"), &analyst).await;
    assert!(csv.body.starts_with('\u{feff}'));
    let form = mamori_form::read_bytes("f.xlsx", FORM).form.unwrap();
    let loaded = mamori_dataset::read_responses(&form, "export.csv", csv.body.as_bytes(), &Default::default()).unwrap();
    assert_eq!(loaded.responses.len(), 11);
    assert!(!csv.body.contains(&ids[0]));
    let xlsx = send_raw(&s.app, &format!("/admin/campaigns/{c}/export.xlsx"), &analyst).await;
    assert!(xlsx.1.starts_with(b"PK"));
    let codebook = get_as(&s.app, &format!("/admin/campaigns/{c}/codebook.csv"), &analyst).await;
    assert!(codebook.body.contains("license_type,,,,mah3,第三種医療機器製造販売業許可"), "{}", &codebook.body[..400]);
    // Files for statistics packages, linked from the campaign page, 11 responses each; the
    // reviewer may not take them.
    for (path, magic) in [
        ("export/sav", &b"$FL2"[..]),
        ("export/zsav", b"$FL3"),
        ("export/dta", b"<stata_dta>"),
        ("export/r.zip", b"PK"),
        ("export/sps.zip", b"PK"),
    ] {
        assert!(
            page.body.replace("&#x2f;", "/").contains(&format!("/admin/campaigns/{c}/{path}\"")),
            "a link to {path}"
        );
        let (status, bytes) = send_raw(&s.app, &format!("/admin/campaigns/{c}/{path}"), &analyst).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(bytes.starts_with(magic), "{path}");
        let (status, _) = send_raw(&s.app, &format!("/admin/campaigns/{c}/{path}"), &reviewer).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a reviewer and {path}");
    }
    let (_, sav) = send_raw(&s.app, &format!("/admin/campaigns/{c}/export/sav"), &analyst).await;
    assert_eq!(i32::from_le_bytes(sav[80..84].try_into().unwrap()), 11, "the header counts the 11 valid responses");
    assert!(!sav.windows(ids[0].len()).any(|w| w == ids[0].as_bytes()), "the invalid response is left out");
    let (_, english) = send_raw(&s.app, &format!("/admin/campaigns/{c}/export/dta?lang=en"), &analyst).await;
    assert!(english.windows(b"Not answered".len()).any(|w| w == b"Not answered"), "English labels on request");
    let (status, _) = send_raw(&s.app, &format!("/admin/campaigns/{c}/export/exe"), &analyst).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The audit log: the review with before and after, shown and exported.
    let audit = get_as(&s.app, &format!("/admin/audit?campaign={c}"), &admin).await;
    assert!(audit.body.contains("response.review") && audit.body.contains("invalid 重複回答（同一企業）"));
    let exported = get_as(&s.app, "/admin/audit.csv", &admin).await;
    assert!(exported.body.lines().any(|l| l.contains("response.review") && l.contains("invalid 重複回答（同一企業）")));
    assert!(exported.body.lines().any(|l| l.contains("export.csv")), "exports are audited too");
    assert!(exported.body.lines().any(|l| l.contains("export.sav") && l.contains("11 responses")));
}

/// A GET with the body as bytes (for PDF and XLSX).

#[tokio::test]
async fn feedback_appears_behind_the_link_once_released_and_the_office_can_preview_it() {
    for backend in BACKENDS {
        feedback_appears_behind_the_link_once_released_and_the_office_can_preview_it_on(backend).await;
    }
}

async fn feedback_appears_behind_the_link_once_released_and_the_office_can_preview_it_on(backend: Backend) {
    let s = site(backend).await;
    let c = &s.campaign;
    let ids = submitted(&s.store, c, 14).await;
    let token = s.store.link_token(&ids[2]);
    let analyst = signed_in(&s, Role::Analyst).await;
    // Not released: the respondent is told why; the office can already preview.
    let r = get(&s.app, &format!("/r/{token}/feedback")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("フィードバックはまだ公開されていません"));
    let preview = get_as(&s.app, &format!("/admin/campaigns/{c}/responses/{}/feedback", ids[2]), &analyst).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("事務局プレビュー（未公開）") && preview.body.contains("総合スコア"));
    // Released: the page and the PDF, in Japanese and English.
    let mut campaign = s.store.campaign(c).await.unwrap().unwrap();
    campaign.settings.feedback_released = true;
    s.store
        .update_campaign(c, &campaign.name, campaign.opens_at, campaign.closes_at, &campaign.settings)
        .await
        .unwrap();
    let r = get(&s.app, &format!("/r/{token}/feedback")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("総合スコア") && r.body.contains("優先して取り組むこと"));
    // The template engine writes `/` in attributes as `&#x2f;`, which a browser reads as `/`.
    assert!(r.body.replace("&#x2f;", "/").contains(&format!("/r/{token}/feedback.pdf")));
    let fixture = fixture_answers();
    for (i, other) in fixture[..14].iter().enumerate() {
        if i != 2 {
            assert!(!r.body.contains(&other["org_name"]), "another company's name on the page");
        }
    }
    let en = get(&s.app, &format!("/r/{token}/feedback?lang=en")).await;
    assert!(en.body.contains("Overall score"), "{}", &en.body[..500]);
    // Another company's name or free-text answer appears in no page or file of this feedback.
    let pdf = send_raw(&s.app, &format!("/r/{token}/feedback.pdf"), "").await;
    assert!(pdf.1.starts_with(b"%PDF"));
    let pdf_text = pdf_to_text(&pdf.1);
    assert!(pdf_text.contains("総合スコア"), "the PDF has Japanese text: {pdf_text}");
    for (i, other) in fixture[..14].iter().enumerate() {
        let text = other.get("challenges_text").map_or("", String::as_str);
        for document in [&r.body, &en.body, &pdf_text] {
            if i != 2 {
                assert!(!document.contains(&other["org_name"]), "another company's name");
                assert!(text.is_empty() || !document.contains(text), "another company's free text");
            }
        }
    }
    // A response set aside by the review has no feedback, and a link without a submission
    // neither.
    s.store.set_review(&ids[2], "invalid", "test").await.unwrap();
    assert_eq!(get(&s.app, &format!("/r/{token}/feedback")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&s.app, &format!("/r/{}/feedback", s.tokens[0])).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn guessing_links_is_slowed_down() {
    let s = site(Backend::Sqlite).await;
    for _ in 0..mamori_web::LINK_LIMIT {
        let wrong = mamori_store::random_hex(32);
        assert_eq!(get(&s.app, &format!("/r/{wrong}")).await.status, StatusCode::NOT_FOUND);
    }
    // The address is now refused, even with a right link, until the window passes.
    let r = get(&s.app, &format!("/r/{}", s.tokens[0])).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("しばらくお待ちください"));
}

/// The text of a PDF, by poppler's pdftotext (tools/test installs poppler-utils).
fn pdf_to_text(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("mamori-feedback-{}.pdf", mamori_store::random_hex(4)));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    let _ = std::fs::remove_file(&path);
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn two_server_processes_share_one_database() {
    // Two apps on two connection pools to one PostgreSQL database, as two `mamori serve`
    // processes would be: a session, a CSRF token, a draft and the rate limits made through one
    // hold in the other.
    let s = site(Backend::Postgres).await;
    let url = s.database_url().expect("a PostgreSQL site has a database URL");
    let other = mamori_web::app(Store::open(&url).await.unwrap()).await.unwrap();
    let password = add_user(&s.store, "office", Role::Admin).await;
    let cookie = login(&s.app, "office", &password).await;
    let page = get_as(&other, &format!("/admin/campaigns/{}", s.campaign), &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "the session made by one process works in the other");
    let token = form_token(&page.body);
    let r = post_as(
        &s.app,
        &format!("/admin/campaigns/{}/registration", s.campaign),
        &cookie,
        &[("_csrf", &token), ("on", "1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "a token from one process's page is good in the other");
    let t = &s.tokens[0];
    let respondent_page = get(&s.app, &format!("/r/{t}/p/1")).await;
    let r = post(
        &other,
        &format!("/r/{t}/p/1"),
        &[("_csrf", &csrf(&respondent_page.body)), ("org_name", "共有テスト株式会社"), ("_go", "save")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(get(&s.app, &format!("/r/{t}/p/1")).await.body.contains("共有テスト株式会社"));
    for _ in 0..mamori_web::LINK_LIMIT {
        get(&s.app, &format!("/r/{}", mamori_store::random_hex(32))).await;
    }
    assert_eq!(get(&other, &format!("/r/{t}")).await.status, StatusCode::TOO_MANY_REQUESTS, "rate limits are shared");
}

/// A questionnaire whose choices come from a CSV file (`select_one_from_file`).
const FROM_FILE_FORM: &str = "| survey |\n| | type | name | label::日本語 (ja) | label::English (en) | required |\n\
| | select_one_from_file prefectures.csv | pref | 本社の所在地 | Head office | yes |\n";
const PREFECTURES: &str = "name,label::日本語 (ja),label::English (en)\n13,東京都,Tokyo\n27,大阪府,Osaka\n";

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_questionnaire_with_its_choice_file_is_uploaded_as_a_zip_and_answered() {
    for backend in BACKENDS {
        a_questionnaire_with_its_choice_file_is_uploaded_as_a_zip_and_answered_on(backend).await;
    }
}

async fn a_questionnaire_with_its_choice_file_is_uploaded_as_a_zip_and_answered_on(backend: Backend) {
    let s = site(backend).await;
    let admin = signed_in(&s, Role::Admin).await;
    let token = form_token(&get_as(&s.app, "/admin", &admin).await.body);
    let fields = [("_csrf", token.as_str()), ("name", "所在地調査"), ("opens", "2099-01-10"), ("closes", "2099-02-20")];
    // The form alone: the missing choice file is named at its row, and nothing is made.
    let before = s.store.campaigns().await.unwrap().len();
    let r =
        upload_as(&s.app, "/admin/campaigns", &admin, &fields, ("form", "pref.md", FROM_FILE_FORM.as_bytes())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("pref.md:survey:3:B: error: the form needs the choice file &#x27;prefectures.csv&#x27;"),
        "{}",
        r.body
    );
    assert_eq!(s.store.campaigns().await.unwrap().len(), before);
    // With the file in a .zip: made, and the .zip is what is stored (the choices frozen with it).
    let bundle = zip_of(&[("pref.md", FROM_FILE_FORM.as_bytes()), ("prefectures.csv", PREFECTURES.as_bytes())]);
    let r = upload_as(&s.app, "/admin/campaigns", &admin, &fields, ("form", "所在地.zip", &bundle)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location.unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(s.store.campaign(&id).await.unwrap().unwrap().form_file_name, "所在地.zip");

    // Answered on the web (a campaign open now, from the same bundle).
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let open = s.store.create_campaign("所在地調査", "所在地.zip", &bundle, now - 60, now + 86_400).await.unwrap();
    let (participant, link) = s.store.add_participant(&open, "甲株式会社", "mah1", "a@example.jp", "ja").await.unwrap();
    let page = get(&s.app, &format!("/r/{link}/p/1")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("東京都") && page.body.contains("大阪府"),
        "the file's choices are offered: {}",
        page.body
    );
    let csrf_token = csrf(&page.body);
    let r = post(&s.app, &format!("/r/{link}/p/1"), &[("_csrf", &csrf_token), ("pref", "99"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a code not in the file is refused");
    let r = post(&s.app, &format!("/r/{link}/p/1"), &[("_csrf", &csrf_token), ("pref", "27"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored = s.store.response(&participant).await.unwrap().unwrap();
    assert_eq!(stored.answers.get("pref").map(String::as_str), Some("27"));
}

/// A questionnaire with a repeat is refused for a web campaign, at the repeat's row: the pages
/// ask no repeats, so its answers would be collected and kept nowhere.
#[tokio::test]
async fn a_questionnaire_with_a_repeat_is_refused_at_its_row() {
    let s = site(Backend::Sqlite).await;
    let admin = signed_in(&s, Role::Admin).await;
    let token = form_token(&get_as(&s.app, "/admin", &admin).await.body);
    let fields = [("_csrf", token.as_str()), ("name", "製品調査"), ("opens", "2099-01-10"), ("closes", "2099-02-20")];
    let form = "| survey |\n| | type | name | label |\n| | text | org | 会社名 |\n| | begin repeat | products | 製品 |\n\
                | | text | product | 製品名 |\n| | end repeat | | |\n";
    let before = s.store.campaigns().await.unwrap().len();
    let r = upload_as(&s.app, "/admin/campaigns", &admin, &fields, ("form", "products.md", form.as_bytes())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(
            "products.md:survey:4: error: &#x27;begin repeat products&#x27;: web campaigns do not ask repeats"
        ),
        "{}",
        r.body
    );
    assert_eq!(s.store.campaigns().await.unwrap().len(), before);
}
