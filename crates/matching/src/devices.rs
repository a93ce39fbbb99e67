//! A hospital's devices against CSAF advisories, in hub.md §5's tiers: **exact** when an
//! identifier (a model number the advisory lists) is equal and the version decided inside;
//! **range** when vendor and product are the same and the version is decided inside (or the
//! advisory says all versions); **possible** when only names are similar or the version cannot
//! be decided — for someone to confirm, never an alert. Every finding says why.

use crate::knowledge::Knowledge;
use crate::names::{ProductRelation, Vendor, VendorRelation, product_words, relate_products, relate_vendors};
use crate::tables::Device;
use crate::{Confidence, Severity};
use mamori_advisories::csaf::{Document, Product, Status};
use mamori_versions::{Decision, Scheme};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// What an advisory says about one product for one status: the same for every device that
/// matches it, so built once when the advisories are indexed and shared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingBody {
    pub advisory: String,
    /// The advisory's tracking version the finding comes from.
    pub revision: String,
    pub source: &'static str,
    pub product_id: String,
    pub product_name: String,
    pub vulnerabilities: Vec<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// What the advisory wrote, for the reader to judge: vendor, product, version statement.
    pub statement: Statement,
    pub remediations: Vec<Remedy>,
}

/// One advisory product a device may be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceFinding {
    #[serde(flatten)]
    pub body: Arc<FindingBody>,
    pub confidence: Confidence,
    pub reasons: Vec<&'static str>,
    /// The version statement as vers, in the scheme it was decided in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vers: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub vendor: String,
    pub product: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Remedy {
    pub category: String,
    pub details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceResult<'d> {
    #[serde(flatten)]
    pub device: &'d Device,
    /// Shared by every device with the same manufacturer, product, model and version.
    pub findings: Arc<Vec<DeviceFinding>>,
}

/// What a device's findings depend on: manufacturer, product, model, version, purl.
type DeviceKey<'d> = (&'d str, &'d str, &'d str, &'d str, &'d str);

/// The advisory vendors (by index) a device's vendor is the same as or similar to.
type Related = Vec<(usize, VendorRelation)>;

/// An advisory product a device's names point to, before its version is decided.
#[derive(Debug, Clone)]
struct Candidate<'k> {
    product: usize,
    /// How this product's versions are ordered, and its statement as vers in that order.
    scheme: &'k Scheme,
    vers: Option<String>,
    vendor: VendorRelation,
    names: ProductRelation,
    model_listed: bool,
    /// The advisory lists models and the device gives one that is not among them.
    model_not_listed: bool,
}

/// Matches every device. Names are compared once per distinct (manufacturer, product,
/// model) and versions decided once per distinct version of those: a hospital's thousands of
/// identical pumps cost one match.
pub fn match_devices<'d>(knowledge: &Knowledge, devices: &'d [Device]) -> Vec<DeviceResult<'d>> {
    let mut vendors: HashMap<&str, (Vendor, Related)> = HashMap::new();
    let mut candidates: HashMap<(&str, &str, &str), Vec<Candidate<'_>>> = HashMap::new();
    let mut memo: HashMap<DeviceKey<'_>, Arc<Vec<DeviceFinding>>> = HashMap::new();
    devices
        .iter()
        .map(|d| {
            let key =
                (d.manufacturer.as_str(), d.product.as_str(), d.model.as_str(), d.version.as_str(), d.purl.as_str());
            let findings = match memo.get(&key) {
                Some(found) => found.clone(),
                None => {
                    let names = (key.0, key.1, key.2);
                    let candidates = candidates.entry(names).or_insert_with(|| {
                        let (vendor, related) = vendors.entry(key.0).or_insert_with(|| {
                            let vendor = Vendor::new(key.0, &knowledge.aliases);
                            let related = knowledge
                                .vendors
                                .iter()
                                .enumerate()
                                .map(|(i, v)| (i, relate_vendors(&vendor, &v.vendor)))
                                .filter(|(_, r)| *r != VendorRelation::Unrelated)
                                .collect();
                            (vendor, related)
                        });
                        candidates_for(knowledge, d, vendor, related)
                    });
                    let mut found = decide(knowledge, candidates, &d.version);
                    found.extend(package_findings(knowledge, d));
                    let found = Arc::new(found);
                    memo.insert(key, found.clone());
                    found
                }
            };
            DeviceResult { device: d, findings }
        })
        .collect()
}

