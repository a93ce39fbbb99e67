//! Documents respondents attach to `file` questions: the kinds the office may allow, each
//! recognised by its extension *and* by its first bytes (a program renamed `.pdf` is refused),
//! reading a respondent page's post — form fields, or a multipart body with documents, each
//! held to the campaign's size limit while it streams in — and the header that offers a stored
//! document as a download, never shown in the browser.

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mamori_store::CampaignSettings;

/// A kind of document: extension, content type sent back, how the office sees it named, and
/// whether given bytes are of that kind.
pub struct Kind {
    pub extension: &'static str,
    pub content_type: &'static str,
    pub label: &'static str,
    looks_right: fn(&[u8]) -> bool,
}

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// An Office Open XML document is a zip whose parts include `[Content_Types].xml`.
fn office_open_xml(bytes: &[u8]) -> bool {
    bytes.starts_with(ZIP) && bytes.windows(19).any(|w| w == b"[Content_Types].xml")
}

/// Text: no NUL byte in the first 64 KB (UTF-8, Shift_JIS and the like all qualify).
fn text(bytes: &[u8]) -> bool {
    !bytes[..bytes.len().min(65_536)].contains(&0)
}

pub const KINDS: &[Kind] = &[
    Kind { extension: "pdf", content_type: "application/pdf", label: "PDF", looks_right: |b| b.starts_with(b"%PDF-") },
    Kind {
        extension: "docx",
        content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        label: "Word (.docx)",
        looks_right: office_open_xml,
    },
    Kind {
        extension: "xlsx",
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        label: "Excel (.xlsx)",
        looks_right: office_open_xml,
    },
    Kind {
        extension: "pptx",
        content_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        label: "PowerPoint (.pptx)",
        looks_right: office_open_xml,
    },
    Kind {
        extension: "doc",
        content_type: "application/msword",
        label: "Word 97–2003 (.doc)",
        looks_right: |b| b.starts_with(OLE),
    },
    Kind {
        extension: "xls",
        content_type: "application/vnd.ms-excel",
        label: "Excel 97–2003 (.xls)",
        looks_right: |b| b.starts_with(OLE),
    },
    Kind { extension: "txt", content_type: "text/plain", label: "テキスト (.txt)", looks_right: text },
    Kind { extension: "csv", content_type: "text/csv", label: "CSV", looks_right: text },
    Kind {
        extension: "png",
        content_type: "image/png",
        label: "PNG",
        looks_right: |b| b.starts_with(b"\x89PNG\r\n\x1a\n"),
    },
    Kind {
        extension: "jpg",
        content_type: "image/jpeg",
        label: "JPEG",
        looks_right: |b| b.starts_with(b"\xFF\xD8\xFF"),
    },
    Kind { extension: "zip", content_type: "application/zip", label: "ZIP", looks_right: |b| b.starts_with(ZIP) },
];

/// The kind of a file name's extension (`.jpeg` is a `jpg`), if Mamori knows it.
pub fn kind_of(file_name: &str) -> Option<&'static Kind> {
    let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    let ext = if ext == "jpeg" { "jpg".to_string() } else { ext };
    KINDS.iter().find(|k| k.extension == ext)
}

/// The campaign's allowed kinds, as the respondent reads them: `PDF、Word (.docx)`.
pub fn allowed_labels(settings: &CampaignSettings, code: &str) -> String {
    let labels: Vec<&str> = KINDS
        .iter()
        .filter(|k| settings.upload_types.iter().any(|t| t == k.extension))
        .map(|k| if code == "en" && k.extension == "txt" { "Text (.txt)" } else { k.label })
        .collect();
    labels.join(if code == "en" { ", " } else { "、" })
}

/// The `accept` attribute for the file input: the allowed extensions.
pub fn accept(settings: &CampaignSettings) -> String {
    let mut exts: Vec<String> = settings.upload_types.iter().map(|t| format!(".{t}")).collect();
    if settings.upload_types.iter().any(|t| t == "jpg") {
        exts.push(".jpeg".into());
    }
    exts.join(",")
}

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    Empty,
    TooLarge,
    WrongType,
    /// The bytes are not of the kind the extension names (the extension given).
    WrongContent(String),
}

/// The content type to store a document under, or why it is refused under `settings`.
pub fn check(settings: &CampaignSettings, file_name: &str, size: usize, head: &[u8]) -> Result<&'static str, Refusal> {
    if size == 0 {
        return Err(Refusal::Empty);
    }
    if size as u64 > settings.upload_max_mb * 1024 * 1024 {
        return Err(Refusal::TooLarge);
    }
    let kind = kind_of(file_name)
        .filter(|k| settings.upload_types.iter().any(|t| t == k.extension))
        .ok_or(Refusal::WrongType)?;
    if !(kind.looks_right)(head) {
        return Err(Refusal::WrongContent(kind.extension.to_string()));
    }
    Ok(kind.content_type)
}

/// A document posted with a page: its field, the name the browser gave, and its bytes — or
/// only its size, when it was larger than the campaign allows (the rest was read and dropped).
pub struct PostedFile {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub size: usize,
}

/// What a respondent page posted.
#[derive(Default)]
pub struct Posted {
    pub fields: Vec<(String, String)>,
    pub files: Vec<PostedFile>,
}

/// The largest body a respondent page may post: its documents and its answers. Checked per
/// document against the campaign's own limit while it streams in.
pub const PAGE_BODY_LIMIT: usize = 2 * (mamori_store::MAX_UPLOAD_MB as usize) * 1024 * 1024 + 256 * 1024;

/// The answers' share of a page post without documents (as every other post).
const FIELDS_LIMIT: usize = 256 * 1024;

