//! Open-link mode: a campaign's public registration page, spread through mailing lists as
//! the 2024 request was. A company registers its name, licence class and e-mail address and
//! receives its own personal link by e-mail — never on the page, so a link reaches only the
//! mailbox it belongs to.

use crate::i18n;
use crate::respondent::{LINK_LIMIT, LINK_WINDOW, Lang, link_limit_key, message, too_many, wrong_link};
use crate::routes::Table;
use crate::security::{Client, form_token, form_token_ok};
use crate::{AppState, Shared, questionnaire, render, unavailable};
use axum::Form as Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use mamori_store::{AuditEntry, Campaign, NewParticipant};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Registrations allowed per address per hour.
pub const REGISTER_LIMIT: i64 = 20;

pub fn routes(table: &mut Table) {
    table.get("/join/{code}", page);
    table.post("/join/{code}", register);
}

#[derive(Serialize)]
struct Option_ {
    name: String,
    label: String,
    selected: bool,
}

/// The segment question's choices (licence classes) in the page's language.
pub async fn segment_choices(
    state: &AppState,
    campaign: &Campaign,
    code: &str,
) -> Result<Vec<(String, String)>, Response> {
    let q = questionnaire(state, campaign).await?;
    let form = q.form;
    let language = crate::form_language(form, code);
    Ok(form
        .question(&campaign.settings.segment)
        .map(|question| {
            question
                .choices
                .iter()
                .map(|c| (c.name.clone(), form.text(&c.label, &language).unwrap_or(&c.name).to_string()))
                .collect()
        })
        .unwrap_or_default())
}

async fn find(state: &AppState, client: &str, code: &str, lang: &str) -> Result<Campaign, Response> {
    let key = link_limit_key(client);
    if state.store.hits(&key, LINK_WINDOW).await.map_err(unavailable)? >= LINK_LIMIT {
        return Err(too_many(state, lang));
    }
    let found = if code.len() == 32 && code.bytes().all(|b| b.is_ascii_hexdigit()) {
        state.store.campaign_by_registration(code).await.map_err(unavailable)?
    } else {
        None
    };
    match found {
        Some(c) if !c.is_closed(mamori_store::now()) => Ok(c),
        Some(_) => {
            let w = i18n::words(lang);
            Err(message(state, lang, StatusCode::FORBIDDEN, w.closed, w.closed_text))
        }
        None => Err(wrong_link(state, &key, lang).await),
    }
}

fn code_of(lang: &Lang) -> &'static str {
    if lang.lang.as_deref() == Some("en") { "en" } else { "ja" }
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    campaign: &Campaign,
    code: &str,
    lang: &str,
    choices: &[(String, String)],
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<&str, &str>,
    status: StatusCode,
) -> Response {
    let options: Vec<Option_> = choices
        .iter()
        .map(|(name, label)| Option_ {
            name: name.clone(),
            label: label.clone(),
            selected: values.get("license") == Some(name),
        })
        .collect();
    let ctx = context! {
        lang, title => i18n::words(lang).register_title, t => i18n::words(lang), languages => crate::respondent::language_links(),
        campaign => campaign.name, code, options, values, errors, csrf => form_token(&state.csrf_key, &format!("join:{code}")),
    };
    render(state, "register.html", ctx, status)
}

async fn page(
    State(state): State<Shared>,
    Client(client): Client,
    Path(code): Path<String>,
    Query(lang): Query<Lang>,
) -> Response {
    let l = code_of(&lang);
    let campaign = match find(&state, &client, &code, l).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let choices = match segment_choices(&state, &campaign, l).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    form_page(&state, &campaign, &code, l, &choices, &BTreeMap::new(), &BTreeMap::new(), StatusCode::OK)
}

#[derive(Deserialize)]
struct Registration {
    company: String,
    license: String,
    email: String,
    _csrf: String,
}

/// A plausible address: one `@`, something before it, a dotted domain after it, no spaces.
pub fn plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';' || c == '<' || c == '>')
}

async fn register(
    State(state): State<Shared>,
    Client(client): Client,
    Path(code): Path<String>,
    Query(lang): Query<Lang>,
    Body(r): Body<Registration>,
) -> Response {
    let l = code_of(&lang);
    let w = i18n::words(l);
    let campaign = match find(&state, &client, &code, l).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !form_token_ok(&state.csrf_key, &format!("join:{code}"), &r._csrf) {
        return message(&state, l, StatusCode::FORBIDDEN, w.forbidden, w.forbidden_text);
    }
    let choices = match segment_choices(&state, &campaign, l).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let company = r.company.trim().to_string();
    let email = r.email.trim().to_string();
    let mut errors = BTreeMap::new();
    if company.is_empty() {
        errors.insert("company", w.field_needed);
    }
    if !choices.is_empty() && !choices.iter().any(|(name, _)| *name == r.license) {
        errors.insert("license", w.choose);
    }
    if !plausible_email(&email) {
        errors.insert("email", w.email_invalid);
    }
    if !errors.is_empty() {
        let values: BTreeMap<String, String> = [("company", &company), ("license", &r.license), ("email", &email)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        return form_page(&state, &campaign, &code, l, &choices, &values, &errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match state.store.hit(&format!("register-ip:{client}"), 3600).await {
        Ok(n) if n > REGISTER_LIMIT => {
            return too_many(&state, l);
        }
        Ok(_) => {}
        Err(e) => return unavailable(e),
    }
    // The same address registering again gets its existing link again, not a second
    // participant; the page says the same either way.
    let participant = match state.store.participant_by_email(&campaign.id, &email).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            let new = NewParticipant {
                company: company.clone(),
                license: r.license.clone(),
                email,
                language: l.into(),
                corporate_number: String::new(),
            };
            let id = match state.store.add_participants(&campaign.id, &[new], "registration").await {
                Ok(mut ids) => ids.remove(0),
                Err(e) => return unavailable(e),
            };
            let entry = AuditEntry {
                at_us: 0,
                actor: "registration".into(),
                action: "participant.register".into(),
                campaign_id: campaign.id.clone(),
                target: id.clone(),
                before: String::new(),
                after: format!("{company} / {}", r.license),
            };
            if let Err(e) = state.store.audit(&entry).await {
                tracing::warn!("audit: {e}");
            }
            match state.store.participant(&id).await {
                Ok(Some(p)) => p,
                Ok(None) => return unavailable(mamori_store::StoreError("a new participant vanished".into())),
                Err(e) => return unavailable(e),
            }
        }
        Err(e) => return unavailable(e),
    };
    if let Err(e) = crate::mailer::queue(&state, &campaign, &participant, "registration").await {
        return unavailable(e);
    }
    message(&state, l, StatusCode::OK, w.registered_title, w.registered_text)
}
