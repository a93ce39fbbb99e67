//! The outbox: mail is written here first and sent by whichever server process claims it, so
//! a crash or a restart loses no invitation and none is sent twice by two processes.

use crate::{Result, Store, now, random_hex};
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Queued,
    Sent,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub id: String,
    pub campaign_id: String,
    pub participant_id: Option<String>,
    /// `invite`, `remind`, `receipt`, `registration`.
    pub kind: String,
    pub recipient: String,
    /// `ja` or `en`: the language of the personal link put in at sending time.
    pub language: String,
    pub subject: String,
    /// The text with `{link}` where the personal link goes: links are credentials and are never
    /// stored in the outbox.
    pub body: String,
    pub attempts: i64,
}

/// A mail to queue.
pub struct NewMail<'a> {
    pub campaign_id: &'a str,
    pub participant_id: Option<&'a str>,
    pub kind: &'a str,
    pub language: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Attempts before a mail is given up as failed.
pub const MAX_ATTEMPTS: i64 = 5;
/// A mail claimed this long ago by a process that never reported back (it crashed while
/// sending) is tried again. Longer than the sender's SMTP timeout (20 s); delivery is therefore
/// at least once, and a repeat carries the same Message-ID.
const STALE_CLAIM: i64 = 60;

impl Store {
    pub async fn enqueue_mail(&self, mail: &NewMail<'_>) -> Result<String> {
        let id = random_hex(8);
        sqlx::query("INSERT INTO mails (id, campaign_id, participant_id, kind, language, recipient, subject, body, status, error, attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', '', 0, $9)")
            .bind(&id)
            .bind(mail.campaign_id)
            .bind(mail.participant_id)
            .bind(mail.kind)
            .bind(mail.language)
            .bind(mail.recipient)
            .bind(mail.subject)
            .bind(mail.body)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// Claims the oldest mail waiting to be sent; `None` when there is none. The claim is one
    /// conditional update, so two processes never claim the same mail.
    pub async fn claim_mail(&self) -> Result<Option<Mail>> {
        let now = now();
        loop {
            let row = sqlx::query(
                "SELECT id FROM mails WHERE (status = 'queued' AND created_at <= $1) OR (status = 'sending' AND claimed_at < $2) \
                 ORDER BY created_at, id LIMIT 1",
            )
            .bind(now)
            .bind(now - STALE_CLAIM)
            .fetch_optional(&self.pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let id: String = row.try_get("id")?;
            let claimed = sqlx::query(
                "UPDATE mails SET status = 'sending', claimed_at = $1, attempts = attempts + 1 \
                 WHERE id = $2 AND (status = 'queued' OR (status = 'sending' AND claimed_at < $3))",
            )
            .bind(now)
            .bind(&id)
            .bind(now - STALE_CLAIM)
            .execute(&self.pool)
            .await?;
            if claimed.rows_affected() == 1 {
                let r = sqlx::query("SELECT id, campaign_id, participant_id, kind, language, recipient, subject, body, attempts FROM mails WHERE id = $1")
                    .bind(&id)
                    .fetch_one(&self.pool)
                    .await?;
                return Ok(Some(Mail {
                    id: r.try_get("id")?,
                    campaign_id: r.try_get("campaign_id")?,
                    participant_id: r.try_get("participant_id")?,
                    kind: r.try_get("kind")?,
                    language: r.try_get("language")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    attempts: r.try_get("attempts")?,
                }));
            }
            // Another process took it first: look again.
        }
    }

    /// Records how sending went: sent, or failed (queued again until the last attempt).
    pub async fn finish_mail(&self, mail: &Mail, outcome: std::result::Result<(), String>) -> Result<MailStatus> {
        let (status, error) = match outcome {
            Ok(()) => (MailStatus::Sent, String::new()),
            Err(e) if mail.attempts >= MAX_ATTEMPTS => (MailStatus::Failed, e),
            Err(e) => (MailStatus::Queued, e),
        };
        let text = match status {
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Queued => "queued",
        };
        // A failed attempt waits a little longer each time before the next (created_at is
        // also "not before").
        // Once sent or given up, the body is not needed to show the delivery status: dropped.
        sqlx::query("UPDATE mails SET status = $1, error = $2, sent_at = $3, created_at = CASE WHEN $1 = 'queued' THEN $4 ELSE created_at END, \
                     body = CASE WHEN $1 = 'queued' THEN body ELSE '' END WHERE id = $5")
            .bind(text)
            .bind(error)
            .bind((status == MailStatus::Sent).then(now))
            .bind(now() + 30 * mail.attempts)
            .bind(&mail.id)
            .execute(&self.pool)
            .await?;
        Ok(status)
    }

    /// How many mails of a campaign are in each status.
    pub async fn mail_counts(&self, campaign_id: &str) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, status, COUNT(*) AS n FROM mails WHERE campaign_id = $1 GROUP BY kind, status ORDER BY kind, status",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("status")?, r.try_get("n")?))).collect()
    }

    /// The mails sent to one participant, newest first: kind, status, error, when.
    pub async fn mails_of(&self, participant_id: &str) -> Result<Vec<(String, String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, status, error, created_at FROM mails WHERE participant_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(participant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("kind")?, r.try_get("status")?, r.try_get("error")?, r.try_get("created_at")?)))
            .collect()
    }
}