/// Reads a respondent page's post: a form (`application/x-www-form-urlencoded`, at most
/// 256 KB as every other post), or a multipart body whose documents are each kept only up to
/// `max_bytes` (an empty file input, which browsers send with an empty name, is passed over).
pub async fn read_post(request: Request, max_bytes: usize) -> Result<Posted, Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, FIELDS_LIMIT)
            .await
            .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "the answers are too long").into_response())?;
        let request = Request::from_parts(parts, Body::from(bytes));
        let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(request, &())
            .await
            .map_err(IntoResponse::into_response)?;
        return Ok(Posted { fields, files: Vec::new() });
    }
    let mut body = Multipart::from_request(request, &()).await.map_err(IntoResponse::into_response)?;
    let bad = |e: axum::extract::multipart::MultipartError| (e.status(), e.body_text()).into_response();
    let mut posted = Posted::default();
    let mut text_bytes = 0usize;
    while let Some(mut field) = body.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let (mut bytes, mut size) = (Vec::new(), 0usize);
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    size += chunk.len();
                    if size <= max_bytes {
                        bytes.extend_from_slice(&chunk);
                    } else {
                        bytes = Vec::new();
                    }
                }
                if !file_name.is_empty() || size > 0 {
                    posted.files.push(PostedFile { field: name, file_name, bytes, size });
                }
            }
            None => {
                let value = field.text().await.map_err(bad)?;
                text_bytes += name.len() + value.len();
                if text_bytes > FIELDS_LIMIT {
                    return Err((StatusCode::PAYLOAD_TOO_LARGE, "the answers are too long").into_response());
                }
                posted.fields.push((name, value));
            }
        }
    }
    Ok(posted)
}

/// `text` percent-encoded as one URL path segment (a question's key may be a path, `g/a`):
/// all but RFC 3986's unreserved characters.
pub fn path_segment(text: &str) -> String {
    percent_encode(text, b"-._~")
}

/// Every byte but ASCII letters, digits and `keep` as `%XX`.
fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut encoded = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    encoded
}

/// `Content-Disposition: attachment` for a stored name: an ASCII fallback (`filename=`, other
/// characters as `_`) and the name itself in UTF-8 (`filename*=`, RFC 6266 / 5987), so that
/// no name can break out of the header or be shown inline.
pub fn attachment_header(name: &str) -> String {
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    // RFC 5987's attr-char: letters, digits and these.
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", percent_encode(name, b"!#$&+-.^_`|~"))
}

/// A stored document as a download: never rendered by the browser, never sniffed, never cached
/// by a shared cache.
pub fn download(content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, attachment_header(name)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'".to_string()),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CampaignSettings {
        CampaignSettings { upload_max_mb: 1, ..Default::default() }
    }

    #[test]
    fn a_document_is_judged_by_its_extension_and_its_bytes() {
        let s = settings();
        assert_eq!(check(&s, "方針.PDF", 10, b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(check(&s, "setup.exe", 10, b"MZ\x90\x00"), Err(Refusal::WrongType));
        assert_eq!(check(&s, "policy.pdf", 10, b"MZ\x90\x00"), Err(Refusal::WrongContent("pdf".into())));
        assert_eq!(check(&s, "policy", 10, b"%PDF-"), Err(Refusal::WrongType));
        assert_eq!(check(&s, "policy.pdf", 0, b""), Err(Refusal::Empty));
        assert_eq!(check(&s, "policy.pdf", 1024 * 1024 + 1, b"%PDF-"), Err(Refusal::TooLarge));
        assert_eq!(check(&s, "policy.pdf", 1024 * 1024, b"%PDF-"), Ok("application/pdf"));
        // A zip that is not an Office document is not a .docx; .doc is not allowed by default.
        assert_eq!(check(&s, "a.docx", 10, b"PK\x03\x04junk"), Err(Refusal::WrongContent("docx".into())));
        assert_eq!(check(&s, "a.docx", 30, b"PK\x03\x04..[Content_Types].xml"), Ok(KINDS[1].content_type));
        assert_eq!(check(&s, "a.doc", 10, OLE), Err(Refusal::WrongType));
        assert_eq!(check(&s, "photo.JPEG", 10, b"\xFF\xD8\xFF\xE0"), Ok("image/jpeg"));
        assert_eq!(check(&s, "notes.txt", 10, "方針".as_bytes()), Ok("text/plain"));
        assert_eq!(check(&s, "notes.txt", 10, b"a\0b"), Err(Refusal::WrongContent("txt".into())));
    }

    #[test]
    fn the_download_header_cannot_be_broken_out_of() {
        assert_eq!(
            attachment_header("方針 v2.pdf"),
            "attachment; filename=\"__ v2.pdf\"; filename*=UTF-8''%E6%96%B9%E9%87%9D%20v2.pdf"
        );
        let h = attachment_header("a\"; filename=evil.html\r\nX: y");
        assert!(!h.contains('\r') && !h.contains('\n'));
        assert!(h.starts_with("attachment; filename=\"a_; filename=evil.html__X: y\"; filename*="));
        assert!(axum::http::HeaderValue::from_str(&h).is_ok());
    }

    #[test]
    fn the_accept_list_and_labels_follow_the_settings() {
        let s = settings();
        assert_eq!(accept(&s), ".pdf,.docx,.xlsx,.pptx,.txt,.png,.jpg,.jpeg");
        assert_eq!(
            allowed_labels(&s, "ja"),
            "PDF、Word (.docx)、Excel (.xlsx)、PowerPoint (.pptx)、テキスト (.txt)、PNG、JPEG"
        );
        assert!(allowed_labels(&s, "en").contains("Text (.txt)"));
    }
}
