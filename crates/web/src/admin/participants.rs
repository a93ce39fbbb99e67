//! Participants: adding one, importing a list (all or nothing), editing, and sending the
//! request letter and reminders.

use super::import::{self, Licences};
use super::{admin_post, admin_upload, campaign};
use crate::auth::Staff;
use crate::{AppState, Shared, questionnaire, unavailable};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::{Campaign, NewParticipant, Participant, Progress};
use minijinja::context;
use serde::Deserialize;

/// What a participant row is checked against: the licence classes of the questionnaire, and
/// the addresses and 法人番号 already in the campaign (but `except`'s own).
async fn licences_and_emails(
    state: &AppState,
    campaign: &Campaign,
    except: Option<&str>,
) -> Result<(Licences, import::Existing), Response> {
    let q = questionnaire(state, campaign).await?;
    let licences = Licences::from_question(q.form.question(&campaign.settings.segment));
    let rows = state.store.participants_of(&campaign.id).await.map_err(unavailable)?;
    let others: Vec<Participant> =
        rows.into_iter().map(|r| r.participant).filter(|p| Some(p.id.as_str()) != except).collect();
    let existing = import::Existing {
        emails: others.iter().map(|p| p.email.clone()).collect(),
        corporate_numbers: others.iter().map(|p| p.corporate_number.clone()).filter(|n| !n.is_empty()).collect(),
    };
    Ok((licences, existing))
}

/// Checks one participant typed into a form, as one row of a list.
fn check_one(
    fields: &[(String, String)],
    licences: &Licences,
    existing: &import::Existing,
) -> Result<NewParticipant, Vec<String>> {
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["company", "license", "email", "language", "corporate_number"]);
    let _ = w.write_record([get("company"), get("license"), get("email"), get("language"), get("corporate_number")]);
    let bytes = w.into_inner().unwrap_or_default();
    import::read("form.csv", &bytes, licences, existing)
        .map(|mut v| v.remove(0))
        .map_err(|errors| errors.into_iter().map(|e| e.replacen("form.csv:2:", "", 1)).collect())
}

/// A participant's details for the audit log (the 法人番号 only when there is one).
fn described(p: &NewParticipant) -> String {
    let mut text = format!("{} / {} / {} / {}", p.company, p.license, p.email, p.language);
    if !p.corporate_number.is_empty() {
        text.push_str(&format!(" / 法人番号 {}", p.corporate_number));
    }
    text
}

fn back_with(state: &AppState, staff: &Staff, campaign: &Campaign, heading: &str, errors: Vec<String>) -> Response {
    let ctx = context! {
        title => heading, heading, errors, back => format!("/admin/campaigns/{}", campaign.id),
    };
    staff.page(state, "admin/message.html", ctx, StatusCode::UNPROCESSABLE_ENTITY)
}

pub async fn add(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = admin_post(&state, &staff, &fields) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (licences, existing) = match licences_and_emails(&state, &campaign, None).await {
        Ok(pair) => pair,
        Err(r) => return r,
    };
    let new = match check_one(&fields, &licences, &existing) {
        Ok(p) => p,
        Err(errors) => return back_with(&state, &staff, &campaign, "参加者を追加できませんでした", errors),
    };
    let ids = match state.store.add_participants(&id, std::slice::from_ref(&new), "office").await {
        Ok(ids) => ids,
        Err(e) => return unavailable(e),
    };
    let after = described(&new);
    staff.audit(&state, "participant.add", &id, &ids[0], "", &after).await;
    Redirect::to(&format!("/admin/campaigns/{id}#participants")).into_response()
}

pub async fn import(
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
    let Some((file_name, bytes)) = &upload.file else {
        return back_with(&state, &staff, &campaign, "取り込めませんでした", vec!["ファイルを選んでください。".into()]);
    };
    let (licences, existing) = match licences_and_emails(&state, &campaign, None).await {
        Ok(pair) => pair,
        Err(r) => return r,
    };
    let list = match import::read(file_name, bytes, &licences, &existing) {
        Ok(list) => list,
        Err(errors) => {
            let mut errors = errors;
            errors.insert(
                0,
                "ファイルに問題があるため、一件も取り込んでいません。直してからもう一度取り込んでください。".into(),
            );
            return back_with(&state, &staff, &campaign, "参加者名簿を取り込めませんでした", errors);
        }
    };
    if let Err(e) = state.store.add_participants(&id, &list, "office").await {
        return unavailable(e);
    }
    let after = format!("{file_name}: {} participants", list.len());
    staff.audit(&state, "participant.import", &id, file_name, "", &after).await;
    Redirect::to(&format!("/admin/campaigns/{id}#participants")).into_response()
}

