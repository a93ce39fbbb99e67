//! Campaigns: the list, creating one from an uploaded XLSForm, its overview (monitoring by
//! segment and every participant's status), its settings, replacing its questionnaire before
//! it opens, and the open-link registration switch.

use super::{admin_post, admin_upload, campaign};
use crate::auth::Staff;
use crate::i18n::{datetime, parse_day};
use crate::{AppState, Shared, questionnaire, unavailable};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::{Campaign, CampaignSettings, MailTemplate, Progress, Role};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize)]
struct CampaignRow {
    id: String,
    name: String,
    form_version: String,
    opens: String,
    closes: String,
    state: &'static str,
}

fn state_of(c: &Campaign) -> &'static str {
    let now = mamori_store::now();
    if !c.has_opened(now) {
        "開始前"
    } else if c.is_closed(now) {
        "終了"
    } else {
        "実施中"
    }
}

pub async fn home(State(state): State<Shared>, staff: Staff) -> Response {
    home_page(&state, &staff, &[], &BTreeMap::new(), StatusCode::OK).await
}

async fn home_page(
    state: &AppState,
    staff: &Staff,
    errors: &[String],
    values: &BTreeMap<String, String>,
    status: StatusCode,
) -> Response {
    let campaigns = match state.store.campaigns().await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    let rows: Vec<CampaignRow> = campaigns
        .iter()
        .map(|c| CampaignRow {
            id: c.id.clone(),
            name: c.name.clone(),
            form_version: c.form_version.clone(),
            opens: crate::i18n::date(Some(c.opens_at)),
            closes: crate::i18n::date(Some(c.closes_at)),
            state: state_of(c),
        })
        .collect();
    let ctx =
        context! { title => "調査の一覧", campaigns => rows, errors, values, mail => state.config.smtp.is_some() };
    staff.page(state, "admin/home.html", ctx, status)
}

/// Reads and checks an uploaded questionnaire: the form and its version, or every problem
/// located (file, sheet, row, column).
fn check_form(file: Option<&(String, Vec<u8>)>) -> Result<(String, Vec<u8>, mamori_form::Form), Vec<String>> {
    let Some((name, bytes)) = file else {
        return Err(vec![
            "調査票（XLSForm の .xlsx、選択肢ファイルがあれば調査票とまとめた .zip）を選んでください。".into(),
        ]);
    };
    let outcome = mamori_form::read_bytes(name, bytes);
    if outcome.has_errors() || outcome.form.is_none() {
        return Err(outcome.diagnostics.iter().filter(|d| d.is_error()).map(ToString::to_string).collect());
    }
    let form = outcome.form.expect("checked above");
    // The respondent pages ask no repeats (one page per group, one answer per question): a
    // repeat's questions would be shown once and their answers kept nowhere the office reads.
    // Refused here, where it is, rather than collected and lost.
    let repeats: Vec<String> = form
        .groups
        .iter()
        .filter(|g| g.kind == mamori_form::GroupKind::Repeat)
        .map(|g| {
            format!(
                "{name}:survey:{}: error: 'begin repeat {}': web campaigns do not ask repeats; ask a fixed number of items instead (a group per item) or a select_multiple",
                g.row, g.name
            )
        })
        .collect();
    if !repeats.is_empty() {
        return Err(repeats);
    }
    Ok((name.clone(), bytes.clone(), form))
}

