//! Participants: the companies asked to answer, each with a personal link, and what the office
//! knows of their progress and review.

use crate::{Result, Store, hmac, now, random_hex, token_hash};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub id: String,
    pub campaign_id: String,
    pub company: String,
    pub license: String,
    pub email: String,
    pub language: String,
    pub opened_at: Option<i64>,
    /// `""` (not reviewed), `valid` or `invalid`.
    pub review_status: String,
    pub review_reason: String,
    /// `office` (added or imported by the office) or `registration` (registered itself).
    pub source: String,
    /// The organisation across campaigns (org.rs): the same in a campaign and its successor.
    pub org_id: String,
    /// The 法人番号 (13 digits, checked), or empty.
    pub corporate_number: String,
}

/// A participant to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewParticipant {
    pub company: String,
    pub license: String,
    pub email: String,
    pub language: String,
    /// The 法人番号, checked by [`crate::org::corporate_number`], or empty.
    pub corporate_number: String,
}

/// Where a participant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    NotOpened,
    InProgress,
    Submitted,
}

/// A participant with its progress and its latest mail, for the office's lists.
#[derive(Debug, Clone)]
pub struct ParticipantRow {
    pub participant: Participant,
    pub progress: Progress,
    pub updated_at: Option<i64>,
    pub last_mail: Option<(String, String)>,
}

pub(crate) const COLUMNS: &str = "p.id, p.campaign_id, p.company, p.license, p.email, p.language, p.opened_at, p.review_status, p.review_reason, p.source, p.org_id, p.corporate_number";

pub(crate) fn participant_from(r: &sqlx::any::AnyRow) -> Result<Participant> {
    Ok(Participant {
        id: r.try_get("id")?,
        campaign_id: r.try_get("campaign_id")?,
        company: r.try_get("company")?,
        license: r.try_get("license")?,
        email: r.try_get("email")?,
        language: r.try_get("language")?,
        opened_at: r.try_get("opened_at")?,
        review_status: r.try_get("review_status")?,
        review_reason: r.try_get("review_reason")?,
        source: r.try_get("source")?,
        org_id: r.try_get("org_id")?,
        corporate_number: r.try_get("corporate_number")?,
    })
}

impl Store {
    /// The personal link token of a participant: 256 bits, the same every time it is asked
    /// for (invitation, reminder, registration mail), stored only as its SHA-256.
    pub fn link_token(&self, participant_id: &str) -> String {
        hmac(&self.link_key, &format!("link:{participant_id}"))
    }

    /// Adds a participant; returns its id and its personal link token.
    pub async fn add_participant(
        &self,
        campaign_id: &str,
        company: &str,
        license: &str,
        email: &str,
        language: &str,
    ) -> Result<(String, String)> {
        let new = NewParticipant {
            company: company.into(),
            license: license.into(),
            email: email.into(),
            language: language.into(),
            corporate_number: String::new(),
        };
        let id = self.add_participants(campaign_id, &[new], "office").await?.remove(0);
        let token = self.link_token(&id);
        Ok((id, token))
    }

    /// Adds participants in one transaction: all of them or, on any failure, none. Each gets a
    /// new organisation id (from its corporate number when it has one).
    pub async fn add_participants(
        &self,
        campaign_id: &str,
        participants: &[NewParticipant],
        source: &str,
    ) -> Result<Vec<String>> {
        let with_orgs: Vec<(&NewParticipant, String)> =
            participants.iter().map(|p| (p, crate::org::new_org_id(&p.corporate_number))).collect();
        self.insert_participants(campaign_id, &with_orgs, source).await
    }

