//! The coordinator's pages: advisory intake (CSAF, OSV, JVN — all files of an upload or
//! none), the documents with their revisions and warnings, the hub's organisations and their
//! first administrators, and vendor aliases confirmed with who and why. Each change
//! recomputes the findings of every organisation at once.

use super::{HubPerson, TLP_LABELS, engine, field};
use crate::{AppState, Shared, unavailable};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::hub::OrgKind;
use minijinja::context;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// How many files one intake may carry (the whole ICSMA corpus is 136).
const MAX_FILES: usize = 2_000;

/// Advisories a page of the intake's list shows: the ICSMA and OSV corpora together are over a
/// thousand, and one page of them all was ~90,000 pixels tall.
const PER_PAGE: usize = 100;

/// The intake list's search (advisory id or title, any case), format and page. Every field is
/// read as text so that a hand-edited address gets a page rather than an error: a page that is
/// not a number (or below 1) gives the first, a page past the end the last.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    page: String,
}

impl ListQuery {
    fn keeps(&self, doc: &mamori_store::hub::HubDocument, needle: &str) -> bool {
        (self.format.is_empty() || doc.format == self.format)
            && (needle.is_empty()
                || doc.doc_id.to_lowercase().contains(needle)
                || doc.title.to_lowercase().contains(needle))
    }

    /// The address of page `page` of the same search.
    fn link(&self, page: usize) -> String {
        format!(
            "/hub/intake?q={}&format={}&page={page}",
            crate::auth::encode(&self.q),
            crate::auth::encode(&self.format)
        )
    }
}

pub async fn home(state: &AppState, person: &HubPerson) -> Response {
    let (documents, orgs, aliases) =
        match (state.store.hub_documents().await, state.store.hub_orgs().await, state.store.hub_aliases().await) {
            (Ok(d), Ok(o), Ok(a)) => (d, o, a),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return unavailable(e),
        };
    let advisories: std::collections::BTreeSet<&str> = documents.iter().map(|d| d.doc_id.as_str()).collect();
    person.page(
        state,
        "hub/coordinator_home.html",
        context! {
            title => person.t("ホーム"),
            documents => documents.len(),
            advisories => advisories.len(),
            orgs => orgs.len(),
            hospitals => orgs.iter().filter(|o| o.kind == OrgKind::Hospital).count(),
            manufacturers => orgs.iter().filter(|o| o.kind == OrgKind::Manufacturer).count(),
            aliases => aliases.len(),
        },
        StatusCode::OK,
    )
}

pub async fn intake(State(state): State<Shared>, person: HubPerson, Query(query): Query<ListQuery>) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Coordinator) {
        return r;
    }
    intake_page(&state, &person, &query, &[], None, StatusCode::OK).await
}

async fn intake_page(
    state: &AppState,
    person: &HubPerson,
    query: &ListQuery,
    errors: &[String],
    done: Option<String>,
    status: StatusCode,
) -> Response {
    let documents = match state.store.hub_documents().await {
        Ok(d) => d,
        Err(e) => return unavailable(e),
    };
    // Revisions of one advisory side by side, newest revision first (compared numerically).
    let mut by_id: BTreeMap<&str, Vec<&mamori_store::hub::HubDocument>> = BTreeMap::new();
    for d in &documents {
        by_id.entry(d.doc_id.as_str()).or_default().push(d);
    }
    let total = by_id.len();
    let needle = query.q.trim().to_lowercase();
    // An advisory is kept when any of its revisions is (a title may change between them).
    by_id.retain(|_, revisions| revisions.iter().any(|d| query.keeps(d, &needle)));
    let found = by_id.len();
    let pages = found.div_ceil(PER_PAGE).max(1);
    let page = query.page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
    let rows: Vec<_> = by_id
        .values_mut()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|revisions| {
            revisions.sort_by(|a, b| mamori_advisories::csaf::compare_versions(&b.revision, &a.revision));
            let newest = revisions[0];
            let warnings: usize = revisions
                .iter()
                .map(|d| serde_json::from_str::<Vec<serde_json::Value>>(&d.warnings).map_or(0, |w| w.len()))
                .sum();
            context! {
                doc => newest,
                older => revisions[1..].iter().map(|d| d.revision.clone()).collect::<Vec<_>>(),
                warnings,
            }
        })
        .collect();
    person.page(
        state,
        "hub/intake.html",
        context! {
            title => person.t("勧告の取り込み"),
            rows, errors, done, labels => TLP_LABELS,
            total, found, page, pages,
            first => (page - 1) * PER_PAGE + 1,
            last => ((page - 1) * PER_PAGE + PER_PAGE).min(found),
            previous => (page > 1).then(|| query.link(page - 1)),
            next => (page < pages).then(|| query.link(page + 1)),
            search => context! { q => query.q, format => query.format },
            formats => ["csaf", "osv", "jvn"],
        },
        status,
    )
}

