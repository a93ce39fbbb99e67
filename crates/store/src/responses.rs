//! Responses: one per participant, a draft until submitted.

use crate::{Result, Store, StoreError, now};
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredResponse {
    pub answers: BTreeMap<String, String>,
    /// `draft` or `submitted`.
    pub status: String,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
}

pub(crate) fn response_from(r: &sqlx::any::AnyRow) -> Result<StoredResponse> {
    let answers: String = r.try_get("answers")?;
    Ok(StoredResponse {
        answers: serde_json::from_str(&answers).map_err(|e| StoreError(format!("stored answers are damaged: {e}")))?,
        status: r.try_get("status")?,
        updated_at: r.try_get("updated_at")?,
        submitted_at: r.try_get("submitted_at")?,
    })
}

impl Store {
    pub async fn response(&self, participant_id: &str) -> Result<Option<StoredResponse>> {
        let row =
            sqlx::query("SELECT answers, status, updated_at, submitted_at FROM responses WHERE participant_id = $1")
                .bind(participant_id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(response_from).transpose()
    }

    /// The submitted responses of a campaign that the review has not marked invalid, with their
    /// participant ids, oldest submission first.
    pub async fn valid_responses(&self, campaign_id: &str) -> Result<Vec<(String, StoredResponse)>> {
        let rows = sqlx::query(
            "SELECT p.id AS id, r.answers, r.status, r.updated_at, r.submitted_at FROM responses r \
             JOIN participants p ON p.id = r.participant_id \
             WHERE p.campaign_id = $1 AND r.status = 'submitted' AND p.review_status <> 'invalid' \
             ORDER BY r.submitted_at, p.id",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, response_from(r)?))).collect()
    }

    /// Every response of a campaign, drafts too, with their participant ids.
    pub async fn responses_of(&self, campaign_id: &str) -> Result<Vec<(String, StoredResponse)>> {
        let rows = sqlx::query(
            "SELECT p.id AS id, r.answers, r.status, r.updated_at, r.submitted_at FROM responses r \
             JOIN participants p ON p.id = r.participant_id WHERE p.campaign_id = $1 ORDER BY p.company, p.id",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, response_from(r)?))).collect()
    }

    /// Saves a participant's answers as a draft (or, with `submit`, as its submission), in one
    /// statement: a crash leaves either the old or the new answers, never a mixture. Returns
    /// once the save is committed. On SQLite, saves go through the store's one writer, which
    /// commits the saves that arrived together in one transaction (see `writer.rs`).
    pub async fn save_answers(
        &self,
        participant_id: &str,
        answers: &BTreeMap<String, String>,
        submit: bool,
    ) -> Result<()> {
        let save = Save {
            participant_id: participant_id.to_string(),
            json: serde_json::to_string(answers).map_err(|e| StoreError(e.to_string()))?,
            submit,
            at: now(),
        };
        match &self.writer {
            Some(writer) => writer.save(save).await,
            None => {
                let mut conn = self.pool.acquire().await?;
                save.execute(&mut conn).await
            }
        }
    }
}

/// One save of a participant's answers.
pub(crate) struct Save {
    pub participant_id: String,
    pub json: String,
    pub submit: bool,
    pub at: i64,
}

impl Save {
    pub async fn execute(&self, conn: &mut sqlx::AnyConnection) -> Result<()> {
        let status = if self.submit { "submitted" } else { "draft" };
        sqlx::query(
            "INSERT INTO responses (participant_id, answers, status, updated_at, submitted_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (participant_id) DO UPDATE SET answers = excluded.answers, updated_at = excluded.updated_at, \
             status = CASE WHEN responses.status = 'submitted' THEN 'submitted' ELSE excluded.status END, \
             submitted_at = COALESCE(excluded.submitted_at, responses.submitted_at)",
        )
        .bind(&self.participant_id)
        .bind(&self.json)
        .bind(status)
        .bind(self.at)
        .bind(self.submit.then_some(self.at))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
