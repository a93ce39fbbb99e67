//! An SBOM's components against OSV records (by purl, in the ecosystem's version order) and
//! CSAF products (by the purl of their identification helper). A component with a version
//! the advisory covers is **exact**; one whose version cannot be decided is **possible**.

use crate::knowledge::{Knowledge, osv_name_key};
use crate::{Confidence, Severity};
use mamori_advisories::csaf::Status;
use mamori_sbom::{Component, Purl, Sbom};
use mamori_versions::{Decision, Scheme};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanFinding {
    pub component: ComponentRef,
    pub advisory: String,
    /// Other records of the same source that report the same vulnerability for this
    /// component (a GHSA beside a GO- record), merged into this finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<String>,
    pub source: &'static str,
    pub vulnerabilities: Vec<String>,
    pub confidence: Confidence,
    pub reasons: Vec<&'static str>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_in: Option<String>,
    /// The manufacturer's statement that set the status, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<crate::vex::VexNote>,
}

/// What the scan covered, so a clean result is not mistaken for a checked one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub components: usize,
    /// Components with a purl OSV has an ecosystem for.
    pub checked_against_osv: usize,
    /// Components without a purl, or whose purl type OSV has no ecosystem for.
    pub not_checked: usize,
}

pub fn scan(knowledge: &Knowledge, sbom: &Sbom) -> (Vec<ScanFinding>, Coverage) {
    let mut findings = Vec::new();
    let mut coverage = Coverage { components: sbom.components.len(), ..Coverage::default() };
    for component in &sbom.components {
        let (mine, checked) = component_findings(knowledge, component);
        if checked {
            coverage.checked_against_osv += 1;
        } else {
            coverage.not_checked += 1;
        }
        findings.extend(mine);
    }
    (findings, coverage)
}

/// One component's findings, the surest first, and whether OSV could be asked about it.
pub fn component_findings(knowledge: &Knowledge, component: &Component) -> (Vec<ScanFinding>, bool) {
    let reference = ComponentRef {
        name: component.name.clone(),
        version: component.version.clone(),
        purl: component.purl.as_ref().map(|p| p.raw.clone()),
        bom_ref: component.bom_ref.clone(),
    };
    let mut mine = Vec::new();
    let package = component.purl.as_ref().and_then(Purl::osv);
    if let Some(package) = &package {
        osv_findings(knowledge, component, package, &reference, &mut mine);
    }
    if let Some(purl) = &component.purl {
        csaf_findings(knowledge, purl, &reference, &mut mine);
    }
    // The cpe only where the purl found nothing in CSAF: the same product named twice.
    if let Some(cpe) = component.cpe.as_deref().filter(|_| !mine.iter().any(|f| f.source != "osv")) {
        cpe_findings(knowledge, cpe, &reference, &mut mine);
    }
    let mut mine = merge_aliases(mine);
    // Components stay in the SBOM's order (stable for the same input); within one, the surest
    // findings first.
    mine.sort_by(|a, b| (a.confidence, &a.advisory).cmp(&(b.confidence, &b.advisory)));
    (mine, package.is_some())
}

fn osv_findings(
    knowledge: &Knowledge,
    component: &Component,
    package: &mamori_sbom::OsvPackage,
    reference: &ComponentRef,
    out: &mut Vec<ScanFinding>,
) {
    let Some(records) = knowledge.osv_index.get(&osv_name_key(&package.ecosystem, &package.name)) else { return };
    for &r in records {
        let record = &knowledge.osv[r];
        let decision = match package.version.as_deref().or(component.version.as_deref()) {
            Some(version) => record.affects(&package.ecosystem, &package.name, version),
            None if record.withdrawn.is_none() => Decision::Undecidable("no_version"),
            None => Decision::Outside,
        };
        let (confidence, why) = match decision {
            Decision::Outside => continue,
            Decision::Inside(why) => (Confidence::Exact, why),
            Decision::Undecidable(why) => (Confidence::Possible, why),
        };
        let mut vulnerabilities = vec![record.id.clone()];
        vulnerabilities.extend(record.aliases.iter().filter(|a| **a != record.id).cloned());
        let version = package.version.as_deref().unwrap_or("");
        out.push(ScanFinding {
            component: reference.clone(),
            advisory: record.id.clone(),
            also_in: Vec::new(),
            source: "osv",
            vulnerabilities,
            confidence,
            reasons: vec!["purl_equal", why],
            status: Status::Affected,
            severity: knowledge.osv_severity[r].clone(),
            fixed_in: record.fixed_in(&package.ecosystem, &package.name, version),
            vex: None,
        });
    }
}

/// CSAF products whose identification helper names the same package (Red Hat's advisories
/// carry purls; ICSMA's do not).
fn csaf_findings(knowledge: &Knowledge, purl: &Purl, reference: &ComponentRef, out: &mut Vec<ScanFinding>) {
    let key = purl.package_key();
    let scheme = Scheme::for_ecosystem(&purl.ty);
    for &i in knowledge.csaf_by_purl.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
        let indexed = &knowledge.products[i];
        let doc = knowledge.document(indexed);
        let product = &doc.products[indexed.product];
        let Some(theirs) = product.purl.as_deref().and_then(|p| Purl::parse(p).ok()) else { continue };
        if theirs.package_key() != key {
            continue;
        }
        let decision = match (&theirs.version, &purl.version, &product.version, &scheme) {
            (Some(a), Some(b), _, Some(s)) => match s.compare(a, b) {
                Some(std::cmp::Ordering::Equal) => Decision::Inside("version_listed"),
                Some(_) => Decision::Outside,
                None if a == b => Decision::Inside("version_listed"),
                None => Decision::Undecidable("scheme_unknown"),
            },
            (_, version, Some(spec), Some(s)) => spec.decide(s, version.as_deref()),
            (_, _, _, None) => Decision::Undecidable("scheme_unknown"),
            _ => Decision::Undecidable("no_version_statement"),
        };
        let (confidence, why) = match decision {
            Decision::Outside => continue,
            Decision::Inside(why) => (Confidence::Exact, why),
            Decision::Undecidable(why) => (Confidence::Possible, why),
        };
        push_statuses(knowledge, i, reference, confidence, vec!["purl_equal", why], out);
    }
}