    /// Inserts participants with the organisation ids given, in one transaction.
    pub(crate) async fn insert_participants(
        &self,
        campaign_id: &str,
        participants: &[(&NewParticipant, String)],
        source: &str,
    ) -> Result<Vec<String>> {
        // A failed transaction's connection is closed, never pooled.
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            let mut ids = Vec::with_capacity(participants.len());
            for (p, org_id) in participants {
                let id = self.insert_participant(&mut tx, campaign_id, p, org_id, source).await?;
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
        .await
    }

    /// Inserts one participant inside the caller's transaction, with a new id and the hash of
    /// its personal link ([`Store::link_token`]); the one place a participant row is written.
    pub(crate) async fn insert_participant(
        &self,
        conn: &mut sqlx::AnyConnection,
        campaign_id: &str,
        p: &NewParticipant,
        org_id: &str,
        source: &str,
    ) -> Result<String> {
        let id = random_hex(8);
        sqlx::query("INSERT INTO participants (id, campaign_id, company, license, email, language, token_hash, source, created_at, org_id, corporate_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(&id)
            .bind(campaign_id)
            .bind(&p.company)
            .bind(&p.license)
            .bind(&p.email)
            .bind(&p.language)
            .bind(token_hash(&self.link_token(&id)))
            .bind(source)
            .bind(now())
            .bind(org_id)
            .bind(&p.corporate_number)
            .execute(conn)
            .await?;
        Ok(id)
    }

    /// The participant whose personal link this is.
    pub async fn participant_by_token(&self, token: &str) -> Result<Option<Participant>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM participants p WHERE p.token_hash = $1"))
            .bind(token_hash(token))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(participant_from).transpose()
    }

    pub async fn participant(&self, id: &str) -> Result<Option<Participant>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM participants p WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(participant_from).transpose()
    }

    /// The participant of a campaign with this e-mail address (compared without case).
    pub async fn participant_by_email(&self, campaign_id: &str, email: &str) -> Result<Option<Participant>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM participants p WHERE p.campaign_id = $1 AND LOWER(p.email) = LOWER($2) ORDER BY p.created_at LIMIT 1"
        ))
        .bind(campaign_id)
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(participant_from).transpose()
    }

    /// Changes a participant's details. Its organisation id stays: it is what links it to the
    /// previous and next campaigns.
    pub async fn update_participant(&self, id: &str, p: &NewParticipant) -> Result<()> {
        sqlx::query("UPDATE participants SET company = $1, license = $2, email = $3, language = $4, corporate_number = $5 WHERE id = $6")
            .bind(&p.company)
            .bind(&p.license)
            .bind(&p.email)
            .bind(&p.language)
            .bind(&p.corporate_number)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the first time a participant opened its link.
    pub async fn mark_opened(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE participants SET opened_at = $1 WHERE id = $2 AND opened_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks a response valid or invalid (with the reason), or back to not reviewed (`""`).
    pub async fn set_review(&self, id: &str, status: &str, reason: &str) -> Result<()> {
        sqlx::query("UPDATE participants SET review_status = $1, review_reason = $2 WHERE id = $3")
            .bind(status)
            .bind(reason)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every participant of a campaign with its progress and latest mail, by company name.
    pub async fn participants_of(&self, campaign_id: &str) -> Result<Vec<ParticipantRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, r.status AS response_status, r.updated_at AS updated_at, \
             (SELECT m.kind || ' ' || m.status FROM mails m WHERE m.participant_id = p.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS last_mail \
             FROM participants p LEFT JOIN responses r ON r.participant_id = p.id \
             WHERE p.campaign_id = $1 ORDER BY p.company, p.id"
        ))
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let participant = participant_from(r)?;
                let status: Option<String> = r.try_get("response_status")?;
                let progress = match status.as_deref() {
                    Some("submitted") => Progress::Submitted,
                    Some(_) => Progress::InProgress,
                    None if participant.opened_at.is_some() => Progress::InProgress,
                    None => Progress::NotOpened,
                };
                let last_mail: Option<String> = r.try_get("last_mail")?;
                Ok(ParticipantRow {
                    participant,
                    progress,
                    updated_at: r.try_get("updated_at")?,
                    last_mail: last_mail.and_then(|m| m.split_once(' ').map(|(k, s)| (k.to_string(), s.to_string()))),
                })
            })
            .collect()
    }
}
