//! Everything a respondent's request needs, in one round trip to the database: the rate-limit
//! count of the asking address, and the participant, campaign and response of the link.

use crate::participants::{COLUMNS, participant_from};
use crate::responses::{RESPONSE_COLUMNS, response_from};
use crate::{Campaign, Participant, Result, Store, StoredResponse, now, token_hash};
use sqlx::Row;

/// The outcome of looking up a personal link.
#[derive(Debug)]
pub struct Link {
    /// Wrong links counted for the asking address in the current window.
    pub misses: i64,
    /// The link's participant, campaign and stored response (if any), when the link is right.
    pub found: Option<(Participant, Campaign, Option<StoredResponse>)>,
}

impl Store {
    /// Looks up a link and the asking address's count of wrong links under `limit_key` (in a
    /// window of `window` seconds) in one statement. `token` = None counts only.
    pub async fn link(&self, token: Option<&str>, limit_key: &str, window: i64) -> Result<Link> {
        let row = sqlx::query(&format!(
            "SELECT (SELECT hits FROM rate_limits WHERE key = $2 AND window_start > $3) AS limit_hits, {COLUMNS}, \
             c.id AS c_id, c.name AS c_name, c.form_file_name AS c_form_file_name, c.form_version AS c_form_version, \
             c.opens_at AS c_opens_at, c.closes_at AS c_closes_at, c.settings AS c_settings, \
             c.registration_code AS c_registration_code, c.previous_id AS c_previous_id, \
             {RESPONSE_COLUMNS} \
             FROM (SELECT 1 AS one) AS o \
             LEFT JOIN participants p ON p.token_hash = $1 \
             LEFT JOIN campaigns c ON c.id = p.campaign_id \
             LEFT JOIN responses r ON r.participant_id = p.id"
        ))
        .bind(token.map(token_hash).unwrap_or_default())
        .bind(limit_key)
        .bind(now() - window)
        .fetch_one(&self.pool)
        .await?;
        let misses: Option<i64> = row.try_get("limit_hits")?;
        let participant_id: Option<String> = row.try_get("id")?;
        let campaign_id: Option<String> = row.try_get("c_id")?;
        let found = match (participant_id, campaign_id) {
            (Some(_), Some(_)) => {
                let status: Option<String> = row.try_get("status")?;
                let response = status.is_some().then(|| response_from(&row)).transpose()?;
                Some((participant_from(&row)?, crate::campaigns::campaign_from_prefixed(&row, "c_")?, response))
            }
            _ => None,
        };
        Ok(Link { misses: misses.unwrap_or(0), found })
    }
}
