//! A manufacturer's pages: its products (names, model numbers, JAN/GTIN checked by its check
//! digit, version scheme), releases in order with release and end-of-support dates, an SBOM
//! per release (checked; every upload kept, the differences from the previous one shown),
//! VEX documents per release (checked against the release's SBOM), its PSIRT contact, and
//! which of its releases each advisory or OSV record touches through their SBOMs.

use super::words::Lang;
use super::{HubPerson, engine, field};
use crate::{AppState, Shared, unavailable};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::hub::OrgKind;
use mamori_store::hub_products::{FileKind, HubProduct, HubRelease, gtin_valid};
use minijinja::context;
use std::collections::{BTreeMap, BTreeSet};

const SCHEMES: &[(&str, &str)] = &[
    ("intdot", "数字とドット（1.10 > 1.9）"),
    ("semver", "セマンティックバージョニング"),
    ("release-order", "登録したリリースの順（L79 < L80 など）"),
];

pub async fn home(state: &AppState, person: &HubPerson) -> Response {
    let products = match state.store.hub_products(Some(&person.org.id)).await {
        Ok(p) => p,
        Err(e) => return unavailable(e),
    };
    let findings = match state.store.release_findings(&person.org.id, None).await {
        Ok(f) => f,
        Err(e) => return unavailable(e),
    };
    let releases = match state.store.hub_releases(None).await {
        Ok(r) => r.into_iter().filter(|r| r.org_id == person.org.id).collect::<Vec<_>>(),
        Err(e) => return unavailable(e),
    };
    // Per release: the advisories that touch it and are not answered "not affected" or "fixed".
    let mut touched: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.status == "affected" || f.status == "under_investigation") {
        touched.entry(f.release_id.as_str()).or_default().insert(f.advisory.as_str());
    }
    let rows: Vec<_> = releases
        .iter()
        .filter_map(|r| {
            let advisories = touched.get(r.id.as_str())?;
            let product = products.iter().find(|p| p.id == r.product_id)?;
            Some(context! { release => r, product => product, advisories => advisories.iter().collect::<Vec<_>>() })
        })
        .collect();
    person.page(
        state,
        "hub/manufacturer.html",
        context! { title => person.t("ホーム"), products, rows },
        StatusCode::OK,
    )
}

pub async fn set_psirt(
    State(state): State<Shared>,
    person: HubPerson,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Manufacturer, &fields) {
        return r;
    }
    if person.user.hub_role != "admin" {
        return person.message(
            &state,
            StatusCode::FORBIDDEN,
            "権限がありません",
            "連絡先は組織の管理者だけが変更できます。",
        );
    }
    let contact = field(&fields, "psirt_contact");
    if contact.chars().count() > 500 {
        return person.message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "変更できませんでした",
            "連絡先は500文字以内にしてください。",
        );
    }
    if let Err(e) = state.store.set_psirt_contact(&person.org.id, contact).await {
        return unavailable(e);
    }
    person.audit(&state, "hub psirt contact", &person.org.id, &person.org.psirt_contact, contact).await;
    Redirect::to("/hub").into_response()
}

pub async fn add_product(
    State(state): State<Shared>,
    person: HubPerson,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Manufacturer, &fields) {
        return r;
    }
    let product = HubProduct {
        org_id: person.org.id.clone(),
        name_ja: field(&fields, "name_ja").to_string(),
        name_en: field(&fields, "name_en").to_string(),
        models: field(&fields, "models")
            .split(['\n', ',', '、'])
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
            .collect(),
        gtin: field(&fields, "gtin").to_string(),
        scheme: field(&fields, "scheme").to_string(),
        ..Default::default()
    };
    let mut errors = Vec::new();
    if product.name_ja.is_empty() || product.name_ja.chars().count() > 200 {
        errors.push(person.t("販売名（日本語）を200文字以内で入力してください。").to_string());
    }
    if product.name_en.chars().count() > 200 {
        errors.push(person.t("英語名は200文字以内にしてください。").into());
    }
    if product.models.len() > 200 || product.models.iter().any(|m| m.chars().count() > 100) {
        errors.push(person.t("型番は1つ100文字以内、200個までにしてください。").into());
    }
    if !product.gtin.is_empty() && !gtin_valid(&product.gtin) {
        errors.push(person.tf(
            "JAN/GTIN「{gtin}」は8・12・13・14桁の数字で、最後の桁がチェックデジットと合うものを入力してください。",
            &[("gtin", &product.gtin)],
        ));
    }
    if !SCHEMES.iter().any(|(s, _)| *s == product.scheme) {
        errors.push(person.t("バージョンの順序を一覧から選んでください。").into());
    }
    if !errors.is_empty() {
        return products_page(&state, &person, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let id = match state.store.add_hub_product(&product).await {
        Ok(id) => id,
        Err(e) => return unavailable(e),
    };
    person.audit(&state, "hub product add", &id, "", &product.name_ja).await;
    Redirect::to(&format!("/hub/products/{id}")).into_response()
}

pub async fn products(State(state): State<Shared>, person: HubPerson) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Manufacturer) {
        return r;
    }
    products_page(&state, &person, &[], StatusCode::OK).await
}

