//! Responses: one per participant. Each row holds two sets of answers:
//!
//! - `answers`, the respondent's working copy: what the pages show and what every save
//!   changes, checked or not (a draft may be half done);
//! - `submitted_answers`, the last submission as it was checked: the only answers the office,
//!   the results and every feedback page ever read. A correction after submission is a change
//!   to the working copy and reaches `submitted_answers` only when the whole response passes
//!   the checks again.
//!
//! Every save changes only the questions it names, on the row as it stands inside the write
//! transaction (read, merge, write, with the row locked on PostgreSQL and the one writer per
//! process on SQLite), so two tabs saving different pages never lose each other's answers. A
//! submission carries the `version` of the working copy it checked and is refused if a save
//! came in between, so it never overwrites answers it did not see.

use crate::{Result, Store, StoreError, now};
use sqlx::Row;
use std::collections::BTreeMap;

pub type AnswerMap = BTreeMap<String, String>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredResponse {
    /// The working copy (see the module's comment).
    pub answers: AnswerMap,
    /// The last submission as checked; `None` until the first.
    pub submitted: Option<AnswerMap>,
    /// `draft` (never submitted) or `submitted`.
    pub status: String,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    /// Counts the changes to the working copy; a submission names the version it checked.
    pub version: i64,
}

impl StoredResponse {
    /// True when the working copy holds changes that have not been submitted.
    pub fn has_pending_changes(&self) -> bool {
        self.submitted.as_ref().is_some_and(|s| *s != self.answers)
    }
}

fn parse(json: &str) -> Result<AnswerMap> {
    serde_json::from_str(json).map_err(|e| StoreError(format!("stored answers are damaged: {e}")))
}

pub(crate) fn response_from(r: &sqlx::any::AnyRow) -> Result<StoredResponse> {
    let answers: String = r.try_get("answers")?;
    let submitted: Option<String> = r.try_get("submitted_answers")?;
    Ok(StoredResponse {
        answers: parse(&answers)?,
        submitted: submitted.as_deref().map(parse).transpose()?,
        status: r.try_get("status")?,
        updated_at: r.try_get("updated_at")?,
        submitted_at: r.try_get("submitted_at")?,
        version: r.try_get("version")?,
    })
}

pub(crate) const RESPONSE_COLUMNS: &str =
    "r.answers, r.submitted_answers, r.status, r.updated_at, r.submitted_at, r.version";

/// What a submission came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    /// Stored: the response as it now stands.
    Stored(StoredResponse),
    /// A save changed the working copy after the submission read it (its version is no longer
    /// the one checked): nothing was stored; check again and resubmit.
    Changed,
}

impl Store {
    pub async fn response(&self, participant_id: &str) -> Result<Option<StoredResponse>> {
        let row = sqlx::query(&format!("SELECT {RESPONSE_COLUMNS} FROM responses r WHERE r.participant_id = $1"))
            .bind(participant_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(response_from).transpose()
    }

    /// The submitted answers of a campaign's responses that the review has not marked
    /// invalid, with their participant ids, oldest submission first.
    pub async fn valid_responses(&self, campaign_id: &str) -> Result<Vec<(String, AnswerMap)>> {
        let rows = sqlx::query(
            "SELECT p.id AS id, r.submitted_answers FROM responses r \
             JOIN participants p ON p.id = r.participant_id \
             WHERE p.campaign_id = $1 AND r.submitted_answers IS NOT NULL AND p.review_status <> 'invalid' \
             ORDER BY r.submitted_at, p.id",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let json: String = r.try_get("submitted_answers")?;
                Ok((r.try_get("id")?, parse(&json)?))
            })
            .collect()
    }

