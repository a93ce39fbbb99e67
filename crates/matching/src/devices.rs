//! A hospital's devices against CSAF advisories, in hub.md §5's tiers: **exact** when an
//! identifier (a model number the advisory lists) is equal and the version decided inside;
//! **range** when vendor and product are the same and the version is decided inside (or the
//! advisory says all versions); **possible** when only names are similar or the version cannot
//! be decided — for someone to confirm, never an alert. Every finding says why.

use crate::knowledge::{IndexedProduct, Knowledge};
use crate::names::{ProductRelation, Vendor, VendorRelation, product_words, relate_products, relate_vendors};
use crate::tables::Device;
use crate::{Confidence, Severity};
use mamori_advisories::csaf::Status;
use mamori_versions::Decision;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One advisory product a device may be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceFinding {
    pub advisory: String,
    /// The advisory's tracking version the finding comes from.
    pub revision: String,
    pub source: &'static str,
    pub product_id: String,
    pub product_name: String,
    pub vulnerabilities: Vec<String>,
    pub confidence: Confidence,
    pub reasons: Vec<&'static str>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// What the advisory wrote, for the reader to judge: vendor, product, version statement.
    pub statement: Statement,
    pub remediations: Vec<Remedy>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub vendor: String,
    pub product: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vers: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Remedy {
    pub category: String,
    pub details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceResult {
    #[serde(flatten)]
    pub device: Device,
    pub findings: Vec<DeviceFinding>,
}

/// The advisory vendors (by index) a device's vendor is the same as or similar to.
type Related = Vec<(usize, VendorRelation)>;

/// Matches every device; devices with the same manufacturer, product, model and version are
/// matched once.
pub fn match_devices(knowledge: &Knowledge, devices: &[Device]) -> Vec<DeviceResult> {
    let mut memo: HashMap<(&str, &str, &str, &str), Vec<DeviceFinding>> = HashMap::new();
    let mut vendors: HashMap<&str, (Vendor, Related)> = HashMap::new();
    devices
        .iter()
        .map(|d| {
            let key = (d.manufacturer.as_str(), d.product.as_str(), d.model.as_str(), d.version.as_str());
            let findings = if let Some(found) = memo.get(&key) {
                found.clone()
            } else {
                let (vendor, related) = vendors.entry(d.manufacturer.as_str()).or_insert_with(|| {
                    let vendor = Vendor::new(&d.manufacturer, &knowledge.aliases);
                    let related = knowledge
                        .vendors
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (i, relate_vendors(&vendor, &v.vendor)))
                        .filter(|(_, r)| *r != VendorRelation::Unrelated)
                        .collect();
                    (vendor, related)
                });
                let found = match_one(knowledge, d, vendor, related);
                memo.insert(key, found.clone());
                found
            };
            DeviceResult { device: d.clone(), findings }
        })
        .collect()
}

fn match_one(
    knowledge: &Knowledge,
    device: &Device,
    vendor: &Vendor,
    related: &[(usize, VendorRelation)],
) -> Vec<DeviceFinding> {
    let strip: Vec<String> = vendor.raw_keys.iter().chain(&vendor.keys).cloned().collect();
    let words = product_words(&device.product, &strip);
    let model = device.model.trim();
    let version = Some(device.version.trim()).filter(|v| !v.is_empty());
    let mut out = Vec::new();
    for &(v, relation) in related {
        for &p in &knowledge.vendors[v].products {
            let indexed = &knowledge.products[p];
            let product = &knowledge.document(indexed).products[indexed.product];
            let spec = product.version.as_ref();
            let models: Vec<&String> =
                spec.map(|s| s.models()).unwrap_or(&[]).iter().chain(&product.model_numbers).collect();
            let model_listed = !model.is_empty() && models.iter().any(|m| m.eq_ignore_ascii_case(model));
            let mut product_relation = relate_products(&words, &indexed.words);
            // A device row with only a model number is that product when the advisory lists it.
            if words.is_empty() && model_listed {
                product_relation = ProductRelation::Same;
            }
            if product_relation == ProductRelation::Different {
                continue;
            }
            let scheme = knowledge.scheme_for(&knowledge.vendors[v].vendor, &indexed.words);
            let decision = match spec {
                Some(spec) => spec.decide(scheme, version),
                None => Decision::Undecidable("no_version_statement"),
            };
            let mut reasons: Vec<&'static str> = vec![match relation {
                VendorRelation::Same { aliased: true } => "vendor_alias",
                VendorRelation::Same { aliased: false } => "vendor_equal",
                _ => "vendor_similar",
            }];
            reasons.push(if product_relation == ProductRelation::Same { "product_equal" } else { "name_similar" });
            let names_same =
                matches!(relation, VendorRelation::Same { .. }) && product_relation == ProductRelation::Same;
            let confidence = match decision {
                Decision::Outside => continue,
                Decision::Inside(why) => {
                    reasons.push(why);
                    if !names_same {
                        Confidence::Possible
                    } else if model_listed {
                        reasons.push("model_listed");
                        Confidence::Exact
                    } else if !model.is_empty() && !models.is_empty() {
                        reasons.push("model_not_listed");
                        Confidence::Possible
                    } else {
                        Confidence::Range
                    }
                }
                Decision::Undecidable(why) => {
                    reasons.push(why);
                    Confidence::Possible
                }
            };
            out.extend(findings_for(
                knowledge,
                indexed,
                confidence,
                &reasons,
                spec.map(|s| s.vers(scheme)).unwrap_or(None),
            ));
        }
    }
    out.sort_by(|a, b| {
        (a.confidence, &a.advisory, &a.product_id, a.status).cmp(&(b.confidence, &b.advisory, &b.product_id, b.status))
    });
    out
}