async fn products_page(state: &AppState, person: &HubPerson, errors: &[String], status: StatusCode) -> Response {
    match state.store.hub_products(Some(&person.org.id)).await {
        Ok(products) => person.page(
            state,
            "hub/products.html",
            context! { title => person.t("製品"), products, errors, schemes => SCHEMES.iter().map(|(v, l)| context! { value => v, label => person.t(l) }).collect::<Vec<_>>() },
            status,
        ),
        Err(e) => unavailable(e),
    }
}

pub async fn product(State(state): State<Shared>, person: HubPerson, Path(id): Path<String>) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Manufacturer) {
        return r;
    }
    product_page(&state, &person, &id, &[], StatusCode::OK).await
}

async fn product_page(
    state: &AppState,
    person: &HubPerson,
    id: &str,
    errors: &[String],
    status: StatusCode,
) -> Response {
    let product = match state.store.hub_product(&person.org.id, id).await {
        Ok(Some(p)) => p,
        Ok(None) => return person.not_found(state),
        Err(e) => return unavailable(e),
    };
    let releases = match state.store.hub_releases(Some(id)).await {
        Ok(r) => r,
        Err(e) => return unavailable(e),
    };
    let findings = match state.store.release_findings(&person.org.id, None).await {
        Ok(f) => f,
        Err(e) => return unavailable(e),
    };
    let mut rows = Vec::new();
    for r in &releases {
        let sboms = match state.store.release_files(FileKind::Sbom, &r.id).await {
            Ok(s) => in_words(person.lang, s),
            Err(e) => return unavailable(e),
        };
        let affected = findings.iter().filter(|f| f.release_id == r.id && f.status == "affected").count();
        rows.push(context! { release => r, sbom => sboms.first(), affected });
    }
    let scheme = SCHEMES.iter().find(|(s, _)| *s == product.scheme).map_or("", |(_, l)| person.t(l));
    let documents = match state.store.attachments(id).await {
        Ok(d) => d,
        Err(e) => return unavailable(e),
    };
    let kinds: Vec<_> = DOCUMENT_KINDS.iter().map(|(v, l)| context! { value => v, label => person.t(l) }).collect();
    person.page(
        state,
        "hub/product.html",
        context! { title => product_name(person.lang, &product), product, scheme, rows, errors, documents, kinds, labels => super::TLP_LABELS },
        status,
    )
}

fn valid_day(text: &str) -> bool {
    text.is_empty() || crate::i18n::parse_day(text, false).is_some()
}

