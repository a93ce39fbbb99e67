//! Respondent pages, reached by a personal link `/r/{token}`: one page per top-level group,
//! skip logic evaluated on the server for every page (so they work without JavaScript),
//! answers saved as a draft on every page, review, submit, corrections until the close date.
//! A link reads and writes only its own participant's response.

use crate::i18n::{self, Words};
use crate::routes::Table;
use crate::security::{Client, hmac, same};
use crate::{AppState, Shared, questionnaire, render, unavailable};
use axum::Form as Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_form::answers::{RowChecker, RowError};
use mamori_form::{Answers, Form, QuestionType, check_answers};
use mamori_store::{Campaign, Participant, StoredResponse, Submission};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn routes(table: &mut Table) {
    table.get("/r/{token}", start);
    table.get("/r/{token}/p/{page}", show_page);
    // A page with `file` questions posts its documents: a larger body, each document held to
    // the campaign's own limit as it streams in (documents.rs).
    table.nest_post("/r/{token}/p/{page}", save_page, crate::documents::PAGE_BODY_LIMIT);
    table.post("/r/{token}/p/{page}/relevant", relevant_now);
    table.get("/r/{token}/review", review);
    table.get("/r/{token}/print", print);
    table.post("/r/{token}/submit", submit);
    table.get("/r/{token}/done", done);
    table.get("/r/{token}/feedback", crate::feedback_page::respondent_html);
    table.get("/r/{token}/feedback.pdf", crate::feedback_page::respondent_pdf);
}

/// Requests with unknown links allowed per address in [`LINK_WINDOW`] seconds; beyond that
/// every link request from the address is refused until the window passes.
pub const LINK_LIMIT: i64 = 30;
pub const LINK_WINDOW: i64 = 10 * 60;

/// A campaign's form with its pages: each top-level group is a page, and questions outside
/// any group form pages of their own between them.
pub struct Questionnaire {
    /// Leaked on purpose so that the checker can borrow it for the life of the process: a
    /// process parses each campaign's form version once, so the total is a few forms.
    pub form: &'static Form,
    pages: Vec<Page>,
    /// Checks answers with every expression bound once (not on every request): one checker
    /// per form language, for the messages; the first is the form's default.
    checkers: Vec<(String, RowChecker<'static>)>,
}

struct Page {
    /// The group whose label titles the page, if any.
    group: Option<usize>,
    questions: Vec<usize>,
}

impl Questionnaire {
    pub fn new(form: Form) -> Questionnaire {
        let form: &'static Form = Box::leak(Box::new(form));
        let mut pages: Vec<Page> = Vec::new();
        for (i, q) in form.questions.iter().enumerate() {
            let group = q.group_indices.first().copied();
            match pages.last_mut() {
                Some(page) if page.group == group => page.questions.push(i),
                _ => pages.push(Page { group, questions: vec![i] }),
            }
        }
        let mut languages = vec![form.default_language.clone()];
        languages.extend(form.languages.iter().filter(|l| **l != form.default_language).cloned());
        let checkers = languages.into_iter().map(|l| (l.clone(), RowChecker::new(form, &l))).collect();
        Questionnaire { form, pages, checkers }
    }

    fn checker(&self, language: &str) -> &RowChecker<'static> {
        let found = self.checkers.iter().find(|(l, _)| l == language);
        &found.unwrap_or(&self.checkers[0]).1
    }
}

#[derive(Deserialize)]
pub struct Lang {
    pub lang: Option<String>,
}

/// Everything a respondent request works on.
pub(crate) struct Context {
    pub participant: Participant,
    pub campaign: Campaign,
    pub questionnaire: Arc<Questionnaire>,
    pub response: StoredResponse,
    /// `ja` or `en`.
    pub code: String,
    /// The form's language for that code, e.g. `Japanese (ja)`.
    pub language: String,
    /// With the campaign's setting on: this organisation's answers in the previous campaign,
    /// as it gave them (labels of that questionnaire), by the current question's name; filled
    /// by [`with_previous`] for the pages that show them.
    pub previous: BTreeMap<String, String>,
}

impl Context {
    pub fn words(&self) -> &'static Words {
        i18n::words(&self.code)
    }

    fn closed(&self) -> bool {
        self.campaign.is_closed(mamori_store::now())
    }

    fn submitted(&self) -> bool {
        self.response.status == "submitted"
    }
}

pub(crate) fn message(state: &AppState, code: &str, status: StatusCode, heading: &str, text: &str) -> Response {
    let w = i18n::words(code);
    let ctx =
        context! { lang => code, title => heading, heading, message => text, t => w, languages => language_links() };
    render(state, "message.html", ctx, status)
}

#[derive(Serialize)]
pub(crate) struct LanguageLink {
    code: &'static str,
    name: &'static str,
}

pub(crate) fn language_links() -> Vec<LanguageLink> {
    vec![LanguageLink { code: "ja", name: "日本語" }, LanguageLink { code: "en", name: "English" }]
}

/// The language switch of a campaign's pages: only the languages it offers.
fn campaign_language_links(campaign: &Campaign) -> Vec<LanguageLink> {
    language_links().into_iter().filter(|l| campaign.settings.languages.iter().any(|c| c == l.code)).collect()
}

/// The rate-limit key for an address's wrong links (personal links and registration codes).
pub(crate) fn link_limit_key(client: &str) -> String {
    format!("link-ip:{client}")
}

/// The page for an address that has tried too many wrong links.
pub(crate) fn too_many(state: &AppState, code: &str) -> Response {
    let w = i18n::words(code);
    message(state, code, StatusCode::TOO_MANY_REQUESTS, w.too_many, w.too_many_text)
}