pub async fn take_in(State(state): State<Shared>, person: HubPerson, request: axum::extract::Request) -> Response {
    // The organisation's kind is checked before the body is read.
    if let Err(r) = person.require(&state, OrgKind::Coordinator) {
        return r;
    }
    let (fields, files) = match super::upload_form(&state, request).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let csrf = fields.get("_csrf").cloned().unwrap_or_default();
    let default_tlp = fields.get("tlp").cloned().unwrap_or_else(|| "CLEAR".to_string());
    if let Err(r) = person.check_csrf(&state, Some(&csrf)) {
        return r;
    }
    if !TLP_LABELS.contains(&default_tlp.as_str()) {
        return intake_page(
            &state,
            &person,
            &ListQuery::default(),
            &[person.t("TLP の区分を一覧から選んでください。").into()],
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if files.is_empty() || files.len() > MAX_FILES {
        let e = person.tf(
            "取り込むファイルを1〜{max}個選んでください（CSAF・OSV の .json、JVN の .xml）。",
            &[("max", &MAX_FILES)],
        );
        return intake_page(&state, &person, &ListQuery::default(), &[e], None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let intake = match engine::take_in(&state.store, files, &default_tlp, &person.user.login).await {
        Ok(i) => i,
        Err(engine::IntakeError::Unreadable(mut errors)) => {
            errors.push(
                person.t("どのファイルも取り込んでいません。上の点を直して、もう一度取り込んでください。").into(),
            );
            return intake_page(
                &state,
                &person,
                &ListQuery::default(),
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(engine::IntakeError::Store(e)) => return unavailable(e),
    };
    for (doc_id, revision, file) in &intake.added {
        person.audit(&state, "hub document", &format!("{doc_id} {revision}"), "", file).await;
    }
    let done = person.tf(
        "{added}件を取り込みました（取り込み済みと同じファイル {again}件は変更なし）。全組織の検出結果を再計算しました（{findings}件）。",
        &[("added", &intake.added.len()), ("again", &intake.again), ("findings", &intake.findings)],
    );
    intake_page(&state, &person, &ListQuery::default(), &[], Some(done), StatusCode::OK).await
}

pub async fn orgs(State(state): State<Shared>, person: HubPerson) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Coordinator) {
        return r;
    }
    orgs_page(&state, &person, &[], None, StatusCode::OK).await
}

async fn orgs_page(
    state: &AppState,
    person: &HubPerson,
    errors: &[String],
    created: Option<minijinja::Value>,
    status: StatusCode,
) -> Response {
    match state.store.hub_orgs().await {
        Ok(orgs) => {
            person.page(state, "hub/orgs.html", context! { title => person.t("組織"), orgs, errors, created }, status)
        }
        Err(e) => unavailable(e),
    }
}

/// Adds an organisation with its first administrator, whose password is made here and
/// shown once (to be handed over out of band and changed).
pub async fn add_org(
    State(state): State<Shared>,
    person: HubPerson,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Coordinator, &fields) {
        return r;
    }
    let (kind, name_ja, name_en, licence, login) = (
        field(&fields, "kind"),
        field(&fields, "name_ja"),
        field(&fields, "name_en"),
        field(&fields, "licence_class"),
        field(&fields, "login"),
    );
    let mut errors = Vec::new();
    let kind = match OrgKind::parse(kind) {
        Some(k) => Some(k),
        None => {
            errors.push(person.t("組織の種別を選んでください。").to_string());
            None
        }
    };
    if name_ja.is_empty() || name_ja.chars().count() > 200 {
        errors.push(person.t("組織名（日本語）を200文字以内で入力してください。").into());
    }
    if name_en.chars().count() > 200 {
        errors.push(person.t("組織名（英語）は200文字以内にしてください。").into());
    }
    if login.len() < 3 || login.len() > 64 || !login.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
    {
        errors.push(person.t("管理者のログイン名は英数字と - _ . @ の3〜64文字にしてください。").into());
    }
    match state.store.user_for_login(login).await {
        Ok(Some(_)) => errors
            .push(person.tf("ログイン名 {login} は使われています。別の名前にしてください。", &[("login", &login)])),
        Ok(None) => {}
        Err(e) => return unavailable(e),
    }
    // A manufacturer's 法人番号 links it to its survey participant (the survey's feedback then
    // points to the hub pages that close its gaps); checked by its check digit.
    let number = match (field(&fields, "corporate_number"), kind) {
        ("", _) => String::new(),
        (written, Some(OrgKind::Manufacturer)) => match mamori_store::org::corporate_number(written) {
            Ok(n) => n,
            Err(e) => {
                errors.push(person.tf("法人番号：{error}", &[("error", &e)]));
                String::new()
            }
        },
        _ => {
            errors.push(person.t("法人番号は製造販売業者にだけ登録します。").to_string());
            String::new()
        }
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return orgs_page(&state, &person, &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let id = match state.store.create_hub_org(kind, name_ja, name_en, licence).await {
        Ok(id) => id,
        Err(e) => return unavailable(e),
    };
    if !number.is_empty()
        && let Err(e) = state.store.set_hub_corporate_number(&id, &number).await
    {
        return unavailable(e);
    }
    let password = mamori_store::random_hex(12);
    let hash = crate::auth::hash_password_off_thread(password.clone()).await;
    if let Err(e) = state.store.create_hub_person(&id, login, login, "admin", &hash).await {
        return unavailable(e);
    }
    person
        .audit(&state, "hub organisation add", &id, "", &format!("{} {name_ja} (admin {login})", kind.as_str()))
        .await;
    let created = context! { id, name_ja, login, password };
    orgs_page(&state, &person, &[], Some(created), StatusCode::OK).await
}

pub async fn aliases(State(state): State<Shared>, person: HubPerson) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Coordinator) {
        return r;
    }
    aliases_page(&state, &person, &[], StatusCode::OK).await
}

async fn aliases_page(state: &AppState, person: &HubPerson, errors: &[String], status: StatusCode) -> Response {
    let (aliases, similar) = match (state.store.hub_aliases().await, state.store.similar_vendor_findings().await) {
        (Ok(a), Ok(s)) => (a, s),
        (Err(e), _) | (_, Err(e)) => return unavailable(e),
    };
    // Waiting for confirmation: each (name as written, advisory vendor) pair once, with how
    // many devices and which advisories it holds back — never whose devices they are.
    let mut pairs: BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for (manufacturer, device, body) in similar {
        let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let vendor = body["statement"]["vendor"].as_str().unwrap_or("").trim().to_string();
        let advisory = body["advisory"].as_str().unwrap_or("").to_string();
        let entry = pairs.entry((manufacturer.trim().to_string(), vendor)).or_default();
        entry.0.insert(device);
        entry.1.insert(advisory);
    }
    let waiting: Vec<_> = pairs
        .into_iter()
        .filter(|((alias, _), _)| !aliases.iter().any(|a| a.alias == *alias))
        .map(|((alias, vendor), (devices, advisories))| {
            context! { alias, vendor, devices => devices.len(), advisories => advisories.into_iter().collect::<Vec<_>>() }
        })
        .collect();
    person.page(
        state,
        "hub/aliases.html",
        context! { title => person.t("製造元の別名"), aliases, waiting, errors },
        status,
    )
}

pub async fn confirm_alias(
    State(state): State<Shared>,
    person: HubPerson,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Coordinator, &fields) {
        return r;
    }
    let (alias, vendor, why) = (field(&fields, "alias"), field(&fields, "vendor"), field(&fields, "why"));
    let mut errors = Vec::new();
    if alias.is_empty() || vendor.is_empty() {
        errors.push(person.t("別名と正式な製造元名の両方を入力してください。").to_string());
    }
    if why.is_empty() {
        errors.push(person.t("確認の根拠（資料、問い合わせの記録など）を入力してください。").to_string());
    }
    if [alias, vendor].iter().any(|s| s.chars().count() > 200) || why.chars().count() > 2000 {
        errors.push(person.t("別名と製造元名は200文字、根拠は2000文字以内にしてください。").to_string());
    }
    if !errors.is_empty() {
        return aliases_page(&state, &person, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if let Err(e) = state.store.add_hub_alias(alias, vendor, &person.user.login, why).await {
        return unavailable(e);
    }
    person.audit(&state, "hub alias", alias, "", &format!("{vendor}: {why}")).await;
    if let Err(e) = engine::recompute(&state.store, None).await {
        return unavailable(e);
    }
    Redirect::to("/hub/aliases").into_response()
}
