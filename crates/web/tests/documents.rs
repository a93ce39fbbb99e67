//! `file` questions on the web, on SQLite and PostgreSQL: a respondent attaches a document
//! (its security policy); the campaign's limits hold (size, kind by extension and by content);
//! a refused document saves nothing of the page; posted text never answers a file question;
//! the office — and only those who review responses — downloads the submitted document as an
//! attachment, every download audited.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use mamori_store::Role;

const FORM: &str = "| survey |\n\
| | type | name | label::日本語 (ja) | label::English (en) | required | relevant |\n\
| | select_one yn | has_policy | セキュリティ方針はありますか | Do you have a security policy? | yes | |\n\
| | file | policy | 方針の文書 | The policy document | yes | ${has_policy} = 'yes' |\n\
| | text | remarks | 備考 | Remarks | | |\n\
| choices |\n\
| | list_name | name | label::日本語 (ja) | label::English (en) |\n\
| | yn | yes | はい | Yes |\n\
| | yn | no | いいえ | No |\n";

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

/// A respondent page's multipart post: text fields, then documents `(field, file name, bytes)`.
async fn post_page(app: &axum::Router, uri: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Reply {
    let boundary = "----mamori-documents";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    for (field, file_name, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

#[tokio::test]
async fn a_document_is_attached_checked_and_offered_only_to_the_office() {
    for backend in BACKENDS {
        a_document_is_attached_checked_and_offered_only_to_the_office_on(backend).await;
    }
}

async fn a_document_is_attached_checked_and_offered_only_to_the_office_on(backend: Backend) {
    let s = site(backend).await;
    let now = mamori_store::now();
    let c = s.store.create_campaign("方針調査", "policy.md", FORM.as_bytes(), now - 60, now + 86_400).await.unwrap();
    let mut campaign = s.store.campaign(&c).await.unwrap().unwrap();
    campaign.settings.upload_max_mb = 1;
    s.store
        .update_campaign(&c, &campaign.name, campaign.opens_at, campaign.closes_at, &campaign.settings)
        .await
        .unwrap();
    let (pid, link) = s.store.add_participant(&c, "甲株式会社", "mah1", "a@example.jp", "ja").await.unwrap();
    let page_uri = format!("/r/{link}/p/1");

    // The page asks for the document: a multipart form, a file field with the allowed kinds.
    let page = get(&s.app, &page_uri).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""), "{}", page.body);
    assert!(page.body.contains("type=\"file\" accept=\".pdf,.docx,.xlsx,.pptx,.txt,.png,.jpg,.jpeg\""));
    assert!(page.body.contains("PDF、Word (.docx)") && page.body.contains("1 MB まで"));
    let token = csrf(&page.body);
    let base = [("_csrf", token.as_str()), ("has_policy", "yes"), ("remarks", "備考です"), ("_go", "next")];

    // Refused, each with its reason at the question, and nothing of the page saved.
    let big = [PDF, &vec![b' '; 1024 * 1024][..]].concat();
    for (file_name, bytes, reason) in [
        ("policy.pdf", &b"MZ\x90\x00 a program"[..], "拡張子 .pdf の形式ではありません"),
        ("setup.exe", PDF, "この形式のファイルは受け付けていません"),
        ("policy.pdf", &b""[..], "ファイルが空です"),
        ("policy.pdf", &big[..], "1 MB 以下のファイル"),
    ] {
        let r = post_page(&s.app, &page_uri, &base, &[("policy", file_name, bytes)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{file_name}");
        assert!(r.body.contains(reason), "{file_name}: {}", r.body);
        assert!(r.body.contains("備考です"), "the typed answers come back");
        assert!(s.store.response(&pid).await.unwrap().is_none(), "{file_name}: nothing saved");
        assert!(s.store.files_of(&pid).await.unwrap().is_empty());
    }
    // Without the CSRF token: refused before anything is stored.
    let r = post_page(&s.app, &page_uri, &base[1..], &[("policy", "policy.pdf", PDF)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(s.store.files_of(&pid).await.unwrap().is_empty());

    // Accepted: stored under its own name only (no path), and the answer names it.
    let r = post_page(&s.app, &page_uri, &base, &[("policy", "..\\..\\セキュリティ方針 2024.PDF", PDF)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored = s.store.response(&pid).await.unwrap().unwrap();
    assert_eq!(stored.answers["policy"], "セキュリティ方針 2024.PDF");
    let files = s.store.files_of(&pid).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].content_type.as_str(), files[0].size), ("application/pdf", PDF.len() as i64));

    // Posted text never answers a file question; an empty file input keeps the document.
    let r =
        post(&s.app, &page_uri, &[("_csrf", &token), ("has_policy", "yes"), ("policy", "other.pdf"), ("_go", "save")])
            .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = post_page(&s.app, &page_uri, &base, &[("policy", "", b"")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(s.store.response(&pid).await.unwrap().unwrap().answers["policy"], "セキュリティ方針 2024.PDF");
    let page = get(&s.app, &page_uri).await;
    assert!(page.body.contains("保存済みのファイル：<strong>セキュリティ方針 2024.PDF</strong>"));
    assert!(page.body.contains("name=\"policy__remove\""));

    // Submitted: a file question is answered by its document.
    let r = post(&s.app, &format!("/r/{link}/submit"), &[("_csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The office: the review page links the document; the download is an attachment.
    let reviewer = signed_in(&s, Role::Reviewer).await;
    let review = get_as(&s.app, &format!("/admin/campaigns/{c}/responses/{pid}"), &reviewer).await;
    assert!(review.body.contains(&format!("/admin/campaigns/{c}/responses/{pid}/files/policy")), "{}", review.body);
    let download = format!("/admin/campaigns/{c}/responses/{pid}/files/policy");
    let r = get_as(&s.app, &download, &reviewer).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''%E3%82%BB"), "{disposition}");
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(r.body.as_bytes(), PDF);
    let log = s.store.audit_log(Some(&c), 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "response.document" && e.after.contains("セキュリティ方針 2024.PDF")));

    // Every submitted document at once: a .zip with a folder per organisation, audited.
    let campaign_page = get_as(&s.app, &format!("/admin/campaigns/{c}"), &reviewer).await;
    assert!(campaign_page.body.contains(&format!("/admin/campaigns/{c}/documents.zip")));
    let (status, zipped) = send_raw(&s.app, &format!("/admin/campaigns/{c}/documents.zip"), &reviewer).await;
    assert_eq!(status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_index(0).unwrap();
    assert_eq!(entry.name().unwrap(), format!("甲株式会社 ({pid})/policy/セキュリティ方針 2024.PDF"));
    let mut inside = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut inside).unwrap();
    assert_eq!(inside, PDF);
    let log = s.store.audit_log(Some(&c), 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "campaign.documents" && e.after.starts_with("1 documents")));

    // Nobody else: a respondent's link has no way in, an analyst is not a reviewer, another
    // campaign's path does not reach this participant, and a non-file question is no file.
    let r = get(&s.app, &download).await;
    assert_ne!(r.status, StatusCode::OK);
    let analyst = signed_in(&s, Role::Analyst).await;
    assert_eq!(get_as(&s.app, &download, &analyst).await.status, StatusCode::FORBIDDEN);
    let all = format!("/admin/campaigns/{c}/documents.zip");
    assert_eq!(get_as(&s.app, &all, &analyst).await.status, StatusCode::FORBIDDEN);
    assert_ne!(get(&s.app, &all).await.status, StatusCode::OK);
    let other =
        s.store.create_campaign("別の調査", "policy.md", FORM.as_bytes(), now - 60, now + 86_400).await.unwrap();
    let r = get_as(&s.app, &format!("/admin/campaigns/{other}/responses/{pid}/files/policy"), &reviewer).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get_as(&s.app, &format!("/admin/campaigns/{c}/responses/{pid}/files/remarks"), &reviewer).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Removed from the draft after submission: the office still reads the submitted document
    // (the draft is the respondent's own until it is submitted again).
    let removal = [("_csrf", token.as_str()), ("has_policy", "yes"), ("policy__remove", "on"), ("_go", "save")];
    let r = post_page(&s.app, &page_uri, &removal, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!s.store.response(&pid).await.unwrap().unwrap().answers.contains_key("policy"));
    assert_eq!(get_as(&s.app, &download, &reviewer).await.body.as_bytes(), PDF);
    // A document is required while the question applies: submitting without one is refused.
    let r = post(&s.app, &format!("/r/{link}/submit"), &[("_csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Once it no longer applies, the submission drops it and the document is forgotten.
    let r = post(&s.app, &page_uri, &[("_csrf", &token), ("has_policy", "no"), ("_go", "next")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = post(&s.app, &format!("/r/{link}/submit"), &[("_csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(s.store.files_of(&pid).await.unwrap().is_empty());
    assert_eq!(get_as(&s.app, &download, &reviewer).await.status, StatusCode::NOT_FOUND);
}

/// The skip-logic endpoint takes a chosen document's name (the page's script sends it): the
/// questions that depend on it show before anything is saved.
#[tokio::test]
async fn skip_logic_sees_a_chosen_document() {
    let s = site(Backend::Sqlite).await;
    let form = "| survey |\n| | type | name | label | relevant |\n| | file | doc | 文書 | |\n\
                | | text | doc_note | 文書の説明 | ${doc} != '' |\n";
    let now = mamori_store::now();
    let c = s.store.create_campaign("c", "f.md", form.as_bytes(), now - 60, now + 86_400).await.unwrap();
    let (_, link) = s.store.add_participant(&c, "甲", "mah1", "a@example.jp", "ja").await.unwrap();
    let page = get(&s.app, &format!("/r/{link}/p/1")).await;
    let token = csrf(&page.body);
    let uri = format!("/r/{link}/p/1/relevant");
    let r = post(&s.app, &uri, &[("_csrf", &token), ("doc", "")]).await;
    assert!(r.body.contains("doc_note"), "hidden with no document: {}", r.body);
    let r = post(&s.app, &uri, &[("_csrf", &token), ("doc", "方針.pdf")]).await;
    assert!(!r.body.contains("doc_note"), "shown once one is chosen: {}", r.body);
}
