//! Between the hub's rows and its matching engine: a document taken in is read by the same
//! readers as `mamori hub check`, and findings are computed by the same `match_devices` as
//! `mamori hub match`, from every stored document (older revisions collapsed) and the
//! confirmed vendor aliases, then stored for the organisations concerned.

use super::releases::{self, Catalogue};
use mamori_advisories::problem::{Problem, Severity as ProblemSeverity};
use mamori_advisories::sources::Loaded;
use mamori_matching::devices::match_devices;
use mamori_matching::knowledge::Knowledge;
use mamori_matching::names::Aliases;
use mamori_matching::scan::ScanFinding;
use mamori_matching::tables::Device;
use mamori_store::hub::{DeviceScope, HubAlias, HubDevice, HubDocument, NewDocument, NewFinding, OrgKind, Scope};
use mamori_store::hub_products::FileKind;
use mamori_store::{Store, StoreError};
use std::collections::HashMap;

/// What the intake learns from one file before storing it.
#[derive(Debug, Clone)]
pub struct ReadDocument {
    pub format: &'static str,
    pub doc_id: String,
    pub revision: String,
    pub title: String,
    /// The document's own TLP label (TLP 2.0 names), if it has one.
    pub tlp: Option<String>,
    pub warnings: Vec<Problem>,
    /// A CSAF or JVN advisory whose products have no purl or cpe: it can concern devices
    /// through their names only, never an SBOM's components.
    pub names_only: bool,
}

/// Reads one uploaded file as the hub reads advisories; its errors (the file is not used)
/// or what it is, with its warnings.
pub fn read_document(name: &str, bytes: &[u8]) -> Result<ReadDocument, Vec<Problem>> {
    let mut loaded = Loaded::default();
    let format = loaded.add_document(name, bytes);
    let (errors, warnings): (Vec<Problem>, Vec<Problem>) =
        loaded.problems.into_iter().partition(|p| p.severity == ProblemSeverity::Error);
    let Some(format) = format.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let value: Option<serde_json::Value> = serde_json::from_slice(bytes).ok();
    let (doc_id, revision, title) = match (loaded.csaf.first(), loaded.osv.first()) {
        (Some(c), _) => {
            let more = loaded.csaf.len() - 1;
            let title = if more > 0 { format!("{} (+{more})", c.document.title) } else { c.document.title.clone() };
            (c.document.id.clone(), c.document.version.clone(), title)
        }
        (None, Some(r)) => {
            let modified = value.as_ref().and_then(|v| v["modified"].as_str()).unwrap_or("").to_string();
            (r.id.clone(), modified, r.summary.clone().unwrap_or_default())
        }
        (None, None) => return Err(vec![Problem::error("", "holds no advisory").in_file(name)]),
    };
    let tlp =
        value.as_ref().and_then(|v| v.pointer("/document/distribution/tlp/label")).and_then(|l| l.as_str()).map(tlp_2);
    let names_only = loaded.osv.is_empty()
        && loaded.csaf.iter().all(|c| c.document.products.iter().all(|p| p.purl.is_none() && p.cpe.is_none()));
    Ok(ReadDocument { format, doc_id, revision, title, tlp, warnings, names_only })
}

/// TLP 1.0's WHITE is TLP 2.0's CLEAR; other labels keep their names, upper-case.
pub fn tlp_2(label: &str) -> String {
    match label.trim().to_ascii_uppercase().as_str() {
        "WHITE" => "CLEAR".into(),
        other => other.to_string(),
    }
}

/// The engine's knowledge: every stored document read again and revisions collapsed to
/// the newest, with the confirmed aliases.
pub fn knowledge(documents: &[(HubDocument, Vec<u8>)], aliases: &[HubAlias], catalogue: &Catalogue) -> Knowledge {
    let mut loaded = Loaded::default();
    for (doc, bytes) in documents {
        loaded.add_document(&doc.file_name, bytes);
    }
    loaded.collapse_revisions();
    Knowledge::new(loaded, known_aliases(aliases), &catalogue.release_orders())
}

pub fn known_aliases(aliases: &[HubAlias]) -> Aliases {
    let mut known = Aliases::default();
    for a in aliases {
        known.insert(&a.alias, &a.vendor, Some(a.confirmed_by.clone()), Some(a.why.clone()));
    }
    known
}

