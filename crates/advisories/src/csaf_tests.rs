//! The mandatory tests of CSAF 2.0 section 6.1 that the hub relies on to match and to order
//! revisions, each reported by its id with a JSON pointer. The hub keeps a document that
//! fails them when it can still be used (hub.md §3: 22 ICSMA files fail 6.1.31), so every
//! finding here is a warning; [`IMPLEMENTED`] lists which tests run, and the conformance test
//! checks each against the OASIS validator test files.

use crate::csaf::compare_versions;
use crate::cvss::Rating;
use crate::problem::{Problem, segment};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// The test ids this module implements.
pub const IMPLEMENTED: &[&str] =
    &["6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.1.5", "6.1.6", "6.1.7", "6.1.9", "6.1.13", "6.1.14", "6.1.16", "6.1.31"];

/// Runs every implemented test over a CSAF document.
pub fn run(doc: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    let definitions = product_definitions(doc);
    missing_product_definitions(doc, &definitions, &mut out);
    multiple_product_definitions(&definitions, &mut out);
    circular_product_definitions(doc, &mut out);
    group_definitions(doc, &mut out);
    contradicting_status(doc, &mut out);
    multiple_scores(doc, &mut out);
    cvss_computation(doc, &mut out);
    purls(doc, &mut out);
    revision_history(doc, &mut out);
    version_ranges_in_product_version(doc, &mut out);
    out
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// Visits every branch with its pointer.
fn branches<'a>(value: &'a Value, pointer: String, visit: &mut dyn FnMut(&'a Value, &str)) {
    for (i, b) in array(value.get("branches")).iter().enumerate() {
        let p = format!("{pointer}/branches/{i}");
        visit(b, &p);
        branches(b, p, visit);
    }
}

/// Every defined product id with the pointer of its definition, in document order.
fn product_definitions(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(tree) = doc.get("product_tree") else { return out };
    branches(tree, "/product_tree".into(), &mut |b, p| {
        if let Some(id) = b.pointer("/product/product_id").and_then(Value::as_str) {
            out.push((id.to_string(), format!("{p}/product/product_id")));
        }
    });
    for (i, f) in array(tree.get("full_product_names")).iter().enumerate() {
        if let Some(id) = f.get("product_id").and_then(Value::as_str) {
            out.push((id.to_string(), format!("/product_tree/full_product_names/{i}/product_id")));
        }
    }
    for (i, r) in array(tree.get("relationships")).iter().enumerate() {
        if let Some(id) = r.pointer("/full_product_name/product_id").and_then(Value::as_str) {
            out.push((id.to_string(), format!("/product_tree/relationships/{i}/full_product_name/product_id")));
        }
    }
    out
}

/// Every place a product id is referenced, with its pointer.
fn product_references(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut list = |value: Option<&Value>, pointer: String| {
        for (i, id) in array(value).iter().enumerate() {
            if let Some(id) = id.as_str() {
                out.push((id.to_string(), format!("{pointer}/{i}")));
            }
        }
    };
    if let Some(tree) = doc.get("product_tree") {
        for (i, g) in array(tree.get("product_groups")).iter().enumerate() {
            list(g.get("product_ids"), format!("/product_tree/product_groups/{i}/product_ids"));
        }
    }
    for (v, vuln) in array(doc.get("vulnerabilities")).iter().enumerate() {
        let base = format!("/vulnerabilities/{v}");
        if let Some(groups) = vuln.get("product_status").and_then(Value::as_object) {
            for (group, ids) in groups {
                list(Some(ids), format!("{base}/product_status/{}", segment(group)));
            }
        }
        for (key, field) in [
            ("remediations", "product_ids"),
            ("scores", "products"),
            ("threats", "product_ids"),
            ("flags", "product_ids"),
        ] {
            for (i, item) in array(vuln.get(key)).iter().enumerate() {
                list(item.get(field), format!("{base}/{key}/{i}/{field}"));
            }
        }
    }
    let mut refs = Vec::new();
    if let Some(tree) = doc.get("product_tree") {
        for (i, r) in array(tree.get("relationships")).iter().enumerate() {
            for key in ["product_reference", "relates_to_product_reference"] {
                if let Some(id) = r.get(key).and_then(Value::as_str) {
                    refs.push((id.to_string(), format!("/product_tree/relationships/{i}/{key}")));
                }
            }
        }
    }
    out.extend(refs);
    out
}

/// 6.1.1 Missing Definition of Product ID.
fn missing_product_definitions(doc: &Value, definitions: &[(String, String)], out: &mut Vec<Problem>) {
    let defined: BTreeSet<&str> = definitions.iter().map(|(id, _)| id.as_str()).collect();
    for (id, pointer) in product_references(doc) {
        if !defined.contains(id.as_str()) {
            out.push(
                Problem::warning(pointer, format!("product id {id:?} is used but not defined in the product tree"))
                    .test("6.1.1"),
            );
        }
    }
}

/// 6.1.2 Multiple Definition of Product ID.
fn multiple_product_definitions(definitions: &[(String, String)], out: &mut Vec<Problem>) {
    let mut seen = BTreeMap::new();
    for (id, pointer) in definitions {
        if let Some(first) = seen.insert(id.as_str(), pointer.as_str()) {
            out.push(
                Problem::warning(pointer.clone(), format!("product id {id:?} is defined again (first at {first})"))
                    .test("6.1.2"),
            );
            seen.insert(id.as_str(), first);
        }
    }
}

/// 6.1.3 Circular Definition of Product ID: a relationship's product defined in terms of
/// itself.
fn circular_product_definitions(doc: &Value, out: &mut Vec<Problem>) {
    for (i, r) in array(doc.pointer("/product_tree/relationships")).iter().enumerate() {
        let Some(id) = r.pointer("/full_product_name/product_id").and_then(Value::as_str) else { continue };
        for key in ["product_reference", "relates_to_product_reference"] {
            if r.get(key).and_then(Value::as_str) == Some(id) {
                out.push(
                    Problem::warning(
                        format!("/product_tree/relationships/{i}/{key}"),
                        format!("product id {id:?} is defined through itself"),
                    )
                    .test("6.1.3"),
                );
            }
        }
    }
}

/// 6.1.4 Missing Definition of Product Group ID and 6.1.5 Multiple Definition of Product
/// Group ID.
fn group_definitions(doc: &Value, out: &mut Vec<Problem>) {
    let mut defined = BTreeMap::new();
    for (i, g) in array(doc.pointer("/product_tree/product_groups")).iter().enumerate() {
        let Some(id) = g.get("group_id").and_then(Value::as_str) else { continue };
        let pointer = format!("/product_tree/product_groups/{i}/group_id");
        if let Some(first) = defined.get(id) {
            out.push(
                Problem::warning(pointer, format!("group id {id:?} is defined again (first at {first})")).test("6.1.5"),
            );
        } else {
            defined.insert(id.to_string(), pointer);
        }
    }
    for (v, vuln) in array(doc.get("vulnerabilities")).iter().enumerate() {
        for key in ["remediations", "threats", "flags"] {
            for (i, item) in array(vuln.get(key)).iter().enumerate() {
                for (j, id) in array(item.get("group_ids")).iter().enumerate() {
                    let Some(id) = id.as_str() else { continue };
                    if !defined.contains_key(id) {
                        out.push(
                            Problem::warning(
                                format!("/vulnerabilities/{v}/{key}/{i}/group_ids/{j}"),
                                format!("group id {id:?} is used but not defined in product_groups"),
                            )
                            .test("6.1.4"),
                        );
                    }
                }
            }
        }
    }
}

/// 6.1.6 Contradicting Product Status: one product in two of the groups affected, not
/// affected, fixed and under investigation for the same vulnerability.
fn contradicting_status(doc: &Value, out: &mut Vec<Problem>) {
    let class = |group: &str| match group {
        "first_affected" | "known_affected" | "last_affected" => Some("affected"),
        "known_not_affected" => Some("not affected"),
        "first_fixed" | "fixed" => Some("fixed"),
        "under_investigation" => Some("under investigation"),
        _ => None,
    };
    for (v, vuln) in array(doc.get("vulnerabilities")).iter().enumerate() {
        let Some(groups) = vuln.get("product_status").and_then(Value::as_object) else { continue };
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (group, ids) in groups {
            let Some(c) = class(group) else { continue };
            for (i, id) in array(Some(ids)).iter().enumerate() {
                let Some(id) = id.as_str() else { continue };
                match seen.get(id) {
                    Some(other) if *other != c => out.push(
                        Problem::warning(
                            format!("/vulnerabilities/{v}/product_status/{}/{i}", segment(group)),
                            format!("product {id:?} is both {other} and {c}"),
                        )
                        .test("6.1.6"),
                    ),
                    Some(_) => {}
                    None => {
                        seen.insert(id, c);
                    }
                }
            }
        }
    }
}

/// 6.1.7 Multiple Scores with same Version per Product.
fn multiple_scores(doc: &Value, out: &mut Vec<Problem>) {
    for (v, vuln) in array(doc.get("vulnerabilities")).iter().enumerate() {
        let mut seen = BTreeSet::new();
        for (s, score) in array(vuln.get("scores")).iter().enumerate() {
            let mut versions = Vec::new();
            if let Some(version) = score.pointer("/cvss_v3/version").and_then(Value::as_str) {
                versions.push(format!("3:{version}"));
            }
            if let Some(version) = score.pointer("/cvss_v2/version").and_then(Value::as_str) {
                versions.push(format!("2:{version}"));
            }
            for (i, id) in array(score.get("products")).iter().enumerate() {
                let Some(id) = id.as_str() else { continue };
                for version in &versions {
                    if !seen.insert((id.to_string(), version.clone())) {
                        out.push(
                            Problem::warning(
                                format!("/vulnerabilities/{v}/scores/{s}/products/{i}"),
                                format!("product {id:?} has a second CVSS {} score", &version[2..]),
                            )
                            .test("6.1.7"),
                        );
                    }
                }
            }
        }
    }
}

/// 6.1.9 Invalid CVSS computation: the stated base score and severity differ from the vector's.
fn cvss_computation(doc: &Value, out: &mut Vec<Problem>) {
    for (v, vuln) in array(doc.get("vulnerabilities")).iter().enumerate() {
        for (s, score) in array(vuln.get("scores")).iter().enumerate() {
            for key in ["cvss_v3", "cvss_v2"] {
                let Some(c) = score.get(key) else { continue };
                let pointer = format!("/vulnerabilities/{v}/scores/{s}/{key}");
                let Some(vector) = c.get("vectorString").and_then(Value::as_str) else { continue };
                let Ok(parsed) = ::cvss::Cvss::from_str(vector) else { continue };
                let computed = (parsed.score() * 10.0).round() / 10.0;
                if let Some(stated) = c.get("baseScore").and_then(Value::as_f64)
                    && (stated - computed).abs() > 0.001
                {
                    out.push(
                        Problem::warning(
                            format!("{pointer}/baseScore"),
                            format!("baseScore {stated} differs from {computed}, computed from {vector}"),
                        )
                        .test("6.1.9"),
                    );
                }
                if let Some(stated) = c.get("baseSeverity").and_then(Value::as_str) {
                    let expected = format!("{:?}", Rating::from_score(computed)).to_uppercase();
                    if stated != expected {
                        out.push(
                            Problem::warning(
                                format!("{pointer}/baseSeverity"),
                                format!("baseSeverity {stated} differs from {expected}, computed from {vector}"),
                            )
                            .test("6.1.9"),
                        );
                    }
                }
            }
        }
    }
}

/// 6.1.13 PURL: every purl in an identification helper is a valid package URL.
fn purls(doc: &Value, out: &mut Vec<Problem>) {
    let mut check = |product: &Value, pointer: String| {
        if let Some(purl) = product.pointer("/product_identification_helper/purl").and_then(Value::as_str)
            && let Err(e) = packageurl::PackageUrl::from_str(purl)
        {
            out.push(
                Problem::warning(
                    format!("{pointer}/product_identification_helper/purl"),
                    format!("{purl:?} is not a package URL: {e}"),
                )
                .test("6.1.13"),
            );
        }
    };
    let Some(tree) = doc.get("product_tree") else { return };
    branches(tree, "/product_tree".into(), &mut |b, p| {
        if let Some(product) = b.get("product") {
            check(product, format!("{p}/product"));
        }
    });
    for (i, f) in array(tree.get("full_product_names")).iter().enumerate() {
        check(f, format!("/product_tree/full_product_names/{i}"));
    }
    for (i, r) in array(tree.get("relationships")).iter().enumerate() {
        if let Some(f) = r.get("full_product_name") {
            check(f, format!("/product_tree/relationships/{i}/full_product_name"));
        }
    }
}

/// 6.1.14 Sorted Revision History and 6.1.16 Latest Document Version.
fn revision_history(doc: &Value, out: &mut Vec<Problem>) {
    let history = array(doc.pointer("/document/tracking/revision_history"));
    let mut items: Vec<(usize, &str, &str)> = history
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, r.get("date")?.as_str()?, r.get("number")?.as_str()?)))
        .collect();
    if items.is_empty() {
        return;
    }
    // Dates are RFC 3339; compared as instants so offsets order correctly.
    // Items of the same date are ordered by number, as the standard's examples expect.
    items.sort_by(|a, b| instant(a.1).cmp(&instant(b.1)).then_with(|| compare_versions(a.2, b.2)));
    for pair in items.windows(2) {
        if compare_versions(pair[0].2, pair[1].2) == Ordering::Greater {
            out.push(
                Problem::warning(
                    format!("/document/tracking/revision_history/{}/number", pair[1].0),
                    format!("revision {} is dated after revision {} but numbered before it", pair[1].2, pair[0].2),
                )
                .test("6.1.14"),
            );
        }
    }
    let Some(version) = doc.pointer("/document/tracking/version").and_then(Value::as_str) else { return };
    let draft = doc.pointer("/document/tracking/status").and_then(Value::as_str) == Some("draft");
    let strip = |v: &str| -> String {
        let v = v.split('+').next().unwrap_or("");
        if draft { v.split('-').next().unwrap_or("").to_string() } else { v.to_string() }
    };
    let latest = items.last().map(|i| i.2).unwrap_or("");
    if strip(version) != strip(latest) {
        out.push(
            Problem::warning(
                "/document/tracking/version",
                format!("the document version is {version} but the latest revision in the history is {latest}"),
            )
            .test("6.1.16"),
        );
    }
}

