//! The office's users (admin only) and the audit log (admin only, viewable and exportable).

use super::download;
use crate::auth::{Staff, hash_password_off_thread};
use crate::{Shared, unavailable};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::Role;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The shortest password the office may set.
pub const MIN_PASSWORD: usize = crate::password::MIN_PASSWORD;

#[derive(Serialize)]
struct UserView {
    id: String,
    login: String,
    name: String,
    role: &'static str,
    active: bool,
}

async fn list_page(state: &crate::AppState, staff: &Staff, errors: Vec<String>, status: StatusCode) -> Response {
    let users = match state.store.users().await {
        Ok(u) => u,
        Err(e) => return unavailable(e),
    };
    let users: Vec<UserView> = users
        .into_iter()
        .map(|u| UserView { id: u.id, login: u.login, name: u.name, role: u.role.as_str(), active: u.active })
        .collect();
    staff.page(
        state,
        "admin/users.html",
        context! { title => "利用者", users, errors, min_password => MIN_PASSWORD },
        status,
    )
}

pub async fn list(State(state): State<Shared>, staff: Staff) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    list_page(&state, &staff, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct NewUser {
    _csrf: String,
    login: String,
    name: String,
    role: String,
    password: String,
}

pub async fn create(State(state): State<Shared>, staff: Staff, axum::Form(u): axum::Form<NewUser>) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    if let Err(r) = staff.check_csrf(&state, Some(&u._csrf)) {
        return r;
    }
    let mut errors = Vec::new();
    let login = u.login.trim();
    if login.is_empty() || login.len() > 64 || login.chars().any(char::is_whitespace) {
        errors.push("ログイン名は空白を含まない 64 文字以内にしてください。".to_string());
    }
    let Some(role) = Role::parse(&u.role).filter(|r| *r != Role::Hub) else {
        return (StatusCode::BAD_REQUEST, "unknown role").into_response();
    };
    if let Some(problem) = crate::password::problem(&u.password, login) {
        errors.push(problem);
    }
    match state.store.user_for_login(login).await {
        Ok(Some(_)) => errors.push(format!("ログイン名 {login} は使われています。")),
        Ok(None) => {}
        Err(e) => return unavailable(e),
    }
    if !errors.is_empty() {
        return list_page(&state, &staff, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let hash = hash_password_off_thread(u.password.clone()).await;
    if let Err(e) = state.store.create_user(login, u.name.trim(), role, &hash).await {
        return unavailable(e);
    }
    staff.audit(&state, "user.create", "", login, "", role.as_str()).await;
    Redirect::to("/admin/users").into_response()
}

#[derive(Deserialize)]
pub struct UserChange {
    _csrf: String,
    role: String,
    active: Option<String>,
    password: Option<String>,
}

pub async fn update(
    State(state): State<Shared>,
    staff: Staff,
    Path(uid): Path<String>,
    axum::Form(c): axum::Form<UserChange>,
) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    if let Err(r) = staff.check_csrf(&state, Some(&c._csrf)) {
        return r;
    }
    let users = match state.store.users().await {
        Ok(u) => u,
        Err(e) => return unavailable(e),
    };
    let Some(user) = users.iter().find(|u| u.id == uid) else {
        return staff.message(&state, StatusCode::NOT_FOUND, "見つかりません", "その利用者はいません。");
    };
    let Some(role) = Role::parse(&c.role).filter(|r| *r != Role::Hub) else {
        return (StatusCode::BAD_REQUEST, "unknown role").into_response();
    };
    let active = c.active.as_deref() == Some("on");
    // The office must keep a way in: the last active admin stays an active admin.
    let other_admins = users.iter().filter(|u| u.id != uid && u.active && u.role == Role::Admin).count();
    if other_admins == 0 && (role != Role::Admin || !active) {
        let errors = vec!["最後の管理者の役割は変えられず、無効にもできません。".to_string()];
        return list_page(&state, &staff, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let password = c.password.as_deref().unwrap_or("");
    if let Some(problem) = (!password.is_empty()).then(|| crate::password::problem(password, &user.login)).flatten() {
        return list_page(&state, &staff, vec![problem], StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if let Err(e) = state.store.update_user(&uid, role, active).await {
        return unavailable(e);
    }
    if !password.is_empty() {
        let hash = hash_password_off_thread(password.to_string()).await;
        if let Err(e) = state.store.set_password(&uid, &hash).await {
            return unavailable(e);
        }
        staff.audit(&state, "user.password", "", &user.login, "", "(changed)").await;
    }
    let before = format!("{} {}", user.role.as_str(), if user.active { "active" } else { "inactive" });
    let after = format!("{} {}", role.as_str(), if active { "active" } else { "inactive" });
    if before != after {
        staff.audit(&state, "user.update", "", &user.login, &before, &after).await;
    }
    Redirect::to("/admin/users").into_response()
}

#[derive(Deserialize)]
pub struct AuditQuery {
    campaign: Option<String>,
}

#[derive(Serialize)]
struct EntryView {
    at: String,
    actor: String,
    action: String,
    campaign: String,
    target: String,
    before: String,
    after: String,
}

async fn entries(state: &crate::AppState, q: &AuditQuery, limit: i64) -> Result<Vec<EntryView>, Response> {
    let log =
        state.store.audit_log(q.campaign.as_deref().filter(|c| !c.is_empty()), limit).await.map_err(unavailable)?;
    Ok(log
        .into_iter()
        .map(|e| EntryView {
            at: format!("{}.{:03}", crate::i18n::datetime_seconds(e.at_us / 1_000_000), (e.at_us / 1000) % 1000),
            actor: e.actor,
            action: e.action,
            campaign: e.campaign_id,
            target: e.target,
            before: e.before,
            after: e.after,
        })
        .collect())
}

pub async fn audit_page(State(state): State<Shared>, staff: Staff, Query(q): Query<AuditQuery>) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    match entries(&state, &q, 500).await {
        Ok(entries) => staff.page(
            &state,
            "admin/audit.html",
            context! { title => "監査ログ", entries, campaign => q.campaign },
            StatusCode::OK,
        ),
        Err(r) => r,
    }
}

pub async fn audit_csv(State(state): State<Shared>, staff: Staff, Query(q): Query<AuditQuery>) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    let entries = match entries(&state, &q, i64::MAX).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record(["at_jst", "actor", "action", "campaign", "target", "before", "after"]);
    for e in &entries {
        let cells = [&e.at, &e.actor, &e.action, &e.campaign, &e.target, &e.before, &e.after].map(String::as_str);
        let _ = w.write_record(crate::campaign_data::safe_cells(cells).iter().map(|c| c.as_bytes()));
    }
    staff.audit(&state, "audit.export", "", "audit.csv", "", &format!("{} entries", entries.len())).await;
    download("text/csv; charset=utf-8", "mamori-audit.csv", w.into_inner().unwrap_or_default())
}