pub async fn create(State(state): State<Shared>, staff: Staff, multipart: Multipart) -> Response {
    let upload = match admin_upload(&state, &staff, multipart).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    let name = upload.field("name").to_string();
    if name.is_empty() {
        errors.push("調査名を入力してください。".to_string());
    }
    let opens = parse_day(upload.field("opens"), false);
    let closes = parse_day(upload.field("closes"), true);
    match (opens, closes) {
        (Some(o), Some(c)) if o < c => {}
        (Some(_), Some(_)) => errors.push("締切日は開始日より後にしてください。".into()),
        _ => errors.push("開始日と締切日を YYYY-MM-DD の形で入力してください。".into()),
    }
    let form = match check_form(upload.file.as_ref()) {
        Ok(f) => Some(f),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    // A campaign that succeeds another: the new questionnaire must map onto the previous
    // one (previous_name, previous), every broken mapping listed where it is.
    let previous = match upload.field("previous") {
        "" => None,
        previous_id => match state.store.campaign(previous_id).await {
            Ok(Some(p)) => Some(p),
            Ok(None) => {
                errors.push("前回の調査が見つかりません。一覧から選び直してください。".into());
                None
            }
            Err(e) => return unavailable(e),
        },
    };
    if let (Some(p), Some((file_name, _, new_form))) = (&previous, &form) {
        let old = match questionnaire(&state, p).await {
            Ok(q) => q,
            Err(r) => return r,
        };
        let d = mamori_form::diff::diff(old.form, new_form, file_name);
        errors.extend(d.errors.iter().map(|e| format!("前回（{}）との対応づけ：{e}", p.name)));
    }
    let values: BTreeMap<String, String> =
        upload.fields.iter().filter(|(k, _)| *k != "_csrf").map(|(k, v)| (k.clone(), v.clone())).collect();
    let (Some((file_name, bytes, form)), true) = (form, errors.is_empty()) else {
        return home_page(&state, &staff, &errors, &values, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let mut settings = CampaignSettings::default();
    // The licence class question is the first segment of the form's report sheet when it
    // has one.
    if let Some(question) =
        form.report.iter().find(|r| r.kind == mamori_form::model::ReportKind::Segment).and_then(|r| r.question.clone())
    {
        settings.segment = question;
    }
    settings.languages = form
        .languages
        .iter()
        .filter_map(|l| {
            if l.contains("(en)") {
                Some("en")
            } else if l.contains("(ja)") {
                Some("ja")
            } else {
                None
            }
        })
        .map(str::to_string)
        .collect();
    if settings.languages.is_empty() {
        settings.languages = vec!["ja".into()];
    }
    let dates = (opens.unwrap_or(0), closes.unwrap_or(0));
    let created = match &previous {
        // The previous campaign's participants, mail texts and settings are carried over; the
        // new form decides the languages and the segment question.
        Some(p) => {
            state
                .store
                .succeed_campaign(&p.id, &name, &file_name, &bytes, &form.version, dates, |s| {
                    s.languages = settings.languages.clone();
                    s.segment = settings.segment.clone();
                })
                .await
        }
        None => {
            state
                .store
                .create_campaign_with(&name, &file_name, &bytes, &form.version, dates.0, dates.1, &settings)
                .await
        }
    };
    let id = match created {
        Ok(id) => id,
        Err(e) => return unavailable(e),
    };
    let mut after = format!("{name} / {file_name} version {} / {}–{}", form.version, values["opens"], values["closes"]);
    if let Some(p) = &previous {
        after.push_str(&format!(" / succeeds {} ({})", p.name, p.id));
    }
    staff.audit(&state, "campaign.create", &id, &name, "", &after).await;
    Redirect::to(&format!("/admin/campaigns/{id}")).into_response()
}

#[derive(Deserialize)]
pub struct By {
    by: Option<String>,
}

#[derive(Serialize, Default)]
struct Tally {
    label: String,
    total: usize,
    not_opened: usize,
    in_progress: usize,
    submitted: usize,
    rate: String,
}

impl Tally {
    fn add(&mut self, p: Progress) {
        self.total += 1;
        match p {
            Progress::NotOpened => self.not_opened += 1,
            Progress::InProgress => self.in_progress += 1,
            Progress::Submitted => self.submitted += 1,
        }
    }

    fn finish(mut self) -> Self {
        self.rate = if self.total == 0 {
            "—".into()
        } else {
            format!("{:.1}%", 100.0 * self.submitted as f64 / self.total as f64)
        };
        self
    }
}

#[derive(Serialize)]
struct ParticipantView {
    id: String,
    company: String,
    license: String,
    email: String,
    language: String,
    progress: &'static str,
    submitted: bool,
    updated: String,
    mail: String,
    review: String,
    source: &'static str,
}

fn progress_label(p: Progress) -> &'static str {
    match p {
        Progress::NotOpened => "未開封",
        Progress::InProgress => "回答中",
        Progress::Submitted => "提出済",
    }
}

pub fn mail_label(kind: &str, status: &str) -> String {
    let kind = crate::mailer::KINDS.iter().find(|(k, _)| *k == kind).map_or(kind, |(_, l)| l);
    let status = match status {
        "queued" => "送信待ち",
        "sending" => "送信中",
        "sent" => "送信済",
        "failed" => "送信失敗",
        other => other,
    };
    format!("{kind}：{status}")
}

pub async fn overview(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    Query(by): Query<By>,
) -> Response {
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let q = match questionnaire(&state, &campaign).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    let form = q.form;
    let rows = match state.store.participants_of(&id).await {
        Ok(r) => r,
        Err(e) => return unavailable(e),
    };
    let ja = crate::form_language(form, "ja");
    let label_of = |question: &str, value: &str| -> String {
        form.question(question)
            .and_then(|q| q.choices.iter().find(|c| c.name == value))
            .and_then(|c| form.text(&c.label, &ja))
            .unwrap_or(value)
            .to_string()
    };
    // Monitoring: by the participants' licence class, or by the answers to any select_one.
    let segment_questions: Vec<(String, String)> = form
        .questions
        .iter()
        .filter(|q| q.kind == mamori_form::QuestionType::SelectOne)
        .map(|q| (q.name.clone(), form.text(&q.label, &ja).unwrap_or(&q.name).chars().take(40).collect()))
        .collect();
    let by_question = by.by.filter(|b| segment_questions.iter().any(|(n, _)| n == b));
    // Segments in the order of the question's choices; answers outside them, then the
    // participants without an answer, last.
    let mut tallies: BTreeMap<(usize, String), Tally> = BTreeMap::new();
    let position = |question: &str, value: &str| {
        form.question(question).and_then(|q| q.choices.iter().position(|c| c.name == value)).unwrap_or(usize::MAX - 1)
    };
    let mut overall = Tally { label: "全体".into(), ..Tally::default() };
    let answers: BTreeMap<String, BTreeMap<String, String>> = match &by_question {
        Some(_) => match state.store.responses_of(&id).await {
            Ok(r) => r.into_iter().map(|(pid, r)| (pid, r.answers)).collect(),
            Err(e) => return unavailable(e),
        },
        None => BTreeMap::new(),
    };
    for row in &rows {
        overall.add(row.progress);
        let segment = &campaign.settings.segment;
        let license = &row.participant.license;
        let (key, label) = match &by_question {
            None => ((position(segment, license), license.clone()), label_of(segment, license)),
            Some(question) => match answers.get(&row.participant.id).and_then(|a| a.get(question)) {
                Some(v) => ((position(question, v), v.clone()), label_of(question, v)),
                None => ((usize::MAX, String::new()), "（未回答）".into()),
            },
        };
        tallies.entry(key).or_insert_with(|| Tally { label, ..Tally::default() }).add(row.progress);
    }
    let tallies: Vec<Tally> = tallies.into_values().map(Tally::finish).collect();
    let can_see_participants = matches!(staff.user.role, Role::Admin | Role::Reviewer);
    let participants: Vec<ParticipantView> = if can_see_participants {
        rows.iter()
            .filter(|r| staff.user.role == Role::Admin || r.progress == Progress::Submitted)
            .map(|r| ParticipantView {
                id: r.participant.id.clone(),
                company: r.participant.company.clone(),
                license: label_of(&campaign.settings.segment, &r.participant.license),
                email: r.participant.email.clone(),
                language: r.participant.language.clone(),
                progress: progress_label(r.progress),
                submitted: r.progress == Progress::Submitted,
                updated: datetime(r.updated_at),
                mail: r.last_mail.as_ref().map(|(k, s)| mail_label(k, s)).unwrap_or_else(|| "—".into()),
                review: match r.participant.review_status.as_str() {
                    "valid" => "有効".into(),
                    "invalid" => format!("無効（{}）", r.participant.review_reason),
                    _ => "未確認".into(),
                },
                source: if r.participant.source == "registration" { "自己登録" } else { "事務局" },
            })
            .collect()
    } else {
        Vec::new()
    };
    let mails: Vec<String> = match state.store.mail_counts(&id).await {
        Ok(m) => m.iter().map(|(k, s, n)| format!("{} {n}通", mail_label(k, s))).collect(),
        Err(e) => return unavailable(e),
    };
    // The wave before, and the organisations that answered both.
    let previous = match &campaign.previous_id {
        Some(pid) => match state.store.campaign(pid).await {
            Ok(p) => p,
            Err(e) => return unavailable(e),
        },
        None => None,
    };
    let panel = match state.store.panel(&id).await {
        Ok(p) => p,
        Err(e) => return unavailable(e),
    };
    let count = |f: fn(&mamori_store::PanelMember) -> bool| panel.iter().filter(|m| f(m)).count();
    let panel_view = previous.as_ref().map(|p| {
        context! {
            id => p.id, name => p.name,
            both => count(|m| m.answered_previous && m.answered_current),
            previous_only => count(|m| m.answered_previous && !m.answered_current),
            current_only => count(|m| !m.answered_previous && m.answered_current),
            members => panel.iter().filter(|m| m.answered_previous || m.answered_current).map(|m| context! {
                company => m.company, previous => m.answered_previous, current => m.answered_current,
                in_current => m.in_current,
            }).collect::<Vec<_>>(),
        }
    });
    let registration_url = campaign
        .registration_code
        .as_ref()
        .map(|code| format!("{}/join/{code}", state.config.public_url.trim_end_matches('/')));
    let ctx = context! {
        title => campaign.name, campaign => context! {
            id => campaign.id, name => campaign.name, form_file_name => campaign.form_file_name,
            form_version => campaign.form_version, opens => crate::i18n::date(Some(campaign.opens_at)),
            closes => crate::i18n::date(Some(campaign.closes_at)), state => state_of(&campaign),
            opened => campaign.has_opened(mamori_store::now()), feedback_released => campaign.settings.feedback_released,
            form_id => form.form_id, form_title => form.title,
        },
        overall => overall.finish(), tallies, by => by_question, segment_questions, participants,
        mails, mail => state.config.smtp.is_some(), registration_url, previous => panel_view,
        licences => crate::register::segment_choices(&state, &campaign, "ja").await.unwrap_or_default(),
        has_documents => form.questions.iter().any(|q| q.kind == mamori_form::QuestionType::File),
    };
    staff.page(&state, "admin/campaign.html", ctx, StatusCode::OK)
}

#[derive(Serialize)]
struct TemplateView {
    key: String,
    label: String,
    subject: String,
    body: String,
}

fn template_views(campaign: &Campaign) -> Vec<TemplateView> {
    let mut out = Vec::new();
    for (kind, kind_label) in crate::mailer::KINDS {
        for language in &campaign.settings.languages {
            let t = crate::mailer::template(campaign, kind, language);
            out.push(TemplateView {
                key: format!("{kind}.{language}"),
                label: format!("{kind_label}（{}）", if language == "en" { "英語" } else { "日本語" }),
                subject: t.subject,
                body: t.body,
            });
        }
    }
    out
}

fn settings_view(campaign: &Campaign, errors: &[String], form_errors: &[String]) -> minijinja::Value {
    context! {
        title => format!("{} の設定", campaign.name),
        campaign => context! {
            id => campaign.id, name => campaign.name, form_file_name => campaign.form_file_name,
            form_version => campaign.form_version,
            opens => crate::i18n::date(Some(campaign.opens_at)), closes => crate::i18n::date(Some(campaign.closes_at)),
            opened => campaign.has_opened(mamori_store::now()),
            registration => campaign.registration_code.is_some(),
        },
        s => campaign.settings, templates => template_views(campaign), errors, form_errors,
        upload_kinds => crate::documents::KINDS.iter().map(|k| context! {
            extension => k.extension, label => k.label,
            allowed => campaign.settings.upload_types.iter().any(|t| t == k.extension),
        }).collect::<Vec<_>>(),
        max_upload_mb => mamori_store::MAX_UPLOAD_MB,
    }
}

pub async fn settings_page(State(state): State<Shared>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    staff.page(&state, "admin/settings.html", settings_view(&campaign, &[], &[]), StatusCode::OK)
}

pub async fn save_settings(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = admin_post(&state, &staff, &fields) {
        return r;
    }
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim());
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let q = match questionnaire(&state, &campaign).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    let mut errors = Vec::new();
    let name = get("name");
    if name.is_empty() {
        errors.push("調査名を入力してください。".to_string());
    }
    let opens = parse_day(get("opens"), false);
    let closes = parse_day(get("closes"), true);
    if opens.is_none() || closes.is_none() {
        errors.push("開始日と締切日を YYYY-MM-DD の形で入力してください。".into());
    }
    let opens = if campaign.has_opened(mamori_store::now()) { campaign.opens_at } else { opens.unwrap_or(0) };
    if closes.is_some_and(|c| c <= opens) {
        errors.push("締切日は開始日より後にしてください。".into());
    }
    let mut settings = campaign.settings.clone();
    let languages: Vec<String> =
        fields.iter().filter(|(k, v)| k == "languages" && (v == "ja" || v == "en")).map(|(_, v)| v.clone()).collect();
    if languages.is_empty() {
        errors.push("回答の言語を一つ以上選んでください。".into());
    }
    settings.languages = languages;
    settings.feedback_released = get("feedback_released") == "on";
    settings.show_previous_answers = get("show_previous_answers") == "on";
    let segment = get("segment");
    match q.form.question(segment) {
        Some(question) if question.kind == mamori_form::QuestionType::SelectOne => settings.segment = segment.into(),
        _ => errors.push(format!("区分に使う設問 '{segment}' は、この調査票の select_one の設問ではありません。")),
    }
    match get("min_peers").parse::<u64>() {
        Ok(k) if k >= mamori_analysis::MIN_THRESHOLD => settings.min_peers = k,
        _ => errors.push(
            "比較に必要な最少回答数は 3 以上の整数にしてください（1〜2 では一社の回答が分かってしまいます）。".into(),
        ),
    }
    match get("upload_max_mb").parse::<u64>() {
        Ok(mb) if (1..=mamori_store::MAX_UPLOAD_MB).contains(&mb) => settings.upload_max_mb = mb,
        _ => errors
            .push(format!("ファイルの大きさの上限は 1〜{} の整数（MB）にしてください。", mamori_store::MAX_UPLOAD_MB)),
    }
    let kinds: Vec<String> = crate::documents::KINDS
        .iter()
        .filter(|k| fields.iter().any(|(f, v)| f == "upload_types" && v == k.extension))
        .map(|k| k.extension.to_string())
        .collect();
    if kinds.is_empty() {
        errors.push("添付を受け付けるファイルの形式を一つ以上選んでください。".into());
    }
    settings.upload_types = kinds;
    let from = get("mail_from");
    if crate::register::plausible_email(from) {
        settings.mail_from = from.into();
    } else {
        errors.push(format!("差出人 '{from}' はメールアドレスの形式ではありません。"));
    }
    for (kind, _) in crate::mailer::KINDS {
        for language in ["ja", "en"] {
            let key = format!("{kind}.{language}");
            let subject = get(&format!("subject.{key}"));
            let body = get(&format!("body.{key}")).replace("\r\n", "\n");
            if subject.is_empty() && body.is_empty() {
                continue;
            }
            if !body.contains("{link}") {
                errors.push(format!("メール文面（{key}）には回答用リンクの差し込み {{link}} が必要です。"));
            }
            let template = MailTemplate { subject: subject.into(), body };
            if template == crate::mailer::default_template(kind, language) {
                settings.templates.remove(&key);
            } else {
                settings.templates.insert(key, template);
            }
        }
    }
    if !errors.is_empty() {
        let mut shown = campaign.clone();
        shown.settings = settings;
        shown.name = name.into();
        return staff.page(
            &state,
            "admin/settings.html",
            settings_view(&shown, &errors, &[]),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let closes = closes.unwrap_or(campaign.closes_at);
    if let Err(e) = state.store.update_campaign(&id, name, opens, closes, &settings).await {
        return unavailable(e);
    }
    let describe = |name: &str, o: i64, c: i64, s: &CampaignSettings| {
        format!(
            "{name} / {}–{} / {}",
            crate::i18n::date(Some(o)),
            crate::i18n::date(Some(c)),
            serde_json::to_string(s).unwrap_or_default()
        )
    };
    let before = describe(&campaign.name, campaign.opens_at, campaign.closes_at, &campaign.settings);
    let after = describe(name, opens, closes, &settings);
    if before != after {
        staff.audit(&state, "campaign.settings", &id, &campaign.name, &before, &after).await;
    }
    Redirect::to(&format!("/admin/campaigns/{id}")).into_response()
}

pub async fn replace_form(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let upload = match admin_upload(&state, &staff, multipart).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let frozen = vec![
        "この調査は開始済みのため、調査票は変更できません（回答の途中で設問が変わらないように固定されています）。"
            .to_string(),
    ];
    if campaign.has_opened(mamori_store::now()) {
        return staff.page(&state, "admin/settings.html", settings_view(&campaign, &[], &frozen), StatusCode::CONFLICT);
    }
    let (file_name, bytes, form) = match check_form(upload.file.as_ref()) {
        Ok(f) => f,
        Err(errors) => {
            return staff.page(
                &state,
                "admin/settings.html",
                settings_view(&campaign, &[], &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    // A campaign that succeeds another keeps a questionnaire that maps onto the previous one.
    if let Some(previous_id) = &campaign.previous_id {
        let previous = match state.store.campaign(previous_id).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                return unavailable(mamori_store::StoreError(format!(
                    "campaign {id}: its previous campaign {previous_id} is gone"
                )));
            }
            Err(e) => return unavailable(e),
        };
        let old = match questionnaire(&state, &previous).await {
            Ok(q) => q,
            Err(r) => return r,
        };
        let d = mamori_form::diff::diff(old.form, &form, &file_name);
        if !d.errors.is_empty() {
            let errors: Vec<String> =
                d.errors.iter().map(|e| format!("前回（{}）との対応づけ：{e}", previous.name)).collect();
            return staff.page(
                &state,
                "admin/settings.html",
                settings_view(&campaign, &[], &errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    }
    match state.store.replace_form(&id, &file_name, &bytes, &form.version).await {
        Ok(true) => {}
        Ok(false) => {
            return staff.page(
                &state,
                "admin/settings.html",
                settings_view(&campaign, &[], &frozen),
                StatusCode::CONFLICT,
            );
        }
        Err(e) => return unavailable(e),
    }
    let before = format!("{} version {}", campaign.form_file_name, campaign.form_version);
    let after = format!("{file_name} version {}", form.version);
    staff.audit(&state, "campaign.form", &id, &campaign.name, &before, &after).await;
    Redirect::to(&format!("/admin/campaigns/{id}/settings")).into_response()
}

#[derive(Deserialize)]
pub struct Switch {
    _csrf: String,
    on: Option<String>,
}

pub async fn registration(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<Switch>,
) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    if let Err(r) = staff.check_csrf(&state, Some(&f._csrf)) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let on = f.on.as_deref() == Some("1");
    if let Err(e) = state.store.set_registration(&id, on).await {
        return unavailable(e);
    }
    let before = if campaign.registration_code.is_some() { "on" } else { "off" };
    staff
        .audit(&state, "campaign.registration", &id, &campaign.name, before, if on { "on (new link)" } else { "off" })
        .await;
    Redirect::to(&format!("/admin/campaigns/{id}")).into_response()
}
