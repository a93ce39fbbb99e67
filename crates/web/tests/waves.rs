//! Waves on the web (issue 14), on SQLite and PostgreSQL: a campaign created from the previous
//! one carries its participants; the office sees who answered both and the comparison (page,
//! PDF, Excel, JSON, published); each respondent sees its own previous answers, never another
//! organisation's, and its feedback shows its score change beside its peers'.

mod common;

use axum::http::StatusCode;
use common::*;
use mamori_store::Role;

#[tokio::test]
async fn a_second_wave_compares_with_the_first() {
    for backend in BACKENDS {
        a_second_wave_compares_with_the_first_on(backend).await;
    }
}

const BROKEN_MAPPING: &str = "| survey |
| | type | name | label | previous_name |
| | select_one yn | x | X | no_such_item |
| choices |
| | list_name | name | label |
| | yn | y | Yes |
| | yn | n | No |
| settings |
| | form_id | version |
| | broken | 2 |
";

async fn a_second_wave_compares_with_the_first_on(backend: Backend) {
    let s = site(backend).await;
    let first = s.campaign.clone();
    // Wave 1: 30 companies answered (the fixture's first 30 rows).
    let answered_first = submitted(&s.store, &first, 30).await;
    let admin = signed_in(&s, Role::Admin).await;
    let token = form_token(&get_as(&s.app, "/admin", &admin).await.body);
    let today = mamori_form::dates::format_date((mamori_store::now() + 9 * 3600).div_euclid(86_400));
    let fields = [
        ("_csrf", token.as_str()),
        ("name", "2025 調査"),
        ("opens", today.as_str()),
        ("closes", "2099-12-31"),
        ("previous", first.as_str()),
    ];
    // A questionnaire whose mapping cannot hold is refused, located, and nothing is created.
    let r =
        upload_as(&s.app, "/admin/campaigns", &admin, &fields, ("form", "broken.md", BROKEN_MAPPING.as_bytes())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("前回（2024）との対応づけ：broken.md:survey:3:E:"), "{}", r.body);
    assert!(r.body.contains("no_such_item"), "{}", r.body);
    assert_eq!(s.store.campaigns().await.unwrap().len(), 1);
    // A previous campaign that does not exist (a forged form) is refused too.
    let forged = [
        ("_csrf", token.as_str()),
        ("name", "x"),
        ("opens", today.as_str()),
        ("closes", "2099-12-31"),
        ("previous", "no-such-campaign"),
    ];
    let r = upload_as(&s.app, "/admin/campaigns", &admin, &forged, ("form", "f.xlsx", FORM)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("前回の調査が見つかりません"), "{}", r.body);
    assert_eq!(s.store.campaigns().await.unwrap().len(), 1);
    // The same questionnaire again, succeeding wave 1.
    let r = upload_as(&s.app, "/admin/campaigns", &admin, &fields, ("form", "mdcs-manufacturer-2024.xlsx", FORM)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let second = r.location.unwrap().rsplit('/').next().unwrap().to_string();
    let c2 = s.store.campaign(&second).await.unwrap().unwrap();
    assert_eq!(c2.previous_id.as_deref(), Some(first.as_str()));
    let carried = s.store.participants_of(&second).await.unwrap();
    assert_eq!(carried.len(), 32, "the two invited and the thirty who answered");

    // Wave 2: twenty of the thirty answer again, each now with its SBOM done.
    let old = s.store.participants_of(&first).await.unwrap();
    let org_of = |pid: &str| old.iter().find(|r| r.participant.id == pid).unwrap().participant.org_id.clone();
    let fixtures = fixture_answers();
    let mut again = Vec::new();
    for (k, pid) in answered_first.iter().enumerate().take(20) {
        let org = org_of(pid);
        let new_pid = carried.iter().find(|r| r.participant.org_id == org).unwrap().participant.id.clone();
        let mut answers = fixtures[k].clone();
        answers.insert("sbom_current".into(), "done".into());
        s.store.save_answers(&new_pid, &answers, true).await.unwrap();
        again.push((new_pid, fixtures[k]["org_name"].clone()));
    }

    // The office: who answered both, and the comparison in every format.
    let page = get_as(&s.app, &format!("/admin/campaigns/{second}"), &admin).await;
    assert!(page.body.contains("前回からの継続回答"), "{}", page.body);
    assert!(page.body.contains("<strong>20</strong>　前回のみ：10　今回のみ：0"), "{}", page.body);
    let analyst = signed_in(&s, Role::Analyst).await;
    let trend = get_as(&s.app, &format!("/admin/campaigns/{second}/trend"), &analyst).await;
    assert_eq!(trend.status, StatusCode::OK);
    assert!(trend.body.contains("前回調査との比較") && trend.body.contains("両年度に回答した組織: 20"));
    assert!(trend.body.contains("<circle"), "the dumbbell charts");
    let json = get_as(&s.app, &format!("/admin/campaigns/{second}/trend.json"), &analyst).await;
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(v["panel_n"], 20);
    let sbom = v["items"].as_array().unwrap().iter().find(|i| i["name"] == "sbom_current").unwrap();
    assert_eq!(sbom["waves"]["current"]["counts"]["done"], 20);
    assert_eq!(sbom["waves"]["previous"]["n"], 30);
    let published = get_as(&s.app, &format!("/admin/campaigns/{second}/trend.json?publish=1"), &analyst).await;
    let v: serde_json::Value = serde_json::from_str(&published.body).unwrap();
    assert_eq!(v["published"], true);
    assert!(!published.body.contains("株式会社"), "no company name in a published comparison");
    for (uri, magic) in [("trend.pdf", &b"%PDF"[..]), ("trend.xlsx", &b"PK"[..])] {
        let (status, bytes) = send_raw(&s.app, &format!("/admin/campaigns/{second}/{uri}"), &analyst).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(bytes.starts_with(magic), "{uri}");
    }
    // The results page leads with the comparison.
    let results = get_as(&s.app, &format!("/admin/campaigns/{second}/results"), &analyst).await;
    assert!(results.body.contains("前回（2024）との比較（両方に回答した組織 20 社）"), "{}", results.body);
    assert!(results.body.contains("前回調査との比較</a>"), "the link to the comparison");
    // Roles and a campaign without a predecessor.
    let reviewer = signed_in(&s, Role::Reviewer).await;
    let r = get_as(&s.app, &format!("/admin/campaigns/{second}/trend"), &reviewer).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = get_as(&s.app, &format!("/admin/campaigns/{first}/trend"), &analyst).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("前回の調査が設定されていません"));

    // A 法人番号 is checked by its check digit and held once per campaign; it gives the
    // organisation id that links the company's waves.
    let add = |company: &'static str, email: &'static str, number: &'static str| {
        let (app, admin, token) = (s.app.clone(), admin.clone(), token.clone());
        let uri = format!("/admin/campaigns/{second}/participants");
        async move {
            let fields = [
                ("_csrf", token.as_str()),
                ("company", company),
                ("license", "mah1"),
                ("email", email),
                ("language", "ja"),
                ("corporate_number", number),
            ];
            post_as(&app, &uri, &admin, &fields).await
        }
    };
    let r = add("丙株式会社", "c@example.jp", "8000012050002").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("check digit (the first) should be 7"), "{}", r.body);
    let r = add("丙株式会社", "c@example.jp", "７０００-０１２０-５０００２").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let added = s.store.participant_by_email(&second, "c@example.jp").await.unwrap().unwrap();
    assert_eq!((added.corporate_number.as_str(), added.org_id.as_str()), ("7000012050002", "jcn-7000012050002"));
    let r = add("丁株式会社", "d@example.jp", "7000012050002").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("7000012050002 is already a participant of this campaign"), "{}", r.body);

    // Respondents: with the setting on, each sees its own previous answers on its pages.
    let (pid_a, company_a) = &again[0];
    let (_, company_b) = &again[1];
    let link = |pid: &str| s.store.link_token(pid);
    let first_page = |pid: String| {
        let app = s.app.clone();
        let token = link(&pid);
        async move { get(&app, &format!("/r/{token}/p/1")).await.body }
    };
    assert!(!first_page(pid_a.clone()).await.contains("前回の回答"), "off by default");
    let mut settings = c2.settings.clone();
    settings.show_previous_answers = true;
    settings.feedback_released = true;
    s.store.update_campaign(&second, &c2.name, c2.opens_at, c2.closes_at, &settings).await.unwrap();
    let body = first_page(pid_a.clone()).await;
    assert!(body.contains("前回の回答"), "{body}");
    assert!(body.contains(&format!("<span class=\"previous-tag\">前回の回答</span> {company_a}")), "{body}");
    assert!(!body.contains(company_b.as_str()), "never another organisation's answers");
    // Shown again beside the errors when a page comes back with them.
    let token_a = link(pid_a);
    let field = csrf(&body);
    let r = post(&s.app, &format!("/r/{token_a}/p/1"), &[("_csrf", field.as_str()), ("_go", "next"), ("org_name", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("前回の回答"), "{}", r.body);
    // A participant that did not answer wave 1 has no previous answers.
    let fresh = carried.iter().find(|r| r.participant.company == "甲医療機器株式会社").unwrap();
    assert!(!first_page(fresh.participant.id.clone()).await.contains("前回の回答"));
    // Its feedback shows its score change beside its peers'.
    let feedback = get(&s.app, &format!("/r/{}/feedback", link(pid_a))).await;
    assert_eq!(feedback.status, StatusCode::OK);
    assert!(feedback.body.contains("前回の調査からの変化"), "{}", feedback.body);
    assert!(feedback.body.contains("両方の調査に回答した"), "{}", feedback.body);
}
