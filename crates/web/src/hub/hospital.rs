//! A hospital's pages: its device inventory (imported all or nothing, or added on a page),
//! the findings on it with their confidence, reasons and state, a page per device and per
//! advisory, state changes audited, and the findings as CSV.

use super::words::Lang;
use super::{HubPerson, engine, field, tlp_allows};
use crate::{AppState, Shared, unavailable};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::hub::{FINDING_STATES, HubDevice, HubFinding, OrgKind};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A finding as the pages show it.
#[derive(Serialize)]
struct FindingView {
    device_id: String,
    device: String,
    location: String,
    advisory: String,
    revision: String,
    product: String,
    statement: String,
    confidence: String,
    confidence_label: &'static str,
    reasons: Vec<String>,
    vulnerabilities: Vec<String>,
    severity: String,
    score: Option<f64>,
    remediations: Vec<String>,
    state: String,
    state_label: &'static str,
    why: String,
    changed_by: String,
    changed_at: Option<i64>,
    tlp: String,
    /// The advisory's or, through an SBOM, the manufacturer's status for the product.
    status: String,
    status_label: &'static str,
    /// The manufacturer's VEX document that set the status, if one did.
    vex: String,
}

pub fn confidence_label(lang: Lang, c: &str) -> &'static str {
    lang.text(match c {
        "exact" => "確定（識別子が一致）",
        "range" => "該当（製品名と版の範囲が一致）",
        _ => "要確認（候補）",
    })
}

/// A vulnerability's status for the product, as the advisory or the manufacturer's VEX says.
pub fn status_label(lang: Lang, s: &str) -> &'static str {
    lang.text(match s {
        "affected" => "影響あり",
        "not_affected" => "影響なし",
        "fixed" => "修正済み",
        "under_investigation" => "調査中",
        _ => "—",
    })
}

pub fn state_label(lang: Lang, s: &str) -> &'static str {
    lang.text(match s {
        "acknowledged" => "確認済み",
        "mitigated" => "緩和策を実施",
        "risk_accepted" => "リスクを受容",
        "resolved" => "解決済み",
        _ => "未対応",
    })
}

fn reason_label(lang: Lang, code: &str) -> String {
    let ja = match code {
        "purl_equal" => "パッケージURLが一致",
        "model_listed" => "型番が勧告に記載",
        "model_not_listed" => "型番が勧告の一覧にない",
        "vendor_equal" => "製造元が一致",
        "vendor_alias" => "確認済みの製造元の別名",
        "vendor_similar" => "製造元名が類似",
        "product_equal" => "製品名が一致",
        "name_similar" => "製品名が類似",
        "in_range" => "版が範囲内",
        "version_listed" => "版が勧告に記載",
        "all_versions" => "全ての版が対象",
        "scheme_unknown" => "版の順序が不明",
        "date_bound" => "出荷日で範囲指定",
        "no_version" => "台帳に版の記載がない",
        "no_version_statement" => "勧告に版の記載がない",
        "unparsed" => "勧告の版記述を解釈できない",
        "model_registered" => "型番が製品の登録と一致",
        "version_registered" => "版がリリースの登録と一致",
        "link_confirmed" => "医療機関が確認した製品・リリース",
        "sbom_component" => "製造販売業者の SBOM の構成要素",
        "vex" => "製造販売業者の VEX",
        _ => return code.to_string(),
    };
    lang.fill("{reason}（{code}）", &[("reason", &lang.text(ja)), ("code", &code)])
}

fn device_name(d: &HubDevice) -> String {
    let mut name = format!("{} {}", d.manufacturer, d.product);
    if !d.model.is_empty() {
        name.push_str(&format!(" {}", d.model));
    }
    if !d.version.is_empty() {
        name.push_str(&format!(" {}", d.version));
    }
    name
}

