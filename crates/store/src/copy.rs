//! Backup, restore and moving a database between SQLite and PostgreSQL: every table written out
//! as JSON lines from one read transaction (a consistent copy while the server runs: in WAL
//! mode SQLite readers see one snapshot; PostgreSQL reads at REPEATABLE READ), and read into an
//! empty database of either kind in one transaction (all or nothing).
//!
//! The format: a first line `{"mamori_backup":1,"schema":N}` (N = the schema version the rows
//! have), then one line per row, `{"t":"TABLE","r":[values in the order of COLUMNS]}`.

use crate::{MIGRATIONS, Result, Store, StoreError};
use sqlx::Row;
use std::io::{BufRead, Write};

/// Every table with its columns, parents before children (foreign keys), each column `T`ext
/// or `I`nteger. Must list every column the migrations make: a test holds it to the schema.
pub(crate) const TABLES: &[(&str, &[(&str, char)])] = &[
    (
        "campaigns",
        &[
            ("id", 'T'),
            ("name", 'T'),
            ("form_file_name", 'T'),
            ("form_base64", 'T'),
            ("opens_at", 'I'),
            ("closes_at", 'I'),
            ("created_at", 'I'),
            ("settings", 'T'),
            ("form_version", 'T'),
            ("registration_code", 'T'),
            ("previous_id", 'T'),
        ],
    ),
    (
        "participants",
        &[
            ("id", 'T'),
            ("campaign_id", 'T'),
            ("company", 'T'),
            ("license", 'T'),
            ("email", 'T'),
            ("language", 'T'),
            ("token_hash", 'T'),
            ("created_at", 'I'),
            ("opened_at", 'I'),
            ("review_status", 'T'),
            ("review_reason", 'T'),
            ("source", 'T'),
            ("org_id", 'T'),
            ("corporate_number", 'T'),
        ],
    ),
    (
        "responses",
        &[
            ("participant_id", 'T'),
            ("answers", 'T'),
            ("status", 'T'),
            ("updated_at", 'I'),
            ("submitted_at", 'I'),
            ("submitted_answers", 'T'),
            ("version", 'I'),
        ],
    ),
    (
        "uploads",
        &[
            ("participant_id", 'T'),
            ("question", 'T'),
            ("name", 'T'),
            ("content_type", 'T'),
            ("size", 'I'),
            ("sha256", 'T'),
            ("uploaded_at", 'I'),
            ("content", 'T'),
        ],
    ),
    ("secrets", &[("name", 'T'), ("value", 'T')]),
    (
        "users",
        &[
            ("id", 'T'),
            ("login", 'T'),
            ("name", 'T'),
            ("role", 'T'),
            ("password_hash", 'T'),
            ("active", 'I'),
            ("created_at", 'I'),
            ("org_id", 'T'),
            ("hub_role", 'T'),
        ],
    ),
    ("sessions", &[("token_hash", 'T'), ("user_id", 'T'), ("csrf", 'T'), ("created_at", 'I'), ("expires_at", 'I')]),
    (
        "audit",
        &[
            ("id", 'T'),
            ("at_us", 'I'),
            ("actor", 'T'),
            ("action", 'T'),
            ("campaign_id", 'T'),
            ("target", 'T'),
            ("before_value", 'T'),
            ("after_value", 'T'),
        ],
    ),
    (
        "mails",
        &[
            ("id", 'T'),
            ("campaign_id", 'T'),
            ("participant_id", 'T'),
            ("kind", 'T'),
            ("recipient", 'T'),
            ("subject", 'T'),
            ("body", 'T'),
            ("status", 'T'),
            ("error", 'T'),
            ("attempts", 'I'),
            ("created_at", 'I'),
            ("claimed_at", 'I'),
            ("sent_at", 'I'),
            ("language", 'T'),
        ],
    ),
    ("rate_limits", &[("key", 'T'), ("window_start", 'I'), ("hits", 'I')]),
    // The device security hub (hub.rs).
    (
        "hub_orgs",
        &[
            ("id", 'T'),
            ("kind", 'T'),
            ("name_ja", 'T'),
            ("name_en", 'T'),
            ("licence_class", 'T'),
            ("psirt_contact", 'T'),
            ("created_at", 'I'),
            ("corporate_number", 'T'),
        ],
    ),
    ("hub_state", &[("name", 'T'), ("value", 'I')]),
    (
        "hub_documents",
        &[
            ("id", 'T'),
            ("format", 'T'),
            ("file_name", 'T'),
            ("sha256", 'T'),
            ("doc_id", 'T'),
            ("revision", 'T'),
            ("tlp", 'T'),
            ("title", 'T'),
            ("warnings", 'T'),
            ("uploaded_by", 'T'),
            ("uploaded_at", 'I'),
            ("content", 'T'),
        ],
    ),
    (
        "hub_devices",
        &[
            ("id", 'T'),
            ("org_id", 'T'),
            ("row_number", 'I'),
            ("manufacturer", 'T'),
            ("product", 'T'),
            ("model", 'T'),
            ("version", 'T'),
            ("serial", 'T'),
            ("asset_tag", 'T'),
            ("location", 'T'),
            ("purl", 'T'),
            ("created_at", 'I'),
        ],
    ),
    (
        "hub_findings",
        &[
            ("org_id", 'T'),
            ("device_id", 'T'),
            ("advisory", 'T'),
            ("product_id", 'T'),
            ("revision", 'T'),
            ("confidence", 'T'),
            ("body", 'T'),
            ("digest", 'T'),
            ("brief", 'T'),
        ],
    ),
    (
        "hub_finding_states",
        &[
            ("device_id", 'T'),
            ("advisory", 'T'),
            ("org_id", 'T'),
            ("state", 'T'),
            ("why", 'T'),
            ("changed_by", 'T'),
            ("changed_at", 'I'),
        ],
    ),
    ("hub_aliases", &[("alias", 'T'), ("vendor", 'T'), ("confirmed_by", 'T'), ("why", 'T'), ("created_at", 'I')]),
    (
        "hub_products",
        &[
            ("id", 'T'),
            ("org_id", 'T'),
            ("name_ja", 'T'),
            ("name_en", 'T'),
            ("models", 'T'),
            ("gtin", 'T'),
            ("scheme", 'T'),
            ("created_at", 'I'),
        ],
    ),
    (
        "hub_releases",
        &[
            ("id", 'T'),
            ("product_id", 'T'),
            ("org_id", 'T'),
            ("version", 'T'),
            ("ordinal", 'I'),
            ("released_on", 'T'),
            ("end_of_support", 'T'),
            ("created_at", 'I'),
        ],
    ),
    ("hub_sboms", FILES),
    ("hub_vex", FILES),
    (
        "hub_release_findings",
        &[
            ("release_id", 'T'),
            ("org_id", 'T'),
            ("advisory", 'T'),
            ("component", 'T'),
            ("confidence", 'T'),
            ("status", 'T'),
            ("body", 'T'),
        ],
    ),
    (
        "hub_device_links",
        &[
            ("device_id", 'T'),
            ("org_id", 'T'),
            ("release_id", 'T'),
            ("confirmed_by", 'T'),
            ("confirmed_at", 'I'),
            ("why", 'T'),
        ],
    ),
    (
        "hub_attachments",
        &[
            ("id", 'T'),
            ("product_id", 'T'),
            ("org_id", 'T'),
            ("kind", 'T'),
            ("form_version", 'T'),
            ("file_name", 'T'),
            ("tlp", 'T'),
            ("uploaded_by", 'T'),
            ("uploaded_at", 'I'),
            ("content", 'T'),
        ],
    ),
];