/// Counts a wrong link against the address and answers "not found".
pub(crate) async fn wrong_link(state: &AppState, limit_key: &str, code: &str) -> Response {
    if let Err(e) = state.store.hit(limit_key, LINK_WINDOW).await {
        return unavailable(e);
    }
    let w = i18n::words(code);
    message(state, code, StatusCode::NOT_FOUND, w.not_found, w.not_found_text)
}

/// Finds the participant, campaign, form and stored answers for a link, or the page to show
/// instead (the same "not found" for a wrong link as for any other: nothing to learn from it).
/// An address that has tried too many wrong links is refused for a while.
pub(crate) async fn load(
    state: &AppState,
    client: &str,
    token: &str,
    lang: Option<String>,
) -> Result<Context, Response> {
    let fallback_code = if lang.as_deref() == Some("en") { "en" } else { "ja" };
    let limit_key = link_limit_key(client);
    let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let link = state.store.link(well_formed.then_some(token), &limit_key, LINK_WINDOW).await.map_err(unavailable)?;
    if link.misses >= LINK_LIMIT {
        return Err(too_many(state, fallback_code));
    }
    let Some((participant, campaign, response)) = link.found else {
        return Err(wrong_link(state, &limit_key, fallback_code).await);
    };
    let questionnaire = questionnaire(state, &campaign).await?;
    let code = match lang.as_deref() {
        Some("en") if campaign.settings.languages.iter().any(|l| l == "en") => "en",
        Some("ja") => "ja",
        _ if participant.language.starts_with("en") => "en",
        _ => "ja",
    }
    .to_string();
    if !campaign.has_opened(mamori_store::now()) {
        let w = i18n::words(&code);
        let text = format!("{}{}", w.not_open_text, i18n::day(campaign.opens_at, &code));
        return Err(message(state, &code, StatusCode::FORBIDDEN, w.not_open, &text));
    }
    if participant.opened_at.is_none() {
        state.store.mark_opened(&participant.id).await.map_err(unavailable)?;
    }
    let response = response.unwrap_or_default();
    let form = questionnaire.form;
    let language = crate::form_language(form, &code);
    let previous = BTreeMap::new();
    Ok(Context { participant, campaign, questionnaire, response, code, language, previous })
}

/// Fills `ctx.previous` when the campaign shows previous answers: only for the pages that show
/// them, not on every request a link makes (saves that redirect, the review, submission).
async fn with_previous(state: &AppState, ctx: &mut Context) -> Result<(), Response> {
    if ctx.campaign.settings.show_previous_answers {
        ctx.previous =
            previous_answers(state, &ctx.participant, &ctx.campaign, ctx.questionnaire.form, &ctx.code).await?;
    }
    Ok(())
}

/// The organisation's valid answers in the campaign before this one, each as the text it
/// chose then (the previous questionnaire's labels), under the current question it maps to
/// (`previous_name`, or the same name). Empty without a previous campaign or answers there.
async fn previous_answers(
    state: &AppState,
    participant: &Participant,
    campaign: &Campaign,
    form: &Form,
    code: &str,
) -> Result<BTreeMap<String, String>, Response> {
    let Some(previous_id) = &campaign.previous_id else { return Ok(BTreeMap::new()) };
    let Some(answers) = state.store.previous_answers(participant).await.map_err(unavailable)? else {
        return Ok(BTreeMap::new());
    };
    let Some(previous) = state.store.campaign(previous_id).await.map_err(unavailable)? else {
        return Ok(BTreeMap::new());
    };
    let old = questionnaire(state, &previous).await?.form;
    let language = crate::form_language(old, code);
    let d = mamori_form::diff::diff(old, form, &campaign.form_file_name);
    let mut out = BTreeMap::new();
    for m in &d.mapped {
        let (Some(question), Some(value)) = (old.question(&m.previous_name), answers.get(&m.previous_name)) else {
            continue;
        };
        let text = if question.choices.is_empty() {
            value.clone()
        } else {
            value
                .split_whitespace()
                .map(|code| {
                    question
                        .choices
                        .iter()
                        .find(|c| c.name == code)
                        .and_then(|c| old.text(&c.label, &language))
                        .unwrap_or(code)
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join(if code == "en" { ", " } else { "、" })
        };
        if !text.is_empty() {
            out.insert(m.name.clone(), text);
        }
    }
    Ok(out)
}

/// The answers in form order, as the checker reads a row.
fn answer_values<'a>(form: &Form, answers: &'a BTreeMap<String, String>) -> Vec<&'a str> {
    form.questions.iter().map(|q| answers.get(&q.name).map_or("", String::as_str)).collect()
}

/// Which questions apply, given the answers so far.
fn relevance(questionnaire: &Questionnaire, answers: &BTreeMap<String, String>) -> Vec<bool> {
    judge(questionnaire, "", answers).0
}

/// Which questions apply, and the answers' errors (messages in `language`), in one pass.
fn judge(
    questionnaire: &Questionnaire,
    language: &str,
    answers: &BTreeMap<String, String>,
) -> (Vec<bool>, Vec<RowError>) {
    let form = questionnaire.form;
    let mut values: Vec<String> =
        form.questions.iter().map(|q| answers.get(&q.name).cloned().unwrap_or_default()).collect();
    let mut errors = Vec::new();
    let relevant = questionnaire.checker(language).relevance_and_errors(&mut values, &mut errors);
    (relevant, errors)
}

fn shown(form: &Form, q: usize, relevant: &[bool]) -> bool {
    let kind = form.questions[q].kind;
    relevant[q] && (kind.is_asked() || kind == QuestionType::Note)
}

