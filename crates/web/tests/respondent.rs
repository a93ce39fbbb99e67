//! The respondent pages end to end on a real SQLite database, through the Router without a
//! socket: links, pages, skip logic, drafts, errors, CSRF, submission, isolation between links.

mod common;

use axum::http::StatusCode;
use common::{BACKENDS, Backend, csrf, get, post, site};

/// Whether the page hides question `name` (it is there, with the `hidden` attribute).
fn hidden(html: &str, name: &str) -> bool {
    let at = html.find(&format!("id=\"q-{name}\"")).unwrap_or_else(|| panic!("question {name} is on the page"));
    html[at..].split('>').next().unwrap().contains(" hidden")
}

#[tokio::test]
async fn health_answers_when_the_database_does() {
    for backend in BACKENDS {
        health_answers_when_the_database_does_on(backend).await;
    }
}

async fn health_answers_when_the_database_does_on(backend: Backend) {
    let s = site(backend).await;
    let r = get(&s.app, "/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn a_wrong_link_finds_nothing_and_says_so_plainly() {
    for backend in BACKENDS {
        a_wrong_link_finds_nothing_and_says_so_plainly_on(backend).await;
    }
}

async fn a_wrong_link_finds_nothing_and_says_so_plainly_on(backend: Backend) {
    let s = site(backend).await;
    for uri in ["/r/abc", "/r/0000000000000000000000000000000000000000000000000000000000000000", "/r/zz/p/1"] {
        let r = get(&s.app, uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(r.body.contains("このリンクは無効です"), "{uri}");
    }
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    for backend in BACKENDS {
        every_page_carries_the_security_headers_on(backend).await;
    }
}

async fn every_page_carries_the_security_headers_on(backend: Backend) {
    let s = site(backend).await;
    let r = get(&s.app, &format!("/r/{}/p/1", s.tokens[0])).await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers["referrer-policy"], "no-referrer", "a personal link must not leak through Referer");
    assert_eq!(r.headers["x-frame-options"], "DENY");
}

#[tokio::test]
async fn a_respondent_answers_page_by_page_with_skip_logic_on_the_server() {
    for backend in BACKENDS {
        a_respondent_answers_page_by_page_with_skip_logic_on_the_server_on(backend).await;
    }
}

async fn a_respondent_answers_page_by_page_with_skip_logic_on_the_server_on(backend: Backend) {
    let s = site(backend).await;
    let t = &s.tokens[0];
    let start = get(&s.app, &format!("/r/{t}")).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    assert_eq!(start.location.as_deref(), Some(format!("/r/{t}/p/1?lang=ja").as_str()));
    let page = get(&s.app, &format!("/r/{t}/p/1")).await;
    assert!(page.body.contains("会社名（法人名）"));
    // Questions that do not apply are on the page but hidden (the page's script shows them
    // live; without script the server shows them on the next round trip).
    assert!(hidden(&page.body, "license_other"), "license_other is hidden until 'other' is chosen");
    assert!(hidden(&page.body, "supply_origin"), "supply_origin applies to first-class holders only");
    let token = csrf(&page.body);
    // A first-class holder must also say where its devices come from: the page asks again.
    let r = post(
        &s.app,
        &format!("/r/{t}/p/1"),
        &[("_csrf", &token), ("org_name", "甲医療機器株式会社"), ("license_type", "mah1"), ("_go", "next")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!hidden(&r.body, "supply_origin") && r.body.contains("製造販売する医療機器の供給元"));
    assert!(r.body.contains("この質問は回答必須です。"));
    assert!(r.body.contains("class=\"error-summary\""));
    // The draft survived the error: the company name is still there when the page is reopened.
    let reopened = get(&s.app, &format!("/r/{t}/p/1")).await;
    assert!(reopened.body.contains("value=\"甲医療機器株式会社\""));
    let r = post(
        &s.app,
        &format!("/r/{t}/p/1"),
        &[
            ("_csrf", &token),
            ("org_name", "甲医療機器株式会社"),
            ("license_type", "mah1"),
            ("supply_origin", "import"),
            ("_go", "next"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some(format!("/r/{t}/p/2?lang=ja").as_str()));
    // A constraint with the form's own message.
    let r = post(
        &s.app,
        &format!("/r/{t}/p/2"),
        &[("_csrf", &token), ("products_total", "3"), ("products_done", "5"), ("_go", "next")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("対象品目数以下の整数を入力してください。"));
    let stored = s.store.response(&s.store.participant_by_token(t).await.unwrap().unwrap().id).await.unwrap().unwrap();
    assert_eq!(stored.status, "draft");
    assert_eq!(stored.answers["products_done"], "5", "every page is saved as a draft, even with errors");
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused() {
    for backend in BACKENDS {
        posts_without_the_csrf_token_are_refused_on(backend).await;
    }
}

async fn posts_without_the_csrf_token_are_refused_on(backend: Backend) {
    let s = site(backend).await;
    let t = &s.tokens[0];
    let r = post(&s.app, &format!("/r/{t}/p/1"), &[("org_name", "x"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(&s.app, &format!("/r/{t}/p/1"), &[("_csrf", &"0".repeat(64)), ("org_name", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(&s.app, &format!("/r/{t}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn one_link_cannot_read_or_change_another_participants_answers() {
    for backend in BACKENDS {
        one_link_cannot_read_or_change_another_participants_answers_on(backend).await;
    }
}

async fn one_link_cannot_read_or_change_another_participants_answers_on(backend: Backend) {
    let s = site(backend).await;
    let (a, b) = (&s.tokens[0], &s.tokens[1]);
    let page_a = get(&s.app, &format!("/r/{a}/p/1")).await;
    let page_b = get(&s.app, &format!("/r/{b}/p/1")).await;
    let (csrf_a, csrf_b) = (csrf(&page_a.body), csrf(&page_b.body));
    assert_ne!(csrf_a, csrf_b);
    post(&s.app, &format!("/r/{a}/p/1"), &[("_csrf", &csrf_a), ("org_name", "甲医療機器株式会社"), ("_go", "save")])
        .await;
    // B's pages never show A's answers, and A's CSRF token does not work on B's link.
    for path in ["/p/1", "/review"] {
        assert!(!get(&s.app, &format!("/r/{b}{path}")).await.body.contains("甲医療機器"), "{path}");
    }
    let r = post(&s.app, &format!("/r/{b}/p/1"), &[("_csrf", &csrf_a), ("org_name", "乗っ取り")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let b_id = s.store.participant_by_token(b).await.unwrap().unwrap().id;
    assert!(s.store.response(&b_id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_complete_response_is_reviewed_and_submitted() {
    for backend in BACKENDS {
        a_complete_response_is_reviewed_and_submitted_on(backend).await;
    }
}

async fn a_complete_response_is_reviewed_and_submitted_on(backend: Backend) {
    let s = site(backend).await;
    let t = &s.tokens[1];
    let token = csrf(&get(&s.app, &format!("/r/{t}/p/1")).await.body);
    let pages: Vec<Vec<(&str, &str)>> = vec![
        vec![("org_name", "乙メディカル株式会社"), ("license_type", "mah3"), ("supply_origin", "domestic")],
        vec![("products_total", "4"), ("products_done", "1")],
        vec![("proc_docs", "none"), ("info_eval", "prep"), ("competence", "none"), ("process_check", "none")],
        vec![("sbom_current", "prep"), ("sbom_legacy", "na")],
        vec![
            ("pm_process", "prep"),
            ("vuln_intake", "none"),
            ("wide_vuln_info", "no"),
            ("incident_info", "no"),
            ("defect_report", "none"),
        ],
        vec![
            ("policy", "prep"),
            ("policy_disclosure", "none"),
            ("psirt", "none"),
            ("advisory", "none"),
            ("user_inquiry", "no"),
        ],
        vec![("network_diagram", "unknown"), ("maint_contract", "no")],
        vec![("challenges", "experts"), ("challenges", "cost"), ("challenges_text", "専門人材の採用が難しい")],
    ];
    for (n, fields) in pages.iter().enumerate() {
        let mut all = vec![("_csrf", token.as_str()), ("_go", "next")];
        all.extend(fields.iter().copied());
        let r = post(&s.app, &format!("/r/{t}/p/{}", n + 1), &all).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "page {}: {}", n + 1, r.body);
    }
    let review = get(&s.app, &format!("/r/{t}/review")).await;
    assert!(review.body.contains("専門家の確保、対策費用等"), "multiple choices are listed by label");
    let r = post(&s.app, &format!("/r/{t}/submit"), &[("_csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location.unwrap().ends_with("/done?lang=ja"));
    let id = s.store.participant_by_token(t).await.unwrap().unwrap().id;
    let stored = s.store.response(&id).await.unwrap().unwrap();
    assert_eq!(stored.status, "submitted");
    assert_eq!(stored.answers["challenges"], "experts cost");
    assert!(stored.submitted_at.is_some());
    // Reopening the link after submitting goes to the answers, which can still be corrected.
    let again = get(&s.app, &format!("/r/{t}")).await;
    assert!(again.location.unwrap().contains("/review"));
}

#[tokio::test]
async fn the_page_switches_to_english() {
    for backend in BACKENDS {
        the_page_switches_to_english_on(backend).await;
    }
}

async fn the_page_switches_to_english_on(backend: Backend) {
    let s = site(backend).await;
    let r = get(&s.app, &format!("/r/{}/p/1?lang=en", s.tokens[0])).await;
    assert!(r.body.contains("<html lang=\"en\">"));
    assert!(r.body.contains("Company name") && r.body.contains("Next"));
}

/// A `choice_filter` on the page: the choices it does not offer for the answers so far are on
/// the page hidden and disabled (the script offers them as answers change, from the skip-logic
/// endpoint's `choices`); a choice not offered is refused by the check all the same.
#[tokio::test]
async fn choice_filters_decide_the_choices_a_page_offers() {
    let s = site(Backend::Sqlite).await;
    let form = "| survey |\n| | type | name | label | choice_filter | appearance |\n\
                | | select_one area | area | 地域 | | |\n\
                | | select_one pref | pref | 所在地 | area=${area} | minimal |\n\
                | choices |\n| | list_name | name | label | area |\n\
                | | area | east | 東日本 | |\n| | area | west | 西日本 | |\n\
                | | pref | tokyo | 東京都 | east |\n| | pref | osaka | 大阪府 | west |\n";
    let now = mamori_store::now();
    let c = s.store.create_campaign("c", "f.md", form.as_bytes(), now - 60, now + 86_400).await.unwrap();
    let (pid, link) = s.store.add_participant(&c, "甲", "mah1", "a@example.jp", "ja").await.unwrap();
    let uri = format!("/r/{link}/p/1");
    let page = get(&s.app, &uri).await;
    assert!(page.body.contains("<option value=\"tokyo\" hidden disabled>"), "{}", page.body);
    assert!(page.body.contains("<option value=\"osaka\" hidden disabled>"));
    let token = csrf(&page.body);
    let r = post(&s.app, &uri, &[("_csrf", &token), ("area", "west"), ("_go", "save")]).await;
    assert!(r.body.contains("<option value=\"osaka\">") && r.body.contains("<option value=\"tokyo\" hidden disabled>"));
    let r = post(&s.app, &format!("{uri}/relevant"), &[("_csrf", &token), ("area", "east")]).await;
    let reply: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(reply["choices"], serde_json::json!({ "pref": ["tokyo"] }));
    let r = post(&s.app, &uri, &[("_csrf", &token), ("area", "east"), ("pref", "osaka"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("これまでの回答では選べません"), "{}", r.body);
    let r = post(&s.app, &uri, &[("_csrf", &token), ("area", "west"), ("pref", "osaka"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(s.store.response(&pid).await.unwrap().unwrap().answers["pref"], "osaka");
}
