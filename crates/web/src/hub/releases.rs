//! The manufacturers' catalogue in the engine (pure): which hub release a hospital's device
//! is, each release's findings through its newest SBOM with its VEX applied, and the
//! release orders the manufacturers gave (so that `<= L81` is decided for their products).
//!
//! A device is linked to a release **exact** when the hospital confirmed it, or when the
//! manufacturer is the same, the device's model number is one of the product's and the
//! version is a release's; **range** when manufacturer and product name are the same and the
//! version is a release's; **possible** when the names are only similar — for the hospital
//! to confirm, and never a source of findings until it does. A device's finding through an
//! SBOM takes the lower of the link's and the component's confidence (hub.md §5).

use mamori_matching::Confidence;
use mamori_matching::knowledge::Knowledge;
use mamori_matching::names::{
    Aliases, ProductRelation, Vendor, VendorRelation, product_words, relate_products, relate_vendors,
};
use mamori_matching::scan::{ScanFinding, scan};
use mamori_store::hub::{HubDevice, HubOrg, NewFinding};
use mamori_store::hub_products::{HubProduct, HubRelease, ReleaseFile, ReleaseFinding};
use serde::Serialize;
use std::collections::HashMap;

/// Everything the manufacturers registered, as the engine reads it.
#[derive(Default)]
pub struct Catalogue {
    pub manufacturers: Vec<HubOrg>,
    pub products: Vec<HubProduct>,
    pub releases: Vec<HubRelease>,
    /// Newest first per release.
    pub sboms: Vec<(ReleaseFile, Vec<u8>)>,
    pub vex: Vec<(ReleaseFile, Vec<u8>)>,
    /// Confirmed device → release links.
    pub links: Vec<(String, String)>,
}

/// A device's link to a release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub release_id: String,
    pub product: String,
    pub version: String,
    pub confidence: Confidence,
    pub reasons: Vec<&'static str>,
}

impl Catalogue {
    /// The release orders for [`Knowledge::new`]: (manufacturer, product, versions oldest first),
    /// under each of the names they are registered with.
    pub fn release_orders(&self) -> Vec<(String, String, Vec<String>)> {
        let mut out = Vec::new();
        for p in &self.products {
            let Some(org) = self.manufacturers.iter().find(|o| o.id == p.org_id) else { continue };
            let versions: Vec<String> =
                self.releases.iter().filter(|r| r.product_id == p.id).map(|r| r.version.clone()).collect();
            if versions.is_empty() || p.scheme != "release-order" {
                continue;
            }
            for vendor in [&org.name_ja, &org.name_en].into_iter().filter(|n| !n.is_empty()) {
                for product in [&p.name_ja, &p.name_en].into_iter().filter(|n| !n.is_empty()) {
                    out.push((vendor.clone(), product.clone(), versions.clone()));
                }
            }
        }
        out
    }

    /// The release each device is, best link first (none when nothing is like it).
    pub fn link(&self, device: &HubDevice, aliases: &Aliases) -> Option<Link> {
        if let Some((_, release_id)) = self.links.iter().find(|(d, _)| *d == device.id) {
            let release = self.releases.iter().find(|r| r.id == *release_id)?;
            let product = self.products.iter().find(|p| p.id == release.product_id)?;
            return Some(Link {
                release_id: release.id.clone(),
                product: product.name_ja.clone(),
                version: release.version.clone(),
                confidence: Confidence::Exact,
                reasons: vec!["link_confirmed"],
            });
        }
        let device_vendor = Vendor::new(&device.manufacturer, aliases);
        let mut best: Option<Link> = None;
        for p in &self.products {
            let Some(org) = self.manufacturers.iter().find(|o| o.id == p.org_id) else { continue };
            let vendor = [&org.name_ja, &org.name_en]
                .into_iter()
                .filter(|n| !n.is_empty())
                .map(|n| relate_vendors(&device_vendor, &Vendor::new(n, aliases)))
                .min_by_key(|r| match r {
                    VendorRelation::Same { .. } => 0,
                    VendorRelation::Similar => 1,
                    VendorRelation::Unrelated => 2,
                })
                .unwrap_or(VendorRelation::Unrelated);
            if vendor == VendorRelation::Unrelated {
                continue;
            }
            let words = product_words(&device.product, &device_vendor.raw_keys);
            let names = [&p.name_ja, &p.name_en]
                .into_iter()
                .filter(|n| !n.is_empty())
                .map(|n| relate_products(&words, &product_words(n, &[])))
                .min_by_key(|r| match r {
                    ProductRelation::Same => 0,
                    ProductRelation::Similar => 1,
                    ProductRelation::Different => 2,
                })
                .unwrap_or(ProductRelation::Different);
            let model =
                !device.model.is_empty() && p.models.iter().any(|m| m.eq_ignore_ascii_case(device.model.trim()));
            let Some(release) =
                self.releases.iter().find(|r| r.product_id == p.id && r.version.trim() == device.version.trim())
            else {
                continue;
            };
            let same_vendor = matches!(vendor, VendorRelation::Same { .. });
            let (confidence, mut reasons) = if same_vendor && model {
                (Confidence::Exact, vec!["model_registered"])
            } else if same_vendor && names == ProductRelation::Same {
                (Confidence::Range, vec!["product_equal"])
            } else if names != ProductRelation::Different || model {
                (Confidence::Possible, vec![if model { "model_registered" } else { "name_similar" }])
            } else {
                continue;
            };
            reasons.insert(0, if same_vendor { "vendor_equal" } else { "vendor_similar" });
            reasons.push("version_registered");
            let link = Link {
                release_id: release.id.clone(),
                product: p.name_ja.clone(),
                version: release.version.clone(),
                confidence,
                reasons,
            };
            if best.as_ref().is_none_or(|b| link.confidence < b.confidence) {
                best = Some(link);
            }
        }
        best
    }