fn view(lang: Lang, f: &HubFinding) -> FindingView {
    let body: serde_json::Value = serde_json::from_str(&f.finding.body).unwrap_or_default();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let list = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    let statement = &body["statement"];
    let said = if body["via"] == "sbom" {
        // Through the manufacturer's SBOM of the release the device is.
        let (c, r) = (&body["component"], &body["release"]);
        lang.fill(
            "SBOM: {name} {version}（{product} {release} の構成要素）",
            &[
                ("name", &text(&c["name"])),
                ("version", &text(&c["version"])),
                ("product", &text(&r["product"])),
                ("release", &text(&r["version"])),
            ],
        )
    } else {
        let mut said = format!("{} / {}", text(&statement["vendor"]), text(&statement["product"]));
        if let Some(v) = statement["version"].as_str() {
            said.push_str(&format!(" / {v}"));
        }
        said
    };
    let device = Some(&f.device);
    FindingView {
        device_id: f.finding.device_id.clone(),
        device: device.map(device_name).unwrap_or_default(),
        location: device.map(|d| d.location.clone()).unwrap_or_default(),
        advisory: f.finding.advisory.clone(),
        revision: f.finding.revision.clone(),
        product: text(&body["product_name"]),
        statement: said,
        confidence: f.finding.confidence.clone(),
        confidence_label: confidence_label(lang, &f.finding.confidence),
        reasons: list(&body["reasons"]).iter().map(|r| reason_label(lang, r)).collect(),
        vulnerabilities: list(&body["vulnerabilities"]),
        severity: text(&body["severity"]["rating"]),
        score: body["severity"]["score"].as_f64(),
        remediations: body["remediations"]
            .as_array()
            .map(|a| a.iter().map(|r| format!("{}: {}", text(&r["category"]), text(&r["details"]))).collect())
            .unwrap_or_default(),
        state: f.state.clone(),
        state_label: state_label(lang, &f.state),
        why: f.why.clone(),
        changed_by: f.changed_by.clone(),
        changed_at: (f.changed_at > 0).then_some(f.changed_at),
        tlp: f.tlp.clone(),
        status: text(&body["status"]),
        status_label: status_label(lang, body["status"].as_str().unwrap_or("")),
        vex: text(&body["vex"]["document"]),
    }
}

/// The organisation's findings it may see (a RED advisory's reach only the coordinator).
async fn visible_findings(
    state: &AppState,
    person: &HubPerson,
    device: Option<&str>,
    advisory: Option<&str>,
    brief: bool,
) -> Result<Vec<HubFinding>, Response> {
    let all = state.store.hub_findings_as(&person.org.id, device, advisory, brief).await.map_err(unavailable)?;
    Ok(all.into_iter().filter(|f| tlp_allows(&f.tlp, person.org.kind, true)).collect())
}

/// How many devices the organisation's inventory holds.
async fn device_count(state: &AppState, person: &HubPerson) -> Result<usize, Response> {
    Ok(state.store.hub_devices(&person.org.id).await.map_err(unavailable)?.len())
}

pub async fn home(state: &AppState, person: &HubPerson) -> Response {
    let devices = match state.store.hub_devices(&person.org.id).await {
        Ok(d) => d.len(),
        Err(e) => return unavailable(e),
    };
    let findings = match visible_findings(state, person, None, None, true).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut by_confidence: BTreeMap<&str, usize> = BTreeMap::new();
    let mut open = 0;
    for f in &findings {
        *by_confidence.entry(f.finding.confidence.as_str()).or_default() += 1;
        if !matches!(f.state.as_str(), "resolved" | "risk_accepted") {
            open += 1;
        }
    }
    let advisories: std::collections::BTreeSet<&str> = findings.iter().map(|f| f.finding.advisory.as_str()).collect();
    person.page(
        state,
        "hub/hospital_home.html",
        context! {
            title => person.t("ホーム"),
            devices,
            findings => findings.len(),
            open,
            exact => by_confidence.get("exact").copied().unwrap_or(0),
            range => by_confidence.get("range").copied().unwrap_or(0),
            possible => by_confidence.get("possible").copied().unwrap_or(0),
            advisories => advisories.len(),
        },
        StatusCode::OK,
    )
}

