//! A manufacturer's side of the hub (hub.md §6): products, releases in their order, an SBOM
//! per release (every upload kept, the newest current), VEX documents per release, and the
//! findings the engine stored for each release through its SBOM. Hospitals' confirmed links
//! from a device to a release live here too. Every query takes the owning organisation.

use crate::hub::bump_generation;
use crate::{Result, Store, StoreError, base64_decode, base64_encode, now, random_hex};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct HubProduct {
    pub id: String,
    pub org_id: String,
    pub name_ja: String,
    pub name_en: String,
    /// Model numbers (型番), one per line as typed.
    pub models: Vec<String>,
    /// JAN/GTIN (UDI-DI), checked by its check digit before it is stored.
    pub gtin: String,
    /// How its versions are ordered: `intdot`, `semver` or `release-order` (the releases'
    /// own order).
    pub scheme: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct HubRelease {
    pub id: String,
    pub product_id: String,
    pub org_id: String,
    pub version: String,
    /// Position in the product's release order, oldest first.
    pub ordinal: i64,
    /// `YYYY-MM-DD` or empty.
    pub released_on: String,
    pub end_of_support: String,
}

/// A file a manufacturer uploaded for a release: an SBOM or a VEX document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReleaseFile {
    pub id: String,
    pub release_id: String,
    pub org_id: String,
    pub file_name: String,
    /// The reader's summary: the SBOM's format and component count, or the VEX's statements.
    pub summary: String,
    pub warnings: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

/// What is stored for a newly uploaded release file.
#[derive(Clone, Copy)]
pub struct NewReleaseFile<'a> {
    pub kind: FileKind,
    pub file_name: &'a str,
    pub summary: &'a str,
    pub warnings: &'a str,
    pub by: &'a str,
    pub bytes: &'a [u8],
}

/// A finding on a release through its SBOM.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReleaseFinding {
    pub release_id: String,
    pub org_id: String,
    pub advisory: String,
    pub component: String,
    pub confidence: String,
    /// `affected`, `not_affected`, `fixed` or `under_investigation` after the VEX.
    pub status: String,
    pub body: String,
}

fn product_from(r: &sqlx::any::AnyRow) -> Result<HubProduct> {
    let models: String = r.try_get("models")?;
    Ok(HubProduct {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        name_ja: r.try_get("name_ja")?,
        name_en: r.try_get("name_en")?,
        models: models.lines().map(str::to_string).filter(|m| !m.is_empty()).collect(),
        gtin: r.try_get("gtin")?,
        scheme: r.try_get("scheme")?,
    })
}

fn release_from(r: &sqlx::any::AnyRow) -> Result<HubRelease> {
    Ok(HubRelease {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        org_id: r.try_get("org_id")?,
        version: r.try_get("version")?,
        ordinal: r.try_get("ordinal")?,
        released_on: r.try_get("released_on")?,
        end_of_support: r.try_get("end_of_support")?,
    })
}

