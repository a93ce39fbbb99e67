//! The device security hub's rows (hub.md §6): organisations and their people, the advisories
//! the coordinator took in (kept as uploaded, with their warnings and TLP label), hospitals'
//! devices, the findings the matching engine stored for them, each finding's state and the
//! vendor aliases. What matches is decided by `mamori-matching`, outside this crate; every
//! query about an organisation's rows takes the organisation's id, which callers take from
//! the signed-in person, never from the request.

use crate::{Result, Store, StoreError, base64_decode, base64_encode, now, random_hex};
use sqlx::Row;

/// What an organisation of the hub is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 製造販売業者: products, releases, SBOMs, VEX.
    Manufacturer,
    /// 医療機関: a device inventory and its findings.
    Hospital,
    /// The hub's coordinator: intake, organisations, vendor aliases.
    Coordinator,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Manufacturer => "manufacturer",
            OrgKind::Hospital => "hospital",
            OrgKind::Coordinator => "coordinator",
        }
    }

    pub fn parse(text: &str) -> Option<OrgKind> {
        Some(match text {
            "manufacturer" => OrgKind::Manufacturer,
            "hospital" => OrgKind::Hospital,
            "coordinator" => OrgKind::Coordinator,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HubOrg {
    pub id: String,
    pub kind: OrgKind,
    pub name_ja: String,
    pub name_en: String,
    /// A manufacturer's licence class (第一種/第二種/第三種製造販売業, `mah1`…), else empty.
    pub licence_class: String,
    pub psirt_contact: String,
    /// A manufacturer's 法人番号, checked: its link to the survey's participant.
    pub corporate_number: String,
}

/// An advisory document as the coordinator took it in.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HubDocument {
    pub id: String,
    /// `csaf`, `osv` or `jvn`.
    pub format: String,
    pub file_name: String,
    pub sha256: String,
    /// The advisory's own id (`ICSMA-21-343-01`, `RUSTSEC-2016-0001`) and revision.
    pub doc_id: String,
    pub revision: String,
    /// TLP 2.0 label: CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
    pub tlp: String,
    pub title: String,
    /// The reader's warnings, as JSON (a list of problems).
    pub warnings: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

/// What is stored for a newly taken-in document.
pub struct NewDocument<'a> {
    pub format: &'a str,
    pub file_name: &'a str,
    pub doc_id: &'a str,
    pub revision: &'a str,
    pub tlp: &'a str,
    pub title: &'a str,
    pub warnings: &'a str,
    pub uploaded_by: &'a str,
    pub bytes: &'a [u8],
}

/// One device of a hospital's inventory.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct HubDevice {
    pub id: String,
    pub org_id: String,
    /// The row of the file it was imported from (0 when added on a page).
    pub row: i64,
    pub manufacturer: String,
    pub product: String,
    pub model: String,
    pub version: String,
    pub serial: String,
    pub asset_tag: String,
    pub location: String,
    pub purl: String,
}

/// A finding the engine stored: one advisory product a device may be.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NewFinding {
    pub org_id: String,
    pub device_id: String,
    pub advisory: String,
    pub product_id: String,
    pub revision: String,
    /// `exact`, `range` or `possible`.
    pub confidence: String,
    /// The engine's finding as JSON (reasons, statement, vulnerabilities, remediations, CVSS).
    pub body: String,
}

/// A stored finding with the hospital's state for it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HubFinding {
    #[serde(flatten)]
    pub finding: NewFinding,
    /// new, acknowledged, mitigated, risk_accepted or resolved.
    pub state: String,
    pub why: String,
    pub changed_by: String,
    pub changed_at: i64,
    pub tlp: String,
    /// The device as the pages name it (its id, org and row left empty).
    pub device: HubDevice,
}

/// A finding's states, in the order a hospital works through them.
pub const FINDING_STATES: &[&str] = &["new", "acknowledged", "mitigated", "risk_accepted", "resolved"];

