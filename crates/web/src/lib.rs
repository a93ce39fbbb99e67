//! The web application of `mamori serve`: respondent pages behind personal links (the survey
//! office's pages are still to come). The app is a `Router` built by [`app`], testable without a
//! socket; all state lives in the database, so several processes can serve one campaign.

mod i18n;
mod respondent;
mod security;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use mamori_form::Form;
use mamori_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use mamori_store;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    templates: minijinja::Environment<'static>,
    /// Campaign forms, parsed once per process: a campaign's form is frozen, so a cache can
    /// never disagree with the database.
    forms: Mutex<HashMap<String, Arc<respondent::Questionnaire>>>,
    csrf_key: String,
}

pub type Shared = Arc<AppState>;

/// Builds the application on a store.
pub async fn app(store: Store) -> Result<Router, mamori_store::StoreError> {
    let csrf_key = store.secret("csrf").await?;
    let mut templates = minijinja::Environment::new();
    // Autoescaping for every template: answers and labels can never become markup.
    templates.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, source) in [
        ("layout.html", include_str!("../templates/layout.html")),
        ("page.html", include_str!("../templates/page.html")),
        ("review.html", include_str!("../templates/review.html")),
        ("done.html", include_str!("../templates/done.html")),
        ("message.html", include_str!("../templates/message.html")),
    ] {
        templates.add_template(name, source).expect("the built-in templates parse");
    }
    let state = Arc::new(AppState { store, templates, forms: Mutex::new(HashMap::new()), csrf_key });
    Ok(Router::new()
        .route("/healthz", get(healthz))
        .route("/static/mamori.css", get(stylesheet))
        .merge(respondent::routes())
        // Answers are short text; a larger body is a mistake or an attack.
        .layer(DefaultBodyLimit::max(256 * 1024))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state))
}

async fn healthz(State(state): State<Shared>) -> impl IntoResponse {
    if state.store.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/mamori.css"),
    )
}

/// An error page in the respondent's language; the cause goes to the log, not the page.
pub(crate) fn render(state: &AppState, template: &str, context: minijinja::Value, status: StatusCode) -> Response {
    match state.templates.get_template(template).and_then(|t| t.render(context)) {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            eprintln!("template {template}: {e:#}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Parses a campaign's stored XLSForm.
pub(crate) fn parse_form(file_name: &str, bytes: &[u8]) -> Option<Form> {
    let outcome = mamori_form::read_bytes(file_name, bytes);
    if outcome.has_errors() { None } else { outcome.form }
}
