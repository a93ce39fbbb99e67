//! The device security hub's pages under `/hub` (issue 17): hospitals keep their device
//! inventory and work through the findings the matching engine stores for it; the
//! coordinator takes advisories in, keeps the organisations and confirms vendor aliases.
//!
//! Every handler takes a [`HubPerson`] (anonymous requests and the survey office's users never
//! reach it), checks the organisation's kind, and reads only rows of the person's own
//! organisation — the organisation comes from the session, never from the request. TLP
//! labels are enforced by [`tlp_allows`] on every page and download that shows an advisory.

mod coordinator;
pub mod engine;
mod english;
mod hospital;
mod manufacturer;
pub mod page_cache;
mod people;
pub mod releases;
pub mod words;

use crate::auth::cookie_value;
use crate::routes::Table;
use crate::security::same;
use crate::{AppState, Shared, render, unavailable};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::hub::{HubOrg, OrgKind};
use mamori_store::{AuditEntry, Role, User};
use minijinja::context;
use serde::Deserialize;
use words::Lang;

pub fn routes(table: &mut Table) {
    table.get("/lang", words::choose);
    table.get("/hub", home);
    table.post("/hub/logout", logout);
    table.get("/hub/devices", hospital::devices);
    table.post("/hub/devices", hospital::add_device);
    table.nest_post("/hub/devices/import", hospital::import, crate::admin::UPLOAD_LIMIT);
    table.get("/hub/devices/{id}", hospital::device);
    table.get("/hub/findings", hospital::findings);
    table.get("/hub/findings.csv", hospital::findings_csv);
    table.get("/hub/findings.xlsx", hospital::findings_xlsx);
    table.post("/hub/findings/state", hospital::set_state);
    table.get("/hub/advisories/{id}", hospital::advisory);
    table.post("/hub/devices/{id}/link", hospital::confirm_link);
    table.post("/hub/devices/{id}", hospital::edit_device);
    table.post("/hub/devices/{id}/delete", hospital::delete_device);
    table.get("/hub/audit", hospital::audit);
    table.get("/hub/people", people::list);
    table.post("/hub/people", people::add);
    table.post("/hub/people/{id}", people::set_active);
    table.post("/hub/psirt", manufacturer::set_psirt);
    table.get("/hub/products", manufacturer::products);
    table.post("/hub/products", manufacturer::add_product);
    table.get("/hub/products/{id}", manufacturer::product);
    table.post("/hub/products/{id}/releases", manufacturer::add_release);
    table.get("/hub/releases/{id}", manufacturer::release);
    table.nest_post("/hub/releases/{id}/sbom", manufacturer::upload_sbom, crate::admin::UPLOAD_LIMIT);
    table.nest_post("/hub/releases/{id}/vex", manufacturer::upload_vex, crate::admin::UPLOAD_LIMIT);
    table.post("/hub/releases/{id}/vex-statement", manufacturer::vex_statement);
    table.nest_post("/hub/products/{id}/documents", manufacturer::upload_document, crate::admin::UPLOAD_LIMIT);
    table.get("/hub/documents/{id}", manufacturer::download_document);
    table.get("/hub/intake", coordinator::intake);
    table.nest_post("/hub/intake", coordinator::take_in, crate::admin::UPLOAD_LIMIT);
    table.get("/hub/orgs", coordinator::orgs);
    table.post("/hub/orgs", coordinator::add_org);
    table.get("/hub/aliases", coordinator::aliases);
    table.post("/hub/aliases", coordinator::confirm_alias);
}

/// A signed-in person of a hub organisation. As an extractor it refuses anonymous requests
/// and the office's users: a page is redirected to the hub's sign-in, anything else gets 403.
pub struct HubPerson {
    pub user: User,
    pub org: HubOrg,
    pub csrf: String,
    /// The language the person reads the pages in.
    pub lang: Lang,
    /// The page asked for (path and query), for the link to the same page in the other language.
    pub here: String,
}

