//! Respondent pages, reached by a personal link `/r/{token}`: one page per top-level group,
//! skip logic evaluated on the server for every page (so they work without JavaScript),
//! answers saved as a draft on every page, review, submit, corrections until the close date.
//! A link reads and writes only its own participant's response.

use crate::i18n::{self, Words};
use crate::security::{hmac, same};
use crate::{AppState, Shared, parse_form, render};
use axum::Form as Body;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use mamori_form::answers::RowChecker;
use mamori_form::{Answers, Form, QuestionType, check_answers};
use mamori_store::{Campaign, Participant, StoredResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/r/{token}", get(start))
        .route("/r/{token}/p/{page}", get(show_page).post(save_page))
        .route("/r/{token}/review", get(review))
        .route("/r/{token}/submit", post(submit))
        .route("/r/{token}/done", get(done))
}

/// A campaign's form with its pages: each top-level group is a page, and questions outside
/// any group form pages of their own between them.
pub struct Questionnaire {
    pub form: Form,
    pages: Vec<Page>,
}

struct Page {
    /// The group whose label titles the page, if any.
    group: Option<usize>,
    questions: Vec<usize>,
}

impl Questionnaire {
    fn new(form: Form) -> Questionnaire {
        let mut pages: Vec<Page> = Vec::new();
        for (i, q) in form.questions.iter().enumerate() {
            let group = q.group_indices.first().copied();
            match pages.last_mut() {
                Some(page) if page.group == group => page.questions.push(i),
                _ => pages.push(Page { group, questions: vec![i] }),
            }
        }
        Questionnaire { form, pages }
    }
}

#[derive(Deserialize)]
pub struct Lang {
    lang: Option<String>,
}

/// Everything a respondent request works on.
struct Context {
    participant: Participant,
    campaign: Campaign,
    questionnaire: Arc<Questionnaire>,
    response: StoredResponse,
    /// `ja` or `en`.
    code: String,
    /// The form's language for that code, e.g. `Japanese (ja)`.
    language: String,
}

impl Context {
    fn words(&self) -> &'static Words {
        i18n::words(&self.code)
    }

    fn closed(&self) -> bool {
        mamori_store::now() > self.campaign.closes_at
    }

    fn submitted(&self) -> bool {
        self.response.status == "submitted"
    }
}

fn message(state: &AppState, code: &str, status: StatusCode, heading: &str, text: &str) -> Response {
    let w = i18n::words(code);
    let ctx = context! { lang => code, title => heading, heading, message => text, t => w, languages => languages() };
    render(state, "message.html", ctx, status)
}

#[derive(Serialize)]
struct LanguageLink {
    code: &'static str,
    name: &'static str,
}

fn languages() -> Vec<LanguageLink> {
    vec![LanguageLink { code: "ja", name: "日本語" }, LanguageLink { code: "en", name: "English" }]
}

/// Finds the participant, campaign, form and stored answers for a link, or the page to show
/// instead (the same "not found" for a wrong link as for any other: nothing to learn from it).
async fn load(state: &AppState, token: &str, lang: Option<String>) -> Result<Context, Response> {
    let fallback_code = lang.clone().unwrap_or_else(|| "ja".into());
    let not_found = || {
        let w = i18n::words(&fallback_code);
        message(state, &fallback_code, StatusCode::NOT_FOUND, w.not_found, w.not_found_text)
    };
    let failure = |e: mamori_store::StoreError| {
        eprintln!("store: {e}");
        (StatusCode::SERVICE_UNAVAILABLE, "the database is unavailable; please try again shortly").into_response()
    };
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let participant = state.store.participant_by_token(token).await.map_err(failure)?.ok_or_else(not_found)?;
    let campaign = state.store.campaign(&participant.campaign_id).await.map_err(failure)?.ok_or_else(not_found)?;
    let cached = state.forms.lock().expect("the form cache is never poisoned").get(&campaign.id).cloned();
    let questionnaire = match cached {
        Some(q) => q,
        None => {
            let bytes = state.store.campaign_form(&campaign.id).await.map_err(failure)?.ok_or_else(not_found)?;
            let form = parse_form(&campaign.form_file_name, &bytes).ok_or_else(|| {
                eprintln!("campaign {}: its stored form does not read", campaign.id);
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            })?;
            let q = Arc::new(Questionnaire::new(form));
            state.forms.lock().expect("the form cache is never poisoned").insert(campaign.id.clone(), q.clone());
            q
        }
    };
    let response = state.store.response(&participant.id).await.map_err(failure)?.unwrap_or_default();
    let code = match lang.as_deref() {
        Some("en") => "en",
        Some("ja") => "ja",
        _ if participant.language.starts_with("en") => "en",
        _ => "ja",
    }
    .to_string();
    let form = &questionnaire.form;
    let language = form
        .languages
        .iter()
        .find(|l| l.contains(&format!("({code})")))
        .cloned()
        .unwrap_or_else(|| form.default_language.clone());
    Ok(Context { participant, campaign, questionnaire, response, code, language })
}