pub async fn devices(State(state): State<Shared>, person: HubPerson) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Hospital) {
        return r;
    }
    devices_page(&state, &person, &[], StatusCode::OK).await
}

async fn devices_page(state: &AppState, person: &HubPerson, errors: &[String], status: StatusCode) -> Response {
    let devices = match state.store.hub_devices(&person.org.id).await {
        Ok(d) => d,
        Err(e) => return unavailable(e),
    };
    let findings = match visible_findings(state, person, None, None, true).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for f in &findings {
        if f.finding.confidence != "possible" {
            *counts.entry(f.finding.device_id.as_str()).or_default() += 1;
        }
    }
    let rows: Vec<_> = devices
        .iter()
        .map(|d| context! { device => d, findings => counts.get(d.id.as_str()).copied().unwrap_or(0) })
        .collect();
    person.page(state, "hub/devices.html", context! { title => person.t("機器台帳"), rows, errors }, status)
}

/// The longest text of a device field typed on a page (as the import's limit).
const MAX_FIELD: usize = 500;

pub async fn add_device(
    State(state): State<Shared>,
    person: HubPerson,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Hospital, &fields) {
        return r;
    }
    let (device, errors) = device_from_fields(person.lang, &fields);
    if !errors.is_empty() {
        return devices_page(&state, &person, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let ids = match state.store.add_hub_devices(&person.org.id, std::slice::from_ref(&device)).await {
        Ok(ids) => ids,
        Err(e) => return unavailable(e),
    };
    person.audit(&state, "hub device add", &ids[0], "", &device_name(&device)).await;
    if let Err(e) = engine::recompute(&state.store, Some(&person.org.id)).await {
        return unavailable(e);
    }
    Redirect::to(&format!("/hub/devices/{}", ids[0])).into_response()
}

/// A device as typed on a page, and what is wrong with it.
fn device_from_fields(lang: Lang, fields: &[(String, String)]) -> (HubDevice, Vec<String>) {
    let get = |n: &str| field(fields, n).to_string();
    let device = HubDevice {
        manufacturer: get("manufacturer"),
        product: get("product"),
        model: get("model"),
        version: get("version"),
        serial: get("serial"),
        asset_tag: get("asset_tag"),
        location: get("location"),
        purl: get("purl"),
        ..Default::default()
    };
    let mut errors = Vec::new();
    if device.manufacturer.is_empty() {
        errors.push(lang.text("製造販売業者（manufacturer）を入力してください。").to_string());
    }
    if device.product.is_empty() && device.model.is_empty() {
        errors.push(lang.text("製品名（product）か型番（model）を入力してください。").to_string());
    }
    let all = [
        ("manufacturer", &device.manufacturer),
        ("product", &device.product),
        ("model", &device.model),
        ("version", &device.version),
        ("serial", &device.serial),
        ("asset_tag", &device.asset_tag),
        ("location", &device.location),
        ("purl", &device.purl),
    ];
    for (name, value) in all {
        if value.chars().count() > MAX_FIELD {
            errors.push(lang.fill("{name} は {max} 文字以内にしてください。", &[("name", &name), ("max", &MAX_FIELD)]));
        }
    }
    (device, errors)
}

/// Changes a device as typed on its page; the findings follow at once.
pub async fn edit_device(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Hospital, &fields) {
        return r;
    }
    let before = match state.store.hub_device(&person.org.id, &id).await {
        Ok(Some(d)) => d,
        Ok(None) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    };
    let (mut device, errors) = device_from_fields(person.lang, &fields);
    if !errors.is_empty() {
        return person.message(&state, StatusCode::UNPROCESSABLE_ENTITY, "変更できませんでした", &errors.join(" "));
    }
    device.id = id.clone();
    match state.store.update_hub_device(&person.org.id, &device).await {
        Ok(true) => {}
        Ok(false) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    }
    person.audit(&state, "hub device edit", &id, &device_name(&before), &device_name(&device)).await;
    if let Err(e) = engine::recompute(&state.store, Some(&person.org.id)).await {
        return unavailable(e);
    }
    Redirect::to(&format!("/hub/devices/{id}")).into_response()
}

