//! CSAF 2.0 advisories (<https://docs.oasis-open.org/csaf/csaf/v2.0/>), read into what the hub
//! matches on: the products of the product tree with their vendor, product name, version
//! statement and identification helpers, and per vulnerability the status of each product,
//! its scores and remediations. Real advisories break the standard (hub.md §3): what can
//! still be used is kept, with warnings located by JSON pointer; the mandatory tests of
//! section 6.1 the hub relies on run in [`crate::csaf_tests`].

use crate::cvss::{self, Rating};
use crate::problem::Problem;
use mamori_versions::Spec;
use serde::Serialize;
use serde_json::Value;
use std::cmp::Ordering;

/// One advisory revision.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Where the advisory comes from: `csaf`, or `jvn` for JVN iPedia read into this shape.
    pub source: String,
    /// `/document/tracking/id`.
    pub id: String,
    /// `/document/tracking/version`: the revision, compared numerically ([`compare_versions`]).
    pub version: String,
    pub title: String,
    pub publisher: String,
    pub current_release_date: String,
    pub products: Vec<Product>,
    pub vulnerabilities: Vec<Vulnerability>,
    /// Product groups: id → product ids.
    pub groups: Vec<(String, Vec<String>)>,
    pub relationships: Vec<Relationship>,
}

/// A product the tree defines: a branch leaf, a full product name or a relationship's result.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: String,
    /// The full name as written (`Welch Allyn Q-Stress …: Versions 6.0.0 through 6.3.1`).
    pub name: String,
    pub vendor: Option<String>,
    /// The `product_name` branch (or, without one, the product family).
    pub product_name: Option<String>,
    /// The version statement from a `product_version` or `product_version_range` branch.
    pub version: Option<Spec>,
    pub purl: Option<String>,
    pub cpe: Option<String>,
    pub model_numbers: Vec<String>,
    pub skus: Vec<String>,
    /// Where the product is defined.
    pub pointer: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Relationship {
    pub category: String,
    pub product_reference: String,
    pub relates_to: String,
    pub product_id: String,
}

/// The status of a product for a vulnerability, as hub.md §5 maps CSAF's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Affected,
    NotAffected,
    Fixed,
    UnderInvestigation,
}

