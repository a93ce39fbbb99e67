//! The audit log: who changed what and when, with the value before and after.

use crate::{Result, Store, now_micros, random_hex};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    /// Microseconds since 1970.
    pub at_us: i64,
    /// The user's login, or `respondent:<participant id>`, or `system`.
    pub actor: String,
    pub action: String,
    pub campaign_id: String,
    pub target: String,
    pub before: String,
    pub after: String,
}

impl Store {
    pub async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        sqlx::query("INSERT INTO audit (id, at_us, actor, action, campaign_id, target, before_value, after_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(random_hex(8))
            .bind(if entry.at_us == 0 { now_micros() } else { entry.at_us })
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.campaign_id)
            .bind(&entry.target)
            .bind(&entry.before)
            .bind(&entry.after)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The log, newest first; `campaign_id` narrows it to one campaign. The hub's entries
    /// (`campaign_id` `hub:<organisation>`) are the hub's: listed only when asked for by name,
    /// never in the office's whole log.
    pub async fn audit_log(&self, campaign_id: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT at_us, actor, action, campaign_id, target, before_value, after_value FROM audit \
             WHERE (($1 = '' AND campaign_id NOT LIKE 'hub:%') OR campaign_id = $1) ORDER BY at_us DESC, id DESC LIMIT $2",
        )
        .bind(campaign_id.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at_us: r.try_get("at_us")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    campaign_id: r.try_get("campaign_id")?,
                    target: r.try_get("target")?,
                    before: r.try_get("before_value")?,
                    after: r.try_get("after_value")?,
                })
            })
            .collect()
    }
}
