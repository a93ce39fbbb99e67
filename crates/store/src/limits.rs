//! Rate limits kept in the database, so that every server process counts the same attempts.

use crate::{Result, Store, now};
use sqlx::Row;

impl Store {
    /// Counts one more event under `key` in a fixed window of `window` seconds and returns the
    /// count so far in the current window.
    pub async fn hit(&self, key: &str, window: i64) -> Result<i64> {
        let now = now();
        let row = sqlx::query(
            "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) ON CONFLICT (key) DO UPDATE SET \
             hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
             window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
             RETURNING hits",
        )
        .bind(key)
        .bind(now)
        .bind(now - window)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("hits")?)
    }

    /// The count under `key` in its current window (0 when the window has passed).
    pub async fn hits(&self, key: &str, window: i64) -> Result<i64> {
        let row = sqlx::query("SELECT hits FROM rate_limits WHERE key = $1 AND window_start > $2")
            .bind(key)
            .bind(now() - window)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("hits")).transpose()?.unwrap_or(0))
    }

    pub async fn clear_hits(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM rate_limits WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }
}