/// One finding per status the advisory gives the product, listing its vulnerabilities.
fn findings_for(
    knowledge: &Knowledge,
    indexed: &IndexedProduct,
    confidence: Confidence,
    reasons: &[&'static str],
    vers: Option<String>,
) -> Vec<DeviceFinding> {
    let doc = knowledge.document(indexed);
    let product = &doc.products[indexed.product];
    let mut by_status: BTreeMap<Status, Vec<usize>> = BTreeMap::new();
    for (v, status) in &indexed.statuses {
        by_status.entry(*status).or_default().push(*v);
    }
    by_status
        .into_iter()
        .map(|(status, vulns)| {
            let mut ids = BTreeSet::new();
            let mut remedies = BTreeSet::new();
            let mut severity: Option<Severity> = None;
            for v in &vulns {
                let vuln = &doc.vulnerabilities[*v];
                ids.extend(vuln.ids.iter().cloned());
                for r in &vuln.remediations {
                    if r.product_ids.contains(&product.id) {
                        remedies.insert(Remedy {
                            category: r.category.clone(),
                            details: r.details.clone(),
                            url: r.url.clone(),
                        });
                    }
                }
                if let Some(score) = vuln.score_for(&product.id) {
                    let candidate = Severity {
                        rating: score.rating,
                        score: Some(score.base_score),
                        vector: Some(score.vector.clone()),
                    };
                    if severity.as_ref().is_none_or(|s| s.score < candidate.score) {
                        severity = Some(candidate);
                    }
                }
            }
            DeviceFinding {
                advisory: doc.id.clone(),
                revision: doc.version.clone(),
                source: "csaf",
                product_id: product.id.clone(),
                product_name: product.name.clone(),
                vulnerabilities: ids.into_iter().collect(),
                confidence,
                reasons: reasons.to_vec(),
                status,
                severity,
                statement: Statement {
                    vendor: knowledge.vendors[indexed.vendor].name.clone(),
                    product: product.product_name.clone().unwrap_or_default(),
                    version: product.version.as_ref().map(|s| s.raw.clone()),
                    vers: vers.clone(),
                },
                remediations: remedies.into_iter().collect(),
            }
        })
        .collect()
}
