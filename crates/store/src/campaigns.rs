//! Campaigns: a questionnaire (the uploaded XLSForm, frozen once the campaign opens), its dates
//! and its settings.

use crate::{Result, Store, StoreError, base64_decode, base64_encode, now, random_hex};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub form_file_name: String,
    pub form_version: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub settings: CampaignSettings,
    /// The code of the public self-registration link (open-link mode), when it is on. Not a
    /// secret: it is meant to be spread through mailing lists.
    pub registration_code: Option<String>,
}

impl Campaign {
    pub fn has_opened(&self, at: i64) -> bool {
        at >= self.opens_at
    }

    pub fn is_closed(&self, at: i64) -> bool {
        at > self.closes_at
    }
}

/// What the office can change about a campaign without touching its questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignSettings {
    /// Languages offered to respondents (`ja`, `en`); the first is the default.
    pub languages: Vec<String>,
    /// When true, each respondent with a submitted, valid response sees its feedback.
    pub feedback_released: bool,
    /// The select_one question that segments monitoring, results and feedback (licence class).
    pub segment: String,
    /// The fewest peers before feedback shows peer figures.
    pub min_peers: u64,
    /// Mail texts by `kind.language` (`invite.ja`, `remind.en`, `receipt.ja`, …); missing ones
    /// fall back to the built-in request letter.
    pub templates: BTreeMap<String, MailTemplate>,
    /// The sender of the campaign's mail.
    pub mail_from: String,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        CampaignSettings {
            languages: vec!["ja".into(), "en".into()],
            feedback_released: false,
            segment: "license_type".into(),
            min_peers: 10,
            templates: BTreeMap::new(),
            mail_from: "survey-office@example.jp".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailTemplate {
    pub subject: String,
    pub body: String,
}

const COLUMNS: &str = "id, name, form_file_name, form_version, opens_at, closes_at, settings, registration_code";

fn campaign_from(r: &sqlx::any::AnyRow) -> Result<Campaign> {
    campaign_from_prefixed(r, "")
}

/// A campaign from a row whose campaign columns are named `{prefix}id`, `{prefix}name`, ….
pub(crate) fn campaign_from_prefixed(r: &sqlx::any::AnyRow, prefix: &str) -> Result<Campaign> {
    let col = |name: &str| format!("{prefix}{name}");
    let settings: String = r.try_get(col("settings").as_str())?;
    Ok(Campaign {
        id: r.try_get(col("id").as_str())?,
        name: r.try_get(col("name").as_str())?,
        form_file_name: r.try_get(col("form_file_name").as_str())?,
        form_version: r.try_get(col("form_version").as_str())?,
        opens_at: r.try_get(col("opens_at").as_str())?,
        closes_at: r.try_get(col("closes_at").as_str())?,
        settings: serde_json::from_str(&settings).map_err(|e| StoreError(format!("campaign settings: {e}")))?,
        registration_code: r.try_get(col("registration_code").as_str())?,
    })
}

impl Store {
    pub async fn create_campaign(
        &self,
        name: &str,
        form_file_name: &str,
        form_bytes: &[u8],
        opens_at: i64,
        closes_at: i64,
    ) -> Result<String> {
        self.create_campaign_with(
            name,
            form_file_name,
            form_bytes,
            "",
            opens_at,
            closes_at,
            &CampaignSettings::default(),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_campaign_with(
        &self,
        name: &str,
        form_file_name: &str,
        form_bytes: &[u8],
        form_version: &str,
        opens_at: i64,
        closes_at: i64,
        settings: &CampaignSettings,
    ) -> Result<String> {
        let id = random_hex(8);
        sqlx::query("INSERT INTO campaigns (id, name, form_file_name, form_base64, form_version, opens_at, closes_at, settings, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&id)
            .bind(name)
            .bind(form_file_name)
            .bind(base64_encode(form_bytes))
            .bind(form_version)
            .bind(opens_at)
            .bind(closes_at)
            .bind(serde_json::to_string(settings).map_err(|e| StoreError(e.to_string()))?)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// A campaign's details, without its form (read on every request, so kept small).
    pub async fn campaign(&self, id: &str) -> Result<Option<Campaign>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(campaign_from).transpose()
    }

    /// Every campaign, newest first.
    pub async fn campaigns(&self) -> Result<Vec<Campaign>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM campaigns ORDER BY created_at DESC, id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(campaign_from).collect()
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

    /// Replaces the questionnaire of a campaign that has not opened yet. The check and the
    /// change are one statement, so a campaign that opens meanwhile keeps its form.
    pub async fn replace_form(&self, id: &str, file_name: &str, bytes: &[u8], version: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE campaigns SET form_file_name = $1, form_base64 = $2, form_version = $3 WHERE id = $4 AND opens_at > $5")
            .bind(file_name)
            .bind(base64_encode(bytes))
            .bind(version)
            .bind(id)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Changes name, dates and settings. Once a campaign has opened, its opening date stays.
    pub async fn update_campaign(
        &self,
        id: &str,
        name: &str,
        opens_at: i64,
        closes_at: i64,
        settings: &CampaignSettings,
    ) -> Result<()> {
        sqlx::query("UPDATE campaigns SET name = $1, opens_at = CASE WHEN opens_at <= $2 THEN opens_at ELSE $3 END, closes_at = $4, settings = $5 WHERE id = $6")
            .bind(name)
            .bind(now())
            .bind(opens_at)
            .bind(closes_at)
            .bind(serde_json::to_string(settings).map_err(|e| StoreError(e.to_string()))?)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Turns self-registration on (with a new code, 128 random bits, so that an old link
    /// spread earlier stops working) or off.
    pub async fn set_registration(&self, id: &str, on: bool) -> Result<Option<String>> {
        let code = on.then(|| random_hex(16));
        sqlx::query("UPDATE campaigns SET registration_code = $1 WHERE id = $2")
            .bind(code.as_deref())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(code)
    }

    /// The campaign whose registration link this is.
    pub async fn campaign_by_registration(&self, code: &str) -> Result<Option<Campaign>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM campaigns WHERE registration_code = $1"))
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(campaign_from).transpose()
    }
}
