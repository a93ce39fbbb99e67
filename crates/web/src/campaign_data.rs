//! A campaign's stored responses as the analysis reads them: written as CSV in the convention of
//! product.md and read back through the same checked import as a file from an analyst, so the
//! results page, the exports and `mamori report` on an exported file always agree.

use mamori_dataset::{ReadOptions, Responses, formula_safe, read_responses};
use mamori_form::{Form, QuestionType};
use mamori_store::AnswerMap;

/// The questions with a column of their own in exports, in form order: every question that
/// takes an answer outside a repeat (the respondent pages ask no repeats: one page per
/// top-level group).
pub fn exported_questions(form: &Form) -> Vec<&mamori_form::Question> {
    let in_repeat = |q: &mamori_form::Question| {
        q.group_indices.iter().any(|&g| form.groups[g].kind == mamori_form::GroupKind::Repeat)
    };
    form.questions.iter().filter(|q| q.kind != QuestionType::Note && !in_repeat(q)).collect()
}

/// The responses as CSV (UTF-8, with `_id` = the participant's id), one row each, exactly as
/// stored: what the checked import reads back. Files for people use [`to_export_csv`].
pub fn to_csv(form: &Form, responses: &[(String, AnswerMap)]) -> String {
    csv_of(form, responses, false)
}

/// As [`to_csv`], for a spreadsheet to open: text a spreadsheet would run as a formula is
/// neutralised ([`mamori_dataset::formula_safe`]); numbers in number columns stay numbers.
pub fn to_export_csv(form: &Form, responses: &[(String, AnswerMap)]) -> String {
    csv_of(form, responses, true)
}

fn csv_of(form: &Form, responses: &[(String, AnswerMap)], safe: bool) -> String {
    let questions = exported_questions(form);
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header = vec!["_id"];
    header.extend(questions.iter().map(|q| q.name.as_str()));
    writer.write_record(&header).expect("writing to memory");
    for (id, response) in responses {
        let mut record = vec![std::borrow::Cow::Borrowed(id.as_str())];
        record.extend(questions.iter().map(|q| {
            let value = response.get(&q.name).map_or("", String::as_str);
            if safe { formula_safe(value, q.kind.is_numeric()) } else { value.into() }
        }));
        writer.write_record(record.iter().map(|c| c.as_bytes())).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text is UTF-8")
}

/// The valid responses for the statistics exports: checked columns with `_id`,
/// `_submitted_at` (Japanese time, ISO 8601) and `_status` kept. A stored row the form rejects
/// is left out, as on the results page.
pub fn export_columns(
    form: &Form,
    responses: &[(String, AnswerMap)],
    submitted_at: &std::collections::HashMap<String, i64>,
) -> Result<Responses, String> {
    let questions = exported_questions(form);
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header = vec!["_id"];
    header.extend(questions.iter().map(|q| q.name.as_str()));
    header.extend(["_submitted_at", "_status"]);
    writer.write_record(&header).map_err(|e| e.to_string())?;
    for (id, response) in responses {
        let mut record = vec![id.clone()];
        record.extend(questions.iter().map(|q| response.get(&q.name).cloned().unwrap_or_default()));
        record.push(submitted_at.get(id).map(|&t| iso_jst(t)).unwrap_or_default());
        record.push("submitted".into());
        writer.write_record(&record).map_err(|e| e.to_string())?;
    }
    let csv = writer.into_inner().map_err(|e| e.to_string())?;
    let options = ReadOptions {
        language: form.default_language.clone(),
        skip_invalid: true,
        keep_metadata: true,
        ..ReadOptions::default()
    };
    read_responses(form, "campaign.csv", &csv, &options)
        .map(|loaded| loaded.responses)
        .map_err(|errors| errors.iter().take(5).map(ToString::to_string).collect::<Vec<_>>().join("; "))
}

/// Unix seconds as `2024-10-31T14:05:09+09:00`.
fn iso_jst(unix: i64) -> String {
    let local = unix + 9 * 3600;
    let date = mamori_form::dates::format_date(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}+09:00", s / 3600, s / 60 % 60, s % 60)
}

/// Text cells of a CSV file for people (codebook, audit log), neutralised against formulas.
pub fn safe_cells<'a>(cells: impl IntoIterator<Item = &'a str>) -> Vec<std::borrow::Cow<'a, str>> {
    cells.into_iter().map(|c| formula_safe(c, false)).collect()
}

