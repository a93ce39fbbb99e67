//! This campaign against the one it succeeds (issue 14), for the analyst: the comparison of
//! their valid responses, organisations matched by their organisation ids, as a page, PDF,
//! XLSX and JSON, with disclosure control over both waves on request (`?publish=1`).

use super::{campaign, download};
use crate::auth::Staff;
use crate::security::DOCUMENT_POLICY;
use crate::{AppState, Shared, campaign_data};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use mamori_analysis::trend::{Trend, Wave};
use mamori_store::{Campaign, Role};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct TrendQuery {
    /// `en` for the English document.
    pub lang: Option<String>,
    /// `1` to apply disclosure control over both waves and the change.
    pub publish: Option<String>,
    /// The smallest count shown when publishing.
    pub min_cell: Option<u64>,
}

/// The comparison of `id` with its predecessor: the trend (labelled, findings in words, and
/// published when asked), the previous campaign, and a file name stem.
pub async fn compute(
    state: &AppState,
    staff: &Staff,
    id: &str,
    query: &TrendQuery,
) -> Result<(Trend, Campaign, String), Response> {
    staff.allow(state, &[Role::Analyst])?;
    let current = campaign(state, staff, id).await?;
    let no_data = |text: &str| staff.message(state, StatusCode::CONFLICT, "比較できません", text);
    let Some(previous_id) = current.previous_id.clone() else {
        return Err(no_data("この調査には前回の調査が設定されていません。前回の調査から作成した調査で比較できます。"));
    };
    let previous = campaign(state, staff, &previous_id).await?;
    let (new_q, new) = campaign_data::org_wave(state, &current).await?;
    let (old_q, old) = campaign_data::org_wave(state, &previous).await?;
    let d = mamori_form::diff::diff(old_q.form, new_q.form, &current.form_file_name);
    if !d.errors.is_empty() {
        let list: Vec<String> = d.errors.iter().map(ToString::to_string).collect();
        return Err(no_data(&format!(
            "今回の調査票の前回との対応づけ（previous_name・previous 列）に誤りがあります：{}",
            list.join(" / ")
        )));
    }
    let form = new_q.form;
    let by: Vec<String> = if form.question(&current.settings.segment).is_some() {
        vec![current.settings.segment.clone()]
    } else {
        mamori_analysis::trend::default_segments(form)
    };
    let mut t = mamori_analysis::trend::trend(
        &Wave { form: old_q.form, responses: &old },
        &Wave { form, responses: &new },
        &d,
        &by,
        10_000,
    )
    .map_err(|e| {
        // Two participants of one campaign share an organisation (e.g. added twice with the
        // same 法人番号): the office has to say which response stands for it.
        let which = if e.previous_wave { &previous.name } else { &current.name };
        no_data(&format!(
            "「{which}」で、組織ID {} の有効な回答が 2 件あります。どちらかを確認で無効にするか、参加者を整理してください。",
            e.id
        ))
    })?;
    let rules = mamori_analysis::disclosure::Rules {
        publish: query.publish.as_deref() == Some("1"),
        min_cell: query.min_cell.unwrap_or(5).max(mamori_analysis::MIN_THRESHOLD),
    };
    mamori_analysis::trend::publish(&mut t, rules);
    let english = query.lang.as_deref() == Some("en");
    let language = crate::form_language(form, if english { "en" } else { "ja" });
    t.findings = mamori_analysis::trend::in_words(&t, form, &language, !english);
    t.labels = mamori_analysis::trend::labels(form, &language, !english);
    let stem = format!("{}-{}-trend", form.form_id, current.id);
    Ok((t, previous, stem))
}

fn failed(e: String) -> Response {
    tracing::warn!("trend: {e}");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

macro_rules! trend_handler {
    ($name:ident, |$t:ident, $previous:ident, $stem:ident, $q:ident| $body:expr) => {
        pub async fn $name(
            State(state): State<Shared>,
            staff: Staff,
            Path(id): Path<String>,
            Query($q): Query<TrendQuery>,
        ) -> Response {
            let ($t, $previous, $stem) = match compute(&state, &staff, &id, &$q).await {
                Ok(t) => t,
                Err(r) => return r,
            };
            $body
        }
    };
}

trend_handler!(page, |t, previous, _stem, q| {
    let publish = q.publish.as_deref() == Some("1");
    let suffix = if publish { "?publish=1" } else { "" };
    let top = mamori_report::Preamble {
        meta: vec![
            mamori_report::Piece::text(format!("前回の調査：{}", previous.name)),
            mamori_report::Piece::link("PDF", format!("trend.pdf{suffix}")),
            mamori_report::Piece::link("Excel", format!("trend.xlsx{suffix}")),
            mamori_report::Piece::link("JSON", format!("trend.json{suffix}")),
        ],
        notices: Vec::new(),
    };
    let html = mamori_report::trend::html(&t, &top);
    ([(header::CONTENT_SECURITY_POLICY, DOCUMENT_POLICY)], Html(html)).into_response()
});

trend_handler!(pdf, |t, _previous, stem, _q| match mamori_report::trend::pdf(&t) {
    Ok(bytes) => download("application/pdf", &format!("{stem}.pdf"), bytes),
    Err(e) => failed(e),
});

trend_handler!(xlsx, |t, _previous, stem, _q| match mamori_report::trend::xlsx(&t) {
    Ok(bytes) =>
        download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &format!("{stem}.xlsx"), bytes),
    Err(e) => failed(e),
});

trend_handler!(json, |t, _previous, stem, _q| {
    let mut bytes = serde_json::to_vec_pretty(&t).expect("the trend serialises");
    bytes.push(b'\n');
    download("application/json", &format!("{stem}.json"), bytes)
});