fn candidates_for<'k>(
    knowledge: &'k Knowledge,
    device: &Device,
    vendor: &Vendor,
    related: &[(usize, VendorRelation)],
) -> Vec<Candidate<'k>> {
    let strip: Vec<String> = vendor.raw_keys.iter().chain(&vendor.keys).cloned().collect();
    let words = product_words(&device.product, &strip);
    let model = device.model.trim();
    let mut out = Vec::new();
    for &(v, relation) in related {
        for &p in &knowledge.vendors[v].products {
            let indexed = &knowledge.products[p];
            let product = &knowledge.document(indexed).products[indexed.product];
            let spec_models = product.version.as_ref().map(|s| s.models()).unwrap_or(&[]);
            let mut models = spec_models.iter().chain(&product.model_numbers);
            let has_models = !spec_models.is_empty() || !product.model_numbers.is_empty();
            let model_listed = !model.is_empty() && models.any(|m| m.eq_ignore_ascii_case(model));
            let mut names = relate_products(&words, &indexed.words);
            // A device row with only a model number is that product when the advisory lists it.
            if words.is_empty() && model_listed {
                names = ProductRelation::Same;
            }
            if names == ProductRelation::Different {
                continue;
            }
            let scheme = knowledge.scheme_for(&knowledge.vendors[indexed.vendor].vendor, &indexed.words);
            let vers = product.version.as_ref().and_then(|s| s.vers(scheme));
            out.push(Candidate {
                product: p,
                scheme,
                vers,
                vendor: relation,
                names,
                model_listed,
                model_not_listed: !model.is_empty() && has_models && !model_listed,
            });
        }
    }
    out
}

fn decide(knowledge: &Knowledge, candidates: &[Candidate], version: &str) -> Vec<DeviceFinding> {
    let version = Some(version.trim()).filter(|v| !v.is_empty());
    let mut out = Vec::new();
    for c in candidates {
        let indexed = &knowledge.products[c.product];
        let spec = knowledge.document(indexed).products[indexed.product].version.as_ref();
        let decision = match spec {
            Some(spec) => spec.decide(c.scheme, version),
            None => Decision::Undecidable("no_version_statement"),
        };
        let mut reasons: Vec<&'static str> = vec![match c.vendor {
            VendorRelation::Same { aliased: true } => "vendor_alias",
            VendorRelation::Same { aliased: false } => "vendor_equal",
            _ => "vendor_similar",
        }];
        reasons.push(if c.names == ProductRelation::Same { "product_equal" } else { "name_similar" });
        let names_same = matches!(c.vendor, VendorRelation::Same { .. }) && c.names == ProductRelation::Same;
        let confidence = match decision {
            Decision::Outside => continue,
            Decision::Inside(why) => {
                reasons.push(why);
                if !names_same {
                    Confidence::Possible
                } else if c.model_listed {
                    reasons.push("model_listed");
                    Confidence::Exact
                } else if c.model_not_listed {
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
        for body in &indexed.findings {
            out.push(DeviceFinding { body: body.clone(), confidence, reasons: reasons.clone(), vers: c.vers.clone() });
        }
    }
    out.sort_by(|a, b| {
        (a.confidence, &a.body.advisory, &a.body.product_id, a.body.status).cmp(&(
            b.confidence,
            &b.body.advisory,
            &b.body.product_id,
            b.body.status,
        ))
    });
    out
}

/// One body per status the advisory gives the product, listing its vulnerabilities.
pub fn bodies_for(
    doc: &Document,
    product: &Product,
    vendor: &str,
    statuses: &[(usize, Status)],
) -> Vec<Arc<FindingBody>> {
    let mut by_status: BTreeMap<Status, Vec<usize>> = BTreeMap::new();
    for (v, status) in statuses {
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
            Arc::new(FindingBody {
                advisory: doc.id.clone(),
                revision: doc.version.clone(),
                source: doc.source_label(),
                product_id: product.id.clone(),
                product_name: product.name.clone(),
                vulnerabilities: ids.into_iter().collect(),
                status,
                severity,
                statement: Statement {
                    vendor: vendor.to_string(),
                    product: product.product_name.clone().unwrap_or_default(),
                    version: product.version.as_ref().map(|s| s.raw.clone()),
                },
                remediations: remedies.into_iter().collect(),
            })
        })
        .collect()
}

/// A device whose software the hospital gives as a purl is asked of OSV like an SBOM
/// component; each finding is shaped like an advisory's, the fixed version as its remedy.
fn package_findings(knowledge: &Knowledge, device: &Device) -> Vec<DeviceFinding> {
    let Ok(purl) = mamori_sbom::Purl::parse(&device.purl) else { return Vec::new() };
    let component = mamori_sbom::Component {
        bom_ref: None,
        name: purl.name.clone(),
        version: purl.version.clone(),
        cpe: None,
        supplier: None,
        pointer: String::new(),
        purl: Some(purl),
    };
    let (findings, _) = crate::scan::component_findings(knowledge, &component);
    findings
        .into_iter()
        .filter(|f| f.source == "osv")
        .map(|f| DeviceFinding {
            body: Arc::new(FindingBody {
                advisory: f.advisory,
                revision: String::new(),
                source: "osv",
                product_id: device.purl.clone(),
                product_name: component.name.clone(),
                vulnerabilities: f.vulnerabilities,
                status: f.status,
                severity: f.severity,
                statement: Statement { vendor: String::new(), product: component.name.clone(), version: None },
                remediations: f
                    .fixed_in
                    .map(|v| Remedy { category: "vendor_fix".into(), details: format!("fixed in {v}"), url: None })
                    .into_iter()
                    .collect(),
            }),
            confidence: f.confidence,
            reasons: f.reasons,
            vers: None,
        })
        .collect()
}
