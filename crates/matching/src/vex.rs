//! A manufacturer's VEX sets the status of the findings it covers (hub.md §5): CSAF VEX
//! about the product the SBOM describes, CycloneDX VEX about components by BOM-Link
//! (`urn:cdx:<serial>/<version>#<bom-ref>`) or, inside the SBOM itself, by bare bom-ref. The
//! finding stays listed with the statement cited. A link that does not resolve is a warning,
//! never a guess; the newest statement wins.

use crate::names::{ProductRelation, Vendor, VendorRelation, product_words, relate_products, relate_vendors};
use crate::scan::ScanFinding;
use mamori_advisories::Problem;
use mamori_advisories::csaf::{Document, Status};
use mamori_sbom::{Purl, Sbom, VexStatement};
use mamori_versions::{Decision, Scheme};
use serde::Serialize;
use std::collections::BTreeSet;

/// The statement a finding's status comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VexNote {
    pub document: String,
    pub pointer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One statement, resolved to what it is about.
#[derive(Debug, Clone)]
pub struct Fact {
    ids: BTreeSet<String>,
    status: Status,
    /// `None`: the whole product the SBOM describes; else one component's bom-ref.
    component: Option<String>,
    issued: String,
    note: VexNote,
}

/// Statements of a CSAF VEX document about the SBOM's subject (same vendor, product and
/// version, or the same purl).
pub fn from_csaf(doc: &Document, file: &str, sbom: &Sbom) -> (Vec<Fact>, Vec<Problem>) {
    let mut facts = Vec::new();
    let mut problems = Vec::new();
    let Some(subject) = &sbom.subject else {
        problems.push(
            Problem::warning("", "the SBOM names no product (metadata.component); a CSAF VEX cannot be applied to it")
                .in_file(file),
        );
        return (facts, problems);
    };
    let none = crate::names::Aliases::default();
    let subject_vendor = subject.supplier.as_deref().map(|s| Vendor::new(s, &none));
    let subject_words = product_words(&subject.name, &[]);
    let about_subject = |p: &mamori_advisories::csaf::Product| -> bool {
        if let (Some(theirs), Some(ours)) = (p.purl.as_deref().and_then(|x| Purl::parse(x).ok()), subject.purl.as_ref())
        {
            return theirs.package_key() == ours.package_key() && theirs.version == ours.version;
        }
        let vendor_ok = match (&p.vendor, &subject_vendor) {
            (Some(v), Some(s)) => matches!(relate_vendors(&Vendor::new(v, &none), s), VendorRelation::Same { .. }),
            _ => false,
        };
        let name = p.product_name.clone().unwrap_or_else(|| p.name.clone());
        let product_ok = relate_products(&product_words(&name, &[]), &subject_words) == ProductRelation::Same;
        let version_ok = match (&p.version, &subject.version) {
            (Some(spec), Some(v)) => matches!(spec.decide(&Scheme::Intdot, Some(v)), Decision::Inside(_)),
            _ => false,
        };
        vendor_ok && product_ok && version_ok
    };
    let ours: BTreeSet<&str> = doc.products.iter().filter(|p| about_subject(p)).map(|p| p.id.as_str()).collect();
    if ours.is_empty() {
        problems.push(
            Problem::warning(
                "/product_tree",
                format!(
                    "no product of {} is the SBOM's {} {}; its statements are not applied",
                    doc.id,
                    subject.name,
                    subject.version.as_deref().unwrap_or("")
                ),
            )
            .in_file(file),
        );
    }
    for (v, vuln) in doc.vulnerabilities.iter().enumerate() {
        for (id, status) in &vuln.statuses {
            if !ours.contains(id.as_str()) {
                continue;
            }
            let justification = vuln.justifications.iter().find(|(p, _)| p == id).map(|(_, j)| j.clone());
            facts.push(Fact {
                ids: vuln.ids.iter().cloned().collect(),
                status: *status,
                component: None,
                issued: doc.current_release_date.clone(),
                note: VexNote {
                    document: format!("{} ({file})", doc.id),
                    pointer: format!("/vulnerabilities/{v}"),
                    justification,
                    detail: None,
                },
            });
        }
    }
    (facts, problems)
}