/// The page after (`step` = 1) or before (−1) `from` that shows at least one question.
fn next_page(questionnaire: &Questionnaire, relevant: &[bool], from: usize, step: isize) -> Option<usize> {
    let mut p = from as isize + step;
    while p >= 0 && (p as usize) < questionnaire.pages.len() {
        if questionnaire.pages[p as usize].questions.iter().any(|&q| shown(questionnaire.form, q, relevant)) {
            return Some(p as usize);
        }
        p += step;
    }
    None
}

fn url(token: &str, path: &str, code: &str) -> String {
    format!("/r/{token}{path}?lang={code}")
}

async fn start(
    State(state): State<Shared>,
    Client(client): Client,
    Path(token): Path<String>,
    Query(lang): Query<Lang>,
) -> Response {
    let ctx = match load(&state, &client, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if ctx.submitted() || ctx.closed() {
        return Redirect::to(&url(&token, "/review", &ctx.code)).into_response();
    }
    let relevant = relevance(&ctx.questionnaire, &ctx.response.answers);
    let first_shows = ctx.questionnaire.pages[0].questions.iter().any(|&q| shown(ctx.questionnaire.form, q, &relevant));
    let first = if first_shows { 0 } else { next_page(&ctx.questionnaire, &relevant, 0, 1).unwrap_or(0) };
    Redirect::to(&url(&token, &format!("/p/{}", first + 1), &ctx.code)).into_response()
}

#[derive(Serialize, Clone)]
struct ChoiceView {
    name: String,
    label: String,
    checked: bool,
    /// False when the question's `choice_filter` does not offer it for the answers so far: it is
    /// on the page, hidden and disabled, for the script to offer once an answer changes.
    offered: bool,
}

#[derive(Serialize)]
struct QuestionView {
    hidden: bool,
    name: String,
    kind: &'static str,
    label: String,
    hint: String,
    required: bool,
    value: String,
    multiline: bool,
    choices: Vec<ChoiceView>,
    /// A range question's scale: its points as choices (above), or the bounds of a number
    /// field when it has too many points to show.
    scale: Option<ScaleView>,
    /// How the form asks it to be laid out: `dropdown` (`minimal`), `inline` (`horizontal`,
    /// `columns`, `likert`), or empty.
    layout: &'static str,
    /// The row of a Likert matrix (a `table-list` group's selects sharing one list): the
    /// matrix starts at this question (its caption and column heads) and/or ends after it.
    matrix: Option<MatrixView>,
    error: Option<String>,
    /// The organisation's answer in the previous campaign, read-only (`show_previous_answers`).
    previous: Option<String>,
    /// A rank question's places, first the most important: each a drop-down of the choices,
    /// posted in place order, so the answer is the choices' names in the respondent's order.
    places: Vec<PlaceView>,
    /// A file question's `accept` list and the limits in words.
    accept: String,
    limits: String,
}

#[derive(Serialize)]
struct PlaceView {
    label: String,
    options: Vec<ChoiceView>,
}

#[derive(Serialize, Default)]
struct MatrixView {
    /// The matrix's first question's name: ids of its column heads.
    id: String,
    /// On the matrix's first row: the group's label and the choices as column heads.
    start: Option<(String, Vec<ChoiceView>)>,
    end: bool,
}

#[derive(Serialize)]
struct ScaleView {
    min: String,
    max: String,
    step: String,
    /// The words for the scale's two ends (the tick labels of start and end, else the numbers).
    from: String,
    to: String,
}

#[derive(Serialize)]
struct ErrorView {
    name: String,
    label: String,
    message: String,
    page: usize,
}

/// The layout a question's `appearance` asks for, as far as a web page shows it.
fn layout_of(appearance: Option<&str>) -> &'static str {
    let words: Vec<&str> = appearance.unwrap_or("").split_whitespace().collect();
    if words.contains(&"minimal") {
        "dropdown"
    } else if words
        .iter()
        .any(|w| matches!(*w, "horizontal" | "horizontal-compact" | "likert") || w.starts_with("columns"))
    {
        "inline"
    } else {
        ""
    }
}

/// Marks the Likert matrices of a page: consecutive selects of one `table-list` group (or of
/// one `field-list` group whose questions use `label` / `list-nolabel`) sharing one choice list
/// are shown as one table — a row per question, a column per choice.
fn mark_matrices(form: &Form, indices: &[usize], questions: &mut [QuestionView], lang: &str) {
    let group_of = |q: usize| -> Option<usize> {
        let question = &form.questions[q];
        let g = *question.group_indices.last()?;
        let group = form.groups[g].appearance.as_deref().unwrap_or("");
        let own = question.appearance.as_deref().unwrap_or("");
        let table = group.split_whitespace().any(|w| w == "table-list")
            || (group.split_whitespace().any(|w| w == "field-list")
                && own.split_whitespace().any(|w| w == "label" || w == "list-nolabel"));
        (table && question.kind.is_select() && question.list.is_some()).then_some(g)
    };
    let mut i = 0;
    while i < indices.len() {
        let Some(g) = group_of(indices[i]) else {
            i += 1;
            continue;
        };
        let list = form.questions[indices[i]].list.clone();
        let mut j = i;
        while j + 1 < indices.len()
            && group_of(indices[j + 1]) == Some(g)
            && form.questions[indices[j + 1]].list == list
        {
            j += 1;
        }
        // A row whose own appearance is `label` only names the columns; its heads are the
        // choices of the list either way.
        let heads: Vec<ChoiceView> = questions[i]
            .choices
            .iter()
            .map(|c| ChoiceView { name: c.name.clone(), label: c.label.clone(), checked: false, offered: true })
            .collect();
        let caption = form.text(&form.groups[g].label, lang).unwrap_or("").to_string();
        let id = questions[i].name.clone();
        for (k, view) in questions.iter_mut().enumerate().take(j + 1).skip(i) {
            view.matrix = Some(MatrixView {
                id: id.clone(),
                start: (k == i).then(|| (caption.clone(), heads.clone())),
                end: k == j,
            });
        }
        i = j + 1;
    }
}