pub async fn add_release(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Manufacturer, &fields) {
        return r;
    }
    match state.store.hub_product(&person.org.id, &id).await {
        Ok(Some(_)) => {}
        Ok(None) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    }
    let release = HubRelease {
        product_id: id.clone(),
        version: field(&fields, "version").to_string(),
        released_on: field(&fields, "released_on").to_string(),
        end_of_support: field(&fields, "end_of_support").to_string(),
        ..Default::default()
    };
    let mut errors = Vec::new();
    if release.version.is_empty() || release.version.chars().count() > 100 {
        errors.push(person.t("バージョンを100文字以内で入力してください。").to_string());
    }
    if !valid_day(&release.released_on) || !valid_day(&release.end_of_support) {
        errors.push(person.t("日付は YYYY-MM-DD の形で入力してください。").into());
    }
    if !release.released_on.is_empty()
        && !release.end_of_support.is_empty()
        && release.end_of_support < release.released_on
    {
        errors.push(person.t("サポート終了日はリリース日より後にしてください。").into());
    }
    if !errors.is_empty() {
        return product_page(&state, &person, &id, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.store.add_hub_release(&person.org.id, &release).await {
        Ok(Some(rid)) => {
            person.audit(&state, "hub release add", &rid, "", &release.version).await;
            if let Err(e) = engine::recompute(&state.store, None).await {
                return unavailable(e);
            }
            Redirect::to(&format!("/hub/products/{id}")).into_response()
        }
        Ok(None) => {
            let e = person.tf("バージョン {version} は登録済みです。", &[("version", &release.version)]);
            product_page(&state, &person, &id, &[e], StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => unavailable(e),
    }
}

pub async fn release(State(state): State<Shared>, person: HubPerson, Path(id): Path<String>) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Manufacturer) {
        return r;
    }
    release_page(&state, &person, &id, &[], &[], StatusCode::OK).await
}

/// What an uploaded SBOM or VEX holds, in the reader's words. The store keeps the facts
/// (`{"format": …, "components": n}` or `{"statements": n}`); anything else is shown as it is.
fn summary_text(lang: Lang, stored: &str) -> String {
    let facts: serde_json::Value = serde_json::from_str(stored).unwrap_or_default();
    if let (Some(format), Some(n)) = (facts["format"].as_str(), facts["components"].as_u64()) {
        lang.fill("{format}、コンポーネント {n} 件", &[("format", &format), ("n", &n)])
    } else if let Some(n) = facts["statements"].as_u64() {
        lang.fill("記述 {n} 件", &[("n", &n)])
    } else {
        stored.to_string()
    }
}

/// A product's name in the reader's language (its Japanese name when it has no English one).
fn product_name(lang: Lang, p: &HubProduct) -> &str {
    if lang == Lang::En && !p.name_en.is_empty() { &p.name_en } else { &p.name_ja }
}

/// Uploaded files with their summaries in the reader's words.
fn in_words(
    lang: Lang,
    mut files: Vec<mamori_store::hub_products::ReleaseFile>,
) -> Vec<mamori_store::hub_products::ReleaseFile> {
    for f in &mut files {
        f.summary = summary_text(lang, &f.summary);
    }
    files
}

/// The components of an SBOM as (name, version, purl) rows.
fn components(bytes: &[u8]) -> BTreeSet<(String, String, String)> {
    mamori_sbom::read(bytes)
        .map(|(s, _)| {
            s.components
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        c.version.clone().unwrap_or_default(),
                        c.purl.as_ref().map(|p| p.raw.clone()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn release_page(
    state: &AppState,
    person: &HubPerson,
    id: &str,
    errors: &[String],
    warnings: &[String],
    status: StatusCode,
) -> Response {
    let release = match state.store.hub_release(&person.org.id, id).await {
        Ok(Some(r)) => r,
        Ok(None) => return person.not_found(state),
        Err(e) => return unavailable(e),
    };
    let product = match state.store.hub_product(&person.org.id, &release.product_id).await {
        Ok(Some(p)) => p,
        Ok(None) => return person.not_found(state),
        Err(e) => return unavailable(e),
    };
    let (sboms, vex, findings) = match (
        state.store.release_files(FileKind::Sbom, id).await,
        state.store.release_files(FileKind::Vex, id).await,
        state.store.release_findings(&person.org.id, Some(id)).await,
    ) {
        (Ok(s), Ok(v), Ok(f)) => (in_words(person.lang, s), in_words(person.lang, v), f),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return unavailable(e),
    };
    // What changed between the previous SBOM and the current one.
    let mut added = Vec::new();
    let mut removed = Vec::new();
    if sboms.len() >= 2 {
        let newest = state.store.release_file_bytes(FileKind::Sbom, &person.org.id, &sboms[0].id).await;
        let previous = state.store.release_file_bytes(FileKind::Sbom, &person.org.id, &sboms[1].id).await;
        if let (Ok(Some((_, new))), Ok(Some((_, old)))) = (newest, previous) {
            let (new, old) = (components(&new), components(&old));
            added = new.difference(&old).cloned().collect();
            removed = old.difference(&new).cloned().collect();
        }
    }
    let rows: Vec<_> = findings
        .iter()
        .map(|f| {
            let body: serde_json::Value = serde_json::from_str(&f.body).unwrap_or_default();
            context! {
                advisory => &f.advisory,
                component => &f.component,
                confidence => super::hospital::confidence_label(person.lang, &f.confidence),
                status => super::hospital::status_label(person.lang, &f.status),
                vulnerabilities => body["vulnerabilities"].as_array().map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" ")).unwrap_or_default(),
                fixed_in => body["fixed_in"].as_str().unwrap_or(""),
                vex => body["vex"]["document"].as_str().unwrap_or(""),
            }
        })
        .collect();
    person.page(
        state,
        "hub/release.html",
        context! {
            title => format!("{} {}", product_name(person.lang, &product), release.version), product, release, sboms, vex, rows, added, removed, errors, warnings,
            vex_statuses => VEX_STATUSES.iter().map(|(v, _, l)| context! { value => v, label => person.t(l) }).collect::<Vec<_>>(),
            justifications => JUSTIFICATIONS.iter().map(|(v, l)| context! { value => v, label => person.t(l) }).collect::<Vec<_>>(),
        },
        status,
    )
}

pub async fn upload_sbom(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Response {
    upload(state, person, id, request, FileKind::Sbom).await
}

pub async fn upload_vex(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Response {
    upload(state, person, id, request, FileKind::Vex).await
}

async fn upload(
    state: Shared,
    person: HubPerson,
    id: String,
    request: axum::extract::Request,
    kind: FileKind,
) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Manufacturer) {
        return r;
    }
    let release = match state.store.hub_release(&person.org.id, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    };
    let (fields, files) = match super::upload_form(&state, request).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let csrf = fields.get("_csrf").cloned().unwrap_or_default();
    let file = files.into_iter().next();
    if let Err(r) = person.check_csrf(&state, Some(&csrf)) {
        return r;
    }
    let Some((file_name, bytes)) = file else {
        return release_page(
            &state,
            &person,
            &id,
            &[person.t("ファイルを選んでください。").into()],
            &[],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    accept(&state, &person, &release, kind, file_name, bytes).await
}

/// Checks an SBOM or VEX of a release, stores it and recomputes: the upload's path and the
/// VEX form's (which writes its statement as a CSAF VEX document first).
async fn accept(
    state: &Shared,
    person: &HubPerson,
    release: &HubRelease,
    kind: FileKind,
    file_name: String,
    bytes: Vec<u8>,
) -> Response {
    let (state, person, id) = (state.clone(), person, release.id.clone());
    let read: Result<(String, Vec<mamori_advisories::Problem>), Vec<String>> = match kind {
        FileKind::Sbom => match mamori_sbom::read(&bytes) {
            Ok((sbom, warnings)) => Ok((
                serde_json::json!({
                    "format": format!("{} {} ({})", sbom.format.name, sbom.format.version, sbom.format.syntax),
                    "components": sbom.components.len(),
                })
                .to_string(),
                warnings.into_iter().map(|w| w.in_file(&file_name)).collect::<Vec<_>>(),
            )),
            Err(errors) => {
                let mut errors: Vec<String> = errors.into_iter().map(|e| e.in_file(&file_name).to_string()).collect();
                errors.push(person.tf("{file}: SBOM として読めないため、登録していません。", &[("file", &file_name)]));
                Err(errors)
            }
        },
        FileKind::Vex => {
            // A VEX is about the release's components: checked against its current SBOM.
            let current = match state.store.release_files(FileKind::Sbom, &id).await {
                Ok(s) => s.into_iter().next(),
                Err(e) => return unavailable(e),
            };
            let sbom = match current {
                Some(f) => match state.store.release_file_bytes(FileKind::Sbom, &person.org.id, &f.id).await {
                    Ok(Some((_, b))) => mamori_sbom::read(&b).ok().map(|(s, _)| s),
                    Ok(None) => None,
                    Err(e) => return unavailable(e),
                },
                None => None,
            };
            match sbom.map(|sbom| mamori_matching::vex::facts_from_file(&file_name, &bytes, &sbom)) {
                None => Err(vec![
                    person
                        .t("先にこのリリースの SBOM を登録してください。VEX は SBOM の構成要素について述べるものです。")
                        .into(),
                ]),
                Some(Ok((facts, warnings))) if !facts.is_empty() => {
                    Ok((serde_json::json!({ "statements": facts.len() }).to_string(), warnings))
                }
                Some(Ok((_, warnings))) => {
                    let mut errors: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
                    errors.push(person.tf(
                        "{file}: このリリースに当てはまる VEX の記述がないため、登録していません。",
                        &[("file", &file_name)],
                    ));
                    Err(errors)
                }
                Some(Err(errors)) => {
                    let mut errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    errors.push(person.tf(
                        "{file}: CSAF VEX・CycloneDX VEX として読めないため、登録していません。",
                        &[("file", &file_name)],
                    ));
                    Err(errors)
                }
            }
        }
    };
    let (summary, warnings) = match read {
        Ok(x) => x,
        Err(errors) => return release_page(&state, person, &id, &errors, &[], StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let warnings_json = serde_json::to_string(&warnings).expect("problems serialise");
    let file = mamori_store::hub_products::NewReleaseFile {
        kind,
        file_name: &file_name,
        summary: &summary,
        warnings: &warnings_json,
        by: &person.user.login,
        bytes: &bytes,
    };
    let stored = state.store.add_release_file(release, &file).await;
    if let Err(e) = stored {
        return unavailable(e);
    }
    let what = if kind == FileKind::Sbom { "hub sbom" } else { "hub vex" };
    person.audit(&state, what, &release.id, "", &format!("{file_name}: {}", summary_text(Lang::Ja, &summary))).await;
    if let Err(e) = engine::recompute(&state.store, None).await {
        return unavailable(e);
    }
    let warnings: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    release_page(&state, person, &id, &[], &warnings, StatusCode::OK).await
}

/// The VEX statuses a form offers: (form value, CSAF product status group, label).
const VEX_STATUSES: &[(&str, &str, &str)] = &[
    ("not_affected", "known_not_affected", "影響なし"),
    ("affected", "known_affected", "影響あり"),
    ("fixed", "fixed", "修正済み"),
    ("under_investigation", "under_investigation", "調査中"),
];

/// CSAF's justifications for "not affected" (flags), with the pages' words.
const JUSTIFICATIONS: &[(&str, &str)] = &[
    ("component_not_present", "該当する構成要素を含まない"),
    ("vulnerable_code_not_present", "脆弱なコードを含まない"),
    ("vulnerable_code_cannot_be_controlled_by_adversary", "攻撃者が脆弱なコードを制御できない"),
    ("vulnerable_code_not_in_execute_path", "脆弱なコードが実行されない"),
    ("inline_mitigations_already_exist", "製品内の緩和策がある"),
];

/// A VEX statement typed on the release page, about the release as a whole: written as a
/// CSAF VEX document (product tree = the SBOM's subject) and taken in like an uploaded one,
/// so it is checked, stored and applied the same way.
pub async fn vex_statement(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Manufacturer, &fields) {
        return r;
    }
    let release = match state.store.hub_release(&person.org.id, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    };
    let (vulnerability, status, justification, detail) = (
        field(&fields, "vulnerability"),
        field(&fields, "status"),
        field(&fields, "justification"),
        field(&fields, "detail"),
    );
    let mut errors = Vec::new();
    let id_ok = (3..=64).contains(&vulnerability.len())
        && vulnerability.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if !id_ok {
        errors.push(person.t("脆弱性の ID（CVE-2016-10931、GHSA-…、RUSTSEC-… など）を入力してください。").to_string());
    }
    let Some((_, group, _)) = VEX_STATUSES.iter().find(|(v, _, _)| *v == status) else {
        errors.push(person.t("影響の有無を選んでください。").to_string());
        return release_page(&state, &person, &id, &errors, &[], StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if status == "not_affected" && !JUSTIFICATIONS.iter().any(|(j, _)| *j == justification) {
        errors.push(person.t("「影響なし」には理由（justification）を選んでください。").to_string());
    }
    if detail.chars().count() > 2000 {
        errors.push(person.t("説明は2000文字以内にしてください。").to_string());
    }
    // The statement is about the product the current SBOM describes.
    let sbom = match state.store.release_files(FileKind::Sbom, &id).await {
        Ok(files) => match files.first() {
            Some(f) => match state.store.release_file_bytes(FileKind::Sbom, &person.org.id, &f.id).await {
                Ok(Some((_, b))) => mamori_sbom::read(&b).ok().map(|(s, _)| s),
                Ok(None) => None,
                Err(e) => return unavailable(e),
            },
            None => None,
        },
        Err(e) => return unavailable(e),
    };
    let subject = sbom.as_ref().and_then(|s| s.subject.clone());
    if subject.is_none() {
        errors.push(person.t("VEX はこのリリースの SBOM が名指す製品（metadata.component）について述べます。先に製品名のある SBOM を登録してください。").to_string());
    }
    let Some(subject) = subject.filter(|_| errors.is_empty()) else {
        return release_page(&state, &person, &id, &errors, &[], StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let vendor = subject.supplier.clone().unwrap_or_else(|| person.org.name_en.clone());
    let version = subject.version.clone().unwrap_or_else(|| release.version.clone());
    let now = crate::i18n::rfc3339(mamori_store::now());
    let tracking = format!("MAMORI-VEX-{}-{}", release.id, mamori_store::random_hex(4));
    let mut vuln = serde_json::json!({ "product_status": { *group: ["release"] } });
    if vulnerability.starts_with("CVE-") {
        vuln["cve"] = vulnerability.into();
    } else {
        vuln["ids"] = serde_json::json!([{ "system_name": vulnerability.split('-').next().unwrap_or("ID"), "text": vulnerability }]);
    }
    if status == "not_affected" {
        vuln["flags"] = serde_json::json!([{ "label": justification, "product_ids": ["release"] }]);
    }
    if !detail.is_empty() {
        vuln["threats"] = serde_json::json!([{ "category": "impact", "details": detail, "product_ids": ["release"] }]);
    }
    let document = serde_json::json!({
        "document": {
            "category": "csaf_vex", "csaf_version": "2.0",
            "title": format!("{} {}: {vulnerability}", subject.name, version),
            "publisher": { "category": "vendor", "name": vendor, "namespace": "https://mamori.invalid/hub" },
            "tracking": {
                "id": tracking, "version": "1", "status": "final",
                "initial_release_date": now, "current_release_date": now,
                "revision_history": [{ "date": now, "number": "1", "summary": format!("stated on the hub by {}", person.user.login) }]
            }
        },
        "product_tree": { "branches": [{ "category": "vendor", "name": vendor, "branches": [{
            "category": "product_name", "name": subject.name, "branches": [{
                "category": "product_version", "name": version,
                "product": { "name": format!("{vendor} {} {version}", subject.name), "product_id": "release" }
            }]
        }]}]},
        "vulnerabilities": [vuln]
    });
    let bytes = serde_json::to_vec_pretty(&document).expect("a VEX document serialises");
    accept(&state, &person, &release, FileKind::Vex, format!("{vulnerability}-vex.json"), bytes).await
}

/// The kinds of security documents, as the pages name them.
pub const DOCUMENT_KINDS: &[(&str, &str)] = &[
    ("mds2", "MDS2（ANSI/NEMA HN 1-2019）"),
    ("jahis_mds", "JAHIS 製造業者による医療情報セキュリティ開示書（MDS）"),
    ("jahis_sds", "JAHIS サービス事業者による医療情報セキュリティ開示書（SDS）"),
    ("other", "その他のセキュリティ文書"),
];

/// Files a security document may be: what hospitals open with their usual tools.
const DOCUMENT_EXTENSIONS: &[&str] = &["pdf", "xlsx", "xls", "docx", "csv", "txt", "zip"];

pub async fn upload_document(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Manufacturer) {
        return r;
    }
    match state.store.hub_product(&person.org.id, &id).await {
        Ok(Some(_)) => {}
        Ok(None) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    }
    let (fields, files) = match super::upload_form(&state, request).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let file = files.into_iter().next();
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    if let Err(r) = person.check_csrf(&state, Some(get("_csrf"))) {
        return r;
    }
    let mut errors = Vec::new();
    let (kind, tlp, form_version) = (get("kind"), get("tlp"), get("form_version"));
    if !DOCUMENT_KINDS.iter().any(|(k, _)| *k == kind) {
        errors.push(person.t("文書の種類を一覧から選んでください。").to_string());
    }
    if !super::TLP_LABELS.contains(&tlp) {
        errors.push(person.t("TLP の区分を一覧から選んでください。").to_string());
    }
    if form_version.chars().count() > 50 {
        errors.push(person.t("様式の版は50文字以内にしてください。").to_string());
    }
    match &file {
        None => errors.push(person.t("ファイルを選んでください。").to_string()),
        Some((name, _)) => {
            let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
            if !DOCUMENT_EXTENSIONS.contains(&ext.as_str()) {
                errors.push(person.tf(
                    "{file}: {formats} のいずれかの形式にしてください。",
                    &[("file", &name), ("formats", &DOCUMENT_EXTENSIONS.join(", "))],
                ));
            }
        }
    }
    let Some((file_name, bytes)) = file.filter(|_| errors.is_empty()) else {
        return product_page(&state, &person, &id, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let attachment = mamori_store::hub_products::Attachment {
        id: String::new(),
        product_id: id.clone(),
        org_id: person.org.id.clone(),
        kind: kind.to_string(),
        form_version: form_version.to_string(),
        file_name: file_name.clone(),
        tlp: tlp.to_string(),
        uploaded_by: person.user.login.clone(),
        uploaded_at: 0,
    };
    match state.store.add_attachment(&attachment, &bytes).await {
        Ok(doc) => person.audit(&state, "hub document add", &doc, "", &format!("{kind} {file_name} TLP:{tlp}")).await,
        Err(e) => return unavailable(e),
    }
    Redirect::to(&format!("/hub/products/{id}")).into_response()
}

/// Whether a hospital has a device that is a release of the product (a link it confirmed,
/// or one as sure as an identifier or its names and version).
pub async fn hospital_has_product(state: &AppState, org_id: &str, product_id: &str) -> Result<bool, Response> {
    let devices = state.store.hub_devices(org_id).await.map_err(unavailable)?;
    let catalogue = engine::catalogue(&state.store, false).await.map_err(unavailable)?;
    let aliases = engine::known_aliases(&state.store.hub_aliases().await.map_err(unavailable)?);
    Ok(devices.iter().filter_map(|d| catalogue.link(d, &aliases)).any(|l| {
        l.confidence != mamori_matching::Confidence::Possible
            && catalogue.releases.iter().any(|r| r.id == l.release_id && r.product_id == product_id)
    }))
}

/// A security document, as an attachment: to its manufacturer and the coordinator; to
/// hospitals by its TLP label — CLEAR and GREEN to every hospital, AMBER only to one with the
/// product, RED to none.
pub async fn download_document(State(state): State<Shared>, person: HubPerson, Path(id): Path<String>) -> Response {
    let (doc, bytes) = match state.store.attachment(&id).await {
        Ok(Some(x)) => x,
        Ok(None) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    };
    let allowed = if doc.org_id == person.org.id || person.org.kind == OrgKind::Coordinator {
        true
    } else {
        let concerned = match person.org.kind {
            OrgKind::Hospital => match hospital_has_product(&state, &person.org.id, &doc.product_id).await {
                Ok(c) => c,
                Err(r) => return r,
            },
            _ => false,
        };
        super::tlp_allows(&doc.tlp, person.org.kind, concerned)
    };
    if !allowed {
        return person.not_found(&state);
    }
    person.audit(&state, "hub document download", &doc.id, "", &doc.file_name).await;
    let safe_name: String =
        doc.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    crate::admin::download("application/octet-stream", &safe_name, bytes)
}
