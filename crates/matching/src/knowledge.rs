//! What is known, indexed once: the newest revision of each CSAF advisory with its products
//! keyed by vendor, OSV records keyed by (ecosystem, package), vendor aliases and release
//! orders. Matching a device or a component looks up candidates here — never all pairs.

use crate::names::{Aliases, ProductRelation, Vendor, product_words, relate_products, relate_vendors};
use mamori_advisories::csaf::{Document, Status};
use mamori_advisories::osv::Record;
use mamori_advisories::sources::{CsafFile, Loaded};
use mamori_versions::Scheme;
use std::collections::{BTreeMap, HashMap};

/// A product of an advisory that some vulnerability gives a status for.
#[derive(Debug)]
pub struct IndexedProduct {
    /// Index into [`Knowledge::csaf`].
    pub doc: usize,
    /// Index into the document's products.
    pub product: usize,
    pub vendor: usize,
    pub words: Vec<String>,
    /// (vulnerability index, status) pairs for this product.
    pub statuses: Vec<(usize, Status)>,
    /// What a device finding on this product says, one per status, built once.
    pub findings: Vec<std::sync::Arc<crate::devices::FindingBody>>,
}

/// A distinct vendor name of the advisories and the products under it.
#[derive(Debug)]
pub struct AdvisoryVendor {
    pub name: String,
    pub vendor: Vendor,
    pub products: Vec<usize>,
}

#[derive(Debug, Default)]
pub struct Knowledge {
    pub csaf: Vec<CsafFile>,
    pub products: Vec<IndexedProduct>,
    pub vendors: Vec<AdvisoryVendor>,
    pub osv: Vec<Record>,
    /// Each OSV record's severity, scored once.
    pub osv_severity: Vec<Option<crate::Severity>>,
    /// (lowercased ecosystem, package name as compared) → OSV record indices.
    pub osv_index: HashMap<(String, String), Vec<usize>>,
    /// A CSAF product's purl without version (`pkg:rpm/redhat/openssl`) → indexed products.
    pub csaf_by_purl: HashMap<String, Vec<usize>>,
    /// A CSAF product's cpe product part (`enterprise_linux`) → indexed products.
    pub csaf_by_cpe_product: HashMap<String, Vec<usize>>,
    pub aliases: Aliases,
    /// (vendor keys, product words, order) of each registered release order.
    releases: Vec<(Vendor, Vec<String>, Scheme)>,
}

/// How OSV compares package names: PyPI per PEP 503, the rest as written.
pub fn osv_name_key(ecosystem: &str, name: &str) -> (String, String) {
    let eco = ecosystem.to_ascii_lowercase();
    let name = if eco == "pypi" { name.to_lowercase().replace(['_', '.'], "-") } else { name.to_string() };
    (eco, name)
}

impl Knowledge {
    /// Indexes what was loaded (revisions should already be collapsed).
    pub fn new(loaded: Loaded, aliases: Aliases, releases: &[(String, String, Vec<String>)]) -> Knowledge {
        let mut k = Knowledge { aliases, ..Knowledge::default() };
        let mut vendor_ids: BTreeMap<String, usize> = BTreeMap::new();
        for (d, file) in loaded.csaf.into_iter().enumerate() {
            let doc: &Document = &file.document;
            let mut statuses: HashMap<&str, Vec<(usize, Status)>> = HashMap::new();
            for (v, vuln) in doc.vulnerabilities.iter().enumerate() {
                for (id, status) in &vuln.statuses {
                    statuses.entry(id.as_str()).or_default().push((v, *status));
                }
            }
            for (p, product) in doc.products.iter().enumerate() {
                let Some(list) = statuses.get(product.id.as_str()) else { continue };
                let vendor_name = product.vendor.clone().unwrap_or_else(|| doc.publisher.clone());
                let vendor = *vendor_ids.entry(vendor_name.clone()).or_insert_with(|| {
                    k.vendors.push(AdvisoryVendor {
                        vendor: Vendor::new(&vendor_name, &k.aliases),
                        name: vendor_name.clone(),
                        products: Vec::new(),
                    });
                    k.vendors.len() - 1
                });
                let strip: Vec<String> =
                    k.vendors[vendor].vendor.raw_keys.iter().chain(&k.vendors[vendor].vendor.keys).cloned().collect();
                let name = product.product_name.clone().unwrap_or_else(|| product.name.clone());
                if let Some(purl) = product.purl.as_deref().and_then(|p| mamori_sbom::Purl::parse(p).ok()) {
                    k.csaf_by_purl.entry(purl.package_key()).or_default().push(k.products.len());
                }
                if let Some([_, _, Some(name), _]) = product.cpe.as_deref().and_then(crate::scan::cpe_parts) {
                    k.csaf_by_cpe_product.entry(name).or_default().push(k.products.len());
                }
                k.vendors[vendor].products.push(k.products.len());
                let findings = crate::devices::bodies_for(doc, product, &vendor_name, list);
                k.products.push(IndexedProduct {
                    doc: d,
                    product: p,
                    vendor,
                    words: product_words(&name, &strip),
                    statuses: list.clone(),
                    findings,
                });
            }
            k.csaf.push(file);
        }
        for (i, mut record) in loaded.osv.into_iter().enumerate() {
            record.sort_events();
            let mut keys: Vec<(String, String)> = record
                .affected
                .iter()
                .filter_map(|a| a.package.as_ref())
                .filter(|p| !p.ecosystem.is_empty())
                .map(|p| osv_name_key(&p.ecosystem, &p.name))
                .collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                k.osv_index.entry(key).or_default().push(i);
            }
            k.osv_severity.push(record.rating().map(|(rating, score)| crate::Severity {
                rating,
                score: score.as_ref().map(|s| s.base_score),
                vector: score.map(|s| s.vector),
            }));
            k.osv.push(record);
        }
        for (manufacturer, product, order) in releases {
            let vendor = Vendor::new(manufacturer, &k.aliases);
            let strip: Vec<String> = vendor.raw_keys.iter().chain(&vendor.keys).cloned().collect();
            let words = product_words(product, &strip);
            k.releases.push((vendor, words, Scheme::Releases(order.clone())));
        }
        k
    }

    /// How versions of this vendor's product are ordered: the registered release order if
    /// there is one, else dot-separated integers.
    pub fn scheme_for(&self, vendor: &Vendor, words: &[String]) -> &Scheme {
        static INTDOT: Scheme = Scheme::Intdot;
        self.releases
            .iter()
            .find(|(v, w, _)| {
                matches!(relate_vendors(v, vendor), crate::names::VendorRelation::Same { .. })
                    && relate_products(w, words) == ProductRelation::Same
            })
            .map(|(_, _, s)| s)
            .unwrap_or(&INTDOT)
    }

    pub fn document(&self, product: &IndexedProduct) -> &Document {
        &self.csaf[product.doc].document
    }
}