/// Which questions apply, given the answers so far.
fn relevance(form: &Form, answers: &BTreeMap<String, String>) -> Vec<bool> {
    let checker = RowChecker::new(form, "");
    let mut values: Vec<String> =
        form.questions.iter().map(|q| answers.get(&q.name).cloned().unwrap_or_default()).collect();
    checker.relevance(&mut values)
}

fn shown(form: &Form, q: usize, relevant: &[bool]) -> bool {
    let kind = form.questions[q].kind;
    relevant[q] && (kind.is_asked() || kind == QuestionType::Note)
}

/// The page after (`step` = 1) or before (−1) `from` that shows at least one question.
fn next_page(questionnaire: &Questionnaire, relevant: &[bool], from: usize, step: isize) -> Option<usize> {
    let mut p = from as isize + step;
    while p >= 0 && (p as usize) < questionnaire.pages.len() {
        if questionnaire.pages[p as usize].questions.iter().any(|&q| shown(&questionnaire.form, q, relevant)) {
            return Some(p as usize);
        }
        p += step;
    }
    None
}

fn url(token: &str, path: &str, code: &str) -> String {
    format!("/r/{token}{path}?lang={code}")
}

async fn start(State(state): State<Shared>, Path(token): Path<String>, Query(lang): Query<Lang>) -> Response {
    let ctx = match load(&state, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if ctx.submitted() || ctx.closed() {
        return Redirect::to(&url(&token, "/review", &ctx.code)).into_response();
    }
    let relevant = relevance(&ctx.questionnaire.form, &ctx.response.answers);
    let first_shows =
        ctx.questionnaire.pages[0].questions.iter().any(|&q| shown(&ctx.questionnaire.form, q, &relevant));
    let first = if first_shows { 0 } else { next_page(&ctx.questionnaire, &relevant, 0, 1).unwrap_or(0) };
    Redirect::to(&url(&token, &format!("/p/{}", first + 1), &ctx.code)).into_response()
}

#[derive(Serialize)]
struct ChoiceView {
    name: String,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct QuestionView {
    name: String,
    kind: &'static str,
    label: String,
    hint: String,
    required: bool,
    value: String,
    multiline: bool,
    choices: Vec<ChoiceView>,
    error: Option<String>,
}

#[derive(Serialize)]
struct ErrorView {
    name: String,
    label: String,
    message: String,
    page: usize,
}

fn page_view(
    ctx: &Context,
    token: &str,
    csrf: &str,
    page: usize,
    answers: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
) -> minijinja::Value {
    let form = &ctx.questionnaire.form;
    let lang = ctx.language.as_str();
    let relevant = relevance(form, answers);
    let text = |t: &mamori_form::model::Translated, fallback: &str| form.text(t, lang).unwrap_or(fallback).to_string();
    let mut questions = Vec::new();
    let mut error_list = Vec::new();
    for &q in &ctx.questionnaire.pages[page].questions {
        if !shown(form, q, &relevant) {
            continue;
        }
        let question = &form.questions[q];
        let value = answers.get(&question.name).cloned().unwrap_or_default();
        let selected: Vec<&str> = value.split_whitespace().collect();
        let error = errors.get(&question.name).cloned();
        let label = text(&question.label, &question.name);
        if let Some(message) = &error {
            error_list.push(ErrorView {
                name: question.name.clone(),
                label: label.clone(),
                message: message.clone(),
                page: page + 1,
            });
        }
        questions.push(QuestionView {
            name: question.name.clone(),
            kind: question.kind.as_str(),
            label,
            hint: text(&question.hint, ""),
            required: matches!(question.required, mamori_form::Required::Yes),
            multiline: question.appearance.as_deref() == Some("multiline") || question.name.ends_with("_text"),
            choices: question
                .choices
                .iter()
                .map(|c| ChoiceView {
                    name: c.name.clone(),
                    label: text(&c.label, &c.name),
                    checked: selected.contains(&c.name.as_str()),
                })
                .collect(),
            value,
            error,
        });
    }
    let page_title = ctx.questionnaire.pages[page]
        .group
        .map(|g| text(&form.groups[g].label, &form.groups[g].name))
        .unwrap_or_default();
    context! {
        lang => ctx.code, title => form.title, form_title => form.title, t => ctx.words(), languages => languages(),
        token, csrf, page_number => page + 1, page_count => ctx.questionnaire.pages.len(), page_title,
        questions, errors => error_list, submitted => ctx.submitted(),
    }
}

/// The page's index for its 1-based number in the URL, or the "not found" page.
fn page_index(state: &AppState, ctx: &Context, page: usize) -> Result<usize, Box<Response>> {
    if page >= 1 && page <= ctx.questionnaire.pages.len() {
        return Ok(page - 1);
    }
    let w = ctx.words();
    Err(Box::new(message(state, &ctx.code, StatusCode::NOT_FOUND, w.not_found, w.not_found_text)))
}

async fn show_page(
    State(state): State<Shared>,
    Path((token, page)): Path<(String, usize)>,
    Query(lang): Query<Lang>,
) -> Response {
    let ctx = match load(&state, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = match page_index(&state, &ctx, page) {
        Ok(p) => p,
        Err(not_found) => return *not_found,
    };
    if ctx.closed() {
        return Redirect::to(&url(&token, "/review", &ctx.code)).into_response();
    }
    let csrf = hmac(&state.csrf_key, &ctx.participant.id);
    render(
        &state,
        "page.html",
        page_view(&ctx, &token, &csrf, page, &ctx.response.answers, &BTreeMap::new()),
        StatusCode::OK,
    )
}

/// Errors of the questions shown on `page`, by question name, in the respondent's language.
fn page_errors(ctx: &Context, page: usize, answers: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let form = &ctx.questionnaire.form;
    let checked = check_answers(form, &ctx.language, &Answers { values: answers.clone(), repeats: BTreeMap::new() });
    let on_page: Vec<&str> =
        ctx.questionnaire.pages[page].questions.iter().map(|&q| form.questions[q].name.as_str()).collect();
    checked
        .errors
        .into_iter()
        .filter(|e| on_page.contains(&e.question.as_str()))
        .map(|e| (e.question, e.message))
        .collect()
}

/// Every post must carry this participant's CSRF token and arrive before the close date;
/// returns the token for the page to carry on, or the page refusing the post.
fn accept_post(state: &AppState, ctx: &Context, fields: &[(String, String)]) -> Result<String, Box<Response>> {
    let w = ctx.words();
    let csrf = hmac(&state.csrf_key, &ctx.participant.id);
    if !fields.iter().any(|(k, v)| k == "_csrf" && same(v, &csrf)) {
        return Err(Box::new(message(state, &ctx.code, StatusCode::FORBIDDEN, w.forbidden, w.forbidden_text)));
    }
    if ctx.closed() {
        return Err(Box::new(message(state, &ctx.code, StatusCode::FORBIDDEN, w.closed, w.closed_text)));
    }
    Ok(csrf)
}

async fn save_page(
    State(state): State<Shared>,
    Path((token, page)): Path<(String, usize)>,
    Query(lang): Query<Lang>,
    Body(fields): Body<Vec<(String, String)>>,
) -> Response {
    let ctx = match load(&state, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = match page_index(&state, &ctx, page) {
        Ok(p) => p,
        Err(not_found) => return *not_found,
    };
    let csrf = match accept_post(&state, &ctx, &fields) {
        Ok(csrf) => csrf,
        Err(refused) => return *refused,
    };
    let form = &ctx.questionnaire.form;
    // The page's questions take the posted values; a question not posted (an unticked box, a
    // question hidden by skip logic) is cleared.
    let mut answers = ctx.response.answers.clone();
    for &q in &ctx.questionnaire.pages[page].questions {
        let name = &form.questions[q].name;
        let values: Vec<&str> = fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
        let value = values.join(" ");
        if value.trim().is_empty() {
            answers.remove(name);
        } else {
            answers.insert(name.clone(), value);
        }
    }
    // Fields that are not questions of this page are ignored: a link writes only its own
    // answers, and only those the page asks.
    if let Err(e) = state.store.save_answers(&ctx.participant.id, &answers, false).await {
        eprintln!("store: {e}");
        return (StatusCode::SERVICE_UNAVAILABLE, "the answers could not be saved; please try again").into_response();
    }
    let go = fields.iter().find(|(k, _)| k == "_go").map_or("next", |(_, v)| v.as_str());
    let relevant = relevance(form, &answers);
    match go {
        "back" => {
            let to = next_page(&ctx.questionnaire, &relevant, page, -1).unwrap_or(0);
            Redirect::to(&url(&token, &format!("/p/{}", to + 1), &ctx.code)).into_response()
        }
        "save" => render(
            &state,
            "page.html",
            page_view(&ctx, &token, &csrf, page, &answers, &BTreeMap::new()),
            StatusCode::OK,
        ),
        _ => {
            let errors = page_errors(&ctx, page, &answers);
            if !errors.is_empty() {
                return render(
                    &state,
                    "page.html",
                    page_view(&ctx, &token, &csrf, page, &answers, &errors),
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
            match next_page(&ctx.questionnaire, &relevant, page, 1) {
                Some(to) => Redirect::to(&url(&token, &format!("/p/{}", to + 1), &ctx.code)).into_response(),
                None => Redirect::to(&url(&token, "/review", &ctx.code)).into_response(),
            }
        }
    }
}

#[derive(Serialize)]
struct AnswerView {
    label: String,
    value: String,
}

#[derive(Serialize)]
struct SectionView {
    title: String,
    page: usize,
    answers: Vec<AnswerView>,
}

fn review_view(ctx: &Context, token: &str, csrf: &str, with_errors: bool) -> minijinja::Value {
    let form = &ctx.questionnaire.form;
    let lang = ctx.language.as_str();
    let answers = &ctx.response.answers;
    let relevant = relevance(form, answers);
    let w = ctx.words();
    let mut sections = Vec::new();
    let mut page_of = BTreeMap::new();
    for (p, page) in ctx.questionnaire.pages.iter().enumerate() {
        let mut list = Vec::new();
        for &q in &page.questions {
            let question = &form.questions[q];
            page_of.insert(question.name.clone(), p + 1);
            if !shown(form, q, &relevant) || !question.kind.is_asked() {
                continue;
            }
            let raw = answers.get(&question.name).cloned().unwrap_or_default();
            let value = if raw.is_empty() {
                w.unanswered.to_string()
            } else if question.kind.is_select() {
                raw.split_whitespace()
                    .map(|v| {
                        question
                            .choices
                            .iter()
                            .find(|c| c.name == v)
                            .and_then(|c| form.text(&c.label, lang))
                            .unwrap_or(v)
                            .to_string()
                    })
                    .collect::<Vec<_>>()
                    .join("、")
            } else {
                raw
            };
            list.push(AnswerView {
                label: form.text(&question.label, lang).unwrap_or(&question.name).to_string(),
                value,
            });
        }
        if !list.is_empty() {
            let title = page
                .group
                .map(|g| form.text(&form.groups[g].label, lang).unwrap_or(&form.groups[g].name).to_string())
                .unwrap_or_default();
            sections.push(SectionView { title, page: p + 1, answers: list });
        }
    }
    let errors: Vec<ErrorView> = if with_errors {
        let checked = check_answers(form, lang, &Answers { values: answers.clone(), repeats: BTreeMap::new() });
        checked
            .errors
            .into_iter()
            .map(|e| ErrorView {
                label: form
                    .question(&e.question)
                    .and_then(|q| form.text(&q.label, lang))
                    .unwrap_or(&e.question)
                    .to_string(),
                page: page_of.get(&e.question).copied().unwrap_or(1),
                name: e.question,
                message: e.message,
            })
            .collect()
    } else {
        Vec::new()
    };
    context! {
        lang => ctx.code, title => form.title, form_title => form.title, t => w, languages => languages(),
        token, csrf, sections, errors, submitted => ctx.submitted(), closed => ctx.closed(),
    }
}

async fn review(State(state): State<Shared>, Path(token): Path<String>, Query(lang): Query<Lang>) -> Response {
    let ctx = match load(&state, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = hmac(&state.csrf_key, &ctx.participant.id);
    render(&state, "review.html", review_view(&ctx, &token, &csrf, false), StatusCode::OK)
}

async fn submit(
    State(state): State<Shared>,
    Path(token): Path<String>,
    Query(lang): Query<Lang>,
    Body(fields): Body<Vec<(String, String)>>,
) -> Response {
    let ctx = match load(&state, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = match accept_post(&state, &ctx, &fields) {
        Ok(csrf) => csrf,
        Err(refused) => return *refused,
    };
    let form = &ctx.questionnaire.form;
    let checked =
        check_answers(form, &ctx.language, &Answers { values: ctx.response.answers.clone(), repeats: BTreeMap::new() });
    if !checked.is_valid() {
        return render(&state, "review.html", review_view(&ctx, &token, &csrf, true), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The submission keeps only the answers that apply, as checked.
    if let Err(e) = state.store.save_answers(&ctx.participant.id, &checked.answers.values, true).await {
        eprintln!("store: {e}");
        return (StatusCode::SERVICE_UNAVAILABLE, "the answers could not be saved; please try again").into_response();
    }
    Redirect::to(&url(&token, "/done", &ctx.code)).into_response()
}

async fn done(State(state): State<Shared>, Path(token): Path<String>, Query(lang): Query<Lang>) -> Response {
    let ctx = match load(&state, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let w = ctx.words();
    let ctx_value = context! { lang => ctx.code, title => w.thanks_title, t => w, languages => languages(), token };
    render(&state, "done.html", ctx_value, StatusCode::OK)
}
