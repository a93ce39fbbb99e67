//! Feedback on the web: the respondent's page and PDF behind its personal link (once the
//! office releases feedback), and the office's preview of any respondent's feedback.

use crate::respondent::{Lang, load, message};
use crate::security::{Client, DOCUMENT_POLICY};
use crate::{AppState, Shared, campaign_data, unavailable};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use mamori_analysis::{Feedback, FeedbackOptions, feedback};
use mamori_report::{Piece, Preamble};
use mamori_store::{Campaign, StoredResponse};

/// Why there is no feedback to show.
pub enum Missing {
    /// The participant has not submitted (or its response was marked invalid).
    NoResponse,
    Failed(Response),
}

/// The feedback of one participant against the campaign's valid responses. With `include`,
/// the participant's submitted response counts even when the review set it aside (for the
/// office's preview).
pub async fn feedback_of(
    state: &AppState,
    campaign: &Campaign,
    participant_id: &str,
    own: Option<&StoredResponse>,
    language_code: &str,
) -> Result<Feedback, Missing> {
    let questionnaire = crate::questionnaire(state, campaign).await.map_err(Missing::Failed)?;
    let form = questionnaire.form;
    let mut responses = state.store.valid_responses(&campaign.id).await.map_err(|e| Missing::Failed(unavailable(e)))?;
    if !responses.iter().any(|(id, _)| id == participant_id) {
        match own.and_then(|r| r.submitted.as_ref()) {
            Some(submitted) => responses.push((participant_id.to_string(), submitted.clone())),
            None => return Err(Missing::NoResponse),
        }
    }
    let columns = campaign_data::columns(form, &responses).map_err(|e| {
        tracing::warn!("campaign {}: stored responses do not read: {e}", campaign.id);
        Missing::Failed((StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response())
    })?;
    // A stored row that does not pass the checks is left out of everyone's peers; if it is the
    // participant's own, there is no feedback for it.
    let index = columns.ids.iter().position(|id| id == participant_id).ok_or(Missing::NoResponse)?;
    let language = crate::form_language(form, language_code);
    let by = form.question(&campaign.settings.segment).map(|q| q.name.clone());
    let options = FeedbackOptions { by, min_peers: campaign.settings.min_peers, language };
    let mut f = feedback(form, &columns.responses, index, &options).map_err(|e| {
        tracing::warn!("campaign {}: feedback: {e}", campaign.id);
        Missing::Failed((StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response())
    })?;
    // With a previous campaign: the organisation's score change beside its peers'.
    if let Some(previous_id) = &campaign.previous_id {
        let previous = match state.store.campaign(previous_id).await {
            Ok(Some(p)) => p,
            Ok(None) => return Ok(f),
            Err(e) => return Err(Missing::Failed(unavailable(e))),
        };
        let (old_q, old) = campaign_data::org_wave(state, &previous).await.map_err(Missing::Failed)?;
        let orgs = campaign_data::org_ids(state, campaign).await.map_err(Missing::Failed)?;
        let now_ids = campaign_data::ids_of(&columns.ids, &orgs);
        let before: std::collections::HashMap<&str, usize> = old
            .ids
            .iter()
            .flat_map(|ids| ids.iter())
            .enumerate()
            .filter(|(_, id)| !id.is_empty())
            .map(|(i, id)| (id, i))
            .collect();
        let previous_of: Vec<Option<usize>> =
            now_ids.iter().map(|id| before.get(id).copied().filter(|_| !id.is_empty())).collect();
        f.change = mamori_analysis::feedback::score_change(
            (form, &columns.responses),
            (old_q.form, &old),
            &previous_of,
            index,
            &options,
        );
    }
    Ok(f)
}

/// The feedback document with a line of links at the top of its main part.
pub fn document(f: &Feedback, links: Vec<Piece>) -> Response {
    document_with(f, links, Vec::new())
}

/// [`document`] with notices under the links.
pub fn document_with(f: &Feedback, links: Vec<Piece>, notices: Vec<mamori_report::Notice>) -> Response {
    let html = mamori_report::feedback_html_with(f, &Preamble { meta: links, notices });
    ([(header::CONTENT_SECURITY_POLICY, DOCUMENT_POLICY)], Html(html)).into_response()
}

pub fn pdf(f: &Feedback, file_name: &str) -> Response {
    match mamori_report::feedback_pdf(f) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!("feedback pdf: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

async fn respondent_feedback(state: &AppState, client: &str, token: &str, lang: Lang) -> Result<Feedback, Response> {
    let ctx = load(state, client, token, lang.lang).await?;
    let w = ctx.words();
    let not_yet = || message(state, &ctx.code, StatusCode::NOT_FOUND, w.feedback_not_yet, w.feedback_not_yet_text);
    let valid = ctx.response.status == "submitted" && ctx.participant.review_status != "invalid";
    if !ctx.campaign.settings.feedback_released || !valid {
        return Err(not_yet());
    }
    match feedback_of(state, &ctx.campaign, &ctx.participant.id, None, &ctx.code).await {
        Ok(f) => Ok(f),
        Err(Missing::NoResponse) => Err(not_yet()),
        Err(Missing::Failed(r)) => Err(r),
    }
}

pub async fn respondent_html(
    State(state): State<Shared>,
    Client(client): Client,
    Path(token): Path<String>,
    Query(lang): Query<Lang>,
) -> Response {
    let code = if lang.lang.as_deref() == Some("en") { "en" } else { "ja" };
    match respondent_feedback(&state, &client, &token, lang).await {
        Ok(f) => {
            let (pdf_label, other, other_name, answers) = if code == "en" {
                ("Save as PDF", "ja", "日本語", "Your answers")
            } else {
                ("PDFで保存", "en", "English", "回答の表示")
            };
            let links = vec![
                Piece::link(pdf_label, format!("/r/{token}/feedback.pdf?lang={code}")),
                Piece::link(answers, format!("/r/{token}/review?lang={code}")),
                Piece::link(other_name, format!("?lang={other}")).in_language(other),
            ];
            let notices = match hub_notice(&state, &client, &token, &f, code).await {
                Ok(n) => n.into_iter().collect(),
                Err(r) => return r,
            };
            document_with(&f, links, notices)
        }
        Err(r) => r,
    }
}

pub async fn respondent_pdf(
    State(state): State<Shared>,
    Client(client): Client,
    Path(token): Path<String>,
    Query(lang): Query<Lang>,
) -> Response {
    match respondent_feedback(&state, &client, &token, lang).await {
        Ok(f) => pdf(&f, "mamori-feedback.pdf"),
        Err(r) => r,
    }
}

/// Hub pages that close a gap of the 2024 questionnaire: (item names, Japanese, English).
const HUB_PAGES: &[(&[&str], &str, &str)] = &[
    (
        &["sbom_current", "sbom_legacy"],
        "製品・リリースごとの SBOM を登録し、勧告がどのリリースに関係するかを確かめる：医療機器セキュリティハブ /hub/products",
        "Register an SBOM per product release and see which releases an advisory touches: the device security hub, /hub/products",
    ),
    (
        &["advisory", "user_inquiry"],
        "脆弱性ごとの影響の有無（VEX）とセキュリティ文書（MDS2・JAHIS MDS）を医療機関に公開する：/hub/products",
        "Tell hospitals, per vulnerability, whether a release is affected (VEX) and share security documents (MDS2, JAHIS MDS): /hub/products",
    ),
    (
        &["psirt", "vuln_intake"],
        "医療機関からの問い合わせ先（PSIRT の連絡先）を登録する：/hub",
        "Register where hospitals reach your PSIRT: /hub",
    ),
];

/// For a manufacturer that is also on the device security hub (the same 法人番号), a notice
/// naming the hub pages that close its gaps. The hub learns nothing of the answers.
async fn hub_notice(
    state: &AppState,
    client: &str,
    token: &str,
    f: &Feedback,
    code: &str,
) -> Result<Option<mamori_report::Notice>, Response> {
    let ctx = load(state, client, token, Some(code.to_string())).await?;
    let on_hub =
        state.store.hub_manufacturer_with_number(&ctx.participant.corporate_number).await.map_err(unavailable)?;
    if !on_hub {
        return Ok(None);
    }
    let items: Vec<String> = HUB_PAGES
        .iter()
        .filter(|(names, _, _)| f.gaps.iter().any(|g| names.contains(&g.name.as_str())))
        .map(|(_, ja, en)| if code == "en" { en.to_string() } else { ja.to_string() })
        .collect();
    if items.is_empty() {
        return Ok(None);
    }
    let text = if code == "en" {
        "Your company is on the device security hub. These pages close gaps listed below:"
    } else {
        "貴社は医療機器セキュリティハブに登録されています。次のページで、下に挙げた課題に取り組めます。"
    };
    Ok(Some(mamori_report::Notice { text: text.to_string(), items }))
}
