//! What changed between two revisions of one advisory. Product ids are opaque and reassigned
//! per revision (hub.md §3: icsma-20-254-01's `CSAFPID-0001` is another product in v4), so
//! products are compared by what they are — vendor, product name, version statement — and
//! each one's vulnerabilities by id and status.

use crate::csaf::{Document, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevisionDiff {
    pub advisory: String,
    pub from: String,
    pub to: String,
    /// Vulnerability ids (each vulnerability's first id) that appear or go.
    pub vulnerabilities_added: Vec<String>,
    pub vulnerabilities_removed: Vec<String>,
    /// Products whose statuses changed, appeared or went.
    pub products: Vec<ProductChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductChange {
    pub vendor: String,
    pub product: String,
    pub version: String,
    /// (vulnerability, status) pairs only the new revision has.
    pub added: Vec<(String, Status)>,
    /// (vulnerability, status) pairs only the old revision has.
    pub removed: Vec<(String, Status)>,
}

type ProductKey = (String, String, String);

fn statements(doc: &Document) -> BTreeMap<ProductKey, BTreeSet<(String, Status)>> {
    let mut out: BTreeMap<ProductKey, BTreeSet<(String, Status)>> = BTreeMap::new();
    for vuln in &doc.vulnerabilities {
        let Some(id) = vuln.ids.first() else { continue };
        for (product_id, status) in &vuln.statuses {
            let Some(p) = doc.product(product_id) else { continue };
            let key = (
                p.vendor.clone().unwrap_or_default(),
                p.product_name.clone().unwrap_or_else(|| p.name.clone()),
                p.version.as_ref().map(|s| s.raw.clone()).unwrap_or_default(),
            );
            out.entry(key).or_default().insert((id.clone(), *status));
        }
    }
    out
}

pub fn diff(old: &Document, new: &Document) -> RevisionDiff {
    let ids = |d: &Document| -> BTreeSet<String> {
        d.vulnerabilities.iter().filter_map(|v| v.ids.first().cloned()).collect()
    };
    let (old_ids, new_ids) = (ids(old), ids(new));
    let (before, after) = (statements(old), statements(new));
    let keys: BTreeSet<&ProductKey> = before.keys().chain(after.keys()).collect();
    let empty = BTreeSet::new();
    let products = keys
        .into_iter()
        .filter_map(|key| {
            let (b, a) = (before.get(key).unwrap_or(&empty), after.get(key).unwrap_or(&empty));
            let added: Vec<_> = a.difference(b).cloned().collect();
            let removed: Vec<_> = b.difference(a).cloned().collect();
            (!added.is_empty() || !removed.is_empty()).then(|| ProductChange {
                vendor: key.0.clone(),
                product: key.1.clone(),
                version: key.2.clone(),
                added,
                removed,
            })
        })
        .collect();
    RevisionDiff {
        advisory: new.id.clone(),
        from: old.version.clone(),
        to: new.version.clone(),
        vulnerabilities_added: new_ids.difference(&old_ids).cloned().collect(),
        vulnerabilities_removed: old_ids.difference(&new_ids).cloned().collect(),
        products,
    }
}
