//! The survey office's pages under `/admin`. Every handler takes a [`Staff`] (so anonymous
//! requests never reach it), checks the user's role first, and checks the session's CSRF
//! token on every post. Changes are written to the audit log with their before and after.

mod campaigns;
pub mod import;
mod participants;
mod results;
mod review;
mod trend;
mod users;

use crate::auth::Staff;
use crate::routes::Table;
use crate::{AppState, unavailable};
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;
use mamori_store::Campaign;
use std::collections::BTreeMap;

/// Uploads (questionnaires, participant lists) may be this large.
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

pub fn routes(table: &mut Table) {
    table.get("/admin", campaigns::home);
    table.nest_post("/admin/campaigns", campaigns::create, UPLOAD_LIMIT);
    table.get("/admin/campaigns/{id}", campaigns::overview);
    table.get("/admin/campaigns/{id}/settings", campaigns::settings_page);
    table.post("/admin/campaigns/{id}/settings", campaigns::save_settings);
    table.nest_post("/admin/campaigns/{id}/form", campaigns::replace_form, UPLOAD_LIMIT);
    table.post("/admin/campaigns/{id}/registration", campaigns::registration);
    table.post("/admin/campaigns/{id}/participants", participants::add);
    table.nest_post("/admin/campaigns/{id}/participants/import", participants::import, UPLOAD_LIMIT);
    table.get("/admin/campaigns/{id}/participants/{pid}", participants::show);
    table.post("/admin/campaigns/{id}/participants/{pid}", participants::edit);
    table.post("/admin/campaigns/{id}/invite", participants::invite);
    table.post("/admin/campaigns/{id}/remind", participants::remind);
    table.get("/admin/campaigns/{id}/responses/{pid}", review::show);
    table.post("/admin/campaigns/{id}/responses/{pid}/review", review::mark);
    table.get("/admin/campaigns/{id}/responses/{pid}/files/{question}", review::attached_document);
    table.get("/admin/campaigns/{id}/documents.zip", review::all_documents);
    table.get("/admin/campaigns/{id}/responses/{pid}/feedback", review::feedback_preview);
    table.get("/admin/campaigns/{id}/results", results::page);
    table.get("/admin/campaigns/{id}/results.pdf", results::pdf);
    table.get("/admin/campaigns/{id}/results.xlsx", results::xlsx);
    table.get("/admin/campaigns/{id}/results.json", results::json);
    table.get("/admin/campaigns/{id}/trend", trend::page);
    table.get("/admin/campaigns/{id}/trend.pdf", trend::pdf);
    table.get("/admin/campaigns/{id}/trend.xlsx", trend::xlsx);
    table.get("/admin/campaigns/{id}/trend.json", trend::json);
    table.get("/admin/campaigns/{id}/export.csv", results::export_csv);
    table.get("/admin/campaigns/{id}/export.xlsx", results::export_xlsx);
    table.get("/admin/campaigns/{id}/codebook.csv", results::codebook);
    table.get("/admin/campaigns/{id}/export/{format}", results::export_stats);
    table.get("/admin/users", users::list);
    table.post("/admin/users", users::create);
    table.post("/admin/users/{uid}", users::update);
    table.get("/admin/audit", users::audit_page);
    table.get("/admin/audit.csv", users::audit_csv);
}

/// A spreadsheet column's letters: 0 → A, 26 → AA.
pub fn column_letter(mut c: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push((b'A' + (c % 26) as u8) as char);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    letters.iter().rev().collect()
}

/// The campaign of the URL, or the page saying there is none.
pub async fn campaign(state: &AppState, staff: &Staff, id: &str) -> Result<Campaign, Response> {
    match state.store.campaign(id).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(staff.message(state, StatusCode::NOT_FOUND, "見つかりません", "その調査はありません。")),
        Err(e) => Err(unavailable(e)),
    }
}

/// A multipart form: its text fields and its one file (name and bytes).
pub struct Upload {
    pub fields: BTreeMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |s| s.trim())
    }
}

/// An admin-only upload: the role checked first, then the form read and its CSRF token checked.
pub async fn admin_upload(state: &AppState, staff: &Staff, multipart: Multipart) -> Result<Upload, Response> {
    use axum::response::IntoResponse;
    staff.allow(state, &[])?;
    let upload = read_upload(multipart).await.map_err(|e| (StatusCode::BAD_REQUEST, e).into_response())?;
    staff.check_csrf(state, Some(upload.field("_csrf")))?;
    Ok(upload)
}

/// An admin-only form post: the role and the CSRF token among `fields` checked.
pub fn admin_post(state: &AppState, staff: &Staff, fields: &[(String, String)]) -> Result<(), Response> {
    staff.allow(state, &[])?;
    staff.check_csrf(state, fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()))
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload { fields: BTreeMap::new(), file: None };
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                if !file_name.is_empty() && !bytes.is_empty() {
                    // Only the file's own name, never a path the browser sent.
                    let base = file_name.rsplit(['/', '\\']).next().unwrap_or("").to_string();
                    upload.file = Some((base, bytes.to_vec()));
                }
            }
            None => {
                let text = field.text().await.map_err(|e| e.body_text())?;
                upload.fields.insert(name, text);
            }
        }
    }
    Ok(upload)
}

/// A download with its file name (built from a form's `form_id`, which its author wrote: the
/// header is made as a respondent's document's is, so no name can break it).
pub fn download(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, crate::documents::attachment_header(file_name)),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters_are_excel_letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(26), "AA");
        assert_eq!(super::column_letter(27), "AB");
        assert_eq!(super::column_letter(701), "ZZ");
        assert_eq!(super::column_letter(702), "AAA");
    }
}
