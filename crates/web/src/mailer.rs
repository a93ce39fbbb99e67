//! Mail: the request letter (invitation), reminders, registration links and receipts. Mail is
//! composed from the campaign's templates (editable by the office; built-in Japanese and
//! English texts otherwise), queued in the database, and sent over SMTP by a task in each
//! server process that claims queued mail one at a time.

use crate::AppState;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use mamori_store::{Campaign, MailTemplate, Participant};
use std::sync::Arc;
use std::time::Duration;

/// The kinds of mail, with their names for the office.
pub const KINDS: &[(&str, &str)] =
    &[("invite", "依頼（招待）"), ("remind", "督促"), ("registration", "登録受付"), ("receipt", "受領通知")];

/// The built-in texts. Placeholders: {company}, {campaign}, {link}, {closes}.
pub fn default_template(kind: &str, language: &str) -> MailTemplate {
    let en = language == "en";
    let (subject, body) = match (kind, en) {
        ("invite", false) | ("registration", false) => (
            "【ご協力のお願い】{campaign}",
            "{company} ご担当者様\n\n\
             医療機器のサイバーセキュリティ対策の実態を把握し、今後の施策に役立てるため、\
             アンケートへのご協力をお願いいたします。\n\n\
             下記の貴社専用リンクから回答してください（{closes} まで）。\n{link}\n\n\
             回答はページを移るたびに保存され、途中で中断しても同じリンクから再開できます。\n\
             個々の企業の回答が公表されることはありません。\n\n\
             このリンクは貴社専用です。他の方に転送しないでください。\n\n調査事務局",
        ),
        ("invite", true) | ("registration", true) => (
            "Request for your cooperation: {campaign}",
            "Dear {company},\n\n\
             We kindly ask you to answer our questionnaire on the cybersecurity of medical devices.\n\n\
             Please answer through your company's personal link by {closes}:\n{link}\n\n\
             Your answers are saved on every page; you can stop and resume with the same link.\n\
             No individual company's answers will be published.\n\n\
             This link is for your company only; please do not forward it.\n\nThe survey office",
        ),
        ("remind", false) => (
            "【再送・ご回答のお願い】{campaign}",
            "{company} ご担当者様\n\n\
             先日お願いしたアンケートについて、まだ回答の送信を確認できておりません。\
             お忙しいところ恐縮ですが、{closes} までにご回答ください。\n{link}\n\n\
             行き違いでご回答済みの場合はご容赦ください。\n\n調査事務局",
        ),
        ("remind", true) => (
            "Reminder: {campaign}",
            "Dear {company},\n\n\
             We have not yet received your answers to our questionnaire. \
             Please answer by {closes}:\n{link}\n\n\
             If you have just submitted, please disregard this mail.\n\nThe survey office",
        ),
        (_, false) => (
            "【回答受領】{campaign}",
            "{company} ご担当者様\n\n\
             アンケートへのご回答を受け付けました。ご協力ありがとうございました。\n\
             {closes} までは、同じリンクから回答を確認・修正できます。\n{link}\n\n調査事務局",
        ),
        (_, true) => (
            "Answers received: {campaign}",
            "Dear {company},\n\n\
             Thank you: your answers were received. Until {closes} you can view and correct them \
             with the same link:\n{link}\n\nThe survey office",
        ),
    };
    MailTemplate { subject: subject.into(), body: body.into() }
}

/// The template in force for a campaign, a kind and a language.
pub fn template(campaign: &Campaign, kind: &str, language: &str) -> MailTemplate {
    campaign
        .settings
        .templates
        .get(&format!("{kind}.{language}"))
        .cloned()
        .unwrap_or_else(|| default_template(kind, language))
}

/// Fills every placeholder but `{link}`: the personal link is a credential and is never stored
/// in the outbox; the sender puts it in when it sends ([`with_link`]).
fn fill(text: &str, campaign: &Campaign, participant: &Participant, language: &str) -> String {
    let closes = crate::i18n::day(campaign.closes_at, language);
    // A `{link}` typed into a company name stays text.
    text.replace("{link}", LINK_MARK)
        .replace("{company}", &participant.company.replace("{link}", "{ link }"))
        .replace("{campaign}", &campaign.name.replace("{link}", "{ link }"))
        .replace("{closes}", &closes)
}

