//! Results of a campaign for the analyst: the report on its valid responses (submitted and
//! not marked invalid) as a page, PDF, XLSX and JSON, with disclosure control on request; and
//! the responses themselves as CSV (the convention of product.md), XLSX and a codebook.

use super::{campaign, download};
use crate::auth::Staff;
use crate::security::DOCUMENT_POLICY;
use crate::{AppState, Shared, campaign_data, questionnaire, unavailable};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use mamori_analysis::{Analysis, Options, analyse};
use mamori_form::Form;
use mamori_store::{AnswerMap, Role};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    /// `en` for English labels and findings.
    lang: Option<String>,
    /// `1` to apply disclosure control (for sharing outside the office).
    publish: Option<String>,
    /// The smallest count shown when publishing.
    min_cell: Option<u64>,
}

struct Loaded {
    /// The campaign this one succeeds, if any.
    previous: Option<String>,
    questionnaire: Arc<crate::respondent::Questionnaire>,
    responses: Vec<(String, AnswerMap)>,
    file_stem: String,
}

impl Loaded {
    fn form(&self) -> &'static Form {
        self.questionnaire.form
    }
}

async fn load(state: &AppState, staff: &Staff, id: &str) -> Result<Loaded, Response> {
    staff.allow(state, &[Role::Analyst])?;
    let campaign = campaign(state, staff, id).await?;
    let questionnaire = questionnaire(state, &campaign).await?;
    let responses = state.store.valid_responses(id).await.map_err(unavailable)?;
    let file_stem = format!("{}-{}", questionnaire.form.form_id, campaign.id);
    Ok(Loaded { previous: campaign.previous_id, questionnaire, responses, file_stem })
}

/// The analysis of the campaign's valid responses, and the stored rows left out of it (with
/// their reasons) because they do not pass the form's checks.
fn analysis(
    state: &AppState,
    staff: &Staff,
    loaded: &Loaded,
    q: &ReportQuery,
) -> Result<(Analysis, Vec<(String, String)>), Response> {
    let form = loaded.form();
    let no_data = |text: &str| staff.message(state, StatusCode::CONFLICT, "集計できません", text);
    if loaded.responses.is_empty() {
        return Err(no_data("有効な回答（送信済みで、無効とされていないもの）がまだありません。"));
    }
    let columns = campaign_data::columns(form, &loaded.responses).map_err(|e| no_data(&e))?;
    if columns.ids.is_empty() {
        return Err(no_data("有効な回答のうち、調査票の検査を通るものがありません。"));
    }
    let mut options = Options::for_form(form);
    let code = if q.lang.as_deref() == Some("en") { "(en)" } else { "(ja)" };
    if let Some(l) = form.languages.iter().find(|l| l.contains(code)) {
        options.language = l.clone();
    }
    options.publish = q.publish.as_deref() == Some("1");
    if let Some(k) = q.min_cell {
        // Below 3 a published cell can be one company's answer: never fewer.
        options.min_cell = k.max(mamori_analysis::MIN_THRESHOLD);
    }
    let analysis = analyse(form, &columns.responses, &options).map_err(|e| no_data(&e.to_string()))?;
    Ok((analysis, columns.left_out))
}

macro_rules! report_handler {
    ($name:ident, |$a:ident, $left_out:ident, $stem:ident| $body:expr) => {
        pub async fn $name(
            State(state): State<Shared>,
            staff: Staff,
            Path(id): Path<String>,
            Query(q): Query<ReportQuery>,
        ) -> Response {
            let loaded = match load(&state, &staff, &id).await {
                Ok(l) => l,
                Err(r) => return r,
            };
            let ($a, $left_out) = match analysis(&state, &staff, &loaded, &q) {
                Ok(a) => a,
                Err(r) => return r,
            };
            let $stem = &loaded.file_stem;
            $body
        }
    };
}