fn page_view(
    ctx: &Context,
    token: &str,
    csrf: &str,
    page: usize,
    answers: &BTreeMap<String, String>,
    relevant: &[bool],
    errors: &BTreeMap<String, String>,
) -> minijinja::Value {
    let form = ctx.questionnaire.form;
    let lang = ctx.language.as_str();
    let text = |t: &mamori_form::model::Translated, fallback: &str| form.text(t, lang).unwrap_or(fallback).to_string();
    let mut questions = Vec::new();
    let mut indices = Vec::new();
    let mut error_list = Vec::new();
    let values = answer_values(form, answers);
    let checker = ctx.questionnaire.checker(&ctx.language);
    for &q in &ctx.questionnaire.pages[page].questions {
        let question = &form.questions[q];
        let offered = checker.offered_choices(q, &values);
        let is_offered = |k: usize| offered.as_ref().is_none_or(|o| o[k]);
        // Questions that do not apply now are on the page but hidden: the browser's script
        // shows them as soon as an answer makes them apply; without script, the server shows
        // them on the next round trip.
        if !(question.kind.is_asked() || question.kind == QuestionType::Note) {
            continue;
        }
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
        // The question's choices, each ticked where `checked` says.
        let choice_views = |checked: &dyn Fn(&str) -> bool| -> Vec<ChoiceView> {
            let views = question.choices.iter().enumerate().map(|(k, c)| ChoiceView {
                name: c.name.clone(),
                label: text(&c.label, &c.name),
                checked: checked(&c.name),
                offered: is_offered(k),
            });
            views.collect()
        };
        let places = if question.kind == QuestionType::Rank {
            (0..question.choices.len())
                .map(|place| PlaceView {
                    label: ctx.words().rank_place.replace("{n}", &(place + 1).to_string()),
                    options: choice_views(&|name| selected.get(place) == Some(&name)),
                })
                .collect()
        } else {
            Vec::new()
        };
        let is_file = question.kind == QuestionType::File;
        let settings = &ctx.campaign.settings;
        questions.push(QuestionView {
            accept: if is_file { crate::documents::accept(settings) } else { String::new() },
            limits: if is_file {
                ctx.words()
                    .file_limits
                    .replace("{types}", &crate::documents::allowed_labels(settings, &ctx.code))
                    .replace("{max}", &settings.upload_max_mb.to_string())
            } else {
                String::new()
            },
            places,
            hidden: !shown(form, q, relevant),
            name: question.name.clone(),
            kind: question.kind.as_str(),
            label,
            hint: text(&question.hint, ""),
            required: matches!(question.required, mamori_form::Required::Yes),
            multiline: question.appearance.as_deref() == Some("multiline") || question.name.ends_with("_text"),
            choices: match &question.range {
                // A scale of few points is asked as one choice per point, labelled by its
                // tick label when the form gives one.
                Some(spec) => {
                    let labels = spec.tick_labelset.as_ref().and_then(|l| form.choice_lists.get(l));
                    spec.points()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|p| {
                            let name = spec.format(p);
                            let tick = labels.and_then(|ls| ls.iter().find(|c| c.name.parse::<f64>().ok() == Some(p)));
                            ChoiceView {
                                label: tick.map_or_else(|| name.clone(), |c| format!("{name} {}", text(&c.label, ""))),
                                checked: value == name,
                                name,
                                offered: true,
                            }
                        })
                        .collect()
                }
                None => choice_views(&|name| selected.contains(&name)),
            },
            scale: question.range.as_ref().map(|spec| {
                let labels = spec.tick_labelset.as_ref().and_then(|l| form.choice_lists.get(l));
                let end_label = |v: f64| {
                    let tick = labels.and_then(|ls| ls.iter().find(|c| c.name.parse::<f64>().ok() == Some(v)));
                    tick.map_or_else(|| spec.format(v), |c| format!("{} {}", spec.format(v), text(&c.label, "")))
                };
                ScaleView {
                    min: spec.format(spec.min()),
                    max: spec.format(spec.max()),
                    step: spec.format(spec.step.abs()),
                    from: end_label(spec.start),
                    to: end_label(spec.end),
                }
            }),
            value,
            layout: layout_of(question.appearance.as_deref()),
            matrix: None,
            error,
            previous: ctx.previous.get(&question.name).cloned(),
        });
        indices.push(q);
    }
    mark_matrices(form, &indices, &mut questions, lang);
    let page_title = ctx.questionnaire.pages[page]
        .group
        .map(|g| text(&form.groups[g].label, &form.groups[g].name))
        .unwrap_or_default();
    context! {
        lang => ctx.code, title => form.title, form_title => form.title, t => ctx.words(),
        languages => campaign_language_links(&ctx.campaign),
        token, csrf, page_number => page + 1, page_count => ctx.questionnaire.pages.len(), page_title,
        multipart => questions.iter().any(|q| q.kind == "file"),
        questions, errors => error_list, submitted => ctx.submitted(),
    }
}

/// The page's index for its 1-based number in the URL, or the "not found" page.
fn page_index(state: &AppState, ctx: &Context, page: usize) -> Result<usize, Response> {
    if page >= 1 && page <= ctx.questionnaire.pages.len() {
        return Ok(page - 1);
    }
    let w = ctx.words();
    Err(message(state, &ctx.code, StatusCode::NOT_FOUND, w.not_found, w.not_found_text))
}

