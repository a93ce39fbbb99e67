//! Documents respondents attach to `file` questions. The answer to such a question is the
//! document's name; the document itself is a row of `uploads`, keyed by participant, question
//! and name. The bytes are written in the same transaction as the answer that names them
//! (responses.rs, `Change::Page`), so an answer never names a document that was not stored and
//! a document is never acknowledged without its answer.
//!
//! A response keeps at most the documents its two answer sets name: the working copy's and the
//! last submission's (the office reads the submission's while the respondent replaces its
//! draft's). Every write that can change which documents are named forgets the others in the
//! same transaction ([`forget_unnamed`]).
//!
//! Names are unique per question: a second document under a name already taken by different
//! bytes is stored as `name (2).ext`, so that a name in the submitted answers always means the
//! bytes that were submitted.

use crate::responses::StoredResponse;
use crate::{Result, Store, StoreError, base64_decode, base64_encode, sha256_hex};
use sqlx::Row;

/// A document to store with a page's answers, its digest and stored text worked out when it is
/// made — in the request's own task, not in the group-commit writer's transaction, where
/// hashing and encoding a 20 MB document would hold up every save of the batch.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub question: String,
    /// The name as the respondent's computer gave it, cleaned ([`clean_file_name`]).
    pub name: String,
    pub content_type: String,
    size: usize,
    sha256: String,
    /// The bytes as base64, as the table keeps them.
    content: String,
}

impl Attachment {
    pub fn new(question: &str, name: &str, content_type: &str, bytes: &[u8]) -> Attachment {
        Attachment {
            question: question.to_string(),
            name: name.to_string(),
            content_type: content_type.to_string(),
            size: bytes.len(),
            sha256: sha256_hex(bytes),
            content: base64_encode(bytes),
        }
    }
}

/// A stored document, without its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFile {
    pub question: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

/// The longest name kept, in characters (the extension kept whole).
const MAX_NAME: usize = 120;

/// A file name fit to be stored, shown and sent back in a `Content-Disposition` header: the last
/// part of whatever path the browser sent, without control characters or characters Windows
/// refuses in names, no leading dots (no hidden files), at most [`MAX_NAME`] characters with the
/// extension kept; `file` when nothing is left.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim_end_matches(['.', ' ']).to_string();
    let cleaned = if cleaned.is_empty() || cleaned.chars().all(|c| c == '_') { "file".to_string() } else { cleaned };
    if cleaned.chars().count() <= MAX_NAME {
        return cleaned;
    }
    let (stem, ext) = split_extension(&cleaned);
    let ext: String = ext.chars().take(16).collect();
    let stem: String = stem.chars().take(MAX_NAME - ext.chars().count()).collect();
    format!("{stem}{ext}")
}

/// (`report`, `.pdf`) for `report.pdf`; the extension is empty when there is none.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// The `n`th name tried for a document called `name`: `name` itself, then `stem (2).ext`, ….
fn numbered(name: &str, n: usize) -> String {
    if n == 1 {
        return name.to_string();
    }
    let (stem, ext) = split_extension(name);
    format!("{stem} ({n}){ext}")
}

/// Stores `file` for the participant inside the caller's transaction and returns the name it
/// was stored under (its own, or a numbered one when the name is taken by other bytes; the
/// same bytes under the same name are stored once).
pub(crate) async fn store(
    conn: &mut sqlx::AnyConnection,
    participant_id: &str,
    at: i64,
    file: &Attachment,
) -> Result<String> {
    for n in 1..=1000 {
        let name = numbered(&file.name, n);
        // DO NOTHING on a taken name (PostgreSQL waits for a concurrent insert of the same key
        // to commit or roll back first), then see whose bytes hold the name.
        let inserted = sqlx::query(
            "INSERT INTO uploads (participant_id, question, name, content_type, size, sha256, uploaded_at, content) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (participant_id, question, name) DO NOTHING",
        )
        .bind(participant_id)
        .bind(&file.question)
        .bind(&name)
        .bind(&file.content_type)
        .bind(file.size as i64)
        .bind(&file.sha256)
        .bind(at)
        .bind(&file.content)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(name);
        }
        let holder: String =
            sqlx::query("SELECT sha256 FROM uploads WHERE participant_id = $1 AND question = $2 AND name = $3")
                .bind(participant_id)
                .bind(&file.question)
                .bind(&name)
                .fetch_one(&mut *conn)
                .await?
                .try_get("sha256")?;
        if holder == file.sha256 {
            return Ok(name);
        }
    }
    Err(StoreError(format!("too many documents named {} for question {}", file.name, file.question)))
}

