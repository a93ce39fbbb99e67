//! CycloneDX (<https://cyclonedx.org/specification/overview/>) in JSON and XML: components
//! (nested ones too), the BOM's identity for BOM-Links, and VEX statements.

use crate::{Component, Format, Sbom, VexStatement, component_purl};
use mamori_advisories::Problem;
use mamori_advisories::csaf::Status;
use serde_json::Value;

/// The versions the hub supports fully; older ones are read with a warning.
const SUPPORTED: [&str; 4] = ["1.4", "1.5", "1.6", "1.7"];

/// CycloneDX's analysis states as hub.md §5 maps them.
fn status(state: &str) -> Option<Status> {
    Some(match state {
        "not_affected" | "false_positive" => Status::NotAffected,
        "resolved" | "resolved_with_pedigree" => Status::Fixed,
        "in_triage" => Status::UnderInvestigation,
        "exploitable" => Status::Affected,
        _ => return None,
    })
}

fn version_warning(version: &str, pointer: &str, problems: &mut Vec<Problem>) {
    if !SUPPORTED.contains(&version) {
        problems.push(Problem::warning(
            pointer,
            format!("CycloneDX {version} is read as 1.4; fields it lacks are left empty"),
        ));
    }
}

pub fn from_json(value: &Value) -> Result<(Sbom, Vec<Problem>), Vec<Problem>> {
    let mut problems = Vec::new();
    if value.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        problems.push(Problem::warning("/bomFormat", "bomFormat is not \"CycloneDX\"; read as CycloneDX"));
    }
    let spec = value.get("specVersion").and_then(Value::as_str).unwrap_or("").to_string();
    version_warning(&spec, "/specVersion", &mut problems);
    let subject = value.pointer("/metadata/component").map(|c| json_component(c, "/metadata/component", &mut problems));
    let mut components = Vec::new();
    json_components(value.get("components"), "/components", &mut components, &mut problems);
    let mut vex = Vec::new();
    for (i, v) in value.get("vulnerabilities").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let pointer = format!("/vulnerabilities/{i}");
        let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let Some(id) = text("/id") else {
            problems.push(Problem::warning(pointer, "a vulnerability without id is skipped"));
            continue;
        };
        let Some(state) = text("/analysis/state") else { continue };
        let Some(status) = status(&state) else {
            problems.push(Problem::warning(
                format!("{pointer}/analysis/state"),
                format!("unknown analysis state {state:?}; the statement is skipped"),
            ));
            continue;
        };
        let list = |key: &str, field: &str| -> Vec<String> {
            v.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.get(field)?.as_str().map(str::to_string))
                .collect()
        };
        vex.push(VexStatement {
            vulnerability: id,
            aliases: list("references", "id"),
            status,
            justification: text("/analysis/justification"),
            detail: text("/analysis/detail"),
            affects: list("affects", "ref"),
            pointer,
        });
    }
    let sbom = Sbom {
        format: Format { name: "CycloneDX", version: spec, syntax: "json" },
        serial: value.get("serialNumber").and_then(Value::as_str).map(str::to_string),
        bom_version: value.get("version").and_then(Value::as_u64),
        subject,
        components,
        vex,
    };
    Ok((sbom, problems))
}

fn json_components(list: Option<&Value>, pointer: &str, out: &mut Vec<Component>, problems: &mut Vec<Problem>) {
    let Some(list) = list else { return };
    let Some(list) = list.as_array() else {
        problems.push(Problem::warning(pointer, "components is not a list; skipped"));
        return;
    };
    for (i, c) in list.iter().enumerate() {
        let p = format!("{pointer}/{i}");
        out.push(json_component(c, &p, problems));
        json_components(c.get("components"), &format!("{p}/components"), out, problems);
    }
}