/// The columns of a release's SBOM and VEX files.
const FILES: &[(&str, char)] = &[
    ("id", 'T'),
    ("release_id", 'T'),
    ("org_id", 'T'),
    ("file_name", 'T'),
    ("summary", 'T'),
    ("warnings", 'T'),
    ("uploaded_by", 'T'),
    ("uploaded_at", 'I'),
    ("content", 'T'),
];

fn bad(line: usize, what: impl std::fmt::Display) -> StoreError {
    StoreError(format!("line {line} of the backup: {what}"))
}

impl Store {
    /// Writes every row of every table, from one consistent read; returns the rows written.
    pub async fn backup(&self, out: &mut impl Write) -> Result<u64> {
        let io = |e: std::io::Error| StoreError(format!("writing the backup: {e}"));
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            if !self.sqlite {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
            }
            let schema: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version")
                .fetch_one(&mut *tx)
                .await?
                .try_get("v")?;
            writeln!(out, "{}", serde_json::json!({ "mamori_backup": 1, "schema": schema })).map_err(io)?;
            let mut written = 0;
            for (table, columns) in TABLES {
                let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
                let rows = sqlx::query(&format!("SELECT {} FROM {table} ORDER BY 1", names.join(", ")))
                    .fetch_all(&mut *tx)
                    .await?;
                for row in rows {
                    let mut values = Vec::with_capacity(columns.len());
                    for (name, kind) in columns.iter() {
                        values.push(match kind {
                            'I' => serde_json::json!(row.try_get::<Option<i64>, _>(*name)?),
                            _ => serde_json::json!(row.try_get::<Option<String>, _>(*name)?),
                        });
                    }
                    writeln!(out, "{}", serde_json::json!({ "t": table, "r": values })).map_err(io)?;
                    written += 1;
                }
            }
            tx.commit().await?;
            out.flush().map_err(io)?;
            Ok(written)
        })
        .await
    }

    /// Reads a backup into this database, which must hold no campaign and no user yet (a new
    /// one: `Store::open` makes the schema), in one transaction: all rows or, on any problem,
    /// none. Returns the rows read.
    pub async fn restore(&self, input: impl BufRead) -> Result<u64> {
        let mut lines = input.lines().enumerate();
        let (_, first) = lines.next().ok_or_else(|| bad(1, "the file is empty"))?;
        let first: serde_json::Value = serde_json::from_str(&first.map_err(|e| bad(1, e))?)
            .map_err(|_| bad(1, "this is not a Mamori backup (the first line is not its header)"))?;
        if first["mamori_backup"] != 1 {
            return Err(bad(1, "this is not a Mamori backup (no \"mamori_backup\": 1)"));
        }
        let schema = first["schema"].as_i64().unwrap_or(-1);
        if schema != MIGRATIONS.len() as i64 {
            return Err(bad(
                1,
                format!(
                    "the backup has schema version {schema}, this Mamori writes {}; restore it with the version that made it, \
                     open it there once, and back it up again",
                    MIGRATIONS.len()
                ),
            ));
        }
        // A failed transaction's connection is closed, never pooled.
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            for check in ["SELECT COUNT(*) AS n FROM campaigns", "SELECT COUNT(*) AS n FROM users"] {
                let n: i64 = sqlx::query(check).fetch_one(&mut *tx).await?.try_get("n")?;
                if n > 0 {
                    return Err(StoreError(
                        "the target database already holds campaigns or users; restore into a new, empty database"
                            .into(),
                    ));
                }
            }
            // Secrets and rate limits of a new database are replaced by the backup's (the link
            // key above all: without it no personal link would work).
            sqlx::query("DELETE FROM secrets").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM rate_limits").execute(&mut *tx).await?;
            let mut read = 0;
            for (i, line) in lines {
                let line = line.map_err(|e| bad(i + 1, e))?;
                if line.trim().is_empty() {
                    continue;
                }
                let row: serde_json::Value = serde_json::from_str(&line).map_err(|e| bad(i + 1, e))?;
                let table = row["t"].as_str().unwrap_or("");
                let Some((table, columns)) = TABLES.iter().find(|(t, _)| *t == table) else {
                    return Err(bad(i + 1, format!("unknown table '{table}'")));
                };
                let values = row["r"]
                    .as_array()
                    .filter(|v| v.len() == columns.len())
                    .ok_or_else(|| bad(i + 1, format!("a row of {table} needs {} values", columns.len())))?;
                let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
                let marks: Vec<String> = (1..=columns.len()).map(|k| format!("${k}")).collect();
                let sql = format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), marks.join(", "));
                let mut query = sqlx::query(&sql);
                for ((name, kind), value) in columns.iter().zip(values) {
                    query = match (kind, value) {
                        ('I', serde_json::Value::Null) => query.bind(None::<i64>),
                        ('I', v) => query
                            .bind(v.as_i64().ok_or_else(|| bad(i + 1, format!("{table}.{name} must be a number")))?),
                        (_, serde_json::Value::Null) => query.bind(None::<String>),
                        (_, v) => query.bind(
                            v.as_str().ok_or_else(|| bad(i + 1, format!("{table}.{name} must be text")))?.to_string(),
                        ),
                    };
                }
                query.execute(&mut *tx).await.map_err(|e| bad(i + 1, e))?;
                read += 1;
            }
            tx.commit().await?;
            Ok(read)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::TABLES;

    /// The backup's list of columns is the schema's: a column added by a migration and not
    /// listed here would be lost in every backup.
    #[tokio::test]
    async fn every_column_of_the_schema_is_backed_up() {
        let dir = std::env::temp_dir().join(format!("mamori-columns-{}", crate::random_hex(4)));
        std::fs::create_dir_all(&dir).unwrap();
        let store = crate::Store::open(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_version' ORDER BY name",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let mut listed: Vec<&str> = TABLES.iter().map(|(t, _)| *t).collect();
        listed.sort();
        assert_eq!(tables, listed);
        for (table, columns) in TABLES {
            let mut schema: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&store.pool)
                .await
                .unwrap();
            schema.sort();
            let mut ours: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
            ours.sort();
            assert_eq!(schema, ours, "{table}");
        }
    }
}