/// A campaign's submitted responses as the analysis reads them.
pub struct CampaignColumns {
    pub responses: Responses,
    /// The participant ids of the rows in `responses`, in their order.
    pub ids: Vec<String>,
    /// Stored responses the form rejects (which submission prevents, but a questionnaire
    /// replaced in a test database or a row changed by hand can still bring): left out of the
    /// results and every feedback, each with its participant id and the reason.
    pub left_out: Vec<(String, String)>,
}

/// The responses as checked columns. A stored row that does not pass is left out and reported
/// (never the whole campaign refused for one row).
pub fn columns(form: &Form, responses: &[(String, AnswerMap)]) -> Result<CampaignColumns, String> {
    let csv = to_csv(form, responses);
    let options = ReadOptions { language: form.default_language.clone(), skip_invalid: true, ..ReadOptions::default() };
    let loaded = read_responses(form, "campaign.csv", csv.as_bytes(), &options)
        .map_err(|errors| errors.iter().take(5).map(ToString::to_string).collect::<Vec<_>>().join("; "))?;
    // Row 1 is the header: record i is row i + 2.
    let mut reasons: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for e in &loaded.skipped {
        if let Some(row) = e.row.filter(|&r| r >= 2) {
            let column = e.column.as_deref().map(|c| format!("{c}: ")).unwrap_or_default();
            reasons.entry(row - 2).or_default().push(format!("{column}{}", e.message));
        }
    }
    let mut ids = Vec::with_capacity(responses.len());
    let mut left_out = Vec::new();
    for (i, (id, _)) in responses.iter().enumerate() {
        match reasons.remove(&i) {
            Some(why) => left_out.push((id.clone(), why.join("; "))),
            None => ids.push(id.clone()),
        }
    }
    if ids.len() != loaded.responses.len() {
        return Err(format!("{} rows read for {} responses kept", loaded.responses.len(), ids.len()));
    }
    // The reasons quote answers: they go to the office's page, never to the log.
    for (id, _) in &left_out {
        tracing::warn!("stored response of participant {id} left out of the results: it does not pass the checks");
    }
    Ok(CampaignColumns { responses: loaded.responses, ids, left_out })
}

/// One wave for comparing campaigns: a campaign's valid responses as checked columns, each
/// row's id its organisation id (the same in a campaign and its successor).
pub(crate) async fn org_wave(
    state: &crate::AppState,
    campaign: &mamori_store::Campaign,
) -> Result<(std::sync::Arc<crate::respondent::Questionnaire>, Responses), axum::response::Response> {
    let q = crate::questionnaire(state, campaign).await?;
    let stored = state.store.valid_responses(&campaign.id).await.map_err(crate::unavailable)?;
    let columns = columns(q.form, &stored).map_err(|e| {
        tracing::warn!("campaign {}: stored responses do not read: {e}", campaign.id);
        axum::response::IntoResponse::into_response((axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
    })?;
    let orgs = org_ids(state, campaign).await?;
    let mut responses = columns.responses;
    responses.ids = Some(ids_of(&columns.ids, &orgs));
    Ok((q, responses))
}

/// Participant id → organisation id, for a campaign's participants.
pub(crate) async fn org_ids(
    state: &crate::AppState,
    campaign: &mamori_store::Campaign,
) -> Result<std::collections::HashMap<String, String>, axum::response::Response> {
    Ok(state
        .store
        .participants_of(&campaign.id)
        .await
        .map_err(crate::unavailable)?
        .into_iter()
        .map(|r| (r.participant.id, r.participant.org_id))
        .collect())
}

/// The organisation ids of rows given by participant ids (empty for an unknown one: no panel).
pub(crate) fn ids_of(
    participants: &[String],
    orgs: &std::collections::HashMap<String, String>,
) -> mamori_dataset::TextColumn {
    let mut ids = mamori_dataset::TextColumn::default();
    for pid in participants {
        ids.push(orgs.get(pid).map_or("", String::as_str));
    }
    ids
}