/// Removes a device (sold, scrapped) with its findings; the audit log keeps what it was.
pub async fn delete_device(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Hospital, &fields) {
        return r;
    }
    let before = match state.store.hub_device(&person.org.id, &id).await {
        Ok(Some(d)) => d,
        Ok(None) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    };
    match state.store.delete_hub_device(&person.org.id, &id).await {
        Ok(true) => {}
        Ok(false) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    }
    person.audit(&state, "hub device delete", &id, &device_name(&before), "").await;
    Redirect::to("/hub/devices").into_response()
}

pub async fn import(State(state): State<Shared>, person: HubPerson, request: axum::extract::Request) -> Response {
    // The organisation's kind is checked before the body is read.
    if let Err(r) = person.require(&state, OrgKind::Hospital) {
        return r;
    }
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
        return devices_page(
            &state,
            &person,
            &[person.t("ファイルを選んでください（.csv または .xlsx）。").into()],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let read = mamori_matching::tables::read_inventory(&file_name, &bytes);
    let devices = match read {
        Ok(d) => d,
        Err(errors) => {
            // All or nothing: not one device of a file with a problem is added.
            let mut errors = errors;
            errors.push(person.tf(
                "{file}: 機器は1台も追加していません。上の点を直して、もう一度取り込んでください。",
                &[("file", &file_name)],
            ));
            return devices_page(&state, &person, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let rows: Vec<HubDevice> = devices
        .into_iter()
        .map(|d| HubDevice {
            row: d.row as i64,
            manufacturer: d.manufacturer,
            product: d.product,
            model: d.model,
            version: d.version,
            serial: d.serial,
            asset_tag: d.asset_tag,
            location: d.location,
            purl: d.purl,
            ..Default::default()
        })
        .collect();
    if let Err(e) = state.store.add_hub_devices(&person.org.id, &rows).await {
        return unavailable(e);
    }
    person.audit(&state, "hub inventory import", &file_name, "", &format!("{} devices", rows.len())).await;
    if let Err(e) = engine::recompute(&state.store, Some(&person.org.id)).await {
        return unavailable(e);
    }
    Redirect::to("/hub/findings").into_response()
}

pub async fn device(State(state): State<Shared>, person: HubPerson, Path(id): Path<String>) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Hospital) {
        return r;
    }
    let device = match state.store.hub_device(&person.org.id, &id).await {
        Ok(Some(d)) => d,
        Ok(None) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    };
    let findings = match visible_findings(&state, &person, Some(&id), None, false).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let findings: Vec<FindingView> = findings.iter().map(|f| view(person.lang, f)).collect();
    // Which manufacturer's release the device is, and who to ask about it.
    let (catalogue, aliases) = match (engine::catalogue(&state.store, false).await, state.store.hub_aliases().await) {
        (Ok(c), Ok(a)) => (c, a),
        (Err(e), _) | (_, Err(e)) => return unavailable(e),
    };
    let link = catalogue.link(&device, &engine::known_aliases(&aliases));
    let maker = link.as_ref().and_then(|l| {
        let release = catalogue.releases.iter().find(|r| r.id == l.release_id)?;
        catalogue.manufacturers.iter().find(|o| o.id == release.org_id)
    });
    // The manufacturer's security documents of that product, as far as their labels allow.
    let product_id = link
        .as_ref()
        .and_then(|l| catalogue.releases.iter().find(|r| r.id == l.release_id))
        .map(|r| r.product_id.clone());
    let sure = link.as_ref().is_some_and(|l| l.confidence != mamori_matching::Confidence::Possible);
    let documents = match product_id {
        Some(p) => match state.store.attachments(&p).await {
            Ok(docs) => docs.into_iter().filter(|d| super::tlp_allows(&d.tlp, OrgKind::Hospital, sure)).collect(),
            Err(e) => return unavailable(e),
        },
        None => Vec::new(),
    };
    let confirmed = match state.store.device_link(&person.org.id, &device.id).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    let link = link.map(|l| {
        context! {
            confirmed => confirmed.filter(|c| c.release_id == l.release_id),
            release_id => l.release_id,
            product => l.product,
            version => l.version,
            possible => l.confidence == mamori_matching::Confidence::Possible,
            confidence => confidence_label(person.lang, &serde_json::to_value(l.confidence).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()),
            reasons => l.reasons.iter().map(|r| reason_label(person.lang, r)).collect::<Vec<_>>(),
            maker => maker.map(|m| context! { name => m.name_ja, psirt => m.psirt_contact }),
        }
    });
    person.page(
        &state,
        "hub/device.html",
        context! { title => device_name(&device), device, findings, link, documents, states => state_options(person.lang) },
        StatusCode::OK,
    )
}

fn state_options(lang: Lang) -> Vec<minijinja::Value> {
    FINDING_STATES.iter().map(|s| context! { value => s, label => state_label(lang, s) }).collect()
}

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    confidence: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    advisory: String,
}

/// The findings a filter keeps, `brief` for the list (without remediations) or whole for the
/// exports.
async fn filtered(
    state: &AppState,
    person: &HubPerson,
    filter: &Filter,
    brief: bool,
) -> Result<Vec<FindingView>, Response> {
    let advisory = (!filter.advisory.is_empty()).then_some(filter.advisory.as_str());
    let findings = visible_findings(state, person, None, advisory, brief).await?;
    Ok(findings
        .iter()
        .filter(|f| filter.confidence.is_empty() || f.finding.confidence == filter.confidence)
        .filter(|f| filter.state.is_empty() || f.state == filter.state)
        .map(|f| view(person.lang, f))
        .collect())
}

pub async fn findings(State(state): State<Shared>, person: HubPerson, Query(filter): Query<Filter>) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Hospital) {
        return r;
    }
    let table = match findings_table(&state, &person, &filter).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let query = format!(
        "confidence={}&state={}&advisory={}",
        crate::auth::encode(&filter.confidence),
        crate::auth::encode(&filter.state),
        crate::auth::encode(&filter.advisory)
    );
    let confidences: Vec<_> = ["exact", "range", "possible"]
        .iter()
        .map(|c| context! { value => c, label => confidence_label(person.lang, c) })
        .collect();
    person.page(
        &state,
        "hub/findings.html",
        context! {
            title => person.t("検出結果"),
            table => minijinja::Value::from_safe_string(table.to_string()),
            csv_link => format!("/hub/findings.csv?{query}"),
            xlsx_link => format!("/hub/findings.xlsx?{query}"),
            filter => context! { confidence => filter.confidence, state => filter.state, advisory => filter.advisory },
            states => state_options(person.lang),
            confidences,
        },
        StatusCode::OK,
    )
}