/// Which findings a recomputation rewrites.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    All,
    /// One organisation's (its inventory changed).
    Org(&'a str),
    /// The devices a new advisory can concern (see [`DeviceScope`]).
    Devices(&'a DeviceScope),
}

/// The devices whose manufacturer is one of `manufacturers` (as written in inventories) or
/// that have a finding on one of `advisories`: all that a new revision of those advisories
/// can add a finding to or take one from.
#[derive(Debug, Clone, Default)]
pub struct DeviceScope {
    pub manufacturers: Vec<String>,
    pub advisories: Vec<String>,
}

impl DeviceScope {
    /// The SQL condition on a device id column, with its placeholders from `$first`.
    fn condition(&self, column: &str, first: usize) -> String {
        let list = |from: usize, n: usize| (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let (m, a) = (self.manufacturers.len(), self.advisories.len());
        let mut parts = Vec::new();
        if m > 0 {
            parts.push(format!("{column} IN (SELECT id FROM hub_devices WHERE manufacturer IN ({}))", list(first, m)));
        }
        if a > 0 {
            parts.push(format!(
                "{column} IN (SELECT device_id FROM hub_findings WHERE advisory IN ({}))",
                list(first + m, a)
            ));
        }
        if parts.is_empty() { "1 = 0".into() } else { format!("({})", parts.join(" OR ")) }
    }

    fn values(&self) -> impl Iterator<Item = &String> {
        self.manufacturers.iter().chain(&self.advisories)
    }
}

/// A vendor alias the coordinator confirmed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HubAlias {
    pub alias: String,
    pub vendor: String,
    pub confirmed_by: String,
    pub why: String,
    pub created_at: i64,
}

/// A hospital's confirmation that a device is a manufacturer's release.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeviceLink {
    pub release_id: String,
    pub confirmed_by: String,
    pub confirmed_at: i64,
    pub why: String,
}

fn org_from(r: &sqlx::any::AnyRow) -> Result<HubOrg> {
    org_with_id(r, r.try_get("id")?)
}

/// An organisation from a row holding its columns (its id given: a row that joins the
/// person's has the person's `id`).
fn org_with_id(r: &sqlx::any::AnyRow, id: String) -> Result<HubOrg> {
    let kind: String = r.try_get("kind")?;
    Ok(HubOrg {
        id,
        kind: OrgKind::parse(&kind).ok_or_else(|| StoreError(format!("unknown organisation kind {kind}")))?,
        name_ja: r.try_get("name_ja")?,
        name_en: r.try_get("name_en")?,
        licence_class: r.try_get("licence_class")?,
        psirt_contact: r.try_get("psirt_contact")?,
        corporate_number: r.try_get("corporate_number")?,
    })
}

