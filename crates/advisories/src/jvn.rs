//! JVN iPedia as MyJVN returns it (hub.md §7): VULDEF 3.x detail documents and JVNRSS 3.2
//! overviews, read into the same [`Document`] shape as CSAF so that matching treats every
//! advisory alike. VULDEF's `VersionNumber` is free text (`v6 R4 およびそれ以前のバージョン`) and
//! goes through the same statement reader as CSAF's ranges; JVNRSS names products by CPE 2.2
//! without a version, so its products carry no version statement and can only be "possible".

use crate::csaf::{Document, Product, ProductScore, Remediation, Status, Vulnerability};
use crate::cvss;
use crate::problem::Problem;
use mamori_versions::Spec;
use roxmltree::Node;

fn line(doc: &roxmltree::Document, n: Node) -> String {
    format!("line {}", doc.text_pos_at(n.range().start).row)
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn text(n: Option<Node>) -> Option<String> {
    n.and_then(|n| n.text()).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Reads a VULDEF document or a JVNRSS feed: one [`Document`] per advisory in it.
pub fn read(bytes: &[u8]) -> Result<(Vec<Document>, Vec<Problem>), Vec<Problem>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| vec![Problem::error(format!("byte {}", e.valid_up_to()), "is not UTF-8 text")])?;
    let xml = roxmltree::Document::parse(text)
        .map_err(|e| vec![Problem::error(format!("line {}", e.pos().row), format!("not well-formed XML: {e}"))])?;
    let root = xml.root_element();
    match root.tag_name().name() {
        "VULDEF-Document" => Ok(vuldef(&xml, root)),
        "RDF" => Ok(jvnrss(&xml, root)),
        other => {
            Err(vec![Problem::error("line 1", format!("<{other}> is neither a VULDEF document nor a JVNRSS feed"))])
        }
    }
}

fn score(vector: Option<String>, at: String, problems: &mut Vec<Problem>) -> Option<ProductScore> {
    let vector = vector?;
    match cvss::score(&vector) {
        Some(s) => {
            Some(ProductScore { products: Vec::new(), vector: s.vector, base_score: s.base_score, rating: s.rating })
        }
        None => {
            problems
                .push(Problem::warning(at, format!("the CVSS vector {vector:?} does not read; the score is not used")));
            None
        }
    }
}

/// One JVN advisory as a CSAF-shaped document: one vulnerability (its JVNDB id first, then
/// CVE and JVN ids) that affects every product listed.
#[allow(clippy::too_many_arguments)]
fn document(
    id: String,
    version: String,
    title: Option<String>,
    date: Option<String>,
    products: Vec<Product>,
    ids: Vec<String>,
    scores: Vec<ProductScore>,
    remediations: Vec<Remediation>,
) -> Document {
    Document {
        source: "jvn".into(),
        version,
        title: title.clone().unwrap_or_default(),
        publisher: "JVN iPedia".into(),
        current_release_date: date.unwrap_or_default(),
        vulnerabilities: vec![Vulnerability {
            ids,
            title,
            statuses: products.iter().map(|p| (p.id.clone(), Status::Affected)).collect(),
            scores,
            remediations,
            justifications: Vec::new(),
        }],
        products,
        groups: Vec::new(),
        relationships: Vec::new(),
        id,
    }
}