/// The findings list as HTML: kept from an earlier request while the database's fingerprint
/// of the findings it shows is the same (`page_cache`), else built and kept.
async fn findings_table(state: &AppState, person: &HubPerson, filter: &Filter) -> Result<Arc<str>, Response> {
    let advisory = (!filter.advisory.is_empty()).then_some(filter.advisory.as_str());
    // Taken before the findings are read: a change in between is then newer than the
    // fingerprint it is kept under, and the next request's fingerprint rebuilds it.
    let fingerprint =
        state.store.hub_findings_fingerprint(&person.org.id, None, advisory).await.map_err(unavailable)?;
    let key = super::page_cache::key(&[
        "findings",
        &person.org.id,
        person.org.kind.as_str(),
        person.lang.code(),
        &filter.confidence,
        &filter.state,
        &filter.advisory,
    ]);
    if let Some(table) = state.hub_pages.get(&key, &fingerprint) {
        return Ok(table);
    }
    let rows = filtered(state, person, filter, true).await?;
    let table: Arc<str> =
        crate::render_part(state, "hub/findings_table.html", context! { rows, lang => person.lang.code() })?.into();
    state.hub_pages.put(key, fingerprint, table.clone());
    Ok(table)
}

/// The columns of the findings exports, and one row per finding.
const EXPORT_HEADER: [&str; 17] = [
    "device_id",
    "device",
    "location",
    "advisory",
    "revision",
    "confidence",
    "reasons",
    "vulnerabilities",
    "severity",
    "score",
    "advisory_statement",
    "product_status",
    "manufacturer_vex",
    "remediations",
    "state",
    "why",
    "tlp",
];
/// The column holding a number (the CVSS score).
const SCORE_COLUMN: usize = 9;