    /// Every response of a campaign, drafts too, with their participant ids.
    pub async fn responses_of(&self, campaign_id: &str) -> Result<Vec<(String, StoredResponse)>> {
        let rows = sqlx::query(&format!(
            "SELECT p.id AS id, {RESPONSE_COLUMNS} FROM responses r \
             JOIN participants p ON p.id = r.participant_id WHERE p.campaign_id = $1 ORDER BY p.company, p.id"
        ))
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, response_from(r)?))).collect()
    }

    /// Applies one page's answers to the working copy: each `(question, Some(value))` set,
    /// each `(question, None)` cleared, every other answer as it stands in the database at
    /// the moment of writing. Returns the response as written, once committed.
    pub async fn save_page(
        &self,
        participant_id: &str,
        changes: Vec<(String, Option<String>)>,
    ) -> Result<StoredResponse> {
        let write = Write { participant_id: participant_id.to_string(), change: Change::Page(changes), at: now() };
        self.write(write).await?.ok_or_else(|| StoreError("a page save is never stale".into()))
    }

    /// Stores `checked` as the participant's submission (and as its working copy) if the
    /// working copy is still at `version`, the one that was checked.
    pub async fn submit(&self, participant_id: &str, version: i64, checked: &AnswerMap) -> Result<Submission> {
        let write = Write {
            participant_id: participant_id.to_string(),
            change: Change::Submit { version, answers: checked.clone() },
            at: now(),
        };
        Ok(match self.write(write).await? {
            Some(r) => Submission::Stored(r),
            None => Submission::Changed,
        })
    }

    /// Replaces the whole working copy (and, with `submit`, the submission): for demo data,
    /// seeding and migrations, which hold answers already checked. Respondents' pages use
    /// [`Store::save_page`] and [`Store::submit`].
    pub async fn save_answers(&self, participant_id: &str, answers: &AnswerMap, submit: bool) -> Result<()> {
        let write = Write {
            participant_id: participant_id.to_string(),
            change: Change::Replace { answers: answers.clone(), submit },
            at: now(),
        };
        self.write(write).await.map(|_| ())
    }

    /// Runs a write through this process's writer (group commit); `None` when a submission
    /// found its version stale and wrote nothing.
    async fn write(&self, write: Write) -> Result<Option<StoredResponse>> {
        match &self.writer {
            Some(writer) => writer.write(write).await,
            None => {
                let written = crate::writer::transaction(&self.pool, !self.sqlite, &[&write]).await;
                self.health.record(written.is_ok());
                Ok(written?.pop().flatten())
            }
        }
    }
}

/// One write to a participant's response.
pub(crate) struct Write {
    pub participant_id: String,
    pub change: Change,
    pub at: i64,
}

pub(crate) enum Change {
    Page(Vec<(String, Option<String>)>),
    Submit { version: i64, answers: AnswerMap },
    Replace { answers: AnswerMap, submit: bool },
}

impl Write {
    /// Reads the row (locked on PostgreSQL: `lock`), applies the change, writes it back. Runs
    /// inside the caller's transaction. `None`: a submission whose version is stale, nothing
    /// written.
    pub async fn execute(&self, conn: &mut sqlx::AnyConnection, lock: bool) -> Result<Option<StoredResponse>> {
        // The row exists before it is locked, so that two first saves of one participant in
        // two processes queue on the same row instead of both inserting.
        sqlx::query(
            "INSERT INTO responses (participant_id, answers, status, updated_at, version) VALUES ($1, '{}', 'draft', $2, 0) \
             ON CONFLICT (participant_id) DO NOTHING",
        )
        .bind(&self.participant_id)
        .bind(self.at)
        .execute(&mut *conn)
        .await?;
        let lock = if lock { " FOR UPDATE" } else { "" };
        let row = sqlx::query(&format!("SELECT {RESPONSE_COLUMNS} FROM responses r WHERE r.participant_id = $1{lock}"))
            .bind(&self.participant_id)
            .fetch_one(&mut *conn)
            .await?;
        let mut r = response_from(&row)?;
        match &self.change {
            Change::Page(changes) => {
                for (name, value) in changes {
                    match value {
                        Some(v) => r.answers.insert(name.clone(), v.clone()),
                        None => r.answers.remove(name),
                    };
                }
            }
            Change::Submit { version, answers } => {
                if *version != r.version {
                    return Ok(None);
                }
                r.answers = answers.clone();
                r.submitted = Some(answers.clone());
                r.status = "submitted".into();
                r.submitted_at = Some(self.at);
            }
            Change::Replace { answers, submit } => {
                r.answers = answers.clone();
                if *submit {
                    r.submitted = Some(answers.clone());
                    r.status = "submitted".into();
                    r.submitted_at = Some(self.at);
                }
            }
        }
        r.version += 1;
        r.updated_at = self.at;
        let json = |m: &AnswerMap| serde_json::to_string(m).map_err(|e| StoreError(e.to_string()));
        sqlx::query(
            "UPDATE responses SET answers = $2, submitted_answers = $3, status = $4, updated_at = $5, \
             submitted_at = $6, version = $7 WHERE participant_id = $1",
        )
        .bind(&self.participant_id)
        .bind(json(&r.answers)?)
        .bind(r.submitted.as_ref().map(json).transpose()?)
        .bind(&r.status)
        .bind(r.updated_at)
        .bind(r.submitted_at)
        .bind(r.version)
        .execute(&mut *conn)
        .await?;
        Ok(Some(r))
    }
}