/// The findings for `devices`: one per device and advisory product, as `mamori hub match`
/// finds them, and, for a device linked to a manufacturer's release, one per finding of that
/// release's SBOM (`found`, by release).
pub fn findings(
    knowledge: &Knowledge,
    devices: &[HubDevice],
    catalogue: &Catalogue,
    found: &HashMap<String, Vec<ScanFinding>>,
) -> Vec<NewFinding> {
    let table: Vec<Device> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| Device {
            row: i,
            manufacturer: d.manufacturer.clone(),
            product: d.product.clone(),
            model: d.model.clone(),
            version: d.version.clone(),
            serial: d.serial.clone(),
            asset_tag: d.asset_tag.clone(),
            location: d.location.clone(),
            purl: d.purl.clone(),
        })
        .collect();
    let mut out = Vec::new();
    for result in match_devices(knowledge, &table) {
        let device = &devices[result.device.row];
        for f in result.findings.iter() {
            out.push(NewFinding {
                org_id: device.org_id.clone(),
                device_id: device.id.clone(),
                advisory: f.body.advisory.clone(),
                product_id: f.body.product_id.clone(),
                revision: f.body.revision.clone(),
                confidence: serde_json::to_value(f.confidence)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                body: serde_json::to_string(f).expect("a finding serialises"),
            });
        }
        if let Some(link) = catalogue.link(device, &knowledge.aliases) {
            out.extend(releases::device_findings(device, &link, found));
        }
    }
    out
}

/// Everything the manufacturers registered, for the engine.
pub async fn catalogue(store: &Store, with_files: bool) -> Result<Catalogue, StoreError> {
    let manufacturers = store.hub_orgs().await?.into_iter().filter(|o| o.kind == OrgKind::Manufacturer).collect();
    let (sboms, vex) = if with_files {
        (store.all_release_files(FileKind::Sbom).await?, store.all_release_files(FileKind::Vex).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Catalogue {
        manufacturers,
        products: store.hub_products(None).await?,
        releases: store.hub_releases(None).await?,
        sboms,
        vex,
        links: store.device_links().await?,
    })
}

/// How many times a recomputation starts again before it reports failure.
const ROUNDS: usize = 32;

/// What a recomputation covers.
#[derive(Debug, Clone)]
pub enum Target {
    /// Every organisation, and every release (a document that can reach SBOMs, an alias,
    /// a manufacturer's change).
    All,
    /// One hospital (its inventory or a confirmed link changed).
    Org(String),
    /// The devices advisories with these ids can concern: those of a related manufacturer
    /// and those with a finding on them (a new CSAF or JVN advisory without package
    /// identifiers, which reaches no SBOM).
    Advisories(Vec<String>),
}

/// Recomputes and stores the findings of one organisation (after its inventory changed) or
/// of all (after a document or an alias arrived). If an input changes while it runs, it
/// starts again from the new inputs, so what is stored always reflects every input taken in.
pub async fn recompute(store: &Store, org_id: Option<&str>) -> Result<usize, StoreError> {
    recompute_target(store, &org_id.map_or(Target::All, |o| Target::Org(o.to_string()))).await
}

/// See [`recompute`]; `target` says which findings can change.
pub async fn recompute_target(store: &Store, target: &Target) -> Result<usize, StoreError> {
    let timings = std::env::var_os("MAMORI_TIMINGS").map(|_| std::time::Instant::now());
    let phase = |what: &str| {
        if let Some(start) = timings {
            eprintln!("timing: {what} done at {:.3} s", start.elapsed().as_secs_f64());
        }
    };
    // Each round that is overtaken by a new input starts again from it; a writer's
    // transaction moves the generation once, so rounds are overtaken only while others write.
    for _ in 0..ROUNDS {
        let generation = store.hub_generation().await?;
        let documents = store.hub_document_contents().await?;
        let aliases = store.hub_aliases().await?;
        let catalogue = catalogue(store, true).await?;
        let (knowledge, catalogue) =
            tokio::task::spawn_blocking(move || (knowledge(&documents, &aliases, &catalogue), catalogue))
                .await
                .map_err(|e| StoreError(format!("reading advisories failed: {e}")))?;
        phase("knowledge built");
        let (devices, scope) = match target {
            Target::All => (store.all_hub_devices().await?, None),
            Target::Org(org) => (store.hub_devices(org).await?, None),
            Target::Advisories(ids) => {
                let names = store.hub_manufacturer_names().await?;
                let scope = DeviceScope {
                    manufacturers: related_manufacturers(&knowledge, ids, &names),
                    advisories: ids.clone(),
                };
                (store.hub_devices_in(&scope).await?, Some(scope))
            }
        };
        phase("devices read");
        let all = matches!(target, Target::All);
        let (computed, releases) = tokio::task::spawn_blocking(move || {
            let found = catalogue.release_findings(&knowledge);
            let releases = all.then(|| releases::stored_release_findings(&catalogue, &found));
            (findings(&knowledge, &devices, &catalogue, &found), releases)
        })
        .await
        .map_err(|e| StoreError(format!("matching failed: {e}")))?;
        phase("findings computed");
        let scope = match (target, &scope) {
            (Target::Org(org), _) => Scope::Org(org),
            (Target::Advisories(_), Some(devices)) => Scope::Devices(devices),
            _ => Scope::All,
        };
        if store.replace_hub_findings(generation, scope, &computed, releases.as_deref()).await? {
            phase("findings stored");
            return Ok(computed.len());
        }
    }
    Err(StoreError(
        "the hub's inputs kept changing while findings were computed; they are computed again with the next change"
            .into(),
    ))
}

/// The manufacturers written in inventories that are the same as, or similar to, a vendor
/// of the advisories `ids` — exactly those whose devices `match_devices` compares with
/// their products.
fn related_manufacturers(knowledge: &Knowledge, ids: &[String], names: &[String]) -> Vec<String> {
    use mamori_matching::names::{Vendor, VendorRelation, relate_vendors};
    let vendors: Vec<&Vendor> = knowledge
        .vendors
        .iter()
        .filter(|v| v.products.iter().any(|&p| ids.contains(&knowledge.document(&knowledge.products[p]).id)))
        .map(|v| &v.vendor)
        .collect();
    names
        .iter()
        .filter(|name| {
            let device = Vendor::new(name, &knowledge.aliases);
            vendors.iter().any(|v| relate_vendors(&device, v) != VendorRelation::Unrelated)
        })
        .cloned()
        .collect()
}

/// What an intake did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    /// Documents stored, with (advisory id, revision, file name) of each.
    pub added: Vec<(String, String, String)>,
    /// Files already stored with the same bytes: nothing changed.
    pub again: usize,
    /// Findings stored for every organisation afterwards.
    pub findings: usize,
}

