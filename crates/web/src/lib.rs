//! The web application of `mamori serve`: respondent pages behind personal links, public
//! self-registration, and the survey office's pages under `/admin`. The app is a `Router`
//! built by [`app`], testable without a socket; all state lives in the database, so several
//! processes can serve one campaign.

// Helpers return the finished page (`Response`) as their error, for the handler to return as
// it is; it is made at most once per request, so its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

mod admin;
mod auth;
mod campaign_data;
mod documents;
mod feedback_page;
pub mod hub;
mod i18n;
pub mod mailer;
pub mod password;
mod register;
mod respondent;
mod routes;
mod security;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use mamori_form::Form;
use mamori_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use auth::{LOGIN_LIMIT, hash_password};
pub use mamori_store;
pub use respondent::LINK_LIMIT;
pub use routes::Route;

/// Checks a participant list as the import page does, against the licence classes of the
/// questionnaire's `segment` question (no participant exists yet): how many participants it
/// holds, or every problem by row and column.
pub fn check_participant_list(form: &Form, segment: &str, file_name: &str, bytes: &[u8]) -> Result<usize, Vec<String>> {
    let licences = admin::import::Licences::from_question(form.question(segment));
    admin::import::read(file_name, bytes, &licences, &Default::default()).map(|list| list.len())
}

/// How the server reaches the outside world.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where mail goes: `smtp://HOST:PORT` (plain, for a relay on the same host or tests),
    /// `smtp://USER:PASSWORD@HOST:587?tls=required` (STARTTLS) or `smtps://…`. `None` keeps
    /// mail queued (the office's pages say so).
    pub smtp: Option<String>,
    /// The address respondents reach the server at, for links in mail, e.g.
    /// `https://survey.example.jp`.
    pub public_url: String,
    /// Proxies whose `X-Forwarded-For` is believed (`serve --trusted-proxy CIDR`): a request
    /// from one of them counts against the address it forwarded for. From anywhere else the
    /// header is ignored, so it cannot be forged to dodge a limit or to blame someone else.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub config: Config,
    templates: minijinja::Environment<'static>,
    /// Campaign forms, parsed once per process. A campaign's form changes only before it
    /// opens; each entry remembers the version it was parsed from.
    forms: Mutex<HashMap<String, Arc<respondent::Questionnaire>>>,
    csrf_key: String,
    /// Wakes this process's mail sender when a mail is queued.
    mail_waiting: Arc<tokio::sync::Notify>,
    /// Hub page parts kept while their data is unchanged (`hub::page_cache`).
    hub_pages: hub::page_cache::PageCache,
}

pub type Shared = Arc<AppState>;

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("done.html", include_str!("../templates/done.html")),
    ("message.html", include_str!("../templates/message.html")),
    ("register.html", include_str!("../templates/register.html")),
    ("admin/layout.html", include_str!("../templates/admin/layout.html")),
    ("admin/login.html", include_str!("../templates/admin/login.html")),
    ("admin/home.html", include_str!("../templates/admin/home.html")),
    ("admin/campaign.html", include_str!("../templates/admin/campaign.html")),
    ("admin/settings.html", include_str!("../templates/admin/settings.html")),
    ("admin/participant.html", include_str!("../templates/admin/participant.html")),
    ("admin/response.html", include_str!("../templates/admin/response.html")),
    ("admin/users.html", include_str!("../templates/admin/users.html")),
    ("admin/audit.html", include_str!("../templates/admin/audit.html")),
    ("admin/message.html", include_str!("../templates/admin/message.html")),
    ("hub/layout.html", include_str!("../templates/hub/layout.html")),
    ("hub/message.html", include_str!("../templates/hub/message.html")),
    ("hub/manufacturer.html", include_str!("../templates/hub/manufacturer.html")),
    ("hub/hospital_home.html", include_str!("../templates/hub/hospital_home.html")),
    ("hub/coordinator_home.html", include_str!("../templates/hub/coordinator_home.html")),
    ("hub/devices.html", include_str!("../templates/hub/devices.html")),
    ("hub/device.html", include_str!("../templates/hub/device.html")),
    ("hub/findings.html", include_str!("../templates/hub/findings.html")),
    ("hub/findings_table.html", include_str!("../templates/hub/findings_table.html")),
    ("hub/advisory.html", include_str!("../templates/hub/advisory.html")),
    ("hub/audit.html", include_str!("../templates/hub/audit.html")),
    ("hub/intake.html", include_str!("../templates/hub/intake.html")),
    ("hub/orgs.html", include_str!("../templates/hub/orgs.html")),
    ("hub/aliases.html", include_str!("../templates/hub/aliases.html")),
    ("hub/products.html", include_str!("../templates/hub/products.html")),
    ("hub/product.html", include_str!("../templates/hub/product.html")),
    ("hub/release.html", include_str!("../templates/hub/release.html")),
    ("hub/people.html", include_str!("../templates/hub/people.html")),
];

/// Builds the application on a store, without sending mail.
pub async fn app(store: Store) -> Result<Router, mamori_store::StoreError> {
    app_with(store, Config::default()).await
}

