//! Responses: one per participant. Each row holds two sets of answers:
//!
//! - `answers`, the respondent's working copy: what the pages show and what every save
//!   changes, checked or not (a draft may be half done);
//! - `submitted_answers`, the last submission as it was checked: the only answers the office,
//!   the results and every feedback page ever read. A correction after submission is a change
//!   to the working copy and reaches `submitted_answers` only when the whole response passes
//!   the checks again.
//!
//! Every save changes only the questions it names, merged into the row as it stands by the one
//! statement that writes it (a JSON merge patch in SQL, the row locked by the upsert), so two
//! tabs saving different pages never lose each other's answers. A
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

/// The columns a write returns (no table alias: `RETURNING` names the row written).
const RETURNED: &str = "answers, submitted_answers, status, updated_at, submitted_at, version";

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
        self.save_page_with_files(participant_id, changes, Vec::new(), false).await
    }

    /// [`Store::save_page`] for a page with `file` questions: each attachment is stored in the
    /// same transaction as the answers, and its question's answer set to the name it was
    /// stored under (see uploads.rs); documents no answer names any longer are forgotten.
    pub async fn save_page_with_files(
        &self,
        participant_id: &str,
        changes: Vec<(String, Option<String>)>,
        files: Vec<crate::uploads::Attachment>,
        has_file_questions: bool,
    ) -> Result<StoredResponse> {
        let change = Change::Page { changes, files, has_file_questions };
        let write = Write { participant_id: participant_id.to_string(), change, at: now() };
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
    /// A page's answers; its documents; whether the page asks for documents at all (only then
    /// can the save stop naming one, so only then are unnamed documents looked for).
    Page {
        changes: Vec<(String, Option<String>)>,
        files: Vec<crate::uploads::Attachment>,
        has_file_questions: bool,
    },
    Submit {
        version: i64,
        answers: AnswerMap,
    },
    Replace {
        answers: AnswerMap,
        submit: bool,
    },
}

impl Write {
    /// Applies the change in one statement inside the caller's transaction: the page's answers
    /// are merged into the row as the database holds it at that moment (a JSON merge patch:
    /// SQLite's `json_patch`, PostgreSQL's `jsonb ||` less the cleared keys), so no read of an
    /// older copy can overwrite another save; the row written comes back with `RETURNING`.
    /// `None`: a submission whose version is stale, nothing written.
    pub async fn execute(&self, conn: &mut sqlx::AnyConnection, postgres: bool) -> Result<Option<StoredResponse>> {
        let json = |m: &AnswerMap| serde_json::to_string(m).map_err(|e| StoreError(e.to_string()));
        let row = match &self.change {
            Change::Page { changes, files, .. } => {
                // Set keys to their values, cleared keys to null (which removes them).
                let mut patch: serde_json::Map<String, serde_json::Value> = changes
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone().map_or(serde_json::Value::Null, serde_json::Value::String)))
                    .collect();
                // A document's question is answered with the name it was stored under.
                for file in files {
                    let name = crate::uploads::store(&mut *conn, &self.participant_id, self.at, file).await?;
                    patch.insert(file.question.clone(), serde_json::Value::String(name));
                }
                let patch = serde_json::Value::Object(patch).to_string();
                let (fresh, merged) = if postgres {
                    (
                        "jsonb_strip_nulls($2::jsonb)::text",
                        "jsonb_strip_nulls(responses.answers::jsonb || $2::jsonb)::text",
                    )
                } else {
                    ("json_patch('{}', $2)", "json_patch(responses.answers, $2)")
                };
                sqlx::query(&format!(
                    "INSERT INTO responses (participant_id, answers, status, updated_at, version) VALUES ($1, {fresh}, 'draft', $3, 1) \
                     ON CONFLICT (participant_id) DO UPDATE SET answers = {merged}, updated_at = $3, \
                     version = responses.version + 1 RETURNING {RETURNED}"
                ))
                .bind(&self.participant_id)
                .bind(patch)
                .bind(self.at)
                .fetch_one(&mut *conn)
                .await?
            }
            Change::Submit { version, answers } => {
                let answers = json(answers)?;
                let updated = sqlx::query(&format!(
                    "UPDATE responses SET answers = $2, submitted_answers = $2, status = 'submitted', updated_at = $3, \
                     submitted_at = $3, version = version + 1 WHERE participant_id = $1 AND version = $4 RETURNING {RETURNED}"
                ))
                .bind(&self.participant_id)
                .bind(&answers)
                .bind(self.at)
                .bind(version)
                .fetch_optional(&mut *conn)
                .await?;
                let row = match updated {
                    Some(row) => Some(row),
                    // No row yet: a submission straight away (version 0), unless a save made
                    // the row meanwhile.
                    None if *version == 0 => {
                        sqlx::query(&format!(
                            "INSERT INTO responses (participant_id, answers, submitted_answers, status, updated_at, submitted_at, version) \
                             VALUES ($1, $2, $2, 'submitted', $3, $3, 1) ON CONFLICT (participant_id) DO NOTHING RETURNING {RETURNED}"
                        ))
                        .bind(&self.participant_id)
                        .bind(&answers)
                        .bind(self.at)
                        .fetch_optional(&mut *conn)
                        .await?
                    }
                    None => None,
                };
                match row {
                    Some(row) => row,
                    None => return Ok(None),
                }
            }
            Change::Replace { answers, submit } => {
                let answers = json(answers)?;
                sqlx::query(&format!(
                    "INSERT INTO responses (participant_id, answers, submitted_answers, status, updated_at, submitted_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (participant_id) DO UPDATE SET answers = excluded.answers, \
                     submitted_answers = COALESCE(excluded.submitted_answers, responses.submitted_answers), \
                     status = CASE WHEN excluded.status = 'submitted' THEN 'submitted' ELSE responses.status END, \
                     updated_at = excluded.updated_at, submitted_at = COALESCE(excluded.submitted_at, responses.submitted_at), \
                     version = responses.version + 1 RETURNING {RETURNED}"
                ))
                .bind(&self.participant_id)
                .bind(&answers)
                .bind(submit.then_some(answers.as_str()))
                .bind(if *submit { "submitted" } else { "draft" })
                .bind(self.at)
                .bind(submit.then_some(self.at))
                .fetch_one(&mut *conn)
                .await?
            }
        };
        let written = response_from(&row)?;
        let names_documents = match &self.change {
            Change::Page { files, has_file_questions, .. } => *has_file_questions || !files.is_empty(),
            Change::Submit { .. } | Change::Replace { .. } => true,
        };
        if names_documents {
            crate::uploads::forget_unnamed(&mut *conn, &self.participant_id, &written).await?;
        }
        Ok(Some(written))
    }
}