/// A finding per vulnerability status the advisory gives the product.
fn push_statuses(
    knowledge: &Knowledge,
    product: usize,
    reference: &ComponentRef,
    confidence: Confidence,
    reasons: Vec<&'static str>,
    out: &mut Vec<ScanFinding>,
) {
    let indexed = &knowledge.products[product];
    let doc = knowledge.document(indexed);
    let product = &doc.products[indexed.product];
    for (v, status) in &indexed.statuses {
        let vuln = &doc.vulnerabilities[*v];
        let score = vuln.score_for(&product.id);
        out.push(ScanFinding {
            component: reference.clone(),
            advisory: doc.id.clone(),
            also_in: Vec::new(),
            source: doc.source_label(),
            vulnerabilities: vuln.ids.clone(),
            confidence,
            reasons: reasons.clone(),
            status: *status,
            severity: score.map(|s| Severity {
                rating: s.rating,
                score: Some(s.base_score),
                vector: Some(s.vector.clone()),
            }),
            fixed_in: None,
            vex: None,
        });
    }
}

/// A CPE's part, vendor, product and version, from 2.3 (`cpe:2.3:a:v:p:1.0:…`) or 2.2
/// (`cpe:/a:v:p:1.0`) form; `*`, `-` and empty parts are `None`.
pub fn cpe_parts(cpe: &str) -> Option<[Option<String>; 4]> {
    let rest = cpe.strip_prefix("cpe:2.3:").or_else(|| cpe.strip_prefix("cpe:/"))?;
    let mut parts = rest.split(':').map(|p| {
        let p = p.trim().to_lowercase();
        (!p.is_empty() && p != "*" && p != "-").then_some(p)
    });
    Some([parts.next().flatten(), parts.next().flatten(), parts.next().flatten(), parts.next().flatten()])
}

/// CSAF products whose helper cpe names the same product: vendor and product equal and the
/// version equal (or inside the product's version statement) is exact; a component cpe
/// without a vendor (Yocto writes `cpe:2.3:a:*:python3-pyyaml:6.0`) is at most possible.
fn cpe_findings(knowledge: &Knowledge, cpe: &str, reference: &ComponentRef, out: &mut Vec<ScanFinding>) {
    let Some([_, vendor, Some(product_name), version]) = cpe_parts(cpe) else { return };
    for &i in knowledge.csaf_by_cpe_product.get(&product_name).map(Vec::as_slice).unwrap_or(&[]) {
        let indexed = &knowledge.products[i];
        let product = &knowledge.document(indexed).products[indexed.product];
        let Some([_, their_vendor, _, their_version]) = product.cpe.as_deref().and_then(cpe_parts) else { continue };
        let vendor_known = vendor.is_some() && vendor == their_vendor;
        if vendor.is_some() && their_vendor.is_some() && !vendor_known {
            continue;
        }
        let decision = match (&their_version, &version, &product.version) {
            (Some(a), Some(b), _) => match Scheme::Intdot.compare(a, b) {
                Some(std::cmp::Ordering::Equal) => Decision::Inside("version_listed"),
                Some(_) => Decision::Outside,
                None if a == b => Decision::Inside("version_listed"),
                None => Decision::Undecidable("scheme_unknown"),
            },
            (_, v, Some(spec)) => spec.decide(&Scheme::Intdot, v.as_deref()),
            (None, _, None) => Decision::Inside("all_versions"),
            _ => Decision::Undecidable("no_version"),
        };
        let (confidence, why) = match decision {
            Decision::Outside => continue,
            Decision::Inside(why) if vendor_known => (Confidence::Exact, why),
            Decision::Inside(why) | Decision::Undecidable(why) => (Confidence::Possible, why),
        };
        let first = if vendor_known { "cpe_equal" } else { "name_similar" };
        push_statuses(knowledge, i, reference, confidence, vec![first, why], out);
    }
}

/// One finding per vulnerability: records that are aliases of each other (a GHSA and a
/// RUSTSEC for the same flaw) become one, with every id.
fn merge_aliases(findings: Vec<ScanFinding>) -> Vec<ScanFinding> {
    let mut out: Vec<ScanFinding> = Vec::new();
    for f in findings {
        if let Some(existing) = out
            .iter_mut()
            .find(|e| e.source == f.source && e.vulnerabilities.iter().any(|id| f.vulnerabilities.contains(id)))
        {
            if f.advisory != existing.advisory && !existing.also_in.contains(&f.advisory) {
                existing.also_in.push(f.advisory.clone());
            }
            for id in &f.vulnerabilities {
                if !existing.vulnerabilities.contains(id) {
                    existing.vulnerabilities.push(id.clone());
                }
            }
            if f.confidence < existing.confidence {
                existing.confidence = f.confidence;
                existing.reasons = f.reasons;
            }
            continue;
        }
        out.push(f);
    }
    out
}