fn export_row(r: &FindingView) -> [String; 17] {
    [
        r.device_id.clone(),
        r.device.clone(),
        r.location.clone(),
        r.advisory.clone(),
        r.revision.clone(),
        r.confidence.clone(),
        r.reasons.join("; "),
        r.vulnerabilities.join(" "),
        r.severity.clone(),
        r.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
        r.statement.clone(),
        r.status.clone(),
        r.vex.clone(),
        r.remediations.join(" / "),
        r.state.clone(),
        r.why.clone(),
        r.tlp.clone(),
    ]
}

pub async fn findings_csv(State(state): State<Shared>, person: HubPerson, Query(filter): Query<Filter>) -> Response {
    findings_export(state, person, filter, false).await
}

pub async fn findings_xlsx(State(state): State<Shared>, person: HubPerson, Query(filter): Query<Filter>) -> Response {
    findings_export(state, person, filter, true).await
}

async fn findings_export(state: Shared, person: HubPerson, filter: Filter, xlsx: bool) -> Response {
    if let Err(r) = person.require(&state, OrgKind::Hospital) {
        return r;
    }
    let rows = match filtered(&state, &person, &filter, false).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (name, content_type, bytes) = if xlsx {
        match findings_workbook(&rows) {
            Ok(bytes) => ("findings.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes),
            Err(e) => {
                tracing::warn!("findings.xlsx: {e}");
                return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
            }
        }
    } else {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(EXPORT_HEADER);
        for r in &rows {
            // Text from devices and advisories never becomes a spreadsheet formula.
            let safe: Vec<String> = export_row(r)
                .iter()
                .enumerate()
                .map(|(i, c)| mamori_dataset::formula_safe(c, i == SCORE_COLUMN).into_owned())
                .collect();
            let _ = w.write_record(&safe);
        }
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend(w.into_inner().unwrap_or_default());
        ("findings.csv", "text/csv; charset=utf-8", bytes)
    };
    person.audit(&state, "hub findings export", name, "", &format!("{} rows", rows.len())).await;
    crate::admin::download(content_type, name, bytes)
}

/// The findings as a workbook: text cells stay text (never formulas), the score a number.
fn findings_workbook(rows: &[FindingView]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("findings")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in EXPORT_HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, value) in export_row(r).iter().enumerate() {
            match (c == SCORE_COLUMN).then(|| value.parse::<f64>().ok()).flatten() {
                Some(n) => sheet.write_number(row, c as u16, n)?,
                None => sheet.write_string(row, c as u16, value)?,
            };
        }
    }
    book.save_to_buffer()
}

pub async fn set_state(
    State(state): State<Shared>,
    person: HubPerson,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Hospital, &fields) {
        return r;
    }
    let (device, advisory, new_state, why) =
        (field(&fields, "device"), field(&fields, "advisory"), field(&fields, "state"), field(&fields, "why"));
    if !FINDING_STATES.contains(&new_state) {
        return person.message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "状態を変更できませんでした",
            "状態を一覧から選んでください。",
        );
    }
    if new_state != "acknowledged" && why.is_empty() {
        return person.message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "状態を変更できませんでした",
            "理由（実施した緩和策、受容の根拠など）を入力してください。",
        );
    }
    if why.chars().count() > 2000 {
        return person.message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "状態を変更できませんでした",
            "理由は2000文字以内にしてください。",
        );
    }
    match state.store.set_hub_finding_state(&person.org.id, device, advisory, new_state, why, &person.user.login).await
    {
        Ok(Some(before)) => {
            person
                .audit(
                    &state,
                    "hub finding state",
                    &format!("{device} {advisory}"),
                    &before,
                    &format!("{new_state}: {why}"),
                )
                .await;
            Redirect::to(&format!("/hub/devices/{device}")).into_response()
        }
        Ok(None) => person.not_found(&state),
        Err(e) => unavailable(e),
    }
}

