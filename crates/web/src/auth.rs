//! The survey office's sign-in: argon2id password hashes, sessions in the database (so any
//! server process knows them), an HttpOnly SameSite=Strict cookie, a CSRF token per session,
//! and a limit on failed attempts per address and per login name.

use crate::hub::words::Lang;
use crate::routes::Table;
use crate::security::{Client, form_token, form_token_ok, same};
use crate::{AppState, Shared, render, unavailable};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::{AuditEntry, Role, User, random_hex};
use minijinja::context;
use serde::{Deserialize, Serialize};

pub const COOKIE: &str = "mamori_session";
/// Failed sign-ins allowed per address and login name together, in [`LOGIN_WINDOW`] seconds.
pub const LOGIN_LIMIT: i64 = 10;
pub const LOGIN_WINDOW: i64 = 15 * 60;
/// Failed sign-ins allowed per address, whatever the login name, in [`LOGIN_WINDOW`].
pub const ADDRESS_LIMIT: i64 = 50;

/// How long the answer to the `n`th failed sign-in waits: nothing for the first three, then
/// 100 ms more for each, up to 2 s.
pub fn failure_delay(n: i64) -> std::time::Duration {
    std::time::Duration::from_millis((n.saturating_sub(3).clamp(0, 20) * 100) as u64)
}

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes), with a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&mamori_store::random_bytes(16)).expect("16 bytes make a valid salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any password").to_string()
}

/// Hashing costs tens of milliseconds of CPU: done off the async workers, so respondents'
/// requests on the same process do not wait behind a sign-in.
pub async fn hash_password_off_thread(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.expect("hashing does not panic")
}

/// Checks a password against a stored hash (off the async workers). With no stored hash (an
/// unknown login name) it checks against a hash made once at start, so the answer takes as
/// long either way and timing does not tell which login names exist.
async fn verify_password(password: String, hash: Option<String>) -> bool {
    static UNKNOWN_USER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| UNKNOWN_USER.get_or_init(|| hash_password(&random_hex(16))).clone());
        let ok =
            PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        known && ok
    })
    .await
    .expect("verifying does not panic")
}

/// A signed-in member of the survey office. As an extractor it refuses anonymous requests:
/// a page is redirected to the sign-in, anything else gets 403.
pub struct Staff {
    pub user: User,
    pub csrf: String,
}

#[derive(Serialize)]
struct StaffView<'a> {
    login: &'a str,
    name: &'a str,
    role: &'static str,
    admin: bool,
    analyst: bool,
    reviewer: bool,
}

impl Staff {
    /// Refuses the request unless the user has one of `roles` (an admin may do everything).
    pub fn allow(&self, state: &AppState, roles: &[Role]) -> Result<(), Response> {
        if self.user.role == Role::Admin || roles.contains(&self.user.role) {
            return Ok(());
        }
        Err(self.message(state, StatusCode::FORBIDDEN, "権限がありません", "この操作はあなたの役割では行えません。"))
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

    /// The values every admin page needs: who is signed in and the CSRF token.
    pub fn context(&self) -> minijinja::Value {
        let role = self.user.role;
        context! {
            staff => StaffView {
                login: &self.user.login,
                name: &self.user.name,
                role: role.as_str(),
                admin: role == Role::Admin,
                analyst: matches!(role, Role::Admin | Role::Analyst),
                reviewer: matches!(role, Role::Admin | Role::Reviewer),
            },
            csrf => self.csrf,
        }
    }

    pub fn page(&self, state: &AppState, template: &str, ctx: minijinja::Value, status: StatusCode) -> Response {
        render(state, template, context! { ..self.context(), ..ctx }, status)
    }

    pub fn message(&self, state: &AppState, status: StatusCode, heading: &str, text: &str) -> Response {
        self.page(state, "admin/message.html", context! { title => heading, heading, message => text }, status)
    }

    /// Writes an audit entry for this user.
    pub async fn audit(&self, state: &AppState, action: &str, campaign: &str, target: &str, before: &str, after: &str) {
        let entry = AuditEntry {
            at_us: 0,
            actor: self.user.login.clone(),
            action: action.into(),
            campaign_id: campaign.into(),
            target: target.into(),
            before: before.into(),
            after: after.into(),
        };
        if let Err(e) = state.store.audit(&entry).await {
            tracing::warn!("audit: {e}");
        }
    }
}

pub(crate) fn cookie_value(headers: &HeaderMap) -> Option<String> {
    named_cookie(headers, COOKIE)
}

fn named_cookie(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == wanted).then(|| value.to_string())
    })
}