impl FromRequestParts<Shared> for HubPerson {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Self::Rejection> {
        let refuse = |parts: &Parts| {
            if parts.method == Method::GET || parts.method == Method::HEAD {
                let next = parts.uri.path_and_query().map_or("/hub", |p| p.as_str());
                Redirect::to(&format!("/hub/login?next={}", crate::auth::encode(next))).into_response()
            } else {
                (StatusCode::FORBIDDEN, "sign in first").into_response()
            }
        };
        let Some(token) = cookie_value(&parts.headers) else { return Err(refuse(parts)) };
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(refuse(parts));
        }
        match state.store.hub_session(&token).await {
            Ok(Some((session, org))) if session.user.role == Role::Hub => Ok(HubPerson {
                user: session.user,
                org,
                csrf: session.csrf,
                lang: Lang::of(&parts.headers),
                here: here(parts),
            }),
            Ok(_) => Err(refuse(parts)),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// The page a request shows, for its link to the other language: the address itself for a
/// GET; for a post (whose answer is the page the form was on) the hub page it came from.
fn here(parts: &Parts) -> String {
    let asked = parts.uri.path_and_query().map_or("/hub", |p| p.as_str());
    if parts.method == Method::GET {
        return asked.to_string();
    }
    let referer = parts.headers.get(header::REFERER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let path = referer.split_once("://").map_or("", |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    if path.starts_with("/hub") && !path.starts_with("//") { path.to_string() } else { "/hub".to_string() }
}

impl HubPerson {
    /// Refuses the request unless the person's organisation is of `kind`.
    pub fn require(&self, state: &AppState, kind: OrgKind) -> Result<(), Response> {
        if self.org.kind == kind {
            return Ok(());
        }
        Err(self.message(
            state,
            StatusCode::FORBIDDEN,
            "このページは使えません",
            "このページはあなたの組織の種別では使えません。",
        ))
    }

    /// For a form post: refuses it unless the organisation is of `kind` and the post carries
    /// this session's CSRF token.
    pub fn may_post(&self, state: &AppState, kind: OrgKind, fields: &[(String, String)]) -> Result<(), Response> {
        self.require(state, kind)?;
        self.check_csrf(state, Some(field(fields, "_csrf")))
    }

    /// Refuses a post whose CSRF token is not this session's.
    pub fn check_csrf(&self, state: &AppState, token: Option<&str>) -> Result<(), Response> {
        if token.is_some_and(|t| same(t, &self.csrf)) {
            return Ok(());
        }
        Err(self.message(
            state,
            StatusCode::FORBIDDEN,
            "操作を受け付けられませんでした",
            "ページの有効期限が切れた可能性があります。ページを開き直してからもう一度操作してください。",
        ))
    }

    pub fn page(&self, state: &AppState, template: &str, ctx: minijinja::Value, status: StatusCode) -> Response {
        let me = context! {
            person => context! { login => &self.user.login, name => &self.user.name, admin => self.user.hub_role == "admin" },
            org => &self.org,
            org_name => self.org_name(),
            kind => self.org.kind.as_str(),
            csrf => &self.csrf,
            lang => self.lang.code(),
            switch => words::switch_link(self.lang, &self.here),
        };
        render(state, template, context! { ..me, ..ctx }, status)
    }

    /// A page with a heading and a text, both given in Japanese and shown in the person's
    /// language.
    pub fn message(&self, state: &AppState, status: StatusCode, heading: &str, text: &str) -> Response {
        let (heading, text) = (words::text(self.lang, heading), words::text(self.lang, text));
        self.page(state, "hub/message.html", context! { title => heading, heading, message => text }, status)
    }

    /// A Japanese text in the person's language.
    pub fn t(&self, ja: &'static str) -> &'static str {
        self.lang.text(ja)
    }

    /// A Japanese text in the person's language, its `{name}` places filled.
    pub fn tf(&self, ja: &'static str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        self.lang.fill(ja, values)
    }

    /// The organisation's name in the person's language (its Japanese name when it has no
    /// English one).
    pub fn org_name(&self) -> &str {
        if self.lang == Lang::En && !self.org.name_en.is_empty() { &self.org.name_en } else { &self.org.name_ja }
    }

    pub fn not_found(&self, state: &AppState) -> Response {
        self.message(
            state,
            StatusCode::NOT_FOUND,
            "見つかりません",
            "お探しのページは見つからないか、あなたの組織には公開されていません。",
        )
    }

    /// Writes an audit entry to the organisation's own log.
    pub async fn audit(&self, state: &AppState, action: &str, target: &str, before: &str, after: &str) {
        let entry = AuditEntry {
            at_us: 0,
            actor: self.user.login.clone(),
            action: action.into(),
            campaign_id: format!("hub:{}", self.org.id),
            target: target.into(),
            before: before.into(),
            after: after.into(),
        };
        if let Err(e) = state.store.audit(&entry).await {
            tracing::warn!("audit: {e}");
        }
    }
}

/// TLP 2.0 as the hub applies it: CLEAR and GREEN reach every organisation of the hub (its
/// community); AMBER and AMBER+STRICT only the organisations the advisory concerns (their
/// own findings) and the coordinator; RED — and a label the hub does not know — only the
/// coordinator.
pub fn tlp_allows(tlp: &str, kind: OrgKind, concerned: bool) -> bool {
    match tlp {
        "CLEAR" | "GREEN" => true,
        "AMBER" | "AMBER+STRICT" => kind == OrgKind::Coordinator || concerned,
        _ => kind == OrgKind::Coordinator,
    }
}

/// The labels the intake offers for documents that carry none.
pub const TLP_LABELS: &[&str] = &["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];

async fn home(State(state): State<Shared>, person: HubPerson) -> Response {
    match person.org.kind {
        OrgKind::Hospital => hospital::home(&state, &person).await,
        OrgKind::Coordinator => coordinator::home(&state, &person).await,
        OrgKind::Manufacturer => manufacturer::home(&state, &person).await,
    }
}

#[derive(Deserialize)]
struct Token {
    _csrf: Option<String>,
}

async fn logout(
    State(state): State<Shared>,
    person: HubPerson,
    headers: HeaderMap,
    axum::Form(t): axum::Form<Token>,
) -> Response {
    if let Err(r) = person.check_csrf(&state, t._csrf.as_deref()) {
        return r;
    }
    if let Some(token) = cookie_value(&headers) {
        let _ = state.store.end_session(&token).await;
    }
    let cookie = format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", crate::auth::COOKIE);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/hub/login")).into_response()
}

/// The body of an upload, read only after the person's right to post it was checked.
pub(crate) async fn multipart(
    state: &Shared,
    request: axum::extract::Request,
) -> Result<axum::extract::Multipart, Response> {
    use axum::extract::FromRequest;
    axum::extract::Multipart::from_request(request, state).await.map_err(|e| e.into_response())
}

/// An upload's text fields and its files, read after the person's right to post it was
/// checked. Only a file's own name is kept, never a path; empty file fields are passed over.
pub(crate) async fn upload_form(
    state: &Shared,
    request: axum::extract::Request,
) -> Result<(std::collections::BTreeMap<String, String>, Vec<(String, Vec<u8>)>), Response> {
    let mut multipart = multipart(state, request).await?;
    let (mut fields, mut files) = (std::collections::BTreeMap::new(), Vec::new());
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or("").to_string();
                match f.file_name().map(|n| n.rsplit(['/', '\\']).next().unwrap_or("").to_string()) {
                    Some(file_name) => match f.bytes().await {
                        Ok(b) if !file_name.is_empty() && !b.is_empty() => files.push((file_name, b.to_vec())),
                        Ok(_) => {}
                        Err(e) => return Err((StatusCode::BAD_REQUEST, e.body_text()).into_response()),
                    },
                    None => {
                        let text =
                            f.text().await.map_err(|e| (StatusCode::BAD_REQUEST, e.body_text()).into_response())?;
                        fields.insert(name, text.trim().to_string());
                    }
                }
            }
            Ok(None) => return Ok((fields, files)),
            Err(e) => return Err((StatusCode::BAD_REQUEST, e.body_text()).into_response()),
        }
    }
}

/// The value of a form field among pairs.
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_reaches_whom_it_names() {
        use OrgKind::*;
        for kind in [Hospital, Manufacturer, Coordinator] {
            for concerned in [false, true] {
                assert!(tlp_allows("CLEAR", kind, concerned));
                assert!(tlp_allows("GREEN", kind, concerned));
                let amber = kind == Coordinator || concerned;
                assert_eq!(tlp_allows("AMBER", kind, concerned), amber);
                assert_eq!(tlp_allows("AMBER+STRICT", kind, concerned), amber);
                assert_eq!(tlp_allows("RED", kind, concerned), kind == Coordinator);
                assert_eq!(tlp_allows("amber", kind, concerned), kind == Coordinator, "an unknown spelling is RED");
            }
        }
    }
}
