//! The database behind `mamori serve`: one interface over SQLite (embedded, the default) and
//! PostgreSQL (several server processes sharing one database). Everything a server needs to
//! remember lives here, never in one process's memory, so a second process sees the same.
//!
//! SQL is written once for both: text ids, integer timestamps (Unix seconds), `$n`
//! placeholders (which SQLite accepts too) and `ON CONFLICT` upserts.

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};
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

mod audit;
mod campaigns;
mod copy;
pub mod hub;
pub mod hub_products;
mod limits;
mod link;
mod mail;
pub mod org;
mod participants;
mod responses;
mod staff;
mod uploads;
mod writer;

pub use audit::AuditEntry;
pub use campaigns::PanelMember;
pub use campaigns::{Campaign, CampaignSettings, MAX_UPLOAD_MB, MailTemplate};
pub use link::Link;
pub use mail::{Mail, MailStatus, NewMail};
pub use participants::{NewParticipant, Participant, ParticipantRow, Progress};
pub use responses::{AnswerMap, StoredResponse, Submission};

pub use staff::{Role, SESSION_SECONDS, Session, User};
pub use uploads::{Attachment, StoredFile, clean_file_name};

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// Personal links are HMACs of the participant's id under this key (so that invitations
    /// and reminders can carry the same link); the database stores only their SHA-256.
    link_key: std::sync::Arc<String>,
    /// The group-commit writer for answer saves (None only on administrative connections).
    writer: Option<std::sync::Arc<writer::Writer>>,
    sqlite: bool,
    health: std::sync::Arc<Health>,
}

/// Whether writes are failing (a full disk, a lost database), for `/healthz`: set by a failed
/// write transaction, cleared by the next one that commits.
#[derive(Default)]
pub(crate) struct Health {
    writes_failing: std::sync::atomic::AtomicBool,
}

impl Health {
    pub fn record(&self, ok: bool) {
        self.writes_failing.store(!ok, std::sync::atomic::Ordering::Relaxed);
    }

