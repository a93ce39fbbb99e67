//! Review: reading one response and marking it valid or invalid (with the reason), and the
//! office's preview of a respondent's feedback.

use super::campaign;
use crate::auth::Staff;
use crate::feedback_page::{Missing, document, feedback_of};
use crate::{Shared, questionnaire, unavailable};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_report::Piece;
use mamori_store::Role;
use minijinja::context;
use serde::Deserialize;

pub async fn show(State(state): State<Shared>, staff: Staff, Path((id, pid)): Path<(String, String)>) -> Response {
    if let Err(r) = staff.allow(&state, &[Role::Reviewer]) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let p = match state.store.participant(&pid).await {
        Ok(Some(p)) if p.campaign_id == id => p,
        Ok(_) => return staff.message(&state, StatusCode::NOT_FOUND, "見つかりません", "その回答はありません。"),
        Err(e) => return unavailable(e),
    };
    let q = match questionnaire(&state, &campaign).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    // The office reviews submissions only: a draft (or a correction not yet submitted) is the
    // respondent's own until it is submitted.
    let (response, submitted) = match state.store.response(&pid).await {
        Ok(Some(r)) => match r.submitted.clone() {
            Some(s) => (r, s),
            None => return not_submitted(&state, &staff),
        },
        Ok(None) => return not_submitted(&state, &staff),
        Err(e) => return unavailable(e),
    };
    let form = q.form;
    let ja = crate::form_language(form, "ja");
    let sections = crate::respondent::answer_sections(&q, &submitted, &ja, "（未回答）");
    let ctx = context! {
        title => format!("{} の回答", p.company),
        campaign => context! { id => campaign.id, name => campaign.name },
        p => context! { id => p.id, company => p.company, review_status => p.review_status, review_reason => p.review_reason },
        status => response.status, submitted_at => response.submitted_at, updated_at => response.updated_at,
        sections, can_preview => matches!(staff.user.role, Role::Admin | Role::Analyst),
    };
    staff.page(&state, "admin/response.html", ctx, StatusCode::OK)
}

/// The document a submitted response attached to a `file` question, as a download (never shown
/// in the browser), for those who review responses; every download is in the audit log.
pub async fn attached_document(
    State(state): State<Shared>,
    staff: Staff,
    Path((id, pid, question)): Path<(String, String, String)>,
) -> Response {
    if let Err(r) = staff.allow(&state, &[Role::Reviewer]) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let not_found = || staff.message(&state, StatusCode::NOT_FOUND, "見つかりません", "そのファイルはありません。");
    let p = match state.store.participant(&pid).await {
        Ok(Some(p)) if p.campaign_id == id => p,
        Ok(_) => return not_found(),
        Err(e) => return unavailable(e),
    };
    let q = match questionnaire(&state, &campaign).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    if q.form.question(&question).is_none_or(|q| q.kind != mamori_form::QuestionType::File) {
        return not_found();
    }
    // The office reads submissions only: the document the submission names, not a draft's.
    let name = match state.store.response(&pid).await {
        Ok(Some(r)) => match r.submitted.and_then(|s| s.get(&question).cloned()) {
            Some(name) => name,
            None => return not_found(),
        },
        Ok(None) => return not_found(),
        Err(e) => return unavailable(e),
    };
    let (file, bytes) = match state.store.file(&pid, &question, &name).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(e) => return unavailable(e),
    };
    let what = format!("{question}: {} ({} bytes, sha256 {})", file.name, file.size, file.sha256);
    staff.audit(&state, "response.document", &id, &format!("{} ({pid})", p.company), "", &what).await;
    crate::documents::download(&file.content_type, &file.name, bytes)
}