/// Why an intake stored nothing.
#[derive(Debug)]
pub enum IntakeError {
    /// Files that cannot be used, each problem named by file and place.
    Unreadable(Vec<String>),
    Store(StoreError),
}

/// Takes documents in, all or nothing: every file is read first and one that cannot be used
/// stops the whole intake; then each is stored (the same bytes twice change nothing) with its
/// own TLP label or `default_tlp`, and every organisation's findings are recomputed. For the
/// intake page and `mamori hub import`.
pub async fn take_in(
    store: &Store,
    files: Vec<(String, Vec<u8>)>,
    default_tlp: &str,
    by: &str,
) -> Result<Intake, IntakeError> {
    let read = tokio::task::spawn_blocking(move || {
        files
            .into_iter()
            .map(|(name, bytes)| {
                let r = read_document(&name, &bytes);
                (name, bytes, r)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| IntakeError::Store(StoreError(format!("reading documents failed: {e}"))))?;
    let errors: Vec<String> =
        read.iter().filter_map(|(_, _, r)| r.as_ref().err()).flatten().map(|p| p.to_string()).collect();
    if !errors.is_empty() {
        return Err(IntakeError::Unreadable(errors));
    }
    let mut intake = Intake { added: Vec::new(), again: 0, findings: 0 };
    let prepared: Vec<(&String, &Vec<u8>, &ReadDocument, String, String)> = read
        .iter()
        .filter_map(|(name, bytes, r)| {
            let doc = r.as_ref().ok()?;
            let warnings = serde_json::to_string(&doc.warnings).expect("problems serialise");
            let tlp = doc.tlp.clone().unwrap_or_else(|| default_tlp.to_string());
            Some((name, bytes, doc, warnings, tlp))
        })
        .collect();
    let new: Vec<NewDocument> = prepared
        .iter()
        .map(|(name, bytes, doc, warnings, tlp)| NewDocument {
            format: doc.format,
            file_name: name,
            doc_id: &doc.doc_id,
            revision: &doc.revision,
            tlp,
            title: &doc.title,
            warnings,
            uploaded_by: by,
            bytes,
        })
        .collect();
    // One transaction: all the files or none, and one move of the generation.
    let ids = store.add_hub_documents(&new).await.map_err(IntakeError::Store)?;
    for ((name, _, doc, _, _), id) in prepared.iter().zip(&ids) {
        match id {
            Some(_) => intake.added.push((doc.doc_id.clone(), doc.revision.clone(), (*name).clone())),
            None => intake.again += 1,
        }
    }
    // A CSAF or JVN advisory without package identifiers reaches devices through their
    // names only: only the devices of related manufacturers need recomputing. Anything else
    // (OSV records, purls and cpes that SBOM components can match) recomputes everything.
    let names_only = prepared.iter().all(|(_, _, doc, _, _)| doc.names_only);
    let target = if names_only {
        Target::Advisories(intake.added.iter().map(|(id, _, _)| id.clone()).collect())
    } else {
        Target::All
    };
    intake.findings = recompute_target(store, &target).await.map_err(IntakeError::Store)?;
    Ok(intake)
}