/// Statements of a CycloneDX document (`vex_doc`, or the SBOM itself when `same_document`)
/// about the SBOM's components.
pub fn from_cyclonedx(
    statements: &[VexStatement],
    issued: &str,
    file: &str,
    sbom: &Sbom,
    same_document: bool,
) -> (Vec<Fact>, Vec<Problem>) {
    let mut facts = Vec::new();
    let mut problems = Vec::new();
    let serial = sbom.serial.as_deref().map(|s| s.trim_start_matches("urn:uuid:").to_ascii_lowercase());
    for s in statements {
        for link in &s.affects {
            let resolved: Result<String, String> = match link.strip_prefix("urn:cdx:") {
                Some(rest) => {
                    let (bom, reference) = rest.split_once('#').unwrap_or((rest, ""));
                    let (their_serial, their_version) = bom.split_once('/').unwrap_or((bom, ""));
                    let reference = percent_decode(reference);
                    if serial.as_deref() != Some(&their_serial.to_ascii_lowercase()) {
                        Err(format!(
                            "names BOM {their_serial} but the SBOM is {}",
                            sbom.serial.as_deref().unwrap_or("without serialNumber")
                        ))
                    } else if !their_version.is_empty()
                        && sbom.bom_version.is_some_and(|v| v.to_string() != their_version)
                    {
                        Err(format!(
                            "names version {their_version} of the BOM but the SBOM is version {}",
                            sbom.bom_version.unwrap_or(0)
                        ))
                    } else if !sbom.components.iter().any(|c| c.bom_ref.as_deref() == Some(&reference)) {
                        Err(format!("names component {reference:?}, which the SBOM does not have"))
                    } else {
                        Ok(reference)
                    }
                }
                None if same_document && sbom.components.iter().any(|c| c.bom_ref.as_deref() == Some(link)) => {
                    Ok(link.clone())
                }
                None if same_document => Err(format!("names component {link:?}, which the SBOM does not have")),
                None => Err(format!(
                    "names component {link:?} by bare bom-ref, which cannot be told apart from another BOM's; use a BOM-Link"
                )),
            };
            match resolved {
                Ok(reference) => facts.push(Fact {
                    ids: std::iter::once(s.vulnerability.clone()).chain(s.aliases.iter().cloned()).collect(),
                    status: s.status,
                    component: Some(reference),
                    issued: issued.to_string(),
                    note: VexNote {
                        document: file.to_string(),
                        pointer: s.pointer.clone(),
                        justification: s.justification.clone(),
                        detail: s.detail.clone(),
                    },
                }),
                Err(why) => problems.push(
                    Problem::warning(
                        s.pointer.clone(),
                        format!("the VEX statement on {} {why}; it is not applied", s.vulnerability),
                    )
                    .in_file(file),
                ),
            }
        }
    }
    (facts, problems)
}

/// A manufacturer's VEX file about `sbom`: a CSAF VEX document (JSON with
/// `/document/csaf_version`) or a CycloneDX document with `vulnerabilities`. The facts it
/// states and its warnings, or why it cannot be used at all.
pub fn facts_from_file(name: &str, bytes: &[u8], sbom: &Sbom) -> Result<(Vec<Fact>, Vec<Problem>), Vec<Problem>> {
    let value: Option<serde_json::Value> = serde_json::from_slice(bytes).ok();
    if let Some(v) = value.as_ref().filter(|v| v.pointer("/document/csaf_version").is_some()) {
        let (doc, warnings) = mamori_advisories::csaf::from_value(v)
            .map_err(|e| e.into_iter().map(|p| p.in_file(name)).collect::<Vec<_>>())?;
        let mut problems: Vec<Problem> = warnings.into_iter().map(|p| p.in_file(name)).collect();
        let (facts, p) = from_csaf(&doc, name, sbom);
        problems.extend(p);
        return Ok((facts, problems));
    }
    let (doc, warnings) =
        mamori_sbom::read(bytes).map_err(|e| e.into_iter().map(|p| p.in_file(name)).collect::<Vec<_>>())?;
    let mut problems: Vec<Problem> = warnings.into_iter().map(|p| p.in_file(name)).collect();
    let issued = value.as_ref().and_then(|v| v.pointer("/metadata/timestamp")).and_then(|t| t.as_str()).unwrap_or("");
    let (facts, p) = from_cyclonedx(&doc.vex, issued, name, sbom, false);
    problems.extend(p);
    Ok((facts, problems))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Sets the status of each finding a fact covers; the newest fact wins.
pub fn apply(findings: &mut [ScanFinding], facts: &[Fact]) {
    for f in findings.iter_mut() {
        let covering = facts
            .iter()
            .filter(|fact| fact.component.as_ref().is_none_or(|c| f.component.bom_ref.as_ref() == Some(c)))
            .filter(|fact| f.vulnerabilities.iter().any(|id| fact.ids.contains(id)))
            .max_by(|a, b| a.issued.cmp(&b.issued));
        if let Some(fact) = covering {
            f.status = fact.status;
            f.vex = Some(fact.note.clone());
            f.reasons.push("vex");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_link_references_are_percent_decoded() {
        assert_eq!(percent_decode("pkg:cargo/openssl%400.8.3"), "pkg:cargo/openssl@0.8.3");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