fn failed(e: String) -> Response {
    tracing::warn!("report: {e}");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

pub async fn page(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let loaded = match load(&state, &staff, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let (a, left_out) = match analysis(&state, &staff, &loaded, &q) {
        Ok(a) => a,
        Err(r) => return r,
    };
    // With a previous campaign, the comparison's findings head the page, with a link to it
    // (published the same way as the page).
    let mut meta = Vec::new();
    let mut comparison = None;
    if loaded.previous.is_some() {
        let query = super::trend::TrendQuery { lang: q.lang.clone(), publish: q.publish.clone(), min_cell: q.min_cell };
        let english = q.lang.as_deref() == Some("en");
        let publish = q.publish.as_deref() == Some("1");
        let suffix: Vec<&str> = [(english, "lang=en"), (publish, "publish=1")]
            .iter()
            .filter_map(|&(on, part)| on.then_some(part))
            .collect();
        let query_string = if suffix.is_empty() { String::new() } else { format!("?{}", suffix.join("&")) };
        let href = format!("/admin/campaigns/{id}/trend{query_string}");
        if let Ok((t, previous, _)) = super::trend::compute(&state, &staff, &id, &query).await {
            let items = if t.findings.is_empty() {
                vec![
                    if english {
                        "No change is statistically significant."
                    } else {
                        "統計的に有意な変化は見られませんでした。"
                    }
                    .to_string(),
                ]
            } else {
                t.findings.clone()
            };
            let text = if english {
                format!(
                    "Compared with the previous wave ({}; {} organisations answered both):",
                    previous.name, t.panel_n
                )
            } else {
                format!("前回（{}）との比較（両方に回答した組織 {} 社）：", previous.name, t.panel_n)
            };
            comparison = Some(mamori_report::Notice { text, items });
        }
        meta.push(mamori_report::Piece::link(
            if english { "Comparison with the previous wave" } else { "前回調査との比較" },
            href,
        ));
    }
    // The office sees which stored rows the results leave out, and why.
    let top = mamori_report::Preamble {
        meta,
        notices: comparison
            .into_iter()
            .chain((!left_out.is_empty()).then(|| mamori_report::Notice {
                text: format!(
                    "保存されている回答のうち {} 件は調査票の検査を通らないため、集計から除いています。",
                    left_out.len()
                ),
                items: left_out.iter().map(|(id, why)| format!("{id}: {why}")).collect(),
            }))
            .collect(),
    };
    let html = mamori_report::html_with(&a, &top);
    ([(header::CONTENT_SECURITY_POLICY, DOCUMENT_POLICY)], Html(html)).into_response()
}

report_handler!(pdf, |a, _left_out, stem| match mamori_report::pdf(&a) {
    Ok(bytes) => download("application/pdf", &format!("{stem}-report.pdf"), bytes),
    Err(e) => failed(e),
});

report_handler!(xlsx, |a, _left_out, stem| match mamori_report::xlsx(&a) {
    Ok(bytes) => download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{stem}-report.xlsx"),
        bytes
    ),
    Err(e) => failed(e),
});

report_handler!(json, |a, _left_out, stem| download(
    "application/json",
    &format!("{stem}-report.json"),
    mamori_report::json(&a).into_bytes()
));

pub async fn export_csv(State(state): State<Shared>, staff: Staff, Path(id): Path<String>) -> Response {
    let loaded = match load(&state, &staff, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    // With a BOM, so that Excel opens the Japanese text intact.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(campaign_data::to_export_csv(loaded.form(), &loaded.responses).into_bytes());
    staff
        .audit(&state, "export.csv", &id, &loaded.file_stem, "", &format!("{} responses", loaded.responses.len()))
        .await;
    download("text/csv; charset=utf-8", &format!("{}-responses.csv", loaded.file_stem), bytes)
}

pub async fn export_xlsx(State(state): State<Shared>, staff: Staff, Path(id): Path<String>) -> Response {
    let loaded = match load(&state, &staff, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let form = loaded.form();
    let questions = campaign_data::exported_questions(form);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = Format::new().set_bold();
    let result = (|| -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.set_name("responses")?;
        sheet.write_string_with_format(0, 0, "_id", &bold)?;
        for (c, q) in questions.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16 + 1, &q.name, &bold)?;
        }
        sheet.set_freeze_panes(1, 1)?;
        for (r, (pid, response)) in loaded.responses.iter().enumerate() {
            let row = r as u32 + 1;
            sheet.write_string(row, 0, pid)?;
            for (c, q) in questions.iter().enumerate() {
                let col = c as u16 + 1;
                let Some(value) = response.get(&q.name) else { continue };
                let number = q.kind.is_numeric().then(|| value.parse::<f64>().ok()).flatten();
                match number {
                    Some(n) => sheet.write_number(row, col, n)?,
                    None => sheet.write_string(row, col, value)?,
                };
            }
        }
        Ok(())
    })();
    let bytes = match result.and_then(|()| workbook.save_to_buffer()) {
        Ok(b) => b,
        Err(e) => return failed(e.to_string()),
    };
    staff
        .audit(&state, "export.xlsx", &id, &loaded.file_stem, "", &format!("{} responses", loaded.responses.len()))
        .await;
    download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}-responses.xlsx", loaded.file_stem),
        bytes,
    )
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    /// `en` for English labels.
    lang: Option<String>,
}