fn document_from(r: &sqlx::any::AnyRow) -> Result<HubDocument> {
    Ok(HubDocument {
        id: r.try_get("id")?,
        format: r.try_get("format")?,
        file_name: r.try_get("file_name")?,
        sha256: r.try_get("sha256")?,
        doc_id: r.try_get("doc_id")?,
        revision: r.try_get("revision")?,
        tlp: r.try_get("tlp")?,
        title: r.try_get("title")?,
        warnings: r.try_get("warnings")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

fn device_from(r: &sqlx::any::AnyRow) -> Result<HubDevice> {
    Ok(HubDevice {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        row: r.try_get("row_number")?,
        manufacturer: r.try_get("manufacturer")?,
        product: r.try_get("product")?,
        model: r.try_get("model")?,
        version: r.try_get("version")?,
        serial: r.try_get("serial")?,
        asset_tag: r.try_get("asset_tag")?,
        location: r.try_get("location")?,
        purl: r.try_get("purl")?,
    })
}

const DOCUMENT_COLUMNS: &str =
    "id, format, file_name, sha256, doc_id, revision, tlp, title, warnings, uploaded_by, uploaded_at";
const DEVICE_COLUMNS: &str =
    "id, org_id, row_number, manufacturer, product, model, version, serial, asset_tag, location, purl";

impl Store {
    pub async fn create_hub_org(
        &self,
        kind: OrgKind,
        name_ja: &str,
        name_en: &str,
        licence_class: &str,
    ) -> Result<String> {
        let id = format!("hub-{}", random_hex(8));
        sqlx::query(
            "INSERT INTO hub_orgs (id, kind, name_ja, name_en, licence_class, psirt_contact, created_at) \
             VALUES ($1, $2, $3, $4, $5, '', $6)",
        )
        .bind(&id)
        .bind(kind.as_str())
        .bind(name_ja)
        .bind(name_en)
        .bind(licence_class)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Links a manufacturer to its survey participant by 法人番号 (already checked).
    pub async fn set_hub_corporate_number(&self, org_id: &str, number: &str) -> Result<()> {
        sqlx::query("UPDATE hub_orgs SET corporate_number = $1 WHERE id = $2")
            .bind(number)
            .bind(org_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether a manufacturer of the hub has this 法人番号.
    pub async fn hub_manufacturer_with_number(&self, number: &str) -> Result<bool> {
        if number.is_empty() {
            return Ok(false);
        }
        let row = sqlx::query("SELECT 1 AS one FROM hub_orgs WHERE kind = 'manufacturer' AND corporate_number = $1")
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    pub async fn hub_orgs(&self) -> Result<Vec<HubOrg>> {
        let rows = sqlx::query(
            "SELECT id, kind, name_ja, name_en, licence_class, psirt_contact, corporate_number FROM hub_orgs ORDER BY kind, name_ja",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(org_from).collect()
    }

    pub async fn hub_org(&self, id: &str) -> Result<Option<HubOrg>> {
        let row =
            sqlx::query("SELECT id, kind, name_ja, name_en, licence_class, psirt_contact, corporate_number FROM hub_orgs WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(org_from).transpose()
    }

    /// A signed-in hub person's session with its organisation, in one query (every hub page
    /// asks for both): none for an unknown or expired session, an inactive person, or a user
    /// without a hub organisation (the survey office's).
    pub async fn hub_session(&self, token: &str) -> Result<Option<(crate::staff::Session, HubOrg)>> {
        let row = sqlx::query(
            "SELECT u.id, u.login, u.name, u.role, u.active, u.org_id, u.hub_role, s.csrf, \
                    o.kind, o.name_ja, o.name_en, o.licence_class, o.psirt_contact, o.corporate_number \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN hub_orgs o ON o.id = u.org_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
        )
        .bind(crate::token_hash(token))
        .bind(crate::now())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let user = crate::staff::user_from(&r)?;
        let org = org_with_id(&r, user.org_id.clone())?;
        Ok(Some((crate::staff::Session { user, csrf: r.try_get("csrf")? }, org)))
    }

    /// Adds a person of a hub organisation (`hub_role` `admin` or `member`); the password
    /// arrives hashed. Returns the person's id.
    pub async fn create_hub_person(
        &self,
        org_id: &str,
        login: &str,
        name: &str,
        hub_role: &str,
        password_hash: &str,
    ) -> Result<String> {
        if !matches!(hub_role, "admin" | "member") {
            return Err(StoreError(format!("unknown hub role {hub_role}: admin or member")));
        }
        if self.hub_org(org_id).await?.is_none() {
            return Err(StoreError(format!("no hub organisation {org_id}")));
        }
        let id = random_hex(8);
        sqlx::query(
            "INSERT INTO users (id, login, name, role, password_hash, active, created_at, org_id, hub_role) \
             VALUES ($1, $2, $3, 'hub', $4, 1, $5, $6, $7)",
        )
        .bind(&id)
        .bind(login)
        .bind(name)
        .bind(password_hash)
        .bind(now())
        .bind(org_id)
        .bind(hub_role)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Turns one of `org_id`'s people on or off (ending their sessions when off); false when
    /// the organisation has no such person.
    pub async fn set_hub_person_active(&self, org_id: &str, person_id: &str, active: bool) -> Result<bool> {
        let changed = sqlx::query("UPDATE users SET active = $1 WHERE id = $2 AND org_id = $3 AND role = 'hub'")
            .bind(i64::from(active))
            .bind(person_id)
            .bind(org_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        // Only a person of this organisation's: another organisation's admin must not be able
        // to end anyone's sessions.
        if changed > 0 && !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(person_id).execute(&self.pool).await?;
        }
        Ok(changed > 0)
    }

    /// The people of one organisation.
    pub async fn hub_people(&self, org_id: &str) -> Result<Vec<crate::User>> {
        let rows = sqlx::query(
            "SELECT id, login, name, role, active, org_id, hub_role FROM users WHERE role = 'hub' AND org_id = $1 ORDER BY login",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(crate::staff::user_from).collect()
    }

    /// Stores one document; see [`Store::add_hub_documents`].
    pub async fn add_hub_document(&self, doc: &NewDocument<'_>) -> Result<Option<String>> {
        Ok(self.add_hub_documents(std::slice::from_ref(doc)).await?.pop().flatten())
    }

    /// Stores documents, all or none, in one transaction that moves the hub's generation on
    /// once (so that a recomputation started before does not overwrite one that includes
    /// them). Each gets its id, or `None` when the same bytes are already stored: taking a
    /// file in twice changes nothing.
    pub async fn add_hub_documents(&self, docs: &[NewDocument<'_>]) -> Result<Vec<Option<String>>> {
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            // The generation first: every writer takes that row's lock before any other, so
            // a recomputation storing findings (which holds it) never waits on us in a cycle.
            bump_generation(&mut tx).await?;
            let mut ids = Vec::with_capacity(docs.len());
            for doc in docs {
                let sha256 = crate::sha256_hex(doc.bytes);
                let id = random_hex(8);
                let inserted = sqlx::query(
                    "INSERT INTO hub_documents (id, format, file_name, sha256, doc_id, revision, tlp, title, warnings, uploaded_by, uploaded_at, content) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(&id)
                .bind(doc.format)
                .bind(doc.file_name)
                .bind(&sha256)
                .bind(doc.doc_id)
                .bind(doc.revision)
                .bind(doc.tlp)
                .bind(doc.title)
                .bind(doc.warnings)
                .bind(doc.uploaded_by)
                .bind(now())
                .bind(base64_encode(doc.bytes))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                ids.push((inserted > 0).then_some(id));
            }
            if ids.iter().all(Option::is_none) {
                // Nothing new: the generation stays where it was.
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            Ok(ids)
        })
        .await
    }

    /// Every document taken in, newest first (without its bytes).
    pub async fn hub_documents(&self) -> Result<Vec<HubDocument>> {
        let rows =
            sqlx::query(&format!("SELECT {DOCUMENT_COLUMNS} FROM hub_documents ORDER BY uploaded_at DESC, doc_id"))
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(document_from).collect()
    }

    /// The stored revisions of one advisory, newest upload first.
    pub async fn hub_documents_for(&self, doc_id: &str) -> Result<Vec<HubDocument>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM hub_documents WHERE doc_id = $1 ORDER BY uploaded_at DESC, revision DESC"
        ))
        .bind(doc_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_from).collect()
    }

    /// Every document with its bytes, for the engine: (file name, bytes).
    pub async fn hub_document_contents(&self) -> Result<Vec<(HubDocument, Vec<u8>)>> {
        let rows =
            sqlx::query(&format!("SELECT {DOCUMENT_COLUMNS}, content FROM hub_documents ORDER BY doc_id, uploaded_at"))
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                let content: String = r.try_get("content")?;
                let bytes = base64_decode(&content).ok_or_else(|| StoreError("a stored document is damaged".into()))?;
                Ok((document_from(r)?, bytes))
            })
            .collect()
    }

    /// How far the hub's inputs (documents, inventories, aliases) have changed: a
    /// recomputation stores its findings only if no input changed while it ran.
    pub async fn hub_generation(&self) -> Result<i64> {
        let row =
            sqlx::query("SELECT value FROM hub_state WHERE name = 'generation'").fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?.unwrap_or(0))
    }

    /// Adds devices to a hospital's inventory, all or none, and moves the generation on.
    pub async fn add_hub_devices(&self, org_id: &str, devices: &[HubDevice]) -> Result<Vec<String>> {
        let ids: Vec<String> = devices.iter().map(|_| format!("dev-{}", random_hex(8))).collect();
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            // The generation first: every writer takes that row's lock before any other, so
            // a recomputation storing findings (which holds it) never waits on us in a cycle.
            bump_generation(&mut tx).await?;
            for (d, id) in devices.iter().zip(&ids) {
                sqlx::query(&format!(
                    "INSERT INTO hub_devices ({DEVICE_COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ))
                .bind(id)
                .bind(org_id)
                .bind(d.row)
                .bind(&d.manufacturer)
                .bind(&d.product)
                .bind(&d.model)
                .bind(&d.version)
                .bind(&d.serial)
                .bind(&d.asset_tag)
                .bind(&d.location)
                .bind(&d.purl)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await?;
        Ok(ids)
    }

    /// A hospital's devices, in inventory order.
    pub async fn hub_devices(&self, org_id: &str) -> Result<Vec<HubDevice>> {
        let rows = sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM hub_devices WHERE org_id = $1 ORDER BY created_at, row_number, id"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device_from).collect()
    }

    /// Every hospital's devices, for the engine.
    pub async fn all_hub_devices(&self) -> Result<Vec<HubDevice>> {
        let rows = sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM hub_devices ORDER BY org_id, created_at, row_number, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device_from).collect()
    }

    /// The devices of a scope, for the engine.
    pub async fn hub_devices_in(&self, scope: &DeviceScope) -> Result<Vec<HubDevice>> {
        let sql =
            format!("SELECT {DEVICE_COLUMNS} FROM hub_devices WHERE {} ORDER BY org_id, id", scope.condition("id", 1));
        let mut q = sqlx::query(&sql);
        for v in scope.values() {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(device_from).collect()
    }

    /// Every manufacturer name written in an inventory, once.
    pub async fn hub_manufacturer_names(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT manufacturer FROM hub_devices").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(r.try_get("manufacturer")?)).collect()
    }

    /// One device of `org_id`'s; another organisation's device is not found.
    pub async fn hub_device(&self, org_id: &str, device_id: &str) -> Result<Option<HubDevice>> {
        let row = sqlx::query(&format!("SELECT {DEVICE_COLUMNS} FROM hub_devices WHERE org_id = $1 AND id = $2"))
            .bind(org_id)
            .bind(device_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(device_from).transpose()
    }

    /// Replaces the stored findings of `scope` with `findings` and, when given, every
    /// release's findings, in one transaction, if the hub's inputs are still at `generation`.
    /// Returns false (and changes nothing) when they moved on: whoever moved them recomputes.
    pub async fn replace_hub_findings(
        &self,
        generation: i64,
        scope: Scope<'_>,
        findings: &[NewFinding],
        releases: Option<&[crate::hub_products::ReleaseFinding]>,
    ) -> Result<bool> {
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            // Taking the generation row for update serialises recomputations on PostgreSQL;
            // SQLite's single writer does the same.
            let now_at = if self.sqlite {
                sqlx::query("UPDATE hub_state SET value = value WHERE name = 'generation'").execute(&mut *tx).await?;
                sqlx::query("SELECT value FROM hub_state WHERE name = 'generation'").fetch_optional(&mut *tx).await?
            } else {
                sqlx::query("SELECT value FROM hub_state WHERE name = 'generation' FOR UPDATE")
                    .fetch_optional(&mut *tx)
                    .await?
            };
            let current: i64 = now_at.map(|r| r.try_get("value")).transpose()?.unwrap_or(0);
            if current != generation {
                tx.rollback().await?;
                return Ok(false);
            }
            // Only what changed is written: a new advisory touches a few thousand of the
            // hundreds of thousands of findings, and rewriting them all would take seconds.
            let select = "SELECT device_id, advisory, product_id, digest FROM hub_findings";
            let stored = match scope {
                Scope::All => sqlx::query(select).fetch_all(&mut *tx).await?,
                Scope::Org(org) => {
                    sqlx::query(&format!("{select} WHERE org_id = $1")).bind(org).fetch_all(&mut *tx).await?
                }
                Scope::Devices(devices) => {
                    let sql = format!("{select} WHERE {}", devices.condition("device_id", 1));
                    let mut q = sqlx::query(&sql);
                    for v in devices.values() {
                        q = q.bind(v);
                    }
                    q.fetch_all(&mut *tx).await?
                }
            };
            let mut stale: std::collections::HashMap<(String, String, String), String> = stored
                .iter()
                .map(|r| {
                    Ok((
                        (r.try_get("device_id")?, r.try_get("advisory")?, r.try_get("product_id")?),
                        r.try_get("digest")?,
                    ))
                })
                .collect::<Result<_>>()?;
            for f in findings {
                let digest = finding_digest(f);
                let key = (f.device_id.clone(), f.advisory.clone(), f.product_id.clone());
                match stale.remove(&key) {
                    Some(old) if old == digest => continue,
                    Some(_) => {
                        sqlx::query(
                            "UPDATE hub_findings SET revision = $1, confidence = $2, body = $3, digest = $4, brief = $8 \
                             WHERE device_id = $5 AND advisory = $6 AND product_id = $7",
                        )
                        .bind(&f.revision)
                        .bind(&f.confidence)
                        .bind(&f.body)
                        .bind(&digest)
                        .bind(&f.device_id)
                        .bind(&f.advisory)
                        .bind(&f.product_id)
                        .bind(brief_of(&f.body))
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO hub_findings (org_id, device_id, advisory, product_id, revision, confidence, body, digest, brief) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(&f.org_id)
                        .bind(&f.device_id)
                        .bind(&f.advisory)
                        .bind(&f.product_id)
                        .bind(&f.revision)
                        .bind(&f.confidence)
                        .bind(&f.body)
                        .bind(&digest)
                        .bind(brief_of(&f.body))
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            for (device, advisory, product) in stale.keys() {
                sqlx::query("DELETE FROM hub_findings WHERE device_id = $1 AND advisory = $2 AND product_id = $3")
                    .bind(device)
                    .bind(advisory)
                    .bind(product)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(releases) = releases {
                Store::write_release_findings(&mut tx, releases).await?;
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// An organisation's findings with their states, optionally of one device or one
    /// advisory; most confident first.
    pub async fn hub_findings(
        &self,
        org_id: &str,
        device_id: Option<&str>,
        advisory: Option<&str>,
    ) -> Result<Vec<HubFinding>> {
        self.hub_findings_as(org_id, device_id, advisory, false).await
    }

    /// A digest of everything [`Self::hub_findings`] would return for the same arguments,
    /// computed in the database and returned as one row, so that a page built from those
    /// findings can be kept and shown again while the digest is unchanged (the findings list,
    /// read far more often than it changes). It covers each finding's digest and state and
    /// the hub's generation — which every write to devices or documents (their names, their
    /// TLP labels) moves in its own transaction — so it needs neither the devices nor the
    /// documents read.
    pub async fn hub_findings_fingerprint(
        &self,
        org_id: &str,
        device_id: Option<&str>,
        advisory: Option<&str>,
    ) -> Result<String> {
        // Identifiers, digests and states hold no '|' (hex, codes); free text is written with
        // its length, so no two different lists read the same.
        let plain = [
            "f.device_id",
            "f.advisory",
            "f.product_id",
            "f.digest",
            "COALESCE(s.state, 'new')",
            "CAST(COALESCE(s.changed_at, 0) AS TEXT)",
        ];
        let text = ["COALESCE(s.why, '')", "COALESCE(s.changed_by, '')"];
        let row: Vec<String> = plain
            .iter()
            .map(|f| f.to_string())
            .chain(text.iter().map(|f| format!("CAST(LENGTH({f}) AS TEXT) || ':' || {f}")))
            .collect();
        let row = row.join(" || '|' || ");
        // One row back whatever the number of findings: SQLite's group_concat, PostgreSQL's
        // string_agg, in the order of their scan — the same while the rows are (sorting cost
        // more than the rest of the request); a different order only costs a rebuild.
        let aggregate = if self.sqlite { "group_concat(x, '\n')" } else { "string_agg(x, '\n')" };
        let sql = format!(
            "SELECT COUNT(*) AS n, {aggregate} AS rows, \
                    (SELECT MAX(value) FROM hub_state WHERE name = 'generation') AS generation \
             FROM (SELECT {row} AS x FROM hub_findings f \
             LEFT JOIN hub_finding_states s ON s.device_id = f.device_id AND s.advisory = f.advisory \
             WHERE f.org_id = $1 AND ($2 = '' OR f.device_id = $2) AND ($3 = '' OR f.advisory = $3)) AS t"
        );
        let r = sqlx::query(&sql)
            .bind(org_id)
            .bind(device_id.unwrap_or(""))
            .bind(advisory.unwrap_or(""))
            .fetch_one(&self.pool)
            .await?;
        let n: i64 = r.try_get("n")?;
        let rows: Option<String> = r.try_get("rows")?;
        let generation: Option<i64> = r.try_get("generation")?;
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(n.to_le_bytes());
        h.update(generation.unwrap_or(0).to_le_bytes());
        h.update(rows.unwrap_or_default().as_bytes());
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The organisation's findings with their bodies [`brief_of`] (`brief`: what the findings
    /// list shows) or whole.
    pub async fn hub_findings_as(
        &self,
        org_id: &str,
        device_id: Option<&str>,
        advisory: Option<&str>,
        brief: bool,
    ) -> Result<Vec<HubFinding>> {
        // Rows written before the brief column have it empty: their body stands in.
        let body = if brief { "CASE WHEN f.brief = '' THEN f.body ELSE f.brief END AS body" } else { "f.body" };
        let sql = format!(
            "SELECT f.org_id, f.device_id, f.advisory, f.product_id, f.revision, f.confidence, {body}, \
                    COALESCE(s.state, 'new') AS state, COALESCE(s.why, '') AS why, \
                    COALESCE(s.changed_by, '') AS changed_by, COALESCE(s.changed_at, 0) AS changed_at, \
                    COALESCE((SELECT MAX(d.tlp) FROM hub_documents d WHERE d.doc_id = f.advisory AND d.revision = f.revision), 'CLEAR') AS tlp, \
                    v.manufacturer, v.product, v.model, v.version, v.location \
             FROM hub_findings f JOIN hub_devices v ON v.id = f.device_id \
             LEFT JOIN hub_finding_states s ON s.device_id = f.device_id AND s.advisory = f.advisory \
             WHERE f.org_id = $1 AND ($2 = '' OR f.device_id = $2) AND ($3 = '' OR f.advisory = $3) \
             ORDER BY f.confidence, f.advisory, f.device_id, f.product_id"
        );
        let rows = sqlx::query(&sql)
            .bind(org_id)
            .bind(device_id.unwrap_or(""))
            .bind(advisory.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(HubFinding {
                    finding: NewFinding {
                        org_id: r.try_get("org_id")?,
                        device_id: r.try_get("device_id")?,
                        advisory: r.try_get("advisory")?,
                        product_id: r.try_get("product_id")?,
                        revision: r.try_get("revision")?,
                        confidence: r.try_get("confidence")?,
                        body: r.try_get("body")?,
                    },
                    state: r.try_get("state")?,
                    why: r.try_get("why")?,
                    changed_by: r.try_get("changed_by")?,
                    changed_at: r.try_get("changed_at")?,
                    tlp: r.try_get("tlp")?,
                    device: HubDevice {
                        manufacturer: r.try_get("manufacturer")?,
                        product: r.try_get("product")?,
                        model: r.try_get("model")?,
                        version: r.try_get("version")?,
                        location: r.try_get("location")?,
                        ..Default::default()
                    },
                })
            })
            .collect()
    }

    /// Whether any of an organisation's devices has a finding on `advisory`.
    pub async fn hub_concerned(&self, org_id: &str, advisory: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 AS one FROM hub_findings WHERE org_id = $1 AND advisory = $2 LIMIT 1")
            .bind(org_id)
            .bind(advisory)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Sets the state of `org_id`'s finding on (device, advisory); returns the state before,
    /// or `None` when the organisation has no such finding (another's device, a made-up id).
    pub async fn set_hub_finding_state(
        &self,
        org_id: &str,
        device_id: &str,
        advisory: &str,
        state: &str,
        why: &str,
        by: &str,
    ) -> Result<Option<String>> {
        if !FINDING_STATES.contains(&state) {
            return Err(StoreError(format!("unknown finding state {state}")));
        }
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            let exists = sqlx::query("SELECT 1 AS one FROM hub_findings WHERE org_id = $1 AND device_id = $2 AND advisory = $3 LIMIT 1")
                .bind(org_id)
                .bind(device_id)
                .bind(advisory)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                tx.rollback().await?;
                return Ok(None);
            }
            let before = sqlx::query("SELECT state FROM hub_finding_states WHERE device_id = $1 AND advisory = $2")
                .bind(device_id)
                .bind(advisory)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get::<String, _>("state"))
                .transpose()?
                .unwrap_or_else(|| "new".into());
            sqlx::query(
                "INSERT INTO hub_finding_states (device_id, advisory, org_id, state, why, changed_by, changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (device_id, advisory) DO UPDATE SET \
                 state = excluded.state, why = excluded.why, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            )
            .bind(device_id)
            .bind(advisory)
            .bind(org_id)
            .bind(state)
            .bind(why)
            .bind(by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(before))
        })
        .await
    }

    /// Records that a hospital confirmed which hub release its device is (a possible link
    /// made certain), and moves the generation on.
    pub async fn confirm_device_link(
        &self,
        org_id: &str,
        device_id: &str,
        release_id: &str,
        by: &str,
        why: &str,
    ) -> Result<bool> {
        if self.hub_device(org_id, device_id).await?.is_none() {
            return Ok(false);
        }
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            // The generation first: every writer takes that row's lock before any other, so
            // a recomputation storing findings (which holds it) never waits on us in a cycle.
            bump_generation(&mut tx).await?;
            sqlx::query(
                "INSERT INTO hub_device_links (device_id, org_id, release_id, confirmed_by, confirmed_at, why) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (device_id) DO UPDATE SET release_id = excluded.release_id, confirmed_by = excluded.confirmed_by, \
                 confirmed_at = excluded.confirmed_at, why = excluded.why",
            )
            .bind(device_id)
            .bind(org_id)
            .bind(release_id)
            .bind(by)
            .bind(now())
            .bind(why)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// Changes one of `org_id`'s devices (everything but its id and row); false when the
    /// organisation has no such device.
    pub async fn update_hub_device(&self, org_id: &str, device: &HubDevice) -> Result<bool> {
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            bump_generation(&mut tx).await?;
            let changed = sqlx::query(
                "UPDATE hub_devices SET manufacturer = $1, product = $2, model = $3, version = $4, serial = $5, \
                 asset_tag = $6, location = $7, purl = $8 WHERE org_id = $9 AND id = $10",
            )
            .bind(&device.manufacturer)
            .bind(&device.product)
            .bind(&device.model)
            .bind(&device.version)
            .bind(&device.serial)
            .bind(&device.asset_tag)
            .bind(&device.location)
            .bind(&device.purl)
            .bind(org_id)
            .bind(&device.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// Removes one of `org_id`'s devices with its findings, states and link; false when the
    /// organisation has no such device. (The audit log keeps what it was.)
    pub async fn delete_hub_device(&self, org_id: &str, device_id: &str) -> Result<bool> {
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            bump_generation(&mut tx).await?;
            let mine = sqlx::query("SELECT 1 AS one FROM hub_devices WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(device_id)
                .fetch_optional(&mut *tx)
                .await?;
            if mine.is_none() {
                tx.rollback().await?;
                return Ok(false);
            }
            for table in ["hub_findings", "hub_finding_states", "hub_device_links"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE device_id = $1"))
                    .bind(device_id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM hub_devices WHERE id = $1").bind(device_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// Confirmed device → release links: (device, release).
    /// Who confirmed that one of the organisation's devices is a release, when and why.
    pub async fn device_link(&self, org_id: &str, device_id: &str) -> Result<Option<DeviceLink>> {
        let row = sqlx::query(
            "SELECT release_id, confirmed_by, confirmed_at, why FROM hub_device_links WHERE org_id = $1 AND device_id = $2",
        )
        .bind(org_id)
        .bind(device_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(DeviceLink {
                release_id: r.try_get("release_id")?,
                confirmed_by: r.try_get("confirmed_by")?,
                confirmed_at: r.try_get("confirmed_at")?,
                why: r.try_get("why")?,
            })
        })
        .transpose()
    }

    pub async fn device_links(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT device_id, release_id FROM hub_device_links").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("device_id")?, r.try_get("release_id")?))).collect()
    }

    /// Records a vendor alias (the coordinator's confirmation: who and why) and moves the
    /// generation on; a second confirmation of the same alias replaces the first.
    pub async fn add_hub_alias(&self, alias: &str, vendor: &str, by: &str, why: &str) -> Result<()> {
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            // The generation first: every writer takes that row's lock before any other, so
            // a recomputation storing findings (which holds it) never waits on us in a cycle.
            bump_generation(&mut tx).await?;
            sqlx::query(
                "INSERT INTO hub_aliases (alias, vendor, confirmed_by, why, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (alias) DO UPDATE SET vendor = excluded.vendor, confirmed_by = excluded.confirmed_by, \
                 why = excluded.why, created_at = excluded.created_at",
            )
            .bind(alias)
            .bind(vendor)
            .bind(by)
            .bind(why)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Possible findings that are possible because a manufacturer's name as written in an
    /// inventory is only similar to an advisory's vendor: (the name as written, the device,
    /// the finding as JSON), for the coordinator to confirm or leave. Across organisations,
    /// without saying whose devices they are.
    pub async fn similar_vendor_findings(&self) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query(
            "SELECT v.manufacturer, f.device_id, f.body FROM hub_findings f JOIN hub_devices v ON v.id = f.device_id \
             WHERE f.confidence = 'possible' AND f.body LIKE '%\"vendor_similar\"%'",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("manufacturer")?, r.try_get("device_id")?, r.try_get("body")?))).collect()
    }

    pub async fn hub_aliases(&self) -> Result<Vec<HubAlias>> {
        let rows =
            sqlx::query("SELECT alias, vendor, confirmed_by, why, created_at FROM hub_aliases ORDER BY vendor, alias")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(HubAlias {
                    alias: r.try_get("alias")?,
                    vendor: r.try_get("vendor")?,
                    confirmed_by: r.try_get("confirmed_by")?,
                    why: r.try_get("why")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}

/// A finding's body as the findings list needs it: without the remediations (most of a
/// CSAF finding's bytes), the version range and the CVSS vector, which only the finding's own
/// page and the exports show.
pub fn brief_of(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut m)) => {
            for key in ["remediations", "vers", "source"] {
                m.remove(key);
            }
            if let Some(serde_json::Value::Object(severity)) = m.get_mut("severity") {
                severity.remove("vector");
            }
            serde_json::Value::Object(m).to_string()
        }
        // Not an object: the list reads the body itself.
        _ => String::new(),
    }
}

/// What a stored finding says, in 64 hex digits: equal digests need no write.
fn finding_digest(f: &NewFinding) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [&f.org_id, &f.revision, &f.confidence, &f.body] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) async fn bump_generation(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
    sqlx::query(
        "INSERT INTO hub_state (name, value) VALUES ('generation', 1) \
         ON CONFLICT (name) DO UPDATE SET value = hub_state.value + 1",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod brief_tests {
    use super::brief_of;

    #[test]
    fn the_brief_keeps_what_the_list_shows_and_drops_the_rest() {
        let body = r#"{"advisory":"A","reasons":["vendor_equal"],"status":"affected","severity":{"rating":"high","score":8.1,"vector":"CVSS:3.0/AV:N"},"statement":{"vendor":"V","product":"P"},"remediations":[{"category":"vendor_fix","details":"long text"}],"vers":"vers:intdot/>=1","source":"csaf","vex":{"document":"D"}}"#;
        let brief: serde_json::Value = serde_json::from_str(&brief_of(body)).unwrap();
        assert_eq!(brief["reasons"][0], "vendor_equal");
        assert_eq!(brief["severity"]["score"], 8.1);
        assert_eq!(brief["statement"]["product"], "P");
        assert_eq!(brief["vex"]["document"], "D");
        for gone in ["remediations", "vers", "source"] {
            assert!(brief.get(gone).is_none(), "{gone}");
        }
        assert!(brief["severity"].get("vector").is_none());
        assert_eq!(brief_of("not json"), "", "the list then reads the body");
    }
}