fn file_from(r: &sqlx::any::AnyRow) -> Result<ReleaseFile> {
    Ok(ReleaseFile {
        id: r.try_get("id")?,
        release_id: r.try_get("release_id")?,
        org_id: r.try_get("org_id")?,
        file_name: r.try_get("file_name")?,
        summary: r.try_get("summary")?,
        warnings: r.try_get("warnings")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

const PRODUCT_COLUMNS: &str = "id, org_id, name_ja, name_en, models, gtin, scheme";
const RELEASE_COLUMNS: &str = "id, product_id, org_id, version, ordinal, released_on, end_of_support";
const FILE_COLUMNS: &str = "id, release_id, org_id, file_name, summary, warnings, uploaded_by, uploaded_at";

/// Which kind of release file: the table it is kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Sbom,
    Vex,
}

impl FileKind {
    fn table(self) -> &'static str {
        match self {
            FileKind::Sbom => "hub_sboms",
            FileKind::Vex => "hub_vex",
        }
    }
}

impl Store {
    pub async fn add_hub_product(&self, p: &HubProduct) -> Result<String> {
        let id = format!("prd-{}", random_hex(8));
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            // The generation first: every writer takes that row's lock before any other, so
            // a recomputation storing findings (which holds it) never waits on us in a cycle.
            bump_generation(&mut tx).await?;
            sqlx::query(&format!(
                "INSERT INTO hub_products ({PRODUCT_COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&id)
            .bind(&p.org_id)
            .bind(&p.name_ja)
            .bind(&p.name_en)
            .bind(p.models.join("\n"))
            .bind(&p.gtin)
            .bind(&p.scheme)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    /// A manufacturer's products (`org_id`), or every manufacturer's (`None`, for the engine).
    pub async fn hub_products(&self, org_id: Option<&str>) -> Result<Vec<HubProduct>> {
        let rows = sqlx::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM hub_products WHERE ($1 = '' OR org_id = $1) ORDER BY org_id, name_ja, id"
        ))
        .bind(org_id.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(product_from).collect()
    }

    pub async fn hub_product(&self, org_id: &str, id: &str) -> Result<Option<HubProduct>> {
        let row = sqlx::query(&format!("SELECT {PRODUCT_COLUMNS} FROM hub_products WHERE org_id = $1 AND id = $2"))
            .bind(org_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(product_from).transpose()
    }

    /// Adds a release at the end of the product's order; refused when the version exists.
    pub async fn add_hub_release(&self, org_id: &str, r: &HubRelease) -> Result<Option<String>> {
        if self.hub_product(org_id, &r.product_id).await?.is_none() {
            return Err(StoreError("no such product of this organisation".into()));
        }
        let id = format!("rel-{}", random_hex(8));
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            // The generation first: every writer takes that row's lock before any other, so
            // a recomputation storing findings (which holds it) never waits on us in a cycle.
            bump_generation(&mut tx).await?;
            let exists = sqlx::query("SELECT 1 AS one FROM hub_releases WHERE product_id = $1 AND version = $2")
                .bind(&r.product_id)
                .bind(&r.version)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                tx.rollback().await?;
                return Ok(None);
            }
            let next: i64 =
                sqlx::query("SELECT COALESCE(MAX(ordinal), 0) + 1 AS n FROM hub_releases WHERE product_id = $1")
                    .bind(&r.product_id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
            sqlx::query(&format!(
                "INSERT INTO hub_releases ({RELEASE_COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&id)
            .bind(&r.product_id)
            .bind(org_id)
            .bind(&r.version)
            .bind(next)
            .bind(&r.released_on)
            .bind(&r.end_of_support)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(id.clone()))
        })
        .await
    }

    /// Releases of one product (`Some`) or of every product (`None`), in release order.
    pub async fn hub_releases(&self, product_id: Option<&str>) -> Result<Vec<HubRelease>> {
        let rows = sqlx::query(&format!(
            "SELECT {RELEASE_COLUMNS} FROM hub_releases WHERE ($1 = '' OR product_id = $1) ORDER BY product_id, ordinal"
        ))
        .bind(product_id.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(release_from).collect()
    }

    pub async fn hub_release(&self, org_id: &str, id: &str) -> Result<Option<HubRelease>> {
        let row = sqlx::query(&format!("SELECT {RELEASE_COLUMNS} FROM hub_releases WHERE org_id = $1 AND id = $2"))
            .bind(org_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(release_from).transpose()
    }

    /// Stores an SBOM or VEX file of a release (already read and checked by the caller).
    pub async fn add_release_file(&self, release: &HubRelease, file: &NewReleaseFile<'_>) -> Result<String> {
        let NewReleaseFile { kind, file_name, summary, warnings, by, bytes } = *file;
        let id = random_hex(8);
        crate::on_own_connection(&self.pool, async |conn| {
            let mut tx = sqlx::Connection::begin(conn).await?;
            // The generation first: every writer takes that row's lock before any other, so
            // a recomputation storing findings (which holds it) never waits on us in a cycle.
            bump_generation(&mut tx).await?;
            sqlx::query(&format!(
                "INSERT INTO {} ({FILE_COLUMNS}, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                kind.table()
            ))
            .bind(&id)
            .bind(&release.id)
            .bind(&release.org_id)
            .bind(file_name)
            .bind(summary)
            .bind(warnings)
            .bind(by)
            .bind(crate::now_micros())
            .bind(base64_encode(bytes))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    /// A release's SBOMs or VEX documents, newest first.
    pub async fn release_files(&self, kind: FileKind, release_id: &str) -> Result<Vec<ReleaseFile>> {
        let rows = sqlx::query(&format!(
            "SELECT {FILE_COLUMNS} FROM {} WHERE release_id = $1 ORDER BY uploaded_at DESC, id",
            kind.table()
        ))
        .bind(release_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(file_from).collect()
    }

    /// Every release file of a kind with its bytes, for the engine: newest first per release.
    pub async fn all_release_files(&self, kind: FileKind) -> Result<Vec<(ReleaseFile, Vec<u8>)>> {
        let rows = sqlx::query(&format!(
            "SELECT {FILE_COLUMNS}, content FROM {} ORDER BY release_id, uploaded_at DESC, id",
            kind.table()
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let content: String = r.try_get("content")?;
                let bytes = base64_decode(&content).ok_or_else(|| StoreError("a stored file is damaged".into()))?;
                Ok((file_from(r)?, bytes))
            })
            .collect()
    }

    /// The bytes of one release file of `org_id`'s.
    pub async fn release_file_bytes(
        &self,
        kind: FileKind,
        org_id: &str,
        id: &str,
    ) -> Result<Option<(ReleaseFile, Vec<u8>)>> {
        let row =
            sqlx::query(&format!("SELECT {FILE_COLUMNS}, content FROM {} WHERE org_id = $1 AND id = $2", kind.table()))
                .bind(org_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            let content: String = r.try_get("content")?;
            let bytes = base64_decode(&content).ok_or_else(|| StoreError("a stored file is damaged".into()))?;
            Ok((file_from(&r)?, bytes))
        })
        .transpose()
    }

    /// Stores the release findings along with the device findings (see
    /// [`Store::replace_hub_findings`]): both or neither.
    pub(crate) async fn write_release_findings(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        findings: &[ReleaseFinding],
    ) -> Result<()> {
        sqlx::query("DELETE FROM hub_release_findings").execute(&mut **tx).await?;
        for f in findings {
            sqlx::query(
                "INSERT INTO hub_release_findings (release_id, org_id, advisory, component, confidence, status, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&f.release_id)
            .bind(&f.org_id)
            .bind(&f.advisory)
            .bind(&f.component)
            .bind(&f.confidence)
            .bind(&f.status)
            .bind(&f.body)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// A manufacturer's release findings, of one release or all.
    pub async fn release_findings(&self, org_id: &str, release_id: Option<&str>) -> Result<Vec<ReleaseFinding>> {
        let rows = sqlx::query(
            "SELECT release_id, org_id, advisory, component, confidence, status, body FROM hub_release_findings \
             WHERE org_id = $1 AND ($2 = '' OR release_id = $2) ORDER BY release_id, confidence, advisory, component",
        )
        .bind(org_id)
        .bind(release_id.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReleaseFinding {
                    release_id: r.try_get("release_id")?,
                    org_id: r.try_get("org_id")?,
                    advisory: r.try_get("advisory")?,
                    component: r.try_get("component")?,
                    confidence: r.try_get("confidence")?,
                    status: r.try_get("status")?,
                    body: r.try_get("body")?,
                })
            })
            .collect()
    }

    /// Sets an organisation's PSIRT contact (shown to hospitals with its devices).
    pub async fn set_psirt_contact(&self, org_id: &str, contact: &str) -> Result<()> {
        sqlx::query("UPDATE hub_orgs SET psirt_contact = $1 WHERE id = $2")
            .bind(contact)
            .bind(org_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A security document of a product: MDS2 (ANSI/NEMA HN 1-2019), JAHIS MDS/SDS, or other.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Attachment {
    pub id: String,
    pub product_id: String,
    pub org_id: String,
    /// `mds2`, `jahis_mds`, `jahis_sds` or `other`.
    pub kind: String,
    pub form_version: String,
    pub file_name: String,
    pub tlp: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

fn attachment_from(r: &sqlx::any::AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        org_id: r.try_get("org_id")?,
        kind: r.try_get("kind")?,
        form_version: r.try_get("form_version")?,
        file_name: r.try_get("file_name")?,
        tlp: r.try_get("tlp")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

const ATTACHMENT_COLUMNS: &str = "id, product_id, org_id, kind, form_version, file_name, tlp, uploaded_by, uploaded_at";

impl Store {
    /// Stores a security document of `org_id`'s product (the caller checked the product).
    pub async fn add_attachment(&self, a: &Attachment, bytes: &[u8]) -> Result<String> {
        let id = format!("doc-{}", random_hex(8));
        sqlx::query(&format!(
            "INSERT INTO hub_attachments ({ATTACHMENT_COLUMNS}, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(&id)
        .bind(&a.product_id)
        .bind(&a.org_id)
        .bind(&a.kind)
        .bind(&a.form_version)
        .bind(&a.file_name)
        .bind(&a.tlp)
        .bind(&a.uploaded_by)
        .bind(now())
        .bind(base64_encode(bytes))
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// A product's security documents, newest first.
    pub async fn attachments(&self, product_id: &str) -> Result<Vec<Attachment>> {
        let rows = sqlx::query(&format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM hub_attachments WHERE product_id = $1 ORDER BY uploaded_at DESC, id"
        ))
        .bind(product_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attachment_from).collect()
    }

    /// One document with its bytes (whoever asks must be checked by the caller).
    pub async fn attachment(&self, id: &str) -> Result<Option<(Attachment, Vec<u8>)>> {
        let row = sqlx::query(&format!("SELECT {ATTACHMENT_COLUMNS}, content FROM hub_attachments WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let content: String = r.try_get("content")?;
            let bytes = base64_decode(&content).ok_or_else(|| StoreError("a stored document is damaged".into()))?;
            Ok((attachment_from(&r)?, bytes))
        })
        .transpose()
    }
}

/// Whether a JAN/GTIN (8, 12, 13 or 14 digits) has the right check digit (GS1's mod-10:
/// weights 3 and 1 from the right, the check digit excluded).
pub fn gtin_valid(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != text.len() || ![8, 12, 13, 14].contains(&digits.len()) {
        return false;
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
    (10 - sum % 10) % 10 == check[0]
}

#[cfg(test)]
mod tests {
    use super::gtin_valid;

    #[test]
    fn gtin_check_digits_are_gs1s() {
        // GS1's own examples and real JAN codes.
        for good in ["4901234567894", "4912345678904", "00012345600012", "96385074", "036000291452"] {
            assert!(gtin_valid(good), "{good}");
        }
        for bad in ["4901234567890", "4912345678900", "96385070", "", "49012345678a4", "123", "036000291453"] {
            assert!(!gtin_valid(bad), "{bad}");
        }
    }
}
