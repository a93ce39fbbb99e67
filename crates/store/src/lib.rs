//! The database behind `mamori serve`: one interface over SQLite (embedded, the default) and
//! PostgreSQL (several server processes sharing one database). Everything a server needs to
//! remember lives here, never in one process's memory, so a second process sees the same.
//!
//! SQL is written once for both: text ids, integer timestamps (Unix seconds), `$n`
//! placeholders (which SQLite accepts too) and `ON CONFLICT` upserts.

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError(format!("database: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    sqlite: bool,
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub form_file_name: String,
    pub opens_at: i64,
    pub closes_at: i64,
}

#[derive(Debug, Clone)]
pub struct Participant {
    pub id: String,
    pub campaign_id: String,
    pub company: String,
    pub license: String,
    pub email: String,
    pub language: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredResponse {
    pub answers: BTreeMap<String, String>,
    /// `draft` or `submitted`.
    pub status: String,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
}

/// Each step brings the schema from the previous version to the next; `schema_version`
/// remembers how far a database has come.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE campaigns (id TEXT PRIMARY KEY, name TEXT NOT NULL, form_file_name TEXT NOT NULL, form_base64 TEXT NOT NULL, opens_at BIGINT NOT NULL, closes_at BIGINT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE TABLE participants (id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL REFERENCES campaigns(id), company TEXT NOT NULL, license TEXT NOT NULL, email TEXT NOT NULL, language TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL)",
    "CREATE TABLE responses (participant_id TEXT PRIMARY KEY REFERENCES participants(id), answers TEXT NOT NULL, status TEXT NOT NULL, updated_at BIGINT NOT NULL, submitted_at BIGINT)",
    "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// `bytes` random bytes from the operating system, as hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system provides random bytes");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Personal links are stored only as their SHA-256, so a copy of the database does not give
/// anyone a way into another company's answers.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn base64_encode(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= if c == b'=' { 0 } else { value(c)? } << (18 - 6 * i);
        }
        for i in 0..3 - pad {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

impl Store {
    /// Opens (and creates, for SQLite) the database at `url`: `sqlite://PATH`, `sqlite::memory:`
    /// or `postgres://…`, and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let url = if sqlite && !url.contains("mode=") && !url.contains(":memory:") {
            format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
        } else {
            url.to_string()
        };
        let mut options = AnyPoolOptions::new().max_connections(if sqlite { 8 } else { 16 });
        if sqlite {
            // WAL lets readers go on while a response is being saved; a busy timeout makes a
            // writer wait its turn instead of failing.
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        let store = Store { pool, sqlite };
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without touching the schema: for administrative statements such as creating
    /// and dropping the databases tests run in.
    pub async fn admin(url: &str) -> Result<Store> {
        install_default_drivers();
        let pool = AnyPoolOptions::new().max_connections(1).connect(url).await?;
        Ok(Store { pool, sqlite: url.starts_with("sqlite:") })
    }

    pub fn is_sqlite(&self) -> bool {
        self.sqlite
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)").execute(&self.pool).await?;
        let mut tx = self.pool.begin().await?;
        let current: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version")
            .fetch_one(&mut *tx)
            .await?
            .try_get("v")?;
        for (i, statement) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            sqlx::query(statement).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Runs one administrative statement (such as `CREATE DATABASE` in tests); never with
    /// user input.
    pub async fn execute_admin(&self, statement: &str) -> Result<()> {
        sqlx::query(statement).execute(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// A secret shared by every server process (for signing CSRF tokens), made on first use.
    pub async fn secret(&self, name: &str) -> Result<String> {
        let candidate = random_hex(32);
        sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(&candidate)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM secrets WHERE name = $1").bind(name).fetch_one(&self.pool).await?;
        Ok(row.try_get("value")?)
    }

    pub async fn create_campaign(
        &self,
        name: &str,
        form_file_name: &str,
        form_bytes: &[u8],
        opens_at: i64,
        closes_at: i64,
    ) -> Result<String> {
        let id = random_hex(8);
        sqlx::query("INSERT INTO campaigns (id, name, form_file_name, form_base64, opens_at, closes_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&id)
            .bind(name)
            .bind(form_file_name)
            .bind(base64_encode(form_bytes))
            .bind(opens_at)
            .bind(closes_at)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// A campaign's details, without its form (read on every request, so kept small).
    pub async fn campaign(&self, id: &str) -> Result<Option<Campaign>> {
        let row = sqlx::query("SELECT id, name, form_file_name, opens_at, closes_at FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| -> Result<Campaign> {
            Ok(Campaign {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                form_file_name: r.try_get("form_file_name")?,
                opens_at: r.try_get("opens_at")?,
                closes_at: r.try_get("closes_at")?,
            })
        })
        .transpose()
    }

    /// The XLSForm a campaign was created with, as uploaded; frozen once the campaign opens.
    pub async fn campaign_form(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let row =
            sqlx::query("SELECT form_base64 FROM campaigns WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| -> Result<Vec<u8>> {
            let encoded: String = r.try_get("form_base64")?;
            base64_decode(&encoded).ok_or_else(|| StoreError("a stored form is damaged".into()))
        })
        .transpose()
    }

    /// Adds a participant; returns its id and its personal link token (256 random bits, shown
    /// once and stored only as a hash).
    pub async fn add_participant(
        &self,
        campaign_id: &str,
        company: &str,
        license: &str,
        email: &str,
        language: &str,
    ) -> Result<(String, String)> {
        let id = random_hex(8);
        let token = random_hex(32);
        sqlx::query("INSERT INTO participants (id, campaign_id, company, license, email, language, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&id)
            .bind(campaign_id)
            .bind(company)
            .bind(license)
            .bind(email)
            .bind(language)
            .bind(token_hash(&token))
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok((id, token))
    }

    /// The participant whose personal link this is.
    pub async fn participant_by_token(&self, token: &str) -> Result<Option<Participant>> {
        let row = sqlx::query(
            "SELECT id, campaign_id, company, license, email, language FROM participants WHERE token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| -> Result<Participant> {
            Ok(Participant {
                id: r.try_get("id")?,
                campaign_id: r.try_get("campaign_id")?,
                company: r.try_get("company")?,
                license: r.try_get("license")?,
                email: r.try_get("email")?,
                language: r.try_get("language")?,
            })
        })
        .transpose()
    }

    pub async fn response(&self, participant_id: &str) -> Result<Option<StoredResponse>> {
        let row =
            sqlx::query("SELECT answers, status, updated_at, submitted_at FROM responses WHERE participant_id = $1")
                .bind(participant_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| -> Result<StoredResponse> {
            let answers: String = r.try_get("answers")?;
            Ok(StoredResponse {
                answers: serde_json::from_str(&answers)
                    .map_err(|e| StoreError(format!("stored answers are damaged: {e}")))?,
                status: r.try_get("status")?,
                updated_at: r.try_get("updated_at")?,
                submitted_at: r.try_get("submitted_at")?,
            })
        })
        .transpose()
    }

    /// Saves a participant's answers as a draft (or, with `submit`, as its submission), in one
    /// statement: a crash leaves either the old or the new answers, never a mixture.
    pub async fn save_answers(
        &self,
        participant_id: &str,
        answers: &BTreeMap<String, String>,
        submit: bool,
    ) -> Result<()> {
        let json = serde_json::to_string(answers).map_err(|e| StoreError(e.to_string()))?;
        let now = now();
        let status = if submit { "submitted" } else { "draft" };
        sqlx::query(
            "INSERT INTO responses (participant_id, answers, status, updated_at, submitted_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (participant_id) DO UPDATE SET answers = excluded.answers, updated_at = excluded.updated_at, \
             status = CASE WHEN responses.status = 'submitted' THEN 'submitted' ELSE excluded.status END, \
             submitted_at = COALESCE(excluded.submitted_at, responses.submitted_at)",
        )
        .bind(participant_id)
        .bind(json)
        .bind(status)
        .bind(now)
        .bind(submit.then_some(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"\x00\xff\x10 binary \xfe"] {
            assert_eq!(base64_decode(&base64_encode(data)).as_deref(), Some(data));
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
    }
}