    /// Each release's findings through its newest SBOM, with every VEX of the release applied
    /// (the newest statement wins), by release id.
    pub fn release_findings(&self, knowledge: &Knowledge) -> HashMap<String, Vec<ScanFinding>> {
        let mut out = HashMap::new();
        for release in &self.releases {
            // Newest first: the first SBOM of the release is its current one.
            let Some((file, bytes)) = self.sboms.iter().find(|(f, _)| f.release_id == release.id) else { continue };
            let Ok((sbom, _)) = mamori_sbom::read(bytes) else { continue };
            let (mut findings, _) = scan(knowledge, &sbom);
            let (mut facts, _) = mamori_matching::vex::from_cyclonedx(&sbom.vex, "", &file.file_name, &sbom, true);
            for (vex, bytes) in self.vex.iter().filter(|(f, _)| f.release_id == release.id) {
                if let Ok((f, _)) = mamori_matching::vex::facts_from_file(&vex.file_name, bytes, &sbom) {
                    facts.extend(f);
                }
            }
            mamori_matching::vex::apply(&mut findings, &facts);
            out.insert(release.id.clone(), findings);
        }
        out
    }
}

fn label<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// A release finding as stored for the manufacturer.
pub fn stored_release_findings(
    catalogue: &Catalogue,
    found: &HashMap<String, Vec<ScanFinding>>,
) -> Vec<ReleaseFinding> {
    let mut out = Vec::new();
    for release in &catalogue.releases {
        for f in found.get(&release.id).into_iter().flatten() {
            out.push(ReleaseFinding {
                release_id: release.id.clone(),
                org_id: release.org_id.clone(),
                advisory: f.advisory.clone(),
                component: f.component.purl.clone().unwrap_or_else(|| f.component.name.clone()),
                confidence: label(&f.confidence),
                status: label(&f.status),
                body: serde_json::to_string(f).expect("a finding serialises"),
            });
        }
    }
    out
}

/// A device's findings through the SBOM of the release it is linked to (exact or range).
pub fn device_findings(device: &HubDevice, link: &Link, found: &HashMap<String, Vec<ScanFinding>>) -> Vec<NewFinding> {
    if link.confidence == Confidence::Possible {
        return Vec::new();
    }
    let mut out = Vec::new();
    for f in found.get(&link.release_id).into_iter().flatten() {
        // The lower of the two: `Confidence` orders the surest first.
        let confidence = f.confidence.max(link.confidence);
        let mut reasons: Vec<&str> = link.reasons.clone();
        reasons.push("sbom_component");
        reasons.extend(f.reasons.iter().copied());
        let body = serde_json::json!({
            "via": "sbom",
            "advisory": f.advisory,
            "release": { "id": link.release_id, "product": link.product, "version": link.version },
            "component": f.component,
            "vulnerabilities": f.vulnerabilities,
            "status": f.status,
            "severity": f.severity,
            "fixed_in": f.fixed_in,
            "vex": f.vex,
            "confidence": confidence,
            "reasons": reasons,
        });
        out.push(NewFinding {
            org_id: device.org_id.clone(),
            device_id: device.id.clone(),
            advisory: f.advisory.clone(),
            product_id: format!(
                "sbom:{}:{}",
                link.release_id,
                f.component.bom_ref.clone().or(f.component.purl.clone()).unwrap_or_else(|| f.component.name.clone())
            ),
            revision: String::new(),
            confidence: label(&confidence),
            body: body.to_string(),
        });
    }
    out
}
