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
    /// The campaign this one succeeds (the previous wave), if it was created from one.
    pub previous_id: Option<String>,
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
    /// With a previous campaign: each respondent sees its own previous answer beside each
    /// question (read-only, marked 前回の回答).
    pub show_previous_answers: bool,
    /// The largest document a `file` question takes, in megabytes (at most
    /// [`MAX_UPLOAD_MB`]).
    pub upload_max_mb: u64,
    /// The kinds of document `file` questions take, by extension (`pdf`, `docx`, …).
    pub upload_types: Vec<String>,
}

/// The most the office can allow for one document: the respondent's page carries it in one
/// request, and the database keeps it in a row.
pub const MAX_UPLOAD_MB: u64 = 20;

impl Default for CampaignSettings {
    fn default() -> Self {
        CampaignSettings {
            languages: vec!["ja".into(), "en".into()],
            feedback_released: false,
            segment: "license_type".into(),
            min_peers: 10,
            templates: BTreeMap::new(),
            mail_from: "survey-office@example.jp".into(),
            show_previous_answers: false,
            upload_max_mb: 10,
            upload_types: ["pdf", "docx", "xlsx", "pptx", "txt", "png", "jpg"].map(String::from).to_vec(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailTemplate {
    pub subject: String,
    pub body: String,
}

const COLUMNS: &str =
    "id, name, form_file_name, form_version, opens_at, closes_at, settings, registration_code, previous_id";

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
        previous_id: r.try_get(col("previous_id").as_str())?,
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

    /// Every campaign, newest first (created in the same second: the later wave first).
    pub async fn campaigns(&self) -> Result<Vec<Campaign>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM campaigns ORDER BY created_at DESC, opens_at DESC, id"))
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

    /// Creates the next wave of `previous`: a new campaign with its own questionnaire (a new
    /// version) and dates, the previous campaign's settings and mail texts (feedback not yet
    /// released; `adjust` may change them, e.g. for the new form's languages), and its
    /// participants copied with their organisation ids and new personal links. One
    /// transaction: the whole succession or nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn succeed_campaign(
        &self,
        previous_id: &str,
        name: &str,
        form_file_name: &str,
        form_bytes: &[u8],
        form_version: &str,
        (opens_at, closes_at): (i64, i64),
        adjust: impl FnOnce(&mut CampaignSettings),
    ) -> Result<String> {
        let previous = self
            .campaign(previous_id)
            .await?
            .ok_or_else(|| StoreError(format!("no campaign {previous_id} to succeed")))?;
        let mut settings = previous.settings.clone();
        settings.feedback_released = false;
        adjust(&mut settings);
        let settings = serde_json::to_string(&settings).map_err(|e| StoreError(e.to_string()))?;
        let id = random_hex(8);
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            sqlx::query("INSERT INTO campaigns (id, name, form_file_name, form_base64, form_version, opens_at, closes_at, settings, created_at, previous_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(&id)
                .bind(name)
                .bind(form_file_name)
                .bind(base64_encode(form_bytes))
                .bind(form_version)
                .bind(opens_at)
                .bind(closes_at)
                .bind(&settings)
                .bind(now())
                .bind(previous_id)
                .execute(&mut *tx)
                .await?;
            let rows = sqlx::query(
                "SELECT company, license, email, language, source, org_id, corporate_number FROM participants \
                 WHERE campaign_id = $1 ORDER BY created_at, id",
            )
            .bind(previous_id)
            .fetch_all(&mut *tx)
            .await?;
            for r in &rows {
                let carried = crate::NewParticipant {
                    company: r.try_get("company")?,
                    license: r.try_get("license")?,
                    email: r.try_get("email")?,
                    language: r.try_get("language")?,
                    corporate_number: r.try_get("corporate_number")?,
                };
                let (org_id, source): (String, String) = (r.try_get("org_id")?, r.try_get("source")?);
                self.insert_participant(&mut tx, &id, &carried, &org_id, &source).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    /// The organisations of a campaign and its predecessor, each with whether it submitted in
    /// either (a response the review marked invalid does not count), by company name. Empty
    /// for a campaign without a predecessor.
    pub async fn panel(&self, campaign_id: &str) -> Result<Vec<PanelMember>> {
        let Some(campaign) = self.campaign(campaign_id).await? else {
            return Ok(Vec::new());
        };
        let Some(previous_id) = campaign.previous_id else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT p.campaign_id, p.org_id, p.company, \
             CASE WHEN r.submitted_answers IS NOT NULL AND p.review_status <> 'invalid' THEN 1 ELSE 0 END AS answered \
             FROM participants p LEFT JOIN responses r ON r.participant_id = p.id \
             WHERE p.campaign_id = $1 OR p.campaign_id = $2 ORDER BY p.company, p.org_id",
        )
        .bind(campaign_id)
        .bind(&previous_id)
        .fetch_all(&self.pool)
        .await?;
        let mut members: BTreeMap<String, PanelMember> = BTreeMap::new();
        for r in &rows {
            let org_id: String = r.try_get("org_id")?;
            let company: String = r.try_get("company")?;
            let answered: i64 = r.try_get("answered")?;
            let current = r.try_get::<String, _>("campaign_id")? == campaign_id;
            let m = members.entry(org_id.clone()).or_insert_with(|| PanelMember {
                org_id,
                company: company.clone(),
                answered_previous: false,
                answered_current: false,
                in_current: false,
            });
            if current {
                m.company = company; // the current name, if it changed
                m.in_current = true;
                m.answered_current |= answered == 1;
            } else {
                m.answered_previous |= answered == 1;
            }
        }
        let mut out: Vec<PanelMember> = members.into_values().collect();
        out.sort_by(|a, b| a.company.cmp(&b.company).then(a.org_id.cmp(&b.org_id)));
        Ok(out)
    }

    /// The submitted answers of the same organisation in the campaign before this
    /// participant's, unless the review marked them invalid.
    pub async fn previous_answers(&self, participant: &crate::Participant) -> Result<Option<crate::AnswerMap>> {
        let row = sqlx::query(
            "SELECT r.submitted_answers FROM campaigns c \
             JOIN participants p ON p.campaign_id = c.previous_id AND p.org_id = $2 \
             JOIN responses r ON r.participant_id = p.id \
             WHERE c.id = $1 AND r.submitted_answers IS NOT NULL AND p.review_status <> 'invalid' \
             ORDER BY r.submitted_at DESC LIMIT 1",
        )
        .bind(&participant.campaign_id)
        .bind(&participant.org_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| -> Result<crate::AnswerMap> {
            let json: String = r.try_get("submitted_answers")?;
            serde_json::from_str(&json).map_err(|e| StoreError(format!("stored answers are damaged: {e}")))
        })
        .transpose()
    }
}

/// An organisation of a campaign or its predecessor ([`Store::panel`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PanelMember {
    pub org_id: String,
    pub company: String,
    pub answered_previous: bool,
    pub answered_current: bool,
    /// Still a participant of the current campaign.
    pub in_current: bool,
}