/// Every document the campaign's submissions name, in one .zip with a folder per
/// organisation (`company (participant id)/question/name`), for those who review responses;
/// audited with the count and size. Written to a temporary file and streamed from it, never
/// held whole in memory (hundreds of policies of a few MB each); the file is unlinked once open.
pub async fn all_documents(State(state): State<Shared>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.allow(&state, &[Role::Reviewer]) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let q = match questionnaire(&state, &campaign).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    let questions: Vec<&str> = q
        .form
        .questions
        .iter()
        .filter(|q| q.kind == mamori_form::QuestionType::File)
        .map(|q| q.name.as_str())
        .collect();
    if questions.is_empty() {
        return staff.message(
            &state,
            StatusCode::NOT_FOUND,
            "見つかりません",
            "この調査票には添付ファイルの設問がありません。",
        );
    }
    let (participants, responses) = match (state.store.participants_of(&id).await, state.store.responses_of(&id).await)
    {
        (Ok(p), Ok(r)) => (p, r),
        (Err(e), _) | (_, Err(e)) => return unavailable(e),
    };
    let company: std::collections::HashMap<&str, &str> =
        participants.iter().map(|p| (p.participant.id.as_str(), p.participant.company.as_str())).collect();
    // The .zip is written and read on blocking threads (documents of many MB each): the async
    // workers go on answering respondents meanwhile.
    let path = std::env::temp_dir().join(format!("mamori-documents-{}.zip", mamori_store::random_hex(8)));
    let written = async {
        let file = std::fs::File::create(&path)?;
        let mut zip = zip::ZipWriter::new(file);
        let (mut count, mut bytes_total) = (0usize, 0u64);
        for (pid, response) in &responses {
            let Some(submitted) = &response.submitted else { continue };
            let folder =
                mamori_store::clean_file_name(&format!("{} ({pid})", company.get(pid.as_str()).unwrap_or(&"")));
            for question in &questions {
                let Some(name) = submitted.get(*question) else { continue };
                let Some((file, bytes)) = state.store.file(pid, question, name).await.map_err(std::io::Error::other)?
                else {
                    continue;
                };
                let entry = format!("{folder}/{question}/{}", file.name);
                bytes_total += bytes.len() as u64;
                count += 1;
                zip = tokio::task::spawn_blocking(move || {
                    // Documents are PDFs and Office files, compressed already: stored as they are.
                    let options = zip::write::SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Stored)
                        .large_file(true);
                    zip.start_file(entry, options).map_err(std::io::Error::other)?;
                    std::io::Write::write_all(&mut zip, &bytes)?;
                    Ok::<_, std::io::Error>(zip)
                })
                .await
                .map_err(joined)??;
            }
        }
        tokio::task::spawn_blocking(move || zip.finish().map_err(std::io::Error::other)).await.map_err(joined)??;
        Ok::<_, std::io::Error>((count, bytes_total))
    }
    .await;
    let opened = written.and_then(|counts| Ok((counts, std::fs::File::open(&path)?)));
    let _ = std::fs::remove_file(&path);
    let ((count, bytes_total), file) = match opened {
        Ok(done) => done,
        Err(e) => return unavailable(mamori_store::StoreError(format!("the documents' .zip: {e}"))),
    };
    let what = format!("{count} documents, {bytes_total} bytes");
    staff.audit(&state, "campaign.documents", &id, &campaign.name, "", &what).await;
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0u8; 256 * 1024];
            let n = std::io::Read::read(&mut file, &mut buffer)?;
            buffer.truncate(n);
            Ok::<_, std::io::Error>((buffer, file))
        })
        .await
        .map_err(joined);
        match read {
            Ok(Ok((buffer, _))) if buffer.is_empty() => None,
            Ok(Ok((buffer, file))) => Some((Ok(axum::body::Bytes::from(buffer)), Some(file))),
            Ok(Err(e)) | Err(e) => Some((Err(e), None)),
        }
    });
    let name = format!("{}-{id}-documents.zip", q.form.form_id);
    let mut response = crate::documents::download("application/zip", &name, Vec::new());
    *response.body_mut() = axum::body::Body::from_stream(chunks);
    response
}