/// The sign-in form's token is bound to this browser: a random value in a cookie of its own
/// (set with the form), signed into the token. A token lifted from another browser's form, or
/// a forged cross-site post, does not match the cookie of the browser that sends it.
const BROWSER_COOKIE: &str = "mamori_signin";

fn browser_of(headers: &HeaderMap) -> Option<String> {
    named_cookie(headers, BROWSER_COOKIE).filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl FromRequestParts<Shared> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Self::Rejection> {
        let refuse = |parts: &Parts| {
            if parts.method == Method::GET || parts.method == Method::HEAD {
                let next = parts.uri.path_and_query().map_or("/admin", |p| p.as_str());
                Redirect::to(&format!("/admin/login?next={}", encode(next))).into_response()
            } else {
                (StatusCode::FORBIDDEN, "sign in first").into_response()
            }
        };
        let Some(token) = cookie_value(&parts.headers) else { return Err(refuse(parts)) };
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(refuse(parts));
        }
        match state.store.session(&token).await {
            // A hub person is never one of the office's users, whatever its session.
            Ok(Some(session)) if session.user.role != Role::Hub => Ok(Staff { user: session.user, csrf: session.csrf }),
            Ok(_) => Err(refuse(parts)),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// Percent-encodes a path for a query parameter.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_./".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn routes(table: &mut Table) {
    table.get("/admin/login", login_page);
    table.get("/hub/login", hub_login_page);
    table.post("/admin/login", login);
    table.post("/admin/logout", logout);
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// A place inside the admin or hub pages to go after signing in; anything else goes home.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if (n.starts_with("/admin") || n.starts_with("/hub")) && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/admin",
    }
}

/// Where a signed-in user goes: the office's users to the office's pages, the hub's people
/// to the hub's.
fn landing<'a>(user: &User, next: &'a str) -> &'a str {
    match (user.role == Role::Hub, next.starts_with("/hub")) {
        (true, true) | (false, false) => next,
        (true, false) => "/hub",
        (false, true) => "/admin",
    }
}