/// Forgets the participant's documents that neither the working copy nor the submission of
/// `response` names (inside the caller's transaction, after the response was written).
pub(crate) async fn forget_unnamed(
    conn: &mut sqlx::AnyConnection,
    participant_id: &str,
    response: &StoredResponse,
) -> Result<()> {
    let stored = sqlx::query("SELECT question, name FROM uploads WHERE participant_id = $1")
        .bind(participant_id)
        .fetch_all(&mut *conn)
        .await?;
    for row in stored {
        let (question, name): (String, String) = (row.try_get("question")?, row.try_get("name")?);
        let named = |answers: &crate::AnswerMap| answers.get(&question) == Some(&name);
        if named(&response.answers) || response.submitted.as_ref().is_some_and(named) {
            continue;
        }
        sqlx::query("DELETE FROM uploads WHERE participant_id = $1 AND question = $2 AND name = $3")
            .bind(participant_id)
            .bind(&question)
            .bind(&name)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

const FILE_COLUMNS: &str = "question, name, content_type, size, sha256, uploaded_at";

fn file_from(r: &sqlx::any::AnyRow) -> Result<StoredFile> {
    Ok(StoredFile {
        question: r.try_get("question")?,
        name: r.try_get("name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

impl Store {
    /// The documents stored for a participant (those its answers name), without their bytes.
    pub async fn files_of(&self, participant_id: &str) -> Result<Vec<StoredFile>> {
        let rows = sqlx::query(&format!(
            "SELECT {FILE_COLUMNS} FROM uploads WHERE participant_id = $1 ORDER BY question, uploaded_at, name"
        ))
        .bind(participant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(file_from).collect()
    }

    /// One document with its bytes, checked against the digest stored with it.
    pub async fn file(
        &self,
        participant_id: &str,
        question: &str,
        name: &str,
    ) -> Result<Option<(StoredFile, Vec<u8>)>> {
        let row = sqlx::query(&format!(
            "SELECT {FILE_COLUMNS}, content FROM uploads WHERE participant_id = $1 AND question = $2 AND name = $3"
        ))
        .bind(participant_id)
        .bind(question)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let file = file_from(&row)?;
        let content: String = row.try_get("content")?;
        let bytes = base64_decode(&content).ok_or_else(|| StoreError("a stored document is damaged".into()))?;
        if sha256_hex(&bytes) != file.sha256 {
            return Err(StoreError(format!("the stored document {name} does not match its digest")));
        }
        Ok(Some((file, bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_of_paths_controls_and_reserved_characters() {
        assert_eq!(clean_file_name("C:\\Users\\a\\方針.pdf"), "方針.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\r\nContent-Type: x\".pdf"), "a__Content-Type_ x_.pdf");
        assert_eq!(clean_file_name(".htaccess"), "htaccess");
        assert_eq!(clean_file_name("   "), "file");
        assert_eq!(clean_file_name("..."), "file");
        assert_eq!(clean_file_name("???"), "file");
        let long = format!("{}.pdf", "あ".repeat(500));
        let cleaned = clean_file_name(&long);
        assert_eq!(cleaned.chars().count(), MAX_NAME);
        assert!(cleaned.ends_with("あ.pdf"));
    }

    #[test]
    fn numbered_names_keep_the_extension() {
        assert_eq!(numbered("policy.pdf", 1), "policy.pdf");
        assert_eq!(numbered("policy.pdf", 2), "policy (2).pdf");
        assert_eq!(numbered("README", 3), "README (3)");
        assert_eq!(numbered(".pdf", 2), ".pdf (2)");
    }
}