/// Where the personal link goes in a stored mail body.
const LINK_MARK: &str = "{link}";

/// A stored mail's text with the participant's personal link put in, at sending time.
fn with_link(state: &AppState, text: &str, mail: &mamori_store::Mail) -> String {
    match &mail.participant_id {
        Some(id) if text.contains(LINK_MARK) => {
            let language = if mail.language == "en" { "en" } else { "ja" };
            let link = format!(
                "{}/r/{}?lang={language}",
                state.config.public_url.trim_end_matches('/'),
                state.store.link_token(id)
            );
            text.replace(LINK_MARK, &link)
        }
        _ => text.to_string(),
    }
}

/// The participant's mail language: `en` or `ja`.
pub fn language_of(participant: &Participant) -> &'static str {
    if participant.language.starts_with("en") { "en" } else { "ja" }
}

/// Queues one mail of `kind` to a participant, with its personal link.
pub async fn queue(
    state: &AppState,
    campaign: &Campaign,
    participant: &Participant,
    kind: &str,
) -> Result<(), mamori_store::StoreError> {
    let language = language_of(participant);
    let t = template(campaign, kind, language);
    let subject = fill(&t.subject, campaign, participant, language);
    let body = fill(&t.body, campaign, participant, language);
    let mail = mamori_store::NewMail {
        campaign_id: &campaign.id,
        participant_id: Some(&participant.id),
        kind,
        language,
        recipient: &participant.email,
        subject: &subject,
        body: &body,
    };
    state.store.enqueue_mail(&mail).await?;
    state.mail_waiting.notify_one();
    Ok(())
}

/// Starts this process's sender for the SMTP server at `url`.
pub fn start(state: Arc<AppState>, url: &str) -> Result<(), String> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| format!("--smtp: {e}"))?
        .timeout(Some(Duration::from_secs(20)))
        .build();
    tokio::spawn(async move {
        loop {
            match state.store.claim_mail().await {
                Ok(Some(mail)) => {
                    let outcome = send(&state, &transport, &mail).await;
                    if let Err(e) = &outcome {
                        tracing::warn!("mail {} to participant {:?}: {e}", mail.id, mail.participant_id);
                    }
                    if let Err(e) = state.store.finish_mail(&mail, outcome).await {
                        tracing::warn!("mail {}: {e}", mail.id);
                    }
                }
                Ok(None) => {
                    let _ = tokio::time::timeout(Duration::from_secs(2), state.mail_waiting.notified()).await;
                }
                Err(e) => {
                    tracing::warn!("mail queue: {e}");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    });
    Ok(())
}

async fn send(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    mail: &mamori_store::Mail,
) -> Result<(), String> {
    let from = match state.store.campaign(&mail.campaign_id).await {
        Ok(Some(c)) => c.settings.mail_from,
        Ok(None) => return Err("the campaign is gone".into()),
        Err(e) => return Err(e.to_string()),
    };
    // One Message-ID per outbox row: if a crash makes the mail go out twice (delivery is at
    // least once), receivers and mail clients can drop the duplicate.
    let host = state.config.public_url.split("://").nth(1).and_then(|r| r.split(['/', ':']).next()).unwrap_or("");
    let host = if host.is_empty() { "mamori.invalid" } else { host };
    let message = Message::builder()
        .message_id(Some(format!("<{}@{host}>", mail.id)))
        .from(from.parse().map_err(|e| format!("sender {from}: {e}"))?)
        .to(mail.recipient.parse().map_err(|e| format!("recipient: {e}"))?)
        .subject(with_link(state, &mail.subject, mail))
        .header(ContentType::TEXT_PLAIN)
        .body(with_link(state, &mail.body, mail))
        .map_err(|e| e.to_string())?;
    transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
}
