//! SPDX 2.x (<https://spdx.github.io/spdx-spec/v2.3/>) in JSON and tag-value: packages with
//! their purl (`PACKAGE-MANAGER purl`) and cpe (`SECURITY cpe23Type`), and the package the
//! document describes.

use crate::{Component, Format, Sbom, component_purl};
use mamori_advisories::Problem;
use serde_json::Value;

fn version_warning(version: &str, pointer: &str, problems: &mut Vec<Problem>) {
    if version != "SPDX-2.3" {
        problems
            .push(Problem::warning(pointer, format!("{version} is read as SPDX-2.3; fields it lacks are left empty")));
    }
}

/// `Organization: Acme (mail)` → `Acme`; `NOASSERTION` → none.
fn supplier(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text == "NOASSERTION" || text == "NONE" {
        return None;
    }
    let name = text.split_once(':').map_or(text, |(_, n)| n).trim();
    let name = name.split(" (").next().unwrap_or(name).trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn version(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|v| !v.is_empty() && *v != "NOASSERTION").map(str::to_string)
}

pub fn from_json(value: &Value) -> Result<(Sbom, Vec<Problem>), Vec<Problem>> {
    let mut problems = Vec::new();
    let spec = value.get("spdxVersion").and_then(Value::as_str).unwrap_or("").to_string();
    version_warning(&spec, "/spdxVersion", &mut problems);
    let mut components = Vec::new();
    for (i, p) in value.get("packages").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let pointer = format!("/packages/{i}");
        let text = |k: &str| p.get(k).and_then(Value::as_str);
        let mut purl = None;
        let mut cpe = None;
        for (j, r) in p.get("externalRefs").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let kind = r.get("referenceType").and_then(Value::as_str).unwrap_or("");
            let locator = r.get("referenceLocator").and_then(Value::as_str);
            match kind {
                "purl" if purl.is_none() => {
                    purl =
                        component_purl(locator, &format!("{pointer}/externalRefs/{j}/referenceLocator"), &mut problems)
                }
                "cpe23Type" | "cpe22Type" if cpe.is_none() => cpe = locator.map(str::to_string),
                _ => {}
            }
        }
        components.push(Component {
            bom_ref: text("SPDXID").map(str::to_string),
            name: text("name").unwrap_or("").to_string(),
            version: version(text("versionInfo"))
                .or_else(|| purl.as_ref().and_then(|p: &crate::Purl| p.version.clone())),
            purl,
            cpe,
            supplier: text("supplier").and_then(supplier),
            pointer,
        });
    }
    let mut described: Vec<String> = value
        .get("documentDescribes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    for r in value.get("relationships").and_then(Value::as_array).into_iter().flatten() {
        if r.get("relationshipType").and_then(Value::as_str) == Some("DESCRIBES")
            && r.get("spdxElementId").and_then(Value::as_str) == Some("SPDXRef-DOCUMENT")
            && let Some(id) = r.get("relatedSpdxElement").and_then(Value::as_str)
        {
            described.push(id.to_string());
        }
    }
    let subject =
        described.first().and_then(|id| components.iter().find(|c| c.bom_ref.as_deref() == Some(id))).cloned();
    let sbom = Sbom {
        format: Format { name: "SPDX", version: spec, syntax: "json" },
        serial: value.get("documentNamespace").and_then(Value::as_str).map(str::to_string),
        bom_version: None,
        subject,
        components,
        vex: Vec::new(),
    };
    Ok((sbom, problems))
}

pub fn from_tag_value(text: &str) -> Result<(Sbom, Vec<Problem>), Vec<Problem>> {
    let mut problems = Vec::new();
    let mut spec = String::new();
    let mut namespace = None;
    let mut described = Vec::new();
    let mut components: Vec<Component> = Vec::new();
    let mut in_text = false;
    for (i, line) in text.lines().enumerate() {
        let at = format!("line {}", i + 1);
        // Multi-line values sit between <text> and </text>; nothing inside is a tag.
        if in_text {
            in_text = !line.contains("</text>");
            continue;
        }
        let Some((tag, value)) = line.split_once(':') else { continue };
        let (tag, value) = (tag.trim(), value.trim());
        if value.starts_with("<text>") && !value.contains("</text>") {
            in_text = true;
        }
        match tag {
            "SPDXVersion" => {
                spec = value.to_string();
                version_warning(value, &at, &mut problems);
            }
            "DocumentNamespace" => namespace = Some(value.to_string()),
            "Relationship" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                if let ["SPDXRef-DOCUMENT", "DESCRIBES", id] = parts.as_slice() {
                    described.push(id.to_string());
                }
            }
            "PackageName" => components.push(Component {
                bom_ref: None,
                name: value.to_string(),
                version: None,
                purl: None,
                cpe: None,
                supplier: None,
                pointer: at,
            }),
            _ => {
                let Some(current) = components.last_mut() else { continue };
                match tag {
                    "SPDXID" if current.bom_ref.is_none() => current.bom_ref = Some(value.to_string()),
                    "PackageVersion" => current.version = version(Some(value)),
                    "PackageSupplier" => current.supplier = supplier(value),
                    "ExternalRef" => {
                        let parts: Vec<&str> = value.split_whitespace().collect();
                        match parts.as_slice() {
                            [_, "purl", locator, ..] if current.purl.is_none() => {
                                current.purl = component_purl(Some(locator), &at, &mut problems);
                                if current.version.is_none() {
                                    current.version = current.purl.as_ref().and_then(|p| p.version.clone());
                                }
                            }
                            [_, "cpe23Type" | "cpe22Type", locator, ..] if current.cpe.is_none() => {
                                current.cpe = Some(locator.to_string())
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    if spec.is_empty() {
        return Err(vec![Problem::error("line 1", "no SPDXVersion tag: not an SPDX tag-value document")]);
    }
    let subject =
        described.first().and_then(|id| components.iter().find(|c| c.bom_ref.as_deref() == Some(id))).cloned();
    let sbom = Sbom {
        format: Format { name: "SPDX", version: spec, syntax: "tag-value" },
        serial: namespace,
        bom_version: None,
        subject,
        components,
        vex: Vec::new(),
    };
    Ok((sbom, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppliers_lose_their_kind_and_mail() {
        assert_eq!(supplier("Organization: Example Medical (psirt@example.jp)").as_deref(), Some("Example Medical"));
        assert_eq!(supplier("NOASSERTION"), None);
    }

    #[test]
    fn tag_value_reads_packages_and_skips_text_blocks() {
        let text = "SPDXVersion: SPDX-2.3\nDocumentNamespace: https://example.jp/x\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-X\n\
            PackageName: X\nSPDXID: SPDXRef-X\nPackageVersion: 2.1\nPackageComment: <text>PackageName: fake\n</text>\n\
            PackageName: hyper\nSPDXID: SPDXRef-hyper\nExternalRef: PACKAGE-MANAGER purl pkg:cargo/hyper@0.14\n\
            PackageName: broken\nExternalRef: PACKAGE-MANAGER purl pkg:pypi/\n";
        let (sbom, problems) = from_tag_value(text).unwrap();
        let names: Vec<(&str, Option<&str>)> =
            sbom.components.iter().map(|c| (c.name.as_str(), c.version.as_deref())).collect();
        assert_eq!(names, [("X", Some("2.1")), ("hyper", Some("0.14")), ("broken", None)]);
        assert_eq!(sbom.subject.unwrap().name, "X");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].pointer, "line 13");
    }
}