/// The sign-in form, its token bound to `browser` (a new browser value, with its cookie, when
/// the browser has none yet).
fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    error: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let browser = browser_of(headers);
    let browser = browser.as_deref();
    let (browser, new) = match browser {
        Some(b) => (b.to_string(), false),
        None => (mamori_store::random_hex(16), true),
    };
    let csrf = form_token(&state.csrf_key, &format!("login:{browser}"));
    let hub = next.starts_with("/hub");
    // The hub's people may read in English; the office's pages are Japanese.
    let lang = if hub { Lang::of(headers) } else { Lang::Ja };
    let here = format!("/hub/login?next={}", encode(next));
    let (other, other_name) = if lang == Lang::En { ("ja", "日本語") } else { ("en", "English") };
    let context = context! {
        title => lang.text("ログイン"),
        error => error.map(|e| lang.text(e)),
        lang => lang.code(),
        switch => crate::hub::words::switch_link(lang, &here),
        other, other_name, next, csrf, hub,
    };
    let mut page = render(state, "admin/login.html", context, status);
    if new {
        let cookie = format!("{BROWSER_COOKIE}={browser}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=7200");
        if let Ok(value) = cookie.parse() {
            page.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    page
}

async fn login_page(
    State(state): State<Shared>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<Next>,
) -> Response {
    login_form(&state, &headers, safe_next(q.next.as_deref()), None, StatusCode::OK)
}

/// The hub's sign-in: the same form (and the same limits), leading to the hub's pages.
async fn hub_login_page(
    State(state): State<Shared>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<Next>,
) -> Response {
    let next = q.next.as_deref().filter(|n| n.starts_with("/hub")).unwrap_or("/hub");
    login_form(&state, &headers, safe_next(Some(next)), None, StatusCode::OK)
}

#[derive(Deserialize)]
struct Credentials {
    login: String,
    password: String,
    next: Option<String>,
    _csrf: String,
}

async fn login(
    State(state): State<Shared>,
    Client(address): Client,
    headers: HeaderMap,
    axum::Form(c): axum::Form<Credentials>,
) -> Response {
    let next = safe_next(c.next.as_deref()).to_string();
    let browser = browser_of(&headers);
    let bound = browser.as_deref().is_some_and(|b| form_token_ok(&state.csrf_key, &format!("login:{b}"), &c._csrf));
    if !bound {
        return login_form(
            &state,
            &headers,
            &next,
            Some("ページの有効期限が切れました。もう一度お試しください。"),
            StatusCode::FORBIDDEN,
        );
    }
    // Failures count per (address, login name): a stranger who guesses at `admin` locks out only
    // itself, never the real admin at another address. Per address alone, a higher limit stops
    // one address from trying many names.
    let by_address = format!("login-ip:{address}");
    let by_pair = format!("login-pair:{address}:{}", c.login.trim());
    for (key, limit) in [(&by_pair, LOGIN_LIMIT), (&by_address, ADDRESS_LIMIT)] {
        match state.store.hits(key, LOGIN_WINDOW).await {
            Ok(n) if n >= limit => {
                return login_form(
                    &state,
                    &headers,
                    &next,
                    Some("ログインの失敗が続いたため、しばらく受け付けません。15分ほど待ってからお試しください。"),
                    StatusCode::TOO_MANY_REQUESTS,
                );
            }
            Ok(_) => {}
            Err(e) => return unavailable(e),
        }
    }
    let found = match state.store.user_for_login(c.login.trim()).await {
        Ok(found) => found,
        Err(e) => return unavailable(e),
    };
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    let ok = verify_password(c.password.clone(), stored).await && found.as_ref().is_some_and(|(u, _)| u.active);
    let user = match (ok, found) {
        (true, Some((user, _))) => user,
        _ => {
            let mut failures = 0;
            for key in [&by_pair, &by_address] {
                match state.store.hit(key, LOGIN_WINDOW).await {
                    Ok(n) => failures = failures.max(n),
                    Err(e) => return unavailable(e),
                }
            }
            // A growing delay after the first few failures slows guessing further.
            tokio::time::sleep(failure_delay(failures)).await;
            return login_form(
                &state,
                &headers,
                &next,
                Some("ログイン名またはパスワードが違います。"),
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    let token = match state.store.create_session(&user.id).await {
        Ok(t) => t,
        Err(e) => return unavailable(e),
    };
    let _ = state.store.clear_hits(&by_pair).await;
    let next = landing(&user, &next).to_string();
    // The hub's sign-ins go to the hub's log (of the person's organisation), not the office's.
    let log = if user.role == Role::Hub { format!("hub:{}", user.org_id) } else { String::new() };
    let staff = Staff { user, csrf: String::new() };
    staff.audit(&state, "login", &log, &staff.user.login, "", "").await;
    let secure = headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes() == b"https");
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        mamori_store::SESSION_SECONDS,
        if secure { "; Secure" } else { "" }
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

#[derive(Deserialize)]
struct Token {
    _csrf: Option<String>,
}

async fn logout(
    State(state): State<Shared>,
    staff: Staff,
    headers: HeaderMap,
    axum::Form(t): axum::Form<Token>,
) -> Response {
    if let Err(r) = staff.check_csrf(&state, t._csrf.as_deref()) {
        return r;
    }
    if let Some(token) = cookie_value(&headers) {
        let _ = state.store.end_session(&token).await;
    }
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/admin/login")).into_response()
}