fn vuldef(xml: &roxmltree::Document, root: Node) -> (Vec<Document>, Vec<Problem>) {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for info in children(root, "Vulinfo") {
        let Some(id) = text(child(info, "VulinfoID")) else {
            problems.push(Problem::warning(line(xml, info), "a Vulinfo without VulinfoID is skipped"));
            continue;
        };
        let Some(data) = child(info, "VulinfoData") else {
            problems.push(Problem::warning(line(xml, info), format!("{id} has no VulinfoData; skipped")));
            continue;
        };
        let mut products = Vec::new();
        for (i, item) in child(data, "Affected").into_iter().flat_map(|a| children(a, "AffectedItem")).enumerate() {
            let vendor = text(child(item, "Name"));
            let product_name = text(child(item, "ProductName"));
            let cpe = text(child(item, "Cpe"));
            let versions: Vec<Node> = children(item, "VersionNumber").collect();
            let statements: Vec<Option<String>> = if versions.iter().all(|v| text(Some(*v)).is_none()) {
                vec![None]
            } else {
                versions.iter().map(|v| text(Some(*v))).collect()
            };
            for (j, statement) in statements.into_iter().enumerate() {
                let name =
                    [product_name.clone(), statement.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                products.push(Product {
                    id: format!("{id}-{}-{}", i + 1, j + 1),
                    name,
                    vendor: vendor.clone(),
                    product_name: product_name.clone(),
                    version: statement.as_deref().map(Spec::parse),
                    purl: None,
                    cpe: cpe.clone(),
                    model_numbers: Vec::new(),
                    skus: Vec::new(),
                    pointer: line(xml, item),
                });
            }
        }
        let mut ids = vec![id.clone()];
        for related in child(data, "Related").into_iter().flat_map(|r| children(r, "RelatedItem")) {
            if let Some(other) = text(child(related, "VulinfoID")) {
                let is_id = other.starts_with("CVE-") || other.starts_with("JVN");
                if is_id && !ids.contains(&other) {
                    ids.push(other);
                }
            }
        }
        let mut scores = Vec::new();
        for c in child(data, "Impact").into_iter().flat_map(|i| children(i, "Cvss")) {
            scores.extend(score(text(child(c, "Vector")), line(xml, c), &mut problems));
        }
        let product_ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
        let remediations = child(data, "Solution")
            .into_iter()
            .flat_map(|s| children(s, "SolutionItem"))
            .filter_map(|s| text(child(s, "Description")))
            .map(|details| Remediation {
                category: "vendor_fix".into(),
                details,
                url: None,
                product_ids: product_ids.clone(),
            })
            .collect();
        let history = child(data, "History").map(|h| children(h, "HistoryItem").count()).unwrap_or(0);
        let (title, date) = (text(child(data, "Title")), text(child(data, "DateLastUpdated")));
        docs.push(document(id, history.max(1).to_string(), title, date, products, ids, scores, remediations));
    }
    (docs, problems)
}

fn jvnrss(xml: &roxmltree::Document, root: Node) -> (Vec<Document>, Vec<Problem>) {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for item in children(root, "item") {
        let Some(id) = text(child(item, "identifier")) else {
            problems.push(Problem::warning(line(xml, item), "an item without sec:identifier is skipped"));
            continue;
        };
        let mut ids = vec![id.clone()];
        for r in children(item, "references") {
            if let Some(other) = r.attribute("id").filter(|i| i.starts_with("CVE-") || i.starts_with("JVN"))
                && !ids.iter().any(|i| i == other)
            {
                ids.push(other.to_string());
            }
        }
        let products: Vec<Product> = children(item, "cpe")
            .enumerate()
            .map(|(i, c)| Product {
                id: format!("{id}-{}", i + 1),
                name: c.attribute("product").unwrap_or("").to_string(),
                vendor: c.attribute("vendor").map(str::to_string),
                product_name: c.attribute("product").map(str::to_string),
                version: None,
                purl: None,
                cpe: text(Some(c)),
                model_numbers: Vec::new(),
                skus: Vec::new(),
                pointer: line(xml, c),
            })
            .collect();
        let scores = children(item, "cvss")
            .filter_map(|c| score(c.attribute("vector").map(str::to_string), line(xml, c), &mut problems))
            .collect();
        let date = text(child(item, "modified")).or_else(|| text(child(item, "date")));
        docs.push(document(id, "1".into(), text(child(item, "title")), date, products, ids, scores, Vec::new()));
    }
    (docs, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mamori_versions::{Decision, Scheme};

    fn example(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpora/hub/jvn/myjvn-np/examples/hnd")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn a_vuldef_reads_with_its_japanese_version_statement() {
        let (docs, problems) = read(&example("getVulnDetailInfo_hnd_JVNDB-2022-000097.xml")).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let doc = &docs[0];
        assert_eq!((doc.id.as_str(), doc.source.as_str()), ("JVNDB-2022-000097", "jvn"));
        let p = &doc.products[0];
        assert_eq!(p.vendor.as_deref(), Some("一般財団法人日本建設情報総合センター"));
        assert_eq!(p.version.as_ref().unwrap().raw, "v6 R4 およびそれ以前のバージョン");
        let v = &doc.vulnerabilities[0];
        assert!(
            v.ids.contains(&"CVE-2022-41993".to_string()) && v.ids.contains(&"JVN#96321933".to_string()),
            "{:?}",
            v.ids
        );
        assert_eq!(v.scores.iter().map(|s| s.base_score).collect::<Vec<_>>(), [4.3, 6.1]);
        assert_eq!(doc.version, "2");
    }

    #[test]
    fn jvnrss_items_have_products_without_versions() {
        let (docs, _) = read(&example("getVulnOverviewList_hnd.xml")).unwrap();
        assert!(docs.len() >= 2);
        let d = docs.iter().find(|d| d.id == "JVNDB-2025-002884").unwrap();
        assert_eq!(d.products[0].vendor.as_deref(), Some("Rockwell Automation"));
        assert!(d.products.iter().all(|p| p.version.is_none()));
        assert!(d.vulnerabilities[0].ids.contains(&"CVE-2025-23120".to_string()));
        let spec = Spec::parse("5.8 (Build 1577) 未満");
        assert!(!matches!(spec.decide(&Scheme::Intdot, Some("5.9")), Decision::Inside(_)));
    }

    #[test]
    fn other_xml_is_refused_with_a_line() {
        let e = read(b"<bom/>").unwrap_err();
        assert_eq!(e[0].pointer, "line 1");
        assert!(read(b"<VULDEF-Document").is_err());
    }
}
