//! An organisation's people, kept by its administrators: who may sign in for it, as an
//! administrator or a member. A new person's first password is made here and shown once, to
//! be handed over out of band; a person who leaves is turned off (sessions end at once).
//! Nobody sees or changes another organisation's people.

use super::{HubPerson, field};
use crate::{AppState, Shared, unavailable};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

fn require_admin(state: &AppState, person: &HubPerson) -> Result<(), Response> {
    if person.user.hub_role == "admin" {
        return Ok(());
    }
    Err(person.message(state, StatusCode::FORBIDDEN, "権限がありません", "利用者の管理は組織の管理者だけが行えます。"))
}

pub async fn list(State(state): State<Shared>, person: HubPerson) -> Response {
    if let Err(r) = require_admin(&state, &person) {
        return r;
    }
    page(&state, &person, &[], None, StatusCode::OK).await
}

async fn page(
    state: &AppState,
    person: &HubPerson,
    errors: &[String],
    created: Option<minijinja::Value>,
    status: StatusCode,
) -> Response {
    match state.store.hub_people(&person.org.id).await {
        Ok(people) => person.page(
            state,
            "hub/people.html",
            context! { title => person.t("利用者"), people, errors, created },
            status,
        ),
        Err(e) => unavailable(e),
    }
}

pub async fn add(
    State(state): State<Shared>,
    person: HubPerson,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = require_admin(&state, &person) {
        return r;
    }
    if let Err(r) = person.check_csrf(&state, Some(field(&fields, "_csrf"))) {
        return r;
    }
    let (login, name, role) = (field(&fields, "login"), field(&fields, "name"), field(&fields, "role"));
    let mut errors = Vec::new();
    if login.len() < 3 || login.len() > 64 || !login.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
    {
        errors.push(person.t("ログイン名は英数字と - _ . @ の3〜64文字にしてください。").to_string());
    }
    if name.chars().count() > 100 {
        errors.push(person.t("氏名は100文字以内にしてください。").to_string());
    }
    if !matches!(role, "admin" | "member") {
        errors.push(person.t("役割を選んでください。").to_string());
    }
    match state.store.user_for_login(login).await {
        Ok(Some(_)) => errors
            .push(person.tf("ログイン名 {login} は使われています。別の名前にしてください。", &[("login", &login)])),
        Ok(None) => {}
        Err(e) => return unavailable(e),
    }
    if !errors.is_empty() {
        return page(&state, &person, &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let password = mamori_store::random_hex(12);
    let hash = crate::auth::hash_password_off_thread(password.clone()).await;
    if let Err(e) = state.store.create_hub_person(&person.org.id, login, name, role, &hash).await {
        return unavailable(e);
    }
    person.audit(&state, "hub person add", login, "", role).await;
    page(&state, &person, &[], Some(context! { login, password }), StatusCode::OK).await
}

pub async fn set_active(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = require_admin(&state, &person) {
        return r;
    }
    if let Err(r) = person.check_csrf(&state, Some(field(&fields, "_csrf"))) {
        return r;
    }
    if id == person.user.id {
        return person.message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "変更できませんでした",
            "自分自身は無効にできません。",
        );
    }
    let active = field(&fields, "active") == "1";
    match state.store.set_hub_person_active(&person.org.id, &id, active).await {
        Ok(true) => {}
        Ok(false) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    }
    person.audit(&state, "hub person active", &id, "", if active { "on" } else { "off" }).await;
    Redirect::to("/hub/people").into_response()
}