/// A blocking task that panicked or was cancelled, as the I/O error it stands for.
fn joined(e: tokio::task::JoinError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn not_submitted(state: &crate::AppState, staff: &Staff) -> Response {
    staff.message(
        state,
        StatusCode::NOT_FOUND,
        "未送信です",
        "この参加者はまだ回答を送信していません。送信された回答だけを確認・判定できます。",
    )
}

#[derive(Deserialize)]
pub struct Mark {
    _csrf: String,
    status: String,
    reason: Option<String>,
}

pub async fn mark(
    State(state): State<Shared>,
    staff: Staff,
    Path((id, pid)): Path<(String, String)>,
    axum::Form(m): axum::Form<Mark>,
) -> Response {
    if let Err(r) = staff.allow(&state, &[Role::Reviewer]) {
        return r;
    }
    if let Err(r) = staff.check_csrf(&state, Some(&m._csrf)) {
        return r;
    }
    let p = match state.store.participant(&pid).await {
        Ok(Some(p)) if p.campaign_id == id => p,
        Ok(_) => return staff.message(&state, StatusCode::NOT_FOUND, "見つかりません", "その回答はありません。"),
        Err(e) => return unavailable(e),
    };
    match state.store.response(&pid).await {
        Ok(Some(r)) if r.submitted.is_some() => {}
        Ok(_) => return not_submitted(&state, &staff),
        Err(e) => return unavailable(e),
    }
    let reason = m.reason.as_deref().unwrap_or("").trim().to_string();
    let status = match m.status.as_str() {
        "valid" | "invalid" | "" => m.status.clone(),
        _ => return (StatusCode::BAD_REQUEST, "status must be valid, invalid or empty").into_response(),
    };
    if status == "invalid" && reason.is_empty() {
        let ctx = context! {
            title => "理由を入力してください", heading => "理由を入力してください",
            errors => vec!["無効とする場合は、その理由を入力してください（監査ログに残ります）。"],
            back => format!("/admin/campaigns/{id}/responses/{pid}"),
        };
        return staff.page(&state, "admin/message.html", ctx, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if let Err(e) = state.store.set_review(&pid, &status, &reason).await {
        return unavailable(e);
    }
    let before = format!("{} {}", p.review_status, p.review_reason).trim().to_string();
    let after = format!("{status} {reason}").trim().to_string();
    staff.audit(&state, "response.review", &id, &format!("{} ({pid})", p.company), &before, &after).await;
    Redirect::to(&format!("/admin/campaigns/{id}/responses/{pid}")).into_response()
}

pub async fn feedback_preview(
    State(state): State<Shared>,
    staff: Staff,
    Path((id, pid)): Path<(String, String)>,
) -> Response {
    if let Err(r) = staff.allow(&state, &[Role::Analyst]) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (p, own) = match (state.store.participant(&pid).await, state.store.response(&pid).await) {
        (Ok(Some(p)), Ok(own)) if p.campaign_id == id => (p, own),
        (Ok(_), Ok(_)) => {
            return staff.message(&state, StatusCode::NOT_FOUND, "見つかりません", "その回答はありません。");
        }
        (Err(e), _) | (_, Err(e)) => return unavailable(e),
    };
    let code = if p.language.starts_with("en") { "en" } else { "ja" };
    match feedback_of(&state, &campaign, &pid, own.as_ref(), code).await {
        Ok(f) => {
            let released = if campaign.settings.feedback_released { "公開中" } else { "未公開" };
            let links = vec![
                Piece::text(format!("事務局プレビュー（{released}）： {}", p.company)),
                Piece::link("回答に戻る", format!("/admin/campaigns/{id}/responses/{pid}")),
            ];
            document(&f, links)
        }
        Err(Missing::NoResponse) => staff.message(
            &state,
            StatusCode::NOT_FOUND,
            "フィードバックはまだありません",
            "この参加者は回答を送信していません。送信後にプレビューできます。",
        ),
        Err(Missing::Failed(r)) => r,
    }
}