    fn failing(&self) -> bool {
        self.writes_failing.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What `/healthz` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    Ok,
    /// The database answers but writes fail (e.g. its disk is full).
    Degraded,
    Unreachable,
}

/// Each step brings the schema from the previous version to the next; `schema_version`
/// remembers how far a database has come.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE campaigns (id TEXT PRIMARY KEY, name TEXT NOT NULL, form_file_name TEXT NOT NULL, form_base64 TEXT NOT NULL, opens_at BIGINT NOT NULL, closes_at BIGINT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE TABLE participants (id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL REFERENCES campaigns(id), company TEXT NOT NULL, license TEXT NOT NULL, email TEXT NOT NULL, language TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL)",
    "CREATE TABLE responses (participant_id TEXT PRIMARY KEY REFERENCES participants(id), answers TEXT NOT NULL, status TEXT NOT NULL, updated_at BIGINT NOT NULL, submitted_at BIGINT)",
    "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    // The survey office's side.
    "ALTER TABLE campaigns ADD COLUMN settings TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE campaigns ADD COLUMN form_version TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE campaigns ADD COLUMN registration_code TEXT",
    "ALTER TABLE participants ADD COLUMN opened_at BIGINT",
    "ALTER TABLE participants ADD COLUMN review_status TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE participants ADD COLUMN review_reason TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE participants ADD COLUMN source TEXT NOT NULL DEFAULT 'office'",
    "CREATE INDEX participants_campaign ON participants (campaign_id)",
    "CREATE TABLE users (id TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL, active BIGINT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), csrf TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)",
    "CREATE TABLE audit (id TEXT PRIMARY KEY, at_us BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, campaign_id TEXT NOT NULL, target TEXT NOT NULL, before_value TEXT NOT NULL, after_value TEXT NOT NULL)",
    "CREATE INDEX audit_time ON audit (at_us)",
    "CREATE TABLE mails (id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, participant_id TEXT, kind TEXT NOT NULL, recipient TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, error TEXT NOT NULL, attempts BIGINT NOT NULL, created_at BIGINT NOT NULL, claimed_at BIGINT, sent_at BIGINT)",
    "CREATE INDEX mails_status ON mails (status, created_at)",
    "CREATE TABLE rate_limits (key TEXT PRIMARY KEY, window_start BIGINT NOT NULL, hits BIGINT NOT NULL)",
    // The working copy and the last checked submission kept apart (responses.rs); the version
    // lets a submission see whether a save came in after it read the answers.
    "ALTER TABLE responses ADD COLUMN submitted_answers TEXT",
    "UPDATE responses SET submitted_answers = answers WHERE status = 'submitted'",
    "ALTER TABLE responses ADD COLUMN version BIGINT NOT NULL DEFAULT 0",
    // Personal links are no longer kept in mail bodies: the sender puts them in (mailer.rs);
    // bodies stored before carry theirs until they are sent. The language of the link:
    "ALTER TABLE mails ADD COLUMN language TEXT NOT NULL DEFAULT 'ja'",
    // A mail that has gone (or given up) needs only its status: old bodies held links.
    "UPDATE mails SET body = '' WHERE status IN ('sent', 'failed')",
    // Waves (org.rs): an organisation id carried from one campaign to its successor, the
    // corporate number it may come from, and the campaign a campaign succeeds.
    "ALTER TABLE participants ADD COLUMN org_id TEXT NOT NULL DEFAULT ''",
    "UPDATE participants SET org_id = 'org-' || id WHERE org_id = ''",
    "ALTER TABLE participants ADD COLUMN corporate_number TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX participants_org ON participants (org_id)",
    "ALTER TABLE campaigns ADD COLUMN previous_id TEXT",
    // The device security hub (hub.rs): its people are users with role 'hub' and an
    // organisation; the office's pages never admit them.
    "CREATE TABLE hub_orgs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name_ja TEXT NOT NULL, name_en TEXT NOT NULL, licence_class TEXT NOT NULL, psirt_contact TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "ALTER TABLE users ADD COLUMN org_id TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE users ADD COLUMN hub_role TEXT NOT NULL DEFAULT ''",
    "CREATE TABLE hub_state (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    "CREATE TABLE hub_documents (id TEXT PRIMARY KEY, format TEXT NOT NULL, file_name TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, revision TEXT NOT NULL, tlp TEXT NOT NULL, title TEXT NOT NULL, warnings TEXT NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at BIGINT NOT NULL, content TEXT NOT NULL)",
    "CREATE INDEX hub_documents_doc ON hub_documents (doc_id)",
    "CREATE TABLE hub_devices (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES hub_orgs(id), row_number BIGINT NOT NULL, manufacturer TEXT NOT NULL, product TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL, serial TEXT NOT NULL, asset_tag TEXT NOT NULL, location TEXT NOT NULL, purl TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX hub_devices_org ON hub_devices (org_id)",
    "CREATE TABLE hub_findings (org_id TEXT NOT NULL, device_id TEXT NOT NULL REFERENCES hub_devices(id), advisory TEXT NOT NULL, product_id TEXT NOT NULL, revision TEXT NOT NULL, confidence TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX hub_findings_device ON hub_findings (device_id, advisory)",
    "CREATE INDEX hub_findings_org ON hub_findings (org_id, advisory)",
    "CREATE TABLE hub_finding_states (device_id TEXT NOT NULL REFERENCES hub_devices(id), advisory TEXT NOT NULL, org_id TEXT NOT NULL, state TEXT NOT NULL, why TEXT NOT NULL, changed_by TEXT NOT NULL, changed_at BIGINT NOT NULL, PRIMARY KEY (device_id, advisory))",
    "CREATE TABLE hub_aliases (alias TEXT PRIMARY KEY, vendor TEXT NOT NULL, confirmed_by TEXT NOT NULL, why TEXT NOT NULL, created_at BIGINT NOT NULL)",
    // A manufacturer's side (hub_products.rs).
    "CREATE TABLE hub_products (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES hub_orgs(id), name_ja TEXT NOT NULL, name_en TEXT NOT NULL, models TEXT NOT NULL, gtin TEXT NOT NULL, scheme TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE TABLE hub_releases (id TEXT PRIMARY KEY, product_id TEXT NOT NULL REFERENCES hub_products(id), org_id TEXT NOT NULL, version TEXT NOT NULL, ordinal BIGINT NOT NULL, released_on TEXT NOT NULL, end_of_support TEXT NOT NULL, created_at BIGINT NOT NULL, UNIQUE (product_id, version))",
    "CREATE TABLE hub_sboms (id TEXT PRIMARY KEY, release_id TEXT NOT NULL REFERENCES hub_releases(id), org_id TEXT NOT NULL, file_name TEXT NOT NULL, summary TEXT NOT NULL, warnings TEXT NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at BIGINT NOT NULL, content TEXT NOT NULL)",
    "CREATE TABLE hub_vex (id TEXT PRIMARY KEY, release_id TEXT NOT NULL REFERENCES hub_releases(id), org_id TEXT NOT NULL, file_name TEXT NOT NULL, summary TEXT NOT NULL, warnings TEXT NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at BIGINT NOT NULL, content TEXT NOT NULL)",
    "CREATE TABLE hub_release_findings (release_id TEXT NOT NULL REFERENCES hub_releases(id), org_id TEXT NOT NULL, advisory TEXT NOT NULL, component TEXT NOT NULL, confidence TEXT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX hub_release_findings_org ON hub_release_findings (org_id, release_id)",
    "CREATE TABLE hub_device_links (device_id TEXT PRIMARY KEY REFERENCES hub_devices(id), org_id TEXT NOT NULL, release_id TEXT NOT NULL REFERENCES hub_releases(id), confirmed_by TEXT NOT NULL, confirmed_at BIGINT NOT NULL)",
    // Findings are rewritten only where they changed (hub.rs, replace_hub_findings).
    "ALTER TABLE hub_findings ADD COLUMN digest TEXT NOT NULL DEFAULT ''",
    // A new advisory's recomputation looks devices up by manufacturer and findings by advisory.
    "CREATE INDEX hub_devices_manufacturer ON hub_devices (manufacturer)",
    "CREATE INDEX hub_findings_advisory ON hub_findings (advisory)",
    // A manufacturer's security documents per product (MDS2, JAHIS MDS/SDS), with TLP.
    // A manufacturer's link to its survey participant: the same 法人番号 (org.rs). The hub reads
    // nothing of the survey through it; the survey's feedback points to the hub.
    "ALTER TABLE hub_orgs ADD COLUMN corporate_number TEXT NOT NULL DEFAULT ''",
    "CREATE TABLE hub_attachments (id TEXT PRIMARY KEY, product_id TEXT NOT NULL REFERENCES hub_products(id), org_id TEXT NOT NULL, kind TEXT NOT NULL, form_version TEXT NOT NULL, file_name TEXT NOT NULL, tlp TEXT NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at BIGINT NOT NULL, content TEXT NOT NULL)",
    // A finding's body without what only its own page shows (remediations above all): the
    // findings list reads this instead (hub.rs, brief_of). Empty in rows written before it.
    "ALTER TABLE hub_findings ADD COLUMN brief TEXT NOT NULL DEFAULT ''",
    // Why a hospital confirmed that a device is a manufacturer's release (its nameplate, a
    // delivery note): kept with who and when.
    "ALTER TABLE hub_device_links ADD COLUMN why TEXT NOT NULL DEFAULT ''",
    // Documents attached to `file` questions (uploads.rs), written with the answer naming them.
    "CREATE TABLE uploads (participant_id TEXT NOT NULL REFERENCES participants(id), question TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, uploaded_at BIGINT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (participant_id, question, name))",
];