fn json_component(c: &Value, pointer: &str, problems: &mut Vec<Problem>) -> Component {
    let text = |p: &str| c.pointer(p).and_then(Value::as_str).map(str::to_string).filter(|s| !s.trim().is_empty());
    let purl = component_purl(c.get("purl").and_then(Value::as_str), &format!("{pointer}/purl"), problems);
    Component {
        bom_ref: text("/bom-ref"),
        name: text("/name").or_else(|| purl.as_ref().map(|p| p.name.clone())).unwrap_or_default(),
        version: text("/version").or_else(|| purl.as_ref().and_then(|p| p.version.clone())),
        purl,
        cpe: text("/cpe"),
        supplier: text("/supplier/name")
            .or_else(|| text("/manufacturer/name"))
            .or_else(|| text("/publisher"))
            .or_else(|| text("/author")),
        pointer: pointer.to_string(),
    }
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

fn child_text(n: roxmltree::Node, name: &str) -> Option<String> {
    child(n, name).and_then(|c| c.text()).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

pub fn from_xml(doc: &roxmltree::Document) -> Result<(Sbom, Vec<Problem>), Vec<Problem>> {
    let mut problems = Vec::new();
    let root = doc.root_element();
    let spec = root.tag_name().namespace().and_then(|ns| ns.rsplit('/').next()).unwrap_or("").to_string();
    version_warning(&spec, "line 1", &mut problems);
    let line = |n: roxmltree::Node| format!("line {}", doc.text_pos_at(n.range().start).row);
    let component = |n: roxmltree::Node<'_, '_>, problems: &mut Vec<Problem>| {
        let pointer = line(n);
        let purl_node = child(n, "purl");
        let purl_pointer = purl_node.map(line).unwrap_or_else(|| pointer.clone());
        let purl = component_purl(child_text(n, "purl").as_deref(), &purl_pointer, problems);
        Component {
            bom_ref: n.attribute("bom-ref").map(str::to_string),
            name: child_text(n, "name").or_else(|| purl.as_ref().map(|p| p.name.clone())).unwrap_or_default(),
            version: child_text(n, "version").or_else(|| purl.as_ref().and_then(|p| p.version.clone())),
            purl,
            cpe: child_text(n, "cpe"),
            supplier: child(n, "supplier").and_then(|s| child_text(s, "name")).or_else(|| child_text(n, "publisher")),
            pointer,
        }
    };
    let subject = child(root, "metadata").and_then(|m| child(m, "component")).map(|c| component(c, &mut problems));
    let mut components = Vec::new();
    if let Some(list) = child(root, "components") {
        // Nested components too, in document order.
        for n in list.descendants().filter(|d| d.is_element() && d.tag_name().name() == "component") {
            components.push(component(n, &mut problems));
        }
    }
    let mut vex = Vec::new();
    if let Some(list) = child(root, "vulnerabilities") {
        for v in list.children().filter(|c| c.is_element() && c.tag_name().name() == "vulnerability") {
            let Some(id) = child_text(v, "id") else { continue };
            let Some(analysis) = child(v, "analysis") else { continue };
            let Some(state) = child_text(analysis, "state") else { continue };
            let Some(status) = status(&state) else {
                problems.push(Problem::warning(
                    line(analysis),
                    format!("unknown analysis state {state:?}; the statement is skipped"),
                ));
                continue;
            };
            let refs = |outer: &str, inner: &str| -> Vec<String> {
                child(v, outer)
                    .into_iter()
                    .flat_map(|o| {
                        o.descendants()
                            .filter(|d| d.is_element() && d.tag_name().name() == inner)
                            .filter_map(|d| d.text().map(|t| t.trim().to_string()))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            };
            vex.push(VexStatement {
                vulnerability: id,
                aliases: refs("references", "id"),
                status,
                justification: child_text(analysis, "justification"),
                detail: child_text(analysis, "detail"),
                affects: refs("affects", "ref"),
                pointer: line(v),
            });
        }
    }
    let sbom = Sbom {
        format: Format { name: "CycloneDX", version: spec, syntax: "xml" },
        serial: root.attribute("serialNumber").map(str::to_string),
        bom_version: root.attribute("version").and_then(|v| v.parse().ok()),
        subject,
        components,
        vex,
    };
    Ok((sbom, problems))
}