async fn show_page(
    State(state): State<Shared>,
    Client(client): Client,
    Path((token, page)): Path<(String, usize)>,
    Query(lang): Query<Lang>,
) -> Response {
    let mut ctx = match load(&state, &client, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = match page_index(&state, &ctx, page) {
        Ok(p) => p,
        Err(not_found) => return not_found,
    };
    if ctx.closed() {
        return Redirect::to(&url(&token, "/review", &ctx.code)).into_response();
    }
    if let Err(r) = with_previous(&state, &mut ctx).await {
        return r;
    }
    let csrf = hmac(&state.csrf_key, &ctx.participant.id);
    let relevant = relevance(&ctx.questionnaire, &ctx.response.answers);
    let view = page_view(&ctx, &token, &csrf, page, &ctx.response.answers, &relevant, &BTreeMap::new());
    render(&state, "page.html", view, StatusCode::OK)
}

/// The errors of `page`'s questions, by question name.
fn page_errors(ctx: &Context, page: usize, errors: Vec<RowError>) -> BTreeMap<String, String> {
    let on_page = &ctx.questionnaire.pages[page].questions;
    errors
        .into_iter()
        .filter(|e| on_page.contains(&e.question))
        .map(|e| (ctx.questionnaire.form.questions[e.question].name.clone(), e.message))
        .collect()
}

/// Every post must carry this participant's CSRF token and arrive before the close date;
/// returns the token for the page to carry on, or the page refusing the post.
fn accept_post(state: &AppState, ctx: &Context, fields: &[(String, String)]) -> Result<String, Response> {
    let w = ctx.words();
    let csrf = hmac(&state.csrf_key, &ctx.participant.id);
    if !fields.iter().any(|(k, v)| k == "_csrf" && same(v, &csrf)) {
        return Err(message(state, &ctx.code, StatusCode::FORBIDDEN, w.forbidden, w.forbidden_text));
    }
    if ctx.closed() {
        return Err(message(state, &ctx.code, StatusCode::FORBIDDEN, w.closed, w.closed_text));
    }
    Ok(csrf)
}

/// The posted answers to `page`'s questions, as changes to the stored working copy: a question
/// not posted (an unticked box) is cleared. Only questions a respondent is asked are taken:
/// fields for other pages, calculations, `hidden` and metadata questions are ignored (the
/// server fills those itself, see [`server_values`]). A `file` question is answered only by a
/// stored document ([`page_documents`]), never by posted text.
fn page_changes(ctx: &Context, page: usize, fields: &[(String, String)]) -> Vec<(String, Option<String>)> {
    let form = ctx.questionnaire.form;
    let mut changes = Vec::new();
    for &q in &ctx.questionnaire.pages[page].questions {
        let question = &form.questions[q];
        if !question.kind.is_asked() || matches!(question.kind, QuestionType::Note | QuestionType::File) {
            continue;
        }
        let values: Vec<&str> = fields.iter().filter(|(k, _)| *k == question.name).map(|(_, v)| v.as_str()).collect();
        let value = values.join(" ");
        changes.push((question.name.clone(), (!value.trim().is_empty()).then_some(value)));
    }
    changes
}

/// Whether the post ticks the box that removes `question`'s stored document
/// (`{question}__remove`).
fn removal_asked(fields: &[(String, String)], question: &str) -> bool {
    fields.iter().any(|(k, v)| k.strip_suffix("__remove") == Some(question) && v == "on")
}

/// Whether `page` asks for documents.
fn has_file_questions(ctx: &Context, page: usize) -> bool {
    let form = ctx.questionnaire.form;
    ctx.questionnaire.pages[page].questions.iter().any(|&q| form.questions[q].kind == QuestionType::File)
}

/// Documents to store, answers removed, refusals by question name.
type PageDocuments = (Vec<mamori_store::Attachment>, Vec<(String, Option<String>)>, BTreeMap<String, String>);

/// What a page's post does to its `file` questions: documents to store (each checked against
/// the campaign's limits: kind by extension and by content, size), stored documents to
/// remove (their box ticked, no new document chosen), and the refusals by question name.
/// A question with neither keeps its document.
fn page_documents(
    ctx: &Context,
    page: usize,
    fields: &[(String, String)],
    mut files: Vec<crate::documents::PostedFile>,
) -> PageDocuments {
    use crate::documents::Refusal;
    let form = ctx.questionnaire.form;
    let settings = &ctx.campaign.settings;
    let w = ctx.words();
    let (mut attachments, mut removed, mut refused) = (Vec::new(), Vec::new(), BTreeMap::new());
    for &q in &ctx.questionnaire.pages[page].questions {
        let question = &form.questions[q];
        if question.kind != QuestionType::File {
            continue;
        }
        match files.iter().position(|f| f.field == question.name).map(|at| files.swap_remove(at)) {
            Some(file) => {
                let name = mamori_store::clean_file_name(&file.file_name);
                match crate::documents::check(settings, &name, file.size, &file.bytes) {
                    Ok(content_type) => attachments.push(mamori_store::Attachment::new(
                        &question.name,
                        &name,
                        content_type,
                        &file.bytes,
                    )),
                    Err(refusal) => {
                        let types = crate::documents::allowed_labels(settings, &ctx.code);
                        let message = match refusal {
                            Refusal::Empty => w.file_empty.to_string(),
                            Refusal::TooLarge => w.file_too_large.replace("{max}", &settings.upload_max_mb.to_string()),
                            Refusal::WrongType => w.file_wrong_type.replace("{types}", &types),
                            Refusal::WrongContent(ext) => w.file_wrong_content.replace("{ext}", &ext),
                        };
                        refused.insert(question.name.clone(), message);
                    }
                }
            }
            None if removal_asked(fields, &question.name) => {
                removed.push((question.name.clone(), None));
            }
            None => {}
        }
    }
    (attachments, removed, refused)
}

/// `answers` with `changes` applied.
fn apply(answers: &BTreeMap<String, String>, changes: &[(String, Option<String>)]) -> BTreeMap<String, String> {
    let mut merged = answers.clone();
    for (name, value) in changes {
        match value {
            Some(v) => merged.insert(name.clone(), v.clone()),
            None => merged.remove(name),
        };
    }
    merged
}

/// The values the server gives the questions a respondent is never asked: metadata (`start`,
/// `end`, `today`, `username`, `email`, `deviceid`, …) and `hidden` questions' defaults.
/// Calculations are computed by the checks.
pub(crate) fn server_values(form: &Form, participant: &Participant, now: i64) -> Vec<(String, String)> {
    let iso = |secs: i64| {
        let local = secs + 9 * 3600;
        let (day, second) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let time = format!("{:02}:{:02}:{:02}.000+09:00", second / 3600, second / 60 % 60, second % 60);
        format!("{}T{time}", mamori_form::dates::format_date(day))
    };
    let mut values = Vec::new();
    for q in &form.questions {
        let value = match q.kind {
            QuestionType::Hidden => q.default.clone().unwrap_or_default(),
            QuestionType::Metadata => {
                let kind = q.type_text.to_lowercase();
                match kind.trim_start_matches("uri:").trim_start_matches("get ") {
                    "start" | "start time" => iso(participant.opened_at.unwrap_or(now)),
                    "end" | "end time" => iso(now),
                    "today" => mamori_form::dates::format_date((now + 9 * 3600).div_euclid(86_400)),
                    "username" => participant.id.clone(),
                    "email" => participant.email.clone(),
                    "deviceid" | "device id" => format!("mamori:{}", participant.id),
                    _ => String::new(),
                }
            }
            _ => continue,
        };
        values.push((q.name.clone(), value));
    }
    values
}

/// A post to a page: the link's context, the page's index and the CSRF token, once the page
/// exists, the token is right and the campaign is open.
async fn page_post(
    state: &AppState,
    client: &str,
    token: &str,
    page: usize,
    lang: Lang,
    fields: &[(String, String)],
) -> Result<(Context, usize, String), Response> {
    let ctx = load(state, client, token, lang.lang).await?;
    let page = page_index(state, &ctx, page)?;
    let csrf = accept_post(state, &ctx, fields)?;
    Ok((ctx, page, csrf))
}

/// For the page's script: which of the page's questions do not apply to the answers as they
/// stand in the browser (nothing is saved).
async fn relevant_now(
    State(state): State<Shared>,
    Client(client): Client,
    Path((token, page)): Path<(String, usize)>,
    Query(lang): Query<Lang>,
    Body(fields): Body<Vec<(String, String)>>,
) -> Response {
    let (ctx, page, _) = match page_post(&state, &client, &token, page, lang, &fields).await {
        Ok(accepted) => accepted,
        Err(r) => return r,
    };
    let mut changes = page_changes(&ctx, page, &fields);
    // A document chosen in the browser counts as an answer for skip logic (the script sends its
    // name); a ticked "remove" box as none. Nothing is saved here.
    let form = ctx.questionnaire.form;
    for &q in &ctx.questionnaire.pages[page].questions {
        let name = &form.questions[q].name;
        if form.questions[q].kind != QuestionType::File {
            continue;
        }
        let chosen = fields.iter().find(|(k, v)| k == name && !v.trim().is_empty());
        if let Some((_, v)) = chosen {
            changes.push((name.clone(), Some(v.clone())));
        } else if removal_asked(&fields, name) {
            changes.push((name.clone(), None));
        }
    }
    let answers = apply(&ctx.response.answers, &changes);
    let relevant = relevance(&ctx.questionnaire, &answers);
    let on_page = &ctx.questionnaire.pages[page].questions;
    let hidden: Vec<&str> =
        on_page.iter().filter(|&&q| !shown(form, q, &relevant)).map(|&q| form.questions[q].name.as_str()).collect();
    // The choices each filtered question offers for these answers, by name.
    let values = answer_values(form, &answers);
    let checker = ctx.questionnaire.checker(&ctx.language);
    let choices: serde_json::Map<String, serde_json::Value> = on_page
        .iter()
        .filter_map(|&q| {
            let offered = checker.offered_choices(q, &values)?;
            let names = form.questions[q].choices.iter().zip(offered).filter(|(_, o)| *o).map(|(c, _)| c.name.clone());
            Some((form.questions[q].name.clone(), names.collect::<Vec<_>>().into()))
        })
        .collect();
    let reply = serde_json::json!({ "hidden": hidden, "choices": choices });
    ([(header::CONTENT_TYPE, "application/json")], reply.to_string()).into_response()
}

async fn save_page(
    State(state): State<Shared>,
    Client(client): Client,
    Path((token, page)): Path<(String, usize)>,
    Query(lang): Query<Lang>,
    request: axum::extract::Request,
) -> Response {
    let mut ctx = match load(&state, &client, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = match page_index(&state, &ctx, page) {
        Ok(p) => p,
        Err(not_found) => return not_found,
    };
    let max_bytes = ctx.campaign.settings.upload_max_mb.min(mamori_store::MAX_UPLOAD_MB) as usize * 1024 * 1024;
    let posted = match crate::documents::read_post(request, max_bytes).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let crate::documents::Posted { fields, files } = posted;
    let fields = &fields;
    let csrf = match accept_post(&state, &ctx, fields) {
        Ok(csrf) => csrf,
        Err(r) => return r,
    };
    let (attachments, removed, refused) = page_documents(&ctx, page, fields, files);
    let mut changes = page_changes(&ctx, page, fields);
    if !refused.is_empty() {
        // A refused document refuses the page: nothing is saved, the answers come back as
        // typed, the document's question says why.
        if let Err(r) = with_previous(&state, &mut ctx).await {
            return r;
        }
        let answers = apply(&ctx.response.answers, &changes);
        let relevant = relevance(&ctx.questionnaire, &answers);
        let view = page_view(&ctx, &token, &csrf, page, &answers, &relevant, &refused);
        return render(&state, "page.html", view, StatusCode::UNPROCESSABLE_ENTITY);
    }
    changes.extend(removed);
    // The page's answers are applied to the response as it stands when written (another tab
    // may have saved another page meanwhile); skip logic and errors are judged on the result.
    let files = has_file_questions(&ctx, page);
    let answers = match state.store.save_page_with_files(&ctx.participant.id, changes, attachments, files).await {
        Ok(stored) => stored.answers,
        Err(e) => return not_saved(&state, &ctx, e),
    };
    let go = fields.iter().find(|(k, _)| k == "_go").map_or("next", |(_, v)| v.as_str());
    let (relevant, errors) = judge(&ctx.questionnaire, &ctx.language, &answers);
    match go {
        "back" => {
            let to = next_page(&ctx.questionnaire, &relevant, page, -1).unwrap_or(0);
            Redirect::to(&url(&token, &format!("/p/{}", to + 1), &ctx.code)).into_response()
        }
        "save" => {
            if let Err(r) = with_previous(&state, &mut ctx).await {
                return r;
            }
            let view = page_view(&ctx, &token, &csrf, page, &answers, &relevant, &BTreeMap::new());
            render(&state, "page.html", view, StatusCode::OK)
        }
        _ => {
            let errors = page_errors(&ctx, page, errors);
            if !errors.is_empty() {
                if let Err(r) = with_previous(&state, &mut ctx).await {
                    return r;
                }
                let view = page_view(&ctx, &token, &csrf, page, &answers, &relevant, &errors);
                return render(&state, "page.html", view, StatusCode::UNPROCESSABLE_ENTITY);
            }
            match next_page(&ctx.questionnaire, &relevant, page, 1) {
                Some(to) => Redirect::to(&url(&token, &format!("/p/{}", to + 1), &ctx.code)).into_response(),
                None => Redirect::to(&url(&token, "/review", &ctx.code)).into_response(),
            }
        }
    }
}

#[derive(Serialize)]
pub(crate) struct AnswerView {
    /// A file question with a document: its name as a URL path segment, for the office's page
    /// to offer the document as a download.
    file: Option<String>,
    name: String,
    label: String,
    value: String,
}

#[derive(Serialize)]
pub(crate) struct SectionView {
    title: String,
    page: usize,
    answers: Vec<AnswerView>,
}

/// The answers that apply, page by page, as the respondent (or a reviewer) reads them.
pub(crate) fn answer_sections(
    questionnaire: &Questionnaire,
    answers: &BTreeMap<String, String>,
    lang: &str,
    unanswered: &str,
) -> Vec<SectionView> {
    let form = questionnaire.form;
    let relevant = relevance(questionnaire, answers);
    let mut sections = Vec::new();
    for (p, page) in questionnaire.pages.iter().enumerate() {
        let mut list = Vec::new();
        for &q in &page.questions {
            let question = &form.questions[q];
            if !shown(form, q, &relevant) || !question.kind.is_asked() {
                continue;
            }
            let raw = answers.get(&question.name).cloned().unwrap_or_default();
            let label_of = |v: &str| {
                question
                    .choices
                    .iter()
                    .find(|c| c.name == v)
                    .and_then(|c| form.text(&c.label, lang))
                    .unwrap_or(v)
                    .to_string()
            };
            let raw_empty = raw.is_empty();
            let value = if raw_empty {
                unanswered.to_string()
            } else if question.kind == QuestionType::Rank {
                // In order: "1. 東京都 2. 大阪府 …".
                raw.split_whitespace()
                    .enumerate()
                    .map(|(i, v)| format!("{}. {}", i + 1, label_of(v)))
                    .collect::<Vec<_>>()
                    .join("　")
            } else if question.kind.is_select() {
                raw.split_whitespace().map(label_of).collect::<Vec<_>>().join("、")
            } else {
                raw
            };
            list.push(AnswerView {
                file: (question.kind == QuestionType::File && !raw_empty)
                    .then(|| crate::documents::path_segment(&question.name)),
                name: question.name.clone(),
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
    sections
}

fn review_view(ctx: &Context, token: &str, csrf: &str, with_errors: bool) -> minijinja::Value {
    let form = ctx.questionnaire.form;
    let lang = ctx.language.as_str();
    let answers = &ctx.response.answers;
    let w = ctx.words();
    let sections = answer_sections(&ctx.questionnaire, answers, lang, w.unanswered);
    let page_of: BTreeMap<&str, usize> = ctx
        .questionnaire
        .pages
        .iter()
        .enumerate()
        .flat_map(|(p, page)| page.questions.iter().map(move |&q| (form.questions[q].name.as_str(), p + 1)))
        .collect();
    let errors: Vec<ErrorView> = if with_errors {
        let checked = check_answers(form, lang, &submission_answers(ctx, answers));
        checked
            .errors
            .into_iter()
            .map(|e| ErrorView {
                label: form
                    .question(&e.question)
                    .and_then(|q| form.text(&q.label, lang))
                    .unwrap_or(&e.question)
                    .to_string(),
                page: page_of.get(e.question.as_str()).copied().unwrap_or(1),
                name: e.question,
                message: e.message,
            })
            .collect()
    } else {
        Vec::new()
    };
    context! {
        lang => ctx.code, title => form.title, form_title => form.title, t => w,
        languages => campaign_language_links(&ctx.campaign),
        token, csrf, sections, errors, submitted => ctx.submitted(), closed => ctx.closed(),
        pending => ctx.response.has_pending_changes(),
    }
}

async fn review(
    State(state): State<Shared>,
    Client(client): Client,
    Path(token): Path<String>,
    Query(lang): Query<Lang>,
) -> Response {
    let ctx = match load(&state, &client, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = hmac(&state.csrf_key, &ctx.participant.id);
    render(&state, "review.html", review_view(&ctx, &token, &csrf, false), StatusCode::OK)
}

async fn submit(
    State(state): State<Shared>,
    Client(client): Client,
    Path(token): Path<String>,
    Query(lang): Query<Lang>,
    Body(fields): Body<Vec<(String, String)>>,
) -> Response {
    let ctx = match load(&state, &client, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let csrf = match accept_post(&state, &ctx, &fields) {
        Ok(csrf) => csrf,
        Err(refused) => return refused,
    };
    let form = ctx.questionnaire.form;
    let mut response = ctx.response.clone();
    // The working copy is checked as a whole and stored as the submission only if no save
    // came in after it was read; otherwise it is read and checked again.
    for _ in 0..5 {
        let checked = check_answers(form, &ctx.language, &submission_answers(&ctx, &response.answers));
        if !checked.is_valid() {
            let ctx = Context { response, ..ctx };
            return render(
                &state,
                "review.html",
                review_view(&ctx, &token, &csrf, true),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        // The submission keeps only the answers that apply, as checked.
        match state.store.submit(&ctx.participant.id, response.version, &checked.answers.values).await {
            Ok(Submission::Stored(_)) => return submitted(&state, &ctx, &token).await,
            Ok(Submission::Changed) => match state.store.response(&ctx.participant.id).await {
                Ok(Some(now)) => response = now,
                Ok(None) => break,
                Err(e) => return not_saved(&state, &ctx, e),
            },
            Err(e) => return not_saved(&state, &ctx, e),
        }
    }
    let w = ctx.words();
    message(&state, &ctx.code, StatusCode::CONFLICT, w.changed, w.changed_text)
}

/// What a submission checks: the respondent's answers to the questions it is asked, and the
/// server's own values for the rest (posted or stored values for those are never taken).
fn submission_answers(ctx: &Context, working: &BTreeMap<String, String>) -> Answers {
    let form = ctx.questionnaire.form;
    let mut values: BTreeMap<String, String> = working
        .iter()
        .filter(|(name, _)| form.question(name).is_some_and(|q| q.kind.is_asked()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    values.extend(server_values(form, &ctx.participant, mamori_store::now()));
    Answers { values, repeats: BTreeMap::new() }
}

/// The answer when a save or submission could not be stored: nothing was acknowledged.
fn not_saved(state: &AppState, ctx: &Context, e: mamori_store::StoreError) -> Response {
    tracing::warn!("store: {e}");
    let w = ctx.words();
    message(state, &ctx.code, StatusCode::SERVICE_UNAVAILABLE, w.not_saved, w.not_saved_text)
}

/// After a submission is stored: the audit entry, the receipt, the thank-you page.
async fn submitted(state: &AppState, ctx: &Context, token: &str) -> Response {
    let action = if ctx.submitted() { "resubmit" } else { "submit" };
    let entry = mamori_store::AuditEntry {
        at_us: 0,
        actor: format!("respondent:{}", ctx.participant.id),
        action: action.into(),
        campaign_id: ctx.campaign.id.clone(),
        target: ctx.participant.company.clone(),
        before: ctx.response.status.clone(),
        after: "submitted".into(),
    };
    if let Err(e) = state.store.audit(&entry).await {
        tracing::warn!("audit: {e}");
    }
    // The receipt goes through the outbox: a slow mail server never holds up the page.
    if let Err(e) = crate::mailer::queue(state, &ctx.campaign, &ctx.participant, "receipt").await {
        tracing::warn!("receipt for {}: {e}", ctx.participant.id);
    }
    Redirect::to(&url(token, "/done", &ctx.code)).into_response()
}

async fn done(
    State(state): State<Shared>,
    Client(client): Client,
    Path(token): Path<String>,
    Query(lang): Query<Lang>,
) -> Response {
    let ctx = match load(&state, &client, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let w = ctx.words();
    let feedback = ctx.campaign.settings.feedback_released;
    let ctx_value = context! { lang => ctx.code, title => w.thanks_title, t => w, languages => campaign_language_links(&ctx.campaign), token, feedback };
    render(&state, "done.html", ctx_value, StatusCode::OK)
}

/// One's own answers laid out for printing (or saving as PDF from the browser).
async fn print(
    State(state): State<Shared>,
    Client(client): Client,
    Path(token): Path<String>,
    Query(lang): Query<Lang>,
) -> Response {
    let ctx = match load(&state, &client, &token, lang.lang).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let view = review_view(&ctx, &token, "", false);
    let extra = context! {
        print => true,
        company => ctx.participant.company,
        submitted_at => ctx.response.submitted_at,
        campaign => ctx.campaign.name,
    };
    render(&state, "review.html", context! { ..view, ..extra }, StatusCode::OK)
}