/// Runs `work` on a connection of its own and closes that connection, instead of giving it back
/// to the pool, when `work` fails: after a failed transaction or commit (SQLITE_FULL above
/// all) the driver's rollback can fail too and leave the connection believing it is still
/// inside a transaction, so that later writes on it would be answered and never committed.
pub(crate) async fn on_own_connection<T>(
    pool: &AnyPool,
    work: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> Result<T>,
) -> Result<T> {
    let mut conn = pool.acquire().await?;
    let outcome = work(&mut conn).await;
    if outcome.is_err() {
        let _ = conn.close().await;
    }
    outcome
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// `n` random bytes from the operating system.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the operating system provides random bytes");
    buf
}

/// `bytes` random bytes from the operating system, as hex.
pub fn random_hex(bytes: usize) -> String {
    random_bytes(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Links and session cookies are stored only as their SHA-256: a copy of the `participants` or
/// `sessions` table alone gives no way in.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// SHA-256 of `bytes` as lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, as hex (RustCrypto's `hmac`).
pub fn hmac(key: &str, message: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two tokens in time independent of where they differ (`subtle`).
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Microseconds since 1970, for ordering the audit log.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
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
                    // Checkpoints are the writer's background task's (writer.rs), not a
                    // price paid inside some respondent's save.
                    sqlx::query("PRAGMA wal_autocheckpoint = 0").execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        let health = std::sync::Arc::new(Health::default());
        let writer = Some(std::sync::Arc::new(writer::Writer::start(pool.clone(), sqlite, health.clone())));
        let mut store = Store { pool, link_key: Default::default(), writer, sqlite, health };
        store.migrate().await?;
        store.link_key = std::sync::Arc::new(store.secret("links").await?);
        Ok(store)
    }

    /// Connects without touching the schema: for administrative statements such as creating
    /// and dropping the databases tests run in.
    pub async fn admin(url: &str) -> Result<Store> {
        install_default_drivers();
        let pool = AnyPoolOptions::new().max_connections(1).connect(url).await?;
        let sqlite = url.starts_with("sqlite:");
        Ok(Store { pool, link_key: Default::default(), writer: None, sqlite, health: Default::default() })
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

    /// Folds SQLite's write-ahead log back into the database file and empties it, for command
    /// line writers, which have no server's background checkpoint (nothing on PostgreSQL).
    pub async fn checkpoint(&self) -> Result<()> {
        if self.sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Whether the database answers and takes writes. While the last write failed, a small
    /// write is tried (so the status turns back to `Ok` by itself once space returns).
    pub async fn health(&self) -> HealthStatus {
        if !self.ping().await {
            return HealthStatus::Unreachable;
        }
        if self.health.failing() {
            let probe = on_own_connection(&self.pool, async |conn| {
                sqlx::query(
                    "INSERT INTO rate_limits (key, window_start, hits) VALUES ('health-probe', $1, 0) \
                     ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start",
                )
                .bind(now())
                .execute(conn)
                .await?;
                Ok(())
            });
            let ok = probe.await.is_ok();
            self.health.record(ok);
            if !ok {
                return HealthStatus::Degraded;
            }
        }
        HealthStatus::Ok
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

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        assert_eq!(
            hmac("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