async fn participant_of(state: &AppState, staff: &Staff, campaign: &str, pid: &str) -> Result<Participant, Response> {
    match state.store.participant(pid).await {
        Ok(Some(p)) if p.campaign_id == campaign => Ok(p),
        Ok(_) => Err(staff.message(state, StatusCode::NOT_FOUND, "見つかりません", "その参加者はこの調査にいません。")),
        Err(e) => Err(unavailable(e)),
    }
}

pub async fn show(State(state): State<Shared>, staff: Staff, Path((id, pid)): Path<(String, String)>) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let p = match participant_of(&state, &staff, &id, &pid).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mails: Vec<_> = match state.store.mails_of(&pid).await {
        Ok(m) => m
            .into_iter()
            .map(|(kind, status, error, at)| {
                context! { what => super::campaigns::mail_label(&kind, &status), error, at => crate::i18n::datetime(Some(at)) }
            })
            .collect(),
        Err(e) => return unavailable(e),
    };
    let link = format!("{}/r/{}", state.config.public_url.trim_end_matches('/'), state.store.link_token(&p.id));
    let licences = crate::register::segment_choices(&state, &campaign, "ja").await.unwrap_or_default();
    let ctx = context! {
        title => p.company, campaign => context! { id => campaign.id, name => campaign.name },
        p => context! {
            id => p.id, company => p.company, license => p.license, email => p.email, language => p.language,
            corporate_number => p.corporate_number, org_id => p.org_id,
        },
        mails, link, licences,
    };
    staff.page(&state, "admin/participant.html", ctx, StatusCode::OK)
}

pub async fn edit(
    State(state): State<Shared>,
    staff: Staff,
    Path((id, pid)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = admin_post(&state, &staff, &fields) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let p = match participant_of(&state, &staff, &id, &pid).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (licences, existing) = match licences_and_emails(&state, &campaign, Some(&pid)).await {
        Ok(pair) => pair,
        Err(r) => return r,
    };
    let new = match check_one(&fields, &licences, &existing) {
        Ok(p) => p,
        Err(errors) => return back_with(&state, &staff, &campaign, "参加者を変更できませんでした", errors),
    };
    if let Err(e) = state.store.update_participant(&pid, &new).await {
        return unavailable(e);
    }
    let before = described(&NewParticipant {
        company: p.company.clone(),
        license: p.license.clone(),
        email: p.email.clone(),
        language: p.language.clone(),
        corporate_number: p.corporate_number.clone(),
    });
    let after = described(&new);
    if before != after {
        staff.audit(&state, "participant.edit", &id, &pid, &before, &after).await;
    }
    Redirect::to(&format!("/admin/campaigns/{id}/participants/{pid}")).into_response()
}

#[derive(Deserialize)]
pub struct Token {
    _csrf: String,
}

/// Queues `kind` to every participant `select` picks; returns how many.
async fn send_to(
    state: &AppState,
    staff: &Staff,
    campaign: &Campaign,
    kind: &str,
    select: impl Fn(&mamori_store::ParticipantRow) -> bool,
) -> Result<usize, Response> {
    let rows = state.store.participants_of(&campaign.id).await.map_err(unavailable)?;
    let mut n = 0;
    for row in rows.iter().filter(|r| select(r)) {
        crate::mailer::queue(state, campaign, &row.participant, kind).await.map_err(unavailable)?;
        n += 1;
    }
    staff.audit(state, &format!("mail.{kind}"), &campaign.id, &campaign.name, "", &format!("{n} mails queued")).await;
    Ok(n)
}

async fn mail_action(state: Shared, staff: Staff, id: String, token: Token, kind: &'static str) -> Response {
    if let Err(r) = staff.allow(&state, &[]) {
        return r;
    }
    if let Err(r) = staff.check_csrf(&state, Some(&token._csrf)) {
        return r;
    }
    let campaign = match campaign(&state, &staff, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if campaign.is_closed(mamori_store::now()) {
        return back_with(&state, &staff, &campaign, "送信できません", vec!["この調査は締め切られています。".into()]);
    }
    let sent = match kind {
        // The request letter goes to everyone the office added who has had none yet.
        "invite" => {
            send_to(&state, &staff, &campaign, kind, |r| r.last_mail.is_none() && r.participant.source == "office")
                .await
        }
        // Reminders go to everyone who has not submitted.
        _ => send_to(&state, &staff, &campaign, kind, |r| r.progress != Progress::Submitted).await,
    };
    match sent {
        Ok(_) => Redirect::to(&format!("/admin/campaigns/{id}#mail")).into_response(),
        Err(r) => r,
    }
}

pub async fn invite(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    axum::Form(t): axum::Form<Token>,
) -> Response {
    mail_action(state, staff, id, t, "invite").await
}

pub async fn remind(
    State(state): State<Shared>,
    staff: Staff,
    Path(id): Path<String>,
    axum::Form(t): axum::Form<Token>,
) -> Response {
    mail_action(state, staff, id, t, "remind").await
}