pub async fn advisory(State(state): State<Shared>, person: HubPerson, Path(id): Path<String>) -> Response {
    let revisions = match state.store.hub_documents_for(&id).await {
        Ok(r) => r,
        Err(e) => return unavailable(e),
    };
    let concerned = match state.store.hub_concerned(&person.org.id, &id).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    // The most restrictive label of its revisions decides; nothing is said of an advisory a
    // person may not see, not even that it exists.
    let Some(newest) = revisions.first() else { return person.not_found(&state) };
    if !revisions.iter().all(|d| tlp_allows(&d.tlp, person.org.kind, concerned)) {
        return person.not_found(&state);
    }
    let (devices, findings) = if person.org.kind == OrgKind::Hospital {
        let devices = match device_count(&state, &person).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        match visible_findings(&state, &person, None, Some(&id), true).await {
            Ok(f) => (devices, f.iter().map(|f| view(person.lang, f)).collect::<Vec<_>>()),
            Err(r) => return r,
        }
    } else {
        (0, Vec::new())
    };
    let warnings: Vec<serde_json::Value> = if person.org.kind == OrgKind::Coordinator {
        revisions
            .iter()
            .flat_map(|d| serde_json::from_str::<Vec<serde_json::Value>>(&d.warnings).unwrap_or_default())
            .collect()
    } else {
        Vec::new()
    };
    person.page(
        &state,
        "hub/advisory.html",
        context! { title => &newest.doc_id, newest, revisions, findings, devices, warnings, states => state_options(person.lang) },
        StatusCode::OK,
    )
}

/// The hospital confirms that its device is the release a possible link names: from then on
/// the release's SBOM findings reach the device.
pub async fn confirm_link(
    State(state): State<Shared>,
    person: HubPerson,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = person.may_post(&state, OrgKind::Hospital, &fields) {
        return r;
    }
    let (release_id, why) = (field(&fields, "release"), field(&fields, "why"));
    if why.is_empty() || why.chars().count() > 2000 {
        return person.message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "確認できませんでした",
            "確認の根拠（銘板の型番、納品書など）を2000文字以内で入力してください。",
        );
    }
    let known = match state.store.hub_releases(None).await {
        Ok(r) => r.iter().any(|r| r.id == release_id),
        Err(e) => return unavailable(e),
    };
    if !known {
        return person.not_found(&state);
    }
    match state.store.confirm_device_link(&person.org.id, &id, release_id, &person.user.login, why).await {
        Ok(true) => {}
        Ok(false) => return person.not_found(&state),
        Err(e) => return unavailable(e),
    }
    person.audit(&state, "hub device link", &id, "", &format!("{release_id}: {why}")).await;
    if let Err(e) = engine::recompute(&state.store, Some(&person.org.id)).await {
        return unavailable(e);
    }
    Redirect::to(&format!("/hub/devices/{id}")).into_response()
}

pub async fn audit(State(state): State<Shared>, person: HubPerson) -> Response {
    if person.user.hub_role != "admin" {
        return person.message(
            &state,
            StatusCode::FORBIDDEN,
            "権限がありません",
            "監査ログは組織の管理者だけが見られます。",
        );
    }
    match state.store.audit_log(Some(&format!("hub:{}", person.org.id)), 500).await {
        Ok(entries) => {
            person.page(&state, "hub/audit.html", context! { title => person.t("監査ログ"), entries }, StatusCode::OK)
        }
        Err(e) => unavailable(e),
    }
}