/// An RFC 3339 date-time as seconds since 0000 (enough to order dates; no calendar crate).
pub(crate) fn instant(date: &str) -> (i64, String) {
    let b = date.as_bytes();
    let num = |r: std::ops::Range<usize>| -> i64 { date.get(r).and_then(|s| s.parse().ok()).unwrap_or(0) };
    if b.len() < 19 {
        return (0, date.to_string());
    }
    let (y, mo, d, h, mi, s) = (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    // Days from a civil date (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let mut seconds = days * 86_400 + h * 3600 + mi * 60 + s;
    let tail = &date[19..];
    let fraction: String =
        tail.strip_prefix('.').map(|t| t.chars().take_while(char::is_ascii_digit).collect()).unwrap_or_default();
    if let Some(pos) = tail.rfind(['+', '-']) {
        let sign = if tail.as_bytes()[pos] == b'-' { -1 } else { 1 };
        let off = &tail[pos + 1..];
        let oh: i64 = off.get(0..2).and_then(|s| s.parse().ok()).unwrap_or(0);
        let om: i64 = off.get(3..5).and_then(|s| s.parse().ok()).unwrap_or(0);
        seconds -= sign * (oh * 3600 + om * 60);
    }
    (seconds, format!("{fraction:0<9}"))
}

/// 6.1.31 Version Range in Product Version: a `product_version` branch whose name is a range.
fn version_ranges_in_product_version(doc: &Value, out: &mut Vec<Problem>) {
    let Some(tree) = doc.get("product_tree") else { return };
    branches(tree, "/product_tree".into(), &mut |b, p| {
        if b.get("category").and_then(Value::as_str) != Some("product_version") {
            return;
        }
        let Some(name) = b.get("name").and_then(Value::as_str) else { return };
        if is_range(name) {
            out.push(
                Problem::warning(
                    format!("{p}/name"),
                    format!(
                        "the product_version {name:?} is a version range; it belongs in a product_version_range branch"
                    ),
                )
                .test("6.1.31"),
            );
        }
    });
}

fn is_range(name: &str) -> bool {
    let lower = name.to_lowercase();
    if lower.starts_with("vers:") || name.contains(['<', '>']) {
        return true;
    }
    const WORDS: [&str; 7] = ["after", "all", "before", "earlier", "later", "prior", "versions"];
    // Whole words between spaces: `after-eight` is a name, not a range (OASIS 6-1-31-12).
    lower.split_whitespace().any(|w| WORDS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_in_product_version_are_named() {
        for range in ["vers:all/*", "<= 9.5", "prior to 4.2", "All versions", "4.2 and later", ">4.2"] {
            assert!(is_range(range), "{range}");
        }
        for version in ["4.2", "1.0.0-rc1", "R4.1L1", "MMT-1711 | MMT-1712", "Allegro 2", "after-eight"] {
            assert!(!is_range(version), "{version}");
        }
    }

    #[test]
    fn instants_respect_offsets() {
        assert!(instant("2021-07-22T10:00:00.000Z") < instant("2021-07-23T09:00:00.000Z"));
        assert!(instant("2021-07-22T10:00:00+02:00") < instant("2021-07-22T09:00:00Z"));
        assert!(instant("2021-07-22T10:00:00.5Z") > instant("2021-07-22T10:00:00.25Z"));
    }
}