/// Builds the application and, when `config.smtp` is set, starts this process's mail sender.
pub async fn app_with(store: Store, config: Config) -> Result<Router, mamori_store::StoreError> {
    Ok(build(store, config).await?.0)
}

/// Every route of the application with its methods, as the router has them: for tests that
/// must visit each one.
pub async fn route_list(store: Store) -> Result<Vec<Route>, mamori_store::StoreError> {
    Ok(build(store, Config::default()).await?.1)
}

async fn build(store: Store, config: Config) -> Result<(Router, Vec<Route>), mamori_store::StoreError> {
    let csrf_key = store.secret("csrf").await?;
    let mut templates = minijinja::Environment::new();
    // Autoescaping for every template: answers and labels can never become markup.
    templates.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    templates.add_filter("datetime", i18n::datetime);
    templates.add_filter("date", i18n::date);
    templates.add_function("t", hub::words::template_text);
    for (name, source) in TEMPLATES {
        templates.add_template(name, source).expect("the built-in templates parse");
    }
    let mail_waiting = Arc::new(tokio::sync::Notify::new());
    let state = Arc::new(AppState {
        store,
        config,
        templates,
        forms: Mutex::new(HashMap::new()),
        csrf_key,
        mail_waiting,
        hub_pages: Default::default(),
    });
    if let Some(url) = state.config.smtp.clone() {
        mailer::start(state.clone(), &url).map_err(mamori_store::StoreError)?;
    }
    let mut table = routes::Table::default();
    table.get("/healthz", healthz);
    table.get("/static/mamori.css", stylesheet);
    table.get("/static/mamori.js", script);
    respondent::routes(&mut table);
    register::routes(&mut table);
    auth::routes(&mut table);
    admin::routes(&mut table);
    hub::routes(&mut table);
    let (router, list) = table.finish();
    let router = router
        // Answers are short text; a larger body is a mistake or an attack. Uploads (forms,
        // participant lists) have their own, larger limit.
        .layer(DefaultBodyLimit::max(256 * 1024))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(security::access_log))
        .with_state(state);
    Ok((router, list))
}

async fn healthz(State(state): State<Shared>) -> impl IntoResponse {
    match state.store.health().await {
        mamori_store::HealthStatus::Ok => (StatusCode::OK, "ok"),
        mamori_store::HealthStatus::Degraded => (StatusCode::SERVICE_UNAVAILABLE, "degraded: writes are failing"),
        mamori_store::HealthStatus::Unreachable => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/mamori.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/mamori.js"),
    )
}

/// Renders a template; a template failure goes to the log, not the page.
pub(crate) fn render(state: &AppState, template: &str, context: minijinja::Value, status: StatusCode) -> Response {
    match state.templates.get_template(template).and_then(|t| t.render(context)) {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::warn!("template {template}: {e:#}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Renders a part of a page to a string; a template failure goes to the log, not the page.
pub(crate) fn render_part(state: &AppState, template: &str, context: minijinja::Value) -> Result<String, Response> {
    state.templates.get_template(template).and_then(|t| t.render(context)).map_err(|e| {
        tracing::warn!("template {template}: {e:#}");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    })
}

/// The answer when the database fails: the cause goes to the log only.
pub(crate) fn unavailable(e: mamori_store::StoreError) -> Response {
    tracing::warn!("store: {e}");
    (StatusCode::SERVICE_UNAVAILABLE, "the database is unavailable; please try again shortly").into_response()
}

/// The form's language for a page language code (`ja`, `en`), e.g. `Japanese (ja)`; the form's
/// default language when it has none for that code.
pub(crate) fn form_language(form: &Form, code: &str) -> String {
    let tag = format!("({code})");
    form.languages.iter().find(|l| l.contains(&tag)).cloned().unwrap_or_else(|| form.default_language.clone())
}

/// Parses a campaign's stored XLSForm.
pub(crate) fn parse_form(file_name: &str, bytes: &[u8]) -> Option<Form> {
    let outcome = mamori_form::read_bytes(file_name, bytes);
    if outcome.has_errors() { None } else { outcome.form }
}

/// A campaign's questionnaire, from this process's cache when its version is the stored one.
pub(crate) async fn questionnaire(
    state: &AppState,
    campaign: &mamori_store::Campaign,
) -> Result<Arc<respondent::Questionnaire>, Response> {
    let key = format!("{}\u{0}{}\u{0}{}", campaign.id, campaign.form_version, campaign.form_file_name);
    if let Some(q) = state.forms.lock().expect("the form cache is never poisoned").get(&key) {
        return Ok(q.clone());
    }
    let bytes = state
        .store
        .campaign_form(&campaign.id)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| (StatusCode::NOT_FOUND, "no such campaign").into_response())?;
    let form = parse_form(&campaign.form_file_name, &bytes).ok_or_else(|| {
        tracing::warn!("campaign {}: its stored form does not read", campaign.id);
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    })?;
    let q = Arc::new(respondent::Questionnaire::new(form));
    state.forms.lock().expect("the form cache is never poisoned").insert(key, q.clone());
    Ok(q)
}