/// The valid responses for a statistics package: `sav`, `zsav` (SPSS), `dta` (Stata), or
/// `r.zip` / `sps.zip` (a CSV with an R script or SPSS syntax, and the codebook). Labels in
/// Japanese unless `?lang=en`. Audited like the other exports.
pub async fn export_stats(
    State(state): State<Shared>,
    staff: Staff,
    Path((id, format)): Path<(String, String)>,
    Query(query): Query<ExportQuery>,
) -> Response {
    use mamori_dataset::export::{Compression, Dictionary, DtaWriter, Language, Layout, SavWriter, Target};
    let loaded = match load(&state, &staff, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let target = match format.as_str() {
        "sav" | "zsav" => Target::Spss,
        "dta" => Target::Stata,
        "r.zip" | "sps.zip" => Target::R,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let stored = match state.store.responses_of(&id).await {
        Ok(s) => s,
        Err(e) => return unavailable(e),
    };
    let submitted_at = stored.into_iter().filter_map(|(pid, r)| r.submitted_at.map(|t| (pid, t))).collect();
    let form = loaded.form();
    let responses = match campaign_data::export_columns(form, &loaded.responses, &submitted_at) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let code = if query.lang.as_deref() == Some("en") { "en" } else { "ja" };
    // A campaign's responses are held already: one part.
    let dict = Dictionary::of(form, &responses, target, Language::pick(form, code));
    let layout = Layout::new(&dict, form, &responses);
    let stem = &loaded.file_stem;
    let mut bytes = Vec::new();
    let written = match format.as_str() {
        "sav" | "zsav" => {
            let compression = if format == "sav" { Compression::Bytecode } else { Compression::Zlib };
            SavWriter::new(&dict, compression, std::io::Cursor::new(&mut bytes))
                .and_then(|mut w| w.write(&layout).and_then(|()| w.finish()))
        }
        "dta" => DtaWriter::new(&dict, &mut bytes).and_then(|mut w| {
            w.write(&layout)?;
            w.start_long_texts()?;
            w.write_long_texts(&layout)?;
            w.finish()
        }),
        script => stats_zip(&layout, stem, script == "r.zip", &mut bytes),
    };
    if let Err(e) = written {
        return failed(e.to_string());
    }
    staff.audit(&state, &format!("export.{format}"), &id, stem, "", &format!("{} responses", dict.rows)).await;
    let content_type = match format.as_str() {
        "dta" => "application/x-stata-dta",
        "sav" | "zsav" => "application/x-spss-sav",
        _ => "application/zip",
    };
    download(content_type, &format!("{stem}-responses.{format}"), bytes)
}

/// A zip of the coded CSV, the R script or SPSS syntax reading it, and the codebook.
fn stats_zip(layout: &mamori_dataset::export::Layout, stem: &str, r: bool, out: &mut Vec<u8>) -> std::io::Result<()> {
    use mamori_dataset::export::{self, CsvWriter};
    use std::io::Write;
    let dict = layout.dict;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let csv_name = format!("{stem}.csv");
    zip.start_file(&csv_name, options)?;
    let mut csv = CsvWriter::new(dict, &mut zip, !r)?;
    csv.write(layout)?;
    csv.finish()?;
    zip.start_file(format!("{stem}.{}", if r { "R" } else { "sps" }), options)?;
    if r {
        export::write_r_script(dict, &csv_name, &mut zip)?;
    } else {
        export::write_sps(dict, &csv_name, &mut zip)?;
    }
    zip.start_file(format!("{stem}-codebook.csv"), options)?;
    export::write_codebook(dict, &mut zip)?;
    let cursor = zip.finish().map_err(std::io::Error::other)?;
    out.write_all(&cursor.into_inner())
}

/// The codebook: every variable of the export with its labels, and every value with its.
pub async fn codebook(State(state): State<Shared>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.allow(&state, &[Role::Analyst]) {
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
    let form = q.form;
    // A form without a language leaves its label columns empty (no fallback to another).
    let language = |code: &str| form.languages.iter().find(|l| l.contains(code)).cloned().unwrap_or_default();
    let (ja, en) = (language("(ja)"), language("(en)"));
    let text = |t: &mamori_form::model::Translated, l: &str| form.text(t, l).unwrap_or("").to_string();
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record([
        "variable",
        "type",
        "label_ja",
        "label_en",
        "value",
        "value_label_ja",
        "value_label_en",
        "score",
    ]);
    for q in campaign_data::exported_questions(form) {
        let _ = w.write_record(
            campaign_data::safe_cells([
                q.name.as_str(),
                q.kind.as_str(),
                &text(&q.label, &ja),
                &text(&q.label, &en),
                "",
                "",
                "",
                "",
            ])
            .iter()
            .map(|c| c.as_bytes()),
        );
        for c in &q.choices {
            let score = c.score.map(|s| s.to_string()).unwrap_or_default();
            let _ = w.write_record(
                campaign_data::safe_cells([
                    q.name.as_str(),
                    "",
                    "",
                    "",
                    c.name.as_str(),
                    &text(&c.label, &ja),
                    &text(&c.label, &en),
                    &score,
                ])
                .iter()
                .map(|c| c.as_bytes()),
            );
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    download("text/csv; charset=utf-8", &format!("{}-{}-codebook.csv", form.form_id, campaign.id), bytes)
}