impl Status {
    /// CSAF's product status group name → status (`recommended` is not a status).
    pub fn from_csaf(group: &str) -> Option<Status> {
        Some(match group {
            "first_affected" | "known_affected" | "last_affected" => Status::Affected,
            "known_not_affected" => Status::NotAffected,
            "first_fixed" | "fixed" => Status::Fixed,
            "under_investigation" => Status::UnderInvestigation,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Vulnerability {
    /// CVE first, then the `ids` texts (GHSA, JVNDB, vendor ids).
    pub ids: Vec<String>,
    pub title: Option<String>,
    pub statuses: Vec<(String, Status)>,
    pub scores: Vec<ProductScore>,
    pub remediations: Vec<Remediation>,
    /// Why a product is not affected: flags' labels and `impact` threats, per product id.
    pub justifications: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProductScore {
    pub products: Vec<String>,
    pub vector: String,
    pub base_score: f64,
    pub rating: Rating,
}

#[derive(Debug, Clone, Serialize)]
pub struct Remediation {
    pub category: String,
    pub details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub product_ids: Vec<String>,
}

impl Document {
    /// [`Document::source`] as the label findings carry.
    pub fn source_label(&self) -> &'static str {
        if self.source == "jvn" { "jvn" } else { "csaf" }
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// Product ids a group or product reference stands for.
    pub fn expand_group(&self, group: &str) -> Vec<String> {
        self.groups.iter().find(|(g, _)| g == group).map(|(_, ids)| ids.clone()).unwrap_or_default()
    }
}

impl Vulnerability {
    /// The highest base score that applies to a product (any score without products applies
    /// to all).
    pub fn score_for(&self, product_id: &str) -> Option<&ProductScore> {
        self.scores
            .iter()
            .filter(|s| s.products.is_empty() || s.products.iter().any(|p| p == product_id))
            .max_by(|a, b| a.base_score.partial_cmp(&b.base_score).unwrap_or(Ordering::Equal))
    }
}

/// Reads a CSAF document. `Err` holds the problems that make it unusable (not JSON, no
/// tracking id or version, no product tree to match on); `Ok` carries the warnings about
/// what was skipped or repaired.
pub fn read(bytes: &[u8]) -> Result<(Document, Vec<Problem>), Vec<Problem>> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        vec![Problem::error(format!("line {}", e.line()), format!("not JSON: {e} (column {})", e.column()))]
    })?;
    from_value(&value)
}

pub fn from_value(value: &Value) -> Result<(Document, Vec<Problem>), Vec<Problem>> {
    let mut problems = Vec::new();
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_string);
    if !value.is_object() {
        return Err(vec![Problem::error("", "a CSAF document is a JSON object")]);
    }
    let csaf_version = text("/document/csaf_version");
    if csaf_version.as_deref() != Some("2.0") {
        problems.push(Problem::warning(
            "/document/csaf_version",
            format!("csaf_version is {:?}, not \"2.0\"; read as 2.0", csaf_version.unwrap_or_default()),
        ));
    }
    let mut fatal = Vec::new();
    let id = text("/document/tracking/id").unwrap_or_else(|| {
        fatal.push(Problem::error("/document/tracking/id", "the document has no tracking id"));
        String::new()
    });
    let version = text("/document/tracking/version").unwrap_or_else(|| {
        fatal.push(Problem::error("/document/tracking/version", "the document has no tracking version"));
        String::new()
    });
    if !fatal.is_empty() {
        return Err(fatal);
    }
    let mut doc = Document {
        source: "csaf".into(),
        id,
        version,
        title: text("/document/title").unwrap_or_default(),
        publisher: text("/document/publisher/name").unwrap_or_default(),
        current_release_date: text("/document/tracking/current_release_date").unwrap_or_default(),
        products: Vec::new(),
        vulnerabilities: Vec::new(),
        groups: Vec::new(),
        relationships: Vec::new(),
    };
    if let Some(tree) = value.get("product_tree") {
        read_tree(tree, &mut doc, &mut problems);
    }
    for (i, v) in array(value.get("vulnerabilities")).iter().enumerate() {
        doc.vulnerabilities.push(read_vulnerability(v, &format!("/vulnerabilities/{i}"), &mut problems));
    }
    Ok((doc, problems))
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn strings(value: Option<&Value>) -> Vec<String> {
    array(value).iter().filter_map(Value::as_str).map(str::to_string).collect()
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

#[derive(Default, Clone)]
struct Path {
    vendor: Option<String>,
    product_name: Option<String>,
    family: Option<String>,
    version: Option<(String, bool)>,
}

fn read_tree(tree: &Value, doc: &mut Document, problems: &mut Vec<Problem>) {
    for (i, b) in array(tree.get("branches")).iter().enumerate() {
        read_branch(b, &format!("/product_tree/branches/{i}"), Path::default(), doc, problems);
    }
    for (i, f) in array(tree.get("full_product_names")).iter().enumerate() {
        if let Some(p) = product(f, &format!("/product_tree/full_product_names/{i}"), &Path::default(), problems) {
            doc.products.push(p);
        }
    }
    for (i, g) in array(tree.get("product_groups")).iter().enumerate() {
        if let Some(group) = str_of(g, "group_id") {
            doc.groups.push((group.to_string(), strings(g.get("product_ids"))));
        } else {
            problems.push(Problem::warning(
                format!("/product_tree/product_groups/{i}"),
                "a product group without group_id is skipped",
            ));
        }
    }
    for (i, r) in array(tree.get("relationships")).iter().enumerate() {
        let pointer = format!("/product_tree/relationships/{i}");
        let (Some(category), Some(reference), Some(relates_to)) =
            (str_of(r, "category"), str_of(r, "product_reference"), str_of(r, "relates_to_product_reference"))
        else {
            problems.push(Problem::warning(pointer, "a relationship without category or references is skipped"));
            continue;
        };
        let Some(full) = r.get("full_product_name") else {
            problems.push(Problem::warning(pointer, "a relationship without full_product_name is skipped"));
            continue;
        };
        // The combined product inherits what the component is: `openssl 1.1 installed on
        // RHEL 8` is matched through the component's purl/cpe as well as its own.
        let Some(mut combined) = product(full, &format!("{pointer}/full_product_name"), &Path::default(), problems)
        else {
            continue;
        };
        if let Some(component) = doc.products.iter().find(|p| p.id == reference) {
            combined.purl = combined.purl.or_else(|| component.purl.clone());
            combined.cpe = combined.cpe.or_else(|| component.cpe.clone());
        }
        doc.relationships.push(Relationship {
            category: category.to_string(),
            product_reference: reference.to_string(),
            relates_to: relates_to.to_string(),
            product_id: combined.id.clone(),
        });
        doc.products.push(combined);
    }
}

fn read_branch(branch: &Value, pointer: &str, mut path: Path, doc: &mut Document, problems: &mut Vec<Problem>) {
    let category = str_of(branch, "category").unwrap_or("");
    let name = str_of(branch, "name").unwrap_or("").to_string();
    match category {
        "vendor" => path.vendor = Some(name),
        "product_name" => path.product_name = Some(name),
        "product_family" => path.family = Some(name),
        "product_version" => path.version = Some((name, false)),
        "product_version_range" => path.version = Some((name, true)),
        _ => {}
    }
    if let Some(p) = branch.get("product")
        && let Some(p) = product(p, &format!("{pointer}/product"), &path, problems)
    {
        doc.products.push(p);
    }
    for (i, b) in array(branch.get("branches")).iter().enumerate() {
        read_branch(b, &format!("{pointer}/branches/{i}"), path.clone(), doc, problems);
    }
}

fn product(value: &Value, pointer: &str, path: &Path, problems: &mut Vec<Problem>) -> Option<Product> {
    let Some(id) = str_of(value, "product_id") else {
        problems.push(Problem::warning(pointer.to_string(), "a product without product_id is skipped"));
        return None;
    };
    let helper = value.get("product_identification_helper");
    let helper_str = |key: &str| helper.and_then(|h| str_of(h, key)).map(str::to_string);
    Some(Product {
        id: id.to_string(),
        name: str_of(value, "name").unwrap_or("").to_string(),
        vendor: path.vendor.clone(),
        product_name: path.product_name.clone().or_else(|| path.family.clone()),
        version: path.version.as_ref().map(|(raw, _)| Spec::parse(raw)),
        purl: helper_str("purl"),
        cpe: helper_str("cpe"),
        model_numbers: strings(helper.and_then(|h| h.get("model_numbers"))),
        skus: strings(helper.and_then(|h| h.get("skus"))),
        pointer: pointer.to_string(),
    })
}

fn read_vulnerability(v: &Value, pointer: &str, problems: &mut Vec<Problem>) -> Vulnerability {
    let mut ids: Vec<String> = str_of(v, "cve").map(|c| vec![c.trim().to_string()]).unwrap_or_default();
    for id in array(v.get("ids")) {
        if let Some(text) = str_of(id, "text")
            && !ids.iter().any(|i| i == text)
        {
            ids.push(text.trim().to_string());
        }
    }
    let mut statuses = Vec::new();
    if let Some(groups) = v.get("product_status").and_then(Value::as_object) {
        for (group, list) in groups {
            let Some(status) = Status::from_csaf(group) else { continue };
            for id in strings(Some(list)) {
                statuses.push((id, status));
            }
        }
    }
    let mut scores = Vec::new();
    for (i, s) in array(v.get("scores")).iter().enumerate() {
        let products = strings(s.get("products"));
        for key in ["cvss_v3", "cvss_v2"] {
            let Some(c) = s.get(key) else { continue };
            let Some(vector) = str_of(c, "vectorString") else { continue };
            match cvss::score(vector) {
                Some(score) => scores.push(ProductScore {
                    products: products.clone(),
                    vector: score.vector,
                    base_score: score.base_score,
                    rating: score.rating,
                }),
                None => problems.push(Problem::warning(
                    format!("{pointer}/scores/{i}/{key}/vectorString"),
                    format!("the CVSS vector {vector:?} does not read; the score is not used"),
                )),
            }
        }
    }
    let remediations = array(v.get("remediations"))
        .iter()
        .map(|r| Remediation {
            category: str_of(r, "category").unwrap_or("").to_string(),
            details: str_of(r, "details").unwrap_or("").to_string(),
            url: str_of(r, "url").map(str::to_string),
            product_ids: strings(r.get("product_ids")),
        })
        .collect();
    let mut justifications = Vec::new();
    for f in array(v.get("flags")) {
        if let Some(label) = str_of(f, "label") {
            for id in strings(f.get("product_ids")) {
                justifications.push((id, label.to_string()));
            }
        }
    }
    for t in array(v.get("threats")) {
        if str_of(t, "category") == Some("impact") {
            let details = str_of(t, "details").unwrap_or("").to_string();
            for id in strings(t.get("product_ids")) {
                justifications.push((id, details.clone()));
            }
        }
    }
    Vulnerability { ids, title: str_of(v, "title").map(str::to_string), statuses, scores, remediations, justifications }
}

/// Tracking versions compared as CSAF orders them: integer versioning (`"2"` > `"1"`) or
/// semantic versioning (`"1.0.0"`), numerically and never by date (hub.md §3: icsma-17-017-01
/// went from "1.0.0" to "2"). Pre-releases come before their release; build metadata is
/// ignored.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let key = |v: &str| -> (Vec<u64>, bool, String) {
        let v = v.split('+').next().unwrap_or("");
        let (core, pre) = v.split_once('-').map_or((v, None), |(c, p)| (c, Some(p)));
        let mut numbers: Vec<u64> = core.split('.').map(|n| n.trim().parse().unwrap_or(0)).collect();
        while numbers.len() > 1 && numbers.last() == Some(&0) {
            numbers.pop();
        }
        (numbers, pre.is_none(), pre.unwrap_or("").to_string())
    };
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_versions_compare_as_numbers() {
        assert_eq!(compare_versions("2", "1.0.0"), Ordering::Greater);
        assert_eq!(compare_versions("10", "9"), Ordering::Greater);
        assert_eq!(compare_versions("1.0.0", "1"), Ordering::Equal);
        assert_eq!(compare_versions("1.0.0-rc1", "1.0.0"), Ordering::Less);
        assert_eq!(compare_versions("1.0.0+build", "1.0.0"), Ordering::Equal);
    }

    #[test]
    fn a_document_without_tracking_is_refused_with_pointers() {
        let errors = read(br#"{"document": {"title": "x"}}"#).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(pointers, ["/document/tracking/id", "/document/tracking/version"]);
        assert_eq!(read(b"{").unwrap_err()[0].pointer, "line 1");
        assert!(read(b"[]").is_err());
    }
}
